"""softmax / log_softmax and their backward on few, very wide rows: the split path (op_utils.h
softmax_row_tiles; kernels/softmax.py softmax_part_stats_kernel + softmax_split_kernel,
kernels/loss.py softmax_backward_part_sums_kernel + softmax_backward_split_kernel), next to the
shapes around it that are not split. The general cases are in op_db.py (forward) and
test_loss.py (backward).

The rule is the host's own: under the interpreter the CPU counts as one SM (4 programs wanted)
and parts have at least 8192 elements, so rows of more than 16384 elements (longer than one
tile) in at most 3 rows are split. References: torch on fp64 CPU copies; tolerances per dtype,
relative to the largest finite reference value (softmax outputs of 40000-wide rows are ~1e-5).

On CUDA, split rows in at least a row per SM take the one-pass kernel instead (op_utils.h
softmax_onepass_tiles; kernels/softmax.py softmax_rows_smem_kernel, Gluon, forward and
backward): the LARGE cases of 200 and 256 rows and the 160-row special-value cases below, with
cp.async copies where rows are 16-byte aligned (widths that are multiples of 16: 131072, 20016,
17008) and through registers elsewhere (20011, 17000, a view one element into its storage).
test_wide_rows_kernel_choice checks which kernels run; test_smem_kernel_compiles_for_sm90
compiles its variants without a GPU.
"""
import json
import math
import os
import re
import subprocess
import sys
import textwrap

import pytest
import torch

import gemforge
import gemforge.kernels.loss as lk
import gemforge.kernels.softmax as sk
from conftest import DEVICE, LARGE, cuda_kernel_names, ran_gemforge

FLOATS = [torch.float32, torch.float16, torch.bfloat16, torch.float64]
TOL = {torch.float32: 2e-5, torch.float16: 2e-3, torch.bfloat16: 1.6e-2, torch.float64: 1e-10}

# (shape, dim, parts under the interpreter: 1 where the rows are not split)
CASES = [((2, 20011), -1, 2), ((1, 40000), -1, 4), ((3, 17000), 1, 2), ((17000, 1), 0, 2),
         ((4, 17000), -1, 1), ((17000, 2), 0, 1)]
if LARGE:  # the issue-4 benchmark shapes; 600 rows of 20011: sm_90's one-pass rows of 16K-32K (512 rows on)
    # 200 x 20011 on sm_90: one-pass parts of 32 KB (forward and backward), the last partial
    CASES += [((32, 262144), -1, None), ((256, 131072), -1, None), ((600, 20011), -1, None),
              ((200, 20011), -1, None), ((200, 20016), -1, None)]


def dtype_id(d):
    return str(d).replace("torch.", "")


def rand(*shape, dtype, seed=0, shift=0.0):
    g = torch.Generator().manual_seed(seed * 7919 + sum(shape))
    return (torch.randn(shape, generator=g, dtype=torch.float64) + shift).to(dtype).to(DEVICE)


def check(got, ref, dtype):
    assert got.dtype == dtype and got.shape == ref.shape, (got.dtype, got.shape, ref.shape)
    ref = ref.detach().cpu().double()
    finite = ref[ref.isfinite()]
    scale = finite.abs().max().item() if finite.numel() else 1.0
    torch.testing.assert_close(got.detach().cpu().double(), ref, rtol=TOL[dtype], atol=TOL[dtype] * scale,
                               equal_nan=True)


def forward(log):
    return torch.ops.aten._log_softmax if log else torch.ops.aten._softmax


def backward(log):
    return torch.ops.aten._log_softmax_backward_data if log else torch.ops.aten._softmax_backward_data


def backward_ref(log, g, y, dim):
    g64, y64 = g.cpu().double(), y.cpu().double()
    if log:
        return g64 - torch.exp(y64) * g64.sum(dim, keepdim=True)
    return y64 * (g64 - (g64 * y64).sum(dim, keepdim=True))


