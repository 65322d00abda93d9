"""Tests of Normalization, forward and backward: layer_norm, rms_norm, group_norm, batch_norm and
instance_norm (issue 4).

References are torch on fp64 CPU copies; backward ops are checked against fp64 autograd. Row widths
cover 1, odd, prime, 2^k+-1, rows wider than one block (the chunked path: > 1024 elements under
the interpreter, > 16384 on a GPU), several normalized dims, empty inputs, non-contiguous input.
"""
import pytest
import torch
import torch.nn.functional as F

import gemforge
from conftest import DEVICE, LARGE, ran_gemforge, same_error

# aten base names whose every registered overload this module's tests run through GemForge
# (test_ops.test_every_registered_overload_is_exercised accepts them as covered).
COVERED_OPS = {"native_layer_norm", "native_layer_norm_backward", "_fused_rms_norm", "_fused_rms_norm_backward",
               "native_group_norm", "native_group_norm_backward", "native_batch_norm", "_native_batch_norm_legit",
               "_native_batch_norm_legit_no_training", "native_batch_norm_backward", "cudnn_batch_norm",
               "cudnn_batch_norm_backward", "_weight_norm_interface", "_weight_norm_interface_backward"}

DTYPES = [torch.float32, torch.float16, torch.bfloat16, torch.float64]
# relative error bound (Frobenius norm of the error over that of the reference) per dtype
RTOL = {torch.float32: 2e-5, torch.float16: 2e-3, torch.bfloat16: 1.6e-2, torch.float64: 1e-10}
ids = lambda d: str(d).replace("torch.", "")  # noqa: E731

# (input shape, normalized_shape)
LN_SHAPES = [((1, 1), (1, )), ((3, 1), (1, )), ((5, 7), (7, )), ((4, 31), (31, )), ((2, 3, 63), (63, )),
             ((3, 65), (65, )), ((2, 3, 5), (3, 5)), ((2, 1025), (1025, )), ((3, 2, 129), (2, 129))]
# wider than one block on a GPU too: run with weight and bias only (interpreter time)
WIDE = [((2, 16411), (16411, ))]
if LARGE:
    LN_SHAPES += [((4096, 4096), (4096, )), ((8, 4096), (4096, )), ((1024, 32768), (32768, ))]


def check(got, ref, dtype, what="", floor=0.0):
    assert got.dtype == dtype and got.shape == ref.shape, (what, got.dtype, dtype, got.shape, ref.shape)
    got, ref = got.detach().cpu().double(), ref.detach().cpu().double()
    assert not torch.isnan(got).any(), what
    # relative to the reference's norm, floored at 0.01 per element (results that cancel to ~0)
    denom = max(ref.norm().item(), 0.01 * ref.numel() ** 0.5, floor, 1e-30)
    err = (got - ref).norm().item() / denom
    assert err <= RTOL[dtype], f"{what}: relative error {err:.3g} > {RTOL[dtype]:.3g}"


def rand(*shape, dtype, scale=1.0, shift=0.0):
    return (torch.randn(*shape, device=DEVICE) * scale + shift).to(dtype)


def leaf64(t):
    return None if t is None else t.detach().cpu().double().requires_grad_()


def affine(shape, dtype, has_w, has_b):
    w = rand(*shape, dtype=dtype) if has_w else None
    b = rand(*shape, dtype=dtype) if has_b else None
    return w, b


def check_grads(got_leaves, ref_leaves, dtype, what, dy, rstd, theirs=None):
    """The input gradient rstd * (g - mean(g) - xhat * mean(g * xhat)) cancels to ~0 for rows of
    one element; its error is measured against the size of its terms, |dy| * max|weight| * max rstd.
    theirs: torch's own gradients on the same device, for results whose rounding points
    ATen's decomposition fixes (its error, doubled, is also accepted)."""
    w = ref_leaves[1]
    g_norm = dy.cpu().double().norm().item() * (w.detach().abs().max().item() if w is not None else 1.0)
    for i, (name, got, ref) in enumerate(zip(("input", "weight", "bias"), got_leaves, ref_leaves)):
        if got is not None:
            floor = g_norm * rstd.max().item() if name == "input" else 0.0
            if theirs is not None:
                torch_err = (theirs[i].cpu().double() - ref.grad).norm().item()
                floor = max(floor, 2 * torch_err / RTOL[dtype])
            check(got.grad, ref.grad, dtype, f"{what} grad {name}", floor)


def torch_grads(fn, leaves, dy):
    """torch's own gradients (GemForge off) of fn(*leaves) on copies of the leaves, on the same
    device: where ATen's interface fixes a rounding point (statistics saved in a half dtype,
    per-instance sums), its error is also accepted, doubled (check_grads)."""
    copies = [t.detach().clone().requires_grad_() if t is not None else None for t in leaves]
    fn(*copies).backward(dy)
    return [t.grad if t is not None else None for t in copies]


def ref_rstd(x64, dims, eps, rms=False):
    x64 = x64.detach()
    var = x64.pow(2).mean(dims) if rms else x64.var(dims, unbiased=False)
    return (var + eps).rsqrt()


# ---------------------------------------------------------------- layer_norm

@pytest.mark.parametrize("dtype", DTYPES, ids=ids)
def test_layer_norm_forward_backward(dtype):
    for shape, ns in LN_SHAPES + WIDE:
        for has_w, has_b in ((True, True), ) if (shape, ns) in WIDE else ((True, True), (False, False), (True, False),
                                                                          (False, True)):
            # an offset mean checks that the variance is computed around it
            x = rand(*shape, dtype=dtype, scale=2.0, shift=3.0).requires_grad_()
            w, b = affine(ns, dtype, has_w, has_b)
            for t in (w, b):
                if t is not None:
                    t.requires_grad_()
            dy = rand(*shape, dtype=dtype)
            y = ran_gemforge(lambda: F.layer_norm(x, ns, w, b, eps=1e-5), ["native_layer_norm"])
            ran_gemforge(lambda: y.backward(dy), ["native_layer_norm_backward"])
            x64, w64, b64 = leaf64(x), leaf64(w), leaf64(b)
            ref = F.layer_norm(x64, ns, w64, b64, eps=1e-5)
            ref.backward(dy.cpu().double())
            what = f"layer_norm {shape} {ns} w={has_w} b={has_b}"
            check(y, ref, dtype, what)
            dims = tuple(range(len(shape) - len(ns), len(shape)))
            check_grads((x, w, b), (x64, w64, b64), dtype, what, dy, ref_rstd(x64, dims, 1e-5))


