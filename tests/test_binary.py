"""The binary family beyond tests/test_ops.py: every registered overload through torch.ops,
errors raised like torch's, in-place on views, overlapping outputs, and signs of zeros and NaNs
(which assert_close does not see)."""
import math

import pytest
import torch

import gemforge
from conftest import DEVICE, every_half_value, half_ulps, ran_gemforge, same_error
from op_db import ALL, make

aten = torch.ops.aten
FAMILY = ["floor_divide", "remainder", "fmod", "pow", "maximum", "minimum", "fmax", "fmin", "atan2", "hypot",
          "copysign", "xlogy", "eq", "ne", "lt", "le", "gt", "ge", "bitwise_and", "bitwise_or", "bitwise_xor",
          "bitwise_left_shift", "bitwise_right_shift", "__lshift__", "__rshift__", "__ilshift__", "__irshift__",
          "logical_and", "logical_or", "logical_xor"]
INTEGER_ONLY = ("bitwise", "shift")
BOOL_RESULT = ("eq", "ne", "lt", "le", "gt", "ge", "logical")


def _family_overloads():
    bases = {b.rstrip("_") for b in FAMILY}
    return sorted(n for n in gemforge.op_names() if n.split(".")[0].rstrip("_") in bases)


def test_every_tensor_overload_is_registered():
    """Every aten overload of the family's ops that takes a Tensor (the others are TorchScript's
    number and list forms)."""
    names = set(_family_overloads())
    missing = []
    for base in FAMILY + [b + "_" for b in FAMILY if not b.startswith("__")]:
        packet = getattr(aten, base, None)
        for overload in packet.overloads() if packet is not None else []:
            schema = getattr(packet, overload)._schema
            if any(str(a.type) == "Tensor" for a in schema.arguments):
                name = base if overload == "default" else f"{base}.{overload}"
                missing += [] if name in names else [name]
    assert not missing


def _arguments(name):
    """Arguments for overload `name` from its schema: (4, 5) tensors (int32 for integer-only
    ops, else float32), numbers (2 or 2.5), and an empty out= tensor of the result dtype."""
    base, _, overload = name.partition(".")
    op = getattr(getattr(aten, base), overload or "default")
    integer = any(k in base for k in INTEGER_ONLY)
    dtype = torch.int32 if integer else torch.float32
    args, kwargs = [], {}
    for i, a in enumerate(op._schema.arguments):
        if a.is_out:
            out_dtype = torch.bool if any(base.startswith(k) for k in BOOL_RESULT) else dtype
            kwargs[a.name] = torch.empty(0, dtype=out_dtype, device=DEVICE)
        elif str(a.type) == "Tensor":
            args.append(make((4, 5), dtype, DEVICE, positive=True, seed=i))
        else:
            args.append(2 if integer else 2.5)
    return op, args, kwargs


def _clone(args, kwargs):
    return ([a.clone() if isinstance(a, torch.Tensor) else a for a in args],
            {k: v.clone() for k, v in kwargs.items()})


@pytest.mark.parametrize("name", _family_overloads())
def test_every_overload_runs_gemforge(name):
    op, args, kwargs = _arguments(name)
    a, k = _clone(args, kwargs)
    expected = op(*a, **k)
    a, k = _clone(args, kwargs)
    with gemforge.use(record=True):
        got = op(*a, **k)
        recorded = gemforge.recorded()
    assert name in recorded, (name, recorded)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    torch.testing.assert_close(got, expected, equal_nan=True)


def t(*shape, dtype=torch.float32, seed=0):
    return make(shape, dtype, DEVICE, seed=seed)


def i32(*values):
    return torch.tensor(values, dtype=torch.int32, device=DEVICE)


def f32(*values):
    return torch.tensor(values, dtype=torch.float32, device=DEVICE)


