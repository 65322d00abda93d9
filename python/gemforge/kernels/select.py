"""Selection and search kernels: kthvalue, median, mode, searchsorted, nonzero (csrc/ops/select.cpp);
topk by radix select (host: csrc/ops/scan_sort.cpp, topk section; see the topk section below).

kthvalue/median/nanmedian (kth_kernel) see the input as rows along one dim, addressed as in
kernels/scan_sort.py (up to three row dims, innermost first). Each element maps to an integer key
whose signed order is the value order (NaN largest, -0.0 == 0.0); the k-th smallest key is found
bit by bit from the top: a bit is set when fewer than k keys lie at or below the prefix with that
bit clear. A row that fits one block stays in registers; a wider row is re-read in chunks once
per bit. The result is the first element (lowest index) holding that key.

mode (mode_kernel) sorts a row in one block (scan_sort's bitonic network), finds each run of equal
keys with a scan, and takes the longest run (the smallest key on ties) and its last index.

searchsorted (searchsorted_kernel) runs ATen's binary search per input element, same midpoints,
so that unsorted boundaries and NaNs give ATen's answers.

nonzero: nonzero_count_kernel counts each block's nonzeros, offsets_kernel (one program) turns
the counts into block offsets and the total, nonzero_write_kernel writes each nonzero's
coordinates at its block offset plus its rank within the block.
"""
import triton
import triton.language as tl

from .reduce import _offset3
from .scan_sort import (_bitonic_sort, _bitonic_sort_packed, _lane_hist_add, _lane_hist_declare, _lane_hist_read,
                        _lane_hist_zero, _ordered_key32, _row_tile)

# kth_kernel modes (host: enum KthMode in csrc/ops/select.cpp)
KTH = tl.constexpr(0)
MEDIAN = tl.constexpr(1)
NANMEDIAN = tl.constexpr(2)


@triton.jit
def _ordered_key(v, SHIFT: tl.constexpr):
    """An integer whose signed order is v's order, every NaN one value above +inf, -0.0 as 0.0:
    int64 for 64-bit types, else int32 (floats through fp32, shifted right by SHIFT: half types
    never set the low mantissa bits of their fp32 value)."""
    if v.dtype.is_floating():
        if v.dtype.primitive_bitwidth == 64:
            v = tl.where(v == 0, 0.0, v)
            b = v.to(tl.int64, bitcast=True)
            b = tl.where(v != v, 0x7FF8000000000000, b)
            return b ^ ((b >> 63) & 0x7FFFFFFFFFFFFFFF)
        else:
            return _ordered_key32(v.to(tl.float32), False) >> SHIFT
    elif v.dtype.primitive_bitwidth == 64:
        return v
    else:
        return v.to(tl.int32)


@triton.jit
def _nan_key(key, SHIFT: tl.constexpr):
    """The key of NaN (_ordered_key)."""
    if key.dtype.primitive_bitwidth == 64:
        return 0x7FF8000000000000
    else:
        return 0x7FC00000 >> SHIFT


@triton.jit
def _load_keys(x, xb, k_mask, jj, x_sn, N, SHIFT: tl.constexpr):
    valid = k_mask[:, None] & (jj < N)[None, :]
    v = tl.load(x + xb[:, None] + jj[None, :] * x_sn, mask=valid, other=0)
    return _ordered_key(v, SHIFT), valid


@triton.jit
def _count(keys, valid, t, x, xb, k_mask, j, x_sn, N, LESS: tl.constexpr, SHIFT: tl.constexpr,
           BLOCK_N: tl.constexpr, ONE_BLOCK: tl.constexpr):
    """Per row: how many keys are <= t (< t with LESS). `keys`/`valid`: the whole row if ONE_BLOCK,
    else the row is read again chunk by chunk."""
    if ONE_BLOCK:
        if LESS:
            hit = valid & (keys < t[:, None])
        else:
            hit = valid & (keys <= t[:, None])
        c = tl.sum(hit.to(j.dtype), 1)
    else:
        c = tl.sum(tl.zeros_like(keys).to(j.dtype), 1)
        for j0 in range(0, N, BLOCK_N):
            kk, vv = _load_keys(x, xb, k_mask, j0 + j, x_sn, N, SHIFT)
            if LESS:
                hit = vv & (kk < t[:, None])
            else:
                hit = vv & (kk <= t[:, None])
            c += tl.sum(hit.to(j.dtype), 1)
    return c


