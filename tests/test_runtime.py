"""The runtime: registration (enable/disable/use/only/unused/record), the disk cache across
processes, corrupt entries, bounded compilation for changing shapes, thread safety, the
freeze mode, CUDA graph safety and the config table."""
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
import threading

import pytest
import torch

import gemforge
from conftest import DEVICE, same_error

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---------------------------------------------------------------- registration


def test_op_names_cover_every_overload_form():
    names = set(gemforge.op_names())
    for n in ["add.Tensor", "add_.Tensor", "add.out", "add.Scalar", "sub.Scalar_out", "rsub.Tensor", "mul.out",
              "div.Tensor_mode", "div_.Scalar_mode", "neg", "neg_", "neg.out", "gelu.out", "sum.dim_IntList",
              "sum.IntList_out", "mean.dim", "mean.out", "_softmax", "_softmax.out", "_log_softmax.out"]:
        assert n in names, n


def test_enable_disable_and_use_restore_state():
    x = torch.randn(8, device=DEVICE)
    assert not gemforge.is_enabled()
    gemforge.enable(record=True)
    torch.exp(x)
    assert "exp" in gemforge.recorded()
    gemforge.disable()
    assert not gemforge.is_enabled() and gemforge.enabled_ops() == []
    with gemforge.use(only=["add"]):
        assert gemforge.enabled_ops() and all(n.split(".")[0].rstrip("_") == "add" for n in gemforge.enabled_ops())
        with gemforge.use(only=["mul.Tensor"]):
            assert gemforge.enabled_ops() == ["mul.Tensor"]
        assert all(n.split(".")[0].rstrip("_") == "add" for n in gemforge.enabled_ops())
    assert not gemforge.is_enabled()


def test_only_and_unused_choose_the_subset():
    x = torch.randn(8, device=DEVICE)
    with gemforge.use(unused=["exp", "add.Tensor"], record=True):
        torch.exp(x)
        x + x
        x * x
        rec = gemforge.recorded()
        enabled = gemforge.enabled_ops()
    assert "exp" not in enabled and "add.Tensor" not in enabled and "add_.Tensor" in enabled
    assert rec == ["mul.Tensor"]
    with gemforge.use(only=["aten::sigmoid"], record=True):
        torch.sigmoid(x)
        torch.exp(x)
        assert gemforge.recorded() == ["sigmoid"]


def test_unknown_names_raise():
    with pytest.raises(ValueError, match="unknown operator 'nonexistent'"):
        gemforge.enable(only=["nonexistent"])
    with pytest.raises(ValueError, match="unknown operator"):
        gemforge.enable(unused=["add.NoSuchOverload"])
    with pytest.raises(ValueError, match="backend"):
        gemforge.enable(backend="tpu")
    assert not gemforge.is_enabled()


def test_record_logs_each_op_once_to_file(tmp_path):
    log = tmp_path / "ops.log"
    x = torch.randn(16, device=DEVICE)
    with gemforge.use(record=True, record_log=str(log)):
        for _ in range(3):
            torch.exp(x)
            x + x
        c = torch.randn(3, dtype=torch.complex64, device=DEVICE)
        torch.add(c, c)  # (c + 1 would also log the .to() of 1 that ATen's CPU kernel makes)
    lines = log.read_text().splitlines()
    assert lines == ["exp", "add.Tensor", "add.Tensor -> aten fallback (dtype)"]


def test_threads_run_ops_concurrently():
    errors = []
    inputs = [torch.randn(300 + i, device=DEVICE) for i in range(4)]

    def work(x):
        try:
            for _ in range(3):
                torch.testing.assert_close(torch.nn.functional.silu(x + 1), torch.nn.functional.silu(x.cpu() + 1).to(
                    x.device), rtol=1e-5, atol=1e-5)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    with gemforge.use():
        threads = [threading.Thread(target=work, args=(x, )) for x in inputs]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    assert not errors, errors