@pytest.fixture
def launches(monkeypatch):
    """launches(fn): fn run under GemForge (record mode, no fallback), and the softmax kernels it
    launched with their grids. Only under the interpreter, where the bridge looks kernels up by
    name on every launch (on CUDA: None)."""
    log = []
    if DEVICE == "cpu":
        class Counting:
            def __init__(self, name, fn):
                self.name, self.fn = name, fn

            def __getattr__(self, attr):
                return getattr(self.fn, attr)

            def __getitem__(self, grid):
                log.append((self.name, tuple(grid)[:2]))
                return self.fn[grid]

        for module, names in ((sk, ("softmax_kernel", "softmax_part_stats_kernel", "softmax_split_kernel",
                                    "softmax_cols_kernel", "softmax_stream_kernel")),
                              (lk, ("softmax_backward_kernel", "softmax_backward_part_sums_kernel",
                                    "softmax_backward_split_kernel", "softmax_backward_cols_kernel"))):
            for name in names:
                monkeypatch.setattr(module, name, Counting(name, getattr(module, name)))

    def run(fn, names):
        log.clear()
        out = ran_gemforge(fn, names)
        return out, (list(log) if DEVICE == "cpu" else None)
    return run


def expected_kernels(kernels, shape, dim, parts):
    """The launches of one op: two of grid (parts, rows) when split, else one of the row kernel."""
    if parts is None:
        return None
    if parts == 1:
        return [kernels[0]]
    rows = 1
    for i, n in enumerate(shape):
        rows *= 1 if i == dim % len(shape) else n
    return [(kernels[1], (parts, rows)), (kernels[2], (parts, rows))]


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_wide_rows(dtype, log, launches):
    name = "_log_softmax" if log else "_softmax"
    bname = "_log_softmax_backward_data" if log else "_softmax_backward_data"
    for shape, dim, parts in CASES:
        x = rand(*shape, dtype=dtype)
        fwd_ref = forward(log)(x.cpu().double(), dim, False)
        got, kernels = launches(lambda: forward(log)(x, dim, False), [name])
        check(got, fwd_ref, dtype)
        want = expected_kernels(["softmax_kernel", "softmax_part_stats_kernel", "softmax_split_kernel"], shape, dim,
                                parts)
        if kernels is not None and math.prod(shape[dim % len(shape) + 1:]) > 1:
            # the forward over a non-last dim takes the column kernel (test_columns checks its grids)
            assert kernels and all(k[0] == "softmax_cols_kernel" for k in kernels), kernels
        elif kernels is not None:
            assert [k if parts > 1 else k[0] for k in kernels] == want, kernels
        # backward: g has mean 1 so that the row sums matter to every element (a part's sum that
        # was not combined with the others shows)
        y = forward(log)(x, dim, False)
        g = rand(*shape, dtype=dtype, seed=1, shift=1.0)
        got, kernels = launches(lambda: backward(log)(g, y, dim, dtype), [bname])
        check(got, backward_ref(log, g, y, dim), dtype)
        want = expected_kernels(["softmax_backward_kernel", "softmax_backward_part_sums_kernel",
                                 "softmax_backward_split_kernel"], shape, dim, parts)
        if kernels is not None and math.prod(shape[dim % len(shape) + 1:]) > 1:
            # so does the backward (test_columns_backward checks its grids)
            assert kernels and all(k[0] == "softmax_backward_cols_kernel" for k in kernels), kernels
        elif kernels is not None:
            assert [k if parts > 1 else k[0] for k in kernels] == want, kernels


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_streamed_rows(dtype, log, launches):
    """Rows that take a whole program each (16 warps under the interpreter for 4097..16384
    elements) in at least two rows a program: softmax_stream_kernel, whose programs walk rows
    G apart and load the next one ahead (reduce.cpp softmax_stream_programs: the CPU counts as one
    SM, 2 programs). 5 rows: the programs take 3 and 2 rows, the last prefetch of each is masked.
    Row 1 holds +inf and -inf, row 3 a NaN, row 4 is all -inf (a NaN row, as torch's)."""
    name = "_log_softmax" if log else "_softmax"
    x = rand(5, 9001, dtype=dtype, shift=20.0)
    x[1, 7] = float("inf")
    x[1, 9000] = float("-inf")
    x[3, 4444] = float("nan")
    x[4] = float("-inf")
    got, kernels = launches(lambda: forward(log)(x, -1, False), [name])
    check(got, forward(log)(x.cpu().double(), -1, False), dtype)
    if kernels is not None:
        assert kernels == [("softmax_stream_kernel", (2, 1))], kernels
    # out= and a column-major input
    check_forward_and_out(rand(5, 9001, dtype=dtype, seed=2).t().contiguous().t(), -1, log, dtype)


