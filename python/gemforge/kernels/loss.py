"""softmax / log_softmax backward, and the losses with their backward ops, including the fused
large-vocabulary cross entropy (issue 4).

Every kernel accumulates in fp32 (fp64 for fp64 inputs: F64). Reductions over many elements run
in programs that each own a contiguous range and write one partial sum; `finish_kernel` then
adds the partials in a fixed order (deterministic, no atomics) and applies the reduction.
"""
import triton
import triton.language as tl
from triton.language.extra.cuda import gdc_launch_dependents, gdc_wait

from .pointwise_ops.common import horner, log2_approx, log2_approx_normal
from .pointwise_ops.common import to_acc as _acc
from .softmax import _cols, _grad, _lse_step, _part, _rows

# reductions, as at::Reduction
NONE = tl.constexpr(0)
MEAN = tl.constexpr(1)
SUM = tl.constexpr(2)

# elementwise losses (LOSS parameter of pointwise_loss_kernel / pointwise_loss_backward_kernel)
MSE = tl.constexpr(0)
SMOOTH_L1 = tl.constexpr(1)
HUBER = tl.constexpr(2)
BCE = tl.constexpr(3)
BCE_LOGITS = tl.constexpr(4)
L1 = tl.constexpr(5)  # forward only (l1_loss without a gradient: loss.cpp)

LN2 = tl.constexpr(0.6931471805599453)
# log(1 + u) / u = 1 - u/2 + u^2/3 - ...: 5 terms, relative error below (1/16)^5 / 6 = 1.6e-7 for
# |u| < 1/16
_LOG1P_SERIES = tl.constexpr(tuple((-1.0)**i / (i + 1) for i in range(5)))
# -log(1 - f) / f = 1 + f/2 + f^2/3 + ...
_LOG1P_NEG_SERIES = tl.constexpr(tuple(1.0 / (i + 1) for i in range(5)))


@triton.jit
def _store(ptr, value, mask):
    # bf16 through fp32 (the interpreter converts only fp32 to bf16)
    if ptr.dtype.element_ty == tl.bfloat16:
        value = value.to(tl.float32)
    tl.store(ptr, value.to(ptr.dtype.element_ty), mask=mask)


# ---------------------------------------------------------------- softmax backward


@triton.jit
def _grad_sum(g, y, base, k_mask, lo, hi, INNER, LOG: tl.constexpr, F64: tl.constexpr, BLOCK_K: tl.constexpr,
              BLOCK_D: tl.constexpr):
    """sum(g) (LOG) or sum(g * y) over elements lo..hi-1 of the rows starting at `base`."""
    j = tl.arange(0, BLOCK_D)
    s = _acc(tl.zeros((BLOCK_K, ), tl.float32), F64)
    for j0 in range(lo, hi, BLOCK_D):
        mask = k_mask[:, None] & ((j0 + j) < hi)[None, :]
        offs = base[:, None] + (j0 + j)[None, :] * INNER
        gv = _acc(tl.load(g + offs, mask=mask, other=0.0), F64)
        if LOG:
            s += tl.sum(gv, axis=1)
        else:
            yv = _acc(tl.load(y + offs, mask=mask, other=0.0), F64)
            s += tl.sum(gv * yv, axis=1)
    return s


@triton.jit
def _grad_write(gin, g, y, base, k_mask, lo, hi, INNER, s, LOG: tl.constexpr, F64: tl.constexpr,
                BLOCK_D: tl.constexpr):
    """gin over elements lo..hi-1 of the rows starting at `base`, given the rows' sum s."""
    j = tl.arange(0, BLOCK_D)
    for j0 in range(lo, hi, BLOCK_D):
        mask = k_mask[:, None] & ((j0 + j) < hi)[None, :]
        offs = base[:, None] + (j0 + j)[None, :] * INNER
        gv = _acc(tl.load(g + offs, mask=mask, other=0.0), F64)
        yv = _acc(tl.load(y + offs, mask=mask, other=0.0), F64)
        _store(gin + offs, _grad(gv, yv, s[:, None], LOG), mask)


