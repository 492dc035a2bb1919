// File: worker/feature_split.h
//
// FeatureSplit: one training step of an MLP spread over the CPU cores by cutting its first
// two layers by features, as Megatron-LM cuts a transformer's MLP over GPUs: lane k computes
// the hidden units [h*k/n, h*(k+1)/n) of the first layer (its rows of W0 and b0) on the whole
// batch, and those units' share of the second layer's product (its columns of W1). The lanes'
// partial products are summed, and the rest of the network (the second layer's bias, any
// further layers, the loss) runs on every lane alike, so each lane has the gradient with
// respect to that sum for its own backward. See Note [Feature split].
//
// Against BatchSplit (worker/batch_split.h) this trades the lanes' weight-sized exchange (each
// lane's gradient of every weight, summed across lanes) for a batch-sized one (the [batch,
// out1] partial products), and keeps each lane's weight slice in its own core's cache through
// forward, backward and the optimizer update (optim::Sgd::Step with parts updates the same
// rows on the same lanes). It suits MLPs whose weights sit mostly in the first two layers.
//
//   FeatureSplit split(*mlp, nn::Activation::kRelu, 2);  // mlp: nn::MakeMlp({784, 100, 10}, ...)
//   double loss = split.ForwardBackward(train, indices, norm, global_batch);  // model's .grad set
#ifndef CONCORD_WORKER_FEATURE_SPLIT_H_
#define CONCORD_WORKER_FEATURE_SPLIT_H_

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "common/lanes.h"
#include "tensor/data/dataset.h"
#include "tensor/nn/activation.h"
#include "tensor/nn/sequential.h"
#include "worker/lane_split.h"

namespace concord {

class FeatureSplit final : public LaneSplit {
 public:
  // Whether an MLP of these layer sizes (input, hidden..., output) can be split over this
  // many lanes: at least two layers, and a first hidden layer of at least `lanes` units.
  static bool CanSplit(const std::vector<int64_t>& sizes, int lanes);
  // Whether it also gains from it: the layers after the first two hold at most an eighth of
  // the weights, since every lane computes them.
  static bool Suits(const std::vector<int64_t>& sizes, int lanes);

  // model: an MLP as nn::MakeMlp builds it (Linear, activation, Linear, ...) with the given
  // activation, at least two Linear layers and a first hidden layer of at least `lanes` units,
  // its parameters on the CPU (checked: TensorError). It must outlive this object.
  FeatureSplit(nn::Sequential& model, nn::Activation activation, int lanes);

  // LaneSplit's; each lane gathers the whole batch.
  double ForwardBackward(const data::Dataset& data, std::span<const int64_t> indices,
                         const data::Normalization& norm, double divisor, Then then) override;
  double ForwardBackward(const Tensor& x, const Tensor& y, double divisor, Then then) override;
  using LaneSplit::ForwardBackward;

  Lanes& lanes() override { return lanes_; }

 private:
  // On each lane: batch(lane) gives the whole batch (x, y) of n rows; then forward, loss,
  // backward and `then`.
  double Run(int64_t n, absl::FunctionRef<std::pair<Tensor, Tensor>(int lane)> batch, Then then);
  // One lane's share of the step. Every lane computes the loss; lane 0 keeps it in loss_.
  void RunLane(int lane, const Tensor& x, const Tensor& y);

  std::vector<Tensor> params_;  // the model's: weight, bias of each layer in order
  nn::Activation activation_;
  double divisor_ = 1;           // of the current step
  std::vector<Tensor> partial_;  // per lane: its [batch, out1] share of the second layer
  double loss_ = 0;              // of the current step
  std::vector<Tensor> x_, y_;    // per lane: the gathered batch
  Lanes lanes_;
};

}  // namespace concord

#endif  // CONCORD_WORKER_FEATURE_SPLIT_H_
