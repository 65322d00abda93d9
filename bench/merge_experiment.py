"""Sort of rows up to 4096 by chunk sort + parallel merges (issue 4): torch vs GemForge's op and
direct launches of the merge sort variants against the current row paths.

    python bench/merge_experiment.py            (needs the built core: `import gemforge`)

Prints one line per (case, variant): µs, torch µs, speedup, and the check against torch's stable
sort (values and indices must match exactly). A failing variant prints its error and the run goes
on; variants stop at TIME_LIMIT_S (mostly Triton compiles). What each variant informs, all in
csrc/ops/scan_sort.cpp:
  "op"                       the op as built (row_plan's current rule): the benchmark's number
  "merge C<c> B<b> w<cw>/<mw>" MergeConfig kMergeGpu {chunk, chunk_warps, block, merge_warps}
  "bitonic32/64"             the one-block bitonic network (sort_kernel as launch_sort runs it):
                             row_plan's kMergeMinRow16 / kMergeMinRow32 - merge from the row
                             length (per key width) where the best merge variant beats it.
  (Direct launches go through Python: for 8 rows their launch cost dominates; compare "op" there.)
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
TIME_LIMIT_S = 130  # variants stop here: the run must end within 150 s


def bench(fn):
    return do_bench(fn, warmup=10, rep=40, return_mode="median") * 1000.0


def check(got, x):
    """Mismatches against torch's stable sort of the rows of x (values compared NaN-aware)."""
    v, i = got
    rv, ri = torch.sort(x, dim=-1, stable=True)
    bad_i = (i.view(ri.shape) != ri).sum().item()
    same_v = (v.view(rv.shape) == rv) | (torch.isnan(v.view(rv.shape).float()) & torch.isnan(rv.float()))
    return f"idx mismatches {bad_i}, value mismatches {(~same_v).sum().item()}"


# ---------------------------------------------------------------- direct launches (contiguous rows)

def merge(x, C, B, cw, mw):
    """merge_sort (csrc/ops/scan_sort.cpp) with chunk C, merge block B, warps cw / mw."""
    K, N = x.shape
    word32 = x.element_size() <= 2
    passes = (triton.cdiv(N, C) - 1).bit_length()
    w = [torch.empty(K * N, dtype=torch.int32 if word32 else torch.int64, device=DEV) for _ in range(2)]
    v = torch.empty_like(x)
    i = torch.empty(K, N, dtype=torch.int64, device=DEV)
    nch = triton.cdiv(N, C)
    ss.merge_chunk_kernel[(K * nch, )](w[0], x, K, N, nch, K, 1, N, 0, 0, 1, K_RANK=1, DESCENDING=False,
                                       WORD32=word32, CHUNK=C, LOG_C=C.bit_length() - 1, INT64=False, num_warps=cw)
    B = min(B, triton.next_power_of_2(N))
    T = triton.cdiv(N, B)
    run = C
    for p in range(passes):
        ss.merge_pass_kernel[(K * T, )](w[(p + 1) % 2], v, i, w[p % 2], x, K, N, N, T, K, 1, N, 0, 0, N, 0, 0, 1, 1,
                                        K_RANK=1, RUN=run, LOG_RUN=run.bit_length() - 1, BLOCK=B,
                                        LAST=p == passes - 1, WORD32=word32, INT64=False, num_warps=mw)
        run *= 2
    return v, i


