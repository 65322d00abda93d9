// The pointwise launcher (see pointwise.h).
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/pointwise/pointwise.h"

#include "runtime/config_table.h"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <cstdlib>

namespace gemforge::ops {

constexpr int kMaxRank = 6;
constexpr int kMaxInputs = 3;

c10::ScalarType compute_type(c10::ScalarType common) {
  if (common == c10::kHalf || common == c10::kBFloat16) return c10::kFloat;
  if (common == c10::kBool) return c10::kInt;
  return common;
}

namespace {

// A runtime scalar in the compute type (alpha, a parameter, or a CPU scalar operand's value).
void scalar_arg(rt::KernelArgs& args, const c10::Scalar& s, c10::ScalarType compute) {
  if (compute == c10::kDouble) {
    args.f64(s.toDouble());
  } else if (c10::isFloatingType(compute)) {
    args.f32(s.toDouble());
  } else if (s.isFloatingPoint()) {
    // a float parameter of an op computing in integers (e.g. leaky_relu's slope never is;
    // clamp bounds are converted by the op itself): truncate as a C++ cast would
    args.scalar_integer(static_cast<int64_t>(s.toDouble()));
  } else {
    args.scalar_integer(s.toLong());
  }
}

c10::Scalar operand_scalar(at::TensorIteratorBase& iter, int arg, c10::ScalarType compute) {
  if (c10::isFloatingType(compute)) return iter.scalar_value<double>(arg);
  return iter.scalar_value<int64_t>(arg);
}

// Register cap per cost class (indexed by Cost; 0: none). Registers: fmod holds 196 registers a
// thread at 16 bf16 elements a thread, 78 without its exact fallback loop; capped, ptxas spills in
// that loop, which only tiles with huge quotients, infinities or extreme divisors take. H200
// (bench/pw_experiment.py, session 6): a cap of 80 took fmod 64M bf16 from 0.51x to 0.64x of
// torch, fp32 0.88x -> 1.00x, broadcast bf16 0.95x -> 1.39x. remainder got slower capped (bf16
// 0.51x -> 0.43x), so it stays uncapped. With the exact fallback's split (fp32 compute) neither needs a cap:
// the fallback runs over sub-blocks (kFallbackBlock; sm_90: fmod bf16 56 registers, no spills,
// against 80 and 328 bytes of spills capped; remainder 64 against 194). The cap stays for fp64.
constexpr int kMaxRegisters[] = {0, 0, 80};
// Cost::Compute's flat BLOCK over the table's (8 -> 16 elements a thread for 2-byte operands).
// H200, 64M bf16, the same kernel at 8 and 16 elements a thread (bench/launch_gap_probe.py, session
// 10): libdevice's sin 80.7 -> 71.8 us, cos 85.2 -> 75.7 (torch 79.2 / 80.8). Through the ops
// (session 11, bench rows side by side, bf16 speedup over torch at 8 -> 16 a thread): log 0.99 ->
// 1.12, log1p 1.02 -> 1.14, expm1 1.08 -> 1.20, log2 1.02 -> 1.13, tan 1.00 -> 1.13, atan 1.04 ->
// 1.12, tanh 0.96 -> 1.03, asinh 1.24 -> 1.40, cosh 0.98 -> 1.00, erfinv 0.98 -> 1.01, asin 1.15 ->
// 1.22, acos 1.17 -> 1.21, atanh 1.37 -> 1.44, erf 1.19 -> 1.25. Not a rule for every body: gelu
// 0.99 -> 0.98, exp2 0.99 -> 0.98, acosh 1.17 -> 1.15, erfc unchanged, pow (its iterator path)
// 44% slower, plain ops ~1% slower (bench/parity_experiment.py). Only for operands of at most 2
// bytes: fp32 sin/cos at 16 a thread went from 1.00x/0.99x to 0.96x/0.95x.
// The same scale for store-only launches (fill_, zero_: no tensor is read) of narrow elements:
// stores want 32 bytes a thread. H200, 64M bf16 fill, minimal kernel at 4 warps
// (bench/pw_block_probe.py, session 12): 8 a thread 43.5 us (72% of copy bandwidth; torch 42.6),
// 16 a thread 32.4; fp32 (32 bytes at 8 a thread) no faster at 16; bf16 neg and add (read and
// write) no faster at 16 either.
constexpr int64_t kComputeBlockScale = 2;
constexpr int64_t kComputeScaleMaxBytes = 2;

// The flat driver's BLOCK: the table row's, scaled for Cost::Compute and for store-only launches
// on narrow operands (`widest`: the widest tensor element in bytes), at most numel's power of two.
int64_t flat_block(const PointwiseKernels& k, const rt::TileConfig& c, int64_t numel, int64_t widest,
                   bool store_only) {
  const bool scale = (k.cost == Cost::Compute || store_only) && widest <= kComputeScaleMaxBytes;
  const int64_t table_block = scale ? kComputeBlockScale * c.block0 : c.block0;
  return std::min<int64_t>(table_block, std::max<int64_t>(128, next_pow2(numel)));
}
// Sub-block of an exact fallback on the flat path (PointwiseKernels::fallback_modes): one element
// a thread at 4 warps. (The strided driver takes a tile's rows one at a time.)
constexpr int64_t kFallbackBlock = 128;
// The drivers' SPLIT for k in `mode`: kFallbackBlock where the body has an exact fallback in that
// mode and computes in fp32.
int64_t fallback_split(const PointwiseKernels& k, c10::ScalarType compute, int64_t mode) {
  return mode >= 0 && mode < 16 && ((k.fallback_modes >> mode) & 1) && compute == c10::kFloat ? kFallbackBlock : 0;
}

}  // namespace

bool run_pointwise(PointwiseKernels& k, at::TensorIteratorBase& iter, c10::ScalarType compute,
                   const Scalars& scalars, int64_t mode, const c10::Scalar* value) {
  const int64_t numel = iter.numel();
  if (numel == 0) return true;
  const int nin = value ? 1 : iter.ninputs();
  const int nout = iter.noutputs();
  TORCH_INTERNAL_ASSERT(nin >= 1 && nin <= kMaxInputs && (nout == 1 || nout == 2));
  TORCH_INTERNAL_ASSERT(!value || (iter.ninputs() == 0 && nout == 1));
  const int ndim = iter.ndim();
  if (ndim > kMaxRank) return false;
  // a second output is addressed with the first one's offsets: the same element strides
  for (int d = 0; nout == 2 && d < ndim; ++d) {
    if (iter.strides(1)[d] / iter.element_size(1) != iter.strides(0)[d] / iter.element_size(0)) return false;
  }
  const c10::Device device = iter.device(0);
  const int arch = arch_of(device);
  // operand a of the kernel (0: the first output, 1 + j: input j) is iterator operand it(a)
  auto it = [&](int a) { return a == 0 ? 0 : nout - 1 + a; };
  bool is_scalar[kMaxInputs] = {false, false, false};
  for (int j = 0; j < nin; ++j) is_scalar[j] = value || iter.is_cpu_scalar(it(1 + j));
  // operand a is read through a pointer with strides
  auto is_tensor = [&](int a) { return a == 0 || (a <= nin && !is_scalar[a - 1]); };

  // Flat path: every tensor operand is contiguous in iteration order.
  bool flat = ndim <= 1;
  for (int a = 0; flat && ndim == 1 && a <= nin; ++a) {
    if (is_tensor(a)) flat = iter.strides(it(a))[0] == iter.element_size(it(a));
  }

  rt::KernelArgs args;
  args.tensor(iter.tensor_base(0));
  if (nout == 2) args.tensor(iter.tensor_base(1)); else args.none();
  for (int j = 0; j < kMaxInputs; ++j) {
    if (j >= nin) {
      args.none();
    } else if (value) {
      scalar_arg(args, *value, compute);
    } else if (is_scalar[j]) {
      scalar_arg(args, operand_scalar(iter, it(1 + j), compute), compute);
    } else {
      args.tensor(iter.tensor_base(it(1 + j)));
    }
  }
  for (const c10::Scalar* s : scalars.s) {
    if (s) scalar_arg(args, *s, compute); else args.none();
  }
  auto constexprs = [&] {
    args.body().constant(nin).constant(is_scalar[0]).constant(is_scalar[1]).constant(is_scalar[2]);
    args.constant(static_cast<int64_t>(compute)).constant(body_mode(k, iter.dtype(0), mode)).constant(nout);
  };

  rt::LaunchConfig cfg;
  if (flat) {
    int64_t narrowest = 8, widest = 1;  // tensor element bytes: they choose elements per thread
    for (int a = 0; a < iter.ntensors(); ++a) {
      if (a < nout || is_tensor(a - nout + 1)) {
        narrowest = std::min<int64_t>(narrowest, iter.element_size(a));
        widest = std::max<int64_t>(widest, iter.element_size(a));
      }
    }
    const auto& c =
        rt::lookup_config(rt::Family::Pointwise1D, arch, numel, rt::pointwise_widths(narrowest, widest));
    bool store_only = true;
    for (int a = 1; a <= nin; ++a) store_only = store_only && !is_tensor(a);
    const int64_t block = flat_block(k, c, numel, widest, store_only);
    cfg.num_warps = c.num_warps;
    cfg.num_stages = c.num_stages;
    const int64_t split = fallback_split(k, compute, mode);
    cfg.maxnreg = split ? 0 : kMaxRegisters[static_cast<int>(k.cost)];  // (the split holds few)
    args.integer(numel);
    constexprs();
    args.constant(split).constant(block).constant(numel > INT32_MAX - block);
    cfg.grid[0] = (numel + block - 1) / block;
    rt::launch(k.flat, cfg, args, device);
    return true;
  }

  // Strided path. Dims are innermost first; pad to two dims.
  const int rank = std::max(ndim, 2);
  int64_t sizes[kMaxRank];
  for (int d = 0; d < rank; ++d) sizes[d] = d < ndim ? iter.shape()[d] : 1;
  bool transposed = false;  // some operand is contiguous along dim 1 instead of dim 0
  bool need_int64 = false;
  for (int a = 0; a <= nin; ++a) {
    if (!is_tensor(a)) continue;
    int64_t max_offset = 0;
    for (int d = 0; d < ndim; ++d) {
      max_offset += std::abs(iter.strides(it(a))[d] / iter.element_size(it(a))) * (sizes[d] - 1);
    }
    need_int64 = need_int64 || max_offset > INT32_MAX;
    transposed = transposed || (ndim >= 2 && iter.strides(it(a))[1] == iter.element_size(it(a)) && sizes[1] > 1);
  }
  for (int d = 0; d < kMaxRank; ++d) {
    if (d < rank) args.integer(sizes[d]); else args.none();
  }
  for (int a = 0; a <= kMaxInputs; ++a) {
    for (int d = 0; d < kMaxRank; ++d) {
      if (!is_tensor(a)) {
        args.constant(0);  // scalar or absent operand: offsets unused, folded away
      } else if (d < rank) {
        args.integer(d < ndim ? iter.strides(it(a))[d] / iter.element_size(it(a)) : 0);
      } else {
        args.none();
      }
    }
  }
  const auto& c = rt::lookup_config(transposed ? rt::Family::PointwiseTransposed : rt::Family::PointwiseND, arch,
                                    sizes[0], sizes[1]);
  cfg.num_warps = c.num_warps;
  cfg.num_stages = c.num_stages;
  const int64_t split = fallback_split(k, compute, mode);
  cfg.maxnreg = split ? 0 : kMaxRegisters[static_cast<int>(k.cost)];
  const int64_t block0 = std::min<int64_t>(c.block0, next_pow2(sizes[0]));
  const int64_t block1 = std::min<int64_t>(c.block1, next_pow2(sizes[1]));
  int64_t grid = ((sizes[0] + block0 - 1) / block0) * ((sizes[1] + block1 - 1) / block1);
  for (int d = 2; d < rank; ++d) grid *= sizes[d];
  constexprs();
  args.constant(split).constant(rank).constant(block0).constant(block1);
  args.constant(need_int64 || grid > INT32_MAX / 2);
  cfg.grid[0] = grid;
  rt::launch(k.strided, cfg, args, device);
  return true;
}

namespace {

// Default contiguous strides exactly, size-1 dims included (is_contiguous() ignores those, but
// TensorIterator lays its output out after them).
bool default_strides(const at::Tensor& t) {
  int64_t expected = 1;
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    if (t.stride(d) != expected) return false;
    expected *= t.size(d);
  }
  return true;
}

}  // namespace

