// softmax / log_softmax backward, and the losses with their backward ops, including the fused large-vocabulary cross entropy (issue 4).
// Kernels: python/gemforge/kernels/loss.py.
//
// Argument checking: input that ATen would reject (shapes, dtypes, out-of-range class targets on
// the CPU backend, BCE input outside [0, 1]) goes to ATen's kernel, which raises its own error.
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/op_utils.h"
#include "registration/registry.h"
#include "runtime/config_table.h"
#include "runtime/kernel.h"

#include <ATen/Dispatch.h>
#include <ATen/core/Reduction.h>
#include <ATen/core/grad_mode.h>
#include <ATen/native/Resize.h>
#include <ATen/ops/_log_softmax_backward_data_cpu_dispatch.h>
#include <ATen/ops/_log_softmax_backward_data_cuda_dispatch.h>
#include <ATen/ops/_softmax_backward_data_cpu_dispatch.h>
#include <ATen/ops/_softmax_backward_data_cuda_dispatch.h>
#include <ATen/ops/binary_cross_entropy_backward_cpu_dispatch.h>
#include <ATen/ops/binary_cross_entropy_backward_cuda_dispatch.h>
#include <ATen/ops/binary_cross_entropy_cpu_dispatch.h>
#include <ATen/ops/binary_cross_entropy_cuda_dispatch.h>
#include <ATen/ops/binary_cross_entropy_with_logits_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/cross_entropy_loss_native.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/huber_loss_backward_cpu_dispatch.h>
#include <ATen/ops/huber_loss_backward_cuda_dispatch.h>
#include <ATen/ops/huber_loss_cpu_dispatch.h>
#include <ATen/ops/huber_loss_cuda_dispatch.h>
#include <ATen/ops/huber_loss_backward_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/l1_loss_native.h>
#include <ATen/ops/smooth_l1_loss_backward_compositeexplicitautograd_dispatch.h>
#include <ATen/ExpandUtils.h>
#include <ATen/ops/mse_loss_backward_cpu_dispatch.h>
#include <ATen/ops/mse_loss_backward_cuda_dispatch.h>
#include <ATen/ops/mse_loss_cpu_dispatch.h>
#include <ATen/ops/mse_loss_cuda_dispatch.h>
#include <ATen/ops/nll_loss2d_backward_cpu_dispatch.h>
#include <ATen/ops/nll_loss2d_backward_cuda_dispatch.h>
#include <ATen/ops/nll_loss2d_forward_cpu_dispatch.h>
#include <ATen/ops/nll_loss2d_forward_cuda_dispatch.h>
#include <ATen/ops/nll_loss_backward_cpu_dispatch.h>
#include <ATen/ops/nll_loss_backward_cuda_dispatch.h>
#include <ATen/ops/nll_loss_forward_cpu_dispatch.h>
#include <ATen/ops/nll_loss_forward_cuda_dispatch.h>
#include <ATen/ops/smooth_l1_loss_backward_cpu_dispatch.h>
#include <ATen/ops/smooth_l1_loss_backward_cuda_dispatch.h>
#include <ATen/ops/smooth_l1_loss_cpu_dispatch.h>
#include <ATen/ops/smooth_l1_loss_cuda_dispatch.h>

#include <limits>
#include <tuple>

