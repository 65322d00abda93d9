// The arithmetic operators of the foundation: add, sub, rsub, mul, div (every overload, alpha,
// rounding modes) and the unary ops neg, abs, exp, log, sqrt, rsqrt, sigmoid, silu, relu, gelu.
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/pointwise/pointwise.h"

#include <ATen/ScalarOps.h>
#include <ATen/native/BinaryOps.h>
#include <ATen/ops/abs_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/abs_cpu_dispatch.h>
#include <ATen/ops/abs_cuda_dispatch.h>
#include <ATen/ops/add_cpu_dispatch.h>
#include <ATen/ops/add_cuda_dispatch.h>
#include <ATen/ops/div_cpu_dispatch.h>
#include <ATen/ops/div_cuda_dispatch.h>
#include <ATen/ops/exp_cpu_dispatch.h>
#include <ATen/ops/exp_cuda_dispatch.h>
#include <ATen/ops/gelu_cpu_dispatch.h>
#include <ATen/ops/gelu_cuda_dispatch.h>
#include <ATen/ops/log_cpu_dispatch.h>
#include <ATen/ops/log_cuda_dispatch.h>
#include <ATen/ops/mul_cpu_dispatch.h>
#include <ATen/ops/mul_cuda_dispatch.h>
#include <ATen/ops/neg_cpu_dispatch.h>
#include <ATen/ops/neg_cuda_dispatch.h>
#include <ATen/ops/relu_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/relu_cpu_dispatch.h>
#include <ATen/ops/relu_cuda_dispatch.h>
#include <ATen/ops/rsqrt_cpu_dispatch.h>
#include <ATen/ops/rsqrt_cuda_dispatch.h>
#include <ATen/ops/rsub_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/rsub_cpu_dispatch.h>
#include <ATen/ops/rsub_cuda_dispatch.h>
#include <ATen/ops/sigmoid_cpu_dispatch.h>
#include <ATen/ops/sigmoid_cuda_dispatch.h>
#include <ATen/ops/silu_cpu_dispatch.h>
#include <ATen/ops/silu_cuda_dispatch.h>
#include <ATen/ops/sqrt_cpu_dispatch.h>
#include <ATen/ops/sqrt_cuda_dispatch.h>
#include <ATen/ops/sub_cpu_dispatch.h>
#include <ATen/ops/sub_cuda_dispatch.h>


