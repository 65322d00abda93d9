"""Session 17: matmul_tma's TAIL_SPLIT (blas.cpp: a last wave of tiles less than half full is
split in K over the programs it would leave idle), measured against the same kernel with every
tile in the main loop and against cuBLAS, in interleaved rounds (the H200's clocks drift with
heat over a run of large GEMMs: session 17 read torch's 1024x14336x4096 at 151 and 164 us in two
calls).

    python bench/gemm_tail_probe.py        (a GPU; needs no built core: direct Triton launches)
"""
import importlib.util
import os
import statistics

import torch
import triton

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("tune_matmul", os.path.join(_here, "tune_matmul.py"))
tune = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tune)

# (M, N, K, the sm_90 table row for the shape as the tuner's tuple); nn.Linear layout (B as [N, K])
BIG = (128, 256, 64, 8, 4, True, True)
CASES = [(1024, 14336, 4096, BIG), (1024, 128256, 4096, BIG), (1152, 4096, 2048, BIG), (16384, 14336, 4096, BIG),
         (512, 4480, 1024, (128, 128, 64, 8, 4, False, False))]
ROUNDS = 5


def main():
    print(f"device: {torch.cuda.get_device_name()}, {tune.NUM_SMS} SMs")
    for dtype in (torch.bfloat16, torch.float16):
        for M, N, K, cfg in CASES:
            torch.manual_seed(0)
            a = torch.randn(M, K, device="cuda", dtype=dtype)
            w = torch.randn(N, K, device="cuda", dtype=dtype)
            ref = a @ w.t()
            tiles = triton.cdiv(M, cfg[0]) * triton.cdiv(N, cfg[1])
            programs = min(tiles, tune.NUM_SMS)
            dp, split = tune.tail_plan(tiles, programs, triton.cdiv(K, cfg[2]), False)
            fns = {"cuBLAS": lambda: a @ w.t()}
            for tail in (False, True):
                c = torch.empty(M, N, device="cuda", dtype=dtype)
                f = tune.launcher(a, w, c, 1, M, N, K, True, cfg, tail=tail)
                f()
                torch.cuda.synchronize()
                err = ((c.float() - ref.float()).norm() / ref.float().norm()).item()
                label = f"tail split {split}" if tail else "one tile a unit"
                fns[label] = f
                if not err < 1e-2:
                    print(f"  WRONG {label}: {err}")
            times = {k: [] for k in fns}
            for _ in range(ROUNDS):
                for k, f in fns.items():
                    times[k].append(tune.time_us(f, 5, 30))
            med = {k: statistics.median(v) for k, v in times.items()}
            row = "  ".join(f"{k} {v:8.1f} us" for k, v in med.items())
            print(f"{M}x{N}x{K} {str(dtype)[6:]:8s} tiles {tiles} ({tiles // programs} waves + {tiles % programs}): "
                  f"{row}", flush=True)


if __name__ == "__main__":
    main()
