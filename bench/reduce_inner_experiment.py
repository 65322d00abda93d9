"""GPU experiment: last-dim argmax and var (ReduceInner rows of 4096) against torch, over launch
configurations of reduce_kernel and its ONE_TILE path (kernels/reduce.py). Informs the
ReduceInner rows of csrc/runtime/config_table.cpp.

    python3 bench/reduce_inner_experiment.py        (after the package is built and installed)
"""
import itertools

import torch
import triton
from triton.testing import do_bench

import gemforge
from gemforge.kernels import reduce as rd


def t_us(fn):
    return do_bench(fn, warmup=10, rep=40, return_mode="median") * 1e3


def main():
    print(f"# {torch.cuda.get_device_name()}")
    print(f"{'case':28s} {'variant':34s} {'us':>8s} {'torch':>8s} {'speedup':>8s}  check")
    for (K, R), mode in itertools.product([(4096, 4096), (32768, 4096), (8, 4096)], ["argmax", "var"]):
        x = torch.randn(K, R, device="cuda", dtype=torch.bfloat16)
        if mode == "argmax":
            ref_fn = lambda: torch.argmax(x, dim=-1)  # noqa: E731
        else:
            ref_fn = lambda: torch.var(x, dim=-1)  # noqa: E731
        ref = ref_fn()
        t_torch = t_us(ref_fn)
        with gemforge.use():
            t_gf = t_us(ref_fn)
            got = ref_fn()
        ok = bool((got == ref).all()) if mode == "argmax" else float((got.float() - ref.float()).abs().max())
        name = f"{mode} {K}x{R} bf16"
        print(f"{name:28s} {'gemforge (table)':34s} {t_gf:8.1f} {t_torch:8.1f} {t_torch / t_gf:8.2f}  {ok}", flush=True)
        idx = torch.empty(K, device="cuda", dtype=torch.int64)
        val = torch.empty(K, device="cuda", dtype=torch.bfloat16)
        variants = [(4096, bk, w, 1, one) for one in (0, 1) for bk, w in ((1, 4), (1, 8), (1, 16), (2, 8), (4, 8), (4, 16))]
        variants += [(1024, 1, 4, 3, 0), (1024, 2, 4, 3, 0), (1024, 4, 8, 3, 0), (1024, 1, 4, 1, 0)]
        for block_r, block_k, warps, stages, one_tile in variants:
            MODE = rd.ARGMAX if mode == "argmax" else rd.WELFORD
            FIN = rd.FIN_NONE if mode == "argmax" else rd.FIN_VAR

            def run():
                rd.reduce_kernel[(triton.cdiv(K, block_k), 1)](
                    val, idx, x, x, K, R, R, R // block_r * block_r, K, 1, R, 0, 0, 1, 0, 0, R, 1, 1, 0, 0, 1.0,
                    float(R), K_RANK=1, R_RANK=1, ACC=6, MODE=MODE, MAP=rd.MAP_ID, FIN=FIN, STAGE=0, WRITE2=False,
                    BLOCK_K=block_k, BLOCK_R=block_r, INT64=False, ONE_TILE=one_tile, num_warps=warps,
                    num_stages=stages)
            try:
                run()
                got = idx if mode == "argmax" else val
                ok = bool((got == ref).all()) if mode == "argmax" else float((got.float() - ref.float()).abs().max())
                t = t_us(run)
            except Exception as e:  # noqa: BLE001
                print(f"{name:28s} r{block_r} k{block_k} w{warps} s{stages} one{one_tile}: {type(e).__name__}")
                continue
            v = f"r{block_r} k{block_k} w{warps} s{stages} one{one_tile}"
            print(f"{name:28s} {v:34s} {t:8.1f} {t_torch:8.1f} {t_torch / t:8.2f}  {ok}", flush=True)


if __name__ == "__main__":
    main()
