"""GPU experiment: last-dim reductions (sum, amax, argmax, var) of 4096-wide bf16 rows against torch,
over launch configurations of reduce_kernel (kernels/reduce.py): the ONE_TILE path (a row block in
one tile) and the looped path (with and without PREFETCH). Informs the ReduceInner rows of
csrc/runtime/config_table.cpp.

    python3 bench/reduce_inner_experiment.py        (after the core is built; ~4-5 minutes)

A variant is "r<BLOCK_R> k<BLOCK_K> w<warps> one<ONE_TILE> [prefetch]". Times: the benchmark's timer
(L2 flushed clean); variants are replayed from a CUDA graph (timing.graphed: Triton's Python launcher
is slower than these kernels run), so they compare with each other more closely than with the
"gemforge (table)" row, which launches through the library.
"""
import itertools

import torch
import triton

import gemforge
from gemforge import timing
from gemforge.kernels import reduce as rd

MODES = {  # name: (MODE, FIN, torch function)
    "sum": (rd.SUM, rd.FIN_NONE, lambda x: x.sum(-1)),
    "amax": (rd.MAX, rd.FIN_NONE, lambda x: x.amax(-1)),
    "argmax": (rd.ARGMAX, rd.FIN_NONE, lambda x: x.argmax(-1)),
    "var": (rd.WELFORD, rd.FIN_VAR, lambda x: x.var(-1)),
}
ONE_TILE = [(4096, bk, w, 1, 0) for bk in (1, 2, 4, 8) for w in (2, 4, 8, 16)]
LOOPED = [(br, bk, w, 0, pf) for br in (1024, 2048) for bk in (1, 2, 4) for w in (4, 8) for pf in (0, 1)]


def t_us(fn):
    return timing.device_median_us(fn, 10, 40)


def main():
    print(f"# {torch.cuda.get_device_name()}")
    print(f"{'case':28s} {'variant':34s} {'us':>8s} {'torch':>8s} {'speedup':>8s}  check")
    for (K, R), mode in itertools.product([(4096, 4096), (32768, 4096)], MODES):
        x = torch.randn(K, R, device="cuda", dtype=torch.bfloat16)
        MODE, FIN, fn = MODES[mode]
        ref = fn(x)
        t_torch = t_us(lambda: fn(x))

        def check(got):
            if mode == "argmax":
                return f"mismatch {int((got != ref).sum())}"
            return f"maxerr {float((got.float() - ref.float()).abs().max()):.3g}"
        with gemforge.use():
            t_gf = t_us(lambda: fn(x))
            got = fn(x)
        name = f"{mode} {K}x{R} bf16"
        print(f"{name:28s} {'gemforge (table)':34s} {t_gf:8.1f} {t_torch:8.1f} {t_torch / t_gf:8.2f}  {check(got)}",
              flush=True)
        idx = torch.empty(K, device="cuda", dtype=torch.int64)
        val = torch.empty(K, device="cuda", dtype=torch.float32 if mode == "sum" else torch.bfloat16)
        for block_r, block_k, warps, one_tile, prefetch in ONE_TILE + LOOPED:
            def run():
                rd.reduce_kernel[(triton.cdiv(K, block_k), 1)](
                    val, idx, x, x, K, R, R, R // block_r * block_r, K, 1, R, 0, 0, 1, 0, 0, R, 1, 1, 0, 0, 1.0,
                    float(R), K_RANK=1, R_RANK=1, ACC=rd.ACC_F32.value, MODE=MODE, MAP=rd.MAP_ID, FIN=FIN, STAGE=0,
                    WRITE2=False, BLOCK_K=block_k, BLOCK_R=block_r, INT64=False, ONE_TILE=one_tile,
                    PREFETCH=prefetch, num_warps=warps)
            v = f"r{block_r} k{block_k} w{warps} one{one_tile}" + (" prefetch" if prefetch else "")
            try:
                run()
                ok = check(idx if mode == "argmax" else val)
                t = t_us(timing.graphed(run))
            except Exception as e:  # noqa: BLE001  (registers, shared memory)
                print(f"{name:28s} {v:34s} failed: {type(e).__name__}: {str(e)[:100]}", flush=True)
                continue
            print(f"{name:28s} {v:34s} {t:8.1f} {t_torch:8.1f} {t_torch / t:8.2f}  {ok}", flush=True)


if __name__ == "__main__":
    main()
