"""Bodies of csrc/ops/pointwise/binary.cpp: Binary ops: arithmetic, comparisons, bitwise and logical (issue 3).

Each body follows ATen's CUDA kernel for the op (integer semantics, NaN and infinity handling).
Float bodies see fp32 or fp64 (half types compute in fp32), integer bodies the common integer
type, bool inputs as int32. floor_divide reuses arith's `div` body (floor mode).
"""
import triton
import triton.language as tl

from .common import any_of as _any
from .common import FAST_PASS, HALF_RESULT, NATIVE, div_approx, div_rn, horner, libdevice, log2_approx, sqrt_rn
from .unary_math import atan_unit
from .common import signbit_of as _signbit

_NAN = tl.constexpr(float("nan"))
_INF = tl.constexpr(float("inf"))

# ---------------------------------------------------------------- helpers


@triton.jit
def _blocks(x, y):
    """x and y at their common shape. Bodies that combine comparisons call this first: Triton's
    interpreter mistypes a comparison of 0-d values (a runtime-scalar operand) when it is later
    broadcast against a block."""
    return tl.broadcast(x, y)


@triton.jit
def _neg(x):
    """-x for floats with the sign bit flipped for zeros too (Triton's -x is 0 - x: +0 stays +0)."""
    return x * -1.0


@triton.jit
def _pow2(n):
    """2**n as fp64, for integer n in the normal exponent range [-1022, 1023]."""
    return ((n.to(tl.int64) + 1023) << 52).to(tl.float64, bitcast=True)


@triton.jit
def _int_rem(x, y):
    """C's x % y for integers; the divisors 0 (undefined; ATen's CPU kernel raises first) and -1
    (overflow for the type's minimum) are replaced by 1, whose remainder 0 is right for -1."""
    if x.dtype.is_int_signed():
        bad = (y == 0) | (y == -1)
    else:
        bad = y == 0
    return x % tl.where(bad, 1, y)


# ---------------------------------------------------------------- fmod and remainder


@triton.jit
def _pow2_f32(n):
    """2**n as fp32, for integer n in the normal exponent range [-126, 127]."""
    return ((n + 127) << 23).to(tl.float32, bitcast=True)


@triton.jit
def _fmod_wide(ax, ay):
    """fmod(ax, ay) for finite fp64 0 < ay <= ax (subnormals included). Exact: long division of
    the 53-bit integer significands in int64 over the exponent gap, 10 bits per step."""
    bx = ax.to(tl.int64, bitcast=True)
    by = ay.to(tl.int64, bitcast=True)
    fx = bx >> 52  # biased exponents (0: subnormal)
    fy = by >> 52
    mx = (bx & 0xFFFFFFFFFFFFF) | ((fx > 0).to(tl.int64) << 52)
    my = (by & 0xFFFFFFFFFFFFF) | ((fy > 0).to(tl.int64) << 52)
    ey = tl.maximum(fy, 1)
    gap = tl.maximum(fx, 1) - ey
    step = tl.minimum(gap, 10)
    r = (mx << step) % my
    gap = gap - step
    while _any(gap > 0):
        step = tl.minimum(gap, 10)
        r = (r << step) % my
        gap = gap - step
    # r * 2**(ey - 1075): in two exact steps when the result is subnormal
    e = ey - 1075
    low = e < -1000
    return (r.to(tl.float64) * _pow2(tl.where(low, e + 64, e))) * _pow2(tl.where(low, -64, 0))


@triton.jit
def _fmod_f64(x, y):
    """C's fmod for fp64 x and y, exact (the result has x's sign)."""
    ax = tl.abs(x)
    ay = tl.abs(y)
    # the lanes needing division; others run it on 1 % 1 and take their result below
    divide = (ax >= ay) & (ax < _INF) & (ay > 0)
    m = _fmod_wide(tl.where(divide, ax, 1.0), tl.where(divide, ay, 1.0))
    m = tl.where(divide, m, ax)  # |x| < |y| (y = inf included): x itself
    m = tl.where((ay == 0) | (ax == _INF) | (x != x) | (y != y), _NAN, m)
    return tl.where(_signbit(x), _neg(m), m)


