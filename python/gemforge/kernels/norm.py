"""Normalization kernels (layer_norm, rms_norm, group_norm, batch_norm, weight_norm), forward and
backward.

layer_norm and rms_norm see their input as M contiguous rows of N elements, normalized per row
(rms_norm: RMS = True, no mean), weight/bias indexed by column. Rows that fit one block (SINGLE)
are done from registers; wider rows loop over chunks, combining the chunks' mean and centered sum
of squares (Chan et al.) so that no pass subtracts large sums. group_norm: see its section.
Statistics accumulate in fp32 for half types, fp64 for fp64.
"""
import triton
import triton.language as tl

from .pointwise_ops.common import to_acc as _acc


@triton.jit
def _load_g(dy, w, offs, mask, c, N, HAS_W: tl.constexpr, F64: tl.constexpr):
    """dy * weight over one tile of columns c."""
    g = _acc(tl.load(dy + offs, mask=mask, other=0.0), F64)
    if HAS_W:
        g = g * _acc(tl.load(w + c, mask=c < N, other=0.0), F64)[None, :]
    return g


@triton.jit
def _store_y(y, w, b, v, mean, rstd, offs, mask, c, N, HAS_W: tl.constexpr, HAS_B: tl.constexpr, F64: tl.constexpr):
    r = (v - mean[:, None]) * rstd[:, None]
    if HAS_W:
        r = r * _acc(tl.load(w + c, mask=c < N, other=0.0), F64)[None, :]
    if HAS_B:
        r = r + _acc(tl.load(b + c, mask=c < N, other=0.0), F64)[None, :]
    tl.store(y + offs, r.to(y.dtype.element_ty), mask=mask)


@triton.jit
def norm_fwd_kernel(y, mean_out, rstd_out, x, w, b, M, N, eps, RMS: tl.constexpr, HAS_W: tl.constexpr,
                    HAS_B: tl.constexpr, F64: tl.constexpr, BLOCK_M: tl.constexpr,
                    BLOCK_N: tl.constexpr, SINGLE: tl.constexpr, INT64: tl.constexpr):
    rows = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    if INT64:
        rows = rows.to(tl.int64)
    row_mask = rows < M
    base = rows * N
    cols = tl.arange(0, BLOCK_N)
    if SINGLE:
        mask = row_mask[:, None] & (cols < N)[None, :]
        offs = base[:, None] + cols[None, :]
        v = _acc(tl.load(x + offs, mask=mask, other=0.0), F64)
        if RMS:
            mean = _acc(tl.zeros((BLOCK_M, ), tl.float32), F64)
            m2 = tl.sum(v * v, axis=1)
        else:
            mean = tl.sum(v, axis=1) / N
            d = tl.where(mask, v - mean[:, None], 0.0)
            m2 = tl.sum(d * d, axis=1)
        rstd = 1.0 / tl.sqrt(m2 / N + eps)
        _store_y(y, w, b, v, mean, rstd, offs, mask, cols, N, HAS_W, HAS_B, F64)
    else:
        mean = _acc(tl.zeros((BLOCK_M, ), tl.float32), F64)
        m2 = _acc(tl.zeros((BLOCK_M, ), tl.float32), F64)
        for j0 in range(0, N, BLOCK_N):
            c = j0 + cols
            mask = row_mask[:, None] & (c < N)[None, :]
            v = _acc(tl.load(x + base[:, None] + c[None, :], mask=mask, other=0.0), F64)
            if RMS:
                m2 += tl.sum(v * v, axis=1)
            else:
                n_b = _acc(tl.minimum(N - j0, BLOCK_N), F64)
                mean_b = tl.sum(v, axis=1) / n_b
                d = tl.where(mask, v - mean_b[:, None], 0.0)
                delta = mean_b - mean
                frac = n_b / (n_b + j0)  # this chunk's share of the elements seen so far
                mean += delta * frac
                m2 += tl.sum(d * d, axis=1) + delta * delta * (frac * j0)
        rstd = 1.0 / tl.sqrt(m2 / N + eps)
        for j0 in range(0, N, BLOCK_N):
            c = j0 + cols
            mask = row_mask[:, None] & (c < N)[None, :]
            offs = base[:, None] + c[None, :]
            v = _acc(tl.load(x + offs, mask=mask, other=0.0), F64)
            _store_y(y, w, b, v, mean, rstd, offs, mask, c, N, HAS_W, HAS_B, F64)
    if not RMS:
        tl.store(mean_out + rows, mean.to(mean_out.dtype.element_ty), mask=row_mask)
    tl.store(rstd_out + rows, rstd.to(rstd_out.dtype.element_ty), mask=row_mask)


@triton.jit
def _bwd_block(dy, x, mean, rstd, rows, end, cols, N, RMS: tl.constexpr):
    """One row block's raw x and dy with its rows' mean (rstd again for rms_norm) and rstd, rows
    at or past `end` masked (the next block's loads, issued a step early)."""
    row_mask = rows < end
    mask = row_mask[:, None] & (cols < N)[None, :]
    offs = rows[:, None] * N + cols[None, :]
    r = tl.load(rstd + rows, mask=row_mask, other=0.0)
    if RMS:
        mu = r
    else:
        mu = tl.load(mean + rows, mask=row_mask, other=0.0)
    return tl.load(x + offs, mask=mask, other=0.0), tl.load(dy + offs, mask=mask, other=0.0), mu, r


