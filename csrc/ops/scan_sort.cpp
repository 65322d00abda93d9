// Scans (cumsum, cumprod, cummax, cummin, logcumsumexp), sorting/selection (sort, topk) and unique
// (_unique2, _unique, unique_consecutive) (issue 4).
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
#include <ATen/ops/full.h>
#include <ATen/ops/sort_cpu_dispatch.h>
#include <ATen/ops/sort_cuda_dispatch.h>
#include <ATen/ops/topk_cpu_dispatch.h>
#include <ATen/ops/topk_cuda_dispatch.h>
#include <ATen/ops/_unique2_cpu_dispatch.h>
#include <ATen/ops/_unique2_cuda_dispatch.h>
#include <ATen/ops/_unique_cpu_dispatch.h>
#include <ATen/ops/_unique_cuda_dispatch.h>
#include <ATen/ops/aminmax.h>
#include <ATen/ops/unique_consecutive_cpu_dispatch.h>
#include <ATen/ops/unique_consecutive_cuda_dispatch.h>
#include <ATen/ops/unique_dim_cpu_dispatch.h>
#include <ATen/ops/unique_dim_cuda_dispatch.h>
#include <ATen/ops/zeros.h>
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

void push_rows(rt::KernelArgs& args, const Rows& r) {
  args.integer(r.K).integer(r.N);
}