_TWO_19 = tl.constexpr(524288.0)
_TWO_24 = tl.constexpr(16777216.0)
_TWO_126 = tl.constexpr(8.507059173023462e+37)
_FP32_MIN_NORMAL = tl.constexpr(1.1754943508222875e-38)


@triton.jit
def _sub_prod(a, q, b):
    """a - q b rounded once (an fma). The interpreter's fma rounds the product, so there the same
    single rounding is done in fp64, where q b (q < 2**25 here) and the difference are exact."""
    if NATIVE:
        return tl.fma(0.0 - q, b, a)
    else:
        return (a.to(tl.float64) - q.to(tl.float64) * b.to(tl.float64)).to(tl.float32)


@triton.jit
def _mod_step(a, b):
    """a - floor(a / b) b for fp32 a >= 0, 0 < b < inf with a / b < 2**24: exact, by one
    correctly rounded division.

    Why, for a >= b. Let n = floor(a / b) and r = a - n b, the exact result, 0 <= r < b.
    - q = floor(RN(a / b)) is n or n + 1: RN is monotone and the integers up to 2**24 are
      floats, so a / b >= n gives RN(a / b) >= n, and a / b < n + 1 gives RN(a / b) <= n + 1.
      So q <= 2**24 is a float and q b is exact in the fma.
    - a - q b is a float, so the fma rounds nothing: a >= b makes a a multiple of ulp(b), so
      a - q b, which is r or r - b, is a multiple of ulp(b) of magnitude below b, which has at
      most 24 significant bits (subnormals included: Triton compiles div.rn, fma.rn and add
      without flush-to-zero; only floor flushes, of a nonnegative quotient, giving 0 either way).
    - q = n + 1 shows as a negative difference r - b; adding b back is exact (the sum r is a
      float).
    For a < b the quotient rounds to 0, giving a, or up to 1 when b/2 <= a, where a - b is exact.
    """
    q = tl.floor(div_rn(a, b))
    r = _sub_prod(a, q, b)
    return tl.where(r < 0.0, r + b, r)


@triton.jit
def _div_approx(a, b):
    """a / b within 4 ulps, for fp32 a >= 0 and normal b > 0 below 2**126: div.approx (two
    instructions; at most 2 ulps of error for such b; a subnormal a or quotient flushes to 0,
    which _mod_fast's correction takes as the exact quotient's floor, 0). The interpreter divides
    exactly, so there the quotient is moved 2 ulps up or down (by a bit of a), which makes the
    CPU suite exercise _mod_fast's correction with quotients that are off."""
    if NATIVE:
        return div_approx(a, b)
    else:
        q = div_rn(a, b)
        moved = q.to(tl.int32, bitcast=True) + tl.where((a.to(tl.int32, bitcast=True) & 4) != 0, 2, -2)
        return tl.where(q >= _FP32_MIN_NORMAL, moved.to(tl.float32, bitcast=True), q)