@triton.jit
def _add2(a, b, c, d):
    return a + c, b + d


@triton.jit
def norm_bwd_kernel(dx, part_w, part_b, dy, x, mean, rstd, w, M, N, ROWS_PER_PROG, RMS: tl.constexpr,
                    HAS_W: tl.constexpr, F64: tl.constexpr, BLOCK_M: tl.constexpr,
                    BLOCK_N: tl.constexpr, SINGLE: tl.constexpr, INT64: tl.constexpr, HAS_DX: tl.constexpr,
                    PART_W: tl.constexpr, PART_B: tl.constexpr, PREFETCH: tl.constexpr):
    """dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * weight (rms_norm: no mean(g)),
    for rows [pid * ROWS_PER_PROG, +ROWS_PER_PROG) in blocks of BLOCK_M (chunked rows: one block).
    PART_W / PART_B (SINGLE): the weight / bias gradients' partial column sums over
    the program's rows, sum dy * xhat / sum dy, go to row pid of part_w / part_b ([programs, N]),
    so that dy and x are read once for all three gradients. PREFETCH (SINGLE): each block's x, dy
    and statistics are loaded in the step before, so that the loads stay in flight while the
    block before reduces and stores (a program's steps are latency-bound otherwise: one or two
    programs an SM). (Two and three blocks ahead were slower on the H200: the registers cost a
    program an SM.)"""
    pid = tl.program_id(0)
    if INT64:
        pid = pid.to(tl.int64)
    row0 = pid * ROWS_PER_PROG
    cols = tl.arange(0, BLOCK_N)
    if SINGLE:
        col_mask = cols < N
        if HAS_W:  # one weight row for all the program's rows
            wv = _acc(tl.load(w + cols, mask=col_mask, other=0.0), F64)
        acc_w = _acc(tl.zeros((BLOCK_M, BLOCK_N), tl.float32), F64)
        acc_b = _acc(tl.zeros((BLOCK_M, BLOCK_N), tl.float32), F64)
        end = tl.minimum(row0 + ROWS_PER_PROG, M)
        if PREFETCH:
            x1, dy1, mu1, r1 = _bwd_block(dy, x, mean, rstd, row0 + tl.arange(0, BLOCK_M), end, cols, N, RMS)
        for i0 in range(0, ROWS_PER_PROG, BLOCK_M):
            rows = row0 + i0 + tl.arange(0, BLOCK_M)
            row_mask = rows < M
            mask = row_mask[:, None] & col_mask[None, :]
            offs = rows[:, None] * N + cols[None, :]
            if PREFETCH:
                xv, dyv, mu, r = x1, dy1, mu1, r1
                x1, dy1, mu1, r1 = _bwd_block(dy, x, mean, rstd, rows + BLOCK_M, end, cols, N, RMS)
            else:
                xv, dyv, mu, r = _bwd_block(dy, x, mean, rstd, rows, end, cols, N, RMS)
            v = _acc(xv, F64)
            g0 = _acc(dyv, F64)
            r = _acc(r, F64)
            if RMS:
                xh = v * r[:, None]
            else:
                xh = (v - _acc(mu, F64)[:, None]) * r[:, None]
            if HAS_DX:
                if HAS_W:
                    g = g0 * wv[None, :]
                else:
                    g = g0
                if RMS:
                    a = tl.sum(g * xh, axis=1) / N
                    d = (g - xh * a[:, None]) * r[:, None]
                else:
                    # both row sums in one reduction (one exchange between the warps)
                    sum_gx, sum_g = tl.reduce((g * xh, g), 1, _add2)
                    d = (g - (sum_g / N)[:, None] - xh * (sum_gx / N)[:, None]) * r[:, None]
                tl.store(dx + offs, d.to(dx.dtype.element_ty), mask=mask)
            if PART_W:
                acc_w += g0 * xh
            if PART_B:
                acc_b += g0
        if PART_W:
            tl.store(part_w + pid * N + cols, tl.sum(acc_w, axis=0).to(part_w.dtype.element_ty), mask=col_mask)
        if PART_B:
            tl.store(part_b + pid * N + cols, tl.sum(acc_b, axis=0).to(part_b.dtype.element_ty), mask=col_mask)
    else:
        rows = row0 + tl.arange(0, BLOCK_M)
        row_mask = rows < M
        base = rows * N
        r = _acc(tl.load(rstd + rows, mask=row_mask, other=0.0), F64)
        zero = _acc(tl.zeros((BLOCK_M, ), tl.float32), F64)
        if RMS:
            mu = zero
        else:
            mu = _acc(tl.load(mean + rows, mask=row_mask, other=0.0), F64)
        sum_g = zero
        sum_gx = zero
        for j0 in range(0, N, BLOCK_N):
            c = j0 + cols
            mask = row_mask[:, None] & (c < N)[None, :]
            offs = base[:, None] + c[None, :]
            g = _load_g(dy, w, offs, mask, c, N, HAS_W, F64)
            xh = (_acc(tl.load(x + offs, mask=mask, other=0.0), F64) - mu[:, None]) * r[:, None]
            sum_gx += tl.sum(g * xh, axis=1)
            if not RMS:
                sum_g += tl.sum(g, axis=1)
        a = sum_gx / N
        m = sum_g / N
        for j0 in range(0, N, BLOCK_N):
            c = j0 + cols
            mask = row_mask[:, None] & (c < N)[None, :]
            offs = base[:, None] + c[None, :]
            g = _load_g(dy, w, offs, mask, c, N, HAS_W, F64)
            xh = (_acc(tl.load(x + offs, mask=mask, other=0.0), F64) - mu[:, None]) * r[:, None]
            d = (g - m[:, None] - xh * a[:, None]) * r[:, None]
            tl.store(dx + offs, d.to(dx.dtype.element_ty), mask=mask)


