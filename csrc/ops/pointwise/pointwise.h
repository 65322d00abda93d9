// The pointwise mechanism shared by every pointwise op file: TensorIterator does broadcasting,
// type promotion, output allocation and dim coalescing; one launcher runs an op's Triton scalar
// body (python/gemforge/kernels/pointwise_ops/) over it with the generic drivers in
// python/gemforge/kernels/pointwise.py.
//
// Adding an operator: a scalar body in Python, and on this side either one GF_UNARY line (plain
// unary ops) or its overloads written with `unsupported()` / `run_pointwise()` below, in the
// pattern of `Unary`: unsupported input -> record the fallback and call ATen's kernel; else
// record, build the iterator, run, and fall back if run_pointwise says the layout is beyond it.
#pragma once

#include "ops/op_utils.h"

#include <c10/core/DefaultDtype.h>
#include "registration/registry.h"
#include "runtime/kernel.h"

#include <ATen/TensorIterator.h>

#include <initializer_list>

namespace gemforge::ops {

// How an op's body costs per element, beside its memory traffic; it adjusts the launch
// configuration of the config table (core.cpp: kMaxRegisters, kComputeBlockScale).
enum class Cost : uint8_t {
  Light,      // a few instructions per element: memory bound, the table's configuration as is
  Compute,    // for operands of at most 2 bytes, twice the table's elements a thread on the flat
              // driver, whose independent chains hide the arithmetic's latency (libdevice-heavy
              // math: sin, log, tanh, ...; core.cpp kComputeBlockScale, measured per op)
  Registers,  // bodies that keep much state live (fmod's exact fallback loop): a register cap
};

// The two drivers, bound to one op body (a function name in gemforge.kernels.pointwise).
struct PointwiseKernels {
  rt::KernelHandle flat;     // pointwise_1d: every tensor operand contiguous
  rt::KernelHandle strided;  // pointwise_nd: up to kMaxRank dims after coalescing
  Cost cost = Cost::Light;
  // The body has a variant for fp16/bf16 results, taken with the kHalfResult bit in P: an fp32
  // evaluation exact to their precision (pointwise_ops/common.py HALF_RESULT).
  bool half_variant = false;
  // The modes (a bit per P below kHalfResult) in which the body is a fast pass with a rare exact
  // fallback that holds much state (fmod, remainder, pow of floats): for fp32 compute the drivers
  // run the fallback over sub-blocks reloaded from memory (pointwise.py _apply_split,
  // pointwise_nd's rows).
  uint32_t fallback_modes = 0;
};
constexpr uint32_t kEveryMode = 0xFFFF;
constexpr int64_t kHalfResult = 16;  // above every op's own modes
// The P a body gets for results of dtype `out`: `mode`, plus kHalfResult (see half_variant).
inline int64_t body_mode(const PointwiseKernels& k, c10::ScalarType out, int64_t mode) {
  TORCH_INTERNAL_ASSERT(mode < kHalfResult);
  return k.half_variant && (out == c10::kHalf || out == c10::kBFloat16) ? mode + kHalfResult : mode;
}
// The two drivers bound to `body`, with the PointwiseKernels fields after them.
#define GF_POINTWISE_KERNELS_WITH(body, cost, half_variant, fallback_modes) \
  {                                                                       \
    {"gemforge.kernels.pointwise", "pointwise_1d", "OP", body},           \
    {"gemforge.kernels.pointwise", "pointwise_nd", "OP", body},           \
    cost,                                                                 \
    half_variant,                                                         \
    fallback_modes,                                                       \
  }
#define GF_POINTWISE_KERNELS(body) GF_POINTWISE_KERNELS_WITH(body, Cost::Light, false, 0)
#define GF_POINTWISE_KERNELS_COST(body, cost) GF_POINTWISE_KERNELS_WITH(body, cost, false, 0)
#define GF_POINTWISE_KERNELS_FALLBACK(body, cost, modes) GF_POINTWISE_KERNELS_WITH(body, cost, false, modes)
#define GF_POINTWISE_KERNELS_HALF(body) GF_POINTWISE_KERNELS_WITH(body, Cost::Light, true, 0)

// The type a body computes in for a given common dtype: half types compute in fp32, bool as
// int32 (so True + True stays nonzero), everything else in itself.
c10::ScalarType compute_type(c10::ScalarType common);

// Runtime scalars a body receives as s0, s1, s2, converted to the compute type.
struct Scalars {
  const c10::Scalar* s[3] = {nullptr, nullptr, nullptr};
  Scalars() = default;
  Scalars(const c10::Scalar& a) : s{&a, nullptr, nullptr} {}
  Scalars(const c10::Scalar& a, const c10::Scalar& b) : s{&a, &b, nullptr} {}
  Scalars(const c10::Scalar& a, const c10::Scalar& b, const c10::Scalar& c) : s{&a, &b, &c} {}
};

// out = body(in0[, in1[, in2]], s0, s1, s2, P=mode) over an iterator with one output and 1-3
// inputs; or (out, out1) = body(...) with two outputs (the body returns a pair), whose element
// strides must be equal (else false). CPU-scalar inputs become runtime scalars. `compute` is the type the inputs are
// converted to before the body runs (see compute_type). Returns false when the layout is beyond
// the strided kernel; the caller then falls back to ATen.
// `value`: an iterator with no inputs (fills) gets in0 = this runtime scalar, with no CPU
// tensor allocated to carry it.
bool run_pointwise(PointwiseKernels& k, at::TensorIteratorBase& iter, c10::ScalarType compute,
                   const Scalars& scalars = {}, int64_t mode = 0, const c10::Scalar* value = nullptr);

// The common case without a TensorIterator, whose construction is a large part of a small op's
// host time: tensor inputs of one dtype, shape and device, all with default contiguous strides,
// and out undefined (allocated here, contiguous, dtype `result`) or the first input itself (in
// place, when `result` is its dtype). `operand`: one more input after the tensors, a runtime
// scalar (a Python number operand). False: not that case; nothing was done.
bool run_same_layout(PointwiseKernels& k, at::Tensor& out, std::initializer_list<const at::Tensor*> ins,
                     c10::ScalarType result, c10::ScalarType compute, const Scalars& scalars = {}, int64_t mode = 0,
                     const c10::Scalar* operand = nullptr);

// The launch behind run_same_layout: k's flat driver over the first numel > 0 elements from each
// tensor operand's data pointer (the caller checked that they are contiguous there): out (and
// out2, written at the same offsets) from the tensor inputs `ins` and `operand` after them.
void launch_flat(PointwiseKernels& k, int64_t numel, const at::Tensor& out, const at::Tensor* out2,
                 std::initializer_list<const at::Tensor*> ins, c10::ScalarType compute, const Scalars& scalars = {},
                 int64_t mode = 0, const c10::Scalar* operand = nullptr);

// The value of a wrapped number (a Python scalar as a CPU 0-d double, int64 or bool tensor).
c10::Scalar wrapped_number_value(const at::Tensor& t);

inline bool is_wrapped_number(const at::Tensor& t) { return t.unsafeGetTensorImpl()->is_wrapped_number(); }

// Whether a Python-number operand `b` leaves the dtype of tensor `a` as the common dtype (type
// promotion: a number of a higher category than a's, or complex, promotes).
inline bool number_keeps_dtype(const at::Tensor& a, const at::Tensor& b) {
  const c10::ScalarType t = a.scalar_type(), n = b.scalar_type();
  if (c10::isFloatingType(t)) return n != c10::kComplexDouble;
  return c10::isIntegralType(t, /*includeBool=*/false) && (n == c10::kLong || n == c10::kBool);
}

// The default floating dtype (torch.get_default_dtype()): what integer inputs promote to.
inline c10::ScalarType float_default() { return c10::typeMetaToScalarType(c10::get_default_dtype()); }

// After run_pointwise on a borrowing build: the CPU backend computes into a temporary of the
// common dtype when out's dtype differs (TensorIterator's cast_common_dtype_to_outputs), so cast
// it back; `out` gets the iterator's output if it was undefined.
void finish_pointwise(at::TensorIteratorBase& iter, at::Tensor& out);

// ---------------------------------------------------------------- binary ops

enum class Binary {
  Plain,       // result = promoted type of the operands (add, mul, maximum, ...)
  IntToFloat,  // integer operands give the default float type (true division, atan2, ...)
  Comparison,  // result is bool (or out's dtype); computes in the operands' promoted type
};

// The iterator for out = op(a, b) of that kind (a borrowing build, as ATen's structured kernels).
at::TensorIterator binary_iter(Binary kind, const at::TensorBase& out, const at::TensorBase& a,
                               const at::TensorBase& b);

struct NoCheck {
  void operator()(c10::ScalarType /*common dtype*/) const {}
};

// The result dtype of a binary op of `kind` whose operands share `dtype`.
inline c10::ScalarType binary_result_type(Binary kind, c10::ScalarType dtype) {
  if (kind == Binary::Comparison) return c10::kBool;
  return kind == Binary::IntToFloat && c10::isIntegralType(dtype, true) ? float_default() : dtype;
}

// out = op(a, b) with the body of `k`; `check(common dtype)` runs ATen's argument checks (e.g.
// sub's bool check). False: fall back to ATen.
template <typename Check = NoCheck>
bool binary_into(PointwiseKernels& k, Binary kind, at::Tensor& out, const at::Tensor& a, const at::Tensor& b,
                 const Scalars& scalars = {}, int64_t mode = 0, Check&& check = {}) {
  bool checked = false;
  if (a.scalar_type() == b.scalar_type() || (is_wrapped_number(b) && !is_wrapped_number(a) && number_keeps_dtype(a, b))) {
    const c10::ScalarType dtype = a.scalar_type();
    const c10::ScalarType result = binary_result_type(kind, dtype);
    const c10::ScalarType compute = compute_type(kind == Binary::IntToFloat ? result : dtype);
    // the common dtype (same-dtype operands, or a number that keeps a's dtype), also on the
    // iterator path below
    check(dtype);
    checked = true;
    if (!out.defined() || out.is_same(a)) {
      if (is_wrapped_number(b)) {
        const c10::Scalar value = wrapped_number_value(b);
        if (run_same_layout(k, out, {&a}, result, compute, scalars, mode, &value)) return true;
      } else if (run_same_layout(k, out, {&a, &b}, result, compute, scalars, mode)) {
        return true;
      }
    }
  }
  auto iter = binary_iter(kind, out, a, b);
  if (!checked) check(iter.common_dtype());
  if (!run_pointwise(k, iter, compute_type(iter.common_dtype()), scalars, mode)) return false;
  finish_pointwise(iter, out);
  return true;
}

// gelu's `approximate` argument as its body's mode P (gelu and gelu_backward): 0 none, 1 tanh.
inline int64_t gelu_approximation(c10::string_view approximate) {
  if (approximate == "none") return 0;
  if (approximate == "tanh") return 1;
  TORCH_CHECK(false, "approximate argument must be either none or tanh.");
}

// ---------------------------------------------------------------- plain unary ops

enum class Promote {
  Same,        // result dtype = input dtype (neg, abs, ...)
  IntToFloat,  // integer and bool inputs give the default float dtype (exp, sin, ...)
  Bool,        // result is bool (isposinf, signbit, ...)
};

struct UnaryOp {
  PointwiseKernels kernels;
  Promote promote;
  uint32_t dtypes;
  OpRecord rec_fn, rec_inplace, rec_out;
  uint32_t cuda_dtypes = 0;  // nonzero: ATen's CUDA kernel takes fewer dtypes than its CPU kernel
  uint32_t dtypes_for(const at::TensorBase& self) const { return cuda_dtypes && self.is_cuda() ? cuda_dtypes : dtypes; }
};

// out = op(self); builds the iterator for the op's promotion. False: fall back to ATen.
bool unary_into(UnaryOp& op, at::Tensor& out, const at::Tensor& self, const Scalars& scalars = {},
                int64_t mode = 0);

// The three overloads (functional, in-place, out=) of a unary op. `Aten` supplies ATen's
// kernels for the fallback (see GF_ATEN_UNARY).
template <UnaryOp& op, typename Aten>
struct Unary {
  static at::Tensor fn(const at::Tensor& self) {
    if (const char* why = unsupported(op.dtypes_for(self), {&self})) {
      record(op.rec_fn, true, why);
      return Aten::fn(self);
    }
    record(op.rec_fn);
    at::Tensor out;
    if (!unary_into(op, out, self)) return Aten::fn(self);
    return out;
  }
  static at::Tensor& inplace(at::Tensor& self) {
    if (const char* why = unsupported(op.dtypes_for(self), {&self})) {
      record(op.rec_inplace, true, why);
      return Aten::inplace(self);
    }
    record(op.rec_inplace);
    if (!unary_into(op, self, self)) return Aten::inplace(self);
    return self;
  }
  static at::Tensor& out(const at::Tensor& self, at::Tensor& out) {
    if (const char* why = unsupported(op.dtypes_for(self), {&self, &out})) {
      record(op.rec_out, true, why);
      return Aten::out(self, out);
    }
    record(op.rec_out);
    if (!unary_into(op, out, self)) return Aten::out(self, out);
    return out;
  }
  static void add(std::vector<OpEntry>& t, bool has_inplace = true) {
    t.push_back(entry<&fn>(op.rec_fn));
    if (has_inplace) t.push_back(entry<&inplace>(op.rec_inplace));
    t.push_back(entry<&out>(op.rec_out));
  }
};

// ATen's own kernels for a unary op, on the backend of the tensor.
#define GF_ATEN_UNARY(name, fn_cuda, fn_cpu, inplace_cuda, inplace_cpu, out_cuda, out_cpu)                    \
  struct name##_aten {                                                                                       \
    static at::Tensor fn(const at::Tensor& s) { return s.is_cuda() ? fn_cuda(s) : fn_cpu(s); }               \
    static at::Tensor& inplace(at::Tensor& s) { return s.is_cuda() ? inplace_cuda(s) : inplace_cpu(s); }     \
    static at::Tensor& out(const at::Tensor& s, at::Tensor& o) {                                             \
      return o.is_cuda() ? out_cuda(o, s) : out_cpu(o, s);                                                   \
    }                                                                                                        \
  };