@triton.jit
def _mod_fast(a, b):
    """a - floor(a / b) b for fp32 a >= 0 and normal b > 0 below 2**126 with a / b < 2**19:
    exact, from an approximate quotient and one correction (NaN a or b gives NaN).

    Why. Let Q = a / b, n = floor(Q) and r = a - n b, the exact result, 0 <= r < b.
    - q' = _div_approx(a, b) is within 4 ulps, a relative error e <= 2**-21, of Q. Scaled by
      (1 + 2**-20) and rounded (relative error 2**-24): q'' >= Q (1 - 2**-21)(1 + 2**-20)
      (1 - 2**-24) >= Q >= n, and q'' <= Q (1 + 2**-21)(1 + 2**-20)(1 + 2**-24) < Q (1 + 2**-19)
      < Q + 1 < n + 2. So q = floor(q'') is n or n + 1, a float (<= 2**19), and q b is exact in
      the fma.
    - For a >= b: a and q b are multiples of ulp(b), so a - q b (r or r - b, of magnitude below
      b) is a float: the fma rounds nothing, and q = n + 1 shows as a negative difference, to
      which adding b back is exact (the sum r is a float).
    - For a < b (n = 0): q = 1 needs Q >= 1 / (1 + 2**-19) > 1/2, so b/2 <= a and a - b is exact
      (Sterbenz); adding b back gives a.
    """
    q = tl.floor(_div_approx(a, b) * 1.00000095367431640625)  # * (1 + 2**-20)
    r = _sub_prod(a, q, b)
    return tl.where(r < 0.0, r + b, r)


@triton.jit
def _exponent_f32(v):
    """floor(log2(v)) for finite fp32 v > 0, subnormals included."""
    sub = v < _FP32_MIN_NORMAL
    vn = tl.where(sub, v * 18446744073709551616.0, v)  # * 2**64: exact, normal
    return ((vn.to(tl.int32, bitcast=True) >> 23) - 127) - tl.where(sub, 64, 0)


@triton.jit
def _fmod_exact(a, b):
    """fmod(a, b) for fp32 a >= 0 (or NaN), 0 < b <= inf, exact for any quotient, by correctly
    rounded divisions only: |x| is first reduced modulo b 2**s (a multiple of b, so the
    remainder mod b is kept) while some lane's quotient is 2**24 or more, 23 bits of quotient
    per step, then one _mod_step. Slow (div_rn, a loop): _fmod_f32 runs it only for tiles that
    hold a lane _mod_fast can't take."""
    big = a >= b * _TWO_24  # a / b >= 2**24, exactly (b 2**24 is exact, or inf)
    while _any(big):
        # a / b < 2**(ea - eb + 1): with s = ea - eb - 23 (>= 0 here), a / (b 2**s) < 2**24.
        # b 2**s <= a is exact; s <= 253 is split in two normal powers.
        s = tl.maximum(_exponent_f32(a) - _exponent_f32(b) - 23, 0)
        s1 = tl.minimum(s, 127)
        step = (b * _pow2_f32(s1)) * _pow2_f32(s - s1)
        a = tl.where(big, _mod_step(a, step), a)
        big = a >= b * _TWO_24
    return tl.where(a < b, a, _mod_step(a, b))  # a < b (b = inf included): a itself


@triton.jit
def _fmod_f32(x, y):
    """C's fmod for fp32 x and y (fp16/bf16 data computes in fp32), exact: _mod_fast (one
    approximate division, one fma) for a tile whose lanes are all in its range, else
    _fmod_exact for the whole tile (rare: quotients of 2**19 or more, x = inf, divisors below
    the normal range or of 2**126 or more, 0 and inf included). A tile-wide branch keeps the
    fast path free of the slow one's instructions, and its values out of the registers."""
    a = tl.abs(x)
    b = tl.abs(y)
    if _any(_fmod_slow_lanes(a, b)):
        finite = (a < _INF) & (b > 0)  # false for NaN
        r = _fmod_exact(tl.where(finite, a, 0.0), tl.where(finite, b, 1.0))
        r = tl.where(finite, r, _NAN)
    else:
        r = _mod_fast(a, b)
    return _with_sign_of(r, x)


@triton.jit
def _fmod_slow_lanes(a, b):
    """The lanes of |x|, |y| that _mod_fast can't take (false for NaN, which it gives)."""
    return (a >= b * _TWO_19) | (b < _FP32_MIN_NORMAL) | (b >= _TWO_126)


