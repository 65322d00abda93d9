"""Scans (cumsum, cumprod, cummax, cummin, logcumsumexp) and sorting/selection (sort, argsort, topk)
(csrc/ops/scan_sort.cpp, kernels/scan_sort.py) against torch on fp64 CPU copies.

Scan lengths cover 1, odd, prime, 2^k +- 1 and rows longer than one block (the kernel carries the
prefix across chunks); every dim and negative dims of 3-d inputs; transposed and sliced inputs.
Indices (cummax/cummin, stable sort) are compared exactly with torch's, ties and NaN included.
"""
import math

import pytest
import torch

import gemforge
from conftest import DEVICE, LARGE, ran_gemforge, same_error

# aten base names whose every registered overload this module's tests run through GemForge
# (test_ops.test_every_registered_overload_is_exercised accepts them as covered).
COVERED_OPS = {"cumsum", "cumprod", "_cummax_helper", "_cummin_helper", "_logcumsumexp", "sort", "topk",
               "_unique2", "_unique", "unique_consecutive", "unique_dim"}

FLOATS = [torch.float32, torch.float16, torch.bfloat16, torch.float64]
INTS = [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64]
# one ulp of a dtype (results are rounded to it; the interpreter truncates to bfloat16) and the
# unit roundoff of its accumulator
EPS = {torch.float32: 2 ** -23, torch.float16: 2 ** -10, torch.bfloat16: 2 ** -7, torch.float64: 2 ** -52}
# below the smallest normal number, products lose precision: absolute tolerance
TINY = {torch.float32: 2 ** -126, torch.float16: 2 ** -14, torch.bfloat16: 2 ** -126, torch.float64: 2 ** -1022}
ACC_EPS = {torch.float32: 2 ** -24, torch.float16: 2 ** -24, torch.bfloat16: 2 ** -24, torch.float64: 2 ** -53}
# scan lengths: 1, odd, prime, 2^k +- 1, and longer than one block (1024 along memory)
LENGTHS = [1, 2, 7, 33, 127, 1500]
if LARGE:
    LENGTHS += [65537, 1 << 20]


def name(d):
    return str(d).replace("torch.", "")


def rand(*shape, dtype, low=-3, high=3):
    if dtype == torch.bool:
        return torch.randint(0, 2, shape, device=DEVICE).bool()
    if not dtype.is_floating_point:
        info = torch.iinfo(dtype)
        return torch.randint(max(low, info.min), min(high, info.max) + 1, shape, device=DEVICE).to(dtype)
    return torch.empty(shape, device=DEVICE).uniform_(low, high).to(dtype)


def layouts(x):
    """x as given, transposed (last two dims swapped in memory) and sliced (every other element)."""
    yield x
    if x.dim() >= 2:
        yield x.transpose(-1, -2).contiguous().transpose(-1, -2)
    wide = torch.empty(*x.shape[:-1], x.shape[-1] * 2, dtype=x.dtype, device=DEVICE) if x.dim() else None
    if wide is not None:
        wide[..., ::2] = x
        yield wide[..., ::2]


def shapes_and_dims():
    """(shape, dim): every length along the last dim and dim 0, and every dim of 3-d shapes."""
    for n in LENGTHS:
        yield (n,), 0
        yield (3, n), -1
        if n <= 127:
            yield (n, 5), 0
    for d in range(-3, 3):
        yield (4, 5, 6), d
    yield (3, 1, 7), 1
    yield (2, 33, 3), -2
    yield (), 0
    yield (), -1
    yield (0, 4), 1
    yield (3, 0), 1


def close(got, ref, bound):
    """|got - ref| <= bound elementwise, with NaN and infinities where the reference has them."""
    got = got.cpu().double()
    assert got.shape == ref.shape
    assert torch.equal(torch.isnan(got), torch.isnan(ref))
    fin = torch.isfinite(ref)
    assert torch.equal(got[~fin & ~torch.isnan(ref)], ref[~fin & ~torch.isnan(ref)])
    err = (got - ref).abs()[fin]
    b = bound[fin] if torch.is_tensor(bound) else bound
    assert (err <= b).all(), f"max error {(err - b).max().item():.3g} over the bound"


# ---------------------------------------------------------------- cumsum / cumprod


def cum_bound(x64, dim, dtype, prod):
    """Error bound: result rounding plus accumulation error growing with the scan length."""
    n = x64.shape[dim] if x64.dim() else 1
    scale = x64.abs().cumprod(dim) if prod else x64.abs().cumsum(dim)
    growth = n if prod else 4 * math.sqrt(n)
    return (EPS[dtype] + 4 * growth * ACC_EPS[dtype]) * scale + TINY[dtype]


@pytest.mark.parametrize("dtype", FLOATS, ids=name)
@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
def test_cumsum_cumprod_floats(op, dtype):
    prod = op == "cumprod"
    for shape, dim in shapes_and_dims():
        # cumprod: factors near +-1 keep long products in range
        x = rand(*shape, dtype=dtype, low=0.5, high=1.5) if prod else rand(*shape, dtype=dtype)
        if prod and x.numel():
            x = x * torch.where(torch.rand(shape, device=DEVICE) < 0.5, -1, 1).to(dtype)
        for xv in layouts(x):
            got = ran_gemforge(lambda: getattr(torch, op)(xv, dim), [op])
            assert got.dtype == dtype and got.shape == xv.shape and got.is_contiguous()
            x64 = xv.cpu().double()
            close(got, getattr(torch, op)(x64, dim), cum_bound(x64, dim, dtype, prod))


