"""Tests of softmax / log_softmax backward, and the losses with their backward ops, including the
fused large-vocabulary cross entropy (issue 4).

References: torch itself (GemForge disabled) on fp64 CPU copies of the inputs, or fp64 autograd
for backward passes. Sizes: 1, odd, prime, rows wider than one block (the chunked loops), empty.
"""
import math

import pytest
import torch
import torch.nn.functional as F

import gemforge
from conftest import DEVICE, LARGE, ran_gemforge, same_error

# aten base names whose every registered overload this module's tests run through GemForge
# (test_ops.test_every_registered_overload_is_exercised accepts them as covered).
COVERED_OPS = {"cross_entropy_loss", "l1_loss", "_softmax_backward_data", "_log_softmax_backward_data", "nll_loss_forward", "nll_loss_backward",
               "nll_loss2d_forward", "nll_loss2d_backward", "mse_loss", "mse_loss_backward", "smooth_l1_loss",
               "smooth_l1_loss_backward", "huber_loss", "huber_loss_backward", "binary_cross_entropy",
               "binary_cross_entropy_backward", "binary_cross_entropy_with_logits"}

FLOATS = [torch.float32, torch.float16, torch.bfloat16, torch.float64]
# (rtol, atol) per dtype: one rounding of the result plus fp32 accumulation
TOL = {torch.float32: (2e-5, 2e-5), torch.float16: (2e-3, 2e-3), torch.bfloat16: (1.6e-2, 1.6e-2),
       torch.float64: (1e-10, 1e-10)}
REDUCTIONS = ["none", "mean", "sum"]
RED_CODE = {"none": 0, "mean": 1, "sum": 2}


def dtype_id(d):
    return str(d).replace("torch.", "")


def r64(t):
    return None if t is None else t.detach().cpu().double() if t.is_floating_point() else t.detach().cpu()


def check(got, ref, dtype, scale=1.0):
    assert got.dtype == dtype and got.shape == ref.shape, (got.dtype, got.shape, ref.shape)
    ref = ref.detach().cpu().double()
    if dtype == torch.float16:  # beyond fp16's range the result is inf, as torch's
        ref = torch.where(ref.abs() > 65504, ref.to(dtype).double(), ref)
    rtol, atol = TOL[dtype]
    torch.testing.assert_close(got.detach().cpu().double(), ref.detach().cpu().double(), rtol=rtol * scale,
                               atol=atol * scale, equal_nan=True)


def randn(*shape, dtype, seed=0):
    g = torch.Generator().manual_seed(seed * 7919 + sum(shape) + len(shape))
    return torch.randn(shape, generator=g, dtype=torch.float64).to(dtype).to(DEVICE)


# ---------------------------------------------------------------- softmax backward

SOFTMAX_CASES = [((1, ), 0), ((37, ), 0), ((33, 70), -1), ((33, 70), 0), ((4, 5, 6), 1), ((2, 0, 3), -1), ((), 0),
                 ((3, 5000), -1), ((2, 20011), 1), ((4, 3, 40), 1), ((5, 1), 1)]
if LARGE:
    SOFTMAX_CASES += [((4096, 4096), -1), ((64, 32000), -1), ((8, 150000), -1), ((4, 262144), -1)]


def softmax_backward_ref(log, g, y, dim):
    g64, y64 = r64(g), r64(y)
    if log:
        return g64 - torch.exp(y64) * g64.sum(dim, keepdim=True)
    return y64 * (g64 - (g64 * y64).sum(dim, keepdim=True))


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_softmax_backward_data(dtype, log):
    op = torch.ops.aten._log_softmax_backward_data if log else torch.ops.aten._softmax_backward_data
    name = "_log_softmax_backward_data" if log else "_softmax_backward_data"
    fwd = torch._log_softmax if log else torch._softmax
    for shape, dim in SOFTMAX_CASES:
        x, g = randn(*shape, dtype=dtype), randn(*shape, dtype=dtype, seed=1)
        y = fwd(x, dim, False)
        ref = softmax_backward_ref(log, g, y, dim)
        n = 1 if len(shape) == 0 else shape[dim]
        scale = max(1.0, math.sqrt(n) / 8)
        check(ran_gemforge(lambda: op(g, y, dim, dtype), [name]), ref, dtype, scale)
        if n > 10000:
            continue
        out = torch.full((3, ), float("nan"), dtype=dtype, device=DEVICE)  # resized
        ran_gemforge(lambda: op(g, y, dim, dtype, **{"out" if log else "grad_input": out}), [name + ".out"])
        check(out, ref, dtype, scale)
    # non-contiguous operands
    x, g = randn(40, 30, dtype=dtype).t(), randn(40, 30, dtype=dtype, seed=1).t()
    y = fwd(x, -1, False)
    check(ran_gemforge(lambda: op(g, y, -1, dtype), [name]), softmax_backward_ref(log, g, y, -1), dtype)


