"""Pointwise kernels: two generic drivers and one scalar body per operator.

A pointwise operator is a table entry on the C++ side (csrc/ops/pointwise_ops.h) plus a
scalar body here. Bodies receive their inputs already converted to the compute type
(fp32 for half types and fp32, fp64 for fp64, the common integer type for integers) and
the op parameters:
    unary body:  f(x, s0, s1, P)
    binary body: f(x, y, s0, s1, P)
s0/s1 are runtime scalars (alpha, ...) in the compute type; P is a compile-time mode
(gelu approximation, division rounding mode, ...). Bodies must only use triton.language
builtins (no stdlib @jit helpers) so the same source runs under Triton's interpreter.
"""
import triton
import triton.language as tl

# c10::ScalarType codes, as the host passes them in COMPUTE.
I8 = tl.constexpr(1)
I16 = tl.constexpr(2)
I32 = tl.constexpr(3)
I64 = tl.constexpr(4)
F32 = tl.constexpr(6)
F64 = tl.constexpr(7)
U8 = tl.constexpr(0)

# Division rounding modes (P of div).
DIV_TRUE = tl.constexpr(0)
DIV_TRUNC = tl.constexpr(1)
DIV_FLOOR = tl.constexpr(2)


@triton.jit
def to_compute(x, COMPUTE: tl.constexpr):
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
    else:
        # bool computes as int32: True + True stays nonzero and stores back as True
        return x.to(tl.int32)


# ---------------------------------------------------------------- scalar bodies


@triton.jit
def add(x, y, alpha, s1, P):
    return x + y * alpha


@triton.jit
def sub(x, y, alpha, s1, P):
    return x - y * alpha


@triton.jit
def rsub(x, y, alpha, s1, P):
    return y - x * alpha


@triton.jit
def mul(x, y, s0, s1, P):
    return x * y


@triton.jit
def _div_rn(x, y):
    # IEEE division as ATen does it (Triton's `/` on fp32 is the 2-ulp approximation, which
    # moves floor/trunc results at integer boundaries)
    if x.dtype == tl.float32:
        return tl.div_rn(x, y)
    else:
        return x / y


@triton.jit
def div(x, y, s0, s1, P: tl.constexpr):
    if P == DIV_TRUE:
        return _div_rn(x, y)
    elif x.dtype.is_floating():
        q = _div_rn(x, y)
        if P == DIV_TRUNC:
            return tl.where(q < 0, tl.math.ceil(q), tl.math.floor(q))
        else:
            # ATen's floor division for floats: derived from fmod so that x == q*y + r holds
            r = x % y  # fmod: the remainder takes the sign of x
            d = _div_rn(x - r, y)
            d = tl.where((r != 0) & ((y < 0) != (r < 0)), d - 1, d)
            f = tl.math.floor(d)
            f = tl.where(d - f > 0.5, f + 1, f)
            f = tl.where(d == 0, q * 0, f)  # signed zero, as copysign(0, x / y)
            return tl.where(y == 0, q, f)
    else:
        q = x // y  # truncates toward zero for integers
        if P == DIV_FLOOR:
            q = tl.where(((x % y) != 0) & ((x < 0) != (y < 0)), q - 1, q)
        return q


@triton.jit
def neg(x, s0, s1, P):
    return -x


@triton.jit
def abs(x, s0, s1, P):
    return tl.abs(x)


@triton.jit
def exp(x, s0, s1, P):
    return tl.exp(x)


@triton.jit
def log(x, s0, s1, P):
    return tl.log(x)


@triton.jit
def _sqrt_rn(x):
    # correctly rounded, as ATen's sqrt (tl.sqrt_rn is fp32-only; fp64 sqrt is exact already)
    if x.dtype == tl.float64:
        return tl.sqrt(x)
    else:
        return tl.sqrt_rn(x)


@triton.jit
def sqrt(x, s0, s1, P):
    return _sqrt_rn(x)


@triton.jit
def rsqrt(x, s0, s1, P):
    return 1.0 / _sqrt_rn(x)


@triton.jit
def _sigmoid(x):
    return 1.0 / (1.0 + tl.exp(-x))


@triton.jit
def sigmoid(x, s0, s1, P):
    return _sigmoid(x)


@triton.jit
def silu(x, s0, s1, P):
    return x * _sigmoid(x)


@triton.jit
def relu(x, s0, s1, P):
    return tl.where(x < 0, tl.zeros_like(x), x)  # NaN stays NaN, as clamp_min does


GELU_NONE = tl.constexpr(0)
GELU_TANH = tl.constexpr(1)


@triton.jit
def gelu(x, s0, s1, P: tl.constexpr):
    if P == GELU_TANH:
        # 0.5 * x * (1 + tanh(u)) == x * sigmoid(2u), without the cancellation for x << 0
        u = 0.7978845608028654 * (x + 0.044715 * x * x * x)
        return x * _sigmoid(2.0 * u)
    else:
        return 0.5 * x * (1.0 + tl.math.erf(x * 0.7071067811865476))


