// File: worker/lane_split.h
//
// LaneSplit: one training step's forward and backward spread over the CPU cores, on lanes
// (common/lanes.h), leaving the whole batch's gradient in the model's parameters' .grad as
// one backward on one thread would (up to float rounding). Two ways to cut the work:
//   BatchSplit (worker/batch_split.h): each lane takes rows of the batch, on a replica;
//   FeatureSplit (worker/feature_split.h): each lane takes features of an MLP's first two
//     layers, on the whole batch.
// The model's .grad tensors are written in place (so flat gradient buckets whose views they
// are see the result) and no grad-ready hook fires: a GradientSync learns they are final from
// its Finish(). The optimizer update can run in the same lanes' run as the backward (`then`,
// when no all-reduce comes between them) or in a run of its own; evaluation can use the lanes
// too (lanes()).
#ifndef CONCORD_WORKER_LANE_SPLIT_H_
#define CONCORD_WORKER_LANE_SPLIT_H_

#include <cstdint>
#include <optional>
#include <span>

#include "absl/functional/function_ref.h"
#include "common/lanes.h"
#include "tensor/data/dataset.h"
#include "tensor/error.h"
#include "tensor/tensor.h"

namespace concord {

class LaneSplit {
 public:
  virtual ~LaneSplit() = default;

  // What every lane runs last, once all of the model's .grad are final: then(lane), e.g.
  // optim::Sgd::Step's part `lane` of size() parts. It may read and write any parameter and
  // gradient. (Absent, the lanes skip the barrier it needs.)
  using Then = std::optional<absl::FunctionRef<void(int lane)>>;

  // Forward, cross-entropy (sum over the rows / divisor) and backward of a batch on the lanes.
  // Sets the model's parameters' .grad to the gradient of the whole batch's loss, replacing
  // what they held, calls (*then)(lane) on every lane, and returns the loss. Throws TensorError as
  // the ops and Dataset::Gather do (then, when a lane fails, no lane calls `then`).
  //
  // The samples data[indices], gathered on the lanes (no thread hands batches over).
  virtual double ForwardBackward(const data::Dataset& data, std::span<const int64_t> indices,
                                 const data::Normalization& norm, double divisor, Then then) = 0;
  // A batch already gathered: x [n, features] float32, y [n] int64, on the CPU.
  virtual double ForwardBackward(const Tensor& x, const Tensor& y, double divisor, Then then) = 0;

  // The same with nothing after the backward.
  double ForwardBackward(const data::Dataset& data, std::span<const int64_t> indices,
                         const data::Normalization& norm, double divisor) {
    return ForwardBackward(data, indices, norm, divisor, std::nullopt);
  }
  double ForwardBackward(const Tensor& x, const Tensor& y, double divisor) {
    return ForwardBackward(x, y, divisor, std::nullopt);
  }

  virtual Lanes& lanes() = 0;
  int size() { return lanes().size(); }

 protected:
  // The end of a lane's share of ForwardBackward, once it has written its part of the
  // gradients: waits for the other lanes' parts, then runs `then` (when given) on this lane.
  void RunThen(const Then& then, int lane) {
    if (!then) return;
    lanes().Barrier();  // every lane's gradients are in
    (*then)(lane);
  }

  // What ForwardBackward(x, y, divisor) takes, or a TensorError naming `who`.
  static void CheckBatch(const char* who, const Tensor& x, const Tensor& y) {
    TENSOR_CHECK(x.dim() == 2 && y.dim() == 1 && x.size(0) == y.size(0), who,
                 ": expected x [n, features] and y [n], got x ", ShapeToString(x.shape()), " and y ",
                 ShapeToString(y.shape()));
    TENSOR_CHECK(x.device().is_cpu() && y.device().is_cpu(), who, ": expected CPU tensors, got x on ",
                 x.device().ToString(), " and y on ", y.device().ToString());
  }
};

}  // namespace concord

#endif  // CONCORD_WORKER_LANE_SPLIT_H_
