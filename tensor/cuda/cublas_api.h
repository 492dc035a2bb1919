// File: tensor/cuda/cublas_api.h
//
// cuBLAS, loaded with dlopen on first use instead of linked. See Note [Lazy GPU libraries] in
// tensor/cuda/dynamic_library.h: libcublas.so.13 pulls in libcublasLt.so.13 (541 MB), and merely
// loading the two costs every process ~0.4 s and ~200 MB of RSS, which CPU-only runs must not
// pay.
//
//   ASSIGN_OR_RETURN(const cuda::CublasApi* cublas, cuda::Cublas());
//   CUBLAS_RETURN_IF_ERROR(cublas->create(&handle));
//
// Contract:
//  - The first call of Cublas() (or LoadCublas()) dlopens "libcublas.so.13", falling back to
//    "libcublas.so" (where each is looked for: cuda::OpenLibrary in dynamic_library.h), resolves
//    every entry point of CublasApi and checks that the library's major version is the one we
//    were compiled against. Thread-safe; done once per process; the result (success or failure)
//    is kept. A library that passes stays loaded; one that fails is closed again.
//  - Failure is FAILED_PRECONDITION, one line starting "cuBLAS is not available: " followed by
//    what went wrong (dlerror()'s text, e.g. "libcublas.so.13: cannot open shared object file:
//    No such file or directory", or the version found), and how to fix it. Nothing here needs
//    a GPU: on a machine with the library but no driver, loading succeeds and the cuBLAS calls
//    themselves fail.
//
// The status functions are plain C++, for .cc files and tests. CublasApi and Cublas() use the
// cuBLAS types, so they exist only for nvcc-compiled code (__CUDACC__): cublas_v2.h cannot be
// included from Bazel-gcc .cc files (see tensor/cuda/cuda_check.h).
#ifndef CONCORD_TENSOR_CUDA_CUBLAS_API_H_
#define CONCORD_TENSOR_CUDA_CUBLAS_API_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace concord::cuda {

// Loads cuBLAS if needed (see the contract above): OK once it is usable, the kept
// FAILED_PRECONDITION otherwise.
absl::Status LoadCublas();

namespace cublas_internal {

// What LoadCublas() does, with the library names to try in order, uncached, for tests: OK if
// one of them opens and has every entry point and the right major version. A library that
// passes stays loaded; one that fails is closed again.
absl::Status TryLoadCublas(const std::vector<std::string>& library_names);

}  // namespace cublas_internal
}  // namespace concord::cuda

#ifdef __CUDACC__
#include <cublas_v2.h>

#include "absl/status/statusor.h"

namespace concord::cuda {

// cuBLAS's entry points, resolved by name from the loaded library (the exported names: the
// cublas_v2.h macros map cublasCreate to cublasCreate_v2 and so on). Members are called as the
// functions they stand for.
struct CublasApi {
  decltype(&cublasCreate_v2) create;
  decltype(&cublasDestroy_v2) destroy;
  decltype(&cublasSetStream_v2) set_stream;
  decltype(&cublasSdot_v2) sdot;
  // cublasGemmEx is overloaded in C++ (an inline wrapper taking a cudaDataType compute type):
  // this is the exported one, with cublasComputeType_t.
  cublasStatus_t (*gemm_ex)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                            const void*, const void*, cudaDataType, int, const void*,
                            cudaDataType, int, const void*, void*, cudaDataType, int,
                            cublasComputeType_t, cublasGemmAlgo_t);
  decltype(&cublasGetStatusName) get_status_name;
  decltype(&cublasGetStatusString) get_status_string;
  decltype(&cublasGetProperty) get_property;
};

// The loaded cuBLAS (never null when OK), or LoadCublas()'s status.
absl::StatusOr<const CublasApi*> Cublas();

}  // namespace concord::cuda
#endif  // __CUDACC__

#endif  // CONCORD_TENSOR_CUDA_CUBLAS_API_H_
