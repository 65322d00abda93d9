"""Memory-bound products with a small side (decode): csrc/ops/blas.cpp run_gemv.

    c[t, r] = alpha * sum_k w[r, k] * x[t, k] + beta * inp[t, r],   t < T <= 16, r < R

`w` is the large operand, streamed once: R rows, K contiguous (unit stride, row stride s_wr).
For nn.Linear decode (out = x @ W^T with M <= 16 token rows) w is the weight (R = N) and x the
activations (T = M); for a product whose N is small (mv) w is A (R = M) and x is B^T. `x` is
tiny and read through any strides; c and inp are [T, R] through strides (inp: 0 strides for
broadcast dims; never read unless HAS_INPUT, so beta = 0 ignores NaN in it).

Each program owns BLOCK_R rows of w over the whole K (no split-K: no partials, one launch);
the config table sizes BLOCK_R so that R / BLOCK_R programs cover every SM. The loop streams
[BLOCK_R, BLOCK_K] tiles of w with 16-byte loads; rows past R are clamped (loads stay in bounds
and unmasked; their results are not stored). A partial last K block: see TAIL.

DOT (T > 1, and T == 1 unless the config row says fma_single): acc[BLOCK_R, BLOCK_T] =
w_tile @ x_tile^T on tensor cores (BLOCK_T = 16; tokens past T load as zeros without memory
traffic; BLOCK_R 16 or 32 runs on mma.sync, 64 with 4 warps on wgmma). PRECISION as matmul.py's
matmul_strided (fp32: TF32 or IEEE, following torch's allow_tf32).
Not DOT (T == 1, BLOCK_T = 1): CUDA-core FMAs into a [BLOCK_R, BLOCK_K] fp32 accumulator (no
reduction in the loop), summed over K once at the end.

How w streams (EVICT, per config row):
  EVICT (and always without DOT): register double buffering, the next tile's load issued before
      the current one is used (two tiles in flight per program), with the L2 evict_first hint:
      w is read once, its lines should displace each other rather than what L2 holds (dirty
      lines, KV cache, x). Triton drops that hint in its cp.async pipeline, hence registers.
  not EVICT (DOT): a plain loop; Triton's pipeliner streams the dot operands through cp.async
      into shared memory NUM_STAGES - 1 tiles ahead: (stages - 1) * BLOCK_R * BLOCK_K * elem
      bytes of w in flight per program.
UPCAST (the interpreter backend only): bf16 dot operands go through fp32 (see matmul.py).

Two-level accumulation (DOT): tensor cores add each MMA's products into the fp32 accumulator
with truncation, so one chain over all of K (28672 = 1792 MMA steps) drifts toward zero: 125
of 8192 fp16 outputs of 1 x 8192 x 28672 more than an ulp from exact, against 26 for cuBLAS
and 2 for fp32 SGEMM (H200, bench/results/2026-11-27-h200-session18.txt). The tensor-core chain
(`part`) restarts every second K block and is added into `acc` by a rounded fp32 add: 1 such
output. (`acc += tl.dot(w, x)` would not do: Triton folds an add of a dot from zero into the
dot's accumulator.) Cost, A/B on one H200: none for one token; 1-4% for 16 tokens with K >= 8192
(16 x 8192 x 8192 bf16 36.8 -> 38.0 us, 16 x 28672 x 8192 119.6 -> 123.9).
"""
import triton
import triton.language as tl

# PRECISION, as in matmul.py
HALF = tl.constexpr(0)
TF32 = tl.constexpr(1)
IEEE = tl.constexpr(2)


@triton.jit
def _step(acc, wt, xt, DOT: tl.constexpr, PRECISION: tl.constexpr, UPCAST: tl.constexpr):
    """One K block: acc [BLOCK_R, BLOCK_T] += wt @ xt^T (DOT), or acc [BLOCK_R, BLOCK_K] += wt * xt."""
    if DOT:
        if UPCAST:
            wt = wt.to(tl.float32)
            xt = xt.to(tl.float32)
        if PRECISION == TF32:
            acc = tl.dot(wt, tl.trans(xt), acc, input_precision="tf32")
        elif PRECISION == IEEE:
            acc = tl.dot(wt, tl.trans(xt), acc, input_precision="ieee")
        else:
            acc = tl.dot(wt, tl.trans(xt), acc)
    else:
        acc += wt.to(tl.float32) * xt.to(tl.float32)
    return acc


