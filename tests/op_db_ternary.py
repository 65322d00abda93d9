"""Op table entries for csrc/ops/pointwise/ternary.cpp: where, masked_fill, clamps, lerp,
addcmul/addcdiv, heaviside, isclose/allclose, isin, and the copies and fills (copy_, clone,
contiguous, to/_to_copy, fill_, zero_). Forms test_ops can't express (out= of composite ops,
fallbacks, errors, strided destinations) are in test_ternary.py.

Every sample runs under the interpreter in CI, so the first dtype of each spec gets the full
sample list and the others a representative subset (layouts and special values stay covered).
"""
import torch

from op_db import ALL, FLOATS, INTS, OpSpec, Sample, make

NAN = float("nan")
INF = float("inf")
REALS = FLOATS + [torch.float64]
NUMERIC = REALS + INTS  # no bool


def _full(dtype):
    """The dtypes that get every sample (the others a subset)."""
    return dtype in (torch.float32, torch.int64)


def _gen(dtype, device):
    return lambda shape, seed=0, **kw: make(shape, dtype, device, seed=seed, **kw)  # noqa: E731


def _special(dtype, device):
    """Special values of the dtype: ±0, ±inf, NaN for floats; the extremes for integers."""
    if dtype.is_floating_point:
        vals = [0.0, -0.0, INF, -INF, NAN, 1e-30, -3.5, 2.25]
    elif dtype == torch.bool:
        vals = [True, False]
    else:
        info = torch.iinfo(dtype)
        vals = [info.min, info.max, 0, 1, -1 if info.min < 0 else 2]
    return torch.tensor(vals, dtype=dtype, device=device)


def _layouts(m, full):
    """(desc, tensor factory) pairs over shapes and layouts; each factory takes a seed."""
    out = [
        ("0-d", lambda s: m((), seed=s)),
        ("odd", lambda s: m((37, ), seed=s)),
        ("transposed", lambda s: m((20, 17), seed=s).t()),
        ("strided", lambda s: m((6, 40), seed=s, noncontig=True)),
    ]
    if full:
        out += [
            ("empty", lambda s: m((0, ), seed=s)),
            ("2d", lambda s: m((33, 70), seed=s)),
            ("permuted-4d", lambda s: m((2, 3, 4, 5), seed=s).permute(3, 1, 0, 2)),
        ]
    return out


def _scalar_of(dtype):
    """A Python scalar of the dtype's kind."""
    if dtype == torch.bool:
        return True
    return 2.5 if dtype.is_floating_point else 3


# ---------------------------------------------------------------- where


def where_samples(device, dtype, large):
    m = _gen(dtype, device)
    c = _gen(torch.bool, device)
    full = _full(dtype)
    out = [Sample((c(tuple(f(0).shape), seed=5), f(0), f(1)), desc=d) for d, f in _layouts(m, full)]
    out += [
        Sample((c((3, 1, 5), seed=2), m((4, 1)), m((5, ), seed=1)), desc="broadcast-all-three"),
        Sample((c((6, 40), seed=3, noncontig=True), m((6, 40)).t().contiguous().t(), m((40, ), seed=1)),
               desc="strided-cond"),
        Sample((c((7, 9)).t(), m((9, 7)), m((9, 7), seed=1).to(torch.float32)), desc="mixed-dtypes"),
        Sample((c((9, ), seed=1).cpu()[0], m((9, )), m((9, ), seed=1)), desc="cpu-0d-cond"),
    ]
    if dtype.is_floating_point or full:
        sp = _special(dtype, device)
        out.append(Sample((c(sp.shape, seed=4), sp, sp.flip(0)), desc="special"))
    if dtype == torch.uint8:
        out.append(Sample((m((9, ), seed=3), m((9, )), m((9, ), seed=1)), desc="uint8-condition"))
    if large:
        out.append(Sample((c((1 << 20, )), m((1 << 20, )), m((1 << 20, ), seed=1)), desc="1M"))
    return out


