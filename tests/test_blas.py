"""Matrix products (csrc/ops/blas.cpp, kernels/matmul.py) against fp64 references.

Shapes cover 1x1x1, odd and prime sizes, K not a multiple of the tile, M or N = 1, batches of 1
and many, transposed and sliced operands (16-byte aligned layouts take the TMA kernel, the
others the strided one), beta = 0 with NaN in the input, and empty K. Decode shapes (M or N
<= 16 against a K-contiguous operand: kernels/gemv.py) have their own tests, which check under
the interpreter that the decode kernel ran; long-K accuracy is compared with torch's kernel.
"""
import math

import pytest
import torch
import torch.nn.functional as F

import gemforge
from conftest import DEVICE, LARGE, cuda_kernel_names, ran_gemforge

DTYPES = [torch.float32, torch.float16, torch.bfloat16]
# relative error bound (Frobenius norm) per dtype; grows with sqrt(K) for the accumulation
RTOL = {torch.float32: 2e-6, torch.float16: 1.5e-3, torch.bfloat16: 1.2e-2}
TF32_RTOL = 2e-3

# (M, N, K): tiny, odd and prime, K not a multiple of any tile, M or N = 1, TMA-aligned sizes
SHAPES = [(1, 1, 1), (7, 13, 29), (37, 53, 71), (1, 64, 80), (64, 1, 80), (48, 40, 16), (129, 72, 136),
          (3, 5, 0), (96, 136, 200),
          (16, 48, 512), (5, 40, 1000),  # few output tiles, long K: split-K (on any backend)
          (150, 56, 1032)]  # interpreter: 3 tiles over 2 programs, the third split in 2 K slices (TAIL_SPLIT)
if LARGE:
    SHAPES += [(1024, 1024, 1024), (1, 4096, 4096), (16, 14336, 4096), (4096, 4096, 4096), (1000, 1000, 1000),
               (1, 4096, 14336), (3, 8192, 8192),
               (1152, 4096, 2048), (512, 4480, 2048)]  # H100/H200: the last wave's tiles split in 2 K slices


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
    cases = [(1, 7, 5, 3), (4, 33, 17, 40), (3, 64, 48, 72), (17, 16, 32, 64),
             (2, 80, 24, 32)]  # more rows than a tile, not a multiple: the last row tile shifted up
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


@pytest.fixture
def kernel_log(monkeypatch):
    """Under the interpreter the bridge looks kernels up by name on every launch, so a wrapper can
    count them: kernel_log(fn) runs fn under GemForge (record mode, no fallback) and returns its
    result and the matmul kernels it launched (on CUDA the C++ runtime launches cubins: None)."""
    if DEVICE != "cpu":
        return lambda fn: (ran_gemforge(fn, []), None)
    import gemforge.kernels.gemv as gk
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

    for module, names in ((mk, ("matmul_tma", "matmul_strided", "splitk_finish")), (gk, ("gemv_small", ))):
        for name in names:
            monkeypatch.setattr(module, name, Counting(name, getattr(module, name)))

    def kernels(fn):
        launched.clear()
        out = ran_gemforge(fn, [])
        return out, list(launched)
    return kernels


