"""Reductions over any set of dims of a strided tensor: one kernel, the combine mode a constexpr.

The host splits the input's (coalesced) dims into kept dims (one output element per index)
and reduced dims. A program owns BLOCK_K outputs and one slice of the reduction. Each lane of
the [BLOCK_K, BLOCK_R] tile folds its elements into a state with the mode's combine function;
the lanes are then folded with tl.reduce and the same function. Long reductions with few outputs
are split: STAGE 1 writes each split's state (acc-typed partials, [components, split, K]) and a
second launch (STAGE 2) folds the partial states. Dims are passed innermost first; unused dims
are constexpr.

Modes and their states: SUM, PROD, MAX, MIN (one value); ARGMAX, ARGMIN (value, index: the
first index of the extreme value, NaN is the extreme); WELFORD (count, mean, M2); LSE (max, sum
of exp(x - max)). MAP transforms each input element on the first pass (|x|, |x|^p, x != 0, ...),
FIN turns the final state into the result (mean, p-th root, variance, log-sum-exp).
"""
import triton
import triton.language as tl
from triton.language.extra.cuda import gdc_launch_dependents, gdc_wait

from .pointwise import to_compute

# accumulator types, as c10::ScalarType codes (the compute-type cast is shared with pointwise)
ACC_I64 = tl.constexpr(4)
ACC_F32 = tl.constexpr(6)
ACC_F64 = tl.constexpr(7)
_acc_type = to_compute

# modes (csrc/ops/reduce.cpp: enum class Mode)
SUM = tl.constexpr(0)
PROD = tl.constexpr(1)
MAX = tl.constexpr(2)
MIN = tl.constexpr(3)
ARGMAX = tl.constexpr(4)
ARGMIN = tl.constexpr(5)
WELFORD = tl.constexpr(6)
LSE = tl.constexpr(7)
# element maps (first pass only)
MAP_ID = tl.constexpr(0)
MAP_NONZERO = tl.constexpr(1)
MAP_ABS = tl.constexpr(2)
MAP_POW = tl.constexpr(3)  # |x|^p
MAP_SQUARE = tl.constexpr(4)
# finishers (last pass only)
FIN_NONE = tl.constexpr(0)
FIN_DIV = tl.constexpr(1)   # / divisor (mean)
FIN_ROOT = tl.constexpr(2)  # ^(1/p)
FIN_SQRT = tl.constexpr(3)
FIN_VAR = tl.constexpr(4)   # M2 / max(n - correction, 0); out2 = mean
FIN_STD = tl.constexpr(5)


