// File: tensor/cuda/kernels/bodies.h
//
// The per-element logic of the CUDA kernels as __host__ __device__ code: index math over a
// LoopShape and one functor per elementwise kernel. launch.cuh wraps the functors in
// grid-stride kernels; tests/cuda_kernels_test.cc runs the very same code on the host against
// naive references, because the machines that build Concord have no GPU. The per-row bodies
// (reductions, cross-entropy) are in row_bodies.h, the host-side dispatch in dispatch.h.
//
// Plain C++17; the only CUDA syntax is CONCORD_HD, which is empty outside nvcc.
//
// Legend: K = number of operands of an elementwise kernel (the output first); i = linear index
// over the loop shape (row-major, last dim fastest); off[k] = offset of operand k's element i,
// in elements of its own dtype. Every functor has `void operator()(const int64_t* off) const`.
#ifndef CONCORD_TENSOR_CUDA_KERNELS_BODIES_H_
#define CONCORD_TENSOR_CUDA_KERNELS_BODIES_H_

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "tensor/cuda/kernels/kernels.h"
#include "tensor/dtype.h"
#include "tensor/ops/op_kinds.h"

#if defined(__CUDACC__)
#define CONCORD_HD __host__ __device__
#else
#define CONCORD_HD
#endif

namespace concord::cuda {

// ---- Index math ----------------------------------------------------------------------------

// K operands walked over one shape, each with its own strides (0 = broadcast).
template <int K>
struct Indexer {
  int ndim = 0;  // 0: a single element
  int64_t sizes[kMaxDims] = {};
  int64_t strides[K][kMaxDims] = {};

  // off[k] = sum over dims of coordinate(i, d) * strides[k][d].
  CONCORD_HD void Offsets(int64_t i, int64_t* off) const {
    for (int k = 0; k < K; ++k) off[k] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t coord = i % sizes[d];
      i /= sizes[d];
      for (int k = 0; k < K; ++k) off[k] += coord * strides[k][d];
    }
  }

  // Offsets(i, off) for i < 2^32 where every size is below 2^32 too (so whenever the element
  // count is): 32-bit division and remainder, several times cheaper than 64-bit ones on a GPU,
  // where they dominate a strided kernel (a bias broadcast over a [4096, 4096] output ran at a
  // third of memory speed).
  CONCORD_HD void Offsets32(uint32_t i, int64_t* off) const {
    for (int k = 0; k < K; ++k) off[k] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const uint32_t size = static_cast<uint32_t>(sizes[d]);
      const uint32_t coord = i % size;
      i /= size;
      for (int k = 0; k < K; ++k) off[k] += static_cast<int64_t>(coord) * strides[k][d];
    }
  }

  // True when off[k] == i for every operand: the kernel may skip the index math.
  bool Contiguous() const {
    if (ndim == 0) return true;
    if (ndim > 1) return false;
    for (int k = 0; k < K; ++k) {
      if (strides[k][0] != 1) return false;
    }
    return true;
  }
};

inline int64_t NumElements(const LoopShape& shape) {
  int64_t n = 1;
  for (int d = 0; d < shape.ndim; ++d) n *= shape.sizes[d];
  return n;
}

// The indexer of operands with `strides` over `shape` (which must have no zero size), with
// size-1 dims dropped and neighbouring dims merged where every operand is contiguous across
// them, as tensor/ops/strided_loop.h does: a contiguous op becomes one dim of unit strides.
template <int K>
Indexer<K> MakeIndexer(const LoopShape& shape, const int64_t* const (&strides)[K]) {
  Indexer<K> ix;
  for (int d = 0; d < shape.ndim; ++d) {
    const int64_t size = shape.sizes[d];
    if (size == 1) continue;
    bool merge = ix.ndim > 0;
    for (int k = 0; k < K && merge; ++k) merge = ix.strides[k][ix.ndim - 1] == strides[k][d] * size;
    if (merge) {
      ix.sizes[ix.ndim - 1] *= size;
      for (int k = 0; k < K; ++k) ix.strides[k][ix.ndim - 1] = strides[k][d];
    } else {
      ix.sizes[ix.ndim] = size;
      for (int k = 0; k < K; ++k) ix.strides[k][ix.ndim] = strides[k][d];
      ++ix.ndim;
    }
  }
  return ix;
}

// n elements, every operand contiguous: off[k] = i.
template <int K>
Indexer<K> ContiguousIndexer(int64_t n) {
  Indexer<K> ix;
  ix.ndim = 1;
  ix.sizes[0] = n;
  for (int k = 0; k < K; ++k) ix.strides[k][0] = 1;
  return ix;
}

