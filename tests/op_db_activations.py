"""Op table entries for csrc/ops/pointwise/activations.cpp (Activations and their backward ops (issue 3))."""
from op_db import OpSpec  # noqa: F401

OPS = []
