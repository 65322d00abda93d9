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
from triton.experimental.gluon.nvidia.hopper import TensorDescriptor

from gemforge.kernels.matmul_ws import _buffers_and_barriers, _consumer, _loader, pp_matmul_kernel

# (batch, M, N, K, B given as [N, K]): issue 5's mm bar shapes, a projection and the attention bmm
SHAPES = [(1, 4096, 4096, 4096, False), (1, 8192, 8192, 8192, False), (1, 4096, 14336, 4096, True),
          (32, 4096, 4096, 128, True), (32, 4096, 128, 4096, False), (64, 1024, 1024, 128, True)]
# (BM, BN, BK, STAGES, warps of the default partition[, "pp": pp_matmul_kernel, 4 warps, STAGES a ring])
CONFIGS = [(128, 256, 64, 3, 8), (128, 128, 64, 4, 8), (128, 128, 64, 6, 8), (128, 128, 64, 5, 4),
           (128, 128, 64, 2, 4, "pp"), (64, 256, 64, 2, 4, "pp")]


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
