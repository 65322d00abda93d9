"""Tests of softmax / log_softmax backward, and the losses with their backward ops, including the fused large-vocabulary cross entropy (issue 4)."""

# aten base names whose every registered overload this module's tests run through GemForge
# (test_ops.test_every_registered_overload_is_exercised accepts them as covered).
COVERED_OPS = set()
