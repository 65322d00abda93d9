"""Op table entries for csrc/ops/pointwise/unary_math.cpp (Unary math: exp2 ... resolve_conj (issue 3)).

resolve_neg and resolve_conj never reach a kernel (tests/test_unary_math.py checks them); square
is ATen's pow(self, 2) and runs as the binary family's pow.Tensor_Scalar.
"""
import math

import torch

from op_db import ALL, FLOATS, INTS, OpSpec, Sample, make, unary_layouts

FLOAT_DTYPES = FLOATS + [torch.float64]
# Integer and bool inputs of the float ops only get promoted: two of them cover that.
PROMOTED = FLOAT_DTYPES + [torch.int32, torch.bool]
INF, NAN = math.inf, math.nan
SPECIAL = [0.0, -0.0, INF, -INF, NAN, 1e-30, -3.5, 2.25]


def _values(shape, dtype, device, domain, noncontig=False):
    """make()'s values, floats mapped into an op's domain first (so layouts stay as made)."""
    full = tuple(shape[:-1]) + (shape[-1] * 2, ) if noncontig and len(shape) else tuple(shape)
    if dtype.is_floating_point and domain is not None:
        t = domain(make(full, torch.float64, "cpu")).to(dtype)
    else:
        t = make(full, dtype, "cpu")
    t = t.to(device)
    return t[..., ::2] if noncontig and len(shape) else t


def _in_range(fn, x):
    """The values of x whose fp64 result is representable in x's dtype (a result that overflows
    only in the narrower dtype is inf there but finite in the fp64 reference)."""
    if fn is None:
        return x
    r = fn(x.cpu().double())
    return x[~(r.isfinite() & (r.abs() > torch.finfo(x.dtype).max)).to(x.device)]


def samples(domain=None, special=(), fn=None):
    """unary_samples' shapes and layouts with values in `domain` (a map of standard normal fp64
    values), the usual special values plus `special` (those where `fn` stays in range), and
    integer extremes."""

    def gen(device, dtype, large):
        out = unary_layouts(lambda shape, **kw: _values(shape, dtype, device, domain, **kw), large)
        if dtype.is_floating_point:
            x = torch.tensor(SPECIAL + list(special), dtype=dtype, device=device)
            out.append(Sample((_in_range(fn, x), ), desc="special"))
        elif dtype != torch.bool:
            info = torch.iinfo(dtype)
            out.append(Sample((torch.tensor([info.min, info.max, 0, 1, info.max - 1], dtype=dtype, device=device), ),
                              desc="int-extremes"))
        return out

    return gen


def unit(x):
    return torch.tanh(x)  # (-1, 1)


def above_one(x):
    return 1 + x.abs() * 3


def above_minus_one(x):
    return torch.exp(x) - 1


def positive(x):
    return x.abs() * 2 + 0.01


def wide(x):
    return x * 10


TINY = [1e-8, -1e-8, 1e-20, 3e-4, -3e-4]
HUGE = [1e10, -1e10, 1e30, 3e38]


def unary(name, domain=None, special=(), dtypes=PROMOTED, rtol_scale=4, **kw):
    fn = getattr(torch, name)
    return OpSpec(name, fn, samples(domain, special, fn), dtypes, [name], inplace=getattr(torch.Tensor, name + "_"),
                  rtol_scale=rtol_scale, **kw)


def aten_out(name):
    """torch.<name>, whose out= form exists in aten only."""
    functional, out = getattr(torch, name), getattr(torch.ops.aten, name).out
    return lambda x, **kw: out(x, **kw) if kw else functional(x)


