"""Session 13: the radix sort with warp-vote ranking (8-bit digits, radix_scatter_staged_kernel)
against torch.sort. (The session's earlier variants of the scatter, without the shared-memory
stage, are described with their numbers in bench/results/2026-11-27-h200-session13-sort.txt.)

    python bench/radix_warp_probe.py        (needs the built core: `import gemforge`)

Part 1, direct launches of the passes (the host driver of csrc/ops/scan_sort.cpp radix_sort,
rows contiguous) with the scatter's programs per SM varied (radix_warps_per_sm): µs of the whole
sort and of the scatter passes alone, checked against torch's stable sort.
Part 2 (alone with PART2_ONLY=1), through the op: torch and GemForge µs (gemforge.timing, the
benchmark's timer), the check, and GemForge's kernels by total time (profiler).
"""
import os

import torch
import triton
from torch.profiler import ProfilerActivity, profile

import gemforge
from gemforge.kernels import scan_sort as ss
from gemforge.timing import device_median_us

DEV = "cuda"
SMS = torch.cuda.get_device_properties(0).multi_processor_count
CASES = [((1, 16 << 20), torch.bfloat16), ((1, 16 << 20), torch.float32), ((1, 1 << 20), torch.bfloat16),
         ((128, 32768), torch.bfloat16)]


def radix_driver(x, block, scatter_launch):
    """The host's radix_sort of x's rows (contiguous [K, N]) by direct launches: per pass the
    library's histogram (tiles of block), chunk sums and offsets kernels, then
    scatter_launch(p, dv, di, sv, si, table, T) for the scatter. Returns run (the whole sort: values,
    indices) and scatter (one pass's scatter alone, on the table the last run left)."""
    K, N = x.shape
    passes = x.element_size()
    T = triton.cdiv(N, block)
    signed = x.dtype not in (torch.uint8, torch.bool)
    totals = torch.zeros(passes * K * 256, dtype=torch.int32, device=DEV)
    table = torch.empty(K * 256 * T, dtype=torch.int32, device=DEV)
    wv = [torch.empty_like(x) for _ in range(2)]
    wi = [torch.empty(K * N, dtype=torch.int32, device=DEV) for _ in range(2)]
    v = torch.empty_like(x)
    i = torch.empty(K, N, dtype=torch.int64, device=DEV)
    bt = min(4096, max(4, triton.next_power_of_2(triton.cdiv(T, 16))))  # as the host (radix_sort): tiles a
    chunks = triton.cdiv(T, bt)                                          # chunk, 16 chunks a row at most
    dg = min(256, 4096 // bt)
    sums = torch.empty(K * chunks * 256, dtype=torch.int32, device=DEV)

    def table_pass(p, sv):
        ss.radix_hist_kernel[(K * T, )](table, totals, sv, K, N, T, K, 1, N, 0, 0, 1,
                                        K_RANK=1, DESCENDING=False, shift=8 * p, FLIP=p == passes - 1 and signed,
                                        TOTALS=0, SIGNED=signed, D=8, BLOCK=block,
                                        LANE_ATOMICS=True, INT64=False, num_warps=4)
        grid = (K * (256 // dg) * chunks, )
        ss.radix_chunk_sums_kernel[grid](sums, table, T, 256 // dg, chunks, D=8, DG=dg, BT=bt, INT64=False, num_warps=4)
        ss.radix_offsets_kernel[grid](table, sums, T, 256 // dg, chunks, D=8, DG=dg, BT=bt, CB=16, INT64=False,
                                      num_warps=4)

    def scatter(p):
        first, last = p == 0, p == passes - 1
        dv, di = (v, i) if last else (wv[p % 2], wi[p % 2])
        scatter_launch(p, dv, di, x if first else wv[(p - 1) % 2], None if first else wi[(p - 1) % 2], table, T)

    def run():
        for p in range(passes):
            table_pass(p, x if p == 0 else wv[(p - 1) % 2])
            scatter(p)
        return v, i

    return run, scatter


def radix_warp(x, per_sm, block=4096, only_scatter=False, match_peers=None):
    """radix_driver with the library's radix_scatter_staged_kernel, per_sm programs an SM."""
    K, N = x.shape
    passes = x.element_size()
    signed = x.dtype not in (torch.uint8, torch.bool)
    match_peers = match_peers or (True, ) * passes  # (per pass: the scatter's MATCH_PEERS)

    def launch(p, dv, di, sv, si, table, T):
        last = p == passes - 1
        ss.radix_scatter_staged_kernel[(min(K * T, per_sm * SMS), )](
            dv, di, sv, si, table, N, N, T, K * T, K, 1, N, 0, 0, N, 0, 0, 1, 1,
            8 * p, K_RANK=1, DESCENDING=False, FLIP=last and signed, FIRST=p == 0, BLOCK=block,
            VB=x.element_size(), MATCH_PEERS=match_peers[p], INT64=False, HAS_IDX=True, num_warps=1)

    run, scatter = radix_driver(x, block, launch)
    run()
    if only_scatter:  # time one pass's scatter alone (the table of the last pass stays)
        return lambda: scatter(passes - 1)
    return run


def mismatches(got, x):
    v, i = got
    rv, ri = torch.sort(x, dim=-1, stable=True)
    return (i.view(ri.shape) != ri).sum().item() + (v.view(rv.shape) != rv).sum().item()


def main():
    torch.manual_seed(0)
    print(f"device: {torch.cuda.get_device_name()}, {SMS} SMs")
    for shape, dtype in ([] if os.environ.get("PART2_ONLY") else CASES):
        x = torch.randn(shape, device=DEV).to(dtype)
        t_torch = device_median_us(lambda: torch.sort(x, dim=-1, stable=True))
        for per_sm in (4, 6, 8):  # (the stage's shared memory caps it: 8 for 2-byte values, 6 for 4)
            fn = radix_warp(x, per_sm)
            bad = mismatches(fn(), x)
            t_all = device_median_us(fn)
            t_sc = device_median_us(radix_warp(x, per_sm, only_scatter=True))
            print(f"direct {tuple(shape)} {dtype} per_sm {per_sm:2d}: sort {t_all:8.1f} us (torch {t_torch:.1f}, "
                  f"{t_torch / t_all:.2f}x), last scatter {t_sc:7.1f} us, mismatches {bad}", flush=True)

    for shape, dtype in CASES:
        x = torch.randn(shape, device=DEV).to(dtype)
        fn = lambda: torch.sort(x, dim=-1, stable=True)
        t_torch = device_median_us(fn)
        with gemforge.use():
            got = fn()
            t_gf = device_median_us(fn)
        print(f"op {tuple(shape)} {dtype}: torch {t_torch:.1f} us, gemforge {t_gf:.1f} us, "
              f"{t_torch / t_gf:.2f}x, mismatches {mismatches(got, x)}", flush=True)
        with gemforge.use():
            with profile(activities=[ProfilerActivity.CUDA]) as prof:
                for _ in range(5):
                    fn()
                torch.cuda.synchronize()
        for e in sorted(prof.key_averages(), key=lambda e: -e.device_time_total)[:4]:
            print(f"    {e.key[:50]:50s} {e.count // 5:3d} a call  {e.device_time_total / 5:8.1f} us a call")


if __name__ == "__main__":
    main()
