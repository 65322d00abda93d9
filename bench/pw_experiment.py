"""Experiment: launch configurations of the heavy pointwise ops and of 1-byte outputs (area pw).

Launches the pointwise drivers (python/gemforge/kernels/pointwise.py) directly, loaded by path
(no built core needed), with explicit BLOCK / num_warps / maxnreg, against torch on the
benchmark's 64M-element inputs (python/gemforge/bench_ops.py domains). Every result is checked
against torch: fmod/remainder bitwise (NaN = NaN), math ops within 1 ulp of the output dtype
(`bad` counts the elements beyond), bool outputs exactly.

What each group decides (the host's cost classes, csrc/ops/pointwise/core.cpp kCostLimits; the
table rows, csrc/runtime/config_table.cpp):
  fmod/remainder 64M, bcast     Cost::Registers: maxnreg (0/128/96/80/64) and elements a thread
                                (BLOCK halved); `fast-only` is the ceiling (no exact fallback).
  atan .. pow(t, 0.7) 64M bf16  Cost::Compute: elements a thread (BLOCK 2048/1024/512 at 4 warps).
  isnan/logical_not 64M bf16    the Pointwise1D sm_90 row for 1-byte outputs (BLOCK, warps).
    python bench/pw_experiment.py [substring of the case names to run]
"""
import os
import sys
import time
import types

import torch
import triton
import triton.language as tl
from triton.testing import do_bench

_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "gemforge")
if "gemforge" not in sys.modules:  # the kernel modules without the package's core
    _pkg = types.ModuleType("gemforge")
    _pkg.__path__ = [_ROOT]
    sys.modules["gemforge"] = _pkg
from gemforge.kernels import pointwise as pw  # noqa: E402
from gemforge.kernels.pointwise_ops import binary as B  # noqa: E402

F32, F64 = 6, 7  # c10::ScalarType codes of the compute types
N = 1 << 26


@triton.jit
def fmod_fast_only(x, y, s0, s1, s2, P):
    r = B._mod_fast(tl.abs(x), tl.abs(y))
    return (r.to(tl.int32, bitcast=True) | (x.to(tl.int32, bitcast=True) & -2147483648)).to(tl.float32, bitcast=True)


def domain(name, shape, dtype):
    g = torch.randn(shape, device="cuda")
    if name == "nz":
        g = torch.where(g >= 0, g + 0.25, g - 0.25)
    elif name == "pos":
        g = torch.rand(shape, device="cuda") * 4 + 0.1
    return g.to(dtype)


def flat(op, out, ins, P, block, warps, maxnreg):
    """pointwise_1d over contiguous operands; a float in `ins` is a runtime-scalar operand."""
    n = out.numel()
    x = list(ins) + [None] * (3 - len(ins))
    scalar = [isinstance(v, float) for v in x]
    opts = dict(num_warps=warps)
    if maxnreg:
        opts["maxnreg"] = maxnreg
    return lambda: pw.pointwise_1d[(triton.cdiv(n, block), )](
        out, None, x[0], x[1], x[2], None, None, None, n, OP=op, NIN=len(ins), SCALAR0=scalar[0], SCALAR1=scalar[1],
        SCALAR2=False, COMPUTE=F32, P=P, NOUT=1, SPLIT=0, BLOCK=block, INT64=False, **opts)


def bcast(op, out, x, y, b0, b1, warps, maxnreg):
    """x [R, C] contiguous, y [C] broadcast over rows (stride 0 along dim 1)."""
    r, c = x.shape
    opts = dict(num_warps=warps)
    if maxnreg:
        opts["maxnreg"] = maxnreg
    return lambda: pw.pointwise_nd[(triton.cdiv(c, b0) * triton.cdiv(r, b1), )](
        out, None, x, y, None, None, None, None, c, r, None, None, None, None, 1, c, None, None, None, None, 1, c,
        None, None, None, None, 1, 0, None, None, None, None, 0, 0, None, None, None, None, OP=op, NIN=2,
        SCALAR0=False, SCALAR1=False, SCALAR2=False, COMPUTE=F32, P=0, NOUT=1, SPLIT=0, RANK=2, BLOCK0=b0, BLOCK1=b1,
        INT64=False, **opts)


