#!/usr/bin/env bash
# Times `vlogmood ingest data/ravdess` (best of 3) next to the Python reference's load + trim
# stages on the same files (ref_features.py, best of 3 passes, its timing.json).
# Needs the reference venv: ../shared/reference/python/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-$HOME/.cache/vlogmood-refenv/bin/python}
REF=${REF:-../shared/reference/python}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
best=""
for _ in 1 2 3; do
    rm -rf "$out/wav"
    t0=$(date +%s.%N)
    target/release/vlogmood ingest data/ravdess --out "$out/wav" 2>/dev/null
    t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc)
    if [ -z "$best" ] || (( $(echo "$t < $best" | bc) )); then best=$t; fi
done
OMP_NUM_THREADS=1 "$PY" "$REF/ref_features.py" data/ravdess "$out/ref" --repeat 3 --quiet >/dev/null
"$PY" - "$out/ref/timing.json" "$best" <<'PYEOF'
import json, sys
t = json.load(open(sys.argv[1]))
s = t["stages_s"]
ref = s["load"] + s["trim"] + s["pcm16_roundtrip"]
ours = float(sys.argv[2])
print(f"vlogmood ingest (decode, resample, trim, pcm16, write WAVs): {ours:.3f} s")
print(f"librosa load + trim + pcm16 round trip (no writing):         {ref:.3f} s")
print(f"ratio: {ref / ours:.1f}x   (load average after the reference: {t['machine']['loadavg_1_5_15_at_end'][0]:.2f})")
PYEOF
