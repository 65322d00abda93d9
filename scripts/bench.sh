#!/usr/bin/env bash
# The main job: GemForge against torch eager, on the GPU when present (else a small run under
# Triton's interpreter). Writes bench_results/{bench.json,bench.png}. Extra args go to the bench.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
${PYTHON:-python3} -m gemforge.bench "$@"
