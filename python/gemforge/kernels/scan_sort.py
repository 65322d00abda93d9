"""Scans (cumsum, cumprod, cummax, cummin, logcumsumexp) and sorting/selection (sort, topk).

Both kernels see the input as rows along one dim: row k (k < K) starts at an offset given by up
to three other dims (sizes innermost first, strides per tensor), and its elements are N apart by
the dim's stride. A program owns BLOCK_K rows.

Scans walk a row in chunks of BLOCK_N, scanning each chunk with tl.associative_scan and carrying
the prefix of the chunks before it. sort_kernel takes a whole row in one block (BLOCK_N >= N) and
runs a bitonic network on (key, index) pairs: ties are ordered by index, so every sort is stable.
Rows up to 4096 may instead take the merge sort (chunks sorted by the network, then merged
pairwise); longer rows go through the LSD radix sort below. All are stable.
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
def _scan_combine(a, ai, b, bi, OP: tl.constexpr):
    """a (earlier) combined with b (later), for the carry of a row split into segments."""
    if OP == OP_SUM:
        return a + b, ai
    elif OP == OP_PROD:
        return a * b, ai
    elif OP == OP_LSE:
        return _logaddexp_combine(a, b), ai
    elif OP == OP_MAX:
        return _cummax_combine(a, ai, b, bi)
    else:
        return _cummin_combine(a, ai, b, bi)


@triton.jit
def _identity_of(OP: tl.constexpr):
    if OP == OP_PROD:
        return 1
    elif OP == OP_LSE:
        return -float("inf")
    else:
        return 0


@triton.jit
def _mul(a, b):
    return a * b


@triton.jit
def _reduce_row(v, OP: tl.constexpr):
    """v's rows (axis 1) combined, for sums, products and log-add-exp (order-free)."""
    if OP == OP_SUM:
        return tl.sum(v, 1)
    elif OP == OP_PROD:
        return tl.reduce(v, 1, _mul)
    else:
        return tl.reduce(v, 1, _logaddexp_combine)


@triton.jit
def scan_kernel(out, idx_out, x, totals, total_idx, K, N, seg_len, num_segs,
                kn0, kn1, xs0, xs1, xs2,   # row dims: sizes (innermost first), x strides
                os0, os1, os2,             # out (and idx_out) strides of the row dims
                x_sn, o_sn,                # strides along the scanned dim
                OP: tl.constexpr, K_RANK: tl.constexpr, ACC: tl.constexpr,
                BLOCK_K: tl.constexpr, BLOCK_N: tl.constexpr, INT64: tl.constexpr, PHASE: tl.constexpr):
    """PHASE 0: a program scans whole rows. Rows split into num_segs segments of seg_len (few
    long rows): PHASE 1 writes each segment's total (its own scan's last value) to totals [K,
    num_segs]; PHASE 2 scans each segment again, starting from the combined totals of the
    segments before it, and stores. Sums and products take a segment's total by an elementwise
    fold and one reduction (no scan) and combine the totals before a segment 256 at a time, so
    neither phase has a serial chain as long as the segment count."""
    k = tl.program_id(0) * BLOCK_K + tl.arange(0, BLOCK_K)
    j = tl.arange(0, BLOCK_N)
    seg = tl.program_id(1)
    if INT64:
        k = k.to(tl.int64)
        j = j.to(tl.int64)
        seg = seg.to(tl.int64)
    k_mask = k < K
    xb = _offset3(k, kn0, kn1, xs0, xs1, xs2, K_RANK)
    ob = _offset3(k, kn0, kn1, os0, os1, os2, K_RANK)
    start = seg * seg_len
    end = start + seg_len
    if PHASE == 0:
        end = N
    # carry: the scan of everything before the chunk (identity values for the first chunk)
    if OP == OP_SUM:
        carry = _to_acc(tl.zeros((BLOCK_K, ), tl.int8), ACC)
    elif OP == OP_PROD:
        carry = _to_acc(tl.full((BLOCK_K, ), 1, tl.int8), ACC)
    elif OP == OP_LSE:
        carry = _to_acc(tl.full((BLOCK_K, ), -float("inf"), tl.float32), ACC)
    else:
        # the segment's first element: combining it with a prefix that starts with it changes nothing
        carry = _to_acc(tl.load(x + xb + start * x_sn, mask=k_mask, other=0).to(out.dtype.element_ty), ACC)
    carry_i = tl.zeros((BLOCK_K, ), tl.int32).to(j.dtype) + start
    if PHASE == 2:
        if seg > 0:
            t = k * num_segs
            carry = tl.load(totals + t, mask=k_mask, other=0)
            if OP == OP_MAX or OP == OP_MIN:
                # order matters (ties go to the later index): one total at a time
                carry_i = tl.load(total_idx + t, mask=k_mask, other=0).to(j.dtype)
                for p in range(1, seg):
                    ti = tl.load(total_idx + t + p, mask=k_mask, other=0).to(j.dtype)
                    carry, carry_i = _scan_combine(carry, carry_i, tl.load(totals + t + p, mask=k_mask, other=0),
                                                   ti, OP)
            else:
                for p0 in range(1, seg, 256):
                    p = p0 + tl.arange(0, 256)
                    pm = k_mask[:, None] & (p < seg)[None, :]
                    tv = tl.load(totals + t[:, None] + p[None, :], mask=pm, other=_identity_of(OP))
                    carry, carry_i = _scan_combine(carry, carry_i, _reduce_row(tv, OP).to(carry.dtype), carry_i, OP)
    if PHASE == 1 and (OP == OP_SUM or OP == OP_PROD):
        # only the segment's total is needed: fold elementwise, reduce once
        acc = _to_acc(tl.full((BLOCK_K, BLOCK_N), _identity_of(OP), tl.float32).to(out.dtype.element_ty), ACC)
        for j0 in range(start, end, BLOCK_N):
            jj = j0 + j
            mask = k_mask[:, None] & (jj < N)[None, :]
            v = tl.load(x + xb[:, None] + jj[None, :] * x_sn, mask=mask, other=_identity_of(OP))
            v = _to_acc(v.to(out.dtype.element_ty), ACC)
            if OP == OP_SUM:
                acc = acc + v
            else:
                acc = acc * v
        carry = _reduce_row(acc, OP).to(acc.dtype)
    else:
        for j0 in range(start, end, BLOCK_N):
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
                if PHASE != 1:
                    tl.store(idx_out + o_offs, si.to(idx_out.dtype.element_ty), mask=mask)
            if PHASE != 1:
                tl.store(out + o_offs, s.to(out.dtype.element_ty), mask=mask)
    if PHASE == 1:
        t = k * num_segs + seg
        tl.store(totals + t, carry, mask=k_mask)
        if OP == OP_MAX or OP == OP_MIN:
            tl.store(total_idx + t, carry_i, mask=k_mask)


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
def sort_kernel(values, indices, x, src_idx, K, N, N_OUT, NCH,
                kn0, kn1, xs0, xs1, xs2,   # row dims: sizes (innermost first), x strides
                os0, os1, os2,             # values (and indices) strides of the row dims
                x_sn, o_sn,                # strides along the sorted dim
                K_RANK: tl.constexpr, DESCENDING: tl.constexpr, KEY: tl.constexpr,
                BLOCK_K: tl.constexpr, LOG_K: tl.constexpr, BLOCK_N: tl.constexpr, LOG_N: tl.constexpr,
                PADDED: tl.constexpr, PACKED: tl.constexpr, HAS_SRC_IDX: tl.constexpr, INT64: tl.constexpr):
    """Sorts chunks of BLOCK_N elements of rows of N (NCH chunks a row; one when N <= BLOCK_N) and
    writes the first N_OUT of chunk c to positions c * N_OUT + [0, N_OUT) of its output row (topk:
    N_OUT = k; the first stage of a wide topk keeps each chunk's k best as candidates).

    HAS_SRC_IDX: x holds candidates and src_idx (laid out as x) their indices in the original row;
    the output indices are those. Candidates sit in index order, so ties still go by index.

    PACKED 1 (keys of at most 32 bits, N < 2^31): the network sorts int64 words (ordered key << 32
    | index), one compare per step, and values are read back through the sorted indices. PACKED 2
    (keys of at most 16 bits, BLOCK_N <= 65536): the same with int32 words (key << 16 | index),
    half the width. PACKED 0: it sorts (key, index) pairs."""
    pid = tl.program_id(0)
    c = pid % NCH
    kb = pid // NCH
    if INT64:
        c = c.to(tl.int64)
        kb = kb.to(tl.int64)
    k = kb * BLOCK_K + tl.arange(0, BLOCK_K)
    j = tl.arange(0, BLOCK_N)
    jg = c * BLOCK_N + j   # position along the row
    k_mask = k < K
    xb = _offset3(k, kn0, kn1, xs0, xs1, xs2, K_RANK)
    ob = _offset3(k, kn0, kn1, os0, os1, os2, K_RANK)
    mask = k_mask[:, None] & (jg < N)[None, :]
    raw = tl.load(x + xb[:, None] + jg[None, :].to(xb.dtype) * x_sn, mask=mask, other=0)
    key = raw
    # keys compare as KEY: bool as int8 0/1, half types as fp32 (exact both ways)
    key = _to_acc(key, KEY)
    idx = tl.broadcast_to(jg[None, :], (BLOCK_K, BLOCK_N))
    n_dims: tl.constexpr = LOG_K + LOG_N
    o_offs = ob[:, None] + (c * N_OUT + j)[None, :].to(ob.dtype) * o_sn
    # sorted position j of a chunk holds a row element while c * BLOCK_N + j < N
    o_mask = k_mask[:, None] & ((j < N_OUT) & (jg < N))[None, :]
    if PACKED != 0:
        if PACKED == 2:
            # _radix_key of a <= 16-bit value lies in int16's range; indices < 65536
            p = (_radix_key(raw, DESCENDING) << 16) | j
            if PADDED:  # positions past the row go last
                p = tl.where((jg < N)[None, :], p, 0x7FFFFFFF)
        else:
            p = (_ordered_key32(key, DESCENDING).to(tl.int64) << 32) | idx.to(tl.int64)
            if PADDED:
                p = tl.where((jg < N)[None, :], p, 0x7FFFFFFFFFFFFFFF)
        p = tl.reshape(_bitonic_sort_packed(tl.reshape(p, [2] * n_dims), LOG_N, n_dims), (BLOCK_K, BLOCK_N))
        if PACKED == 2:
            idx = c * BLOCK_N + (p & 0xFFFF).to(tl.int32)
        else:
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
    if HAS_SRC_IDX:
        idx = tl.load(src_idx + xb[:, None] + idx.to(xb.dtype) * x_sn, mask=o_mask, other=0)
    tl.store(indices + o_offs, idx.to(indices.dtype.element_ty), mask=o_mask)