@triton.jit
def norm_param_grad_kernel(dw, db, dy, x, mean, rstd, M, N, ROWS_PER_SPLIT, MODE: tl.constexpr,
                           HAS_DW: tl.constexpr, HAS_DB: tl.constexpr, F64: tl.constexpr, BLOCK_M: tl.constexpr,
                           BLOCK_N: tl.constexpr, INT64: tl.constexpr):
    """Column sums over rows [split * ROWS_PER_SPLIT, ...) into row `split` of dw/db.
    MODE 0 (layer_norm): dw = sum dy * (x - mean) * rstd, db = sum dy; MODE 1 (rms_norm): dw =
    sum dy * x * rstd; MODE 2 (partials): dw = sum dy, db = sum x (dy, x: [splits, N] partials)."""
    cols = tl.program_id(0) * BLOCK_N + tl.arange(0, BLOCK_N)
    split = tl.program_id(1)
    col_mask = cols < N
    rows0 = split * ROWS_PER_SPLIT + tl.arange(0, BLOCK_M)
    if INT64:
        rows0 = rows0.to(tl.int64)
    acc_w = _acc(tl.zeros((BLOCK_M, BLOCK_N), tl.float32), F64)
    acc_b = _acc(tl.zeros((BLOCK_M, BLOCK_N), tl.float32), F64)
    for i0 in range(0, ROWS_PER_SPLIT, BLOCK_M):
        rows = rows0 + i0
        row_mask = rows < M
        mask = row_mask[:, None] & col_mask[None, :]
        offs = rows[:, None] * N + cols[None, :]
        if MODE == 2:
            if HAS_DW:
                acc_w += _acc(tl.load(dy + offs, mask=mask, other=0.0), F64)
            if HAS_DB:
                acc_b += _acc(tl.load(x + offs, mask=mask, other=0.0), F64)
        else:
            g = _acc(tl.load(dy + offs, mask=mask, other=0.0), F64)
            if HAS_DW:
                xv = _acc(tl.load(x + offs, mask=mask, other=0.0), F64)
                r = _acc(tl.load(rstd + rows, mask=row_mask, other=0.0), F64)
                if MODE == 0:
                    xv = xv - _acc(tl.load(mean + rows, mask=row_mask, other=0.0), F64)[:, None]
                acc_w += g * xv * r[:, None]
            if HAS_DB:
                acc_b += g
    out = split.to(tl.int64) * N + cols
    if HAS_DW:
        tl.store(dw + out, tl.sum(acc_w, axis=0).to(dw.dtype.element_ty), mask=col_mask)
    if HAS_DB:
        tl.store(db + out, tl.sum(acc_b, axis=0).to(db.dtype.element_ty), mask=col_mask)


# ---------------------------------------------------------------- group_norm
# Input [N, C, HW], G groups of CPG = C / G channels: program `row` = n * G + g normalizes the
# contiguous slice of channels g * CPG ... as a [CPG, HW] grid of [BLOCK_C, BLOCK_HW] tiles, so
# that weight and bias are per-tile-row vectors (no per-element channel index). SINGLE: the slice
# is one tile, held in registers; otherwise two passes over it (the second mostly from L2).


@triton.jit
def _gn_affine(w, b, ch, c_mask, rstd, HAS_W: tl.constexpr, HAS_B: tl.constexpr, F64: tl.constexpr):
    """Per-channel scale and shift: y = (x - mean) * scale + shift = (x - mean) * rstd * w + b
    (x - mean first: exact where x ~ mean)."""
    scale = rstd + _acc(tl.zeros(ch.shape, tl.float32), F64)
    if HAS_W:
        scale = scale * _acc(tl.load(w + ch, mask=c_mask, other=0.0), F64)
    shift = _acc(tl.zeros(ch.shape, tl.float32), F64)
    if HAS_B:
        shift = _acc(tl.load(b + ch, mask=c_mask, other=0.0), F64)
    return scale, shift


