// Binary ops: arithmetic, comparisons, bitwise and logical (issue 3): floor_divide, remainder,
// fmod, pow, maximum, minimum, fmax, fmin, atan2, hypot, copysign, xlogy, eq/ne/lt/le/gt/ge,
// bitwise_and/or/xor, bitwise_left/right_shift (and __lshift__/__rshift__), logical_and/or/xor.
// true_divide, arctan2 and the comparison aliases (greater, ...) decompose into these (or div)
// before reaching a backend kernel.
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/pointwise/pointwise.h"

#include <ATen/Dispatch.h>
#include <ATen/ExpandUtils.h>
#include <ATen/MemoryOverlap.h>
#include <ATen/ScalarOps.h>
#include <ATen/native/Resize.h>
#include <ATen/native/TypeProperties.h>
#include <ATen/ops/atan2_cpu_dispatch.h>
#include <ATen/ops/atan2_cuda_dispatch.h>
#include <ATen/ops/bitwise_and_cpu_dispatch.h>
#include <ATen/ops/bitwise_and_cuda_dispatch.h>
#include <ATen/ops/bitwise_left_shift_cpu_dispatch.h>
#include <ATen/ops/bitwise_left_shift_cuda_dispatch.h>
#include <ATen/ops/bitwise_or_cpu_dispatch.h>
#include <ATen/ops/bitwise_or_cuda_dispatch.h>
#include <ATen/ops/bitwise_right_shift_cpu_dispatch.h>
#include <ATen/ops/bitwise_right_shift_cuda_dispatch.h>
#include <ATen/ops/bitwise_xor_cpu_dispatch.h>
#include <ATen/ops/bitwise_xor_cuda_dispatch.h>
#include <ATen/ops/copysign_cpu_dispatch.h>
#include <ATen/ops/copysign_cuda_dispatch.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/eq_cpu_dispatch.h>
#include <ATen/ops/eq_cuda_dispatch.h>
#include <ATen/ops/floor_divide_cpu_dispatch.h>
#include <ATen/ops/floor_divide_cuda_dispatch.h>
#include <ATen/ops/fmax_cpu_dispatch.h>
#include <ATen/ops/fmax_cuda_dispatch.h>
#include <ATen/ops/fmin_cpu_dispatch.h>
#include <ATen/ops/fmin_cuda_dispatch.h>
#include <ATen/ops/fmod_cpu_dispatch.h>
#include <ATen/ops/fmod_cuda_dispatch.h>
#include <ATen/ops/ge_cpu_dispatch.h>
#include <ATen/ops/ge_cuda_dispatch.h>
#include <ATen/ops/gt_cpu_dispatch.h>
#include <ATen/ops/gt_cuda_dispatch.h>
#include <ATen/ops/hypot_cpu_dispatch.h>
#include <ATen/ops/hypot_cuda_dispatch.h>
#include <ATen/ops/le_cpu_dispatch.h>
#include <ATen/ops/le_cuda_dispatch.h>
#include <ATen/ops/logical_and_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/logical_and_cpu_dispatch.h>
#include <ATen/ops/logical_and_cuda_dispatch.h>
#include <ATen/ops/logical_or_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/logical_or_cpu_dispatch.h>
#include <ATen/ops/logical_or_cuda_dispatch.h>
#include <ATen/ops/logical_xor_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/logical_xor_cpu_dispatch.h>
#include <ATen/ops/logical_xor_cuda_dispatch.h>
#include <ATen/ops/lt_cpu_dispatch.h>
#include <ATen/ops/lt_cuda_dispatch.h>
#include <ATen/ops/maximum_cpu_dispatch.h>
#include <ATen/ops/maximum_cuda_dispatch.h>
#include <ATen/ops/minimum_cpu_dispatch.h>
#include <ATen/ops/minimum_cuda_dispatch.h>
#include <ATen/ops/ne_cpu_dispatch.h>
#include <ATen/ops/ne_cuda_dispatch.h>
#include <ATen/ops/pow_cpu_dispatch.h>
#include <ATen/ops/pow_cuda_dispatch.h>
#include <ATen/ops/remainder_cpu_dispatch.h>
#include <ATen/ops/remainder_cuda_dispatch.h>
#include <ATen/ops/xlogy_cpu_dispatch.h>
#include <ATen/ops/xlogy_cuda_dispatch.h>

