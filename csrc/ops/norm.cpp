// Normalization, forward and backward: layer_norm, rms_norm, group_norm, batch_norm, weight_norm
// (issue 4).
// Kernels: python/gemforge/kernels/norm.py. layer/rms_norm see their input as M contiguous rows
// of N elements normalized per row; group_norm as (batch, group) slices of [C / G, HW];
// batch_norm reduces per channel over (batch, spatial) (see the kernel module's docstrings).
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/op_utils.h"
#include "registration/registry.h"
#include "runtime/kernel.h"

#include <ATen/native/Resize.h>
#include <ATen/native/layer_norm.h>
#include <ATen/ops/_fused_rms_norm_backward_cuda_dispatch.h>
#include <ATen/ops/_native_batch_norm_legit_cpu_dispatch.h>
#include <ATen/ops/_native_batch_norm_legit_cuda_dispatch.h>
#include <ATen/ops/_native_batch_norm_legit_no_training_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/_weight_norm_interface_backward_cpu_dispatch.h>
#include <ATen/ops/_weight_norm_interface_backward_cuda_dispatch.h>
#include <ATen/ops/_weight_norm_interface_cpu_dispatch.h>
#include <ATen/ops/_weight_norm_interface_cuda_dispatch.h>
#include <ATen/ops/cudnn_batch_norm_backward_cuda_dispatch.h>
#include <ATen/ops/cudnn_batch_norm_cuda_dispatch.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/native_batch_norm_backward_cpu_dispatch.h>
#include <ATen/ops/native_batch_norm_backward_cuda_dispatch.h>
#include <ATen/ops/native_batch_norm_cpu_dispatch.h>
#include <ATen/ops/native_batch_norm_cuda_dispatch.h>
#include <ATen/ops/_fused_rms_norm_compositeimplicitautograd_dispatch.h>
#include <ATen/ops/_fused_rms_norm_cuda_dispatch.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/native_group_norm_backward_cpu_dispatch.h>
#include <ATen/ops/native_group_norm_backward_cuda_dispatch.h>
#include <ATen/ops/native_group_norm_cpu_dispatch.h>
#include <ATen/ops/native_group_norm_cuda_dispatch.h>
#include <ATen/ops/native_layer_norm_backward_cpu_dispatch.h>
#include <ATen/ops/native_layer_norm_backward_cuda_dispatch.h>
#include <ATen/ops/native_layer_norm_cpu_dispatch.h>
#include <ATen/ops/native_layer_norm_cuda_dispatch.h>
#include <ATen/ops/zeros.h>

#include <algorithm>
#include <limits>
#include <tuple>