c10::Scalar wrapped_number_value(const at::Tensor& t) {
  switch (t.scalar_type()) {
    case c10::kDouble: return *t.const_data_ptr<double>();
    case c10::kLong: return *t.const_data_ptr<int64_t>();
    case c10::kBool: return *t.const_data_ptr<bool>();
    default: TORCH_INTERNAL_ASSERT(false, "wrapped number of dtype ", t.scalar_type());
  }
}

bool run_same_layout(PointwiseKernels& k, at::Tensor& out, std::initializer_list<const at::Tensor*> ins,
                     c10::ScalarType result, c10::ScalarType compute, const Scalars& scalars, int64_t mode,
                     const c10::Scalar* operand) {
  const at::Tensor& first = **ins.begin();
  for (const at::Tensor* t : ins) {
    if (t->unsafeGetTensorImpl()->is_wrapped_number() || t->scalar_type() != first.scalar_type() || t->device() != first.device() ||
        t->sizes() != first.sizes() || !default_strides(*t) || t->has_names())
      return false;
  }
  if (out.defined()) {
    // in place on the first input; another input may be that same tensor but no other view of it
    if (!out.is_same(first) || out.scalar_type() != result) return false;
    for (const at::Tensor* t : ins) {
      if (!t->is_same(out) && t->storage().is_alias_of(out.storage())) return false;
    }
  } else {
    out = at::empty(first.sizes(), first.options().dtype(result));
  }
  if (first.numel() > 0) launch_flat(k, first.numel(), out, nullptr, ins, compute, scalars, mode, operand);
  return true;
}

