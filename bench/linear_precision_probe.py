"""Session 18: the fp16 linear rows whose check against torch fails (bench: 5 rows since session
12). Which side is off? Each output against an fp64 reference, in units of the fp16 spacing at
the reference (ulps): gemforge, torch as configured (cuBLAS may reduce split-K partials in fp16:
torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction, on by default) and torch with
reduced-precision reduction off.

    python bench/linear_precision_probe.py   (needs the built core and a GPU)
"""
import torch
import torch.nn.functional as F

import gemforge

SHAPES = [(1, 8192, 28672), (16, 4096, 14336), (16, 8192, 28672), (128, 4096, 14336), (128, 8192, 28672),
          (1024, 4096, 4096)]


def ulps(out, ref64, dtype):
    """|out - ref| in units of the dtype's spacing at |ref| (spacing of the binade, min normal)."""
    fi = torch.finfo(dtype)
    mag = ref64.abs().clamp_min(fi.tiny)
    spacing = torch.exp2(torch.floor(torch.log2(mag))) * fi.eps
    return (out.double() - ref64).abs() / spacing


def main():
    matmul = torch.backends.cuda.matmul
    for dtype in (torch.float16, torch.bfloat16):
        for m, n, k in SHAPES:
            g = torch.Generator(device="cuda").manual_seed(0)
            x = torch.randn(m, k, device="cuda", dtype=dtype, generator=g)
            w = torch.randn(n, k, device="cuda", dtype=dtype, generator=g)
            ref = x.double() @ w.double().T
            outs = {}
            outs["torch"] = F.linear(x, w)
            flag = "allow_fp16_reduced_precision_reduction" if dtype == torch.float16 else \
                "allow_bf16_reduced_precision_reduction"
            old = getattr(matmul, flag)
            setattr(matmul, flag, False)
            outs["torch-exact-reduction"] = F.linear(x, w)
            setattr(matmul, flag, old)
            with gemforge.use():
                outs["gemforge"] = F.linear(x, w)
            parts = []
            for name, o in outs.items():
                u = ulps(o, ref, dtype)
                parts.append(f"{name} max {u.max().item():6.2f} ulp, >1 ulp {int((u > 1).sum())}")
            diff = (outs["gemforge"].double() - outs["torch"].double()).abs().max().item()
            print(f"{str(dtype):15s} {m}x{n}x{k}: " + "; ".join(parts) + f"; |gemforge - torch| max {diff:.3g}")


if __name__ == "__main__":
    main()
