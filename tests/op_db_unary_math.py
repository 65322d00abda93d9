"""Op table entries for csrc/ops/pointwise/unary_math.cpp (Unary math: exp2 ... resolve_conj (issue 3))."""
from op_db import OpSpec  # noqa: F401

OPS = []