void launch_flat(PointwiseKernels& k, int64_t numel, const at::Tensor& out, const at::Tensor* out2,
                 std::initializer_list<const at::Tensor*> ins, c10::ScalarType compute, const Scalars& scalars,
                 int64_t mode, const c10::Scalar* operand) {
  const at::Tensor& first = **ins.begin();
  const int ntensors = static_cast<int>(ins.size());
  const int nin = ntensors + (operand ? 1 : 0);
  const c10::Device device = first.device();
  rt::KernelArgs args;
  args.tensor(out);
  if (out2) args.tensor(*out2); else args.none();
  for (const at::Tensor* t : ins) args.tensor(*t);
  if (operand) scalar_arg(args, *operand, compute);
  for (int j = nin; j < kMaxInputs; ++j) args.none();
  for (const c10::Scalar* s : scalars.s) {
    if (s) scalar_arg(args, *s, compute); else args.none();
  }
  const int64_t widest = std::max(out.element_size(), first.element_size());
  const auto& c = rt::lookup_config(rt::Family::Pointwise1D, arch_of(device), numel,
                                    rt::pointwise_widths(std::min(out.element_size(), first.element_size()), widest));
  rt::LaunchConfig cfg;
  cfg.num_warps = c.num_warps;
  cfg.num_stages = c.num_stages;
  const int64_t split = fallback_split(k, compute, mode);
  cfg.maxnreg = split ? 0 : kMaxRegisters[static_cast<int>(k.cost)];
  const int64_t block = flat_block(k, c, numel, widest, /*store_only=*/false);  // (reads `first`)
  args.integer(numel);
  const bool scalar_at[kMaxInputs] = {operand && ntensors == 0, operand && ntensors == 1, operand && ntensors == 2};
  args.body().constant(nin).constant(scalar_at[0]).constant(scalar_at[1]).constant(scalar_at[2]);
  args.constant(static_cast<int64_t>(compute)).constant(body_mode(k, out.scalar_type(), mode)).constant(out2 ? 2 : 1);
  args.constant(split).constant(block).constant(numel > INT32_MAX - block);
  cfg.grid[0] = (numel + block - 1) / block;
  rt::launch(k.flat, cfg, args, device);
}

