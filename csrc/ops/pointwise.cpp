// Pointwise operators: TensorIterator does broadcasting, type promotion, output allocation
// and dim coalescing; one generic launcher runs the op's Triton body over it. Adding an
// operator = a Triton body in kernels/pointwise.py + one GF_* line at the bottom of this file.
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "registration/registry.h"
#include "runtime/config_table.h"
#include "runtime/kernel.h"
#include "ops/op_utils.h"

#include <ATen/ScalarOps.h>
#include <ATen/TensorIterator.h>
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

// ---------------------------------------------------------------- the generic launcher

struct PointwiseKernels {
  rt::KernelHandle flat;     // kernels/pointwise.py:pointwise_1d
  rt::KernelHandle strided;  // kernels/pointwise.py:pointwise_nd
};
#define GF_POINTWISE_KERNELS(body)                                   \
  {                                                                  \
    {"gemforge.kernels.pointwise", "pointwise_1d", "OP", body},      \
    {"gemforge.kernels.pointwise", "pointwise_nd", "OP", body},      \
  }

constexpr int kMaxRank = 6;

// The op math type: half types compute in fp32; bool computes as int32 in the kernel.
c10::ScalarType compute_type(c10::ScalarType common) {
  return (common == c10::kHalf || common == c10::kBFloat16) ? c10::kFloat : common;
}

// A runtime scalar in the compute type (alpha, or a CPU scalar operand's value).
void scalar_arg(rt::KernelArgs& args, const c10::Scalar& s, c10::ScalarType compute) {
  if (compute == c10::kDouble) {
    args.f64(s.toDouble());
  } else if (c10::isFloatingType(compute)) {
    args.f32(s.toDouble());
  } else {
    args.scalar_integer(s.toLong());
  }
}

c10::Scalar operand_scalar(at::TensorIteratorBase& iter, int arg, c10::ScalarType compute) {
  if (c10::isFloatingType(compute)) return iter.scalar_value<double>(arg);
  return iter.scalar_value<int64_t>(arg);
}

// Runs body `k` over the iterator: out = body(in0[, in1], s0, s1, P). Returns false if the
// layout is beyond the strided kernel (more than kMaxRank dims after coalescing).
bool run_pointwise(PointwiseKernels& k, at::TensorIteratorBase& iter, c10::ScalarType common,
                   const c10::Scalar* s0, int64_t mode) {
  const int64_t numel = iter.numel();
  if (numel == 0) return true;
  const int nin = iter.ninputs();
  const int ndim = iter.ndim();
  if (ndim > kMaxRank) return false;
  const c10::ScalarType compute = compute_type(common);
  const c10::Device device = iter.device(0);
  const int arch = arch_of(device);
  bool is_scalar[2] = {false, false};
  for (int j = 0; j < nin; ++j) is_scalar[j] = iter.is_cpu_scalar(1 + j);

  // Flat path: every tensor operand is contiguous in iteration order.
  bool flat = ndim <= 1;
  for (int a = 0; flat && ndim == 1 && a < 1 + nin; ++a) {
    if (a > 0 && is_scalar[a - 1]) continue;
    flat = iter.strides(a)[0] == iter.element_size(a);
  }

  rt::KernelArgs args;
  args.tensor(iter.tensor_base(0));
  c10::Scalar values[2];
  for (int j = 0; j < 2; ++j) {
    if (j >= nin) {
      args.none();
    } else if (is_scalar[j]) {
      values[j] = operand_scalar(iter, 1 + j, compute);
      scalar_arg(args, values[j], compute);
    } else {
      args.tensor(iter.tensor_base(1 + j));
    }
  }
  if (s0) scalar_arg(args, *s0, compute); else args.none();
  args.none();  // s1

  rt::LaunchConfig cfg;
  if (flat) {
    const auto& c = rt::lookup_config(rt::Family::Pointwise1D, arch, numel, 0);
    const int64_t block = std::min<int64_t>(c.block0, std::max<int64_t>(128, next_pow2(numel)));
    args.integer(numel).body().constant(nin).constant(is_scalar[0]).constant(is_scalar[1]);
    args.constant(static_cast<int64_t>(compute)).constant(mode).constant(block);
    args.constant(numel > INT32_MAX - block);
    cfg.grid[0] = (numel + block - 1) / block;
    cfg.num_warps = c.num_warps;
    cfg.num_stages = c.num_stages;
    rt::launch(k.flat, cfg, args, device);
    return true;
  }

  // Strided path. Dims are innermost first; pad to two dims.
  const int rank = std::max(ndim, 2);
  int64_t sizes[kMaxRank];
  for (int d = 0; d < rank; ++d) sizes[d] = d < ndim ? iter.shape()[d] : 1;
  bool transposed = false;  // some operand is contiguous along dim 1 instead of dim 0
  bool need_int64 = false;
  for (int a = 0; a < 1 + nin; ++a) {
    if (a > 0 && is_scalar[a - 1]) continue;
    int64_t max_offset = 0;
    for (int d = 0; d < ndim; ++d) {
      max_offset += std::abs(iter.strides(a)[d] / iter.element_size(a)) * (sizes[d] - 1);
    }
    need_int64 = need_int64 || max_offset > INT32_MAX;
    transposed = transposed || (ndim >= 2 && iter.strides(a)[1] == iter.element_size(a) && sizes[1] > 1);
  }
  for (int d = 0; d < kMaxRank; ++d) {
    if (d < rank) args.integer(sizes[d]); else args.none();
  }
  for (int a = 0; a < 3; ++a) {
    const bool present = a == 0 || (a <= nin && !is_scalar[a - 1]);
    for (int d = 0; d < kMaxRank; ++d) {
      if (present && d < rank) {
        args.integer(d < ndim ? iter.strides(a)[d] / iter.element_size(a) : 0);
      } else {
        args.none();
      }
    }
  }
  const auto& c = rt::lookup_config(transposed ? rt::Family::PointwiseTransposed : rt::Family::PointwiseND, arch,
                                    sizes[0], sizes[1]);
  const int64_t block0 = std::min<int64_t>(c.block0, next_pow2(sizes[0]));
  const int64_t block1 = std::min<int64_t>(c.block1, next_pow2(sizes[1]));
  int64_t grid = ((sizes[0] + block0 - 1) / block0) * ((sizes[1] + block1 - 1) / block1);
  for (int d = 2; d < rank; ++d) grid *= sizes[d];
  args.body().constant(nin).constant(is_scalar[0]).constant(is_scalar[1]);
  args.constant(static_cast<int64_t>(compute)).constant(mode).constant(rank).constant(block0).constant(block1);
  args.constant(need_int64 || grid > INT32_MAX / 2);
  cfg.grid[0] = grid;
  cfg.num_warps = c.num_warps;
  cfg.num_stages = c.num_stages;
  rt::launch(k.strided, cfg, args, device);
  return true;
}