@triton.jit
def group_norm_fwd_kernel(y, mean_out, rstd_out, x, w, b, G, CPG, HW, eps, HAS_W: tl.constexpr, HAS_B: tl.constexpr,
                          F64: tl.constexpr, BLOCK_C: tl.constexpr, BLOCK_HW: tl.constexpr, SINGLE: tl.constexpr,
                          INT64: tl.constexpr):
    row = tl.program_id(0)
    if INT64:
        row = row.to(tl.int64)
    D = CPG * HW
    base = row * D
    ch0 = (row % G) * CPG  # the group's first channel
    cc = tl.arange(0, BLOCK_C)
    hh = tl.arange(0, BLOCK_HW)
    if SINGLE:
        c_mask = cc < CPG
        mask = c_mask[:, None] & (hh < HW)[None, :]
        offs = base + cc[:, None] * HW + hh[None, :]
        v = _acc(tl.load(x + offs, mask=mask, other=0.0), F64)
        mean = tl.sum(tl.sum(v, axis=1), axis=0) / D
        d = tl.where(mask, v - mean, 0.0)
        rstd = 1.0 / tl.sqrt(tl.sum(tl.sum(d * d, axis=1), axis=0) / D + eps)
        scale, shift = _gn_affine(w, b, ch0 + cc, c_mask, rstd, HAS_W, HAS_B, F64)
        tl.store(y + offs, ((v - mean) * scale[:, None] + shift[:, None]).to(y.dtype.element_ty), mask=mask)
    else:
        # tiles' mean and centered sum of squares combined as in Chan et al.
        mean = tl.sum(_acc(tl.zeros((BLOCK_C, ), tl.float32), F64), axis=0)
        m2 = mean
        seen = mean
        for c0 in range(0, CPG, BLOCK_C):
            c_mask = (c0 + cc) < CPG
            for h0 in range(0, HW, BLOCK_HW):
                mask = c_mask[:, None] & ((h0 + hh) < HW)[None, :]
                offs = base + (c0 + cc)[:, None] * HW + (h0 + hh)[None, :]
                v = _acc(tl.load(x + offs, mask=mask, other=0.0), F64)
                n_b = (tl.minimum(CPG - c0, BLOCK_C) * tl.minimum(HW - h0, BLOCK_HW)).to(mean.dtype)
                mean_b = tl.sum(tl.sum(v, axis=1), axis=0) / n_b
                d = tl.where(mask, v - mean_b, 0.0)
                delta = mean_b - mean
                frac = n_b / (n_b + seen)  # this tile's share of the elements seen so far
                mean += delta * frac
                m2 += tl.sum(tl.sum(d * d, axis=1), axis=0) + delta * delta * (frac * seen)
                seen += n_b
        rstd = 1.0 / tl.sqrt(m2 / D + eps)
        for c0 in range(0, CPG, BLOCK_C):
            c_mask = (c0 + cc) < CPG
            scale, shift = _gn_affine(w, b, ch0 + c0 + cc, c_mask, rstd, HAS_W, HAS_B, F64)
            for h0 in range(0, HW, BLOCK_HW):
                mask = c_mask[:, None] & ((h0 + hh) < HW)[None, :]
                offs = base + (c0 + cc)[:, None] * HW + (h0 + hh)[None, :]
                v = _acc(tl.load(x + offs, mask=mask, other=0.0), F64)
                tl.store(y + offs, ((v - mean) * scale[:, None] + shift[:, None]).to(y.dtype.element_ty), mask=mask)
    tl.store(mean_out + row, mean.to(mean_out.dtype.element_ty))
    tl.store(rstd_out + row, rstd.to(rstd_out.dtype.element_ty))


@triton.jit
def _gn_bwd_load(dy, x, offs, mask, mu, r, F64: tl.constexpr):
    """A tile's dy and xhat = (x - mean) * rstd, in the accumulator type."""
    g = _acc(tl.load(dy + offs, mask=mask, other=0.0), F64)
    return g, (_acc(tl.load(x + offs, mask=mask, other=0.0), F64) - mu) * r


@triton.jit
def _gn_bwd_channel_sums(part_w, part_b, w, row, ch0, c0, cc, c_mask, CPG, acc_dy, acc_dyx,
                         HAS_W: tl.constexpr, PART_W: tl.constexpr, PART_B: tl.constexpr, F64: tl.constexpr):
    """A tile of channels' sums over HW (acc_dy, acc_dyx: [BLOCK_C, BLOCK_HW] partial sums): stores
    s_dy, s_dyx at [n, c] of part_b / part_w; returns their sums over the channels, times w[c]."""
    s_dy = tl.sum(acc_dy, axis=1)
    s_dyx = tl.sum(acc_dyx, axis=1)
    if PART_W:
        tl.store(part_w + row * CPG + c0 + cc, s_dyx.to(part_w.dtype.element_ty), mask=c_mask)
    if PART_B:
        tl.store(part_b + row * CPG + c0 + cc, s_dy.to(part_b.dtype.element_ty), mask=c_mask)
    if HAS_W:
        wc = _acc(tl.load(w + ch0 + c0 + cc, mask=c_mask, other=0.0), F64)
        s_dy = s_dy * wc
        s_dyx = s_dyx * wc
    return tl.sum(s_dy, axis=0), tl.sum(s_dyx, axis=0)


