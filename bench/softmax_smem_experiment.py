"""Softmax family on many wide rows with each part held in shared memory, not registers (issue 4:
softmax 256x131072 bf16 at 56% of copy bandwidth, log_softmax 62%, their backward 71-73%).

    python3 bench/softmax_smem_experiment.py [KxD ...] [--no-pipe] [--zero-only]   (sm_90 GPU; needs the
                                                                                     built core)

Until session 28 the library's one-pass kernel held a part of 8192 elements in registers while it
waited for the row's other parts: 48 registers, 5 programs an SM, and Nsight Compute (session 23)
showed DRAM at 44% with a third of the stalls on that wait. Session 28 wrote the same protocol (an
atomic ticket hands out (row, part); the part publishes its statistics; it waits until the row's
P parts have published; it writes its part) in Gluon with the part copied into shared memory by
cp.async: no registers hold the data while a program waits, so an SM runs as many programs as its
shared memory holds (227 KB: six parts of 32 KB), and all of a program's loads are in flight at
once. The statistics are two sweeps over shared memory (the max, then the sum of exp relative to
it; the backward: one sum), the write a third. That kernel is now the library's
(kernels/softmax.py softmax_rows_smem_kernel); "smem PART=.. w=.." rows launch it at other part
sizes, warps and register caps, "bufs .." rows the forward with one shared-memory allocation a
chunk, waiting for each chunk or ("once") for the whole part (smem_bufs_kernel, session 29;
session 30 at 256 x 131072: 45.3 / 45.0 us per chunk against the library's 46.5, 82-99 us once:
the per-chunk barriers were not the forward's loss), "pipe .." rows a persistent two-buffer form
(below). "zeroed outside / inside" rows (--zero-only: these and the library alone) time the
library's configuration with the ticket buffer zeroed before the timer's start event or inside
the timed call: the cost of a zeroing launch, which session 30 measured at 1.2-2.8 us and took
out of the library (the kernel zeroes its counters itself).

Session 28, H200, 256 x 131072 bf16, us (the register kernel -> the best smem row -> the best pipe
row): softmax 56.2 -> 49.6 (PART 16384, 8 warps) -> 53.2; log_softmax 51.3 -> 45.9 (8192, 4
warps; 47.7 at 16384, 8) -> 47.2; softmax backward 64.3 -> 58.8 (16384, 8) -> 60.5; log_softmax
backward 66.1 -> 60.5 (16384, 8) -> 60.8. 32 x 262144 (the split path, fewer rows than SMs):
18.7 us against 19.6 at best.

Rows: torch, the library ("gemforge") and the variants, checked against torch;
the benchmark's timer (L2 flushed clean before each call); the variants replayed from a CUDA
graph with the ticket buffer's zeroing inside (as the library's host path zeroes it).
"""
import sys

import torch
import triton
from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon.language.nvidia.ampere import async_copy

import gemforge
import gemforge.kernels.softmax as sk
from gemforge import timing
from softmax_experiment import errors, op_cases

SHAPES = [(256, 131072), (32, 262144), (4096, 32000)]
# (PART elements, warps, maxnreg or 0) for the forward and for the backward (two tensors in shared
# memory). Session 29: the kernel's forward takes 51 registers after its instruction diet, so 4
# programs of 8 warps fit an SM; 48 registers fit 5, 40 fit 6 (shared memory holds 6 of 32 KB).
FWD_VARIANTS = [(16384, 8, 40), (16384, 8, 48), (16384, 8, 0), (16384, 4, 0), (8192, 4, 0)]
BWD_VARIANTS = [(16384, 8, 0), (8192, 8, 0), (8192, 8, 40), (8192, 4, 0)]
# the persistent two-buffer kernel: (PART, warps, programs an SM, maxnreg); the registers let
# shared memory set the programs an SM (two buffers of PART elements, twice for the backward)
PIPE_FWD = [(16384, 8, 3, 80), (8192, 4, 6, 80), (8192, 8, 6, 40), (16384, 4, 3, None), (8192, 4, 5, None)]
PIPE_BWD = [(8192, 8, 3, None), (8192, 4, 3, None), (4096, 4, 6, None), (4096, 8, 6, 40)]


@gluon.jit
def _issue(xs, gs, x, g, D, t, P, offs, BACKWARD: gl.constexpr, PART: gl.constexpr, NCH: gl.constexpr,
           CHUNK: gl.constexpr):
    """Start the copies of ticket t's part into xs (gs), one commit group a chunk."""
    row = t // P
    base = row.to(gl.int64) * D
    lo = (t - row * P) * PART
    for c in gl.static_range(NCH):
        j = lo + c * CHUNK + offs
        sk._copy_chunk(xs, x + base, j, c, D, CHUNK, True)
        if BACKWARD:
            sk._copy_chunk(gs, g + base, j, c, D, CHUNK, True)
        async_copy.commit_group()