@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
def test_cumsum_cumprod_ints_and_dtype_argument(op):
    fn = getattr(torch, op)
    for dtype in INTS + [torch.bool]:
        for shape, dim in [((37,), 0), ((5, 33), -1), ((33, 4), 0), ((3, 4, 5), 1), ((), 0)]:
            x = rand(*shape, dtype=dtype, low=-2, high=2)
            ref = fn(x.cpu(), dim)  # integers accumulate in int64, exactly
            got = ran_gemforge(lambda: fn(x, dim), [op])
            assert got.dtype == torch.int64 and torch.equal(got.cpu(), ref)
            # dtype=: the input is converted first; narrower integers wrap as torch's do
            for out_dtype in (torch.int32, torch.float32, torch.float64):
                got = ran_gemforge(lambda: fn(x, dim, dtype=out_dtype), [op])
                assert got.dtype == out_dtype and torch.equal(got.cpu(), fn(x.cpu(), dim, dtype=out_dtype))
    # half inputs with a wider result, fp32 input with a half result
    low, high = (0.5, 1.5) if op == "cumprod" else (-3, 3)
    x = rand(5, 130, dtype=torch.float16, low=low, high=high)
    got = ran_gemforge(lambda: fn(x, 1, dtype=torch.float32), [op])
    close(got, fn(x.cpu().double(), 1), cum_bound(x.cpu().double(), 1, torch.float32, op == "cumprod"))
    # (fp32 values that bfloat16 holds exactly: the interpreter truncates where GPUs round)
    x = rand(5, 130, dtype=torch.bfloat16, low=low, high=high).float()
    got = ran_gemforge(lambda: fn(x, 1, dtype=torch.bfloat16), [op])
    assert got.dtype == torch.bfloat16
    x64 = x.cpu().double()
    close(got, fn(x64, 1), cum_bound(x64, 1, torch.bfloat16, op == "cumprod"))


@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
def test_cumsum_cumprod_inplace_and_out(op):
    fn = getattr(torch, op)
    for dtype in [torch.float32, torch.bfloat16, torch.int32]:
        for shape, dim in [((6, 1100), 1), ((40, 6), 0), ((3, 4, 5), -2), ((), 0)]:
            x = rand(*shape, dtype=dtype, low=-2, high=2)
            ref = fn(x.cpu().double(), dim)
            bound = cum_bound(x.cpu().double(), dim, dtype, op == "cumprod") if dtype.is_floating_point else 0
            if not dtype.is_floating_point:
                ref = fn(x.cpu(), dim).to(dtype).double()  # int64 results wrap to int32 as torch's
            y = x.clone()
            ran_gemforge(lambda: getattr(y, op + "_")(dim), [op + "_"])
            assert y.dtype == dtype
            close(y, ref, bound)
            # in place on a strided view
            if x.dim() == 2:
                base = torch.zeros(shape[0], shape[1] * 2, dtype=dtype, device=DEVICE)
                base[:, ::2] = x
                view = base[:, ::2]
                ran_gemforge(lambda: getattr(view, op + "_")(dim), [op + "_"])
                close(view, ref, bound)
                assert (base[:, 1::2] == 0).all()
            # out=: resized from empty, and the result dtype given by out
            out = torch.empty(0, dtype=dtype, device=DEVICE)
            ran_gemforge(lambda: fn(x, dim, out=out), [op + ".out"])
            assert out.shape == x.shape and out.dtype == dtype
            close(out, ref, bound)
            out64 = torch.empty(x.shape, dtype=torch.float64, device=DEVICE)
            ran_gemforge(lambda: fn(x, dim, out=out64), [op + ".out"])
            close(out64, ref, cum_bound(x.cpu().double(), dim, torch.float64, op == "cumprod")
                  if dtype.is_floating_point else 0)
    # named tensors (the dimname overloads) go to ATen's kernel, which propagates the names
    x = rand(4, 7, dtype=torch.float32).refine_names("a", "b")
    with gemforge.use(record=True):
        got = fn(x, "b")
        assert f"{op} -> aten fallback (named tensor)" in gemforge.recorded()
    assert got.names == ("a", "b")
    close(got.rename(None), fn(x.rename(None).cpu().double(), 1), 1e-5)


def test_cumsum_special_values():
    x = torch.tensor([1.0, float("inf"), 2.0, float("-inf"), 3.0, float("nan"), 4.0], device=DEVICE)
    got = ran_gemforge(lambda: torch.cumsum(x, 0), ["cumsum"])
    assert torch.equal(got.cpu(), torch.cumsum(x.cpu(), 0), ) or torch.allclose(
        got.cpu(), torch.cumsum(x.cpu(), 0), equal_nan=True)
    y = torch.tensor([2.0, 0.0, float("inf"), 3.0], device=DEVICE)
    got = ran_gemforge(lambda: torch.cumprod(y, 0), ["cumprod"])
    assert torch.allclose(got.cpu(), torch.cumprod(y.cpu(), 0), equal_nan=True)


# ---------------------------------------------------------------- cummax / cummin


def with_ties_and_nans(shape, dtype):
    """Small integers (many ties); floats also get NaNs and infinities."""
    x = rand(*shape, dtype=dtype, low=-3, high=3)
    if dtype.is_floating_point and x.numel():
        r = torch.rand(shape, device=DEVICE)
        x = torch.where(r < 0.05, float("nan"), x)
        x = torch.where((r > 0.05) & (r < 0.08), float("inf"), x)
        x = torch.where((r > 0.08) & (r < 0.11), float("-inf"), x).to(dtype)
    return x


@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_cummax_cummin(op):
    fn = getattr(torch, op)
    helper = "_" + op + "_helper"
    cases = [((1,), 0), ((7,), 0), ((3, 65), -1), ((65, 3), 0), ((3, 4, 5), 1), ((3, 4, 5), -3), ((), 0), ((0, 3), 1)]
    for dtype in FLOATS + INTS + [torch.bool]:
        for shape, dim in cases + ([((1100,), 0)] if dtype == torch.float32 else []):
            x = with_ties_and_nans(shape, dtype)
            for xv in (layouts(x) if dtype in (torch.float32, torch.int32) else [x]):
                values, indices = ran_gemforge(lambda: fn(xv, dim), [helper] if xv.numel() > 0 and xv.dim() else [])
                rv, ri = fn(xv.cpu(), dim)  # ATen's rule: the last index among equal extremes; NaN wins
                assert values.dtype == dtype and indices.dtype == torch.int64
                assert torch.equal(values.cpu().double().nan_to_num(7.5), rv.double().nan_to_num(7.5))
                assert torch.equal(indices.cpu(), ri), (dtype, shape, dim)
    # out=
    x = with_ties_and_nans((5, 40), torch.float32)
    v, i = torch.empty(0, device=DEVICE), torch.empty(0, dtype=torch.long, device=DEVICE)
    ran_gemforge(lambda: fn(x, 1, out=(v, i)), [helper])
    rv, ri = fn(x.cpu(), 1)
    assert torch.equal(v.cpu().nan_to_num(7.5), rv.nan_to_num(7.5)) and torch.equal(i.cpu(), ri)


