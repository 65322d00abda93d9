"""Bodies of csrc/ops/pointwise/ternary.cpp: where, masked_fill, clamps, lerp, addcmul/addcdiv,
heaviside, isclose, isin, and the copy body behind copy_/clone/_to_copy/fill_ (issue 3).

Mode bits (P) are documented next to each body; the host passes the same values.
"""
import triton
import triton.language as tl

from .common import div_rn, to_compute

# ---------------------------------------------------------------- copies and fills

# P of copy: how a value reaches the destination dtype, as c10::convert does it.
COPY_DIRECT = tl.constexpr(0)
COPY_VIA_F32 = tl.constexpr(1)  # into fp16/bf16 from a wider or integer type: through float, as c10::Half(float)
COPY_VIA_I64 = tl.constexpr(2)  # float into uint8: through int64, so negative values wrap


@triton.jit
def copy(x, s0, s1, s2, P: tl.constexpr):
    """x arrives in the source dtype (the host passes it as the compute type); the driver's
    store converts to the destination dtype (float -> bool is x != 0)."""
    if P == COPY_VIA_F32:
        return x.to(tl.float32)
    elif P == COPY_VIA_I64:
        return x.to(tl.int64)
    else:
        return x


# ---------------------------------------------------------------- selection


@triton.jit
def where(c, x, y, s0, s1, s2, P):
    return tl.where(c != 0, x, y)


@triton.jit
def masked_fill(x, m, value, s1, s2, P):
    return tl.where(m != 0, value, x)


# ---------------------------------------------------------------- clamps

# P of clamp (Scalar bounds), a bit set (literals below: the interpreter passes P as an int):
# 1 min given, 2 max given, 4 a NaN bound makes every result NaN (clamp with both bounds,
# clamp_min, clamp_max; clamp with one bound ignores a NaN bound).


@triton.jit
def clamp(x, lo, hi, s2, P: tl.constexpr):
    # Comparisons rather than tl.maximum/minimum: a NaN input stays NaN, and min > max gives max.
    r = x
    if P & 1:
        r = tl.where(r < lo, lo, r)
    if P & 2:
        r = tl.where(r > hi, hi, r)
    if P & 4:
        if P & 1:
            r = tl.where(lo != lo, lo, r)
        if P & 2:
            r = tl.where(hi != hi, hi, r)
    return r


@triton.jit
def clamp_tensor(x, lo, hi, s0, s1, s2, P):
    """clamp with Tensor bounds: a NaN in any operand gives NaN."""
    r = tl.where(x < lo, lo, x)
    r = tl.where(r > hi, hi, r)
    r = tl.where(hi != hi, hi, r)
    r = tl.where(lo != lo, lo, r)
    return tl.where(x != x, x, r)


@triton.jit
def clamp_min_tensor(x, lo, s0, s1, s2, P):
    """maximum: NaN propagates from either operand."""
    r = tl.where(x < lo, lo, x)
    return tl.where(lo != lo, lo, r)


@triton.jit
def clamp_max_tensor(x, hi, s0, s1, s2, P):
    """minimum: NaN propagates from either operand."""
    r = tl.where(x > hi, hi, x)
    return tl.where(hi != hi, hi, r)


# ---------------------------------------------------------------- arithmetic


@triton.jit
def _lerp(x, y, w):
    # ATen's formula: from the nearer end, so that w = 0 gives x and w = 1 gives y exactly.
    d = y - x
    w = w + tl.zeros_like(d)  # tl.fma does not broadcast a scalar weight
    return tl.where(tl.abs(w) < 0.5, tl.fma(w, d, x), tl.fma(w - 1.0, d, y))


@triton.jit
def lerp(x, y, weight, s1, s2, P):
    return _lerp(x, y, weight)


@triton.jit
def lerp_tensor(x, y, w, s0, s1, s2, P):
    return _lerp(x, y, w)


@triton.jit
def addcmul(x, y, z, value, s1, s2, P):
    return x + value * (y * z)


@triton.jit
def addcdiv(x, y, z, value, s1, s2, P):
    return x + value * div_rn(y, z)


@triton.jit
def heaviside(x, y, s0, s1, s2, P):
    return tl.where(x == 0, y, (x > 0).to(x.dtype))