namespace gemforge::ops {
namespace {

rt::KernelHandle norm_fwd_kernel{"gemforge.kernels.norm", "norm_fwd_kernel"};
rt::KernelHandle norm_bwd_kernel{"gemforge.kernels.norm", "norm_bwd_kernel"};
rt::KernelHandle norm_param_grad_kernel{"gemforge.kernels.norm", "norm_param_grad_kernel"};
rt::KernelHandle group_norm_fwd_kernel{"gemforge.kernels.norm", "group_norm_fwd_kernel"};
rt::KernelHandle group_norm_bwd_kernel{"gemforge.kernels.norm", "group_norm_bwd_kernel"};
rt::KernelHandle batch_norm_fwd_kernel{"gemforge.kernels.norm", "batch_norm_fwd_kernel"};
rt::KernelHandle batch_norm_bwd_kernel{"gemforge.kernels.norm", "batch_norm_bwd_kernel"};

using Tensor3 = std::tuple<at::Tensor, at::Tensor, at::Tensor>;
using Tensor3Ref = std::tuple<at::Tensor&, at::Tensor&, at::Tensor&>;

const at::Tensor& opt(const std::optional<at::Tensor>& t) {
  static const at::Tensor undefined;
  return t.has_value() ? *t : undefined;
}


// Why (input, weight, bias) go to ATen: dtypes or layouts beyond the kernels, or weight/bias of
// another dtype than the input (mixed precision), which the kernels do not take.
const char* why_unsupported(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  if (const char* why = unsupported(kFloats, {&x, &w, &b})) return why;
  if ((w.defined() && w.scalar_type() != x.scalar_type()) || (b.defined() && b.scalar_type() != x.scalar_type()))
    return "mixed dtypes";
  if ((w.defined() && w.device() != x.device()) || (b.defined() && b.device() != x.device())) return "device";
  return nullptr;
}

// ---------------------------------------------------------------- launch configs

// Row kernels (forward and input gradient), keyed by row width N: rows up to `max_single`
// elements are held in registers, wider ones are looped over in chunks. Under the interpreter
// (arch 0) the limits are small so that tests reach the chunked path with small shapes.
struct RowConfig {
  int64_t block_m, block_n;
  bool single;
  int num_warps;
};

RowConfig row_config(int64_t M, int64_t N, int64_t elem_size, int arch) {
  const int64_t max_single = arch == 0 ? 1024 : (elem_size <= 2 ? 16384 : 8192);
  const int64_t chunk = arch == 0 ? 512 : 4096;
  const int64_t tile = arch == 0 ? 4096 : 2048;  // elements per program for narrow rows
  RowConfig c;
  c.single = N <= max_single;
  c.block_n = c.single ? next_pow2(N) : chunk;
  c.block_m = std::min(next_pow2(M), std::max<int64_t>(1, tile / c.block_n));
  c.num_warps = static_cast<int>(std::clamp<int64_t>(c.block_m * c.block_n / 512, 1, 16));
  return c;
}

bool needs_int64(int64_t M, int64_t N) { return M * N > INT32_MAX - 65536; }

// ---------------------------------------------------------------- launches

// Row statistics and normalized output. y, x: [M, N] contiguous; mean (absent for rms), rstd: [M].
void launch_fwd(const at::Tensor& y, const at::Tensor& mean, const at::Tensor& rstd, const at::Tensor& x,
                const at::Tensor& w, const at::Tensor& b, int64_t M, int64_t N, double eps, bool rms) {
  if (M == 0) return;
  if (N == 0) {  // empty rows: mean 0, rstd 1/sqrt(0/0 + eps) = NaN (as ATen)
    if (mean.defined()) mean.zero_();
    rstd.fill_(std::numeric_limits<double>::quiet_NaN());
    return;
  }
  const RowConfig c = row_config(M, N, x.element_size(), arch_of(x.device()));
  rt::KernelArgs args;
  args.tensor(y);
  if (mean.defined()) args.tensor(mean); else args.none();
  args.tensor(rstd).tensor(x);
  if (w.defined()) args.tensor(w); else args.none();
  if (b.defined()) args.tensor(b); else args.none();
  args.integer(M).integer(N);
  if (is_f64(x)) args.f64(eps); else args.f32(eps);
  args.constant(rms).constant(w.defined()).constant(b.defined()).constant(is_f64(x));
  args.constant(c.block_m).constant(c.block_n).constant(c.single).constant(needs_int64(M, N));
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(M, c.block_m);
  cfg.num_warps = c.num_warps;
  rt::launch(norm_fwd_kernel, cfg, args, x.device());
}

// Backward of the row kernels: programs of the main pass. With weight / bias gradients (rows
// held in registers) each program loops over a run of rows, summing its columns'
// partial weight / bias gradients in registers, and loads each row block a step ahead
// (BwdConfig::prefetch); a few programs per SM keep the [programs, N] fp32 workspace (and its
// column reduction) small next to the main pass. Those programs: 16 elements a thread and 2 an
// SM, 1 from row blocks of 8192 elements. H200, bf16, bench/norm_experiment.py bwd (session 9), %
// of copy bandwidth, layer_norm / rms_norm backward: 4096x4096 60 / 67 -> 64 / 74, 32768x4096 87
// / 90 -> 88 / 93, 16384x8192 84 / 88 -> 88 / 91 (without the prefetch: 30-80). Session 26 (the
// rows' statistics prefetched too, layer_norm's two row sums in one reduction): at 16 warps a
// layer_norm program took 80 registers, so only one of two fit an SM; at 8 warps (16 elements a
// thread) layer_norm 4096x4096 46.6 -> 36.3 us, 32768x4096 268 -> 212 (graphed direct launches),
// rms_norm 31.5 -> 32.4 / 203.5 -> 206.5. Two and three blocks ahead were slower (registers).
constexpr int64_t kBwdProgramsPerSm = 2;
constexpr int64_t kBwdOneProgramFrom = 8192;  // elements of a row block
constexpr int64_t kBwdElementsPerThread = 16;
// The fused pass writes and reads back 2 [programs, N] fp32 workspaces (16 bytes a column and
// program) to save the column sums' second read of dy and x (2 x element size bytes a column and
// row): it pays off from M x element size >= 8 x programs. Fewer rows (decode shapes) take the
// input-gradient pass and one column-sum launch, without a workspace.
constexpr int64_t kFusedMinBytesPerProgram = 8;
// Column sums of [rows, N] fp32 partial sums (sum_partials): columns a program, and rows a step.
// The partials were just written, so they sit in L2 and the launch is latency-bound: a program
// takes all its rows' loads in one step. H200, layer_norm backward 4096x4096 bf16 (256 partial
// rows), before at 32 columns x 32 rows a step in 128 programs of 4 warps: Nsight Compute timed
// that launch at 10.0 us at 6% achieved occupancy (its L2 flushed, so an upper bound); the op,
// A/B in one call: 36.9 -> 35.6 us (rms_norm 33.1 -> 33.9, its one partial noise-level;
// bench/results/2026-11-28-session29.txt).
constexpr int64_t kPartialBlockN = 16;
constexpr int64_t kPartialRowsPerStep = 256;

struct BwdConfig {
  RowConfig row;
  int64_t rows_per_prog, programs;
  bool fused;     // weight / bias partial sums in the main pass
  bool prefetch;  // a program looping over several row blocks loads each one a step ahead
};

BwdConfig bwd_config(const at::Tensor& x, int64_t M, int64_t N, bool param_grads) {
  const int arch = arch_of(x.device());
  BwdConfig c;
  c.row = row_config(M, N, x.element_size(), arch);
  // interpreter: 4 programs, so that small tests loop over rows and reduce the workspace
  const int64_t block = c.row.block_m * c.row.block_n;
  const int64_t per_sm = block >= kBwdOneProgramFrom ? 1 : kBwdProgramsPerSm;
  const int64_t target = arch == 0 ? 4 : per_sm * rt::device_info(x.device().index()).sm_count;
  c.fused = param_grads && c.row.single && M * x.element_size() >= kFusedMinBytesPerProgram * target;
  c.rows_per_prog = c.row.block_m;
  if (c.fused) {
    c.rows_per_prog = ceil_div(ceil_div(M, target), c.row.block_m) * c.row.block_m;
    c.row.num_warps = static_cast<int>(std::clamp<int64_t>(block / (32 * kBwdElementsPerThread), 1, 16));
  }
  c.programs = ceil_div(M, c.rows_per_prog);
  c.prefetch = c.row.single && c.rows_per_prog > c.row.block_m;
  return c;
}

// Input gradient (dx defined) and, with a fused config, the weight / bias partial sums into
// part_w / part_b ([programs, N], or dw / db themselves for one program). dx, dy, x: [M, N]
// contiguous; mean (absent for rms), rstd: [M] contiguous.
void launch_bwd(const BwdConfig& c, const at::Tensor& dx, const at::Tensor& part_w, const at::Tensor& part_b,
                const at::Tensor& dy, const at::Tensor& x, const at::Tensor& mean, const at::Tensor& rstd,
                const at::Tensor& w, int64_t M, int64_t N, bool rms) {
  if (M == 0 || N == 0) return;
  rt::KernelArgs args;
  if (dx.defined()) args.tensor(dx); else args.none();
  if (part_w.defined()) args.tensor(part_w); else args.none();
  if (part_b.defined()) args.tensor(part_b); else args.none();
  args.tensor(dy).tensor(x);
  if (mean.defined()) args.tensor(mean); else args.none();
  args.tensor(rstd);
  if (w.defined()) args.tensor(w); else args.none();
  args.integer(M).integer(N).integer(c.rows_per_prog);
  args.constant(rms).constant(w.defined()).constant(is_f64(x));
  args.constant(c.row.block_m).constant(c.row.block_n).constant(c.row.single)
      .constant(needs_int64(M + c.rows_per_prog, N));
  args.constant(dx.defined()).constant(part_w.defined()).constant(part_b.defined()).constant(c.prefetch);
  rt::LaunchConfig cfg;
  cfg.grid[0] = c.programs;
  cfg.num_warps = c.row.num_warps;
  rt::launch(norm_bwd_kernel, cfg, args, x.device());
}

void launch_col_sums(const at::Tensor& dw, const at::Tensor& db, const at::Tensor& a, const at::Tensor& b,
                     const at::Tensor& mean, const at::Tensor& rstd, int64_t M, int64_t N, int64_t rows_per_split,
                     int64_t split, int mode, int64_t block_m, int64_t block_n, bool f64) {
  rt::KernelArgs args;
  if (dw.defined()) args.tensor(dw); else args.none();
  if (db.defined()) args.tensor(db); else args.none();
  args.tensor(a);
  if (b.defined()) args.tensor(b); else args.none();
  if (mean.defined()) args.tensor(mean); else args.none();
  if (rstd.defined()) args.tensor(rstd); else args.none();
  args.integer(M).integer(N).integer(rows_per_split);
  args.constant(mode).constant(dw.defined()).constant(db.defined()).constant(f64);
  args.constant(block_m).constant(block_n).constant(needs_int64(M + split, N));
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(N, block_n);
  cfg.grid[1] = split;
  cfg.num_warps = 4;
  rt::launch(norm_param_grad_kernel, cfg, args, a.device());
}

// dw / db (either may be undefined) = the column sums of the [rows, N] fp32 (fp64) partial sums
// pw / pb (defined where dw / db are).
void sum_partials(const at::Tensor& dw, const at::Tensor& db, const at::Tensor& pw, const at::Tensor& pb,
                  int64_t rows, int64_t N) {
  const at::Tensor& any = pw.defined() ? pw : pb;
  const bool cuda = any.is_cuda();  // interpreter: few programs
  const int64_t block_n = std::min<int64_t>(next_pow2(N), cuda ? kPartialBlockN : 1024);
  const int64_t block_s = std::min<int64_t>(next_pow2(rows), cuda ? kPartialRowsPerStep : 32);
  launch_col_sums(dw, db, any, pb, at::Tensor(), at::Tensor(), rows, N, rows, 1, 2, block_s, block_n, is_f64(any));
}

// Weight and bias gradients of layer_norm (rms: of rms_norm): column sums over the M rows. With
// few column blocks the rows are split over several programs, whose fp32 (fp64) partial sums a
// second launch adds up.
void launch_param_grads(const at::Tensor& dw, const at::Tensor& db, const at::Tensor& dy, const at::Tensor& x,
                        const at::Tensor& mean, const at::Tensor& rstd, int64_t M, int64_t N, bool rms) {
  if (N == 0 || (!dw.defined() && !db.defined())) return;
  if (M == 0) {
    if (dw.defined()) dw.zero_();
    if (db.defined()) db.zero_();
    return;
  }
  const bool cuda = x.is_cuda();
  const int64_t block_n = std::min<int64_t>(next_pow2(N), cuda ? 64 : 1024);  // interpreter: few programs
  const int64_t block_m = cuda ? 32 : 16;
  const int64_t col_blocks = ceil_div(N, block_n);
  const int64_t target = cuda ? 4 * rt::device_info(x.device().index()).sm_count : 4;  // programs wanted
  int64_t split = 1;
  if (col_blocks < target && M > 4 * block_m)
    split = std::min(ceil_div(target, col_blocks), ceil_div(M, 4 * block_m));
  const int64_t rows_per_split = split == 1 ? M : ceil_div(ceil_div(M, split), block_m) * block_m;
  split = ceil_div(M, rows_per_split);
  const int mode = rms ? 1 : 0;
  const bool f64 = is_f64(x);
  if (split == 1) {
    launch_col_sums(dw, db, dy, x, mean, rstd, M, N, rows_per_split, 1, mode, block_m, block_n, f64);
    return;
  }
  at::Tensor pw, pb;
  if (dw.defined()) pw = at::empty({split, N}, x.options().dtype(acc_type(x)));
  if (db.defined()) pb = at::empty({split, N}, x.options().dtype(acc_type(x)));
  launch_col_sums(pw, pb, dy, x, mean, rstd, M, N, rows_per_split, split, mode, block_m, block_n, f64);
  sum_partials(dw, db, pw, pb, split, N);
}

// All requested gradients of layer_norm (rms: rms_norm): dx, dw, db (each may be undefined).
// Rows held in registers: one pass over dy and x for all three, then a column reduction of the
// programs' partial sums; wider rows: the input gradient, then the column sums (dy, x read again).
void row_norm_bwd(const at::Tensor& dx, const at::Tensor& dw, const at::Tensor& db, const at::Tensor& dy,
                  const at::Tensor& x, const at::Tensor& mean, const at::Tensor& rstd, const at::Tensor& w, int64_t M,
                  int64_t N, bool rms) {
  const bool param_grads = dw.defined() || db.defined();
  if (N == 0 || M == 0) {
    launch_param_grads(dw, db, dy, x, mean, rstd, M, N, rms);  // zeros (M == 0)
    return;
  }
  const BwdConfig c = bwd_config(x, M, N, param_grads);
  if (!c.fused) {
    if (dx.defined()) launch_bwd(c, dx, at::Tensor(), at::Tensor(), dy, x, mean, rstd, w, M, N, rms);
    launch_param_grads(dw, db, dy, x, mean, rstd, M, N, rms);
    return;
  }
  if (c.programs == 1) {  // the partial sums are the gradients
    launch_bwd(c, dx, dw, db, dy, x, mean, rstd, w, M, N, rms);
    return;
  }
  at::Tensor pw, pb;
  if (dw.defined()) pw = at::empty({c.programs, N}, x.options().dtype(acc_type(x)));
  if (db.defined()) pb = at::empty({c.programs, N}, x.options().dtype(acc_type(x)));
  launch_bwd(c, dx, pw, pb, dy, x, mean, rstd, w, M, N, rms);
  sum_partials(dw, db, pw, pb, c.programs, N);
}

// Output tensors of the right shape: used as they are when contiguous with the expected dtype,
// otherwise computed into a temporary and copied (out= variants only).
struct OutSlot {
  at::Tensor* out = nullptr;
  at::Tensor tmp;
  at::Tensor& use(at::Tensor& out_ref, c10::IntArrayRef shape, const c10::TensorOptions& opts) {
    at::native::resize_output(out_ref, shape);
    out = &out_ref;
    if (out_ref.is_contiguous() && out_ref.scalar_type() == c10::typeMetaToScalarType(opts.dtype())) return out_ref;
    tmp = at::empty(shape, opts);
    return tmp;
  }
  void finish() {
    if (tmp.defined()) out->copy_(tmp);
  }
};

c10::DimVector stat_shape(const at::Tensor& input, int64_t axis) {
  c10::DimVector s(input.sizes().begin(), input.sizes().begin() + axis);
  s.resize(input.dim(), 1);
  return s;
}

// ---------------------------------------------------------------- layer_norm

OpRecord rec_ln{"native_layer_norm"}, rec_ln_out{"native_layer_norm.out"};
OpRecord rec_ln_bwd{"native_layer_norm_backward"}, rec_ln_bwd_out{"native_layer_norm_backward.out"};

Tensor3 aten_layer_norm(const at::Tensor& x, at::IntArrayRef ns, const std::optional<at::Tensor>& w,
                        const std::optional<at::Tensor>& b, double eps) {
  if (x.is_cuda()) return at::cuda::native_layer_norm(x, ns, w, b, eps);
  return at::cpu::native_layer_norm(x, ns, w, b, eps);
}

// Forward into y (input's shape), mean and rstd (stat shape); any may be the caller's out= tensors.
void layer_norm_into(at::Tensor& y, at::Tensor& mean, at::Tensor& rstd, const at::Tensor& input, at::IntArrayRef ns,
                     const at::Tensor& w, const at::Tensor& b, double eps, bool out_variant) {
  const auto [M, N] = at::native::_check_layer_norm_inputs(input, ns, w, b);
  const at::Tensor x = input.contiguous();
  const c10::DimVector stats = stat_shape(input, input.dim() - static_cast<int64_t>(ns.size()));
  const auto stat_opts = x.options().dtype(acc_type(x));
  if (!out_variant) {
    y = at::empty(x.sizes(), x.options());
    mean = at::empty(stats, stat_opts);
    rstd = at::empty(stats, stat_opts);
    launch_fwd(y, mean, rstd, x, w.defined() ? w.contiguous() : w, b.defined() ? b.contiguous() : b, M, N, eps, false);
    return;
  }
  OutSlot sy, sm, sr;
  at::Tensor& ty = sy.use(y, x.sizes(), x.options());
  at::Tensor& tm = sm.use(mean, stats, stat_opts);
  at::Tensor& tr = sr.use(rstd, stats, stat_opts);
  launch_fwd(ty, tm, tr, x, w.defined() ? w.contiguous() : w, b.defined() ? b.contiguous() : b, M, N, eps, false);
  sy.finish();
  sm.finish();
  sr.finish();
}

Tensor3 layer_norm(const at::Tensor& input, at::IntArrayRef ns, const std::optional<at::Tensor>& weight,
                   const std::optional<at::Tensor>& bias, double eps) {
  if (const char* why = why_unsupported(input, opt(weight), opt(bias))) {
    record(rec_ln, true, why);
    return aten_layer_norm(input, ns, weight, bias, eps);
  }
  record(rec_ln);
  at::Tensor y, mean, rstd;
  layer_norm_into(y, mean, rstd, input, ns, opt(weight), opt(bias), eps, false);
  return {y, mean, rstd};
}

Tensor3Ref layer_norm_out(const at::Tensor& input, at::IntArrayRef ns, const std::optional<at::Tensor>& weight,
                          const std::optional<at::Tensor>& bias, double eps, at::Tensor& out0, at::Tensor& out1,
                          at::Tensor& out2) {
  if (const char* why = why_unsupported(input, opt(weight), opt(bias))) {
    record(rec_ln_out, true, why);
    auto [y, mean, rstd] = aten_layer_norm(input, ns, weight, bias, eps);
    at::native::resize_output(out0, y.sizes());
    at::native::resize_output(out1, mean.sizes());
    at::native::resize_output(out2, rstd.sizes());
    out0.copy_(y);
    out1.copy_(mean);
    out2.copy_(rstd);
    return {out0, out1, out2};
  }
  record(rec_ln_out);
  layer_norm_into(out0, out1, out2, input, ns, opt(weight), opt(bias), eps, true);
  return {out0, out1, out2};
}

Tensor3 aten_layer_norm_bwd(const at::Tensor& dy, const at::Tensor& x, at::IntArrayRef ns, const at::Tensor& mean,
                            const at::Tensor& rstd, const std::optional<at::Tensor>& w,
                            const std::optional<at::Tensor>& b, std::array<bool, 3> mask) {
  if (x.is_cuda()) return at::cuda::native_layer_norm_backward(dy, x, ns, mean, rstd, w, b, mask);
  return at::cpu::native_layer_norm_backward(dy, x, ns, mean, rstd, w, b, mask);
}

Tensor3 layer_norm_bwd(const at::Tensor& grad_out, const at::Tensor& input, at::IntArrayRef ns,
                       const at::Tensor& mean, const at::Tensor& rstd, const std::optional<at::Tensor>& weight,
                       const std::optional<at::Tensor>& bias, std::array<bool, 3> mask) {
  const at::Tensor& w = opt(weight);
  const at::Tensor& b = opt(bias);
  const char* why = why_unsupported(input, w, b);
  if (!why) why = unsupported(kFloats, {&grad_out, &mean, &rstd});
  if (!why && grad_out.scalar_type() != input.scalar_type()) why = "mixed dtypes";
  if (why) {
    record(rec_ln_bwd, true, why);
    return aten_layer_norm_bwd(grad_out, input, ns, mean, rstd, weight, bias, mask);
  }
  record(rec_ln_bwd);
  const auto [M, N] = at::native::_check_layer_norm_inputs(input, ns, w, b);
  const at::Tensor x = input.contiguous();
  const at::Tensor dy = grad_out.contiguous();
  const at::Tensor mean_c = mean.contiguous();
  const at::Tensor rstd_c = rstd.contiguous();
  at::Tensor dx, dw, db;
  if (mask[0]) dx = at::empty(x.sizes(), x.options());
  if (mask[1] && w.defined()) dw = at::empty(w.sizes(), w.options());
  if (mask[2] && b.defined()) db = at::empty(b.sizes(), b.options());
  row_norm_bwd(dx, dw, db, dy, x, mean_c, rstd_c, w.defined() ? w.contiguous() : w, M, N, false);
  return {dx, dw, db};
}

// out= for the backward ops: the functional result copied into the defined outputs.
Tensor3Ref copy_outs(const Tensor3& r, at::Tensor& out0, at::Tensor& out1, at::Tensor& out2) {
  at::Tensor* outs[3] = {&out0, &out1, &out2};
  const at::Tensor* res[3] = {&std::get<0>(r), &std::get<1>(r), &std::get<2>(r)};
  for (int i = 0; i < 3; ++i) {
    if (!res[i]->defined()) continue;
    at::native::resize_output(*outs[i], res[i]->sizes());
    outs[i]->copy_(*res[i]);
  }
  return {out0, out1, out2};
}

Tensor3Ref layer_norm_bwd_out(const at::Tensor& grad_out, const at::Tensor& input, at::IntArrayRef ns,
                              const at::Tensor& mean, const at::Tensor& rstd, const std::optional<at::Tensor>& weight,
                              const std::optional<at::Tensor>& bias, std::array<bool, 3> mask, at::Tensor& out0,
                              at::Tensor& out1, at::Tensor& out2) {
  const char* why = why_unsupported(input, opt(weight), opt(bias));
  record(rec_ln_bwd_out, why != nullptr, why);
  return copy_outs(layer_norm_bwd(grad_out, input, ns, mean, rstd, weight, bias, mask), out0, out1, out2);
}

// ---------------------------------------------------------------- rms_norm

// aten::rms_norm (CompositeImplicitAutograd) calls _fused_rms_norm for real, non-channels-last
// input whose weight has the input's dtype; autograd then calls _fused_rms_norm_backward.
OpRecord rec_rms{"_fused_rms_norm"}, rec_rms_bwd{"_fused_rms_norm_backward"};

std::tuple<at::Tensor, at::Tensor> fused_rms_norm(const at::Tensor& input, at::IntArrayRef ns,
                                                  const std::optional<at::Tensor>& weight, std::optional<double> eps) {
  const at::Tensor& w = opt(weight);
  if (const char* why = why_unsupported(input, w, at::Tensor())) {
    record(rec_rms, true, why);
    if (input.is_cuda()) return at::cuda::_fused_rms_norm(input, ns, weight, eps);
    return at::compositeimplicitautograd::_fused_rms_norm(input, ns, weight, eps);
  }
  record(rec_rms);
  const auto [M, N] = at::native::_check_layer_norm_inputs(input, ns, w, at::Tensor());
  const at::Tensor x = input.contiguous();
  // eps=None: the machine epsilon of the accumulation type (as ATen).
  const double eps_value = eps.has_value() ? *eps
                           : is_f64(x)     ? std::numeric_limits<double>::epsilon()
                                           : static_cast<double>(std::numeric_limits<float>::epsilon());
  at::Tensor y = at::empty(x.sizes(), x.options());
  at::Tensor rstd =
      at::empty(stat_shape(input, input.dim() - static_cast<int64_t>(ns.size())), x.options().dtype(acc_type(x)));
  launch_fwd(y, at::Tensor(), rstd, x, w.defined() ? w.contiguous() : w, at::Tensor(), M, N, eps_value, true);
  return {y, rstd};
}

std::tuple<at::Tensor, at::Tensor> fused_rms_norm_bwd(const at::Tensor& grad_out, const at::Tensor& input,
                                                      at::IntArrayRef ns, const at::Tensor& rstd,
                                                      const std::optional<at::Tensor>& weight,
                                                      std::array<bool, 2> mask) {
  const at::Tensor& w = opt(weight);
  const char* why = why_unsupported(input, w, at::Tensor());
  if (!why) why = unsupported(kFloats, {&grad_out, &rstd});
  if (!why && grad_out.scalar_type() != input.scalar_type()) why = "mixed dtypes";
  if (why) {
    record(rec_rms_bwd, true, why);
    if (input.is_cuda()) return at::cuda::_fused_rms_norm_backward(grad_out, input, ns, rstd, weight, mask);
    // ATen has no CPU kernel for this op: raise what its dispatcher raises (NotImplementedError)
    TORCH_CHECK_NOT_IMPLEMENTED(false, "_fused_rms_norm_backward: no CPU kernel for these inputs (", why, ")");
  }
  record(rec_rms_bwd);
  const auto [M, N] = at::native::_check_layer_norm_inputs(input, ns, w, at::Tensor());
  const at::Tensor x = input.contiguous();
  const at::Tensor dy = grad_out.contiguous();
  const at::Tensor rstd_c = rstd.contiguous();
  at::Tensor dx, dw;
  if (mask[0]) dx = at::empty(x.sizes(), x.options());
  if (mask[1] && w.defined()) dw = at::empty(w.sizes(), w.options());
  row_norm_bwd(dx, dw, at::Tensor(), dy, x, at::Tensor(), rstd_c, w.defined() ? w.contiguous() : w, M, N, true);
  return {dx, dw};
}

// ---------------------------------------------------------------- group_norm

OpRecord rec_gn{"native_group_norm"}, rec_gn_out{"native_group_norm.out"};
OpRecord rec_gn_bwd{"native_group_norm_backward"}, rec_gn_bwd_out{"native_group_norm_backward.out"};

// ATen's checks of native_group_norm's arguments (same messages).
void check_group_norm(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, int64_t N, int64_t C,
                      int64_t HxW, int64_t group) {
  TORCH_CHECK(group > 0, "Expected num groups to be greater than 0, got ", group);
  TORCH_CHECK(C % group == 0, "Expected number of channels in input to be divisible by num_groups, but got input of shape ",
              x.sizes(), " and num_groups=", group);
  TORCH_CHECK(!w.defined() || (w.dim() == 1 && w.numel() == C),
              "Expected weight to be a vector of size equal to the number of channels in input, but got weight of shape ",
              w.sizes(), " and input of shape ", x.sizes());
  TORCH_CHECK(!b.defined() || (b.dim() == 1 && b.numel() == C),
              "Expected bias to be a vector of size equal to the number of channels in input, but got bias of shape ",
              b.sizes(), " and input of shape ", x.sizes());
  TORCH_CHECK(x.numel() == N * C * HxW, "Expected input of ", N * C * HxW, " elements (N * C * HxW), got ", x.sizes());
}

// group_norm tiles: [block_c channels, block_hw] of a (batch, group) slice [CPG, HW]. Slices of
// up to kGnMaxSingle tile elements are held in registers (forward: one read of x; backward: one
// read of dy and x); larger ones are walked twice in tiles of kGnTile elements (the forward in
// tiles of kGnForwardTile: bench/group_norm_probe.py, session 22, H100, 8x256x64x64 bf16 with 32
// groups, 256 slices of [8, 4096]: [1, 4096] tiles at 8 warps 18.8 us, [2, 4096] at 16 warps
// 17.0, at 8 warps 16.8; H200 benchmark 18.9 -> 14.8; the backward at 8192 was slower, 28.4 ->
// 30.4 us). Interpreter: small limits, so that tests reach the tiled path.
constexpr int64_t kGnMaxSingle = 16384;
constexpr int64_t kGnTile = 4096;
constexpr int64_t kGnForwardTile = 8192;

struct GnConfig {
  int64_t block_c, block_hw;
  bool single;
  int num_warps;
};

GnConfig gn_config(int64_t CPG, int64_t HW, int arch, bool forward) {
  const int64_t max_single = arch == 0 ? 1024 : kGnMaxSingle;
  const int64_t tile = arch == 0 ? 512 : forward ? kGnForwardTile : kGnTile;
  GnConfig c;
  c.block_c = next_pow2(CPG);
  c.block_hw = next_pow2(HW);
  c.single = c.block_c * c.block_hw <= max_single;
  if (!c.single) {
    c.block_hw = std::min(c.block_hw, tile);
    c.block_c = std::min(c.block_c, std::max<int64_t>(1, tile / c.block_hw));
  }
  c.num_warps = static_cast<int>(std::clamp<int64_t>(c.block_c * c.block_hw / 512, 1, 16));
  return c;
}

Tensor3 aten_group_norm(const at::Tensor& x, const std::optional<at::Tensor>& w, const std::optional<at::Tensor>& b,
                        int64_t N, int64_t C, int64_t HxW, int64_t group, double eps) {
  if (x.is_cuda()) return at::cuda::native_group_norm(x, w, b, N, C, HxW, group, eps);
  return at::cpu::native_group_norm(x, w, b, N, C, HxW, group, eps);
}

Tensor3 group_norm(const at::Tensor& input, const std::optional<at::Tensor>& weight,
                   const std::optional<at::Tensor>& bias, int64_t N, int64_t C, int64_t HxW, int64_t group,
                   double eps) {
  const at::Tensor& w = opt(weight);
  const at::Tensor& b = opt(bias);
  if (const char* why = why_unsupported(input, w, b)) {
    record(rec_gn, true, why);
    return aten_group_norm(input, weight, bias, N, C, HxW, group, eps);
  }
  record(rec_gn);
  check_group_norm(input, w, b, N, C, HxW, group);
  const at::Tensor x = input.contiguous();
  at::Tensor y = at::empty(x.sizes(), x.options());
  // Statistics in the input's dtype (as ATen's native_group_norm).
  at::Tensor mean = at::empty({N, group}, x.options());
  at::Tensor rstd = at::empty({N, group}, x.options());
  const int64_t CPG = C / group;
  if (N == 0) return {y, mean, rstd};
  if (CPG * HxW == 0) {  // empty slices: mean 0, rstd 1/sqrt(0/0 + eps) = NaN (as ATen)
    mean.zero_();
    rstd.fill_(std::numeric_limits<double>::quiet_NaN());
    return {y, mean, rstd};
  }
  const at::Tensor wc = w.defined() ? w.contiguous() : w;
  const at::Tensor bc = b.defined() ? b.contiguous() : b;
  const GnConfig c = gn_config(CPG, HxW, arch_of(x.device()), true);
  rt::KernelArgs args;
  args.tensor(y).tensor(mean).tensor(rstd).tensor(x);
  if (wc.defined()) args.tensor(wc); else args.none();
  if (bc.defined()) args.tensor(bc); else args.none();
  args.integer(group).integer(CPG).integer(HxW);
  if (is_f64(x)) args.f64(eps); else args.f32(eps);
  args.constant(wc.defined()).constant(bc.defined()).constant(is_f64(x)).constant(c.block_c).constant(c.block_hw);
  args.constant(c.single).constant(needs_int64(N * C, HxW));
  rt::LaunchConfig cfg;
  cfg.grid[0] = N * group;
  cfg.num_warps = c.num_warps;
  rt::launch(group_norm_fwd_kernel, cfg, args, x.device());
  return {y, mean, rstd};
}

Tensor3Ref group_norm_out(const at::Tensor& input, const std::optional<at::Tensor>& weight,
                          const std::optional<at::Tensor>& bias, int64_t N, int64_t C, int64_t HxW, int64_t group,
                          double eps, at::Tensor& out0, at::Tensor& out1, at::Tensor& out2) {
  const char* why = why_unsupported(input, opt(weight), opt(bias));
  record(rec_gn_out, why != nullptr, why);
  return copy_outs(group_norm(input, weight, bias, N, C, HxW, group, eps), out0, out1, out2);
}

Tensor3 group_norm_bwd(const at::Tensor& grad_out, const at::Tensor& input, const at::Tensor& mean,
                       const at::Tensor& rstd, const std::optional<at::Tensor>& weight, int64_t N, int64_t C,
                       int64_t HxW, int64_t group, std::array<bool, 3> mask) {
  const at::Tensor& w = opt(weight);
  const char* why = why_unsupported(input, w, at::Tensor());
  if (!why) why = unsupported(kFloats, {&grad_out, &mean, &rstd});
  if (!why && (grad_out.scalar_type() != input.scalar_type() || mean.scalar_type() != input.scalar_type() ||
               rstd.scalar_type() != input.scalar_type()))
    why = "mixed dtypes";
  if (why) {
    record(rec_gn_bwd, true, why);
    if (input.is_cuda())
      return at::cuda::native_group_norm_backward(grad_out, input, mean, rstd, weight, N, C, HxW, group, mask);
    return at::cpu::native_group_norm_backward(grad_out, input, mean, rstd, weight, N, C, HxW, group, mask);
  }
  record(rec_gn_bwd);
  check_group_norm(input, w, at::Tensor(), N, C, HxW, group);
  const at::Tensor x = input.contiguous();
  const at::Tensor dy = grad_out.contiguous();
  const at::Tensor mean_c = mean.contiguous();
  const at::Tensor rstd_c = rstd.contiguous();
  const at::Tensor wc = w.defined() ? w.contiguous() : w;
  const int64_t CPG = C / group;
  at::Tensor dx, dw, db;
  if (mask[0]) dx = at::empty(x.sizes(), x.options());
  if (mask[1] && w.defined()) dw = at::empty({C}, w.options());
  if (mask[2]) db = at::empty({C}, w.defined() ? w.options() : x.options());
  if (N == 0 || C == 0 || HxW == 0) {
    if (dw.defined()) dw.zero_();
    if (db.defined()) db.zero_();
    return {dx, dw, db};
  }
  if (!dx.defined() && !dw.defined() && !db.defined()) return {dx, dw, db};
  // one pass over dy and x: dx, and per-(n, channel) sums into [N, C] workspaces (the weight and
  // bias gradients themselves for one batch entry) that a second launch sums over n
  at::Tensor pw = dw, pb = db;
  if (N > 1) {
    if (dw.defined()) pw = at::empty({N, C}, x.options().dtype(acc_type(x)));
    if (db.defined()) pb = at::empty({N, C}, x.options().dtype(acc_type(x)));
  }
  const GnConfig c = gn_config(CPG, HxW, arch_of(x.device()), false);
  rt::KernelArgs args;
  if (dx.defined()) args.tensor(dx); else args.none();
  if (pw.defined()) args.tensor(pw); else args.none();
  if (pb.defined()) args.tensor(pb); else args.none();
  args.tensor(dy).tensor(x).tensor(mean_c).tensor(rstd_c);
  if (wc.defined()) args.tensor(wc); else args.none();
  args.integer(group).integer(CPG).integer(HxW);
  args.constant(wc.defined()).constant(dx.defined()).constant(pw.defined()).constant(pb.defined());
  args.constant(is_f64(x)).constant(c.block_c).constant(c.block_hw).constant(c.single);
  args.constant(needs_int64(N * C, HxW));
  rt::LaunchConfig cfg;
  cfg.grid[0] = N * group;
  cfg.num_warps = c.num_warps;
  rt::launch(group_norm_bwd_kernel, cfg, args, x.device());
  if (N > 1 && (pw.defined() || pb.defined())) sum_partials(dw, db, pw, pb, N, C);
  return {dx, dw, db};
}

Tensor3Ref group_norm_bwd_out(const at::Tensor& grad_out, const at::Tensor& input, const at::Tensor& mean,
                              const at::Tensor& rstd, const std::optional<at::Tensor>& weight, int64_t N, int64_t C,
                              int64_t HxW, int64_t group, std::array<bool, 3> mask, at::Tensor& out0, at::Tensor& out1,
                              at::Tensor& out2) {
  const char* why = why_unsupported(input, opt(weight), at::Tensor());
  record(rec_gn_bwd_out, why != nullptr, why);
  return copy_outs(group_norm_bwd(grad_out, input, mean, rstd, weight, N, C, HxW, group, mask), out0, out1, out2);
}


// ---------------------------------------------------------------- batch_norm

// Statistics per channel over (batch, spatial). The input [B, C, *spatial] is seen as [B, C, HW]
// with strides (sb, sc, shw), which contiguous and channels-last tensors allow without a copy.
struct BnView {
  int64_t B = 0, C = 0, HW = 1, sb = 0, sc = 0, shw = 1;
};

// False when the spatial dims do not collapse into one stride.
bool bn_view(const at::Tensor& t, BnView& v) {
  v.B = t.size(0);
  v.C = t.size(1);
  v.sb = t.stride(0);
  v.sc = t.stride(1);
  v.HW = 1;
  v.shw = 1;
  int64_t expect = -1;  // the stride the next outer spatial dim must have
  for (int64_t d = t.dim() - 1; d >= 2; --d) {
    const int64_t n = t.size(d);
    if (n == 1) continue;
    if (expect == -1) v.shw = t.stride(d);
    else if (t.stride(d) != expect) return false;
    expect = t.stride(d) * n;
    v.HW *= n;
  }
  return true;
}

// Largest element offset + 1 of a view (decides int64 offsets).
int64_t bn_span(const BnView& v) {
  if (v.B == 0 || v.C == 0 || v.HW == 0) return 0;
  return (v.B - 1) * v.sb + (v.C - 1) * v.sc + (v.HW - 1) * v.shw + 1;
}

// The input as a view (contiguous copy when its spatial dims don't collapse).
at::Tensor bn_operand(const at::Tensor& t, BnView& v) {
  if (bn_view(t, v)) return t;
  at::Tensor c = t.contiguous();
  bn_view(c, v);
  return c;
}

// Channel blocks x row chunks: [N, C] input takes wide channel blocks (adjacent in memory),
// spatial input one long chunk of rows (adjacent along HW) for few channels. With few channel
// blocks the rows are split over several programs (split > 1: two launches, partial statistics
// in a [split, C] workspace) until there are programs_per_sm programs an SM. Under the
// interpreter 4 programs are wanted, so that small test shapes take the split path.
// The forward's statistics pass on spatial input (two block reductions a chunk) needs many loads
// in flight: 8 programs an SM of 4 warps. bench/batch_norm_probe.py (session 21, H200, bf16,
// training), against 2 an SM of 8 warps: 64x256x56x56 95.3 -> 88.2 us (4 splits; 13: 87.4;
// torch 314.5), 32x64x112x112 59.7 -> ~52 (14 splits: 51.3; torch 387.4). The backward and
// [N, C] input (not measured) keep 2 an SM.
struct BnConfig {
  int64_t block_r, block_c, split, rows_per_split;
  int num_warps;
};

BnConfig bn_config(int64_t R, int64_t C, int64_t HW, const c10::Device& device, bool forward) {
  const bool cuda = device.is_cuda();
  const int64_t tile = 4096;
  const bool spatial_forward = forward && HW > 1;
  const int64_t programs_per_sm = spatial_forward ? 8 : 2;
  BnConfig c;
  if (HW == 1) {
    c.block_c = std::min<int64_t>(next_pow2(C), cuda ? 64 : 256);
    c.block_r = std::min<int64_t>(next_pow2(R), std::max<int64_t>(1, tile / c.block_c));
  } else {
    c.block_r = std::min<int64_t>(next_pow2(R), tile);
    c.block_c = std::min<int64_t>(next_pow2(C), std::max<int64_t>(1, tile / c.block_r));
  }
  const int64_t col_blocks = ceil_div(C, c.block_c);
  const int64_t target = cuda ? programs_per_sm * rt::device_info(device.index()).sm_count : 4;
  c.split = 1;
  if (col_blocks < target && R > c.block_r)
    c.split = std::min(ceil_div(target, col_blocks), ceil_div(R, c.block_r));
  c.rows_per_split = ceil_div(ceil_div(R, c.split), c.block_r) * c.block_r;
  c.split = ceil_div(R, c.rows_per_split);
  c.num_warps = c.block_r * c.block_c >= 2048 && !spatial_forward ? 8 : 4;
  return c;
}

void bn_strides(rt::KernelArgs& args, const BnView& v) { args.integer(v.sb).integer(v.sc).integer(v.shw); }

void args_opt(rt::KernelArgs& args, const at::Tensor& t) {
  if (t.defined()) args.tensor(t); else args.none();
}

// Why batch_norm's tensors go to ATen (weight, bias and running stats may have another float
// dtype than the input, as ATen's mixed-precision batch_norm allows: the kernels cast them).
const char* bn_why_unsupported(std::initializer_list<const at::Tensor*> ts) {
  for (const at::Tensor* t : ts)
    if (const char* why = unsupported(kFloats, {t})) return why;
  const at::Tensor& x = **ts.begin();
  for (const at::Tensor* t : ts)
    if (t->defined() && t->device() != x.device()) return "device";
  return nullptr;
}

void check_bn_param(const at::Tensor& t, const char* name, int64_t C) {
  TORCH_CHECK(!t.defined() || t.numel() >= C, name, " should contain ", C, " elements not ", t.numel());
}

// Forward of every batch_norm overload. y, save_mean, save_invstd: allocated here when undefined,
// else the caller's out= tensors (resized). Training: batch statistics, running stats (when
// given) updated in place; eval: the running stats, saved as mean / invstd like ATen's CUDA kernel.
void batch_norm_into(at::Tensor& y, at::Tensor& save_mean, at::Tensor& save_invstd, const at::Tensor& input,
                     const at::Tensor& w, const at::Tensor& b, const at::Tensor& rm, const at::Tensor& rv, bool train,
                     double momentum, double eps) {
  const int64_t C = input.size(1);  // IndexError for 1-d input, as ATen
  TORCH_CHECK(input.numel() > 0, "input tensor must have at least one element, but got input_sizes = ", input.sizes());
  TORCH_CHECK(rm.defined() == rv.defined(), "running_mean and running_var must be both defined or both undefined");
  TORCH_CHECK(train || rm.defined(), "batch_norm: running_mean and running_var must be defined in evaluation mode");
  check_bn_param(w, "weight", C);
  check_bn_param(b, "bias", C);
  check_bn_param(rm, "running_mean", C);
  check_bn_param(rv, "running_var", C);
  BnView vx, vy;
  const at::Tensor x = bn_operand(input, vx);
  const auto stat_opts = input.options().dtype(acc_type(input));
  // outputs: the caller's when usable as they are, else temporaries copied back
  at::Tensor y_use, mean_use, invstd_use;
  if (y.defined()) {
    at::native::resize_output(y, input.sizes());
    if (y.scalar_type() == input.scalar_type() && bn_view(y, vy)) y_use = y;
  }
  if (!y_use.defined()) {
    y_use = at::empty_like(input, input.suggest_memory_format());
    if (!bn_view(y_use, vy)) {
      y_use = at::empty(input.sizes(), input.options());
      bn_view(y_use, vy);
    }
  }
  OutSlot sm, si;
  if (save_mean.defined()) {
    mean_use = sm.use(save_mean, {C}, stat_opts);
    invstd_use = si.use(save_invstd, {C}, stat_opts);
  } else {
    mean_use = at::empty({C}, stat_opts);
    invstd_use = at::empty({C}, stat_opts);
  }
  const bool update = train && rm.defined();
  const at::Tensor rm_c = rm.defined() ? rm.contiguous() : rm;
  const at::Tensor rv_c = rv.defined() ? rv.contiguous() : rv;
  const int64_t R = vx.B * vx.HW;
  const BnConfig c = bn_config(R, C, vx.HW, x.device(), /*forward=*/true);
  const bool split = train && c.split > 1;  // eval needs no statistics: one launch
  const at::Tensor w_c = w.defined() ? w.contiguous() : w;
  const at::Tensor b_c = b.defined() ? b.contiguous() : b;
  at::Tensor part_mean, part_m2;
  if (split) {
    part_mean = at::empty({c.split, C}, stat_opts);
    part_m2 = at::empty({c.split, C}, stat_opts);
  }
  const bool i64 = needs_int64(1, std::max(bn_span(vx), bn_span(vy)));
  // (KernelArgs keeps pointers to the tensors: every one passed is a named local)
  for (int phase = split ? 0 : 1; phase < 2; ++phase) {
    rt::KernelArgs args;
    args.tensor(y_use).tensor(mean_use).tensor(invstd_use);
    if (train && !update) args.none().none(); else args.tensor(rm_c).tensor(rv_c);
    args.tensor(x);
    args_opt(args, w_c);
    args_opt(args, b_c);
    args_opt(args, part_mean);
    args_opt(args, part_m2);
    args.integer(R).integer(C).integer(vx.HW);
    bn_strides(args, vx);
    bn_strides(args, vy);
    args.integer(c.rows_per_split).integer(c.split);
    if (is_f64(x)) args.f64(momentum).f64(eps); else args.f32(momentum).f32(eps);
    args.constant(phase).constant(split).constant(train).constant(update).constant(w.defined()).constant(b.defined());
    args.constant(is_f64(x)).constant(c.block_r).constant(c.block_c).constant(i64);
    rt::LaunchConfig cfg;
    cfg.grid[0] = ceil_div(C, c.block_c);
    cfg.grid[1] = c.split;
    cfg.num_warps = c.num_warps;
    rt::launch(batch_norm_fwd_kernel, cfg, args, x.device());
  }
  if (update && !rm_c.is_same(rm)) rm.copy_(rm_c);
  if (update && !rv_c.is_same(rv)) rv.copy_(rv_c);
  if (y.defined() && !y_use.is_same(y)) y.copy_(y_use);
  if (!y.defined()) y = y_use;
  if (save_mean.defined()) {
    sm.finish();
    si.finish();
  } else {
    save_mean = mean_use;
    save_invstd = invstd_use;
  }
}

OpRecord rec_bn{"native_batch_norm"}, rec_bn_out{"native_batch_norm.out"};
OpRecord rec_bnl{"_native_batch_norm_legit"}, rec_bnl_out{"_native_batch_norm_legit.out"};
OpRecord rec_bnl_ns{"_native_batch_norm_legit.no_stats"}, rec_bnl_ns_out{"_native_batch_norm_legit.no_stats_out"};
OpRecord rec_bnl_nt{"_native_batch_norm_legit_no_training"}, rec_bnl_nt_out{"_native_batch_norm_legit_no_training.out"};
OpRecord rec_bn_bwd{"native_batch_norm_backward"}, rec_bn_bwd_out{"native_batch_norm_backward.out"};
OpRecord rec_cudnn_bn{"cudnn_batch_norm"}, rec_cudnn_bn_bwd{"cudnn_batch_norm_backward"};

Tensor3 aten_batch_norm(const at::Tensor& x, const std::optional<at::Tensor>& w, const std::optional<at::Tensor>& b,
                        const std::optional<at::Tensor>& rm, const std::optional<at::Tensor>& rv, bool train,
                        double momentum, double eps) {
  if (x.is_cuda()) return at::cuda::native_batch_norm(x, w, b, rm, rv, train, momentum, eps);
  return at::cpu::native_batch_norm(x, w, b, rm, rv, train, momentum, eps);
}

Tensor3 batch_norm(const at::Tensor& input, const std::optional<at::Tensor>& weight,
                   const std::optional<at::Tensor>& bias, const std::optional<at::Tensor>& running_mean,
                   const std::optional<at::Tensor>& running_var, bool train, double momentum, double eps) {
  if (const char* why =
          bn_why_unsupported({&input, &opt(weight), &opt(bias), &opt(running_mean), &opt(running_var)})) {
    record(rec_bn, true, why);
    return aten_batch_norm(input, weight, bias, running_mean, running_var, train, momentum, eps);
  }
  record(rec_bn);
  at::Tensor y, mean, invstd;
  batch_norm_into(y, mean, invstd, input, opt(weight), opt(bias), opt(running_mean), opt(running_var), train, momentum,
                  eps);
  return {y, mean, invstd};
}

// The out= forms: written through batch_norm_into, or ATen's result copied (fallback).
Tensor3Ref batch_norm_out_impl(OpRecord& rec, const at::Tensor& input, const at::Tensor& w, const at::Tensor& b,
                               const at::Tensor& rm, const at::Tensor& rv, bool train, double momentum, double eps,
                               at::Tensor& out, at::Tensor& save_mean, at::Tensor& save_invstd) {
  if (const char* why = bn_why_unsupported({&input, &w, &b, &rm, &rv})) {
    record(rec, true, why);
    return copy_outs(aten_batch_norm(input, w, b, rm, rv, train, momentum, eps), out, save_mean, save_invstd);
  }
  record(rec);
  batch_norm_into(out, save_mean, save_invstd, input, w, b, rm, rv, train, momentum, eps);
  return {out, save_mean, save_invstd};
}

Tensor3Ref batch_norm_out(const at::Tensor& input, const std::optional<at::Tensor>& weight,
                          const std::optional<at::Tensor>& bias, const std::optional<at::Tensor>& running_mean,
                          const std::optional<at::Tensor>& running_var, bool train, double momentum, double eps,
                          at::Tensor& out, at::Tensor& save_mean, at::Tensor& save_invstd) {
  return batch_norm_out_impl(rec_bn_out, input, opt(weight), opt(bias), opt(running_mean), opt(running_var), train,
                             momentum, eps, out, save_mean, save_invstd);
}

Tensor3 batch_norm_legit(const at::Tensor& input, const std::optional<at::Tensor>& weight,
                         const std::optional<at::Tensor>& bias, at::Tensor& running_mean, at::Tensor& running_var,
                         bool train, double momentum, double eps) {
  if (const char* why = bn_why_unsupported({&input, &opt(weight), &opt(bias), &running_mean, &running_var})) {
    record(rec_bnl, true, why);
    if (input.is_cuda())
      return at::cuda::_native_batch_norm_legit(input, weight, bias, running_mean, running_var, train, momentum, eps);
    return at::cpu::_native_batch_norm_legit(input, weight, bias, running_mean, running_var, train, momentum, eps);
  }
  record(rec_bnl);
  at::Tensor y, mean, invstd;
  batch_norm_into(y, mean, invstd, input, opt(weight), opt(bias), running_mean, running_var, train, momentum, eps);
  return {y, mean, invstd};
}

Tensor3Ref batch_norm_legit_out(const at::Tensor& input, const std::optional<at::Tensor>& weight,
                                const std::optional<at::Tensor>& bias, at::Tensor& running_mean,
                                at::Tensor& running_var, bool train, double momentum, double eps, at::Tensor& out,
                                at::Tensor& save_mean, at::Tensor& save_invstd) {
  return batch_norm_out_impl(rec_bnl_out, input, opt(weight), opt(bias), running_mean, running_var, train, momentum,
                             eps, out, save_mean, save_invstd);
}

Tensor3 batch_norm_legit_no_stats(const at::Tensor& input, const std::optional<at::Tensor>& weight,
                                  const std::optional<at::Tensor>& bias, bool train, double momentum, double eps) {
  if (const char* why = bn_why_unsupported({&input, &opt(weight), &opt(bias)})) {
    record(rec_bnl_ns, true, why);
    if (input.is_cuda()) return at::cuda::_native_batch_norm_legit(input, weight, bias, train, momentum, eps);
    return at::cpu::_native_batch_norm_legit(input, weight, bias, train, momentum, eps);
  }
  record(rec_bnl_ns);
  at::Tensor y, mean, invstd;
  batch_norm_into(y, mean, invstd, input, opt(weight), opt(bias), at::Tensor(), at::Tensor(), train, momentum, eps);
  return {y, mean, invstd};
}

Tensor3Ref batch_norm_legit_no_stats_out(const at::Tensor& input, const std::optional<at::Tensor>& weight,
                                         const std::optional<at::Tensor>& bias, bool train, double momentum,
                                         double eps, at::Tensor& out, at::Tensor& save_mean, at::Tensor& save_invstd) {
  return batch_norm_out_impl(rec_bnl_ns_out, input, opt(weight), opt(bias), at::Tensor(), at::Tensor(), train,
                             momentum, eps, out, save_mean, save_invstd);
}

Tensor3 batch_norm_legit_no_training(const at::Tensor& input, const std::optional<at::Tensor>& weight,
                                     const std::optional<at::Tensor>& bias, const at::Tensor& running_mean,
                                     const at::Tensor& running_var, double momentum, double eps) {
  if (const char* why = bn_why_unsupported({&input, &opt(weight), &opt(bias), &running_mean, &running_var})) {
    record(rec_bnl_nt, true, why);
    return at::compositeexplicitautograd::_native_batch_norm_legit_no_training(input, weight, bias, running_mean,
                                                                               running_var, momentum, eps);
  }
  record(rec_bnl_nt);
  at::Tensor y, mean, invstd;
  batch_norm_into(y, mean, invstd, input, opt(weight), opt(bias), running_mean, running_var, false, momentum, eps);
  return {y, mean, invstd};
}

Tensor3Ref batch_norm_legit_no_training_out(const at::Tensor& input, const std::optional<at::Tensor>& weight,
                                            const std::optional<at::Tensor>& bias, const at::Tensor& running_mean,
                                            const at::Tensor& running_var, double momentum, double eps,
                                            at::Tensor& out0, at::Tensor& out1, at::Tensor& out2) {
  return batch_norm_out_impl(rec_bnl_nt_out, input, opt(weight), opt(bias), running_mean, running_var, false,
                             momentum, eps, out0, out1, out2);
}

// Gradients of batch_norm. Training: mean / invstd are the saved batch statistics; eval: they
// come from the running stats (the saved ones are ignored, as ATen).
Tensor3 batch_norm_bwd_impl(const at::Tensor& grad_out, const at::Tensor& input, const at::Tensor& w,
                            const at::Tensor& rm, const at::Tensor& rv, const at::Tensor& save_mean,
                            const at::Tensor& save_invstd, bool train, double eps, std::array<bool, 3> mask) {
  const int64_t C = input.size(1);
  TORCH_CHECK(!train || (save_mean.defined() && save_invstd.defined()),
              "batch_norm backward: save_mean and save_invstd must be defined in training mode");
  TORCH_CHECK(train || (rm.defined() && rv.defined()),
              "batch_norm backward: running_mean and running_var must be defined in evaluation mode");
  check_bn_param(w, "weight", C);
  const at::Tensor& mean = train ? save_mean : rm;
  const at::Tensor& var = train ? save_invstd : rv;
  check_bn_param(mean, train ? "save_mean" : "running_mean", C);
  check_bn_param(var, train ? "save_invstd" : "running_var", C);
  at::Tensor dx, dw, db;
  const auto param_opts = w.defined() ? w.options() : input.options();
  if (mask[0]) dx = at::empty_like(input, input.suggest_memory_format());
  if (mask[1]) dw = at::empty({C}, param_opts);
  if (mask[2]) db = at::empty({C}, param_opts);
  if (input.numel() == 0) {
    if (dw.defined()) dw.zero_();
    if (db.defined()) db.zero_();
    return {dx, dw, db};
  }
  BnView vx, vd, vdx;
  const at::Tensor x = bn_operand(input, vx);
  const at::Tensor dy = bn_operand(grad_out, vd);
  at::Tensor dx_use = dx;
  if (dx.defined() && !bn_view(dx, vdx)) {
    dx_use = at::empty(input.sizes(), input.options());
    bn_view(dx_use, vdx);
  }
  const int64_t R = vx.B * vx.HW;
  const BnConfig c = bn_config(R, C, vx.HW, x.device(), /*forward=*/false);
  // eval without weight / bias gradients needs no sums: one launch
  const bool split = c.split > 1 && (train || dw.defined() || db.defined());
  const at::Tensor mean_c = mean.contiguous();
  const at::Tensor var_c = var.contiguous();
  const at::Tensor w_c = w.defined() ? w.contiguous() : w;
  at::Tensor part_dy, part_dyx;
  if (split) {
    part_dy = at::empty({c.split, C}, x.options().dtype(acc_type(x)));
    part_dyx = at::empty({c.split, C}, x.options().dtype(acc_type(x)));
  }
  const bool i64 = needs_int64(1, std::max({bn_span(vx), bn_span(vd), dx_use.defined() ? bn_span(vdx) : 0}));
  for (int phase = split ? 0 : 1; phase < 2; ++phase) {
    rt::KernelArgs args;
    args_opt(args, dx_use);
    args_opt(args, dw);
    args_opt(args, db);
    args.tensor(dy).tensor(x);
    if (train) args.tensor(mean_c).tensor(var_c).none().none();
    else args.none().none().tensor(mean_c).tensor(var_c);
    args_opt(args, w_c);
    args_opt(args, part_dy);
    args_opt(args, part_dyx);
    args.integer(R).integer(C).integer(vx.HW);
    bn_strides(args, vx);
    bn_strides(args, vd);
    bn_strides(args, dx_use.defined() ? vdx : vx);
    args.integer(c.rows_per_split).integer(c.split);
    if (is_f64(x)) args.f64(eps); else args.f32(eps);
    args.constant(phase).constant(split).constant(train).constant(dx_use.defined()).constant(dw.defined());
    args.constant(db.defined()).constant(w.defined()).constant(is_f64(x)).constant(c.block_r).constant(c.block_c);
    args.constant(i64);
    rt::LaunchConfig cfg;
    cfg.grid[0] = ceil_div(C, c.block_c);
    // one split: a single program per channel block holds all rows
    cfg.grid[1] = (split || dx_use.defined()) ? c.split : 1;
    cfg.num_warps = c.num_warps;
    rt::launch(batch_norm_bwd_kernel, cfg, args, x.device());
  }
  if (dx.defined() && !dx_use.is_same(dx)) dx.copy_(dx_use);
  return {dx, dw, db};
}

const char* bn_bwd_why(const at::Tensor& grad_out, const at::Tensor& input, const at::Tensor& w, const at::Tensor& rm,
                       const at::Tensor& rv, const at::Tensor& sm, const at::Tensor& si) {
  const char* why = bn_why_unsupported({&input, &grad_out, &w, &rm, &rv, &sm, &si});
  if (!why && grad_out.scalar_type() != input.scalar_type()) why = "mixed dtypes";
  return why;
}

Tensor3 batch_norm_bwd(const at::Tensor& grad_out, const at::Tensor& input, const std::optional<at::Tensor>& weight,
                       const std::optional<at::Tensor>& running_mean, const std::optional<at::Tensor>& running_var,
                       const std::optional<at::Tensor>& save_mean, const std::optional<at::Tensor>& save_invstd,
                       bool train, double eps, std::array<bool, 3> mask) {
  if (const char* why = bn_bwd_why(grad_out, input, opt(weight), opt(running_mean), opt(running_var), opt(save_mean),
                                   opt(save_invstd))) {
    record(rec_bn_bwd, true, why);
    if (input.is_cuda())
      return at::cuda::native_batch_norm_backward(grad_out, input, weight, running_mean, running_var, save_mean,
                                                  save_invstd, train, eps, mask);
    return at::cpu::native_batch_norm_backward(grad_out, input, weight, running_mean, running_var, save_mean,
                                               save_invstd, train, eps, mask);
  }
  record(rec_bn_bwd);
  return batch_norm_bwd_impl(grad_out, input, opt(weight), opt(running_mean), opt(running_var), opt(save_mean),
                             opt(save_invstd), train, eps, mask);
}

Tensor3Ref batch_norm_bwd_out(const at::Tensor& grad_out, const at::Tensor& input,
                              const std::optional<at::Tensor>& weight, const std::optional<at::Tensor>& running_mean,
                              const std::optional<at::Tensor>& running_var, const std::optional<at::Tensor>& save_mean,
                              const std::optional<at::Tensor>& save_invstd, bool train, double eps,
                              std::array<bool, 3> mask, at::Tensor& out0, at::Tensor& out1, at::Tensor& out2) {
  const char* why = bn_bwd_why(grad_out, input, opt(weight), opt(running_mean), opt(running_var), opt(save_mean),
                               opt(save_invstd));
  record(rec_bn_bwd_out, why != nullptr, why);
  return copy_outs(batch_norm_bwd(grad_out, input, weight, running_mean, running_var, save_mean, save_invstd, train,
                                  eps, mask),
                   out0, out1, out2);
}

// F.batch_norm / F.instance_norm reach cudnn_batch_norm on CUDA (aten::_batch_norm_impl_index
// picks it for affine input of 3+ dims, except bf16 / fp64): the same kernels under cuDNN's
// contract. Training saves mean and invstd (dtype of the weight); eval saves nothing (empty
// tensors) and autograd then calls native_batch_norm_backward; the reserve space is empty.
std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor> cudnn_batch_norm(
    const at::Tensor& input, const at::Tensor& weight, const std::optional<at::Tensor>& bias,
    const std::optional<at::Tensor>& running_mean, const std::optional<at::Tensor>& running_var, bool train,
    double momentum, double eps) {
  if (const char* why =
          bn_why_unsupported({&input, &weight, &opt(bias), &opt(running_mean), &opt(running_var)})) {
    record(rec_cudnn_bn, true, why);
    TORCH_CHECK(input.is_cuda(), "cudnn_batch_norm: no CPU kernel for these inputs (", why, ")");
    return at::cuda::cudnn_batch_norm(input, weight, bias, running_mean, running_var, train, momentum, eps);
  }
  record(rec_cudnn_bn);
  at::Tensor y, mean, invstd;
  batch_norm_into(y, mean, invstd, input, weight, opt(bias), opt(running_mean), opt(running_var), train, momentum,
                  eps);
  const auto param_opts = weight.options();
  if (train) {
    mean = mean.to(param_opts.dtype());
    invstd = invstd.to(param_opts.dtype());
  } else {
    mean = at::empty({0}, param_opts);
    invstd = at::empty({0}, param_opts);
  }
  return {y, mean, invstd, at::empty({0}, input.options().dtype(c10::kByte))};
}

Tensor3 cudnn_batch_norm_bwd(const at::Tensor& input, const at::Tensor& grad_out, const at::Tensor& weight,
                             const std::optional<at::Tensor>& running_mean,
                             const std::optional<at::Tensor>& running_var, const std::optional<at::Tensor>& save_mean,
                             const std::optional<at::Tensor>& save_var, double eps, const at::Tensor& reserve) {
  if (const char* why = bn_bwd_why(grad_out, input, weight, opt(running_mean), opt(running_var), opt(save_mean),
                                   opt(save_var))) {
    record(rec_cudnn_bn_bwd, true, why);
    TORCH_CHECK(input.is_cuda(), "cudnn_batch_norm_backward: no CPU kernel for these inputs (", why, ")");
    return at::cuda::cudnn_batch_norm_backward(input, grad_out, weight, running_mean, running_var, save_mean,
                                               save_var, eps, reserve);
  }
  record(rec_cudnn_bn_bwd);
  return batch_norm_bwd_impl(grad_out, input, weight, opt(running_mean), opt(running_var), opt(save_mean),
                             opt(save_var), true, eps, {true, true, true});
}


// ---------------------------------------------------------------- weight_norm

// aten::_weight_norm (CompositeImplicitAutograd) calls _weight_norm_interface for dim 0 or the
// last dim; autograd then calls _weight_norm_interface_backward. v and g are used contiguous.
OpRecord rec_wn{"_weight_norm_interface"}, rec_wn_out{"_weight_norm_interface.out"};
OpRecord rec_wn_bwd{"_weight_norm_interface_backward"}, rec_wn_bwd_out{"_weight_norm_interface_backward.out"};

rt::KernelHandle weight_norm_fwd_kernel{"gemforge.kernels.norm", "weight_norm_fwd_kernel"};
rt::KernelHandle weight_norm_bwd_kernel{"gemforge.kernels.norm", "weight_norm_bwd_kernel"};

// The K kept slices of J elements and their strides in a contiguous v; config of both kernels.
struct WnShape {
  int64_t K, J, s_k, s_j, block_k, block_j;
};

WnShape wn_shape(const at::Tensor& v, const at::Tensor& g, int64_t dim) {
  TORCH_CHECK(dim == 0 || dim == v.dim() - 1, "fused kernels can only be applied for first or last dim");
  WnShape s;
  s.K = v.dim() == 0 ? 1 : v.size(dim);
  s.J = s.K == 0 ? 0 : v.numel() / s.K;
  TORCH_CHECK(g.numel() == s.K, "weight_norm: g should have ", s.K, " elements, got ", g.numel());
  const bool rows = dim == 0;
  s.s_k = rows ? s.J : 1;
  s.s_j = rows ? 1 : s.K;
  const bool cuda = v.is_cuda();
  if (rows) {  // slices contiguous: long chunks along j
    s.block_j = std::min<int64_t>(next_pow2(s.J), cuda ? 1024 : 4096);
    s.block_k = std::min<int64_t>(next_pow2(s.K), std::max<int64_t>(1, (cuda ? 2048 : 4096) / s.block_j));
  } else {  // slices are columns: wide blocks of them (adjacent in memory)
    s.block_k = std::min<int64_t>(next_pow2(s.K), cuda ? 64 : 256);
    s.block_j = std::min<int64_t>(next_pow2(s.J), std::max<int64_t>(1, 4096 / s.block_k));
  }
  return s;
}

std::tuple<at::Tensor, at::Tensor> aten_weight_norm(const at::Tensor& v, const at::Tensor& g, int64_t dim) {
  if (v.is_cuda()) return at::cuda::_weight_norm_interface(v, g, dim);
  return at::cpu::_weight_norm_interface(v, g, dim);
}

// Why (v, g, ...) go to ATen: 0-d v, or a dim other than the first or last, for which ATen's
// CPU kernel raises and its CUDA kernel computes.
const char* wn_why(std::initializer_list<const at::Tensor*> ts, int64_t dim) {
  const char* why = bn_why_unsupported(ts);
  const at::Tensor& v = **ts.begin();
  if (!why && v.dim() == 0) why = "0-d";
  if (!why && dim != 0 && dim != v.dim() - 1) why = "dim";
  return why;
}

std::tuple<at::Tensor, at::Tensor> weight_norm(const at::Tensor& v_in, const at::Tensor& g_in, int64_t dim) {
  if (const char* why = wn_why({&v_in, &g_in}, dim)) {
    record(rec_wn, true, why);
    return aten_weight_norm(v_in, g_in, dim);
  }
  record(rec_wn);
  const WnShape s = wn_shape(v_in, g_in, dim);
  const at::Tensor v = v_in.contiguous();
  const at::Tensor g = g_in.contiguous();
  at::Tensor w = at::empty(v.sizes(), v.options());
  at::Tensor norms = at::empty(g.sizes(), g.options().dtype(acc_type(g)));
  if (s.K == 0) return {w, norms};
  rt::KernelArgs args;
  args.tensor(w).tensor(norms).tensor(v).tensor(g);
  args.integer(s.K).integer(s.J).integer(s.s_k).integer(s.s_j);
  args.constant(is_f64(v)).constant(s.block_k).constant(s.block_j).constant(needs_int64(1, v.numel()));
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(s.K, s.block_k);
  cfg.num_warps = 4;
  rt::launch(weight_norm_fwd_kernel, cfg, args, v.device());
  return {w, norms};
}

std::tuple<at::Tensor&, at::Tensor&> weight_norm_out(const at::Tensor& v, const at::Tensor& g, int64_t dim,
                                                     at::Tensor& out0, at::Tensor& out1) {
  const char* why = wn_why({&v, &g}, dim);
  record(rec_wn_out, why != nullptr, why);
  auto [w, norms] = weight_norm(v, g, dim);
  at::native::resize_output(out0, w.sizes());
  at::native::resize_output(out1, norms.sizes());
  out0.copy_(w);
  out1.copy_(norms);
  return {out0, out1};
}

std::tuple<at::Tensor, at::Tensor> weight_norm_bwd(const at::Tensor& grad_w_in, const at::Tensor& v_in,
                                                   const at::Tensor& g_in, const at::Tensor& norms_in, int64_t dim) {
  const char* why = wn_why({&v_in, &grad_w_in, &g_in, &norms_in}, dim);
  if (!why && grad_w_in.scalar_type() != v_in.scalar_type()) why = "mixed dtypes";
  if (why) {
    record(rec_wn_bwd, true, why);
    if (v_in.is_cuda()) return at::cuda::_weight_norm_interface_backward(grad_w_in, v_in, g_in, norms_in, dim);
    return at::cpu::_weight_norm_interface_backward(grad_w_in, v_in, g_in, norms_in, dim);
  }
  record(rec_wn_bwd);
  const WnShape s = wn_shape(v_in, g_in, dim);
  TORCH_CHECK(norms_in.numel() == s.K, "weight_norm backward: saved_norms should have ", s.K, " elements");
  TORCH_CHECK(grad_w_in.sizes() == v_in.sizes(), "weight_norm backward: grad_w and saved_v differ in shape");
  const at::Tensor v = v_in.contiguous();
  const at::Tensor g = g_in.contiguous();
  const at::Tensor gw = grad_w_in.contiguous();
  const at::Tensor norms = norms_in.contiguous();
  at::Tensor grad_v = at::empty(v.sizes(), v.options());
  at::Tensor grad_g = at::empty(g.sizes(), g.options());
  if (s.K == 0) return {grad_v, grad_g};
  rt::KernelArgs args;
  args.tensor(grad_v).tensor(grad_g).tensor(gw).tensor(v).tensor(g).tensor(norms);
  args.integer(s.K).integer(s.J).integer(s.s_k).integer(s.s_j);
  args.constant(is_f64(v)).constant(s.block_k).constant(s.block_j).constant(needs_int64(1, v.numel()));
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(s.K, s.block_k);
  cfg.num_warps = 4;
  rt::launch(weight_norm_bwd_kernel, cfg, args, v.device());
  return {grad_v, grad_g};
}

std::tuple<at::Tensor&, at::Tensor&> weight_norm_bwd_out(const at::Tensor& grad_w, const at::Tensor& v,
                                                         const at::Tensor& g, const at::Tensor& norms, int64_t dim,
                                                         at::Tensor& out0, at::Tensor& out1) {
  const char* why = wn_why({&v, &grad_w, &g, &norms}, dim);
  record(rec_wn_bwd_out, why != nullptr, why);
  auto [gv, gg] = weight_norm_bwd(grad_w, v, g, norms, dim);
  at::native::resize_output(out0, gv.sizes());
  at::native::resize_output(out1, gg.sizes());
  out0.copy_(gv);
  out1.copy_(gg);
  return {out0, out1};
}

}  // namespace
}  // namespace gemforge::ops