INVALID = {
    "int ** negative int": lambda: torch.pow(t(4, dtype=torch.int32), -2),
    "int ** negative int in place": lambda: t(4, dtype=torch.int64).pow_(-1),
    "bool ** negative int": lambda: torch.pow(t(4, dtype=torch.bool), -1),
    "exponent overflows int8": lambda: torch.pow(t(4, dtype=torch.int8), 300),
    "exponent overflows half": lambda: torch.pow(t(4, dtype=torch.float16), 1e6),
    "pow of bools": lambda: torch.pow(t(4, dtype=torch.bool), t(4, dtype=torch.bool)),
    "bool scalar ** bools": lambda: torch.pow(True, t(4, dtype=torch.bool)),
    "bitwise on floats": lambda: torch.bitwise_and(t(4), t(4)),
    "bitwise with a float scalar": lambda: torch.bitwise_or(t(4, dtype=torch.int32), 2.5),
    "bitwise with a float scalar, out=": lambda: torch.bitwise_xor(
        t(4, dtype=torch.int32), 2.5, out=torch.empty(4, dtype=torch.int32, device=DEVICE)),
    "shift of bools": lambda: torch.bitwise_left_shift(t(4, dtype=torch.bool), t(4, dtype=torch.bool)),
    "shift of floats": lambda: t(4) >> 1,
    "hypot of ints": lambda: torch.hypot(t(4, dtype=torch.int32), t(4, dtype=torch.int32)),
    "remainder of bools": lambda: torch.remainder(t(4, dtype=torch.bool), t(4, dtype=torch.bool)),
    "fmod of bools": lambda: torch.fmod(t(4, dtype=torch.bool), True),
    "floor_divide of bools": lambda: torch.floor_divide(t(4, dtype=torch.bool), t(4, dtype=torch.bool)),
    "float result into int self": lambda: t(4, dtype=torch.int32).remainder_(2.5),
    "atan2 into int self": lambda: t(4, dtype=torch.int32).atan2_(t(4, dtype=torch.int32)),
    "copysign into int self": lambda: t(4, dtype=torch.int64).copysign_(-1),
    "int result into bool self": lambda: t(4, dtype=torch.bool).bitwise_and_(5),
    "in-place would broadcast self": lambda: t(3, 1).fmod_(t(3, 4)),
    "incompatible shapes": lambda: torch.maximum(t(3, 4), t(5)),
    "out= of a dtype the result can't cast to": lambda: torch.atan2(t(4), t(4), out=torch.empty(
        4, dtype=torch.int32, device=DEVICE)),
    "generated out= of another dtype": lambda: aten.remainder.Scalar_Tensor_out(
        2.5, t(4, dtype=torch.int32), out=torch.empty(4, dtype=torch.int32, device=DEVICE)),
    "generated out= of another dtype (Scalar)": lambda: aten.floor_divide.Scalar_out(
        t(4, dtype=torch.int32), 2.5, out=torch.empty(4, dtype=torch.int32, device=DEVICE)),
    "maximum of complex": lambda: torch.maximum(t(4).to(torch.complex64), t(4).to(torch.complex64)),
}
if DEVICE == "cpu":
    # ATen's CPU kernels check; its CUDA kernels do not (that would need a device sync).
    INVALID.update({
        "remainder by zero": lambda: torch.remainder(i32(1, 2, 3), i32(1, 0, 3)),
        "remainder by a zero scalar": lambda: torch.remainder(i32(1, 2, 3), 0),
        "remainder of a scalar by zero": lambda: torch.remainder(5, i32(1, 0, 3)),
        "fmod by zero": lambda: torch.fmod(t(4, dtype=torch.int8), 0),
        "fmod by zero in place": lambda: i32(1, 2).fmod_(i32(0, 1)),
        "floor_divide by zero": lambda: torch.floor_divide(t(4, dtype=torch.int64), torch.zeros(
            4, dtype=torch.int64)),
        "floor_divide by zero, out=": lambda: torch.floor_divide(i32(4, 5), 0, out=torch.empty(2, dtype=torch.int32)),
    })


@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_input_raises_like_torch(name):
    same_error(INVALID[name])


def test_integer_division_by_zero_as_float_is_not_an_error():
    a, b = i32(1, -2, 0), f32(0.0, 0.0, 0.0)
    with gemforge.use(record=True):
        got = torch.fmod(a, b), torch.remainder(a, 0.0), torch.floor_divide(a, b)
        assert "fmod.Tensor" in gemforge.recorded()
    for g in got:
        assert g.dtype == torch.float32
    assert got[0].isnan().all() and got[1].isnan().all()
    torch.testing.assert_close(got[2].cpu(), torch.tensor([float("inf"), -float("inf"), float("nan")]), equal_nan=True)


