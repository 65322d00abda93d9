"""Pointwise kernels: two generic drivers, and the scalar bodies of every operator.

A pointwise operator is a scalar body (a module under pointwise_ops/, imported below so the host
names it in this module) plus its host side in csrc/ops/pointwise/. Bodies receive their inputs
already converted to the compute type (fp32 for half types and fp32, fp64 for fp64, the common
integer type for integers, int32 for bool) and the op parameters:
    unary body:   f(x, s0, s1, s2, P)
    binary body:  f(x, y, s0, s1, s2, P)
    ternary body: f(x, y, z, s0, s1, s2, P)
s0..s2 are runtime scalars (alpha, bounds, ...) in the compute type (None when the op has
fewer); P is a compile-time mode (gelu approximation, rounding mode, ...). The result is stored
converted to the output's dtype. A body of an op with two outputs (NOUT = 2) returns a pair,
stored to out and out1, which share the iteration's strides. Bodies must only use
triton.language builtins (no stdlib @jit helpers, no libdevice) so the same source runs under
Triton's interpreter.
"""
import triton
import triton.language as tl

from .pointwise_ops.common import FAST_PASS, to_compute  # noqa: F401  (to_compute: also reduce.py)
from .pointwise_ops.arith import *  # noqa: F401,F403
from .pointwise_ops.unary_math import *  # noqa: F401,F403
from .pointwise_ops.activations import *  # noqa: F401,F403
from .pointwise_ops.binary import *  # noqa: F401,F403
from .pointwise_ops.ternary import *  # noqa: F401,F403
from .pointwise_ops.linalg import *  # noqa: F401,F403

# ---------------------------------------------------------------- drivers


@triton.jit
def _operand(x, offs, mask, IS_SCALAR: tl.constexpr, COMPUTE: tl.constexpr):
    if IS_SCALAR:
        return to_compute(x, COMPUTE)
    else:
        return to_compute(tl.load(x + offs, mask=mask), COMPUTE)


@triton.jit
def _store(out, offs, r, mask):
    if out.dtype.element_ty == tl.bfloat16:
        # through fp32, as c10::BFloat16 converts (and Triton's interpreter converts only fp32 to bf16)
        r = r.to(tl.float32)
    tl.store(out + offs, r.to(out.dtype.element_ty), mask=mask)


@triton.jit
def _apply(out, out1, x0, x1, x2, s0, s1, s2, offs_o, offs0, offs1, offs2, mask, OP: tl.constexpr,
           NIN: tl.constexpr, SCALAR0: tl.constexpr, SCALAR1: tl.constexpr, SCALAR2: tl.constexpr,
           COMPUTE: tl.constexpr, P: tl.constexpr, NOUT: tl.constexpr):
    a = _operand(x0, offs0, mask, SCALAR0, COMPUTE)
    if NIN == 1:
        r = OP(a, s0, s1, s2, P)
    elif NIN == 2:
        b = _operand(x1, offs1, mask, SCALAR1, COMPUTE)
        r = OP(a, b, s0, s1, s2, P)
    else:
        b = _operand(x1, offs1, mask, SCALAR1, COMPUTE)
        c = _operand(x2, offs2, mask, SCALAR2, COMPUTE)
        r = OP(a, b, c, s0, s1, s2, P)
    if NOUT == 1:
        _store(out, offs_o, r, mask)
    else:
        _store(out, offs_o, r[0], mask)
        _store(out1, offs_o, r[1], mask)


@triton.jit
def _apply_split(out, x0, x1, s0, s1, s2, start, n, mask, OP: tl.constexpr, SCALAR0: tl.constexpr,
                 SCALAR1: tl.constexpr, COMPUTE: tl.constexpr, P: tl.constexpr, SPLIT: tl.constexpr,
                 BLOCK: tl.constexpr):
    """A binary body with a rare exact fallback that keeps much state live (fmod, remainder): the
    fast pass over the tile, then, if some element needs it, the whole body again over sub-blocks
    of SPLIT elements reloaded from memory, so that the fallback's state is held for SPLIT elements
    at a time rather than BLOCK (registers: the fast pass's occupancy)."""
    offs = start + tl.arange(0, BLOCK)
    a = _operand(x0, offs, mask, SCALAR0, COMPUTE)
    b = _operand(x1, offs, mask, SCALAR1, COMPUTE)
    r, fallback = OP(a, b, s0, s1, s2, P + FAST_PASS)
    if mask is not None:
        fallback = tl.where(mask, fallback, False)
    # nothing is stored before the fallback reloads the operands: out may be one of them (in place)
    if tl.max(fallback.to(tl.int32), 0) > 0:
        for k in range(0, BLOCK, SPLIT):
            o = start + k + tl.arange(0, SPLIT)
            m = o < n
            rk = OP(_operand(x0, o, m, SCALAR0, COMPUTE), _operand(x1, o, m, SCALAR1, COMPUTE), s0, s1, s2, P)
            _store(out, o, rk, m)
    else:
        _store(out, offs, r, mask)


