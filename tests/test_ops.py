"""Every op in op_db, every dtype, every sample, in functional, in-place and out= form: GemForge's
result must match torch (dtype, shape, values within tolerance; same exception type on invalid
input), and record mode must show GemForge's kernel ran (not ATen's fallback)."""
import importlib
import pytest
import torch

import gemforge
from conftest import DEVICE, LARGE
import op_db
import op_db_activations
import op_db_binary
import op_db_ternary
import op_db_unary_math
from op_db import tolerances

# Every op family's table (one module per csrc/ops/pointwise/*.cpp, plus the foundation's).
OPS = op_db.OPS + op_db_unary_math.OPS + op_db_activations.OPS + op_db_binary.OPS + op_db_ternary.OPS


def _to_reference(x, opmath=False):
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()
        if not x.is_floating_point():
            return x
        if opmath:
            return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x
        return x.double()
    return x


def _poison_like(t):
    if t.dtype.is_floating_point:
        return torch.full_like(t, float("nan"))
    if t.dtype == torch.bool:
        return torch.ones_like(t)
    return torch.full_like(t, 77)


def _clone_args(args):
    return tuple(a.clone() if isinstance(a, torch.Tensor) else a for a in args)


def _call(op, variant, args, out):
    """args: clones the call may modify; out: the poisoned out= tensor. Both are made by the
    caller before GemForge is enabled, so the harness's own copies and fills don't run (and
    aren't recorded) as the op under test."""
    if variant == "functional":
        return op.fn(*args)
    if variant == "inplace":
        self = args[0]
        result = op.inplace(self, *args[1:])
        assert result.data_ptr() == self.data_ptr(), "in-place op must return self"
        return self
    result = op.fn(*args, out=out)
    assert result.data_ptr() == out.data_ptr(), "out= op must return out"
    return out


def _variants(op, sample):
    v = ["functional"]
    if op.inplace is not None:
        v.append("inplace")
    if op.out and not (op.reduction and len(sample.args) == 1 and op.name == "sum"):
        v.append("out")
    return v


def _cases():
    for op in OPS:
        for dtype in op.dtypes:
            yield pytest.param(op, dtype, id=f"{op.name}-{str(dtype).replace('torch.', '')}")


def _check(op, dtype, sample, variant, recorded_ops):
    args = sample.args
    # What torch does (on the same device, GemForge off): the expected dtype/shape, or an error.
    try:
        if variant == "out":
            expected = op.fn(*_clone_args(args))  # shape and dtype of the out tensor
        else:
            expected = _call(op, variant, _clone_args(args), None)
        torch_error = None
    except Exception as e:  # noqa: BLE001  (any error torch raises, we must raise too)
        torch_error = e
    if torch_error is not None and variant == "out":
        # The out= overload may accept what the functional one rejects (ATen's device checks
        # differ between overloads): torch's own out= call decides.
        torch_out = _poison_like(args[0])
        try:
            _call(op, variant, _clone_args(args), torch_out)
        except Exception as e:  # noqa: BLE001
            torch_error = e
        else:
            call_args, out = _clone_args(args), _poison_like(args[0])
            with gemforge.use(record=True):
                got = _call(op, variant, call_args, out)
                assert gemforge.recorded(), f"{op.name} {variant} {sample.desc}: nothing ran"
            torch.testing.assert_close(got, torch_out, equal_nan=True,
                                       msg=lambda m: f"{op.name} {variant} {sample.desc}: {m}")
            return False
    if torch_error is not None:
        call_args, out = _clone_args(args), _poison_like(args[0]) if variant == "out" else None
        with gemforge.use():
            with pytest.raises(type(torch_error)):
                _call(op, variant, call_args, out)
                pytest.fail(f"{op.name} {variant} {sample.desc}: torch raised {type(torch_error).__name__} "
                            f"({str(torch_error).splitlines()[0][:200]}), GemForge did not")
        return False
    call_args, out = _clone_args(args), _poison_like(expected) if variant == "out" else None
    with gemforge.use(record=True):
        got = _call(op, variant, call_args, out)
        recorded = gemforge.recorded()
    ran = [r for r in recorded if "fallback" not in r]
    fell_back = [r for r in recorded if "fallback" in r]
    assert ran and not fell_back, f"GemForge kernel did not run: {recorded}"
    recorded_ops.update(r.split(" ")[0] for r in ran)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    if op.reference_on_device:
        torch.testing.assert_close(got, expected, rtol=0, atol=0, equal_nan=True,
                                   msg=lambda m: f"{op.name} {variant} {sample.desc}: {m}")
        return True
    # Reference in fp64 on the CPU.
    ref = (op.reference or op.fn)(*[_to_reference(a, op.opmath_reference) for a in args])
    if got.dtype.is_floating_point and ref.dtype != got.dtype:
        # rounded to the result type (overflow to inf included), as a kernel stores it
        ref = ref.to(got.dtype)
    if variant == "inplace" and not dtype.is_floating_point and ref.dtype != got.dtype:
        ref = ref.to(got.dtype)
    rtol, atol = tolerances(op, got.dtype if got.dtype.is_floating_point else dtype, sample)
    if not got.dtype.is_floating_point:
        rtol, atol = 0.0, 0.0
    elif got.dtype in (torch.float16, torch.bfloat16, torch.float32):
        # Integer inputs promoted to float: compare at the result type's precision.
        rtol, atol = tolerances(op, got.dtype, sample)
    torch.testing.assert_close(got.cpu().to(ref.dtype), ref, rtol=rtol, atol=atol, equal_nan=True,
                               check_dtype=False, msg=lambda m: f"{op.name} {variant} {sample.desc}: {m}")
    return True


