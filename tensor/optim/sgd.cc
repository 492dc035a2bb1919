#include "tensor/optim/sgd.h"

#include "absl/status/status.h"
#include "tensor/autograd/graph.h"
#include "tensor/ops/kernels.h"

namespace concord::optim {

absl::Status ValidateSgdOptions(const SgdOptions& o) {
  if (!(o.lr > 0)) return absl::InvalidArgumentError(StrCat("SGD: lr must be > 0, got ", o.lr));
  if (!(o.momentum >= 0 && o.momentum < 1)) {
    return absl::InvalidArgumentError(StrCat("SGD: momentum must be in [0, 1), got ", o.momentum));
  }
  if (!(o.dampening >= 0 && o.dampening <= 1)) {
    return absl::InvalidArgumentError(StrCat("SGD: dampening must be in [0, 1], got ", o.dampening));
  }
  if (!(o.weight_decay >= 0)) {
    return absl::InvalidArgumentError(StrCat("SGD: weight_decay must be >= 0, got ", o.weight_decay));
  }
  if (o.nesterov && (o.momentum <= 0 || o.dampening != 0)) {
    return absl::InvalidArgumentError(StrCat("SGD: nesterov momentum requires momentum > 0 and dampening = 0, got "
                                             "momentum ", o.momentum, " and dampening ", o.dampening));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Sgd>> Sgd::Create(std::vector<Tensor> params, SgdOptions options) {
  absl::Status status = ValidateSgdOptions(options);
  if (!status.ok()) return status;
  for (size_t i = 0; i < params.size(); ++i) {
    if (!params[i].defined() || !params[i].requires_grad() || !params[i].is_leaf()) {
      return absl::InvalidArgumentError(StrCat("SGD: parameter ", i, " is not a leaf tensor that requires grad"));
    }
  }
  return std::unique_ptr<Sgd>(new Sgd(std::move(params), options));
}

Sgd::Sgd(std::vector<Tensor> params, SgdOptions options)
    : params_(std::move(params)), options_(options), buffers_(params_.size()) {}

void Sgd::set_lr(double lr) {
  TENSOR_CHECK(lr > 0, "SGD: lr must be > 0, got ", lr);
  options_.lr = lr;
}

void Sgd::Step() {
  autograd::NoGradGuard no_grad;
  const SgdOptions& o = options_;
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (p.is_contiguous() && g.is_contiguous() && g.dtype() == p.dtype() && g.device() == p.device()) {
      // The fused kernel: one pass over p, g (and the buffer) instead of up to five ops.
      Tensor& b = buffers_[i];
      const bool first = o.momentum != 0 && !b.defined();
      if (first) b = empty_like(p);
      ops::SgdStep(p, g, b, o.lr, o.momentum, o.dampening, o.weight_decay, o.nesterov, first);
      continue;
    }
    if (o.weight_decay != 0) g = g + p * o.weight_decay;
    if (o.momentum != 0) {
      Tensor& b = buffers_[i];
      if (!b.defined()) {
        b = g.clone();
      } else {
        b.mul_(o.momentum).add_(g, 1 - o.dampening);
      }
      g = o.nesterov ? g + b * o.momentum : b;
    }
    p.sub_(g, o.lr);
  }
  ++steps_;
}

void Sgd::ZeroGrad() { autograd::ZeroGrad(params_); }

absl::Status Sgd::LoadState(const std::vector<Tensor>& buffers, int64_t steps) {
  if (buffers.size() != params_.size()) {
    return absl::InvalidArgumentError(StrCat("SGD state has ", buffers.size(), " momentum buffers but the optimizer has ",
                                             params_.size(), " parameters"));
  }
  for (size_t i = 0; i < buffers.size(); ++i) {
    if (buffers[i].defined() && buffers[i].shape() != params_[i].shape()) {
      return absl::InvalidArgumentError(StrCat("SGD state: momentum buffer ", i, " has shape ",
                                               ShapeToString(buffers[i].shape()), " but parameter ", i, " has shape ",
                                               ShapeToString(params_[i].shape())));
    }
  }
  buffers_.clear();
  for (size_t i = 0; i < buffers.size(); ++i) {
    const Tensor& p = params_[i];
    buffers_.push_back(buffers[i].defined() ? buffers[i].to(p.dtype()).to(p.device()).clone() : Tensor());
  }
  steps_ = steps;
  return absl::OkStatus();
}

}  // namespace concord::optim