// ... for the usual case of structured CUDA and CPU kernels (ATen/ops/<name>_{cuda,cpu}_dispatch.h).
#define GF_ATEN_UNARY_STD(name)                                                                                \
  GF_ATEN_UNARY(name, at::cuda::name, at::cpu::name, at::cuda::name##_, at::cpu::name##_, at::cuda::name##_out, \
                at::cpu::name##_out)

// One line per plain unary op: name (aten base name = body name), promotion, supported dtypes.
// Needs name##_aten (GF_ATEN_UNARY*) first; defines name##_op and name##_ops.
#define GF_UNARY_KERNELS(name, kernels, promote, dtypes)                                  \
  UnaryOp name##_op{kernels, promote, dtypes, {#name}, {#name "_"}, {#name ".out"}}; \
  using name##_ops = Unary<name##_op, name##_aten>;
#define GF_UNARY(name, promote, dtypes) GF_UNARY_KERNELS(name, GF_POINTWISE_KERNELS(#name), promote, dtypes)
// ... whose body has an fp16/bf16-result variant (PointwiseKernels::half_variant)
#define GF_UNARY_HALF(name, promote, dtypes) \
  GF_UNARY_KERNELS(name, GF_POINTWISE_KERNELS_HALF(#name), promote, dtypes)
// ... whose body is compute-heavy for 2-byte operands (Cost::Compute), without or with a half variant
#define GF_UNARY_COMPUTE(name, promote, dtypes) \
  GF_UNARY_KERNELS(name, GF_POINTWISE_KERNELS_COST(#name, Cost::Compute), promote, dtypes)
#define GF_UNARY_HALF_COMPUTE(name, promote, dtypes) \
  GF_UNARY_KERNELS(name, GF_POINTWISE_KERNELS_WITH(#name, Cost::Compute, true, 0), promote, dtypes)

}  // namespace gemforge::ops