bool any_cuda(const at::Tensor& a, const at::Tensor& b) { return a.is_cuda() || b.is_cuda(); }

// ---------------------------------------------------------------- unary ops

enum class Promote { Same, IntToFloat };

struct UnaryOp {
  PointwiseKernels kernels;
  Promote promote;
  uint32_t dtypes;
  OpRecord rec_fn, rec_inplace, rec_out;
};

// Borrowing builds (as ATen's structured kernels do): no reference counting of the operands.
at::TensorIterator unary_iter(Promote p, const at::TensorBase& out, const at::TensorBase& self) {
  at::TensorIterator iter;
  if (p == Promote::IntToFloat) {
    iter.build_borrowing_unary_float_op(out, self);
  } else {
    iter.build_borrowing_unary_op(out, self);
  }
  return iter;
}

c10::ScalarType unary_common(Promote p, const at::TensorIteratorBase& iter) {
  return p == Promote::IntToFloat ? iter.common_dtype() : iter.dtype(0);
}

// Returns false when the iterator is beyond our kernels (the caller falls back).
bool unary_into(UnaryOp& op, at::Tensor& out, const at::Tensor& self, int64_t mode) {
  auto iter = unary_iter(op.promote, out, self);
  if (!run_pointwise(op.kernels, iter, unary_common(op.promote, iter), nullptr, mode)) return false;
  if (self.is_cpu()) iter.cast_outputs();
  if (!out.defined()) out = iter.output();
  return true;
}

