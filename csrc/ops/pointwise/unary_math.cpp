// Unary math (issue 3): exp2, expm1, log1p, log2, log10, reciprocal, trigonometric and hyperbolic
// functions, erf/erfc/erfinv, sign and rounding, angle, classification (isnan, ...), nan_to_num,
// bitwise_not and logical_not. Bodies: python/gemforge/kernels/pointwise_ops/unary_math.py.
//
// Not registered, because they never reach a backend kernel of their own: square (ATen's
// composite is pow(self, 2), the binary family's pow.Tensor_Scalar; a CUDA kernel here would
// also cut square off its autograd formula) and resolve_neg / resolve_conj (they return self
// for tensors without the neg/conj bit, and clone() otherwise).
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/pointwise/pointwise.h"

#include <ATen/TensorIterator.h>
#include <ATen/ops/acos_cpu_dispatch.h>
#include <ATen/ops/acos_cuda_dispatch.h>
#include <ATen/ops/acosh_cpu_dispatch.h>
#include <ATen/ops/acosh_cuda_dispatch.h>
#include <ATen/ops/angle_cpu_dispatch.h>
#include <ATen/ops/angle_cuda_dispatch.h>
#include <ATen/ops/asin_cpu_dispatch.h>
#include <ATen/ops/asin_cuda_dispatch.h>
#include <ATen/ops/asinh_cpu_dispatch.h>
#include <ATen/ops/asinh_cuda_dispatch.h>
#include <ATen/ops/atan_cpu_dispatch.h>
#include <ATen/ops/atan_cuda_dispatch.h>
#include <ATen/ops/atanh_cpu_dispatch.h>
#include <ATen/ops/atanh_cuda_dispatch.h>
#include <ATen/ops/bitwise_not_cpu_dispatch.h>
#include <ATen/ops/bitwise_not_cuda_dispatch.h>
#include <ATen/ops/ceil_cpu_dispatch.h>
#include <ATen/ops/ceil_cuda_dispatch.h>
#include <ATen/ops/cos_cpu_dispatch.h>
#include <ATen/ops/cos_cuda_dispatch.h>
#include <ATen/ops/cosh_cpu_dispatch.h>
#include <ATen/ops/cosh_cuda_dispatch.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/erf_cpu_dispatch.h>
#include <ATen/ops/erf_cuda_dispatch.h>
#include <ATen/ops/erfc_cpu_dispatch.h>
#include <ATen/ops/erfc_cuda_dispatch.h>
#include <ATen/ops/erfinv_cpu_dispatch.h>
#include <ATen/ops/erfinv_cuda_dispatch.h>
#include <ATen/ops/exp2_cpu_dispatch.h>
#include <ATen/ops/exp2_cuda_dispatch.h>
#include <ATen/ops/expm1_cpu_dispatch.h>
#include <ATen/ops/expm1_cuda_dispatch.h>
#include <ATen/ops/floor_cpu_dispatch.h>
#include <ATen/ops/floor_cuda_dispatch.h>
#include <ATen/ops/frac_cpu_dispatch.h>
#include <ATen/ops/frac_cuda_dispatch.h>
#include <ATen/ops/isfinite_compositeimplicitautograd_dispatch.h>
#include <ATen/ops/isinf_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/isnan_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/isnan_cpu_dispatch.h>
#include <ATen/ops/isnan_cuda_dispatch.h>
#include <ATen/ops/isneginf_cpu_dispatch.h>
#include <ATen/ops/isneginf_cuda_dispatch.h>
#include <ATen/ops/isposinf_cpu_dispatch.h>
#include <ATen/ops/isposinf_cuda_dispatch.h>
#include <ATen/ops/log10_cpu_dispatch.h>
#include <ATen/ops/log10_cuda_dispatch.h>
#include <ATen/ops/log1p_cpu_dispatch.h>
#include <ATen/ops/log1p_cuda_dispatch.h>
#include <ATen/ops/log2_cpu_dispatch.h>
#include <ATen/ops/log2_cuda_dispatch.h>
#include <ATen/ops/logical_not_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/logical_not_cpu_dispatch.h>
#include <ATen/ops/logical_not_cuda_dispatch.h>
#include <ATen/ops/nan_to_num_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/nan_to_num_cpu_dispatch.h>
#include <ATen/ops/nan_to_num_cuda_dispatch.h>
#include <ATen/ops/reciprocal_cpu_dispatch.h>
#include <ATen/ops/reciprocal_cuda_dispatch.h>
#include <ATen/ops/round_cpu_dispatch.h>
#include <ATen/ops/round_cuda_dispatch.h>
#include <ATen/ops/sign_cpu_dispatch.h>
#include <ATen/ops/sign_cuda_dispatch.h>
#include <ATen/ops/sin_cpu_dispatch.h>
#include <ATen/ops/sin_cuda_dispatch.h>
#include <ATen/ops/sinh_cpu_dispatch.h>
#include <ATen/ops/sinh_cuda_dispatch.h>
#include <ATen/ops/tan_cpu_dispatch.h>
#include <ATen/ops/tan_cuda_dispatch.h>
#include <ATen/ops/tanh_cpu_dispatch.h>
#include <ATen/ops/tanh_cuda_dispatch.h>
#include <ATen/ops/trunc_cpu_dispatch.h>
#include <ATen/ops/trunc_cuda_dispatch.h>
#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include <cmath>
#include <limits>
#include <optional>

