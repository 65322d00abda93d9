// Selection and search: kthvalue, median, nanmedian, mode, searchsorted/bucketize, nonzero (issue 4).
// Kernels: python/gemforge/kernels/select.py.
//
// kthvalue/median/nanmedian select by key bits (any row width, no sort); mode sorts rows of up to
// kMaxModeRow in one block (wider rows go to ATen). Composite ops reach these through ATen:
// median.out/nanmedian.out through median/nanmedian, bucketize.Scalar_out through bucketize.Scalar,
// argwhere and torch.where(cond) through nonzero.
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/op_utils.h"
#include "registration/registry.h"
#include "runtime/kernel.h"

#include <ATen/native/BucketizationUtils.h>
#include <ATen/native/ReduceOpsUtils.h>
#include <ATen/native/Resize.h>
#include <ATen/native/SortingUtils.h>
#include <ATen/ops/bucketize_cpu_dispatch.h>
#include <ATen/ops/bucketize_cuda_dispatch.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/full.h>
#include <ATen/ops/kthvalue_cpu_dispatch.h>
#include <ATen/ops/kthvalue_cuda_dispatch.h>
#include <ATen/ops/median_cpu_dispatch.h>
#include <ATen/ops/median_cuda_dispatch.h>
#include <ATen/ops/mode_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/mode_cpu_dispatch.h>
#include <ATen/ops/mode_cuda_dispatch.h>
#include <ATen/ops/nanmedian_cpu_dispatch.h>
#include <ATen/ops/nanmedian_cuda_dispatch.h>
#include <ATen/ops/nonzero_cpu_dispatch.h>
#include <ATen/ops/nonzero_cuda_dispatch.h>
#include <ATen/ops/nonzero_static_cpu_dispatch.h>
#include <ATen/ops/nonzero_static_cuda_dispatch.h>
#include <ATen/ops/searchsorted_cpu_dispatch.h>
#include <ATen/ops/searchsorted_cuda_dispatch.h>
#include <c10/core/WrapDimMinimal.h>

#include <limits>