# Which kernel runs is observable under the interpreter only (kernel_log wraps the Python
# kernels the bridge compiles there); on the GPU the same shapes run in the tests above/below.
if DEVICE == "cpu":
    def test_kernel_paths(kernel_log):
        f16 = torch.float16

        def kernels(fn):
            return kernel_log(fn)[1]

        assert kernels(lambda: torch.mm(rand(40, 64, dtype=f16), rand(64, 48, dtype=f16))) == ["matmul_tma"]
        # rows of 71 halves are not 16-byte aligned: no TMA
        assert kernels(lambda: torch.mm(rand(40, 71, dtype=f16), rand(71, 48, dtype=f16))) == ["matmul_strided"]
        assert kernels(lambda: torch.mm(rand(16, 512, dtype=f16), rand(512, 48, dtype=f16))) == \
            ["matmul_tma", "splitk_finish"]
        assert kernels(lambda: torch.bmm(rand(3, 40, 64, dtype=f16), rand(3, 64, 48, dtype=f16))) == ["matmul_tma"]
        # decode: M <= 16 against a K-contiguous B (nn.Linear's weight), or N <= 16 against a
        # K-contiguous A (mv): one gemv_small launch, also for unaligned rows
        x, w = rand(3, 64, dtype=f16), rand(48, 64, dtype=f16)
        assert kernels(lambda: F.linear(x, w)) == ["gemv_small"]
        assert kernels(lambda: F.linear(x, w, rand(48, dtype=f16))) == ["gemv_small"]
        assert kernels(lambda: torch.mm(rand(16, 71, dtype=f16), rand(48, 71, dtype=f16).t())) == ["gemv_small"]
        assert kernels(lambda: torch.mv(rand(40, 64, dtype=f16), rand(64, dtype=f16))) == ["gemv_small"]
        assert kernels(lambda: torch.mm(rand(40, 64, dtype=f16), rand(64, 5, dtype=f16))) == ["gemv_small"]
        # not decode: M = 17; B with N contiguous; a batch
        assert kernels(lambda: F.linear(rand(17, 64, dtype=f16), w)) == ["matmul_tma"]
        assert kernels(lambda: torch.mm(x, rand(64, 48, dtype=f16))) == ["matmul_tma"]
        assert kernels(lambda: torch.bmm(rand(2, 3, 64, dtype=f16), rand(2, 48, 64, dtype=f16).transpose(1, 2))) == \
            ["matmul_tma"]


# Decode shapes (kernels/gemv.py): any M <= 16, N and K odd or not multiples of the blocks (the
# interpreter's rows are 16 x 128: K = 300 has a partial last block after two full ones, 96 is
# shorter than a block, 256 is two exact blocks, 1 and 0 degenerate).
DECODE_SHAPES = [(1, 37, 300), (2, 48, 256), (5, 100, 96), (16, 33, 200), (9, 16, 1), (1, 3, 129)]
if LARGE:
    DECODE_SHAPES += [(1, 4096, 4096), (4, 14336, 4096), (16, 4096, 14336), (1, 8192, 8192), (11, 5000, 4100)]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: str(d).replace("torch.", ""))
def test_decode_linear_and_addmm(dtype, kernel_log):
    for M, N, K in DECODE_SHAPES:
        x, w, bias = rand(M, K, dtype=dtype), rand(N, K, dtype=dtype), rand(N, dtype=dtype)
        rx, rw, rb = ref64(x, w, bias)

        def run(fn):
            out, launched = kernel_log(fn)
            assert launched in (None, ["gemv_small"]), (M, N, K, launched)
            return out
        check(run(lambda: F.linear(x, w)), rx @ rw.t(), dtype, K)
        check(run(lambda: F.linear(x, w, bias)), rx @ rw.t() + rb, dtype, K)
        inp = rand(M, N, dtype=dtype)
        check(run(lambda: torch.addmm(inp, x, w.t(), beta=0.5, alpha=-2.0)),
              0.5 * ref64(inp)[0] - 2.0 * (rx @ rw.t()), dtype, K)
        col = rand(M, 1, dtype=dtype)
        check(run(lambda: torch.addmm(col, x, w.t(), alpha=3.0)), ref64(col)[0] + 3.0 * (rx @ rw.t()), dtype, K)
        nan_inp = torch.full((M, N), float("nan"), device=DEVICE, dtype=dtype)
        check(run(lambda: torch.addmm(nan_inp, x, w.t(), beta=0, alpha=0.5)), 0.5 * (rx @ rw.t()), dtype, K)
        out = torch.full((M, N), float("nan"), device=DEVICE, dtype=dtype)
        run(lambda: torch.mm(x, w.t(), out=out))
        check(out, rx @ rw.t(), dtype, K)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: str(d).replace("torch.", ""))
