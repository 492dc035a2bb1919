#include "tensor/shape.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tensor/error.h"

namespace concord {

std::string ShapeToString(const Shape& shape) {
  return StrCat("[", absl::StrJoin(shape, ", "), "]");
}

int64_t NumElements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

Strides ContiguousStrides(const Shape& shape) {
  Strides strides(shape.size());
  int64_t stride = 1;
  for (int64_t i = static_cast<int64_t>(shape.size()) - 1; i >= 0; --i) {
    strides[i] = stride;
    stride *= std::max<int64_t>(shape[i], 1);
  }
  return strides;
}

int64_t WrapDim(int64_t dim, int64_t ndim, std::string_view op) {
  // A 0-dim tensor accepts dim 0 and -1, as in PyTorch.
  int64_t range = std::max<int64_t>(ndim, 1);
  TENSOR_CHECK(dim >= -range && dim < range, op, ": dimension out of range (expected to be in range of [",
               -range, ", ", range - 1, "], but got ", dim, ")");
  return dim < 0 ? dim + range : dim;
}

Shape BroadcastShapes(const Shape& a, const Shape& b, std::string_view op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    TENSOR_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", ShapeToString(a), " and ",
                 ShapeToString(b), " cannot be broadcast together (dimension ", i, ": ", da,
                 " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Strides BroadcastStrides(const Shape& shape, const Strides& strides, const Shape& to) {
  Strides out(to.size(), 0);
  size_t lead = to.size() - shape.size();
  for (size_t i = 0; i < shape.size(); ++i) {
    out[lead + i] = (shape[i] == 1 && to[lead + i] != 1) ? 0 : strides[i];
  }
  return out;
}

}  // namespace concord
