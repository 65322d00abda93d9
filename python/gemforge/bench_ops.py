"""What the benchmark times: every pointwise operator, with how to call it and on what inputs.

POINTWISE maps a case name to a BenchOp. bench.py builds the cases from it (large contiguous
tensors in two dtypes, strided and broadcast layouts, small tensors for host cost).

Input domains, one per tensor operand (values are drawn in fp32 and cast to the case dtype):
  any    standard normal             pos   [0.1, 4.1)        nz    |x| >= 0.25
  unit   (-0.95, 0.95)               ge1   [1, 5)            prob  [0.02, 0.98)
  intval integers in [-100, 100]     shift integers in [0, 8)
  mask   bool                        f16   standard normal in fp16 (these two ignore the case dtype)
"""
import dataclasses
from typing import Callable, Optional, Tuple

import torch
import torch.nn.functional as F

aten = torch.ops.aten

FLOAT = (torch.bfloat16, torch.float32)  # the dtypes of the large-tensor cases
INT = (torch.int16, torch.int32)         # integer-only ops: the same element sizes
BOOL = (torch.bool, )


@dataclasses.dataclass(frozen=True)
class BenchOp:
    fn: Callable
    domains: Tuple[str, ...]
    issue: int = 3                  # the issue whose bars this op is held to (2: the foundation)
    dtypes: Tuple[torch.dtype, ...] = FLOAT
    plain: bool = False             # a plain unary/binary op: held to >= 90% of copy bandwidth
    # Operand shapes from the case's shape, when they are not all that shape (glu, isin, ...).
    shapes: Optional[Callable] = None
    family: Optional[str] = None    # --only matches this too; default: the name before "("


