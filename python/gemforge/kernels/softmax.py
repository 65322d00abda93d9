"""softmax / log_softmax over one dim of a contiguous tensor viewed as [outer, D, inner].

Row k (k < outer*inner) starts at (k // inner) * D * inner + k % inner and steps by inner.
Rows that fit (BLOCK_D >= D) are done in one pass from registers; longer rows use an online
max/sum pass and a second pass that writes.
"""
import triton
import triton.language as tl

from .pointwise_ops.common import to_acc as _acc

@triton.jit
def softmax_kernel(out, x, K, D, INNER, LOG: tl.constexpr, F64: tl.constexpr, BLOCK_K: tl.constexpr,
                   BLOCK_D: tl.constexpr, SINGLE_PASS: tl.constexpr, INT64: tl.constexpr):
    k = tl.program_id(0) * BLOCK_K + tl.arange(0, BLOCK_K)
    if INT64:
        k = k.to(tl.int64)
    k_mask = k < K
    base = (k // INNER) * (D * INNER) + (k % INNER)
    j = tl.arange(0, BLOCK_D)
    if SINGLE_PASS:
        mask = k_mask[:, None] & (j < D)[None, :]
        offs = base[:, None] + j[None, :] * INNER
        v = _acc(tl.load(x + offs, mask=mask, other=-float("inf")), F64)
        m = tl.max(v, axis=1)
        shifted = v - m[:, None]
        e = tl.exp(shifted)
        s = tl.sum(e, axis=1)
        if LOG:
            r = shifted - tl.log(s)[:, None]
        else:
            r = e / s[:, None]
        tl.store(out + offs, r.to(out.dtype.element_ty), mask=mask)
    else:
        m = _acc(tl.full((BLOCK_K, ), -float("inf"), tl.float32), F64)
        s = _acc(tl.zeros((BLOCK_K, ), tl.float32), F64)
        for j0 in range(0, D, BLOCK_D):
            mask = k_mask[:, None] & ((j0 + j) < D)[None, :]
            offs = base[:, None] + (j0 + j)[None, :] * INNER
            v = _acc(tl.load(x + offs, mask=mask, other=-float("inf")), F64)
            m_new = tl.maximum(m, tl.max(v, axis=1))
            # rows that are all -inf so far: keep exp() away from (-inf) - (-inf)
            m_safe = tl.where(m_new == -float("inf"), 0.0, m_new)
            s = s * tl.exp(m - m_safe) + tl.sum(tl.exp(v - m_safe[:, None]), axis=1)
            m = m_new
        log_s = tl.log(s)
        for j0 in range(0, D, BLOCK_D):
            mask = k_mask[:, None] & ((j0 + j) < D)[None, :]
            offs = base[:, None] + (j0 + j)[None, :] * INNER
            v = _acc(tl.load(x + offs, mask=mask, other=0.0), F64)
            if LOG:
                r = v - m[:, None] - log_s[:, None]
            else:
                r = tl.exp(v - m[:, None]) / s[:, None]
            tl.store(out + offs, r.to(out.dtype.element_ty), mask=mask)