# ---------------------------------------------------------------- logcumsumexp


@pytest.mark.parametrize("dtype", FLOATS, ids=name)
def test_logcumsumexp(dtype):
    # (a scan with its own combine function runs element by element under the interpreter)
    cases = [((1,), 0), ((7,), 0), ((3, 33), -1), ((33, 5), 0), ((4, 5, 6), -1), ((4, 5, 6), 1), ((4, 5, 6), -3),
             ((), 0), ((0, 4), 1)]
    if dtype == torch.float32:
        cases.append(((2, 1500), 1))  # longer than one block
    for shape, dim in cases:
        x = rand(*shape, dtype=dtype, low=-20, high=20)
        for xv in (layouts(x) if shape == (3, 33) else [x]):
            got = ran_gemforge(lambda: torch.logcumsumexp(xv, dim), ["_logcumsumexp"] if xv.numel() else [])
            assert got.dtype == dtype and got.shape == xv.shape
            ref = torch.logcumsumexp(xv.cpu().double(), dim)
            n = xv.shape[dim] if xv.dim() else 1
            close(got, ref, (EPS[dtype] + 8 * math.sqrt(n) * ACC_EPS[dtype]) * (ref.abs() + 1))
    # infinities and NaN as ATen: -inf is the identity, +inf stays, NaN propagates
    inf, nan = float("inf"), float("nan")
    for row in ([-inf, -inf, 1.0, -inf], [inf, 1.0, inf, -inf], [1.0, nan, 2.0, inf], [-inf, inf, -inf, 0.0]):
        x = torch.tensor(row, dtype=dtype, device=DEVICE)
        got = ran_gemforge(lambda: torch.logcumsumexp(x, 0), ["_logcumsumexp"])
        close(got, torch.logcumsumexp(x.cpu().double(), 0), 1e-2)
    # out= (resized)
    x = rand(4, 50, dtype=dtype)
    out = torch.empty(0, dtype=dtype, device=DEVICE)
    ran_gemforge(lambda: torch.logcumsumexp(x, 1, out=out), ["_logcumsumexp.out"])
    ref = torch.logcumsumexp(x.cpu().double(), 1)
    close(out, ref, (EPS[dtype] + 64 * ACC_EPS[dtype]) * (ref.abs() + 1))


# ---------------------------------------------------------------- sort / argsort / topk

SORT_LENGTHS = [1, 2, 7, 33, 127]
if LARGE:
    SORT_LENGTHS += [4096]


def sort_input(shape, dtype):
    """Many ties (exercises stability); floats also get NaN, infinities and -0.0."""
    if dtype.is_floating_point:
        x = with_ties_and_nans(shape, dtype)
        if x.numel():
            x = torch.where(torch.rand(shape, device=DEVICE) < 0.05, -0.0, x).to(dtype)
        return x
    return rand(*shape, dtype=dtype, low=-4, high=4)


def same(a, b):
    """Equal, NaN included, -0.0 and 0.0 told apart (NaN signs aside)."""
    a, b = a.cpu(), b.cpu()
    if not a.dtype.is_floating_point:
        return torch.equal(a, b)
    a64, b64 = a.double(), b.double()
    nan = torch.isnan(a64)
    return (a.shape == b.shape and torch.equal(nan, torch.isnan(b64))
            and torch.equal(a64.nan_to_num(0.5), b64.nan_to_num(0.5))
            and torch.equal(torch.signbit(a64[~nan]), torch.signbit(b64[~nan])))


def sort_cases(dtype):
    main = dtype in (torch.float32, torch.float64, torch.int32)
    for n in SORT_LENGTHS if main else [1, 33]:
        yield (n,), 0
    yield (3, 33), -1
    yield (33, 3), 0
    if main:
        yield (2, 1000), 1  # a long row, padded to 1024
        for d in range(-3, 3):
            yield (3, 4, 5), d
    else:
        yield (3, 4, 5), 1
    yield (), 0
    yield (0, 3), 1
    yield (3, 0), 1


@pytest.mark.parametrize("dtype", FLOATS + INTS + [torch.bool], ids=name)
def test_sort_stable(dtype):
    for shape, dim in sort_cases(dtype):
        x = sort_input(shape, dtype)
        for xv in (layouts(x) if x.dim() == 2 and x.shape[-1] < 100 else [x]):
            for descending in (False, True):
                v, i = ran_gemforge(lambda: torch.sort(xv, dim=dim, descending=descending, stable=True),
                                    ["sort.stable"])
                rv, ri = torch.sort(xv.cpu(), dim=dim, descending=descending, stable=True)
                assert v.dtype == dtype and i.dtype == torch.int64
                assert same(v, rv) and torch.equal(i.cpu(), ri), (shape, dim, descending)
                assert v.stride() == rv.stride() and i.stride() == ri.stride()


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.int64], ids=name)
def test_sort_unstable_argsort_msort(dtype):
    for shape, dim in [((33,), 0), ((4, 129), 1), ((65, 3), 0), ((3, 4, 5), -2)]:
        x = sort_input(shape, dtype)
        for descending in (False, True):
            v, i = ran_gemforge(lambda: torch.sort(x, dim, descending), ["sort.stable"])
            rv, _ = torch.sort(x.cpu(), dim, descending)
            # any order of ties is right: values as torch's, indices a permutation that gathers them
            assert same(v, rv)
            assert same(torch.gather(x.cpu(), dim, i.cpu()), rv)
            assert torch.equal(i.cpu().sort(dim).values, torch.arange(x.shape[dim]).expand_as(i.movedim(dim, -1))
                               .movedim(-1, dim))
            a = ran_gemforge(lambda: torch.argsort(x, dim=dim, descending=descending, stable=True), ["sort.stable"])
            assert torch.equal(a.cpu(), torch.argsort(x.cpu(), dim=dim, descending=descending, stable=True))
        m = ran_gemforge(lambda: torch.msort(x), ["sort.stable"])
        assert same(m, torch.msort(x.cpu()))


