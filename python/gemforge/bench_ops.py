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
    # The op does nothing on a contiguous operand (x.contiguous() returns x: no aten op runs, in
    # torch or in GemForge, and a host-cost ratio of two no-ops is noise): its host-cost case
    # takes a transposed square view instead (the strided device case exists already).
    strided_input: bool = False


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
    "contiguous": BenchOp(lambda x: x.contiguous(), ("any", ), strided_input=True, **P),
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


# ---------------------------------------------------------------- issue 4
# Reductions, scans, sorting, normalization, softmax and losses. Each Issue4Op gives cases at
# its `shapes` (bf16 unless the op is integer), at `quick` (the interpreter's tiny shapes, fp32)
# and at `host` (host cost, decode-sized: [8, 4096]). A case's name is the key with the shape
# inserted after its first word: "sum dim=0" at 4096x4096 -> "sum 4096x4096 dim=0".
#
# Bytes that must move (the bandwidth figure): each operand of the timed call read once and each
# output written once, unless `nbytes` says otherwise (batch norm, whose statistics cannot stay
# on chip, reads its input twice). Operands include the saved statistics of backward ops.
#
# `ops`: the aten base names that must have run on GemForge (record mode, no fallback) for the
# row to count as GemForge's; "a|b" accepts either. A row where one did not (an op GemForge does
# not implement yet, or a fallback) is reported as ATen and kept out of the bars.

bf16 = torch.bfloat16


@dataclasses.dataclass(frozen=True)
class Issue4Op:
    family: str                              # --only name and bar group
    fn: Callable                             # the timed call, on the case's arguments
    operands: Callable                       # shape -> [(operand shape, domain), ...]; domain may be a callable
    shapes: Tuple = ()                       # the GPU run's shapes
    quick: Tuple = ()                        # the interpreter's tiny shapes
    host: Tuple = ()                         # host-cost shapes
    ops: Tuple[str, ...] = ()
    prep: Optional[Callable] = None          # operands -> the call's arguments, once, on ATen (saved statistics)
    dtype: torch.dtype = bf16
    memory_bound: bool = False               # held to >= 85% of copy bandwidth
    # output -> what is compared with torch (the values, where ties make the indices arbitrary)
    compare: Optional[Callable] = None
    nbytes: Optional[Callable] = None        # (args, output) -> bytes that must move


def _t_bytes(*ts):
    return sum(t.numel() * t.element_size() for t in ts if isinstance(t, torch.Tensor))


def _classes(n):
    """Class-index targets in [0, n), int64."""
    return lambda shape, dtype, device: torch.randint(0, n, shape, device=device)


def _few_distinct(shape, dtype, device):
    """~1000 distinct values (unique's case: labels, expert ids)."""
    return torch.randint(0, 1000, shape, device=device).to(dtype)


def _token_ids(shape, dtype, device):
    """Ids from a 128256-token vocabulary."""
    return torch.randint(0, 128256, shape, device=device).to(dtype)


def _half_zero(shape, dtype, device):
    """About half the elements zero (nonzero's case)."""
    x = torch.randn(shape, device=device)
    return torch.where(x > 0, x, torch.zeros_like(x)).to(dtype)


def _sorted_row(shape, dtype, device):
    return torch.randn(shape, device=device).to(dtype).sort(-1).values


def _rows(s):            # x
    return [(s, "any")]


def _rows2(s, d2="any"):  # grad, x
    return [(s, "any"), (s, d2)]


def _ln(s):              # x, weight, bias
    return [(s, "any"), (s[-1:], "any"), (s[-1:], "any")]


def _rms(s):             # x, weight
    return [(s, "any"), (s[-1:], "any")]


def _chan(s):            # x [N, C, ...], weight, bias
    return [(s, "any"), (s[1:2], "any"), (s[1:2], "any")]


def _groups(C):
    return 32 if C % 32 == 0 else 1


def _ln_stats(x, w, b, dy):
    _, mean, rstd = aten.native_layer_norm(x, x.shape[-1:], w, b, 1e-5)
    return dy, x, mean, rstd, w, b


