// Shared helpers of the LaneSplit tests (worker/lane_split.h): a synthetic dataset, the
// reference gradients of one whole-batch backward, gradients as views of one bucket, and the
// checks every split must pass: gradients land in a bucket's views, the split follows the
// model's weights, gathering on the lanes equals stepping on the gathered batch, and `then`
// sees the final gradients.
#ifndef CONCORD_TESTS_LANE_SPLIT_TEST_UTIL_H_
#define CONCORD_TESTS_LANE_SPLIT_TEST_UTIL_H_

#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/autograd/graph.h"
#include "tensor/data/dataset.h"
#include "tensor/nn/loss.h"
#include "tensor/nn/module.h"
#include "tests/test_util.h"
#include "worker/lane_split.h"

namespace concord::test_util {

// n samples of `features` random pixels and random labels below `classes`.
inline data::Dataset SyntheticDataset(int64_t n, int64_t features, int classes) {
  std::vector<uint8_t> images(n * features), labels(n);
  Generator gen(4);
  for (auto& p : images) p = static_cast<uint8_t>(gen.NextBelow(256));
  for (auto& l : labels) l = static_cast<uint8_t>(gen.NextBelow(classes));
  return data::Dataset::FromBytes(images, labels, features, classes, "synthetic").value();
}

// Samples [first, first + n) of d: x as float64 (for comparisons at 1e-12) and y.
inline std::pair<Tensor, Tensor> GatherFloat64(const data::Dataset& d, int64_t first, int64_t n) {
  std::vector<int64_t> idx(n);
  std::iota(idx.begin(), idx.end(), first);
  Tensor x, y;
  d.Gather(idx.data(), n, {}, &x, &y);
  return {x.to(kFloat64), y};
}

// The reference: model's weights copied into `copy` (a model of its architecture), then one
// forward, cross-entropy and backward over the whole batch. Returns copy's gradients.
inline std::vector<Tensor> WholeBatchGradients(nn::Module& model, nn::Module& copy, const Tensor& x,
                                               const Tensor& y, double divisor, double* loss) {
  std::vector<Tensor> src = model.parameters(), dst = copy.parameters();
  for (size_t i = 0; i < src.size(); ++i) {
    autograd::NoGradGuard no_grad;
    dst[i].copy_(src[i]);
  }
  Tensor l = nn::cross_entropy(copy.Forward(x), y, divisor);
  l.backward();
  *loss = l.item();
  std::vector<Tensor> grads;
  for (const Tensor& p : dst) grads.push_back(p.grad());
  return grads;
}

inline void ExpectGradientsEqual(nn::Module& model, const std::vector<Tensor>& want, const std::string& what) {
  std::vector<Tensor> params = model.parameters();
  ASSERT_EQ(params.size(), want.size());
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_TRUE(params[i].grad().allclose(want[i], 1e-12, 1e-14)) << what << ": parameter " << i;
  }
}

// Changes the weights as training does: the first in place (as SGD does, by half its
// gradient), the third given new storage (as Module::to or set_data does).
inline void ChangeWeightsAsTrainingDoes(std::vector<Tensor> params) {
  {
    autograd::NoGradGuard no_grad;
    params[0].sub_(params[0].grad(), 0.5);
  }
  params[2].set_data(params[2].detach().clone() * 0.5);
}

// Makes every parameter's .grad a view of one flat float64 bucket, as a GradientSync does;
// returns the bucket.
inline Tensor GradientsAsBucketViews(const std::vector<Tensor>& params) {
  int64_t total = 0;
  for (const Tensor& p : params) total += p.numel();
  Tensor flat = zeros({total}, TensorOptions(kFloat64));
  int64_t offset = 0;
  for (const Tensor& p : params) {
    p.set_grad(flat.narrow(0, offset, p.numel()).view(p.shape()));
    offset += p.numel();
  }
  return flat;
}

// The bucket holds `want`, parameter by parameter.
inline void ExpectBucketHolds(const Tensor& flat, const std::vector<Tensor>& params, const std::vector<Tensor>& want) {
  int64_t offset = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_TRUE(flat.narrow(0, offset, params[i].numel()).view(params[i].shape()).allclose(want[i], 1e-12, 1e-14))
        << "bucket slice of parameter " << i;
    offset += params[i].numel();
  }
}

// With every .grad a view of one flat bucket (as a GradientSync makes them), split's step on
// a batch of 6 leaves the whole batch's gradients in the bucket. `copy`: a model of model's
// architecture (for WholeBatchGradients); `features`: the model's input size.
inline void ExpectGradientsLandInTheBucket(LaneSplit& split, nn::Module& model, nn::Module& copy, int64_t features) {
  std::vector<Tensor> params = model.parameters();
  Tensor flat = GradientsAsBucketViews(params);
  Generator gen(6);
  Tensor x = randn({6, features}, gen, TensorOptions(kFloat64));
  Tensor y = full({6}, 2, TensorOptions(kInt64));
  double loss = 0;
  std::vector<Tensor> want = WholeBatchGradients(model, copy, x, y, 6.0, &loss);
  split.ForwardBackward(x, y, 6.0);
  ExpectBucketHolds(flat, params, want);
}

