"""batch_norm forward in training (kernels/norm.py batch_norm_fwd_kernel) on NCHW input, by direct
launches: the statistics pass (PHASE 0) and the normalizing pass (PHASE 1) for several row splits
a channel and warps, against the whole op through GemForge and torch, bf16, L2 flushed clean
before each call (gemforge/timing.py), launches replayed from a CUDA graph. `--backward`: the
same for batch_norm_bwd_kernel in training with dx, dw and db (PHASE 0: per-split sums of dy and
dy * (x - mean); PHASE 1: dx), against native_batch_norm_backward.

Session 21 (H200, torch.profiler): 64x256x56x56 bf16 takes two launches averaging 47.1 us
(norm.cpp bn_config: 2 splits a channel, 512 programs of 8 warps, 4096-row chunks): the
statistics pass reads 103 MB with two block reductions a chunk and few loads in flight.

Session 21: the forward's rule (8 programs an SM of 4 warps) came from this probe.

    python3 bench/batch_norm_probe.py [NxCxHxW ...] [--backward]   (needs a GPU and the built core)
"""
import sys

import torch
import torch.nn.functional as F

import gemforge
from gemforge import timing
from gemforge.kernels.norm import batch_norm_bwd_kernel as bwd_kernel
from gemforge.kernels.norm import batch_norm_fwd_kernel as kernel

SHAPES = [(64, 256, 56, 56), (32, 64, 112, 112)]