@triton.jit
def _gn_bwd_dx(dx, w, offs, mask, g, xh, r, m_g, m_gx, ch, c_mask, HAS_W: tl.constexpr, F64: tl.constexpr):
    """dx = dy * (w * rstd) - (m_g + xhat * m_gx) * rstd over a tile of channels ch."""
    scale = r + _acc(tl.zeros(ch.shape, tl.float32), F64)
    if HAS_W:
        scale = scale * _acc(tl.load(w + ch, mask=c_mask, other=0.0), F64)
    d = g * scale[:, None] - (m_g + xh * m_gx) * r
    tl.store(dx + offs, d.to(dx.dtype.element_ty), mask=mask)


@triton.jit
def group_norm_bwd_kernel(dx, part_w, part_b, dy, x, mean, rstd, w, G, CPG, HW, HAS_W: tl.constexpr,
                          HAS_DX: tl.constexpr, PART_W: tl.constexpr, PART_B: tl.constexpr, F64: tl.constexpr,
                          BLOCK_C: tl.constexpr, BLOCK_HW: tl.constexpr, SINGLE: tl.constexpr, INT64: tl.constexpr):
    """Per channel c of the slice: s_dy = sum dy, s_dyx = sum dy * xhat over HW (xhat = (x - mean)
    * rstd), stored at [n, c] of part_b / part_w ([N, C]: the bias / weight gradients after a sum
    over n); then dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * w[c], whose slice
    means are sums of w[c] * s_dy[c] and w[c] * s_dyx[c]. SINGLE (the slice is one tile): dy and x
    are read once and kept in registers; else the tiles are read twice."""
    row = tl.program_id(0)
    if INT64:
        row = row.to(tl.int64)
    D = CPG * HW
    base = row * D
    ch0 = (row % G) * CPG
    cc = tl.arange(0, BLOCK_C)
    hh = tl.arange(0, BLOCK_HW)
    mu = _acc(tl.load(mean + row), F64)
    r = _acc(tl.load(rstd + row), F64)
    if SINGLE:
        c_mask = cc < CPG
        mask = c_mask[:, None] & (hh < HW)[None, :]
        offs = base + cc[:, None] * HW + hh[None, :]
        g, xh = _gn_bwd_load(dy, x, offs, mask, mu, r, F64)
        sum_g, sum_gx = _gn_bwd_channel_sums(part_w, part_b, w, row, ch0, 0, cc, c_mask, CPG, g, g * xh,
                                             HAS_W, PART_W, PART_B, F64)
        if HAS_DX:
            _gn_bwd_dx(dx, w, offs, mask, g, xh, r, sum_g / D, sum_gx / D, ch0 + cc, c_mask, HAS_W, F64)
    else:
        sum_g = tl.sum(_acc(tl.zeros((BLOCK_C, ), tl.float32), F64), axis=0)
        sum_gx = sum_g
        for c0 in range(0, CPG, BLOCK_C):
            c_mask = (c0 + cc) < CPG
            acc_dy = _acc(tl.zeros((BLOCK_C, BLOCK_HW), tl.float32), F64)
            acc_dyx = _acc(tl.zeros((BLOCK_C, BLOCK_HW), tl.float32), F64)
            for h0 in range(0, HW, BLOCK_HW):
                mask = c_mask[:, None] & ((h0 + hh) < HW)[None, :]
                offs = base + (c0 + cc)[:, None] * HW + (h0 + hh)[None, :]
                g, xh = _gn_bwd_load(dy, x, offs, mask, mu, r, F64)
                acc_dy += g
                acc_dyx += g * xh
            t_g, t_gx = _gn_bwd_channel_sums(part_w, part_b, w, row, ch0, c0, cc, c_mask, CPG, acc_dy, acc_dyx,
                                             HAS_W, PART_W, PART_B, F64)
            sum_g += t_g
            sum_gx += t_gx
        if HAS_DX:
            for c0 in range(0, CPG, BLOCK_C):
                c_mask = (c0 + cc) < CPG
                for h0 in range(0, HW, BLOCK_HW):
                    mask = c_mask[:, None] & ((h0 + hh) < HW)[None, :]
                    offs = base + (c0 + cc)[:, None] * HW + (h0 + hh)[None, :]
                    g, xh = _gn_bwd_load(dy, x, offs, mask, mu, r, F64)
                    _gn_bwd_dx(dx, w, offs, mask, g, xh, r, sum_g / D, sum_gx / D, ch0 + c0 + cc, c_mask, HAS_W, F64)


# ---------------------------------------------------------------- batch_norm
# The input is seen as [B, C, HW] with strides (s_b, s_c, s_hw) (contiguous and channels-last
# inputs collapse to that without a copy); channel c's elements are the R = B * HW pairs (b, hw).
# Programs are (block of channels, split of the rows): [N, C] input (HW = 1) takes wide channel
# blocks (coalesced along C), spatial input narrow ones (coalesced along HW). With NSPLIT > 1 a
# first launch (PHASE 0) writes each split's partial statistics to a [NSPLIT, C] workspace, and
# the second (PHASE 1) combines them in every program before its elementwise pass over its rows.


@triton.jit
def _bn_offsets(r, ch, HW, s_b, s_c, s_hw):
    """Offsets of the [BLOCK_R, BLOCK_C] tile of (flat row r = b * HW + hw, channel ch)."""
    b = r // HW
    hw = r - b * HW
    return (b * s_b + hw * s_hw)[:, None] + (ch * s_c)[None, :]