@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_softmax_backward_half_to_float(log):
    """A float grad for a half input (CUDA's half_to_float softmax): the result is half on CUDA;
    ATen's CPU kernel raises, and so does GemForge's CPU backend (through ATen)."""
    op = torch.ops.aten._log_softmax_backward_data if log else torch.ops.aten._softmax_backward_data
    x, g = randn(7, 300, dtype=torch.float32), randn(7, 300, dtype=torch.float32, seed=1)
    y = (torch._log_softmax if log else torch._softmax)(x, 1, False)
    if DEVICE == "cuda":
        got = ran_gemforge(lambda: op(g, y, 1, torch.float16), [])
        check(got, softmax_backward_ref(log, g, y, 1), torch.float16)
    else:
        same_error(lambda: op(g, y, 1, torch.float16))
    # other mismatches are ATen's (CPU: a float result; CUDA: an error)
    if DEVICE == "cpu":
        with gemforge.use(record=True):
            got = op(g, y, 1, torch.bfloat16)
            assert any("fallback" in r for r in gemforge.recorded())
        assert got.dtype == op(g, y, 1, torch.bfloat16).dtype


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
def test_softmax_autograd(dtype):
    for shape, dim in [((6, 37), -1), ((3, 5, 4), 1), ((2, 17000), 1)]:
        x = randn(*shape, dtype=dtype)
        g = randn(*shape, dtype=dtype, seed=2)
        for fn, names in [(F.softmax, ["_softmax", "_softmax_backward_data"]),
                          (F.log_softmax, ["_log_softmax", "_log_softmax_backward_data"])]:
            xr = x.clone().requires_grad_()
            ran_gemforge(lambda: fn(xr, dim).backward(g), names)
            x64 = r64(x).requires_grad_()
            fn(x64, dim).backward(r64(g))
            check(xr.grad, x64.grad, dtype, max(1.0, math.sqrt(shape[dim]) / 8))


def test_softmax_backward_errors():
    g, y = randn(3, 4, dtype=torch.float32), randn(3, 5, dtype=torch.float32)
    same_error(lambda: torch.ops.aten._softmax_backward_data(g, y, 1, torch.float32))  # sizes
    same_error(lambda: torch.ops.aten._log_softmax_backward_data(g, g, 2, torch.float32))  # dim
    out = torch.empty(3, 4, dtype=torch.float64, device=DEVICE)
    same_error(lambda: torch.ops.aten._softmax_backward_data(g, g, 1, torch.float32, grad_input=out))  # out dtype


# ---------------------------------------------------------------- nll_loss, nll_loss2d


def targets(shape, C, ignore_index=-100, ignored=0.2, dtype=torch.int64, seed=0):
    g = torch.Generator().manual_seed(seed + 17 * C + sum(shape))
    t = torch.randint(0, max(C, 1), shape, generator=g)
    if ignored:
        t[torch.rand(shape, generator=g) < ignored] = ignore_index
    return t.to(dtype).to(DEVICE)


def nll_ref(x, t, w, reduction, ii, is2d=False):
    op = torch.ops.aten.nll_loss2d_forward if is2d else torch.ops.aten.nll_loss_forward
    return op(r64(x), r64(t), r64(w), RED_CODE[reduction], ii)


def nll_grad_ref(go, x, t, w, reduction, ii, tw, is2d=False):
    op = torch.ops.aten.nll_loss2d_backward if is2d else torch.ops.aten.nll_loss_backward
    return op(r64(go), r64(x), r64(t), r64(w), RED_CODE[reduction], ii, r64(tw))


NLL_SHAPES = [(1, 1), (5, 7), (37, 13), (1, 1000), (0, 4), (20000, 3)]  # the last: several programs


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(dtype, reduction):
    red = RED_CODE[reduction]
    for N, C in NLL_SHAPES:
        for weighted, ii in ((False, -100), (True, 1)):
            if True:
                x = randn(N, C, dtype=dtype)
                t = targets((N, ), C, ii)
                w = randn(C, dtype=dtype, seed=3).abs() + 0.1 if weighted else None
                out, tw = ran_gemforge(lambda: torch.ops.aten.nll_loss_forward(x, t, w, red, ii), ["nll_loss_forward"])
                rout, rtw = nll_ref(x, t, w, reduction, ii)
                scale = max(1.0, math.sqrt(N) / 8)
                check(out, rout, dtype, scale)
                check(tw, rtw, dtype, scale)
                go = randn(*out.shape, dtype=dtype, seed=4)
                gi = ran_gemforge(lambda: torch.ops.aten.nll_loss_backward(go, x, t, w, red, ii, tw),
                                  ["nll_loss_backward"])
                check(gi, nll_grad_ref(go, x, t, w, reduction, ii, tw), dtype)
    # out= forms (resized), a transposed input, byte targets, 1-D input with a 0-d target
    x = randn(13, 9, dtype=dtype).t()
    t = targets((9, ), 13, ignored=0)
    out, tw = torch.empty(0, dtype=dtype, device=DEVICE), torch.empty(0, dtype=dtype, device=DEVICE)
    ran_gemforge(lambda: torch.ops.aten.nll_loss_forward(x, t, None, red, -100, output=out, total_weight=tw),
                 ["nll_loss_forward.output"])
    rout, rtw = nll_ref(x, t, None, reduction, -100)
    check(out, rout, dtype)
    check(tw, rtw, dtype)
    go = randn(*out.shape, dtype=dtype, seed=4)
    gi = torch.empty(0, dtype=dtype, device=DEVICE)
    ran_gemforge(lambda: torch.ops.aten.nll_loss_backward(go, x, t, None, red, -100, tw, grad_input=gi),
                 ["nll_loss_backward.grad_input"])
    check(gi, nll_grad_ref(go, x, t, None, reduction, -100, tw), dtype)
    tb = t.to(torch.uint8)
    check(ran_gemforge(lambda: F.nll_loss(x, tb, reduction=reduction), ["nll_loss_forward"]),
          F.nll_loss(r64(x), r64(tb), reduction=reduction), dtype)
    x1, t0 = randn(11, dtype=dtype), torch.tensor(4, device=DEVICE)
    check(ran_gemforge(lambda: F.nll_loss(x1, t0, reduction=reduction), ["nll_loss_forward"]),
          F.nll_loss(r64(x1), r64(t0), reduction=reduction), dtype)


