"""Softmax family on few, very wide rows in one pass over the data (issue 4: softmax 256x131072 bf16
at 47% of copy bandwidth, log_softmax_backward 0.93x of torch, bench/NOTES.md session 11).

    python bench/softmax_onepass_experiment.py [KxD ...]     (GPU only; needs the built core)

The library's split path reads each row twice (a stats pass into a workspace, then a pass that
combines and writes). Here one kernel holds a part of PART elements of a row in registers, publishes
the part's statistics, waits until the row's P parts have published, then writes its part from
registers: one read, one write. Forward progress does not rest on the order in which the GPU starts
programs: a program takes (row, part) from an atomic ticket when it starts, so the parts it waits
for started before it or are still to be handed out, and with at least P programs resident one
row can always finish (the rows below the last ticket have all their parts running). It cannot run
under Triton's interpreter, which runs programs one after another.

Rows: torch, the library ("gemforge"), and "onepass P=.. w=.." for a few splits and warp counts;
each checked against torch. Timing: the benchmark's timer (L2 flushed clean before each call);
the one-pass calls are replayed from a CUDA graph (their host side, a zeroed ticket buffer and the
launch, is Python here), with the ticket buffer's zeroing inside the graph and the timed call.
"""
import sys

import torch
import triton
import triton.language as tl

import gemforge
from gemforge import timing
from softmax_experiment import errors, op_cases

SHAPES = [(256, 131072), (32, 262144)]
VARIANTS = [(32, 8), (32, 16), (64, 8), (16, 16)]  # (parts a row, warps)
OP_CODE = {"softmax": 0, "log_softmax": 1, "softmax_bwd": 2, "log_softmax_bwd": 3}


@triton.jit
def onepass_kernel(out, x, g, ws, sync, D, P: tl.constexpr, PART: tl.constexpr, OP: tl.constexpr):
    """OP 0/1: softmax / log_softmax of x. OP 2/3: their backward, x = the forward's output y and
    g = the incoming gradient: softmax y (g - sum(g y)), log_softmax g - exp(y) sum(g).
    sync: int32 [1 + rows], zeroed: the ticket, then a count of published parts a row.
    ws: fp32 [rows, P, 2], the parts' statistics. PART * P == D (no partial parts)."""
    t = tl.atomic_add(sync, 1, sem="relaxed")
    row = t // P
    part = t % P
    offs = part * PART + tl.arange(0, PART)
    base = row.to(tl.int64) * D
    if OP <= 1:
        v = tl.load(x + base + offs).to(tl.float32)
        a = tl.max(v, 0)
        b = tl.sum(tl.exp(v - a), 0)
    else:
        yv = tl.load(x + base + offs).to(tl.float32)
        gv = tl.load(g + base + offs).to(tl.float32)
        if OP == 2:
            a = tl.sum(gv * yv, 0)
        else:
            a = tl.sum(gv, 0)
        b = a
    # published by atomics, which the same (first) thread of the program performs, so that the
    # count's release orders them
    slot = ws + (row * P + part) * 2
    tl.atomic_xchg(slot, a, sem="relaxed")
    tl.atomic_xchg(slot + 1, b, sem="relaxed")
    count = sync + 1 + row
    c = tl.atomic_add(count, 1, sem="acq_rel") + 1
    while c < P:
        c = tl.atomic_add(count, 0, sem="acquire")
    i = tl.arange(0, P)
    pa = tl.load(ws + (row * P + i) * 2, volatile=True)
    if OP <= 1:
        pb = tl.load(ws + (row * P + i) * 2 + 1, volatile=True)
        m = tl.max(pa, 0)
        s = tl.sum(pb * tl.exp(pa - m), 0)
        if OP == 0:
            r = tl.exp(v - m) / s
        else:
            r = v - m - tl.log(s)
    else:
        s = tl.sum(pa, 0)
        if OP == 2:
            r = yv * (gv - s)
        else:
            r = gv - tl.exp(yv) * s
    tl.store(out + base + offs, r.to(out.dtype.element_ty))


def onepass_fn(op, x, g, y, parts, warps):
    K, D = x.shape
    if D % parts or (D // parts) & (D // parts - 1):
        return None
    out = torch.empty_like(x)
    ws = torch.empty(K, parts, 2, device=x.device, dtype=torch.float32)
    sync = torch.zeros(1 + K, device=x.device, dtype=torch.int32)
    src = y if op.endswith("bwd") else x

    def run():
        sync.zero_()
        onepass_kernel[(K * parts, )](out, src, g, ws, sync, D, P=parts, PART=D // parts, OP=OP_CODE[op],
                                      num_warps=warps)
        return out
    return run


def main():
    if not torch.cuda.is_available():
        print("needs a GPU: the one-pass kernel waits for other programs, which Triton's interpreter runs "
              "one after another")
        return
    props = torch.cuda.get_device_properties(0)
    print(f"# {props.name}, {props.multi_processor_count} SMs, torch {torch.__version__}, triton {triton.__version__}")
    print(f"{'shape':>12} {'op':>16} {'variant':>18} {'us':>8} {'torch us':>8} {'speedup':>7} {'max err':>9} {'bad':>4}")
    shapes = [tuple(int(v) for v in a.split("x")) for a in sys.argv[1:] if "x" in a and a[0].isdigit()] or SHAPES
    for K, D, op, x, g, y, tfn, ref, t_torch, lib in op_cases(shapes):
        rows = [("gemforge", *lib)]
        for parts, warps in VARIANTS:
            fn = onepass_fn(op, x, g, y, parts, warps)
            if fn is None:
                continue
            try:
                got = fn().clone()
                rows.append((f"onepass P={parts} w={warps}", timing.device_median_us(timing.graphed(fn), 10, 40),
                             got))
            except Exception as e:  # noqa: BLE001
                print(f"  onepass P={parts} w={warps} {op} failed: {type(e).__name__}: {str(e)[:200]}")
        for label, t, got in rows:
            err, bad = errors(got, ref)
            print(f"{K}x{D:>7} {op:>16} {label:>18} {t:8.1f} {t_torch:8.1f} {t_torch / t:7.2f} {err:9.2e} {bad:4d}",
                  flush=True)


if __name__ == "__main__":
    main()
