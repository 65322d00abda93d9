"""What every pointwise body module shares: dtype codes and small math helpers.

Kernels compiled for a GPU call CUDA's math library (libdevice) for transcendental functions:
it is what ATen's kernels use, so results agree with torch's, and it is several times faster
than a portable polynomial. Triton's interpreter has no libdevice, so every body that uses it
keeps a branch built from triton.language builtins alone, taken when NATIVE is false; the CPU
test suite checks those branches and the GPU suite the libdevice ones.
"""
import os

import triton
import triton.language as tl

NATIVE = tl.constexpr(os.environ.get("TRITON_INTERPRET", "0") in ("", "0"))
if NATIVE:
    from triton.language.extra import libdevice
else:
    libdevice = None  # never reached: interpreted bodies take their portable branch

# c10::ScalarType codes, as the host passes them in COMPUTE.
U8 = tl.constexpr(0)
I8 = tl.constexpr(1)
I16 = tl.constexpr(2)
I32 = tl.constexpr(3)
I64 = tl.constexpr(4)
F16 = tl.constexpr(5)
F32 = tl.constexpr(6)
F64 = tl.constexpr(7)
BOOL = tl.constexpr(11)
BF16 = tl.constexpr(15)


@triton.jit
def to_compute(x, COMPUTE: tl.constexpr):
    """x converted to the compute type (a c10::ScalarType code)."""
    if COMPUTE == F64:
        return x.to(tl.float64)
    elif COMPUTE == F32:
        return x.to(tl.float32)
    elif COMPUTE == I64:
        return x.to(tl.int64)
    elif COMPUTE == I32:
        return x.to(tl.int32)
    elif COMPUTE == I16:
        return x.to(tl.int16)
    elif COMPUTE == I8:
        return x.to(tl.int8)
    elif COMPUTE == U8:
        return x.to(tl.uint8)
    elif COMPUTE == F16:
        return x.to(tl.float16)
    elif COMPUTE == BF16:
        return x.to(tl.bfloat16)
    else:  # BOOL
        return x.to(tl.int1)


@triton.jit
def to_acc(x, F64: tl.constexpr):
    """x in a reduction's accumulation type: fp64 for fp64 data, else fp32 (half types too)."""
    if F64:
        return x.to(tl.float64)
    else:
        return x.to(tl.float32)


@triton.jit
def div_rn(x, y):
    """IEEE division as ATen does it (Triton's `/` on fp32 is the 2-ulp approximation, which
    moves floor/trunc results at integer boundaries)."""
    if x.dtype == tl.float32:
        return tl.div_rn(x, y)
    else:
        return x / y


@triton.jit
def sqrt_rn(x):
    """Correctly rounded sqrt, as ATen's (tl.sqrt_rn is fp32-only; fp64 sqrt is exact already)."""
    if x.dtype == tl.float64:
        return tl.sqrt(x)
    else:
        return tl.sqrt_rn(x)


# A bit of P that the drivers add for a binary body with a fast pass and an exact fallback
# (PointwiseKernels::fallback_modes, fp32 compute; pointwise.py _apply_split): the body then
# returns (result, lanes that need the exact body) instead of the result.
FAST_PASS = tl.constexpr(32)

# A bit of P for a body whose op has an fp16/bf16-result variant (PointwiseKernels::half_variant,
# host side): the host adds it to the op's mode (0 for most) when the result is fp16 or bf16. Such
# bodies then evaluate in fp32 to ~1e-6
# relative error, far below those types' half ulp (2^-9, 2^-12), with fp32 `/` (2 ulps) and
# approximate logarithms, instead of libdevice's fp32-exact routines, whose IEEE-division slow
# paths cost a branch per element.
HALF_RESULT = tl.constexpr(16)

# Below this |x| (fp32: 2^-24), f(x) = c x (1 + O(x)) rounds to c x (keep_tiny).
_TINY_F32 = tl.constexpr(5.960464477539063e-08)


@triton.jit
def any_of(c):
    """Whether any element of the block `c` is set (c may be a 0-d value): a loop condition, or a
    tile-wide branch."""
    if len(c.shape) == 0:
        return c
    else:
        return tl.max(c.to(tl.int32)) > 0


@triton.jit
def keep_tiny(x, v, SLOPE: tl.constexpr):
    """v, except SLOPE x where fp32 |x| < 2^-24, for an f with f(x) = SLOPE x (1 + O(x)) there:
    keeps fp32 subnormal inputs, which libdevice (triton links it flush-to-zero) takes as 0 (and
    keeps -0.0). ATen's CUDA kernels are built without flush-to-zero. fp64: v."""
    if x.dtype == tl.float32:
        return tl.where(tl.abs(x) < _TINY_F32, x * SLOPE, v)  # (x * 1.0 compiles to x)
    else:
        return v


@triton.jit
def horner(t, C: tl.constexpr, N: tl.constexpr):
    """C[0] + C[1] t + ... + C[N-1] t^(N-1), N >= 2, by fused multiply-adds (what the GPU
    compiler contracts the steps into anyway; the interpreter then rounds each step once too).
    The coefficients enter as blocks of t's dtype: tl.fma would round a Python float to fp32."""
    p = tl.fma(t, tl.full(t.shape, C[N - 1], t.dtype), tl.full(t.shape, C[N - 2], t.dtype))
    for i in tl.static_range(N - 3, -1, -1):
        p = tl.fma(p, t, tl.full(t.shape, C[i], t.dtype))
    return p