def test_nll_loss_all_ignored_and_empty():
    x, t = randn(6, 5, dtype=torch.float32), torch.full((6, ), -100, device=DEVICE)
    for reduction in REDUCTIONS:
        got = ran_gemforge(lambda: F.nll_loss(x, t, reduction=reduction), ["nll_loss_forward"])
        ref = F.nll_loss(r64(x), r64(t), reduction=reduction)
        check(got, ref, torch.float32)
    assert torch.isnan(ran_gemforge(lambda: F.nll_loss(x, t), [])).item()
    xr = x.clone().requires_grad_()
    ran_gemforge(lambda: F.nll_loss(xr, t).backward(), ["nll_loss_backward"])
    assert (xr.grad == 0).all()
    e, te = randn(0, 5, dtype=torch.float32), torch.zeros(0, dtype=torch.int64, device=DEVICE)
    for reduction in REDUCTIONS:
        check(ran_gemforge(lambda: F.nll_loss(e, te, reduction=reduction), ["nll_loss_forward"]),
              F.nll_loss(r64(e), r64(te), reduction=reduction), torch.float32)


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss2d(dtype, reduction):
    red = RED_CODE[reduction]
    for N, C, H, W in [(1, 1, 1, 1), (2, 5, 3, 7), (3, 13, 11, 1), (2, 3, 0, 4), (2, 2, 97, 101)]:
        for weighted in (False, True):
            x = randn(N, C, H, W, dtype=dtype)
            t = targets((N, H, W), C)
            w = randn(C, dtype=dtype, seed=3).abs() + 0.1 if weighted else None
            out, tw = ran_gemforge(lambda: torch.ops.aten.nll_loss2d_forward(x, t, w, red, -100),
                                   ["nll_loss2d_forward"])
            rout, rtw = nll_ref(x, t, w, reduction, -100, True)
            scale = max(1.0, math.sqrt(N * H * W) / 8)
            check(out, rout, dtype, scale)
            check(tw, rtw, dtype, scale)
            go = randn(*out.shape, dtype=dtype, seed=4)
            gi = ran_gemforge(lambda: torch.ops.aten.nll_loss2d_backward(go, x, t, w, red, -100, tw),
                              ["nll_loss2d_backward"])
            check(gi, nll_grad_ref(go, x, t, w, reduction, -100, tw, True), dtype)
    x = randn(2, 5, 4, 6, dtype=dtype).permute(0, 1, 3, 2)  # strided input
    t = targets((2, 6, 4), 5)
    out, tw = torch.empty(0, dtype=dtype, device=DEVICE), torch.empty(0, dtype=dtype, device=DEVICE)
    ran_gemforge(lambda: torch.ops.aten.nll_loss2d_forward(x, t, None, red, -100, output=out, total_weight=tw),
                 ["nll_loss2d_forward.output"])
    rout, rtw = nll_ref(x, t, None, reduction, -100, True)
    check(out, rout, dtype)
    go = randn(*out.shape, dtype=dtype, seed=4)
    gi = torch.empty(0, dtype=dtype, device=DEVICE)
    ran_gemforge(lambda: torch.ops.aten.nll_loss2d_backward(go, x, t, None, red, -100, tw, grad_input=gi),
                 ["nll_loss2d_backward.grad_input"])
    # (ATen's CPU kernel itself rejects a non-contiguous input here: reference on a contiguous copy)
    check(gi, nll_grad_ref(go, x.contiguous(), t, None, reduction, -100, tw, True), dtype)


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
def test_cross_entropy_decomposition(dtype):
    """F.cross_entropy = log_softmax + nll_loss, forward and backward all on GemForge."""
    cases = [((1, 1), (1, )), ((8, 37), (8, )), ((2, 20011), (2, )), ((3, 7, 5, 4), (3, 5, 4)), ((4, 6, 9), (4, 9))]
    for reduction in REDUCTIONS:
        for xs, ts in cases:
            if xs[-1] > 10000 and reduction != "mean":
                continue
            x = randn(*xs, dtype=dtype)
            t = targets(ts, xs[1])
            w = randn(xs[1], dtype=dtype, seed=3).abs() + 0.1
            is2d = len(xs) > 2
            names = ["_log_softmax", "_log_softmax_backward_data"] + \
                (["nll_loss2d_forward", "nll_loss2d_backward"] if is2d else ["nll_loss_forward", "nll_loss_backward"])
            for weight in ((None, w) if reduction == "mean" else (None, )):
                xr = x.clone().requires_grad_()

                def run():
                    loss = F.cross_entropy(xr, t, weight=weight, reduction=reduction)
                    loss.backward(torch.ones_like(loss))
                    return loss

                loss = ran_gemforge(run, names)
                x64 = r64(x).requires_grad_()
                ref = F.cross_entropy(x64, r64(t), weight=r64(weight), reduction=reduction)
                ref.backward(torch.ones_like(ref))
                scale = max(1.0, math.sqrt(xs[1]) / 8)
                check(loss, ref, dtype, scale)
                check(xr.grad, x64.grad, dtype, scale)