namespace gemforge::ops {
namespace {

bool any_cuda(const at::Tensor& a, const at::Tensor& b) { return a.is_cuda() || b.is_cuda(); }

// ---------------------------------------------------------------- unary ops

GF_ATEN_UNARY_STD(neg)
GF_ATEN_UNARY_STD(exp)
GF_ATEN_UNARY_STD(log)
GF_ATEN_UNARY_STD(sqrt)
GF_ATEN_UNARY_STD(rsqrt)
GF_ATEN_UNARY_STD(sigmoid)
GF_ATEN_UNARY_STD(silu)
GF_ATEN_UNARY(abs, at::compositeexplicitautograd::abs, at::compositeexplicitautograd::abs,
              at::compositeexplicitautograd::abs_, at::compositeexplicitautograd::abs_, at::cuda::abs_out,
              at::cpu::abs_out)
GF_ATEN_UNARY(relu, at::cuda::relu, at::cpu::relu, at::cuda::relu_, at::cpu::relu_,
              at::compositeexplicitautograd::relu_out, at::compositeexplicitautograd::relu_out)

GF_UNARY(neg, Promote::Same, kFloats | kInts)
GF_UNARY(abs, Promote::Same, kFloats | kInts)
GF_UNARY(relu, Promote::Same, kFloats | kInts)
// exp: fp32 results through libdevice's expf, fp16/bf16 ones through ex2.approx (arith.py exp)
GF_UNARY_HALF(exp, Promote::IntToFloat, kAllReal)
GF_UNARY_COMPUTE(log, Promote::IntToFloat, kAllReal)
GF_UNARY(sqrt, Promote::IntToFloat, kAllReal)
GF_UNARY_HALF(rsqrt, Promote::IntToFloat, kAllReal)
GF_UNARY(sigmoid, Promote::IntToFloat, kAllReal)
GF_UNARY(silu, Promote::Same, kFloats)

// gelu: a unary op with a mode argument.
UnaryOp gelu_op{GF_POINTWISE_KERNELS_HALF("gelu"), Promote::Same, kFloats, {"gelu"}, {"gelu_"}, {"gelu.out"}};


struct Gelu {
  static at::Tensor fn(const at::Tensor& self, c10::string_view approximate) {
    const int64_t mode = gelu_approximation(approximate);
    at::Tensor out;
    if (const char* why = unsupported(gelu_op.dtypes, {&self})) {
      record(gelu_op.rec_fn, true, why);
      return self.is_cuda() ? at::cuda::gelu(self, approximate) : at::cpu::gelu(self, approximate);
    }
    record(gelu_op.rec_fn);
    if (!unary_into(gelu_op, out, self, {}, mode))
      return self.is_cuda() ? at::cuda::gelu(self, approximate) : at::cpu::gelu(self, approximate);
    return out;
  }
  static at::Tensor& inplace(at::Tensor& self, c10::string_view approximate) {
    const int64_t mode = gelu_approximation(approximate);
    if (const char* why = unsupported(gelu_op.dtypes, {&self})) {
      record(gelu_op.rec_inplace, true, why);
      return self.is_cuda() ? at::cuda::gelu_(self, approximate) : at::cpu::gelu_(self, approximate);
    }
    record(gelu_op.rec_inplace);
    if (!unary_into(gelu_op, self, self, {}, mode))
      return self.is_cuda() ? at::cuda::gelu_(self, approximate) : at::cpu::gelu_(self, approximate);
    return self;
  }
  static at::Tensor& out(const at::Tensor& self, c10::string_view approximate, at::Tensor& out) {
    const int64_t mode = gelu_approximation(approximate);
    if (const char* why = unsupported(gelu_op.dtypes, {&self, &out})) {
      record(gelu_op.rec_out, true, why);
      return out.is_cuda() ? at::cuda::gelu_out(out, self, approximate) : at::cpu::gelu_out(out, self, approximate);
    }
    record(gelu_op.rec_out);
    if (!unary_into(gelu_op, out, self, {}, mode))
      return out.is_cuda() ? at::cuda::gelu_out(out, self, approximate) : at::cpu::gelu_out(out, self, approximate);
    return out;
  }
};

// ---------------------------------------------------------------- binary ops

struct BinaryOp {
  PointwiseKernels kernels;
  bool int_to_float;  // true division promotes integer inputs to float
  uint32_t dtypes;
  // Overloads: Tensor, Tensor_, Tensor_out, Scalar, Scalar_, Scalar_out (names per op below).
  OpRecord rec[6];
};

// ---- add, sub, rsub: alpha-scaled second operand.

enum class AlphaKind { Add, Sub, Rsub };

template <AlphaKind kind>
void alpha_op_check(const at::Tensor& a, const at::Tensor& b, c10::ScalarType common, const c10::Scalar& alpha) {
  if (kind != AlphaKind::Add) at::native::sub_check(a, b);
  at::native::alpha_check(common, alpha);
}

template <BinaryOp& op, AlphaKind kind, typename Aten>
struct AlphaBinary {
  static at::Tensor run(OpRecord& rec, const at::Tensor& a, const at::Tensor& b, const c10::Scalar& alpha) {
    if (const char* why = unsupported(op.dtypes, {&a, &b})) {
      record(rec, true, why);
      return Aten::fn(a, b, alpha);
    }
    record(rec);
    at::Tensor out;
    auto check = [&](c10::ScalarType common) { alpha_op_check<kind>(a, b, common, alpha); };
    if (!binary_into(op.kernels, Binary::Plain, out, a, b, Scalars(alpha), 0, check)) return Aten::fn(a, b, alpha);
    return out;
  }
  static at::Tensor& run_out(OpRecord& rec, const at::Tensor& a, const at::Tensor& b, const c10::Scalar& alpha,
                             at::Tensor& out) {
    if (const char* why = unsupported(op.dtypes, {&a, &b, &out})) {
      record(rec, true, why);
      return Aten::out(a, b, alpha, out);
    }
    record(rec);
    auto check = [&](c10::ScalarType common) { alpha_op_check<kind>(a, b, common, alpha); };
    if (!binary_into(op.kernels, Binary::Plain, out, a, b, Scalars(alpha), 0, check)) return Aten::out(a, b, alpha, out);
    return out;
  }
  static at::Tensor tensor(const at::Tensor& a, const at::Tensor& b, const c10::Scalar& alpha) {
    return run(op.rec[0], a, b, alpha);
  }
  static at::Tensor& tensor_(at::Tensor& a, const at::Tensor& b, const c10::Scalar& alpha) {
    return run_out(op.rec[1], a, b, alpha, a);
  }
  static at::Tensor& tensor_out(const at::Tensor& a, const at::Tensor& b, const c10::Scalar& alpha, at::Tensor& out) {
    return run_out(op.rec[2], a, b, alpha, out);
  }
  static at::Tensor scalar(const at::Tensor& a, const c10::Scalar& b, const c10::Scalar& alpha) {
    return run(op.rec[3], a, at::native::wrapped_scalar_tensor(b), alpha);
  }
  static at::Tensor& scalar_(at::Tensor& a, const c10::Scalar& b, const c10::Scalar& alpha) {
    return run_out(op.rec[4], a, at::native::wrapped_scalar_tensor(b), alpha, a);
  }
  static at::Tensor& scalar_out(const at::Tensor& a, const c10::Scalar& b, const c10::Scalar& alpha, at::Tensor& out) {
    return run_out(op.rec[5], a, at::native::wrapped_scalar_tensor(b), alpha, out);
  }
  static void add(std::vector<OpEntry>& t, bool has_inplace) {
    t.push_back({&op.rec[0], [](torch::Library& l, const char* n) { impl_fn(l, n, &tensor); }});
    if (has_inplace) t.push_back({&op.rec[1], [](torch::Library& l, const char* n) { impl_fn(l, n, &tensor_); }});
    t.push_back({&op.rec[2], [](torch::Library& l, const char* n) { impl_fn(l, n, &tensor_out); }});
    t.push_back({&op.rec[3], [](torch::Library& l, const char* n) { impl_fn(l, n, &scalar); }});
    if (has_inplace) t.push_back({&op.rec[4], [](torch::Library& l, const char* n) { impl_fn(l, n, &scalar_); }});
    t.push_back({&op.rec[5], [](torch::Library& l, const char* n) { impl_fn(l, n, &scalar_out); }});
  }
};

#define GF_ATEN_ALPHA(name, fn_cuda, fn_cpu, out_cuda, out_cpu)                                              \
  struct name##_aten {                                                                                       \
    static at::Tensor fn(const at::Tensor& a, const at::Tensor& b, const c10::Scalar& s) {                   \
      return any_cuda(a, b) ? fn_cuda(a, b, s) : fn_cpu(a, b, s);                                            \
    }                                                                                                        \
    static at::Tensor& out(const at::Tensor& a, const at::Tensor& b, const c10::Scalar& s, at::Tensor& o) {  \
      return o.is_cuda() ? out_cuda(o, a, b, s) : out_cpu(o, a, b, s);                                       \
    }                                                                                                        \
  };
GF_ATEN_ALPHA(add, at::cuda::add, at::cpu::add, at::cuda::add_out, at::cpu::add_out)
GF_ATEN_ALPHA(sub, at::cuda::sub, at::cpu::sub, at::cuda::sub_out, at::cpu::sub_out)
GF_ATEN_ALPHA(rsub, at::cuda::rsub, at::cpu::rsub, at::compositeexplicitautograd::rsub_out,
              at::compositeexplicitautograd::rsub_out)

BinaryOp add_op{GF_POINTWISE_KERNELS("add"), false, kAllReal,
                {{"add.Tensor"}, {"add_.Tensor"}, {"add.out"}, {"add.Scalar"}, {"add_.Scalar"}, {"add.Scalar_out"}}};
BinaryOp sub_op{GF_POINTWISE_KERNELS("sub"), false, kAllReal,
                {{"sub.Tensor"}, {"sub_.Tensor"}, {"sub.out"}, {"sub.Scalar"}, {"sub_.Scalar"}, {"sub.Scalar_out"}}};
BinaryOp rsub_op{GF_POINTWISE_KERNELS("rsub"), false, kAllReal,
                 {{"rsub.Tensor"}, {"rsub_.Tensor"}, {"rsub.Tensor_out"}, {"rsub.Scalar"}, {"rsub_.Scalar"},
                  {"rsub.Scalar_out"}}};
using add_ops = AlphaBinary<add_op, AlphaKind::Add, add_aten>;
using sub_ops = AlphaBinary<sub_op, AlphaKind::Sub, sub_aten>;
using rsub_ops = AlphaBinary<rsub_op, AlphaKind::Rsub, rsub_aten>;

// ---- mul and div: no alpha; div has a rounding mode.

int64_t div_mode(std::optional<c10::string_view> mode) {
  if (!mode.has_value()) return 0;
  if (*mode == "trunc") return 1;
  if (*mode == "floor") return 2;
  TORCH_CHECK(false, "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '", *mode, "'");
}

struct mul_aten {
  static at::Tensor fn(const at::Tensor& a, const at::Tensor& b, std::optional<c10::string_view>) {
    return any_cuda(a, b) ? at::cuda::mul(a, b) : at::cpu::mul(a, b);
  }
  static at::Tensor& out(const at::Tensor& a, const at::Tensor& b, std::optional<c10::string_view>, at::Tensor& o) {
    return o.is_cuda() ? at::cuda::mul_out(o, a, b) : at::cpu::mul_out(o, a, b);
  }
};
struct div_aten {
  static at::Tensor fn(const at::Tensor& a, const at::Tensor& b, std::optional<c10::string_view> m) {
    return any_cuda(a, b) ? at::cuda::div(a, b, m) : at::cpu::div(a, b, m);
  }
  static at::Tensor& out(const at::Tensor& a, const at::Tensor& b, std::optional<c10::string_view> m, at::Tensor& o) {
    return o.is_cuda() ? at::cuda::div_out(o, a, b, m) : at::cpu::div_out(o, a, b, m);
  }
};

// Integer division by zero raises on the CPU, as ATen's CPU kernel does (on CUDA ATen does not
// check: that would need a device sync).
void check_cpu_integer_division(const at::Tensor& a, const at::Tensor& b, int64_t mode) {
  if (mode == 0 || !b.is_cpu() || !a.is_cpu()) return;
  if (c10::isFloatingType(a.scalar_type()) || c10::isFloatingType(b.scalar_type())) return;
  TORCH_CHECK(!b.eq(0).any().item<bool>(), "ZeroDivisionError");
}

// mul (mode 0) and div (mode = rounding mode; true division promotes integers to float).
template <BinaryOp& op, typename Aten>
struct PlainBinary {
  static at::Tensor run(OpRecord& rec, const at::Tensor& a, const at::Tensor& b, std::optional<c10::string_view> m) {
    const int64_t mode = div_mode(m);
    if (const char* why = unsupported(op.dtypes, {&a, &b})) {
      record(rec, true, why);
      return Aten::fn(a, b, m);
    }
    record(rec);
    check_cpu_integer_division(a, b, mode);
    at::Tensor out;
    const Binary kind = op.int_to_float && mode == 0 ? Binary::IntToFloat : Binary::Plain;
    if (!binary_into(op.kernels, kind, out, a, b, {}, mode))
      return Aten::fn(a, b, m);
    return out;
  }
  static at::Tensor& run_out(OpRecord& rec, const at::Tensor& a, const at::Tensor& b,
                             std::optional<c10::string_view> m, at::Tensor& out) {
    const int64_t mode = div_mode(m);
    if (const char* why = unsupported(op.dtypes, {&a, &b, &out})) {
      record(rec, true, why);
      return Aten::out(a, b, m, out);
    }
    record(rec);
    check_cpu_integer_division(a, b, mode);
    const Binary kind = op.int_to_float && mode == 0 ? Binary::IntToFloat : Binary::Plain;
    if (!binary_into(op.kernels, kind, out, a, b, {}, mode))
      return Aten::out(a, b, m, out);
    return out;
  }
};

BinaryOp mul_op{GF_POINTWISE_KERNELS("mul"), false, kAllReal,
                {{"mul.Tensor"}, {"mul_.Tensor"}, {"mul.out"}, {"mul.Scalar"}, {"mul_.Scalar"}, {"mul.Scalar_out"}}};
BinaryOp div_op{GF_POINTWISE_KERNELS("div"), true, kAllReal,
                {{"div.Tensor"}, {"div_.Tensor"}, {"div.out"}, {"div.Scalar"}, {"div_.Scalar"}, {"div.Scalar_out"}}};
// div's rounding-mode overloads
OpRecord div_mode_rec[6] = {{"div.Tensor_mode"}, {"div_.Tensor_mode"}, {"div.out_mode"},
                            {"div.Scalar_mode"}, {"div_.Scalar_mode"}, {"div.Scalar_mode_out"}};

using mul_ops = PlainBinary<mul_op, mul_aten>;
using div_ops = PlainBinary<div_op, div_aten>;
using OptMode = std::optional<c10::string_view>;

// Overload signatures of mul and div (mul has no mode).
at::Tensor mul_tensor(const at::Tensor& a, const at::Tensor& b) { return mul_ops::run(mul_op.rec[0], a, b, {}); }
at::Tensor& mul_tensor_(at::Tensor& a, const at::Tensor& b) { return mul_ops::run_out(mul_op.rec[1], a, b, {}, a); }
at::Tensor& mul_out(const at::Tensor& a, const at::Tensor& b, at::Tensor& o) { return mul_ops::run_out(mul_op.rec[2], a, b, {}, o); }
at::Tensor mul_scalar(const at::Tensor& a, const c10::Scalar& b) { return mul_ops::run(mul_op.rec[3], a, at::native::wrapped_scalar_tensor(b), {}); }
at::Tensor& mul_scalar_(at::Tensor& a, const c10::Scalar& b) { return mul_ops::run_out(mul_op.rec[4], a, at::native::wrapped_scalar_tensor(b), {}, a); }
at::Tensor& mul_scalar_out(const at::Tensor& a, const c10::Scalar& b, at::Tensor& o) { return mul_ops::run_out(mul_op.rec[5], a, at::native::wrapped_scalar_tensor(b), {}, o); }

at::Tensor div_tensor(const at::Tensor& a, const at::Tensor& b) { return div_ops::run(div_op.rec[0], a, b, {}); }
at::Tensor& div_tensor_(at::Tensor& a, const at::Tensor& b) { return div_ops::run_out(div_op.rec[1], a, b, {}, a); }
at::Tensor& div_out(const at::Tensor& a, const at::Tensor& b, at::Tensor& o) { return div_ops::run_out(div_op.rec[2], a, b, {}, o); }
at::Tensor div_scalar(const at::Tensor& a, const c10::Scalar& b) { return div_ops::run(div_op.rec[3], a, at::native::wrapped_scalar_tensor(b), {}); }
at::Tensor& div_scalar_(at::Tensor& a, const c10::Scalar& b) { return div_ops::run_out(div_op.rec[4], a, at::native::wrapped_scalar_tensor(b), {}, a); }
at::Tensor& div_scalar_out(const at::Tensor& a, const c10::Scalar& b, at::Tensor& o) { return div_ops::run_out(div_op.rec[5], a, at::native::wrapped_scalar_tensor(b), {}, o); }
at::Tensor div_tensor_mode(const at::Tensor& a, const at::Tensor& b, OptMode m) { return div_ops::run(div_mode_rec[0], a, b, m); }
at::Tensor& div_tensor_mode_(at::Tensor& a, const at::Tensor& b, OptMode m) { return div_ops::run_out(div_mode_rec[1], a, b, m, a); }
at::Tensor& div_out_mode(const at::Tensor& a, const at::Tensor& b, OptMode m, at::Tensor& o) { return div_ops::run_out(div_mode_rec[2], a, b, m, o); }
at::Tensor div_scalar_mode(const at::Tensor& a, const c10::Scalar& b, OptMode m) { return div_ops::run(div_mode_rec[3], a, at::native::wrapped_scalar_tensor(b), m); }
at::Tensor& div_scalar_mode_(at::Tensor& a, const c10::Scalar& b, OptMode m) { return div_ops::run_out(div_mode_rec[4], a, at::native::wrapped_scalar_tensor(b), m, a); }
at::Tensor& div_scalar_mode_out(const at::Tensor& a, const c10::Scalar& b, OptMode m, at::Tensor& o) { return div_ops::run_out(div_mode_rec[5], a, at::native::wrapped_scalar_tensor(b), m, o); }

}  // namespace

