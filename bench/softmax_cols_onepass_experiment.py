"""Experiment (session 27): softmax over a non-last dim in one read, the library's
softmax_onepass_cols_kernel (a part is a tile of BLOCK_R rows x BLOCK_K columns held in registers
while the column block's other parts publish their per-column statistics), against the two-launch
column path (softmax_cols_kernel: statistics, then a second read from L2 and the write) that the
op takes today, and torch. Forward and backward, bf16, graphed with the sync zeroing inside the
graph, L2 flushed (clean).
    cd bench && python softmax_cols_onepass_experiment.py [4096x4096x0 ...]   (shape x dim)
"""
import sys

import torch
import triton

import gemforge
from gemforge import timing
from gemforge.kernels.loss import softmax_backward_cols_kernel
from gemforge.kernels.softmax import softmax_cols_kernel, softmax_onepass_cols_kernel

CONFIGS = [(32, 256, 8), (32, 128, 8), (64, 128, 8), (64, 256, 16), (16, 512, 8), (32, 512, 16)]  # BLOCK_K, BLOCK_R, warps
SHAPES = [((4096, 4096), 0), ((3, 2048, 1024), 1), ((8192, 4096), 0), ((1024, 4096), 0), ((16384, 256), 0)]


def onepass(out, x, g, D, inner, backward, block_k, block_r, warps, sms):
    outer = x.numel() // (D * inner)
    col_blocks = triton.cdiv(inner, block_k)
    blocks = outer * col_blocks
    P = triton.cdiv(D, block_r)
    if P > sms or P < 2:
        return None
    ws = torch.empty(blocks, P + 1, 2, block_k, device="cuda", dtype=torch.float32)
    sync = torch.zeros(1 + blocks, device="cuda", dtype=torch.int32)
    block_p = max(16, triton.next_power_of_2(P))

    def run():
        sync.zero_()
        softmax_onepass_cols_kernel[(blocks * P, )](out, x, g if g is not None else x, ws, sync, D, inner, col_blocks,
                                                   backward, False, block_r, block_k, block_p, num_warps=warps)
    return run


def two_launch(out, x, g, D, inner, backward, sms):
    """The column path's two launches as op_utils.h softmax_cols_tiles sizes them (split rows),
    with PDL as the library launches them from C++ (not from here: plain launches)."""
    K = x.numel() // D
    block_k = min(64, triton.next_power_of_2(inner))
    block_d = min(triton.next_power_of_2(D), 4096 // block_k)
    blocks = (K // inner) * triton.cdiv(inner, block_k)
    parts = max(1, min(triton.cdiv(4 * sms, blocks), D // 64)) if blocks < 4 * sms else 1
    part = triton.cdiv(triton.cdiv(D, parts), block_d) * block_d
    parts = triton.cdiv(D, part)
    ws = torch.empty((parts, K) if backward else (2, parts, K), device="cuda", dtype=torch.float32)

    def run():
        for stage in (1, 2):
            if backward:
                softmax_backward_cols_kernel[(blocks, parts)](out, g, x, ws, K, D, inner, part, False, False, block_k,
                                                              block_d, stage, False, True, num_warps=8)
            else:
                softmax_cols_kernel[(blocks, parts)](out, x, ws, K, D, inner, part, False, False, block_k, block_d,
                                                     stage, False, True, num_warps=8)
    return run


def main():
    shapes = [(tuple(map(int, a.split("x")[:-1])), int(a.split("x")[-1])) for a in sys.argv[1:]] or SHAPES
    sms = torch.cuda.get_device_properties(0).multi_processor_count
    for shape, dim in shapes:
        D = shape[dim]
        inner = 1
        for n in shape[dim + 1:]:
            inner *= n
        x = torch.randn(shape, device="cuda", dtype=torch.bfloat16)
        y = torch.softmax(x, dim)
        g = torch.randn(shape, device="cuda", dtype=torch.bfloat16) + 1.0
        ref_f = torch.softmax(x.double(), dim)
        ref_b = y.double() * (g.double() - (g.double() * y.double()).sum(dim, keepdim=True))
        nbytes = 2 * x.numel() * 2
        for backward in (False, True):
            name = "softmax_backward" if backward else "softmax"
            torch_fn = (lambda: torch.ops.aten._softmax_backward_data(g, y, dim, x.dtype)) if backward else \
                (lambda: torch.softmax(x, dim))
            row = [f"{name} {'x'.join(map(str, shape))} dim {dim}:"]
            row.append(f"torch {timing.device_median_us(torch_fn):.1f}")
            with gemforge.use():
                lib = torch_fn()
                row.append(f"library {timing.device_median_us(torch_fn):.1f}")
            ref = ref_b if backward else ref_f
            out = torch.empty_like(x)
            gr = timing.graphed(two_launch(out, y if backward else x, g, D, inner, backward, sms))
            gr()
            torch.cuda.synchronize()
            row.append(f"two launches {timing.device_median_us(gr):.1f} (err {(out.double() - ref).abs().max().item():.1e})")
            row.append(f"(err {(lib.double() - ref).abs().max().item():.1e})")
            for block_k, block_r, warps in CONFIGS:
                out = torch.empty_like(x)
                run = onepass(out, y if backward else x, g if backward else None, D, inner, backward, block_k,
                              block_r, warps, sms)
                if run is None:
                    continue
                gr = timing.graphed(run)
                gr()
                torch.cuda.synchronize()
                err = (out.double() - ref).abs().max().item()
                us = timing.device_median_us(gr)
                row.append(f"{block_k}x{block_r}w{warps} {us:.1f} ({nbytes * (1 + backward / 2) / us / 1e3:.0f} GB/s,"
                           f" err {err:.1e})")
            print("  ".join(row), flush=True)


if __name__ == "__main__":
    main()
