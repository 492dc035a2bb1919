// Tensor metadata and the view ops: everything here only rearranges shape, strides and
// offset over the same Storage. Ops that compute or copy are in the ops/ kernels and the
// files beside this one (elementwise.cc, reduction.cc, ...).
#include "tensor/tensor.h"

#include <algorithm>
#include <numeric>

namespace concord {

namespace internal {
void ThrowDataTypeMismatch(DType requested, DType actual) {
  throw TensorError(StrCat("data: requested a pointer to ", DTypeName(requested),
                                 " elements but the tensor's dtype is ", DTypeName(actual)));
}
}  // namespace internal

Tensor::Tensor(std::shared_ptr<Storage> storage, Shape shape, Strides strides, int64_t offset,
               DType dtype)
    : impl_(std::make_shared<Impl>()) {
  TENSOR_CHECK(shape.size() == strides.size(), "Tensor: shape ", ShapeToString(shape), " and strides ",
               ShapeToString(strides), " differ in length");
  for (int64_t s : shape) TENSOR_CHECK(s >= 0, "Tensor: negative size in shape ", ShapeToString(shape));
  impl_->numel = NumElements(shape);
  impl_->storage = std::move(storage);
  impl_->shape = std::move(shape);
  impl_->strides = std::move(strides);
  impl_->offset = offset;
  impl_->dtype = dtype;
}

const Tensor::Impl& Tensor::impl() const {
  TENSOR_CHECK(impl_ != nullptr, "Tensor: the tensor is undefined (default-constructed)");
  return *impl_;
}

const Shape& Tensor::shape() const { return impl().shape; }
int64_t Tensor::dim() const { return static_cast<int64_t>(impl().shape.size()); }
int64_t Tensor::numel() const { return impl().numel; }
const Strides& Tensor::strides() const { return impl().strides; }
int64_t Tensor::storage_offset() const { return impl().offset; }
DType Tensor::dtype() const { return impl().dtype; }
Device Tensor::device() const { return impl().storage->device(); }
const std::shared_ptr<Storage>& Tensor::storage() const { return impl().storage; }

int64_t Tensor::size(int64_t d) const {
  TENSOR_CHECK(dim() > 0, "size: a 0-dim tensor has no dimension ", d);
  return shape()[WrapDim(d, dim(), "size")];
}

int64_t Tensor::stride(int64_t d) const {
  TENSOR_CHECK(dim() > 0, "stride: a 0-dim tensor has no dimension ", d);
  return strides()[WrapDim(d, dim(), "stride")];
}

bool Tensor::shares_storage(const Tensor& other) const {
  return defined() && other.defined() && storage() == other.storage();
}

void* Tensor::raw_data() const {
  const Impl& i = impl();
  return static_cast<char*>(i.storage->data()) + i.offset * static_cast<int64_t>(ElementSize(i.dtype));
}

bool Tensor::is_contiguous() const {
  const Impl& i = impl();
  int64_t expected = 1;
  for (int64_t d = static_cast<int64_t>(i.shape.size()) - 1; d >= 0; --d) {
    if (i.shape[d] == 1) continue;
    if (i.strides[d] != expected) return false;
    expected *= i.shape[d];
  }
  return true;
}

template <typename T>
T Tensor::item() const {
  TENSOR_CHECK(numel() == 1, "item: a Tensor with ", numel(), " elements (shape ", ShapeToString(shape()),
               ") cannot be converted to a scalar; exactly one element is required");
  return DispatchDType(dtype(), [&]<typename S>() { return static_cast<T>(*static_cast<S*>(raw_data())); });
}
template double Tensor::item<double>() const;
template float Tensor::item<float>() const;
template int64_t Tensor::item<int64_t>() const;
template int Tensor::item<int>() const;
template bool Tensor::item<bool>() const;

const std::shared_ptr<AutogradMeta>& Tensor::autograd_meta() const { return impl().autograd; }
void Tensor::set_autograd_meta(std::shared_ptr<AutogradMeta> meta) const {
  TENSOR_CHECK(impl_ != nullptr, "set_autograd_meta: the tensor is undefined");
  impl_->autograd = std::move(meta);
}

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
  return Tensor(storage(), new_shape, *new_strides, storage_offset(), dtype());
}

Tensor Tensor::reshape(const Shape& requested) const {
  Shape new_shape = InferShape(requested, numel(), "reshape", shape());
  if (std::optional<Strides> s = ViewStrides(shape(), strides(), new_shape)) {
    return Tensor(storage(), new_shape, *s, storage_offset(), dtype());
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
  return Tensor(storage(), s, st, storage_offset(), dtype());
}

Tensor Tensor::squeeze(int64_t d) const {
  if (dim() == 0) {
    WrapDim(d, 0, "squeeze");
    return *this;
  }
  d = WrapDim(d, dim(), "squeeze");
  if (shape()[d] != 1) return Tensor(storage(), shape(), strides(), storage_offset(), dtype());
  Shape s = shape();
  Strides st = strides();
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return Tensor(storage(), s, st, storage_offset(), dtype());
}

Tensor Tensor::unsqueeze(int64_t d) const {
  d = WrapDim(d, dim() + 1, "unsqueeze");
  Shape s = shape();
  Strides st = strides();
  int64_t stride = d < dim() ? shape()[d] * strides()[d] : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, stride);
  return Tensor(storage(), s, st, storage_offset(), dtype());
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
  if (dim() < 2) return Tensor(storage(), shape(), strides(), storage_offset(), dtype());
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
  return Tensor(storage(), s, st, storage_offset(), dtype());
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
  return Tensor(storage(), s, st, storage_offset(), dtype());
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
  return Tensor(storage(), s, BroadcastStrides(shape(), strides(), s), storage_offset(), dtype());
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
  return Tensor(storage(), s, st, offset, dtype());
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
  return Tensor(storage(), s, strides(), storage_offset() + start * strides()[d], dtype());
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
  return Tensor(storage(), s, st, offset, dtype());
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
