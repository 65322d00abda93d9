// A libtorch program calling GemForge's operators through the C++ API. It runs on CUDA when
// a GPU is present, else on CPU tensors under Triton's interpreter, and checks every result
// against ATen.
#include <gemforge/gemforge.h>

#include <ATen/ATen.h>

#include <cstdio>
#include <cstdlib>

int main() {
  const bool cuda = at::hasCUDA();
  // Without a GPU, kernels run under Triton's interpreter, which must be chosen before the
  // embedded Python imports triton.
  if (!cuda) setenv("TRITON_INTERPRET", "1", 0);
  const auto opts = at::TensorOptions().dtype(at::kFloat).device(cuda ? at::kCUDA : at::kCPU);
  at::manual_seed(0);
  at::Tensor x = at::randn({33, 70}, opts), y = at::randn({70}, opts), w = at::randn({70, 24}, opts);
  at::Tensor x3 = at::randn({2, 5, 64}, opts), weight = at::randn({48, 64}, opts), bias = at::randn({48}, opts);
  struct Case {
    const char* name;
    at::Tensor got, want;
  } cases[] = {
      {"add", gemforge::ops::add(x, y, 2.0), at::add(x, y, 2.0)},
      {"mul", gemforge::ops::mul(x, y), at::mul(x, y)},
      {"silu", gemforge::ops::silu(x), at::silu(x)},
      {"gelu_tanh", gemforge::ops::gelu(x, "tanh"), at::gelu(x, "tanh")},
      {"sum_dim1", gemforge::ops::sum(x, {{1}}), at::sum(x, {1})},
      {"mean", gemforge::ops::mean(x), at::mean(x)},
      {"softmax", gemforge::ops::softmax(x, -1), at::softmax(x, -1)},
      {"mm", gemforge::ops::mm(x, w), at::mm(x, w)},
      {"linear", gemforge::ops::linear(x3, weight, bias), at::linear(x3, weight, bias)},
  };
  int failed = 0;
  for (auto& c : cases) {
    const bool ok = c.got.sizes() == c.want.sizes() && at::allclose(c.got, c.want, 1e-5, 1e-5);
    std::printf("%-10s %s\n", c.name, ok ? "ok" : "MISMATCH");
    failed += !ok;
  }
  std::printf("%d passed, %d failed\n", int(sizeof(cases) / sizeof(cases[0])) - failed, failed);
  return failed == 0 ? 0 : 1;
}
