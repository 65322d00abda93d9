// Reductions (sum, mean) over any dims of strided input, and softmax/log_softmax.
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/op_utils.h"
#include "registration/registry.h"
#include "runtime/config_table.h"
#include "runtime/kernel.h"

#include <ATen/TensorIterator.h>
#include <ATen/WrapDimUtilsMulti.h>
#include <ATen/native/Resize.h>
#include <ATen/ops/_log_softmax_cpu_dispatch.h>
#include <ATen/ops/_log_softmax_cuda_dispatch.h>
#include <ATen/ops/_softmax_cpu_dispatch.h>
#include <ATen/ops/_softmax_cuda_dispatch.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/mean_cpu_dispatch.h>
#include <ATen/ops/mean_cuda_dispatch.h>
#include <ATen/ops/sum_cpu_dispatch.h>
#include <ATen/ops/sum_cuda_dispatch.h>

#include <bitset>

namespace gemforge::ops {
namespace {

rt::KernelHandle sum_kernel{"gemforge.kernels.reduce", "sum_kernel"};
rt::KernelHandle softmax_kernel{"gemforge.kernels.softmax", "softmax_kernel"};

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

int64_t acc_code(c10::ScalarType in_dtype) {
  if (in_dtype == c10::kDouble) return static_cast<int64_t>(c10::kDouble);
  if (c10::isIntegralType(in_dtype, /*includeBool=*/true)) return static_cast<int64_t>(c10::kLong);
  return static_cast<int64_t>(c10::kFloat);
}

// One launch of sum_kernel. `x_kept` are the strides used to address x for kept dims.
void launch_sum(const at::TensorBase& out, const at::TensorBase& x, const DimGroup& kept, const int64_t* x_kept,
                const DimGroup& red, int64_t r_per_split, int64_t split, bool mean, double divisor, int64_t acc,
                int64_t block_k, int64_t block_r, const rt::TileConfig& c, bool int64) {
  rt::KernelArgs args;
  args.tensor(out).tensor(x).integer(kept.numel()).integer(red.numel()).integer(r_per_split);
  args.integer(r_per_split / block_r * block_r);  // r_main
  args.integer(kept.size[0]).integer(kept.size[1]);
  for (int i = 0; i < 3; ++i) args.integer(x_kept[i]);
  for (int i = 0; i < 3; ++i) args.integer(kept.out_stride[i]);
  args.integer(red.size[0]).integer(red.size[1]);
  for (int i = 0; i < 3; ++i) args.integer(red.in_stride[i]);
  if (acc == static_cast<int64_t>(c10::kDouble)) args.f64(divisor); else args.f32(divisor);
  args.constant(kept.rank).constant(red.rank).constant(acc).constant(mean).constant(split > 1);
  args.constant(block_k).constant(block_r).constant(int64);
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(kept.numel(), block_k);
  cfg.grid[1] = split;
  cfg.num_warps = c.num_warps;
  cfg.num_stages = c.num_stages;
  rt::launch(sum_kernel, cfg, args, x.device());
}

// Reduces `self` into `viewed` (the output viewed with the input's rank, reduced dims having
// stride 0). Returns false when the layout is beyond the kernel.
bool run_sum(const at::Tensor& viewed, const at::Tensor& self, c10::ScalarType in_dtype, bool mean) {
  auto iter = at::TensorIterator::reduce_op(const_cast<at::Tensor&>(viewed), self);
  DimGroup kept, red;
  if (!split_dims(iter, kept, red)) return false;
  const int64_t K = kept.numel(), R = red.numel();
  const int64_t acc = acc_code(in_dtype);
  const c10::Device device = self.device();
  const int arch = arch_of(device);

  // Which dim is fastest in memory decides the tile shape.
  int64_t red_min = INT64_MAX, kept_min = INT64_MAX;
  for (int i = 0; i < red.rank; ++i) red_min = std::min(red_min, std::abs(red.in_stride[i]));
  for (int i = 0; i < kept.rank; ++i) kept_min = std::min(kept_min, std::abs(kept.in_stride[i]));
  const bool inner = red_min <= kept_min;
  int64_t block_k, block_r;
  const rt::TileConfig& c = inner ? rt::lookup_config(rt::Family::ReduceInner, arch, R, K)
                                  : rt::lookup_config(rt::Family::ReduceOuter, arch, K, R);
  if (inner) {
    block_r = std::min<int64_t>(c.block0, next_pow2(R));
    block_k = std::min<int64_t>(c.block1, next_pow2(K));
  } else {
    block_k = std::min<int64_t>(c.block0, next_pow2(K));
    block_r = std::min<int64_t>(c.block1, next_pow2(R));
  }
  // Too few output blocks to fill the GPU: split the reduction, then reduce the partials.
  const int64_t k_blocks = ceil_div(K, block_k);
  int64_t split = 1;
  if (device.is_cuda()) {
    const int64_t target = 8 * rt::device_info(device.index()).sm_count;  // programs in flight
    if (k_blocks < target && R >= 8 * block_r) split = std::min(ceil_div(target, k_blocks), ceil_div(R, 4 * block_r));
    split = std::min<int64_t>(split, 65535);
  }
  // Splits cover whole blocks (the kernel relies on it); a single split covers exactly R.
  const int64_t r_per_split = split == 1 ? R : ceil_div(ceil_div(R, split), block_r) * block_r;
  split = ceil_div(R, r_per_split);
  const bool int64 = std::max(kept.max_in_offset() + red.max_in_offset(), K * split) > INT32_MAX - 4096;

  if (split == 1) {
    launch_sum(viewed, self, kept, kept.in_stride, red, r_per_split, 1, mean, static_cast<double>(R), acc, block_k,
               block_r, c, int64);
    return true;
  }
  const c10::ScalarType acc_type = static_cast<c10::ScalarType>(acc);
  at::Tensor partials = at::empty({split, K}, self.options().dtype(acc_type));
  launch_sum(partials, self, kept, kept.in_stride, red, r_per_split, split, mean, static_cast<double>(R), acc, block_k,
             block_r, c, int64);
  // Second pass: kept dims addressed contiguously in the partials, reduced over `split`.
  DimGroup red2;
  red2.rank = 1;
  red2.size[0] = split;
  red2.in_stride[0] = K;
  const int64_t contiguous[3] = {1, kept.size[0], kept.size[0] * kept.size[1]};
  // A single output (a full reduction) reads its partials contiguously: an inner reduction.
  const bool inner2 = K == 1;
  const rt::TileConfig& c2 = inner2 ? rt::lookup_config(rt::Family::ReduceInner, arch, split, K)
                                    : rt::lookup_config(rt::Family::ReduceOuter, arch, K, split);
  const int64_t bk2 = std::min<int64_t>(inner2 ? c2.block1 : c2.block0, next_pow2(K));
  const int64_t br2 = std::min<int64_t>(inner2 ? c2.block0 : c2.block1, next_pow2(split));
  launch_sum(viewed, partials, kept, contiguous, red2, split, 1, mean, static_cast<double>(R), acc, bk2, br2, c2,
             K * split > INT32_MAX - 4096);
  return true;
}

// Shape logic shared by sum and mean (as ATen's reduction meta functions do it).
struct ReductionPlan {
  std::bitset<64> mask;
  c10::DimVector out_shape;     // result shape (keepdim applied)
  c10::DimVector viewed_shape;  // input rank, reduced dims = 1
};

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

// sum/mean into `out` (undefined: allocated). Returns false if ATen must do it.
bool reduce_into(at::Tensor& out, const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim,
                 c10::ScalarType in_dtype, c10::ScalarType out_dtype, bool mean) {
  ReductionPlan p = plan_reduction(self, dim, keepdim);
  if (!out.defined()) {
    out = at::empty(p.out_shape, self.options().dtype(out_dtype));
  } else {
    at::native::resize_output(out, p.out_shape);
  }
  if (out.numel() == 0) return true;
  if (self.numel() == 0) {
    // Empty reduction: sum = 0, mean = 0/0 = NaN (as ATen).
    out.fill_(mean ? std::numeric_limits<double>::quiet_NaN() : 0.0);
    return true;
  }
  // View the output with the input's rank, stride 0 on reduced dims.
  c10::DimVector strides(p.viewed_shape.size(), 0);
  int64_t od = static_cast<int64_t>(out.dim()) - 1;
  for (int64_t d = static_cast<int64_t>(p.viewed_shape.size()) - 1; d >= 0; --d) {
    if (p.mask[d]) {
      if (keepdim) --od;
    } else {
      strides[d] = out.stride(od--);
    }
  }
  at::Tensor viewed = out.as_strided(p.viewed_shape, strides);
  if (run_sum(viewed, self, in_dtype, mean)) return true;
  return run_sum(viewed, self.contiguous(), in_dtype, mean);
}

// ---- overloads

OpRecord rec_sum_dim{"sum.dim_IntList"}, rec_sum{"sum"}, rec_sum_out{"sum.IntList_out"}, rec_sum_full_out{"sum.out"};
OpRecord rec_mean_dim{"mean.dim"}, rec_mean{"mean"}, rec_mean_out{"mean.out"}, rec_mean_full_out{"mean.dtype_out"};

at::Tensor aten_reduce(bool mean, const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim,
                       std::optional<c10::ScalarType> dtype) {
  if (self.is_cuda()) return mean ? at::cuda::mean(self, dim, keepdim, dtype) : at::cuda::sum(self, dim, keepdim, dtype);
  return mean ? at::cpu::mean(self, dim, keepdim, dtype) : at::cpu::sum(self, dim, keepdim, dtype);
}

at::Tensor& aten_reduce_out(bool mean, const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim,
                            std::optional<c10::ScalarType> dtype, at::Tensor& out) {
  if (out.is_cuda())
    return mean ? at::cuda::mean_out(out, self, dim, keepdim, dtype) : at::cuda::sum_out(out, self, dim, keepdim, dtype);
  return mean ? at::cpu::mean_out(out, self, dim, keepdim, dtype) : at::cpu::sum_out(out, self, dim, keepdim, dtype);
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

template <bool mean>
struct Reduce {
  static at::Tensor dim_fn(OpRecord& rec, const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim,
                           std::optional<c10::ScalarType> dtype) {
    auto dt = reduce_dtypes(mean, self, dtype, nullptr);
    const char* why = unsupported(kAllReal, {&self});
    if (why || !dt) {
      record(rec, true, why ? why : "dtype");
      return aten_reduce(mean, self, dim, keepdim, dtype);
    }
    record(rec);
    at::Tensor out;
    if (!reduce_into(out, self, dim, keepdim, dt->first, dt->second, mean))
      return aten_reduce(mean, self, dim, keepdim, dtype);
    return out;
  }
  static at::Tensor& out_fn(OpRecord& rec, const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim,
                            std::optional<c10::ScalarType> dtype, at::Tensor& out) {
    auto dt = reduce_dtypes(mean, self, dtype, &out);
    const char* why = unsupported(kAllReal, {&self, &out});
    if (why || !dt || out.device() != self.device()) {
      record(rec, true, why ? why : "dtype or device");
      return aten_reduce_out(mean, self, dim, keepdim, dtype, out);
    }
    record(rec);
    if (!reduce_into(out, self, dim, keepdim, dt->first, dt->second, mean))
      return aten_reduce_out(mean, self, dim, keepdim, dtype, out);
    return out;
  }
};

at::Tensor sum_dim(const at::Tensor& s, at::OptionalIntArrayRef d, bool k, std::optional<c10::ScalarType> t) {
  return Reduce<false>::dim_fn(rec_sum_dim, s, d, k, t);
}
at::Tensor sum_full(const at::Tensor& s, std::optional<c10::ScalarType> t) {
  return Reduce<false>::dim_fn(rec_sum, s, std::nullopt, false, t);
}
at::Tensor& sum_out(const at::Tensor& s, at::OptionalIntArrayRef d, bool k, std::optional<c10::ScalarType> t,
                    at::Tensor& o) {
  return Reduce<false>::out_fn(rec_sum_out, s, d, k, t, o);
}
at::Tensor& sum_full_out(const at::Tensor& s, std::optional<c10::ScalarType> t, at::Tensor& o) {
  return Reduce<false>::out_fn(rec_sum_full_out, s, std::nullopt, false, t, o);
}
at::Tensor mean_dim(const at::Tensor& s, at::OptionalIntArrayRef d, bool k, std::optional<c10::ScalarType> t) {
  return Reduce<true>::dim_fn(rec_mean_dim, s, d, k, t);
}
at::Tensor mean_full(const at::Tensor& s, std::optional<c10::ScalarType> t) {
  return Reduce<true>::dim_fn(rec_mean, s, std::nullopt, false, t);
}
at::Tensor& mean_out(const at::Tensor& s, at::OptionalIntArrayRef d, bool k, std::optional<c10::ScalarType> t,
                     at::Tensor& o) {
  return Reduce<true>::out_fn(rec_mean_out, s, d, k, t, o);
}
at::Tensor& mean_full_out(const at::Tensor& s, std::optional<c10::ScalarType> t, at::Tensor& o) {
  return Reduce<true>::out_fn(rec_mean_full_out, s, std::nullopt, false, t, o);
}

// ---------------------------------------------------------------- softmax

OpRecord rec_softmax{"_softmax"}, rec_softmax_out{"_softmax.out"};
OpRecord rec_log_softmax{"_log_softmax"}, rec_log_softmax_out{"_log_softmax.out"};

void run_softmax(const at::Tensor& out, const at::Tensor& x, int64_t dim, bool log) {
  const int64_t numel = x.numel();
  if (numel == 0) return;
  const int64_t D = x.dim() == 0 ? 1 : x.size(dim);
  int64_t inner = 1;
  for (int64_t d = dim + 1; d < x.dim(); ++d) inner *= x.size(d);
  const int64_t K = numel / D;
  const int arch = arch_of(x.device());
  int64_t block_k, block_d;
  bool single;
  int num_warps;
  if (inner == 1) {
    const rt::TileConfig& c = rt::lookup_config(rt::Family::Softmax, arch, D, K);
    single = c.block0 == 0;
    block_d = single ? next_pow2(D) : c.block0;
    block_k = std::min<int64_t>(c.block1, next_pow2(K));
    num_warps = c.num_warps;
  } else {
    // Softmax along a strided dim: a tile spans consecutive rows, which are adjacent in memory.
    block_k = std::min<int64_t>(64, next_pow2(inner));
    block_d = std::min<int64_t>(next_pow2(D), std::max<int64_t>(1, 4096 / block_k));
    single = D <= block_d;
    num_warps = 4;
  }
  rt::KernelArgs args;
  args.tensor(out).tensor(x).integer(K).integer(D).integer(inner);
  args.constant(log).constant(x.scalar_type() == c10::kDouble).constant(block_k).constant(block_d);
  args.constant(single).constant(numel > INT32_MAX - 65536);
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(K, block_k);
  cfg.num_warps = num_warps;
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
  t.push_back(entry<&Softmax<false>::fn>(rec_softmax));
  t.push_back(entry<&Softmax<false>::out_fn>(rec_softmax_out));
  t.push_back(entry<&Softmax<true>::fn>(rec_log_softmax));
  t.push_back(entry<&Softmax<true>::out_fn>(rec_log_softmax_out));
}

}  // namespace gemforge
