"""Scans (cumsum, cumprod, cummax, cummin, logcumsumexp) and sorting/selection (sort, topk).

Both kernels see the input as rows along one dim: row k (k < K) starts at an offset given by up
to three other dims (sizes innermost first, strides per tensor), and its elements are N apart by
the dim's stride. A program owns BLOCK_K rows.

Scans walk a row in chunks of BLOCK_N, scanning each chunk with tl.associative_scan and carrying
the prefix of the chunks before it. Sorting takes a whole row in one block (BLOCK_N >= N) and
runs a bitonic network on (key, index) pairs: ties are ordered by index, so every sort is stable.
"""
import triton
import triton.language as tl

from .reduce import _offset3

# scan operations (host: ScanOp in csrc/ops/scan_sort.cpp)
OP_SUM = tl.constexpr(0)
OP_PROD = tl.constexpr(1)
OP_MAX = tl.constexpr(2)
OP_MIN = tl.constexpr(3)
OP_LSE = tl.constexpr(4)

# accumulator types, as c10::ScalarType codes
ACC_I8 = tl.constexpr(1)
ACC_I64 = tl.constexpr(4)
ACC_F32 = tl.constexpr(6)
ACC_F64 = tl.constexpr(7)


@triton.jit
def _to_acc(x, ACC: tl.constexpr):
    if ACC == ACC_I8:
        return x.to(tl.int8)
    elif ACC == ACC_I64:
        return x.to(tl.int64)
    elif ACC == ACC_F32:
        return x.to(tl.float32)
    elif ACC == ACC_F64:
        return x.to(tl.float64)
    else:
        return x


@triton.jit
def _cummax_combine(av, ai, bv, bi):
    # b comes after a. As ATen: a NaN always wins (the last one), ties go to the later index.
    take_b = (bv != bv) | ((av == av) & (bv >= av))
    return tl.where(take_b, bv, av), tl.where(take_b, bi, ai)


@triton.jit
def _cummin_combine(av, ai, bv, bi):
    take_b = (bv != bv) | ((av == av) & (bv <= av))
    return tl.where(take_b, bv, av), tl.where(take_b, bi, ai)


@triton.jit
def _log1p(t):
    # log(1 + t) without losing t when it is small: log(u) * t / (u - 1) with u = 1 + t rounded
    u = 1.0 + t
    d = u - 1.0
    return tl.where(d == 0.0, t, tl.log(u) * (t / tl.where(d == 0.0, 1.0, d)))


@triton.jit
def _logaddexp_combine(a, b):
    # ATen's _log_add_exp_helper: NaN propagates, equal infinities stay as they are
    b_nan = b != b
    mn = tl.where(b_nan, b, tl.where(b < a, b, a))
    mx = tl.where(b_nan, b, tl.where(a < b, b, a))
    finite = (mn == mn) & (tl.abs(mn) != float("inf"))
    r = _log1p(tl.exp(mn - mx)) + mx
    return tl.where((mn != mx) | finite, r, a)


@triton.jit
def _last(v, j, BLOCK_N: tl.constexpr):
    """Column BLOCK_N - 1 of a [BLOCK_K, BLOCK_N] tile (exact: the other terms are zeros; tl.sum
    widens integers narrower than 32 bits, hence the cast back)."""
    return tl.sum(tl.where((j == BLOCK_N - 1)[None, :], v, 0), axis=1).to(v.dtype)


