"""Session 17: where a wide sort spends its time, kernel by kernel, on both sides (torch.profiler
averages over 5 calls of torch.sort(x, stable=True) of 16M randn in bf16 and fp32 and 16M random
int64; GemForge's radix kernels against CUB's onesweep passes in torch). Results:
bench/results/2026-11-27-h200-session17.txt (bf16 and fp32 only: int64 came after).

    python bench/sort_profile_probe.py        (needs the built core and a GPU)
    python bench/sort_profile_probe.py --ncu  (warm-up calls only, for ncu to catch the kernels)
"""
import contextlib
import sys

import torch
from torch.profiler import ProfilerActivity, profile

import gemforge


def main():
    for dt in (torch.bfloat16, torch.float32, torch.int64):
        x = (torch.randint(-2**62, 2**62, (1 << 24, ), device="cuda") if dt == torch.int64
             else torch.randn(1 << 24, device="cuda").to(dt))
        for use in (True, False):
            with gemforge.use() if use else contextlib.nullcontext():
                for _ in range(3):
                    torch.sort(x, stable=True)
                torch.cuda.synchronize()
                if "--ncu" in sys.argv:
                    continue
                with profile(activities=[ProfilerActivity.CUDA]) as prof:
                    for _ in range(5):
                        torch.sort(x, stable=True)
                    torch.cuda.synchronize()
                print(f"== {dt} {'gemforge' if use else 'torch'} (5 calls)")
                rows = [e for e in prof.key_averages() if e.device_time_total > 0]
                for e in sorted(rows, key=lambda e: -e.device_time_total)[:8]:
                    print(f"   {e.key[:60]} avg {e.device_time_total / e.count:.3f}us x{e.count}")


if __name__ == "__main__":
    main()
