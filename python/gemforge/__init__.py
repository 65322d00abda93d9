"""GemForge: high-performance PyTorch operators for LLMs.

    import gemforge
    gemforge.enable()            # aten ops on CUDA tensors now run GemForge's kernels
    with gemforge.use(only=["add", "softmax"]):
        ...

Kernels are Triton; the host side (shapes, dtypes, specialization, caching, launching,
registration) is C++. Without a GPU, the same host code runs the kernels under Triton's
interpreter on CPU tensors (backend "cpu").
"""
import contextlib
import os

import torch

# The interpreter backend needs TRITON_INTERPRET=1 before triton decorates its kernels, so it
# is decided here, once per process: no GPU (and no explicit setting) means interpreter.
if "TRITON_INTERPRET" not in os.environ and not torch.cuda.is_available():
    os.environ["TRITON_INTERPRET"] = "1"



def _core_loaded():
    try:
        torch.ops.gemforge_rt.enable.default
        return True
    except (AttributeError, RuntimeError):
        return False


# Load the C++ core (registers torch.ops.gemforge_rt), unless this process already has it: a
# libtorch program using the C++ API links it and imports this package from its embedded
# interpreter.
if not _core_loaded():
    from . import _C  # noqa: E402,F401

_rt = torch.ops.gemforge_rt
from .losses import cross_entropy  # noqa: E402  (fused large-vocabulary cross entropy, issue 4)
_state = None  # arguments of the active enable(), for use() to restore

__all__ = ["enable", "disable", "use", "is_enabled", "enabled_ops", "op_names", "recorded", "default_backend",
           "stats", "set_cache_dir", "cache_dir", "frozen", "precompile", "clear_memory_cache"]


def default_backend():
    """"cuda" when a GPU is usable, else "cpu" (Triton's interpreter on CPU tensors)."""
    return "cuda" if torch.cuda.is_available() and os.environ.get("TRITON_INTERPRET", "0") in ("", "0") else "cpu"


def enable(only=None, unused=None, record=False, backend=None, record_log=None):
    """Register GemForge kernels for aten operators on the backend's dispatch key.

    only:   names to register (aten overload names like "add.Tensor", "add_.Tensor", "add.out",
            or base names like "add" for every overload); None registers all.
    unused: names to leave to ATen.
    record: log each operator that ran, once, to `record_log` and to `recorded()`; operators that
            went to ATen's kernel (e.g. complex inputs) are logged as "... -> aten fallback".
    """
    global _state
    backend = backend or default_backend()
    if record:
        _rt.set_record_log(record_log or os.environ.get("GEMFORGE_RECORD_LOG", "gemforge_record.log"))
    _rt.enable(list(only or []), list(unused or []), bool(record), backend)
    _state = (only, unused, record, backend, record_log)


def disable():
    """Unregister every GemForge kernel; ATen's kernels are back."""
    global _state
    _rt.disable()
    _state = None


@contextlib.contextmanager
def use(only=None, unused=None, record=False, backend=None, record_log=None):
    """Scope enable(): on exit the previous registration (or none) is restored."""
    previous = _state
    enable(only, unused, record, backend, record_log)
    try:
        yield
    finally:
        if previous is None:
            disable()
        else:
            enable(*previous)


def is_enabled():
    return bool(_rt.enabled())


def enabled_ops():
    return list(_rt.enabled_ops())


def op_names():
    """Every aten overload GemForge can register."""
    return list(_rt.op_names())


def recorded():
    """Operators that ran since enable(record=True), in order of first use."""
    return list(_rt.recorded())


def stats():
    compiles, disk_hits, disk_rejects, module_loads = _rt.stats()
    return {"compiles": compiles, "disk_hits": disk_hits, "disk_rejects": disk_rejects, "module_loads": module_loads}


def set_cache_dir(path):
    """Directory of the on-disk kernel cache (default: $GEMFORGE_CACHE_DIR or ~/.cache/gemforge)."""
    _rt.set_cache_dir(str(path))


def cache_dir():
    return _rt.cache_dir()


def clear_memory_cache():
    """Forget compiled kernels held in memory (the disk cache stays)."""
    _rt.clear_memory_cache()


@contextlib.contextmanager
def frozen():
    """Inside, a kernel-cache miss raises instead of compiling (e.g. around CUDA graph capture)."""
    _rt.set_frozen(True)
    try:
        yield
    finally:
        _rt.set_frozen(False)


def precompile(fn, arch=None):
    """Fill the kernel cache by running `fn()` (which calls operators on representative inputs).

    arch=None: run fn() for real on the current device (a warm-up before CUDA graph capture).
    arch=90 (etc.): compile-only for that GPU architecture; no kernel runs, so outputs are
    garbage. Works without a GPU (call it with CPU tensors in a process without
    TRITON_INTERPRET=1); the compiled kernels land in the disk cache.
    """
    if arch is None:
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        return
    _rt.set_compile_only_arch(int(arch))
    try:
        fn()
    finally:
        _rt.set_compile_only_arch(0)
