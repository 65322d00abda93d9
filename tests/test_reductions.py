"""Reductions of csrc/ops/reduce.cpp (kernels/reduce.py) against fp64 references: amax/amin,
max/min (full and .dim with indices), argmax/argmin, prod, all/any, count_nonzero, var/std
(+ _mean), norm/linalg_vector_norm, logsumexp, trace (sum and mean are in op_db's table).

Reduction sizes 1, odd, prime, 2^k+-1, wide rows and tall columns (long enough to take the
split path: two launches), every dim and negative dims, dim lists, keepdim, empty reductions,
NaN propagation and tie rules (the first index of the extreme; NaN's index wins), strided and
transposed input, every dtype torch supports, and torch's errors.
"""
import math

import pytest
import torch

import gemforge
from conftest import DEVICE, LARGE, ran_gemforge, same_error
from op_db import make

# aten base names whose every registered overload this module's tests run through GemForge
# (test_ops.test_every_registered_overload_is_exercised accepts them as covered).
COVERED_OPS = {"amax", "amin", "max", "min", "argmax", "argmin", "prod", "all", "any", "count_nonzero", "var", "std",
               "var_mean", "std_mean", "norm", "linalg_vector_norm", "logsumexp", "trace"}

FLOATS = [torch.float32, torch.float16, torch.bfloat16, torch.float64]
INTS = [torch.int32, torch.int64, torch.int8, torch.uint8]
RTOL = {torch.float32: 2e-6, torch.float64: 1e-12, torch.float16: 1e-3, torch.bfloat16: 8e-3}

# (shape, dim) with dim an int, a list or None (every dim): sizes 1, odd, prime, 2^k+-1, a wide
# row and a tall column (both split), a 4-d tensor reduced over non-adjacent dims.
CASES = [((1, ), 0), ((37, ), None), ((5, 31), -1), ((31, 5), 0), ((17, 33), 1), ((3, 63), [0, 1]),
         ((4, 5, 6), [0, 2]), ((4, 5, 6), -2), ((2, 3, 4, 5), [-1, -3]), ((2, 32769), -1), ((300, 3), 0),
         ((2, 3, 4, 5), [0, 1, 2, 3])]
if LARGE:
    CASES += [((1 << 22, ), None), ((4096, 4096), -1), ((4096, 4096), 0), ((64, 8, 2048), [0, 2]),
              ((1048576, 32), 0)]


LAYOUTS = ("contiguous", "transposed", "strided")
# The long ones (split into two launches) cost most under the interpreter: a few dtypes take them.
SPLIT_DTYPES = (torch.float32, torch.int32)


def cases(dtype):
    return [(i, c) for i, c in enumerate(CASES) if dtype in SPLIT_DTYPES or math.prod(c[0]) < 20000]


def ids(d):
    return str(d).replace("torch.", "")


def data(shape, dtype, seed=0, ties=False, layout="contiguous"):
    """Random input; ties: small integers (many equal values); layout: contiguous, transposed
    (stored as the transpose of the last two dims) or strided (every other element)."""
    if layout == "transposed" and len(shape) >= 2:
        return data(shape[:-2] + (shape[-1], shape[-2]), dtype, seed, ties).transpose(-1, -2)
    if ties and dtype.is_floating_point:
        g = torch.Generator().manual_seed(seed)
        full = tuple(shape[:-1]) + (shape[-1] * 2, ) if layout == "strided" else tuple(shape)
        t = torch.randint(-3, 4, full, generator=g).to(dtype).to(DEVICE)
        return t[..., ::2] if layout == "strided" else t
    return make(shape, dtype, DEVICE, noncontig=layout == "strided", seed=seed)


def cpu(t):
    """The exact reference input: torch's CPU kernels on the same dtype (extremes, indices, bools)."""
    return t.detach().cpu()


def ref(t):
    t = t.detach().cpu()
    return t.double() if t.is_floating_point() else t


def check(got, expected, dtype=None, n=1, exact=False):
    """got (GemForge) against expected (fp64 CPU reference or an exact result)."""
    assert got.dtype == (dtype or expected.dtype), (got.dtype, dtype, expected.dtype)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    got = got.cpu()
    if exact or not got.is_floating_point():
        torch.testing.assert_close(got, expected.to(got.dtype), rtol=0, atol=0, equal_nan=True)
        return
    tol = RTOL[got.dtype] * max(1.0, math.sqrt(n) / 4)
    torch.testing.assert_close(got.double(), expected.double(), rtol=tol, atol=tol, equal_nan=True)


