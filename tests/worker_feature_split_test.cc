// FeatureSplit (worker/feature_split.h): an MLP's first two layers cut by hidden units over
// lanes leave in the model's .grad what one backward over the whole batch does (float64: to
// rounding), for 1-3 lanes, two- and three-layer MLPs, several activations, even and uneven
// unit splits and tiny batches, from gathered tensors or from dataset indices; gradient
// storage (a bucket's view) is written in place; the lanes follow weight updates and new
// storage; Suits() picks the models it helps; bad models and batches are refused.
#include <memory>
#include <numeric>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/autograd/graph.h"
#include "tensor/nn/loss.h"
#include "tensor/nn/sequential.h"
#include "tests/lane_split_test_util.h"
#include "tests/test_util.h"
#include "worker/feature_split.h"

namespace concord {
namespace {

using test_util::ExpectGradientsEqual;
using test_util::ThrowsTensorError;

constexpr int64_t kFeatures = 12, kClasses = 5;

std::shared_ptr<nn::Sequential> Mlp(const std::vector<int64_t>& sizes, nn::Activation activation, uint64_t seed,
                                    DType dtype = kFloat64) {
  Generator gen(seed);
  return nn::MakeMlp(sizes, activation, nn::Init::kHe, gen, dtype);
}

data::Dataset Synthetic(int64_t n) { return test_util::SyntheticDataset(n, kFeatures, kClasses); }

std::vector<Tensor> WholeBatchGradients(nn::Sequential& model, const std::vector<int64_t>& sizes,
                                        nn::Activation activation, const Tensor& x, const Tensor& y, double divisor,
                                        double* loss) {
  auto copy = Mlp(sizes, activation, 0, model.parameters()[0].dtype());
  return test_util::WholeBatchGradients(model, *copy, x, y, divisor, loss);
}

TEST(FeatureSplitTest, LanesGiveTheWholeBatchGradient) {
  data::Dataset d = Synthetic(40);
  struct Case {
    std::vector<int64_t> sizes;
    nn::Activation activation;
  };
  // 7 units over 2 or 3 lanes split unevenly; the three-layer models have a layer after the
  // split one (computed on every lane, its gradient from lane 0).
  const std::vector<Case> cases = {{{kFeatures, 7, kClasses}, nn::Activation::kTanh},
                                   {{kFeatures, 9, 6, kClasses}, nn::Activation::kRelu},
                                   {{kFeatures, 8, 3, kClasses}, nn::Activation::kElu}};
  for (const Case& c : cases) {
    for (int lanes : {1, 2, 3}) {
      for (int64_t n : {int64_t{1}, int64_t{2}, int64_t{7}, int64_t{24}}) {
        const std::string what = testing::PrintToString(c.sizes) + ", " + std::to_string(lanes) +
                                 " lanes, n=" + std::to_string(n);
        auto model = Mlp(c.sizes, c.activation, 1);
        FeatureSplit split(*model, c.activation, lanes);
        const auto [x, y] = test_util::GatherFloat64(d, 3, n);
        double want_loss = 0;
        std::vector<Tensor> want = WholeBatchGradients(*model, c.sizes, c.activation, x, y, 30.0, &want_loss);
        // Stale gradients must be replaced, not added to.
        for (const Tensor& p : model->parameters()) p.grad().fill_(7.0);
        EXPECT_NEAR(split.ForwardBackward(x, y, 30.0), want_loss, 1e-12) << what;
        ExpectGradientsEqual(*model, want, what);
      }
    }
  }
}

TEST(FeatureSplitTest, ThenSeesTheFinalGradientsOnEveryLane) {
  for (const std::vector<int64_t>& sizes : {std::vector<int64_t>{kFeatures, 10, kClasses},
                                            std::vector<int64_t>{kFeatures, 9, 6, kClasses}}) {
    auto model = Mlp(sizes, nn::Activation::kRelu, 2, kFloat32);
    FeatureSplit split(*model, nn::Activation::kRelu, 3);
    test_util::ExpectThenSeesTheFinalGradientsOnEveryLane(split, *model, Synthetic(40));
  }
}

TEST(FeatureSplitTest, GatheringOnTheLanesEqualsTheGatheredBatch) {
  const std::vector<int64_t> sizes = {kFeatures, 10, kClasses};
  auto model = Mlp(sizes, nn::Activation::kRelu, 2, kFloat32);
  FeatureSplit split(*model, nn::Activation::kRelu, 3);
  const test_util::GatheredStep step =
      test_util::ExpectGatheringOnTheLanesEqualsTheGatheredBatch(split, *model, Synthetic(40));
  // In float32 too the split matches one backward, to float rounding.
  double want_loss = 0;
  std::vector<Tensor> whole =
      WholeBatchGradients(*model, sizes, nn::Activation::kRelu, step.x, step.y, 11.0, &want_loss);
  EXPECT_NEAR(step.loss, want_loss, 1e-5);
  std::vector<Tensor> got = model->parameters();
  for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(got[i].grad().allclose(whole[i], 1e-4, 1e-6)) << i;
}

TEST(FeatureSplitTest, WritesIntoTheGradientStorageItFinds) {
  const std::vector<int64_t> sizes = {kFeatures, 9, 6, kClasses};
  auto model = Mlp(sizes, nn::Activation::kSigmoid, 3);
  FeatureSplit split(*model, nn::Activation::kSigmoid, 2);
  test_util::ExpectGradientsLandInTheBucket(split, *model, *Mlp(sizes, nn::Activation::kSigmoid, 0), kFeatures);
}

TEST(FeatureSplitTest, FollowsTheModelsWeights) {
  const std::vector<int64_t> sizes = {kFeatures, 9, kClasses};
  auto model = Mlp(sizes, nn::Activation::kLeakyRelu, 4);
  FeatureSplit split(*model, nn::Activation::kLeakyRelu, 2);
  test_util::ExpectTheSplitFollowsTheModelsWeights(split, *model, *Mlp(sizes, nn::Activation::kLeakyRelu, 0),
                                                   kFeatures);
}

TEST(FeatureSplitTest, SuitsMlpsWithMostWeightsInTheFirstTwoLayers) {
  EXPECT_TRUE(FeatureSplit::Suits({784, 100, 10}, 2));
  EXPECT_TRUE(FeatureSplit::Suits({784, 1024, 10}, 2));
  EXPECT_TRUE(FeatureSplit::Suits({784, 1024, 512, 10}, 2));  // the last layer: 0.4% of the weights
  EXPECT_FALSE(FeatureSplit::Suits({784, 64, 512, 512, 10}, 2));  // most weights after the first two
  EXPECT_FALSE(FeatureSplit::Suits({784, 10}, 2));               // no hidden layer
  EXPECT_FALSE(FeatureSplit::Suits({784, 3, 10}, 4));            // fewer units than lanes
  EXPECT_TRUE(FeatureSplit::Suits({784, 4, 10}, 4));
}

TEST(FeatureSplitTest, RefusesModelsItCannotSplitAndEmptyBatches) {
  auto single = Mlp({kFeatures, kClasses}, nn::Activation::kRelu, 5);
  EXPECT_TRUE(ThrowsTensorError([&] { FeatureSplit split(*single, nn::Activation::kRelu, 2); },
                                {"at least two Linear layers"}));
  auto narrow = Mlp({kFeatures, 2, kClasses}, nn::Activation::kRelu, 5);
  EXPECT_TRUE(ThrowsTensorError([&] { FeatureSplit split(*narrow, nn::Activation::kRelu, 3); },
                                {"2 units cannot be split over 3 lanes"}));
  auto model = Mlp({kFeatures, 6, kClasses}, nn::Activation::kRelu, 5);
  FeatureSplit split(*model, nn::Activation::kRelu, 2);
  Tensor x = zeros({0, kFeatures}, TensorOptions(kFloat64));
  Tensor y = zeros({0}, TensorOptions(kInt64));
  EXPECT_TRUE(ThrowsTensorError([&] { split.ForwardBackward(x, y, 1.0); }, {"at least one sample"}));
  Tensor x3 = zeros({3, kFeatures}, TensorOptions(kFloat64));
  EXPECT_TRUE(ThrowsTensorError([&] { split.ForwardBackward(x3, y, 1.0); }, {"expected x [n, features] and y [n]"}));
}

}  // namespace
}  // namespace concord