namespace gemforge::ops {
namespace {

rt::KernelHandle kth_kernel{"gemforge.kernels.select", "kth_kernel"};
rt::KernelHandle mode_kernel{"gemforge.kernels.select", "mode_kernel"};
rt::KernelHandle searchsorted_kernel{"gemforge.kernels.select", "searchsorted_kernel"};
rt::KernelHandle nonzero_count_kernel{"gemforge.kernels.select", "nonzero_count_kernel"};
rt::KernelHandle offsets_kernel{"gemforge.kernels.select", "offsets_kernel"};
rt::KernelHandle nonzero_write_kernel{"gemforge.kernels.select", "nonzero_write_kernel"};

constexpr uint32_t kSelectDtypes = kFloats | kInts;  // kthvalue/median/nanmedian/searchsorted: as ATen (no bool)
constexpr int64_t kMaxOneBlock = 4096;              // kth_kernel keeps rows up to this wide in registers
constexpr int64_t kMaxModeRow = 4096;               // mode sorts a row in one block

// unsupported(), and named tensors too: ATen's kernels propagate names, ours don't.
const char* not_ours(uint32_t dtypes, std::initializer_list<const at::TensorBase*> tensors) {
  if (const char* why = unsupported(dtypes, tensors)) return why;
  for (const at::TensorBase* t : tensors)
    if (t->defined() && t->has_names()) return "named tensor";
  return nullptr;
}

// ---------------------------------------------------------------- rows

void push_rows(rt::KernelArgs& args, const Rows& r) {
  args.integer(r.size[0]).integer(r.size[1]);
  for (int i = 0; i < 3; ++i) args.integer(r.xs[i]);
  for (int i = 0; i < 3; ++i) args.integer(r.os[i]);
  args.integer(r.x_sn);
}

// Runs a per-row kernel (launch(values, indices, x, rows)) with x's rows and one result per row
// in values/indices (x's rank, size 1 at dim; indices may be undefined). Layouts beyond
// plan_rows go through contiguous copies.
template <typename Launch>
void run_rows(const at::Tensor& values, const at::Tensor& indices, const at::Tensor& x, int64_t dim,
              Launch launch) {
  if (values.numel() == 0) return;
  Rows r;
  if (plan_rows(x, values, dim, r) && (!indices.defined() || indices.strides() == values.strides())) {
    launch(values, indices, x, r);
    return;
  }
  const at::Tensor xc = x.contiguous();
  at::Tensor vc = at::empty(values.sizes(), values.options());
  at::Tensor ic = indices.defined() ? at::empty(values.sizes(), indices.options()) : at::Tensor();
  plan_rows(xc, vc, dim, r);
  launch(vc, ic, xc, r);
  const_cast<at::Tensor&>(values).copy_(vc);
  if (indices.defined()) const_cast<at::Tensor&>(indices).copy_(ic);
}

// ---------------------------------------------------------------- kthvalue / median / nanmedian

enum KthMode : int64_t { kKth = 0, kMedian = 1, kNanMedian = 2 };

void run_kth(const at::Tensor& values, const at::Tensor& indices, const at::Tensor& x, int64_t dim, KthMode mode,
             int64_t k) {
  run_rows(values, indices, x, dim, [&](const at::Tensor& v, const at::Tensor& i, const at::Tensor& xx, const Rows& r) {
    const KeyBits kb = key_bits(xx.scalar_type());
    const bool one_block = r.N <= kMaxOneBlock;
    const int64_t block_n = one_block ? next_pow2(r.N) : kMaxOneBlock;
    const int64_t block_k = std::min<int64_t>(next_pow2(r.K), std::max<int64_t>(1, kMaxOneBlock / block_n));
    rt::KernelArgs args;
    args.tensor(v);
    if (i.defined()) args.tensor(i); else args.none();
    args.tensor(xx).integer(r.K).integer(r.N).integer(k);
    push_rows(args, r);
    args.constant(r.rank).constant(mode).constant(kb.shift).constant(kb.nbits);
    args.constant(block_k).constant(block_n).constant(one_block).constant(r.int64);
    rt::LaunchConfig cfg;
    cfg.grid[0] = ceil_div(r.K, block_k);
    cfg.num_warps = block_k * block_n >= 2048 ? 8 : 4;
    rt::launch(kth_kernel, cfg, args, xx.device());
  });
}

// values/indices as the kernels write them: x's rank, size 1 at dim.
at::Tensor keepdim_view(const at::Tensor& t, const at::Tensor& self, int64_t d, bool keepdim) {
  return keepdim || self.dim() == 0 ? t : t.unsqueeze(d);
}

OpRecord rec_kth{"kthvalue"}, rec_kth_out{"kthvalue.values"};

// ATen's kthvalue checks and output sizing, then the kernel.
void kthvalue_into(const at::Tensor& self, int64_t k, int64_t dim, bool keepdim, at::Tensor& values,
                   at::Tensor& indices) {
  const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
  const int64_t slicesize = self.dim() == 0 ? 1 : self.size(d);
  at::native::zero_numel_check_dims(self, d, "kthvalue()");
  TORCH_CHECK(k >= 1 && k <= slicesize, "kthvalue(): selected number k out of range for dimension ", d);
  at::native::_reduction_with_indices_allocate_or_resize_output(values, indices, self, dim, keepdim);
  run_kth(values, indices, self, d, kKth, k);
  if (!keepdim && self.dim() > 0) {
    values.squeeze_(d);
    indices.squeeze_(d);
  }
}

std::tuple<at::Tensor&, at::Tensor&> kthvalue_out(const at::Tensor& self, int64_t k, int64_t dim, bool keepdim,
                                                  at::Tensor& values, at::Tensor& indices) {
  const char* why = not_ours(kSelectDtypes, {&self, &values, &indices});
  if (!why && (values.scalar_type() != self.scalar_type() || indices.scalar_type() != c10::kLong ||
               values.device() != self.device() || indices.device() != self.device()))
    why = "dtype or device";  // ATen raises its error
  if (why) {
    record(rec_kth_out, true, why);
    return self.is_cuda() ? at::cuda::kthvalue_outf(self, k, dim, keepdim, values, indices)
                          : at::cpu::kthvalue_outf(self, k, dim, keepdim, values, indices);
  }
  record(rec_kth_out);
  kthvalue_into(self, k, dim, keepdim, values, indices);
  return {values, indices};
}

std::tuple<at::Tensor, at::Tensor> kthvalue_fn(const at::Tensor& self, int64_t k, int64_t dim, bool keepdim) {
  at::Tensor values, indices;
  if (const char* why = not_ours(kSelectDtypes, {&self})) {
    record(rec_kth, true, why);
    values = at::empty({0}, self.options());
    indices = at::empty({0}, self.options().dtype(c10::kLong));
    if (self.is_cuda()) at::cuda::kthvalue_outf(self, k, dim, keepdim, values, indices);
    else at::cpu::kthvalue_outf(self, k, dim, keepdim, values, indices);
    return {values, indices};
  }
  record(rec_kth);
  kthvalue_into(self, k, dim, keepdim, values, indices);
  return {values, indices};
}

OpRecord rec_median{"median"}, rec_median_dim{"median.dim"}, rec_median_out{"median.dim_values"};
OpRecord rec_nanmedian{"nanmedian"}, rec_nanmedian_dim{"nanmedian.dim"}, rec_nanmedian_out{"nanmedian.dim_values"};

template <bool ignore_nan>
struct Median {
  static constexpr KthMode mode = ignore_nan ? kNanMedian : kMedian;