namespace gemforge::ops {
namespace {

rt::KernelHandle softmax_backward_kernel{"gemforge.kernels.loss", "softmax_backward_kernel"};
rt::KernelHandle softmax_backward_part_sums_kernel{"gemforge.kernels.loss", "softmax_backward_part_sums_kernel"};
rt::KernelHandle softmax_backward_split_kernel{"gemforge.kernels.loss", "softmax_backward_split_kernel"};
rt::KernelHandle softmax_backward_cols_kernel{"gemforge.kernels.loss", "softmax_backward_cols_kernel"};
rt::KernelHandle finish_kernel{"gemforge.kernels.loss", "finish_kernel"};
rt::KernelHandle nll_forward_kernel{"gemforge.kernels.loss", "nll_forward_kernel"};
rt::KernelHandle nll_backward_kernel{"gemforge.kernels.loss", "nll_backward_kernel"};
rt::KernelHandle ce_forward_kernel{"gemforge.kernels.loss", "cross_entropy_forward_kernel"};
rt::KernelHandle ce_reduce_kernel{"gemforge.kernels.loss", "cross_entropy_reduce_kernel"};
rt::KernelHandle ce_backward_kernel{"gemforge.kernels.loss", "cross_entropy_backward_kernel"};
rt::KernelHandle pointwise_loss_kernel{"gemforge.kernels.loss", "pointwise_loss_kernel"};
rt::KernelHandle pointwise_loss_backward_kernel{"gemforge.kernels.loss", "pointwise_loss_backward_kernel"};

// ATen's own kernel of `fn` for the backend of tensor `t`.
#define GF_ATEN(t, fn, ...) ((t).is_cuda() ? at::cuda::fn(__VA_ARGS__) : at::cpu::fn(__VA_ARGS__))

// Elements per block of the flat kernels: the interpreter pays per program, so it gets wider ones.
int64_t element_block(const c10::Device& d) { return d.is_cuda() ? 1024 : 4096; }

bool needs_int64(int64_t extent) { return extent > INT32_MAX - 65536; }

// The dtype the kernels accumulate in for inputs of dtype t.

// A runtime float argument in the kernel's compute type.
void float_arg(rt::KernelArgs& args, bool f64, double v) {
  if (f64) args.f64(v); else args.f32(v);
}

// How many programs a flat reduction over n elements uses, and how many elements each owns
// (whole blocks). One program: the kernel writes the result itself (no finish launch).
struct Split {
  int64_t programs = 1;
  int64_t per_program = 0;
  int64_t block = 0;  // elements per loop step of a program
  int num_warps = 4;
};

// `programs_per_sm` programs per SM on a GPU; the interpreter gets few programs, each looping
// (cheaper there).
Split plan_split(int64_t n, const c10::Device& device, int64_t block, int64_t programs_per_sm, int num_warps) {
  Split s;
  s.block = block;
  s.num_warps = num_warps;
  const int64_t blocks = ceil_div(n, block);
  const int64_t target = device.is_cuda() ? programs_per_sm * rt::device_info(device.index()).sm_count : 4;
  const int64_t min_blocks_per_program = device.is_cuda() ? 4 : 2;
  s.programs = std::max<int64_t>(1, std::min(target, blocks / min_blocks_per_program));
  s.per_program = ceil_div(blocks, s.programs) * block;
  s.programs = std::max<int64_t>(1, ceil_div(n, s.per_program));
  return s;
}

// The split of an elementwise loss reduced to one value: the flat-reduction tiles of the reduce
// kernels (ReduceInner: wide blocks, many warps, 8 programs per SM), so that enough loads are in
// flight to stream the inputs at copy bandwidth. (2 programs of 1024 elements per SM reached
// ~0.9x of ATen's two-pass mse_loss on H100.)
Split plan_loss_split(int64_t n, const c10::Device& device) {
  const rt::TileConfig& c = rt::lookup_config(rt::Family::ReduceInner, arch_of(device), n, 1);
  const int64_t block = device.is_cuda() ? std::min<int64_t>(c.block0, next_pow2(n)) : element_block(device);
  return plan_split(n, device, std::max<int64_t>(block, 128), 8, device.is_cuda() ? c.num_warps : 4);
}

// out (0-d) = reduce(partials); with `weights` the partials hold loss sums then weight sums and
// total_weight receives the weight sum (nll).
// pdl: launched as a programmatic dependent launch of the partials' kernel (op_utils.h use_pdl).
void launch_finish(const at::Tensor& out, const at::Tensor* total_weight, const at::Tensor& partials, int64_t P,
                   int64_t reduction, double divisor, bool weights, bool pdl = false) {
  rt::KernelArgs args;
  args.tensor(out);
  if (total_weight) args.tensor(*total_weight); else args.none();
  args.tensor(partials).integer(P);
  const bool f64 = partials.scalar_type() == c10::kDouble;
  float_arg(args, f64, divisor);
  args.constant(reduction).constant(weights).constant(f64).constant(std::min<int64_t>(1024, next_pow2(P)));
  args.constant(pdl);
  rt::LaunchConfig cfg;
  cfg.pdl = pdl;
  rt::launch(finish_kernel, cfg, args, out.device());
}

// ---------------------------------------------------------------- softmax backward

OpRecord rec_softmax_bwd{"_softmax_backward_data"}, rec_softmax_bwd_out{"_softmax_backward_data.out"};
OpRecord rec_log_softmax_bwd{"_log_softmax_backward_data"},
    rec_log_softmax_bwd_out{"_log_softmax_backward_data.out"};

// grad_input's dtype as ATen's meta function sets it, or nullopt where ATen's kernel must handle
// (or reject) the input. A float grad for a half input is CUDA's half_to_float backward: the
// result is half on CUDA; ATen's CPU kernel rejects it, so CPU tensors go to it.
std::optional<c10::ScalarType> softmax_backward_dtype(const at::Tensor& grad, const at::Tensor& output,
                                                      c10::ScalarType input_dtype) {
  if (unsupported(kFloats, {&grad, &output})) return std::nullopt;
  if (grad.scalar_type() != output.scalar_type() || grad.device() != output.device()) return std::nullopt;
  if (grad.sizes() != output.sizes()) return std::nullopt;
  if (input_dtype == grad.scalar_type()) return input_dtype;
  if (grad.scalar_type() == c10::kFloat && input_dtype == c10::kHalf && grad.is_cuda()) return c10::kHalf;
  return std::nullopt;
}

// The backward over a non-last dim (inner > 1), softmax_backward_cols_kernel: the forward's
// column tiles and split (op_utils.h softmax_cols_tiles). One sum per column instead of (max, sum):
// split, the parts' sums go to a workspace [parts, K] and the second launch (reversed, for L2
// reuse) adds them in a fixed order and writes.
void run_softmax_backward_cols(const at::Tensor& gin, const at::Tensor& g, const at::Tensor& y, int64_t D,
                               int64_t inner, bool log) {
  const ColsTiles t = softmax_cols_tiles(g.numel(), D, inner, g.device());
  rt::LaunchConfig cfg;
  cfg.num_warps = kColsWarps;
  cfg.grid[0] = t.blocks;
  cfg.grid[1] = t.parts;
  const at::Tensor ws = t.parts > 1 ? at::empty({t.parts, t.K}, g.options().dtype(acc_type(g))) : at::Tensor();
  const at::Tensor& ws_arg = t.parts > 1 ? ws : g;  // unused by stage 0
  for (int stage = t.parts > 1 ? 1 : 0; stage <= (t.parts > 1 ? 2 : 0); ++stage) {
    rt::KernelArgs args;
    args.tensor(gin).tensor(g).tensor(y).tensor(ws_arg).integer(t.K).integer(D).integer(inner).integer(t.part);
    args.constant(log).constant(is_f64(g)).constant(t.block_k).constant(t.block_d).constant(stage);
    args.constant(t.int64).constant(kSplitReverse);
    rt::launch(softmax_backward_cols_kernel, cfg, args, g.device());
  }
}

void run_softmax_backward(const at::Tensor& gin, const at::Tensor& g, const at::Tensor& y, int64_t dim, bool log) {
  const int64_t numel = g.numel();
  if (numel == 0) return;
  const int64_t D = g.dim() == 0 ? 1 : g.size(dim);
  int64_t inner = 1;
  for (int64_t d = dim + 1; d < g.dim(); ++d) inner *= g.size(d);
  if (inner > 1) return run_softmax_backward_cols(gin, g, y, D, inner, log);
  const int64_t K = numel / D;
  const RowTiles t = softmax_row_tiles(K, D, inner, g.device());
  const OnepassTiles onepass = softmax_onepass_tiles(t, K, D, y, g);
  if (onepass.parts) return run_softmax_onepass(gin, y, g, K, D, log, onepass);
  rt::LaunchConfig cfg;
  cfg.num_warps = t.num_warps;
  if (t.parts > 1) {
    // few wide rows: per-part sums, then add them up and write (op_utils.h)
    const at::Tensor ws = at::empty({K, t.parts}, g.options().dtype(acc_type(g)));
    cfg.grid[0] = t.parts;
    cfg.grid[1] = K;
    const bool pdl = use_pdl(g.device(), numel);
    rt::KernelArgs sums;
    sums.tensor(ws).tensor(g).tensor(y).integer(K).integer(D).integer(t.part);
    sums.constant(log).constant(is_f64(g)).constant(t.block_d).constant(needs_int64(numel)).constant(pdl);
    rt::launch(softmax_backward_part_sums_kernel, cfg, sums, g.device());
    rt::KernelArgs args;
    args.tensor(gin).tensor(g).tensor(y).tensor(ws).integer(K).integer(D).integer(t.part);
    args.constant(log).constant(is_f64(g)).constant(t.block_d).constant(t.block_p);
    args.constant(needs_int64(numel)).constant(kSplitReverse).constant(pdl);
    cfg.pdl = pdl;
    rt::launch(softmax_backward_split_kernel, cfg, args, g.device());
    return;
  }
  rt::KernelArgs args;
  args.tensor(gin).tensor(g).tensor(y).integer(K).integer(D).integer(inner);
  args.constant(log).constant(is_f64(g)).constant(t.block_k).constant(t.block_d).constant(t.single);
  args.constant(needs_int64(numel));
  cfg.grid[0] = ceil_div(K, t.block_k);
  rt::launch(softmax_backward_kernel, cfg, args, g.device());
}

template <bool log>
struct SoftmaxBackward {
  static at::Tensor aten(const at::Tensor& g, const at::Tensor& y, int64_t dim, c10::ScalarType t) {
    return log ? GF_ATEN(g, _log_softmax_backward_data, g, y, dim, t) : GF_ATEN(g, _softmax_backward_data, g, y, dim, t);
  }
  static at::Tensor& aten_out(const at::Tensor& g, const at::Tensor& y, int64_t dim, c10::ScalarType t,
                              at::Tensor& out) {
    return log ? GF_ATEN(out, _log_softmax_backward_data_out, out, g, y, dim, t)
               : GF_ATEN(out, _softmax_backward_data_out, out, g, y, dim, t);
  }
  static at::Tensor fn(const at::Tensor& grad, const at::Tensor& output, int64_t dim, c10::ScalarType input_dtype) {
    OpRecord& rec = log ? rec_log_softmax_bwd : rec_softmax_bwd;
    const auto dtype = softmax_backward_dtype(grad, output, input_dtype);
    if (!dtype) {
      record(rec, true, "dtype, device or shape");
      return aten(grad, output, dim, input_dtype);
    }
    record(rec);
    const int64_t wrapped = c10::maybe_wrap_dim(dim, grad.dim());
    at::Tensor gin = at::empty(grad.sizes(), grad.options().dtype(*dtype));
    run_softmax_backward(gin, grad.contiguous(), output.contiguous(), wrapped, log);
    return gin;
  }
  static at::Tensor& out_fn(const at::Tensor& grad, const at::Tensor& output, int64_t dim,
                            c10::ScalarType input_dtype, at::Tensor& out) {
    OpRecord& rec = log ? rec_log_softmax_bwd_out : rec_softmax_bwd_out;
    const auto dtype = softmax_backward_dtype(grad, output, input_dtype);
    if (!dtype || out.scalar_type() != *dtype || out.device() != grad.device()) {
      record(rec, true, "dtype, device or shape");
      return aten_out(grad, output, dim, input_dtype, out);
    }
    const int64_t wrapped = c10::maybe_wrap_dim(dim, grad.dim());
    at::native::resize_output(out, grad.sizes());
    if (!out.is_contiguous()) {
      record(rec, true, "non-contiguous out");
      return aten_out(grad, output, dim, input_dtype, out);
    }
    record(rec);
    run_softmax_backward(out, grad.contiguous(), output.contiguous(), wrapped, log);
    return out;
  }
};

// ---------------------------------------------------------------- nll_loss, nll_loss2d

OpRecord rec_nll_fwd{"nll_loss_forward"}, rec_nll_fwd_out{"nll_loss_forward.output"};
OpRecord rec_nll_bwd{"nll_loss_backward"}, rec_nll_bwd_out{"nll_loss_backward.grad_input"};
OpRecord rec_nll2d_fwd{"nll_loss2d_forward"}, rec_nll2d_fwd_out{"nll_loss2d_forward.output"};
OpRecord rec_nll2d_bwd{"nll_loss2d_backward"}, rec_nll2d_bwd_out{"nll_loss2d_backward.grad_input"};

bool valid_reduction(int64_t r) { return r == at::Reduction::None || r == at::Reduction::Mean || r == at::Reduction::Sum; }

// On the CPU backend ATen checks every non-ignored target against the class count (IndexError);
// the kernels only mask them, so such input goes to ATen. (On CUDA, ATen asserts on the device.)
bool targets_in_range(const at::Tensor& target, int64_t n_classes, int64_t ignore_index) {
  if (target.is_cuda() || target.numel() == 0) return true;
  const at::Tensor t = target.contiguous();
  const int64_t n = t.numel();
  if (t.scalar_type() == c10::kByte) {
    const uint8_t* p = t.const_data_ptr<uint8_t>();
    for (int64_t i = 0; i < n; ++i)
      if (p[i] != ignore_index && p[i] >= n_classes) return false;
  } else {
    const int64_t* p = t.const_data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i)
      if (p[i] != ignore_index && (p[i] < 0 || p[i] >= n_classes)) return false;
  }
  return true;
}

// Shape facts of an nll_loss (1-D/2-D input, S = 1) or nll_loss2d ([N, C, H, W]) call. `ok` is
// false for input ATen rejects (or that its kernel handles: other dtypes, devices).
struct Nll {
  bool ok = false;
  int64_t N = 0, C = 0, H = 1, W = 1;
  int64_t sn = 0, sc = 0, sh = 0, sw = 0;  // strides of self, elements
  bool per_sample_output = false;            // reduction none with a batch
};

Nll nll_plan(const at::Tensor& self, const at::Tensor& target, const std::optional<at::Tensor>& weight,
             int64_t reduction, int64_t ignore_index, bool is2d) {
  Nll p;
  const at::Tensor* w = weight.has_value() && weight->defined() ? &*weight : nullptr;
  if (unsupported(kFloats, {&self}) || !valid_reduction(reduction)) return p;
  if (w && (w->scalar_type() != self.scalar_type() || w->device() != self.device() || w->dim() != 1)) return p;
  if (target.device() != self.device()) return p;
  if (!(target.scalar_type() == c10::kLong || (!is2d && target.scalar_type() == c10::kByte))) return p;
  if (is2d) {
    if (target.dim() != 3 || self.dim() != 4) return p;
    p.N = self.size(0), p.C = self.size(1), p.H = self.size(2), p.W = self.size(3);
    if (target.size(0) != p.N || target.size(1) != p.H || target.size(2) != p.W) return p;
    p.sn = self.stride(0), p.sc = self.stride(1), p.sh = self.stride(2), p.sw = self.stride(3);
    p.per_sample_output = reduction == at::Reduction::None;
  } else {
    if (self.dim() < 1 || self.dim() > 2 || target.dim() > 1) return p;
    const bool no_batch = self.dim() == 1 && target.dim() == 0;
    if (self.dim() == 1 && target.dim() == 1) return p;
    if (!no_batch && self.size(0) != target.size(0)) return p;
    p.N = self.dim() == 2 ? self.size(0) : 1;
    p.C = self.size(-1);
    p.sn = self.dim() == 2 ? self.stride(0) : 0;
    p.sc = self.stride(-1);
    p.per_sample_output = reduction == at::Reduction::None && self.dim() == 2;
  }
  if (w && w->numel() != p.C) return p;
  if (!targets_in_range(target, p.C, ignore_index)) return p;
  p.ok = true;
  return p;
}

void nll_forward_into(const at::Tensor& output, const at::Tensor& total_weight, const at::Tensor& self,
                      const at::Tensor& target, const std::optional<at::Tensor>& weight, int64_t reduction,
                      int64_t ignore_index, const Nll& p) {
  const int64_t NE = p.N * p.H * p.W;
  const bool has_w = weight.has_value() && weight->defined();
  if (NE == 0) {
    if (!p.per_sample_output) output.fill_(reduction == at::Reduction::Mean ? std::numeric_limits<double>::quiet_NaN() : 0.0);
    total_weight.zero_();
    return;
  }
  // 1-D input with reduction none: ATen returns the single (unreduced) loss, as a sum would
  const int64_t kernel_reduction = p.per_sample_output ? at::Reduction::None
                                   : reduction == at::Reduction::Mean ? at::Reduction::Mean
                                                                      : at::Reduction::Sum;
  const at::Tensor t = target.contiguous();
  const at::Tensor w = has_w ? weight->contiguous() : at::Tensor();
  const bool f64 = is_f64(self);
  Split split;
  if (kernel_reduction != at::Reduction::None) split = plan_split(NE, self.device(), element_block(self.device()), 2, 4);
  at::Tensor partials;
  if (split.programs > 1) partials = at::empty({2 * split.programs}, self.options().dtype(acc_type(self.scalar_type())));
  rt::KernelArgs args;
  args.tensor(output).tensor(total_weight);
  if (partials.defined()) args.tensor(partials); else args.none();
  args.tensor(self).tensor(t);
  if (has_w) args.tensor(w); else args.none();
  args.integer(NE).integer(p.C).integer(p.H * p.W).integer(p.W);
  args.integer(p.sn).integer(p.sc).integer(p.sh).integer(p.sw).scalar_integer(ignore_index);
  args.integer(split.per_program);
  // offsets into self reach up to the sum of stride * (size - 1)
  const int64_t span = p.N * std::abs(p.sn) + p.C * std::abs(p.sc) + p.H * std::abs(p.sh) + p.W * std::abs(p.sw);
  args.constant(kernel_reduction).constant(has_w).constant(split.programs > 1).constant(f64);
  args.constant(element_block(self.device())).constant(needs_int64(std::max(span, NE)));
  rt::LaunchConfig cfg;
  cfg.grid[0] = kernel_reduction == at::Reduction::None ? ceil_div(NE, element_block(self.device())) : split.programs;
  rt::launch(nll_forward_kernel, cfg, args, self.device());
  if (split.programs > 1) launch_finish(output, &total_weight, partials, split.programs, kernel_reduction, 1.0, true);
}

template <bool is2d>
struct NllForward {
  static OpRecord& rec(bool out) { return is2d ? (out ? rec_nll2d_fwd_out : rec_nll2d_fwd) : (out ? rec_nll_fwd_out : rec_nll_fwd); }
  static std::tuple<at::Tensor, at::Tensor> fn(const at::Tensor& self, const at::Tensor& target,
                                               const std::optional<at::Tensor>& weight, int64_t reduction,
                                               int64_t ignore_index) {
    const Nll p = nll_plan(self, target, weight, reduction, ignore_index, is2d);
    if (!p.ok) {
      record(rec(false), true, "unsupported or invalid input");
      return is2d ? GF_ATEN(self, nll_loss2d_forward, self, target, weight, reduction, ignore_index)
                  : GF_ATEN(self, nll_loss_forward, self, target, weight, reduction, ignore_index);
    }
    record(rec(false));
    at::Tensor output = p.per_sample_output ? (is2d ? at::empty({p.N, p.H, p.W}, self.options())
                                                    : at::empty({p.N}, self.options()))
                                            : at::empty({}, self.options());
    at::Tensor total_weight = at::empty({}, self.options());
    nll_forward_into(output, total_weight, self, target, weight, reduction, ignore_index, p);
    return {output, total_weight};
  }
  static std::tuple<at::Tensor&, at::Tensor&> out_fn(const at::Tensor& self, const at::Tensor& target,
                                                     const std::optional<at::Tensor>& weight, int64_t reduction,
                                                     int64_t ignore_index, at::Tensor& output,
                                                     at::Tensor& total_weight) {
    const Nll p = nll_plan(self, target, weight, reduction, ignore_index, is2d);
    const auto fallback = [&](const char* why) -> std::tuple<at::Tensor&, at::Tensor&> {
      record(rec(true), true, why);
      return is2d ? GF_ATEN(self, nll_loss2d_forward_out, output, total_weight, self, target, weight, reduction, ignore_index)
                  : GF_ATEN(self, nll_loss_forward_out, output, total_weight, self, target, weight, reduction, ignore_index);
    };
    if (!p.ok || output.scalar_type() != self.scalar_type() || total_weight.scalar_type() != self.scalar_type() ||
        output.device() != self.device() || total_weight.device() != self.device())
      return fallback("unsupported or invalid input");
    if (p.per_sample_output) {
      if (is2d) at::native::resize_output(output, {p.N, p.H, p.W});
      else at::native::resize_output(output, {p.N});
    } else {
      at::native::resize_output(output, {});
    }
    at::native::resize_output(total_weight, {});
    if (!output.is_contiguous()) return fallback("non-contiguous out");
    record(rec(true));
    nll_forward_into(output, total_weight, self, target, weight, reduction, ignore_index, p);
    return {output, total_weight};
  }
};

// ATen's checks of the backward's grad_output / total_weight (beyond nll_plan's).
bool nll_backward_args_ok(const at::Tensor& grad_output, const at::Tensor& self, const at::Tensor& total_weight,
                          const Nll& p, bool is2d) {
  if (grad_output.scalar_type() != self.scalar_type() || total_weight.scalar_type() != self.scalar_type()) return false;
  if (grad_output.device() != self.device() || total_weight.device() != self.device()) return false;
  if (total_weight.numel() != 1) return false;
  if (p.per_sample_output) {
    if (is2d) return grad_output.dim() == 3 && grad_output.size(0) == p.N && grad_output.size(1) == p.H &&
                     grad_output.size(2) == p.W;
    return grad_output.dim() == 1 && grad_output.size(0) == p.N;
  }
  return grad_output.dim() <= 1 && grad_output.numel() == 1;
}

void nll_backward_into(const at::Tensor& grad_input, const at::Tensor& grad_output, const at::Tensor& target,
                       const std::optional<at::Tensor>& weight, int64_t reduction, int64_t ignore_index,
                       const at::Tensor& total_weight, const Nll& p) {
  const int64_t numel = grad_input.numel();
  if (numel == 0) return;
  const bool has_w = weight.has_value() && weight->defined();
  const int64_t kernel_reduction = p.per_sample_output ? at::Reduction::None
                                   : reduction == at::Reduction::Mean ? at::Reduction::Mean
                                                                      : at::Reduction::Sum;
  const at::Tensor t = target.contiguous();
  const at::Tensor w = has_w ? weight->contiguous() : at::Tensor();
  const at::Tensor g = grad_output.contiguous();
  rt::KernelArgs args;
  args.tensor(grad_input).tensor(g).tensor(t);
  if (has_w) args.tensor(w); else args.none();
  args.tensor(total_weight).integer(numel).integer(p.C).integer(p.H * p.W).scalar_integer(ignore_index);
  args.constant(kernel_reduction).constant(has_w).constant(is_f64(grad_input)).constant(element_block(grad_input.device()));
  args.constant(needs_int64(numel));
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(numel, element_block(grad_input.device()));
  rt::launch(nll_backward_kernel, cfg, args, grad_input.device());
}

template <bool is2d>
struct NllBackward {
  static OpRecord& rec(bool out) { return is2d ? (out ? rec_nll2d_bwd_out : rec_nll2d_bwd) : (out ? rec_nll_bwd_out : rec_nll_bwd); }
  static at::Tensor fn(const at::Tensor& grad_output, const at::Tensor& self, const at::Tensor& target,
                       const std::optional<at::Tensor>& weight, int64_t reduction, int64_t ignore_index,
                       const at::Tensor& total_weight) {
    const Nll p = nll_plan(self, target, weight, reduction, ignore_index, is2d);
    if (!p.ok || !nll_backward_args_ok(grad_output, self, total_weight, p, is2d)) {
      record(rec(false), true, "unsupported or invalid input");
      return is2d ? GF_ATEN(self, nll_loss2d_backward, grad_output, self, target, weight, reduction, ignore_index, total_weight)
                  : GF_ATEN(self, nll_loss_backward, grad_output, self, target, weight, reduction, ignore_index, total_weight);
    }
    record(rec(false));
    at::Tensor grad_input = at::empty(self.sizes(), self.options());
    nll_backward_into(grad_input, grad_output, target, weight, reduction, ignore_index, total_weight, p);
    return grad_input;
  }
  static at::Tensor& out_fn(const at::Tensor& grad_output, const at::Tensor& self, const at::Tensor& target,
                            const std::optional<at::Tensor>& weight, int64_t reduction, int64_t ignore_index,
                            const at::Tensor& total_weight, at::Tensor& grad_input) {
    const Nll p = nll_plan(self, target, weight, reduction, ignore_index, is2d);
    const auto fallback = [&](const char* why) -> at::Tensor& {
      record(rec(true), true, why);
      return is2d ? GF_ATEN(self, nll_loss2d_backward_out, grad_input, grad_output, self, target, weight, reduction,
                            ignore_index, total_weight)
                  : GF_ATEN(self, nll_loss_backward_out, grad_input, grad_output, self, target, weight, reduction,
                            ignore_index, total_weight);
    };
    if (!p.ok || !nll_backward_args_ok(grad_output, self, total_weight, p, is2d) ||
        grad_input.scalar_type() != self.scalar_type() || grad_input.device() != self.device())
      return fallback("unsupported or invalid input");
    at::native::resize_output(grad_input, self.sizes());
    if (!grad_input.is_contiguous()) return fallback("non-contiguous out");
    record(rec(true));
    nll_backward_into(grad_input, grad_output, target, weight, reduction, ignore_index, total_weight, p);
    return grad_input;
  }
};


// ---------------------------------------------------------------- fused cross entropy (gemforge::)

int64_t parse_reduction(c10::string_view reduction) {
  if (reduction == "none") return at::Reduction::None;
  if (reduction == "mean") return at::Reduction::Mean;
  if (reduction == "sum") return at::Reduction::Sum;
  TORCH_CHECK_VALUE(false, reduction, " is not a valid value for reduction");
}

// Argument checks of the fused op (torch's messages and exception types where torch has them).
void check_cross_entropy(const at::Tensor& logits, const at::Tensor& target, int64_t ignore_index,
                         double label_smoothing) {
  TORCH_CHECK(logits.dim() == 2, "gemforge.cross_entropy: logits must be 2-D [tokens, classes], got ",
              logits.sizes());
  TORCH_CHECK(dtype_in(kFloats, logits.scalar_type()) && logits.layout() == c10::kStrided,
              "gemforge.cross_entropy: logits must be a strided float16/bfloat16/float32/float64 tensor, got ",
              logits.scalar_type());
  TORCH_CHECK(target.scalar_type() == c10::kLong, "expected scalar type Long but found ", target.scalar_type());
  TORCH_CHECK(target.device() == logits.device(), "gemforge.cross_entropy: logits and target on different devices");
  TORCH_CHECK_VALUE(target.dim() == 1 && target.size(0) == logits.size(0), "Expected input batch_size (",
                    logits.size(0), ") to match target batch_size (", target.numel(), ").");
  TORCH_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0,
              "label_smoothing must be between 0.0 and 1.0. Got: ", label_smoothing);
  if (!logits.is_cuda()) {
    const at::Tensor t = target.contiguous();
    const int64_t* p = t.const_data_ptr<int64_t>();
    for (int64_t i = 0; i < t.numel(); ++i)
      TORCH_CHECK_INDEX(p[i] == ignore_index || (p[i] >= 0 && p[i] < logits.size(1)), "Target ", p[i],
                        " is out of bounds.");
  }
}

