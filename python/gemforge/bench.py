"""GemForge vs torch eager: device time, bandwidth, host cost and correctness, per operator.

    python3 -m gemforge.bench [--quick] [--out DIR] [--only NAME,...]

Every case runs the same torch call on the same inputs twice in this process: once with
GemForge disabled (ATen's kernels) and once inside `gemforge.use()` (every GemForge op on).

On a GPU: device time is the median of per-call samples, each after an L2 flush that leaves the
cache clean (a 256 MB read; `--l2-flush zero` writes it instead, as triton's do_bench does: see
gemforge/timing.py for why the written flush doubles the traffic of L2-sized inputs), torch and
GemForge timed in the order torch, GemForge, GemForge, torch (so that neither side
always runs on the GPU the other has just heated: a long GEMM loop lowers the clocks); bandwidth
counts each input read once and each output written once and is compared with a measured
device-to-device copy; host cost is the wall time per call on decode-sized tensors.
Without a GPU, or with --quick, a small version runs on CPU tensors under Triton's interpreter
(tiny shapes, fp32, perf_counter timing): a smoke test of the operators and of this script.

Writes bench.json and bench.png (if matplotlib is installed) into --out (default bench_results/).
"""
import argparse
import contextlib
import dataclasses
import datetime
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
import traceback
from typing import Callable

import torch
import torch.nn.functional as F

import gemforge
from gemforge import timing

# --------------------------------------------------------------------------- operators

# The pointwise operators and their inputs: bench_ops.POINTWISE.
from .bench_ops import (FLOAT as FLOAT_DTYPES, FUSED_CE_QUICK, FUSED_CE_SHAPE, ISSUE4, MATMUL, POINTWISE,  # noqa: E402
                        family_of)

# name -> (fn(x, dim) with dim=None meaning a full reduction, family)
REDUCTIONS = {
    "sum": (lambda x, dim: x.sum() if dim is None else x.sum(dim), "sum"),
    "mean": (lambda x, dim: x.mean() if dim is None else x.mean(dim), "mean"),
    "softmax": (lambda x, dim: F.softmax(x, dim=dim), "softmax"),
    "log_softmax": (lambda x, dim: F.log_softmax(x, dim=dim), "log_softmax"),
}

DTYPE_NAMES = {torch.bfloat16: "bf16", torch.float16: "fp16", torch.float32: "fp32", torch.int16: "int16",
               torch.int32: "int32", torch.int64: "int64", torch.bool: "bool"}

# (rtol, atol) per dtype; atol is scaled by the reference's magnitude in _check. Integer and
# bool results (indices, counts, masks) must match exactly.
TOLERANCES = {torch.bfloat16: (1.6e-2, 1e-2), torch.float16: (1e-3, 1e-5), torch.float32: (1.3e-6, 1e-5),
              torch.int16: (0.0, 0.0), torch.int32: (0.0, 0.0), torch.int64: (0.0, 0.0), torch.bool: (0.0, 0.0)}


@dataclasses.dataclass
class Case:
    name: str                   # e.g. "softmax 4096x32000"
    family: str                 # operator family, e.g. "softmax", "div"
    dtype: torch.dtype
    kind: str                   # "pointwise" | "reduction" | "softmax"
    metric: str                 # "device": kernel time on big inputs | "host": wall time per call, tiny inputs
    make_inputs: Callable[[], tuple]
    fn: Callable[..., torch.Tensor]
    reduce_size: int = 1        # elements reduced into each output element
    issue: int = 2              # the issue whose bars the case is held to
    layout: str = "large"       # "large" contiguous | "strided" | "broadcast" | "llm" | "small"
    plain: bool = False         # a plain unary/binary op (held to >= 90% of copy bandwidth)
    # issue-4 cases (bench_ops.Issue4Op): see there
    ops: tuple = ()             # aten base names that must run on GemForge for the row to count
    compare: Callable = None    # output -> what is compared with torch
    nbytes: Callable = None     # (args, output) -> bytes that must move
    memory_bound: bool = False  # held to >= 85% of copy bandwidth


def _shape_str(shape):
    if len(shape) == 1 and shape[0] >= 2**20 and shape[0] % 2**20 == 0:
        return f"{shape[0] // 2**20}M"
    return "x".join(str(s) for s in shape)


def _numel(shape):
    return math.prod(shape)


def _random(shape, dtype, device, domain, transposed=False):
    """Random values in the requested domain (bench_ops' docstring), never all zeros. A callable
    domain makes the tensor itself: domain(shape, dtype, device)."""
    if callable(domain):
        x = domain(shape, dtype, device)
    elif domain == "mask":
        x = torch.rand(shape, device=device) > 0.5
    elif domain in ("intval", "shift"):
        lo, hi = (-100, 101) if domain == "intval" else (0, 8)
        x = torch.randint(lo, hi, shape, device=device, dtype=torch.int32).to(dtype)
    else:
        if domain == "pos":
            x = torch.rand(shape, device=device).mul_(4.0).add_(0.1)
        elif domain == "unit":
            x = torch.rand(shape, device=device).mul_(1.9).sub_(0.95)
        elif domain == "ge1":
            x = torch.rand(shape, device=device).mul_(4.0).add_(1.0)
        elif domain == "prob":
            x = torch.rand(shape, device=device).mul_(0.96).add_(0.02)
        else:
            x = torch.randn(shape, device=device)
            if domain == "nz":
                x = torch.where(x >= 0, x + 0.25, x - 0.25)
        x = x.to(torch.float16 if domain == "f16" else dtype)
    return x.t() if transposed else x


def _maker(specs, dtype, device, seed, prep=None):
    """make_inputs callable for [(shape, domain, transposed), ...]; seeded, so repeatable.
    A transposed operand of (logical) `shape` is allocated with the shape reversed and passed
    as its .t() view: same values layout-wise, non-contiguous strides. `prep` turns the operands
    into the call's arguments (run() has GemForge off: ATen computes them)."""
    def make():
        torch.manual_seed(seed)
        xs = tuple(_random(tuple(reversed(shape)) if t else shape, dtype, device, dom, t) for shape, dom, t in specs)
        return tuple(prep(*xs)) if prep else xs
    return make


