// Reductions over any dims of strided input (sum, mean, prod, amax/amin, max/min, argmax/argmin,
// all/any, count_nonzero, var/std(_mean), norm/linalg_vector_norm, logsumexp, trace) with one
// kernel (kernels/reduce.py, the combine mode a constexpr), and softmax/log_softmax.
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/op_utils.h"
#include "registration/registry.h"
#include "runtime/config_table.h"
#include "runtime/kernel.h"

#include <ATen/TensorIterator.h>
#include <ATen/WrapDimUtilsMulti.h>
#include <ATen/native/Resize.h>
#include <ATen/ops/_log_softmax_cpu_dispatch.h>
#include <ATen/ops/all_cpu_dispatch.h>
#include <ATen/ops/all_cuda_dispatch.h>
#include <ATen/ops/amax_cpu_dispatch.h>
#include <ATen/ops/amax_cuda_dispatch.h>
#include <ATen/ops/amin_cpu_dispatch.h>
#include <ATen/ops/amin_cuda_dispatch.h>
#include <ATen/ops/any_cpu_dispatch.h>
#include <ATen/ops/any_cuda_dispatch.h>
#include <ATen/ops/argmax_cpu_dispatch.h>
#include <ATen/ops/argmax_cuda_dispatch.h>
#include <ATen/ops/argmin_cpu_dispatch.h>
#include <ATen/ops/argmin_cuda_dispatch.h>
#include <ATen/ops/count_nonzero_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/count_nonzero_cpu_dispatch.h>
#include <ATen/ops/count_nonzero_cuda_dispatch.h>
#include <ATen/ops/empty_strided.h>
#include <ATen/ops/linalg_vector_norm_cpu_dispatch.h>
#include <ATen/ops/linalg_vector_norm_cuda_dispatch.h>
#include <ATen/ops/logsumexp_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/logsumexp_compositeexplicitautogradnonfunctional_dispatch.h>
#include <ATen/ops/max_cpu_dispatch.h>
#include <ATen/ops/max_cuda_dispatch.h>
#include <ATen/ops/min_cpu_dispatch.h>
#include <ATen/ops/min_cuda_dispatch.h>
#include <ATen/ops/norm_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/norm_cpu_dispatch.h>
#include <ATen/ops/norm_cuda_dispatch.h>
#include <ATen/ops/prod_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/prod_cpu_dispatch.h>
#include <ATen/ops/prod_cuda_dispatch.h>
#include <ATen/ops/std_cpu_dispatch.h>
#include <ATen/ops/std_cuda_dispatch.h>
#include <ATen/ops/std_mean_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/std_mean_cpu_dispatch.h>
#include <ATen/ops/std_mean_cuda_dispatch.h>
#include <ATen/ops/trace_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/trace_cpu_dispatch.h>
#include <ATen/ops/trace_cuda_dispatch.h>
#include <ATen/ops/var_cpu_dispatch.h>
#include <ATen/ops/var_cuda_dispatch.h>
#include <ATen/ops/var_mean_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/var_mean_cpu_dispatch.h>
#include <ATen/ops/var_mean_cuda_dispatch.h>
#include <ATen/ops/_log_softmax_cuda_dispatch.h>
#include <ATen/ops/_softmax_cpu_dispatch.h>
#include <ATen/ops/_softmax_cuda_dispatch.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/mean_cpu_dispatch.h>
#include <ATen/ops/mean_cuda_dispatch.h>
#include <ATen/ops/sum_cpu_dispatch.h>
#include <ATen/ops/sum_cuda_dispatch.h>

#include <bitset>
#include <cmath>

