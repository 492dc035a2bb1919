// File: tensor/tensor.h
//
// Tensor: an n-dimensional array of one dtype on one device, in the manner of torch.Tensor.
//
// A Tensor is a handle: copying it copies the handle, not the data (`Tensor b = a;` aliases a),
// and clone() copies the data. A view (view, transpose, select, narrow, ...) is a new tensor over
// the same Storage with its own shape, strides and offset, so a write through a view is seen in
// its base. A default-constructed Tensor is undefined (defined() is false) and most calls on it
// throw TensorError.
//
//   Tensor x = tensor({{1., 2.}, {3., 4.}});      // float32 [2, 2]
//   Tensor y = (x + 1) * x.t();                    // broadcasting, views
//   y.add_(ones({2}));                             // in place
//   std::cout << y.sum(1, /*keepdim=*/true);       // tensor([[...], [...]])
//
// Shape errors and other caller mistakes throw TensorError (tensor/error.h) with a message that
// names the op and its arguments, as PyTorch does. Free functions for the same ops, creation
// functions and the linear algebra are in tensor/functions.h.
#ifndef CONCORD_TENSOR_TENSOR_H_
#define CONCORD_TENSOR_TENSOR_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tensor/device.h"
#include "tensor/dtype.h"
#include "tensor/error.h"
#include "tensor/shape.h"
#include "tensor/storage.h"

namespace concord {

// Autograd state of a tensor (requires_grad, grad, grad_fn, hooks); defined by tensor/autograd.
struct AutogradMeta;
namespace autograd {
class Node;
}  // namespace autograd

// How to create a tensor. Implicit from a DType or Device, so both zeros({2}, kFloat64) and
// zeros({2}, TensorOptions().dtype(kFloat64).device(Device::Cpu())) work.
struct TensorOptions {
  DType dtype_ = kFloat32;
  Device device_ = Device::Cpu();
  bool pinned_ = false;  // page-locked host memory (CPU tensors only), for fast GPU copies

  TensorOptions() = default;
  TensorOptions(DType d) : dtype_(d) {}    // NOLINT: implicit on purpose
  TensorOptions(Device d) : device_(d) {}  // NOLINT: implicit on purpose
  TensorOptions dtype(DType d) const { TensorOptions o = *this; o.dtype_ = d; return o; }
  TensorOptions device(Device d) const { TensorOptions o = *this; o.device_ = d; return o; }
  TensorOptions pinned_memory(bool p) const { TensorOptions o = *this; o.pinned_ = p; return o; }
};

// A scalar argument: a number kept as double or int64 so int64 tensors stay exact.
class Scalar {
 public:
  Scalar(double v) : d_(v), i_(static_cast<int64_t>(v)), is_int_(false) {}  // NOLINT
  Scalar(float v) : Scalar(static_cast<double>(v)) {}                        // NOLINT
  Scalar(int v) : d_(v), i_(v), is_int_(true) {}                             // NOLINT
  Scalar(int64_t v) : d_(static_cast<double>(v)), i_(v), is_int_(true) {}    // NOLINT
  Scalar(bool v) : d_(v), i_(v), is_int_(true) {}                            // NOLINT
  double to_double() const { return d_; }
  int64_t to_int() const { return i_; }
  bool is_integral() const { return is_int_; }
  // float32 for a floating scalar, int64 for an integral one (PyTorch's inference).
  DType dtype() const { return is_int_ ? kInt64 : kFloat32; }

 private:
  double d_;
  int64_t i_;
  bool is_int_;
};

class Tensor {
 public:
  Tensor() = default;
  // A tensor over storage (which must hold offset + the extent of shape/strides elements).
  Tensor(std::shared_ptr<Storage> storage, Shape shape, Strides strides, int64_t offset,
         DType dtype);