OVERLAPPING_OUT = {
    "remainder.Tensor_out": lambda x: torch.remainder(x[:1], 2.0, out=x[:1].expand(4)),
    "pow.Tensor_Scalar_out": lambda x: torch.pow(x[:1], 2, out=x[:1].expand(4)),
    "pow.Tensor_Tensor_out": lambda x: torch.pow(x[:1].abs(), x[:1], out=x[:1].expand(4)),
    "atan2.out": lambda x: torch.atan2(x[:1], x[:1], out=x[:1].expand(4)),
    "maximum.out": lambda x: torch.maximum(x[:1], x[:1], out=x[:1].expand(4)),
    "eq.Scalar_out": lambda x: torch.eq(x[:1], 0.5, out=x[:1].expand(4)),
    "logical_and.out": lambda x: torch.logical_and(x[:1], x[:1], out=x[:1].expand(4)),
    "partial overlap with an input": lambda x: torch.hypot(x[:3], x[1:], out=x[1:]),
}


@pytest.mark.parametrize("name", list(OVERLAPPING_OUT))
def test_overlapping_output_raises_like_torch(name):
    fn = OVERLAPPING_OUT[name]
    with pytest.raises(RuntimeError) as torch_err:
        fn(t(4))
    with gemforge.use():
        with pytest.raises(RuntimeError) as ours:
            fn(t(4))
    assert str(torch_err.value).splitlines()[0] in str(ours.value)


def test_generated_out_forms_allow_aliasing_and_resize():
    """Overloads ATen builds from the functional one (compute, then copy) accept an out= that
    aliases an input, and resize out like any out=."""
    calls = {
        "remainder.Scalar_Tensor_out": lambda x, o: aten.remainder.Scalar_Tensor_out(7, x, out=o),
        "bitwise_and.Scalar_Tensor_out": lambda x, o: aten.bitwise_and.Scalar_Tensor_out(6, x, out=o),
        "bitwise_left_shift.Scalar_Tensor_out": lambda x, o: aten.bitwise_left_shift.Scalar_Tensor_out(3, x, out=o),
        "floor_divide.Scalar_out": lambda x, o: aten.floor_divide.Scalar_out(x, 3, out=o),
        "__lshift__.Tensor_out": lambda x, o: aten.__lshift__.Tensor_out(x, x.flip(0), out=o),
        "__rshift__.Scalar_out": lambda x, o: aten.__rshift__.Scalar_out(x, 1, out=o),
    }
    for name, call in calls.items():
        for alias in (False, True):
            base = torch.arange(1, 13, dtype=torch.int32, device=DEVICE)
            x = base[:6]
            # aliasing: out is the input shifted by one element (a partial overlap)
            out = base[1:7] if alias else torch.empty(2, 2, dtype=torch.int32, device=DEVICE)
            ref_base = base.clone()
            ref_out = ref_base[1:7] if alias else out.clone()
            expected = call(ref_base[:6], ref_out)
            with gemforge.use(record=True):
                got = call(x, out)
                assert name in gemforge.recorded(), (name, gemforge.recorded())
            assert got.data_ptr() == out.data_ptr() and got.shape == (6, )
            torch.testing.assert_close(got, expected, msg=name)
            torch.testing.assert_close(base, ref_base, msg=name)


INPLACE_ON_VIEWS = {
    "remainder_": lambda v: v.remainder_(0.75),
    "fmod_": lambda v: v.fmod_(v.flip(-1)),
    "pow_": lambda v: v.pow_(2),
    "pow_ tensor": lambda v: v.abs_().pow_(v.flip(-1)),
    "floor_divide_": lambda v: v.floor_divide_(0.5),
    "atan2_": lambda v: v.atan2_(v.flip(0)),
    "copysign_": lambda v: v.copysign_(-1.0),
    "xlogy_": lambda v: v.xlogy_(3.0),
    "eq_": lambda v: v.eq_(v.flip(0)),
    "lt_": lambda v: v.lt_(0.0),
    "logical_or_": lambda v: v.logical_or_(v.flip(0)),
}


