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
#include "tests/test_util.h"
#include "worker/batch_split.h"

namespace concord {
namespace {

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

data::Dataset Synthetic(int64_t n) {
  std::vector<uint8_t> images(n * kFeatures), labels(n);
  Generator gen(4);
  for (auto& p : images) p = static_cast<uint8_t>(gen.NextBelow(256));
  for (auto& l : labels) l = static_cast<uint8_t>(gen.NextBelow(kClasses));
  return data::Dataset::FromBytes(images, labels, kFeatures, kClasses, "synthetic").value();
}

// The reference: one forward and backward over the whole batch on a copy of the model.
std::vector<Tensor> WholeBatchGradients(nn::Module& model, const Tensor& x, const Tensor& y, double divisor,
                                        double* loss) {
  auto copy = Mlp(0);
  std::vector<Tensor> src = model.parameters(), dst = copy->parameters();
  for (size_t i = 0; i < src.size(); ++i) {
    autograd::NoGradGuard no_grad;
    dst[i].copy_(src[i]);
  }
  Tensor l = nn::cross_entropy(copy->Forward(x), y, divisor);
  l.backward();
  *loss = l.item();
  std::vector<Tensor> grads;
  for (const Tensor& p : dst) grads.push_back(p.grad());
  return grads;
}

void ExpectGradientsEqual(nn::Module& model, const std::vector<Tensor>& want, const char* what) {
  std::vector<Tensor> params = model.parameters();
  ASSERT_EQ(params.size(), want.size());
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_TRUE(params[i].grad().allclose(want[i], 1e-12, 1e-14)) << what << ": parameter " << i;
  }
}

TEST(BatchSplitTest, LanesSumToTheWholeBatchGradientForEvenUnevenAndTinyBatches) {
  data::Dataset d = Synthetic(40);
  for (int lanes : {1, 2, 3}) {
    for (int64_t n : {int64_t{1}, int64_t{2}, int64_t{7}, int64_t{24}}) {
      auto model = Mlp(1);
      BatchSplit split(*model, Replicas(lanes));
      std::vector<int64_t> idx(n);
      std::iota(idx.begin(), idx.end(), 3);
      Tensor x, y;
      d.Gather(idx.data(), n, {}, &x, &y);
      x = x.to(kFloat64);
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
  data::Dataset d = Synthetic(40);
  auto model = Mlp(2, kFloat32);
  BatchSplit split(*model, Replicas(3, kFloat32));
  std::vector<int64_t> idx = {5, 0, 39, 17, 17, 2, 30, 8, 11, 23, 1};
  Tensor x, y;
  d.Gather(idx.data(), static_cast<int64_t>(idx.size()), {.mean = 0.5f, .std = 0.25f}, &x, &y);
  const double from_tensors = split.ForwardBackward(x, y, 11.0);
  std::vector<Tensor> want;
  for (const Tensor& p : model->parameters()) want.push_back(p.grad().clone());
  const double from_indices = split.ForwardBackward(d, idx, {.mean = 0.5f, .std = 0.25f}, 11.0);
  EXPECT_EQ(from_tensors, from_indices);
  std::vector<Tensor> got = model->parameters();
  for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(got[i].grad().equal(want[i])) << i;
  // A bad index is the dataset's error.
  std::vector<int64_t> bad = {1, 2, 400};
  EXPECT_TRUE(ThrowsTensorError([&] { split.ForwardBackward(d, bad, {}, 3.0); }, {"400"}));
}

TEST(BatchSplitTest, WritesIntoTheGradientStorageItFinds) {
  // A GradientSync makes every .grad a view of one flat bucket; the sum must land there.
  auto model = Mlp(3);
  BatchSplit split(*model, Replicas(2));
  std::vector<Tensor> params = model->parameters();
  int64_t total = 0;
  for (const Tensor& p : params) total += p.numel();
  Tensor flat = zeros({total}, TensorOptions(kFloat64));
  int64_t offset = 0;
  for (const Tensor& p : params) {
    p.set_grad(flat.narrow(0, offset, p.numel()).view(p.shape()));
    offset += p.numel();
  }
  Generator gen(6);
  Tensor x = randn({6, kFeatures}, gen, TensorOptions(kFloat64));
  Tensor y = full({6}, 2, TensorOptions(kInt64));
  double loss = 0;
  std::vector<Tensor> want = WholeBatchGradients(*model, x, y, 6.0, &loss);
  split.ForwardBackward(x, y, 6.0);
  offset = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_TRUE(flat.narrow(0, offset, params[i].numel()).view(params[i].shape()).allclose(want[i], 1e-12, 1e-14))
        << "bucket slice of parameter " << i;
    offset += params[i].numel();
  }
}

TEST(BatchSplitTest, ReplicasFollowTheModelsWeights) {
  auto model = Mlp(4);
  BatchSplit split(*model, Replicas(2));
  Generator gen(8);
  Tensor x = randn({8, kFeatures}, gen, TensorOptions(kFloat64));
  Tensor y = full({8}, 1, TensorOptions(kInt64));
  split.ForwardBackward(x, y, 8.0);
  // An update in place (as SGD makes) and new storage (as Module::to or set_data gives).
  std::vector<Tensor> params = model->parameters();
  {
    autograd::NoGradGuard no_grad;
    params[0].sub_(params[0].grad(), 0.5);
  }
  params[2].set_data(params[2].detach().clone() * 0.5);
  double want_loss = 0;
  std::vector<Tensor> want = WholeBatchGradients(*model, x, y, 8.0, &want_loss);
  EXPECT_NEAR(split.ForwardBackward(x, y, 8.0), want_loss, 1e-12);
  ExpectGradientsEqual(*model, want, "after updates");
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
