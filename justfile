# vlogmood tasks. Install just with: cargo install just --locked

# List the recipes.
default:
    @just --list

# Run an experiment spec into runs/ (e.g. just run experiments/kmeans_grid).
run EXPERIMENT *FLAGS:
    cargo run --release -- run {{EXPERIMENT}} {{FLAGS}}

# Run every combination of values (e.g. just sweep experiments/compare_clusterers 'seed=1..3' 'study[0].k=2,4').
sweep EXPERIMENT +AXES:
    cargo run --release -- run {{EXPERIMENT}} $(for axis in {{AXES}}; do printf -- "--sweep %s " "$axis"; done)

# The runs table (e.g. just runs --where 'silhouette>0.15' --sort-by silhouette --desc --params).
runs *FLAGS:
    cargo run --release -- runs {{FLAGS}}

# Runs side by side as a self-contained HTML page (e.g. just compare-html compare.html RUN_A RUN_B).
compare-html FILE +RUNS:
    cargo run --release -- compare {{RUNS}} --html {{FILE}}

# Draw a folder of recordings before any model (e.g. just explore data/ravdess --by emotion).
explore DIR *FLAGS:
    cargo run --release -- explore {{DIR}} {{FLAGS}}

# The browser tests, failing (not skipping) without chromium; screenshots in target/tmp/browser/.
test-browser:
    VLOGMOOD_REQUIRE_BROWSER=1 cargo test --release --locked --test browser

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

# Run an experiment with XGBoost in the build (e.g. just run-xgboost experiments/classify_notebook);
# needs cmake, ninja-build and libclang-dev (apt-get install cmake ninja-build libclang-dev).
run-xgboost EXPERIMENT *FLAGS:
    cargo run --release --features xgboost -- run {{EXPERIMENT}} {{FLAGS}}

# The tests of the XGBoost build (parity with Python's XGBClassifier) and the reproduction of
# classify_notebook, which uses it; needs the same packages.
test-xgboost:
    cargo test --release --locked --features xgboost --lib --test xgboost_parity --test classify_cli
    cargo test --release --locked --features xgboost --test classify_slow classify_notebook -- --ignored

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

# Publish a complete run: copy it from runs/ into published/ (then commit it and quote it in README.md).
publish RUN:
    test -f runs/{{RUN}}/manifest.json && test ! -e published/{{RUN}}
    cp -r runs/{{RUN}} published/{{RUN}}

# Regenerate docs/spec.md (the spec reference) after changing a spec type.
spec-reference:
    cargo run --release -- spec --reference > docs/spec.md

# The Slurm executor against a private single-node cluster (installs slurm-wlm and munge; root).
test-slurm:
    scripts/slurm-local.sh install
    VLOGMOOD_REQUIRE_SLURM=1 cargo test --release --locked --test slurm_cli -- --nocapture
