// Losses (tensor/nn/loss.h): the known values of the classic texts for sum_squares_error and
// cross_entropy_error, labels and batches, mse, the fused cross_entropy against a hand
// computation (labels, one-hot and soft targets, huge logits, the divisor), closed-form and
// numerical gradients of every loss, one_hot, and the error messages.
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/autograd/gradcheck.h"
#include "tensor/autograd/graph.h"
#include "tensor/functions.h"
#include "tensor/nn/loss.h"
#include "tests/test_util.h"

namespace concord::nn {
namespace {

using test_util::F32;
using test_util::F64;
using test_util::F64Fill;
using test_util::Hashed;
using test_util::HasValues;
using test_util::I64;
using test_util::ThrowsTensorError;
using test_util::Values;

using Args = std::vector<Tensor>;

// The classic example: the network says "2" with probability 0.6, and the label is 2.
const std::vector<double> kYRight = {0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0};
// The same probabilities with the 0.6 on 7 (and 0.1 on the label 2).
const std::vector<double> kYWrong = {0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0};
const std::vector<double> kT2 = {0, 0, 1, 0, 0, 0, 0, 0, 0, 0};

double Scalar0(const Tensor& t) {
  EXPECT_EQ(t.dim(), 0) << "losses return 0-dim tensors";
  return Values(t).at(0);
}

// The one-hot rows of labels, by hand.
std::vector<double> OneHot(const std::vector<int64_t>& labels, int64_t classes) {
  std::vector<double> out(labels.size() * classes, 0.0);
  for (size_t i = 0; i < labels.size(); ++i) out[i * classes + labels[i]] = 1;
  return out;
}

// log softmax of row i of a [n, c] matrix, element j, by the definition (long double).
double LogSoftmax(const std::vector<double>& x, int64_t c, int64_t i, int64_t j) {
  long double m = x[i * c];
  for (int64_t k = 1; k < c; ++k) m = std::max<long double>(m, x[i * c + k]);
  long double s = 0;
  for (int64_t k = 0; k < c; ++k) s += std::exp(static_cast<long double>(x[i * c + k]) - m);
  return static_cast<double>(static_cast<long double>(x[i * c + j]) - m - std::log(s));
}

// -sum_i sum_j t_ij log softmax(x)_ij / divisor.
double HandCrossEntropy(const std::vector<double>& x, const std::vector<double>& t, int64_t n, int64_t c,
                        double divisor) {
  long double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < c; ++j) total -= t[i * c + j] * LogSoftmax(x, c, i, j);
  }
  return static_cast<double>(total / divisor);
}

// ---- sum_squares_error and cross_entropy_error: known values ------------------------------

TEST(SumSquaresError, KnownValues) {
  EXPECT_NEAR(Scalar0(sum_squares_error(F64(kYRight, {10}), F64(kT2, {10}))), 0.0975, 1e-15);
  EXPECT_NEAR(Scalar0(sum_squares_error(F64(kYWrong, {10}), F64(kT2, {10}))), 0.5975, 1e-15);
  // float32 gives the same within float rounding.
  std::vector<float> y32(kYRight.begin(), kYRight.end()), t32(kT2.begin(), kT2.end());
  EXPECT_NEAR(Scalar0(sum_squares_error(F32(y32, {10}), F32(t32, {10}))), 0.0975, 1e-7);
  // 2-D: the sum over every element (no batch averaging).
  std::vector<double> y2 = kYRight, t2 = kT2;
  y2.insert(y2.end(), kYWrong.begin(), kYWrong.end());
  t2.insert(t2.end(), kT2.begin(), kT2.end());
  EXPECT_NEAR(Scalar0(sum_squares_error(F64(y2, {2, 10}), F64(t2, {2, 10}))), 0.0975 + 0.5975, 1e-15);
}

