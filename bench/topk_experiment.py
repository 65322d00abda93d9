"""topk by radix select (kernels/select.py topk_*, host csrc/ops/scan_sort.cpp topk_planned) vs torch.

    python bench/topk_experiment.py

Per benchmark shape: torch.topk, gemforge's topk (the C++ host path, `with gemforge.use()`), and
direct launches of the same kernels with other constants, to set scan_sort.cpp's:
    kTopkBlockRow   8x4096 "split c1024": the row split across programs instead of one program
    block warps     8x4096 "block w4/w8/w16": topk_planned's num_warps of topk_block_kernel
    kTopkChunk      "c4096/c8192": elements a program of a split row reads at a time
    kTopkPrograms   "p264/p528/p1056": programs a split aims at
    kTopkDigitBits  "d4/d8": bits a digit pass (d4: twice the passes, 16-bin histograms)
    split warps     "w4/w8": num_warps of topk_hist_kernel/topk_gather_kernel
Direct variants run from a CUDA graph (no Python launch cost; the gemforge line includes the C++
host cost, as a user sees it). Every variant's result is checked against torch: values equal
(sorted, exactly) and x[indices] == values; mismatches are printed.
"""
import torch
import triton

import gemforge
from gemforge.kernels import select as S

KEY = {torch.float16: (13, 19), torch.bfloat16: (16, 16), torch.float32: (0, 32)}


def np2(n):
    return 1 << max(0, (n - 1).bit_length())


def direct(x, k, block_row=4096, chunk=4096, programs=528, dbits=8, block_warps=8, split_warps=8):
    """topk_planned for a contiguous [K, N] x along dim 1 (largest, sorted), as a closure."""
    K, N = x.shape
    v = torch.empty(K, k, dtype=x.dtype, device=x.device)
    i = torch.empty(K, k, dtype=torch.long, device=x.device)
    shift, nbits = KEY[x.dtype]
    kb = max(2, np2(k))
    lkb = kb.bit_length() - 1
    rows = (K, 1, N, 0, 0, k, 0, 0, 1, 1)
    if N <= block_row:
        def run():
            S.topk_block_kernel[(K, )](v, i, x, N, k, *rows, K_RANK=1, LARGEST=True, SORTED=True, SHIFT=shift,
                                       NBITS=nbits, DBITS=dbits, BLOCK_N=np2(N), KB=kb, LOG_KB=lkb, INT64=False,
                                       num_warps=block_warps)
        return run, v, i
    chunks = -(-N // chunk)
    parts = min(chunks, max(1, -(-programs // K)))
    seg = -(-chunks // parts) * chunk
    parts = -(-N // seg)
    R = 1 << dbits
    P = -(-nbits // dbits)
    zeroed = K * (P * R + 1)
    ws = torch.empty(zeroed + K * parts * R, dtype=torch.int32, device=x.device)
    hist, counter, table = ws[:K * P * R], ws[K * P * R:zeroed], ws[zeroed:]

    def run():
        ws[:zeroed].zero_()
        for p in range(P):
            S.topk_hist_kernel[(K * parts, )](hist, table, x, N, k, parts, seg, p, K, 1, N, 0, 0, 1, K_RANK=1,
                                              LARGEST=True, SHIFT=shift, NBITS=nbits, DBITS=dbits, LAST=p == P - 1,
                                              BLOCK=chunk, INT64=False, num_warps=split_warps)
        S.topk_gather_kernel[(K * parts, )](v, i, hist, table, counter, x, N, k, parts, seg, *rows, K_RANK=1,
                                            LARGEST=True, SORTED=True, SHIFT=shift, NBITS=nbits, DBITS=dbits,
                                            BLOCK=chunk, BLOCK_S=64, INT64=False, num_warps=split_warps)
        S.topk_sort_kernel[(K, )](v, i, x, N, k, *rows, K_RANK=1, LARGEST=True, SHIFT=shift, NBITS=nbits, KB=kb,
                                  LOG_KB=lkb, INT64=False, num_warps=8 if kb >= 512 else 4)
    return run, v, i


def bench(fn, graph):
    if graph:
        fn()
        torch.cuda.synchronize()
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            fn()
        fn = g.replay
    return triton.testing.do_bench(fn, warmup=10, rep=40, return_mode="median") * 1000


def errors(x, k, v, i, rv):
    bad = (v != rv).sum().item() + (x.gather(1, i) != v).sum().item()
    bad += sum(int(row.unique().numel() != k) for row in i)  # indices distinct
    return bad


# (shape, k, dtype, direct variants: (label, kwargs))
CASES = [
    ((8, 4096), 50, torch.bfloat16, [("block w4", dict(block_warps=4)), ("block w8", dict(block_warps=8)),
                                     ("block w16", dict(block_warps=16)),
                                     ("split c1024", dict(block_row=2048, chunk=1024))]),
    ((64, 128000), 50, torch.bfloat16, [("c4096 p528 d8 w8", {}), ("c8192", dict(chunk=8192)),
                                        ("p264", dict(programs=264)),
                                        ("p1056", dict(programs=1056)), ("d4", dict(dbits=4)),
                                        ("w4", dict(split_warps=4))]),
    ((64, 128000), 50, torch.float32, [("c4096 p528 d8 w8", {}), ("p1056", dict(programs=1056))]),
    ((1, 1 << 24), 1024, torch.bfloat16, [("c4096 p528 d8 w8", {}), ("c8192", dict(chunk=8192)),
                                          ("p264", dict(programs=264)), ("p1056", dict(programs=1056)),
                                          ("d4", dict(dbits=4)), ("w4", dict(split_warps=4))]),
]


def main():
    torch.manual_seed(0)
    print(f"{'shape':>14} {'dtype':>9} {'k':>5} {'variant':>18} {'us':>9} {'torch us':>9} {'speedup':>8} {'errors':>6}")
    for shape, k, dtype, variants in CASES:
        x = torch.randn(shape, device="cuda").to(dtype)
        rv, _ = torch.topk(x, k, 1)
        t_torch = bench(lambda: torch.topk(x, k, 1), False)

        def gf():
            with gemforge.use():
                return torch.topk(x, k, 1)
        rows = []
        try:
            v, i = gf()
            rows.append(("gemforge", bench(gf, False), errors(x, k, v, i, rv)))
        except Exception as e:  # keep going: report and try the next variant
            print("gemforge failed:", repr(e)[:300])
        for label, kw in variants:
            try:
                run, v, i = direct(x, k, **kw)
                run()
                torch.cuda.synchronize()
                err = errors(x, k, v, i, rv)
                rows.append((label, bench(run, True), err))
            except Exception as e:
                print(label, "failed:", repr(e)[:300])
        for label, t, err in rows:
            print(f"{'x'.join(map(str, shape)):>14} {str(dtype)[6:]:>9} {k:>5} {label:>18} {t:9.1f} {t_torch:9.1f} "
                  f"{t_torch / t:8.2f} {err:6d}", flush=True)


if __name__ == "__main__":
    main()
