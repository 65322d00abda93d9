// The one table that maps aten overload names to GemForge host functions, and record mode.
#pragma once

#include <torch/library.h>

#include <atomic>
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

// A registrable overload: its aten name, its record slot and how to register it.
struct OpEntry {
  OpRecord* rec;
  void (*impl)(torch::Library& lib, const char* name);
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

const std::vector<OpEntry>& op_table();

// Registers `impl` for `name` (used by the OpEntry lambdas).
template <typename Fn>
void impl_fn(torch::Library& lib, const char* name, Fn* fn) {
  lib.impl(name, torch::CppFunction::makeFromUnboxedFunction(fn));
}

// A table entry for host function `fn` under the overload name in `rec`.
template <auto fn>
OpEntry entry(OpRecord& rec) {
  return {&rec, [](torch::Library& lib, const char* name) { impl_fn(lib, name, fn); }};
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
