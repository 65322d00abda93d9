"""Selection and search ops (csrc/ops/select.cpp, kernels/select.py) against torch on CPU copies.

kthvalue/median/nanmedian/mode: values are compared exactly; torch leaves the index among equal
values open (CUDA's kernels race for it), so an index must hold the value (NaN where it is NaN).
Row lengths cover 1, odd, prime, 2^k +- 1 and rows wider than one block (4096: chunked passes).
"""
import pytest
import torch

import gemforge
from conftest import DEVICE, LARGE, ran_gemforge, same_error, same_outcome

# aten base names whose every registered overload this module's tests run through GemForge
COVERED_OPS = {"kthvalue", "median", "nanmedian", "mode", "searchsorted", "bucketize", "nonzero", "nonzero_static"}

FLOATS = [torch.float32, torch.float16, torch.bfloat16, torch.float64]
INTS = [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64]
LENGTHS = [1, 2, 7, 33, 127, 4097]
# the interpreter is slow: every layout, keepdim and the widest rows only for these dtypes
FULL = (torch.float32, torch.int32)
if LARGE:
    LENGTHS += [65537, 1 << 20]


def name(d):
    return str(d).replace("torch.", "")


def rand(*shape, dtype, low=-3, high=3, nan=0.0):
    """Small integers (many ties) or floats on a coarse grid; floats get NaN/inf with `nan`."""
    if dtype == torch.bool:
        return torch.randint(0, 2, shape, device=DEVICE).bool()
    if not dtype.is_floating_point:
        info = torch.iinfo(dtype)
        return torch.randint(max(low, info.min), min(high, info.max) + 1, shape, device=DEVICE).to(dtype)
    x = torch.randint(low * 4, high * 4 + 1, shape, device=DEVICE).to(dtype) / 4
    x = torch.where(torch.rand(shape, device=DEVICE) < 0.5, x, torch.randn(shape, device=DEVICE).to(dtype))
    if nan and x.numel():
        r = torch.rand(shape, device=DEVICE)
        x = torch.where(r < nan, float("nan"), x)
        x = torch.where((r > nan) & (r < 2 * nan), float("inf"), x)
        x = torch.where((r > 2 * nan) & (r < 3 * nan), float("-inf"), x)
        x = torch.where((r > 3 * nan) & (r < 4 * nan), -0.0, x).to(dtype)
    return x


def layouts(x):
    """x, transposed in memory, and sliced (every other element of the last dim)."""
    yield x
    if x.dim() >= 2:
        yield x.transpose(-1, -2).contiguous().transpose(-1, -2)
    if x.dim():
        wide = torch.zeros(*x.shape[:-1], x.shape[-1] * 2, dtype=x.dtype, device=DEVICE)
        wide[..., ::2] = x
        yield wide[..., ::2]


def variants(x, dtype):
    """(input, keepdim) pairs: every layout (keepdim alternating) for FULL dtypes, else x as it is."""
    if dtype in FULL:
        return [(xv, i % 2 == 1) for i, xv in enumerate(layouts(x))]
    return [(x, False)]


def shapes_and_dims(dtype=torch.float32):
    for n in LENGTHS:
        if n > 127 and dtype not in FULL:
            continue
        if n <= 127:
            yield (n,), 0
        yield (3, n), -1
        if n in (7, 127):
            yield (n, 5), 0
    for d in range(-3, 3):
        yield (4, 5, 6), d
    yield (2, 33, 3), -2
    yield (), 0
    yield (0, 4), 1


def same_values(got, ref):
    got = got.cpu()
    assert got.dtype == ref.dtype and got.shape == ref.shape, (got.dtype, ref.dtype, got.shape, ref.shape)
    assert torch.equal(torch.isnan(got), torch.isnan(ref)) if got.is_floating_point() else True
    ok = (got == ref) | (torch.isnan(got) & torch.isnan(ref)) if got.is_floating_point() else got == ref
    assert ok.all(), (got, ref)


def check_indices(x, dim, keepdim, values, indices):
    """indices index x along dim to the values (NaN to NaN)."""
    assert indices.dtype == torch.int64 and indices.shape == values.shape
    xc, vc, ic = x.cpu(), values.cpu(), indices.cpu()
    if x.dim() == 0:
        assert ic.item() == 0
        return
    if not keepdim:
        vc, ic = vc.unsqueeze(dim), ic.unsqueeze(dim)
    picked = xc.gather(dim, ic)
    same_values(picked, vc)


# ---------------------------------------------------------------- kthvalue


