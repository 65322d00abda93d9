"""Tests of Scans (cumsum, cumprod, cummax, cummin, logcumsumexp) and sorting/selection (sort, argsort, topk, ...) (issue 4)."""

# aten base names whose every registered overload this module's tests run through GemForge
# (test_ops.test_every_registered_overload_is_exercised accepts them as covered).
COVERED_OPS = set()
