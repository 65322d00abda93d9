"""Probes of the wide radix sort's costs besides the ranking, prepared in session 13 and run in
session 14 (H200 results: bench/results/2026-11-27-h200-session14-sort.txt).

    python bench/radix_next_probe.py [--hist-only | --peers | --rows]   (needs the built core)

1. The histogram pass, three ways: tl.histogram of 256 bins; hist_shared_kernel below (one
   red.shared per group of equal digits in a warp, the group found by match.any, on a 1 KB
   counter array declared in inline PTX as radix_scatter_staged_kernel's stage is); and the
   library's lane atomics (radix_hist_kernel with LANE_ATOMICS: every lane adds 1 to its warp's
   copy of the counters). Tables checked equal. Session 14: lane atomics 26 us a pass on 16M
   bf16, tl.histogram 64, match.any + atomics 40-133 (slow when the digits are distinct).
2. Tiles smaller than 4096 (the stage is BLOCK elements: smaller tiles let more one-warp programs
   share an SM): the whole sort and one scatter pass by direct launches, BLOCK 1024 / 2048 /
   4096 and programs per SM up to what the stages' shared memory allows (and 32), checked
   against torch.
3. --peers: the scatter's MATCH_PEERS per pass (match.any or the digit-bit ballots), the whole
   sort replayed from a CUDA graph.
4. --rows: rows of 1024-4096, which the op sorted by merging (4096x4096 bf16: 528 us against
   torch's 341), by the wide sort's radix passes instead (direct launches from a CUDA graph,
   tiles of 4096 or the row, programs per SM as the host), against the op. Session 15: 379 us.
(Session 15's --rows-one, radix_rows_kernel by direct launches, is now part of
bench/radix_rows_mw_probe.py, beside the four-warp kernel.)
"""
import sys

import torch
import triton
import triton.language as tl

import gemforge
from gemforge.kernels import scan_sort as ss
from gemforge.kernels.reduce import _offset3
from gemforge.timing import device_median_us, graphed
from radix_warp_probe import radix_warp  # the host's radix_sort by direct launches (same folder)

DEV = "cuda"
HIST_ONLY = "--hist-only" in sys.argv
PEERS_ONLY = "--peers" in sys.argv
ROWS_ONLY = "--rows" in sys.argv
SMS = torch.cuda.get_device_properties(0).multi_processor_count

_HIST_ADD = tl.constexpr("""{
.reg .pred %ghp, %ghq;
.reg .u32 %ghvm, %ghpe, %ghlt, %ghc, %gha;
setp.ne.u32 %ghp, $2, 0;
vote.sync.ballot.b32 %ghvm, %ghp, -1;
match.any.sync.b32 %ghpe, $1, -1;
and.b32 %ghpe, %ghpe, %ghvm;
mov.u32 %ghlt, %lanemask_lt;
and.b32 %ghlt, %ghpe, %ghlt;
setp.eq.and.u32 %ghq, %ghlt, 0, %ghp;
popc.b32 %ghc, %ghpe;
mov.u32 %gha, gf_hist;
mad.lo.u32 %gha, $1, 4, %gha;
@%ghq red.shared.add.u32 [%gha], %ghc;
mov.u32 $0, 0;
}""")
_HIST_READ = tl.constexpr("""{
.reg .u32 %gha;
mov.u32 %gha, gf_hist;
mad.lo.u32 %gha, $1, 4, %gha;
ld.shared.u32 $0, [%gha];
}""")


