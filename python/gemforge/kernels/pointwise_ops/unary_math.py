"""Bodies of csrc/ops/pointwise/unary_math.cpp: Unary math: exp2 ... resolve_conj (issue 3).

Floating bodies compute in fp32 (fp32, fp16, bf16 and promoted integer inputs) or fp64, each with
its own accuracy: where an fp32 algorithm would lose fp64 digits (series lengths, exact splits)
the fp64 branch does more work. Only triton.language builtins are used; the transcendental
builtins are tl.exp, tl.exp2, tl.log, tl.log2, tl.sin, tl.cos and tl.math.erf. On NVIDIA GPUs fp32
tl.exp is ex2.approx(x * log2(e)), whose error grows with |x|, so the bodies below use `_exp`.
"""
import triton
import triton.language as tl

from .common import div_rn

_INF = tl.constexpr(float("inf"))
_NAN = tl.constexpr(float("nan"))
_PI = tl.constexpr(3.141592653589793)
_PI_2 = tl.constexpr(1.5707963267948966)
_PI_6 = tl.constexpr(0.5235987755982988)
_SQRT3 = tl.constexpr(1.7320508075688772)
_TAN_PI_12 = tl.constexpr(0.2679491924311227)
_LN2 = tl.constexpr(0.6931471805599453)
_INV_LN10 = tl.constexpr(0.4342944819032518)
_LOG2E = tl.constexpr(1.4426950408889634)
_LOG2E_HI = tl.constexpr(1.4423828125)  # log2(e) to 12 significant bits
_LOG2E_LO = tl.constexpr(3.1222838896340736e-4)  # log2(e) - _LOG2E_HI
_TWO_OVER_SQRTPI = tl.constexpr(1.1283791670955126)
_BIG = tl.constexpr(268435456.0)  # 2**28: beyond it sqrt(1 + x*x) == |x| in fp32 and fp64

# (1 + 2x) * erfcx(x) for x >= 0.5 as a polynomial in t = (x - 3) / (x + 3) (Chebyshev fit on
# t in [-5/7, 1], converted to monomials; max relative error 1.9e-7 in fp32, 2.7e-16 in fp64).
_ERFCX_F32 = tl.constexpr((
    1.2530080443411705101, -0.13562113883503139776, -0.047561091568196811841, 0.12964576597112619357,
    -0.11929060337875490279, 0.068308706536018167734, -0.02368505001650933293, 0.00249681305794244131,
    0.0017082532093723524282, -0.00066368350252274700619, 0.000033139261821393746421))
_ERFCX_F64 = tl.constexpr((
    1.2530080582697296208, -0.13562110612458242932, -0.047562294353440684193, 0.12964515870290562652,
    -0.11927366341586521713, 0.068308027339113164707, -0.023770514906107126477, 0.0025293918901060585493,
    0.0018886902078829055261, -0.00077983288425284544868, -0.00010515869542320760763, 0.00012510234772740431808,
    4.9443342919261003926e-6, -0.000020109535860528019312, -7.1588672209980078979e-7, 3.4886670701059497177e-6,
    3.2628946475535997168e-7, -6.3320197064896979197e-7, -1.0454034563169280851e-7, 1.091623575164318302e-7,
    1.6148893031120674843e-8, -1.271945919825289105e-8))
# Initial guesses for erfinv(x) / x, with w = -log(1 - x*x): a polynomial in w for w < 5 (relative
# error 3e-6) and in sqrt(w) beyond (6e-5, up to w = 38); Halley steps then finish the job.
_ERFINV_CENTRAL = tl.constexpr((
    0.88622977952370580336, 0.23196112130391175475, 0.011701136339523816329, -0.0024860457599934222853,
    -0.000072225806395020554809, 0.000046946980675951985017, -3.1722831092048309224e-6))
_ERFINV_TAIL = tl.constexpr((
    0.9561819047808229208, -0.52521679347686230764, 0.85131139931999667509, -0.25140557375379784349,
    0.04156567089585588243, -0.003638858687798172723, 0.00013155883388883814525))

