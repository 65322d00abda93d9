// The one table that maps aten overload names to GemForge host functions, and record mode.
#pragma once

#include <torch/library.h>

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace gemforge {

// Per-overload record state: which overloads ran, and which went to ATen's kernel.
struct OpRecord {
  const char* name;  // aten overload name, e.g. "add.Tensor"
  std::atomic<uint8_t> seen{0};
};

extern std::atomic<bool> g_recording;
void record_slow(OpRecord& rec, bool fallback, const char* why);

// Hot path: one relaxed load when recording is off.
inline void record(OpRecord& rec, bool fallback = false, const char* why = nullptr) {
  if (g_recording.load(std::memory_order_relaxed)) record_slow(rec, fallback, why);
}

// A registrable overload: its aten name, its record slot and how to register it (`impl_checked`:
// with the device check below in front). `composite`: an op ATen implements by decomposition
// (CompositeImplicitAutograd: cross_entropy_loss, l1_loss). Its host function is registered on
// the autograd key too (AutogradCUDA / AutogradCPU), where calls arrive before ATen decomposes
// them; it runs one fused kernel when no gradient is needed and ATen's decomposition otherwise.
struct OpEntry {
  OpRecord* rec;
  void (*impl)(torch::Library& lib, const char* name);
  void (*impl_checked)(torch::Library& lib, const char* name);
  bool composite = false;
};

// Each op module appends its overloads.
void add_pointwise_ops(std::vector<OpEntry>& table);  // arith.cpp
void add_unary_math_ops(std::vector<OpEntry>& table);
void add_activations_ops(std::vector<OpEntry>& table);
void add_binary_ops(std::vector<OpEntry>& table);
void add_ternary_ops(std::vector<OpEntry>& table);
void add_reduction_ops(std::vector<OpEntry>& table);
void add_blas_ops(std::vector<OpEntry>& table);
void add_norm_ops(std::vector<OpEntry>& table);
void add_loss_ops(std::vector<OpEntry>& table);
void add_scan_sort_ops(std::vector<OpEntry>& table);
void add_select_ops(std::vector<OpEntry>& table);

const std::vector<OpEntry>& op_table();

// Registers `impl` for `name` (used by the OpEntry lambdas).
template <typename Fn>
void impl_fn(torch::Library& lib, const char* name, Fn* fn) {
  lib.impl(name, torch::CppFunction::makeFromUnboxedFunction(fn));
}

// ATen's generated wrappers of ops without `device_check: NoCheck` (device_checked_ops.inc)
// reject tensor arguments on different devices, a CPU 0-d tensor beside CUDA ones included;
// TensorIterator would accept that one. DeviceChecked<fn>::call repeats their check.
void device_mismatch(const char* op, int arg, const c10::Device& common, const c10::Device& other);
std::vector<std::string> device_checked_ops();  // the names in device_checked_ops.inc

struct DeviceCheck {
  const char* op;
  std::optional<c10::Device> common;
  int arg = 0;
  void operator()(const at::Tensor& t) {
    ++arg;
    if (!t.defined()) return;
    if (!common) common = t.device();
    else if (C10_UNLIKELY(*common != t.device())) device_mismatch(op, arg, *common, t.device());
  }
  void operator()(const std::optional<at::Tensor>& t) {
    if (t.has_value()) (*this)(*t); else ++arg;
  }
  template <typename T>
  void operator()(const T&) { ++arg; }
};

template <auto fn, typename Sig = decltype(fn)>
struct DeviceChecked;
template <auto fn, typename R, typename... A>
struct DeviceChecked<fn, R (*)(A...)> {
  static const char* name;
  static R call(A... a) {
    DeviceCheck check{name};
    (check(a), ...);
    return fn(std::forward<A>(a)...);
  }
};
template <auto fn, typename R, typename... A>
const char* DeviceChecked<fn, R (*)(A...)>::name = "";

// A table entry for host function `fn` under the overload name in `rec`.
template <auto fn>
OpEntry entry(OpRecord& rec) {
  return {&rec, [](torch::Library& lib, const char* name) { impl_fn(lib, name, fn); },
          [](torch::Library& lib, const char* name) {
            DeviceChecked<fn>::name = name;  // the overload names live as long as the op table
            impl_fn(lib, name, &DeviceChecked<fn>::call);
          }};
}

// A table entry for a composite op (OpEntry::composite).
template <auto fn>
OpEntry composite_entry(OpRecord& rec) {
  OpEntry e = entry<fn>(rec);
  e.composite = true;
  return e;
}

// enable(): register the chosen overloads on the backend's dispatch key (CUDA, or CPU for the
// interpreter backend); names are overload names ("add.Tensor", "add_.Tensor", "add.out") or
// base names ("add": every overload of add and add_). Unknown names raise.
void enable(const std::vector<std::string>& only, const std::vector<std::string>& unused, bool record,
            const std::string& backend);
void disable();
bool enabled();
std::vector<std::string> enabled_ops();
std::vector<std::string> recorded();
void set_record_log(const std::string& path);

}  // namespace gemforge
