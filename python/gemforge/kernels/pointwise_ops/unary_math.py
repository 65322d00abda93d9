"""Bodies of csrc/ops/pointwise/unary_math.cpp: Unary math: exp2 ... resolve_conj (issue 3).

Floating bodies compute in fp32 (fp32, fp16, bf16 and promoted integer inputs) or fp64, each with
its own accuracy: where an fp32 algorithm would lose fp64 digits (series lengths, exact splits)
the fp64 branch does more work. Compiled for a GPU, the transcendental bodies call libdevice
(common.NATIVE); the portable branches use only triton.language builtins (tl.exp, tl.exp2, tl.log,
tl.log2, tl.sin, tl.cos and tl.math.erf). On NVIDIA GPUs fp32 tl.exp is ex2.approx(x * log2(e)),
whose error grows with |x|, so the portable bodies use `_exp`.
"""
import triton
import triton.language as tl

from .common import HALF_RESULT, NATIVE, libdevice
from .common import any_of as _any
from .common import keep_tiny as _keep_tiny
from .common import div_approx, log2_approx
from .common import copysign_of as _copysign
from .common import div_rn
from .common import rint_of as _rint
from .common import exp_of as _exp
from .common import expm1_of as _expm1
from .common import log1p_of as _log1p
from .common import horner as _horner
from .common import signbit_of as _signbit

_INF = tl.constexpr(float("inf"))
_NAN = tl.constexpr(float("nan"))
_PI = tl.constexpr(3.141592653589793)
_PI_2 = tl.constexpr(1.5707963267948966)
_PI_6 = tl.constexpr(0.5235987755982988)
_SQRT3 = tl.constexpr(1.7320508075688772)
_TAN_PI_12 = tl.constexpr(0.2679491924311227)
_LN2 = tl.constexpr(0.6931471805599453)
_INV_LN10 = tl.constexpr(0.4342944819032518)
_TWO_OVER_SQRTPI = tl.constexpr(1.1283791670955126)

# (1 + 2x) erfcx(x) for x >= 0 as a polynomial in t = (x - 3) / (x + 3), t in [-1, 1) (Chebyshev
# fits converted to monomials; relative error 2.2e-7 in fp32 and 5.1e-16 in fp64, at evaluation).
_ERFCX_F32 = tl.constexpr((
    1.2530080563677553423, -0.13562023891915578194, -0.0475621569275200741, 0.12962750472172497871,
    -0.11927527528224089297, 0.068409581656336778521, -0.023763576439495039671, 0.0022865137034448329501,
    0.0018750791237723530031, -0.0005138505128719338096, -0.000092545166869239659643,))
_ERFCX_F64 = tl.constexpr((
    1.253008058269729547, -0.13562110612457575026, -0.047562294353420379084, 0.12964515870228346669,
    -0.11927366341676002309, 0.068308027356383970232, -0.023770514891530075224, 0.0025293916672051723082,
    0.0018886900977441494999, -0.00077983127972901584712, -0.00010515831297813128185, 0.00012509531076254534043,
    4.9441243422236598506e-6, -0.000020089997833284276618, -7.1878838344042666542e-7, 3.4542947702777378981e-6,
    3.3669790806407595836e-7, -5.9639836255227405347e-7, -1.2054142286489378911e-7, 8.7658814117305584323e-8,
    2.7843881265502220628e-8, -7.6419628925899748481e-9, -3.1813541434969273259e-9,))
# erfinv(x) / x with w = -log((1 - x)(1 + x)): a polynomial in w - 2.5 for w < 5 and in sqrt(w) - 3
# for sqrt(w) up to 4 (fp32 needs no more: 1.2e-7 at fp32 evaluation), and for fp64 in
# sqrt(w) - 5 up to 6.1 (1e-9), which one Halley step then takes to fp64 accuracy.
_ERFINV_W = tl.constexpr((
    1.5014093598328820914, 0.24664028938940982332, -0.0041773897590802808918, -0.0012527484164558687569,
    0.00021834691469278741139, -4.9597434951854079874e-6, -3.4633561655532603529e-6, 4.6542873048510423262e-7,
    2.3285844507874354434e-8, -8.7398309730519993039e-9,))