// ---------------------------------------------------------------- C++ API

at::Tensor add(const at::Tensor& a, const at::Tensor& b, const c10::Scalar& alpha) { return add_ops::tensor(a, b, alpha); }
at::Tensor sub(const at::Tensor& a, const at::Tensor& b, const c10::Scalar& alpha) { return sub_ops::tensor(a, b, alpha); }
at::Tensor mul(const at::Tensor& a, const at::Tensor& b) { return mul_tensor(a, b); }
at::Tensor div(const at::Tensor& a, const at::Tensor& b, std::optional<c10::string_view> rounding_mode) {
  return div_tensor_mode(a, b, rounding_mode);
}
at::Tensor neg(const at::Tensor& x) { return neg_ops::fn(x); }
at::Tensor abs(const at::Tensor& x) { return abs_ops::fn(x); }
at::Tensor exp(const at::Tensor& x) { return exp_ops::fn(x); }
at::Tensor log(const at::Tensor& x) { return log_ops::fn(x); }
at::Tensor sqrt(const at::Tensor& x) { return sqrt_ops::fn(x); }
at::Tensor rsqrt(const at::Tensor& x) { return rsqrt_ops::fn(x); }
at::Tensor sigmoid(const at::Tensor& x) { return sigmoid_ops::fn(x); }
at::Tensor silu(const at::Tensor& x) { return silu_ops::fn(x); }
at::Tensor relu(const at::Tensor& x) { return relu_ops::fn(x); }
at::Tensor gelu(const at::Tensor& x, c10::string_view approximate) { return Gelu::fn(x, approximate); }

}  // namespace gemforge::ops