  // ---- Metadata -------------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  const Shape& sizes() const { return shape(); }
  int64_t size(int64_t dim) const;  // dim may be negative
  int64_t dim() const;
  int64_t numel() const;
  const Strides& strides() const;
  int64_t stride(int64_t dim) const;
  int64_t storage_offset() const;
  DType dtype() const;
  Device device() const;
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const;
  // True if both tensors are views of one storage.
  bool shares_storage(const Tensor& other) const;
  // Pointer to element 0 (at storage_offset). T must match dtype().
  // Host code only: throws TensorError for a tensor on a GPU (copy it with cpu() first).
  template <typename T> T* data() const;
  // Pointer to element 0 on the tensor's device (a device pointer for CUDA tensors).
  void* raw_data() const;

  // The one element, converted (item: error unless numel() == 1).
  template <typename T = double> T item() const;

  // ---- Views (share storage; no copy) ---------------------------------------------------
  // view: same elements in a new shape; one size may be -1 (inferred). Requires strides
  // compatible with the new shape (contiguous always is); otherwise throws, suggesting reshape.
  Tensor view(const Shape& shape) const;
  // reshape: a view when possible, else a contiguous copy.
  Tensor reshape(const Shape& shape) const;
  Tensor contiguous() const;  // this if already contiguous, else a copy
  Tensor squeeze() const;     // drops every size-1 dim
  Tensor squeeze(int64_t dim) const;  // drops dim if its size is 1, else returns a view as is
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor t() const;  // transpose of a tensor of at most 2 dims
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor expand(const Shape& shape) const;  // broadcast view (stride 0); -1 keeps a size
  Tensor select(int64_t dim, int64_t index) const;  // removes dim
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  // Python's t[start:end:step] along dim; start/end clamp to the size and may be negative.
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor operator[](int64_t index) const { return select(0, index); }
  std::vector<Tensor> chunk(int64_t chunks, int64_t dim = 0) const;
  std::vector<Tensor> split(int64_t split_size, int64_t dim = 0) const;

  // ---- Copies and conversions -----------------------------------------------------------
  Tensor index_select(int64_t dim, const Tensor& index) const;  // index: 1-D int64
  Tensor to(DType dtype) const;  // this if dtype already matches, else a converted copy
  // This if already on device, else a copy there (dtype kept). From pinned host memory the copy
  // to a GPU is asynchronous; to the CPU it waits for the GPU's pending work on this tensor.
  Tensor to(Device device) const;
  Tensor cpu() const { return to(Device::Cpu()); }
  // A copy in page-locked host memory (a CPU tensor; this if already pinned).
  Tensor pin_memory() const;
  bool is_pinned() const;
  Tensor clone() const;          // contiguous copy
  // Same shape and exactly the same values (dtypes may differ).
  bool equal(const Tensor& other) const;
  // |a - b| <= atol + rtol * |b| everywhere (shapes broadcast); NaNs are unequal.
  bool allclose(const Tensor& other, double rtol = 1e-5, double atol = 1e-8) const;
  Tensor new_zeros(const Shape& shape) const;  // same dtype and device
  Tensor new_ones(const Shape& shape) const;
  Tensor new_empty(const Shape& shape) const;

  // ---- Elementwise (see functions.h for the full list) ----------------------------------
  Tensor add(const Tensor& other, Scalar alpha = 1) const;  // this + alpha * other
  Tensor sub(const Tensor& other, Scalar alpha = 1) const;
  Tensor mul(const Tensor& other) const;
  Tensor div(const Tensor& other) const;
  Tensor neg() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor pow(Scalar exponent) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor clamp(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt) const;

  // In place; each returns *this. The result dtype must be this tensor's dtype (no promotion
  // of the destination), and other must broadcast to this tensor's shape.
  Tensor& add_(const Tensor& other, Scalar alpha = 1);
  Tensor& add_(Scalar other);
  Tensor& sub_(const Tensor& other, Scalar alpha = 1);
  Tensor& sub_(Scalar other);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(Scalar other);
  Tensor& div_(const Tensor& other);
  Tensor& div_(Scalar other);
  Tensor& copy_(const Tensor& src);  // src broadcasts to this shape; dtype converts
  Tensor& fill_(Scalar value);
  Tensor& zero_();