def test_nll_loss_errors():
    x, t = randn(4, 5, dtype=torch.float32), targets((4, ), 5, ignored=0)
    same_error(lambda: F.nll_loss(x, t[:3]))  # batch size
    same_error(lambda: F.nll_loss(x, t, weight=torch.ones(4, device=DEVICE)))  # weight size
    same_error(lambda: torch.ops.aten.nll_loss_forward(x, t.view(2, 2), None, 1, -100))  # 2-D target
    same_error(lambda: torch.ops.aten.nll_loss_forward(x.view(2, 2, 5), t, None, 1, -100))  # 3-D input
    same_error(lambda: F.nll_loss(x, t.to(torch.int32)))  # target dtype
    same_error(lambda: torch.ops.aten.nll_loss_backward(torch.ones(3, device=DEVICE), x, t, None, 0, -100,
                                                        torch.tensor(0.0, device=DEVICE)))  # grad_output size
    same_error(lambda: torch.ops.aten.nll_loss2d_forward(x, t, None, 1, -100))  # not 4-D
    if DEVICE == "cpu":  # CUDA asserts on the device instead
        bad = t.clone()
        bad[2] = 5
        same_error(lambda: F.nll_loss(x, bad))
        bad[2] = -3
        same_error(lambda: F.nll_loss(x, bad, reduction="none"))
        same_error(lambda: F.cross_entropy(randn(2, 3, 4, 4, dtype=torch.float32),
                                           torch.full((2, 4, 4), 3, device=DEVICE)))


# ---------------------------------------------------------------- fused cross entropy (gemforge::)

CE_SHAPES = [(1, 1), (7, 13), (3, 1031), (2, 20011), (64, 2), (0, 17)]  # 20011: chunked rows
if LARGE:
    CE_SHAPES += [(8192, 32000), (1024, 128256), (64, 262144)]


def ce_ref(x, t, ignore_index, reduction, label_smoothing, g=None):
    x64 = r64(x).requires_grad_()
    ref = F.cross_entropy(x64, r64(t), ignore_index=ignore_index, reduction=reduction,
                          label_smoothing=label_smoothing)
    ref.backward(r64(g) if g is not None else torch.ones_like(ref))
    return ref, x64.grad


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_fused_cross_entropy(dtype, reduction):
    for T, V in CE_SHAPES:
        for ii, smoothing in ([(-100, 0.0), (2, 0.1)] if T * V < 10000 else [(2, 0.1)]):
            x = randn(T, V, dtype=dtype)
            t = targets((T, ), V, ii)
            g = randn(T, dtype=dtype, seed=5) if reduction == "none" else randn(dtype=dtype, seed=5)
            xr = x.clone().requires_grad_()
            loss = gemforge.cross_entropy(xr, t, ignore_index=ii, reduction=reduction, label_smoothing=smoothing)
            loss.backward(g)
            ref, ref_grad = ce_ref(x, t, ii, reduction, smoothing, g)
            scale = max(1.0, math.sqrt(V) / 8, math.sqrt(T) / 8)
            check(loss, ref, dtype, scale)
            check(xr.grad, ref_grad, dtype, scale)
            if V == 13:  # the op itself (no autograd), as a torch op
                check(torch.ops.gemforge.cross_entropy(x, t, ii, reduction, smoothing), ref, dtype, scale)


