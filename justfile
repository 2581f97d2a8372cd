# vlogmood tasks. Install just with: cargo install just --locked

# List the recipes.
default:
    @just --list

# Run an experiment spec into runs/ (e.g. just run experiments/kmeans_grid).
run EXPERIMENT *FLAGS:
    cargo run --release -- run {{EXPERIMENT}} {{FLAGS}}

# Decode, resample, trim and write 16-bit WAVs of the embedded data to processed/.
ingest:
    cargo run --release -- ingest data --out processed

# Features of the embedded RAVDESS subset into features/ (feature_matrix.npy, features.csv, ...).
features:
    cargo run --release -- features data/ravdess --out features

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

# features on data/ravdess (no cache) next to the Python reference's per-file loop.
bench-features:
    cargo build --release
    scripts/bench_features.sh

# kmeans_grid cold and warm next to ref_features.py + ref_cluster.py on the same data.
bench-run:
    cargo build --release
    scripts/bench_run.sh

# Fuzz the decoders with mutated fixture files for FUZZ_SECONDS (default 120); crashes go to target/fuzz-crashes/.
fuzz:
    cargo test --release --locked --test decode_fuzz -- --ignored --nocapture
