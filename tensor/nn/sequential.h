// File: tensor/nn/sequential.h
//
// Sequential: modules applied in order, named "0", "1", ... (torch.nn.Sequential), and the
// MLP builder: layer sizes plus an activation between layers, none after the last.
//
//   auto mlp = MakeMlp({784, 100, 10}, Activation::kRelu, Init::kHe, gen);
//   Tensor logits = mlp->Forward(x);   // Linear, ReLU, Linear
#ifndef CONCORD_TENSOR_NN_SEQUENTIAL_H_
#define CONCORD_TENSOR_NN_SEQUENTIAL_H_

#include <memory>
#include <vector>

#include "tensor/nn/activation.h"
#include "tensor/nn/linear.h"
#include "tensor/nn/module.h"

namespace concord::nn {

class Sequential : public Module {
 public:
  Sequential() = default;
  void Add(std::shared_ptr<Module> module);
  Tensor Forward(const Tensor& x) override;
  std::string ToString() const override;
  size_t size() const { return children().size(); }

  // The i-th module.
  Module& operator[](size_t i) const { return *children().at(i).second; }
};

// sizes: input, hidden..., output (at least two). Throws TensorError on bad sizes.
std::shared_ptr<Sequential> MakeMlp(const std::vector<int64_t>& sizes, Activation activation, Init init,
                                    Generator& gen, DType dtype = kFloat32);

}  // namespace concord::nn

#endif  // CONCORD_TENSOR_NN_SEQUENTIAL_H_
