#include "tensor/autograd/graph.h"

#include <atomic>

#include "tensor/ops/kernels.h"

namespace concord {
namespace autograd {
namespace {

std::atomic<uint64_t> next_sequence_nr{0};
thread_local bool grad_mode_enabled = true;

// The leaf's gradient sink: adds into .grad, then calls the leaf's grad-ready hooks.
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<AutogradMeta> meta, Shape shape, DType dtype, Device device)
      : Node("AccumulateGrad"), meta_(std::move(meta)), shape_(std::move(shape)), dtype_(dtype), device_(device) {}

  // Note [Adopting gradients]
  // A fresh gradient (a backward kernel's own output, contiguous, seen by nothing else) becomes
  // the leaf's .grad as it is when .grad holds nothing worth keeping: undefined, or stale
  // (lazily zeroed) with no other tensor sharing its storage. PyTorch steals the gradient the
  // same way. A .grad that is a view of a flat gradient bucket shares its storage, so it is
  // always written in place: the bucket keeps seeing it.
  bool CanAdopt(const Tensor& acc, const Tensor& grad) const {
    if (acc.defined() && !(meta_->grad_is_zero && acc.sole_owner())) return false;
    return grad.dtype() == dtype_ && grad.is_contiguous() && grad.storage_offset() == 0 && grad.sole_owner() &&
           (!acc.defined() || grad.device() == acc.device());
  }

  Tensor ClaimDestination() override {
    const Tensor& acc = meta_->grad;
    if (!acc.defined() || !meta_->grad_is_zero || !acc.is_contiguous() || acc.shape() != shape_ ||
        acc.dtype() != dtype_ || acc.device() != device_) {
      return Tensor();
    }
    // Claimed: it holds the new gradient from now on, so nothing may fill it with zeros (a
    // hook that reads this .grad before Apply runs sees the new gradient).
    meta_->grad_is_zero = false;
    return acc;
  }

  std::vector<Tensor> Apply(const Tensor& grad) override {
    TENSOR_CHECK(grad.shape() == shape_, "backward: internal error: gradient of shape ",
                 ShapeToString(grad.shape()), " for a leaf of shape ", ShapeToString(shape_));
    Tensor& acc = meta_->grad;
    if (grad.is_same(acc)) {
      // Written in place by its producer, which claimed the stale .grad (Note [Gradient
      // destinations]): it is the gradient already.
    } else if (CanAdopt(acc, grad)) {
      acc = grad;  // no copy (see Note [Adopting gradients])
      meta_->grad_is_zero = false;
    } else if (!acc.defined()) {
      // A fresh buffer: grad may be a view of something else (an expanded scalar, say).
      acc = ops::CastCopy(grad, dtype_);
    } else if (meta_->grad_is_zero) {
      ops::CopyCast(acc, grad);  // 0 + grad, in place: the storage stays (bucket views rely on it)
      meta_->grad_is_zero = false;
    } else {
      ops::Binary(ops::BinaryOp::kAdd, acc, acc, grad.dtype() == acc.dtype() ? grad : ops::CastCopy(grad, acc.dtype()));
    }
    for (const Tensor::GradHook& hook : meta_->hooks) hook(acc);
    return {};
  }

 private:
  std::shared_ptr<AutogradMeta> meta_;
  Shape shape_;
  DType dtype_;
  Device device_;
};

class FunctionNode final : public Node {
 public:
  FunctionNode(std::string_view name, BackwardFn fn) : Node(std::string(name)), fn_(std::move(fn)) {}
  std::vector<Tensor> Apply(const Tensor& grad) override { return fn_(grad); }

 private:
  BackwardFn fn_;
};

// The edge a gradient for t flows into: its producer, or its leaf accumulator.
Edge GradientEdge(const Tensor& t) {
  const std::shared_ptr<AutogradMeta>& meta = t.autograd_meta();
  if (!meta || !meta->requires_grad) return {};
  if (meta->grad_fn) return {meta->grad_fn, 0};
  std::shared_ptr<Node> acc = meta->grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(meta, t.shape(), t.dtype(), t.device());
    meta->grad_accumulator = acc;
  }
  return {acc, 0};
}

}  // namespace

Node::Node(std::string name) : name_(std::move(name)), sequence_nr_(next_sequence_nr++) {}

bool GradMode::is_enabled() { return grad_mode_enabled; }
void GradMode::set_enabled(bool enabled) { grad_mode_enabled = enabled; }

bool NeedsGrad(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : inputs) {
    if (t->defined() && t->requires_grad()) return true;
  }
  return false;
}

bool NeedsGrad(const std::vector<Tensor>& inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : inputs) {
    if (t.defined() && t.requires_grad()) return true;
  }
  return false;
}

void Record(const Tensor& out, std::string_view name, const std::vector<Tensor>& inputs, BackwardFn fn) {
  auto node = std::make_shared<FunctionNode>(name, std::move(fn));
  for (const Tensor& input : inputs) node->add_next_edge(input.defined() ? GradientEdge(input) : Edge{});
  auto meta = std::make_shared<AutogradMeta>();
  meta->requires_grad = true;
  meta->grad_fn = std::move(node);
  out.set_autograd_meta(std::move(meta));
}

void CheckInPlace(const Tensor& t, std::string_view op) {
  TENSOR_CHECK(!(GradMode::is_enabled() && t.requires_grad()), op,
               ": a tensor that requires grad cannot be modified in place while grad mode is on; "
               "update it under NoGradGuard (as optimizers do) or detach() it first");
}

void ZeroGrad(const std::vector<Tensor>& tensors) {
  for (const Tensor& t : tensors) {
    const std::shared_ptr<AutogradMeta>& meta = t.autograd_meta();
    if (meta && meta->grad.defined()) meta->grad_is_zero = true;
  }
}

void AllocateGrads(const std::vector<Tensor>& tensors) {
  for (const Tensor& t : tensors) {
    if (t.grad().defined()) continue;
    Tensor g = ops::NewTensor(t.shape(), t.dtype(), t.device());
    ops::Fill(g, 0);
    t.set_grad(g);
  }
}

Edge RootEdge(const Tensor& t) { return GradientEdge(t); }

}  // namespace autograd
}  // namespace concord