@triton.jit
def hist_shared_kernel(table, x, K, N, T, kn0, kn1, xs0, xs1, xs2, x_sn,
                       K_RANK: tl.constexpr, DESCENDING: tl.constexpr, SHIFT: tl.constexpr, FLIP: tl.constexpr,
                       BLOCK: tl.constexpr, INT64: tl.constexpr):
    """table[row, t, digit] = count of the (8-bit) digit in tile t of the row, as
    radix_hist_kernel with TOTALS = 0. BLOCK >= 32 * num_warps (no element held twice)."""
    row, t = ss._row_tile(T, INT64)
    xb = _offset3(row, kn0, kn1, xs0, xs1, xs2, K_RANK)
    r = tl.arange(0, 256)
    ss._lane_hist_declare(4)  # the library's counters (4 KB); this kernel uses the first 1 KB
    ss._lane_hist_zero(4)
    j = t * BLOCK + tl.arange(0, BLOCK)
    m = j < N
    d = ss._digit(ss._radix_key(tl.load(x + xb + j * x_sn, mask=m, other=0), DESCENDING), SHIFT, FLIP, 8)
    tl.inline_asm_elementwise(_HIST_ADD, "=r,r,r", [d, m.to(tl.int32)], dtype=tl.int32, is_pure=False, pack=1)
    tl.debug_barrier()
    h = tl.inline_asm_elementwise(_HIST_READ, "=r,r", [r], dtype=tl.int32, is_pure=False, pack=1)
    tl.store(table + (row * T + t) * 256 + r, h.to(table.dtype.element_ty))


def hist_tables(x, shift, flip, block=4096):
    """(radix_hist_kernel's table, hist_shared_kernel's table, their launches) for rows of x."""
    K, N = x.shape
    T = triton.cdiv(N, block)
    a = torch.empty(K * 256 * T, dtype=torch.int32, device=DEV)
    b = torch.empty_like(a)
    totals = torch.zeros(K * 256, dtype=torch.int32, device=DEV)

    def lib():
        ss.radix_hist_kernel[(K * T, )](a, totals, x, K, N, T, K, 1, N, 0, 0, 1, K_RANK=1, DESCENDING=False,
                                        shift=shift, FLIP=flip, TOTALS=0, SIGNED=True, D=8, BLOCK=block,
                                        LANE_ATOMICS=False, INT64=False, num_warps=4)

    def shared():
        hist_shared_kernel[(K * T, )](b, x, K, N, T, K, 1, N, 0, 0, 1, K_RANK=1, DESCENDING=False, SHIFT=shift,
                                      FLIP=flip, BLOCK=block, INT64=False, num_warps=4)

    c = torch.empty_like(a)

    def red():  # the library's lane atomics (radix_hist_kernel with LANE_ATOMICS, as the host runs it)
        ss.radix_hist_kernel[(K * T, )](c, totals, x, K, N, T, K, 1, N, 0, 0, 1, K_RANK=1, DESCENDING=False,
                                        shift=shift, FLIP=flip, TOTALS=0, SIGNED=True, D=8, BLOCK=block,
                                        LANE_ATOMICS=True, INT64=False, num_warps=4)

    lib()
    shared()
    red()
    return a, b, c, lib, shared, red


def graph_us(fn):
    """Device time of fn's launches replayed from a CUDA graph (no Python between kernels)."""
    return device_median_us(graphed(fn))