// The three overloads of a unary op. `Aten` supplies ATen's kernels for the fallback.
template <UnaryOp& op, typename Aten>
struct Unary {
  static at::Tensor fn(const at::Tensor& self) {
    if (const char* why = unsupported(op.dtypes, self, nullptr, nullptr)) {
      record(op.rec_fn, true, why);
      return Aten::fn(self);
    }
    record(op.rec_fn);
    at::Tensor out;
    if (!unary_into(op, out, self, 0)) return Aten::fn(self);
    return out;
  }
  static at::Tensor& inplace(at::Tensor& self) {
    if (const char* why = unsupported(op.dtypes, self, nullptr, nullptr)) {
      record(op.rec_inplace, true, why);
      return Aten::inplace(self);
    }
    record(op.rec_inplace);
    if (!unary_into(op, self, self, 0)) return Aten::inplace(self);
    return self;
  }
  static at::Tensor& out(const at::Tensor& self, at::Tensor& out) {
    if (const char* why = unsupported(op.dtypes, self, nullptr, &out)) {
      record(op.rec_out, true, why);
      return Aten::out(self, out);
    }
    record(op.rec_out);
    if (!unary_into(op, out, self, 0)) return Aten::out(self, out);
    return out;
  }
  static void add(std::vector<OpEntry>& t) {
    t.push_back({&op.rec_fn, [](torch::Library& l, const char* n) { impl_fn(l, n, &fn); }});
    t.push_back({&op.rec_inplace, [](torch::Library& l, const char* n) { impl_fn(l, n, &inplace); }});
    t.push_back({&op.rec_out, [](torch::Library& l, const char* n) { impl_fn(l, n, &out); }});
  }
};

// ATen's own kernels for a unary op, on the backend of the tensor.
#define GF_ATEN_UNARY(name, fn_cuda, fn_cpu, inplace_cuda, inplace_cpu, out_cuda, out_cpu)                      \
  struct name##_aten {                                                                                         \
    static at::Tensor fn(const at::Tensor& s) { return s.is_cuda() ? fn_cuda(s) : fn_cpu(s); }                 \
    static at::Tensor& inplace(at::Tensor& s) { return s.is_cuda() ? inplace_cuda(s) : inplace_cpu(s); }       \
    static at::Tensor& out(const at::Tensor& s, at::Tensor& o) { return o.is_cuda() ? out_cuda(o, s) : out_cpu(o, s); } \
  };
