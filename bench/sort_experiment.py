"""Sort / argsort / unique experiment (issue 4): torch vs GemForge on the benchmark's shapes, and
direct launches of the radix/bitonic variants behind the constants of csrc/ops/scan_sort.cpp.

    python bench/sort_experiment.py            (needs the built core: `import gemforge`)

Prints one line per (case, variant): µs, torch µs, speedup, and the check against torch.sort
(stable: values and indices must match exactly). A failing variant prints its error and the run
goes on. Which constant each group informs:
  rows 4096/512/1024 (bitonic)    the one-block network with int64 or int32 words (rows up to
                                  4096 now mostly take the merge sort: bench/merge_experiment.py;
                                  the per-row radix variants measured in session 5 are in
                                  bench/results/2026-11-26-h200-session5-experiments.txt)
  wide D/B/S/F/w                  kRadixBits, kRadixBlock, kRadixSub, kRankField, scatter num_warps
"""
import time

import torch
import triton
from triton.testing import do_bench

import gemforge
from gemforge.kernels import scan_sort as ss

DEV = "cuda"
SMS = torch.cuda.get_device_properties(0).multi_processor_count
START = time.time()
TIME_LIMIT_S = 150  # variants (mostly Triton compiles) stop here: the run must end within 3 minutes


def bench(fn):
    return do_bench(fn, warmup=10, rep=40, return_mode="median") * 1000.0


def check(got, x, descending=False):
    """Mismatches against torch's stable sort of the rows of x (values as bits, NaN aside)."""
    v, i = got
    rv, ri = torch.sort(x, dim=-1, descending=descending, stable=True)
    bad_i = (i.view(ri.shape) != ri).sum().item()
    same_v = (v.view(rv.shape) == rv) | (torch.isnan(v.view(rv.shape).float()) & torch.isnan(rv.float()))
    return f"idx mismatches {bad_i}, value mismatches {(~same_v).sum().item()}"


# ---------------------------------------------------------------- direct launches

def bitonic(x, packed, warps=8):
    K, N = x.shape
    log_n = N.bit_length() - 1
    v = torch.empty_like(x)
    i = torch.empty(K, N, dtype=torch.int64, device=DEV)
    key = 6 if x.dtype in (torch.bfloat16, torch.float16) else 0
    ss.sort_kernel[(K, )](v, i, x, None, K, N, N, 1, K, 1, N, 0, 0, N, 0, 0, 1, 1,
                          K_RANK=1, DESCENDING=False, KEY=key, BLOCK_K=1, LOG_K=0, BLOCK_N=N, LOG_N=log_n,
                          PADDED=False, PACKED=packed, HAS_SRC_IDX=False, INT64=False, num_warps=warps)
    return v, i


