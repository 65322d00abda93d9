"""Pointwise bodies of linear-algebra ops (csrc/ops/blas.cpp)."""
import triton
import triton.language as tl


@triton.jit
def addr_body(x, y, z, beta, alpha, s2, P: tl.constexpr):
    """addr: beta * input + alpha * v1[i] * v2[j]; P = 1: beta is 0 and input is ignored
    (NaN in it does not propagate, as in torch)."""
    if P == 1:
        return alpha * y * z
    else:
        return beta * x + alpha * y * z