@triton.jit
def _with_sign_of(r, x):
    """r >= +0 (or NaN) with x's sign bit: fmod's result."""
    sign = x.to(tl.int32, bitcast=True) & -2147483648
    return (r.to(tl.int32, bitcast=True) | sign).to(tl.float32, bitcast=True)



@triton.jit
def _fmod_f32_fast(x, y):
    """fmod's fast pass: (_mod_fast's result with x's sign, the lanes it can't take)."""
    a = tl.abs(x)
    b = tl.abs(y)
    slow = _fmod_slow_lanes(a, b)
    return _with_sign_of(_mod_fast(a, b), x), slow


@triton.jit
def _fmod_floats(x, y):
    """C's fmod, exact. fp64 compiled for a GPU: libdevice's (Triton links libdevice's fp32
    functions in flush-to-zero mode, which the fp32 path never calls)."""
    if x.dtype == tl.float32:
        return _fmod_f32(x, y)
    elif NATIVE:
        return libdevice.fmod(x, y)
    else:
        return _fmod_f64(x, y)


@triton.jit
def fmod(x, y, s0, s1, s2, P):
    x, y = _blocks(x, y)
    if P >= FAST_PASS:
        return _fmod_f32_fast(x, y)
    elif x.dtype.is_floating():
        return _fmod_floats(x, y)
    else:
        return _int_rem(x, y)


@triton.jit
def remainder(x, y, s0, s1, s2, P):
    """Python's modulus: the result takes the divisor's sign (ATen's formula: fmod, then + y
    where the signs differ, rounded in the compute type)."""
    x, y = _blocks(x, y)
    if P >= FAST_PASS:
        r, slow = _fmod_f32_fast(x, y)
        return _divisor_sign(r, y), slow
    elif x.dtype.is_floating():
        return _divisor_sign(_fmod_floats(x, y), y)
    else:
        return _divisor_sign(_int_rem(x, y), y)


@triton.jit
def _divisor_sign(r, y):
    """fmod's r moved into y's sign: + y where the signs differ."""
    return tl.where((r != 0) & ((r < 0) != (y < 0)), r + y, r)


# ---------------------------------------------------------------- pow

# Modes (P) of pow, chosen by the host from the exponent as ATen's kernels do.
POW_FLOAT = tl.constexpr(0)  # fp16/fp32/fp64 results: C's pow (libdevice), or fp64 in the interpreter
# bf16 results: exp2(y log2|x|) in fp32 with approximate exp2 and log2 (relative error about
# |y| 2^-22, under a bf16 ulp wherever the result is finite)
POW_FLOAT_BF16 = tl.constexpr(1)
POW_SQRT = tl.constexpr(2)  # exponent 0.5
POW_RSQRT = tl.constexpr(3)  # -0.5
POW_RECIPROCAL = tl.constexpr(4)  # -1
POW_SQUARE = tl.constexpr(5)  # 2
POW_CUBE = tl.constexpr(6)  # 3
POW_INV_SQUARE = tl.constexpr(7)  # -2
POW_ONE = tl.constexpr(8)  # 0 (Scalar exponent): 1 even for NaN
POW_COPY = tl.constexpr(9)  # 1 (Scalar exponent)
POW_INT = tl.constexpr(10)  # integer types


@triton.jit
def _powf(x, y, BF16: tl.constexpr):
    """C's pow for floats. exp2(y * log2|x|) loses |y * log2|x|| ulps of its working type, so
    results other than bf16 work in fp64; then the signs and special cases of C's pow."""
    if BF16:
        xw = x
        yw = y
        ax = tl.abs(xw)
        t = yw * log2_approx(ax)
        # exp2 in fp32 flushes subnormal results to zero: scale those up, then back down
        tiny = t < -120.0
        r = tl.exp2(tl.where(tiny, t + 64.0, t)) * tl.where(tiny, 5.421010862427522e-20, 1.0)
    else:
        xw = x.to(tl.float64)
        yw = y.to(tl.float64)
        ax = tl.abs(xw)
        r = tl.exp2(yw * tl.log2(ax))
    y_int = tl.floor(yw) == yw  # +-inf count as even integers, NaN as no integer
    half_y = yw * 0.5
    y_odd = y_int & (tl.floor(half_y) != half_y)
    r = tl.where(_signbit(xw) & y_odd, _neg(r), r)
    r = tl.where((xw < 0) & (xw > -_INF) & ~y_int, _NAN, r)  # finite negative base, fractional exponent
    r = tl.where((yw == 0) | (xw == 1) | ((ax == 1) & (tl.abs(yw) == _INF)), 1.0, r)
    return r.to(x.dtype)


