"""What test_ops can't express for csrc/ops/pointwise/ternary.cpp: every copy_ dtype pair, strided
and overlapping destinations, the out= forms of composite ops (reached through torch.ops),
layouts of clone/_to_copy results, isin's sorted path, errors, and that copies
made by torch or by the interpreter itself neither recurse nor get recorded as fallbacks."""
import pytest
import torch

import gemforge
from conftest import DEVICE, same_error, same_outcome

aten = torch.ops.aten

DTYPES = [torch.float32, torch.float16, torch.bfloat16, torch.float64, torch.int8, torch.uint8, torch.int32,
          torch.int64, torch.bool]


def _ran(name, fn):
    """fn() under GemForge with record mode; asserts `name` ran as ours and nothing fell back."""
    with gemforge.use(record=True):
        result = fn()
        rec = gemforge.recorded()
    assert name in rec, (name, rec)
    assert not [r for r in rec if "fallback" in r], rec
    return result




def _values(dtype):
    """Values with one exact representation in every dtype of DTYPES (so any pair copies exactly),
    plus the special values of floats."""
    v = torch.tensor([0, 1, 2, 3, 7, 100, 127, 0, 5, 64], dtype=torch.float64)
    if dtype.is_floating_point:
        v = torch.cat([v - 2.5, torch.tensor([float("inf"), -float("inf"), float("nan"), -0.0], dtype=torch.float64)])
    return v.to(dtype).to(DEVICE)


@pytest.mark.parametrize("src_dtype", DTYPES, ids=str)
def test_copy_every_dtype_pair(src_dtype):
    """dst.copy_(src) for every pair matches torch exactly (float -> int and -> bool included)."""
    src = _values(src_dtype)
    for dst_dtype in DTYPES:
        if not dst_dtype.is_floating_point and src_dtype.is_floating_point:
            src_ = src[:-4]  # inf/NaN into integers is undefined
        else:
            src_ = src
        expected = torch.empty(src_.shape, dtype=dst_dtype, device=DEVICE).copy_(src_)
        got = _ran("copy_", lambda: torch.empty(src_.shape, dtype=dst_dtype, device=DEVICE).copy_(src_))
        torch.testing.assert_close(got, expected, rtol=0, atol=0, equal_nan=True, msg=f"{src_dtype} -> {dst_dtype}")


def test_copy_conversions_as_c10_convert():
    """Rounding through float into half types, float -> uint8 through int64, -> bool as != 0."""
    f64 = torch.tensor([1 + 2**-11 + 2**-40, -(1 + 2**-11 + 2**-40)], dtype=torch.float64, device=DEVICE)
    i64 = torch.tensor([2**30 + 2**22 + 1, 65504, -65520], dtype=torch.int64, device=DEVICE)
    f32 = torch.tensor([-3.7, -1.0, 250.5, 0.0, -0.0, float("nan"), 0.25], device=DEVICE)
    cases = [(f64, torch.float16), (i64, torch.float16), (f32[:5], torch.uint8), (f32, torch.bool),
             (i64, torch.bool)]
    for src, dtype in cases:
        expected = src.to(dtype)
        got = _ran("_to_copy", lambda: src.to(dtype))
        torch.testing.assert_close(got, expected, rtol=0, atol=0, msg=f"{src.dtype} -> {dtype}")


def test_copy_into_strided_and_transposed_destinations():
    base = torch.zeros(6, 40, device=DEVICE)
    src = torch.arange(120, dtype=torch.int32, device=DEVICE).view(6, 20)
    expected = base.clone()
    expected[:, ::2].copy_(src)
    _ran("copy_", lambda: base[:, ::2].copy_(src))
    assert torch.equal(base, expected)
    dst = torch.zeros(9, 7, dtype=torch.float16, device=DEVICE).t()
    _ran("copy_", lambda: dst.copy_(torch.arange(7.0, device=DEVICE).view(7, 1)))
    assert torch.equal(dst, torch.arange(7.0, device=DEVICE).view(7, 1).expand(7, 9).half())