@pytest.mark.parametrize("dtype", DTYPES, ids=ids)
def test_native_layer_norm_stats_and_out(dtype):
    acc = torch.float64 if dtype == torch.float64 else torch.float32
    for shape, ns in [((2, 3, 5), (5, )), ((4, 7, 3), (7, 3)), ((3, 1025), (1025, ))]:
        x = rand(*shape, dtype=dtype, scale=2.0, shift=-1.0)
        w, b = affine(ns, dtype, True, True)
        y, mean, rstd = ran_gemforge(lambda: torch.ops.aten.native_layer_norm(x, ns, w, b, 1e-3),
                                     ["native_layer_norm"])
        dims = tuple(range(len(shape) - len(ns), len(shape)))
        x64 = x.cpu().double()
        ref_mean = x64.mean(dims, keepdim=True)
        ref_rstd = (x64.var(dims, unbiased=False, keepdim=True) + 1e-3).rsqrt()
        # statistics are fp32 for half inputs (ATen's CUDA kernel)
        check(mean, ref_mean, acc, "mean")
        check(rstd, ref_rstd, acc, "rstd")
        check(y, F.layer_norm(x64, ns, w.cpu().double(), b.cpu().double(), 1e-3), dtype, "y")
        # out=: contiguous outputs of the wrong size are resized; a non-contiguous one is written through
        outs = (torch.empty(0, device=DEVICE, dtype=dtype), torch.empty(1, device=DEVICE, dtype=acc),
                torch.empty(mean.shape[::-1], device=DEVICE, dtype=acc).transpose(0, -1))
        ran_gemforge(lambda: torch.ops.aten.native_layer_norm.out(x, ns, w, b, 1e-3, out0=outs[0], out1=outs[1],
                                                                  out2=outs[2]), ["native_layer_norm.out"])
        check(outs[0], y, dtype, "out0")
        check(outs[1], mean, acc, "out1")
        check(outs[2], rstd, acc, "out2")


def check_layer_norm_backward_masks(shape, ns, dtype, masks):
    """native_layer_norm_backward on random inputs for each output mask, against autograd in fp64
    (unrequested gradients None). Returns the inputs, statistics and fp64 leaves (with .grad)."""
    x = rand(*shape, dtype=dtype, shift=1.0)
    w, b = affine(ns, dtype, True, True)
    dy = rand(*shape, dtype=dtype)
    _, mean, rstd = torch.ops.aten.native_layer_norm(x, ns, w, b, 1e-5)
    x64, w64, b64 = leaf64(x), leaf64(w), leaf64(b)
    F.layer_norm(x64, ns, w64, b64, 1e-5).backward(dy.cpu().double())
    for mask in masks:
        got = ran_gemforge(lambda: torch.ops.aten.native_layer_norm_backward(dy, x, ns, mean, rstd, w, b, mask),
                           ["native_layer_norm_backward"])
        for m, g, r in zip(mask, got, (x64, w64, b64)):
            if m:
                check(g, r.grad, dtype, f"layer_norm {shape} mask {mask}")
            else:
                assert g is None
    return x, w, b, dy, mean, rstd, (x64, w64, b64)


@pytest.mark.parametrize("dtype", DTYPES, ids=ids)
def test_native_layer_norm_backward_masks_and_out(dtype):
    shape, ns = (37, 2, 9), (2, 9)  # 37 rows: the weight gradient splits its rows
    x, w, b, dy, mean, rstd, (x64, w64, b64) = check_layer_norm_backward_masks(
        shape, ns, dtype, ([True, True, True], [True, False, False], [False, True, False], [False, False, True]))
    outs = [torch.empty(0, device=DEVICE, dtype=dtype) for _ in range(3)]
    ran_gemforge(lambda: torch.ops.aten.native_layer_norm_backward.out(
        dy, x, ns, mean, rstd, w, b, [True, True, True], out0=outs[0], out1=outs[1], out2=outs[2]),
        ["native_layer_norm_backward.out"])
    for g, r in zip(outs, (x64, w64, b64)):
        check(g, r.grad, dtype, "out")


def test_layer_norm_tall_and_noncontiguous():
    # many rows (the weight gradient's row split and its partial sums), transposed input
    x = rand(300, 24, dtype=torch.float32).t().requires_grad_()  # [24, 300], normalized over 300 strided
    w, b = affine((300, ), torch.float32, True, True)
    w.requires_grad_()
    b.requires_grad_()
    dy = rand(24, 300, dtype=torch.float32).t().contiguous().t()
    y = ran_gemforge(lambda: F.layer_norm(x, (300, ), w, b), ["native_layer_norm"])
    ran_gemforge(lambda: y.backward(dy), ["native_layer_norm_backward"])
    x64, w64, b64 = leaf64(x), leaf64(w), leaf64(b)
    ref = F.layer_norm(x64, (300, ), w64, b64)
    ref.backward(dy.cpu().double())
    check(y, ref, torch.float32, "y")
    check_grads((x, w, b), (x64, w64, b64), torch.float32, "tall", dy, ref_rstd(x64, 1, 1e-5))
    x2 = rand(200, 5, dtype=torch.float32).requires_grad_()  # 200 rows of 5
    w2 = rand(5, dtype=torch.float32).requires_grad_()
    y2 = ran_gemforge(lambda: F.layer_norm(x2, (5, ), w2), ["native_layer_norm"])
    ran_gemforge(lambda: y2.sum().backward(), ["native_layer_norm_backward"])
    x64, w64 = leaf64(x2), leaf64(w2)
    F.layer_norm(x64, (5, ), w64).sum().backward()
    check(w2.grad, w64.grad, torch.float32, "tall weight grad")
    check(x2.grad, x64.grad, torch.float32, "tall input grad")


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16], ids=ids)
def test_norm_backward_row_runs(dtype):
    """Weight / bias gradients summed in the input gradient's pass: under the interpreter 37 rows
    of 600 are 4 programs of 12 rows (tiles of 4; the last program has one row), whose partial
    sums a second launch adds up; on a GPU, a few hundred programs of ~31 rows."""
    shapes = [((37, 600), (600, ))] + ([((8192, 4096), (4096, ))] if LARGE else [])
    for shape, ns in shapes:
        x, w, b, dy, _, _, _ = check_layer_norm_backward_masks(
            shape, ns, dtype, ([True, True, True], [False, True, True], [False, False, True], [True, False, False]))
        with gemforge.use():
            _, rstd = torch.ops.aten._fused_rms_norm(x, ns, w, 1e-5)
        x64, w64 = leaf64(x), leaf64(w)
        F.rms_norm(x64, ns, w64, 1e-5).backward(dy.cpu().double())
        for mask in ([True, True], [False, True]):
            got = ran_gemforge(lambda: torch.ops.aten._fused_rms_norm_backward(dy, x, ns, rstd, w, mask),
                               ["_fused_rms_norm_backward"])
            for m, g, r in zip(mask, got, (x64, w64)):
                if m:
                    check(g, r.grad, dtype, f"rms_norm {shape} mask {mask}")


