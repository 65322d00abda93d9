// Matrix products (issue 5): mm, addmm, bmm, baddbmm, addbmm, mv, addmv, dot, vdot, addr.
// Every product is one `Gemm` problem: out[b] = alpha * A[b] @ B[b] + beta * input[b], described
// by sizes and element strides (no views are created), run by kernels/matmul.py. outer, ger,
// kron, linear and matmul are composite in ATen and reach these (or mul) after decomposition.
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/op_utils.h"
#include "ops/pointwise/pointwise.h"
#include "registration/registry.h"
#include "runtime/config_table.h"
#include "runtime/kernel.h"

#include <ATen/Context.h>
#include <ATen/MemoryOverlap.h>
#include <ATen/native/Resize.h>
#include <ATen/ops/addbmm_cpu_dispatch.h>
#include <ATen/ops/addbmm_cuda_dispatch.h>
#include <ATen/ops/addmm_cpu_dispatch.h>
#include <ATen/ops/addmm_cuda_dispatch.h>
#include <ATen/ops/addmv_cpu_dispatch.h>
#include <ATen/ops/addmv_cuda_dispatch.h>
#include <ATen/ops/addr_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/addr_cpu_dispatch.h>
#include <ATen/ops/addr_cuda_dispatch.h>
#include <ATen/ops/baddbmm_cpu_dispatch.h>
#include <ATen/ops/baddbmm_cuda_dispatch.h>
#include <ATen/ops/bmm_cpu_dispatch.h>
#include <ATen/ops/bmm_cuda_dispatch.h>
#include <ATen/ops/dot_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/dot_cpu_dispatch.h>
#include <ATen/ops/dot_cuda_dispatch.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/mm_cpu_dispatch.h>
#include <ATen/ops/mm_cuda_dispatch.h>
#include <ATen/ops/mv_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/sum.h>
#include <ATen/ops/vdot_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/vdot_cpu_dispatch.h>
#include <ATen/ops/vdot_cuda_dispatch.h>

