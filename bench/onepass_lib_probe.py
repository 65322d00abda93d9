"""Probe (session 12): the library's softmax_onepass_kernel forward through the op read 65.4 us
(graphed) on 256x131072 bf16 where the experiment's kernel (softmax_onepass_experiment.py, P=16,
16 warps) reads 58.9. Times, graphed and L2 flushed: the library kernel launched from Python with
its sync zeroed by ATen (memset), a copy with a scalar row base (int32 offsets within the row) and
the experiment kernel, each with the zeroing inside the graph.
    cd bench && python onepass_lib_probe.py
"""
import torch
import triton
import triton.language as tl

from gemforge import timing
from gemforge.kernels.softmax import softmax_onepass_kernel as lib_kernel
from softmax_onepass_experiment import onepass_kernel as exp_kernel


@triton.jit
def base_kernel(out, x, g, ws, sync, D, BACKWARD: tl.constexpr, LOG: tl.constexpr, PART: tl.constexpr,
                BLOCK_P: tl.constexpr):
    P = tl.cdiv(D, PART)
    t = tl.atomic_add(sync, 1, sem="relaxed")
    row = t // P
    part = t - row * P
    j = part * PART + tl.arange(0, PART)
    mask = j < D
    base = row.to(tl.int64) * D
    v = tl.load(x + base + j, mask=mask, other=-float("inf")).to(tl.float32)
    a = tl.max(v, 0)
    a_safe = tl.where(a == -float("inf"), 0.0, a)
    b = tl.sum(tl.exp(v - a_safe), 0)
    slot = ws + (row * P + part) * 2
    tl.atomic_xchg(slot, a, sem="relaxed")
    tl.atomic_xchg(slot + 1, b, sem="relaxed")
    count = sync + 1 + row
    c = tl.atomic_add(count, 1, sem="acq_rel") + 1
    while c < P:
        c = tl.atomic_add(count, 0, sem="acquire")
    i = tl.arange(0, BLOCK_P)
    pa = tl.load(ws + (row * P + i) * 2, mask=i < P, other=-float("inf"), volatile=True)
    pb = tl.load(ws + (row * P + i) * 2 + 1, mask=i < P, other=0.0, volatile=True)
    m = tl.max(pa, 0)
    m_safe = tl.where(m == -float("inf"), 0.0, m)
    s = tl.sum(pb * tl.exp(pa - m_safe), 0)
    r = tl.exp(v - m) / s
    tl.store(out + base + j, r.to(out.dtype.element_ty), mask=mask)


def main():
    K, D, PART = 256, 131072, 8192
    x = torch.randn(K, D, device="cuda", dtype=torch.bfloat16)
    out = torch.empty_like(x)
    ws = torch.empty(K, D // PART, 2, device="cuda")
    sync = torch.zeros(1 + K, device="cuda", dtype=torch.int32)
    ref = torch.softmax(x.float(), -1)
    for name, fn in (("library kernel", lambda: lib_kernel[(K * 16, )](out, x, x, ws, sync, D, False, False, PART, 16,
                                                                      num_warps=16)),
                     ("scalar row base", lambda: base_kernel[(K * 16, )](out, x, x, ws, sync, D, False, False, PART, 16,
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
