// Ternary ops, clamps, lerp, addc*, isclose/isin, copies and fills (issue 3): where, masked_fill,
// clamp/clamp_min/clamp_max, lerp, addcmul, addcdiv, heaviside, isclose, allclose, isin, copy_,
// copy, _to_copy, clone, fill_, fill, zero_, zero. Bodies: kernels/pointwise_ops/ternary.py.
//
// Where ATen converts operands with .to() before its kernel (where, clamp with Scalar bounds),
// the kernel converts them as it loads them instead: one pass, same values.
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/pointwise/pointwise.h"

#include "runtime/config_table.h"

#include <ATen/ExpandUtils.h>
#include <ATen/MemoryOverlap.h>
#include <ATen/ScalarOps.h>
#include <ATen/native/Resize.h>
#include <ATen/native/TypeProperties.h>
#include <ATen/ops/_to_copy_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/addcdiv_cpu_dispatch.h>
#include <ATen/ops/addcdiv_cuda_dispatch.h>
#include <ATen/ops/addcmul_cpu_dispatch.h>
#include <ATen/ops/addcmul_cuda_dispatch.h>
#include <ATen/ops/all.h>
#include <ATen/ops/allclose_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/clamp_cpu_dispatch.h>
#include <ATen/ops/clamp_cuda_dispatch.h>
#include <ATen/ops/clamp_max_cpu_dispatch.h>
#include <ATen/ops/clamp_max_cuda_dispatch.h>
#include <ATen/ops/clamp_min_cpu_dispatch.h>
#include <ATen/ops/clamp_min_cuda_dispatch.h>
#include <ATen/ops/clone.h>
#include <ATen/ops/clone_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/copy_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/copy_compositeexplicitautogradnonfunctional_dispatch.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/empty_strided.h>
#include <ATen/ops/fill_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/fill_cpu_dispatch.h>
#include <ATen/ops/fill_cuda_dispatch.h>
#include <ATen/ops/heaviside_cpu_dispatch.h>
#include <ATen/ops/heaviside_cuda_dispatch.h>
#include <ATen/ops/isclose_compositeimplicitautograd_dispatch.h>
#include <ATen/ops/isin_cpu_dispatch.h>
#include <ATen/ops/isin_cuda_dispatch.h>
#include <ATen/ops/lerp_cpu_dispatch.h>
#include <ATen/ops/lerp_cuda_dispatch.h>
#include <ATen/ops/masked_fill_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/masked_fill_cpu_dispatch.h>
#include <ATen/ops/masked_fill_cuda_dispatch.h>
#include <ATen/ops/sort.h>
#include <ATen/ops/where_cpu_dispatch.h>
#include <ATen/ops/where_cuda_dispatch.h>
#include <ATen/ops/zero_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/zero_cpu_dispatch.h>
#include <ATen/ops/zero_cuda_dispatch.h>

#include <algorithm>
#include <cmath>

