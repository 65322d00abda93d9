"""Offline tuning of matmul_tma (kernels/matmul.py) and of the decode kernel gemv_small
(kernels/gemv.py) per shape bucket, against cuBLAS.

    python3 bench/tune_matmul.py                          # matmul_tma, all buckets
    python3 bench/tune_matmul.py 1x4096x4096 256x128x128x64 ...   # MxNxK, or BATCHxMxNxK for a bmm
    python3 bench/tune_matmul.py --fp16 8192x8192x8192     # fp16 operands (default bf16)
    python3 bench/tune_matmul.py --tiles 128x128,128x256 600x4096x4096   # only these tile shapes
    python3 bench/tune_matmul.py --gemv                   # decode kernel: M = 1, 4, 16 rows
    python3 bench/tune_matmul.py --gemv 1x4096x4096 16x14336x4096 --dtype fp16
    python3 bench/tune_matmul.py --gemv --quick           # ~17 candidates a shape: ~3-5 min in all
    python3 bench/tune_matmul.py --gemv 1x14336x4096 --config 4,4096,8,1,1,1   # only these candidates
                                          # (block_r, block_k, warps, stages, fma, evict; repeatable)
    python3 bench/tune_matmul.py --gemv 1x4096x4096 1x14336x4096 1x4096x14336   # ~130 candidates:
                                          # ~2-3 min a shape incl. compiles: split into calls < 10 min

    ... --write                                        # also write the winners into the table

For each representative shape (M x N x K, nn.Linear layout unless it says bmm) it times every
candidate configuration, and the configuration of the table row GemForge picks for that shape,
through Triton's own launcher: the same kernels and the same plan GemForge launches (split-K,
the tail split, SHIFT_M; csrc/ops/blas.cpp). It prints the best ones next to cuBLAS. Then, for
each row of csrc/runtime/config_table.cpp (kGemmRows, or kGemvRows with --gemv) that the tuned
shapes use, the candidate with the best geometric mean over those shapes; with --write it
replaces the row's configuration when that beats the row's own by more than 2%, with a comment
saying so (bench/config_rows.py; the rows' buckets and order stay as they are written by hand).
Decode shapes also print the weight-read floor (weight bytes / measured copy bandwidth) and each
time's percentage of it (the issue-5 bar: >= 85%). Times are medians with L2 flushed before
every call, as the benchmark measures them (gemforge/timing.py; default the clean flush,
`--l2-flush zero` for do_bench's written one).
"""
import sys

import torch
import triton
from triton.tools.tensor_descriptor import TensorDescriptor

import config_rows  # (bench/: the table's rows, read and written)


