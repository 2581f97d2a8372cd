#!/usr/bin/env bash
# Wall time of `vlogmood run experiments/kmeans_grid` from a cold feature cache and with a warm
# one (--force, so the studies really run), next to the Python reference doing the same work:
# ref_features.py (one pass) + ref_cluster.py (the notebook's step 5) on the same files.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-$HOME/.cache/vlogmood-refenv/bin/python}
REF=${REF:-../shared/reference/python}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$(pwd)
# Run in a scratch folder (its own runs/ and cache) on the embedded data.
sed "s#^corpus = \"data/#corpus = \"$root/data/#" experiments/kmeans_grid.toml > "$tmp/kmeans_grid.toml"
time_it() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
cold=$(cd "$tmp" && time_it "$root/target/release/vlogmood" run kmeans_grid --force)
warm=$(cd "$tmp" && time_it "$root/target/release/vlogmood" run kmeans_grid --force)
py_features=$(time_it env OMP_NUM_THREADS=1 "$PY" "$REF/ref_features.py" data/ravdess "$tmp/ref" --quiet)
py_cluster=$(time_it env OMP_NUM_THREADS=1 "$PY" "$REF/ref_cluster.py" "$tmp/ref/feature_matrix.npy" "$tmp/cluster")
echo "vlogmood run kmeans_grid: cold cache ${cold} s, warm cache ${warm} s (whole processes)"
echo "Python reference: ref_features.py ${py_features} s + ref_cluster.py ${py_cluster} s (whole processes)"
