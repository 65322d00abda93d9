"""Rows of 512-4096 sorted by radix_rows_kernel (one warp a row) against radix_rows_4w_kernel
(four warps a row), both launched directly, beside torch and the op (which picks by row_plan).

    python bench/radix_rows_mw_probe.py        (needs the built core: `import gemforge`)

Session 15 prepared the four-warp form as a probe of its own; session 16 ran it (H200: fp32
4096x4096 398 us against 637 with one warp and torch's 537; one warp stayed faster for many
rows of 2048 and below) and moved it into the library. This sweep checks row_plan's choice
(scan_sort.cpp): one warp a row for many rows of at most 2048 (4-byte keys: 1024), four warps
a row for other rows from 64 rows. Programs an SM: as many as fit in shared memory (radix_warps_per_sm's rule).
Every launch is checked against torch's stable sort.
"""
import torch
import triton

import gemforge  # noqa: F401  (the kernels' module imports)
from gemforge.kernels import scan_sort as ss
from gemforge.timing import device_median_us, graphed
from radix_next_probe import rows_case  # (same folder)

DEV = "cuda"


def graph_us(fn):
    return device_median_us(graphed(fn))


def fit_per_sm(smem):
    return min(12, (228 * 1024 + 1024) // (smem + 2048))


def launch(kernel, warps, x, v, i, ws_v, ws_i, per_sm, extra=()):
    """A direct launch of a rows kernel over contiguous [K, N] rows (extra: arguments after N_OUT)."""
    K, N = x.shape
    vb = x.element_size()
    sms = torch.cuda.get_device_properties(0).multi_processor_count
    kernel[(min(K, per_sm * sms), )](v, i, ws_v, ws_i, x, K, N, N, *extra, K, 1, N, 0, 0, N, 0, 0, 1, 1,
                                     K_RANK=1, DESCENDING=False, SIGNED=True,
                                     BLOCK=max(512, triton.next_power_of_2(N)), VB=vb, INT64=False, num_warps=warps)


def main():
    torch.manual_seed(0)
    print(f"device: {torch.cuda.get_device_name()}, {torch.cuda.get_device_properties(0).multi_processor_count} SMs")
    shapes = [(4096, 4096), (1024, 4096), (256, 4096), (64, 4096), (16, 4096), (1024, 3000), (64, 2500),
              (8192, 2048), (2048, 2048), (512, 2048), (128, 2048), (16384, 1024), (4096, 1024), (2048, 1024),
              (512, 1024), (64, 1024), (32768, 512), (2048, 512), (256, 512), (64, 512)]
    for K, N in shapes:
        for dtype in (torch.bfloat16, torch.float32):
            x, rv, ri, t_torch, t_op = rows_case(K, N, dtype)
            vb = x.element_size()
            block = max(512, triton.next_power_of_2(N))
            ws_v, ws_i = torch.empty_like(x), torch.empty(K, N, dtype=torch.int32, device=DEV)
            v, i = torch.empty_like(x), torch.empty(K, N, dtype=torch.int64, device=DEV)
            q = triton.cdiv(triton.cdiv(N, 4), 64) * 64
            runs = {
                "1 warp": lambda: launch(ss.radix_rows_kernel, 1, x, v, i, ws_v, ws_i,
                                         fit_per_sm(ss.stage_bytes(vb, block) + 1024 * vb)),
                "4 warps": lambda: launch(ss.radix_rows_4w_kernel, 4, x, v, i, ws_v, ws_i,
                                          fit_per_sm(ss.rows_4w_bytes(vb, block)), (q, )),
                # (as many as the registers let be resident: scan_sort.cpp radix_rows)
                "4 warps, resident": lambda: launch(ss.radix_rows_4w_kernel, 4, x, v, i, ws_v, ws_i,
                                                    min(fit_per_sm(ss.rows_4w_bytes(vb, block)),
                                                        {1: 9, 2: 8, 4: 6}[vb]), (q, )),
            }
            res = []
            for name, run in runs.items():
                v.zero_()
                i.zero_()
                run()
                bad = (v != rv).sum().item() + (i != ri).sum().item()
                res.append(f"{name} {graph_us(run):7.1f} us ({bad} bad)")
            print(f"rows {K}x{N} {dtype}: torch {t_torch:7.1f} us, op {t_op:7.1f} us; " + ", ".join(res), flush=True)


if __name__ == "__main__":
    main()