@triton.jit
def _bn_moments(x, ch, c_mask, r_lo, r_hi, HW, s_b, s_c, s_hw, F64: tl.constexpr, BLOCK_R: tl.constexpr,
                BLOCK_C: tl.constexpr):
    """Mean and centered sum of squares per channel over rows [r_lo, r_hi), chunks combined as in
    Chan et al. so that no pass subtracts large sums."""
    rr = tl.arange(0, BLOCK_R)
    mean = _acc(tl.zeros((BLOCK_C, ), tl.float32), F64)
    m2 = _acc(tl.zeros((BLOCK_C, ), tl.float32), F64)
    for r0 in range(r_lo, r_hi, BLOCK_R):
        r = r0 + rr
        mask = (r < r_hi)[:, None] & c_mask[None, :]
        v = _acc(tl.load(x + _bn_offsets(r, ch, HW, s_b, s_c, s_hw), mask=mask, other=0.0), F64)
        n_b = _acc(tl.minimum(r_hi - r0, BLOCK_R), F64)
        mean_b = tl.sum(v, axis=0) / n_b
        d = tl.where(mask, v - mean_b[None, :], 0.0)
        delta = mean_b - mean
        frac = n_b / (n_b + (r0 - r_lo))  # this chunk's share of the elements seen so far
        mean += delta * frac
        m2 += tl.sum(d * d, axis=0) + delta * delta * (frac * (r0 - r_lo))
    return mean, m2


@triton.jit
def batch_norm_fwd_kernel(y, save_mean, save_invstd, run_mean, run_var, x, w, b, part_mean, part_m2, R, C, HW, sx_b,
                          sx_c, sx_hw, sy_b, sy_c, sy_hw, ROWS_PER_SPLIT, NSPLIT, momentum, eps, PHASE: tl.constexpr,
                          SPLIT: tl.constexpr, TRAIN: tl.constexpr, UPDATE: tl.constexpr, HAS_W: tl.constexpr,
                          HAS_B: tl.constexpr, F64: tl.constexpr, BLOCK_R: tl.constexpr, BLOCK_C: tl.constexpr,
                          INT64: tl.constexpr):
    """TRAIN: batch statistics into save_mean/save_invstd (UPDATE: running stats updated in place
    with momentum and the unbiased variance); else the running stats give mean and invstd (saved
    as well, as ATen's CUDA kernel does). Then y = (x - mean) * invstd * w + b."""
    ch = tl.program_id(0) * BLOCK_C + tl.arange(0, BLOCK_C)
    c_mask = ch < C
    split = tl.program_id(1)
    if INT64:
        ch = ch.to(tl.int64)
        split = split.to(tl.int64)
    r_lo = split * ROWS_PER_SPLIT
    r_hi = tl.minimum(r_lo + ROWS_PER_SPLIT, R)
    if PHASE == 0:
        mean, m2 = _bn_moments(x, ch, c_mask, r_lo, r_hi, HW, sx_b, sx_c, sx_hw, F64, BLOCK_R, BLOCK_C)
        tl.store(part_mean + split * C + ch, mean, mask=c_mask)
        tl.store(part_m2 + split * C + ch, m2, mask=c_mask)
    else:
        if TRAIN:
            if SPLIT:  # combine the splits' partial statistics (Chan et al.)
                mean = _acc(tl.zeros((BLOCK_C, ), tl.float32), F64)
                m2 = _acc(tl.zeros((BLOCK_C, ), tl.float32), F64)
                for s in range(0, NSPLIT):
                    n_b = _acc(tl.minimum(R - s * ROWS_PER_SPLIT, ROWS_PER_SPLIT), F64)
                    mean_b = tl.load(part_mean + s * C + ch, mask=c_mask, other=0.0)
                    delta = mean_b - mean
                    frac = n_b / (n_b + s * ROWS_PER_SPLIT)
                    mean += delta * frac
                    m2 += tl.load(part_m2 + s * C + ch, mask=c_mask, other=0.0) + delta * delta * (frac * s *
                                                                                                  ROWS_PER_SPLIT)
            else:
                mean, m2 = _bn_moments(x, ch, c_mask, 0, R, HW, sx_b, sx_c, sx_hw, F64, BLOCK_R, BLOCK_C)
            invstd = 1.0 / tl.sqrt(m2 / R + eps)
            if UPDATE:
                rm = _acc(tl.load(run_mean + ch, mask=c_mask, other=0.0), F64)
                rv = _acc(tl.load(run_var + ch, mask=c_mask, other=0.0), F64)
                rm = momentum * mean + (1.0 - momentum) * rm
                rv = momentum * (m2 / (R - 1)) + (1.0 - momentum) * rv
                tl.store(run_mean + ch, rm.to(run_mean.dtype.element_ty), mask=c_mask & (split == 0))
                tl.store(run_var + ch, rv.to(run_var.dtype.element_ty), mask=c_mask & (split == 0))
        else:
            mean = _acc(tl.load(run_mean + ch, mask=c_mask, other=0.0), F64)
            invstd = 1.0 / tl.sqrt(_acc(tl.load(run_var + ch, mask=c_mask, other=1.0), F64) + eps)
        tl.store(save_mean + ch, mean.to(save_mean.dtype.element_ty), mask=c_mask & (split == 0))
        tl.store(save_invstd + ch, invstd.to(save_invstd.dtype.element_ty), mask=c_mask & (split == 0))
        # y = x * scale + shift per channel
        scale = invstd
        if HAS_W:
            scale = scale * _acc(tl.load(w + ch, mask=c_mask, other=0.0), F64)
        shift = -mean * scale
        if HAS_B:
            shift = shift + _acc(tl.load(b + ch, mask=c_mask, other=0.0), F64)
        rr = tl.arange(0, BLOCK_R)
        for r0 in range(r_lo, r_hi, BLOCK_R):
            r = r0 + rr
            mask = (r < r_hi)[:, None] & c_mask[None, :]
            v = _acc(tl.load(x + _bn_offsets(r, ch, HW, sx_b, sx_c, sx_hw), mask=mask, other=0.0), F64)
            out = v * scale[None, :] + shift[None, :]
            tl.store(y + _bn_offsets(r, ch, HW, sy_b, sy_c, sy_hw), out.to(y.dtype.element_ty), mask=mask)


