"""Bodies of csrc/ops/pointwise/activations.cpp: activations and their backward ops (issue 3).

Formulas follow ATen's CUDA kernels (computing in fp32 for half types, as they do), including
their NaN and boundary cases; where ATen's form cancels or overflows, an equal form that doesn't
is used and says so. Float constants stay literals inside expressions: a float assigned to a
local becomes an fp32 constant and would round fp64 results.
"""
import triton
import triton.language as tl

from .common import HALF_RESULT, div_rn
from .common import expm1_of as _expm1
from .common import log1p_of as _log1p
from .common import sigmoid_of
from .unary_math import erf_half

# ---------------------------------------------------------------- helpers


@triton.jit
def _clamp06(v):
    """min(max(v, 0), 6) with NaN kept (tl.minimum/maximum may drop it)."""
    v = tl.where(v < 0.0, 0.0, v)
    return tl.where(v > 6.0, 6.0, v)


@triton.jit
def _sigmoid_pair(v):
    """(sigmoid(v), sigmoid(-v)) = (s, 1 - s), both without cancellation or overflow."""
    e = tl.exp(-tl.abs(v))
    p = 1.0 / (1.0 + e)  # sigmoid(|v|)
    q = e * p  # sigmoid(-|v|)
    return tl.where(v >= 0, p, q), tl.where(v >= 0, q, p)


@triton.jit
def _tanh_softplus(x):
    """tanh(log1p(exp(x))) == n / (n + 2) with n = e^x (e^x + 2): no cancellation; 1 past x = 20."""
    e = tl.exp(tl.minimum(x, 20.0))
    n = e * (e + 2.0)
    return tl.where(x > 20.0, 1.0, n / (n + 2.0))


# ---------------------------------------------------------------- forward


@triton.jit
def leaky_relu(x, slope, s1, s2, P):
    return tl.where(x > 0, x, x * slope)


@triton.jit
def elu(x, alpha, scale, input_scale, P):
    # also celu (alpha, 1, 1/alpha) and selu (fixed alpha, scale)
    return tl.where(x > 0, x * scale, _expm1(x * input_scale) * (alpha * scale))


@triton.jit
def mish(x, s0, s1, s2, P):
    return x * _tanh_softplus(x)


@triton.jit
def hardsigmoid(x, s0, s1, s2, P):
    # exact 1/6, as ATen's CPU kernel (its CUDA kernel uses 1.0f / 6.0f also for double)
    return _clamp06(x + 3.0) * (1.0 / 6.0)


@triton.jit
def hardswish(x, s0, s1, s2, P):
    return x * _clamp06(x + 3.0) * (1.0 / 6.0)


@triton.jit
def hardtanh(x, lo, hi, s2, P):
    # clamp's order: max with lo first, so lo > hi gives hi; NaN stays NaN
    r = tl.where(x < lo, lo, x)
    return tl.where(r > hi, hi, r)


@triton.jit
def softplus(x, beta, threshold, s2, P):
    v = x * beta
    return tl.where(v > threshold, x, _log1p(tl.exp(v)) / beta)


@triton.jit
def log_sigmoid(x, s0, s1, s2, P):
    return tl.where(x < 0, x, 0.0) - _log1p(tl.exp(-tl.abs(x)))


@triton.jit
def threshold(x, th, value, s2, P):
    return tl.where(x <= th, value, x)


@triton.jit
def glu(a, b, s0, s1, s2, P):
    return a * sigmoid_of(b)


_LOGIT_CLAMP = tl.constexpr(1)  # P of logit and logit_backward: eps given and >= 0


@triton.jit
def logit(x, eps, s1, s2, P: tl.constexpr):
    if P == _LOGIT_CLAMP:
        x = tl.where(x < eps, eps, tl.where(x > 1.0 - eps, 1.0 - eps, x))
    return tl.log(x / (1.0 - x))


# ---------------------------------------------------------------- backward
# Operand order is ATen's iterator order for each op (grad first unless noted).


@triton.jit
def threshold_backward(x, g, th, s1, s2, P):  # (self, grad)
    return tl.where(x <= th, 0, g)


@triton.jit
def sigmoid_backward(g, y, s0, s1, s2, P):
    return g * (1.0 - y) * y


@triton.jit
def tanh_backward(g, y, s0, s1, s2, P):
    return g * (1.0 - y * y)


@triton.jit
def silu_backward(g, x, s0, s1, s2, P):
    s = sigmoid_of(x)
    return g * s * (1.0 + x * (1.0 - s))


_GELU_TANH = tl.constexpr(1)


