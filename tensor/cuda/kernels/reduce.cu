// File: tensor/cuda/kernels/reduce.cu
//
// ReduceLastDim and SumMiddleDim of kernels.h: the dispatch of dispatch_training.h run on the
// GPU through launch.cuh (one thread or one block per row; see Note [Kernel shapes]).
#include <cuda_runtime.h>

#include <cstdint>

#include "absl/status/status.h"
#include "tensor/cuda/kernels/dispatch_training.h"
#include "tensor/cuda/kernels/kernels.h"
#include "tensor/cuda/kernels/launch.cuh"

namespace concord::cuda {

absl::Status ReduceLastDim(ops::ReduceOp op, const LoopShape& rows, const Operand& out, const Operand& in,
                           int64_t n, int64_t in_stride, cudaStream_t stream) {
  return ReduceLastDimImpl(GpuLauncher{stream}, op, rows, out, in, n, in_stride);
}

absl::Status SumMiddleDim(DType in_dtype, const void* in, DType out_dtype, void* out, int64_t outer, int64_t n,
                          int64_t inner, cudaStream_t stream) {
  return SumMiddleDimImpl(GpuLauncher{stream}, in_dtype, in, out_dtype, out, outer, n, inner);
}

}  // namespace concord::cuda
