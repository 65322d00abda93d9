import os
import sys

import pytest
import torch

import gemforge  # noqa: F401  (selects the backend before anything imports triton)

sys.path.insert(0, os.path.dirname(__file__))

DEVICE = "cuda" if gemforge.default_backend() == "cuda" else "cpu"
# Large, performance-relevant shapes only where kernels run natively.
LARGE = DEVICE == "cuda"


@pytest.fixture(autouse=True)
def _always_disabled():
    """Every test starts and ends with ATen's kernels registered."""
    gemforge.disable()
    yield
    gemforge.disable()


def pytest_report_header(config):
    return f"gemforge backend: {gemforge.default_backend()} (device {DEVICE}), torch {torch.__version__}"
