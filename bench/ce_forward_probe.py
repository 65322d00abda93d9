"""Tiles for the fused cross entropy's forward (kernels/loss.py cross_entropy_forward_kernel), by
direct launches: rows a program (BLOCK_T), chunk width (BLOCK_V) and warps, against the tiles it
runs now (loss.cpp row_tiles: the CrossEntropyForward rows) and torch's F.cross_entropy, bf16 logits, L2
flushed clean before each call (gemforge/timing.py), launches replayed from a CUDA graph.

Session 21 (H100): the forward's own table rows (chunks of 8192 / 4096, 4 warps, a row a program)
from this probe; 4096x32000 at 61% of copy bandwidth in the softmax rows, 93% in (1, 8192, 4).
Session 20 (H200): through GemForge the forward reads 4096x32000 at 46% of copy bandwidth (32768
wide, 32 warps, a row a program) and 1024x128256 at 50% (4096 wide, 16 warps), where amax reads
32768x4096 at 97% in 4096-wide tiles of 4 warps.

    python3 bench/ce_forward_probe.py [TxV ...]      (needs a GPU and the built core)
"""
import sys

import torch
import torch.nn.functional as F

import gemforge
from gemforge import timing  # (the built core: torch.ops.gemforge_rt.config_for)
from gemforge.kernels.loss import cross_entropy_forward_kernel as forward_kernel

SHAPES = [(4096, 32000), (1024, 128256), (16384, 32000)]
# (BLOCK_T, BLOCK_V, warps): 8..64 logits a thread
CANDIDATES = [(t, v, w) for t in (1, 2, 4) for v in (1024, 2048, 4096, 8192, 16384, 32768) for w in (1, 2, 4, 8, 16, 32)
              if 8 <= t * v // (32 * w) <= 64]


def next_pow2(n):
    return 1 << (n - 1).bit_length()


def current_tiles(T, V):
    """(BLOCK_T, BLOCK_V, warps) as loss.cpp row_tiles picks them from the compiled table."""
    major, minor = torch.cuda.get_device_capability()
    block_v, block_t, warps, _ = torch.ops.gemforge_rt.config_for("cross_entropy_forward", major * 10 + minor, V, T)
    return (min(block_t, next_pow2(T)), block_v or next_pow2(V), warps)


def main(args):
    shapes = [tuple(map(int, a.split("x"))) for a in args if "x" in a] or SHAPES
    bw = timing.copy_bandwidth_gbs()
    print(f"copy bandwidth {bw:.0f} GB/s; {len(CANDIDATES)} candidates", flush=True)
    for T, V in shapes:
        torch.manual_seed(0)
        x = torch.randn(T, V, device="cuda", dtype=torch.bfloat16)
        t = torch.randint(0, V, (T, ), device="cuda")
        loss = torch.empty(T, device="cuda", dtype=torch.bfloat16)
        lse = torch.empty(T, device="cuda", dtype=torch.float32)
        ref = F.cross_entropy(x.float(), t, reduction="none")
        floor_us = x.numel() * x.element_size() / bw / 1e3
        t_torch = timing.device_median_us(lambda: F.cross_entropy(x, t))
        with gemforge.use():  # (no gradient: aten::cross_entropy_loss runs the fused forward)
            t_gemforge = timing.device_median_us(lambda: F.cross_entropy(x, t))
        now = current_tiles(T, V)
        times = {}
        for bt, bv, w in CANDIDATES + ([now] if now not in CANDIDATES else []):
            def run(bt=bt, bv=bv, w=w):
                forward_kernel[((T + bt - 1) // bt, )](loss, lse, x, t, T, V, V, -100, 0.0, False, False, bt, bv,
                                                      T * V >= 2**31, num_warps=w)
            try:
                run()
                torch.cuda.synchronize()
            except Exception as e:  # noqa: BLE001  (registers, shared memory)
                print(f"  skip {(bt, bv, w)}: {type(e).__name__}", flush=True)
                continue
            if not torch.allclose(loss.float(), ref, rtol=2e-2, atol=2e-2):
                print(f"  WRONG {(bt, bv, w)}", flush=True)
                continue
            times[(bt, bv, w)] = timing.device_median_us(timing.graphed(run), 10, 60)
        ranked = sorted(times.items(), key=lambda kv: kv[1])
        print(f"{T}x{V}: floor {floor_us:.1f} us, F.cross_entropy torch {t_torch:.1f} us, GemForge {t_gemforge:.1f}; "
              f"tiles now {now} "
              f"{times.get(now, float('nan')):.1f} us ({100 * floor_us / times.get(now, float('nan')):.0f}%)", flush=True)
        for cfg, us in ranked[:6]:
            print(f"    {cfg}  {us:7.1f} us  {100 * floor_us / us:5.1f}% of copy bandwidth", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
