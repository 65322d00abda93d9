#!/usr/bin/env bash
# The GPU job, in one call on the GPU machine: build, C++ tests, the whole pytest suite on CUDA,
# then the benchmark. Logs go to $OUT (default ./gpu_out); a short summary prints last.
#   usage: scripts/gpu_run.sh [--no-tests] [--no-bench] [pytest args...] (test files or node ids
#          given: only those run)
#   env: BENCH_ARGS (extra gemforge.bench arguments, e.g. "--only add,mm --rep-ms 40"),
#        TEST_TIMEOUT / BENCH_TIMEOUT (seconds; the summary still prints when one runs out),
#        WORKERS (test and compile processes; default: every core),
#        GEMFORGE_TEST_SHARD="i/n" (run every n-th test from i), GEMFORGE_TEST_DONE=FILE (leave out
#        the node ids listed: tests an earlier run of the same code passed),
#        SKIP_BUILD=1 (the caller built already: e.g. tests and benchmark run side by side on
#        two GPUs, CUDA_VISIBLE_DEVICES=1 NGPUS=1 for the tests, BENCH_GPU=0 for the benchmark),
#        EXPORT_CACHE=1 (pack the kernel disk cache into $OUT/kcache.tar.xz.* so that a later
#        call can carry it in .kcache/ and skip first-time compilation).
# On a host with several GPUs the test workers and the benchmark's compile workers spread over
# all of them (compilation is CPU-bound); the timed benchmark itself runs on GPU 0 alone.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu_out}
mkdir -p "$OUT"
LOGS=$(mktemp -d)  # small logs, packed into $OUT/logs.tar.gz at the end ($OUT takes few files)
export PYTHONUNBUFFERED=1
export GEMFORGE_CACHE_DIR=${GEMFORGE_CACHE_DIR:-/tmp/gemforge_kernel_cache}
WORKERS=${WORKERS:-$(nproc)}
NGPUS=${NGPUS:-$(nvidia-smi -L 2>/dev/null | grep -c '^GPU')}  # (NGPUS=1: tests on GPU 0 only)
RUN_TESTS=1 RUN_BENCH=1
PYTEST_ARGS=()
TEST_PATHS=(tests)  # the whole suite, unless test files or node ids are named
for a in "$@"; do
  case "$a" in
    --no-tests) RUN_TESTS=0 ;;
    --no-bench) RUN_BENCH=0 ;;
    tests/*) TEST_PATHS=(); PYTEST_ARGS+=("$a") ;;
    *) PYTEST_ARGS+=("$a") ;;
  esac
done

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$LOGS/gpu.txt" 2>&1
python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)" >> "$LOGS/gpu.txt" 2>&1
echo "cores: $(nproc), workers: $WORKERS, GPUs: $NGPUS" >> "$LOGS/gpu.txt"

mkdir -p "$GEMFORGE_CACHE_DIR"
if compgen -G ".kcache/kcache.tar.xz.*" > /dev/null; then
  cat .kcache/kcache.tar.xz.* | xz -d | tar -C "$GEMFORGE_CACHE_DIR" -x \
    && echo "kernel cache: imported $(find "$GEMFORGE_CACHE_DIR" -type f | wc -l) files" >> "$LOGS/gpu.txt"
fi

start=$(date +%s)
if [ "${SKIP_BUILD:-0}" = 1 ]; then echo "(SKIP_BUILD=1: built by the caller)" > "$LOGS/build.log"; build_rc=0
else bash scripts/install.sh > "$LOGS/build.log" 2>&1; build_rc=$?; fi
build_s=$(( $(date +%s) - start ))

ctest_rc=skipped test_rc=skipped bench_rc=skipped test_s=0 bench_s=0
if [ $build_rc -eq 0 ]; then
  if [ $RUN_TESTS -eq 1 ]; then
    (cd "$(ls -d build/cp*/ | head -1)" && ctest --output-on-failure) > "$LOGS/ctest.log" 2>&1
    ctest_rc=$?
    start=$(date +%s)
    # Many workers: first-time compilation dominates, and they share the disk cache.
    GEMFORGE_TEST_LOG=$LOGS/tests GEMFORGE_TEST_GPUS=$([ "$NGPUS" -gt 1 ] && echo "$NGPUS") timeout "${TEST_TIMEOUT:-540}" python3 -m pytest "${TEST_PATHS[@]}" -q -p no:warnings \
      -n "$WORKERS" --tb=short "${PYTEST_ARGS[@]}" > "$OUT/tests.log" 2>&1
    test_rc=$?
    test_s=$(( $(date +%s) - start ))
  fi
  if [ $RUN_BENCH -eq 1 ]; then
    start=$(date +%s)
    # shellcheck disable=SC2086
    GEMFORGE_BENCH_GPUS=$NGPUS CUDA_VISIBLE_DEVICES=${BENCH_GPU:-0} timeout "${BENCH_TIMEOUT:-540}" \
      python3 -m gemforge.bench --out "$OUT" --compile-workers "$WORKERS" ${BENCH_ARGS:-} \
      > "$OUT/bench.txt" 2> "$LOGS/bench_progress.log"
    bench_rc=$?
    bench_s=$(( $(date +%s) - start ))
  fi
fi

# Failure details and the slowest tests, from the per-worker logs (complete even after a timeout).
if compgen -G "$LOGS/tests.*" > /dev/null; then
  cat "$LOGS"/tests.* > "$OUT/test_details.log"
  grep -hE '^ *[0-9.]+s ' "$LOGS"/tests.* | sort -rn | head -25 > "$LOGS/slowest.txt"
fi
if [ "${EXPORT_CACHE:-0}" = 1 ]; then
  tar -C "$GEMFORGE_CACHE_DIR" -cf - . | xz -T0 -6 | split -b 15M - "$OUT/kcache.tar.xz."
fi
tar -C "$LOGS" -czf "$OUT/logs.tar.gz" .

echo "================ GemForge GPU run summary ================"
cat "$LOGS/gpu.txt"
echo "build: rc=$build_rc (${build_s}s)"
[ $build_rc -ne 0 ] && tail -40 "$LOGS/build.log"
echo "ctest: rc=$ctest_rc  $(grep -E 'tests passed|tests failed' "$LOGS/ctest.log" 2>/dev/null)"
echo "pytest: rc=$test_rc (${test_s}s)  $(tail -1 "$OUT/tests.log" 2>/dev/null)"
if [ "$test_rc" != "0" ] && [ "$test_rc" != "skipped" ]; then
  echo "ran: $(cat "$LOGS"/tests.* 2>/dev/null | grep -cE '^ *[0-9.]+s (passed|failed) +call') tests; failed:"
  grep -hE '^ *[0-9.]+s failed' "$LOGS"/tests.* 2>/dev/null | head -30
fi
[ -f "$LOGS/slowest.txt" ] && { echo "slowest tests:"; head -8 "$LOGS/slowest.txt"; }
echo "bench: rc=$bench_rc (${bench_s}s)  $(grep -E '^kernel cache warmed' "$LOGS/bench_progress.log" 2>/dev/null)"
[ -f "$OUT/bench.txt" ] && grep -E "^(correctness|geomean|gpu:|ERROR|MISMATCH)|PASS|MISS|^ {15}[a-z]" "$OUT/bench.txt" | head -70
[ "$bench_rc" != "0" ] && [ "$bench_rc" != "skipped" ] && tail -20 "$LOGS/bench_progress.log"
[ "${EXPORT_CACHE:-0}" = 1 ] && ls -la "$OUT"/kcache.tar.xz.* | awk '{print "cache export:", $5, $9}'
exit 0
