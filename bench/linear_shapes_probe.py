"""F.linear at chosen M x N x K shapes through GemForge and torch side by side (device times, L2
flushed clean before each call: gemforge/timing.py), for shapes between the benchmark's buckets
or A/B checks of a tuning-table change (session 18: M = 64 and 256).

    python bench/linear_shapes_probe.py [TAG] [MxNxK ...] [--fp16]   (needs the built core and a GPU)
"""
import sys

import torch
import torch.nn.functional as F

import gemforge
from gemforge import timing

DEFAULT = ["64x8192x8192", "64x14336x4096", "64x4096x14336", "256x4096x14336", "256x8192x8192", "256x14336x4096",
           "200x8192x8192", "128x4096x14336", "128x8192x8192", "128x14336x4096"]


def main(args):
    dtype = torch.float16 if "--fp16" in args else torch.bfloat16
    shapes = [a for a in args if "x" in a and a[0].isdigit()] or DEFAULT
    tag = next((a for a in args if a not in shapes and not a.startswith("--")), "")
    for shape in shapes:
        m, n, k = map(int, shape.split("x"))
        x = torch.randn(m, k, device="cuda", dtype=dtype)
        w = torch.randn(n, k, device="cuda", dtype=dtype)
        t = timing.device_median_us(lambda: F.linear(x, w))
        with gemforge.use():
            g = timing.device_median_us(lambda: F.linear(x, w))
        print(f"{tag} {str(dtype)[6:]:9s} {shape:16s} torch {t:8.1f} us  gemforge {g:8.1f} us  {t / g:.3f}x", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
