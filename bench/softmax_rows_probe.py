"""Tiles for softmax / log_softmax over the last dim of many rows (kernels/softmax.py), by direct
launches: the one-pass row kernel (softmax_kernel, SINGLE_PASS: rows a program, warps) and the
parts kernel (softmax_rows_smem_kernel since session 28: part width, warps; the register
softmax_onepass_kernel before), against what GemForge runs now and
torch, bf16, L2 flushed clean before each call (gemforge/timing.py), launches replayed from a
CUDA graph (the parts kernel's zeroed counters included, as the host path zeroes them).

Session 20 (H200, full benchmark): softmax 4096x32000 bf16 at 71.5% of copy bandwidth (a row a
program, 32 warps: one program an SM fits, so loads and the row's reductions do not overlap),
log_softmax 75.0%; 4096x4096 83.7% / 82.8%.

The backward ops (parts only; y = the forward's output, g random): reads y and g, writes one.

    python3 bench/softmax_rows_probe.py [KxD ...] [--forward]   (needs a GPU and the built core)
"""
import sys

import torch

import gemforge
from gemforge import timing
from gemforge.kernels.softmax import softmax_kernel, softmax_rows_smem_kernel, softmax_stream_kernel

SHAPES = [(4096, 32000), (4096, 4096), (16384, 4096), (256, 131072)]


def next_pow2(n):
    return 1 << (n - 1).bit_length()


def candidates(K, D, sms, backward):
    """(kind, size, warps): ("rows", rows a program, warps) with the row in registers (forward
    only), ("stream", programs an SM, warps) for softmax_stream_kernel (forward only), or
    ("parts", part width, warps) for softmax_rows_smem_kernel (parts of whole 16-byte-a-thread
    chunks, in shared memory: the backward's two parts at most 128 KB)."""
    out = []
    bd = next_pow2(D)
    for bk in (1, 2, 4, 8):
        for w in (2, 4, 8, 16, 32):
            if 8 <= bk * bd // (32 * w) <= 64 and bk <= K and not backward:
                out.append(("rows", bk, w))
    for per_sm in (1, 2, 4, 8):
        for w in (4, 8, 16, 32):
            if 8 <= bd // (32 * w) <= 64 and not backward:
                out.append(("stream", per_sm, w))
    for part in (4096, 8192, 16384, 32768):
        parts = (D + part - 1) // part
        if parts < 2 or parts > sms or K < sms:
            continue
        for w in (4, 8, 16):
            if part % (8 * 32 * w) == 0:  # bf16: 8 elements a thread a chunk
                out.append(("parts", part, w))
    return out


def launcher(kind, size, w, out, x, g, log):
    """x: the input (forward) or the forward's output y (g given: the backward)."""
    K, D = x.shape
    if kind == "rows":
        bd = next_pow2(D)

        def run():
            softmax_kernel[((K + size - 1) // size, )](out, x, K, D, 1, log, False, size, bd, True, False,
                                                      num_warps=w)
        return run
    if kind == "stream":
        bd = next_pow2(D)
        grid = (min(K, size * torch.cuda.get_device_properties(0).multi_processor_count), )

        def run():
            softmax_stream_kernel[grid](out, x, K, D, log, False, bd, num_warps=w)
        return run
    parts = (D + size - 1) // size
    ws = torch.empty(K, parts, 2, device="cuda", dtype=torch.float32)
    sync = torch.zeros(1 + K, device="cuda", dtype=torch.int32)

    def run():  # the forward capped at 40 registers, as the host does (op_utils.h)
        sync.zero_()
        softmax_rows_smem_kernel[(K * parts, )](out, x, g, ws, sync, D, g is not None, log, size, D % 16 == 0,
                                                max(16, next_pow2(parts)), num_warps=w,
                                                **({} if g is not None else {"maxnreg": 40}))
    return run


def main(args):
    shapes, bw = timing.probe_start(args, SHAPES)
    sms = torch.cuda.get_device_properties(0).multi_processor_count
    for K, D in shapes:
        torch.manual_seed(0)
        x = torch.randn(K, D, device="cuda", dtype=torch.bfloat16) * 3
        floor_us = 2 * x.numel() * x.element_size() / bw / 1e3
        for backward in (False, ) if "--forward" in args else (False, True):
            for log in (False, True):
                probe(K, D, sms, floor_us * (1.5 if backward else 1), x, log, backward)


def probe(K, D, sms, floor_us, x, log, backward):
    name = ("log_softmax" if log else "softmax") + ("_backward" if backward else "")
    f = torch.log_softmax if log else torch.softmax
    if backward:
        y = f(x, -1)
        g = torch.randn_like(x)
        bwd = torch._log_softmax_backward_data if log else torch._softmax_backward_data
        ref = bwd(g.float(), y.float(), -1, torch.float32)
        src = y

        def op():
            return bwd(g, y, -1, x.dtype)
    else:
        g = None
        ref = f(x.float(), -1)
        src = x

        def op():
            return f(x, -1)
    out = torch.empty_like(x)
    t_torch = timing.device_median_us(op)
    with gemforge.use():
        t_now = timing.device_median_us(op)
    runs = {cand: launcher(*cand, out, src, g, log) for cand in candidates(K, D, sms, backward)}
    times = timing.time_candidates(runs, lambda: torch.allclose(out.float(), ref, rtol=2e-2, atol=2e-2))
    print(f"{name} {K}x{D}: floor {floor_us:.1f} us; torch {t_torch:.1f} us; GemForge now {t_now:.1f} us "
          f"({100 * floor_us / t_now:.1f}%)", flush=True)
    for cand, us in sorted(times.items(), key=lambda kv: kv[1])[:6]:
        print(f"    {cand}  {us:7.1f} us  {100 * floor_us / us:5.1f}% of copy bandwidth", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