@pytest.mark.parametrize("name", list(INPLACE_ON_VIEWS))
def test_inplace_on_views_writes_through(name):
    fn = INPLACE_ON_VIEWS[name]
    base = t(6, 8)
    expected = base.clone()
    fn(expected[:, ::2].t())
    with gemforge.use(record=True):
        fn(base[:, ::2].t())
        assert gemforge.recorded()
    torch.testing.assert_close(base, expected, equal_nan=True)


def test_integer_inplace_on_views_writes_through():
    base = torch.arange(-24, 24, dtype=torch.int32, device=DEVICE).reshape(6, 8)
    expected = base.clone()
    for b in (expected, base):
        ctx = gemforge.use() if b is base else torch.no_grad()
        with ctx:
            v = b[1:, 1::3]
            v.bitwise_xor_(5)
            v.__ilshift__(2)
            v.remainder_(7)
            v.__irshift__(1)
            v.pow_(3)
    assert torch.equal(base, expected)


NAN, INF = float("nan"), float("inf")
ZEROS = [0.0, -0.0, 0.0, -0.0, 1.0, -1.0, NAN, -NAN, INF, -INF]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
def test_signs_of_zeros_and_nans_match_torch(dtype):
    """Results compared with torch on the same device, signs of zeros included."""
    a = torch.tensor([x for x in ZEROS for _ in ZEROS], dtype=dtype, device=DEVICE)
    b = torch.tensor([y for _ in ZEROS for y in ZEROS], dtype=dtype, device=DEVICE)
    calls = {
        "maximum": lambda: torch.maximum(a, b), "minimum": lambda: torch.minimum(a, b),
        "fmax": lambda: torch.fmax(a, b), "fmin": lambda: torch.fmin(a, b),
        "copysign": lambda: torch.copysign(a, b), "fmod": lambda: torch.fmod(a, b.abs() + 2),
        "remainder": lambda: torch.remainder(a * 4, b.abs() + 2), "atan2": lambda: torch.atan2(a, b),
        "pow": lambda: torch.pow(a, torch.tensor([3.0, -3.0, 2.0, 0.5], dtype=dtype, device=DEVICE).repeat(25)),
        "pow 3": lambda: torch.pow(a, 3), "pow -1": lambda: torch.pow(a, -1),
        "hypot": lambda: torch.hypot(a, b), "xlogy": lambda: torch.xlogy(a, b),
    }
    for name, call in calls.items():
        expected = call()
        with gemforge.use():
            got = call()
        rtol = {torch.bfloat16: 1.6e-2, torch.float16: 1e-3, torch.float32: 2e-6}.get(dtype, 1e-12)
        same = torch.isclose(got, expected, rtol=rtol, atol=0, equal_nan=True)
        if name not in ("maximum", "minimum", "fmax", "fmin"):
            # zero signs must match (the sign of a NaN is not part of the contract); which of
            # -0.0 and 0.0 the min/max ops return differs between ATen's own kernels
            same &= (got.signbit() == expected.signbit()) | got.isnan()
        assert same.all(), (name, a[~same], b[~same], got[~same], expected[~same])


@pytest.mark.parametrize("dtype", ALL)
def test_python_scalars_of_each_type(dtype):
    """bool, int and float scalars with every dtype: result dtype and values (or the error) as torch."""
    x = make((3, 4), dtype, DEVICE, nonzero=True, seed=3)
    ops = [torch.remainder, torch.eq, torch.lt, torch.bitwise_and, torch.copysign, torch.xlogy,
           lambda a, s: torch.pow(a, s), lambda a, s: torch.bitwise_left_shift(a, s)]
    for op in ops:
        for s in (True, 3, -2.5):
            try:
                expected = op(x, s)
            except Exception as e:  # noqa: BLE001
                with gemforge.use():
                    with pytest.raises(type(e)):
                        op(x, s)
                continue
            with gemforge.use(record=True):
                got = op(x, s)
                assert gemforge.recorded()
            assert got.dtype == expected.dtype, (op, s)
            # by the result's dtype: integer inputs with a float scalar give float results
            tol = {torch.bfloat16: 1.6e-2, torch.float16: 2e-3}.get(got.dtype, 1e-5 if got.is_floating_point() else 0)
            torch.testing.assert_close(got, expected, equal_nan=True, rtol=tol, atol=tol)