# fp32 pow's fast pass (scripts/fit_math_polynomials.py): log2(1 + f) / f on [sqrt(1/2) - 1,
# sqrt(2) - 1] (error 2.4e-11, evaluated in fp64) and (2^r - 1) / r on [-1/2, 1/2] (1.6e-10).
_LOG2_1P = tl.constexpr((
    1.4426950408725585, -0.7213475207231252, 0.48089836136846775, -0.36067370162495915, 0.28853726653706463,
    -0.24045168962387167, 0.20617596387916087, -0.18033536050283516, 0.15878073234127799, -0.1427852937587738,
    0.144395349599491, -0.14431975426213475, 0.07953748662117634,))
_EXP2_M1 = tl.constexpr((
    0.6931471805537164, 0.24022650922337102, 0.05550410928763466, 0.009618056670777347, 0.0013333454540428655,
    0.00015461447183693592, 1.531008288619025e-05,))


@triton.jit
def _pow_fast(x, y):
    """pow of fp32 blocks for a positive normal base with |y log2 x| < 125 (a normal result): the
    base is m 2^e with m in [sqrt(1/2), sqrt(2)); log2 x = e + log2 m and w = y log2 x in fp64
    (w to ~2^-35 relative), then 2^w = 2^n 2^r with n = round(w), r = w - n, 2^r in fp32, and n
    added to the exponent bits. Within 0.9 ulps of the exact result over 8M operands simulated
    with fp32 fma rounding. Returns (result, the lanes it can't take: NaN, infinities, zero,
    negative or subnormal bases, results near overflow or underflow)."""
    xi = x.to(tl.int32, bitcast=True)
    mb = (xi & 0x7FFFFF) | 0x3F800000  # the mantissa as a float in [1, 2)
    halve = mb > 0x3FB504F3  # above sqrt(2)
    mb = tl.where(halve, mb - 0x00800000, mb)
    e = (xi >> 23) - tl.where(halve, 126, 127)
    f = (mb.to(tl.float32, bitcast=True) - 1.0).to(tl.float64)  # exact
    w = y.to(tl.float64) * (e.to(tl.float64) + f * horner(f, _LOG2_1P, 13))
    fast = (x >= _FP32_MIN_NORMAL) & (x < _INF) & (tl.abs(w) < 125.0)  # false for NaN
    w = tl.where(fast, w, 0.0)  # (keeps the int conversion below defined)
    n = tl.floor(w + 0.5)
    r = (w - n).to(tl.float32)
    p = tl.fma(r, horner(r, _EXP2_M1, 7), tl.full(r.shape, 1.0, tl.float32))  # in [sqrt(1/2), sqrt(2)]
    bits = p.to(tl.int32, bitcast=True) + (n.to(tl.int32) << 23)
    return bits.to(tl.float32, bitcast=True), ~fast


@triton.jit
def _powi(x, y):
    """x ** y for integer blocks of one shape: repeated squaring, wrapping like C. Negative
    exponents give 1 for base 1, +-1 for base -1 and 0 otherwise, as ATen's powi."""
    one = x * 0 + 1
    r = one
    b = x
    e = tl.where(y < 0, 0, y)
    while _any(e > 0):
        r = tl.where((e & 1) != 0, r * b, r)
        b = b * b
        e = e >> 1
    if x.dtype.is_int_signed():
        neg = tl.where(x == 1, one, tl.where(x == -1, tl.where((y & 1) != 0, -one, one), one * 0))
        r = tl.where(y < 0, neg, r)
    return r


