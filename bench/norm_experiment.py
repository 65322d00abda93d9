"""Normalization kernels on the benchmark's bf16 shapes (issue 4): GemForge as built and variants of
its kernels launched directly, against torch eager.

    python bench/norm_experiment.py [bwd]      (GPU; needs the built core: import gemforge;
                                                "bwd": the layer_norm / rms_norm backward rows alone)

Rows "gemforge" time the library (gemforge.use() entered outside the timed call). Variant rows
launch python/gemforge/kernels/norm.py's kernels directly; what each informs (csrc/ops/norm.cpp):
  ln_bwd / rms_bwd "ppsm=P bm=B w=W cs=S pf=F": kBwdProgramsPerSm = P (programs of the fused
      backward pass per SM), rows per tile = B (row_config's tile rule; 1 for N >= 2048), warps W
      (row_config: tile / 512), kColSumBlockN = S (columns per program of the workspace's column
      reduction), F: norm_bwd_kernel's PREFETCH (BwdConfig::prefetch), "st=K": num_stages K.
  gn / gn_bwd "bc=C bhw=H single=S w=W": gn_config's kGnTile (C * H when not single) and
      kGnMaxSingle (single slices held in registers), warps (C * H / 512 by the rule).
  ln / rms forward "bm=B w=W": row_config's tile (elements per program, 2048) and warps rule.
Every variant's result is checked against torch (max abs error; "BAD" beyond bf16 tolerance).
Bandwidth: bytes as bench_ops counts them (each operand incl. saved statistics read once, each
output written once) over 4216 GB/s (H200 copy bandwidth).
"""
import math
import sys

import torch
import torch.nn.functional as F
import triton

import gemforge
import gemforge.kernels.norm as nk
from gemforge import timing

aten = torch.ops.aten
COPY_GBS = 4216.0
NORM = [(4096, 4096), (32768, 4096), (16384, 8192)]
GN = [(8, 256, 64, 64), (32, 128, 56, 56)]
SMS = torch.cuda.get_device_properties(0).multi_processor_count
dev = "cuda"
bf16 = torch.bfloat16


def bench(fn):
    return timing.device_median_us(fn, 10, 40)  # the benchmark's timer (L2 flushed clean)


def nbytes(*ts):
    return sum(t.numel() * t.element_size() for t in ts if isinstance(t, torch.Tensor))


def err(got, ref):
    got = got if isinstance(got, (list, tuple)) else [got]
    ref = ref if isinstance(ref, (list, tuple)) else [ref]
    worst = 0.0
    bad = False
    for g, r in zip(got, ref):
        if r is None:
            continue
        g, r = g.float(), r.float()
        e = (g - r).abs().max().item()
        scale = r.abs().max().item() + 1e-6
        worst = max(worst, e / scale)
        bad |= not torch.isfinite(g).all().item() or e > 3e-2 * scale
    return f"{worst:.1e}{' BAD' if bad else ''}"


def row(name, shape, variant, us, torch_us, nb, e):
    pct = nb / (us * 1e-6) / (COPY_GBS * 1e9) * 100
    print(f"{name:10s} {'x'.join(map(str, shape)):16s} {variant:34s} {us:8.1f} {torch_us:8.1f} "
          f"{torch_us / us:6.2f}x {pct:5.0f}%  err {e}", flush=True)


def try_row(name, shape, variant, fn, ref, torch_us, nb):
    """Variants (Python launches) are timed replayed from a CUDA graph (timing.graphed: Triton's
    launcher is slower than the shorter kernels run); "gemforge" through the library."""
    try:
        out = fn()
        e = err(out, ref)
        row(name, shape, variant, bench(fn if variant == "gemforge" else timing.graphed(fn)), torch_us, nb, e)
    except Exception as ex:  # a failing variant: report and go on
        print(f"{name:10s} {'x'.join(map(str, shape)):16s} {variant:34s} FAILED {type(ex).__name__}: "
              f"{str(ex)[:200]}", flush=True)


# ---------------------------------------------------------------- layer_norm / rms_norm backward

def fused_bwd(dy, x, mean, rstd, w, rms, ppsm, bm, warps, cs, prefetch=False, stages=1, maxnreg=None):
    M, N = x.shape
    bn = triton.next_power_of_2(N)
    rows = math.ceil(math.ceil(M / (ppsm * SMS)) / bm) * bm
    progs = math.ceil(M / rows)
    dx = torch.empty_like(x)
    pw = torch.empty(progs, N, device=dev, dtype=torch.float32)
    pb = None if rms else torch.empty(progs, N, device=dev, dtype=torch.float32)
    nk.norm_bwd_kernel[(progs, )](dx, pw, pb, dy, x, mean, rstd, w, M, N, rows, RMS=rms, HAS_W=True,
                                  F64=False, BLOCK_M=bm, BLOCK_N=bn, SINGLE=True, INT64=False,
                                  HAS_DX=True, PART_W=True, PART_B=not rms, PREFETCH=prefetch, num_warps=warps,
                                  num_stages=stages, **({"maxnreg": maxnreg} if maxnreg else {}))
    dw = torch.empty(N, device=dev, dtype=x.dtype)
    db = None if rms else torch.empty(N, device=dev, dtype=x.dtype)
    bs = min(triton.next_power_of_2(progs), 32)
    nk.norm_param_grad_kernel[(triton.cdiv(N, cs), 1)](dw, db, pw, pb if pb is not None else pw, None, None, progs,
                                                        N, progs, MODE=2, HAS_DW=True, HAS_DB=not rms, F64=False,
                                                        BLOCK_M=bs, BLOCK_N=cs, INT64=False, num_warps=4)
    return (dx, dw) if rms else (dx, dw, db)