def mismatches(out, ref, exact):
    if out.dtype == torch.bool or exact:
        if out.dtype == torch.bool:
            return int((out != ref).sum())
        bits = torch.int16 if out.element_size() == 2 else torch.int32
        return int((~((out.view(bits) == ref.view(bits)) | (out.isnan() & ref.isnan()))).sum())
    o, r = out.double(), ref.double()
    ulp = torch.finfo(out.dtype).eps * r.abs().clamp_min(torch.finfo(out.dtype).tiny)
    ok = ((o - r).abs() <= ulp) | (o == r) | (o.isnan() & r.isnan())
    return int((~ok).sum())


def cases():
    """(name, torch fn, operand domains, dtype, body, P, exact, variants); a variant is
    (label, body or None for the op's, BLOCK, warps, maxnreg)."""
    bf, f32 = torch.bfloat16, torch.float32
    reg_variants = lambda b: [("table", None, b, 4, 0), ("mx128", None, b, 4, 128), ("mx96", None, b, 4, 96),
                              ("mx80", None, b, 4, 80), ("mx64", None, b, 4, 64), ("half", None, b // 2, 4, 0),
                              ("half mx64", None, b // 2, 4, 64), ("fast-only", fmod_fast_only, b, 4, 0)]
    short_reg = lambda b: [("table", None, b, 4, 0), ("mx96", None, b, 4, 96), ("mx80", None, b, 4, 80),
                           ("mx64", None, b, 4, 64)]
    # (session 6, first run: 1024 and 512 were slower than the table's 2048 for every math op)
    compute_variants = [("table", None, 2048, 4, 0), ("B4096", None, 4096, 4, 0), ("B4096/8w", None, 4096, 8, 0),
                        ("B8192/8w", None, 8192, 8, 0)]
    yield ("fmod 64M", torch.fmod, ("any", "nz"), bf, B.fmod, 0, True, reg_variants(2048))
    yield ("fmod 64M", torch.fmod, ("any", "nz"), f32, B.fmod, 0, True, reg_variants(1024))
    yield ("remainder 64M", torch.remainder, ("any", "nz"), bf, B.remainder, 0, True, short_reg(2048))
    yield ("remainder 64M", torch.remainder, ("any", "nz"), f32, B.remainder, 0, True, short_reg(1024))
    for name in ("atan", "sinh", "erfc", "asinh"):
        yield (f"{name} 64M", getattr(torch, name), ("any", ), bf, getattr(pw, name), 0, False, compute_variants)
    yield ("atan2 64M", torch.atan2, ("any", "any"), bf, B.atan2, 0, False, compute_variants)
    yield ("pow 64M", torch.pow, ("pos", "any"), bf, B.pow, 1, False, compute_variants)  # POW_FLOAT_HALF
    yield ("pow 64M", torch.pow, ("pos", "any"), f32, B.pow, 0, False,  # POW_FLOAT (fp64 inside)
           [("table", None, 1024, 4, 0), ("B2048", None, 2048, 4, 0), ("B4096/8w", None, 4096, 8, 0)])
    yield ("pow(t,0.7) 64M", lambda x: torch.pow(x, 0.7), ("pos", ), bf, B.pow, 1, False, compute_variants)
    bool_variants = [("table", None, 2048, 4, 0), ("B4096/4w", None, 4096, 4, 0), ("B4096/8w", None, 4096, 8, 0),
                     ("B8192/8w", None, 8192, 8, 0)]
    yield ("isnan 64M", torch.isnan, ("any", ), bf, pw.isnan, 0, True, bool_variants)
    yield ("logical_not 64M", torch.logical_not, ("any", ), bf, pw.logical_not, 0, True, bool_variants)


def main():
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    torch.manual_seed(0)
    start = time.time()
    # copy bandwidth reference: bf16 64M clone (GB/s of bytes read + written)
    c = torch.randn(N, device="cuda").to(torch.bfloat16)
    t_copy = do_bench(lambda: c.clone(), warmup=10, rep=40, return_mode="median") * 1e3
    print(f"copy 64M bf16: {t_copy:.1f} us, {4 * N / t_copy / 1e3:.0f} GB/s")
    print(f"{'case':16} {'dtype':9} {'variant':12} {'us':>8} {'torch us':>9} {'speedup':>8} {'GB/s':>6} {'%copy':>6} bad",
          flush=True)
    rows = []
    for name, ref_fn, domains, dtype, body, P, exact, variants in cases():
        if only not in name:
            continue
        ins = [domain(d, (N, ), dtype) for d in domains]
        ref = ref_fn(*ins)
        t_torch = do_bench(lambda: ref_fn(*ins), warmup=10, rep=40, return_mode="median") * 1e3
        nbytes = sum(t.numel() * t.element_size() for t in ins) + ref.numel() * ref.element_size()
        args = list(ins)
        if name.startswith("pow(t,0.7)"):
            args = [ins[0], float(torch.tensor(0.7).to(dtype))]  # the exponent in the result type, as ATen
        for label, vbody, block, warps, mx in variants:
            try:
                out = torch.empty_like(ref)
                fn = flat(vbody or body, out, args, P, block, warps, mx)
                fn()
                torch.cuda.synchronize()
                bad = mismatches(out, ref, exact)
                t = do_bench(fn, warmup=10, rep=40, return_mode="median") * 1e3
                print(f"{name:16} {str(dtype)[6:]:9} {label:12} {t:8.1f} {t_torch:9.1f} {t_torch / t:8.2f} "
                      f"{nbytes / t / 1e3:6.0f} {100 * t_copy * nbytes / (4 * N) / t:6.1f} {bad}", flush=True)
            except Exception as e:  # noqa: BLE001
                print("FAILED", name, dtype, label, type(e).__name__, str(e)[:200], flush=True)
    # broadcast: x [4096, 4096] bf16, y [4096] (one row); PointwiseND sm_90 default 512 x 8, 8 warps
    if only in "fmod bcast":
        x = domain("any", (4096, 4096), torch.bfloat16)
        y = domain("nz", (4096, ), torch.bfloat16)
        ref = torch.fmod(x, y)
        t_torch = do_bench(lambda: torch.fmod(x, y), warmup=10, rep=40, return_mode="median") * 1e3
        for label, vbody, b0, b1, warps, mx in [("table", None, 512, 8, 8, 0), ("mx96", None, 512, 8, 8, 96),
                                                ("mx80", None, 512, 8, 8, 80), ("mx64", None, 512, 8, 8, 64),
                                                ("512x4", None, 512, 4, 8, 0), ("fast-only", fmod_fast_only, 512, 8, 8, 0)]:
            try:
                out = torch.empty_like(ref)
                fn = bcast(vbody or B.fmod, out, x, y, b0, b1, warps, mx)
                fn()
                torch.cuda.synchronize()
                bad = mismatches(out, ref, True)
                t = do_bench(fn, warmup=10, rep=40, return_mode="median") * 1e3
                print(f"{'fmod bcast 4096²':16} {'bfloat16':9} {label:12} {t:8.1f} {t_torch:9.1f} {t_torch / t:8.2f} "
                      f"{'':6} {'':6} {bad}", flush=True)
            except Exception as e:  # noqa: BLE001
                print("FAILED fmod bcast", label, type(e).__name__, str(e)[:200], flush=True)
    print(f"total {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