# ---------------------------------------------------------------- isclose, isin

# P of isclose, a bit set: 1 equal_nan, 2 zero tolerances (exact equality only), and P >> 2 the
# half type ATen rounds its intermediate tensors to (0: none, 1: fp16, 2: bf16).


@triton.jit
def _round_to(v, R: tl.constexpr):
    """v rounded to the tensor dtype ATen stores each intermediate tensor in (fp32 otherwise)."""
    if R == 1:
        return v.to(tl.float16).to(tl.float32)
    elif R == 2:
        return v.to(tl.bfloat16).to(tl.float32)
    else:
        return v


@triton.jit
def isclose(x, y, rtol, atol, s2, P: tl.constexpr):
    """ATen's isclose: x == y, or NaN == NaN with equal_nan, or a finite |x - y| within
    atol + |rtol * y|, each intermediate rounded as ATen's separate ops round it. Integer and
    bool inputs arrive in the default float dtype (or their own for exact equality)."""
    x = _round_to(x, P >> 2)
    y = _round_to(y, P >> 2)
    close = x == y
    if P & 1:
        close = close | ((x != x) & (y != y))
    if not (P & 2):
        allowed = _round_to(atol + tl.abs(_round_to(rtol * y, P >> 2)), P >> 2)
        actual = tl.abs(_round_to(x - y, P >> 2))
        finite = (actual - actual) == 0  # false for inf and NaN
        close = close | (finite & (actual <= allowed))
    return close


@triton.jit
def isin_scalar(x, y, s0, s1, s2, P: tl.constexpr):
    """isin with one test element (P: invert)."""
    if P:
        return x != y
    else:
        return x == y


@triton.jit
def _isin_kernel(out, x, test, n, ntest, INVERT: tl.constexpr, COMPUTE: tl.constexpr, BLOCK: tl.constexpr,
                 INT64: tl.constexpr):
    """out[i] = x[i] in test[0:ntest] (contiguous x, out and test), compared in COMPUTE."""
    if INT64:
        start = tl.program_id(0).to(tl.int64) * BLOCK
    else:
        start = tl.program_id(0) * BLOCK
    offs = start + tl.arange(0, BLOCK)
    mask = offs < n
    v = to_compute(tl.load(x + offs, mask=mask), COMPUTE)
    found = tl.zeros([BLOCK], dtype=tl.int1)
    for j in range(0, ntest):
        found = found | (v == to_compute(tl.load(test + j), COMPUTE))
    if INVERT:
        found = found == 0
    tl.store(out + offs, found, mask=mask)


@triton.jit
def _isin_sorted_kernel(out, x, sorted_test, n, ntest, steps, INVERT: tl.constexpr, COMPUTE: tl.constexpr,
                        BLOCK: tl.constexpr, INT64: tl.constexpr):
    """out[i] = x[i] in sorted_test[0:ntest] (contiguous; ascending, NaN last, as sort leaves it),
    compared in COMPUTE: a binary search for the first test element >= x[i] (`steps`, the bit
    length of ntest, halvings), then one comparison. NaN is never found (NaN == NaN is false)."""
    if INT64:
        start = tl.program_id(0).to(tl.int64) * BLOCK
        lo = tl.zeros([BLOCK], dtype=tl.int64)
    else:
        start = tl.program_id(0) * BLOCK
        lo = tl.zeros([BLOCK], dtype=tl.int32)
    offs = start + tl.arange(0, BLOCK)
    mask = offs < n
    v = to_compute(tl.load(x + offs, mask=mask), COMPUTE)
    hi = lo + ntest
    for _ in range(0, steps):
        open_ = lo < hi
        mid = (lo + hi) // 2
        t = to_compute(tl.load(sorted_test + mid, mask=mask & open_), COMPUTE)
        below = open_ & (t < v)
        lo = tl.where(below, mid + 1, lo)
        hi = tl.where(open_ & (below == 0), mid, hi)
    hit = mask & (lo < ntest)
    found = hit & (to_compute(tl.load(sorted_test + lo, mask=hit), COMPUTE) == v)
    if INVERT:
        found = found == 0
    tl.store(out + offs, found, mask=mask)
