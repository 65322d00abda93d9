"""Op table entries for csrc/ops/pointwise/binary.cpp (binary ops: arithmetic, comparisons,
bitwise and logical; issue 3).

Samples: the shared layouts (op_db.binary_samples) for the main dtypes, fewer for the others,
plus Python scalars of each type, mixed-dtype pairs, special float values (every pair of
+-0, +-1, +-inf, NaN, ...) and integer extremes (every pair of iinfo.min ... iinfo.max).
"""
import torch

from op_db import ALL, FLOATS, INTS, OpSpec, Sample, make

FLOATS64 = FLOATS + [torch.float64]
REAL = FLOATS64 + INTS  # no bool
INTS_BOOL = INTS + [torch.bool]
# Dtypes that get every layout of binary_samples; the others a few (same forms, less time).
MAIN = (torch.float32, torch.int32)
# Another dtype for each: mixed-dtype promotion in both operand orders.
MIXED = {
    torch.float32: [torch.float64, torch.int64], torch.float16: [torch.int32, torch.bfloat16],
    torch.bfloat16: [torch.float16], torch.float64: [torch.float32], torch.int32: [torch.float16, torch.bool],
    torch.int64: [torch.int32], torch.int8: [torch.uint8], torch.uint8: [torch.int8], torch.bool: [torch.uint8],
}
# ... for integer-only ops
MIXED_INT = {torch.int32: [torch.int64, torch.bool], torch.int64: [torch.int32], torch.int8: [torch.uint8],
             torch.uint8: [torch.int8], torch.bool: [torch.uint8]}
NAN, INF = float("nan"), float("inf")
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -2.5, 3.0, 1e-3, 7.25e3, INF, -INF, NAN]
# ... whose powers stay finite in fp16 (the reference is not rounded to the result type)
POW_SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -2.5, 3.0, 0.3, INF, -INF, NAN]


def _pairs(values, dtype, device, keep=lambda a, b: True):
    """Every (a, b) of values, as two 1-d tensors."""
    ab = [(a, b) for a in values for b in values if keep(a, b)]
    return (torch.tensor([a for a, _ in ab], dtype=dtype, device=device),
            torch.tensor([b for _, b in ab], dtype=dtype, device=device))


def _extremes(dtype):
    info = torch.iinfo(dtype)
    values = {info.min, info.min + 1, -2, -1, 0, 1, 2, 7, info.max - 1, info.max}
    return sorted(v for v in values if info.min <= v <= info.max)


def samples(lhs=None, rhs=None, scalars=(True, -3, 2.5), int_division=False, mixed=MIXED, special=SPECIAL):
    """lhs/rhs(device, dtype, shape, seed) make operands with an op's domain (default: op_db.make;
    integer divisors avoid 0). scalars: Python scalars as the second operand (for ops with Scalar
    overloads). int_division: integer extremes without zero divisors (ATen's CPU kernel raises).
    MAIN dtypes get every layout, scalar and mixed pair; the others one of each kind."""
    def gen(device, dtype, large):
        a = lhs or (lambda dev, dt, shape, seed=0, **kw: make(shape, dt, dev, seed=seed, **kw))
        b = rhs or (lambda dev, dt, shape, seed=1, **kw: make(shape, dt, dev, seed=seed, nonzero=True, **kw))
        full = dtype in MAIN
        if full:
            out = _layouts(a, b, device, dtype, large)
        else:
            out = [Sample((a(device, dtype, (4, 1)), b(device, dtype, (1, 7))), desc="broadcast-both"),
                   Sample((a(device, dtype, (9, 13)).t(), b(device, dtype, ()).cpu()), desc="cpu-0d-tensor")]
        # Python scalars: each type with the main dtypes, one (varying by dtype) with the others
        chosen = scalars if full else scalars[ALL.index(dtype) % max(len(scalars), 1):][:1]
        for sc in chosen:
            out.append(Sample((a(device, dtype, (4, 6)), sc), desc=f"python-{type(sc).__name__}-scalar"))
        for other in mixed.get(dtype, [])[:None if full else 1]:
            out.append(Sample((a(device, dtype, (4, 5)), b(device, other, (5, ))), desc=f"mixed-{other}"))
            if full:
                out.append(Sample((a(device, other, (5, )), b(device, dtype, (4, 5))), desc=f"{other}-mixed"))
        if dtype.is_floating_point:
            out.append(Sample(_pairs(special, dtype, device), desc="special"))
        elif dtype != torch.bool:
            keep = (lambda x, y: y != 0) if int_division else (lambda x, y: True)
            out.append(Sample(_pairs(_extremes(dtype), dtype, device, keep), desc="extremes"))
        return out

    return gen