def test_strided_and_expanded_operands():
    """Non-dense views as inputs (test_ops' harness clones its inputs, which densifies them)."""
    base = torch.randn(6, 40, device=DEVICE)
    strided, expanded = base[:, ::2], base[:1, :20].expand(6, 20)
    mask = (torch.rand(6, 40, device=DEVICE) > 0.5)[:, 1::2]
    calls = {
        "copy_": lambda: torch.empty(6, 20, dtype=torch.float16, device=DEVICE).copy_(strided),
        "clone": lambda: expanded.clone(),
        "_to_copy": lambda: strided.to(torch.int32),
        "where.self": lambda: torch.where(mask, strided, expanded),
        "masked_fill.Scalar": lambda: strided.masked_fill(mask, 2.0),
        "masked_fill_.Scalar": lambda: base.clone()[:, 1::2].masked_fill_(mask.t().contiguous().t(), -1.0),
        "clamp": lambda: strided.clamp(-0.5, 0.5),
        "clamp.Tensor": lambda: strided.clamp(expanded, None),
        "lerp.Tensor": lambda: torch.lerp(strided, expanded, strided.abs()),
        "addcmul": lambda: torch.addcmul(expanded, strided, strided),
        "isclose": lambda: torch.isclose(strided, expanded),
        "isin.Tensor_Tensor": lambda: torch.isin(strided, base[0, ::7]),
    }
    assert not mask.is_contiguous() and not strided.is_contiguous()
    for name, call in calls.items():
        expected = call()
        got = _ran(name, call)
        # lerp and addcmul round as ATen's CUDA kernels do; its CPU kernels associate differently
        tol = 1.3e-6 if name in ("lerp.Tensor", "addcmul") else 0
        torch.testing.assert_close(got, expected, rtol=tol, atol=tol, msg=name)


def test_copy_self_and_aliases():
    x = torch.arange(6.0, device=DEVICE)
    _ran("copy_", lambda: x.copy_(x))
    _ran("copy_", lambda: x.copy_(x.view(2, 3).view(6)))  # full overlap: allowed
    assert torch.equal(x, torch.arange(6.0, device=DEVICE))


@pytest.mark.parametrize("case", ["expanded-dst", "partial-overlap", "bad-broadcast"])
def test_copy_errors(case):
    x = torch.arange(6.0, device=DEVICE)
    calls = {
        "expanded-dst": lambda: torch.zeros(3, device=DEVICE).expand(2, 3).copy_(torch.ones(2, 3, device=DEVICE)),
        "partial-overlap": lambda: x[1:].copy_(x[:-1]),
        "bad-broadcast": lambda: torch.zeros(3, device=DEVICE).copy_(torch.ones(2, 3, device=DEVICE)),
    }
    same_error(calls[case])


def test_copy_of_neg_view_goes_to_aten():
    x = torch.randn(5, device=DEVICE)
    neg = torch._neg_view(x)
    with gemforge.use(record=True):
        got = torch.empty(5, device=DEVICE).copy_(neg)
        rec = gemforge.recorded()
    assert "copy_ -> aten fallback (neg/conj bit)" in rec
    assert torch.equal(got, -x)


