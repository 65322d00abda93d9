"""Sort of rows up to 4096 by chunk sort + parallel merges (issue 4): torch vs GemForge's op and
direct launches of the merge pass variants.

    python3 bench/merge_experiment.py        (needs the built core: `import gemforge`; ~1-2 min on
                                              an H200, mostly compiles; stops new variants at 130 s)

Without a GPU it runs a smoke test instead: tiny rows under Triton's interpreter, every variant
checked, nothing timed.

Prints one line per (case, variant): µs, torch µs, speedup, and the check against torch's stable
sort (values and indices must match exactly). A failing variant prints its error and the run goes
on. Timing: timing.device_median_us (L2 flushed clean, so not comparable with the do_bench numbers
of earlier runs); variants launched from Python are replayed from a CUDA graph (timing.graphed:
Triton's Python launcher takes longer a launch than these kernels run); "op" and torch are timed
as they are (C++ launches queue ahead of the device). What each variant informs, all in
csrc/ops/scan_sort.cpp:
  "op"                            the op as built (row_plan, kMergeGpu): the benchmark's number
  "C<c> B<b> s<seg> w<cw>/<mw>"   MergeConfig {chunk, chunk_warps, block, merge_warps, seg}: seg 0
                                  the per-word search (merge_pass_kernel), else merge paths of seg
                                  outputs a lane (merge_path_kernel, block / seg lanes a program;
                                  warps as merge_sort clamps them: one per 32 lanes, at most mw)
  "bitonic32/64"                  the one-block bitonic network (sort_kernel as launch_sort runs
                                  it): row_plan's kMergeMinRow16 / kMergeMinRow32
"""
import time

import torch

import gemforge  # first: without a GPU it sets TRITON_INTERPRET before triton is imported
import triton
from gemforge import timing
from gemforge.kernels import scan_sort as ss

GPU = torch.cuda.is_available() and gemforge.default_backend() == "cuda"
DEV = "cuda" if GPU else "cpu"
START = time.time()
TIME_LIMIT_S = 130  # variants stop here: the run must end within 150 s


def t_us(fn):
    return timing.device_median_us(fn, 10, 40)


def check(got, x):
    """Mismatches against torch's stable sort of the rows of x (values compared NaN-aware)."""
    v, i = got
    rv, ri = torch.sort(x, dim=-1, stable=True)
    bad_i = (i.view(ri.shape) != ri).sum().item()
    same_v = (v.view(rv.shape) == rv) | (torch.isnan(v.view(rv.shape).float()) & torch.isnan(rv.float()))
    return f"idx mismatches {bad_i}, value mismatches {(~same_v).sum().item()}"


# ---------------------------------------------------------------- direct launches (contiguous rows)

