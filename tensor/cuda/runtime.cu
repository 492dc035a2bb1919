// File: tensor/cuda/runtime.cu
//
// Implementation of tensor/cuda/runtime.h: the first CUDA code in Concord. Compiled by nvcc
// (C++17, see //tools/bazel:cuda.bzl) for sm_90 plus compute_80 PTX; every CUDA and cuBLAS call
// is checked with the macros of cuda_check.h, and device resources are held by small RAII
// owners so that early returns on error free them. cuBLAS is called through the table of
// cublas_api.h (loaded on first use, see Note [Lazy GPU libraries] in dynamic_library.h).
#include "tensor/cuda/runtime.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "tensor/cuda/cublas_api.h"
#include "tensor/cuda/cuda_check.h"

namespace concord {
namespace cuda_internal {
namespace {

bool CudaErrorMeansNoUsableDevice(cudaError_t error) {
  switch (error) {
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorSystemDriverMismatch:
    case cudaErrorCompatNotSupportedOnDevice:
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::Status CudaErrorToStatus(cudaError_t error, const char* call_text, const char* file,
                               int line) {
  const std::string message =
      absl::StrCat(call_text, " failed at ", file, ":", line, ": ", cudaGetErrorName(error), " (",
                   static_cast<int>(error), "): ", cudaGetErrorString(error));
  return CudaErrorMeansNoUsableDevice(error) ? absl::FailedPreconditionError(message)
                                             : absl::InternalError(message);
}

absl::Status CublasErrorToStatus(int status, const char* call_text, const char* file, int line) {
  const auto cublas_status = static_cast<cublasStatus_t>(status);
  // A cuBLAS status comes from a loaded cuBLAS; without one only the number can be shown.
  const absl::StatusOr<const cuda::CublasApi*> cublas = cuda::Cublas();
  const std::string message = absl::StrCat(
      call_text, " failed at ", file, ":", line, ": ",
      cublas.ok() ? (*cublas)->get_status_name(cublas_status) : "cublasStatus_t", " (", status,
      "): ", cublas.ok() ? (*cublas)->get_status_string(cublas_status) : "cuBLAS is not loaded");
  // cublasCreate says NOT_INITIALIZED when the CUDA runtime cannot start (no driver or device).
  const bool no_usable_device = cublas_status == CUBLAS_STATUS_NOT_INITIALIZED ||
                                cublas_status == CUBLAS_STATUS_ARCH_MISMATCH;
  return no_usable_device ? absl::FailedPreconditionError(message) : absl::InternalError(message);
}

}  // namespace cuda_internal

namespace {

// Owns one cudaMalloc'd buffer. Release() frees it and reports the error, for the success path;
// the destructor frees whatever is still held, ignoring errors, for early returns.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() {
    if (ptr_ != nullptr) cudaFree(ptr_);
  }

  absl::Status Allocate(size_t bytes) {
    CUDA_RETURN_IF_ERROR(Release());
    void* ptr = nullptr;
    CUDA_RETURN_IF_ERROR(cudaMalloc(&ptr, bytes));
    ptr_ = ptr;  // only a successful allocation is owned
    return absl::OkStatus();
  }

  float* floats() const { return static_cast<float*>(ptr_); }

  cudaError_t Release() {
    void* ptr = ptr_;
    ptr_ = nullptr;
    return ptr == nullptr ? cudaSuccess : cudaFree(ptr);
  }

 private:
  void* ptr_ = nullptr;
};

// Owns one cuBLAS handle of the loaded cuBLAS, in the same manner as DeviceBuffer.
class CublasHandle {
 public:
  explicit CublasHandle(const cuda::CublasApi& cublas) : cublas_(cublas) {}
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;
  ~CublasHandle() {
    if (handle_ != nullptr) cublas_.destroy(handle_);
  }

  absl::Status Create() {
    CUBLAS_RETURN_IF_ERROR(Destroy());
    cublasHandle_t handle = nullptr;
    CUBLAS_RETURN_IF_ERROR(cublas_.create(&handle));
    handle_ = handle;
    return absl::OkStatus();
  }

  cublasHandle_t get() const { return handle_; }

  cublasStatus_t Destroy() {
    cublasHandle_t handle = handle_;
    handle_ = nullptr;
    return handle == nullptr ? CUBLAS_STATUS_SUCCESS : cublas_.destroy(handle);
  }