def _layouts(a, b, device, dtype, large):
    """op_db.binary_samples' layouts with this op's operands (rank 7 kept small: its broadcasts
    don't coalesce, so it exceeds the kernels' 6 dims and goes to ATen)."""
    out = [
        Sample((a(device, dtype, ()), b(device, dtype, ())), desc="0-d"),
        Sample((a(device, dtype, (0, )), b(device, dtype, (0, ))), desc="empty"),
        Sample((a(device, dtype, (37, )), b(device, dtype, (37, ))), desc="odd"),
        Sample((a(device, dtype, (33, 70)), b(device, dtype, (70, ))), desc="broadcast-row"),
        Sample((a(device, dtype, (5, 1, 7)), b(device, dtype, (3, 1))), desc="broadcast-both"),
        Sample((a(device, dtype, (20, 17)).t(), b(device, dtype, (17, 20))), desc="transposed"),
        Sample((a(device, dtype, (6, 40), noncontig=True), b(device, dtype, (6, 40), noncontig=True)), desc="strided"),
        Sample((a(device, dtype, (9, 13)), b(device, dtype, ())), desc="0-d-rhs"),
        Sample((a(device, dtype, (2, 0, 3)), b(device, dtype, (1, 3))), desc="empty-broadcast"),
        Sample((a(device, dtype, (2, 1, 2, 1, 2, 1, 3)), b(device, dtype, (2, 1, 2, 1, 2, 1))), desc="rank-7"),
        Sample((a(device, dtype, (11, 6)), b(device, dtype, ()).cpu()), desc="cpu-0d-tensor"),
        Sample((a(device, dtype, ()).cpu(), b(device, dtype, (11, 6))), desc="cpu-0d-lhs"),
    ]
    if large:
        out += [Sample((a(device, dtype, (1 << 20, )), b(device, dtype, (1 << 20, ))), desc="1M"),
                Sample((a(device, dtype, (512, 4096)), b(device, dtype, (4096, ))), desc="512x4096-broadcast"),
                Sample((a(device, dtype, (1024, 1024)).t(), b(device, dtype, (1024, 1024))), desc="1024-transposed")]
    return out


def _positive(device, dtype, shape, seed=0, **kw):
    return make(shape, dtype, device, positive=True, seed=seed, **kw)


def _small_ints(lo, hi):
    """Integer operands in [lo, hi) (exponents, shift amounts); floats as op_db.make."""
    def gen(device, dtype, shape, seed=1, noncontig=False, **kw):
        if dtype.is_floating_point or dtype == torch.bool:
            return make(shape, dtype, device, seed=seed, noncontig=noncontig)
        g = torch.Generator().manual_seed(seed * 31 + len(shape))
        full = tuple(shape[:-1]) + (shape[-1] * 2, ) if noncontig and len(shape) else tuple(shape)
        t = torch.randint(max(lo, torch.iinfo(dtype).min), hi, full, generator=g).to(dtype)
        return (t[..., ::2] if noncontig and len(shape) else t).to(device)
    return gen