def test_decode_layouts(dtype, kernel_log):
    """Strided operands of the decode kernel: x transposed or sliced, W with padded or strided rows
    and an unaligned base (K-contiguous still), the N-small orientation (mv, A @ thin B); and the
    layouts it leaves to matmul_tma / matmul_strided (W without unit K stride, M = 17)."""
    M, N, K = 7, 40, 200
    x, w = rand(M, K, dtype=dtype), rand(N, K, dtype=dtype)
    big = rand(2 * N, K + 9, dtype=dtype)
    variants = [
        (rand(M, K, dtype=dtype, transposed=True), w),        # x stored [K, M]
        (rand(M, K, dtype=dtype, sliced=True), w),            # x with K stride 2
        (x, big[:N, :K]),                                      # W rows padded to K + 9
        (x, big[::2, 1:K + 1]),                                # every other row, unaligned base
    ]
    for xv, wv in variants:
        got, launched = kernel_log(lambda: F.linear(xv, wv))
        assert launched in (None, ["gemv_small"]), launched
        check(got, ref64(xv)[0] @ ref64(wv)[0].t(), dtype, K)
    # N-small: A streamed (mv, addmv, A @ B with 1..16 columns)
    a, v, inp = rand(45, K, dtype=dtype), rand(K, dtype=dtype), rand(45, dtype=dtype)
    ra, rv, ri = ref64(a, v, inp)
    check(ran_gemforge(lambda: torch.addmv(inp, a, v, beta=-1.0, alpha=0.25), ["addmv"]), 0.25 * (ra @ rv) - ri,
          dtype, K)
    b = rand(K, 11, dtype=dtype, transposed=True)
    got, launched = kernel_log(lambda: torch.mm(a, b))
    assert launched in (None, ["gemv_small"]), launched
    check(got, ra @ ref64(b)[0], dtype, K)
    # not the decode kernel: W (= B^T) without unit K stride, and M = 17
    wt_rowmajor = rand(K, N, dtype=dtype)
    got, launched = kernel_log(lambda: torch.mm(x, wt_rowmajor))
    assert launched is None or "gemv_small" not in launched, launched
    check(got, ref64(x)[0] @ ref64(wt_rowmajor)[0], dtype, K)
    x17 = rand(17, K, dtype=dtype)
    got, launched = kernel_log(lambda: F.linear(x17, w))
    assert launched is None or "gemv_small" not in launched, launched
    check(got, ref64(x17)[0] @ ref64(w)[0].t(), dtype, K)


def test_decode_tf32_follows_torch_setting(kernel_log):
    x, w = rand(6, 256, dtype=torch.float32), rand(40, 256, dtype=torch.float32)
    ref = ref64(x)[0] @ ref64(w)[0].t()
    previous = torch.backends.cuda.matmul.allow_tf32
    try:
        for allow in (False, True):
            torch.backends.cuda.matmul.allow_tf32 = allow
            got, launched = kernel_log(lambda: F.linear(x, w))
            assert launched in (None, ["gemv_small"]), launched
            check(got, ref, torch.float32, 256, tf32=allow)
    finally:
        torch.backends.cuda.matmul.allow_tf32 = previous


# Accuracy of long-K 16-bit products against torch's own kernel. The benchmark flagged a few fp16
# linear cases (K >= 8192) as mismatches vs torch: a few hundred of ~1M elements off by ~3e-3,
# all at outputs near zero, where its fp16 tolerance (1e-5 x the RMS of the output, fixed in K)
# is below the fp32 accumulation error of a K-long sum. To tell whether ours is less accurate,
# both are compared with an fp64 reference, per element, beyond the output's own rounding
# (half an ulp of the result dtype), in units of u * sum_k |x_k w_k| (u = 2^-24: the scale of
# one fp32 rounding in the sum). Bounds: (K - 1) units for any recursive fp32 sum (rounding
# to nearest; a 16-bit accumulator exceeds it by orders of magnitude); random rounding errors
# add up to ~sqrt(K) units. With random inputs the output rounding hides the accumulation error,
# so the inputs cancel: x = [a, a], w = [b, -b + noise] (positive a, b): partial sums grow to
# ~K/2 while the results are O(1).
def _cancelling_inputs(M, N, K, dtype):
    g = torch.Generator().manual_seed(M * 7919 + N * 31 + K)
    h = K // 2
    a = torch.rand(M, h, generator=g) + 0.5
    b = torch.rand(N, h, generator=g) + 0.5
    x = torch.cat([a, a], 1).to(dtype).to(DEVICE)
    w = torch.cat([b, -b + 0.02 * torch.randn(N, h, generator=g)], 1).to(dtype).to(DEVICE)
    return x, w


def _ulp(ref, dtype):
    """The spacing of dtype's values at |ref| (fp64), normal binades only (from 2^-14 down: fp16's)."""
    mantissa = {torch.float16: 10, torch.bfloat16: 7, torch.float32: 23}[dtype]
    return torch.exp2(torch.floor(torch.log2(ref.abs().clamp_min(2.0**-14))) - mantissa)


