"""Experiment: fmod / remainder speed (fp32, bf16) against torch, on the benchmark's inputs.

Launches the pointwise drivers (python/gemforge/kernels/pointwise.py) directly with the bodies of
pointwise_ops/binary.py, loaded by path (no built core needed):
  default      fmod / remainder as committed (fast path, tile-wide branch to the exact loop)
  fast-only    the fast path alone (_mod_fast, no slow check, inexact for huge quotients): the
               cost of the slow check's block reduction and of the slow branch's registers
and for the contiguous cases a smaller BLOCK (fewer elements per thread), for a per-op launch cap.
Checks every result against torch (fmod and remainder bitwise equal, NaN = NaN).
    python bench/fmod_experiment.py
"""
import os
import sys
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


@triton.jit
def fmod_fast_only(x, y, s0, s1, s2, P):
    r = B._mod_fast(tl.abs(x), tl.abs(y))
    return (r.to(tl.int32, bitcast=True) | (x.to(tl.int32, bitcast=True) & -2147483648)).to(tl.float32, bitcast=True)


@triton.jit
def remainder_fast_only(x, y, s0, s1, s2, P):
    r = fmod_fast_only(x, y, s0, s1, s2, P)
    return tl.where((r != 0) & ((r < 0) != (y < 0)), r + y, r)


COMPUTE_F32 = 6


def flat(op, x, y, block, warps):
    out = torch.empty_like(x)
    n = x.numel()
    grid = (triton.cdiv(n, block), )
    return lambda: pw.pointwise_1d[grid](out, None, x, y, None, None, None, None, n, OP=op, NIN=2, SCALAR0=False,
                                         SCALAR1=False, SCALAR2=False, COMPUTE=COMPUTE_F32, P=0, NOUT=1, SPLIT=0, BLOCK=block,
                                         INT64=False, num_warps=warps), out


def bcast(op, x, y, b0, b1, warps):
    """x [R, C] contiguous, y [C] broadcast over rows (stride 0 along dim 1)."""
    out = torch.empty_like(x)
    r, c = x.shape
    grid = (triton.cdiv(c, b0) * triton.cdiv(r, b1), )
    return lambda: pw.pointwise_nd[grid](out, None, x, y, None, None, None, None, c, r, None, None, None, None,
                                         1, c, None, None, None, None, 1, c, None, None, None, None,
                                         1, 0, None, None, None, None, 0, 0, None, None, None, None,
                                         OP=op, NIN=2, SCALAR0=False, SCALAR1=False, SCALAR2=False,
                                         COMPUTE=COMPUTE_F32, P=0, NOUT=1, SPLIT=0, RANK=2, BLOCK0=b0, BLOCK1=b1, INT64=False,
                                         num_warps=warps), out


def inputs(shape, yshape, dtype):
    """bench.py's domains: x 'any' (randn), y 'nz' (randn moved 0.25 away from 0)."""
    torch.manual_seed(0)
    x = torch.randn(shape, device="cuda").to(dtype)
    y = torch.randn(yshape, device="cuda")
    y = torch.where(y >= 0, y + 0.25, y - 0.25).to(dtype)
    return x, y


def same(a, b):
    bits = torch.int16 if a.element_size() == 2 else torch.int32
    ok = (a.view(bits) == b.view(bits)) | (a.isnan() & b.isnan())
    return int((~ok).sum())


def main():
    ops = {"fmod": (B.fmod, fmod_fast_only, torch.fmod), "remainder": (B.remainder, remainder_fast_only, torch.remainder)}
    rows = []
    cases = [("64M", (1 << 26, ), (1 << 26, ), torch.bfloat16), ("64M", (1 << 26, ), (1 << 26, ), torch.float32),
             ("4096x4096 bcast", (4096, 4096), (4096, ), torch.bfloat16)]
    for label, shape, yshape, dtype in cases:
        x, y = inputs(shape, yshape, dtype)
        for name, (body, fast_only, ref) in ops.items():
            expected = ref(x, y)
            t_torch = do_bench(lambda: ref(x, y), warmup=10, rep=40, return_mode="median") * 1e3
            if len(shape) == 1:
                # default launch (csrc/runtime/config_table.cpp, sm_90): bf16 2048/4 warps, fp32 1024/4
                blk = 2048 if dtype == torch.bfloat16 else 1024
                variants = [("default", body, blk, 4), ("default", body, blk // 2, 4), ("default", body, blk // 4, 4),
                            ("fast-only", fast_only, blk, 4), ("fast-only", fast_only, blk // 2, 4)]
                makers = [(f"{v} B{b}/{w}w", lambda f=f, b=b, w=w: flat(f, x, y, b, w)) for v, f, b, w in variants]
            else:
                # default (PointwiseND, sm_90): 512 x 8, 8 warps
                variants = [("default", body, 512, 8, 8), ("default", body, 256, 8, 4), ("default", body, 512, 4, 4),
                            ("fast-only", fast_only, 512, 8, 8)]
                makers = [(f"{v} {b0}x{b1}/{w}w", lambda f=f, b0=b0, b1=b1, w=w: bcast(f, x, y, b0, b1, w))
                          for v, f, b0, b1, w in variants]
            for vname, make in makers:
                try:
                    fn, out = make()
                    fn()
                    torch.cuda.synchronize()
                    bad = same(out, expected)
                    t = do_bench(fn, warmup=10, rep=40, return_mode="median") * 1e3
                    rows.append((label, str(dtype)[6:], name, vname, t, t_torch, bad))
                except Exception as e:  # noqa: BLE001
                    print("FAILED", label, dtype, name, vname, type(e).__name__, str(e)[:200])
    print(f"{'shape':16} {'dtype':9} {'op':10} {'variant':22} {'us':>8} {'torch us':>9} {'speedup':>8} mismatches")
    for label, dt, name, vname, t, tt, bad in rows:
        print(f"{label:16} {dt:9} {name:10} {vname:22} {t:8.1f} {tt:9.1f} {tt / t:8.2f} {bad}")


if __name__ == "__main__":
    main()
