// File: tensor/cuda/runtime.h
//
// The seed of Concord's CUDA backend: device discovery and the first kernels, with every CUDA
// and cuBLAS failure reported as an absl::Status rather than a crash. Tensors on the "cuda"
// device come later and will build on this layer (device buffers, streams, cuBLAS handles).
//
// Contract:
//  - Everything here builds and links on machines without a GPU. There, CudaDeviceCount()
//    returns a non-OK status (usually FAILED_PRECONDITION) carrying CUDA's own message, and the
//    compute functions return such a status when they need the device. Callers (and tests)
//    check CudaDeviceCount() first and skip GPU work when it is not OK or is 0.
//  - Pointers and vectors passed in are HOST memory; each call copies to the device, computes,
//    copies back and frees what it allocated, on error paths too. Calls are synchronous: when
//    they return, results are in host memory. They use the current device of the calling thread
//    and the legacy default stream.
//  - Error messages are one line: the failing call as written, file:line and the library's
//    error name and string (see cuda_check.h).
//
// This header is plain C++ (no CUDA headers, no CUDA syntax): C++20 code may include it.
#ifndef CONCORD_TENSOR_CUDA_RUNTIME_H_
#define CONCORD_TENSOR_CUDA_RUNTIME_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace concord {

// The number of CUDA devices visible to this process. Not OK when CUDA cannot be used at all
// (no driver, a driver older than the runtime, no device); the status message is CUDA's.
absl::StatusOr<int> CudaDeviceCount();

// out[i] = a[i] + b[i] for i in [0, n), computed on the current CUDA device by an elementwise
// kernel. a, b and out are host pointers to n floats (out may alias a or b). n == 0 does nothing
// and returns OK without touching the device; n < 0 or a null pointer with n > 0 is
// INVALID_ARGUMENT.
absl::Status CudaAddVectors(const float* a, const float* b, float* out, int64_t n);

// The dot product of x and y computed by cuBLAS (cublasSdot, float accumulation) on the current
// device. Sizes must match (INVALID_ARGUMENT otherwise) and fit in an int; empty vectors give 0
// without touching the device. Loads cuBLAS on first use (cublas_api.h): FAILED_PRECONDITION
// "cuBLAS is not available: ..." when it cannot be.
absl::StatusOr<float> CublasSdot(const std::vector<float>& x, const std::vector<float>& y);

}  // namespace concord

#endif  // CONCORD_TENSOR_CUDA_RUNTIME_H_