def _accumulation_error(got, x, w):
    """max and mean over elements of (|got - ref| - half an ulp of ref) / (u * sum |x w|)."""
    xd, wd = x.double(), w.double()
    ref = xd @ wd.t()
    ulp = _ulp(ref, got.dtype)
    e = ((got.double() - ref).abs() - 0.5 * ulp).clamp_min(0) / (2.0**-24 * (xd.abs() @ wd.abs().t()))
    return e.max().item(), e.mean().item()


ACCURACY_SHAPES = [(4, 48, 4096), (16, 40, 8192), (40, 24, 4096)]  # decode kernel x 2, matmul_tma
if LARGE:
    ACCURACY_SHAPES += [(16, 8192, 8192), (128, 4096, 14336), (128, 8192, 8192), (1, 4096, 4096)]


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=["float16", "bfloat16"])
def test_long_k_accuracy_vs_torch(dtype):
    """Run with -s to see the numbers (ours vs torch, in units of u * sum |x w|)."""
    for M, N, K in ACCURACY_SHAPES:
        x, w = _cancelling_inputs(M, N, K, dtype)
        ours = ran_gemforge(lambda: F.linear(x, w), ["mm"])
        theirs = F.linear(x, w)
        ours_max, ours_mean = _accumulation_error(ours, x, w)
        torch_max, torch_mean = _accumulation_error(theirs, x, w)
        print(f"\n  {M}x{N}x{K} {dtype}: error beyond rounding / (u sum|xw|): ours max {ours_max:.3g} "
              f"mean {ours_mean:.3g}; torch max {torch_max:.3g} mean {torch_mean:.3g}; sqrt(K) {math.sqrt(K):.0f}")
        # an fp32 accumulation, and not clearly behind torch's kernel beyond random rounding
        assert ours_max <= K, (ours_max, K)
        assert ours_max <= 4 * torch_max + math.sqrt(K), (ours_max, torch_max)


# Tensor cores add each MMA's products into the fp32 accumulator with truncation: one chain over a
# long K drifts toward zero, by several fp16 ulps at outputs of moderate size (1 x 8192 x 28672:
# 125 of 8192 outputs beyond an ulp with one chain; 26 for cuBLAS, 2 for fp32 SGEMM on an H200).
# The decode kernel restarts its chain every second K block (kernels/gemv.py, "Two-level
# accumulation"). fp16: its finer ulp shows the drift. (The interpreter's dot does not truncate;
# there this checks the restarting accumulators' sum.)
DRIFT_SHAPES = [(1, 64, 8192), (3, 48, 4100)]
if LARGE:
    # (4 x 14336: the register-double-buffered loop, evict_first rows on sm_90)
    DRIFT_SHAPES += [(1, 8192, 28672), (16, 4096, 14336), (4, 14336, 8192)]


