"""The operator table that drives the tests, in the spirit of PyTorch's OpInfo.

Each OpSpec names the aten overloads it exercises, generates sample inputs (0-d and empty to
odd sizes; strided, broadcast and transposed layouts), and says how to compare. References are
computed by torch itself with GemForge disabled, on inputs upcast to fp64 on the CPU (integer
and bool inputs keep their dtype: their semantics are exact).
"""
import dataclasses
import math
from typing import Callable, List, Optional

import torch
import torch.nn.functional as F

FLOATS = [torch.float32, torch.float16, torch.bfloat16]
INTS = [torch.int32, torch.int64, torch.int8, torch.uint8]
ALL = FLOATS + [torch.float64] + INTS + [torch.bool]

# Relative tolerances by dtype (DESIGN.md); absolute tolerance scales with the values.
RTOL = {torch.float32: 1.3e-6, torch.float64: 1e-12, torch.float16: 1e-3, torch.bfloat16: 1.6e-2}
ATOL = {torch.float32: 1e-5, torch.float64: 1e-12, torch.float16: 1e-3, torch.bfloat16: 1e-2}


@dataclasses.dataclass
class Sample:
    args: tuple
    kwargs: dict = dataclasses.field(default_factory=dict)
    desc: str = ""
    reduction_size: int = 1  # for reduction tolerances


@dataclasses.dataclass
class OpSpec:
    name: str
    fn: Callable  # the torch call under test
    samples: Callable  # (device, dtype, large) -> list[Sample]
    dtypes: List[torch.dtype]
    overloads: List[str]  # aten overloads GemForge must have run (record mode)
    inplace: Optional[Callable] = None  # in-place form, e.g. torch.Tensor.add_
    out: bool = True  # has an out= form taking the same arguments
    positive: bool = False  # needs positive inputs (log, sqrt, rsqrt)
    rtol_scale: float = 1.0  # ops with transcendental functions get a few ulps more
    reduction: bool = False
    # Discontinuous ops (floor/trunc division) are compared with torch computing in the op math
    # type (fp32 for half types), as ATen's kernels do, not with fp64.
    opmath_reference: bool = False
    # Ops whose rounding is defined by the order of ATen's kernel arithmetic, which differs between
    # its CPU and CUDA kernels (round with decimals): compared exactly with torch on the same device.
    reference_on_device: bool = False
    # The reference computation when it is not `fn` itself on fp64 CPU inputs (e.g. a backward
    # op checked against autograd). Called with the fp64 CPU versions of the sample's args.
    reference: Optional[Callable] = None


def make(shape, dtype, device, positive=False, noncontig=False, seed=0, nonzero=False):
    """Random values (never all zeros); special values are added by callers. nonzero: integer
    tensors avoid 0 and bool tensors are all True (divisors: integer division by zero raises in
    ATen's CPU kernel and is undefined in its CUDA kernel)."""
    g = torch.Generator().manual_seed(seed * 7919 + int(sum(shape)) + len(shape))
    full = tuple(shape[:-1]) + (shape[-1] * 2, ) if noncontig and len(shape) else tuple(shape)
    if dtype == torch.bool:
        t = torch.rand(full, generator=g) > (0.0 if nonzero else 0.5)
    elif dtype.is_floating_point:
        t = torch.randn(full, generator=g, dtype=torch.float64)
        if positive:
            t = t.abs() + 0.1
        t = t.to(dtype)
    else:
        info = torch.iinfo(dtype)
        lo, hi = (1, 20) if positive else (max(info.min, -20), min(info.max, 20))
        t = torch.randint(lo, hi, full, generator=g, dtype=torch.int64)
        if nonzero:
            t[t == 0] = 3
        t = t.to(dtype)
    if noncontig and len(shape):
        t = t[..., ::2]
    return t.to(device)


def unary_layouts(m, large):
    """One-input samples of every layout: 0-d and empty to odd sizes, transposed, strided,
    expanded and permuted (plus large shapes where kernels run natively). m(shape, **kw) makes
    a tensor (make()'s keywords)."""
    out = [
        Sample((m(()), ), desc="0-d"),
        Sample((m((0, )), ), desc="empty"),
        Sample((m((1, )), ), desc="1"),
        Sample((m((37, )), ), desc="odd"),
        Sample((m((33, 70)), ), desc="2d"),
        Sample((m((2, 0, 3)), ), desc="empty-3d"),
        Sample((m((20, 17)).t(), ), desc="transposed"),
        Sample((m((6, 40), noncontig=True), ), desc="strided"),
        Sample((m((3, 1, 5)).expand(3, 4, 5), ), desc="expanded"),
        Sample((m((2, 3, 4, 5)).permute(3, 1, 0, 2), ), desc="permuted-4d"),
    ]
    if large:
        out += [Sample((m((1 << 20, )), ), desc="1M"), Sample((m((4096, 4097)), ), desc="4096x4097")]
    return out