def dims_of(shape, dim):
    return list(range(len(shape))) if dim is None else [dim] if isinstance(dim, int) else dim


def red_size(shape, dim):
    return max(1, math.prod(shape[d] for d in dims_of(shape, dim)))


# ---------------------------------------------------------------- amax, amin, max, min, argmax, argmin

@pytest.mark.parametrize("dtype", FLOATS + INTS + [torch.bool], ids=ids)
def test_amax_amin(dtype):
    for i, (shape, dim) in cases(dtype):
        for layout in (LAYOUTS[i % 3] if math.prod(shape) < 20000 else "contiguous", ):
            x = data(shape, dtype, seed=i, ties=True, layout=layout)
            d = [] if dim is None else dim
            for keep in (i % 2 == 0, ):
                for name, fn in (("amax", torch.amax), ("amin", torch.amin)):
                    got = ran_gemforge(lambda: fn(x, d, keep), [name])
                    check(got, fn(cpu(x), d, keep), exact=True)
            out = torch.empty(0, dtype=dtype, device=DEVICE)
            ran_gemforge(lambda: torch.amax(x, d, out=out), ["amax.out"])
            check(out, torch.amax(cpu(x), d), exact=True)
            ran_gemforge(lambda: torch.amin(x, d, True, out=out), ["amin.out"])
            check(out, torch.amin(cpu(x), d, True), exact=True)


@pytest.mark.parametrize("dtype", FLOATS + [torch.int8, torch.int64, torch.bool], ids=ids)
def test_max_min_full_and_dim(dtype):
    for i, (shape, dim) in cases(dtype):
        x = data(shape, dtype, seed=i, ties=True, layout="transposed" if i % 2 and math.prod(shape) < 20000 else "contiguous")
        check(ran_gemforge(lambda: x.max(), ["max"]), cpu(x).max(), exact=True)
        check(ran_gemforge(lambda: x.min(), ["min"]), cpu(x).min(), exact=True)
        out = torch.empty(3, dtype=dtype, device=DEVICE)
        ran_gemforge(lambda: torch.max(x, out=out), ["max.unary_out"])
        check(out, cpu(x).max(), exact=True)
        ran_gemforge(lambda: torch.min(x, out=out), ["min.unary_out"])
        check(out, cpu(x).min(), exact=True)
        if not isinstance(dim, int):
            continue
        for keep in (i % 2 == 1, ):
            for name, fn in (("max", torch.max), ("min", torch.min)):
                v, idx = ran_gemforge(lambda: fn(x, dim, keep), [f"{name}.dim"])
                rv, ri = fn(cpu(x), dim, keep)
                check(v, rv, exact=True)
                check(idx, ri, exact=True)  # ties: the first index
        vals = torch.empty(0, dtype=dtype, device=DEVICE)
        # indices out= with other strides than values: computed alongside, then copied
        idx = torch.empty(0, dtype=torch.long, device=DEVICE)
        ran_gemforge(lambda: torch.max(x, dim, True, out=(vals, idx)), ["max.dim_max"])
        rv, ri = torch.max(cpu(x), dim, True)
        check(vals, rv, exact=True)
        check(idx, ri, exact=True)
        vals = torch.empty(0, dtype=dtype, device=DEVICE)
        idx_t = torch.empty(rv.shape[::-1], dtype=torch.long, device=DEVICE).transpose(0, -1) if rv.dim() > 1 else idx
        ran_gemforge(lambda: torch.min(x, dim, True, out=(vals, idx_t)), ["min.dim_min"])
        rv, ri = torch.min(cpu(x), dim, True)
        check(vals, rv, exact=True)
        check(idx_t, ri, exact=True)


