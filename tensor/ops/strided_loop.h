// File: tensor/ops/strided_loop.h
//
// StridedLoop walks K operands of one shape, each with its own strides (stride 0 reads a
// broadcast operand), and hands the innermost runs to a kernel:
//
//   inner(std::array<char*, K> ptrs, std::array<int64_t, K> byte_strides, int64_t n)
//
// Dimensions that are contiguous in every operand are merged first, so a contiguous
// elementwise op becomes one run of numel() elements that the compiler vectorises.
#ifndef CONCORD_TENSOR_OPS_STRIDED_LOOP_H_
#define CONCORD_TENSOR_OPS_STRIDED_LOOP_H_

#include <array>
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace concord::ops {

template <size_t K>
struct LoopOperands {
  std::array<char*, K> data;
  std::array<Strides, K> byte_strides;  // per operand, per dim
};

// Operand pointers and byte strides of tensors that already have the loop's shape (expand
// broadcast inputs first).
template <size_t K>
LoopOperands<K> MakeOperands(const std::array<const Tensor*, K>& tensors) {
  LoopOperands<K> ops;
  for (size_t k = 0; k < K; ++k) {
    const Tensor& t = *tensors[k];
    ops.data[k] = static_cast<char*>(t.raw_data());
    int64_t size = static_cast<int64_t>(ElementSize(t.dtype()));
    ops.byte_strides[k].resize(t.dim());
    for (int64_t d = 0; d < t.dim(); ++d) ops.byte_strides[k][d] = t.strides()[d] * size;
  }
  return ops;
}

// The same iteration over fewer dims: size-1 dims dropped, and dim d merged into d+1 where
// every operand is contiguous across them. Strides in any unit (bytes or elements), per operand;
// `in` points at each operand's (read only here, so callers need not copy them).
// The CPU loop below and the CUDA launches (tensor/ops/cuda_ops.cc) both start here.
template <size_t K>
void CoalesceDims(const Shape& shape, const std::array<const Strides*, K>& in, Shape* sizes,
                  std::array<Strides, K>* strides) {
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = !sizes->empty();
    for (size_t k = 0; k < K && merge; ++k) merge = (*strides)[k].back() == (*in[k])[d] * shape[d];
    if (merge) {
      sizes->back() *= shape[d];
      for (size_t k = 0; k < K; ++k) (*strides)[k].back() = (*in[k])[d];
    } else {
      sizes->push_back(shape[d]);
      for (size_t k = 0; k < K; ++k) (*strides)[k].push_back((*in[k])[d]);
    }
  }
}

template <size_t K, typename Inner>
void StridedLoop(const Shape& shape, LoopOperands<K> ops, Inner&& inner) {
  if (NumElements(shape) == 0) return;
  std::array<const Strides*, K> in;
  for (size_t k = 0; k < K; ++k) in[k] = &ops.byte_strides[k];
  Shape sizes;
  std::array<Strides, K> strides;
  CoalesceDims<K>(shape, in, &sizes, &strides);
  if (sizes.empty()) {  // a single element
    std::array<int64_t, K> zero{};
    inner(ops.data, zero, 1);
    return;
  }
  const int64_t ndim = static_cast<int64_t>(sizes.size());
  const int64_t n_inner = sizes[ndim - 1];
  std::array<int64_t, K> inner_strides;
  for (size_t k = 0; k < K; ++k) inner_strides[k] = strides[k][ndim - 1];
  std::vector<int64_t> counter(ndim, 0);
  std::array<char*, K> ptrs = ops.data;
  while (true) {
    inner(ptrs, inner_strides, n_inner);
    // Advance the outer dims like an odometer.
    int64_t d = ndim - 2;
    for (; d >= 0; --d) {
      for (size_t k = 0; k < K; ++k) ptrs[k] += strides[k][d];
      if (++counter[d] < sizes[d]) break;
      for (size_t k = 0; k < K; ++k) ptrs[k] -= strides[k][d] * sizes[d];
      counter[d] = 0;
    }
    if (d < 0) return;
  }
}

}  // namespace concord::ops

#endif  // CONCORD_TENSOR_OPS_STRIDED_LOOP_H_
