#include "tensor/nn/activation.h"

#include "absl/status/status.h"

namespace concord::nn {

// Selecting with x <= 0 (not x > 0) lets NaN pass, as PyTorch's activations do.
Tensor leaky_relu(const Tensor& x, double alpha) { return where(le(x, 0), x * alpha, x); }

Tensor elu(const Tensor& x, double alpha) {
  // exp of min(x, 0): the unused branch must not overflow, or 0 * inf poisons the gradient.
  return where(gt(x, 0), x, (exp(x.clamp(std::nullopt, 0.0)) - 1.0) * alpha);
}

Tensor softmax(const Tensor& x, int64_t dim) {
  // Shifting by the (detached) max changes nothing mathematically and keeps exp finite.
  Tensor e = exp(x - x.max(dim, true).detach());
  return e / e.sum(dim, true);
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  Tensor z = x - x.max(dim, true).detach();
  return z - log(exp(z).sum(dim, true));
}

absl::StatusOr<Activation> ParseActivation(std::string_view name) {
  if (name == "relu") return Activation::kRelu;
  if (name == "sigmoid") return Activation::kSigmoid;
  if (name == "tanh") return Activation::kTanh;
  if (name == "leaky_relu") return Activation::kLeakyRelu;
  if (name == "elu") return Activation::kElu;
  return absl::InvalidArgumentError(
      StrCat("unknown activation '", name, "': expected relu, sigmoid, tanh, leaky_relu or elu"));
}

std::string_view ActivationName(Activation a) {
  switch (a) {
    case Activation::kRelu: return "relu";
    case Activation::kSigmoid: return "sigmoid";
    case Activation::kTanh: return "tanh";
    case Activation::kLeakyRelu: return "leaky_relu";
    case Activation::kElu: return "elu";
  }
  return "unknown";
}

Tensor Apply(Activation a, const Tensor& x) {
  switch (a) {
    case Activation::kRelu: return relu(x);
    case Activation::kSigmoid: return sigmoid(x);
    case Activation::kTanh: return tanh(x);
    case Activation::kLeakyRelu: return leaky_relu(x);
    case Activation::kElu: return elu(x);
  }
  return x;
}

std::string ActivationModule::ToString() const {
  switch (activation_) {
    case Activation::kRelu: return "ReLU()";
    case Activation::kSigmoid: return "Sigmoid()";
    case Activation::kTanh: return "Tanh()";
    case Activation::kLeakyRelu: return "LeakyReLU(negative_slope=0.01)";
    case Activation::kElu: return "ELU(alpha=1.0)";
  }
  return "Activation()";
}

std::string Softmax::ToString() const { return StrCat("Softmax(dim=", dim_, ")"); }

}  // namespace concord::nn
