"""softmax / log_softmax over one dim of a contiguous tensor viewed as [outer, D, inner].

softmax_kernel: row k (k < outer*inner) starts at (k // inner) * D * inner + k % inner and steps by inner.
Rows that fit (BLOCK_D >= D) are done in one pass from registers; longer rows use an online
max/sum pass and a second pass that writes.

Few very wide rows (inner == 1) are split into parts, one program each, so that the GPU fills:
softmax_part_stats_kernel writes each part's max and sum of exp to a workspace, and
softmax_split_kernel combines a row's parts and writes its own part.

On the GPU, many wide rows (at least a row per SM) take softmax_onepass_kernel instead, forward
and backward: a program holds its part in registers, publishes the part's statistics, waits for
the row's other parts and writes from registers (one read instead of two; not under the
interpreter, which runs programs one after another).

Many rows of a whole program each (16 warps or more) take softmax_stream_kernel: persistent
programs that load a row ahead.

Along a non-last dim (inner > 1) softmax_cols_kernel is used instead: a program owns BLOCK_K
contiguous columns (16-byte loads along them) and streams their rows; too few column blocks to
fill the GPU split the rows into parts the same way (STAGE 1 statistics, STAGE 2 combine and write).
"""
import triton
import triton.language as tl
from triton.language.extra.cuda import gdc_launch_dependents, gdc_wait

from .pointwise_ops.common import to_acc as _acc


@triton.jit
def _lse_step(x, m, s, F64: tl.constexpr):
    """One chunk [rows, width] of the online log-sum-exp: the running max m and the sum s of
    exp(x - m) per row. fp32 takes exp(x - m) as exp2(x log2e - m log2e): one fused multiply-add
    and the exp2 an element (the fused cross entropy's chunk loop was instruction-bound on an
    H200: 4096 x 32000 bf16 75.1 -> 69.1 us with its tiles retuned)."""
    m_new = tl.maximum(m, tl.max(x, axis=1))
    # rows that are all -inf so far: keep exp() away from (-inf) - (-inf)
    m_safe = tl.where(m_new == -float("inf"), 0.0, m_new)
    if F64:
        s = s * tl.exp(m - m_safe) + tl.sum(tl.exp(x - m_safe[:, None]), axis=1)
    else:
        m_log2 = m_safe * 1.4426950408889634
        s = s * tl.exp2(m * 1.4426950408889634 - m_log2) + tl.sum(tl.exp2(x * 1.4426950408889634 - m_log2[:, None]),
                                                                    axis=1)
    return m_new, s


@triton.jit
def _max_sum(x, base, k_mask, lo, hi, INNER, F64: tl.constexpr, BLOCK_K: tl.constexpr, BLOCK_D: tl.constexpr):
    """Max and sum of exp(v - max) over elements lo..hi-1 of the rows starting at `base`."""
    j = tl.arange(0, BLOCK_D)
    m = _acc(tl.full((BLOCK_K, ), -float("inf"), tl.float32), F64)
    s = _acc(tl.zeros((BLOCK_K, ), tl.float32), F64)
    for j0 in range(lo, hi, BLOCK_D):
        mask = k_mask[:, None] & ((j0 + j) < hi)[None, :]
        offs = base[:, None] + (j0 + j)[None, :] * INNER
        v = _acc(tl.load(x + offs, mask=mask, other=-float("inf")), F64)
        m, s = _lse_step(v, m, s, F64)
    return m, s


@triton.jit
def _write(out, x, base, k_mask, lo, hi, INNER, m, s, LOG: tl.constexpr, F64: tl.constexpr, BLOCK_D: tl.constexpr):
    """Elements lo..hi-1 of the rows starting at `base`, given the rows' max m and sum of exp s."""
    j = tl.arange(0, BLOCK_D)
    log_s = tl.log(s)
    for j0 in range(lo, hi, BLOCK_D):
        mask = k_mask[:, None] & ((j0 + j) < hi)[None, :]
        offs = base[:, None] + (j0 + j)[None, :] * INNER
        v = _acc(tl.load(x + offs, mask=mask, other=0.0), F64)
        if LOG:
            r = v - m[:, None] - log_s[:, None]
        else:
            r = tl.exp(v - m[:, None]) / s[:, None]
        tl.store(out + offs, r.to(out.dtype.element_ty), mask=mask)