# (ppsm, bm, warps, cs, prefetch, stages, maxnreg). Session 26 (H200): two and three blocks
# ahead lost to one everywhere (e.g. rms_norm 4096x4096 31.5 -> 46.2 us at 16 warps); 8 warps beat
# 16 for layer_norm at N = 4096 (36.3 vs 46.6), 16 stayed best at N = 8192 (one program an SM).
BWD_VARIANTS = [(2, 1, 16, 32, True, 1, None), (2, 1, 16, 32, True, 1, 64), (1, 1, 16, 32, True, 1, None),
                (2, 1, 8, 32, True, 1, None), (2, 1, 8, 32, False, 1, None)]


def norm_bwd_rows():
    for M, N in NORM:
        x = torch.randn(M, N, device=dev, dtype=bf16)
        dy = torch.randn(M, N, device=dev, dtype=bf16)
        w = torch.randn(N, device=dev, dtype=bf16)
        b = torch.randn(N, device=dev, dtype=bf16)
        for rms in (False, True):
            name = "rms_bwd" if rms else "ln_bwd"
            if rms:
                _, rstd = aten._fused_rms_norm(x, [N], w, 1e-5)
                mean = None
                t_fn = lambda: aten._fused_rms_norm_backward(dy, x, [N], rstd, w, [True, True])  # noqa: E731
            else:
                _, mean, rstd = aten.native_layer_norm(x, [N], w, b, 1e-5)
                t_fn = lambda: aten.native_layer_norm_backward(dy, x, [N], mean, rstd, w, b, [True] * 3)  # noqa
            ref = t_fn()
            t_us = bench(t_fn)
            nb = nbytes(dy, x, mean, rstd, w, b if not rms else None, *ref)
            with gemforge.use():
                try_row(name, (M, N), "gemforge", t_fn, ref, t_us, nb)
            for ppsm, bm, warps, cs, pf, st, nreg in BWD_VARIANTS:
                if bm * N > 16384:
                    continue
                try_row(name, (M, N), f"ppsm={ppsm} bm={bm} w={warps} cs={cs} pf={int(pf)} st={st} r={nreg}",
                        lambda: fused_bwd(dy, x, mean, rstd, w, rms, ppsm, bm, warps, cs, pf, st, nreg), ref, t_us,
                        nb)


# ---------------------------------------------------------------- group_norm forward / backward

def gn_fwd(x, w, b, G, bc, bhw, single, warps):
    N, C = x.shape[:2]
    HW = x[0, 0].numel()
    y = torch.empty_like(x)
    mean = torch.empty(N, G, device=dev, dtype=x.dtype)
    rstd = torch.empty(N, G, device=dev, dtype=x.dtype)
    nk.group_norm_fwd_kernel[(N * G, )](y, mean, rstd, x, w, b, G, C // G, HW, 1e-5, HAS_W=True, HAS_B=True, F64=False,
                                        BLOCK_C=bc, BLOCK_HW=bhw, SINGLE=single, INT64=False, num_warps=warps)
    return y, mean, rstd


def gn_bwd(dy, x, mean, rstd, w, G, bc, bhw, warps, cs):
    N, C = x.shape[:2]
    HW = x[0, 0].numel()
    dx = torch.empty_like(x)
    pw = torch.empty(N, C, device=dev, dtype=torch.float32)
    pb = torch.empty(N, C, device=dev, dtype=torch.float32)
    nk.group_norm_bwd_kernel[(N * G, )](dx, pw, pb, dy, x, mean, rstd, w, G, C // G, HW, HAS_W=True, HAS_DX=True,
                                        PART_W=True, PART_B=True, F64=False, BLOCK_C=bc, BLOCK_HW=bhw, INT64=False,
                                        num_warps=warps)
    dw = torch.empty(C, device=dev, dtype=x.dtype)
    db = torch.empty(C, device=dev, dtype=x.dtype)
    bs = min(triton.next_power_of_2(N), 32)
    nk.norm_param_grad_kernel[(triton.cdiv(C, cs), 1)](dw, db, pw, pb, None, None, N, C, N, MODE=2, HAS_DW=True,
                                                        HAS_DB=True, F64=False, BLOCK_M=bs, BLOCK_N=cs, INT64=False,
                                                        num_warps=4)
    return dx, dw, db


