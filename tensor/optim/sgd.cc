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
  Step(1, [](absl::FunctionRef<void(int)> part) { part(0); });
}

void Sgd::Step(int parts, absl::FunctionRef<void(absl::FunctionRef<void(int)>)> run_parts) {
  TENSOR_CHECK(parts >= 1, "SGD: expected parts >= 1, got ", parts);
  // Grad mode stays as it is around run_parts, which may run a backward first (sgd.h); the
  // parts and this setup make no graph.
  const SgdOptions& o = options_;
  // Serially: which parameters take the fused kernel, and their momentum buffers. (Members,
  // so a step allocates nothing.)
  std::vector<Tensor>& grads = step_grads_;
  std::vector<char>& fused = step_fused_;
  std::vector<char>& first = step_first_;
  grads.resize(params_.size());
  fused.assign(params_.size(), 0);
  first.assign(params_.size(), 0);
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i];
    grads[i] = p.grad();
    const Tensor& g = grads[i];
    if (!g.defined()) continue;
    fused[i] = p.is_contiguous() && g.is_contiguous() && g.dtype() == p.dtype() && g.device() == p.device();
    if (fused[i] && o.momentum != 0 && !buffers_[i].defined()) {
      buffers_[i] = empty_like(p);
      first[i] = 1;
    }
  }
  run_parts([&](int part) {
    autograd::NoGradGuard no_grad_here;  // per thread
    for (size_t i = 0; i < params_.size(); ++i) {
      if (!grads[i].defined()) continue;
      if (!fused[i]) {
        if (part == 0) StepUnfused(i, grads[i]);
        continue;
      }
      // The fused kernel: one pass over p, g (and the buffer) instead of up to five ops.
      const int64_t n = params_[i].numel(), begin = n * part / parts, end = n * (part + 1) / parts;
      if (begin == end) continue;
      auto slice = [&](const Tensor& t) { return parts == 1 ? t : t.view({n}).narrow(0, begin, end - begin); };
      Tensor b = buffers_[i].defined() ? slice(buffers_[i]) : buffers_[i];
      ops::SgdStep(slice(params_[i]), slice(grads[i]), b, o.lr, o.momentum, o.dampening, o.weight_decay, o.nesterov,
                   first[i] != 0);
    }
  });
  for (Tensor& g : grads) g = Tensor();  // hold no gradient between steps
  ++steps_;
}

void Sgd::StepUnfused(size_t i, Tensor g) {
  const SgdOptions& o = options_;
  Tensor& p = params_[i];
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
