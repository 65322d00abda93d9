"""Prepared in session 14 (compiled for sm_90 on the CPU, not run): the wide radix sort's scatter
with four warps a program sharing one stage, against the library's one-warp programs.

    python bench/radix_multiwarp_probe.py        (needs the built core: `import gemforge`)

The library's radix_scatter_staged_kernel runs one warp a program, and the stage's shared memory
caps it at 8 programs (8 warps) an SM for 2-byte values: too few bytes in flight to hide the
memory's latency (bench/NOTES.md, session 14). Here a program of 4 warps takes 4 consecutive
table tiles of 1024 elements (one a warp) and one stage of 4096. Warp w ranks its tile with its
own counters, which start digit d at the stage's local start of d plus the digits d of the
tiles before it in the group (out_start[d, tile w] - out_start[d, tile 0]: a digit's run over
consecutive tiles is contiguous in the output); then the four warps write the stage out
together, position p of digit d to p + the digit's output start - its local start. The
histogram, totals and offsets kernels are the library's, with tiles of 1024.

Prints the whole sort (direct launches replayed from a CUDA graph) and one scatter pass, both
ways, checked against torch's stable sort.
"""
import torch
import triton
import triton.language as tl

import gemforge  # noqa: F401  (the kernels' module imports)
from gemforge.kernels import scan_sort as ss
from gemforge.timing import device_median_us, graphed
from radix_warp_probe import radix_driver, radix_warp  # the host's passes by direct launches

DEV = "cuda"
SMS = torch.cuda.get_device_properties(0).multi_processor_count
TILE = 1024  # table tile, one a warp
WARPS = 4
STAGE = TILE * WARPS  # a program's stage
SUB = tl.constexpr(TILE)  # (the kernels' copies)
GROUP = tl.constexpr(STAGE)

# gf_wcount: the four warps' running positions (1 KB each), then the output shift of each digit
_MW_DECL = tl.constexpr({vb: f".shared .align 16 .b8 gf_stage[{STAGE * (vb + 4)}];\n"
                         ".shared .align 16 .b8 gf_wcount[5120];\nmov.u32 $0, $1;" for vb in (1, 2, 4)})
# the library's ranking with the counters of this thread's warp
_MW_RANK = tl.constexpr({m: ss._warp_rank_ptx(m).replace(
    "mov.u32 %gka, gf_count;",
    "mov.u32 %gka, gf_wcount;\nmov.u32 %gkt, %tid.x;\nshr.u32 %gkt, %gkt, 5;\nmad.lo.u32 %gka, %gkt, 1024, %gka;")
    for m in (False, True)})
_MW_SET = tl.constexpr("""{
.reg .u32 %gka;
mov.u32 %gka, gf_wcount;
mad.lo.u32 %gka, $1, 4, %gka;
st.shared.u32 [%gka], $2;
mov.u32 $0, 0;
}""")  # gf_wcount word $1 = $2
_MW_GET = tl.constexpr("""{
.reg .u32 %gka;
mov.u32 %gka, gf_wcount;
mad.lo.u32 %gka, $1, 4, %gka;
ld.shared.u32 $0, [%gka];
}""")  # gf_wcount word $1


@triton.jit
def _mw_set(word, value):
    tl.inline_asm_elementwise(_MW_SET, "=r,r,r", [word, value], dtype=tl.int32, is_pure=False, pack=1)


@triton.jit
def _mw_get(word):
    return tl.inline_asm_elementwise(_MW_GET, "=r,r", [word], dtype=tl.int32, is_pure=False, pack=1)


@triton.jit
def _mw_row_stage(v, ii, m, DESCENDING: tl.constexpr, SHIFT: tl.constexpr, FLIP: tl.constexpr,
                  VB: tl.constexpr, MATCH_PEERS: tl.constexpr):
    d = ss._digit(ss._radix_key(v, DESCENDING), SHIFT, FLIP, 8)
    pos = tl.inline_asm_elementwise(_MW_RANK[MATCH_PEERS], "=r,r,r", [d, m.to(tl.int32)], dtype=tl.int32,
                                    is_pure=False, pack=1)
    ss._stage_store(pos, ss._to_bits(v, VB), ii.to(tl.int32), m.to(tl.int32), VB, 4096)


