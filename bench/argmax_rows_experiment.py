"""Why argmax over rows of 4096 reads slower than amax (session 21, H200, torch.profiler: 32768x4096
bf16 dim -1, reduce_kernel 102.2 us for argmax, 61.0 for amax; the library's argmax tile is a row
a program of 8 warps: an order-preserving integer key, its max, then the min of the lanes holding
it). Variants by direct launches, bf16, L2 flushed clean, replayed from a CUDA graph:

  max      the max of the row only (what one block reduction costs)
  keys     the library's method: max of the keys, then min index among the lanes holding it
  builtin  tl.argmax on the values (one reduction over (value, index) pairs; NaN not handled)
  keyarg   tl.argmax on the keys (session 22: slower than keys through the library)
  nanpair  tl.reduce over (value, index) pairs with a NaN-aware combine (first NaN wins)
  fixup    builtin, then the first NaN's index from tl.argmax of the NaN mask where a row has one
  maxnan   the max where any NaN wins (the library's _max_nan combine: max.NaN), then the first
           index holding it or a NaN (session 23)
  stream   `keys`, ROWS rows a program one after another, the next row's loads issued before the
           current row's reductions

    python3 bench/argmax_rows_experiment.py [KxD ...]   (needs a GPU and the built core)
"""
import sys

import torch
import triton
import triton.language as tl

import gemforge
from gemforge import timing
from gemforge.kernels.reduce import _argmax, _max_nan  # the library's NaN-aware combines

SHAPES = [(32768, 4096), (4096, 4096)]


@triton.jit
def _keys(v):
    """int32 keys in the order of the fp32 values (-0.0 == 0.0, NaN above everything)."""
    v0 = tl.where(v == 0, 0.0, v)
    bits = v0.to(tl.int32, bitcast=True)
    key = bits ^ ((bits >> 31) & 0x7FFFFFFF)
    return tl.where(v != v, 2147483647, key)


@triton.jit
def _row_argmax(v, BLOCK_D: tl.constexpr):
    key = _keys(v)
    best = tl.max(key, axis=1)
    j = tl.arange(0, BLOCK_D)[None, :]
    return tl.min(tl.where(key == best[:, None], j, BLOCK_D), axis=1)


@triton.jit
def argmax_rows_kernel(out, x, K, D, MODE: tl.constexpr, BLOCK_K: tl.constexpr, BLOCK_D: tl.constexpr,
                       ROWS: tl.constexpr):
    """MODE 0: max (written as int64 of its value, for timing); 1: keys; 2: tl.argmax; 3: keys,
    streaming ROWS rows (BLOCK_K == 1) with the next row's loads ahead of the reductions; 4:
    tl.argmax of the keys; 5: a NaN-aware pair reduction; 6: tl.argmax with a NaN fixup; 7: the
    NaN-propagating max, then the first index holding it or a NaN."""
    j = tl.arange(0, BLOCK_D)
    if MODE == 3:
        r0 = tl.program_id(0) * ROWS
        nxt = tl.load(x + r0.to(tl.int64) * D + j[None, :]).to(tl.float32)
        for i in range(0, ROWS):
            cur = nxt
            r_next = tl.minimum(r0 + i + 1, K - 1)
            nxt = tl.load(x + r_next.to(tl.int64) * D + j[None, :]).to(tl.float32)
            idx = _row_argmax(cur, BLOCK_D)
            tl.store(out + r0 + i + tl.arange(0, 1), idx.to(tl.int64), mask=(r0 + i) < K)
    else:
        k = tl.program_id(0) * BLOCK_K + tl.arange(0, BLOCK_K)
        v = tl.load(x + k[:, None].to(tl.int64) * D + j[None, :]).to(tl.float32)
        if MODE == 0:
            r = tl.max(v, axis=1).to(tl.int64)
        elif MODE == 1:
            r = _row_argmax(v, BLOCK_D).to(tl.int64)
        elif MODE == 2:
            r = tl.argmax(v, axis=1, tie_break_left=True).to(tl.int64)
        elif MODE == 4:
            r = tl.argmax(_keys(v), axis=1, tie_break_left=True).to(tl.int64)
        elif MODE == 5:
            idx = tl.zeros_like(v).to(tl.int32) + j[None, :]
            _, r = tl.reduce((v, idx), 1, _argmax)
            r = r.to(tl.int64)
        elif MODE == 7:
            m = tl.reduce(v, 1, _max_nan)
            hit = (v == m[:, None]) | (v != v)
            r = tl.min(tl.where(hit, j[None, :], BLOCK_D), axis=1).to(tl.int64)
        else:
            nan = (v != v).to(tl.int32)
            first_nan = tl.argmax(nan, axis=1, tie_break_left=True)
            r = tl.argmax(v, axis=1, tie_break_left=True)
            r = tl.where(tl.max(nan, axis=1) > 0, first_nan, r).to(tl.int64)
        tl.store(out + k, r)


def main(args):
    shapes, bw = timing.probe_start(args, SHAPES)
    for K, D in shapes:
        torch.manual_seed(0)
        x = torch.randn(K, D, device="cuda", dtype=torch.bfloat16)
        ref = x.float().argmax(-1)
        floor_us = x.numel() * x.element_size() / bw / 1e3
        t_torch = timing.device_median_us(lambda: x.argmax(-1))
        t_amax = timing.device_median_us(lambda: x.amax(-1))
        with gemforge.use():
            t_now = timing.device_median_us(lambda: x.argmax(-1))
            t_amax_now = timing.device_median_us(lambda: x.amax(-1))
        print(f"{K}x{D}: floor {floor_us:.1f} us; argmax torch {t_torch:.1f}, GemForge {t_now:.1f} "
              f"({100 * floor_us / t_now:.0f}%); amax torch {t_amax:.1f}, GemForge {t_amax_now:.1f}", flush=True)
        out = torch.empty(K, device="cuda", dtype=torch.int64)
        runs = {}
        for mode, name in ((0, "max"), (1, "keys"), (7, "maxnan"), (5, "nanpair")):
            for bk in (1, 2, 4):
                for w in (2, 4, 8, 16):
                    if not 8 <= bk * D // (32 * w) <= 64:
                        continue
                    runs[(name, bk, w)] = (lambda mode=mode, bk=bk, w=w: argmax_rows_kernel[(K // bk, )](
                        out, x, K, D, mode, bk, D, 1, num_warps=w))
        for rows in (2, 4, 8):
            for w in (4, 8):
                runs[("stream", rows, w)] = (lambda rows=rows, w=w: argmax_rows_kernel[(triton.cdiv(K, rows), )](
                    out, x, K, D, 3, 1, D, rows, num_warps=w))
        times = {}
        for key, run in runs.items():
            # the max mode writes values, not indices: its result is not checked
            check = (lambda: True) if key[0] == "max" else (lambda: torch.equal(out, ref))
            times.update(timing.time_candidates({key: run}, check))
        for key, us in sorted(times.items(), key=lambda kv: kv[1]):
            print(f"    {key}  {us:7.1f} us  {100 * floor_us / us:5.1f}% of copy bandwidth", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