@triton.jit
def batch_norm_bwd_kernel(dx, dw, db, dy, x, mean, invstd, run_mean, run_var, w, part_dy, part_dyx, R, C, HW, sx_b,
                          sx_c, sx_hw, sd_b, sd_c, sd_hw, sdx_b, sdx_c, sdx_hw, ROWS_PER_SPLIT, NSPLIT, eps,
                          PHASE: tl.constexpr, SPLIT: tl.constexpr, TRAIN: tl.constexpr, HAS_DX: tl.constexpr,
                          HAS_DW: tl.constexpr, HAS_DB: tl.constexpr, HAS_W: tl.constexpr, F64: tl.constexpr,
                          BLOCK_R: tl.constexpr, BLOCK_C: tl.constexpr, INT64: tl.constexpr):
    """Per channel: sum_dy = sum dy, sum_dyx = sum dy * xhat (xhat = (x - mean) * invstd);
    db = sum_dy, dw = sum_dyx; dx = w * invstd * (dy - sum_dy / R - xhat * sum_dyx / R) in training,
    w * invstd * dy in eval (mean/invstd from the running stats). With splits, PHASE 0 writes each
    split's sums (sum_dyx before the invstd factor) and PHASE 1 adds them up."""
    ch = tl.program_id(0) * BLOCK_C + tl.arange(0, BLOCK_C)
    c_mask = ch < C
    split = tl.program_id(1)
    rr = tl.arange(0, BLOCK_R)
    if INT64:
        ch = ch.to(tl.int64)
        split = split.to(tl.int64)
    r_lo = split * ROWS_PER_SPLIT
    r_hi = tl.minimum(r_lo + ROWS_PER_SPLIT, R)
    if TRAIN:
        mu = _acc(tl.load(mean + ch, mask=c_mask, other=0.0), F64)
        inv = _acc(tl.load(invstd + ch, mask=c_mask, other=0.0), F64)
    else:
        mu = _acc(tl.load(run_mean + ch, mask=c_mask, other=0.0), F64)
        inv = 1.0 / tl.sqrt(_acc(tl.load(run_var + ch, mask=c_mask, other=1.0), F64) + eps)
    sum_dy = _acc(tl.zeros((BLOCK_C, ), tl.float32), F64)
    sum_dyx = _acc(tl.zeros((BLOCK_C, ), tl.float32), F64)
    if PHASE == 1 and SPLIT:
        for s in range(0, NSPLIT):
            sum_dy += tl.load(part_dy + s * C + ch, mask=c_mask, other=0.0)
            sum_dyx += tl.load(part_dyx + s * C + ch, mask=c_mask, other=0.0)
    elif TRAIN or HAS_DW or HAS_DB:
        if PHASE == 0:
            lo = r_lo
            hi = r_hi
        else:  # one split: all rows
            lo = r_lo * 0
            hi = r_lo * 0 + R
        for r0 in range(lo, hi, BLOCK_R):
            r = r0 + rr
            mask = (r < hi)[:, None] & c_mask[None, :]
            g = _acc(tl.load(dy + _bn_offsets(r, ch, HW, sd_b, sd_c, sd_hw), mask=mask, other=0.0), F64)
            sum_dy += tl.sum(g, axis=0)
            if TRAIN or HAS_DW:
                v = _acc(tl.load(x + _bn_offsets(r, ch, HW, sx_b, sx_c, sx_hw), mask=mask, other=0.0), F64)
                sum_dyx += tl.sum(g * (v - mu[None, :]), axis=0)
    if PHASE == 0:
        tl.store(part_dy + split * C + ch, sum_dy, mask=c_mask)
        tl.store(part_dyx + split * C + ch, sum_dyx, mask=c_mask)
    else:
        sum_dyx = sum_dyx * inv
        if HAS_DW:
            tl.store(dw + ch, sum_dyx.to(dw.dtype.element_ty), mask=c_mask & (split == 0))
        if HAS_DB:
            tl.store(db + ch, sum_dy.to(db.dtype.element_ty), mask=c_mask & (split == 0))
        if HAS_DX:
            scale = inv
            if HAS_W:
                scale = scale * _acc(tl.load(w + ch, mask=c_mask, other=0.0), F64)
            m_dy = sum_dy / R
            m_dyx = sum_dyx / R
            for r0 in range(r_lo, r_hi, BLOCK_R):
                r = r0 + rr
                mask = (r < r_hi)[:, None] & c_mask[None, :]
                g = _acc(tl.load(dy + _bn_offsets(r, ch, HW, sd_b, sd_c, sd_hw), mask=mask, other=0.0), F64)
                if TRAIN:
                    v = _acc(tl.load(x + _bn_offsets(r, ch, HW, sx_b, sx_c, sx_hw), mask=mask, other=0.0), F64)
                    xh = (v - mu[None, :]) * inv[None, :]
                    g = g - m_dy[None, :] - xh * m_dyx[None, :]
                out = g * scale[None, :]
                tl.store(dx + _bn_offsets(r, ch, HW, sdx_b, sdx_c, sdx_hw), out.to(dx.dtype.element_ty), mask=mask)