namespace gemforge::ops {
namespace {

// ---------------------------------------------------------------- plain unary ops

GF_ATEN_UNARY_STD(exp2)
GF_ATEN_UNARY_STD(expm1)
GF_ATEN_UNARY_STD(log1p)
GF_ATEN_UNARY_STD(log2)
GF_ATEN_UNARY_STD(log10)
GF_ATEN_UNARY_STD(reciprocal)
GF_ATEN_UNARY_STD(sin)
GF_ATEN_UNARY_STD(cos)
GF_ATEN_UNARY_STD(tan)
GF_ATEN_UNARY_STD(asin)
GF_ATEN_UNARY_STD(acos)
GF_ATEN_UNARY_STD(atan)
GF_ATEN_UNARY_STD(sinh)
GF_ATEN_UNARY_STD(cosh)
GF_ATEN_UNARY_STD(tanh)
GF_ATEN_UNARY_STD(asinh)
GF_ATEN_UNARY_STD(acosh)
GF_ATEN_UNARY_STD(atanh)
GF_ATEN_UNARY_STD(erf)
GF_ATEN_UNARY_STD(erfc)
GF_ATEN_UNARY_STD(erfinv)
GF_ATEN_UNARY_STD(sign)
GF_ATEN_UNARY_STD(floor)
GF_ATEN_UNARY_STD(ceil)
GF_ATEN_UNARY_STD(round)
GF_ATEN_UNARY_STD(trunc)
GF_ATEN_UNARY_STD(frac)

GF_UNARY(exp2, Promote::IntToFloat, kAllReal)
GF_UNARY_COMPUTE(expm1, Promote::IntToFloat, kAllReal)
GF_UNARY_COMPUTE(log1p, Promote::IntToFloat, kAllReal)
GF_UNARY_COMPUTE(log2, Promote::IntToFloat, kAllReal)
GF_UNARY_COMPUTE(log10, Promote::IntToFloat, kAllReal)
GF_UNARY(reciprocal, Promote::IntToFloat, kAllReal)
GF_UNARY_HALF_COMPUTE(sin, Promote::IntToFloat, kAllReal)
GF_UNARY_HALF_COMPUTE(cos, Promote::IntToFloat, kAllReal)
GF_UNARY_COMPUTE(tan, Promote::IntToFloat, kAllReal)
GF_UNARY_COMPUTE(asin, Promote::IntToFloat, kAllReal)
GF_UNARY_COMPUTE(acos, Promote::IntToFloat, kAllReal)
GF_UNARY_HALF_COMPUTE(atan, Promote::IntToFloat, kAllReal)
GF_UNARY_HALF_COMPUTE(sinh, Promote::IntToFloat, kAllReal)
GF_UNARY_COMPUTE(cosh, Promote::IntToFloat, kAllReal)
GF_UNARY_HALF_COMPUTE(tanh, Promote::IntToFloat, kAllReal)
GF_UNARY_HALF_COMPUTE(asinh, Promote::IntToFloat, kAllReal)
GF_UNARY(acosh, Promote::IntToFloat, kAllReal)
GF_UNARY_HALF_COMPUTE(atanh, Promote::IntToFloat, kAllReal)
GF_UNARY_HALF_COMPUTE(erf, Promote::IntToFloat, kAllReal)
GF_UNARY_HALF(erfc, Promote::IntToFloat, kAllReal)
GF_UNARY_COMPUTE(erfinv, Promote::IntToFloat, kAllReal)
// sign of bool is the identity, as ATen's; floor/ceil/round/trunc of integers are copies, of
// bool ATen's kernel raises; frac is floating only.
GF_UNARY(sign, Promote::Same, kAllReal)
GF_UNARY(floor, Promote::Same, kFloats | kInts)
GF_UNARY(ceil, Promote::Same, kFloats | kInts)
GF_UNARY(round, Promote::Same, kFloats | kInts)
GF_UNARY(trunc, Promote::Same, kFloats | kInts)
GF_UNARY(frac, Promote::Same, kFloats)

// Ops without an in-place overload, and kernels that are not the usual structured pair.
#define GF_ATEN_UNARY_NO_INPLACE(name, fn_cuda, fn_cpu, out_cuda, out_cpu)                      \
  struct name##_aten {                                                                           \
    static at::Tensor fn(const at::Tensor& s) { return s.is_cuda() ? fn_cuda(s) : fn_cpu(s); } \
    static at::Tensor& out(const at::Tensor& s, at::Tensor& o) {                                 \
      return o.is_cuda() ? out_cuda(o, s) : out_cpu(o, s);                                       \
    }                                                                                            \
  };
GF_ATEN_UNARY_NO_INPLACE(angle, at::cuda::angle, at::cpu::angle, at::cuda::angle_out, at::cpu::angle_out)
GF_ATEN_UNARY_NO_INPLACE(isposinf, at::cuda::isposinf, at::cpu::isposinf, at::cuda::isposinf_out,
                         at::cpu::isposinf_out)
GF_ATEN_UNARY_NO_INPLACE(isneginf, at::cuda::isneginf, at::cpu::isneginf, at::cuda::isneginf_out,
                         at::cpu::isneginf_out)
// isnan: a CUDA/CPU kernel, its out= a composite; isinf: composite both; isfinite: composite
// implicit (it decomposes into eq, abs, ne and mul: four kernels where this is one).
GF_ATEN_UNARY_NO_INPLACE(isnan, at::cuda::isnan, at::cpu::isnan, at::compositeexplicitautograd::isnan_out,
                         at::compositeexplicitautograd::isnan_out)
GF_ATEN_UNARY_NO_INPLACE(isinf, at::compositeexplicitautograd::isinf, at::compositeexplicitautograd::isinf,
                         at::compositeexplicitautograd::isinf_out, at::compositeexplicitautograd::isinf_out)
struct isfinite_aten {
  static at::Tensor fn(const at::Tensor& s) { return at::compositeimplicitautograd::isfinite(s); }
};

// angle of real input: pi for negatives, else 0; integers promote to float. ATen's CUDA kernel
// has no fp16 or bf16 (it raises NotImplementedError), so those CUDA inputs go to it.
UnaryOp angle_op{GF_POINTWISE_KERNELS("angle"), Promote::IntToFloat, kAllReal, {"angle"}, {"angle_"}, {"angle.out"},
                 kAllReal & ~bit(c10::kBFloat16) & ~bit(c10::kHalf)};
using angle_ops = Unary<angle_op, angle_aten>;
GF_UNARY(isnan, Promote::Bool, kAllReal)
GF_UNARY(isinf, Promote::Bool, kAllReal)
GF_UNARY(isfinite, Promote::Bool, kAllReal)
GF_UNARY(isposinf, Promote::Bool, kAllReal)
GF_UNARY(isneginf, Promote::Bool, kAllReal)

// Bool-only out=: the iterator alone would cast to any out dtype. isposinf/isneginf's meta
// function checks it (complex input goes to ATen, which raises first); so do the generated out=
// wrappers of isnan and isinf.
template <typename Ops>
at::Tensor& bool_only_out(const char* msg, const at::Tensor& self, at::Tensor& out) {
  TORCH_CHECK(self.is_complex() || out.scalar_type() == at::kBool, msg);
  return Ops::out(self, out);
}
at::Tensor& isposinf_out(const at::Tensor& self, at::Tensor& out) {
  return bool_only_out<isposinf_ops>("isposinf does not support non-boolean outputs.", self, out);
}
at::Tensor& isneginf_out(const at::Tensor& self, at::Tensor& out) {
  return bool_only_out<isneginf_ops>("isneginf does not support non-boolean outputs.", self, out);
}
template <typename Ops>
at::Tensor& generated_bool_out(const at::Tensor& self, at::Tensor& out) {
  TORCH_CHECK(out.scalar_type() == at::kBool, "Expected out tensor to have dtype ",
              c10::scalarTypeToTypeMeta(at::kBool), ", but got ", out.dtype(), " instead");
  return Ops::out(self, out);
}

// ---------------------------------------------------------------- ops with parameters or modes

// Records and runs op's body for out = op(self) (scalars and mode as in unary_into): true when
// GemForge ran it, false when the caller must call ATen's kernel (dtype or layout).
bool ran(UnaryOp& op, OpRecord& rec, at::Tensor& out, const at::Tensor& self, const Scalars& scalars = {},
         int64_t mode = 0) {
  if (const char* why = unsupported(op.dtypes, {&self, &out})) {
    record(rec, true, why);
    return false;
  }
  record(rec);
  return unary_into(op, out, self, scalars, mode);
}

// ---- bitwise_not: ~x for integers, logical not for bool (which the body sees as int32).

UnaryOp bitwise_not_op{GF_POINTWISE_KERNELS("bitwise_not"), Promote::Same, kInts | kBool,
                       {"bitwise_not"}, {"bitwise_not_"}, {"bitwise_not.out"}};

// the body's mode: _BITWISE_NOT_BOOL (1) for bool
int64_t bitwise_not_mode(const at::Tensor& self) { return self.scalar_type() == at::kBool ? 1 : 0; }

at::Tensor bitwise_not_fn(const at::Tensor& self) {
  at::Tensor out;
  if (!ran(bitwise_not_op, bitwise_not_op.rec_fn, out, self, {}, bitwise_not_mode(self)))
    return self.is_cuda() ? at::cuda::bitwise_not(self) : at::cpu::bitwise_not(self);
  return out;
}
at::Tensor& bitwise_not_inplace(at::Tensor& self) {
  if (!ran(bitwise_not_op, bitwise_not_op.rec_inplace, self, self, {}, bitwise_not_mode(self)))
    return self.is_cuda() ? at::cuda::bitwise_not_(self) : at::cpu::bitwise_not_(self);
  return self;
}
at::Tensor& bitwise_not_out(const at::Tensor& self, at::Tensor& out) {
  if (!ran(bitwise_not_op, bitwise_not_op.rec_out, out, self, {}, bitwise_not_mode(self)))
    return out.is_cuda() ? at::cuda::bitwise_not_out(out, self) : at::cpu::bitwise_not_out(out, self);
  return out;
}

// ---- round(decimals): rint(x * 10^d) / 10^d, or rint(x / 10^-d) * 10^-d for d < 0, with 10^|d|
// computed in double and used in the op math type, as ATen's kernel. decimals == 0 is plain
// rounding; integers go to ATen's kernel, which raises for them (even for decimals == 0).

UnaryOp round_decimals_op{GF_POINTWISE_KERNELS("round_decimals"), Promote::Same, kFloats,
                          {"round.decimals"}, {"round_.decimals"}, {"round.decimals_out"}};

bool round_decimals_ran(OpRecord& rec, at::Tensor& out, const at::Tensor& self, int64_t decimals) {
  const c10::Scalar ten_pow(std::pow(10.0, static_cast<double>(decimals < 0 ? -decimals : decimals)));
  const int64_t mode = decimals > 0 ? 1 : decimals < 0 ? 2 : 0;  // the body's _ROUND_POS, _ROUND_NEG, _ROUND_PLAIN
  // ATen's CUDA kernel computes in the tensor's own type (its CPU kernel in the op math type):
  // for CUDA tensors the body rounds to fp16/bf16 after each step
  const auto dtype = self.scalar_type();
  const int64_t storage = !self.is_cuda() ? 0 : dtype == at::kHalf ? 1 : dtype == at::kBFloat16 ? 2 : 0;
  return ran(round_decimals_op, rec, out, self, Scalars(ten_pow), mode + 3 * storage);
}
at::Tensor round_decimals_fn(const at::Tensor& self, int64_t decimals) {
  at::Tensor out;
  if (!round_decimals_ran(round_decimals_op.rec_fn, out, self, decimals))
    return self.is_cuda() ? at::cuda::round(self, decimals) : at::cpu::round(self, decimals);
  return out;
}
at::Tensor& round_decimals_inplace(at::Tensor& self, int64_t decimals) {
  if (!round_decimals_ran(round_decimals_op.rec_inplace, self, self, decimals))
    return self.is_cuda() ? at::cuda::round_(self, decimals) : at::cpu::round_(self, decimals);
  return self;
}
at::Tensor& round_decimals_out(const at::Tensor& self, int64_t decimals, at::Tensor& out) {
  if (!round_decimals_ran(round_decimals_op.rec_out, out, self, decimals))
    return out.is_cuda() ? at::cuda::round_out(out, self, decimals) : at::cpu::round_out(out, self, decimals);
  return out;
}

// ---- nan_to_num: the replacements are resolved here (defaults: 0, and the max and lowest of
// the result dtype) and reach the body in its compute type, so half types round them as ATen's
// static_cast does. Integers and bool are copied.

UnaryOp nan_to_num_op{GF_POINTWISE_KERNELS("nan_to_num"), Promote::Same, kAllReal,
                      {"nan_to_num"}, {"nan_to_num_"}, {"nan_to_num.out"}};
using OptDouble = std::optional<double>;

double max_of(c10::ScalarType t) {
  switch (t) {
    case c10::kHalf: return static_cast<double>(std::numeric_limits<c10::Half>::max());
    case c10::kBFloat16: return static_cast<double>(std::numeric_limits<c10::BFloat16>::max());
    case c10::kFloat: return std::numeric_limits<float>::max();
    default: return std::numeric_limits<double>::max();
  }
}

bool nan_to_num_ran(OpRecord& rec, at::Tensor& out, const at::Tensor& self, OptDouble nan, OptDouble posinf,
                    OptDouble neginf) {
  TORCH_CHECK(!out.defined() || self.scalar_type() == out.scalar_type(), "nan_to_num: dtype of out: ",
              out.scalar_type(), " should be same as input: ", self.scalar_type());
  if (!c10::isFloatingType(self.scalar_type())) return ran(nan_to_num_op, rec, out, self);
  const double max = max_of(self.scalar_type());
  const c10::Scalar n(nan.value_or(0.0)), p(posinf.value_or(max)), m(neginf.value_or(-max));
  return ran(nan_to_num_op, rec, out, self, Scalars(n, p, m));
}
at::Tensor nan_to_num_fn(const at::Tensor& self, OptDouble nan, OptDouble posinf, OptDouble neginf) {
  at::Tensor out;
  if (!nan_to_num_ran(nan_to_num_op.rec_fn, out, self, nan, posinf, neginf))
    return at::compositeexplicitautograd::nan_to_num(self, nan, posinf, neginf);
  return out;
}
at::Tensor& nan_to_num_inplace(at::Tensor& self, OptDouble nan, OptDouble posinf, OptDouble neginf) {
  if (!nan_to_num_ran(nan_to_num_op.rec_inplace, self, self, nan, posinf, neginf))
    return at::compositeexplicitautograd::nan_to_num_(self, nan, posinf, neginf);
  return self;
}
at::Tensor& nan_to_num_out(const at::Tensor& self, OptDouble nan, OptDouble posinf, OptDouble neginf,
                           at::Tensor& out) {
  if (!nan_to_num_ran(nan_to_num_op.rec_out, out, self, nan, posinf, neginf))
    return out.is_cuda() ? at::cuda::nan_to_num_out(out, self, nan, posinf, neginf)
                         : at::cpu::nan_to_num_out(out, self, nan, posinf, neginf);
  return out;
}

// ---- logical_not: ATen's iterator keeps the output's dtype (bool for the functional form, the
// tensor's own for in-place, any for out=); the body computes in the input's type.

UnaryOp logical_not_op{GF_POINTWISE_KERNELS("logical_not"), Promote::Bool, kAllReal,
                       {"logical_not"}, {"logical_not_"}, {"logical_not.out"}};

bool logical_not_ran(OpRecord& rec, at::Tensor& out, const at::Tensor& self) {
  if (const char* why = unsupported(logical_not_op.dtypes, {&self, &out})) {
    record(rec, true, why);
    return false;
  }
  record(rec);
  auto iter = at::TensorIteratorConfig().check_all_same_dtype(false).add_output(out).add_const_input(self).build();
  if (!run_pointwise(logical_not_op.kernels, iter, compute_type(self.scalar_type()))) return false;
  finish_pointwise(iter, out);
  return true;
}
at::Tensor logical_not_fn(const at::Tensor& self) {
  at::Tensor out = at::empty({0}, self.options().dtype(at::kBool));
  if (!logical_not_ran(logical_not_op.rec_fn, out, self)) return at::compositeexplicitautograd::logical_not(self);
  return out;
}
at::Tensor& logical_not_inplace(at::Tensor& self) {
  if (!logical_not_ran(logical_not_op.rec_inplace, self, self))
    return at::compositeexplicitautograd::logical_not_(self);
  return self;
}
at::Tensor& logical_not_out(const at::Tensor& self, at::Tensor& out) {
  if (!logical_not_ran(logical_not_op.rec_out, out, self))
    return out.is_cuda() ? at::cuda::logical_not_out(out, self) : at::cpu::logical_not_out(out, self);
  return out;
}

}  // namespace
}  // namespace gemforge::ops

