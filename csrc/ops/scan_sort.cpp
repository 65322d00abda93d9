// Scans (cumsum, cumprod, cummax, cummin, logcumsumexp) and sorting/selection (sort, topk) (issue 4).
// Kernels: python/gemforge/kernels/scan_sort.py.
//
// Composite ops reach these through ATen: cummax/cummin through _cummax_helper/_cummin_helper,
// logcumsumexp through _logcumsumexp, sort/argsort/msort through sort.stable.
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/op_utils.h"
#include "registration/registry.h"
#include "runtime/kernel.h"

#include <ATen/ExpandUtils.h>
#include <ATen/native/Resize.h>
#include <ATen/ops/_cummax_helper_cpu_dispatch.h>
#include <ATen/ops/_cummax_helper_cuda_dispatch.h>
#include <ATen/ops/_cummin_helper_cpu_dispatch.h>
#include <ATen/ops/_cummin_helper_cuda_dispatch.h>
#include <ATen/ops/_logcumsumexp_cpu_dispatch.h>
#include <ATen/ops/_logcumsumexp_cuda_dispatch.h>
#include <ATen/ops/cumprod_cpu_dispatch.h>
#include <ATen/ops/cumprod_cuda_dispatch.h>
#include <ATen/ops/cumsum_cpu_dispatch.h>
#include <ATen/ops/cumsum_cuda_dispatch.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_strided.h>
#include <ATen/ops/sort_cpu_dispatch.h>
#include <ATen/ops/sort_cuda_dispatch.h>
#include <ATen/ops/topk_cpu_dispatch.h>
#include <ATen/ops/topk_cuda_dispatch.h>
#include <c10/core/WrapDimMinimal.h>

