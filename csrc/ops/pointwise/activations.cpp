// Activations and their backward ops (issue 3): leaky_relu, elu, celu, mish, hardsigmoid,
// hardswish, hardtanh, softplus, log_sigmoid_forward, threshold, glu, logit, and the backward ops
// of those and of sigmoid, tanh, silu, gelu. relu6, selu, log_sigmoid and log_sigmoid.out are
// CompositeImplicitAutograd: they decompose into hardtanh, elu and log_sigmoid_forward here.
//
// Each overload runs ATen's own argument checks and its TensorIterator build (so dtypes, out=,
// broadcasting and errors are ATen's), or the same-layout path where that build is not needed,
// then one launch of the op's body; glu_backward's launch writes both halves of grad_input.
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/pointwise/pointwise.h"

#include <ATen/Dispatch.h>
#include <ATen/MemoryOverlap.h>
#include <ATen/WrapDimUtils.h>
#include <ATen/native/Resize.h>
#include <ATen/ops/celu_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/elu_backward_cpu_dispatch.h>
#include <ATen/ops/elu_backward_cuda_dispatch.h>
#include <ATen/ops/elu_cpu_dispatch.h>
#include <ATen/ops/elu_cuda_dispatch.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/gelu_backward_cpu_dispatch.h>
#include <ATen/ops/gelu_backward_cuda_dispatch.h>
#include <ATen/ops/glu_backward_cpu_dispatch.h>
#include <ATen/ops/glu_backward_cuda_dispatch.h>
#include <ATen/ops/glu_cpu_dispatch.h>
#include <ATen/ops/glu_cuda_dispatch.h>
#include <ATen/ops/hardsigmoid_backward_cpu_dispatch.h>
#include <ATen/ops/hardsigmoid_backward_cuda_dispatch.h>
#include <ATen/ops/hardsigmoid_cpu_dispatch.h>
#include <ATen/ops/hardsigmoid_cuda_dispatch.h>
#include <ATen/ops/hardswish_backward_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/hardswish_backward_cpu_dispatch.h>
#include <ATen/ops/hardswish_backward_cuda_dispatch.h>
#include <ATen/ops/hardswish_cpu_dispatch.h>
#include <ATen/ops/hardswish_cuda_dispatch.h>
#include <ATen/ops/hardtanh_backward_cpu_dispatch.h>
#include <ATen/ops/hardtanh_backward_cuda_dispatch.h>
#include <ATen/ops/hardtanh_cpu_dispatch.h>
#include <ATen/ops/hardtanh_cuda_dispatch.h>
#include <ATen/ops/leaky_relu_backward_cpu_dispatch.h>
#include <ATen/ops/leaky_relu_backward_cuda_dispatch.h>
#include <ATen/ops/leaky_relu_cpu_dispatch.h>
#include <ATen/ops/leaky_relu_cuda_dispatch.h>
#include <ATen/ops/log_sigmoid_backward_cpu_dispatch.h>
#include <ATen/ops/log_sigmoid_backward_cuda_dispatch.h>
#include <ATen/ops/log_sigmoid_forward_cpu_dispatch.h>
#include <ATen/ops/log_sigmoid_forward_cuda_dispatch.h>
#include <ATen/ops/logit_backward_cpu_dispatch.h>
#include <ATen/ops/logit_backward_cuda_dispatch.h>
#include <ATen/ops/logit_cpu_dispatch.h>
#include <ATen/ops/logit_cuda_dispatch.h>
#include <ATen/ops/mish_backward_cpu_dispatch.h>
#include <ATen/ops/mish_backward_cuda_dispatch.h>
#include <ATen/ops/mish_cpu_dispatch.h>
#include <ATen/ops/mish_cuda_dispatch.h>
#include <ATen/ops/sigmoid_backward_cpu_dispatch.h>
#include <ATen/ops/sigmoid_backward_cuda_dispatch.h>
#include <ATen/ops/silu_backward_cpu_dispatch.h>
#include <ATen/ops/silu_backward_cuda_dispatch.h>
#include <ATen/ops/softplus_backward_cpu_dispatch.h>
#include <ATen/ops/softplus_backward_cuda_dispatch.h>
#include <ATen/ops/softplus_cpu_dispatch.h>
#include <ATen/ops/softplus_cuda_dispatch.h>
#include <ATen/ops/tanh_backward_cpu_dispatch.h>
#include <ATen/ops/tanh_backward_cuda_dispatch.h>
#include <ATen/ops/threshold_backward_cpu_dispatch.h>
#include <ATen/ops/threshold_backward_cuda_dispatch.h>
#include <ATen/ops/threshold_cpu_dispatch.h>
#include <ATen/ops/threshold_cuda_dispatch.h>

#include <optional>
#include <tuple>

