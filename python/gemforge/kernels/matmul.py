"""Matrix products: out[b] = alpha * (A[b] @ B[b]) + beta * input[b] (csrc/ops/blas.cpp).

Two kernels with the same epilogue:
  matmul_tma      Hopper and newer: operands through host TMA descriptors, persistent (one
                  program per SM walking the output tiles in grouped order), optional warp
                  specialization (WS; Triton 3.6 on sm_90 compiles it to the same code as
                  without). A is [M, K] or given transposed ([K, M] storage), B is [K, N] or
                  given transposed ([N, K] storage: nn.Linear's weight). Batched operands are
                  3-D descriptors.
  matmul_strided  any strides and any architecture (and the interpreter): pointer loads.

The epilogue reads `input` through strides (0 for broadcast dims: a bias row, a column, a
batch-shared matrix); with HAS_INPUT false it is never read, so beta = 0 ignores NaN in it as
torch does. Accumulation is fp32; fp32 operands use TF32 when PRECISION says so (torch's
allow_tf32), IEEE fp32 otherwise.

UPCAST (the interpreter backend only): Triton 3.6's interpreter multiplies bf16 operands of
tl.dot as raw 16-bit integers, so there the operands are converted to fp32 first.
"""
import triton
import triton.language as tl


@triton.jit
def _tile_of(tile, num_pid_m, num_pid_n, GROUP_M: tl.constexpr):
    """Grouped order: GROUP_M row tiles in a row share their B column tiles while in L2."""
    in_group = GROUP_M * num_pid_n
    first_m = (tile // in_group) * GROUP_M
    rows = tl.minimum(num_pid_m - first_m, GROUP_M)
    pid_m = first_m + (tile % in_group) % rows
    pid_n = (tile % in_group) // rows
    return pid_m, pid_n


@triton.jit
def _row_start(pid_m, M, BM: tl.constexpr, SHIFT_M: tl.constexpr):
    """First row of row tile pid_m. SHIFT_M (M > BM, not a multiple of it): the last row tile
    ends at row M, overlapping the one before, so that no A box reaches past row M: boxes
    partly past the end made the whole product slow (H200, 200 x 4096 x 14336 in 128-row tiles:
    88.4 us, 61.2 with the boxes inside). Rows in both tiles get the same sums twice; the host
    turns it off when the epilogue's input overlaps the output (one tile would read a row of
    the input after the other tile wrote it)."""
    off_m = pid_m * BM
    if SHIFT_M:
        off_m = tl.minimum(off_m, M - BM)
    return off_m


@triton.jit
def _epilogue(acc, inp, offs_m, offs_n, b, M, N, alpha, beta, s_ib, s_im, s_in, HAS_INPUT: tl.constexpr,
              SCALE: tl.constexpr):
    """alpha * acc + beta * input, in fp32."""
    if SCALE:
        acc = acc * alpha
    if HAS_INPUT:
        mask = (offs_m[:, None] < M) & (offs_n[None, :] < N)
        x = tl.load(inp + b * s_ib + offs_m[:, None] * s_im + offs_n[None, :] * s_in, mask=mask, other=0.0)
        acc = acc + beta * x.to(tl.float32)
    return acc


@triton.jit
def _tile_acc(a_desc, b_desc, b, off_m, off_n, k_first, k_steps, BM: tl.constexpr, BN: tl.constexpr,
              BK: tl.constexpr, A_KM: tl.constexpr, B_NK: tl.constexpr, BATCHED: tl.constexpr, UPCAST: tl.constexpr):
    """A[b] @ B[b] over K steps k_first .. k_first + k_steps - 1 of one output tile, in fp32 (steps
    past K: TMA fills out-of-bounds blocks with zeros)."""
    acc = tl.zeros((BM, BN), dtype=tl.float32)
    for kk in range(k_steps):
        off_k = (k_first + kk) * BK
        if BATCHED:
            if A_KM:
                a = a_desc.load([b, off_k, off_m]).reshape(BK, BM).T
            else:
                a = a_desc.load([b, off_m, off_k]).reshape(BM, BK)
            if B_NK:
                w = b_desc.load([b, off_n, off_k]).reshape(BN, BK).T
            else:
                w = b_desc.load([b, off_k, off_n]).reshape(BK, BN)
        else:
            if A_KM:
                a = a_desc.load([off_k, off_m]).T
            else:
                a = a_desc.load([off_m, off_k])
            if B_NK:
                w = b_desc.load([off_n, off_k]).T
            else:
                w = b_desc.load([off_k, off_n])
        if UPCAST:
            a = a.to(tl.float32)
            w = w.to(tl.float32)
        acc = tl.dot(a, w, acc)
    return acc


@triton.jit
def matmul_tma(a_desc, b_desc, c_desc, inp, partials, flags, M, N, K, dp_tiles, alpha, beta, s_ib, s_im, s_in,
               BM: tl.constexpr, BN: tl.constexpr, BK: tl.constexpr, GROUP_M: tl.constexpr,
               NUM_SMS: tl.constexpr, A_KM: tl.constexpr, B_NK: tl.constexpr, BATCHED: tl.constexpr,
               HAS_INPUT: tl.constexpr, SCALE: tl.constexpr, WS: tl.constexpr, SPLIT_STORE: tl.constexpr,
               UPCAST: tl.constexpr, SPLIT_K: tl.constexpr, TAIL_SPLIT: tl.constexpr, SHIFT_M: tl.constexpr):
    """The main loop takes output tiles 0 .. dp_tiles - 1 (of all batches, in order; all tiles
    unless TAIL_SPLIT > 1).
    SPLIT_K > 1 (unbatched, few output tiles: decode shapes): each work unit sums one K slice
    of a tile into fp32 `partials` [SPLIT_K, M, N]; splitk_finish adds them and runs the epilogue.
    TAIL_SPLIT > 1 (unbatched, SPLIT_K 1; the tiles past dp_tiles would fill less than half of a
    last wave of programs): after the main loop, program u < (tiles - dp_tiles) * TAIL_SPLIT
    takes K slice s = u % TAIL_SPLIT of tail tile u // TAIL_SPLIT, so the last wave is 1 /
    TAIL_SPLIT as long. Slices below the last leave their sums in `partials` [tail tile, slice,
    BM, BN] and count themselves in flags[tail tile] (zeroed by the host); the last slice waits
    for the count, adds the sums and runs the epilogue. It waits only on programs of lower ids,
    which the GPU starts first (the assumption of decoupled look-back scans), and under the
    interpreter, which runs programs in order, those have finished.
    SHIFT_M: the last row tile ends at row M (_row_start)."""
    num_pid_m = (M + BM - 1) // BM
    num_pid_n = (N + BN - 1) // BN
    tiles_per_batch = num_pid_m * num_pid_n
    k_tiles = (K + BK - 1) // BK
    k_tiles_per_split = (k_tiles + SPLIT_K - 1) // SPLIT_K
    for unit in tl.range(tl.program_id(0), dp_tiles * SPLIT_K, NUM_SMS, flatten=True,
                         warp_specialize=WS):
        tile = unit // SPLIT_K
        split = unit % SPLIT_K
        b = tile // tiles_per_batch
        pid_m, pid_n = _tile_of(tile % tiles_per_batch, num_pid_m, num_pid_n, GROUP_M)
        off_m = _row_start(pid_m, M, BM, SHIFT_M)
        off_n = pid_n * BN
        acc = _tile_acc(a_desc, b_desc, b, off_m, off_n, split * k_tiles_per_split, k_tiles_per_split, BM, BN, BK,
                        A_KM, B_NK, BATCHED, UPCAST)
        offs_m = off_m + tl.arange(0, BM)
        offs_n = off_n + tl.arange(0, BN)
        if SPLIT_K > 1:
            mask = (offs_m[:, None] < M) & (offs_n[None, :] < N)
            tl.store(partials + split * M * N + offs_m[:, None] * N + offs_n[None, :], acc, mask=mask)
        else:
            acc = _epilogue(acc, inp, offs_m, offs_n, b, M, N, alpha, beta, s_ib, s_im, s_in, HAS_INPUT, SCALE)
            _store_tile(c_desc, acc, b, off_m, off_n, BM, BN, BATCHED, SPLIT_STORE)
    if TAIL_SPLIT > 1:
        u = tl.program_id(0)
        if u < (tiles_per_batch - dp_tiles) * TAIL_SPLIT:
            t = u // TAIL_SPLIT
            s = u % TAIL_SPLIT
            pid_m, pid_n = _tile_of(dp_tiles + t, num_pid_m, num_pid_n, GROUP_M)
            off_m = _row_start(pid_m, M, BM, SHIFT_M)
            off_n = pid_n * BN
            steps = (k_tiles + TAIL_SPLIT - 1) // TAIL_SPLIT
            acc = _tile_acc(a_desc, b_desc, 0, off_m, off_n, s * steps, steps, BM, BN, BK, A_KM, B_NK, False, UPCAST)
            sums = partials + t * (TAIL_SPLIT - 1) * BM * BN + tl.arange(0, BM)[:, None] * BN + tl.arange(0, BN)[None, :]
            if s < TAIL_SPLIT - 1:
                tl.store(sums + s * BM * BN, acc, cache_modifier=".cg")
                tl.debug_barrier()  # every thread's sums stored before the count says so
                tl.atomic_add(flags + t, 1, sem="release")
            else:
                # (a scalar atomic: one thread asks, the program gets its answer)
                done = tl.atomic_add(flags + t, 0, sem="acquire")
                while done < TAIL_SPLIT - 1:
                    done = tl.atomic_add(flags + t, 0, sem="acquire")
                for q in tl.static_range(TAIL_SPLIT - 1):
                    acc += tl.load(sums + q * BM * BN, cache_modifier=".cg")
                offs_m = off_m + tl.arange(0, BM)
                offs_n = off_n + tl.arange(0, BN)
                acc = _epilogue(acc, inp, offs_m, offs_n, 0, M, N, alpha, beta, s_ib, s_im, s_in, HAS_INPUT, SCALE)
                _store_tile(c_desc, acc, 0, off_m, off_n, BM, BN, False, SPLIT_STORE)


@triton.jit
def _store_tile(c_desc, acc, b, off_m, off_n, BM: tl.constexpr, BN: tl.constexpr, BATCHED: tl.constexpr,
                SPLIT_STORE: tl.constexpr):
    c = acc.to(c_desc.dtype)
    if SPLIT_STORE:
        # two half-width stores: half the shared-memory staging of one full tile
        c0, c1 = tl.split(tl.permute(tl.reshape(c, (BM, 2, BN // 2)), (0, 2, 1)))
        if BATCHED:
            c_desc.store([b, off_m, off_n], c0.reshape(1, BM, BN // 2))
            c_desc.store([b, off_m, off_n + BN // 2], c1.reshape(1, BM, BN // 2))
        else:
            c_desc.store([off_m, off_n], c0)
            c_desc.store([off_m, off_n + BN // 2], c1)
    else:
        if BATCHED:
            c_desc.store([b, off_m, off_n], c.reshape(1, BM, BN))
        else:
            c_desc.store([off_m, off_n], c)


@triton.jit
def splitk_finish(partials, c, inp, M, N, splits, alpha, beta, s_cm, s_cn, s_im, s_in, HAS_INPUT: tl.constexpr,
                  SCALE: tl.constexpr, BLOCK: tl.constexpr):
    """c = epilogue(sum of the split-K partials), over BLOCK output elements per program."""
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < M * N
    acc = tl.zeros((BLOCK, ), dtype=tl.float32)
    for s in range(0, splits):
        acc += tl.load(partials + s * M * N + offs, mask=mask, other=0.0)
    m = offs // N
    n = offs % N
    if SCALE:
        acc = acc * alpha
    if HAS_INPUT:
        acc = acc + beta * tl.load(inp + m * s_im + n * s_in, mask=mask, other=0.0).to(tl.float32)
    tl.store(c + m * s_cm + n * s_cn, acc.to(c.dtype.element_ty), mask=mask)


# PRECISION of matmul_strided: 16-bit operands need none; fp32 operands use TF32 or IEEE.
HALF = tl.constexpr(0)
TF32 = tl.constexpr(1)
IEEE = tl.constexpr(2)


@triton.jit
def matmul_strided(a, w, c, inp, M, N, K, alpha, beta,
                   s_ab, s_am, s_ak, s_wb, s_wk, s_wn, s_cb, s_cm, s_cn, s_ib, s_im, s_in,
                   BM: tl.constexpr, BN: tl.constexpr, BK: tl.constexpr, GROUP_M: tl.constexpr,
                   HAS_INPUT: tl.constexpr, SCALE: tl.constexpr, PRECISION: tl.constexpr,
                   INT64: tl.constexpr, UPCAST: tl.constexpr):
    """Grid: (output tiles, batch). Masked loads of any strides; K need not divide BK."""
    num_pid_m = (M + BM - 1) // BM
    num_pid_n = (N + BN - 1) // BN
    pid_m, pid_n = _tile_of(tl.program_id(0), num_pid_m, num_pid_n, GROUP_M)
    b = tl.program_id(1)
    if INT64:
        b = b.to(tl.int64)
        pid_m = pid_m.to(tl.int64)
        pid_n = pid_n.to(tl.int64)
    offs_m = pid_m * BM + tl.arange(0, BM)
    offs_n = pid_n * BN + tl.arange(0, BN)
    offs_k = tl.arange(0, BK)
    a_ptrs = a + b * s_ab + offs_m[:, None] * s_am + offs_k[None, :] * s_ak
    w_ptrs = w + b * s_wb + offs_k[:, None] * s_wk + offs_n[None, :] * s_wn
    acc = tl.zeros((BM, BN), dtype=tl.float32)
    for k0 in range(0, K, BK):
        k_left = K - k0
        x = tl.load(a_ptrs, mask=(offs_m[:, None] < M) & (offs_k[None, :] < k_left), other=0.0)
        y = tl.load(w_ptrs, mask=(offs_k[:, None] < k_left) & (offs_n[None, :] < N), other=0.0)
        if UPCAST:
            x = x.to(tl.float32)
            y = y.to(tl.float32)
        if PRECISION == TF32:
            acc = tl.dot(x, y, acc, input_precision="tf32")
        elif PRECISION == IEEE:
            acc = tl.dot(x, y, acc, input_precision="ieee")
        else:
            acc = tl.dot(x, y, acc)
        a_ptrs += BK * s_ak
        w_ptrs += BK * s_wk
    acc = _epilogue(acc, inp, offs_m, offs_n, b, M, N, alpha, beta, s_ib, s_im, s_in, HAS_INPUT, SCALE)
    mask = (offs_m[:, None] < M) & (offs_n[None, :] < N)
    tl.store(c + b * s_cb + offs_m[:, None] * s_cm + offs_n[None, :] * s_cn, acc.to(c.dtype.element_ty), mask=mask)