def test_layer_norm_empty_and_constant_rows():
    for shape, ns in [((0, 5), (5, )), ((3, 0), (0, )), ((2, 0, 3), (3, ))]:
        x = torch.randn(*shape, device=DEVICE)
        w = torch.randn(ns, device=DEVICE)
        got = ran_gemforge(lambda: torch.ops.aten.native_layer_norm(x, ns, w, w, 1e-5), ["native_layer_norm"])
        ref = torch.ops.aten.native_layer_norm(x.cpu(), ns, w.cpu(), w.cpu(), 1e-5)
        for g, r in zip(got, ref):
            assert g.shape == r.shape
            torch.testing.assert_close(g.cpu(), r, equal_nan=True)
    # constant rows: variance 0, output = bias
    x = torch.full((4, 33), 7.0, device=DEVICE)
    b = torch.randn(33, device=DEVICE)
    y = ran_gemforge(lambda: F.layer_norm(x, (33, ), None, b), ["native_layer_norm"])
    torch.testing.assert_close(y, b.expand(4, 33))


def test_layer_norm_errors():
    x = torch.randn(3, 4, device=DEVICE)
    same_error(lambda: F.layer_norm(x, (5, )))
    same_error(lambda: F.layer_norm(x, (4, ), torch.randn(5, device=DEVICE)))
    same_error(lambda: F.layer_norm(x, (4, ), None, torch.randn(3, device=DEVICE)))
    same_error(lambda: F.layer_norm(x, (2, 3, 4)))
    same_error(lambda: torch.ops.aten.native_layer_norm(x, [], None, None, 1e-5))


# ---------------------------------------------------------------- rms_norm

@pytest.mark.parametrize("dtype", DTYPES, ids=ids)
def test_rms_norm_forward_backward(dtype):
    for shape, ns in LN_SHAPES + WIDE:
        for has_w in (True, ) if (shape, ns) in WIDE else (True, False):
            for eps in (1e-6, ) if (shape, ns) in WIDE else (1e-6, None):
                # small values make eps=None (the accumulation type's machine epsilon) matter
                scale = 1e-3 if eps is None else 1.0
                x = rand(*shape, dtype=dtype, scale=scale, shift=scale).requires_grad_()
                w = rand(*ns, dtype=dtype).requires_grad_() if has_w else None
                dy = rand(*shape, dtype=dtype)
                y = ran_gemforge(lambda: F.rms_norm(x, ns, w, eps), ["_fused_rms_norm"])
                ran_gemforge(lambda: y.backward(dy), ["_fused_rms_norm_backward"])
                x64, w64 = leaf64(x), leaf64(w)
                ref_eps = eps if eps is not None else torch.finfo(torch.float64 if dtype == torch.float64
                                                                  else torch.float32).eps
                ref = F.rms_norm(x64, ns, w64, ref_eps)
                ref.backward(dy.cpu().double())
                what = f"rms_norm {shape} {ns} w={has_w} eps={eps}"
                check(y, ref, dtype, what)
                dims = tuple(range(len(shape) - len(ns), len(shape)))
                check_grads((x, w), (x64, w64), dtype, what, dy, ref_rstd(x64, dims, ref_eps, rms=True))


@pytest.mark.parametrize("dtype", DTYPES, ids=ids)
def test_fused_rms_norm_ops(dtype):
    acc = torch.float64 if dtype == torch.float64 else torch.float32
    shape, ns = (40, 3, 7), (3, 7)
    x = rand(*shape, dtype=dtype)
    w = rand(*ns, dtype=dtype)
    y, rstd = ran_gemforge(lambda: torch.ops.aten._fused_rms_norm(x, ns, w, 1e-5), ["_fused_rms_norm"])
    x64 = x.cpu().double()
    ref_rstd = (x64.pow(2).mean((1, 2), keepdim=True) + 1e-5).rsqrt()
    check(rstd, ref_rstd, acc, "rstd")
    dy = rand(*shape, dtype=dtype)
    x64, w64 = leaf64(x), leaf64(w)
    F.rms_norm(x64, ns, w64, 1e-5).backward(dy.cpu().double())
    for mask in ([True, True], [True, False], [False, True]):
        dx, dw = ran_gemforge(lambda: torch.ops.aten._fused_rms_norm_backward(dy, x, ns, rstd, w, mask),
                              ["_fused_rms_norm_backward"])
        for m, g, r in zip(mask, (dx, dw), (x64, w64)):
            if m:
                check(g, r.grad, dtype, f"mask {mask}")
            else:
                assert g is None


def test_rms_norm_empty_and_errors():
    x = torch.randn(0, 6, device=DEVICE, requires_grad=True)
    w = torch.randn(6, device=DEVICE, requires_grad=True)
    y = ran_gemforge(lambda: F.rms_norm(x, (6, ), w), ["_fused_rms_norm"])
    ran_gemforge(lambda: y.sum().backward(), ["_fused_rms_norm_backward"])
    assert y.shape == (0, 6) and x.grad.shape == (0, 6) and (w.grad == 0).all()
    x = torch.randn(3, 4, device=DEVICE)
    same_error(lambda: F.rms_norm(x, (5, )))
    same_error(lambda: F.rms_norm(x, (4, ), torch.randn(5, device=DEVICE)))
    same_error(lambda: F.rms_norm(x, (2, 3, 4)))


# ---------------------------------------------------------------- group_norm

# (input shape, groups)
GN_CASES = [((2, 4, 5), 2), ((3, 6, 7, 3), 3), ((2, 5, 1), 5), ((4, 6), 2), ((2, 8, 129), 1), ((2, 6, 4, 5), 6),
            ((5, 3, 17), 1), ((2, 32, 3, 3), 4), ((2, 2, 700), 1)]
