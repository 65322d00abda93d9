// Runtime: argument packing, specialization keys, in-memory and on-disk kernel caches,
// module loading and launching.
#include "runtime/kernel.h"

#include "runtime/cuda_driver.h"
#include "runtime/python_bridge.h"

#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/zeros.h>
#include <c10/core/ScalarType.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <c10/util/Exception.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace gemforge::cu {

const Api& api() {
  static Api api = [] {
    Api a{};
    void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    TORCH_CHECK(lib != nullptr, "gemforge: cannot load the CUDA driver (libcuda.so.1): ", dlerror());
    auto sym = [&](const char* name) {
      void* p = dlsym(lib, name);
      TORCH_CHECK(p != nullptr, "gemforge: libcuda.so.1 has no symbol ", name);
      return p;
    };
#define GF_LOAD(field, symbol) a.field = reinterpret_cast<decltype(a.field)>(sym(symbol))
    GF_LOAD(init, "cuInit");
    GF_LOAD(device_get, "cuDeviceGet");
    GF_LOAD(device_get_attribute, "cuDeviceGetAttribute");
    GF_LOAD(primary_ctx_retain, "cuDevicePrimaryCtxRetain");
    GF_LOAD(ctx_get_current, "cuCtxGetCurrent");
    GF_LOAD(ctx_set_current, "cuCtxSetCurrent");
    GF_LOAD(module_load_data, "cuModuleLoadData");
    GF_LOAD(module_get_function, "cuModuleGetFunction");
    GF_LOAD(func_set_attribute, "cuFuncSetAttribute");
    GF_LOAD(launch_kernel, "cuLaunchKernel");
    GF_LOAD(stream_is_capturing, "cuStreamIsCapturing");
    GF_LOAD(memset_d32_async, "cuMemsetD32Async");
    GF_LOAD(get_error_string, "cuGetErrorString");
#undef GF_LOAD
    a.tensor_map_encode_tiled =
        reinterpret_cast<decltype(a.tensor_map_encode_tiled)>(dlsym(lib, "cuTensorMapEncodeTiled"));
    a.launch_kernel_ex = reinterpret_cast<decltype(a.launch_kernel_ex)>(dlsym(lib, "cuLaunchKernelEx"));
    check(a.init(0), "cuInit");
    return a;
  }();
  return api;
}

void check(CUresult result, const char* what) {
  if (result == 0) return;
  const char* msg = nullptr;
  if (api().get_error_string(result, &msg) != 0 || msg == nullptr) msg = "unknown error";
  TORCH_CHECK(false, "gemforge: ", what, " failed: ", msg, " (CUresult ", result, ")");
}

}  // namespace gemforge::cu

