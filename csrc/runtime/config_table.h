// Launch configurations per GPU architecture, chosen by shape buckets (never exact sizes),
// so serving with changing token counts reuses a handful of compiled variants.
#pragma once

#include <cstdint>

namespace gemforge::rt {

enum class Family : uint8_t {
  Pointwise1D,  // size0 = numel, size1 = pointwise_widths(narrowest, widest operand element bytes)
  PointwiseND,  // size0 = extent of the fastest dim, size1 = extent of the next
  PointwiseTransposed,  // as PointwiseND, where some operand is contiguous along dim 1
  ReduceInner,  // reduced dim is the fastest: size0 = reduction length, size1 = outputs
  ReduceOuter,  // a kept dim is the fastest: size0 = outputs, size1 = reduction length
  ReduceOuterState,  // as ReduceOuter, for modes with more state a lane (Welford, arg-extremes)
  Softmax,      // size0 = row length, size1 = rows
  CrossEntropyForward,  // the fused cross entropy's forward (reads only): size0 = vocabulary, size1 = rows
};

struct TileConfig {
  int block0;  // Pointwise1D: BLOCK; ND: BLOCK0; ReduceInner: BLOCK_R; ReduceOuter(State): BLOCK_K; Softmax: BLOCK_D (0 = next power of two of size0); CrossEntropyForward: BLOCK_V (0: likewise)
  int block1;  // ND: BLOCK1; ReduceInner: BLOCK_K; ReduceOuter(State): BLOCK_R; Softmax: BLOCK_K; CrossEntropyForward: BLOCK_T
  int num_warps;
  int num_stages;
};

struct ConfigRow {
  Family family;
  int arch;          // 0: any architecture (fallback rows)
  int64_t max0;      // bucket: size0 <= max0
  int64_t max1;      // and size1 <= max1
  TileConfig config;
};

// Pointwise1D's size1: 16 * narrowest + widest (element bytes of the tensor operands, output
// included). A row bound max1 = pointwise_widths(n, w) holds the operands whose narrowest element
// is under n bytes, or n bytes with nothing wider than w.
constexpr int64_t pointwise_widths(int64_t narrowest, int64_t widest) { return 16 * narrowest + widest; }

// First row of the family whose bucket holds the sizes, preferring rows of `arch`.
const TileConfig& lookup_config(Family family, int arch, int64_t size0, int64_t size1);

// The table itself (for tests and for printing).
const ConfigRow* config_rows(int* count);

// Matrix products (kernels/matmul.py): tiles chosen by (M, N, K) buckets, per kernel kind.
struct GemmConfig {
  int16_t bm, bn, bk;
  int16_t group_m;
  int16_t num_warps, num_stages;
  // sm_90: the product runs kernels/matmul_ws.py's pp_matmul_kernel (Gluon: a loader warp and two
  // consumer warpgroups, its own fixed tiles: csrc/ops/blas.cpp run_pingpong) where it fits, and
  // matmul_tma with this row's tiles elsewhere
  bool warp_specialize;
  bool split_store;      // matmul_tma only: store the tile in two halves
  // matmul_tma only: persistent programs an SM (2+: one program's epilogue overlaps another's
  // loads, for write-bound products; its tiles must leave shared memory for that many)
  int16_t ctas_per_sm = 1;
};

struct GemmRow {
  int arch;        // 0: any architecture
  bool tma;        // for matmul_tma (else matmul_strided)
  int elem_bytes;  // operand element size; 0: any
  int64_t max_m, max_n, max_k;
  GemmConfig config;
};

const GemmConfig& lookup_gemm(int arch, bool tma, int elem_bytes, int64_t m, int64_t n, int64_t k);
const GemmRow* gemm_rows(int* count);

// The decode kernel (kernels/gemv.py gemv_small): T <= 16 tokens against R rows of a K-contiguous
// operand (nn.Linear's weight: R = N, T = M). Each program owns block_r rows over the whole K.
struct GemvConfig {
  int16_t block_r;    // rows of the streamed operand per program (16: one mma tile; 64: wgmma)
  int16_t block_k;    // K step: one [block_r, block_k] tile per step
  int16_t num_warps, num_stages;  // num_stages: the cp.async pipeline (tl.dot without evict_first)
  bool fma_single;    // T == 1: CUDA-core FMA path instead of tl.dot (padded to 16 tokens)
  bool evict_first;   // stream the weight with L2 evict_first loads (register double buffering:
                      // Triton's cp.async pipeline drops the hint; launched with 1 stage)
};

struct GemvRow {
  int arch;        // 0: any architecture
  int elem_bytes;  // operand element size; 0: any
  int64_t max_t, max_r, max_k;
  GemvConfig config;
};

const GemvConfig& lookup_gemv(int arch, int elem_bytes, int64_t t, int64_t r, int64_t k);
const GemvRow* gemv_rows(int* count);

}  // namespace gemforge::rt