def test_config_table_buckets():
    cfg = torch.ops.gemforge_rt.config_for
    softmax = "softmax"
    assert list(cfg(softmax, 90, 4000, 4096)) == list(cfg(softmax, 90, 3000, 8))  # one bucket
    assert list(cfg(softmax, 90, 100, 4096)) != list(cfg(softmax, 90, 4000, 4096))
    assert cfg(softmax, 0, 200000, 1)[0] > 0  # very long rows: chunked multi-pass kernel
    assert list(cfg("reduce_inner", 12345, 1 << 20, 1)) == list(cfg("reduce_inner", 0, 1 << 20, 1))
    # 1-byte operands (bool, int8) with none wider than 2 bytes get wider blocks on sm_90
    # (16-byte accesses); with 4-byte operands (fp32 -> bool) they don't. size1 = 16 * narrowest + widest
    assert cfg("pointwise_1d", 90, 1 << 26, 16 + 1)[0] > cfg("pointwise_1d", 90, 1 << 26, 32 + 2)[0]
    assert cfg("pointwise_1d", 90, 1 << 26, 16 + 2)[0] > cfg("pointwise_1d", 90, 1 << 26, 16 + 4)[0]
    # columns on sm_90: sum's tile runs 4 warps, var / argmax's (two values a lane) 2 (session 24:
    # they were slower at 4), each with 16 rows a step
    assert cfg("reduce_outer", 90, 4096, 4096)[2] == 4 and cfg("reduce_outer_state", 90, 4096, 4096)[2] == 2
    assert cfg("reduce_outer_state", 90, 4096, 4096)[1] == cfg("reduce_outer", 90, 4096, 4096)[1] == 16
    # the fused cross entropy's forward streams wide vocabularies in chunks on sm_90 (many
    # programs an SM), where softmax holds a 32k row in one program
    assert 0 < cfg("cross_entropy_forward", 90, 32000, 4096)[0] < 32000
    assert cfg("cross_entropy_forward", 90, 32000, 4096)[2] < cfg(softmax, 90, 32000, 4096)[2]
    with pytest.raises(ValueError):
        cfg("nope", 0, 1, 1)


# ---------------------------------------------------------------- disk cache, across processes

# Compile-only runs (gemforge.precompile(arch=90)) work without a GPU, so these run everywhere.
CHILD = textwrap.dedent("""
    import json, sys, threading, torch, gemforge
    cfg = json.loads(sys.argv[1])
    gemforge.set_cache_dir(cfg["cache"])
    def ops(n):
        x = torch.randn(n)
        y = torch.randn(n)
        torch.add(x, y); torch.nn.functional.silu(x); x.sum(); torch.softmax(x.view(1, -1), -1)
    def run_ops():
        for n in cfg["sizes"]:
            ops(n)
    def run():
        with gemforge.use(backend="cpu"):
            run_ops()
    result = {}
    if cfg.get("threads"):
        # registration is process-wide: enable once, then the threads compile concurrently
        with gemforge.use(backend="cpu"):
            ts = [threading.Thread(target=gemforge.precompile, args=(run_ops, 90)) for _ in range(cfg["threads"])]
            [t.start() for t in ts]; [t.join() for t in ts]
    else:
        gemforge.precompile(run, arch=90)
    if cfg.get("frozen"):
        with gemforge.frozen():
            try:
                gemforge.precompile(lambda: ops(cfg["sizes"][0]), arch=90)
                result["warm_ok"] = True
            except RuntimeError as e:
                result["warm_ok"] = str(e)
            try:
                with gemforge.use(backend="cpu"):
                    gemforge.precompile(lambda: torch.exp(torch.randn(7, dtype=torch.float64)), arch=90)
                result["miss"] = "no error"
            except RuntimeError as e:
                result["miss"] = str(e)
    result.update(gemforge.stats())
    print(json.dumps(result))
""")


