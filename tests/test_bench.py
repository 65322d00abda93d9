"""The benchmark's own judging logic (python/gemforge/bench.py), on made-up result rows: which rows
count toward issue 3's bars, and how a result is recognized as a view of its input."""
import torch

from gemforge import bench


def pointwise_row(name, speedup, **extra):
    return dict(name=name, dtype="bf16", kind="pointwise", metric="device", layout="large", plain=False,
                speedup=speedup, **extra)


def bar_line(lines, title):
    [line] = [line for line in lines if title in line]
    return line


def test_view_rows_stay_out_of_the_device_bars():
    """A row whose result is a view on both sides (no kernel anywhere) times only the timer: a slow
    one must not fail the large-contiguous bar, while the same row as a real kernel does."""
    fast = pointwise_row("neg 64M", 1.02)
    as_kernel = bar_line(bench.bar_report([fast, pointwise_row("resolve_neg 64M", 0.84)]), "large contiguous, none")
    as_view = bar_line(bench.bar_report([fast, pointwise_row("resolve_neg 64M", 0.84, view=True)]),
                       "large contiguous, none")
    assert as_kernel.strip().startswith("MISS") and "resolve_neg" in as_kernel
    assert as_view.strip().startswith("PASS") and "resolve_neg" not in as_view


def test_large_contiguous_bar_is_device_time_at_most_torchs():
    """Issue 3: device time <= torch's for every op (speedup >= 1.0), besides no op below 0.95:
    a row at 0.99 fails the first and passes the second."""
    lines = bench.bar_report([pointwise_row("neg 64M", 1.02), pointwise_row("add 64M", 0.99)])
    strict = bar_line(lines, "device time <= torch's")
    floor = bar_line(lines, "large contiguous, none below")
    assert strict.strip().startswith("MISS (1/2)") and "add 64M" in strict
    assert floor.strip().startswith("PASS")


def test_host_rows_of_views_are_listed_apart():
    """Host rows whose result is a view on both sides run no GemForge code: listed, not judged;
    any other host row over 1.05 fails the host bar."""
    row = dict(kind="pointwise", metric="host", layout="host", dtype="bf16")
    lines = bench.bar_report([dict(row, name="neg 1024", ratio=0.97),
                              dict(row, name="resolve_neg 1024", ratio=1.09, view=True)])
    assert bar_line(lines, "host cost").strip().startswith("PASS")
    assert "resolve_neg 1024 bf16 1.09" in bar_line(lines, "not judged")
    lines = bench.bar_report([dict(row, name="neg 1024", ratio=1.09)])
    assert bar_line(lines, "host cost").strip().startswith("MISS (1/1)")


def test_decode_bar_names_the_worst_row_and_its_plain_read():
    """Issue 5's decode bar: weight bytes / copy bandwidth against GemForge's time, judged on the
    worst row; the line names that row and what a plain read of its weight reached in the same
    run (read_only_us), which the bar itself does not use."""
    copy_bw = 4000.0  # GB/s: 4096 x 4096 bf16 (33.5 MB) -> 8.39 us floor
    row = dict(kind="matmul", metric="device", layout="large", dtype="bf16", speedup=1.0)
    small = dict(row, name="linear 1x4096x4096", torch_us=16.0, gemforge_us=14.0, read_only_us=12.0)
    wide = dict(row, name="linear 1x14336x4096", torch_us=34.0, gemforge_us=31.0)  # 29.4 us floor
    line = bar_line(bench.matmul_report([small, wide], copy_bw), "decode >=")
    floor_us = 4096 * 4096 * 2 / (copy_bw * 1e3)
    assert line.strip().startswith("MISS")
    assert f"min {100 * floor_us / 14.0:.0f}% (linear 1x4096x4096 bf16" in line
    assert f"plain read of its weight: {100 * floor_us / 12.0:.0f}%" in line
    small["gemforge_us"] = floor_us / 0.9
    assert bar_line(bench.matmul_report([small, wide], copy_bw), "decode >=").strip().startswith("PASS")


def test_bandwidth_bar_lists_the_copy_of_the_same_bytes_beside_each_miss():
    """Issue 4's bandwidth bar judges GemForge's % of copy bandwidth alone; beside each row under
    85% it shows what torch's copy of the same bytes measured in the run (copy_same_bytes_pct),
    and counts the misses where that copy is under 85% too."""
    row = dict(kind="reduction", metric="device", layout="large", dtype="bf16", issue=4, family="sum",
               check="pass", speedup=2.0)
    small = dict(row, name="sum 4096x4096 dim=0", bytes=32 << 20, gemforge_pct_copy_bw=54.0, copy_same_bytes_pct=65.0)
    big = dict(row, name="sum 32768x4096 dim=0", bytes=256 << 20, gemforge_pct_copy_bw=80.0, copy_same_bytes_pct=95.0)
    fine = dict(row, name="sum 64M", bytes=128 << 20, gemforge_pct_copy_bw=90.0, copy_same_bytes_pct=92.0)
    decode = dict(row, name="sum 8x4096", bytes=64 << 10, gemforge_pct_copy_bw=1.0)  # too small to be judged
    lines = bench.issue4_report([small, big, fine, decode])
    line = bar_line(lines, "memory-bound reductions and norms")
    assert line.strip().startswith("MISS (2/3)")
    assert "sum 4096x4096 dim=0 bf16: 54.00 (torch's copy of the same bytes: 65%)" in "\n".join(lines)
    assert "sum 32768x4096 dim=0 bf16: 80.00 (torch's copy of the same bytes: 95%)" in "\n".join(lines)
    assert bar_line(lines, "of those").strip() == ("of those, 1 where torch's copy of the same bytes measures under "
                                                   "85% too (largest: 32 MiB)")
    fine["gemforge_pct_copy_bw"] = 84.0
    assert bar_line(bench.issue4_report([fine]), "memory-bound reductions").strip().startswith("MISS (1/1)")


def test_is_view_of_input():
    x = torch.randn(4, 5)
    assert bench._is_view_of_input(x, (x, ))
    assert bench._is_view_of_input(x.t(), (x, ))
    assert bench._is_view_of_input(x[1:], (torch.ones(3), x))
    assert not bench._is_view_of_input(x.clone(), (x, ))
    assert not bench._is_view_of_input(x.neg(), (x, ))
    assert not bench._is_view_of_input((x, x), (x, ))  # tuples of outputs are not a view result


def test_fp64_arbitration_passes_the_closer_result_only():
    # A mismatch against torch is settled by the RMS error of each result against the op in fp64.
    torch.manual_seed(0)
    a, b = torch.randn(64, 256), torch.randn(256, 32)
    case = bench.Case("mm", "mm", torch.float32, "blas", "device", lambda: (a, b), torch.mm)
    exact = torch.mm(a.double(), b.double())
    close = exact.float()
    # one large error in the close result, many small ones in the far one: RMS, not the maximum, decides
    close[0, 0] += 1e-2
    far = (exact + 1e-3 * torch.randn_like(exact)).float()
    for out, ref, verdict in ((close, far, "pass"), (far, close, "FAIL")):
        res = {"check": "FAIL", "check_detail": "x"}
        bench._arbitrate_in_fp64(res, case, (a, b), ref, out)
        assert res["check"] == verdict, res
        assert "RMS error gemforge" in res["check_detail"]
