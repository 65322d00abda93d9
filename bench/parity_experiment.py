"""Experiment: the large-tensor pointwise rows at 0.95-0.99x of torch (issue 3, session 10).

Three questions, each against torch in the same process, timed the benchmark's way (timing.py:
clean L2 flush, CUDA events per call; torch and the variant alternate, samples pooled per side):
  plain    add / neg / clone 64M: is GemForge's flat kernel (pointwise_1d, the table's BLOCK and
           warps) ~1% slower than torch's, and does BLOCK, warps, an evict-first load / streaming
           store, or a grid-stride loop close it? (standalone copies of the flat loop)
  math     sin / cos bf16 and fp16 (compute-bound at ~40 instructions an element in libdevice):
           the library's half variant (unary_math.py: a reduction by pi, one odd polynomial) with
           and without its tile-wide fallback branch for |x| > 2^14; tanh bf16 through
           tanh.approx.f32.
  ftz      the price of keeping fp32 subnormal results: exp through an exact split product instead
           of ex2.approx(x log2 e) alone, exp2 with a scaled tail, erfc behind a tile-wide branch.
Every variant's output is compared with torch's (`bad`: elements off by more than one ulp of the
output dtype, fp64 reference).
    python bench/parity_experiment.py [group ...]
"""
import importlib.util
import os
import statistics
import sys
import time
import types

import torch
import triton
import triton.language as tl

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.join(_HERE, "..", "python", "gemforge")
if "gemforge" not in sys.modules:  # the kernel modules without the package's core
    _pkg = types.ModuleType("gemforge")
    _pkg.__path__ = [_ROOT]
    sys.modules["gemforge"] = _pkg
from gemforge.kernels import pointwise as pw  # noqa: E402
from gemforge.kernels.pointwise_ops import common as C  # noqa: E402
from gemforge.kernels.pointwise_ops import unary_math as U  # noqa: E402
from gemforge.kernels.pointwise_ops.common import any_of  # noqa: E402

_spec = importlib.util.spec_from_file_location("timing", os.path.join(_ROOT, "timing.py"))
timing = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(timing)

libdevice = C.libdevice
F32 = 6
HALF = 16  # common.HALF_RESULT
N = 1 << 26


# ---------------------------------------------------------------- plain: standalone flat loops
@triton.jit
def _flat_tile(o, a, b, t, OP: tl.constexpr, BLOCK: tl.constexpr, EVICT: tl.constexpr, STREAM: tl.constexpr):
    offs = t * BLOCK + tl.arange(0, BLOCK)
    if EVICT:
        x = tl.load(a + offs, eviction_policy="evict_first")
    else:
        x = tl.load(a + offs)
    if OP == 0:
        if EVICT:
            y = tl.load(b + offs, eviction_policy="evict_first")
        else:
            y = tl.load(b + offs)
        r = (x.to(tl.float32) + y.to(tl.float32)).to(o.dtype.element_ty)
    elif OP == 1:
        r = -x
    else:
        r = x
    if STREAM:
        tl.store(o + offs, r, cache_modifier=".cs")
    else:
        tl.store(o + offs, r)