// out_strides = false: kernels that only read x (no output strides)
void push_row_dims(rt::KernelArgs& args, const Rows& r, bool out_strides = true) {
  args.integer(r.size[0]).integer(r.size[1]);
  for (int i = 0; i < 3; ++i) args.integer(r.xs[i]);
  if (out_strides)
    for (int i = 0; i < 3; ++i) args.integer(r.os[i]);
  args.integer(r.x_sn);
  if (out_strides) args.integer(r.o_sn);
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
  const int64_t row_programs = ceil_div(r.K, block_k);
  // Few long rows (a 1-d cumsum): split each row into segments so that the GPU fills. Phase 1
  // writes each segment's total, phase 2 rescans the segments from the totals before them: x is
  // read twice, out written once. (The interpreter splits too, so that CI covers it.)
  const c10::Device device = x.device();
  const int64_t target = device.is_cuda() ? 4 * rt::device_info(device.index()).sm_count : 4;
  const int64_t chunks = ceil_div(r.N, block_n);
  int64_t num_segs = 1, seg_len = r.N;
  if (2 * row_programs <= target && chunks >= (device.is_cuda() ? 8 : 2)) {
    num_segs = std::min(chunks, ceil_div(target, row_programs));
    seg_len = ceil_div(chunks, num_segs) * block_n;
    num_segs = ceil_div(r.N, seg_len);
  }
  at::Tensor totals, total_idx;
  if (num_segs > 1) {
    const c10::ScalarType acc_dtype = acc == kAccAsIs ? out.scalar_type() : static_cast<c10::ScalarType>(acc);
    totals = at::empty({r.K, num_segs}, out.options().dtype(acc_dtype));
    if (idx) total_idx = at::empty({r.K, num_segs}, out.options().dtype(c10::kLong));
  }
  for (int phase = num_segs > 1 ? 1 : 0; phase <= (num_segs > 1 ? 2 : 0); ++phase) {
    rt::KernelArgs args;
    args.tensor(out);
    if (idx) args.tensor(*idx); else args.none();
    args.tensor(x);
    if (num_segs > 1) args.tensor(totals); else args.none();
    if (num_segs > 1 && idx) args.tensor(total_idx); else args.none();
    push_rows(args, r);
    args.integer(seg_len).integer(num_segs);
    push_row_dims(args, r);
    args.constant(op).constant(r.rank).constant(acc).constant(block_k).constant(block_n).constant(r.int64);
    args.constant(phase);
    rt::LaunchConfig cfg;
    cfg.grid[0] = row_programs;
    cfg.grid[1] = num_segs;
    cfg.num_warps = 4;
    rt::launch(scan_kernel, cfg, args, device);
  }
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
//
// Row plans, one place each:
//   rows <= kMaxSortRow         row_plan picks: 64 rows or more on CUDA by LSD radix, one or four
//                               warps a row (radix_rows: radix_rows_kernel, radix_rows_4w_kernel);
//                               chunks sorted by the bitonic network, then merged pairwise
//                               (merge_sort: merge_chunk_kernel, merge_pass_kernel); or one block
//                               per row (bitonic network, sort_kernel)
//   topk, k <= kMaxCandidates   chunks of a row keep their k best as candidates (sort_kernel over
//                               chunks), repeated until a row's candidates fit one block
//   otherwise                   LSD radix sort (radix_*_kernel; digits by radix_plan),
//                               several passes through workspace; topk keeps the first k of the
//                               last pass

rt::KernelHandle radix_hist_kernel{"gemforge.kernels.scan_sort", "radix_hist_kernel"};
rt::KernelHandle radix_offsets_kernel{"gemforge.kernels.scan_sort", "radix_offsets_kernel"};
rt::KernelHandle radix_chunk_sums_kernel{"gemforge.kernels.scan_sort", "radix_chunk_sums_kernel"};
rt::KernelHandle radix_scatter_kernel{"gemforge.kernels.scan_sort", "radix_scatter_kernel"};
rt::KernelHandle radix_scatter_staged_kernel{"gemforge.kernels.scan_sort", "radix_scatter_staged_kernel"};
rt::KernelHandle radix_scatter_4w_kernel{"gemforge.kernels.scan_sort", "radix_scatter_4w_kernel"};
rt::KernelHandle radix_passes_kernel{"gemforge.kernels.scan_sort", "radix_passes_kernel"};
rt::KernelHandle radix_rows_kernel{"gemforge.kernels.scan_sort", "radix_rows_kernel"};
rt::KernelHandle radix_rows_4w_kernel{"gemforge.kernels.scan_sort", "radix_rows_4w_kernel"};
rt::KernelHandle merge_chunk_kernel{"gemforge.kernels.scan_sort", "merge_chunk_kernel"};
rt::KernelHandle merge_pass_kernel{"gemforge.kernels.scan_sort", "merge_pass_kernel"};

constexpr int64_t kMaxSortRow = 4096;     // widest row sorted in one block
constexpr int64_t kMaxCandidates = 1024;  // largest k for the candidate topk
constexpr int64_t kRadixBlock = 4096;  // widest tile of a radix pass (its digit counts: one table row)
constexpr int64_t kIdxLimit = INT32_MAX - 65536;

// How a radix pass ranks a tile's elements (one place for the digit width and the scatter).
//   warp: on CUDA, rows below 2^31 elements: 8-bit digits, radix_scatter_4w_kernel (four warps
//         a tile; keys of <= 4 bytes) or radix_scatter_staged_kernel (one warp a tile; 8-byte
//         keys): warp-vote ranking in int32 positions, written out through shared memory.
//         Tiles of 4096 unless the rows give fewer than 1024 of them; then 2048 or 1024, for
//         more programs in flight (H200, bench/radix_next_probe.py: one scatter pass of 1M bf16
//         48.5 us with 256 tiles of 4096, 19.7 us with 1024 of 1024; 16M bf16 gains nothing
//         overall from smaller tiles: the histogram and offsets kernels grow with the tiles).
//         8-byte values: tiles of 2048 at most (the stage is static shared memory: 48 KB).
//   else: 4-bit digits, radix_scatter_kernel's one-hot ranking in blocks of sub elements with
//         field-bit counters packed in int32 words (_rank_in_block's F; a block of sub < 2^F).
//         CUDA ranked blocks of 128 with 8-bit counters and 4 warps fastest (H200,
//         bench/sort_experiment.py); the interpreter ranks blocks of 1024 (fewer Python
//         steps) with 16-bit counters.
struct RadixPlan {
  bool warp;
  int bits;
  int64_t radix, block, sub, field;
};
// Static shared memory of a radix_scatter_staged_kernel program: its stage (block values and
// block indices of index_bytes: int32, a first pass's 16-bit positions in the tile, or none) and
// the 256 digits' two counters (as scan_sort.py's stage_bytes).
int64_t radix_stage_bytes(int64_t value_bytes, int64_t block, int64_t index_bytes = 4) {
  return block * (value_bytes + index_bytes) + 2048;
}
// ... and of a radix_rows_4w_kernel / radix_scatter_4w_kernel program: the stage, four warps'
// counters (1 KB each) and two 4 KB (quarter, digit) histograms (as scan_sort.py's rows_4w_bytes).
int64_t radix_rows_4w_bytes(int64_t value_bytes, int64_t block, int64_t index_bytes = 4) {
  return block * (value_bytes + index_bytes) + 4096 + 8192;
}
// Programs per SM of radix_scatter_staged_kernel and the radix rows kernels (one or four warps;
// they walk the tiles or rows in turn) whose static shared memory is smem bytes: 12, or as many as fit in
// the SM's shared memory (a block's opt-in limit plus the 1 KB a block the driver reserves: 228
// KB on H100/H200). A program holds smem, 1 KB of Triton's scratch (the local starts' cumsum)
// and that reserved 1 KB. The scatter's tiles of 4096: 8 programs for 2-byte values, 6 for 4.
// Every program must be resident (a late one walks its tiles after the others finished: on the
// H200 a 9th program of tiles of 4096 made the pass 5% slower, a 17th of 2048 20%); the kernels
// take about 90 registers a thread, so 12 one-warp programs fit those too. (A first pass stages
// 16-bit positions: 11 programs for 2-byte values, 8 for 4; radix_scatter_4w_kernel, which
// sorts keys of up to 4 bytes, four warps on one stage of 4096: 6 programs for 2 bytes with int32
// indices, 4 for 4 bytes; up to 9 (its registers) with 16-bit positions or the values alone.)
int64_t radix_warps_per_sm(int64_t smem, const c10::Device& device) {
  const int64_t per_sm = rt::device_info(device.index()).max_shared + 1024;
  return std::clamp<int64_t>(per_sm / (smem + 2048), 1, 12);
}
// Four-warp programs (radix_rows_4w_kernel, radix_scatter_4w_kernel): as radix_warps_per_sm, and
// few enough to fit the SM's 64K registers too (`registers` a thread, allocated by 8), so that
// all are resident at once.
int64_t radix_four_warp_programs_per_sm(int64_t smem, int64_t registers, const c10::Device& device) {
  return std::min(radix_warps_per_sm(smem, device), 65536 / (128 * ceil_div(registers, 8) * 8));
}
// How the warp ranking of pass p finds the lanes of a digit (radix_scatter_staged_kernel's
// MATCH_PEERS): match.any in the last pass, the most significant digits, where a row of 32 holds
// few distinct digits (floats' exponents, small integers' high bytes); the digit-bit ballots in
// the others, where the digits are nearly random and match.any slows with each distinct one.
bool match_peers(int p, int passes) { return p == passes - 1; }

RadixPlan radix_plan(bool cuda, int64_t k, int64_t n, int64_t value_bytes) {
  if (cuda && n <= kIdxLimit) {
    int64_t block = kRadixBlock;
    while (block > 1024 && k * ceil_div(n, block) < 1024) block /= 2;
    // the stage is static shared memory, at most 48 KB a kernel (8-byte values: tiles of 2048)
    while (radix_stage_bytes(value_bytes, block) > 48 * 1024) block /= 2;
    return {true, 8, 256, block, 0, 0};
  }
  return {false, 4, 16, kRadixBlock, cuda ? 128 : 1024, cuda ? 8 : 16};
}

// Strides of rows of n elements stored densely in the order Rows numbers them (workspace and
// candidates: row k at k * n).
void dense_row_strides(const Rows& r, int64_t n, int64_t* s) {
  s[0] = n;
  s[1] = n * r.size[0];
  s[2] = n * r.size[0] * r.size[1];
}

// Sorts chunks of block_n elements of r's rows (nch chunks a row) and writes the first n_out of
// chunk c at c * n_out of the output row. src_idx: x holds candidates, these their indices.
void launch_sort(const at::Tensor& values, const at::Tensor& indices, const at::Tensor& x, const at::Tensor* src_idx,
                 const Rows& r, bool descending, int64_t n_out, int64_t block_n, int64_t nch) {
  const int64_t block_k = std::min<int64_t>(next_pow2(r.K), std::max<int64_t>(1, 2048 / block_n));
  rt::KernelArgs args;
  args.tensor(values).tensor(indices).tensor(x);
  if (src_idx) args.tensor(*src_idx); else args.none();
  push_rows(args, r);
  args.integer(n_out).integer(nch);
  push_row_dims(args, r);
  args.constant(r.rank).constant(descending).constant(extreme_acc(x.scalar_type()));
  args.constant(block_k).constant(log2_ceil(block_k)).constant(block_n).constant(log2_ceil(block_n));
  // packed words: int32 for keys of <= 16 bits, int64 for <= 32 bits, else (key, index) pairs
  const int64_t packed = x.element_size() <= 2 && block_n <= 65536 ? 2
                         : x.element_size() <= 4 && r.N <= kIdxLimit ? 1 : 0;
  args.constant(block_n * nch != r.N).constant(packed);
  args.constant(src_idx != nullptr).constant(r.int64);
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(r.K, block_k) * nch;
  cfg.num_warps = block_k * block_n >= 4096 ? 8 : 4;
  rt::launch(sort_kernel, cfg, args, x.device());
}

// topk of rows wider than one block, k <= kMaxCandidates: each chunk of a row keeps its k best;
// the candidates (in index order, so ties still go by index) are reduced the same way until a
// row of them fits one block, which writes the result.
void topk_candidates(const at::Tensor& values, const at::Tensor& indices, const at::Tensor& x, const Rows& r,
                     bool largest, int64_t k) {
  // chunks at least 4k wide: each level shrinks the rows at least fourfold
  const int64_t chunk = std::min<int64_t>(kMaxSortRow, std::max<int64_t>(2048, next_pow2(4 * k)));
  at::Tensor cur_v = x, cur_i;
  Rows lv = r;
  while (lv.N > kMaxSortRow) {
    const int64_t nch = ceil_div(lv.N, chunk);
    const int64_t m = (nch - 1) * k + std::min(k, lv.N - (nch - 1) * chunk);
    at::Tensor nv = at::empty({r.K * m}, x.options());
    at::Tensor ni = at::empty({r.K * m}, x.options().dtype(c10::kLong));
    dense_row_strides(r, m, lv.os);
    lv.o_sn = 1;
    lv.int64 = r.int64 || r.K * lv.N > kIdxLimit;
    launch_sort(nv, ni, cur_v, cur_i.defined() ? &cur_i : nullptr, lv, largest, k, chunk, nch);
    cur_v = nv;
    cur_i = ni;
    lv.N = m;
    dense_row_strides(r, m, lv.xs);
    lv.x_sn = 1;
  }
  for (int i = 0; i < 3; ++i) lv.os[i] = r.os[i];
  lv.o_sn = r.o_sn;
  lv.int64 = r.int64 || r.K * lv.N > kIdxLimit;
  launch_sort(values, indices, cur_v, &cur_i, lv, largest, k, std::max<int64_t>(2, next_pow2(lv.N)), 1);
}

// LSD radix sort of r's rows; writes the first n_out of each sorted row. A pass: the digits'
// counts by tile (radix_hist_kernel, into the table [row, tile, digit]), their sums by chunk of
// tiles (radix_chunk_sums_kernel), the tiles' starts (radix_offsets_kernel), the scatter.
// skip_trivial (callers that sync with the host anyway: unique): the first histogram also adds
// every pass's totals by row, they are read on the host, and passes in which every element of
// every row has the same digit (an identity permutation) are not run. `indices` undefined: the
// values alone (no index moves).
void radix_sort(const at::Tensor& values, const at::Tensor& indices, const at::Tensor& x, const Rows& r,
                bool descending, int64_t n_out, bool skip_trivial = false) {
  const c10::ScalarType st = x.scalar_type();
  const RadixPlan plan = radix_plan(x.is_cuda(), r.K, r.N, x.element_size());
  const int64_t radix = plan.radix;
  const int passes = static_cast<int>(x.element_size()) * 8 / plan.bits;
  const bool is_signed = st != c10::kByte && st != c10::kBool;
  const int64_t T = ceil_div(r.N, plan.block);
  const bool int64 = r.int64 || r.K * r.N > kIdxLimit || r.K * radix * T > kIdxLimit;
  // counts and positions within a row: int32 unless rows hold 2^31 elements
  const c10::ScalarType ct = r.N > kIdxLimit ? c10::kLong : c10::kInt;
  at::Tensor totals = skip_trivial ? at::zeros({passes * r.K * radix}, x.options().dtype(ct)) : at::Tensor();
  at::Tensor table = at::empty({r.K * radix * T}, x.options().dtype(ct));
  // the chunk sums and offsets kernels: a program takes `digits` digits of `chunk` tiles (blocks
  // of at most 4096 counts; 16 chunks a row, or fewer when rows have fewer than 64 tiles)
  const int64_t chunk = std::clamp<int64_t>(next_pow2(ceil_div(T, 16)), 4, 4096);
  const int64_t chunks = ceil_div(T, chunk);
  const int64_t digits = std::min<int64_t>(radix, 4096 / chunk);
  const at::Tensor sums = at::empty({r.K * chunks * radix}, x.options().dtype(ct));
  constexpr int64_t kChunkSumsAtOnce = 16;  // chunks whose sums radix_offsets_kernel reads a step (CB)
  // ping-pong workspace between passes (values as they are, indices unless only the values are
  // asked for: `indices` undefined)
  const bool has_idx = indices.defined();
  at::Tensor wv[2], wi[2];
  for (int b = 0; b < std::min(passes - 1, 2); ++b) {
    wv[b] = at::empty({r.K * r.N}, x.options());
    if (has_idx) wi[b] = at::empty({r.K * r.N}, x.options().dtype(ct));
  }
  int64_t ws[3];
  dense_row_strides(r, r.N, ws);
  rt::LaunchConfig tiles;
  tiles.grid[0] = r.K * T;
  auto hist = [&](int p, const at::Tensor& sv, const int64_t* ss, int64_t s_sn, bool with_totals) {
    rt::KernelArgs args;
    args.tensor(table);
    if (with_totals) args.tensor(totals); else args.none();
    args.tensor(sv).integer(r.K).integer(r.N).integer(T);
    args.integer(r.size[0]).integer(r.size[1]).integer(ss[0]).integer(ss[1]).integer(ss[2]).integer(s_sn);
    args.integer(int64_t{plan.bits} * p);  // the digit's shift: a runtime value (one kernel for middle passes)
    args.constant(r.rank).constant(descending);
    args.constant(p == passes - 1 && is_signed).constant(with_totals ? passes : 0).constant(is_signed);
    args.constant(plan.bits).constant(plan.block).constant(plan.warp).constant(int64);
    tiles.num_warps = 4;  // (LANE_ATOMICS, set with plan.warp, counts in 4 warps' copies)
    rt::launch(radix_hist_kernel, tiles, args, x.device());
  };
  // the passes to run: all, or (skip_trivial) those with two digits or more in some row
  c10::SmallVector<int, 64> run;
  hist(0, x, r.xs, r.x_sn, skip_trivial);
  if (skip_trivial) {
    // one small kernel reduces the totals to a bit per pass, read with one sync
    at::Tensor need = at::empty({1}, x.options().dtype(c10::kLong));
    rt::KernelArgs args;
    args.tensor(need).tensor(totals).integer(r.K).integer(r.N);
    args.constant(plan.bits).constant(passes).constant(std::min<int64_t>(next_pow2(r.K), 16));
    rt::LaunchConfig cfg;
    cfg.num_warps = 4;
    rt::launch(radix_passes_kernel, cfg, args, x.device());
    const int64_t bits = need.item<int64_t>();
    for (int p = 0; p < passes; ++p)
      if ((bits >> p) & 1) run.push_back(p);
    if (run.empty()) run.push_back(0);  // already sorted: one pass writes the output
  } else {
    for (int p = 0; p < passes; ++p) run.push_back(p);
  }
  const int n_run = static_cast<int>(run.size());
  for (int q = 0; q < n_run; ++q) {
    const int p = run[q];
    const bool first = q == 0, last = q == n_run - 1;
    const at::Tensor& sv = first ? x : wv[(q - 1) % 2];
    const int64_t* ss = first ? r.xs : ws;
    const int64_t s_sn = first ? r.x_sn : 1;
    if (p != 0) hist(p, sv, ss, s_sn, false);  // (pass 0's ran above)
    rt::LaunchConfig table_cfg;
    table_cfg.grid[0] = r.K * (radix / digits) * chunks;
    table_cfg.num_warps = 4;
    {
      rt::KernelArgs args;
      args.tensor(sums).tensor(table).integer(T).integer(radix / digits).integer(chunks);
      args.constant(plan.bits).constant(digits).constant(chunk).constant(int64);
      rt::launch(radix_chunk_sums_kernel, table_cfg, args, x.device());
    }
    {
      rt::KernelArgs args;
      args.tensor(table).tensor(sums).integer(T).integer(radix / digits).integer(chunks);
      args.constant(plan.bits).constant(digits).constant(chunk).constant(kChunkSumsAtOnce).constant(int64);
      rt::launch(radix_offsets_kernel, table_cfg, args, x.device());
    }
    {
      const at::Tensor& dv = last ? values : wv[q % 2];
      const at::Tensor& di = last ? indices : wi[q % 2];
      const int64_t* ds = last ? r.os : ws;
      // (the values alone: every pass takes the source's indices as the first pass does, its
      // positions, and writes none)
      const bool src_positions = first || !has_idx;
      rt::KernelArgs args;
      args.tensor(dv);
      if (has_idx) args.tensor(di); else args.none();
      args.tensor(sv);
      if (src_positions) args.none(); else args.tensor(wi[(q - 1) % 2]);
      args.tensor(table).integer(r.N).integer(last ? n_out : r.N).integer(T);
      if (plan.warp) args.integer(r.K * T);
      args.integer(r.size[0]).integer(r.size[1]);
      for (int i = 0; i < 3; ++i) args.integer(ss[i]);
      for (int i = 0; i < 3; ++i) args.integer(ds[i]);
      args.integer(s_sn).integer(last ? r.o_sn : 1).integer(int64_t{plan.bits} * p);
      args.constant(r.rank).constant(descending);
      args.constant(p == passes - 1 && is_signed).constant(src_positions);
      if (plan.warp) {
        // four warps a tile (radix_scatter_4w_kernel) for keys of <= 4 bytes, else one (16M with
        // indices, H200: bf16 160.8 -> 144.7 us a pass, fp32 234.5 -> 201.1; unique of 16M distinct
        // fp32 values, the values alone: 974 -> 919 us)
        const bool four_warps = x.element_size() <= 4;
        args.constant(plan.block).constant(x.element_size()).constant(match_peers(p, passes)).constant(int64);
        args.constant(has_idx);
        const int64_t index_bytes = has_idx ? (src_positions ? 2 : 4) : 0;  // (the kernels' IB)
        const int64_t smem = four_warps ? radix_rows_4w_bytes(x.element_size(), plan.block, index_bytes)
                                        : radix_stage_bytes(x.element_size(), plan.block, index_bytes);
        // (sm_90, triton 3.6: the four-warp kernel takes 53-56 registers a thread)
        const int64_t per_sm = four_warps ? radix_four_warp_programs_per_sm(smem, 56, x.device())
                                          : radix_warps_per_sm(smem, x.device());
        rt::LaunchConfig cfg;
        cfg.grid[0] = std::min<int64_t>(r.K * T, per_sm * rt::device_info(x.device().index()).sm_count);
        cfg.num_warps = four_warps ? 4 : 1;
        rt::launch(four_warps ? radix_scatter_4w_kernel : radix_scatter_staged_kernel, cfg, args, x.device());
      } else {
        args.constant(plan.bits).constant(plan.block).constant(plan.sub).constant(plan.field).constant(int64);
        args.constant(has_idx);
        tiles.num_warps = 4;
        rt::launch(radix_scatter_kernel, tiles, args, x.device());
      }
    }
  }
}

// Rows of at most 4096 on CUDA by radix_rows_kernel (one warp a row) or radix_rows_4w_kernel
// (four_warps): all 8-bit digit passes in one launch (no table: a row is one tile), through a
// workspace row between passes.
void radix_rows(const at::Tensor& values, const at::Tensor& indices, const at::Tensor& x, const Rows& r,
                bool descending, int64_t n_out, bool four_warps) {
  const int64_t vb = x.element_size();
  const int64_t block = std::max<int64_t>(512, next_pow2(r.N));
  const bool is_signed = x.scalar_type() != c10::kByte && x.scalar_type() != c10::kBool;
  const bool int64 = r.int64 || r.K * r.N > kIdxLimit;
  const int64_t ws = vb > 1 ? r.K * r.N : 0;  // (one pass, 1-byte keys: no workspace)
  at::Tensor ws_v = at::empty({ws}, x.options());
  at::Tensor ws_i = at::empty({ws}, x.options().dtype(c10::kInt));
  rt::KernelArgs args;
  args.tensor(values).tensor(indices).tensor(ws_v).tensor(ws_i).tensor(x);
  push_rows(args, r);
  args.integer(n_out);
  if (four_warps) args.integer(ceil_div(ceil_div(r.N, 4), 64) * 64);  // a quarter, rounded up to 64
  push_row_dims(args, r);
  args.constant(r.rank).constant(descending).constant(is_signed).constant(block).constant(vb).constant(int64);
  // static shared memory (one warp: the stage and counters, and one 1 KB histogram a pass)
  const int64_t smem = four_warps ? radix_rows_4w_bytes(vb, block) : radix_stage_bytes(vb, block) + 1024 * vb;
  // Four warps: capped by registers too (a late program walks its rows after the others): sm_90,
  // triton 3.6, 51 / 62 / 74 registers a thread for 1- / 2- / 4-byte keys: 9 / 8 / 6 programs.
  // (H200, bench/radix_rows_mw_probe.py, session 17: the same time as shared memory's cap where
  // row_plan takes four warps, 4096x4096 bf16 194.1 vs 193.6 us.)
  const int64_t per_sm = four_warps ? radix_four_warp_programs_per_sm(smem, vb == 1 ? 51 : vb == 2 ? 62 : 74, x.device())
                                    : radix_warps_per_sm(smem, x.device());
  rt::LaunchConfig cfg;
  cfg.grid[0] = std::min<int64_t>(r.K, per_sm * rt::device_info(x.device().index()).sm_count);
  cfg.num_warps = four_warps ? 4 : 1;
  rt::launch(four_warps ? radix_rows_4w_kernel : radix_rows_kernel, cfg, args, x.device());
}

// Merge sort (rows of more than a chunk, up to kMaxSortRow, keys of <= 32 bits): chunks of a row
// sorted by the bitonic network into packed words (int32 for keys of <= 16 bits, else int64) in a
// dense workspace, then log2(N / chunk) passes each merging pairs of sorted runs, every word
// placed on its own by a binary search of the other run; the last pass writes the output.
struct MergeConfig {
  int64_t chunk;      // elements a chunk (a power of two): more programs vs fewer merge passes
  int chunk_warps;
  int64_t block;      // words a merge program places
  int merge_warps;
};
// (first guesses: bench/merge_experiment.py on the H200 decides)
constexpr MergeConfig kMergeGpu{512, 4, 1024, 4};
// The interpreter: smaller chunks, so rows of a few hundred take several passes.
constexpr MergeConfig kMergeInterpreter{256, 4, 512, 4};

void merge_sort(const at::Tensor& values, const at::Tensor& indices, const at::Tensor& x, const Rows& r,
                bool descending, int64_t n_out) {
  const c10::Device device = x.device();
  const MergeConfig mc = device.is_cuda() ? kMergeGpu : kMergeInterpreter;
  const bool word32 = x.element_size() <= 2;
  const bool int64 = r.int64 || r.K * r.N > kIdxLimit;
  const int passes = log2_ceil(ceil_div(r.N, mc.chunk));
  // ping-pong workspace: two rows of words per row (one when a single pass writes the output)
  at::Tensor ws = at::empty({(passes > 1 ? 2 : 1) * r.K * r.N}, x.options().dtype(word32 ? c10::kInt : c10::kLong));
  at::Tensor w[2] = {ws.narrow(0, 0, r.K * r.N), passes > 1 ? ws.narrow(0, r.K * r.N, r.K * r.N) : ws};
  {
    const int64_t nch = ceil_div(r.N, mc.chunk);
    rt::KernelArgs args;
    args.tensor(w[0]).tensor(x).integer(r.K).integer(r.N).integer(nch);
    args.integer(r.size[0]).integer(r.size[1]);
    for (int i = 0; i < 3; ++i) args.integer(r.xs[i]);
    args.integer(r.x_sn);
    args.constant(r.rank).constant(descending).constant(word32).constant(mc.chunk).constant(log2_ceil(mc.chunk));
    args.constant(int64);
    rt::LaunchConfig cfg;
    cfg.grid[0] = r.K * nch;
    cfg.num_warps = mc.chunk_warps;
    rt::launch(merge_chunk_kernel, cfg, args, device);
  }
  const int64_t block = std::min(mc.block, next_pow2(r.N));
  const int64_t T = ceil_div(r.N, block);
  int64_t run = mc.chunk;
  for (int p = 0; p < passes; ++p, run *= 2) {
    const bool last = p == passes - 1;
    rt::KernelArgs args;
    args.tensor(w[(p + 1) % 2]).tensor(values).tensor(indices).tensor(w[p % 2]).tensor(x);
    push_rows(args, r);
    args.integer(n_out).integer(T);
    push_row_dims(args, r);
    args.constant(r.rank).constant(run).constant(log2_ceil(run)).constant(block).constant(last);
    args.constant(word32).constant(int64);
    rt::LaunchConfig cfg;
    cfg.grid[0] = r.K * T;
    cfg.num_warps = mc.merge_warps;
    rt::launch(merge_pass_kernel, cfg, args, device);
  }
}

// How a row of at most kMaxSortRow sorts (all stable, the same result). radix_rows, H200,
// bench/radix_next_probe.py --rows-one (2026-11-27, us; torch, then the plan it replaced, then
// radix_rows): 4096x4096 bf16 340, merge 528, 247; fp32 537, 876, 635; 8192x2048 bf16 332, 427,
// 172; fp32 511, 697, 405; 16384x1024 bf16 347, network 572, 173; 32768x512 bf16 537, 280, 188;
// fp32 846, 621, 366; 512x4096 bf16 52, 84, 46; fp32 77, 131, 85; 256x4096 bf16 32, 51, 45; fp32
// 44, 74, 83; 64x4096 bf16 24, 27, 45 (the merge's times of rows of 2048 and 4096 from --rows in
// the same session); with few rows the merge or network was faster, until radix_rows_4w_kernel
// (four warps a row, session 16: row_plan's comment). Merge and network, H200,
// bench/merge_experiment.py (2026-11-26, us, the merge sort against the one-block network):
// 4096x4096 bf16 527 vs 1398, fp32 875 vs 2077; 16384x1024 fp32 543 vs 925; 8x4096 bf16 21 vs
// 56 through the op; 32768x512 bf16: the network alone was fastest (282). (A per-row radix sort of
// 4-bit digits reached 956 on 4096x4096 bf16 and was removed.) The interpreter merges from rows
// of 257, so that CI covers both key widths at small sizes; radix_rows is CUDA only.
enum class RowPlan { kBitonic, kMerge, kRadixRows, kRadixRows4w };
constexpr int64_t kMergeMinRow16 = 1025;  // keys of <= 16 bits (int32 words)
constexpr int64_t kMergeMinRow32 = 513;   // 32-bit keys (int64 words)
constexpr int64_t kMergeMinRowInterpreter = 257;
constexpr int64_t kRadixRowsMinRow = 512;  // (radix_rows_kernel's smallest stage; shorter rows not measured)
constexpr int64_t kRadixRowsMinRows = 64;          // (fewer not measured: they keep the merge)
constexpr int64_t kRadixRowsOneWarpMaxRow = 2048;
constexpr int64_t kRadixRowsOneWarpMinRowsPerSm = 16;

RowPlan row_plan(const at::Tensor& x, const Rows& r) {
  const bool cuda = x.is_cuda();
  const int64_t merge_min = !cuda ? kMergeMinRowInterpreter : x.element_size() <= 2 ? kMergeMinRow16 : kMergeMinRow32;
  const int64_t chunk = cuda ? kMergeGpu.chunk : kMergeInterpreter.chunk;
  // radix_rows (rows of 512 or more, 64 rows or more): one warp a row for many rows of at most
  // 2048 (4-byte keys: 1024), 16 or more an SM; four warps a row otherwise. One warp's walk of a
  // row bounds the one-warp kernel, so long rows, or rows too few to give every SM many warps,
  // go faster with four. H200, bench/radix_rows_mw_probe.py (us, one warp / four):
  // 4096x4096 fp32 637.7 / 398.0; 512x2048 bf16 25.7 / 18.8; 512x1024 bf16 15.8 / 12.6;
  // 8192x2048 bf16 171.7 / 195.0 but fp32 437.1 / 386.0; 16384x1024 fp32 338.8 / 393.9.
  if (cuda && x.element_size() <= 4 && r.N >= kRadixRowsMinRow && r.K >= kRadixRowsMinRows) {
    const bool one_warp = r.N <= (x.element_size() <= 2 ? kRadixRowsOneWarpMaxRow : kRadixRowsOneWarpMaxRow / 2) &&
                          r.K >= kRadixRowsOneWarpMinRowsPerSm * rt::device_info(x.device().index()).sm_count;
    return one_warp ? RowPlan::kRadixRows : RowPlan::kRadixRows4w;
  }
  if (x.element_size() <= 4 && r.N >= merge_min && r.N > chunk) return RowPlan::kMerge;
  return RowPlan::kBitonic;
}

// Sorts r's rows of x into values/indices (planned together), keeping the first n_out of each.
void sort_planned(const at::Tensor& values, const at::Tensor& indices, const at::Tensor& x, const Rows& r,
                  bool descending, int64_t n_out) {
  if (r.N <= kMaxSortRow) {
    switch (row_plan(x, r)) {
      case RowPlan::kMerge: merge_sort(values, indices, x, r, descending, n_out); break;
      case RowPlan::kRadixRows: radix_rows(values, indices, x, r, descending, n_out, false); break;
      case RowPlan::kRadixRows4w: radix_rows(values, indices, x, r, descending, n_out, true); break;
      case RowPlan::kBitonic:
        launch_sort(values, indices, x, nullptr, r, descending, n_out, std::max<int64_t>(2, next_pow2(r.N)), 1);
        break;
    }
  } else if (n_out <= kMaxCandidates) {
    topk_candidates(values, indices, x, r, descending, n_out);
  } else {
    radix_sort(values, indices, x, r, descending, n_out);
  }
}

// Sorts x along dim (wrapped) and writes the first n_out of each row to values/indices.
void run_sort(const at::Tensor& values, const at::Tensor& indices, const at::Tensor& x, int64_t dim,
              bool descending, int64_t n_out) {
  if (values.numel() == 0) return;
  Rows r;
  if (plan_rows(x, values, dim, r) && indices.strides() == values.strides()) {
    sort_planned(values, indices, x, r, descending, n_out);
    return;
  }
  const at::Tensor xc = x.contiguous();
  at::Tensor vc = at::empty(values.sizes(), values.options());
  at::Tensor ic = at::empty(values.sizes(), indices.options());
  plan_rows(xc, vc, dim, r);
  sort_planned(vc, ic, xc, r, descending, n_out);
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

// ---------------------------------------------------------------- topk
//
// Radix select (kernels/select.py, topk_*): each row's k-th key from the top, kTopkDigitBits a
// pass; the keys beyond it and the first ties make the k winners, and only they are sorted.
//   rows up to kTopkBlockRow    one program a row, in registers: one launch
//   wider rows                  split across programs (split_parts): a launch per digit pass
//                               (atomic digit counts), the gather, the sort of the winners
//   sorted, k > kMaxCandidates  the winners don't fit one block's sort: the sort (sort_planned),
//                               as do rows of 2^31 elements (int32 counts)

rt::KernelHandle topk_block_kernel{"gemforge.kernels.select", "topk_block_kernel"};
rt::KernelHandle topk_hist_kernel{"gemforge.kernels.select", "topk_hist_kernel"};
rt::KernelHandle topk_gather_kernel{"gemforge.kernels.select", "topk_gather_kernel"};
rt::KernelHandle topk_sort_kernel{"gemforge.kernels.select", "topk_sort_kernel"};

constexpr int64_t kTopkBlockRow = 4096;  // widest row a program selects in registers
constexpr int64_t kTopkChunk = 4096;     // elements a program of a split row reads at a time
constexpr int64_t kTopkPrograms = 528;   // split rows aim at this many programs (4 per H200 SM)
constexpr int64_t kTopkDigitBits = 8;    // bits a pass (divides 32)
constexpr int64_t kTopkBlockS = 64;      // topk_gather_kernel sums earlier parts' ties this many at a time


// The programs a row is split into and the elements each reads: enough programs in all to fill
// the GPU, whole chunks each.
void split_parts(const Rows& r, int64_t& parts, int64_t& seg) {
  const int64_t chunks = ceil_div(r.N, kTopkChunk);
  parts = std::min(chunks, std::max<int64_t>(1, ceil_div(kTopkPrograms, r.K)));
  seg = ceil_div(chunks, parts) * kTopkChunk;
  parts = ceil_div(r.N, seg);
}

void topk_planned(const at::Tensor& values, const at::Tensor& indices, const at::Tensor& x, const Rows& r,
                  bool largest, bool sorted, int64_t k) {
  const KeyBits key = key_bits(x.scalar_type());
  // the winners' sort block (unused unless sorted)
  const int64_t kb = sorted ? std::max<int64_t>(2, next_pow2(k)) : 2;
  if (r.N <= kTopkBlockRow) {
    const int64_t block_n = next_pow2(r.N);
    rt::KernelArgs args;
    args.tensor(values).tensor(indices).tensor(x).integer(r.N).integer(k);
    push_row_dims(args, r);
    args.constant(r.rank).constant(largest).constant(sorted).constant(key.shift).constant(key.nbits);
    args.constant(kTopkDigitBits).constant(block_n).constant(kb).constant(log2_ceil(kb)).constant(r.int64);
    rt::LaunchConfig cfg;
    cfg.grid[0] = r.K;
    cfg.num_warps = block_n >= 2048 ? 8 : 4;
    rt::launch(topk_block_kernel, cfg, args, x.device());
    return;
  }
  int64_t parts, seg;
  split_parts(r, parts, seg);
  constexpr int64_t radix = int64_t{1} << kTopkDigitBits;
  const int64_t passes = ceil_div(key.nbits, kTopkDigitBits);
  // int32 workspace: digit counts [row, pass, digit] and the slot counters [row] (zeroed), then
  // the last pass's counts of each part [row, part, digit]
  const int64_t zeroed = r.K * (passes * radix + 1);
  at::Tensor ws = at::empty({zeroed + r.K * parts * radix}, x.options().dtype(c10::kInt));
  ws.narrow(0, 0, zeroed).zero_();
  at::Tensor hist = ws.narrow(0, 0, r.K * passes * radix);
  at::Tensor counter = ws.narrow(0, r.K * passes * radix, r.K);
  at::Tensor table = ws.narrow(0, zeroed, r.K * parts * radix);
  rt::LaunchConfig cfg;
  cfg.grid[0] = r.K * parts;
  cfg.num_warps = 8;
  for (int64_t p = 0; p < passes; ++p) {
    rt::KernelArgs args;
    args.tensor(hist).tensor(table).tensor(x).integer(r.N).integer(k).integer(parts).integer(seg).integer(p);
    push_row_dims(args, r, false);
    args.constant(r.rank).constant(largest).constant(key.shift).constant(key.nbits).constant(kTopkDigitBits);
    // LANE_ATOMICS on CUDA (8 warps, 8-bit digits): inline PTX, which the interpreter cannot run
    args.constant(p == passes - 1).constant(kTopkChunk).constant(x.is_cuda()).constant(r.int64);
    rt::launch(topk_hist_kernel, cfg, args, x.device());
  }
  {
    rt::KernelArgs args;
    args.tensor(values).tensor(indices).tensor(hist).tensor(table).tensor(counter).tensor(x);
    args.integer(r.N).integer(k).integer(parts).integer(seg);
    push_row_dims(args, r);
    args.constant(r.rank).constant(largest).constant(sorted).constant(key.shift).constant(key.nbits);
    args.constant(kTopkDigitBits).constant(kTopkChunk).constant(kTopkBlockS).constant(r.int64);
    rt::launch(topk_gather_kernel, cfg, args, x.device());
  }
  if (sorted) {
    rt::KernelArgs args;
    args.tensor(values).tensor(indices).tensor(x).integer(r.N).integer(k);
    push_row_dims(args, r);
    args.constant(r.rank).constant(largest).constant(key.shift).constant(key.nbits);
    args.constant(kb).constant(log2_ceil(kb)).constant(r.int64);
    rt::LaunchConfig sc;
    sc.grid[0] = r.K;
    sc.num_warps = kb >= 512 ? 8 : 4;
    rt::launch(topk_sort_kernel, sc, args, x.device());
  }
}

// topk of x along dim (wrapped) into values/indices.
void run_topk(const at::Tensor& values, const at::Tensor& indices, const at::Tensor& x, int64_t dim, bool largest,
              bool sorted, int64_t k) {
  if (values.numel() == 0) return;
  if ((sorted && k > kMaxCandidates) || row_length(x, dim) > kIdxLimit) {
    run_sort(values, indices, x, dim, largest, k);
    return;
  }
  Rows r;
  if (plan_rows(x, values, dim, r) && indices.strides() == values.strides()) {
    topk_planned(values, indices, x, r, largest, sorted, k);
    return;
  }
  const at::Tensor xc = x.contiguous();
  at::Tensor vc = at::empty(values.sizes(), values.options());
  at::Tensor ic = at::empty(values.sizes(), indices.options());
  plan_rows(xc, vc, dim, r);
  topk_planned(vc, ic, xc, r, largest, sorted, k);
  const_cast<at::Tensor&>(values).copy_(vc);
  const_cast<at::Tensor&>(indices).copy_(ic);
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

// sorted=false returns the winners in any order (torch specifies none).
std::tuple<at::Tensor, at::Tensor> topk_fn(const at::Tensor& self, int64_t k, int64_t dim, bool largest, bool sorted) {
  const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
  const char* why = not_ours(kTopkDtypes, {&self});
  if (why) {
    record(rec_topk, true, why);
    return self.is_cuda() ? at::cuda::topk(self, k, dim, largest, sorted) : at::cpu::topk(self, k, dim, largest, sorted);
  }
  const c10::DimVector sizes = topk_sizes(self, k, d);
  record(rec_topk);
  at::Tensor values = at::empty(sizes, self.options());
  at::Tensor indices = at::empty(sizes, self.options().dtype(c10::kLong));
  run_topk(values, indices, self, d, largest, sorted, k);
  return {values, indices};
}

std::tuple<at::Tensor&, at::Tensor&> topk_out(const at::Tensor& self, int64_t k, int64_t dim, bool largest,
                                              bool sorted, at::Tensor& values, at::Tensor& indices) {
  const int64_t d = c10::maybe_wrap_dim(dim, self.dim());
  const char* why = not_ours(kTopkDtypes, {&self, &values, &indices});
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
  run_topk(values, indices, self, d, largest, sorted, k);
  return {values, indices};
}

// ---------------------------------------------------------------- unique

rt::KernelHandle unique_flags_kernel{"gemforge.kernels.scan_sort", "unique_flags_kernel"};
rt::KernelHandle unique_scatter_kernel{"gemforge.kernels.scan_sort", "unique_scatter_kernel"};
rt::KernelHandle unique_counts_kernel{"gemforge.kernels.scan_sort", "unique_counts_kernel"};
rt::KernelHandle unique_block_runs_kernel{"gemforge.kernels.scan_sort", "unique_block_runs_kernel"};
rt::KernelHandle unique_compact_kernel{"gemforge.kernels.scan_sort", "unique_compact_kernel"};
constexpr int64_t kUniqueBlock = 1024;

using Tensor3 = std::tuple<at::Tensor, at::Tensor, at::Tensor>;

rt::KernelHandle unique_count_kernel{"gemforge.kernels.scan_sort", "unique_count_kernel"};
rt::KernelHandle unique_flags_of_counts_kernel{"gemforge.kernels.scan_sort", "unique_flags_of_counts_kernel"};
rt::KernelHandle unique_bins_kernel{"gemforge.kernels.scan_sort", "unique_bins_kernel"};
rt::KernelHandle unique_inverse_kernel{"gemforge.kernels.scan_sort", "unique_inverse_kernel"};
// Value ranges up to this many bins are counted per tile in registers (tl.histogram), wider
// ones with an atomic per element.
constexpr int64_t kUniqueTileBins = 1024;

// Integer inputs wider than one sort block whose values span fewer bins than there are elements
// (labels, token or expert ids) are counted instead of sorted: O(n + range), without the radix
// sort's passes. 8-bit and bool inputs use their whole range; wider ones read min and max first
// (a sync, as unique's own for the number of values). Returns false (nothing done) where the range
// is too wide.
bool unique_by_counting(Tensor3& result, const at::Tensor& flat, bool return_inverse, bool return_counts,
                        at::Tensor& inverse) {
  const c10::ScalarType st = flat.scalar_type();
  const int64_t n = flat.numel();
  if (!c10::isIntegralType(st, /*includeBool=*/true) || n <= kMaxSortRow) return false;
  int64_t vmin = 0, bins = 0;
  if (st == c10::kBool || st == c10::kByte || st == c10::kChar) {
    vmin = st == c10::kChar ? -128 : 0;
    bins = st == c10::kBool ? 2 : 256;
  } else {
    auto [lo, hi] = at::aminmax(flat);
    vmin = lo.item<int64_t>();  // (the second read waits for nothing)
    const uint64_t range = static_cast<uint64_t>(hi.item<int64_t>()) - static_cast<uint64_t>(vmin);
    if (range >= static_cast<uint64_t>(n)) return false;
    bins = static_cast<int64_t>(range) + 1;
  }
  const at::TensorOptions lopt = flat.options().dtype(c10::kLong);
  const at::Tensor counts = at::zeros({bins}, lopt);
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(n, kUniqueBlock);
  {
    rt::KernelArgs args;
    args.tensor(counts).tensor(flat).scalar_integer(vmin).integer(n).constant(kUniqueBlock);
    args.constant(bins <= kUniqueTileBins ? next_pow2(bins) : 0);
    rt::launch(unique_count_kernel, cfg, args, flat.device());
  }
  rt::LaunchConfig bin_cfg;
  bin_cfg.grid[0] = ceil_div(bins, kUniqueBlock);
  const at::Tensor ids = at::empty({bins}, lopt);
  {
    rt::KernelArgs args;
    args.tensor(ids).tensor(counts).integer(bins).constant(kUniqueBlock);
    rt::launch(unique_flags_of_counts_kernel, bin_cfg, args, flat.device());
  }
  run_scan(ids, nullptr, ids, 0, kSum, kAccI64);  // value numbers, from 1
  const int64_t runs = ids.select(0, bins - 1).item<int64_t>();
  at::Tensor values = at::empty({runs}, flat.options());
  at::Tensor counts_out = at::empty({return_counts ? runs : 0}, lopt);
  {
    rt::KernelArgs args;
    args.tensor(values);
    if (return_counts) args.tensor(counts_out); else args.none();
    args.tensor(ids).tensor(counts).scalar_integer(vmin).integer(bins).constant(return_counts).constant(kUniqueBlock);
    rt::launch(unique_bins_kernel, bin_cfg, args, flat.device());
  }
  if (return_inverse) {
    rt::KernelArgs args;
    args.tensor(inverse).tensor(flat).tensor(ids).scalar_integer(vmin).integer(n).constant(kUniqueBlock);
    rt::launch(unique_inverse_kernel, cfg, args, flat.device());
  }
  result = {values, inverse, counts_out};
  return true;
}

rt::KernelHandle unique_hash_kernel{"gemforge.kernels.scan_sort", "unique_hash_kernel"};
constexpr int64_t kUniqueHashMaxValues = 1 << 16;
constexpr int kUniqueHashMaxProbes = 64;
// EMPTY slot of unique_hash_kernel's table: -1 is no key of 2- or 4-byte values (their bits are
// zero-extended); for 8-byte values a NaN payload that integers rarely hold (the kernel gives up on
// an element equal to it).
constexpr int64_t kUniqueHashEmpty8 = 0x7FF4F00D5EED0001;

Tensor3 unique_runs(const at::Tensor& self, bool sort, bool return_inverse, bool return_counts, bool may_hash = true);

// Values of 2 bytes or more that counting did not take, if they are few (at most a quarter of the
// elements, and kUniqueHashMaxValues): unique_hash_kernel lists the distinct ones, then only the
// list is sorted (unique_runs without hashing). One sync reads whether the kernel gave up (then
// false: the caller sorts every element), and the count it listed; the second read waits for nothing.
bool unique_by_hashing(Tensor3& result, const at::Tensor& flat) {
  const int64_t n = flat.numel();
  const int64_t vb = flat.element_size();
  if (vb < 2 || n <= kMaxSortRow) return false;
  const int64_t cap = std::min(kUniqueHashMaxValues, n / 4);
  // load factor at most 1/8 (4 MB at the cap): a program probes until its longest chain ends.
  // (At 1/2, 16M elements of 50000 values took 627 us against 249 for 1000 values, H200, session
  // 16; the chains are the suspect, not yet measured at 1/8.)
  const int log_slots = log2_ceil(8 * cap);
  const at::TensorOptions lopt = flat.options().dtype(c10::kLong);
  const int64_t empty = vb == 8 ? kUniqueHashEmpty8 : -1;
  const at::Tensor table = at::full({int64_t{1} << log_slots}, empty, lopt);
  const at::Tensor stats = at::zeros({2}, lopt);
  const at::Tensor found = at::empty({cap}, flat.options());
  rt::KernelArgs args;
  args.tensor(found).tensor(stats).tensor(table).tensor(flat).integer(n).scalar_integer(empty);
  args.integer(log_slots).integer(cap);
  args.constant(vb).constant(c10::isFloatingType(flat.scalar_type())).constant(kUniqueHashMaxProbes);
  args.constant(kUniqueBlock).constant(flat.is_cuda());
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(n, kUniqueBlock);
  cfg.num_warps = 4;
  rt::launch(unique_hash_kernel, cfg, args, flat.device());
  if (stats.select(0, 1).item<int64_t>() != 0) return false;
  const int64_t listed = stats.select(0, 0).item<int64_t>();
  result = unique_runs(found.narrow(0, 0, listed), true, false, false, /*may_hash=*/false);
  return true;
}

// The first value of each run of equal values of v (dense, n > 0): unique_block_runs_kernel
// counts the runs that start in each block, a scan of the counts gives each block its first
// run's number (one sync reads the total), and unique_compact_kernel writes the run starts there.
at::Tensor run_values(const at::Tensor& v) {
  const int64_t n = v.numel();
  const int64_t blocks = ceil_div(n, kUniqueBlock);
  const at::Tensor block_runs = at::empty({blocks}, v.options().dtype(c10::kLong));
  const int64_t key = extreme_acc(v.scalar_type());
  rt::LaunchConfig cfg;
  cfg.grid[0] = blocks;
  {
    rt::KernelArgs args;
    args.tensor(block_runs).tensor(v).integer(n).constant(key).constant(kUniqueBlock);
    rt::launch(unique_block_runs_kernel, cfg, args, v.device());
  }
  run_scan(block_runs, nullptr, block_runs, 0, kSum, kAccI64);
  const int64_t runs = block_runs.select(0, blocks - 1).item<int64_t>();
  at::Tensor values = at::empty({runs}, v.options());
  {
    rt::KernelArgs args;
    args.tensor(values).tensor(v).tensor(block_runs).integer(n).constant(key).constant(kUniqueBlock);
    rt::launch(unique_compact_kernel, cfg, args, v.device());
  }
  return values;
}

// Runs of equal values of self flattened (sorted first when `sort`): the runs' values, and (else
// empty) the run of each element (self's shape) and the runs' lengths. The number of runs takes
// one device-to-host copy, as in ATen. may_hash: unique_by_hashing may list the values first.
Tensor3 unique_runs(const at::Tensor& self, bool sort, bool return_inverse, bool return_counts, bool may_hash) {
  const int64_t n = self.numel();
  const at::TensorOptions lopt = self.options().dtype(c10::kLong);
  at::Tensor inverse = return_inverse ? at::empty(self.sizes(), lopt) : at::empty({0}, lopt);
  if (n == 0) return {at::empty({0}, self.options()), inverse, at::empty({0}, lopt)};
  const at::Tensor flat = self.contiguous().view({n});
  Tensor3 counted;
  if (sort && unique_by_counting(counted, flat, return_inverse, return_counts, inverse)) return counted;
  if (sort && may_hash && !return_inverse && !return_counts && unique_by_hashing(counted, flat)) return counted;
  const bool values_only = !return_inverse && !return_counts;
  at::Tensor v = flat, perm;
  if (sort) {
    v = at::empty({n}, self.options());
    Rows r;
    plan_rows(flat, v, 0, r);
    // (the wide sort can leave the permutation out when only the values are asked for)
    if (!values_only || n <= kMaxSortRow) perm = at::empty({n}, lopt);
    if (n > kMaxSortRow)
      radix_sort(v, perm, flat, r, false, n, true);  // syncs anyway: passes of one digit skipped
    else
      sort_planned(v, perm, flat, r, false, n);
  }
  if (values_only) return {run_values(v), inverse, at::empty({0}, lopt)};
  at::Tensor ids = at::empty({n}, lopt);
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(n, kUniqueBlock);
  {
    rt::KernelArgs args;
    args.tensor(ids).tensor(v).integer(n).constant(extreme_acc(self.scalar_type())).constant(kUniqueBlock);
    rt::launch(unique_flags_kernel, cfg, args, self.device());
  }
  run_scan(ids, nullptr, ids, 0, kSum, kAccI64);  // run numbers, from 1
  const int64_t runs = ids.select(0, n - 1).item<int64_t>();
  at::Tensor values = at::empty({runs}, self.options());
  at::Tensor starts = return_counts ? at::empty({runs}, lopt) : at::Tensor();
  {
    rt::KernelArgs args;
    args.tensor(values);
    if (return_inverse) args.tensor(inverse); else args.none();
    if (return_counts) args.tensor(starts); else args.none();
    args.tensor(v);
    if (sort) args.tensor(perm); else args.none();
    args.tensor(ids).integer(n);
    args.constant(sort).constant(return_inverse).constant(return_counts).constant(kUniqueBlock);
    rt::launch(unique_scatter_kernel, cfg, args, self.device());
  }
  at::Tensor counts = at::empty({return_counts ? runs : 0}, lopt);
  if (return_counts) {
    rt::KernelArgs args;
    args.tensor(counts).tensor(starts).integer(runs).integer(n).constant(kUniqueBlock);
    rt::LaunchConfig c2;
    c2.grid[0] = ceil_div(runs, kUniqueBlock);
    rt::launch(unique_counts_kernel, c2, args, self.device());
  }
  return {values, inverse, counts};
}

OpRecord rec_unique2{"_unique2"}, rec_unique{"_unique"}, rec_unique_consecutive{"unique_consecutive"},
    rec_unique_dim{"unique_dim"};

// Sorted whether or not `sorted` asks (as ATen's CUDA kernel).
Tensor3 unique2_fn(const at::Tensor& self, bool sorted, bool return_inverse, bool return_counts) {
  if (const char* why = not_ours(kAllReal, {&self})) {
    record(rec_unique2, true, why);
    return self.is_cuda() ? at::cuda::_unique2(self, sorted, return_inverse, return_counts)
                          : at::cpu::_unique2(self, sorted, return_inverse, return_counts);
  }
  record(rec_unique2);
  return unique_runs(self, true, return_inverse, return_counts);
}

std::tuple<at::Tensor, at::Tensor> unique_fn(const at::Tensor& self, bool sorted, bool return_inverse) {
  if (const char* why = not_ours(kAllReal, {&self})) {
    record(rec_unique, true, why);
    return self.is_cuda() ? at::cuda::_unique(self, sorted, return_inverse)
                          : at::cpu::_unique(self, sorted, return_inverse);
  }
  record(rec_unique);
  auto [values, inverse, counts] = unique_runs(self, true, return_inverse, false);
  return {values, inverse};
}

Tensor3 unique_consecutive_fn(const at::Tensor& self, bool return_inverse, bool return_counts,
                              std::optional<int64_t> dim) {
  const char* why = not_ours(kAllReal, {&self});
  if (!why && dim && self.dim() != 0) why = "unique_consecutive along a dim";  // (a 0-d input: as dim=None)
  if (why) {
    record(rec_unique_consecutive, true, why);
    return self.is_cuda() ? at::cuda::unique_consecutive(self, return_inverse, return_counts, dim)
                          : at::cpu::unique_consecutive(self, return_inverse, return_counts, dim);
  }
  record(rec_unique_consecutive);
  return unique_runs(self, false, return_inverse, return_counts);
}

// unique along a dim (unique rows/slices) stays with ATen's kernel.
Tensor3 unique_dim_fn(const at::Tensor& self, int64_t dim, bool sorted, bool return_inverse, bool return_counts) {
  record(rec_unique_dim, true, "unique_dim");
  return self.is_cuda() ? at::cuda::unique_dim(self, dim, sorted, return_inverse, return_counts)
                        : at::cpu::unique_dim(self, dim, sorted, return_inverse, return_counts);
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
  t.push_back(entry<&unique2_fn>(rec_unique2));
  t.push_back(entry<&unique_fn>(rec_unique));
  t.push_back(entry<&unique_consecutive_fn>(rec_unique_consecutive));
  t.push_back(entry<&unique_dim_fn>(rec_unique_dim));
}

}  // namespace gemforge
