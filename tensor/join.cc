// cat, stack and index_select.
#include <cstring>

#include "tensor/functions.h"

namespace concord {

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  TENSOR_CHECK(!tensors.empty(), "cat: expected a non-empty list of tensors");
  // As in PyTorch, 1-D empty tensors are skipped whatever the others' shapes.
  std::vector<const Tensor*> parts;
  DType dtype = tensors[0].dtype();
  for (const Tensor& t : tensors) {
    TENSOR_CHECK(t.defined(), "cat: an undefined tensor in the list");
    dtype = PromoteTypes(dtype, t.dtype());
    if (!(t.dim() == 1 && t.numel() == 0)) parts.push_back(&t);
  }
  if (parts.empty()) return empty({0}, TensorOptions(dtype).device(tensors[0].device()));
  const Tensor& first = *parts[0];
  TENSOR_CHECK(first.dim() > 0, "cat: zero-dimensional tensor cannot be concatenated");
  dim = WrapDim(dim, first.dim(), "cat");
  Shape shape = first.shape();
  shape[dim] = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Tensor& t = *parts[i];
    TENSOR_CHECK(t.dim() == first.dim(), "cat: tensors must have the same number of dimensions: got ",
                 first.dim(), " and ", t.dim(), " (tensor ", i, ")");
    for (int64_t d = 0; d < t.dim(); ++d) {
      TENSOR_CHECK(d == dim || t.shape()[d] == first.shape()[d], "cat: sizes of tensors must match except in dimension ",
                   dim, ": expected size ", first.shape()[d], " but got size ", t.shape()[d],
                   " for tensor number ", i, " (shapes ", ShapeToString(first.shape()), " and ",
                   ShapeToString(t.shape()), ")");
    }
    shape[dim] += t.shape()[dim];
  }
  Tensor out = empty(shape, TensorOptions(dtype).device(first.device()));
  int64_t offset = 0;
  for (const Tensor* t : parts) {
    out.narrow(dim, offset, t->shape()[dim]).copy_(*t);
    offset += t->shape()[dim];
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  TENSOR_CHECK(!tensors.empty(), "stack: expected a non-empty list of tensors");
  dim = WrapDim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> lifted;
  for (size_t i = 0; i < tensors.size(); ++i) {
    TENSOR_CHECK(tensors[i].shape() == tensors[0].shape(), "stack: expects each tensor to be equal size, but got ",
                 ShapeToString(tensors[0].shape()), " at entry 0 and ", ShapeToString(tensors[i].shape()),
                 " at entry ", i);
    lifted.push_back(tensors[i].unsqueeze(dim));
  }
  return cat(lifted, dim);
}

Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index) {
  TENSOR_CHECK(index.dtype() == kInt64, "index_select: expected an int64 index tensor, got ",
               DTypeName(index.dtype()));
  TENSOR_CHECK(index.dim() <= 1, "index_select: the index must be 0-D or 1-D, got shape ",
               ShapeToString(index.shape()));
  Tensor src = a.dim() == 0 ? a.unsqueeze(0) : a;
  dim = WrapDim(dim, src.dim(), "index_select");
  const int64_t n = src.shape()[dim];
  Tensor idx = index.reshape({index.numel()}).contiguous();
  const int64_t* ids = idx.data<int64_t>();
  for (int64_t i = 0; i < idx.numel(); ++i) {
    TENSOR_CHECK(ids[i] >= 0 && ids[i] < n, "index_select: index ", ids[i], " is out of range for dimension ",
                 dim, " of size ", n, " (shape ", ShapeToString(a.shape()), ")");
  }
  Shape shape = src.shape();
  shape[dim] = idx.numel();
  Tensor out = empty(shape, TensorOptions(a.dtype()).device(a.device()));
  if (dim == 0 && src.is_contiguous()) {
    // Row gather (the batch path): one memcpy per row.
    const size_t row = static_cast<size_t>(src.numel() / std::max<int64_t>(n, 1)) * ElementSize(a.dtype());
    const char* base = static_cast<const char*>(src.raw_data());
    char* dst = static_cast<char*>(out.raw_data());
    for (int64_t i = 0; i < idx.numel(); ++i) std::memcpy(dst + i * row, base + ids[i] * row, row);
  } else {
    for (int64_t i = 0; i < idx.numel(); ++i) out.select(dim, i).copy_(src.select(dim, ids[i]));
  }
  return a.dim() == 0 ? out.squeeze(0) : out;
}

Tensor Tensor::index_select(int64_t dim, const Tensor& index) const {
  return concord::index_select(*this, dim, index);
}

}  // namespace concord
