// File: tensor/nested.h
//
// NestedData: the argument of tensor({{1., 2.}, {3., 4.}}): a scalar or a list of NestedData,
// remembering whether its scalars were floating, integral or bool.
#ifndef CONCORD_TENSOR_NESTED_H_
#define CONCORD_TENSOR_NESTED_H_

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "tensor/dtype.h"
#include "tensor/shape.h"

namespace concord {

class NestedData {
 public:
  NestedData(double v) : scalar_(v), dtype_(kFloat32), is_scalar_(true) {}   // NOLINT
  NestedData(float v) : scalar_(v), dtype_(kFloat32), is_scalar_(true) {}    // NOLINT
  NestedData(int v) : scalar_(v), dtype_(kInt64), is_scalar_(true) {}        // NOLINT
  NestedData(int64_t v) : scalar_(static_cast<double>(v)), int_(v), dtype_(kInt64), is_scalar_(true) {}  // NOLINT
  NestedData(bool v) : scalar_(v), dtype_(kBool), is_scalar_(true) {}        // NOLINT
  NestedData(std::initializer_list<NestedData> items);                       // NOLINT

  // The shape; throws TensorError for ragged lists.
  Shape shape() const;
  // The inferred dtype: the promotion of every scalar's (float32 for an empty list).
  DType dtype() const { return dtype_; }
  // Appends the scalars in row-major order.
  void Flatten(std::vector<double>* doubles, std::vector<int64_t>* ints) const;

 private:
  double scalar_ = 0;
  int64_t int_ = 0;
  DType dtype_;
  bool is_scalar_;
  std::vector<NestedData> items_;
};

}  // namespace concord

#endif  // CONCORD_TENSOR_NESTED_H_