def peers_ab():
    """The scatter's peers (MATCH_PEERS) per pass: match.any against the digit-bit ballots. The
    whole sort from a CUDA graph with every pass by one way, then with one pass flipped."""
    cases = [("bf16 randn 16M", torch.randn(1, 16 << 20, device=DEV).to(torch.bfloat16), 4096),
             ("fp32 randn 16M", torch.randn(1, 16 << 20, device=DEV), 4096),
             ("int32 token ids 16M", torch.randint(0, 128000, (1, 16 << 20), device=DEV, dtype=torch.int32), 4096),
             ("bf16 randn 1M", torch.randn(1, 1 << 20, device=DEV).to(torch.bfloat16), 1024)]
    for label, x, block in cases:
        passes = x.element_size()
        per_sm = min(12, (228 * 1024 + 1024) // (ss.stage_bytes(passes, block) + 2048))  # as the host
        rv, ri = torch.sort(x, dim=-1, stable=True)
        t_torch = graph_us(lambda: torch.sort(x, dim=-1, stable=True))
        variants = [(True, ) * passes, (False, ) * passes]
        variants += [tuple(q != p for q in range(passes)) for p in range(passes)]  # ballots in pass p only
        for mp in variants:
            run = radix_warp(x, per_sm, block, match_peers=mp)
            v, i = run()
            bad = (v.view(rv.shape) != rv).sum().item() + (i.view(ri.shape) != ri).sum().item()
            print(f"peers {label}: match per pass {''.join('M' if m else 'b' for m in mp)}: {graph_us(run):8.1f} us "
                  f"(torch {t_torch:.1f}), mismatches {bad}", flush=True)


def rows_case(K, N, dtype):
    """A [K, N] randn input of dtype, torch's stable sort of its rows (values, indices), and the
    device time of that sort by torch (from a CUDA graph) and by the op."""
    x = torch.randn(K, N, device=DEV).to(dtype)
    rv, ri = torch.sort(x, dim=-1, stable=True)
    t_torch = graph_us(lambda: torch.sort(x, dim=-1, stable=True))
    with gemforge.use():
        t_op = device_median_us(lambda: torch.sort(x, dim=-1, stable=True))
    return x, rv, ri, t_torch, t_op


def rows_radix_vs_merge():
    """Rows of at most 4096 (the op's merge path) sorted by the radix passes instead."""
    for K, N in [(4096, 4096), (8192, 2048), (16384, 1024), (1024, 4096), (64, 4096)]:
        for dtype in (torch.bfloat16, torch.float32):
            x, rv, ri, t_torch, t_op = rows_case(K, N, dtype)
            block = min(4096, triton.next_power_of_2(N))
            per_sm = min(12, (228 * 1024 + 1024) // (ss.stage_bytes(x.element_size(), block) + 2048))
            run = radix_warp(x, per_sm, block, match_peers=tuple(p == x.element_size() - 1
                                                                  for p in range(x.element_size())))
            v, i = run()
            bad = (v.view(rv.shape) != rv).sum().item() + (i.view(ri.shape) != ri).sum().item()
            t_radix = graph_us(run)
            print(f"rows {K}x{N} {dtype}: torch {t_torch:8.1f} us, op (merge) {t_op:8.1f} us, "
                  f"radix {t_radix:8.1f} us (tiles of {block}, {per_sm} an SM), mismatches {bad}", flush=True)


def main():
    torch.manual_seed(0)
    print(f"device: {torch.cuda.get_device_name()}, {SMS} SMs")
    if PEERS_ONLY:
        return peers_ab()
    if ROWS_ONLY:
        return rows_radix_vs_merge()
    for shape in [(1, 16 << 20), (1, 1 << 20), (128, 32768)]:
        x = torch.randn(shape, device=DEV).to(torch.bfloat16)
        for shift, flip in [(0, False), (8, True)]:
            a, b, c, lib, shared, red = hist_tables(x, shift, flip)
            print(f"hist {shape} bf16 shift {shift}: tl.histogram {device_median_us(lib):7.1f} us, "
                  f"shared atomics {device_median_us(shared):7.1f} us, lane atomics {device_median_us(red):7.1f} us, "
                  f"tables equal {torch.equal(a, b)} {torch.equal(a, c)}", flush=True)
        if HIST_ONLY:
            continue
        t_torch = device_median_us(lambda: torch.sort(x, dim=-1, stable=True))
        rv, ri = torch.sort(x, dim=-1, stable=True)
        for block in (1024, 2048, 4096):
            fit = min(32, (228 * 1024 + 1024) // (ss.stage_bytes(2, block) + 2048))  # programs an SM the stages allow
            for per_sm in sorted({p for p in (8, 12, 16, 24, 32) if p <= fit} | {fit}):
                run = radix_warp(x, per_sm, block)
                v, i = run()
                bad = (v.view(rv.shape) != rv).sum().item() + (i.view(ri.shape) != ri).sum().item()
                t = device_median_us(run)
                t_sc = device_median_us(radix_warp(x, per_sm, block, only_scatter=True))
                print(f"sort {shape} bf16 tiles of {block} per_sm {per_sm:2d}: {t:8.1f} us (torch {t_torch:.1f}, "
                      f"{t_torch / t:.2f}x), last scatter {t_sc:7.1f} us, mismatches {bad}", flush=True)

if __name__ == "__main__":
    main()