namespace gemforge::rt {

thread_local bool t_in_interpreter = false;

// ---------------------------------------------------------------- arguments

Arg& KernelArgs::push() {
  TORCH_CHECK(n_ < kMax, "gemforge: too many kernel arguments");
  Arg& a = args_[n_++];
  a.tensor = nullptr;
  a.spec = 0;
  a.v.i64 = 0;
  return a;
}

KernelArgs& KernelArgs::tensor(const at::TensorBase& t) {
  Arg& a = push();
  a.type = ArgType::Ptr;
  a.v.ptr = reinterpret_cast<uint64_t>(t.data_ptr());
  a.spec = static_cast<uint8_t>(t.scalar_type()) | ((a.v.ptr % 16 == 0) ? kAligned : 0);
  a.tensor = &t;
  return *this;
}

KernelArgs& KernelArgs::scalar_integer(int64_t value) {
  Arg& a = push();
  if (value >= INT32_MIN && value <= INT32_MAX) {
    a.type = ArgType::I32;
    a.v.i32 = static_cast<int32_t>(value);
  } else {
    a.type = ArgType::I64;
    a.v.i64 = value;
  }
  return *this;
}

KernelArgs& KernelArgs::integer(int64_t value) {
  scalar_integer(value);
  Arg& a = args_[n_ - 1];
  if (value == 1) a.type = ArgType::One;  // Triton compiles it in as constexpr 1
  if (value % 16 == 0) a.spec = kDivisible16;
  return *this;
}

KernelArgs& KernelArgs::f32(double value) {
  Arg& a = push();
  a.type = ArgType::F32;
  a.v.f32 = static_cast<float>(value);
  return *this;
}

KernelArgs& KernelArgs::f64(double value) {
  Arg& a = push();
  a.type = ArgType::F64;
  a.v.f64 = value;
  return *this;
}

KernelArgs& KernelArgs::constant(int64_t value) {
  Arg& a = push();
  a.type = ArgType::Const;
  a.v.i64 = value;
  if (value < INT32_MIN || value > INT32_MAX) a.spec = kWide;
  return *this;
}

KernelArgs& KernelArgs::none() {
  push().type = ArgType::None;
  return *this;
}

KernelArgs& KernelArgs::body() {
  push().type = ArgType::Body;
  return *this;
}

KernelArgs& KernelArgs::tensor_desc(const at::TensorBase& t, std::initializer_list<int32_t> block) {
  const int ndim = static_cast<int>(t.dim());
  TORCH_CHECK(static_cast<int>(block.size()) == ndim, "gemforge: a tensor descriptor needs a block size per dim");
  return tensor_desc(t, ndim, t.sizes().data(), t.strides().data(), block.begin());
}

KernelArgs& KernelArgs::tensor_desc(const at::TensorBase& t, int ndim, const int64_t* shape, const int64_t* strides,
                                    const int32_t* block) {
  TORCH_CHECK(ndescs_ < kMaxDescs, "gemforge: too many tensor descriptor arguments");
  TORCH_CHECK(ndim >= 1 && ndim <= 3, "gemforge: a tensor descriptor needs 1-3 dims");
  TensorDescArg& d = descs_[ndescs_];
  d.tensor = &t;
  d.ndim = ndim;
  for (int i = 0; i < ndim; ++i) {
    d.shape[i] = shape[i];
    d.strides[i] = strides[i];
    d.block[i] = block[i];
  }
  Arg& a = push();
  a.type = ArgType::TensorDesc;
  a.spec = static_cast<uint8_t>(t.scalar_type());
  a.v.i64 = ndescs_++;
  a.tensor = &t;
  return *this;
}

// ---------------------------------------------------------------- keys

uint64_t SpecKey::hash() const {
  // Eight bytes at a time (this runs on every launch), then the tail.
  uint64_t h = 0x9e3779b97f4a7c15ull ^ size;
  int i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t w;
    std::memcpy(&w, bytes + i, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, bytes + i, size - i);
  h = (h ^ tail) * 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 29);
}

void build_key(SpecKey& key, int arch, const LaunchConfig& cfg, const KernelArgs& args) {
  key.size = 0;
  key.push(static_cast<uint8_t>(arch));
  key.push(static_cast<uint8_t>(cfg.num_warps));
  key.push(static_cast<uint8_t>(cfg.num_stages));
  TORCH_CHECK(cfg.maxnreg >= 0 && cfg.maxnreg <= 255, "gemforge: maxnreg out of range");
  key.push(static_cast<uint8_t>(cfg.maxnreg));
  for (int i = 0; i < args.size(); ++i) {
    const Arg& a = args[i];
    TORCH_CHECK(key.size + 10 <= SpecKey::kCapacity, "gemforge: specialization key too long");
    key.push(static_cast<uint8_t>(a.type));
    key.push(a.spec);
    if (a.type == ArgType::TensorDesc) {
      const TensorDescArg& d = args.desc(a);
      key.push(static_cast<uint8_t>(d.ndim));
      for (int j = 0; j < d.ndim; ++j) key.push_bytes(&d.block[j], 2);  // blocks are < 65536
    } else if (a.type == ArgType::Const) {
      if (a.spec & kWide) {
        key.push_bytes(&a.v.i64, 8);
      } else {
        const int32_t v32 = static_cast<int32_t>(a.v.i64);
        key.push_bytes(&v32, 4);
      }
    }
  }
}

// ---------------------------------------------------------------- settings and stats

Stats& stats() {
  static Stats s;
  return s;
}

namespace {
std::mutex g_settings_mutex;
std::string g_cache_dir;
std::atomic<bool> g_disk_cache{true};
std::atomic<bool> g_frozen{false};
std::mutex g_handles_mutex;
std::vector<KernelHandle*> g_handles;
thread_local int t_compile_only_arch = 0;
}  // namespace