def _load(relpath):
    """python/gemforge/<relpath> by path: importing the gemforge package would need the built core."""
    import importlib.util
    import os
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "gemforge", relpath)
    spec = importlib.util.spec_from_file_location("gemforge_" + relpath.replace("/", "_")[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


matmul = _load("kernels/matmul.py")
matmul_tma, splitk_finish = matmul.matmul_tma, matmul.splitk_finish
gemv_small = _load("kernels/gemv.py").gemv_small
timing = _load("timing.py")
L2_FLUSH = sys.argv[sys.argv.index("--l2-flush") + 1] if "--l2-flush" in sys.argv else "clean"


def time_us(fn, warmup_ms, rep_ms):
    return timing.device_median_us(fn, warmup_ms, rep_ms, L2_FLUSH)

# (label, batch, M, N, K, B given as [N, K])
SHAPES = [
    ("decode", 1, 1, 4096, 4096, True), ("decode", 1, 16, 14336, 4096, True), ("decode-longK", 1, 1, 4096, 14336, True),
    ("small-M", 1, 128, 4096, 4096, True), ("small-M-longK", 1, 128, 4096, 14336, True),
    ("small-M", 1, 128, 14336, 4096, True), ("small-M", 1, 128, 8192, 8192, True),
    ("small-M", 1, 128, 28672, 8192, True), ("small-M-longK", 1, 128, 8192, 28672, True),
    ("small-M", 1, 128, 128256, 4096, True),
    # batched decode / short prefill between the benchmark's M = 16 and 128 and between 128 and
    # 1024 (session 18: 64 x 8192 x 8192 0.82x, 256 x 4096 x 14336 0.78x of cuBLAS through the
    # M <= 64 / M <= 256 rows tuned at M = 128)
    ("M64", 1, 64, 8192, 8192, True), ("M64", 1, 64, 4096, 14336, True), ("M64", 1, 64, 14336, 4096, True),
    ("M256", 1, 256, 4096, 14336, True), ("M256", 1, 256, 14336, 4096, True), ("M256", 1, 256, 8192, 8192, True),
    # M not a multiple of 128 (session 19, H200, through GemForge on the M <= 256 rows, 8192 x 8192:
    # M = 256 51.5 us, 208 53.1, 200 58.9, 192 65.5; cuBLAS 40.3 at M = 200)
    ("M200", 1, 200, 8192, 8192, True), ("M192", 1, 192, 8192, 8192, True), ("M200", 1, 200, 4096, 14336, True),
    ("M200", 1, 200, 14336, 4096, True),
    # M 257..768, one partial wave of tiles (session 19, H200, through GemForge: 600 x 4096 x 4096
    # 0.74x of cuBLAS, 600 x 8192 x 8192 0.83x, 300 x 4096 x 14336 0.85x)
    ("M600", 1, 600, 4096, 4096, True), ("M600", 1, 600, 4096, 14336, True), ("M600", 1, 600, 8192, 8192, True),
    ("M600", 1, 600, 14336, 4096, True), ("M300", 1, 300, 4096, 14336, True),
    ("mid-M", 1, 1024, 14336, 4096, True), ("large", 1, 4096, 4096, 4096, False),
    ("bmm-PV", 32, 4096, 128, 4096, False), ("bmm-QK", 32, 4096, 4096, 128, True),
    ("bmm-PV", 128, 512, 64, 512, False), ("bmm-QK", 256, 128, 128, 64, True), ("bmm-PV", 256, 128, 64, 128, False),
    ("bmm-QK", 64, 1024, 1024, 128, True), ("large", 1, 8192, 8192, 8192, False),
]
# (BM, BN, BK, warps, stages, warp_specialize, split_store[, programs an SM (GemmConfig ctas_per_sm,
# default 1)])
CONFIGS = [
    (64, 64, 64, 4, 4, False, False), (64, 64, 64, 4, 6, False, False), (64, 64, 128, 4, 3, False, False),
    (64, 64, 128, 4, 4, False, False), (64, 128, 64, 4, 4, False, False), (64, 128, 64, 4, 5, False, False),
    (128, 64, 64, 4, 4, False, False), (128, 64, 64, 4, 5, False, False), (128, 128, 64, 8, 3, False, False),
    (128, 128, 64, 8, 4, False, False), (128, 128, 64, 8, 5, False, False), (128, 128, 64, 4, 4, False, False),
    (128, 128, 128, 8, 3, False, False), (128, 128, 64, 8, 4, True, False), (128, 256, 64, 8, 3, False, True),
    (128, 256, 64, 8, 4, False, True), (128, 256, 64, 8, 4, True, True),
    # the whole 128x256 tile staged at once (SPLIT_STORE waits for the first half's TMA read of
    # shared memory before staging the second; 3 stages leave room for it): write-bound QK^T
    (128, 256, 64, 8, 3, False, False),
    # small M (memory-bound on the weight): one M tile, narrow N tiles, deep pipelines
    (128, 64, 128, 4, 4, False, False), (128, 64, 64, 4, 6, False, False), (128, 32, 128, 4, 5, False, False),
    (128, 64, 128, 8, 4, False, False), (64, 64, 128, 4, 6, False, False), (128, 128, 128, 8, 4, False, False),
    # tiny per-batch problems (attention bmm with K or N = 64): short pipelines
    (64, 128, 64, 4, 3, False, False), (128, 128, 64, 8, 2, False, False), (64, 64, 64, 4, 2, False, False),
    # attention bmm: QK^T with K = 64..128 (the output write dominates: one K step a tile), P @ V
    # with N = 64 (the A read dominates: N-wide tiles)
    (128, 128, 128, 8, 2, False, False), (128, 256, 128, 8, 2, False, True), (128, 128, 128, 4, 2, False, False),
    (128, 64, 128, 4, 3, False, False), (128, 64, 128, 4, 2, False, False), (256, 64, 64, 8, 4, False, False),
    (64, 64, 256, 4, 2, False, False),
    # M between 128 and 256 not a multiple of 128: 64-row tiles waste fewer rows
    (64, 256, 64, 4, 4, False, True), (64, 256, 64, 4, 3, False, True), (64, 128, 128, 4, 4, False, False),
    # write-bound QK^T: two persistent programs an SM, so that one's epilogue overlaps the other's
    # loads (shared memory for both: <= ~110 KB each)
    (128, 128, 64, 8, 3, False, False, 2), (128, 128, 128, 8, 2, False, False, 2), (128, 64, 64, 4, 4, False, False, 2),
    (128, 128, 64, 4, 3, False, False, 2), (64, 128, 128, 4, 2, False, False, 2),
    # tiny batched products (256 x [128, 128] x [128, 64]: 256 tiles of 128x64, under two waves of
    # one program an SM): every tile at once, in 64x64 tiles at 4 an SM or 128-row tiles at 2
    (64, 64, 128, 4, 2, False, False, 4), (64, 64, 64, 4, 3, False, False, 4), (64, 64, 128, 4, 3, False, False, 2),
    (128, 64, 128, 4, 2, False, False, 2), (64, 64, 64, 4, 4, False, False, 2), (128, 128, 64, 8, 2, False, False, 2),
]
NUM_SMS = torch.cuda.get_device_properties(0).multi_processor_count


def tail_plan(tiles, programs, k_tiles, batched):
    """(tiles in the main loop, TAIL_SPLIT): blas.cpp's split of a last wave less than half full."""
    tail = tiles % programs if tiles > programs else 0
    split = 1
    if not batched and tail > 0 and tail * 2 <= programs:
        split = max(1, min(programs // tail, 4, k_tiles // 16))
    return (tiles - tail if split > 1 else tiles), split


def split_k_plan(tiles, k_tiles, batched):
    """blas.cpp's split of K when the output tiles fill less than half the GPU (decode shapes)."""
    if batched or tiles * 2 > NUM_SMS or k_tiles < 8:
        return 1
    return min(triton.next_power_of_2(triton.cdiv(2 * NUM_SMS, tiles)), 16, k_tiles // 4)


def launcher(a, b, c, batch, M, N, K, b_nk, cfg, tail=True):
    """The launches GemForge makes for this product with configuration cfg (blas.cpp run_tma):
    split-K with splitk_finish for few tiles, SHIFT_M, and with `tail` the split of a last wave
    less than half full (tail_plan; False: one tile a unit)."""
    bm, bn, bk, warps, stages, ws, split = cfg[:7]
    per_sm = cfg[7] if len(cfg) > 7 else 1
    batched = batch > 1
    if batched:
        ad = TensorDescriptor.from_tensor(a, [1, bm, bk])
        bd = TensorDescriptor.from_tensor(b, [1, bn, bk] if b_nk else [1, bk, bn])
        cd = TensorDescriptor.from_tensor(c, [1, bm, bn // 2 if split else bn])
    else:
        ad = TensorDescriptor.from_tensor(a, [bm, bk])
        bd = TensorDescriptor.from_tensor(b, [bn, bk] if b_nk else [bk, bn])
        cd = TensorDescriptor.from_tensor(c, [bm, bn // 2 if split else bn])
    tiles = triton.cdiv(M, bm) * triton.cdiv(N, bn) * batch
    k_tiles = triton.cdiv(K, bk)
    split_k = split_k_plan(tiles, k_tiles, batched)
    programs = min(NUM_SMS * per_sm, tiles * split_k)
    dp_tiles, tail_split = tail_plan(tiles, programs, k_tiles, batched) if tail and split_k == 1 else (tiles, 1)
    partials = flags = None
    if split_k > 1:
        partials = torch.empty(split_k, M, N, device="cuda", dtype=torch.float32)
    if tail_split > 1:
        partials = torch.empty((tiles - dp_tiles) * (tail_split - 1) * bm * bn, device="cuda", dtype=torch.float32)
        flags = torch.zeros(tiles - dp_tiles, device="cuda", dtype=torch.int32)
    shift_m = M > bm and M % bm != 0  # as blas.cpp sets it (no input here)

    def run():
        if flags is not None:
            flags.zero_()
        matmul_tma[(programs, )](ad, bd, cd, None, partials, flags, M, N, K, dp_tiles, 1.0, 0.0, 0, 0, 0, bm, bn, bk, 8,
                                 programs, False, b_nk, batched, False, False, ws, split, False, split_k, tail_split,
                                 shift_m, num_warps=warps, num_stages=stages)
        if split_k > 1:
            splitk_finish[(triton.cdiv(M * N, 1024), )](partials, c, None, M, N, split_k, 1.0, 0.0, N, 1, 0, 0,
                                                       False, False, 1024, num_warps=4, num_stages=1)
    return run


# kGemmRows' GemmConfig {bm, bn, bk, group_m, warps, stages, ws, split[, ctas_per_sm]} <-> this
# script's (bm, bn, bk, warps, stages, ws, split[, programs an SM]); the launches use group_m 8.
def to_table(cfg):
    return cfg[:3] + (8, ) + cfg[3:]


def from_table(config):
    return None if config[3] != 8 else config[:3] + config[4:]


def device_arch():
    major, minor = torch.cuda.get_device_capability()
    return major * 10 + minor


def main():
    args = sys.argv[1:]
    if "--gemv" in args:
        return main_gemv([a for a in args if a != "--gemv"])
    dtype = torch.float16 if "--fp16" in args else torch.bfloat16
    tiles = args[args.index("--tiles") + 1].split(",") if "--tiles" in args else None
    only = set(a for a in args if "x" in a and a[0].isdigit() and "," not in a and not (tiles and a in tiles))
    configs = [c for c in CONFIGS if tiles is None or f"{c[0]}x{c[1]}" in tiles]
    rows = config_rows.read("kGemmRows")
    arch = device_arch()
    measured, row_of = {}, {}  # shape name -> {cfg: us}, -> the table row it uses
    for label, batch, M, N, K, b_nk in SHAPES:
        name = f"{M}x{N}x{K}" + (f" batch {batch}" if batch > 1 else "")
        if only and f"{M}x{N}x{K}" not in only and f"{batch}x{M}x{N}x{K}" not in only:
            continue
        torch.manual_seed(0)
        lead = (batch, ) if batch > 1 else ()
        a = torch.randn(*lead, M, K, device="cuda", dtype=dtype)
        b = torch.randn(*lead, *((N, K) if b_nk else (K, N)), device="cuda", dtype=dtype)
        bt = b.transpose(-1, -2) if b_nk else b
        ref = torch.matmul(a, bt)
        t_cublas = time_us(lambda: torch.matmul(a, bt), 20, 100)
        row_of[name] = config_rows.gemm_row(rows, arch, True, a.element_size(), M, N, K)
        current = from_table(rows[row_of[name]].config)
        times = {}
        for cfg in configs + ([current] if current and current not in configs else []):
            c = torch.empty(*lead, M, N, device="cuda", dtype=dtype)
            try:
                f = launcher(a, b, c, batch, M, N, K, b_nk, cfg)
                f()
                torch.cuda.synchronize()
            except Exception as e:  # noqa: BLE001  (shared memory etc.)
                print(f"  skip {cfg}: {type(e).__name__}", flush=True)
                continue
            err = ((c.float() - ref.float()).norm() / ref.float().norm()).item()
            if not err < 1e-2:
                print(f"  WRONG {cfg}: {err}", flush=True)
                continue
            times[cfg] = time_us(f, 10, 60)
        measured[name] = times
        ranked = sorted(times.items(), key=lambda kv: kv[1])
        for cfg, t in ranked[:5] + [(cfg, t) for cfg, t in ranked[5:] if cfg == current]:
            mark = "  (the table's row)" if cfg == current else ""
            print(f"{label:14s} {name:24s} {t:8.1f} us  cuBLAS {t_cublas:8.1f} us  ratio {t_cublas / t:5.2f}  {cfg}{mark}",
                  flush=True)
    config_rows.update("kGemmRows", measured, row_of, to_table, arch,
                       f"{torch.cuda.get_device_name()} {str(dtype)[6:]}", "--write" in args)


# ---------------------------------------------------------------------------- decode (gemv_small)

# nn.Linear decode: x [M, K] @ W[N, K]^T; N x K from the LLM projections the benchmark times
GEMV_NK = [(4096, 4096), (14336, 4096), (4096, 14336), (8192, 8192), (28672, 8192), (8192, 28672), (128256, 4096)]
GEMV_M = [1, 4, 16]


def gemv_candidates(quick, elem):
    """(block_r, block_k, warps, stages, fma_single, evict_first), as kGemvRows' GemvConfig.
    tl.dot through the cp.async pipeline (stages >= 2): block_r 16 with 1-2 warps and 32 with 2
    keep one warp per 16-row mma tile; 32 with 4 gives each warp a 16x8 quarter (its w rows read
    from shared memory twice) but does not spill where 2 warps do (block_k 256: 255 registers
    and 136-192 bytes of stack, sm_90, session 18); 64 with 4 warps runs on
    wgmma. tl.dot from registers with L2 evict_first loads (stages 1: see config_table.cpp).
    The FMA path (T == 1 only), with and without evict_first."""
    out = []
    pipelined = [(16, 1), (16, 2), (32, 2), (32, 4), (64, 4)] if not quick else [(16, 1), (32, 2), (32, 4)]
    for br, warps in pipelined:
        for bk in ([64, 128, 256, 512] if not quick else [128, 256]):
            tile = br * bk * elem + 16 * bk * elem  # w tile + the (padded) x tile per stage
            for st in ([2, 3, 4, 5, 6] if not quick else [4, 5]):
                if tile * (st - 1) <= 200 * 1024:
                    out.append((br, bk, warps, st, False, False))
    registers = [(16, 2), (16, 4), (32, 4), (64, 4), (32, 8)] if not quick else [(16, 4), (32, 4), (64, 4)]
    for br, warps in registers:
        for bk in ([128, 256, 512] if not quick else [128, 256]):
            if br * bk * elem * 2 // (32 * warps) <= 256:  # two tiles' bytes per thread
                out.append((br, bk, warps, 1, False, True))
    # (block_r 2 and 4 with block_k 2048 / 4096: one tile a program where K <= block_k, every
    # load issued at once, as the fastest plain read of bench/read_ramp_experiment.py)
    for br in ([2, 4, 8, 16, 32] if not quick else [16]):
        for bk in ([256, 512, 1024, 2048, 4096] if not quick else [256, 512]):
            for warps in ([4, 8] if not quick else [4]):
                if br * bk // (32 * warps) <= 128:  # fp32 accumulator elements per thread
                    for evict in ((False, True) if not quick else (True, )):
                        out.append((br, bk, warps, 1, True, evict))
    return out


def gemv_launcher(w, x, c, T, R, K, cfg):
    br, bk, warps, st, fma, evict = cfg
    dot = T > 1 or not fma
    tail = 0 if K % bk == 0 else (1 if K > bk else 2)
    grid = (triton.cdiv(R, br), )
    return lambda: gemv_small[grid](w, x, c, None, R, T, K, 1.0, 0.0, w.stride(0), x.stride(0), x.stride(1),
                                    c.stride(0), c.stride(1), 0, 0, br, 16 if dot else 1, bk, dot, evict, False,
                                    False, 0, tail, False, False, num_warps=warps, num_stages=1 if evict else st)


def gemforge_linear_us(x, w):
    """F.linear through GemForge (the table's current row and the host path), or None when the
    package's core is not built/importable here."""
    try:
        import os
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
        import gemforge
        import torch.nn.functional as F
    except Exception:  # noqa: BLE001
        return None
    with gemforge.use(only=["mm", "addmm"]):
        return time_us(lambda: F.linear(x, w), 20, 100)


def main_gemv(args):
    quick = "--quick" in args
    dtype = torch.float16 if "--dtype" in args and args[args.index("--dtype") + 1] == "fp16" else torch.bfloat16
    only = {a for a in args if "x" in a and a[0].isdigit()}
    elem = 2
    bw = timing.copy_bandwidth_gbs(2**30, 20, 100, L2_FLUSH)
    print(f"copy bandwidth {bw:.0f} GB/s, {NUM_SMS} SMs, {dtype}", flush=True)
    cands = gemv_candidates(quick, elem)
    if "--config" in args:  # only these: --config 4,4096,8,1,1,1 (block_r, block_k, warps, stages, fma, evict)
        cands = [tuple(int(v) if i < 4 else bool(int(v)) for i, v in enumerate(args[i + 1].split(",")))
                 for i, a in enumerate(args) if a == "--config"]
    rows = config_rows.read("kGemvRows")
    arch = device_arch()
    results, row_of = {}, {}  # (M, N, K) -> {cfg: us}; shape name -> the table row it uses
    for M in GEMV_M:
        for N, K in GEMV_NK:
            name = f"{M}x{N}x{K}"
            if only and name not in only:
                continue
            torch.manual_seed(0)
            x = torch.randn(M, K, device="cuda", dtype=dtype)
            w = torch.randn(N, K, device="cuda", dtype=dtype)
            ref = x.float() @ w.float().t()
            floor_us = N * K * elem / (bw * 1e3)
            t_cublas = time_us(lambda: torch.nn.functional.linear(x, w), 20, 100)
            row_of[name] = config_rows.gemv_row(rows, arch, elem, M, N, K)
            current = rows[row_of[name]].config
            times = {}
            for cfg in cands + ([current] if current not in cands else []):
                if cfg[4] and M > 1:
                    continue
                c = torch.empty(M, N, device="cuda", dtype=dtype)
                try:
                    f = gemv_launcher(w, x, c, M, N, K, cfg)
                    f()
                    torch.cuda.synchronize()
                except Exception as e:  # noqa: BLE001  (shared memory, registers)
                    print(f"  skip {cfg}: {type(e).__name__}", flush=True)
                    continue
                err = ((c.float() - ref).norm() / ref.norm()).item()
                if not err < 1e-2:
                    print(f"  WRONG {cfg}: {err}", flush=True)
                    continue
                times[cfg] = time_us(f, 5, 25)
            results[(M, N, K)] = times
            t_ours = gemforge_linear_us(x, w)
            ours = f"  gemforge now {t_ours:7.1f} us ({100 * floor_us / t_ours:3.0f}%)" if t_ours else ""
            print(f"{name:18s} floor {floor_us:6.1f} us  cuBLAS {t_cublas:7.1f} us ({100 * floor_us / t_cublas:3.0f}%)"
                  f"{ours}", flush=True)
            for cfg, t in sorted(times.items(), key=lambda kv: kv[1])[:3]:
                print(f"    {t:7.1f} us  {100 * floor_us / t:3.0f}% of floor  {cfg}", flush=True)
    config_rows.update("kGemvRows", {f"{m}x{n}x{k}": t for (m, n, k), t in results.items()}, row_of, tuple,
                       arch, f"{torch.cuda.get_device_name()} {str(dtype)[6:]}", "--write" in args)


if __name__ == "__main__":
    main()
