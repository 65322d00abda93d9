"""Invalid input gets the same kind of error as PyTorch; unsupported input goes to ATen."""
import pytest
import torch

import gemforge
from conftest import DEVICE, same_error




def t(*shape, dtype=torch.float32):
    return torch.randn(*shape, device=DEVICE).to(dtype)


INVALID = {
    "incompatible shapes": lambda: torch.add(t(3, 4), t(5)),
    "incompatible shapes mul": lambda: torch.mul(t(2, 3), t(4, 3)),
    "out= of a dtype the result can't cast to": lambda: torch.add(t(4), t(4), out=torch.empty(4, dtype=torch.int64,
                                                                                               device=DEVICE)),
    "in-place would broadcast self": lambda: t(3, 1).add_(t(3, 4)),
    "in-place float result into int self": lambda: t(4, dtype=torch.int32).div_(t(4, dtype=torch.int32)),
    "bool subtraction": lambda: torch.sub(t(4) > 0, t(4) > 0),
    "float alpha with integer tensors": lambda: torch.add(t(4, dtype=torch.int64), t(4, dtype=torch.int64),
                                                          alpha=1.5),
    "bad rounding mode": lambda: torch.div(t(4), t(4), rounding_mode="round"),
    "bad gelu approximation": lambda: torch.nn.functional.gelu(t(4), approximate="fast"),
    "mean of integers": lambda: torch.mean(t(4, dtype=torch.int64)),
    "sum over a dim out of range": lambda: torch.sum(t(3, 4), dim=2),
    "sum over a repeated dim": lambda: torch.sum(t(3, 4), dim=(1, 1)),
    "softmax dim out of range": lambda: torch.softmax(t(3, 4), dim=2),
    "softmax of integers": lambda: torch.softmax(t(3, 4, dtype=torch.int64), dim=1),
    "neg of bool": lambda: torch.neg(t(4) > 0),
    "silu of integers": lambda: torch.nn.functional.silu(t(4, dtype=torch.int32)),
    "sum out= dtype mismatch": lambda: torch.sum(t(3, 4), 1, dtype=torch.float64, out=torch.empty(3, device=DEVICE)),
}
if DEVICE == "cpu":
    # ATen's CPU kernel checks; its CUDA kernel does not (that would need a device sync).
    INVALID["integer division by zero"] = lambda: torch.div(t(4, dtype=torch.int64), torch.zeros(4, dtype=torch.int64),
                                                             rounding_mode="floor")
if DEVICE == "cuda":
    INVALID["mismatched devices"] = lambda: torch.add(t(4), torch.randn(4))
    INVALID["mismatched devices out="] = lambda: torch.add(t(4), t(4), out=torch.empty(4))


@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_input_raises_like_torch(name):
    same_error(INVALID[name])


def test_complex_inputs_go_to_aten_and_record_shows_it():
    a = torch.randn(5, dtype=torch.complex64, device=DEVICE)
    b = torch.randn(5, dtype=torch.complex64, device=DEVICE)
    with gemforge.use(record=True):
        got = torch.add(a, b)
        got_exp = torch.exp(a)
        log = gemforge.recorded()
    torch.testing.assert_close(got, a + b)
    torch.testing.assert_close(got_exp, torch.exp(a))
    assert "add.Tensor -> aten fallback (dtype)" in log
    assert "exp -> aten fallback (dtype)" in log


def test_cpu_scalar_with_device_tensor():
    """A 0-d CPU tensor combines with a tensor of any device, as in torch."""
    a = t(6)
    s = torch.tensor(2.5)
    with gemforge.use(record=True):
        got = a * s
        assert "mul.Tensor" in gemforge.recorded()
    torch.testing.assert_close(got, a * 2.5)