@triton.jit
def softmax_backward_kernel(gin, g, y, K, D, INNER, LOG: tl.constexpr, F64: tl.constexpr, BLOCK_K: tl.constexpr,
                            BLOCK_D: tl.constexpr, SINGLE_PASS: tl.constexpr, INT64: tl.constexpr):
    """Rows of a contiguous [outer, D, inner] tensor, as softmax_kernel (kernels/softmax.py):
        softmax:     gin = y * (g - sum(g * y))
        log_softmax: gin = g - exp(y) * sum(g)"""
    k_mask, base = _rows(K, D, INNER, BLOCK_K, INT64)
    j = tl.arange(0, BLOCK_D)
    if SINGLE_PASS:
        mask = k_mask[:, None] & (j < D)[None, :]
        offs = base[:, None] + j[None, :] * INNER
        gv = _acc(tl.load(g + offs, mask=mask, other=0.0), F64)
        yv = _acc(tl.load(y + offs, mask=mask, other=0.0), F64)
        if LOG:
            s = tl.sum(gv, axis=1)
        else:
            s = tl.sum(gv * yv, axis=1)
        _store(gin + offs, _grad(gv, yv, s[:, None], LOG), mask)
    else:
        s = _grad_sum(g, y, base, k_mask, 0, D, INNER, LOG, F64, BLOCK_K, BLOCK_D)
        _grad_write(gin, g, y, base, k_mask, 0, D, INNER, s, LOG, F64, BLOCK_D)


@triton.jit
def softmax_backward_part_sums_kernel(ws, g, y, K, D, PART, LOG: tl.constexpr, F64: tl.constexpr,
                                      BLOCK_D: tl.constexpr, INT64: tl.constexpr, PDL: tl.constexpr):
    """Few very wide rows split into parts (grid (P, K), as softmax_part_stats_kernel), pass 1:
    program (p, k) writes the sum of part p of row k to ws[k, p] (ws: [K, P]). PDL as there."""
    if PDL:
        gdc_launch_dependents()
    P = tl.num_programs(0)
    p, k, lo, hi = _part(K, D, PART, INT64, False)
    tl.store(ws + k * P + p, _grad_sum(g, y, k * D, k < K, lo, hi, 1, LOG, F64, 1, BLOCK_D))


@triton.jit
def softmax_backward_split_kernel(gin, g, y, ws, K, D, PART, LOG: tl.constexpr, F64: tl.constexpr,
                                  BLOCK_D: tl.constexpr, BLOCK_P: tl.constexpr, INT64: tl.constexpr,
                                  REVERSE: tl.constexpr, PDL: tl.constexpr):
    """Split rows, pass 2: program (p, k) adds the P partial sums of row k (P <= BLOCK_P, in a
    fixed order) and writes part p of the row. PDL: it waits for pass 1's results first."""
    if PDL:
        gdc_wait()
    P = tl.num_programs(0)
    p, k, lo, hi = _part(K, D, PART, INT64, REVERSE)
    i = tl.arange(0, BLOCK_P)[None, :]
    s = tl.sum(tl.load(ws + k[:, None] * P + i, mask=i < P, other=0.0), axis=1)
    _grad_write(gin, g, y, k * D, k < K, lo, hi, 1, s, LOG, F64, BLOCK_D)


# ---- over a non-last dim (inner > 1): programs own contiguous columns, as softmax_cols_kernel


@triton.jit
def _cols_grad_sum(g, y, base, c_mask, lo, hi, INNER, LOG: tl.constexpr, F64: tl.constexpr, BLOCK_K: tl.constexpr,
                   BLOCK_D: tl.constexpr):
    """sum(g) (LOG) or sum(g * y) over rows lo..hi-1 of the columns at `base`: every lane of the
    [BLOCK_D, BLOCK_K] tile keeps its own sum (no cross-lane work inside the loop), folded once at
    the end."""
    j = tl.arange(0, BLOCK_D)
    s = _acc(tl.zeros((BLOCK_D, BLOCK_K), tl.float32), F64)
    for j0 in range(lo, hi, BLOCK_D):
        rows = j0 + j
        mask = (rows < hi)[:, None] & c_mask[None, :]
        offs = base[None, :] + rows[:, None] * INNER
        gv = _acc(tl.load(g + offs, mask=mask, other=0.0), F64)
        if LOG:
            s += gv
        else:
            s += gv * _acc(tl.load(y + offs, mask=mask, other=0.0), F64)
    return tl.sum(s, axis=0)


