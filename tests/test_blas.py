"""Matrix products (csrc/ops/blas.cpp, kernels/matmul.py) against fp64 references.

Shapes cover 1x1x1, odd and prime sizes, K not a multiple of the tile, M or N = 1, batches of 1
and many, transposed and sliced operands (16-byte aligned layouts take the TMA kernel, the
others the strided one), beta = 0 with NaN in the input, and empty K.
"""
import math

import pytest
import torch
import torch.nn.functional as F

import gemforge
from conftest import DEVICE, LARGE, ran_gemforge

DTYPES = [torch.float32, torch.float16, torch.bfloat16]
# relative error bound (Frobenius norm) per dtype; grows with sqrt(K) for the accumulation
RTOL = {torch.float32: 2e-6, torch.float16: 1.5e-3, torch.bfloat16: 1.2e-2}
TF32_RTOL = 2e-3

# (M, N, K): tiny, odd and prime, K not a multiple of any tile, M or N = 1, TMA-aligned sizes
SHAPES = [(1, 1, 1), (7, 13, 29), (37, 53, 71), (1, 64, 80), (64, 1, 80), (48, 40, 16), (129, 72, 136),
          (3, 5, 0), (96, 136, 200),
          (16, 48, 512), (5, 40, 1000)]  # few output tiles, long K: split-K (on any backend)
if LARGE:
    SHAPES += [(1024, 1024, 1024), (1, 4096, 4096), (16, 14336, 4096), (4096, 4096, 4096), (1000, 1000, 1000),
               (1, 4096, 14336), (3, 8192, 8192)]


def rand(*shape, dtype, transposed=False, sliced=False):
    """A random operand; transposed: stored as the transpose (.t() view); sliced: every other
    column of a wider tensor."""
    if transposed:
        return rand(*shape[:-2], shape[-1], shape[-2], dtype=dtype, sliced=sliced).transpose(-1, -2)
    if sliced:
        return torch.randn(*shape[:-1], shape[-1] * 2, device=DEVICE).to(dtype)[..., ::2]
    return torch.randn(*shape, device=DEVICE).to(dtype)


def check(got, ref, dtype, k, tf32=False):
    assert got.dtype == dtype and got.shape == ref.shape, (got.dtype, got.shape, ref.shape)
    got, ref = got.detach().cpu().double(), ref.detach().cpu().double()
    assert not torch.isnan(got).any()
    tol = (TF32_RTOL if tf32 else RTOL[dtype]) * max(1.0, math.sqrt(k) / 8)
    denom = ref.norm().item()
    err = (got - ref).norm().item() / denom if denom > 0 else (got - ref).abs().max().item()
    assert err <= tol, f"relative error {err:.3g} > {tol:.3g}"


def ref64(*ts):
    return [t.detach().cpu().double() for t in ts]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: str(d).replace("torch.", ""))
@pytest.mark.parametrize("layout", ["nn", "nt", "tn", "sliced"])
def test_mm(dtype, layout):
    for M, N, K in SHAPES:
        a = rand(M, K, dtype=dtype, transposed=layout == "tn", sliced=layout == "sliced")
        b = rand(K, N, dtype=dtype, transposed=layout == "nt", sliced=layout == "sliced")
        got = ran_gemforge(lambda: torch.mm(a, b), ["mm"])
        ra, rb = ref64(a, b)
        check(got, ra @ rb, dtype, K)
        out = torch.full((M, N), float("nan"), device=DEVICE, dtype=dtype)
        ran_gemforge(lambda: torch.mm(a, b, out=out), ["mm.out"])
        check(out, ra @ rb, dtype, K)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: str(d).replace("torch.", ""))
def test_addmm_and_linear(dtype):
    for M, N, K in SHAPES:
        a, w = rand(M, K, dtype=dtype), rand(N, K, dtype=dtype)  # nn.Linear layout
        for inp in (rand(N, dtype=dtype), rand(M, N, dtype=dtype), rand(M, 1, dtype=dtype), rand(1, N, dtype=dtype)):
            got = ran_gemforge(lambda: torch.addmm(inp, a, w.t(), beta=0.5, alpha=-2.0), ["addmm"])
            ri, ra, rw = ref64(inp, a, w)
            check(got, 0.5 * ri - 2.0 * (ra @ rw.t()), dtype, K)
        bias = rand(N, dtype=dtype)
        got = ran_gemforge(lambda: F.linear(a, w, bias), ["addmm"])
        check(got, ra @ rw.t() + ref64(bias)[0], dtype, K)
        # in-place and out=
        c = rand(M, N, dtype=dtype)
        rc = ref64(c)[0]
        ran_gemforge(lambda: c.addmm_(a, w.t(), beta=2.0), ["addmm_"])
        check(c, 2.0 * rc + ra @ rw.t(), dtype, K)
        out = torch.full((M, N), float("nan"), device=DEVICE, dtype=dtype)
        ran_gemforge(lambda: torch.addmm(bias, a, w.t(), out=out), ["addmm.out"])
        check(out, ref64(bias)[0] + ra @ rw.t(), dtype, K)