namespace gemforge::ops {
namespace blas {  // the overloads (the C++ API below has the plain names)

constexpr uint32_t kGemmDtypes = bit(c10::kHalf) | bit(c10::kBFloat16) | bit(c10::kFloat);

rt::KernelHandle g_matmul_tma{"gemforge.kernels.matmul", "matmul_tma"};
rt::KernelHandle g_matmul_pingpong{"gemforge.kernels.matmul_ws", "pp_matmul_kernel"};
rt::KernelHandle g_matmul_strided{"gemforge.kernels.matmul", "matmul_strided"};

// A [batch, rows, cols] operand as element strides into its tensor's memory.
struct Operand {
  const at::TensorBase* t = nullptr;
  int64_t sb = 0, s0 = 0, s1 = 0;
};

struct Gemm {
  int64_t batch = 1, M = 0, N = 0, K = 0;
  Operand a, b, c;  // [batch, M, K], [batch, K, N], [batch, M, N]
  Operand input;    // [batch, M, N] with 0 strides for broadcast dims; t == nullptr: none
  c10::Scalar alpha = 1, beta = 0;
};

// Operand of a 2-D tensor (batch stride 0) or a 3-D one.
Operand operand(const at::TensorBase& t) {
  if (t.dim() == 2) return {&t, 0, t.stride(0), t.stride(1)};
  return {&t, t.stride(0), t.stride(1), t.stride(2)};
}

bool allow_tf32() { return at::globalContext().allowTF32CuBLAS(); }

// TMA needs 16-byte aligned base and row strides, and unit innermost stride.
bool aligned16(const at::TensorBase& t, int64_t stride) {
  return reinterpret_cast<uintptr_t>(t.data_ptr()) % 16 == 0 && (stride * t.element_size()) % 16 == 0;
}

// The layout of a TMA-able [rows, cols] operand: 0 = row-major (cols contiguous), 1 = given
// transposed (rows contiguous), -1 = neither.
int tma_layout(const Operand& o, int64_t rows, int64_t cols, int64_t batch) {
  if (batch > 1 && (o.sb <= 0 || !aligned16(*o.t, o.sb))) return -1;
  if (o.s1 == 1 && (rows == 1 || aligned16(*o.t, o.s0))) return 0;
  if (o.s0 == 1 && (cols == 1 || aligned16(*o.t, o.s1))) return 1;
  return -1;
}

void scalar_f32(rt::KernelArgs& args, const c10::Scalar& s) { args.f32(s.toDouble()); }

bool beta_is_zero(const Gemm& g) { return g.input.t == nullptr || g.beta.toComplexDouble() == 0.0; }

rt::KernelHandle g_splitk_finish{"gemforge.kernels.matmul", "splitk_finish"};

// out = epilogue(sum over the split-K partials [split, M, N] fp32).
void finish_split_k(const Gemm& g, const at::Tensor& partials, int64_t split_k, bool has_input,
                    c10::Device device) {
  rt::KernelArgs args;
  args.tensor(partials).tensor(*g.c.t);
  if (has_input) args.tensor(*g.input.t); else args.none();
  args.integer(g.M).integer(g.N).integer(split_k);
  args.f32(g.alpha.toDouble()).f32(has_input ? g.beta.toDouble() : 0.0);
  args.integer(g.c.s0).integer(g.c.s1).integer(g.input.s0).integer(g.input.s1);
  constexpr int64_t kBlock = 1024;
  args.constant(has_input).constant(g.alpha.toDouble() != 1.0).constant(kBlock);
  rt::LaunchConfig launch;
  launch.grid[0] = ceil_div(g.M * g.N, kBlock);
  launch.num_warps = 4;
  launch.num_stages = 1;
  rt::launch(g_splitk_finish, launch, args, device);
}

// Under the interpreter bf16 dot operands go through fp32 (see kernels/matmul.py: UPCAST).
bool upcast(const Gemm& g) { return g.c.t->device().is_cpu() && g.a.t->scalar_type() == c10::kBFloat16; }

// pp_matmul_kernel (kernels/matmul_ws.py, Gluon, sm_90 only): fixed tiles of 128 x 128 x 64, a
// ring of 2 slots for each of the two 4-warp consumer warpgroups, and a loader warp (12 warps in
// all, so 65536 / 384 registers a thread at most). bench/gluon_matmul_experiment.py, session 24.
constexpr int32_t kPpBlockM = 128, kPpBlockN = 128, kPpBlockK = 64;
constexpr int kPpStages = 2;
constexpr int kPpConsumerWarps = 4;
constexpr int kPpMaxRegisters = 168;

// The table rows with warp_specialize set run pp_matmul_kernel where the product fits its 2-D
// descriptors: 16-bit operands on sm_90, no input and alpha 1, A and C row-major (la, lc: 0), B
// as [N, K] (lb 1: attention's keys) or [K, N], and batches that continue the rows (batch
// stride = rows x row stride) in whole row tiles (M % 128; K % 64 for [K, N] B), so that a tile
// never straddles two batches. False: not applicable (matmul_tma runs the row's tiles).
bool run_pingpong(const Gemm& g, const rt::GemmConfig& cfg, int arch, int la, int lb, int lc, c10::Device device) {
  if (!cfg.warp_specialize || arch != 90 || g.a.t->element_size() != 2) return false;
  if (!beta_is_zero(g) || g.alpha.toDouble() != 1.0 || la != 0 || lc != 0) return false;
  const bool b_nk = lb == 1;
  const int64_t b_rows = b_nk ? g.N : g.K, b_stride = b_nk ? g.b.s1 : g.b.s0;  // B's rows in memory
  if (g.batch > 1) {
    if (g.M % kPpBlockM != 0 || (!b_nk && g.K % kPpBlockK != 0)) return false;
    if (g.a.sb != g.M * g.a.s0 || g.c.sb != g.M * g.c.s0 || g.b.sb != b_rows * b_stride) return false;
  }
  rt::KernelArgs args;
  auto desc = [&](const Operand& o, int64_t rows, int64_t cols, int64_t stride, int32_t brows, int32_t bcols) {
    int64_t shape[2] = {g.batch * rows, cols}, strides[2] = {stride, 1};
    int32_t block[2] = {brows, bcols};
    args.tensor_desc(*o.t, 2, shape, strides, block);
  };
  desc(g.a, g.M, g.K, g.a.s0, kPpBlockM, kPpBlockK);
  if (b_nk) desc(g.b, g.N, g.K, g.b.s1, kPpBlockN, kPpBlockK);
  else desc(g.b, g.K, g.N, g.b.s0, kPpBlockK, kPpBlockN);
  desc(g.c, g.M, g.N, g.c.s0, kPpBlockM, kPpBlockN);
  const int64_t sms = rt::device_info(device.index()).sm_count;
  args.integer(g.M).integer(g.N).integer(g.K).integer(g.batch);
  args.constant(cfg.group_m).constant(sms).constant(kPpStages).constant(b_nk).constant(kPpConsumerWarps);
  rt::LaunchConfig launch;
  launch.grid[0] = std::min(sms, ceil_div(g.M, kPpBlockM) * ceil_div(g.N, kPpBlockN) * g.batch);
  launch.num_warps = kPpConsumerWarps;  // (the kernel runs the 12 warps its metadata names)
  launch.num_stages = 1;
  launch.maxnreg = kPpMaxRegisters;
  rt::launch(g_matmul_pingpong, launch, args, device);
  return true;
}

// matmul_tma: persistent, TMA descriptors (sm_90+, and the interpreter, so that CI runs it).
// False: not applicable here.
bool run_tma(const Gemm& g, int arch, c10::Device device) {
  const c10::ScalarType dt = g.a.t->scalar_type();
  const bool interp = device.is_cpu();
  if (!interp && arch < 90) return false;
  if (dt == c10::kFloat && !allow_tf32()) return false;  // IEEE fp32 has no tensor-core path
  const int la = tma_layout(g.a, g.M, g.K, g.batch);
  const int lb = tma_layout(g.b, g.K, g.N, g.batch);
  const int lc = tma_layout(g.c, g.M, g.N, g.batch);
  if (la < 0 || lb < 0 || lc != 0) return false;

  const rt::GemmConfig& cfg =
      rt::lookup_gemm(interp ? 0 : arch, true, g.a.t->element_size(), g.M, g.N, g.K);
  if (!interp && run_pingpong(g, cfg, arch, la, lb, lc, device)) return true;
  const int32_t bm = cfg.bm, bn = cfg.bn, bk = cfg.bk;
  const bool batched = g.batch > 1;
  // descriptor views: [(batch,) rows, cols] with the contiguous dim last
  auto desc = [&](rt::KernelArgs& args, const Operand& o, int64_t rows, int64_t cols, int layout, int32_t brows,
                  int32_t bcols) {
    int64_t shape[3], strides[3];
    int32_t block[3];
    int n = 0;
    if (batched) shape[n] = g.batch, strides[n] = o.sb, block[n++] = 1;
    // a dim of size 1 never steps: give it a stride TMA accepts (16-byte multiple >= the row)
    const int64_t align = 16 / o.t->element_size();
    auto outer_stride = [&](int64_t size, int64_t stride, int64_t inner) {
      return size == 1 ? ceil_div(std::max<int64_t>(inner, 1), align) * align : stride;
    };
    if (layout == 0) {
      shape[n] = rows, strides[n] = outer_stride(rows, o.s0, cols), block[n++] = brows;
      shape[n] = cols, strides[n] = 1, block[n++] = bcols;
    } else {
      shape[n] = cols, strides[n] = outer_stride(cols, o.s1, rows), block[n++] = bcols;
      shape[n] = rows, strides[n] = 1, block[n++] = brows;
    }
    args.tensor_desc(*o.t, n, shape, strides, block);
  };
  const bool has_input = !beta_is_zero(g);
  const int64_t tiles = ceil_div(g.M, bm) * ceil_div(g.N, bn) * g.batch;
  const int64_t sms = interp ? 2 : rt::device_info(device.index()).sm_count;
  // Split K when the output tiles fill less than half the GPU (decode shapes): ~2 waves of
  // work units, each a K slice of a tile; splitk_finish sums the fp32 partials.
  const int64_t k_tiles = ceil_div(g.K, bk);
  int64_t split_k = 1;
  if (!batched && tiles * 2 <= sms && k_tiles >= 8) {
    split_k = std::min<int64_t>({next_pow2(ceil_div(2 * sms, tiles)), 16, k_tiles / 4});
  }
  // More tiles than programs, the last wave less than half full (1024 x 14336 x 4096 in tiles
  // of 128 x 256: 448 tiles, 3 waves of 132 and 52): the last wave's tiles are split in K over
  // the programs it would leave idle (matmul_tma's TAIL_SPLIT), in slices of at least 16 K steps
  // (a slice's sums cost a few us to pass on; H200, bench/gemm_tail_probe.py: 1024 x 14336 x
  // 4096 bf16 189.6 -> 174.4 us in 2 slices, cuBLAS 157.6).
  const int64_t programs = std::min(tiles * split_k, sms * cfg.ctas_per_sm);
  const int64_t tail_tiles = tiles > programs ? tiles % programs : 0;
  int64_t tail_split = 1;
  if (!batched && split_k == 1 && tail_tiles > 0 && tail_tiles * 2 <= programs)
    tail_split = std::max<int64_t>(1, std::min<int64_t>({programs / tail_tiles, 4, k_tiles / 16}));
  const int64_t dp_tiles = tail_split > 1 ? tiles - tail_tiles : tiles;
  at::Tensor partials, flags;
  if (split_k > 1) partials = at::empty({split_k, g.M, g.N}, g.c.t->options().dtype(c10::kFloat));
  if (tail_split > 1) {
    partials = at::empty({tail_tiles * (tail_split - 1) * bm * bn}, g.c.t->options().dtype(c10::kFloat));
    flags = at::zeros({tail_tiles}, g.c.t->options().dtype(c10::kInt));
  }

  rt::KernelArgs args;
  desc(args, g.a, g.M, g.K, la, bm, bk);
  desc(args, g.b, g.K, g.N, lb, bk, bn);
  desc(args, g.c, g.M, g.N, 0, bm, cfg.split_store ? bn / 2 : bn);
  if (has_input && split_k == 1) args.tensor(*g.input.t); else args.none();
  if (partials.defined()) args.tensor(partials); else args.none();
  if (flags.defined()) args.tensor(flags); else args.none();
  args.integer(g.M).integer(g.N).integer(g.K).integer(dp_tiles);
  scalar_f32(args, g.alpha);
  scalar_f32(args, has_input ? g.beta : c10::Scalar(0.0));
  args.integer(g.input.sb).integer(g.input.s0).integer(g.input.s1);
  args.constant(bm).constant(bn).constant(bk).constant(cfg.group_m).constant(programs);
  args.constant(la == 1).constant(lb == 1).constant(batched).constant(has_input && split_k == 1);
  args.constant(g.alpha.toDouble() != 1.0).constant(false).constant(cfg.split_store);  // WS: see the table
  // The last row tile ends at row M (kernels/matmul.py _row_start), unless the input the
  // epilogue reads may overlap the output.
  const bool shift_m = g.M > bm && g.M % bm != 0 &&
                       (!has_input || at::get_overlap_status(*g.input.t, *g.c.t) == at::MemOverlapStatus::No);
  args.constant(upcast(g)).constant(split_k).constant(tail_split).constant(shift_m);
  rt::LaunchConfig launch;
  launch.grid[0] = programs;
  launch.num_warps = cfg.num_warps;
  launch.num_stages = cfg.num_stages;  // (the runtime drops stages if a variant exceeds shared memory)
  rt::launch(g_matmul_tma, launch, args, device);
  if (split_k > 1) finish_split_k(g, partials, split_k, has_input, device);
  return true;
}

void run_strided(const Gemm& g, int arch, c10::Device device) {
  const rt::GemmConfig& cfg =
      rt::lookup_gemm(device.is_cpu() ? 0 : arch, false, g.a.t->element_size(), g.M, g.N, g.K);
  const bool has_input = !beta_is_zero(g);
  rt::KernelArgs args;
  args.tensor(*g.a.t).tensor(*g.b.t).tensor(*g.c.t);
  if (has_input) args.tensor(*g.input.t); else args.none();
  args.integer(g.M).integer(g.N).integer(g.K);
  scalar_f32(args, g.alpha);
  scalar_f32(args, has_input ? g.beta : c10::Scalar(0.0));
  for (const Operand* o : {&g.a, &g.b, &g.c, &g.input}) args.integer(o->sb).integer(o->s0).integer(o->s1);
  const c10::ScalarType dt = g.a.t->scalar_type();
  const int precision = dt == c10::kFloat ? (allow_tf32() ? 1 : 2) : 0;
  // offsets beyond int32: the largest element offset of any operand
  auto extent = [&](const Operand& o, int64_t r, int64_t c) {
    return std::abs(o.sb) * (g.batch - 1) + std::abs(o.s0) * (r - 1) + std::abs(o.s1) * (c - 1);
  };
  const bool int64 = std::max({extent(g.a, g.M, g.K), extent(g.b, g.K, g.N), extent(g.c, g.M, g.N),
                               extent(g.input, g.M, g.N)}) > INT32_MAX / 2;
  args.constant(cfg.bm).constant(cfg.bn).constant(cfg.bk).constant(cfg.group_m).constant(has_input);
  args.constant(g.alpha.toDouble() != 1.0).constant(precision).constant(int64).constant(upcast(g));
  rt::LaunchConfig launch;
  launch.grid[0] = ceil_div(g.M, cfg.bm) * ceil_div(g.N, cfg.bn);
  launch.grid[1] = g.batch;
  launch.num_warps = cfg.num_warps;
  launch.num_stages = cfg.num_stages;
  rt::launch(g_matmul_strided, launch, args, device);
}

rt::KernelHandle g_gemv_small{"gemforge.kernels.gemv", "gemv_small"};

// The decode kernel (kernels/gemv.py): a product with one small side (<= 16) whose other
// operand is read along K with unit stride streams that operand once, each program owning
// block_r of its rows over the whole K: one launch, no split-K partials. The small side can be
// M (nn.Linear decode: the weight W = B^T is streamed) or N (mv: A is streamed). False: not
// applicable here (batched, no K-contiguous large operand, or too few rows for the SMs).
constexpr int64_t kGemvMaxTokens = 16;

bool run_gemv(const Gemm& g, int arch, c10::Device device) {
  if (g.batch != 1) return false;
  // W [R, K] with unit K stride, x [T, K], c and input [T, R]; a K of 1 never steps
  const bool m_small = g.M <= kGemvMaxTokens && (g.b.s0 == 1 || g.K == 1);
  const bool n_small = g.N <= kGemvMaxTokens && (g.a.s1 == 1 || g.K == 1);
  if (!m_small && !n_small) return false;
  const bool by_m = m_small && (!n_small || g.N >= g.M);  // stream the operand with more rows
  const Operand& w = by_m ? g.b : g.a;
  const Operand& x = by_m ? g.a : g.b;
  const int64_t R = by_m ? g.N : g.M, T = by_m ? g.M : g.N;
  const int64_t s_wr = by_m ? w.s1 : w.s0;
  const int64_t s_xt = by_m ? x.s0 : x.s1, s_xk = by_m ? x.s1 : x.s0;
  const int64_t s_ct = by_m ? g.c.s0 : g.c.s1, s_cr = by_m ? g.c.s1 : g.c.s0;
  const int64_t s_it = by_m ? g.input.s0 : g.input.s1, s_ir = by_m ? g.input.s1 : g.input.s0;

  const bool interp = device.is_cpu();
  const rt::GemvConfig& cfg = rt::lookup_gemv(interp ? 0 : arch, g.a.t->element_size(), T, R, g.K);
  const int64_t programs = ceil_div(R, cfg.block_r);
  // Few rows and a long K (e.g. 1 x 1024 x 8192): split-K over the SMs (matmul_tma) wins there.
  if (!interp && arch >= 90 && programs * 2 < rt::device_info(device.index()).sm_count && g.K >= 2048)
    return false;

  const bool has_input = !beta_is_zero(g);
  const c10::ScalarType dt = g.a.t->scalar_type();
  const bool dot = T > 1 || !cfg.fma_single;
  const int precision = dt == c10::kFloat ? (allow_tf32() ? 1 : 2) : 0;
  // a K shorter than the block: the next power of two (>= 16, tl.dot's minimum) instead of a
  // mostly masked block
  const int64_t bk = std::min<int64_t>(cfg.block_k, std::max<int64_t>(16, next_pow2(g.K)));
  const int tail = g.K % bk == 0 && g.K > 0 ? 0 : (g.K > bk ? 1 : 2);  // kernels/gemv.py TAIL
  auto extent = [](int64_t rows, int64_t sr, int64_t cols, int64_t sc) {
    return std::abs(sr) * (rows - 1) + std::abs(sc) * (cols - 1);
  };
  const bool int64 = std::max({extent(R, s_wr, g.K, 1), extent(T, s_xt, g.K, s_xk), extent(T, s_ct, R, s_cr),
                               extent(T, s_it, R, s_ir)}) > INT32_MAX / 2;

  rt::KernelArgs args;
  args.tensor(*w.t).tensor(*x.t).tensor(*g.c.t);
  if (has_input) args.tensor(*g.input.t); else args.none();
  args.integer(R).integer(T).integer(g.K);
  scalar_f32(args, g.alpha);
  scalar_f32(args, has_input ? g.beta : c10::Scalar(0.0));
  args.integer(s_wr).integer(s_xt).integer(s_xk).integer(s_ct).integer(s_cr).integer(s_it).integer(s_ir);
  args.constant(cfg.block_r).constant(dot ? 16 : 1).constant(bk).constant(dot).constant(cfg.evict_first);
  args.constant(has_input);
  args.constant(g.alpha.toDouble() != 1.0).constant(precision).constant(tail).constant(int64).constant(upcast(g));
  rt::LaunchConfig launch;
  launch.grid[0] = programs;
  launch.num_warps = cfg.num_warps;
  launch.num_stages = cfg.evict_first ? 1 : cfg.num_stages;  // (see GemvConfig::evict_first)
  rt::launch(g_gemv_small, launch, args, device);
  return true;
}

void run_gemm(const Gemm& g) {
  if (g.M == 0 || g.N == 0 || g.batch == 0) return;
  const c10::Device device = g.c.t->device();
  const int arch = arch_of(device);
  if (run_gemv(g, arch, device)) return;
  if (!run_tma(g, arch, device)) run_strided(g, arch, device);
}

// Broadcast strides of `input` against [batch,] M, N (right-aligned, as torch expands it).
// False if it does not broadcast (the caller then lets ATen raise its error).
bool input_operand(const at::Tensor& input, int64_t batch, int64_t M, int64_t N, bool batched, Operand& o) {
  const int64_t want[3] = {batch, M, N};
  int64_t strides[3] = {0, 0, 0};
  const int nd = static_cast<int>(input.dim());
  if (nd > (batched ? 3 : 2)) return false;
  for (int i = 0; i < nd; ++i) {
    const int d = 3 - nd + i;
    if (input.size(i) == want[d]) {
      strides[d] = want[d] == 1 ? 0 : input.stride(i);
    } else if (input.size(i) != 1) {
      return false;
    }
  }
  o = {&input, strides[0], strides[1], strides[2]};
  return true;
}

// Why GemForge leaves a product to ATen (nullptr: ours): dtypes, layouts, and any mismatch
// whose error message ATen owns (shapes, mixed dtypes, devices).
const char* unsupported_gemm(std::initializer_list<const at::TensorBase*> tensors) {
  if (const char* why = unsupported(kGemmDtypes, tensors)) return why;
  const at::TensorBase* first = *tensors.begin();
  for (const at::TensorBase* t : tensors) {
    if (!t->defined()) continue;
    if (t->scalar_type() != first->scalar_type()) return "mixed dtypes";
    if (t->device() != first->device()) return "devices";
    if (t->is_conj() || t->is_neg()) return "conj/neg view";
  }
  return nullptr;
}

// ---------------------------------------------------------------- the overloads

OpRecord rec_mm{"mm"}, rec_mm_out{"mm.out"};
OpRecord rec_bmm{"bmm"}, rec_bmm_out{"bmm.out"};
OpRecord rec_addmm{"addmm"}, rec_addmm_{"addmm_"}, rec_addmm_out{"addmm.out"};
OpRecord rec_baddbmm{"baddbmm"}, rec_baddbmm_{"baddbmm_"}, rec_baddbmm_out{"baddbmm.out"};
OpRecord rec_addbmm{"addbmm"}, rec_addbmm_{"addbmm_"}, rec_addbmm_out{"addbmm.out"};
OpRecord rec_mv{"mv"}, rec_mv_out{"mv.out"};
OpRecord rec_addmv{"addmv"}, rec_addmv_{"addmv_"}, rec_addmv_out{"addmv.out"};
OpRecord rec_dot{"dot"}, rec_dot_out{"dot.out"}, rec_vdot{"vdot"}, rec_vdot_out{"vdot.out"};
OpRecord rec_addr{"addr"}, rec_addr_{"addr_"}, rec_addr_out{"addr.out"};

at::Tensor new_output(const at::Tensor& like, at::IntArrayRef sizes) {
  return at::empty(sizes, like.options().memory_format(c10::MemoryFormat::Contiguous));
}

// out (resized to [batch,] M, N) = beta * input + alpha * a @ b, for 2-D (batched = false) or
// 3-D operands. False: shapes or input that ATen must judge (it raises the error).
bool gemm_into(at::Tensor& out, const at::Tensor* input, const at::Tensor& a, const at::Tensor& b,
               const c10::Scalar& beta, const c10::Scalar& alpha, bool batched) {
  const int nd = batched ? 3 : 2;
  if (a.dim() != nd || b.dim() != nd) return false;
  const int64_t batch = batched ? a.size(0) : 1;
  if (batched && b.size(0) != batch) return false;
  const int64_t M = a.size(nd - 2), K = a.size(nd - 1), N = b.size(nd - 1);
  if (b.size(nd - 2) != K) return false;
  Gemm g;
  g.batch = batch, g.M = M, g.N = N, g.K = K;
  g.alpha = alpha;
  g.beta = beta;
  if (input && !input_operand(*input, batch, M, N, batched, g.input)) return false;
  if (!input) g.input = {};
  if (out.defined()) {
    if (batched) {
      at::native::resize_output(out, {batch, M, N});
    } else {
      at::native::resize_output(out, {M, N});
    }
  } else {
    out = batched ? new_output(a, {batch, M, N}) : new_output(a, {M, N});
  }
  g.a = operand(a);
  g.b = operand(b);
  g.c = operand(out);
  if (K == 0 && beta_is_zero(g)) {
    out.zero_();  // an empty sum; beta == 0 ignores input (NaN included), as torch
    return true;
  }
  run_gemm(g);
  return true;
}

// mm / bmm -----------------------------------------------------------

at::Tensor mm(const at::Tensor& a, const at::Tensor& b) {
  auto aten = [&] { return a.is_cuda() ? at::cuda::mm(a, b) : at::cpu::mm(a, b); };
  if (const char* why = unsupported_gemm({&a, &b})) return record(rec_mm, true, why), aten();
  record(rec_mm);
  at::Tensor out;
  if (!gemm_into(out, nullptr, a, b, 0, 1, false)) return aten();
  return out;
}

at::Tensor& mm_out(const at::Tensor& a, const at::Tensor& b, at::Tensor& out) {
  auto aten = [&]() -> at::Tensor& { return out.is_cuda() ? at::cuda::mm_out(out, a, b) : at::cpu::mm_out(out, a, b); };
  if (const char* why = unsupported_gemm({&a, &b, &out})) return record(rec_mm_out, true, why), aten();
  record(rec_mm_out);
  if (!gemm_into(out, nullptr, a, b, 0, 1, false)) return aten();
  return out;
}

at::Tensor bmm(const at::Tensor& a, const at::Tensor& b) {
  auto aten = [&] { return a.is_cuda() ? at::cuda::bmm(a, b) : at::cpu::bmm(a, b); };
  if (const char* why = unsupported_gemm({&a, &b})) return record(rec_bmm, true, why), aten();
  record(rec_bmm);
  at::Tensor out;
  if (!gemm_into(out, nullptr, a, b, 0, 1, true)) return aten();
  return out;
}

at::Tensor& bmm_out(const at::Tensor& a, const at::Tensor& b, at::Tensor& out) {
  auto aten = [&]() -> at::Tensor& { return out.is_cuda() ? at::cuda::bmm_out(out, a, b) : at::cpu::bmm_out(out, a, b); };
  if (const char* why = unsupported_gemm({&a, &b, &out})) return record(rec_bmm_out, true, why), aten();
  record(rec_bmm_out);
  if (!gemm_into(out, nullptr, a, b, 0, 1, true)) return aten();
  return out;
}

// addmm / baddbmm ----------------------------------------------------

at::Tensor addmm(const at::Tensor& self, const at::Tensor& a, const at::Tensor& b, const c10::Scalar& beta,
                 const c10::Scalar& alpha) {
  auto aten = [&] { return a.is_cuda() ? at::cuda::addmm(self, a, b, beta, alpha) : at::cpu::addmm(self, a, b, beta, alpha); };
  if (const char* why = unsupported_gemm({&self, &a, &b})) return record(rec_addmm, true, why), aten();
  record(rec_addmm);
  at::Tensor out;
  if (!gemm_into(out, &self, a, b, beta, alpha, false)) return aten();
  return out;
}

at::Tensor& addmm_out(const at::Tensor& self, const at::Tensor& a, const at::Tensor& b, const c10::Scalar& beta,
                      const c10::Scalar& alpha, at::Tensor& out) {
  auto aten = [&]() -> at::Tensor& {
    return out.is_cuda() ? at::cuda::addmm_out(out, self, a, b, beta, alpha) : at::cpu::addmm_out(out, self, a, b, beta, alpha);
  };
  // out aliasing the input (other than addmm_ itself) is left to ATen
  if (const char* why = unsupported_gemm({&self, &a, &b, &out})) return record(rec_addmm_out, true, why), aten();
  if (out.is_same(a) || out.is_same(b)) return record(rec_addmm_out, true, "out aliases an operand"), aten();
  record(rec_addmm_out);
  if (!gemm_into(out, &self, a, b, beta, alpha, false)) return aten();
  return out;
}

at::Tensor& addmm_(at::Tensor& self, const at::Tensor& a, const at::Tensor& b, const c10::Scalar& beta,
                   const c10::Scalar& alpha) {
  auto aten = [&]() -> at::Tensor& {
    return self.is_cuda() ? at::cuda::addmm_(self, a, b, beta, alpha) : at::cpu::addmm_(self, a, b, beta, alpha);
  };
  if (const char* why = unsupported_gemm({&self, &a, &b})) return record(rec_addmm_, true, why), aten();
  if (self.dim() != 2 || a.dim() != 2 || b.dim() != 2 || self.size(0) != a.size(0) || self.size(1) != b.size(1))
    return record(rec_addmm_, true, "shape"), aten();
  record(rec_addmm_);
  if (!gemm_into(self, &self, a, b, beta, alpha, false)) return aten();
  return self;
}

at::Tensor baddbmm(const at::Tensor& self, const at::Tensor& a, const at::Tensor& b, const c10::Scalar& beta,
                   const c10::Scalar& alpha) {
  auto aten = [&] {
    return a.is_cuda() ? at::cuda::baddbmm(self, a, b, beta, alpha) : at::cpu::baddbmm(self, a, b, beta, alpha);
  };
  if (const char* why = unsupported_gemm({&self, &a, &b})) return record(rec_baddbmm, true, why), aten();
  record(rec_baddbmm);
  at::Tensor out;
  if (!gemm_into(out, &self, a, b, beta, alpha, true)) return aten();
  return out;
}

at::Tensor& baddbmm_out(const at::Tensor& self, const at::Tensor& a, const at::Tensor& b, const c10::Scalar& beta,
                        const c10::Scalar& alpha, at::Tensor& out) {
  auto aten = [&]() -> at::Tensor& {
    return out.is_cuda() ? at::cuda::baddbmm_out(out, self, a, b, beta, alpha)
                         : at::cpu::baddbmm_out(out, self, a, b, beta, alpha);
  };
  if (const char* why = unsupported_gemm({&self, &a, &b, &out})) return record(rec_baddbmm_out, true, why), aten();
  if (out.is_same(a) || out.is_same(b)) return record(rec_baddbmm_out, true, "out aliases an operand"), aten();
  record(rec_baddbmm_out);
  if (!gemm_into(out, &self, a, b, beta, alpha, true)) return aten();
  return out;
}

at::Tensor& baddbmm_(at::Tensor& self, const at::Tensor& a, const at::Tensor& b, const c10::Scalar& beta,
                     const c10::Scalar& alpha) {
  auto aten = [&]() -> at::Tensor& {
    return self.is_cuda() ? at::cuda::baddbmm_(self, a, b, beta, alpha) : at::cpu::baddbmm_(self, a, b, beta, alpha);
  };
  if (const char* why = unsupported_gemm({&self, &a, &b})) return record(rec_baddbmm_, true, why), aten();
  if (self.dim() != 3 || a.dim() != 3 || b.dim() != 3 || self.size(0) != a.size(0) || self.size(1) != a.size(1) ||
      self.size(2) != b.size(2))
    return record(rec_baddbmm_, true, "shape"), aten();
  record(rec_baddbmm_);
  if (!gemm_into(self, &self, a, b, beta, alpha, true)) return aten();
  return self;
}

// addbmm: beta * input + alpha * sum_b a[b] @ b[b]: an fp32 bmm, a sum over the batch, and
// the epilogue in fp32 (three launches; the batch sum is not one GEMM for general strides).
at::Tensor addbmm_impl(const at::Tensor* out_arg, const at::Tensor& self, const at::Tensor& a, const at::Tensor& b,
                       const c10::Scalar& beta, const c10::Scalar& alpha, bool& ok) {
  ok = false;
  if (a.dim() != 3 || b.dim() != 3 || a.size(0) != b.size(0) || a.size(2) != b.size(1)) return {};
  const int64_t M = a.size(1), N = b.size(2);
  Operand in;
  if (!input_operand(self, 1, M, N, false, in)) return {};
  at::Tensor products = at::empty({a.size(0), M, N}, a.options().dtype(c10::kFloat));
  if (!gemm_into(products, nullptr, a, b, 0, alpha, true)) return {};
  at::Tensor summed = at::sum(products, {0});  // fp32
  at::Tensor result = out_arg ? *out_arg : at::Tensor();
  if (!result.defined()) result = new_output(a, {M, N});
  at::native::resize_output(result, {M, N});
  // result = beta * self + summed, in one pointwise launch (beta == 0 ignores self)
  if (beta.toComplexDouble() == 0.0) {
    result.copy_(summed);
  } else {
    result.copy_(summed.add(self.to(c10::kFloat), beta));
  }
  ok = true;
  return result;
}

at::Tensor addbmm(const at::Tensor& self, const at::Tensor& a, const at::Tensor& b, const c10::Scalar& beta,
                  const c10::Scalar& alpha) {
  auto aten = [&] { return a.is_cuda() ? at::cuda::addbmm(self, a, b, beta, alpha) : at::cpu::addbmm(self, a, b, beta, alpha); };
  if (const char* why = unsupported_gemm({&self, &a, &b})) return record(rec_addbmm, true, why), aten();
  record(rec_addbmm);
  bool ok;
  at::Tensor r = addbmm_impl(nullptr, self, a, b, beta, alpha, ok);
  return ok ? r : aten();
}

at::Tensor& addbmm_out(const at::Tensor& self, const at::Tensor& a, const at::Tensor& b, const c10::Scalar& beta,
                       const c10::Scalar& alpha, at::Tensor& out) {
  auto aten = [&]() -> at::Tensor& {
    return out.is_cuda() ? at::cuda::addbmm_out(out, self, a, b, beta, alpha) : at::cpu::addbmm_out(out, self, a, b, beta, alpha);
  };
  if (const char* why = unsupported_gemm({&self, &a, &b, &out})) return record(rec_addbmm_out, true, why), aten();
  record(rec_addbmm_out);
  bool ok;
  addbmm_impl(&out, self, a, b, beta, alpha, ok);
  return ok ? out : aten();
}

at::Tensor& addbmm_(at::Tensor& self, const at::Tensor& a, const at::Tensor& b, const c10::Scalar& beta,
                    const c10::Scalar& alpha) {
  auto aten = [&]() -> at::Tensor& {
    return self.is_cuda() ? at::cuda::addbmm_(self, a, b, beta, alpha) : at::cpu::addbmm_(self, a, b, beta, alpha);
  };
  if (const char* why = unsupported_gemm({&self, &a, &b})) return record(rec_addbmm_, true, why), aten();
  if (self.dim() != 2 || a.dim() != 3 || self.size(0) != a.size(1) || b.dim() != 3 || self.size(1) != b.size(2))
    return record(rec_addbmm_, true, "shape"), aten();
  record(rec_addbmm_);
  bool ok;
  addbmm_impl(&self, self, a, b, beta, alpha, ok);
  return ok ? self : aten();
}

// mv / addmv: an N = 1 product; the vector is a [K, 1] operand --------------------

bool gemv_into(at::Tensor& out, const at::Tensor* input, const at::Tensor& m, const at::Tensor& v,
               const c10::Scalar& beta, const c10::Scalar& alpha) {
  if (m.dim() != 2 || v.dim() != 1 || m.size(1) != v.size(0)) return false;
  if (input && !(input->dim() <= 1 && (input->numel() == 1 || (input->dim() == 1 && input->size(0) == m.size(0)))))
    return false;
  const int64_t M = m.size(0), K = m.size(1);
  if (out.defined()) {
    at::native::resize_output(out, {M});
  } else {
    out = new_output(m, {M});
  }
  Gemm g;
  g.M = M, g.N = 1, g.K = K;
  g.alpha = alpha;
  g.beta = beta;
  g.a = operand(m);
  g.b = {&v, 0, v.stride(0), 0};
  g.c = {&out, 0, out.stride(0), 0};
  if (input) g.input = {input, 0, input->dim() == 1 && input->size(0) != 1 ? input->stride(0) : 0, 0};
  if (K == 0 && beta_is_zero(g)) {
    out.zero_();
    return true;
  }
  run_gemm(g);
  return true;
}

at::Tensor mv(const at::Tensor& m, const at::Tensor& v) {
  auto aten = [&] { return at::compositeexplicitautograd::mv(m, v); };
  if (const char* why = unsupported_gemm({&m, &v})) return record(rec_mv, true, why), aten();
  record(rec_mv);
  at::Tensor out;
  if (!gemv_into(out, nullptr, m, v, 0, 1)) return aten();
  return out;
}

at::Tensor& mv_out(const at::Tensor& m, const at::Tensor& v, at::Tensor& out) {
  auto aten = [&]() -> at::Tensor& { return at::compositeexplicitautograd::mv_out(out, m, v); };
  if (const char* why = unsupported_gemm({&m, &v, &out})) return record(rec_mv_out, true, why), aten();
  record(rec_mv_out);
  if (!gemv_into(out, nullptr, m, v, 0, 1)) return aten();
  return out;
}

at::Tensor addmv(const at::Tensor& self, const at::Tensor& m, const at::Tensor& v, const c10::Scalar& beta,
                 const c10::Scalar& alpha) {
  auto aten = [&] { return m.is_cuda() ? at::cuda::addmv(self, m, v, beta, alpha) : at::cpu::addmv(self, m, v, beta, alpha); };
  if (const char* why = unsupported_gemm({&self, &m, &v})) return record(rec_addmv, true, why), aten();
  record(rec_addmv);
  at::Tensor out;
  if (!gemv_into(out, &self, m, v, beta, alpha)) return aten();
  return out;
}

at::Tensor& addmv_out(const at::Tensor& self, const at::Tensor& m, const at::Tensor& v, const c10::Scalar& beta,
                      const c10::Scalar& alpha, at::Tensor& out) {
  auto aten = [&]() -> at::Tensor& {
    return out.is_cuda() ? at::cuda::addmv_out(out, self, m, v, beta, alpha) : at::cpu::addmv_out(out, self, m, v, beta, alpha);
  };
  if (const char* why = unsupported_gemm({&self, &m, &v, &out})) return record(rec_addmv_out, true, why), aten();
  if (out.is_same(m) || out.is_same(v)) return record(rec_addmv_out, true, "out aliases an operand"), aten();
  record(rec_addmv_out);
  if (!gemv_into(out, &self, m, v, beta, alpha)) return aten();
  return out;
}

at::Tensor& addmv_(at::Tensor& self, const at::Tensor& m, const at::Tensor& v, const c10::Scalar& beta,
                   const c10::Scalar& alpha) {
  auto aten = [&]() -> at::Tensor& {
    return self.is_cuda() ? at::cuda::addmv_(self, m, v, beta, alpha) : at::cpu::addmv_(self, m, v, beta, alpha);
  };
  if (const char* why = unsupported_gemm({&self, &m, &v})) return record(rec_addmv_, true, why), aten();
  if (self.dim() != 1 || m.dim() != 2 || self.size(0) != m.size(0)) return record(rec_addmv_, true, "shape"), aten();
  record(rec_addmv_);
  if (!gemv_into(self, &self, m, v, beta, alpha)) return aten();
  return self;
}

// dot / vdot: a 1 x 1 product with K = n --------------------------------

bool dot_into(at::Tensor& out, const at::Tensor& x, const at::Tensor& y) {
  if (x.dim() != 1 || y.dim() != 1 || x.size(0) != y.size(0)) return false;
  if (out.defined()) {
    at::native::resize_output(out, {});
  } else {
    out = new_output(x, {});
  }
  Gemm g;
  g.M = 1, g.N = 1, g.K = x.size(0);
  g.a = {&x, 0, 0, x.stride(0)};
  g.b = {&y, 0, y.stride(0), 0};
  g.c = {&out, 0, 0, 0};
  if (g.K == 0) {
    out.zero_();
    return true;
  }
  run_gemm(g);
  return true;
}

at::Tensor dot(const at::Tensor& x, const at::Tensor& y) {
  auto aten = [&] { return x.is_cuda() ? at::cuda::dot(x, y) : at::cpu::dot(x, y); };
  if (const char* why = unsupported_gemm({&x, &y})) return record(rec_dot, true, why), aten();
  record(rec_dot);
  at::Tensor out;
  if (!dot_into(out, x, y)) return aten();
  return out;
}

at::Tensor& dot_out(const at::Tensor& x, const at::Tensor& y, at::Tensor& out) {
  auto aten = [&]() -> at::Tensor& { return at::compositeexplicitautograd::dot_out(out, x, y); };
  if (const char* why = unsupported_gemm({&x, &y, &out})) return record(rec_dot_out, true, why), aten();
  record(rec_dot_out);
  if (!dot_into(out, x, y)) return aten();
  return out;
}

at::Tensor vdot(const at::Tensor& x, const at::Tensor& y) {  // real inputs: the same as dot
  auto aten = [&] { return x.is_cuda() ? at::cuda::vdot(x, y) : at::cpu::vdot(x, y); };
  if (const char* why = unsupported_gemm({&x, &y})) return record(rec_vdot, true, why), aten();
  record(rec_vdot);
  at::Tensor out;
  if (!dot_into(out, x, y)) return aten();
  return out;
}

at::Tensor& vdot_out(const at::Tensor& x, const at::Tensor& y, at::Tensor& out) {
  auto aten = [&]() -> at::Tensor& { return at::compositeexplicitautograd::vdot_out(out, x, y); };
  if (const char* why = unsupported_gemm({&x, &y, &out})) return record(rec_vdot_out, true, why), aten();
  record(rec_vdot_out);
  if (!dot_into(out, x, y)) return aten();
  return out;
}

// addr: beta * input + alpha * outer(v1, v2), one pointwise launch over broadcast views -----

PointwiseKernels g_addr_kernels GF_POINTWISE_KERNELS("addr_body");

bool addr_into(at::Tensor& out, const at::Tensor& self, const at::Tensor& v1, const at::Tensor& v2,
               const c10::Scalar& beta, const c10::Scalar& alpha) {
  if (v1.dim() != 1 || v2.dim() != 1) return false;
  const at::Tensor col = v1.unsqueeze(1), row = v2.unsqueeze(0);
  at::TensorIterator iter = at::TensorIteratorConfig()
                                .set_check_mem_overlap(true)
                                .add_output(out)
                                .add_const_input(self)
                                .add_const_input(col)
                                .add_const_input(row)
                                .build();
  const bool ignore_input = beta.toComplexDouble() == 0.0;
  const c10::ScalarType compute = compute_type(iter.common_dtype());
  if (!run_pointwise(g_addr_kernels, iter, compute, Scalars(beta, alpha), ignore_input)) return false;
  finish_pointwise(iter, out);
  return true;
}

at::Tensor addr(const at::Tensor& self, const at::Tensor& v1, const at::Tensor& v2, const c10::Scalar& beta,
                const c10::Scalar& alpha) {
  auto aten = [&] { return v1.is_cuda() ? at::cuda::addr(self, v1, v2, beta, alpha) : at::cpu::addr(self, v1, v2, beta, alpha); };
  if (const char* why = unsupported_gemm({&self, &v1, &v2})) return record(rec_addr, true, why), aten();
  if (v1.dim() != 1 || v2.dim() != 1) return record(rec_addr, true, "shape"), aten();
  record(rec_addr);
  at::Tensor out = new_output(v1, {v1.size(0), v2.size(0)});
  if (!addr_into(out, self.expand({v1.size(0), v2.size(0)}), v1, v2, beta, alpha)) return aten();
  return out;
}

at::Tensor& addr_out(const at::Tensor& self, const at::Tensor& v1, const at::Tensor& v2, const c10::Scalar& beta,
                     const c10::Scalar& alpha, at::Tensor& out) {
  auto aten = [&]() -> at::Tensor& {
    return out.is_cuda() ? at::cuda::addr_out(out, self, v1, v2, beta, alpha) : at::cpu::addr_out(out, self, v1, v2, beta, alpha);
  };
  if (const char* why = unsupported_gemm({&self, &v1, &v2, &out})) return record(rec_addr_out, true, why), aten();
  if (v1.dim() != 1 || v2.dim() != 1) return record(rec_addr_out, true, "shape"), aten();
  record(rec_addr_out);
  at::native::resize_output(out, {v1.size(0), v2.size(0)});
  if (!addr_into(out, self.expand({v1.size(0), v2.size(0)}), v1, v2, beta, alpha)) return aten();
  return out;
}

at::Tensor& addr_(at::Tensor& self, const at::Tensor& v1, const at::Tensor& v2, const c10::Scalar& beta,
                  const c10::Scalar& alpha) {
  auto aten = [&]() -> at::Tensor& {
    return at::compositeexplicitautograd::addr_(self, v1, v2, beta, alpha);
  };
  if (const char* why = unsupported_gemm({&self, &v1, &v2})) return record(rec_addr_, true, why), aten();
  if (v1.dim() != 1 || v2.dim() != 1 || self.dim() != 2 || self.size(0) != v1.size(0) || self.size(1) != v2.size(0))
    return record(rec_addr_, true, "shape"), aten();
  record(rec_addr_);
  if (!addr_into(self, self, v1, v2, beta, alpha)) return aten();
  return self;
}

}  // namespace blas

// ---------------------------------------------------------------- C++ API

at::Tensor mm(const at::Tensor& a, const at::Tensor& b) { return blas::mm(a, b); }
at::Tensor bmm(const at::Tensor& a, const at::Tensor& b) { return blas::bmm(a, b); }
at::Tensor addmm(const at::Tensor& input, const at::Tensor& a, const at::Tensor& b, const c10::Scalar& beta,
                 const c10::Scalar& alpha) {
  return blas::addmm(input, a, b, beta, alpha);
}
at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const std::optional<at::Tensor>& bias) {
  // rows of x (all leading dims flattened, a view) times weight^T; reshape back
  const at::Tensor x2 = x.reshape({-1, x.size(-1)});
  at::Tensor y = bias.has_value() ? blas::addmm(*bias, x2, weight.t(), 1, 1) : blas::mm(x2, weight.t());
  std::vector<int64_t> sizes(x.sizes().begin(), x.sizes().end());
  sizes.back() = weight.size(0);
  return y.view(sizes);
}

}  // namespace gemforge::ops