def test_pow_scalar_exponent_specializations_match_torch():
    """Exponents ATen specializes (0.5 is sqrt: sqrt(-inf) is NaN where pow(-inf, 0.5) is inf)
    and a 0-d CPU exponent, which ATen's CUDA kernel specializes as well and its CPU one not."""
    x = torch.tensor([-INF, -0.0, 0.0, 4.0, -2.0, NAN, INF], device=DEVICE)
    for e in (0.5, -0.5, -1, 2, 3, -2, 0, 1, 2.5):
        for exp in (e, torch.tensor(float(e))):
            expected = torch.pow(x, exp)
            with gemforge.use(record=True):
                got = torch.pow(x, exp)
                assert gemforge.recorded()
            same = (got == expected) | (got.isnan() & expected.isnan())
            assert (same & ((got.signbit() == expected.signbit()) | got.isnan())).all(), (e, got, expected)


def test_pow_integers_exact():
    base = torch.tensor([3, -3, 2, -1, -1, 1, 0, 7, -128, 5], dtype=torch.int64, device=DEVICE)
    exp = torch.tensor([39, 39, 62, -5, -4, -9, 0, 22, 9, 27], dtype=torch.int64, device=DEVICE)
    for dtype in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
        b = base.to(dtype)
        e = exp.clamp(min=0) if dtype == torch.uint8 else exp
        e = e.to(dtype) if dtype != torch.int8 else e.clamp(max=127).to(dtype)
        expected = torch.pow(b, e)
        with gemforge.use():
            got = torch.pow(b, e)
        assert torch.equal(got, expected), (dtype, got, expected)


def test_python_operators_and_aliases_reach_the_family():
    """Python operators and composite aliases decompose into the family's overloads."""
    x = make((3, 4), torch.float32, DEVICE, positive=True)
    n = make((3, 4), torch.int32, DEVICE, positive=True)
    calls = {
        "remainder.Scalar": lambda: x % 1.5, "remainder.Scalar_Tensor": lambda: 7 % n,
        "floor_divide": lambda: x // 0.7, "pow.Tensor_Scalar": lambda: x ** 2.5, "pow.Scalar": lambda: 2 ** x,
        "bitwise_and.Scalar": lambda: n & 6, "bitwise_or.Tensor": lambda: n | n.flip(0),
        "bitwise_xor.Scalar": lambda: n ^ 3, "bitwise_and_.Scalar": lambda: n.clone().__iand__(5),
        "eq.Scalar": lambda: x == 1.0, "ne.Tensor": lambda: x != x.flip(1), "lt.Scalar": lambda: x < 1.0,
        "le.Tensor": lambda: torch.less_equal(x, x.flip(0)), "gt.Scalar": lambda: torch.greater(n, 3),
        "ge.Tensor": lambda: n >= n.flip(1), "ne.Scalar": lambda: torch.not_equal(n, 4),
        "__lshift__.Scalar": lambda: n << 2, "__rshift__.Tensor": lambda: n >> n.flip(0),
        "__irshift__.Scalar": lambda: n.clone().__irshift__(1), "div.Tensor": lambda: torch.true_divide(n, n),
        "atan2_": lambda: x.clone().arctan2_(x), "maximum": lambda: torch.max(x, x.flip(0)),
        "minimum": lambda: torch.min(n, n.flip(1)),
    }
    for name, call in calls.items():
        expected = call()
        with gemforge.use(record=True):
            got = call()
            recorded = gemforge.recorded()
        assert name in recorded, (name, recorded)
        assert got.dtype == expected.dtype
        torch.testing.assert_close(got, expected)


def test_bf16_results_round_to_nearest_even():
    """bf16 results are the fp32 result rounded to nearest even, exactly as torch's (on the CPU
    backend this checks the interpreter's corrected fp32 -> bf16 cast, gemforge/_interpreter_fixes)."""
    a = make((4097, ), torch.bfloat16, DEVICE, seed=5)
    b = make((4097, ), torch.bfloat16, DEVICE, seed=6)
    expected = torch.mul(a, b)
    with gemforge.use():
        got = torch.mul(a, b)
    torch.testing.assert_close(got, expected, rtol=0, atol=0)


