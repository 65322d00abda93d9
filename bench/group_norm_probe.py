"""group_norm forward (kernels/norm.py group_norm_fwd_kernel) on NCHW input, by direct launches: a
program per (batch, group) slice [CPG, HW], held in registers (SINGLE) or walked twice in tiles,
for several tiles and warps, against what GemForge runs now (norm.cpp gn_config) and torch, bf16,
L2 flushed clean before each call, launches replayed from a CUDA graph.

Session 21 (H200, torch.profiler): 32x128x56x56 with 32 groups runs one kernel of 16.9 us (61% of
copy bandwidth): its [4, 4096] slices (3136 valid columns) are held at 16 warps (norm.cpp
gn_config: a warp per 512 elements, at most 16). 8x256x64x64: 256 slices of [8, 4096], walked
twice in [1, 4096] tiles at 8 warps (42%).

    python3 bench/group_norm_probe.py [NxCxHxW:G ...]   (needs a GPU and the built core; G = groups)
"""
import sys

import torch
import torch.nn.functional as F

import gemforge
from gemforge import timing
from gemforge.kernels.norm import group_norm_fwd_kernel as kernel

SHAPES = [(32, 128, 56, 56, 32), (8, 256, 64, 64, 32)]


def next_pow2(n):
    return 1 << (n - 1).bit_length()


def candidates(CPG, HW):
    """(SINGLE, BLOCK_C, BLOCK_HW, warps): the whole slice in registers (4..64 elements a thread),
    or tiles of 1024..8192 elements (4..32 a thread)."""
    out = []
    bc, bhw = next_pow2(CPG), next_pow2(HW)
    for w in (2, 4, 8, 16, 32):
        if 4 <= bc * bhw // (32 * w) <= 64:
            out.append((True, bc, bhw, w))
    for tile in (1024, 2048, 4096, 8192):
        thw = min(bhw, tile)
        tc = min(bc, max(1, tile // thw))
        for w in (2, 4, 8, 16):
            if 4 <= tc * thw // (32 * w) <= 32:
                out.append((False, tc, thw, w))
    return out


def main(args):
    shapes = [tuple(map(int, a.replace(":", "x").split("x"))) for a in args if "x" in a] or SHAPES
    bw = timing.copy_bandwidth_gbs()
    print(f"copy bandwidth {bw:.0f} GB/s", flush=True)
    for N, C, H, W, G in shapes:
        torch.manual_seed(0)
        x = torch.randn(N, C, H, W, device="cuda", dtype=torch.bfloat16) * 2 + 1
        CPG, HW = C // G, H * W
        floor_us = 2 * x.numel() * x.element_size() / bw / 1e3
        ref = F.group_norm(x.float(), G)
        t_torch = timing.device_median_us(lambda: F.group_norm(x, G))
        with gemforge.use():
            t_now = timing.device_median_us(lambda: F.group_norm(x, G))
        y = torch.empty_like(x)
        mean = torch.empty(N, G, device="cuda", dtype=x.dtype)
        rstd = torch.empty(N, G, device="cuda", dtype=x.dtype)

        def launcher(single, bc, bhw, w):
            return lambda: kernel[(N * G, )](y, mean, rstd, x, None, None, G, CPG, HW, 1e-5, False, False, False, bc,
                                             bhw, single, False, num_warps=w)
        runs = {cand: launcher(*cand) for cand in candidates(CPG, HW)}
        times = timing.time_candidates(runs, lambda: torch.allclose(y.float(), ref, rtol=2e-2, atol=3e-2))
        print(f"{N}x{C}x{H}x{W}, {G} groups: floor {floor_us:.1f} us; torch {t_torch:.1f} us; GemForge now "
              f"{t_now:.1f} ({100 * floor_us / t_now:.1f}%)", flush=True)
        for cand, us in sorted(times.items(), key=lambda kv: kv[1])[:8]:
            print(f"    single {cand[0]!s:5s} block [{cand[1]}, {cand[2]}] warps {cand[3]:2d}: {us:6.1f} us "
                  f"({100 * floor_us / us:5.1f}%)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