_ERFINV_R = tl.constexpr((
    2.8329767975300525043, 1.001675067121652813, 0.0094455856416909355975, -0.0076390914956276526975,
    0.0056839635004286397102, -0.003588494129591874154, 0.0014938581736752632567, -0.000073774846123258066643,
    -0.00031715280929525232769, 0.00012705721796529909606,))
_ERFINV_R64 = tl.constexpr((
    4.8499063980777287374, 1.0103004604469854543, -0.00013862267858219723016, -0.00021500578608184755431,
    0.000075560246555089094941, -0.00001966912901745492634, 5.1342829696937568828e-6, -1.1086992205770725247e-6,))

# ---------------------------------------------------------------- helpers


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
    is exact, exp(-x*x) = exp(-h*h) exp(-l (x + h)); the second factor is near 1, where tl.exp
    is accurate."""
    if x.dtype == tl.float64:
        h = tl.floor(x * 2097152.0) * (1.0 / 2097152.0)  # 21 fraction bits (x < 32)
    else:
        h = tl.floor(x * 256.0) * (1.0 / 256.0)  # 8 fraction bits (x < 16)
    return _exp(-(h * h)) * tl.exp(-((x - h) * (x + h)))


@triton.jit
def _erfcx(x):
    """exp(x*x) erfc(x) for 0 <= x <= 28 (small divisors: div_approx is exact to 2 ulps)."""
    t = div_approx(x - 3.0, x + 3.0)
    if x.dtype == tl.float64:
        p = _horner(t, _ERFCX_F64, 23)
    else:
        p = _horner(t, _ERFCX_F32, 11)
    return div_approx(p, 1.0 + 2.0 * x)


@triton.jit
def _erfc(x):
    # exp(-x*x) erfcx(|x|), reflected as 2 - erfc(-x) for x < 0: no cancellation anywhere.
    # erfc underflows past x = 10.1 (fp32) and 27.3 (fp64); clamping keeps inf finite.
    if x.dtype == tl.float64:
        limit: tl.constexpr = 28.0
    else:
        limit: tl.constexpr = 11.0
    a = tl.abs(x)
    ac = tl.where(a > limit, limit, a)  # NaN stays NaN
    e = tl.where(a > limit, 0.0, _exp_neg_sq(ac) * _erfcx(ac))
    return tl.where(x < 0, 2.0 - e, e)


# fp16/bf16 results (P == HALF_RESULT, see common.py): atan(t) / t and asinh(a) / a as polynomials
# in t^2 (a^2): least-squares fits on Chebyshev nodes, relative error 7.5e-7 on t in [0, 1] and
# 2.7e-8 on a in [0, 0.5] (half an fp16 ulp is 4.9e-4).
_ATAN_UNIT = tl.constexpr((
    0.9999992485822646, -0.3332583084041689, 0.19873730515178234, -0.13454804026035766, 0.08325644942835488,
    -0.03647336288358487, 0.0076853063797667626,))
_ASINH_SMALL = tl.constexpr((
    0.9999999733869609, -0.1666612750929011, 0.07482297907354248, -0.04256297201199872, 0.019873084581392517,))


@triton.jit
def atan_unit(t):
    """atan(t) for t in [0, 1] (NaN gives NaN), fp32, relative error ~1e-6."""
    return t * _horner(t * t, _ATAN_UNIT, 7)


# fp32: atan(t) = t + t s P(s), s = t^2, on t in [0, 1]; P a minimax fit (Lawson's iteration on
# Chebyshev nodes, scripts/fit_math_polynomials.py) of error 1.2e-8, so that atan's relative error
# stays 0.26 units of 2^-24 before rounding. pi/2 in two parts for pi/2 - atan(1/t).
_ATAN_F32 = tl.constexpr((
    -0.33333332138982597, 0.19999790076002072, -0.14279616407132567, 0.11042037415811035, -0.08689052169953575,
    0.06318236837326702, -0.036670485367883476, 0.013996608492374163, -0.0025086078010871024,))
_PI_2_HI_F32 = tl.constexpr(1.5707963705062866)  # pi/2 rounded to fp32
_PI_2_LO_F32 = tl.constexpr(-4.371139000186241e-08)  # pi/2 - _PI_2_HI_F32


@triton.jit
def _recip_f32(a):
    """1 / a for fp32 a >= 1 (inf included) within about an ulp: div.approx refined by one Newton
    step (an IEEE division has a slow-path branch per element)."""
    u = div_approx(1.0, a)  # 0 from 2^126 on
    return tl.where(a == _INF, 0.0, u + u * (1.0 - a * u))


@triton.jit
def _atan_f32(x):
    """atan of fp32 x within ~2 ulps (a simulation with the reciprocal 1 ulp off: 2.2), branch-free."""
    a = tl.abs(x)
    inv = a > 1.0
    t = tl.where(inv, _recip_f32(a), a)  # atan(a) = pi/2 - atan(1/a)
    s = t * t
    r = t + t * (s * _horner(s, _ATAN_F32, 9))
    return _copysign(tl.where(inv, (_PI_2_HI_F32 - r) + _PI_2_LO_F32, r), x)


@triton.jit
def _atan_half(x):
    a = tl.abs(x)
    inv = a > 1.0
    r = atan_unit(tl.where(inv, div_approx(1.0, a), a))  # atan(a) = pi/2 - atan(1/a); 1/a = 0 from 2^126
    return _copysign(tl.where(inv, _PI_2 - r, r), x)


@triton.jit
def _sinh_half(x):
    a = tl.abs(x)
    # e^a/2 - 1/(2 e^a) from a = 0.25 (cancellation costs under 2 bits); below, a + a^3/6 + a^5/120
    # (relative error a^6/5040 < 5e-8). h = e^a / 2 overflows where sinh does.
    h = tl.exp2(a * 1.4426950408889634 - 1.0)
    return _copysign(tl.where(a < 0.25, _sinh_series(a, 2), h - div_approx(0.25, h)), x)


# erfc for fp16/bf16 results (scripts/fit_math_polynomials.py): log2(erfcx(a)) = log2(erfc(a)) +
# a^2 log2(e) as a polynomial in t = a / 5 - 1 on a in [0, 10] (absolute error 1.3e-5: erfc's
# relative error 0.9e-5, 2.3e-5 at fp32 evaluation; an fp16 ulp is 9.8e-4).
_ERFC_LOG2 = tl.constexpr((
    -3.1752020582275606, -1.3901255898283689, 0.646183013727616, -0.3863574241946826, 0.25940241521640445,
    -0.18278669309702233, 0.09983522494132208, -0.048936015017083, 0.0697147951468467, -0.06920823633744883,
    0.022665802230885768,))


@triton.jit
def _erfc_pos_half(a):
    """erfc(a) for a >= 0 (NaN: NaN) with one exp2 and no division. The exponent is raised by 64
    and the result scaled back by 2^-64, so that results below 2^-126 (a > 9.2, bf16 keeps them
    down to a = 9.4) come out subnormal instead of flushed by the exp2; from a = 10 on erfc
    (< 2.1e-45) rounds to 0 in both half types."""
    ac = tl.where(a > 10.0, 10.0, a)  # NaN stays NaN
    log2_erfc = _horner(ac * 0.2 - 1.0, _ERFC_LOG2, 11) - ac * ac * 1.4426950408889634
    e = tl.exp2(log2_erfc + 64.0) * 5.421010862427522e-20  # 2^-64
    return tl.where(a > 10.0, 0.0, e)


@triton.jit
def erfc_half(x):
    e = _erfc_pos_half(tl.abs(x))
    return tl.where(x < 0, 2.0 - e, e)


_TANH_SMALL = tl.constexpr((1.0, -0.3333333333333333, 0.13333333333333333, -0.05396825396825397,))


@triton.jit
def _tanh_half(x):
    # 1 - 2 / (e^2a + 1) from a = 0.25 (e^2a = inf: 1); below, a - a^3/3 + 2a^5/15 - 17a^7/315
    # (relative error 62 a^8 / 2835 < 4e-7)
    a = tl.abs(x)
    small = a * _horner(a * a, _TANH_SMALL, 4)
    big = 1.0 - div_approx(2.0, tl.exp2(a * 2.8853900817779268) + 1.0)
    return _copysign(tl.where(a < 0.25, small, big), x)


@triton.jit
def _asinh_half(x):
    a = tl.abs(x)
    big = tl.where(_big(a), log2_approx(a) + 1.0, log2_approx(a + tl.sqrt(a * a + 1.0))) * _LN2
    return _copysign(tl.where(a < 0.5, a * _horner(a * a, _ASINH_SMALL, 5), big), x)


@triton.jit
def _trunc(x):
    return tl.where(x < 0, tl.math.ceil(x), tl.math.floor(x))


# ---------------------------------------------------------------- exponentials and logarithms


@triton.jit
def exp2(x, s0, s1, s2, P):
    # fp32 results below 2^-126 as 2^(x + 24) 2^-24: the GPU's ex2.approx flushes them to zero
    tail = x < -126.0
    e = tl.exp2(tl.where(tail, x + 24.0, x))
    return tl.where(tail, e * 5.960464477539063e-08, e)


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
    if NATIVE:
        return libdevice.log10(x)
    else:
        return tl.log(x) * _INV_LN10


@triton.jit
def reciprocal(x, s0, s1, s2, P):
    # IEEE division, as ATen's 1 / x (Triton's fp32 `/` is approximate)
    if x.dtype == tl.float64:
        return 1.0 / x
    else:
        return tl.div_rn(1.0, x)


# ---------------------------------------------------------------- trigonometric and hyperbolic


# sin and cos for fp16/bf16 results (P == HALF_RESULT): x = m pi/2 + r, |r| <= pi/2, with m even
# for sin (m = 2j, j = rint(x / pi)) and odd for cos (m = 2j + 1, j = rint(x / pi - 1/2)); then
# sin x = (-1)^j sin r and cos x = (-1)^(j+1) sin r, sin r from one odd polynomial. r takes pi/2 in
# three fp32 parts (Cody-Waite: m c1 is exact for |x| <= 2^14, where m has <= 14 bits; fused
# multiply-adds with c2 and c3; r's absolute error is under 1e-10). j is rounded by adding
# 1.5 * 2^23, which leaves its parity in the sum's last bit: no float-to-int conversion (those
# issue at a quarter of the FMA rate). Every fp16/bf16 input within half an ulp and a hair. About 20
# instructions an element against libdevice's ~40 (its |x| > 105615 slow path needs a stack frame):
# H200, 64M bf16 (bench/parity_experiment.py, session 10), sin 71.5 -> 69.7 us, cos 75.6 -> 72.1
# (torch 79.2 / 80.9). A tile with a larger |x| (infinities included) runs C's sin / cos instead.
_PIO2_1 = tl.constexpr(1.5703125)
_PIO2_2 = tl.constexpr(0.0004838267923332751)
_PIO2_3 = tl.constexpr(2.5633440682570896e-12)
_INV_PI = tl.constexpr(0.3183098861837907)
_ROUND = tl.constexpr(12582912.0)  # 1.5 * 2^23: y + _ROUND rounds y to an integer, kept in the low bits
# sin(r) / r in s = r^2 on [0, (pi/2)^2] (scripts/fit_math_polynomials.py; relative error 1.2e-6)
_SIN_HALF = tl.constexpr((0.9999992456097193, -0.16665682730317255, 0.008313258717119701,
                          -0.00018524357330790275,))


@triton.jit
def _sin_cos_reduced(x, COS: tl.constexpr):
    """sin / cos of fp32 x with |x| <= 2^14, to ~1.2e-6 relative. sin: x = +-0 or subnormal gives
    j = +0, r = x exactly, and x (sign included) back."""
    if COS:
        jr = tl.fma(x, tl.full(x.shape, _INV_PI, x.dtype), tl.full(x.shape, -0.5, x.dtype)) + _ROUND
    else:
        jr = x * _INV_PI + _ROUND
    j = jr - _ROUND
    if COS:
        m = tl.fma(j, tl.full(x.shape, 2.0, x.dtype), tl.full(x.shape, 1.0, x.dtype))
    else:
        m = j * 2.0
    r = tl.fma(m, tl.full(x.shape, -_PIO2_1, x.dtype), x)
    r = tl.fma(m, tl.full(x.shape, -_PIO2_2, x.dtype), r)
    r = tl.fma(m, tl.full(x.shape, -_PIO2_3, x.dtype), r)
    v = r * _horner(r * r, _SIN_HALF, 4)
    q = jr.to(tl.int32, bitcast=True) + (1 if COS else 0)  # j's parity in bit 0
    return (v.to(tl.int32, bitcast=True) ^ (q << 31)).to(tl.float32, bitcast=True)


@triton.jit
def _sin_cos_half(x, COS: tl.constexpr):
    if _any(tl.abs(x) > 16384.0):  # (NaN is not: the reduction keeps it NaN)
        if NATIVE:
            if COS:
                v = libdevice.cos(x)
            else:
                v = _keep_tiny(x, libdevice.sin(x), 1.0)
        else:
            if COS:
                v = tl.cos(x)
            else:
                v = tl.sin(x)
    else:
        v = _sin_cos_reduced(x, COS)
    return v


@triton.jit
def sin(x, s0, s1, s2, P):
    if P == HALF_RESULT:
        return _sin_cos_half(x, False)
    elif NATIVE:
        return _keep_tiny(x, libdevice.sin(x), 1.0)
    else:
        return tl.sin(x)


@triton.jit
def cos(x, s0, s1, s2, P):
    if P == HALF_RESULT:
        return _sin_cos_half(x, True)
    elif NATIVE:
        return libdevice.cos(x)
    else:
        return tl.cos(x)


@triton.jit
def tan(x, s0, s1, s2, P):
    if NATIVE:
        return libdevice.tan(x)
    else:
        return tl.sin(x) / tl.cos(x)


@triton.jit
def atan(x, s0, s1, s2, P):
    if P == HALF_RESULT:
        return _atan_half(x)
    elif x.dtype == tl.float32:
        return _atan_f32(x)
    elif NATIVE:
        return libdevice.atan(x)
    else:
        return _copysign(_atan_pos(tl.abs(x)), x)


@triton.jit
def asin(x, s0, s1, s2, P):
    if NATIVE:
        return libdevice.asin(x)
    else:
        # atan2(|x|, sqrt(1 - x^2)); (1 - a)(1 + a) is exact-ish where 1 - x^2 would cancel
        a = tl.abs(x)
        c = tl.sqrt((1.0 - a) * (1.0 + a))  # NaN for |x| > 1
        return _copysign(_atan_pos(a / c), x)


@triton.jit
def acos(x, s0, s1, s2, P):
    if NATIVE:
        return libdevice.acos(x)
    else:
        # atan2(sqrt(1 - x^2), x)
        c = tl.sqrt((1.0 - x) * (1.0 + x))
        r = _atan_pos(c / tl.abs(x))
        return tl.where(x < 0, _PI - r, r)


@triton.jit
def _sinh_series(a, N: tl.constexpr):
    """a (1 + a^2/(2*3) (1 + a^2/(4*5) (1 + ...))): the Taylor series of sinh, N + 1 terms."""
    z = a * a
    p = z * (1.0 / ((2 * N) * (2 * N + 1))) + 1.0
    for i in tl.static_range(N - 1, 0, -1):
        p = p * (z * (1.0 / ((2 * i) * (2 * i + 1)))) + 1.0
    return a * p


@triton.jit
def sinh(x, s0, s1, s2, P):
    if P == HALF_RESULT:
        return _sinh_half(x)
    elif NATIVE:
        return _keep_tiny(x, libdevice.sinh(x), 1.0)
    else:
        # The series below 0.5 (e - 1/e cancels there); above, h = exp(a/2) gives
        # e/2 - 1/(2e) = (h/2) h - (1/(2h)) / h without overflow before sinh itself overflows.
        a = tl.abs(x)
        h = _exp(0.5 * a)
        if x.dtype == tl.float64:
            s = _sinh_series(a, 8)
        else:
            s = _sinh_series(a, 4)
        return _copysign(tl.where(a < 0.5, s, (0.5 * h) * h - (0.5 / h) / h), x)


@triton.jit
def cosh(x, s0, s1, s2, P):
    if NATIVE:
        return libdevice.cosh(x)
    else:
        h = _exp(0.5 * tl.abs(x))
        return (0.5 * h) * h + (0.5 / h) / h


@triton.jit
def tanh(x, s0, s1, s2, P):
    if P == HALF_RESULT:
        return _tanh_half(x)
    elif NATIVE:
        return _keep_tiny(x, libdevice.tanh(x), 1.0)
    else:
        # -expm1(-2a) / (expm1(-2a) + 2): accurate near 0, tends to 1 without overflow
        e = _expm1(-2.0 * tl.abs(x))
        return _copysign(-e / (e + 2.0), x)


@triton.jit
def _big(x):
    """Where a*a may overflow but 1 + a rounds to a: asinh(a) and acosh(a) are log(a) + log(2)."""
    if x.dtype == tl.float64:
        return x > 1.152921504606847e18  # 2**60
    else:
        return x > 268435456.0  # 2**28


@triton.jit
def asinh(x, s0, s1, s2, P):
    if P == HALF_RESULT:
        return _asinh_half(x)
    elif NATIVE and x.dtype == tl.float64:
        return libdevice.asinh(x)
    else:
        # log(a + sqrt(a^2 + 1)) = log1p(a + a^2 / (1 + sqrt(1 + a^2))). fp32 on the GPU: `/` is
        # div.full and tl.sqrt sqrt.approx (libdevice's asinhf divides with IEEE division, a
        # slow-path branch per element); within ~3 ulps (simulated with each step's error bound).
        a = tl.abs(x)
        a2 = a * a
        big = _big(a)
        r = _log1p(tl.where(big, a, a + div_approx(a2, 1.0 + tl.sqrt(1.0 + a2))))
        # a itself below 2^-12 (fp32; 2^-27 fp64), where a^3/6 is under half an ulp: keeps
        # subnormals, which libdevice's log1p (linked flush-to-zero) would return as 0
        tiny = a < (1.4901161193847656e-08 if x.dtype == tl.float64 else 0.000244140625)
        return _copysign(tl.where(tiny, a, tl.where(big, r + _LN2, r)), x)


@triton.jit
def acosh(x, s0, s1, s2, P):
    if NATIVE:
        return libdevice.acosh(x)
    else:
        # log(x + sqrt(x^2 - 1)) = log1p(t + sqrt(2t + t^2)), t = x - 1 (exact near 1)
        t = x - 1.0
        big = _big(x)
        r = _log1p(tl.where(big, x, t + tl.sqrt(2.0 * t + t * t)))
        return tl.where(x < 1.0, _NAN, tl.where(big, r + _LN2, r))


_ATANH_SMALL = tl.constexpr((1.0, 0.3333333333333333, 0.2))


@triton.jit
def _atanh_half(x):
    """atanh for fp16/bf16 results: x (1 + x^2/3 + x^4/5) below |x| = 2^-5 (relative error
    x^6/7 < 2^-32), else ln(2)/2 log2((1 + x) / (1 - x)) by div.approx and lg2.approx (relative
    error < 2^-17 from 2^-5 on). libdevice's atanhf is compute bound on bf16 (0.97x of torch)."""
    small = x * _horner(x * x, _ATANH_SMALL, 3)  # -0.0 stays -0.0
    # |x| > 1 gives NaN; clamped to +-2 first, because div.approx returns 0 for divisors beyond
    # 2^126 (-8.6e37 gave -inf on an H200). NaN: +-2 on the GPU (max.f32 drops NaN), NaN either way.
    xc = tl.minimum(tl.maximum(x, -2.0), 2.0)
    big = log2_approx(div_approx(1.0 + xc, 1.0 - xc)) * (0.5 * _LN2)  # +-1: +-inf
    return tl.where(tl.abs(x) < 0.03125, small, big)