@pytest.mark.parametrize("dtype", FLOATS + [torch.int64, torch.uint8], ids=ids)
def test_argmax_argmin(dtype):
    for i, (shape, dim) in cases(dtype):
        x = data(shape, dtype, seed=i, ties=True, layout="strided" if i % 2 and math.prod(shape) < 20000 else "contiguous")
        dims = [None] + ([dim] if isinstance(dim, int) else [])
        for d in dims:
            for keep in (i % 2 == 0, ):
                for name, fn in (("argmax", torch.argmax), ("argmin", torch.argmin)):
                    got = ran_gemforge(lambda: fn(x, d, keep), [name])
                    check(got, fn(cpu(x), d, keep), exact=True)
            out = torch.empty(0, dtype=torch.long, device=DEVICE)
            ran_gemforge(lambda: torch.argmax(x, d, out=out), ["argmax.out"])
            check(out, torch.argmax(cpu(x), d), exact=True)
            ran_gemforge(lambda: torch.argmin(x, d, True, out=out), ["argmin.out"])
            check(out, torch.argmin(cpu(x), d, True), exact=True)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32], ids=ids)
def test_arg_extremes_of_crafted_rows(dtype):
    """Rows reduced in one tile (_arg_tile): signed zeros as equals, negative rows, infinities,
    subnormals, the first of several NaNs (before and after the largest number), ties; first
    indices as torch, for argmax / argmin and max.dim / min.dim (values too)."""
    tiny = torch.finfo(dtype).smallest_normal / 4
    big = torch.finfo(dtype).max
    rows = [[-0.0, 0.0, -0.0], [0.0, -0.0, 0.0], [-1.0, -2.0, -0.5, -0.5], [-3.0, -3.0, -3.0],
            [-math.inf, -big, -math.inf], [math.inf, big, math.inf], [tiny, 0.0, -tiny, tiny],
            [1.0, math.nan, 2.0, math.nan], [math.nan, -math.inf, math.nan], [3.0, -4.0, math.nan, 3.0],
            [-big, big, -big, big]]
    for width in (37, 4096):
        x = torch.full((len(rows), width), -math.inf, dtype=dtype)
        for i, row in enumerate(rows):
            x[i, :len(row)] = torch.tensor(row, dtype=torch.float64).to(dtype)
            x[i, width - len(row):] = x[i, :len(row)]  # the same row again at the end: first index wins
        x = x.to(DEVICE)
        for name, fn in (("argmax", torch.argmax), ("argmin", torch.argmin)):
            check(ran_gemforge(lambda: fn(x, 1), [name]), fn(cpu(x), 1), exact=True)
        for name, fn in (("max.dim", torch.max), ("min.dim", torch.min)):
            v, idx = ran_gemforge(lambda: fn(x, 1), [name])
            rv, ri = fn(cpu(x), 1)
            check(v, rv, exact=True)
            check(idx, ri, exact=True)


