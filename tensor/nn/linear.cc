#include "tensor/nn/linear.h"

#include <cmath>

#include "absl/status/status.h"

namespace concord::nn {

absl::StatusOr<Init> ParseInit(std::string_view name) {
  if (name == "he") return Init::kHe;
  if (name == "xavier") return Init::kXavier;
  if (name == "std001" || name == "0.01") return Init::kStd001;
  return absl::InvalidArgumentError(StrCat("unknown weight init '", name, "': expected he, xavier or std001"));
}

std::string_view InitName(Init init) {
  switch (init) {
    case Init::kHe: return "he";
    case Init::kXavier: return "xavier";
    case Init::kStd001: return "std001";
  }
  return "unknown";
}

Linear::Linear(int64_t in_features, int64_t out_features, Init init, Generator& gen, DType dtype)
    : in_features_(in_features), out_features_(out_features) {
  TENSOR_CHECK(in_features > 0 && out_features > 0, "Linear: features must be positive, got in_features=",
               in_features, " out_features=", out_features);
  double std = 0.01;
  if (init == Init::kHe) std = std::sqrt(2.0 / static_cast<double>(in_features));
  if (init == Init::kXavier) std = std::sqrt(1.0 / static_cast<double>(in_features));
  weight_ = RegisterParameter("weight", randn({out_features, in_features}, gen, dtype) * std);
  bias_ = RegisterParameter("bias", zeros({out_features}, dtype));
}

Tensor Linear::Forward(const Tensor& x) {
  TENSOR_CHECK(x.dim() == 2 && x.shape()[1] == in_features_, "Linear: expected input [N, ", in_features_,
               "], got ", ShapeToString(x.shape()));
  return linear(x, weight_, bias_);
}

std::string Linear::ToString() const {
  return StrCat("Linear(in_features=", in_features_, ", out_features=", out_features_, ")");
}

}  // namespace concord::nn