@triton.jit
def atanh(x, s0, s1, s2, P):
    if P == HALF_RESULT:
        return _atanh_half(x)
    elif NATIVE:
        return libdevice.atanh(x)
    else:
        # log((1 + a) / (1 - a)) / 2 = log1p(2a / (1 - a)) / 2
        a = tl.abs(x)
        return _copysign(0.5 * _log1p(2.0 * a / (1.0 - a)), x)


# ---------------------------------------------------------------- error function


# erf for fp16/bf16 results (scripts/fit_math_polynomials.py): erf(a) / a as a polynomial in a^2
# on [0, 1] (relative error 1.1e-6) and log2(erfc(a)) in a on [1, 3] (7e-5: erf's absolute error
# within 8e-6); from a = 3 on (erfc 2.2e-5) erf rounds to 1 in both types.
_ERF_SMALL = tl.constexpr((
    1.1283780614427343, -0.37606951188351945, 0.1123680732876143, -0.025489406469758058, 0.0035146822239915665,))
_ERF_BIG = tl.constexpr((
    -0.03505226083998212, -1.519630269820742, -1.0501977441325976, -0.06910524769778048, 0.0054990083367936204,))


@triton.jit
def erf_half(x):
    """Two short polynomials and one exp2, no branch (libdevice's erff is exact to fp32, which an
    fp16 or bf16 result doesn't need)."""
    a = tl.abs(x)
    small = x * _horner(a * a, _ERF_SMALL, 5)  # -0.0 stays -0.0
    ac = tl.where(a > 3.0, 3.0, a)  # NaN stays NaN
    big = 1.0 - tl.exp2(_horner(ac, _ERF_BIG, 5))
    return tl.where(a < 1.0, small, _copysign(big, x))