@triton.jit
def div_approx(x, y):
    """fp32: x / y to 2 ulps where |y| < 2^126, 0 beyond (GPU: div.approx, two instructions;
    fp32 `/` is div.full, which scales for the full range). fp64: x / y."""
    if NATIVE and y.dtype == tl.float32:
        return libdevice.fast_dividef(x, y)
    else:
        return x / y


@triton.jit
def log2_approx_normal(x):
    """log2(x) to ~2^-22 absolute for x that is 0, +inf or a normal float (GPU: lg2.approx, which
    libdevice compiles with flush-to-zero; interpreter: tl.log2)."""
    if NATIVE:
        return libdevice.fast_log2f(x)
    else:
        return tl.log2(x)


@triton.jit
def log2_approx(x):
    """log2(x) to ~2^-22 absolute (GPU: lg2.approx, which libdevice compiles with flush-to-zero:
    subnormal inputs are scaled up first)."""
    tiny = x < 1.1754943508222875e-38
    lg = log2_approx_normal(tl.where(tiny, x * 16777216.0, x))
    return tl.where(tiny, lg - 24.0, lg)


@triton.jit
def sigmoid_of(x):
    return 1.0 / (1.0 + tl.exp(-x))


# ---------------------------------------------------------------- accurate elementary helpers
# Shared by the unary math, activation and binary bodies. On NVIDIA GPUs fp32 tl.exp compiles to
# ex2.approx(x * log2 e), whose error grows with |x|: exp_of splits the product exactly.

INF = tl.constexpr(float("inf"))
LOG2E = tl.constexpr(1.4426950408889634)
LOG2E_HI = tl.constexpr(1.4423828125)  # log2(e) to 12 significant bits
LOG2E_LO = tl.constexpr(3.1222838896340736e-4)  # log2(e) - LOG2E_HI


@triton.jit
def signbit_of(x):
    if x.dtype == tl.float64:
        return x.to(tl.int64, bitcast=True) < 0
    elif x.dtype == tl.float32:
        return x.to(tl.int32, bitcast=True) < 0
    else:  # fp16, bf16
        return x.to(tl.int16, bitcast=True) < 0


@triton.jit
def copysign_of(m, x):
    """|m| with the sign of x, -0.0 included (odd functions keep the sign of a zero input)."""
    a = tl.abs(m)
    return tl.where(signbit_of(x), a * -1.0, a)  # not -a: Triton negates as 0 - a, which gives +0.0


@triton.jit
def exp_of(x):
    """exp(x) to a few ulps over the whole range. fp32: exp2 of x * log2(e) with the product
    split exactly (high part from the top 12 bits of x times 12 bits of log2(e)); the bit mask,
    unlike a Veltkamp split, is immune to fma contraction."""
    if NATIVE:
        return libdevice.exp(x)
    elif x.dtype == tl.float64:
        return tl.exp(x)
    else:
        xc = tl.where(tl.abs(x) > 200.0, tl.where(x > 0, 200.0, -200.0), x)  # inf -> +-200; NaN stays
        xh = (xc.to(tl.int32, bitcast=True) & -4096).to(tl.float32, bitcast=True)
        lo = xh * LOG2E_LO + (xc - xh) * LOG2E
        return tl.exp2(xh * LOG2E_HI) * tl.exp2(lo)


@triton.jit
def expm1_series(x, N: tl.constexpr):
    """x (1 + x/2 (1 + x/3 (1 + ... x/N))): the Taylor series of exp(x) - 1."""
    p = x * (1.0 / N) + 1.0
    for i in tl.static_range(N - 1, 1, -1):
        p = p * (x * (1.0 / i)) + 1.0
    return x * p


@triton.jit
def expm1_of(x):
    # The series where exp(x) - 1 would cancel; beyond |x| = 0.5 the subtraction loses < 2 bits.
    if NATIVE:
        return libdevice.expm1(x)
    elif x.dtype == tl.float64:
        return tl.where(tl.abs(x) < 0.5, expm1_series(x, 15), exp_of(x) - 1.0)
    else:
        return tl.where(tl.abs(x) < 0.5, expm1_series(x, 9), exp_of(x) - 1.0)


@triton.jit
def log1p_of(x):
    # u = 1 + x rounds; log(u) * x / (u - 1) undoes the rounding (Goldberg). u == 1: x is below
    # half an ulp of 1 and log1p(x) == x (keeps -0.0); x == inf would give inf / inf.
    if NATIVE:
        return libdevice.log1p(x)
    else:
        u = 1.0 + x
        d = u - 1.0
        r = tl.log(u) * (x / d)
        return tl.where((d == 0.0) | (x == INF), x, r)


@triton.jit
def rint_of(x):
    """Round half to even (C's nearbyint), for floats."""
    if NATIVE:
        return libdevice.rint(x)
    else:
        # x is compared with f + 0.5 instead of forming x - f, which the compiler may contract
        # with a product that produced x (round(x * 10^d)) into one fma that skips the product's
        # rounding. f + 0.5 is exact below 2^23 (fp32) / 2^52 (fp64); above, x is an integer
        # and neither comparison moves it off f.
        f = tl.floor(x)
        half = f + 0.5
        odd = f - 2.0 * tl.floor(f * 0.5) != 0.0
        up = (x > half) | ((x == half) & odd)
        return copysign_of(tl.where(up, f + 1.0, f), x)  # the sign of x also for results of zero