def _pow_base(device, dtype, shape, seed=0, **kw):
    """Positive float bases (a negative base with a fractional exponent is NaN: see pow_special);
    small integers, so that powers don't all wrap."""
    if dtype.is_floating_point:
        return make(shape, dtype, device, positive=True, seed=seed, **kw)
    return _small_ints(-5, 6)(device, dtype, shape, seed=seed, **kw)


def pow_scalar_samples(device, dtype, large):
    """Tensor ** Python scalar: every exponent ATen specializes (0, 1, 2, 3, -2, 0.5, -0.5, -1),
    general ones, bool/int/float exponents (negative integers raise with integer tensors); the
    main dtypes get all of them."""
    x = _pow_base(device, dtype, (7, 9))
    exps = [0, 1, 2, 3, -2, 0.5, -0.5, -1, -1.0, 2.0, 0.0, 1.0, 2.5, -1.75, 1 / 3, 7, True, False]
    if dtype not in MAIN:
        exps = [0, 3, 0.5, -1, 2.5, True]
    out = [Sample((x, e), desc=f"exp-{e!r}") for e in exps]
    out.append(Sample((make((5, 8), dtype, device, noncontig=True).t(), 3), desc="strided"))
    if dtype.is_floating_point:
        special = torch.tensor(POW_SPECIAL, dtype=dtype, device=device)
        sexps = (0, 1, 2, 3, -2, 0.5, -0.5, -1, 2.5, -3, -INF, NAN) if dtype in MAIN else (0.5, -0.5, 2.5)
        out += [Sample((special, e), desc=f"special-exp-{e!r}") for e in sexps]
    return out


def pow_base_samples(device, dtype, large):
    """Python scalar ** tensor (base 1 gives ones whatever the exponent)."""
    e = _small_ints(0, 9)(device, dtype, (6, 7))
    out = [Sample((b, e), desc=f"base-{b!r}") for b in (2, -3, 2.5, 1, 1.0, 0, True)]
    out.append(Sample((2, e.t()), desc="transposed"))
    if dtype.is_floating_point:
        out.append(Sample((1, torch.tensor(POW_SPECIAL, dtype=dtype, device=device)), desc="one-special"))
        out.append(Sample((-2.0, torch.tensor(POW_SPECIAL, dtype=dtype, device=device)), desc="neg-special"))
    return out


def pow_special(device, dtype, large):
    """Negative bases with integral exponents (signs), special pairs, integer negative exponents."""
    if dtype.is_floating_point:
        base = torch.tensor([-2.0, -2.0, -0.5, -3.0, -1.0, -1.0, -0.0, -0.0], dtype=dtype, device=device)
        exp = torch.tensor([3.0, 2.0, -3.0, 0.5, INF, -INF, -1.0, 3.0], dtype=dtype, device=device)
        return [Sample((base, exp), desc="negative-base"), Sample(_pairs(POW_SPECIAL, dtype, device), desc="special")]
    lo = -2 if dtype != torch.uint8 else 0
    base = torch.tensor([v for v in range(lo, 4) for _ in range(-3, 4)], dtype=dtype, device=device)
    exp = torch.tensor([e if dtype != torch.uint8 else e + 3 for _ in range(lo, 4) for e in range(-3, 4)],
                       dtype=dtype, device=device)
    return [Sample((base, exp), desc="small"), Sample(_pairs(_extremes(dtype), dtype, device), desc="extremes")]


def large_quotients(device, dtype, large):
    """fmod/remainder with quotients far beyond 2**24 (and 2**53): exact long division."""
    if dtype == torch.float16:
        x, y = [6.0e4, -6.5e4, 3.0e4, 1.0], [1e-4, 3e-7, -6e-8, 3.0]
    elif dtype == torch.bfloat16:
        x, y = [1e30, -3e38, 7.5e20, 1e10], [3.0, 1e-30, -0.1, 7e-37]
    elif dtype == torch.float32:
        x, y = [1e30, -3e38, 7.5e20, 1e10, 1e-40, 3e38], [3.0, 1e-30, -0.1, 1e-45, 3e-45, 1.1]
    else:
        x, y = [1e300, -1e308, 1e200, 7.0, 5e-310, 1e-300], [3.0, 1e-300, -0.1, 5e-324, 3e-322, 7e-310]
    return [Sample((torch.tensor(x, dtype=dtype, device=device), torch.tensor(y, dtype=dtype, device=device)),
                   desc="large-quotients")]


