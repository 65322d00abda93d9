"""Probe: the same pointwise_1d kernel through GemForge's C++ launch and through Triton's Python
launcher, against torch, on the benchmark's inputs and others (session 10: sin 64M bf16 read 81 us
through the op in the benchmark and 71 us launched from Python in bench/parity_experiment.py).
Needs the built package (scripts/install.sh).
    python bench/launch_gap_probe.py
"""
import statistics

import torch
import triton
import triton.language as tl

import gemforge
from gemforge import timing
from gemforge.kernels import pointwise as pw
from gemforge.kernels.pointwise_ops import unary_math as U
from gemforge.kernels.pointwise_ops.common import libdevice

N = 1 << 26
F32 = 6


# the library's bodies as the op compiles them for bf16 on a GPU (NATIVE, no half variant)
@triton.jit
def sin_body(x, s0, s1, s2, P):
    return libdevice.sin(x)


@triton.jit
def cos_body(x, s0, s1, s2, P):
    return libdevice.cos(x)


@triton.jit
def tanh_body(x, s0, s1, s2, P):
    return U._tanh_half(x)  # the op's half variant


@triton.jit
def sin_half_body(x, s0, s1, s2, P):
    return U._sin_cos_half(x, False)


@triton.jit
def neg_body(x, s0, s1, s2, P):
    return -x


@triton.jit
def add_body(x, y, s0, s1, s2, P):
    return x + y


def py_launch(body, ins, out, block, P=0):
    x = list(ins) + [None] * (3 - len(ins))
    return lambda: pw.pointwise_1d[(triton.cdiv(N, block), )](
        out, None, x[0], x[1], x[2], None, None, None, N, OP=body, NIN=len(ins), SCALAR0=False, SCALAR1=False,
        SCALAR2=False, COMPUTE=F32, P=P, NOUT=1, SPLIT=0, BLOCK=block, INT64=False, num_warps=4)


def us(fn):
    return 1e3 * statistics.median(timing.device_samples_ms(fn, 10, 30))


def main():
    """Per case: torch; GemForge's op (C++ launch, the table's BLOCK); the same kernel from Triton's
    Python launcher at that BLOCK; both again replayed from CUDA graphs (no launch path at all)."""
    torch.manual_seed(0)
    print(f"{'case':18} {'BLOCK':>6} {'torch':>8} {'op (C++)':>9} {'python':>8} {'graph op':>9} {'graph py':>9}",
          flush=True)
    for name, fn, body, nin, block in (("neg", torch.neg, neg_body, 1, 1024), ("tanh", torch.tanh, tanh_body, 1, 1024),
                                       ("sin", torch.sin, sin_half_body, 1, 2048), ("add", torch.add, add_body, 2, 1024)):
        ins = [torch.randn(N, device="cuda").to(torch.bfloat16) for _ in range(nin)]
        out = torch.empty_like(ins[0])
        launch = py_launch(body, ins, out, block, P=16 if name in ("tanh", "sin") else 0)
        t_torch = us(lambda: fn(*ins))
        with gemforge.use():
            t_op = us(lambda: fn(*ins, out=out))
            g_op = timing.graphed(lambda: fn(*ins, out=out))
        t_py = us(launch)
        g_py = timing.graphed(launch)
        t_gop, t_gpy = us(g_op), us(g_py)
        print(f"{name + ' 64M bf16':18} {block:6d} {t_torch:8.2f} {t_op:9.2f} {t_py:8.2f} {t_gop:9.2f} {t_gpy:9.2f}", flush=True)


if __name__ == "__main__":
    main()