def test_sort_out():
    x = sort_input((5, 37), torch.float32)
    v, i = torch.empty(0, device=DEVICE), torch.empty(0, dtype=torch.long, device=DEVICE)
    ran_gemforge(lambda: torch.sort(x, dim=1, stable=True, out=(v, i)), ["sort.values_stable"])
    rv, ri = torch.sort(x.cpu(), dim=1, stable=True)
    assert same(v, rv) and torch.equal(i.cpu(), ri)
    # values and indices laid out differently
    v2 = torch.empty(37, 5, device=DEVICE).t()
    i2 = torch.empty(5, 37, dtype=torch.long, device=DEVICE)
    ran_gemforge(lambda: torch.sort(x, dim=1, descending=True, stable=True, out=(v2, i2)), ["sort.values_stable"])
    rv, ri = torch.sort(x.cpu(), dim=1, descending=True, stable=True)
    assert same(v2, rv) and torch.equal(i2.cpu(), ri)


# ---------------------------------------------------------------- rows up to 4096 (merge sort, radix rows)

# Keys of <= 32 bits on rows longer than a chunk (scan_sort.cpp row_plan; the interpreter: chunks
# of 256, rows from 257): chunks sorted by the bitonic network into packed words, then merged
# pairwise. 5x600: three chunks (the last partial), two merge passes; 2x1500: six chunks, three
# passes; 3x257: a chunk of one element; 2x3x512: a 3-d input, two whole chunks. On CUDA, many
# rows of 512 or more go to radix_rows (one warp a row, every digit pass in one launch): 600 rows
# of 700 and 1100 (contiguous and along a strided dim), 64x3000, 3000x70 along dim 0 and topk of
# 3100 of 3500 with four warps a row, 2200x520 with one warp a row, for every key width.
MERGE_DTYPES = [torch.float32, torch.int32, torch.bfloat16, torch.float16, torch.int16, torch.int8, torch.uint8,
                torch.bool]


@pytest.mark.parametrize("dtype", MERGE_DTYPES, ids=name)
def test_sort_merge(dtype):
    key32 = dtype.itemsize == 4
    main = dtype in (torch.float32, torch.bfloat16)
    cases = [((5, 600) if key32 else (2, 1500), -1, (False, True))]
    if main:
        cases += [((600, 3) if key32 else (1500, 2), 0, (True, ))]  # rows along a strided dim
    if dtype == torch.float32:
        cases += [((3, 257), 1, (False, ))]
    if dtype == torch.bfloat16:
        cases += [((2, 3, 512), -1, (False, ))]
    if LARGE:  # radix_rows
        cases += [((600, 1100), 1, (False, True)), ((700, 600), 0, (True, )), ((64, 3000), 1, (False, True)),
                  ((3000, 70), 0, (True, )), ((2200, 520), 1, (False, ))]
    if LARGE and main:  # the benchmark's shapes
        cases += [((4096, 4096), 1, (False, True)), ((8, 4096), 1, (False, )), ((32768, 512), 1, (False, )),
                  ((16384, 1024), 1, (True, )), ((3, 2049), 1, (False, ))]
    for shape, dim, directions in cases:
        x = sort_input(shape, dtype)
        if dtype.is_floating_point:
            x.narrow(dim, 0, 40).copy_(torch.randn(x.narrow(dim, 0, 40).shape, device=DEVICE))  # distinct values
        for descending in directions:
            v, i = ran_gemforge(lambda: torch.sort(x, dim=dim, descending=descending, stable=True), ["sort.stable"])
            rv, ri = torch.sort(x.cpu(), dim=dim, descending=descending, stable=True)
            assert v.dtype == dtype and same(v, rv) and torch.equal(i.cpu(), ri), (shape, dim, descending)
            assert v.stride() == rv.stride() and i.stride() == ri.stride()
    if main:
        a = ran_gemforge(lambda: torch.argsort(x, dim=dim, stable=True), ["sort.stable"])
        assert torch.equal(a.cpu(), torch.argsort(x.cpu(), dim=dim, stable=True))
        # sorted topk of k > 1024 sorts the rows and keeps the first k of the last pass (merge;
        # radix_rows on CUDA for 600 rows)
        for rows, n, k in [(2, 1500, 1100)] + ([(600, 1500, 1100), (64, 3500, 3100)] if LARGE else []):
            x = sort_input((rows, n), dtype)
            v, i = ran_gemforge(lambda: torch.topk(x, k, 1), ["topk"])
            rv, ri = torch.sort(x.cpu(), dim=1, descending=True, stable=True)
            assert same(v, rv[:, :k]) and torch.equal(i.cpu(), ri[:, :k]), (rows, n, k)


# ---------------------------------------------------------------- wide rows (radix sort, candidate topk)

# wider than one block (4096): several radix tiles (2048) and a partial last one
WIDE = 5000


def wide_cases(dtype):
    """(shape, dim, directions). Each radix pass costs seconds under the interpreter: few cases."""
    if dtype == torch.float32:
        yield (WIDE,), 0, (False, True)
        yield (2, 4099), -1, (False,)
    elif dtype == torch.int32:
        yield (WIDE,), 0, (True,)
        yield (4097, 2), 0, (False,)  # rows along a strided dim
    else:
        yield (WIDE,), 0, ((dtype in (torch.float16, torch.int8, torch.int64, torch.bool)),)
    if dtype == torch.int16:
        yield (4 * 4096 + 5,), 0, (True,)  # interpreter: 5 tiles of 4096, whose offsets take 2 chunks of 4
    if LARGE:
        # (the CUDA radix sort's tiles: 1024, 2048, 4096, 4096 elements)
        for shape in [(1, 1 << 20), (1, 3 << 20), (1, 16 << 20), (128, 32768)]:
            yield shape, 1, (False, True)