def check_forward_and_out(x, dim, log, dtype):
    """softmax (log_softmax) of x over dim against fp64, functional and out= (resized from a wrong
    shape), each run on GemForge."""
    name = "_log_softmax" if log else "_softmax"
    ref = forward(log)(x.cpu().double(), dim, False)
    check(ran_gemforge(lambda: forward(log)(x, dim, False), [name]), ref, dtype)
    out = torch.full((3, ), 7.0, dtype=dtype, device=DEVICE)
    ran_gemforge(lambda: forward(log)(x, dim, False, out=out), [name + ".out"])
    check(out, ref, dtype)


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_wide_rows_special_values(dtype, log):
    """Split rows (2 parts of 12288 under the interpreter) with a part that is all -inf, a row of
    -inf (NaN, as torch), a NaN, a +inf (NaN row), and a part whose max is far above the other's
    (the combine rescales the other part's sum)."""
    x = rand(5, 17000, dtype=torch.float64)
    x[0, :12288] = -float("inf")
    x[1] = -float("inf")
    x[2, 15000] = float("nan")
    x[3, 5] = float("inf")
    x[4, 14000:] += 3.0
    x = x.to(dtype)
    for rows in (slice(0, 3), slice(3, 5)):  # 3 and 2 rows: both split
        check_forward_and_out(x[rows], 1, log, dtype)
    if LARGE:  # 160 rows (32 of each): the one-pass kernel on GPUs of up to 160 SMs
        check_forward_and_out(x.repeat(32, 1), 1, log, dtype)
        # 17008 wide: aligned rows (cp.async), the same values and a last part of 624 (bf16)
        wide = torch.cat([x, rand(5, 8, dtype=torch.float64).to(dtype)], 1).repeat(32, 1)
        check_forward_and_out(wide, 1, log, dtype)
        # the same rows one element into their storage (contiguous, not 16-byte aligned): copied
        # through registers
        flat = torch.cat([torch.zeros(1, dtype=dtype, device=DEVICE), wide.flatten()])
        check_forward_and_out(flat[1:].view(wide.shape), 1, log, dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float64], ids=dtype_id)
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_wide_rows_backward_out_and_nan(dtype, log):
    bname = "_log_softmax_backward_data" if log else "_softmax_backward_data"
    # 160 rows: the one-pass kernel on CUDA, through registers (20011) and by cp.async (20016)
    for rows, width in ((2, 20011), (160, 20011), (160, 20016)) if LARGE else ((2, 20011), ):
        y = forward(log)(rand(rows, width, dtype=dtype), 1, False)
        g = rand(rows, width, dtype=dtype, seed=2, shift=1.0)
        g[1, 17] = float("nan")  # row 1 (its other parts included) is NaN, the others are not
        ref = backward_ref(log, g, y, 1)
        assert ref[0].isfinite().all() and ref[1].isnan().all() and ref[2:].isfinite().all()
        out = torch.full((3, ), 7.0, dtype=dtype, device=DEVICE)
        ran_gemforge(lambda: backward(log)(g, y, 1, dtype, **{"out" if log else "grad_input": out}),
                     [bname + ".out"])
        check(out, ref, dtype)


@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_wide_rows_kernel_choice(log, launches):
    """Which kernels the row rule picks. On CUDA: a row an SM or more of 2..SMs parts takes
    softmax_rows_smem_kernel, forward and backward (kernel names from torch.profiler); fewer rows
    (8) take the split kernels. Under the interpreter, where there is no one-pass kernel, 2 rows
    of 40000 take the two split launches of 2 parts a row (the CPU counts as one SM: 4 programs)."""
    name = "_log_softmax" if log else "_softmax"
    bname = "_log_softmax_backward_data" if log else "_softmax_backward_data"
    if DEVICE == "cuda":
        sms = torch.cuda.get_device_properties(0).multi_processor_count
        for rows, onepass in ((sms + 3, True), (8, False)):
            x = rand(rows, 40000, dtype=torch.bfloat16)
            y = forward(log)(x, 1, False)
            g = rand(rows, 40000, dtype=torch.bfloat16, seed=1, shift=1.0)
            fwd = cuda_kernel_names(lambda: ran_gemforge(lambda: forward(log)(x, 1, False), [name]))
            bwd = cuda_kernel_names(lambda: ran_gemforge(lambda: backward(log)(g, y, 1, torch.bfloat16), [bname]))
            assert ("softmax_rows_smem_kernel" in fwd) == onepass, fwd
            assert ("softmax_rows_smem_kernel" in bwd) == onepass, bwd
            assert ("softmax_split_kernel" in fwd) != onepass, fwd
            assert ("softmax_backward_split_kernel" in bwd) != onepass, bwd
    else:
        x = rand(2, 40000, dtype=torch.float32)
        _, kernels = launches(lambda: forward(log)(x, 1, False), [name])
        assert kernels == [("softmax_part_stats_kernel", (2, 2)), ("softmax_split_kernel", (2, 2))], kernels