def shift_samples(lo, hi):
    def gen(device, dtype, large):
        out = samples(rhs=_small_ints(lo, hi), scalars=(True, 3, -1, 70), mixed=MIXED_INT)(device, dtype, large)
        bits = torch.iinfo(dtype).bits
        amounts = [a for a in (-70, -1, 0, 1, bits - 2, bits - 1, bits, bits + 1, 100)
                   if dtype != torch.uint8 or a >= 0]
        x = torch.tensor(_extremes(dtype), dtype=dtype, device=device)
        a = x.repeat_interleave(len(amounts))
        s = torch.tensor(amounts, dtype=dtype, device=device).repeat(len(x))
        out.append(Sample((a, s), desc="amounts"))
        return out
    return gen


def comparison_samples(device, dtype, large):
    """Plus operands with equal elements, so that eq/le/ge see ties."""
    out = samples()(device, dtype, large)
    a = make((8, 9), dtype, device)
    b = a.clone()
    b[::2] = make((4, 9), dtype, device, seed=5)
    out.append(Sample((a, b), desc="ties"))
    return out


def _scalar_tensor(packet):
    """The Scalar_Tensor overloads, which Python reaches without out= only."""
    return lambda s, t, out=None: packet.Scalar_Tensor(s, t) if out is None else packet.Scalar_Tensor_out(s, t, out=out)