# ---------------------------------------------------------------- helpers


@triton.jit
def _horner(t, C: tl.constexpr, N: tl.constexpr):
    """C[0] + C[1] t + ... + C[N-1] t^(N-1), N >= 2."""
    p = t * C[N - 1] + C[N - 2]
    for i in tl.static_range(N - 3, -1, -1):
        p = p * t + C[i]
    return p


@triton.jit
def _signbit(x):
    if x.dtype == tl.float64:
        return x.to(tl.int64, bitcast=True) < 0
    else:
        return x.to(tl.int32, bitcast=True) < 0


@triton.jit
def _copysign(m, x):
    """|m| with the sign of x, -0.0 included (odd functions keep the sign of a zero input)."""
    a = tl.abs(m)
    return tl.where(_signbit(x), a * -1.0, a)  # not -a: Triton negates as 0 - a, which gives +0.0


@triton.jit
def _exp(x):
    """exp(x) to a few ulps over the whole range. fp32: exp2 of x * log2(e) with the product
    split exactly (high part from the top 12 bits of x times 12 bits of log2(e)); the bit mask,
    unlike a Veltkamp split, is immune to fma contraction."""
    if x.dtype == tl.float64:
        return tl.exp(x)
    else:
        xc = tl.where(tl.abs(x) > 200.0, tl.where(x > 0, 200.0, -200.0), x)  # inf -> +-200; NaN stays
        xh = (xc.to(tl.int32, bitcast=True) & -4096).to(tl.float32, bitcast=True)
        lo = xh * _LOG2E_LO + (xc - xh) * _LOG2E
        return tl.exp2(xh * _LOG2E_HI) * tl.exp2(lo)


@triton.jit
def _expm1_series(x, N: tl.constexpr):
    """x (1 + x/2 (1 + x/3 (1 + ... x/N))): the Taylor series of exp(x) - 1."""
    p = x * (1.0 / N) + 1.0
    for i in tl.static_range(N - 1, 1, -1):
        p = p * (x * (1.0 / i)) + 1.0
    return x * p



@triton.jit
def _expm1(x):
    # The series where exp(x) - 1 would cancel; beyond |x| = 0.5 the subtraction loses < 2 bits.
    if x.dtype == tl.float64:
        s = _expm1_series(x, 15)
    else:
        s = _expm1_series(x, 9)
    return tl.where(tl.abs(x) < 0.5, s, _exp(x) - 1.0)


@triton.jit
def _log1p(x):
    # u = 1 + x rounds; log(u) * x / (u - 1) undoes the rounding (Goldberg). u == 1: x is below
    # half an ulp of 1 and log1p(x) == x (keeps -0.0); x == inf would give inf / inf.
    u = 1.0 + x
    d = u - 1.0
    r = tl.log(u) * (x / d)
    return tl.where((d == 0.0) | (x == _INF), x, r)


@triton.jit
def _atan_series(u, N: tl.constexpr):
    """atan(u) = u (1 - u^2/3 + u^4/5 - ...), N + 1 terms."""
    z = u * u
    p = z * (-1.0 / (2 * N + 1)) + (1.0 / (2 * N - 1))
    for i in tl.static_range(N - 2, -1, -1):
        p = (1.0 / (2 * i + 1)) - z * p
    return u * p


@triton.jit
def _atan_pos(t):
    """atan(t) for t >= 0 (inf and NaN included)."""
    inv = t > 1.0
    t = tl.where(inv, 1.0 / t, t)  # atan(t) = pi/2 - atan(1/t)
    shift = t > _TAN_PI_12  # atan(t) = pi/6 + atan((t sqrt3 - 1) / (t + sqrt3)), |arg| <= tan(pi/12)
    t = tl.where(shift, (t * _SQRT3 - 1.0) / (t + _SQRT3), t)
    if t.dtype == tl.float64:
        r = _atan_series(t, 14)
    else:
        r = _atan_series(t, 7)
    r = tl.where(shift, r + _PI_6, r)
    return tl.where(inv, _PI_2 - r, r)