  // median() / nanmedian(): the lower median of all elements (NaN for none); in any order, so a
  // dense input is one row in memory order.
  static at::Tensor full(const at::Tensor& self) {
    OpRecord& rec = ignore_nan ? rec_nanmedian : rec_median;
    if (const char* why = not_ours(kSelectDtypes, {&self})) {
      record(rec, true, why);
      if (self.is_cuda()) return ignore_nan ? at::cuda::nanmedian(self) : at::cuda::median(self);
      return ignore_nan ? at::cpu::nanmedian(self) : at::cpu::median(self);
    }
    record(rec);
    if (self.numel() == 0) return at::full({}, std::numeric_limits<float>::quiet_NaN(), self.options());
    const at::Tensor flat = self.is_non_overlapping_and_dense() ? self : self.contiguous();
    const at::Tensor row = flat.as_strided({flat.numel()}, {1});  // dense: one block of memory
    at::Tensor out = at::empty({1}, self.options());
    run_kth(out, at::Tensor(), row, 0, mode, 0);
    return out.squeeze_(0);
  }

  static std::tuple<at::Tensor&, at::Tensor&> out_fn(const at::Tensor& self, int64_t dim, bool keepdim,
                                                     at::Tensor& values, at::Tensor& indices) {
    OpRecord& rec = ignore_nan ? rec_nanmedian_out : rec_median_out;
    const char* why = not_ours(kSelectDtypes, {&self, &values, &indices});
    if (!why && (values.scalar_type() != self.scalar_type() || indices.scalar_type() != c10::kLong ||
                 values.device() != self.device() || indices.device() != self.device()))
      why = "dtype or device";
    if (why) {
      record(rec, true, why);
      if (self.is_cuda())
        return ignore_nan ? at::cuda::nanmedian_outf(self, dim, keepdim, values, indices)
                          : at::cuda::median_outf(self, dim, keepdim, values, indices);
      return ignore_nan ? at::cpu::nanmedian_outf(self, dim, keepdim, values, indices)
                        : at::cpu::median_outf(self, dim, keepdim, values, indices);
    }
    record(rec);
    into(self, dim, keepdim, values, indices);
    return {values, indices};
  }

  static std::tuple<at::Tensor, at::Tensor> dim_fn(const at::Tensor& self, int64_t dim, bool keepdim) {
    OpRecord& rec = ignore_nan ? rec_nanmedian_dim : rec_median_dim;
    at::Tensor values = at::empty({0}, self.options());
    at::Tensor indices = at::empty({0}, self.options().dtype(c10::kLong));
    if (const char* why = not_ours(kSelectDtypes, {&self})) {
      record(rec, true, why);
      if (self.is_cuda()) ignore_nan ? at::cuda::nanmedian_outf(self, dim, keepdim, values, indices)
                                     : at::cuda::median_outf(self, dim, keepdim, values, indices);
      else ignore_nan ? at::cpu::nanmedian_outf(self, dim, keepdim, values, indices)
                      : at::cpu::median_outf(self, dim, keepdim, values, indices);
      return {values, indices};
    }
    record(rec);
    into(self, dim, keepdim, values, indices);
    return {values, indices};
  }