 private:
  const cuda::CublasApi& cublas_;
  cublasHandle_t handle_ = nullptr;
};

// out[i] = a[i] + b[i], grid-stride loop: any grid size covers any n.
__global__ void AddKernel(const float* __restrict__ a, const float* __restrict__ b,
                          float* __restrict__ out, int64_t n) {
  const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    out[i] = a[i] + b[i];
  }
}

constexpr int kThreadsPerBlock = 256;
// Enough blocks to fill an H100 several times over; the grid-stride loop does the rest.
constexpr int64_t kMaxBlocks = 4096;

}  // namespace

absl::StatusOr<int> CudaDeviceCount() {
  int count = 0;
  CUDA_RETURN_IF_ERROR(cudaGetDeviceCount(&count));
  return count;
}

absl::Status CudaAddVectors(const float* a, const float* b, float* out, int64_t n) {
  if (n < 0) return absl::InvalidArgumentError(absl::StrCat("CudaAddVectors: n = ", n, " < 0"));
  if (n == 0) return absl::OkStatus();
  if (a == nullptr || b == nullptr || out == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("CudaAddVectors: null host pointer with n = ", n));
  }
  if (static_cast<uint64_t>(n) > std::numeric_limits<size_t>::max() / sizeof(float)) {
    return absl::InvalidArgumentError(absl::StrCat("CudaAddVectors: n = ", n, " is too large"));
  }
  const size_t bytes = static_cast<size_t>(n) * sizeof(float);

  // The inputs are copied to their own buffers before the output is written back, so out may
  // alias a or b.
  DeviceBuffer d_a, d_b, d_out;
  RETURN_IF_ERROR(d_a.Allocate(bytes));
  RETURN_IF_ERROR(d_b.Allocate(bytes));
  RETURN_IF_ERROR(d_out.Allocate(bytes));
  CUDA_RETURN_IF_ERROR(cudaMemcpy(d_a.floats(), a, bytes, cudaMemcpyHostToDevice));
  CUDA_RETURN_IF_ERROR(cudaMemcpy(d_b.floats(), b, bytes, cudaMemcpyHostToDevice));

  const int blocks =
      static_cast<int>(std::min<int64_t>((n + kThreadsPerBlock - 1) / kThreadsPerBlock, kMaxBlocks));
  AddKernel<<<blocks, kThreadsPerBlock>>>(d_a.floats(), d_b.floats(), d_out.floats(), n);
  CUDA_RETURN_IF_ERROR(cudaGetLastError());  // launch errors
  // Errors while the kernel runs surface here, the first synchronizing call after it.
  CUDA_RETURN_IF_ERROR(cudaDeviceSynchronize());
  CUDA_RETURN_IF_ERROR(cudaMemcpy(out, d_out.floats(), bytes, cudaMemcpyDeviceToHost));

  CUDA_RETURN_IF_ERROR(d_out.Release());
  CUDA_RETURN_IF_ERROR(d_b.Release());
  CUDA_RETURN_IF_ERROR(d_a.Release());
  return absl::OkStatus();
}

absl::StatusOr<float> CublasSdot(const std::vector<float>& x, const std::vector<float>& y) {
  if (x.size() != y.size()) {
    return absl::InvalidArgumentError(absl::StrCat("CublasSdot: sizes differ: ", x.size(),
                                                   " vs ", y.size()));
  }
  if (x.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return absl::InvalidArgumentError(
        absl::StrCat("CublasSdot: size ", x.size(), " does not fit in an int"));
  }
  if (x.empty()) return 0.0f;
  const int n = static_cast<int>(x.size());
  const size_t bytes = x.size() * sizeof(float);

  DeviceBuffer d_x, d_y;
  RETURN_IF_ERROR(d_x.Allocate(bytes));
  RETURN_IF_ERROR(d_y.Allocate(bytes));
  CUDA_RETURN_IF_ERROR(cudaMemcpy(d_x.floats(), x.data(), bytes, cudaMemcpyHostToDevice));
  CUDA_RETURN_IF_ERROR(cudaMemcpy(d_y.floats(), y.data(), bytes, cudaMemcpyHostToDevice));

  ASSIGN_OR_RETURN(const cuda::CublasApi* cublas, cuda::Cublas());
  CublasHandle handle(*cublas);
  RETURN_IF_ERROR(handle.Create());
  // The default pointer mode is CUBLAS_POINTER_MODE_HOST: cublasSdot writes `result` in host
  // memory and returns once it is there.
  float result = 0.0f;
  CUBLAS_RETURN_IF_ERROR(
      cublas->sdot(handle.get(), n, d_x.floats(), 1, d_y.floats(), 1, &result));
  CUBLAS_RETURN_IF_ERROR(handle.Destroy());

  CUDA_RETURN_IF_ERROR(d_y.Release());
  CUDA_RETURN_IF_ERROR(d_x.Release());
  return result;
}

}  // namespace concord