@triton.jit
def _cols_grad_write(gin, g, y, base, c_mask, lo, hi, INNER, s, LOG: tl.constexpr, F64: tl.constexpr,
                     BLOCK_D: tl.constexpr):
    """gin over rows lo..hi-1 of the columns at `base`, given the columns' sum s."""
    j = tl.arange(0, BLOCK_D)
    for j0 in range(lo, hi, BLOCK_D):
        rows = j0 + j
        mask = (rows < hi)[:, None] & c_mask[None, :]
        offs = base[None, :] + rows[:, None] * INNER
        # the last read of g and y: evict_first (the sum pass left them in L2 for it)
        gv = _acc(tl.load(g + offs, mask=mask, other=0.0, eviction_policy="evict_first"), F64)
        yv = _acc(tl.load(y + offs, mask=mask, other=0.0, eviction_policy="evict_first"), F64)
        _store(gin + offs, _grad(gv, yv, s[None, :], LOG), mask)


@triton.jit
def softmax_backward_cols_kernel(gin, g, y, ws, K, D, INNER, PART, LOG: tl.constexpr, F64: tl.constexpr,
                                 BLOCK_K: tl.constexpr, BLOCK_D: tl.constexpr, STAGE: tl.constexpr,
                                 INT64: tl.constexpr, REVERSE: tl.constexpr):
    """The backward over D of an [outer, D, INNER] view, BLOCK_K contiguous columns per program
    (grid and parts as softmax_cols_kernel). STAGE 0: one part per column: the sum, then the
    write. STAGE 1: part p of each column writes its sum to ws[p, kk] (ws: [parts, K], K = outer *
    INNER columns). STAGE 2: part p adds the column's parts in a fixed order and writes its rows
    (REVERSE: in reverse grid order)."""
    kk, base, c_mask, p, lo, hi = _cols(K, D, INNER, PART, INT64, BLOCK_K, REVERSE and STAGE == 2)
    if STAGE == 1:
        tl.store(ws + p * K + kk, _cols_grad_sum(g, y, base, c_mask, lo, hi, INNER, LOG, F64, BLOCK_K, BLOCK_D),
                 mask=c_mask)
    else:
        if STAGE == 0:
            s = _cols_grad_sum(g, y, base, c_mask, lo, hi, INNER, LOG, F64, BLOCK_K, BLOCK_D)
        else:
            s = _acc(tl.zeros((BLOCK_K, ), tl.float32), F64)
            for q in range(0, tl.num_programs(1)):
                s += tl.load(ws + q * K + kk, mask=c_mask, other=0.0)
        _cols_grad_write(gin, g, y, base, c_mask, lo, hi, INNER, s, LOG, F64, BLOCK_D)


# ---------------------------------------------------------------- reductions of losses


@triton.jit
def finish_kernel(out, total_weight, partials, P, divisor, MODE: tl.constexpr, WEIGHTS: tl.constexpr,
                  F64: tl.constexpr, BLOCK: tl.constexpr, PDL: tl.constexpr = 0):
    """One program: adds the P partial loss sums (partials[0:P]) and, with WEIGHTS, the partial
    weight sums (partials[P:2P]). MODE: SUM, MEAN (divided by `divisor`, or by the weight sum
    with WEIGHTS). With WEIGHTS the weight sum is stored to total_weight. PDL: launched before the
    partials' kernel has finished; waits for its results."""
    if PDL:
        gdc_wait()
    i = tl.arange(0, BLOCK)
    acc = _acc(tl.zeros((BLOCK, ), tl.float32), F64)
    wacc = _acc(tl.zeros((BLOCK, ), tl.float32), F64)
    for p0 in range(0, P, BLOCK):
        m = p0 + i < P
        acc += tl.load(partials + p0 + i, mask=m, other=0.0)
        if WEIGHTS:
            wacc += tl.load(partials + P + p0 + i, mask=m, other=0.0)
    total = tl.sum(acc, axis=0)
    if WEIGHTS:
        wsum = tl.sum(wacc, axis=0)
        if MODE == MEAN:
            total = total / wsum
        _store(total_weight, wsum, None)
    elif MODE == MEAN:
        total = total / divisor
    _store(out, total, None)


