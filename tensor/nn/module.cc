#include "tensor/nn/module.h"

#include "tensor/autograd/graph.h"

namespace concord::nn {

Tensor Module::RegisterParameter(std::string name, Tensor t) {
  t.requires_grad_();
  parameters_.emplace_back(std::move(name), t);
  return t;
}

void Module::CollectParameters(const std::string& prefix, std::vector<std::pair<std::string, Tensor>>* out) const {
  for (const auto& [name, t] : parameters_) out->emplace_back(prefix + name, t);
  for (const auto& [name, child] : children_) child->CollectParameters(prefix + name + ".", out);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  CollectParameters("", &out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters()) out.push_back(t);
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const Tensor& t : parameters()) n += t.numel();
  return n;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::to(Device device) {
  autograd::NoGradGuard no_grad;
  for (const Tensor& p : parameters()) {
    if (p.device() == device) continue;
    p.set_data(p.detach().to(device));
    if (p.grad().defined()) p.set_grad(p.grad().to(device));
  }
}

void Module::zero_grad() { autograd::ZeroGrad(parameters()); }

void Module::allocate_grads() { autograd::AllocateGrads(parameters()); }

}  // namespace concord::nn
