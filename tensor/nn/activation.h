// File: tensor/nn/activation.h
//
// Activation functions, as functions and as modules (for Sequential). All are differentiable;
// softmax and log_softmax subtract the max along dim first, so large logits don't overflow.
#ifndef CONCORD_TENSOR_NN_ACTIVATION_H_
#define CONCORD_TENSOR_NN_ACTIVATION_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tensor/nn/module.h"

namespace concord::nn {

using concord::relu;     // max(x, 0), NaN passing; gradient 0 at 0
using concord::sigmoid;  // 1 / (1 + exp(-x)): primitives of the tensor library,
using concord::tanh;     // with stable kernels and closed-form gradients
Tensor leaky_relu(const Tensor& x, double alpha = 0.01);  // x > 0 ? x : alpha x
Tensor elu(const Tensor& x, double alpha = 1.0);          // x > 0 ? x : alpha (exp(x) - 1)
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

enum class Activation { kRelu, kSigmoid, kTanh, kLeakyRelu, kElu };

// "relu", "sigmoid", "tanh", "leaky_relu", "elu".
absl::StatusOr<Activation> ParseActivation(std::string_view name);
std::string_view ActivationName(Activation a);
Tensor Apply(Activation a, const Tensor& x);

// A parameterless module applying one activation (ReLU(), Sigmoid(), ... in PyTorch).
class ActivationModule : public Module {
 public:
  explicit ActivationModule(Activation a) : activation_(a) {}
  Tensor Forward(const Tensor& x) override { return Apply(activation_, x); }
  std::string ToString() const override;

 private:
  Activation activation_;
};

// Softmax over dim, as a module (Softmax(dim=1)).
class Softmax : public Module {
 public:
  explicit Softmax(int64_t dim) : dim_(dim) {}
  Tensor Forward(const Tensor& x) override { return softmax(x, dim_); }
  std::string ToString() const override;

 private:
  int64_t dim_;
};

}  // namespace concord::nn

#endif  // CONCORD_TENSOR_NN_ACTIVATION_H_
