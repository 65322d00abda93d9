"""Prepared in session 15 (compiled for sm_90 on the CPU, not run): radix_rows_kernel (one warp a
row, every digit pass in one launch) against the same sort with four warps a row.

    python bench/radix_rows_mw_probe.py        (needs the built core: `import gemforge`)

Why: radix_rows is bound by one warp's walk of its row (a row of 4096: ~45 us for bf16, ~82 for
fp32, session 15), and the stage's shared memory allows 5-7 one-warp programs an SM for rows of
4096, so fp32 4096x4096 takes 635 us against torch's 537. Here a program of 4 warps takes a
row: warp w ranks the row's quarter w (positions [w Q, (w + 1) Q), Q a multiple of 32) with
counters of its own, which start digit d at the row's start of d plus the quarters before w's
counts of d; the warps then write the stage out together, as it is. The counts come from a
lane-atomic histogram by (quarter, digit): pass 0's from one read of the row, pass p + 1's
while pass p writes out (two buffers). Shared memory: the stage, 4 KB of counters and 8 KB of
histograms (fp32 rows of 4096: 44 KB), so 4-5 programs, 16-20 warps, an SM.

Prints, per shape, torch, the op (radix_rows or the merge, as row_plan picks) and the four-warp
kernel by direct launches replayed from a CUDA graph, programs an SM swept, checked against
torch's stable sort.
"""
import torch
import triton
import triton.language as tl

import gemforge  # noqa: F401  (the kernels' module imports)
from gemforge.kernels import scan_sort as ss
from gemforge.timing import device_median_us, graphed
from radix_next_probe import rows_case  # (same folder)

DEV = "cuda"
WARPS = 4

# the stage (as the library's), the four warps' counters (1 KB each), two histogram buffers of
# four quarters' 256 counts
_RM_DECL = tl.constexpr({ss._stage_key(vb, b): f".shared .align 16 .b8 gf_stage[{b * (vb + 4)}];\n"
                         ".shared .align 16 .b8 gf_wcount[4096];\n"
                         ".shared .align 16 .b8 gf_rhist[8192];\nmov.u32 $0, $1;"
                         for vb in (1, 2, 4) for b in (512, 1024, 2048, 4096)})
# the library's ranking with the counters of this thread's warp
_RM_RANK = tl.constexpr({m: ss._warp_rank_ptx(m).replace(
    "mov.u32 %gka, gf_count;",
    "mov.u32 %gka, gf_wcount;\nmov.u32 %gkt, %tid.x;\nshr.u32 %gkt, %gkt, 5;\nmad.lo.u32 %gka, %gkt, 1024, %gka;")
    for m in (False, True)})
_SET = tl.constexpr({k: f"""{{
.reg .u32 %gka;
mov.u32 %gka, {a};
mad.lo.u32 %gka, $1, 4, %gka;
st.shared.u32 [%gka], $2;
mov.u32 $0, 0;
}}""" for k, a in ((0, "gf_wcount"), (1, "gf_rhist"))})  # word $1 of the array (0, 1) = $2
_GET = tl.constexpr("""{
.reg .u32 %gka;
mov.u32 %gka, gf_rhist;
mad.lo.u32 %gka, $1, 4, %gka;
ld.shared.u32 $0, [%gka];
}""")  # gf_rhist word $1
_ADD = tl.constexpr("""{
.reg .pred %ghp;
.reg .u32 %gha;
setp.ne.u32 %ghp, $2, 0;
mov.u32 %gha, gf_rhist;
mad.lo.u32 %gha, $1, 4, %gha;
@%ghp red.shared.add.u32 [%gha], 1;
mov.u32 $0, 0;
}""")  # gf_rhist word $1 += 1 where $2


@triton.jit
def _set(ARRAY: tl.constexpr, word, value):
    """Word `word` of gf_wcount (ARRAY 0) or gf_rhist (1) = value."""
    tl.inline_asm_elementwise(_SET[ARRAY], "=r,r,r", [word, value], dtype=tl.int32, is_pure=False, pack=1)


