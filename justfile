# vlogmood tasks. Install just with: cargo install just --locked

# List the recipes.
default:
    @just --list

# The main job on the embedded data: decode, resample, trim and write 16-bit WAVs to processed/.
ingest:
    cargo run --release -- ingest data --out processed

# The test suite CI runs (README's test command).
test:
    cargo test --release --locked

# Slow tests (ignored by default).
test-slow:
    cargo test --release --locked -- --ignored

# Formatting and lints, as CI and reviewers expect them.
lint:
    cargo fmt --check
    cargo clippy --release --all-targets -- -D warnings

# All criterion benchmarks.
bench:
    cargo bench

# Regenerate the audio fixtures (needs ffmpeg, espeak-ng and the reference venv).
fixtures-audio:
    tests/fixtures/audio/make_fixtures.sh

# ingest on data/ravdess next to the Python reference's load+trim, same machine, same sitting.
bench-ingest:
    cargo build --release
    scripts/bench_ingest.sh
