"""Device time of one call, the way the benchmark and the offline tuners measure it (GPU only).

Before every timed call the L2 cache is flushed, so that the call reads its inputs from memory.
Two flushes:
  "clean" (the default): a 256 MB buffer is read. L2 then holds only clean lines, like a model's
          L2 after it read other weights; the call pays for its own traffic and nothing else.
  "zero":  the 256 MB buffer is written, as triton.testing.do_bench does. The last ~L2-sized part
          of that write is still dirty when the call starts, and every line the call brings in
          first writes one of those back: a kernel that reads less than the L2 size (a 4096 x 4096
          decode weight, a 32 MB reduction input) moves about twice its own bytes.
No imports from the package: bench/*.py tuners load this file by path (they run without the core).
"""
import statistics

import torch
import triton
import triton.language as tl

FLUSH_BYTES = 256 * 2**20
_FLUSH_BLOCK = 4096
_flush_buffer = {}


@triton.jit
def _flush_read_kernel(buf, partial, BLOCK: tl.constexpr):
    v = tl.load(buf + tl.program_id(0) * BLOCK + tl.arange(0, BLOCK))
    tl.store(partial + tl.program_id(0), tl.sum(v))


@triton.jit
def _flush_write_kernel(buf, BLOCK: tl.constexpr):
    tl.store(buf + tl.program_id(0) * BLOCK + tl.arange(0, BLOCK), tl.zeros([BLOCK], tl.float32))