# ((2, 8, 129), 1), ((2, 2, 700), 1): slices beyond one tile under the interpreter (tiles of
# channels; tiles along HW)
if LARGE:
    GN_CASES += [((8, 256, 64, 64), 32), ((32, 128, 56, 56), 32), ((2, 512, 128, 128), 32)]


@pytest.mark.parametrize("dtype", DTYPES, ids=ids)
def test_group_norm_forward_backward(dtype):
    for shape, groups in GN_CASES:
        C = shape[1]
        for has_w, has_b in ((True, True), (False, False), (True, False)):
            x = rand(*shape, dtype=dtype, scale=2.0, shift=1.0).requires_grad_()
            w, b = affine((C, ), dtype, has_w, has_b)
            for t in (w, b):
                if t is not None:
                    t.requires_grad_()
            dy = rand(*shape, dtype=dtype)
            y = ran_gemforge(lambda: F.group_norm(x, groups, w, b, eps=1e-5), ["native_group_norm"])
            ran_gemforge(lambda: y.backward(dy), ["native_group_norm_backward"])
            x64, w64, b64 = leaf64(x), leaf64(w), leaf64(b)
            ref = F.group_norm(x64, groups, w64, b64, eps=1e-5)
            ref.backward(dy.cpu().double())
            what = f"group_norm {shape} G={groups} w={has_w} b={has_b}"
            check(y, ref, dtype, what)
            # half types: the saved statistics are rounded to the input dtype (as ATen), so the
            # gradients carry that rounding too (weight's: amplified where its terms cancel)
            xg = x64.detach().reshape(shape[0], groups, -1)
            theirs = torch_grads(lambda *t: F.group_norm(t[0], groups, t[1], t[2], eps=1e-5), (x, w, b), dy)
            check_grads((x, w, b), (x64, w64, b64), dtype, what, dy, ref_rstd(xg, -1, 1e-5), theirs)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16], ids=ids)
def test_native_group_norm_stats_masks_and_out(dtype):
    N, C, HW, G = 3, 6, 10, 3
    x = rand(N, C, HW, dtype=dtype, shift=2.0)
    w, b = affine((C, ), dtype, True, True)
    y, mean, rstd = ran_gemforge(lambda: torch.ops.aten.native_group_norm(x, w, b, N, C, HW, G, 1e-5),
                                 ["native_group_norm"])
    xg = x.cpu().double().reshape(N, G, -1)
    check(mean, xg.mean(-1), dtype, "mean")
    check(rstd, (xg.var(-1, unbiased=False) + 1e-5).rsqrt(), dtype, "rstd")
    outs = [torch.empty(0, device=DEVICE, dtype=dtype) for _ in range(3)]
    ran_gemforge(lambda: torch.ops.aten.native_group_norm.out(x, w, b, N, C, HW, G, 1e-5, out0=outs[0],
                                                              out1=outs[1], out2=outs[2]), ["native_group_norm.out"])
    for g, r in zip(outs, (y, mean, rstd)):
        torch.testing.assert_close(g, r)
    dy = rand(N, C, HW, dtype=dtype)
    ref = torch.ops.aten.native_group_norm_backward(dy.cpu().double(), x.cpu().double(), mean.cpu().double(),
                                                    rstd.cpu().double(), w.cpu().double(), N, C, HW, G,
                                                    [True, True, True])
    for mask in ([True, False, False], [False, True, True], [True, True, True]):
        got = ran_gemforge(lambda: torch.ops.aten.native_group_norm_backward(dy, x, mean, rstd, w, N, C, HW, G, mask),
                           ["native_group_norm_backward"])
        for m, g, r in zip(mask, got, ref):
            if m:
                check(g, r, dtype, f"mask {mask}")
            else:
                assert g is None
    outs = [torch.empty(0, device=DEVICE, dtype=dtype) for _ in range(3)]
    ran_gemforge(lambda: torch.ops.aten.native_group_norm_backward.out(
        dy, x, mean, rstd, w, N, C, HW, G, [True, True, True], out0=outs[0], out1=outs[1], out2=outs[2]),
        ["native_group_norm_backward.out"])
    for g, r in zip(outs, ref):
        check(g, r, dtype, "backward out")


def test_group_norm_empty_and_errors():
    for shape in [(0, 4, 3), (2, 4, 0)]:
        x = torch.randn(*shape, device=DEVICE)
        got = ran_gemforge(lambda: torch.ops.aten.native_group_norm(x, None, None, shape[0], 4, shape[2], 2, 1e-5),
                           ["native_group_norm"])
        ref = torch.ops.aten.native_group_norm(x.cpu(), None, None, shape[0], 4, shape[2], 2, 1e-5)
        for g, r in zip(got, ref):
            assert g.shape == r.shape
            torch.testing.assert_close(g.cpu(), r, equal_nan=True)
    x = torch.randn(2, 6, 5, device=DEVICE)
    same_error(lambda: F.group_norm(x, 4))
    same_error(lambda: F.group_norm(x, 3, torch.randn(5, device=DEVICE)))
    same_error(lambda: torch.ops.aten.native_group_norm(x, None, None, 2, 6, 5, 4, 1e-5))
    same_error(lambda: torch.ops.aten.native_group_norm(x, torch.randn(4, device=DEVICE), None, 2, 6, 5, 3, 1e-5))


# ---------------------------------------------------------------- batch_norm

# [N, C], [N, C, L], [N, C, H, W], [N, C, D, H, W]; C = 1, odd, prime; more than one chunk of rows
# per channel under the interpreter ([70, 97]: 3 chunks of 32 rows; [3, 2, 1500]: 2 of 4096).
BN_SHAPES = [(7, 5), (6, 1), (70, 97), (3, 300), (4, 3, 7), (3, 13, 2), (2, 1, 9), (2, 5, 3, 4), (2, 3, 2, 2, 3),
             (3, 2, 1500)]
if LARGE:
    BN_SHAPES += [(32, 256, 56, 56), (8192, 1024), (16, 64, 4096)]
# on a GPU, F.batch_norm reaches cudnn_batch_norm for affine input of 3+ dims (fp32, fp16 with fp32
# weight), native_batch_norm otherwise: either runs on GemForge
BN_FWD = ("native_batch_norm", "cudnn_batch_norm")
BN_BWD = ("native_batch_norm_backward", "cudnn_batch_norm_backward")