void set_cache_dir(const std::string& dir) {
  std::lock_guard<std::mutex> lock(g_settings_mutex);
  g_cache_dir = dir;
}

std::string cache_dir() {
  std::lock_guard<std::mutex> lock(g_settings_mutex);
  if (!g_cache_dir.empty()) return g_cache_dir;
  if (const char* env = std::getenv("GEMFORGE_CACHE_DIR"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/gemforge";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "/tmp") + "/.cache/gemforge";
}

void set_disk_cache_enabled(bool enabled) { g_disk_cache = enabled; }
void set_frozen(bool frozen) { g_frozen = frozen; }
bool frozen() { return g_frozen; }
void set_compile_only_arch(int arch) { t_compile_only_arch = arch; }

void register_handle(KernelHandle* handle) {
  std::lock_guard<std::mutex> lock(g_handles_mutex);
  for (auto* h : g_handles)
    if (h == handle) return;
  g_handles.push_back(handle);
}

void clear_memory_caches() {
  std::lock_guard<std::mutex> lock(g_handles_mutex);
  for (auto* h : g_handles) h->clear();
}

// ---------------------------------------------------------------- in-memory cache

std::string KernelHandle::describe() const {
  std::string s = std::string(module_) + ":" + function_;
  if (body_) s += std::string("[") + body_param_ + "=" + body_ + "]";
  return s;
}

CompiledKernel* KernelHandle::find(const SpecKey& key, uint64_t hash) const {
  const Table* t = table_.load(std::memory_order_acquire);
  if (t == nullptr) return nullptr;
  for (uint32_t i = 0;; ++i) {
    CompiledKernel* k = t->slots[(hash + i) & t->mask].load(std::memory_order_acquire);
    if (k == nullptr) return nullptr;
    if (k->hash == hash && k->key == key) return k;
  }
}

CompiledKernel* KernelHandle::insert(std::unique_ptr<CompiledKernel> kernel) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (CompiledKernel* existing = find(kernel->key, kernel->hash)) return existing;
  Table* t = table_.load(std::memory_order_relaxed);
  if (t == nullptr || (count_ + 1) * 2 > t->mask + 1) {
    // Grow: build a larger table and publish it; the old one stays alive for readers.
    uint32_t capacity = t ? (t->mask + 1) * 2 : 64;
    auto grown = std::make_unique<Table>(capacity);
    for (auto& k : owned_) {
      for (uint32_t i = 0;; ++i) {
        auto& slot = grown->slots[(k->hash + i) & grown->mask];
        if (slot.load(std::memory_order_relaxed) == nullptr) {
          slot.store(k.get(), std::memory_order_relaxed);
          break;
        }
      }
    }
    t = grown.get();
    tables_.push_back(std::move(grown));
    table_.store(t, std::memory_order_release);
  }
  CompiledKernel* raw = kernel.get();
  owned_.push_back(std::move(kernel));
  for (uint32_t i = 0;; ++i) {
    auto& slot = t->slots[(raw->hash + i) & t->mask];
    if (slot.load(std::memory_order_relaxed) == nullptr) {
      slot.store(raw, std::memory_order_release);
      break;
    }
  }
  ++count_;
  register_handle(this);
  return raw;
}

void KernelHandle::clear() {
  // Only for tests: drop the table (entries stay owned, so a concurrent reader stays safe).
  std::lock_guard<std::mutex> lock(mutex_);
  table_.store(nullptr, std::memory_order_release);
  count_ = 0;
  retired_.insert(retired_.end(), std::make_move_iterator(owned_.begin()), std::make_move_iterator(owned_.end()));
  owned_.clear();
}

const std::string& KernelHandle::source_hash() {
  if (source_hash_ready_.load(std::memory_order_acquire)) return source_hash_;
  std::string h = bridge::source_hash(*this);  // takes the GIL; never hold mutex_ across it
  std::lock_guard<std::mutex> lock(mutex_);
  if (!source_hash_ready_.load(std::memory_order_relaxed)) {
    source_hash_ = std::move(h);
    source_hash_ready_.store(true, std::memory_order_release);
  }
  return source_hash_;
}

// ---------------------------------------------------------------- on-disk cache

namespace {
constexpr char kMagic[8] = {'G', 'F', 'K', 'C', 'A', 'C', 'H', '2'};

void put_u64(std::string& s, uint64_t v) { s.append(reinterpret_cast<const char*>(&v), 8); }
void put_str(std::string& s, const std::string& v) {
  put_u64(s, v.size());
  s += v;
}

struct Reader {
  const std::string& s;
  size_t pos = 0;
  bool ok = true;
  uint64_t u64() {
    if (pos + 8 > s.size()) return ok = false, 0;
    uint64_t v;
    std::memcpy(&v, s.data() + pos, 8);
    pos += 8;
    return v;
  }
  std::string str() {
    uint64_t n = u64();
    if (!ok || n > s.size() - pos) return ok = false, std::string();
    std::string v = s.substr(pos, n);
    pos += n;
    return v;
  }
};

uint64_t fnv1a(const char* data, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<uint8_t>(data[i]);
    h *= 1099511628211ull;
  }
  return h;
}
}  // namespace

