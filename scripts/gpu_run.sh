#!/usr/bin/env bash
# The GPU job, in one call on the GPU machine: build, C++ tests, the whole pytest suite on CUDA,
# then the benchmark. Full logs go to $OUT (default ./gpu_out); a short summary prints last.
#   usage: scripts/gpu_run.sh [--no-tests] [--no-bench] [pytest args...]
#   env: BENCH_ARGS (extra gemforge.bench arguments, e.g. "--only add,mm --rep-ms 40"),
#        TEST_TIMEOUT / BENCH_TIMEOUT (seconds; the summary still prints when one runs out),
#        GEMFORGE_TEST_SHARD="i/n" (run every n-th test from i: the suite over several calls that
#        share the kernel cache, e.g. 0/3, 1/3, 2/3 while the machine stays warm)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu_out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
export GEMFORGE_CACHE_DIR=${GEMFORGE_CACHE_DIR:-/tmp/gemforge_kernel_cache}
RUN_TESTS=1 RUN_BENCH=1
PYTEST_ARGS=()
for a in "$@"; do
  case "$a" in
    --no-tests) RUN_TESTS=0 ;;
    --no-bench) RUN_BENCH=0 ;;
    *) PYTEST_ARGS+=("$a") ;;
  esac
done

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$OUT/gpu.txt" 2>&1
python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)" >> "$OUT/gpu.txt" 2>&1

start=$(date +%s)
bash scripts/install.sh > "$OUT/build.log" 2>&1
build_rc=$?
build_s=$(( $(date +%s) - start ))

ctest_rc=skipped test_rc=skipped bench_rc=skipped
if [ $build_rc -eq 0 ]; then
  if [ $RUN_TESTS -eq 1 ]; then
    (cd build/*/ && ctest --output-on-failure) > "$OUT/ctest.log" 2>&1
    ctest_rc=$?
    # Several workers: first-time compilation dominates, and they share the disk cache.
    timeout "${TEST_TIMEOUT:-540}" python3 -m pytest tests -q -p no:warnings -n "${WORKERS:-16}" "${PYTEST_ARGS[@]}" \
      > "$OUT/tests.log" 2>&1
    test_rc=$?
  fi
  if [ $RUN_BENCH -eq 1 ]; then
    # shellcheck disable=SC2086
    timeout "${BENCH_TIMEOUT:-540}" python3 -m gemforge.bench --out "$OUT" ${BENCH_ARGS:-} > "$OUT/bench.txt" \
      2> "$OUT/bench_progress.log"
    bench_rc=$?
  fi
fi

echo "================ GemForge GPU run summary ================"
cat "$OUT/gpu.txt"
echo "build: rc=$build_rc (${build_s}s)"
[ $build_rc -ne 0 ] && tail -40 "$OUT/build.log"
echo "ctest: rc=$ctest_rc  $(grep -E 'tests passed|tests failed' "$OUT/ctest.log" 2>/dev/null)"
echo "pytest: rc=$test_rc  $(tail -1 "$OUT/tests.log" 2>/dev/null)"
if [ "$test_rc" != "0" ] && [ "$test_rc" != "skipped" ]; then grep -E "^FAILED|^ERROR" "$OUT/tests.log" | head -30; fi
echo "bench: rc=$bench_rc"
[ -f "$OUT/bench.txt" ] && grep -E "^(correctness|geomean|gpu:|ERROR|MISMATCH)|PASS|MISS|^ {15}[a-z]" "$OUT/bench.txt" | head -70
[ "$bench_rc" != "0" ] && [ "$bench_rc" != "skipped" ] && tail -20 "$OUT/bench_progress.log"
exit 0
