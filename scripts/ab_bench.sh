#!/usr/bin/env bash
# A/B of a change on the GPU machine, in one call: builds the tree as it is (A), times the chosen
# benchmark rows, applies PATCH, rebuilds (B), runs the named tests on B, times the same rows again
# and prints A against B, side by side in the same process lifetime of the machine (same card).
#   usage: scripts/ab_bench.sh PATCH ONLY [pytest args...]
#     PATCH: a diff against this tree (e.g. `git diff main BRANCH -- csrc python > probe/x.patch`,
#            carried in an ignored folder); ONLY: the benchmark's --only list ("group_norm,softmax").
#   Logs and both bench.json files go to $OUT/ab (default ./gpu_out/ab).
set -uo pipefail
cd "$(dirname "$0")/.."
PATCH=$1 ONLY=$2
shift 2
OUT=${OUT:-$PWD/gpu_out}
AB=$OUT/ab
mkdir -p "$AB/a" "$AB/b"
export GEMFORGE_CACHE_DIR=${GEMFORGE_CACHE_DIR:-/tmp/gemforge_kernel_cache}
run_side() {  # $1: a or b
  bash scripts/install.sh > "$AB/build_$1.log" 2>&1 || { echo "build $1 failed (see $AB/build_$1.log)"; return 1; }
  python3 -m gemforge.bench --only "$ONLY" --out "$AB/$1" > "$AB/bench_$1.txt" 2>&1 \
    || { echo "benchmark $1 failed (see $AB/bench_$1.txt)"; return 1; }
}
run_side a || exit 1
(git apply "$PATCH" 2>/dev/null || patch -p1 < "$PATCH") > "$AB/apply.log" 2>&1 || { echo "patch does not apply"; exit 1; }
run_side b || exit 1
if [ $# -gt 0 ]; then
  python3 -m pytest -q -p no:warnings -n "$(nproc)" "$@" > "$AB/tests_b.log" 2>&1
  echo "tests on B: $(tail -1 "$AB/tests_b.log")"
fi
python3 - "$AB/a/bench.json" "$AB/b/bench.json" <<'PY'
import json, sys
a, b = ({(c["name"], c["dtype"], c["metric"]): c for c in json.load(open(p))["cases"]} for p in sys.argv[1:])
print(f"{'case':45s} {'dtype':5s} {'torch A':>9s} {'A us':>9s} {'torch B':>9s} {'B us':>9s}  B/A   check")
for key, ca in a.items():
    cb = b.get(key)
    if cb is None or "gemforge_us" not in ca or "gemforge_us" not in cb:
        continue
    print(f"{key[0]:45s} {key[1]:5s} {ca['torch_us']:9.1f} {ca['gemforge_us']:9.1f} {cb['torch_us']:9.1f} "
          f"{cb['gemforge_us']:9.1f} {cb['gemforge_us'] / ca['gemforge_us']:5.3f}  {ca.get('check')}/{cb.get('check')}")
PY