  // ---- Reductions -----------------------------------------------------------------------
  // Over all elements (a 0-dim result) or over one dim (kept as size 1 with keepdim).
  // sum of bool/int64 gives int64; mean needs a floating dtype.
  Tensor sum() const;
  Tensor sum(int64_t dim, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(int64_t dim, bool keepdim = false) const;
  Tensor max() const;
  Tensor max(int64_t dim, bool keepdim = false) const;  // values; argmax gives the indices
  Tensor min() const;
  Tensor min(int64_t dim, bool keepdim = false) const;
  Tensor argmax() const;  // index into the flattened tensor
  Tensor argmax(int64_t dim, bool keepdim = false) const;
  Tensor argmin() const;
  Tensor argmin(int64_t dim, bool keepdim = false) const;

  // ---- Linear algebra -------------------------------------------------------------------
  Tensor mm(const Tensor& other) const;
  Tensor matmul(const Tensor& other) const;
  Tensor dot(const Tensor& other) const;

  // PyTorch's repr: "tensor([[1., 2.],\n        [3., 4.]])", "tensor(3.5000)",
  // "tensor([1., 2.], dtype=torch.float64)".
  std::string ToString() const;

  // ---- Autograd (tensor/autograd/graph.h) ------------------------------------------------
  // A leaf that requires grad gets .grad filled by backward(). Ops on tensors that require
  // grad record a graph node (unless under NoGradGuard); their results are non-leaves.
  Tensor& requires_grad_(bool requires_grad = true);
  bool requires_grad() const;
  // True for tensors not produced by a recorded op (every tensor that doesn't require grad).
  bool is_leaf() const;
  // The accumulated gradient of a leaf; undefined until a backward reaches it.
  Tensor grad() const;
  void set_grad(const Tensor& grad) const;
  // The node that produced this tensor (nullptr for leaves).
  std::shared_ptr<autograd::Node> grad_fn() const;
  // The same data, cut from the graph (requires_grad false). Shares storage.
  Tensor detach() const;
  // Makes this tensor, through every handle to it, use data's storage, shape, strides and
  // dtype, keeping its autograd state (requires_grad, grad, hooks): torch's `t.data = data`.
  // How a module moves its parameters to another device.
  void set_data(const Tensor& data) const;
  // Backpropagates from this tensor: gradient defaults to 1 for a one-element tensor and
  // must have this tensor's shape otherwise. Gradients accumulate (+=) into leaves' .grad.
  void backward(const Tensor& gradient = Tensor()) const;
  // Called with a leaf's final .grad once per backward, as soon as it is final.
  using GradHook = std::function<void(const Tensor& grad)>;
  void register_grad_ready_hook(GradHook hook) const;

  const std::shared_ptr<AutogradMeta>& autograd_meta() const;
  void set_autograd_meta(std::shared_ptr<AutogradMeta> meta) const;

  // Identity of the underlying tensor object (not the storage): a view is another object.
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  // True when this handle is the only one to its tensor object and that object the only one
  // using its storage: no other tensor can see or change its data (so autograd may adopt it as
  // a leaf's .grad instead of copying it).
  bool sole_owner() const;

 private:
  struct Impl {
    std::shared_ptr<Storage> storage;
    Shape shape;      // sizes per dim
    Strides strides;  // in elements, per dim
    int64_t offset = 0;  // in elements, into storage
    int64_t numel = 0;
    DType dtype = kFloat32;
    std::shared_ptr<AutogradMeta> autograd;
  };
  const Impl& impl() const;
  std::shared_ptr<Impl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- Template definitions ---------------------------------------------------------------
namespace internal {
[[noreturn]] void ThrowDataTypeMismatch(DType requested, DType actual);
[[noreturn]] void ThrowNotOnCpu(Device device);
}  // namespace internal

template <typename T>
T* Tensor::data() const {
  if (DTypeOf<std::remove_const_t<T>>::value != dtype()) {
    internal::ThrowDataTypeMismatch(DTypeOf<std::remove_const_t<T>>::value, dtype());
  }
  if (!device().is_cpu()) internal::ThrowNotOnCpu(device());
  return static_cast<T*>(raw_data());
}

}  // namespace concord

#endif  // CONCORD_TENSOR_TENSOR_H_