// After a step, the model's weights change as training changes them; split's next step gives
// the new weights' loss and gradients. Arguments as for ExpectGradientsLandInTheBucket.
inline void ExpectTheSplitFollowsTheModelsWeights(LaneSplit& split, nn::Module& model, nn::Module& copy,
                                                  int64_t features) {
  Generator gen(8);
  Tensor x = randn({8, features}, gen, TensorOptions(kFloat64));
  Tensor y = full({8}, 1, TensorOptions(kInt64));
  split.ForwardBackward(x, y, 8.0);
  ChangeWeightsAsTrainingDoes(model.parameters());
  double want_loss = 0;
  std::vector<Tensor> want = WholeBatchGradients(model, copy, x, y, 8.0, &want_loss);
  EXPECT_NEAR(split.ForwardBackward(x, y, 8.0), want_loss, 1e-12);
  ExpectGradientsEqual(model, want, "after updates");
}

// A batch of 11 samples of d (one repeated) gathered by hand, and split's loss on it.
struct GatheredStep {
  Tensor x, y;
  double loss = 0;
};

// split (over model) stepped on d's samples by index, gathering on its lanes, gives exactly the
// loss and gradients of the same samples gathered beforehand; a bad index is the dataset's
// error, and the lanes still work after it. d needs at least 40 samples. Returns the gathered
// step for further checks.
inline GatheredStep ExpectGatheringOnTheLanesEqualsTheGatheredBatch(LaneSplit& split, nn::Module& model,
                                                                   const data::Dataset& d) {
  const data::Normalization norm{.mean = 0.5f, .std = 0.25f};
  const std::vector<int64_t> idx = {5, 0, 39, 17, 17, 2, 30, 8, 11, 23, 1};
  GatheredStep step;
  d.Gather(idx.data(), static_cast<int64_t>(idx.size()), norm, &step.x, &step.y);
  step.loss = split.ForwardBackward(step.x, step.y, 11.0);
  std::vector<Tensor> want;
  for (const Tensor& p : model.parameters()) want.push_back(p.grad().clone());
  const double from_indices = split.ForwardBackward(d, idx, norm, 11.0);
  EXPECT_EQ(step.loss, from_indices);
  std::vector<Tensor> got = model.parameters();
  for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(got[i].grad().equal(want[i])) << "parameter " << i;
  // A bad index is the dataset's error, from whichever lane reports it.
  const std::vector<int64_t> bad = {1, 2, 400};
  EXPECT_TRUE(ThrowsTensorError([&] { split.ForwardBackward(d, bad, {}, 3.0); }, {"400"}));
  EXPECT_EQ(split.ForwardBackward(d, idx, norm, 11.0), from_indices) << "after a failed step";
  return step;
}

// split's `then` runs once on every lane, each seeing the final gradients (those the step
// leaves in model's .grad; the step is repeated, so a stale gradient would differ); a step
// whose gather fails runs it on no lane. d needs at least 40 samples.
inline void ExpectThenSeesTheFinalGradientsOnEveryLane(LaneSplit& split, nn::Module& model, const data::Dataset& d) {
  const std::vector<int64_t> first = {3, 9, 27, 1, 14}, second = {38, 0, 21, 21, 6, 12};
  const std::vector<Tensor> params = model.parameters();
  std::vector<std::vector<Tensor>> seen(static_cast<size_t>(split.size()));
  std::vector<int> calls(seen.size(), 0);
  auto record = [&](int lane) {
    ++calls[static_cast<size_t>(lane)];
    seen[static_cast<size_t>(lane)].clear();
    for (const Tensor& p : params) seen[static_cast<size_t>(lane)].push_back(p.grad().clone());
  };
  split.ForwardBackward(d, first, {}, 5.0, record);
  split.ForwardBackward(d, second, {}, 6.0, record);
  for (size_t lane = 0; lane < seen.size(); ++lane) {
    EXPECT_EQ(calls[lane], 2) << "lane " << lane;
    ASSERT_EQ(seen[lane].size(), params.size()) << "lane " << lane;
    for (size_t i = 0; i < params.size(); ++i) {
      EXPECT_TRUE(seen[lane][i].equal(params[i].grad())) << "lane " << lane << ", parameter " << i;
    }
  }
  const std::vector<int64_t> bad = {1, 2, 400};
  EXPECT_TRUE(ThrowsTensorError([&] { split.ForwardBackward(d, bad, {}, 3.0, record); }, {"400"}));
  for (size_t lane = 0; lane < calls.size(); ++lane) EXPECT_EQ(calls[lane], 2) << "lane " << lane << " after a failed step";
}

}  // namespace concord::test_util

#endif  // CONCORD_TESTS_LANE_SPLIT_TEST_UTIL_H_