std::string serialize(const CompiledKernel& k, const std::string& identity) {
  std::string s(kMagic, 8);
  put_str(s, identity);
  put_str(s, std::string(reinterpret_cast<const char*>(k.key.bytes), k.key.size));
  put_str(s, k.name);
  put_str(s, k.cubin);
  for (int64_t v : {int64_t(k.num_warps), int64_t(k.shared), int64_t(k.num_ctas), k.global_scratch_size,
                    k.global_scratch_align, k.profile_scratch_size, k.profile_scratch_align,
                    int64_t(k.cooperative), int64_t(k.pdl)})
    put_u64(s, static_cast<uint64_t>(v));
  put_u64(s, k.tma.size());
  for (const TmaMeta& m : k.tma) {
    for (int32_t v : {m.swizzle, m.elem_size, m.elem_type, m.ndim, m.block[0], m.block[1], m.block[2]})
      put_u64(s, static_cast<uint64_t>(v));
  }
  put_u64(s, fnv1a(s.data(), s.size()));  // checksum of everything before it
  return s;
}

std::unique_ptr<CompiledKernel> deserialize(const std::string& bytes, const std::string& identity,
                                            const SpecKey& key) {
  if (bytes.size() < 16 || std::memcmp(bytes.data(), kMagic, 8) != 0) return nullptr;
  uint64_t stored_sum;
  std::memcpy(&stored_sum, bytes.data() + bytes.size() - 8, 8);
  if (stored_sum != fnv1a(bytes.data(), bytes.size() - 8)) return nullptr;
  Reader r{bytes, 8};
  auto k = std::make_unique<CompiledKernel>();
  if (r.str() != identity) return nullptr;
  std::string key_bytes = r.str();
  if (!r.ok || key_bytes.size() != key.size || std::memcmp(key_bytes.data(), key.bytes, key.size) != 0)
    return nullptr;
  k->key = key;
  k->hash = key.hash();
  k->name = r.str();
  k->cubin = r.str();
  k->num_warps = static_cast<int>(r.u64());
  k->shared = static_cast<int>(r.u64());
  k->num_ctas = static_cast<int>(r.u64());
  k->global_scratch_size = static_cast<int64_t>(r.u64());
  k->global_scratch_align = static_cast<int64_t>(r.u64());
  k->profile_scratch_size = static_cast<int64_t>(r.u64());
  k->profile_scratch_align = static_cast<int64_t>(r.u64());
  k->cooperative = r.u64() != 0;
  k->pdl = r.u64() != 0;
  const uint64_t ntma = r.u64();
  if (!r.ok || ntma > KernelArgs::kMaxDescs) return nullptr;
  k->tma.resize(ntma);
  for (TmaMeta& m : k->tma) {
    for (int32_t* v : {&m.swizzle, &m.elem_size, &m.elem_type, &m.ndim, &m.block[0], &m.block[1], &m.block[2]})
      *v = static_cast<int32_t>(r.u64());
  }
  if (!r.ok || r.pos + 8 != bytes.size() || k->cubin.empty()) return nullptr;
  return k;
}