namespace gemforge::ops {
namespace {

rt::KernelHandle reduce_kernel{"gemforge.kernels.reduce", "reduce_kernel"};
rt::KernelHandle softmax_kernel{"gemforge.kernels.softmax", "softmax_kernel"};
rt::KernelHandle softmax_part_stats_kernel{"gemforge.kernels.softmax", "softmax_part_stats_kernel"};
rt::KernelHandle softmax_split_kernel{"gemforge.kernels.softmax", "softmax_split_kernel"};
rt::KernelHandle softmax_cols_kernel{"gemforge.kernels.softmax", "softmax_cols_kernel"};
rt::KernelHandle softmax_rows_smem_kernel{"gemforge.kernels.softmax", "softmax_rows_smem_kernel"};
rt::KernelHandle softmax_stream_kernel{"gemforge.kernels.softmax", "softmax_stream_kernel"};

// ---------------------------------------------------------------- the reduction machinery

// kernels/reduce.py: modes, element maps and finishers.
enum class Mode : int64_t { Sum, Prod, Max, Min, ArgMax, ArgMin, Welford, Lse };
enum Map : int64_t { kMapId, kMapNonZero, kMapAbs, kMapPow, kMapSquare };
enum Fin : int64_t { kFinNone, kFinDiv, kFinRoot, kFinSqrt, kFinVar, kFinStd };

struct ReduceSpec {
  Mode mode = Mode::Sum;
  int64_t map = kMapId;
  int64_t fin = kFinNone;
  c10::ScalarType acc = c10::kFloat;  // accumulator: kFloat, kDouble or kLong
  double p = 0;                       // kMapPow / kFinRoot: p; kFinVar / kFinStd: correction
};

bool has_indices(Mode m) { return m == Mode::ArgMax || m == Mode::ArgMin; }
int components(Mode m) { return m == Mode::Welford ? 3 : m == Mode::Lse ? 2 : 1; }

// fp64 for fp64, int64 for integers and bool (as ATen's sum), fp32 otherwise.
c10::ScalarType acc_of(c10::ScalarType in_dtype) {
  if (in_dtype == c10::kDouble) return c10::kDouble;
  if (c10::isIntegralType(in_dtype, /*includeBool=*/true)) return c10::kLong;
  return c10::kFloat;
}

constexpr int kMaxGroupRank = 3;

// Up to three dims (innermost first) of one group: kept or reduced.
struct DimGroup {
  int rank = 0;
  int64_t size[kMaxGroupRank] = {1, 1, 1};
  int64_t in_stride[kMaxGroupRank] = {0, 0, 0};   // input strides, elements
  int64_t out_stride[kMaxGroupRank] = {0, 0, 0};  // output strides, elements (kept group)
  int64_t numel() const { return size[0] * size[1] * size[2]; }
  int64_t max_in_offset() const {
    int64_t m = 0;
    for (int i = 0; i < rank; ++i) m += std::abs(in_stride[i]) * (size[i] - 1);
    return m;
  }
};

// Splits the reduction iterator's dims into kept (output stride != 0) and reduced dims.
// Returns false if either group has more dims than the kernel takes.
bool split_dims(const at::TensorIteratorBase& iter, DimGroup& kept, DimGroup& red) {
  for (int d = 0; d < iter.ndim(); ++d) {
    const int64_t size = iter.shape()[d];
    if (size == 1) continue;
    const int64_t out_stride = iter.strides(0)[d] / iter.element_size(0);
    const int64_t in_stride = iter.strides(1)[d] / iter.element_size(1);
    DimGroup& g = out_stride == 0 ? red : kept;
    if (g.rank == kMaxGroupRank) return false;
    g.size[g.rank] = size;
    g.in_stride[g.rank] = in_stride;
    g.out_stride[g.rank] = out_stride;
    ++g.rank;
  }
  return true;
}

// The split rule (run_reduce): split the reduction until the output blocks times the splits reach
// this many programs per SM, each split at least min-steps loop steps of BLOCK_R. Outer (columns)
// constants and tiles (config_table.cpp ReduceOuter*) from `bench/colred_experiment.py sweep`
// (H200, session 9): narrow column blocks (32), 2 warps, 16 programs an SM and splits of 16 steps
// or more, with the main loop loading a step ahead (reduce_kernel's PREFETCH). 4096x4096 dim 0
// bf16, us: sum 20.3 -> 16.2, amax 28.0 -> 17.4, argmax 37.1 -> 23.5, var 41.5 -> 22.7;
// 1048576x32: sum 32.1 -> 24.6, amax 42.4 -> 27.6, argmax 58.5 -> 36.6, var 56.0 -> 33.6 (variants
// replayed from CUDA graphs). Session 24 (H200, colred_experiment): the one-value modes (sum,
// mean, amax, ...) at 4096x4096 want 4-warp programs, 8 an SM, and splits down to 4 steps (split 9
// of 16-row steps: sum 17.2 -> 15.1 us, amax 18.2 -> 16.0), while var and argmax stay best at 16
// programs of 2 warps and 16 steps, and so does a single column block (1048576x32: 4 steps make
// 1024 splits, sum 25.3 -> 27.4 us). So the outer target counts warps, not programs, and the
// shorter splits are for the one-value modes over several column blocks.
constexpr int64_t kInnerProgramsPerSm = 8, kInnerMinSteps = 4;
constexpr int64_t kOuterWarpsPerSm = 32, kOuterMinSteps = 16, kOuterManyColumnsMinSteps = 4;
constexpr int64_t kInterpreterMinSteps = 4;  // small enough that the CPU tests' columns split
constexpr bool kOuterPrefetch = true;

// One launch of reduce_kernel. `x_kept` are the strides used to address x for kept dims.
void launch_reduce(const ReduceSpec& s, int stage, const at::TensorBase& out, const at::TensorBase& out2,
                   const at::TensorBase& x, const at::TensorBase& x2, const DimGroup& kept, const int64_t* x_kept,
                   const DimGroup& red, int64_t r_per_split, int64_t split, bool write2, double divisor,
                   int64_t block_k, int64_t block_r, const rt::TileConfig& c, bool int64, bool prefetch,
                   bool pdl) {
  rt::KernelArgs args;
  args.tensor(out).tensor(out2).tensor(x).tensor(x2).integer(kept.numel()).integer(red.numel()).integer(r_per_split);
  args.integer(r_per_split / block_r * block_r);  // r_main
  args.integer(kept.size[0]).integer(kept.size[1]);
  for (int i = 0; i < 3; ++i) args.integer(x_kept[i]);
  for (int i = 0; i < 3; ++i) args.integer(kept.out_stride[i]);
  args.integer(red.size[0]).integer(red.size[1]);
  for (int i = 0; i < 3; ++i) args.integer(red.in_stride[i]);
  if (s.acc == c10::kDouble) args.f64(s.p).f64(divisor); else args.f32(s.p).f32(divisor);
  args.constant(kept.rank).constant(red.rank).constant(static_cast<int64_t>(s.acc)).constant(static_cast<int64_t>(s.mode));
  args.constant(stage == 2 ? kMapId : s.map).constant(s.fin).constant(stage).constant(write2);
  args.constant(block_k).constant(block_r).constant(int64);
  // ONE_TILE: each program's slice is a single tile (exact when R is a multiple of block_r)
  args.constant(r_per_split > block_r ? 0 : red.numel() % block_r == 0 ? 1 : 2);
  args.constant(prefetch).constant(pdl);
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(kept.numel(), block_k);
  cfg.grid[1] = split;
  cfg.num_warps = c.num_warps;
  cfg.num_stages = c.num_stages;
  cfg.pdl = pdl && stage == 2;
  rt::launch(reduce_kernel, cfg, args, x.device());
}

// Reduces `self` into `viewed` (and `viewed2`: indices or mean, same strides; may be undefined):
// the outputs viewed with the input's rank, reduced dims having stride 0. Returns false when the
// layout is beyond the kernel.
bool run_reduce(const ReduceSpec& s, const at::Tensor& viewed, const at::Tensor& viewed2, const at::Tensor& self) {
  auto iter = at::TensorIterator::reduce_op(const_cast<at::Tensor&>(viewed), self);
  DimGroup kept, red;
  if (!split_dims(iter, kept, red)) return false;
  const int64_t K = kept.numel(), R = red.numel();
  const c10::Device device = self.device();
  const int arch = arch_of(device);
  const bool write2 = viewed2.defined();
  const at::Tensor& out2 = write2 ? viewed2 : viewed;

  // Which dim is fastest in memory decides the tile shape.
  int64_t red_min = INT64_MAX, kept_min = INT64_MAX;
  for (int i = 0; i < red.rank; ++i) red_min = std::min(red_min, std::abs(red.in_stride[i]));
  for (int i = 0; i < kept.rank; ++i) kept_min = std::min(kept_min, std::abs(kept.in_stride[i]));
  const bool inner = red_min <= kept_min;
  int64_t block_k, block_r;
  const rt::Family outer = has_indices(s.mode) || s.mode == Mode::Welford ? rt::Family::ReduceOuterState
                                                                           : rt::Family::ReduceOuter;
  const rt::TileConfig& c = inner ? rt::lookup_config(rt::Family::ReduceInner, arch, R, K)
                                  : rt::lookup_config(outer, arch, K, R);
  if (inner) {
    block_r = std::min<int64_t>(c.block0, next_pow2(R));
    block_k = std::min<int64_t>(c.block1, next_pow2(K));
  } else {
    block_k = std::min<int64_t>(c.block0, next_pow2(K));
    block_r = std::min<int64_t>(c.block1, next_pow2(R));
  }
  // Too few output blocks to fill the device: split the reduction, then reduce the partials.
  // (The interpreter also splits, with a small target, so the CPU tests run the split path.)
  const int64_t k_blocks = ceil_div(K, block_k);
  const int64_t per_sm = inner ? kInnerProgramsPerSm : kOuterWarpsPerSm / c.num_warps;
  const bool one_value_many_columns = outer == rt::Family::ReduceOuter && k_blocks > 1;
  const int64_t min_steps = !device.is_cuda()      ? kInterpreterMinSteps
                            : inner                ? kInnerMinSteps
                            : one_value_many_columns ? kOuterManyColumnsMinSteps
                                                   : kOuterMinSteps;
  const bool prefetch = !inner && kOuterPrefetch;  // (the partials' pass, stage 2, never)
  const int64_t target = device.is_cuda() ? per_sm * rt::device_info(device.index()).sm_count : 4;  // programs
  int64_t split = 1;
  if (k_blocks < target && R >= 2 * min_steps * block_r)
    split = std::min(ceil_div(target, k_blocks), ceil_div(R, min_steps * block_r));
  split = std::min<int64_t>(split, 65535);
  // Splits cover whole blocks (the kernel relies on it); a single split covers exactly R.
  const int64_t r_per_split = split == 1 ? R : ceil_div(ceil_div(R, split), block_r) * block_r;
  split = ceil_div(R, r_per_split);
  const bool int64 = std::max(kept.max_in_offset() + red.max_in_offset(), K * split) > INT32_MAX - 4096;

  if (split == 1) {
    launch_reduce(s, 0, viewed, out2, self, self, kept, kept.in_stride, red, R, 1, write2, static_cast<double>(R),
                  block_k, block_r, c, int64, prefetch, false);
    return true;
  }
  const bool pdl = use_pdl(device, K * R);  // the partials' pass (op_utils.h)
  // Partial states [components, split, K] in the accumulator type (indices in int64).
  at::Tensor partials = at::empty({components(s.mode), split, K}, self.options().dtype(s.acc));
  at::Tensor partial_idx = has_indices(s.mode) ? at::empty({split, K}, self.options().dtype(c10::kLong)) : partials;
  launch_reduce(s, 1, partials, partial_idx, self, self, kept, kept.in_stride, red, r_per_split, split, false,
                static_cast<double>(R), block_k, block_r, c, int64, prefetch, pdl);
  // Second pass: kept dims addressed contiguously in the partials, reduced over `split`.
  DimGroup red2;
  red2.rank = 1;
  red2.size[0] = split;
  red2.in_stride[0] = K;
  const int64_t contiguous[3] = {1, kept.size[0], kept.size[0] * kept.size[1]};
  // A single output (a full reduction) reads its partials contiguously: an inner reduction.
  const bool inner2 = K == 1;
  const rt::TileConfig& c2 = inner2 ? rt::lookup_config(rt::Family::ReduceInner, arch, split, K)
                                    : rt::lookup_config(outer, arch, K, split);
  const int64_t bk2 = std::min<int64_t>(inner2 ? c2.block1 : c2.block0, next_pow2(K));
  const int64_t br2 = std::min<int64_t>(inner2 ? c2.block0 : c2.block1, next_pow2(split));
  launch_reduce(s, 2, viewed, out2, partials, partial_idx, kept, contiguous, red2, split, 1, write2,
                static_cast<double>(R), bk2, br2, c2, components(s.mode) * K * split > INT32_MAX - 4096, false,
                pdl);
  return true;
}

// Shape logic shared by the reductions (as ATen's reduction meta functions do it).
struct ReductionPlan {
  std::bitset<64> mask;
  c10::DimVector out_shape;     // result shape (keepdim applied)
  c10::DimVector viewed_shape;  // input rank, reduced dims = 1
};

// dim: nullopt or empty = every dim (ATen's make_dim_mask).
ReductionPlan plan_reduction(const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim) {
  ReductionPlan p;
  const int64_t ndim = self.dim();
  if (!dim.has_value() || dim->empty()) {
    for (int64_t d = 0; d < std::max<int64_t>(ndim, 1); ++d) p.mask.set(d);
  } else {
    p.mask = at::dim_list_to_bitset(*dim, ndim);  // wraps dims, raises on duplicates
  }
  for (int64_t d = 0; d < ndim; ++d) {
    if (!p.mask[d]) p.out_shape.push_back(self.size(d));
    else if (keepdim) p.out_shape.push_back(1);
    p.viewed_shape.push_back(p.mask[d] ? 1 : self.size(d));
  }
  return p;
}

// `out` viewed with the input's rank, stride 0 on reduced dims.
at::Tensor view_for_input(const at::Tensor& out, const ReductionPlan& p, bool keepdim) {
  c10::DimVector strides(p.viewed_shape.size(), 0);
  int64_t od = static_cast<int64_t>(out.dim()) - 1;
  for (int64_t d = static_cast<int64_t>(p.viewed_shape.size()) - 1; d >= 0; --d) {
    if (p.mask[d]) {
      if (keepdim) --od;
    } else {
      strides[d] = out.stride(od--);
    }
  }
  return out.as_strided(p.viewed_shape, strides);
}

void prepare_output(at::Tensor& out, const at::Tensor& self, const ReductionPlan& p, c10::ScalarType dtype) {
  if (!out.defined()) {
    out = at::empty(p.out_shape, self.options().dtype(dtype));
  } else {
    at::native::resize_output(out, p.out_shape);
  }
}

// Reduces self into `out` (and `out2` if non-null; undefined outputs are allocated with the
// given dtypes). A reduction over no elements gives `empty_value` (callers raise first where
// torch does).
void reduce_into(const ReduceSpec& s, const at::Tensor& self, const ReductionPlan& p, bool keepdim, at::Tensor& out,
                 c10::ScalarType out_dtype, at::Tensor* out2 = nullptr, c10::ScalarType out2_dtype = c10::kLong,
                 double empty_value = 0.0) {
  prepare_output(out, self, p, out_dtype);
  if (out2) prepare_output(*out2, self, p, out2_dtype);
  if (out.numel() == 0) return;
  if (self.numel() == 0) {
    out.fill_(empty_value);
    if (out2) out2->fill_(empty_value);
    return;
  }
  // The kernel writes both outputs at the same strides.
  at::Tensor o2 = out2 ? *out2 : at::Tensor();
  if (out2 && out2->strides() != out.strides()) o2 = at::empty_strided(out.sizes(), out.strides(), out2->options());
  at::Tensor viewed = view_for_input(out, p, keepdim);
  at::Tensor viewed2 = o2.defined() ? view_for_input(o2, p, keepdim) : at::Tensor();
  bool done = run_reduce(s, viewed, viewed2, self);
  if (!done) {
    // More than three kept or reduced dims that don't coalesce: kept dims first, then reduced
    // ones (in their order, so indices along one reduced dim stay right), made contiguous.
    c10::DimVector perm;
    for (int64_t d = 0; d < self.dim(); ++d) if (!p.mask[d]) perm.push_back(d);
    for (int64_t d = 0; d < self.dim(); ++d) if (p.mask[d]) perm.push_back(d);
    const at::Tensor x = self.permute(perm).contiguous();
    done = run_reduce(s, viewed.permute(perm), viewed2.defined() ? viewed2.permute(perm) : viewed2, x);
    if (!done) {
      // ... and the output's layout too: compute into contiguous outputs.
      at::Tensor t1 = at::empty(out.sizes(), out.options());
      at::Tensor t2 = o2.defined() ? at::empty(out.sizes(), o2.options()) : at::Tensor();
      at::Tensor v2 = t2.defined() ? view_for_input(t2, p, keepdim).permute(perm) : t2;
      TORCH_INTERNAL_ASSERT(run_reduce(s, view_for_input(t1, p, keepdim).permute(perm), v2, x));
      out.copy_(t1);
      if (t2.defined()) o2.copy_(t2);
    }
  }
  if (o2.defined() && !o2.is_same(*out2)) out2->copy_(o2);
}

// The ATen kernel of an overload for the tensor's backend (the fallback).
#define ATEN_BACKEND(t, fn, ...) ((t).is_cuda() ? at::cuda::fn(__VA_ARGS__) : at::cpu::fn(__VA_ARGS__))

bool same_device(const at::Tensor& a, const at::Tensor& b) { return a.device() == b.device(); }

// A reduction over no elements into a non-empty result: max/min/argmax have no identity, ATen
// raises. (Reducing an empty tensor along a non-empty dim gives an empty result: no error.)
bool no_identity_error(const at::Tensor& self, at::OptionalIntArrayRef dim) {
  if (self.numel() != 0) return false;
  const ReductionPlan p = plan_reduction(self, dim, false);
  for (int64_t d = 0; d < self.dim(); ++d)
    if (p.mask[d] && self.size(d) == 0) return true;
  return self.dim() == 0 || !dim.has_value() || dim->empty();
}

// ---------------------------------------------------------------- sum, mean, prod

OpRecord rec_sum_dim{"sum.dim_IntList"}, rec_sum{"sum"}, rec_sum_out{"sum.IntList_out"}, rec_sum_full_out{"sum.out"};
OpRecord rec_mean_dim{"mean.dim"}, rec_mean{"mean"}, rec_mean_out{"mean.out"}, rec_mean_full_out{"mean.dtype_out"};
OpRecord rec_prod{"prod"}, rec_prod_dim{"prod.dim_int"}, rec_prod_out{"prod.int_out"}, rec_prod_full_out{"prod.out"};

enum class SumKind { Sum, Mean, Prod };

at::Tensor aten_reduce(SumKind k, const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim,
                       std::optional<c10::ScalarType> dtype) {
  if (k == SumKind::Mean) return ATEN_BACKEND(self, mean, self, dim, keepdim, dtype);
  if (k == SumKind::Sum) return ATEN_BACKEND(self, sum, self, dim, keepdim, dtype);
  if (!dim.has_value()) return ATEN_BACKEND(self, prod, self, dtype);
  return ATEN_BACKEND(self, prod, self, (*dim)[0], keepdim, dtype);
}

at::Tensor& aten_reduce_out(SumKind k, const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim,
                            std::optional<c10::ScalarType> dtype, at::Tensor& out) {
  if (k == SumKind::Mean) return ATEN_BACKEND(out, mean_out, out, self, dim, keepdim, dtype);
  if (k == SumKind::Sum) return ATEN_BACKEND(out, sum_out, out, self, dim, keepdim, dtype);
  if (!dim.has_value()) return at::compositeexplicitautograd::prod_out(out, self, dtype);
  return ATEN_BACKEND(out, prod_out, out, self, (*dim)[0], keepdim, dtype);
}

// in/out dtypes as ATen infers them; nullopt where ATen must handle (or reject) the input.
std::optional<std::pair<c10::ScalarType, c10::ScalarType>> reduce_dtypes(bool mean, const at::Tensor& self,
                                                                         std::optional<c10::ScalarType> dtype,
                                                                         const at::Tensor* out) {
  c10::ScalarType out_dtype;
  if (out) {
    if (dtype.has_value() && *dtype != out->scalar_type()) return std::nullopt;  // ATen raises
    out_dtype = out->scalar_type();
  } else if (dtype.has_value()) {
    out_dtype = *dtype;
  } else {
    out_dtype = c10::isIntegralType(self.scalar_type(), true) ? c10::kLong : self.scalar_type();
  }
  const c10::ScalarType in_dtype = dtype.value_or(self.scalar_type());
  if (mean && !c10::isFloatingType(in_dtype)) return std::nullopt;  // ATen raises its error
  if (!dtype_in(kAllReal, in_dtype) || !dtype_in(kAllReal, out_dtype)) return std::nullopt;
  // Accumulate in the wider of input and result types (fp32 for half types, fp64 for fp64).
  const c10::ScalarType acc_from = (out_dtype == c10::kDouble || in_dtype == c10::kDouble) ? c10::kDouble
                                   : c10::isFloatingType(out_dtype)                        ? out_dtype
                                                                                           : in_dtype;
  return std::make_pair(acc_from, out_dtype);
}

template <SumKind kind>
struct Reduce {
  static ReduceSpec spec(c10::ScalarType acc_from) {
    ReduceSpec s;
    s.mode = kind == SumKind::Prod ? Mode::Prod : Mode::Sum;
    s.fin = kind == SumKind::Mean ? kFinDiv : kFinNone;
    s.acc = acc_of(acc_from);
    return s;
  }
  static constexpr double empty_value() {
    return kind == SumKind::Mean ? std::numeric_limits<double>::quiet_NaN() : kind == SumKind::Prod ? 1.0 : 0.0;
  }
  static at::Tensor dim_fn(OpRecord& rec, const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim,
                           std::optional<c10::ScalarType> dtype) {
    auto dt = reduce_dtypes(kind == SumKind::Mean, self, dtype, nullptr);
    const char* why = unsupported(kAllReal, {&self});
    if (why || !dt) {
      record(rec, true, why ? why : "dtype");
      return aten_reduce(kind, self, dim, keepdim, dtype);
    }
    record(rec);
    at::Tensor out;
    reduce_into(spec(dt->first), self, plan_reduction(self, dim, keepdim), keepdim, out, dt->second, nullptr,
                c10::kLong, empty_value());
    return out;
  }
  static at::Tensor& out_fn(OpRecord& rec, const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim,
                            std::optional<c10::ScalarType> dtype, at::Tensor& out) {
    auto dt = reduce_dtypes(kind == SumKind::Mean, self, dtype, &out);
    const char* why = unsupported(kAllReal, {&self, &out});
    if (why || !dt || !same_device(out, self)) {
      record(rec, true, why ? why : "dtype or device");
      return aten_reduce_out(kind, self, dim, keepdim, dtype, out);
    }
    record(rec);
    reduce_into(spec(dt->first), self, plan_reduction(self, dim, keepdim), keepdim, out, dt->second, nullptr,
                c10::kLong, empty_value());
    return out;
  }
};

at::Tensor sum_dim(const at::Tensor& s, at::OptionalIntArrayRef d, bool k, std::optional<c10::ScalarType> t) {
  return Reduce<SumKind::Sum>::dim_fn(rec_sum_dim, s, d, k, t);
}
at::Tensor sum_full(const at::Tensor& s, std::optional<c10::ScalarType> t) {
  return Reduce<SumKind::Sum>::dim_fn(rec_sum, s, std::nullopt, false, t);
}
at::Tensor& sum_out(const at::Tensor& s, at::OptionalIntArrayRef d, bool k, std::optional<c10::ScalarType> t,
                    at::Tensor& o) {
  return Reduce<SumKind::Sum>::out_fn(rec_sum_out, s, d, k, t, o);
}
at::Tensor& sum_full_out(const at::Tensor& s, std::optional<c10::ScalarType> t, at::Tensor& o) {
  return Reduce<SumKind::Sum>::out_fn(rec_sum_full_out, s, std::nullopt, false, t, o);
}
at::Tensor mean_dim(const at::Tensor& s, at::OptionalIntArrayRef d, bool k, std::optional<c10::ScalarType> t) {
  return Reduce<SumKind::Mean>::dim_fn(rec_mean_dim, s, d, k, t);
}
at::Tensor mean_full(const at::Tensor& s, std::optional<c10::ScalarType> t) {
  return Reduce<SumKind::Mean>::dim_fn(rec_mean, s, std::nullopt, false, t);
}
at::Tensor& mean_out(const at::Tensor& s, at::OptionalIntArrayRef d, bool k, std::optional<c10::ScalarType> t,
                     at::Tensor& o) {
  return Reduce<SumKind::Mean>::out_fn(rec_mean_out, s, d, k, t, o);
}
at::Tensor& mean_full_out(const at::Tensor& s, std::optional<c10::ScalarType> t, at::Tensor& o) {
  return Reduce<SumKind::Mean>::out_fn(rec_mean_full_out, s, std::nullopt, false, t, o);
}
at::Tensor prod_full(const at::Tensor& s, std::optional<c10::ScalarType> t) {
  return Reduce<SumKind::Prod>::dim_fn(rec_prod, s, std::nullopt, false, t);
}
at::Tensor prod_dim(const at::Tensor& s, int64_t d, bool k, std::optional<c10::ScalarType> t) {
  return Reduce<SumKind::Prod>::dim_fn(rec_prod_dim, s, at::IntArrayRef(d), k, t);
}
at::Tensor& prod_out(const at::Tensor& s, int64_t d, bool k, std::optional<c10::ScalarType> t, at::Tensor& o) {
  return Reduce<SumKind::Prod>::out_fn(rec_prod_out, s, at::IntArrayRef(d), k, t, o);
}
at::Tensor& prod_full_out(const at::Tensor& s, std::optional<c10::ScalarType> t, at::Tensor& o) {
  return Reduce<SumKind::Prod>::out_fn(rec_prod_full_out, s, std::nullopt, false, t, o);
}

// ---------------------------------------------------------------- amax, amin, max, min, argmax, argmin

OpRecord rec_amax{"amax"}, rec_amax_out{"amax.out"}, rec_amin{"amin"}, rec_amin_out{"amin.out"};
OpRecord rec_max{"max"}, rec_max_out{"max.unary_out"}, rec_min{"min"}, rec_min_out{"min.unary_out"};
OpRecord rec_max_dim{"max.dim"}, rec_max_dim_out{"max.dim_max"}, rec_min_dim{"min.dim"}, rec_min_dim_out{"min.dim_min"};
OpRecord rec_argmax{"argmax"}, rec_argmax_out{"argmax.out"}, rec_argmin{"argmin"}, rec_argmin_out{"argmin.out"};

template <bool is_max>
struct Extreme {
  static ReduceSpec spec(const at::Tensor& self, bool indices) {
    ReduceSpec s;
    s.mode = indices ? (is_max ? Mode::ArgMax : Mode::ArgMin) : (is_max ? Mode::Max : Mode::Min);
    s.acc = acc_of(self.scalar_type());
    return s;
  }
  // amax/amin (dim list) and max()/min() (every dim). Empty reductions have no identity: ATen
  // raises its error.
  static at::Tensor amax(const at::Tensor& self, at::IntArrayRef dim, bool keepdim) {
    OpRecord& rec = is_max ? rec_amax : rec_amin;
    const char* why = unsupported(kAllReal, {&self});
    if (why || no_identity_error(self, dim)) {
      record(rec, true, why ? why : "empty input");
      return is_max ? ATEN_BACKEND(self, amax, self, dim, keepdim) : ATEN_BACKEND(self, amin, self, dim, keepdim);
    }
    record(rec);
    at::Tensor out;
    reduce_into(spec(self, false), self, plan_reduction(self, dim, keepdim), keepdim, out, self.scalar_type());
    return out;
  }
  static at::Tensor& amax_out(const at::Tensor& self, at::IntArrayRef dim, bool keepdim, at::Tensor& out) {
    OpRecord& rec = is_max ? rec_amax_out : rec_amin_out;
    const char* why = unsupported(kAllReal, {&self, &out});
    if (why || no_identity_error(self, dim) || out.scalar_type() != self.scalar_type() || !same_device(out, self)) {
      record(rec, true, why ? why : "empty input, dtype or device");
      return is_max ? ATEN_BACKEND(out, amax_out, out, self, dim, keepdim)
                    : ATEN_BACKEND(out, amin_out, out, self, dim, keepdim);
    }
    record(rec);
    reduce_into(spec(self, false), self, plan_reduction(self, dim, keepdim), keepdim, out, self.scalar_type());
    return out;
  }
  static at::Tensor full(const at::Tensor& self) {
    OpRecord& rec = is_max ? rec_max : rec_min;
    const char* why = unsupported(kAllReal, {&self});
    if (why || self.numel() == 0) {
      record(rec, true, why ? why : "empty input");
      return is_max ? ATEN_BACKEND(self, max, self) : ATEN_BACKEND(self, min, self);
    }
    record(rec);
    at::Tensor out;
    reduce_into(spec(self, false), self, plan_reduction(self, std::nullopt, false), false, out, self.scalar_type());
    return out;
  }
  static at::Tensor& full_out(const at::Tensor& self, at::Tensor& out) {
    OpRecord& rec = is_max ? rec_max_out : rec_min_out;
    const char* why = unsupported(kAllReal, {&self, &out});
    if (why || self.numel() == 0 || out.scalar_type() != self.scalar_type() || !same_device(out, self)) {
      record(rec, true, why ? why : "empty input, dtype or device");
      return is_max ? ATEN_BACKEND(out, max_out, out, self) : ATEN_BACKEND(out, min_out, out, self);
    }
    record(rec);
    reduce_into(spec(self, false), self, plan_reduction(self, std::nullopt, false), false, out, self.scalar_type());
    return out;
  }
  // max.dim / min.dim: values and the first index of the extreme (NaN's index wins).
  static std::tuple<at::Tensor, at::Tensor> dim_fn(const at::Tensor& self, int64_t dim, bool keepdim) {
    OpRecord& rec = is_max ? rec_max_dim : rec_min_dim;
    const char* why = unsupported(kAllReal, {&self});
    if (why || no_identity_error(self, at::IntArrayRef(dim))) {
      record(rec, true, why ? why : "empty input");
      return is_max ? ATEN_BACKEND(self, max, self, dim, keepdim) : ATEN_BACKEND(self, min, self, dim, keepdim);
    }
    record(rec);
    const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
    at::Tensor values, indices;
    reduce_into(spec(self, true), self, plan_reduction(self, at::IntArrayRef(d), keepdim), keepdim, values,
                self.scalar_type(), &indices, c10::kLong);
    return {values, indices};
  }
  static std::tuple<at::Tensor&, at::Tensor&> dim_out(const at::Tensor& self, int64_t dim, bool keepdim,
                                                      at::Tensor& values, at::Tensor& indices) {
    OpRecord& rec = is_max ? rec_max_dim_out : rec_min_dim_out;
    const char* why = unsupported(kAllReal, {&self, &values, &indices});
    if (why || no_identity_error(self, at::IntArrayRef(dim)) || values.scalar_type() != self.scalar_type() ||
        indices.scalar_type() != c10::kLong || !same_device(values, self) || !same_device(indices, self)) {
      record(rec, true, why ? why : "empty input, dtype or device");
      return is_max ? ATEN_BACKEND(self, max_out, values, indices, self, dim, keepdim)
                    : ATEN_BACKEND(self, min_out, values, indices, self, dim, keepdim);
    }
    record(rec);
    const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
    reduce_into(spec(self, true), self, plan_reduction(self, at::IntArrayRef(d), keepdim), keepdim, values,
                self.scalar_type(), &indices, c10::kLong);
    return {values, indices};
  }
  // argmax/argmin: dim = None indexes the flattened input (row-major), as ATen's reshape(-1).
  static at::Tensor& arg_into(const at::Tensor& self, std::optional<int64_t> dim, bool keepdim, at::Tensor& out) {
    if (dim.has_value()) {
      const int64_t d = c10::maybe_wrap_dim(*dim, self.dim());
      // indices only: the kernel writes them to out2, which is `out` when no second output is given
      reduce_into(spec(self, true), self, plan_reduction(self, at::IntArrayRef(d), keepdim), keepdim, out,
                  c10::kLong);
      return out;
    }
    // keepdim keeps every dim as 1
    const ReductionPlan p = plan_reduction(self, std::nullopt, keepdim);
    prepare_output(out, self, p, c10::kLong);
    const at::Tensor flat = self.reshape({-1});
    at::Tensor flat_out = out.view(at::IntArrayRef());  // one element
    reduce_into(spec(self, true), flat, plan_reduction(flat, std::nullopt, false), false, flat_out, c10::kLong);
    return out;
  }
  static bool arg_supported(const at::Tensor& self, std::optional<int64_t> dim) {
    if (self.scalar_type() == c10::kBool) return false;
    return !(dim.has_value() ? no_identity_error(self, at::IntArrayRef(*dim)) : self.numel() == 0);
  }
  static at::Tensor arg(const at::Tensor& self, std::optional<int64_t> dim, bool keepdim) {
    OpRecord& rec = is_max ? rec_argmax : rec_argmin;
    const char* why = unsupported(kAllReal, {&self});
    if (why || !arg_supported(self, dim)) {
      record(rec, true, why ? why : "bool or empty input");
      return is_max ? ATEN_BACKEND(self, argmax, self, dim, keepdim) : ATEN_BACKEND(self, argmin, self, dim, keepdim);
    }
    record(rec);
    at::Tensor out;
    return arg_into(self, dim, keepdim, out);
  }
  static at::Tensor& arg_out(const at::Tensor& self, std::optional<int64_t> dim, bool keepdim, at::Tensor& out) {
    OpRecord& rec = is_max ? rec_argmax_out : rec_argmin_out;
    const char* why = unsupported(kAllReal, {&self, &out});
    if (why || !arg_supported(self, dim) || out.scalar_type() != c10::kLong || !same_device(out, self)) {
      record(rec, true, why ? why : "bool or empty input, dtype or device");
      return is_max ? ATEN_BACKEND(out, argmax_out, out, self, dim, keepdim)
                    : ATEN_BACKEND(out, argmin_out, out, self, dim, keepdim);
    }
    record(rec);
    return arg_into(self, dim, keepdim, out);
  }
};

// ---------------------------------------------------------------- all, any, count_nonzero

OpRecord rec_all{"all"}, rec_all_dim{"all.dim"}, rec_all_dims{"all.dims"}, rec_all_out{"all.out"},
    rec_all_dims_out{"all.dims_out"}, rec_all_all_out{"all.all_out"};
OpRecord rec_any{"any"}, rec_any_dim{"any.dim"}, rec_any_dims{"any.dims"}, rec_any_out{"any.out"},
    rec_any_dims_out{"any.dims_out"}, rec_any_all_out{"any.all_out"};
OpRecord rec_cnz_dims{"count_nonzero.dim_IntList"}, rec_cnz_dims_out{"count_nonzero.dim_IntList_out"},
    rec_cnz{"count_nonzero"}, rec_cnz_out{"count_nonzero.out"};

template <bool is_all>
struct AllAny {
  static at::Tensor aten(const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim) {
    return is_all ? ATEN_BACKEND(self, all, self, dim, keepdim) : ATEN_BACKEND(self, any, self, dim, keepdim);
  }
  static at::Tensor& aten_out(const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim, at::Tensor& out) {
    return is_all ? ATEN_BACKEND(out, all_out, out, self, dim, keepdim)
                  : ATEN_BACKEND(out, any_out, out, self, dim, keepdim);
  }
  static void run(const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim, at::Tensor& out,
                  c10::ScalarType out_dtype) {
    ReduceSpec s;
    s.mode = is_all ? Mode::Min : Mode::Max;
    s.map = kMapNonZero;
    s.acc = c10::kLong;
    reduce_into(s, self, plan_reduction(self, dim, keepdim), keepdim, out, out_dtype, nullptr, c10::kLong,
                is_all ? 1.0 : 0.0);
  }
  // Result bool, or uint8 for uint8 input (ATen); out= may be either.
  static at::Tensor fn_impl(OpRecord& rec, const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim) {
    const char* why = unsupported(kAllReal, {&self});
    if (why) {
      record(rec, true, why);
      return aten(self, dim, keepdim);
    }
    record(rec);
    at::Tensor out;
    run(self, dim, keepdim, out, self.scalar_type() == c10::kByte ? c10::kByte : c10::kBool);
    return out;
  }
  static at::Tensor& out_impl(OpRecord& rec, const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim,
                              at::Tensor& out) {
    const char* why = unsupported(kAllReal, {&self, &out});
    const bool dtype_ok = out.scalar_type() == c10::kBool || out.scalar_type() == c10::kByte;
    if (why || !dtype_ok || !same_device(out, self)) {
      record(rec, true, why ? why : "dtype or device");
      return aten_out(self, dim, keepdim, out);
    }
    record(rec);
    run(self, dim, keepdim, out, out.scalar_type());
    return out;
  }
  static at::Tensor full(const at::Tensor& s) { return fn_impl(is_all ? rec_all : rec_any, s, std::nullopt, false); }
  static at::Tensor dim(const at::Tensor& s, int64_t d, bool k) {
    return fn_impl(is_all ? rec_all_dim : rec_any_dim, s, at::IntArrayRef(d), k);
  }
  static at::Tensor dims(const at::Tensor& s, at::OptionalIntArrayRef d, bool k) {
    return fn_impl(is_all ? rec_all_dims : rec_any_dims, s, d, k);
  }
  static at::Tensor& dim_out(const at::Tensor& s, int64_t d, bool k, at::Tensor& o) {
    return out_impl(is_all ? rec_all_out : rec_any_out, s, at::IntArrayRef(d), k, o);
  }
  static at::Tensor& dims_out(const at::Tensor& s, at::OptionalIntArrayRef d, bool k, at::Tensor& o) {
    return out_impl(is_all ? rec_all_dims_out : rec_any_dims_out, s, d, k, o);
  }
  static at::Tensor& full_out(const at::Tensor& s, at::Tensor& o) {
    return out_impl(is_all ? rec_all_all_out : rec_any_all_out, s, std::nullopt, false, o);
  }
};

// count_nonzero: an int64 sum of x != 0; out= of another dtype gets a copy (as ATen's composite).
at::Tensor& count_nonzero_into(OpRecord& rec, const at::Tensor& self, at::OptionalIntArrayRef dim, at::Tensor& out) {
  ReduceSpec s;
  s.map = kMapNonZero;
  s.acc = c10::kLong;
  if (out.defined() && out.scalar_type() != c10::kLong) {
    at::Tensor tmp;
    reduce_into(s, self, plan_reduction(self, dim, false), false, tmp, c10::kLong);
    at::native::resize_output(out, tmp.sizes());
    out.copy_(tmp);
    return out;
  }
  reduce_into(s, self, plan_reduction(self, dim, false), false, out, c10::kLong);
  return out;
}

at::Tensor cnz_dims(const at::Tensor& self, at::IntArrayRef dim) {
  const char* why = unsupported(kAllReal, {&self});
  if (why) {
    record(rec_cnz_dims, true, why);
    return ATEN_BACKEND(self, count_nonzero, self, dim);
  }
  record(rec_cnz_dims);
  at::Tensor out;
  return count_nonzero_into(rec_cnz_dims, self, dim, out);
}
at::Tensor& cnz_dims_out(const at::Tensor& self, at::IntArrayRef dim, at::Tensor& out) {
  const char* why = unsupported(kAllReal, {&self, &out});
  if (why || !same_device(out, self)) {
    record(rec_cnz_dims_out, true, why ? why : "device");
    return at::compositeexplicitautograd::count_nonzero_out(out, self, dim);
  }
  record(rec_cnz_dims_out);
  return count_nonzero_into(rec_cnz_dims_out, self, dim, out);
}
at::Tensor cnz(const at::Tensor& self, std::optional<int64_t> dim) {
  const char* why = unsupported(kAllReal, {&self});
  if (why) {
    record(rec_cnz, true, why);
    return at::compositeexplicitautograd::count_nonzero(self, dim);
  }
  record(rec_cnz);
  at::Tensor out;
  return count_nonzero_into(rec_cnz, self, dim.has_value() ? at::OptionalIntArrayRef(*dim) : std::nullopt, out);
}
at::Tensor& cnz_out(const at::Tensor& self, std::optional<int64_t> dim, at::Tensor& out) {
  const char* why = unsupported(kAllReal, {&self, &out});
  if (why || !same_device(out, self)) {
    record(rec_cnz_out, true, why ? why : "device");
    return at::compositeexplicitautograd::count_nonzero_out(out, self, dim);
  }
  record(rec_cnz_out);
  return count_nonzero_into(rec_cnz_out, self, dim.has_value() ? at::OptionalIntArrayRef(*dim) : std::nullopt, out);
}

// ---------------------------------------------------------------- var, std, var_mean, std_mean

OpRecord rec_var{"var.correction"}, rec_var_out{"var.correction_out"}, rec_std{"std.correction"},
    rec_std_out{"std.correction_out"};
OpRecord rec_var_mean{"var_mean.correction"}, rec_var_mean_out{"var_mean.correction_out"},
    rec_std_mean{"std_mean.correction"}, rec_std_mean_out{"std_mean.correction_out"};

// Welford (count, mean, M2) per lane, merged with Chan's formula: stable, one read of the input.
template <bool is_std>
struct VarStd {
  static constexpr const char* name = is_std ? "std" : "var";
  static ReduceSpec spec(const at::Tensor& self, const std::optional<c10::Scalar>& correction,
                         const ReductionPlan& p, const char* fname) {
    ReduceSpec s;
    s.mode = Mode::Welford;
    s.fin = is_std ? kFinStd : kFinVar;
    s.acc = acc_of(self.scalar_type());
    s.p = correction.has_value() ? correction->toDouble() : 1.0;
    // ATen's warning when there are no degrees of freedom left.
    int64_t n = 1;
    for (int64_t d = 0; d < self.dim(); ++d) if (p.mask[d]) n *= self.size(d);
    if (n - s.p <= 0)
      TORCH_WARN(fname, "(): degrees of freedom is <= 0. Correction should be strictly less than the ",
                 "reduction factor (input numel divided by output numel).");
    return s;
  }
  static constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  static at::Tensor fn(const at::Tensor& self, at::OptionalIntArrayRef dim, const std::optional<c10::Scalar>& corr,
                       bool keepdim) {
    OpRecord& rec = is_std ? rec_std : rec_var;
    const char* why = unsupported(kFloats, {&self});
    if (why) {
      record(rec, true, why);
      return is_std ? ATEN_BACKEND(self, std, self, dim, corr, keepdim) : ATEN_BACKEND(self, var, self, dim, corr, keepdim);
    }
    record(rec);
    const ReductionPlan p = plan_reduction(self, dim, keepdim);
    at::Tensor out;
    reduce_into(spec(self, corr, p, name), self, p, keepdim, out, self.scalar_type(), nullptr, c10::kLong, nan);
    return out;
  }
  static at::Tensor& out_fn(const at::Tensor& self, at::OptionalIntArrayRef dim, const std::optional<c10::Scalar>& corr,
                            bool keepdim, at::Tensor& out) {
    OpRecord& rec = is_std ? rec_std_out : rec_var_out;
    const char* why = unsupported(kFloats, {&self, &out});
    if (why || !same_device(out, self)) {
      record(rec, true, why ? why : "dtype or device");
      return is_std ? ATEN_BACKEND(out, std_out, out, self, dim, corr, keepdim)
                    : ATEN_BACKEND(out, var_out, out, self, dim, corr, keepdim);
    }
    record(rec);
    const ReductionPlan p = plan_reduction(self, dim, keepdim);
    reduce_into(spec(self, corr, p, name), self, p, keepdim, out, out.scalar_type(), nullptr, c10::kLong, nan);
    return out;
  }
  static std::tuple<at::Tensor, at::Tensor> mean_fn(const at::Tensor& self, at::OptionalIntArrayRef dim,
                                                    const std::optional<c10::Scalar>& corr, bool keepdim) {
    OpRecord& rec = is_std ? rec_std_mean : rec_var_mean;
    const char* why = unsupported(kFloats, {&self});
    if (why) {
      record(rec, true, why);
      return is_std ? ATEN_BACKEND(self, std_mean, self, dim, corr, keepdim)
                    : ATEN_BACKEND(self, var_mean, self, dim, corr, keepdim);
    }
    record(rec);
    const ReductionPlan p = plan_reduction(self, dim, keepdim);
    at::Tensor out, mean;
    reduce_into(spec(self, corr, p, is_std ? "std_mean" : "var_mean"), self, p, keepdim, out, self.scalar_type(),
                &mean, self.scalar_type(), nan);
    return {out, mean};
  }
  static std::tuple<at::Tensor&, at::Tensor&> mean_out(const at::Tensor& self, at::OptionalIntArrayRef dim,
                                                       const std::optional<c10::Scalar>& corr, bool keepdim,
                                                       at::Tensor& out0, at::Tensor& out1) {
    OpRecord& rec = is_std ? rec_std_mean_out : rec_var_mean_out;
    const char* why = unsupported(kFloats, {&self, &out0, &out1});
    if (why || out0.scalar_type() != self.scalar_type() || out1.scalar_type() != self.scalar_type() ||
        !same_device(out0, self) || !same_device(out1, self)) {
      record(rec, true, why ? why : "dtype or device");
      return is_std ? at::compositeexplicitautograd::std_mean_out(out0, out1, self, dim, corr, keepdim)
                    : at::compositeexplicitautograd::var_mean_out(out0, out1, self, dim, corr, keepdim);
    }
    record(rec);
    const ReductionPlan p = plan_reduction(self, dim, keepdim);
    reduce_into(spec(self, corr, p, is_std ? "std_mean" : "var_mean"), self, p, keepdim, out0, self.scalar_type(),
                &out1, self.scalar_type(), nan);
    return {out0, out1};
  }
};

// ---------------------------------------------------------------- norm, linalg_vector_norm

OpRecord rec_vnorm{"linalg_vector_norm"}, rec_vnorm_out{"linalg_vector_norm.out"};
OpRecord rec_norm_dim{"norm.ScalarOpt_dim"}, rec_norm_dim_dtype{"norm.ScalarOpt_dim_dtype"},
    rec_norm_dtype_out{"norm.dtype_out"}, rec_norm_out{"norm.out"}, rec_norm{"norm.Scalar"},
    rec_norm_dtype{"norm.ScalarOpt_dtype"}, rec_norm_dtype_full_out{"norm.ScalarOpt_dtype_out"},
    rec_norm_scalar_out{"norm.Scalar_out"};

// The vector norm of self (floating) over dim into out (allocated if undefined), result dtype
// `dtype`: ord 0 counts nonzeros, 1 sums |x|, 2 is sqrt(sum x^2), +-inf is max/min |x|, other
// p is (sum |x|^p)^(1/p). Returns false (nothing done) where ATen must raise: +-inf over an
// empty dim.
bool vector_norm_into(const at::Tensor& self, double ord, at::OptionalIntArrayRef dim, bool keepdim,
                      c10::ScalarType dtype, at::Tensor& out) {
  ReduceSpec s;
  s.acc = (dtype == c10::kDouble || self.scalar_type() == c10::kDouble) ? c10::kDouble : c10::kFloat;
  if (std::isinf(ord)) {
    if (self.numel() == 0) return false;
    s.mode = ord > 0 ? Mode::Max : Mode::Min;
    s.map = kMapAbs;
  } else if (ord == 0) {
    s.map = kMapNonZero;
  } else if (ord == 1) {
    s.map = kMapAbs;
  } else if (ord == 2) {
    s.map = kMapSquare;
    s.fin = kFinSqrt;
  } else {
    s.map = kMapPow;
    s.fin = kFinRoot;
    s.p = ord;
  }
  reduce_into(s, self, plan_reduction(self, dim, keepdim), keepdim, out, dtype);
  return true;
}

// What ATen accepts and computes here: floating input, a floating dtype that does not narrow
// the input's, an out= of exactly the result dtype.
std::optional<c10::ScalarType> norm_dtype(const at::Tensor& self, std::optional<c10::ScalarType> dtype,
                                          const at::Tensor* out) {
  if (!c10::isFloatingType(self.scalar_type())) return std::nullopt;
  const c10::ScalarType r = dtype.value_or(self.scalar_type());
  if (!dtype_in(kFloats, r) || at::promoteTypes(self.scalar_type(), r) != r) return std::nullopt;
  if (out && (out->scalar_type() != r || !same_device(*out, self))) return std::nullopt;
  return r;
}

at::Tensor vnorm(const at::Tensor& self, const c10::Scalar& ord, at::OptionalIntArrayRef dim, bool keepdim,
                 std::optional<c10::ScalarType> dtype) {
  const char* why = unsupported(kFloats, {&self});
  const auto r = norm_dtype(self, dtype, nullptr);
  at::Tensor out;
  if (!why && r && vector_norm_into(self, ord.toDouble(), dim, keepdim, *r, out)) {
    record(rec_vnorm);
    return out;
  }
  record(rec_vnorm, true, why ? why : "dtype or empty inf-norm");
  return ATEN_BACKEND(self, linalg_vector_norm, self, ord, dim, keepdim, dtype);
}
at::Tensor& vnorm_out(const at::Tensor& self, const c10::Scalar& ord, at::OptionalIntArrayRef dim, bool keepdim,
                      std::optional<c10::ScalarType> dtype, at::Tensor& out) {
  const char* why = unsupported(kFloats, {&self, &out});
  const auto r = norm_dtype(self, dtype, &out);
  if (!why && r && vector_norm_into(self, ord.toDouble(), dim, keepdim, *r, out)) {
    record(rec_vnorm_out);
    return out;
  }
  record(rec_vnorm_out, true, why ? why : "dtype, device or empty inf-norm");
  return ATEN_BACKEND(out, linalg_vector_norm_out, out, self, ord, dim, keepdim, dtype);
}

// The legacy norm overloads: p = None means 2; the ATen kernel behind each is the fallback.
double norm_p(const std::optional<c10::Scalar>& p) { return p.has_value() ? p->toDouble() : 2.0; }

at::Tensor norm_dim(const at::Tensor& self, const std::optional<c10::Scalar>& p, at::IntArrayRef dim, bool keepdim) {
  const char* why = unsupported(kFloats, {&self});
  const auto r = norm_dtype(self, std::nullopt, nullptr);
  at::Tensor out;
  if (!why && r && vector_norm_into(self, norm_p(p), dim, keepdim, *r, out)) {
    record(rec_norm_dim);
    return out;
  }
  record(rec_norm_dim, true, why ? why : "dtype or empty inf-norm");
  return ATEN_BACKEND(self, norm, self, p, dim, keepdim);
}
at::Tensor norm_dim_dtype(const at::Tensor& self, const std::optional<c10::Scalar>& p, at::IntArrayRef dim,
                          bool keepdim, c10::ScalarType dtype) {
  const char* why = unsupported(kFloats, {&self});
  const auto r = norm_dtype(self, dtype, nullptr);
  at::Tensor out;
  if (!why && r && vector_norm_into(self, norm_p(p), dim, keepdim, *r, out)) {
    record(rec_norm_dim_dtype);
    return out;
  }
  record(rec_norm_dim_dtype, true, why ? why : "dtype or empty inf-norm");
  return ATEN_BACKEND(self, norm, self, p, dim, keepdim, dtype);
}
at::Tensor& norm_dtype_out(const at::Tensor& self, const std::optional<c10::Scalar>& p, at::IntArrayRef dim,
                           bool keepdim, c10::ScalarType dtype, at::Tensor& out) {
  const char* why = unsupported(kFloats, {&self, &out});
  const auto r = norm_dtype(self, dtype, &out);
  if (!why && r && vector_norm_into(self, norm_p(p), dim, keepdim, *r, out)) {
    record(rec_norm_dtype_out);
    return out;
  }
  record(rec_norm_dtype_out, true, why ? why : "dtype, device or empty inf-norm");
  return ATEN_BACKEND(out, norm_out, out, self, p, dim, keepdim, dtype);
}
at::Tensor& norm_out(const at::Tensor& self, const std::optional<c10::Scalar>& p, at::IntArrayRef dim, bool keepdim,
                     at::Tensor& out) {
  const char* why = unsupported(kFloats, {&self, &out});
  const auto r = norm_dtype(self, std::nullopt, &out);
  if (!why && r && vector_norm_into(self, norm_p(p), dim, keepdim, *r, out)) {
    record(rec_norm_out);
    return out;
  }
  record(rec_norm_out, true, why ? why : "dtype, device or empty inf-norm");
  return ATEN_BACKEND(out, norm_out, out, self, p, dim, keepdim);
}
at::Tensor norm_full(const at::Tensor& self, const c10::Scalar& p) {
  const char* why = unsupported(kFloats, {&self});
  const auto r = norm_dtype(self, std::nullopt, nullptr);
  at::Tensor out;
  if (!why && r && vector_norm_into(self, p.toDouble(), std::nullopt, false, *r, out)) {
    record(rec_norm);
    return out;
  }
  record(rec_norm, true, why ? why : "dtype or empty inf-norm");
  return at::compositeexplicitautograd::norm(self, p);
}
at::Tensor norm_full_dtype(const at::Tensor& self, const std::optional<c10::Scalar>& p, c10::ScalarType dtype) {
  const char* why = unsupported(kFloats, {&self});
  const auto r = norm_dtype(self, dtype, nullptr);
  at::Tensor out;
  if (!why && r && vector_norm_into(self, norm_p(p), std::nullopt, false, *r, out)) {
    record(rec_norm_dtype);
    return out;
  }
  record(rec_norm_dtype, true, why ? why : "dtype or empty inf-norm");
  return at::compositeexplicitautograd::norm(self, p, dtype);
}
at::Tensor& norm_full_dtype_out(const at::Tensor& self, const std::optional<c10::Scalar>& p, c10::ScalarType dtype,
                                at::Tensor& out) {
  const char* why = unsupported(kFloats, {&self, &out});
  const auto r = norm_dtype(self, dtype, &out);
  if (!why && r && vector_norm_into(self, norm_p(p), std::nullopt, false, *r, out)) {
    record(rec_norm_dtype_full_out);
    return out;
  }
  record(rec_norm_dtype_full_out, true, why ? why : "dtype, device or empty inf-norm");
  return at::compositeexplicitautograd::norm_out(out, self, p, dtype);
}
at::Tensor& norm_scalar_out(const at::Tensor& self, const c10::Scalar& p, at::Tensor& out) {
  const char* why = unsupported(kFloats, {&self, &out});
  const auto r = norm_dtype(self, std::nullopt, &out);
  if (!why && r && vector_norm_into(self, p.toDouble(), std::nullopt, false, *r, out)) {
    record(rec_norm_scalar_out);
    return out;
  }
  record(rec_norm_scalar_out, true, why ? why : "dtype, device or empty inf-norm");
  return at::compositeexplicitautograd::norm_out(out, self, p);
}

// ---------------------------------------------------------------- logsumexp, trace

OpRecord rec_lse{"logsumexp"}, rec_lse_out{"logsumexp.out"}, rec_trace{"trace"}, rec_trace_out{"trace.out"};

// One pass: each lane keeps (max, sum of exp(x - max)), rescaled when the max grows. Integer
// input gives the default float dtype (ATen converts it first).
void logsumexp_into(const at::Tensor& self, at::IntArrayRef dim, bool keepdim, at::Tensor& out,
                    c10::ScalarType dtype) {
  ReduceSpec s;
  s.mode = Mode::Lse;
  s.acc = (dtype == c10::kDouble || self.scalar_type() == c10::kDouble) ? c10::kDouble : c10::kFloat;
  reduce_into(s, self, plan_reduction(self, dim, keepdim), keepdim, out, dtype, nullptr, c10::kLong,
              -std::numeric_limits<double>::infinity());
}

c10::ScalarType lse_dtype(const at::Tensor& self) {
  return c10::isIntegralType(self.scalar_type(), true) ? c10::typeMetaToScalarType(c10::get_default_dtype())
                                                       : self.scalar_type();
}

at::Tensor lse(const at::Tensor& self, at::IntArrayRef dim, bool keepdim) {
  const char* why = unsupported(kAllReal, {&self});
  if (why) {
    record(rec_lse, true, why);
    return at::compositeexplicitautograd::logsumexp(self, dim, keepdim);
  }
  record(rec_lse);
  at::Tensor out;
  logsumexp_into(self, dim, keepdim, out, lse_dtype(self));
  return out;
}
at::Tensor& lse_out(const at::Tensor& self, at::IntArrayRef dim, bool keepdim, at::Tensor& out) {
  const char* why = unsupported(kAllReal, {&self, &out});
  if (why || !dtype_in(kFloats, out.scalar_type()) || !same_device(out, self)) {
    record(rec_lse_out, true, why ? why : "dtype or device");
    return at::compositeexplicitautogradnonfunctional::logsumexp_out(out, self, dim, keepdim);
  }
  record(rec_lse_out);
  logsumexp_into(self, dim, keepdim, out, out.scalar_type());
  return out;
}

// trace: the sum of the diagonal, a strided view. Dtypes as the backend's ATen kernel (the
// CPU kernel has no bool or half types; ATen raises for them and for non-matrices).
bool trace_supported(const at::Tensor& self) {
  const uint32_t dtypes = self.is_cuda() ? kAllReal : (kInts | bit(c10::kFloat) | bit(c10::kDouble));
  return self.dim() == 2 && dtype_in(dtypes, self.scalar_type());
}
at::Tensor& trace_into(const at::Tensor& self, at::Tensor& out) {
  const c10::ScalarType dtype = c10::isIntegralType(self.scalar_type(), true) ? c10::kLong : self.scalar_type();
  const at::Tensor diag = self.as_strided({std::min(self.size(0), self.size(1))}, {self.stride(0) + self.stride(1)});
  ReduceSpec s;
  s.acc = acc_of(self.scalar_type());
  if (out.defined() && out.scalar_type() != dtype) {  // ATen's composite out= copies
    at::Tensor tmp;
    reduce_into(s, diag, plan_reduction(diag, std::nullopt, false), false, tmp, dtype);
    at::native::resize_output(out, tmp.sizes());
    out.copy_(tmp);
    return out;
  }
  reduce_into(s, diag, plan_reduction(diag, std::nullopt, false), false, out, dtype);
  return out;
}
at::Tensor trace_fn(const at::Tensor& self) {
  const char* why = unsupported(kAllReal, {&self});
  if (why || !trace_supported(self)) {
    record(rec_trace, true, why ? why : "dtype or rank");
    return ATEN_BACKEND(self, trace, self);
  }
  record(rec_trace);
  at::Tensor out;
  return trace_into(self, out);
}
at::Tensor& trace_out(const at::Tensor& self, at::Tensor& out) {
  const char* why = unsupported(kAllReal, {&self, &out});
  if (why || !trace_supported(self) || !same_device(out, self)) {
    record(rec_trace_out, true, why ? why : "dtype, rank or device");
    return at::compositeexplicitautograd::trace_out(out, self);
  }
  record(rec_trace_out);
  return trace_into(self, out);
}

// ---------------------------------------------------------------- softmax

OpRecord rec_softmax{"_softmax"}, rec_softmax_out{"_softmax.out"};
OpRecord rec_log_softmax{"_log_softmax"}, rec_log_softmax_out{"_log_softmax.out"};

// softmax over a non-last dim (inner > 1), softmax_cols_kernel: tiles and split as
// softmax_cols_tiles (op_utils.h). Each program streams its rows twice (per-lane online max/sum,
// then the write); split, the parts' (max, sum) go to a workspace [2, parts, K] and a second
// launch (in reverse order, for L2 reuse) combines them and writes.
void run_softmax_cols(const at::Tensor& out, const at::Tensor& x, int64_t D, int64_t inner, bool log) {
  const ColsTiles t = softmax_cols_tiles(x.numel(), D, inner, x.device());
  rt::LaunchConfig cfg;
  cfg.num_warps = kColsWarps;
  cfg.grid[0] = t.blocks;
  cfg.grid[1] = t.parts;
  const bool f64 = x.scalar_type() == c10::kDouble;
  const at::Tensor ws = t.parts > 1 ? at::empty({2, t.parts, t.K}, x.options().dtype(acc_type(x))) : at::Tensor();
  const at::Tensor& ws_arg = t.parts > 1 ? ws : x;  // unused by stage 0
  for (int stage = t.parts > 1 ? 1 : 0; stage <= (t.parts > 1 ? 2 : 0); ++stage) {
    rt::KernelArgs args;
    args.tensor(out).tensor(x).tensor(ws_arg).integer(t.K).integer(D).integer(inner).integer(t.part);
    args.constant(log).constant(f64).constant(t.block_k).constant(t.block_d).constant(stage).constant(t.int64);
    args.constant(kSplitReverse);
    rt::launch(softmax_cols_kernel, cfg, args, x.device());
  }
}

// Rows of a whole program each (one pass, a row a program, 16 warps or more: one program fills
// an SM) in at least two rows a program: softmax_stream_kernel's persistent programs, this many
// (0: not this path). bench/softmax_rows_probe.py (session 22, H100, 4096x32000 bf16): a row a
// program at 32 warps 188.8 us, streamed at 2 programs an SM 181.9 (1 an SM: 183.6); log_softmax
// 183.1 -> 181.8. (The CPU backend counts as one SM.)
constexpr int64_t kStreamProgramsPerSm = 2;
int64_t softmax_stream_programs(const RowTiles& t, int64_t K, const c10::Device& device) {
  if (!t.single || t.block_k != 1 || t.num_warps < 16) return 0;
  const int64_t sms = device.is_cuda() ? rt::device_info(device.index()).sm_count : 1;
  const int64_t programs = kStreamProgramsPerSm * sms;
  return K >= 2 * programs ? programs : 0;
}

void run_softmax(const at::Tensor& out, const at::Tensor& x, int64_t dim, bool log) {
  const int64_t numel = x.numel();
  if (numel == 0) return;
  const int64_t D = x.dim() == 0 ? 1 : x.size(dim);
  int64_t inner = 1;
  for (int64_t d = dim + 1; d < x.dim(); ++d) inner *= x.size(d);
  if (inner > 1) return run_softmax_cols(out, x, D, inner, log);
  const int64_t K = numel / D;
  const RowTiles t = softmax_row_tiles(K, D, inner, x.device());
  const OnepassTiles onepass = softmax_onepass_tiles(t, K, D, x, at::Tensor());
  if (onepass.parts) return run_softmax_onepass(out, x, at::Tensor(), K, D, log, onepass);
  const bool f64 = x.scalar_type() == c10::kDouble;
  const bool int64 = numel > INT32_MAX - 65536;
  rt::LaunchConfig cfg;
  cfg.num_warps = t.num_warps;
  if (t.parts > 1) {
    // few wide rows: per-part (max, sum of exp), then combine and write (op_utils.h)
    const at::Tensor ws = at::empty({2, K, t.parts}, x.options().dtype(acc_type(x)));
    cfg.grid[0] = t.parts;
    cfg.grid[1] = K;
    const bool pdl = use_pdl(x.device(), numel);
    rt::KernelArgs stats;
    stats.tensor(ws).tensor(x).integer(K).integer(D).integer(t.part);
    stats.constant(f64).constant(t.block_d).constant(int64).constant(pdl);
    rt::launch(softmax_part_stats_kernel, cfg, stats, x.device());
    rt::KernelArgs args;
    args.tensor(out).tensor(x).tensor(ws).integer(K).integer(D).integer(t.part);
    args.constant(log).constant(f64).constant(t.block_d).constant(t.block_p).constant(int64);
    args.constant(kSplitReverse).constant(pdl);
    cfg.pdl = pdl;
    rt::launch(softmax_split_kernel, cfg, args, x.device());
    return;
  }
  const int64_t stream_programs = softmax_stream_programs(t, K, x.device());
  if (stream_programs) {
    rt::KernelArgs args;
    args.tensor(out).tensor(x).integer(K).integer(D).constant(log).constant(f64).constant(t.block_d);
    cfg.grid[0] = stream_programs;
    rt::launch(softmax_stream_kernel, cfg, args, x.device());
    return;
  }
  rt::KernelArgs args;
  args.tensor(out).tensor(x).integer(K).integer(D).integer(inner);
  args.constant(log).constant(f64).constant(t.block_k).constant(t.block_d);
  args.constant(t.single).constant(int64);
  cfg.grid[0] = ceil_div(K, t.block_k);
  rt::launch(softmax_kernel, cfg, args, x.device());
}

at::Tensor aten_softmax(bool log, const at::Tensor& s, int64_t dim, bool h) {
  if (s.is_cuda()) return log ? at::cuda::_log_softmax(s, dim, h) : at::cuda::_softmax(s, dim, h);
  return log ? at::cpu::_log_softmax(s, dim, h) : at::cpu::_softmax(s, dim, h);
}
at::Tensor& aten_softmax_out(bool log, const at::Tensor& s, int64_t dim, bool h, at::Tensor& o) {
  if (o.is_cuda()) return log ? at::cuda::_log_softmax_out(o, s, dim, h) : at::cuda::_softmax_out(o, s, dim, h);
  return log ? at::cpu::_log_softmax_out(o, s, dim, h) : at::cpu::_softmax_out(o, s, dim, h);
}

// half_to_float is only meaningful for half inputs on CUDA; other combinations go to ATen.
bool softmax_supported(const at::Tensor& self, bool half_to_float) {
  if (unsupported(kFloats, {&self})) return false;
  return !half_to_float || ((self.scalar_type() == c10::kHalf || self.scalar_type() == c10::kBFloat16) && self.is_cuda());
}

template <bool log>
struct Softmax {
  static at::Tensor fn(const at::Tensor& self, int64_t dim, bool half_to_float) {
    OpRecord& rec = log ? rec_log_softmax : rec_softmax;
    if (!softmax_supported(self, half_to_float)) {
      record(rec, true, "dtype");
      return aten_softmax(log, self, dim, half_to_float);
    }
    record(rec);
    const int64_t wrapped = c10::maybe_wrap_dim(dim, self.dim());
    const at::Tensor x = self.contiguous();
    at::Tensor out = at::empty(x.sizes(), x.options().dtype(half_to_float ? c10::kFloat : x.scalar_type()));
    run_softmax(out, x, wrapped, log);
    return out;
  }
  static at::Tensor& out_fn(const at::Tensor& self, int64_t dim, bool half_to_float, at::Tensor& out) {
    OpRecord& rec = log ? rec_log_softmax_out : rec_softmax_out;
    const c10::ScalarType want = half_to_float ? c10::kFloat : self.scalar_type();
    if (!softmax_supported(self, half_to_float) || out.scalar_type() != want || out.device() != self.device()) {
      record(rec, true, "dtype or device");
      return aten_softmax_out(log, self, dim, half_to_float, out);
    }
    record(rec);
    const int64_t wrapped = c10::maybe_wrap_dim(dim, self.dim());
    at::native::resize_output(out, self.sizes());
    if (!out.is_contiguous()) {
      record(rec, true, "non-contiguous out");
      return aten_softmax_out(log, self, dim, half_to_float, out);
    }
    run_softmax(out, self.contiguous(), wrapped, log);
    return out;
  }
};

}  // namespace

void run_softmax_onepass(const at::Tensor& out, const at::Tensor& x, const at::Tensor& g, int64_t K, int64_t D,
                         bool log, const OnepassTiles& o) {
  const at::Tensor ws = at::empty({K, o.parts, 2}, x.options().dtype(c10::kFloat));
  const at::TensorBase sync = rt::zeroed_counters(x, 1 + K);  // the ticket, the rows' counts
  rt::KernelArgs args;
  args.tensor(out).tensor(x);
  if (g.defined()) args.tensor(g); else args.none();
  args.tensor(ws).tensor(sync).integer(D);
  args.constant(g.defined()).constant(log).constant(o.part).constant(o.async_copy).constant(o.block_p);
  rt::LaunchConfig cfg;
  cfg.num_warps = o.num_warps;
  cfg.maxnreg = o.maxnreg;
  cfg.grid[0] = K * o.parts;
  rt::launch(softmax_rows_smem_kernel, cfg, args, x.device());
}

// ---------------------------------------------------------------- C++ API

at::Tensor sum(const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim, std::optional<c10::ScalarType> dtype) {
  return sum_dim(self, dim, keepdim, dtype);
}
at::Tensor mean(const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim, std::optional<c10::ScalarType> dtype) {
  return mean_dim(self, dim, keepdim, dtype);
}
at::Tensor softmax(const at::Tensor& self, int64_t dim) { return Softmax<false>::fn(self, dim, false); }
at::Tensor log_softmax(const at::Tensor& self, int64_t dim) { return Softmax<true>::fn(self, dim, false); }

}  // namespace gemforge::ops

