"""softmax / log_softmax backward, and the losses with their backward ops, including the fused large-vocabulary cross entropy (issue 4)."""
import triton  # noqa: F401
import triton.language as tl  # noqa: F401