if DEVICE == "cuda":

    def test_onepass_counters_repeat_streams_and_graph():
        """softmax_rows_smem_kernel's ticket and row counts are zeroed by the kernel itself (runtime
        zeroed_counters keeps them between launches: cached per stream, fresh in a graph capture):
        forward and backward launches of different rows and parts in a row, on a second stream,
        and replays of a captured graph all match fp64 (a count left non-zero would hand out
        tickets past the grid or release a row before its parts published)."""
        sms = torch.cuda.get_device_properties(0).multi_processor_count
        cases = []
        for rows, width, dtype in ((sms + 3, 40000, torch.bfloat16), (2 * sms, 20016, torch.float32),
                                   (sms, 65536, torch.bfloat16)):
            x = rand(rows, width, dtype=dtype)
            g = rand(rows, width, dtype=dtype, seed=1, shift=1.0)
            y = forward(False)(x.cpu().double(), 1, False)
            cases.append((x, g, y.to(dtype).to(DEVICE), y, backward_ref(False, g, y.to(dtype), 1), dtype))

        def run_all():
            return [(forward(False)(x, 1, False), backward(False)(g, y_dev, 1, dtype))
                    for x, g, y_dev, _, _, dtype in cases]

        def check_all(got):
            for (fwd, bwd), (_, _, _, y, gref, dtype) in zip(got, cases):
                check(fwd, y, dtype)
                check(bwd, gref, dtype)

        names = cuda_kernel_names(lambda: ran_gemforge(run_all, ["_softmax", "_softmax_backward_data"]))
        assert "softmax_rows_smem_kernel" in names, names
        side = torch.cuda.Stream()
        with gemforge.use():
            for _ in range(2):
                check_all(run_all())
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                got = run_all()
            torch.cuda.current_stream().wait_stream(side)
            check_all(got)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                got = run_all()
            for _ in range(3):
                for pair in got:
                    for t in pair:
                        t.zero_()
                graph.replay()
                torch.cuda.synchronize()
                check_all(got)
            check_all(run_all())  # the eager counters are still zero


SMEM_COMPILE = textwrap.dedent("""
    import json, os, subprocess, sys, tempfile, triton
    from gemforge import _bridge
    cuobjdump = os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin", "cuobjdump")
    out = []
    for dtype, size in (("bf16", 2), ("fp32", 4)):
        for backward in (0, 1):
            for log in (0, 1):
                for asynchronous in (1, 0):
                    part = 32768 // size
                    sig = ["*" + dtype, "*" + dtype, "*" + dtype if backward else "constexpr", "*fp32", "*i32", "i32"]
                    sig += ["constexpr"] * 5
                    consts = {6: backward, 7: log, 8: part, 9: asynchronous, 10: 16}
                    if not backward:
                        consts[2] = None
                    maxnreg = 0 if backward else 40  # op_utils.h kOnepassForwardMaxRegisters
                    r = _bridge.compile("gemforge.kernels.softmax", "softmax_rows_smem_kernel", None, None, sig,
                                        consts, [0, 1, 2, 3, 4, 5], 8, 1, 90, maxnreg)
                    with tempfile.NamedTemporaryFile(suffix=".cubin") as f:
                        f.write(r[0])
                        f.flush()
                        sass = subprocess.run([cuobjdump, "-sass", f.name], capture_output=True, text=True).stdout
                        usage = subprocess.run([cuobjdump, "-res-usage", f.name], capture_output=True, text=True).stdout
                    out.append(dict(dtype=dtype, backward=backward, log=log, asynchronous=asynchronous, part=part,
                                    name=r[1], shared=r[2], warps=r[3], ldgsts=sass.count("LDGSTS"),
                                    mufu=sass.count("MUFU.EX2"), subnormal_guards=sass.count(", -126, PT"),
                                    registers=int(usage.split("REG:")[1].split()[0])))
    print(json.dumps(out))
""")


