"""Normalization, forward and backward: layer_norm, rms_norm, group_norm, batch_norm, instance_norm, weight_norm (issue 4)."""
import triton  # noqa: F401
import triton.language as tl  # noqa: F401
