// Unit tests of the runtime pieces that need no GPU: specialization keys, the on-disk cache
// (including corrupt and truncated entries) and the launch-configuration table.
#include "runtime/config_table.h"
#include "runtime/kernel.h"

#include <ATen/ATen.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace rt = gemforge::rt;

static int g_failures = 0, g_passed = 0;
#define EXPECT(cond)                                                       \
  do {                                                                    \
    if (cond) {                                                           \
      ++g_passed;                                                         \
    } else {                                                              \
      ++g_failures;                                                       \
      std::fprintf(stderr, "%s:%d: EXPECT failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                     \
  } while (0)

static rt::SpecKey key_of(const rt::KernelArgs& args, int arch = 90, int warps = 4) {
  rt::SpecKey k;
  rt::LaunchConfig cfg;
  cfg.num_warps = warps;
  rt::build_key(k, arch, cfg, args);
  return k;
}

static void test_spec_key() {
  at::Tensor a = at::empty({64}, at::kFloat), b = at::empty({64}, at::kBFloat16);
  at::Tensor unaligned = a.narrow(0, 1, 8);
  // Same dtypes/alignment/divisibility -> same key, whatever the sizes.
  rt::KernelArgs x1, x2, x3, x4, x5, x6;
  x1.tensor(a).integer(1024).constant(7);
  x2.tensor(a).integer(4096).constant(7);
  EXPECT(key_of(x1) == key_of(x2));
  EXPECT(key_of(x1).hash() == key_of(x2).hash());
  // Divisibility by 16, equality to 1, and int32/int64 range are part of the key.
  x3.tensor(a).integer(1000).constant(7);
  EXPECT(!(key_of(x1) == key_of(x3)));
  x4.tensor(a).integer(1).constant(7);
  EXPECT(!(key_of(x1) == key_of(x4)));
  x5.tensor(a).integer(int64_t(1) << 33).constant(7);
  EXPECT(!(key_of(x1) == key_of(x5)));
  EXPECT(x5[1].type == rt::ArgType::I64 && x1[1].type == rt::ArgType::I32 && x4[1].type == rt::ArgType::One);
  // Dtype, alignment, constexpr value, arch and num_warps change the key.
  x6.tensor(b).integer(1024).constant(7);
  EXPECT(!(key_of(x1) == key_of(x6)));
  rt::KernelArgs u;
  u.tensor(unaligned).integer(1024).constant(7);
  EXPECT(!(key_of(x1) == key_of(u)));
  EXPECT((x1[0].spec & rt::kAligned) && !(u[0].spec & rt::kAligned));
  rt::KernelArgs c8;
  c8.tensor(a).integer(1024).constant(8);
  EXPECT(!(key_of(x1) == key_of(c8)));
  EXPECT(!(key_of(x1, 90) == key_of(x1, 80)));
  EXPECT(!(key_of(x1, 90, 4) == key_of(x1, 90, 8)));
  // Tensor descriptors: dtype and block shape are in the key, the tensor's sizes are not.
  at::Tensor m1 = at::empty({256, 128}, at::kBFloat16), m2 = at::empty({512, 64}, at::kBFloat16);
  rt::KernelArgs d1, d2, d3;
  d1.tensor_desc(m1, {128, 64}).integer(1024);
  d2.tensor_desc(m2, {128, 64}).integer(1024);
  d3.tensor_desc(m1, {64, 64}).integer(1024);
  EXPECT(key_of(d1) == key_of(d2));
  EXPECT(!(key_of(d1) == key_of(d3)));
  EXPECT(d1.desc(d1[0]).shape[0] == 256 && d1.desc(d1[0]).strides[0] == 128 && d1.desc(d1[0]).block[1] == 64);
}

static void test_disk_cache() {
  char tmpl[] = "/tmp/gemforge_cache_test_XXXXXX";
  std::string dir = mkdtemp(tmpl);
  rt::set_cache_dir(dir);
  EXPECT(rt::cache_dir() == dir);
  rt::KernelArgs args;
  at::Tensor a = at::empty({16}, at::kFloat);
  args.tensor(a).integer(32);
  rt::SpecKey key = key_of(args);
  rt::CompiledKernel k;
  k.key = key;
  k.hash = key.hash();
  k.cubin = std::string("\x7f" "ELF fake cubin bytes\0with nul", 30);
  k.name = "kernel_name";
  k.num_warps = 8;
  k.shared = 1234;
  rt::TmaMeta meta;
  meta.swizzle = 3;
  meta.elem_size = 2;
  meta.elem_type = 9;
  meta.ndim = 2;
  meta.block[0] = 128;
  meta.block[1] = 64;
  k.tma = {meta, meta};
  const std::string identity = "sourcehash|module:fn";
  const std::string path = rt::disk_entry_path(identity, key);
  EXPECT(path.rfind(dir, 0) == 0);
  EXPECT(rt::write_file_atomic(path, rt::serialize(k, identity)));
  std::string bytes;
  EXPECT(rt::read_file(path, bytes));
  auto back = rt::deserialize(bytes, identity, key);
  EXPECT(back != nullptr);
  if (back) {
    EXPECT(back->cubin == k.cubin && back->name == k.name && back->num_warps == 8 && back->shared == 1234);
    EXPECT(back->tma.size() == 2 && back->tma[1].swizzle == 3 && back->tma[1].elem_type == 9 &&
           back->tma[1].ndim == 2 && back->tma[1].block[0] == 128 && back->tma[1].block[1] == 64);
    EXPECT(back->key == key);
  }
  // Another identity (kernel source changed, other Triton) or key is a miss.
  EXPECT(rt::deserialize(bytes, "otherhash|module:fn", key) == nullptr);
  rt::KernelArgs other;
  other.tensor(a).integer(33);
  EXPECT(rt::deserialize(bytes, identity, key_of(other)) == nullptr);
  // Truncated at every length, and any flipped byte, is detected.
  bool all_truncations_rejected = true;
  for (size_t n = 0; n < bytes.size(); ++n)
    all_truncations_rejected &= rt::deserialize(bytes.substr(0, n), identity, key) == nullptr;
  EXPECT(all_truncations_rejected);
  bool all_flips_rejected = true;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string corrupt = bytes;
    corrupt[i] ^= 0x5a;
    all_flips_rejected &= rt::deserialize(corrupt, identity, key) == nullptr;
  }
  EXPECT(all_flips_rejected);
  // Atomic write leaves no temporary files behind.
  std::string listing;
  FILE* p = popen(("ls -a " + dir).c_str(), "r");
  char buf[256];
  while (p && fgets(buf, sizeof buf, p)) listing += buf;
  if (p) pclose(p);
  EXPECT(listing.find(".tmp.") == std::string::npos);
  std::system(("rm -rf " + dir).c_str());
}

static void test_config_table() {
  using rt::Family;
  // Buckets, not exact sizes: neighbouring sizes share a configuration.
  const auto& a = rt::lookup_config(Family::Softmax, 90, 4000, 4096);
  const auto& b = rt::lookup_config(Family::Softmax, 90, 4096, 100);
  EXPECT(&a == &b);
  const auto& small = rt::lookup_config(Family::Softmax, 90, 100, 4096);
  EXPECT(&small != &a);
  // Rows past 16K columns switch to the multi-pass kernel (block0 != 0).
  EXPECT(rt::lookup_config(Family::Softmax, 0, 100000, 8).block0 != 0);
  EXPECT(rt::lookup_config(Family::Softmax, 0, 4096, 8).block0 == 0);
  // An unknown architecture falls back to the portable rows.
  EXPECT(&rt::lookup_config(Family::ReduceInner, 12345, 1 << 20, 1) == &rt::lookup_config(Family::ReduceInner, 0, 1 << 20, 1));
  // Every row has a power-of-two block and a sane warp count.
  int n = 0;
  const rt::ConfigRow* rows = rt::config_rows(&n);
  bool sane = n > 0;
  for (int i = 0; i < n; ++i) {
    const auto& c = rows[i].config;
    sane &= (c.block0 == 0 || (c.block0 & (c.block0 - 1)) == 0) && c.num_warps >= 1 && c.num_warps <= 32;
  }
  EXPECT(sane);
}

// `runtime_tests --lookup ARCH ELEM_BYTES`, "M N K" lines on stdin: a line each with the
// configurations lookup_gemm (matmul_tma) and lookup_gemv pick, for tests/test_tuning_table.py
// to check bench/config_rows.py (the tuner's reading of the table) against.
static int print_lookups(char** argv) {
  const int arch = std::atoi(argv[2]), elem = std::atoi(argv[3]);
  long long m, n, k;
  while (std::scanf("%lld %lld %lld", &m, &n, &k) == 3) {
    const rt::GemmConfig& g = rt::lookup_gemm(arch, true, elem, m, n, k);
    std::printf("%d %d %d %d %d %d %d %d %d |", g.bm, g.bn, g.bk, g.group_m, g.num_warps, g.num_stages,
                g.warp_specialize, g.split_store, g.ctas_per_sm);
    try {
      const rt::GemvConfig& v = rt::lookup_gemv(arch, elem, m, n, k);
      std::printf(" %d %d %d %d %d %d\n", v.block_r, v.block_k, v.num_warps, v.num_stages, v.fma_single,
                  v.evict_first);
    } catch (const c10::Error&) {  // more tokens than any decode row takes
      std::printf(" none\n");
    }
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--lookup") return print_lookups(argv);
  test_spec_key();
  test_disk_cache();
  test_config_table();
  std::printf("%d passed, %d failed\n", g_passed, g_failures);
  return g_failures == 0 ? 0 : 1;
}
