#include "runtime/config_table.h"

#include <c10/util/Exception.h>

namespace gemforge::rt {
namespace {

constexpr int64_t kAny = INT64_MAX;

// Rows are scanned in order: put narrow buckets before wide ones. Arch 90 rows were tuned on
// H100/H200 (see bench/results); arch 0 rows are the portable defaults.
const ConfigRow kRows[] = {
    // family, arch, max0, max1, {block0, block1, warps, stages}
    // sm_90 rows: from bench/tune.py on an H200 (2026-11-26).
    // Elements per thread follow the widest operand. 1-byte operands (bool, int8) with nothing
    // wider than 2 bytes: 16 per thread, so that the 1-byte accesses are 16 bytes wide
    // (logical_and bool 86% -> 89% of copy bandwidth, isnan bf16 88% -> 90%). With 4-byte
    // operands (fp32 -> bool) that made 4 loads per input per thread and cost 1.6% (eq fp32
    // 145.8 -> 148.2 us, bench/results/2026-11-26-h200-session3*): those keep 8 per thread.
    {Family::Pointwise1D, 90, kAny, pointwise_widths(1, 2), {2048, 0, 4, 1}},
    {Family::Pointwise1D, 90, kAny, kAny, {1024, 0, 4, 1}},
    // Rows up to 4096 in one tile: 4 warps. H200, bench/reduce_inner_experiment.py (session 9),
    // 32768x4096 dim -1 bf16, 8 -> 4 warps: amax 74.7 -> 63.7 us, var 70.4 -> 63.5, sum 62.8 ->
    // 63.0. argmax / argmin too since their tile takes a NaN-propagating max and then the first
    // index holding it (session 23, bench/argmax_rows_experiment.py: 4 warps 72.9 us, 8 80.1; the
    // integer keys before wanted 8: 103.0 against 111.7).
    {Family::ReduceInner, 90, 4096, kAny, {4096, 1, 4, 1}},
    {Family::ReduceInner, 90, kAny, kAny, {4096, 1, 16, 1}},
    // Columns (a kept dim contiguous), with reduce.cpp's outer split rule and prefetch: narrow
    // column blocks of few warps, many programs. `bench/colred_experiment.py sweep` (H200, session
    // 9; bench/results/2026-11-27-h200-session9-colred-sweep*.txt): BLOCK_K 32 beat 64 and 128 in
    // every mode at 4096x4096; 1048576x32 wants long steps (256 rows). The modes with two values a
    // lane (var: Welford's mean and M2; argmax: the extreme and its step) take fewer rows a step.
    {Family::ReduceOuter, 90, 64, kAny, {64, 256, 4, 1}},
    // Session 24: the one-value modes at 4096x4096 take 16-row steps of 4 warps (with reduce.cpp's
    // split rule for them: 8 programs an SM, 4 steps a split).
    {Family::ReduceOuter, 90, kAny, kAny, {32, 16, 4, 1}},
    {Family::ReduceOuterState, 90, 64, kAny, {64, 256, 4, 1}},
    {Family::ReduceOuterState, 90, kAny, kAny, {32, 16, 2, 1}},
    {Family::Softmax, 90, 128, kAny, {0, 16, 4, 1}},
    {Family::Softmax, 90, 1024, kAny, {0, 4, 8, 1}},
    {Family::Softmax, 90, 4096, kAny, {0, 1, 8, 1}},
    {Family::Softmax, 90, 16384, kAny, {0, 1, 32, 1}},
    // Rows of 16K-32K elements: one pass with the row in registers (32 warps) from 512 rows on;
    // fewer rows keep the chunked loop, which op_utils.h splits across programs. H200,
    // bench/softmax_experiment.py (session 8), 4096x32000 bf16 against the chunked loop: softmax
    // 207.6 -> 170.7 us, log_softmax 197.4 -> 162.3, softmax backward 305.6 -> 204.7, log_softmax
    // backward 243.2 -> 188.6 (16 warps: within 2% except log_softmax, 204.4).
    {Family::Softmax, 90, 32768, 511, {4096, 1, 16, 1}},
    {Family::Softmax, 90, 32768, kAny, {0, 1, 32, 1}},
    // The fused cross entropy's forward reads its rows once and writes a value a row: chunks of
    // a row with an online log-sum-exp, a row a program of 4 warps, many programs an SM (the
    // softmax rows above hold a whole row in one program an SM: loads and the row's reductions
    // do not overlap). H100, bench/cross_entropy_probe.py (session 21), bf16, against the softmax
    // rows: 4096 x 32000 141.5 -> 93.2 us (92.7% of copy bandwidth), 16384 x 32000 544.7 ->
    // 340.1, 1024 x 128256 (4096-wide chunks) 122.1 -> 95.6. Rows up to 4096 as softmax's.
    {Family::CrossEntropyForward, 90, 128, kAny, {0, 16, 4, 1}},
    {Family::CrossEntropyForward, 90, 1024, kAny, {0, 4, 8, 1}},
    {Family::CrossEntropyForward, 90, 4096, kAny, {0, 1, 8, 1}},
    // Session 25 (H200, bench/cross_entropy_probe.py after the forward's exp2 and unmasked whole
    // chunks): 4096 x 32000 on 1-warp programs of 1024-wide chunks 69.1 us vs 75.1 for {8192, 4
    // warps}; from 2048 rows on, where such programs still fill the SMs (measured at 4096 only).
    {Family::CrossEntropyForward, 90, 32768, 2047, {8192, 1, 4, 1}},
    {Family::CrossEntropyForward, 90, 32768, kAny, {1024, 1, 1, 1}},
    {Family::CrossEntropyForward, 90, kAny, kAny, {4096, 1, 4, 1}},

    // Portable defaults (any architecture, and the CPU interpreter backend).
    {Family::Pointwise1D, 0, 1 << 16, kAny, {1024, 0, 4, 1}},
    {Family::Pointwise1D, 0, kAny, kAny, {4096, 0, 8, 1}},

    {Family::PointwiseND, 0, 8, kAny, {8, 128, 4, 1}},
    {Family::PointwiseND, 0, 64, kAny, {64, 32, 4, 1}},
    {Family::PointwiseND, 0, kAny, 16, {1024, 2, 4, 1}},
    {Family::PointwiseND, 0, kAny, kAny, {512, 8, 8, 1}},

    {Family::PointwiseTransposed, 0, kAny, kAny, {64, 64, 8, 1}},

    {Family::ReduceInner, 0, 64, kAny, {64, 32, 4, 1}},
    {Family::ReduceInner, 0, 512, kAny, {512, 4, 4, 1}},
    {Family::ReduceInner, 0, 4096, kAny, {2048, 1, 8, 1}},
    {Family::ReduceInner, 0, kAny, kAny, {4096, 1, 8, 1}},

    {Family::ReduceOuter, 0, 64, kAny, {64, 32, 4, 1}},
    {Family::ReduceOuter, 0, kAny, kAny, {256, 16, 8, 1}},
    {Family::ReduceOuterState, 0, 64, kAny, {64, 32, 4, 1}},
    {Family::ReduceOuterState, 0, kAny, kAny, {256, 16, 8, 1}},

    // Softmax: block0 = 0 means one pass with BLOCK_D = next power of two of the row.
    {Family::Softmax, 0, 128, kAny, {0, 16, 4, 1}},
    {Family::Softmax, 0, 1024, kAny, {0, 4, 4, 1}},
    {Family::Softmax, 0, 4096, kAny, {0, 1, 8, 1}},
    {Family::Softmax, 0, 16384, kAny, {0, 1, 16, 1}},
    {Family::Softmax, 0, kAny, kAny, {4096, 1, 16, 1}},
    // (as softmax's: the interpreter wants few, wide blocks)
    {Family::CrossEntropyForward, 0, 128, kAny, {0, 16, 4, 1}},
    {Family::CrossEntropyForward, 0, 1024, kAny, {0, 4, 4, 1}},
    {Family::CrossEntropyForward, 0, 4096, kAny, {0, 1, 8, 1}},
    {Family::CrossEntropyForward, 0, 16384, kAny, {0, 1, 16, 1}},
    {Family::CrossEntropyForward, 0, kAny, kAny, {4096, 1, 16, 1}},
};

}  // namespace

const TileConfig& lookup_config(Family family, int arch, int64_t size0, int64_t size1) {
  for (int pass = 0; pass < 2; ++pass) {
    const int want = pass == 0 ? arch : 0;
    if (pass == 0 && arch == 0) continue;
    for (const ConfigRow& row : kRows) {
      if (row.family == family && row.arch == want && size0 <= row.max0 && size1 <= row.max1) return row.config;
    }
  }
  TORCH_CHECK(false, "gemforge: no launch configuration for family ", static_cast<int>(family));
}

const ConfigRow* config_rows(int* count) {
  *count = static_cast<int>(sizeof(kRows) / sizeof(kRows[0]));
  return kRows;
}

namespace {

// Rows are scanned in order (narrow buckets first). sm_90 rows: bench/matmul_experiment.py and
// bench/tune_matmul.py on an H200 (2026-11-26).
const GemmRow kGemmRows[] = {
    // arch, tma, elem_bytes, max_m, max_n, max_k, {bm, bn, bk, group_m, warps, stages, ws, split[, ctas_per_sm]}
    {90, true, 4, kAny, kAny, kAny, {128, 128, 32, 8, 8, 3, false, false}},  // tf32
    // 16-bit operands (bench/tune_matmul.py, H200). Small M is memory-bound: narrow tiles give
    // more programs; N <= 128 (attention's P @ V) wants square tiles with a long K step.
    {90, true, 2, 64, 4096, kAny, {64, 64, 128, 8, 4, 4, false, false}},
    // N <= 8192: 64x64 tiles, one wave of >= 66 tiles without split-K (session 18, H200, M = 64:
    // 64 x 8192 x 8192 38.0 us vs 48.1 through the row below and a split K; cuBLAS 37.2)
    {90, true, 2, 64, 8192, kAny, {64, 64, 128, 8, 4, 6, false, false}},
    {90, true, 2, 64, kAny, kAny, {64, 128, 64, 8, 4, 5, false, false}},
    // tiny per-batch attention products (bmm 256 x [128, 64] x [64, 128]; 256 x [128, 128] x
    // [128, 64]): every tile at once. QK^T: 128x64 tiles, 2 programs an SM (session 23, H200,
    // bench/tune_matmul.py: 8.6 us vs 9.1 in 128x128 tiles at 8 warps, the row of session 12).
    // P @ V, whose M <= 128 took the 64x64 row below: 128x64 tiles with the whole K in one step
    // (8.7 us vs 9.3; cuBLAS 8.9).
    {90, true, 2, 256, 128, 64, {128, 64, 64, 8, 4, 4, false, false, 2}},
    {90, true, 2, 128, 64, 128, {128, 64, 128, 8, 4, 3, false, false}},
    // M up to 128 (H200, 2026-11-26, M = 128): tiles that give ~one wave without split-K (the
    // host splits K when the tiles fill less than half the GPU) and deep pipelines on the weight
    {90, true, 2, 128, 4096, kAny, {64, 64, 128, 8, 4, 6, false, false}},
    {90, true, 2, 128, 8192, kAny, {128, 64, 128, 8, 4, 4, false, false}},
    {90, true, 2, 128, 16384, kAny, {128, 128, 64, 8, 8, 5, false, false}},
    // M 129..256: the same rule with twice the rows (session 18, H200, bench/tune_matmul.py at
    // M = 256, direct launches: 256 x 4096 x 14336 56.6 us vs 61.2 through the M = 128 row,
    // cuBLAS 48.1; 256 x 8192 x 8192 51.6, cuBLAS 47.9; 256 x 14336 x 4096 46.7, cuBLAS 48.8)
    {90, true, 2, 256, 4096, kAny, {128, 64, 128, 8, 4, 4, false, false}},
    {90, true, 2, 256, 8192, kAny, {128, 128, 64, 8, 8, 5, false, false}},
    {90, true, 2, 256, kAny, kAny, {128, 256, 64, 8, 8, 4, false, true}},
    // attention's P @ V with 64-wide V (bmm 128 x [512, 512] x [512, 64]): memory-bound on P,
    // N-wide tiles (23.9 us vs 28.4 for the row below; cuBLAS 24.3; bench/tune_matmul.py, session 11)
    {90, true, 2, kAny, 64, kAny, {128, 64, 64, 8, 4, 5, false, false}},
    {90, true, 2, kAny, 128, kAny, {128, 128, 128, 8, 8, 3, false, false}},
    // M 257..768: 128x128 tiles, twice as many as 128x256 gives: a fuller last wave, which the
    // host's tail split then shortens (session 19, H200, direct launches with the tail split,
    // bench/tune_matmul.py's configurations; 5 stages beat 4 at every shape): 600 x 4096 x 14336
    // 114.0 us vs 138.3 in 128x256 tiles (cuBLAS 95.9), 600 x 8192 x 8192 129.9 vs 134.6 (109.3),
    // 300 x 4096 x 14336 75.7 vs 82.3 with 4 stages (62.4). From M = 800 128x256 wins again:
    // 800 x 8192 x 8192 169.6 vs 176.8, 1024 x 4096 x 14336 153.5 vs 171.6.
    {90, true, 2, 768, kAny, kAny, {128, 128, 64, 8, 8, 5, false, false}},
    // attention's Q @ K^T with short heads and up to 1024 keys (bmm 64 x [1024, 128] x [128, 1024]):
    // 53.3 us vs 54.0 for the 128x256 row below (cuBLAS 51.3; bench/tune_matmul.py, session 12).
    // ws: the ping-pong Gluon kernel where it fits (bench/gluon_matmul_experiment.py, session 24,
    // H200: 49.3 us against cuBLAS's 50.1 and this row's 54.0).
    {90, true, 2, kAny, 1024, 128, {128, 128, 64, 8, 8, 5, true, false}},
    // attention's Q @ K^T with heads of up to 128 (bmm 32 x [4096, 128] x [128, 4096]): one or two
    // K steps a tile, the output write dominates: the whole 128x256 tile staged for one TMA store
    // (3 stages leave room for it) beats the row below's two halves through one staging buffer
    // (session 24, H200, bench/tune_matmul.py: 349.7 us vs 377.1; cuBLAS 339.2). ws: the ping-pong
    // kernel where it fits (session 24: 349.3 us against cuBLAS's 345.3 in the same run; this
    // row measures 356-379 through the op in the benchmark runs since).
    {90, true, 2, kAny, kAny, 128, {128, 256, 64, 8, 8, 3, true, false}},
    // (Triton 3.6 compiles matmul_tma's own warp_specialize on sm_90 to the same PTX as without,
    // in every variant these rows launch (session 23): matmul_tma always gets WS false.)
    {90, true, 2, kAny, kAny, kAny, {128, 256, 64, 8, 8, 4, false, true}},
    // portable rows (also the interpreter: arch 0)
    {0, true, 0, kAny, kAny, kAny, {64, 64, 32, 8, 4, 3, false, false}},
    {0, false, 0, kAny, kAny, kAny, {64, 64, 32, 8, 4, 3, false, false}},
};

}  // namespace

const GemmConfig& lookup_gemm(int arch, bool tma, int elem_bytes, int64_t m, int64_t n, int64_t k) {
  for (int pass = 0; pass < 2; ++pass) {
    const int want = pass == 0 ? arch : 0;
    for (const GemmRow& r : kGemmRows) {
      if (r.arch == want && r.tma == tma && (r.elem_bytes == 0 || r.elem_bytes == elem_bytes) && m <= r.max_m &&
          n <= r.max_n && k <= r.max_k)
        return r.config;
    }
  }
  TORCH_CHECK(false, "gemforge: no matmul configuration");
}

const GemmRow* gemm_rows(int* count) {
  *count = static_cast<int>(sizeof(kGemmRows) / sizeof(kGemmRows[0]));
  return kGemmRows;
}

namespace {

// The decode kernel (kernels/gemv.py), keyed by (tokens T, rows R, K).
// Sizing (H100/H200: 132 SMs, 64K registers and ~228 KB shared memory per SM): the weight read
// needs ~4.3 TB/s x ~0.7 us ~ 3 MB in flight, ~23 KB per SM, and R / block_r programs should
// fit in about one wave of resident programs.
// evict_first (register double buffering): weights loaded with L2 evict_first displace each
// other instead of what L2 holds (in serving: KV cache and activations). Triton keeps the hint
// only on plain loads, so these rows stream through registers: two tiles in flight per program.
const GemvRow kGemvRows[] = {
    // arch, elem_bytes, max_t, max_r, max_k, {block_r, block_k, warps, stages, fma_single, evict_first}
    // 16-bit rows, T = 1 and 16: `bench/tune_matmul.py --gemv --quick` on an H200 (2026-11-26,
    // bf16, L2 flushed clean before each call; bench/results/2026-11-26-h200-session8-gemv.txt).
    // 4096 x 4096 on CUDA-core FMAs with evict-first register loads; wider weights: tl.dot with
    // the weight pipelined through shared memory (stages 4-5). T = 4 and R > 16384: the session-4
    // rows (tuned under do_bench's written flush).
    // Session 25 (H200, bf16, full candidate sets, bench/results/2026-11-28-session25.txt): 1 x 4096
    // x 4096 on 8-row FMA tiles 13.1 us vs 14.3 (16 rows); R <= 16384 (1 and 16 x 14336 x 4096) on
    // 64-row wgmma tiles 31.6 / 31.8 us vs 33.2 / 33.7 ({32, 128, 2 warps, 4 stages}).
    {90, 2, 1, 4096, 4096, {8, 512, 4, 1, true, true}},
    {90, 2, 1, 4096, kAny, {16, 256, 1, 5, false, false}},
    {90, 2, 1, 8192, kAny, {32, 128, 2, 5, false, false}},
    {90, 2, 1, 16384, kAny, {64, 64, 4, 5, false, false}},
    {90, 2, 1, kAny, kAny, {16, 256, 1, 5, false, false}},
    {90, 2, 4, 4096, kAny, {32, 256, 2, 5, false, false}},
    {90, 2, 4, 8192, kAny, {32, 128, 2, 5, false, false}},
    {90, 2, 4, 16384, kAny, {32, 128, 4, 1, false, true}},
    {90, 2, 4, kAny, kAny, {32, 128, 2, 5, false, false}},
    {90, 2, 16, 4096, kAny, {16, 256, 1, 5, false, false}},
    // T = 16, R > 8192 and R > 16384: block_k 128 (session 19, H200, bf16, `--gemv --quick` after
    // the two-level accumulation: {32, 256, 2 warps, 4 stages} spills 192 bytes; 16 x 8192 x 8192
    // 35.5 us vs 36.7 through it, 16 x 28672 x 8192 114.3 vs 124.5; cuBLAS 35.8 and 110.6)
    {90, 2, 16, 8192, kAny, {32, 128, 4, 5, false, false}},
    {90, 2, 16, 16384, kAny, {64, 64, 4, 5, false, false}},
    {90, 2, 16, kAny, kAny, {32, 128, 2, 5, false, false}},
    // fp32: T == 1 on CUDA cores (IEEE fp32's dot is FMA-based, 16x the work for one token);
    // 2 warps keep TF32's 16-row mma tiles unreplicated.
    {90, 4, 16, kAny, kAny, {16, 128, 2, 3, true, true}},
    // portable rows (any architecture with mma.sync and cp.async, and the interpreter: arch 0).
    // 16-bit with evict_first (register double buffering), 32-bit without (the cp.async loop
    // for T > 1): the interpreter's tests cover both loops.
    {0, 2, 16, kAny, kAny, {16, 128, 2, 3, true, true}},
    {0, 0, 16, kAny, kAny, {16, 128, 2, 3, true, false}},
};

}  // namespace

const GemvConfig& lookup_gemv(int arch, int elem_bytes, int64_t t, int64_t r, int64_t k) {
  for (int pass = 0; pass < 2; ++pass) {
    const int want = pass == 0 ? arch : 0;
    if (pass == 0 && arch == 0) continue;
    for (const GemvRow& row : kGemvRows) {
      if (row.arch == want && (row.elem_bytes == 0 || row.elem_bytes == elem_bytes) && t <= row.max_t &&
          r <= row.max_r && k <= row.max_k)
        return row.config;
    }
  }
  TORCH_CHECK(false, "gemforge: no decode (gemv) configuration");
}

const GemvRow* gemv_rows(int* count) {
  *count = static_cast<int>(sizeof(kGemvRows) / sizeof(kGemvRows[0]));
  return kGemvRows;
}

}  // namespace gemforge::rt
