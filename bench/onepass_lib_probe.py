"""Probe (session 12): the library's softmax_onepass_kernel forward through the op read 65.4 us
(graphed) on 256x131072 bf16 where the experiment's kernel (softmax_onepass_experiment.py, P=16,
16 warps) reads 58.9. Times, graphed and L2 flushed: the library kernel launched from Python with
its sync zeroed by ATen (memset), and the experiment kernel, each with the zeroing inside the graph.
(Session 12 also timed a copy of the library kernel with a scalar row base and int32 offsets
within the row, results in bench/results/2026-11-27-h200-session12-probes.txt; the library took
that form, and the copy was removed in session 14.)
    cd bench && python onepass_lib_probe.py
"""
import torch

from gemforge import timing
from gemforge.kernels.softmax import softmax_onepass_kernel as lib_kernel
from softmax_onepass_experiment import onepass_kernel as exp_kernel


def main():
    K, D, PART = 256, 131072, 8192
    x = torch.randn(K, D, device="cuda", dtype=torch.bfloat16)
    out = torch.empty_like(x)
    ws = torch.empty(K, D // PART, 2, device="cuda")
    sync = torch.zeros(1 + K, device="cuda", dtype=torch.int32)
    ref = torch.softmax(x.float(), -1)
    for name, fn in (("library kernel", lambda: lib_kernel[(K * 16, )](out, x, x, ws, sync, D, False, False, PART, 16,
                                                                      num_warps=16)),
                     ("experiment kernel", lambda: exp_kernel[(K * 16, )](out, x, x, ws, sync, D, P=16, PART=PART, OP=0,
                                                                         num_warps=16))):
        def run():
            sync.zero_()
            fn()
        g = timing.graphed(run)
        g()
        torch.cuda.synchronize()
        err = (out.float() - ref).abs().max().item()
        print(f"{name:20s} {timing.device_median_us(g):7.1f} us  max err {err:.2e}", flush=True)


if __name__ == "__main__":
    main()
