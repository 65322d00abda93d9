"""Probe: does the L2 flush before each timed call favour one side? (issue 3's 1-2% plain-op gap)

Until session 12 the benchmark flushed L2 with `buf.sum()` on a 256 MB buffer inside the side's
context: on the GemForge side GemForge's own two-pass sum (loads with evict_first), on the torch
side ATen's. This times plain ops 64M, both sides pooled as the benchmark does (off, on, on, off),
after four flushes:
  own-sum     buf.sum() in the side's context (the old benchmark flush)
  complex     buf viewed as complex64 and summed: ATen's kernel on both sides (GemForge sends
              complex to ATen)
  triton      gemforge/timing.py's flush now: a Triton read kernel, the same on both sides
  evict-first the same Triton kernel with evict_first loads (as GemForge's reductions load)
Then torch.profiler's kernel durations and the gaps before each kernel for neg after own-sum.
    python bench/flush_side_probe.py
"""
import contextlib
import statistics

import torch
import triton
import triton.language as tl

import gemforge
from gemforge import timing

N = 1 << 26
BUF = torch.ones(64 * 2**20, dtype=torch.float32, device="cuda")  # 256 MB


def samples_ms(fn, flush, ctx, reps):
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    with ctx():
        for _ in range(5):
            flush()
            fn()
        for i in range(reps):
            flush()
            starts[i].record()
            fn()
            ends[i].record()
        torch.cuda.synchronize()
    return [s.elapsed_time(e) for s, e in zip(starts, ends)]


@triton.jit
def evict_first_read_kernel(buf, partial, BLOCK: tl.constexpr):
    v = tl.load(buf + tl.program_id(0) * BLOCK + tl.arange(0, BLOCK), eviction_policy="evict_first")
    tl.store(partial + tl.program_id(0), tl.sum(v))


PARTIAL = torch.empty(BUF.numel() // 4096, device="cuda")
FLUSHES = {
    "own-sum": lambda: BUF.sum(),
    "complex": lambda: BUF.view(torch.complex64).sum(),
    "triton": timing._flush("clean"),
    "evict-first": lambda: evict_first_read_kernel[(BUF.numel() // 4096, )](BUF, PARTIAL, BLOCK=4096),
}


def pair(fn, flush, reps=150):
    s = [[], []]
    for side in (0, 1, 1, 0):
        s[side] += samples_ms(fn, flush, gemforge.use if side else contextlib.nullcontext, reps)
    return (1e3 * statistics.median(x) for x in s)


def main():
    print(torch.cuda.get_device_name(), torch.__version__)
    torch.manual_seed(0)
    for dt in (torch.bfloat16, torch.float32):
        x = torch.randn(N, device="cuda").to(dt)
        y = torch.randn(N, device="cuda").to(dt)
        ops = {"neg": lambda: torch.neg(x), "add": lambda: torch.add(x, y), "clone": lambda: x.clone(),
               "sum": lambda: x.sum(), "softmax": lambda: torch.softmax(x.view(4096, -1), -1)}
        for name, fn in ops.items():
            line = f"{name:6s} {str(dt)[6:]:9s}"
            for kind, flush in FLUSHES.items():
                t, g = pair(fn, flush)
                line += f" | {kind:11s} torch {t:7.2f} gf {g:7.2f} x{t / g:5.3f}"
            print(line, flush=True)
    # kernel durations and the gap before each timed kernel (profiler timestamps, device clock)
    x = torch.randn(N, device="cuda").to(torch.bfloat16)
    for side in (0, 1):
        ctx = gemforge.use if side else contextlib.nullcontext
        with ctx():
            for _ in range(3):
                BUF.sum(); torch.neg(x)
            torch.cuda.synchronize()
            with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
                for _ in range(30):
                    BUF.sum()
                    torch.neg(x)
                torch.cuda.synchronize()
        evs = sorted([e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA],
                     key=lambda e: e.time_range.start)
        by_name, prev_end = {}, None
        for e in evs:
            d = by_name.setdefault(e.name[:70], ([], []))
            d[0].append(e.time_range.end - e.time_range.start)
            if prev_end is not None:
                d[1].append(e.time_range.start - prev_end)
            prev_end = e.time_range.end
        print(f"side {'gemforge' if side else 'torch'}:")
        for name, (durs, gaps) in by_name.items():
            print(f"  {name:70s} n={len(durs):3d} duration {statistics.median(durs):8.2f} us, "
                  f"gap before {statistics.median(gaps) if gaps else float('nan'):6.2f} us")

if __name__ == "__main__":
    main()
