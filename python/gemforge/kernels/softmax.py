"""softmax / log_softmax over one dim of a contiguous tensor viewed as [outer, D, inner].

softmax_kernel: row k (k < outer*inner) starts at (k // inner) * D * inner + k % inner and steps by inner.
Rows that fit (BLOCK_D >= D) are done in one pass from registers; longer rows use an online
max/sum pass and a second pass that writes.

Few very wide rows (inner == 1) are split into parts, one program each, so that the GPU fills:
softmax_part_stats_kernel writes each part's max and sum of exp to a workspace, and
softmax_split_kernel combines a row's parts and writes its own part.

On the GPU, many wide rows (at least a row per SM) take softmax_rows_smem_kernel instead, forward
and backward, written in Gluon (Triton's lower-level language: explicit layouts, shared memory
and cp.async): a program copies its part into shared memory, publishes the part's statistics,
waits for the row's other parts and writes from shared memory (one read instead of two; not
under the interpreter, which runs programs one after another and does not run Gluon).

Many rows of a whole program each (16 warps or more) take softmax_stream_kernel: persistent
programs that load a row ahead.

Along a non-last dim (inner > 1) softmax_cols_kernel is used instead: a program owns BLOCK_K
contiguous columns (16-byte loads along them) and streams their rows; too few column blocks to
fill the GPU split the rows into parts the same way (STAGE 1 statistics, STAGE 2 combine and write).
"""
import triton
import triton.language as tl
from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon.language.nvidia.ampere import async_copy
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


# ---- many wide rows on the GPU: a program a part, held in shared memory (Gluon)

@gluon.jit
def _smem_chunk(buf, c, CHUNK: gl.constexpr, layout: gl.constexpr):
    """Chunk c of a part's copy in shared memory, in fp32, in the layout it was copied in (so a
    thread reads back only elements its own copies wrote)."""
    return buf.slice(c * CHUNK, CHUNK).load(layout).to(gl.float32)


@gluon.jit
def _copy_chunk(buf, src, j, c, D, CHUNK: gl.constexpr, ASYNC: gl.constexpr):
    """Copy elements j (chunk c of the part) of a row (src: its first element) into chunk c of
    buf; elements at or past D become 0. ASYNC: cp.async (16-byte aligned rows), else through
    registers."""
    if ASYNC:
        async_copy.async_copy_global_to_shared(buf.slice(c * CHUNK, CHUNK), src + j, mask=j < D)
    else:
        buf.slice(c * CHUNK, CHUNK).store(gl.load(src + j, mask=j < D, other=0.0))


@gluon.jit
def _exp2_ftz(t):
    """2^t by one MUFU.EX2 (ex2.approx.ftz): Triton's exp keeps subnormal results, four more
    instructions an element around the MUFU; results under 2^-126 become 0 here (far inside every
    dtype's tolerance, and softmax's outputs of that size round to 0 in 16-bit types anyway)."""
    return gl.inline_asm_elementwise("ex2.approx.ftz.f32 $0, $1;", "=r,r", [t], dtype=gl.float32, is_pure=True,
                                     pack=1)


@gluon.jit
def _smem_part_stats(xs, gs, BACKWARD: gl.constexpr, LOG: gl.constexpr, NCH: gl.constexpr, CHUNK: gl.constexpr,
                     layout: gl.constexpr, WAIT: gl.constexpr):
    """The statistics a part publishes, from its copy in shared memory (xs; gs: the gradient's):
    the max and the sum of exp relative to it in two sweeps (BACKWARD: the sum of g * y, or of g
    for LOG, twice). Elements past the row's end hold -inf in the forward's copy (_fill_tail) and
    0 in the backward's, so no sweep needs a mask. WAIT: the part's copies are the last NCH
    cp.async groups, one a chunk; chunk c is read once its group has landed (a thread reads only
    what its own copies wrote). Each exp is (x - max) * log2(e) and one MUFU.EX2: the forward
    was issue-bound at 30 instructions an element (Nsight Compute: SM throughput 63% against
    DRAM 48%, bench/results/2026-11-28-session29.txt)."""
    if BACKWARD:
        acc = gl.zeros([CHUNK], gl.float32, layout)
        for c in gl.static_range(NCH):
            if WAIT:
                async_copy.wait_group(NCH - 1 - c)
            if LOG:
                acc += _smem_chunk(gs, c, CHUNK, layout)
            else:
                acc += _smem_chunk(gs, c, CHUNK, layout) * _smem_chunk(xs, c, CHUNK, layout)
        a = gl.sum(acc, 0)
        b = a
    else:
        mv = gl.full([CHUNK], -float("inf"), gl.float32, layout)
        for c in gl.static_range(NCH):
            if WAIT:
                async_copy.wait_group(NCH - 1 - c)
            mv = gl.maximum(mv, _smem_chunk(xs, c, CHUNK, layout))
        a = gl.max(mv, 0)
        a_safe = gl.where(a == -float("inf"), 0.0, a)  # a part of -inf: its sum stays 0
        sv = gl.zeros([CHUNK], gl.float32, layout)
        for c in gl.static_range(NCH):
            sv += _exp2_ftz((_smem_chunk(xs, c, CHUNK, layout) - a_safe) * 1.4426950408889634)
        b = gl.sum(sv, 0)
    return a, b