def test_fused_cross_entropy_layouts_and_edges():
    dtype = torch.float32
    # row-strided logits (a slice of a wider buffer) and an expanded grad for reduction none
    big = randn(9, 60, dtype=dtype).requires_grad_()
    t = targets((9, ), 45)
    loss = gemforge.cross_entropy(big[:, 5:50], t, reduction="none")
    loss.sum().backward()
    ref, ref_grad = ce_ref(big[:, 5:50], t, -100, "none", 0.0)
    check(loss, ref, dtype)
    check(big.grad[:, 5:50], ref_grad, dtype)
    assert (big.grad[:, :5] == 0).all() and (big.grad[:, 50:] == 0).all()
    # leading dims are flattened; reduction none keeps them
    x3, t3 = randn(2, 3, 11, dtype=dtype), targets((2, 3), 11)
    got = gemforge.cross_entropy(x3, t3, reduction="none")
    assert got.shape == (2, 3)
    check(got, F.cross_entropy(r64(x3).transpose(1, 2), r64(t3), reduction="none"), dtype)
    # all targets ignored: mean is NaN (as torch), the gradient is zero
    xa = randn(4, 10, dtype=dtype).requires_grad_()
    ta = torch.full((4, ), -100, device=DEVICE)
    loss = gemforge.cross_entropy(xa, ta)
    assert torch.isnan(loss).item() and torch.isnan(F.cross_entropy(r64(xa), r64(ta))).item()
    loss.backward()
    assert (xa.grad == 0).all()
    # -inf logits (masked vocabulary entries)
    xm = randn(3, 40, dtype=dtype)
    xm[:, 7:20] = -float("inf")
    tm = torch.tensor([1, 30, 39], device=DEVICE)
    check(gemforge.cross_entropy(xm, tm), F.cross_entropy(r64(xm), r64(tm)), dtype)


def test_fused_cross_entropy_errors():
    x, t = randn(4, 5, dtype=torch.float32), targets((4, ), 5, ignored=0)
    for bad_call, exc in [
        (lambda: gemforge.cross_entropy(x, t[:3]), ValueError),
        (lambda: gemforge.cross_entropy(x, t.to(torch.int32)), RuntimeError),
        (lambda: gemforge.cross_entropy(x, t, reduction="avg"), ValueError),
        (lambda: gemforge.cross_entropy(x, t, label_smoothing=1.5), RuntimeError),
    ]:
        with pytest.raises(exc):
            bad_call()
    if DEVICE == "cpu":
        bad = t.clone()
        bad[1] = 5
        with pytest.raises(IndexError):
            gemforge.cross_entropy(x, bad)
        with pytest.raises(IndexError):
            F.cross_entropy(x, bad)


def test_fused_cross_entropy_is_its_own_op():
    """gemforge.cross_entropy is an op of the gemforge namespace (with its own backward); of the
    aten ops only the composite cross_entropy_loss is overridden (below), not nll_loss's parts."""
    assert [n for n in gemforge.op_names() if "cross_entropy" in n and "binary" not in n] == ["cross_entropy_loss"]
    assert "gemforge::cross_entropy" in str(torch.ops.gemforge.cross_entropy.default._schema)


def recorded_ops(fn):
    with gemforge.use(record=True):
        out = fn()
        return out, gemforge.recorded()


CE_LOSS_CASES = [((7, 13), (7, )), ((3, 1031), (3, )), ((2, 20011), (2, )), ((13, ), ()), ((0, 5), (0, ))]
if LARGE:
    CE_LOSS_CASES += [((4096, 32000), (4096, )), ((1024, 128256), (1024, ))]


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_loss_fused_without_gradient(dtype, reduction):
    """aten::cross_entropy_loss (CompositeImplicitAutograd) when no gradient is wanted: the fused
    forward alone, no log_softmax written; results as torch's decomposition."""
    for xs, ts in CE_LOSS_CASES:
        for ii, smoothing in ([(-100, 0.0), (2, 0.1)] if math.prod(xs) < 10**6 else [(2, 0.1)]):
            x, t = randn(*xs, dtype=dtype), targets(ts, xs[-1], ii)
            got, rec = recorded_ops(lambda: F.cross_entropy(x, t, ignore_index=ii, reduction=reduction,
                                                            label_smoothing=smoothing))
            # (an empty batch also fills the result: fill_, zero_)
            assert "cross_entropy_loss" in rec and not {"_log_softmax", "nll_loss_forward"} & set(rec), rec
            assert not [r for r in rec if "fallback" in r], rec
            ref = F.cross_entropy(r64(x), r64(t), ignore_index=ii, reduction=reduction, label_smoothing=smoothing)
            assert got.dtype == dtype and got.shape == ref.shape
            check(got, ref, dtype, max(1.0, math.sqrt(xs[-1]) / 8))
    # inputs that require grad under no_grad, and inference mode (the backend's key, not autograd's)
    x, t = randn(6, 40, dtype=dtype).requires_grad_(), targets((6, ), 40)
    ref = F.cross_entropy(r64(x.detach()), r64(t), reduction=reduction)
    for context in (torch.no_grad, torch.inference_mode):
        with context():
            got, rec = recorded_ops(lambda: F.cross_entropy(x, t, reduction=reduction))
        assert rec == ["cross_entropy_loss"], (context, rec)
        assert not got.requires_grad
        check(got, ref, dtype)