def test_decode_long_k_no_drift(kernel_log):
    for M, N, K in DRIFT_SHAPES:
        g = torch.Generator().manual_seed(K)
        x = torch.randn(M, K, generator=g).half().to(DEVICE)
        w = torch.randn(N, K, generator=g).half().to(DEVICE)
        got, launched = kernel_log(lambda: F.linear(x, w))
        assert launched in (None, ["gemv_small"]), launched
        ref = x.double() @ w.double().t()
        beyond = int(((got.double() - ref).abs() > _ulp(ref, torch.float16)).sum())
        assert beyond <= max(2, ref.numel() // 500), (M, N, K, beyond, ref.numel())


# ---------------------------------------------------------------- sm_90: attention's Q @ K^T

PINGPONG_COMPILE = """
import json
from gemforge import _bridge
out = []
for dtype in ("bf16", "fp16"):
    for b_nk in (1, 0):
        b_block = "[128, 64]" if b_nk else "[64, 128]"
        sig = [f"tensordesc<{dtype}[128, 64]>", f"tensordesc<{dtype}{b_block}>", f"tensordesc<{dtype}[128, 128]>",
               "i32", "i32", "i32", "i32"] + ["constexpr"] * 5
        r = _bridge.compile("gemforge.kernels.matmul_ws", "pp_matmul_kernel", None, None, sig,
                            {7: 8, 8: 132, 9: 2, 10: b_nk, 11: 4}, [3, 4, 5], 4, 1, 90, 168)
        out.append(dict(dtype=dtype, b_nk=b_nk, name=r[1], shared=r[2], warps=r[3], tma=[list(t[3]) for t in r[11]]))
print(json.dumps(out))
"""


def test_pingpong_kernel_compiles_for_sm90():
    """kernels/matmul_ws.py pp_matmul_kernel (Gluon) through the compile bridge for sm_90, without
    a GPU, as csrc/ops/blas.cpp run_pingpong launches it: the bridge gives its descriptors their
    shared-memory layouts; it runs 12 warps (two consumer warpgroups and the loader's), fits the
    SM's shared memory, and its three descriptors are TMA boxes of 128 x 64 (128-byte swizzle)."""
    import json
    import os
    import subprocess
    import sys
    env = dict(os.environ, TRITON_INTERPRET="0", CUDA_VISIBLE_DEVICES="",
               PYTHONPATH=os.path.join(os.path.dirname(__file__), "..", "python"))
    p = subprocess.run([sys.executable, "-c", PINGPONG_COMPILE], env=env, capture_output=True, text=True,
                       timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    variants = json.loads(p.stdout.strip().splitlines()[-1])
    assert len(variants) == 4
    for v in variants:
        assert v["name"] == "pp_matmul_kernel" and v["warps"] == 12, v
        assert 128 * 1024 < v["shared"] <= 232448, v
        assert len(v["tma"]) == 3 and all(t[1] == 64 for t in v["tma"]), v


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=lambda d: str(d).replace("torch.", ""))
def test_attention_products(dtype):
    """Q @ K^T shapes (heads of up to 128). On sm_90 the ones that fit pp_matmul_kernel's 2-D
    descriptors take it (kernel names from torch.profiler), the others matmul_tma: a batch whose
    rows are not whole tiles, heads interleaved in memory (the batch stride is not rows x row
    stride), an input (baddbmm) or alpha. Results against fp64 everywhere; under the interpreter
    (no Gluon) small shapes, all matmul_tma."""
    if LARGE:
        b, m, n, d = 2, 1024, 2048, 128
    else:
        b, m, n, d = 2, 48, 40, 16
    q, k = rand(b, m, d, dtype=dtype), rand(b, n, d, dtype=dtype)
    kt = rand(b, d, n, dtype=dtype)  # keys stored [K, N]
    heads = torch.randn(m, b, d, device=DEVICE).to(dtype).transpose(0, 1)  # [b, m, d], batch stride d
    rq, rk, rkt, rh = ref64(q, k, kt, heads)
    inp = rand(n, dtype=dtype)
    cases = [  # (what, fn, reference, takes the ping-pong kernel on sm_90)
        ("keys [N, K]", lambda: torch.bmm(q, k.transpose(1, 2)), rq @ rk.transpose(1, 2), True),
        ("keys [K, N]", lambda: torch.bmm(q, kt), rq @ rkt, True),
        ("one batch", lambda: torch.mm(q[0, :m - 24], k[0].t()), rq[0, :m - 24] @ rk[0].t(), True),
        ("rows not whole tiles", lambda: torch.bmm(q[:, :m - 24], k.transpose(1, 2)),
         rq[:, :m - 24] @ rk.transpose(1, 2), False),
        ("heads interleaved", lambda: torch.bmm(heads, k.transpose(1, 2)), rh @ rk.transpose(1, 2), False),
        ("baddbmm", lambda: torch.baddbmm(inp, q, k.transpose(1, 2), beta=0.5),
         0.5 * ref64(inp)[0] + rq @ rk.transpose(1, 2), False),
        ("alpha", lambda: torch.baddbmm(inp, q, k.transpose(1, 2), beta=0.0, alpha=0.5),
         0.5 * (rq @ rk.transpose(1, 2)), False),
    ]
    sm90 = DEVICE == "cuda" and torch.cuda.get_device_capability() == (9, 0)
    for what, fn, ref, pingpong in cases:
        if sm90:
            names = cuda_kernel_names(lambda: check(ran_gemforge(fn, []), ref, dtype, d))
            assert ("pp_matmul_kernel" in names) == pingpong, (what, names)
            assert ("matmul_tma" in names) != pingpong, (what, names)
        else:
            check(ran_gemforge(fn, []), ref, dtype, d)
