// File: tensor/cuda/cuda_check.h
//
// Turns failing CUDA runtime and cuBLAS calls into absl::Status, for functions that return
// absl::Status or absl::StatusOr<T>:
//
//   CUDA_RETURN_IF_ERROR(cudaMalloc(&ptr, bytes));
//   CUBLAS_RETURN_IF_ERROR(cublas->create(&handle));  // cublas: cublas_api.h's CublasApi
//
// On failure the enclosing function returns a one-line status naming the call as written, where
// it was made and the library's own words:
//
//   cudaGetDeviceCount(&count) failed at tensor/cuda/runtime.cu:147: cudaErrorInsufficientDriver
//   (35): CUDA driver version is insufficient for CUDA runtime version
//
// The code is FAILED_PRECONDITION when the machine cannot run CUDA at all (no device, no or too
// old a driver; cuBLAS: not initialized, architecture mismatch) and INTERNAL otherwise.
//
// Plain host C++ (no CUDA syntax), usable from .cc and .cu files alike; the helpers are defined
// in runtime.cu, so the including target depends on //tensor/cuda:runtime. Each macro evaluates
// its argument exactly once.
//
// This header includes only <cuda_runtime_api.h>, not the cuBLAS headers: cublas_api.h pulls in
// cuda_fp16.h, which includes the extension-less <nv/target>, and @system//:cuda exports only
// *.h/*.hpp/*.cuh/*.inl to Bazel's sandbox, so a .cc file including cublas_v2.h does not compile
// there (nvcc genrules are unaffected). CUBLAS_RETURN_IF_ERROR names cublasStatus_t only when it
// expands, in code that calls cuBLAS and has therefore included <cublas_v2.h> already.
#ifndef CONCORD_TENSOR_CUDA_CUDA_CHECK_H_
#define CONCORD_TENSOR_CUDA_CUDA_CHECK_H_

#include <cuda_runtime_api.h>

#include "absl/status/status.h"

namespace concord::cuda_internal {

// The status for a CUDA runtime call `call_text` that returned `error` at file:line.
absl::Status CudaErrorToStatus(cudaError_t error, const char* call_text, const char* file,
                               int line);

// The status for a cuBLAS call `call_text` that returned `status` (a cublasStatus_t) at
// file:line.
absl::Status CublasErrorToStatus(int status, const char* call_text, const char* file, int line);

}  // namespace concord::cuda_internal

#define CUDA_RETURN_IF_ERROR(call)                                                         \
  do {                                                                                     \
    const ::cudaError_t concord_cuda_check_error_ = (call);                                \
    if (concord_cuda_check_error_ != ::cudaSuccess) {                                      \
      return ::concord::cuda_internal::CudaErrorToStatus(concord_cuda_check_error_, #call, \
                                                         __FILE__, __LINE__);              \
    }                                                                                      \
  } while (false)

#define CUBLAS_RETURN_IF_ERROR(call)                                                           \
  do {                                                                                         \
    const ::cublasStatus_t concord_cublas_check_status_ = (call);                              \
    if (concord_cublas_check_status_ != ::CUBLAS_STATUS_SUCCESS) {                             \
      return ::concord::cuda_internal::CublasErrorToStatus(                                    \
          static_cast<int>(concord_cublas_check_status_), #call, __FILE__, __LINE__);          \
    }                                                                                          \
  } while (false)

#endif  // CONCORD_TENSOR_CUDA_CUDA_CHECK_H_
