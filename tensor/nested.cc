#include "tensor/nested.h"

#include "tensor/error.h"

namespace concord {

NestedData::NestedData(std::initializer_list<NestedData> items)
    : dtype_(kBool), is_scalar_(false), items_(items) {
  if (items_.empty()) dtype_ = kFloat32;
  for (const NestedData& item : items_) dtype_ = PromoteTypes(dtype_, item.dtype_);
}

Shape NestedData::shape() const {
  if (is_scalar_) return {};
  Shape inner = items_.empty() ? Shape{} : items_[0].shape();
  for (size_t i = 1; i < items_.size(); ++i) {
    TENSOR_CHECK(items_[i].shape() == inner, "tensor: nested lists are ragged: element 0 has shape ",
                 ShapeToString(inner), " but element ", i, " has shape ",
                 ShapeToString(items_[i].shape()));
  }
  Shape out{static_cast<int64_t>(items_.size())};
  out.insert(out.end(), inner.begin(), inner.end());
  return out;
}

void NestedData::Flatten(std::vector<double>* doubles, std::vector<int64_t>* ints) const {
  if (is_scalar_) {
    doubles->push_back(scalar_);
    ints->push_back(dtype_ == kInt64 && int_ != 0 ? int_ : static_cast<int64_t>(scalar_));
    return;
  }
  for (const NestedData& item : items_) item.Flatten(doubles, ints);
}

}  // namespace concord