@triton.jit
def _exp_neg_sq(x):
    """exp(-x*x) for x >= 0, with x*x split exactly: x = h + l, h with few enough bits that h*h
    is exact, exp(-x*x) = exp(-h*h) exp(-l (x + h))."""
    if x.dtype == tl.float64:
        h = tl.floor(x * 2097152.0) * (1.0 / 2097152.0)  # 21 fraction bits (x < 32)
    else:
        h = tl.floor(x * 256.0) * (1.0 / 256.0)  # 8 fraction bits (x < 16)
    return _exp(-(h * h)) * _exp(-((x - h) * (x + h)))


@triton.jit
def _erfcx(x):
    """exp(x*x) erfc(x) for x >= 0.5."""
    t = (x - 3.0) / (x + 3.0)
    if x.dtype == tl.float64:
        p = _horner(t, _ERFCX_F64, 22)
    else:
        p = _horner(t, _ERFCX_F32, 11)
    return p / (1.0 + 2.0 * x)


@triton.jit
def _erfc(x):
    # 1 - erf(x) cancels beyond x = 0.5: there erfc(x) = exp(-x*x) erfcx(x). erfc underflows to 0
    # past x = 10.1 (fp32) and 27.3 (fp64); clamping keeps the tail branch finite for inf.
    if x.dtype == tl.float64:
        limit: tl.constexpr = 28.0
    else:
        limit: tl.constexpr = 11.0
    a = tl.where(x < 0.5, 0.5, tl.where(x > limit, limit, x))  # NaN stays NaN
    tail = tl.where(x >= limit, 0.0, _exp_neg_sq(a) * _erfcx(a))
    return tl.where(x < 0.5, 1.0 - tl.math.erf(x), tail)


@triton.jit
def _rint(x):
    """Round half to even, exactly, at every magnitude (floats only)."""
    f = tl.floor(x)
    d = x - f  # exact, in [0, 1); NaN for inf
    odd = f - 2.0 * tl.floor(f * 0.5) != 0.0
    up = (d > 0.5) | ((d == 0.5) & odd)
    return _copysign(tl.where(up, f + 1.0, f), x)  # the sign of x also for results of zero


@triton.jit
def _trunc(x):
    return tl.where(x < 0, tl.math.ceil(x), tl.math.floor(x))


# ---------------------------------------------------------------- exponentials and logarithms


@triton.jit
def exp2(x, s0, s1, s2, P):
    return tl.exp2(x)


@triton.jit
def expm1(x, s0, s1, s2, P):
    return _expm1(x)


@triton.jit
def log1p(x, s0, s1, s2, P):
    return _log1p(x)


@triton.jit
def log2(x, s0, s1, s2, P):
    return tl.log2(x)


@triton.jit
def log10(x, s0, s1, s2, P):
    return tl.log(x) * _INV_LN10


@triton.jit
def reciprocal(x, s0, s1, s2, P):
    # IEEE division, as ATen's 1 / x (Triton's fp32 `/` is approximate)
    if x.dtype == tl.float64:
        return 1.0 / x
    else:
        return tl.div_rn(1.0, x)


# ---------------------------------------------------------------- trigonometric and hyperbolic


@triton.jit
def sin(x, s0, s1, s2, P):
    return tl.sin(x)


@triton.jit
def cos(x, s0, s1, s2, P):
    return tl.cos(x)


@triton.jit
def tan(x, s0, s1, s2, P):
    return div_rn(tl.sin(x), tl.cos(x))


@triton.jit
def atan(x, s0, s1, s2, P):
    return _copysign(_atan_pos(tl.abs(x)), x)


@triton.jit
def asin(x, s0, s1, s2, P):
    # atan2(|x|, sqrt(1 - x^2)); (1 - a)(1 + a) is exact-ish where 1 - x^2 would cancel
    a = tl.abs(x)
    c = tl.sqrt((1.0 - a) * (1.0 + a))  # NaN for |x| > 1
    return _copysign(_atan_pos(a / c), x)


