// Scans (cumsum, cumprod, cummax, cummin, logcumsumexp) and sorting/selection (sort, argsort, topk, ...) (issue 4).
// Kernels: python/gemforge/kernels/scan_sort.py.
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/op_utils.h"
#include "registration/registry.h"
#include "runtime/kernel.h"

namespace gemforge {

void add_scan_sort_ops(std::vector<OpEntry>& t) {
  (void)t;
}

}  // namespace gemforge