namespace gemforge::ops {
namespace {

using c10::ScalarType;
using OptScalar = std::optional<at::Scalar>;
using OptTensor = std::optional<at::Tensor>;

// ---------------------------------------------------------------- shared helpers

// A call from inside a running kernel (the interpreter backend copies its arguments back with
// copy_): not the user's, so ATen's kernel runs and nothing is recorded.
bool nested() { return rt::in_interpreter(); }

// After run_pointwise declined the layout (more dims than the strided kernel takes).
void record_declined(OpRecord& rec) { record(rec, true, "more dims than the strided kernel takes"); }

ScalarType promoted(const at::Tensor& a, const at::Tensor& b) {
  at::native::ResultTypeState state = {};
  state = at::native::update_result_type_state(a, state);
  state = at::native::update_result_type_state(b, state);
  return at::native::result_type(state);
}

// `v` converted to dtype `t` as ATen's kernels convert a Scalar argument (Scalar::to<T>: raises
// when the value overflows `t`, wraps negative values into uint8), held exactly in a Scalar the
// runtime-scalar path passes on unchanged.
c10::Scalar converted(const c10::Scalar& v, ScalarType t) {
  switch (t) {
    case c10::kDouble: return v.to<double>();
    case c10::kFloat: return static_cast<double>(v.to<float>());
    case c10::kHalf: return static_cast<double>(static_cast<float>(v.to<at::Half>()));
    case c10::kBFloat16: return static_cast<double>(static_cast<float>(v.to<at::BFloat16>()));
    case c10::kLong: return v.to<int64_t>();
    case c10::kInt: return static_cast<int64_t>(v.to<int32_t>());
    case c10::kShort: return static_cast<int64_t>(v.to<int16_t>());
    case c10::kChar: return static_cast<int64_t>(v.to<int8_t>());
    case c10::kByte: return static_cast<int64_t>(v.to<uint8_t>());
    case c10::kBool: return v.to<bool>();
    default: TORCH_INTERNAL_ASSERT(false, "converted: unexpected dtype ", t);
  }
}

// The dtype/device check of ATen's generated out= wrappers of composite ops.
void check_out_like(const at::Tensor& out, const at::Tensor& self) {
  TORCH_CHECK(out.dtype() == self.dtype(), "Expected out tensor to have dtype ", self.dtype(), ", but got ",
              out.dtype(), " instead");
  TORCH_CHECK(out.device() == self.device(), "Expected out tensor to have device ", self.device(), ", but got ",
              out.device(), " instead");
}

// ATen computes those out= forms into a fresh tensor and copies it into `out`; writing `out`
// directly is the same unless it partially overlaps an input.
bool partially_overlaps(const at::Tensor& out, std::initializer_list<const at::Tensor*> inputs) {
  for (const at::Tensor* t : inputs) {
    const auto s = at::get_overlap_status(out, *t);
    if (s == at::MemOverlapStatus::Partial || s == at::MemOverlapStatus::TooHard) return true;
  }
  return false;
}

// ---------------------------------------------------------------- copies

PointwiseKernels copy_k GF_POINTWISE_KERNELS("copy");

// P of the copy body (kernels/pointwise_ops/ternary.py): how c10::convert reaches the dtype.
constexpr int64_t kCopyDirect = 0, kCopyViaF32 = 1, kCopyViaI64 = 2;

int64_t copy_mode(ScalarType from, ScalarType to) {
  const bool half_to = to == c10::kHalf || to == c10::kBFloat16;
  const bool half_from = from == c10::kHalf || from == c10::kBFloat16 || from == c10::kFloat;
  if (half_to && !half_from) return kCopyViaF32;  // c10::Half/BFloat16 are built from a float
  if (to == c10::kByte && c10::isFloatingType(from)) return kCopyViaI64;
  return kCopyDirect;
}

// Why ATen must do dst <- src (nullptr: GemForge does). A one-element CPU src beside a device dst
// is read on the host as a runtime scalar; other cross-device copies are ATen's.
const char* copy_unsupported(const at::Tensor& dst, const at::Tensor& src) {
  if (const char* why = unsupported(kAllReal, {&dst, &src})) return why;
  if (src.device() != dst.device() && !(src.is_cpu() && src.numel() == 1)) return "device";
  if (dst.is_neg() || src.is_neg() || dst.is_conj() || src.is_conj()) return "neg/conj bit";
  if (dst._is_zerotensor() || src._is_zerotensor()) return "zero tensor";
  if (dst.has_names() || src.has_names()) return "named tensor";
  return nullptr;
}

// dst <- src converted to dst's dtype, broadcasting src (ATen's copy_ iterator: overlapping dst
// or a dst partially aliasing src raise). False: the layout is beyond the strided kernel.
bool copy_into(const at::Tensor& dst, const at::Tensor& src) {
  auto iter = at::TensorIteratorConfig()
                  .add_output(dst)
                  .add_const_input(src)
                  .resize_outputs(false)
                  .check_all_same_dtype(false)
                  .check_all_same_device(false)
                  .build();
  // The body sees src's own dtype; the store converts (see copy_mode).
  return run_pointwise(copy_k, iter, src.scalar_type(), {}, copy_mode(src.scalar_type(), dst.scalar_type()));
}

// An uninitialized tensor laid out as clone(self, preserve) lays out its result.
at::Tensor empty_preserving(const at::Tensor& self, const at::TensorOptions& options) {
  if (self.is_non_overlapping_and_dense()) return at::empty_strided(self.sizes(), self.strides(), options);
  return at::empty_like(self, options);
}

OpRecord copy__rec{"copy_"}, copy_rec{"copy"}, copy_out_rec{"copy.out"};

at::Tensor& copy_(at::Tensor& self, const at::Tensor& src, bool non_blocking) {
  if (nested()) return at::compositeexplicitautograd::copy_(self, src, non_blocking);
  if (const char* why = copy_unsupported(self, src)) {
    record(copy__rec, true, why);
    return at::compositeexplicitautograd::copy_(self, src, non_blocking);
  }
  record(copy__rec);
  if (self.is_same(src)) return self;
  if (!copy_into(self, src)) {
    record_declined(copy__rec);
    return at::compositeexplicitautograd::copy_(self, src, non_blocking);
  }
  return self;
}

// copy(): functional copy_ (for functionalization): a tensor like self holding src. Every
// element is overwritten, so self's values need not be cloned first as ATen does.
at::Tensor copy(const at::Tensor& self, const at::Tensor& src, bool non_blocking) {
  if (nested()) return at::compositeexplicitautogradnonfunctional::copy(self, src, non_blocking);
  if (const char* why = copy_unsupported(self, src)) {
    record(copy_rec, true, why);
    return at::compositeexplicitautogradnonfunctional::copy(self, src, non_blocking);
  }
  record(copy_rec);
  at::Tensor r = empty_preserving(self, self.options());
  if (!copy_into(r, src)) {
    record_declined(copy_rec);
    at::compositeexplicitautograd::copy_(r, src, non_blocking);
  }
  return r;
}

at::Tensor& copy_out(const at::Tensor& self, const at::Tensor& src, bool non_blocking, at::Tensor& out) {
  if (nested()) return at::compositeexplicitautograd::copy_outf(self, src, non_blocking, out);
  const char* why = copy_unsupported(out, src);
  if (!why && out.device() != self.device()) why = "device";
  if (!why && partially_overlaps(out, {&src})) why = "out overlaps an input";
  if (why) {
    record(copy_out_rec, true, why);
    return at::compositeexplicitautograd::copy_outf(self, src, non_blocking, out);
  }
  record(copy_out_rec);
  check_out_like(out, self);
  // out takes self's shape; src must broadcast to it (the copy's iterator checks).
  at::native::resize_output(out, self.sizes());
  if (!out.is_same(src) && !copy_into(out, src)) {
    record_declined(copy_out_rec);
    at::compositeexplicitautograd::copy_(out, src, non_blocking);
  }
  return out;
}

OpRecord clone_rec{"clone"}, clone_out_rec{"clone.out"};

at::Tensor clone(const at::Tensor& self, std::optional<c10::MemoryFormat> memory_format) {
  if (nested()) return at::compositeexplicitautograd::clone(self, memory_format);
  if (const char* why = copy_unsupported(self, self)) {
    record(clone_rec, true, why);
    return at::compositeexplicitautograd::clone(self, memory_format);
  }
  record(clone_rec);
  const auto format = memory_format.value_or(c10::MemoryFormat::Preserve);
  at::Tensor r = format == c10::MemoryFormat::Preserve ? empty_preserving(self, self.options())
                                                      : at::empty_like(self, self.options(), format);
  if (!copy_into(r, self)) {
    record_declined(clone_rec);
    at::compositeexplicitautograd::copy_(r, self, false);
  }
  return r;
}

at::Tensor& clone_out(const at::Tensor& self, std::optional<c10::MemoryFormat> memory_format, at::Tensor& out) {
  if (nested()) return at::compositeexplicitautograd::clone_outf(self, memory_format, out);
  const char* why = copy_unsupported(out, self);
  if (!why && out.device() != self.device()) why = "device";
  if (!why && partially_overlaps(out, {&self})) why = "out overlaps an input";
  if (why) {
    record(clone_out_rec, true, why);
    return at::compositeexplicitautograd::clone_outf(self, memory_format, out);
  }
  record(clone_out_rec);
  check_out_like(out, self);
  at::native::resize_output(out, self.sizes());
  if (!out.is_same(self) && !copy_into(out, self)) {
    record_declined(clone_out_rec);
    at::compositeexplicitautograd::copy_(out, self, false);
  }
  return out;
}

OpRecord to_copy_rec{"_to_copy"}, to_copy_out_rec{"_to_copy.out"};

// _to_copy: dtype changes (and memory formats) on the tensor's own device; any other option
// (another device or layout, pinned memory) is ATen's.
at::Tensor _to_copy(const at::Tensor& self, std::optional<ScalarType> dtype, std::optional<c10::Layout> layout,
                    std::optional<c10::Device> device, std::optional<bool> pin_memory, bool non_blocking,
                    std::optional<c10::MemoryFormat> memory_format) {
  auto aten = [&] {
    return at::compositeexplicitautograd::_to_copy(self, dtype, layout, device, pin_memory, non_blocking,
                                                   memory_format);
  };
  if (nested()) return aten();
  const auto options = self.options().dtype(dtype.value_or(self.scalar_type()));
  const char* why = copy_unsupported(self, self);
  if (!why && !dtype_in(kAllReal, options.dtype().toScalarType())) why = "dtype";
  if (!why && ((device && *device != self.device()) || (layout && *layout != self.layout()) ||
               pin_memory.value_or(false)))
    why = "device, layout or pinned memory";
  if (why) {
    record(to_copy_rec, true, why);
    return aten();
  }
  record(to_copy_rec);
  // ATen's layout rules: preserve dense strides, else the dense strides of the same order.
  const auto format = memory_format.value_or(c10::MemoryFormat::Preserve);
  at::Tensor r;
  if (format != c10::MemoryFormat::Preserve) {
    r = at::empty(self.sizes(), options.memory_format(format));
  } else if (self.is_non_overlapping_and_dense()) {
    r = at::empty_strided(self.sizes(), self.strides(), options);
  } else {
    r = at::empty_strided(self.sizes(), at::infer_dense_strides(self.sizes(), self.strides()), options);
  }
  if (!copy_into(r, self)) {
    record_declined(to_copy_rec);
    at::compositeexplicitautograd::copy_(r, self, non_blocking);
  }
  return r;
}

// _to_copy.out: out (any dtype) takes self's shape and values.
at::Tensor& _to_copy_out(const at::Tensor& self, bool non_blocking, std::optional<c10::MemoryFormat> memory_format,
                         at::Tensor& out) {
  if (nested()) return at::compositeexplicitautograd::_to_copy_outf(self, non_blocking, memory_format, out);
  const char* why = copy_unsupported(out, self);
  if (!why && out.device() != self.device()) why = "device";
  if (!why && partially_overlaps(out, {&self})) why = "out overlaps an input";
  if (why) {
    record(to_copy_out_rec, true, why);
    return at::compositeexplicitautograd::_to_copy_outf(self, non_blocking, memory_format, out);
  }
  record(to_copy_out_rec);
  at::native::resize_output(out, self.sizes());
  if (!out.is_same(self) && !copy_into(out, self)) {
    record_declined(to_copy_out_rec);
    at::compositeexplicitautograd::copy_(out, self, non_blocking);
  }
  return out;
}

// ---------------------------------------------------------------- fills

OpRecord fill_scalar__rec{"fill_.Scalar"}, fill_tensor__rec{"fill_.Tensor"}, fill_scalar_rec{"fill.Scalar"},
    fill_tensor_rec{"fill.Tensor"}, fill_scalar_out_rec{"fill.Scalar_out"}, fill_tensor_out_rec{"fill.Tensor_out"},
    zero__rec{"zero_"}, zero_rec{"zero"}, zero_out_rec{"zero.out"};

const char* fill_unsupported(const at::Tensor& self) {
  if (const char* why = unsupported(kAllReal, {&self})) return why;
  if (self.is_neg() || self._is_zerotensor() || self.has_names()) return "neg bit, zero or named tensor";
  return nullptr;
}

// self <- v, as fill_(Scalar): overlapping self is fine (fill is idempotent), and the value
// converts as Scalar::to<T> does (raising on overflow). The iterator has no inputs: the value
// is the copy body's operand as a runtime argument of the kernel.
bool fill_into(const at::Tensor& self, const c10::Scalar& v) {
  const c10::Scalar value = converted(v, self.scalar_type());
  auto iter = at::TensorIteratorConfig()
                  .set_check_mem_overlap(false)
                  .check_all_same_dtype(false)
                  .resize_outputs(false)
                  .add_output(self)
                  .build();
  return run_pointwise(copy_k, iter, compute_type(self.scalar_type()), {}, 0, &value);
}

at::Tensor& aten_fill_(at::Tensor& self, const c10::Scalar& v) {
  return self.is_cuda() ? at::cuda::fill_(self, v) : at::cpu::fill_(self, v);
}
at::Tensor& aten_fill_(at::Tensor& self, const at::Tensor& v) {
  return self.is_cuda() ? at::cuda::fill_(self, v) : at::cpu::fill_(self, v);
}

// fill with `v` and record under `rec` (fill_, fill, zero_ and their forms).
void fill_recorded(OpRecord& rec, at::Tensor& self, const c10::Scalar& v) {
  if (const char* why = fill_unsupported(self)) {
    record(rec, true, why);
    aten_fill_(self, v);
    return;
  }
  record(rec);
  if (!fill_into(self, v)) {
    record_declined(rec);
    aten_fill_(self, v);
  }
}

// fill_(Tensor): the value of a 0-d tensor; on the same device it is copied (as ATen does, no
// host read), from elsewhere it is read on the host.
void fill_tensor_recorded(OpRecord& rec, at::Tensor& self, const at::Tensor& value) {
  TORCH_CHECK(value.dim() == 0, "fill_ only supports 0-dimension value tensor but got tensor with ", value.dim(),
              " dimensions.");
  if (nested()) {
    aten_fill_(self, value);
    return;
  }
  if (value.device() != self.device()) return fill_recorded(rec, self, value.item());
  if (const char* why = copy_unsupported(self, value)) {
    record(rec, true, why);
    aten_fill_(self, value);
    return;
  }
  record(rec);
  // A value that is a view of self is read before self is written: copy it out first.
  const at::Tensor src = self.is_alias_of(value) ? value.clone() : value;
  if (!copy_into(self, src)) {
    record_declined(rec);
    aten_fill_(self, value);
  }
}

at::Tensor& fill_scalar_(at::Tensor& self, const at::Scalar& v) {
  if (nested()) return aten_fill_(self, v);
  fill_recorded(fill_scalar__rec, self, v);
  return self;
}
at::Tensor& fill_tensor_(at::Tensor& self, const at::Tensor& v) {
  fill_tensor_recorded(fill_tensor__rec, self, v);
  return self;
}
at::Tensor fill_scalar(const at::Tensor& self, const at::Scalar& v) {
  if (nested()) return at::compositeexplicitautograd::fill(self, v);
  at::Tensor r = at::empty_like(self);
  fill_recorded(fill_scalar_rec, r, v);
  return r;
}
at::Tensor fill_tensor(const at::Tensor& self, const at::Tensor& v) {
  if (nested()) return at::compositeexplicitautograd::fill(self, v);
  at::Tensor r = at::empty_like(self);
  fill_tensor_recorded(fill_tensor_rec, r, v);
  return r;
}
at::Tensor& fill_scalar_out(const at::Tensor& self, const at::Scalar& v, at::Tensor& out) {
  if (nested()) return at::compositeexplicitautograd::fill_outf(self, v, out);
  check_out_like(out, self);
  at::native::resize_output(out, self.sizes());
  fill_recorded(fill_scalar_out_rec, out, v);
  return out;
}
at::Tensor& fill_tensor_out(const at::Tensor& self, const at::Tensor& v, at::Tensor& out) {
  if (nested()) return at::compositeexplicitautograd::fill_outf(self, v, out);
  check_out_like(out, self);
  at::native::resize_output(out, self.sizes());
  fill_tensor_recorded(fill_tensor_out_rec, out, v);
  return out;
}

at::Tensor& zero_(at::Tensor& self) {
  if (nested()) return self.is_cuda() ? at::cuda::zero_(self) : at::cpu::zero_(self);
  fill_recorded(zero__rec, self, 0);
  return self;
}
at::Tensor zero(const at::Tensor& self) {
  if (nested()) return at::compositeexplicitautograd::zero(self);
  at::Tensor r = at::empty_like(self);
  fill_recorded(zero_rec, r, 0);
  return r;
}
at::Tensor& zero_out(const at::Tensor& self, at::Tensor& out) {
  if (nested()) return at::compositeexplicitautograd::zero_outf(self, out);
  check_out_like(out, self);
  at::native::resize_output(out, self.sizes());
  fill_recorded(zero_out_rec, out, 0);
  return out;
}

// ---------------------------------------------------------------- where

PointwiseKernels where_k GF_POINTWISE_KERNELS("where");
OpRecord where_rec{"where.self"}, where_out_rec{"where.self_out"};

// out = cond ? self : other, out undefined (allocated) or of the promoted dtype. The values are
// converted to that dtype as they load (ATen converts them first). False: ATen must do it.
bool where_into(OpRecord& rec, at::Tensor& out, const at::Tensor& cond, const at::Tensor& self,
                const at::Tensor& other) {
  if (const char* why = unsupported(kAllReal, {&cond, &self, &other, &out})) {
    record(rec, true, why);
    return false;
  }
  const ScalarType result_type = promoted(self, other);
  TORCH_CHECK(!out.defined() || out.scalar_type() == result_type, "Expected out type to be ", result_type,
              " but got ", out.scalar_type());
  if (cond.scalar_type() == c10::kByte) {
    TORCH_WARN_ONCE("where received a uint8 condition tensor. This behavior is deprecated and will be removed in a "
                    "future version of PyTorch. Use a boolean condition instead.");
  }
  TORCH_CHECK(cond.scalar_type() == c10::kBool || cond.scalar_type() == c10::kByte,
              "where expected condition to be a boolean tensor, but got a tensor with dtype ", cond.scalar_type());
  // 0-d CPU operands beside device tensors: one is read on the host as a runtime scalar; ATen
  // copies them to the device, and so does it for more than one.
  int cpu_scalars = 0;
  bool on_device = false;
  for (const at::Tensor* t : {&cond, &self, &other}) {
    on_device = on_device || !t->is_cpu();
    cpu_scalars += t->is_cpu() && t->dim() == 0;
  }
  if (on_device && cpu_scalars > 1) {
    record(rec, true, "several CPU scalars");
    return false;
  }
  record(rec);
  auto iter = at::TensorIteratorConfig()
                  .check_all_same_dtype(false)
                  .declare_static_dtype(result_type)
                  .allow_cpu_scalars(true)
                  .add_output(out)
                  .add_const_input(cond)
                  .add_const_input(self)
                  .add_const_input(other)
                  .build();
  if (!run_pointwise(where_k, iter, compute_type(result_type))) {
    record_declined(rec);
    return false;
  }
  if (!out.defined()) out = iter.output();
  return true;
}

at::Tensor where_self(const at::Tensor& cond, const at::Tensor& self, const at::Tensor& other) {
  at::Tensor out;
  if (!where_into(where_rec, out, cond, self, other))
    return self.is_cuda() || other.is_cuda() || cond.is_cuda() ? at::cuda::where(cond, self, other)
                                                               : at::cpu::where(cond, self, other);
  return out;
}

at::Tensor& where_self_out(const at::Tensor& cond, const at::Tensor& self, const at::Tensor& other, at::Tensor& out) {
  if (!where_into(where_out_rec, out, cond, self, other))
    return out.is_cuda() ? at::cuda::where_outf(cond, self, other, out) : at::cpu::where_outf(cond, self, other, out);
  return out;
}

// ---------------------------------------------------------------- masked_fill

PointwiseKernels masked_fill_k GF_POINTWISE_KERNELS("masked_fill");
OpRecord masked_fill_scalar__rec{"masked_fill_.Scalar"}, masked_fill_tensor__rec{"masked_fill_.Tensor"},
    masked_fill_scalar_rec{"masked_fill.Scalar"}, masked_fill_tensor_rec{"masked_fill.Tensor"},
    masked_fill_scalar_out_rec{"masked_fill.Scalar_out"}, masked_fill_tensor_out_rec{"masked_fill.Tensor_out"};

void check_mask(const at::Tensor& self, const at::Tensor& mask) {
  TORCH_CHECK(self.device() == mask.device(), "expected self and mask to be on the same device, but got mask on ",
              mask.device(), " and self on ", self.device());
  // ATen's CPU and CUDA kernels word this check differently
  if (self.is_cuda()) {
    TORCH_CHECK(mask.scalar_type() == c10::kBool, "masked_fill only supports boolean masks, but got dtype ",
                mask.scalar_type());
  } else {
    TORCH_CHECK(mask.scalar_type() == c10::kBool,
                "masked_fill_ only supports boolean masks, but got mask with dtype ", mask.dtype());
  }
}

c10::Scalar value_of(const at::Tensor& value) {
  TORCH_CHECK(value.dim() == 0, "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ",
              value.dim(), " dimension(s).");
  return value.item();
}

// out = mask ? v : self, out being self (in place; broadcasts mask to self) or a tensor of the
// broadcast shape and self's dtype. False: ATen must do it.
bool masked_fill_into(OpRecord& rec, const at::Tensor& out, const at::Tensor& self, const at::Tensor& mask,
                      const c10::Scalar& v) {
  if (const char* why = unsupported(kAllReal, {&self, &mask})) {
    record(rec, true, why);
    return false;
  }
  check_mask(self, mask);
  const bool inplace = out.is_same(self);
  if (inplace) {
    if (at::has_internal_overlap(self) == at::MemOverlap::Yes) {
      TORCH_WARN("Use of masked_fill_ on expanded tensors is deprecated. Please clone() the tensor before performing "
                 "this operation. This also applies to advanced indexing e.g. tensor[mask] = scalar");
    }
    at::assert_no_partial_overlap(self, mask);
    // ATen's CUDA kernel expands the mask to self first (its error for a mask that doesn't fit)
    if (self.is_cuda() && !mask.sizes().equals(self.sizes())) (void)at::expand_inplace(self, mask, "masked_fill_");
  }
  const c10::Scalar value = converted(v, self.scalar_type());
  record(rec);
  auto iter = at::TensorIteratorConfig()
                  .set_check_mem_overlap(!inplace)  // in place: ATen's deprecated expanded-self case
                  .check_all_same_dtype(false)
                  .resize_outputs(false)
                  .add_output(out)
                  .add_const_input(self)
                  .add_const_input(mask)
                  .build();
  if (!run_pointwise(masked_fill_k, iter, compute_type(self.scalar_type()), Scalars(value))) {
    record_declined(rec);
    return false;
  }
  return true;
}

at::Tensor& aten_masked_fill_(at::Tensor& self, const at::Tensor& mask, const c10::Scalar& v) {
  return self.is_cuda() ? at::cuda::masked_fill_(self, mask, v) : at::cpu::masked_fill_(self, mask, v);
}

at::Tensor& masked_fill_scalar_(at::Tensor& self, const at::Tensor& mask, const at::Scalar& v) {
  if (!masked_fill_into(masked_fill_scalar__rec, self, self, mask, v)) return aten_masked_fill_(self, mask, v);
  return self;
}
at::Tensor& masked_fill_tensor_(at::Tensor& self, const at::Tensor& mask, const at::Tensor& v) {
  const c10::Scalar value = value_of(v);
  if (!masked_fill_into(masked_fill_tensor__rec, self, self, mask, value)) return aten_masked_fill_(self, mask, value);
  return self;
}

// The functional forms: ATen clones self expanded to the broadcast shape (contiguous) and fills
// in place; here one pass writes the result.
at::Tensor masked_fill_functional(OpRecord& rec, const at::Tensor& self, const at::Tensor& mask,
                                  const c10::Scalar& v) {
  at::Tensor out = at::empty(at::infer_size_dimvector(self.sizes(), mask.sizes()),
                             self.options().memory_format(c10::MemoryFormat::Contiguous));
  if (!masked_fill_into(rec, out, self, mask, v)) {
    out.copy_(self);
    aten_masked_fill_(out, mask, v);
  }
  return out;
}
at::Tensor masked_fill_scalar(const at::Tensor& self, const at::Tensor& mask, const at::Scalar& v) {
  return masked_fill_functional(masked_fill_scalar_rec, self, mask, v);
}
at::Tensor masked_fill_tensor(const at::Tensor& self, const at::Tensor& mask, const at::Tensor& v) {
  return masked_fill_functional(masked_fill_tensor_rec, self, mask, value_of(v));
}

at::Tensor& masked_fill_out(OpRecord& rec, const at::Tensor& self, const at::Tensor& mask, const c10::Scalar& v,
                            at::Tensor& out) {
  check_out_like(out, self);
  if (partially_overlaps(out, {&self, &mask})) {
    record(rec, true, "out overlaps an input");
    return at::compositeexplicitautograd::masked_fill_outf(self, mask, v, out);
  }
  at::native::resize_output(out, at::infer_size_dimvector(self.sizes(), mask.sizes()));
  if (!masked_fill_into(rec, out, self, mask, v)) {
    out.copy_(self);
    aten_masked_fill_(out, mask, v);
  }
  return out;
}
at::Tensor& masked_fill_scalar_out(const at::Tensor& self, const at::Tensor& mask, const at::Scalar& v,
                                   at::Tensor& out) {
  return masked_fill_out(masked_fill_scalar_out_rec, self, mask, v, out);
}
at::Tensor& masked_fill_tensor_out(const at::Tensor& self, const at::Tensor& mask, const at::Tensor& v,
                                   at::Tensor& out) {
  return masked_fill_out(masked_fill_tensor_out_rec, self, mask, value_of(v), out);
}

// ---------------------------------------------------------------- clamp, clamp_min, clamp_max

PointwiseKernels clamp_k GF_POINTWISE_KERNELS("clamp");
PointwiseKernels clamp_tensor_k GF_POINTWISE_KERNELS("clamp_tensor");
PointwiseKernels clamp_min_tensor_k GF_POINTWISE_KERNELS("clamp_min_tensor");
PointwiseKernels clamp_max_tensor_k GF_POINTWISE_KERNELS("clamp_max_tensor");

// P of the clamp body.
constexpr int64_t kClampMin = 1, kClampMax = 2, kClampNanBounds = 4;

// Overloads with Scalar bounds, in the order functional, in-place, out=.
OpRecord clamp_rec[3] = {{"clamp"}, {"clamp_"}, {"clamp.out"}};
OpRecord clamp_min_rec[3] = {{"clamp_min"}, {"clamp_min_"}, {"clamp_min.out"}};
OpRecord clamp_max_rec[3] = {{"clamp_max"}, {"clamp_max_"}, {"clamp_max.out"}};
// ... with Tensor bounds.
OpRecord clamp_t_rec[3] = {{"clamp.Tensor"}, {"clamp_.Tensor"}, {"clamp.Tensor_out"}};
OpRecord clamp_min_t_rec[3] = {{"clamp_min.Tensor"}, {"clamp_min_.Tensor"}, {"clamp_min.Tensor_out"}};
OpRecord clamp_max_t_rec[3] = {{"clamp_max.Tensor"}, {"clamp_max_.Tensor"}, {"clamp_max.Tensor_out"}};

bool is_nan(const OptScalar& s) { return s.has_value() && std::isnan(s->toDouble()); }

// out = clamp(self, lo, hi) with Scalar bounds (clamp: lo and/or hi; clamp_min: lo; clamp_max:
// hi), out undefined (allocated), self (in place) or given. ATen's rules: integer self promotes
// with the bounds (not in place); clamp_min/clamp_max with a NaN bound, or clamp with two bounds
// and a NaN one, give NaN everywhere; clamp with one NaN bound leaves self as it is. False: ATen.
bool clamp_scalar_into(OpRecord& rec, at::Tensor& out, const at::Tensor& self, const OptScalar& lo,
                       const OptScalar& hi, bool nan_bounds_propagate) {
  if (const char* why = unsupported(kAllReal, {&self, &out})) {
    record(rec, true, why);
    return false;
  }
  if ((lo && lo->isComplex()) || (hi && hi->isComplex())) {
    record(rec, true, "complex bound");
    return false;
  }
  ScalarType result_type = self.scalar_type();
  if (!c10::isFloatingType(result_type)) {
    at::native::ResultTypeState state = {};
    state = at::native::update_result_type_state(self, state);
    if (lo) state = at::native::update_result_type_state(*lo, state);
    if (hi) state = at::native::update_result_type_state(*hi, state);
    result_type = at::native::result_type(state);
    TORCH_CHECK(result_type == self.scalar_type() || !out.defined() || !out.is_same(self), "result type ",
                result_type, " can't be cast to the desired output type ", self.dtype());
  }
  TORCH_CHECK(!out.defined() || out.scalar_type() == result_type, "Found dtype ", out.scalar_type(),
              " but expected ", result_type);
  if (result_type == c10::kBool) {
    record(rec, true, "dtype");  // ATen has no bool clamp kernel: its error
    return false;
  }
  const bool propagate = nan_bounds_propagate || (lo && hi);
  const bool all_nan = propagate && (is_nan(lo) || is_nan(hi));
  // Bounds convert as ATen's kernels do: to the dtype on the CPU, to its op math type on CUDA
  // (which decides which out-of-range bounds raise). A NaN result needs no conversion.
  const ScalarType bound_type = self.is_cuda() ? compute_type(result_type) : result_type;
  c10::Scalar lo_v = 0, hi_v = 0;
  int64_t mode = propagate ? kClampNanBounds : 0;
  if (lo) {
    lo_v = all_nan ? *lo : converted(*lo, bound_type);
    mode |= kClampMin;
  }
  if (hi) {
    hi_v = all_nan ? *hi : converted(*hi, bound_type);
    mode |= kClampMax;
  }
  record(rec);
  const Scalars bounds(lo_v, hi_v);
  // self dense and the result in place or new: one flat launch, no TensorIterator (host cost)
  if (result_type == self.scalar_type() && (!out.defined() || out.is_same(self)) &&
      run_same_layout(clamp_k, out, {&self}, result_type, compute_type(result_type), bounds, mode))
    return true;
  auto iter = at::TensorIteratorConfig()
                  .add_output(out)
                  .add_const_input(self)
                  .check_all_same_dtype(false)
                  .declare_static_dtype(result_type)
                  .build();
  if (!run_pointwise(clamp_k, iter, compute_type(result_type), bounds, mode)) {
    record_declined(rec);
    return false;
  }
  if (!out.defined()) out = iter.output();
  return true;
}

// ATen's kernels for the Scalar-bound overloads.
struct ClampAten {
  static at::Tensor fn(const at::Tensor& s, const OptScalar& lo, const OptScalar& hi) {
    return s.is_cuda() ? at::cuda::clamp(s, lo, hi) : at::cpu::clamp(s, lo, hi);
  }
  static at::Tensor& inplace(at::Tensor& s, const OptScalar& lo, const OptScalar& hi) {
    return s.is_cuda() ? at::cuda::clamp_(s, lo, hi) : at::cpu::clamp_(s, lo, hi);
  }
  static at::Tensor& out(const at::Tensor& s, const OptScalar& lo, const OptScalar& hi, at::Tensor& o) {
    return o.is_cuda() ? at::cuda::clamp_outf(s, lo, hi, o) : at::cpu::clamp_outf(s, lo, hi, o);
  }
};

void check_clamp_bounds(bool lo, bool hi) {
  TORCH_CHECK(lo || hi, "torch.clamp: At least one of 'min' or 'max' must not be None");
}

at::Tensor clamp_fn(const at::Tensor& self, const OptScalar& lo, const OptScalar& hi) {
  check_clamp_bounds(lo.has_value(), hi.has_value());
  at::Tensor out;
  if (!clamp_scalar_into(clamp_rec[0], out, self, lo, hi, false)) return ClampAten::fn(self, lo, hi);
  return out;
}
at::Tensor& clamp_inplace(at::Tensor& self, const OptScalar& lo, const OptScalar& hi) {
  check_clamp_bounds(lo.has_value(), hi.has_value());
  if (!clamp_scalar_into(clamp_rec[1], self, self, lo, hi, false)) return ClampAten::inplace(self, lo, hi);
  return self;
}
at::Tensor& clamp_out(const at::Tensor& self, const OptScalar& lo, const OptScalar& hi, at::Tensor& out) {
  check_clamp_bounds(lo.has_value(), hi.has_value());
  if (!clamp_scalar_into(clamp_rec[2], out, self, lo, hi, false)) return ClampAten::out(self, lo, hi, out);
  return out;
}

at::Tensor clamp_min_fn(const at::Tensor& self, const at::Scalar& lo) {
  at::Tensor out;
  if (!clamp_scalar_into(clamp_min_rec[0], out, self, lo, std::nullopt, true))
    return self.is_cuda() ? at::cuda::clamp_min(self, lo) : at::cpu::clamp_min(self, lo);
  return out;
}
at::Tensor& clamp_min_inplace(at::Tensor& self, const at::Scalar& lo) {
  if (!clamp_scalar_into(clamp_min_rec[1], self, self, lo, std::nullopt, true))
    return self.is_cuda() ? at::cuda::clamp_min_(self, lo) : at::cpu::clamp_min_(self, lo);
  return self;
}
at::Tensor& clamp_min_out(const at::Tensor& self, const at::Scalar& lo, at::Tensor& out) {
  if (!clamp_scalar_into(clamp_min_rec[2], out, self, lo, std::nullopt, true))
    return out.is_cuda() ? at::cuda::clamp_min_outf(self, lo, out) : at::cpu::clamp_min_outf(self, lo, out);
  return out;
}
at::Tensor clamp_max_fn(const at::Tensor& self, const at::Scalar& hi) {
  at::Tensor out;
  if (!clamp_scalar_into(clamp_max_rec[0], out, self, std::nullopt, hi, true))
    return self.is_cuda() ? at::cuda::clamp_max(self, hi) : at::cpu::clamp_max(self, hi);
  return out;
}
at::Tensor& clamp_max_inplace(at::Tensor& self, const at::Scalar& hi) {
  if (!clamp_scalar_into(clamp_max_rec[1], self, self, std::nullopt, hi, true))
    return self.is_cuda() ? at::cuda::clamp_max_(self, hi) : at::cpu::clamp_max_(self, hi);
  return self;
}
at::Tensor& clamp_max_out(const at::Tensor& self, const at::Scalar& hi, at::Tensor& out) {
  if (!clamp_scalar_into(clamp_max_rec[2], out, self, std::nullopt, hi, true))
    return out.is_cuda() ? at::cuda::clamp_max_outf(self, hi, out) : at::cpu::clamp_max_outf(self, hi, out);
  return out;
}

// clamp with Tensor bounds (ATen's CLAMP_CONFIG: promoted inputs, result cast to out): both
// bounds, or one (then the maximum/minimum body, as ATen runs maximum/minimum). NaN in any
// operand gives NaN. False: ATen.
bool clamp_tensor_into(OpRecord& rec, at::Tensor& out, const at::Tensor& self, const OptTensor& lo,
                       const OptTensor& hi) {
  const at::Tensor none;
  const at::Tensor& l = lo ? *lo : none;
  const at::Tensor& h = hi ? *hi : none;
  if (const char* why = unsupported(kAllReal, {&self, &l, &h, &out})) {
    record(rec, true, why);
    return false;
  }
  at::TensorIteratorConfig config;
  config.set_check_mem_overlap(true)
      .add_output(out)
      .add_const_input(self)
      .promote_inputs_to_common_dtype(true)
      .cast_common_dtype_to_outputs(true)
      .enforce_safe_casting_to_output(true);
  if (lo) config.add_const_input(l);
  if (hi) config.add_const_input(h);
  auto iter = config.build();
  if (lo && hi && iter.common_dtype() == c10::kBool) {
    record(rec, true, "dtype");  // ATen has no bool clamp kernel: its error
    return false;
  }
  record(rec);
  PointwiseKernels& k = lo && hi ? clamp_tensor_k : lo ? clamp_min_tensor_k : clamp_max_tensor_k;
  if (!run_pointwise(k, iter, compute_type(iter.common_dtype()))) {
    record_declined(rec);
    return false;
  }
  finish_pointwise(iter, out);
  return true;
}

at::Tensor clamp_t_fn(const at::Tensor& self, const OptTensor& lo, const OptTensor& hi) {
  check_clamp_bounds(lo.has_value(), hi.has_value());
  at::Tensor out;
  if (!clamp_tensor_into(clamp_t_rec[0], out, self, lo, hi))
    return self.is_cuda() ? at::cuda::clamp(self, lo, hi) : at::cpu::clamp(self, lo, hi);
  return out;
}
at::Tensor& clamp_t_inplace(at::Tensor& self, const OptTensor& lo, const OptTensor& hi) {
  check_clamp_bounds(lo.has_value(), hi.has_value());
  if (!clamp_tensor_into(clamp_t_rec[1], self, self, lo, hi))
    return self.is_cuda() ? at::cuda::clamp_(self, lo, hi) : at::cpu::clamp_(self, lo, hi);
  return self;
}
at::Tensor& clamp_t_out(const at::Tensor& self, const OptTensor& lo, const OptTensor& hi, at::Tensor& out) {
  check_clamp_bounds(lo.has_value(), hi.has_value());
  if (!clamp_tensor_into(clamp_t_rec[2], out, self, lo, hi))
    return out.is_cuda() ? at::cuda::clamp_outf(self, lo, hi, out) : at::cpu::clamp_outf(self, lo, hi, out);
  return out;
}

// clamp_min/clamp_max with a Tensor bound: binary ops (maximum/minimum semantics).
bool clamp_bound_into(OpRecord& rec, PointwiseKernels& k, at::Tensor& out, const at::Tensor& self,
                      const at::Tensor& bound) {
  if (const char* why = unsupported(kAllReal, {&self, &bound, &out})) {
    record(rec, true, why);
    return false;
  }
  record(rec);
  auto iter = binary_iter(Binary::Plain, out, self, bound);
  if (!run_pointwise(k, iter, compute_type(iter.common_dtype()))) {
    record_declined(rec);
    return false;
  }
  finish_pointwise(iter, out);
  return true;
}

at::Tensor clamp_min_t_fn(const at::Tensor& self, const at::Tensor& lo) {
  at::Tensor out;
  if (!clamp_bound_into(clamp_min_t_rec[0], clamp_min_tensor_k, out, self, lo))
    return self.is_cuda() ? at::cuda::clamp_min(self, lo) : at::cpu::clamp_min(self, lo);
  return out;
}
at::Tensor& clamp_min_t_inplace(at::Tensor& self, const at::Tensor& lo) {
  if (!clamp_bound_into(clamp_min_t_rec[1], clamp_min_tensor_k, self, self, lo))
    return self.is_cuda() ? at::cuda::clamp_min_(self, lo) : at::cpu::clamp_min_(self, lo);
  return self;
}
at::Tensor& clamp_min_t_out(const at::Tensor& self, const at::Tensor& lo, at::Tensor& out) {
  if (!clamp_bound_into(clamp_min_t_rec[2], clamp_min_tensor_k, out, self, lo))
    return out.is_cuda() ? at::cuda::clamp_min_outf(self, lo, out) : at::cpu::clamp_min_outf(self, lo, out);
  return out;
}
at::Tensor clamp_max_t_fn(const at::Tensor& self, const at::Tensor& hi) {
  at::Tensor out;
  if (!clamp_bound_into(clamp_max_t_rec[0], clamp_max_tensor_k, out, self, hi))
    return self.is_cuda() ? at::cuda::clamp_max(self, hi) : at::cpu::clamp_max(self, hi);
  return out;
}
at::Tensor& clamp_max_t_inplace(at::Tensor& self, const at::Tensor& hi) {
  if (!clamp_bound_into(clamp_max_t_rec[1], clamp_max_tensor_k, self, self, hi))
    return self.is_cuda() ? at::cuda::clamp_max_(self, hi) : at::cpu::clamp_max_(self, hi);
  return self;
}
at::Tensor& clamp_max_t_out(const at::Tensor& self, const at::Tensor& hi, at::Tensor& out) {
  if (!clamp_bound_into(clamp_max_t_rec[2], clamp_max_tensor_k, out, self, hi))
    return out.is_cuda() ? at::cuda::clamp_max_outf(self, hi, out) : at::cpu::clamp_max_outf(self, hi, out);
  return out;
}

// ---------------------------------------------------------------- lerp

PointwiseKernels lerp_k GF_POINTWISE_KERNELS("lerp");
PointwiseKernels lerp_tensor_k GF_POINTWISE_KERNELS("lerp_tensor");
OpRecord lerp_rec[3] = {{"lerp.Scalar"}, {"lerp_.Scalar"}, {"lerp.Scalar_out"}};
OpRecord lerp_t_rec[3] = {{"lerp.Tensor"}, {"lerp_.Tensor"}, {"lerp.Tensor_out"}};

void check_lerp_end(const at::Tensor& self, const at::Tensor& end) {
  TORCH_CHECK(self.dtype() == end.dtype(), "expected dtype ", self.dtype(), " for `end` but got dtype ", end.dtype());
}

bool lerp_scalar_into(OpRecord& rec, at::Tensor& out, const at::Tensor& self, const at::Tensor& end,
                      const c10::Scalar& weight) {
  if (const char* why = unsupported(kFloats, {&self, &end, &out})) {
    record(rec, true, why);
    return false;
  }
  if (weight.isComplex()) {
    record(rec, true, "complex weight");
    return false;
  }
  check_lerp_end(self, end);
  record(rec);
  auto iter = binary_iter(Binary::Plain, out, self, end);
  if (!run_pointwise(lerp_k, iter, compute_type(iter.common_dtype()), Scalars(weight))) {
    record_declined(rec);
    return false;
  }
  finish_pointwise(iter, out);
  return true;
}

// A 0-d weight may have another dtype: it then takes part in type promotion (as a 0-d tensor
// does) and the result is cast to out; otherwise every dtype must match.
bool lerp_tensor_into(OpRecord& rec, at::Tensor& out, const at::Tensor& self, const at::Tensor& end,
                      const at::Tensor& weight) {
  if (const char* why = unsupported(kFloats, {&self, &end, &out})) {
    record(rec, true, why);
    return false;
  }
  if (const char* why = unsupported(kAllReal, {&weight})) {
    record(rec, true, why);
    return false;
  }
  check_lerp_end(self, end);
  const bool promote = weight.dim() == 0;
  TORCH_CHECK(promote || self.dtype() == weight.dtype(), "expected dtype ", self.dtype(),
              " for `weight` but got dtype ", weight.dtype());
  auto iter = at::TensorIteratorConfig()
                  .allow_cpu_scalars(true)
                  .promote_inputs_to_common_dtype(promote)
                  .cast_common_dtype_to_outputs(promote)
                  .enforce_safe_casting_to_output(promote)
                  .add_output(out)
                  .add_const_input(self)
                  .add_const_input(end)
                  .add_const_input(weight)
                  .build();
  if (!dtype_in(kFloats, iter.common_dtype())) {
    record(rec, true, "dtype");
    return false;
  }
  record(rec);
  if (!run_pointwise(lerp_tensor_k, iter, compute_type(iter.common_dtype()))) {
    record_declined(rec);
    return false;
  }
  finish_pointwise(iter, out);
  return true;
}

at::Tensor lerp_fn(const at::Tensor& self, const at::Tensor& end, const at::Scalar& w) {
  at::Tensor out;
  if (!lerp_scalar_into(lerp_rec[0], out, self, end, w))
    return self.is_cuda() ? at::cuda::lerp(self, end, w) : at::cpu::lerp(self, end, w);
  return out;
}
at::Tensor& lerp_inplace(at::Tensor& self, const at::Tensor& end, const at::Scalar& w) {
  if (!lerp_scalar_into(lerp_rec[1], self, self, end, w))
    return self.is_cuda() ? at::cuda::lerp_(self, end, w) : at::cpu::lerp_(self, end, w);
  return self;
}
at::Tensor& lerp_out(const at::Tensor& self, const at::Tensor& end, const at::Scalar& w, at::Tensor& out) {
  if (!lerp_scalar_into(lerp_rec[2], out, self, end, w))
    return out.is_cuda() ? at::cuda::lerp_outf(self, end, w, out) : at::cpu::lerp_outf(self, end, w, out);
  return out;
}
at::Tensor lerp_t_fn(const at::Tensor& self, const at::Tensor& end, const at::Tensor& w) {
  at::Tensor out;
  if (!lerp_tensor_into(lerp_t_rec[0], out, self, end, w))
    return self.is_cuda() ? at::cuda::lerp(self, end, w) : at::cpu::lerp(self, end, w);
  return out;
}
at::Tensor& lerp_t_inplace(at::Tensor& self, const at::Tensor& end, const at::Tensor& w) {
  if (!lerp_tensor_into(lerp_t_rec[1], self, self, end, w))
    return self.is_cuda() ? at::cuda::lerp_(self, end, w) : at::cpu::lerp_(self, end, w);
  return self;
}
at::Tensor& lerp_t_out(const at::Tensor& self, const at::Tensor& end, const at::Tensor& w, at::Tensor& out) {
  if (!lerp_tensor_into(lerp_t_rec[2], out, self, end, w))
    return out.is_cuda() ? at::cuda::lerp_outf(self, end, w, out) : at::cpu::lerp_outf(self, end, w, out);
  return out;
}

// ---------------------------------------------------------------- addcmul, addcdiv

PointwiseKernels addcmul_k GF_POINTWISE_KERNELS("addcmul");
PointwiseKernels addcdiv_k GF_POINTWISE_KERNELS("addcdiv");
OpRecord addcmul_rec[3] = {{"addcmul"}, {"addcmul_"}, {"addcmul.out"}};
OpRecord addcdiv_rec[3] = {{"addcdiv"}, {"addcdiv_"}, {"addcdiv.out"}};

// out = self + value * (t1 op t2) (ATen's build_ternary_op: promoted inputs, result cast to out).
// value converts as ATen's kernels do: Scalar::to<dtype> on the CPU (raising on overflow), to
// the accumulate type on CUDA. False: ATen.
bool addc_into(OpRecord& rec, bool div, at::Tensor& out, const at::Tensor& self, const at::Tensor& t1,
               const at::Tensor& t2, const c10::Scalar& value) {
  if (div && c10::isIntegralType(t1.scalar_type(), true) && c10::isIntegralType(t2.scalar_type(), true)) {
    TORCH_CHECK(false, "Integer division with addcdiv is no longer supported, and in a future  ",
                "release addcdiv will perform a true division of tensor1 and tensor2. ",
                "The historic addcdiv behavior can be implemented as ",
                "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) ",
                "for integer inputs and as ",
                "(input + value * tensor1 / tensor2) for float inputs. ",
                "The future addcdiv behavior is just the latter implementation: ",
                "(input + value * tensor1 / tensor2), for all dtypes.");
  }
  if (const char* why = unsupported(kAllReal, {&self, &t1, &t2, &out})) {
    record(rec, true, why);
    return false;
  }
  if (value.isComplex()) {
    record(rec, true, "complex value");
    return false;
  }
  auto iter = at::TensorIteratorConfig()
                  .promote_inputs_to_common_dtype(true)
                  .cast_common_dtype_to_outputs(true)
                  .enforce_safe_casting_to_output(true)
                  .add_output(out)
                  .add_const_input(self)
                  .add_const_input(t1)
                  .add_const_input(t2)
                  .build();
  const ScalarType common = iter.common_dtype();
  if (common == c10::kBool) {
    record(rec, true, "dtype");  // ATen has no bool kernel: its error
    return false;
  }
  const bool long_acc = self.is_cuda() && c10::isIntegralType(common, false);
  const c10::Scalar v = converted(value, long_acc ? c10::kLong : compute_type(common));
  record(rec);
  if (!run_pointwise(div ? addcdiv_k : addcmul_k, iter, compute_type(common), Scalars(v))) {
    record_declined(rec);
    return false;
  }
  finish_pointwise(iter, out);
  return true;
}

struct AddcmulAten {
  static at::Tensor fn(const at::Tensor& s, const at::Tensor& a, const at::Tensor& b, const at::Scalar& v) {
    return s.is_cuda() ? at::cuda::addcmul(s, a, b, v) : at::cpu::addcmul(s, a, b, v);
  }
  static at::Tensor& inplace(at::Tensor& s, const at::Tensor& a, const at::Tensor& b, const at::Scalar& v) {
    return s.is_cuda() ? at::cuda::addcmul_(s, a, b, v) : at::cpu::addcmul_(s, a, b, v);
  }
  static at::Tensor& out(const at::Tensor& s, const at::Tensor& a, const at::Tensor& b, const at::Scalar& v,
                         at::Tensor& o) {
    return o.is_cuda() ? at::cuda::addcmul_outf(s, a, b, v, o) : at::cpu::addcmul_outf(s, a, b, v, o);
  }
};
struct AddcdivAten {
  static at::Tensor fn(const at::Tensor& s, const at::Tensor& a, const at::Tensor& b, const at::Scalar& v) {
    return s.is_cuda() ? at::cuda::addcdiv(s, a, b, v) : at::cpu::addcdiv(s, a, b, v);
  }
  static at::Tensor& inplace(at::Tensor& s, const at::Tensor& a, const at::Tensor& b, const at::Scalar& v) {
    return s.is_cuda() ? at::cuda::addcdiv_(s, a, b, v) : at::cpu::addcdiv_(s, a, b, v);
  }
  static at::Tensor& out(const at::Tensor& s, const at::Tensor& a, const at::Tensor& b, const at::Scalar& v,
                         at::Tensor& o) {
    return o.is_cuda() ? at::cuda::addcdiv_outf(s, a, b, v, o) : at::cpu::addcdiv_outf(s, a, b, v, o);
  }
};

template <bool kDiv, typename Aten>
struct Addc {
  static OpRecord* recs() { return kDiv ? addcdiv_rec : addcmul_rec; }
  static at::Tensor fn(const at::Tensor& s, const at::Tensor& a, const at::Tensor& b, const at::Scalar& v) {
    at::Tensor out;
    if (!addc_into(recs()[0], kDiv, out, s, a, b, v)) return Aten::fn(s, a, b, v);
    return out;
  }
  static at::Tensor& inplace(at::Tensor& s, const at::Tensor& a, const at::Tensor& b, const at::Scalar& v) {
    if (!addc_into(recs()[1], kDiv, s, s, a, b, v)) return Aten::inplace(s, a, b, v);
    return s;
  }
  static at::Tensor& out(const at::Tensor& s, const at::Tensor& a, const at::Tensor& b, const at::Scalar& v,
                         at::Tensor& o) {
    if (!addc_into(recs()[2], kDiv, o, s, a, b, v)) return Aten::out(s, a, b, v, o);
    return o;
  }
  static void add(std::vector<OpEntry>& t) {
    t.push_back(entry<&fn>(recs()[0]));
    t.push_back(entry<&inplace>(recs()[1]));
    t.push_back(entry<&out>(recs()[2]));
  }
};
using addcmul_ops = Addc<false, AddcmulAten>;
using addcdiv_ops = Addc<true, AddcdivAten>;

// ---------------------------------------------------------------- heaviside

PointwiseKernels heaviside_k GF_POINTWISE_KERNELS("heaviside");
OpRecord heaviside_rec[3] = {{"heaviside"}, {"heaviside_"}, {"heaviside.out"}};

bool heaviside_into(OpRecord& rec, at::Tensor& out, const at::Tensor& self, const at::Tensor& values) {
  if (const char* why = unsupported(kAllReal, {&self, &values, &out})) {
    record(rec, true, why);
    return false;
  }
  TORCH_CHECK(self.dtype() == values.dtype() && (!out.defined() || out.dtype() == self.dtype()),
              "heaviside is not yet implemented for tensors with different dtypes.");
  record(rec);
  auto iter = binary_iter(Binary::Plain, out, self, values);
  if (!run_pointwise(heaviside_k, iter, compute_type(iter.common_dtype()))) {
    record_declined(rec);
    return false;
  }
  finish_pointwise(iter, out);
  return true;
}

at::Tensor heaviside_fn(const at::Tensor& self, const at::Tensor& values) {
  at::Tensor out;
  if (!heaviside_into(heaviside_rec[0], out, self, values))
    return self.is_cuda() ? at::cuda::heaviside(self, values) : at::cpu::heaviside(self, values);
  return out;
}
at::Tensor& heaviside_inplace(at::Tensor& self, const at::Tensor& values) {
  if (!heaviside_into(heaviside_rec[1], self, self, values))
    return self.is_cuda() ? at::cuda::heaviside_(self, values) : at::cpu::heaviside_(self, values);
  return self;
}
at::Tensor& heaviside_out(const at::Tensor& self, const at::Tensor& values, at::Tensor& out) {
  if (!heaviside_into(heaviside_rec[2], out, self, values))
    return out.is_cuda() ? at::cuda::heaviside_outf(self, values, out) : at::cpu::heaviside_outf(self, values, out);
  return out;
}

// ---------------------------------------------------------------- isclose, allclose

PointwiseKernels isclose_k GF_POINTWISE_KERNELS("isclose");
OpRecord isclose_rec{"isclose"}, allclose_rec{"allclose"};

// P of the isclose body.
constexpr int64_t kIscloseEqualNan = 1, kIscloseExact = 2, kIscloseRoundShift = 2;

int64_t half_code(ScalarType t) { return t == c10::kHalf ? 1 : t == c10::kBFloat16 ? 2 : 0; }

// isclose as one kernel (ATen composes ~10 ops): see the body. Integer and bool inputs compare
// exactly with zero tolerances, else in the default float dtype as ATen casts them.
at::Tensor isclose_impl(OpRecord& rec, const at::Tensor& self, const at::Tensor& other, double rtol, double atol,
                        bool equal_nan) {
  auto aten = [&] { return at::compositeimplicitautograd::isclose(self, other, rtol, atol, equal_nan); };
  if (const char* why = unsupported(kAllReal, {&self, &other})) {
    record(rec, true, why);
    return aten();
  }
  TORCH_CHECK(self.scalar_type() == other.scalar_type(), self.scalar_type(), " did not match ",
              other.scalar_type());
  TORCH_CHECK(rtol >= 0, "rtol must be greater than or equal to zero, but got ", rtol);
  TORCH_CHECK(atol >= 0, "atol must be greater than or equal to zero, but got ", atol);
  const ScalarType dtype = self.scalar_type();
  const bool exact = rtol == 0 && atol == 0;
  // The type the differences are computed in (ATen casts integer and bool inputs to it).
  const ScalarType err_type = c10::isFloatingType(dtype) ? dtype : c10::typeMetaToScalarType(c10::get_default_dtype());
  const ScalarType compute = exact && !c10::isFloatingType(dtype) ? dtype : compute_type(err_type);
  int64_t mode = (equal_nan ? kIscloseEqualNan : 0) | (exact ? kIscloseExact : 0);
  if (!exact) mode |= half_code(err_type) << kIscloseRoundShift;
  record(rec);
  at::Tensor out;
  auto iter = binary_iter(Binary::Comparison, out, self, other);
  if (!run_pointwise(isclose_k, iter, compute, Scalars(rtol, atol), mode)) {
    record_declined(rec);
    return aten();
  }
  return iter.output();
}

at::Tensor isclose(const at::Tensor& self, const at::Tensor& other, double rtol, double atol, bool equal_nan) {
  return isclose_impl(isclose_rec, self, other, rtol, atol, equal_nan);
}

bool allclose(const at::Tensor& self, const at::Tensor& other, double rtol, double atol, bool equal_nan) {
  return isclose_impl(allclose_rec, self, other, rtol, atol, equal_nan).all().item<bool>();
}

// ---------------------------------------------------------------- isin

PointwiseKernels isin_scalar_k GF_POINTWISE_KERNELS("isin_scalar");
rt::KernelHandle isin_kernel{"gemforge.kernels.pointwise_ops.ternary", "_isin_kernel"};
rt::KernelHandle isin_sorted_kernel{"gemforge.kernels.pointwise_ops.ternary", "_isin_sorted_kernel"};
OpRecord isin_tt_rec{"isin.Tensor_Tensor"}, isin_tt_out_rec{"isin.Tensor_Tensor_out"},
    isin_ts_rec{"isin.Tensor_Scalar"}, isin_ts_out_rec{"isin.Tensor_Scalar_out"}, isin_st_rec{"isin.Scalar_Tensor"},
    isin_st_out_rec{"isin.Scalar_Tensor_out"};

void check_isin_dtype(ScalarType t) {
  TORCH_CHECK_NOT_IMPLEMENTED(t != c10::kBool && !c10::isComplexType(t),
                              "Unsupported input type encountered for isin(): ", t);
}

// The structured out= rule: out must be bool; it takes the shape.
void resize_isin_out(at::Tensor& out, c10::IntArrayRef sizes) {
  TORCH_CHECK(out.scalar_type() == c10::kBool, "Expected out tensor to have dtype bool, but got ", out.dtype(),
              " instead");
  at::native::resize_output(out, sizes);
}

// Few test elements (numpy's heuristic, as ATen): every element is compared with each of them.
// Otherwise they are sorted once and each element binary-searches them (ATen sorts the elements
// and the test elements together instead).
bool isin_loops(int64_t elements, int64_t tests) {
  return tests < static_cast<int64_t>(10.0f * std::pow(static_cast<double>(elements), 0.145));
}

// out (bool, elements' shape) = elements in test_elements, compared in their promoted dtype.
// False: ATen must do it.
bool isin_into(OpRecord& rec, at::Tensor& out, const at::Tensor& elements, const at::Tensor& test, bool invert) {
  if (const char* why = unsupported(kAllReal, {&elements, &test})) {
    record(rec, true, why);
    return false;
  }
  check_isin_dtype(elements.scalar_type());
  check_isin_dtype(test.scalar_type());
  if (test.device() != elements.device()) {
    record(rec, true, "device");
    return false;
  }
  record(rec);
  if (out.defined()) {
    resize_isin_out(out, elements.sizes());
  } else {
    out = at::empty(elements.sizes(), elements.options().dtype(c10::kBool));
  }
  const int64_t n = elements.numel();
  if (n == 0) return true;
  // One flat pass: contiguous operands (copies of the others, through GemForge's clone).
  const at::Tensor x = elements.contiguous();
  const ScalarType common = promoted(elements, test);
  const bool loops = isin_loops(n, test.numel());
  // (sort: GemForge's when it is enabled; values in the common dtype, so that the order is the
  // comparison's)
  const at::Tensor t = loops ? test.contiguous() : std::get<0>(at::sort(test.to(common).reshape({-1})));
  const bool direct = out.is_contiguous();
  const at::Tensor dst = direct ? out : at::empty(elements.sizes(), out.options());
  const ScalarType compute = compute_type(common);
  const auto& c = rt::lookup_config(rt::Family::Pointwise1D, arch_of(x.device()), n, x.element_size());
  const int64_t block = std::min<int64_t>(c.block0, std::max<int64_t>(128, next_pow2(n)));
  const int64_t ntest = t.numel();
  rt::KernelArgs args;
  args.tensor(dst).tensor(x).tensor(t).integer(n).integer(ntest);
  if (!loops) args.integer(64 - __builtin_clzll(static_cast<uint64_t>(std::max<int64_t>(ntest, 1))));  // steps
  args.constant(invert).constant(static_cast<int64_t>(compute)).constant(block);
  args.constant(n > INT32_MAX - block || ntest > INT32_MAX / 2);
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(n, block);
  cfg.num_warps = c.num_warps;
  cfg.num_stages = c.num_stages;
  rt::launch(loops ? isin_kernel : isin_sorted_kernel, cfg, args, x.device());
  if (!direct) out.copy_(dst);
  return true;
}

at::Tensor isin_tt(const at::Tensor& elements, const at::Tensor& test, bool assume_unique, bool invert) {
  at::Tensor out;
  if (!isin_into(isin_tt_rec, out, elements, test, invert))
    return elements.is_cuda() ? at::cuda::isin(elements, test, assume_unique, invert)
                              : at::cpu::isin(elements, test, assume_unique, invert);
  return out;
}
at::Tensor& isin_tt_out(const at::Tensor& elements, const at::Tensor& test, bool assume_unique, bool invert,
                        at::Tensor& out) {
  if (!isin_into(isin_tt_out_rec, out, elements, test, invert))
    return out.is_cuda() ? at::cuda::isin_outf(elements, test, assume_unique, invert, out)
                         : at::cpu::isin_outf(elements, test, assume_unique, invert, out);
  return out;
}

// One test element: a comparison (ATen redispatches to eq/ne).
bool isin_ts_into(OpRecord& rec, at::Tensor& out, const at::Tensor& elements, const c10::Scalar& test, bool invert) {
  if (const char* why = unsupported(kAllReal, {&elements})) {
    record(rec, true, why);
    return false;
  }
  check_isin_dtype(elements.scalar_type());
  check_isin_dtype(test.type());
  if (out.defined()) resize_isin_out(out, elements.sizes());
  record(rec);
  const at::Tensor t = at::native::wrapped_scalar_tensor(test);
  auto iter = binary_iter(Binary::Comparison, out, elements, t);
  if (!run_pointwise(isin_scalar_k, iter, compute_type(iter.common_dtype()), {}, invert)) {
    record_declined(rec);
    return false;
  }
  finish_pointwise(iter, out);
  return true;
}

at::Tensor isin_ts(const at::Tensor& elements, const at::Scalar& test, bool assume_unique, bool invert) {
  at::Tensor out;
  if (!isin_ts_into(isin_ts_rec, out, elements, test, invert))
    return elements.is_cuda() ? at::cuda::isin(elements, test, assume_unique, invert)
                              : at::cpu::isin(elements, test, assume_unique, invert);
  return out;
}
at::Tensor& isin_ts_out(const at::Tensor& elements, const at::Scalar& test, bool assume_unique, bool invert,
                        at::Tensor& out) {
  if (!isin_ts_into(isin_ts_out_rec, out, elements, test, invert))
    return out.is_cuda() ? at::cuda::isin_outf(elements, test, assume_unique, invert, out)
                         : at::cpu::isin_outf(elements, test, assume_unique, invert, out);
  return out;
}

// One element: a 0-d tensor on the test elements' device, as ATen makes it.
at::Tensor isin_st(const at::Scalar& element, const at::Tensor& test, bool assume_unique, bool invert) {
  check_isin_dtype(element.type());
  const at::Tensor elements = at::native::wrapped_scalar_tensor(element, test.device());
  at::Tensor out;
  if (!isin_into(isin_st_rec, out, elements, test, invert))
    return test.is_cuda() ? at::cuda::isin(element, test, assume_unique, invert)
                          : at::cpu::isin(element, test, assume_unique, invert);
  return out;
}
at::Tensor& isin_st_out(const at::Scalar& element, const at::Tensor& test, bool assume_unique, bool invert,
                        at::Tensor& out) {
  check_isin_dtype(element.type());
  const at::Tensor elements = at::native::wrapped_scalar_tensor(element, test.device());
  if (!isin_into(isin_st_out_rec, out, elements, test, invert))
    return out.is_cuda() ? at::cuda::isin_outf(element, test, assume_unique, invert, out)
                         : at::cpu::isin_outf(element, test, assume_unique, invert, out);
  return out;
}

}  // namespace
}  // namespace gemforge::ops

