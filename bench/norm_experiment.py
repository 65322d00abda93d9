"""Normalization kernels on the benchmark's bf16 shapes (issue 4): GemForge as built and variants of
its kernels launched directly, against torch eager.

    python bench/norm_experiment.py [bwd | breakdown]   (GPU; needs the built core: import gemforge;
        "bwd": the layer_norm / rms_norm backward rows alone; "breakdown": their 4096x4096 main
        pass and input gradient alone, bwd_breakdown_rows)

Rows "gemforge" time the library (gemforge.use() entered outside the timed call). Variant rows
launch python/gemforge/kernels/norm.py's kernels directly; what each informs (csrc/ops/norm.cpp):
  ln_bwd / rms_bwd "ppsm=P bm=B w=W cs=S pf=F": kBwdProgramsPerSm = P (programs of the fused
      backward pass per SM), rows per tile = B (row_config's tile rule; 1 for N >= 2048), warps W
      (row_config: tile / 512), kColSumBlockN = S (columns per program of the workspace's column
      reduction), F: norm_bwd_kernel's PREFETCH (BwdConfig::prefetch), "st=K": num_stages K.
  gn / gn_bwd "bc=C bhw=H single=S w=W": gn_config's kGnTile (C * H when not single) and
      kGnMaxSingle (single slices held in registers), warps (C * H / 512 by the rule).
  ln / rms forward "bm=B w=W": row_config's tile (elements per program, 2048) and warps rule.
  ln_bwd / rms_bwd "smem ppsm=P w=W" (session 28): norm_bwd_smem_kernel below, a Gluon form of the
      fused pass with a ring of 4 row slots in shared memory filled by cp.async three rows ahead
      (2 programs an SM at 8 warps: 128 registers, 64 KB). "main pass only": without the column
      reduction of the partial sums. H200, bf16, us (the library -> smem ppsm=2 w=8): layer_norm
      backward 4096x4096 36.6 -> 36.5 (main pass alone: 33.8 for the library's kernel, 34.7 for
      this one), 32768x4096 213.2 -> 216.9; rms_norm 4096x4096 33.8 -> 33.1, 32768x4096 208.9 ->
      210.8; 16384x8192 within 2% either way. Three rows in flight a program changed nothing: at
      4096x4096 a main pass of 16 rows a program reaches 70% of copy bandwidth with either kernel
      (92% at 32768x4096, 124 rows a program), so it is not the loads in flight. Not in the library.
Every variant's result is checked against torch (max abs error; "BAD" beyond bf16 tolerance).
Bandwidth: bytes as bench_ops counts them (each operand incl. saved statistics read once, each
output written once) over 4216 GB/s (H200 copy bandwidth).
"""
import math
import sys

import torch
import torch.nn.functional as F
import triton
from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon.language.nvidia.ampere import async_copy

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

@gluon.jit
def _copy_row(xs, gs, x, dy, row, end, N, cols, col_mask):
    """Start the cp.async copies of row `row`'s x and dy into xs and gs (one commit group); a row at
    or past `end` copies nothing (zero-filled), so that every step commits one group."""
    mask = col_mask & (row < end)
    offs = row.to(gl.int64) * N
    async_copy.async_copy_global_to_shared(xs, x + offs + cols, mask=mask)
    async_copy.async_copy_global_to_shared(gs, dy + offs + cols, mask=mask)
    async_copy.commit_group()


@gluon.jit
def _row_stats_ahead(mean, rstd, row, end, RMS: gl.constexpr):
    """Row `row`'s mean (rms_norm: rstd again) and rstd, loaded steps before they are used (0 past
    `end`)."""
    r = gl.load(rstd + row, mask=row < end, other=0.0)
    if RMS:
        mu = r
    else:
        mu = gl.load(mean + row, mask=row < end, other=0.0)
    return mu, r


