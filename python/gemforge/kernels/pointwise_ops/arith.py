"""Bodies of the foundation's arithmetic operators (csrc/ops/pointwise/arith.cpp)."""
import triton
import triton.language as tl

from .common import HALF_RESULT, NATIVE, div_approx, div_rn, libdevice, sigmoid_of, sqrt_rn
from .unary_math import erfc_half

# Division rounding modes (P of div).
DIV_TRUE = tl.constexpr(0)
DIV_TRUNC = tl.constexpr(1)
DIV_FLOOR = tl.constexpr(2)


@triton.jit
def add(x, y, alpha, s1, s2, P):
    return x + y * alpha


@triton.jit
def sub(x, y, alpha, s1, s2, P):
    return x - y * alpha


@triton.jit
def rsub(x, y, alpha, s1, s2, P):
    return y - x * alpha


@triton.jit
def mul(x, y, s0, s1, s2, P):
    return x * y


@triton.jit
def div(x, y, s0, s1, s2, P: tl.constexpr):
    if P == DIV_TRUE:
        return div_rn(x, y)
    elif x.dtype.is_floating():
        q = div_rn(x, y)
        if P == DIV_TRUNC:
            return tl.where(q < 0, tl.math.ceil(q), tl.math.floor(q))
        else:
            # ATen's floor division for floats: derived from fmod so that x == q*y + r holds
            r = x % y  # fmod: the remainder takes the sign of x
            d = div_rn(x - r, y)
            d = tl.where((r != 0) & ((y < 0) != (r < 0)), d - 1, d)
            f = tl.math.floor(d)
            f = tl.where(d - f > 0.5, f + 1, f)
            f = tl.where(d == 0, q * 0, f)  # signed zero, as copysign(0, x / y)
            return tl.where(y == 0, q, f)
    else:
        q = x // y  # truncates toward zero for integers
        if P == DIV_FLOOR:
            q = tl.where(((x % y) != 0) & ((x < 0) != (y < 0)), q - 1, q)
        return q


@triton.jit
def neg(x, s0, s1, s2, P):
    if x.dtype.is_floating():
        return x * -1.0  # Triton's -x is 0 - x, which maps -(+0.0) to +0.0
    else:
        return -x


@triton.jit
def abs(x, s0, s1, s2, P):
    return tl.abs(x)


@triton.jit
def exp(x, s0, s1, s2, P):
    if P == HALF_RESULT or not NATIVE:
        return tl.exp(x)  # (on the GPU ex2.approx(x log2 e): ~1e-6 relative, enough for fp16/bf16)
    elif x.dtype == tl.float32:
        # libdevice's expf (within an ulp; tl.exp's error grows with |x|, 2.6e-6 at 80), with
        # results below 2^-126 as exp(x + 64) e^-64, which its flush-to-zero would lose
        tail = x < -80.0
        e = libdevice.exp(tl.where(tail, x + 64.0, x))
        return tl.where(tail, e * 1.6038108905486378e-28, e)
    else:
        return libdevice.exp(x)


@triton.jit
def log(x, s0, s1, s2, P):
    return tl.log(x)


@triton.jit
def sqrt(x, s0, s1, s2, P):
    return sqrt_rn(x)


@triton.jit
def rsqrt(x, s0, s1, s2, P):
    if P == HALF_RESULT:
        # fp16/bf16 results: tl.sqrt and div.approx, a few fp32 ulps (+-0 gives +-inf, inf 0).
        # tl.sqrt flushes subnormal inputs (bf16 has them) to zero on the GPU: those are scaled
        # by 2^64 first, and the result by 2^32
        tiny = tl.abs(x) < 1.1754943508222875e-38
        r = div_approx(1.0, tl.sqrt(tl.where(tiny, x * 18446744073709551616.0, x)))
        return tl.where(tiny, r * 4294967296.0, r)
    return 1.0 / sqrt_rn(x)


@triton.jit
def sigmoid(x, s0, s1, s2, P):
    return sigmoid_of(x)


@triton.jit
def silu(x, s0, s1, s2, P):
    return x * sigmoid_of(x)


@triton.jit
def relu(x, s0, s1, s2, P):
    return tl.where(x < 0, tl.zeros_like(x), x)  # NaN stays NaN, as clamp_min does


GELU_NONE = tl.constexpr(0)
GELU_TANH = tl.constexpr(1)


@triton.jit
def gelu(x, s0, s1, s2, P: tl.constexpr):
    if P == GELU_TANH or P == GELU_TANH + HALF_RESULT:
        # 0.5 * x * (1 + tanh(u)) == x * sigmoid(2u), without the cancellation for x << 0
        u = 0.7978845608028654 * (x + 0.044715 * x * x * x)
        return x * sigmoid_of(2.0 * u)
    elif P == HALF_RESULT:
        # 0.5 x (1 + erf(x / sqrt2)) = 0.5 x erfc(-x / sqrt2), without the cancellation for x << 0
        return 0.5 * x * erfc_half(x * -0.7071067811865476)
    else:
        return 0.5 * x * (1.0 + tl.math.erf(x * 0.7071067811865476))
