"""Tiles for the fused cross entropy (kernels/loss.py), forward and backward, by direct launches:
rows a program (BLOCK_T), chunk width (BLOCK_V) and warps, against the tiles each runs now
(loss.cpp row_tiles: the forward's CrossEntropyForward rows, the backward's softmax rows) and
torch, bf16 logits, L2 flushed clean before each call (gemforge/timing.py), launches replayed
from a CUDA graph. The backward: reduction mean (F.cross_entropy's default), the saved lse.

Session 21 (H100): the forward's own table rows (chunks of 8192 / 4096, 4 warps, a row a
program) from this probe; 4096x32000 at 61% of copy bandwidth in the softmax rows, 93% in
(1, 8192, 4).
Session 20 (H200): through GemForge the forward read 4096x32000 at 46% of copy bandwidth (32768
wide, 32 warps, a row a program) and 1024x128256 at 50% (4096 wide, 16 warps), where amax reads
32768x4096 at 97% in 4096-wide tiles of 4 warps.

    python3 bench/cross_entropy_probe.py [TxV ...] [--backward-only | --forward-only]   (needs a GPU and
        the built core)
"""
import sys

import torch
import torch.nn.functional as F

import gemforge
from gemforge import timing  # (the built core: torch.ops.gemforge_rt.config_for)
from gemforge.kernels.loss import cross_entropy_backward_kernel as backward_kernel
from gemforge.kernels.loss import cross_entropy_forward_kernel as forward_kernel

SHAPES = [(4096, 32000), (1024, 128256), (16384, 32000)]
# (BLOCK_T, BLOCK_V, warps): 8..64 logits a thread
CANDIDATES = [(t, v, w) for t in (1, 2, 4) for v in (1024, 2048, 4096, 8192, 16384, 32768) for w in (1, 2, 4, 8, 16, 32)
              if 8 <= t * v // (32 * w) <= 64]
MEAN = 1  # kernels/loss.py's reduction code


def next_pow2(n):
    return 1 << (n - 1).bit_length()


def current_tiles(family, T, V):
    """(BLOCK_T, BLOCK_V, warps) as loss.cpp row_tiles picks them from the compiled table."""
    major, minor = torch.cuda.get_device_capability()
    block_v, block_t, warps, _ = torch.ops.gemforge_rt.config_for(family, major * 10 + minor, V, T)
    return (min(block_t, next_pow2(T)), block_v or next_pow2(V), warps)


def rank(name, T, V, floor_us, launch, check, now, t_torch, t_gemforge):
    """Times launch(bt, bv, w) for every candidate whose result passes check(); prints the best."""
    cfgs = CANDIDATES + ([now] if now not in CANDIDATES else [])
    times = timing.time_candidates({cfg: (lambda cfg=cfg: launch(*cfg)) for cfg in cfgs}, check)
    print(f"{name} {T}x{V}: floor {floor_us:.1f} us, torch {t_torch:.1f} us, GemForge {t_gemforge:.1f}; "
          f"tiles now {now} {times.get(now, float('nan')):.1f} us "
          f"({100 * floor_us / times.get(now, float('nan')):.0f}%)", flush=True)
    for cfg, us in sorted(times.items(), key=lambda kv: kv[1])[:6]:
        print(f"    {cfg}  {us:7.1f} us  {100 * floor_us / us:5.1f}% of copy bandwidth", flush=True)


def main(args):
    shapes, bw = timing.probe_start(args, SHAPES)
    forward = "--backward-only" not in args
    print(f"{len(CANDIDATES)} candidates", flush=True)
    for T, V in shapes:
        torch.manual_seed(0)
        x = torch.randn(T, V, device="cuda", dtype=torch.bfloat16)
        t = torch.randint(0, V, (T, ), device="cuda")
        loss = torch.empty(T, device="cuda", dtype=torch.bfloat16)
        lse = torch.empty(T, device="cuda", dtype=torch.float32)
        ref = F.cross_entropy(x.float(), t, reduction="none")
        floor_us = x.numel() * x.element_size() / bw / 1e3
        if forward:
            def fwd(bt, bv, w):
                forward_kernel[((T + bt - 1) // bt, )](loss, lse, x, t, T, V, V, -100, 0.0, False, False, bt, bv,
                                                      T * V >= 2**31, num_warps=w)
            t_torch = timing.device_median_us(lambda: F.cross_entropy(x, t))
            with gemforge.use():  # (no gradient: aten::cross_entropy_loss runs the fused forward)
                t_gemforge = timing.device_median_us(lambda: F.cross_entropy(x, t))
            rank("forward", T, V, floor_us, fwd, lambda: torch.allclose(loss.float(), ref, rtol=2e-2, atol=2e-2),
                 current_tiles("cross_entropy_forward", T, V), t_torch, t_gemforge)
        if "--forward-only" in args:
            continue

        # backward of the mean loss, from the saved lse (as gemforge.cross_entropy's autograd)
        lse.copy_(torch.logsumexp(x.float(), 1))
        grad = torch.empty_like(x)
        one = torch.ones((), device="cuda", dtype=torch.bfloat16)
        count = torch.full((), float(T), device="cuda")
        xr = x.float().requires_grad_()
        F.cross_entropy(xr, t).backward()

        def bwd(bt, bv, w):
            backward_kernel[((T + bt - 1) // bt, )](grad, one, x, t, lse, count, T, V, V, V, 0, -100, 0.0, MEAN,
                                                    False, False, bt, bv, T * V >= 2**31, num_warps=w)
        xt = x.detach().requires_grad_()
        t_torch = timing.device_median_us(lambda: torch.autograd.grad(F.cross_entropy(xt, t), xt))
        with gemforge.use():
            t_gemforge = timing.device_median_us(lambda: torch.autograd.grad(gemforge.cross_entropy(xt, t), xt))
        rank("backward (torch, GemForge: forward + backward)", T, V, 2 * floor_us, bwd,
             lambda: torch.allclose(grad.float(), xr.grad, rtol=2e-2, atol=1e-8), current_tiles("softmax", T, V),
             t_torch, t_gemforge)


if __name__ == "__main__":
    main(sys.argv[1:])
