"""Warp-specialized persistent GEMM for sm_90, written in Gluon (Triton's explicit-layout
language; it does not run under the interpreter, where matmul.py's matmul_tma serves).

pp_matmul_kernel ("ping-pong"): a 1-warp loader partition issues the TMA loads of A and B into
two rings of STAGES slots (ready / empty mbarriers a slot); two 4-warp consumer warpgroups take
the program's tiles alternately, each from its own ring, one asynchronous wgmma a K step with
one in flight, and each writes its tile through its own staging buffer with a TMA store that
runs on while the other consumer's MMAs proceed. For write-bound products (attention's Q @ K^T
with heads of up to 128) the epilogue of one tile overlaps the other's MMAs, as cuBLAS's
kernel does (a producer and two consumer warpgroups, 384 threads). bench/gluon_matmul_experiment.py
(session 24, H200): QK^T 32x4096x4096x128 349.3 us against cuBLAS's 345.3 and matmul_tma's
400.4 then; QK^T 64x1024x1024x128 49.3 against 50.1 and 54.0.

Batched products are flattened into 2-D descriptors: A [batch * M, K], B [batch * N, K] (B_NK:
the keys' layout) or [batch * K, N], C [batch * M, N]; a tile never straddles two batches when
M % BM == 0 (and K % BK == 0 for [K, N] B): csrc/ops/blas.cpp run_pingpong checks.
"""
from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon.language.nvidia.hopper import (fence_async_shared, mbarrier, tma, warpgroup_mma,
                                                               warpgroup_mma_wait)


