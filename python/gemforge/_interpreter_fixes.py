"""Corrections to Triton 3.6's interpreter (the CPU backend), applied before it runs a kernel.

Its fp32 -> bf16 cast (`x.to(tl.bfloat16)`, which every bf16 store goes through) truncates the
significand instead of rounding to nearest even as the GPU and c10::BFloat16 do, so bf16 results
on the CPU backend were up to one ulp off torch's; and its bf16 -> fp32 cast flushes subnormals
to zero. Its fused multiply-add rounds the product first; fp32 ones now round once, as the GPU's
(the product of two fp32 values is exact in fp64). The kernels' source is left alone (it is
what the GPU compiles); the interpreter's operations are corrected instead.

It reduces with a custom combine function element by element in Python; the NaN-propagating
max and min of kernels/reduce.py are reduced with numpy's max and min instead (which propagate
NaN), as it does for tl.max and tl.min.
"""
import numpy as np

_applied = False


def _fp32_to_bf16_bits(data):
    """Round-to-nearest-even of fp32 values to bf16, as uint16 bit patterns (NaN stays NaN)."""
    bits = np.ascontiguousarray(data, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    nan = np.isnan(np.asarray(data, dtype=np.float32))
    rounded = np.where(nan, (bits >> 16) | 0x40, rounded)  # keep a quiet NaN (and its sign)
    return rounded.astype(np.uint16)


def apply():
    global _applied
    if _applied:
        return
    import triton.language as tl
    from triton.runtime import interpreter

    builder = interpreter.InterpreterBuilder
    original = builder.cast_impl

    def cast_impl(self, src, dst_type):
        if src.dtype.scalar == tl.float32 and dst_type.scalar == tl.bfloat16:
            return interpreter.TensorHandle(_fp32_to_bf16_bits(src.data), dst_type.scalar)
        if src.dtype.scalar == tl.bfloat16 and dst_type.scalar == tl.float32:
            # exact: the bf16 bits are the top half of the fp32 ones (the interpreter's own
            # conversion flushes bf16 subnormals to zero)
            bits = np.ascontiguousarray(src.data).view(np.uint16).astype(np.uint32) << 16
            return interpreter.TensorHandle(bits.view(np.float32), dst_type.scalar)
        return original(self, src, dst_type)

    builder.cast_impl = cast_impl
    original_fma = builder.create_fma

    def create_fma(self, x, y, z):
        if z.dtype.scalar == tl.float32:
            exact = x.data.astype(np.float64) * y.data.astype(np.float64) + z.data.astype(np.float64)
            return interpreter.TensorHandle(exact.astype(np.float32), z.dtype.scalar)
        return original_fma(self, x, y, z)

    builder.create_fma = create_fma

    from .kernels import reduce
    numpy_of = {reduce._max_nan: np.max, reduce._min_nan: np.min}
    original_reduce = interpreter.ReduceOps.apply_impl

    def reduce_impl(self, input):
        op = numpy_of.get(self.combine_fn)
        if op is None:
            return original_reduce(self, input)
        return self.min_max(input[0], val_reduce_op=op)

    interpreter.ReduceOps.apply_impl = reduce_impl
    _applied = True
