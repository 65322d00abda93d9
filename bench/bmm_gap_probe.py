"""Why the bmm op reads ~5% slower than bench/tune_matmul.py's direct launch of the same kernel
and tiles (session 11: QK^T 32x4096x4096x128 392 vs 372 us, P@V 128x512x64x512 25.2 vs 23.9).

    python bench/bmm_gap_probe.py        (needs the built core and a GPU)

Per shape, device medians (L2 flushed clean, gemforge/timing.py) of: torch.bmm (cuBLAS); the op
(gemforge on); the op writing into a preallocated out= tensor; the tuner's direct launch with the
op's table row into one preallocated output, and allocating its output every call."""
import importlib.util
import os

import torch

import gemforge
from gemforge import timing

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("tune_matmul", os.path.join(_here, "tune_matmul.py"))
tune = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tune)

# (name, batch, M, N, K, B given as [N, K], the sm_90 table row as the tuner's tuple)
CASES = [
    ("QK^T", 32, 4096, 4096, 128, True, (128, 256, 64, 8, 4, True, True)),
    ("PV", 128, 512, 64, 512, False, (128, 64, 64, 4, 5, False, False)),
]


def us(fn):
    return timing.device_median_us(fn, 20, 100)


def main():
    print(torch.cuda.get_device_name(), torch.__version__)
    for name, batch, M, N, K, b_nk, cfg in CASES:
        torch.manual_seed(0)
        a = torch.randn(batch, M, K, device="cuda", dtype=torch.bfloat16)
        b = torch.randn(batch, *((N, K) if b_nk else (K, N)), device="cuda", dtype=torch.bfloat16)
        bt = b.transpose(-1, -2) if b_nk else b
        out = torch.empty(batch, M, N, device="cuda", dtype=torch.bfloat16)
        rows = [("torch.bmm", lambda: torch.bmm(a, bt))]
        with gemforge.use():
            rows.append(("op", lambda: torch.bmm(a, bt)))
            rows.append(("op out=", lambda: torch.bmm(a, bt, out=out)))
            times = [(label, us(fn)) for label, fn in rows]
        direct = tune.launcher(a, b, out, batch, M, N, K, b_nk, cfg)
        times.append(("direct, one output", us(direct)))

        def direct_alloc():
            c = torch.empty(batch, M, N, device="cuda", dtype=torch.bfloat16)
            tune.launcher(a, b, c, batch, M, N, K, b_nk, cfg)()

        times.append(("direct, output each call", us(direct_alloc)))
        # (session 11: one output 372 us, a new output each call 393, the op 397 even with out=)
        times.append(("direct, new descriptors each call",
                      us(lambda: tune.launcher(a, b, out, batch, M, N, K, b_nk, cfg)())))
        out2 = torch.empty_like(out)
        times.append(("direct, a second output", us(tune.launcher(a, b, out2, batch, M, N, K, b_nk, cfg))))
        times.append(("torch.bmm again (drift)", us(lambda: torch.bmm(a, bt))))
        print(f"{name} {batch}x{M}x{N}x{K} bf16, tiles {cfg}")
        for label, t in times:
            print(f"  {label:34s} {t:8.1f} us")


if __name__ == "__main__":
    main()