@triton.jit
def erf(x, s0, s1, s2, P):
    if P == HALF_RESULT:
        return erf_half(x)
    elif NATIVE:
        return _keep_tiny(x, libdevice.erf(x), _TWO_OVER_SQRTPI)
    else:
        return tl.math.erf(x)


@triton.jit
def erfc(x, s0, s1, s2, P):
    if P == HALF_RESULT:
        return erfc_half(x)
    elif NATIVE:
        return libdevice.erfc(x)
    else:
        return _erfc(x)


@triton.jit
def erfinv(x, s0, s1, s2, P):
    if NATIVE:
        return libdevice.erfinv(x)
    else:
        a = tl.abs(x)
        w = -tl.log((1.0 - a) * (1.0 + a))  # 1 - a is exact where 1 - a*a would cancel; NaN beyond 1
        r = tl.sqrt(w)
        y = a * tl.where(w < 5.0, _horner(w - 2.5, _ERFINV_W, 10), _horner(r - 3.0, _ERFINV_R, 10))
        if x.dtype == tl.float64:
            # One Halley step on erf(y) = a (cubic convergence): y -= d / (1 + y d) with
            # d = (erf(y) - a) / erf'(y). Past y = 0.5 the residual is (1 - a) - erfc(y): 1 - a is
            # exact and erfc keeps its relative accuracy where erf(y) - a would cancel.
            y = tl.where(r < 4.0, y, a * _horner(r - 5.0, _ERFINV_R64, 8))
            e = _exp_neg_sq(y)
            f = tl.where(y < 0.5, tl.math.erf(y) - a, (1.0 - a) - e * _erfcx(y))
            d = f / (_TWO_OVER_SQRTPI * e)
            y = y - d / (1.0 + y * d)
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


