"""What share of "bytes / copy bandwidth" a kernel that only reads can reach, by size and L2 flush.

    python3 bench/read_floor_experiment.py

The decode bar (issue 5) and the reduction bar (issue 4) compare a kernel that reads B bytes with
B / (measured copy bandwidth). This times the simplest such kernel (each program sums a contiguous
slice, one fp32 partial per program) over several grids, torch.sum, and a copy of the same bytes,
at the benchmark's sizes, under both L2 flushes of gemforge/timing.py.
"""
import importlib.util
import os

import torch
import triton
import triton.language as tl

_TIMING_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "gemforge", "timing.py")
_spec = importlib.util.spec_from_file_location("gemforge_timing", _TIMING_PY)
timing = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(timing)


@triton.jit
def read_sum(x, partial, n, per_program, BLOCK: tl.constexpr, EVICT: tl.constexpr):
    pid = tl.program_id(0)
    start = pid * per_program
    offs = tl.arange(0, BLOCK)
    acc = tl.zeros((BLOCK, ), tl.float32)
    for k in range(start, start + per_program, BLOCK):
        if EVICT:
            v = tl.load(x + k + offs, mask=k + offs < n, other=0.0, eviction_policy="evict_first")
        else:
            v = tl.load(x + k + offs, mask=k + offs < n, other=0.0)
        acc += v.to(tl.float32)
    tl.store(partial + pid, tl.sum(acc))


def main():
    sms = torch.cuda.get_device_properties(0).multi_processor_count
    src = torch.empty(2**30, dtype=torch.uint8, device="cuda")
    dst = torch.empty_like(src)
    copy_us = timing.device_median_us(lambda: dst.copy_(src), 20, 100, "clean")
    bw = 2 * 2**30 / copy_us / 1e3  # GB/s
    del src, dst
    print(f"copy bandwidth {bw:.0f} GB/s, {sms} SMs")
    sizes = [("4096x4096 bf16", 4096 * 4096), ("14336x4096 bf16", 14336 * 4096), ("8192x8192 bf16", 8192 * 8192),
             ("28672x8192 bf16", 28672 * 8192), ("128256x4096 bf16", 128256 * 4096)]
    for name, n in sizes:
        x = torch.randn(n, device="cuda", dtype=torch.bfloat16)
        floor = 2 * n / bw / 1e3
        print(f"{name}: {2 * n / 2**20:.1f} MiB, floor {floor:.1f} us")
        for flush in ("clean", "zero"):
            res = [(timing.device_median_us(lambda: x.sum(), 10, 50, flush), "torch.sum")]
            for block, warps in ((2048, 4), (4096, 8), (8192, 8)):
                for programs in (sms, 2 * sms, 4 * sms, 8 * sms, 16 * sms):
                    per = triton.cdiv(triton.cdiv(n, programs), block) * block
                    grid = triton.cdiv(n, per)
                    part = torch.empty(grid, device="cuda", dtype=torch.float32)
                    for evict in (False, True):
                        f = lambda: read_sum[(grid, )](x, part, n, per, BLOCK=block, EVICT=evict,  # noqa: E731
                                                       num_warps=warps)
                        res.append((timing.device_median_us(f, 10, 50, flush),
                                    f"read_sum block {block} warps {warps} programs {grid} evict {evict}"))
            res.sort()
            for us, what in res[:3] + [r for r in res if r[1] == "torch.sum"]:
                print(f"  {flush:5s} {us:7.1f} us {100 * floor / us:4.0f}%  {what}")


if __name__ == "__main__":
    main()
