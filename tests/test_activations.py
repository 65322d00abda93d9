"""Activations beyond what op_db expresses: autograd through GemForge's backward kernels, ATen's
errors, scalar rounding and integer rules, out= forms with odd outputs, and the fallbacks."""
import pytest
import torch
import torch.nn.functional as F

import gemforge
from conftest import DEVICE, every_half_value, half_ulps, ran_gemforge, same_error
from op_db import make

aten = torch.ops.aten


def t(*shape, dtype=torch.float32, seed=0, scale=1.0):
    return (make(shape, torch.float64, DEVICE, seed=seed) * scale).to(dtype)




def run_recorded(fn):
    with gemforge.use(record=True):
        out = fn()
        rec = gemforge.recorded()
    return out, rec


def assert_like_aten(fn, ran, exact=True):
    """fn() under GemForge equals fn() under ATen (same device and dtypes), and `ran` ran."""
    expected = fn()
    got, rec = run_recorded(fn)
    assert ran in rec, (ran, rec)
    assert not [r for r in rec if "fallback" in r], rec
    tol = dict(rtol=0, atol=0) if exact else {}
    torch.testing.assert_close(got, expected, equal_nan=True, **tol)
    return got


# ---------------------------------------------------------------- autograd

# (name, forward(x), domain scale, GemForge overloads that must run in forward + backward)
AUTOGRAD = [
    ("relu6", F.relu6, 4.0, ["hardtanh", "hardtanh_backward"]),
    ("relu6_", lambda x: F.relu6(x.clone(), inplace=True), 4.0, ["hardtanh_", "hardtanh_backward"]),
    ("hardtanh", lambda x: F.hardtanh(x, -0.5, 0.75), 1.0, ["hardtanh", "hardtanh_backward"]),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), 1.0, ["leaky_relu", "leaky_relu_backward"]),
    ("leaky_relu_", lambda x: F.leaky_relu(x.clone(), 0.2, inplace=True), 1.0,
     ["leaky_relu_", "leaky_relu_backward"]),
    ("elu", lambda x: F.elu(x, 1.3), 1.0, ["elu", "elu_backward"]),
    ("elu_", lambda x: F.elu(x.clone(), 1.3, inplace=True), 1.0, ["elu_", "elu_backward"]),
    ("selu", F.selu, 1.0, ["elu", "elu_backward"]),
    ("celu", lambda x: F.celu(x, 0.7), 1.0, ["celu", "elu_backward"]),
    ("celu_", lambda x: F.celu(x.clone(), 0.7, inplace=True), 1.0, ["celu_", "elu_backward"]),
    ("mish", F.mish, 3.0, ["mish", "mish_backward"]),
    ("hardsigmoid", F.hardsigmoid, 4.0, ["hardsigmoid", "hardsigmoid_backward"]),
    ("hardswish", F.hardswish, 4.0, ["hardswish", "hardswish_backward"]),
    ("softplus", lambda x: F.softplus(x, 2.0, 3.0), 3.0, ["softplus", "softplus_backward"]),
    ("logsigmoid", F.logsigmoid, 3.0, ["log_sigmoid_forward", "log_sigmoid_backward"]),
    ("threshold", lambda x: F.threshold(x, 0.25, -2.0), 1.0, ["threshold", "threshold_backward"]),
    ("relu", torch.relu, 1.0, ["relu", "threshold_backward"]),
    ("glu", lambda x: F.glu(x, 0), 1.0, ["glu", "glu_backward"]),
    ("logit", lambda x: torch.logit(torch.sigmoid(x), 0.1), 1.0, ["logit", "logit_backward", "sigmoid_backward"]),
    ("sigmoid", torch.sigmoid, 1.0, ["sigmoid", "sigmoid_backward"]),
    ("tanh", torch.tanh, 1.0, ["tanh_backward"]),
    ("silu", F.silu, 2.0, ["silu", "silu_backward"]),
    ("gelu", F.gelu, 2.0, ["gelu", "gelu_backward"]),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), 2.0, ["gelu", "gelu_backward"]),
]


