// The view ops: each returns a tensor over the same Storage with new shape, strides and
// offset (no copy), and records itself for autograd when its input requires grad.
#include <algorithm>
#include <optional>

#include "tensor/backward_util.h"
#include "tensor/functions.h"

namespace concord {
namespace {

// Records a view op whose input gradient is backward(g).
template <typename Backward>
Tensor RecordView(Tensor out, std::string_view name, const Tensor& input, Backward backward) {
  if (autograd::NeedsGrad({&input})) {
    autograd::Record(out, name, {input}, [backward](const Tensor& g) { return std::vector<Tensor>{backward(g)}; });
  }
  return out;
}

// Records a view that is a part of its input: the gradient is zeros with g written into the
// same part (part(t) returns that part of t).
template <typename Part>
Tensor RecordPart(Tensor out, std::string_view name, const Tensor& input, Part part) {
  return RecordView(out, name, input, [part, shape = input.shape()](const Tensor& g) {
    Tensor grad = zeros(shape, TensorOptions(g.dtype()).device(g.device()));
    part(grad).copy_(g);
    return grad;
  });
}

// Records a view whose input gradient is g reshaped back (view, squeeze, unsqueeze).
Tensor RecordReshape(Tensor out, std::string_view name, const Tensor& input) {
  return RecordView(out, name, input, [shape = input.shape()](const Tensor& g) { return g.reshape(shape); });
}

}  // namespace

// ---- Views ----------------------------------------------------------------------------------
namespace {

// Infers a -1 size and checks the element count.
Shape InferShape(const Shape& requested, int64_t numel, std::string_view op, const Shape& from) {
  Shape shape = requested;
  int64_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      TENSOR_CHECK(infer < 0, op, ": only one dimension can be inferred (-1) in ", ShapeToString(requested));
      infer = static_cast<int>(i);
    } else {
      TENSOR_CHECK(shape[i] >= 0, op, ": invalid size ", shape[i], " in shape ", ShapeToString(requested));
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    TENSOR_CHECK(known != 0 && numel % known == 0, op, ": shape ", ShapeToString(requested),
                 " is invalid for input of size ", numel, " (shape ", ShapeToString(from), ")");
    shape[infer] = numel / known;
  }
  TENSOR_CHECK(NumElements(shape) == numel, op, ": shape ", ShapeToString(requested),
               " is invalid for input of size ", numel, " (shape ", ShapeToString(from), ")");
  return shape;
}

// Strides for viewing (shape, strides) as new_shape without a copy, or nullopt when the
// memory layout does not allow it. This is PyTorch's computeStride: runs of dims that are
// contiguous among themselves can be split and merged freely.
std::optional<Strides> ViewStrides(const Shape& shape, const Strides& strides, const Shape& new_shape) {
  Strides out(new_shape.size());
  if (NumElements(shape) == 0 || shape.empty()) {
    return ContiguousStrides(new_shape);
  }
  int64_t view_d = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_base_stride = strides.back();
  int64_t tensor_numel = 1;
  int64_t view_numel = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= shape[d];
    if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return out;
}

}  // namespace

Tensor Tensor::view(const Shape& requested) const {
  Shape new_shape = InferShape(requested, numel(), "view", shape());
  std::optional<Strides> new_strides = ViewStrides(shape(), strides(), new_shape);
  TENSOR_CHECK(new_strides.has_value(), "view: size ", ShapeToString(new_shape),
               " is not compatible with the input's size ", ShapeToString(shape()), " and strides ",
               ShapeToString(strides()),
               " (at least one dimension spans two contiguous subspaces); use reshape instead");
  return RecordReshape(Tensor(storage(), new_shape, *new_strides, storage_offset(), dtype()), "ViewBackward", *this);
}

Tensor Tensor::reshape(const Shape& requested) const {
  Shape new_shape = InferShape(requested, numel(), "reshape", shape());
  if (std::optional<Strides> s = ViewStrides(shape(), strides(), new_shape)) {
    return RecordReshape(Tensor(storage(), new_shape, *s, storage_offset(), dtype()), "ViewBackward", *this);
  }
  return clone().view(new_shape);
}

