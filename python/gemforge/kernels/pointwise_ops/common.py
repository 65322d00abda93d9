"""What every pointwise body module shares: dtype codes and small math helpers.

Helpers here must only use triton.language builtins (no stdlib @jit helpers, no libdevice), so
the same source runs under Triton's interpreter.
"""
import triton
import triton.language as tl

# c10::ScalarType codes, as the host passes them in COMPUTE.
U8 = tl.constexpr(0)
I8 = tl.constexpr(1)
I16 = tl.constexpr(2)
I32 = tl.constexpr(3)
I64 = tl.constexpr(4)
F16 = tl.constexpr(5)
F32 = tl.constexpr(6)
F64 = tl.constexpr(7)
BOOL = tl.constexpr(11)
BF16 = tl.constexpr(15)


@triton.jit
def to_compute(x, COMPUTE: tl.constexpr):
    """x converted to the compute type (a c10::ScalarType code)."""
    if COMPUTE == F64:
        return x.to(tl.float64)
    elif COMPUTE == F32:
        return x.to(tl.float32)
    elif COMPUTE == I64:
        return x.to(tl.int64)
    elif COMPUTE == I32:
        return x.to(tl.int32)
    elif COMPUTE == I16:
        return x.to(tl.int16)
    elif COMPUTE == I8:
        return x.to(tl.int8)
    elif COMPUTE == U8:
        return x.to(tl.uint8)
    elif COMPUTE == F16:
        return x.to(tl.float16)
    elif COMPUTE == BF16:
        return x.to(tl.bfloat16)
    else:  # BOOL
        return x.to(tl.int1)


@triton.jit
def div_rn(x, y):
    """IEEE division as ATen does it (Triton's `/` on fp32 is the 2-ulp approximation, which
    moves floor/trunc results at integer boundaries)."""
    if x.dtype == tl.float32:
        return tl.div_rn(x, y)
    else:
        return x / y


@triton.jit
def sqrt_rn(x):
    """Correctly rounded sqrt, as ATen's (tl.sqrt_rn is fp32-only; fp64 sqrt is exact already)."""
    if x.dtype == tl.float64:
        return tl.sqrt(x)
    else:
        return tl.sqrt_rn(x)


@triton.jit
def sigmoid_of(x):
    return 1.0 / (1.0 + tl.exp(-x))