  // ATen's median_with_indices_impl: checks, output sizes, then the kernel.
  static void into(const at::Tensor& self, int64_t dim, bool keepdim, at::Tensor& values, at::Tensor& indices) {
    const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
    at::native::zero_numel_check_dims(self, d, "median()");
    std::vector<int64_t> sizes = self.sizes().vec();
    if (self.dim() > 0) {
      if (keepdim) sizes[d] = 1;
      else sizes.erase(sizes.begin() + d);
    }
    at::native::resize_output(values, sizes);
    at::native::resize_output(indices, sizes);
    if (self.numel() == 0) return;
    run_kth(keepdim_view(values, self, d, keepdim), keepdim_view(indices, self, d, keepdim), self, d, mode, 0);
  }
};

// ---------------------------------------------------------------- mode

OpRecord rec_mode{"mode"}, rec_mode_out{"mode.values"};

void run_mode(const at::Tensor& values, const at::Tensor& indices, const at::Tensor& x, int64_t dim) {
  run_rows(values, indices, x, dim, [&](const at::Tensor& v, const at::Tensor& i, const at::Tensor& xx, const Rows& r) {
    const int64_t block_n = std::max<int64_t>(2, next_pow2(r.N));
    const int64_t block_k = std::min<int64_t>(next_pow2(r.K), std::max<int64_t>(1, 2048 / block_n));
    rt::KernelArgs args;
    args.tensor(v).tensor(i).tensor(xx).integer(r.K).integer(r.N);
    push_rows(args, r);
    args.constant(r.rank).constant(xx.element_size() == 8);
    args.constant(block_k).constant(log2_ceil(block_k)).constant(block_n).constant(log2_ceil(block_n));
    args.constant(r.int64);
    rt::LaunchConfig cfg;
    cfg.grid[0] = ceil_div(r.K, block_k);
    cfg.num_warps = block_k * block_n >= 4096 ? 8 : 4;
    rt::launch(mode_kernel, cfg, args, xx.device());
  });
}

// ATen's mode_out checks (the ones that do not raise go to ATen's kernel, which raises).
const char* mode_not_ours(const at::Tensor& self, int64_t dim, const at::Tensor& values, const at::Tensor& indices) {
  if (const char* why = not_ours(kAllReal, {&self, &values, &indices})) return why;
  if (values.scalar_type() != self.scalar_type() || indices.scalar_type() != c10::kLong ||
      values.device() != self.device() || indices.device() != self.device())
    return "dtype or device";
  const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
  if (self.dim() > 0 && (self.size(d) > kMaxModeRow || self.size(d) == 0)) return "mode row wider than one block";
  return nullptr;
}

void mode_into(const at::Tensor& self, int64_t dim, bool keepdim, at::Tensor& values, at::Tensor& indices) {
  const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
  if (self.dim() == 0) {  // as ATen: the value itself, index 0
    at::native::resize_output(values, {});
    at::native::resize_output(indices, {});
    values.copy_(self);
    indices.zero_();
    return;
  }
  at::native::_reduction_with_indices_allocate_or_resize_output(values, indices, self, dim, keepdim);
  run_mode(values, indices, self, d);
  if (!keepdim) {
    values.squeeze_(d);
    indices.squeeze_(d);
  }
}

std::tuple<at::Tensor, at::Tensor> mode_fn(const at::Tensor& self, int64_t dim, bool keepdim) {
  at::Tensor values = at::empty({0}, self.options());
  at::Tensor indices = at::empty({0}, self.options().dtype(c10::kLong));
  if (const char* why = mode_not_ours(self, dim, values, indices)) {
    record(rec_mode, true, why);
    return self.is_cuda() ? at::cuda::mode(self, dim, keepdim) : at::cpu::mode(self, dim, keepdim);
  }
  record(rec_mode);
  mode_into(self, dim, keepdim, values, indices);
  return {values, indices};
}

std::tuple<at::Tensor&, at::Tensor&> mode_out(const at::Tensor& self, int64_t dim, bool keepdim, at::Tensor& values,
                                              at::Tensor& indices) {
  if (const char* why = mode_not_ours(self, dim, values, indices)) {
    // mode.values is composite in ATen (its kernel calls the device's mode kernel directly)
    record(rec_mode_out, true, why);
    return at::compositeexplicitautograd::mode_outf(self, dim, keepdim, values, indices);
  }
  record(rec_mode_out);
  mode_into(self, dim, keepdim, values, indices);
  return {values, indices};
}

// ---------------------------------------------------------------- searchsorted / bucketize

OpRecord rec_ss{"searchsorted.Tensor"}, rec_ss_out{"searchsorted.Tensor_out"}, rec_ss_scalar{"searchsorted.Scalar"},
    rec_ss_scalar_out{"searchsorted.Scalar_out"};
OpRecord rec_bucketize{"bucketize.Tensor"}, rec_bucketize_out{"bucketize.Tensor_out"},
    rec_bucketize_scalar{"bucketize.Scalar"};

// ATen's searchsorted_out: checks, output size, common dtype and contiguous operands, then the
// kernel (into a contiguous copy of a strided result).
void searchsorted_into(const at::Tensor& boundaries, const at::Tensor& self, bool out_int32, bool right,
                       std::optional<c10::string_view> side, const at::Tensor& sorter, at::Tensor& result) {
  at::native::searchsorted_pre_check(boundaries, self, result, out_int32, right, side, sorter);
  at::native::resize_output(result, self.sizes());
  if (self.numel() == 0) return;
  const bool is_right = (side && *side == "right") || right;
  at::Tensor in_t, bd_t, so_t;
  at::native::searchsorted_maybe_trim_input_tensors(in_t, bd_t, so_t, self, boundaries, sorter);
  const at::Tensor& in = in_t.defined() ? in_t : self;
  const at::Tensor& bd = bd_t.defined() ? bd_t : boundaries;
  const at::Tensor& so = so_t.defined() ? so_t : sorter;
  at::Tensor out = result.is_contiguous() ? result : at::empty(result.sizes(), result.options());
  const int64_t n = in.numel();
  const int64_t M = bd.size(-1);
  const int64_t n_in = in.dim() == 0 ? 1 : in.size(-1);
  const int64_t bd_row = bd.dim() == 1 ? 0 : M;
  int64_t steps = 0;
  while (steps < 63 && (int64_t{1} << steps) <= M) ++steps;
  constexpr int64_t block = 1024;
  rt::KernelArgs args;
  args.tensor(out).tensor(in).tensor(bd);
  if (so.defined()) args.tensor(so); else args.none();
  args.integer(n).integer(n_in).integer(M).integer(bd_row).integer(steps);
  args.constant(is_right).constant(so.defined()).constant(block);
  args.constant(n > INT32_MAX - block || bd.numel() > INT32_MAX);
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(n, block);
  rt::launch(searchsorted_kernel, cfg, args, in.device());
  if (!result.is_same(out)) result.copy_(out);
}

c10::TensorOptions index_options(const at::Tensor& like, bool out_int32) {
  return like.options().dtype(out_int32 ? c10::kInt : c10::kLong);
}

const char* searchsorted_not_ours(const at::Tensor& boundaries, const at::Tensor& self, const at::Tensor& sorter,
                                  const at::Tensor& out) {
  if (const char* why = not_ours(kSelectDtypes, {&boundaries, &self, &sorter})) return why;
  if (const char* why = not_ours(kInts, {&out})) return why;
  if (boundaries.device() != self.device() || out.device() != self.device()) return "device";
  return nullptr;
}

at::Tensor searchsorted_fn(const at::Tensor& boundaries, const at::Tensor& self, bool out_int32, bool right,
                           std::optional<c10::string_view> side, const std::optional<at::Tensor>& sorter) {
  const at::Tensor so = sorter.value_or(at::Tensor());
  at::Tensor result = at::empty({0}, index_options(self, out_int32));
  if (const char* why = searchsorted_not_ours(boundaries, self, so, result)) {
    record(rec_ss, true, why);
    return self.is_cuda() ? at::cuda::searchsorted(boundaries, self, out_int32, right, side, sorter)
                          : at::cpu::searchsorted(boundaries, self, out_int32, right, side, sorter);
  }
  record(rec_ss);
  searchsorted_into(boundaries, self, out_int32, right, side, so, result);
  return result;
}

at::Tensor& searchsorted_out(const at::Tensor& boundaries, const at::Tensor& self, bool out_int32, bool right,
                             std::optional<c10::string_view> side, const std::optional<at::Tensor>& sorter,
                             at::Tensor& out) {
  const at::Tensor so = sorter.value_or(at::Tensor());
  if (const char* why = searchsorted_not_ours(boundaries, self, so, out)) {
    record(rec_ss_out, true, why);
    return self.is_cuda() ? at::cuda::searchsorted_outf(boundaries, self, out_int32, right, side, sorter, out)
                          : at::cpu::searchsorted_outf(boundaries, self, out_int32, right, side, sorter, out);
  }
  record(rec_ss_out);
  searchsorted_into(boundaries, self, out_int32, right, side, so, out);
  return out;
}

at::Tensor searchsorted_scalar(const at::Tensor& boundaries, const at::Scalar& self, bool out_int32, bool right,
                               std::optional<c10::string_view> side, const std::optional<at::Tensor>& sorter) {
  const at::Tensor so = sorter.value_or(at::Tensor());
  const at::Tensor st = at::native::searchsorted_scalar_tensor(self, boundaries.device());
  at::Tensor result = at::empty({0}, index_options(st, out_int32));
  if (const char* why = searchsorted_not_ours(boundaries, st, so, result)) {
    record(rec_ss_scalar, true, why);
    return boundaries.is_cuda() ? at::cuda::searchsorted(boundaries, self, out_int32, right, side, sorter)
                                : at::cpu::searchsorted(boundaries, self, out_int32, right, side, sorter);
  }
  record(rec_ss_scalar);
  searchsorted_into(boundaries, st, out_int32, right, side, so, result);
  return result;
}

at::Tensor& searchsorted_scalar_out(const at::Tensor& boundaries, const at::Scalar& self, bool out_int32, bool right,
                                    std::optional<c10::string_view> side, const std::optional<at::Tensor>& sorter,
                                    at::Tensor& out) {
  const at::Tensor so = sorter.value_or(at::Tensor());
  const at::Tensor st = at::native::searchsorted_scalar_tensor(self, boundaries.device());
  if (const char* why = searchsorted_not_ours(boundaries, st, so, out)) {
    record(rec_ss_scalar_out, true, why);
    return boundaries.is_cuda() ? at::cuda::searchsorted_outf(boundaries, self, out_int32, right, side, sorter, out)
                                : at::cpu::searchsorted_outf(boundaries, self, out_int32, right, side, sorter, out);
  }
  record(rec_ss_scalar_out);
  searchsorted_into(boundaries, st, out_int32, right, side, so, out);
  return out;
}

void bucketize_check(const at::Tensor& boundaries) {
  TORCH_CHECK(boundaries.dim() == 1, "boundaries tensor must be 1 dimension, but got dim(", boundaries.dim(), ")");
}

at::Tensor bucketize_fn(const at::Tensor& self, const at::Tensor& boundaries, bool out_int32, bool right) {
  at::Tensor result = at::empty({0}, index_options(self, out_int32));
  if (const char* why = searchsorted_not_ours(boundaries, self, at::Tensor(), result)) {
    record(rec_bucketize, true, why);
    return self.is_cuda() ? at::cuda::bucketize(self, boundaries, out_int32, right)
                          : at::cpu::bucketize(self, boundaries, out_int32, right);
  }
  record(rec_bucketize);
  bucketize_check(boundaries);
  searchsorted_into(boundaries, self, out_int32, right, std::nullopt, at::Tensor(), result);
  return result;
}

at::Tensor& bucketize_out(const at::Tensor& self, const at::Tensor& boundaries, bool out_int32, bool right,
                          at::Tensor& out) {
  if (const char* why = searchsorted_not_ours(boundaries, self, at::Tensor(), out)) {
    record(rec_bucketize_out, true, why);
    return self.is_cuda() ? at::cuda::bucketize_outf(self, boundaries, out_int32, right, out)
                          : at::cpu::bucketize_outf(self, boundaries, out_int32, right, out);
  }
  record(rec_bucketize_out);
  bucketize_check(boundaries);
  searchsorted_into(boundaries, self, out_int32, right, std::nullopt, at::Tensor(), out);
  return out;
}

at::Tensor bucketize_scalar(const at::Scalar& self, const at::Tensor& boundaries, bool out_int32, bool right) {
  const at::Tensor st = at::native::searchsorted_scalar_tensor(self, boundaries.device());
  at::Tensor result = at::empty({0}, index_options(st, out_int32));
  if (const char* why = searchsorted_not_ours(boundaries, st, at::Tensor(), result)) {
    record(rec_bucketize_scalar, true, why);
    return boundaries.is_cuda() ? at::cuda::bucketize(self, boundaries, out_int32, right)
                                : at::cpu::bucketize(self, boundaries, out_int32, right);
  }
  record(rec_bucketize_scalar);
  bucketize_check(boundaries);
  searchsorted_into(boundaries, st, out_int32, right, std::nullopt, at::Tensor(), result);
  return result;
}

// ---------------------------------------------------------------- nonzero

OpRecord rec_nonzero{"nonzero"}, rec_nonzero_out{"nonzero.out"};
OpRecord rec_nonzero_static{"nonzero_static"}, rec_nonzero_static_out{"nonzero_static.out"};

constexpr int kMaxNonzeroDims = 8;
constexpr int64_t kNonzeroBlock = 1024;

// Sizes then strides of x's dims, innermost first, padded to kMaxNonzeroDims.
void push_dims(rt::KernelArgs& args, const at::Tensor& x) {
  const int64_t nd = x.dim();
  for (int i = 0; i < kMaxNonzeroDims; ++i) args.integer(i < nd ? x.size(nd - 1 - i) : 1);
  for (int i = 0; i < kMaxNonzeroDims; ++i) args.integer(i < nd ? x.stride(nd - 1 - i) : 0);
}

bool nonzero_int64(const at::Tensor& x) {
  int64_t span = 0;
  for (int64_t d = 0; d < x.dim(); ++d) span += std::abs(x.stride(d)) * (x.size(d) - 1);
  return x.numel() > INT32_MAX - kNonzeroBlock || span > INT32_MAX - kNonzeroBlock;
}

// Counts x's nonzeros: per-block counts turned into block offsets in `ws` (nb + 1 int64, the
// total last); one block needs no offsets (ws[0] is its count). Returns the number of blocks.
int64_t nonzero_count(const at::Tensor& x, at::Tensor& ws) {
  const int64_t n = x.numel();
  const int64_t nb = ceil_div(n, kNonzeroBlock);
  ws = at::empty({nb + 1}, x.options().dtype(c10::kLong));
  rt::KernelArgs args;
  args.tensor(ws).tensor(x).integer(n);
  push_dims(args, x);
  args.constant(x.dim()).constant(x.is_contiguous()).constant(kNonzeroBlock).constant(nonzero_int64(x));
  rt::LaunchConfig cfg;
  cfg.grid[0] = nb;
  rt::launch(nonzero_count_kernel, cfg, args, x.device());
  if (nb > 1) {
    rt::KernelArgs sargs;
    sargs.tensor(ws).integer(nb).constant(1024);
    rt::LaunchConfig one;
    rt::launch(offsets_kernel, one, sargs, x.device());
  }
  return nb;
}

// Writes the coordinates of x's first `limit` nonzeros as rows of out ([>= min(count, limit), ndim]).
void nonzero_write(const at::Tensor& out, const at::Tensor& x, const at::Tensor& ws, int64_t nb, int64_t limit) {
  if (x.dim() == 0 || out.numel() == 0) return;
  rt::KernelArgs args;
  args.tensor(out).tensor(ws).tensor(x).integer(x.numel()).integer(limit);
  push_dims(args, x);
  args.constant(x.dim()).constant(next_pow2(x.dim())).constant(x.is_contiguous()).constant(nb == 1);
  args.constant(kNonzeroBlock).constant(nonzero_int64(x));
  rt::LaunchConfig cfg;
  cfg.grid[0] = nb;
  rt::launch(nonzero_write_kernel, cfg, args, x.device());
}

const char* nonzero_not_ours(const at::Tensor& self, const at::Tensor& out) {
  if (const char* why = not_ours(kAllReal, {&self})) return why;
  if (self.dim() > kMaxNonzeroDims) return "more than 8 dims";
  if (out.defined() && (out.scalar_type() != c10::kLong || out.device() != self.device())) return "dtype or device";
  return nullptr;
}

// nonzero into out (resized to [count, ndim]); one sync for the count, as ATen's.
void nonzero_into(const at::Tensor& self, at::Tensor& out) {
  if (self.numel() == 0) {
    at::native::resize_output(out, {0, self.dim()});
    return;
  }
  at::Tensor ws;
  const int64_t nb = nonzero_count(self, ws);
  const int64_t count = ws.select(0, nb == 1 ? 0 : nb).item<int64_t>();
  at::native::resize_output(out, {count, self.dim()});
  if (out.is_contiguous()) {
    nonzero_write(out, self, ws, nb, count);
  } else {
    at::Tensor tmp = at::empty(out.sizes(), out.options());
    nonzero_write(tmp, self, ws, nb, count);
    out.copy_(tmp);
  }
}

at::Tensor nonzero_fn(const at::Tensor& self) {
  if (const char* why = nonzero_not_ours(self, at::Tensor())) {
    record(rec_nonzero, true, why);
    return self.is_cuda() ? at::cuda::nonzero(self) : at::cpu::nonzero(self);
  }
  record(rec_nonzero);
  at::Tensor out = at::empty({0}, self.options().dtype(c10::kLong));
  nonzero_into(self, out);
  return out;
}

at::Tensor& nonzero_out(const at::Tensor& self, at::Tensor& out) {
  if (const char* why = nonzero_not_ours(self, out)) {
    record(rec_nonzero_out, true, why);
    return self.is_cuda() ? at::cuda::nonzero_outf(self, out) : at::cpu::nonzero_outf(self, out);
  }
  record(rec_nonzero_out);
  nonzero_into(self, out);
  return out;
}

// nonzero_static: the first `size` nonzeros, rows past the count filled with fill_value; no sync.
void nonzero_static_into(const at::Tensor& self, int64_t size, int64_t fill_value, at::Tensor& out) {
  TORCH_CHECK(size >= 0, "nonzero_static: 'size' must be an non-negative integer");
  at::native::resize_output(out, {size, self.dim()});
  if (out.numel() == 0) return;
  at::Tensor o = out.is_contiguous() ? out : at::empty(out.sizes(), out.options());
  o.fill_(fill_value);
  if (self.numel() > 0) {
    at::Tensor ws;
    const int64_t nb = nonzero_count(self, ws);
    nonzero_write(o, self, ws, nb, size);
  }
  if (!o.is_same(out)) out.copy_(o);
}

at::Tensor nonzero_static_fn(const at::Tensor& self, int64_t size, int64_t fill_value) {
  if (const char* why = nonzero_not_ours(self, at::Tensor())) {
    record(rec_nonzero_static, true, why);
    return self.is_cuda() ? at::cuda::nonzero_static(self, size, fill_value)
                          : at::cpu::nonzero_static(self, size, fill_value);
  }
  record(rec_nonzero_static);
  at::Tensor out = at::empty({0}, self.options().dtype(c10::kLong));
  nonzero_static_into(self, size, fill_value, out);
  return out;
}

at::Tensor& nonzero_static_out(const at::Tensor& self, int64_t size, int64_t fill_value, at::Tensor& out) {
  if (const char* why = nonzero_not_ours(self, out)) {
    record(rec_nonzero_static_out, true, why);
    return self.is_cuda() ? at::cuda::nonzero_static_outf(self, size, fill_value, out)
                          : at::cpu::nonzero_static_outf(self, size, fill_value, out);
  }
  record(rec_nonzero_static_out);
  nonzero_static_into(self, size, fill_value, out);
  return out;
}

}  // namespace
}  // namespace gemforge::ops

