"""Experiment (session 26, not in the library): softmax / log_softmax and their backward over rows
of D elements by persistent programs that take items from a ticket, where an item is a part's
statistics or a part's write; a row block's writes come a chunk of items after its statistics,
so the write reads its part again from L2. The idea: the data read from memory once and written
once (as the library's one-pass kernel, softmax_onepass_kernel) without a program holding its
part while it waits for the row's other parts, and reads and writes of different row blocks
overlapping.

Result (H200, bf16, bench/results/2026-11-28-session26.txt calls 4-5, launches replayed from a CUDA
graph, L2 flushed clean): slower than the library everywhere. 256x131072 softmax: best lagged
variant 58.8 us against 54.9 for the one-pass kernel (parts of 8192, 8 warps) and 55.8 through
GemForge; log_softmax 54.6 / 49.7; softmax backward 80.6 / 64.0; 32x262144 softmax 20.5 against
18.8 (the split path). Loading the part before taking the next ticket took the forward from 62.1
to 58.8 us: each item pays the ticket's round trip, and each write the count's and the
statistics' round trips, about 16 KB moved per item a program.

    python3 bench/softmax_lagged_experiment.py [KxD ...]   (needs a GPU and the built core)
"""
import sys

import torch
import triton
import triton.language as tl

import gemforge
from gemforge import timing
from softmax_experiment import _apply_stats

SHAPES = [(256, 131072), (32, 262144)]
# (part, programs an SM, row block in units of programs / parts, warps)
VARIANTS = [(8192, 4, 1, 8), (8192, 4, 2, 8), (4096, 8, 1, 4), (16384, 2, 1, 16), (8192, 2, 1, 8)]


@triton.jit
def _part_stats(a, g, BACKWARD: tl.constexpr, LOG: tl.constexpr):
    """A part's statistics to publish, from its values a (BACKWARD: y, with g the gradient): its
    max and sum of exp relative to it (BACKWARD: the sum of g * y, or of g for LOG, twice). The
    library's register one-pass kernel used this and _part_result until session 28."""
    if BACKWARD:
        if LOG:
            m = tl.sum(g, 0)
        else:
            m = tl.sum(g * a, 0)
        s = m
    else:
        m = tl.max(a, 0)
        m_safe = tl.where(m == -float("inf"), 0.0, m)  # a part of -inf: its sum stays 0
        s = tl.sum(tl.exp(a - m_safe), 0)
    return m, s


@triton.jit
def _part_result(ws, row, P, a, g, BACKWARD: tl.constexpr, LOG: tl.constexpr, BLOCK_P: tl.constexpr):
    """The result over one part of row `row`, whose values are a (the input; BACKWARD: the
    forward's output y, and g the incoming gradient), from the row's P published part statistics
    ws[row, :P] (max, sum of exp relative to it; BACKWARD: the sum in the first slot), read in a
    fixed order."""
    i = tl.arange(0, BLOCK_P)
    if BACKWARD:
        m = 0.0
        s = tl.sum(tl.load(ws + (row * P + i) * 2, mask=i < P, other=0.0, volatile=True), 0)
    else:
        pa = tl.load(ws + (row * P + i) * 2, mask=i < P, other=-float("inf"), volatile=True)
        pb = tl.load(ws + (row * P + i) * 2 + 1, mask=i < P, other=0.0, volatile=True)
        m = tl.max(pa, 0)
        m_safe = tl.where(m == -float("inf"), 0.0, m)
        s = tl.sum(pb * tl.exp(pa - m_safe), 0)
    return _apply_stats(a, g, m, s, BACKWARD, LOG)