std::string disk_entry_path(const std::string& identity, const SpecKey& key) {
  // Two independent 64-bit hashes make collisions negligible; the entry also stores the
  // full identity and key, and a mismatch is treated as a miss.
  std::string id = identity + '\0' + std::string(reinterpret_cast<const char*>(key.bytes), key.size);
  uint64_t a = fnv1a(id.data(), id.size());
  uint64_t b = 0x9e3779b97f4a7c15ull;
  for (char c : id) b = (b ^ static_cast<uint8_t>(c)) * 0xff51afd7ed558ccdull + (b >> 29);
  char name[40];
  std::snprintf(name, sizeof(name), "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return cache_dir() + "/" + name + ".gfk";
}

namespace {
void make_dirs(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos == dir.size() || dir[pos] == '/') mkdir(dir.substr(0, pos).c_str(), 0755);
  }
}
}  // namespace

bool write_file_atomic(const std::string& path, const std::string& bytes) {
  make_dirs(path.substr(0, path.rfind('/')));
  // Unique temporary name in the same directory, then rename(): readers never see a
  // partial file.
  static std::atomic<uint64_t> counter{0};
  std::string tmp = path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(counter++);
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return false;
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      close(fd);
      unlink(tmp.c_str());
      return false;
    }
    done += static_cast<size_t>(n);
  }
  if (close(fd) != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    return false;
  }
  return true;
}

bool read_file(const std::string& path, std::string& bytes) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  bytes = ss.str();
  return true;
}

// ---------------------------------------------------------------- compile on miss