@gluon.jit
def _fill_tail(xs, lo, offs, D, NCH: gl.constexpr, CHUNK: gl.constexpr, layout: gl.constexpr, WAIT: gl.constexpr):
    """The row's last part: its elements at or past D, which the copies zero-filled, become -inf
    in xs, so that the forward's sweeps need no masks (one part a row runs this). WAIT: first
    wait for all the part's cp.async groups (each thread rewrites only its own copies)."""
    if WAIT:
        async_copy.wait_group(0)
    for c in gl.static_range(NCH):
        chunk = xs.slice(c * CHUNK, CHUNK)
        chunk.store(gl.where(lo + c * CHUNK + offs < D, chunk.load(layout), -float("inf")))


@gluon.jit
def _take_ticket(sync):
    """The program's ticket from the counter at sync; the program that takes the last one zeroes it
    for the next launch (every other program already holds its own)."""
    t = gl.atomic_add(sync, 1, sem="relaxed")
    if t == gl.num_programs(0) - 1:
        gl.atomic_xchg(sync, 0, sem="relaxed")
    return t


@gluon.jit
def _leave_row(count, cnt, P):
    """After the wait for the row's statistics: every part but the row's last to publish (cnt, its
    count after its own publication, < P) adds itself to the count once more, without waiting
    for the result, so that the count reaches 2P - 1 once no part reads it any more."""
    if cnt < P:
        gl.atomic_add(count, 1, sem="relaxed")


@gluon.jit
def _zero_row_count(count, cnt, P):
    """The row's last part to publish (cnt == P), at its end: once the other parts have left the
    row (_leave_row), zero its count for the next launch. The others left right after its
    publication, so this is one atomic round trip, for one part a row."""
    if cnt == P:
        left = gl.atomic_add(count, 0, sem="relaxed")
        while left < 2 * P - 1:
            left = gl.atomic_add(count, 0, sem="relaxed")
        gl.atomic_xchg(count, 0, sem="relaxed")


@gluon.jit
def _publish(ws, sync, row, part, P, a, b):
    """Publish part `part` of row `row`'s statistics (a, b) to ws[row, part] and count it in the
    row's count (sync[1 + row]): returns the count's address and its value after this part.
    Scalar atomics run on one thread of the program: the count's release orders the two
    statistics before it."""
    slot = ws + (row * P + part) * 2
    gl.atomic_xchg(slot, a, sem="relaxed")
    gl.atomic_xchg(slot + 1, b, sem="relaxed")
    count = sync + 1 + row
    return count, gl.atomic_add(count, 1, sem="acq_rel") + 1


@gluon.jit
def _wait_row_stats(ws, count, cnt, row, P, BACKWARD: gl.constexpr, BLOCK_P: gl.constexpr):
    """Wait until the row's P parts have published (the count's acquire orders the reads after
    their releases), then its max and sum of exp relative to it (BACKWARD: its sum, m unused)
    from ws[row, :P] (max, sum; BACKWARD: the sum in the first slot), read in a fixed order."""
    while cnt < P:
        cnt = gl.atomic_add(count, 0, sem="acquire")
    layout: gl.constexpr = gl.BlockedLayout([1], [32], [gl.num_warps()], [0])
    i = gl.arange(0, BLOCK_P, layout)
    slots = ws + (row * P + i) * 2
    if BACKWARD:
        m = 0.0
        s = gl.sum(gl.load(slots, mask=i < P, other=0.0, volatile=True), 0)
    else:
        pa = gl.load(slots, mask=i < P, other=-float("inf"), volatile=True)
        pb = gl.load(slots + 1, mask=i < P, other=0.0, volatile=True)
        m = gl.max(pa, 0)
        m_safe = gl.where(m == -float("inf"), 0.0, m)  # a row of -inf: s stays 0 (NaN results, as torch)
        s = gl.sum(pb * gl.exp(pa - m_safe), 0)
    return m, s


