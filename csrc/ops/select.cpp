// Selection and search: kthvalue, median, nanmedian, mode, searchsorted/bucketize, nonzero (issue 4).
// Kernels: python/gemforge/kernels/select.py.
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/op_utils.h"
#include "registration/registry.h"
#include "runtime/kernel.h"

namespace gemforge {

void add_select_ops(std::vector<OpEntry>& t) {
  (void)t;
}

}  // namespace gemforge