@pytest.mark.parametrize("dtype", FLOATS + INTS + [torch.bool], ids=name)
def test_sort_wide(dtype):
    for shape, dim, directions in wide_cases(dtype):
        x = sort_input(shape, dtype)
        if dtype.is_floating_point:
            x[..., :50] = torch.randn(x[..., :50].shape, device=DEVICE).to(dtype)  # distinct values too
        for descending in directions:
            v, i = ran_gemforge(lambda: torch.sort(x, dim=dim, descending=descending, stable=True), ["sort.stable"])
            rv, ri = torch.sort(x.cpu(), dim=dim, descending=descending, stable=True)
            assert v.dtype == dtype and same(v, rv) and torch.equal(i.cpu(), ri), (shape, dim, descending)
            assert v.stride() == rv.stride() and i.stride() == ri.stride()
    if dtype == torch.float32:
        # argsort of a sliced input; out= (resized)
        xs = sort_input((2 * WIDE,), dtype)[::2]
        a = ran_gemforge(lambda: torch.argsort(xs, descending=True, stable=True), ["sort.stable"])
        assert torch.equal(a.cpu(), torch.argsort(xs.cpu(), descending=True, stable=True))
        ov, oi = torch.empty(3, device=DEVICE), torch.empty(0, dtype=torch.long, device=DEVICE)
        ran_gemforge(lambda: torch.sort(xs, stable=True, out=(ov, oi)), ["sort.values_stable"])
        rv, ri = torch.sort(xs.cpu(), stable=True)
        assert same(ov, rv) and torch.equal(oi.cpu(), ri)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float64, torch.int32, torch.uint8], ids=name)
def test_topk_wide(dtype):
    """Rows wider than one program's block (4096) are split across programs (radix select);
    sorted k > kMaxCandidates (1024) goes through the radix sort. Ties are taken lowest index
    first and come out in index order: torch's stable sort, sliced."""
    cases = [((WIDE,), 0, [50], (True,))]
    if dtype == torch.float32:
        cases += [((WIDE,), 0, [1, 1500], (True, False)), ((20000,), 0, [1024], (True,))]  # 1024: two levels
    if dtype == torch.int32:
        cases += [((4500, 2), 0, [3], (False,)), ((2, 3, 4200), -1, [100], (True,))]
    if LARGE:
        cases += [((64, 131072), 1, [1, 50, 1024, 2000], (True, False)), ((1, 4 << 20), 1, [10, 1000], (True,)),
                  ((8, 262144), 1, [256], (True,))]
    for shape, dim, ks, directions in cases:
        x = sort_input(shape, dtype)
        for k in ks:
            for largest in directions:
                v, i = ran_gemforge(lambda: torch.topk(x, k, dim, largest=largest), ["topk"])
                rv, ri = torch.sort(x.cpu(), dim=dim, descending=largest, stable=True)
                rv, ri = rv.narrow(dim, 0, k), ri.narrow(dim, 0, k)
                assert v.dtype == dtype and same(v, rv) and torch.equal(i.cpu(), ri), (shape, dim, k, largest)
                assert same(torch.topk(x.cpu(), k, dim, largest=largest).values, v)
    # out= with a layout of its own
    x = sort_input((2, 4200), dtype)
    ov = torch.empty(40, 2, dtype=dtype, device=DEVICE).t()
    oi = torch.empty(0, dtype=torch.long, device=DEVICE)
    ran_gemforge(lambda: torch.topk(x, 40, 1, out=(ov, oi)), ["topk.values"])
    rv, ri = torch.sort(x.cpu(), dim=1, descending=True, stable=True)
    assert same(ov, rv[:, :40]) and torch.equal(oi.cpu(), ri[:, :40])


def topk_reference(x, k, dim, largest):
    """torch's stable sort, sliced: the values, and ties lowest index first in index order."""
    rv, ri = torch.sort(x.cpu(), dim=dim, descending=largest, stable=True)
    return rv.narrow(dim, 0, k), ri.narrow(dim, 0, k)


def test_topk_select():
    """Radix select through one program a row (up to 4096) and rows split across programs
    (wider): all-equal rows, few distinct values with NaN and infinities, k = 1 and k = N,
    sorted=False (the winners in any order: compared as sets of indices), rows along a strided dim."""
    f32, bf16 = torch.float32, torch.bfloat16
    cases = [(torch.full((3, 300), 2.0, device=DEVICE), 1, [1, 7, 300]),
             (torch.full((1, 20000), -1.5, device=DEVICE).to(bf16), 1, [1, 64]),
             (with_ties_and_nans((1, 9000), f32), 1, [1, 700]),
             (with_ties_and_nans((9000, 2), bf16), 0, [33]),
             (sort_input((2, 3000), torch.float16), 1, [3000])]
    if LARGE:
        cases += [(torch.randn(64, 128000, device=DEVICE).to(bf16), 1, [50]),
                  (torch.randn(1, 1 << 24, device=DEVICE).to(bf16), 1, [1024]),
                  (torch.randn(8, 4096, device=DEVICE).to(bf16), 1, [50]),
                  (torch.randn(64, 128000, device=DEVICE), 1, [50])]
    for x, dim, ks in cases:
        for k in ks:
            for largest in (True, False):
                rv, ri = topk_reference(x, k, dim, largest)
                v, i = ran_gemforge(lambda: torch.topk(x, k, dim, largest=largest), ["topk"])
                assert same(v, rv) and torch.equal(i.cpu(), ri), (x.shape, dim, k, largest)
                v, i = ran_gemforge(lambda: torch.topk(x, k, dim, largest=largest, sorted=False), ["topk"])
                assert same(v, torch.gather(x, dim, i))
                assert torch.equal(i.cpu().sort(dim).values, ri.sort(dim).values), (x.shape, dim, k, largest)
    # k = N of a split row, sorted=False: every index once
    x = with_ties_and_nans((9000, 2), bf16)
    v, i = ran_gemforge(lambda: torch.topk(x, 9000, 0, sorted=False), ["topk"])
    assert same(v, torch.gather(x, 0, i))
    assert torch.equal(i.cpu().sort(0).values, torch.arange(9000)[:, None].expand(9000, 2))
    # out= of a split row, written through its own strides
    x = with_ties_and_nans((2, 5000), f32)
    ov, oi = torch.empty(40, 2, device=DEVICE).t(), torch.empty(40, 2, dtype=torch.long, device=DEVICE).t()
    ran_gemforge(lambda: torch.topk(x, 40, 1, largest=False, out=(ov, oi)), ["topk.values"])
    rv, ri = topk_reference(x, 40, 1, False)
    assert same(ov, rv) and torch.equal(oi.cpu(), ri)