namespace gemforge::ops {
namespace {

rt::KernelHandle scan_kernel{"gemforge.kernels.scan_sort", "scan_kernel"};
rt::KernelHandle sort_kernel{"gemforge.kernels.scan_sort", "sort_kernel"};

// Scan operations and accumulator codes, as in kernels/scan_sort.py.
enum ScanOp : int64_t { kSum = 0, kProd = 1, kMax = 2, kMin = 3, kLse = 4 };
constexpr int64_t kAccAsIs = 0;  // compute in the element type
constexpr int64_t kAccI8 = static_cast<int64_t>(c10::kChar);
constexpr int64_t kAccI64 = static_cast<int64_t>(c10::kLong);
constexpr int64_t kAccF32 = static_cast<int64_t>(c10::kFloat);
constexpr int64_t kAccF64 = static_cast<int64_t>(c10::kDouble);

// Rows of `x` along `dim`, and where they go in `o` (same sizes except along dim): up to three
// row dims (innermost first, merged where both tensors allow) with their strides in x and o.
struct Rows {
  int rank = 0;
  int64_t size[3] = {1, 1, 1};
  int64_t xs[3] = {0, 0, 0};
  int64_t os[3] = {0, 0, 0};
  int64_t K = 1, N = 1, x_sn = 0, o_sn = 0;
  bool int64 = false;
};

bool plan_rows(const at::TensorBase& x, const at::TensorBase& o, int64_t dim, Rows& r) {
  r = Rows{};
  const int64_t nd = x.dim();
  if (nd > 0) {
    r.N = x.size(dim);
    r.x_sn = x.stride(dim);
    r.o_sn = o.stride(dim);
  }
  int64_t x_max = std::abs(r.x_sn) * (r.N - 1);
  int64_t o_max = nd > 0 ? std::abs(r.o_sn) * std::max<int64_t>(o.size(dim) - 1, 0) : 0;
  for (int64_t d = nd - 1; d >= 0; --d) {
    const int64_t n = x.size(d);
    if (d == dim || n == 1) continue;
    const int64_t xs = x.stride(d), os = o.stride(d);
    x_max += std::abs(xs) * (n - 1);
    o_max += std::abs(os) * (n - 1);
    r.K *= n;
    if (r.rank > 0) {
      const int g = r.rank - 1;
      if (r.xs[g] * r.size[g] == xs && r.os[g] * r.size[g] == os) {
        r.size[g] *= n;
        continue;
      }
    }
    if (r.rank == 3) return false;
    r.size[r.rank] = n;
    r.xs[r.rank] = xs;
    r.os[r.rank] = os;
    ++r.rank;
  }
  constexpr int64_t kLimit = INT32_MAX - 65536;  // room for a block past the end
  r.int64 = x_max > kLimit || o_max > kLimit || r.K > kLimit || r.N > kLimit;
  return true;
}

void push_rows(rt::KernelArgs& args, const Rows& r) {
  args.integer(r.K).integer(r.N);
}

void push_row_dims(rt::KernelArgs& args, const Rows& r) {
  args.integer(r.size[0]).integer(r.size[1]);
  for (int i = 0; i < 3; ++i) args.integer(r.xs[i]);
  for (int i = 0; i < 3; ++i) args.integer(r.os[i]);
  args.integer(r.x_sn).integer(r.o_sn);
}

// unsupported(), and named tensors too: ATen's kernels propagate names, ours don't.
const char* not_ours(uint32_t dtypes, std::initializer_list<const at::TensorBase*> tensors) {
  if (const char* why = unsupported(dtypes, tensors)) return why;
  for (const at::TensorBase* t : tensors)
    if (t->defined() && t->has_names()) return "named tensor";
  return nullptr;
}

// ---------------------------------------------------------------- scans

void launch_scan(const at::Tensor& out, const at::Tensor* idx, const at::Tensor& x, const Rows& r, ScanOp op,
                 int64_t acc) {
  int64_t block_n, block_k;
  if (r.x_sn == 1 || r.K == 1) {
    // rows along memory: a program walks one or a few rows in chunks
    block_n = std::min<int64_t>(next_pow2(r.N), 1024);
    block_k = std::min<int64_t>(next_pow2(r.K), std::max<int64_t>(1, 2048 / block_n));
  } else {
    // scan across rows that sit next to each other: a tile spans adjacent rows
    block_k = std::min<int64_t>(next_pow2(r.K), 64);
    block_n = std::min<int64_t>(next_pow2(r.N), std::max<int64_t>(1, 2048 / block_k));
  }
  rt::KernelArgs args;
  args.tensor(out);
  if (idx) args.tensor(*idx); else args.none();
  args.tensor(x);
  push_rows(args, r);
  push_row_dims(args, r);
  args.constant(op).constant(r.rank).constant(acc).constant(block_k).constant(block_n).constant(r.int64);
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(r.K, block_k);
  cfg.num_warps = 4;
  rt::launch(scan_kernel, cfg, args, x.device());
}

// Scans x along dim (wrapped) into out (and idx, for cummax/cummin), all of x's sizes.
void run_scan(const at::Tensor& out, const at::Tensor* idx, const at::Tensor& x, int64_t dim, ScanOp op,
              int64_t acc) {
  if (x.numel() == 0) return;
  Rows r;
  if (plan_rows(x, out, dim, r) && (!idx || idx->strides() == out.strides())) {
    launch_scan(out, idx, x, r, op, acc);
    return;
  }
  // More than three row dims that do not merge (or indices laid out unlike values): contiguous.
  const at::Tensor xc = x.contiguous();
  at::Tensor oc = at::empty(out.sizes(), out.options());
  at::Tensor ic = idx ? at::empty(out.sizes(), idx->options()) : at::Tensor();
  plan_rows(xc, oc, dim, r);
  launch_scan(oc, idx ? &ic : nullptr, xc, r, op, acc);
  const_cast<at::Tensor&>(out).copy_(oc);
  if (idx) const_cast<at::Tensor*>(idx)->copy_(ic);
}

// cumsum/cumprod accumulate in fp32 for half types and fp32, fp64 for fp64, int64 for integers.
int64_t cum_acc(c10::ScalarType out_dtype) {
  if (out_dtype == c10::kDouble) return kAccF64;
  if (c10::isFloatingType(out_dtype)) return kAccF32;
  return kAccI64;
}

OpRecord rec_cumsum{"cumsum"}, rec_cumsum_{"cumsum_"}, rec_cumsum_out{"cumsum.out"};
OpRecord rec_cumprod{"cumprod"}, rec_cumprod_{"cumprod_"}, rec_cumprod_out{"cumprod.out"};

template <ScanOp op>
struct Cum {
  static at::Tensor aten(const at::Tensor& s, int64_t dim, std::optional<c10::ScalarType> dt) {
    if (s.is_cuda()) return op == kSum ? at::cuda::cumsum(s, dim, dt) : at::cuda::cumprod(s, dim, dt);
    return op == kSum ? at::cpu::cumsum(s, dim, dt) : at::cpu::cumprod(s, dim, dt);
  }
  static at::Tensor& aten_out(const at::Tensor& s, int64_t dim, std::optional<c10::ScalarType> dt, at::Tensor& o) {
    if (o.is_cuda()) return op == kSum ? at::cuda::cumsum_out(o, s, dim, dt) : at::cuda::cumprod_out(o, s, dim, dt);
    return op == kSum ? at::cpu::cumsum_out(o, s, dim, dt) : at::cpu::cumprod_out(o, s, dim, dt);
  }
  static at::Tensor& aten_(at::Tensor& s, int64_t dim, std::optional<c10::ScalarType> dt) {
    if (s.is_cuda()) return op == kSum ? at::cuda::cumsum_(s, dim, dt) : at::cuda::cumprod_(s, dim, dt);
    return op == kSum ? at::cpu::cumsum_(s, dim, dt) : at::cpu::cumprod_(s, dim, dt);
  }