TEST(CrossEntropyError, KnownValues) {
  const double right = Scalar0(cross_entropy_error(F64(kYRight, {10}), F64(kT2, {10})));
  const double wrong = Scalar0(cross_entropy_error(F64(kYWrong, {10}), F64(kT2, {10})));
  EXPECT_NEAR(right, -std::log(0.6 + 1e-7), 1e-15);
  EXPECT_NEAR(right, 0.510825457, 1e-9);
  EXPECT_NEAR(wrong, -std::log(0.1 + 1e-7), 1e-15);
  EXPECT_NEAR(wrong, 2.302584092, 1e-9);
  // float32.
  std::vector<float> y32(kYRight.begin(), kYRight.end()), t32(kT2.begin(), kT2.end());
  EXPECT_NEAR(Scalar0(cross_entropy_error(F32(y32, {10}), F32(t32, {10}))), 0.510825457, 1e-6);
}

TEST(CrossEntropyError, ZeroProbabilityIsFinite) {
  // log(0 + 1e-7): the 1e-7 keeps the loss finite (-log 1e-7 = 16.118...).
  std::vector<double> y(10, 0.1);
  y[2] = 0.0;
  EXPECT_NEAR(Scalar0(cross_entropy_error(F64(y, {10}), F64(kT2, {10}))), -std::log(1e-7), 1e-12);
}

TEST(CrossEntropyError, Int64Labels) {
  // A 0-dim label, a [1] label vector with a [10] prediction, and [1, 10] with [1].
  EXPECT_NEAR(Scalar0(cross_entropy_error(F64(kYRight, {10}), I64({2}, {}))), -std::log(0.6 + 1e-7), 1e-15);
  EXPECT_NEAR(Scalar0(cross_entropy_error(F64(kYWrong, {10}), I64({2}, {}))), -std::log(0.1 + 1e-7), 1e-15);
  EXPECT_NEAR(Scalar0(cross_entropy_error(F64(kYRight, {1, 10}), I64({2}, {1}))), -std::log(0.6 + 1e-7), 1e-15);
  EXPECT_NEAR(Scalar0(cross_entropy_error(F64(kYWrong, {1, 10}), I64({7}, {1}))), -std::log(0.6 + 1e-7), 1e-15);
}

TEST(CrossEntropyError, BatchesAreAveraged) {
  std::vector<double> y = kYRight;
  y.insert(y.end(), kYWrong.begin(), kYWrong.end());
  const double want = (-std::log(0.6 + 1e-7) - std::log(0.1 + 1e-7)) / 2;
  // One-hot targets [2, 10].
  std::vector<double> t = kT2;
  t.insert(t.end(), kT2.begin(), kT2.end());
  EXPECT_NEAR(Scalar0(cross_entropy_error(F64(y, {2, 10}), F64(t, {2, 10}))), want, 1e-15);
  // Labels [2].
  EXPECT_NEAR(Scalar0(cross_entropy_error(F64(y, {2, 10}), I64({2, 2}, {2}))), want, 1e-15);
  EXPECT_NEAR(Scalar0(cross_entropy_error(F64(y, {2, 10}), I64({2, 7}, {2}))), -std::log(0.6 + 1e-7), 1e-15);
  // A batch of 3, labels 0, 5 and 7 on the "right" row: -(log .1 + log .1 + log .1) / 3.
  std::vector<double> y3 = kYRight;
  for (int k = 0; k < 2; ++k) y3.insert(y3.end(), kYRight.begin(), kYRight.end());
  EXPECT_NEAR(Scalar0(cross_entropy_error(F64(y3, {3, 10}), I64({0, 5, 7}, {3}))), -std::log(0.1 + 1e-7), 1e-15);
}

// ---- mse -----------------------------------------------------------------------------------

TEST(Mse, KnownValues) {
  // The classic example: sum of squares 0.195 over 10 elements.
  EXPECT_NEAR(Scalar0(mse(F64(kYRight, {10}), F64(kT2, {10}))), 0.0195, 1e-15);
  // [2, 3]: differences 1, -2, 0.5, 0, 3, -1 -> (1 + 4 + 0.25 + 0 + 9 + 1) / 6.
  Tensor y = F64({2, 0, 1.5, 4, 3, -1}, {2, 3});
  Tensor t = F64({1, 2, 1, 4, 0, 0}, {2, 3});
  EXPECT_NEAR(Scalar0(mse(y, t)), 15.25 / 6, 1e-15);
  EXPECT_EQ(Scalar0(mse(t, t)), 0.0);
}