Tensor Tensor::squeeze() const {
  Shape s;
  Strides st;
  for (int64_t d = 0; d < dim(); ++d) {
    if (shape()[d] != 1) {
      s.push_back(shape()[d]);
      st.push_back(strides()[d]);
    }
  }
  return RecordReshape(Tensor(storage(), s, st, storage_offset(), dtype()), "SqueezeBackward", *this);
}

Tensor Tensor::squeeze(int64_t d) const {
  if (dim() == 0) {
    WrapDim(d, 0, "squeeze");
    return RecordReshape(Tensor(storage(), shape(), strides(), storage_offset(), dtype()), "SqueezeBackward", *this);
  }
  d = WrapDim(d, dim(), "squeeze");
  Shape s = shape();
  Strides st = strides();
  if (shape()[d] == 1) {
    s.erase(s.begin() + d);
    st.erase(st.begin() + d);
  }
  return RecordReshape(Tensor(storage(), s, st, storage_offset(), dtype()), "SqueezeBackward", *this);
}

Tensor Tensor::unsqueeze(int64_t d) const {
  d = WrapDim(d, dim() + 1, "unsqueeze");
  Shape s = shape();
  Strides st = strides();
  int64_t stride = d < dim() ? shape()[d] * strides()[d] : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, stride);
  return RecordReshape(Tensor(storage(), s, st, storage_offset(), dtype()), "UnsqueezeBackward", *this);
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  start_dim = WrapDim(start_dim, dim(), "flatten");
  end_dim = WrapDim(end_dim, dim(), "flatten");
  TENSOR_CHECK(start_dim <= end_dim, "flatten: start_dim (", start_dim, ") cannot come after end_dim (",
               end_dim, ")");
  Shape s(shape().begin(), shape().begin() + start_dim);
  int64_t merged = 1;
  for (int64_t d = start_dim; d <= end_dim; ++d) merged *= shape()[d];
  s.push_back(merged);
  s.insert(s.end(), shape().begin() + end_dim + 1, shape().end());
  return reshape(s);
}

Tensor Tensor::t() const {
  TENSOR_CHECK(dim() <= 2, "t: expects a tensor with <= 2 dimensions, but got a ", dim(),
               "-D tensor of shape ", ShapeToString(shape()), "; use transpose or permute");
  if (dim() < 2) return RecordReshape(Tensor(storage(), shape(), strides(), storage_offset(), dtype()), "TBackward", *this);
  return transpose(0, 1);
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  d0 = WrapDim(d0, dim(), "transpose");
  d1 = WrapDim(d1, dim(), "transpose");
  Shape s = shape();
  Strides st = strides();
  if (dim() > 0) {
    std::swap(s[d0], s[d1]);
    std::swap(st[d0], st[d1]);
  }
  return RecordView(Tensor(storage(), s, st, storage_offset(), dtype()), "TransposeBackward", *this,
                    [d0, d1](const Tensor& g) { return g.transpose(d0, d1); });
}

Tensor Tensor::permute(const std::vector<int64_t>& dims) const {
  TENSOR_CHECK(static_cast<int64_t>(dims.size()) == dim(), "permute: number of dims (", dims.size(),
               ") doesn't match the tensor's ", dim(), " dimensions (shape ", ShapeToString(shape()), ")");
  Shape s(dims.size());
  Strides st(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = WrapDim(dims[i], dim(), "permute");
    TENSOR_CHECK(!seen[d], "permute: dim ", d, " appears more than once in ", ShapeToString(dims));
    seen[d] = true;
    s[i] = shape()[d];
    st[i] = strides()[d];
  }
  std::vector<int64_t> inverse(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) inverse[WrapDim(dims[i], dim(), "permute")] = static_cast<int64_t>(i);
  return RecordView(Tensor(storage(), s, st, storage_offset(), dtype()), "PermuteBackward", *this,
                    [inverse](const Tensor& g) { return g.permute(inverse); });
}