@gluon.jit
def smem_pipe_kernel(out, x, g, ws, sync, D, TOTAL, BACKWARD: gl.constexpr, LOG: gl.constexpr,
                     PART: gl.constexpr, VEC: gl.constexpr, BLOCK_P: gl.constexpr):
    """Persistent form of the library's softmax_rows_smem_kernel (grid = programs resident): a
    program loops over tickets with two buffers. It takes ticket t, and after publishing t's
    statistics it takes the next ticket and starts that part's copies into the other buffer
    before it waits for t's row and writes t, so the SM keeps loading while the program waits.
    Forward progress: every ticket a program has taken is published before the program waits
    (its copies need nobody), so a wait can only be on the last row handed out, and with more
    than P / 2 programs resident that row's tickets are not all held by waiting programs.
    TOTAL = rows * P; rows 16-byte aligned (cp.async) and whole parts (no _fill_tail)."""
    W: gl.constexpr = gl.num_warps()
    CHUNK: gl.constexpr = VEC * 32 * W
    NCH: gl.constexpr = PART // CHUNK
    layout: gl.constexpr = gl.BlockedLayout([VEC], [32], [W], [0])
    shared: gl.constexpr = gl.SwizzledSharedLayout(1, 1, 1, [0])
    xb = gl.allocate_shared_memory(x.dtype.element_ty, [2, PART], shared)
    gb = gl.allocate_shared_memory(g.dtype.element_ty, [2 if BACKWARD else 1, PART], shared)
    P = gl.cdiv(D, PART)
    offs = gl.arange(0, CHUNK, layout)
    t = gl.atomic_add(sync, 1, sem="relaxed")
    cur = 0
    if t < TOTAL:
        _issue(xb.index(0), gb.index(0), x, g, D, t, P, offs, BACKWARD, PART, NCH, CHUNK)
    while t < TOTAL:
        row = t // P
        part = t - row * P
        lo = part * PART
        xs = xb.index(cur)
        gs = gb.index(cur if BACKWARD else 0)
        async_copy.wait_group(0)
        a, b = sk._smem_part_stats(xs, gs, BACKWARD, LOG, NCH, CHUNK, layout, False)
        count, cnt = sk._publish(ws, sync, row, part, P, a, b)
        t2 = gl.atomic_add(sync, 1, sem="relaxed")
        if t2 < TOTAL:
            _issue(xb.index(1 - cur), gb.index((1 - cur) if BACKWARD else 0), x, g, D, t2, P, offs, BACKWARD, PART,
                   NCH, CHUNK)
        m, s = sk._wait_row_stats(ws, count, cnt, row, P, BACKWARD, BLOCK_P)
        sk._smem_write(out + row.to(gl.int64) * D, xs, gs, lo, offs, D, m, s, BACKWARD, LOG, NCH, CHUNK, layout)
        gl.thread_barrier()  # every thread has read this buffer before the next copies into it
        t = t2
        cur = 1 - cur