class _CaseBuilder:
    """Collects cases; each seed is the case's index, so inputs differ across cases."""

    def __init__(self, device, metric):
        self.device, self.metric, self.cases, self._seen = device, metric, [], set()

    def _add(self, case):
        key = (case.name, case.dtype)
        if key not in self._seen:  # the LLM shapes overlap a few of the generic ones
            self._seen.add(key)
            self.cases.append(case)

    def pointwise(self, op, shape, dtype, layout="large", label=None):
        """op on operands of `shape` (or the op's own operand shapes for it). layout "strided":
        the first operand is a transposed view; "broadcast": the other operands are one row."""
        spec = POINTWISE[op]
        strided_small = spec.strided_input and layout == "small"
        if strided_small:
            side = math.isqrt(shape[0])  # 1024 -> 32x32
            shape, label = (side, side), label or f"{_shape_str(shape)} (transposed)"
        shapes = spec.shapes(shape) if spec.shapes else [shape] * len(spec.domains)
        transposed = ()
        if layout == "strided" or strided_small:
            transposed = (0, )
        elif layout == "broadcast":
            shapes = [shapes[0]] + [s[-1:] for s in shapes[1:]]
        specs = [(s, d, i in transposed) for i, (s, d) in enumerate(zip(shapes, spec.domains))]
        label = label or _shape_str(shape) + {"strided": " (first operand transposed)",
                                              "broadcast": " (others broadcast from one row)"}.get(layout, "")
        self._add(Case(f"{op} {label}", family_of(op), dtype, "pointwise", self.metric,
                       _maker(specs, dtype, self.device, len(self.cases)), spec.fn, issue=spec.issue, layout=layout,
                       plain=spec.plain))

    def matmul(self, name, dtype, layout="large"):
        kind, batch, m, n, k = MATMUL[name]
        if kind == "mm":
            specs, fn = [((m, k), "any", False), ((k, n), "any", False)], torch.mm
        elif kind == "linear":
            specs, fn = [((m, k), "any", False), ((n, k), "any", False)], F.linear
        elif kind == "bmm":
            specs, fn = [((batch, m, k), "any", False), ((batch, k, n), "any", False)], torch.bmm
        else:  # bmm_nt: B given as [b, N, K] (keys of attention)
            specs, fn = [((batch, m, k), "any", False), ((batch, n, k), "any", False)], \
                lambda a, b: torch.bmm(a, b.transpose(1, 2))
        self._add(Case(name, name.split(" ")[0], dtype, "matmul", self.metric,
                       _maker(specs, dtype, self.device, len(self.cases)), fn, reduce_size=k, issue=5,
                       layout=layout))

    def issue4(self, key, shape, dtype, layout="large"):
        """The issue-4 case ISSUE4[key] at `shape` ("sum dim=0" at 4096x4096: "sum 4096x4096 dim=0")."""
        op = ISSUE4[key]
        head, _, tail = key.partition(" ")
        name = f"{head} {_shape_str(shape)}" + (f" {tail}" if tail else "")
        specs = [(s, d, False) for s, d in op.operands(shape)]
        self._add(Case(name, op.family, dtype, "issue4", self.metric,
                       _maker(specs, dtype, self.device, len(self.cases), op.prep), op.fn, issue=4, layout=layout,
                       ops=op.ops, compare=op.compare, nbytes=op.nbytes, memory_bound=op.memory_bound))

    def reduction(self, op, shape, dim, dtype, layout="large"):
        """sum/mean (dim None: full reduction) or softmax/log_softmax along dim."""
        rfn, family = REDUCTIONS[op]
        is_softmax = "softmax" in op
        reduce_size = _numel(shape) if dim is None else shape[dim]
        suffix = "" if dim is None or (is_softmax and dim == -1) else f" dim={dim}"
        if not is_softmax and dim is None and len(shape) > 1:
            suffix = " full"
        self._add(Case(f"{op} {_shape_str(shape)}{suffix}", family, dtype,
                       "softmax" if is_softmax else "reduction", self.metric,
                       _maker([(shape, "any", False)], dtype, self.device, len(self.cases)),
                       lambda x, _f=rfn, _d=dim: _f(x, _d), reduce_size, layout=layout))


def device_cases(device, quick):
    """The device-time cases: big GPU shapes, or the small interpreter set."""
    b = _CaseBuilder(device, "device")
    if quick:
        n, rows = (4096,), (64, 256)
        for op, spec in POINTWISE.items():
            b.pointwise(op, n, spec.dtypes[-1])
        b.pointwise("add", rows, torch.float32, "broadcast")
        b.pointwise("add", rows, torch.float32, "strided")
        for op in ("sum", "mean"):
            b.reduction(op, rows, None, torch.float32)
            b.reduction(op, rows, -1, torch.float32)
        for op in ("softmax", "log_softmax"):
            b.reduction(op, rows, -1, torch.float32)
        b.matmul("linear 16x256x256", torch.float32)
        for key, op in ISSUE4.items():
            for shape in op.quick:
                b.issue4(key, shape, torch.float32 if op.dtype.is_floating_point else op.dtype)
        return b.cases

    n, sq = (2**26,), (4096, 4096)
    for op, spec in POINTWISE.items():
        for dtype in spec.dtypes:
            b.pointwise(op, n, dtype)
    for op, spec in POINTWISE.items():
        b.pointwise(op, sq, spec.dtypes[0], "strided")
        if len(spec.domains) > 1 and spec.shapes is None:
            b.pointwise(op, sq, spec.dtypes[0], "broadcast")
    bf16 = torch.bfloat16
    # issue 4 before the generic reductions: a shape both have ("softmax 4096x4096") keeps the
    # issue-4 case (which knows its aten ops and bandwidth bar)
    for key, op in ISSUE4.items():
        for shape in op.shapes:
            b.issue4(key, shape, op.dtype)
    for op in ("sum", "mean"):
        b.reduction(op, n, None, bf16)
        b.reduction(op, sq, -1, bf16)
        b.reduction(op, sq, 0, bf16)
    for op in ("softmax", "log_softmax"):
        for shape in (sq, (4096, 32000), (8, 4096)):
            b.reduction(op, shape, -1, bf16)
        b.reduction(op, sq, 0, bf16)
    for name in MATMUL:
        if name == "linear 16x256x256":
            continue
        for dtype in (torch.bfloat16, torch.float16):
            b.matmul(name, dtype)
    # LLM-typical activations: [tokens, hidden] for decode (1), a small batch (128) and prefill (4096)
    for tokens in (1, 128, 4096):
        shape = (tokens, 4096)
        for op in ("silu", "gelu", "add", "mul"):
            b.pointwise(op, shape, bf16, "llm")
        b.reduction("softmax", shape, -1, bf16, "llm")
    return b.cases


def host_cases(device, quick):
    """The host-cost cases: decode-sized tensors, where launch overhead dominates."""
    b = _CaseBuilder(device, "host")
    for op, spec in POINTWISE.items():
        dtype = torch.float32 if quick and spec.dtypes == FLOAT_DTYPES else spec.dtypes[0]
        b.pointwise(op, (1024, ), dtype, "small")
    dtype = torch.float32 if quick else torch.bfloat16
    for op in ("sum", "mean"):
        b.reduction(op, (1024,), None, dtype, "small")
    b.reduction("sum", (8, 4096), -1, dtype, "small")
    for op in ("softmax", "log_softmax"):
        b.reduction(op, (1, 4096), -1, dtype, "small")
    if not quick:
        for name in ("linear 1x4096x4096", "linear 16x4096x4096", "linear 1x14336x4096"):
            b.matmul(name, torch.bfloat16, "small")
        for key, op in ISSUE4.items():
            for shape in op.host:
                b.issue4(key, shape, op.dtype, "small")
    return b.cases


def _select(cases, only):
    if not only:
        return cases
    return [c for c in cases if c.family in only or c.name.split(" ")[0] in only]


# --------------------------------------------------------------------------- timing


