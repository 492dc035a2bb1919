// cat, stack and index_select.
#include <cstring>

#include "tensor/autograd/graph.h"
#include "tensor/functions.h"
#include "tensor/ops/kernels.h"

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
  std::vector<Tensor> inputs;
  std::vector<int64_t> offsets;
  int64_t offset = 0;
  {
    autograd::NoGradGuard internal;
    for (const Tensor* t : parts) {
      out.narrow(dim, offset, t->shape()[dim]).copy_(*t);
      inputs.push_back(*t);
      offsets.push_back(offset);
      offset += t->shape()[dim];
    }
  }
  if (autograd::NeedsGrad(inputs)) {
    std::vector<int64_t> sizes;
    std::vector<DType> dtypes;
    for (const Tensor& t : inputs) {
      sizes.push_back(t.shape()[dim]);
      dtypes.push_back(t.dtype());
    }
    autograd::Record(out, "CatBackward", inputs, [dim, offsets, sizes, dtypes](const Tensor& g) {
      std::vector<Tensor> grads;
      for (size_t i = 0; i < sizes.size(); ++i) grads.push_back(g.narrow(dim, offsets[i], sizes[i]).to(dtypes[i]));
      return grads;
    });
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

namespace {

// The validated index as a contiguous 1-D int64 tensor on the host (a GPU index is copied
// to the host to be checked).
Tensor CheckedIndex(const Tensor& index, int64_t n, int64_t dim, const Shape& shape) {
  TENSOR_CHECK(index.dtype() == kInt64, "index_select: expected an int64 index tensor, got ",
               DTypeName(index.dtype()));
  TENSOR_CHECK(index.dim() <= 1, "index_select: the index must be 0-D or 1-D, got shape ",
               ShapeToString(index.shape()));
  Tensor idx = index.reshape({index.numel()}).contiguous().to(Device::Cpu());
  const int64_t* ids = idx.data<int64_t>();
  for (int64_t i = 0; i < idx.numel(); ++i) {
    TENSOR_CHECK(ids[i] >= 0 && ids[i] < n, "index_select: index ", ids[i], " is out of range for dimension ",
                 dim, " of size ", n, " (shape ", ShapeToString(shape), ")");
  }
  return idx;
}

// out[..., i, ...] = src[..., ids[i], ...] along dim, for a contiguous out; idx on the host.
void Gather(const Tensor& out, const Tensor& src, int64_t dim, const Tensor& idx) {
  Tensor c = src.contiguous();
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= c.shape()[d];
  for (int64_t d = dim + 1; d < c.dim(); ++d) inner *= c.shape()[d];
  ops::IndexSelect(out, c, idx.to(src.device()), outer, c.shape()[dim], inner);
}

// out[..., ids[i], ...] += src[..., i, ...] along dim (the gradient of Gather).
void ScatterAdd(const Tensor& out, const Tensor& src, int64_t dim, const Tensor& idx) {
  const int64_t* ids = idx.data<int64_t>();
  for (int64_t i = 0; i < idx.numel(); ++i) {
    Tensor dst = out.select(dim, ids[i]);
    dst.add_(src.select(dim, i));
  }
}

}  // namespace

Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index) {
  Tensor out;
  Tensor idx;
  {
    autograd::NoGradGuard internal;
    Tensor src = a.dim() == 0 ? a.unsqueeze(0) : a;
    dim = WrapDim(dim, src.dim(), "index_select");
    idx = CheckedIndex(index, src.shape()[dim], dim, a.shape());
    Shape shape = src.shape();
    shape[dim] = idx.numel();
    out = empty(shape, TensorOptions(a.dtype()).device(a.device()));
    Gather(out, src, dim, idx);
    if (a.dim() == 0) out = out.squeeze(0);
  }
  if (autograd::NeedsGrad({&a})) {
    autograd::Record(out, "IndexSelectBackward", {a}, [idx, dim, shape = a.shape()](const Tensor& g) {
      Tensor grad = zeros(shape.empty() ? Shape{1} : shape, TensorOptions(g.dtype()).device(g.device()));
      ScatterAdd(grad, g.dim() == 0 ? g.unsqueeze(0) : g, dim, idx);
      return std::vector<Tensor>{grad.reshape(shape)};
    });
  }
  return out;
}

Tensor Tensor::index_select(int64_t dim, const Tensor& index) const {
  return concord::index_select(*this, dim, index);
}

}  // namespace concord
