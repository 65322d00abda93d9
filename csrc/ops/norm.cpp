// Normalization, forward and backward: layer_norm, rms_norm, group_norm, batch_norm, instance_norm, weight_norm (issue 4).
// Kernels: python/gemforge/kernels/norm.py.
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/op_utils.h"
#include "registration/registry.h"
#include "runtime/kernel.h"

namespace gemforge {

void add_norm_ops(std::vector<OpEntry>& t) {
  (void)t;
}

}  // namespace gemforge
