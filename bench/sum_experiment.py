"""Experiment: how fast can a Triton kernel read 64M bf16 for a sum on this GPU?"""
import itertools, torch, triton, triton.language as tl
from triton.testing import do_bench


@triton.jit
def sum_chunks(x, partials, chunk, BLOCK: tl.constexpr, UNROLL: tl.constexpr, MODE: tl.constexpr,
               STAGES: tl.constexpr):
    pid = tl.program_id(0)
    base = pid * chunk
    acc = tl.zeros((BLOCK,), tl.float32)
    for i in tl.range(0, chunk, BLOCK * UNROLL, num_stages=STAGES):
        for u in tl.static_range(UNROLL):
            offs = base + i + u * BLOCK + tl.arange(0, BLOCK)
            if MODE == 0:
                v = tl.load(x + offs, eviction_policy="evict_first")
            elif MODE == 1:
                v = tl.load(x + offs, cache_modifier=".ca", eviction_policy="evict_first")
            else:
                v = tl.load(x + offs, cache_modifier=".cg", eviction_policy="evict_first")
            acc += v.to(tl.float32)
    tl.store(partials + pid, tl.sum(acc, 0))


n = 1 << 26
x = torch.randn(n, device="cuda", dtype=torch.bfloat16)
print("torch", do_bench(lambda: x.sum(), return_mode="median") * 1e3)
res = []
for block, warps, progs, unroll, mode, stages in itertools.product([2048, 4096, 8192], [8, 16], [512, 1024, 2048],
                                                                   [1, 2], [0, 2], [1, 3, 4]):
    chunk = triton.cdiv(triton.cdiv(n, progs), block * unroll) * block * unroll
    progs = triton.cdiv(n, chunk)
    if n % chunk or block // (32 * warps) < 2:
        continue
    p = torch.empty(progs, device="cuda")
    f = lambda: sum_chunks[(progs, )](x, p, chunk, BLOCK=block, UNROLL=unroll, MODE=mode, STAGES=stages,
                                      num_warps=warps)
    try:
        f()
    except Exception as e:  # noqa: BLE001
        print("skip", block, warps, progs, unroll, mode, type(e).__name__)
        continue
    assert abs(p.sum().item() - x.float().sum().item()) < 1e-2 * n**0.5 * 3
    t = do_bench(f, return_mode="median") * 1e3
    res.append((t, block, warps, progs, unroll, mode, stages))
res.sort()
for r in res[:10]:
    print("%.1f us %.0f GB/s" % (r[0], 2 * n / r[0] / 1e3), r)