// ---- cross_entropy (fused) -----------------------------------------------------------------

struct Logits {
  int64_t n, c;
  std::vector<double> x;
  std::vector<int64_t> labels;
};

Logits Example() {
  Logits l{4, 5, {}, {0, 3, 4, 1}};
  for (int64_t i = 0; i < l.n * l.c; ++i) l.x.push_back(3 * Hashed(i, 1));
  return l;
}

TEST(CrossEntropy, LabelsMatchHandComputation) {
  Logits l = Example();
  // -mean_i log softmax(x_i)[label_i].
  long double want = 0;
  for (int64_t i = 0; i < l.n; ++i) want -= LogSoftmax(l.x, l.c, i, l.labels[i]);
  want /= l.n;
  Tensor loss = cross_entropy(F64(l.x, {l.n, l.c}), I64(l.labels, {l.n}));
  EXPECT_NEAR(Scalar0(loss), static_cast<double>(want), 1e-14);
  // float32 logits.
  std::vector<float> x32(l.x.begin(), l.x.end());
  EXPECT_NEAR(Scalar0(cross_entropy(F32(x32, {l.n, l.c}), I64(l.labels, {l.n}))), static_cast<double>(want), 1e-5);
}

TEST(CrossEntropy, KnownValueOfUniformLogits) {
  // Equal logits over C classes: loss log C whatever the labels.
  EXPECT_NEAR(Scalar0(cross_entropy(F64(std::vector<double>(12, 0.7), {3, 4}), I64({0, 1, 3}, {3}))), std::log(4.0),
              1e-15);
}

TEST(CrossEntropy, OneHotTargetsEqualLabels) {
  Logits l = Example();
  Tensor x = F64(l.x, {l.n, l.c});
  const double by_labels = Scalar0(cross_entropy(x, I64(l.labels, {l.n})));
  const double by_one_hot = Scalar0(cross_entropy(x, F64(OneHot(l.labels, l.c), {l.n, l.c})));
  EXPECT_NEAR(by_labels, by_one_hot, 1e-15);
  EXPECT_NEAR(by_one_hot, HandCrossEntropy(l.x, OneHot(l.labels, l.c), l.n, l.c, l.n), 1e-14);
  // float32 one-hot targets with float64 logits.
  std::vector<float> oh32;
  for (double v : OneHot(l.labels, l.c)) oh32.push_back(static_cast<float>(v));
  EXPECT_NEAR(Scalar0(cross_entropy(x, F32(oh32, {l.n, l.c}))), by_labels, 1e-15);
}

TEST(CrossEntropy, SoftTargets) {
  Logits l = Example();
  std::vector<double> t(l.n * l.c);
  for (int64_t i = 0; i < l.n; ++i) {
    double s = 0;
    for (int64_t j = 0; j < l.c; ++j) s += t[i * l.c + j] = 1.5 + Hashed(i * l.c + j, 2);
    for (int64_t j = 0; j < l.c; ++j) t[i * l.c + j] /= s;
  }
  EXPECT_NEAR(Scalar0(cross_entropy(F64(l.x, {l.n, l.c}), F64(t, {l.n, l.c}))),
              HandCrossEntropy(l.x, t, l.n, l.c, l.n), 1e-14);
}