def _flush(kind):
    """The flush as a callable. Its own Triton kernels, not a torch op: a torch op would be
    GemForge's kernel on GemForge's side of a comparison and ATen's on torch's, and the flush's
    kernel changes the next kernel's time (session 12: plain ops 64M read 1% slower after
    GemForge's sum than after ATen's, the same kernel after the same flush on both sides 1.000x)."""
    if kind not in ("clean", "zero"):
        raise ValueError(f"l2 flush must be 'clean' or 'zero', not {kind!r}")
    if "buf" not in _flush_buffer:
        n = FLUSH_BYTES // 4
        _flush_buffer["buf"] = torch.ones(n, dtype=torch.float32, device="cuda")
        _flush_buffer["partial"] = torch.empty(n // _FLUSH_BLOCK, dtype=torch.float32, device="cuda")
    buf, partial = _flush_buffer["buf"], _flush_buffer["partial"]
    grid = (buf.numel() // _FLUSH_BLOCK, )
    if kind == "clean":
        return lambda: _flush_read_kernel[grid](buf, partial, BLOCK=_FLUSH_BLOCK)
    return lambda: _flush_write_kernel[grid](buf, BLOCK=_FLUSH_BLOCK)


def device_samples_ms(fn, warmup_ms=25, rep_ms=100, l2_flush="clean"):
    """Device times of fn() in ms, one per call, each after an L2 flush (CUDA events around the
    call alone). Counts like do_bench: a first estimate sets how many calls fill warmup_ms and
    rep_ms."""
    flush = _flush(l2_flush)
    fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(5):
        flush()
        fn()
    end.record()
    torch.cuda.synchronize()
    estimate = max(start.elapsed_time(end) / 5, 1e-3)
    for _ in range(max(1, int(warmup_ms / estimate))):
        fn()
    reps = max(1, int(rep_ms / estimate))
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    for i in range(reps):
        flush()
        starts[i].record()
        fn()
        ends[i].record()
    torch.cuda.synchronize()
    return [s.elapsed_time(e) for s, e in zip(starts, ends)]


def device_median_us(fn, warmup_ms=25, rep_ms=100, l2_flush="clean"):
    return 1e3 * statistics.median(device_samples_ms(fn, warmup_ms, rep_ms, l2_flush))


@triton.jit
def _read_tile_kernel(x, partial, n, TILE: tl.constexpr):
    i = tl.program_id(0).to(tl.int64) * TILE + tl.arange(0, TILE)
    tl.store(partial + tl.program_id(0), tl.sum(tl.load(x + i, mask=i < n, other=0.0).to(tl.float32)))


def read_only_us(nbytes, warmup_ms=25, rep_ms=100, l2_flush="clean"):
    """Device time of the fastest plain read of nbytes (bf16) that this timer measures: one tile a
    program with all its loads issued at once, the best of three tile sizes (the fastest read
    of 32-112 MiB in bench/read_ramp_experiment.py, session 25). What a kernel that must read
    nbytes can reach here: a 32 MiB read measures ~66% of nbytes / copy bandwidth on an H200,
    where ~3 us go to the launch between the timer's events."""
    n = nbytes // 2
    x = torch.ones(n, dtype=torch.bfloat16, device="cuda")
    best = float("inf")
    for tile, warps in ((4096, 4), (8192, 8), (16384, 8)):
        grid = (triton.cdiv(n, tile), )
        partial = torch.empty(grid[0], dtype=torch.float32, device="cuda")
        best = min(best, device_median_us(lambda: _read_tile_kernel[grid](x, partial, n, TILE=tile, num_warps=warps),
                                          warmup_ms, rep_ms, l2_flush))
    del x
    torch.cuda.empty_cache()
    return best


def copy_us(nbytes, warmup_ms=25, rep_ms=100, l2_flush="clean"):
    """Device time of torch's device-to-device copy that moves nbytes (half read, half written),
    timed as every call here: the reference beside a memory-bound row of that many bytes (at 32
    MiB an H200 copy measures ~65% of nbytes / copy bandwidth, at 64 MiB ~85%)."""
    src = torch.empty(max(1, nbytes // 2), dtype=torch.uint8, device="cuda").random_(0, 255)
    dst = torch.empty_like(src)
    us = device_median_us(lambda: dst.copy_(src), warmup_ms, rep_ms, l2_flush)
    del src, dst
    torch.cuda.empty_cache()
    return us


def copy_bandwidth_gbs(nbytes=2**30, warmup_ms=25, rep_ms=100, l2_flush="clean"):
    """Device-to-device copy bandwidth in GB/s (bytes read + written): the roofline reference of
    the benchmark and the tuners."""
    return 2 * nbytes / (copy_us(2 * nbytes, warmup_ms, rep_ms, l2_flush) * 1e-6) / 1e9


def probe_start(args, default_shapes):
    """The probes' common start: the shapes named on the command line ("4096x32000": ints split at
    "x"; others are flags) or the defaults, and the copy bandwidth in GB/s, printed."""
    shapes = [tuple(map(int, a.split("x"))) for a in args if "x" in a and not a.startswith("-")] or default_shapes
    bw = copy_bandwidth_gbs()
    print(f"copy bandwidth {bw:.0f} GB/s", flush=True)
    return shapes, bw


def graphed(fn):
    """A callable replaying fn's launches from a CUDA graph (captured once, after a warm-up call).
    For experiments that launch Triton kernels from Python: its launcher takes longer a launch
    than short kernels run, so fn() timed directly measures the device waiting for the host
    between launches (GemForge's C++ launches queue ahead of the device)."""
    fn()
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        fn()
    return graph.replay


def time_candidates(runs, check, warmup_ms=10, rep_ms=60):
    """{key: device median in us} of the candidates in runs ({key: callable launching it}) that
    compile, run and then pass check(), each replayed from a CUDA graph; the others are printed
    (too many registers or too much shared memory: skip; a wrong result: WRONG). For the probes."""
    times = {}
    for key, run in runs.items():
        try:
            run()
            torch.cuda.synchronize()
        except Exception as e:  # noqa: BLE001  (registers, shared memory)
            print(f"  skip {key}: {type(e).__name__}", flush=True)
            continue
        if not check():
            print(f"  WRONG {key}", flush=True)
            continue
        times[key] = device_median_us(graphed(run), warmup_ms, rep_ms)
    return times
