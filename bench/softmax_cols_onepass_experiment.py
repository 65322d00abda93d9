"""Experiment (session 27): softmax over a non-last dim in one read. softmax_onepass_cols_kernel
(below): a part is a tile of BLOCK_R rows x BLOCK_K columns held in registers while its column
block's other parts publish their per-column statistics; the part that publishes last combines
them and publishes the columns' (max, sum). Against the library op (the two-launch column path,
softmax_cols_kernel: statistics, then a second read from L2 and the write), the same two
launches from Python, and torch. Forward and backward, bf16, graphed with the sync zeroing
inside the graph, L2 flushed (clean).

Result (H200, session 27, call 2; us): the one pass loses wherever the rows are wide:
  4096x4096 dim 0   softmax 57.3 (32x256, 8 warps) against 38.1 for the two launches; backward 59.4 / 47.8
  8192x4096 dim 0   103.2 (16x512) / 77.8; backward 116.1 / 91.5
  3x2048x1024 dim 1 24.5 / 22.7; 1024x4096 dim 0 20.8 (64x128) / 19.4
and wins only on narrow ones: 16384x256 dim 0 24.6 (16x512) / 39.4, backward 21.7 / 24.8.
Taking the combined statistics from the last part (instead of each part combining a [parts,
columns] tile, which the compiler answered by moving the data tile through shared memory to
that tile's layout both ways: call 1, 52.7 us) changed little. The likely cause is DRAM
locality: the resident parts cover only ~24 column blocks (1.5 KB of each 8 KB row) at a time,
where the two-launch programs sweep whole rows together; interleaving more column blocks would
need more parts resident than the forward-progress argument allows. Not in the library.

The two-launch path itself, A/B through the benchmark (H200, calls 3-4, same card and run; us,
softmax / log_softmax 4096x4096 dim 0): session 26's PDL patch (the second launch as a
programmatic dependent launch) plus step-ahead loads in both passes plus the parts' partials
combined as one tile: 39.0 / 38.5 -> 43.1 / 41.8 (the statistics pass took 68 registers: 3
programs an SM instead of 4); without the step-ahead loads: 38.6 / 38.6 -> 40.6 / 39.4. Here,
graphed: PDL 40.8 against plain launches 39.6 (3x2048x1024 dim 1: 27.2 against 25.2; backward
47.4 against 48.1 and 22.2 against 22.7). The tile combine alone (call 6, A = main, B = main
with it, through the op; forward / backward): 4096x4096 dim 0 39.4 / 48.4 -> 40.3 / 49.0,
3x2048x1024 dim 1 23.6 / 23.1 -> 26.6 / 23.7, 16384x256 dim 0 40.5 / 25.1 -> 38.2 / 26.6,
4096x64 dim 0 (64 parts) 15.1 / 12.7 -> 13.2 / 11.0. None of it is in the library.

Session 28 added softmax_cols_smem_kernel (Gluon): the same forward with the part in shared memory
(cp.async), so that ~4x as many parts are resident (25 MB: ~6 KB of each 8 KB row of 4096x4096).
H200, call 5, us (the best smem configuration / the two launches / the library op):
  4096x4096 dim 0   38.9 (32x512, 48 registers) / 38.1 / 39.2: no gain on the benchmark's row
  8192x4096 dim 0   63.0 (64x512) / 78.6 / 79.2
  3x2048x1024 dim 1 19.4 (32x512, 48 registers) / 22.7 / 23.4
so more resident parts do help where the data is larger than what stays resident, which fits the
locality reading above; 128-column blocks were slower everywhere (54.9-125.6). It has no masks
(whole parts only) and no backward, and is not in the library: the benchmark's 4096x4096 row
does not move.
    cd bench && python softmax_cols_onepass_experiment.py [4096x4096x0 ...] [--no-onepass] [--no-smem]
        (shape x dim)
"""
import sys

import torch
import triton
import triton.language as tl
from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon.language.nvidia.ampere import async_copy

import gemforge
from gemforge import timing
from gemforge.kernels.loss import softmax_backward_cols_kernel
from gemforge.kernels.softmax import softmax_cols_kernel
from softmax_experiment import _apply_stats
from softmax_lagged_experiment import _part_stats