def radix_wide(x, D, BLOCK, SUB, F, warps):
    """The host driver of radix_sort (csrc/ops/scan_sort.cpp) for contiguous rows."""
    K, N = x.shape
    R = 1 << D
    passes = x.element_size() * 8 // D
    T = triton.cdiv(N, BLOCK)
    signed = x.dtype not in (torch.uint8, torch.bool)
    totals = torch.zeros(passes * K * R, dtype=torch.int32, device=DEV)
    table = torch.empty(K * R * T, dtype=torch.int32, device=DEV)
    wv = [torch.empty_like(x) for _ in range(2)]
    wi = [torch.empty(K * N, dtype=torch.int32, device=DEV) for _ in range(2)]
    v = torch.empty_like(x)
    i = torch.empty(K, N, dtype=torch.int64, device=DEV)
    BT = min(4096, max(4, triton.next_power_of_2(triton.cdiv(T, 16))))  # the host's chunks (radix_sort)
    C = triton.cdiv(T, BT)
    DG = min(R, 4096 // BT)
    sums = torch.empty(K * C * R, dtype=torch.int32, device=DEV)
    for p in range(passes):
        first, last = p == 0, p == passes - 1
        sv = x if first else wv[(p - 1) % 2]
        ss.radix_hist_kernel[(K * T, )](table, totals, sv, K, N, T, K, 1, N, 0, 0, 1,
                                        K_RANK=1, DESCENDING=False, shift=D * p, FLIP=last and signed,
                                        TOTALS=passes if first else 0, SIGNED=signed, D=D, BLOCK=BLOCK, LANE_ATOMICS=False,
                                        INT64=False, num_warps=4)
        ss.radix_chunk_sums_kernel[(K * (R // DG) * C, )](sums, table, T, R // DG, C, D=D, DG=DG, BT=BT, INT64=False,
                                                          num_warps=4)
        ss.radix_offsets_kernel[(K * (R // DG) * C, )](table, sums, T, R // DG, C, D=D, DG=DG, BT=BT, CB=16,
                                                       INT64=False, num_warps=4)
        dv, di = (v, i) if last else (wv[p % 2], wi[p % 2])
        ss.radix_scatter_kernel[(K * T, )](dv, di, sv, None if first else wi[(p - 1) % 2], table, N, N, T,
                                           K, 1, N, 0, 0, N, 0, 0, 1, 1,
                                           K_RANK=1, DESCENDING=False, shift=D * p, FLIP=last and signed,
                                           FIRST=first, D=D, BLOCK=BLOCK, SUB=SUB, F=F, INT64=False, HAS_IDX=True,
                                           num_warps=warps)
    return v, i


def row(case, dtype, variant, us, torch_us, note):
    sp = f"{torch_us / us:6.2f}x" if us and torch_us else "   -   "
    print(f"{case:<26} {str(dtype).replace('torch.', ''):<9} {variant:<28} {us:9.1f} {torch_us:9.1f} {sp}  {note}",
          flush=True)


def run_variant(case, x, name, fn, torch_us):
    if time.time() - START > TIME_LIMIT_S:
        print(f"{case:<26} {str(x.dtype):<9} {name:<28} skipped (time limit)", flush=True)
        return
    try:
        note = check(fn(), x)
        row(case, x.dtype, name, bench(fn), torch_us, note)
    except Exception as e:  # noqa: BLE001  (a failing variant must not end the run)
        print(f"{case:<26} {str(x.dtype):<9} {name:<28} FAILED {type(e).__name__}: {str(e)[:300]}", flush=True)


def main():
    torch.manual_seed(0)
    print(f"device: {torch.cuda.get_device_name()}, {SMS} SMs")
    print(f"{'case':<26} {'dtype':<9} {'variant':<28} {'us':>9} {'torch us':>9} speedup  check")

    # --- through the operators (what the benchmark measures)
    op_cases = [
        ("sort 4096x4096", (4096, 4096), torch.bfloat16, lambda x: torch.sort(x, dim=-1, stable=True)),
        ("argsort 4096x4096", (4096, 4096), torch.bfloat16, lambda x: torch.argsort(x, dim=-1, stable=True)),
        ("sort 4096x4096", (4096, 4096), torch.float32, lambda x: torch.sort(x, dim=-1, stable=True)),
        ("sort 8x4096", (8, 4096), torch.bfloat16, lambda x: torch.sort(x, dim=-1, stable=True)),
        ("sort 1M", (1 << 20, ), torch.bfloat16, lambda x: torch.sort(x, dim=-1, stable=True)),
        ("sort 16M", (1 << 24, ), torch.bfloat16, lambda x: torch.sort(x, dim=-1, stable=True)),
        ("argsort 16M", (1 << 24, ), torch.bfloat16, lambda x: torch.argsort(x, dim=-1, stable=True)),
        ("unique 16M few", (1 << 24, ), torch.int64, lambda x: torch.unique(x, sorted=True)),
        ("unique(inv,cnt) 16M few", (1 << 24, ), torch.int64,
         lambda x: torch.unique(x, sorted=True, return_inverse=True, return_counts=True)),
    ]
    for case, shape, dtype, fn in op_cases:
        try:
            x = (torch.randint(0, 1000, shape, device=DEV) if dtype == torch.int64
                 else torch.randn(shape, device=DEV).to(dtype))
            t_us = bench(lambda: fn(x))
            ref = fn(x)
            with gemforge.use():
                got = fn(x)
                g_us = bench(lambda: fn(x))
            ref, got = (ref, got) if isinstance(ref, tuple) else ((ref, ), (got, ))
            bad = sum((a.shape != b.shape) or bool((a.float() != b.float()).any().item()) for a, b in zip(got, ref))
            row(case, dtype, "gemforge op", g_us, t_us, f"outputs differing from torch: {bad}")
        except Exception as e:  # noqa: BLE001
            print(f"{case:<26} {str(dtype):<9} gemforge op FAILED {type(e).__name__}: {str(e)[:300]}", flush=True)

    # most informative first: late groups may meet the time limit
    rows_group((4096, 4096), torch.bfloat16)
    wide_group((1, 1 << 24), torch.bfloat16)
    rows_group((4096, 4096), torch.float32)
    rows_group((32768, 512), torch.bfloat16)
    rows_group((16384, 1024), torch.float32)
    wide_group((1, 1 << 20), torch.bfloat16)
    rows_group((8, 4096), torch.bfloat16)  # few rows (decode): latency; compiles cached from above


def rows_group(shape, dtype):
    """Rows <= 4096: the bitonic network's word widths."""
    x = torch.randn(shape, device=DEV).to(dtype)
    case = f"rows {shape[0]}x{shape[1]}"
    t_us = bench(lambda: torch.sort(x, dim=-1, stable=True))
    variants = []
    variants += [("bitonic packed64", lambda: bitonic(x, 1))]
    if x.element_size() <= 2:
        variants += [("bitonic packed32", lambda: bitonic(x, 2))]
    for name, fn in variants:
        run_variant(case, x, name, fn, t_us)


def wide_group(shape, dtype):
    """Wide rows: radix pass variants (the radix_sort driver)."""
    x = torch.randn(shape, device=DEV).to(dtype)
    case = f"wide {shape[1] >> 20}M"
    t_us = bench(lambda: torch.sort(x, dim=-1, stable=True))
    variants = [("wide D4 B4096 S256 F16 w8", lambda: radix_wide(x, 4, 4096, 256, 16, 8)),
                ("wide D4 B4096 S256 F0 w8", lambda: radix_wide(x, 4, 4096, 256, 0, 8))]
    if shape[1] == 1 << 24:
        variants += [("wide D4 B8192 S256 F16 w8", lambda: radix_wide(x, 4, 8192, 256, 16, 8)),
                     ("wide D4 B4096 S128 F8 w4", lambda: radix_wide(x, 4, 4096, 128, 8, 4)),
                     ("wide D4 B4096 S1024 F16 w8", lambda: radix_wide(x, 4, 4096, 1024, 16, 8)),
                     ("wide D8 B4096 S64 F8 w8", lambda: radix_wide(x, 8, 4096, 64, 8, 8))]
    for name, fn in variants:
        run_variant(case, x, name, fn, t_us)


if __name__ == "__main__":
    main()
