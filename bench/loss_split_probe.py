"""Elementwise losses reduced to one value (kernels/loss.py pointwise_loss_kernel + finish_kernel,
loss.cpp plan_loss_split), by direct launches: tile width, warps and tiles a program (the programs
then follow), against the whole op through GemForge and torch, bf16, L2 flushed clean before each
call (gemforge/timing.py), launches replayed from a CUDA graph.

Session 21 (H200, full benchmark): mse_loss / l1_loss / smooth_l1_loss 4096x4096 bf16 at 66-69% of
copy bandwidth (23-24 us for 64 MB read): 1024 programs of 16 warps, 4 tiles of 4096 each, one
tile's loads in flight a program at a time.

    python3 bench/loss_split_probe.py [KxD ...]   (needs a GPU and the built core)
"""
import sys

import torch
import torch.nn.functional as F

import gemforge
from gemforge import timing
from gemforge.kernels.loss import finish_kernel, pointwise_loss_kernel

SHAPES = [(4096, 4096)]
LOSSES = {"mse_loss": (0, F.mse_loss), "smooth_l1_loss": (1, F.smooth_l1_loss), "l1_loss": (5, F.l1_loss),
          "binary_cross_entropy": (3, F.binary_cross_entropy)}
MEAN = 1


def launcher(kind, x, y, out, partials, block, warps, tiles):
    n = x.numel()
    per_program = block * tiles
    programs = -(-n // per_program)

    def run():
        pointwise_loss_kernel[(programs, )](out, partials, x, y, None, None, n, per_program, 1.0, float(n), kind, MEAN,
                                            False, False, True, False, True, block, False, num_warps=warps)
        finish_kernel[(1, )](out, None, partials, programs, float(n), MEAN, False, False,
                             min(1024, 1 << (programs - 1).bit_length()))
    return run


def main(args):
    shapes, bw = timing.probe_start(args, SHAPES)
    for K, D in shapes:
        torch.manual_seed(0)
        for name, (kind, f) in LOSSES.items():
            if kind == 3:
                x = torch.rand(K, D, device="cuda", dtype=torch.bfloat16).clamp(0.01, 0.99)
                y = torch.rand(K, D, device="cuda", dtype=torch.bfloat16)
            else:
                x = torch.randn(K, D, device="cuda", dtype=torch.bfloat16)
                y = torch.randn(K, D, device="cuda", dtype=torch.bfloat16)
            floor_us = 2 * x.numel() * x.element_size() / bw / 1e3
            ref = f(x.double(), y.double())
            t_torch = timing.device_median_us(lambda: f(x, y))
            with gemforge.use():
                t_now = timing.device_median_us(lambda: f(x, y))
            out = torch.empty((), device="cuda", dtype=torch.bfloat16)
            partials = torch.empty(x.numel() // 256, device="cuda", dtype=torch.float32)
            runs = {}
            for block in (1024, 2048, 4096, 8192):
                for warps in (4, 8, 16):
                    if not 4 <= block // (32 * warps) <= 32:
                        continue
                    for tiles in (1, 2, 4, 8):
                        runs[(block, warps, tiles)] = launcher(kind, x, y, out, partials, block, warps, tiles)
            times = timing.time_candidates(runs, lambda: abs(out.double().item() - ref.item()) <= 2e-2 * abs(ref.item()))
            print(f"{name} {K}x{D}: floor {floor_us:.1f} us; torch {t_torch:.1f} us; GemForge now {t_now:.1f} us "
                  f"({100 * floor_us / t_now:.1f}%)", flush=True)
            for key, us in sorted(times.items(), key=lambda kv: kv[1])[:8]:
                print(f"    (block, warps, tiles) {key}  {us:7.1f} us  {100 * floor_us / us:5.1f}% of copy bandwidth",
                      flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
