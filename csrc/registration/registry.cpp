// enable/disable/record, and the control functions Python calls (torch.ops.gemforge_rt.*).
#include "registration/registry.h"

#include "runtime/config_table.h"
#include "runtime/kernel.h"

#include <c10/util/Exception.h>
#include <c10/util/Logging.h>
#include <torch/library.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>

namespace gemforge {

std::atomic<bool> g_recording{false};

namespace {
std::mutex g_mutex;  // enable/disable/record bookkeeping (never on the hot path)
std::unique_ptr<torch::Library> g_library;
std::unique_ptr<torch::Library> g_autograd_library;  // the composite ops' autograd-key registrations
std::vector<std::string> g_enabled;
std::vector<std::string> g_recorded;
std::string g_record_log;

std::string base_name(const std::string& overload) {
  std::string base = overload.substr(0, overload.find('.'));
  if (base.size() > 1 && base.back() == '_') base.pop_back();  // add_ -> add
  return base;
}

std::string strip_namespace(const std::string& name) {
  return name.rfind("aten::", 0) == 0 ? name.substr(6) : name;
}

// "add.Tensor" matches that overload only; "add" matches add.* and add_.*; "add_" matches add_.*.
bool matches(const std::string& query, const std::string& overload) {
  const std::string q = strip_namespace(query);
  if (q.find('.') != std::string::npos) return q == overload;
  return q == base_name(overload) || q == overload.substr(0, overload.find('.'));
}

// Silences "overriding a previously registered kernel" while we register: overriding ATen's
// CUDA kernels is the point of enable().
class QuietWarnings : public c10::WarningHandler {
 public:
  void process(const c10::Warning&) override {}
};
}  // namespace

void record_slow(OpRecord& rec, bool fallback, const char* why) {
  const uint8_t bit = fallback ? 2 : 1;
  if (rec.seen.fetch_or(bit) & bit) return;  // logged once per overload and path
  std::string line = rec.name;
  if (fallback) line += std::string(" -> aten fallback") + (why ? std::string(" (") + why + ")" : "");
  std::lock_guard<std::mutex> lock(g_mutex);
  g_recorded.push_back(line);
  if (!g_record_log.empty()) {
    std::ofstream(g_record_log, std::ios::app) << line << "\n";
  }
}

const std::vector<OpEntry>& op_table() {
  static const std::vector<OpEntry> table = [] {
    std::vector<OpEntry> t;
    add_pointwise_ops(t);
    add_unary_math_ops(t);
    add_activations_ops(t);
    add_binary_ops(t);
    add_ternary_ops(t);
    add_reduction_ops(t);
    add_blas_ops(t);
    add_norm_ops(t);
    add_loss_ops(t);
    add_scan_sort_ops(t);
    add_select_ops(t);
    return t;
  }();
  return table;
}

void device_mismatch(const char* op, int arg, const c10::Device& common, const c10::Device& other) {
  TORCH_CHECK(false, "Expected all tensors to be on the same device, but got argument #", arg, " is on ", other,
              ", different from other tensors on ", common, " (when checking argument in method ", op, ")");
}

namespace {
const char* const kDeviceCheckedOps[] = {
#include "registration/device_checked_ops.inc"
};
bool device_checked(const char* name) {
  for (const char* n : kDeviceCheckedOps) {
    if (std::strcmp(n, name) == 0) return true;
  }
  return false;
}
}  // namespace

std::vector<std::string> device_checked_ops() {
  return std::vector<std::string>(std::begin(kDeviceCheckedOps), std::end(kDeviceCheckedOps));
}

void enable(const std::vector<std::string>& only, const std::vector<std::string>& unused, bool record,
            const std::string& backend) {
  const auto& table = op_table();
  for (const auto* list : {&only, &unused}) {
    for (const auto& q : *list) {
      bool known = false;
      for (const auto& e : table) known = known || matches(q, e.rec->name);
      TORCH_CHECK_VALUE(known, "gemforge.enable: unknown operator '", q,
                        "' (use an aten overload name like 'add.Tensor' or a base name like 'add')");
    }
  }
  c10::DispatchKey key, autograd_key;
  if (backend == "cuda") {
    key = c10::DispatchKey::CUDA;
    autograd_key = c10::DispatchKey::AutogradCUDA;
  } else if (backend == "cpu") {
    key = c10::DispatchKey::CPU;
    autograd_key = c10::DispatchKey::AutogradCPU;
  } else {
    TORCH_CHECK_VALUE(false, "gemforge.enable: backend must be 'cuda' or 'cpu', got '", backend, "'");
  }
  disable();
  std::lock_guard<std::mutex> lock(g_mutex);
  auto lib = std::make_unique<torch::Library>(torch::Library::IMPL, "aten", key, __FILE__, __LINE__);
  auto autograd_lib = std::make_unique<torch::Library>(torch::Library::IMPL, "aten", autograd_key, __FILE__, __LINE__);
  QuietWarnings quiet;
  c10::WarningUtils::WarningHandlerGuard guard(&quiet);
  for (const auto& e : table) {
    bool chosen = only.empty();
    for (const auto& q : only) chosen = chosen || matches(q, e.rec->name);
    for (const auto& q : unused) chosen = chosen && !matches(q, e.rec->name);
    if (!chosen) continue;
    (device_checked(e.rec->name) ? e.impl_checked : e.impl)(*lib, e.rec->name);
    if (e.composite) e.impl(*autograd_lib, e.rec->name);
    g_enabled.push_back(e.rec->name);
  }
  g_library = std::move(lib);
  g_autograd_library = std::move(autograd_lib);
  for (const auto& e : table) e.rec->seen = 0;
  g_recorded.clear();
  g_recording = record;
}

void disable() {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_recording = false;
  QuietWarnings quiet;
  c10::WarningUtils::WarningHandlerGuard guard(&quiet);
  g_library.reset();  // the destructor deregisters every kernel it registered
  g_autograd_library.reset();
  g_enabled.clear();
}

bool enabled() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_library != nullptr;
}

