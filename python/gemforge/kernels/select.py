"""Selection and search kernels: kthvalue, median, mode, searchsorted, nonzero (csrc/ops/select.cpp)."""
