// File: tensor/shape.h
//
// Shapes and strides (in elements) and the arithmetic on them: element counts, contiguous
// strides, dimension wrapping and NumPy broadcasting.
#ifndef CONCORD_TENSOR_SHAPE_H_
#define CONCORD_TENSOR_SHAPE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace concord {

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;

// "[4, 3]"; "[]" for a scalar.
std::string ShapeToString(const Shape& shape);
int64_t NumElements(const Shape& shape);
// Row-major strides: the last dimension has stride 1.
Strides ContiguousStrides(const Shape& shape);
// Maps dim in [-ndim, ndim) to [0, ndim); anything else throws TensorError naming op.
int64_t WrapDim(int64_t dim, int64_t ndim, std::string_view op);
// The broadcast shape of a and b (NumPy rules); throws TensorError naming op if incompatible.
Shape BroadcastShapes(const Shape& a, const Shape& b, std::string_view op);
// Strides that read a tensor of (shape, strides) as if it had shape `to` (which it must
// broadcast to): stride 0 along broadcast dimensions.
Strides BroadcastStrides(const Shape& shape, const Strides& strides, const Shape& to);

}  // namespace concord

#endif  // CONCORD_TENSOR_SHAPE_H_