def unary_samples(positive=False):
    def gen(device, dtype, large):
        out = unary_layouts(lambda shape, **kw: make(shape, dtype, device, positive, **kw), large)
        if dtype.is_floating_point:
            special = torch.tensor([0.0, -0.0, float("inf"), -float("inf"), float("nan"), 1e-30, -3.5, 2.25],
                                   dtype=dtype, device=device)
            if positive:
                special = special.abs()
            out.append(Sample((special, ), desc="special"))
        return out

    return gen


def binary_samples(positive_rhs=False, scalars=True):
    def gen(device, dtype, large):
        a = lambda shape, seed=0, **kw: make(shape, dtype, device, seed=seed, **kw)  # noqa: E731
        b = lambda shape, seed=1, **kw: make(shape, dtype, device, positive_rhs, seed=seed, nonzero=True, **kw)  # noqa: E731
        out = [
            Sample((a(()), b(())), desc="0-d"),
            Sample((a((0, )), b((0, ))), desc="empty"),
            Sample((a((37, )), b((37, ))), desc="odd"),
            Sample((a((33, 70)), b((70, ))), desc="broadcast-row"),
            Sample((a((5, 1, 7)), b((3, 1))), desc="broadcast-both"),
            Sample((a((20, 17)).t(), b((17, 20))), desc="transposed"),
            Sample((a((6, 40), noncontig=True), b((6, 40), noncontig=True)), desc="strided"),
            Sample((a((9, 13)), b(())), desc="0-d-rhs"),
            Sample((a((2, 0, 3)), b((1, 3))), desc="empty-broadcast"),
            Sample((a((2, 3, 4, 5, 6, 7, 8)), b((8, ))), desc="rank-7"),
        ]
        if scalars:
            s = 3 if not dtype.is_floating_point else 1.5
            if dtype == torch.bool:
                s = True
            out.append(Sample((a((11, 6)), s), desc="python-scalar"))
            out.append(Sample((a((11, 6)), b(()).cpu()), desc="cpu-0d-tensor"))
        if large:
            out += [Sample((a((1 << 20, )), b((1 << 20, ))), desc="1M"),
                    Sample((a((512, 4096)), b((4096, ))), desc="512x4096-broadcast"),
                    Sample((a((1024, 1024)).t(), b((1024, 1024))), desc="1024-transposed")]
        return out

    return gen


def reduction_samples(dim_arg=True):
    def gen(device, dtype, large):
        m = lambda shape, **kw: make(shape, dtype, device, **kw)  # noqa: E731
        cases = [
            ((37, ), None, False), ((33, 70), -1, False), ((33, 70), 0, True), ((4, 5, 6), (0, 2), False),
            ((4, 5, 6), (1, ), True), ((2, 0, 3), 1, False), ((2, 0, 3), 0, False), ((), None, False),
            ((3, 4, 5, 6), (-1, -3), True), ((257, 3), 0, False), ((1, 1000), None, False),
        ]
        if large:
            cases += [((1 << 22, ), None, False), ((4096, 4096), -1, False), ((4096, 4096), 0, False),
                      ((64, 8, 2048), (0, 2), False)]
        out = []
        for shape, dim, keep in cases:
            x = m(shape)
            r = x.numel() if dim is None else math.prod(shape[d] for d in ((dim, ) if isinstance(dim, int) else dim))
            if dim is None:
                out.append(Sample((x, ), desc=f"{shape}-full", reduction_size=max(r, 1)))
            elif dim_arg:
                out.append(Sample((x, dim, keep), desc=f"{shape}-dim{dim}-keep{keep}", reduction_size=max(r, 1)))
        xt = m((40, 30)).t()
        out.append(Sample((xt, 1, False), desc="transposed-dim1", reduction_size=40))
        out.append(Sample((m((8, 50), noncontig=True), -1, False), desc="strided", reduction_size=50))
        return out

    return gen


def softmax_samples(device, dtype, large):
    m = lambda shape: make(shape, dtype, device)  # noqa: E731
    out = [Sample((m(shape), dim), desc=f"{shape}-dim{dim}")
           for shape, dim in [((37, ), 0), ((33, 70), -1), ((33, 70), 0), ((4, 5, 6), 1), ((2, 0, 3), -1),
                              ((), 0), ((3, 5000), -1), ((7, 20000), 1), ((16, 3, 300), 1)]]
    out.append(Sample((m((40, 30)).t(), -1), desc="transposed"))
    inf_row = m((4, 9))
    inf_row[1, 3] = float("inf")
    inf_row[2] = -float("inf")
    out.append(Sample((inf_row, -1), desc="inf-rows"))
    if large:
        out += [Sample((m((4096, 4096)), -1), desc="4096x4096"), Sample((m((64, 32000)), -1), desc="64x32000"),
                Sample((m((8, 150000)), -1), desc="8x150000")]
    return out