def where_scalar_samples(device, dtype, large):
    """Python scalars in either value position, or both (ScalarOther/ScalarSelf/Scalar)."""
    m = _gen(dtype, device)
    c = _gen(torch.bool, device)
    s = _scalar_of(dtype)
    out = [
        Sample((c((5, 7)), m((5, 7)), s), desc="scalar-other"),
        Sample((c((5, 7)), s, m((7, ))), desc="scalar-self-broadcast"),
        Sample((c((5, 7)), m((5, 7)), 1.5), desc="float-scalar-other"),
        Sample((c((4, 6)).t(), -2, s), desc="two-scalars"),
    ]
    if _full(dtype):
        out.append(Sample((c(()), m(()), s), desc="0-d"))
    return out


# ---------------------------------------------------------------- masked_fill


def masked_fill_samples(device, dtype, large):
    m = _gen(dtype, device)
    c = _gen(torch.bool, device)
    v = _scalar_of(dtype)
    out = [
        Sample((m((5, 7)), c((5, 7), seed=1), v), desc="python-scalar"),
        Sample((m((6, 20)), c((6, 20), seed=1, noncontig=True), v), desc="noncontiguous-mask"),
        Sample((m((20, 17)).t(), c((17, 20), seed=2).t(), v), desc="transposed"),
        Sample((m((4, 9)), c((9, ), seed=1), torch.tensor(v, dtype=dtype)), desc="broadcast-mask-0d-tensor-value"),
        Sample((m((9, )), c((4, 9), seed=1), v), desc="mask-broadcasts-self"),
        Sample((m((6, 9)), c((), seed=1), v), desc="0-d-mask"),
    ]
    if _full(dtype):
        out += [
            Sample((m((37, )), c((37, ), seed=1), True), desc="bool-value"),
            Sample((m((37, )), c((37, ), seed=1), -7), desc="int-value"),
            Sample((m((37, )), c((37, ), seed=1), 3.75), desc="float-value"),
            Sample((m((0, 3)), c((3, ), seed=1), v), desc="empty"),
            Sample((m(()), c((), seed=1), v), desc="0-d"),
            Sample((m((5, 4)), c((5, 4), seed=1), torch.tensor(4, device=device)), desc="0-d-device-tensor-value"),
        ]
    if dtype == torch.uint8:
        out.append(Sample((m((9, )), c((9, ), seed=1), -1), desc="negative-value-wraps"))
    if dtype.is_floating_point:
        out.append(Sample((_special(dtype, device), c((8, ), seed=1), NAN), desc="special"))
    elif dtype != torch.bool:
        info = torch.iinfo(dtype)
        out.append(Sample((_special(dtype, device), c((5, ), seed=1), info.min), desc="extreme-value"))
    if large:
        out.append(Sample((m((1 << 20, )), c((1 << 20, ), seed=1), v), desc="1M"))
    return out


# ---------------------------------------------------------------- clamps


def _bounds(dtype):
    """(min, max) pairs of Python scalars for clamp: both, one, min > max, NaN, promotion."""
    if dtype == torch.bool:
        return [(0, 1), (1, None), (None, 0)]
    if dtype.is_floating_point:
        return [(-0.5, 0.5), (None, 0.3), (-0.2, None), (1.0, -1.0), (NAN, 0.5), (NAN, None), (None, NAN), (-1, 1)]
    info = torch.iinfo(dtype)
    lo = -3 if info.min < 0 else 2
    return [(lo, 5), (None, 4), (lo, None), (10, 2), (2.5, 7), (info.min, info.max), (1.5, None)]


def clamp_samples(device, dtype, large):
    m = _gen(dtype, device)
    full = _full(dtype)
    out = []
    for i, (lo, hi) in enumerate(_bounds(dtype)):
        x = m((6, 9), seed=i)
        out.append(Sample((x, lo, hi), desc=f"min={lo},max={hi}"))
    lo, hi = _bounds(dtype)[0]
    out += [Sample((f(0), lo, hi), desc=d) for d, f in _layouts(m, full)]
    if dtype != torch.bool:
        out.append(Sample((_special(dtype, device), lo, hi), desc="special"))
    if large:
        out.append(Sample((m((1 << 20, )), lo, hi), desc="1M"))
    return out