@triton.jit
def _combine_stats(stats, p_mask, STAT_STRIDE: tl.constexpr, BACKWARD: tl.constexpr):
    """A column's max and sum of exp relative to it from its parts' statistics (axis 0 of the
    tile; BACKWARD: the sum, returned in both)."""
    if BACKWARD:
        m = tl.sum(tl.load(stats, mask=p_mask, other=0.0, volatile=True), 0)
        s = m
    else:
        pa = tl.load(stats, mask=p_mask, other=-float("inf"), volatile=True)
        pb = tl.load(stats + STAT_STRIDE, mask=p_mask, other=0.0, volatile=True)
        m = tl.max(pa, 0)
        m_safe = tl.where(m == -float("inf"), 0.0, m)
        s = tl.sum(pb * tl.exp(pa - m_safe[None, :]), 0)  # (explicit: Gluon does not broadcast ranks)
    return m, s


@triton.jit
def _combined_stats(block_ws, sync, blk, P, stats, p_mask, kc, k, BLOCK_K: tl.constexpr, BACKWARD: tl.constexpr):
    """After a part of column block blk has published its statistics (all its threads): count
    it; the part that counts last combines the parts' statistics (stats: the [parts, BLOCK_K]
    tile of their addresses, p_mask its valid parts, kc its columns) and publishes them after
    them in block_ws; every part waits for those and returns the columns' (max, sum) at columns k
    (BACKWARD: the sum in both). Both the register and the shared-memory kernel use it."""
    count = sync + 1 + blk
    n = tl.atomic_add(count, 1, sem="acq_rel") + 1
    combined = block_ws + P * (2 * BLOCK_K)
    if n == P:
        ma, sb = _combine_stats(stats, p_mask, BLOCK_K, BACKWARD)
        tl.store(combined + kc, ma)
        tl.store(combined + BLOCK_K + kc, sb)
        tl.debug_barrier()
        tl.atomic_add(count, 1, sem="release")
    while n <= P:
        n = tl.atomic_add(count, 0, sem="acquire")
    m = tl.load(combined + k, volatile=True)
    s = tl.load(combined + BLOCK_K + k, volatile=True)
    if BACKWARD:
        s = m  # (the sum is in the first slot)
    return m, s


@triton.jit
def softmax_onepass_cols_kernel(out, x, g, ws, sync, D, INNER, COL_BLOCKS, BACKWARD: tl.constexpr,
                                LOG: tl.constexpr, BLOCK_R: tl.constexpr, BLOCK_K: tl.constexpr,
                                BLOCK_P: tl.constexpr):
    """The one-pass protocol (kernels/softmax.py softmax_rows_smem_kernel) over a non-last dim
    (GPU only): a part is a tile of BLOCK_R rows of BLOCK_K contiguous columns of the
    [outer, D, INNER] view, held in registers while the column's other parts publish; a column block (outer index o, COL_BLOCKS blocks an outer
    index) has P = cdiv(D, BLOCK_R) parts. The part that publishes last combines the block's
    statistics and publishes the columns' (max, sum); the others wait for that, then write.
    sync: int32 [1 + column blocks], zeroed: the ticket, then per column block a count: its
    parts that have published, plus one once the combined statistics are out. ws: fp32 [column
    blocks, P + 1, 2, BLOCK_K]: per part then combined, the columns' max and sum of exp relative
    to it (BACKWARD: the sum, in the first slot).
    Forward progress as softmax_rows_smem_kernel (the host asks for P <= SMs); the part that
    combines waits for nothing."""
    P = tl.cdiv(D, BLOCK_R)
    t = tl.atomic_add(sync, 1, sem="relaxed")
    blk = t // P
    part = t - blk * P
    o = blk // COL_BLOCKS
    k = tl.arange(0, BLOCK_K)
    c = (blk - o * COL_BLOCKS) * BLOCK_K + k
    r = part * BLOCK_R + tl.arange(0, BLOCK_R)
    mask = (r < D)[:, None] & (c < INNER)[None, :]
    # a scalar 64-bit base of the outer slab, 32-bit offsets within it (the host's rule keeps slabs
    # under 2^31 elements)
    base = o.to(tl.int64) * D * INNER
    offs = r[:, None] * INNER + c[None, :]
    if BACKWARD:
        v = tl.load(x + base + offs, mask=mask, other=0.0).to(tl.float32)
        gv = tl.load(g + base + offs, mask=mask, other=0.0).to(tl.float32)
    else:
        v = tl.load(x + base + offs, mask=mask, other=-float("inf")).to(tl.float32)
        gv = v
    a, b = _part_stats(v, gv, BACKWARD, LOG)
    block_ws = ws + blk * (P + 1) * (2 * BLOCK_K)
    tl.store(block_ws + part * (2 * BLOCK_K) + k, a)
    tl.store(block_ws + part * (2 * BLOCK_K) + BLOCK_K + k, b)
    # every thread's statistics before the count's release (made by one thread of the program)
    tl.debug_barrier()
    # The parts' statistics are combined as one [parts, BLOCK_K] tile by the last part: each part
    # combining them itself would hold them in the data's layout (8 columns a thread, every
    # part's in flight at once: the registers of a second program an SM)
    i = tl.arange(0, BLOCK_P)
    kk = tl.arange(0, BLOCK_K)
    stats = block_ws + i[:, None] * (2 * BLOCK_K) + kk[None, :]
    m, s = _combined_stats(block_ws, sync, blk, P, stats, (i < P)[:, None], kk, k, BLOCK_K, BACKWARD)
    res = _apply_stats(v, gv, m, s, BACKWARD, LOG)
    tl.store(out + base + offs, res.to(out.dtype.element_ty), mask=mask)


