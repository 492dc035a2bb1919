// Reduction kernels: one output element per row of the input's last dim.
#include <cmath>
#include <limits>
#include <type_traits>

#include "tensor/ops/cuda_ops.h"
#include "tensor/ops/kernels.h"
#include "tensor/ops/strided_loop.h"

namespace concord::ops {
namespace {

// Sums in double for float32 (so a 60,000-element sum keeps float precision), else in T.
template <typename T>
using SumAcc = std::conditional_t<std::is_same_v<T, float>, double,
                                  std::conditional_t<std::is_same_v<T, bool>, int64_t, T>>;

template <typename T>
bool IsNan(T x) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(x);
  return false;
}

template <typename T, typename O>
void ReduceRows(ReduceOp op, const Tensor& out, const Tensor& in) {
  const int64_t n = in.shape().back();
  const int64_t stride = in.strides().back();
  Shape outer_shape(in.shape().begin(), in.shape().end() - 1);
  // The first element of each row: in without its last dim.
  Tensor rows(in.storage(), outer_shape, Strides(in.strides().begin(), in.strides().end() - 1),
              in.storage_offset(), in.dtype());
  StridedLoop<2>(outer_shape, MakeOperands<2>({&out, &rows}),
                 [&](std::array<char*, 2> p, std::array<int64_t, 2> s, int64_t count) {
                   for (int64_t r = 0; r < count; ++r) {
                     const T* x = reinterpret_cast<const T*>(p[1] + r * s[1]);
                     O* o = reinterpret_cast<O*>(p[0] + r * s[0]);
                     if (op == ReduceOp::kSum) {
                       SumAcc<T> acc = 0;
                       if (stride == 1) {
                         for (int64_t i = 0; i < n; ++i) acc += x[i];
                       } else {
                         for (int64_t i = 0; i < n; ++i) acc += x[i * stride];
                       }
                       *o = static_cast<O>(acc);
                       continue;
                     }
                     // max/min/argmax/argmin: the first extreme wins; a NaN wins over all.
                     const bool want_max = op == ReduceOp::kMax || op == ReduceOp::kArgMax;
                     int64_t best = 0;
                     for (int64_t i = 1; i < n && !IsNan(x[best * stride]); ++i) {
                       T v = x[i * stride];
                       T b = x[best * stride];
                       if (IsNan(v) || (want_max ? v > b : v < b)) best = i;
                     }
                     if (op == ReduceOp::kArgMax || op == ReduceOp::kArgMin) {
                       *o = static_cast<O>(best);
                     } else {
                       *o = static_cast<O>(x[best * stride]);
                     }
                   }
                 });
}

}  // namespace

void SumMiddleDim(const Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner) {
  if (cuda_ops::CommonDevice("sum", {&out, &in}).is_cuda()) return cuda_ops::SumMiddleDim(out, in, outer, n, inner);
  DispatchDType(in.dtype(), [&]<typename T>() {
    DispatchDType(out.dtype(), [&]<typename O>() {
      const T* x = reinterpret_cast<const T*>(in.raw_data());
      O* y = reinterpret_cast<O*>(out.raw_data());
      std::vector<SumAcc<T>> acc(inner);
      for (int64_t o = 0; o < outer; ++o) {
        std::fill(acc.begin(), acc.end(), SumAcc<T>(0));
        for (int64_t i = 0; i < n; ++i) {
          const T* row = x + (o * n + i) * inner;
          for (int64_t j = 0; j < inner; ++j) acc[j] += row[j];
        }
        for (int64_t j = 0; j < inner; ++j) y[o * inner + j] = static_cast<O>(acc[j]);
      }
    });
  });
}

void ReduceLastDim(ReduceOp op, const Tensor& out, const Tensor& in) {
  if (cuda_ops::CommonDevice("reduction", {&out, &in}).is_cuda()) return cuda_ops::ReduceLastDim(op, out, in);
  DispatchDType(in.dtype(), [&]<typename T>() {
    DispatchDType(out.dtype(), [&]<typename O>() { ReduceRows<T, O>(op, out, in); });
  });
}

}  // namespace concord::ops