namespace {

std::string identity_of(KernelHandle& handle) { return handle.source_hash() + "|" + handle.describe(); }

// What the launch path supports; checked once per compiled variant instead of per launch.
std::unique_ptr<CompiledKernel> checked(std::unique_ptr<CompiledKernel> k, const KernelHandle& handle) {
  TORCH_CHECK(k->num_ctas == 1, "gemforge: kernel ", handle.describe(), " uses clusters (num_ctas > 1)");
  TORCH_CHECK(k->global_scratch_size == 0 && k->profile_scratch_size == 0, "gemforge: kernel ",
              handle.describe(), " needs Triton scratch memory, which the launcher does not provide");
  return k;
}

// Shared memory a block may use on an architecture, for compiling without that GPU present
// (sm_90: 227 KB, sm_80/87: 163 KB, others 99 KB).
int max_shared_for_arch(int arch) {
  if (arch == 90 || arch >= 100) return 232448;
  if (arch == 80 || arch == 87) return 166912;
  return 101376;
}

CompiledKernel* compile_or_load(KernelHandle& handle, const SpecKey& key, uint64_t hash,
                                const LaunchConfig& cfg, const KernelArgs& args, int arch, int max_shared) {
  TORCH_CHECK(!frozen(), "gemforge: kernel cache miss while frozen (e.g. during CUDA graph capture) for ",
              handle.describe(), " on sm_", arch, ". Run the op once before freezing/capturing, or call ",
              "gemforge.precompile.");
  const std::string identity = identity_of(handle);
  const bool use_disk = g_disk_cache.load();
  std::string path;
  if (use_disk) {
    path = disk_entry_path(identity, key);
    std::string bytes;
    if (read_file(path, bytes)) {
      if (auto k = deserialize(bytes, identity, key)) {
        stats().disk_hits++;
        return handle.insert(checked(std::move(k), handle));
      }
      stats().disk_rejects++;  // truncated, corrupt or foreign: recompile and overwrite
    }
  }
  auto k = bridge::compile(handle, args, cfg, arch);
  stats().compiles++;
  // A pipeline too deep for this GPU's shared memory: one stage fewer until it fits (the entry
  // stays under the requested key, so every process gets the same fitted kernel).
  LaunchConfig fitted = cfg;
  while (k->shared > max_shared && fitted.num_stages > 1) {
    fitted.num_stages--;
    k = bridge::compile(handle, args, fitted, arch);
    stats().compiles++;
  }
  k->key = key;
  k->hash = hash;
  if (use_disk) write_file_atomic(path, serialize(*k, identity));
  return handle.insert(checked(std::move(k), handle));
}

cu::CUfunction load_function(CompiledKernel& k, int device) {
  static std::mutex load_mutex;
  std::lock_guard<std::mutex> lock(load_mutex);
  if (void* f = k.functions[device].load(std::memory_order_acquire)) return static_cast<cu::CUfunction>(f);
  const cu::Api& api = cu::api();
  cu::CUmodule module = nullptr;
  cu::check(api.module_load_data(&module, k.cubin.data()), "cuModuleLoadData");
  stats().module_loads++;
  cu::CUfunction fn = nullptr;
  cu::check(api.module_get_function(&fn, module, k.name.c_str()), "cuModuleGetFunction");
  TORCH_CHECK(k.shared <= device_info(device).max_shared, "gemforge: compiled kernel ", k.name, " needs ", k.shared,
              " bytes of shared memory; this GPU allows ", device_info(device).max_shared,
              " per block (a launch configuration with fewer stages or smaller tiles is needed)");
  if (k.shared > 48 * 1024) {
    cu::check(api.func_set_attribute(fn, cu::CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, k.shared),
              "cuFuncSetAttribute(max dynamic shared memory)");
  }
  k.functions[device].store(fn, std::memory_order_release);
  return fn;
}

// A thread that never touched CUDA has no current driver context, and the device guard below
// only calls cudaSetDevice when the device changes. Once per thread, make the device's primary
// context current if there is none; afterwards the guard keeps the right one current.
thread_local bool t_context_checked = false;

void ensure_context(int device) {
  const cu::Api& api = cu::api();
  cu::CUcontext ctx = nullptr;
  cu::check(api.ctx_get_current(&ctx), "cuCtxGetCurrent");
  if (ctx == nullptr) {
    cu::CUdevice d;
    cu::check(api.device_get(&d, device), "cuDeviceGet");
    cu::check(api.primary_ctx_retain(&ctx, d), "cuDevicePrimaryCtxRetain");
    cu::check(api.ctx_set_current(ctx), "cuCtxSetCurrent");
  }
  t_context_checked = true;
}

// The kernel parameters one tensor descriptor expands to.
struct TmaParams {
  alignas(64) uint8_t map[cu::kTensorMapBytes];
  int32_t shape[3];
  int64_t strides[3];
};

void encode_tensor_map(TmaParams& t, const TensorDescArg& d, const TmaMeta& m, const KernelHandle& handle) {
  const cu::Api& api = cu::api();
  TORCH_CHECK(api.tensor_map_encode_tiled != nullptr, "gemforge: the CUDA driver has no cuTensorMapEncodeTiled");
  TORCH_CHECK(m.ndim == d.ndim && d.strides[d.ndim - 1] == 1, "gemforge: bad tensor descriptor for ",
              handle.describe());
  // The driver wants dims innermost first, strides in bytes for all but the innermost dim.
  uint64_t dims[3], strides[3];
  uint32_t box[3], element_strides[3] = {1, 1, 1};
  for (int j = 0; j < d.ndim; ++j) {
    const int r = d.ndim - 1 - j;
    dims[j] = static_cast<uint64_t>(d.shape[r]);
    box[j] = static_cast<uint32_t>(m.block[r]);
    if (j + 1 < d.ndim) strides[j] = static_cast<uint64_t>(d.strides[d.ndim - 2 - j]) * m.elem_size;
    t.shape[j] = static_cast<int32_t>(d.shape[j]);
    t.strides[j] = d.strides[j];
  }
  cu::check(api.tensor_map_encode_tiled(t.map, m.elem_type, d.ndim, d.tensor->data_ptr(), dims, strides, box,
                                        element_strides, /*interleave none*/ 0, m.swizzle,
                                        cu::CU_TENSOR_MAP_L2_PROMOTION_L2_128B, /*oob fill none*/ 0),
            "cuTensorMapEncodeTiled");
}

void launch_cuda(KernelHandle& handle, const LaunchConfig& cfg, const KernelArgs& args, int device) {
  TORCH_CHECK(device >= 0 && device < kMaxDevices, "gemforge: device index out of range");
  c10::cuda::CUDAGuard guard(static_cast<c10::DeviceIndex>(device));
  if (!t_context_checked) ensure_context(device);
  const DeviceInfo& info = device_info(device);
  cu::CUstream stream = reinterpret_cast<cu::CUstream>(c10::cuda::getCurrentCUDAStream(device).stream());

  SpecKey key;
  build_key(key, info.arch, cfg, args);
  const uint64_t hash = key.hash();
  CompiledKernel* k = handle.find(key, hash);
  if (k == nullptr) {
    int capture = cu::CU_STREAM_CAPTURE_STATUS_NONE;
    cu::check(cu::api().stream_is_capturing(stream, &capture), "cuStreamIsCapturing");
    TORCH_CHECK(capture == cu::CU_STREAM_CAPTURE_STATUS_NONE,
                "gemforge: kernel ", handle.describe(),
                " is not loaded for these inputs and the stream is being captured into a CUDA graph; "
                "compiling or loading it now would break the capture. Run the op once before capture "
                "(warm-up) or call gemforge.precompile.");
    k = compile_or_load(handle, key, hash, cfg, args, info.arch, info.max_shared);
  }
  void* fn = k->functions[device].load(std::memory_order_acquire);
  if (fn == nullptr) fn = load_function(*k, device);

  // A descriptor expands to its CUtensorMap, its shape (i32 each) and strides (i64 each).
  void* params[KernelArgs::kMax + 6 * KernelArgs::kMaxDescs + 2];
  TmaParams tma[KernelArgs::kMaxDescs];
  int n = 0, ndesc = 0;
  uint64_t null_scratch = 0;
  for (int i = 0; i < args.size(); ++i) {
    const Arg& a = args[i];
    switch (a.type) {
      case ArgType::Ptr:
      case ArgType::I32:
      case ArgType::I64:
      case ArgType::F32:
      case ArgType::F64:
        params[n++] = const_cast<void*>(static_cast<const void*>(&a.v));
        break;
      case ArgType::TensorDesc: {
        TORCH_CHECK(ndesc < static_cast<int>(k->tma.size()), "gemforge: kernel ", handle.describe(),
                    " did not lower its tensor descriptors to TMA (needs sm_90 or newer)");
        TmaParams& t = tma[ndesc];
        const TensorDescArg& d = args.desc(a);
        encode_tensor_map(t, d, k->tma[ndesc++], handle);
        params[n++] = t.map;
        for (int j = 0; j < d.ndim; ++j) params[n++] = &t.shape[j];
        for (int j = 0; j < d.ndim; ++j) params[n++] = &t.strides[j];
        break;
      }
      default:
        break;  // constexpr: compiled in
    }
  }
  params[n++] = &null_scratch;  // global_scratch
  params[n++] = &null_scratch;  // profile_scratch
  TORCH_CHECK(cfg.grid[0] <= INT32_MAX && cfg.grid[1] <= 65535 && cfg.grid[2] <= 65535,
              "gemforge: grid too large for ", handle.describe());
  const cu::Api& api = cu::api();
  if (cfg.pdl && info.arch >= 90 && api.launch_kernel_ex != nullptr) {
    // Programmatic dependent launch: the kernel may start while the stream's previous kernel
    // finishes; it waits for that kernel's results itself (gdc_wait, see LaunchConfig::pdl)
    cu::CUlaunchAttribute attr{};
    attr.id = cu::CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
    attr.value.programmatic_stream_serialization_allowed = 1;
    cu::CUlaunchConfig lc{static_cast<unsigned>(cfg.grid[0]), static_cast<unsigned>(cfg.grid[1]),
                          static_cast<unsigned>(cfg.grid[2]), static_cast<unsigned>(32 * k->num_warps), 1, 1,
                          static_cast<unsigned>(k->shared), stream, &attr, 1};
    cu::check(api.launch_kernel_ex(&lc, static_cast<cu::CUfunction>(fn), params, nullptr), "cuLaunchKernelEx");
    return;
  }
  cu::check(api.launch_kernel(static_cast<cu::CUfunction>(fn), static_cast<unsigned>(cfg.grid[0]),
                              static_cast<unsigned>(cfg.grid[1]), static_cast<unsigned>(cfg.grid[2]),
                              32 * k->num_warps, 1, 1, k->shared, stream, params, nullptr),
            "cuLaunchKernel");
}

}  // namespace