def clamp_min_samples(device, dtype, large, which=0):
    m = _gen(dtype, device)
    bounds = [b[which] for b in _bounds(dtype) if b[which] is not None]
    out = [Sample((m((6, 9), seed=i), b), desc=f"bound={b}") for i, b in enumerate(bounds)]
    out += [Sample((f(0), bounds[0]), desc=d) for d, f in _layouts(m, _full(dtype))]
    if dtype != torch.bool:
        out.append(Sample((_special(dtype, device), bounds[0]), desc="special"))
    return out


def clamp_max_samples(device, dtype, large):
    return clamp_min_samples(device, dtype, large, which=1)


def clamp_tensor_samples(device, dtype, large):
    m = _gen(dtype, device)
    out = [
        Sample((m((5, 7)), m((5, 7), seed=1), m((5, 7), seed=2) + m((5, 7), seed=3)), desc="same-shape"),
        Sample((m((3, 1, 5)), m((4, 1), seed=1), m((5, ), seed=2)), desc="broadcast-all-three"),
        Sample((m((20, 17)).t(), m((17, ), seed=1), None), desc="min-only-transposed"),
        Sample((m((6, 40), noncontig=True), None, m((40, ), seed=2)), desc="max-only-strided"),
        Sample((m(()), m((), seed=1), m((), seed=2)), desc="0-d"),
        Sample((m((4, 5)), m((5, ), seed=1).abs() + 1, -m((5, ), seed=2).abs() - 1), desc="min>max"),
    ]
    if dtype.is_floating_point:
        sp = _special(dtype, device)
        out.append(Sample((sp, sp.flip(0), torch.full_like(sp, 0.5)), desc="nan-inputs-and-bounds"))
        out.append(Sample((m((5, 7)), m((), seed=1).to(torch.float64), None), desc="0-d-f64-bound-promotes"))
    elif _full(dtype):
        out.append(Sample((m((5, 7)), m((7, ), seed=1).to(torch.float32), None), desc="float-bound-promotes"))
    return out


def clamp_bound_tensor_samples(device, dtype, large):
    """clamp_min/clamp_max with a Tensor bound (maximum/minimum semantics)."""
    m = _gen(dtype, device)
    out = [
        Sample((m((5, 7)), m((5, 7), seed=1)), desc="same-shape"),
        Sample((m((33, 70)), m((70, ), seed=1)), desc="broadcast-row"),
        Sample((m((20, 17)).t(), m((17, 20), seed=1)), desc="transposed"),
        Sample((m((6, 40), noncontig=True), m((), seed=1)), desc="strided-0-d-bound"),
        Sample((m((9, )), m((), seed=1).cpu()), desc="cpu-0d-bound"),
    ]
    if dtype.is_floating_point:
        sp = _special(dtype, device)
        out.append(Sample((sp, sp.flip(0)), desc="special"))
    return out


# ---------------------------------------------------------------- lerp, addcmul, addcdiv, heaviside


def lerp_samples(device, dtype, large):
    m = _gen(dtype, device)
    full = _full(dtype)
    weights = [0.3, 0.5, 0.7, -0.5, 1.5, 0.0, 1.0] if full else [0.3, 0.7, -0.5]
    out = [Sample((m((6, 9)), m((6, 9), seed=1), w), desc=f"w={w}") for w in weights]
    out += [Sample((f(0), f(1), 0.25), desc=d) for d, f in _layouts(m, full)]
    out.append(Sample((m((4, 9)), m((9, ), seed=1), 0.6), desc="broadcast-end"))
    sp = _special(dtype, device)
    out.append(Sample((sp, sp.flip(0), 0.4), desc="special"))
    if large:
        out.append(Sample((m((1 << 20, )), m((1 << 20, ), seed=1), 0.3), desc="1M"))
    return out