@gluon.jit
def _smem_write(out, xs, gs, lo, offs, D, m, s, BACKWARD: gl.constexpr, LOG: gl.constexpr, NCH: gl.constexpr,
                CHUNK: gl.constexpr, layout: gl.constexpr):
    """Write the part (elements [lo, lo + NCH * CHUNK) of the row out points to, those before D)
    from its copy in shared memory and the row's statistics m, s. The forward's
    softmax is 2^((x - m) log2(e) - log2(s)), one subtraction, one fused multiply-add and one
    MUFU.EX2 an element (the division folded into the exponent: log2(s) <= log2(D) < 2^5, so
    its rounding moves a result by under 2^-18 relative, inside fp32's tolerance)."""
    log2_s = gl.log2(s)
    log_s = gl.log(s)
    for c in gl.static_range(NCH):
        j = lo + c * CHUNK + offs
        v = _smem_chunk(xs, c, CHUNK, layout)
        if BACKWARD:
            g = _smem_chunk(gs, c, CHUNK, layout)
            if LOG:  # _grad's log_softmax form, its exp(y) one MUFU.EX2
                r = g - _exp2_ftz(v * 1.4426950408889634) * s
            else:
                r = _grad(g, v, s, False)
        elif LOG:
            r = v - m - log_s
        else:
            r = _exp2_ftz((v - m) * 1.4426950408889634 - log2_s)
        gl.store(out + j, r.to(out.dtype.element_ty), mask=j < D)


@gluon.jit
def softmax_rows_smem_kernel(out, x, g, ws, sync, D, BACKWARD: gl.constexpr, LOG: gl.constexpr, PART: gl.constexpr,
                             ASYNC: gl.constexpr, BLOCK_P: gl.constexpr):
    """Rows of D elements (inner == 1) in parts of PART, one program a part, one read of the data
    (GPU only). Forward: out = softmax / log_softmax of x. BACKWARD: x is the forward's output y,
    g the incoming gradient, out the input gradient (_grad).
    The part is copied into shared memory (cp.async when ASYNC), so that no registers hold it
    while the program waits and an SM runs as many programs as its shared memory holds. Chunks of
    CHUNK elements: VEC (16 bytes of x's type) a thread. The statistics are sweeps over shared
    memory (the max, then the sum of exp relative to it; BACKWARD: the sum of g * y, or of g for
    LOG).
    sync: int32 [1 + rows], zero at the launch and zero again when it ends (_take_ticket,
    _leave_row, _zero_row_count: the host keeps it instead of zeroing one before each launch, which
    cost 1.2-2.8 us a call on an H200): a ticket counter, then per row the count of its parts
    that have published. ws: fp32 [rows, P, 2], the parts' statistics.
    Forward progress: a program takes its (row, part) from the ticket when it starts, so the parts
    it waits for have started before it or have not been handed out yet; the rows below the lowest
    unfinished ticket have all their parts resident, and a row finishes once its P parts are
    resident together (the host asks for P <= SMs, and a program an SM always fits)."""
    W: gl.constexpr = gl.num_warps()
    VEC: gl.constexpr = 128 // x.dtype.element_ty.primitive_bitwidth
    CHUNK: gl.constexpr = VEC * 32 * W
    NCH: gl.constexpr = PART // CHUNK
    layout: gl.constexpr = gl.BlockedLayout([VEC], [32], [W], [0])
    shared: gl.constexpr = gl.SwizzledSharedLayout(1, 1, 1, [0])
    xs = gl.allocate_shared_memory(x.dtype.element_ty, [PART], shared)
    gs = xs  # the forward's (unused)
    if BACKWARD:
        gs = gl.allocate_shared_memory(g.dtype.element_ty, [PART], shared)
    P = gl.cdiv(D, PART)
    t = _take_ticket(sync)
    row = t // P
    part = t - row * P
    # a scalar 64-bit row base and 32-bit offsets within the row (64-bit offsets a lane cost the
    # register kernel before this one 12%: bench/NOTES.md, session 12)
    base = row.to(gl.int64) * D
    lo = part * PART
    offs = gl.arange(0, CHUNK, layout)
    for c in gl.static_range(NCH):  # every chunk's copy in flight at once
        j = lo + c * CHUNK + offs
        _copy_chunk(xs, x + base, j, c, D, CHUNK, ASYNC)
        if BACKWARD:
            _copy_chunk(gs, g + base, j, c, D, CHUNK, ASYNC)
        if ASYNC:
            async_copy.commit_group()
    if not BACKWARD:
        if lo + PART > D:
            _fill_tail(xs, lo, offs, D, NCH, CHUNK, layout, ASYNC)
    a, b = _smem_part_stats(xs, gs, BACKWARD, LOG, NCH, CHUNK, layout, ASYNC)
    count, cnt = _publish(ws, sync, row, part, P, a, b)
    m, s = _wait_row_stats(ws, count, cnt, row, P, BACKWARD, BLOCK_P)
    _leave_row(count, cnt, P)
    _smem_write(out + base, xs, gs, lo, offs, D, m, s, BACKWARD, LOG, NCH, CHUNK, layout)
    _zero_row_count(count, cnt, P)


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
