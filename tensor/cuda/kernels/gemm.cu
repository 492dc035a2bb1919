// File: tensor/cuda/kernels/gemm.cu
//
// Gemm of kernels.h: float32/float64 through cublasGemmEx, int64 through an elementwise kernel
// (dispatch_training.h). cuBLAS is column-major; a row-major matrix read column-major is its
// transpose, so row-major C = op(A) op(B) is computed as column-major C^T = op(B)^T op(A)^T:
// cuBLAS gets B first, then A, with m and n swapped, and the same leading dimensions.
// cuBLAS is loaded on the first float GEMM (tensor/cuda/cublas_api.h).
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <array>
#include <cstdint>
#include <limits>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "tensor/cuda/cublas_api.h"
#include "tensor/cuda/cuda_check.h"
#include "tensor/cuda/kernels/dispatch_training.h"
#include "tensor/cuda/kernels/kernels.h"
#include "tensor/cuda/kernels/launch.cuh"

namespace concord::cuda {
namespace {

constexpr int kMaxDevices = 64;

// One cuBLAS handle per device, created on first use and kept for the process's life (like the
// compute streams of context.h). A handle's stream is per handle, so each device's mutex is held
// from cublasSetStream until the GEMM is enqueued.
struct CublasHandles {
  std::mutex mu[kMaxDevices];
  std::array<cublasHandle_t, kMaxDevices> handle{};
};

CublasHandles& Handles() {
  static CublasHandles* handles = new CublasHandles;  // never destroyed: no teardown order issues
  return *handles;
}

// The current device's handle, created if needed; the caller holds Handles().mu[device].
absl::StatusOr<cublasHandle_t> HandleLocked(const CublasApi& cublas, int device) {
  cublasHandle_t& handle = Handles().handle[device];
  if (handle == nullptr) {
    cublasHandle_t created = nullptr;
    CUBLAS_RETURN_IF_ERROR(cublas.create(&created));
    handle = created;
  }
  return handle;
}

absl::Status CheckFitsInt(const char* what, int64_t v) {
  if (v <= std::numeric_limits<int>::max()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("cuda Gemm: ", what, " = ", v, " does not fit in an int (cuBLAS)"));
}

}  // namespace

absl::Status Gemm(DType dtype, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const void* a,
                  int64_t lda, const void* b, int64_t ldb, void* c, int64_t ldc, bool accumulate, bool allow_tf32,
                  cudaStream_t stream) {
  if (m < 0 || n < 0 || k < 0) {
    return absl::InvalidArgumentError(absl::StrCat("cuda Gemm: negative size m = ", m, ", n = ", n, ", k = ", k));
  }
  if (m == 0 || n == 0) return absl::OkStatus();
  if (dtype == DType::kInt64) {
    return GemmInt64Impl(GpuLauncher{stream}, trans_a, trans_b, m, n, k, static_cast<const int64_t*>(a), lda,
                         static_cast<const int64_t*>(b), ldb, static_cast<int64_t*>(c), ldc, accumulate);
  }
  if (dtype != DType::kFloat32 && dtype != DType::kFloat64) {
    return absl::InvalidArgumentError(absl::StrCat("cuda Gemm: unsupported dtype ", std::string(DTypeName(dtype))));
  }
  const size_t element = dtype == DType::kFloat32 ? sizeof(float) : sizeof(double);
  if (k == 0) {  // C = 0 (or unchanged when accumulating); no cuBLAS call needed
    if (accumulate) return absl::OkStatus();
    CUDA_RETURN_IF_ERROR(cudaMemset2DAsync(c, static_cast<size_t>(ldc) * element, 0, static_cast<size_t>(n) * element,
                                           static_cast<size_t>(m), stream));
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(CheckFitsInt("m", m));
  RETURN_IF_ERROR(CheckFitsInt("n", n));
  RETURN_IF_ERROR(CheckFitsInt("k", k));
  RETURN_IF_ERROR(CheckFitsInt("lda", lda));
  RETURN_IF_ERROR(CheckFitsInt("ldb", ldb));
  RETURN_IF_ERROR(CheckFitsInt("ldc", ldc));

  int device = 0;
  CUDA_RETURN_IF_ERROR(cudaGetDevice(&device));
  if (device < 0 || device >= kMaxDevices) {
    return absl::InvalidArgumentError(absl::StrCat("cuda Gemm: device ", device, " beyond ", kMaxDevices));
  }
  // After the device check, so a machine without a driver reports that first.
  ASSIGN_OR_RETURN(const CublasApi* cublas, Cublas());
  std::lock_guard<std::mutex> lock(Handles().mu[device]);
  ASSIGN_OR_RETURN(cublasHandle_t handle, HandleLocked(*cublas, device));
  CUBLAS_RETURN_IF_ERROR(cublas->set_stream(handle, stream));

  // Column-major C^T[n, m] = op(B)^T[n, k] op(A)^T[k, m]; a row-major operand stored untransposed
  // is, column-major, already the transpose the formula wants (CUBLAS_OP_N).
  const cublasOperation_t op_b = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_a = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int im = static_cast<int>(m), in = static_cast<int>(n), ik = static_cast<int>(k);
  if (dtype == DType::kFloat32) {
    const float alpha = 1.0f, beta = accumulate ? 1.0f : 0.0f;
    const cublasComputeType_t compute = allow_tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
    CUBLAS_RETURN_IF_ERROR(cublas->gemm_ex(handle, op_b, op_a, in, im, ik, &alpha, b, CUDA_R_32F, static_cast<int>(ldb),
                                        a, CUDA_R_32F, static_cast<int>(lda), &beta, c, CUDA_R_32F,
                                        static_cast<int>(ldc), compute, CUBLAS_GEMM_DEFAULT));
  } else {
    const double alpha = 1.0, beta = accumulate ? 1.0 : 0.0;
    CUBLAS_RETURN_IF_ERROR(cublas->gemm_ex(handle, op_b, op_a, in, im, ik, &alpha, b, CUDA_R_64F, static_cast<int>(ldb),
                                        a, CUDA_R_64F, static_cast<int>(lda), &beta, c, CUDA_R_64F,
                                        static_cast<int>(ldc), CUBLAS_COMPUTE_64F, CUBLAS_GEMM_DEFAULT));
  }
  return absl::OkStatus();
}

}  // namespace concord::cuda