def lerp_tensor_samples(device, dtype, large):
    m = _gen(dtype, device)
    w = lambda shape, seed=2: (make(shape, torch.float64, device, seed=seed) * 0.8 + 0.5).to(dtype)  # noqa: E731
    out = [
        Sample((m((6, 9)), m((6, 9), seed=1), w((6, 9))), desc="same-shape"),
        Sample((m((3, 1, 5)), m((4, 1), seed=1), w((5, ))), desc="broadcast-all-three"),
        Sample((m((20, 17)).t(), m((17, 20), seed=1).t(), w((17, 20)).t()), desc="transposed"),
        Sample((m((6, 40), noncontig=True), m((6, 40), seed=1), w((6, 40), seed=3)), desc="strided"),
        Sample((m((5, 7)), m((5, 7), seed=1), torch.tensor(0.75, dtype=torch.float64, device=device)),
               desc="0-d-f64-weight"),
        Sample((m((5, 7)), m((5, 7), seed=1), torch.tensor(0.25)), desc="cpu-0d-weight"),
        Sample((m(()), m((), seed=1), w(())), desc="0-d"),
    ]
    if large:
        out.append(Sample((m((1 << 20, )), m((1 << 20, ), seed=1), w((1 << 20, ))), desc="1M"))
    return out


def addc_samples(divisor=False):
    def gen(device, dtype, large):
        m = _gen(dtype, device)
        # divisors avoid 0 (and integers would raise anyway: see test_ternary)
        d = (lambda shape, seed=2: make(shape, dtype, device, positive=True, seed=seed)) if divisor else \
            (lambda shape, seed=2: m(shape, seed=seed))
        out = [
            Sample((m((6, 9)), m((6, 9), seed=1), d((6, 9))), desc="same-shape"),
            Sample((m((3, 1, 5)), m((4, 1), seed=1), d((5, ))), desc="broadcast-all-three"),
            Sample((m((20, 17)).t(), m((17, 20), seed=1).t(), d((17, ))), desc="transposed"),
            Sample((m((6, 40), noncontig=True), m((6, 40), seed=1), d((6, 40), seed=3)), desc="strided"),
            Sample((m(()), m((), seed=1), d(())), desc="0-d"),
        ]
        if _full(dtype):
            other = torch.float32 if not dtype.is_floating_point else torch.float64
            out.append(Sample((m((5, 7)), m((5, 7), seed=1).to(other), d((7, )).to(other)), desc="mixed-dtypes"))
            out.append(Sample((m((0, 3)), m((3, ), seed=1), d((3, ))), desc="empty"))
        if dtype.is_floating_point:
            sp = _special(dtype, device)
            out.append(Sample((sp, sp.flip(0), d((8, ))), desc="special"))
        if large:
            out.append(Sample((m((1 << 20, )), m((1 << 20, ), seed=1), d((1 << 20, ))), desc="1M"))
        return out

    return gen


def heaviside_samples(device, dtype, large):
    m = _gen(dtype, device)
    x = lambda shape, seed=0: (m(shape, seed=seed) * (m(shape, seed=seed + 7) != 0)).to(dtype)  # noqa: E731
    out = [
        Sample((x((6, 9)), m((6, 9), seed=1)), desc="zeros-present"),
        Sample((x((33, 70)), m((70, ), seed=1)), desc="broadcast-values"),
        Sample((x((20, 17)).t(), m((), seed=1)), desc="transposed-0-d-values"),
    ]
    if dtype != torch.bool:
        sp = _special(dtype, device)
        out.append(Sample((sp, m(sp.shape, seed=1)), desc="special"))
    return out


# ---------------------------------------------------------------- isclose, allclose, isin