@triton.jit
def _lagged_item(t, NB, CHUNK):
    """Item t of softmax_lagged_kernel's list: chunks of CHUNK items ordered S0 S1 W0 S2 W1 ...
    S(NB-1) W(NB-2) W(NB-1) (S: statistics of a row block, W: its writes), so that a block's
    writes come a chunk after its statistics. Returns (statistics?, block, index in the chunk)."""
    c = t // CHUNK
    odd = (c % 2) == 1
    stats = (c == 0) | (odd & ((c + 1) // 2 < NB))
    block = tl.where(c == 0, 0, tl.where(stats, (c + 1) // 2, tl.where(odd, NB - 1, c // 2 - 1)))
    return stats, block, t - c * CHUNK


@triton.jit
def softmax_lagged_kernel(out, x, g, ws, sync, K, D, BLOCK_ROWS, BACKWARD: tl.constexpr, LOG: tl.constexpr,
                          PART: tl.constexpr, BLOCK_P: tl.constexpr):
    """Rows of D elements (inner == 1) in parts of PART, by persistent programs that take items
    from a ticket: an item is a part's statistics (its max and sum of exp; BACKWARD: its sum of
    g * y, or of g for LOG) or a part's write, which combines the row's statistics and reads the
    part again, from L2: the list (_lagged_item) puts a row block's writes a chunk of items after
    its statistics, BLOCK_ROWS rows a block. So the data is read from memory once and written
    once, and reads and writes of different blocks overlap, with no program holding a part while
    it waits. Forward: out = softmax / log_softmax of x; BACKWARD: x is the forward's output y, g
    the incoming gradient, out the input gradient (_grad).
    sync: int32 [1 + rows], zeroed before the launch: the ticket, then per row the count of its
    parts' published statistics; ws: fp32 [rows, P, 2].
    Forward progress: a write waits only for statistics items with earlier tickets, which running
    programs took (a program takes a ticket only when it has finished its previous item) and which
    wait for nothing; so any grid size works, and under the interpreter one program does every
    item in order."""
    P = tl.cdiv(D, PART)
    NB = tl.cdiv(K, BLOCK_ROWS)
    CHUNK = BLOCK_ROWS * P
    total = 2 * NB * CHUNK
    jj = tl.arange(0, PART)
    t = tl.atomic_add(sync, 1, sem="relaxed")
    while t < total:
        stats, block, w = _lagged_item(t, NB, CHUNK)
        row = block * BLOCK_ROWS + w // P
        part = w % P
        valid = row < K  # (the last block's rows past the end: no item)
        j = part * PART + jj
        mask = (j < D) & valid
        base = row.to(tl.int64) * D  # (a scalar 64-bit base, 32-bit offsets: see onepass)
        # The part's data first (a write reads it again, from L2), then the next ticket: the
        # ticket's round trip and the part's statistics wait overlap the loads.
        if BACKWARD:
            v = tl.load(x + base + j, mask=mask, other=0.0).to(tl.float32)  # y
            gv = tl.load(g + base + j, mask=mask, other=0.0).to(tl.float32)
        else:
            v = tl.load(x + base + j, mask=mask, other=-float("inf")).to(tl.float32)
            gv = v
        t_next = tl.atomic_add(sync, 1, sem="relaxed")
        slot = ws + (row * P + part) * 2
        count = sync + 1 + row
        if valid:
            if stats:
                a, b = _part_stats(v, gv, BACKWARD, LOG)
                # (as int32 bits: the interpreter exchanges no floats)
                bits = slot.to(tl.pointer_type(tl.int32))
                tl.atomic_xchg(bits, a.to(tl.float32).to(tl.int32, bitcast=True), sem="relaxed")
                tl.atomic_xchg(bits + 1, b.to(tl.float32).to(tl.int32, bitcast=True), sem="relaxed")
                tl.atomic_add(count, 1, sem="release")
            else:
                c = tl.atomic_add(count, 0, sem="acquire")
                while c < P:
                    c = tl.atomic_add(count, 0, sem="acquire")
                r = _part_result(ws, row, P, v, gv, BACKWARD, LOG, BLOCK_P)
                tl.store(out + base + j, r.to(out.dtype.element_ty), mask=mask)
        t = t_next


def launcher(x, g, out, log, part, per_sm, mult, warps):
    K, D = x.shape
    parts = triton.cdiv(D, part)
    programs = per_sm * torch.cuda.get_device_properties(0).multi_processor_count
    block_rows = max(1, triton.cdiv(mult * programs, parts))
    ws = torch.empty(K, parts, 2, device="cuda", dtype=torch.float32)

    def run():
        sync = torch.zeros(1 + K, device="cuda", dtype=torch.int32)  # as a host path would
        softmax_lagged_kernel[(programs, )](out, x, x if g is None else g, ws, sync, K, D, block_rows, g is not None,
                                            log, part, max(16, triton.next_power_of_2(parts)), num_warps=warps)
    return run


def main(args):
    shapes, bw = timing.probe_start(args, SHAPES)
    for K, D in shapes:
        torch.manual_seed(0)
        x = torch.randn(K, D, device="cuda", dtype=torch.bfloat16) * 3
        for backward in (False, True):
            for log in (False, True):
                f = torch.log_softmax if log else torch.softmax
                g = None
                if backward:
                    y = f(x, -1)
                    g = torch.randn_like(x)
                    bwd = torch._log_softmax_backward_data if log else torch._softmax_backward_data
                    ref = bwd(g.float(), y.float(), -1, torch.float32)
                    src, op = y, (lambda: bwd(g, y, -1, x.dtype))
                else:
                    ref = f(x.float(), -1)
                    src, op = x, (lambda: f(x, -1))
                floor = (3 if backward else 2) * x.numel() * 2 / bw / 1e3
                name = ("log_softmax" if log else "softmax") + ("_backward" if backward else "")
                t_torch = timing.device_median_us(op)
                with gemforge.use():
                    t_now = timing.device_median_us(op)
                print(f"{name} {K}x{D}: floor {floor:.1f} us; torch {t_torch:.1f}; GemForge {t_now:.1f}", flush=True)
                out = torch.empty_like(x)
                runs = {v: launcher(src, g, out, log, *v) for v in VARIANTS}
                times = timing.time_candidates(runs, lambda: torch.allclose(out.float(), ref, rtol=2e-2, atol=2e-2))
                for v, us in sorted(times.items(), key=lambda kv: kv[1]):
                    print(f"    lagged part {v[0]} {v[1]}/SM block x{v[2]} {v[3]} warps  {us:7.1f} us "
                          f"{100 * floor / us:5.1f}%", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
