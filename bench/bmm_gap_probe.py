"""Why the matmul ops read slower than bench/tune_matmul.py's direct launch of the same kernel and
tiles (session 11: QK^T 32x4096x4096x128 392 vs 372 us; session 24: mm 4096^3 190.6 us through the
op in gluon_matmul_experiment against 173.3 direct in tune_matmul, each a separate process).

    python bench/bmm_gap_probe.py        (needs the built core and a GPU)

Per shape, device medians (L2 flushed clean, gemforge/timing.py) of: torch (cuBLAS); the op
(gemforge on) allocating its output; the op into out=; the tuner's direct launch with the op's
table row into that same out tensor, and into a second one. The variants are timed in ROUNDS
rounds, one after the other within a round, so that drift over the run (clocks, temperature)
shows as a change along a variant's line and not as a gap between variants."""
import contextlib
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
    ("mm", 1, 4096, 4096, 4096, False, (128, 256, 64, 8, 4, False, True)),
    ("QK^T", 32, 4096, 4096, 128, True, (128, 256, 64, 8, 3, False, False)),
]
ROUNDS = 3


def us(fn):
    return timing.device_median_us(fn, 20, 100)


def main():
    print(torch.cuda.get_device_name(), torch.__version__)
    for name, batch, M, N, K, b_nk, cfg in CASES:
        torch.manual_seed(0)
        lead = (batch, ) if batch > 1 else ()
        a = torch.randn(*lead, M, K, device="cuda", dtype=torch.bfloat16)
        b = torch.randn(*lead, *((N, K) if b_nk else (K, N)), device="cuda", dtype=torch.bfloat16)
        bt = b.transpose(-1, -2) if b_nk else b
        product = torch.bmm if batch > 1 else torch.mm
        out = torch.empty(*lead, M, N, device="cuda", dtype=torch.bfloat16)
        out2 = torch.empty_like(out)
        ref = product(a, bt)

        # (label, GemForge on, call)
        variants = [("torch", False, lambda: product(a, bt)), ("op", True, lambda: product(a, bt)),
                    ("op out=", True, lambda: product(a, bt, out=out)),
                    ("direct into out", False, tune.launcher(a, b, out, batch, M, N, K, b_nk, cfg)),
                    ("direct into a second output", False, tune.launcher(a, b, out2, batch, M, N, K, b_nk, cfg))]

        def timed(on, fn):
            with gemforge.use() if on else contextlib.nullcontext():
                return us(fn)
        for label, on, fn in variants:
            out.zero_(), out2.zero_()
            with gemforge.use() if on else contextlib.nullcontext():
                got = fn()
            got = got if got is not None else out2 if "second" in label else out
            err = ((got.float() - ref.float()).norm() / ref.float().norm()).item()
            assert err < 1e-2, f"{label}: relative error {err}"
        print(f"{name} {batch}x{M}x{N}x{K} bf16, tiles {cfg}; us by round:")
        times = {label: [] for label, _, _ in variants}
        for _ in range(ROUNDS):
            for label, on, fn in variants:
                times[label].append(timed(on, fn))
        for label, t in times.items():
            print(f"  {label:30s} " + " ".join(f"{x:8.1f}" for x in t), flush=True)


if __name__ == "__main__":
    main()