CONFIGS = [(block_r, warps) for block_r in (1024, 2048, 4096) for warps in (4, 8, 16) if block_r // (32 * warps) >= 4]
SPLITS = (1, 2, 4, 8, 16, 32)


def splits_of(R, block_r, split):
    """(rows a split, splits) as norm.cpp bn_config rounds them."""
    rows = -(-(-(-R // split)) // block_r) * block_r
    return rows, -(-R // rows)


def sweep(R, make_launch, check):
    """The 8 fastest (total, PHASE 0 us, PHASE 1 us, rows, warps, splits) whose result passes check():
    make_launch(block_r, warps, rows a split, splits) gives launch(phase); PHASE 0 runs only with
    several splits (one split: PHASE 1 does it all)."""
    results = []
    for block_r, warps in CONFIGS:
        for split in SPLITS:
            rows, nsplit = splits_of(R, block_r, split)
            launch = make_launch(block_r, warps, rows, nsplit)
            if nsplit > 1:
                launch(0)
            launch(1)
            torch.cuda.synchronize()
            if not check():
                print(f"  WRONG {(block_r, warps, nsplit)}", flush=True)
                continue
            t0 = timing.device_median_us(timing.graphed(lambda: launch(0)), 10, 40) if nsplit > 1 else 0.0
            t1 = timing.device_median_us(timing.graphed(lambda: launch(1)), 10, 40)
            results.append((t0 + t1, t0, t1, block_r, warps, nsplit))
    return sorted(results)[:8]


def backward(shapes, bw):
    for N, C, H, W in shapes:
        torch.manual_seed(0)
        x = torch.randn(N, C, H, W, device="cuda", dtype=torch.bfloat16) * 2 + 1
        dy = torch.randn_like(x)
        HW, R = H * W, N * H * W
        read_us = x.numel() * x.element_size() / bw / 1e3
        _, mean, invstd = torch.ops.aten.native_batch_norm(x.float(), None, None, None, None, True, 0.1, 1e-5)
        ref = torch.ops.aten.native_batch_norm_backward(dy.float(), x.float(), None, None, None, mean, invstd, True,
                                                        1e-5, [True, True, True])

        def op():
            return torch.ops.aten.native_batch_norm_backward(dy, x, None, None, None, mean, invstd, True, 1e-5,
                                                             [True, True, True])
        t_torch = timing.device_median_us(op)
        with gemforge.use():
            t_now = timing.device_median_us(op)
        print(f"backward {N}x{C}x{H}x{W}: read floor {read_us:.1f} us, (dy, x twice, dx) {5 * read_us:.1f}; torch "
              f"{t_torch:.1f} us, GemForge now {t_now:.1f} ({500 * read_us / t_now:.1f}%)", flush=True)
        dx = torch.empty_like(x)
        dw = torch.empty(C, device="cuda")
        db = torch.empty(C, device="cuda")

        def make_launch(block_r, warps, rows, nsplit):
            pdy = torch.empty(nsplit, C, device="cuda")
            pdyx = torch.empty(nsplit, C, device="cuda")
            return lambda phase: bwd_kernel[(C, nsplit)](
                dx, dw, db, dy, x, mean, invstd, None, None, None, pdy, pdyx, R, C, HW, C * HW, HW, 1, C * HW, HW, 1,
                C * HW, HW, 1, rows, nsplit, 1e-5, phase, nsplit > 1, True, True, True, True, False, False, block_r, 1,
                False, num_warps=warps)
        best = sweep(R, make_launch, lambda: torch.allclose(dx.float(), ref[0], rtol=2e-2, atol=2e-2)
                     and torch.allclose(dw, ref[1], rtol=1e-2, atol=1e-1))
        for total, t0, t1, block_r, warps, nsplit in best:
            print(f"    rows {block_r:5d} warps {warps:2d} splits {nsplit:3d}: sums {t0:6.1f} us "
                  f"({200 * read_us / max(t0, 1e-9):5.1f}% of two reads), dx {t1:6.1f} "
                  f"({300 * read_us / t1:5.1f}%), total {total:6.1f} ({500 * read_us / total:5.1f}%)", flush=True)


def main(args):
    shapes, bw = timing.probe_start(args, SHAPES)
    if "--backward" in args:
        return backward(shapes, bw)
    for N, C, H, W in shapes:
        torch.manual_seed(0)
        x = torch.randn(N, C, H, W, device="cuda", dtype=torch.bfloat16) * 2 + 1
        HW, R = H * W, N * H * W
        read_us = x.numel() * x.element_size() / bw / 1e3
        ref = F.batch_norm(x.float(), None, None, training=True)
        t_torch = timing.device_median_us(lambda: F.batch_norm(x, None, None, training=True))
        with gemforge.use():
            t_now = timing.device_median_us(lambda: F.batch_norm(x, None, None, training=True))
        print(f"{N}x{C}x{H}x{W}: read floor {read_us:.1f} us, op floor (3 passes) {3 * read_us:.1f}; torch "
              f"{t_torch:.1f} us, GemForge now {t_now:.1f} ({300 * read_us / t_now:.1f}%)", flush=True)
        y = torch.empty_like(x)
        mean = torch.empty(C, device="cuda")
        invstd = torch.empty(C, device="cuda")

        def make_launch(block_r, warps, rows, nsplit):
            pm = torch.empty(nsplit, C, device="cuda")
            pm2 = torch.empty(nsplit, C, device="cuda")
            return lambda phase: kernel[(C, nsplit)](
                y, mean, invstd, None, None, x, None, None, pm, pm2, R, C, HW, C * HW, HW, 1, C * HW, HW, 1, rows,
                nsplit, 0.1, 1e-5, phase, nsplit > 1, True, False, False, False, False, block_r, 1, False,
                num_warps=warps)
        best = sweep(R, make_launch, lambda: torch.allclose(y.float(), ref, rtol=2e-2, atol=2e-2))
        for total, t0, t1, block_r, warps, nsplit in best:
            print(f"    rows {block_r:5d} warps {warps:2d} splits {nsplit:3d}: statistics {t0:6.1f} us "
                  f"({100 * read_us / max(t0, 1e-9):5.1f}% of a read), normalize {t1:6.1f} "
                  f"({200 * read_us / t1:5.1f}%), total {total:6.1f} ({300 * read_us / total:5.1f}%)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
