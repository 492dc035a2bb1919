// File: tensor/cuda/dynamic_library.h
//
// dlopen/dlsym with absl::Status, for the GPU libraries that Concord loads on first use instead
// of linking (cuBLAS in tensor/cuda/cublas_api.h, NCCL in worker/comm/nccl_api.h). See Note
// [Lazy GPU libraries] in tensor/cuda/cublas_api.cu.
//
//   ASSIGN_OR_RETURN(void* library, cuda::OpenLibrary({"libcublas.so.13", "libcublas.so"}));
//   ASSIGN_OR_RETURN(void* create, cuda::FindSymbol(library, "cublasCreate_v2"));
//
// Errors are FAILED_PRECONDITION carrying dlerror()'s own text; callers prefix what is missing
// and how to fix it. Plain C++, no CUDA headers.
#ifndef CONCORD_TENSOR_CUDA_DYNAMIC_LIBRARY_H_
#define CONCORD_TENSOR_CUDA_DYNAMIC_LIBRARY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace concord::cuda {

// dlopen(RTLD_NOW | RTLD_LOCAL) of the first of `names` that opens. Each name is tried first by
// the dynamic loader's own search (LD_LIBRARY_PATH, the calling object's runpath, ld.so.cache,
// the system folders), then in CudaRuntimeFolder(): a linked library would have been found
// through the executable's rpath, which dlopen from a shared object (Bazel's test builds) does
// not consult, and CUDA's libraries sit next to its runtime. The handle is never closed by us.
// On failure the message lists every attempt's dlerror() text, in order, joined by "; then ".
absl::StatusOr<void*> OpenLibrary(const std::vector<std::string>& names);

// The address of `symbol` in `library` (a handle from OpenLibrary), or dlerror()'s text
// ("LIBRARY: undefined symbol: SYMBOL").
absl::StatusOr<void*> FindSymbol(void* library, const char* symbol);

// The folder the loaded CUDA runtime (libcudart.so.13) was mapped from, e.g.
// "/usr/local/cuda/lib64"; empty if it is not loaded.
std::string CudaRuntimeFolder();

}  // namespace concord::cuda

#endif  // CONCORD_TENSOR_CUDA_DYNAMIC_LIBRARY_H_