@triton.jit
def acos(x, s0, s1, s2, P):
    # atan2(sqrt(1 - x^2), x)
    c = tl.sqrt((1.0 - x) * (1.0 + x))
    r = _atan_pos(c / tl.abs(x))
    return tl.where(x < 0, _PI - r, r)


@triton.jit
def sinh(x, s0, s1, s2, P):
    # (e - 1/e) / 2 through expm1 (no cancellation near 0); exp(a/2)^2 / 2 where exp(a) overflows
    a = tl.abs(x)
    e = _expm1(a)
    h = _exp(0.5 * a)
    r = tl.where(a < 20.0, 0.5 * (e + e / (e + 1.0)), (0.5 * h) * h)
    return _copysign(r, x)


@triton.jit
def cosh(x, s0, s1, s2, P):
    a = tl.abs(x)
    e = _exp(a)
    h = _exp(0.5 * a)
    return tl.where(a < 20.0, 0.5 * e + 0.5 / e, (0.5 * h) * h)


@triton.jit
def tanh(x, s0, s1, s2, P):
    # -expm1(-2a) / (expm1(-2a) + 2): accurate near 0, tends to 1 without overflow
    e = _expm1(-2.0 * tl.abs(x))
    return _copysign(-e / (e + 2.0), x)


@triton.jit
def asinh(x, s0, s1, s2, P):
    # log(a + sqrt(a^2 + 1)) = log1p(a + a^2 / (1 + sqrt(1 + a^2)))
    a = tl.abs(x)
    a2 = a * a
    r = _log1p(a + a2 / (1.0 + tl.sqrt(1.0 + a2)))
    r = tl.where(a > _BIG, tl.log(a) + _LN2, r)
    return _copysign(r, x)


@triton.jit
def acosh(x, s0, s1, s2, P):
    # log(x + sqrt(x^2 - 1)) = log1p(t + sqrt(2t + t^2)), t = x - 1 (exact near 1)
    t = x - 1.0
    r = _log1p(t + tl.sqrt(2.0 * t + t * t))
    r = tl.where(x > _BIG, tl.log(x) + _LN2, r)
    return tl.where(x < 1.0, _NAN, r)


@triton.jit
def atanh(x, s0, s1, s2, P):
    # log((1 + a) / (1 - a)) / 2 = log1p(2a / (1 - a)) / 2
    a = tl.abs(x)
    return _copysign(0.5 * _log1p(2.0 * a / (1.0 - a)), x)


# ---------------------------------------------------------------- error function


@triton.jit
def erf(x, s0, s1, s2, P):
    return tl.math.erf(x)


@triton.jit
def erfc(x, s0, s1, s2, P):
    return _erfc(x)


@triton.jit
def _erfinv_halley(y, a, STEPS: tl.constexpr):
    """Halley steps on erf(y) = a (cubic convergence): y -= d / (1 + y d), d = (erf(y) - a) / erf'(y).
    Past y = 0.5 the residual is (1 - a) - erfc(y): 1 - a is exact and erfc keeps its relative
    accuracy where erf(y) - a would cancel."""
    for _ in tl.static_range(STEPS):
        e = _exp_neg_sq(y)
        yt = tl.where(y < 0.5, 0.5, y)
        f = tl.where(y < 0.5, tl.math.erf(y) - a, (1.0 - a) - e * _erfcx(yt))
        d = f / (_TWO_OVER_SQRTPI * e)
        y = y - d / (1.0 + y * d)
    return y


@triton.jit
def erfinv(x, s0, s1, s2, P):
    a = tl.abs(x)
    w = -_log1p(-a * a)  # NaN for |x| > 1, inf for |x| == 1
    y = a * tl.where(w < 5.0, _horner(w, _ERFINV_CENTRAL, 7), _horner(tl.sqrt(w), _ERFINV_TAIL, 7))
    if x.dtype == tl.float64:
        y = _erfinv_halley(y, a, 2)
    else:
        y = _erfinv_halley(y, a, 1)
    y = tl.where(a == 1.0, _INF, y)
    return _copysign(y, x)


# ---------------------------------------------------------------- rounding and sign


