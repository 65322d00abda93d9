"""Selection and search ops (csrc/ops/select.cpp, kernels/select.py) against torch on fp64 CPU copies."""
import pytest
import torch

import gemforge
from conftest import DEVICE, LARGE, ran_gemforge, same_error

# aten base names whose every registered overload this module's tests run through GemForge
COVERED_OPS = set()