def test_beta_zero_ignores_nan_and_empty_k():
    for dtype in DTYPES:
        a, b = rand(9, 24, dtype=dtype), rand(24, 16, dtype=dtype)
        nan_input = torch.full((9, 16), float("nan"), device=DEVICE, dtype=dtype)
        got = ran_gemforge(lambda: torch.addmm(nan_input, a, b, beta=0), ["addmm"])
        check(got, ref64(a)[0] @ ref64(b)[0], dtype, 24)
        # K = 0: the product is empty, result = beta * input
        a0, b0 = rand(9, 0, dtype=dtype), rand(0, 16, dtype=dtype)
        inp = rand(9, 16, dtype=dtype)
        got = ran_gemforge(lambda: torch.addmm(inp, a0, b0, beta=3.0), ["addmm"])
        check(got, 3.0 * ref64(inp)[0], dtype, 1)
        got = ran_gemforge(lambda: torch.mm(a0, b0), ["mm"])
        assert got.shape == (9, 16) and (got == 0).all()


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: str(d).replace("torch.", ""))
def test_bmm_baddbmm_addbmm(dtype):
    cases = [(1, 7, 5, 3), (4, 33, 17, 40), (3, 64, 48, 72), (17, 16, 32, 64)]
    if LARGE:
        cases += [(32, 1024, 128, 128), (64, 128, 2048, 64)]
    for B, M, N, K in cases:
        for transposed in (False, True):
            a = rand(B, M, K, dtype=dtype)
            b = rand(B, K, N, dtype=dtype, transposed=transposed)
            ra, rb = ref64(a, b)
            check(ran_gemforge(lambda: torch.bmm(a, b), ["bmm"]), ra @ rb, dtype, K)
            inp = rand(N, dtype=dtype)
            check(ran_gemforge(lambda: torch.baddbmm(inp, a, b, beta=0.5, alpha=2.0), ["baddbmm"]),
                  0.5 * ref64(inp)[0] + 2.0 * (ra @ rb), dtype, K)
            inp2 = rand(M, N, dtype=dtype)
            check(ran_gemforge(lambda: torch.addbmm(inp2, a, b, beta=0.5), ["addbmm"]),
                  0.5 * ref64(inp2)[0] + (ra @ rb).sum(0), dtype, K * B)
        c = rand(B, M, N, dtype=dtype)
        rc = ref64(c)[0]
        ran_gemforge(lambda: c.baddbmm_(a, b), ["baddbmm_"])
        check(c, rc + ra @ rb, dtype, K)
        out = torch.full((B, M, N), float("nan"), device=DEVICE, dtype=dtype)
        ran_gemforge(lambda: torch.bmm(a, b, out=out), ["bmm.out"])
        check(out, ra @ rb, dtype, K)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: str(d).replace("torch.", ""))
def test_vector_products(dtype):
    for M, K in [(1, 1), (37, 71), (64, 128), (5, 0)]:
        m, v = rand(M, K, dtype=dtype), rand(K, dtype=dtype)
        rm, rv = ref64(m, v)
        check(ran_gemforge(lambda: torch.mv(m, v), ["mv"]), rm @ rv, dtype, K)
        check(ran_gemforge(lambda: torch.mv(m.t().contiguous().t(), v), ["mv"]), rm @ rv, dtype, K)
        inp = rand(M, dtype=dtype)
        check(ran_gemforge(lambda: torch.addmv(inp, m, v, beta=0.5, alpha=3.0), ["addmv"]),
              0.5 * ref64(inp)[0] + 3.0 * (rm @ rv), dtype, K)
        x, y = rand(K, dtype=dtype), rand(K, dtype=dtype)
        rx, ry = ref64(x, y)
        check(ran_gemforge(lambda: torch.dot(x, y), ["dot"]), (rx * ry).sum(), dtype, K)
        check(ran_gemforge(lambda: torch.vdot(x, y), ["vdot"]), (rx * ry).sum(), dtype, K)
    v1, v2, inp = rand(6, dtype=dtype), rand(9, dtype=dtype), rand(6, 9, dtype=dtype)
    r1, r2, ri = ref64(v1, v2, inp)
    check(ran_gemforge(lambda: torch.addr(inp, v1, v2, beta=2.0, alpha=0.5), ["addr"]),
          2.0 * ri + 0.5 * torch.outer(r1, r2), dtype, 1)
    nan_inp = torch.full((6, 9), float("nan"), device=DEVICE, dtype=dtype)
    check(ran_gemforge(lambda: torch.addr(nan_inp, v1, v2, beta=0), ["addr"]), torch.outer(r1, r2), dtype, 1)
    # composite ops reach GemForge's kernels after ATen decomposes them
    check(ran_gemforge(lambda: torch.outer(v1, v2), ["mul.Tensor"]), torch.outer(r1, r2), dtype, 1)
    ka, kb = rand(2, 3, dtype=dtype), rand(4, 5, dtype=dtype)
    check(ran_gemforge(lambda: torch.kron(ka, kb), ["mul.Tensor"]), torch.kron(*ref64(ka, kb)), dtype, 1)
    x3, w3 = rand(2, 5, 24, dtype=dtype), rand(24, 16, dtype=dtype)
    check(ran_gemforge(lambda: torch.matmul(x3, w3), ["mm"]), ref64(x3)[0] @ ref64(w3)[0], dtype, 24)