namespace gemforge::ops {
namespace {

using at::native::wrapped_scalar_tensor;

bool any_cuda(const at::Tensor& a, const at::Tensor& b) { return a.is_cuda() || b.is_cuda(); }

// The overload forms of a binary op: Tensor-Tensor, Tensor-Scalar and Scalar-Tensor, each
// functional, in-place (`_`) and out=.
enum Form { TT, TT_, TT_OUT, TS, TS_, TS_OUT, ST, ST_OUT, kForms };

constexpr uint32_t form_bit(Form f) { return 1u << f; }

struct BinaryOp {
  PointwiseKernels kernels;
  Binary kind;
  uint32_t dtypes;  // common dtypes the body computes; others go to ATen
  int64_t mode;     // the body's P
  // Integer division (remainder, fmod, floor_divide): ATen's CPU kernel raises on a zero divisor.
  bool int_division;
  // out= forms that ATen generates from the functional one (compute, then resize and copy into
  // out): out must have the result's dtype exactly and may overlap the inputs.
  uint32_t copy_outs;
  OpRecord rec[kForms];  // overload names; nullptr: the op has no such form
  // fp16 operands reach the body unconverted (copysign: the body applies CUDA's fp16 -> fp32
  // conversion rule for NaN signs itself; it is exact in fp16).
  bool fp16_in_storage_type = false;
  // The functional form allocates its result on the first operand's device before the
  // iterator is built, as ATen's logical_and/or/xor do: a CPU 0-d first operand beside CUDA
  // tensors then raises ATen's device error.
  bool result_on_first_device = false;
};

// ATen's CPU kernels raise on integer division by zero (its CUDA kernels do not check: that
// would need a device sync). The divisor is checked in the common dtype, as ATen's loop sees it.
void check_cpu_integer_division(const at::TensorIteratorBase& iter) {
  if (!iter.device(0).is_cpu() || !c10::isIntegralType(iter.common_dtype(), false) || iter.numel() == 0) return;
  TORCH_CHECK(!at::cpu::eq(iter.input(1), 0).any().item<bool>(), "ZeroDivisionError");
}

// The type op's body computes in for the common dtype (fp16_in_storage_type: fp16 as is).
c10::ScalarType compute_of(const BinaryOp& op, c10::ScalarType common) {
  return op.fp16_in_storage_type && common == c10::kHalf ? common : compute_type(common);
}

// out = op(a, b) (undefined out: allocated), with the mode `mode_of(iter)` gives (-1: a dtype
// the body does not handle). False: ATen's kernel must run instead; records which happened.
template <typename ModeOf>
bool run(BinaryOp& op, OpRecord& rec, at::Tensor& out, const at::Tensor& a, const at::Tensor& b, ModeOf&& mode_of) {
  if (const char* why = unsupported(kAllReal, {&a, &b, &out})) {
    record(rec, true, why);
    return false;
  }
  auto iter = binary_iter(op.kind, out, a, b);
  const int64_t mode = mode_of(iter);
  if (mode < 0) {
    record(rec, true, "dtype");
    return false;
  }
  record(rec);
  if (op.int_division) check_cpu_integer_division(iter);
  if (!run_pointwise(op.kernels, iter, compute_of(op, iter.common_dtype()), {}, mode)) return false;
  finish_pointwise(iter, out);
  return true;
}

// op(a, b) into a new result or in place on a, when a and b are dense tensors of one dtype and
// shape: one flat launch without the TensorIterator, whose build is most of the host cost at
// decode sizes (binary_into's path for add/mul/...). False: not that case (nothing recorded).
bool run_dense(BinaryOp& op, OpRecord& rec, at::Tensor& out, const at::Tensor& a, const at::Tensor& b) {
  const c10::ScalarType dtype = a.scalar_type();
  if (b.scalar_type() != dtype || !dtype_in(op.dtypes, dtype) || op.result_on_first_device) return false;
  if (op.int_division && !a.is_cuda()) return false;  // (check_cpu_integer_division)
  if (op.kind == Binary::IntToFloat && c10::isIntegralType(dtype, true)) return false;
  if (unsupported(kAllReal, {&a, &b, &out}) || (out.defined() && !out.is_same(a))) return false;
  if (!run_same_layout(op.kernels, out, {&a, &b}, binary_result_type(op.kind, dtype), compute_of(op, dtype), {},
                       op.mode))
    return false;
  record(rec);
  return true;
}

// The promoted dtype of a and b (wrapped numbers count as scalars), as TensorIterator's.
c10::ScalarType promoted_type(const at::Tensor& a, const at::Tensor& b) {
  return at::native::result_type(at::native::update_result_type_state(b, at::native::update_result_type_state(a, {})));
}

// What ATen's generated out= wrapper does with the functional result: resize out, then copy.
at::Tensor& copy_into(const at::Tensor& result, at::Tensor& out) {
  at::native::resize_output(out, result.sizes());
  TORCH_CHECK(out.dtype() == result.dtype(), "Expected out tensor to have dtype ", result.dtype(), ", but got ",
              out.dtype(), " instead");
  return out.copy_(result);
}

// Every form of a binary op; `Aten` supplies ATen's kernels of the Tensor-Tensor overloads
// (Scalar operands are wrapped as ATen's Scalar overloads do).
template <BinaryOp& op, typename Aten>
struct BinaryOps {
  static int64_t mode_of(const at::TensorIteratorBase& iter) {
    return dtype_in(op.dtypes, iter.common_dtype()) ? op.mode : -1;
  }
  static at::Tensor fn(OpRecord& rec, const at::Tensor& a, const at::Tensor& b) {
    at::Tensor out;
    if (run_dense(op, rec, out, a, b)) return out;
    if (op.result_on_first_device) out = at::empty({0}, a.options().dtype(c10::kBool));
    if (!run(op, rec, out, a, b, mode_of)) return Aten::fn(a, b);
    return out;
  }
  static at::Tensor& inplace(OpRecord& rec, at::Tensor& a, const at::Tensor& b) {
    if (run_dense(op, rec, a, a, b)) return a;
    if (!run(op, rec, a, a, b, mode_of)) return Aten::inplace(a, b);
    return a;
  }
  static at::Tensor& into(OpRecord& rec, const at::Tensor& a, const at::Tensor& b, at::Tensor& out) {
    if (!run(op, rec, out, a, b, mode_of)) return Aten::out(a, b, out);
    return out;
  }
  // A generated out= form in one launch: out gets the result's shape and must have its dtype;
  // where out overlaps an input, compute first and copy, as ATen.
  static at::Tensor& copy_out(OpRecord& rec, const at::Tensor& a, const at::Tensor& b, at::Tensor& out) {
    TORCH_INTERNAL_ASSERT(op.kind == Binary::Plain);  // the result dtype is the common dtype
    const c10::ScalarType dtype = promoted_type(a, b);
    if (unsupported(kAllReal, {&a, &b, &out}) || !dtype_in(op.dtypes, dtype)) return copy_into(fn(rec, a, b), out);
    at::native::resize_output(out, at::infer_size_dimvector(a.sizes(), b.sizes()));
    TORCH_CHECK(out.scalar_type() == dtype, "Expected out tensor to have dtype ", c10::scalarTypeToTypeMeta(dtype),
                ", but got ", out.dtype(), " instead");
    if (at::has_internal_overlap(out) == at::MemOverlap::Yes ||
        at::get_overlap_status(out, a) == at::MemOverlapStatus::Partial ||
        at::get_overlap_status(out, b) == at::MemOverlapStatus::Partial) {
      return out.copy_(fn(rec, a, b));
    }
    if (!run(op, rec, out, a, b, mode_of)) return out.copy_(Aten::fn(a, b));
    return out;
  }
  static at::Tensor& out_form(Form f, const at::Tensor& a, const at::Tensor& b, at::Tensor& out) {
    return (op.copy_outs & form_bit(f)) ? copy_out(op.rec[f], a, b, out) : into(op.rec[f], a, b, out);
  }