@triton.jit
def scan_kernel(out, idx_out, x, K, N,
                kn0, kn1, xs0, xs1, xs2,   # row dims: sizes (innermost first), x strides
                os0, os1, os2,             # out (and idx_out) strides of the row dims
                x_sn, o_sn,                # strides along the scanned dim
                OP: tl.constexpr, K_RANK: tl.constexpr, ACC: tl.constexpr,
                BLOCK_K: tl.constexpr, BLOCK_N: tl.constexpr, INT64: tl.constexpr):
    k = tl.program_id(0) * BLOCK_K + tl.arange(0, BLOCK_K)
    j = tl.arange(0, BLOCK_N)
    if INT64:
        k = k.to(tl.int64)
        j = j.to(tl.int64)
    k_mask = k < K
    xb = _offset3(k, kn0, kn1, xs0, xs1, xs2, K_RANK)
    ob = _offset3(k, kn0, kn1, os0, os1, os2, K_RANK)
    # carry: the scan of everything before the chunk (identity values for the first chunk)
    if OP == OP_SUM:
        carry = _to_acc(tl.zeros((BLOCK_K, ), tl.int8), ACC)
    elif OP == OP_PROD:
        carry = _to_acc(tl.full((BLOCK_K, ), 1, tl.int8), ACC)
    elif OP == OP_LSE:
        carry = _to_acc(tl.full((BLOCK_K, ), -float("inf"), tl.float32), ACC)
    else:
        # the row's first element: combining it with a prefix that starts with it changes nothing
        carry = _to_acc(tl.load(x + xb, mask=k_mask, other=0).to(out.dtype.element_ty), ACC)
        carry_i = tl.zeros((BLOCK_K, ), tl.int32).to(j.dtype)
    for j0 in range(0, N, BLOCK_N):
        jj = j0 + j
        mask = k_mask[:, None] & (jj < N)[None, :]
        if OP == OP_PROD:
            v = tl.load(x + xb[:, None] + jj[None, :] * x_sn, mask=mask, other=1)
        else:
            v = tl.load(x + xb[:, None] + jj[None, :] * x_sn, mask=mask, other=0)
        # ATen converts the input to the result dtype first, then accumulates
        v = _to_acc(v.to(out.dtype.element_ty), ACC)
        o_offs = ob[:, None] + jj[None, :] * o_sn
        if OP == OP_SUM:
            s = carry[:, None] + tl.cumsum(v, 1)
            carry = _last(s, j, BLOCK_N)
        elif OP == OP_PROD:
            s = carry[:, None] * tl.cumprod(v, 1)
            carry = _last(s, j, BLOCK_N)
        elif OP == OP_LSE:
            s = _logaddexp_combine(carry[:, None], tl.associative_scan(v, 1, _logaddexp_combine))
            carry = _last(s, j, BLOCK_N)
        else:
            i = tl.broadcast_to(jj[None, :], (BLOCK_K, BLOCK_N))
            if OP == OP_MAX:
                sv, si = tl.associative_scan((v, i), 1, _cummax_combine)
                s, si = _cummax_combine(carry[:, None], carry_i[:, None], sv, si)
            else:
                sv, si = tl.associative_scan((v, i), 1, _cummin_combine)
                s, si = _cummin_combine(carry[:, None], carry_i[:, None], sv, si)
            carry = _last(s, j, BLOCK_N)
            carry_i = _last(si, j, BLOCK_N)
            tl.store(idx_out + o_offs, si.to(idx_out.dtype.element_ty), mask=mask)
        tl.store(out + o_offs, s.to(out.dtype.element_ty), mask=mask)


# ---------------------------------------------------------------- sort


@triton.jit
def _as_int(x):
    """x's bits as a signed integer of the same width."""
    if x.dtype.primitive_bitwidth == 8:
        return x.to(tl.int8, bitcast=True)
    elif x.dtype.primitive_bitwidth == 16:
        return x.to(tl.int16, bitcast=True)
    elif x.dtype.primitive_bitwidth == 32:
        return x.to(tl.int32, bitcast=True)
    else:
        return x.to(tl.int64, bitcast=True)


@triton.jit
def _partner(x, axis: tl.constexpr):
    """Each element's partner along a size-2 axis: the pair's (wrapping) integer sum minus itself."""
    ix = _as_int(x)
    p = tl.sum(ix, axis=axis, keep_dims=True) - ix
    return p.to(ix.dtype).to(x.dtype, bitcast=True)


@triton.jit
def _indicator(n_dims: tl.constexpr, i: tl.constexpr):
    """0 or 1: the position along the i-th innermost axis of a [2] * n_dims hypercube."""
    return tl.reshape(tl.arange(0, 2), [1] * (n_dims - i - 1) + [2] + [1] * i)


@triton.jit
def _compare_and_swap(key, idx, n, flip, i: tl.constexpr, n_dims: tl.constexpr, DESCENDING: tl.constexpr,
                      PADDED: tl.constexpr):
    axis: tl.constexpr = n_dims - 1 - i
    pkey = _partner(key, axis)
    pidx = _partner(idx, axis)
    # `after`: (key, idx) belongs after its partner. NaN sorts as the largest value (ATen), and
    # equal keys keep index order in either direction.
    if DESCENDING:
        key_after = (key < pkey) | ((pkey != pkey) & (key == key))
    else:
        key_after = (key > pkey) | ((key != key) & (pkey == pkey))
    tie = (key == pkey) | ((key != key) & (pkey != pkey))
    after = key_after | (tie & (idx > pidx))
    if PADDED:
        # positions past the row (index >= n) go last
        after = tl.where((idx >= n) | (pidx >= n), idx > pidx, after)
    swap = after != (flip ^ _indicator(n_dims, i))
    return tl.where(swap, pkey, key), tl.where(swap, pidx, idx)


@triton.jit
def _bitonic_sort(key, idx, n, LOG_N: tl.constexpr, n_dims: tl.constexpr, DESCENDING: tl.constexpr,
                  PADDED: tl.constexpr):
    """Sorts the innermost LOG_N axes of [2] * n_dims hypercubes of keys and indices."""
    for stage in tl.static_range(1, LOG_N + 1):
        # merge stages before the last alternate direction by blocks of 2^stage; the last ascends
        if stage < LOG_N:
            flip = _indicator(n_dims, stage)
        else:
            flip = 0
        for s in tl.static_range(stage):
            key, idx = _compare_and_swap(key, idx, n, flip, stage - 1 - s, n_dims, DESCENDING, PADDED)
    return key, idx