@gluon.jit
def softmax_cols_smem_kernel(out, x, ws, sync, D, INNER, COL_BLOCKS, LOG: gl.constexpr, BLOCK_R: gl.constexpr,
                             BLOCK_K: gl.constexpr, VEC: gl.constexpr, BLOCK_P: gl.constexpr):
    """Session 28: softmax_onepass_cols_kernel's forward with the part held in shared memory
    (Gluon, cp.async) instead of registers, so that an SM holds as many parts as its shared memory
    does (six of 32 KB: ~800 parts resident, ~6 KB of each 8 KB row of 4096x4096 where the
    register kernel covered 1.5 KB). The same protocol: the part that publishes last combines the
    column block's statistics and publishes them. Chunks of CH_R rows (the layout's rows: TR
    threads x warps), each thread VEC contiguous columns. The best case only: no masks (the host
    asks for D % BLOCK_R == 0 and INNER % BLOCK_K == 0)."""
    W: gl.constexpr = gl.num_warps()
    TK: gl.constexpr = BLOCK_K // VEC
    TR: gl.constexpr = 32 // TK
    CH_R: gl.constexpr = TR * W
    NCH: gl.constexpr = BLOCK_R // CH_R
    layout: gl.constexpr = gl.BlockedLayout([1, VEC], [TR, TK], [W, 1], [1, 0])
    shared: gl.constexpr = gl.SwizzledSharedLayout(1, 1, 1, [1, 0])
    xs = gl.allocate_shared_memory(x.dtype.element_ty, [BLOCK_R, BLOCK_K], shared)
    P = gl.cdiv(D, BLOCK_R)
    t = gl.atomic_add(sync, 1, sem="relaxed")
    blk = t // P
    part = t - blk * P
    o = blk // COL_BLOCKS
    kk = gl.arange(0, BLOCK_K, gl.SliceLayout(0, layout))
    rr = gl.arange(0, CH_R, gl.SliceLayout(1, layout))
    tile = rr[:, None] * INNER + kk[None, :]  # 32-bit offsets within a chunk
    # the part's first element; chunk ch starts CH_R rows further each
    first = o.to(gl.int64) * D * INNER + part * BLOCK_R * INNER + (blk - o * COL_BLOCKS) * BLOCK_K
    for ch in gl.static_range(NCH):
        async_copy.async_copy_global_to_shared(xs.slice(ch * CH_R, CH_R, dim=0), x + first + ch * CH_R * INNER + tile)
        async_copy.commit_group()
    mv = gl.full([CH_R, BLOCK_K], -float("inf"), gl.float32, layout)
    for ch in gl.static_range(NCH):
        async_copy.wait_group(NCH - 1 - ch)
        mv = gl.maximum(mv, xs.slice(ch * CH_R, CH_R, dim=0).load(layout).to(gl.float32))
    a = gl.max(mv, 0)
    a_safe = gl.where(a == -float("inf"), 0.0, a)
    sv = gl.zeros([CH_R, BLOCK_K], gl.float32, layout)
    for ch in gl.static_range(NCH):
        sv += gl.exp(xs.slice(ch * CH_R, CH_R, dim=0).load(layout).to(gl.float32) - a_safe[None, :])
    b = gl.sum(sv, 0)
    block_ws = ws + blk * (P + 1) * (2 * BLOCK_K)
    gl.store(block_ws + part * (2 * BLOCK_K) + kk, a)
    gl.store(block_ws + part * (2 * BLOCK_K) + BLOCK_K + kk, b)
    gl.thread_barrier()  # every thread's statistics before the count's release (one thread's)
    cl: gl.constexpr = gl.BlockedLayout([1, 1], [1, 32], [W, 1], [1, 0])
    i = gl.arange(0, BLOCK_P, gl.SliceLayout(1, cl))
    kc = gl.arange(0, BLOCK_K, gl.SliceLayout(0, cl))
    stats = block_ws + i[:, None] * (2 * BLOCK_K) + kc[None, :]
    p_mask = (i < P)[:, None] & (kc < BLOCK_K)[None, :]
    m, s = _combined_stats(block_ws, sync, blk, P, stats, p_mask, kc, kk, BLOCK_K, False)
    for ch in gl.static_range(NCH):
        v = xs.slice(ch * CH_R, CH_R, dim=0).load(layout).to(gl.float32)
        res = _apply_stats(v, v, m[None, :], s[None, :], False, LOG)
        gl.store(out + first + ch * CH_R * INNER + tile, res.to(out.dtype.element_ty))


