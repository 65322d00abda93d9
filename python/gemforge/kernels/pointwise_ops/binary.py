"""Bodies of csrc/ops/pointwise/binary.cpp: Binary ops: arithmetic, comparisons, bitwise and logical (issue 3)."""
import triton
import triton.language as tl
