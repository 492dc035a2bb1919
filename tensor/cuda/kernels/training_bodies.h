// File: tensor/cuda/kernels/training_bodies.h
//
// The bodies of the fused training kernels and the indexing/GEMM helpers, __host__ __device__
// like bodies.h: cross-entropy rows (forward) and elements (backward), one SGD element, one
// element of IndexSelect / OneHot, one output of the int64 GEMM.
//
// Legend: r = row, c = class, C = classes; i = linear index of the output element.
#ifndef CONCORD_TENSOR_CUDA_KERNELS_TRAINING_BODIES_H_
#define CONCORD_TENSOR_CUDA_KERNELS_TRAINING_BODIES_H_

#include <cstdint>

#include "tensor/cuda/kernels/bodies.h"

namespace concord::cuda {

// ---- Cross-entropy -------------------------------------------------------------------------

// log_softmax of rows of logits [rows, C] into logp, and loss[r] = -logp[r, labels[r]] (0 for
// a label outside [0, C)). Computed as the CPU's log_softmax: m = max (a NaN wins), z = x - m,
// lse = log(sum exp(z)) with the sum in double, logp = z - lse.
//
// The work of a row splits over `lanes` threads, lane taking c = lane, lane + lanes, ...:
// PartialMax and PartialSumExp per lane, combined across lanes (CombineMax, +), then Finish
// per lane with the combined values. One thread per row is lanes = 1.
template <typename T>
struct CrossEntropyForwardRows {
  using Acc = double;

  const T* logits;
  const int64_t* labels;
  T* logp;
  T* loss;
  int64_t classes;

  CONCORD_HD static T CombineMax(T a, T b) { return MaxValue(a, b); }

  // The max over the lane's classes; a lane without any returns x[0] (part of the row anyway,
  // so no infinity is needed).
  CONCORD_HD T PartialMax(int64_t r, int64_t lane, int64_t lanes) const {
    if (classes == 0) return T(0);
    const T* x = logits + r * classes;
    T m = x[0];
    for (int64_t c = lane; c < classes; c += lanes) m = MaxValue(m, x[c]);
    return m;
  }

  CONCORD_HD Acc PartialSumExp(int64_t r, T m, int64_t lane, int64_t lanes) const {
    const T* x = logits + r * classes;
    Acc s = 0;
    for (int64_t c = lane; c < classes; c += lanes) s += static_cast<Acc>(Exp(static_cast<T>(x[c] - m)));
    return s;
  }

  // Writes the lane's logp entries; lane 0 writes the row's loss.
  CONCORD_HD void Finish(int64_t r, T m, Acc sum_exp, int64_t lane, int64_t lanes) const {
    const T* x = logits + r * classes;
    T* y = logp + r * classes;
    const T lse = Log(static_cast<T>(sum_exp));
    for (int64_t c = lane; c < classes; c += lanes) y[c] = static_cast<T>(x[c] - m) - lse;
    if (lane == 0) {
      const int64_t label = labels[r];
      loss[r] = (label >= 0 && label < classes) ? -(static_cast<T>(x[label] - m) - lse) : T(0);
    }
  }

  // One thread per row: off[0] = r.
  CONCORD_HD void operator()(const int64_t* off) const {
    const int64_t r = off[0];
    const T m = PartialMax(r, 0, 1);
    Finish(r, m, PartialSumExp(r, m, 0, 1), 0, 1);
  }
};

// grad[r, c] = (exp(logp[r, c]) - (labels[r] == c)) * u, u = upstream[0] * scale rounded once
// from double (for float32 that is the CPU's upstream / divisor with scale = 1 / divisor).
template <typename T>
struct CrossEntropyBackwardElem {  // off[0] = r * C + c
  const T* logp;
  const int64_t* labels;
  const T* upstream;
  double scale;
  T* grad;
  int64_t classes;
  CONCORD_HD void operator()(const int64_t* off) const {
    const int64_t i = off[0];
    const T u = static_cast<T>(static_cast<double>(upstream[0]) * scale);
    const T hot = labels[i / classes] == i % classes ? T(1) : T(0);
    grad[i] = (Exp(logp[i]) - hot) * u;
  }
};

// ---- SGD -----------------------------------------------------------------------------------

// One element of torch.optim.SGD's step, with the scalars in T as the CPU's tensor ops use
// them (tensor/optim/sgd.cc): weight decay only when non-zero, momentum only with a buffer.
template <typename T>
struct SgdElem {  // off[0] = element
  T* param;
  const T* grad;
  T* buffer;  // null without momentum
  T lr;
  T momentum;
  T one_minus_dampening;
  T weight_decay;
  bool has_weight_decay;
  bool nesterov;
  bool first_step;
  CONCORD_HD void operator()(const int64_t* off) const {
    const int64_t i = off[0];
    const T p = param[i];
    T g = grad[i];
    if (has_weight_decay) g = g + p * weight_decay;
    if (buffer != nullptr) {
      const T b = first_step ? g : buffer[i] * momentum + one_minus_dampening * g;
      buffer[i] = b;
      g = nesterov ? g + b * momentum : b;
    }
    param[i] = p - lr * g;
  }
};

// ---- Indexing ------------------------------------------------------------------------------

// out[o, j, ii] = in[o, index[j], ii]; U is an unsigned type of the element's size (bits are
// copied, not converted).
template <typename U>
struct IndexSelectElem {  // off[0] = (o * k + j) * inner + ii
  const U* in;
  const int64_t* index;
  U* out;
  int64_t n;
  int64_t k;
  int64_t inner;
  CONCORD_HD void operator()(const int64_t* off) const {
    const int64_t i = off[0];
    const int64_t ii = i % inner;
    const int64_t t = i / inner;
    const int64_t j = t % k;
    const int64_t o = t / k;
    out[i] = in[(o * n + index[j]) * inner + ii];
  }
};

// out[r, c] = labels[r] == c (a label outside [0, C) matches no c: its row stays zero).
template <typename T>
struct OneHotElem {  // off[0] = r * C + c
  const int64_t* labels;
  T* out;
  int64_t classes;
  CONCORD_HD void operator()(const int64_t* off) const {
    const int64_t i = off[0];
    out[i] = labels[i / classes] == i % classes ? T(1) : T(0);
  }
};

// ---- int64 GEMM ----------------------------------------------------------------------------

// One output of row-major C[m, n] = A[m, k] @ B[k, n] (+ C), A stored [k, m] when trans_a and B
// [n, k] when trans_b; products and sums wrap (unsigned arithmetic, no UB).
struct GemmInt64Elem {  // off[0] = row * n + col
  bool trans_a;
  bool trans_b;
  int64_t n;
  int64_t k;
  const int64_t* a;
  int64_t lda;
  const int64_t* b;
  int64_t ldb;
  int64_t* c;
  int64_t ldc;
  bool accumulate;
  CONCORD_HD void operator()(const int64_t* off) const {
    const int64_t row = off[0] / n;
    const int64_t col = off[0] % n;
    int64_t* out = c + row * ldc + col;
    uint64_t acc = accumulate ? static_cast<uint64_t>(*out) : 0;
    for (int64_t p = 0; p < k; ++p) {
      const int64_t x = trans_a ? a[p * lda + row] : a[row * lda + p];
      const int64_t y = trans_b ? b[col * ldb + p] : b[p * ldb + col];
      acc += static_cast<uint64_t>(x) * static_cast<uint64_t>(y);
    }
    *out = static_cast<int64_t>(acc);
  }
};

}  // namespace concord::cuda

#endif  // CONCORD_TENSOR_CUDA_KERNELS_TRAINING_BODIES_H_