@gluon.jit
def norm_bwd_smem_kernel(dx, part_w, part_b, dy, x, mean, rstd, w, M, N, ROWS_PER_PROG, RMS: gl.constexpr,
                         HAS_W: gl.constexpr, BLOCK_N: gl.constexpr, VEC: gl.constexpr, PART_W: gl.constexpr,
                         PART_B: gl.constexpr):
    """Experiment (session 28; not in the library): norm_bwd_kernel's fused pass for rows held
    whole (SINGLE), on the GPU (Gluon): rows
    [pid * ROWS_PER_PROG, +ROWS_PER_PROG) stream through a ring of 4 row slots in shared memory,
    filled by cp.async three rows ahead (rows 16-byte aligned), so that a program keeps three
    rows' loads in flight without holding them in registers; the rows' statistics are loaded
    as many steps ahead. dx as norm_bwd_kernel; PART_W / PART_B: the weight / bias gradients'
    partial column sums over the program's rows to row pid of part_w / part_b ([programs, N]).
    VEC: elements of 16 bytes, a thread's run of columns (a thread reads back only what its own
    copies wrote)."""
    STAGES: gl.constexpr = 4
    layout: gl.constexpr = gl.BlockedLayout([VEC], [32], [gl.num_warps()], [0])
    shared: gl.constexpr = gl.SwizzledSharedLayout(1, 1, 1, [0])
    xb = gl.allocate_shared_memory(x.dtype.element_ty, [STAGES, BLOCK_N], shared)
    gb = gl.allocate_shared_memory(dy.dtype.element_ty, [STAGES, BLOCK_N], shared)
    pid = gl.program_id(0)
    row0 = pid * ROWS_PER_PROG
    end = gl.minimum(row0 + ROWS_PER_PROG, M)
    cols = gl.arange(0, BLOCK_N, layout)
    col_mask = cols < N
    if HAS_W:
        wv = gl.load(w + cols, mask=col_mask, other=0.0).to(gl.float32)
    acc_w = gl.zeros([BLOCK_N], gl.float32, layout)
    acc_b = gl.zeros([BLOCK_N], gl.float32, layout)
    for k in gl.static_range(STAGES - 1):
        _copy_row(xb.index(k), gb.index(k), x, dy, row0 + k, end, N, cols, col_mask)
    mu0, r0 = _row_stats_ahead(mean, rstd, row0, end, RMS)
    mu1, r1 = _row_stats_ahead(mean, rstd, row0 + 1, end, RMS)
    mu2, r2 = _row_stats_ahead(mean, rstd, row0 + 2, end, RMS)
    for i in range(0, end - row0):
        row = row0 + i
        ahead = i + STAGES - 1  # into the slot row i - 1 used (read in the step before)
        _copy_row(xb.index(ahead % STAGES), gb.index(ahead % STAGES), x, dy, row0 + ahead, end, N, cols, col_mask)
        mu3, r3 = _row_stats_ahead(mean, rstd, row0 + ahead, end, RMS)
        async_copy.wait_group(STAGES - 1)  # row i's group (STAGES - 1 groups were committed after it)
        v = xb.index(i % STAGES).load(layout).to(gl.float32)
        g0 = gb.index(i % STAGES).load(layout).to(gl.float32)
        if RMS:
            xh = v * r0
        else:
            xh = (v - mu0) * r0
        if HAS_W:
            g = g0 * wv
        else:
            g = g0
        if RMS:
            d = (g - xh * (gl.sum(g * xh, 0) / N)) * r0
        else:
            sum_gx, sum_g = gl.reduce((g * xh, g), 0, nk._add2)  # both row sums in one reduction
            d = (g - sum_g / N - xh * (sum_gx / N)) * r0
        gl.store(dx + row.to(gl.int64) * N + cols, d.to(dx.dtype.element_ty), mask=col_mask)
        if PART_W:
            acc_w += g0 * xh
        if PART_B:
            acc_b += g0
        mu0, r0, mu1, r1, mu2, r2 = mu1, r1, mu2, r2, mu3, r3
    async_copy.wait_group(0)
    if PART_W:
        gl.store(part_w + pid * N + cols, acc_w, mask=col_mask)
    if PART_B:
        gl.store(part_b + pid * N + cols, acc_b, mask=col_mask)



