"""Probe for Nsight Compute (prepared in session 28, not yet run): one warmed call each of the ops
whose kernels sit under 85% of copy bandwidth at large sizes (issue 4), so that ncu profiles
exactly those launches:
  - softmax / log_softmax and their backward, 256x131072 bf16 (softmax_rows_smem_kernel: 59-80%
    in session 28's benchmark);
  - layer_norm / rms_norm backward, 4096x4096 bf16 (norm_bwd_kernel + norm_param_grad_kernel:
    65% / 71%; the main pass alone ~70%, bench/norm_experiment.py);
  - bmm QK^T 32x4096x4096x128 bf16 as the benchmark calls it (torch.bmm(q, k.transpose(1, 2))):
    0.92x cuBLAS (373 vs 343 us in session 28's full run; session 24 timed the op at 356-360 us
    and direct launches at 360-386 in rounds, cuBLAS at 344-346). The kernels the op launches
    and their durations confirm whether it is the kernel alone (the Gluon ping-pong kernel in
    bench/gluon_matmul_experiment.py reached 349 against cuBLAS's 345 in session 24).
Session 28's question: what holds these at 60-70% when the loads in flight were not it (a
shared-memory ring for the norm backward and shared-memory parts for the softmax both left the
main passes where they were)? Look at DRAM throughput over the kernel's duration, achieved
occupancy, and the warp stall reasons (barrier / long scoreboard / the spin-wait's atomics).

    ncu --clock-control none \\
        --section SpeedOfLight --section Occupancy --section WarpStateStats \\
        --section MemoryWorkloadAnalysis python3 bench/ncu_rows_probe.py
Each op runs twice (the first call compiles and warms): read the second profile of each kernel
(every kernel is profiled, the inputs' set-up included: the ops' own launches come last).
"""
import torch

import gemforge

aten = torch.ops.aten


def main():
    torch.manual_seed(0)
    x = torch.randn(256, 131072, device="cuda", dtype=torch.bfloat16)
    g = torch.randn_like(x) + 1
    xn = torch.randn(4096, 4096, device="cuda", dtype=torch.bfloat16)
    dy = torch.randn_like(xn)
    w = torch.randn(4096, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(4096, device="cuda", dtype=torch.bfloat16)
    _, mean, rstd = aten.native_layer_norm(xn, [4096], w, b, 1e-5)
    _, rrstd = aten._fused_rms_norm(xn, [4096], w, 1e-5)
    q = torch.randn(32, 4096, 128, device="cuda", dtype=torch.bfloat16)
    k = torch.randn(32, 4096, 128, device="cuda", dtype=torch.bfloat16)
    with gemforge.use():
        y = torch.softmax(x, -1)
        ly = torch.log_softmax(x, -1)
        calls = [lambda: torch.softmax(x, -1), lambda: torch.log_softmax(x, -1),
                 lambda: aten._softmax_backward_data(g, y, -1, x.dtype),
                 lambda: aten._log_softmax_backward_data(g, ly, -1, x.dtype),
                 lambda: aten.native_layer_norm_backward(dy, xn, [4096], mean, rstd, w, b, [True] * 3),
                 lambda: aten._fused_rms_norm_backward(dy, xn, [4096], rrstd, w, [True, True]),
                 lambda: torch.bmm(q, k.transpose(1, 2))]
        for call in calls:  # compile and warm
            call()
        torch.cuda.synchronize()
        for call in calls:  # the launches to read
            call()
        torch.cuda.synchronize()
    print("ran", len(calls), "ops twice each")


if __name__ == "__main__":
    main()