// ---- Math, per dtype (float: the f-suffixed C functions, as std:: picks on the CPU) --------

template <typename T>
CONCORD_HD inline bool IsNan(T x) {
  if constexpr (std::is_floating_point_v<T>) {
    return x != x;
  } else {
    return false;
  }
}

CONCORD_HD inline float Exp(float x) { return ::expf(x); }
CONCORD_HD inline double Exp(double x) { return ::exp(x); }
CONCORD_HD inline float Log(float x) { return ::logf(x); }
CONCORD_HD inline double Log(double x) { return ::log(x); }
CONCORD_HD inline float Sqrt(float x) { return ::sqrtf(x); }
CONCORD_HD inline double Sqrt(double x) { return ::sqrt(x); }
CONCORD_HD inline float Tanh(float x) { return ::tanhf(x); }
CONCORD_HD inline double Tanh(double x) { return ::tanh(x); }
CONCORD_HD inline float Pow(float x, float y) { return ::powf(x, y); }
CONCORD_HD inline double Pow(double x, double y) { return ::pow(x, y); }

// The type transcendental functions of T run in: T for floating, double for int64 (as
// std::exp(int64_t) on the CPU).
template <typename T>
using MathType = std::conditional_t<std::is_floating_point_v<T>, T, double>;

// Exact integer power, wrapping on overflow; negative exponents as the CPU kernel (1, +-1, 0).
CONCORD_HD inline int64_t IntPow(int64_t base, int64_t exp) {
  if (exp < 0) return base == 1 ? 1 : (base == -1 ? ((exp & 1) ? -1 : 1) : 0);
  uint64_t result = 1;
  uint64_t b = static_cast<uint64_t>(base);
  while (exp != 0) {
    if (exp & 1) result *= b;
    b *= b;
    exp >>= 1;
  }
  return static_cast<int64_t>(result);
}

// A ScalarArg as T: d for floating, i for int64, d != 0 for bool.
template <typename T>
T ScalarAs(ScalarArg s) {
  if constexpr (std::is_same_v<T, bool>) {
    return s.d != 0;
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(s.d);
  } else {
    return static_cast<T>(s.i);
  }
}

// ---- Elementwise op bodies -----------------------------------------------------------------

template <typename O, typename A>
CONCORD_HD inline O CastValue(A x) {
  if constexpr (std::is_same_v<O, bool>) {
    return x != A(0);
  } else {
    return static_cast<O>(x);
  }
}

// max/min propagating NaN (torch.maximum); the first operand wins ties.
template <typename T>
CONCORD_HD inline T MaxValue(T x, T y) {
  if (IsNan(x)) return x;
  if (IsNan(y)) return y;
  return y > x ? y : x;
}
template <typename T>
CONCORD_HD inline T MinValue(T x, T y) {
  if (IsNan(x)) return x;
  if (IsNan(y)) return y;
  return y < x ? y : x;
}

// Arithmetic binary ops and max/min; T is bool only for max/min (dispatch.h rejects the rest).
template <typename T>
CONCORD_HD inline T ApplyBinary(ops::BinaryOp op, T x, T y, T alpha) {
  using ops::BinaryOp;
  if (op == BinaryOp::kMax) return MaxValue(x, y);
  if (op == BinaryOp::kMin) return MinValue(x, y);
  if constexpr (std::is_same_v<T, bool>) {
    return false;
  } else {
    switch (op) {
      case BinaryOp::kAdd: return x + alpha * y;
      case BinaryOp::kSub: return x - alpha * y;
      case BinaryOp::kMul: return x * y;
      case BinaryOp::kDiv:
        if constexpr (std::is_integral_v<T>) {
          // Truncating; a kernel cannot throw, so x / 0 is 0; x / -1 wraps like -x.
          if (y == 0) return 0;
          if (y == -1) return static_cast<T>(uint64_t{0} - static_cast<uint64_t>(x));
        }
        return x / y;
      case BinaryOp::kPow:
        if constexpr (std::is_integral_v<T>) {
          return IntPow(x, y);
        } else {
          return Pow(x, y);
        }
      default: return T(0);
    }
  }
}

template <typename T>
CONCORD_HD inline bool Compare(ops::BinaryOp op, T x, T y) {
  using ops::BinaryOp;
  switch (op) {
    case BinaryOp::kEq: return x == y;
    case BinaryOp::kNe: return x != y;
    case BinaryOp::kLt: return x < y;
    case BinaryOp::kLe: return x <= y;
    case BinaryOp::kGt: return x > y;
    case BinaryOp::kGe: return x >= y;
    default: return false;
  }
}

