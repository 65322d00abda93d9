"""Offline tuning of launch configurations (GPU only).

Sweeps block sizes and warp counts of GemForge's Triton kernels, launched directly from
Python so only device time is measured, and prints the best configuration per shape bucket as
rows for csrc/runtime/config_table.cpp (arch = this GPU's compute capability).

    python3 bench/tune.py [--quick]
"""
import argparse
import itertools
import sys

import torch
import triton

from gemforge import timing
from gemforge.kernels import pointwise as pw
from gemforge.kernels import reduce as rd
from gemforge.kernels import softmax as sm


def t_us(fn):
    return timing.device_median_us(fn, 10, 40)  # the benchmark's timer (L2 flushed clean)


def tune_pointwise_1d(n, dtype, quick):
    x = torch.randn(n, device="cuda", dtype=dtype)
    y = torch.randn(n, device="cuda", dtype=dtype)
    out = torch.empty_like(x)
    results = []
    for block, warps in itertools.product([1024, 2048, 4096, 8192], [4, 8, 16]):
        if block // (32 * warps) < 4:
            continue

        def run():
            pw.pointwise_1d[(triton.cdiv(n, block), )](out, None, x, y, None, 1.0, None, None, n, OP=pw.add, NIN=2,
                                                       SCALAR0=False, SCALAR1=False, SCALAR2=False, COMPUTE=6, P=0,
                                                       NOUT=1, SPLIT=0, BLOCK=block, INT64=False, num_warps=warps)

        results.append((t_us(run), block, warps))
    results.sort()
    return results


def tune_sum_full(n, dtype, sms, quick):
    x = torch.randn(n, device="cuda", dtype=dtype)
    results = []
    for block_r, warps, per_sm, stages in itertools.product([4096, 8192, 16384], [4, 8, 16], [4, 8, 16], [1, 3]):
        split = per_sm * sms
        r_per_split = triton.cdiv(triton.cdiv(n, split), block_r) * block_r
        split = triton.cdiv(n, r_per_split)
        partials = torch.empty(split, device="cuda", dtype=torch.float32)
        out = torch.empty((), device="cuda", dtype=dtype)

        def run():
            rd.sum_kernel[(1, split)](partials, x, 1, n, r_per_split, r_per_split // block_r * block_r, 1, 1, 0, 0, 0, 0, 0, 0, n, 1, 1, 0, 0, 1.0,
                                      K_RANK=0, R_RANK=1, ACC=6, MEAN=False, SPLIT=True, BLOCK_K=1, BLOCK_R=block_r,
                                      INT64=False, num_warps=warps, num_stages=stages)
            rd.sum_kernel[(1, 1)](out, partials, 1, split, split, split // min(split, 4096) * 0, 1, 1, 0, 0, 0, 0, 0, 0, split, 1, 1, 0, 0, 1.0,
                                  K_RANK=0, R_RANK=1, ACC=6, MEAN=False, SPLIT=False, BLOCK_K=1,
                                  BLOCK_R=triton.next_power_of_2(min(split, 4096)), INT64=False, num_warps=4)

        try:
            results.append((t_us(run), block_r, warps, per_sm, stages))
        except Exception as e:  # noqa: BLE001  (a config can exceed resources)
            print("  skip", block_r, warps, per_sm, stages, type(e).__name__, file=sys.stderr)
        if quick and len(results) > 6:
            break
    results.sort()
    return results


