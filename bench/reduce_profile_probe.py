"""Session 18: the kernels of the issue-4 rows furthest below the copy bandwidth (bench: 33-67 MB
inputs at 35-60%), both sides, by torch.profiler (averages over 10 calls), with a plain copy of
the same bytes for scale.

Session 21: the larger rows still under 85% (batch_norm, group_norm 32x128x56x56, argmax
32768x4096); a case runs when its name contains one of the arguments (all without arguments).

    python bench/reduce_profile_probe.py [name part ...]   (needs the built core and a GPU)
"""
import contextlib
import sys

import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile

import gemforge

BF16 = torch.bfloat16
CASES = [
    ("clone 4096x4096", lambda x: x.clone(), (4096, 4096)),
    ("sum 4096x4096 dim=0", lambda x: x.sum(0), (4096, 4096)),
    ("sum 4096x4096 dim=-1", lambda x: x.sum(-1), (4096, 4096)),
    ("var 4096x4096 dim=0", lambda x: x.var(0), (4096, 4096)),
    ("argmax 4096x4096 dim=0", lambda x: x.argmax(0), (4096, 4096)),
    ("amax 4096x4096 dim=0", lambda x: x.amax(0), (4096, 4096)),
    ("sum 1048576x32 dim=0", lambda x: x.sum(0), (1048576, 32)),
    ("softmax 32x262144", lambda x: x.softmax(-1), (32, 262144)),
    ("group_norm 8x256x64x64", lambda x: F.group_norm(x, 32), (8, 256, 64, 64)),
    ("group_norm 32x128x56x56", lambda x: F.group_norm(x, 32), (32, 128, 56, 56)),
    ("batch_norm 64x256x56x56", lambda x: F.batch_norm(x, None, None, training=True), (64, 256, 56, 56)),
    ("argmax 32768x4096 dim=-1", lambda x: x.argmax(-1), (32768, 4096)),
    ("amax 32768x4096 dim=-1", lambda x: x.amax(-1), (32768, 4096)),
]


def main(args):
    for name, fn, shape in CASES:
        if args and not any(a in name for a in args):
            continue
        x = torch.randn(shape, device="cuda", dtype=BF16)
        for use in (True, False):
            with gemforge.use() if use else contextlib.nullcontext():
                for _ in range(3):
                    fn(x)
                torch.cuda.synchronize()
                with profile(activities=[ProfilerActivity.CUDA]) as prof:
                    for _ in range(10):
                        fn(x)
                    torch.cuda.synchronize()
            rows = [(e.key, e.device_time_total / e.count, e.count) for e in prof.key_averages()
                    if e.device_time_total > 0]
            total = sum(t * c for _, t, c in rows) / 10
            print(f"== {name} bf16 {'gemforge' if use else 'torch'}: {total:.1f} us a call")
            for key, t, c in sorted(rows, key=lambda r: -r[1] * r[2]):
                print(f"   {t:8.1f} us x{c // 10:<2d} {key[:90]}")


if __name__ == "__main__":
    main(sys.argv[1:])