# (block_c, block_hw, single, warps); block_c * block_hw must cover the slice when single
GN_VARIANTS = [(1, 4096, False, 8), (2, 4096, False, 8), (2, 4096, False, 16), (4, 4096, True, 16),
               (8, 4096, True, 16), (1, 2048, False, 4)]
GN_BWD_VARIANTS = [(1, 4096, 8), (2, 4096, 8), (2, 4096, 16), (4, 4096, 16), (1, 2048, 4)]


def gn_rows():
    for shape in GN:
        N, C = shape[:2]
        G = 32
        CPG = C // G
        HW = shape[2] * shape[3]
        x = torch.randn(shape, device=dev, dtype=bf16)
        dy = torch.randn(shape, device=dev, dtype=bf16)
        w = torch.randn(C, device=dev, dtype=bf16)
        b = torch.randn(C, device=dev, dtype=bf16)
        t_fn = lambda: aten.native_group_norm(x, w, b, N, C, HW, G, 1e-5)  # noqa: E731
        ref = t_fn()
        t_us = bench(t_fn)
        nb = nbytes(x, w, b, *ref)
        with gemforge.use():
            try_row("gn", shape, "gemforge", t_fn, ref, t_us, nb)
        for bc, bhw, single, warps in GN_VARIANTS:
            if single and bc * bhw < triton.next_power_of_2(CPG) * triton.next_power_of_2(HW):
                continue
            if single:
                bc, bhw = triton.next_power_of_2(CPG), triton.next_power_of_2(HW)
            try_row("gn", shape, f"bc={bc} bhw={bhw} single={single} w={warps}",
                    lambda: gn_fwd(x, w, b, G, bc, bhw, single, warps), ref, t_us, nb)
        _, mean, rstd = ref
        t_fn = lambda: aten.native_group_norm_backward(dy, x, mean, rstd, w, N, C, HW, G, [True] * 3)  # noqa
        ref = t_fn()
        t_us = bench(t_fn)
        nb = nbytes(dy, x, mean, rstd, w, *ref)
        with gemforge.use():
            try_row("gn_bwd", shape, "gemforge", t_fn, ref, t_us, nb)
        for bc, bhw, warps in GN_BWD_VARIANTS:
            for cs in (32, ):
                try_row("gn_bwd", shape, f"bc={bc} bhw={bhw} w={warps} cs={cs}",
                        lambda: gn_bwd(dy, x, mean, rstd, w, G, bc, bhw, warps, cs), ref, t_us, nb)


# ---------------------------------------------------------------- layer_norm / rms_norm forward, 4096x4096

def row_fwd(x, w, b, rms, bm, warps):
    M, N = x.shape
    y = torch.empty_like(x)
    mean = None if rms else torch.empty(M, device=dev, dtype=torch.float32)
    rstd = torch.empty(M, device=dev, dtype=torch.float32)
    nk.norm_fwd_kernel[(triton.cdiv(M, bm), )](y, mean, rstd, x, w, b, M, N, 1e-5, RMS=rms, HAS_W=True,
                                               HAS_B=b is not None, F64=False, BLOCK_M=bm,
                                               BLOCK_N=triton.next_power_of_2(N), SINGLE=True, INT64=False,
                                               num_warps=warps)
    return (y, rstd) if rms else (y, mean, rstd)


FWD_VARIANTS = [(1, 4), (1, 8), (1, 16), (2, 8), (2, 16), (4, 16)]


def fwd_rows():
    M, N = 4096, 4096
    x = torch.randn(M, N, device=dev, dtype=bf16)
    w = torch.randn(N, device=dev, dtype=bf16)
    b = torch.randn(N, device=dev, dtype=bf16)
    for rms in (False, True):
        name = "rms" if rms else "ln"
        if rms:
            t_fn = lambda: aten._fused_rms_norm(x, [N], w, 1e-5)  # noqa: E731
        else:
            t_fn = lambda: aten.native_layer_norm(x, [N], w, b, 1e-5)  # noqa: E731
        ref = t_fn()
        t_us = bench(t_fn)
        nb = nbytes(x, w, None if rms else b, *ref)
        with gemforge.use():
            try_row(name, (M, N), "gemforge", t_fn, ref, t_us, nb)
        for bm, warps in FWD_VARIANTS:
            try_row(name, (M, N), f"bm={bm} w={warps}", lambda: row_fwd(x, w, None if rms else b, rms, bm, warps),
                    ref, t_us, nb)


if __name__ == "__main__":
    print(f"{torch.cuda.get_device_name()}  SMs={SMS}")
    print(f"{'op':10s} {'shape':16s} {'variant':34s} {'us':>8s} {'torch':>8s} {'speedup':>7s} {'%copy':>6s}")
    norm_bwd_rows()
    if "bwd" not in sys.argv[1:]:
        gn_rows()
        fwd_rows()
