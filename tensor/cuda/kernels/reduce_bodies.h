// File: tensor/cuda/kernels/reduce_bodies.h
//
// The reduction bodies of the CUDA kernels, __host__ __device__ like bodies.h: a row reducer
// whose partial results over strided subsets of a row combine in any order to the CPU's
// result (so one thread per row and one block per row share it), and the column sum of
// SumMiddleDim.
//
// Legend: n = row length, k = position in a row, stride = step between a row's elements,
// row_off / out_off = element offsets of a row's first element and of its output.
#ifndef CONCORD_TENSOR_CUDA_KERNELS_REDUCE_BODIES_H_
#define CONCORD_TENSOR_CUDA_KERNELS_REDUCE_BODIES_H_

#include <cstdint>
#include <type_traits>

#include "tensor/cuda/kernels/bodies.h"

namespace concord::cuda {

// Sums accumulate float32 in double (as the CPU does) and bool in int64.
template <typename T>
using SumAcc = std::conditional_t<std::is_same_v<T, float>, double,
                                  std::conditional_t<std::is_same_v<T, bool>, int64_t, T>>;

// base[off] = v converted to dtype (to bool: v != 0), for kernels whose output dtype is chosen
// at run time.
template <typename V>
CONCORD_HD inline void StoreAs(void* base, DType dtype, int64_t off, V v) {
  switch (dtype) {
    case DType::kBool: static_cast<bool*>(base)[off] = v != V(0); break;
    case DType::kInt64: static_cast<int64_t*>(base)[off] = static_cast<int64_t>(v); break;
    case DType::kFloat32: static_cast<float*>(base)[off] = static_cast<float>(v); break;
    case DType::kFloat64: static_cast<double*>(base)[off] = static_cast<double>(v); break;
  }
}

// What part of a row reduces to. Sum: `sum`. Max/min/arg*: the extreme `val` at position `idx`
// (idx < 0: no element seen yet). A plain aggregate, so it can live in shared memory.
template <typename T>
struct ReducePartial {
  SumAcc<T> sum;
  T val;
  int64_t idx;
};

// Reduces rows of `in` into `out` (dtype out_dtype). For max/min/arg* the first extreme wins
// and a NaN wins over everything (the first NaN), whatever order partials are combined in.
template <typename T>
struct RowReducer {
  using Partial = ReducePartial<T>;

  ops::ReduceOp op;
  const T* in;
  int64_t n;
  int64_t stride;
  void* out;
  DType out_dtype;

  CONCORD_HD bool WantMax() const { return op == ops::ReduceOp::kMax || op == ops::ReduceOp::kArgMax; }

  // The partial over k = begin, begin + step, ... < n of the row starting at row_off.
  CONCORD_HD Partial Accumulate(int64_t row_off, int64_t begin, int64_t step) const {
    Partial p{SumAcc<T>(0), T(0), -1};
    const T* x = in + row_off;
    if (op == ops::ReduceOp::kSum) {
      for (int64_t k = begin; k < n; k += step) p.sum += x[k * stride];
      return p;
    }
    const bool want_max = WantMax();
    for (int64_t k = begin; k < n; k += step) {
      const T v = x[k * stride];
      if (p.idx < 0 || IsNan(v) || (want_max ? v > p.val : v < p.val)) {
        p.val = v;
        p.idx = k;
        if (IsNan(v)) break;  // nothing beats the first NaN
      }
    }
    return p;
  }

  // Associative and commutative: ties and NaNs go to the smaller position.
  CONCORD_HD Partial Combine(const Partial& a, const Partial& b) const {
    if (op == ops::ReduceOp::kSum) return Partial{a.sum + b.sum, T(0), -1};
    if (a.idx < 0) return b;
    if (b.idx < 0) return a;
    const bool a_nan = IsNan(a.val);
    const bool b_nan = IsNan(b.val);
    if (a_nan || b_nan) {
      if (a_nan && b_nan) return a.idx < b.idx ? a : b;
      return a_nan ? a : b;
    }
    const bool want_max = WantMax();
    if (want_max ? b.val > a.val : b.val < a.val) return b;
    if (want_max ? a.val > b.val : a.val < b.val) return a;
    return a.idx < b.idx ? a : b;
  }

  CONCORD_HD void Store(int64_t out_off, const Partial& p) const {
    switch (op) {
      case ops::ReduceOp::kSum: StoreAs(out, out_dtype, out_off, p.sum); break;
      case ops::ReduceOp::kMax:
      case ops::ReduceOp::kMin: StoreAs(out, out_dtype, out_off, p.val); break;
      case ops::ReduceOp::kArgMax:
      case ops::ReduceOp::kArgMin: StoreAs(out, out_dtype, out_off, p.idx < 0 ? int64_t{0} : p.idx); break;
    }
  }

  // One thread per row: off = {out_off, row_off}.
  CONCORD_HD void operator()(const int64_t* off) const { Store(off[0], Accumulate(off[1], 0, 1)); }
};

// out[o, j] = sum_i in[o, i, j] (in [outer, n, inner], out [outer, inner], both contiguous),
// by output column c = o * inner + j. `lanes` threads share a column: lane t sums rows t,
// t + lanes, ... (Partial) and the lanes' partials are added in lane order before Store, so the
// result does not depend on scheduling. With one lane per column it is an elementwise op.
template <typename T>
struct SumMiddleElem {
  const T* in;
  void* out;
  DType out_dtype;
  int64_t n;
  int64_t inner;

  CONCORD_HD SumAcc<T> Partial(int64_t c, int64_t lane, int64_t lanes) const {
    const T* x = in + (c / inner) * n * inner + c % inner;
    // Four running sums keep four independent loads in flight per thread.
    SumAcc<T> a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    int64_t p = lane;
    for (; p + 3 * lanes < n; p += 4 * lanes) {
      a0 += x[p * inner];
      a1 += x[(p + lanes) * inner];
      a2 += x[(p + 2 * lanes) * inner];
      a3 += x[(p + 3 * lanes) * inner];
    }
    for (; p < n; p += lanes) a0 += x[p * inner];
    return (a0 + a1) + (a2 + a3);
  }
  CONCORD_HD void Store(int64_t c, SumAcc<T> sum) const { StoreAs(out, out_dtype, c, sum); }
  // One thread per column: off[0] = c.
  CONCORD_HD void operator()(const int64_t* off) const { Store(off[0], Partial(off[0], 0, 1)); }
};

}  // namespace concord::cuda

#endif  // CONCORD_TENSOR_CUDA_KERNELS_REDUCE_BODIES_H_
