// Unary math: exp2 ... resolve_conj (issue 3)
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "ops/pointwise/pointwise.h"

namespace gemforge {

void add_unary_math_ops(std::vector<OpEntry>& t) {}

}  // namespace gemforge