// T is int64, float or double (unary ops are not called on bool).
template <typename T>
CONCORD_HD inline T ApplyUnary(ops::UnaryOp op, T x) {
  using M = MathType<T>;
  using ops::UnaryOp;
  switch (op) {
    case UnaryOp::kNeg: return -x;
    case UnaryOp::kAbs: return x < 0 ? -x : x;
    case UnaryOp::kExp: return static_cast<T>(Exp(static_cast<M>(x)));
    case UnaryOp::kLog: return static_cast<T>(Log(static_cast<M>(x)));
    case UnaryOp::kSqrt: return static_cast<T>(Sqrt(static_cast<M>(x)));
    case UnaryOp::kSigmoid: {
      // exp of a non-positive number only: no overflow for any x.
      if (x >= 0) return static_cast<T>(M(1) / (M(1) + Exp(static_cast<M>(-x))));
      const T e = static_cast<T>(Exp(static_cast<M>(x)));
      return static_cast<T>(e / (1 + e));
    }
    case UnaryOp::kTanh: return static_cast<T>(Tanh(static_cast<M>(x)));
    case UnaryOp::kRelu: return x <= 0 ? T(0) : x;  // NaN passes
  }
  return x;
}

// ---- Elementwise functors (see launch.cuh for the kernels and dispatch.h for their use) ----

template <typename O, typename A>
struct CopyCastElem {  // dst, src
  O* dst;
  const A* src;
  CONCORD_HD void operator()(const int64_t* off) const { dst[off[0]] = CastValue<O>(src[off[1]]); }
};

template <typename T>
struct FillElem {  // dst
  T* dst;
  T value;
  CONCORD_HD void operator()(const int64_t* off) const { dst[off[0]] = value; }
};

// out = a (op) b, or a (op) scalar when kScalar (then there is no b and off has 2 entries).
template <typename T, bool kScalar>
struct BinaryElem {  // out, a[, b]
  ops::BinaryOp op;
  T* out;
  const T* a;
  const T* b;
  T scalar;
  T alpha;
  CONCORD_HD void operator()(const int64_t* off) const {
    if constexpr (kScalar) {
      out[off[0]] = ApplyBinary(op, a[off[1]], scalar, alpha);
    } else {
      out[off[0]] = ApplyBinary(op, a[off[1]], b[off[2]], alpha);
    }
  }
};

template <typename T, bool kScalar>
struct CompareElem {  // out (bool), a[, b]
  ops::BinaryOp op;
  bool* out;
  const T* a;
  const T* b;
  T scalar;
  CONCORD_HD void operator()(const int64_t* off) const {
    if constexpr (kScalar) {
      out[off[0]] = Compare(op, a[off[1]], scalar);
    } else {
      out[off[0]] = Compare(op, a[off[1]], b[off[2]]);
    }
  }
};

template <typename T>
struct UnaryElem {  // out, a
  ops::UnaryOp op;
  T* out;
  const T* a;
  CONCORD_HD void operator()(const int64_t* off) const { out[off[0]] = ApplyUnary(op, a[off[1]]); }
};

// A bound applies only when given (so -inf stays -inf without a lower bound); lo is checked
// first, as on the CPU; NaN passes.
template <typename T>
struct ClampElem {  // out, a
  T* out;
  const T* a;
  bool has_lo;
  T lo;
  bool has_hi;
  T hi;
  CONCORD_HD void operator()(const int64_t* off) const {
    const T x = a[off[1]];
    T y = x;
    if (!IsNan(x)) {
      if (has_lo && x < lo) {
        y = lo;
      } else if (has_hi && x > hi) {
        y = hi;
      }
    }
    out[off[0]] = y;
  }
};

template <typename T>
struct WhereElem {  // out, mask, a, b
  T* out;
  const bool* mask;
  const T* a;
  const T* b;
  CONCORD_HD void operator()(const int64_t* off) const { out[off[0]] = mask[off[1]] ? a[off[2]] : b[off[3]]; }
};

template <typename T>
struct ReluBackwardElem {  // out, grad, y
  T* out;
  const T* grad;
  const T* y;
  CONCORD_HD void operator()(const int64_t* off) const { out[off[0]] = y[off[2]] > 0 ? grad[off[1]] : T(0); }
};

}  // namespace concord::cuda

#endif  // CONCORD_TENSOR_CUDA_KERNELS_BODIES_H_