OPS = [
    OpSpec("add", lambda a, b, **kw: torch.add(a, b, alpha=2, **kw), binary_samples(), ALL,
           ["add.Tensor"], inplace=lambda a, b: a.add_(b, alpha=2)),
    OpSpec("add_noalpha", torch.add, binary_samples(), ALL, ["add.Tensor"], inplace=torch.Tensor.add_),
    OpSpec("sub", lambda a, b, **kw: torch.sub(a, b, alpha=3, **kw), binary_samples(), FLOATS + [torch.float64] + INTS,
           ["sub.Tensor"], inplace=lambda a, b: a.sub_(b, alpha=3)),
    OpSpec("rsub", lambda a, b, **kw: torch.rsub(a, b, alpha=2, **kw), binary_samples(), FLOATS + INTS, ["rsub.Tensor"],
           out=False),
    OpSpec("mul", torch.mul, binary_samples(), ALL, ["mul.Tensor"], inplace=torch.Tensor.mul_),
    OpSpec("div", torch.div, binary_samples(positive_rhs=True), ALL, ["div.Tensor"], inplace=torch.Tensor.div_),
    OpSpec("div_trunc", lambda a, b, **kw: torch.div(a, b, rounding_mode="trunc", **kw), binary_samples(positive_rhs=True),
           FLOATS + INTS, ["div.Tensor_mode"], inplace=lambda a, b: a.div_(b, rounding_mode="trunc"), opmath_reference=True),
    OpSpec("div_floor", lambda a, b, **kw: torch.div(a, b, rounding_mode="floor", **kw), binary_samples(),
           FLOATS + INTS, ["div.Tensor_mode"], inplace=lambda a, b: a.div_(b, rounding_mode="floor"),
           opmath_reference=True),
    OpSpec("neg", torch.neg, unary_samples(), FLOATS + [torch.float64] + INTS, ["neg"], inplace=torch.Tensor.neg_),
    OpSpec("abs", torch.abs, unary_samples(), FLOATS + [torch.float64] + INTS, ["abs"], inplace=torch.Tensor.abs_),
    OpSpec("exp", torch.exp, unary_samples(), ALL, ["exp"], inplace=torch.Tensor.exp_, rtol_scale=4),
    OpSpec("log", torch.log, unary_samples(positive=True), ALL, ["log"], inplace=torch.Tensor.log_,
           positive=True, rtol_scale=4),
    OpSpec("sqrt", torch.sqrt, unary_samples(positive=True), ALL, ["sqrt"], inplace=torch.Tensor.sqrt_,
           positive=True),
    OpSpec("rsqrt", torch.rsqrt, unary_samples(positive=True), ALL, ["rsqrt"], inplace=torch.Tensor.rsqrt_,
           positive=True, rtol_scale=2),
    OpSpec("sigmoid", torch.sigmoid, unary_samples(), ALL, ["sigmoid"], inplace=torch.Tensor.sigmoid_,
           rtol_scale=4),
    OpSpec("silu", torch.ops.aten.silu, unary_samples(), FLOATS + [torch.float64], ["silu"],
           inplace=lambda x: F.silu(x, inplace=True), rtol_scale=4),
    OpSpec("relu", torch.ops.aten.relu, unary_samples(), FLOATS + [torch.float64] + INTS, ["relu"],
           inplace=torch.relu_),
    OpSpec("gelu", torch.ops.aten.gelu, unary_samples(), FLOATS + [torch.float64], ["gelu"], rtol_scale=4,
           inplace=torch.ops.aten.gelu_),
    OpSpec("gelu_tanh", lambda x, **kw: torch.ops.aten.gelu(x, approximate="tanh", **kw), unary_samples(),
           FLOATS + [torch.float64], ["gelu"], rtol_scale=8,
           inplace=lambda x: torch.ops.aten.gelu_(x, approximate="tanh")),
    OpSpec("sum", torch.sum, reduction_samples(), ALL, ["sum"], out=True, reduction=True),
    OpSpec("mean", torch.mean, reduction_samples(), FLOATS + [torch.float64], ["mean"], out=True, reduction=True),
    OpSpec("softmax", lambda x, dim, **kw: torch.ops.aten._softmax(x, dim, False, **kw), softmax_samples,
           FLOATS + [torch.float64], ["_softmax"], rtol_scale=4),
    OpSpec("log_softmax", lambda x, dim, **kw: torch.ops.aten._log_softmax(x, dim, False, **kw), softmax_samples,
           FLOATS + [torch.float64], ["_log_softmax"], rtol_scale=4),
]

OPS_BY_NAME = {op.name: op for op in OPS}


def tolerances(op, dtype, sample):
    """(rtol, atol) for comparing with the fp64 reference; reductions scale with their size."""
    if not dtype.is_floating_point:
        return 0.0, 0.0
    rtol = RTOL[dtype] * op.rtol_scale
    atol = ATOL[dtype] * op.rtol_scale
    if op.reduction:
        # Each output sums `reduction_size` terms: the error bound grows with it.
        rtol *= max(1.0, math.sqrt(sample.reduction_size))
        atol *= max(1.0, math.sqrt(sample.reduction_size))
    return rtol, atol
