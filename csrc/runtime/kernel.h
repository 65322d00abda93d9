// The op-agnostic runtime: a handle per Triton function, launch arguments with Triton's
// specialization rules, a lock-free compiled-kernel cache, and launch on CUDA or under
// Triton's interpreter.
#pragma once

#include <ATen/core/TensorBase.h>
#include <c10/core/Device.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gemforge::rt {

// ---------------------------------------------------------------- arguments

// How an argument reaches the kernel. Everything but Ptr/I32/I64/F32/F64 is a tl.constexpr
// and not part of the compiled kernel's parameter list.
enum class ArgType : uint8_t {
  Ptr,    // tensor data pointer; spec = dtype, aligned to 16 bytes or not
  I32,    // runtime integer that fits in int32 (Triton: "i32")
  I64,    // runtime integer outside int32 (Triton: "i64")
  One,    // runtime integer equal to 1: Triton specializes it to constexpr 1
  F32,    // runtime float (Triton: "fp32")
  F64,    // runtime double (Triton: "fp64")
  Const,  // tl.constexpr integer
  None,   // tl.constexpr None (an unused parameter)
  Body,   // tl.constexpr function: the handle's bound op body
  TensorDesc,  // host-side TMA tensor descriptor (Triton's TensorDescriptor); spec = dtype
};

// A tensor descriptor argument: a view of up to 3 dims (innermost stride 1) read in blocks of
// `block` elements. On CUDA it becomes a CUtensorMap; under the interpreter a TensorDescriptor.
struct TensorDescArg {
  const at::TensorBase* tensor = nullptr;
  int ndim = 0;
  int64_t shape[3] = {};
  int64_t strides[3] = {};  // in elements
  int32_t block[3] = {};
};

struct Arg {
  ArgType type;
  uint8_t spec;  // Ptr: ScalarType | kAligned; I32/I64: kDivisible16; Const: kWide (outside int32)
  union {
    uint64_t ptr;
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
  } v;
  const at::TensorBase* tensor;  // Ptr only: the interpreter backend needs the tensor
};

constexpr uint8_t kAligned = 0x80;
constexpr uint8_t kDivisible16 = 0x01;
constexpr uint8_t kWide = 0x02;

// Arguments in the order of the Triton function's parameters. Fixed capacity, no heap.
class KernelArgs {
 public:
  static constexpr int kMax = 64;

  KernelArgs& tensor(const at::TensorBase& t);
  KernelArgs& integer(int64_t value);  // Triton's rules: ==1 -> constexpr, %16 -> divisible
  KernelArgs& scalar_integer(int64_t value);  // a runtime value (alpha, a scalar operand): never constexpr
  KernelArgs& f32(double value);
  KernelArgs& f64(double value);
  KernelArgs& constant(int64_t value);  // tl.constexpr int/bool
  KernelArgs& none();                   // tl.constexpr None
  KernelArgs& body();                   // the handle's op body (tl.constexpr function)
  // A TMA descriptor over `t` (its sizes and strides; the last stride must be 1).
  KernelArgs& tensor_desc(const at::TensorBase& t, std::initializer_list<int32_t> block);
  // ... or over an explicit view of t's memory (from t's data pointer): ndim sizes and strides.
  KernelArgs& tensor_desc(const at::TensorBase& t, int ndim, const int64_t* shape, const int64_t* strides,
                          const int32_t* block);

  int size() const { return n_; }
  const Arg& operator[](int i) const { return args_[i]; }
  const TensorDescArg& desc(const Arg& a) const { return descs_[a.v.i64]; }

  static constexpr int kMaxDescs = 4;

 private:
  Arg& push();
  Arg args_[kMax];
  int n_ = 0;
  TensorDescArg descs_[kMaxDescs];
  int ndescs_ = 0;
};

// ---------------------------------------------------------------- specialization key

