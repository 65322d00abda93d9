"""Bodies of csrc/ops/pointwise/unary_math.cpp: Unary math: exp2 ... resolve_conj (issue 3)."""
import triton
import triton.language as tl