def _fmod_adversarial(dtype, seed):
    """(x, y) pairs that stress fmod's fast path (an approximate quotient, corrected): one set
    with every lane in its range (quotients below 2**19), as a GPU tile takes that path only when
    all its lanes are; one with quotients up to just past 2**19 (its limit) and 2**24; one with
    every special case mixed in. Near-multiples: x = k*y rounded, and its neighbours, so that
    a / b rounds up to k."""
    g = torch.Generator().manual_seed(seed)
    n = 1500
    hi = 30.0 if dtype == torch.bfloat16 else (14.0 if dtype == torch.float16 else 60.0)

    def near_multiples(k):
        y = torch.exp2(torch.empty(n).uniform_(-hi, hi, generator=g)) * torch.randn(n, generator=g).sign()
        y = y.to(dtype).float()
        x = (k.float() * y).to(dtype)
        steps = torch.randint(-2, 3, (n, ), generator=g).to(torch.int16 if dtype != torch.float32 else torch.int32)
        bits = x.view(steps.dtype)
        return torch.where(x != 0, (bits + steps).view(dtype), x).float(), y  # ulps away from k*y

    def ratios(lo, top):  # x = y * r, |r| in [2**lo, 2**top), and below
        y = torch.randn(n, generator=g) * torch.exp2(torch.empty(n).uniform_(-hi, hi, generator=g))
        r = torch.exp2(torch.empty(n).uniform_(lo, top, generator=g)) * torch.randn(n, generator=g).sign()
        return (y * r).to(dtype).float(), y.to(dtype).float()

    def joined(*pairs, fast=False):
        x, y = torch.cat([p[0] for p in pairs]).to(dtype), torch.cat([p[1] for p in pairs]).to(dtype)
        # the fast set: lanes with quotients below 2**19 (rounding k*y to a half type can push it
        # past, and fp16's can overflow)
        keep = (x.float().abs() < y.float().abs() * 2.0**19) if fast else slice(None)
        return x[keep], y[keep]

    small = lambda lo, hi_k: torch.randint(lo, hi_k, (n, ), generator=g)  # noqa: E731
    fast = joined(near_multiples(small(1, 20)), near_multiples(small(1, 1 << 16)),
                  near_multiples(small((1 << 19) - 40, (1 << 19) - 4)), ratios(-30, 18.9), fast=True)
    edge = joined(near_multiples(small((1 << 19) - 4, (1 << 19) + 40)),
                  near_multiples(small((1 << 24) - 40, (1 << 24) + 40)), ratios(-hi, hi))
    info = torch.finfo(dtype)
    special = [0.0, -0.0, 1.0, -1.0, 3.0, -7.5, info.tiny, -info.tiny, info.tiny * 0.5, info.tiny * 2.0 ** -5,
               info.max, -info.max, info.eps, 2.0 ** 24, 2.0 ** 24 + 2, INF, -INF, NAN]
    special = [float(torch.tensor(v).to(dtype)) for v in special]
    sx = torch.tensor([a for a in special for _ in special])
    sy = torch.tensor([b for _ in special for b in special])
    mixed = (torch.cat([fast[0][:300].float(), sx]).to(dtype), torch.cat([fast[1][:300].float(), sy]).to(dtype))
    return fast, edge, mixed