const DeviceInfo& device_info(int device) {
  static DeviceInfo infos[kMaxDevices];
  static std::once_flag once[kMaxDevices];
  std::call_once(once[device], [device] {
    const cu::Api& api = cu::api();
    cu::CUdevice d;
    cu::check(api.device_get(&d, device), "cuDeviceGet");
    int major = 0, minor = 0, sms = 0;
    cu::check(api.device_get_attribute(&major, cu::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, d), "attr");
    cu::check(api.device_get_attribute(&minor, cu::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, d), "attr");
    cu::check(api.device_get_attribute(&sms, cu::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, d), "attr");
    int shared = 0;
    cu::check(api.device_get_attribute(&shared, cu::CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, d), "attr");
    infos[device].arch = major * 10 + minor;
    infos[device].sm_count = sms;
    infos[device].max_shared = shared;
  });
  return infos[device];
}

namespace {
struct CounterBuffer {
  int device = -1;
  cu::CUstream stream = nullptr;
  at::TensorBase zeros;  // int32; its kernels leave it zero
};
constexpr int kCounterBuffers = 8;  // (device, stream) pairs a thread keeps; then the oldest goes
// Never destroyed: freeing CUDA memory from a thread_local destructor at exit can outlive the driver.
thread_local CounterBuffer* t_counters = new CounterBuffer[kCounterBuffers];
thread_local int t_counters_next = 0;

// A driver memset on the stream, not at::zeros: that would dispatch to our own fill kernel, which a
// graph capture may find not yet loaded.
at::TensorBase zeros_on_stream(const c10::TensorOptions& opts, int64_t n, cu::CUstream stream) {
  at::TensorBase t = at::empty({n}, opts);
  cu::check(cu::api().memset_d32_async(reinterpret_cast<uintptr_t>(t.data_ptr()), 0, static_cast<size_t>(n), stream),
            "cuMemsetD32Async");
  return t;
}
}  // namespace