@gluon.jit
def smem_bufs_kernel(out, x, ws, sync, D, LOG: gl.constexpr, PART: gl.constexpr, BLOCK_P: gl.constexpr,
                     WAIT_EACH: gl.constexpr):
    """The forward of the library's softmax_rows_smem_kernel with one shared-memory allocation a
    chunk instead of one a part (whole, 16-byte aligned parts only: no masks, no tail). The
    conversion to LLVM cannot tell slices of one allocation apart, so the library's kernel has a
    BAR.SYNC after each chunk's copy (write after write) and after each chunk's wait (read after
    write): 15 in its copy and first sweep. Separate allocations drop the first 7; WAIT_EACH =
    False (one wait for the whole part, giving up reading chunk 0 while the others land) leaves 1
    (bench/NOTES.md, session 29; static BAR.SYNC counts of the whole bf16 kernel: 18 / 11)."""
    W: gl.constexpr = gl.num_warps()
    VEC: gl.constexpr = 128 // x.dtype.element_ty.primitive_bitwidth
    CHUNK: gl.constexpr = VEC * 32 * W
    NCH: gl.constexpr = PART // CHUNK
    layout: gl.constexpr = gl.BlockedLayout([VEC], [32], [W], [0])
    shared: gl.constexpr = gl.SwizzledSharedLayout(1, 1, 1, [0])
    bufs = ()
    for c in gl.static_range(NCH):
        bufs = bufs + (gl.allocate_shared_memory(x.dtype.element_ty, [CHUNK], shared), )
    P = gl.cdiv(D, PART)
    t = gl.atomic_add(sync, 1, sem="relaxed")
    row = t // P
    part = t - row * P
    base = row.to(gl.int64) * D + part * PART
    offs = gl.arange(0, CHUNK, layout)
    for c in gl.static_range(NCH):
        async_copy.async_copy_global_to_shared(bufs[c], x + base + c * CHUNK + offs)
        async_copy.commit_group()
    if not WAIT_EACH:
        async_copy.wait_group(0)
    mv = gl.full([CHUNK], -float("inf"), gl.float32, layout)
    for c in gl.static_range(NCH):
        if WAIT_EACH:
            async_copy.wait_group(NCH - 1 - c)
        mv = gl.maximum(mv, bufs[c].load(layout).to(gl.float32))
    a = gl.max(mv, 0)
    a_safe = gl.where(a == -float("inf"), 0.0, a)
    sv = gl.zeros([CHUNK], gl.float32, layout)
    for c in gl.static_range(NCH):
        sv += sk._exp2_ftz((bufs[c].load(layout).to(gl.float32) - a_safe) * 1.4426950408889634)
    count, cnt = sk._publish(ws, sync, row, part, P, a, gl.sum(sv, 0))
    m, s = sk._wait_row_stats(ws, count, cnt, row, P, False, BLOCK_P)
    for c in gl.static_range(NCH):
        v = bufs[c].load(layout).to(gl.float32)
        if LOG:
            r = v - m - gl.log(s)
        else:
            r = sk._exp2_ftz((v - m) * 1.4426950408889634 - gl.log2(s))
        gl.store(out + base + c * CHUNK + offs, r.to(out.dtype.element_ty))


def _buffers(x, parts):
    """The output, the parts' statistics and the zeroed ticket / counts of a launch over x's rows."""
    K = x.shape[0]
    return (torch.empty_like(x), torch.empty(K, parts, 2, device=x.device, dtype=torch.float32),
            torch.zeros(1 + K, device=x.device, dtype=torch.int32))


def pipe_fn(op, x, g, y, part, warps, per_sm, maxnreg):
    K, D = x.shape
    parts = triton.cdiv(D, part)
    programs = min(per_sm * torch.cuda.get_device_properties(0).multi_processor_count, K * parts)
    if parts < 2 or 2 * programs <= parts or D % part:
        return None
    out, ws, sync = _buffers(x, parts)
    bwd = op.endswith("bwd")

    def run():
        sync.zero_()
        smem_pipe_kernel[(programs, )](out, y if bwd else x, g, ws, sync, D, K * parts, BACKWARD=bwd,
                                       LOG=op.startswith("log"), PART=part, VEC=16 // x.element_size(),
                                       BLOCK_P=max(16, triton.next_power_of_2(parts)), num_warps=warps,
                                       **({"maxnreg": maxnreg} if maxnreg else {}))
        return out
    return run


def smem_fn(op, x, g, y, part, warps, maxnreg, zero=True):
    """The library's softmax_rows_smem_kernel at PART = part, `warps` warps (op_utils.h
    kOnepassPartBytes / element size, kOnepassWarps), registers capped at maxnreg (0: no cap).
    zero=False: the launch alone; the caller zeroes run.sync before each call."""
    K, D = x.shape
    parts = triton.cdiv(D, part)
    if parts < 2 or parts > torch.cuda.get_device_properties(0).multi_processor_count:
        return None
    out, ws, sync = _buffers(x, parts)
    bwd = op.endswith("bwd")

    def run():
        if zero:
            sync.zero_()
        sk.softmax_rows_smem_kernel[(K * parts, )](out, y if bwd else x, g if bwd else None, ws, sync, D,
                                                   BACKWARD=bwd, LOG=op.startswith("log"), PART=part,
                                                   ASYNC=D % 16 == 0,
                                                   BLOCK_P=max(16, triton.next_power_of_2(parts)), num_warps=warps,
                                                   **({"maxnreg": maxnreg} if maxnreg else {}))
        return out
    run.sync = sync
    return run