@triton.jit
def scatter_mw_kernel(dst_v, dst_i, src_v, src_i, table, N, T, GPR, GROUPS,
                      DESCENDING: tl.constexpr, SHIFT: tl.constexpr, FLIP: tl.constexpr, FIRST: tl.constexpr,
                      VB: tl.constexpr, MATCH_PEERS: tl.constexpr):
    """One digit pass of contiguous rows of N (GPR groups of 4 table tiles a row, GROUPS in all);
    4 warps a program; the programs walk the groups in turn."""
    i = tl.arange(0, 128)  # element i: warp i // 32, lane i % 32 (one element a thread)
    w = i // 32
    lane = i % 32
    tl.inline_asm_elementwise(_MW_DECL[VB], "=r,r", [tl.zeros([1], tl.int32)], dtype=tl.int32, is_pure=False,
                              pack=1)
    d256 = tl.arange(0, 256)
    e = tl.arange(0, 1024)
    for grp in range(tl.program_id(0), GROUPS, tl.num_programs(0)):
        row = grp // GPR
        t0 = (grp % GPR) * 4
        tb = table + row * 256 * T
        sb = row * N
        # the group's digit counts: the next group's starts (digit d + 1's row start after the last)
        here = tl.load(tb + d256 * T + t0)
        last = t0 + 4 >= T
        nxt = tl.load(tb + d256 * T + t0 + 4, mask=(d256 >= 0) & (not last), other=0)
        nxt_row = tl.load(tb + (d256 + 1) * T, mask=last & (d256 < 255), other=N)
        count = tl.where(last, nxt_row, nxt) - here
        local = tl.cumsum(count, 0) - count
        tl.debug_barrier()  # the previous group's write-out read the output shifts
        _mw_set(1024 + d256, here - local)
        tl.debug_barrier()
        # warp ww's counter of digit dd: out_start[dd, t0 + ww] - the digit's output shift
        ww = e // 256
        dd = e % 256
        st = tl.load(tb + dd * T + t0 + ww, mask=t0 + ww < T, other=0)
        _mw_set(ww * 256 + dd, st - _mw_get(1024 + dd))
        tl.debug_barrier()
        j = (t0 + w) * SUB + lane  # warp w's tile, rows of 32
        for r in range(0, SUB, 32):
            jj = j + r
            m = jj < N
            v = tl.load(src_v + sb + jj, mask=m, other=0)
            if FIRST:
                ii = jj
            else:
                ii = tl.load(src_i + sb + jj, mask=m, other=0)
            _mw_row_stage(v, ii, m, DESCENDING, SHIFT, FLIP, VB, MATCH_PEERS)
        tl.debug_barrier()  # every warp's stage stores before any warp's loads
        glen = tl.minimum(N - t0 * SUB, GROUP)
        db = sb
        for p0 in range(0, glen, 128):
            p = p0 + i
            m = p < glen
            bits, ii = ss._stage_load(p, VB, 4096)
            v = ss._from_bits(bits, dst_v.dtype.element_ty, VB)
            d = ss._digit(ss._radix_key(v, DESCENDING), SHIFT, FLIP, 8)
            dest = _mw_get(1024 + d) + p
            tl.store(dst_v + db + dest, v, mask=m)
            tl.store(dst_i + db + dest, ii.to(dst_i.dtype.element_ty), mask=m)
        tl.debug_barrier()  # the stage read out before the next group's stores


def radix_mw(x, per_sm, only_scatter=False):
    """The whole sort of x's rows (contiguous [K, N], N < 2^31) with scatter_mw_kernel."""
    K, N = x.shape
    passes = x.element_size()
    signed = x.dtype not in (torch.uint8, torch.bool)

    def launch(p, dv, di, sv, si, table, T):
        gpr = triton.cdiv(T, 4)
        last = p == passes - 1
        scatter_mw_kernel[(min(K * gpr, per_sm * SMS), )](dv, di, sv, si, table, N, T, gpr, K * gpr,
                                                          DESCENDING=False, SHIFT=8 * p, FLIP=last and signed,
                                                          FIRST=p == 0, VB=x.element_size(), MATCH_PEERS=last,
                                                          num_warps=WARPS)

    run, scatter = radix_driver(x, TILE, launch)
    run()
    if only_scatter:  # one pass's scatter alone (the last pass's table stays)
        return lambda: scatter(passes - 1)
    return run


def main():
    torch.manual_seed(0)
    print(f"device: {torch.cuda.get_device_name()}, {SMS} SMs")
    for shape, dtype in [((1, 16 << 20), torch.bfloat16), ((1, 16 << 20), torch.float32),
                         ((1, 1 << 20), torch.bfloat16), ((128, 32768), torch.bfloat16),
                         ((4096, 4096), torch.bfloat16)]:
        x = torch.randn(shape, device=DEV).to(dtype)
        rv, ri = torch.sort(x, dim=-1, stable=True)
        t_torch = device_median_us(graphed(lambda: torch.sort(x, dim=-1, stable=True)))
        vb = x.element_size()
        mp = tuple(p == vb - 1 for p in range(vb))
        one = min(12, (228 * 1024 + 1024) // (ss.stage_bytes(vb, 4096) + 2048))  # the library's programs an SM
        cases = [("one warp, tiles 4096", lambda o=False: radix_warp(x, one, 4096, only_scatter=o, match_peers=mp))]
        # 4-warp programs: a stage, 5 KB of counters, 1 KB of Triton's scratch, 1 KB the driver keeps
        fit = (228 * 1024 + 1024) // (STAGE * (vb + 4) + 5120 + 2048)
        for per_sm in range(4, fit + 1):
            cases.append((f"4 warps, {per_sm} an SM", lambda o=False, s=per_sm: radix_mw(x, s, only_scatter=o)))
        for label, make in cases:
            run = make()
            got_v, got_i = run()
            bad = (got_v.view(rv.shape) != rv).sum().item() + (got_i.view(ri.shape) != ri).sum().item()
            t = device_median_us(graphed(run))
            t_sc = device_median_us(graphed(make(True)))
            print(f"{tuple(shape)} {dtype} {label}: sort {t:8.1f} us (torch {t_torch:.1f}, {t_torch / t:.2f}x), "
                  f"last scatter {t_sc:7.1f} us, mismatches {bad}", flush=True)


if __name__ == "__main__":
    main()