void finish_pointwise(at::TensorIteratorBase& iter, at::Tensor& out) {
  if (iter.device(0).is_cpu()) iter.cast_outputs();
  if (!out.defined()) out = iter.output();
}

at::TensorIterator binary_iter(Binary kind, const at::TensorBase& out, const at::TensorBase& a,
                               const at::TensorBase& b) {
  at::TensorIterator iter;
  switch (kind) {
    case Binary::Plain: iter.build_borrowing_binary_op(out, a, b); break;
    case Binary::IntToFloat: iter.build_borrowing_binary_float_op(out, a, b); break;
    case Binary::Comparison: iter.build_borrowing_comparison_op(out, a, b); break;
  }
  return iter;
}

bool unary_into(UnaryOp& op, at::Tensor& out, const at::Tensor& self, const Scalars& scalars, int64_t mode) {
  const c10::ScalarType dtype = self.scalar_type();
  const c10::ScalarType result = op.promote == Promote::Bool                                     ? c10::kBool
                                 : op.promote == Promote::IntToFloat && c10::isIntegralType(dtype, true) ? float_default()
                                                                                                  : dtype;
  if (run_same_layout(op.kernels, out, {&self}, result, compute_type(op.promote == Promote::IntToFloat ? result : dtype),
                      scalars, mode))
    return true;
  // Borrowing builds (as ATen's structured kernels do): no reference counting of the operands.
  at::TensorIterator iter;
  switch (op.promote) {
    case Promote::Same: iter.build_borrowing_unary_op(out, self); break;
    case Promote::IntToFloat: iter.build_borrowing_unary_float_op(out, self); break;
    case Promote::Bool: iter.build_borrowing_unary_force_boolean_op(out, self); break;
  }
  const c10::ScalarType common = op.promote == Promote::IntToFloat ? iter.common_dtype() : iter.dtype(1);
  if (!run_pointwise(op.kernels, iter, compute_type(common), scalars, mode)) return false;
  finish_pointwise(iter, out);
  return true;
}

}  // namespace gemforge::ops