// Compact, string-free identity of a compiled variant: device architecture, num_warps,
// num_stages, maxnreg, and per argument its type, dtype, alignment/divisibility and constexpr value.
struct SpecKey {
  static constexpr int kCapacity = 256;
  uint16_t size = 0;
  uint8_t bytes[kCapacity];

  void push(uint8_t b) { bytes[size++] = b; }
  void push_bytes(const void* p, int n) {
    std::memcpy(bytes + size, p, n);
    size += n;
  }
  uint64_t hash() const;
  bool operator==(const SpecKey& o) const {
    return size == o.size && std::memcmp(bytes, o.bytes, size) == 0;
  }
};

struct LaunchConfig {
  int64_t grid[3] = {1, 1, 1};
  int num_warps = 4;
  int num_stages = 3;
  int maxnreg = 0;  // registers a thread may use (ptxas .maxnreg), 0: no cap; at most 255
  // Programmatic dependent launch (sm_90+): the kernel may begin before the stream's previous
  // kernel has finished, so it must call gdc_wait (triton.language.extra.cuda) before it reads
  // anything that kernel writes. Not part of the kernel's key: the same code runs either way
  // (griddepcontrol.wait returns at once in a kernel launched without it).
  bool pdl = false;
};

void build_key(SpecKey& key, int arch, const LaunchConfig& cfg, const KernelArgs& args);

// ---------------------------------------------------------------- compiled kernels

constexpr int kMaxDevices = 64;

// How Triton lowered a tensor descriptor argument to TMA (its tensordesc_meta), needed to
// encode the CUtensorMap at launch.
struct TmaMeta {
  int32_t swizzle = 0;    // CUtensorMapSwizzle
  int32_t elem_size = 0;  // bytes
  int32_t elem_type = 0;  // CUtensorMapDataType (host enum)
  int32_t ndim = 0;
  int32_t block[3] = {};
};

struct CompiledKernel {
  SpecKey key;
  uint64_t hash = 0;
  std::string cubin;
  std::string name;
  int num_warps = 4;
  int shared = 0;
  int num_ctas = 1;
  int64_t global_scratch_size = 0;
  int64_t global_scratch_align = 1;
  int64_t profile_scratch_size = 0;
  int64_t profile_scratch_align = 1;
  bool cooperative = false;
  bool pdl = false;
  std::vector<TmaMeta> tma;  // one per TensorDesc argument, in order
  std::atomic<void*> functions[kMaxDevices] = {};  // CUfunction per device, loaded lazily
};

// Serialization used by the on-disk cache (format checked on load).
std::string serialize(const CompiledKernel& k, const std::string& identity);
// Returns nullptr when the bytes are truncated, corrupt or belong to another identity/key.
std::unique_ptr<CompiledKernel> deserialize(const std::string& bytes, const std::string& identity,
                                            const SpecKey& key);

// A Triton function (module + name), optionally with one constexpr parameter bound to an op
// body function of the same module. Owns the in-memory cache of its compiled variants.
class KernelHandle {
 public:
  KernelHandle(const char* module, const char* function, const char* body_param = nullptr,
               const char* body = nullptr)
      : module_(module), function_(function), body_param_(body_param), body_(body) {}
  KernelHandle(const KernelHandle&) = delete;

  const char* module() const { return module_; }
  const char* function() const { return function_; }
  const char* body_param() const { return body_param_; }
  const char* body() const { return body_; }
  std::string describe() const;

  // Lock-free lookup; nullptr on a miss.
  CompiledKernel* find(const SpecKey& key, uint64_t hash) const;
  // Inserts unless an equal key is already present; returns the entry in the table.
  CompiledKernel* insert(std::unique_ptr<CompiledKernel> kernel);
  void clear();

  // Hash of the kernel source (and its op body) and Triton version; computed on first miss.
  const std::string& source_hash();

