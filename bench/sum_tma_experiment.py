"""Experiment: does reading through TMA (host tensor descriptors) beat plain loads for a 64M bf16 sum?"""
import itertools

import torch
import triton
import triton.language as tl
from triton.testing import do_bench
from triton.tools.tensor_descriptor import TensorDescriptor


@triton.jit
def sum_tma(desc, partials, rows_per_prog, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, STAGES: tl.constexpr):
    pid = tl.program_id(0)
    acc = tl.zeros((BLOCK_M, BLOCK_N), tl.float32)
    for i in tl.range(0, rows_per_prog, BLOCK_M, num_stages=STAGES):
        acc += desc.load([pid * rows_per_prog + i, 0]).to(tl.float32)
    tl.store(partials + pid, tl.sum(tl.sum(acc, 1), 0))


n = 1 << 26
x = torch.randn(n, device="cuda", dtype=torch.bfloat16)
print("torch", do_bench(lambda: x.sum(), return_mode="median") * 1e3)
res = []
for cols, block_m, warps, progs, stages in itertools.product([256, 512], [16, 32, 64], [4, 8], [256, 512, 1024],
                                                             [2, 3, 4]):
    rows = n // cols
    rows_per_prog = rows // progs
    if rows_per_prog % block_m:
        continue
    x2 = x.view(rows, cols)
    desc = TensorDescriptor.from_tensor(x2, [block_m, cols])
    p = torch.empty(progs, device="cuda")
    f = lambda: sum_tma[(progs, )](desc, p, rows_per_prog, BLOCK_M=block_m, BLOCK_N=cols, STAGES=stages,
                                   num_warps=warps)
    try:
        f()
    except Exception as e:  # noqa: BLE001
        print("skip", cols, block_m, warps, progs, stages, type(e).__name__, str(e)[:100])
        continue
    assert abs(p.sum().item() - x.float().sum().item()) < 1e-2 * n**0.5 * 3
    res.append((do_bench(f, return_mode="median") * 1e3, cols, block_m, warps, progs, stages))
res.sort()
for r in res[:8]:
    print("%.1f us %.0f GB/s" % (r[0], 2 * n / r[0] / 1e3), r)