// Rows per program and chunk width along the vocabulary: the forward's own buckets
// (CrossEntropyForward), the backward's those of softmax, which also writes its rows.
struct RowTiles {
  int64_t block_t, block_v;
  int num_warps;
};

RowTiles row_tiles(rt::Family family, int64_t T, int64_t V, const c10::Device& device) {
  const rt::TileConfig& c = rt::lookup_config(family, arch_of(device), V, T);
  return {std::min<int64_t>(c.block1, next_pow2(T)), c.block0 == 0 ? next_pow2(V) : c.block0, c.num_warps};
}

// (loss, lse, count): loss reduced as asked (in the logits dtype), lse [T] fp32 per row, count
// (fp32, 0-d) = rows whose target is not ignored (empty for reduction none).
std::tuple<at::Tensor, at::Tensor, at::Tensor> cross_entropy_forward_with(const at::Tensor& logits_in,
                                                                          const at::Tensor& target,
                                                                          int64_t ignore_index, int64_t reduction,
                                                                          double label_smoothing) {
  check_cross_entropy(logits_in, target, ignore_index, label_smoothing);
  const at::Tensor logits = logits_in.stride(1) == 1 ? logits_in : logits_in.contiguous();
  const int64_t T = logits.size(0), V = logits.size(1);
  const bool f64 = is_f64(logits);
  const auto f32 = logits.options().dtype(c10::kFloat);
  const auto acc = logits.options().dtype(acc_type(logits.scalar_type()));
  at::Tensor lse = at::empty({T}, acc);
  at::Tensor count = reduction == at::Reduction::None ? at::empty({0}, f32) : at::empty({}, f32);
  at::Tensor out = reduction == at::Reduction::None ? at::empty({T}, logits.options()) : at::empty({}, logits.options());
  if (T == 0 || V == 0) {
    // no rows: mean is 0/0 (NaN), as torch; no classes: every row's softmax is empty
    TORCH_CHECK(T == 0, "gemforge.cross_entropy: logits with 0 classes");
    if (reduction != at::Reduction::None) {
      out.fill_(reduction == at::Reduction::Mean ? std::numeric_limits<double>::quiet_NaN() : 0.0);
      count.zero_();
    }
    return {out, lse, count};
  }
  const at::Tensor t = target.contiguous();
  at::Tensor rows = reduction == at::Reduction::None ? out : at::empty({T}, acc);
  const RowTiles tiles = row_tiles(rt::Family::CrossEntropyForward, T, V, logits.device());
  const bool smoothing = label_smoothing > 0.0;
  rt::KernelArgs args;
  args.tensor(rows).tensor(lse).tensor(logits).tensor(t).integer(T).integer(V).integer(logits.stride(0));
  args.scalar_integer(ignore_index);
  float_arg(args, f64, label_smoothing);
  // the reduction of the row losses as a programmatic dependent launch (op_utils.h use_pdl)
  const bool pdl = reduction != at::Reduction::None && use_pdl(logits.device(), T * V);
  args.constant(smoothing).constant(f64).constant(tiles.block_t).constant(tiles.block_v);
  args.constant(needs_int64(T * std::max<int64_t>(logits.stride(0), V))).constant(pdl);
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(T, tiles.block_t);
  cfg.num_warps = tiles.num_warps;
  rt::launch(ce_forward_kernel, cfg, args, logits.device());
  if (reduction != at::Reduction::None) {
    rt::KernelArgs a2;
    const int64_t block = std::min<int64_t>(4096, next_pow2(T));
    a2.tensor(out).tensor(count).tensor(rows).tensor(t).integer(T).scalar_integer(ignore_index);
    a2.constant(reduction).constant(f64).constant(block).constant(pdl);
    rt::LaunchConfig c2;
    c2.num_warps = block >= 2048 ? 8 : 4;
    c2.pdl = pdl;
    rt::launch(ce_reduce_kernel, c2, a2, logits.device());
  }
  return {out, lse, count};
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> cross_entropy_forward(const at::Tensor& logits,
                                                                     const at::Tensor& target, int64_t ignore_index,
                                                                     c10::string_view reduction,
                                                                     double label_smoothing) {
  return cross_entropy_forward_with(logits, target, ignore_index, parse_reduction(reduction), label_smoothing);
}

at::Tensor cross_entropy(const at::Tensor& logits, const at::Tensor& target, int64_t ignore_index,
                         c10::string_view reduction, double label_smoothing) {
  return std::get<0>(cross_entropy_forward(logits, target, ignore_index, reduction, label_smoothing));
}

at::Tensor cross_entropy_backward(const at::Tensor& grad_loss, const at::Tensor& logits_in, const at::Tensor& target,
                                  const at::Tensor& lse, const at::Tensor& count, int64_t ignore_index,
                                  c10::string_view reduction_name, double label_smoothing) {
  const int64_t reduction = parse_reduction(reduction_name);
  check_cross_entropy(logits_in, target, ignore_index, label_smoothing);
  const at::Tensor logits = logits_in.stride(1) == 1 ? logits_in : logits_in.contiguous();
  const int64_t T = logits.size(0), V = logits.size(1);
  const bool f64 = is_f64(logits);
  TORCH_CHECK(lse.scalar_type() == acc_type(logits.scalar_type()) && lse.numel() == T,
              "gemforge.cross_entropy_backward: lse must be the forward's");
  if (reduction == at::Reduction::None) {
    TORCH_CHECK(grad_loss.dim() == 1 && grad_loss.size(0) == T,
                "gemforge.cross_entropy_backward: grad of shape ", grad_loss.sizes(), ", expected [", T, "]");
  } else {
    TORCH_CHECK(grad_loss.numel() == 1 && count.numel() == 1, "gemforge.cross_entropy_backward: expected a single element grad");
  }
  at::Tensor grad = at::empty({T, V}, logits.options());
  if (grad.numel() == 0) return grad;
  const at::Tensor t = target.contiguous();
  const at::Tensor l = lse.contiguous();
  const RowTiles tiles = row_tiles(rt::Family::Softmax, T, V, logits.device());
  rt::KernelArgs args;
  args.tensor(grad).tensor(grad_loss).tensor(logits).tensor(t).tensor(l);
  if (reduction == at::Reduction::Mean) args.tensor(count); else args.none();
  args.integer(T).integer(V).integer(logits.stride(0)).integer(V);
  args.integer(reduction == at::Reduction::None ? grad_loss.stride(0) : 0);
  args.scalar_integer(ignore_index);
  float_arg(args, f64, label_smoothing);
  args.constant(reduction).constant(label_smoothing > 0.0).constant(f64).constant(tiles.block_t);
  args.constant(tiles.block_v);
  args.constant(needs_int64(T * std::max<int64_t>(logits.stride(0), V)));
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(T, tiles.block_t);
  cfg.num_warps = tiles.num_warps;
  rt::launch(ce_backward_kernel, cfg, args, logits.device());
  return grad;
}


// ---------------------------------------------------------------- elementwise losses

// LOSS codes of kernels/loss.py
enum LossKind : int64_t { kMse = 0, kSmoothL1 = 1, kHuber = 2, kBce = 3, kBceLogits = 4, kL1 = 5 };

struct LossOp {
  LossKind kind;
  double p = 0.0;                 // beta (smooth_l1), delta (huber)
  const at::Tensor* w = nullptr;  // per-element weight (bce), broadcast to self
  const at::Tensor* pw = nullptr;  // pos_weight (bce_with_logits), broadcast to self
};

const at::Tensor* defined_or_null(const std::optional<at::Tensor>& t) {
  return t.has_value() && t->defined() ? &*t : nullptr;
}

// BCE's input must lie in [0, 1]: ATen's CPU kernel raises otherwise (CUDA asserts on device).
bool bce_input_in_range(const at::Tensor& self) {
  if (self.is_cuda() || self.numel() == 0) return true;
  const at::Tensor x = self.contiguous();
  bool ok = true;
  AT_DISPATCH_FLOATING_TYPES_AND2(c10::kHalf, c10::kBFloat16, x.scalar_type(), "bce_input_in_range", [&] {
    const scalar_t* p = x.const_data_ptr<scalar_t>();
    for (int64_t i = 0; i < x.numel() && ok; ++i) {
      const double v = static_cast<double>(p[i]);
      ok = v >= 0.0 && v <= 1.0;  // NaN fails, as in ATen's check
    }
  });
  return ok;
}

// Whether our kernel takes the input: one float dtype and device, target (and grad_output of a
// reduction none backward) of self's shape, weights broadcastable to it, valid parameters.
bool loss_supported(const LossOp& op, const at::Tensor& self, const at::Tensor& target, int64_t reduction) {
  if (unsupported(kFloats, {&self, &target}) || !valid_reduction(reduction)) return false;
  if (target.scalar_type() != self.scalar_type() || target.device() != self.device()) return false;
  if (target.sizes() != self.sizes()) return false;
  for (const at::Tensor* t : {op.w, op.pw}) {
    if (!t) continue;
    if (t->scalar_type() != self.scalar_type() || t->device() != self.device() || unsupported(kFloats, {t})) return false;
    if (!at::is_expandable_to(t->sizes(), self.sizes())) return false;
  }
  if (op.kind == kSmoothL1 && !(op.p >= 0.0)) return false;
  if (op.kind == kHuber && !(op.p > 0.0)) return false;
  if (op.kind == kBce && !bce_input_in_range(self)) return false;
  return true;
}

at::Tensor laid_out_like(const at::Tensor* t, const at::Tensor& self) {
  return t ? t->expand(self.sizes()).contiguous() : at::Tensor();
}

// out (sized: self's shape for none, 0-d otherwise, contiguous) = loss(self, target).
void loss_forward_into(const at::Tensor& out, const LossOp& op, const at::Tensor& self, const at::Tensor& target,
                       int64_t reduction) {
  const int64_t n = self.numel();
  if (n == 0) {
    if (reduction != at::Reduction::None) out.fill_(reduction == at::Reduction::Mean ? std::numeric_limits<double>::quiet_NaN() : 0.0);
    return;
  }
  const at::Tensor x = self.contiguous(), y = target.contiguous();
  const at::Tensor w = laid_out_like(op.w, self), pw = laid_out_like(op.pw, self);
  const bool f64 = is_f64(self);
  Split split;
  if (reduction != at::Reduction::None) split = plan_loss_split(n, self.device());
  at::Tensor partials;
  if (split.programs > 1) partials = at::empty({split.programs}, self.options().dtype(acc_type(self.scalar_type())));
  rt::KernelArgs args;
  args.tensor(out);
  if (partials.defined()) args.tensor(partials); else args.none();
  args.tensor(x).tensor(y);
  if (w.defined()) args.tensor(w); else args.none();
  if (pw.defined()) args.tensor(pw); else args.none();
  args.integer(n).integer(split.per_program);
  float_arg(args, f64, op.p);
  float_arg(args, f64, static_cast<double>(n));
  args.constant(op.kind).constant(reduction).constant(w.defined()).constant(pw.defined());
  const bool none = reduction == at::Reduction::None;
  const bool half = self.scalar_type() == c10::kHalf || self.scalar_type() == c10::kBFloat16;
  args.constant(split.programs > 1).constant(f64).constant(half);
  args.constant(none ? element_block(self.device()) : split.block);
  const bool pdl = split.programs > 1 && use_pdl(self.device(), n);
  args.constant(needs_int64(n + split.per_program)).constant(pdl);
  rt::LaunchConfig cfg;
  cfg.grid[0] = none ? ceil_div(n, element_block(self.device())) : split.programs;
  if (!none) cfg.num_warps = split.num_warps;
  rt::launch(pointwise_loss_kernel, cfg, args, self.device());
  if (split.programs > 1)
    launch_finish(out, nullptr, partials, split.programs, reduction, static_cast<double>(n), false, pdl);
}

void loss_backward_into(const at::Tensor& grad_input, const LossOp& op, const at::Tensor& grad_output,
                        const at::Tensor& self, const at::Tensor& target, int64_t reduction) {
  const int64_t n = self.numel();
  if (n == 0) return;
  const at::Tensor x = self.contiguous(), y = target.contiguous();
  const at::Tensor g = reduction == at::Reduction::None ? grad_output.expand(self.sizes()).contiguous() : grad_output;
  const at::Tensor w = laid_out_like(op.w, self);
  const bool f64 = is_f64(self);
  rt::KernelArgs args;
  args.tensor(grad_input).tensor(g).tensor(x).tensor(y);
  if (w.defined()) args.tensor(w); else args.none();
  args.integer(n);
  float_arg(args, f64, op.p);
  float_arg(args, f64, reduction == at::Reduction::Mean ? 1.0 / static_cast<double>(n) : 1.0);
  args.constant(op.kind).constant(reduction).constant(w.defined()).constant(f64).constant(element_block(self.device()));
  args.constant(needs_int64(n));
  rt::LaunchConfig cfg;
  cfg.grid[0] = ceil_div(n, element_block(self.device()));
  rt::launch(pointwise_loss_backward_kernel, cfg, args, self.device());
}

c10::DimVector loss_shape(const at::Tensor& self, int64_t reduction) {
  return reduction == at::Reduction::None ? c10::DimVector(self.sizes()) : c10::DimVector();
}

// The functional / out= / backward / backward-out forms of one loss, given its ATen fallback.
template <typename Aten>
at::Tensor loss_fn(OpRecord& rec, const LossOp& op, const at::Tensor& self, const at::Tensor& target,
                   int64_t reduction, Aten&& aten) {
  if (!loss_supported(op, self, target, reduction)) {
    record(rec, true, "unsupported or invalid input");
    return aten();
  }
  record(rec);
  at::Tensor out = at::empty(loss_shape(self, reduction), self.options());
  loss_forward_into(out, op, self, target, reduction);
  return out;
}

template <typename Aten>
at::Tensor& loss_out_fn(OpRecord& rec, const LossOp& op, const at::Tensor& self, const at::Tensor& target,
                        int64_t reduction, at::Tensor& out, Aten&& aten) {
  if (!loss_supported(op, self, target, reduction) || out.scalar_type() != self.scalar_type() ||
      out.device() != self.device()) {
    record(rec, true, "unsupported or invalid input");
    return aten();
  }
  at::native::resize_output(out, loss_shape(self, reduction));
  if (!out.is_contiguous()) {
    record(rec, true, "non-contiguous out");
    return aten();
  }
  record(rec);
  loss_forward_into(out, op, self, target, reduction);
  return out;
}

// grad_output: self's shape (or broadcastable to it) for reduction none, one element otherwise.
bool grad_output_ok(const at::Tensor& grad_output, const at::Tensor& self, int64_t reduction) {
  if (grad_output.scalar_type() != self.scalar_type() || grad_output.device() != self.device()) return false;
  if (reduction == at::Reduction::None) return at::is_expandable_to(grad_output.sizes(), self.sizes());
  return grad_output.numel() == 1;
}

template <typename Aten>
at::Tensor loss_backward_fn(OpRecord& rec, const LossOp& op, const at::Tensor& grad_output, const at::Tensor& self,
                            const at::Tensor& target, int64_t reduction, Aten&& aten) {
  if (!loss_supported(op, self, target, reduction) || !grad_output_ok(grad_output, self, reduction)) {
    record(rec, true, "unsupported or invalid input");
    return aten();
  }
  record(rec);
  at::Tensor grad_input = at::empty(self.sizes(), self.options());
  loss_backward_into(grad_input, op, grad_output, self, target, reduction);
  return grad_input;
}

template <typename Aten>
at::Tensor& loss_backward_out_fn(OpRecord& rec, const LossOp& op, const at::Tensor& grad_output,
                                 const at::Tensor& self, const at::Tensor& target, int64_t reduction,
                                 at::Tensor& grad_input, Aten&& aten) {
  if (!loss_supported(op, self, target, reduction) || !grad_output_ok(grad_output, self, reduction) ||
      grad_input.scalar_type() != self.scalar_type() || grad_input.device() != self.device()) {
    record(rec, true, "unsupported or invalid input");
    return aten();
  }
  at::native::resize_output(grad_input, self.sizes());
  if (!grad_input.is_contiguous()) {
    record(rec, true, "non-contiguous out");
    return aten();
  }
  record(rec);
  loss_backward_into(grad_input, op, grad_output, self, target, reduction);
  return grad_input;
}

OpRecord rec_mse{"mse_loss"}, rec_mse_out{"mse_loss.out"}, rec_mse_bwd{"mse_loss_backward"},
    rec_mse_bwd_out{"mse_loss_backward.grad_input"};
OpRecord rec_sl1{"smooth_l1_loss"}, rec_sl1_out{"smooth_l1_loss.out"}, rec_sl1_bwd{"smooth_l1_loss_backward"},
    rec_sl1_bwd_out{"smooth_l1_loss_backward.grad_input"};
OpRecord rec_huber{"huber_loss"}, rec_huber_out{"huber_loss.out"}, rec_huber_bwd{"huber_loss_backward"},
    rec_huber_bwd_out{"huber_loss_backward.out"};
OpRecord rec_bce{"binary_cross_entropy"}, rec_bce_out{"binary_cross_entropy.out"},
    rec_bce_bwd{"binary_cross_entropy_backward"}, rec_bce_bwd_out{"binary_cross_entropy_backward.grad_input"};
OpRecord rec_bcel{"binary_cross_entropy_with_logits"}, rec_bcel_out{"binary_cross_entropy_with_logits.out"};

using OptT = std::optional<at::Tensor>;

at::Tensor mse_loss(const at::Tensor& s, const at::Tensor& t, int64_t r) {
  return loss_fn(rec_mse, {kMse}, s, t, r, [&] { return GF_ATEN(s, mse_loss, s, t, r); });
}
at::Tensor& mse_loss_out(const at::Tensor& s, const at::Tensor& t, int64_t r, at::Tensor& o) {
  return loss_out_fn(rec_mse_out, {kMse}, s, t, r, o, [&]() -> at::Tensor& { return GF_ATEN(o, mse_loss_out, o, s, t, r); });
}
at::Tensor mse_loss_backward(const at::Tensor& g, const at::Tensor& s, const at::Tensor& t, int64_t r) {
  return loss_backward_fn(rec_mse_bwd, {kMse}, g, s, t, r, [&] { return GF_ATEN(s, mse_loss_backward, g, s, t, r); });
}
at::Tensor& mse_loss_backward_out(const at::Tensor& g, const at::Tensor& s, const at::Tensor& t, int64_t r,
                                  at::Tensor& o) {
  return loss_backward_out_fn(rec_mse_bwd_out, {kMse}, g, s, t, r, o,
                              [&]() -> at::Tensor& { return GF_ATEN(o, mse_loss_backward_out, o, g, s, t, r); });
}

at::Tensor smooth_l1_loss(const at::Tensor& s, const at::Tensor& t, int64_t r, double beta) {
  return loss_fn(rec_sl1, {kSmoothL1, beta}, s, t, r, [&] { return GF_ATEN(s, smooth_l1_loss, s, t, r, beta); });
}
at::Tensor& smooth_l1_loss_out(const at::Tensor& s, const at::Tensor& t, int64_t r, double beta, at::Tensor& o) {
  return loss_out_fn(rec_sl1_out, {kSmoothL1, beta}, s, t, r, o,
                     [&]() -> at::Tensor& { return GF_ATEN(o, smooth_l1_loss_out, o, s, t, r, beta); });
}
at::Tensor smooth_l1_loss_backward(const at::Tensor& g, const at::Tensor& s, const at::Tensor& t, int64_t r,
                                   double beta) {
  return loss_backward_fn(rec_sl1_bwd, {kSmoothL1, beta}, g, s, t, r, [&] {
    return at::compositeexplicitautograd::smooth_l1_loss_backward(g, s, t, r, beta);
  });
}
at::Tensor& smooth_l1_loss_backward_out(const at::Tensor& g, const at::Tensor& s, const at::Tensor& t, int64_t r,
                                        double beta, at::Tensor& o) {
  return loss_backward_out_fn(rec_sl1_bwd_out, {kSmoothL1, beta}, g, s, t, r, o, [&]() -> at::Tensor& {
    return GF_ATEN(o, smooth_l1_loss_backward_out, o, g, s, t, r, beta);
  });
}

at::Tensor huber_loss(const at::Tensor& s, const at::Tensor& t, int64_t r, double delta) {
  return loss_fn(rec_huber, {kHuber, delta}, s, t, r, [&] { return GF_ATEN(s, huber_loss, s, t, r, delta); });
}
at::Tensor& huber_loss_out(const at::Tensor& s, const at::Tensor& t, int64_t r, double delta, at::Tensor& o) {
  return loss_out_fn(rec_huber_out, {kHuber, delta}, s, t, r, o,
                     [&]() -> at::Tensor& { return GF_ATEN(o, huber_loss_out, o, s, t, r, delta); });
}
at::Tensor huber_loss_backward(const at::Tensor& g, const at::Tensor& s, const at::Tensor& t, int64_t r,
                               double delta) {
  return loss_backward_fn(rec_huber_bwd, {kHuber, delta}, g, s, t, r, [&] {
    return at::compositeexplicitautograd::huber_loss_backward(g, s, t, r, delta);
  });
}
at::Tensor& huber_loss_backward_out(const at::Tensor& g, const at::Tensor& s, const at::Tensor& t, int64_t r,
                                    double delta, at::Tensor& o) {
  return loss_backward_out_fn(rec_huber_bwd_out, {kHuber, delta}, g, s, t, r, o, [&]() -> at::Tensor& {
    return GF_ATEN(o, huber_loss_backward_out, o, g, s, t, r, delta);
  });
}

at::Tensor binary_cross_entropy(const at::Tensor& s, const at::Tensor& t, const OptT& w, int64_t r) {
  return loss_fn(rec_bce, {kBce, 0.0, defined_or_null(w)}, s, t, r,
                 [&] { return GF_ATEN(s, binary_cross_entropy, s, t, w, r); });
}
at::Tensor& binary_cross_entropy_out(const at::Tensor& s, const at::Tensor& t, const OptT& w, int64_t r,
                                     at::Tensor& o) {
  return loss_out_fn(rec_bce_out, {kBce, 0.0, defined_or_null(w)}, s, t, r, o,
                     [&]() -> at::Tensor& { return GF_ATEN(o, binary_cross_entropy_out, o, s, t, w, r); });
}
at::Tensor binary_cross_entropy_backward(const at::Tensor& g, const at::Tensor& s, const at::Tensor& t,
                                         const OptT& w, int64_t r) {
  return loss_backward_fn(rec_bce_bwd, {kBce, 0.0, defined_or_null(w)}, g, s, t, r,
                          [&] { return GF_ATEN(s, binary_cross_entropy_backward, g, s, t, w, r); });
}
at::Tensor& binary_cross_entropy_backward_out(const at::Tensor& g, const at::Tensor& s, const at::Tensor& t,
                                              const OptT& w, int64_t r, at::Tensor& o) {
  return loss_backward_out_fn(rec_bce_bwd_out, {kBce, 0.0, defined_or_null(w)}, g, s, t, r, o,
                              [&]() -> at::Tensor& { return GF_ATEN(o, binary_cross_entropy_backward_out, o, g, s, t, w, r); });
}

at::Tensor bce_with_logits(const at::Tensor& s, const at::Tensor& t, const OptT& w, const OptT& pw, int64_t r) {
  return loss_fn(rec_bcel, {kBceLogits, 0.0, defined_or_null(w), defined_or_null(pw)}, s, t, r,
                 [&] { return at::compositeexplicitautograd::binary_cross_entropy_with_logits(s, t, w, pw, r); });
}
at::Tensor& bce_with_logits_out(const at::Tensor& s, const at::Tensor& t, const OptT& w, const OptT& pw, int64_t r,
                                at::Tensor& o) {
  return loss_out_fn(rec_bcel_out, {kBceLogits, 0.0, defined_or_null(w), defined_or_null(pw)}, s, t, r, o,
                     [&]() -> at::Tensor& {
                       return at::compositeexplicitautograd::binary_cross_entropy_with_logits_out(o, s, t, w, pw, r);
                     });
}
// ---- composite ops (OpEntry::composite): ATen decomposes them; we fuse them when no gradient is
// wanted (inference, evaluation under torch.no_grad) and hand them to the decomposition otherwise,
// whose parts then run on GemForge. Record mode names the composite op only when it ran fused.

// Whether the call needs ATen's decomposition for autograd: grad mode on and an input requires a
// gradient, or an input carries a forward-mode tangent.
bool wants_gradient(std::initializer_list<const at::Tensor*> inputs) {
  for (const at::Tensor* t : inputs) {
    if (t->defined() && ((at::GradMode::is_enabled() && t->requires_grad()) || t->_fw_grad(0).defined())) return true;
  }
  return false;
}

OpRecord rec_ce_loss{"cross_entropy_loss"}, rec_l1{"l1_loss"};

// F.cross_entropy: class-index targets over logits [N, C] or [C], no class weights: the fused
// cross entropy (one read of the logits; ATen writes log_softmax and reads it back).
at::Tensor cross_entropy_loss(const at::Tensor& self, const at::Tensor& target, const OptT& weight,
                              int64_t reduction, c10::SymInt ignore_index, double label_smoothing) {
  const bool fused = !wants_gradient({&self, &target}) && !(weight.has_value() && weight->defined()) &&
                     (self.dim() == 2 || self.dim() == 1) && target.dim() == self.dim() - 1 &&
                     target.scalar_type() == c10::kLong && (self.dim() == 1 || target.size(0) == self.size(0)) &&
                     !unsupported(kFloats, {&self}) && target.device() == self.device() && self.size(-1) > 0 &&
                     valid_reduction(reduction) && label_smoothing >= 0.0 && label_smoothing <= 1.0 &&
                     !ignore_index.is_heap_allocated();  // (heap: symbolic)
  if (!fused) {
    return at::native::cross_entropy_loss_symint(self, target, weight, reduction, std::move(ignore_index),
                                                 label_smoothing);
  }
  record(rec_ce_loss);
  const bool one_row = self.dim() == 1;
  at::Tensor loss = std::get<0>(cross_entropy_forward_with(one_row ? self.unsqueeze(0) : self,
                                                           one_row ? target.reshape({1}) : target,
                                                           ignore_index.as_int_unchecked(), reduction, label_smoothing));
  return one_row && reduction == at::Reduction::None ? loss.reshape({}) : loss;
}

// F.l1_loss: |self - target| and its mean or sum in one kernel (ATen: sub, abs, then the reduction).
at::Tensor l1_loss(const at::Tensor& self, const at::Tensor& target, int64_t reduction) {
  const LossOp op{kL1};
  if (wants_gradient({&self, &target}) || !loss_supported(op, self, target, reduction))
    return at::native::l1_loss(self, target, reduction);
  record(rec_l1);
  at::Tensor out = at::empty(loss_shape(self, reduction), self.options());
  loss_forward_into(out, op, self, target, reduction);
  return out;
}

}  // namespace
}  // namespace gemforge::ops