namespace gemforge {

void add_norm_ops(std::vector<OpEntry>& t) {
  using namespace ops;
  t.push_back(entry<&layer_norm>(rec_ln));
  t.push_back(entry<&layer_norm_out>(rec_ln_out));
  t.push_back(entry<&layer_norm_bwd>(rec_ln_bwd));
  t.push_back(entry<&layer_norm_bwd_out>(rec_ln_bwd_out));
  t.push_back(entry<&fused_rms_norm>(rec_rms));
  t.push_back(entry<&fused_rms_norm_bwd>(rec_rms_bwd));
  t.push_back(entry<&group_norm>(rec_gn));
  t.push_back(entry<&group_norm_out>(rec_gn_out));
  t.push_back(entry<&group_norm_bwd>(rec_gn_bwd));
  t.push_back(entry<&group_norm_bwd_out>(rec_gn_bwd_out));
  t.push_back(entry<&batch_norm>(rec_bn));
  t.push_back(entry<&batch_norm_out>(rec_bn_out));
  t.push_back(entry<&batch_norm_legit>(rec_bnl));
  t.push_back(entry<&batch_norm_legit_out>(rec_bnl_out));
  t.push_back(entry<&batch_norm_legit_no_stats>(rec_bnl_ns));
  t.push_back(entry<&batch_norm_legit_no_stats_out>(rec_bnl_ns_out));
  t.push_back(entry<&batch_norm_legit_no_training>(rec_bnl_nt));
  t.push_back(entry<&batch_norm_legit_no_training_out>(rec_bnl_nt_out));
  t.push_back(entry<&batch_norm_bwd>(rec_bn_bwd));
  t.push_back(entry<&batch_norm_bwd_out>(rec_bn_bwd_out));
  t.push_back(entry<&cudnn_batch_norm>(rec_cudnn_bn));
  t.push_back(entry<&cudnn_batch_norm_bwd>(rec_cudnn_bn_bwd));
  t.push_back(entry<&weight_norm>(rec_wn));
  t.push_back(entry<&weight_norm_out>(rec_wn_out));
  t.push_back(entry<&weight_norm_bwd>(rec_wn_bwd));
  t.push_back(entry<&weight_norm_bwd_out>(rec_wn_bwd_out));
}

}  // namespace gemforge
