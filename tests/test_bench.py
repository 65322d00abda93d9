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
    as_kernel = bar_line(bench.bar_report([fast, pointwise_row("resolve_neg 64M", 0.84)]), "large contiguous, speedup")
    as_view = bar_line(bench.bar_report([fast, pointwise_row("resolve_neg 64M", 0.84, view=True)]),
                       "large contiguous, speedup")
    assert as_kernel.strip().startswith("MISS") and "resolve_neg" in as_kernel
    assert as_view.strip().startswith("PASS") and "resolve_neg" not in as_view


def test_is_view_of_input():
    x = torch.randn(4, 5)
    assert bench._is_view_of_input(x, (x, ))
    assert bench._is_view_of_input(x.t(), (x, ))
    assert bench._is_view_of_input(x[1:], (torch.ones(3), x))
    assert not bench._is_view_of_input(x.clone(), (x, ))
    assert not bench._is_view_of_input(x.neg(), (x, ))
    assert not bench._is_view_of_input((x, x), (x, ))  # tuples of outputs are not a view result