namespace gemforge {

void add_loss_ops(std::vector<OpEntry>& t) {
  using namespace ops;
  t.push_back(entry<&SoftmaxBackward<false>::fn>(rec_softmax_bwd));
  t.push_back(entry<&SoftmaxBackward<false>::out_fn>(rec_softmax_bwd_out));
  t.push_back(entry<&SoftmaxBackward<true>::fn>(rec_log_softmax_bwd));
  t.push_back(entry<&SoftmaxBackward<true>::out_fn>(rec_log_softmax_bwd_out));
  t.push_back(entry<&NllForward<false>::fn>(rec_nll_fwd));
  t.push_back(entry<&NllForward<false>::out_fn>(rec_nll_fwd_out));
  t.push_back(entry<&NllBackward<false>::fn>(rec_nll_bwd));
  t.push_back(entry<&NllBackward<false>::out_fn>(rec_nll_bwd_out));
  t.push_back(entry<&NllForward<true>::fn>(rec_nll2d_fwd));
  t.push_back(entry<&NllForward<true>::out_fn>(rec_nll2d_fwd_out));
  t.push_back(entry<&NllBackward<true>::fn>(rec_nll2d_bwd));
  t.push_back(entry<&NllBackward<true>::out_fn>(rec_nll2d_bwd_out));
  t.push_back(entry<&mse_loss>(rec_mse));
  t.push_back(entry<&mse_loss_out>(rec_mse_out));
  t.push_back(entry<&mse_loss_backward>(rec_mse_bwd));
  t.push_back(entry<&mse_loss_backward_out>(rec_mse_bwd_out));
  t.push_back(entry<&smooth_l1_loss>(rec_sl1));
  t.push_back(entry<&smooth_l1_loss_out>(rec_sl1_out));
  t.push_back(entry<&smooth_l1_loss_backward>(rec_sl1_bwd));
  t.push_back(entry<&smooth_l1_loss_backward_out>(rec_sl1_bwd_out));
  t.push_back(entry<&huber_loss>(rec_huber));
  t.push_back(entry<&huber_loss_out>(rec_huber_out));
  t.push_back(entry<&huber_loss_backward>(rec_huber_bwd));
  t.push_back(entry<&huber_loss_backward_out>(rec_huber_bwd_out));
  t.push_back(entry<&binary_cross_entropy>(rec_bce));
  t.push_back(entry<&binary_cross_entropy_out>(rec_bce_out));
  t.push_back(entry<&binary_cross_entropy_backward>(rec_bce_bwd));
  t.push_back(entry<&binary_cross_entropy_backward_out>(rec_bce_bwd_out));
  t.push_back(entry<&bce_with_logits>(rec_bcel));
  t.push_back(entry<&bce_with_logits_out>(rec_bcel_out));
  t.push_back(composite_entry<&cross_entropy_loss>(rec_ce_loss));
  t.push_back(composite_entry<&l1_loss>(rec_l1));
}

}  // namespace gemforge

