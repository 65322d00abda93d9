"""Experiment (session 23; compiled for sm_90 offline, NOT yet run on a GPU): a warp-specialized
persistent GEMM for Hopper written in Gluon (triton.experimental.gluon), against cuBLAS and
GemForge's matmul_tma, bf16, L2 flushed clean before each call (gemforge/timing.py).

Why: Nsight Compute (session 23, H200, bmm QK^T 32x4096x4096x128) shows cuBLAS running 384
threads a CTA, a producer warpgroup and two consumer warpgroups, at 67.8% of DRAM bandwidth and
341.9 us, where matmul_tma runs 256 threads that both load and multiply (382.4 us, 60.6%).
Triton 3.6 compiles matmul_tma's warp_specialize on sm_90 to the same code as without it; Gluon
states the partitions itself:
  - a loader partition (1 warp): walks the program's tiles and K steps and issues the TMA loads
    of A and B into a ring of STAGES buffers (ready / empty mbarriers per slot);
  - the default partition (num_warps warps, two warpgroups at 8): one asynchronous wgmma per K
    step with one left in flight, releasing the slot of the step before; then the epilogue: the
    tile in bf16 to shared memory and a TMA store that runs on while the next tile's MMAs start
    (it waits for the store before it reuses the staging buffer).
pp_matmul_kernel: the same with two consumer warpgroups on alternate tiles (ping-pong), each with
its own ring of slots and staging buffer, so that one's epilogue overlaps the other's MMAs
(write-bound Q @ K^T).
Batched products are flattened into 2-D descriptors: A [batch * M, K], B [batch * N, K] (B_NK: the
nn.Linear weight / K^T layout) or [batch * K, N], C [batch * M, N]; a tile never straddles two
batches when M % BM == 0 (and K % BK == 0 for [K, N] B).

    python3 bench/gluon_matmul_experiment.py [MxNxK | BxMxNxK ...]   (needs an sm_90 GPU)
"""
import sys

import torch
import triton
from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon.language.nvidia.hopper import (fence_async_shared, mbarrier, tma, warpgroup_mma,
                                                               warpgroup_mma_wait)
from triton.experimental.gluon.nvidia.hopper import TensorDescriptor

# (batch, M, N, K, B given as [N, K]): issue 5's mm bar shapes, a projection and the attention bmm
SHAPES = [(1, 4096, 4096, 4096, False), (1, 8192, 8192, 8192, False), (1, 4096, 14336, 4096, True),
          (32, 4096, 4096, 128, True), (32, 4096, 128, 4096, False), (64, 1024, 1024, 128, True)]
# (BM, BN, BK, STAGES, warps of the default partition[, "pp": pp_matmul_kernel, 4 warps, STAGES a ring])
CONFIGS = [(128, 256, 64, 3, 8), (128, 128, 64, 4, 8), (128, 128, 64, 6, 8), (128, 128, 64, 5, 4),
           (128, 128, 64, 2, 4, "pp"), (64, 256, 64, 2, 4, "pp")]


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
def ws_matmul_kernel(a_desc, b_desc, c_desc, M, N, K, batch, GROUP_M: gl.constexpr, NUM_SMS: gl.constexpr,
                     STAGES: gl.constexpr, B_NK: gl.constexpr, num_warps: gl.constexpr):
    """One consumer partition (the default one, num_warps warps) and the loader (1 warp)."""
    a_bufs, b_bufs, c_bufs, ready, empty = _buffers_and_barriers(a_desc, b_desc, c_desc, STAGES, 1)
    tiles_m = gl.cdiv(M, c_desc.block_type.shape[0])
    tiles_n = gl.cdiv(N, c_desc.block_type.shape[1])
    tiles = tiles_m * tiles_n * batch
    gl.warp_specialize([
        (_consumer, (c_desc, a_bufs, b_bufs, ready, empty, c_bufs.index(0), M, N, K, tiles, tiles_m, tiles_n, GROUP_M,
                     NUM_SMS, STAGES, B_NK, num_warps, 0, 1)),
        (_loader, (a_desc, b_desc, a_bufs, b_bufs, ready, empty, M, N, K, tiles, tiles_m, tiles_n, GROUP_M, NUM_SMS,
                   STAGES, B_NK, 1)),
    ], [1], [40])


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


