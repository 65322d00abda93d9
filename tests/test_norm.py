"""Tests of Normalization, forward and backward: layer_norm, rms_norm, group_norm, batch_norm, instance_norm, weight_norm (issue 4)."""

# aten base names whose every registered overload this module's tests run through GemForge
# (test_ops.test_every_registered_overload_is_exercised accepts them as covered).
COVERED_OPS = set()