class Timer:
    """How one call `fn()` is timed; each returns microseconds."""

    def __init__(self, backend, quick, warmup_ms=25, rep_ms=100, host_calls=2000, host_repeats=5,
                 l2_flush="clean"):
        self.cuda = backend == "cuda"
        self.warmup_ms, self.rep_ms, self.l2_flush = warmup_ms, rep_ms, l2_flush
        # Under the interpreter one GemForge call costs ~10-100 ms: keep the counts tiny.
        self.host_calls, self.host_repeats = (host_calls, host_repeats) if self.cuda and not quick else (3, 3)
        self.cpu_reps = 1  # interpreter timings only smoke-test the timing path

    def device_us(self, fn):
        if self.cuda:
            return timing.device_median_us(fn, self.warmup_ms, self.rep_ms, self.l2_flush)
        fn()  # warm-up
        times = []
        for _ in range(self.cpu_reps):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return 1e6 * statistics.median(times)

    def device_pair_us(self, fn, gemforge_ctx, settle=False):
        """Device time of fn() with GemForge off and on: samples in the order off, on, on, off (each
        run half the measuring time), pooled per side. Returns ([off, on], the settling round's
        [off, on] or None), medians in µs.
        settle: one such round first, not counted. Matrix products draw enough power that the clocks
        fall for a while after the GPU idled (between cases it checks results): cuBLAS's mm
        4096^3 read 170.3, 185.1, 192.3 us in three successive measurements of 120 ms (session
        24, H200, bench/bmm_gap_probe.py), so the side measured first got the faster clocks."""
        if not self.cuda:
            times = []
            for ctx in (contextlib.nullcontext, gemforge_ctx):
                with ctx():
                    times.append(self.device_us(fn))
            return times, None
        rounds = []
        for _ in range(2 if settle else 1):
            samples = [[], []]
            for side in (0, 1, 1, 0):
                with (gemforge_ctx if side else contextlib.nullcontext)():
                    samples[side] += timing.device_samples_ms(fn, self.warmup_ms, self.rep_ms / 2, self.l2_flush)
            rounds.append([1e3 * statistics.median(s) for s in samples])
        return rounds[-1], (rounds[0] if settle else None)

    def host_us(self, fn):
        """Median over repeats of (wall time of a loop of calls, synchronized at its end) / calls."""
        return self.host_pair_us(fn, None)[0]

    def host_pair_us(self, fn, gemforge_ctx):
        """Host time per call of fn() with GemForge off and (if gemforge_ctx) on, measured in
        alternating rounds so that clock and load drift hit both sides alike. Medians, in µs."""
        sync = torch.cuda.synchronize if self.cuda else (lambda: None)
        sides = [contextlib.nullcontext] + ([gemforge_ctx] if gemforge_ctx else [])
        per_call = [[] for _ in sides]
        rounds = 3 * self.host_repeats if gemforge_ctx else self.host_repeats
        calls = max(1, self.host_calls // 3) if gemforge_ctx else self.host_calls
        for ctx in sides:  # warm-up, also fills GemForge's kernel cache
            with ctx():
                for _ in range(max(1, calls // 10)):
                    fn()
                sync()
        for _ in range(rounds):
            for side, ctx in enumerate(sides):
                with ctx():
                    t0 = time.perf_counter()
                    for _ in range(calls):
                        fn()
                    sync()
                    per_call[side].append((time.perf_counter() - t0) / calls)
        return [1e6 * statistics.median(p) for p in per_call]


def measure_copy_bandwidth(timer):
    """Device-to-device copy bandwidth in GB/s (bytes read + written), the roofline reference."""
    return timing.copy_bandwidth_gbs(2**30, timer.warmup_ms, timer.rep_ms, timer.l2_flush) if timer.cuda else None


# --------------------------------------------------------------------------- correctness


def _check_all(ref, out):
    """_check for a tensor or a tuple of them (None entries: outputs not asked for): the worst."""
    if not isinstance(ref, (tuple, list)):
        return _check(ref, out)
    if not isinstance(out, (tuple, list)) or len(out) != len(ref):
        return {"check": "FAIL", "check_detail": f"expected {len(ref)} outputs, got {type(out).__name__}"}
    results = [_check(r, o) for r, o in zip(ref, out) if r is not None or o is not None]
    bad = [r for r in results if r["check"] != "pass"]
    worst = dict(max(results, key=lambda r: r.get("worst_err_over_tol", 0.0)))
    if bad:
        worst.update(check="FAIL", check_detail="; ".join(f"output {i}: {r.get('check_detail', '')}"
                                                          for i, r in enumerate(results) if r["check"] != "pass"))
    return worst


_CHECK_CHUNK = 1 << 27  # elements compared at a time (fp64 copies of 1 GiB each)


def _check(ref, out):
    """assert_close-like comparison that records instead of raising.
    |out - ref| <= atol * scale + rtol * |ref|, scale = RMS of the reference (the values'
    magnitude). For a sum of n O(1) values the RMS is ~sqrt(n): the sqrt(reduction size)
    scaling of atol; for a mean or a softmax over n it shrinks accordingly."""
    if not isinstance(ref, torch.Tensor) or not isinstance(out, torch.Tensor) or out.shape != ref.shape \
            or out.dtype != ref.dtype:
        def what(t):
            return (tuple(t.shape), t.dtype) if isinstance(t, torch.Tensor) else type(t).__name__
        return {"check": "FAIL", "check_detail": f"expected {what(ref)}, got {what(out)}"}
    rtol, atol = TOLERANCES.get(ref.dtype, (1.3e-6, 1e-5))
    # fp64 copies chunk by chunk: whole ones of a 16384 x 128256 output take 4 x 17 GB
    refs, outs = ref.reshape(-1), out.reshape(-1)
    chunks = [(i, min(i + _CHECK_CHUNK, refs.numel())) for i in range(0, refs.numel(), _CHECK_CHUNK)]
    sq, nfinite = 0.0, 0
    for lo, hi in chunks:
        r = refs[lo:hi].double()
        finite = torch.isfinite(r)
        sq += r[finite].square().sum().item()
        nfinite += int(finite.sum().item())
    scale = math.sqrt(sq / nfinite) if nfinite else 1.0
    atol_eff = atol * max(scale, 1e-30)
    bad, max_err, worst_max, worst_at = 0, 0.0, 0.0, 0
    for lo, hi in chunks:
        r, o = refs[lo:hi].double(), outs[lo:hi].double()
        err = (o - r).abs()
        nan_same = torch.isnan(r) & torch.isnan(o)
        inf_same = torch.isinf(r) & (o == r)
        ok = (err <= atol_eff + rtol * r.abs()) | nan_same | inf_same
        bad += int((~ok).sum().item())
        max_err = max(max_err, float(err.masked_fill(nan_same | inf_same, 0).nan_to_num(math.inf).max().item()))
        worst = (err / (atol_eff + rtol * r.abs())).masked_fill(nan_same | inf_same, 0).nan_to_num(math.inf)
        w, at = worst.max(0)
        if float(w.item()) > worst_max:
            worst_max, worst_at = float(w.item()), lo + int(at.item())
    result = {"check": "pass" if bad == 0 else "FAIL", "max_abs_err": max_err, "worst_err_over_tol": worst_max,
              "atol_eff": atol_eff, "rtol": rtol}
    if bad:
        result["check_detail"] = (f"{bad}/{ref.numel()} elements off; worst at flat index {worst_at}: "
                                  f"gemforge {outs[worst_at].item():.6g} vs torch {refs[worst_at].item():.6g}")
    return result


# --------------------------------------------------------------------------- the loop


def _bytes_moved(inputs, out):
    """Bytes that must move: each input read once, each output written once. An input the op
    writes in place (fill_, copy_'s destination) counts as written only."""
    def nbytes(t):
        return t.numel() * t.element_size()
    outs = [t for t in (out if isinstance(out, (tuple, list)) else (out, )) if isinstance(t, torch.Tensor)]
    written = {t.data_ptr() for t in outs if t.numel()}
    return sum(map(nbytes, outs)) + sum(nbytes(t) for t in inputs
                                        if isinstance(t, torch.Tensor) and not (t.numel() and t.data_ptr() in written))


def _missing_ops(required, ran):
    """The groups of `required` ("a|b": either) that did not run on GemForge: no record of the
    op, or only as an ATen fallback."""
    on_gemforge = {r.split(" ")[0].split(".")[0] for r in ran if "fallback" not in r}
    return [g for g in required if not set(g.split("|")) & on_gemforge]


def _arbitrate_in_fp64(res, case, inputs, ref, out):
    """A floating-point result off torch's by more than the tolerance: both against the op run in
    fp64 on the same inputs (GemForge off). Where GemForge's error is no larger than torch's (e.g.
    cumsum: ATen's CUDA kernel rounds every step to bf16, GemForge accumulates in fp32), the case
    passes, with both errors noted; otherwise it stays a mismatch, with them. The verdict compares
    the RMS error over the elements: the largest single error of two accumulation orders is the
    extreme of many output roundings (fp16 linear 16x4096x14336: 0.132 vs 0.126, both ~2 ulps of
    the largest outputs) and says little about which is closer."""
    if not (isinstance(ref, torch.Tensor) and isinstance(out, torch.Tensor) and ref.is_floating_point()):
        return
    try:
        ref64 = case.fn(*[t.double() if t.is_floating_point() else t for t in inputs])
    except Exception:  # noqa: BLE001  (no fp64 kernel for this op: the mismatch stands)
        return
    if not isinstance(ref64, torch.Tensor) or ref64.shape != ref.shape:
        return
    finite = torch.isfinite(ref64)
    def max_and_rms(t):
        e = (t.double() - ref64)[finite].abs()
        return (e.max().item(), e.square().mean().sqrt().item()) if e.numel() else (0.0, 0.0)
    (ours_max, ours_rms), (theirs_max, theirs_rms) = max_and_rms(out), max_and_rms(ref)
    verdict = "GemForge at least as close" if ours_rms <= theirs_rms else "torch closer"
    res["check_detail"] += (f"; vs fp64: RMS error gemforge {ours_rms:.3g}, torch {theirs_rms:.3g}, max error "
                            f"gemforge {ours_max:.3g}, torch {theirs_max:.3g} ({verdict})")
    if ours_rms <= theirs_rms:
        res["check"] = "pass"


def _is_view_of_input(result, inputs):
    """result is a tensor sharing the storage of one of the (non-empty) input tensors."""
    if not isinstance(result, torch.Tensor):
        return False
    storage = result.untyped_storage().data_ptr()
    return any(isinstance(t, torch.Tensor) and t.numel() and t.untyped_storage().data_ptr() == storage for t in inputs)


def _measure(case, timer, backend, record_log):
    """One case: torch (GemForge off), then GemForge, on the same inputs. Returns its result dict."""
    res = {"name": case.name, "family": case.family, "dtype": DTYPE_NAMES.get(case.dtype, str(case.dtype)),
           "kind": case.kind, "metric": case.metric, "issue": case.issue, "layout": case.layout,
           "plain": case.plain}
    inputs = case.make_inputs()
    res["shapes"] = [list(t.shape) for t in inputs]
    call = lambda: case.fn(*inputs)  # noqa: E731
    ref = call()  # GemForge is off here (run() disables it)
    res["bytes"] = case.nbytes(inputs, ref) if case.nbytes else _bytes_moved(inputs, ref)
    if case.memory_bound:
        res["memory_bound"] = True
    compare = case.compare or (lambda out: out)
    if case.kind == "matmul":
        res["flop"] = 2 * case.reduce_size * ref.numel()  # 2 * K per output element
    try:
        with gemforge.use(backend=backend, record=True, record_log=record_log):
            out = call()  # compiles on a kernel-cache miss, before any timing
            res["gemforge_ops"] = gemforge.recorded()
        if not res["gemforge_ops"] and _is_view_of_input(ref, inputs) and _is_view_of_input(out, inputs):
            # resolve_neg, contiguous, ... of a tensor that needs nothing done: no kernel on either
            # side, so the device time is the timer's own event gap (kept out of the device bars)
            res["view"] = True
            res["note"] = "no device work on either side: the result is a view of the input"
        elif any("fallback" in op for op in res["gemforge_ops"]) or not res["gemforge_ops"]:
            res["note"] = "ran (partly) on ATen: " + ", ".join(res["gemforge_ops"] or ["nothing recorded"])
        missing = _missing_ops(case.ops, res["gemforge_ops"])
        if missing:  # not GemForge's (yet): reported as ATen, kept out of the bars
            res["aten"] = "not on GemForge: " + ", ".join(missing)
        res.update(_check_all(compare(ref), compare(out)))
        if res["check"] == "FAIL":
            _arbitrate_in_fp64(res, case, inputs, ref, out)
        del ref, out
        on = lambda: gemforge.use(backend=backend)  # noqa: E731
        if case.metric == "device":
            kept, settling = timer.device_pair_us(call, on, settle=case.kind == "matmul")
            res["torch_us"], res["gemforge_us"] = kept
            if settling:  # not counted (device_pair_us)
                res["settling_torch_us"], res["settling_gemforge_us"] = settling
        else:
            res["torch_us"], res["gemforge_us"] = timer.host_pair_us(call, on)
    except Exception as e:  # keep going: one broken case must not lose the others
        msg = str(e).strip()
        res.update(check="error", error=f"{type(e).__name__}: {msg.splitlines()[-1] if msg else ''}",
                   traceback=traceback.format_exc()[-4000:])
        res["torch_us"] = (timer.device_us if case.metric == "device" else timer.host_us)(call)
        return res
    if case.kind == "matmul":
        res["torch_TFLOPs"] = res["flop"] / (res["torch_us"] * 1e-6) / 1e12
        res["gemforge_TFLOPs"] = res["flop"] / (res["gemforge_us"] * 1e-6) / 1e12
    if case.metric == "device":
        res["speedup"] = res["torch_us"] / res["gemforge_us"]
        res["torch_GBps"] = res["bytes"] / (res["torch_us"] * 1e-6) / 1e9
        res["gemforge_GBps"] = res["bytes"] / (res["gemforge_us"] * 1e-6) / 1e9
    else:
        res["ratio"] = res["gemforge_us"] / res["torch_us"]
    return res


def measure_fused_cross_entropy(timer, backend, quick):
    """gemforge.cross_entropy (csrc/ops/loss.cpp: never materializes the softmax) against
    F.cross_entropy on ATen (log_softmax + nll_loss), forward + backward on [tokens, vocab] logits
    with int64 targets. Device time as the other cases; peak memory = torch.cuda.max_memory_allocated
    during one forward + backward minus what was allocated before it (so the logits and targets
    are not counted; the gradient of the logits is). Peak memory is n/a without a GPU."""
    shape = FUSED_CE_QUICK if quick else FUSED_CE_SHAPE
    dtype = torch.float32 if quick else torch.bfloat16
    device = "cuda" if backend == "cuda" else "cpu"
    res = {"name": f"cross_entropy fused {_shape_str(shape)} fwd+bwd", "family": "cross_entropy_fused",
           "dtype": DTYPE_NAMES[dtype], "kind": "fused_ce", "metric": "fused", "issue": 4, "layout": "large",
           "shapes": [list(shape), list(shape[:1])]}
    try:
        torch.manual_seed(0)
        logits = torch.randn(shape, device=device).to(dtype).requires_grad_()
        target = torch.randint(0, shape[1], shape[:1], device=device)

        def step(loss_fn):
            def run():
                logits.grad = None
                loss = loss_fn(logits, target)
                loss.backward()
                return loss
            return run

        def peak_bytes(run):
            if not timer.cuda:
                return None
            logits.grad = None
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
            run()
            torch.cuda.synchronize()
            return torch.cuda.max_memory_allocated() - base

        composite, fused = step(F.cross_entropy), step(gemforge.cross_entropy)
        rows = slice(None, None, max(1, shape[0] // 64))  # the gradient compared on 64 rows (fp64 copies)
        ref = (composite().detach(), logits.grad[rows].clone())
        res["torch_peak_bytes"] = peak_bytes(composite)
        res["torch_us"] = timer.device_us(composite)
        with gemforge.use(backend=backend):
            out = (fused().detach(), logits.grad[rows].clone())
            res.update(_check_all(ref, out))
            del ref, out
            res["gemforge_peak_bytes"] = peak_bytes(fused)
            res["gemforge_us"] = timer.device_us(fused)
        logits.grad = None
    except Exception as e:  # noqa: BLE001
        msg = str(e).strip()
        res.update(check="error", error=f"{type(e).__name__}: {msg.splitlines()[-1] if msg else ''}",
                   traceback=traceback.format_exc()[-4000:])
        return res
    res["speedup"] = res["torch_us"] / res["gemforge_us"]
    if res["torch_peak_bytes"]:
        res["peak_ratio"] = res["gemforge_peak_bytes"] / res["torch_peak_bytes"]
    return res


def _prepare_backend(quick):
    """The backend to run on. --quick on a GPU machine means the interpreter, which needs
    TRITON_INTERPRET=1 before triton is first imported."""
    if quick and gemforge.default_backend() == "cuda":
        if "triton" in sys.modules:
            raise RuntimeError("quick mode runs under Triton's interpreter, which must be chosen before triton "
                               "is imported: run `python3 -m gemforge.bench --quick` in a fresh process")
        os.environ["TRITON_INTERPRET"] = "1"
    return gemforge.default_backend()


def run(quick=False, only=None, copy_bw=None, warmup_ms=25, rep_ms=100, record_log=None, log=sys.stderr,
        l2_flush="clean"):
    """Run the benchmark; returns a list of result dicts (device cases, then host cases).

    quick: the small interpreter version (also what runs without a GPU).
    only: operator names or families to keep (e.g. ["add", "softmax"]); None keeps all.
    copy_bw: measured copy bandwidth in GB/s (measured here on a GPU when None), for `pct_copy_bw`.
    """
    backend = _prepare_backend(quick)
    quick = quick or backend == "cpu"
    device = "cuda" if backend == "cuda" else "cpu"
    timer = Timer(backend, quick, warmup_ms, rep_ms, l2_flush=l2_flush)
    if copy_bw is None:
        copy_bw = measure_copy_bandwidth(timer)
    record_log = record_log or os.path.join(tempfile.gettempdir(), "gemforge_bench_record.log")

    cases = _select(device_cases(device, quick), only) + _select(host_cases(device, quick), only)
    # On CPU, torch's intra-op thread pool turns a tiny op into a multi-ms thread wake-up on a
    # small machine; one thread gives torch steady reference numbers. Both restored below,
    # like the caller's GemForge registration (torch's side must run with GemForge off).
    threads, previous = torch.get_num_threads(), gemforge._state
    if device == "cpu":
        torch.set_num_threads(1)
    gemforge.disable()
    try:
        results = _run_cases(cases, timer, backend, copy_bw, record_log, log)
        if not only or {"cross_entropy", "cross_entropy_fused"} & set(only):
            print("fused cross entropy vs log_softmax + nll_loss ...", end="", file=log, flush=True)
            results.append(measure_fused_cross_entropy(timer, backend, quick))
            print(f" {results[-1].get('error') or results[-1]['check']}", file=log, flush=True)
        return results
    finally:
        torch.set_num_threads(threads)
        if previous is not None:
            gemforge.enable(*previous)


def warm_kernel_cache(workers, only, gpus, log=sys.stderr):
    """Compile every case's kernels into the disk cache with `workers` processes (spread over
    `gpus` GPUs) before timing: first-time Triton compilation is CPU-bound and would otherwise
    run one kernel at a time inside the timing process."""
    import subprocess
    t0 = time.perf_counter()
    procs = []
    for i in range(workers):
        env = dict(os.environ, CUDA_VISIBLE_DEVICES=str(i % max(1, gpus)))
        cmd = [sys.executable, "-m", "gemforge.bench", "--warm-shard", f"{i}/{workers}"]
        if only:
            cmd += ["--only", ",".join(only)]
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    failed = 0
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            failed += 1
            print(f"warm-up worker failed (rc {p.returncode}): {err.strip()[-500:]}", file=log)
    print(f"kernel cache warmed by {workers} processes in {time.perf_counter() - t0:.0f} s"
          f"{f', {failed} failed' if failed else ''}", file=log, flush=True)


def _warm_shard(shard, only):
    """One warm-up worker: run GemForge's side of every n-th case once (errors are left to the
    timed run, which reports them per case)."""
    i, n = (int(v) for v in shard.split("/"))
    cases = _select(device_cases("cuda", False), only) + _select(host_cases("cuda", False), only)
    for case in cases[i::n]:
        try:
            inputs = case.make_inputs()
            with gemforge.use():
                case.fn(*inputs)
            torch.cuda.synchronize()
        except Exception:  # noqa: BLE001
            pass
        inputs = None
        torch.cuda.empty_cache()


def _is_decode(name):
    m = MATMUL.get(name)
    return bool(m) and m[0] == "linear" and m[2] <= 16


def _decode_weight_bytes(name, dtype):
    """dtype: the results' name for it ("bf16", "fp16", "fp32")."""
    _, _, _, n, k = MATMUL[name]
    return n * k * (2 if dtype in ("bf16", "fp16") else 4)


def _reference_us(timer, measure, nbytes, cache):
    """measure(nbytes, ...) (timing.read_only_us: the decode bar's plain read of the weight;
    timing.copy_us: torch's copy beside the bandwidth bar's rows), timed once a kind and size."""
    key = (measure.__name__, nbytes)
    if key not in cache:
        cache[key] = measure(nbytes, timer.warmup_ms, timer.rep_ms, timer.l2_flush)
    return cache[key]


def _copy_same_bytes_note(r):
    pct = r.get("copy_same_bytes_pct")
    return f" (torch's copy of the same bytes: {pct:.0f}%)" if pct is not None else ""


def _run_cases(cases, timer, backend, copy_bw, record_log, log):
    results = []
    references = {}  # (timing function, bytes) -> us (_reference_us)
    for i, case in enumerate(cases, 1):
        dt = DTYPE_NAMES.get(case.dtype, str(case.dtype))
        print(f"[{i}/{len(cases)}] {case.metric:6s} {case.name} {dt} ...", end="", file=log, flush=True)
        try:
            res = _measure(case, timer, backend, record_log)
        except Exception as e:  # torch's side or the inputs failed (e.g. out of memory)
            res = {"name": case.name, "family": case.family, "dtype": dt, "kind": case.kind,
                   "metric": case.metric, "issue": case.issue, "layout": case.layout, "check": "error",
                   "error": f"torch side: {type(e).__name__}: {str(e).strip()[:300]}",
                   "traceback": traceback.format_exc()[-4000:]}
        if backend == "cuda" and "error" not in res and res["metric"] == "device" and _is_decode(case.name):
            res["read_only_us"] = _reference_us(timer, timing.read_only_us, _decode_weight_bytes(case.name, dt),
                                                references)
        if copy_bw and "gemforge_GBps" in res:
            res["gemforge_pct_copy_bw"] = 100 * res["gemforge_GBps"] / copy_bw
            res["torch_pct_copy_bw"] = 100 * res["torch_GBps"] / copy_bw
            if backend == "cuda" and _bandwidth_bar_row(res):
                res["copy_same_bytes_us"] = _reference_us(timer, timing.copy_us, res["bytes"], references)
                res["copy_same_bytes_pct"] = 100 * res["bytes"] / (copy_bw * 1e3) / res["copy_same_bytes_us"]
        results.append(res)
        if "error" in res:
            print(f" ERROR {res['error']}", file=log, flush=True)
        else:
            tail = f"speedup {_num(res['speedup'])}x" if "speedup" in res else f"ratio {_num(res['ratio'])}"
            print(f" torch {res['torch_us']:.1f} us, gemforge {res['gemforge_us']:.1f} us, {tail}, {res['check']}",
                  file=log, flush=True)
        if backend == "cuda":
            torch.cuda.empty_cache()
    return results


# --------------------------------------------------------------------------- reporting


def metadata(backend, copy_bw, quick):
    import triton
    gpu = torch.cuda.get_device_name() if backend == "cuda" else None
    return {"gpu": gpu, "backend": backend, "mode": "quick (interpreter)" if quick else "full",
            "torch": torch.__version__, "triton": triton.__version__, "python": platform.python_version(),
            "platform": platform.platform(), "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "copy_bw_GBps": copy_bw, "torch_cpu_threads": 1 if backend == "cpu" else torch.get_num_threads()}


def _geomean(xs):
    xs = [x for x in xs if x and x > 0 and math.isfinite(x)]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else float("nan")


def _mu():
    """'µ' where stdout can print it."""
    try:
        "µ".encode(sys.stdout.encoding or "ascii")
        return "µ"
    except (UnicodeEncodeError, LookupError):
        return "u"


def _num(x):
    """A ratio or rate with about 3 significant digits."""
    if x is None:
        return "-"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.2f}" if abs(x) >= 0.1 else f"{x:.2g}"


def _table(headers, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    fmt = lambda row: "  ".join(str(x).ljust(w) if j == 0 else str(x).rjust(w)  # noqa: E731
                                for j, (x, w) in enumerate(zip(row, widths)))
    return "\n".join([fmt(headers), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows])


def format_report(results, meta):
    mu = _mu()
    device = [r for r in results if r["metric"] == "device"]
    host = [r for r in results if r["metric"] == "host"]
    f = lambda v, spec: "-" if v is None else format(v, spec)  # noqa: E731
    out = []
    rows = [(r["name"], r["dtype"], f(r.get("torch_us"), ".1f"), f(r.get("gemforge_us"), ".1f"),
             _num(r.get("speedup")), _num(r.get("torch_GBps")), _num(r.get("gemforge_GBps")),
             f(r.get("gemforge_pct_copy_bw"), ".0f"), _check_cell(r)) for r in device]
    how = (f"device median, L2 flushed ({meta.get('l2_flush')}) before each call" if meta["backend"] == "cuda"
           else "wall median (interpreter)")
    out.append(f"Device time: {how}")
    out.append(_table(["case", "dtype", f"torch {mu}s", f"gemforge {mu}s", "speedup", "torch GB/s",
                       "gemforge GB/s", "% copy BW", "check"], rows))
    out.append("")
    rows = [(r["name"], r["dtype"], f(r.get("torch_us"), ".2f"), f(r.get("gemforge_us"), ".2f"),
             _num(r.get("ratio")), _check_cell(r)) for r in host]
    out.append("Host cost: wall time per call, small tensors")
    out.append(_table(["case", "dtype", f"torch {mu}s/call", f"gemforge {mu}s/call", "ratio gf/torch", "check"], rows))
    out.append("")
    for r in results:
        if "error" in r:
            out.append(f"ERROR   {r['name']} {r['dtype']}: {r['error']}")
        elif r.get("check") == "FAIL":
            out.append(f"MISMATCH {r['name']} {r['dtype']}: {r.get('check_detail', '')}")
        elif "vs fp64" in r.get("check_detail", ""):
            out.append(f"FP64    {r['name']} {r['dtype']}: off torch's result, but {r['check_detail']}")
        if "note" in r:
            out.append(f"NOTE*   {r['name']} {r['dtype']}: {r['note']}")
        if "aten" in r:
            out.append(f"ATEN    {r['name']} {r['dtype']}: {r['aten']} (timed as ATen's; not in the bars)")
    passed = sum(r.get("check") == "pass" for r in results)
    out.append(f"correctness: {passed}/{len(results)} cases match torch")
    out.append(f"geomean speedup (device, torch/gemforge): {_num(_geomean([r.get('speedup') for r in device]))}")
    out.append(f"geomean host ratio (gemforge/torch): {_num(_geomean([r.get('ratio') for r in host]))}")
    if meta["backend"] == "cuda":
        out += bar_report(results)
        out += matmul_report(results, meta["copy_bw_GBps"])
    out += issue4_report(results, meta["backend"] == "cuda")
    bw = meta["copy_bw_GBps"]
    out.append(f"gpu: {meta['gpu'] or 'none (' + meta['backend'] + ' backend, Triton interpreter)'}; torch "
               f"{meta['torch']}; triton {meta['triton']}; python {meta['python']}; copy bandwidth: "
               + (f"{bw:.0f} GB/s" if bw else "not measured"))
    return "\n".join(out)


def _check_cell(r):
    """The check column: pass/FAIL/error, '*' with a note, 'ATen' for a row GemForge did not run."""
    return r.get("check", "-") + ("*" if "note" in r else "") + (" ATen" if "aten" in r else "")


# Issue 4's bar groups, by case family (bench_ops.ISSUE4).
SOFTMAX_FAMILIES = ("softmax", "log_softmax", "softmax_backward", "log_softmax_backward")
NORM_FAMILIES = ("layer_norm", "layer_norm_backward", "rms_norm", "rms_norm_backward")
FASTER_FAMILIES = ("cumsum", "sort", "argsort", "topk", "unique")


def _bandwidth_bar_row(r):
    """Issue 4's bandwidth bar judges this device row: large inputs (32 MiB moved or more) of the
    memory-bound issue-4 cases and of the generic reduction / softmax cases (their decode-sized
    rows are launch-latency bound)."""
    return (r["metric"] == "device" and (r["issue"] == 4 or r["kind"] in ("reduction", "softmax"))
            and r.get("bytes", 0) >= 32 << 20
            and (r.get("memory_bound") or (r["kind"] in ("reduction", "softmax") and r["layout"] == "large")))


def issue4_report(results, gpu=True):
    """Issue 4's bars on this run's numbers. Its rows: the issue-4 cases (bench_ops.ISSUE4) and
    the generic sum/mean/softmax/log_softmax cases. Rows that ran on ATen (an op GemForge does not
    implement yet, or a fallback: `aten` in the result) are listed and kept out of every bar.
      host cost on decode-sized inputs ([8, 4096]): gemforge/torch <= 1.05 per call;
      memory-bound reductions and norms (large inputs): >= 85% of the measured copy bandwidth,
        counting the bytes that must move (each operand read once, each output written once;
        batch norm reads its input twice: bench_ops.ISSUE4);
      softmax: >= 2x at 4096x4096 bf16, >= 1.0x at every other softmax-family case (the
        backward ops included);
      layer_norm, rms_norm, forward and backward: faster than torch (> 1.0x) at every shape;
      cumsum, sort (argsort), topk, unique: faster than torch at every shape;
      geomean speedup over the issue-4 device rows >= 1.3;
      fused cross entropy on [8192, 128k] bf16, forward + backward: peak memory < 0.5x that of
        log_softmax + nll_loss, and faster."""
    rows = [r for r in results if r["issue"] == 4 or r["kind"] in ("reduction", "softmax")]
    if not rows:
        return []
    lines = ["", "Issue 4 bars (reductions, scans, sorting, normalization, softmax, losses):"]
    if not gpu:
        lines.append("  (interpreter timings: the verdicts below are not GPU numbers)")
    aten = [r for r in rows if "aten" in r]
    judged = [r for r in rows if "aten" not in r and "error" not in r and r["metric"] in ("device", "host")]
    dev = [r for r in judged if r["metric"] == "device"]

    def label(r):
        return f"{r['name']} {r['dtype']}"

    def bar(title, group, value, ok, bar_text, show=8, note=lambda r: ""):
        vals = [(value(r), r) for r in group if value(r) is not None]
        if not vals:
            lines.append(f"  {'n/a':12s} {title}: no rows")
            return
        bad = [(v, r) for v, r in vals if not ok(v)]
        status = "PASS" if not bad else f"MISS ({len(bad)}/{len(vals)})"
        worst = min(vals, key=lambda vr: vr[0]) if ok(float("inf")) else max(vals, key=lambda vr: vr[0])
        lines.append(f"  {status:12s} {title}: worst {_num(worst[0])} ({label(worst[1])}), bar {bar_text}")
        for v, r in sorted(bad, key=lambda vr: vr[0], reverse=not ok(float("inf")))[:show]:
            lines.append(f"               {label(r)}: {_num(v)}{note(r)}")

    bar("host cost, decode-sized inputs ([8, 4096]), gemforge/torch per call",
        [r for r in judged if r["metric"] == "host"], lambda r: r.get("ratio"), lambda v: v <= 1.05, "<= 1.05")
    bw_rows = [r for r in dev if _bandwidth_bar_row(r)]
    bar("memory-bound reductions and norms, % of copy bandwidth", bw_rows, lambda r: r.get("gemforge_pct_copy_bw"),
        lambda v: v >= 85, ">= 85%", note=_copy_same_bytes_note)
    # The same timer on torch's copy of each row's bytes (measured in this run): what moving that
    # many bytes reaches here at all (a fixed launch cost weighs on small inputs).
    capped = [r for r in bw_rows if r.get("gemforge_pct_copy_bw", 100) < 85 and r.get("copy_same_bytes_pct", 100) < 85]
    if capped:
        lines.append(f"               of those, {len(capped)} where torch's copy of the same bytes measures under 85% "
                     f"too (largest: {max(r['bytes'] for r in capped) / 2**20:.0f} MiB)")
    sm = [r for r in dev if r["family"] in SOFTMAX_FAMILIES]
    square = [r for r in sm if r["name"] == "softmax 4096x4096" and r["dtype"] == "bf16"]
    bar("softmax 4096x4096 bf16, speedup", square, lambda r: r.get("speedup"), lambda v: v >= 2.0, ">= 2.0")
    bar("softmax family elsewhere, speedup", [r for r in sm if r not in square], lambda r: r.get("speedup"),
        lambda v: v >= 1.0, ">= 1.0")
    bar("layer_norm / rms_norm forward and backward, speedup", [r for r in dev if r["family"] in NORM_FAMILIES],
        lambda r: r.get("speedup"), lambda v: v > 1.0, "> 1.0")
    bar("cumsum / sort / argsort / topk / unique, speedup", [r for r in dev if r["family"] in FASTER_FAMILIES],
        lambda r: r.get("speedup"), lambda v: v > 1.0, "> 1.0")
    g = _geomean([r.get("speedup") for r in dev])
    lines.append(f"  {'PASS' if g >= 1.3 else 'MISS':12s} geomean speedup over {len(dev)} issue-4 device rows: "
                 f"{_num(g)}, bar 1.3")
    bad = [r for r in rows if "aten" not in r and r.get("check") not in ("pass", None)]
    lines.append(f"  {'PASS' if not bad else f'MISS ({len(bad)})':12s} correctness: issue-4 rows matching torch "
                 f"(mismatches and errors are listed above)")
    for r in [r for r in results if r["kind"] == "fused_ce"]:
        if "error" in r:
            lines.append(f"  {'ERROR':12s} fused cross entropy {r['name']}: {r['error']}")
            continue
        mib = lambda b: "n/a" if b is None else f"{b / 2**20:.0f} MiB"  # noqa: E731
        ratio = r.get("peak_ratio")
        ok = ratio is not None and ratio < 0.5 and r["speedup"] > 1.0 and r["check"] == "pass"
        status = ("PASS" if ok else "MISS") if ratio is not None else "n/a"
        lines.append(f"  {status:12s} fused cross entropy {r['name']} {r['dtype']} vs log_softmax + nll_loss: "
                     f"peak memory {mib(r.get('gemforge_peak_bytes'))} vs {mib(r.get('torch_peak_bytes'))} "
                     f"({'n/a' if ratio is None else _num(ratio) + 'x'}, bar < 0.5x); time {r['gemforge_us']:.0f} vs "
                     f"{r['torch_us']:.0f} us ({_num(r['speedup'])}x, bar > 1.0); check {r['check']}")
    if aten:
        lines.append(f"  not judged: {len(aten)} rows ran on ATen (an op GemForge does not implement yet, or a "
                     "fallback): "
                     + ", ".join(label(r) for r in aten[:20]) + (" ..." if len(aten) > 20 else ""))
    return lines


def bar_report(results):
    """The pointwise issues' bars, checked on this run's numbers (issue 3's text): host cost
    <= 1.05x torch for every op; large contiguous: device time <= torch's for every op (speedup
    >= 1.0), none below 0.95x, geomean >= 1.0, plain ops >= 90% of copy bandwidth; strided and
    broadcast: every op >= 0.9x. Device rows whose result is a view of the input on both sides (no
    kernel anywhere) are judged by host cost only; host rows of such views, where GemForge runs
    none of its own code (ATen's same code on both sides: resolve_neg, contiguous of a contiguous
    tensor), are listed apart, not judged."""
    lines = ["", "Pointwise bars (issue 3; the foundation's ops included):"]
    pw = [r for r in results if r["kind"] == "pointwise" and "error" not in r]

    def label(r):
        return f"{r['name']} {r['dtype']}"

    def check(title, rows, value, bar, higher_is_better, show):
        vals = [(value(r), r) for r in rows if value(r) is not None]
        if not vals:
            return
        bad = [(v, r) for v, r in vals if (v < bar if higher_is_better else v > bar)]
        worst = (min if higher_is_better else max)(vals, key=lambda vr: vr[0])
        status = "PASS" if not bad else f"MISS ({len(bad)}/{len(vals)})"
        lines.append(f"  {status:12s} {title}: worst {_num(worst[0])} ({label(worst[1])}), bar {bar}")
        for v, r in sorted(bad, key=lambda vr: vr[0], reverse=not higher_is_better)[:show]:
            lines.append(f"               {label(r)}: {_num(v)}")

    host = [r for r in pw if r["metric"] == "host" and not r.get("view")]
    aten_views = [r for r in pw if r["metric"] == "host" and r.get("view")]
    device = [r for r in pw if r["metric"] == "device" and not r.get("view")]  # views: no kernel to time
    large = [r for r in device if r["layout"] == "large"]
    layouts = [r for r in device if r["layout"] in ("strided", "broadcast")]
    check("host cost, gemforge/torch per call", host, lambda r: r.get("ratio"), 1.05, False, 12)
    if aten_views:
        lines.append("               not judged (no GemForge code runs: ATen's same view code on both sides): "
                     + ", ".join(f"{label(r)} {_num(r.get('ratio'))}" for r in aten_views))
    check("large contiguous, device time <= torch's (speedup)", large, lambda r: r.get("speedup"), 1.0, True, 12)
    slower = [r for r in large if r.get("speedup") is not None and r["speedup"] < 0.99]
    if large:  # (not a bar: how many of the rows above are beyond ~1%, the runs' spread for equal kernels)
        lines.append(f"               of those, more than 1% slower than torch: {len(slower)}/{len(large)}")
    check("large contiguous, none below", large, lambda r: r.get("speedup"), 0.95, True, 12)
    check("plain ops, % of copy bandwidth", [r for r in large if r.get("plain")],
          lambda r: r.get("gemforge_pct_copy_bw"), 90, True, 12)
    check("strided and broadcast, speedup", layouts, lambda r: r.get("speedup"), 0.9, True, 12)
    if large:
        g = _geomean([r.get("speedup") for r in large])
        lines.append(f"  {'PASS' if g >= 1.0 else 'MISS':12s} large contiguous, geomean speedup {_num(g)}, bar 1.0")
    return lines


def matmul_report(results, copy_bw):
    """Issue 5's bars on this run: mm 4096^3/8192^3 >= 0.95x cuBLAS; LLM projections geomean
    >= 1.0x, none below 0.85x; attention bmm geomean >= 0.95x; decode (M <= 16) >= 85% of the
    weight-read floor (weight bytes / copy bandwidth); host cost <= 1.05x."""
    mm = [r for r in results if r["kind"] == "matmul" and "error" not in r]
    dev = [r for r in mm if r["metric"] == "device"]
    if not mm:
        return []
    lines = ["", "Matrix products (issue 5), speedup = cuBLAS time / GemForge time:"]
    for r in dev:
        extra = ""
        if _is_decode(r["name"]) and copy_bw:
            floor_us = _decode_weight_bytes(r["name"], r["dtype"]) / (copy_bw * 1e3)
            r["weight_floor_pct"] = 100 * floor_us / r["gemforge_us"]
            r["torch_weight_floor_pct"] = 100 * floor_us / r["torch_us"]
            extra = f"  weight-read floor: gemforge {r['weight_floor_pct']:.0f}%, torch {r['torch_weight_floor_pct']:.0f}%"
            if r.get("read_only_us"):
                r["read_only_floor_pct"] = 100 * floor_us / r["read_only_us"]
                extra += f", plain read {r['read_only_floor_pct']:.0f}%"
        lines.append(f"  {r['name']:34s} {r['dtype']:5s} torch {r['torch_us']:9.1f} us {r.get('torch_TFLOPs', 0):6.0f} TF/s"
                     f"  gemforge {r['gemforge_us']:9.1f} us {r.get('gemforge_TFLOPs', 0):6.0f} TF/s"
                     f"  {_num(r['speedup'])}x{extra}")

    def bar(title, rows, value, ok, text):
        vals = [value(r) for r in rows if value(r) is not None]
        if vals:
            lines.append(f"  {'PASS' if ok(vals) else 'MISS':5s} {title}: {text(vals)}")

    squares = [r for r in dev if r["name"].startswith("mm ")]
    bar("mm 4096^3 / 8192^3 >= 0.95x", squares, lambda r: r["speedup"], lambda v: min(v) >= 0.95,
        lambda v: f"min {_num(min(v))}")
    proj = [r for r in dev if r["name"].startswith("linear ")]
    bar("projections geomean >= 1.0x, none < 0.85x", proj, lambda r: r["speedup"],
        lambda v: _geomean(v) >= 1.0 and min(v) >= 0.85, lambda v: f"geomean {_num(_geomean(v))}, min {_num(min(v))}")
    attn = [r for r in dev if r["name"].startswith("bmm ")]
    bar("attention bmm geomean >= 0.95x", attn, lambda r: r["speedup"], lambda v: _geomean(v) >= 0.95,
        lambda v: f"geomean {_num(_geomean(v))}")
    decode = [r for r in dev if r.get("weight_floor_pct") is not None]
    if decode:
        worst = min(decode, key=lambda r: r["weight_floor_pct"])
        # (the plain read: the fastest kernel that only reads those bytes, timed alike)
        plain = f"; a plain read of its weight: {worst['read_only_floor_pct']:.0f}%" if worst.get(
            "read_only_floor_pct") else ""
        bar("decode >= 85% of the weight-read floor", decode, lambda r: r["weight_floor_pct"],
            lambda v: min(v) >= 85, lambda v: f"min {min(v):.0f}% ({worst['name']} {worst['dtype']}{plain})")
    bar("host cost <= 1.05x", [r for r in mm if r["metric"] == "host"], lambda r: r.get("ratio"),
        lambda v: max(v) <= 1.05, lambda v: f"max {_num(max(v))}")
    return lines


def write_json(path, results, meta):
    with open(path, "w") as fh:
        json.dump({"metadata": meta, "cases": results}, fh, indent=1)


def write_chart(path, results, meta):
    """Horizontal bars of device speedup per case; returns False when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    rows = [r for r in results if r["metric"] == "device" and r.get("speedup")]
    labels = [f"{r['name']} {r['dtype']}" + ("" if r.get("check") == "pass" else " [FAIL]") for r in rows]
    speedups = [r["speedup"] for r in rows]
    fig, ax = plt.subplots(figsize=(9, 1.5 + 0.22 * len(rows)))
    colors = ["tab:green" if s >= 1 else "tab:red" for s in speedups]
    # log scale, bars grow from 1.0: 2x faster and 2x slower look the same size
    ax.barh(range(len(rows)), [v - 1 for v in speedups], left=1, color=colors)
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=1)
    for y, v in enumerate(speedups):
        ax.text(v, y, f" {_num(v)} ", va="center", ha="left" if v >= 1 else "right", fontsize=6)
    lo, hi = min(speedups + [1.0]), max(speedups + [1.0])
    ax.set_xlim(lo / 3, hi * 3)
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("speedup over torch eager (torch time / gemforge time)")
    where = meta["gpu"] or "CPU, Triton interpreter"
    ax.set_title(f"GemForge vs torch eager, device time: {where}; geomean {_num(_geomean(speedups))}x", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m gemforge.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small version on CPU tensors under Triton's interpreter (also the default without a GPU)")
    parser.add_argument("--out", default="bench_results", help="output folder for bench.json and bench.png")
    parser.add_argument("--only", default=None, help="comma-separated operator names or families, e.g. add,softmax")
    parser.add_argument("--warmup-ms", type=float, default=25, help="warm-up time per timing (GPU)")
    parser.add_argument("--rep-ms", type=float, default=100, help="measuring time per timing (GPU)")
    parser.add_argument("--l2-flush", choices=("clean", "zero"), default="clean",
                        help="L2 flush before each timed call (GPU): read a buffer (clean) or write it (zero, "
                             "do_bench's): see gemforge/timing.py")
    parser.add_argument("--compile-workers", type=int, default=0,
                        help="GPU: compile all kernels with this many processes before timing (0: none)")
    parser.add_argument("--warm-shard", default=None, help=argparse.SUPPRESS)  # internal: one warm-up worker
    args = parser.parse_args(argv)

    only = [s.strip() for s in args.only.split(",") if s.strip()] if args.only else None
    if args.warm_shard:
        _warm_shard(args.warm_shard, only)
        return 0
    known = set(POINTWISE) | {family_of(op) for op in POINTWISE} | set(REDUCTIONS) | {"mm", "linear", "bmm"} | \
        {op.family for op in ISSUE4.values()} | {"cross_entropy_fused"}
    if only and not set(only) <= known:
        parser.error(f"unknown --only name(s) {sorted(set(only) - known)}; known: {', '.join(sorted(known))}")

    t0 = time.perf_counter()
    backend = _prepare_backend(args.quick)
    quick = args.quick or backend == "cpu"
    if quick:
        print("small version: CPU tensors under Triton's interpreter (timings are not GPU numbers)",
              file=sys.stderr)
    copy_bw = measure_copy_bandwidth(Timer(backend, quick, args.warmup_ms, args.rep_ms))
    if copy_bw:
        print(f"copy bandwidth: {copy_bw:.0f} GB/s", file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    if args.compile_workers > 1 and backend == "cuda" and not quick:
        warm_kernel_cache(args.compile_workers, only, int(os.environ.get("GEMFORGE_BENCH_GPUS", "1")))
    results = run(quick=quick, only=only, copy_bw=copy_bw, warmup_ms=args.warmup_ms, rep_ms=args.rep_ms,
                  l2_flush=args.l2_flush)
    meta = metadata(backend, copy_bw, quick)
    meta["l2_flush"] = args.l2_flush if backend == "cuda" else None
    meta["wall_s"] = round(time.perf_counter() - t0, 1)

    print(format_report(results, meta))
    write_json(os.path.join(args.out, "bench.json"), results, meta)
    print(f"wrote {os.path.join(args.out, 'bench.json')}")
    if write_chart(os.path.join(args.out, "bench.png"), results, meta):
        print(f"wrote {os.path.join(args.out, 'bench.png')}")
    else:
        print("matplotlib is not installed: skipped bench.png")
    print(f"total wall time {meta['wall_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