def launcher(a, b, c, batch, M, N, K, b_nk, cfg, num_sms):
    """A run() of ws_matmul_kernel for a [batch, M, K] @ (b [batch, N, K]^T if b_nk else b [batch,
    K, N]) into c [batch, M, N] (all contiguous)."""
    BM, BN, BK, stages, warps = cfg[:5]
    kernel = pp_matmul_kernel if len(cfg) > 5 and cfg[5] == "pp" else ws_matmul_kernel
    assert batch == 1 or (M % BM == 0 and (b_nk or K % BK == 0)), "a tile would straddle two batches"
    # (a consumer hands a slot back one step late, with the next MMA in flight on the next slot)
    assert stages >= 2, "one slot would be refilled under the MMA reading it"
    el = gl.bfloat16 if a.dtype == torch.bfloat16 else gl.float16

    def desc(t, rows, cols, block):
        return TensorDescriptor.from_tensor(t.reshape(rows, cols), block, gl.NVMMASharedLayout.get_default_for(block, el))
    a_d = desc(a, batch * M, K, [BM, BK])
    b_d = desc(b, batch * N, K, [BN, BK]) if b_nk else desc(b, batch * K, N, [BK, BN])
    c_d = desc(c, batch * M, N, [BM, BN])
    programs = min(num_sms, triton.cdiv(M, BM) * triton.cdiv(N, BN) * batch)
    # 12 warps a CTA (the loader's warp rounds up to a warpgroup): 168 registers a thread at most
    return lambda: kernel[(programs, )](a_d, b_d, c_d, M, N, K, batch, 8, num_sms, stages, b_nk, num_warps=warps,
                                        maxnreg=168)


def main(args):
    import gemforge
    from gemforge import timing
    shapes = SHAPES
    named = [tuple(map(int, x.split("x"))) for x in args if "x" in x]
    if named:
        shapes = [(s[0], s[1], s[2], s[3], True) if len(s) == 4 else (1, s[0], s[1], s[2], False) for s in named]
    num_sms = torch.cuda.get_device_properties(0).multi_processor_count
    print(torch.cuda.get_device_name(), torch.__version__, triton.__version__, flush=True)
    for batch, M, N, K, b_nk in shapes:
        torch.manual_seed(0)
        a = torch.randn(batch, M, K, device="cuda", dtype=torch.bfloat16)
        b = torch.randn(batch, *((N, K) if b_nk else (K, N)), device="cuda", dtype=torch.bfloat16)
        bt = b.transpose(-1, -2) if b_nk else b
        a_op, b_op = (a[0], bt[0]) if batch == 1 else (a, bt)
        ref = torch.matmul(a_op, b_op)
        flop = 2 * batch * M * N * K
        t_torch = timing.device_median_us(lambda: torch.matmul(a_op, b_op))
        with gemforge.use():
            t_gf = timing.device_median_us(lambda: torch.matmul(a_op, b_op))
        name = f"{batch}x{M}x{N}x{K}" + (" (B as [N, K])" if b_nk else "")
        print(f"{name}: cuBLAS {t_torch:.1f} us ({flop / t_torch / 1e6:.0f} TF/s), GemForge {t_gf:.1f} us "
              f"({t_torch / t_gf:.2f}x)", flush=True)
        for cfg in CONFIGS:
            c = torch.empty(batch, M, N, device="cuda", dtype=torch.bfloat16)
            try:
                run = launcher(a, b, c, batch, M, N, K, b_nk, cfg, num_sms)
                run()
                torch.cuda.synchronize()
            except Exception as e:  # noqa: BLE001  (shared memory, registers, a layout it refuses)
                print(f"    {cfg}: {type(e).__name__}: {str(e)[:160]}", flush=True)
                continue
            err = ((c.reshape(ref.shape).float() - ref.float()).norm() / ref.float().norm()).item()
            us = timing.device_median_us(run)
            print(f"    {cfg}: {us:.1f} us ({flop / us / 1e6:.0f} TF/s, {t_torch / us:.2f}x cuBLAS), "
                  f"relative error {err:.1e}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