OPS = [
    # exponentials and logarithms
    unary("exp2", None, [127.5, -149.0, 128.5, 0.5, 15.9, 16.5, -24.5]),
    unary("expm1", None, TINY + [0.49, -0.51, 88.5, 89.0, -20.0, 30.0, 11.0]),
    unary("log1p", above_minus_one, TINY + [-1.0, -0.999, -1.5, 1e30, 3e38]),
    unary("log2", positive, [1.0, 2.0, 0.5, 1024.0, 1e-30, 1e30, -1.0], positive=True),
    unary("log10", positive, [1.0, 10.0, 1000.0, 1e-30, 1e30, -1.0], positive=True),
    # no subnormal inputs: the interpreter's bf16 -> fp32 conversion mishandles them
    unary("reciprocal", None, [2e-38, 3e38, 0.1, 3.0], rtol_scale=1),
    # trigonometric and hyperbolic
    unary("sin", wide, TINY + HUGE + [math.pi, 1e5]),
    unary("cos", wide, TINY + HUGE + [math.pi / 2, 1e5]),
    unary("tan", wide, TINY + HUGE + [1.5707963, -1.5707, 1e5]),
    unary("asin", unit, TINY + [1.0, -1.0, 0.9999, -0.99, 1.0001, -2.0, 0.5]),
    unary("acos", unit, TINY + [1.0, -1.0, 0.9999, -0.9999, 1.0001, -2.0, 0.5]),
    unary("atan", wide, TINY + HUGE + [1.0, -1.0, 0.27, 0.28]),
    unary("sinh", None, TINY + [11.5, -10.5, 20.5, -19.5, 88.5, -89.0, 89.5, 100.0]),
    unary("cosh", None, TINY + [11.5, -10.5, 20.5, -19.5, 88.5, -89.0, 89.5, 100.0]),
    unary("tanh", wide, TINY + [0.55, -0.6, 9.0, -20.0, 100.0]),
    unary("asinh", wide, TINY + HUGE + [3e8, -2.7e8]),
    unary("acosh", above_one, [1.0, 1.0001, 1.5, 2.7e8, 3e8, 1e30, 3e38, 0.999, -1.0]),
    unary("atanh", unit, TINY + [1.0, -1.0, 0.9999, -0.5, 1.0001, -2.0]),
    # error function
    unary("erf", wide, TINY + [0.5, -0.5, 4.0, -6.0, 30.0]),
    unary("erfc", wide, TINY + [0.49, 0.5, 0.51, 4.0, 9.0, 10.5, 27.0, 30.0, -6.0]),
    unary("erfinv", unit, TINY + [1.0, -1.0, 0.5, -0.5, 0.51, 0.9999999, -0.99999, 1.5, -2.0]),
    # sign and rounding (exact: tolerance 0)
    unary("sign", None, [], dtypes=ALL, rtol_scale=1),
    unary("floor", wide, [0.5, -0.5, 2.5, -2.5, 1e10, -1e30], dtypes=FLOAT_DTYPES + INTS, rtol_scale=1),
    unary("ceil", wide, [0.5, -0.5, 2.5, -2.5, 1e10, -1e30], dtypes=FLOAT_DTYPES + INTS, rtol_scale=1),
    unary("trunc", wide, [0.5, -0.5, 2.5, -2.5, 1e10, -1e30], dtypes=FLOAT_DTYPES + INTS, rtol_scale=1),
    unary("round", wide, [0.5, -0.5, 1.5, 2.5, -2.5, 0.49999997, 8388607.5, 4503599627370495.5, 1e30],
          dtypes=FLOAT_DTYPES + INTS, rtol_scale=1),
    unary("frac", wide, [0.5, -0.5, -2.0, 1e10, -1e30, 8388607.5], dtypes=FLOAT_DTYPES, rtol_scale=1),
    OpSpec("round_decimals_2", lambda x, **kw: torch.round(x, decimals=2, **kw), samples(None, [0.125, 0.135, -2.675]),
           FLOAT_DTYPES, ["round.decimals"], inplace=lambda x: x.round_(decimals=2), reference_on_device=True),
    OpSpec("round_decimals_neg", lambda x, **kw: torch.round(x, decimals=-1, **kw),
           samples(lambda x: x * 100, [25.0, 35.0, -15.0, 1e30]), FLOAT_DTYPES, ["round.decimals"],
           inplace=lambda x: x.round_(decimals=-1), reference_on_device=True),
    OpSpec("round_decimals_0", lambda x, **kw: torch.round(x, decimals=0, **kw), samples(wide, [0.5, 1.5, -2.5]),
           FLOAT_DTYPES, ["round.decimals"], inplace=lambda x: x.round_(decimals=0)),
    OpSpec("angle", torch.angle, samples(), PROMOTED + [torch.int8], ["angle"]),
    # classification: bool results
    OpSpec("isnan", aten_out("isnan"), samples(), ALL, ["isnan"]),
    OpSpec("isinf", aten_out("isinf"), samples(), ALL, ["isinf"]),
    OpSpec("isfinite", torch.isfinite, samples(), ALL, ["isfinite"], out=False),
    OpSpec("isposinf", torch.isposinf, samples(), ALL, ["isposinf"]),
    OpSpec("isneginf", torch.isneginf, samples(), ALL, ["isneginf"]),
    # explicit replacements here; the dtype-dependent defaults are checked in test_unary_math.py
    OpSpec("nan_to_num", lambda x, **kw: torch.nan_to_num(x, nan=0.5, posinf=1e4, neginf=-2e4, **kw), samples(),
           ALL, ["nan_to_num"], inplace=lambda x: x.nan_to_num_(nan=0.5, posinf=1e4, neginf=-2e4)),
    OpSpec("nan_to_num_default", torch.nan_to_num, samples(), [torch.float64, torch.int16, torch.bool],
           ["nan_to_num"], inplace=torch.Tensor.nan_to_num_),
    # bitwise and logical
    OpSpec("bitwise_not", torch.bitwise_not, samples(), INTS + [torch.int16, torch.bool], ["bitwise_not"],
           inplace=torch.Tensor.bitwise_not_),
    OpSpec("logical_not", torch.logical_not, samples(), ALL, ["logical_not"], inplace=torch.Tensor.logical_not_),
]
