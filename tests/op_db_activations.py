"""Op table entries for csrc/ops/pointwise/activations.cpp (activations and their backward ops).

Backward ops take (grad, x, ...) samples and are checked against autograd of the forward op on
the fp64 reference inputs (never against the aten backward op itself).
"""
import torch
import torch.nn.functional as F

from op_db import FLOATS, INTS, OpSpec, Sample, binary_samples, make, unary_samples

aten = torch.ops.aten
FLOATS64 = FLOATS + [torch.float64]

# Interpreter time: float32 (and int32) get every layout; other dtypes a few samples that still
# cover 0-d, a plain and a transposed layout and the special values.
SECONDARY = {"0-d", "odd", "transposed", "broadcast-row", "special", "sweep", "edges", "last", "middle"}


def _trim(samples, dtype):
    if dtype in (torch.float32, torch.int32):
        return samples
    return [s for s in samples if s.desc in SECONDARY]


# ---------------------------------------------------------------- samples


def wide_samples(scale=1.0):
    """unary_samples (float ones times `scale`) plus a sweep over [-30, 30] (saturation regions)."""
    base = unary_samples()

    def gen(device, dtype, large):
        out = base(device, dtype, large)
        if scale != 1.0 and dtype.is_floating_point:
            out = [Sample((s.args[0] * scale, ), desc=s.desc) for s in out]
        if dtype.is_floating_point:
            out.append(Sample((torch.linspace(-30, 30, 121, dtype=torch.float64).to(dtype).to(device), ), desc="sweep"))
        return _trim(out, dtype)

    return gen


def unit_samples(device, dtype, large):
    """Inputs of logit: mostly in (0, 1), plus its edges and outside values."""
    out = []
    for s in unary_samples()(device, dtype, large):
        x = s.args[0]
        if dtype.is_floating_point and s.desc != "special":
            x = torch.sigmoid(x)
        out.append(Sample((x, ), desc=s.desc))
    if dtype.is_floating_point:
        edges = torch.tensor([0.0, 1.0, 0.03, 0.97, 1.5, -0.5, float("nan"), 0.5], dtype=dtype, device=device)
        out.append(Sample((edges, ), desc="edges"))
    return _trim(out, dtype)


def glu_samples(device, dtype, large):
    m = lambda shape, **kw: make(shape, dtype, device, **kw)  # noqa: E731
    out = [
        Sample((m((8, )), 0), desc="1d"),
        Sample((m((5, 6)), -1), desc="last"),
        Sample((m((6, 5)), 0), desc="first"),
        Sample((m((1, 4, 6)), 1), desc="leading size-1 dim"),  # halves are contiguous blocks (flat path)
        Sample((m((3, 4, 10)), 1), desc="middle"),
        Sample((m((10, 6)).t(), 1), desc="transposed"),
        Sample((m((4, 12), noncontig=True), -1), desc="strided"),
        Sample((m((2, 0, 4)), 2), desc="empty"),
        Sample((m((0, 3)), 0), desc="empty halves"),
    ]
    if large:
        out += [Sample((m((4096, 8192)), -1), desc="4096x8192")]
    return _trim(out, dtype)


def backward_samples(transform=None, large_scale=1.0, broadcast=True):
    """(grad, x) pairs from binary_samples (broadcasting, layouts, 0-d, empty), plus special
    values of x; `transform` maps x into the op's domain (e.g. sigmoid for sigmoid_backward).
    broadcast=False keeps same-shape pairs only. The rank-7 case is left to the foundation's
    tests (it exercises the shared launcher, slowly under the interpreter)."""
    base = binary_samples(scalars=False)

    def gen(device, dtype, large):
        out = []
        for s in base(device, dtype, large):
            g, x = s.args
            if s.desc == "rank-7" or (not broadcast and g.shape != x.shape):
                continue
            if dtype.is_floating_point:
                x = x * large_scale
            out.append(Sample((g, transform(x) if transform else x), desc=s.desc))
        if dtype.is_floating_point:
            special = torch.tensor([0.0, -0.0, float("inf"), -float("inf"), float("nan"), 1e-30, -3.5, 2.25, 3.0, -3.0,
                                    25.0, -25.0], dtype=dtype, device=device)
            g = make((special.numel(), ), dtype, device, seed=3)
            out.append(Sample((g, transform(special) if transform else special), desc="special"))
        return _trim(out, dtype)

    return gen