def _half_last(s):
    return tuple(s[:-1]) + (s[-1] // 2, )


P = dict(plain=True)
F2 = dict(issue=2)
POINTWISE = {
    # ------------------------------------------------ foundation (issue 2)
    "add": BenchOp(torch.add, ("any", "any"), plain=True, issue=2),
    "sub": BenchOp(torch.sub, ("any", "any"), plain=True, issue=2),
    "rsub": BenchOp(torch.rsub, ("any", "any"), plain=True, issue=2),
    "mul": BenchOp(torch.mul, ("any", "any"), plain=True, issue=2),
    "div": BenchOp(torch.div, ("any", "nz"), plain=True, issue=2),
    "div(floor)": BenchOp(lambda x, y: torch.div(x, y, rounding_mode="floor"), ("any", "nz"), **F2),
    "neg": BenchOp(torch.neg, ("any", ), plain=True, issue=2),
    "abs": BenchOp(torch.abs, ("any", ), plain=True, issue=2),
    "exp": BenchOp(torch.exp, ("any", ), **F2),
    "log": BenchOp(torch.log, ("pos", ), **F2),
    "sqrt": BenchOp(torch.sqrt, ("pos", ), **F2),
    "rsqrt": BenchOp(torch.rsqrt, ("pos", ), **F2),
    "sigmoid": BenchOp(torch.sigmoid, ("any", ), **F2),
    "silu": BenchOp(F.silu, ("any", ), **F2),
    "relu": BenchOp(F.relu, ("any", ), plain=True, issue=2),
    "gelu": BenchOp(F.gelu, ("any", ), **F2),
    "gelu(tanh)": BenchOp(lambda x: F.gelu(x, approximate="tanh"), ("any", ), **F2),

    # ------------------------------------------------ unary math (issue 3)
    "exp2": BenchOp(torch.exp2, ("any", )),
    "expm1": BenchOp(torch.expm1, ("any", )),
    "log1p": BenchOp(torch.log1p, ("pos", )),
    "log2": BenchOp(torch.log2, ("pos", )),
    "log10": BenchOp(torch.log10, ("pos", )),
    "reciprocal": BenchOp(torch.reciprocal, ("nz", ), **P),
    "square": BenchOp(torch.square, ("any", ), **P),
    "sin": BenchOp(torch.sin, ("any", )),
    "cos": BenchOp(torch.cos, ("any", )),
    "tan": BenchOp(torch.tan, ("unit", )),
    "asin": BenchOp(torch.asin, ("unit", )),
    "acos": BenchOp(torch.acos, ("unit", )),
    "atan": BenchOp(torch.atan, ("any", )),
    "sinh": BenchOp(torch.sinh, ("any", )),
    "cosh": BenchOp(torch.cosh, ("any", )),
    "tanh": BenchOp(torch.tanh, ("any", )),
    "asinh": BenchOp(torch.asinh, ("any", )),
    "acosh": BenchOp(torch.acosh, ("ge1", )),
    "atanh": BenchOp(torch.atanh, ("unit", )),
    "erf": BenchOp(torch.erf, ("any", )),
    "erfc": BenchOp(torch.erfc, ("any", )),
    "erfinv": BenchOp(torch.erfinv, ("unit", )),
    "sign": BenchOp(torch.sign, ("any", ), **P),
    "floor": BenchOp(torch.floor, ("any", ), **P),
    "ceil": BenchOp(torch.ceil, ("any", ), **P),
    "round": BenchOp(torch.round, ("any", ), **P),
    "round(decimals)": BenchOp(lambda x: torch.round(x, decimals=2), ("any", )),
    "trunc": BenchOp(torch.trunc, ("any", ), **P),
    "frac": BenchOp(torch.frac, ("any", ), **P),
    # ATen's CUDA angle has no fp16/bf16 (it raises NotImplementedError)
    "angle": BenchOp(torch.angle, ("any", ), dtypes=(torch.float32, ), **P),
    "isfinite": BenchOp(torch.isfinite, ("any", ), **P),
    "isinf": BenchOp(torch.isinf, ("any", ), **P),
    "isnan": BenchOp(torch.isnan, ("any", ), **P),
    "isposinf": BenchOp(torch.isposinf, ("any", ), **P),
    "isneginf": BenchOp(torch.isneginf, ("any", ), **P),
    "nan_to_num": BenchOp(torch.nan_to_num, ("any", ), **P),
    "bitwise_not": BenchOp(torch.bitwise_not, ("intval", ), dtypes=INT, plain=True),
    "logical_not": BenchOp(torch.logical_not, ("any", ), **P),
    "resolve_neg": BenchOp(torch.resolve_neg, ("any", )),
    "resolve_conj": BenchOp(torch.resolve_conj, ("any", )),

    # ------------------------------------------------ activations (issue 3)
    "relu6": BenchOp(F.relu6, ("any", ), **P),
    "leaky_relu": BenchOp(F.leaky_relu, ("any", ), **P),
    "elu": BenchOp(F.elu, ("any", )),
    "celu": BenchOp(F.celu, ("any", )),
    "selu": BenchOp(F.selu, ("any", )),
    "mish": BenchOp(F.mish, ("any", )),
    "hardsigmoid": BenchOp(F.hardsigmoid, ("any", ), **P),
    "hardswish": BenchOp(F.hardswish, ("any", ), **P),
    "hardtanh": BenchOp(F.hardtanh, ("any", ), **P),
    "softplus": BenchOp(F.softplus, ("any", )),
    "log_sigmoid": BenchOp(F.logsigmoid, ("any", )),
    "threshold": BenchOp(lambda x: F.threshold(x, 0.1, -1.0), ("any", ), **P),
    "glu": BenchOp(F.glu, ("any", )),
    "logit": BenchOp(torch.logit, ("prob", )),
    "threshold_backward": BenchOp(lambda g, x: aten.threshold_backward(g, x, 0.0), ("any", "any"), **P),
    "sigmoid_backward": BenchOp(aten.sigmoid_backward, ("any", "prob"), **P),
    "tanh_backward": BenchOp(aten.tanh_backward, ("any", "unit"), **P),
    "silu_backward": BenchOp(aten.silu_backward, ("any", "any")),
    "gelu_backward": BenchOp(aten.gelu_backward, ("any", "any")),
    "gelu_backward(tanh)": BenchOp(lambda g, x: aten.gelu_backward(g, x, approximate="tanh"), ("any", "any")),
    "elu_backward": BenchOp(lambda g, x: aten.elu_backward(g, 1.0, 1.0, 1.0, False, x), ("any", "any")),
    "hardswish_backward": BenchOp(aten.hardswish_backward, ("any", "any"), **P),
    "hardsigmoid_backward": BenchOp(aten.hardsigmoid_backward, ("any", "any"), **P),
    "hardtanh_backward": BenchOp(lambda g, x: aten.hardtanh_backward(g, x, -1.0, 1.0), ("any", "any"), **P),
    "leaky_relu_backward": BenchOp(lambda g, x: aten.leaky_relu_backward(g, x, 0.01, False), ("any", "any"), **P),
    "softplus_backward": BenchOp(lambda g, x: aten.softplus_backward(g, x, 1.0, 20.0), ("any", "any")),
    # the buffer is empty on CUDA (unused there); ATen's CPU kernel needs the real one
    "log_sigmoid_backward": BenchOp(
        lambda g, x: aten.log_sigmoid_backward(g, x, g.new_empty(0) if g.is_cuda else aten.log_sigmoid_forward(x)[1]),
        ("any", "any")),
    "glu_backward": BenchOp(lambda g, x: aten.glu_backward(g, x, -1), ("any", "any"),
                            shapes=lambda s: [_half_last(s), s]),
    "mish_backward": BenchOp(aten.mish_backward, ("any", "any")),
    "logit_backward": BenchOp(lambda g, x: aten.logit_backward(g, x, 0.25), ("any", "prob")),

    # ------------------------------------------------ binary (issue 3)
    "true_divide": BenchOp(torch.true_divide, ("any", "nz"), **P),
    "floor_divide": BenchOp(torch.floor_divide, ("any", "nz")),
    "remainder": BenchOp(torch.remainder, ("any", "nz")),
    "fmod": BenchOp(torch.fmod, ("any", "nz")),
    "pow": BenchOp(torch.pow, ("pos", "any")),
    "pow(tensor, 3)": BenchOp(lambda x: torch.pow(x, 3), ("any", )),
    "pow(tensor, 0.7)": BenchOp(lambda x: torch.pow(x, 0.7), ("pos", )),
    "pow(2, tensor)": BenchOp(lambda x: torch.pow(2, x), ("any", )),
    "maximum": BenchOp(torch.maximum, ("any", "any"), **P),
    "minimum": BenchOp(torch.minimum, ("any", "any"), **P),
    "fmax": BenchOp(torch.fmax, ("any", "any"), **P),
    "fmin": BenchOp(torch.fmin, ("any", "any"), **P),
    "atan2": BenchOp(torch.atan2, ("any", "any")),
    "hypot": BenchOp(torch.hypot, ("any", "any")),
    "copysign": BenchOp(torch.copysign, ("any", "any"), **P),
    "xlogy": BenchOp(torch.xlogy, ("any", "pos")),
    "eq": BenchOp(torch.eq, ("intval", "intval"), **P),
    "ne": BenchOp(torch.ne, ("intval", "intval"), **P),
    "lt": BenchOp(torch.lt, ("any", "any"), **P),
    "le": BenchOp(torch.le, ("any", "any"), **P),
    "gt": BenchOp(torch.gt, ("any", "any"), **P),
    "ge": BenchOp(torch.ge, ("any", "any"), **P),
    "bitwise_and": BenchOp(torch.bitwise_and, ("intval", "intval"), dtypes=INT, plain=True),
    "bitwise_or": BenchOp(torch.bitwise_or, ("intval", "intval"), dtypes=INT, plain=True),
    "bitwise_xor": BenchOp(torch.bitwise_xor, ("intval", "intval"), dtypes=INT, plain=True),
    "bitwise_left_shift": BenchOp(torch.bitwise_left_shift, ("intval", "shift"), dtypes=INT, plain=True),
    "bitwise_right_shift": BenchOp(torch.bitwise_right_shift, ("intval", "shift"), dtypes=INT, plain=True),
    "logical_and": BenchOp(torch.logical_and, ("mask", "mask"), dtypes=BOOL, plain=True),
    "logical_or": BenchOp(torch.logical_or, ("mask", "mask"), dtypes=BOOL, plain=True),
    "logical_xor": BenchOp(torch.logical_xor, ("mask", "mask"), dtypes=BOOL, plain=True),

    # ------------------------------------------------ ternary and others (issue 3)
    "where": BenchOp(torch.where, ("mask", "any", "any"), **P),
    "where(scalar)": BenchOp(lambda c, x: torch.where(c, x, 0.0), ("mask", "any"), **P),
    "masked_fill": BenchOp(lambda x, m: x.masked_fill(m, -1.0), ("any", "mask"), **P),
    "clamp": BenchOp(lambda x: torch.clamp(x, -0.5, 0.5), ("any", ), **P),
    "clamp(tensor)": BenchOp(lambda x, lo, hi: torch.clamp(x, lo, hi), ("any", "any", "any"), **P),
    "clamp_min": BenchOp(lambda x: torch.clamp_min(x, 0.1), ("any", ), **P),
    "clamp_max": BenchOp(lambda x: torch.clamp_max(x, 0.1), ("any", ), **P),
    "lerp": BenchOp(lambda x, y: torch.lerp(x, y, 0.3), ("any", "any"), **P),
    "lerp(tensor)": BenchOp(torch.lerp, ("any", "any", "prob")),
    "addcmul": BenchOp(lambda x, y, z: torch.addcmul(x, y, z, value=0.5), ("any", "any", "any"), **P),
    "addcdiv": BenchOp(lambda x, y, z: torch.addcdiv(x, y, z, value=0.5), ("any", "any", "nz"), **P),
    "isclose": BenchOp(torch.isclose, ("any", "any")),
    "allclose": BenchOp(lambda x, y: torch.tensor(torch.allclose(x, y)), ("any", "any")),
    "isin": BenchOp(torch.isin, ("intval", "intval"), shapes=lambda s: [s, (64, )]),
    "heaviside": BenchOp(torch.heaviside, ("any", "any"), **P),
    "copy_": BenchOp(lambda dst, src: dst.copy_(src), ("any", "any"), **P),
    "copy_(to fp16)": BenchOp(lambda dst, src: dst.copy_(src), ("f16", "any"), plain=True, family="copy_"),
    "_to_copy": BenchOp(lambda x: x.to(torch.float16), ("any", ), **P),
    # Fills only write (no input stream): not held to the copy-bandwidth bar, which is a
    # read + write figure; their device time is still compared with torch's.
    "fill_": BenchOp(lambda x: x.fill_(1.5), ("any", )),
    "fill_(tensor)": BenchOp(lambda x: x.fill_(torch.tensor(1.5)), ("any", )),
    "zero_": BenchOp(lambda x: x.zero_(), ("any", )),
    "clone": BenchOp(torch.clone, ("any", ), **P),
    "contiguous": BenchOp(lambda x: x.contiguous(), ("any", ), **P),  # a copy only for strided input
}

def family_of(name):
    op = POINTWISE[name]
    return op.family or name.split("(")[0]


# ---------------------------------------------------------------- matrix products (issue 5)
# name -> (kind, batch, M, N, K): "mm" is A[M,K] @ B[K,N]; "linear" is x[M,K] @ W[N,K]^T
# (nn.Linear's weight layout); "bmm" batches A[b,M,K] @ B[b,K,N].
LLM_NK = [(4096, 4096), (14336, 4096), (4096, 14336), (8192, 8192), (28672, 8192), (8192, 28672), (128256, 4096)]


def matmul_cases():
    cases = {f"mm {m}x{n}x{k}": ("mm", 1, m, n, k) for m, n, k in [(4096, 4096, 4096), (8192, 8192, 8192)]}
    for m in (1, 16, 128, 1024, 4096, 16384):
        for n, k in LLM_NK:
            cases[f"linear {m}x{n}x{k}"] = ("linear", 1, m, n, k)
    for b, s, d in [(32, 4096, 128), (64, 1024, 128), (128, 512, 64), (256, 128, 64)]:
        cases[f"bmm QK^T {b}x{s}x{s}x{d}"] = ("bmm_nt", b, s, s, d)
        cases[f"bmm PV {b}x{s}x{d}x{s}"] = ("bmm", b, s, d, s)
    return cases


MATMUL = matmul_cases()
MATMUL["linear 16x256x256"] = ("linear", 1, 16, 256, 256)  # the interpreter's (quick) case
# decode: memory-bound, judged against the weight-read floor
DECODE = [name for name, (kind, _, m, _, _) in MATMUL.items() if kind == "linear" and m <= 16]


# Issue 4's first cases (normalization, softmax backward, losses), bf16: name -> (family, fn,
# operand shapes, input domains). The host-cost rows use the decode shape [8, 4096].
ISSUE4 = {
    "layer_norm 4096x4096": ("layer_norm", lambda x, w, b: F.layer_norm(x, x.shape[-1:], w, b),
                             [(4096, 4096), (4096, ), (4096, )], ("any", "any", "any")),
    "layer_norm 32768x4096": ("layer_norm", lambda x, w, b: F.layer_norm(x, x.shape[-1:], w, b),
                              [(32768, 4096), (4096, ), (4096, )], ("any", "any", "any")),
    "rms_norm 4096x4096": ("rms_norm", lambda x, w: F.rms_norm(x, x.shape[-1:], w), [(4096, 4096), (4096, )],
                           ("any", "any")),
    "rms_norm 16384x8192": ("rms_norm", lambda x, w: F.rms_norm(x, x.shape[-1:], w), [(16384, 8192), (8192, )],
                            ("any", "any")),
    "group_norm 8x256x64x64": ("group_norm", lambda x, w, b: F.group_norm(x, 32, w, b),
                               [(8, 256, 64, 64), (256, ), (256, )], ("any", "any", "any")),
    "softmax_backward 4096x4096": ("softmax_backward",
                                   lambda g, y: aten._softmax_backward_data(g, y, -1, torch.bfloat16),
                                   [(4096, 4096), (4096, 4096)], ("any", "prob")),
    "mse_loss 4096x4096": ("mse_loss", F.mse_loss, [(4096, 4096), (4096, 4096)], ("any", "any")),
}
ISSUE4_HOST = {
    "layer_norm 8x4096": ("layer_norm", lambda x, w, b: F.layer_norm(x, x.shape[-1:], w, b),
                          [(8, 4096), (4096, ), (4096, )], ("any", "any", "any")),
    "rms_norm 8x4096": ("rms_norm", lambda x, w: F.rms_norm(x, x.shape[-1:], w), [(8, 4096), (4096, )],
                        ("any", "any")),
}