@pytest.mark.parametrize("dtype", FLOATS + INTS, ids=name)
def test_kthvalue(dtype):
    for shape, dim in shapes_and_dims(dtype):
        x = rand(*shape, dtype=dtype, nan=0.05)
        n = x.shape[dim] if x.dim() else 1
        if n == 0:
            continue
        for k in sorted({1, (n + 1) // 2, n}):
            for xv, keepdim in variants(x, dtype) if k == 1 else [(x, False)]:
                v, i = ran_gemforge(lambda: torch.kthvalue(xv, k, dim, keepdim), ["kthvalue"])
                rv, _ = torch.kthvalue(xv.cpu(), k, dim, keepdim)
                same_values(v, rv)
                check_indices(xv, dim, keepdim, v, i)


def test_kthvalue_out_and_errors():
    x = rand(5, 37, dtype=torch.float32, nan=0.05)
    v = torch.empty(0, device=DEVICE)
    i = torch.empty(0, dtype=torch.int64, device=DEVICE)
    ran_gemforge(lambda: torch.kthvalue(x, 4, 1, out=(v, i)), ["kthvalue.values"])
    same_values(v, torch.kthvalue(x.cpu(), 4, 1).values)
    check_indices(x, 1, False, v, i)
    # strided outputs keep their strides (keepdim=False unsqueezes them in place, as ATen)
    vb = torch.zeros(5, 2, device=DEVICE)
    ib = torch.zeros(5, 2, dtype=torch.int64, device=DEVICE)
    ran_gemforge(lambda: torch.kthvalue(x, 37, 1, out=(vb[:, 0], ib[:, 0])), ["kthvalue.values"])
    same_values(vb[:, 0], torch.kthvalue(x.cpu(), 37, 1).values)
    assert (vb[:, 1] == 0).all()
    # wider than one block, many rows (chunked passes), fp64 keys of 64 bits
    x = rand(3, 5000, dtype=torch.float64, nan=0.01)
    v, i = ran_gemforge(lambda: torch.kthvalue(x, 2500, 1), ["kthvalue"])
    same_values(v, torch.kthvalue(x.cpu(), 2500, 1).values)
    check_indices(x, 1, False, v, i)
    # extremes of integer ranges
    for dtype in INTS:
        info = torch.iinfo(dtype)
        x = torch.tensor([info.max, info.min, 0, info.min, info.max, 1], dtype=dtype, device=DEVICE)
        for k in range(1, 7):
            v, i = ran_gemforge(lambda: torch.kthvalue(x, k), ["kthvalue"])
            assert v.item() == torch.kthvalue(x.cpu(), k).values.item()
    x = rand(4, 6, dtype=torch.float32)
    same_error(lambda: torch.kthvalue(x, 7, 1))
    same_error(lambda: torch.kthvalue(x, 0, 1))
    same_error(lambda: torch.kthvalue(x, 1, 2))
    same_error(lambda: torch.kthvalue(torch.empty(3, 0, device=DEVICE), 1, 1))
    same_error(lambda: torch.kthvalue(x, 1, 1, out=(torch.empty(0, dtype=torch.float64, device=DEVICE),
                                                     torch.empty(0, dtype=torch.int64, device=DEVICE))))
    # bool: ATen's error
    same_error(lambda: torch.kthvalue(torch.ones(3, dtype=torch.bool, device=DEVICE), 1))
    # empty along another dim
    v, i = ran_gemforge(lambda: torch.kthvalue(torch.empty(0, 4, device=DEVICE), 2, 1), ["kthvalue"])
    assert v.shape == (0,) and i.shape == (0,)


# ---------------------------------------------------------------- median / nanmedian


@pytest.mark.parametrize("dtype", FLOATS + INTS, ids=name)
@pytest.mark.parametrize("op", ["median", "nanmedian"])
def test_median_dim(op, dtype):
    fn = getattr(torch, op)
    for shape, dim in shapes_and_dims(dtype):
        if shape[dim:dim + 1] == (0,) if shape else False:
            continue
        for nan in (0.0, 0.3) if dtype.is_floating_point else (0.0,):
            x = rand(*shape, dtype=dtype, nan=nan)
            for xv, keepdim in variants(x, dtype) if nan or not dtype.is_floating_point else [(x, True)]:
                v, i = ran_gemforge(lambda: fn(xv, dim, keepdim), [op + ".dim"])
                rv, _ = fn(xv.cpu(), dim, keepdim)
                same_values(v, rv)
                check_indices(xv, dim, keepdim, v, i)
    # all-NaN rows: NaN (nanmedian too)
    if dtype.is_floating_point:
        x = torch.full((3, 5), float("nan"), dtype=dtype, device=DEVICE)
        x[1] = 1
        v, i = ran_gemforge(lambda: fn(x, 1), [op + ".dim"])
        same_values(v, fn(x.cpu(), 1).values)
        check_indices(x, 1, False, v, i)


@pytest.mark.parametrize("op", ["median", "nanmedian"])
def test_median_full_and_out(op):
    fn = getattr(torch, op)
    for dtype in FLOATS + INTS:
        for shape in [(1,), (7,), (33, 4), (4097,), ()] if dtype in FULL else [(2,), (3, 4, 5)]:
            for nan in (0.0, 0.2) if dtype.is_floating_point else (0.0,):
                x = rand(*shape, dtype=dtype, nan=nan)
                for xv in layouts(x) if dtype in FULL else [x]:
                    got = ran_gemforge(lambda: fn(xv), [op])
                    assert got.dim() == 0
                    same_values(got, fn(xv.cpu()))
    # empty: NaN
    e = torch.empty(0, 3, device=DEVICE)
    same_values(ran_gemforge(lambda: fn(e), [op]), fn(e.cpu()))
    # median.out (composite) through median
    x = rand(6, 7, dtype=torch.float32, nan=0.1)
    out = torch.empty(0, device=DEVICE)
    ran_gemforge(lambda: getattr(torch.ops.aten, op).out(x, out=out), [op])
    same_values(out, fn(x.cpu()))
    # dim_values
    v = torch.empty(0, device=DEVICE)
    i = torch.empty(0, dtype=torch.int64, device=DEVICE)
    ran_gemforge(lambda: fn(x, 0, True, out=(v, i)), [op + ".dim_values"])
    same_values(v, fn(x.cpu(), 0, True).values)
    check_indices(x, 0, True, v, i)
    same_error(lambda: fn(torch.empty(3, 0, device=DEVICE), 1))
    same_error(lambda: fn(x, 2))
    # bool: ATen's CPU kernel raises, its CUDA kernel computes
    same_outcome(lambda: fn(torch.tensor([True, False, True], device=DEVICE)))
    same_error(lambda: fn(x, 0, out=(torch.empty(0, dtype=torch.int32, device=DEVICE),
                                     torch.empty(0, dtype=torch.int64, device=DEVICE))))


# ---------------------------------------------------------------- mode


@pytest.mark.parametrize("dtype", FLOATS + INTS + [torch.bool], ids=name)
def test_mode(dtype):
    for shape, dim in shapes_and_dims(dtype):
        n = shape[dim] if shape else 1
        if n == 0 or n > 4096:
            continue
        x = rand(*shape, dtype=dtype, low=-2, high=2)  # many repeats: ties between counts too
        if dtype.is_floating_point:
            x = x.round()
        for xv, keepdim in variants(x, dtype):
            v, i = ran_gemforge(lambda: torch.mode(xv, dim, keepdim), ["mode"])
            rv, _ = torch.mode(xv.cpu(), dim, keepdim)
            same_values(v, rv)
            check_indices(xv, dim, keepdim, v, i)


def test_mode_out_ties_and_fallback():
    # equal counts: the smallest value
    x = torch.tensor([[3, 1, 3, 1, 2], [5, 5, 4, 4, 0]], device=DEVICE)
    v, i = ran_gemforge(lambda: torch.mode(x, 1), ["mode"])
    assert v.tolist() == [1, 4]
    check_indices(x, 1, False, v, i)
    v = torch.empty(0, dtype=x.dtype, device=DEVICE)
    i = torch.empty(0, dtype=torch.int64, device=DEVICE)
    ran_gemforge(lambda: torch.mode(x, 0, out=(v, i)), ["mode.values"])
    same_values(v, torch.mode(x.cpu(), 0).values)
    check_indices(x, 0, False, v, i)
    # rows wider than one block go to ATen's kernel, recorded
    w = rand(2, 4100, dtype=torch.int32)
    with gemforge.use(record=True):
        v, i = torch.mode(w, 1)
        assert "mode -> aten fallback (mode row wider than one block)" in gemforge.recorded()
    same_values(v, torch.mode(w.cpu(), 1).values)
    same_error(lambda: torch.mode(torch.empty(3, 0, device=DEVICE), 1))
    same_error(lambda: torch.mode(x, 3))


# ---------------------------------------------------------------- searchsorted / bucketize


@pytest.mark.parametrize("dtype", FLOATS + INTS, ids=name)
def test_searchsorted(dtype):
    for m in [0, 1, 2, 7, 33, 128]:
        bd = rand(m, dtype=dtype, low=-20, high=20, nan=0.02).sort().values
        x = rand(5, 9, dtype=dtype, low=-22, high=22, nan=0.05)
        for right in (False, True):
            for out_int32 in (False, True):
                got = ran_gemforge(lambda: torch.searchsorted(bd, x, right=right, out_int32=out_int32),
                                   ["searchsorted.Tensor"])
                ref = torch.searchsorted(bd.cpu(), x.cpu(), right=right, out_int32=out_int32)
                assert got.dtype == ref.dtype and torch.equal(got.cpu(), ref)
        got = ran_gemforge(lambda: torch.bucketize(x, bd, right=True), ["bucketize.Tensor"])
        assert torch.equal(got.cpu(), torch.bucketize(x.cpu(), bd.cpu(), right=True))
    # N-d boundaries (a row per leading index), side=, sorter=, unsorted rows
    bd = rand(3, 4, 17, dtype=dtype, low=-10, high=10)
    x = rand(3, 4, 6, dtype=dtype, low=-12, high=12)
    sorter = bd.argsort(-1)
    for side in ("left", "right"):
        got = ran_gemforge(lambda: torch.searchsorted(bd, x, side=side, sorter=sorter), ["searchsorted.Tensor"])
        assert torch.equal(got.cpu(), torch.searchsorted(bd.cpu(), x.cpu(), side=side, sorter=sorter.cpu()))
        got = ran_gemforge(lambda: torch.searchsorted(bd, x, side=side), ["searchsorted.Tensor"])  # unsorted
        assert torch.equal(got.cpu(), torch.searchsorted(bd.cpu(), x.cpu(), side=side))


def test_searchsorted_scalar_out_and_errors():
    bd = torch.tensor([1.0, 2.0, 2.0, 3.5, float("nan")], device=DEVICE)
    for s in [0, 2, 2.0, 3.6, float("nan"), 7]:
        for right in (False, True):
            got = ran_gemforge(lambda: torch.searchsorted(bd, s, right=right), ["searchsorted.Scalar"])
            assert got.dim() == 0 and torch.equal(got.cpu(), torch.searchsorted(bd.cpu(), s, right=right))
            got = ran_gemforge(lambda: torch.bucketize(s, bd, right=right), ["bucketize.Scalar"])
            assert torch.equal(got.cpu(), torch.bucketize(s, bd.cpu(), right=right))
    out = torch.empty(0, dtype=torch.int64, device=DEVICE)
    ran_gemforge(lambda: torch.searchsorted(bd, 2.5, out=out), ["searchsorted.Scalar_out"])
    assert out.item() == torch.searchsorted(bd.cpu(), 2.5).item()
    x = torch.tensor([[0.5, 2.0], [3.0, 9.0]], device=DEVICE)
    out = torch.empty(0, dtype=torch.int32, device=DEVICE)
    ran_gemforge(lambda: torch.searchsorted(bd, x, out_int32=True, out=out), ["searchsorted.Tensor_out"])
    assert torch.equal(out.cpu(), torch.searchsorted(bd.cpu(), x.cpu(), out_int32=True))
    out = torch.empty(0, dtype=torch.int64, device=DEVICE)
    ran_gemforge(lambda: torch.bucketize(x, bd, out=out), ["bucketize.Tensor_out"])
    assert torch.equal(out.cpu(), torch.bucketize(x.cpu(), bd.cpu()))
    # bucketize.Scalar_out (composite) and non-contiguous results / inputs; mixed dtypes promote
    ob = torch.zeros(2, 4, dtype=torch.int64, device=DEVICE)
    ran_gemforge(lambda: torch.searchsorted(bd, x.t(), out=ob[:, ::2]), ["searchsorted.Tensor_out"])
    assert torch.equal(ob[:, ::2].cpu(), torch.searchsorted(bd.cpu(), x.t().cpu())) and (ob[:, 1::2] == 0).all()
    xi = torch.tensor([0, 2, 3, 4], device=DEVICE)
    got = ran_gemforge(lambda: torch.searchsorted(bd, xi), ["searchsorted.Tensor"])
    assert torch.equal(got.cpu(), torch.searchsorted(bd.cpu(), xi.cpu()))
    same_error(lambda: torch.searchsorted(bd, x, side="middle"))
    same_error(lambda: torch.searchsorted(bd, x, right=True, side="left"))
    same_error(lambda: torch.searchsorted(bd.reshape(1, 5), torch.zeros(2, 3, device=DEVICE)))
    same_error(lambda: torch.searchsorted(bd, x, out=torch.empty(0, dtype=torch.int32, device=DEVICE)))
    same_error(lambda: torch.searchsorted(bd, x, sorter=torch.tensor([0, 1, 2, 3, 9], device=DEVICE)))
    same_error(lambda: torch.bucketize(x, bd.reshape(1, 5)))
    same_error(lambda: torch.searchsorted(torch.tensor(1.0, device=DEVICE), x))


# ---------------------------------------------------------------- nonzero


@pytest.mark.parametrize("dtype", FLOATS + INTS + [torch.bool], ids=name)
def test_nonzero(dtype):
    shapes = [(), (1,), (7,), (33, 4), (3, 4, 5), (2, 3, 1, 4), (2, 1, 2, 1, 2, 1, 2, 3), (0, 3), (2500,)]
    for shape in shapes if dtype in FULL else [(), (33, 4), (2500,)]:
        x = rand(*shape, dtype=dtype, low=-1, high=1, nan=0.05)
        for xv in layouts(x) if dtype in FULL else [x]:
            got = ran_gemforge(lambda: torch.nonzero(xv), ["nonzero"])
            ref = torch.nonzero(xv.cpu())
            assert got.dtype == torch.int64 and torch.equal(got.cpu(), ref), (shape, got, ref)


def test_nonzero_out_static_and_composites():
    x = rand(37, 41, dtype=torch.float32, low=-1, high=1)
    ref = torch.nonzero(x.cpu())
    out = torch.empty(0, dtype=torch.int64, device=DEVICE)
    ran_gemforge(lambda: torch.nonzero(x, out=out), ["nonzero.out"])
    assert torch.equal(out.cpu(), ref)
    # argwhere, torch.where(cond), as_tuple decompose onto nonzero
    assert torch.equal(ran_gemforge(lambda: torch.argwhere(x), ["nonzero"]).cpu(), ref)
    got = ran_gemforge(lambda: torch.where(x != 0), ["nonzero"])
    assert all(torch.equal(g.cpu(), r) for g, r in zip(got, torch.where(x.cpu() != 0)))
    got = ran_gemforge(lambda: x.nonzero(as_tuple=True), ["nonzero"])
    assert all(torch.equal(g.cpu(), r) for g, r in zip(got, x.cpu().nonzero(as_tuple=True)))
    for size in [0, 5, ref.shape[0], ref.shape[0] + 7]:
        for fill in (-1, 9):
            got = ran_gemforge(lambda: torch.nonzero_static(x, size=size, fill_value=fill), ["nonzero_static"])
            assert torch.equal(got.cpu(), torch.nonzero_static(x.cpu(), size=size, fill_value=fill))
    out = torch.empty(0, dtype=torch.int64, device=DEVICE)
    ran_gemforge(lambda: torch.nonzero_static(x, size=9, out=out), ["nonzero_static.out"])
    assert torch.equal(out.cpu(), torch.nonzero_static(x.cpu(), size=9))
    same_error(lambda: torch.nonzero(x, out=torch.empty(0, dtype=torch.int32, device=DEVICE)), message=False)
    same_error(lambda: torch.nonzero_static(x, size=-1))
    # more than 8 dims goes to ATen's kernel, recorded
    y = torch.ones([1] * 9, device=DEVICE)
    with gemforge.use(record=True):
        got = torch.nonzero(y)
        assert "nonzero -> aten fallback (more than 8 dims)" in gemforge.recorded()
    assert torch.equal(got.cpu(), torch.nonzero(y.cpu()))


# ---------------------------------------------------------------- quantile


@pytest.mark.parametrize("op", ["quantile", "nanquantile"])
def test_quantile_composite(op):
    fn = getattr(torch, op)
    x = rand(6, 33, dtype=torch.float32, nan=0.05 if op == "nanquantile" else 0.0)
    q = torch.tensor([0.0, 0.1, 0.5, 0.77, 1.0], device=DEVICE)
    for interp in ["linear", "lower", "higher", "midpoint", "nearest"]:
        for dim in (None, 1, 0):
            with gemforge.use(record=True):
                got = fn(x, q, dim=dim, interpolation=interp)
                got_s = fn(x, 0.3, dim=dim, keepdim=True, interpolation=interp)
                rec = gemforge.recorded()
            assert not [r for r in rec if "fallback" in r], rec
            assert "sort.stable" in rec, rec
            # reference in fp32 as well: rank rounding ('nearest', q * (n - 1) at .5) depends on it
            ref = fn(x.cpu(), q.cpu(), dim=dim, interpolation=interp).double()
            torch.testing.assert_close(got.cpu().double(), ref, equal_nan=True, rtol=1e-6, atol=1e-6)
            ref = fn(x.cpu(), 0.3, dim=dim, keepdim=True, interpolation=interp).double()
            torch.testing.assert_close(got_s.cpu().double(), ref, equal_nan=True, rtol=1e-6, atol=1e-6)
