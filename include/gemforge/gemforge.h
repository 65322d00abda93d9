// GemForge C++ API: call GemForge's operators directly from a libtorch program.
//
//   #include <gemforge/gemforge.h>
//   at::Tensor y = gemforge::ops::silu(x);
//
// Link libgemforge.so (and libpython, which hosts Triton's compiler on a kernel-cache miss;
// PYTHONPATH must reach triton and the gemforge package). Results and errors match the aten
// operators of the same name; inputs GemForge does not cover (e.g. complex) run on ATen.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Scalar.h>
#include <c10/util/string_view.h>

#include <optional>
#include <string>
#include <vector>

namespace gemforge {

namespace ops {
at::Tensor add(const at::Tensor& a, const at::Tensor& b, const c10::Scalar& alpha = 1);
at::Tensor sub(const at::Tensor& a, const at::Tensor& b, const c10::Scalar& alpha = 1);
at::Tensor mul(const at::Tensor& a, const at::Tensor& b);
at::Tensor div(const at::Tensor& a, const at::Tensor& b, std::optional<c10::string_view> rounding_mode = std::nullopt);
at::Tensor neg(const at::Tensor& x);
at::Tensor abs(const at::Tensor& x);
at::Tensor exp(const at::Tensor& x);
at::Tensor log(const at::Tensor& x);
at::Tensor sqrt(const at::Tensor& x);
at::Tensor rsqrt(const at::Tensor& x);
at::Tensor sigmoid(const at::Tensor& x);
at::Tensor silu(const at::Tensor& x);
at::Tensor relu(const at::Tensor& x);
at::Tensor gelu(const at::Tensor& x, c10::string_view approximate = "none");
at::Tensor sum(const at::Tensor& x, at::OptionalIntArrayRef dim = std::nullopt, bool keepdim = false,
               std::optional<c10::ScalarType> dtype = std::nullopt);
at::Tensor mean(const at::Tensor& x, at::OptionalIntArrayRef dim = std::nullopt, bool keepdim = false,
                std::optional<c10::ScalarType> dtype = std::nullopt);
at::Tensor softmax(const at::Tensor& x, int64_t dim);
at::Tensor log_softmax(const at::Tensor& x, int64_t dim);
// Matrix products (fp32/fp16/bf16; TF32 for fp32 as torch.backends.cuda.matmul.allow_tf32 says).
at::Tensor mm(const at::Tensor& a, const at::Tensor& b);
at::Tensor bmm(const at::Tensor& a, const at::Tensor& b);
at::Tensor addmm(const at::Tensor& input, const at::Tensor& a, const at::Tensor& b, const c10::Scalar& beta = 1,
                 const c10::Scalar& alpha = 1);
// nn.Linear: x [..., in] @ weight [out, in]^T (+ bias [out])
at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const std::optional<at::Tensor>& bias = std::nullopt);
}  // namespace ops

// Replace aten operators for every caller in the process (as gemforge.enable() in Python).
// backend: "cuda", or "cpu" for Triton's interpreter.
void enable(const std::vector<std::string>& only, const std::vector<std::string>& unused, bool record,
            const std::string& backend);
void disable();

}  // namespace gemforge