  static at::Tensor fn(const at::Tensor& self, int64_t dim, std::optional<c10::ScalarType> dtype) {
    OpRecord& rec = op == kSum ? rec_cumsum : rec_cumprod;
    // result dtype as ATen: `dtype`, else int64 for integral (and bool) inputs
    const c10::ScalarType out_dtype =
        dtype.value_or(c10::isIntegralType(self.scalar_type(), true) ? c10::kLong : self.scalar_type());
    const char* why = not_ours(kAllReal, {&self});
    if (why || !dtype_in(kAllReal, out_dtype)) {
      record(rec, true, why ? why : "dtype");
      return aten(self, dim, dtype);
    }
    const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
    record(rec);
    at::Tensor out = at::empty(self.sizes(), self.options().dtype(out_dtype));
    run_scan(out, nullptr, self, d, op, cum_acc(out_dtype));
    return out;
  }
  static at::Tensor& out_fn(const at::Tensor& self, int64_t dim, std::optional<c10::ScalarType> dtype,
                            at::Tensor& out) {
    OpRecord& rec = op == kSum ? rec_cumsum_out : rec_cumprod_out;
    const char* why = not_ours(kAllReal, {&self, &out});
    // a dtype unlike out's, or another device: ATen raises its error
    if (why || (dtype && *dtype != out.scalar_type()) || out.device() != self.device()) {
      record(rec, true, why ? why : "dtype or device");
      return aten_out(self, dim, dtype, out);
    }
    const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
    record(rec);
    at::native::resize_output(out, self.sizes());
    run_scan(out, nullptr, self, d, op, cum_acc(out.scalar_type()));
    return out;
  }
  static at::Tensor& inplace(at::Tensor& self, int64_t dim, std::optional<c10::ScalarType> dtype) {
    OpRecord& rec = op == kSum ? rec_cumsum_ : rec_cumprod_;
    const char* why = not_ours(kAllReal, {&self});
    if (why || (dtype && *dtype != self.scalar_type())) {
      record(rec, true, why ? why : "dtype");
      return aten_(self, dim, dtype);
    }
    const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
    record(rec);
    // each program loads a chunk before it stores it: scanning in place is safe
    run_scan(self, nullptr, self, d, op, cum_acc(self.scalar_type()));
    return self;
  }
};

OpRecord rec_cummax{"_cummax_helper"}, rec_cummin{"_cummin_helper"};

// cummax/cummin and sort compare bool as int8 and half types as fp32 (the interpreter would
// compare bfloat16 bits as integers); others as they are.
int64_t extreme_acc(c10::ScalarType t) {
  if (t == c10::kBool) return kAccI8;
  if (t == c10::kHalf || t == c10::kBFloat16) return kAccF32;
  return kAccAsIs;
}

// cummax/cummin: the composite op has checked dtypes and sized values/indices.
template <ScanOp op>
void cum_extreme(const at::Tensor& self, at::Tensor& values, at::Tensor& indices, int64_t dim) {
  OpRecord& rec = op == kMax ? rec_cummax : rec_cummin;
  const char* why = not_ours(kAllReal, {&self, &values, &indices});
  if (why || values.scalar_type() != self.scalar_type() || indices.scalar_type() != c10::kLong) {
    record(rec, true, why ? why : "dtype");
    if (self.is_cuda()) {
      op == kMax ? at::cuda::_cummax_helper(self, values, indices, dim)
                 : at::cuda::_cummin_helper(self, values, indices, dim);
    } else {
      op == kMax ? at::cpu::_cummax_helper(self, values, indices, dim)
                 : at::cpu::_cummin_helper(self, values, indices, dim);
    }
    return;
  }
  const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
  record(rec);
  run_scan(values, &indices, self, d, op, extreme_acc(self.scalar_type()));
}

OpRecord rec_logcumsumexp{"_logcumsumexp"}, rec_logcumsumexp_out{"_logcumsumexp.out"};

int64_t lse_acc(c10::ScalarType t) { return t == c10::kDouble ? kAccF64 : kAccF32; }

at::Tensor logcumsumexp_fn(const at::Tensor& self, int64_t dim) {
  const char* why = not_ours(kFloats, {&self});
  if (why) {
    record(rec_logcumsumexp, true, why);
    return self.is_cuda() ? at::cuda::_logcumsumexp(self, dim) : at::cpu::_logcumsumexp(self, dim);
  }
  const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
  record(rec_logcumsumexp);
  at::Tensor out = at::empty(self.sizes(), self.options());
  run_scan(out, nullptr, self, d, kLse, lse_acc(self.scalar_type()));
  return out;
}

at::Tensor& logcumsumexp_out(const at::Tensor& self, int64_t dim, at::Tensor& out) {
  const char* why = not_ours(kFloats, {&self, &out});
  if (why || out.scalar_type() != self.scalar_type() || out.device() != self.device()) {
    record(rec_logcumsumexp_out, true, why ? why : "dtype or device");
    return out.is_cuda() ? at::cuda::_logcumsumexp_out(out, self, dim) : at::cpu::_logcumsumexp_out(out, self, dim);
  }
  const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
  record(rec_logcumsumexp_out);
  at::native::resize_output(out, self.sizes());
  run_scan(out, nullptr, self, d, kLse, lse_acc(self.scalar_type()));
  return out;
}

// ---------------------------------------------------------------- sort and topk

// Rows up to this wide are sorted in one block; wider ones go to ATen's kernel.
constexpr int64_t kMaxSortRow = 4096;

int log2_exact(int64_t p) {
  int l = 0;
  while ((int64_t{1} << l) < p) ++l;
  return l;
}

void launch_sort(const at::Tensor& values, const at::Tensor& indices, const at::Tensor& x, const Rows& r,
                 bool descending, int64_t n_out) {
  const int64_t block_n = std::max<int64_t>(2, next_pow2(r.N));
  const int64_t block_k = std::min<int64_t>(next_pow2(r.K), std::max<int64_t>(1, 2048 / block_n));
  rt::KernelArgs args;
  args.tensor(values).tensor(indices).tensor(x);
  push_rows(args, r);
  args.integer(n_out);
  push_row_dims(args, r);
  args.constant(r.rank).constant(descending).constant(extreme_acc(x.scalar_type()));
  args.constant(block_k).constant(log2_exact(block_k)).constant(block_n).constant(log2_exact(block_n));
  args.constant(block_n != r.N).constant(x.element_size() <= 4).constant(r.int64);
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(r.K, block_k);
  cfg.num_warps = block_k * block_n >= 4096 ? 8 : 4;
  rt::launch(sort_kernel, cfg, args, x.device());
}

// Sorts x along dim (wrapped) and writes the first n_out of each row to values/indices.
void run_sort(const at::Tensor& values, const at::Tensor& indices, const at::Tensor& x, int64_t dim,
              bool descending, int64_t n_out) {
  if (values.numel() == 0) return;
  Rows r;
  if (plan_rows(x, values, dim, r) && indices.strides() == values.strides()) {
    launch_sort(values, indices, x, r, descending, n_out);
    return;
  }
  const at::Tensor xc = x.contiguous();
  at::Tensor vc = at::empty(values.sizes(), values.options());
  at::Tensor ic = at::empty(values.sizes(), indices.options());
  plan_rows(xc, vc, dim, r);
  launch_sort(vc, ic, xc, r, descending, n_out);
  const_cast<at::Tensor&>(values).copy_(vc);
  const_cast<at::Tensor&>(indices).copy_(ic);
}

int64_t row_length(const at::Tensor& self, int64_t dim) { return self.dim() == 0 ? 1 : self.size(dim); }

OpRecord rec_sort{"sort.stable"}, rec_sort_out{"sort.values_stable"};

// Every sort here is stable, so `stable` changes nothing.
std::tuple<at::Tensor, at::Tensor> sort_stable(const at::Tensor& self, std::optional<bool> stable, int64_t dim,
                                        bool descending) {
  const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
  const char* why = not_ours(kAllReal, {&self});
  if (!why && row_length(self, d) > kMaxSortRow) why = "sort row wider than one block";
  if (why) {
    record(rec_sort, true, why);
    return self.is_cuda() ? at::cuda::sort(self, stable, dim, descending) : at::cpu::sort(self, stable, dim, descending);
  }
  record(rec_sort);
  // ATen's output strides: the input's when dense, else dense strides in the input's order
  at::Tensor values, indices;
  if (self.is_non_overlapping_and_dense()) {
    values = at::empty_strided(self.sizes(), self.strides(), self.options());
    indices = at::empty_strided(self.sizes(), self.strides(), self.options().dtype(c10::kLong));
  } else {
    const std::vector<int64_t> strides = at::infer_dense_strides(self.sizes(), self.strides());
    values = at::empty_strided(self.sizes(), strides, self.options());
    indices = at::empty_strided(self.sizes(), strides, self.options().dtype(c10::kLong));
  }
  run_sort(values, indices, self, d, descending, row_length(self, d));
  return {values, indices};
}

std::tuple<at::Tensor&, at::Tensor&> sort_out(const at::Tensor& self, std::optional<bool> stable, int64_t dim,
                                              bool descending, at::Tensor& values, at::Tensor& indices) {
  const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
  const char* why = not_ours(kAllReal, {&self, &values, &indices});
  if (!why && row_length(self, d) > kMaxSortRow) why = "sort row wider than one block";
  if (!why && (values.scalar_type() != self.scalar_type() || indices.scalar_type() != c10::kLong ||
               values.device() != self.device() || indices.device() != self.device()))
    why = "dtype or device";  // ATen raises its error
  if (why) {
    record(rec_sort_out, true, why);
    return self.is_cuda() ? at::cuda::sort_outf(self, stable, dim, descending, values, indices)
                          : at::cpu::sort_outf(self, stable, dim, descending, values, indices);
  }
  record(rec_sort_out);
  at::native::resize_output(values, self.sizes());
  at::native::resize_output(indices, self.sizes());
  run_sort(values, indices, self, d, descending, row_length(self, d));
  return {values, indices};
}

OpRecord rec_topk{"topk"}, rec_topk_out{"topk.values"};
constexpr uint32_t kTopkDtypes = kFloats | kInts;  // as ATen's kernels (no bool)

// Checks k as ATen's topk does; returns the output sizes.
c10::DimVector topk_sizes(const at::Tensor& self, int64_t k, int64_t d) {
  TORCH_CHECK(k >= 0 && k <= row_length(self, d), "selected index k out of range");
  c10::DimVector sizes(self.sizes().begin(), self.sizes().end());
  if (!sizes.empty()) sizes[d] = k;
  return sizes;
}

// sorted=false may return any order; ours is sorted either way.
std::tuple<at::Tensor, at::Tensor> topk_fn(const at::Tensor& self, int64_t k, int64_t dim, bool largest, bool sorted) {
  const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
  const char* why = not_ours(kTopkDtypes, {&self});
  if (!why && row_length(self, d) > kMaxSortRow) why = "topk row wider than one block";
  if (why) {
    record(rec_topk, true, why);
    return self.is_cuda() ? at::cuda::topk(self, k, dim, largest, sorted) : at::cpu::topk(self, k, dim, largest, sorted);
  }
  const c10::DimVector sizes = topk_sizes(self, k, d);
  record(rec_topk);
  at::Tensor values = at::empty(sizes, self.options());
  at::Tensor indices = at::empty(sizes, self.options().dtype(c10::kLong));
  run_sort(values, indices, self, d, largest, k);
  return {values, indices};
}

std::tuple<at::Tensor&, at::Tensor&> topk_out(const at::Tensor& self, int64_t k, int64_t dim, bool largest,
                                              bool sorted, at::Tensor& values, at::Tensor& indices) {
  const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
  const char* why = not_ours(kTopkDtypes, {&self, &values, &indices});
  if (!why && row_length(self, d) > kMaxSortRow) why = "topk row wider than one block";
  if (!why && (values.scalar_type() != self.scalar_type() || indices.scalar_type() != c10::kLong ||
               values.device() != self.device() || indices.device() != self.device()))
    why = "dtype or device";
  if (why) {
    record(rec_topk_out, true, why);
    return self.is_cuda() ? at::cuda::topk_outf(self, k, dim, largest, sorted, values, indices)
                          : at::cpu::topk_outf(self, k, dim, largest, sorted, values, indices);
  }
  const c10::DimVector sizes = topk_sizes(self, k, d);
  record(rec_topk_out);
  at::native::resize_output(values, sizes);
  at::native::resize_output(indices, sizes);
  run_sort(values, indices, self, d, largest, k);
  return {values, indices};
}

}  // namespace
}  // namespace gemforge::ops

namespace gemforge {

void add_scan_sort_ops(std::vector<OpEntry>& t) {
  using namespace ops;
  t.push_back(entry<&Cum<kSum>::fn>(rec_cumsum));
  t.push_back(entry<&Cum<kSum>::inplace>(rec_cumsum_));
  t.push_back(entry<&Cum<kSum>::out_fn>(rec_cumsum_out));
  t.push_back(entry<&Cum<kProd>::fn>(rec_cumprod));
  t.push_back(entry<&Cum<kProd>::inplace>(rec_cumprod_));
  t.push_back(entry<&Cum<kProd>::out_fn>(rec_cumprod_out));
  t.push_back(entry<&cum_extreme<kMax>>(rec_cummax));
  t.push_back(entry<&cum_extreme<kMin>>(rec_cummin));
  t.push_back(entry<&logcumsumexp_fn>(rec_logcumsumexp));
  t.push_back(entry<&logcumsumexp_out>(rec_logcumsumexp_out));
  t.push_back(entry<&sort_stable>(rec_sort));
  t.push_back(entry<&sort_out>(rec_sort_out));
  t.push_back(entry<&topk_fn>(rec_topk));
  t.push_back(entry<&topk_out>(rec_topk_out));
}

}  // namespace gemforge