def isclose_samples(device, dtype, large):
    """Values equal, clearly close, or clearly apart at the given tolerances (nothing near the
    boundary, so the fp64 reference decides the same)."""
    m = _gen(dtype, device)
    a = m((6, 9))
    if dtype.is_floating_point:
        a = a + 3 * torch.sign(a)  # away from 0, so the relative tolerance dominates
        rtol = 1e-2
        k = torch.tensor([0.0, 0.25, 4.0], dtype=torch.float64, device=device)[torch.arange(54, device=device) % 3]
        b = (a.double() * (1 + k.view(6, 9) * rtol)).to(dtype)
        sp = _special(dtype, device)
        out = [
            Sample((a, b, rtol, 0.0, False), desc="rtol"),
            Sample((a, b, 0.0, 0.0, False), desc="zero-tolerances"),
            Sample((a[:, ::2], b[:, ::2], rtol, 0.5, False), desc="strided-atol"),
            Sample((sp, sp, 1e-5, 1e-8, False), desc="special"),
            Sample((sp, sp, 1e-5, 1e-8, True), desc="special-equal-nan"),
            Sample((sp, sp.flip(0), 1e-5, 1e-8, True), desc="special-mixed"),
            Sample((a, b[0], rtol, 0.0, True), desc="broadcast"),
        ]
    else:
        b = m((6, 9), seed=1)
        out = [
            Sample((a, b, 0.0, 0.0, False), desc="exact"),
            Sample((a, a, 0.0, 0.0, False), desc="equal"),
            Sample((a, b, 0.0, 2.0, False), desc="atol"),
            Sample((a.t(), b.t(), 0.5, 1.0, False), desc="transposed-rtol"),
        ]
        if dtype != torch.bool:
            sp = _special(dtype, device)
            out.append(Sample((sp, sp.flip(0), 0.0, 1.0, False), desc="extremes"))
    if _full(dtype):
        out.append(Sample((m(()), m((), seed=1), 1e-5, 1e-8, False), desc="0-d"))
    return out


def isin_samples(device, dtype, large):
    """Few test elements (each compared); past numpy's heuristic (10 * elements**0.145 test
    elements: 31 for 2310) they are sorted and searched: the "many-tests" samples, with
    duplicates, values between and beyond the tests, special values, mixed dtypes."""
    m = _gen(dtype, device)
    e = m((33, 70))
    t = torch.cat([e.flatten()[:3], m((2, ), seed=9)])
    many = torch.cat([e.flatten()[::5], m((300, ), seed=11), e.flatten()[:50]])
    out = [
        Sample((e, many, False), desc="many-tests"),
        Sample((e.t(), many.view(-1, 2), True), desc="many-tests-2d-invert"),
        Sample((m((6, 40), noncontig=True), many[::3], False), desc="many-tests-strided"),
        Sample((e, t, False), desc="2d"),
        Sample((e.t(), t.view(5, 1), True), desc="transposed-invert"),
        Sample((m((37, )), t[:1], False), desc="one-test-element"),
        Sample((m((0, )), t, False), desc="empty"),
        Sample((m(()), t, False), desc="0-d"),
        Sample((m((6, 40), noncontig=True), t[::2], False), desc="strided-elements-and-test"),
        Sample((e, t[:0], True), desc="no-test-elements"),
    ]
    if _full(dtype):
        out.append(Sample((m((37, )), m((3, ), seed=4).to(torch.float32), False), desc="mixed-dtypes"))
        out.append(Sample((m((37, )), m((100, ), seed=4).to(torch.float32), False), desc="many-tests-mixed-dtypes"))
    if dtype.is_floating_point:
        sp = _special(dtype, device)
        out.append(Sample((sp, sp[2:6], False), desc="special"))  # NaN is never in
        out.append(Sample((torch.cat([sp, m((50, ), seed=5)]), torch.cat([sp[2:6], m((40, ), seed=6), sp[:2]]), False),
                          desc="many-tests-special"))
    if large:
        out.append(Sample((m((1 << 20, )), t, False), desc="1M"))
    return out


def isin_scalar_samples(device, dtype, large):
    """One test element (Tensor_Scalar) or one element (Scalar_Tensor)."""
    m = _gen(dtype, device)
    e = m((33, 70))
    s = e.flatten()[5].item()
    return [
        Sample((e, s, False), desc="tensor-scalar"),
        Sample((e.t(), s, True), desc="tensor-scalar-invert"),
        Sample((e, 2.5, False), desc="tensor-float-scalar"),
        Sample((s, e.flatten()[:6], False), desc="scalar-tensor"),
        Sample((1000, e.flatten()[:6], True), desc="scalar-tensor-invert"),
    ]


# ---------------------------------------------------------------- copies and fills