@triton.jit
def pointwise_1d(out, out1, x0, x1, x2, s0, s1, s2, n, OP: tl.constexpr, NIN: tl.constexpr,
                 SCALAR0: tl.constexpr, SCALAR1: tl.constexpr, SCALAR2: tl.constexpr, COMPUTE: tl.constexpr,
                 P: tl.constexpr, NOUT: tl.constexpr, SPLIT: tl.constexpr, BLOCK: tl.constexpr,
                 INT64: tl.constexpr):
    """All tensor operands contiguous (or scalars): one flat range of n elements. SPLIT > 0: a
    binary body with a fast pass and an exact fallback (_apply_split)."""
    if INT64:
        start = tl.program_id(0).to(tl.int64) * BLOCK
    else:
        start = tl.program_id(0) * BLOCK
    offs = start + tl.arange(0, BLOCK)
    if SPLIT > 0:
        # full block: no mask, so loads and stores vectorize
        if start + BLOCK <= n:
            _apply_split(out, x0, x1, s0, s1, s2, start, n, None, OP, SCALAR0, SCALAR1, COMPUTE, P, SPLIT, BLOCK)
        else:
            _apply_split(out, x0, x1, s0, s1, s2, start, n, offs < n, OP, SCALAR0, SCALAR1, COMPUTE, P, SPLIT,
                         BLOCK)
    elif start + BLOCK <= n:
        # full block: no mask, so loads and stores vectorize
        _apply(out, out1, x0, x1, x2, s0, s1, s2, offs, offs, offs, offs, None, OP, NIN, SCALAR0, SCALAR1,
               SCALAR2, COMPUTE, P, NOUT)
    else:
        _apply(out, out1, x0, x1, x2, s0, s1, s2, offs, offs, offs, offs, offs < n, OP, NIN, SCALAR0, SCALAR1,
               SCALAR2, COMPUTE, P, NOUT)


@triton.jit
def pointwise_nd(out, out1, x0, x1, x2, s0, s1, s2,
                 d0, d1, d2, d3, d4, d5,
                 so0, so1, so2, so3, so4, so5,
                 sa0, sa1, sa2, sa3, sa4, sa5,
                 sb0, sb1, sb2, sb3, sb4, sb5,
                 sc0, sc1, sc2, sc3, sc4, sc5,
                 OP: tl.constexpr, NIN: tl.constexpr, SCALAR0: tl.constexpr, SCALAR1: tl.constexpr,
                 SCALAR2: tl.constexpr, COMPUTE: tl.constexpr, P: tl.constexpr, NOUT: tl.constexpr,
                 SPLIT: tl.constexpr, RANK: tl.constexpr, BLOCK0: tl.constexpr, BLOCK1: tl.constexpr,
                 INT64: tl.constexpr):
    """Strided operands. Dim 0 is the fastest-moving dim of the output (TensorIterator order).
    A program owns a BLOCK1 x BLOCK0 tile of dims 1 and 0 and one index of each higher dim,
    so an operand that is contiguous along either dim is read with wide loads. out1 (NOUT = 2) has
    out's strides. SPLIT > 0: a binary body with a fast pass and an exact fallback, which runs over
    the tile's rows of BLOCK0 one at a time (as _apply_split's sub-blocks)."""
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
    base_c = rest * 0
    if RANK > 2:
        i = rest % d2
        rest = rest // d2
        base_o += i * so2
        base_a += i * sa2
        base_b += i * sb2
        base_c += i * sc2
    if RANK > 3:
        i = rest % d3
        rest = rest // d3
        base_o += i * so3
        base_a += i * sa3
        base_b += i * sb3
        base_c += i * sc3
    if RANK > 4:
        i = rest % d4
        rest = rest // d4
        base_o += i * so4
        base_a += i * sa4
        base_b += i * sb4
        base_c += i * sc4
    if RANK > 5:
        i = rest % d5
        base_o += i * so5
        base_a += i * sa5
        base_b += i * sb5
        base_c += i * sc5
    i0 = t0 * BLOCK0 + tl.arange(0, BLOCK0)
    i1 = t1 * BLOCK1 + tl.arange(0, BLOCK1)
    mask = (i1[:, None] < d1) & (i0[None, :] < d0)
    offs_o = base_o + i1[:, None] * so1 + i0[None, :] * so0
    # scalar and absent operands have constexpr 0 strides: their offsets are never used
    offs_a = base_a + i1[:, None] * sa1 + i0[None, :] * sa0
    offs_b = base_b + i1[:, None] * sb1 + i0[None, :] * sb0
    offs_c = base_c + i1[:, None] * sc1 + i0[None, :] * sc0
    if SPLIT > 0:
        a = _operand(x0, offs_a, mask, SCALAR0, COMPUTE)
        b = _operand(x1, offs_b, mask, SCALAR1, COMPUTE)
        r, fallback = OP(a, b, s0, s1, s2, P + FAST_PASS)
        # nothing is stored before the fallback reloads the operands: out may be one of them
        if tl.max(tl.max(tl.where(mask, fallback, False).to(tl.int32), 1), 0) > 0:
            for k in range(0, BLOCK1):
                row = t1 * BLOCK1 + k
                m = (row < d1) & (i0 < d0)
                ak = _operand(x0, base_a + row * sa1 + i0 * sa0, m, SCALAR0, COMPUTE)
                bk = _operand(x1, base_b + row * sb1 + i0 * sb0, m, SCALAR1, COMPUTE)
                _store(out, base_o + row * so1 + i0 * so0, OP(ak, bk, s0, s1, s2, P), m)
        else:
            _store(out, offs_o, r, mask)
    else:
        _apply(out, out1, x0, x1, x2, s0, s1, s2, offs_o, offs_a, offs_b, offs_c, mask, OP, NIN, SCALAR0,
               SCALAR1, SCALAR2, COMPUTE, P, NOUT)
