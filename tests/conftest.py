import os
import random
import sys
import zlib

# GEMFORGE_TEST_GPUS=n (set by scripts/gpu_run.sh on a machine with several GPUs): pytest-xdist
# worker k uses GPU k % n, so the compile-bound suite can use every core of a multi-GPU host.
# Must happen before torch initializes CUDA.
if os.environ.get("GEMFORGE_TEST_GPUS") and os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
    _worker = int(os.environ["PYTEST_XDIST_WORKER"][2:])
    os.environ["CUDA_VISIBLE_DEVICES"] = str(_worker % int(os.environ["GEMFORGE_TEST_GPUS"]))

import pytest  # noqa: E402
import torch  # noqa: E402

import gemforge  # noqa: F401  (selects the backend before anything imports triton)

sys.path.insert(0, os.path.dirname(__file__))

DEVICE = "cuda" if gemforge.default_backend() == "cuda" else "cpu"
# Large, performance-relevant shapes only where kernels run natively.
LARGE = DEVICE == "cuda"


@pytest.fixture(autouse=True)
def _seed_rng(request):
    """Each test draws its random inputs from a seed of its own node id, so they don't depend on
    which tests ran before it on the same pytest-xdist worker: a failure reproduces alone.
    crc32, not hash(): str hashes are salted per process."""
    seed = zlib.crc32(request.node.nodeid.encode())
    torch.manual_seed(seed)  # also seeds every CUDA device
    random.seed(seed)


@pytest.fixture(autouse=True)
def _always_disabled():
    """Every test starts and ends with ATen's kernels registered."""
    gemforge.disable()
    yield
    gemforge.disable()


def pytest_report_header(config):
    return f"gemforge backend: {gemforge.default_backend()} (device {DEVICE}), torch {torch.__version__}"


def same_error(fn, message=True):
    """fn() raises under torch; under GemForge it must raise the same exception type and (with
    `message`) a message containing torch's first line."""
    with pytest.raises(Exception) as torch_err:
        fn()
    with gemforge.use():
        with pytest.raises(type(torch_err.value)) as ours:
            fn()
    first_line = str(torch_err.value).splitlines()[0]
    assert not message or first_line in str(ours.value), (first_line, str(ours.value))


def same_outcome(fn):
    """Where ATen's CPU and CUDA kernels disagree on whether an input is valid: if fn() raises under
    torch, GemForge raises the same; if it returns, GemForge returns an equal result."""
    try:
        expected = fn()
    except Exception:  # noqa: BLE001  (any exception type: same_error compares them)
        same_error(fn)
        return
    with gemforge.use():
        got = fn()
    assert torch.equal(got, expected), (got, expected)


def ran_gemforge(fn, expect):
    """Runs fn under record mode; every overload in `expect` ran on GemForge, nothing fell back."""
    with gemforge.use(record=True):
        out = fn()
        rec = gemforge.recorded()
    assert not [r for r in rec if "fallback" in r], rec
    for name in expect:
        assert name in rec, (name, rec)
    return out


def cuda_kernel_names(fn):
    """The names of the CUDA kernels fn() launched (torch.profiler; CUDA only)."""
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        fn()
        torch.cuda.synchronize()
    return {e.name for e in prof.events() if e.device_type == DeviceType.CUDA}


def half_ulps(got, ref):
    """Per element, how many fp16/bf16 ulps apart two tensors of that dtype are (-0.0 == 0.0, an
    infinity is one ulp past the largest finite value); 0 where both are NaN, a huge number where
    only one is."""
    def key(t):
        i = t.cpu().view(torch.int16).to(torch.int32)
        return torch.where(i < 0, -(i & 0x7FFF), i)
    d = (key(got) - key(ref)).abs()
    g_nan, r_nan = got.cpu().isnan(), ref.cpu().isnan()
    return torch.where(g_nan & r_nan, 0, torch.where(g_nan | r_nan, 1 << 20, d))


def every_half_value(dtype):
    """All 65536 bit patterns of fp16 or bf16 (NaNs, infinities, subnormals, -0.0 included)."""
    return torch.arange(-32768, 32768, dtype=torch.int32).to(torch.int16).view(dtype)


def pytest_collection_modifyitems(config, items):
    """GEMFORGE_TEST_SHARD="i/n" keeps every n-th test starting at i: the GPU suite is dominated by
    first-time kernel compilation, so scripts/gpu_run.sh can spread it over several device calls
    that share one disk cache."""
    shard = os.environ.get("GEMFORGE_TEST_SHARD")
    if shard:
        i, n = (int(v) for v in shard.split("/"))
        deselected = [item for k, item in enumerate(items) if k % n != i]
        items[:] = [item for k, item in enumerate(items) if k % n == i]
        config.hook.pytest_deselected(items=deselected)
    # GEMFORGE_TEST_DONE=FILE: node ids (one per line) that a previous GPU run of the same code
    # already passed are left out, so that a run cut short by its time limit can be resumed.
    done_file = os.environ.get("GEMFORGE_TEST_DONE")
    if done_file:
        with open(done_file) as f:
            done = {line.strip() for line in f if line.strip()}
        deselected = [item for item in items if item.nodeid in done]
        items[:] = [item for item in items if item.nodeid not in done]
        config.hook.pytest_deselected(items=deselected)


def pytest_runtest_logreport(report):
    """GEMFORGE_TEST_LOG=PREFIX: each worker appends every test's duration, and the details of
    each failure, to PREFIX.<worker> as soon as the test ends, so that a GPU run stopped by its
    time limit still tells which tests failed, why, and where the time went."""
    prefix = os.environ.get("GEMFORGE_TEST_LOG")
    if not prefix or (report.when != "call" and not report.failed):
        return
    path = f"{prefix}.{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with open(path, "a") as f:
        f.write(f"{report.duration:8.2f}s {report.outcome:7s} {report.when:8s} {report.nodeid}\n")
        if report.failed:
            f.write(str(report.longrepr)[-6000:] + "\n----\n")
