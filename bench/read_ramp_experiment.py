"""How close to "bytes / copy bandwidth" a read of 32-112 MiB can get, and where the rest goes.

    python3 bench/read_ramp_experiment.py

Session 8 (read_floor_experiment.py) found the simplest read kernel at 65% of the floor on 32 MiB
(12.0 us against 7.9): issue 5's decode bar (85% at 1 x 4096 x 4096) and issue 4's 85% bar on
32-64 MiB reductions sit above that. This splits the 12 us: the timer's own cost (an empty kernel
between the events), the first bytes' latency (one program reading 16 KB), and read kernels that
put more bytes in flight early than a loop of 2-8 KB blocks does:
  loop     a grid of programs, each looping over its slice (session 8's kernel), best grid;
  oneshot  one tile a program, no loop: every load of the program issued at once;
  tma      persistent programs streaming [rows, 256] boxes through TMA with a pipelined loop;
  pipe     the loop with tl.range(num_stages) (cp.async into shared memory).
Every variant is timed as the benchmark times an op (gemforge/timing.py, clean L2 flush); the best
ones also by the profiler (the kernel alone, without the launch between the events).
"""
import importlib.util
import os

import torch
import triton
import triton.language as tl
from triton.tools.tensor_descriptor import TensorDescriptor

_TIMING_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "gemforge", "timing.py")
_spec = importlib.util.spec_from_file_location("gemforge_timing", _TIMING_PY)
timing = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(timing)
# one tile a program, every load issued at once: the benchmark's plain read (timing.read_only_us)
read_oneshot_kernel = timing._read_tile_kernel


@triton.jit
def empty_kernel(partial):
    pass


@triton.jit
def read_loop(x, partial, n, per_program, BLOCK: tl.constexpr, STAGES: tl.constexpr):
    pid = tl.program_id(0)
    start = pid.to(tl.int64) * per_program
    offs = tl.arange(0, BLOCK)
    acc = tl.zeros((BLOCK, ), tl.float32)
    for k in tl.range(0, per_program, BLOCK, num_stages=STAGES):
        i = start + k + offs
        acc += tl.load(x + i, mask=i < n, other=0.0).to(tl.float32)
    tl.store(partial + pid, tl.sum(acc))


@triton.jit
def read_tma(desc, partial, rows, BR: tl.constexpr, BC: tl.constexpr, STAGES: tl.constexpr):
    pid = tl.program_id(0)
    programs = tl.num_programs(0)
    acc = tl.zeros((BR, BC), tl.float32)
    for r in tl.range(pid * BR, rows, programs * BR, num_stages=STAGES):
        acc += desc.load([r, 0]).to(tl.float32)
    tl.store(partial + pid, tl.sum(acc))


def kernel_us(run, reps=30):
    """Mean duration of the kernels run() launches, as the profiler records them (without the
    launch and event overhead that the benchmark's timer includes), each after a clean flush."""
    flush = timing._flush("clean")
    run()
    torch.cuda.synchronize()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
        for _ in range(reps):
            flush()
            run()
        torch.cuda.synchronize()
    flush_name = "_flush_read_kernel"
    total = sum(e.device_time_total for e in prof.key_averages() if flush_name not in e.key)
    return total / reps


def main():
    props = torch.cuda.get_device_properties(0)
    sms = props.multi_processor_count
    bw = timing.copy_bandwidth_gbs()
    print(f"{props.name}: copy bandwidth {bw:.0f} GB/s, {sms} SMs, L2 {props.L2_cache_size / 2**20:.0f} MiB")
    part = torch.empty(1 << 20, device="cuda", dtype=torch.float32)
    us = timing.device_median_us(lambda: empty_kernel[(1, )](part), 10, 50)
    print(f"empty kernel between the events: {us:.2f} us")
    for mib in (32, 64, 112):
        n = mib * 2**20 // 2
        x = torch.randn(n, device="cuda", dtype=torch.bfloat16)
        floor = 2 * n / bw / 1e3
        print(f"\n{mib} MiB bf16: floor {floor:.1f} us (bytes / copy bandwidth)", flush=True)
        runs = {"torch.sum": lambda: x.sum(), "copy of half (read+write = bytes)": None}
        half_src, half_dst = x[:n // 2], torch.empty(n // 2, device="cuda", dtype=torch.bfloat16)
        runs["copy of half (read+write = bytes)"] = lambda: half_dst.copy_(half_src)
        runs["first bytes: 1 program, 16 KB"] = lambda: read_oneshot_kernel[(1, )](x, part, n, TILE=8192, num_warps=8)
        for block, warps in ((2048, 4), (4096, 8), (8192, 8)):
            for mult in (1, 2, 4, 8, 16):
                per = triton.cdiv(triton.cdiv(n, mult * sms), block) * block
                grid = triton.cdiv(n, per)
                for stages in (1, 3):
                    runs[f"loop block {block} warps {warps} programs {grid} stages {stages}"] = (
                        lambda block=block, warps=warps, per=per, grid=grid, stages=stages: read_loop[(grid, )](
                            x, part, n, per, BLOCK=block, STAGES=stages, num_warps=warps))
        for tile, warps in ((4096, 4), (8192, 4), (8192, 8), (16384, 8), (32768, 16)):
            grid = triton.cdiv(n, tile)
            if grid <= part.numel():
                runs[f"oneshot tile {tile} warps {warps} programs {grid}"] = (
                    lambda tile=tile, warps=warps, grid=grid: read_oneshot_kernel[(grid, )](x, part, n, TILE=tile,
                                                                                       num_warps=warps))
        x2 = x.view(-1, 256)
        for br in (16, 32, 64):
            desc = TensorDescriptor.from_tensor(x2, [br, 256])
            for mult in (1, 2, 4):
                for stages in (3, 4, 6):
                    for warps in (4, 8):
                        runs[f"tma box {br}x256 programs {mult * sms} stages {stages} warps {warps}"] = (
                            lambda desc=desc, br=br, mult=mult, stages=stages, warps=warps: read_tma[(mult * sms, )](
                                desc, part, x2.shape[0], BR=br, BC=256, STAGES=stages, num_warps=warps))
        results = []
        for name, run in runs.items():
            try:
                results.append((timing.device_median_us(run, 10, 40), name, run))
            except Exception as e:  # noqa: BLE001  (shared memory, registers)
                print(f"  skip {name}: {type(e).__name__}: {str(e)[:80]}")
        results.sort(key=lambda r: r[0])
        fixed = [r for r in results if r[1].startswith(("torch", "copy", "first"))]
        best = {}
        for r in results:
            kind = r[1].split()[0]
            best.setdefault(kind, r)
        for us, name, run in fixed + [r for r in best.values() if r not in fixed]:
            print(f"  {us:7.2f} us {100 * floor / us:4.0f}%  {name}", flush=True)
        print("  five best: between the events / the kernel alone (profiler, CUPTI):")
        for us, name, run in results[:5]:
            print(f"  {us:7.2f} / {kernel_us(run):7.2f} us {100 * floor / us:4.0f}%  {name}", flush=True)
        del x, x2, half_dst


if __name__ == "__main__":
    main()
