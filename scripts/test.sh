#!/usr/bin/env bash
# Every test: C++ unit tests and the C++ API example (ctest), then the pytest suite, on CUDA when
# a GPU is present, else on CPU tensors under Triton's interpreter. Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
bash scripts/install.sh
# install.sh's build dir, build/{wheel_tag} (build/dev, scripts/dev_build.sh's, may sit beside it)
(cd "$(ls -d build/cp*/ | head -1)" && ctest --output-on-failure)
# One worker per core: under the interpreter the suite is CPU-bound Python.
$PY -m pytest tests -q -p no:warnings -p no:cacheprovider -n "${TEST_WORKERS:-$(nproc)}" "$@"
