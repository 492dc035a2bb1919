// File: tensor/ops/kernels.h
//
// Kernels, CPU and CUDA. Every function checks that its tensors share a device; CUDA tensors
// go to their twins in tensor/ops/cuda_ops.h, CPU tensors to the loops here (CopyCast alone
// also copies between devices). Each writes into an output tensor the caller has allocated
// with the right shape and dtype; inputs already have the output's shape (broadcast by
// expand, stride 0), and, unless a kernel says otherwise, the compute dtype. Argument checking and dtype
// promotion happen one layer up (tensor/elementwise.cc and friends); kernels only compute.
#ifndef CONCORD_TENSOR_OPS_KERNELS_H_
#define CONCORD_TENSOR_OPS_KERNELS_H_

#include <cstdint>

#include "tensor/ops/op_kinds.h"
#include "tensor/tensor.h"

namespace concord::ops {

// A contiguous tensor of shape and dtype, uninitialised, on device.
Tensor NewTensor(const Shape& shape, DType dtype, Device device = Device::Cpu());
// t read with shape `to` (stride 0 along broadcast dims): a view, built without autograd.
Tensor BroadcastView(const Tensor& t, const Shape& to);

// dst[i] = convert(src[i]); any dtypes.
void CopyCast(const Tensor& dst, const Tensor& src);
// A new contiguous copy of t in dtype (no autograd).
Tensor CastCopy(const Tensor& t, DType dtype);
// dst[i] = value (converted to dst's dtype).
void Fill(const Tensor& dst, Scalar value);

// out = a (op) b; a and b share a dtype; out has it too, or bool for comparisons. For kAdd and
// kSub, b is scaled by alpha first (a + alpha * b).
void Binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, Scalar alpha = 1);
// out = a (op) s, a scalar converted to a's dtype.
void BinaryScalar(BinaryOp op, const Tensor& out, const Tensor& a, Scalar s);

void Unary(UnaryOp op, const Tensor& out, const Tensor& a);
// out = min(max(a, lo), hi); either bound may be absent.
void Clamp(const Tensor& out, const Tensor& a, std::optional<Scalar> lo, std::optional<Scalar> hi);
// out = mask ? a : b (mask bool; a, b, out one dtype).
void Where(const Tensor& out, const Tensor& mask, const Tensor& a, const Tensor& b);

// Reduces the last dim of `in` ([..., n], any strides) into out ([...], contiguous).
// kSum accumulates in double (float32) or the dtype itself; kArg* write int64 indices.
void ReduceLastDim(ReduceOp op, const Tensor& out, const Tensor& in);

// out[o, j] = sum_i in[o, i, j] for a contiguous in viewed as [outer, n, inner] and a
// contiguous out [outer, inner]: the sum over a dim that is not the last, read row by row.
void SumMiddleDim(const Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner);

// out = y > 0 ? grad : 0 (the gradient of relu, given its output y).
void ReluBackward(const Tensor& out, const Tensor& grad, const Tensor& y);

// out[n, m] = a[n, k] @ b[k, m] (+ out if accumulate). a and b may be transposed views
// (either stride 1); out must be contiguous. float32/float64 go to OpenBLAS, int64 to a loop.
void Gemm(const Tensor& out, const Tensor& a, const Tensor& b, bool accumulate = false);

// Whether float32 GEMM on CUDA may use TF32 tensor cores (off by default: full FP32, as
// PyTorch's torch.backends.cuda.matmul.allow_tf32 = False). CPU GEMM is unaffected.
void SetAllowTf32(bool allow);
bool AllowTf32();

// out[o, j, i] = in[o, index[j], i] for a contiguous `in` viewed as [outer, n, inner], an int64
// index (contiguous, values already checked to lie in [0, n), on in's device) and a contiguous
// out [outer, k, inner].
void IndexSelect(const Tensor& out, const Tensor& in, const Tensor& index, int64_t outer, int64_t n,
                 int64_t inner);

// ---- Fused training kernels: contiguous floating [rows, classes], int64 labels [rows] -------
// Rows are one-hot: out[r, labels[r]] = 1, the rest 0. Labels are checked on the CPU (an
// out-of-range label throws); on CUDA such a row stays all zero.
void OneHot(const Tensor& out, const Tensor& labels);
// logp = log_softmax(logits) row by row (max-shifted), loss_rows[r] = -logp[r, labels[r]].
void CrossEntropyForward(const Tensor& logp, const Tensor& loss_rows, const Tensor& logits, const Tensor& labels);
// grad = (exp(logp) - one_hot(labels)) * upstream * scale; upstream has one element.
void CrossEntropyBackward(const Tensor& grad, const Tensor& logp, const Tensor& labels, const Tensor& upstream,
                          double scale);
// One torch.optim.SGD step on a contiguous parameter (see tensor/optim/sgd.h); buffer is the
// momentum buffer (undefined when momentum == 0), overwritten with g on the first step.
void SgdStep(const Tensor& param, const Tensor& grad, const Tensor& buffer, double lr, double momentum,
             double dampening, double weight_decay, bool nesterov, bool first_step);

// Threads OpenBLAS may use (>= 1), and how many it uses now.
void SetBlasThreads(int threads);
int BlasThreads();

}  // namespace concord::ops

#endif  // CONCORD_TENSOR_OPS_KERNELS_H_