def test_cross_entropy_loss_decomposed_where_fusion_does_not_apply():
    """A gradient wanted (backward or forward mode), class weights, [N, C, d] logits, probability
    targets: ATen's decomposition, its parts on GemForge, results and gradients as torch."""
    import torch.autograd.forward_ad as fwAD
    dtype = torch.float32
    x, t = randn(5, 9, dtype=dtype), targets((5, ), 9)
    xr = x.clone().requires_grad_()
    loss, rec = recorded_ops(lambda: F.cross_entropy(xr, t))
    assert "cross_entropy_loss" not in rec and "_log_softmax" in rec and not [r for r in rec if "fallback" in r]
    loss.backward()
    ref, ref_grad = ce_ref(x, t, -100, "mean", 0.0)
    check(loss, ref, dtype)
    check(xr.grad, ref_grad, dtype)
    tangent = randn(5, 9, dtype=dtype, seed=2)
    with fwAD.dual_level():
        got, rec = recorded_ops(lambda: fwAD.unpack_dual(F.cross_entropy(fwAD.make_dual(x, tangent), t)).tangent)
    with fwAD.dual_level():
        want = fwAD.unpack_dual(F.cross_entropy(fwAD.make_dual(x, tangent), t)).tangent
    assert "cross_entropy_loss" not in rec
    check(got, want.double(), dtype)
    w = randn(9, dtype=dtype, seed=3).abs() + 0.1
    x3, t3 = randn(2, 9, 4, dtype=dtype), targets((2, 4), 9)
    probs = F.softmax(randn(5, 9, dtype=dtype, seed=4), -1)
    for fn, ref in [(lambda: F.cross_entropy(x, t, weight=w), F.cross_entropy(r64(x), r64(t), weight=r64(w))),
                    (lambda: F.cross_entropy(x3, t3), F.cross_entropy(r64(x3), r64(t3))),
                    (lambda: F.cross_entropy(x, probs), F.cross_entropy(r64(x), r64(probs)))]:
        got, rec = recorded_ops(fn)
        assert "cross_entropy_loss" not in rec and not [r for r in rec if "fallback" in r], rec
        check(got, ref, dtype)


def test_cross_entropy_loss_errors():
    x, t = randn(4, 5, dtype=torch.float32), targets((4, ), 5, ignored=0)
    same_error(lambda: F.cross_entropy(x, t[:3]))  # batch size
    same_error(lambda: F.cross_entropy(x, t.to(torch.int32)))  # target dtype
    same_error(lambda: F.cross_entropy(x, t, label_smoothing=1.5))
    if DEVICE == "cpu":  # CUDA asserts on the device instead (a target past the classes)
        same_error(lambda: F.cross_entropy(x[:, :0], t))  # no classes
        bad = t.clone()
        bad[1] = 5
        same_error(lambda: F.cross_entropy(x, bad))


# ---------------------------------------------------------------- elementwise losses

POINTWISE_SHAPES = [(), (37, ), (33, 70), (2, 0, 3), (2, 20000)]  # the last: several programs
if LARGE:
    POINTWISE_SHAPES += [(1 << 22, ), (4096, 4097)]


def loss_inputs(name, shape, dtype):
    x, y = randn(*shape, dtype=dtype), randn(*shape, dtype=dtype, seed=1)
    if name == "binary_cross_entropy":
        x, y = torch.sigmoid(x.double()).to(dtype), torch.rand(shape, dtype=torch.float64).to(dtype).to(DEVICE)
    elif name == "binary_cross_entropy_with_logits":
        y = torch.rand(shape, dtype=torch.float64).to(dtype).to(DEVICE)
    return x, y


# name: (functional call, aten overloads of forward, backward)
POINTWISE_LOSSES = {
    "mse_loss": (lambda x, y, r: F.mse_loss(x, y, reduction=r), "mse_loss", "mse_loss_backward"),
    "smooth_l1_loss": (lambda x, y, r: F.smooth_l1_loss(x, y, reduction=r, beta=0.7), "smooth_l1_loss",
                       "smooth_l1_loss_backward"),
    # (F.smooth_l1_loss with beta=0 calls l1_loss: the aten op itself)
    "smooth_l1_loss_beta0": (lambda x, y, r: torch.ops.aten.smooth_l1_loss(x, y, RED_CODE[r], 0.0), "smooth_l1_loss",
                             "smooth_l1_loss_backward"),
    "huber_loss": (lambda x, y, r: F.huber_loss(x, y, reduction=r, delta=0.6), "huber_loss", "huber_loss_backward"),
    "binary_cross_entropy": (lambda x, y, r: F.binary_cross_entropy(x, y, reduction=r), "binary_cross_entropy",
                             "binary_cross_entropy_backward"),
    "binary_cross_entropy_with_logits": (lambda x, y, r: F.binary_cross_entropy_with_logits(x, y, reduction=r),
                                         "binary_cross_entropy_with_logits", None),
}


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
@pytest.mark.parametrize("name", list(POINTWISE_LOSSES))
def test_pointwise_losses(name, dtype):
    fn, fwd, bwd = POINTWISE_LOSSES[name]
    for shape in POINTWISE_SHAPES:
        x, y = loss_inputs(name.replace("_beta0", ""), shape, dtype)
        n = max(1, math.prod(shape))
        scale = max(1.0, math.sqrt(n) / 8)
        for reduction in (REDUCTIONS if n < 10000 else ["sum"]):  # wide: the multi-program reduction
            xr = x.clone().requires_grad_()
            g = randn(*shape, dtype=dtype, seed=3) if reduction == "none" else randn(dtype=dtype, seed=3)

            def run():
                loss = fn(xr, y, reduction)
                loss.backward(g)
                return loss

            loss = ran_gemforge(run, [fwd] + ([bwd] if bwd and n > 0 else []))
            x64 = r64(x).requires_grad_()
            ref = fn(x64, r64(y), reduction)
            ref.backward(r64(g))
            check(loss, ref, dtype, scale)
            check(xr.grad, x64.grad, dtype, 2.0)