def _same_bits(got, expected):
    bits = torch.int16 if got.element_size() == 2 else torch.int32
    return (got.view(bits) == expected.view(bits)) | (got.isnan() & expected.isnan())


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
def test_fmod_remainder_exact(dtype):
    """fmod is exact: equal bit for bit (signs of zeros included) to fmod computed in fp64 on the
    CPU, which is exact too. remainder is ATen's formula on it, fmod + y rounded in fp32 where the
    signs differ; half types compute in fp32 and round once, as ATen's kernels."""
    for x, y in _fmod_adversarial(dtype, seed=7):
        x, y = x.to(DEVICE), y.to(DEVICE)
        x32, y32 = x.cpu().float(), y.cpu().float()
        f32 = torch.fmod(x32.double(), y32.double()).float()
        fix = (f32 != 0) & ((f32 < 0) != (y32 < 0))
        expected = {"fmod": f32.to(dtype), "remainder": torch.where(fix, f32 + y32, f32).to(dtype)}
        with gemforge.use(record=True):
            got = {"fmod": torch.fmod(x, y).cpu(), "remainder": torch.remainder(x, y).cpu()}
            assert {"fmod.Tensor", "remainder.Tensor"} <= set(gemforge.recorded())
        for name in got:
            same = _same_bits(got[name], expected[name])
            assert same.all(), (name, x[~same], y[~same], got[name][~same], expected[name][~same])
            if DEVICE == "cuda":
                # and ATen's CUDA kernel (C's fmod; ATen's vectorized CPU kernel gives NaN for
                # quotients beyond the float range, e.g. fmod(1, 2**-131))
                assert _same_bits(got[name], getattr(torch, name)(x, y).cpu()).all(), name


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32])
def test_register_capped_fmod_and_remainder_are_exact(dtype):
    """fmod runs with a register cap (Cost::Registers), remainder shares its exact fallback loop
    uncapped: bitwise torch's results, also in tiles that take the loop (huge quotients,
    infinities), flat and broadcast.
    On the GPU at the benchmark's sizes."""
    from conftest import LARGE
    n, rows = (1 << 26, 4096) if LARGE else (5000, 8)
    g = torch.Generator().manual_seed(3)
    x = torch.randn(n, generator=g).to(DEVICE)
    y = torch.randn(n, generator=g).to(DEVICE)
    y = torch.where(y >= 0, y + 0.25, y - 0.25)
    x[:3000:7] *= 1e30  # quotients far beyond the fast path's 2**19
    x[5] = float("inf")
    x, y = x.to(dtype), y.to(dtype)
    xb, yb = x[:rows * (n // rows)].view(rows, -1), y[:n // rows]
    with gemforge.use(record=True):
        got = [torch.fmod(x, y), torch.remainder(x, y), torch.fmod(xb, yb), torch.remainder(xb, yb)]
        assert gemforge.recorded() == ["fmod.Tensor", "remainder.Tensor"]
    want = [torch.fmod(x, y), torch.remainder(x, y), torch.fmod(xb, yb), torch.remainder(xb, yb)]
    for a, b in zip(got, want):
        same = _same_bits(a, b)
        assert bool(same.all()), int((~same).sum())


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=str)
def test_atan2_half_result_within_one_ulp(dtype):
    """atan2's fp16/bf16 variant (pointwise_ops/common.py HALF_RESULT): every bit pattern against
    random ones and against zeros, infinities and NaN (C's atan2 for those), to one ulp of the fp64
    result rounded to the dtype."""
    x = every_half_value(dtype)
    special = torch.tensor([0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -1.0], dtype=dtype)
    for y in (x[torch.randperm(x.numel())], special.repeat(x.numel() // special.numel() + 1)[:x.numel()]):
        for a, b in ((x, y), (y, x)):
            ad, bd = a.to(DEVICE), b.to(DEVICE)
            got = ran_gemforge(lambda: torch.atan2(ad, bd), ["atan2"])
            ulps = half_ulps(got, torch.atan2(a.double(), b.double()).to(dtype))
            worst = int(ulps.argmax())
            assert ulps.max() <= 1, (a[worst].item(), b[worst].item(), got.cpu()[worst].item())


def test_pow_bf16_within_one_ulp():
    """bf16 pow in fp32 with approximate exp2 / log2 (binary.py POW_FLOAT_BF16): every bf16 base
    with integer and fractional exponents of either sign, large ones included, and every special
    exponent, to one ulp of the fp64 result rounded to bf16."""
    x = every_half_value(torch.bfloat16)
    n = x.numel()
    exponents = [torch.randint(-40, 41, (n, )).to(torch.bfloat16), (torch.rand(n) * 16 - 8).to(torch.bfloat16),
                 (torch.rand(n) * 2000 - 1000).to(torch.bfloat16), x[torch.randperm(n)],
                 torch.tensor([0.0, -0.0, 0.5, -0.5, 1.0, 2.0, 3.0, math.inf, -math.inf, math.nan],
                              dtype=torch.bfloat16).repeat(n // 10 + 1)[:n]]
    xd = x.to(DEVICE)
    for y in exponents:
        yd = y.to(DEVICE)
        got = ran_gemforge(lambda: torch.pow(xd, yd), ["pow.Tensor_Tensor"])
        ulps = half_ulps(got, torch.pow(x.double(), y.double()).to(torch.bfloat16))
        worst = int(ulps.argmax())
        assert ulps.max() <= 1, (x[worst].item(), y[worst].item(), got.cpu()[worst].item())


def _fp32_ulps(got, ref64):
    """|got - ref64| in ulps of ref64 rounded to fp32 (0 where both are the same infinity or NaN)."""
    got = got.cpu().double()
    ref32 = ref64.float().abs()
    ulp = (torch.nextafter(ref32, torch.tensor(math.inf)) - ref32).double()
    same = (got == ref64) | (got.isnan() & ref64.isnan())
    return torch.where(same, 0.0, (got - ref64).abs() / ulp).nan_to_num(math.inf)


def test_pow_fp32_fast_pass_within_one_ulp():
    """fp32 pow's fast pass (binary.py _pow_fast: positive normal bases, results in the normal
    range): bases of every exponent with exponents that keep y log2 x within +-124, flat, with a
    scalar exponent and transposed, within one ulp of fp64. (2^20 operands on a GPU, 2^14 under
    the interpreter.)"""
    n = 1 << (20 if DEVICE == "cuda" else 14)
    g = torch.Generator().manual_seed(5)
    x = torch.randint(0x00800000, 0x7F800000, (n, ), dtype=torch.int32, generator=g).view(torch.float32)
    y = torch.randn(n, generator=g) * torch.exp2(torch.rand(n, generator=g) * 14 - 10)
    w = y.double() * x.double().log2()
    y = torch.where(w.abs() < 124, y, torch.randn(n, generator=g) * 0.1)
    xd, yd = x.to(DEVICE), y.to(DEVICE)
    yt = yd.view(128, -1).t().contiguous()
    cases = {"pow.Tensor_Tensor": (lambda: torch.pow(xd, yd), torch.pow(x.double(), y.double())),
             "pow.Tensor_Scalar": (lambda: torch.pow(xd, 0.7), torch.pow(x.double(), float(torch.tensor(0.7)))),
             # the same pairs, the base transposed and the exponent contiguous: the strided driver
             "pow.Tensor_Tensor strided": (lambda: torch.pow(xd.view(128, -1).t(), yt),
                                           torch.pow(x.double(), y.double()).view(128, -1).t())}
    for name, (fn, ref) in cases.items():
        got = ran_gemforge(fn, [name.split(" ")[0]])
        ulps = _fp32_ulps(got, ref)
        worst = int(ulps.argmax())
        assert ulps.max() <= 1, (name, ulps.max().item(), worst, got.flatten()[worst].item())


def test_pow_fp32_special_lanes_keep_c_semantics():
    """Tiles where some lanes are outside the fast pass (zero, negative, subnormal, infinite and NaN
    bases; infinite and NaN exponents; results that overflow or underflow) run C's pow for the
    tile: NaN, infinities and signed zeros exactly as torch, finite results within 2 ulps of
    torch's, next to fast lanes."""
    n = 1 << (18 if DEVICE == "cuda" else 13)
    g = torch.Generator().manual_seed(6)
    x = torch.rand(n, generator=g) * 4 + 0.1
    y = torch.randn(n, generator=g)
    bases = torch.tensor([0.0, -0.0, -2.0, -0.5, 1e-40, -1e-40, math.inf, -math.inf, math.nan, 1.0, 3e38])
    exps = torch.tensor([math.nan, math.inf, -math.inf, 200.0, -200.0, 3.0, -3.0, 0.5, 0.0, -0.0, 2.5])
    at = torch.arange(0, n, 997)
    x[at] = bases[torch.arange(at.numel()) % bases.numel()]
    y[at] = exps[(torch.arange(at.numel()) // bases.numel()) % exps.numel()]
    xd, yd = x.to(DEVICE), y.to(DEVICE)
    got = ran_gemforge(lambda: torch.pow(xd, yd), ["pow.Tensor_Tensor"]).cpu()
    want = torch.pow(xd, yd).cpu()
    assert torch.equal(got.isnan(), want.isnan())
    finite = want.isfinite()
    assert torch.equal(got[~finite & ~want.isnan()], want[~finite & ~want.isnan()])
    assert torch.equal(got[want == 0].signbit(), want[want == 0].signbit())
    assert _fp32_ulps(got[finite], want[finite].double()).max() <= 2