namespace gemforge::ops {
namespace {

// ATen's kernel `name` on the backend `on_cuda` selects.
#define GF_ATEN(on_cuda, name, ...) ((on_cuda) ? at::cuda::name(__VA_ARGS__) : at::cpu::name(__VA_ARGS__))

using Scalar = c10::Scalar;

bool any_cuda(const at::Tensor& a, const at::Tensor& b) { return a.is_cuda() || b.is_cuda(); }

// `s` in dtype `t` as ATen's kernels convert their parameters (s.to<scalar_t>(), with its
// overflow check), where the rounding decides a comparison (threshold, integer bounds).
Scalar as_dtype(const Scalar& s, c10::ScalarType t) {
  Scalar r;
  AT_DISPATCH_ALL_TYPES_AND2(c10::kHalf, c10::kBFloat16, t, "as_dtype", [&] { r = Scalar(s.to<scalar_t>()); });
  return r;
}

// A composite out= form (celu.out, hardswish_backward.out) is ATen's functional op plus a copy:
// out must have the result's dtype, and may overlap the inputs. Those cases go to ATen's
// composite kernel; the rest is computed directly into out.
bool composite_out_to_aten(const at::Tensor& out, c10::ScalarType dtype, std::initializer_list<const at::Tensor*> in) {
  if (out.scalar_type() != dtype) return true;
  for (const at::Tensor* t : in) {
    const auto overlap = at::get_overlap_status(out, *t);
    if (overlap != at::MemOverlapStatus::No && overlap != at::MemOverlapStatus::Full) return true;
  }
  return false;
}

// ---------------------------------------------------------------- forward unary ops

// The functional and out= (also in-place: out = self) forms of a unary activation over ATen's
// unary iterator; `aten` calls ATen's kernel for what we leave to it.
template <typename Aten>
at::Tensor unary_fn(UnaryOp& op, OpRecord& rec, const at::Tensor& self, const Scalars& s, int64_t mode,
                    Aten&& aten) {
  if (const char* why = unsupported(op.dtypes, {&self})) {
    record(rec, true, why);
    return aten();
  }
  record(rec);
  at::Tensor out;
  if (!unary_into(op, out, self, s, mode)) return aten();
  return out;
}

template <typename Aten>
at::Tensor& unary_out(UnaryOp& op, OpRecord& rec, const at::Tensor& self, at::Tensor& out, const Scalars& s,
                      int64_t mode, Aten&& aten) {
  if (const char* why = unsupported(op.dtypes, {&self, &out})) {
    record(rec, true, why);
    return aten();
  }
  record(rec);
  if (!unary_into(op, out, self, s, mode)) return aten();
  return out;
}

UnaryOp leaky_relu_op{GF_POINTWISE_KERNELS("leaky_relu"), Promote::Same, kFloats,
                      {"leaky_relu"}, {"leaky_relu_"}, {"leaky_relu.out"}};
UnaryOp elu_op{GF_POINTWISE_KERNELS("elu"), Promote::Same, kFloats, {"elu"}, {"elu_"}, {"elu.out"}};
OpRecord celu_rec[3] = {{"celu"}, {"celu_"}, {"celu.out"}};  // runs elu's body
UnaryOp mish_op{GF_POINTWISE_KERNELS("mish"), Promote::Same, kFloats, {"mish"}, {"mish_"}, {"mish.out"}};
UnaryOp hardsigmoid_op{GF_POINTWISE_KERNELS("hardsigmoid"), Promote::Same, kFloats,
                       {"hardsigmoid"}, {"hardsigmoid_"}, {"hardsigmoid.out"}};
UnaryOp hardswish_op{GF_POINTWISE_KERNELS("hardswish"), Promote::Same, kFloats,
                     {"hardswish"}, {"hardswish_"}, {"hardswish.out"}};
UnaryOp hardtanh_op{GF_POINTWISE_KERNELS("hardtanh"), Promote::Same, kFloats | kInts,
                    {"hardtanh"}, {"hardtanh_"}, {"hardtanh.out"}};
UnaryOp softplus_op{GF_POINTWISE_KERNELS("softplus"), Promote::Same, kFloats,
                    {"softplus"}, {"softplus_"}, {"softplus.out"}};  // no softplus_ in aten
UnaryOp logit_op{GF_POINTWISE_KERNELS("logit"), Promote::IntToFloat, kAllReal, {"logit"}, {"logit_"}, {"logit.out"}};

// ---- leaky_relu

at::Tensor leaky_relu(const at::Tensor& self, const Scalar& slope) {
  return unary_fn(leaky_relu_op, leaky_relu_op.rec_fn, self, Scalars(slope), 0,
                  [&] { return GF_ATEN(self.is_cuda(), leaky_relu, self, slope); });
}
at::Tensor& leaky_relu_(at::Tensor& self, const Scalar& slope) {
  return unary_out(leaky_relu_op, leaky_relu_op.rec_inplace, self, self, Scalars(slope), 0,
                   [&]() -> at::Tensor& { return GF_ATEN(self.is_cuda(), leaky_relu_, self, slope); });
}
at::Tensor& leaky_relu_out(const at::Tensor& self, const Scalar& slope, at::Tensor& out) {
  return unary_out(leaky_relu_op, leaky_relu_op.rec_out, self, out, Scalars(slope), 0,
                   [&]() -> at::Tensor& { return GF_ATEN(out.is_cuda(), leaky_relu_out, out, self, slope); });
}

// ---- elu (selu decomposes into it) and celu = elu(alpha, 1, 1 / alpha)

at::Tensor elu(const at::Tensor& self, const Scalar& alpha, const Scalar& scale, const Scalar& in_scale) {
  return unary_fn(elu_op, elu_op.rec_fn, self, Scalars(alpha, scale, in_scale), 0,
                  [&] { return GF_ATEN(self.is_cuda(), elu, self, alpha, scale, in_scale); });
}
at::Tensor& elu_(at::Tensor& self, const Scalar& alpha, const Scalar& scale, const Scalar& in_scale) {
  return unary_out(elu_op, elu_op.rec_inplace, self, self, Scalars(alpha, scale, in_scale), 0,
                   [&]() -> at::Tensor& { return GF_ATEN(self.is_cuda(), elu_, self, alpha, scale, in_scale); });
}
at::Tensor& elu_out(const at::Tensor& self, const Scalar& alpha, const Scalar& scale, const Scalar& in_scale,
                    at::Tensor& out) {
  return unary_out(elu_op, elu_op.rec_out, self, out, Scalars(alpha, scale, in_scale), 0, [&]() -> at::Tensor& {
    return GF_ATEN(out.is_cuda(), elu_out, out, self, alpha, scale, in_scale);
  });
}

Scalar celu_inv_alpha(const Scalar& alpha) {
  TORCH_CHECK(alpha.to<double>() != 0, "ZeroDivisionError: alpha cannot be 0 for CELU");
  return Scalar(1. / alpha.to<double>());
}
at::Tensor celu(const at::Tensor& self, const Scalar& alpha) {
  const Scalar inv = celu_inv_alpha(alpha), one(1.0);
  return unary_fn(elu_op, celu_rec[0], self, Scalars(alpha, one, inv), 0,
                  [&] { return at::compositeexplicitautograd::celu(self, alpha); });
}
at::Tensor& celu_(at::Tensor& self, const Scalar& alpha) {
  const Scalar inv = celu_inv_alpha(alpha), one(1.0);
  return unary_out(elu_op, celu_rec[1], self, self, Scalars(alpha, one, inv), 0,
                   [&]() -> at::Tensor& { return at::compositeexplicitautograd::celu_(self, alpha); });
}
at::Tensor& celu_out(const at::Tensor& self, const Scalar& alpha, at::Tensor& out) {
  auto aten = [&]() -> at::Tensor& { return at::compositeexplicitautograd::celu_outf(self, alpha, out); };
  if (composite_out_to_aten(out, self.scalar_type(), {&self})) {
    record(celu_rec[2], true, "out");
    return aten();
  }
  const Scalar inv = celu_inv_alpha(alpha), one(1.0);
  return unary_out(elu_op, celu_rec[2], self, out, Scalars(alpha, one, inv), 0, aten);
}

// ---- mish, hardsigmoid, hardswish: no parameters

#define GF_PLAIN_ACTIVATION(name)                                                                          \
  at::Tensor name(const at::Tensor& self) {                                                                \
    return unary_fn(name##_op, name##_op.rec_fn, self, {}, 0,                                              \
                    [&] { return GF_ATEN(self.is_cuda(), name, self); });                                  \
  }                                                                                                        \
  at::Tensor& name##_(at::Tensor& self) {                                                                  \
    return unary_out(name##_op, name##_op.rec_inplace, self, self, {}, 0,                                  \
                     [&]() -> at::Tensor& { return GF_ATEN(self.is_cuda(), name##_, self); });             \
  }                                                                                                        \
  at::Tensor& name##_out(const at::Tensor& self, at::Tensor& out) {                                        \
    return unary_out(name##_op, name##_op.rec_out, self, out, {}, 0,                                       \
                     [&]() -> at::Tensor& { return GF_ATEN(out.is_cuda(), name##_out, out, self); });      \
  }
GF_PLAIN_ACTIVATION(mish)
GF_PLAIN_ACTIVATION(hardsigmoid)
GF_PLAIN_ACTIVATION(hardswish)
#undef GF_PLAIN_ACTIVATION

// ---- hardtanh (relu6 decomposes into it): ATen's hardtanh is clamp with the bounds converted
// to the tensor's type, integer bounds truncated first.

struct HardtanhBounds {
  Scalar lo, hi;
};
HardtanhBounds hardtanh_bounds(const at::Tensor& self, const Scalar& lo, const Scalar& hi) {
  const c10::ScalarType t = self.scalar_type();
  if (!c10::isIntegralType(t, /*includeBool=*/false)) {
    return {as_dtype(lo, compute_type(t)), as_dtype(hi, compute_type(t))};
  }
  const int64_t l = lo.toLong(), h = hi.toLong();
  TORCH_CHECK(t != c10::kByte || (l >= 0 && h >= 0), "cannot do hardtanh on an unsigned type with negative limits");
  return {as_dtype(l, t), as_dtype(h, t)};
}
at::Tensor hardtanh(const at::Tensor& self, const Scalar& lo, const Scalar& hi) {
  auto aten = [&] { return GF_ATEN(self.is_cuda(), hardtanh, self, lo, hi); };
  if (const char* why = unsupported(hardtanh_op.dtypes, {&self})) {
    record(hardtanh_op.rec_fn, true, why);
    return aten();
  }
  record(hardtanh_op.rec_fn);
  const HardtanhBounds b = hardtanh_bounds(self, lo, hi);
  at::Tensor out;
  if (!unary_into(hardtanh_op, out, self, Scalars(b.lo, b.hi))) return aten();
  return out;
}
at::Tensor& hardtanh_out_impl(OpRecord& rec, const at::Tensor& self, const Scalar& lo, const Scalar& hi,
                              at::Tensor& out) {
  auto aten = [&]() -> at::Tensor& { return GF_ATEN(out.is_cuda(), hardtanh_out, out, self, lo, hi); };
  if (const char* why = unsupported(hardtanh_op.dtypes, {&self, &out})) {
    record(rec, true, why);
    return aten();
  }
  record(rec);
  const HardtanhBounds b = hardtanh_bounds(self, lo, hi);
  if (!unary_into(hardtanh_op, out, self, Scalars(b.lo, b.hi))) return aten();
  return out;
}
at::Tensor& hardtanh_(at::Tensor& self, const Scalar& lo, const Scalar& hi) {
  return hardtanh_out_impl(hardtanh_op.rec_inplace, self, lo, hi, self);
}
at::Tensor& hardtanh_out(const at::Tensor& self, const Scalar& lo, const Scalar& hi, at::Tensor& out) {
  return hardtanh_out_impl(hardtanh_op.rec_out, self, lo, hi, out);
}

// ---- softplus (no in-place form)

at::Tensor softplus(const at::Tensor& self, const Scalar& beta, const Scalar& threshold) {
  return unary_fn(softplus_op, softplus_op.rec_fn, self, Scalars(beta, threshold), 0,
                  [&] { return GF_ATEN(self.is_cuda(), softplus, self, beta, threshold); });
}
at::Tensor& softplus_out(const at::Tensor& self, const Scalar& beta, const Scalar& threshold, at::Tensor& out) {
  return unary_out(softplus_op, softplus_op.rec_out, self, out, Scalars(beta, threshold), 0, [&]() -> at::Tensor& {
    return GF_ATEN(out.is_cuda(), softplus_out, out, self, beta, threshold);
  });
}

// ---- logit: P clamps to [eps, 1 - eps] (ATen clamps only for a given eps >= 0)

at::Tensor logit(const at::Tensor& self, std::optional<double> eps) {
  const Scalar e(eps.value_or(-1.0));
  const bool clamp = eps.has_value() && *eps >= 0;
  return unary_fn(logit_op, logit_op.rec_fn, self, clamp ? Scalars(e) : Scalars(), clamp,
                  [&] { return GF_ATEN(self.is_cuda(), logit, self, eps); });
}
at::Tensor& logit_(at::Tensor& self, std::optional<double> eps) {
  const Scalar e(eps.value_or(-1.0));
  const bool clamp = eps.has_value() && *eps >= 0;
  return unary_out(logit_op, logit_op.rec_inplace, self, self, clamp ? Scalars(e) : Scalars(), clamp,
                   [&]() -> at::Tensor& { return GF_ATEN(self.is_cuda(), logit_, self, eps); });
}
at::Tensor& logit_out(const at::Tensor& self, std::optional<double> eps, at::Tensor& out) {
  const Scalar e(eps.value_or(-1.0));
  const bool clamp = eps.has_value() && *eps >= 0;
  return unary_out(logit_op, logit_op.rec_out, self, out, clamp ? Scalars(e) : Scalars(), clamp,
                   [&]() -> at::Tensor& { return GF_ATEN(out.is_cuda(), logit_out, out, self, eps); });
}

// ---- threshold: out = self <= threshold ? value : self, over ATen's promoting iterator.
// ATen converts both scalars to the type it computes in (the output's on CUDA, the common
// type on the CPU: the iterator's dtype(0) either way), so the comparison sees the same
// rounded threshold.

PointwiseKernels threshold_kernels = GF_POINTWISE_KERNELS("threshold");
PointwiseKernels threshold_backward_kernels = GF_POINTWISE_KERNELS("threshold_backward");
OpRecord threshold_rec[3] = {{"threshold"}, {"threshold_"}, {"threshold.out"}};
constexpr uint32_t kThresholdDtypes = kFloats | kInts;

// result = x <= threshold ? value : other; other is absent in threshold (it is self).
at::TensorIterator threshold_iter(const at::Tensor& out, const at::Tensor& x, const at::Tensor* other) {
  at::TensorIteratorConfig config;
  config.set_check_mem_overlap(false).add_output(out).add_const_input(x);  // idempotent: overlap is fine
  if (other) config.add_const_input(*other);
  return config.allow_cpu_scalars(true)
      .promote_inputs_to_common_dtype(true)
      .cast_common_dtype_to_outputs(true)
      .enforce_safe_casting_to_output(true)
      .build();
}

bool threshold_into(at::Tensor& out, const at::Tensor& self, const Scalar& th, const Scalar& value) {
  auto iter = threshold_iter(out, self, nullptr);
  const c10::ScalarType t = iter.dtype(0);
  if (!run_pointwise(threshold_kernels, iter, compute_type(t), Scalars(as_dtype(th, t), as_dtype(value, t)))) {
    return false;
  }
  finish_pointwise(iter, out);
  return true;
}

at::Tensor threshold(const at::Tensor& self, const Scalar& th, const Scalar& value) {
  auto aten = [&] { return GF_ATEN(self.is_cuda(), threshold, self, th, value); };
  if (const char* why = unsupported(kThresholdDtypes, {&self})) {
    record(threshold_rec[0], true, why);
    return aten();
  }
  record(threshold_rec[0]);
  at::Tensor out;
  if (!threshold_into(out, self, th, value)) return aten();
  return out;
}
at::Tensor& threshold_out_impl(OpRecord& rec, const at::Tensor& self, const Scalar& th, const Scalar& value,
                               at::Tensor& out) {
  auto aten = [&]() -> at::Tensor& { return GF_ATEN(out.is_cuda(), threshold_out, out, self, th, value); };
  if (const char* why = unsupported(kThresholdDtypes, {&self, &out})) {
    record(rec, true, why);
    return aten();
  }
  record(rec);
  if (!threshold_into(out, self, th, value)) return aten();
  return out;
}
at::Tensor& threshold_(at::Tensor& self, const Scalar& th, const Scalar& value) {
  return threshold_out_impl(threshold_rec[1], self, th, value, self);
}
at::Tensor& threshold_out(const at::Tensor& self, const Scalar& th, const Scalar& value, at::Tensor& out) {
  return threshold_out_impl(threshold_rec[2], self, th, value, out);
}

// ---- log_sigmoid_forward: ATen's CUDA form, whose buffer is empty and unused (the backward
// recomputes from self); on the CPU backend too, so both backends agree.

PointwiseKernels log_sigmoid_kernels = GF_POINTWISE_KERNELS("log_sigmoid");
OpRecord log_sigmoid_rec[2] = {{"log_sigmoid_forward"}, {"log_sigmoid_forward.output"}};

bool log_sigmoid_into(at::Tensor& out, const at::Tensor& self) {
  auto iter = at::TensorIteratorConfig().add_output(out).add_const_input(self).build();
  if (!run_pointwise(log_sigmoid_kernels, iter, compute_type(iter.common_dtype()))) return false;
  finish_pointwise(iter, out);
  return true;
}

std::tuple<at::Tensor, at::Tensor> log_sigmoid_forward(const at::Tensor& self) {
  auto aten = [&] { return GF_ATEN(self.is_cuda(), log_sigmoid_forward, self); };
  if (const char* why = unsupported(kFloats, {&self})) {
    record(log_sigmoid_rec[0], true, why);
    return aten();
  }
  record(log_sigmoid_rec[0]);
  at::Tensor out = at::empty_like(self);
  if (!log_sigmoid_into(out, self)) return aten();
  return {out, at::empty({0}, self.options())};
}
std::tuple<at::Tensor&, at::Tensor&> log_sigmoid_forward_output(const at::Tensor& self, at::Tensor& out,
                                                                  at::Tensor& buffer) {
  auto aten = [&] { return GF_ATEN(out.is_cuda(), log_sigmoid_forward_outf, self, out, buffer); };
  if (const char* why = unsupported(kFloats, {&self, &out})) {
    record(log_sigmoid_rec[1], true, why);
    return aten();
  }
  record(log_sigmoid_rec[1]);
  if (!log_sigmoid_into(out, self)) return aten();
  return {out, buffer};
}

// ---- glu: a * sigmoid(b) over the two halves of self along dim, as views (ATen's checks).

PointwiseKernels glu_kernels = GF_POINTWISE_KERNELS("glu");
OpRecord glu_rec[2] = {{"glu"}, {"glu.out"}};

struct Halves {
  int64_t dim, half;
};
Halves glu_halves(const at::Tensor& self, int64_t dim) {
  TORCH_CHECK(self.dim() > 0, "glu does not support 0-dimensional tensors");
  const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
  const int64_t n = self.size(d);
  TORCH_CHECK(n % 2 == 0, "Halving dimension must be even, but dimension ", d, " is size ", n);
  return {d, n / 2};
}

bool glu_into(at::Tensor& out, const at::Tensor& self, int64_t dim) {
  const Halves h = glu_halves(self, dim);
  const at::Tensor a = self.narrow(h.dim, 0, h.half);
  const at::Tensor b = self.narrow(h.dim, h.half, h.half);
  return binary_into(glu_kernels, Binary::Plain, out, a, b);
}

at::Tensor glu(const at::Tensor& self, int64_t dim) {
  auto aten = [&] { return GF_ATEN(self.is_cuda(), glu, self, dim); };
  if (const char* why = unsupported(kFloats, {&self})) {
    record(glu_rec[0], true, why);
    return aten();
  }
  record(glu_rec[0]);
  at::Tensor out;
  if (!glu_into(out, self, dim)) return aten();
  return out;
}
at::Tensor& glu_out(const at::Tensor& self, int64_t dim, at::Tensor& out) {
  auto aten = [&]() -> at::Tensor& { return GF_ATEN(out.is_cuda(), glu_out, out, self, dim); };
  if (const char* why = unsupported(kFloats, {&self, &out})) {
    record(glu_rec[1], true, why);
    return aten();
  }
  record(glu_rec[1]);
  if (!glu_into(out, self, dim)) return aten();
  return out;
}

// ---------------------------------------------------------------- backward ops

// A backward op: grad_input = body(a, b) over ATen's binary iterator (type promotion,
// broadcasting, out= casting); its functional and out= (grad_input=) forms.
struct BackwardOp {
  PointwiseKernels kernels;
  uint32_t dtypes;
  OpRecord rec_fn, rec_out;
};

template <typename Aten>
at::Tensor backward_fn(BackwardOp& op, const at::Tensor& a, const at::Tensor& b, const Scalars& s, int64_t mode,
                       Aten&& aten) {
  if (const char* why = unsupported(op.dtypes, {&a, &b})) {
    record(op.rec_fn, true, why);
    return aten();
  }
  record(op.rec_fn);
  at::Tensor out;
  if (!binary_into(op.kernels, Binary::Plain, out, a, b, s, mode)) return aten();
  return out;
}

template <typename Aten>
at::Tensor& backward_out(BackwardOp& op, const at::Tensor& a, const at::Tensor& b, at::Tensor& out, const Scalars& s,
                         int64_t mode, Aten&& aten) {
  if (const char* why = unsupported(op.dtypes, {&a, &b, &out})) {
    record(op.rec_out, true, why);
    return aten();
  }
  record(op.rec_out);
  if (!binary_into(op.kernels, Binary::Plain, out, a, b, s, mode)) return aten();
  return out;
}

#define GF_BACKWARD_OP(name, out_name) \
  BackwardOp name##_op{GF_POINTWISE_KERNELS(#name), kFloats, {#name}, {#name "." out_name}};
GF_BACKWARD_OP(sigmoid_backward, "grad_input")
GF_BACKWARD_OP(tanh_backward, "grad_input")
GF_BACKWARD_OP(silu_backward, "grad_input")
// fp16/bf16 results: the fitted erf (activations.py gelu_backward)
BackwardOp gelu_backward_op{GF_POINTWISE_KERNELS_HALF("gelu_backward"), kFloats, {"gelu_backward"},
                            {"gelu_backward.grad_input"}};
GF_BACKWARD_OP(elu_backward, "grad_input")
GF_BACKWARD_OP(hardswish_backward, "out")
GF_BACKWARD_OP(hardsigmoid_backward, "grad_input")
GF_BACKWARD_OP(hardtanh_backward, "grad_input")
GF_BACKWARD_OP(leaky_relu_backward, "grad_input")
GF_BACKWARD_OP(softplus_backward, "grad_input")
GF_BACKWARD_OP(logit_backward, "grad_input")
#undef GF_BACKWARD_OP
OpRecord mish_backward_rec{"mish_backward"};  // functional only
PointwiseKernels mish_backward_kernels = GF_POINTWISE_KERNELS("mish_backward");

// ---- (grad, x) ops without parameters: sigmoid, tanh, silu, hardsigmoid backward

#define GF_PLAIN_BACKWARD(name)                                                                             \
  at::Tensor name(const at::Tensor& g, const at::Tensor& x) {                                               \
    return backward_fn(name##_op, g, x, {}, 0, [&] { return GF_ATEN(any_cuda(g, x), name, g, x); });        \
  }                                                                                                         \
  at::Tensor& name##_grad_input(const at::Tensor& g, const at::Tensor& x, at::Tensor& out) {                \
    return backward_out(name##_op, g, x, out, {}, 0,                                                        \
                        [&]() -> at::Tensor& { return GF_ATEN(out.is_cuda(), name##_out, out, g, x); });    \
  }
GF_PLAIN_BACKWARD(sigmoid_backward)
GF_PLAIN_BACKWARD(tanh_backward)
GF_PLAIN_BACKWARD(silu_backward)
GF_PLAIN_BACKWARD(hardsigmoid_backward)
#undef GF_PLAIN_BACKWARD

// ---- hardswish_backward (its out= form is composite in ATen) and mish_backward

at::Tensor hardswish_backward(const at::Tensor& g, const at::Tensor& x) {
  return backward_fn(hardswish_backward_op, g, x, {}, 0,
                     [&] { return GF_ATEN(any_cuda(g, x), hardswish_backward, g, x); });
}
at::Tensor& hardswish_backward_out(const at::Tensor& g, const at::Tensor& x, at::Tensor& out) {
  auto aten = [&]() -> at::Tensor& { return at::compositeexplicitautograd::hardswish_backward_outf(g, x, out); };
  if (g.scalar_type() != x.scalar_type() || composite_out_to_aten(out, g.scalar_type(), {&g, &x})) {
    record(hardswish_backward_op.rec_out, true, "out");
    return aten();
  }
  return backward_out(hardswish_backward_op, g, x, out, {}, 0, aten);
}

at::Tensor mish_backward(const at::Tensor& g, const at::Tensor& x) {
  auto aten = [&] { return GF_ATEN(any_cuda(g, x), mish_backward, g, x); };
  if (const char* why = unsupported(kFloats, {&g, &x})) {
    record(mish_backward_rec, true, why);
    return aten();
  }
  record(mish_backward_rec);
  at::Tensor out = at::empty({0}, x.options());  // as ATen: the result has self's dtype
  if (!binary_into(mish_backward_kernels, Binary::Plain, out, g, x)) return aten();
  return out;
}

// ---- gelu_backward: P = approximation

at::Tensor gelu_backward(const at::Tensor& g, const at::Tensor& x, c10::string_view approximate) {
  const int64_t mode = gelu_approximation(approximate);
  return backward_fn(gelu_backward_op, g, x, {}, mode,
                     [&] { return GF_ATEN(any_cuda(g, x), gelu_backward, g, x, approximate); });
}
at::Tensor& gelu_backward_grad_input(const at::Tensor& g, const at::Tensor& x, c10::string_view approximate,
                                     at::Tensor& out) {
  const int64_t mode = gelu_approximation(approximate);
  return backward_out(gelu_backward_op, g, x, out, {}, mode, [&]() -> at::Tensor& {
    return GF_ATEN(out.is_cuda(), gelu_backward_out, out, g, x, approximate);
  });
}

// ---- elu_backward: s0..s2 = alpha, scale, input_scale; P = is_result

void elu_backward_check(const Scalar& alpha, bool is_result) {
  TORCH_CHECK(!is_result || alpha.to<double>() >= 0.0,
              "In-place elu backward calculation is triggered with a negative slope which is not supported. "
              "This is caused by calling in-place forward function with a negative slope, "
              "please call out-of-place version instead.");
}
at::Tensor elu_backward(const at::Tensor& g, const Scalar& alpha, const Scalar& scale, const Scalar& in_scale,
                        bool is_result, const at::Tensor& y) {
  elu_backward_check(alpha, is_result);
  return backward_fn(elu_backward_op, g, y, Scalars(alpha, scale, in_scale), is_result, [&] {
    return GF_ATEN(any_cuda(g, y), elu_backward, g, alpha, scale, in_scale, is_result, y);
  });
}
at::Tensor& elu_backward_grad_input(const at::Tensor& g, const Scalar& alpha, const Scalar& scale,
                                    const Scalar& in_scale, bool is_result, const at::Tensor& y, at::Tensor& out) {
  elu_backward_check(alpha, is_result);
  return backward_out(elu_backward_op, g, y, out, Scalars(alpha, scale, in_scale), is_result, [&]() -> at::Tensor& {
    return GF_ATEN(out.is_cuda(), elu_backward_out, out, g, alpha, scale, in_scale, is_result, y);
  });
}

// ---- hardtanh_backward, softplus_backward: two parameters

at::Tensor hardtanh_backward(const at::Tensor& g, const at::Tensor& x, const Scalar& lo, const Scalar& hi) {
  return backward_fn(hardtanh_backward_op, g, x, Scalars(lo, hi), 0,
                     [&] { return GF_ATEN(any_cuda(g, x), hardtanh_backward, g, x, lo, hi); });
}
at::Tensor& hardtanh_backward_grad_input(const at::Tensor& g, const at::Tensor& x, const Scalar& lo, const Scalar& hi,
                                         at::Tensor& out) {
  return backward_out(hardtanh_backward_op, g, x, out, Scalars(lo, hi), 0, [&]() -> at::Tensor& {
    return GF_ATEN(out.is_cuda(), hardtanh_backward_out, out, g, x, lo, hi);
  });
}

at::Tensor softplus_backward(const at::Tensor& g, const at::Tensor& x, const Scalar& beta, const Scalar& th) {
  return backward_fn(softplus_backward_op, g, x, Scalars(beta, th), 0,
                     [&] { return GF_ATEN(any_cuda(g, x), softplus_backward, g, x, beta, th); });
}
at::Tensor& softplus_backward_grad_input(const at::Tensor& g, const at::Tensor& x, const Scalar& beta,
                                         const Scalar& th, at::Tensor& out) {
  return backward_out(softplus_backward_op, g, x, out, Scalars(beta, th), 0, [&]() -> at::Tensor& {
    return GF_ATEN(out.is_cuda(), softplus_backward_out, out, g, x, beta, th);
  });
}

// ---- leaky_relu_backward: ATen iterates (self, grad)

void leaky_relu_backward_check(const Scalar& slope, bool is_result) {
  TORCH_CHECK(!is_result || slope.to<double>() >= 0.0,
              "In-place leakyReLu backward calculation is triggered with a negative slope which is not supported. "
              "This is caused by calling in-place forward function with a negative slope, "
              "please call out-of-place version instead. File an issue at https://github.com/pytorch/pytorch if you "
              "do require supporting in-place leakRelu backward calculation with negative slope");
}
at::Tensor leaky_relu_backward(const at::Tensor& g, const at::Tensor& x, const Scalar& slope, bool is_result) {
  leaky_relu_backward_check(slope, is_result);
  return backward_fn(leaky_relu_backward_op, x, g, Scalars(slope), 0,
                     [&] { return GF_ATEN(any_cuda(g, x), leaky_relu_backward, g, x, slope, is_result); });
}
at::Tensor& leaky_relu_backward_grad_input(const at::Tensor& g, const at::Tensor& x, const Scalar& slope,
                                           bool is_result, at::Tensor& out) {
  leaky_relu_backward_check(slope, is_result);
  return backward_out(leaky_relu_backward_op, x, g, out, Scalars(slope), 0, [&]() -> at::Tensor& {
    return GF_ATEN(out.is_cuda(), leaky_relu_backward_out, out, g, x, slope, is_result);
  });
}

// ---- logit_backward: P clamps as logit does

at::Tensor logit_backward(const at::Tensor& g, const at::Tensor& x, std::optional<double> eps) {
  const Scalar e(eps.value_or(-1.0));
  const bool clamp = eps.has_value() && *eps >= 0;
  return backward_fn(logit_backward_op, g, x, clamp ? Scalars(e) : Scalars(), clamp,
                     [&] { return GF_ATEN(any_cuda(g, x), logit_backward, g, x, eps); });
}
at::Tensor& logit_backward_grad_input(const at::Tensor& g, const at::Tensor& x, std::optional<double> eps,
                                      at::Tensor& out) {
  const Scalar e(eps.value_or(-1.0));
  const bool clamp = eps.has_value() && *eps >= 0;
  return backward_out(logit_backward_op, g, x, out, clamp ? Scalars(e) : Scalars(), clamp, [&]() -> at::Tensor& {
    return GF_ATEN(out.is_cuda(), logit_backward_out, out, g, x, eps);
  });
}

// ---- threshold_backward: self <= threshold ? 0 : grad, over threshold's iterator (self, grad)

OpRecord threshold_backward_rec[2] = {{"threshold_backward"}, {"threshold_backward.grad_input"}};

bool threshold_backward_into(at::Tensor& out, const at::Tensor& g, const at::Tensor& x, const Scalar& th) {
  auto iter = threshold_iter(out, x, &g);
  const c10::ScalarType t = iter.dtype(0);
  if (!run_pointwise(threshold_backward_kernels, iter, compute_type(t), Scalars(as_dtype(th, t)))) return false;
  finish_pointwise(iter, out);
  return true;
}
at::Tensor threshold_backward(const at::Tensor& g, const at::Tensor& x, const Scalar& th) {
  auto aten = [&] { return GF_ATEN(any_cuda(g, x), threshold_backward, g, x, th); };
  if (const char* why = unsupported(kThresholdDtypes, {&g, &x})) {
    record(threshold_backward_rec[0], true, why);
    return aten();
  }
  record(threshold_backward_rec[0]);
  at::Tensor out;
  if (!threshold_backward_into(out, g, x, th)) return aten();
  return out;
}
at::Tensor& threshold_backward_grad_input(const at::Tensor& g, const at::Tensor& x, const Scalar& th,
                                          at::Tensor& out) {
  auto aten = [&]() -> at::Tensor& { return GF_ATEN(out.is_cuda(), threshold_backward_out, out, g, x, th); };
  if (const char* why = unsupported(kThresholdDtypes, {&g, &x, &out})) {
    record(threshold_backward_rec[1], true, why);
    return aten();
  }
  record(threshold_backward_rec[1]);
  if (!threshold_backward_into(out, g, x, th)) return aten();
  return out;
}

// ---- log_sigmoid_backward: ATen's CUDA form (the buffer is unused), iterating (self, grad)

PointwiseKernels log_sigmoid_backward_kernels = GF_POINTWISE_KERNELS("log_sigmoid_backward");
OpRecord log_sigmoid_backward_rec[2] = {{"log_sigmoid_backward"}, {"log_sigmoid_backward.grad_input"}};

bool log_sigmoid_backward_into(at::Tensor& out, const at::Tensor& g, const at::Tensor& x) {
  auto iter = at::TensorIteratorConfig().add_output(out).add_const_input(x).add_const_input(g).build();
  if (!run_pointwise(log_sigmoid_backward_kernels, iter, compute_type(iter.common_dtype()))) return false;
  finish_pointwise(iter, out);
  return true;
}
// ATen's CPU kernel reads the buffer that its CPU forward fills; ours leaves it empty.
at::Tensor log_sigmoid_buffer_for_aten(const at::Tensor& x, const at::Tensor& buffer) {
  if (x.is_cuda() || buffer.sizes() == x.sizes()) return buffer;
  return std::get<1>(at::cpu::log_sigmoid_forward(x));
}
at::Tensor log_sigmoid_backward(const at::Tensor& g, const at::Tensor& x, const at::Tensor& buffer) {
  auto aten = [&] {
    return GF_ATEN(any_cuda(g, x), log_sigmoid_backward, g, x, log_sigmoid_buffer_for_aten(x, buffer));
  };
  if (const char* why = unsupported(kFloats, {&g, &x})) {
    record(log_sigmoid_backward_rec[0], true, why);
    return aten();
  }
  record(log_sigmoid_backward_rec[0]);
  at::Tensor out = at::empty_like(g);
  if (!log_sigmoid_backward_into(out, g, x)) return aten();
  return out;
}
at::Tensor& log_sigmoid_backward_grad_input(const at::Tensor& g, const at::Tensor& x, const at::Tensor& buffer,
                                            at::Tensor& out) {
  auto aten = [&]() -> at::Tensor& {
    return GF_ATEN(out.is_cuda(), log_sigmoid_backward_out, out, g, x, log_sigmoid_buffer_for_aten(x, buffer));
  };
  if (const char* why = unsupported(kFloats, {&g, &x, &out})) {
    record(log_sigmoid_backward_rec[1], true, why);
    return aten();
  }
  record(log_sigmoid_backward_rec[1]);
  if (!log_sigmoid_backward_into(out, g, x)) return aten();
  return out;
}

// ---- glu_backward: ATen's CUDA checks; one launch writes both halves of grad_input (a flat
// launch when the halves are contiguous blocks, else a two-output iterator). A grad_input that
// overlaps the inputs goes to ATen.

PointwiseKernels glu_backward_kernels = GF_POINTWISE_KERNELS("glu_backward");
OpRecord glu_backward_rec[2] = {{"glu_backward"}, {"glu_backward.grad_input"}};

// grad_input: x's shape, not overlapping the inputs (the callers see to it).
bool glu_backward_into(at::Tensor& grad_input, const at::Tensor& g, const at::Tensor& x, const Halves& h) {
  // No dim before `dim` larger than 1: each half of a contiguous x (and of grad_input) is one
  // contiguous block, so one flat launch does without the iterator (most of a small op's host
  // time). The first halves start at x's and grad_input's own data: the tensors serve as they are.
  int64_t outer = 1;
  for (int64_t d = 0; d < h.dim; ++d) outer *= x.size(d);
  if (outer == 1 && x.is_contiguous() && g.is_contiguous() && grad_input.is_contiguous() &&
      g.scalar_type() == x.scalar_type() && grad_input.scalar_type() == x.scalar_type() &&
      g.device() == x.device() && grad_input.device() == x.device()) {
    if (g.numel() > 0) {
      const at::Tensor b = x.narrow(h.dim, h.half, h.half), gb = grad_input.narrow(h.dim, h.half, h.half);
      launch_flat(glu_backward_kernels, g.numel(), grad_input, &gb, {&x, &b, &g}, compute_type(x.scalar_type()));
    }
    return true;
  }
  const at::Tensor a = x.narrow(h.dim, 0, h.half), b = x.narrow(h.dim, h.half, h.half);
  const at::Tensor ga = grad_input.narrow(h.dim, 0, h.half), gb = grad_input.narrow(h.dim, h.half, h.half);
  auto iter = at::TensorIteratorConfig()
                  .add_output(ga)
                  .add_output(gb)
                  .add_const_input(a)
                  .add_const_input(b)
                  .add_const_input(g)
                  .build();
  return run_pointwise(glu_backward_kernels, iter, compute_type(iter.common_dtype()));
}
Halves glu_backward_checks(const at::Tensor& g, const at::Tensor& x, int64_t dim) {
  const Halves h = glu_halves(x, dim);
  at::DimVector half_shape(x.sizes());
  half_shape[h.dim] = h.half;
  TORCH_CHECK(g.sizes() == at::IntArrayRef(half_shape));
  return h;
}

at::Tensor glu_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim) {
  auto aten = [&] { return GF_ATEN(any_cuda(g, x), glu_backward, g, x, dim); };
  if (const char* why = unsupported(kFloats, {&g, &x})) {
    record(glu_backward_rec[0], true, why);
    return aten();
  }
  record(glu_backward_rec[0]);
  const Halves h = glu_backward_checks(g, x, dim);
  at::Tensor grad_input = at::empty(x.sizes(), x.options());
  if (!glu_backward_into(grad_input, g, x, h)) return aten();
  return grad_input;
}
at::Tensor& glu_backward_grad_input(const at::Tensor& g, const at::Tensor& x, int64_t dim, at::Tensor& grad_input) {
  auto aten = [&]() -> at::Tensor& { return GF_ATEN(grad_input.is_cuda(), glu_backward_out, grad_input, g, x, dim); };
  const char* why = unsupported(kFloats, {&g, &x, &grad_input});
  if (!why && (at::get_overlap_status(grad_input, x) != at::MemOverlapStatus::No ||
               at::get_overlap_status(grad_input, g) != at::MemOverlapStatus::No)) {
    why = "overlap";
  }
  if (why) {
    record(glu_backward_rec[1], true, why);
    return aten();
  }
  record(glu_backward_rec[1]);
  const Halves h = glu_backward_checks(g, x, dim);
  at::native::resize_output(grad_input, x.sizes());
  if (!glu_backward_into(grad_input, g, x, h)) return aten();
  return grad_input;
}

}  // namespace
}  // namespace gemforge::ops

namespace gemforge {

void add_activations_ops(std::vector<OpEntry>& t) {
  using namespace ops;
  // forward
  t.push_back(entry<&leaky_relu>(leaky_relu_op.rec_fn));
  t.push_back(entry<&leaky_relu_>(leaky_relu_op.rec_inplace));
  t.push_back(entry<&leaky_relu_out>(leaky_relu_op.rec_out));
  t.push_back(entry<&elu>(elu_op.rec_fn));
  t.push_back(entry<&elu_>(elu_op.rec_inplace));
  t.push_back(entry<&elu_out>(elu_op.rec_out));
  t.push_back(entry<&celu>(celu_rec[0]));
  t.push_back(entry<&celu_>(celu_rec[1]));
  t.push_back(entry<&celu_out>(celu_rec[2]));
  t.push_back(entry<&mish>(mish_op.rec_fn));
  t.push_back(entry<&mish_>(mish_op.rec_inplace));
  t.push_back(entry<&mish_out>(mish_op.rec_out));
  t.push_back(entry<&hardsigmoid>(hardsigmoid_op.rec_fn));
  t.push_back(entry<&hardsigmoid_>(hardsigmoid_op.rec_inplace));
  t.push_back(entry<&hardsigmoid_out>(hardsigmoid_op.rec_out));
  t.push_back(entry<&hardswish>(hardswish_op.rec_fn));
  t.push_back(entry<&hardswish_>(hardswish_op.rec_inplace));
  t.push_back(entry<&hardswish_out>(hardswish_op.rec_out));
  t.push_back(entry<&hardtanh>(hardtanh_op.rec_fn));
  t.push_back(entry<&hardtanh_>(hardtanh_op.rec_inplace));
  t.push_back(entry<&hardtanh_out>(hardtanh_op.rec_out));
  t.push_back(entry<&softplus>(softplus_op.rec_fn));
  t.push_back(entry<&softplus_out>(softplus_op.rec_out));
  t.push_back(entry<&logit>(logit_op.rec_fn));
  t.push_back(entry<&logit_>(logit_op.rec_inplace));
  t.push_back(entry<&logit_out>(logit_op.rec_out));
  t.push_back(entry<&threshold>(threshold_rec[0]));
  t.push_back(entry<&threshold_>(threshold_rec[1]));
  t.push_back(entry<&threshold_out>(threshold_rec[2]));
  t.push_back(entry<&log_sigmoid_forward>(log_sigmoid_rec[0]));
  t.push_back(entry<&log_sigmoid_forward_output>(log_sigmoid_rec[1]));
  t.push_back(entry<&glu>(glu_rec[0]));
  t.push_back(entry<&glu_out>(glu_rec[1]));
  // backward
  t.push_back(entry<&threshold_backward>(threshold_backward_rec[0]));
  t.push_back(entry<&threshold_backward_grad_input>(threshold_backward_rec[1]));
  t.push_back(entry<&sigmoid_backward>(sigmoid_backward_op.rec_fn));
  t.push_back(entry<&sigmoid_backward_grad_input>(sigmoid_backward_op.rec_out));
  t.push_back(entry<&tanh_backward>(tanh_backward_op.rec_fn));
  t.push_back(entry<&tanh_backward_grad_input>(tanh_backward_op.rec_out));
  t.push_back(entry<&silu_backward>(silu_backward_op.rec_fn));
  t.push_back(entry<&silu_backward_grad_input>(silu_backward_op.rec_out));
  t.push_back(entry<&gelu_backward>(gelu_backward_op.rec_fn));
  t.push_back(entry<&gelu_backward_grad_input>(gelu_backward_op.rec_out));
  t.push_back(entry<&elu_backward>(elu_backward_op.rec_fn));
  t.push_back(entry<&elu_backward_grad_input>(elu_backward_op.rec_out));
  t.push_back(entry<&hardswish_backward>(hardswish_backward_op.rec_fn));
  t.push_back(entry<&hardswish_backward_out>(hardswish_backward_op.rec_out));
  t.push_back(entry<&hardsigmoid_backward>(hardsigmoid_backward_op.rec_fn));
  t.push_back(entry<&hardsigmoid_backward_grad_input>(hardsigmoid_backward_op.rec_out));
  t.push_back(entry<&hardtanh_backward>(hardtanh_backward_op.rec_fn));
  t.push_back(entry<&hardtanh_backward_grad_input>(hardtanh_backward_op.rec_out));
  t.push_back(entry<&leaky_relu_backward>(leaky_relu_backward_op.rec_fn));
  t.push_back(entry<&leaky_relu_backward_grad_input>(leaky_relu_backward_op.rec_out));
  t.push_back(entry<&softplus_backward>(softplus_backward_op.rec_fn));
  t.push_back(entry<&softplus_backward_grad_input>(softplus_backward_op.rec_out));
  t.push_back(entry<&log_sigmoid_backward>(log_sigmoid_backward_rec[0]));
  t.push_back(entry<&log_sigmoid_backward_grad_input>(log_sigmoid_backward_rec[1]));
  t.push_back(entry<&glu_backward>(glu_backward_rec[0]));
  t.push_back(entry<&glu_backward_grad_input>(glu_backward_rec[1]));
  t.push_back(entry<&mish_backward>(mish_backward_rec));
  t.push_back(entry<&logit_backward>(logit_backward_op.rec_fn));
  t.push_back(entry<&logit_backward_grad_input>(logit_backward_op.rec_out));
}

}  // namespace gemforge