def ran_gemforge_any(fn, names):
    """Like ran_gemforge, with at least one of `names` run."""
    with gemforge.use(record=True):
        out = fn()
        rec = gemforge.recorded()
    assert not [r for r in rec if "fallback" in r], rec
    assert any(n in rec for n in names), (names, rec)
    return out


def bn_ref_invstd(x64, eps):
    dims = [0] + list(range(2, x64.dim()))
    return (x64.detach().var(dims, unbiased=False) + eps).rsqrt()


@pytest.mark.parametrize("dtype", DTYPES, ids=ids)
def test_batch_norm_forward_backward(dtype):
    for shape in BN_SHAPES:
        C = shape[1]
        # weight and bias, neither, weight only
        for mode, has_w, has_b in (("train", True, True), ("train_no_stats", False, False), ("eval", True, False)):
            x = rand(*shape, dtype=dtype, scale=2.0, shift=3.0).requires_grad_()
            w, b = affine((C, ), dtype, has_w, has_b)
            for t in (w, b):
                if t is not None:
                    t.requires_grad_()
            rm = rv = None
            if mode != "train_no_stats":
                rm = rand(C, dtype=dtype)
                rv = (torch.rand(C, device=DEVICE) + 0.5).to(dtype)
            rm64 = None if rm is None else rm.cpu().double()
            rv64 = None if rv is None else rv.cpu().double()
            train = mode != "eval"
            dy = rand(*shape, dtype=dtype)
            y = ran_gemforge_any(lambda: F.batch_norm(x, rm, rv, w, b, train, 0.2, 1e-5), BN_FWD)
            ran_gemforge_any(lambda: y.backward(dy), BN_BWD)
            x64, w64, b64 = leaf64(x), leaf64(w), leaf64(b)
            ref = F.batch_norm(x64, rm64, rv64, w64, b64, train, 0.2, 1e-5)
            ref.backward(dy.cpu().double())
            what = f"batch_norm {shape} {mode} w={has_w} b={has_b}"
            check(y, ref, dtype, what)
            if rm is not None:  # updated in place in training (unbiased variance), untouched in eval
                check(rm, rm64, dtype, what + " running_mean")
                check(rv, rv64, dtype, what + " running_var")
            invstd = bn_ref_invstd(x64, 1e-5) if train else (rv64 + 1e-5).rsqrt()
            check_grads((x, w, b), (x64, w64, b64), dtype, what, dy, invstd)


@pytest.mark.parametrize("dtype", DTYPES, ids=ids)
def test_native_batch_norm_overloads(dtype):
    acc = torch.float64 if dtype == torch.float64 else torch.float32
    aten = torch.ops.aten
    for shape in [(9, 7), (3, 5, 11)]:
        C = shape[1]
        x = rand(*shape, dtype=dtype, scale=2.0, shift=-1.0)
        w, b = affine((C, ), dtype, True, True)
        x64, w64, b64 = x.cpu().double(), w.cpu().double(), b.cpu().double()
        dims = [0] + list(range(2, x.dim()))
        mean_ref = x64.mean(dims)
        invstd_ref = (x64.var(dims, unbiased=False) + 1e-3).rsqrt()
        rm0, rv0 = rand(C, dtype=dtype), (torch.rand(C, device=DEVICE) + 0.5).to(dtype)
        rm_ref = 0.7 * rm0.cpu().double() + 0.3 * mean_ref
        rv_ref = 0.7 * rv0.cpu().double() + 0.3 * x64.var(dims, unbiased=True)
        y_ref = F.batch_norm(x64, None, None, w64, b64, True, 0.1, 1e-3)
        eval_ref = F.batch_norm(x64, rm0.cpu().double(), rv0.cpu().double(), w64, b64, False, 0.1, 1e-3)
        eval_invstd = (rv0.cpu().double() + 1e-3).rsqrt()

        def train_checks(res, rm, rv, what):
            y, mean, invstd = res
            check(y, y_ref, dtype, what)
            # saved statistics in fp32 for half types (ATen's CUDA kernels)
            check(mean, mean_ref, acc, what + " save_mean")
            check(invstd, invstd_ref, acc, what + " save_invstd")
            if rm is not None:
                check(rm, rm_ref, dtype, what + " running_mean")
                check(rv, rv_ref, dtype, what + " running_var")

        def eval_checks(res, what):
            y, mean, invstd = res
            check(y, eval_ref, dtype, what)
            check(mean, rm0.cpu().double(), acc, what + " save_mean")
            check(invstd, eval_invstd, acc, what + " save_invstd")

        def outs():  # wrong sizes (resized); a non-contiguous output is written through
            return (torch.empty(0, device=DEVICE, dtype=dtype), torch.empty(1, device=DEVICE, dtype=acc),
                    torch.empty(2 * C, device=DEVICE, dtype=acc)[::2])

        rm, rv = rm0.clone(), rv0.clone()
        train_checks(ran_gemforge(lambda: aten.native_batch_norm(x, w, b, rm, rv, True, 0.3, 1e-3),
                                  ["native_batch_norm"]), rm, rv, "native_batch_norm")
        rm, rv = rm0.clone(), rv0.clone()
        o = outs()
        ran_gemforge(lambda: aten.native_batch_norm.out(x, w, b, rm, rv, True, 0.3, 1e-3, out=o[0], save_mean=o[1],
                                                        save_invstd=o[2]), ["native_batch_norm.out"])
        train_checks(o, rm, rv, "native_batch_norm.out")
        eval_checks(ran_gemforge(lambda: aten.native_batch_norm(x, w, b, rm0, rv0, False, 0.3, 1e-3),
                                 ["native_batch_norm"]), "native_batch_norm eval")
        train_checks(ran_gemforge(lambda: aten.native_batch_norm(x, w, b, None, None, True, 0.3, 1e-3),
                                  ["native_batch_norm"]), None, None, "native_batch_norm no stats")
        rm, rv = rm0.clone(), rv0.clone()
        train_checks(ran_gemforge(lambda: aten._native_batch_norm_legit(x, w, b, rm, rv, True, 0.3, 1e-3),
                                  ["_native_batch_norm_legit"]), rm, rv, "legit")
        rm, rv = rm0.clone(), rv0.clone()
        o = outs()
        ran_gemforge(lambda: aten._native_batch_norm_legit.out(x, w, b, rm, rv, True, 0.3, 1e-3, out=o[0],
                                                               save_mean=o[1], save_invstd=o[2]),
                     ["_native_batch_norm_legit.out"])
        train_checks(o, rm, rv, "legit.out")
        train_checks(ran_gemforge(lambda: aten._native_batch_norm_legit.no_stats(x, w, b, True, 0.3, 1e-3),
                                  ["_native_batch_norm_legit.no_stats"]), None, None, "legit.no_stats")
        o = outs()
        ran_gemforge(lambda: aten._native_batch_norm_legit.no_stats_out(x, w, b, True, 0.3, 1e-3, out=o[0],
                                                                        save_mean=o[1], save_invstd=o[2]),
                     ["_native_batch_norm_legit.no_stats_out"])
        train_checks(o, None, None, "legit.no_stats_out")
        eval_checks(ran_gemforge(lambda: aten._native_batch_norm_legit_no_training(x, w, b, rm0, rv0, 0.3, 1e-3),
                                 ["_native_batch_norm_legit_no_training"]), "legit_no_training")
        o = outs()
        ran_gemforge(lambda: aten._native_batch_norm_legit_no_training.out(x, w, b, rm0, rv0, 0.3, 1e-3, out0=o[0],
                                                                           out1=o[1], out2=o[2]),
                     ["_native_batch_norm_legit_no_training.out"])
        eval_checks(o, "legit_no_training.out")
        # eval leaves the running stats alone
        assert torch.equal(rm0, rm0.clone()) and rv0.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES, ids=ids)