def test_clone_and_to_copy_layouts_match_torch():
    """Result strides (not just values) follow ATen's layout rules."""
    cases = [
        lambda: torch.randn(4, 6, device=DEVICE).t().clone(),
        lambda: torch.randn(6, 40, device=DEVICE)[:, ::2].clone(),
        lambda: torch.randn(3, 1, 5, device=DEVICE).expand(3, 4, 5).clone(),
        lambda: torch.randn(2, 3, 4, 5, device=DEVICE).clone(memory_format=torch.channels_last),
        lambda: torch.randn(4, 6, device=DEVICE).t().to(torch.float16),
        lambda: torch.randn(6, 40, device=DEVICE)[:, ::2].t().to(torch.int32),
        lambda: torch.randn(2, 3, 4, 5, device=DEVICE).to(torch.float64, memory_format=torch.channels_last),
        lambda: torch.randn(4, 6, device=DEVICE).t().contiguous(),
    ]
    for i, make in enumerate(cases):
        torch.manual_seed(i)
        expected = make()
        torch.manual_seed(i)
        with gemforge.use(record=True):
            got = make()
            rec = gemforge.recorded()
        assert "clone" in rec or "_to_copy" in rec, rec
        assert got.stride() == expected.stride() and torch.equal(got, expected), i


def test_out_forms_of_composite_ops():
    """Forms Python reaches only through torch.ops: functional fill/zero/copy, and the out= of
    fill, zero, clone, copy, _to_copy and masked_fill."""
    x = torch.randn(4, 5, device=DEVICE)
    mask = torch.rand(4, 5, device=DEVICE) > 0.5
    src = torch.arange(5, dtype=torch.int32, device=DEVICE)
    e = lambda: torch.empty(0, device=DEVICE)  # noqa: E731  (resized by the op)
    minus_1_5 = torch.tensor(-1.5, device=DEVICE)  # made here: on CUDA a host-to-device copy
    calls = {
        "fill.Scalar": (lambda: aten.fill.Scalar(x, 2.5), torch.full_like(x, 2.5)),
        "fill.Tensor": (lambda: aten.fill.Tensor(x, minus_1_5), torch.full_like(x, -1.5)),
        "fill.Scalar_out": (lambda: aten.fill.Scalar_out(x, 3, out=e()), torch.full_like(x, 3)),
        "fill.Tensor_out": (lambda: aten.fill.Tensor_out(x, torch.tensor(4.0), out=e()), torch.full_like(x, 4)),
        "zero": (lambda: aten.zero(x), torch.zeros_like(x)),
        "zero.out": (lambda: aten.zero.out(x, out=e()), torch.zeros_like(x)),
        "clone.out": (lambda: aten.clone.out(x.t(), out=e()), x.t().contiguous()),
        "copy": (lambda: aten.copy(x, src), src.float().expand(4, 5)),
        "copy.out": (lambda: aten.copy.out(x, src, out=e()), src.float().expand(4, 5)),
        "_to_copy.out": (lambda: aten._to_copy.out(x, out=torch.empty(0, dtype=torch.float64, device=DEVICE)),
                         x.double()),
        "masked_fill.Scalar_out": (lambda: aten.masked_fill.Scalar_out(x, mask, 7, out=e()), x.masked_fill(mask, 7)),
        "masked_fill.Tensor_out": (lambda: aten.masked_fill.Tensor_out(x, mask, torch.tensor(8.0), out=e()),
                                   x.masked_fill(mask, 8)),
    }
    for name, (call, expected) in calls.items():
        got = _ran(name, call)
        assert got.dtype == expected.dtype and torch.equal(got, expected), name


def test_out_dtype_must_match_for_composite_out_forms():
    x = torch.randn(3, device=DEVICE)
    out = lambda: torch.empty(3, dtype=torch.int64, device=DEVICE)  # noqa: E731
    same_error(lambda: aten.fill.Scalar_out(x, 1, out=out()))
    same_error(lambda: aten.clone.out(x, out=out()))
    same_error(lambda: aten.zero.out(x, out=out()))
    same_error(lambda: aten.masked_fill.Scalar_out(x, x > 0, 1, out=out()))


def test_inplace_forms_on_views_write_through():
    base = torch.randn(6, 8, device=DEVICE)
    expected = base.clone()
    expected[:, ::2].clamp_(-0.1, 0.1)
    expected[::2].masked_fill_(expected[::2] > 0, 5.0)
    expected[1::2].fill_(3)
    expected[:, 1].zero_()
    with gemforge.use():
        base[:, ::2].clamp_(-0.1, 0.1)
        base[::2].masked_fill_(base[::2] > 0, 5.0)
        base[1::2].fill_(3)
        base[:, 1].zero_()
    torch.testing.assert_close(base, expected)