def _child(cache, sizes, **extra):
    env = dict(os.environ, TRITON_INTERPRET="0", CUDA_VISIBLE_DEVICES="", PYTHONPATH=os.path.join(REPO, "python"))
    cfg = dict(cache=str(cache), sizes=sizes, **extra)
    p = subprocess.run([sys.executable, "-c", CHILD, json.dumps(cfg)], env=env, capture_output=True, text=True,
                       timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_disk_cache_second_process_compiles_nothing_and_corruption_is_detected(tmp_path):
    cache = tmp_path / "cache"
    first = _child(cache, [1024])
    assert first["compiles"] >= 4 and first["disk_hits"] == 0
    entries = sorted(cache.glob("*.gfk"))
    assert len(entries) == first["compiles"]
    second = _child(cache, [1024])
    assert second["compiles"] == 0 and second["disk_hits"] == first["compiles"]
    # Truncate one entry and flip a byte in another: both are detected and recompiled.
    data = entries[0].read_bytes()
    entries[0].write_bytes(data[:len(data) // 2])
    data = bytearray(entries[1].read_bytes())
    data[len(data) // 3] ^= 0xFF
    entries[1].write_bytes(bytes(data))
    third = _child(cache, [1024])
    assert third["disk_rejects"] == 2 and third["compiles"] == 2
    fourth = _child(cache, [1024])
    assert fourth["compiles"] == 0 and fourth["disk_rejects"] == 0
    assert not list(cache.glob("*.tmp.*"))


def test_changing_sizes_reuse_compiled_kernels(tmp_path):
    """Serving with ever-changing token counts must not compile per size."""
    sizes = [4096 * k for k in range(1, 9)] + [4096 * k + 16 for k in range(1, 9)]
    r = _child(tmp_path / "cache", sizes)
    # Variants: per op a few specializations (divisible by 16 or not, block bucket), not per size.
    assert r["compiles"] <= 12, r


def test_concurrent_first_compilation_is_safe(tmp_path):
    r = _child(tmp_path / "cache", [1000, 2048], threads=4)
    single = _child(tmp_path / "other", [1000, 2048])
    # Every thread got its kernels; duplicates compiled in a race are allowed but bounded.
    assert single["compiles"] <= r["compiles"] <= 4 * single["compiles"]
    again = _child(tmp_path / "cache", [1000, 2048], threads=4)
    assert again["compiles"] == 0


def test_frozen_mode_turns_a_miss_into_a_clear_error(tmp_path):
    r = _child(tmp_path / "cache", [256], frozen=True)
    assert r["warm_ok"] is True
    assert "cache miss while frozen" in r["miss"] and "pointwise" in r["miss"]


REG_CAP_CHILD = textwrap.dedent("""
    import sys, torch, gemforge
    gemforge.set_cache_dir(sys.argv[1])
    x = torch.randn(64, 64).to(torch.bfloat16)
    y = torch.randn(64, 64).to(torch.bfloat16) + 4
    with gemforge.use(backend="cpu"):
        gemforge.precompile(lambda: (torch.fmod(x, y), torch.fmod(x.t(), y), torch.fmod(x.double(), y.double()),
                                     torch.add(x, y)), arch=90)
""")


def _gfk_strings(data):
    """The leading length-prefixed fields of a disk cache entry: identity, key, name, cubin."""
    pos, out = 8, []
    for _ in range(4):
        n = int.from_bytes(data[pos:pos + 8], "little")
        out.append(data[pos + 8:pos + 8 + n])
        pos += 8 + n
    return out


def test_register_cap_reaches_the_compiled_kernel(tmp_path):
    """fmod's cost class caps registers (csrc/ops/pointwise/core.cpp, kMaxRegisters) where its
    exact fallback runs on whole tiles (fp64): the cap is in the variant's key and in the cubin
    ptxas wrote (add, uncapped, has neither). With fp32 compute both drivers run the fallback over
    sub-blocks instead (PointwiseKernels::exact_fallback): uncapped, and within the cap's registers
    without spilling."""
    import triton
    env = dict(os.environ, TRITON_INTERPRET="0", CUDA_VISIBLE_DEVICES="", PYTHONPATH=os.path.join(REPO, "python"))
    p = subprocess.run([sys.executable, "-c", REG_CAP_CHILD, str(tmp_path)], env=env, capture_output=True, text=True,
                       timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    cuobjdump = os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin", "cuobjdump")
    caps = {}
    for entry in tmp_path.glob("*.gfk"):
        identity, key, _, cubin = _gfk_strings(entry.read_bytes())
        op = "fmod" if b"OP=fmod" in identity else "add" if b"OP=add" in identity else None
        if op is None:
            continue
        driver = "flat" if b"pointwise_1d" in identity else "strided"
        (tmp_path / "k.cubin").write_bytes(cubin)
        usage = subprocess.run([cuobjdump, "--dump-resource-usage", str(tmp_path / "k.cubin")], capture_output=True,
                               text=True, check=True).stdout
        regs = int(usage.split("REG:")[1].split()[0])
        stack = int(usage.split("STACK:")[1].split()[0])
        caps.setdefault((op, driver), []).append((key[3], regs, stack))  # key: arch, warps, stages, maxnreg, ..
    # fmod flat: bf16 (sub-block fallback, uncapped) and fp64 (capped); fmod strided: bf16; add
    assert sorted((k, len(v)) for k, v in caps.items()) == [(("add", "flat"), 1), (("fmod", "flat"), 2),
                                                           (("fmod", "strided"), 1)], caps
    capped = [c for c in caps["fmod", "flat"] if c[0] != 0]
    assert len(capped) == 1 and capped[0][0] == 80 and capped[0][1] <= 80, caps
    for cap, regs, stack in [c for c in caps["fmod", "flat"] if c[0] == 0] + caps["fmod", "strided"]:
        assert regs <= 80 and stack == 0, caps
    assert caps["add", "flat"][0][0] == 0, caps


# ---------------------------------------------------------------- CUDA only

if DEVICE == "cuda":

    def test_cuda_graph_capture_and_replay():
        x = torch.randn(4096, device="cuda")
        y = torch.randn(4096, device="cuda")
        with gemforge.use():
            out = torch.softmax(x * y + 1, -1)  # warm-up compiles outside the capture
            g = torch.cuda.CUDAGraph()
            with torch.cuda.graph(g):
                out = torch.softmax(x * y + 1, -1)
            x.copy_(torch.randn(4096, device="cuda"))
            g.replay()
            torch.cuda.synchronize()
        torch.testing.assert_close(out, torch.softmax(x * y + 1, -1))

    def test_cache_miss_during_capture_raises_naming_the_kernel():
        x = torch.randn(1000, device="cuda", dtype=torch.float64)
        with gemforge.use():
            torch.sigmoid(x)
            gemforge.clear_memory_cache()  # now a miss, even if the disk cache has it
            torch.cuda.synchronize()
            g = torch.cuda.CUDAGraph()
            with pytest.raises(RuntimeError, match="pointwise.*being captured"):
                with torch.cuda.graph(g):
                    torch.sigmoid(x)

    def test_ops_run_on_the_current_stream():
        s = torch.cuda.Stream()
        x = torch.randn(1 << 20, device="cuda")
        with gemforge.use():
            x + 1  # warm-up
            with torch.cuda.stream(s):
                y = x * 2
            s.synchronize()
        torch.testing.assert_close(y, x * 2)

    def test_second_device_if_present():
        n = torch.cuda.device_count()
        for d in range(n):
            x = torch.randn(1000, device=f"cuda:{d}")
            with gemforge.use():
                y = torch.exp(x)
            assert y.device == x.device
            torch.testing.assert_close(y, torch.exp(x))


def test_device_checked_ops_match_native_functions():
    """The registry repeats ATen's device check for exactly the overloads native_functions.yaml
    gives one (device_checked_ops.inc is generated by scripts/gen_device_checked_ops.py)."""
    spec = importlib.util.spec_from_file_location(
        "gen_device_checked_ops", os.path.join(os.path.dirname(__file__), "..", "scripts", "gen_device_checked_ops.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert sorted(torch.ops.gemforge_rt.device_checked_ops()) == gen.device_checked(gemforge.op_names())


def test_cpu_scalar_tensor_beside_cuda_tensors_raises_where_aten_checks_devices():
    """A 0-d CPU tensor is accepted by TensorIterator ops (add) but rejected by ops whose ATen
    wrapper checks devices (threshold_backward): GemForge behaves like ATen for both."""
    if DEVICE != "cuda":
        # one device only: the check must pass everything through (and the op runs on GemForge)
        g = torch.randn(5)
        with gemforge.use(record=True):
            torch.ops.aten.threshold_backward(g, torch.tensor(0.25), 0.0)
            assert "threshold_backward" in gemforge.recorded()
        return
    g = torch.randn(5, device=DEVICE)
    same_error(lambda: torch.ops.aten.threshold_backward(g, torch.tensor(0.25), 0.0), message=False)
    expected = torch.add(g, torch.tensor(0.25))
    with gemforge.use(record=True):
        got = torch.add(g, torch.tensor(0.25))
        assert "add.Tensor" in gemforge.recorded()
    torch.testing.assert_close(got, expected)