# ---------------------------------------------------------------- nll_loss / nll_loss2d


@triton.jit
def _nll_terms(x, target, weight, e, mask, C, S, W, sn, sc, sh, sw, ignore_index, HAS_WEIGHT: tl.constexpr,
               F64: tl.constexpr):
    """For flat sample indices e (n * S + s, S = H * W): the loss -w[t] * x[n, t, s] and the
    weight w[t] (0 for ignored or out-of-range targets, which ATen rejects before this runs)."""
    t = tl.load(target + e, mask=mask, other=0).to(tl.int64)
    valid = mask & (t != ignore_index) & (t >= 0) & (t < C)
    n = e // S
    s = e % S
    offs = n * sn + t * sc + (s // W) * sh + (s % W) * sw
    xv = _acc(tl.load(x + offs, mask=valid, other=0.0), F64)
    if HAS_WEIGHT:
        w = _acc(tl.load(weight + t, mask=valid, other=0.0), F64)
    else:
        w = tl.where(valid, 1.0, 0.0)
        w = _acc(w, F64)
    return -xv * w, w


@triton.jit
def nll_forward_kernel(out, total_weight, partials, x, target, weight, NE, C, S, W, sn, sc, sh, sw, ignore_index,
                       per_program, REDUCTION: tl.constexpr, HAS_WEIGHT: tl.constexpr, SPLIT: tl.constexpr,
                       F64: tl.constexpr, BLOCK: tl.constexpr, INT64: tl.constexpr):
    """NE samples (n, s); x strides sn (batch), sc (class), sh, sw (spatial, W = width).
    NONE: out[e] = loss, total_weight = 0. Else each program sums `per_program` samples; SPLIT
    writes the partials (loss sums, then weight sums) for finish_kernel, else the result."""
    pid = tl.program_id(0)
    if INT64:
        pid = pid.to(tl.int64)
    i = tl.arange(0, BLOCK)
    if REDUCTION == NONE:
        e = pid * BLOCK + i
        mask = e < NE
        loss, w = _nll_terms(x, target, weight, e, mask, C, S, W, sn, sc, sh, sw, ignore_index, HAS_WEIGHT, F64)
        _store(out + e, loss, mask)
        if pid == 0:
            _store(total_weight, tl.sum(w * 0, axis=0), None)
    else:
        acc = _acc(tl.zeros((BLOCK, ), tl.float32), F64)
        wacc = _acc(tl.zeros((BLOCK, ), tl.float32), F64)
        start = pid * per_program
        for e0 in range(0, per_program, BLOCK):
            e = start + e0 + i
            mask = (e < NE) & (e0 + i < per_program)
            loss, w = _nll_terms(x, target, weight, e, mask, C, S, W, sn, sc, sh, sw, ignore_index, HAS_WEIGHT,
                                 F64)
            acc += loss
            wacc += w
        total = tl.sum(acc, axis=0)
        wsum = tl.sum(wacc, axis=0)
        if SPLIT:
            tl.store(partials + pid, total)
            tl.store(partials + tl.num_programs(0) + pid, wsum)
        else:
            if REDUCTION == MEAN:
                total = total / wsum
            _store(out, total, None)
            _store(total_weight, wsum, None)


@triton.jit
def nll_backward_kernel(gin, gout, target, weight, total_weight, numel, C, S, ignore_index,
                        REDUCTION: tl.constexpr, HAS_WEIGHT: tl.constexpr, F64: tl.constexpr, BLOCK: tl.constexpr,
                        INT64: tl.constexpr):
    """Writes every element of the contiguous [N, C, S] grad_input: -w[t] * g where c == t,
    else 0 (one pass, no separate zero fill). gout: [N * S] contiguous (NONE) or one element."""
    i = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    if INT64:
        i = i.to(tl.int64)
    mask = i < numel
    n = i // (C * S)
    c = (i // S) % C
    e = n * S + i % S
    t = tl.load(target + e, mask=mask, other=0).to(tl.int64)
    hit = mask & (t == c) & (t != ignore_index)
    if REDUCTION == NONE:
        g = _acc(tl.load(gout + e, mask=hit, other=0.0), F64)
    else:
        g = _acc(tl.load(gout), F64)
        if REDUCTION == MEAN:
            g = g / _acc(tl.load(total_weight), F64)
    if HAS_WEIGHT:
        g = g * _acc(tl.load(weight + c, mask=hit, other=0.0), F64)
    r = tl.where(hit, -g, 0.0)
    _store(gin + i, r, mask)


# ---------------------------------------------------------------- fused cross entropy


@triton.jit
def cross_entropy_forward_kernel(loss, lse, logits, target, T, V, row_stride, ignore_index, smoothing,
                                 HAS_SMOOTHING: tl.constexpr, F64: tl.constexpr, BLOCK_T: tl.constexpr,
                                 BLOCK_V: tl.constexpr, INT64: tl.constexpr, PDL: tl.constexpr = 0):
    """BLOCK_T rows per program, read once in chunks of BLOCK_V with an online max / sum of
    exponentials: lse[r] = logsumexp(row), loss[r] = (1 - eps) * (lse - x[t]) +
    eps * (lse - mean(row)); 0 for ignored rows. Nothing of size V is ever written. The whole
    chunks load unmasked (rows past T read row T - 1, and are not stored); a partial last chunk
    is masked. PDL: cross_entropy_reduce_kernel may launch once every program has started."""
    if PDL:
        gdc_launch_dependents()
    r = tl.program_id(0) * BLOCK_T + tl.arange(0, BLOCK_T)
    if INT64:
        r = r.to(tl.int64)
    r_mask = r < T
    base = tl.minimum(r, T - 1) * row_stride
    j = tl.arange(0, BLOCK_V)
    m = _acc(tl.full((BLOCK_T, ), -float("inf"), tl.float32), F64)
    s = _acc(tl.zeros((BLOCK_T, ), tl.float32), F64)
    # the smoothing term's row sums: added up element-wise in the loop, reduced after it (a row
    # sum carried by the loop trips an assertion in Triton 3.6's thread-locality pass for fp32
    # and fp64 logits, whose loads feed it directly)
    xacc = _acc(tl.zeros((BLOCK_T, BLOCK_V) if HAS_SMOOTHING else (1, 1), tl.float32), F64)
    v_full = V - V % BLOCK_V
    for j0 in range(0, v_full, BLOCK_V):
        x = _acc(tl.load(logits + base[:, None] + (j0 + j)[None, :]), F64)
        m, s = _lse_step(x, m, s, F64)
        if HAS_SMOOTHING:
            xacc += x
    xsum = tl.sum(xacc, axis=1)
    if v_full < V:
        mask = ((v_full + j) < V)[None, :]
        x = _acc(tl.load(logits + base[:, None] + (v_full + j)[None, :], mask=mask, other=-float("inf")), F64)
        m, s = _lse_step(x, m, s, F64)
        if HAS_SMOOTHING:
            xsum += tl.sum(tl.where(mask, x, 0.0), axis=1)
    row_lse = m + tl.log(s)
    t = tl.load(target + r, mask=r_mask, other=0).to(tl.int64)
    valid = r_mask & (t != ignore_index) & (t >= 0) & (t < V)
    xt = _acc(tl.load(logits + base + t, mask=valid, other=0.0), F64)
    row_loss = row_lse - xt
    if HAS_SMOOTHING:
        row_loss = (1.0 - smoothing) * row_loss + smoothing * (row_lse - xsum / V)
    row_loss = tl.where(valid, row_loss, 0.0)
    tl.store(lse + r, row_lse, mask=r_mask)
    _store(loss + r, row_loss, r_mask)


@triton.jit
def cross_entropy_reduce_kernel(out, count, loss, target, T, ignore_index, MODE: tl.constexpr, F64: tl.constexpr,
                                BLOCK: tl.constexpr, PDL: tl.constexpr = 0):
    """One program: out = sum of the row losses (MEAN: / number of non-ignored rows, NaN when
    all are ignored, as torch); count = that number (for the backward). BLOCK covers up to 4096
    rows at once (with 1024-row blocks, this kernel and its launch added 8 us to the forward's
    73.5 at 4096 x 32000 on an H200, session 25). PDL: launched before the forward has finished;
    waits for its results."""
    if PDL:
        gdc_wait()
    i = tl.arange(0, BLOCK)
    acc = _acc(tl.zeros((BLOCK, ), tl.float32), F64)
    cnt = tl.zeros((BLOCK, ), tl.float32)
    for r0 in range(0, T, BLOCK):
        m = r0 + i < T
        acc += tl.load(loss + r0 + i, mask=m, other=0.0)
        t = tl.load(target + r0 + i, mask=m, other=0)
        cnt += tl.where(m & (t != ignore_index), 1.0, 0.0)
    total = tl.sum(acc, axis=0)
    n = tl.sum(cnt, axis=0)
    if MODE == MEAN:
        total = total / n
    tl.store(count, n)
    _store(out, total, None)


@triton.jit
def cross_entropy_backward_kernel(grad, grad_loss, logits, target, lse, count, T, V, row_stride, grad_stride,
                                  gl_stride, ignore_index, smoothing, REDUCTION: tl.constexpr,
                                  HAS_SMOOTHING: tl.constexpr, F64: tl.constexpr, BLOCK_T: tl.constexpr,
                                  BLOCK_V: tl.constexpr, INT64: tl.constexpr):
    """grad[r, c] = g_r * (softmax(x)[c] - (1 - eps) * (c == t) - eps / V) in the logits dtype,
    softmax recomputed from the saved lse; 0 for ignored rows."""
    r = tl.program_id(0) * BLOCK_T + tl.arange(0, BLOCK_T)
    if INT64:
        r = r.to(tl.int64)
    r_mask = r < T
    t = tl.load(target + r, mask=r_mask, other=0).to(tl.int64)
    valid = r_mask & (t != ignore_index)
    if REDUCTION == NONE:
        g = _acc(tl.load(grad_loss + r * gl_stride, mask=valid, other=0.0), F64)
    else:
        g = _acc(tl.load(grad_loss), F64) + _acc(tl.zeros((BLOCK_T, ), tl.float32), F64)
        if REDUCTION == MEAN:
            g = g / tl.load(count)
    g = tl.where(valid, g, 0.0)
    row_lse = tl.load(lse + r, mask=r_mask, other=0.0)
    j = tl.arange(0, BLOCK_V)
    for j0 in range(0, V, BLOCK_V):
        c = j0 + j
        mask = r_mask[:, None] & (c < V)[None, :]
        x = _acc(tl.load(logits + r[:, None] * row_stride + c[None, :], mask=mask, other=0.0), F64)
        d = tl.exp(x - row_lse[:, None])
        if HAS_SMOOTHING:
            d = d - tl.where(c[None, :] == t[:, None], 1.0 - smoothing, 0.0) - smoothing / V
        else:
            d = d - tl.where(c[None, :] == t[:, None], 1.0, 0.0)
        _store(grad + r[:, None] * grad_stride + c[None, :], g[:, None] * d, mask)


# ---------------------------------------------------------------- elementwise losses


@triton.jit
def _log1p(u):
    # log(1 + u), accurate for small u without libdevice: the rounding error of 1 + u cancels
    v = 1.0 + u
    return tl.where(v == 1.0, u, tl.log(v) * (u / (v - 1.0)))


@triton.jit
def _log_near_one(d, x):
    """log(x) for x = 1 + d in fp32 for 16-bit inputs, to ~1e-6 relative: a series in d for
    |d| < 1/16 (where the approximate log's absolute error, ~2^-22, would be large against the
    result), else lg2.approx of x (common.log2_approx): binary_cross_entropy_with_logits' log1p
    (precise tl.log made the 16-bit BCE kernels compute-bound: bf16 4096x4096 55 us where
    mse_loss took 23)."""
    return tl.where(tl.abs(d) < 0.0625, d * horner(d, _LOG1P_SERIES, 5), log2_approx(x) * LN2)


@triton.jit
def _log1p_half(u):
    return _log_near_one(u, 1.0 + u)


@triton.jit
def _bce_logs_half(x):
    """(log(x), log(1 - x)) for x in [0, 1] from 16-bit inputs, to ~5e-6 relative, with two
    lg2.approx and one short series an element. Of x and 1 - x take the one at most 1/2, f: its
    log comes from lg2.approx of f times 2^24 (a normal float then: no subnormal branch; the log
    is at least ln 2 in size, so lg2.approx's absolute error of ~2^-22 is small against it) and
    is clamped at -100 as torch does (the other log is at least -ln 2). The other is log(1 - f):
    the series -f (1 + f/2 + f^2/3 + f^3/4) for f < 1/32 (relative error below (1/32)^4 / 5 =
    2e-7), else lg2.approx of 1 - f. (x, 1 - x and 1 - f are exact in fp32 for 16-bit x.) Two
    _log_near_one calls took a third more instructions, which made the BCE kernel issue-bound."""
    hi = x > 0.5
    f = tl.where(hi, 1.0 - x, x)
    f_log = tl.maximum(log2_approx_normal(f * 16777216.0) * LN2 - 24.0 * LN2, -100.0)
    g = 1.0 - f
    g_log = tl.where(f < 0.03125, -f * horner(f, _LOG1P_NEG_SERIES, 4), log2_approx_normal(g) * LN2)
    return tl.where(hi, g_log, f_log), tl.where(hi, f_log, g_log)


@triton.jit
def _pointwise_loss(x, y, pw, p, LOSS: tl.constexpr, HALF: tl.constexpr):
    """The unreduced loss of one element (p: beta, delta; pw: pos_weight for BCE_LOGITS). HALF:
    16-bit inputs, whose logarithms need ~1e-6 relative accuracy only."""
    if LOSS == MSE:
        d = x - y
        return d * d
    elif LOSS == SMOOTH_L1:
        z = tl.abs(x - y)
        return tl.where(z < p, 0.5 * z * z / p, z - 0.5 * p)
    elif LOSS == HUBER:
        z = tl.abs(x - y)
        return tl.where(z < p, 0.5 * z * z, p * (z - 0.5 * p))
    elif LOSS == L1:
        return tl.abs(x - y)
    elif LOSS == BCE:
        # logs clamped at -100, as torch
        if HALF:
            log_x, log_1mx = _bce_logs_half(x)  # (clamped)
            return (y - 1.0) * log_1mx - y * log_x
        else:
            return (y - 1.0) * tl.maximum(_log1p(-x), -100.0) - y * tl.maximum(tl.log(x), -100.0)
    else:
        # (1 - y) * x - lw * log_sigmoid(x), lw = (pw - 1) * y + 1
        if HALF:
            log_sigmoid = tl.minimum(x, 0.0) - _log1p_half(tl.exp(-tl.abs(x)))
        else:
            log_sigmoid = tl.minimum(x, 0.0) - _log1p(tl.exp(-tl.abs(x)))
        return (1.0 - y) * x - ((pw - 1.0) * y + 1.0) * log_sigmoid


@triton.jit
def _load_raw(x, y, w, pw, offs, mask, HAS_W: tl.constexpr, HAS_PW: tl.constexpr):
    """The operands' elements as stored (converted where they are used, so that a load issued a
    step early is not waited for at once); an absent w / pw comes back as x's (unused)."""
    xv = tl.load(x + offs, mask=mask, other=0.5)
    yv = tl.load(y + offs, mask=mask, other=0.5)
    wv = xv
    pwv = xv
    if HAS_W:
        wv = tl.load(w + offs, mask=mask, other=0.0)
    if HAS_PW:
        pwv = tl.load(pw + offs, mask=mask, other=1.0)
    return xv, yv, wv, pwv


@triton.jit
def _weighted_loss(xr, yr, wr, pwr, mask, p, LOSS: tl.constexpr, HAS_W: tl.constexpr, HAS_PW: tl.constexpr,
                   F64: tl.constexpr, HALF: tl.constexpr):
    """w * loss of raw elements (_load_raw), 0 outside the mask."""
    xv = _acc(xr, F64)
    if HAS_W:
        wv = _acc(wr, F64)
    else:
        wv = _acc(tl.where(mask, 1.0, 0.0), F64)
    if HAS_PW:
        pwv = _acc(pwr, F64)
    else:
        pwv = xv * 0 + 1.0
    return wv * _pointwise_loss(xv, _acc(yr, F64), pwv, p, LOSS, HALF)


@triton.jit
def pointwise_loss_kernel(out, partials, x, y, w, pw, n, per_program, p, divisor, LOSS: tl.constexpr,
                          REDUCTION: tl.constexpr, HAS_W: tl.constexpr, HAS_PW: tl.constexpr, SPLIT: tl.constexpr,
                          F64: tl.constexpr, HALF: tl.constexpr, BLOCK: tl.constexpr, INT64: tl.constexpr,
                          PDL: tl.constexpr = 0):
    """Contiguous operands of n elements (w: per-element weight, pw: pos_weight, already laid out
    like x). NONE: out[i] = w * loss. Else each program sums `per_program` elements; SPLIT writes
    one partial per program for finish_kernel, else the result (MEAN: / divisor). HALF: fp16 or
    bf16 operands (_pointwise_loss). PDL: finish_kernel may launch once every program started."""
    if PDL:
        gdc_launch_dependents()
    pid = tl.program_id(0)
    if INT64:
        pid = pid.to(tl.int64)
    i = tl.arange(0, BLOCK)
    if REDUCTION == NONE:
        offs = pid * BLOCK + i
        mask = offs < n
        xr, yr, wr, pwr = _load_raw(x, y, w, pw, offs, mask, HAS_W, HAS_PW)
        _store(out + offs, _weighted_loss(xr, yr, wr, pwr, mask, p, LOSS, HAS_W, HAS_PW, F64, HALF), mask)
    else:
        # each block is loaded in the step before the one that folds it (loads in flight while
        # the block before computes: the BCE bodies are long)
        acc = _acc(tl.zeros((BLOCK, ), tl.float32), F64)
        start = pid * per_program
        mask = (start + i < n) & (i < per_program)
        xr, yr, wr, pwr = _load_raw(x, y, w, pw, start + i, mask, HAS_W, HAS_PW)
        for e0 in range(0, per_program, BLOCK):
            cur_x, cur_y, cur_w, cur_pw, cur_mask = xr, yr, wr, pwr, mask
            offs = start + e0 + BLOCK + i
            mask = (offs < n) & (e0 + BLOCK + i < per_program)
            xr, yr, wr, pwr = _load_raw(x, y, w, pw, offs, mask, HAS_W, HAS_PW)
            loss = _weighted_loss(cur_x, cur_y, cur_w, cur_pw, cur_mask, p, LOSS, HAS_W, HAS_PW, F64, HALF)
            acc += tl.where(cur_mask, loss, 0.0)
        total = tl.sum(acc, axis=0)
        if SPLIT:
            tl.store(partials + pid, total)
        else:
            if REDUCTION == MEAN:
                total = total / divisor
            _store(out, total, None)


@triton.jit
def _pointwise_loss_grad(x, y, p, LOSS: tl.constexpr):
    """d loss / d x of one element, as ATen's backward kernels compute it."""
    if LOSS == MSE:
        return 2.0 * (x - y)
    elif LOSS == SMOOTH_L1:
        d = x - y
        return tl.where(d <= -p, -1.0, tl.where(d >= p, 1.0, d / p))
    elif LOSS == HUBER:
        d = x - y
        return tl.where(d <= -p, -p, tl.where(d >= p, p, d))
    else:
        # BCE: (x - y) / max((1 - x) * x, 1e-12)
        return (x - y) / tl.maximum((1.0 - x) * x, 1e-12)


@triton.jit
def pointwise_loss_backward_kernel(gin, gout, x, y, w, n, p, scale, LOSS: tl.constexpr, REDUCTION: tl.constexpr,
                                   HAS_W: tl.constexpr, F64: tl.constexpr, BLOCK: tl.constexpr,
                                   INT64: tl.constexpr):
    """gin = w * dloss/dx * g * scale (scale = 1 / n for MEAN); gout contiguous like x (NONE) or
    one element."""
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    if INT64:
        offs = offs.to(tl.int64)
    mask = offs < n
    xv = _acc(tl.load(x + offs, mask=mask, other=0.5), F64)
    yv = _acc(tl.load(y + offs, mask=mask, other=0.5), F64)
    if REDUCTION == NONE:
        g = _acc(tl.load(gout + offs, mask=mask, other=0.0), F64)
    else:
        g = _acc(tl.load(gout), F64) * scale
    r = _pointwise_loss_grad(xv, yv, p, LOSS) * g
    if HAS_W:
        r = r * _acc(tl.load(w + offs, mask=mask, other=0.0), F64)
    _store(gin + offs, r, mask)
