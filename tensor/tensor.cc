// Tensor metadata. The ops, views included, are in //tensor:tensor (views.cc, elementwise.cc,
// ...), above autograd, so that each of them can record itself in the graph.
#include "tensor/tensor.h"

#include <cuda_runtime_api.h>

#include "tensor/cuda/context.h"

namespace concord {

namespace internal {
void ThrowDataTypeMismatch(DType requested, DType actual) {
  throw TensorError(StrCat("data: requested a pointer to ", DTypeName(requested),
                                 " elements but the tensor's dtype is ", DTypeName(actual)));
}
void ThrowNotOnCpu(Device device) {
  throw TensorError(StrCat("data: the tensor is on ", device.ToString(),
                           "; host code can only read CPU tensors (copy it with .cpu() first)"));
}
}  // namespace internal

Tensor::Tensor(std::shared_ptr<Storage> storage, Shape shape, Strides strides, int64_t offset,
               DType dtype)
    : impl_(std::make_shared<Impl>()) {
  TENSOR_CHECK(shape.size() == strides.size(), "Tensor: shape ", ShapeToString(shape), " and strides ",
               ShapeToString(strides), " differ in length");
  for (int64_t s : shape) TENSOR_CHECK(s >= 0, "Tensor: negative size in shape ", ShapeToString(shape));
  impl_->numel = NumElements(shape);
  if (impl_->numel > 0) {
    int64_t last = offset;  // the furthest element the view can reach
    for (size_t d = 0; d < shape.size(); ++d) {
      TENSOR_CHECK(strides[d] >= 0, "Tensor: negative stride ", strides[d], " in ", ShapeToString(strides));
      last += (shape[d] - 1) * strides[d];
    }
    const int64_t capacity = storage ? static_cast<int64_t>(storage->nbytes() / ElementSize(dtype)) : 0;
    TENSOR_CHECK(offset >= 0 && last < capacity, "Tensor: shape ", ShapeToString(shape), " with strides ",
                 ShapeToString(strides), " and offset ", offset, " needs ", last + 1, " elements but the storage holds ",
                 capacity);
  }
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
  if (device().is_cuda()) {
    // Wait for the kernels that produce the value, then read its bytes.
    alignas(8) unsigned char bytes[8];
    absl::StatusOr<cudaStream_t> stream = cuda::ComputeStream(device().index);
    cudaError_t error = stream.ok() ? cudaMemcpyAsync(bytes, raw_data(), ElementSize(dtype()),
                                                      cudaMemcpyDeviceToHost, *stream)
                                    : cudaErrorInvalidDevice;
    if (error == cudaSuccess) error = cudaStreamSynchronize(*stream);
    TENSOR_CHECK(stream.ok(), "item: ", stream.status().message());
    TENSOR_CHECK(error == cudaSuccess, "item: reading one element from ", device().ToString(),
                 " failed: ", cudaGetErrorString(error));
    return DispatchDType(dtype(), [&]<typename S>() { return static_cast<T>(*reinterpret_cast<S*>(bytes)); });
  }
  return DispatchDType(dtype(), [&]<typename S>() { return static_cast<T>(*static_cast<S*>(raw_data())); });
}
template double Tensor::item<double>() const;
template float Tensor::item<float>() const;
template int64_t Tensor::item<int64_t>() const;
template int Tensor::item<int>() const;
template bool Tensor::item<bool>() const;

void Tensor::set_data(const Tensor& data) const {
  TENSOR_CHECK(impl_ != nullptr && data.defined(), "set_data: both tensors must be defined");
  const Impl& from = data.impl();
  impl_->storage = from.storage;
  impl_->shape = from.shape;
  impl_->strides = from.strides;
  impl_->offset = from.offset;
  impl_->numel = from.numel;
  impl_->dtype = from.dtype;
}

bool Tensor::sole_owner() const { return impl_ && impl_.use_count() == 1 && impl_->storage.use_count() == 1; }

const std::shared_ptr<AutogradMeta>& Tensor::autograd_meta() const { return impl().autograd; }
void Tensor::set_autograd_meta(std::shared_ptr<AutogradMeta> meta) const {
  TENSOR_CHECK(impl_ != nullptr, "set_autograd_meta: the tensor is undefined");
  impl_->autograd = std::move(meta);
}

}  // namespace concord