TEST(CrossEntropy, StableForHugeLogits) {
  // Row 0: [1000, 1001, 1002], label 0: log(1 + e + e^2). Row 1: [-1000, 0, 1000], label 1:
  // 1000 + log(1 + e^-1000 + e^-2000) = 1000.
  Tensor x = F64({1000, 1001, 1002, -1000, 0, 1000}, {2, 3});
  const double row0 = std::log(1 + std::exp(1.0) + std::exp(2.0));
  Tensor loss = cross_entropy(x, I64({0, 1}, {2}));
  ASSERT_TRUE(std::isfinite(Scalar0(loss))) << loss;
  EXPECT_NEAR(Scalar0(loss), (row0 + 1000) / 2, 1e-12);
  // The right label of a confident row: loss ~ 0, not NaN.
  EXPECT_NEAR(Scalar0(cross_entropy(F64({0, 5000}, {1, 2}), I64({1}, {1}))), 0.0, 1e-300);
  // float32.
  Tensor x32 = F32({1000.f, 1001.f, 1002.f}, {1, 3});
  EXPECT_NEAR(Scalar0(cross_entropy(x32, I64({0}, {1}))), row0, 1e-5);
  // And the gradient is finite: softmax - onehot.
  Tensor xg = F64({1000, 1001, 1002, -1000, 0, 1000}, {2, 3}).requires_grad_();
  cross_entropy(xg, I64({0, 1}, {2})).backward();
  for (double v : Values(xg.grad())) EXPECT_TRUE(std::isfinite(v)) << xg.grad();
}

TEST(CrossEntropy, DivisorDividesTheSum) {
  Logits l = Example();
  Tensor x = F64(l.x, {l.n, l.c});
  Tensor labels = I64(l.labels, {l.n});
  const double sum = HandCrossEntropy(l.x, OneHot(l.labels, l.c), l.n, l.c, 1.0);
  EXPECT_NEAR(Scalar0(cross_entropy(x, labels, 10.0)), sum / 10, 1e-14);
  EXPECT_NEAR(Scalar0(cross_entropy(x, labels, 1.0)), sum, 1e-13);
  EXPECT_NEAR(Scalar0(cross_entropy(x, labels, 2.5)), sum / 2.5, 1e-14);
  // The default is the batch size.
  EXPECT_NEAR(Scalar0(cross_entropy(x, labels, static_cast<double>(l.n))), Scalar0(cross_entropy(x, labels)), 1e-15);
  EXPECT_NEAR(Scalar0(cross_entropy(x, labels)), sum / l.n, 1e-14);
  // With one-hot targets too.
  EXPECT_NEAR(Scalar0(cross_entropy(x, F64(OneHot(l.labels, l.c), {l.n, l.c}), 16.0)), sum / 16, 1e-14);
  // Data parallel: two halves with the global batch as divisor sum to the whole batch's loss.
  Tensor top = x.narrow(0, 0, 2), bottom = x.narrow(0, 2, 2);
  const double halves = Scalar0(cross_entropy(top, labels.narrow(0, 0, 2), 4.0)) +
                        Scalar0(cross_entropy(bottom, labels.narrow(0, 2, 2), 4.0));
  EXPECT_NEAR(halves, sum / 4, 1e-14);
}

TEST(CrossEntropy, RejectsNonPositiveDivisor) {
  Logits l = Example();
  EXPECT_TRUE(ThrowsTensorError([&] { cross_entropy(F64(l.x, {l.n, l.c}), I64(l.labels, {l.n}), 0.0); }, {"divisor"}));
  EXPECT_TRUE(ThrowsTensorError([&] { cross_entropy(F64(l.x, {l.n, l.c}), I64(l.labels, {l.n}), -4.0); }, {"divisor"}));
}

// ---- Gradients: closed forms -----------------------------------------------------------------

TEST(LossGradient, CrossEntropyIsSoftmaxMinusOneHotOverDivisor) {
  Logits l = Example();
  for (double divisor : {4.0, 10.0, 1.0}) {
    Tensor x = F64(l.x, {l.n, l.c}).requires_grad_();
    cross_entropy(x, I64(l.labels, {l.n}), divisor).backward();
    std::vector<double> want(l.n * l.c);
    for (int64_t i = 0; i < l.n; ++i) {
      for (int64_t j = 0; j < l.c; ++j) {
        want[i * l.c + j] = (std::exp(LogSoftmax(l.x, l.c, i, j)) - (l.labels[i] == j ? 1 : 0)) / divisor;
      }
    }
    EXPECT_TRUE(HasValues(x.grad(), {l.n, l.c}, want, 1e-15)) << "divisor " << divisor;
  }
}

