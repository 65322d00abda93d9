"""Offline tuning of matmul_tma (kernels/matmul.py) per shape bucket, against cuBLAS.

    python3 bench/tune_matmul.py            # all buckets
    python3 bench/tune_matmul.py 1x4096x4096 ...

For each representative shape (M x N x K, nn.Linear layout unless it says bmm) it times every
candidate configuration through Triton's own launcher (the same kernel GemForge launches) and
prints the best one next to cuBLAS, as rows for csrc/runtime/config_table.cpp (kGemmRows).
"""
import sys

import torch
import triton
from triton.testing import do_bench
from triton.tools.tensor_descriptor import TensorDescriptor


def _load_kernels():
    """kernels/matmul.py by path: importing the gemforge package would need the built core."""
    import importlib.util
    import os
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "gemforge", "kernels", "matmul.py")
    spec = importlib.util.spec_from_file_location("gemforge_matmul_kernels", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


matmul_tma = _load_kernels().matmul_tma

# (label, batch, M, N, K, B given as [N, K])
SHAPES = [
    ("decode", 1, 1, 4096, 4096, True), ("decode", 1, 16, 14336, 4096, True), ("decode-longK", 1, 1, 4096, 14336, True),
    ("small-M", 1, 128, 4096, 4096, True), ("small-M-longK", 1, 128, 4096, 14336, True),
    ("mid-M", 1, 1024, 14336, 4096, True), ("large", 1, 4096, 4096, 4096, False),
    ("bmm-PV", 32, 4096, 128, 4096, False), ("bmm-QK", 32, 4096, 4096, 128, True),
]
# (BM, BN, BK, warps, stages, warp_specialize, split_store)
CONFIGS = [
    (64, 64, 64, 4, 4, False, False), (64, 64, 64, 4, 6, False, False), (64, 64, 128, 4, 3, False, False),
    (64, 64, 128, 4, 4, False, False), (64, 128, 64, 4, 4, False, False), (64, 128, 64, 4, 5, False, False),
    (128, 64, 64, 4, 4, False, False), (128, 64, 64, 4, 5, False, False), (128, 128, 64, 8, 3, False, False),
    (128, 128, 64, 8, 4, False, False), (128, 128, 64, 8, 5, False, False), (128, 128, 64, 4, 4, False, False),
    (128, 128, 128, 8, 3, False, False), (128, 128, 64, 8, 4, True, False), (128, 256, 64, 8, 3, False, True),
    (128, 256, 64, 8, 4, False, True), (128, 256, 64, 8, 4, True, True),
]
NUM_SMS = torch.cuda.get_device_properties(0).multi_processor_count


def launcher(a, b, c, batch, M, N, K, b_nk, cfg):
    bm, bn, bk, warps, stages, ws, split = cfg
    batched = batch > 1
    if batched:
        ad = TensorDescriptor.from_tensor(a, [1, bm, bk])
        bd = TensorDescriptor.from_tensor(b, [1, bn, bk] if b_nk else [1, bk, bn])
        cd = TensorDescriptor.from_tensor(c, [1, bm, bn // 2 if split else bn])
    else:
        ad = TensorDescriptor.from_tensor(a, [bm, bk])
        bd = TensorDescriptor.from_tensor(b, [bn, bk] if b_nk else [bk, bn])
        cd = TensorDescriptor.from_tensor(c, [bm, bn // 2 if split else bn])
    programs = min(NUM_SMS, triton.cdiv(M, bm) * triton.cdiv(N, bn) * batch)
    return lambda: matmul_tma[(programs, )](ad, bd, cd, None, M, N, K, batch, 1.0, 0.0, 0, 0, 0, bm, bn, bk, 8,
                                            programs, False, b_nk, batched, False, False, ws, split, False,
                                            num_warps=warps, num_stages=stages)


def main():
    only = set(sys.argv[1:])
    for label, batch, M, N, K, b_nk in SHAPES:
        name = f"{M}x{N}x{K}" + (f" batch {batch}" if batch > 1 else "")
        if only and f"{M}x{N}x{K}" not in only:
            continue
        torch.manual_seed(0)
        lead = (batch, ) if batch > 1 else ()
        a = torch.randn(*lead, M, K, device="cuda", dtype=torch.bfloat16)
        b = torch.randn(*lead, *((N, K) if b_nk else (K, N)), device="cuda", dtype=torch.bfloat16)
        bt = b.transpose(-1, -2) if b_nk else b
        ref = torch.matmul(a, bt)
        t_cublas = do_bench(lambda: torch.matmul(a, bt), warmup=20, rep=100, return_mode="median") * 1e3
        results = []
        for cfg in CONFIGS:
            c = torch.empty(*lead, M, N, device="cuda", dtype=torch.bfloat16)
            try:
                f = launcher(a, b, c, batch, M, N, K, b_nk, cfg)
                f()
                torch.cuda.synchronize()
            except Exception as e:  # noqa: BLE001  (shared memory etc.)
                print(f"  skip {cfg}: {type(e).__name__}", flush=True)
                continue
            err = ((c.float() - ref.float()).norm() / ref.float().norm()).item()
            if not err < 1e-2:
                print(f"  WRONG {cfg}: {err}", flush=True)
                continue
            results.append((do_bench(f, warmup=10, rep=60, return_mode="median") * 1e3, cfg))
        results.sort()
        for t, cfg in results[:3]:
            print(f"{label:14s} {name:24s} {t:8.1f} us  cuBLAS {t_cublas:8.1f} us  ratio {t_cublas / t:5.2f}  {cfg}",
                  flush=True)


if __name__ == "__main__":
    main()