  static at::Tensor tt(const at::Tensor& a, const at::Tensor& b) { return fn(op.rec[TT], a, b); }
  static at::Tensor& tt_(at::Tensor& a, const at::Tensor& b) { return inplace(op.rec[TT_], a, b); }
  static at::Tensor& tt_out(const at::Tensor& a, const at::Tensor& b, at::Tensor& out) {
    return out_form(TT_OUT, a, b, out);
  }
  static at::Tensor ts(const at::Tensor& a, const at::Scalar& b) { return fn(op.rec[TS], a, wrapped_scalar_tensor(b)); }
  static at::Tensor& ts_(at::Tensor& a, const at::Scalar& b) {
    return inplace(op.rec[TS_], a, wrapped_scalar_tensor(b));
  }
  static at::Tensor& ts_out(const at::Tensor& a, const at::Scalar& b, at::Tensor& out) {
    return out_form(TS_OUT, a, wrapped_scalar_tensor(b), out);
  }
  static at::Tensor st(const at::Scalar& a, const at::Tensor& b) { return fn(op.rec[ST], wrapped_scalar_tensor(a), b); }
  static at::Tensor& st_out(const at::Scalar& a, const at::Tensor& b, at::Tensor& out) {
    return out_form(ST_OUT, wrapped_scalar_tensor(a), b, out);
  }

