#!/usr/bin/env bash
# Times `vlogmood features data/ravdess --no-cache` (best of 3, single process, all cores and
# one thread) next to the Python reference's per-file loop (ref_features.py --repeat 3: the
# fastest pass of load + trim + pcm16 + 45 features + descriptive + log-mel, warm numba cache),
# on the same files, machine and sitting. Needs ../shared/reference/python/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-$HOME/.cache/vlogmood-refenv/bin/python}
REF=${REF:-../shared/reference/python}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
best_of_3() {
    local best=""
    for _ in 1 2 3; do
        rm -rf "$out/rust"
        local t0 t1 t
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1
        t1=$(date +%s.%N)
        t=$(echo "$t1 - $t0" | bc)
        if [ -z "$best" ] || (( $(echo "$t < $best" | bc) )); then best=$t; fi
    done
    echo "$best"
}
all=$(best_of_3 target/release/vlogmood features data/ravdess --out "$out/rust" --no-cache)
one=$(best_of_3 target/release/vlogmood --threads 1 features data/ravdess --out "$out/rust" --no-cache)
OMP_NUM_THREADS=1 "$PY" "$REF/ref_features.py" data/ravdess "$out/ref" --repeat 3 --quiet >/dev/null
"$PY" - "$out/ref/timing.json" "$all" "$one" <<'PYEOF'
import json, sys
t = json.load(open(sys.argv[1]))
s = t["stages_s"]
loop = sum(s[k] for k in ("load", "trim", "pcm16_roundtrip", "features", "descriptive", "logmel"))
all_, one = float(sys.argv[2]), float(sys.argv[3])
print(f"librosa per-file loop (load..logmel, fastest of 3 passes): {loop:.3f} s")
print(f"vlogmood features, all cores (whole process, incl. writing): {all_:.3f} s  -> {loop / all_:.1f}x")
print(f"vlogmood features, 1 thread  (whole process, incl. writing): {one:.3f} s  -> {loop / one:.1f}x")
print(f"load average after the reference: {t['machine']['loadavg_1_5_15_at_end'][0]:.2f}")
PYEOF
