"""GPU experiment: reductions over dim 0 and softmax / log_softmax over dim 0 (bf16), issue 4's
TALL shapes, torch against GemForge's table and against launch variants of the kernels.

    python3 bench/colred_experiment.py [reductions | sweep | softmax]   (after the core is built;
        ~2-3 minutes on an H200; "reductions" / "softmax": those alone; "sweep": a grid of reduction
        tiles, ~6 minutes)

Reductions (kernels/reduce.py reduce_kernel, launched here as csrc/ops/reduce.cpp run_reduce does
on the outer path: STAGE 1 per split, STAGE 2 over the partials). A variant is
"k<BLOCK_K> r<BLOCK_R> w<warps> p<programs per SM> s<min steps> [prefetch]":
  BLOCK_K, BLOCK_R, warps -> the ReduceOuter (var, argmax: ReduceOuterState) rows of
      csrc/runtime/config_table.cpp (arch 90; K <= 64 for 1048576x32, the kAny row for 4096x4096);
  prefetch -> reduce_kernel's PREFETCH (the main loop loads a step ahead);
  programs per SM, min steps -> the split rule in csrc/ops/reduce.cpp run_reduce (kOuterWarpsPerSm
      / warps programs an SM; kOuterMinSteps, or kOuterManyColumnsMinSteps for the one-value
      modes over several column blocks): split R until K blocks x splits reach programs-per-SM x
      SMs, each split at least min-steps x BLOCK_R rows.
Softmax (kernels/softmax.py softmax_cols_kernel, launched as reduce.cpp run_softmax_cols does).
A variant is "k<BLOCK_K> t<tile> w<warps> p<programs per SM>" -> kColsBlockK, kColsTile,
kColsWarps, kColsProgramsPerSm in csrc/ops/op_utils.h ("fwd": the second launch in grid order, not
reversed -> whether run_softmax_cols passes kSplitReverse or false).
Softmax / log_softmax backward (kernels/loss.py softmax_backward_cols_kernel, launched as loss.cpp
run_softmax_backward_cols does): the same variant names; it shares the forward's constants
(op_utils.h softmax_cols_tiles), so a backward that wants others needs its own (bytes: g and y
read twice, gin written once; the % column counts 3 x numel x 2 bytes).
"gemforge (table)" rows time the op through GemForge as built (the current rows and constants).
Every variant's result is checked against torch (max abs error, or index mismatches).
"""
import sys
import time

import torch
import triton
import gemforge
from gemforge import timing
from gemforge.kernels import loss as lk
from gemforge.kernels import reduce as rd
from gemforge.kernels import softmax as sm

BW = 4216e9  # H200 measured copy bandwidth, bytes/s
SMS = torch.cuda.get_device_properties(0).multi_processor_count if torch.cuda.is_available() else 2  # CPU: smoke test
np2 = triton.next_power_of_2
cdiv = triton.cdiv
DEV = "cuda"


def t_us(fn):
    return timing.device_median_us(fn, 10, 40)  # the benchmark's timer (L2 flushed clean)


def t_graph_us(fn):
    """t_us of fn's launches replayed from a CUDA graph (timing.graphed: Triton's Python launcher is
    slower than these kernels)."""
    return t_us(timing.graphed(fn))


def row(case, variant, us, nbytes, torch_us, check):
    pct = 100 * nbytes / (us * 1e-6) / BW
    print(f"{case:34s} {variant:26s} {us:8.1f} {pct:6.1f}% {torch_us:8.1f} {torch_us / us:6.2f}  {check}", flush=True)


# ---------------------------------------------------------------- reductions over dim 0

MODES = {  # op: (MODE, FIN, torch fn)
    "sum": (rd.SUM, rd.FIN_NONE, lambda x: x.sum(0)),
    "amax": (rd.MAX, rd.FIN_NONE, lambda x: x.amax(0)),
    "argmax": (rd.ARGMAX, rd.FIN_NONE, lambda x: x.argmax(0)),
    "var": (rd.WELFORD, rd.FIN_VAR, lambda x: x.var(0)),
}