def tune_sum_outer(m, n, dtype, sms):
    """Column sums of a contiguous [m, n]: kept dim n is contiguous."""
    x = torch.randn(m, n, device="cuda", dtype=dtype)
    out = torch.empty(n, device="cuda", dtype=dtype)
    results = []
    for block_k, block_r, warps in itertools.product([64, 128, 256, 512], [8, 16, 32, 64], [4, 8]):
        k_blocks = triton.cdiv(n, block_k)
        target = 4 * sms
        split = min(triton.cdiv(target, k_blocks), triton.cdiv(m, 4 * block_r)) if k_blocks < target else 1
        split = max(split, 1)
        r_per_split = m if split == 1 else triton.cdiv(triton.cdiv(m, split), block_r) * block_r
        split = triton.cdiv(m, r_per_split)
        partials = torch.empty(split, n, device="cuda", dtype=torch.float32)

        def run():
            dst = partials if split > 1 else out
            rd.sum_kernel[(k_blocks, split)](dst, x, n, m, r_per_split, r_per_split // block_r * block_r, n, 1, 1, 0, 0, 1, 0, 0, m, 1, n, 0, 0, 1.0,
                                             K_RANK=1, R_RANK=1, ACC=6, MEAN=False, SPLIT=split > 1,
                                             BLOCK_K=block_k, BLOCK_R=block_r, INT64=False, num_warps=warps)
            if split > 1:
                br2 = min(16, triton.next_power_of_2(split))
                rd.sum_kernel[(triton.cdiv(n, 256), 1)](out, partials, n, split, split, split // br2 * br2, n, 1, 1, 0, 0, 1, 0, 0,
                                                       split, 1, n, 0, 0, 1.0, K_RANK=1, R_RANK=1, ACC=6,
                                                       MEAN=False, SPLIT=False, BLOCK_K=256,
                                                       BLOCK_R=br2, INT64=False,
                                                       num_warps=8)

        results.append((t_us(run), block_k, block_r, warps))
    results.sort()
    return results


def tune_softmax(rows, d, dtype):
    x = torch.randn(rows, d, device="cuda", dtype=dtype)
    out = torch.empty_like(x)
    results = []
    for warps, block_k in itertools.product([4, 8, 16, 32], [1, 2, 4]):
        block_d = triton.next_power_of_2(d)

        def run():
            sm.softmax_kernel[(triton.cdiv(rows, block_k), )](out, x, rows, d, 1, LOG=False, F64=False,
                                                              BLOCK_K=block_k, BLOCK_D=block_d, SINGLE_PASS=True,
                                                              INT64=False, num_warps=warps)

        try:
            results.append((t_us(run), block_k, warps))
        except Exception as e:  # noqa: BLE001
            print("  skip", block_k, warps, type(e).__name__, file=sys.stderr)
    results.sort()
    return results


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    props = torch.cuda.get_device_properties(0)
    sms = props.multi_processor_count
    arch = props.major * 10 + props.minor
    print(f"# {props.name}, sm_{arch}, {sms} SMs")
    n = 1 << 26
    for dtype in [torch.bfloat16, torch.float32]:
        r = tune_pointwise_1d(n, dtype, a.quick)
        gbs = 3 * n * x_size(dtype) / r[0][0] / 1e3
        print(f"pointwise_1d add 64M {dtype}: best {r[0]} ({gbs:.0f} GB/s); top5 {r[:5]}")
    r = tune_sum_full(n, torch.bfloat16, sms, a.quick)
    print(f"sum full 64M bf16: best {r[0]} ({2 * n / r[0][0] / 1e3:.0f} GB/s); top5 {r[:5]}")
    r = tune_sum_outer(4096, 4096, torch.bfloat16, sms)
    print(f"sum dim0 4096x4096 bf16: best {r[0]} ({2 * 4096 * 4096 / r[0][0] / 1e3:.0f} GB/s); top5 {r[:5]}")
    for rows, d in [(4096, 4096), (4096, 1024), (4096, 16384), (64, 4096)]:
        r = tune_softmax(rows, d, torch.bfloat16)
        print(f"softmax {rows}x{d} bf16: best {r[0]} ({4 * rows * d / r[0][0] / 1e3:.0f} GB/s); top5 {r[:5]}")


def x_size(dtype):
    return torch.empty((), dtype=dtype).element_size()


if __name__ == "__main__":
    main()
