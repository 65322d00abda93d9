"""Scans (cumsum, cumprod, cummax, cummin, logcumsumexp) and sorting/selection (sort, argsort, topk, ...) (issue 4)."""
import triton  # noqa: F401
import triton.language as tl  # noqa: F401