def fused_bwd(dy, x, mean, rstd, w, rms, ppsm, bm, warps, cs, prefetch=False, stages=1, maxnreg=None, colsum=True):
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
    return main_pass_results(dx, pw, pb, x, rms, colsum, cs)


def main_pass_results(dx, pw, pb, x, rms, colsum, cs=32):
    """The fused backward's gradients from its main pass's dx and [programs, N] partial sums pw /
    pb: their column sums (norm_param_grad_kernel, cs columns a program), or with colsum=False
    the first partial rows (the main pass alone: the parameter gradients then differ)."""
    if not colsum:
        return (dx, pw[0].to(x.dtype)) if rms else (dx, pw[0].to(x.dtype), pb[0].to(x.dtype))
    progs, N = pw.shape
    dw = torch.empty(N, device=dev, dtype=x.dtype)
    db = None if rms else torch.empty(N, device=dev, dtype=x.dtype)
    bs = min(triton.next_power_of_2(progs), 32)
    nk.norm_param_grad_kernel[(triton.cdiv(N, cs), 1)](dw, db, pw, pb if pb is not None else pw, None, None, progs,
                                                        N, progs, MODE=2, HAS_DW=True, HAS_DB=not rms, F64=False,
                                                        BLOCK_M=bs, BLOCK_N=cs, INT64=False, num_warps=4)
    return (dx, dw) if rms else (dx, dw, db)


def smem_bwd(dy, x, mean, rstd, w, rms, ppsm, warps, colsum=True):
    """The fused backward with norm_bwd_smem_kernel (above; Gluon: a ring of 4 row slots
    in shared memory filled by cp.async three rows ahead) as the main pass; colsum=False: the
    main pass alone (its weight / bias gradients are then partial sums)."""
    M, N = x.shape
    bn = triton.next_power_of_2(N)
    rows = math.ceil(M / (ppsm * SMS))
    progs = math.ceil(M / rows)
    dx = torch.empty_like(x)
    pw = torch.empty(progs, N, device=dev, dtype=torch.float32)
    pb = None if rms else torch.empty(progs, N, device=dev, dtype=torch.float32)
    norm_bwd_smem_kernel[(progs, )](dx, pw, pb, dy, x, mean, rstd, w, M, N, rows, RMS=rms, HAS_W=True,
                                       BLOCK_N=bn, VEC=16 // x.element_size(), PART_W=True, PART_B=not rms,
                                       num_warps=warps)
    return main_pass_results(dx, pw, pb, x, rms, colsum)


@gluon.jit
def _onebar_load(x, dy, mean, rstd, row, end, N, cols, col_mask, RMS: gl.constexpr):
    """Row `row`'s x and dy as stored (bf16), its mean (rms_norm: rstd again) and rstd; zeros for
    a row at or past `end`."""
    ok = row < end
    offs = row.to(gl.int64) * N + cols
    r = gl.load(rstd + row, mask=ok, other=0.0)
    if RMS:
        mu = r
    else:
        mu = gl.load(mean + row, mask=ok, other=0.0)
    return (gl.load(x + offs, mask=col_mask & ok, other=0.0), gl.load(dy + offs, mask=col_mask & ok, other=0.0),
            mu, r)


@gluon.jit
def _onebar_step(dx, red_gx, red_g, xv, dyv, mu, r, wv, acc_w, acc_b, row, end, N, cols, col_mask,
                 RMS: gl.constexpr, all_l: gl.constexpr):
    """One row of the fused backward: its row sums cross the warps through red_gx and red_g ([W]
    fp32 each in shared memory) with one barrier; returns the updated partial sums."""
    v = xv.to(gl.float32)
    g0 = dyv.to(gl.float32)
    if RMS:
        xh = v * r
    else:
        xh = (v - mu) * r
    g = g0 * wv
    red_gx.store(gl.sum(g * xh, 1))  # a warp's share: shuffles only
    if not RMS:
        red_g.store(gl.sum(g, 1))
    gl.thread_barrier()
    a = gl.sum(red_gx.load(all_l), 0) / N  # every thread adds up all the warps' shares
    if RMS:
        d = (g - xh * a) * r
    else:
        m = gl.sum(red_g.load(all_l), 0) / N
        d = (g - m - xh * a) * r
    gl.store(dx + row.to(gl.int64) * N + cols, d.to(dx.dtype.element_ty), mask=col_mask & (row < end))
    return acc_w + g0 * xh, acc_b + g0