@triton.jit
def gelu_backward(g, x, s0, s1, s2, P: tl.constexpr):
    if P == _GELU_TANH or P == _GELU_TANH + HALF_RESULT:
        # ATen: 0.5 (1 + tanh(u)) + 0.5 x (1 - tanh(u)^2) u'; with s = sigmoid(2u) that is
        # s + 2 x s (1 - s) u', where s and 1 - s come without cancellation
        x2 = x * x
        u = 0.7978845608028654 * (x + 0.044715 * x2 * x)  # sqrt(2 / pi) (x + kappa x^3)
        du = 0.7978845608028654 * (1.0 + 0.134145 * x2)
        s, s_neg = _sigmoid_pair(2.0 * u)
        return g * (s + 2.0 * x * s * s_neg * du)
    else:
        if P == HALF_RESULT:  # fp16/bf16 results: erf to 8e-6 (unary_math.py erf_half)
            cdf = 0.5 * (1.0 + erf_half(x * 0.7071067811865476))
        else:
            cdf = 0.5 * (1.0 + tl.math.erf(x * 0.7071067811865476))
        pdf = tl.exp(-0.5 * x * x) * 0.3989422804014327  # 1 / sqrt(2 pi)
        return g * (cdf + x * pdf)


_ELU_IS_RESULT = tl.constexpr(1)  # P of elu_backward: b is elu's result, not its input


@triton.jit
def elu_backward(g, b, alpha, scale, input_scale, P: tl.constexpr):
    negcoef = alpha * scale
    if P == _ELU_IS_RESULT:
        return tl.where(b <= 0, g * input_scale * (b + negcoef), g * scale)
    else:
        return tl.where(b <= 0, g * input_scale * negcoef * tl.exp(b * input_scale), g * scale)


@triton.jit
def hardswish_backward(g, x, s0, s1, s2, P):
    # ATen: grad * (x / 3 + 0.5) with an IEEE division (Triton's fp32 `/` is approximate)
    return tl.where(x <= -3.0, 0.0, tl.where(x < 3.0, g * (div_rn(x, 3.0) + 0.5), g))


@triton.jit
def hardsigmoid_backward(g, x, s0, s1, s2, P):
    # ATen's 1/6 here is the float 1.0f / 6.0f, also for double
    return tl.where((x > -3.0) & (x < 3.0), g * 0.1666666716337204, 0.0)


@triton.jit
def hardtanh_backward(g, x, lo, hi, s2, P):
    return tl.where((x <= lo) | (x >= hi), 0.0, g)


@triton.jit
def leaky_relu_backward(x, g, slope, s1, s2, P):  # (self, grad)
    return tl.where(x > 0, g, g * slope)


@triton.jit
def softplus_backward(g, x, beta, threshold, s2, P):
    # ATen's z / (z + 1) with z = exp(x beta) is sigmoid(x beta): this form doesn't overflow to NaN
    v = x * beta
    return tl.where(v > threshold, g, g * sigmoid_of(v))


@triton.jit
def log_sigmoid_backward(x, g, s0, s1, s2, P):  # (self, grad)
    # d/dx log(sigmoid(x)) = sigmoid(-x) = (x < 0 ? 1 : z) / (1 + z) with z = exp(-|x|)
    z = tl.exp(-tl.abs(x))
    return g * (tl.where(x < 0, 1.0, z) / (1.0 + z))


@triton.jit
def mish_backward(g, x, s0, s1, s2, P):
    # t = tanh(softplus(x)) = n / (n + 2), 1 - t^2 = 4 (n + 1) / (n + 2)^2, sigmoid(x) = e / (1 + e);
    # past x = 20 the derivative is 1 to working precision (ATen's form gives inf * 0 = NaN at inf)
    e = tl.exp(tl.minimum(x, 20.0))
    n = e * (e + 2.0)
    r = 1.0 / (n + 2.0)
    t = n * r
    dt = 4.0 * (n + 1.0) * r * r
    s = e / (1.0 + e)
    big = tl.where(x == float("inf"), float("nan"), 1.0)
    return g * tl.where(x > 20.0, big, t + x * s * dt)


@triton.jit
def glu_backward(a, b, g, s0, s1, s2, P):
    """Two outputs, the gradients of glu's halves: sigmoid(b) g for a, and
    sigmoid(b) (1 - sigmoid(b)) g a for b."""
    s, s_neg = _sigmoid_pair(b)
    return s * g, s_neg * s * g * a


@triton.jit
def logit_backward(g, x, eps, s1, s2, P: tl.constexpr):
    d = g / (x * (1.0 - x))
    if P == _LOGIT_CLAMP:
        return tl.where((x < eps) | (x > 1.0 - eps), 0.0, d)
    else:
        return tl.where((x < 0.0) | (x > 1.0), float("nan"), d)