def reduce_dim0(x, op, bk, br, warps, pps, min_steps, prefetch=0):
    """x [R, K] contiguous reduced over dim 0, as run_reduce launches it (outer path)."""
    R, K = x.shape
    mode, fin, _ = MODES[op]
    bk, br = min(bk, np2(K)), min(br, np2(R))
    kb = cdiv(K, bk)
    split = 1
    if kb < pps * SMS and R >= 2 * min_steps * br:
        split = min(cdiv(pps * SMS, kb), cdiv(R, min_steps * br), 65535)
    rps = R if split == 1 else cdiv(cdiv(R, split), br) * br
    split = cdiv(R, rps)
    comps = 3 if mode == rd.WELFORD else 1
    out = torch.empty(K, device=x.device, dtype=x.dtype)
    idx = torch.empty(K, device=x.device, dtype=torch.int64)
    consts = dict(K_RANK=1, R_RANK=1, ACC=rd.ACC_F32.value, MODE=mode, FIN=fin, WRITE2=False, INT64=False,
                  num_warps=warps)

    def one_tile(r_per, block_r, n):
        return 0 if r_per > block_r else 1 if n % block_r == 0 else 2

    def launch(o, o2, src, src2, n_red, r_per, n_split, rs, stage, block_r):
        rd.reduce_kernel[(kb, n_split)](o, o2, src, src2, K, n_red, r_per, r_per // block_r * block_r, K, 1, 1, 0, 0,
                                        1, 0, 0, n_red, 1, rs, 0, 0, 1.0, float(R), MAP=rd.MAP_ID, STAGE=stage,
                                        BLOCK_K=bk, BLOCK_R=block_r, ONE_TILE=one_tile(r_per, block_r, n_red),
                                        PREFETCH=prefetch if stage != 2 else 0, **consts)

    if split == 1:
        return lambda: launch(out, idx, x, x, R, R, 1, K, 0, br), out, idx, split
    part = torch.empty(comps, split, K, device=x.device, dtype=torch.float32)
    pidx = torch.empty(split, K, device=x.device, dtype=torch.int64)
    br2 = min(br, np2(split))

    def run():
        launch(part, pidx, x, x, R, rps, split, K, 1, br)
        launch(out, idx, part, pidx, split, split, 1, K, 2, br2)
    return run, out, idx, split


# Variants (BLOCK_K, BLOCK_R, warps, programs per SM, min steps), each with and without the prefetch.
RED_VARIANTS = {  # the table's ReduceOuter rows and reduce.cpp's outer split rule first (session 24)
    # session 24 (H200): 4096x4096 in 16-row steps of 4 warps, 8 an SM, 4 steps (split 9): sum
    # 15.1 us against 17.2 for session 9's {32, 32, 2 warps} at 16 an SM and 16 steps; 1048576x32
    # loses with 4 steps (1024 splits: 27.4 vs 25.3 with the prefetch), so it keeps 16
    (4096, 4096): [(32, 16, 4, 8, 4), (32, 32, 2, 16, 16), (32, 32, 2, 16, 4)],
    (1048576, 32): [(64, 256, 4, 8, 16), (64, 512, 8, 4, 8), (64, 256, 4, 16, 4)],
}
# var and argmax hold two values a lane: the ReduceOuterState rows (fewer rows a step); the table's
# first, then 4-warp programs as the one-value modes now take them
STATE_VARIANTS = {
    (4096, 4096): [(32, 16, 2, 16, 16), (32, 32, 2, 16, 16), (32, 16, 4, 8, 4), (32, 8, 4, 8, 8), (32, 16, 4, 8, 16)],
    (1048576, 32): [(64, 256, 4, 8, 16), (64, 128, 8, 2, 16)],
}
BUDGET_S = 240  # variants stop here (compiles included), so that the script ends within ~4-5 minutes
START = time.time()


def over_budget(case, v):
    if time.time() - START < BUDGET_S:
        return False
    print(f"{case:34s} {v:26s} skipped (time budget)", flush=True)
    return True


# "sweep": a grid of tiles for every mode, with and without the prefetch (~5-6 minutes)
# (first round: BLOCK_K 32 beat 64 and 128 in every mode, 4096x4096; 1048576x32 wanted fewer,
# longer splits: bench/results/2026-11-27-h200-session9-colred-sweep1.txt)
SWEEP = {
    (4096, 4096): [(bk, br, w, pps, ms) for bk in (16, 32) for br in (16, 32, 64) for w in (2, 4)
                   for pps, ms in ((8, 4), (16, 4), (4, 8))],
    (1048576, 32): [(32, br, w, pps, ms) for br in (64, 128, 256, 512) for w in (2, 4, 8)
                    for pps, ms in ((4, 8), (2, 16), (4, 16), (8, 8))],
}