# ---------------------------------------------------------------- radix sort (LSD)
#
# Rows sort by an integer order key computed from the values in registers (_radix_key), D bits
# (a digit) per pass from the least significant up; every pass is stable, so after the passes
# rows are sorted by key, ties in index order. The passes move the values themselves, so the last
# one writes them as they were (-0.0 and NaN payloads kept).
#
# Ranking: the rank of an element among the earlier elements of a block with the same digit is an
# exclusive cumsum down the block of a one-hot [SUB, 2^D] tensor, read at the element's own digit
# (_rank_in_block): ~2^D operations per element, no sort.
#
# Wide rows, cut in tiles of BLOCK, per pass:
#   radix_hist_kernel     digit counts of each tile -> table[row, tile, digit]
#                         (first pass: also every pass's digit totals per row, with atomics)
#   radix_chunk_sums_kernel, radix_offsets_kernel
#                         table -> where each (tile, digit) group starts in the output row
#   radix_scatter_kernel  each tile writes every element to start of its group + its rank


@triton.jit
def _radix_key(v, DESCENDING: tl.constexpr):
    """An integer whose low W bits (W: v's width) order like v in the sort, signed (floats, signed
    integers) or unsigned (bool, uint8): floats by their bits (negative ones with the magnitude
    bits flipped), -0.0 as 0.0 and every NaN as one value above +inf; descending flips every bit.
    Computed on the bits only (the interpreter compares bfloat16 as integers). For W <= 16 the
    result lies in int16's range and orders as a signed integer (uint8/bool: 0..255, or flipped)."""
    if v.dtype == tl.int1:
        t = v.to(tl.int32)
    elif v.dtype.is_floating():
        if v.dtype.primitive_bitwidth == 64:
            b = v.to(tl.int64, bitcast=True)
            mag = b & 0x7FFFFFFFFFFFFFFF
            b = tl.where(mag == 0, 0, tl.where(mag > 0x7FF0000000000000, 0x7FFFFFFFFFFFFFFF, b))
            t = tl.where(b < 0, b ^ 0x7FFFFFFFFFFFFFFF, b)
        else:
            if v.dtype.primitive_bitwidth == 32:
                b = v.to(tl.int32, bitcast=True)
                inf: tl.constexpr = 0x7F800000
                maxpos: tl.constexpr = 0x7FFFFFFF
            elif v.dtype == tl.float16:
                b = v.to(tl.int16, bitcast=True).to(tl.int32)
                inf: tl.constexpr = 0x7C00
                maxpos: tl.constexpr = 0x7FFF
            else:
                b = v.to(tl.int16, bitcast=True).to(tl.int32)
                inf: tl.constexpr = 0x7F80
                maxpos: tl.constexpr = 0x7FFF
            mag = b & maxpos
            b = tl.where(mag == 0, 0, tl.where(mag > inf, maxpos, b))
            t = tl.where(b < 0, b ^ maxpos, b)
    elif v.dtype.primitive_bitwidth == 64:
        t = v
    else:
        t = v.to(tl.int32)
    if DESCENDING:
        t = ~t
    return t


@triton.jit
def _digit(t, shift, FLIP: tl.constexpr, D: tl.constexpr):
    """Bits [shift, shift + D) of an order key; FLIP (the top digit of a signed key) maps signed
    order to unsigned. (shift is a runtime value in the radix kernels: the middle passes of a
    sort share one compiled kernel.)"""
    d = ((t >> shift) & ((1 << D) - 1)).to(tl.int32)
    if FLIP:
        d = d ^ (1 << (D - 1))
    return d