COPY_DTYPES = [torch.float32, torch.float16, torch.bfloat16, torch.float64, torch.int8, torch.uint8, torch.int32,
               torch.int64, torch.bool]


def _copy_src(dtype, device, shape, seed=1):
    """Values every destination dtype represents: small integers, halves, and a few signs."""
    if dtype == torch.bool:
        return make(shape, dtype, device, seed=seed)
    base = make(shape, torch.int64, device, seed=seed).clamp(0, 20)
    if dtype.is_floating_point:
        return (base.double() * 0.5 - 2).to(dtype)
    return base.to(dtype)


def copy_samples(device, dtype, large):
    """dst.copy_(src), dst of `dtype`, src of every dtype; layouts; broadcast src."""
    m = _gen(dtype, device)
    out = [Sample((m((5, 7)), _copy_src(src, device, (5, 7))), desc=f"from-{src}") for src in COPY_DTYPES]
    s = _copy_src(torch.float32 if dtype != torch.float32 else torch.int32, device, (20, 17))
    out += [
        Sample((m((17, 20)), s.t()), desc="transposed-src"),
        Sample((m((20, 17)).t(), s.t()), desc="transposed-both"),
        Sample((m((4, 9)), _copy_src(torch.int64, device, (9, ))), desc="broadcast-src"),
        Sample((m((4, 9)), _copy_src(torch.float64, device, ())), desc="0-d-src"),
        Sample((m((4, 9)), _copy_src(torch.float64, device, ()).cpu()), desc="cpu-0d-src"),
        Sample((m((6, 20)), _copy_src(torch.int32, device, (6, 40))[:, ::2]), desc="strided-src"),
        Sample((m((2, 3, 4, 5)), _copy_src(torch.int8, device, (5, 3, 2, 4)).permute(2, 1, 3, 0)),
               desc="permuted-4d-src"),
        Sample((m((0, 3)), _copy_src(torch.int32, device, (3, ))), desc="empty"),
        Sample((m((3, 4)), _copy_src(torch.int32, device, (4, 4))), desc="bad-broadcast"),  # raises
    ]
    if dtype.is_floating_point:
        out.append(Sample((m((8, )), _special(torch.float64, device)), desc="special-from-f64"))
        out.append(Sample((m((8, )), _special(torch.float32, device)), desc="special-from-f32"))
    else:
        out.append(Sample((m((5, )), _special(dtype, device)), desc="extremes"))
    if dtype == torch.uint8:
        out.append(Sample((m((4, )), torch.tensor([-3.7, -1.0, 250.5, 3.2], device=device)),
                          desc="negative-floats-wrap"))
    if large:
        out.append(Sample((m((1 << 20, )), _copy_src(torch.float32, device, (1 << 20, ))), desc="1M"))
    return out


def to_samples(device, dtype, large):
    """x.to(other dtype) (_to_copy); to its own dtype is a no-op and not a sample."""
    m = _gen(dtype, device)
    x = m((5, 7)) if dtype != torch.uint8 else m((5, 7)).abs()
    out = [Sample((x, target), desc=f"to-{target}") for target in COPY_DTYPES if target != dtype]
    other = torch.float64 if dtype != torch.float64 else torch.float32
    out += [
        Sample((m((20, 17)).t(), other), desc="transposed"),
        Sample((m((6, 40), noncontig=True), other), desc="strided"),
        Sample((m((3, 1, 5)).expand(3, 4, 5), other), desc="expanded"),
        Sample((m(()), other), desc="0-d"),
        Sample((m((0, 4)), other), desc="empty"),
    ]
    if large:
        out.append(Sample((m((1 << 20, )), other), desc="1M"))
    return out


def clone_samples(device, dtype, large):
    m = _gen(dtype, device)
    out = [Sample((f(0), torch.preserve_format), desc=d) for d, f in _layouts(m, True)]
    out += [
        Sample((m((3, 1, 5)).expand(3, 4, 5), torch.preserve_format), desc="expanded"),
        Sample((m((2, 3, 4, 5)), torch.channels_last), desc="to-channels-last"),
        Sample((m((2, 3, 4, 5)).to(memory_format=torch.channels_last), torch.contiguous_format),
               desc="from-channels-last"),
        Sample((_special(dtype, device), torch.preserve_format), desc="special"),
    ]
    if large:
        out.append(Sample((m((4096, 4097)).t(), torch.preserve_format), desc="4096x4097-transposed"))
    return out