def reductions(sweep=False):
    for (R, K), variants in RED_VARIANTS.items():
        x = torch.randn(R, K, device=DEV, dtype=torch.bfloat16)
        for op in ("sum", "mean", "amax", "argmax", "var"):
            fn = MODES[op][2] if op != "mean" else (lambda t: t.mean(0))
            ref = fn(x)
            nbytes = x.numel() * 2 + ref.numel() * ref.element_size()
            t_torch = t_us(lambda: fn(x))
            case = f"{op} {R}x{K} dim=0 bf16"
            with gemforge.use():
                got = fn(x)
                t_gf = t_us(lambda: fn(x))

            def err(g):
                if op == "argmax":
                    return f"mismatch {int((g != ref).sum())}"
                return f"maxerr {float((g.float() - ref.float()).abs().max()):.3g}"
            row(case, "gemforge (table)", t_gf, nbytes, t_torch, err(got))
            if op == "mean":
                continue  # the sum kernel with a final division
            mine = STATE_VARIANTS[(R, K)] if op in ("var", "argmax") else variants
            if sweep:
                mine = SWEEP[(R, K)]
            for (bk, br, w, pps, ms), pf in [(v, pf) for v in mine for pf in (0, 1)]:
                v = f"k{bk} r{br} w{w} p{pps} s{ms}" + (" prefetch" if pf else "")
                if over_budget(case, v):
                    continue
                try:
                    run, out, idx, split = reduce_dim0(x, op, bk, br, w, pps, ms, pf)
                    run()
                    e = err(idx if op == "argmax" else out)
                    row(case, v, t_graph_us(run), nbytes, t_torch, f"{e} split {split}")
                except Exception as ex:  # noqa: BLE001
                    print(f"{case:34s} {v:26s} failed: {type(ex).__name__}: {str(ex)[:120]}", flush=True)


# ---------------------------------------------------------------- softmax over dim 0