  static void add(std::vector<OpEntry>& t) {
    if (op.rec[TT].name) t.push_back(entry<&tt>(op.rec[TT]));
    if (op.rec[TT_].name) t.push_back(entry<&tt_>(op.rec[TT_]));
    if (op.rec[TT_OUT].name) t.push_back(entry<&tt_out>(op.rec[TT_OUT]));
    if (op.rec[TS].name) t.push_back(entry<&ts>(op.rec[TS]));
    if (op.rec[TS_].name) t.push_back(entry<&ts_>(op.rec[TS_]));
    if (op.rec[TS_OUT].name) t.push_back(entry<&ts_out>(op.rec[TS_OUT]));
    if (op.rec[ST].name) t.push_back(entry<&st>(op.rec[ST]));
    if (op.rec[ST_OUT].name) t.push_back(entry<&st_out>(op.rec[ST_OUT]));
  }
};

// ---------------------------------------------------------------- ATen's kernels

at::Tensor& no_inplace(at::Tensor& a, const at::Tensor&) {
  TORCH_INTERNAL_ASSERT(false, "no in-place form");
  return a;
}

#define GF_ATEN_BINARY(name, fn_cuda, fn_cpu, inplace_cuda, inplace_cpu, out_cuda, out_cpu)                       \
  struct name##_aten {                                                                                           \
    static at::Tensor fn(const at::Tensor& a, const at::Tensor& b) {                                             \
      return any_cuda(a, b) ? fn_cuda(a, b) : fn_cpu(a, b);                                                     \
    }                                                                                                            \
    static at::Tensor& inplace(at::Tensor& a, const at::Tensor& b) {                                             \
      return a.is_cuda() ? inplace_cuda(a, b) : inplace_cpu(a, b);                                               \
    }                                                                                                            \
    static at::Tensor& out(const at::Tensor& a, const at::Tensor& b, at::Tensor& o) {                            \
      return o.is_cuda() ? out_cuda(o, a, b) : out_cpu(o, a, b);                                                 \
    }                                                                                                            \
  };
// ... for ops with CUDA and CPU kernels of every form (ATen/ops/<name>_{cuda,cpu}_dispatch.h)
#define GF_ATEN_BINARY_STD(name)                                                                                \
  GF_ATEN_BINARY(name, at::cuda::name, at::cpu::name, at::cuda::name##_, at::cpu::name##_, at::cuda::name##_out, \
                 at::cpu::name##_out)
// ... without an in-place form
#define GF_ATEN_BINARY_NO_INPLACE(name) \
  GF_ATEN_BINARY(name, at::cuda::name, at::cpu::name, no_inplace, no_inplace, at::cuda::name##_out, at::cpu::name##_out)
// ... logical ops: composite functional and in-place forms over backend out= kernels
#define GF_ATEN_LOGICAL(name)                                                                                  \
  GF_ATEN_BINARY(name, at::compositeexplicitautograd::name, at::compositeexplicitautograd::name,              \
                 at::compositeexplicitautograd::name##_, at::compositeexplicitautograd::name##_,              \
                 at::cuda::name##_out, at::cpu::name##_out)

GF_ATEN_BINARY_STD(floor_divide)
GF_ATEN_BINARY_STD(remainder)
GF_ATEN_BINARY_STD(fmod)
GF_ATEN_BINARY_NO_INPLACE(maximum)
GF_ATEN_BINARY_NO_INPLACE(minimum)
GF_ATEN_BINARY_NO_INPLACE(fmax)
GF_ATEN_BINARY_NO_INPLACE(fmin)
GF_ATEN_BINARY_STD(atan2)
GF_ATEN_BINARY_STD(hypot)
GF_ATEN_BINARY_STD(copysign)
GF_ATEN_BINARY_STD(xlogy)
GF_ATEN_BINARY_STD(eq)
GF_ATEN_BINARY_STD(ne)
GF_ATEN_BINARY_STD(lt)
GF_ATEN_BINARY_STD(le)
GF_ATEN_BINARY_STD(gt)
GF_ATEN_BINARY_STD(ge)
GF_ATEN_BINARY_STD(bitwise_and)
GF_ATEN_BINARY_STD(bitwise_or)
GF_ATEN_BINARY_STD(bitwise_xor)
GF_ATEN_BINARY_STD(bitwise_left_shift)
GF_ATEN_BINARY_STD(bitwise_right_shift)
GF_ATEN_LOGICAL(logical_and)
GF_ATEN_LOGICAL(logical_or)
GF_ATEN_LOGICAL(logical_xor)

// ---------------------------------------------------------------- the ops

constexpr uint32_t kIntsBool = kInts | kBool;
constexpr int64_t kDivFloor = 2;  // arith's div body, floor rounding

#define GF_COMPARISON_OP(name)                                                                                 \
  BinaryOp name##_op{GF_POINTWISE_KERNELS(#name),                                                              \
                     Binary::Comparison,                                                                       \
                     kAllReal,                                                                                 \
                     0,                                                                                        \
                     false,                                                                                    \
                     0,                                                                                        \
                     {{#name ".Tensor"}, {#name "_.Tensor"}, {#name ".Tensor_out"}, {#name ".Scalar"},          \
                      {#name "_.Scalar"}, {#name ".Scalar_out"}, {nullptr}, {nullptr}}};
#define GF_BITWISE_OP(name)                                                                                    \
  BinaryOp name##_op{GF_POINTWISE_KERNELS(#name),                                                              \
                     Binary::Plain,                                                                            \
                     kIntsBool,                                                                                \
                     0,                                                                                        \
                     false,                                                                                    \
                     form_bit(ST_OUT),                                                                         \
                     {{#name ".Tensor"}, {#name "_.Tensor"}, {#name ".Tensor_out"}, {#name ".Scalar"},          \
                      {#name "_.Scalar"}, {#name ".Scalar_out"}, {#name ".Scalar_Tensor"},                     \
                      {#name ".Scalar_Tensor_out"}}};
#define GF_SHIFT_OP(name)                                                                                      \
  BinaryOp name##_op{GF_POINTWISE_KERNELS(#name),                                                              \
                     Binary::Plain,                                                                            \
                     kInts,                                                                                    \
                     0,                                                                                        \
                     false,                                                                                    \
                     form_bit(ST_OUT),                                                                         \
                     {{#name ".Tensor"}, {#name "_.Tensor"}, {#name ".Tensor_out"}, {#name ".Tensor_Scalar"},   \
                      {#name "_.Tensor_Scalar"}, {#name ".Tensor_Scalar_out"}, {#name ".Scalar_Tensor"},       \
                      {#name ".Scalar_Tensor_out"}}};
// Ops with Tensor-Tensor forms only: name, inplace_name (nullptr: none), name.out.
#define GF_TENSOR_OP_KERNELS(name, kernels, kind, dtypes, inplace_name)                                         \
  BinaryOp name##_op{kernels,                                                                                  \
                     kind,                                                                                     \
                     dtypes,                                                                                   \
                     0,                                                                                        \
                     false,                                                                                    \
                     0,                                                                                        \
                     {{#name}, {inplace_name}, {#name ".out"}, {nullptr}, {nullptr}, {nullptr}, {nullptr},     \
                      {nullptr}}};
#define GF_TENSOR_OP(name, kind, dtypes, inplace_name) \
  GF_TENSOR_OP_KERNELS(name, GF_POINTWISE_KERNELS(#name), kind, dtypes, inplace_name)

BinaryOp floor_divide_op{GF_POINTWISE_KERNELS("div"),
                         Binary::Plain,
                         kFloats | kInts,
                         kDivFloor,
                         true,
                         form_bit(TS_OUT),
                         {{"floor_divide"}, {"floor_divide_.Tensor"}, {"floor_divide.out"}, {"floor_divide.Scalar"},
                          {"floor_divide_.Scalar"}, {"floor_divide.Scalar_out"}, {nullptr}, {nullptr}}};
BinaryOp remainder_op{GF_POINTWISE_KERNELS_FALLBACK("remainder", Cost::Light, kEveryMode),
                      Binary::Plain,
                      kFloats | kInts,
                      0,
                      true,
                      form_bit(ST_OUT),
                      {{"remainder.Tensor"}, {"remainder_.Tensor"}, {"remainder.Tensor_out"}, {"remainder.Scalar"},
                       {"remainder_.Scalar"}, {"remainder.Scalar_out"}, {"remainder.Scalar_Tensor"},
                       {"remainder.Scalar_Tensor_out"}}};
BinaryOp fmod_op{GF_POINTWISE_KERNELS_FALLBACK("fmod", Cost::Registers, kEveryMode),
                 Binary::Plain,
                 kFloats | kInts,
                 0,
                 true,
                 0,
                 {{"fmod.Tensor"}, {"fmod_.Tensor"}, {"fmod.Tensor_out"}, {"fmod.Scalar"}, {"fmod_.Scalar"},
                  {"fmod.Scalar_out"}, {nullptr}, {nullptr}}};
GF_TENSOR_OP(maximum, Binary::Plain, kAllReal, nullptr)
GF_TENSOR_OP(minimum, Binary::Plain, kAllReal, nullptr)
GF_TENSOR_OP(fmax, Binary::Plain, kAllReal, nullptr)
GF_TENSOR_OP(fmin, Binary::Plain, kAllReal, nullptr)
GF_TENSOR_OP_KERNELS(atan2, GF_POINTWISE_KERNELS_HALF("atan2"), Binary::IntToFloat, kFloats, "atan2_")
GF_TENSOR_OP(hypot, Binary::Plain, kFloats, "hypot_")
#define GF_LOGICAL_OP(name)                                                                         \
  BinaryOp name##_op{GF_POINTWISE_KERNELS(#name),                                                   \
                     Binary::Comparison,                                                            \
                     kAllReal,                                                                      \
                     0,                                                                             \
                     false,                                                                         \
                     0,                                                                             \
                     {{#name}, {#name "_"}, {#name ".out"}, {nullptr}, {nullptr}, {nullptr}, {nullptr}, \
                      {nullptr}},                                                                   \
                     /*fp16_in_storage_type=*/false,                                                \
                     /*result_on_first_device=*/true};
GF_LOGICAL_OP(logical_and)
GF_LOGICAL_OP(logical_or)
GF_LOGICAL_OP(logical_xor)
BinaryOp copysign_op{GF_POINTWISE_KERNELS("copysign"),
                     Binary::IntToFloat,
                     kFloats,
                     0,
                     false,
                     0,
                     {{"copysign.Tensor"}, {"copysign_.Tensor"}, {"copysign.out"}, {"copysign.Scalar"},
                      {"copysign_.Scalar"}, {"copysign.Scalar_out"}, {nullptr}, {nullptr}},
                     /*fp16_in_storage_type=*/true};
BinaryOp xlogy_op{GF_POINTWISE_KERNELS("xlogy"),
                  Binary::IntToFloat,
                  kFloats,
                  0,
                  false,
                  0,
                  {{"xlogy.Tensor"}, {"xlogy_.Tensor"}, {"xlogy.OutTensor"}, {"xlogy.Scalar_Other"},
                   {"xlogy_.Scalar_Other"}, {"xlogy.OutScalar_Other"}, {"xlogy.Scalar_Self"},
                   {"xlogy.OutScalar_Self"}}};
GF_COMPARISON_OP(eq)
GF_COMPARISON_OP(ne)
GF_COMPARISON_OP(lt)
GF_COMPARISON_OP(le)
GF_COMPARISON_OP(gt)
GF_COMPARISON_OP(ge)
GF_BITWISE_OP(bitwise_and)
GF_BITWISE_OP(bitwise_or)
GF_BITWISE_OP(bitwise_xor)
GF_SHIFT_OP(bitwise_left_shift)
GF_SHIFT_OP(bitwise_right_shift)
// The operator forms of the shifts: the same kernels as bitwise_*_shift; their out= forms are
// generated from the functional ones.
#define GF_SHIFT_OPERATOR(var, name, iname, body)                                                                    \
  BinaryOp var##_op{GF_POINTWISE_KERNELS(body),                                                               \
                     Binary::Plain,                                                                            \
                     kInts,                                                                                    \
                     0,                                                                                        \
                     false,                                                                                    \
                     form_bit(TT_OUT) | form_bit(TS_OUT),                                                      \
                     {{#name ".Tensor"}, {#iname ".Tensor"}, {#name ".Tensor_out"}, {#name ".Scalar"},          \
                      {#iname ".Scalar"}, {#name ".Scalar_out"}, {nullptr}, {nullptr}}};
GF_SHIFT_OPERATOR(lshift, __lshift__, __ilshift__, "bitwise_left_shift")
GF_SHIFT_OPERATOR(rshift, __rshift__, __irshift__, "bitwise_right_shift")

// ---------------------------------------------------------------- pow

// The body's modes (P), as in binary.py.
enum PowMode : int64_t {
  kPowFloat = 0,       // fp16/fp32/fp64 results
  kPowFloatBf16 = 1,   // bf16 results
  kPowSqrt = 2,        // exponent 0.5
  kPowRsqrt = 3,       // -0.5
  kPowReciprocal = 4,  // -1
  kPowSquare = 5,      // 2
  kPowCube = 6,        // 3
  kPowInvSquare = 7,   // -2
  kPowOne = 8,         // 0 (Scalar exponent)
  kPowCopy = 9,        // 1 (Scalar exponent)
  kPowInt = 10,        // integer types
};

// fp32 compute of C's pow (fp32 and fp16 results): a fast pass (binary.py _pow_fast) for positive
// normal bases whose result stays normal; C's pow through fp64's for the tiles with other lanes
// (binary.py pow: triton's libdevice powf flushes subnormals to zero).
BinaryOp pow_op{GF_POINTWISE_KERNELS_FALLBACK("pow", Cost::Light, 1u << kPowFloat),
                Binary::Plain,
                kFloats | kInts,
                kPowFloat,
                false,
                0,
                {{"pow.Tensor_Tensor"}, {"pow_.Tensor"}, {"pow.Tensor_Tensor_out"}, {"pow.Tensor_Scalar"},
                 {"pow_.Scalar"}, {"pow.Tensor_Scalar_out"}, {"pow.Scalar"}, {"pow.Scalar_out"}}};

// bf16 results take fp32 exp2/log2 approximations (binary.py POW_FLOAT_BF16); fp16's three more
// bits of precision are not safe from their error at large exponents.
int64_t pow_float_mode(c10::ScalarType t) { return t == c10::kBFloat16 ? kPowFloatBf16 : kPowFloat; }

// ATen's specializations of a scalar exponent `e` (`value`: e in the result type) for a float
// result type t.
int64_t pow_exponent_mode(const c10::Scalar& e, double value, c10::ScalarType t) {
  if (e.equal(0.5)) return kPowSqrt;
  if (e.equal(-0.5)) return kPowRsqrt;
  if (e.equal(-1.0)) return kPowReciprocal;
  if (value == 2) return kPowSquare;
  if (value == 3) return kPowCube;
  if (value == -2) return kPowInvSquare;
  return pow_float_mode(t);
}

// Tensor exponent.
int64_t pow_tensor_mode(at::TensorIteratorBase& iter) {
  const auto t = iter.common_dtype();
  if (c10::isIntegralType(t, false)) {
    // ATen's CUDA kernel sends a CPU-scalar exponent of -1 to its reciprocal kernel, which has
    // no integer types (NotImplementedError): ATen's kernel runs to raise it
    const bool cuda_reciprocal = iter.device(0).is_cuda() && iter.is_cpu_scalar(2) &&
                                 iter.original_scalar_value<double>(2) == -1.0;
    return cuda_reciprocal ? -1 : kPowInt;
  }
  if (!c10::isFloatingType(t)) return -1;
  // ATen's CUDA kernel runs a CPU-scalar exponent through its scalar-exponent specializations,
  // with the exponent in the result type.
  if (iter.device(0).is_cuda() && iter.is_cpu_scalar(2)) {
    double e = iter.original_scalar_value<double>(2);
    if (t == c10::kHalf) e = static_cast<float>(static_cast<at::Half>(e));
    if (t == c10::kBFloat16) e = static_cast<float>(static_cast<at::BFloat16>(e));
    if (t == c10::kFloat) e = static_cast<float>(e);
    return pow_exponent_mode(c10::Scalar(e), e, t);
  }
  return pow_float_mode(t);
}

struct pow_aten {
  static at::Tensor fn(const at::Tensor& a, const at::Tensor& b) {
    return any_cuda(a, b) ? at::cuda::pow(a, b) : at::cpu::pow(a, b);
  }
  static at::Tensor& inplace(at::Tensor& a, const at::Tensor& b) {
    return a.is_cuda() ? at::cuda::pow_(a, b) : at::cpu::pow_(a, b);
  }
  static at::Tensor& out(const at::Tensor& a, const at::Tensor& b, at::Tensor& o) {
    return o.is_cuda() ? at::cuda::pow_out(o, a, b) : at::cpu::pow_out(o, a, b);
  }
};

at::Tensor pow_fn(OpRecord& rec, const at::Tensor& a, const at::Tensor& b) {
  at::Tensor out;
  if (!run(pow_op, rec, out, a, b, pow_tensor_mode)) return pow_aten::fn(a, b);
  return out;
}
at::Tensor& pow_into(OpRecord& rec, const at::Tensor& a, const at::Tensor& b, at::Tensor& out) {
  if (!run(pow_op, rec, out, a, b, pow_tensor_mode)) return pow_aten::out(a, b, out);
  return out;
}

at::Tensor pow_tt(const at::Tensor& a, const at::Tensor& b) { return pow_fn(pow_op.rec[TT], a, b); }
at::Tensor& pow_tt_(at::Tensor& a, const at::Tensor& b) {
  if (!run(pow_op, pow_op.rec[TT_], a, a, b, pow_tensor_mode)) return pow_aten::inplace(a, b);
  return a;
}
at::Tensor& pow_tt_out(const at::Tensor& a, const at::Tensor& b, at::Tensor& out) {
  return pow_into(pow_op.rec[TT_OUT], a, b, out);
}

// Tensor ** Scalar, as ATen's pow.Tensor_Scalar: the exponent 0 gives ones and 1 a copy; other
// exponents are converted to the result type (raising on overflow) and specialized.
bool pow_ts_run(OpRecord& rec, at::Tensor& out, const at::Tensor& self, const c10::Scalar& exp) {
  TORCH_CHECK(!(c10::isIntegralType(self.scalar_type(), true) && exp.isIntegral(true) && exp.toLong() < 0),
              "Integers to negative integer powers are not allowed.");
  if (exp.isComplex()) {
    record(rec, true, "dtype");
    return false;
  }
  const auto t = at::native::result_type(at::native::update_result_type_state(
      exp, at::native::update_result_type_state(self, {})));
  int64_t mode = -1;
  c10::Scalar e = exp;
  if (exp.equal(0.0) || exp.equal(false)) {
    mode = kPowOne;
  } else if (exp.equal(1.0) || exp.equal(true)) {
    mode = kPowCopy;
  } else if (c10::isIntegralType(t, false) || c10::isFloatingType(t)) {
    AT_DISPATCH_ALL_TYPES_AND2(c10::kHalf, c10::kBFloat16, t, "pow", [&] { e = c10::Scalar(exp.to<scalar_t>()); });
    const double value = e.toDouble();
    if (c10::isFloatingType(t)) {
      mode = pow_exponent_mode(exp, value, t);
    } else {
      mode = value == 2 ? kPowSquare : value == 3 ? kPowCube : kPowInt;
    }
  }
  // the common case (a contiguous tensor of the result dtype) without a TensorIterator
  if (mode >= 0 && self.scalar_type() == t && !unsupported(pow_op.dtypes, {&self, &out}) &&
      run_same_layout(pow_op.kernels, out, {&self}, t, compute_type(t), {}, mode, &e)) {
    record(rec);
    return true;
  }
  return run(pow_op, rec, out, self, wrapped_scalar_tensor(e), [&](const at::TensorIteratorBase&) { return mode; });
}

at::Tensor pow_ts(const at::Tensor& self, const c10::Scalar& exp) {
  at::Tensor out;
  if (!pow_ts_run(pow_op.rec[TS], out, self, exp))
    return self.is_cuda() ? at::cuda::pow(self, exp) : at::cpu::pow(self, exp);
  return out;
}
at::Tensor& pow_ts_(at::Tensor& self, const c10::Scalar& exp) {
  if (!pow_ts_run(pow_op.rec[TS_], self, self, exp))
    return self.is_cuda() ? at::cuda::pow_(self, exp) : at::cpu::pow_(self, exp);
  return self;
}
at::Tensor& pow_ts_out(const at::Tensor& self, const c10::Scalar& exp, at::Tensor& out) {
  if (!pow_ts_run(pow_op.rec[TS_OUT], out, self, exp))
    return out.is_cuda() ? at::cuda::pow_out(out, self, exp) : at::cpu::pow_out(out, self, exp);
  return out;
}

// Scalar ** Tensor, as ATen's pow.Scalar: base 1 gives ones whatever the exponent; otherwise the
// Tensor-Tensor kernel with the base as a scalar operand.
bool pow_base_is_one(const c10::Scalar& base) { return base.equal(1.0); }

at::Tensor pow_st(const c10::Scalar& base, const at::Tensor& exp) {
  OpRecord& rec = pow_op.rec[ST];
  if (pow_base_is_one(base)) {
    record(rec);
    const auto t = at::native::result_type(
        at::native::update_result_type_state(exp, at::native::update_result_type_state(base, {})));
    return at::empty(exp.sizes(), exp.options().dtype(t)).fill_(1);
  }
  return pow_fn(rec, wrapped_scalar_tensor(base), exp);
}
at::Tensor& pow_st_out(const c10::Scalar& base, const at::Tensor& exp, at::Tensor& out) {
  OpRecord& rec = pow_op.rec[ST_OUT];
  at::native::resize_output(out, exp.sizes());
  if (pow_base_is_one(base)) {
    record(rec);
    return out.fill_(1);
  }
  return pow_into(rec, wrapped_scalar_tensor(base), exp, out);
}

using floor_divide_ops = BinaryOps<floor_divide_op, floor_divide_aten>;
using remainder_ops = BinaryOps<remainder_op, remainder_aten>;
using fmod_ops = BinaryOps<fmod_op, fmod_aten>;
using maximum_ops = BinaryOps<maximum_op, maximum_aten>;
using minimum_ops = BinaryOps<minimum_op, minimum_aten>;
using fmax_ops = BinaryOps<fmax_op, fmax_aten>;
using fmin_ops = BinaryOps<fmin_op, fmin_aten>;
using atan2_ops = BinaryOps<atan2_op, atan2_aten>;
using hypot_ops = BinaryOps<hypot_op, hypot_aten>;
using copysign_ops = BinaryOps<copysign_op, copysign_aten>;
using xlogy_ops = BinaryOps<xlogy_op, xlogy_aten>;
using eq_ops = BinaryOps<eq_op, eq_aten>;
using ne_ops = BinaryOps<ne_op, ne_aten>;
using lt_ops = BinaryOps<lt_op, lt_aten>;
using le_ops = BinaryOps<le_op, le_aten>;
using gt_ops = BinaryOps<gt_op, gt_aten>;
using ge_ops = BinaryOps<ge_op, ge_aten>;
using bitwise_and_ops = BinaryOps<bitwise_and_op, bitwise_and_aten>;
using bitwise_or_ops = BinaryOps<bitwise_or_op, bitwise_or_aten>;
using bitwise_xor_ops = BinaryOps<bitwise_xor_op, bitwise_xor_aten>;
using bitwise_left_shift_ops = BinaryOps<bitwise_left_shift_op, bitwise_left_shift_aten>;
using bitwise_right_shift_ops = BinaryOps<bitwise_right_shift_op, bitwise_right_shift_aten>;
using lshift_ops = BinaryOps<lshift_op, bitwise_left_shift_aten>;
using rshift_ops = BinaryOps<rshift_op, bitwise_right_shift_aten>;
using logical_and_ops = BinaryOps<logical_and_op, logical_and_aten>;
using logical_or_ops = BinaryOps<logical_or_op, logical_or_aten>;
using logical_xor_ops = BinaryOps<logical_xor_op, logical_xor_aten>;

}  // namespace
}  // namespace gemforge::ops

namespace gemforge {

void add_binary_ops(std::vector<OpEntry>& t) {
  using namespace ops;
  floor_divide_ops::add(t);
  remainder_ops::add(t);
  fmod_ops::add(t);
  maximum_ops::add(t);
  minimum_ops::add(t);
  fmax_ops::add(t);
  fmin_ops::add(t);
  atan2_ops::add(t);
  hypot_ops::add(t);
  copysign_ops::add(t);
  xlogy_ops::add(t);
  eq_ops::add(t);
  ne_ops::add(t);
  lt_ops::add(t);
  le_ops::add(t);
  gt_ops::add(t);
  ge_ops::add(t);
  bitwise_and_ops::add(t);
  bitwise_or_ops::add(t);
  bitwise_xor_ops::add(t);
  bitwise_left_shift_ops::add(t);
  bitwise_right_shift_ops::add(t);
  lshift_ops::add(t);
  rshift_ops::add(t);
  logical_and_ops::add(t);
  logical_or_ops::add(t);
  logical_xor_ops::add(t);
  t.push_back(entry<&pow_tt>(pow_op.rec[TT]));
  t.push_back(entry<&pow_tt_>(pow_op.rec[TT_]));
  t.push_back(entry<&pow_tt_out>(pow_op.rec[TT_OUT]));
  t.push_back(entry<&pow_ts>(pow_op.rec[TS]));
  t.push_back(entry<&pow_ts_>(pow_op.rec[TS_]));
  t.push_back(entry<&pow_ts_out>(pow_op.rec[TS_OUT]));
  t.push_back(entry<&pow_st>(pow_op.rec[ST]));
  t.push_back(entry<&pow_st_out>(pow_op.rec[ST_OUT]));
}

}  // namespace gemforge