def every_value_in_unit_interval(dtype):
    """Every fp16 / bf16 value in [0, 1] (subnormals, both ends and the values next to them)."""
    bits = torch.arange(0, 1 << 15, dtype=torch.int32).to(torch.int16)
    v = bits.view(dtype).double()
    return v[(v >= 0) & (v <= 1)].to(dtype)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=dtype_id)
def test_binary_cross_entropy_of_every_half_input_within_one_ulp(dtype):
    """The 16-bit BCE kernel's logs (loss.py _bce_logs_half: lg2.approx on the GPU, a series near
    1, the -100 clamp) on every input in [0, 1], targets 0, 1 and in between: each unreduced
    element within one ulp of the loss computed in fp64 from the same inputs, and the sum within
    fp32 accumulation of the fp64 sum."""
    x = every_value_in_unit_interval(dtype).to(DEVICE)
    n = x.numel()
    g = torch.Generator().manual_seed(5)
    targets = [torch.zeros(n), torch.ones(n), torch.rand(n, generator=g, dtype=torch.float64)]
    for y in targets:
        y = y.to(dtype).to(DEVICE)
        got = ran_gemforge(lambda: F.binary_cross_entropy(x, y, reduction="none"), ["binary_cross_entropy"])
        ref = F.binary_cross_entropy(r64(x), r64(y), reduction="none")
        ulp = torch.finfo(dtype).eps * ref.abs().clamp_min(torch.finfo(dtype).tiny)
        err = (got.cpu().double() - ref).abs()
        worst = int(torch.argmax(err / ulp))
        assert bool((err <= ulp).all()), (float(x[worst]), float(y[worst]), float(got[worst]), float(ref[worst]))
        total = ran_gemforge(lambda: F.binary_cross_entropy(x, y, reduction="sum"), ["binary_cross_entropy"])
        check(total, ref.sum(), dtype)


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
def test_mse_loss_reduced_in_one_pass_by_several_programs(dtype):
    """reduction mean/sum: one fused square-difference-and-sum pass split over several programs
    (then one launch adding the partials); sizes that leave the last block and program partial."""
    for shape in [(3, 20001), (40961, )]:
        x, y = randn(*shape, dtype=dtype), randn(*shape, dtype=dtype, seed=1)
        for reduction in ("mean", "sum"):
            got = ran_gemforge(lambda: F.mse_loss(x, y, reduction=reduction), ["mse_loss"])
            ref = F.mse_loss(r64(x), r64(y), reduction=reduction)
            check(got, ref, dtype, max(1.0, math.sqrt(math.prod(shape)) / 8))


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
def test_pointwise_loss_out_and_backward_overloads(dtype):
    x, y = randn(5, 9, dtype=dtype), randn(5, 9, dtype=dtype, seed=1)
    p, q = loss_inputs("binary_cross_entropy", (5, 9), dtype)
    w = randn(9, dtype=dtype, seed=2).abs()
    aten = torch.ops.aten
    for reduction in REDUCTIONS:
        red = RED_CODE[reduction]
        g = randn(5, 9, dtype=dtype, seed=3) if reduction == "none" else randn(dtype=dtype, seed=3)
        cases = [
            ("mse_loss", lambda a, k: aten.mse_loss(a[0], a[1], red, **k), (x, y)),
            ("smooth_l1_loss", lambda a, k: aten.smooth_l1_loss(a[0], a[1], red, 0.5, **k), (x, y)),
            ("huber_loss", lambda a, k: aten.huber_loss(a[0], a[1], red, 1.5, **k), (x, y)),
            ("binary_cross_entropy", lambda a, k: aten.binary_cross_entropy(a[0], a[1], a[2], red, **k), (p, q, w)),
            ("binary_cross_entropy_with_logits",
             lambda a, k: aten.binary_cross_entropy_with_logits(a[0], a[1], a[2], a[2] + 0.5, red, **k), (x, q, w)),
        ]
        for name, call, args in cases:
            ref = call([r64(a) for a in args], {})
            check(ran_gemforge(lambda: call(args, {}), [name]), ref, dtype, 4.0)
            out = torch.empty(0, dtype=dtype, device=DEVICE)
            ran_gemforge(lambda: call(args, {"out": out}), [name + ".out"])
            check(out, ref, dtype, 4.0)
        # backward ops directly, functional and out=, against ATen on fp64
        bcases = [
            ("mse_loss_backward.grad_input", lambda a, k: aten.mse_loss_backward(a[0], a[1], a[2], red, **k),
             (g, x, y)),
            ("smooth_l1_loss_backward.grad_input",
             lambda a, k: aten.smooth_l1_loss_backward(a[0], a[1], a[2], red, 0.5, **k), (g, x, y)),
            ("huber_loss_backward.out", lambda a, k: aten.huber_loss_backward(a[0], a[1], a[2], red, 1.5, **k),
             (g, x, y)),
            ("binary_cross_entropy_backward.grad_input",
             lambda a, k: aten.binary_cross_entropy_backward(a[0], a[1], a[2], a[3], red, **k), (g, p, q, w)),
        ]
        for out_name, call, args in bcases:
            ref = call([r64(a) for a in args], {})
            check(ran_gemforge(lambda: call(args, {}), [out_name.split(".")[0]]), ref, dtype)
            out = torch.empty(0, dtype=dtype, device=DEVICE)
            ran_gemforge(lambda: call(args, {"grad_input": out}), [out_name])
            check(out, ref, dtype)
    # forward with weights against fp64
    ref = aten.binary_cross_entropy(r64(p), r64(q), r64(w), 1)
    check(ran_gemforge(lambda: aten.binary_cross_entropy(p, q, w, 1), ["binary_cross_entropy"]), ref, dtype)
    pw = w + 0.5
    ref = F.binary_cross_entropy_with_logits(r64(x), r64(q), weight=r64(w), pos_weight=r64(pw), reduction="sum")
    check(ran_gemforge(lambda: F.binary_cross_entropy_with_logits(x, q, weight=w, pos_weight=pw, reduction="sum"),
                       ["binary_cross_entropy_with_logits"]), ref, dtype, 4.0)


