// File: tensor/nn/module.h
//
// Module: a layer or a model, in the manner of torch.nn.Module. It owns named parameters
// (leaf tensors that require grad) and child modules; parameters() lists them depth-first in
// registration order, which is the stable order optimizers, state dicts and gradient buckets
// rely on.
//
//   class TwoLayer : public Module {
//    public:
//     TwoLayer() { fc1_ = RegisterModule("fc1", std::make_shared<Linear>(784, 100, gen)); ... }
//     Tensor Forward(const Tensor& x) override { return fc2_->Forward(relu(fc1_->Forward(x))); }
//   };
#ifndef CONCORD_TENSOR_NN_MODULE_H_
#define CONCORD_TENSOR_NN_MODULE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tensor/functions.h"

namespace concord::nn {

class Module {
 public:
  virtual ~Module() = default;

  virtual Tensor Forward(const Tensor& input) = 0;
  Tensor operator()(const Tensor& input) { return Forward(input); }

  // Every parameter of this module and its children, depth-first in registration order.
  std::vector<Tensor> parameters() const;
  // The same with dotted names: "0.weight", "fc1.bias".
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  int64_t num_parameters() const;  // total element count

  // Training or evaluation mode (for layers that differ; none of ours do yet).
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Moves every parameter (and its .grad, if any) to device, in place: the parameter tensors
  // stay the same objects, so optimizers and hooks that hold them follow.
  void to(Device device);

  // Sets every parameter's .grad to zero (keeping its storage).
  void zero_grad();
  // Gives every parameter a zero .grad now, so training allocates no gradient memory later
  // (see autograd::AllocateGrads).
  void allocate_grads();

  // A one-line description, e.g. "Linear(in_features=784, out_features=100)".
  virtual std::string ToString() const = 0;

 protected:
  // Registers t (made a leaf that requires grad) under name; returns it.
  Tensor RegisterParameter(std::string name, Tensor t);
  template <typename M>
  std::shared_ptr<M> RegisterModule(std::string name, std::shared_ptr<M> module) {
    children_.emplace_back(std::move(name), module);
    return module;
  }
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }

 private:
  void CollectParameters(const std::string& prefix, std::vector<std::pair<std::string, Tensor>>* out) const;

  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace concord::nn

#endif  // CONCORD_TENSOR_NN_MODULE_H_