def zeroed_outside_us(run, reps=200):
    """Median device time of run's launch alone (replayed from a CUDA graph), its ticket buffer
    zeroed after the L2 flush and before the start event: what the launch costs without the
    zeroing kernel that the library's host path (and the other rows) put before it."""
    run.sync.zero_()
    run()
    torch.cuda.synchronize()
    run.sync.zero_()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        run()
    replay = graph.replay
    flush = timing._flush("clean")
    times = []
    for _ in range(reps + 10):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        flush()
        run.sync.zero_()
        start.record()
        replay()
        end.record()
        times.append((start, end))
    torch.cuda.synchronize()
    return 1e3 * sorted(s.elapsed_time(e) for s, e in times[10:])[reps // 2]


def bufs_fn(op, x, part, warps, maxnreg, wait_each):
    """smem_bufs_kernel (forward, whole aligned parts) at the library's configuration."""
    K, D = x.shape
    parts = triton.cdiv(D, part)
    if op.endswith("bwd") or parts < 2 or parts > torch.cuda.get_device_properties(0).multi_processor_count \
            or D % part:
        return None
    out, ws, sync = _buffers(x, parts)

    def run():
        sync.zero_()
        smem_bufs_kernel[(K * parts, )](out, x, ws, sync, D, LOG=op.startswith("log"), PART=part,
                                        BLOCK_P=max(16, triton.next_power_of_2(parts)), WAIT_EACH=wait_each,
                                        num_warps=warps, **({"maxnreg": maxnreg} if maxnreg else {}))
        return out
    return run


def main():
    props = torch.cuda.get_device_properties(0)
    print(f"# {props.name}, {props.multi_processor_count} SMs, torch {torch.__version__}, triton {triton.__version__}")
    print(f"{'shape':>12} {'op':>16} {'variant':>24} {'us':>8} {'torch us':>8} {'speedup':>7} {'%copy':>6} "
          f"{'max err':>9} {'bad':>4}")
    zero_only = "--zero-only" in sys.argv  # the library and the zeroing rows alone
    args = [a for a in sys.argv[1:] if a not in ("--no-pipe", "--zero-only")]
    pipe = "--no-pipe" not in sys.argv
    shapes, bw = timing.probe_start(args, SHAPES)
    for K, D, op, x, g, y, tfn, ref, t_torch, lib in op_cases(shapes):
        bwd = op.endswith("bwd")
        nbytes = x.numel() * x.element_size() * (3 if bwd else 2)
        rows = [("gemforge", *lib)]
        variants = [(f"smem PART={part} w={warps} r{nreg}", smem_fn(op, x, g, y, part, warps, nreg))
                    for part, warps, nreg in (BWD_VARIANTS if bwd else FWD_VARIANTS)]
        variants += [(f"bufs{'' if each else ' once'} PART={part} w={warps} r{nreg}",
                      bufs_fn(op, x, part, warps, nreg, each))
                     for part, warps, nreg in FWD_VARIANTS[:2] for each in (True, False)]
        variants += [(f"pipe {part} w{warps} p{per_sm} r{nreg}", pipe_fn(op, x, g, y, part, warps, per_sm, nreg))
                     for part, warps, per_sm, nreg in (PIPE_BWD if bwd else PIPE_FWD) if pipe]
        lib_part, lib_warps, lib_nreg = (BWD_VARIANTS if bwd else FWD_VARIANTS)[0]
        lib_fn = smem_fn(op, x, g, y, lib_part, lib_warps, lib_nreg, zero=False)
        if lib_fn is not None:  # session 30: the cost of the zeroing launch
            us = zeroed_outside_us(lib_fn)
            lib_fn.sync.zero_()
            rows.append((f"zeroed outside {lib_part} w={lib_warps} r{lib_nreg}", us, lib_fn().clone()))
            zero_in = smem_fn(op, x, g, y, lib_part, lib_warps, lib_nreg)
            rows.append((f"same, zeroed inside", zeroed_outside_us(zero_in), zero_in().clone()))
        for label, fn in [] if zero_only else variants:
            if fn is None:
                continue
            try:
                got = fn().clone()
                rows.append((label, timing.device_median_us(timing.graphed(fn), 10, 40), got))
            except Exception as e:  # noqa: BLE001
                print(f"  {label} {op} failed: {type(e).__name__}: {str(e)[:300]}", flush=True)
        for label, t, got in rows:
            err, bad = errors(got, ref)
            pct = 100 * nbytes / (t * 1e-6) / 1e9 / bw
            print(f"{K}x{D:>7} {op:>16} {label:>24} {t:8.1f} {t_torch:8.1f} {t_torch / t:7.2f} {pct:6.0f} "
                  f"{err:9.2e} {bad:4d}", flush=True)


if __name__ == "__main__":
    main()
