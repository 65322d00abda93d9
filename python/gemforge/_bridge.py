"""The Python half of the compile bridge, called from C++ (csrc/runtime/python_bridge.cpp).

Only runs on a kernel-cache miss (compile) or for the interpreter backend (CPU tensors).
"""
import hashlib
import importlib
import threading

import triton

# Triton's interpreter patches triton.language globally while a kernel runs: one at a time.
_interpreter_lock = threading.RLock()


def _functions(module, function, body):
    mod = importlib.import_module(module)
    fn = getattr(mod, function)
    return fn, (getattr(mod, body) if body else None)


def source_hash(module, function, body_param, body):
    """Identity of the kernel source for the disk cache: Triton's own cache keys (which cover
    the function, the jit functions it calls and their sources) and the Triton version."""
    fn, body_fn = _functions(module, function, body)
    if not hasattr(fn, "cache_key"):
        raise RuntimeError(f"{module}.{function} is not compilable in this process (TRITON_INTERPRET=1 is set); "
                           "compile in a process without the interpreter backend")
    h = hashlib.sha256()
    h.update(fn.cache_key.encode())
    if body_fn is not None:
        h.update(body_fn.cache_key.encode())
    h.update(triton.__version__.encode())
    return h.hexdigest()


def compile(module, function, body_param, body, signature, constants, divisible, num_warps, num_stages, arch,
            maxnreg=0):
    """Compile one specialization for a CUDA target; works without a GPU. maxnreg > 0 caps the
    registers a thread may use (ptxas spills beyond it)."""
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    fn, body_fn = _functions(module, function, body)
    names = fn.arg_names
    if len(names) != len(signature):
        raise TypeError(f"{module}.{function} takes {len(names)} parameters, the host passed {len(signature)}")
    sig = {names[i]: ty for i, ty in enumerate(signature)}
    constexprs = {names[i]: value for i, value in constants.items()}
    if body_param is not None:
        constexprs[body_param] = body_fn
    attrs = {(i, ): [["tt.divisibility", 16]] for i in divisible}
    if getattr(fn, "is_gluon", lambda: False)():  # Gluon kernels (explicit layouts): their own front end
        from triton.experimental.gluon._runtime import GluonASTSource
        sig = {name: _gluon_descriptor_type(ty) for name, ty in sig.items()}
        src = GluonASTSource(fn=fn, signature=sig, constexprs=constexprs, attrs=attrs)
    else:
        src = ASTSource(fn=fn, signature=sig, constexprs=constexprs, attrs=attrs)
    options = {"num_warps": num_warps, "num_stages": num_stages}
    if maxnreg > 0:
        options["maxnreg"] = maxnreg
    kernel = triton.compile(src, target=GPUTarget("cuda", arch, 32), options=options)
    md = kernel.metadata
    # How tensor descriptors were lowered to TMA; element types converted from the device enum
    # Triton reports to the driver's CUtensorMapDataType (they differ for 8, 9 and 10).
    tma = [(m["swizzle"], m["elem_size"], _TMA_DEVICE_TO_HOST.get(m["elem_type"], m["elem_type"]),
            tuple(m["block_size"])) for m in (getattr(md, "tensordesc_meta", None) or [])]
    if any(m.get("fp4_padded") for m in (getattr(md, "tensordesc_meta", None) or [])):
        raise RuntimeError(f"{module}.{function}: fp4-padded tensor descriptors are not supported")
    return (kernel.asm["cubin"], md.name, md.shared, md.num_warps, md.num_ctas, md.global_scratch_size,
            md.global_scratch_align, md.profile_scratch_size, md.profile_scratch_align,
            int(md.launch_cooperative_grid), int(md.launch_pdl), tma)


_TMA_DEVICE_TO_HOST = {8: 10, 9: 8, 10: 9}


def _gluon_descriptor_type(ty):
    """A Gluon kernel's tensor descriptor carries its shared-memory layout in its type: the host's
    "tensordesc<bf16[128, 64]>" gets the default NVMMASharedLayout for that block, as
    TensorDescriptor.from_tensor callers pass it (Triton's str_to_ty reads the layout's repr)."""
    if not (isinstance(ty, str) and ty.startswith("tensordesc<") and "," not in ty.split("]", 1)[1]):
        return ty
    import triton.language as tl
    from triton.experimental.gluon import language as gl
    dtype, block = ty[len("tensordesc<"):].rstrip(">").split("[")
    shape = [int(v) for v in block.rstrip("]").split(",")]
    layout = gl.NVMMASharedLayout.get_default_for(shape, tl.str_to_ty(dtype, None))
    return f"{ty[:-1]},{layout!r}>"


def interpret(module, function, body_param, body, grid, values, num_warps, signature):
    """Run the kernel under Triton's interpreter (CPU tensors)."""
    import numpy as np
    import triton.language as tl
    from triton.runtime.interpreter import TensorHandle

    from . import _interpreter_fixes
    _interpreter_fixes.apply()
    fn, body_fn = _functions(module, function, body)
    # The interpreter converts int arguments itself but not floats: give them their type.
    for i, ty in enumerate(signature):
        if ty in ("fp32", "fp64"):
            dtype = tl.float32 if ty == "fp32" else tl.float64
            np_dtype = np.float32 if ty == "fp32" else np.float64
            values[i] = tl.tensor(TensorHandle(np.array([values[i]], dtype=np_dtype), dtype), dtype)
    if not hasattr(fn, "rewrite"):
        raise RuntimeError("the interpreter backend needs TRITON_INTERPRET=1 set before triton is imported "
                           "(import gemforge first on a machine without a GPU)")
    for i, v in enumerate(values):
        if isinstance(v, tuple) and v and v[0] == "tensordesc":
            from triton.tools.tensor_descriptor import TensorDescriptor
            _, base, shape, strides, block = v
            values[i] = TensorDescriptor(base, list(shape), list(strides), list(block))
    if body_param is not None:
        values[fn.arg_names.index(body_param)] = body_fn
    with _interpreter_lock:
        fn[grid](*values)