TEST(LossGradient, CrossEntropyScalesWithTheUpstreamGradientAndChains) {
  // loss = 3 * cross_entropy(2 x, labels): d/dx = 3 * 2 * (softmax(2x) - onehot) / N.
  Logits l = Example();
  Tensor x = F64(l.x, {l.n, l.c}).requires_grad_();
  (cross_entropy(x * 2.0, I64(l.labels, {l.n})) * 3.0).backward();
  std::vector<double> x2 = l.x;
  for (double& v : x2) v *= 2;
  std::vector<double> want(l.n * l.c);
  for (int64_t i = 0; i < l.n; ++i) {
    for (int64_t j = 0; j < l.c; ++j) {
      want[i * l.c + j] = 6.0 * (std::exp(LogSoftmax(x2, l.c, i, j)) - (l.labels[i] == j ? 1 : 0)) / l.n;
    }
  }
  EXPECT_TRUE(HasValues(x.grad(), {l.n, l.c}, want, 1e-14));
}

TEST(LossGradient, SoftTargetsClosedForm) {
  // Targets rows not summing to 1: d/dx_ij = (softmax_ij * sum_k t_ik - t_ij) / N.
  const std::vector<double> x = {0.5, -1, 2, 0, 1, 1};
  const std::vector<double> t = {0.2, 0.3, 0.1, 1, 0, 0.5};
  Tensor xt = F64(x, {2, 3}).requires_grad_();
  cross_entropy(xt, F64(t, {2, 3})).backward();
  std::vector<double> want(6);
  for (int i = 0; i < 2; ++i) {
    double rowsum = t[i * 3] + t[i * 3 + 1] + t[i * 3 + 2];
    for (int j = 0; j < 3; ++j) want[i * 3 + j] = (std::exp(LogSoftmax(x, 3, i, j)) * rowsum - t[i * 3 + j]) / 2;
  }
  EXPECT_TRUE(HasValues(xt.grad(), {2, 3}, want, 1e-15));
}

TEST(LossGradient, SumSquaresAndMseClosedForms) {
  // d SSE / dy = y - t; d mse / dy = 2 (y - t) / numel.
  const std::vector<double> y = {2, 0, 1.5, 4, 3, -1}, t = {1, 2, 1, 4, 0, 0};
  std::vector<double> d(6), d2(6);
  for (int i = 0; i < 6; ++i) {
    d[i] = y[i] - t[i];
    d2[i] = 2 * (y[i] - t[i]) / 6;
  }
  Tensor a = F64(y, {2, 3}).requires_grad_();
  sum_squares_error(a, F64(t, {2, 3})).backward();
  EXPECT_TRUE(HasValues(a.grad(), {2, 3}, d, 1e-15));
  Tensor b = F64(y, {2, 3}).requires_grad_();
  mse(b, F64(t, {2, 3})).backward();
  EXPECT_TRUE(HasValues(b.grad(), {2, 3}, d2, 1e-15));
}

TEST(LossGradient, CrossEntropyErrorClosedForm) {
  // d/dy_ij of -sum t log(y + 1e-7) / N = -t_ij / (y_ij + 1e-7) / N.
  std::vector<double> y = kYRight;
  y.insert(y.end(), kYWrong.begin(), kYWrong.end());
  std::vector<double> t = kT2;
  t.insert(t.end(), kT2.begin(), kT2.end());
  std::vector<double> want(20);
  for (int i = 0; i < 20; ++i) want[i] = -t[i] / (y[i] + 1e-7) / 2;
  Tensor a = F64(y, {2, 10}).requires_grad_();
  cross_entropy_error(a, F64(t, {2, 10})).backward();
  EXPECT_TRUE(HasValues(a.grad(), {2, 10}, want, 1e-12));
  Tensor b = F64(y, {2, 10}).requires_grad_();
  cross_entropy_error(b, I64({2, 2}, {2})).backward();
  EXPECT_TRUE(HasValues(b.grad(), {2, 10}, want, 1e-12));
}

