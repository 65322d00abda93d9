"""Bodies of csrc/ops/pointwise/activations.cpp: Activations and their backward ops (issue 3)."""
import triton
import triton.language as tl