# P of round_decimals: the mode + 3 * the storage type (0: fp32/fp64, 1: fp16, 2: bf16)
_ROUND_PLAIN = tl.constexpr(0)  # decimals == 0
_ROUND_POS = tl.constexpr(1)  # decimals > 0: rint(x * 10^d) / 10^d
_ROUND_NEG = tl.constexpr(2)  # decimals < 0: rint(x / 10^-d) * 10^-d


@triton.jit
def _to_storage(v, STORAGE: tl.constexpr):
    """v rounded to the tensor's half type and back (identity for fp32/fp64)."""
    if STORAGE == 1:
        return v.to(tl.float16).to(tl.float32)
    elif STORAGE == 2:
        return v.to(tl.bfloat16).to(tl.float32)
    else:
        return v


@triton.jit
def round_decimals(x, ten_pow, s1, s2, P: tl.constexpr):
    """round(x, decimals) as ATen's kernels: on CPU in the op math type, on CUDA in the tensor's
    own type, where for fp16 and bf16 10^|decimals| and each product or quotient round to it
    (the host passes STORAGE = 0 for CPU tensors)."""
    MODE: tl.constexpr = P % 3
    STORAGE: tl.constexpr = P // 3
    t = _to_storage(ten_pow, STORAGE)
    if MODE == _ROUND_POS:
        return div_rn(_rint(_to_storage(x * t, STORAGE)), t)
    elif MODE == _ROUND_NEG:
        return _rint(_to_storage(div_rn(x, t), STORAGE)) * t
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
