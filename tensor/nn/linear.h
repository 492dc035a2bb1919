// File: tensor/nn/linear.h
//
// Linear: y = x W^T + b, with W [out_features, in_features] and b [out_features], as
// torch.nn.Linear. Weights start from a seeded Generator under one of the classic schemes;
// biases start at zero.
#ifndef CONCORD_TENSOR_NN_LINEAR_H_
#define CONCORD_TENSOR_NN_LINEAR_H_

#include <string>

#include "absl/status/statusor.h"
#include "tensor/nn/module.h"

namespace concord::nn {

enum class Init {
  kHe,       // N(0, 2 / in_features): for ReLU-family activations (He et al. 2015)
  kXavier,   // N(0, 1 / in_features): for sigmoid and tanh (Glorot & Bengio 2010, as the
             // classic texts give it for a layer of in_features inputs)
  kStd001,   // N(0, 0.01^2): the small fixed scale of the first examples
};

// "he", "xavier" or "std001"/"0.01".
absl::StatusOr<Init> ParseInit(std::string_view name);
std::string_view InitName(Init init);

class Linear : public Module {
 public:
  // x [N, in_features] -> [N, out_features]. dtype float32 unless given.
  Linear(int64_t in_features, int64_t out_features, Init init, Generator& gen, DType dtype = kFloat32);

  Tensor Forward(const Tensor& x) override;
  std::string ToString() const override;

  const Tensor& weight() const { return weight_; }  // [out_features, in_features]
  const Tensor& bias() const { return bias_; }      // [out_features]

 private:
  int64_t in_features_;
  int64_t out_features_;
  Tensor weight_;
  Tensor bias_;
};

}  // namespace concord::nn

#endif  // CONCORD_TENSOR_NN_LINEAR_H_