// ---- gradcheck ------------------------------------------------------------------------------

void ExpectGradcheck(const char* name, const std::function<Tensor(const Args&)>& f, const Args& inputs) {
  GradcheckResult r = gradcheck(f, inputs);
  EXPECT_TRUE(r.ok) << name << ": " << r.message;
  EXPECT_EQ(r.worst_input, 0) << name << ": the first argument was not checked";
}

Tensor Randomish(const Shape& shape, uint64_t seed, double scale = 2.0) {
  return F64Fill(shape, [&](int64_t i) { return scale * Hashed(i, seed); }).requires_grad_();
}

// Probabilities in (0.05, 1): away from the 1e-7 pole of log.
Tensor Probabilities(const Shape& shape, uint64_t seed) {
  return F64Fill(shape, [&](int64_t i) { return 0.5 + 0.45 * Hashed(i, seed); }).requires_grad_();
}

TEST(LossGradcheck, EveryLossInItsFirstArgument) {
  Tensor t23 = F64Fill({2, 3}, [](int64_t i) { return Hashed(i, 50); });
  ExpectGradcheck("sum_squares_error", [&](const Args& a) { return sum_squares_error(a[0], t23); },
                  {Randomish({2, 3}, 1)});
  ExpectGradcheck("mse", [&](const Args& a) { return mse(a[0], t23); }, {Randomish({2, 3}, 2)});

  Tensor labels = I64({0, 3, 4, 1}, {4});
  ExpectGradcheck("cross_entropy labels", [&](const Args& a) { return cross_entropy(a[0], labels); },
                  {Randomish({4, 5}, 3)});
  ExpectGradcheck("cross_entropy labels divisor 7",
                  [&](const Args& a) { return cross_entropy(a[0], labels, 7.0); }, {Randomish({4, 5}, 4)});
  ExpectGradcheck("cross_entropy labels divisor 0.5",
                  [&](const Args& a) { return cross_entropy(a[0], labels, 0.5); }, {Randomish({4, 5}, 5)});
  Tensor oh = F64(OneHot({0, 3, 4, 1}, 5), {4, 5});
  ExpectGradcheck("cross_entropy one-hot", [&](const Args& a) { return cross_entropy(a[0], oh); },
                  {Randomish({4, 5}, 6)});
  ExpectGradcheck("cross_entropy one-hot divisor", [&](const Args& a) { return cross_entropy(a[0], oh, 3.0); },
                  {Randomish({4, 5}, 7)});
  Tensor soft = F64Fill({4, 5}, [](int64_t i) { return 0.2 + 0.1 * Hashed(i, 51); });
  ExpectGradcheck("cross_entropy soft", [&](const Args& a) { return cross_entropy(a[0], soft); },
                  {Randomish({4, 5}, 8)});
  ExpectGradcheck("cross_entropy huge logits", [&](const Args& a) { return cross_entropy(a[0], labels); },
                  {Randomish({4, 5}, 9, 1000.0)});
  // Inside a larger graph: cross_entropy(x * x, labels).
  ExpectGradcheck("cross_entropy composed", [&](const Args& a) { return cross_entropy(a[0] * a[0], labels); },
                  {Randomish({4, 5}, 10)});

  Tensor t10 = F64(kT2, {10});
  ExpectGradcheck("cross_entropy_error 1-D", [&](const Args& a) { return cross_entropy_error(a[0], t10); },
                  {Probabilities({10}, 11)});
  Tensor t2x = F64(OneHot({2, 9}, 10), {2, 10});
  ExpectGradcheck("cross_entropy_error 2-D", [&](const Args& a) { return cross_entropy_error(a[0], t2x); },
                  {Probabilities({2, 10}, 12)});
  Tensor l2 = I64({2, 9}, {2});
  ExpectGradcheck("cross_entropy_error labels", [&](const Args& a) { return cross_entropy_error(a[0], l2); },
                  {Probabilities({2, 10}, 13)});
}