# (BLOCK_K, BLOCK_R, warps, maxnreg) of softmax_cols_smem_kernel (forward only; 32-64 KB a part).
# sm_90 ptxas: 64 registers at 64x256 / 128x128 (4 programs an SM), 80 at 32x512; capped at 48:
# 8 bytes of spill (5 programs an SM), at 40: 24-32 bytes (6, as the shared memory)
SMEM_CONFIGS = [(64, 256, 8, None), (64, 256, 8, 48), (64, 256, 8, 40), (128, 128, 8, None), (128, 128, 8, 48),
                (32, 512, 8, 48), (128, 256, 8, None), (64, 512, 8, None)]


def _grid(x, D, inner, block_k, block_r, sms):
    """A one-pass launch's column blocks an outer index, column blocks, parts a block (None when
    the parts would not fit the forward-progress rule), its statistics workspace, the zeroed
    ticket / counts and BLOCK_P."""
    col_blocks = triton.cdiv(inner, block_k)
    blocks = x.numel() // (D * inner) * col_blocks
    P = triton.cdiv(D, block_r)
    if P > sms or P < 2:
        return None
    return (col_blocks, blocks, P, torch.empty(blocks, P + 1, 2, block_k, device="cuda", dtype=torch.float32),
            torch.zeros(1 + blocks, device="cuda", dtype=torch.int32), max(16, triton.next_power_of_2(P)))


def smem_onepass(out, x, D, inner, block_k, block_r, warps, maxnreg, sms):
    grid = _grid(x, D, inner, block_k, block_r, sms)
    if grid is None or D % block_r or inner % block_k:
        return None
    col_blocks, blocks, P, ws, sync, block_p = grid

    def run():
        sync.zero_()
        softmax_cols_smem_kernel[(blocks * P, )](out, x, ws, sync, D, inner, col_blocks, False, block_r, block_k,
                                                 16 // x.element_size(), block_p, num_warps=warps,
                                                 **({"maxnreg": maxnreg} if maxnreg else {}))
    return run


# (BLOCK_K, BLOCK_R, warps)
CONFIGS = [(32, 256, 8), (32, 128, 8), (64, 128, 8), (64, 256, 16), (16, 512, 8), (32, 512, 16)]
SHAPES = [((4096, 4096), 0), ((3, 2048, 1024), 1), ((8192, 4096), 0), ((1024, 4096), 0), ((16384, 256), 0)]


def onepass(out, x, g, D, inner, backward, block_k, block_r, warps, sms):
    grid = _grid(x, D, inner, block_k, block_r, sms)
    if grid is None:
        return None
    col_blocks, blocks, P, ws, sync, block_p = grid

    def run():
        sync.zero_()
        softmax_onepass_cols_kernel[(blocks * P, )](out, x, g if g is not None else x, ws, sync, D, inner, col_blocks,
                                                   backward, False, block_r, block_k, block_p, num_warps=warps)
    return run