@pytest.mark.parametrize("name,forward,scale,overloads", AUTOGRAD, ids=[a[0] for a in AUTOGRAD])
def test_autograd_runs_gemforge_backward(name, forward, scale, overloads):
    x = t(6, 10, scale=scale)
    g = t(*forward(x).shape, seed=1)
    xr = x.detach().cpu().double().requires_grad_(True)
    (expected, ) = torch.autograd.grad(forward(xr), xr, g.cpu().double())
    x.requires_grad_(True)
    with gemforge.use(record=True):
        (got, ) = torch.autograd.grad(forward(x), x, g)
        rec = gemforge.recorded()
    for o in overloads:
        assert o in rec, (o, rec)
    assert not [r for r in rec if "fallback" in r], rec
    torch.testing.assert_close(got.cpu().double(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=str)
def test_gelu_backward_half_results(dtype, approximate):
    """fp16/bf16 gelu_backward (the erf form takes the fitted erf, unary_math.py erf_half): every
    input bit pattern below 1e6 in magnitude (beyond, x^2 and x^3 overflow fp32 in ATen's formula
    too), grad 1, against fp64 rounded to the dtype: within one ulp, or 2e-5 (near x = -0.75 the
    derivative crosses zero and is smaller than erf's error; ATen's fp32 formula loses its
    relative accuracy there too)."""
    x = every_half_value(dtype)
    x = x[x.abs() < 1e6]
    xd = x.to(DEVICE)
    g = torch.ones_like(xd)
    got = ran_gemforge(lambda: aten.gelu_backward(g, xd, approximate=approximate), ["gelu_backward"]).cpu()
    xr = x.double().requires_grad_(True)
    (ref, ) = torch.autograd.grad(F.gelu(xr, approximate=approximate), xr, torch.ones_like(xr))
    ok = (half_ulps(got, ref.to(dtype)) <= 1) | ((got.double() - ref).abs() <= 2e-5)
    worst = int((~ok).to(torch.int8).argmax())
    assert bool(ok.all()), (x[worst].item(), got[worst].item(), ref[worst].item())


# ---------------------------------------------------------------- errors as ATen's

INVALID = {
    "leaky_relu of integers": lambda: F.leaky_relu(t(4, dtype=torch.int32)),
    "elu of integers": lambda: F.elu(t(4, dtype=torch.int64)),
    "mish of integers": lambda: F.mish(t(4, dtype=torch.int32)),
    "softplus of bool": lambda: F.softplus(t(4) > 0),
    "glu of integers": lambda: F.glu(t(4, dtype=torch.int32)),
    "glu of a 0-d tensor": lambda: F.glu(t()),
    "glu over an odd dim": lambda: F.glu(t(3, 5), -1),
    "glu dim out of range": lambda: F.glu(t(3, 4), 2),
    "glu_backward over an odd dim": lambda: aten.glu_backward(t(3, 2), t(3, 5), -1),
    "glu_backward mixed dtypes": lambda: aten.glu_backward(t(3, 2, dtype=torch.float64), t(3, 4), -1),
    "hardtanh of bool": lambda: F.hardtanh(t(4) > 0),
    "hardtanh of uint8 with negative limits": lambda: F.hardtanh(t(4, scale=5).abs().to(torch.uint8)),
    "hardtanh int8 bounds overflow": lambda: F.hardtanh(t(4, dtype=torch.int8), -1000, 1000),
    "hardtanh float bounds overflow": lambda: F.hardtanh(t(4), -1e300, 1e300),
    "threshold of bool": lambda: F.threshold(t(4) > 0, 0, 1),
    "threshold int8 value overflow": lambda: F.threshold(t(4, dtype=torch.int8), 0, 300),
    "threshold float threshold overflow": lambda: F.threshold(t(4), 1e300, 0.0),
    "threshold.out float into int": lambda: aten.threshold.out(t(4), 0.5, 1.0, out=torch.empty(4, dtype=torch.int32,
                                                                                               device=DEVICE)),
    "celu with alpha 0": lambda: F.celu(t(4), 0.0),
    "celu_ with alpha 0": lambda: aten.celu_(t(4), 0.0),
    "celu.out of another dtype": lambda: aten.celu.out(t(4), 1.0, out=torch.empty(4, dtype=torch.float64,
                                                                                   device=DEVICE)),
    "elu.out of another dtype": lambda: aten.elu.out(t(4), out=torch.empty(4, dtype=torch.float64, device=DEVICE)),
    "hardswish_backward.out of another dtype": lambda: aten.hardswish_backward.out(
        t(4), t(4), out=torch.empty(4, dtype=torch.int32, device=DEVICE)),
    "elu_backward in-place result with negative alpha": lambda: aten.elu_backward(t(4), -1.0, 1.0, 1.0, True, t(4)),
    "leaky_relu_backward in-place result with negative slope": lambda: aten.leaky_relu_backward(
        t(4), t(4), -0.1, True),
    "gelu_backward bad approximation": lambda: aten.gelu_backward(t(4), t(4), approximate="fast"),
    "logit_ of integers": lambda: aten.logit_(t(4, dtype=torch.int64)),
    "sigmoid_backward of integers": lambda: aten.sigmoid_backward(t(4, dtype=torch.int32), t(4, dtype=torch.int32)),
    "silu_backward incompatible shapes": lambda: aten.silu_backward(t(3, 4), t(5)),
    "leaky_relu.out overlapping its input": lambda: (lambda b: aten.leaky_relu.out(b[1:], 0.1, out=b[:-1]))(t(9)),
    "sigmoid_backward.grad_input overlapping": lambda: (lambda b: aten.sigmoid_backward.grad_input(
        b[1:], b[:-1], grad_input=b[:-1]))(t(9)),
}


@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_input_raises_like_aten(name):
    same_error(INVALID[name])


# ATen's CPU and CUDA kernels word these differently (GemForge checks as the CUDA one does)
INVALID_TYPE_ONLY = {
    "glu_backward grad of the wrong shape": lambda: aten.glu_backward(t(3, 4), t(3, 4), -1),
    "log_sigmoid_forward.output of another dtype": lambda: aten.log_sigmoid_forward.output(
        t(4), output=torch.empty(4, dtype=torch.float64, device=DEVICE), buffer=torch.empty(0, device=DEVICE)),
}


@pytest.mark.parametrize("name", list(INVALID_TYPE_ONLY))
def test_invalid_input_raises_like_aten_type_only(name):
    same_error(INVALID_TYPE_ONLY[name], message=False)


# ---------------------------------------------------------------- semantics as ATen's


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_threshold_compares_with_the_threshold_in_the_tensor_type(dtype):
    # ATen's CUDA kernel compares x with threshold.to<scalar_t>() (its CPU kernel with the float
    # threshold): half(0.3) > 0.3, so x == half(0.3) is replaced
    x = torch.tensor([0.3, 0.2998, 0.3003, -1.0, float("nan")], dtype=dtype, device=DEVICE)
    th, value = torch.tensor(0.3, dtype=dtype), torch.tensor(0.1, dtype=dtype)
    expected = torch.where(x.cpu() <= th, value, x.cpu())
    got, rec = run_recorded(lambda: F.threshold(x, 0.3, 0.1))
    assert "threshold" in rec
    torch.testing.assert_close(got.cpu(), expected, rtol=0, atol=0, equal_nan=True)
    assert got[0] == value
    got, rec = run_recorded(lambda: aten.threshold_backward(x, x, 0.3))
    assert "threshold_backward" in rec
    torch.testing.assert_close(got.cpu(), torch.where(x.cpu() <= th, 0, x.cpu()), rtol=0, atol=0, equal_nan=True)


def test_threshold_of_integers_truncates_its_scalars():
    x = torch.arange(-3, 4, dtype=torch.int8, device=DEVICE)
    got = assert_like_aten(lambda: F.threshold(x, 0.5, 2.7), "threshold")
    assert got.tolist() == [2, 2, 2, 2, 1, 2, 3]
    # an integer input into a float out=: ATen computes in the out's type on CUDA and in the
    # input's type on the CPU; GemForge does the same on each backend
    out = torch.empty(7, device=DEVICE)
    assert_like_aten(lambda: aten.threshold.out(x.int(), 0.5, 2.7, out=out.clone()), "threshold.out")


def test_threshold_backward_mixed_dtypes_and_cpu_scalar():
    g = t(5, 7)
    x = t(5, 7, dtype=torch.int64, scale=3)
    assert_like_aten(lambda: aten.threshold_backward(g, x, 1), "threshold_backward")
    assert_like_aten(lambda: aten.threshold_backward(g.half(), x, 0.5), "threshold_backward")
    if DEVICE == "cpu":  # on CUDA, ATen rejects a CPU self (tests/test_runtime.py checks we do too)
        assert_like_aten(lambda: aten.threshold_backward(g, torch.tensor(0.25), 0.0), "threshold_backward")


def test_hardtanh_integer_bounds_truncate_and_reversed_bounds():
    x = torch.arange(-5, 6, dtype=torch.int32, device=DEVICE)
    got = assert_like_aten(lambda: F.hardtanh(x, -2.7, 3.9), "hardtanh")
    assert got.min().item() == -2 and got.max().item() == 3
    xf = t(4, 5)
    got = assert_like_aten(lambda: aten.hardtanh(xf, 0.5, -0.5), "hardtanh")  # lo > hi: all hi
    assert (got == -0.5).all()
    xn = torch.tensor([float("nan"), 2.0, -2.0], device=DEVICE)
    assert_like_aten(lambda: F.hardtanh(xn), "hardtanh")


def test_softplus_extreme_parameters():
    x = torch.tensor([-100.0, -20.0, 0.0, 15.0, 100.0, float("inf"), -float("inf")], device=DEVICE)
    # threshold beyond exp's range: log1p(exp(inf)) = inf, as ATen
    assert_like_aten(lambda: F.softplus(x, 1.0, 1000.0), "softplus", exact=False)
    # beta 0: division by zero, as ATen
    assert_like_aten(lambda: F.softplus(x, 0.0, 20.0), "softplus", exact=False)


def test_log_sigmoid_forward_output_and_buffer():
    x = t(4, 5)
    out = torch.full((4, 5), float("nan"), device=DEVICE)
    buffer = torch.empty(0, device=DEVICE)
    with gemforge.use(record=True):
        got = aten.log_sigmoid_forward.output(x, output=out, buffer=buffer)
        assert "log_sigmoid_forward.output" in gemforge.recorded()
    assert got[0].data_ptr() == out.data_ptr() and got[1].data_ptr() == buffer.data_ptr()
    torch.testing.assert_close(out.cpu().double(), F.logsigmoid(x.cpu().double()), rtol=1e-5, atol=1e-6)
    # log_sigmoid.out is composite: it reaches log_sigmoid_forward.output
    out2 = torch.empty(0, device=DEVICE)
    with gemforge.use(record=True):
        aten.log_sigmoid.out(x, out=out2)
        assert "log_sigmoid_forward.output" in gemforge.recorded()
    torch.testing.assert_close(out2, out)


def test_log_sigmoid_backward_fallback_with_an_empty_buffer():
    # 8 dims that can't be coalesced: beyond the strided kernel, so ATen's kernel runs; on the CPU
    # it needs the buffer that GemForge's forward leaves empty
    x = make([3] * 8, torch.float32, DEVICE)[(slice(None, None, 2), ) * 8]
    g = make([2] * 8, torch.float32, DEVICE, seed=1)
    with gemforge.use():
        got = aten.log_sigmoid_backward(g, x, torch.empty(0, device=DEVICE))
    xr = x.cpu().double().requires_grad_(True)
    (expected, ) = torch.autograd.grad(F.logsigmoid(xr), xr, g.cpu().double())
    torch.testing.assert_close(got.cpu().double(), expected, rtol=1e-5, atol=1e-6)


def test_mish_backward_result_has_the_input_dtype():
    g = t(6, 7)
    x = t(6, 7, dtype=torch.float16, seed=1)
    got = assert_like_aten(lambda: aten.mish_backward(g, x), "mish_backward", exact=False)
    assert got.dtype == torch.float16


def test_glu_backward_grad_input_aliasing_the_input_goes_to_aten():
    x = t(4, 6)
    g = t(4, 3, seed=1)
    expected = x.clone()
    aten.glu_backward.grad_input(g, expected, -1, grad_input=expected)
    xi = x.clone()
    with gemforge.use(record=True):
        aten.glu_backward.grad_input(g, xi, -1, grad_input=xi)
        rec = gemforge.recorded()
    assert "glu_backward.grad_input -> aten fallback (overlap)" in rec, rec
    torch.testing.assert_close(xi, expected)


def test_glu_backward_grad_input_resized_and_strided():
    x = t(5, 8)
    g = t(5, 4, seed=1)
    gi = torch.empty(0, device=DEVICE)
    got = assert_like_aten(lambda: aten.glu_backward.grad_input(g, x, 1, grad_input=gi.clone()),
                           "glu_backward.grad_input", exact=False)
    assert got.shape == x.shape
    base = torch.full((5, 16), 7.0, device=DEVICE)
    with gemforge.use():
        aten.glu_backward.grad_input(g, x, 1, grad_input=base[:, ::2])
    torch.testing.assert_close(base[:, ::2], got)
    assert (base[:, 1::2] == 7.0).all()


def test_composite_out_forms_with_overlap_go_to_aten():
    base = t(12)
    b = base.clone()
    with gemforge.use(record=True):
        aten.celu.out(b[2:], 0.7, out=b[:-2])  # computed first, then copied: overlap is fine
        rec = gemforge.recorded()
    assert "celu.out -> aten fallback (out)" in rec, rec
    torch.testing.assert_close(b[:-2], F.celu(base[2:], 0.7))
    g = t(6, 5)
    x = t(6, 5, seed=1, scale=4)
    out = torch.empty(0, device=DEVICE)
    assert_like_aten(lambda: aten.hardswish_backward.out(g, x, out=out.clone()), "hardswish_backward.out")


def test_backward_nan_and_boundaries_as_aten_cuda():
    # ATen's CUDA kernels (its CPU kernels differ here): NaN input -> grad for elu, hardswish and
    # hardtanh backward; x == +-3: hardswish' = 0 and 1, hardsigmoid' = 0
    g = torch.tensor([2.0, 2.0, 2.0, 2.0], device=DEVICE)
    x = torch.tensor([float("nan"), 3.0, -3.0, 0.0], device=DEVICE)
    with gemforge.use():
        elu_b = aten.elu_backward(g, 1.0, 1.5, 1.0, False, x)
        hsw_b = aten.hardswish_backward(g, x)
        hsig_b = aten.hardsigmoid_backward(g, x)
        ht_b = aten.hardtanh_backward(g, x, -1.0, 1.0)
        mish_b = aten.mish_backward(g, torch.tensor([float("inf"), -float("inf"), 30.0, 0.0], device=DEVICE))
    assert elu_b.tolist()[:2] == [3.0, 3.0]
    assert hsw_b.tolist()[:3] == [2.0, 2.0, 0.0]
    assert hsig_b.tolist()[1:3] == [0.0, 0.0]
    assert ht_b.tolist()[:2] == [2.0, 0.0]
    assert mish_b[0].isnan() and mish_b[1].isnan() and mish_b[2].item() == 2.0


def test_complex_goes_to_aten():
    g = torch.randn(5, dtype=torch.complex64, device=DEVICE)
    y = torch.randn(5, dtype=torch.complex64, device=DEVICE)
    expected = aten.tanh_backward(g, y)
    got, rec = run_recorded(lambda: aten.tanh_backward(g, y))
    assert "tanh_backward -> aten fallback (dtype)" in rec, rec
    torch.testing.assert_close(got, expected)


def test_scalar_parameters_of_each_python_type():
    x = t(5, 6)
    for slope in (0, 1, 0.25, True):
        assert_like_aten(lambda: F.leaky_relu(x, slope), "leaky_relu", exact=False)
    for alpha in (1, 2.5, True):
        assert_like_aten(lambda: aten.elu(x, alpha, 2, 1), "elu", exact=False)
    assert_like_aten(lambda: F.hardtanh(x, -1, 1), "hardtanh")
    assert_like_aten(lambda: aten.softplus(x, 2, 10), "softplus", exact=False)
    assert_like_aten(lambda: F.threshold(x, 0, 5), "threshold")


def test_logit_eps_and_integer_inputs():
    x = torch.tensor([0.0, 0.02, 0.5, 0.99, 1.0, 1.2, -0.1, float("nan")], device=DEVICE)
    for eps in (None, 0.0, 0.05, -0.1):
        assert_like_aten(lambda: torch.logit(x, eps), "logit", exact=False)
        assert_like_aten(lambda: aten.logit_backward(x, x, eps), "logit_backward", exact=False)
    xi = torch.tensor([0, 1, 2], device=DEVICE)
    got = assert_like_aten(lambda: torch.logit(xi), "logit")
    assert got.dtype == torch.float32


def test_integer_extremes():
    x8 = torch.tensor([-128, 127, 0, -1, 5], dtype=torch.int8, device=DEVICE)
    assert_like_aten(lambda: F.threshold(x8, -128, 5), "threshold")
    assert_like_aten(lambda: F.hardtanh(x8, -128, 127), "hardtanh")
    big = 2**62
    x64 = torch.tensor([-2**63, 2**63 - 1, 0, big + 1, -big - 1], dtype=torch.int64, device=DEVICE)
    got = assert_like_aten(lambda: F.hardtanh(x64, -big, big), "hardtanh")
    assert got.tolist() == [-big, big, 0, big, -big]
    assert_like_aten(lambda: F.threshold(x64, big, -2**63), "threshold")
    assert_like_aten(lambda: aten.threshold_backward(x64, x64, 0), "threshold_backward")


@pytest.mark.parametrize("op", [
    lambda v: aten.leaky_relu_(v, 0.3),
    lambda v: aten.elu_(v, 0.5),
    lambda v: aten.hardtanh_(v, -0.2, 0.4),
    lambda v: aten.threshold_(v, 0.1, 9.0),
    lambda v: aten.hardswish_(v),
], ids=["leaky_relu_", "elu_", "hardtanh_", "threshold_", "hardswish_"])
def test_inplace_on_views_writes_through(op):
    base = t(6, 8)
    expected = base.clone()
    op(expected[:, 1::2].t())
    with gemforge.use(record=True):
        got = base.clone()
        view = got[:, 1::2].t()
        assert op(view).data_ptr() == view.data_ptr()
        assert not [r for r in gemforge.recorded() if "fallback" in r]
    torch.testing.assert_close(got, expected, rtol=1e-6, atol=1e-6)
