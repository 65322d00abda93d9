"""Probe: elements a thread for 2-byte memory-bound ops (H200 session 12: fill_/zero_ 64M bf16 write
at 72% of copy bandwidth on both sides, bf16 neg/abs/exp read+write at 96-97% where fp32 reaches
99%). Minimal Triton kernels at BLOCK 1024..8192 and 4/8 warps, replayed from CUDA graphs, timed
as the benchmark times (gemforge/timing.py, L2 flushed clean), beside torch and GemForge's op.
    python bench/pw_block_probe.py
"""
import statistics

import torch
import triton
import triton.language as tl

import gemforge
from gemforge import timing

N = 1 << 26


@triton.jit
def fill_kernel(out, v, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tl.store(out + offs, tl.full([BLOCK], 0, tl.float32).to(out.dtype.element_ty) + v)


@triton.jit
def neg_kernel(out, x, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tl.store(out + offs, -tl.load(x + offs))


@triton.jit
def add_kernel(out, x, y, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tl.store(out + offs, tl.load(x + offs) + tl.load(y + offs))


def us(fn):
    return 1e3 * statistics.median(timing.device_samples_ms(fn, 20, 100))


def main():
    print(torch.cuda.get_device_name(), torch.__version__, triton.__version__)
    for dt in (torch.bfloat16, torch.float32):
        x = torch.randn(N, device="cuda").to(dt)
        y = torch.randn(N, device="cuda").to(dt)
        out = torch.empty_like(x)
        cases = {"fill": (lambda: out.fill_(1.5), lambda b: (lambda: fill_kernel[(N // b, )](out, 1.5, BLOCK=b, num_warps=w))),
                 "neg": (lambda: torch.neg(x, out=out), lambda b: (lambda: neg_kernel[(N // b, )](out, x, BLOCK=b, num_warps=w))),
                 "add": (lambda: torch.add(x, y, out=out), lambda b: (lambda: add_kernel[(N // b, )](out, x, y, BLOCK=b, num_warps=w)))}
        for name, (torch_fn, make) in cases.items():
            t = us(torch_fn)
            with gemforge.use():
                g = us(torch_fn)
            line = f"{name} {str(dt)[6:]:9s} torch {t:6.1f} op {g:6.1f} |"
            for w in (4, 8):
                for b in (1024, 2048, 4096, 8192):
                    k = us(timing.graphed(make(b)))
                    line += f" {b}/{w}w {k:6.1f}"
            print(line, flush=True)
    # store-only through the op at 1 and 2 bytes (core.cpp flat_block: 32 bytes a thread)
    for dt in (torch.uint8, torch.bool, torch.int16, torch.bfloat16):
        out = torch.empty(N, device="cuda", dtype=dt)
        t = us(lambda: out.fill_(1))
        with gemforge.use():
            g = us(lambda: out.fill_(1))
        print(f"fill_ {str(dt)[6:]:9s} torch {t:6.1f} op {g:6.1f}  x{t / g:5.2f}", flush=True)


if __name__ == "__main__":
    main()
