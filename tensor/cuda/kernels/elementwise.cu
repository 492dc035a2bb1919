// File: tensor/cuda/kernels/elementwise.cu
//
// The elementwise kernels of kernels.h but Binary/BinaryScalar (binary.cu): the dispatch of
// dispatch.h run on the GPU through launch.cuh.
#include <cuda_runtime.h>

#include "absl/status/status.h"
#include "tensor/cuda/kernels/dispatch.h"
#include "tensor/cuda/kernels/kernels.h"
#include "tensor/cuda/kernels/launch.cuh"

namespace concord::cuda {

absl::Status CopyCast(const LoopShape& shape, const Operand& dst, const Operand& src, cudaStream_t stream) {
  return CopyCastImpl(GpuLauncher{stream}, shape, dst, src);
}

absl::Status Fill(const LoopShape& shape, const Operand& dst, ScalarArg value, cudaStream_t stream) {
  return FillImpl(GpuLauncher{stream}, shape, dst, value);
}

absl::Status Unary(ops::UnaryOp op, const LoopShape& shape, const Operand& out, const Operand& a,
                   cudaStream_t stream) {
  return UnaryImpl(GpuLauncher{stream}, op, shape, out, a);
}

absl::Status Clamp(const LoopShape& shape, const Operand& out, const Operand& a, bool has_lo, ScalarArg lo,
                   bool has_hi, ScalarArg hi, cudaStream_t stream) {
  return ClampImpl(GpuLauncher{stream}, shape, out, a, has_lo, lo, has_hi, hi);
}

absl::Status Where(const LoopShape& shape, const Operand& out, const Operand& mask, const Operand& a,
                   const Operand& b, cudaStream_t stream) {
  return WhereImpl(GpuLauncher{stream}, shape, out, mask, a, b);
}

absl::Status ReluBackward(const LoopShape& shape, const Operand& out, const Operand& grad, const Operand& y,
                          cudaStream_t stream) {
  return ReluBackwardImpl(GpuLauncher{stream}, shape, out, grad, y);
}

}  // namespace concord::cuda