def two_launch(out, x, g, D, inner, backward, sms):
    """The column path's two launches as op_utils.h softmax_cols_tiles sizes them (split rows)."""
    K = x.numel() // D
    block_k = min(64, triton.next_power_of_2(inner))
    block_d = min(triton.next_power_of_2(D), 4096 // block_k)
    blocks = (K // inner) * triton.cdiv(inner, block_k)
    parts = max(1, min(triton.cdiv(4 * sms, blocks), D // 64)) if blocks < 4 * sms else 1
    part = triton.cdiv(triton.cdiv(D, parts), block_d) * block_d
    parts = triton.cdiv(D, part)
    ws = torch.empty((parts, K) if backward else (2, parts, K), device="cuda", dtype=torch.float32)

    def run():
        for stage in (1, 2):
            if backward:
                softmax_backward_cols_kernel[(blocks, parts)](out, g, x, ws, K, D, inner, part, False, False, block_k,
                                                              block_d, stage, False, True, num_warps=8)
            else:
                softmax_cols_kernel[(blocks, parts)](out, x, ws, K, D, inner, part, False, False, block_k, block_d,
                                                     stage, False, True, num_warps=8)
    return run


def err(got, ref):
    return (got.double() - ref).abs().max().item()


def main():
    shapes = [(tuple(map(int, a.split("x")[:-1])), int(a.split("x")[-1])) for a in sys.argv[1:] if "x" in a] or SHAPES
    configs = [] if "--no-onepass" in sys.argv else CONFIGS
    sms = torch.cuda.get_device_properties(0).multi_processor_count
    for shape, dim in shapes:
        D = shape[dim]
        inner = 1
        for n in shape[dim + 1:]:
            inner *= n
        x = torch.randn(shape, device="cuda", dtype=torch.bfloat16)
        y = torch.softmax(x, dim)
        g = torch.randn(shape, device="cuda", dtype=torch.bfloat16) + 1.0
        ref_f = torch.softmax(x.double(), dim)
        ref_b = y.double() * (g.double() - (g.double() * y.double()).sum(dim, keepdim=True))
        nbytes = 2 * x.numel() * 2
        for backward in (False, True):
            name = "softmax_backward" if backward else "softmax"
            torch_fn = (lambda: torch.ops.aten._softmax_backward_data(g, y, dim, x.dtype)) if backward else \
                (lambda: torch.softmax(x, dim))
            row = [f"{name} {'x'.join(map(str, shape))} dim {dim}:"]
            row.append(f"torch {timing.device_median_us(torch_fn):.1f}")
            ref = ref_b if backward else ref_f
            with gemforge.use():
                lib = torch_fn()
                row.append(f"library {timing.device_median_us(torch_fn):.1f} (err {err(lib, ref):.1e})")
            out = torch.empty_like(x)
            gr = timing.graphed(two_launch(out, y if backward else x, g, D, inner, backward, sms))
            gr()
            torch.cuda.synchronize()
            row.append(f"two launches {timing.device_median_us(gr):.1f} (err {err(out, ref):.1e})")
            variants = [(f"smem {block_k}x{block_r}w{warps}r{nreg}", out,
                         smem_onepass(out, x, D, inner, block_k, block_r, warps, nreg, sms))
                        for block_k, block_r, warps, nreg in ([] if backward or "--no-smem" in sys.argv
                                                              else SMEM_CONFIGS)
                        for out in [torch.empty_like(x)]]
            variants += [(f"{block_k}x{block_r}w{warps}", out,
                          onepass(out, y if backward else x, g if backward else None, D, inner, backward, block_k,
                                  block_r, warps, sms))
                         for block_k, block_r, warps in configs for out in [torch.empty_like(x)]]
            for label, out, run in variants:
                if run is None:
                    continue
                gr = timing.graphed(run)
                gr()
                torch.cuda.synchronize()
                us = timing.device_median_us(gr)
                row.append(f"{label} {us:.1f} ({nbytes * (1 + backward / 2) / us / 1e3:.0f} GB/s,"
                           f" err {err(out, ref):.1e})")
            print("  ".join(row), flush=True)


if __name__ == "__main__":
    main()