@pytest.mark.parametrize("dtype", FLOATS, ids=ids)
def test_nan_propagation_and_index(dtype):
    for shape, dim in [((7, 33), 1), ((300, 3), 0)] + ([((2, 32769), 1)] if dtype in SPLIT_DTYPES else []):
        x = data(shape, dtype, ties=True)
        # NaN in some rows (twice in one: the first NaN's index wins), +-inf elsewhere
        if dim == 1:
            x[0, 5] = float("nan"); x[0, 9] = float("nan"); x[1, -1] = float("nan"); x[0, 20] = float("inf")
        else:
            x[5, 0] = float("nan"); x[9, 0] = float("nan"); x[-1, 1] = float("nan"); x[3, 2] = float("-inf")
        for name, fn in (("max.dim", torch.max), ("min.dim", torch.min)):
            v, idx = ran_gemforge(lambda: fn(x, dim), [name])
            rv, ri = fn(cpu(x), dim)
            check(v, rv, exact=True)
            check(idx, ri, exact=True)
        for name, fn in (("argmax", torch.argmax), ("argmin", torch.argmin)):
            check(ran_gemforge(lambda: fn(x, dim), [name]), fn(cpu(x), dim), exact=True)
            check(ran_gemforge(lambda: fn(x), [name]), fn(cpu(x)), exact=True)
        for name, fn in (("amax", torch.amax), ("amin", torch.amin)):
            check(ran_gemforge(lambda: fn(x, dim), [name]), fn(cpu(x), dim), exact=True)
        check(ran_gemforge(lambda: x.max(), ["max"]), cpu(x).max(), exact=True)
        for name, fn in (("prod.dim_int", torch.prod), ("logsumexp", torch.logsumexp)):
            check(ran_gemforge(lambda: fn(x, dim), [name]), fn(ref(x), dim), dtype, shape[dim])
        check(ran_gemforge(lambda: torch.var(x, dim), ["var.correction"]), torch.var(ref(x), dim), dtype,
              shape[dim])
        check(ran_gemforge(lambda: torch.linalg.vector_norm(x, 3, dim), ["linalg_vector_norm"]),
              torch.linalg.vector_norm(ref(x), 3, dim), dtype, shape[dim])


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.int64], ids=ids)
def test_columns_extremes(dtype):
    """Columns (300x4 over dim 0: the outer path, split into 3 under the interpreter) whose every
    element equals the fold's starting value (-inf / +inf, or the integer limits), constant
    columns (variance 0) and a NaN in the last split: first indices and exact values."""
    if dtype.is_floating_point:
        lo, hi = float("-inf"), float("inf")
    else:
        lo, hi = torch.iinfo(dtype).min, torch.iinfo(dtype).max
    x = data((300, 4), dtype, ties=True)
    x[:, 0] = lo
    x[:, 1] = hi
    x[:, 2] = 3
    if dtype.is_floating_point:
        x[290, 3] = float("nan")
        x[295, 3] = float("nan")
    for name, fn in (("argmax", torch.argmax), ("argmin", torch.argmin)):
        check(ran_gemforge(lambda: fn(x, 0), [name]), fn(cpu(x), 0), exact=True)
    for name, fn in (("max.dim", torch.max), ("min.dim", torch.min)):
        v, idx = ran_gemforge(lambda: fn(x, 0), [name])
        rv, ri = fn(cpu(x), 0)
        check(v, rv, exact=True)
        check(idx, ri, exact=True)
    if dtype.is_floating_point:
        xv = x[:, 2:]
        check(ran_gemforge(lambda: torch.var(xv, 0), ["var.correction"]), torch.var(ref(xv), 0), dtype, 300)


def test_zero_dim_and_empty():
    x = torch.tensor(2.5, device=DEVICE)
    v, i = ran_gemforge(lambda: torch.max(x, 0), ["max.dim"])
    assert v.item() == 2.5 and i.item() == 0 and v.dim() == 0
    assert ran_gemforge(lambda: torch.argmin(x, -1, True), ["argmin"]).item() == 0
    assert ran_gemforge(lambda: torch.amax(x), ["amax"]).item() == 2.5
    e = torch.empty(0, 3, device=DEVICE)
    # reductions along a non-empty dim of an empty tensor give empty results
    assert ran_gemforge(lambda: torch.amax(e, 1), ["amax"]).shape == (0, )
    assert ran_gemforge(lambda: torch.argmax(e, 1), ["argmax"]).shape == (0, )
    # empty reductions with an identity
    check(ran_gemforge(lambda: e.prod(0), ["prod.dim_int"]), torch.ones(3, dtype=torch.float64), torch.float32)
    check(ran_gemforge(lambda: e.all(0), ["all.dim"]), torch.ones(3, dtype=torch.bool))
    check(ran_gemforge(lambda: e.any(0), ["any.dim"]), torch.zeros(3, dtype=torch.bool))
    check(ran_gemforge(lambda: e.count_nonzero([0]), ["count_nonzero.dim_IntList"]), torch.zeros(3, dtype=torch.long))
    check(ran_gemforge(lambda: torch.logsumexp(e, 0), ["logsumexp"]), torch.full((3, ), -math.inf).double(),
          torch.float32)
    check(ran_gemforge(lambda: torch.linalg.vector_norm(e, 2, 0), ["linalg_vector_norm"]), torch.zeros(3).double(),
          torch.float32)
    with pytest.warns(UserWarning):
        check(ran_gemforge(lambda: e.var(0), ["var.correction"]), torch.full((3, ), math.nan).double(),
              torch.float32)
    check(ran_gemforge(lambda: torch.empty(0, 0, device=DEVICE).trace(), ["trace"]), torch.zeros(()).double(),
          torch.float32)


