// Tensor's autograd methods (declared in tensor/tensor.h).
#include "tensor/autograd/graph.h"
#include "tensor/ops/kernels.h"

namespace concord {

Tensor& Tensor::requires_grad_(bool requires_grad) {
  const std::shared_ptr<AutogradMeta>& meta = autograd_meta();
  TENSOR_CHECK(!meta || !meta->grad_fn, "requires_grad_: you can only change requires_grad flags of leaf "
               "tensors; use detach() to get a leaf from a computed one");
  TENSOR_CHECK(!requires_grad || IsFloating(dtype()), "requires_grad_: only tensors of floating point dtype "
               "can require gradients, got ", DTypeName(dtype()));
  if (!meta) {
    if (!requires_grad) return *this;
    set_autograd_meta(std::make_shared<AutogradMeta>());
  }
  autograd_meta()->requires_grad = requires_grad;
  return *this;
}

bool Tensor::requires_grad() const {
  const std::shared_ptr<AutogradMeta>& meta = autograd_meta();
  return meta && meta->requires_grad;
}

bool Tensor::is_leaf() const {
  const std::shared_ptr<AutogradMeta>& meta = autograd_meta();
  return !meta || !meta->grad_fn;
}

Tensor Tensor::grad() const {
  const std::shared_ptr<AutogradMeta>& meta = autograd_meta();
  if (!meta) return Tensor();
  if (meta->grad_is_zero) {  // see autograd::ZeroGrad
    ops::Fill(meta->grad, 0);
    meta->grad_is_zero = false;
  }
  return meta->grad;
}

void Tensor::set_grad(const Tensor& grad) const {
  TENSOR_CHECK(!grad.defined() || grad.shape() == shape(), "set_grad: gradient of shape ",
               ShapeToString(grad.defined() ? grad.shape() : Shape{}), " for a tensor of shape ", ShapeToString(shape()));
  if (!autograd_meta()) set_autograd_meta(std::make_shared<AutogradMeta>());
  autograd_meta()->grad = grad;
  autograd_meta()->grad_is_zero = false;
}

std::shared_ptr<autograd::Node> Tensor::grad_fn() const {
  const std::shared_ptr<AutogradMeta>& meta = autograd_meta();
  return meta ? meta->grad_fn : nullptr;
}

Tensor Tensor::detach() const { return Tensor(storage(), shape(), strides(), storage_offset(), dtype()); }

void Tensor::backward(const Tensor& gradient) const { autograd::Backward(*this, gradient); }

void Tensor::register_grad_ready_hook(GradHook hook) const {
  TENSOR_CHECK(requires_grad() && is_leaf(), "register_grad_ready_hook: only leaf tensors that require grad "
               "have a final gradient to report");
  autograd_meta()->hooks.push_back(std::move(hook));
}

}  // namespace concord
