// File: tensor/ops/cuda_ops.h
//
// The CUDA side of the kernels in tensor/ops/kernels.h: each ops:: kernel checks that its
// operands share a device and, for CUDA tensors, calls its twin here. These turn tensors into
// the raw arguments of tensor/cuda/kernels/kernels.h (merging dims that are contiguous in
// every operand, as the CPU loop does), issue the work on the device's compute stream, and
// throw TensorError with CUDA's message when a launch fails. Copies between devices are here
// too. Internal to //tensor.
#ifndef CONCORD_TENSOR_OPS_CUDA_OPS_H_
#define CONCORD_TENSOR_OPS_CUDA_OPS_H_

#include <initializer_list>
#include <optional>
#include <string_view>

#include "tensor/ops/op_kinds.h"
#include "tensor/tensor.h"

namespace concord::ops::cuda_ops {

// Throws TensorError unless every defined tensor is on the first one's device (PyTorch's
// "Expected all tensors to be on the same device" error). Returns that device.
Device CommonDevice(std::string_view op, std::initializer_list<const Tensor*> tensors);

// dst = convert(src) where either may be on a GPU (src already has dst's shape).
void CopyCast(const Tensor& dst, const Tensor& src);
void Fill(const Tensor& dst, Scalar value);
void Binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, Scalar alpha);
void BinaryScalar(BinaryOp op, const Tensor& out, const Tensor& a, Scalar s);
void Unary(UnaryOp op, const Tensor& out, const Tensor& a);
void Clamp(const Tensor& out, const Tensor& a, std::optional<Scalar> lo, std::optional<Scalar> hi);
void Where(const Tensor& out, const Tensor& mask, const Tensor& a, const Tensor& b);
void ReluBackward(const Tensor& out, const Tensor& grad, const Tensor& y);
void ReduceLastDim(ReduceOp op, const Tensor& out, const Tensor& in);
void SumMiddleDim(const Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner);
void Gemm(const Tensor& out, const Tensor& a, const Tensor& b, bool accumulate, bool allow_tf32);
void IndexSelect(const Tensor& out, const Tensor& in, const Tensor& index, int64_t outer, int64_t n,
                 int64_t inner);
void OneHot(const Tensor& out, const Tensor& labels);
void CrossEntropyForward(const Tensor& logp, const Tensor& loss_rows, const Tensor& logits, const Tensor& labels);
void CrossEntropyBackward(const Tensor& grad, const Tensor& logp, const Tensor& labels, const Tensor& upstream,
                          double scale);
void SgdStep(const Tensor& param, const Tensor& grad, const Tensor& buffer, double lr, double momentum,
             double dampening, double weight_decay, bool nesterov, bool first_step);

}  // namespace concord::ops::cuda_ops

#endif  // CONCORD_TENSOR_OPS_CUDA_OPS_H_