@gluon.jit
def norm_bwd_onebar_kernel(dx, part_w, part_b, dy, x, mean, rstd, w, M, N, ROWS_PER_PROG, RMS: gl.constexpr,
                           BLOCK_N: gl.constexpr, VEC: gl.constexpr):
    """Experiment (session 30, prepared: compiled for sm_90 offline, not yet run): the fused pass of
    norm_bwd_kernel (rows held whole, weight and PART_W / PART_B partial sums as there, the next
    row's loads a step ahead) with one barrier a row instead of Triton's three. The row is a [W,
    BLOCK_N / W] tile, a warp's columns along dim 1, so a warp sums its share with shuffles alone;
    the shares meet in shared memory, one barrier, and every thread adds all W of them. Rows
    alternate between two such buffers (the loop takes two rows a step, so that each buffer is
    its own allocation): the barrier of the row between a buffer's read and its next write
    orders them, and no barrier guards the write (the shared-memory analysis cannot tell two
    slices of one allocation apart and would add one). VEC: elements of 16 bytes."""
    W: gl.constexpr = gl.num_warps()
    COLS: gl.constexpr = BLOCK_N // W
    layout: gl.constexpr = gl.BlockedLayout([1, VEC], [1, 32], [W, 1], [1, 0])
    all_l: gl.constexpr = gl.BlockedLayout([W], [32], [W], [0])  # [W], every thread holding all
    shared: gl.constexpr = gl.SwizzledSharedLayout(1, 1, 1, [0])
    red_a_gx = gl.allocate_shared_memory(gl.float32, [W], shared)
    red_a_g = gl.allocate_shared_memory(gl.float32, [W], shared)
    red_b_gx = gl.allocate_shared_memory(gl.float32, [W], shared)
    red_b_g = gl.allocate_shared_memory(gl.float32, [W], shared)
    pid = gl.program_id(0)
    row0 = pid * ROWS_PER_PROG
    end = gl.minimum(row0 + ROWS_PER_PROG, M)
    wi = gl.arange(0, W, gl.SliceLayout(1, layout))
    ci = gl.arange(0, COLS, gl.SliceLayout(0, layout))
    cols = wi[:, None] * COLS + ci[None, :]
    col_mask = cols < N
    wv = gl.load(w + cols, mask=col_mask, other=0.0).to(gl.float32)
    acc_w = gl.zeros([W, COLS], gl.float32, layout)
    acc_b = gl.zeros([W, COLS], gl.float32, layout)
    xn, dyn, mun, rn = _onebar_load(x, dy, mean, rstd, row0, end, N, cols, col_mask, RMS)
    for i in range(0, end - row0, 2):
        row = row0 + i
        xv, dyv, mu, r = xn, dyn, mun, rn
        xn, dyn, mun, rn = _onebar_load(x, dy, mean, rstd, row + 1, end, N, cols, col_mask, RMS)
        acc_w, acc_b = _onebar_step(dx, red_a_gx, red_a_g, xv, dyv, mu, r, wv, acc_w, acc_b, row, end, N, cols,
                                    col_mask, RMS, all_l)
        xv, dyv, mu, r = xn, dyn, mun, rn
        xn, dyn, mun, rn = _onebar_load(x, dy, mean, rstd, row + 2, end, N, cols, col_mask, RMS)
        acc_w, acc_b = _onebar_step(dx, red_b_gx, red_b_g, xv, dyv, mu, r, wv, acc_w, acc_b, row + 1, end, N, cols,
                                    col_mask, RMS, all_l)
    gl.store(part_w + pid * N + cols, acc_w, mask=col_mask)
    if not RMS:
        gl.store(part_b + pid * N + cols, acc_b, mask=col_mask)


