"""Softmax family on few, very wide rows (issue 4): GemForge (the built library) against torch
eager, and variants of the split path launched directly, on the benchmark's bf16 shapes.

    python bench/softmax_experiment.py [KxD ...] [--ops softmax,log_softmax_bwd,...]
                                                  (GPU; needs the built core: import gemforge)

Rows "gemforge" time the library as built (rule and constants of op_utils.h softmax_row_tiles).
Rows "split ppsm=P w=W bd=B rev=R" launch the split kernels directly with
    ppsm: kSplitProgramsPerSm (rows are split until K * parts ~ ppsm * SMs),
    w:    kSplitWarps, bd: kSplitBlockD, rev: kSplitReverse (second launch walks the grid backwards),
and kSplitMinPart = 8192; "parts" is what that rule gives. Rows "rowloop" are the unsplit
two-pass row kernel (what these shapes ran before the split) for reference. Rows "row bd=B w=W"
(rows that fit 32768 elements) launch the unsplit row kernel with BLOCK_D = B and W warps: one pass
with the row in registers when B covers the row, else the chunked two-pass loop. Every variant's
result is checked against torch (max abs error, elements beyond bf16 tolerance). Times: the
benchmark's timer (gemforge/timing.py, L2 flushed clean before each call); variants launched from
Python are replayed from a CUDA graph (timing.graphed), since Triton's launcher is slower than they run.
"""
import math
import sys

import torch
import triton
import triton.language as tl

import gemforge
from gemforge import timing
import gemforge.kernels.loss as lk
import gemforge.kernels.softmax as sk

SHAPES = [(32, 262144), (256, 131072), (4096, 4096), (4096, 32000)]
SPLIT_SHAPES = SHAPES[:2]
MIN_PART = 8192
# (programs per SM, warps, BLOCK_D, reverse)
VARIANTS = [(2, 8, 4096, True), (4, 8, 4096, True), (8, 8, 4096, True), (4, 4, 4096, True), (4, 16, 4096, True),
            (4, 8, 8192, True), (4, 8, 4096, False)]
OPS = ["softmax", "log_softmax", "softmax_bwd", "log_softmax_bwd"]


def bench(fn):
    return timing.device_median_us(fn, 10, 40)


@triton.jit
def _apply_stats(a, g, m, s, BACKWARD: tl.constexpr, LOG: tl.constexpr):
    """The result from the values a (BACKWARD: the forward's output y, and g the incoming
    gradient) and their row's max m and sum of exp relative to it s (BACKWARD: the sum of g * y,
    or of g for LOG; m unused): the write of the one-pass experiments (softmax_lagged_experiment,
    softmax_cols_onepass_experiment). The library's softmax_rows_smem_kernel writes with one
    MUFU.EX2 an element instead (kernels/softmax.py _smem_write)."""
    if BACKWARD:
        r = sk._grad(g, a, s, LOG)
    elif LOG:
        r = a - m - tl.log(s)
    else:
        r = tl.exp(a - m) / s
    return r


def torch_fn(op, x, g, y):
    if op == "softmax":
        return lambda: torch.softmax(x, -1)
    if op == "log_softmax":
        return lambda: torch.log_softmax(x, -1)
    if op == "softmax_bwd":
        return lambda: torch.ops.aten._softmax_backward_data(g, y, -1, x.dtype)
    return lambda: torch.ops.aten._log_softmax_backward_data(g, y, -1, x.dtype)


def op_cases(shapes):
    """Per shape (K, D) and op of OPS, bf16 (seeded): (K, D, op, x, g, y, torch's callable,
    torch's result, torch's time in us, the library's time and result through the op); x the
    input, g the gradient (mean 1), y the forward's output for the backward ops (else None)."""
    for K, D in shapes:
        torch.manual_seed(0)
        x = torch.randn(K, D, device="cuda", dtype=torch.bfloat16)
        g = torch.randn(K, D, device="cuda", dtype=torch.bfloat16) + 1
        for op in OPS:
            y = (torch.log_softmax if op.startswith("log") else torch.softmax)(x, -1) if op.endswith("bwd") else None
            tfn = torch_fn(op, x, g, y)
            ref = tfn()
            t_torch = timing.device_median_us(tfn, 10, 40)
            with gemforge.use():
                lib = (timing.device_median_us(tfn, 10, 40), tfn())
            yield K, D, op, x, g, y, tfn, ref, t_torch, lib


