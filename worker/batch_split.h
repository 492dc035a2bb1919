// File: worker/batch_split.h
//
// BatchSplit: one training step's forward and backward spread over the CPU cores by cutting
// the batch into row slices, one per lane (common/lanes.h). Each lane runs its slice through a
// replica of the model whose parameters share the model's storage (so every optimizer update
// is seen by all) but own their .grad; each lane's GEMMs use one BLAS thread. The replicas'
// gradients are then summed, slice by slice on the lanes, into the model's parameters' .grad,
// where one backward over the whole batch would have left them (up to float rounding: the sum
// over the batch is taken in a different order). See Note [Batch split]; worker/lane_split.h
// for what the caller can rely on.
//
//   BatchSplit split(model, replicas);   // replicas: models of model's architecture
//   double loss = split.ForwardBackward(train, indices, norm, global_batch);  // model's .grad set
//   sgd.Step(split.size(), [&](auto part) { split.lanes().Run(part); });
// or, with the update in the same run:
//   sgd.Step(split.size(), [&](auto part) { loss = split.ForwardBackward(train, indices, norm, global_batch, part); });
#ifndef CONCORD_WORKER_BATCH_SPLIT_H_
#define CONCORD_WORKER_BATCH_SPLIT_H_

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "common/lanes.h"
#include "tensor/data/dataset.h"
#include "tensor/nn/module.h"
#include "worker/lane_split.h"

namespace concord {

class BatchSplit final : public LaneSplit {
 public:
  // One lane per replica; replicas[i] must have model's parameter shapes and dtypes (checked:
  // TensorError). The model must outlive this object. Parameters must be CPU tensors.
  BatchSplit(nn::Module& model, std::vector<std::shared_ptr<nn::Module>> replicas);

  // LaneSplit's, over fewer lanes when the batch has fewer rows; each lane gathers its rows.
  // (`then` runs on every lane.)
  double ForwardBackward(const data::Dataset& data, std::span<const int64_t> indices,
                         const data::Normalization& norm, double divisor, Then then) override;
  double ForwardBackward(const Tensor& x, const Tensor& y, double divisor, Then then) override;
  using LaneSplit::ForwardBackward;

  Lanes& lanes() override { return lanes_; }

 private:
  // Points every replica parameter at its model parameter's storage again if the model's
  // parameters were given new storage (Module::to, set_data) since the last step.
  void ShareWeights();
  // On each lane used for n rows: rows(lane, begin, end) gives its slice [begin, end) of the
  // batch (x, y), then forward, loss and backward; then, on every lane, the gradient sum and
  // `then`.
  double Run(int64_t n, double divisor,
             absl::FunctionRef<std::pair<Tensor, Tensor>(int lane, int64_t begin, int64_t end)> rows, Then then);
  // lane's share of every parameter's summed gradient, over the replicas that ran (used).
  void SumGradients(int lane, int used);

  std::vector<Tensor> params_;                        // the model's
  std::vector<std::vector<Tensor>> replica_params_;   // [lane][param]
  std::vector<std::shared_ptr<nn::Module>> replicas_;
  std::vector<double> losses_;                        // per lane, of the current step
  std::vector<Tensor> x_, y_;  // per lane: its gathered rows, [rows, features] and [rows]
  Lanes lanes_;
};

}  // namespace concord

#endif  // CONCORD_WORKER_BATCH_SPLIT_H_