def test_fill_overlapping_and_aliased_values():
    """fill_(Scalar) may write an expanded tensor (idempotent); fill_(Tensor) with a value that
    is a view of self reads it first."""
    x = torch.zeros(3, device=DEVICE)
    _ran("fill_.Scalar", lambda: x.expand(2, 3).fill_(1.5))
    assert torch.equal(x, torch.full((3, ), 1.5, device=DEVICE))
    y = torch.arange(5.0, device=DEVICE) + 1
    _ran("fill_.Tensor", lambda: y.fill_(y[3]))
    assert torch.equal(y, torch.full((5, ), 4.0, device=DEVICE))
    same_error(lambda: torch.zeros(3, device=DEVICE).expand(2, 3).fill_(torch.tensor(1.0, device=DEVICE)))


def test_masked_fill_on_expanded_self_warns_like_torch():
    with pytest.warns(UserWarning, match="expanded tensors is deprecated"):
        with gemforge.use():
            torch.ones(2, device=DEVICE).expand(3, 2).masked_fill_(torch.tensor([True, False], device=DEVICE), 5)


def test_isin_with_many_test_elements_sorts():
    """Past numpy's heuristic the test elements are sorted once and searched (ATen sorts them with
    the elements): no fallback, the same result; exactly at the heuristic's bound either way."""
    elements = torch.randint(0, 50, (40, ), device=DEVICE)
    test = torch.arange(0, 100, 3, device=DEVICE)  # 34 >= 10 * 40**0.145 = 17.1: sorted
    for t in (test, test.flip(0), test.repeat(3), test[:17], test[:16]):
        for invert in (False, True):
            got = _ran("isin.Tensor_Tensor", lambda: torch.isin(elements, t, invert=invert))
            assert torch.equal(got, torch.isin(elements, t, invert=invert)), (t.numel(), invert)
    # a scalar element: 1 element against 10 or more test elements takes the sorted path
    for v in (0, 3, 5, 99, 100):
        got = _ran("isin.Scalar_Tensor", lambda: torch.isin(v, test))
        assert torch.equal(got, torch.isin(v, test)), v


def test_isin_out_into_noncontiguous_out():
    elements = torch.randint(0, 9, (5, 6), device=DEVICE)
    out = torch.zeros(6, 5, dtype=torch.bool, device=DEVICE).t()
    test = torch.tensor([1, 4], device=DEVICE)  # made outside record mode: on CUDA a host-to-device copy
    _ran("isin.Tensor_Tensor_out", lambda: torch.isin(elements, test, out=out))
    assert torch.equal(out, torch.isin(elements, test))


def test_where_and_isclose_scalars_and_autograd():
    """Registered kernels leave autograd intact: where's gradient flows, isclose (bool) warns not."""
    x = torch.randn(5, device=DEVICE, requires_grad=True)
    with gemforge.use():
        y = torch.where(x > 0, x, 0.0)
        y.sum().backward()
        close = torch.isclose(x, x.detach() + 1e-9)
    assert torch.equal(x.grad, (x > 0).float())
    assert close.all() and not close.requires_grad