# ---------------------------------------------------------------- weight_norm
# v is seen as K kept slices (dim 0: rows; last dim: columns) of J elements each, at offsets
# k * s_k + j * s_j; one program per block of slices.


@triton.jit
def weight_norm_fwd_kernel(w, norms, v, g, K, J, s_k, s_j, F64: tl.constexpr, BLOCK_K: tl.constexpr,
                           BLOCK_J: tl.constexpr, INT64: tl.constexpr):
    """norms = ||v||_2 per slice, w = v * g / norms."""
    k = tl.program_id(0) * BLOCK_K + tl.arange(0, BLOCK_K)
    k_mask = k < K
    jj = tl.arange(0, BLOCK_J)
    if INT64:
        k = k.to(tl.int64)
        jj = jj.to(tl.int64)
    ss = _acc(tl.zeros((BLOCK_K, ), tl.float32), F64)
    for j0 in range(0, J, BLOCK_J):
        j = j0 + jj
        mask = k_mask[:, None] & (j < J)[None, :]
        x = _acc(tl.load(v + k[:, None] * s_k + j[None, :] * s_j, mask=mask, other=0.0), F64)
        ss += tl.sum(x * x, axis=1)
    n = tl.sqrt(ss)
    tl.store(norms + k, n.to(norms.dtype.element_ty), mask=k_mask)
    scale = _acc(tl.load(g + k, mask=k_mask, other=0.0), F64) / n
    for j0 in range(0, J, BLOCK_J):
        j = j0 + jj
        mask = k_mask[:, None] & (j < J)[None, :]
        offs = k[:, None] * s_k + j[None, :] * s_j
        x = _acc(tl.load(v + offs, mask=mask, other=0.0), F64)
        tl.store(w + offs, (x * scale[:, None]).to(w.dtype.element_ty), mask=mask)


@triton.jit
def weight_norm_bwd_kernel(grad_v, grad_g, grad_w, v, g, norms, K, J, s_k, s_j, F64: tl.constexpr,
                           BLOCK_K: tl.constexpr, BLOCK_J: tl.constexpr, INT64: tl.constexpr):
    """grad_g = sum(grad_w * v) / norms; grad_v = g / norms * (grad_w - v * grad_g / norms)."""
    k = tl.program_id(0) * BLOCK_K + tl.arange(0, BLOCK_K)
    k_mask = k < K
    jj = tl.arange(0, BLOCK_J)
    if INT64:
        k = k.to(tl.int64)
        jj = jj.to(tl.int64)
    s = _acc(tl.zeros((BLOCK_K, ), tl.float32), F64)
    for j0 in range(0, J, BLOCK_J):
        j = j0 + jj
        mask = k_mask[:, None] & (j < J)[None, :]
        offs = k[:, None] * s_k + j[None, :] * s_j
        gw = _acc(tl.load(grad_w + offs, mask=mask, other=0.0), F64)
        x = _acc(tl.load(v + offs, mask=mask, other=0.0), F64)
        s += tl.sum(gw * x, axis=1)
    n = _acc(tl.load(norms + k, mask=k_mask, other=1.0), F64)
    gg = s / n
    tl.store(grad_g + k, gg.to(grad_g.dtype.element_ty), mask=k_mask)
    scale = _acc(tl.load(g + k, mask=k_mask, other=0.0), F64) / n
    coef = gg / n
    for j0 in range(0, J, BLOCK_J):
        j = j0 + jj
        mask = k_mask[:, None] & (j < J)[None, :]
        offs = k[:, None] * s_k + j[None, :] * s_j
        gw = _acc(tl.load(grad_w + offs, mask=mask, other=0.0), F64)
        x = _acc(tl.load(v + offs, mask=mask, other=0.0), F64)
        out = scale[:, None] * (gw - x * coef[:, None])
        tl.store(grad_v + offs, out.to(grad_v.dtype.element_ty), mask=mask)