namespace gemforge {

void add_blas_ops(std::vector<OpEntry>& t) {
  using namespace ops::blas;
  t.push_back(entry<&mm>(rec_mm));
  t.push_back(entry<&mm_out>(rec_mm_out));
  t.push_back(entry<&bmm>(rec_bmm));
  t.push_back(entry<&bmm_out>(rec_bmm_out));
  t.push_back(entry<&addmm>(rec_addmm));
  t.push_back(entry<&addmm_>(rec_addmm_));
  t.push_back(entry<&addmm_out>(rec_addmm_out));
  t.push_back(entry<&baddbmm>(rec_baddbmm));
  t.push_back(entry<&baddbmm_>(rec_baddbmm_));
  t.push_back(entry<&baddbmm_out>(rec_baddbmm_out));
  t.push_back(entry<&addbmm>(rec_addbmm));
  t.push_back(entry<&addbmm_>(rec_addbmm_));
  t.push_back(entry<&addbmm_out>(rec_addbmm_out));
  t.push_back(entry<&mv>(rec_mv));
  t.push_back(entry<&mv_out>(rec_mv_out));
  t.push_back(entry<&addmv>(rec_addmv));
  t.push_back(entry<&addmv_>(rec_addmv_));
  t.push_back(entry<&addmv_out>(rec_addmv_out));
  t.push_back(entry<&dot>(rec_dot));
  t.push_back(entry<&dot_out>(rec_dot_out));
  t.push_back(entry<&vdot>(rec_vdot));
  t.push_back(entry<&vdot_out>(rec_vdot_out));
  t.push_back(entry<&addr>(rec_addr));
  t.push_back(entry<&addr_>(rec_addr_));
  t.push_back(entry<&addr_out>(rec_addr_out));
}

}  // namespace gemforge
