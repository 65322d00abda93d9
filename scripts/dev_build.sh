#!/usr/bin/env bash
# Development build without pip: builds the core in build/dev and copies the library next to
# the Python sources, so several checkouts (git worktrees) can be built and tested side by side
# without touching the installed package:
#   scripts/dev_build.sh && SKBUILD_EDITABLE_SKIP=1 PYTHONPATH=$PWD/python python3 -m pytest tests
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x /usr/bin/g++ ]; then export CXX=/usr/bin/g++ CC=/usr/bin/gcc; fi
[ -f build/dev/build.ninja ] || cmake -S . -B build/dev -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DPython_EXECUTABLE="$(command -v python3)" > /dev/null
cmake --build build/dev --target gemforge runtime_tests -j "${JOBS:-2}"  # (runtime_tests: test_tuning_table.py runs it)
cp build/dev/_C.*.so python/gemforge/