def test_composite_losses_reach_gemforge():
    """l1_loss and kl_div are CompositeImplicitAutograd: ATen decomposes them into pointwise ops
    and reductions; none of those may fall back."""
    x, y = randn(6, 11, dtype=torch.float32), randn(6, 11, dtype=torch.float32, seed=1)
    for reduction in REDUCTIONS:
        xr = x.clone().requires_grad_()

        def run():
            loss = F.l1_loss(xr, y, reduction=reduction)
            loss.sum().backward()
            return loss

        check(ran_gemforge(run, []), F.l1_loss(r64(x), r64(y), reduction=reduction), torch.float32)
        lp, tp = F.log_softmax(x, -1), F.softmax(y, -1)
        for log_target in (False, True):
            tgt = tp.log() if log_target else tp
            got = ran_gemforge(lambda: F.kl_div(lp, tgt, reduction=reduction, log_target=log_target), [])
            check(got, F.kl_div(r64(lp), r64(tgt), reduction=reduction, log_target=log_target), torch.float32)


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
def test_l1_loss_fused_without_gradient(dtype):
    """aten::l1_loss (CompositeImplicitAutograd: sub, abs, a reduction) without a gradient wanted:
    one kernel; otherwise the decomposition (test_composite_losses_reach_gemforge)."""
    for shape in POINTWISE_SHAPES:
        x, y = randn(*shape, dtype=dtype), randn(*shape, dtype=dtype, seed=1)
        for reduction in REDUCTIONS:
            got, rec = recorded_ops(lambda: F.l1_loss(x, y, reduction=reduction))
            assert "l1_loss" in rec and not {"sub.Tensor", "abs"} & set(rec), rec
            ref = F.l1_loss(r64(x), r64(y), reduction=reduction)
            assert got.dtype == dtype and got.shape == ref.shape
            check(got, ref, dtype, 4.0 if reduction == "sum" else 1.0)
    # broadcast shapes: torch warns, F.l1_loss expands them before the op; mixed dtypes: the
    # decomposition, which promotes
    x, y = randn(3, 5, dtype=dtype), randn(5, dtype=dtype, seed=1)
    with pytest.warns(UserWarning, match="different to the input size"):
        got, rec = recorded_ops(lambda: F.l1_loss(x, y))
    assert "l1_loss" in rec and not [r for r in rec if "fallback" in r], rec
    check(got, F.l1_loss(r64(x), r64(y).expand(3, 5)), dtype)
    if dtype != torch.float64:
        got, rec = recorded_ops(lambda: F.l1_loss(x, x.double()))
        assert "l1_loss" not in rec and got.dtype == torch.float64


def test_pointwise_loss_errors():
    x, y = randn(4, 5, dtype=torch.float32), randn(4, 5, dtype=torch.float32, seed=1)
    same_error(lambda: torch.ops.aten.smooth_l1_loss(x, y, 1, -1.0))  # negative beta
    same_error(lambda: torch.ops.aten.huber_loss(x, y, 1, 0.0))  # non-positive delta
    same_error(lambda: torch.ops.aten.mse_loss(x, randn(3, 5, dtype=torch.float32), 1))  # shapes
    same_error(lambda: torch.ops.aten.binary_cross_entropy(x.sigmoid(), y.sigmoid(), torch.ones(3, device=DEVICE), 1))
    if DEVICE == "cpu":  # CUDA asserts on the device instead
        same_error(lambda: F.binary_cross_entropy(x, y.sigmoid()))  # input outside [0, 1]
    # mixed dtypes and broadcast shapes are ATen's (recorded as fallbacks), results as torch
    with gemforge.use(record=True):
        got = torch.ops.aten.mse_loss(x, y.double(), 1)
        assert "mse_loss -> aten fallback (unsupported or invalid input)" in gemforge.recorded()
    torch.testing.assert_close(got, torch.ops.aten.mse_loss(x, y.double(), 1))