def onebar_bwd(dy, x, mean, rstd, w, rms, ppsm, warps, maxnreg=None, colsum=True):
    """The fused backward with norm_bwd_onebar_kernel (above) as the main pass; colsum=False: the
    main pass alone (its weight / bias gradients are then partial sums). Offline (sm_90, bf16,
    4096 columns, 8 warps): 144 registers (one program an SM), 128 under maxnreg=128 (layer_norm
    then spills 10 registers, rms_norm none); 325 instructions a row against norm_bwd_kernel's
    339, one BAR.SYNC a row against three; ptxas still sinks the next row's loads to about half
    way through the row's code."""
    M, N = x.shape
    rows = math.ceil(M / (ppsm * SMS))
    progs = math.ceil(M / rows)
    dx = torch.empty_like(x)
    pw = torch.empty(progs, N, device=dev, dtype=torch.float32)
    pb = None if rms else torch.empty(progs, N, device=dev, dtype=torch.float32)
    norm_bwd_onebar_kernel[(progs, )](dx, pw, pb, dy, x, mean, rstd, w, M, N, rows, RMS=rms,
                                      BLOCK_N=triton.next_power_of_2(N), VEC=16 // x.element_size(), num_warps=warps,
                                      **({"maxnreg": maxnreg} if maxnreg else {}))
    return main_pass_results(dx, pw, pb, x, rms, colsum)


# (ppsm, warps) of norm_bwd_smem_kernel
SMEM_VARIANTS = [(2, 8), (1, 8), (2, 16), (1, 16), (3, 8)]


# (ppsm, bm, warps, cs, prefetch, stages, maxnreg). Session 26 (H200): two and three blocks
# ahead lost to one everywhere (e.g. rms_norm 4096x4096 31.5 -> 46.2 us at 16 warps); 8 warps beat
# 16 for layer_norm at N = 4096 (36.3 vs 46.6), 16 stayed best at N = 8192 (one program an SM).
BWD_VARIANTS = [(2, 1, 16, 32, True, 1, None), (2, 1, 16, 32, True, 1, 64), (1, 1, 16, 32, True, 1, None),
                (2, 1, 8, 32, True, 1, None), (2, 1, 8, 32, False, 1, None)]


def bwd_case(x, dy, w, b, rms):
    """The layer_norm (rms_norm) backward of x for the rows below: the forward's statistics,
    torch's result, its time and the bytes moved; prints the library's row."""
    M, N = x.shape
    name = "rms_bwd" if rms else "ln_bwd"
    if rms:
        _, rstd = aten._fused_rms_norm(x, [N], w, 1e-5)
        mean = None
        t_fn = lambda: aten._fused_rms_norm_backward(dy, x, [N], rstd, w, [True, True])  # noqa: E731
    else:
        _, mean, rstd = aten.native_layer_norm(x, [N], w, b, 1e-5)
        t_fn = lambda: aten.native_layer_norm_backward(dy, x, [N], mean, rstd, w, b, [True] * 3)  # noqa: E731
    ref = t_fn()
    t_us = bench(t_fn)
    nb = nbytes(dy, x, mean, rstd, w, b if not rms else None, *ref)
    with gemforge.use():
        try_row(name, (M, N), "gemforge", t_fn, ref, t_us, nb)
    return name, mean, rstd, ref, t_us, nb


def norm_bwd_rows():
    for M, N in NORM:
        x = torch.randn(M, N, device=dev, dtype=bf16)
        dy = torch.randn(M, N, device=dev, dtype=bf16)
        w = torch.randn(N, device=dev, dtype=bf16)
        b = torch.randn(N, device=dev, dtype=bf16)
        for rms in (False, True):
            name, mean, rstd, ref, t_us, nb = bwd_case(x, dy, w, b, rms)
            for ppsm, warps in SMEM_VARIANTS:
                if N // (32 * warps) > 32 or warps * 32 * 8 > N:
                    continue
                try_row(name, (M, N), f"smem ppsm={ppsm} w={warps}",
                        lambda: smem_bwd(dy, x, mean, rstd, w, rms, ppsm, warps), ref, t_us, nb)
            # the main passes alone (dx exact, the parameter gradients partial: BAD expected there)
            try_row(name, (M, N), "smem ppsm=2 w=8 main pass only",
                    lambda: smem_bwd(dy, x, mean, rstd, w, rms, 2, 8, colsum=False), ref[:1], t_us, nb)
            try_row(name, (M, N), "ppsm=2 w=8 pf main pass only",
                    lambda: fused_bwd(dy, x, mean, rstd, w, rms, 2, 1, 8, 32, True, 1, None, colsum=False), ref[:1],
                    t_us, nb)
            for ppsm, bm, warps, cs, pf, st, nreg in BWD_VARIANTS:
                if bm * N > 16384:
                    continue
                try_row(name, (M, N), f"ppsm={ppsm} bm={bm} w={warps} cs={cs} pf={int(pf)} st={st} r={nreg}",
                        lambda: fused_bwd(dy, x, mean, rstd, w, rms, ppsm, bm, warps, cs, pf, st, nreg), ref, t_us,
                        nb)


