// The only place the C++ side calls Python: Triton's compiler and interpreter. Every function
// takes the GIL itself (initializing an embedded interpreter in a libtorch-only program).
#pragma once

#include "runtime/kernel.h"

#include <string>

namespace gemforge::bridge {

// sha256 of the kernel's (and its op body's) Triton cache keys and the Triton version.
std::string source_hash(const rt::KernelHandle& handle);

// Compile one specialization with triton.compile(ASTSource(...), target=GPUTarget("cuda", arch, 32)).
std::unique_ptr<rt::CompiledKernel> compile(const rt::KernelHandle& handle, const rt::KernelArgs& args,
                                            const rt::LaunchConfig& cfg, int arch);

// Run the kernel under Triton's interpreter on CPU tensors.
void interpret(const rt::KernelHandle& handle, const rt::LaunchConfig& cfg, const rt::KernelArgs& args);

}  // namespace gemforge::bridge