# ---------------------------------------------------------------- drivers


@triton.jit
def _operand(x, offs, mask, IS_SCALAR: tl.constexpr, COMPUTE: tl.constexpr):
    if IS_SCALAR:
        return to_compute(x, COMPUTE)
    else:
        return to_compute(tl.load(x + offs, mask=mask), COMPUTE)


@triton.jit
def _apply(out, x0, x1, s0, s1, offs_o, offs0, offs1, mask, OP: tl.constexpr, NIN: tl.constexpr,
           SCALAR0: tl.constexpr, SCALAR1: tl.constexpr, COMPUTE: tl.constexpr, P: tl.constexpr):
    a = _operand(x0, offs0, mask, SCALAR0, COMPUTE)
    if NIN == 1:
        r = OP(a, s0, s1, P)
    else:
        b = _operand(x1, offs1, mask, SCALAR1, COMPUTE)
        r = OP(a, b, s0, s1, P)
    tl.store(out + offs_o, r.to(out.dtype.element_ty), mask=mask)


@triton.jit
def pointwise_1d(out, x0, x1, s0, s1, n, OP: tl.constexpr, NIN: tl.constexpr, SCALAR0: tl.constexpr,
                 SCALAR1: tl.constexpr, COMPUTE: tl.constexpr, P: tl.constexpr, BLOCK: tl.constexpr,
                 INT64: tl.constexpr):
    """All tensor operands contiguous (or scalars): one flat range of n elements."""
    if INT64:
        start = tl.program_id(0).to(tl.int64) * BLOCK
    else:
        start = tl.program_id(0) * BLOCK
    offs = start + tl.arange(0, BLOCK)
    if start + BLOCK <= n:
        # full block: no mask, so loads and stores vectorize
        _apply(out, x0, x1, s0, s1, offs, offs, offs, None, OP, NIN, SCALAR0, SCALAR1, COMPUTE, P)
    else:
        _apply(out, x0, x1, s0, s1, offs, offs, offs, offs < n, OP, NIN, SCALAR0, SCALAR1, COMPUTE, P)


@triton.jit
def pointwise_nd(out, x0, x1, s0, s1,
                 d0, d1, d2, d3, d4, d5,
                 so0, so1, so2, so3, so4, so5,
                 sa0, sa1, sa2, sa3, sa4, sa5,
                 sb0, sb1, sb2, sb3, sb4, sb5,
                 OP: tl.constexpr, NIN: tl.constexpr, SCALAR0: tl.constexpr, SCALAR1: tl.constexpr,
                 COMPUTE: tl.constexpr, P: tl.constexpr, RANK: tl.constexpr, BLOCK0: tl.constexpr,
                 BLOCK1: tl.constexpr, INT64: tl.constexpr):
    """Strided operands. Dim 0 is the fastest-moving dim of the output (TensorIterator order).
    A program owns a BLOCK1 x BLOCK0 tile of dims 1 and 0 and one index of each higher dim,
    so an operand that is contiguous along either dim is read with wide loads."""
    pid = tl.program_id(0)
    if INT64:
        pid = pid.to(tl.int64)
    nt0 = (d0 + BLOCK0 - 1) // BLOCK0
    nt1 = (d1 + BLOCK1 - 1) // BLOCK1
    t0 = pid % nt0
    rest = pid // nt0
    t1 = rest % nt1
    rest = rest // nt1
    base_o = rest * 0
    base_a = rest * 0
    base_b = rest * 0
    if RANK > 2:
        i = rest % d2
        rest = rest // d2
        base_o += i * so2
        base_a += i * sa2
        base_b += i * sb2
    if RANK > 3:
        i = rest % d3
        rest = rest // d3
        base_o += i * so3
        base_a += i * sa3
        base_b += i * sb3
    if RANK > 4:
        i = rest % d4
        rest = rest // d4
        base_o += i * so4
        base_a += i * sa4
        base_b += i * sb4
    if RANK > 5:
        i = rest % d5
        base_o += i * so5
        base_a += i * sa5
        base_b += i * sb5
    i0 = t0 * BLOCK0 + tl.arange(0, BLOCK0)
    i1 = t1 * BLOCK1 + tl.arange(0, BLOCK1)
    mask = (i1[:, None] < d1) & (i0[None, :] < d0)
    offs_o = base_o + i1[:, None] * so1 + i0[None, :] * so0
    if SCALAR0:
        offs_a = offs_o
    else:
        offs_a = base_a + i1[:, None] * sa1 + i0[None, :] * sa0
    if NIN == 1 or SCALAR1:
        offs_b = offs_o
    else:
        offs_b = base_b + i1[:, None] * sb1 + i0[None, :] * sb0
    _apply(out, x0, x1, s0, s1, offs_o, offs_a, offs_b, mask, OP, NIN, SCALAR0, SCALAR1, COMPUTE, P)
