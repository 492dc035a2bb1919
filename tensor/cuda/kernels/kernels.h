// File: tensor/cuda/kernels/kernels.h
//
// The CUDA kernels behind tensors on "cuda:N": the GPU twins of the CPU kernels in
// tensor/ops/kernels.h, with the same semantics element for element, plus the fused training
// kernels (cross-entropy, SGD) and GEMM through cuBLAS.
//
// This layer knows nothing of Tensor: operands arrive as raw device pointers with sizes and
// strides, so it compiles with nvcc (C++17) while the tensor library above is C++20. The glue
// in tensor/ops/ turns tensors into these arguments and checks them; nothing here re-checks
// shapes or dtypes beyond what the comments say.
//
// Conventions:
//  - Every function enqueues its work on `stream` and returns without waiting for the GPU.
//    The returned Status reports launch and library errors (cudaGetLastError after each launch;
//    cuBLAS status), with the call and CUDA's own message (tensor/cuda/cuda_check.h).
//  - Pointers are device pointers on the current device of the calling thread (the caller sets
//    it). A LoopShape with a zero size does nothing and returns OK without touching the GPU.
//  - Strides are in ELEMENTS of the operand's own dtype, per dim, and may be 0 (broadcast) or
//    any positive value; outputs are never broadcast.
//  - Semantics the CPU kernels have that a kernel cannot (throwing) are replaced as noted:
//    int64 division by zero writes 0.
#ifndef CONCORD_TENSOR_CUDA_KERNELS_KERNELS_H_
#define CONCORD_TENSOR_CUDA_KERNELS_KERNELS_H_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "absl/status/status.h"
#include "tensor/dtype.h"
#include "tensor/ops/op_kinds.h"