def cols_tiles(D, inner, block_k_max, tile, pps, min_part=64):
    """(BLOCK_K, BLOCK_D, column blocks, parts, part) of [D, inner] over dim 0, as op_utils.h
    softmax_cols_tiles computes them."""
    bk = min(block_k_max, np2(inner))
    bd = min(np2(D), tile // bk)
    blocks = cdiv(inner, bk)
    parts = 1
    if blocks < pps * SMS:
        parts = max(1, min(cdiv(pps * SMS, blocks), D // min_part))
    part = cdiv(cdiv(D, parts), bd) * bd
    return bk, bd, blocks, cdiv(D, part), part


def softmax_dim0(x, log, block_k_max, tile, warps, pps, reverse=True):
    """x [D, inner] contiguous, softmax over dim 0, as run_softmax_cols launches it."""
    D, inner = x.shape
    K = inner
    bk, bd, blocks, parts, part = cols_tiles(D, inner, block_k_max, tile, pps)
    out = torch.empty_like(x)
    ws = torch.empty(2, parts, K, device=x.device, dtype=torch.float32)

    def run():
        for stage in ((1, 2) if parts > 1 else (0, )):
            sm.softmax_cols_kernel[(blocks, parts)](out, x, ws, K, D, inner, part, LOG=log, F64=False, BLOCK_K=bk,
                                                   BLOCK_D=bd, STAGE=stage, INT64=False, REVERSE=reverse,
                                                   num_warps=warps)
    return run, out, parts


# Alternatives to the table (measured as "gemforge (table)": kColsBlockK 64, kColsTile 4096,
# kColsWarps 8, kColsProgramsPerSm 4, the second launch reversed): (BLOCK_K, tile, warps, programs
# per SM, reverse). log_softmax runs the first two only. The last four are the shapes the outer
# reductions settled on in session 9 (narrow column blocks, few warps, many programs an SM), not
# yet timed for softmax (session 27).
SMX_VARIANTS = [(128, 8192, 8, 4, True), (128, 4096, 8, 8, True), (64, 4096, 8, 4, True), (256, 8192, 8, 4, True),
                (128, 4096, 4, 4, True), (128, 4096, 8, 4, False),
                (32, 2048, 2, 16, True), (32, 1024, 2, 16, True), (64, 2048, 4, 8, True), (32, 4096, 4, 8, True)]


def softmaxes(shape=(4096, 4096)):
    x = torch.randn(*shape, device=DEV, dtype=torch.bfloat16)
    for log in (False, True):
        fn = (lambda t: torch.log_softmax(t, 0)) if log else (lambda t: torch.softmax(t, 0))
        ref = fn(x)
        nbytes = 2 * x.numel() * 2
        t_torch = t_us(lambda: fn(x))
        case = f"{'log_softmax' if log else 'softmax'} {shape[0]}x{shape[1]} dim=0 bf16"
        with gemforge.use():
            got = fn(x)
            t_gf = t_us(lambda: fn(x))
        row(case, "gemforge (table)", t_gf, nbytes, t_torch, f"maxerr {float((got.float() - ref.float()).abs().max()):.3g}")
        time_cols_variants(case, SMX_VARIANTS[:2] if log else SMX_VARIANTS, ref, nbytes, t_torch,
                           lambda bk, tile, w, pps, rev: softmax_dim0(x, log, bk, tile, w, pps, rev))


def time_cols_variants(case, variants, ref, nbytes, t_torch, launch):
    """One row per (BLOCK_K, tile, warps, programs per SM, reverse) variant: launch(*variant) gives
    (run, out, parts); each is checked against ref."""
    for bk, tile, w, pps, rev in variants:
        v = f"k{bk} t{tile} w{w} p{pps}" + ("" if rev else " fwd")
        if over_budget(case, v):
            continue
        try:
            run, out, parts = launch(bk, tile, w, pps, rev)
            run()
            e = float((out.float() - ref.float()).abs().max())
            row(case, v, t_graph_us(run), nbytes, t_torch, f"maxerr {e:.3g} parts {parts}")
        except Exception as ex:  # noqa: BLE001
            print(f"{case:34s} {v:26s} failed: {type(ex).__name__}: {str(ex)[:120]}", flush=True)


def softmax_backward_dim0(g, y, log, block_k_max, tile, warps, pps, reverse=True):
    """g, y [D, inner] contiguous, the backward over dim 0, as loss.cpp run_softmax_backward_cols
    launches it."""
    D, inner = g.shape
    bk, bd, blocks, parts, part = cols_tiles(D, inner, block_k_max, tile, pps)
    gin = torch.empty_like(g)
    ws = torch.empty(parts, inner, device=g.device, dtype=torch.float32)

    def run():
        for stage in ((1, 2) if parts > 1 else (0, )):
            lk.softmax_backward_cols_kernel[(blocks, parts)](gin, g, y, ws, inner, D, inner, part, LOG=log, F64=False,
                                                             BLOCK_K=bk, BLOCK_D=bd, STAGE=stage, INT64=False,
                                                             REVERSE=reverse, num_warps=warps)
    return run, gin, parts


# Alternatives to the table for the backward (the table: the forward's constants, kColsBlockK 64,
# kColsTile 4096, kColsWarps 8, kColsProgramsPerSm 4, reversed; its first row here): (BLOCK_K,
# tile, warps, programs per SM, reverse). log_softmax runs the first two only.
BWD_VARIANTS = [(64, 4096, 8, 4, True), (128, 4096, 8, 4, True), (64, 8192, 8, 4, True), (64, 2048, 8, 4, True),
                (64, 4096, 8, 8, True), (64, 4096, 4, 4, True), (64, 4096, 8, 4, False),
                (32, 2048, 2, 16, True), (32, 1024, 2, 16, True), (64, 2048, 4, 8, True)]  # (last three: the forward's)


def softmax_backwards(shape=(4096, 4096)):
    x = torch.randn(*shape, device=DEV, dtype=torch.bfloat16)
    g = torch.randn_like(x) + 1.0  # mean 1: the column sums matter to every element
    for log in (False, True):
        y = (torch.log_softmax if log else torch.softmax)(x.float(), 0).to(x.dtype)
        op = torch.ops.aten._log_softmax_backward_data if log else torch.ops.aten._softmax_backward_data
        bwd = lambda: op(g, y, 0, x.dtype)  # noqa: E731
        ref = bwd()
        nbytes = 3 * x.numel() * 2
        t_torch = t_us(bwd)
        case = f"{'log_softmax' if log else 'softmax'}_backward {shape[0]}x{shape[1]} dim=0"
        with gemforge.use():
            got = bwd()
            t_gf = t_us(bwd)
        row(case, "gemforge (table)", t_gf, nbytes, t_torch, f"maxerr {float((got.float() - ref.float()).abs().max()):.3g}")
        time_cols_variants(case, BWD_VARIANTS[:2] if log else BWD_VARIANTS, ref, nbytes, t_torch,
                           lambda bk, tile, w, pps, rev: softmax_backward_dim0(g, y, log, bk, tile, w, pps, rev))


def main():
    print(f"# {torch.cuda.get_device_name()}, {SMS} SMs; % of {BW / 1e9:.0f} GB/s")
    print(f"{'case':34s} {'variant':26s} {'us':>8s} {'%bw':>7s} {'torch':>8s} {'speedup':>6s}  check")
    if "reductions" not in sys.argv[1:] and "sweep" not in sys.argv[1:]:
        softmaxes()
        softmax_backwards()
    sweep = "sweep" in sys.argv[1:]
    if sweep:
        global BUDGET_S
        BUDGET_S = 500
    if "softmax" not in sys.argv[1:]:
        reductions(sweep)


if __name__ == "__main__":
    main()