def bitonic(x, packed):
    """launch_sort's one block a row: block_k rows a program, 8 warps from 4096 elements."""
    K, N = x.shape
    block_n = triton.next_power_of_2(N)
    block_k = min(triton.next_power_of_2(K), max(1, 2048 // block_n))
    v = torch.empty_like(x)
    i = torch.empty(K, N, dtype=torch.int64, device=DEV)
    key = 6 if x.dtype in (torch.bfloat16, torch.float16) else 0
    ss.sort_kernel[(triton.cdiv(K, block_k), )](v, i, x, None, K, N, N, 1, K, 1, N, 0, 0, N, 0, 0, 1, 1,
                                                K_RANK=1, DESCENDING=False, KEY=key, BLOCK_K=block_k,
                                                LOG_K=block_k.bit_length() - 1, BLOCK_N=block_n,
                                                LOG_N=block_n.bit_length() - 1, PADDED=block_n != N, PACKED=packed,
                                                HAS_SRC_IDX=False, INT64=False,
                                                num_warps=8 if block_k * block_n >= 4096 else 4)
    return v, i


def row(case, dtype, variant, us, torch_us, note):
    sp = f"{torch_us / us:6.2f}x" if us and torch_us else "   -   "
    print(f"{case:<16} {str(dtype).replace('torch.', ''):<9} {variant:<24} {us:9.1f} {torch_us:9.1f} {sp}  {note}",
          flush=True)


def run_variant(case, x, name, fn, torch_us):
    if time.time() - START > TIME_LIMIT_S:
        print(f"{case:<16} {str(x.dtype):<9} {name:<24} skipped (time limit)", flush=True)
        return
    try:
        note = check(fn(), x)
        row(case, x.dtype, name, bench(fn), torch_us, note)
    except Exception as e:  # noqa: BLE001  (a failing variant must not end the run)
        print(f"{case:<16} {str(x.dtype):<9} {name:<24} FAILED {type(e).__name__}: {str(e)[:300]}", flush=True)


def group(shape, dtype, merges):
    torch.manual_seed(0)
    x = torch.randn(shape, device=DEV).to(dtype)
    case = f"{shape[0]}x{shape[1]}"
    t_us = bench(lambda: torch.sort(x, dim=-1, stable=True))
    # the op as built; gemforge.use() entered outside the timed function (entering costs ms), and
    # left before the check (whose reference is torch's own sort)
    try:
        with gemforge.use():
            got = torch.sort(x, dim=-1, stable=True)
            g_us = bench(lambda: torch.sort(x, dim=-1, stable=True))
        row(case, x.dtype, "op", g_us, t_us, check(got, x))
    except Exception as e:  # noqa: BLE001
        print(f"{case:<16} {str(x.dtype):<9} {'op':<24} FAILED {type(e).__name__}: {str(e)[:300]}", flush=True)
    for C, B, cw, mw in merges:
        if C < shape[1]:
            run_variant(case, x, f"merge C{C} B{B} w{cw}/{mw}", lambda: merge(x, C, B, cw, mw), t_us)
    if x.element_size() <= 2:
        run_variant(case, x, "bitonic32", lambda: bitonic(x, 2), t_us)
    else:
        run_variant(case, x, "bitonic64", lambda: bitonic(x, 1), t_us)


def main():
    print(f"device: {torch.cuda.get_device_name()}, {SMS} SMs")
    print(f"{'case':<16} {'dtype':<9} {'variant':<24} {'us':>9} {'torch us':>9} speedup  check")
    # (chunk, merge block, chunk warps, merge warps); the first is kMergeGpu as built
    base = [(512, 1024, 4, 4), (256, 1024, 4, 4), (1024, 1024, 8, 4)]
    group((4096, 4096), torch.bfloat16, base + [(512, 1024, 4, 8), (512, 256, 4, 4)])
    group((8, 4096), torch.bfloat16, base + [(512, 256, 4, 4), (256, 256, 4, 4)])
    group((4096, 4096), torch.float32, base)
    group((32768, 512), torch.bfloat16, [(256, 512, 4, 4), (128, 512, 4, 4)])
    group((16384, 1024), torch.float32, [(512, 1024, 4, 4), (256, 1024, 4, 4)])
    group((8, 4096), torch.float32, [(512, 256, 4, 4)])
    print(f"total {time.time() - START:.0f} s")


if __name__ == "__main__":
    main()