@triton.jit
def _softmax_of(v, AXIS: tl.constexpr, LOG: tl.constexpr):
    """softmax (log_softmax) of v along AXIS, the whole dim held in v."""
    shifted = v - tl.max(v, AXIS, keep_dims=True)
    e = tl.exp(shifted)
    s = tl.sum(e, AXIS, keep_dims=True)
    if LOG:
        return shifted - tl.log(s)
    else:
        return e / s


@triton.jit
def _rows(K, D, INNER, BLOCK_K: tl.constexpr, INT64: tl.constexpr):
    """This program's BLOCK_K rows of a contiguous [outer, D, INNER] tensor: their mask and the
    offsets of their first elements (row k starts at (k // INNER) * D * INNER + k % INNER)."""
    k = tl.program_id(0) * BLOCK_K + tl.arange(0, BLOCK_K)
    if INT64:
        k = k.to(tl.int64)
    return k < K, (k // INNER) * (D * INNER) + (k % INNER)


@triton.jit
def softmax_kernel(out, x, K, D, INNER, LOG: tl.constexpr, F64: tl.constexpr, BLOCK_K: tl.constexpr,
                   BLOCK_D: tl.constexpr, SINGLE_PASS: tl.constexpr, INT64: tl.constexpr):
    k_mask, base = _rows(K, D, INNER, BLOCK_K, INT64)
    j = tl.arange(0, BLOCK_D)
    if SINGLE_PASS:
        mask = k_mask[:, None] & (j < D)[None, :]
        offs = base[:, None] + j[None, :] * INNER
        v = _acc(tl.load(x + offs, mask=mask, other=-float("inf")), F64)
        tl.store(out + offs, _softmax_of(v, 1, LOG).to(out.dtype.element_ty), mask=mask)
    else:
        m, s = _max_sum(x, base, k_mask, 0, D, INNER, F64, BLOCK_K, BLOCK_D)
        _write(out, x, base, k_mask, 0, D, INNER, m, s, LOG, F64, BLOCK_D)


@triton.jit
def softmax_stream_kernel(out, x, K, D, LOG: tl.constexpr, F64: tl.constexpr, BLOCK_D: tl.constexpr):
    """Rows of D elements (inner == 1) that take a whole program each (16 warps or more, so one
    program fills an SM's registers): a persistent program walks rows pid, pid + G, ... and loads
    the next row before it reduces and writes the current one, so the SM keeps loads in flight
    while it computes (a program a row leaves the memory idle during its reductions and stores)."""
    pid = tl.program_id(0)
    G = tl.num_programs(0)
    j = tl.arange(0, BLOCK_D)
    mask = j < D
    base = pid.to(tl.int64) * D
    step = G.to(tl.int64) * D
    nxt = tl.load(x + base + j, mask=mask & (pid < K), other=-float("inf"))
    for row in range(pid, K, G):
        v = _acc(nxt, F64)
        nxt = tl.load(x + base + step + j, mask=mask & (row + G < K), other=-float("inf"))
        tl.store(out + base + j, _softmax_of(v, 0, LOG).to(out.dtype.element_ty), mask=mask)
        base += step


@triton.jit
def _part(K, D, PART, INT64: tl.constexpr, REVERSE: tl.constexpr):
    """Program (part p, row k) of a grid (P, K) over rows of D elements split into parts of PART:
    p, the row index k as a 1-vector, and the part's element range [lo, hi) of the row.
    REVERSE walks the grid backwards (a second pass then starts where the first one ended, on
    data most likely still in L2)."""
    p = tl.program_id(0)
    k = tl.program_id(1) + tl.zeros((1, ), tl.int32)
    if REVERSE:
        p = tl.num_programs(0) - 1 - p
        k = K - 1 - k
    if INT64:
        p = p.to(tl.int64)
        k = k.to(tl.int64)
    lo = p * PART
    hi = tl.minimum(lo + PART, D)
    return p, k, lo, hi


@triton.jit
def softmax_part_stats_kernel(ws, x, K, D, PART, F64: tl.constexpr, BLOCK_D: tl.constexpr, INT64: tl.constexpr,
                              PDL: tl.constexpr):
    """Split rows, pass 1: program (p, k) writes the max and the sum of exp(v - max) of part p of
    row k to ws[0, k, p] and ws[1, k, p] (ws: [2, K, P] in the accumulation type). PDL: pass 2 may
    launch once every program has started (op_utils.h use_pdl)."""
    if PDL:
        gdc_launch_dependents()
    P = tl.num_programs(0)
    p, k, lo, hi = _part(K, D, PART, INT64, False)
    m, s = _max_sum(x, k * D, k < K, lo, hi, 1, F64, 1, BLOCK_D)
    tl.store(ws + k * P + p, m)
    tl.store(ws + (K + k) * P + p, s)


@triton.jit
def softmax_split_kernel(out, x, ws, K, D, PART, LOG: tl.constexpr, F64: tl.constexpr, BLOCK_D: tl.constexpr,
                         BLOCK_P: tl.constexpr, INT64: tl.constexpr, REVERSE: tl.constexpr, PDL: tl.constexpr):
    """Split rows, pass 2: program (p, k) combines the P partial (max, sum) of row k (P <= BLOCK_P)
    and writes part p of the row. PDL: launched while pass 1 runs, it waits for pass 1's results."""
    if PDL:
        gdc_wait()
    P = tl.num_programs(0)
    p, k, lo, hi = _part(K, D, PART, INT64, REVERSE)
    i = tl.arange(0, BLOCK_P)[None, :]
    mp = tl.load(ws + k[:, None] * P + i, mask=i < P, other=-float("inf"))
    sp = tl.load(ws + (K + k[:, None]) * P + i, mask=i < P, other=0.0)
    m = tl.max(mp, axis=1)
    m_safe = tl.where(m == -float("inf"), 0.0, m)  # a row of -inf: s stays 0, as one program's
    s = tl.sum(sp * tl.exp(mp - m_safe[:, None]), axis=1)
    _write(out, x, k * D, k < K, lo, hi, 1, m, s, LOG, F64, BLOCK_D)


@triton.jit
def _grad(gv, yv, s, LOG: tl.constexpr):
    """softmax backward's input gradient from g, y and the sum over the dim (sum(g) for LOG, else
    sum(g * y)); kernels/loss.py's backward kernels use it too."""
    if LOG:
        r = gv - tl.exp(yv) * s
    else:
        r = yv * (gv - s)
    return r


@triton.jit
def _part_stats(a, g, BACKWARD: tl.constexpr, LOG: tl.constexpr):
    """A part's statistics to publish, from its values a (BACKWARD: y, with g the gradient): its
    max and sum of exp relative to it (BACKWARD: the sum of g * y, or of g for LOG, twice)."""
    if BACKWARD:
        if LOG:
            m = tl.sum(g, 0)
        else:
            m = tl.sum(g * a, 0)
        s = m
    else:
        m = tl.max(a, 0)
        m_safe = tl.where(m == -float("inf"), 0.0, m)  # a part of -inf: its sum stays 0
        s = tl.sum(tl.exp(a - m_safe), 0)
    return m, s


@triton.jit
def _part_result(ws, row, P, a, g, BACKWARD: tl.constexpr, LOG: tl.constexpr, BLOCK_P: tl.constexpr):
    """The result over one part of row `row`, whose values are a (the input; BACKWARD: the
    forward's output y, and g the incoming gradient), from the row's P published part statistics
    ws[row, :P] (max, sum of exp relative to it; BACKWARD: the sum in the first slot), read in a
    fixed order."""
    i = tl.arange(0, BLOCK_P)
    if BACKWARD:
        m = 0.0
        s = tl.sum(tl.load(ws + (row * P + i) * 2, mask=i < P, other=0.0, volatile=True), 0)
    else:
        pa = tl.load(ws + (row * P + i) * 2, mask=i < P, other=-float("inf"), volatile=True)
        pb = tl.load(ws + (row * P + i) * 2 + 1, mask=i < P, other=0.0, volatile=True)
        m = tl.max(pa, 0)
        m_safe = tl.where(m == -float("inf"), 0.0, m)
        s = tl.sum(pb * tl.exp(pa - m_safe), 0)
    return _apply_stats(a, g, m, s, BACKWARD, LOG)


@triton.jit
def _apply_stats(a, g, m, s, BACKWARD: tl.constexpr, LOG: tl.constexpr):
    """The result from the values a (BACKWARD: the forward's output y, and g the incoming
    gradient) and their row's max m and sum of exp relative to it s (BACKWARD: the sum of g * y,
    or of g for LOG; m unused). Also bench/softmax_cols_onepass_experiment.py's, per column."""
    if BACKWARD:
        r = _grad(g, a, s, LOG)
    elif LOG:
        r = a - m - tl.log(s)
    else:
        r = tl.exp(a - m) / s
    return r


@triton.jit
def softmax_onepass_kernel(out, x, g, ws, sync, D, BACKWARD: tl.constexpr, LOG: tl.constexpr, PART: tl.constexpr,
                           BLOCK_P: tl.constexpr):
    """Rows of D elements (inner == 1) in parts of PART, one program a part, one read of the data
    (GPU only). Forward: out = softmax / log_softmax of x. BACKWARD: x is the forward's output y,
    g the incoming gradient, out the input gradient (_grad).
    sync: int32 [1 + rows], zeroed before the launch: a ticket counter, then per row the count of
    its parts that have published. ws: fp32 [rows, P, 2], the parts' statistics.
    Forward progress: a program takes its (row, part) from the ticket when it starts, so the parts
    it waits for have started before it or have not been handed out yet; the rows below the lowest
    unfinished ticket have all their parts resident, and a row finishes once its P parts are
    resident together (the host asks for P <= SMs, and a program an SM always fits)."""
    P = tl.cdiv(D, PART)
    t = tl.atomic_add(sync, 1, sem="relaxed")
    row = t // P
    part = t - row * P
    j = part * PART + tl.arange(0, PART)
    mask = j < D
    # a scalar 64-bit row base and 32-bit offsets within the row: 64-bit offsets a lane cost the
    # forward 65.6 us against 58.5 (H200, 256 x 131072 bf16, bench/onepass_lib_probe.py)
    base = row.to(tl.int64) * D
    x += base
    out += base
    # v: the part's values (BACKWARD: y), gv: the gradient's (the forward: v again, unused)
    if BACKWARD:
        v = tl.load(x + j, mask=mask, other=0.0).to(tl.float32)
        gv = tl.load(g + base + j, mask=mask, other=0.0).to(tl.float32)
    else:
        v = tl.load(x + j, mask=mask, other=-float("inf")).to(tl.float32)
        gv = v
    a, b = _part_stats(v, gv, BACKWARD, LOG)
    # Scalar atomics run on one thread of the program: the count's release orders the two
    # statistics before it, the acquire below orders the reads after the other parts' releases.
    slot = ws + (row * P + part) * 2
    tl.atomic_xchg(slot, a, sem="relaxed")
    tl.atomic_xchg(slot + 1, b, sem="relaxed")
    count = sync + 1 + row
    c = tl.atomic_add(count, 1, sem="acq_rel") + 1
    while c < P:
        c = tl.atomic_add(count, 0, sem="acquire")
    r = _part_result(ws, row, P, v, gv, BACKWARD, LOG, BLOCK_P)
    tl.store(out + j, r.to(out.dtype.element_ty), mask=mask)


# ---- softmax over a non-last dim (inner > 1): programs own contiguous columns

@triton.jit
def _cols(K, D, INNER, PART, INT64: tl.constexpr, BLOCK_K: tl.constexpr, REVERSE: tl.constexpr):
    """Program (column block, part) of a grid (outer * column blocks, parts) over columns of the
    [outer, D, INNER] view: the column index kk = o * INNER + c (its first element in x is at
    o * D * INNER + c), the column mask, the part p and its row range [lo, hi). REVERSE walks the
    grid backwards (the second pass then starts on the data the first one read last, most
    likely still in L2)."""
    n_cb = tl.cdiv(INNER, BLOCK_K)
    pid = tl.program_id(0)
    p = tl.program_id(1)
    if REVERSE:
        pid = tl.num_programs(0) - 1 - pid
        p = tl.num_programs(1) - 1 - p
    o = pid // n_cb
    c = (pid % n_cb) * BLOCK_K + tl.arange(0, BLOCK_K)
    if INT64:
        o = o.to(tl.int64)
        c = c.to(tl.int64)
        p = p.to(tl.int64)
    c_mask = c < INNER
    lo = p * PART
    hi = tl.minimum(lo + PART, D)
    return o * INNER + c, o * D * INNER + c, c_mask, p, lo, hi


@triton.jit
def _scale(a, m):
    """exp(a - m) where a <= m, 1 where a == m (no inf - inf)."""
    return tl.where(a == m, 1.0, tl.exp(a - m))


@triton.jit
def _cols_max_sum(x, base, c_mask, lo, hi, INNER, F64: tl.constexpr, BLOCK_K: tl.constexpr, BLOCK_D: tl.constexpr):
    """Max and sum of exp(v - max) over rows lo..hi-1 of the columns at `base`. Every lane of the
    [BLOCK_D, BLOCK_K] tile keeps its own running (max, sum), with one exp per element and no
    cross-lane work inside the loop; the lanes are folded once at the end."""
    j = tl.arange(0, BLOCK_D)
    m = _acc(tl.full((BLOCK_D, BLOCK_K), -float("inf"), tl.float32), F64)
    s = _acc(tl.zeros((BLOCK_D, BLOCK_K), tl.float32), F64)
    for j0 in range(lo, hi, BLOCK_D):
        rows = j0 + j
        mask = (rows < hi)[:, None] & c_mask[None, :]
        v = _acc(tl.load(x + base[None, :] + rows[:, None] * INNER, mask=mask, other=-float("inf")), F64)
        up = v > m
        # the smaller of (v, m) relative to the larger; a NaN v makes d (and so s) NaN; a lane
        # still at -inf meeting -inf adds exp(-inf) = 0; a +inf v adds exp(inf - inf) = NaN
        # (as the row kernels and torch: max = inf makes the whole column NaN)
        d = tl.where(up, m - v, v - tl.where(m == -float("inf"), 0.0, m))
        e = tl.exp(d)
        s = tl.where(up, s * e + tl.where(v == float("inf"), float("nan"), 1.0), s + e)
        m = tl.where(up, v, m)
    mc = tl.max(m, axis=0)
    return mc, tl.sum(s * _scale(m, mc[None, :]), axis=0)


@triton.jit
def softmax_cols_kernel(out, x, ws, K, D, INNER, PART, LOG: tl.constexpr, F64: tl.constexpr,
                        BLOCK_K: tl.constexpr, BLOCK_D: tl.constexpr, STAGE: tl.constexpr, INT64: tl.constexpr,
                        REVERSE: tl.constexpr):
    """softmax over D of an [outer, D, INNER] view, BLOCK_K contiguous columns per program.
    STAGE 0: one part per column (grid (outer * column blocks, 1)): statistics, then the write.
    STAGE 1: part p of each column writes its (max, sum of exp) to ws[0, p, kk], ws[1, p, kk]
    (ws: [2, parts, K], K = outer * INNER columns). STAGE 2: part p combines the column's parts
    and writes its rows (REVERSE: in reverse grid order)."""
    kk, base, c_mask, p, lo, hi = _cols(K, D, INNER, PART, INT64, BLOCK_K, REVERSE and STAGE == 2)
    if STAGE == 1:
        m, s = _cols_max_sum(x, base, c_mask, lo, hi, INNER, F64, BLOCK_K, BLOCK_D)
        tl.store(ws + p * K + kk, m, mask=c_mask)
        tl.store(ws + (tl.num_programs(1) + p) * K + kk, s, mask=c_mask)
    else:
        if STAGE == 0:
            m, s = _cols_max_sum(x, base, c_mask, lo, hi, INNER, F64, BLOCK_K, BLOCK_D)
        else:
            P = tl.num_programs(1)
            m = _acc(tl.full((BLOCK_K, ), -float("inf"), tl.float32), F64)
            s = _acc(tl.zeros((BLOCK_K, ), tl.float32), F64)
            for q in range(0, P):
                mq = tl.load(ws + q * K + kk, mask=c_mask, other=-float("inf"))
                sq = tl.load(ws + (P + q) * K + kk, mask=c_mask, other=0.0)
                mn = tl.maximum(m, mq)
                s = s * _scale(m, mn) + sq * _scale(mq, mn)
                m = mn
        _write_cols(out, x, base, c_mask, lo, hi, INNER, m, s, LOG, F64, BLOCK_D)


@triton.jit
def _write_cols(out, x, base, c_mask, lo, hi, INNER, m, s, LOG: tl.constexpr, F64: tl.constexpr,
                BLOCK_D: tl.constexpr):
    """Rows lo..hi-1 of the columns at `base`, given the columns' max m and sum of exp s."""
    j = tl.arange(0, BLOCK_D)
    log_s = tl.log(s)
    inv_s = 1.0 / s
    for j0 in range(lo, hi, BLOCK_D):
        rows = j0 + j
        mask = (rows < hi)[:, None] & c_mask[None, :]
        offs = base[None, :] + rows[:, None] * INNER
        # the second and last read: evict_first (the statistics pass left x in L2 for it)
        v = _acc(tl.load(x + offs, mask=mask, other=0.0, eviction_policy="evict_first"), F64)
        if LOG:
            r = v - m[None, :] - log_s[None, :]
        else:
            r = tl.exp(v - m[None, :]) * inv_s[None, :]
        tl.store(out + offs, r.to(out.dtype.element_ty), mask=mask)