def logit_backward_samples(device, dtype, large):
    out = backward_samples(torch.sigmoid)(device, dtype, large)
    x = torch.tensor([0.0, 1.0, 0.03, 0.97, 1.5, -0.5, float("nan"), 0.5], dtype=dtype, device=device)
    out.append(Sample((make((x.numel(), ), dtype, device, seed=4), x), desc="edges"))
    return _trim(out, dtype)


def with_extra(gen, *extra):
    """Samples of `gen` with extra trailing arguments (a dim, a buffer maker, ...)."""
    def wrapped(device, dtype, large):
        return [Sample(s.args + tuple(e(s.args) if callable(e) else e for e in extra), desc=s.desc)
                for s in gen(device, dtype, large)]

    return wrapped


def glu_backward_samples(device, dtype, large):
    out = []
    for s in glu_samples(device, dtype, large):
        x, dim = s.args
        y = F.glu(x, dim)
        g = make(tuple(y.shape), dtype, device, seed=5)
        out.append(Sample((g, x, dim), desc=s.desc))
    return out  # already trimmed


# ---------------------------------------------------------------- references


def vjp(forward, pre=None):
    """The reference of a backward op called as op(grad, x, *rest): autograd of forward(x, *rest)
    on the fp64 inputs, x broadcast with grad as the aten op broadcasts them. `pre` maps the op's
    second argument to the forward's input (e.g. logit for sigmoid_backward, which takes
    sigmoid's result)."""
    def ref(g, x, *rest):
        shape = torch.broadcast_shapes(g.shape, x.shape)
        if pre is not None:
            x = pre(x, *rest)
        x = x.expand(shape).clone().requires_grad_(True)
        y = forward(x, *rest)
        (gx, ) = torch.autograd.grad(y, x, g.expand(shape))
        return gx

    return ref


def nan_as(ref, at_nan):
    """`ref` except where x is NaN: there ATen's CUDA kernel gives at_nan(g) (its CPU kernel
    disagrees, and is not even consistent between its vectorized and scalar paths)."""
    def wrapped(g, x, *rest):
        r = ref(g, x, *rest)
        return torch.where(x.expand(r.shape).isnan(), at_nan(g.expand(r.shape)), r)

    return wrapped


def glu_vjp(g, x, dim):
    x = x.clone().requires_grad_(True)
    (gx, ) = torch.autograd.grad(F.glu(x, dim), x, g)
    return gx


def threshold_backward_ref(g, x, th):
    if g.is_floating_point() or x.is_floating_point():
        return vjp(lambda t, th: F.threshold(t, th, 0.0))(g.double(), x.double(), th)
    return torch.where(x <= th, torch.zeros_like(g), g)  # integers: no autograd, so the definition


def elu_inverse(y, alpha, scale, input_scale, is_result=True):
    """x with elu(x) == y, for elu_backward's is_result form."""
    return torch.where(y > 0, y / scale, torch.log1p(y / (alpha * scale)) / input_scale)


def _out(packet, name="grad_input"):
    """packet(*args) with out= mapped to the overload's out argument name."""
    def fn(*args, out=None):
        return packet(*args) if out is None else packet(*args, **{name: out})

    return fn


# ---------------------------------------------------------------- the table

