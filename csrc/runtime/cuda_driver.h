// The CUDA driver API, loaded from libcuda.so.1 at first use, so the library imports and runs
// its interpreter backend on machines without a GPU driver. Only the few types we use are
// declared here; values follow cuda.h.
#pragma once

#include <cstdint>

namespace gemforge::cu {

using CUresult = int;
using CUdevice = int;
using CUcontext = struct CUctx_st*;
using CUmodule = struct CUmod_st*;
using CUfunction = struct CUfunc_st*;
using CUstream = struct CUstream_st*;
using CUdeviceptr = unsigned long long;

constexpr int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;
constexpr int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
constexpr int CU_STREAM_CAPTURE_STATUS_NONE = 0;
constexpr int CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION = 6;

// cuLaunchKernelEx's configuration (CUDA 12 ABI): a launch attribute is its id, padded to 8
// bytes, and a 64-byte value union, of which the attribute used here reads one int.
struct CUlaunchAttribute {
  int id;
  char pad[4];
  union {
    char bytes[64];
    int programmatic_stream_serialization_allowed;
  } value;
};
struct CUlaunchConfig {
  unsigned grid_x, grid_y, grid_z;
  unsigned block_x, block_y, block_z;
  unsigned shared_bytes;
  CUstream stream;
  CUlaunchAttribute* attrs;
  unsigned num_attrs;
};

struct Api {
  CUresult (*init)(unsigned);
  CUresult (*device_get)(CUdevice*, int);
  CUresult (*device_get_attribute)(int*, int, CUdevice);
  CUresult (*primary_ctx_retain)(CUcontext*, CUdevice);
  CUresult (*ctx_get_current)(CUcontext*);
  CUresult (*ctx_set_current)(CUcontext);
  CUresult (*module_load_data)(CUmodule*, const void*);
  CUresult (*module_get_function)(CUfunction*, CUmodule, const char*);
  CUresult (*func_set_attribute)(CUfunction, int, int);
  CUresult (*launch_kernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                             unsigned, CUstream, void**, void**);
  // cuLaunchKernelEx (CUDA 12+ drivers; nullptr when the driver has none)
  CUresult (*launch_kernel_ex)(const CUlaunchConfig*, CUfunction, void**, void**);
  CUresult (*stream_is_capturing)(CUstream, int*);
  CUresult (*memset_d32_async)(unsigned long long dst, unsigned value, size_t count, CUstream);
  CUresult (*get_error_string)(CUresult, const char**);
  // cuTensorMapEncodeTiled (CUDA 12+ drivers; nullptr when the driver has none)
  CUresult (*tensor_map_encode_tiled)(void* tensor_map, int data_type, unsigned rank, void* global_address,
                                      const uint64_t* global_dim, const uint64_t* global_strides,
                                      const uint32_t* box_dim, const uint32_t* element_strides, int interleave,
                                      int swizzle, int l2_promotion, int oob_fill);
};

constexpr int CU_TENSOR_MAP_L2_PROMOTION_L2_128B = 2;
constexpr int kTensorMapBytes = 128;  // sizeof(CUtensorMap), 64-byte aligned

// Loads libcuda on first call; raises a clear error if there is no driver.
const Api& api();

// Raises a c10::Error naming `what` and the driver's message when `result` is not success.
void check(CUresult result, const char* what);

}  // namespace gemforge::cu
