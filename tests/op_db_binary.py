"""Op table entries for csrc/ops/pointwise/binary.cpp (Binary ops: arithmetic, comparisons, bitwise and logical (issue 3))."""
from op_db import OpSpec  # noqa: F401

OPS = []