OPS = [
    # forward
    OpSpec("leaky_relu", lambda x, **kw: aten.leaky_relu(x, 0.2, **kw), wide_samples(), FLOATS64, ["leaky_relu"],
           inplace=lambda x: aten.leaky_relu_(x, 0.2)),
    OpSpec("leaky_relu_default", F.leaky_relu, wide_samples(), [torch.float32], ["leaky_relu"], out=False,
           inplace=lambda x: F.leaky_relu(x, inplace=True)),
    OpSpec("elu", lambda x, **kw: aten.elu(x, 1.3, 1.1, 0.8, **kw), wide_samples(), FLOATS64, ["elu"],
           inplace=lambda x: aten.elu_(x, 1.3, 1.1, 0.8), rtol_scale=4),
    OpSpec("elu_default", F.elu, wide_samples(), [torch.float32], ["elu"], out=False, inplace=lambda x: F.elu(x, inplace=True),
           rtol_scale=4),
    OpSpec("selu", F.selu, wide_samples(), FLOATS64, ["elu"], out=False, inplace=lambda x: F.selu(x, inplace=True),
           rtol_scale=4),
    OpSpec("celu", lambda x, **kw: aten.celu(x, 0.7, **kw), wide_samples(), FLOATS64, ["celu"],
           inplace=lambda x: aten.celu_(x, 0.7), rtol_scale=4),
    OpSpec("relu6", F.relu6, wide_samples(4.0), FLOATS64 + INTS, ["hardtanh"], out=False,
           inplace=lambda x: F.relu6(x, inplace=True)),
    OpSpec("hardtanh", lambda x, **kw: aten.hardtanh(x, -0.5, 0.75, **kw), wide_samples(), FLOATS64, ["hardtanh"],
           inplace=lambda x: aten.hardtanh_(x, -0.5, 0.75)),
    # integer bounds are truncated: (2, 9)
    OpSpec("hardtanh_int", lambda x, **kw: aten.hardtanh(x, 2.5, 9.9, **kw), wide_samples(), INTS, ["hardtanh"],
           inplace=lambda x: aten.hardtanh_(x, 2.5, 9.9)),
    OpSpec("mish", aten.mish, wide_samples(), FLOATS64, ["mish"], inplace=aten.mish_, rtol_scale=4),
    OpSpec("hardsigmoid", aten.hardsigmoid, wide_samples(4.0), FLOATS64, ["hardsigmoid"], inplace=aten.hardsigmoid_),
    OpSpec("hardswish", aten.hardswish, wide_samples(4.0), FLOATS64, ["hardswish"], inplace=aten.hardswish_),
    OpSpec("softplus", lambda x, **kw: aten.softplus(x, 2.0, 3.0, **kw), wide_samples(), FLOATS64, ["softplus"],
           rtol_scale=4),
    OpSpec("softplus_default", aten.softplus, wide_samples(), FLOATS, ["softplus"], rtol_scale=4),
    OpSpec("log_sigmoid", aten.log_sigmoid, wide_samples(), FLOATS64, ["log_sigmoid_forward"], rtol_scale=4),
    OpSpec("log_sigmoid_forward", lambda x: aten.log_sigmoid_forward(x)[0], wide_samples(), FLOATS,
           ["log_sigmoid_forward"], out=False, rtol_scale=4),
    OpSpec("threshold", lambda x, **kw: aten.threshold(x, 0.25, -2.0, **kw), wide_samples(), FLOATS64,
           ["threshold"], inplace=lambda x: aten.threshold_(x, 0.25, -2.0)),
    OpSpec("threshold_int", lambda x, **kw: aten.threshold(x, 3.5, 7, **kw), wide_samples(), INTS, ["threshold"],
           inplace=lambda x: aten.threshold_(x, 3.5, 7)),
    OpSpec("glu", aten.glu, glu_samples, FLOATS64, ["glu"], rtol_scale=4),
    OpSpec("logit", aten.logit, unit_samples, FLOATS64 + INTS + [torch.bool], ["logit"], inplace=aten.logit_,
           rtol_scale=4),
    OpSpec("logit_eps", lambda x, **kw: aten.logit(x, 0.05, **kw), unit_samples, FLOATS64, ["logit"],
           inplace=lambda x: aten.logit_(x, 0.05), rtol_scale=4),
    # backward: checked against autograd of the forward
    OpSpec("threshold_backward", _out(lambda g, x, **kw: aten.threshold_backward(g, x, 0.25, **kw)),
           backward_samples(), FLOATS64 + INTS, ["threshold_backward"],
           reference=lambda g, x: threshold_backward_ref(g, x, 0.25)),
    OpSpec("sigmoid_backward", _out(aten.sigmoid_backward), backward_samples(torch.sigmoid), FLOATS64,
           ["sigmoid_backward"], reference=vjp(torch.sigmoid, pre=lambda y: torch.logit(y)), rtol_scale=4),
    OpSpec("tanh_backward", _out(aten.tanh_backward), backward_samples(torch.tanh), FLOATS64, ["tanh_backward"],
           reference=vjp(torch.tanh, pre=lambda y: torch.atanh(y)), rtol_scale=4),
    OpSpec("silu_backward", _out(aten.silu_backward), backward_samples(), FLOATS64, ["silu_backward"],
           reference=vjp(F.silu), rtol_scale=4),
    # ATen's CPU gelu_backward (oneDNN) fails on broadcast operands: same-shape samples only
    OpSpec("gelu_backward", _out(aten.gelu_backward), backward_samples(broadcast=False), FLOATS64,
           ["gelu_backward"], reference=vjp(F.gelu), rtol_scale=4),
    OpSpec("gelu_backward_tanh", _out(lambda g, x, **kw: aten.gelu_backward(g, x, approximate="tanh", **kw)),
           backward_samples(), FLOATS64, ["gelu_backward"],
           reference=vjp(lambda x: F.gelu(x, approximate="tanh")), rtol_scale=8),
    OpSpec("elu_backward", _out(lambda g, x, **kw: aten.elu_backward(g, 1.3, 1.1, 0.8, False, x, **kw)),
           backward_samples(), FLOATS64, ["elu_backward"],
           reference=nan_as(vjp(lambda x: aten.elu(x, 1.3, 1.1, 0.8)), lambda g: g * 1.1), rtol_scale=4),
    OpSpec("elu_backward_result", _out(lambda g, y, **kw: aten.elu_backward(g, 1.3, 1.1, 0.8, True, y, **kw)),
           backward_samples(lambda x: aten.elu(x, 1.3, 1.1, 0.8)), FLOATS64, ["elu_backward"],
           reference=nan_as(vjp(lambda x: aten.elu(x, 1.3, 1.1, 0.8), pre=lambda y: elu_inverse(y, 1.3, 1.1, 0.8)),
                            lambda g: g * 1.1),
           rtol_scale=4),
    OpSpec("hardswish_backward", _out(aten.hardswish_backward, "out"), backward_samples(large_scale=4.0), FLOATS64,
           ["hardswish_backward"], reference=nan_as(vjp(F.hardswish), lambda g: g)),
    OpSpec("hardsigmoid_backward", _out(aten.hardsigmoid_backward), backward_samples(large_scale=4.0), FLOATS64,
           ["hardsigmoid_backward"], reference=vjp(F.hardsigmoid)),
    OpSpec("hardtanh_backward", _out(lambda g, x, **kw: aten.hardtanh_backward(g, x, -0.5, 0.75, **kw)),
           backward_samples(), FLOATS64, ["hardtanh_backward"], reference=nan_as(vjp(lambda x: F.hardtanh(x, -0.5, 0.75)), lambda g: g)),
    OpSpec("leaky_relu_backward", _out(lambda g, x, **kw: aten.leaky_relu_backward(g, x, 0.2, False, **kw)),
           backward_samples(), FLOATS64, ["leaky_relu_backward"], reference=vjp(lambda x: F.leaky_relu(x, 0.2))),
    OpSpec("leaky_relu_backward_result", _out(lambda g, y, **kw: aten.leaky_relu_backward(g, y, 0.2, True, **kw)),
           backward_samples(lambda x: F.leaky_relu(x, 0.2)), FLOATS, ["leaky_relu_backward"],
           reference=vjp(lambda x: F.leaky_relu(x, 0.2))),  # same sign as the input: same derivative
    OpSpec("softplus_backward", _out(lambda g, x, **kw: aten.softplus_backward(g, x, 2.0, 3.0, **kw)),
           backward_samples(), FLOATS64, ["softplus_backward"], reference=vjp(lambda x: F.softplus(x, 2.0, 3.0)),
           rtol_scale=4),
    OpSpec("log_sigmoid_backward", _out(aten.log_sigmoid_backward),
           with_extra(backward_samples(), lambda args: aten.log_sigmoid_forward(args[1])[1]), FLOATS64,
           ["log_sigmoid_backward"], reference=lambda g, x, buffer: vjp(F.logsigmoid)(g, x), rtol_scale=4),
    OpSpec("glu_backward", _out(aten.glu_backward), glu_backward_samples, FLOATS64, ["glu_backward"],
           reference=glu_vjp, rtol_scale=4),
    OpSpec("mish_backward", aten.mish_backward, backward_samples(), FLOATS64, ["mish_backward"], out=False,
           reference=vjp(F.mish), rtol_scale=8),
    OpSpec("logit_backward", _out(aten.logit_backward), logit_backward_samples, FLOATS64, ["logit_backward"],
           reference=vjp(torch.logit), rtol_scale=4),
    OpSpec("logit_backward_eps", _out(lambda g, x, **kw: aten.logit_backward(g, x, 0.05, **kw)),
           logit_backward_samples, FLOATS64, ["logit_backward"], reference=nan_as(vjp(lambda x: torch.logit(x, 0.05)), lambda g: g * float("nan")),
           rtol_scale=4),
]