def merge(x, C, B, seg, cw, mw):
    """merge_sort (csrc/ops/scan_sort.cpp) with chunk C, merge block B, segments seg (0: the
    per-word search), warps cw / mw. Returns (launch, (values, indices)): launch() runs every
    kernel on buffers allocated here (so that a CUDA graph can replay it)."""
    K, N = x.shape
    word32 = x.element_size() <= 2
    nch = triton.cdiv(N, C)
    passes = (nch - 1).bit_length()
    w = [torch.empty(K * N, dtype=torch.int32 if word32 else torch.int64, device=DEV) for _ in range(2)]
    v = torch.empty_like(x)
    i = torch.empty(K, N, dtype=torch.int64, device=DEV)
    B = min(B, triton.next_power_of_2(N))
    warps = min(max(B // seg // 32, 1), mw) if seg else mw

    def launch():
        ss.merge_chunk_kernel[(K * nch, )](w[0], x, K, N, nch, K, 1, N, 0, 0, 1, K_RANK=1, DESCENDING=False,
                                           WORD32=word32, CHUNK=C, LOG_C=C.bit_length() - 1, INT64=False,
                                           num_warps=cw)
        run = C
        for p in range(passes):
            T = triton.cdiv(N, B)
            args = (w[(p + 1) % 2], v, i, w[p % 2], x, K, N, N, T, K, 1, N, 0, 0, N, 0, 0, 1, 1)
            consts = dict(K_RANK=1, RUN=run, LOG_RUN=run.bit_length() - 1, BLOCK=B, LAST=p == passes - 1,
                          WORD32=word32, INT64=False, num_warps=warps)
            if seg:
                ss.merge_path_kernel[(K * T, )](*args, SEG=seg, **consts)
            else:
                ss.merge_pass_kernel[(K * T, )](*args, **consts)
            run *= 2

    return launch, (v, i)


def bitonic(x, packed):
    """launch_sort's one block a row: block_k rows a program, 8 warps from 4096 elements."""
    K, N = x.shape
    block_n = triton.next_power_of_2(N)
    block_k = min(triton.next_power_of_2(K), max(1, 2048 // block_n))
    v = torch.empty_like(x)
    i = torch.empty(K, N, dtype=torch.int64, device=DEV)
    key = 6 if x.dtype in (torch.bfloat16, torch.float16) else 0

    def launch():
        ss.sort_kernel[(triton.cdiv(K, block_k), )](v, i, x, None, K, N, N, 1, K, 1, N, 0, 0, N, 0, 0, 1, 1,
                                                    K_RANK=1, DESCENDING=False, KEY=key, BLOCK_K=block_k,
                                                    LOG_K=block_k.bit_length() - 1, BLOCK_N=block_n,
                                                    LOG_N=block_n.bit_length() - 1, PADDED=block_n != N,
                                                    PACKED=packed, HAS_SRC_IDX=False, INT64=False,
                                                    num_warps=8 if block_k * block_n >= 4096 else 4)

    return launch, (v, i)


def row(case, dtype, variant, us, torch_us, note):
    sp = f"{torch_us / us:6.2f}x" if us and torch_us else "   -   "
    us_s = f"{us:9.1f}" if us else f"{'-':>9}"
    t_s = f"{torch_us:9.1f}" if torch_us else f"{'-':>9}"
    print(f"{case:<16} {str(dtype).replace('torch.', ''):<9} {variant:<24} {us_s} {t_s} {sp}  {note}", flush=True)


def failed(case, dtype, name, e):
    print(f"{case:<16} {str(dtype).replace('torch.', ''):<9} {name:<24} FAILED {type(e).__name__}: {str(e)[:300]}",
          flush=True)


def run_variant(case, x, name, make, torch_us):
    if time.time() - START > TIME_LIMIT_S:
        print(f"{case:<16} {str(x.dtype).replace('torch.', ''):<9} {name:<24} skipped (time limit)", flush=True)
        return
    try:
        launch, out = make()
        launch()
        note = check(out, x)
        row(case, x.dtype, name, t_us(timing.graphed(launch)) if GPU else None, torch_us, note)
    except Exception as e:  # noqa: BLE001  (a failing variant must not end the run)
        failed(case, x.dtype, name, e)


def group(shape, dtype, merges, net=False):
    """merges: (chunk, block, seg, chunk warps, merge warps); net: also the one-block network."""
    torch.manual_seed(0)
    x = torch.randn(shape, device=DEV).to(dtype)
    x.view(-1)[::97] = float("nan")  # NaN sorts last, in index order
    case = f"{shape[0]}x{shape[1]}"
    sort = lambda: torch.sort(x, dim=-1, stable=True)  # noqa: E731
    torch_us = t_us(sort) if GPU else None
    # the op as built; gemforge.use() entered outside the timed function (entering costs ms), and
    # left before the check (whose reference is torch's own sort)
    try:
        with gemforge.use():
            got = sort()
            g_us = t_us(sort) if GPU else None
        row(case, x.dtype, "op", g_us, torch_us, check(got, x))
    except Exception as e:  # noqa: BLE001
        failed(case, x.dtype, "op", e)
    for C, B, seg, cw, mw in merges:
        if C < shape[1]:
            run_variant(case, x, f"C{C} B{B} s{seg} w{cw}/{mw}", lambda: merge(x, C, B, seg, cw, mw), torch_us)
    if net:
        packed = 2 if x.element_size() <= 2 else 1
        run_variant(case, x, f"bitonic{16 * packed}", lambda: bitonic(x, packed), torch_us)


def segs(C, cw=4):
    """seg 0 at the block it measured best with (1024), merge paths at 128 lanes (4 warps)."""
    return [(C, 1024, 0, cw, 4)] + [(C, 128 * s, s, cw, 4) for s in (8, 16, 32)]


def main():
    if not GPU:
        # smoke test: chunks of 64, so rows of 600 take four passes
        print("no GPU: smoke test under the interpreter, nothing timed")
        small = [(64, 256, s, 4, 4) for s in (0, 8, 16, 32)]
        group((2, 600), torch.bfloat16, small, net=True)
        group((2, 600), torch.float32, small)
        return
    print(f"device: {torch.cuda.get_device_name()}, {torch.cuda.get_device_properties(0).multi_processor_count} SMs")
    print(f"{'case':<16} {'dtype':<9} {'variant':<24} {'us':>9} {'torch us':>9} speedup  check")
    group((4096, 4096), torch.bfloat16, segs(512))
    group((4096, 4096), torch.float32, segs(512))
    group((16384, 1024), torch.float32, segs(512))
    # few rows: also 32 lanes (one warp) a program, 4x the programs; and chunks of 1024 (one pass less)
    group((8, 4096), torch.bfloat16, segs(512) + [(512, 32 * 16, 16, 4, 4), (1024, 32 * 16, 16, 8, 4)])
    # if time is left: where row_plan's 16-bit threshold would move (the network won here before)
    group((32768, 512), torch.bfloat16, [(256, 1024, 0, 4, 4), (256, 2048, 16, 4, 4), (256, 512, 16, 4, 4)],
          net=True)
    print(f"total {time.time() - START:.0f} s")


if __name__ == "__main__":
    main()