@triton.jit
def _accumulate(acc, part, k0, wt, xt, BLOCK_K: tl.constexpr, DOT: tl.constexpr, PRECISION: tl.constexpr,
                UPCAST: tl.constexpr):
    """The K block at k0 into (acc, part). DOT: onto the tensor-core chain `part`, which goes into
    acc (a rounded fp32 add) and restarts after the odd blocks; else into acc directly."""
    if DOT:
        part = _step(part, wt, xt, DOT, PRECISION, UPCAST)
        promote = (k0 // BLOCK_K) % 2 == 1
        acc = tl.where(promote, acc + part, acc)
        part = tl.where(promote, 0.0, part)
    else:
        acc = _step(acc, wt, xt, DOT, PRECISION, UPCAST)
    return acc, part


@triton.jit
def _load(ptrs, mask, EVICT: tl.constexpr = False):
    """Masked (zeros) unless mask is None; EVICT: L2 evict_first (data read once)."""
    if mask is None:
        if EVICT:
            return tl.load(ptrs, eviction_policy="evict_first")
        else:
            return tl.load(ptrs)
    else:
        if EVICT:
            return tl.load(ptrs, mask=mask, other=0.0, eviction_policy="evict_first")
        else:
            return tl.load(ptrs, mask=mask, other=0.0)


@triton.jit
def gemv_small(w, x, c, inp, R, T, K, alpha, beta, s_wr, s_xt, s_xk, s_ct, s_cr, s_it, s_ir,
               BLOCK_R: tl.constexpr, BLOCK_T: tl.constexpr, BLOCK_K: tl.constexpr, DOT: tl.constexpr,
               EVICT: tl.constexpr, HAS_INPUT: tl.constexpr, SCALE: tl.constexpr, PRECISION: tl.constexpr,
               TAIL: tl.constexpr, INT64: tl.constexpr, UPCAST: tl.constexpr):
    """TAIL: 0 = K % BLOCK_K == 0; 1 = a partial last block with K > BLOCK_K: the tile
    [K - BLOCK_K, K) is read unmasked (so with the main loop's layout and vector width) and the
    columns the loop already covered get zero x; 2 = K < BLOCK_K (or K = 0): one masked block."""
    pid = tl.program_id(0)
    if INT64:
        pid = pid.to(tl.int64)
    offs_r = pid * BLOCK_R + tl.arange(0, BLOCK_R)
    rows = tl.minimum(offs_r, R - 1)  # clamped: every load in bounds
    offs_t = tl.arange(0, BLOCK_T)
    offs_k = tl.arange(0, BLOCK_K)
    if INT64:
        offs_t = offs_t.to(tl.int64)
        offs_k = offs_k.to(tl.int64)
    t_ok = offs_t < T
    w_rows = w + rows[:, None] * s_wr
    w_ptrs = w_rows + offs_k[None, :]
    if DOT:
        x_rows = x + offs_t[:, None] * s_xt
        x_mask = t_ok[:, None]
        acc = tl.zeros((BLOCK_R, BLOCK_T), dtype=tl.float32)
        part = tl.zeros((BLOCK_R, BLOCK_T), dtype=tl.float32)  # see "Two-level accumulation"
    else:
        # x as a [BLOCK_R, BLOCK_K] tile with row stride 0: it gets the w tile's layout, so the
        # products need no layout conversion (the repeated addresses hit L1)
        x_rows = x + rows[:, None] * 0
        x_mask = None
        acc = tl.zeros((BLOCK_R, BLOCK_K), dtype=tl.float32)
        part = acc  # (unused)
    x_ptrs = x_rows + offs_k[None, :] * s_xk
    k_full = K - K % BLOCK_K  # the unmasked blocks of the loop
    if EVICT or not DOT:
        # Register double buffering: the next tile's load is issued before this one is used.
        # (With the L2 evict_first hint: Triton's pipeliner would drop it in cp.async.)
        if TAIL != 2:
            wt = _load(w_ptrs, None, EVICT)
            for k0 in range(BLOCK_K, k_full, BLOCK_K):  # (the block at k0 - BLOCK_K)
                w_next = _load(w_ptrs + BLOCK_K, None, EVICT)
                acc, part = _accumulate(acc, part, k0 - BLOCK_K, wt, _load(x_ptrs, x_mask), BLOCK_K, DOT, PRECISION,
                                        UPCAST)
                wt = w_next
                w_ptrs += BLOCK_K
                x_ptrs += BLOCK_K * s_xk
            acc, part = _accumulate(acc, part, k_full - BLOCK_K, wt, _load(x_ptrs, x_mask), BLOCK_K, DOT, PRECISION,
                                    UPCAST)
    else:
        # A plain loop: Triton's pipeliner streams the dot operands through cp.async into shared
        # memory, NUM_STAGES - 1 tiles ahead.
        for k0 in range(0, k_full, BLOCK_K):
            acc, part = _accumulate(acc, part, k0, tl.load(w_ptrs), _load(x_ptrs, x_mask), BLOCK_K, DOT, PRECISION,
                                    UPCAST)
            w_ptrs += BLOCK_K
            x_ptrs += BLOCK_K * s_xk
    if TAIL == 1:
        wt = _load(w_rows + (K - BLOCK_K) + offs_k[None, :], None, EVICT)
        xt = _load(x_rows + ((K - BLOCK_K) + offs_k[None, :]) * s_xk, x_mask)
        xt = tl.where(offs_k[None, :] >= BLOCK_K - K % BLOCK_K, xt, 0.0)
        acc, part = _accumulate(acc, part, k_full, wt, xt, BLOCK_K, DOT, PRECISION, UPCAST)
    elif TAIL == 2:
        k_ok = offs_k[None, :] < K
        wt = _load(w_ptrs, k_ok, EVICT)
        if DOT:
            xt = _load(x_ptrs, x_mask & k_ok)
        else:
            xt = _load(x_ptrs, k_ok)
        acc, part = _accumulate(acc, part, 0, wt, xt, BLOCK_K, DOT, PRECISION, UPCAST)
    if DOT:
        acc = acc + part  # the chain since its last promotion
    else:
        acc = tl.sum(acc, axis=1)[:, None]  # [BLOCK_R, 1]
    if SCALE:
        acc = acc * alpha
    r_ok = offs_r < R
    mask = r_ok[:, None] & t_ok[None, :]  # (not DOT: BLOCK_T = 1, offs_t = [0])
    if HAS_INPUT:
        y = tl.load(inp + offs_t[None, :] * s_it + offs_r[:, None] * s_ir, mask=mask, other=0.0)
        acc = acc + beta * y.to(tl.float32)
    tl.store(c + offs_t[None, :] * s_ct + offs_r[:, None] * s_cr, acc.to(c.dtype.element_ty), mask=mask)