def test_smem_kernel_compiles_for_sm90():
    """softmax_rows_smem_kernel (Gluon) through the compile bridge for sm_90, without a GPU: every
    variant the host launches compiles, holds its part (and the gradient's) in shared memory, runs
    8 warps, and copies by cp.async (LDGSTS in the SASS) exactly when asked to."""
    env = dict(os.environ, TRITON_INTERPRET="0", CUDA_VISIBLE_DEVICES="",
               PYTHONPATH=os.path.join(os.path.dirname(__file__), "..", "python"))
    p = subprocess.run([sys.executable, "-c", SMEM_COMPILE], env=env, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    variants = json.loads(p.stdout.strip().splitlines()[-1])
    assert len(variants) == 16
    for v in variants:
        assert re.match(r"softmax_rows_smem_kernel", v["name"]), v
        part_bytes = 32768 * (2 if v["backward"] else 1)
        assert part_bytes <= v["shared"] < part_bytes + 1024, v
        assert v["warps"] == 8, v
        # the forward fits 6 programs of 256 threads an SM (65536 registers); the backward keeps its own
        assert v["registers"] <= (255 if v["backward"] else 40), v
        # one MUFU.EX2 an exp and no subnormal guard around it (ex2.approx.ftz; Triton's exp adds a
        # compare with -126 and two conditional multiplies): the forward softmax takes two a
        # thread's element (the sum and the write), log_softmax one, the log_softmax backward one,
        # the softmax backward none; a few more for the statistics' combine
        per_thread = v["part"] // 256
        exps = {(0, 0): 2, (0, 1): 1, (1, 0): 0, (1, 1): 1}[(v["backward"], v["log"])] * per_thread
        assert exps <= v["mufu"] <= exps + 4, v
        assert v["subnormal_guards"] <= 4, v
        # a chunk's copy is 16 bytes a thread: a part is part / (vec * 256) LDGSTS a tensor
        copies = (v["part"] * (4 if v["dtype"] == "fp32" else 2) // 16 // 256) * (2 if v["backward"] else 1)
        assert v["ldgsts"] == (copies if v["asynchronous"] else 0), v


# ---------------------------------------------------------------- softmax over a non-last dim

# (shape, dim, (column blocks, parts)) for the column kernel (reduce.cpp run_softmax_cols) under
# the interpreter: block_k = min(64, next_pow2(inner)) columns and 4096 // block_k rows per step;
# fewer than 4 column blocks (one "SM") split the rows into parts of >= 64 rows (whole steps).
COL_CASES = [((300, 3), 0, (1, 1)),            # one step, no split
             ((2, 700, 5), 1, (2, 2)),          # 2 outer x 1 block: 2 parts (512 + 188 rows)
             ((1, 3000, 3), 1, (1, 3)),         # 3 parts of 1024 rows (the last one partial)
             ((3, 40, 130), 1, (9, 1)),         # 3 blocks of 64 per outer index (the third masked), 40 rows
             ((4, 600, 64), 1, (4, 1))]         # 10 steps of 64 rows
if LARGE:  # the issue-4 benchmark shape, and an outer dim
    COL_CASES += [((4096, 4096), 0, None), ((3, 2048, 1024), 1, None)]


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_columns(dtype, log, launches):
    name = "_log_softmax" if log else "_softmax"
    for i, (shape, dim, grid) in enumerate(COL_CASES):
        x = rand(*shape, dtype=dtype, seed=i, shift=50.0 * i)  # large values: the max must be subtracted
        got, kernels = launches(lambda: forward(log)(x, dim, False), [name])
        check(got, forward(log)(x.cpu().double(), dim, False), dtype)
        if kernels is not None:
            assert kernels == [("softmax_cols_kernel", grid)] * (2 if grid[1] > 1 else 1), kernels
    check_forward_and_out(rand(700, 2, 5, dtype=dtype).transpose(0, 1), 1, log, dtype)  # non-contiguous


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float64], ids=dtype_id)
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_columns_special_values(dtype, log):
    """Split columns (3 parts under the interpreter) with a part that is all -inf, a column of -inf
    (NaN, as torch), a NaN, a +inf (NaN column), two +inf, and a part whose max is far above the
    others' (the combine rescales their sums); one part only (no split) for the same columns."""
    name = "_log_softmax" if log else "_softmax"
    x = rand(3000, 8, dtype=torch.float64)
    x[:1024, 0] = -float("inf")
    x[:, 1] = -float("inf")
    x[2500, 2] = float("nan")
    x[5, 3] = float("inf")
    x[7, 4] = float("inf")
    x[2900, 4] = float("inf")
    x[2100:, 5] += 30.0
    x[:, 6] = -float("inf")
    x[1500, 6] = 1.0  # one finite element: 1 (0 for log_softmax), the rest 0 (-inf)
    x = x.to(dtype)
    for d in (0, 1):  # dim 1 of the transpose: the same columns as rows (the row kernels)
        xt = x if d == 0 else x.t().contiguous()
        got = ran_gemforge(lambda: forward(log)(xt, d, False), [name])
        check(got, forward(log)(xt.cpu().double(), d, False), dtype)
    xs = x[:200]  # 200 rows in one part
    got = ran_gemforge(lambda: forward(log)(xs, 0, False), [name])
    check(got, forward(log)(xs.cpu().double(), 0, False), dtype)


