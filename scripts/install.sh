#!/usr/bin/env bash
# Installs what is missing and builds GemForge in place (editable). Both quick-start commands
# run it. On the GPU machine (no network) it uses the torch and triton already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

have() { $PY -c "$1" >/dev/null 2>&1; }

if ! have "import torch, triton; assert torch.__version__.startswith('2.11.0') and triton.__version__ == '3.6.0'"; then
  $PY -m pip install -q "torch==2.11.0" "triton==3.6.0"
fi
missing=()
have "import pytest" || missing+=(pytest)
have "import xdist" || missing+=(pytest-xdist)  # the test command runs one worker per core
have "import scikit_build_core" || missing+=("scikit-build-core>=0.10")
have "import ninja" || command -v ninja >/dev/null || missing+=(ninja)
have "import matplotlib" || missing+=(matplotlib)
if ! have "import torch; assert torch.cuda.is_available()"; then
  # No GPU: kernels run under Triton 3.6's interpreter, which converts 1-element numpy arrays
  # with int(); numpy 2.4 made that an error.
  have "import numpy; assert tuple(int(v) for v in numpy.__version__.split('.')[:2]) < (2, 4)" || missing+=("numpy<2.4")
fi
if [ ${#missing[@]} -gt 0 ]; then
  $PY -m pip install -q "${missing[@]}"
fi

# Build with the system compiler: its libstdc++ is the one the process loads (a newer
# compiler elsewhere on PATH, as on the GPU image, produces a library that crashes on throw).
if [ -x /usr/bin/g++ ]; then
  export CXX=/usr/bin/g++ CC=/usr/bin/gcc
fi
start=$(date +%s)
$PY -m pip install -q --no-build-isolation --no-deps -e . 1>&2
echo "gemforge: built in $(( $(date +%s) - start ))s" >&2