namespace gemforge {

void add_unary_math_ops(std::vector<OpEntry>& t) {
  using namespace ops;
  exp2_ops::add(t);
  expm1_ops::add(t);
  log1p_ops::add(t);
  log2_ops::add(t);
  log10_ops::add(t);
  reciprocal_ops::add(t);
  sin_ops::add(t);
  cos_ops::add(t);
  tan_ops::add(t);
  asin_ops::add(t);
  acos_ops::add(t);
  atan_ops::add(t);
  sinh_ops::add(t);
  cosh_ops::add(t);
  tanh_ops::add(t);
  asinh_ops::add(t);
  acosh_ops::add(t);
  atanh_ops::add(t);
  erf_ops::add(t);
  erfc_ops::add(t);
  erfinv_ops::add(t);
  sign_ops::add(t);
  floor_ops::add(t);
  ceil_ops::add(t);
  round_ops::add(t);
  trunc_ops::add(t);
  frac_ops::add(t);
  t.push_back(entry<&round_decimals_fn>(round_decimals_op.rec_fn));
  t.push_back(entry<&round_decimals_inplace>(round_decimals_op.rec_inplace));
  t.push_back(entry<&round_decimals_out>(round_decimals_op.rec_out));
  // no in-place overloads (Unary<>::add would instantiate one)
  t.push_back(entry<&angle_ops::fn>(angle_op.rec_fn));
  t.push_back(entry<&angle_ops::out>(angle_op.rec_out));
  t.push_back(entry<&isnan_ops::fn>(isnan_op.rec_fn));
  t.push_back(entry<&generated_bool_out<isnan_ops>>(isnan_op.rec_out));
  t.push_back(entry<&isinf_ops::fn>(isinf_op.rec_fn));
  t.push_back(entry<&generated_bool_out<isinf_ops>>(isinf_op.rec_out));
  t.push_back(entry<&isfinite_ops::fn>(isfinite_op.rec_fn));
  t.push_back(entry<&isposinf_ops::fn>(isposinf_op.rec_fn));
  t.push_back(entry<&isposinf_out>(isposinf_op.rec_out));
  t.push_back(entry<&isneginf_ops::fn>(isneginf_op.rec_fn));
  t.push_back(entry<&isneginf_out>(isneginf_op.rec_out));
  t.push_back(entry<&nan_to_num_fn>(nan_to_num_op.rec_fn));
  t.push_back(entry<&nan_to_num_inplace>(nan_to_num_op.rec_inplace));
  t.push_back(entry<&nan_to_num_out>(nan_to_num_op.rec_out));
  t.push_back(entry<&bitwise_not_fn>(bitwise_not_op.rec_fn));
  t.push_back(entry<&bitwise_not_inplace>(bitwise_not_op.rec_inplace));
  t.push_back(entry<&bitwise_not_out>(bitwise_not_op.rec_out));
  t.push_back(entry<&logical_not_fn>(logical_not_op.rec_fn));
  t.push_back(entry<&logical_not_inplace>(logical_not_op.rec_inplace));
  t.push_back(entry<&logical_not_out>(logical_not_op.rec_out));
}

}  // namespace gemforge