@triton.jit
def flat_copy_kernel(o, a, b, n, OP: tl.constexpr, BLOCK: tl.constexpr, EVICT: tl.constexpr, STREAM: tl.constexpr,
                     STRIDE_LOOP: tl.constexpr):
    """OP 0: o = a + b, 1: o = -a, 2: o = a (n a multiple of BLOCK). STRIDE_LOOP: a grid of few
    programs walks the tiles."""
    if STRIDE_LOOP:
        for t in range(tl.program_id(0), n // BLOCK, tl.num_programs(0)):
            _flat_tile(o, a, b, t, OP, BLOCK, EVICT, STREAM)
    else:
        _flat_tile(o, a, b, tl.program_id(0), OP, BLOCK, EVICT, STREAM)


def plain_cases():
    bf, f32 = torch.bfloat16, torch.float32
    for name, op, fn, nin, dtype, body in (("add", 0, torch.add, 2, bf, pw.add), ("add", 0, torch.add, 2, f32, pw.add),
                                           ("neg", 1, torch.neg, 1, bf, pw.neg), ("clone", 2, torch.clone, 1, bf, None)):
        ins = [torch.randn(N, device="cuda").to(dtype) for _ in range(nin)]
        table = 2048 if dtype == bf else 1024
        variants = []
        if body is not None:
            variants.append(("pointwise_1d table", flat_driver(body, ins, table, 4)))
        for block, warps, evict, stream, loop in ((table, 4, 0, 0, 0), (table, 4, 1, 0, 0), (table, 4, 0, 1, 0),
                                                  (table, 4, 1, 1, 0), (table // 2, 4, 0, 0, 0),
                                                  (2 * table, 4, 0, 0, 0), (2 * table, 8, 0, 0, 0),
                                                  (4 * table, 8, 0, 0, 0), (table, 4, 0, 0, 1), (4 * table, 8, 0, 0, 1)):
            label = f"B{block}/{warps}w" + (" evict" if evict else "") + (" .cs" if stream else "") + \
                (" loop" if loop else "")
            out = torch.empty_like(ins[0])
            grid = 132 * 8 if loop else N // block
            b = ins[1] if nin == 2 else ins[0]
            variants.append((label, (out, lambda out=out, b=b, block=block, warps=warps, evict=evict, stream=stream,
                                     loop=loop, grid=grid: flat_copy_kernel[(grid, )](
                                         out, ins[0], b, N, OP=op, BLOCK=block, EVICT=evict, STREAM=stream,
                                         STRIDE_LOOP=loop, num_warps=warps))))
        yield f"{name} 64M", fn, ins, dtype, variants


# ---------------------------------------------------------------- math: sin / cos / tanh candidates
# The candidates are the library's now (unary_math.py _sin_cos_half, _sin_cos_reduced).


@triton.jit
def sin_new(x, s0, s1, s2, P):
    return U._sin_cos_half(x, False)


@triton.jit
def cos_new(x, s0, s1, s2, P):
    return U._sin_cos_half(x, True)


@triton.jit
def sin_noany(x, s0, s1, s2, P):
    return U._sin_cos_reduced(x, False)


@triton.jit
def cos_noany(x, s0, s1, s2, P):
    return U._sin_cos_reduced(x, True)


@triton.jit
def sin_lib(x, s0, s1, s2, P):
    return libdevice.sin(x)


@triton.jit
def cos_lib(x, s0, s1, s2, P):
    return libdevice.cos(x)


@triton.jit
def tanh_approx(x, s0, s1, s2, P):
    t = tl.inline_asm_elementwise("tanh.approx.f32 $0, $1;", "=r,r", [x], dtype=tl.float32, is_pure=True, pack=1)
    return tl.where(tl.abs(x) < 0.000244140625, x, t)


# ---------------------------------------------------------------- ftz: subnormal-keeping variants
@triton.jit
def exp_tl(x, s0, s1, s2, P):
    return tl.exp(x)


@triton.jit
def exp_lib(x, s0, s1, s2, P):
    return libdevice.exp(x)


@triton.jit
def exp_split(x, s0, s1, s2, P):
    """exp2 of x log2(e) split exactly (common.exp_of's portable branch): a few ulps everywhere,
    subnormal results kept (ex2.approx.f32 without .ftz)."""
    xc = tl.where(tl.abs(x) > 200.0, tl.where(x > 0, 200.0, -200.0), x)
    xh = (xc.to(tl.int32, bitcast=True) & -4096).to(tl.float32, bitcast=True)
    lo = xh * C.LOG2E_LO + (xc - xh) * C.LOG2E
    return tl.exp2(xh * C.LOG2E_HI) * tl.exp2(lo)


@triton.jit
def exp2_tl(x, s0, s1, s2, P):
    return tl.exp2(x)


@triton.jit
def exp2_scaled(x, s0, s1, s2, P):
    return U.exp2(x, s0, s1, s2, P)  # the library's body since session 10 (a scaled tail)


@triton.jit
def erfc_lib(x, s0, s1, s2, P):
    return libdevice.erfc(x)


@triton.jit
def erfc_branch(x, s0, s1, s2, P):
    if any_of(x > 9.0):
        e = tl.where(x > 9.0, U._erfc_pos_half(x), libdevice.erfc(x))
    else:
        e = libdevice.erfc(x)
    return e


def flat_driver(body, ins, block, warps, P=0):
    out = torch.empty_like(ins[0])
    x = list(ins) + [None] * (3 - len(ins))
    return out, lambda: pw.pointwise_1d[(triton.cdiv(N, block), )](
        out, None, x[0], x[1], x[2], None, None, None, N, OP=body, NIN=len(ins), SCALAR0=False, SCALAR1=False,
        SCALAR2=False, COMPUTE=F32, P=P, NOUT=1, SPLIT=0, BLOCK=block, INT64=False, num_warps=warps)


def math_cases():
    bf, f16 = torch.bfloat16, torch.float16
    for name, fn, lib, new, noany in (("sin", torch.sin, sin_lib, sin_new, sin_noany),
                                      ("cos", torch.cos, cos_lib, cos_new, cos_noany)):
        for dtype in (bf, f16):
            ins = [(torch.randn(N, device="cuda") * 3).to(dtype)]
            yield f"{name} 64M", fn, ins, dtype, [
                ("libdevice", flat_driver(lib, ins, 2048, 4)), ("pi poly + any", flat_driver(new, ins, 2048, 4)),
                ("pi poly, no branch", flat_driver(noany, ins, 2048, 4)),
                ("pi poly + any B1024/1w", flat_driver(new, ins, 1024, 1)),
                ("pi poly + any B4096/8w", flat_driver(new, ins, 4096, 8))]
    ins = [torch.randn(N, device="cuda").to(bf)]
    yield "tanh 64M", torch.tanh, ins, bf, [("table (half variant)", flat_driver(pw.tanh, ins, 2048, 4, HALF)),
                                            ("tanh.approx", flat_driver(tanh_approx, ins, 2048, 4))]


def ftz_cases():
    f32 = torch.float32
    ins = [torch.randn(N, device="cuda") * 4]
    yield "exp 64M", torch.exp, ins, f32, [("tl.exp (main)", flat_driver(exp_tl, ins, 1024, 4)),
                                           ("libdevice", flat_driver(exp_lib, ins, 1024, 4)),
                                           ("split product", flat_driver(exp_split, ins, 1024, 4))]
    ins = [torch.randn(N, device="cuda") * 4]
    yield "exp2 64M", torch.exp2, ins, f32, [("tl.exp2 (main)", flat_driver(exp2_tl, ins, 1024, 4)),
                                             ("scaled tail", flat_driver(exp2_scaled, ins, 1024, 4))]
    ins = [torch.randn(N, device="cuda")]
    yield "erfc 64M", torch.erfc, ins, f32, [("libdevice (main)", flat_driver(erfc_lib, ins, 1024, 4)),
                                             ("tile branch > 9", flat_driver(erfc_branch, ins, 1024, 4))]


def bad_count(out, ref, ins, fn):
    """Elements off by more than one ulp of the output dtype from the fp64 result (clone: bitwise)."""
    want = fn(*[t.double() for t in ins])
    got = out.double()
    ulp = torch.finfo(out.dtype).eps * want.abs().clamp_min(torch.finfo(out.dtype).tiny)
    ok = ((got - want).abs() <= ulp) | (got == want) | (got.isnan() & want.isnan())
    return int((~ok).sum())


def pair_us(torch_fn, fn, rep_ms=30):
    """Medians of torch_fn and fn, sampled in the order torch, fn, fn, torch (as bench.py)."""
    samples = [[], []]
    for side in (0, 1, 1, 0):
        samples[side] += timing.device_samples_ms(fn if side else torch_fn, 10, rep_ms / 2)
    return [1e3 * statistics.median(s) for s in samples]


def main():
    groups = sys.argv[1:] or ["plain", "math", "ftz"]
    torch.manual_seed(0)
    start = time.time()
    print(f"{'case':14} {'dtype':9} {'variant':26} {'us':>8} {'torch us':>9} {'speedup':>8} bad", flush=True)
    for group, gen in (("plain", plain_cases), ("math", math_cases), ("ftz", ftz_cases)):
        if group not in groups:
            continue
        for name, fn, ins, dtype, variants in gen():
            torch_fn = lambda: fn(*ins)  # noqa: E731
            for label, (out, launch) in variants:
                try:
                    launch()
                    torch.cuda.synchronize()
                    bad = bad_count(out, None, ins, fn) if name[:5] != "clone" else int((out != ins[0]).sum())
                    t_torch, t = pair_us(torch_fn, launch)
                    print(f"{name:14} {str(dtype)[6:]:9} {label:26} {t:8.2f} {t_torch:9.2f} {t_torch / t:8.3f} {bad}",
                          flush=True)
                except Exception as e:  # noqa: BLE001
                    print("FAILED", name, dtype, label, type(e).__name__, str(e)[:300], flush=True)
    print(f"total {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