def test_native_batch_norm_backward_masks_and_out(dtype):
    # [70, 130]: the rows split over several programs under the interpreter (partial sums)
    for shape in [(5, 3, 7), (70, 130)]:
        _batch_norm_backward_masks_and_out(dtype, shape)


def _batch_norm_backward_masks_and_out(dtype, shape):
    C = shape[1]
    aten = torch.ops.aten
    x = rand(*shape, dtype=dtype, shift=1.0)
    w = rand(C, dtype=dtype)
    rm, rv = rand(C, dtype=dtype), (torch.rand(C, device=DEVICE) + 0.5).to(dtype)
    dy = rand(*shape, dtype=dtype)
    _, sm, si = aten.native_batch_norm(x, w, None, None, None, True, 0.1, 1e-5)
    for train in (True, False):
        x64, w64 = leaf64(x), leaf64(w)
        b64 = torch.zeros(C, dtype=torch.float64, requires_grad=True)
        F.batch_norm(x64, rm.cpu().double(), rv.cpu().double(), w64, b64, train, 0.1, 1e-5).backward(
            dy.cpu().double())
        refs = (x64.grad, w64.grad, b64.grad)
        # the input gradient cancels to ~0 in training: its error is measured against |dy| * max|w| * max invstd
        invstd = si if train else (rv.double() + 1e-5).rsqrt()
        dx_floor = dy.double().norm().item() * w.double().abs().max().item() * invstd.double().max().item()
        for mask in ([True, True, True], [True, False, False], [False, True, False], [False, False, True]):
            got = ran_gemforge(lambda: aten.native_batch_norm_backward(dy, x, w, rm, rv, sm, si, train, 1e-5, mask),
                               ["native_batch_norm_backward"])
            for m, g, r in zip(mask, got, refs):
                if m:
                    check(g, r, dtype, f"train={train} mask {mask}", floor=dx_floor if r is refs[0] else 0.0)
                else:
                    assert g is None
        outs = [torch.empty(0, device=DEVICE, dtype=dtype) for _ in range(3)]
        ran_gemforge(lambda: aten.native_batch_norm_backward.out(dy, x, w, rm, rv, sm, si, train, 1e-5,
                                                                 [True, True, True], out0=outs[0], out1=outs[1],
                                                                 out2=outs[2]), ["native_batch_norm_backward.out"])
        for g, r in zip(outs, refs):
            check(g, r, dtype, f"train={train} out", floor=dx_floor if r is refs[0] else 0.0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16], ids=ids)
def test_cudnn_batch_norm_ops(dtype):
    # what F.batch_norm reaches on a GPU for affine input of 3+ dims; called directly here
    aten = torch.ops.aten
    shape, C = (4, 5, 6), 5
    x = rand(*shape, dtype=dtype, shift=2.0)
    w, b = affine((C, ), torch.float32, True, True)  # cuDNN's mixed precision: fp32 parameters
    rm, rv = torch.zeros(C, device=DEVICE), torch.ones(C, device=DEVICE)
    y, sm, si, reserve = ran_gemforge(lambda: aten.cudnn_batch_norm(x, w, b, rm, rv, True, 0.1, 1e-5),
                                      ["cudnn_batch_norm"])
    x64 = x.cpu().double()
    rm64, rv64 = torch.zeros(C, dtype=torch.float64), torch.ones(C, dtype=torch.float64)
    check(y, F.batch_norm(x64, rm64, rv64, w.cpu().double(), b.cpu().double(), True, 0.1, 1e-5), dtype, "y")
    check(rm, rm64, torch.float32, "running_mean")
    check(rv, rv64, torch.float32, "running_var")
    check(sm, x64.mean((0, 2)), torch.float32, "save_mean")
    check(si, bn_ref_invstd(x64, 1e-5), torch.float32, "save_var (invstd)")
    dy = rand(*shape, dtype=dtype)
    dx, dw, db = ran_gemforge(lambda: aten.cudnn_batch_norm_backward(x, dy, w, rm, rv, sm, si, 1e-5, reserve),
                              ["cudnn_batch_norm_backward"])
    x64, w64, b64 = leaf64(x), leaf64(w), leaf64(b)
    F.batch_norm(x64, None, None, w64, b64, True, 0.1, 1e-5).backward(dy.cpu().double())
    check(dx, x64.grad, dtype, "dx", floor=dy.double().norm().item() * w.abs().max().item() * si.max().item())
    check(dw, w64.grad, torch.float32, "dw")
    check(db, b64.grad, torch.float32, "db")
    # eval: no saved statistics
    y, sm, si, _ = ran_gemforge(lambda: aten.cudnn_batch_norm(x, w, b, rm, rv, False, 0.1, 1e-5), ["cudnn_batch_norm"])
    assert sm.numel() == 0 and si.numel() == 0
    check(y, F.batch_norm(x.cpu().double(), rm.cpu().double(), rv.cpu().double(), w.cpu().double(),
                          b.cpu().double(), False, 0.1, 1e-5), dtype, "eval y")