def test_tf32_follows_torch_setting():
    a, b = rand(64, 256, dtype=torch.float32), rand(256, 72, dtype=torch.float32)
    ref = ref64(a)[0] @ ref64(b)[0]
    previous = torch.backends.cuda.matmul.allow_tf32
    try:
        torch.backends.cuda.matmul.allow_tf32 = False
        got = ran_gemforge(lambda: torch.mm(a, b), ["mm"])
        check(got, ref, torch.float32, 256)  # IEEE fp32 accuracy
        torch.backends.cuda.matmul.allow_tf32 = True
        got = ran_gemforge(lambda: torch.mm(a, b), ["mm"])
        check(got, ref, torch.float32, 256, tf32=True)
    finally:
        torch.backends.cuda.matmul.allow_tf32 = previous


def test_errors_match_torch():
    a, b = rand(3, 4, dtype=torch.float32), rand(5, 6, dtype=torch.float32)
    cases = [
        lambda: torch.mm(a, b),                                                   # shapes
        lambda: torch.mm(a, rand(4, 2, dtype=torch.float16)),                     # dtypes
        lambda: torch.bmm(rand(2, 3, 4, dtype=torch.float32), rand(3, 4, 5, dtype=torch.float32)),  # batch
        lambda: torch.addmm(rand(7, dtype=torch.float32), a, rand(4, 5, dtype=torch.float32)),     # input
        lambda: torch.mv(a, rand(5, dtype=torch.float32)),
        lambda: torch.dot(rand(3, dtype=torch.float32), rand(4, dtype=torch.float32)),
    ]
    for fn in cases:
        with pytest.raises(Exception) as torch_err:
            fn()
        with gemforge.use():
            with pytest.raises(type(torch_err.value)):
                fn()


def test_unsupported_dtypes_fall_back_to_aten():
    a = torch.randn(5, 6, device=DEVICE, dtype=torch.float64)
    b = torch.randn(6, 7, device=DEVICE, dtype=torch.float64)
    with gemforge.use(record=True):
        got = torch.mm(a, b)
        rec = gemforge.recorded()
    assert "mm -> aten fallback (dtype)" in rec, rec
    torch.testing.assert_close(got, a @ b)


if DEVICE == "cpu":
    # Under the interpreter the bridge looks kernels up by name on every launch, so a wrapper
    # can count them: shows which path a shape takes (on CUDA the C++ runtime launches cubins).
    def test_kernel_paths_under_the_interpreter(monkeypatch):
        import gemforge.kernels.matmul as mk
        launched = []

        class Counting:
            def __init__(self, name, fn):
                self.name, self.fn = name, fn

            def __getattr__(self, attr):  # everything else the bridge asks of the kernel
                return getattr(self.fn, attr)

            def __getitem__(self, grid):
                launched.append(self.name)
                return self.fn[grid]

        for name in ("matmul_tma", "matmul_strided", "splitk_finish"):
            monkeypatch.setattr(mk, name, Counting(name, getattr(mk, name)))

        def kernels(fn):
            launched.clear()
            with gemforge.use():
                fn()
            return list(launched)

        f16 = torch.float16
        assert kernels(lambda: torch.mm(rand(40, 64, dtype=f16), rand(64, 48, dtype=f16))) == ["matmul_tma"]
        # rows of 71 halves are not 16-byte aligned: no TMA
        assert kernels(lambda: torch.mm(rand(40, 71, dtype=f16), rand(71, 48, dtype=f16))) == ["matmul_strided"]
        assert kernels(lambda: torch.mm(rand(16, 512, dtype=f16), rand(512, 48, dtype=f16))) == \
            ["matmul_tma", "splitk_finish"]
        assert kernels(lambda: torch.bmm(rand(3, 40, 64, dtype=f16), rand(3, 64, 48, dtype=f16))) == ["matmul_tma"]