def _rms_stats(x, w, dy):
    _, rstd = aten._fused_rms_norm(x, x.shape[-1:], w, 1e-5)
    return dy, x, rstd, w


def _gn_stats(x, w, b, dy):
    N, C = x.shape[:2]
    _, mean, rstd = aten.native_group_norm(x, w, b, N, C, x[0, 0].numel(), _groups(C), 1e-5)
    return dy, x, mean, rstd, w


def _gn_backward(dy, x, mean, rstd, w):
    N, C = x.shape[:2]
    return aten.native_group_norm_backward(dy, x, mean, rstd, w, N, C, x[0, 0].numel(), _groups(C), [True] * 3)


def _bn_operands(s):     # x, weight, bias, running mean, running var (positive)
    c = s[1:2]
    return [(s, "any"), (c, "any"), (c, "any"), (c, "any"), (c, "pos")]


def _bn_stats(x, w, b, rm, rv, dy):
    _, save_mean, save_invstd = aten.native_batch_norm(x, w, b, rm.clone(), rv.clone(), True, 0.1, 1e-5)
    return dy, x, w, rm, rv, save_mean, save_invstd


def _first(out):
    return out[0]


ROWS = ((4096, 4096), (4096, 32000), (256, 131072), (32, 262144))  # softmax: rows 4k..256k wide
NORM = ((4096, 4096), (32768, 4096), (16384, 8192))
DECODE = ((8, 4096), )
TALL = ((4096, 4096), (1048576, 32))  # reductions over dim 0: square and a very tall column block
SORT_SHAPES = ((4096, 4096), (1 << 20, ), (1 << 24, ))