INVALID = {
    "addcdiv of integer tensors": lambda: torch.addcdiv(t(3), t(3, dtype=torch.int32), t(3, dtype=torch.int32)),
    "addcmul of bool": lambda: torch.addcmul(*(t(3, dtype=torch.bool), ) * 3),
    "where with float condition": lambda: torch.where(t(3), t(3), t(3)),
    "where out of another dtype": lambda: torch.where(t(3) > 0, t(3), t(3), out=t(3, dtype=torch.float64)),
    "masked_fill with uint8 mask": lambda: t(3).masked_fill(t(3, dtype=torch.uint8), 1.0),
    "masked_fill with 1-d value": lambda: t(3).masked_fill(t(3) > 0, t(1)),
    "masked_fill value overflow": lambda: t(3, dtype=torch.int8).masked_fill(t(3) > 0, 300),
    "masked_fill_ mask broadcasting self": lambda: t(3).masked_fill_(t(2, 3) > 0, 1.0),
    "clamp without bounds": lambda: torch.clamp(t(3)),
    "clamp_ promoting integer self": lambda: t(3, dtype=torch.int32).clamp_(min=0.5),
    "clamp out of another dtype": lambda: torch.clamp(t(3, dtype=torch.int64), 0, 1, out=t(3, dtype=torch.int32)),
    "clamp bound overflow": lambda: t(3, dtype=torch.int8).clamp(min=-1000),
    "clamp of bool by bool": lambda: t(3, dtype=torch.bool).clamp_min(True),
    "clamp tensor bounds of bool": lambda: torch.clamp(*(t(3, dtype=torch.bool), ) * 3),
    "lerp of integers": lambda: torch.lerp(t(3, dtype=torch.int32), t(3, dtype=torch.int32), 0.5),
    "lerp end of another dtype": lambda: torch.lerp(t(3), t(3, dtype=torch.float64), 0.5),
    "lerp weight of another dtype": lambda: torch.lerp(t(3), t(3), t(3, dtype=torch.float64)),
    "heaviside of mixed dtypes": lambda: torch.heaviside(t(3), t(3, dtype=torch.float64)),
    "isclose of mixed dtypes": lambda: torch.isclose(t(3), t(3, dtype=torch.float64)),
    "isclose negative rtol": lambda: torch.isclose(t(3), t(3), rtol=-1.0),
    "isin of bool": lambda: torch.isin(t(3, dtype=torch.bool), t(3, dtype=torch.bool)),
    "isin out of another dtype": lambda: torch.isin(t(3), t(2), out=t(3)),
    "fill_ overflow": lambda: t(3, dtype=torch.int8).fill_(300),
    "fill_ fp16 overflow": lambda: t(3, dtype=torch.float16).fill_(1e6),
    "fill_ complex into real": lambda: t(3).fill_(1 + 2j),
    "fill_ with 1-d tensor": lambda: t(3).fill_(t(1)),
}


def t(*shape, dtype=torch.float32):
    return torch.randn(*shape, device=DEVICE).to(dtype)


@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_input_raises_like_torch(name):
    same_error(INVALID[name])


def test_addcmul_value_beyond_integer_dtype_like_torch():
    """ATen's CPU kernel converts value to the tensor's dtype (raising on overflow); its CUDA
    kernel converts it to int64, the accumulate type, and wraps the result."""
    a, b, c = (torch.randint(-5, 5, (7, ), dtype=torch.int8, device=DEVICE) for _ in range(3))
    same_outcome(lambda: torch.addcmul(a, b, c, value=300))
    if DEVICE != "cpu":
        _ran("addcmul", lambda: torch.addcmul(a, b, c, value=300))


def test_interpreter_copies_are_not_recorded_and_printing_works():
    """The interpreter backend copies kernel arguments back with copy_ while a kernel runs; those
    calls go to ATen unrecorded (no recursion, no false fallback), and printing a tensor (many
    internal ops) works while enabled."""
    a = torch.randn(4, 5, device=DEVICE)
    with gemforge.use(record=True):
        b = a + a
        text = repr(b)
        listed = b.tolist()
        rec = gemforge.recorded()
    assert "add.Tensor" in rec
    # (on CUDA, printing copies to the host: ATen's cross-device copy, recorded as such)
    assert not [r for r in rec if "fallback" in r and ("copy_" in r or "fill_" in r) and "(device" not in r], rec
    assert text == repr(a + a) and listed == (a + a).tolist()