@gluon.jit
def _tile(t, tiles_m, tiles_n, GROUP_M: gl.constexpr):
    """(batch, row tile, column tile) of tile t: grouped order within a batch (GROUP_M row tiles
    share their B column tiles while in L2), batches one after another."""
    per_batch = tiles_m * tiles_n
    b = t // per_batch
    t = t % per_batch
    in_group = GROUP_M * tiles_n
    first_m = (t // in_group) * GROUP_M
    rows = gl.minimum(tiles_m - first_m, GROUP_M)
    return b, first_m + (t % in_group) % rows, (t % in_group) // rows


@gluon.jit
def _loader(a_desc, b_desc, a_bufs, b_bufs, ready, empty, M, N, K, tiles, tiles_m, tiles_n, GROUP_M: gl.constexpr,
            NUM_SMS: gl.constexpr, STAGES: gl.constexpr, B_NK: gl.constexpr, RINGS: gl.constexpr):
    """The loader partition: the program's tile j goes to ring j % RINGS (slots r * STAGES ..
    r * STAGES + STAGES - 1), each ring filled in the order its consumer takes it. A slot's n-th
    fill waits for its (n-1)-th to be handed back (a fresh barrier passes the wait on the phase
    before its first)."""
    BM: gl.constexpr = a_desc.block_type.shape[0]
    BK: gl.constexpr = a_desc.block_type.shape[1]
    if B_NK:
        BN: gl.constexpr = b_desc.block_type.shape[0]
    else:
        BN: gl.constexpr = b_desc.block_type.shape[1]
    k_steps = gl.cdiv(K, BK)
    n0 = 0  # K steps put in ring 0 so far
    n1 = 0
    j = 0
    for t in range(gl.program_id(0), tiles, NUM_SMS):
        b, pid_m, pid_n = _tile(t, tiles_m, tiles_n, GROUP_M)
        ring = j % RINGS
        n = gl.where(ring == 0, n0, n1)
        for kk in range(k_steps):
            s = ring * STAGES + n % STAGES
            mbarrier.wait(empty.index(s), ((n // STAGES) & 1) ^ 1)
            mbarrier.expect(ready.index(s), a_desc.block_type.nbytes + b_desc.block_type.nbytes)
            tma.async_copy_global_to_shared(a_desc, [b * M + pid_m * BM, kk * BK], ready.index(s), a_bufs.index(s))
            if B_NK:
                tma.async_copy_global_to_shared(b_desc, [b * N + pid_n * BN, kk * BK], ready.index(s), b_bufs.index(s))
            else:
                tma.async_copy_global_to_shared(b_desc, [b * K + kk * BK, pid_n * BN], ready.index(s), b_bufs.index(s))
            n += 1
        n0 = gl.where(ring == 0, n, n0)
        n1 = gl.where(ring == 0, n1, n)
        j += 1


@gluon.jit
def _consumer(c_desc, a_bufs, b_bufs, ready, empty, c_smem, M, N, K, tiles, tiles_m, tiles_n, GROUP_M: gl.constexpr,
              NUM_SMS: gl.constexpr, STAGES: gl.constexpr, B_NK: gl.constexpr, WARPS: gl.constexpr,
              RING: gl.constexpr, RINGS: gl.constexpr):
    """A consumer partition of WARPS warps: the program's tiles j with j % RINGS == RING, from ring
    RING (with two consumers a ring each: one ring shared by both would let a consumer pass a
    slot's parity wait a phase early, when K has more steps than slots). One asynchronous wgmma a
    K step with one left in flight, handing back the slot of the step before; then the epilogue:
    the tile to the staging buffer and a TMA store that runs on into the next tile."""
    BM: gl.constexpr = c_desc.block_type.shape[0]
    BN: gl.constexpr = c_desc.block_type.shape[1]
    BK: gl.constexpr = a_bufs.type.shape[2]
    # wgmma tiles: 16 rows a warp down M (4 warps a warpgroup), the whole BN in one instruction
    acc_layout: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[WARPS, 1],
                                                         instr_shape=[16, BN, 16])
    k_steps = gl.cdiv(K, BK)
    n = 0
    for t in range(gl.program_id(0) + RING * NUM_SMS, tiles, RINGS * NUM_SMS):
        b, pid_m, pid_n = _tile(t, tiles_m, tiles_n, GROUP_M)
        acc = gl.zeros((BM, BN), gl.float32, acc_layout)
        for kk in range(k_steps):
            s = RING * STAGES + n % STAGES
            mbarrier.wait(ready.index(s), (n // STAGES) & 1)
            if B_NK:
                w = b_bufs.index(s).permute((1, 0))
            else:
                w = b_bufs.index(s)
            acc = warpgroup_mma(a_bufs.index(s), w, acc, is_async=True)
            acc = warpgroup_mma_wait(num_outstanding=1, deps=(acc, ))
            mbarrier.arrive(empty.index(RING * STAGES + (n + STAGES - 1) % STAGES), count=1, pred=kk > 0)
            n += 1
        acc = warpgroup_mma_wait(num_outstanding=0, deps=(acc, ))
        mbarrier.arrive(empty.index(RING * STAGES + (n + STAGES - 1) % STAGES), count=1)
        # the previous tile's store has read the staging buffer before it is written again
        tma.store_wait(pendings=0)
        c_smem.store(acc.to(c_desc.dtype))
        fence_async_shared()
        tma.async_copy_shared_to_global(c_desc, [b * M + pid_m * BM, pid_n * BN], c_smem)
    tma.store_wait(pendings=0)


@gluon.jit
def _buffers_and_barriers(a_desc, b_desc, c_desc, SLOTS: gl.constexpr, STAGING: gl.constexpr):
    a_bufs = gl.allocate_shared_memory(a_desc.dtype, [SLOTS] + a_desc.block_type.shape, a_desc.layout)
    b_bufs = gl.allocate_shared_memory(b_desc.dtype, [SLOTS] + b_desc.block_type.shape, b_desc.layout)
    c_bufs = gl.allocate_shared_memory(c_desc.dtype, [STAGING] + c_desc.block_type.shape, c_desc.layout)
    ready = gl.allocate_shared_memory(gl.int64, [SLOTS, 1], mbarrier.MBarrierLayout())
    empty = gl.allocate_shared_memory(gl.int64, [SLOTS, 1], mbarrier.MBarrierLayout())
    for s in gl.static_range(SLOTS):
        mbarrier.init(ready.index(s), count=1)
        mbarrier.init(empty.index(s), count=1)
    return a_bufs, b_bufs, c_bufs, ready, empty


@gluon.jit
def _pp_worker(a_desc, b_desc, c_desc, a_bufs, b_bufs, c_bufs, ready, empty, M, N, K, tiles, tiles_m, tiles_n,
               GROUP_M: gl.constexpr, NUM_SMS: gl.constexpr, STAGES: gl.constexpr, B_NK: gl.constexpr,
               ROLE: gl.constexpr):
    """pp_matmul_kernel's worker partitions (Gluon gives every worker the same arguments): ROLE 0
    the loader, 1 the consumer of ring 1."""
    if ROLE == 0:
        _loader(a_desc, b_desc, a_bufs, b_bufs, ready, empty, M, N, K, tiles, tiles_m, tiles_n, GROUP_M, NUM_SMS,
                STAGES, B_NK, 2)
    else:
        _consumer(c_desc, a_bufs, b_bufs, ready, empty, c_bufs.index(1), M, N, K, tiles, tiles_m, tiles_n, GROUP_M,
                  NUM_SMS, STAGES, B_NK, 4, 1, 2)


@gluon.jit
def _pp_loader(a_desc, b_desc, c_desc, a_bufs, b_bufs, c_bufs, ready, empty, M, N, K, tiles, tiles_m, tiles_n,
               GROUP_M: gl.constexpr, NUM_SMS: gl.constexpr, STAGES: gl.constexpr, B_NK: gl.constexpr):
    _pp_worker(a_desc, b_desc, c_desc, a_bufs, b_bufs, c_bufs, ready, empty, M, N, K, tiles, tiles_m, tiles_n,
               GROUP_M, NUM_SMS, STAGES, B_NK, 0)


@gluon.jit
def _pp_odd(a_desc, b_desc, c_desc, a_bufs, b_bufs, c_bufs, ready, empty, M, N, K, tiles, tiles_m, tiles_n,
            GROUP_M: gl.constexpr, NUM_SMS: gl.constexpr, STAGES: gl.constexpr, B_NK: gl.constexpr):
    _pp_worker(a_desc, b_desc, c_desc, a_bufs, b_bufs, c_bufs, ready, empty, M, N, K, tiles, tiles_m, tiles_n,
               GROUP_M, NUM_SMS, STAGES, B_NK, 1)


@gluon.jit
def pp_matmul_kernel(a_desc, b_desc, c_desc, M, N, K, batch, GROUP_M: gl.constexpr, NUM_SMS: gl.constexpr,
                     STAGES: gl.constexpr, B_NK: gl.constexpr, num_warps: gl.constexpr):
    """ws_matmul_kernel with two consumer warpgroups on alternate tiles ("ping-pong"): the default
    partition (4 warps) takes the program's even tiles, a worker the odd ones, each from a ring of
    STAGES slots of its own and with its own staging buffer. For write-bound products (attention's
    Q @ K^T, K = 128) the epilogue of one tile runs beside the other's MMAs."""
    a_bufs, b_bufs, c_bufs, ready, empty = _buffers_and_barriers(a_desc, b_desc, c_desc, 2 * STAGES, 2)
    tiles_m = gl.cdiv(M, c_desc.block_type.shape[0])
    tiles_n = gl.cdiv(N, c_desc.block_type.shape[1])
    tiles = tiles_m * tiles_n * batch
    gl.warp_specialize([
        (_consumer, (c_desc, a_bufs, b_bufs, ready, empty, c_bufs.index(0), M, N, K, tiles, tiles_m, tiles_n, GROUP_M,
                     NUM_SMS, STAGES, B_NK, 4, 0, 2)),
        (_pp_odd, (a_desc, b_desc, c_desc, a_bufs, b_bufs, c_bufs, ready, empty, M, N, K, tiles, tiles_m, tiles_n,
                   GROUP_M, NUM_SMS, STAGES, B_NK)),
        (_pp_loader, (a_desc, b_desc, c_desc, a_bufs, b_bufs, c_bufs, ready, empty, M, N, K, tiles, tiles_m, tiles_n,
                      GROUP_M, NUM_SMS, STAGES, B_NK)),
    ], [4, 1], [232, 40])