ISSUE4 = {
    # ------------------------------------------------ softmax family
    "softmax": Issue4Op("softmax", lambda x: torch.softmax(x, -1), _rows, ROWS, ((8, 300), (2, 5000)), DECODE,
                        ("_softmax", ), memory_bound=True),
    "log_softmax": Issue4Op("log_softmax", lambda x: torch.log_softmax(x, -1), _rows, ROWS, ((8, 300), ), DECODE,
                            ("_log_softmax", ), memory_bound=True),
    "softmax_backward": Issue4Op("softmax_backward", lambda g, y: aten._softmax_backward_data(g, y, -1, y.dtype),
                                 _rows2, ROWS, ((8, 300), ), DECODE, ("_softmax_backward_data", ),
                                 prep=lambda g, x: (g, torch.softmax(x, -1)), memory_bound=True),
    "log_softmax_backward": Issue4Op("log_softmax_backward",
                                     lambda g, y: aten._log_softmax_backward_data(g, y, -1, y.dtype), _rows2, ROWS,
                                     ((8, 300), ), DECODE, ("_log_softmax_backward_data", ),
                                     prep=lambda g, x: (g, torch.log_softmax(x, -1)), memory_bound=True),
    # ------------------------------------------------ normalization, forward and backward
    "layer_norm": Issue4Op("layer_norm", lambda x, w, b: F.layer_norm(x, x.shape[-1:], w, b), _ln, NORM, ((8, 300), ),
                           DECODE, ("native_layer_norm", ), memory_bound=True),
    "layer_norm_backward": Issue4Op(
        "layer_norm_backward",
        lambda dy, x, mean, rstd, w, b: aten.native_layer_norm_backward(dy, x, x.shape[-1:], mean, rstd, w, b,
                                                                        [True] * 3),
        lambda s: _ln(s) + [(s, "any")], NORM, ((8, 300), ), DECODE, ("native_layer_norm_backward", ),
        prep=_ln_stats, memory_bound=True),
    "rms_norm": Issue4Op("rms_norm", lambda x, w: F.rms_norm(x, x.shape[-1:], w, 1e-5), _rms, NORM, ((8, 300), ),
                         DECODE, ("_fused_rms_norm|rms_norm", ), memory_bound=True),
    # (ATen has no CPU kernel for _fused_rms_norm_backward: no interpreter case)
    "rms_norm_backward": Issue4Op(
        "rms_norm_backward", lambda dy, x, rstd, w: aten._fused_rms_norm_backward(dy, x, x.shape[-1:], rstd, w,
                                                                                 [True, True]),
        lambda s: _rms(s) + [(s, "any")], NORM, (), DECODE, ("_fused_rms_norm_backward", ), prep=_rms_stats,
        memory_bound=True),
    "group_norm": Issue4Op("group_norm", lambda x, w, b: F.group_norm(x, _groups(x.shape[1]), w, b), _chan,
                           ((8, 256, 64, 64), (32, 128, 56, 56)), ((2, 4, 3, 3), ), (), ("native_group_norm", ),
                           memory_bound=True),
    "group_norm_backward": Issue4Op("group_norm_backward", _gn_backward, lambda s: _chan(s) + [(s, "any")],
                                    ((8, 256, 64, 64), (32, 128, 56, 56)), ((2, 4, 3, 3), ), (),
                                    ("native_group_norm_backward", ), prep=_gn_stats, memory_bound=True),
    # Training batch norm: a [64, 256, 56, 56] batch (103 MB in bf16) does not fit on chip, so
    # the input is read twice (statistics, then normalization): 2 reads + 1 write.
    "batch_norm": Issue4Op("batch_norm", lambda x, w, b, rm, rv: F.batch_norm(x, rm, rv, w, b, training=True),
                           _bn_operands, ((64, 256, 56, 56), ), ((4, 3, 5, 5), ), (),
                           ("native_batch_norm|_native_batch_norm_legit|cudnn_batch_norm", ), memory_bound=True,
                           nbytes=lambda a, out: 2 * _t_bytes(a[0]) + _t_bytes(out, *a[1:])),
    # backward: dy and x for the per-channel sums, again for dx: 2 x (dy + x) + dx
    "batch_norm_backward": Issue4Op(
        "batch_norm_backward",
        lambda dy, x, w, rm, rv, sm, si: aten.native_batch_norm_backward(dy, x, w, rm, rv, sm, si, True, 1e-5,
                                                                         [True] * 3),
        lambda s: _bn_operands(s) + [(s, "any")], ((64, 256, 56, 56), ), ((4, 3, 5, 5), ), (),
        ("native_batch_norm_backward|cudnn_batch_norm_backward", ), prep=_bn_stats, memory_bound=True,
        nbytes=lambda a, out: 2 * _t_bytes(a[0], a[1]) + _t_bytes(*a[2:], *out)),
    # ------------------------------------------------ reductions: last dim (rows) and first dim (columns)
    **{f"{op}{suffix}": Issue4Op(op, (lambda x, _op=op, _d=dim: getattr(x, _op)(_d)), _rows, shapes,
                                 ((8, 300), (300, 5)) if dim == 0 and op == "sum" else ((8, 300), ),
                                 DECODE if dim == -1 else (),
                                 (op, ), memory_bound=True)
       for op in ("sum", "mean", "amax", "argmax", "var")
       for dim, suffix, shapes in ((-1, " dim=-1", NORM[:2]), (0, " dim=0", TALL))},
    # ------------------------------------------------ scans, sorting, selection
    "cumsum": Issue4Op("cumsum", lambda x: x.cumsum(-1), _rows, ((4096, 4096), (1 << 24, )), ((8, 300), (5000, )),
                       DECODE, ("cumsum", )),
    "sort": Issue4Op("sort", lambda x: torch.sort(x, dim=-1, stable=True), _rows, SORT_SHAPES, ((4, 64), (5000, )),
                     DECODE, ("sort", )),
    "argsort": Issue4Op("argsort", lambda x: torch.argsort(x, dim=-1, stable=True), _rows, SORT_SHAPES, ((4, 64), ), (),
                        ("sort", )),
    # values compared (which of equal values topk returns is unspecified)
    "topk k=50": Issue4Op("topk", lambda x: x.topk(50, -1), _rows, ((64, 128000), ), ((2, 100), ), DECODE, ("topk", ),
                          compare=_first),
    "topk k=1024": Issue4Op("topk", lambda x: x.topk(1024, -1), _rows, ((1, 1 << 24), ), ((1, 5000), ), (),
                            ("topk", ), compare=_first),
    "unique": Issue4Op("unique", lambda x: torch.unique(x, sorted=True), lambda s: [(s, _few_distinct)],
                       ((1 << 24, ), ), ((5000, ), ), (), ("_unique2", ), dtype=torch.int64),
    "unique token ids": Issue4Op("unique", lambda x: torch.unique(x, sorted=True), lambda s: [(s, _token_ids)],
                                 ((1 << 24, ), ), ((5000, ), ), (), ("_unique2", ), dtype=torch.int64),
    "unique fp32": Issue4Op("unique", lambda x: torch.unique(x, sorted=True), lambda s: [(s, _few_distinct)],
                            ((1 << 24, ), ), ((5000, ), ), (), ("_unique2", ), dtype=torch.float32),
    "unique(inverse,counts)": Issue4Op("unique",
                                       lambda x: torch.unique(x, sorted=True, return_inverse=True, return_counts=True),
                                       lambda s: [(s, _few_distinct)], ((1 << 24, ), ), ((5000, ), ), (),
                                       ("_unique2", ), dtype=torch.int64),
    "kthvalue": Issue4Op("kthvalue", lambda x: x.kthvalue(x.shape[-1] // 2 + 1, -1), _rows, ((4096, 4096), ),
                         ((8, 300), ), (), ("kthvalue", ), compare=_first),
    "median": Issue4Op("median", lambda x: x.median(-1), _rows, ((4096, 4096), ), ((8, 300), ), (), ("median", ),
                       compare=_first),
    "nonzero": Issue4Op("nonzero", torch.nonzero, lambda s: [(s, _half_zero)], ((4096, 4096), ), ((8, 300), ), (),
                        ("nonzero", )),
    # 4096 sorted boundaries, values of the case's shape
    "searchsorted": Issue4Op("searchsorted", torch.searchsorted, lambda s: [((4096, ), _sorted_row), (s, "any")],
                             ((4096, 4096), ), ((8, 300), ), (), ("searchsorted", )),
    # ------------------------------------------------ losses
    # F.cross_entropy without a gradient: the fused forward (aten::cross_entropy_loss, which ATen
    # decomposes into log_softmax + nll_loss)
    "cross_entropy": Issue4Op("cross_entropy", F.cross_entropy, lambda s: [(s, "any"), (s[:1], _classes(s[1]))],
                              ((4096, 32000), (1024, 128256)), ((8, 300), ), DECODE,
                              ("cross_entropy_loss", )),
    "mse_loss": Issue4Op("mse_loss", F.mse_loss, _rows2, ((4096, 4096), ), ((8, 300), (3, 20001)), DECODE,
                         ("mse_loss", )),
    "mse_loss_backward": Issue4Op("mse_loss_backward", lambda g, x, y: aten.mse_loss_backward(g, x, y, 1),
                                  lambda s: [((), "any"), (s, "any"), (s, "any")], ((4096, 4096), ), ((8, 300), ),
                                  (), ("mse_loss_backward", )),
    "l1_loss": Issue4Op("l1_loss", F.l1_loss, _rows2, ((4096, 4096), ), ((8, 300), ), (), ("l1_loss", )),
    "smooth_l1_loss": Issue4Op("smooth_l1_loss", F.smooth_l1_loss, _rows2, ((4096, 4096), ), ((8, 300), ), (),
                               ("smooth_l1_loss", )),
    "binary_cross_entropy": Issue4Op("binary_cross_entropy", F.binary_cross_entropy,
                                     lambda s: [(s, "prob"), (s, "prob")], ((4096, 4096), ), ((8, 300), ), (),
                                     ("binary_cross_entropy", )),
}

# The fused cross entropy (gemforge.cross_entropy) vs log_softmax + nll_loss, forward + backward:
# [tokens, vocab] of the GPU run and of the interpreter.
FUSED_CE_SHAPE, FUSED_CE_QUICK = (8192, 128256), (16, 1000)
