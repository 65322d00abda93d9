"""Prints, ;-separated for CMake: torch dir, CUDA runtime include dir, CXX11 ABI flag, site dir."""
import importlib.util
import os

import torch

# A full toolkit's headers first: the pip runtime package on some machines lacks crt/*.h.
candidates = ["/usr/local/cuda/include"]
spec = importlib.util.find_spec("nvidia")
if spec and spec.submodule_search_locations:
    for base in spec.submodule_search_locations:
        candidates += [os.path.join(base, sub, "include") for sub in ("cu13", "cuda_runtime")]
cuda_include = next(c for c in candidates
                    if all(os.path.exists(os.path.join(c, h)) for h in ("cuda_runtime_api.h", "crt/host_config.h")))
torch_dir = os.path.dirname(torch.__file__)
print(";".join([torch_dir, cuda_include, str(int(torch._C._GLIBCXX_USE_CXX11_ABI)), os.path.dirname(torch_dir)]))