# ---- the backward over a non-last dim (loss.cpp run_softmax_backward_cols): the forward's column
# tiles and parts (op_utils.h softmax_cols_tiles), so the same grids as COL_CASES


@pytest.mark.parametrize("dtype", FLOATS, ids=dtype_id)
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_columns_backward(dtype, log, launches):
    bname = "_log_softmax_backward_data" if log else "_softmax_backward_data"
    for i, (shape, dim, grid) in enumerate(COL_CASES):
        # g has mean 1 so that the column sums matter to every element (a part's sum that was not
        # added to the others shows)
        y = forward(log)(rand(*shape, dtype=dtype, seed=i), dim, False)
        g = rand(*shape, dtype=dtype, seed=i + 10, shift=1.0)
        got, kernels = launches(lambda: backward(log)(g, y, dim, dtype), [bname])
        check(got, backward_ref(log, g, y, dim), dtype)
        if kernels is not None:
            assert kernels == [("softmax_backward_cols_kernel", grid)] * (2 if grid[1] > 1 else 1), kernels
    # non-contiguous g and y (2 parts), and grad_input= / out= (resized from a wrong shape)
    y = forward(log)(rand(700, 2, 5, dtype=dtype), 0, False).transpose(0, 1)
    g = rand(5, 700, 2, dtype=dtype, seed=3, shift=1.0).permute(2, 1, 0)
    ref = backward_ref(log, g, y, 1)
    check(ran_gemforge(lambda: backward(log)(g, y, 1, dtype), [bname]), ref, dtype)
    out = torch.full((3, ), 7.0, dtype=dtype, device=DEVICE)
    ran_gemforge(lambda: backward(log)(g, y, 1, dtype, **{"out" if log else "grad_input": out}), [bname + ".out"])
    check(out, ref, dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float64], ids=dtype_id)
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_columns_backward_special_values(dtype, log):
    """Split columns (3 parts under the interpreter) with a NaN in g (the whole column NaN, its other
    parts included), +inf and -inf in g in different parts (NaN), a +inf in g (inf, or NaN where
    y is 0), y of 0 (-inf for log_softmax) next to large g, and one part whose g is far larger than
    the others'; one part only (no split) for the same columns."""
    bname = "_log_softmax_backward_data" if log else "_softmax_backward_data"
    x = rand(3000, 8, dtype=torch.float64)
    x[:1024, 4] = -float("inf")  # y 0 (log: -inf) in part 0
    y = forward(log)(x, 0, False).to(dtype)
    g = rand(3000, 8, dtype=torch.float64, seed=4, shift=1.0)
    g[2500, 0] = float("nan")
    g[5, 1] = float("inf")
    g[2900, 1] = -float("inf")
    g[1500, 2] = float("inf")
    g[:1024, 4] *= 1e4
    g[2100:, 5] *= 1e3
    g = g.to(dtype)
    for rows in (slice(None), slice(0, 200)):  # 3 parts; 200 rows in one part
        gr, yr = g[rows], y[rows]
        ref = backward_ref(log, gr, yr, 0)
        if rows == slice(None):
            assert ref[:, 0].isnan().all() and ref[:, 1].isnan().all() and ref[:, 3].isfinite().all()
        got = ran_gemforge(lambda: backward(log)(gr, yr, 0, dtype), [bname])
        for c in range(8):  # each column at its own scale
            check(got[:, c], ref[:, c], dtype)