 private:
  struct Table {
    explicit Table(uint32_t capacity) : mask(capacity - 1), slots(new std::atomic<CompiledKernel*>[capacity]) {
      for (uint32_t i = 0; i < capacity; ++i) slots[i].store(nullptr, std::memory_order_relaxed);
    }
    uint32_t mask;
    std::unique_ptr<std::atomic<CompiledKernel*>[]> slots;
  };

  const char* module_;
  const char* function_;
  const char* body_param_;
  const char* body_;

  std::atomic<Table*> table_{nullptr};
  mutable std::mutex mutex_;  // guards inserts, ownership lists and source_hash_
  size_t count_ = 0;
  std::vector<std::unique_ptr<CompiledKernel>> owned_;
  std::vector<std::unique_ptr<CompiledKernel>> retired_;  // cleared entries (readers may hold one)
  std::vector<std::unique_ptr<Table>> tables_;  // current and retired (readers may still hold one)
  std::string source_hash_;
  std::atomic<bool> source_hash_ready_{false};
};

// ---------------------------------------------------------------- launching

// Launch on the tensor's device: CUDA through the driver API on PyTorch's current stream,
// CPU through Triton's interpreter.
void launch(KernelHandle& handle, const LaunchConfig& cfg, const KernelArgs& args, c10::Device device);

// Compile (or load from disk) without launching, for ahead-of-time warm-up. `arch` is the
// compute capability as 10*major+minor.
CompiledKernel* precompile(KernelHandle& handle, const LaunchConfig& cfg, const KernelArgs& args, int arch);

// Compile-only mode for this thread (arch > 0): launches compile for `arch` (or load from the
// disk cache) and return without running anything. Used by gemforge.precompile to fill the
// cache ahead of time, also on machines without a GPU. 0 turns it off.
void set_compile_only_arch(int arch);

// True while this thread runs a kernel under the interpreter: ops issued by the interpreter
// itself must go to ATen, not back to us.
extern thread_local bool t_in_interpreter;
inline bool in_interpreter() { return t_in_interpreter; }

struct DeviceInfo {
  int arch = 0;
  int sm_count = 0;
  int max_shared = 0;  // bytes of shared memory a block may opt in to
};
const DeviceInfo& device_info(int device_index);

// An int32 tensor of at least n zeros on like's device, for a kernel's counters (tickets, arrival
// counts) that the kernel itself zeroes again before it finishes, so that no zeroing launch
// precedes it. CUDA: cached per thread, device and current stream (launches that may overlap
// never share one); while the stream is being captured into a CUDA graph a fresh one (its
// zeroing is captured with the launch), and on the CPU a fresh at::zeros.
at::TensorBase zeroed_counters(const at::TensorBase& like, int64_t n);

// ---------------------------------------------------------------- runtime settings and stats

struct Stats {
  std::atomic<int64_t> compiles{0};     // kernels compiled by Triton in this process
  std::atomic<int64_t> disk_hits{0};    // kernels loaded from the disk cache
  std::atomic<int64_t> disk_rejects{0}; // corrupt or mismatched disk entries ignored
  std::atomic<int64_t> module_loads{0}; // cuModuleLoadData calls
};
Stats& stats();

void set_cache_dir(const std::string& dir);  // empty: GEMFORGE_CACHE_DIR or ~/.cache/gemforge
std::string cache_dir();
void set_disk_cache_enabled(bool enabled);
// Frozen: any cache miss raises (use after warm-up, e.g. around CUDA graph capture).
void set_frozen(bool frozen);
bool frozen();

// All handles ever used (for clearing caches in tests).
void register_handle(KernelHandle* handle);
void clear_memory_caches();

// On-disk cache, exposed for tests: path of an entry and atomic write/read.
std::string disk_entry_path(const std::string& identity, const SpecKey& key);
bool write_file_atomic(const std::string& path, const std::string& bytes);
bool read_file(const std::string& path, std::string& bytes);

}  // namespace gemforge::rt
