// BatchSplit (worker/batch_split.h): a batch cut into row slices over lanes leaves in the
// model's .grad what one backward over the whole batch does (float64: to rounding), for even,
// uneven and tiny batches, from gathered tensors or from dataset indices; the gradient storage
// (a bucket's view) is written in place; replicas follow the model's weights after updates and
// after the model's parameters get new storage; mismatched replicas are refused.
#include <memory>
#include <numeric>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/autograd/graph.h"
#include "tensor/nn/loss.h"
#include "tensor/nn/sequential.h"
#include "tests/lane_split_test_util.h"
#include "tests/test_util.h"
#include "worker/batch_split.h"

namespace concord {
namespace {

using test_util::ExpectGradientsEqual;
using test_util::ThrowsTensorError;

constexpr int64_t kFeatures = 12, kClasses = 5;

std::shared_ptr<nn::Sequential> Mlp(uint64_t seed, DType dtype = kFloat64) {
  Generator gen(seed);
  return nn::MakeMlp({kFeatures, 9, 7, kClasses}, nn::Activation::kTanh, nn::Init::kHe, gen, dtype);
}

std::vector<std::shared_ptr<nn::Module>> Replicas(int lanes, DType dtype = kFloat64) {
  std::vector<std::shared_ptr<nn::Module>> out;
  for (int lane = 0; lane < lanes; ++lane) out.push_back(Mlp(100 + lane, dtype));  // other weights
  return out;
}

data::Dataset Synthetic(int64_t n) { return test_util::SyntheticDataset(n, kFeatures, kClasses); }

std::vector<Tensor> WholeBatchGradients(nn::Module& model, const Tensor& x, const Tensor& y, double divisor,
                                        double* loss) {
  return test_util::WholeBatchGradients(model, *Mlp(0), x, y, divisor, loss);
}

TEST(BatchSplitTest, LanesSumToTheWholeBatchGradientForEvenUnevenAndTinyBatches) {
  data::Dataset d = Synthetic(40);
  for (int lanes : {1, 2, 3}) {
    for (int64_t n : {int64_t{1}, int64_t{2}, int64_t{7}, int64_t{24}}) {
      auto model = Mlp(1);
      BatchSplit split(*model, Replicas(lanes));
      const auto [x, y] = test_util::GatherFloat64(d, 3, n);
      double want_loss = 0;
      std::vector<Tensor> want = WholeBatchGradients(*model, x, y, 30.0, &want_loss);
      // Stale gradients in the model and replicas must be replaced, not added to.
      for (const Tensor& p : model->parameters()) p.grad().fill_(7.0);
      EXPECT_NEAR(split.ForwardBackward(x, y, 30.0), want_loss, 1e-12) << lanes << " lanes, n=" << n;
      ExpectGradientsEqual(*model, want, "tensors");
    }
  }
}

TEST(BatchSplitTest, GatheringOnTheLanesEqualsTheGatheredBatch) {
  auto model = Mlp(2, kFloat32);
  BatchSplit split(*model, Replicas(3, kFloat32));
  test_util::ExpectGatheringOnTheLanesEqualsTheGatheredBatch(split, *model, Synthetic(40));
}

TEST(BatchSplitTest, ThenSeesTheFinalGradientsOnEveryLane) {
  auto model = Mlp(2, kFloat32);
  BatchSplit split(*model, Replicas(3, kFloat32));
  test_util::ExpectThenSeesTheFinalGradientsOnEveryLane(split, *model, Synthetic(40));
}

TEST(BatchSplitTest, WritesIntoTheGradientStorageItFinds) {
  auto model = Mlp(3);
  BatchSplit split(*model, Replicas(2));
  test_util::ExpectGradientsLandInTheBucket(split, *model, *Mlp(0), kFeatures);
}

TEST(BatchSplitTest, ReplicasFollowTheModelsWeights) {
  auto model = Mlp(4);
  BatchSplit split(*model, Replicas(2));
  test_util::ExpectTheSplitFollowsTheModelsWeights(split, *model, *Mlp(0), kFeatures);
}

TEST(BatchSplitTest, RefusesReplicasThatDoNotMatchAndEmptyBatches) {
  auto model = Mlp(5);
  std::vector<std::shared_ptr<nn::Module>> wrong;
  Generator gen(1);
  wrong.push_back(nn::MakeMlp({kFeatures, 8, kClasses}, nn::Activation::kTanh, nn::Init::kHe, gen, kFloat64));
  EXPECT_TRUE(ThrowsTensorError([&] { BatchSplit split(*model, wrong); }, {"replica 0", "parameters"}));
  std::vector<std::shared_ptr<nn::Module>> wrong_dtype = Replicas(1, kFloat32);
  EXPECT_TRUE(ThrowsTensorError([&] { BatchSplit split(*model, wrong_dtype); }, {"float32", "float64"}));
  EXPECT_TRUE(ThrowsTensorError([&] { BatchSplit split(*model, {}); }, {"at least one replica"}));
  BatchSplit split(*model, Replicas(2));
  Tensor x = zeros({0, kFeatures}, TensorOptions(kFloat64));
  Tensor y = zeros({0}, TensorOptions(kInt64));
  EXPECT_TRUE(ThrowsTensorError([&] { split.ForwardBackward(x, y, 1.0); }, {"at least one sample"}));
}

}  // namespace
}  // namespace concord