def test_errors():
    e = torch.empty(0, 3, device=DEVICE)
    x = torch.randn(3, 4, device=DEVICE)
    for fn in (lambda: e.amax(), lambda: e.amax(0), lambda: e.max(), lambda: e.min(), lambda: e.max(0),
               lambda: e.min(0), lambda: e.argmax(), lambda: e.argmin(0), lambda: x.amax([1, 1]), lambda: x.amax(2),
               lambda: x.max(-3), lambda: x.argmax(5),
               lambda: torch.tensor([True, False], device=DEVICE).argmax(),
               lambda: torch.linalg.vector_norm(e, math.inf), lambda: torch.linalg.vector_norm(e, -math.inf, 0),
               lambda: torch.linalg.vector_norm(x.long()), lambda: torch.linalg.vector_norm(x, dtype=torch.half),
               lambda: torch.norm(x.long(), 2), lambda: x.long().var(), lambda: x.int().std(0),
               lambda: torch.randn(2, 2, 2, device=DEVICE).trace(), lambda: x.prod(2),
               lambda: torch.amax(x, 1, out=torch.empty(0, dtype=torch.half, device=DEVICE)),
               lambda: torch.all(x, 1, out=torch.empty(0, dtype=torch.half, device=DEVICE)),
               lambda: torch.argmax(x, 1, out=torch.empty(0, dtype=torch.int32, device=DEVICE)),
               lambda: torch.logsumexp(x, 1, out=torch.empty(0, dtype=torch.long, device=DEVICE)),
               lambda: torch.std(x, 1, out=torch.empty(0, dtype=torch.long, device=DEVICE)),
               lambda: torch.max(x, 1, out=(torch.empty(0, dtype=torch.half, device=DEVICE),
                                             torch.empty(0, dtype=torch.long, device=DEVICE)))):
        same_error(fn)


# ---------------------------------------------------------------- prod, all, any, count_nonzero

@pytest.mark.parametrize("dtype", FLOATS + [torch.int32, torch.uint8, torch.bool], ids=ids)
def test_prod(dtype):
    for i, (shape, dim) in cases(dtype):
        if not isinstance(dim, int) and dim is not None or red_size(shape, dim) > 1000:
            continue
        # values near 1 keep products of hundreds of terms finite
        if dtype.is_floating_point:
            x = (1 + 0.05 * data(shape, torch.float64, seed=i)).to(dtype)
        else:
            x = data(shape, dtype, seed=i)
        x = x.transpose(0, -1) if x.dim() > 1 and i % 2 else x
        d = dim if x.dim() == len(shape) and not (x.dim() > 1 and i % 2) else None
        expect_dtype = torch.long if not dtype.is_floating_point else dtype
        n = red_size(tuple(x.shape), d)
        if d is None:
            check(ran_gemforge(lambda: x.prod(), ["prod"]), ref(x).prod(), expect_dtype, n)
            out = torch.empty(0, dtype=expect_dtype, device=DEVICE)
            ran_gemforge(lambda: torch.prod(x, out=out) if False else torch.ops.aten.prod.out(x, out=out), ["prod.out"])
            check(out, ref(x).prod(), expect_dtype, n)
        else:
            for keep in (False, True):
                check(ran_gemforge(lambda: x.prod(d, keep), ["prod.dim_int"]), ref(x).prod(d, keep), expect_dtype, n)
            out = torch.empty(0, dtype=expect_dtype, device=DEVICE)
            ran_gemforge(lambda: torch.prod(x, d, out=out), ["prod.int_out"])
            check(out, ref(x).prod(d), expect_dtype, n)
    # dtype= argument
    x = data((5, 7), torch.int32)
    check(ran_gemforge(lambda: x.prod(1, dtype=torch.float64), ["prod.dim_int"]), ref(x).double().prod(1),
          torch.float64)
    check(ran_gemforge(lambda: x.prod(dtype=torch.float32), ["prod"]), ref(x).double().prod(), torch.float32, 35)


