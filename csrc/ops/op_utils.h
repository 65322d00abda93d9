// Small helpers shared by the op families.
#pragma once

#include "runtime/config_table.h"
#include "runtime/kernel.h"

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include <algorithm>
#include <initializer_list>

namespace gemforge::ops {

inline int64_t next_pow2(int64_t v) {
  int64_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The smallest l with 2^l >= p: log2 of p for a power of two, else of the next one.
inline int log2_ceil(int64_t p) {
  int l = 0;
  while ((int64_t{1} << l) < p) ++l;
  return l;
}

// Architecture for the config table: the GPU's compute capability, 0 for the CPU backend.
inline int arch_of(const c10::Device& d) { return d.is_cuda() ? rt::device_info(d.index()).arch : 0; }
// Two-pass ops (a pass writing partial results, then one reading them): on sm_90+ the second
// pass is a programmatic dependent launch (rt::LaunchConfig::pdl) when the first reads at least
// kPdlMinElements. Their kernels' PDL constexpr: the first lets the second launch once all its
// programs have started (gdc_launch_dependents), the second waits for the first's results before
// reading them (gdc_wait). (H200: ~1 us less device time from 8M elements on; on decode-sized
// inputs, where the host is the bottleneck, cuLaunchKernelEx cost ~1 us more host time a call.
// Layer/rms_norm backward's column sums measured ~1 us slower with it and don't use it.)
constexpr int64_t kPdlMinElements = int64_t{1} << 20;
inline bool use_pdl(const c10::Device& d, int64_t elements_read) {
  return elements_read >= kPdlMinElements && arch_of(d) >= 90;
}

// Dtype sets as bit masks over c10::ScalarType.
constexpr uint32_t bit(c10::ScalarType t) { return 1u << static_cast<int>(t); }
constexpr uint32_t kFloats = bit(c10::kHalf) | bit(c10::kFloat) | bit(c10::kDouble) | bit(c10::kBFloat16);
constexpr uint32_t kInts = bit(c10::kByte) | bit(c10::kChar) | bit(c10::kShort) | bit(c10::kInt) | bit(c10::kLong);
constexpr uint32_t kBool = bit(c10::kBool);
constexpr uint32_t kAllReal = kFloats | kInts | kBool;

inline bool dtype_in(uint32_t set, c10::ScalarType t) {
  const int s = static_cast<int>(t);
  return s < 32 && (set & (1u << s));
}

// Why these inputs go to ATen's kernel instead of ours (nullptr: ours handles them). ATen then
// also raises ATen's own error for invalid input. Undefined tensors (absent optionals) are skipped.
inline const char* unsupported(uint32_t dtypes, std::initializer_list<const at::TensorBase*> tensors) {
  if (rt::in_interpreter()) return "inside the interpreter";
  for (const at::TensorBase* t : tensors) {
    if (!t->defined()) continue;
    if (!dtype_in(dtypes, t->scalar_type())) return "dtype";
    if (t->layout() != c10::kStrided) return "layout";
  }
  return nullptr;
}

inline bool is_f64(const at::TensorBase& t) { return t.scalar_type() == c10::kDouble; }

// A reduction's accumulation type: fp64 for fp64 data, else fp32 (half types included).
inline c10::ScalarType acc_type(c10::ScalarType t) { return t == c10::kDouble ? c10::kDouble : c10::kFloat; }
inline c10::ScalarType acc_type(const at::TensorBase& t) { return acc_type(t.scalar_type()); }

// Tiles of the softmax-shaped row kernels (softmax forward in reduce.cpp, its backward in
// loss.cpp): K rows of D elements, each row's elements `inner` apart ([outer, D, inner]).
//
// Few very wide rows (issue 4: 32x262144 ran one program per row, 32 programs on 132 SMs) are
// split: each row into `parts` parts of `part` elements (a multiple of block_d), one program per
// part, in two launches: per-part statistics into a small workspace [K, parts], then a launch
// that combines a row's parts and writes its own part. Only rows that take the two-pass loop
// anyway (!single) and lie along the last dim (inner == 1) are split.
struct RowTiles {
  int64_t block_k, block_d;
  bool single;  // a whole row fits one tile
  int num_warps;
  int64_t parts = 1, part = 0;  // parts > 1: the split path (block_k 1), part elements each
  int64_t block_p = 0;          // split path: the partials a program combines, a bucket >= parts
};

// The split rule's constants (GPU values; the CPU interpreter backend counts as one "SM", so that
// small shapes such as 2x20000 take the split path under the tests too).
constexpr int64_t kSplitProgramsPerSm = 4;  // split rows until K * parts reaches this many programs per SM
constexpr int64_t kSplitMinPart = 8192;     // elements a part has at least
constexpr int64_t kSplitBlockD = 4096;      // the split kernels' chunk (elements per loop step)
constexpr int kSplitWarps = 8;
constexpr bool kSplitReverse = true;        // the second launch walks the grid backwards (L2 reuse)

inline RowTiles softmax_row_tiles(int64_t K, int64_t D, int64_t inner, const c10::Device& device) {
  RowTiles t;
  if (inner == 1) {
    const rt::TileConfig& c = rt::lookup_config(rt::Family::Softmax, arch_of(device), D, K);
    t.single = c.block0 == 0;
    t.block_d = t.single ? next_pow2(D) : c.block0;
    t.block_k = std::min<int64_t>(c.block1, next_pow2(K));
    t.num_warps = c.num_warps;
    const int64_t sms = device.is_cuda() ? rt::device_info(device.index()).sm_count : 1;
    const int64_t parts = std::min(ceil_div(kSplitProgramsPerSm * sms, K), D / kSplitMinPart);
    if (!t.single && parts > 1) {
      t.block_k = 1;
      t.block_d = kSplitBlockD;
      t.num_warps = kSplitWarps;
      t.part = ceil_div(ceil_div(D, parts), kSplitBlockD) * kSplitBlockD;
      t.parts = ceil_div(D, t.part);
      t.block_p = std::max<int64_t>(16, next_pow2(t.parts));  // few variants to compile
    }
  } else {
    // along a strided dim: a tile spans consecutive rows, which are adjacent in memory
    t.block_k = std::min<int64_t>(64, next_pow2(inner));
    t.block_d = std::min<int64_t>(next_pow2(D), std::max<int64_t>(1, 4096 / t.block_k));
    t.single = D <= t.block_d;
    t.num_warps = 4;
  }
  return t;
}

// Many wide rows on the GPU: softmax_rows_smem_kernel (kernels/softmax.py, Gluon), forward and
// backward, reads the data once where the split path reads it twice: a program copies its part of
// a row into shared memory, publishes the part's statistics, waits for the row's other parts and
// writes. Its programs wait for each other: CUDA only (the interpreter runs programs one after
// another, and does not run Gluon) and at most a part an SM (one program an SM always fits; the
// kernel's docstring has the argument). With fewer rows than SMs (32 x 262144) the split path is
// faster: the rule asks for a row an SM. Parts of 32 KB at 8 warps (the backward holds y and g,
// 64 KB, 3 programs an SM); the forward capped at 40 registers, so that 6 fit an SM as shared
// memory allows (4 at its own 51-54). H200, 256 x 131072 bf16, benchmark (session 29): softmax
// 46.7 us, log_softmax 45.2, backward 58.9 / 58.7 (the register kernel before it, session 26:
// 56.1, 50.8, 64.5, 65.9). Part sizes, warps, register caps and a persistent two-buffer form
// measured in bench/softmax_smem_experiment.py: bench/NOTES.md, sessions 28 and 29.
struct OnepassTiles {
  int64_t part = 0, parts = 0;  // parts == 0: not this path
  int64_t block_p = 0;          // a bucket >= parts
  bool async_copy = false;      // cp.async: the rows start 16-byte aligned
  int num_warps = 0;
  int maxnreg = 0;              // registers a thread may use, 0: no cap
};
constexpr int64_t kOnepassPartBytes = 32768;
constexpr int kOnepassWarps = 8;
constexpr int kOnepassForwardMaxRegisters = 40;

// g: the backward's incoming gradient (undefined for the forward), read beside x.
inline OnepassTiles softmax_onepass_tiles(const RowTiles& t, int64_t K, int64_t D, const at::TensorBase& x,
                                          const at::TensorBase& g) {
  OnepassTiles o;
  if (!x.is_cuda() || t.parts <= 1 || x.scalar_type() == c10::kDouble) return o;
  const int64_t sms = rt::device_info(x.device().index()).sm_count;
  const int64_t part = kOnepassPartBytes / x.element_size();
  const int64_t parts = ceil_div(D, part);
  if (K < sms || parts < 2 || parts > sms || K * parts > INT32_MAX) return o;
  auto aligned = [](const at::TensorBase& u) { return reinterpret_cast<uintptr_t>(u.const_data_ptr()) % 16 == 0; };
  o.part = part;
  o.parts = parts;
  o.block_p = std::max<int64_t>(16, next_pow2(parts));
  // the kernel's divisibility hints prove 16-byte alignment only for D % 16 == 0
  o.async_copy = D % 16 == 0 && aligned(x) && (!g.defined() || aligned(g));
  o.num_warps = kOnepassWarps;
  o.maxnreg = g.defined() ? 0 : kOnepassForwardMaxRegisters;
  return o;
}
// out = (log_)softmax of x's rows, or with g defined their backward (x: the forward's output).
// reduce.cpp.
void run_softmax_onepass(const at::Tensor& out, const at::Tensor& x, const at::Tensor& g, int64_t K, int64_t D,
                         bool log, const OnepassTiles& o);

// Column tiles of the softmax kernels over a non-last dim (inner > 1): softmax_cols_kernel
// (forward, reduce.cpp run_softmax_cols) and softmax_backward_cols_kernel (loss.cpp). A program
// owns block_k contiguous columns of the [outer, D, inner] view (wide coalesced loads along them)
// and streams their rows, block_d per loop step. Too few column blocks to fill the GPU: the rows
// are split into `parts` parts of `part` rows (whole loop steps), one program each, in two
// launches (per-part statistics into a workspace [.., parts, K], then combine and write). GPU
// constants from bench/colred_experiment.py; the interpreter counts as one SM (small shapes split).
// H200, bench/colred_experiment.py (session 6), softmax 4096x4096 dim 0 bf16: 64 columns 42.4 us,
// 128 44.9 us (torch 4127 us).
constexpr int64_t kColsBlockK = 64;         // columns per program (at most)
constexpr int64_t kColsTile = 4096;         // elements per loop step (block_k * block_d)
constexpr int kColsWarps = 8;
constexpr int64_t kColsProgramsPerSm = 4;   // split until this many programs per SM
constexpr int64_t kColsMinPart = 64;        // rows a part has at least

struct ColsTiles {
  int64_t K;                 // columns: outer * inner
  int64_t block_k, block_d;
  int64_t blocks;            // column blocks: grid[0]
  int64_t parts, part;       // grid[1]; part rows each (parts == 1: one part of all D rows)
  bool int64;
};

inline ColsTiles softmax_cols_tiles(int64_t numel, int64_t D, int64_t inner, const c10::Device& device) {
  ColsTiles t;
  t.K = numel / D;
  t.block_k = std::min<int64_t>(kColsBlockK, next_pow2(inner));
  t.block_d = std::min<int64_t>(next_pow2(D), kColsTile / t.block_k);
  t.blocks = (t.K / inner) * ceil_div(inner, t.block_k);
  const int64_t sms = device.is_cuda() ? rt::device_info(device.index()).sm_count : 1;
  int64_t parts = 1;
  if (t.blocks < kColsProgramsPerSm * sms)
    parts = std::min(ceil_div(kColsProgramsPerSm * sms, t.blocks), D / kColsMinPart);
  parts = std::max<int64_t>(parts, 1);
  t.part = ceil_div(ceil_div(D, parts), t.block_d) * t.block_d;  // whole loop steps
  t.parts = ceil_div(D, t.part);
  t.int64 = numel > INT32_MAX - 65536 || t.blocks > INT32_MAX;
  return t;
}

// Rows of `x` along `dim`, and where they go in `o` (x's sizes, except along dim, where o may have
// size 1: one result per row): up to three row dims (innermost first, merged where both tensors
// allow) with their strides in x and o.
struct Rows {
  int rank = 0;
  int64_t size[3] = {1, 1, 1};
  int64_t xs[3] = {0, 0, 0};
  int64_t os[3] = {0, 0, 0};
  int64_t K = 1, N = 1, x_sn = 0, o_sn = 0;
  bool int64 = false;
};

inline bool plan_rows(const at::TensorBase& x, const at::TensorBase& o, int64_t dim, Rows& r) {
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

// Significant bits (sign included) of kernels/select.py's _ordered_key for a dtype, and the low
// bits its half types never set (kthvalue/median and topk search the key bits from the top).
struct KeyBits {
  int64_t shift, nbits;
};
inline KeyBits key_bits(c10::ScalarType t) {
  switch (t) {
    case c10::kHalf: return {13, 19};
    case c10::kBFloat16: return {16, 16};
    case c10::kDouble:
    case c10::kLong: return {0, 64};
    case c10::kByte: return {0, 9};
    case c10::kChar: return {0, 8};
    case c10::kShort: return {0, 16};
    default: return {0, 32};
  }
}

}  // namespace gemforge::ops