@triton.jit
def pow(x, y, s0, s1, s2, P: tl.constexpr):
    x, y = _blocks(x, y)
    if P >= FAST_PASS:  # POW_FLOAT with fp32 compute (the host asks in that mode only)
        return _pow_fast(x, y)
    elif P == POW_ONE:
        return tl.full(x.shape, 1, x.dtype)
    elif P == POW_COPY:
        return x
    elif P == POW_SQUARE:
        return x * x
    elif P == POW_CUBE:
        return x * x * x
    elif P == POW_INT:
        return _powi(x, y)
    elif P == POW_SQRT:
        return sqrt_rn(x)
    elif P == POW_RSQRT:
        return div_rn(tl.full(x.shape, 1, x.dtype), sqrt_rn(x))
    elif P == POW_RECIPROCAL:
        return div_rn(tl.full(x.shape, 1, x.dtype), x)
    elif P == POW_INV_SQUARE:
        return div_rn(tl.full(x.shape, 1, x.dtype), x * x)
    elif P == POW_FLOAT_BF16:
        return _powf(x, y, True)
    elif NATIVE:
        # C's pow, as ATen's kernels; fp32 through fp64's, since triton links libdevice with
        # flush-to-zero and powf would take subnormal bases and results as zero (fp64 has no
        # flushing; a result rounded from fp64 is within 0.5 ulps + 2^-29 of the exact one)
        if x.dtype == tl.float32:
            return libdevice.pow(x.to(tl.float64), y.to(tl.float64)).to(tl.float32)
        return libdevice.pow(x, y)
    else:
        return _powf(x, y, False)


# ---------------------------------------------------------------- min/max


@triton.jit
def maximum(x, y, s0, s1, s2, P):
    """NaN propagates. Of -0.0 and 0.0 the first operand (ATen's own kernels differ there)."""
    x, y = _blocks(x, y)
    r = tl.where(x < y, y, x)
    if x.dtype.is_floating():
        r = tl.where((x != x) | (y != y), x + y, r)
    return r


@triton.jit
def minimum(x, y, s0, s1, s2, P):
    x, y = _blocks(x, y)
    r = tl.where(y < x, y, x)
    if x.dtype.is_floating():
        r = tl.where((x != x) | (y != y), x + y, r)
    return r


@triton.jit
def fmax(x, y, s0, s1, s2, P):
    """A NaN operand loses to a number (NaN only if both are)."""
    x, y = _blocks(x, y)
    r = tl.where(x < y, y, x)
    if x.dtype.is_floating():
        r = tl.where(x != x, y, tl.where(y != y, x, r))
    return r


@triton.jit
def fmin(x, y, s0, s1, s2, P):
    x, y = _blocks(x, y)
    r = tl.where(y < x, y, x)
    if x.dtype.is_floating():
        r = tl.where(x != x, y, tl.where(y != y, x, r))
    return r


# ---------------------------------------------------------------- float functions

# atan(u) = u - u * z * Q(z) with z = u*u, |u| <= 7/16: Q's coefficients (ascending), a Chebyshev
# fit to |error| < 1e-16 (relative error of atan below 2e-17).
_AT0 = tl.constexpr(0.33333333333333326)
_AT1 = tl.constexpr(-0.1999999999998777)
_AT2 = tl.constexpr(0.1428571428314864)
_AT3 = tl.constexpr(-0.11111110900560475)
_AT4 = tl.constexpr(0.09090900195560148)
_AT5 = tl.constexpr(-0.07692087348767168)
_AT6 = tl.constexpr(0.06663239299107136)
_AT7 = tl.constexpr(-0.05847724720645106)
_AT8 = tl.constexpr(0.05033942776485848)
_AT9 = tl.constexpr(-0.03782521866106712)
_AT10 = tl.constexpr(0.017547235157290005)