namespace gemforge {

void add_ternary_ops(std::vector<OpEntry>& t) {
  using namespace ops;
  // copies and fills
  t.push_back(entry<&copy_>(copy__rec));
  t.push_back(entry<&copy>(copy_rec));
  t.push_back(entry<&copy_out>(copy_out_rec));
  t.push_back(entry<&clone>(clone_rec));
  t.push_back(entry<&clone_out>(clone_out_rec));
  t.push_back(entry<&_to_copy>(to_copy_rec));
  t.push_back(entry<&_to_copy_out>(to_copy_out_rec));
  t.push_back(entry<&fill_scalar_>(fill_scalar__rec));
  t.push_back(entry<&fill_tensor_>(fill_tensor__rec));
  t.push_back(entry<&fill_scalar>(fill_scalar_rec));
  t.push_back(entry<&fill_tensor>(fill_tensor_rec));
  t.push_back(entry<&fill_scalar_out>(fill_scalar_out_rec));
  t.push_back(entry<&fill_tensor_out>(fill_tensor_out_rec));
  t.push_back(entry<&zero_>(zero__rec));
  t.push_back(entry<&zero>(zero_rec));
  t.push_back(entry<&zero_out>(zero_out_rec));
  // where, masked_fill
  t.push_back(entry<&where_self>(where_rec));
  t.push_back(entry<&where_self_out>(where_out_rec));
  t.push_back(entry<&masked_fill_scalar_>(masked_fill_scalar__rec));
  t.push_back(entry<&masked_fill_tensor_>(masked_fill_tensor__rec));
  t.push_back(entry<&masked_fill_scalar>(masked_fill_scalar_rec));
  t.push_back(entry<&masked_fill_tensor>(masked_fill_tensor_rec));
  t.push_back(entry<&masked_fill_scalar_out>(masked_fill_scalar_out_rec));
  t.push_back(entry<&masked_fill_tensor_out>(masked_fill_tensor_out_rec));
  // clamps
  t.push_back(entry<&clamp_fn>(clamp_rec[0]));
  t.push_back(entry<&clamp_inplace>(clamp_rec[1]));
  t.push_back(entry<&clamp_out>(clamp_rec[2]));
  t.push_back(entry<&clamp_min_fn>(clamp_min_rec[0]));
  t.push_back(entry<&clamp_min_inplace>(clamp_min_rec[1]));
  t.push_back(entry<&clamp_min_out>(clamp_min_rec[2]));
  t.push_back(entry<&clamp_max_fn>(clamp_max_rec[0]));
  t.push_back(entry<&clamp_max_inplace>(clamp_max_rec[1]));
  t.push_back(entry<&clamp_max_out>(clamp_max_rec[2]));
  t.push_back(entry<&clamp_t_fn>(clamp_t_rec[0]));
  t.push_back(entry<&clamp_t_inplace>(clamp_t_rec[1]));
  t.push_back(entry<&clamp_t_out>(clamp_t_rec[2]));
  t.push_back(entry<&clamp_min_t_fn>(clamp_min_t_rec[0]));
  t.push_back(entry<&clamp_min_t_inplace>(clamp_min_t_rec[1]));
  t.push_back(entry<&clamp_min_t_out>(clamp_min_t_rec[2]));
  t.push_back(entry<&clamp_max_t_fn>(clamp_max_t_rec[0]));
  t.push_back(entry<&clamp_max_t_inplace>(clamp_max_t_rec[1]));
  t.push_back(entry<&clamp_max_t_out>(clamp_max_t_rec[2]));
  // lerp, addcmul, addcdiv, heaviside
  t.push_back(entry<&lerp_fn>(lerp_rec[0]));
  t.push_back(entry<&lerp_inplace>(lerp_rec[1]));
  t.push_back(entry<&lerp_out>(lerp_rec[2]));
  t.push_back(entry<&lerp_t_fn>(lerp_t_rec[0]));
  t.push_back(entry<&lerp_t_inplace>(lerp_t_rec[1]));
  t.push_back(entry<&lerp_t_out>(lerp_t_rec[2]));
  addcmul_ops::add(t);
  addcdiv_ops::add(t);
  t.push_back(entry<&heaviside_fn>(heaviside_rec[0]));
  t.push_back(entry<&heaviside_inplace>(heaviside_rec[1]));
  t.push_back(entry<&heaviside_out>(heaviside_rec[2]));
  // isclose, allclose, isin
  t.push_back(entry<&isclose>(isclose_rec));
  t.push_back(entry<&allclose>(allclose_rec));
  t.push_back(entry<&isin_tt>(isin_tt_rec));
  t.push_back(entry<&isin_tt_out>(isin_tt_out_rec));
  t.push_back(entry<&isin_ts>(isin_ts_rec));
  t.push_back(entry<&isin_ts_out>(isin_ts_out_rec));
  t.push_back(entry<&isin_st>(isin_st_rec));
  t.push_back(entry<&isin_st_out>(isin_st_out_rec));
}

}  // namespace gemforge