@pytest.mark.parametrize("dtype", FLOATS + INTS, ids=name)
def test_topk(dtype):
    main = dtype in (torch.float32, torch.int32)
    cases = [((3, 33), -1)]
    if main:
        cases += [((1,), 0), ((7,), 0), ((65, 3), 0), ((3, 4, 5), 1), ((), 0), ((2, 1000), 1)]
    for shape, dim in cases:
        n = shape[dim] if shape else 1
        distinct = dtype.is_floating_point and dtype != torch.float16 and dtype != torch.bfloat16
        # distinct values: indices are determined; with ties, values and gathered indices are checked
        x = (torch.randperm(math.prod(shape), device=DEVICE).reshape(shape).to(dtype) if distinct
             else sort_input(shape, dtype))
        for xv in (layouts(x) if shape == (3, 33) and main else [x]):
            # (k = 0 of a 0-d input returns one uninitialized element, in torch too)
            for k in sorted({0, 1, n // 2, n} - ({0} if not shape else set())):
                for largest in (True, False):
                    v, i = ran_gemforge(lambda: torch.topk(xv, k, dim, largest=largest), ["topk"])
                    rv, ri = torch.topk(xv.cpu(), k, dim, largest=largest)
                    assert v.dtype == dtype and v.shape == rv.shape and i.dtype == torch.int64
                    assert same(v, rv), (shape, dim, k, largest)
                    if k:
                        assert same(torch.gather(xv.cpu(), dim if shape else 0, i.cpu().reshape(
                            i.shape if shape else (1,))).reshape(rv.shape), rv)
                    if distinct:
                        assert torch.equal(i.cpu(), ri)
                    if k != n // 2:
                        continue
                    # sorted=False: any order; compare as sets
                    v, i = ran_gemforge(lambda: torch.topk(xv, k, dim, largest=largest, sorted=False), ["topk"])
                    assert same(v.cpu().sort(dim if shape else 0).values, rv.sort(dim if shape else 0).values)
    # out=
    x = torch.randn(4, 50, device=DEVICE).to(dtype) if dtype.is_floating_point else rand(4, 50, dtype=dtype)
    v, i = torch.empty(0, dtype=dtype, device=DEVICE), torch.empty(0, dtype=torch.long, device=DEVICE)
    ran_gemforge(lambda: torch.topk(x, 5, 1, out=(v, i)), ["topk.values"])
    rv, _ = torch.topk(x.cpu(), 5, 1)
    assert same(v, rv) and v.shape == (4, 5)


# ---------------------------------------------------------------- unique


def same_unique(got, ref):
    """Values equal (-0.0 == 0.0: either may stand for their run), NaN included; exact otherwise."""
    got, ref = got.cpu(), ref.cpu()
    if not got.dtype.is_floating_point:
        return got.dtype == ref.dtype and torch.equal(got, ref)
    return (got.dtype == ref.dtype and got.shape == ref.shape
            and torch.equal(got.double().nan_to_num(0.5), ref.double().nan_to_num(0.5)))


def same_inverse(got, ref, x):
    """Exact, but each NaN is a run of its own and the order of those runs is ATen's choice."""
    got, ref, x = got.cpu(), ref.cpu(), x.cpu()
    if got.numel() == 0 or not x.dtype.is_floating_point:
        return torch.equal(got, ref)
    nan = torch.isnan(x.reshape(got.shape)) if got.shape == x.shape else torch.zeros_like(got, dtype=torch.bool)
    return torch.equal(got[~nan], ref[~nan]) and torch.equal(got[nan].sort().values, ref[nan].sort().values)


def test_unique_wide():
    """A row sorted by the radix sort; NaN, -0.0 and ties."""
    x = sort_input((WIDE,), torch.float32)
    u, inv, cnt = ran_gemforge(lambda: torch.unique(x, return_inverse=True, return_counts=True), ["_unique2"])
    ru, rinv, rcnt = torch.unique(x.cpu(), return_inverse=True, return_counts=True)
    assert same_unique(u, ru) and same_inverse(inv, rinv, x) and torch.equal(cnt.cpu(), rcnt)


@pytest.mark.parametrize("kind", ["few bits", "high and low bits", "negative", "all equal"])
def test_unique_radix_passes(kind):
    """Rows wider than one block through the radix sort (int64 values spanning more than their
    count, or floats): unique skips the passes whose digit is the same for every element (few
    bits: values < 1000 and one at 2^16, the passes of bits 0-16 run; high and low bits: the passes
    of bit 0 and bit 40, not adjacent; negative values: all; all equal (floats): one pass writes
    the output). (Digits are 4 bits under the interpreter, 8 on CUDA.)"""
    n = 4500
    if kind == "few bits":
        x = torch.randint(0, 1000, (n, ), device=DEVICE)
        x[n // 2] = 1 << 16  # a range wider than n: not counted (test_unique_counting)
    elif kind == "high and low bits":
        x = torch.randint(0, 2, (n, ), device=DEVICE) + torch.randint(0, 2, (n, ), device=DEVICE) * (1 << 40)
    elif kind == "negative":
        x = torch.randint(-500, 500, (n, ), device=DEVICE) * 3
    else:
        x = torch.full((n, ), -7.0, device=DEVICE)
    u, inv, cnt = ran_gemforge(lambda: torch.unique(x, sorted=True, return_inverse=True, return_counts=True),
                               ["_unique2"])
    ru, rinv, rcnt = torch.unique(x.cpu(), sorted=True, return_inverse=True, return_counts=True)
    assert torch.equal(u.cpu(), ru) and torch.equal(inv.cpu(), rinv) and torch.equal(cnt.cpu(), rcnt)
    if kind == "few bits":
        u = ran_gemforge(lambda: torch.unique(x, sorted=True), ["_unique2"])
        assert torch.equal(u.cpu(), ru)


HASH_FLOATS = [torch.float32, torch.bfloat16, torch.float16, torch.float64]
HASH_INTS = [torch.int64, torch.int32, torch.int16]
HASH_CASES = ([("few values", d) for d in HASH_FLOATS + HASH_INTS] + [("NaN", d) for d in HASH_FLOATS]
              + [("many values", d) for d in HASH_FLOATS + [torch.int64]] + [("empty key", torch.int64)])


@pytest.mark.parametrize("kind,dtype", HASH_CASES, ids=lambda c: c if isinstance(c, str) else name(c))
def test_unique_hashing(kind, dtype):
    """unique without inverse or counts, of values that counting does not take (floats; integers
    spread wide): the distinct values are listed through a hash table and only the list is sorted
    (at most a quarter of the elements). The kernel gives up, and every element is sorted, on NaN
    (each NaN its own value), on more values than that, and on an int64 equal to the 8-byte
    table's EMPTY. -0.0 and 0.0 are one value."""
    floating = dtype.is_floating_point
    n = (1 << 22) if LARGE else 6000
    x = torch.randint(-60, 60, (n, ), device=DEVICE)
    if floating:
        x = (x.double() / 4).to(dtype)
        x[::7] = -0.0
        x[::11] = 0.0
    else:  # a range wider than the count: not counted
        x = (x * {torch.int64: 1 << 40, torch.int32: 1 << 20, torch.int16: 1 << 8}[dtype] + 3).to(dtype)
    if kind == "NaN":
        x[n // 3] = x[n // 2] = float("nan")
    elif kind == "many values":
        x = torch.randperm(n, device=DEVICE).to(dtype) if dtype != torch.float16 else \
            torch.randn(n, device=DEVICE).to(dtype)
    elif kind == "empty key":
        x[n // 5] = 0x7FF4F00D5EED0001
    u = ran_gemforge(lambda: torch.unique(x, sorted=True), ["_unique2"])
    ref = torch.unique(x.cpu(), sorted=True)
    assert same_unique(u, ref)
    # with the inverse and counts: every element sorted
    u, inv, cnt = ran_gemforge(lambda: torch.unique(x, sorted=True, return_inverse=True, return_counts=True),
                               ["_unique2"])
    ru, rinv, rcnt = torch.unique(x.cpu(), sorted=True, return_inverse=True, return_counts=True)
    assert same_unique(u, ru) and same_inverse(inv, rinv, x) and torch.equal(cnt.cpu(), rcnt)


def test_unique_values_only_long_runs():
    """Only the values (no inverse, no counts): runs are counted a block (1024) at a time, and
    runs longer than a block, starting in one and ending in another, count once; each NaN is a
    run of its own. Sorted (NaN makes the hash table give up: every element sorted) and
    consecutive."""
    x = torch.cat([torch.full((2500, ), 2.0), torch.full((3, ), float("nan")), torch.full((2600, ), -1.0),
                   torch.arange(40.0)]).to(DEVICE)
    u = ran_gemforge(lambda: torch.unique(x[torch.randperm(x.numel(), device=DEVICE)], sorted=True), ["_unique2"])
    assert same_unique(u, torch.unique(x.cpu(), sorted=True))
    uc = ran_gemforge(lambda: torch.unique_consecutive(x), ["unique_consecutive"])
    assert same_unique(uc, torch.unique_consecutive(x.cpu()))


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool],
                         ids=name)
def test_unique_counting(dtype):
    """Integers whose range is narrower than their count (wider than one sort block) are counted,
    not sorted: ranges up to 1024 values counted per tile, wider ones per element (int16 and
    wider), 8-bit and bool inputs over their whole range; negative values, a single value."""
    n = (1 << 24) if LARGE else 6000
    info = torch.iinfo(dtype) if dtype != torch.bool else None
    cases = [(0, 2)] if dtype == torch.bool else [(-3, 4), (info.min, info.min + 1)]
    if dtype in (torch.int8, torch.uint8):
        cases += [(info.min, info.max + 1)]
    elif dtype != torch.bool:
        cases += [(-300, 300), (-5, n - 2000)]  # per tile; per element
        if LARGE:
            cases += [(0, 128256)]  # token ids
    for lo, hi in cases:
        x = torch.randint(lo, hi, (n, ), device=DEVICE).to(dtype)
        if lo + 1 == hi:
            x = x.reshape(2, -1)  # one value; inverse keeps the input's shape
        ref = torch._unique2(x.cpu(), True, True, True)
        for ret_inv in (False, True):
            for ret_counts in (False, True):
                got = ran_gemforge(lambda: torch._unique2(x, True, ret_inv, ret_counts), ["_unique2"])
                assert same_unique(got[0], ref[0]), (lo, hi)
                assert torch.equal(got[1].cpu(), ref[1] if ret_inv else ref[1][:0].reshape(0)), (lo, hi)
                assert torch.equal(got[2].cpu(), ref[2] if ret_counts else ref[2][:0]), (lo, hi)


def unique_cases(dtype):
    main = dtype in (torch.float32, torch.int64)
    yield (1,)
    yield (37,)
    yield (4, 5)
    yield ()
    yield (0,)
    yield (2, 0, 3)
    if LARGE and main:
        yield (1 << 22,)


@pytest.mark.parametrize("dtype", FLOATS + INTS + [torch.bool], ids=name)
def test_unique(dtype):
    for shape in unique_cases(dtype):
        x = sort_input(shape, dtype)
        for ret_inv in (False, True):
            for ret_counts in (False, True):
                got = ran_gemforge(lambda: torch._unique2(x, True, ret_inv, ret_counts),
                                   ["_unique2"])
                ref = torch._unique2(x.cpu(), True, ret_inv, ret_counts)
                assert same_unique(got[0], ref[0]), shape
                assert got[1].shape == ref[1].shape and same_inverse(got[1], ref[1], x)
                assert got[2].shape == ref[2].shape and torch.equal(got[2].cpu(), ref[2])
        # through torch.unique, sorted=False (ATen's CUDA kernel sorts too: any order is right)
        u, inv, cnt = ran_gemforge(lambda: torch.unique(x, sorted=False, return_inverse=True, return_counts=True),
                                   ["_unique2"])
        if x.numel():
            assert same_unique(u[inv], x)
            assert cnt.sum().item() == x.numel()
        assert same_unique(u.sort().values, torch.unique(x.cpu()))
        # _unique (sorted, inverse)
        got = ran_gemforge(lambda: torch._unique(x, True, True), ["_unique"])
        ref = torch._unique(x.cpu(), True, True)
        assert same_unique(got[0], ref[0]) and same_inverse(got[1], ref[1], x)
        got = ran_gemforge(lambda: torch._unique(x, True, False), ["_unique"])
        assert got[1].shape == torch._unique(x.cpu(), True, False)[1].shape


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.int32, torch.bool], ids=name)
def test_unique_consecutive(dtype):
    for shape in [(1,), (40,), (3, 7), (), (0,), (WIDE,)]:
        x = sort_input(shape, dtype)
        if x.numel() > 2:
            x = x.flatten().repeat_interleave(2)[:x.numel()].reshape(shape)  # runs of equal values
        for ret_inv in (False, True):
            for ret_counts in (False, True):
                got = ran_gemforge(lambda: torch.unique_consecutive(x, return_inverse=ret_inv,
                                                                    return_counts=ret_counts),
                                   ["unique_consecutive"])
                ref = torch.unique_consecutive(x.cpu(), return_inverse=ret_inv, return_counts=ret_counts)
                got = got if isinstance(got, tuple) else (got,)
                ref = ref if isinstance(ref, tuple) else (ref,)
                assert len(got) == len(ref) and same_unique(got[0], ref[0])
                for g, r in zip(got[1:], ref[1:]):
                    assert g.shape == r.shape and torch.equal(g.cpu(), r)


def test_unique_along_dim_goes_to_aten():
    x = torch.tensor([[1, 2], [1, 2], [0, 5]], device=DEVICE)
    with gemforge.use(record=True):
        u = torch.unique(x, dim=0)
        uc = torch.unique_consecutive(x, dim=0)
        rec = gemforge.recorded()
    assert "unique_dim -> aten fallback (unique_dim)" in rec, rec
    assert "unique_consecutive -> aten fallback (unique_consecutive along a dim)" in rec, rec
    assert torch.equal(u.cpu(), torch.unique(x.cpu(), dim=0))
    assert torch.equal(uc.cpu(), torch.unique_consecutive(x.cpu(), dim=0))


# ---------------------------------------------------------------- errors


def test_errors_match_torch():
    x = torch.randn(3, 4, device=DEVICE)
    xi = torch.randint(0, 5, (3, 4), device=DEVICE)
    cases = [
        lambda: torch.cumsum(x, 2),                                                       # dim out of range
        lambda: torch.cumprod(x, -3),
        lambda: torch.cumsum(x, 1, out=torch.empty(3, 4, dtype=torch.float64, device=DEVICE), dtype=torch.float32),
        lambda: x.clone().cumsum_(0, dtype=torch.float64),                                # in-place dtype
        lambda: torch.cummax(x, 2),
        lambda: torch.cummin(x, 0, out=(torch.empty(0, dtype=torch.float64, device=DEVICE),
                                        torch.empty(0, dtype=torch.long, device=DEVICE))),
        lambda: torch.logcumsumexp(x, 5),
        lambda: torch.logcumsumexp(xi, 0),                                                # integer input
        lambda: torch.sort(x, dim=2),
        lambda: torch.sort(x, dim=1, out=(torch.empty(0, dtype=torch.float64, device=DEVICE),
                                          torch.empty(0, dtype=torch.long, device=DEVICE))),
        lambda: torch.sort(x, dim=1, out=(torch.empty(0, device=DEVICE), torch.empty(0, device=DEVICE))),
        lambda: torch.topk(x, 5, 1),                                                      # k too large
        lambda: torch.topk(x, -1, 1),
        lambda: torch.topk(x, 2, 3),
        lambda: torch.topk(torch.tensor(1.0, device=DEVICE), 2),
        lambda: torch.topk(x, 2, 1, out=(torch.empty(0, dtype=torch.float64, device=DEVICE),
                                         torch.empty(0, dtype=torch.long, device=DEVICE))),
    ]
    for fn in cases:
        same_error(fn)


def test_long_rows_split_into_segments():
    """Few long rows are split into segments (phase 1: each segment's total; phase 2: each segment
    rescanned from the totals before it). Under the interpreter a row of 3100 makes 4 segments,
    so segment 3 combines the totals of three others; ties and NaN cross segment borders. On the
    GPU, 16M elements make hundreds of segments (totals combined 256 at a time)."""
    if LARGE:
        big = rand(1 << 24, dtype=torch.int32, low=-1000, high=1000)
        assert torch.equal(ran_gemforge(lambda: torch.cumsum(big, 0), ["cumsum"]).cpu(), torch.cumsum(big.cpu(), 0))
        bigf = rand(1 << 24, dtype=torch.float32)
        close(ran_gemforge(lambda: torch.cumsum(bigf, 0), ["cumsum"]), torch.cumsum(bigf.cpu().double(), 0),
              cum_bound(bigf.cpu().double(), 0, torch.float32, False))
    n = 3100
    x = rand(n, dtype=torch.float32)
    x64 = x.cpu().double()
    close(ran_gemforge(lambda: torch.cumsum(x, 0), ["cumsum"]), torch.cumsum(x64, 0),
          cum_bound(x64, 0, torch.float32, False))
    close(ran_gemforge(lambda: torch.logcumsumexp(x, 0), ["_logcumsumexp"]), torch.logcumsumexp(x64, 0),
          cum_bound(x64, 0, torch.float32, False))
    f = torch.where(torch.rand(n, device=DEVICE) < 0.5, 0.999, 1.001).double()
    close(ran_gemforge(lambda: torch.cumprod(f, 0), ["cumprod"]), torch.cumprod(f.cpu(), 0),
          cum_bound(f.cpu(), 0, torch.float64, True))
    ties = rand(n, dtype=torch.int32, low=-2, high=2)
    ties[3090] = 9  # the maximum, in segment 3
    nan = x.clone()
    nan[2000] = float("nan")  # in segment 2: wins from there on
    for t in (ties, nan):
        for fn, helper in ((torch.cummax, "_cummax_helper"), (torch.cummin, "_cummin_helper")):
            values, indices = ran_gemforge(lambda: fn(t, 0), [helper])
            ref = fn(t.cpu(), 0)
            assert torch.equal(values.cpu(), ref.values, ) or torch.allclose(values.cpu(), ref.values, equal_nan=True)
            assert torch.equal(indices.cpu(), ref.indices), fn
