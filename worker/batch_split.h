// File: worker/batch_split.h
//
// BatchSplit: one training step's forward and backward spread over the CPU cores by cutting
// the batch into row slices, one per lane (common/lanes.h). Each lane runs its slice through a
// replica of the model whose parameters share the model's storage (so every optimizer update
// is seen by all) but own their .grad; each lane's GEMMs use one BLAS thread. The replicas'
// gradients are then summed, slice by slice on the lanes, into the model's parameters' .grad,
// where one backward over the whole batch would have left them (up to float rounding: the sum
// over the batch is taken in a different order). See Note [Batch split].
//
// The model's .grad tensors are written in place (so flat gradient buckets whose views they
// are see the sum) and no grad-ready hook fires: a GradientSync learns they are final from its
// Finish(). The optimizer update and evaluation can use the lanes too (lanes()).
//
//   BatchSplit split(model, replicas);   // replicas: models of model's architecture
//   double loss = split.ForwardBackward(train, indices, norm, global_batch);  // model's .grad set
//   sgd.Step(split.size(), [&](auto part) { split.lanes().Run(part); });
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

namespace concord {

class BatchSplit {
 public:
  // One lane per replica; replicas[i] must have model's parameter shapes and dtypes (checked:
  // TensorError). The model must outlive this object. Parameters must be CPU tensors.
  BatchSplit(nn::Module& model, std::vector<std::shared_ptr<nn::Module>> replicas);

  // Forward, cross-entropy (sum over the rows / divisor) and backward of a batch, split over
  // the lanes (fewer when it has fewer rows). Sets the model's parameters' .grad to the
  // gradient of the whole batch's loss, replacing what they held. Returns that loss (the
  // lanes' losses summed). Throws TensorError as the ops and Dataset::Gather do.
  //
  // The samples data[indices], each lane gathering its own rows (no thread hands batches over).
  double ForwardBackward(const data::Dataset& data, std::span<const int64_t> indices,
                         const data::Normalization& norm, double divisor);
  // A batch already gathered: x [n, features] float32, y [n] int64, on the CPU.
  double ForwardBackward(const Tensor& x, const Tensor& y, double divisor);

  int size() const { return lanes_.size(); }
  Lanes& lanes() { return lanes_; }

 private:
  // Points every replica parameter at its model parameter's storage again if the model's
  // parameters were given new storage (Module::to, set_data) since the last step.
  void ShareWeights();
  // On each lane used for n rows: rows(lane, begin, end) gives its slice [begin, end) of the
  // batch (x, y), then forward, loss and backward; then the gradient sum.
  double Run(int64_t n, double divisor,
             absl::FunctionRef<std::pair<Tensor, Tensor>(int lane, int64_t begin, int64_t end)> rows);
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