// ---- one_hot --------------------------------------------------------------------------------

TEST(OneHot, ValuesShapeAndDtype) {
  Tensor oh = one_hot(I64({2, 0, 3, 2}, {4}), 5);
  EXPECT_EQ(oh.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(oh, {4, 5}, OneHot({2, 0, 3, 2}, 5)));
  Tensor oh64 = one_hot(I64({1}, {1}), 3, kFloat64);
  EXPECT_EQ(oh64.dtype(), kFloat64);
  EXPECT_TRUE(HasValues(oh64, {1, 3}, {0, 1, 0}));
  Tensor empty = one_hot(I64({}, {0}), 4);
  EXPECT_EQ(empty.shape(), (Shape{0, 4}));
}

TEST(OneHot, Errors) {
  EXPECT_TRUE(ThrowsTensorError([] { one_hot(I64({0, 5}, {2}), 5); }, {"5"}));
  EXPECT_TRUE(ThrowsTensorError([] { one_hot(I64({-1}, {1}), 5); }, {"-1"}));
  EXPECT_TRUE(ThrowsTensorError([] { one_hot(F64({1}, {1}), 5); }, {"float64"}));
  EXPECT_TRUE(ThrowsTensorError([] { one_hot(I64({1, 2}, {1, 2}), 5); }, {"[1, 2]"}));
}

// ---- Errors ---------------------------------------------------------------------------------

TEST(LossErrors, ShapeMismatchNamesBothShapes) {
  Tensor y = zeros({2, 3}, kFloat64), t = zeros({3, 2}, kFloat64);
  EXPECT_TRUE(ThrowsTensorError([&] { sum_squares_error(y, t); }, {"[2, 3]", "[3, 2]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { mse(y, t); }, {"[2, 3]", "[3, 2]"}));
  // No silent broadcasting of a [3] target against [2, 3].
  EXPECT_TRUE(ThrowsTensorError([&] { mse(y, zeros({3}, kFloat64)); }, {"[2, 3]", "[3]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { cross_entropy(y, zeros({2, 4}, kFloat64)); }, {"[2, 3]", "[2, 4]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { cross_entropy_error(zeros({10}, kFloat64), zeros({9}, kFloat64)); },
                                {"10", "9"}));
  EXPECT_TRUE(
      ThrowsTensorError([&] { cross_entropy_error(zeros({2, 10}, kFloat64), zeros({3, 10}, kFloat64)); },
                        {"[2, 10]", "[3, 10]"}));
}

TEST(LossErrors, CrossEntropyLabels) {
  Tensor x = zeros({2, 4}, kFloat64);
  // Wrong count.
  EXPECT_TRUE(ThrowsTensorError([&] { cross_entropy(x, I64({0, 1, 2}, {3})); }, {"[2, 4]", "[3]"}));
  // 2-D labels.
  EXPECT_TRUE(ThrowsTensorError([&] { cross_entropy(x, I64({0, 1}, {2, 1})); }, {"[2, 1]"}));
  // Out of range, both ends: the message names the label.
  EXPECT_TRUE(ThrowsTensorError([&] { cross_entropy(x, I64({0, 4}, {2})); }, {"4"}));
  EXPECT_TRUE(ThrowsTensorError([&] { cross_entropy(x, I64({-1, 0}, {2})); }, {"-1"}));
  EXPECT_TRUE(ThrowsTensorError([&] { cross_entropy_error(x, I64({0, 9}, {2})); }, {"9"}));
  // Logits not [N, C].
  EXPECT_TRUE(ThrowsTensorError([&] { cross_entropy(zeros({4}, kFloat64), I64({1}, {1})); }, {"[4]"}));
  // Integer logits.
  EXPECT_TRUE(ThrowsTensorError([&] { cross_entropy(I64({1, 2}, {1, 2}), I64({1}, {1})); }, {"int64"}));
}

}  // namespace
}  // namespace concord::nn