namespace gemforge {

void add_select_ops(std::vector<OpEntry>& t) {
  using namespace ops;
  t.push_back(entry<&kthvalue_fn>(rec_kth));
  t.push_back(entry<&kthvalue_out>(rec_kth_out));
  t.push_back(entry<&Median<false>::full>(rec_median));
  t.push_back(entry<&Median<false>::dim_fn>(rec_median_dim));
  t.push_back(entry<&Median<false>::out_fn>(rec_median_out));
  t.push_back(entry<&Median<true>::full>(rec_nanmedian));
  t.push_back(entry<&Median<true>::dim_fn>(rec_nanmedian_dim));
  t.push_back(entry<&Median<true>::out_fn>(rec_nanmedian_out));
  t.push_back(entry<&mode_fn>(rec_mode));
  t.push_back(entry<&mode_out>(rec_mode_out));
  t.push_back(entry<&searchsorted_fn>(rec_ss));
  t.push_back(entry<&searchsorted_out>(rec_ss_out));
  t.push_back(entry<&searchsorted_scalar>(rec_ss_scalar));
  t.push_back(entry<&searchsorted_scalar_out>(rec_ss_scalar_out));
  t.push_back(entry<&bucketize_fn>(rec_bucketize));
  t.push_back(entry<&bucketize_out>(rec_bucketize_out));
  t.push_back(entry<&bucketize_scalar>(rec_bucketize_scalar));
  t.push_back(entry<&nonzero_fn>(rec_nonzero));
  t.push_back(entry<&nonzero_out>(rec_nonzero_out));
  t.push_back(entry<&nonzero_static_fn>(rec_nonzero_static));
  t.push_back(entry<&nonzero_static_out>(rec_nonzero_static_out));
}

}  // namespace gemforge