@pytest.mark.parametrize("dtype", [torch.float32, torch.uint8, torch.bool], ids=ids)
def test_all_any_count_nonzero(dtype):
    for i, (shape, dim) in cases(dtype):
        x = data(shape, dtype, seed=i, ties=True, layout="strided" if i % 2 and math.prod(shape) < 20000 else "contiguous")
        # some rows all nonzero, some all zero
        x = torch.where(torch.rand(x.shape, device=DEVICE) < 0.7, torch.ones_like(x), x)
        if x.dim() > 1:
            x[0] = 0
            x[-1] = 1
        res = torch.uint8 if dtype == torch.uint8 else torch.bool
        dl = dims_of(shape, dim)
        for name, fn in (("all", torch.all), ("any", torch.any)):
            check(ran_gemforge(lambda: fn(x), [name]), fn(cpu(x)), res)
            for keep in (i % 2 == 0, ):
                check(ran_gemforge(lambda: fn(x, dl, keep), [f"{name}.dims"]), fn(cpu(x), dl, keep), res)
                check(ran_gemforge(lambda: fn(x, dl[0], keep), [f"{name}.dim"]), fn(cpu(x), dl[0], keep), res)
            for out_dtype in ((torch.bool, torch.uint8)[i % 2], ):
                out = torch.empty(0, dtype=out_dtype, device=DEVICE)
                ran_gemforge(lambda: fn(x, dl[-1], out=out), [f"{name}.out"])
                check(out, fn(cpu(x), dl[-1]).to(out_dtype))
                ran_gemforge(lambda: fn(x, dl, True, out=out), [f"{name}.dims_out"])
                check(out, fn(cpu(x), dl, True).to(out_dtype))
                ran_gemforge(lambda: fn(x, out=out), [f"{name}.all_out"])
                check(out, fn(cpu(x)).to(out_dtype))
        check(ran_gemforge(lambda: torch.count_nonzero(x, dl), ["count_nonzero.dim_IntList"]),
              torch.count_nonzero(cpu(x), dl))
        check(ran_gemforge(lambda: torch.count_nonzero(x), ["count_nonzero"]), torch.count_nonzero(cpu(x)))
        check(ran_gemforge(lambda: torch.count_nonzero(x, dl[0]), ["count_nonzero"]),
              torch.count_nonzero(cpu(x), dl[0]))
        aten = torch.ops.aten.count_nonzero
        for out_dtype in ((torch.long, torch.float32)[i % 2], ):
            out = torch.empty(0, dtype=out_dtype, device=DEVICE)
            ran_gemforge(lambda: aten.dim_IntList_out(x, dl, out=out), ["count_nonzero.dim_IntList_out"])
            check(out, torch.count_nonzero(cpu(x), dl).to(out_dtype))
            ran_gemforge(lambda: aten.out(x, dl[0], out=out), ["count_nonzero.out"])
            check(out, torch.count_nonzero(cpu(x), dl[0]).to(out_dtype))
    # NaN is nonzero
    x = torch.tensor([[math.nan, 0.0], [math.nan, 1.0]], device=DEVICE)
    check(ran_gemforge(lambda: x.all(1), ["all.dim"]), torch.tensor([False, True]))
    check(ran_gemforge(lambda: x.any(0), ["any.dim"]), torch.tensor([True, True]))


# ---------------------------------------------------------------- var, std, var_mean, std_mean

