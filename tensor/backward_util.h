// File: tensor/backward_util.h (internal to //tensor:tensor)
//
// What backward formulas share: an input's shape and dtype, whether it needs a gradient, and
// the reduction of a broadcast gradient back to that input's shape.
#ifndef CONCORD_TENSOR_BACKWARD_UTIL_H_
#define CONCORD_TENSOR_BACKWARD_UTIL_H_

#include "tensor/autograd/graph.h"
#include "tensor/tensor.h"

namespace concord::internal {

// What a backward formula remembers of an input it needs no values of.
struct InputInfo {
  Shape shape;
  DType dtype;
  bool needs_grad;
};

inline InputInfo Info(const Tensor& t) { return {t.shape(), t.dtype(), t.requires_grad()}; }

// g summed over the dims that broadcasting added to reach g's shape from `shape`.
Tensor SumTo(const Tensor& g, const Shape& shape);

// The gradient for an input: g reduced to its shape and cast to its dtype, or undefined when
// the input needs none.
Tensor GradFor(const Tensor& g, const InputInfo& input);

}  // namespace concord::internal

#endif  // CONCORD_TENSOR_BACKWARD_UTIL_H_