@pytest.mark.parametrize("op,dtype", list(_cases()))
def test_op(op, dtype):
    recorded_ops = set()
    samples = op.samples(DEVICE, dtype, LARGE)
    assert samples
    compared = False
    for sample in samples:
        for variant in _variants(op, sample):
            compared |= _check(op, dtype, sample, variant, recorded_ops)
    # The functional overloads named in the table ran through GemForge (unless torch rejects
    # every sample of this dtype on this device, e.g. angle of fp16 on CUDA: then each call
    # was checked to raise torch's error).
    for name in op.overloads if compared else ():
        assert any(r == name or r.startswith(name + ".") for r in recorded_ops), (name, recorded_ops)


def test_every_registered_overload_is_exercised():
    """op_db covers every base operator GemForge registers."""
    bases = {n.split(".")[0].rstrip("_") for n in gemforge.op_names()}
    covered = {n.split(".")[0].rstrip("_") for op in OPS for n in op.overloads}
    # matrix products have their own test module (tests/test_blas.py asserts each one ran), and so
    # do the issue-4 families (each module's COVERED_OPS)
    blas = {"mm", "bmm", "addmm", "baddbmm", "addbmm", "mv", "addmv", "dot", "vdot", "addr"}
    own_modules = set().union(*(importlib.import_module(m).COVERED_OPS for m in ("test_norm", "test_loss", "test_scan_sort", "test_reductions", "test_select")))
    assert bases <= covered | {"rsub"} | blas | own_modules, bases - covered


def test_scalar_overloads_and_out_forms():
    """Overloads Python reaches only through torch.ops: Scalar forms, sum.out, mean.dtype_out."""
    a = torch.randn(5, 6, device=DEVICE)
    aten = torch.ops.aten
    calls = {
        "add.Scalar": (lambda: aten.add.Scalar(a, 2.5, 3), lambda x: x + 7.5),
        "sub.Scalar": (lambda: aten.sub.Scalar(a, 2.5, 2), lambda x: x - 5.0),
        "rsub.Scalar": (lambda: aten.rsub.Scalar(a, 2.5, 2), lambda x: 2.5 - 2 * x),
        "mul.Scalar": (lambda: aten.mul.Scalar(a, -1.5), lambda x: x * -1.5),
        "div.Scalar": (lambda: aten.div.Scalar(a, 4.0), lambda x: x / 4.0),
        "div.Scalar_mode": (lambda: aten.div.Scalar_mode(a, 0.75, rounding_mode="floor"),
                            lambda x: torch.floor(x / 0.75)),
    }
    for name, (call, ref) in calls.items():
        with gemforge.use(record=True):
            got = call()
            rec = gemforge.recorded()
        assert name in rec, (name, rec)
        torch.testing.assert_close(got.cpu().double(), ref(a.cpu().double()), rtol=1e-5, atol=1e-5)
    out = torch.full((), float("nan"), device=DEVICE)
    with gemforge.use(record=True):
        aten.sum.out(a, out=out)
        assert "sum.out" in gemforge.recorded()
    torch.testing.assert_close(out.cpu().double(), a.cpu().double().sum(), rtol=1e-5, atol=1e-5)
    out = torch.full((), float("nan"), device=DEVICE, dtype=torch.float64)
    with gemforge.use(record=True):
        aten.mean.dtype_out(a, dtype=torch.float64, out=out)
        assert "mean.dtype_out" in gemforge.recorded()
    torch.testing.assert_close(out.cpu(), a.cpu().double().mean(), rtol=1e-6, atol=1e-6)


def test_inplace_on_views_writes_through():
    base = torch.randn(6, 8, device=DEVICE)
    expected = base.clone()
    expected[:, ::2].mul_(3).add_(1)
    with gemforge.use():
        view = base[:, ::2]
        view.mul_(3).add_(1)
    torch.testing.assert_close(base, expected)


if DEVICE == "cuda":
    # More than 2**31 elements: needs ~9 GB and native kernels, so it exists in the GPU run only
    # (under the interpreter it would take hours).
    def test_large_tensors_use_64bit_indexing():
        n = (1 << 31) + 17
        a = torch.ones(n, dtype=torch.bfloat16, device="cuda")
        b = torch.full((n, ), 2.0, dtype=torch.bfloat16, device="cuda")
        with gemforge.use():
            c = a + b
            s = a.sum(dtype=torch.float32)
        assert c[-5:].eq(3).all() and c[:5].eq(3).all() and c[n // 2].item() == 3
        assert s.item() == pytest.approx(float(n), rel=1e-5)
