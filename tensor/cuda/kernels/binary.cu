// File: tensor/cuda/kernels/binary.cu
//
// Binary and BinaryScalar of kernels.h (their own file: the op x dtype x operand-count
// instantiations are the slowest part of the elementwise build).
#include <cuda_runtime.h>

#include "absl/status/status.h"
#include "tensor/cuda/kernels/dispatch.h"
#include "tensor/cuda/kernels/kernels.h"
#include "tensor/cuda/kernels/launch.cuh"

namespace concord::cuda {

absl::Status Binary(ops::BinaryOp op, const LoopShape& shape, const Operand& out, const Operand& a,
                    const Operand& b, ScalarArg alpha, cudaStream_t stream) {
  return BinaryImpl(GpuLauncher{stream}, op, shape, out, a, b, alpha);
}

absl::Status BinaryScalar(ops::BinaryOp op, const LoopShape& shape, const Operand& out, const Operand& a,
                          ScalarArg s, cudaStream_t stream) {
  return BinaryScalarImpl(GpuLauncher{stream}, op, shape, out, a, s);
}

}  // namespace concord::cuda