def test_batch_norm_mixed_precision_and_layouts():
    # half input with fp32 parameters and running stats (autocast after a conv)
    x = rand(6, 4, 5, 3, dtype=torch.float16, shift=1.0).requires_grad_()
    w, b = affine((4, ), torch.float32, True, True)
    w.requires_grad_()
    rm, rv = torch.zeros(4, device=DEVICE), torch.ones(4, device=DEVICE)
    y = ran_gemforge_any(lambda: F.batch_norm(x, rm, rv, w, b, True), BN_FWD)
    ran_gemforge_any(lambda: y.sum().backward(), BN_BWD)
    x64, w64 = leaf64(x), leaf64(w)
    rm64, rv64 = torch.zeros(4, dtype=torch.float64), torch.ones(4, dtype=torch.float64)
    ref = F.batch_norm(x64, rm64, rv64, w64, b.cpu().double(), True)
    ref.sum().backward()
    check(y, ref, torch.float16, "mixed y")
    check(rv, rv64, torch.float32, "mixed running_var")
    check(w.grad, w64.grad, torch.float32, "mixed dw", floor=1.0)
    # channels-last input keeps its layout (as ATen); transposed [N, C] input; strided gradient
    for x in (rand(3, 5, 4, 6, dtype=torch.float32).to(memory_format=torch.channels_last),
              rand(5, 9, dtype=torch.float32).t(), rand(4, 6, 10, dtype=torch.float32)[:, :, ::2]):
        x.requires_grad_()
        w = rand(x.shape[1], dtype=torch.float32).requires_grad_()
        dy = rand(*x.shape[::-1], dtype=torch.float32).permute(*range(x.dim() - 1, -1, -1))
        y = ran_gemforge_any(lambda: F.batch_norm(x, None, None, w, None, True), BN_FWD)
        ran_gemforge_any(lambda: y.backward(dy), BN_BWD)
        if x.is_contiguous(memory_format=torch.channels_last) and x.dim() == 4:
            assert y.is_contiguous(memory_format=torch.channels_last)
        x64, w64 = leaf64(x), leaf64(w)
        ref = F.batch_norm(x64, None, None, w64, None, True)
        ref.backward(dy.cpu().double())
        check(y, ref, torch.float32, f"strided {x.shape}")
        check_grads((x, w), (x64, w64), torch.float32, f"strided {x.shape}", dy, bn_ref_invstd(x64, 1e-5))


def test_batch_norm_modules_momentum_none_and_no_running_stats():
    torch.manual_seed(0)
    for make in (lambda: torch.nn.BatchNorm2d(3, momentum=None), lambda: torch.nn.BatchNorm1d(5),
                 lambda: torch.nn.BatchNorm1d(7, track_running_stats=False, affine=False)):
        ours, ref = make().to(DEVICE), make().double()
        for step in range(3):
            shape = (4, 3, 5, 2) if isinstance(ours, torch.nn.BatchNorm2d) else (6, ref.num_features, 3)
            x = rand(*shape, dtype=torch.float32, scale=step + 1.0, shift=step)
            y = ran_gemforge_any(lambda: ours(x), BN_FWD)
            check(y, ref(x.cpu().double()), torch.float32, f"{ours} step {step}")
        if ref.running_mean is not None:  # cumulative average for momentum=None
            check(ours.running_mean, ref.running_mean, torch.float32, "running_mean")
            check(ours.running_var, ref.running_var, torch.float32, "running_var")
            assert ours.num_batches_tracked.item() == 3
        else:
            assert ours.running_mean is None
        ours.eval()
        ref.eval()
        x = rand(2, ref.num_features, 3, dtype=torch.float32) if not isinstance(ours, torch.nn.BatchNorm2d) else \
            rand(2, 3, 4, 4, dtype=torch.float32)
        check(ran_gemforge_any(lambda: ours(x), BN_FWD), ref(x.cpu().double()), torch.float32, f"{ours} eval")


def test_batch_norm_errors_and_empty():
    x = torch.randn(4, 3, device=DEVICE)
    # one value per channel in training (checked by F.batch_norm)
    same_error(lambda: F.batch_norm(torch.randn(1, 3, 1, device=DEVICE), None, None, training=True))
    same_error(lambda: F.batch_norm(torch.randn(1, 3, device=DEVICE), None, None, training=True))
    same_error(lambda: F.batch_norm(x, torch.zeros(4, device=DEVICE), torch.ones(4, device=DEVICE)))
    same_error(lambda: F.batch_norm(x, None, None, torch.ones(2, device=DEVICE), training=True))
    same_error(lambda: torch.ops.aten.native_batch_norm(torch.randn(5, device=DEVICE), None, None, None, None, True,
                                                        0.1, 1e-5), message=False)
    # empty input: handled by aten::batch_norm before native_batch_norm, matches torch
    e = torch.randn(0, 3, 4, device=DEVICE)
    with gemforge.use():
        got = F.batch_norm(e, None, None, torch.ones(3, device=DEVICE), training=True)
    assert got.shape == e.shape


# ---------------------------------------------------------------- instance_norm

@pytest.mark.parametrize("dtype", DTYPES, ids=ids)
def test_instance_norm_forward_backward(dtype):
    # aten::instance_norm runs batch_norm over the input seen as [1, N * C, *spatial]
    for shape in [(2, 3, 7), (3, 1, 5, 4), (1, 5, 13), (2, 4, 2, 3, 2)]:
        C = shape[1]
        for has_affine, track in ((True, True), (False, False)):
            x = rand(*shape, dtype=dtype, scale=2.0, shift=1.0).requires_grad_()
            w, b = affine((C, ), dtype, has_affine, has_affine)
            for t in (w, b):
                if t is not None:
                    t.requires_grad_()
            rm = rand(C, dtype=dtype) if track else None
            rv = (torch.rand(C, device=DEVICE) + 0.5).to(dtype) if track else None
            rm64 = None if rm is None else rm.cpu().double()
            rv64 = None if rv is None else rv.cpu().double()
            dy = rand(*shape, dtype=dtype)
            y = ran_gemforge_any(lambda: F.instance_norm(x, rm, rv, w, b, True, 0.1, 1e-5), BN_FWD)
            ran_gemforge_any(lambda: y.backward(dy), BN_BWD)
            x64, w64, b64 = leaf64(x), leaf64(w), leaf64(b)
            ref = F.instance_norm(x64, rm64, rv64, w64, b64, True, 0.1, 1e-5)
            ref.backward(dy.cpu().double())
            what = f"instance_norm {shape} affine={has_affine}"
            check(y, ref, dtype, what)
            if track:
                check(rm, rm64, dtype, what + " running_mean")
                check(rv, rv64, dtype, what + " running_var")
            invstd = (x64.detach().flatten(2).var(-1, unbiased=False) + 1e-5).rsqrt()
            # ATen's instance_norm sums the per-instance weight and bias gradients in the
            # parameters' dtype (half types round each term): torch's error bounds ours there
            theirs = torch_grads(lambda *t: F.instance_norm(t[0], None if rm is None else rm.clone(),
                                                            None if rv is None else rv.clone(), t[1], t[2], True,
                                                            0.1, 1e-5), (x, w, b), dy)
            check_grads((x, w, b), (x64, w64, b64), dtype, what, dy, invstd, theirs)
    # eval with running stats (use_input_stats=False)
    x = rand(2, 3, 6, dtype=dtype)
    rm, rv = rand(3, dtype=dtype), (torch.rand(3, device=DEVICE) + 0.5).to(dtype)
    y = ran_gemforge_any(lambda: F.instance_norm(x, rm, rv, use_input_stats=False), BN_FWD)
    check(y, F.instance_norm(x.cpu().double(), rm.cpu().double(), rv.cpu().double(), use_input_stats=False), dtype,
          "instance_norm eval")


