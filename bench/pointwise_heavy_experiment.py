"""Block size and warps of the flat pointwise kernel for compute-heavy bodies (GPU only).

    PYTHONPATH=python python3 bench/pointwise_heavy_experiment.py

The config table gives every flat pointwise kernel the same tile (sm_90: 1024 elements and 4
warps, 2048 where no operand is wider than 2 bytes), tuned on add. The ops still below torch on
64M elements are compute-bound bodies (libdevice's fp32 atan, asinh, pow; erf and remainder on
bf16). This times each against torch over tiles of 512..4096 elements and 2..8 warps, launched
directly (the same kernel GemForge launches), with the benchmark's clean-L2 timer.
"""
import torch
import triton

from gemforge import timing
from gemforge.kernels import pointwise as pw

HALF_RESULT = 16  # pointwise_ops/common.py: the fp16/bf16-result variant of a body
F32 = 6  # c10::ScalarType::Float: the compute type of fp32 and bf16 data
N = 64 * 2**20
DEVICE = "cuda"


def case(name, dtype, op, nin, torch_fn, scalar1=None, split=0, p=0):
    torch.manual_seed(0)
    x = torch.randn(N, device=DEVICE, dtype=dtype)
    y = torch.randn(N, device=DEVICE, dtype=dtype) if nin == 2 and scalar1 is None else None
    if name.startswith("pow"):
        x = x.abs() + 0.5
    out = torch.empty_like(x)
    ref = torch_fn(x, y if y is not None else scalar1)

    def launcher(block, warps):
        grid = (triton.cdiv(N, block), )
        x1 = scalar1 if scalar1 is not None else y
        return lambda: pw.pointwise_1d[grid](out, None, x, x1, None, None, None, None, N, OP=op, NIN=nin,
                                             SCALAR0=False, SCALAR1=scalar1 is not None, SCALAR2=False,
                                             COMPUTE=F32, P=p, NOUT=1, SPLIT=split, BLOCK=block, INT64=False,
                                             num_warps=warps)
    return name, x, y, ref, out, launcher, (lambda: torch_fn(x, y if y is not None else scalar1))


def main():
    cases = [
        case("atan fp32", torch.float32, pw.atan, 1, lambda x, _: torch.atan(x)),
        case("asinh fp32", torch.float32, pw.asinh, 1, lambda x, _: torch.asinh(x)),
        case("erf bf16", torch.bfloat16, pw.erf, 1, lambda x, _: torch.erf(x)),
        case("erf bf16 half variant", torch.bfloat16, pw.erf, 1, lambda x, _: torch.erf(x), p=HALF_RESULT),
        case("pow fp32 fast pass", torch.float32, pw.pow, 2, torch.pow, split=128),
        case("pow(t, 0.7) fp32 fast pass", torch.float32, pw.pow, 2, torch.pow, scalar1=0.7, split=128),
        case("remainder bf16", torch.bfloat16, pw.remainder, 2, torch.remainder, split=128),
        case("fmod bf16", torch.bfloat16, pw.fmod, 2, torch.fmod, split=128),
    ]
    for name, x, y, ref, out, launcher, torch_call in cases:
        t_torch = timing.device_median_us(torch_call, 10, 60)
        res = []
        for block in (512, 1024, 2048, 4096):
            for warps in (2, 4, 8):
                per_thread = block // (32 * warps)
                if not 2 <= per_thread <= 32:
                    continue
                f = launcher(block, warps)
                f()
                torch.cuda.synchronize()
                ok = torch.allclose(out.float(), ref.float(), rtol=1e-2, atol=1e-5, equal_nan=True)
                res.append((timing.device_median_us(f, 10, 60), block, warps, ok))
        res.sort()
        current = [r for r in res if r[1] == (2048 if x.element_size() == 2 else 1024) and r[2] == 4]
        print(f"{name:18s} torch {t_torch:6.1f} us   table's tile: "
              + (f"{current[0][0]:6.1f} us ({t_torch / current[0][0]:.2f}x)" if current else "-"), flush=True)
        for us, block, warps, ok in res[:4]:
            print(f"    {us:6.1f} us  {t_torch / us:.2f}x  block {block} warps {warps}{'' if ok else '  WRONG'}",
                  flush=True)


if __name__ == "__main__":
    main()
