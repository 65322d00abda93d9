"""Session 15 (prepared; run in session 16): unique without inverse or counts by hashing
(scan_sort.cpp unique_by_hashing), against torch, for value counts from 10 to past the table's
limit (then the kernel gives up and every element is sorted: the attempt's cost shows there).

    python bench/unique_hash_probe.py        (needs the built core: `import gemforge`)
"""
import torch

import gemforge
from gemforge.timing import device_median_us

DEV = "cuda"


def main():
    torch.manual_seed(0)
    print(f"device: {torch.cuda.get_device_name()}")
    n = 1 << 24
    cases = [(f"fp32 {d} values", lambda d=d: torch.randint(0, d, (n, ), device=DEV).float())
             for d in (10, 1000, 50000)]
    cases += [("fp32 70000 values (past the limit)", lambda: torch.randint(0, 70000, (n, ), device=DEV).float()),
              ("fp32 randn (all distinct)", lambda: torch.randn(n, device=DEV)),
              ("bf16 1000 values", lambda: torch.randint(0, 1000, (n, ), device=DEV).to(torch.bfloat16)),
              ("int64 1000 values spread wide", lambda: torch.randint(0, 1000, (n, ), device=DEV) << 40),
              ("fp32 1000 values, 1M elements", lambda: torch.randint(0, 1000, (1 << 20, ), device=DEV).float())]
    for label, make in cases:
        x = make()
        ref = torch.unique(x, sorted=True)
        t_torch = device_median_us(lambda: torch.unique(x, sorted=True))
        with gemforge.use():
            got = torch.unique(x, sorted=True)
            t_gf = device_median_us(lambda: torch.unique(x, sorted=True))
        ok = got.shape == ref.shape and torch.equal(got, ref)
        print(f"{label}: torch {t_torch:8.1f} us, gemforge {t_gf:8.1f} us ({t_torch / t_gf:.2f}x), "
              f"{ref.numel()} values, equal {ok}", flush=True)
        if label.startswith("fp32 randn"):
            # where the all-distinct case's time goes: the sort path sorts values with their
            # permutation; a stable sort of the same input through the op is most of it
            t_sort = device_median_us(lambda: torch.sort(x, stable=True))
            with gemforge.use():
                t_gf_sort = device_median_us(lambda: torch.sort(x, stable=True))
            print(f"  sort of the same input: torch {t_sort:8.1f} us, gemforge {t_gf_sort:8.1f} us", flush=True)


if __name__ == "__main__":
    main()
