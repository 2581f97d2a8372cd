#!/usr/bin/env bash
# Runs every shipped experiment into runs/ (reusing runs that exist) and prints the folders.
# The folders the README quotes are committed (see .gitignore) and CI reproduces one of them.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
for spec in experiments/*.toml; do
    folder=$(target/release/vlogmood run "$spec" 2>/dev/null | tail -1)
    echo "$spec -> $folder"
done