def contiguous_samples(device, dtype, large):
    """x.transpose(0, -1).contiguous(): the view is made inside the call, since the harness's
    clone of an input keeps only dense layouts (a contiguous input is returned as it is)."""
    m = _gen(dtype, device)
    out = [
        Sample((m((20, 17)), ), desc="transposed"),
        Sample((m((6, 40), noncontig=True), ), desc="transposed-strided"),
        Sample((m((2, 3, 4, 5)).permute(3, 1, 0, 2), ), desc="permuted-4d"),
    ]
    if large:
        out.append(Sample((m((4096, 4097)), ), desc="4096x4097-transposed"))
    return out


def _fill_values(dtype):
    """Python scalars of each type, extremes, and 0-d tensors (same device and CPU)."""
    vals = [3, -2, 2.75, True, False]
    if dtype.is_floating_point:
        vals += [NAN, -INF, 1e-30, -0.0]
    elif dtype != torch.bool:
        info = torch.iinfo(dtype)
        vals += [info.min, info.max]
        vals += [info.max + 1]  # raises (overflow), as torch does
    return vals


def fill_samples(device, dtype, large):
    m = _gen(dtype, device)
    out = [Sample((m((5, 7)), v), desc=f"value={v}") for v in _fill_values(dtype)]
    tv = _copy_src(torch.float64, device, ()) + 0.25
    out += [
        Sample((m((5, 7)), tv), desc="0-d-f64-tensor"),
        Sample((m((5, 7)), torch.tensor(7, device=device)), desc="0-d-int-tensor"),
        Sample((m((5, 7)), tv.cpu()), desc="cpu-0d-tensor"),
        Sample((m((20, 17)).t(), 1), desc="transposed"),
        Sample((m(()), 1), desc="0-d"),
        Sample((m((0, 3)), 1), desc="empty"),
        Sample((m((5, 7)), torch.ones(2, device=device)), desc="1-d-value"),  # raises
    ]
    if large:
        out.append(Sample((m((1 << 20, )), 1), desc="1M"))
    return out


def zero_samples(device, dtype, large):
    m = _gen(dtype, device)
    return [Sample((f(0), ), desc=d) for d, f in _layouts(m, _full(dtype))]


def _to_tensor(fn):
    """allclose returns a Python bool: as a tensor for the comparison."""
    return lambda *a, **kw: torch.tensor(fn(*a, **kw))


def _first(seq):
    return seq[:1] + [t for t in seq[1:] if t != seq[0]]