// The fused large-vocabulary cross entropy: an op of its own namespace, always registered (not
// part of enable()'s aten table). gemforge.cross_entropy (python/gemforge/losses.py) is the
// differentiable wrapper over cross_entropy_forward / cross_entropy_backward.
TORCH_LIBRARY_FRAGMENT(gemforge, m) {
  m.def("cross_entropy(Tensor logits, Tensor target, int ignore_index=-100, str reduction=\"mean\", "
        "float label_smoothing=0.0) -> Tensor");
  m.def("cross_entropy_forward(Tensor logits, Tensor target, int ignore_index=-100, str reduction=\"mean\", "
        "float label_smoothing=0.0) -> (Tensor loss, Tensor lse, Tensor count)");
  m.def("cross_entropy_backward(Tensor grad_loss, Tensor logits, Tensor target, Tensor lse, Tensor count, "
        "int ignore_index=-100, str reduction=\"mean\", float label_smoothing=0.0) -> Tensor");
}

TORCH_LIBRARY_IMPL(gemforge, CUDA, m) {
  m.impl("cross_entropy", &gemforge::ops::cross_entropy);
  m.impl("cross_entropy_forward", &gemforge::ops::cross_entropy_forward);
  m.impl("cross_entropy_backward", &gemforge::ops::cross_entropy_backward);
}

// The CPU backend runs the same kernels under Triton's interpreter.
TORCH_LIBRARY_IMPL(gemforge, CPU, m) {
  m.impl("cross_entropy", &gemforge::ops::cross_entropy);
  m.impl("cross_entropy_forward", &gemforge::ops::cross_entropy_forward);
  m.impl("cross_entropy_backward", &gemforge::ops::cross_entropy_backward);
}