def dx_only(dy, x, mean, rstd, w, rms, rows_per_prog, warps, prefetch):
    """norm_bwd_kernel's input gradient alone (no weight / bias partial sums): rows_per_prog rows a
    program (1: one program a row, as the softmax backward's row kernel)."""
    M, N = x.shape
    dx = torch.empty_like(x)
    nk.norm_bwd_kernel[(triton.cdiv(M, rows_per_prog), )](dx, None, None, dy, x, mean, rstd, w, M, N, rows_per_prog,
                                                         RMS=rms, HAS_W=True, F64=False, BLOCK_M=1,
                                                         BLOCK_N=triton.next_power_of_2(N), SINGLE=True, INT64=False,
                                                         HAS_DX=True, PART_W=False, PART_B=False,
                                                         PREFETCH=prefetch and rows_per_prog > 1, num_warps=warps)
    return dx


def bwd_breakdown_rows():
    """Session 30: where the fused backward's time goes at 4096x4096 (the main pass alone, and
    its input gradient alone at one row a program and at the fused pass's 16 rows a program)
    beside torch's copy of the same bytes."""
    M, N = 4096, 4096
    x = torch.randn(M, N, device=dev, dtype=bf16)
    dy = torch.randn(M, N, device=dev, dtype=bf16)
    w = torch.randn(N, device=dev, dtype=bf16)
    b = torch.randn(N, device=dev, dtype=bf16)
    rows16 = math.ceil(M / (2 * SMS))
    for rms in (False, True):
        name, mean, rstd, ref, t_us, nb = bwd_case(x, dy, w, b, rms)
        try_row(name, (M, N), "main pass only (ppsm=2 w=8 pf)",
                lambda: fused_bwd(dy, x, mean, rstd, w, rms, 2, 1, 8, 32, True, 1, None, colsum=False), ref[:1],
                t_us, nb)
        for ppsm, warps, nreg in ((2, 8, 128), (1, 8, None), (1, 16, None), (2, 16, 64)):
            try_row(name, (M, N), f"onebar ppsm={ppsm} w={warps} r={nreg}",
                    lambda: onebar_bwd(dy, x, mean, rstd, w, rms, ppsm, warps, nreg), ref, t_us, nb)
        try_row(name, (M, N), "onebar ppsm=2 w=8 r=128 main pass only",
                lambda: onebar_bwd(dy, x, mean, rstd, w, rms, 2, 8, 128, colsum=False), ref[:1], t_us, nb)
        for rpp, warps, pf in ((1, 8, False), (1, 4, False), (rows16, 8, True), (rows16, 8, False)):
            try_row(name, (M, N), f"dx only rows={rpp} w={warps} pf={int(pf)}",
                    lambda: dx_only(dy, x, mean, rstd, w, rms, rpp, warps, pf), ref[:1], t_us, nb)
    cu = timing.copy_us(nb)
    print(f"torch copy of {nb / 2**20:.1f} MiB: {cu:.1f} us", flush=True)


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
    if "breakdown" in sys.argv[1:]:
        bwd_breakdown_rows()
        sys.exit(0)
    norm_bwd_rows()
    if "bwd" not in sys.argv[1:]:
        gn_rows()
        fwd_rows()