@pytest.mark.parametrize("dtype", FLOATS, ids=ids)
def test_var_std(dtype):
    for i, (shape, dim) in cases(dtype):
        # a large mean: a naive sum of squares would lose the variance in fp32
        x = (data(shape, torch.float64, seed=i) + 1000.0).to(dtype)
        x = x.transpose(0, -1).contiguous().transpose(0, -1) if i % 3 == 1 else x
        n = red_size(shape, dim)
        for corr in ((None, 0), (1, 2.5))[i % 2]:
            if corr is not None and n - corr <= 0:
                continue
            kw = {} if corr is None else {"correction": corr}
            for keep in (i % 2 == 0, ):
                check(ran_gemforge(lambda: torch.var(x, dim, keepdim=keep, **kw), ["var.correction"]),
                      torch.var(ref(x), dim, keepdim=keep, **kw), dtype, n)
                check(ran_gemforge(lambda: torch.std(x, dim, keepdim=keep, **kw), ["std.correction"]),
                      torch.std(ref(x), dim, keepdim=keep, **kw), dtype, n)
            for name, fn in (("var_mean.correction", torch.var_mean), ("std_mean.correction", torch.std_mean)):
                v, m = ran_gemforge(lambda: fn(x, dim, **kw), [name])
                rv, rm = fn(ref(x), dim, **kw)
                check(v, rv, dtype, n)
                check(m, rm, dtype, n)
        # out= (a half result from any float input is allowed) and the legacy overloads
        out = torch.empty(0, dtype=dtype, device=DEVICE)
        ran_gemforge(lambda: torch.var(x, dim, correction=0, out=out), ["var.correction_out"])
        check(out, torch.var(ref(x), dim, correction=0), dtype, n)
        ran_gemforge(lambda: torch.std(x, dim, out=out), ["std.correction_out"])
        check(out, torch.std(ref(x), dim), dtype, n)
        check(ran_gemforge(lambda: torch.var(x, unbiased=False), ["var.correction"]),
              torch.var(ref(x), unbiased=False), dtype, x.numel())
        check(ran_gemforge(lambda: x.std(dims_of(shape, dim), False, True), ["std.correction"]),
              ref(x).std(dims_of(shape, dim), False, True), dtype, n)
        o0, o1 = torch.empty(0, dtype=dtype, device=DEVICE), torch.empty(0, dtype=dtype, device=DEVICE)
        for name in ("var_mean", "std_mean"):
            ran_gemforge(lambda: getattr(torch.ops.aten, name).correction_out(x, dims_of(shape, dim), correction=1,
                                                                               keepdim=True, out0=o0, out1=o1),
                         [f"{name}.correction_out"])
            rv, rm = getattr(torch, name)(ref(x), dims_of(shape, dim), correction=1, keepdim=True)
            check(o0, rv, dtype, n)
            check(o1, rm, dtype, n)
    x = data((5, 9), dtype)
    out = torch.empty(0, dtype=torch.float16, device=DEVICE)
    ran_gemforge(lambda: torch.var(x, 1, out=out), ["var.correction_out"])
    check(out, torch.var(ref(x), 1), torch.float16, 9)


# ---------------------------------------------------------------- norm, logsumexp, trace

@pytest.mark.parametrize("dtype", FLOATS, ids=ids)
def test_vector_norm(dtype):
    for i, (shape, dim) in cases(dtype):
        x = data(shape, dtype, seed=i, layout="transposed" if i % 2 else "contiguous")
        x = x.masked_fill(torch.rand(x.shape, device=DEVICE) < 0.15, 0)  # zeros (ord 0, negative p); keeps strides
        n = red_size(shape, dim)
        for ord in ((0, 2, -math.inf, 0.5), (1, math.inf, 3, -1.5))[i % 2]:
            for keep in (i % 2 == 0, ):
                got = ran_gemforge(lambda: torch.linalg.vector_norm(x, ord, dim, keep), ["linalg_vector_norm"])
                check(got, torch.linalg.vector_norm(ref(x), ord, dim, keep), dtype, n * 4)
        if dtype != torch.float64:
            got = ran_gemforge(lambda: torch.linalg.vector_norm(x, 2, dim, dtype=torch.float64),
                               ["linalg_vector_norm"])
            check(got, torch.linalg.vector_norm(ref(x), 2, dim), torch.float64, n * 1e6)
        out = torch.empty(0, dtype=dtype, device=DEVICE)
        ran_gemforge(lambda: torch.linalg.vector_norm(x, 1, dim, out=out), ["linalg_vector_norm.out"])
        check(out, torch.linalg.vector_norm(ref(x), 1, dim), dtype, n)
        # legacy norm overloads
        dl = dims_of(shape, dim)
        aten = torch.ops.aten.norm
        r2 = torch.linalg.vector_norm(ref(x), 2, dl)
        r3 = torch.linalg.vector_norm(ref(x), 3, dl, True)
        check(ran_gemforge(lambda: aten.ScalarOpt_dim(x, 2, dl), ["norm.ScalarOpt_dim"]), r2, dtype, n)
        check(ran_gemforge(lambda: aten.ScalarOpt_dim_dtype(x, 3, dl, True, dtype=dtype), ["norm.ScalarOpt_dim_dtype"]),
              r3, dtype, n)
        ran_gemforge(lambda: aten.dtype_out(x, 3, dl, True, dtype=dtype, out=out), ["norm.dtype_out"])
        check(out, r3, dtype, n)
        ran_gemforge(lambda: aten.out(x, None, dl, out=out), ["norm.out"])
        check(out, r2, dtype, n)
        full = torch.linalg.vector_norm(ref(x), 1.5)
        check(ran_gemforge(lambda: aten.Scalar(x, 1.5), ["norm.Scalar"]), full, dtype, x.numel())
        check(ran_gemforge(lambda: aten.ScalarOpt_dtype(x, 1.5, dtype=dtype), ["norm.ScalarOpt_dtype"]), full, dtype,
              x.numel())
        ran_gemforge(lambda: aten.ScalarOpt_dtype_out(x, 1.5, dtype=dtype, out=out), ["norm.ScalarOpt_dtype_out"])
        check(out, full, dtype, x.numel())
        ran_gemforge(lambda: aten.Scalar_out(x, 1.5, out=out), ["norm.Scalar_out"])
        check(out, full, dtype, x.numel())


