"""Probe: why plain bf16 ops read 1-2% slower than torch's (issue 3: device time <= torch's for
every op; bench/NOTES.md, session 11). One GPU call, about a minute:

    python bench/plain_gap_probe.py        (needs the built package: scripts/install.sh)

neg 64M bf16 (one read, one write), each timed as the benchmark times ops (L2 flushed clean
before each call, gemforge/timing.py) and some without the flush:
  torch / op                  torch.neg and GemForge's op (C++ launch), as in the benchmark
  copy kernel, <variant>      a minimal Triton negation at the op's launch shape (BLOCK 1024,
                              4 warps) from Python, replayed from a CUDA graph so that the Python
                              launcher's cost is out: default loads, cache_modifier ".cg" (L2
                              only), ".ca", eviction_policy "evict_last"; stores with ".cs"
  x10 back to back            10 calls between two events, no flush, per call: what a fixed
                              per-launch cost adds (torch, op, and both graphed)
Last, torch's neg kernel as the profiler reports it: name, grid, block, registers a thread.
"""
import statistics

import torch
import triton
import triton.language as tl

import gemforge
from gemforge import timing

N = 1 << 26


@triton.jit
def neg_kernel(out, x, n, BLOCK: tl.constexpr, LOAD: tl.constexpr, STORE: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    if LOAD == 1:
        v = tl.load(x + offs, cache_modifier=".cg")
    elif LOAD == 2:
        v = tl.load(x + offs, cache_modifier=".ca")
    elif LOAD == 3:
        v = tl.load(x + offs, eviction_policy="evict_last")
    else:
        v = tl.load(x + offs)
    if STORE == 1:
        tl.store(out + offs, -v, cache_modifier=".cs")
    else:
        tl.store(out + offs, -v)


def flushed_us(fn):
    return 1e3 * statistics.median(timing.device_samples_ms(fn, 20, 100))


def back_to_back_us(fn, calls=10, reps=30):
    """Per-call device time of `calls` calls between two events (no flush: 128 MiB each way
    overflows L2 anyway)."""
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(calls):
            fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end) * 1e3 / calls)
    return statistics.median(times)


def torch_kernel_launch():
    x = torch.randn(N, device="cuda").to(torch.bfloat16)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
        torch.neg(x)
        torch.cuda.synchronize()
    for e in prof.events():
        if e.device_type == torch.autograd.DeviceType.CUDA:
            print(f"torch kernel: {e.name[:110]}")
    # grid, block and registers are in the exported trace's kernel args
    import json
    import os
    import tempfile
    path = os.path.join(tempfile.mkdtemp(), "trace.json")
    prof.export_chrome_trace(path)
    for ev in json.load(open(path))["traceEvents"]:
        if ev.get("cat") == "kernel":
            a = ev.get("args", {})
            print(f"  grid {a.get('grid')} block {a.get('block')} registers {a.get('registers per thread')} "
                  f"shared {a.get('shared memory')} occupancy {a.get('est. achieved occupancy %')}")


def main():
    print(torch.cuda.get_device_name(), torch.__version__, triton.__version__)
    torch.manual_seed(0)
    x = torch.randn(N, device="cuda").to(torch.bfloat16)
    out = torch.empty_like(x)
    rows = [("torch", flushed_us(lambda: torch.neg(x)))]
    with gemforge.use():
        rows.append(("op", flushed_us(lambda: torch.neg(x))))
        rows.append(("op out=", flushed_us(lambda: torch.neg(x, out=out))))
        op_b2b = back_to_back_us(lambda: torch.neg(x, out=out))
        op_graph = timing.graphed(lambda: torch.neg(x, out=out))
    grid = (N // 1024, )
    for label, load, store in (("copy kernel, default", 0, 0), ("copy kernel, .cg loads", 1, 0),
                               ("copy kernel, .ca loads", 2, 0), ("copy kernel, evict_last loads", 3, 0),
                               ("copy kernel, .cs stores", 0, 1)):
        launch = timing.graphed(lambda: neg_kernel[grid](out, x, N, BLOCK=1024, LOAD=load, STORE=store, num_warps=4))
        rows.append((label + " (graphed)", flushed_us(launch)))
    rows.append(("torch x10 back to back", back_to_back_us(lambda: torch.neg(x, out=out))))
    rows.append(("op x10 back to back", op_b2b))
    rows.append(("torch graphed x10 back to back", back_to_back_us(timing.graphed(lambda: torch.neg(x, out=out)))))
    rows.append(("op graphed x10 back to back", back_to_back_us(op_graph)))
    for label, t in rows:  # (flushed rows and back-to-back rows compare only among themselves)
        print(f"  {label:36s} {t:8.2f} us")
    torch_kernel_launch()


if __name__ == "__main__":
    main()