@triton.jit
def _compare_and_swap_packed(p, flip, i: tl.constexpr, n_dims: tl.constexpr):
    pp = _partner(p, n_dims - 1 - i)
    swap = (p > pp) != (flip ^ _indicator(n_dims, i))
    return tl.where(swap, pp, p)


@triton.jit
def _bitonic_sort_packed(p, LOG_N: tl.constexpr, n_dims: tl.constexpr):
    """_bitonic_sort for packed int64 (key, index) words: one compare per step."""
    for stage in tl.static_range(1, LOG_N + 1):
        if stage < LOG_N:
            flip = _indicator(n_dims, stage)
        else:
            flip = 0
        for s in tl.static_range(stage):
            p = _compare_and_swap_packed(p, flip, stage - 1 - s, n_dims)
    return p


@triton.jit
def _ordered_key32(key, DESCENDING: tl.constexpr):
    """An int32 whose signed order is the sort order of key (at most 32 bits): floats map by
    their bits (negative ones with the magnitude bits flipped), -0.0 as 0.0, every NaN as one NaN
    above +inf; descending flips every bit."""
    if key.dtype.is_floating():
        key = tl.where(key == 0, 0.0, key)
        b = key.to(tl.int32, bitcast=True)
        b = tl.where(key != key, 0x7FC00000, b)
        t = b ^ ((b >> 31) & 0x7FFFFFFF)
    else:
        t = key.to(tl.int32)
    if DESCENDING:
        t = ~t
    return t


@triton.jit
def sort_kernel(values, indices, x, K, N, N_OUT,
                kn0, kn1, xs0, xs1, xs2,   # row dims: sizes (innermost first), x strides
                os0, os1, os2,             # values (and indices) strides of the row dims
                x_sn, o_sn,                # strides along the sorted dim
                K_RANK: tl.constexpr, DESCENDING: tl.constexpr, KEY: tl.constexpr,
                BLOCK_K: tl.constexpr, LOG_K: tl.constexpr, BLOCK_N: tl.constexpr, LOG_N: tl.constexpr,
                PADDED: tl.constexpr, PACKED: tl.constexpr, INT64: tl.constexpr):
    """Sorts rows of N <= BLOCK_N elements; writes the first N_OUT of each (topk: N_OUT = k).

    PACKED (keys of at most 32 bits): the network sorts int64 words (ordered key << 32 | index),
    one compare per step, and values are read back through the sorted indices. Otherwise it
    sorts (key, index) pairs."""
    k = tl.program_id(0) * BLOCK_K + tl.arange(0, BLOCK_K)
    if INT64:
        k = k.to(tl.int64)
    j = tl.arange(0, BLOCK_N)
    k_mask = k < K
    xb = _offset3(k, kn0, kn1, xs0, xs1, xs2, K_RANK)
    ob = _offset3(k, kn0, kn1, os0, os1, os2, K_RANK)
    mask = k_mask[:, None] & (j < N)[None, :]
    key = tl.load(x + xb[:, None] + j[None, :].to(xb.dtype) * x_sn, mask=mask, other=0)
    # keys compare as KEY: bool as int8 0/1, half types as fp32 (exact both ways)
    key = _to_acc(key, KEY)
    idx = tl.broadcast_to(j[None, :], (BLOCK_K, BLOCK_N))
    n_dims: tl.constexpr = LOG_K + LOG_N
    o_offs = ob[:, None] + j[None, :].to(ob.dtype) * o_sn
    o_mask = k_mask[:, None] & (j < N_OUT)[None, :]
    if PACKED:
        p = (_ordered_key32(key, DESCENDING).to(tl.int64) << 32) | idx.to(tl.int64)
        if PADDED:  # positions past the row go last
            p = tl.where((j < N)[None, :], p, 0x7FFFFFFFFFFFFFFF)
        p = tl.reshape(_bitonic_sort_packed(tl.reshape(p, [2] * n_dims), LOG_N, n_dims), (BLOCK_K, BLOCK_N))
        idx = (p & 0x7FFFFFFF).to(tl.int32)
        # the values themselves (-0.0 and NaN payloads as they were), from the row just read
        v = tl.load(x + xb[:, None] + idx.to(xb.dtype) * x_sn, mask=o_mask, other=0)
        tl.store(values + o_offs, v, mask=o_mask)
    else:
        hkey = tl.reshape(key, [2] * n_dims)
        hidx = tl.reshape(idx, [2] * n_dims)
        hkey, hidx = _bitonic_sort(hkey, hidx, N, LOG_N, n_dims, DESCENDING, PADDED)
        key = tl.reshape(hkey, (BLOCK_K, BLOCK_N))
        idx = tl.reshape(hidx, (BLOCK_K, BLOCK_N))
        tl.store(values + o_offs, key.to(values.dtype.element_ty), mask=o_mask)
    tl.store(indices + o_offs, idx.to(indices.dtype.element_ty), mask=o_mask)
