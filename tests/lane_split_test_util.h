// Shared helpers of the LaneSplit tests (worker/lane_split.h): a synthetic dataset, the
// reference gradients of one whole-batch backward, and gradients as views of one bucket.
#ifndef CONCORD_TESTS_LANE_SPLIT_TEST_UTIL_H_
#define CONCORD_TESTS_LANE_SPLIT_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/autograd/graph.h"
#include "tensor/data/dataset.h"
#include "tensor/nn/loss.h"
#include "tensor/nn/module.h"

namespace concord::test_util {

// n samples of `features` random pixels and random labels below `classes`.
inline data::Dataset SyntheticDataset(int64_t n, int64_t features, int classes) {
  std::vector<uint8_t> images(n * features), labels(n);
  Generator gen(4);
  for (auto& p : images) p = static_cast<uint8_t>(gen.NextBelow(256));
  for (auto& l : labels) l = static_cast<uint8_t>(gen.NextBelow(classes));
  return data::Dataset::FromBytes(images, labels, features, classes, "synthetic").value();
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

}  // namespace concord::test_util

#endif  // CONCORD_TESTS_LANE_SPLIT_TEST_UTIL_H_