@triton.jit
def _hist_add(word, m):
    tl.inline_asm_elementwise(_ADD, "=r,r,r", [word, m.to(tl.int32)], dtype=tl.int32, is_pure=False, pack=1)


@triton.jit
def _row_load(src_v, src_i, base, jj, N, FIRST: tl.constexpr):
    m = jj < N
    v = tl.load(src_v + base + jj, mask=m, other=0)
    if FIRST:
        ii = jj
    else:
        ii = tl.load(src_i + base + jj, mask=m, other=0)
    return v, ii


@triton.jit
def _row_stage(v, ii, jj, N, shift, DESCENDING: tl.constexpr, FLIP: tl.constexpr, VB: tl.constexpr,
               BLOCK: tl.constexpr, MATCH_PEERS: tl.constexpr):
    m = jj < N
    d = ss._digit(ss._radix_key(v, DESCENDING), shift, FLIP, 8)
    pos = tl.inline_asm_elementwise(_RM_RANK[MATCH_PEERS], "=r,r,r", [d, m.to(tl.int32)], dtype=tl.int32,
                                    is_pure=False, pack=1)
    ss._stage_store(pos, ss._to_bits(v, VB), ii.to(tl.int32), m.to(tl.int32), VB, BLOCK)


@triton.jit
def _quarters_rank(src_v, src_i, base, Q, N, shift, DESCENDING: tl.constexpr, FLIP: tl.constexpr,
                   FIRST: tl.constexpr, VB: tl.constexpr, BLOCK: tl.constexpr, MATCH_PEERS: tl.constexpr):
    """Warp w ranks positions [w Q, (w + 1) Q) of the row into the stage, two rows of 32 at a time,
    the next two's loads in flight while two are ranked."""
    i = tl.arange(0, 128)  # element i: warp i // 32, lane i % 32 (one element a thread)
    jj = (i // 32) * Q + i % 32
    v0, i0 = _row_load(src_v, src_i, base, jj, N, FIRST)
    v1, i1 = _row_load(src_v, src_i, base, jj + 32, N, FIRST)
    for r in range(0, Q, 64):
        n0, m0 = _row_load(src_v, src_i, base, jj + 64, N, FIRST)
        n1, m1 = _row_load(src_v, src_i, base, jj + 96, N, FIRST)
        _row_stage(v0, i0, jj, N, shift, DESCENDING, FLIP, VB, BLOCK, MATCH_PEERS)
        _row_stage(v1, i1, jj + 32, N, shift, DESCENDING, FLIP, VB, BLOCK, MATCH_PEERS)
        v0, i0, v1, i1 = n0, m0, n1, m1
        jj += 64


@triton.jit
def radix_rows_mw_kernel(out_v, out_i, ws_v, ws_i, x, K, N, Q,
                         DESCENDING: tl.constexpr, SIGNED: tl.constexpr, BLOCK: tl.constexpr, VB: tl.constexpr):
    """Contiguous rows [K, N] (N <= BLOCK, Q: a quarter, a multiple of 64), 4 warps a row."""
    PASSES: tl.constexpr = VB
    i = tl.arange(0, 128)
    e = tl.arange(0, 1024)  # (quarter, digit) words
    tl.inline_asm_elementwise(_RM_DECL[VB * 8192 + BLOCK], "=r,r", [tl.zeros([1], tl.int32)], dtype=tl.int32,
                              is_pure=False, pack=1)
    for row in range(tl.program_id(0), K, tl.num_programs(0)):
        base = row * N
        _set(1, tl.arange(0, 2048), tl.zeros([2048], tl.int32))
        tl.debug_barrier()
        for s in range(0, N, 512):  # pass 0's counts: one read of the row
            j = s + tl.arange(0, 512)
            key = ss._radix_key(tl.load(x + base + j, mask=j < N, other=0), DESCENDING)
            _hist_add((j // Q) * 256 + ss._digit(key, 0, SIGNED and PASSES == 1, 8), j < N)
        for p in tl.static_range(PASSES):
            tl.debug_barrier()  # the counts complete
            c = tl.reshape(tl.inline_asm_elementwise(_GET, "=r,r", [(p % 2) * 1024 + e], dtype=tl.int32,
                                                     is_pure=False, pack=1), (4, 256))
            tot = tl.sum(c, 0)
            start = tl.cumsum(c, 0) - c + (tl.cumsum(tot, 0) - tot)[None, :]
            _set(0, e, tl.reshape(start, (1024, )))
            if p < PASSES - 1:
                _set(1, ((p + 1) % 2) * 1024 + e, tl.zeros([1024], tl.int32))
            tl.debug_barrier()  # the counters set (and the stage read out by the previous pass)
            if p == 0:
                _quarters_rank(x, x, base, Q, N, 0, DESCENDING, SIGNED and PASSES == 1, True, VB, BLOCK, PASSES == 1)
            else:
                _quarters_rank(ws_v, ws_i, base, Q, N, 8 * p, DESCENDING, SIGNED and p == PASSES - 1, False, VB, BLOCK,
                               p == PASSES - 1)
            tl.debug_barrier()  # every warp's stage stores (and source reads) before the write-out
            for q0 in range(0, N, 128):
                q = q0 + i
                m = q < N
                bits, ii = ss._stage_load(q, VB, BLOCK)
                v = ss._from_bits(bits, ws_v.dtype.element_ty, VB)
                if p == PASSES - 1:
                    tl.store(out_v + base + q, v, mask=m)
                    tl.store(out_i + base + q, ii.to(out_i.dtype.element_ty), mask=m)
                else:
                    tl.store(ws_v + base + q, v, mask=m)
                    tl.store(ws_i + base + q, ii, mask=m)
                    d = ss._digit(ss._radix_key(v, DESCENDING), 8 * (p + 1), SIGNED and p + 1 == PASSES - 1, 8)
                    _hist_add(((p + 1) % 2) * 1024 + (q // Q) * 256 + d, m)
            tl.debug_barrier()  # the row's writes before the next pass reads them


def graph_us(fn):
    return device_median_us(graphed(fn))


def main():
    torch.manual_seed(0)
    sms = torch.cuda.get_device_properties(0).multi_processor_count
    print(f"device: {torch.cuda.get_device_name()}, {sms} SMs")
    for K, N in [(4096, 4096), (8192, 2048), (16384, 1024), (32768, 512), (1024, 4096), (256, 4096), (64, 4096)]:
        for dtype in (torch.bfloat16, torch.float32):
            x, rv, ri, t_torch, t_op = rows_case(K, N, dtype)
            vb = x.element_size()
            block = max(512, triton.next_power_of_2(N))
            q = triton.cdiv(triton.cdiv(N, WARPS), 64) * 64
            ws_v, ws_i = torch.empty_like(x), torch.empty(K, N, dtype=torch.int32, device=DEV)
            v, i = torch.empty_like(x), torch.empty(K, N, dtype=torch.int64, device=DEV)
            smem = block * (vb + 4) + 4096 + 8192
            fit = (228 * 1024 + 1024) // (smem + 2048)
            res = []
            for per_sm in sorted({p for p in (2, 3, 4, 6, 8) if p <= fit} | {fit}):
                def run(per_sm=per_sm):
                    radix_rows_mw_kernel[(min(K, per_sm * sms), )](v, i, ws_v, ws_i, x, K, N, q, DESCENDING=False,
                                                                   SIGNED=True, BLOCK=block, VB=vb, num_warps=WARPS)
                run()
                bad = (v != rv).sum().item() + (i != ri).sum().item()
                res.append(f"{per_sm}/SM {graph_us(run):7.1f} us ({bad} bad)")
            print(f"rows-mw {K}x{N} {dtype}: torch {t_torch:7.1f} us, op {t_op:7.1f} us; 4 warps a row: "
                  + ", ".join(res), flush=True)


if __name__ == "__main__":
    main()