namespace gemforge {

void add_reduction_ops(std::vector<OpEntry>& t) {
  using namespace ops;
  t.push_back(entry<&sum_dim>(rec_sum_dim));
  t.push_back(entry<&sum_full>(rec_sum));
  t.push_back(entry<&sum_out>(rec_sum_out));
  t.push_back(entry<&sum_full_out>(rec_sum_full_out));
  t.push_back(entry<&mean_dim>(rec_mean_dim));
  t.push_back(entry<&mean_full>(rec_mean));
  t.push_back(entry<&mean_out>(rec_mean_out));
  t.push_back(entry<&mean_full_out>(rec_mean_full_out));
  t.push_back(entry<&prod_full>(rec_prod));
  t.push_back(entry<&prod_dim>(rec_prod_dim));
  t.push_back(entry<&prod_out>(rec_prod_out));
  t.push_back(entry<&prod_full_out>(rec_prod_full_out));
  t.push_back(entry<&Extreme<true>::amax>(rec_amax));
  t.push_back(entry<&Extreme<true>::amax_out>(rec_amax_out));
  t.push_back(entry<&Extreme<false>::amax>(rec_amin));
  t.push_back(entry<&Extreme<false>::amax_out>(rec_amin_out));
  t.push_back(entry<&Extreme<true>::full>(rec_max));
  t.push_back(entry<&Extreme<true>::full_out>(rec_max_out));
  t.push_back(entry<&Extreme<false>::full>(rec_min));
  t.push_back(entry<&Extreme<false>::full_out>(rec_min_out));
  t.push_back(entry<&Extreme<true>::dim_fn>(rec_max_dim));
  t.push_back(entry<&Extreme<true>::dim_out>(rec_max_dim_out));
  t.push_back(entry<&Extreme<false>::dim_fn>(rec_min_dim));
  t.push_back(entry<&Extreme<false>::dim_out>(rec_min_dim_out));
  t.push_back(entry<&Extreme<true>::arg>(rec_argmax));
  t.push_back(entry<&Extreme<true>::arg_out>(rec_argmax_out));
  t.push_back(entry<&Extreme<false>::arg>(rec_argmin));
  t.push_back(entry<&Extreme<false>::arg_out>(rec_argmin_out));
  t.push_back(entry<&AllAny<true>::full>(rec_all));
  t.push_back(entry<&AllAny<true>::dim>(rec_all_dim));
  t.push_back(entry<&AllAny<true>::dims>(rec_all_dims));
  t.push_back(entry<&AllAny<true>::dim_out>(rec_all_out));
  t.push_back(entry<&AllAny<true>::dims_out>(rec_all_dims_out));
  t.push_back(entry<&AllAny<true>::full_out>(rec_all_all_out));
  t.push_back(entry<&AllAny<false>::full>(rec_any));
  t.push_back(entry<&AllAny<false>::dim>(rec_any_dim));
  t.push_back(entry<&AllAny<false>::dims>(rec_any_dims));
  t.push_back(entry<&AllAny<false>::dim_out>(rec_any_out));
  t.push_back(entry<&AllAny<false>::dims_out>(rec_any_dims_out));
  t.push_back(entry<&AllAny<false>::full_out>(rec_any_all_out));
  t.push_back(entry<&cnz_dims>(rec_cnz_dims));
  t.push_back(entry<&cnz_dims_out>(rec_cnz_dims_out));
  t.push_back(entry<&cnz>(rec_cnz));
  t.push_back(entry<&cnz_out>(rec_cnz_out));
  t.push_back(entry<&VarStd<false>::fn>(rec_var));
  t.push_back(entry<&VarStd<false>::out_fn>(rec_var_out));
  t.push_back(entry<&VarStd<true>::fn>(rec_std));
  t.push_back(entry<&VarStd<true>::out_fn>(rec_std_out));
  t.push_back(entry<&VarStd<false>::mean_fn>(rec_var_mean));
  t.push_back(entry<&VarStd<false>::mean_out>(rec_var_mean_out));
  t.push_back(entry<&VarStd<true>::mean_fn>(rec_std_mean));
  t.push_back(entry<&VarStd<true>::mean_out>(rec_std_mean_out));
  t.push_back(entry<&vnorm>(rec_vnorm));
  t.push_back(entry<&vnorm_out>(rec_vnorm_out));
  t.push_back(entry<&norm_dim>(rec_norm_dim));
  t.push_back(entry<&norm_dim_dtype>(rec_norm_dim_dtype));
  t.push_back(entry<&norm_dtype_out>(rec_norm_dtype_out));
  t.push_back(entry<&norm_out>(rec_norm_out));
  t.push_back(entry<&norm_full>(rec_norm));
  t.push_back(entry<&norm_full_dtype>(rec_norm_dtype));
  t.push_back(entry<&norm_full_dtype_out>(rec_norm_dtype_full_out));
  t.push_back(entry<&norm_scalar_out>(rec_norm_scalar_out));
  t.push_back(entry<&lse>(rec_lse));
  t.push_back(entry<&lse_out>(rec_lse_out));
  t.push_back(entry<&trace_fn>(rec_trace));
  t.push_back(entry<&trace_out>(rec_trace_out));
  t.push_back(entry<&Softmax<false>::fn>(rec_softmax));
  t.push_back(entry<&Softmax<false>::out_fn>(rec_softmax_out));
  t.push_back(entry<&Softmax<true>::fn>(rec_log_softmax));
  t.push_back(entry<&Softmax<true>::out_fn>(rec_log_softmax_out));
}

}  // namespace gemforge