@triton.jit
def _rank_in_block(dig, m, base, RADIX: tl.constexpr, F: tl.constexpr):
    """dig: [SUB] digits (m: which are elements); base: [RADIX], where the next element of each
    digit goes. Returns each element's destination, base + the block's digit counts: elements of
    a digit go in block order (stable).

    F = 0: the counts are a [SUB, RADIX] one-hot's cumsum. F = 8 or 16: 32 / F digits share an
    int32 word, one F-bit field each ([SUB, RADIX * F / 32] words, a narrower cumsum); a field
    counts up to SUB, so SUB < 2^F (F = 8: SUB <= 128, the top field wrapping into the sign bit)."""
    r = tl.arange(0, RADIX)
    if F == 0:
        oh = ((dig[:, None] == r[None, :]) & m[:, None]).to(base.dtype)
        incl = tl.cumsum(oh, 0)
        # one nonzero term per row: the element's own digit
        dest = tl.sum(oh * (base[None, :] + incl - 1), 1)
        return dest, base + tl.sum(oh, 0)
    else:
        C: tl.constexpr = 32 // F
        w = tl.arange(0, RADIX // C)
        shift = (dig % C) * F
        mine = (dig // C)[:, None] == w[None, :]
        oh = tl.where(mine & m[:, None], (tl.full(shift.shape, 1, tl.int32) << shift)[:, None], 0)
        incl = tl.cumsum(oh, 0)
        rank = ((tl.sum(tl.where(mine, incl, 0), 1) >> shift) & ((1 << F) - 1)) - 1
        dest = tl.gather(base, dig, 0) + rank
        tot = tl.sum(oh, 0)
        counts = tl.sum(tl.where((r // C)[:, None] == w[None, :], tot[None, :], 0), 1)
        counts = (counts >> ((r % C) * F)) & ((1 << F) - 1)
        return dest, base + counts


@triton.jit
def _row_tile(T, INT64: tl.constexpr):
    pid = tl.program_id(0)
    row = pid // T
    t = pid % T
    if INT64:
        row = row.to(tl.int64)
        t = t.to(tl.int64)
    return row, t


# Lane-atomic histogram (CUDA only: radix_hist_kernel and select.py's topk_hist_kernel with
# LANE_ATOMICS): each valid lane adds 1 to its warp's own copy of the 256 counters in shared
# memory (a .shared array declared in inline PTX, as the stage below; 1 KB a warp), and a
# digit's count is the sum of the copies. tl.histogram counts with ballots over every digit bit
# and is 2.4 times slower on the H200 (16M bf16, bench/radix_next_probe.py: 64 against 26 us a
# pass, random and skewed digits alike). The PTX by the number of copies: the program's warps (4
# or 8); radix_rows_kernel's one warp keeps one copy for each digit pass (1, 2 or 4) instead.
_HIST_DECL = tl.constexpr({c: f".shared .align 16 .b8 gf_hist[{1024 * c}];\nmov.u32 $0, $1;" for c in (1, 2, 4, 8)})
_HIST_ZERO = tl.constexpr("""{
.reg .u32 %gha;
mov.u32 %gha, gf_hist;
mad.lo.u32 %gha, $1, 4, %gha;
st.shared.u32 [%gha], 0;
mov.u32 $0, 0;
}""")
_HIST_ADD = tl.constexpr("""{
.reg .pred %ghp;
.reg .u32 %gha, %ghw;
setp.ne.u32 %ghp, $2, 0;
mov.u32 %ghw, %tid.x;
shr.u32 %ghw, %ghw, 5;
mov.u32 %gha, gf_hist;
mad.lo.u32 %gha, %ghw, 1024, %gha;
mad.lo.u32 %gha, $1, 4, %gha;
@%ghp red.shared.add.u32 [%gha], 1;
mov.u32 $0, 0;
}""")
_HIST_READ = tl.constexpr({w: """{
.reg .u32 %gha, %ghs;
mov.u32 %gha, gf_hist;
mad.lo.u32 %gha, $1, 4, %gha;
ld.shared.u32 $0, [%gha];
""" + "".join(f"ld.shared.u32 %ghs, [%gha+{1024 * c}];\nadd.u32 $0, $0, %ghs;\n" for c in range(1, w)) + "}"
                           for w in (1, 4, 8)})


@triton.jit
def _lane_hist_declare(COPIES: tl.constexpr):
    """Declares gf_hist, COPIES copies of the 256 counters (once: a [1] tensor is one element in
    every thread, so the PTX appears once)."""
    tl.inline_asm_elementwise(_HIST_DECL[COPIES], "=r,r", [tl.zeros([1], tl.int32)], dtype=tl.int32,
                              is_pure=False, pack=1)


@triton.jit
def _lane_hist_zero(COPIES: tl.constexpr):
    tl.inline_asm_elementwise(_HIST_ZERO, "=r,r", [tl.arange(0, 256 * COPIES)], dtype=tl.int32, is_pure=False,
                              pack=1)
    tl.debug_barrier()


@triton.jit
def _lane_hist_add(dig, m):
    """Adds the 8-bit digits dig where m (no element held by two threads: at least one a thread)
    to the lane's warp's copy (one warp: dig + 256 c adds to copy c)."""
    tl.inline_asm_elementwise(_HIST_ADD, "=r,r,r", [dig, m.to(tl.int32)], dtype=tl.int32, is_pure=False, pack=1)


@triton.jit
def _lane_hist_read(COPIES: tl.constexpr, first=0):
    """The 256 counts, summed over COPIES copies from copy first; the zeroing of a next histogram
    waits for them."""
    tl.debug_barrier()
    h = tl.inline_asm_elementwise(_HIST_READ[COPIES], "=r,r", [tl.arange(0, 256) + 256 * first], dtype=tl.int32,
                                  is_pure=False, pack=1)
    tl.debug_barrier()
    return h


@triton.jit
def _lane_histogram(dig, m):
    """Counts of the 8-bit digits dig where m, in a program of 4 warps that declared gf_hist."""
    _lane_hist_zero(4)
    _lane_hist_add(dig, m)
    return _lane_hist_read(4)


@triton.jit
def _tile_histogram(key, m, shift, FLIP: tl.constexpr, D: tl.constexpr, LANE_ATOMICS: tl.constexpr):
    dig = _digit(key, shift, FLIP, D)
    if LANE_ATOMICS:
        return _lane_histogram(dig, m)
    else:
        return tl.histogram(dig, 1 << D, mask=m)


@triton.jit
def radix_hist_kernel(table, totals, x, K, N, T,
                      kn0, kn1, xs0, xs1, xs2, x_sn, shift,
                      K_RANK: tl.constexpr, DESCENDING: tl.constexpr, FLIP: tl.constexpr,
                      TOTALS: tl.constexpr, SIGNED: tl.constexpr, D: tl.constexpr, BLOCK: tl.constexpr,
                      LANE_ATOMICS: tl.constexpr, INT64: tl.constexpr):
    """table[row, t, digit] = count of the digit (key bits from shift) in tile t of the row (a
    tile's counts side by side: one coalesced store).
    TOTALS > 0 (only in pass 0's launch, shift 0): also totals[p, row, digit] += the tile's
    counts of digit p, for each of the TOTALS passes.
    LANE_ATOMICS (CUDA, D = 8, 4 warps): counted by _lane_histogram, else by tl.histogram."""
    RADIX: tl.constexpr = 1 << D
    if LANE_ATOMICS:
        tl.static_assert(D == 8)
        _lane_hist_declare(4)
    row, t = _row_tile(T, INT64)
    xb = _offset3(row, kn0, kn1, xs0, xs1, xs2, K_RANK)
    j = t * BLOCK + tl.arange(0, BLOCK)
    m = j < N
    key = _radix_key(tl.load(x + xb + j * x_sn, mask=m, other=0), DESCENDING)
    r = tl.arange(0, RADIX)
    h = _tile_histogram(key, m, shift, FLIP, D, LANE_ATOMICS)
    tl.store(table + (row * T + t) * RADIX + r, h.to(table.dtype.element_ty))
    for p in tl.static_range(TOTALS):
        if p == 0:
            hp = h  # this pass's own digits (shift 0), counted above
        else:
            hp = _tile_histogram(key, m, D * p, SIGNED and p == TOTALS - 1, D, LANE_ATOMICS)
        tl.atomic_add(totals + (p * K + row) * RADIX + r, hp.to(totals.dtype.element_ty), sem="relaxed")


@triton.jit
def _table_block(T, G, C, BT: tl.constexpr, DG: tl.constexpr, INT64: tl.constexpr):
    """Program (row, g, c) of radix_chunk_sums_kernel / radix_offsets_kernel: DG digits (group g
    of G) of BT tiles (chunk c of C) of a row's table; their tile numbers and digits."""
    pid = tl.program_id(0)
    row = pid // (G * C)
    g = (pid // C) % G
    c = pid % C
    if INT64:
        row = row.to(tl.int64)
        g = g.to(tl.int64)
        c = c.to(tl.int64)
    return row, c, c * BT + tl.arange(0, BT), g * DG + tl.arange(0, DG)


@triton.jit
def radix_chunk_sums_kernel(sums, table, T, G, C, D: tl.constexpr, DG: tl.constexpr, BT: tl.constexpr,
                            INT64: tl.constexpr):
    """sums[row, c, d] = the elements of digit d in chunk c (BT tiles) of the row: the sum of the
    block's tile counts in the table, table[row, t, d]. (Summing the table costs less than every
    tile adding its counts to totals with atomics: 4096 tiles of 16M elements make a million
    atomic adds on 256 addresses a pass; H200, 16M bf16: the two histogram launches 125.6 us with
    the atomics, 49.0 without. A program a chunk of 256 tiles x 16 digits: 256 programs for
    4096 tiles, where one a digit group walking all tiles left 32 programs: the totals 6.8 ->
    2.7 us a pass, the offsets 8.8 -> 4.8; the table by tile, not by digit: the histogram's
    stores coalesced, 24.0 -> 20.3 us.)"""
    RADIX: tl.constexpr = 1 << D
    row, c, tt, d = _table_block(T, G, C, BT, DG, INT64)
    h = tl.load(table + (row * T + tt[:, None]) * RADIX + d[None, :], mask=(tt < T)[:, None], other=0)
    tl.store(sums + (row * C + c) * RADIX + d, tl.sum(h, 0).to(sums.dtype.element_ty))


@triton.jit
def radix_offsets_kernel(table, sums, T, G, C, D: tl.constexpr, DG: tl.constexpr, BT: tl.constexpr,
                         CB: tl.constexpr, INT64: tl.constexpr):
    """In place: table[row, t, d] = where the elements of digit d in tile t start in the sorted
    row: all smaller digits of the row, then digit d of the chunks before t's, then of the tiles
    before t in its chunk. Programs as radix_chunk_sums_kernel's, which left the chunks' sums
    (read here CB chunks at a time)."""
    RADIX: tl.constexpr = 1 << D
    row, c, tt, d = _table_block(T, G, C, BT, DG, INT64)
    r = tl.arange(0, RADIX)
    tot = tl.zeros((RADIX, ), sums.dtype.element_ty)  # the row's digit totals
    before = tl.zeros((RADIX, ), sums.dtype.element_ty)  # ... in the chunks before c
    for c0 in range(0, C, CB):
        cc = c0 + tl.arange(0, CB)
        part = tl.load(sums + (row * C + cc[:, None]) * RADIX + r[None, :], mask=(cc < C)[:, None], other=0)
        tot += tl.sum(part, 0)
        before += tl.sum(tl.where((cc < c)[:, None], part, 0), 0)
    carry = tl.sum(tl.where(r[None, :] < d[:, None], tot[None, :], 0) +
                   tl.where(r[None, :] == d[:, None], before[None, :], 0), 1)
    ptrs = table + (row * T + tt[:, None]) * RADIX + d[None, :]
    m = (tt < T)[:, None]
    h = tl.load(ptrs, mask=m, other=0)
    tl.store(ptrs, (carry[None, :] + tl.cumsum(h, 0) - h).to(table.dtype.element_ty), mask=m)


@triton.jit
def radix_passes_kernel(need, totals, K, N, D: tl.constexpr, PASSES: tl.constexpr, BK: tl.constexpr):
    """need[0]: bit p set where digit pass p must run, i.e. some row's elements have more than one
    digit p (no digit holds all N of them), from the first pass's totals [PASSES, K, 2^D]."""
    RADIX: tl.constexpr = 1 << D
    r = tl.arange(0, RADIX)
    kk = tl.arange(0, BK)
    bits = tl.zeros((1, ), tl.int64)
    for p in tl.static_range(PASSES):
        some = tl.zeros((BK, ), tl.int32)
        for k0 in range(0, K, BK):
            k = k0 + kk
            c = tl.load(totals + (p * K + k)[:, None] * RADIX + r[None, :], mask=(k < K)[:, None], other=0)
            some = some | ((tl.max(c, 1) < N) & (k < K)).to(tl.int32)
        bits = bits | (tl.max(some, 0).to(tl.int64) << p)
    tl.store(need + tl.arange(0, 1), bits)


@triton.jit
def radix_scatter_kernel(dst_v, dst_i, src_v, src_i, table, N, N_OUT, T,
                         kn0, kn1, ss0, ss1, ss2, ds0, ds1, ds2, s_sn, d_sn, shift,
                         K_RANK: tl.constexpr, DESCENDING: tl.constexpr, FLIP: tl.constexpr,
                         FIRST: tl.constexpr, D: tl.constexpr, BLOCK: tl.constexpr, SUB: tl.constexpr,
                         F: tl.constexpr, INT64: tl.constexpr, HAS_IDX: tl.constexpr):
    """One digit pass over tile t of a row, in blocks of SUB (ranked by _rank_in_block, F): src
    (values, and indices unless FIRST: positions) to dst, writing only sorted positions < N_OUT
    (topk through the radix sort). HAS_IDX false: the values alone (dst_i unused)."""
    RADIX: tl.constexpr = 1 << D
    row, t = _row_tile(T, INT64)
    sb = _offset3(row, kn0, kn1, ss0, ss1, ss2, K_RANK)
    db = _offset3(row, kn0, kn1, ds0, ds1, ds2, K_RANK)
    base = tl.load(table + (row * T + t) * RADIX + tl.arange(0, RADIX))
    for s in range(0, BLOCK, SUB):
        j = t * BLOCK + s + tl.arange(0, SUB)
        m = j < N
        v = tl.load(src_v + sb + j * s_sn, mask=m, other=0)
        dest, base = _rank_in_block(_digit(_radix_key(v, DESCENDING), shift, FLIP, D), m, base, RADIX, F)
        if FIRST:
            ii = j
        else:
            ii = tl.load(src_i + sb + j * s_sn, mask=m, other=0)
        om = m & (dest < N_OUT)
        o = db + dest.to(db.dtype) * d_sn
        tl.store(dst_v + o, v, mask=om)
        if HAS_IDX:
            tl.store(dst_i + o, ii.to(dst_i.dtype.element_ty), mask=om)



# Warp ranking (radix_scatter_staged_kernel; CUDA only: inline PTX, which the interpreter
# cannot run). A program is one warp; it walks its tile in rows of 32 elements, element i of a
# row in lane i (a [32] tensor on one warp has no other layout). The running position of each of
# the 256 digits in the tile's own digit order is a counter in shared memory (gf_count, declared
# with the stage below). Per row: peers = the valid lanes with this lane's digit; rank = peers
# before this lane; position = the digit's counter + rank; the first of the peers adds their
# number to the counter. bar.warp.sync orders every lane's read of a counter before the update.
# (Session 13 kept the counters in registers, eight digits a lane, read by shfl and updated from
# the digit-bit ballots: about 100 instructions a row, where this takes about 20 with match.any.)


def _warp_rank_ptx(match_peers, per_warp=False):
    """PTX: $0 = position of the element of digit $1 (valid where $2 != 0) in the tile's digit
    order (per_warp: each warp of the program has counters of its own, 1 KB on from gf_count). The peers by match.any where match_peers, else from the eight digit-bit ballots (lanes
    that agree with this one on every bit): about 34 more instructions a row, but match.any slows
    with each distinct digit in the row (H200, bench/radix_next_probe.py --peers: 16M bf16 randn
    sorted 53 us faster with the ballots in the first pass, 26 us slower in the last)."""
    if match_peers:
        peers = "match.any.sync.b32 %gkpe, $1, -1;\nand.b32 %gkpe, %gkpe, %gkvm;\n"
    else:
        peers = "".join(f"and.b32 %gkt, $1, {1 << b}; setp.ne.u32 %gkl, %gkt, 0; "
                        f"vote.sync.ballot.b32 %gkk{b}, %gkl, -1;\n" for b in range(8))
        peers += "mov.b32 %gkpe, %gkvm;\n" + "".join(
            f"bfe.s32 %gkt, $1, {b}, 1; xor.b32 %gkt, %gkt, %gkk{b}; not.b32 %gkt, %gkt; "
            f"and.b32 %gkpe, %gkpe, %gkt;\n" for b in range(8))
    return """{
.reg .pred %gkp, %gkl;
.reg .b32 %gkvm, %gkpe, %gkt, %gkb, %gkrk, %gka, %gkk<8>;
setp.ne.u32 %gkp, $2, 0;
vote.sync.ballot.b32 %gkvm, %gkp, -1;
""" + peers + """mov.u32 %gkt, %lanemask_lt;
and.b32 %gkt, %gkpe, %gkt;
popc.b32 %gkrk, %gkt;
setp.eq.and.u32 %gkl, %gkt, 0, %gkp;
mov.u32 %gka, gf_count;
""" + ("mov.u32 %gkt, %tid.x;\nshr.u32 %gkt, %gkt, 5;\nmad.lo.u32 %gka, %gkt, 1024, %gka;\n" if per_warp else "") + """\
mad.lo.u32 %gka, $1, 4, %gka;
bar.warp.sync -1;
ld.shared.u32 %gkb, [%gka];
bar.warp.sync -1;
popc.b32 %gkt, %gkpe;
add.s32 %gkt, %gkb, %gkt;
@%gkl st.shared.u32 [%gka], %gkt;
add.s32 $0, %gkb, %gkrk;
}"""  # ($0 written last: an output may share a register with an input)


_WARP_RANK_PTX = tl.constexpr({int(m) + 2 * int(w): _warp_rank_ptx(m, w) for m in (False, True) for w in (False, True)})
# gf_count[d] = the digit's local start, gf_count[256 + d] = its output start minus that
_COUNT_INIT_PTX = tl.constexpr("""{
.reg .u32 %gka;
mov.u32 %gka, gf_count;
mad.lo.u32 %gka, $1, 4, %gka;
bar.warp.sync -1;
st.shared.u32 [%gka], $2;
st.shared.u32 [%gka+1024], $3;
mov.u32 $0, 0;
}""")
_OUTPUT_SHIFT_PTX = tl.constexpr("""{
.reg .u32 %gka;
mov.u32 %gka, gf_count;
mad.lo.u32 %gka, $1, 4, %gka;
ld.shared.u32 $0, [%gka+1024];
}""")


@triton.jit
def _warp_rank(d, valid, MATCH_PEERS: tl.constexpr, PER_WARP: tl.constexpr = False):
    """d: a row's 8-bit digits, one a lane (of each warp). Each element's position among the
    tile's digits (PER_WARP: by its warp's counters)."""
    return tl.inline_asm_elementwise(_WARP_RANK_PTX[MATCH_PEERS * 1 + PER_WARP * 2], "=r,r,r", [d, valid],
                                     dtype=tl.int32, is_pure=False, pack=1)


@triton.jit
def _warp_row_load(src_v, src_i, sb, s_sn, j, end, FIRST: tl.constexpr, first_pos=0):
    """Values at j (< end) and their indices: from src_i, or (FIRST) their positions, counted from
    first_pos."""
    m = j < end
    v = tl.load(src_v + sb + j * s_sn, mask=m, other=0)
    if FIRST:
        ii = j - first_pos
    else:
        ii = tl.load(src_i + sb + j * s_sn, mask=m, other=0)
    return v, ii


# Staged scatter: a tile's elements first go to shared memory in the tile's own digit order
# (positions from _warp_rank with the tile's local digit starts), then leave it in that order,
# so consecutive lanes write consecutive addresses of one digit's run instead of 32 scattered
# digits a row. Triton has no indexed shared-memory store: the stage is a .shared array declared
# in inline PTX (static shared memory, which the driver adds to the launch), stored and loaded
# by address; bar.warp.sync orders one lane's stores before another lane's loads. The PTX by
# value width (bytes, VB), tile (BLOCK) and index width (IB) in constexpr tables, indexed in the
# kernel by a constexpr key (_stage_key).


def stage_bytes(vb, block, ib=4):
    """Shared memory of a program's stage: BLOCK values of vb bytes, then BLOCK indices of ib
    bytes (4: int32; 2: a first pass's positions in the tile; 0: the values alone); and the 2 KB
    of the digits' counters (gf_count)."""
    return block * (vb + ib) + 2048


# The stage's PTX strings are keyed by (vb, block, ib): vb * 8192 + block + (4 - ib) * _IB_KEY
# (int32 indices: vb * 8192 + block).
_IB_KEY_INT = 1 << 17
_IB_KEY = tl.constexpr(_IB_KEY_INT)


def _stage_key(vb, block, ib=4):
    return vb * 8192 + block + (4 - ib) * _IB_KEY_INT


# (VB, BLOCK, IB) whose stage fits the 48 KB of static shared memory a kernel may declare
_STAGE_KEYS = [(vb, block, ib) for vb in (1, 2, 4, 8) for block in (512, 1024, 2048, 4096)
               for ib in (4, 2, 0) if stage_bytes(vb, block, ib) <= 48 * 1024]


_STAGE_DECL = tl.constexpr({_stage_key(vb, b, x): f".shared .align 16 .b8 gf_stage[{stage_bytes(vb, b, x) - 2048}];\n"
                            ".shared .align 16 .b8 gf_count[2048];\nmov.u32 $0, $1;"
                            for vb, b, x in _STAGE_KEYS})
_STAGE_STORE = tl.constexpr({_stage_key(vb, b, x): f"""{{
.reg .pred %gsp;
.reg .u32 %gsa, %gsb;
bar.warp.sync -1;
setp.ne.u32 %gsp, $4, 0;
mov.u32 %gsa, gf_stage;
mad.lo.u32 %gsb, $1, {vb}, %gsa;
@%gsp st.shared.b{8 * vb} [%gsb], $2;
""" + (f"""mad.lo.u32 %gsb, $1, {x}, %gsa;
@%gsp st.shared.b{8 * x} [%gsb+{b * vb}], $3;
""" if x else "") + """mov.u32 $0, 0;
}""" for vb, b, x in _STAGE_KEYS})
_STAGE_STORE_CONSTRAINTS = tl.constexpr({vb: "=r,r,l,r,r" if vb == 8 else "=r,r,r,r,r" for vb in (1, 2, 4, 8)})
_STAGE_LOAD = tl.constexpr({_stage_key(vb, b, x): f"""{{
.reg .u32 %gsa, %gsb;
bar.warp.sync -1;
mov.u32 %gsa, gf_stage;
mad.lo.u32 %gsb, $2, {vb}, %gsa;
ld.shared.b{8 * vb} $0, [%gsb];
""" + (f"""mad.lo.u32 %gsb, $2, {x}, %gsa;
ld.shared.u{8 * x} $1, [%gsb+{b * vb}];
""" if x else "mov.u32 $1, 0;\n") + "}" for vb, b, x in _STAGE_KEYS})

@triton.jit
def _to_bits(v, VB: tl.constexpr):
    """v's bits in an integer of 32 bits (64 for 8-byte values), for the stage."""
    if VB == 8:
        return v.to(tl.int64, bitcast=True)
    elif VB == 4:
        return v.to(tl.int32, bitcast=True)
    elif VB == 2:
        return v.to(tl.int16, bitcast=True).to(tl.int32)
    else:
        return v.to(tl.int32)  # bool, int8, uint8: the store keeps the low byte


@triton.jit
def _from_bits(b, dtype: tl.constexpr, VB: tl.constexpr):
    if dtype == tl.int1:
        return b != 0
    elif VB == 8 or VB == 4:
        return b.to(dtype, bitcast=True)
    elif VB == 2:
        return b.to(tl.int16).to(dtype, bitcast=True)
    else:
        return b.to(dtype)  # int8 / uint8: truncation keeps the byte


@triton.jit
def _stage_store(pos, bits, idx, valid, VB: tl.constexpr, BLOCK: tl.constexpr, IB: tl.constexpr = 4):
    return tl.inline_asm_elementwise(_STAGE_STORE[VB * 8192 + BLOCK + (4 - IB) * _IB_KEY],
                                     _STAGE_STORE_CONSTRAINTS[VB], [pos, bits, idx, valid], dtype=tl.int32,
                                     is_pure=False, pack=1)


@triton.jit
def _stage_load(pos, VB: tl.constexpr, BLOCK: tl.constexpr, IB: tl.constexpr = 4):
    """(value bits, index) at stage position pos (index 0 in a stage without indices)."""
    if VB == 8:
        return tl.inline_asm_elementwise(_STAGE_LOAD[VB * 8192 + BLOCK + (4 - IB) * _IB_KEY], "=l,=r,r", [pos],
                                         dtype=(tl.int64, tl.int32), is_pure=False, pack=1)
    else:
        return tl.inline_asm_elementwise(_STAGE_LOAD[VB * 8192 + BLOCK + (4 - IB) * _IB_KEY], "=r,=r,r", [pos],
                                         dtype=(tl.int32, tl.int32), is_pure=False, pack=1)


@triton.jit
def _warp_group_load(src_v, src_i, sb, s_sn, j, end, FIRST: tl.constexpr, first_pos):
    """Four rows' values and indices from j (a tuple: v0, i0, ..., v3, i3)."""
    v0, i0 = _warp_row_load(src_v, src_i, sb, s_sn, j, end, FIRST, first_pos)
    v1, i1 = _warp_row_load(src_v, src_i, sb, s_sn, j + 32, end, FIRST, first_pos)
    v2, i2 = _warp_row_load(src_v, src_i, sb, s_sn, j + 64, end, FIRST, first_pos)
    v3, i3 = _warp_row_load(src_v, src_i, sb, s_sn, j + 96, end, FIRST, first_pos)
    return v0, i0, v1, i1, v2, i2, v3, i3


@triton.jit
def _warp_group_stage(g, j, end, shift, DESCENDING: tl.constexpr, FLIP: tl.constexpr,
                      VB: tl.constexpr, BLOCK: tl.constexpr, MATCH_PEERS: tl.constexpr, IB: tl.constexpr):
    _warp_row_stage(g[0], g[1], j, end, shift, DESCENDING, FLIP, VB, BLOCK, MATCH_PEERS, False, IB)
    _warp_row_stage(g[2], g[3], j + 32, end, shift, DESCENDING, FLIP, VB, BLOCK, MATCH_PEERS, False, IB)
    _warp_row_stage(g[4], g[5], j + 64, end, shift, DESCENDING, FLIP, VB, BLOCK, MATCH_PEERS, False, IB)
    _warp_row_stage(g[6], g[7], j + 96, end, shift, DESCENDING, FLIP, VB, BLOCK, MATCH_PEERS, False, IB)


@triton.jit
def _warp_row_stage(v, ii, j, end, shift, DESCENDING: tl.constexpr, FLIP: tl.constexpr,
                    VB: tl.constexpr, BLOCK: tl.constexpr, MATCH_PEERS: tl.constexpr, PER_WARP: tl.constexpr = False,
                    IB: tl.constexpr = 4):
    """Ranks one row (lanes j < end) among the tile's digits and stores it to the stage (PER_WARP:
    a row of 32 in each warp, ranked by the warp's counters)."""
    m = j < end
    d = _digit(_radix_key(v, DESCENDING), shift, FLIP, 8)
    pos = _warp_rank(d, m.to(tl.int32), MATCH_PEERS, PER_WARP)
    _stage_store(pos, _to_bits(v, VB), ii.to(tl.int32), m.to(tl.int32), VB, BLOCK, IB)


@triton.jit
def _tile_counts(table, row, t, T, N, d):
    """Where the elements of digits d in tile t start in the output, and how many there are: the
    next tile's start of the digit minus this tile's, where the next of the last tile is digit
    d + 1's start in the row (N for 255)."""
    tb = table + (row * T + t) * 256
    here = tl.load(tb + d)
    last = t + 1 == T
    nxt = tl.load(tb + 256 + d, mask=(d >= 0) & (not last), other=0)  # (d >= 0: the mask as a tensor)
    nxt_row = tl.load(table + row * T * 256 + d + 1, mask=last & (d < 255), other=N)
    return here, tl.where(last, nxt_row, nxt) - here


@triton.jit
def _warp_tile_rank(src_v, src_i, sb, s_sn, start, end, shift, DESCENDING: tl.constexpr, FLIP: tl.constexpr,
                    FIRST: tl.constexpr, VB: tl.constexpr, BLOCK: tl.constexpr, MATCH_PEERS: tl.constexpr,
                    IB: tl.constexpr = 4):
    """Ranks elements [start, end) of a source row into the stage (gf_count holds the digits'
    local starts), in groups of four rows of 32; the next group's loads are in flight while one
    is ranked. FIRST: the indices staged are positions counted from start."""
    j = start + tl.arange(0, 32)
    g = _warp_group_load(src_v, src_i, sb, s_sn, j, end, FIRST, start)
    for s in range(start, end, 128):
        g_next = _warp_group_load(src_v, src_i, sb, s_sn, j + 128, end, FIRST, start)
        _warp_group_stage(g, j, end, shift, DESCENDING, FLIP, VB, BLOCK, MATCH_PEERS, IB)
        g = g_next
        j += 128


@triton.jit
def _row_offsets(row, kn0, kn1, as0, as1, as2, bs0, bs1, bs2, K_RANK: tl.constexpr, INT64: tl.constexpr):
    """Row number `row` (int64 when INT64) and its offsets in two tensors of the rows' strides."""
    if INT64:
        row = row.to(tl.int64)
    return row, _offset3(row, kn0, kn1, as0, as1, as2, K_RANK), _offset3(row, kn0, kn1, bs0, bs1, bs2, K_RANK)


@triton.jit
def _scatter_tile(tile, T, kn0, kn1, ss0, ss1, ss2, ds0, ds1, ds2, K_RANK: tl.constexpr, INT64: tl.constexpr):
    """A scatter program's tile (T a row): its row, its number in the row, and the row's offsets
    in the source and the destination."""
    if INT64:
        tile = tile.to(tl.int64)
    row, sb, db = _row_offsets(tile // T, kn0, kn1, ss0, ss1, ss2, ds0, ds1, ds2, K_RANK, INT64)
    return row, tile % T, sb, db


@triton.jit
def _scatter_store(dst_v, dst_i, db, d_sn, dest, v, ii, m, N_OUT, start, FIRST: tl.constexpr, HAS_IDX: tl.constexpr):
    """Writes values v (lanes m) at sorted positions dest below N_OUT of the destination row, and
    their indices ii unless HAS_IDX is false (FIRST: ii are positions counted from start)."""
    om = m & (dest < N_OUT)
    o = db + dest.to(db.dtype) * d_sn
    tl.store(dst_v + o, v, mask=om)
    if HAS_IDX:
        if FIRST:
            ii = ii + start
        tl.store(dst_i + o, ii.to(dst_i.dtype.element_ty), mask=om)


@triton.jit
def radix_scatter_staged_kernel(dst_v, dst_i, src_v, src_i, table, N, N_OUT, T, TILES,
                                kn0, kn1, ss0, ss1, ss2, ds0, ds1, ds2, s_sn, d_sn, shift,
                                K_RANK: tl.constexpr, DESCENDING: tl.constexpr,
                                FLIP: tl.constexpr, FIRST: tl.constexpr, BLOCK: tl.constexpr, VB: tl.constexpr,
                                MATCH_PEERS: tl.constexpr, INT64: tl.constexpr, HAS_IDX: tl.constexpr):
    """radix_scatter_kernel for 8-bit digits and int32 positions on CUDA (VB: bytes a value).
    One warp a program (num_warps = 1); the programs walk the TILES tiles (of all rows) in turn,
    so the tiles in flight are neighbours and their writes of a digit fall in one stretch of the
    output. Per tile: the digit counts from the table give the counters (local starts, and
    output starts minus them); the rows ranked by _warp_rank into the stage (the next group of
    four rows' loads issued before a group is ranked); then the stage written out in order,
    position p of digit d to p + the digit's output start - its local start. MATCH_PEERS:
    _warp_rank_ptx's choice of how to find a digit's lanes. The stage's indices (IB bytes): int32,
    or in a FIRST pass the 16-bit positions in the tile (more programs an SM: 2-byte values 11
    instead of 8, scatter 171.8 -> 165.6 us a pass on 16M bf16, H200); HAS_IDX false: the values
    alone, in a stage without indices, no index read or written. The host runs it for 8-byte
    keys; radix_scatter_4w_kernel, faster, takes keys of up to 4 bytes. (Loading two groups ahead
    instead of one measured no faster: H200, bench/results/2026-11-27-h200-session15-sort.txt.)"""
    IB: tl.constexpr = HAS_IDX * (4 - 2 * FIRST)
    lane = tl.arange(0, 32)
    digits = tl.arange(0, 256)
    tl.inline_asm_elementwise(_STAGE_DECL[VB * 8192 + BLOCK + (4 - IB) * _IB_KEY], "=r,r", [lane],
                              dtype=tl.int32, is_pure=False, pack=1)
    for tile in range(tl.program_id(0), TILES, tl.num_programs(0)):
        row, t, sb, db = _scatter_tile(tile, T, kn0, kn1, ss0, ss1, ss2, ds0, ds1, ds2, K_RANK, INT64)
        out_start, count = _tile_counts(table, row, t, T, N, digits)
        local_start = tl.cumsum(count, 0) - count
        tl.inline_asm_elementwise(_COUNT_INIT_PTX, "=r,r,r,r", [digits, local_start, out_start - local_start],
                                  dtype=tl.int32, is_pure=False, pack=1)
        start = t * BLOCK
        end = tl.minimum(N, start + BLOCK)
        _warp_tile_rank(src_v, src_i, sb, s_sn, start, end, shift, DESCENDING, FLIP, FIRST, VB, BLOCK, MATCH_PEERS,
                        IB)
        for p0 in range(0, end - start, 32):
            p = p0 + lane
            m = p < end - start
            bits, ii = _stage_load(p, VB, BLOCK, IB)
            v = _from_bits(bits, dst_v.dtype.element_ty, VB)
            d = _digit(_radix_key(v, DESCENDING), shift, FLIP, 8)
            dest = tl.inline_asm_elementwise(_OUTPUT_SHIFT_PTX, "=r,r", [d], dtype=tl.int32, is_pure=False, pack=1) + p
            _scatter_store(dst_v, dst_i, db, d_sn, dest, v, ii, m, N_OUT, start, FIRST, HAS_IDX)


@triton.jit
def radix_rows_kernel(out_v, out_i, ws_v, ws_i, x, K, N, N_OUT,
                      kn0, kn1, xs0, xs1, xs2, os0, os1, os2, x_sn, o_sn,
                      K_RANK: tl.constexpr, DESCENDING: tl.constexpr, SIGNED: tl.constexpr,
                      BLOCK: tl.constexpr, VB: tl.constexpr, INT64: tl.constexpr):
    """Sorts rows of at most BLOCK elements on CUDA, one warp a row (the programs walk the rows
    in turn), all VB digit passes of 8 bits in this one launch. A row is its own only tile, so
    no table is needed: one read of the row counts every pass's digits (a lane-atomic histogram
    a pass), and pass p's counters start at the prefix sums of its histogram. Each pass ranks the
    row into the stage (_warp_rank) and writes the stage out in order, as it is: to the row's
    workspace (values, int32 indices), which the next pass reads back, and in the last pass to
    out_v / out_i (the first N_OUT). Match.any finds the peers in the last pass only, as in
    radix_sort (scan_sort.cpp match_peers)."""
    PASSES: tl.constexpr = VB
    lane = tl.arange(0, 32)
    digits = tl.arange(0, 256)
    tl.inline_asm_elementwise(_STAGE_DECL[VB * 8192 + BLOCK], "=r,r", [lane], dtype=tl.int32, is_pure=False, pack=1)
    _lane_hist_declare(PASSES)
    for row in range(tl.program_id(0), K, tl.num_programs(0)):
        row, xb, ob = _row_offsets(row, kn0, kn1, xs0, xs1, xs2, os0, os1, os2, K_RANK, INT64)
        wb = row * N
        _lane_hist_zero(PASSES)
        for s in range(0, N, 512):  # (16 loads a lane in flight: one row of 32 at a time waits on each)
            j = s + tl.arange(0, 512)
            m = j < N
            key = _radix_key(tl.load(x + xb + j * x_sn, mask=m, other=0), DESCENDING)
            for p in tl.static_range(PASSES):
                _lane_hist_add(_digit(key, 8 * p, SIGNED and p == PASSES - 1, 8) + 256 * p, m)
        for p in tl.static_range(PASSES):
            count = _lane_hist_read(1, p)
            tl.inline_asm_elementwise(_COUNT_INIT_PTX, "=r,r,r,r", [digits, tl.cumsum(count, 0) - count, digits * 0],
                                      dtype=tl.int32, is_pure=False, pack=1)
            if p == 0:
                _warp_tile_rank(x, x, xb, x_sn, 0, N, 0, DESCENDING, SIGNED and PASSES == 1, True, VB, BLOCK,
                                PASSES == 1)
            else:
                _warp_tile_rank(ws_v, ws_i, wb, 1, 0, N, 8 * p, DESCENDING, SIGNED and p == PASSES - 1, False, VB,
                                BLOCK, p == PASSES - 1)
            for q0 in range(0, N, 32):
                _rows_stage_out(q0 + lane, out_v, out_i, ws_v, ws_i, wb, ob, o_sn, N, N_OUT, p == PASSES - 1, VB,
                                BLOCK)
            tl.debug_barrier()  # (the row's writes before the next pass reads them, in other lanes)


@triton.jit
def _rows_stage_out(q, out_v, out_i, ws_v, ws_i, wb, ob, o_sn, N, N_OUT, LAST: tl.constexpr, VB: tl.constexpr,
                    BLOCK: tl.constexpr):
    """Writes stage positions q of a row out, as they are: to the output (LAST: positions < N_OUT)
    or to the row's workspace. Returns their values."""
    bits, ii = _stage_load(q, VB, BLOCK)
    v = _from_bits(bits, ws_v.dtype.element_ty, VB)
    if LAST:
        om = q < N_OUT
        o = ob + q.to(ob.dtype) * o_sn
        tl.store(out_v + o, v, mask=om)
        tl.store(out_i + o, ii.to(out_i.dtype.element_ty), mask=om)
    else:
        m = q < N
        tl.store(ws_v + wb + q, v, mask=m)
        tl.store(ws_i + wb + q, ii, mask=m)
    return v


# radix_rows_4w_kernel: radix_rows_kernel with four warps a row, for long rows or few rows (one
# warp's walk of a row bounds the one-warp kernel: fp32 4096x4096 took 637 us against torch's
# 537, and 398 with four warps; H200, bench/results/2026-11-27-h200-session16.txt; the choice is
# scan_sort.cpp's row_plan). Warp w
# ranks the row's quarter w (positions [w Q, (w + 1) Q)) with counters of its own, which start
# digit d at the row's start of d plus the counts of d in the quarters before w; the warps then
# write the stage out together, as it is. The (quarter, digit) counts come from a lane-atomic
# histogram: pass 0's from one read of the row, pass p + 1's while pass p writes out (two buffers).


def rows_4w_bytes(vb, block, ib=4):
    """Static shared memory of a radix_rows_4w_kernel / radix_scatter_4w_kernel program: the stage
    (indices of ib bytes, as stage_bytes), four warps' counters (gf_count, 1 KB each) and two
    buffers of (quarter, digit) counts (gf_hist, 4 KB each)."""
    return block * (vb + ib) + 4096 + 8192


_ROWS4_DECL = tl.constexpr({_stage_key(vb, b, ib): f".shared .align 16 .b8 gf_stage[{b * (vb + ib)}];\n"
                            ".shared .align 16 .b8 gf_count[4096];\n"
                            ".shared .align 16 .b8 gf_hist[8192];\nmov.u32 $0, $1;"
                            for vb in (1, 2, 4) for b in (512, 1024, 2048, 4096) for ib in (4, 2, 0)
                            if rows_4w_bytes(vb, b, ib) <= 48 * 1024})
_ROWS4_SET = tl.constexpr({k: f"""{{
.reg .u32 %gka;
mov.u32 %gka, {a};
mad.lo.u32 %gka, $1, 4, %gka;
st.shared.u32 [%gka], $2;
mov.u32 $0, 0;
}}""" for k, a in enumerate(("gf_count", "gf_hist"))})  # word $1 of gf_count (0) or gf_hist (1) = $2
_ROWS4_HIST_ADD = tl.constexpr("""{
.reg .pred %ghp;
.reg .u32 %gha;
setp.ne.u32 %ghp, $2, 0;
mov.u32 %gha, gf_hist;
mad.lo.u32 %gha, $1, 4, %gha;
@%ghp red.shared.add.u32 [%gha], 1;
mov.u32 $0, 0;
}""")  # gf_hist word $1 += 1 where $2


@triton.jit
def _rows4_set(ARRAY: tl.constexpr, word, value):
    tl.inline_asm_elementwise(_ROWS4_SET[ARRAY], "=r,r,r", [word, value], dtype=tl.int32, is_pure=False, pack=1)


@triton.jit
def _rows4_hist_add(word, m):
    tl.inline_asm_elementwise(_ROWS4_HIST_ADD, "=r,r,r", [word, m.to(tl.int32)], dtype=tl.int32, is_pure=False,
                              pack=1)


@triton.jit
def _quarters_rank(src_v, src_i, sb, s_sn, Q, N, shift, DESCENDING: tl.constexpr, FLIP: tl.constexpr,
                   FIRST: tl.constexpr, VB: tl.constexpr, BLOCK: tl.constexpr, MATCH_PEERS: tl.constexpr, start=0,
                   IB: tl.constexpr = 4):
    """Warp w ranks positions start + [w Q, (w + 1) Q) (below N) of a source row into the stage
    (indices of IB bytes; FIRST: positions counted from start), two rows of 32 at a time, the
    next two's loads in flight while two are ranked (element i of the [128] tensors is thread i:
    warp i // 32, lane i % 32)."""
    i = tl.arange(0, 128)
    j = start + (i // 32) * Q + i % 32
    v0, i0 = _warp_row_load(src_v, src_i, sb, s_sn, j, N, FIRST, start)
    v1, i1 = _warp_row_load(src_v, src_i, sb, s_sn, j + 32, N, FIRST, start)
    for r in range(0, Q, 64):
        n0, m0 = _warp_row_load(src_v, src_i, sb, s_sn, j + 64, N, FIRST, start)
        n1, m1 = _warp_row_load(src_v, src_i, sb, s_sn, j + 96, N, FIRST, start)
        _warp_row_stage(v0, i0, j, N, shift, DESCENDING, FLIP, VB, BLOCK, MATCH_PEERS, True, IB)
        _warp_row_stage(v1, i1, j + 32, N, shift, DESCENDING, FLIP, VB, BLOCK, MATCH_PEERS, True, IB)
        v0, i0, v1, i1 = n0, m0, n1, m1
        j += 64


@triton.jit
def radix_rows_4w_kernel(out_v, out_i, ws_v, ws_i, x, K, N, N_OUT, Q,
                         kn0, kn1, xs0, xs1, xs2, os0, os1, os2, x_sn, o_sn,
                         K_RANK: tl.constexpr, DESCENDING: tl.constexpr, SIGNED: tl.constexpr,
                         BLOCK: tl.constexpr, VB: tl.constexpr, INT64: tl.constexpr):
    """radix_rows_kernel (the same arguments, and Q: a quarter of the row rounded up to 64) with
    four warps a row (num_warps = 4)."""
    PASSES: tl.constexpr = VB
    i = tl.arange(0, 128)
    e = tl.arange(0, 1024)  # (quarter, digit) words
    tl.inline_asm_elementwise(_ROWS4_DECL[VB * 8192 + BLOCK], "=r,r", [tl.zeros([1], tl.int32)], dtype=tl.int32,
                              is_pure=False, pack=1)
    for row in range(tl.program_id(0), K, tl.num_programs(0)):
        row, xb, ob = _row_offsets(row, kn0, kn1, xs0, xs1, xs2, os0, os1, os2, K_RANK, INT64)
        wb = row * N
        _rows4_set(1, tl.arange(0, 2048), tl.zeros([2048], tl.int32))
        tl.debug_barrier()
        for s in range(0, N, 512):  # pass 0's counts: one read of the row
            j = s + tl.arange(0, 512)
            key = _radix_key(tl.load(x + xb + j * x_sn, mask=j < N, other=0), DESCENDING)
            _rows4_hist_add((j // Q) * 256 + _digit(key, 0, SIGNED and PASSES == 1, 8), j < N)
        for p in tl.static_range(PASSES):
            tl.debug_barrier()  # the counts complete
            c = tl.reshape(tl.inline_asm_elementwise(_HIST_READ[1], "=r,r", [(p % 2) * 1024 + e], dtype=tl.int32,
                                                     is_pure=False, pack=1), (4, 256))
            tot = tl.sum(c, 0)
            start = tl.cumsum(c, 0) - c + (tl.cumsum(tot, 0) - tot)[None, :]
            _rows4_set(0, e, tl.reshape(start, (1024, )))
            if p < PASSES - 1:
                _rows4_set(1, ((p + 1) % 2) * 1024 + e, tl.zeros([1024], tl.int32))
            tl.debug_barrier()  # the counters set (and the stage read out by the previous pass)
            if p == 0:
                _quarters_rank(x, x, xb, x_sn, Q, N, 0, DESCENDING, SIGNED and PASSES == 1, True, VB, BLOCK,
                               PASSES == 1)
            else:
                _quarters_rank(ws_v, ws_i, wb, 1, Q, N, 8 * p, DESCENDING, SIGNED and p == PASSES - 1, False, VB,
                               BLOCK, p == PASSES - 1)
            tl.debug_barrier()  # every warp's stage stores before the write-out
            for q0 in range(0, N, 128):
                q = q0 + i
                v = _rows_stage_out(q, out_v, out_i, ws_v, ws_i, wb, ob, o_sn, N, N_OUT, p == PASSES - 1, VB, BLOCK)
                if p < PASSES - 1:  # the next pass's counts
                    d = _digit(_radix_key(v, DESCENDING), 8 * (p + 1), SIGNED and p + 1 == PASSES - 1, 8)
                    _rows4_hist_add(((p + 1) % 2) * 1024 + (q // Q) * 256 + d, q < N)
            tl.debug_barrier()  # the row's writes before the next pass reads them (in other warps)


@triton.jit
def radix_scatter_4w_kernel(dst_v, dst_i, src_v, src_i, table, N, N_OUT, T, TILES,
                            kn0, kn1, ss0, ss1, ss2, ds0, ds1, ds2, s_sn, d_sn, shift,
                            K_RANK: tl.constexpr, DESCENDING: tl.constexpr, FLIP: tl.constexpr,
                            FIRST: tl.constexpr, BLOCK: tl.constexpr, VB: tl.constexpr,
                            MATCH_PEERS: tl.constexpr, INT64: tl.constexpr, HAS_IDX: tl.constexpr):
    """radix_scatter_staged_kernel (the same arguments and stage formats) with four warps a tile
    (num_warps = 4), as radix_rows_4w_kernel ranks a row: one read of the tile counts its digits
    by quarter (gf_hist), warp w ranks quarter w with counters of its own (gf_count: the digit's
    start in the tile plus its count in the quarters before), and the four warps write the stage
    out, position q of digit d to q + the digit's output start (the table) - its start in the
    tile (kept in gf_hist's second 1 KB). Four warps share one stage: 24 warps an SM for 2-byte
    keys where the one-warp kernel runs 8-11 (H200, 16M, A/B in one call: bf16 160.8 -> 144.7 us
    a pass, fp32 234.5 -> 201.1; CUB's onesweep 157 / 166 with int64 values). The stage's indices
    as the one-warp kernel's (IB): a FIRST pass's 16-bit positions (then 142.2 / 196.6 us a pass,
    another call), or none for the values alone."""
    Q: tl.constexpr = BLOCK // 4
    IB: tl.constexpr = HAS_IDX * (4 - 2 * FIRST)
    i = tl.arange(0, 128)
    e = tl.arange(0, 1024)  # (quarter, digit) words
    digits = tl.arange(0, 256)
    tl.inline_asm_elementwise(_ROWS4_DECL[VB * 8192 + BLOCK + (4 - IB) * _IB_KEY], "=r,r", [tl.zeros([1], tl.int32)],
                              dtype=tl.int32, is_pure=False, pack=1)
    for tile in range(tl.program_id(0), TILES, tl.num_programs(0)):
        row, t, sb, db = _scatter_tile(tile, T, kn0, kn1, ss0, ss1, ss2, ds0, ds1, ds2, K_RANK, INT64)
        start = t * BLOCK
        end = tl.minimum(N, start + BLOCK)
        _rows4_set(1, e, tl.zeros([1024], tl.int32))
        tl.debug_barrier()  # (the counts zeroed, and the previous tile's stage written out)
        for s in range(0, BLOCK, 512):
            j = start + s + tl.arange(0, 512)
            key = _radix_key(tl.load(src_v + sb + j * s_sn, mask=j < end, other=0), DESCENDING)
            _rows4_hist_add(((j - start) // Q) * 256 + _digit(key, shift, FLIP, 8), j < end)
        tl.debug_barrier()  # the counts complete
        c = tl.reshape(tl.inline_asm_elementwise(_HIST_READ[1], "=r,r", [e], dtype=tl.int32, is_pure=False, pack=1),
                       (4, 256))
        tot = tl.sum(c, 0)
        local = tl.cumsum(tot, 0) - tot  # the digits' starts in the tile's stage
        _rows4_set(0, e, tl.reshape(tl.cumsum(c, 0) - c + local[None, :], (1024, )))
        out_start = tl.load(table + (row * T + t) * 256 + digits)
        _rows4_set(1, 1024 + digits, out_start - local)
        tl.debug_barrier()  # the counters and output shifts set
        _quarters_rank(src_v, src_i, sb, s_sn, Q, end, shift, DESCENDING, FLIP, FIRST, VB, BLOCK, MATCH_PEERS, start,
                       IB)
        tl.debug_barrier()  # every warp's stage stores before the write-out
        for q0 in range(0, end - start, 128):
            q = q0 + i
            bits, ii = _stage_load(q, VB, BLOCK, IB)
            v = _from_bits(bits, dst_v.dtype.element_ty, VB)
            d = _digit(_radix_key(v, DESCENDING), shift, FLIP, 8)
            dest = tl.inline_asm_elementwise(_HIST_READ[1], "=r,r", [1024 + d], dtype=tl.int32, is_pure=False,
                                             pack=1) + q
            _scatter_store(dst_v, dst_i, db, d_sn, dest, v, ii, q < end - start, N_OUT, start, FIRST, HAS_IDX)


# ---------------------------------------------------------------- merge sort (rows up to 4096)
#
# merge_chunk_kernel sorts chunks of CHUNK elements of every row with the bitonic network on packed
# words (key << IB | index: all distinct, so one compare orders by key, then index: stable) and
# writes them to a dense workspace row. merge_pass_kernel then merges neighbouring sorted runs A, B
# (A first) of RUN words into runs of 2 RUN, every word on its own: it lands at its position in its
# run plus the number of the other run's words below it (a binary search of the other run). The
# last pass writes values (read back through the index) and indices.


@triton.jit
def _merge_word(raw, j, WORD32: tl.constexpr, DESCENDING: tl.constexpr):
    """The packed word of value raw at row position j (< 65536): int32 (key << 16 | j) for keys of
    at most 16 bits, else int64 (key << 32 | j); _radix_key orders as a signed integer either way."""
    if WORD32:
        return (_radix_key(raw, DESCENDING) << 16) | j
    else:
        return (_radix_key(raw, DESCENDING).to(tl.int64) << 32) | j.to(tl.int64)


@triton.jit
def merge_chunk_kernel(words, x, K, N, NCH, kn0, kn1, xs0, xs1, xs2, x_sn,
                       K_RANK: tl.constexpr, DESCENDING: tl.constexpr, WORD32: tl.constexpr,
                       CHUNK: tl.constexpr, LOG_C: tl.constexpr, INT64: tl.constexpr):
    """Program (row, c) sorts positions [c * CHUNK, (c + 1) * CHUNK) of the row (N > CHUNK) into
    the same positions of the row's dense words (words + row * N)."""
    row, c = _row_tile(NCH, INT64)
    j = c.to(tl.int32) * CHUNK + tl.arange(0, CHUNK)
    m = j < N
    xb = _offset3(row, kn0, kn1, xs0, xs1, xs2, K_RANK)
    w = _merge_word(tl.load(x + xb + j.to(xb.dtype) * x_sn, mask=m, other=0), j, WORD32, DESCENDING)
    # positions past the row sort last, and are not written
    if WORD32:
        w = tl.where(m, w, 0x7FFFFFFF)
    else:
        w = tl.where(m, w, 0x7FFFFFFFFFFFFFFF)
    w = tl.reshape(_bitonic_sort_packed(tl.reshape(w, [2] * LOG_C), LOG_C, LOG_C), (CHUNK, ))
    tl.store(words + row * N + j, w, mask=m)


@triton.jit
def merge_pass_kernel(dst, values, indices, src, x, K, N, N_OUT, T,
                      kn0, kn1, xs0, xs1, xs2, os0, os1, os2, x_sn, o_sn,
                      K_RANK: tl.constexpr, RUN: tl.constexpr, LOG_RUN: tl.constexpr, BLOCK: tl.constexpr,
                      LAST: tl.constexpr, WORD32: tl.constexpr, INT64: tl.constexpr):
    """Program (row, t) places words [t * BLOCK, (t + 1) * BLOCK) of the row's sorted runs of RUN
    (src + row * N) in the merged runs of 2 RUN: into dst, or (LAST: one run is the whole row) as
    values and indices, sorted positions < N_OUT only."""
    row, t = _row_tile(T, INT64)
    j = t.to(tl.int32) * BLOCK + tl.arange(0, BLOCK)
    m = j < N
    s = src + row * N
    w = tl.load(s + j, mask=m, other=0)
    run = j // RUN
    other = (run ^ 1) * RUN          # where the other run of the pair starts
    olen = tl.minimum(tl.maximum(N - other, 0), RUN)
    # below = how many of the other run's words are < w (binary lifting: steps RUN, RUN / 2, .., 1)
    below = tl.zeros((BLOCK, ), tl.int32)
    for b in tl.static_range(LOG_RUN + 1):
        cand = below + (RUN >> b)
        ok = m & (cand <= olen)
        v = tl.load(s + other + cand - 1, mask=ok, other=0)
        below = tl.where(ok & (v < w), cand, below)
    dest = (run & ~1) * RUN + (j % RUN) + below
    if LAST:
        idx = (w & 0xFFFF).to(tl.int32)  # rows of < 65536 in either word
        om = m & (dest < N_OUT)
        xb = _offset3(row, kn0, kn1, xs0, xs1, xs2, K_RANK)
        ob = _offset3(row, kn0, kn1, os0, os1, os2, K_RANK)
        v = tl.load(x + xb + idx.to(xb.dtype) * x_sn, mask=om, other=0)
        o = ob + dest.to(ob.dtype) * o_sn
        tl.store(values + o, v, mask=om)
        tl.store(indices + o, idx.to(indices.dtype.element_ty), mask=om)
    else:
        tl.store(dst + row * N + dest, w, mask=m)


# ---------------------------------------------------------------- unique


@triton.jit
def _run_starts(v, i, m, KEY: tl.constexpr):
    """Where v[i] starts a run of equal values (NaN equals nothing, as ATen's ==), and v[i]."""
    x = tl.load(v + i, mask=m, other=0)
    b = _to_acc(tl.load(v + i - 1, mask=m & (i > 0), other=0), KEY)
    return m & ((i == 0) | (_to_acc(x, KEY) != b)), x


@triton.jit
def unique_flags_kernel(flags, v, N, KEY: tl.constexpr, BLOCK: tl.constexpr):
    """flags[i] = 1 where v[i] starts a run of equal values."""
    i = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    m = i < N
    start, _ = _run_starts(v, i, m, KEY)
    tl.store(flags + i, start.to(flags.dtype.element_ty), mask=m)


# Only the values (no inverse, no counts): runs counted a block at a time, the counts scanned,
# then each block writes its run starts at its offset, so no per-element run number goes
# through memory (16M elements: 64 MB read twice instead of 128 MB of int64 run numbers
# written, scanned and read back).


@triton.jit
def unique_block_runs_kernel(block_runs, v, N, KEY: tl.constexpr, BLOCK: tl.constexpr):
    """block_runs[b] = the runs that start in block b."""
    i = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    start, _ = _run_starts(v, i, i < N, KEY)
    tl.store(block_runs + tl.program_id(0), tl.sum(start.to(tl.int64), 0))


@triton.jit
def unique_compact_kernel(out_v, v, block_runs, N, KEY: tl.constexpr, BLOCK: tl.constexpr):
    """out_v[g] = the first value of run g; block_runs: the inclusive scan of the blocks' runs."""
    b = tl.program_id(0)
    i = b.to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    start, x = _run_starts(v, i, i < N, KEY)
    before = tl.load(block_runs + b - 1, mask=b > 0, other=0)
    g = before + tl.cumsum(start.to(tl.int64), 0) - 1
    tl.store(out_v + g, x, mask=start)


@triton.jit
def unique_scatter_kernel(out_v, inverse, starts, v, perm, ids, N,
                          HAS_PERM: tl.constexpr, HAS_INV: tl.constexpr, HAS_STARTS: tl.constexpr,
                          BLOCK: tl.constexpr):
    """ids: inclusive run numbers (the scan of the flags). The first element of run g gives
    out_v[g] (and starts[g] = its position); inverse[perm[i]] (or [i]) = the run of element i."""
    i = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    m = i < N
    g = tl.load(ids + i, mask=m, other=1) - 1
    first = m & ((i == 0) | (g != tl.load(ids + i - 1, mask=m & (i > 0), other=0) - 1))
    tl.store(out_v + g, tl.load(v + i, mask=first, other=0), mask=first)
    if HAS_STARTS:
        tl.store(starts + g, i, mask=first)
    if HAS_INV:
        if HAS_PERM:
            tl.store(inverse + tl.load(perm + i, mask=m, other=0), g, mask=m)
        else:
            tl.store(inverse + i, g, mask=m)


@triton.jit
def unique_counts_kernel(counts, starts, U, N, BLOCK: tl.constexpr):
    u = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    m = u < U
    nxt = tl.load(starts + u + 1, mask=m & (u + 1 < U), other=N)
    tl.store(counts + u, nxt - tl.load(starts + u, mask=m, other=0), mask=m)


# ---------------------------------------------------------------- unique by hashing
#
# Few distinct values that counting cannot take (floats; integers spread wide), when neither the
# inverse nor the counts are asked for: every element's bits go into an open-addressing table in
# global memory (linear probing; a slot goes from EMPTY to a key once, by compare-and-swap), and
# each program appends the values it inserted to a dense list. The host then sorts and dedupes
# only that list. Once the values are in, an element costs one load of its slot (the table stays
# in L2): no atomics. The kernel gives up (the host then sorts every element) past CAP values, on
# a probe chain of MAX_PROBES slots, on NaN (each NaN is its own unique value) and on a value
# whose bits are EMPTY.


@triton.jit
def _key_bits(v, VB: tl.constexpr):
    """v's bits as a non-negative int64 (zero-extended) for 2- and 4-byte values; 8-byte as they are."""
    if VB == 8:
        return v.to(tl.int64, bitcast=True)
    elif VB == 4:
        return v.to(tl.uint32, bitcast=True).to(tl.int64)
    else:
        tl.static_assert(VB == 2)
        return v.to(tl.uint16, bitcast=True).to(tl.int64)


@triton.jit
def _hash_slot(key, log_slots):
    """A slot of 2^log_slots: murmur3's 32-bit finalizer of the key folded to 32 bits, top bits."""
    x = (key ^ (key >> 32)).to(tl.uint32)
    x ^= x >> 16
    x *= 0x85EBCA6B
    x ^= x >> 13
    x *= 0xC2B2AE35
    x ^= x >> 16
    return (x >> (32 - log_slots)).to(tl.int32)


# compare-and-swap of the int64 at address $1 ($2 for $3) where $4 != 0; else $0 = $2
_CAS_WHERE_PTX = tl.constexpr("""{
.reg .pred %gcp;
setp.ne.u32 %gcp, $4, 0;
mov.b64 $0, $2;
@%gcp atom.global.cas.b64 $0, [$1], $2, $3;
}""")


@triton.jit
def _cas_where(ptr, cmp, val, m, PTX: tl.constexpr):
    """tl.atomic_cas(ptr, cmp, val) in the lanes of m only (PTX: on CUDA; tl.atomic_cas has no
    mask, so elsewhere the other lanes swap the slot's value for itself, which must be val = cmp
    = the slot's value there)."""
    if PTX:
        return tl.inline_asm_elementwise(_CAS_WHERE_PTX, "=l,l,l,l,r", [ptr.to(tl.int64), cmp, val, m.to(tl.int32)],
                                         dtype=tl.int64, is_pure=False, pack=1)
    else:
        return tl.atomic_cas(ptr, cmp, val)


@triton.jit
def unique_hash_kernel(found, stats, table, v, N, empty, log_slots, CAP,
                       VB: tl.constexpr, FLOAT: tl.constexpr, MAX_PROBES: tl.constexpr, BLOCK: tl.constexpr,
                       PTX: tl.constexpr):
    """Inserts v's values into table (2^log_slots int64 slots, EMPTY where free). stats[0]: values
    inserted (found[0:stats[0]] lists them, in no order); stats[1] = 1: gave up (the list is then
    incomplete). A program that finds stats[1] set does nothing, not even read its values, and
    one still probing stops. PTX: compare-and-swap in the lanes that saw a free slot only. The table and stats are read from L2 (.cg): a line cached in an SM's L1 would keep showing a
    slot EMPTY (or the kernel not given up) after another SM wrote it."""
    i = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    m = (i < N) & (tl.load(stats + 1, cache_modifier=".cg") == 0)
    x = tl.load(v + i, mask=m, other=0)
    key = _key_bits(x, VB)
    bad = m & (key == empty)
    if FLOAT:
        xf = x.to(tl.float32) if VB == 2 else x  # (the interpreter's half types: compare in fp32)
        bad = bad | (m & (xf != xf))
    give_up = tl.max(bad.to(tl.int32), 0)
    pending = m & (give_up == 0)
    slot = _hash_slot(key, log_slots)
    last_slot = (1 << log_slots) - 1
    probes = tl.full([], 0, tl.int32)
    # Until every lane is placed, or some program gave up (then its lanes stop too). The flag
    # only masks lanes: each thread reads it on its own and may see it set before another does,
    # and a branch taken by some threads of the program and not others breaks its barriers (a
    # loop condition read so made a later broadcast of `base` garbage: H200, session 16).
    while (tl.max(pending.to(tl.int32), 0) > 0) & (probes < MAX_PROBES):
        cur = tl.load(table + slot, mask=pending, other=empty, cache_modifier=".cg")  # (slots are written once)
        hit = pending & (cur == key)
        free = pending & (cur == empty)
        if tl.max(free.to(tl.int32), 0) > 0:
            old = _cas_where(table + slot, tl.where(free, empty, cur), tl.where(free, key, cur), free, PTX)
            won = free & (old == empty)
            hit = hit | won | (free & (old == key))
            n_won = tl.sum(won.to(tl.int32), 0)
            if n_won > 0:
                base = tl.atomic_add(stats, n_won.to(tl.int64))
                pos = base + tl.cumsum(won.to(tl.int64), 0) - 1
                tl.store(found + pos, x, mask=won & (pos < CAP))
                if base + n_won > CAP:
                    give_up = give_up + 1
                    hit = hit | pending
                    tl.store(stats + 1, 1)  # (now: the others stop at their next probe)
        pending = pending & ~hit & (tl.load(stats + 1, cache_modifier=".cg") == 0)
        slot = (slot + 1) & last_slot
        probes += 1
    if (give_up != 0) | (tl.max(pending.to(tl.int32), 0) > 0):
        tl.store(stats + 1, 1)


# ---------------------------------------------------------------- unique by counting
#
# Integers whose value range is narrower than their count: bin b counts the value vmin + b
# (unique_count_kernel); the bins with a nonzero count, in order, are the unique values, and an
# inclusive scan of their flags numbers them (unique_bins_kernel, unique_inverse_kernel).


@triton.jit
def unique_count_kernel(counts, v, vmin, N, BLOCK: tl.constexpr, BINS: tl.constexpr):
    """counts[v[i] - vmin] += 1 (counts zeroed). BINS > 0 (at least the range): each tile counts
    in registers and adds its histogram, one atomic a bin; else one atomic an element."""
    i = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    m = i < N
    b = tl.load(v + i, mask=m, other=0).to(tl.int64) - vmin
    if BINS > 0:
        h = tl.histogram(b.to(tl.int32), BINS, mask=m)
        r = tl.arange(0, BINS)
        tl.atomic_add(counts + r, h.to(counts.dtype.element_ty), mask=h > 0, sem="relaxed")
    else:
        tl.atomic_add(counts + b, tl.full((BLOCK, ), 1, counts.dtype.element_ty), mask=m, sem="relaxed")


@triton.jit
def unique_flags_of_counts_kernel(flags, counts, R, BLOCK: tl.constexpr):
    """flags[b] = 1 where bin b counted a value."""
    b = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    m = b < R
    tl.store(flags + b, (tl.load(counts + b, mask=m, other=0) > 0).to(flags.dtype.element_ty), mask=m)


@triton.jit
def unique_bins_kernel(out_v, out_counts, ids, counts, vmin, R, HAS_COUNTS: tl.constexpr, BLOCK: tl.constexpr):
    """Bin b with a nonzero count is unique value ids[b] - 1 (ids: the flags' inclusive scan):
    out_v[ids[b] - 1] = vmin + b (and out_counts[ids[b] - 1] = its count)."""
    b = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    c = tl.load(counts + b, mask=b < R, other=0)
    present = (b < R) & (c > 0)
    g = tl.load(ids + b, mask=present, other=1) - 1
    tl.store(out_v + g, (vmin + b).to(out_v.dtype.element_ty), mask=present)
    if HAS_COUNTS:
        tl.store(out_counts + g, c.to(out_counts.dtype.element_ty), mask=present)


@triton.jit
def unique_inverse_kernel(inverse, v, ids, vmin, N, BLOCK: tl.constexpr):
    """inverse[i] = the unique value number of v[i]: ids[v[i] - vmin] - 1."""
    i = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    m = i < N
    b = tl.load(v + i, mask=m, other=0).to(tl.int64) - vmin
    tl.store(inverse + i, tl.load(ids + b, mask=m, other=1) - 1, mask=m)