std::vector<std::string> enabled_ops() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_enabled;
}

std::vector<std::string> recorded() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_recorded;
}

void set_record_log(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_record_log = path;
}

namespace {

std::vector<std::string> all_op_names() {
  std::vector<std::string> names;
  for (const auto& e : op_table()) names.push_back(e.rec->name);
  return names;
}

std::vector<int64_t> runtime_stats() {
  auto& s = rt::stats();
  return {s.compiles.load(), s.disk_hits.load(), s.disk_rejects.load(), s.module_loads.load()};
}

std::vector<int64_t> config_for(const std::string& family, int64_t arch, int64_t size0, int64_t size1) {
  static const std::pair<const char*, rt::Family> names[] = {
      {"pointwise_1d", rt::Family::Pointwise1D}, {"pointwise_nd", rt::Family::PointwiseND},
      {"pointwise_transposed", rt::Family::PointwiseTransposed}, {"reduce_inner", rt::Family::ReduceInner},
      {"reduce_outer", rt::Family::ReduceOuter}, {"reduce_outer_state", rt::Family::ReduceOuterState},
      {"softmax", rt::Family::Softmax}, {"cross_entropy_forward", rt::Family::CrossEntropyForward}};
  const rt::Family* f = nullptr;
  for (const auto& n : names)
    if (family == n.first) f = &n.second;
  TORCH_CHECK_VALUE(f != nullptr, "unknown config family '", family, "'");
  const auto& c = rt::lookup_config(*f, static_cast<int>(arch), size0, size1);
  return {c.block0, c.block1, c.num_warps, c.num_stages};
}

}  // namespace

}  // namespace gemforge

// Control functions for the Python package. They are ops in their own namespace so that
// errors reach Python as ordinary exceptions without a pybind11 module.
TORCH_LIBRARY(gemforge_rt, m) {
  using namespace gemforge;
  m.def("enable(str[] only, str[] unused, bool record, str backend) -> ()", &gemforge::enable);
  m.def("disable() -> ()", &gemforge::disable);
  m.def("enabled() -> bool", &gemforge::enabled);
  m.def("enabled_ops() -> str[]", &gemforge::enabled_ops);
  m.def("op_names() -> str[]", &all_op_names);
  m.def("device_checked_ops() -> str[]", &gemforge::device_checked_ops);
  m.def("recorded() -> str[]", &gemforge::recorded);
  m.def("set_record_log(str path) -> ()", &gemforge::set_record_log);
  m.def("stats() -> int[]", &runtime_stats);
  m.def("set_cache_dir(str dir) -> ()", [](std::string dir) { rt::set_cache_dir(dir); });
  m.def("cache_dir() -> str", [] { return rt::cache_dir(); });
  m.def("set_disk_cache(bool enabled) -> ()", [](bool on) { rt::set_disk_cache_enabled(on); });
  m.def("set_frozen(bool frozen) -> ()", [](bool f) { rt::set_frozen(f); });
  m.def("set_compile_only_arch(int arch) -> ()", [](int64_t a) { rt::set_compile_only_arch(static_cast<int>(a)); });
  m.def("clear_memory_cache() -> ()", [] { rt::clear_memory_caches(); });
  m.def("config_for(str family, int arch, int size0, int size1) -> int[]", &config_for);
}