namespace gemforge {

void add_pointwise_ops(std::vector<OpEntry>& t) {
  using namespace ops;
  add_ops::add(t, true);
  sub_ops::add(t, true);
  rsub_ops::add(t, false);
  t.push_back(entry<&mul_tensor>(mul_op.rec[0]));
  t.push_back(entry<&mul_tensor_>(mul_op.rec[1]));
  t.push_back(entry<&mul_out>(mul_op.rec[2]));
  t.push_back(entry<&mul_scalar>(mul_op.rec[3]));
  t.push_back(entry<&mul_scalar_>(mul_op.rec[4]));
  t.push_back(entry<&mul_scalar_out>(mul_op.rec[5]));
  t.push_back(entry<&div_tensor>(div_op.rec[0]));
  t.push_back(entry<&div_tensor_>(div_op.rec[1]));
  t.push_back(entry<&div_out>(div_op.rec[2]));
  t.push_back(entry<&div_scalar>(div_op.rec[3]));
  t.push_back(entry<&div_scalar_>(div_op.rec[4]));
  t.push_back(entry<&div_scalar_out>(div_op.rec[5]));
  t.push_back(entry<&div_tensor_mode>(div_mode_rec[0]));
  t.push_back(entry<&div_tensor_mode_>(div_mode_rec[1]));
  t.push_back(entry<&div_out_mode>(div_mode_rec[2]));
  t.push_back(entry<&div_scalar_mode>(div_mode_rec[3]));
  t.push_back(entry<&div_scalar_mode_>(div_mode_rec[4]));
  t.push_back(entry<&div_scalar_mode_out>(div_mode_rec[5]));
  neg_ops::add(t);
  abs_ops::add(t);
  relu_ops::add(t);
  exp_ops::add(t);
  log_ops::add(t);
  sqrt_ops::add(t);
  rsqrt_ops::add(t);
  sigmoid_ops::add(t);
  silu_ops::add(t);
  t.push_back(entry<&Gelu::fn>(gelu_op.rec_fn));
  t.push_back(entry<&Gelu::inplace>(gelu_op.rec_inplace));
  t.push_back(entry<&Gelu::out>(gelu_op.rec_out));
}

}  // namespace gemforge