@pytest.mark.parametrize("dtype", FLOATS + [torch.int32], ids=ids)
def test_logsumexp(dtype):
    for i, (shape, dim) in cases(dtype):
        x = data(shape, dtype, seed=i, layout="strided" if i % 2 else "contiguous")
        if dtype.is_floating_point:
            x = x * 30  # exp() would overflow without the max shift
        dl = dims_of(shape, dim)
        res = dtype if dtype.is_floating_point else torch.float32
        n = red_size(shape, dim)
        for keep in (i % 2 == 0, ):
            check(ran_gemforge(lambda: torch.logsumexp(x, dl, keep), ["logsumexp"]),
                  torch.logsumexp(ref(x).double(), dl, keep), res, n)
        out = torch.empty(0, dtype=torch.float64, device=DEVICE)
        ran_gemforge(lambda: torch.logsumexp(x, dl, out=out), ["logsumexp.out"])
        check(out, torch.logsumexp(ref(x).double(), dl), torch.float64, n * 1e6)
    if dtype.is_floating_point:
        inf = math.inf
        x = torch.tensor([[-inf, -inf], [inf, 1.0], [-inf, 2.0], [math.nan, inf]], device=DEVICE).to(dtype)
        check(ran_gemforge(lambda: torch.logsumexp(x, 1), ["logsumexp"]), torch.logsumexp(ref(x), 1), dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int32, torch.uint8], ids=ids)
def test_trace(dtype):
    for shape in [(1, 1), (5, 5), (7, 3), (3, 40), (65, 63)]:
        for layout in LAYOUTS:
            x = data(shape, dtype, layout=layout)
            res = dtype if dtype.is_floating_point else torch.long
            check(ran_gemforge(lambda: torch.trace(x), ["trace"]), torch.trace(ref(x)), res, min(shape))
            for out_dtype in (res, torch.float64):
                out = torch.empty(0, dtype=out_dtype, device=DEVICE)
                ran_gemforge(lambda: torch.ops.aten.trace.out(x, out=out), ["trace.out"])
                assert out.dtype == out_dtype
                check(out.to(res), torch.trace(ref(x)), res, min(shape))


if LARGE:
    def test_reductions_over_more_than_2_31_elements():
        """Offsets and indices past 2^31 (the GPU run only: 2 GB of input). torch's own results on
        the same device are the reference (integer sums are exact)."""
        n = (1 << 31) + 4099
        x = torch.randint(0, 3, (n, ), dtype=torch.uint8, device=DEVICE)
        x[-1] = 7  # the maximum, at an index past 2^31
        assert ran_gemforge(lambda: x.sum(), ["sum"]).item() == x.sum().item()
        assert ran_gemforge(lambda: x.amax(), ["amax"]).item() == 7
        assert ran_gemforge(lambda: x.argmax(), ["argmax"]).item() == n - 1
        rows = x[: (n // 4096) * 4096].view(-1, 4096)  # rows starting past 2^31
        for dim in (1, 0):
            got = ran_gemforge(lambda: rows.sum(dim), ["sum.dim_IntList"])
            assert torch.equal(got, rows.sum(dim)), dim
        y = x.to(torch.bfloat16)  # fp32 accumulation of 2^31 small integers, rounded to bf16
        got = ran_gemforge(lambda: y.mean(), ["mean"])
        assert got.dtype == torch.bfloat16 and abs(got.item() - x.sum().item() / n) <= 2 ** -7
