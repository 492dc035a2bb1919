// File: tensor/cuda/kernels/training.cu
//
// IndexSelect, OneHot, the fused cross-entropy kernels and the SGD step of kernels.h: the
// dispatch of dispatch_training.h run on the GPU through launch.cuh.
#include <cuda_runtime.h>

#include <cstdint>

#include "absl/status/status.h"
#include "tensor/cuda/kernels/dispatch_training.h"
#include "tensor/cuda/kernels/kernels.h"
#include "tensor/cuda/kernels/launch.cuh"

namespace concord::cuda {

absl::Status IndexSelect(DType dtype, const void* in, const int64_t* index, void* out, int64_t outer, int64_t n,
                         int64_t k, int64_t inner, cudaStream_t stream) {
  return IndexSelectImpl(GpuLauncher{stream}, dtype, in, index, out, outer, n, k, inner);
}

absl::Status OneHot(DType dtype, const int64_t* labels, void* out, int64_t rows, int64_t classes,
                    cudaStream_t stream) {
  return OneHotImpl(GpuLauncher{stream}, dtype, labels, out, rows, classes);
}

absl::Status CrossEntropyForward(DType dtype, const void* logits, const int64_t* labels, void* logp,
                                 void* loss_rows, int64_t rows, int64_t classes, cudaStream_t stream) {
  return CrossEntropyForwardImpl(GpuLauncher{stream}, dtype, logits, labels, logp, loss_rows, rows, classes);
}

absl::Status CrossEntropyBackward(DType dtype, const void* logp, const int64_t* labels, const void* upstream,
                                  double scale, void* grad, int64_t rows, int64_t classes, cudaStream_t stream) {
  return CrossEntropyBackwardImpl(GpuLauncher{stream}, dtype, logp, labels, upstream, scale, grad, rows, classes);
}

absl::Status SgdStep(DType dtype, void* param, const void* grad, void* momentum_buffer, int64_t n, double lr,
                     double momentum, double dampening, double weight_decay, bool nesterov, bool first_step,
                     cudaStream_t stream) {
  return SgdStepImpl(GpuLauncher{stream}, dtype, param, grad, momentum_buffer, n, lr, momentum, dampening,
                     weight_decay, nesterov, first_step);
}

}  // namespace concord::cuda