#define GF_ATEN_UNARY_STD(name)                                                                                \
  GF_ATEN_UNARY(name, at::cuda::name, at::cpu::name, at::cuda::name##_, at::cpu::name##_, at::cuda::name##_out, \
                at::cpu::name##_out)

// One line per unary op: name, promotion, supported dtypes.
#define GF_UNARY(name, promote, dtypes)                                                                          \
  UnaryOp name##_op{GF_POINTWISE_KERNELS(#name), promote, dtypes, {#name}, {#name "_"}, {#name ".out"}}; \
  using name##_ops = Unary<name##_op, name##_aten>;

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
GF_UNARY(exp, Promote::IntToFloat, kAllReal)
GF_UNARY(log, Promote::IntToFloat, kAllReal)
GF_UNARY(sqrt, Promote::IntToFloat, kAllReal)
GF_UNARY(rsqrt, Promote::IntToFloat, kAllReal)
GF_UNARY(sigmoid, Promote::IntToFloat, kAllReal)
GF_UNARY(silu, Promote::Same, kFloats)

// gelu: a unary op with a mode argument.
UnaryOp gelu_op{GF_POINTWISE_KERNELS("gelu"), Promote::Same, kFloats, {"gelu"}, {"gelu_"}, {"gelu.out"}};

int64_t gelu_mode(c10::string_view approximate) {
  if (approximate == "none") return 0;
  if (approximate == "tanh") return 1;
  TORCH_CHECK(false, "approximate argument must be either none or tanh.");
}

struct Gelu {
  static at::Tensor fn(const at::Tensor& self, c10::string_view approximate) {
    const int64_t mode = gelu_mode(approximate);
    at::Tensor out;
    if (const char* why = unsupported(gelu_op.dtypes, self, nullptr, nullptr)) {
      record(gelu_op.rec_fn, true, why);
      return self.is_cuda() ? at::cuda::gelu(self, approximate) : at::cpu::gelu(self, approximate);
    }
    record(gelu_op.rec_fn);
    if (!unary_into(gelu_op, out, self, mode))
      return self.is_cuda() ? at::cuda::gelu(self, approximate) : at::cpu::gelu(self, approximate);
    return out;
  }
  static at::Tensor& inplace(at::Tensor& self, c10::string_view approximate) {
    const int64_t mode = gelu_mode(approximate);
    if (const char* why = unsupported(gelu_op.dtypes, self, nullptr, nullptr)) {
      record(gelu_op.rec_inplace, true, why);
      return self.is_cuda() ? at::cuda::gelu_(self, approximate) : at::cpu::gelu_(self, approximate);
    }
    record(gelu_op.rec_inplace);
    if (!unary_into(gelu_op, self, self, mode))
      return self.is_cuda() ? at::cuda::gelu_(self, approximate) : at::cpu::gelu_(self, approximate);
    return self;
  }
  static at::Tensor& out(const at::Tensor& self, c10::string_view approximate, at::Tensor& out) {
    const int64_t mode = gelu_mode(approximate);
    if (const char* why = unsupported(gelu_op.dtypes, self, nullptr, &out)) {
      record(gelu_op.rec_out, true, why);
      return out.is_cuda() ? at::cuda::gelu_out(out, self, approximate) : at::cpu::gelu_out(out, self, approximate);
    }
    record(gelu_op.rec_out);
    if (!unary_into(gelu_op, out, self, mode))
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

at::TensorIterator binary_iter(bool int_to_float, const at::TensorBase& out, const at::TensorBase& a,
                               const at::TensorBase& b) {
  at::TensorIterator iter;
  if (int_to_float) {
    iter.build_borrowing_binary_float_op(out, a, b);
  } else {
    iter.build_borrowing_binary_op(out, a, b);
  }
  return iter;
}

// out = op(a, b [, alpha]); `check` runs ATen's argument checks on the built iterator.
template <typename Check>
bool binary_into(PointwiseKernels& k, bool int_to_float, at::Tensor& out, const at::Tensor& a, const at::Tensor& b,
                 const c10::Scalar* alpha, int64_t mode, Check check) {
  auto iter = binary_iter(int_to_float, out, a, b);
  check(iter);
  if (!run_pointwise(k, iter, iter.common_dtype(), alpha, mode)) return false;
  if (iter.device(0).is_cpu()) iter.cast_outputs();
  if (!out.defined()) out = iter.output();
  return true;
}

// ---- add, sub, rsub: alpha-scaled second operand.

enum class AlphaKind { Add, Sub, Rsub };

template <AlphaKind kind>
void alpha_op_check(const at::Tensor& a, const at::Tensor& b, const at::TensorIteratorBase& iter,
                    const c10::Scalar& alpha) {
  if (kind != AlphaKind::Add) at::native::sub_check(a, b);
  at::native::alpha_check(iter.common_dtype(), alpha);
}

template <BinaryOp& op, AlphaKind kind, typename Aten>
struct AlphaBinary {
  static at::Tensor run(OpRecord& rec, const at::Tensor& a, const at::Tensor& b, const c10::Scalar& alpha) {
    if (const char* why = unsupported(op.dtypes, a, &b, nullptr)) {
      record(rec, true, why);
      return Aten::fn(a, b, alpha);
    }
    record(rec);
    at::Tensor out;
    auto check = [&](const at::TensorIteratorBase& it) { alpha_op_check<kind>(a, b, it, alpha); };
    if (!binary_into(op.kernels, false, out, a, b, &alpha, 0, check)) return Aten::fn(a, b, alpha);
    return out;
  }
  static at::Tensor& run_out(OpRecord& rec, const at::Tensor& a, const at::Tensor& b, const c10::Scalar& alpha,
                             at::Tensor& out) {
    if (const char* why = unsupported(op.dtypes, a, &b, &out)) {
      record(rec, true, why);
      return Aten::out(a, b, alpha, out);
    }
    record(rec);
    auto check = [&](const at::TensorIteratorBase& it) { alpha_op_check<kind>(a, b, it, alpha); };
    if (!binary_into(op.kernels, false, out, a, b, &alpha, 0, check)) return Aten::out(a, b, alpha, out);
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
    if (const char* why = unsupported(op.dtypes, a, &b, nullptr)) {
      record(rec, true, why);
      return Aten::fn(a, b, m);
    }
    record(rec);
    check_cpu_integer_division(a, b, mode);
    at::Tensor out;
    auto no_check = [](const at::TensorIteratorBase&) {};
    if (!binary_into(op.kernels, op.int_to_float && mode == 0, out, a, b, nullptr, mode, no_check))
      return Aten::fn(a, b, m);
    return out;
  }
  static at::Tensor& run_out(OpRecord& rec, const at::Tensor& a, const at::Tensor& b,
                             std::optional<c10::string_view> m, at::Tensor& out) {
    const int64_t mode = div_mode(m);
    if (const char* why = unsupported(op.dtypes, a, &b, &out)) {
      record(rec, true, why);
      return Aten::out(a, b, m, out);
    }
    record(rec);
    check_cpu_integer_division(a, b, mode);
    auto no_check = [](const at::TensorIteratorBase&) {};
    if (!binary_into(op.kernels, op.int_to_float && mode == 0, out, a, b, nullptr, mode, no_check))
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
