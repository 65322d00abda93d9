// Binary ops: arithmetic, comparisons, bitwise and logical (issue 3)
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/pointwise/pointwise.h"

namespace gemforge {

void add_binary_ops(std::vector<OpEntry>& t) {}

}  // namespace gemforge