namespace concord::cuda {

inline constexpr int kMaxDims = 8;

// The iteration space of an elementwise kernel: ndim in [0, kMaxDims] (0 = one element).
struct LoopShape {
  int ndim = 0;
  int64_t sizes[kMaxDims] = {};
};

// One operand of an elementwise kernel over a LoopShape.
struct Operand {
  void* data = nullptr;
  DType dtype = DType::kFloat32;
  int64_t strides[kMaxDims] = {};  // in elements
};

// A scalar argument, as concord::Scalar keeps it: used as `d` by floating kernels and as `i`
// by int64 kernels (bool kernels: d != 0).
struct ScalarArg {
  double d = 0;
  int64_t i = 0;
};

// ---- Elementwise (out and every input share the LoopShape) -------------------------------
// dst = convert(src), any dtypes (to bool: x != 0).
absl::Status CopyCast(const LoopShape& shape, const Operand& dst, const Operand& src, cudaStream_t stream);
// dst = value.
absl::Status Fill(const LoopShape& shape, const Operand& dst, ScalarArg value, cudaStream_t stream);
// out = a (op) b; a and b share a dtype; out has it too, or bool for comparisons.
// kAdd/kSub: a + alpha * b / a - alpha * b. Arithmetic ops are not called on bool; max/min
// propagate NaN; pow on int64 is exact integer power (negative exponents as on the CPU).
absl::Status Binary(ops::BinaryOp op, const LoopShape& shape, const Operand& out, const Operand& a,
                    const Operand& b, ScalarArg alpha, cudaStream_t stream);
// out = a (op) s.
absl::Status BinaryScalar(ops::BinaryOp op, const LoopShape& shape, const Operand& out, const Operand& a,
                          ScalarArg s, cudaStream_t stream);
// out = op(a); a is not bool. Sigmoid without overflow for any x; relu passes NaN.
absl::Status Unary(ops::UnaryOp op, const LoopShape& shape, const Operand& out, const Operand& a,
                   cudaStream_t stream);
// out = min(max(a, lo), hi), a bound applied only when has_lo / has_hi; NaN passes.
absl::Status Clamp(const LoopShape& shape, const Operand& out, const Operand& a, bool has_lo, ScalarArg lo,
                   bool has_hi, ScalarArg hi, cudaStream_t stream);
// out = mask ? a : b (mask bool).
absl::Status Where(const LoopShape& shape, const Operand& out, const Operand& mask, const Operand& a,
                   const Operand& b, cudaStream_t stream);
// out = y > 0 ? grad : 0 (floating).
absl::Status ReluBackward(const LoopShape& shape, const Operand& out, const Operand& grad, const Operand& y,
                          cudaStream_t stream);

// ---- Reductions ---------------------------------------------------------------------------
// One output element per row: for each index of `rows` (the input without its last dim),
// reduces the n elements at in.data + offset(rows index) + k * in_stride, k in [0, n), into
// out (an Operand over `rows`; int64 for kArg*). kSum accumulates float32 in double, bool in
// int64; max/min/arg*: the first extreme wins, a NaN wins over everything. n >= 1 for
// max/min/arg* (the caller rejects empty ones); n == 0 sums to 0.
absl::Status ReduceLastDim(ops::ReduceOp op, const LoopShape& rows, const Operand& out, const Operand& in,
                           int64_t n, int64_t in_stride, cudaStream_t stream);
// out[o, j] = sum_i in[o, i, j]: `in` contiguous [outer, n, inner] of in_dtype, `out`
// contiguous [outer, inner] of out_dtype (float32 accumulates in double).
absl::Status SumMiddleDim(DType in_dtype, const void* in, DType out_dtype, void* out, int64_t outer, int64_t n,
                          int64_t inner, cudaStream_t stream);

// ---- Indexing -----------------------------------------------------------------------------
// out[o, j, i] = in[o, index[j], i]: `in` contiguous [outer, n, inner], `index` int64 [k] on
// the device with values in [0, n) (the caller has checked them), `out` contiguous
// [outer, k, inner]; any dtype.
absl::Status IndexSelect(DType dtype, const void* in, const int64_t* index, void* out, int64_t outer, int64_t n,
                         int64_t k, int64_t inner, cudaStream_t stream);
// out[r, c] = (labels[r] == c) ? 1 : 0 for a contiguous floating out [rows, classes]. A label
// outside [0, classes) leaves its row all zero (a kernel cannot throw; the CPU op does).
absl::Status OneHot(DType dtype, const int64_t* labels, void* out, int64_t rows, int64_t classes,
                    cudaStream_t stream);

// ---- Fused training kernels (floating dtype; contiguous [rows, classes]) ------------------
// Cross-entropy with integer labels. Forward: logp = log_softmax(logits) row by row (max-
// shifted, stable), and loss_rows[r] = -logp[r, labels[r]] (0 for a label outside the range).
absl::Status CrossEntropyForward(DType dtype, const void* logits, const int64_t* labels, void* logp,
                                 void* loss_rows, int64_t rows, int64_t classes, cudaStream_t stream);
// Backward: grad[r, c] = (exp(logp[r, c]) - (labels[r] == c)) * upstream[0] * scale, where
// upstream is a one-element device tensor of the same dtype (the loss's incoming gradient).
absl::Status CrossEntropyBackward(DType dtype, const void* logp, const int64_t* labels, const void* upstream,
                                  double scale, void* grad, int64_t rows, int64_t classes, cudaStream_t stream);
// One torch.optim.SGD step over n contiguous elements (see tensor/optim/sgd.h):
//   g = grad + weight_decay * param
//   if momentum != 0: buf = first_step ? g : momentum * buf + (1 - dampening) * g
//                     g = nesterov ? g + momentum * buf : buf
//   param -= lr * g
// momentum_buffer may be null when momentum == 0.
absl::Status SgdStep(DType dtype, void* param, const void* grad, void* momentum_buffer, int64_t n, double lr,
                     double momentum, double dampening, double weight_decay, bool nesterov, bool first_step,
                     cudaStream_t stream);

// ---- GEMM ---------------------------------------------------------------------------------
// Row-major C[m, n] = A[m, k] @ B[k, n] (+ C if accumulate) through cublasGemmEx on the current
// device, cuBLAS bound to `stream`. A is read transposed when trans_a (then it is stored as
// [k, m] with leading dimension lda), likewise B; ldc >= n. float32 computes in full FP32
// unless allow_tf32 (CUBLAS_COMPUTE_32F_FAST_TF32), float64 in FP64; int64 runs a plain
// kernel. One cuBLAS handle per device, created on first use; cuBLAS itself is loaded by the
// first float GEMM of the process (tensor/cuda/cublas_api.h: FAILED_PRECONDITION "cuBLAS is not
// available: ..." when it cannot be).
absl::Status Gemm(DType dtype, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const void* a,
                  int64_t lda, const void* b, int64_t ldb, void* c, int64_t ldc, bool accumulate, bool allow_tf32,
                  cudaStream_t stream);

}  // namespace concord::cuda

#endif  // CONCORD_TENSOR_CUDA_KERNELS_KERNELS_H_