# ---------------------------------------------------------------- weight_norm

# (v shape, dim): dim 0 (rows) and the last dim (columns); several chunks per slice under the
# interpreter ([2, 5000] dim 0, [70, 37] dim 1)
WN_CASES = [((5, 7), 0), ((5, 7), 1), ((1, 1), 0), ((4, 3, 2, 3), 0), ((4, 3, 2, 3), 3), ((2, 5000), 0),
            ((70, 37), 1), ((13, ), 0), ((3, 1), 1)]
if LARGE:
    WN_CASES += [((4096, 4096), 0), ((4096, 4096), 1)]


def weight_norm_ref(v, g, dim):
    dims = [d for d in range(v.dim()) if d != dim]
    return v * (g / v.norm(2, dims, keepdim=True)) if dims else v * (g / v.abs())


@pytest.mark.parametrize("dtype", DTYPES, ids=ids)
def test_weight_norm_forward_backward(dtype):
    acc = torch.float64 if dtype == torch.float64 else torch.float32
    for shape, dim in WN_CASES:
        gshape = [1] * len(shape)
        gshape[dim] = shape[dim]
        v = rand(*shape, dtype=dtype).requires_grad_()
        g = rand(*gshape, dtype=dtype).requires_grad_()
        # torch._weight_norm (what nn.utils.weight_norm calls) runs the fused interface for dim 0 / last
        w = ran_gemforge(lambda: torch._weight_norm(v, g, dim), ["_weight_norm_interface"])
        dw = rand(*shape, dtype=dtype)
        ran_gemforge(lambda: w.backward(dw), ["_weight_norm_interface_backward"])
        v64, g64 = leaf64(v), leaf64(g)
        ref = weight_norm_ref(v64, g64, dim)
        ref.backward(dw.cpu().double())
        what = f"weight_norm {shape} dim={dim}"
        check(w, ref, dtype, what)
        # grad v = g / |v| * (dw - vhat * (vhat . dw)) cancels (to 0 for one element per slice):
        # its error is measured against the size of its terms, |g / |v| * dw|
        dims = [d for d in range(len(shape)) if d != dim]
        v_norm = v64.detach().norm(2, dims, keepdim=True) if dims else v64.detach().abs()
        grad_v_terms = (g64.detach() / v_norm * dw.cpu().double()).norm().item()
        check(v.grad, v64.grad, dtype, what + " grad v", grad_v_terms)
        check(g.grad, g64.grad, dtype, what + " grad g")
        # the saved norms: fp32 for half types (as ATen)
        w2, norms = ran_gemforge(lambda: torch.ops.aten._weight_norm_interface(v.detach(), g.detach(), dim),
                                 ["_weight_norm_interface"])
        check(norms, v_norm, acc, what + " norms")
        outs = (torch.empty(0, device=DEVICE, dtype=dtype), torch.empty(0, device=DEVICE, dtype=acc))
        ran_gemforge(lambda: torch.ops.aten._weight_norm_interface.out(v.detach(), g.detach(), dim, out0=outs[0],
                                                                       out1=outs[1]), ["_weight_norm_interface.out"])
        torch.testing.assert_close(outs[0], w2)
        torch.testing.assert_close(outs[1], norms)
        outs = (torch.empty(0, device=DEVICE, dtype=dtype), torch.empty(0, device=DEVICE, dtype=dtype))
        ran_gemforge(lambda: torch.ops.aten._weight_norm_interface_backward.out(
            dw, v.detach(), g.detach(), norms, dim, out0=outs[0], out1=outs[1]),
            ["_weight_norm_interface_backward.out"])
        check(outs[0], v64.grad, dtype, what + " out grad v", grad_v_terms)
        check(outs[1], g64.grad, dtype, what + " out grad g")


def test_weight_norm_module_and_errors():
    lin = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(6, 4).to(DEVICE))
    x = torch.randn(3, 6, device=DEVICE)
    y = ran_gemforge(lambda: lin(x), ["_weight_norm_interface"])
    ref = x @ weight_norm_ref(lin.parametrizations.weight.original1.detach(),
                              lin.parametrizations.weight.original0.detach(), 0).t() + lin.bias.detach()
    check(y, ref, torch.float32, "module")
    # a middle dim: ATen's CPU kernel raises, its CUDA kernel computes; GemForge leaves it to ATen
    v, g = torch.randn(4, 3, 2, device=DEVICE), torch.randn(1, 3, 1, device=DEVICE)
    if DEVICE == "cpu":
        same_error(lambda: torch.ops.aten._weight_norm_interface(v, g, 1), message=False)
    else:
        # (ATen's CUDA kernel leaves w and the norms unwritten for a middle dim: only their
        # shapes and dtypes are defined)
        expected = torch.ops.aten._weight_norm_interface(v, g, 1)
        with gemforge.use(record=True):
            got = torch.ops.aten._weight_norm_interface(v, g, 1)
            assert "_weight_norm_interface -> aten fallback (dim)" in gemforge.recorded()
        assert [(t.shape, t.dtype) for t in got] == [(t.shape, t.dtype) for t in expected]