@triton.jit
def _atan_nonneg(t):
    """atan(t) for t >= 0 (inf included; NaN gives NaN), to about an ulp: t is reduced around
    0.5, 1, 1.5 or infinity to |u| < 7/16, atan(t) = atan(c) + atan(u) with atan(c) as hi + lo."""
    zero = tl.zeros_like(t)
    c0 = (t >= 0.4375) & (t < 0.6875)
    c1 = (t >= 0.6875) & (t < 1.1875)
    c2 = (t >= 1.1875) & (t < 2.4375)
    c3 = t >= 2.4375
    # u = (t - c) / (1 + c*t), -1/t for c = inf: one division
    num = tl.where(c0, 2.0 * t - 1.0, tl.where(c1, t - 1.0, tl.where(c2, t - 1.5, tl.where(c3, zero - 1.0, t))))
    den = tl.where(c0, 2.0 + t, tl.where(c1, t + 1.0, tl.where(c2, 1.0 + 1.5 * t, tl.where(c3, t, zero + 1.0))))
    u = div_rn(num, den)
    hi = tl.where(c0, 0.4636476090008061, tl.where(c1, 0.7853981633974483, zero))
    hi = tl.where(c2, 0.982793723247329, tl.where(c3, 1.5707963267948966, hi))
    lo = tl.where(c0, 2.2698777452961687e-17, tl.where(c1, 3.061616997868383e-17, zero))
    lo = tl.where(c2, 1.3903311031230998e-17, tl.where(c3, 6.123233995736766e-17, lo))
    z = u * u
    q = _AT10
    q = _AT9 + z * q
    q = _AT8 + z * q
    q = _AT7 + z * q
    q = _AT6 + z * q
    q = _AT5 + z * q
    q = _AT4 + z * q
    q = _AT3 + z * q
    q = _AT2 + z * q
    q = _AT1 + z * q
    q = _AT0 + z * q
    return hi - ((u * (z * q) - lo) - u)


@triton.jit
def _atan2_half(x, y):
    """atan2 for fp16/bf16 results (common.HALF_RESULT): atan of the smaller over the larger
    magnitude (~2e-7), then the octant; zeros, infinities and NaN as C's atan2."""
    ax = tl.abs(x)
    ay = tl.abs(y)
    swap = ax > ay
    num = tl.where(swap, ay, ax)
    den = tl.where(swap, ax, ay)
    t = tl.where(den == 0, 0.0, num / den)  # 0 / 0
    a = atan_unit(tl.where((ax == _INF) & (ay == _INF), 1.0, t))  # inf / inf
    a = tl.where(swap, 1.5707963267948966 - a, a)
    a = tl.where(_signbit(y), 3.141592653589793 - a, a)
    a = tl.where(_signbit(x), _neg(a), a)
    return tl.where((x != x) | (y != y), x + y, a)


@triton.jit
def atan2(x, y, s0, s1, s2, P):
    """atan2(x, y): the angle of the point (y, x), with C's results for zeros and infinities."""
    x, y = _blocks(x, y)
    if P == HALF_RESULT:
        return _atan2_half(x, y)
    elif NATIVE:
        return libdevice.atan2(x, y)
    else:
        ax = tl.abs(x)
        ay = tl.abs(y)
        t = div_rn(ax, ay)
        t = tl.where(ax == 0, 0.0, t)  # 0 / 0
        a = _atan_nonneg(t)
        a = tl.where((ax == _INF) & (ay == _INF), 0.7853981633974483, a)  # inf / inf
        a = tl.where(_signbit(y), 3.141592653589793 - a, a)
        a = tl.where(_signbit(x), _neg(a), a)
        return tl.where((x != x) | (y != y), x + y, a)