at::TensorBase zeroed_counters(const at::TensorBase& like, int64_t n) {
  const c10::TensorOptions opts = like.options().dtype(c10::kInt);
  if (!like.is_cuda()) return at::zeros({n}, opts);
  const int device = like.get_device();
  c10::cuda::CUDAGuard guard(static_cast<c10::DeviceIndex>(device));
  cu::CUstream stream = reinterpret_cast<cu::CUstream>(c10::cuda::getCurrentCUDAStream(device).stream());
  int capture = cu::CU_STREAM_CAPTURE_STATUS_NONE;
  cu::check(cu::api().stream_is_capturing(stream, &capture), "cuStreamIsCapturing");
  if (capture != cu::CU_STREAM_CAPTURE_STATUS_NONE) return zeros_on_stream(opts, n, stream);
  CounterBuffer* slot = nullptr;
  for (int i = 0; i < kCounterBuffers; ++i) {
    CounterBuffer& c = t_counters[i];
    if (c.device != device || c.stream != stream) continue;
    if (c.zeros.numel() >= n) return c.zeros;
    slot = &c;  // too small: replaced
  }
  if (slot == nullptr) {
    slot = &t_counters[t_counters_next];
    t_counters_next = (t_counters_next + 1) % kCounterBuffers;
  }
  slot->device = device;
  slot->stream = stream;
  slot->zeros = zeros_on_stream(opts, std::max<int64_t>(n, 64), stream);
  return slot->zeros;
}

void launch(KernelHandle& handle, const LaunchConfig& cfg, const KernelArgs& args, c10::Device device) {
  if (cfg.grid[0] == 0 || cfg.grid[1] == 0 || cfg.grid[2] == 0) return;
  if (t_compile_only_arch > 0) {
    precompile(handle, cfg, args, t_compile_only_arch);
    return;
  }
  if (device.is_cuda()) {
    launch_cuda(handle, cfg, args, device.index());
  } else {
    TORCH_CHECK(device.is_cpu(), "gemforge: unsupported device ", device);
    struct Flag {
      bool saved = t_in_interpreter;
      Flag() { t_in_interpreter = true; }
      ~Flag() { t_in_interpreter = saved; }
    } flag;
    bridge::interpret(handle, cfg, args);
  }
}

CompiledKernel* precompile(KernelHandle& handle, const LaunchConfig& cfg, const KernelArgs& args, int arch) {
  SpecKey key;
  build_key(key, arch, cfg, args);
  const uint64_t hash = key.hash();
  if (CompiledKernel* k = handle.find(key, hash)) return k;
  return compile_or_load(handle, key, hash, cfg, args, arch, max_shared_for_arch(arch));
}

}  // namespace gemforge::rt
