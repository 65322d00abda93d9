"""Fits the polynomial coefficients of the fp32 math bodies (kernels/pointwise_ops/unary_math.py)
and prints them with their error. numpy only.

    python3 scripts/fit_math_polynomials.py

Minimax fits by Lawson's iteration: weighted least squares on Chebyshev nodes, each node's weight
multiplied by its error every round, which drives the fit toward equal ripple.

  _ATAN_F32: atan(t) = t + t s P(s), s = t^2, t in [0, 1]; P of degree 8 fitted to
             (atan(t) / t - 1) / s with absolute error (that error, times s t / atan(t) <= 4 / pi,
             is atan's relative error).
  _LOG2_1P:  log2(1 + f) / f on [sqrt(1/2) - 1, sqrt(2) - 1], degree 12 (binary.py _pow_fast, in
             fp64; the function is >= 1.2 there, so the absolute error bounds the relative one).
  _EXP2_M1:  (2^r - 1) / r on [-1/2, 1/2], degree 6 (2^r = 1 + r P(r) in fp32).
  _ERF_SMALL, _ERF_BIG: erf for fp16/bf16 results (unary_math.py _erf_half): erf(a) / a as a
             polynomial of degree 4 in s = a^2 on [0, 1] (relative error), log2(erfc(a)) of
             degree 4 in a on [1, 3] (absolute error, which times ln2 erfc(a) <= 0.11 bounds
             erf's absolute error).
  _ERFC_LOG2: erfc for fp16/bf16 results (unary_math.py _erfc_pos_half): log2(erfcx(a)) =
             log2(erfc(a)) + a^2 log2(e), of degree 10 in t = a / 5 - 1 (a in [0, 10]), absolute
             error (erfc's relative error is about ln2 times it: one exp2 gives erfc).
"""
import math

import numpy as np


def lawson(g, lo, hi, terms, iterations=200, nodes=20000):
    """Coefficients c[0..terms-1] of sum c[i] s^i minimizing max |P(s) - g(s)| on [lo, hi]; and
    that maximum."""
    s = (lo + hi) / 2 + (hi - lo) / 2 * np.cos(np.linspace(0.0, np.pi, nodes))
    target = g(s)
    a = np.vander(s, terms, increasing=True)
    w = np.full_like(s, 1.0 / nodes)
    for _ in range(iterations):
        sw = np.sqrt(w)
        c, *_ = np.linalg.lstsq(a * sw[:, None], target * sw, rcond=None)
        err = np.abs(a @ c - target)
        w = w * err
        w /= w.sum()
    return c, err.max()


def atan_p(s):
    """(atan(sqrt s) / sqrt s - 1) / s, its series near 0."""
    out = np.empty_like(s)
    small = s < 1e-4
    r = np.sqrt(s[~small])
    out[~small] = (np.arctan(r) / r - 1.0) / s[~small]
    t = s[small]
    out[small] = -1.0 / 3.0 + t / 5.0 - t * t / 7.0
    return out


def log2_1p(f):
    """log2(1 + f) / f, its series near 0."""
    out = np.empty_like(f)
    small = np.abs(f) < 1e-6
    out[~small] = np.log2(1.0 + f[~small]) / f[~small]
    t = f[small]
    out[small] = (1.0 - t / 2.0 + t * t / 3.0) / np.log(2.0)
    return out


def exp2_m1(r):
    """(2^r - 1) / r, its series near 0."""
    out = np.empty_like(r)
    small = np.abs(r) < 1e-6
    out[~small] = np.expm1(r[~small] * np.log(2.0)) / r[~small]
    t = r[small] * np.log(2.0)
    out[small] = np.log(2.0) * (1.0 + t / 2.0 + t * t / 6.0)
    return out


def erf_over_a(s):
    """erf(sqrt s) / sqrt s, its series near 0."""
    a = np.sqrt(s)
    out = np.empty_like(s)
    small = a < 1e-4
    out[~small] = np.vectorize(math.erf)(a[~small]) / a[~small]
    out[small] = 2.0 / np.sqrt(np.pi) * (1.0 - s[small] / 3.0)
    return out


def log2_erfc(a):
    return np.log2(np.vectorize(math.erfc)(a))


def log2_erfcx_scaled(t):
    """log2(erfc(a)) + a^2 log2(e) at a = 5 (1 + t)."""
    a = 5.0 * (1.0 + t)
    return np.log2(np.vectorize(math.erfc)(a)) + a * a / np.log(2.0)


def main():
    c, err = lawson(atan_p, 0.0, 1.0, 9)
    print(f"_ATAN_F32 (9 terms): max error {err:.3g}, atan relative error <= {err * 4 / np.pi:.3g} "
          f"({err * 4 / np.pi / 2.0**-24:.2f} units of 2^-24)")
    print("    " + ", ".join(repr(float(v)) for v in c))
    for name, g, lo, hi, terms in (("_LOG2_1P", log2_1p, np.sqrt(0.5) - 1.0, np.sqrt(2.0) - 1.0, 13),
                                   ("_EXP2_M1", exp2_m1, -0.5, 0.5, 7),
                                   ("_ERF_SMALL", erf_over_a, 0.0, 1.0, 5),
                                   ("_ERF_BIG", log2_erfc, 1.0, 3.0, 5),
                                   ("_ERFC_LOG2", log2_erfcx_scaled, -1.0, 1.0, 11)):
        c, err = lawson(g, lo, hi, terms, iterations=300)
        print(f"{name} ({terms} terms): max error {err:.3g}")
        print("    " + ", ".join(repr(float(v)) for v in c))


if __name__ == "__main__":
    main()