def split_plan(K, D, ppsm, block_d, sms):
    parts = min(math.ceil(ppsm * sms / K), D // MIN_PART)
    if parts < 2:
        return None
    part = math.ceil(math.ceil(D / parts) / block_d) * block_d
    return math.ceil(D / part), part


def split_fn(op, x, g, y, ppsm, warps, block_d, rev, sms):
    K, D = x.shape
    plan = split_plan(K, D, ppsm, block_d, sms)
    if plan is None:
        return None, None
    parts, part = plan
    bp = max(16, triton.next_power_of_2(parts))  # as op_utils.h
    log = op.startswith("log")
    out = torch.empty_like(x)
    grid = (parts, K)
    if op.endswith("bwd"):
        ws = torch.empty(K, parts, device=x.device, dtype=torch.float32)

        def run():
            lk.softmax_backward_part_sums_kernel[grid](ws, g, y, K, D, part, LOG=log, F64=False, BLOCK_D=block_d,
                                                      INT64=False, PDL=False, num_warps=warps)
            lk.softmax_backward_split_kernel[grid](out, g, y, ws, K, D, part, LOG=log, F64=False, BLOCK_D=block_d,
                                                  BLOCK_P=bp, INT64=False, REVERSE=rev, PDL=False, num_warps=warps)
            return out
    else:
        ws = torch.empty(2, K, parts, device=x.device, dtype=torch.float32)

        def run():
            sk.softmax_part_stats_kernel[grid](ws, x, K, D, part, F64=False, BLOCK_D=block_d, INT64=False,
                                              PDL=False, num_warps=warps)
            sk.softmax_split_kernel[grid](out, x, ws, K, D, part, LOG=log, F64=False, BLOCK_D=block_d, BLOCK_P=bp,
                                          INT64=False, REVERSE=rev, PDL=False, num_warps=warps)
            return out
    return run, parts


def rowloop_fn(op, x, g, y):
    """The unsplit two-pass row kernel with the table's long-row tiles (4096, 16 warps)."""
    K, D = x.shape
    out = torch.empty_like(x)
    log = op.startswith("log")
    if op.endswith("bwd"):
        return lambda: (lk.softmax_backward_kernel[(K, )](out, g, y, K, D, 1, LOG=log, F64=False, BLOCK_K=1,
                                                          BLOCK_D=4096, SINGLE_PASS=False, INT64=False,
                                                          num_warps=16), out)[1]
    return lambda: (sk.softmax_kernel[(K, )](out, x, K, D, 1, LOG=log, F64=False, BLOCK_K=1, BLOCK_D=4096,
                                             SINGLE_PASS=False, INT64=False, num_warps=16), out)[1]


def row_fn(op, x, g, y, block_d, warps):
    """The unsplit row kernel, one program per row: SINGLE_PASS where block_d covers the row."""
    K, D = x.shape
    out = torch.empty_like(x)
    log = op.startswith("log")
    single = block_d >= D
    if op.endswith("bwd"):
        return lambda: (lk.softmax_backward_kernel[(K, )](out, g, y, K, D, 1, LOG=log, F64=False, BLOCK_K=1,
                                                          BLOCK_D=block_d, SINGLE_PASS=single, INT64=False,
                                                          num_warps=warps), out)[1]
    return lambda: (sk.softmax_kernel[(K, )](out, x, K, D, 1, LOG=log, F64=False, BLOCK_K=1, BLOCK_D=block_d,
                                             SINGLE_PASS=single, INT64=False, num_warps=warps), out)[1]


ROW_VARIANTS = [(32768, 16), (32768, 32), (4096, 8), (8192, 16), (8192, 8)]  # (BLOCK_D, warps), D <= 32768


def errors(got, ref):
    got, ref = got.float(), ref.float()
    diff = (got - ref).abs()
    tol = 1.6e-2 * ref.abs() + 1.6e-2 * ref.abs().max()
    return diff.max().item(), int((diff > tol).sum().item() + (got.isnan() != ref.isnan()).sum().item())


def main():
    props = torch.cuda.get_device_properties(0)
    sms = props.multi_processor_count
    print(f"# {props.name}, {sms} SMs, torch {torch.__version__}, triton {triton.__version__}")
    print(f"{'shape':>12} {'op':>16} {'variant':>30} {'parts':>5} {'us':>8} {'torch us':>8} {'speedup':>7}"
          f" {'max err':>9} {'bad':>4}")
    shapes = [tuple(int(v) for v in a.split("x")) for a in sys.argv[1:] if "x" in a and a[0].isdigit()] or SHAPES
    ops = sys.argv[sys.argv.index("--ops") + 1].split(",") if "--ops" in sys.argv else OPS
    for K, D in shapes:
        torch.manual_seed(0)
        x = torch.randn(K, D, device="cuda", dtype=torch.bfloat16)
        g = torch.randn(K, D, device="cuda", dtype=torch.bfloat16) + 1
        for op in ops:
            y = None
            if op.endswith("bwd"):
                y = (torch.log_softmax if op.startswith("log") else torch.softmax)(x, -1)
            tfn = torch_fn(op, x, g, y)
            ref = tfn()
            t_torch = bench(tfn)
            rows = []
            try:
                with gemforge.use():
                    got = tfn()
                    rows.append(("gemforge", "", bench(tfn), got))
            except Exception as e:  # noqa: BLE001
                print(f"  gemforge {op} {K}x{D} failed: {type(e).__name__}: {str(e)[:200]}")
            if D <= 32768:
                for block_d, warps in ROW_VARIANTS:
                    label = f"row bd={block_d} w={warps}"
                    try:
                        fn = row_fn(op, x, g, y, block_d, warps)
                        got = fn()
                        rows.append((label, 1, bench(timing.graphed(fn)), got.clone()))
                    except Exception as e:  # noqa: BLE001  (registers, shared memory)
                        print(f"  {label} {op} {K}x{D} failed: {type(e).__name__}: {str(e)[:200]}")
            if (K, D) in SPLIT_SHAPES:
                variants = [("rowloop", None)] + [(f"split ppsm={v[0]} w={v[1]} bd={v[2]} rev={int(v[3])}", v)
                                                   for v in VARIANTS]
                for label, v in variants:
                    try:
                        if v is None:
                            fn, parts = rowloop_fn(op, x, g, y), 1
                        else:
                            fn, parts = split_fn(op, x, g, y, *v, sms)
                            if fn is None:
                                continue
                        got = fn()
                        rows.append((label, parts, bench(timing.graphed(fn)), got.clone()))
                    except Exception as e:  # noqa: BLE001
                        print(f"  {label} {op} {K}x{D} failed: {type(e).__name__}: {str(e)[:200]}")
            for label, parts, t, got in rows:
                err, bad = errors(got, ref)
                print(f"{f'{K}x{D}':>12} {op:>16} {label:>30} {parts!s:>5} {t:8.1f} {t_torch:8.1f} "
                      f"{t_torch / t:7.2f} {err:9.2e} {bad:4d}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