Tensor Tensor::expand(const Shape& requested) const {
  TENSOR_CHECK(requested.size() >= shape().size(), "expand: the number of sizes provided (",
               requested.size(), ") must be greater or equal to the number of dimensions in the tensor (",
               dim(), ")");
  Shape s = requested;
  size_t lead = requested.size() - shape().size();
  for (size_t i = 0; i < s.size(); ++i) {
    if (i >= lead) {
      int64_t have = shape()[i - lead];
      if (s[i] == -1) s[i] = have;
      TENSOR_CHECK(have == s[i] || have == 1, "expand: the expanded size of the tensor (", s[i],
                   ") must match the existing size (", have, ") at non-singleton dimension ", i,
                   ". Target sizes: ", ShapeToString(requested), ". Tensor sizes: ", ShapeToString(shape()));
    } else {
      TENSOR_CHECK(s[i] >= 0, "expand: -1 is not allowed in a leading, non-existing dimension ", i,
                   " of ", ShapeToString(requested));
    }
  }
  return RecordView(Tensor(storage(), s, BroadcastStrides(shape(), strides(), s), storage_offset(), dtype()),
                    "ExpandBackward", *this, [shape = shape()](const Tensor& g) { return internal::SumTo(g, shape); });
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  TENSOR_CHECK(dim() > 0, "select: cannot be applied to a 0-dim tensor");
  d = WrapDim(d, dim(), "select");
  int64_t n = shape()[d];
  TENSOR_CHECK(index >= -n && index < n, "select: index ", index, " is out of range for dimension ", d,
               " of size ", n, " (shape ", ShapeToString(shape()), ")");
  if (index < 0) index += n;
  Shape s = shape();
  Strides st = strides();
  int64_t offset = storage_offset() + index * st[d];
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return RecordPart(Tensor(storage(), s, st, offset, dtype()), "SelectBackward", *this,
                    [d, index](const Tensor& t) { return t.select(d, index); });
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  TENSOR_CHECK(dim() > 0, "narrow: cannot be applied to a 0-dim tensor");
  d = WrapDim(d, dim(), "narrow");
  int64_t n = shape()[d];
  if (start < 0) start += n;
  TENSOR_CHECK(start >= 0 && length >= 0 && start + length <= n, "narrow: start (", start,
               ") + length (", length, ") exceeds dimension ", d, " of size ", n, " (shape ",
               ShapeToString(shape()), ")");
  Shape s = shape();
  s[d] = length;
  return RecordPart(Tensor(storage(), s, strides(), storage_offset() + start * strides()[d], dtype()), "NarrowBackward",
                    *this, [d, start, length](const Tensor& t) { return t.narrow(d, start, length); });
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
  TENSOR_CHECK(dim() > 0, "slice: cannot be applied to a 0-dim tensor");
  TENSOR_CHECK(step > 0, "slice: step must be positive, got ", step);
  d = WrapDim(d, dim(), "slice");
  int64_t n = shape()[d];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape s = shape();
  Strides st = strides();
  s[d] = (end - start + step - 1) / step;
  int64_t offset = storage_offset() + start * st[d];
  st[d] *= step;
  return RecordPart(Tensor(storage(), s, st, offset, dtype()), "SliceBackward", *this,
                    [d, start, end, step](const Tensor& t) { return t.slice(d, start, end, step); });
}

std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t d) const {
  TENSOR_CHECK(chunks > 0, "chunk: the number of chunks must be positive, got ", chunks);
  TENSOR_CHECK(dim() > 0, "chunk: cannot be applied to a 0-dim tensor");
  int64_t n = shape()[WrapDim(d, dim(), "chunk")];
  int64_t size = (n + chunks - 1) / chunks;
  return split(std::max<int64_t>(size, 1), d);
}

std::vector<Tensor> Tensor::split(int64_t split_size, int64_t d) const {
  TENSOR_CHECK(dim() > 0, "split: cannot be applied to a 0-dim tensor");
  d = WrapDim(d, dim(), "split");
  int64_t n = shape()[d];
  TENSOR_CHECK(split_size > 0 || (split_size == 0 && n == 0), "split: split_size must be positive, got ",
               split_size);
  std::vector<Tensor> parts;
  if (n == 0) {
    parts.push_back(narrow(d, 0, 0));
    return parts;
  }
  for (int64_t start = 0; start < n; start += split_size) {
    parts.push_back(narrow(d, start, std::min(split_size, n - start)));
  }
  return parts;
}

}  // namespace concord
