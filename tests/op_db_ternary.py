"""Op table entries for csrc/ops/pointwise/ternary.cpp (Ternary ops, clamps, lerp, addc*, isclose/isin, copies and fills (issue 3))."""
from op_db import OpSpec  # noqa: F401

OPS = []