@triton.jit
def hypot(x, y, s0, s1, s2, P):
    """sqrt(x*x + y*y) without overflow or underflow: big * sqrt(1 + (small/big)**2)."""
    x, y = _blocks(x, y)
    if NATIVE:
        return libdevice.hypot(x, y)
    else:
        ax = tl.abs(x)
        ay = tl.abs(y)
        big = tl.where(ax < ay, ay, ax)
        small = tl.where(ax < ay, ax, ay)
        r = div_rn(small, big)
        h = big * sqrt_rn(1.0 + r * r)
        h = tl.where((ax == 0) & (ay == 0), 0.0, h)
        return tl.where((ax == _INF) | (ay == _INF), _INF, h)  # even with a NaN, as C's hypot


@triton.jit
def copysign(x, y, s0, s1, s2, P):
    x, y = _blocks(x, y)
    m = tl.abs(x)
    negative = _signbit(y)
    if NATIVE and y.dtype == tl.float16:
        # fp16 arrives unconverted (binary.cpp): ATen's CUDA kernel computes in fp32, and CUDA's
        # fp16 -> fp32 conversion turns every NaN into the positive canonical NaN
        negative = negative & (y == y)
    return tl.where(negative, _neg(m), m)


@triton.jit
def xlogy(x, y, s0, s1, s2, P):
    x, y = _blocks(x, y)
    r = tl.where(x == 0, 0.0, x * tl.log(y))
    return tl.where(y != y, y, r)


# ---------------------------------------------------------------- comparisons


@triton.jit
def eq(x, y, s0, s1, s2, P):
    return x == y


@triton.jit
def ne(x, y, s0, s1, s2, P):
    return x != y


@triton.jit
def lt(x, y, s0, s1, s2, P):
    return x < y


@triton.jit
def le(x, y, s0, s1, s2, P):
    return x <= y


@triton.jit
def gt(x, y, s0, s1, s2, P):
    return x > y


@triton.jit
def ge(x, y, s0, s1, s2, P):
    return x >= y


# ---------------------------------------------------------------- bitwise and logical


@triton.jit
def bitwise_and(x, y, s0, s1, s2, P):
    return x & y


@triton.jit
def bitwise_or(x, y, s0, s1, s2, P):
    return x | y


@triton.jit
def bitwise_xor(x, y, s0, s1, s2, P):
    return x ^ y


@triton.jit
def bitwise_left_shift(x, y, s0, s1, s2, P):
    """Shifts by a negative amount or by the bit width or more give 0, as ATen."""
    x, y = _blocks(x, y)
    if x.dtype.is_int_signed():
        out = (y < 0) | (y >= x.dtype.primitive_bitwidth)
    else:
        out = y >= x.dtype.primitive_bitwidth
    r = x << tl.where(out, 0, y)
    return tl.where(out, 0, r)


@triton.jit
def bitwise_right_shift(x, y, s0, s1, s2, P):
    """Shifts by a negative amount or past the value bits give the sign fill (0 unsigned)."""
    x, y = _blocks(x, y)
    if x.dtype.is_int_signed():
        top = x.dtype.primitive_bitwidth - 1
        return x >> tl.where((y < 0) | (y > top), top, y)
    else:
        out = y >= x.dtype.primitive_bitwidth
        r = x >> tl.where(out, 0, y)
        return tl.where(out, 0, r)


@triton.jit
def logical_and(x, y, s0, s1, s2, P):
    x, y = _blocks(x, y)
    return (x != 0) & (y != 0)


@triton.jit
def logical_or(x, y, s0, s1, s2, P):
    x, y = _blocks(x, y)
    return (x != 0) | (y != 0)


@triton.jit
def logical_xor(x, y, s0, s1, s2, P):
    x, y = _blocks(x, y)
    return (x != 0) != (y != 0)