@triton.jit
def sign(x, s0, s1, s2, P):
    # (0 < x) - (x < 0), as ATen: NaN and -0.0 give 0; bool arrives as int32
    return (x > 0).to(x.dtype) - (x < 0).to(x.dtype)


@triton.jit
def floor(x, s0, s1, s2, P):
    if x.dtype.is_floating():
        return tl.math.floor(x)
    else:
        return x  # integers are their own floor


@triton.jit
def ceil(x, s0, s1, s2, P):
    if x.dtype.is_floating():
        return tl.math.ceil(x)
    else:
        return x


@triton.jit
def trunc(x, s0, s1, s2, P):
    if x.dtype.is_floating():
        return _trunc(x)
    else:
        return x


@triton.jit
def round(x, s0, s1, s2, P):
    if x.dtype.is_floating():
        return _rint(x)
    else:
        return x


_ROUND_PLAIN = tl.constexpr(0)  # decimals == 0
_ROUND_POS = tl.constexpr(1)  # decimals > 0: rint(x * 10^d) / 10^d
_ROUND_NEG = tl.constexpr(2)  # decimals < 0: rint(x / 10^-d) * 10^-d


@triton.jit
def round_decimals(x, ten_pow, s1, s2, P: tl.constexpr):
    """round(x, decimals); ten_pow = 10^|decimals| in the compute type, as ATen's opmath."""
    if P == _ROUND_POS:
        return div_rn(_rint(x * ten_pow), ten_pow)
    elif P == _ROUND_NEG:
        return _rint(div_rn(x, ten_pow)) * ten_pow
    else:
        return _rint(x)


@triton.jit
def frac(x, s0, s1, s2, P):
    return x - _trunc(x)


@triton.jit
def angle(x, s0, s1, s2, P):
    # real inputs: pi for x < 0, else 0; NaN stays NaN
    zero = tl.zeros_like(x)
    return tl.where(x != x, x, tl.where(x < 0, zero + _PI, zero))


# ---------------------------------------------------------------- classification (bool results)
# Integer inputs are never inf or NaN: `x != x` is all-false and `x == x` all-true for them.


@triton.jit
def isnan(x, s0, s1, s2, P):
    return x != x


@triton.jit
def isinf(x, s0, s1, s2, P):
    if x.dtype.is_floating():
        return tl.abs(x) == _INF
    else:
        return x != x


@triton.jit
def isfinite(x, s0, s1, s2, P):
    if x.dtype.is_floating():
        return tl.abs(x) < _INF  # false for NaN too
    else:
        return x == x


@triton.jit
def isposinf(x, s0, s1, s2, P):
    if x.dtype.is_floating():
        return x == _INF
    else:
        return x != x


@triton.jit
def isneginf(x, s0, s1, s2, P):
    if x.dtype.is_floating():
        return x == -_INF
    else:
        return x != x


@triton.jit
def nan_to_num(x, nan, posinf, neginf, P):
    """nan, posinf, neginf: the replacements, already resolved by the host (defaults: 0 and the
    result dtype's max and lowest). Integers are copied."""
    if x.dtype.is_floating():
        r = tl.where(x == _INF, posinf, tl.where(x == -_INF, neginf, x))
        return tl.where(x != x, nan, r)
    else:
        return x


# ---------------------------------------------------------------- bitwise and logical

_BITWISE_NOT_INT = tl.constexpr(0)
_BITWISE_NOT_BOOL = tl.constexpr(1)  # bool computes as int32: ~1 would still be true


@triton.jit
def bitwise_not(x, s0, s1, s2, P: tl.constexpr):
    if P == _BITWISE_NOT_BOOL:
        return x == 0
    elif x.dtype.is_int_unsigned():
        return x ^ 255  # uint8 (the interpreter cannot build ~'s all-ones constant for it)
    else:
        return ~x


@triton.jit
def logical_not(x, s0, s1, s2, P):
    # NaN is true, so its logical not is false. The result is a number of the compute type: out=
    # and in-place outputs may have any dtype.
    return (x == 0).to(x.dtype)