OPS = [
    # division family: integer divisors avoid 0 (CPU raises: tested in test_binary.py)
    OpSpec("floor_divide", torch.floor_divide, samples(int_division=True), REAL, ["floor_divide"],
           inplace=torch.Tensor.floor_divide_, opmath_reference=True),
    OpSpec("remainder", torch.remainder, samples(int_division=True), REAL, ["remainder.Tensor"],
           inplace=torch.Tensor.remainder_),
    OpSpec("remainder_large_quotients", torch.remainder, large_quotients, FLOATS64, ["remainder.Tensor"],
           inplace=torch.Tensor.remainder_),
    OpSpec("fmod", torch.fmod, samples(int_division=True), REAL, ["fmod.Tensor"], inplace=torch.Tensor.fmod_),
    OpSpec("fmod_large_quotients", torch.fmod, large_quotients, FLOATS64, ["fmod.Tensor"], inplace=torch.Tensor.fmod_),
    # pow: all three forms
    OpSpec("pow", torch.pow, samples(lhs=_pow_base, rhs=_small_ints(-3, 9), special=POW_SPECIAL), REAL,
           ["pow.Tensor_Tensor"], inplace=torch.Tensor.pow_, rtol_scale=4),
    OpSpec("pow_special", torch.pow, pow_special, REAL, ["pow.Tensor_Tensor"], inplace=torch.Tensor.pow_,
           rtol_scale=4),
    OpSpec("pow_scalar", torch.pow, pow_scalar_samples, ALL, ["pow.Tensor_Scalar"], inplace=torch.Tensor.pow_,
           rtol_scale=4),
    OpSpec("pow_scalar_base", torch.pow, pow_base_samples, REAL, ["pow.Scalar"], rtol_scale=4),
    # min/max
    OpSpec("maximum", torch.maximum, samples(scalars=()), ALL, ["maximum"]),
    OpSpec("minimum", torch.minimum, samples(scalars=()), ALL, ["minimum"]),
    OpSpec("fmax", torch.fmax, samples(scalars=()), ALL, ["fmax"]),
    OpSpec("fmin", torch.fmin, samples(scalars=()), ALL, ["fmin"]),
    # float functions (integer and bool inputs give floats)
    OpSpec("atan2", torch.atan2, samples(scalars=()), ALL, ["atan2"], inplace=torch.Tensor.atan2_, rtol_scale=2),
    OpSpec("hypot", torch.hypot, samples(scalars=()), FLOATS64, ["hypot"], inplace=torch.Tensor.hypot_,
           rtol_scale=2),
    OpSpec("copysign", torch.copysign, samples(), ALL, ["copysign.Tensor"], inplace=torch.Tensor.copysign_),
    OpSpec("xlogy", torch.xlogy, samples(rhs=_positive), ALL, ["xlogy.Tensor"], inplace=torch.Tensor.xlogy_,
           rtol_scale=4),
    OpSpec("xlogy_scalar_self", torch.xlogy, lambda d, t, l: [Sample((s, make((5, 6), t, d, positive=True)))
                                                                for s in (0, 2, 2.5, True)],
           ALL, ["xlogy.Scalar_Self"], rtol_scale=4),
    # comparisons
    *[OpSpec(name, getattr(torch, name), comparison_samples, ALL, [f"{name}.Tensor"],
             inplace=getattr(torch.Tensor, name + "_")) for name in ("eq", "ne", "lt", "le", "gt", "ge")],
    # bitwise and shifts
    # (a float scalar raises: tested in test_binary.py, as its out= form raises a different error)
    *[OpSpec(name, getattr(torch, name), samples(scalars=(True, -3), mixed=MIXED_INT), INTS_BOOL, [f"{name}.Tensor"],
             inplace=getattr(torch.Tensor, name + "_")) for name in ("bitwise_and", "bitwise_or", "bitwise_xor")],
    OpSpec("bitwise_and_scalar_tensor", _scalar_tensor(torch.ops.aten.bitwise_and),
           lambda d, t, l: [Sample((s, make((5, 6), t, d))) for s in (5, True)], INTS_BOOL,
           ["bitwise_and.Scalar_Tensor", "bitwise_and.Scalar_Tensor_out"]),
    OpSpec("bitwise_left_shift", torch.bitwise_left_shift, shift_samples(-2, 40), INTS, ["bitwise_left_shift.Tensor"],
           inplace=torch.Tensor.bitwise_left_shift_),
    OpSpec("bitwise_right_shift", torch.bitwise_right_shift, shift_samples(-2, 40), INTS,
           ["bitwise_right_shift.Tensor"], inplace=torch.Tensor.bitwise_right_shift_),
    OpSpec("lshift_operator", lambda a, b: a << b, shift_samples(-2, 40), [torch.int32, torch.uint8],
           ["__lshift__.Tensor", "__ilshift__.Tensor"], inplace=lambda a, b: a.__ilshift__(b), out=False),
    OpSpec("rshift_operator", lambda a, b: a >> b, shift_samples(-2, 40), [torch.int64, torch.int8],
           ["__rshift__.Tensor", "__irshift__.Tensor"], inplace=lambda a, b: a.__irshift__(b), out=False),
    # logical
    *[OpSpec(name, getattr(torch, name), samples(scalars=()), ALL, [name], inplace=getattr(torch.Tensor, name + "_"))
      for name in ("logical_and", "logical_or", "logical_xor")],
    # composite aliases: they reach the kernels above (or div)
    OpSpec("true_divide", torch.true_divide, samples(scalars=(2, 0.5)), [torch.float32, torch.int32], ["div.Tensor"],
           inplace=torch.Tensor.true_divide_),
    OpSpec("arctan2", torch.arctan2, samples(scalars=()), [torch.float32], ["atan2"], inplace=torch.Tensor.arctan2_),
    OpSpec("greater_equal", torch.greater_equal, samples(scalars=(2, )), [torch.float16], ["ge.Tensor"],
           inplace=torch.Tensor.greater_equal_),
]