@triton.jit
def _offset3(i, n0, n1, s0, s1, s2, RANK: tl.constexpr):
    """Offset of linear index i over up to three dims (sizes n0, n1, innermost first)."""
    if RANK == 0:
        return i * 0
    elif RANK == 1:
        return i * s0
    elif RANK == 2:
        return (i % n0) * s0 + (i // n0) * s1
    else:
        return (i % n0) * s0 + ((i // n0) % n1) * s1 + (i // (n0 * n1)) * s2


# ---- combine functions (associative and commutative; NaN propagates)

@triton.jit
def _add(a, b):
    return a + b


@triton.jit
def _mul(a, b):
    return a * b


@triton.jit
def _max(a, b):
    return tl.where((a > b) | (a != a), a, b)


@triton.jit
def _min(a, b):
    return tl.where((a < b) | (a != a), a, b)


@triton.jit
def _argmax(av, ai, bv, bi):
    # a wins if larger, or NaN while b is not, or equal (both NaN included) with the lower index
    a_nan = av != av
    b_nan = bv != bv
    tie = (av == bv) | (a_nan & b_nan)
    pick_a = (av > bv) | (a_nan & ~b_nan) | (tie & (ai < bi))
    return tl.where(pick_a, av, bv), tl.where(pick_a, ai, bi)


@triton.jit
def _argmin(av, ai, bv, bi):
    a_nan = av != av
    b_nan = bv != bv
    tie = (av == bv) | (a_nan & b_nan)
    pick_a = (av < bv) | (a_nan & ~b_nan) | (tie & (ai < bi))
    return tl.where(pick_a, av, bv), tl.where(pick_a, ai, bi)


@triton.jit
def _welford(an, am, a2, bn, bm, b2):
    # Chan et al.: merge (count, mean, M2) pairs
    n = an + bn
    w = tl.where(n == 0, 0.0, bn / tl.where(n == 0, 1.0, n))
    d = bm - am
    return n, am + d * w, a2 + b2 + d * d * an * w


@triton.jit
def _lse(am, a_s, bm, b_s):
    # sums are relative to their max; a max of +-inf contributes with scale 1 (no inf - inf)
    m = _max(am, bm)
    sa = tl.where(am == m, 1.0, tl.exp(am - m))
    sb = tl.where(bm == m, 1.0, tl.exp(bm - m))
    return m, a_s * sa + b_s * sb


@triton.jit
def _fold(a, b, c, ea, eb, ec, MODE: tl.constexpr):
    if MODE == SUM:
        return a + ea, b, c
    elif MODE == PROD:
        return a * ea, b, c
    elif MODE == MAX:
        return _max(a, ea), b, c
    elif MODE == MIN:
        return _min(a, ea), b, c
    elif MODE == ARGMAX:
        v, i = _argmax(a, b, ea, eb)
        return v, i, c
    elif MODE == ARGMIN:
        v, i = _argmin(a, b, ea, eb)
        return v, i, c
    elif MODE == WELFORD:
        return _welford(a, b, c, ea, eb, ec)
    else:
        m, s = _lse(a, b, ea, eb)
        return m, s, c


@triton.jit
def _identity(MODE: tl.constexpr, ACC: tl.constexpr, BLOCK_K: tl.constexpr, BLOCK_R: tl.constexpr):
    """Initial state (a, b, c) of a lane."""
    z = _acc_type(tl.zeros((BLOCK_K, BLOCK_R), dtype=tl.float32), ACC)
    if MODE == PROD:
        return z + 1, z, z
    elif MODE == MAX or MODE == ARGMAX:
        if ACC == ACC_I64:
            lo = tl.full((BLOCK_K, BLOCK_R), -9223372036854775808, tl.int64)
        else:
            lo = z - float("inf")
        return lo, tl.full((BLOCK_K, BLOCK_R), 9223372036854775807, tl.int64), z
    elif MODE == MIN or MODE == ARGMIN:
        if ACC == ACC_I64:
            hi = tl.full((BLOCK_K, BLOCK_R), 9223372036854775807, tl.int64)
        else:
            hi = z + float("inf")
        return hi, tl.full((BLOCK_K, BLOCK_R), 9223372036854775807, tl.int64), z
    elif MODE == LSE:
        return z - float("inf"), z, z
    else:
        return z, z, z


@triton.jit
def _load_raw(ptr, mask, MASKED: tl.constexpr):
    # Default caching. With evict_first (until session 12) the sum itself was no faster (64M bf16
    # 35.4 vs 35.6 us, fp32 65.4 vs 65.1 on an H200) and the next kernel slower: a 64M neg after a
    # 256 MB sum 1-2% (bench/flush_side_probe.py).
    if MASKED:
        return tl.load(ptr, mask=mask, other=0)
    else:
        return tl.load(ptr)


@triton.jit
def _element(ptr, comp_stride, ptr2, r, mask, p, ACC: tl.constexpr, MODE: tl.constexpr, MAP: tl.constexpr,
             STAGE: tl.constexpr, MASKED: tl.constexpr, BLOCK_K: tl.constexpr, BLOCK_R: tl.constexpr):
    """The state (a, b, c) of one element per lane (identity where masked off)."""
    return _element_of(_load_raw(ptr, mask, MASKED), ptr, comp_stride, ptr2, r, mask, p, ACC, MODE, MAP, STAGE,
                       MASKED, BLOCK_K, BLOCK_R)


@triton.jit
def _element_of(raw, ptr, comp_stride, ptr2, r, mask, p, ACC: tl.constexpr, MODE: tl.constexpr, MAP: tl.constexpr,
                STAGE: tl.constexpr, MASKED: tl.constexpr, BLOCK_K: tl.constexpr, BLOCK_R: tl.constexpr):
    """_element's state from the loaded block `raw` (at ptr)."""
    ia, ib, ic = _identity(MODE, ACC, BLOCK_K, BLOCK_R)
    if STAGE == 2:
        # a partial state: components at comp_stride apart (indices in ptr2)
        ea = raw
        if MODE == ARGMAX or MODE == ARGMIN:
            eb = tl.load(ptr2, mask=mask, other=0)
        elif MODE == WELFORD or MODE == LSE:
            eb = tl.load(ptr + comp_stride, mask=mask, other=0)
        else:
            eb = ib
        if MODE == WELFORD:
            ec = tl.load(ptr + 2 * comp_stride, mask=mask, other=0)
        else:
            ec = ic
    else:
        if MAP == MAP_NONZERO:
            v = _acc_type(raw != 0, ACC)
        else:
            v = _acc_type(raw, ACC)
            if MAP == MAP_ABS:
                v = tl.abs(v)
            elif MAP == MAP_SQUARE:
                v = v * v
            elif MAP == MAP_POW:
                v = tl.exp(p * tl.log(tl.abs(v)))
        if MODE == WELFORD:
            ea = ia + 1
            eb = v
            ec = ic
        elif MODE == LSE:
            ea = v
            eb = ib + 1
            ec = ic
        else:
            ea = v
            eb = tl.zeros((BLOCK_K, BLOCK_R), tl.int64) + r[None, :]
            ec = ic
    if MASKED:
        ea = tl.where(mask, ea, ia)
        eb = tl.where(mask, eb, ib)
        ec = tl.where(mask, ec, ic)
    return ea, eb, ec


@triton.jit
def _max_nan(a, b):
    """max that any NaN wins (max.NaN on sm_80+: one instruction, where tl.max ignores NaN)."""
    return tl.maximum(a, b, propagate_nan=tl.PropagateNan.ALL)


@triton.jit
def _min_nan(a, b):
    return tl.minimum(a, b, propagate_nan=tl.PropagateNan.ALL)


@triton.jit
def _nan_max(a, MAX: tl.constexpr):
    """max (min) over axis 1 where any NaN wins. One reduction; the interpreter reduces these two
    combines with numpy (_interpreter_fixes), not element by element."""
    if MAX:
        return tl.reduce(a, 1, _max_nan)
    return tl.reduce(a, 1, _min_nan)


@triton.jit
def _extreme_hits(a, ACC: tl.constexpr, MAX: tl.constexpr):
    """The max (min) over axis 1 where any NaN wins, and the lanes holding it: where it is NaN
    the NaN lanes (none equals it), where it is not there is no NaN. Signed zeros compare equal."""
    if ACC == ACC_I64:
        if MAX:
            best = tl.max(a, axis=1)
        else:
            best = tl.min(a, axis=1)
        return best, a == best[:, None]
    best = _nan_max(a, MAX)
    return best, (a == best[:, None]) | (a != a)


@triton.jit
def _reduce_lanes(a, b, c, ACC: tl.constexpr, MODE: tl.constexpr):
    """Folds the lanes' states (axis 1) into one state per output."""
    if MODE == SUM:
        return tl.sum(a, axis=1), b, c
    elif MODE == PROD:
        return tl.reduce(a, 1, _mul), b, c
    elif MODE == MAX or MODE == MIN or MODE == ARGMAX or MODE == ARGMIN:
        v, hit = _extreme_hits(a, ACC, MODE == MAX or MODE == ARGMAX)
        # the first index among the lanes holding the extreme
        return v, tl.min(tl.where(hit, b, 9223372036854775807), axis=1), c
    elif MODE == WELFORD:
        # lanes' (count, mean, M2) merged at once: M2 = sum M2_i + sum n_i (mean_i - mean)^2
        n = tl.sum(a, axis=1)
        mean = tl.sum(a * b, axis=1) / tl.where(n == 0, 1.0, n)
        d = b - mean[:, None]
        return n, mean, tl.sum(c, axis=1) + tl.sum(a * d * d, axis=1)
    else:
        m = _nan_max(a, True)
        scale = tl.where(a == m[:, None], 1.0, tl.exp(a - m[:, None]))
        return m, tl.sum(b * scale, axis=1), c


@triton.jit
def _arg_tile(x, x_k, offs, r, r_start, mask, k_mask, rn0, rn1, rs0, rs1, rs2, R_RANK: tl.constexpr, ACC: tl.constexpr,
              MAX: tl.constexpr, MASKED: tl.constexpr, BLOCK_R: tl.constexpr):
    """(value, index) of the first extreme element of each row of a tile: the extreme where any
    NaN wins (one reduction, _extreme_hits), then the first index holding it (a second one); the
    first zero of either sign wins, as in torch. (Session 23. Before: an integer
    order key, its max, then the min index; H200 32768x4096 bf16 102.4 us. tl.argmax over the
    keys: 124.5; bench/argmax_rows_experiment.py.)"""
    if ACC == ACC_I64:
        identity = -9223372036854775808 if MAX else 9223372036854775807
    elif MAX:
        identity = float("-inf")
    else:
        identity = float("inf")
    if MASKED:
        v = _acc_type(tl.load(x + offs, mask=mask, other=0), ACC)
        # masked lanes hold the identity: a row's hits include a valid lane of lower index
        v = tl.where(mask, v, identity)
    else:
        v = _acc_type(tl.load(x + offs), ACC)  # (default caching: see _load_raw)
    best, hit = _extreme_hits(v, ACC, MAX)
    # any index inside the tile is below r_start + BLOCK_R
    idx = tl.min(tl.where(hit, r[None, :], r_start + BLOCK_R), axis=1).to(tl.int64)
    # the value is read back at the index (not `best`: its zero's sign may be the other one's)
    val = _acc_type(tl.load(x + x_k + _offset3(idx, rn0, rn1, rs0, rs1, rs2, R_RANK), mask=k_mask, other=0), ACC)
    return val, idx


@triton.jit
def reduce_kernel(out, out2, x, x2, K, R, r_per_split, r_main,
                  kn0, kn1, ks0, ks1, ks2,       # kept dims of x: sizes (innermost first), strides
                  ko0, ko1, ko2,                 # kept dims of out (and out2): strides
                  rn0, rn1, rs0, rs1, rs2,       # reduced dims of x
                  p,                             # MAP_POW / FIN_ROOT: p; FIN_VAR/STD: correction
                  divisor,                       # FIN_DIV: divide by this (the full reduction size)
                  K_RANK: tl.constexpr, R_RANK: tl.constexpr, ACC: tl.constexpr, MODE: tl.constexpr,
                  MAP: tl.constexpr, FIN: tl.constexpr, STAGE: tl.constexpr, WRITE2: tl.constexpr,
                  BLOCK_K: tl.constexpr, BLOCK_R: tl.constexpr, INT64: tl.constexpr, ONE_TILE: tl.constexpr = 0,
                  PREFETCH: tl.constexpr = 0, PDL: tl.constexpr = 0):
    """STAGE 0: reduce x into out (and out2); 1: write this split's partial state to out
    ([components, splits, K], indices in out2); 2: x (x2) hold partial states [components, R, K].
    ONE_TILE: a program's slice is one tile (1: exactly BLOCK_R, 2: fewer, masked along r).
    PREFETCH (STAGE 0 and 1): the main loop loads each block a step ahead, so that a lane has the
    next block's loads in flight while it folds the current one.
    PDL (sm_90+, programmatic dependent launch): STAGE 1 lets the partials' pass launch as soon as
    every program has started; STAGE 2, launched that way, waits for STAGE 1's results first."""
    if PDL:
        if STAGE == 2:
            gdc_wait()
        else:
            gdc_launch_dependents()
    pid_k = tl.program_id(0)
    split = tl.program_id(1)
    k = pid_k * BLOCK_K + tl.arange(0, BLOCK_K)
    if INT64:
        k = k.to(tl.int64)
    k_mask = k < K
    x_k = _offset3(k, kn0, kn1, ks0, ks1, ks2, K_RANK)
    r_start = split * r_per_split
    if INT64:
        r_start = r_start.to(tl.int64)
    comp_stride = R * K  # STAGE 2: distance between the components of a partial state
    a, b, c = _identity(MODE, ACC, BLOCK_K, BLOCK_R)
    # Loop bounds come from arguments only (the interpreter needs that). The host makes every
    # split but the last one complete, and r_main = r_per_split rounded down to BLOCK_R: complete
    # splits load whole blocks without a mask along r (so loads vectorize and nothing branches
    # inside the loop), then one masked tail block; the last, incomplete split masks every block.
    if ONE_TILE != 0:
        # The elements' states go straight to the lane fold: no per-element combine with the
        # identity (for WELFORD that is a division per element; the lane fold is two-pass).
        r = r_start + tl.arange(0, BLOCK_R)
        offs = x_k[:, None] + _offset3(r, rn0, rn1, rs0, rs1, rs2, R_RANK)[None, :]
        if ONE_TILE == 1:
            mask = k_mask[:, None]
            masked: tl.constexpr = BLOCK_K != 1
        else:
            mask = k_mask[:, None] & (r < R)[None, :]
            masked: tl.constexpr = True
        if (MODE == ARGMAX or MODE == ARGMIN) and STAGE != 2:
            ta, tb = _arg_tile(x, x_k, offs, r, r_start, mask, k_mask, rn0, rn1, rs0, rs1, rs2, R_RANK, ACC,
                               MODE == ARGMAX, masked, BLOCK_R)
            tc = ta
        else:
            a, b, c = _element(x + offs, comp_stride, x2 + offs, r, mask, p, ACC, MODE, MAP, STAGE, masked,
                               BLOCK_K, BLOCK_R)
            ta, tb, tc = _reduce_lanes(a, b, c, ACC, MODE)
    elif r_start + r_per_split <= R:
        step = r_start * 0  # main-loop steps done (a tensor: the interpreter's r0 is an int)
        if (MODE == ARGMAX or MODE == ARGMIN) and STAGE != 2:
            # the step at which each lane took its extreme (int32: half the registers of the index)
            best_step = tl.zeros((BLOCK_K, BLOCK_R), tl.int32)
        if PREFETCH:
            r = r_start + tl.arange(0, BLOCK_R)
            offs = x_k[:, None] + _offset3(r, rn0, rn1, rs0, rs1, rs2, R_RANK)[None, :]
            raw_next = _load_raw(x + offs, k_mask[:, None] & (r < r_start + r_main)[None, :], True)
        for r0 in range(0, r_main, BLOCK_R):
            r = r_start + r0 + tl.arange(0, BLOCK_R)
            offs = x_k[:, None] + _offset3(r, rn0, rn1, rs0, rs1, rs2, R_RANK)[None, :]
            # one output per program: every lane is valid, no mask at all
            if PREFETCH:
                raw = raw_next
                # the next step's block; after the last step this one again (in bounds, no mask)
                r_next = r_start + tl.where(r0 + BLOCK_R < r_main, r0 + BLOCK_R, r0) + tl.arange(0, BLOCK_R)
                offs_next = x_k[:, None] + _offset3(r_next, rn0, rn1, rs0, rs1, rs2, R_RANK)[None, :]
                raw_next = _load_raw(x + offs_next, k_mask[:, None], BLOCK_K != 1)
                ea, eb, ec = _element_of(raw, x + offs, comp_stride, x2 + offs, r, k_mask[:, None], p, ACC, MODE, MAP,
                                         STAGE, BLOCK_K != 1, BLOCK_K, BLOCK_R)
            else:
                ea, eb, ec = _element(x + offs, comp_stride, x2 + offs, r, k_mask[:, None], p, ACC, MODE, MAP, STAGE,
                                      BLOCK_K != 1, BLOCK_K, BLOCK_R)
            if STAGE != 2 and MODE == WELFORD:
                # every lane takes one element per step: its count is the step number, the same for
                # all lanes (added to `a` after the loop, not kept per lane), so the mean update
                # needs one reciprocal per step, not a division per element
                step += 1
                inv = 1.0 / _acc_type(step, ACC)
                d = eb - b
                b = b + d * inv
                c = c + d * (eb - b)
            elif STAGE != 2 and (MODE == ARGMAX or MODE == ARGMIN):
                # a lane's indices increase: a strict improvement keeps the first index; the first step
                # takes the element whatever it is (the identity may equal it); the first NaN wins
                if MODE == ARGMAX:
                    pick = ea > a
                else:
                    pick = ea < a
                if ACC != ACC_I64:
                    pick = pick | ((ea != ea) & (a == a))
                pick = pick | (r0 == 0)
                a = tl.where(pick, ea, a)
                best_step = tl.where(pick, step.to(tl.int32), best_step)
                step += 1
            else:
                a, b, c = _fold(a, b, c, ea, eb, ec, MODE)
        if STAGE != 2 and MODE == WELFORD:
            a = a + _acc_type(step, ACC)
        elif (MODE == ARGMAX or MODE == ARGMIN) and STAGE != 2:
            # the lanes' indices (lanes keep the identity's index when the loop ran no step)
            lane_r = r_start + tl.arange(0, BLOCK_R)[None, :]
            b = tl.where(step > 0, lane_r + best_step.to(lane_r.dtype) * BLOCK_R, b).to(tl.int64)
        if r_main < r_per_split:
            r = r_start + r_main + tl.arange(0, BLOCK_R)
            offs = x_k[:, None] + _offset3(r, rn0, rn1, rs0, rs1, rs2, R_RANK)[None, :]
            mask = k_mask[:, None] & (r < r_start + r_per_split)[None, :]
            ea, eb, ec = _element(x + offs, comp_stride, x2 + offs, r, mask, p, ACC, MODE, MAP, STAGE, True,
                                  BLOCK_K, BLOCK_R)
            a, b, c = _fold(a, b, c, ea, eb, ec, MODE)
    else:
        for r0 in range(0, r_per_split, BLOCK_R):
            r = r_start + r0 + tl.arange(0, BLOCK_R)
            offs = x_k[:, None] + _offset3(r, rn0, rn1, rs0, rs1, rs2, R_RANK)[None, :]
            mask = k_mask[:, None] & (r < R)[None, :]
            ea, eb, ec = _element(x + offs, comp_stride, x2 + offs, r, mask, p, ACC, MODE, MAP, STAGE, True,
                                  BLOCK_K, BLOCK_R)
            a, b, c = _fold(a, b, c, ea, eb, ec, MODE)
    if ONE_TILE == 0:
        ta, tb, tc = _reduce_lanes(a, b, c, ACC, MODE)
    if STAGE == 1:
        # partial states laid out [components, splits, K], contiguous; indices in out2
        nk = tl.num_programs(1) * K
        po = split * K + k
        tl.store(out + po, ta, mask=k_mask)
        if MODE == ARGMAX or MODE == ARGMIN:
            tl.store(out2 + po, tb, mask=k_mask)
        elif MODE == WELFORD or MODE == LSE:
            tl.store(out + nk + po, tb, mask=k_mask)
        if MODE == WELFORD:
            tl.store(out + 2 * nk + po, tc, mask=k_mask)
    else:
        o = _offset3(k, kn0, kn1, ko0, ko1, ko2, K_RANK)
        if MODE == ARGMAX or MODE == ARGMIN:
            if WRITE2:  # values too (max.dim / min.dim)
                tl.store(out + o, ta.to(out.dtype.element_ty), mask=k_mask)
            tl.store(out2 + o, tb.to(out2.dtype.element_ty), mask=k_mask)
        elif MODE == WELFORD:
            dof = tl.maximum(ta - p, 0.0)
            var = tc / dof
            if FIN == FIN_STD:
                var = tl.sqrt(var)
            tl.store(out + o, var.to(out.dtype.element_ty), mask=k_mask)
            if WRITE2:
                tl.store(out2 + o, tb.to(out2.dtype.element_ty), mask=k_mask)
        elif MODE == LSE:
            tl.store(out + o, (ta + tl.log(tb)).to(out.dtype.element_ty), mask=k_mask)
        else:
            if FIN == FIN_DIV:
                ta = ta / divisor
            elif FIN == FIN_SQRT:
                ta = tl.sqrt(ta)
            elif FIN == FIN_ROOT:
                ta = tl.exp(tl.log(ta) / p)
            tl.store(out + o, ta.to(out.dtype.element_ty), mask=k_mask)


@triton.jit
def sum_kernel(out, x, K, R, r_per_split, r_main, kn0, kn1, ks0, ks1, ks2, ko0, ko1, ko2, rn0, rn1, rs0, rs1, rs2,
               divisor, K_RANK: tl.constexpr, R_RANK: tl.constexpr, ACC: tl.constexpr, MEAN: tl.constexpr,
               SPLIT: tl.constexpr, BLOCK_K: tl.constexpr, BLOCK_R: tl.constexpr, INT64: tl.constexpr):
    """reduce_kernel in SUM mode with the former sum-only signature (bench/tune.py times it)."""
    reduce_kernel(out, out, x, x, K, R, r_per_split, r_main, kn0, kn1, ks0, ks1, ks2, ko0, ko1, ko2, rn0, rn1, rs0,
                  rs1, rs2, 0.0, divisor, K_RANK, R_RANK, ACC, SUM, MAP_ID, MEAN * 1, SPLIT * 1, False, BLOCK_K,
                  BLOCK_R, INT64)
