"""Prints, ;-separated for CMake: torch dir, CUDA runtime include dir, CXX11 ABI flag, site dir."""
import importlib.util
import os

import torch

candidates = []
spec = importlib.util.find_spec("nvidia")
if spec and spec.submodule_search_locations:
    for base in spec.submodule_search_locations:
        candidates += [os.path.join(base, sub, "include") for sub in ("cu13", "cuda_runtime")]
candidates += ["/usr/local/cuda/include"]
cuda_include = next(c for c in candidates if os.path.exists(os.path.join(c, "cuda_runtime_api.h")))
torch_dir = os.path.dirname(torch.__file__)
print(";".join([torch_dir, cuda_include, str(int(torch._C._GLIBCXX_USE_CXX11_ABI)), os.path.dirname(torch_dir)]))