OPS = [
    OpSpec("where", torch.where, where_samples, _first([torch.float32] + ALL), ["where.self"]),
    OpSpec("where_scalar", torch.where, where_scalar_samples, [torch.float32, torch.int64, torch.float16,
                                                               torch.bool, torch.uint8], ["where.self"], out=False),
    OpSpec("masked_fill", torch.masked_fill, masked_fill_samples, _first([torch.float32] + ALL),
           ["masked_fill.Scalar", "masked_fill_.Scalar"], inplace=torch.Tensor.masked_fill_, out=False),
    OpSpec("clamp", torch.clamp, clamp_samples, _first([torch.float32] + NUMERIC), ["clamp", "clamp_"],
           inplace=torch.Tensor.clamp_),
    # bool self: integer bounds promote to int64, so in place always raises
    OpSpec("clamp_bool", torch.clamp, clamp_samples, [torch.bool], ["clamp"], inplace=torch.Tensor.clamp_),
    OpSpec("clamp_min", torch.clamp_min, clamp_min_samples, _first([torch.float32] + NUMERIC),
           ["clamp_min", "clamp_min_"], inplace=torch.Tensor.clamp_min_),
    OpSpec("clamp_max", torch.clamp_max, clamp_max_samples, _first([torch.float32] + NUMERIC),
           ["clamp_max", "clamp_max_"], inplace=torch.Tensor.clamp_max_),
    OpSpec("clamp_tensor", torch.clamp, clamp_tensor_samples, _first([torch.float32] + NUMERIC),
           ["clamp.Tensor", "clamp_.Tensor"], inplace=torch.Tensor.clamp_),
    OpSpec("clamp_min_tensor", torch.clamp_min, clamp_bound_tensor_samples, _first([torch.float32] + ALL),
           ["clamp_min.Tensor", "clamp_min_.Tensor"], inplace=torch.Tensor.clamp_min_),
    OpSpec("clamp_max_tensor", torch.clamp_max, clamp_bound_tensor_samples, _first([torch.float32] + ALL),
           ["clamp_max.Tensor", "clamp_max_.Tensor"], inplace=torch.Tensor.clamp_max_),
    OpSpec("lerp", torch.lerp, lerp_samples, REALS, ["lerp.Scalar", "lerp_.Scalar"], inplace=torch.Tensor.lerp_),
    OpSpec("lerp_tensor", torch.lerp, lerp_tensor_samples, REALS, ["lerp.Tensor", "lerp_.Tensor"],
           inplace=torch.Tensor.lerp_),
    OpSpec("addcmul", lambda a, b, c, **kw: torch.addcmul(a, b, c, value=-1.5 if a.is_floating_point() else 3, **kw),
           addc_samples(), _first([torch.float32] + NUMERIC), ["addcmul", "addcmul_"],
           inplace=lambda a, b, c: a.addcmul_(b, c, value=-1.5 if a.is_floating_point() else 3)),
    OpSpec("addcdiv", lambda a, b, c, **kw: torch.addcdiv(a, b, c, value=0.75, **kw), addc_samples(divisor=True),
           REALS, ["addcdiv", "addcdiv_"], inplace=lambda a, b, c: a.addcdiv_(b, c, value=0.75)),
    OpSpec("heaviside", torch.heaviside, heaviside_samples, _first([torch.float32] + ALL),
           ["heaviside", "heaviside_"], inplace=torch.Tensor.heaviside_),
    OpSpec("isclose", lambda a, b, rtol, atol, equal_nan: torch.isclose(a, b, rtol, atol, equal_nan),
           isclose_samples, _first([torch.float32] + ALL), ["isclose"], out=False),
    OpSpec("allclose", _to_tensor(lambda a, b, rtol, atol, equal_nan: torch.allclose(a, b, rtol, atol, equal_nan)),
           isclose_samples, [torch.float32, torch.float16, torch.int64, torch.bool], ["allclose"], out=False),
    OpSpec("isin", lambda e, t, invert, **kw: torch.isin(e, t, invert=invert, **kw), isin_samples,
           _first([torch.float32] + NUMERIC), ["isin.Tensor_Tensor"]),
    OpSpec("isin_scalar", lambda e, t, invert, **kw: torch.isin(e, t, invert=invert, **kw), isin_scalar_samples,
           [torch.float32, torch.int64, torch.float16, torch.int8], ["isin.Tensor_Scalar", "isin.Scalar_Tensor"]),
    OpSpec("copy_", lambda dst, src: dst.copy_(src), copy_samples, COPY_DTYPES, ["copy_"], out=False),
    OpSpec("to", lambda x, dtype: x.to(dtype), to_samples, COPY_DTYPES, ["_to_copy"], out=False),
    OpSpec("clone", lambda x, memory_format: torch.clone(x, memory_format=memory_format), clone_samples,
           COPY_DTYPES, ["clone"], out=False),
    OpSpec("contiguous", lambda x: x.transpose(0, -1).contiguous(), contiguous_samples,
           [torch.float32, torch.bfloat16, torch.bool], ["clone"], out=False),
    OpSpec("fill_", lambda x, v: x.fill_(v), fill_samples, COPY_DTYPES, ["fill_.Scalar", "fill_.Tensor"],
           out=False),
    OpSpec("zero_", lambda x: x.zero_(), zero_samples, COPY_DTYPES, ["zero_"], out=False),
]

