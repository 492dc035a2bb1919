// File: tensor/ops/op_kinds.h
//
// The kinds of elementwise and reduction ops the kernels implement, shared by the CPU kernels
// (tensor/ops/kernels.h) and the CUDA kernels (tensor/cuda/kernels/kernels.h). Plain C++17 with
// no dependencies, so nvcc-compiled code can include it.
#ifndef CONCORD_TENSOR_OPS_OP_KINDS_H_
#define CONCORD_TENSOR_OPS_OP_KINDS_H_

namespace concord::ops {

// Binary ops: kAdd/kSub take alpha (a + alpha * b); comparisons (kEq...kGe) write bool.
enum class BinaryOp { kAdd, kSub, kMul, kDiv, kPow, kMax, kMin, kEq, kNe, kLt, kLe, kGt, kGe };

enum class UnaryOp { kNeg, kExp, kLog, kSqrt, kAbs, kSigmoid, kTanh, kRelu };

// Reductions over one dim; kArgMax/kArgMin write int64 indices (the first extreme, NaN wins).
enum class ReduceOp { kSum, kMax, kMin, kArgMax, kArgMin };

}  // namespace concord::ops

#endif  // CONCORD_TENSOR_OPS_OP_KINDS_H_
