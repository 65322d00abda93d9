"""Bodies of csrc/ops/pointwise/ternary.cpp: Ternary ops, clamps, lerp, addc*, isclose/isin, copies and fills (issue 3)."""
import triton
import triton.language as tl