@triton.jit
def kth_kernel(values, indices, x, K, N, KTH_K,
               kn0, kn1, xs0, xs1, xs2,   # row dims: sizes (innermost first), x strides
               os0, os1, os2,             # values (and indices) strides of the row dims
               x_sn,                      # stride along the selected dim
               K_RANK: tl.constexpr, MODE: tl.constexpr, SHIFT: tl.constexpr, NBITS: tl.constexpr,
               BLOCK_K: tl.constexpr, BLOCK_N: tl.constexpr, ONE_BLOCK: tl.constexpr, INT64: tl.constexpr):
    """Per row: the KTH_K-th smallest (KTH), the lower median (MEDIAN: NaN if the row has one),
    or the lower median of the non-NaN elements (NANMEDIAN: NaN if all are); value and index.
    Keys span NBITS bits (sign included)."""
    k = tl.program_id(0) * BLOCK_K + tl.arange(0, BLOCK_K)
    j = tl.arange(0, BLOCK_N)
    if INT64:
        k = k.to(tl.int64)
        j = j.to(tl.int64)
    k_mask = k < K
    xb = _offset3(k, kn0, kn1, xs0, xs1, xs2, K_RANK)
    ob = _offset3(k, kn0, kn1, os0, os1, os2, K_RANK)
    keys, valid = _load_keys(x, xb, k_mask, j, x_sn, N, SHIFT)  # the row if ONE_BLOCK, else its first chunk
    zero = tl.sum(tl.zeros_like(keys), 1)  # per-row zeros of the key type
    # rank (1-based) of the wanted key; NaN keys are the largest
    if MODE == KTH:
        kth = tl.sum(tl.zeros_like(keys).to(j.dtype), 1) + KTH_K
    else:
        n = tl.sum(tl.zeros_like(keys).to(j.dtype), 1) + N
        if x.dtype.element_ty.is_floating():
            c = _count(keys, valid, zero + _nan_key(keys, SHIFT), x, xb, k_mask, j, x_sn, N, True, SHIFT,
                       BLOCK_N, ONE_BLOCK)
        else:
            c = n
        if MODE == MEDIAN:
            kth = tl.where(c < n, n, (n - 1) // 2 + 1)
        else:
            kth = tl.where(c > 0, (c - 1) // 2 + 1, n)
    # sign bit first: set (a negative key) when at least kth keys are negative
    neg = _count(keys, valid, zero, x, xb, k_mask, j, x_sn, N, True, SHIFT, BLOCK_N, ONE_BLOCK)
    one = zero + 1
    t = tl.where(neg >= kth, zero - (one << (NBITS - 1)), zero)
    for i in range(NBITS - 1):
        bit = one << (NBITS - 2 - i)
        c = _count(keys, valid, t | (bit - 1), x, xb, k_mask, j, x_sn, N, False, SHIFT, BLOCK_N, ONE_BLOCK)
        t = tl.where(c >= kth, t, t | bit)
    # the first index holding key t
    if ONE_BLOCK:
        pos = tl.min(tl.where(valid & (keys == t[:, None]), j[None, :], N), 1)
    else:
        pos = tl.sum(tl.zeros_like(keys).to(j.dtype), 1) + N
        for j0 in range(0, N, BLOCK_N):
            kk, vv = _load_keys(x, xb, k_mask, j0 + j, x_sn, N, SHIFT)
            pos = tl.minimum(pos, tl.min(tl.where(vv & (kk == t[:, None]), (j0 + j)[None, :], N), 1))
    v = tl.load(x + xb + pos * x_sn, mask=k_mask, other=0)
    tl.store(values + ob, v, mask=k_mask)
    if indices is not None:
        tl.store(indices + ob, pos.to(indices.dtype.element_ty), mask=k_mask)


# ---------------------------------------------------------------- mode


@triton.jit
def _run_combine(la, sa, fa, lb, sb, fb):
    """Scan over sorted keys. A segment is (its last key, where its trailing run of equal keys
    starts, its first position); b's run continues a's when b is one run of a's last key."""
    b_joins = (sb == fb) & (lb == la)
    return lb, tl.where(b_joins, sa, sb), fa


@triton.jit
def mode_kernel(values, indices, x, K, N,
                kn0, kn1, xs0, xs1, xs2, os0, os1, os2, x_sn,
                K_RANK: tl.constexpr, KEY64: tl.constexpr,
                BLOCK_K: tl.constexpr, LOG_K: tl.constexpr, BLOCK_N: tl.constexpr, LOG_N: tl.constexpr,
                INT64: tl.constexpr):
    """Per row of N <= BLOCK_N elements: the most frequent value (the smallest on ties) and the
    last index holding it."""
    k = tl.program_id(0) * BLOCK_K + tl.arange(0, BLOCK_K)
    if INT64:
        k = k.to(tl.int64)
    j = tl.arange(0, BLOCK_N)
    k_mask = k < K
    xb = _offset3(k, kn0, kn1, xs0, xs1, xs2, K_RANK)
    ob = _offset3(k, kn0, kn1, os0, os1, os2, K_RANK)
    in_row = (j < N)[None, :]
    v = tl.load(x + xb[:, None] + j[None, :].to(xb.dtype) * x_sn, mask=k_mask[:, None] & in_row, other=0)
    key = _ordered_key(v, 0)
    idx = tl.broadcast_to(j[None, :], (BLOCK_K, BLOCK_N))
    n_dims: tl.constexpr = LOG_K + LOG_N
    # ascending by (key, index); positions past the row go last
    if KEY64:
        hkey, hidx = _bitonic_sort(tl.reshape(key, [2] * n_dims), tl.reshape(idx, [2] * n_dims), N, LOG_N,
                                   n_dims, False, True)
        key = tl.reshape(hkey, (BLOCK_K, BLOCK_N))
        idx = tl.reshape(hidx, (BLOCK_K, BLOCK_N))
    else:
        p = (key.to(tl.int64) << 32) | idx.to(tl.int64)
        p = tl.where(in_row, p, 0x7FFFFFFFFFFFFFFF)
        p = tl.reshape(_bitonic_sort_packed(tl.reshape(p, [2] * n_dims), LOG_N, n_dims), (BLOCK_K, BLOCK_N))
        key = (p >> 32).to(tl.int32)
        idx = (p & 0x7FFFFFFF).to(tl.int32)
    pos = tl.broadcast_to(j[None, :], (BLOCK_K, BLOCK_N))
    _, start, _ = tl.associative_scan((key, pos, pos), 1, _run_combine)
    run = tl.where(in_row, pos - start + 1, 0)  # at a run's last position: the run's length
    best = tl.max(run, 1)
    at = tl.min(tl.where(run == best[:, None], pos, BLOCK_N), 1)  # sorted ascending: the smallest key
    mi = tl.sum(tl.where(pos == at[:, None], idx, 0), 1)
    mv = tl.load(x + xb + mi.to(xb.dtype) * x_sn, mask=k_mask, other=0)
    tl.store(values + ob, mv, mask=k_mask)
    tl.store(indices + ob, mi.to(indices.dtype.element_ty), mask=k_mask)


# ---------------------------------------------------------------- searchsorted


@triton.jit
def searchsorted_kernel(out, inp, bd, sorter, n, n_in, M, bd_row, steps,
                        RIGHT: tl.constexpr, HAS_SORTER: tl.constexpr, BLOCK: tl.constexpr, INT64: tl.constexpr):
    """out[i] = insertion point of inp[i] in its boundary row (row i // n_in, bd_row apart; 0 for
    one shared row of M), through sorter if given. `steps` bisections cover M."""
    i = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    if INT64:
        i = i.to(tl.int64)
    mask = i < n
    v = tl.load(inp + i, mask=mask, other=0)
    if v.dtype.is_floating() and v.dtype.primitive_bitwidth < 32:
        v = v.to(tl.float32)
    base = (i // n_in) * bd_row
    start = tl.zeros_like(i)
    end = start + M
    for _ in range(steps):
        active = mask & (start < end)
        mid = start + ((end - start) >> 1)
        if HAS_SORTER:
            at = tl.load(sorter + base + mid, mask=active, other=0)
        else:
            at = mid
        b = tl.load(bd + base + at, mask=active, other=0)
        if b.dtype.is_floating() and b.dtype.primitive_bitwidth < 32:
            b = b.to(tl.float32)
        # as ATen: lower bound moves right unless b >= v, upper bound unless b > v (NaN: right)
        if RIGHT:
            go_right = ~(b > v)
        else:
            go_right = ~(b >= v)
        start = tl.where(active & go_right, mid + 1, start)
        end = tl.where(active & ~go_right, mid, end)
    tl.store(out + i, start.to(out.dtype.element_ty), mask=mask)


# ---------------------------------------------------------------- nonzero


@triton.jit
def _dim(rem, off, n, s):
    """Peels the innermost remaining dim (size n, stride s) off a linear index."""
    c = rem % n
    return c, rem // n, off + c * s


@triton.jit
def _nonzero_block(x, n, n0, n1, n2, n3, n4, n5, n6, n7, s0, s1, s2, s3, s4, s5, s6, s7,
                   NDIM: tl.constexpr, CONTIG: tl.constexpr, BLOCK: tl.constexpr, INT64: tl.constexpr):
    """This program's linear indices and whether each element is nonzero (dims innermost first)."""
    lin = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    if INT64:
        lin = lin.to(tl.int64)
    mask = lin < n
    if CONTIG:
        off = lin
    else:
        rem = lin
        off = lin * 0
        c, rem, off = _dim(rem, off, n0, s0)
        if NDIM > 1:
            c, rem, off = _dim(rem, off, n1, s1)
        if NDIM > 2:
            c, rem, off = _dim(rem, off, n2, s2)
        if NDIM > 3:
            c, rem, off = _dim(rem, off, n3, s3)
        if NDIM > 4:
            c, rem, off = _dim(rem, off, n4, s4)
        if NDIM > 5:
            c, rem, off = _dim(rem, off, n5, s5)
        if NDIM > 6:
            c, rem, off = _dim(rem, off, n6, s6)
        if NDIM > 7:
            c, rem, off = _dim(rem, off, n7, s7)
    v = tl.load(x + off, mask=mask, other=0)
    return lin, mask & (v != 0)


@triton.jit
def nonzero_count_kernel(counts, x, n, n0, n1, n2, n3, n4, n5, n6, n7, s0, s1, s2, s3, s4, s5, s6, s7,
                         NDIM: tl.constexpr, CONTIG: tl.constexpr, BLOCK: tl.constexpr, INT64: tl.constexpr):
    _, nz = _nonzero_block(x, n, n0, n1, n2, n3, n4, n5, n6, n7, s0, s1, s2, s3, s4, s5, s6, s7,
                           NDIM, CONTIG, BLOCK, INT64)
    tl.store(counts + tl.program_id(0), tl.sum(nz.to(tl.int64), 0))


@triton.jit
def offsets_kernel(counts, nb, BLOCK: tl.constexpr):
    """counts[0:nb] -> exclusive prefix sums in place; counts[nb] = the total. One program."""
    j = tl.arange(0, BLOCK)
    carry = tl.sum(tl.zeros([BLOCK], tl.int64), 0)
    for j0 in range(0, nb, BLOCK):
        m = j0 + j < nb
        c = tl.load(counts + j0 + j, mask=m, other=0)
        s = tl.cumsum(c, 0)
        tl.store(counts + j0 + j, carry + s - c, mask=m)
        carry += tl.sum(c, 0)
    tl.store(counts + nb, carry)


@triton.jit
def _next_coord(rows, rem, off, n, s, d: tl.constexpr, NDIM: tl.constexpr, NDIM_P2: tl.constexpr):
    """Peels dim d (innermost first) off the linear indices `rem` and puts its coordinate in
    column NDIM - 1 - d of `rows` (a dim the tensor does not have: nothing)."""
    if d < NDIM:
        c, rem, off = _dim(rem, off, n, s)
        col = tl.arange(0, NDIM_P2)
        rows = tl.where(col[None, :] == NDIM - 1 - d, c[:, None], rows)
    return rows, rem, off


@triton.jit
def nonzero_write_kernel(out, offsets, x, n, limit, n0, n1, n2, n3, n4, n5, n6, n7, s0, s1, s2, s3, s4, s5, s6, s7,
                         NDIM: tl.constexpr, NDIM_P2: tl.constexpr, CONTIG: tl.constexpr, SINGLE: tl.constexpr,
                         BLOCK: tl.constexpr, INT64: tl.constexpr):
    """Writes the coordinates of each nonzero as a row of out ([rows, NDIM], rows < limit kept).
    SINGLE: one block, which starts at row 0. A row is assembled in a [BLOCK, NDIM_P2] tile and
    stored whole (one wide store per row instead of NDIM strided ones)."""
    lin, nz = _nonzero_block(x, n, n0, n1, n2, n3, n4, n5, n6, n7, s0, s1, s2, s3, s4, s5, s6, s7,
                             NDIM, CONTIG, BLOCK, INT64)
    c = nz.to(tl.int64)
    row = tl.cumsum(c, 0) - c
    if not SINGLE:
        row += tl.load(offsets + tl.program_id(0))
    keep = nz & (row < limit)
    rows = tl.zeros([BLOCK, NDIM_P2], tl.int64)
    rem = lin.to(tl.int64)
    off = rem * 0
    rows, rem, off = _next_coord(rows, rem, off, n0, s0, 0, NDIM, NDIM_P2)
    rows, rem, off = _next_coord(rows, rem, off, n1, s1, 1, NDIM, NDIM_P2)
    rows, rem, off = _next_coord(rows, rem, off, n2, s2, 2, NDIM, NDIM_P2)
    rows, rem, off = _next_coord(rows, rem, off, n3, s3, 3, NDIM, NDIM_P2)
    rows, rem, off = _next_coord(rows, rem, off, n4, s4, 4, NDIM, NDIM_P2)
    rows, rem, off = _next_coord(rows, rem, off, n5, s5, 5, NDIM, NDIM_P2)
    rows, rem, off = _next_coord(rows, rem, off, n6, s6, 6, NDIM, NDIM_P2)
    rows, rem, off = _next_coord(rows, rem, off, n7, s7, 7, NDIM, NDIM_P2)
    col = tl.arange(0, NDIM_P2)
    tl.store(out + row[:, None] * NDIM + col[None, :], rows, mask=keep[:, None] & (col < NDIM)[None, :])


# ---------------------------------------------------------------- topk (radix select)
#
# topk keeps k of a row: radix select finds the k-th key from the top, digit by digit (DBITS bits
# a pass, most significant first: histogram the digits of the keys that match the digits found
# so far, pick the digit where the count from the top reaches k). Every key beyond that threshold
# is kept, and the first (lowest-index) keys equal to it make up k. Only the k winners are sorted.
#
# Keys (_topk_key): _ordered_key, complemented for smallest (larger key = earlier in the output),
# shifted so its NBITS significant bits sit at the top of the int32/int64. Digits are read from
# u = key ^ sign bit (unsigned order); thresholds compare keys signed.
#
#   topk_block_kernel   a row in registers per program (rows up to a few thousand): select,
#                       gather, sort, in one launch.
#   topk_hist_kernel    rows split across S programs, one launch per pass: atomic digit counts
#                       per row (hist [row, P, R]); the last pass also keeps each program's counts
#                       (table [row, S, R]: how many ties each program holds, for ordering ties).
#   topk_gather_kernel  the threshold from hist; each program writes its winners at their slot:
#                       beyond the threshold at an atomic per-row counter, ties at their rank.
#   topk_sort_kernel    sorts each row's k winners (sorted=True).
# With SORTED the winners' indices are written to the indices output first and sorted in place
# (its k slots are the candidate buffer); otherwise values and indices go out in slot order.


@triton.jit
def _topk_key(v, LARGEST: tl.constexpr, SHIFT: tl.constexpr, NBITS: tl.constexpr):
    t = _ordered_key(v, SHIFT)
    if not LARGEST:
        t = ~t
    W: tl.constexpr = t.dtype.primitive_bitwidth
    if NBITS < W:
        t = t << (W - NBITS)
    return t


@triton.jit
def _key_zero(x, KEY64: tl.constexpr):
    """A scalar 0 of the key type."""
    if KEY64:
        return tl.full((), 0, tl.int64)
    else:
        return tl.full((), 0, tl.int32)


@triton.jit
def _flip_sign(t):
    """t with its sign bit flipped: unsigned order of the result = signed order of t."""
    if t.dtype.primitive_bitwidth == 64:
        return t ^ -9223372036854775808
    else:
        return t ^ -2147483648


@triton.jit
def _pass_digit(u, pref, p, W: tl.constexpr, DBITS: tl.constexpr):
    """Pass p (DBITS divides W): whether u matches pref on the bits of the passes before p, u's
    digit, and the digit's shift."""
    hi = W - DBITS * p  # bits [hi, W) are decided (none for p = 0: the two shifts keep it legal)
    match = ((((u ^ pref) >> (hi - 1)) >> 1) == 0) | (p == 0)
    sh = W - DBITS * (p + 1)
    d = ((u >> sh) & ((1 << DBITS) - 1)).to(tl.int32)
    return match, d, sh


@triton.jit
def _pick(h, rem, pref, sh, DBITS: tl.constexpr):
    """From the digit counts h of the matching keys: the digit holding the rem-th largest, the
    new prefix and how many keys of that prefix remain to take."""
    r = tl.arange(0, 1 << DBITS)
    above = tl.sum(h, 0) - tl.cumsum(h, 0)  # keys with a larger digit
    d = tl.max(tl.where(above + h >= rem, r, 0), 0)
    rem = rem - tl.sum(tl.where(r > d, h, 0), 0)
    return pref | (d.to(pref.dtype) << sh), rem, d


@triton.jit
def _prefix(hist, row, n_pass, k, pref, W: tl.constexpr, DBITS: tl.constexpr, P: tl.constexpr):
    """The prefix (u bits) and remaining count after the first n_pass passes of row's hist;
    also the last pass's digit."""
    r = tl.arange(0, 1 << DBITS)
    rem = tl.full((), 0, tl.int32) + k
    d = rem * 0
    for q in range(n_pass):
        h = tl.load(hist + (row * P + q) * (1 << DBITS) + r)
        sh = W - DBITS * (q + 1)
        pref, rem, d = _pick(h, rem, pref, sh, DBITS)
    return pref, rem, d


@triton.jit
def _sort_winners(values, indices, x, xb, ob, x_sn, o_sn, k, N, LARGEST: tl.constexpr, SHIFT: tl.constexpr,
                  NBITS: tl.constexpr, KB: tl.constexpr, LOG_KB: tl.constexpr):
    """Sorts the k winners of a row whose indices sit in its first k output slots: keys from the
    top, ties by index; writes values and indices there."""
    s = tl.arange(0, KB)
    m = s < k
    o = ob + s.to(ob.dtype) * o_sn
    # .cg: from L2, where the other threads' stores of the slots went
    idx = tl.load(indices + o, mask=m, other=0, cache_modifier=".cg").to(tl.int64)
    t = _topk_key(tl.load(x + xb + idx * x_sn, mask=m, other=0), LARGEST, SHIFT, NBITS)
    if t.dtype.primitive_bitwidth == 32:
        # ascending (complemented key, index): indices < 2^31
        p = tl.where(m, ((~t).to(tl.int64) << 32) | idx, 0x7FFFFFFFFFFFFFFF)
        p = tl.reshape(_bitonic_sort_packed(tl.reshape(p, [2] * LOG_KB), LOG_KB, LOG_KB), (KB, ))
        idx = p & 0x7FFFFFFF
    else:
        hk, hi = _bitonic_sort(tl.reshape(t, [2] * LOG_KB), tl.reshape(tl.where(m, idx, N), [2] * LOG_KB), N,
                               LOG_KB, LOG_KB, True, True)
        idx = tl.reshape(hi, (KB, ))
    v = tl.load(x + xb + idx * x_sn, mask=m, other=0)
    tl.debug_barrier()  # every slot read before any is overwritten
    tl.store(values + o, v, mask=m)
    tl.store(indices + o, idx, mask=m)


@triton.jit
def topk_block_kernel(values, indices, x, N, k,
                      kn0, kn1, xs0, xs1, xs2, os0, os1, os2, x_sn, o_sn,
                      K_RANK: tl.constexpr, LARGEST: tl.constexpr, SORTED: tl.constexpr, SHIFT: tl.constexpr,
                      NBITS: tl.constexpr, DBITS: tl.constexpr, BLOCK_N: tl.constexpr, KB: tl.constexpr,
                      LOG_KB: tl.constexpr, INT64: tl.constexpr):
    """topk of one row of N <= BLOCK_N per program."""
    row = tl.program_id(0)
    j = tl.arange(0, BLOCK_N)
    if INT64:
        row = row.to(tl.int64)
        j = j.to(tl.int64)
    xb = _offset3(row, kn0, kn1, xs0, xs1, xs2, K_RANK)
    ob = _offset3(row, kn0, kn1, os0, os1, os2, K_RANK)
    valid = j < N
    t = _topk_key(tl.load(x + xb + j * x_sn, mask=valid, other=0), LARGEST, SHIFT, NBITS)
    W: tl.constexpr = t.dtype.primitive_bitwidth
    P: tl.constexpr = (NBITS + DBITS - 1) // DBITS
    u = _flip_sign(t)
    pref = _key_zero(x, W == 64)
    rem = tl.full((), 0, tl.int32) + k
    for p in tl.static_range(P):
        match, d, sh = _pass_digit(u, pref, p, W, DBITS)
        h = tl.histogram(d, 1 << DBITS, mask=valid & match)
        pref, rem, _ = _pick(h, rem, pref, sh, DBITS)
    thr = _flip_sign(pref)
    beyond = valid & (t > thr)
    tie = (valid & (t == thr)).to(tl.int32)
    win = beyond | ((tl.cumsum(tie, 0) - tie < rem) & (tie != 0))  # the first ties
    w = win.to(tl.int32)
    o = ob + (tl.cumsum(w, 0) - w).to(ob.dtype) * o_sn  # winners in index order
    if SORTED:
        tl.store(indices + o, j, mask=win)
        tl.debug_barrier()  # the slots written before _sort_winners reads them
        _sort_winners(values, indices, x, xb, ob, x_sn, o_sn, k, N, LARGEST, SHIFT, NBITS, KB, LOG_KB)
    else:
        tl.store(indices + o, j, mask=win)
        tl.store(values + o, tl.load(x + xb + j * x_sn, mask=win, other=0), mask=win)


@triton.jit
def _split_row(S, seg, N, INT64: tl.constexpr):
    """This program's row, its part s of the row and the part's [start, end)."""
    row, s = _row_tile(S, INT64)
    start = s * seg
    return row, s, start, tl.minimum(start + seg, N)


@triton.jit
def topk_hist_kernel(hist, table, x, N, k, S, seg, p,
                     kn0, kn1, xs0, xs1, xs2, x_sn,
                     K_RANK: tl.constexpr, LARGEST: tl.constexpr, SHIFT: tl.constexpr, NBITS: tl.constexpr,
                     DBITS: tl.constexpr, LAST: tl.constexpr, BLOCK: tl.constexpr, LANE_ATOMICS: tl.constexpr,
                     INT64: tl.constexpr):
    """Pass p over part s of a row: hist[row, p] += the part's digit counts of the keys matching
    the prefix of passes < p; LAST: also table[row, s] = those counts. LANE_ATOMICS (CUDA, DBITS
    = 8, 8 warps): counted by scan_sort.py's lane-atomic histogram, else by tl.histogram."""
    if LANE_ATOMICS:
        tl.static_assert(DBITS == 8)
        _lane_hist_declare(8)
        _lane_hist_zero(8)
    row, s, start, end = _split_row(S, seg, N, INT64)
    xb = _offset3(row, kn0, kn1, xs0, xs1, xs2, K_RANK)
    W: tl.constexpr = 64 if x.dtype.element_ty.primitive_bitwidth == 64 else 32
    P: tl.constexpr = (NBITS + DBITS - 1) // DBITS
    pref, _, _ = _prefix(hist, row, p, k, _key_zero(x, W == 64), W, DBITS, P)
    acc = tl.zeros([1 << DBITS], tl.int32)
    jb = tl.arange(0, BLOCK)
    for j0 in range(start, end, BLOCK):
        j = j0 + jb
        m = j < end
        t = _topk_key(tl.load(x + xb + j * x_sn, mask=m, other=0), LARGEST, SHIFT, NBITS)
        match, d, _ = _pass_digit(_flip_sign(t), pref, p, W, DBITS)
        if LANE_ATOMICS:
            _lane_hist_add(d, m & match)
        else:
            acc += tl.histogram(d, 1 << DBITS, mask=m & match)
    if LANE_ATOMICS:
        acc = _lane_hist_read(8)
    r = tl.arange(0, 1 << DBITS)
    tl.atomic_add(hist + (row * P + p) * (1 << DBITS) + r, acc, sem="relaxed")
    if LAST:
        tl.store(table + (row * S + s) * (1 << DBITS) + r, acc)


@triton.jit
def topk_gather_kernel(values, indices, hist, table, counter, x, N, k, S, seg,
                       kn0, kn1, xs0, xs1, xs2, os0, os1, os2, x_sn, o_sn,
                       K_RANK: tl.constexpr, LARGEST: tl.constexpr, SORTED: tl.constexpr, SHIFT: tl.constexpr,
                       NBITS: tl.constexpr, DBITS: tl.constexpr, BLOCK: tl.constexpr, BLOCK_S: tl.constexpr,
                       INT64: tl.constexpr):
    """Writes part s's winners: keys beyond the threshold at slots from the row's counter, ties
    at (k - ties taken) + their rank in the row (ties of the parts before s come first)."""
    row, s, start, end = _split_row(S, seg, N, INT64)
    xb = _offset3(row, kn0, kn1, xs0, xs1, xs2, K_RANK)
    ob = _offset3(row, kn0, kn1, os0, os1, os2, K_RANK)
    W: tl.constexpr = 64 if x.dtype.element_ty.primitive_bitwidth == 64 else 32
    P: tl.constexpr = (NBITS + DBITS - 1) // DBITS
    pref, rem, d = _prefix(hist, row, P, k, _key_zero(x, W == 64), W, DBITS, P)
    thr = _flip_sign(pref)
    # ties held by the parts before this one: their last-pass counts of the last digit
    ties = rem * 0
    sb = tl.arange(0, BLOCK_S)
    for s0 in range(0, s, BLOCK_S):
        ties += tl.sum(tl.load(table + (row * S + s0 + sb) * (1 << DBITS) + d, mask=s0 + sb < s, other=0), 0)
    n_beyond = k - rem
    jb = tl.arange(0, BLOCK)
    for j0 in range(start, end, BLOCK):
        j = j0 + jb
        m = j < end
        t = _topk_key(tl.load(x + xb + j * x_sn, mask=m, other=0), LARGEST, SHIFT, NBITS)
        beyond = (m & (t > thr)).to(tl.int32)
        tie = (m & (t == thr)).to(tl.int32)
        base = tl.atomic_add(counter + row, tl.sum(beyond, 0), sem="relaxed")
        rank = ties + tl.cumsum(tie, 0) - tie
        ties += tl.sum(tie, 0)
        win = (beyond != 0) | ((tie != 0) & (rank < rem))
        slot = tl.where(beyond != 0, base + tl.cumsum(beyond, 0) - beyond, n_beyond + rank)
        o = ob + slot.to(ob.dtype) * o_sn
        tl.store(indices + o, j, mask=win)
        if not SORTED:
            tl.store(values + o, tl.load(x + xb + j * x_sn, mask=win, other=0), mask=win)


@triton.jit
def topk_sort_kernel(values, indices, x, N, k,
                     kn0, kn1, xs0, xs1, xs2, os0, os1, os2, x_sn, o_sn,
                     K_RANK: tl.constexpr, LARGEST: tl.constexpr, SHIFT: tl.constexpr, NBITS: tl.constexpr,
                     KB: tl.constexpr, LOG_KB: tl.constexpr, INT64: tl.constexpr):
    """Sorts each row's k winners (their indices in the row's output slots) in place."""
    row = tl.program_id(0)
    if INT64:
        row = row.to(tl.int64)
    xb = _offset3(row, kn0, kn1, xs0, xs1, xs2, K_RANK)
    ob = _offset3(row, kn0, kn1, os0, os1, os2, K_RANK)
    _sort_winners(values, indices, x, xb, ob, x_sn, o_sn, k, N, LARGEST, SHIFT, NBITS, KB, LOG_KB)
