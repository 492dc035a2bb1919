// Numerical differentiation (the known values of the classic texts) and a gradcheck of every
// differentiable op against central differences in float64, at 1e-6.
#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/autograd/gradcheck.h"
#include "tensor/autograd/graph.h"
#include "tensor/functions.h"

namespace concord {
namespace {

using Args = std::vector<Tensor>;

// ---- numerical_diff / numerical_gradient: known values -----------------------------------
double Function1(double x) { return 0.01 * x * x + 0.1 * x; }

TEST(NumericalDiff, KnownValues) {
  EXPECT_NEAR(numerical_diff(Function1, 5.0), 0.2, 1e-9);
  EXPECT_NEAR(numerical_diff(Function1, 10.0), 0.3, 1e-9);
  // The value the textbook prints for h = 1e-4 in float64.
  EXPECT_NEAR(numerical_diff(Function1, 5.0), 0.1999999999990898, 1e-15);
}

Tensor Function2(const Tensor& x) { return (x * x).sum(); }

TEST(NumericalGradient, KnownValues) {
  auto check = [](std::initializer_list<double> at, std::initializer_list<double> want) {
    Tensor g = numerical_gradient(Function2, from_vector(std::vector<double>(at), {2}));
    Tensor expected = from_vector(std::vector<double>(want), {2});
    EXPECT_TRUE(g.allclose(expected, 0, 1e-7)) << g;
  };
  check({3., 4.}, {6., 8.});
  check({0., 2.}, {0., 4.});
  check({3., 0.}, {6., 0.});
}

TEST(NumericalGradient, DoesNotChangeItsArgument) {
  Tensor x = tensor({3., 4.}, kFloat64);
  numerical_gradient(Function2, x);
  EXPECT_TRUE(x.equal(tensor({3., 4.}, kFloat64)));
}

TEST(NumericalGradient, GradientDescentReachesTheOrigin) {
  Tensor x = tensor({-3., 4.}, kFloat64);
  for (int step = 0; step < 100; ++step) x = x - 0.1 * numerical_gradient(Function2, x);
  EXPECT_LT(std::fabs(x[0].item()), 1e-9);
  EXPECT_LT(std::fabs(x[1].item()), 1e-9);
}

TEST(NumericalGradient, AgreesWithAutograd) {
  Tensor x = tensor({3., 4.}, kFloat64).requires_grad_();
  Function2(x).backward();
  EXPECT_TRUE(x.grad().allclose(numerical_gradient(Function2, x.detach()), 1e-8, 1e-8));
}

// ---- gradcheck ----------------------------------------------------------------------------
Tensor Randn(const Shape& shape, uint64_t seed) {
  Generator gen(seed);
  return randn(shape, gen, kFloat64).requires_grad_();
}

// Positive values away from 0, for log, sqrt, div and pow.
Tensor Positive(const Shape& shape, uint64_t seed) {
  Generator gen(seed);
  return (rand(shape, gen, kFloat64) + 0.5).requires_grad_();
}

void ExpectGradcheck(const std::function<Tensor(const Args&)>& f, const Args& inputs) {
  GradcheckResult r = gradcheck(f, inputs);
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_GE(r.worst_input, 0) << "nothing was checked";
}

TEST(Gradcheck, ReportsAWrongGradient) {
  // A deliberately wrong formula must fail: x.detach() * x has gradient x, not 2x.
  auto wrong = [](const Args& a) { return (a[0].detach() * a[0]).sum(); };
  auto right = [](const Args& a) { return (a[0] * a[0]).sum(); };
  Tensor x = Positive({3}, 1);
  Tensor xd = x.detach().requires_grad_();
  // Compare autograd of `wrong` with the numerical gradient of `right` by hand.
  wrong({xd}).backward();
  Tensor numeric = numerical_gradient([&](const Tensor& t) { return right({t}); }, x.detach());
  EXPECT_FALSE(xd.grad().allclose(numeric, 1e-6, 1e-6));
  // And gradcheck itself catches a function whose autograd disagrees with its values.
  GradcheckResult r = gradcheck(wrong, {x});
  EXPECT_FALSE(r.ok) << r.message;
  EXPECT_NE(r.message.find("FAILED"), std::string::npos);
}

TEST(Gradcheck, Arithmetic) {
  ExpectGradcheck([](const Args& a) { return a[0] + a[1]; }, {Randn({2, 3}, 1), Randn({2, 3}, 2)});
  ExpectGradcheck([](const Args& a) { return add(a[0], a[1], 2.5); }, {Randn({2, 3}, 1), Randn({3}, 2)});
  ExpectGradcheck([](const Args& a) { return a[0] - a[1]; }, {Randn({2, 3}, 3), Randn({2, 1}, 4)});
  ExpectGradcheck([](const Args& a) { return sub(a[0], a[1], 0.5); }, {Randn({4}, 3), Randn({4}, 4)});
  ExpectGradcheck([](const Args& a) { return a[0] * a[1]; }, {Randn({3, 1}, 5), Randn({1, 4}, 6)});
  ExpectGradcheck([](const Args& a) { return a[0] / a[1]; }, {Randn({2, 3}, 7), Positive({3}, 8)});
  ExpectGradcheck([](const Args& a) { return -a[0]; }, {Randn({5}, 9)});
  ExpectGradcheck([](const Args& a) { return a[0] * 3.0 + 1.0; }, {Randn({5}, 10)});
  ExpectGradcheck([](const Args& a) { return 2.0 / a[0] - 1.0; }, {Positive({5}, 11)});
}

TEST(Gradcheck, BroadcastingToScalarAndLeadingDims) {
  ExpectGradcheck([](const Args& a) { return a[0] * a[1]; }, {Randn({2, 3, 4}, 1), Randn({}, 2)});
  ExpectGradcheck([](const Args& a) { return a[0] + a[1]; }, {Randn({1, 3, 1}, 3), Randn({2, 1, 4}, 4)});
}

TEST(Gradcheck, UnaryMath) {
  ExpectGradcheck([](const Args& a) { return exp(a[0]); }, {Randn({2, 3}, 1)});
  ExpectGradcheck([](const Args& a) { return log(a[0]); }, {Positive({2, 3}, 2)});
  ExpectGradcheck([](const Args& a) { return sqrt(a[0]); }, {Positive({2, 3}, 3)});
  ExpectGradcheck([](const Args& a) { return abs(a[0]); }, {Randn({7}, 4)});
  ExpectGradcheck([](const Args& a) { return pow(a[0], 3.0); }, {Randn({2, 3}, 5)});
  ExpectGradcheck([](const Args& a) { return pow(a[0], -1.5); }, {Positive({2, 3}, 6)});
  ExpectGradcheck([](const Args& a) { return pow(a[0], a[1]); }, {Positive({2, 3}, 7), Randn({2, 3}, 8)});
  ExpectGradcheck([](const Args& a) { return a[0].clamp(-0.5, 0.5); }, {Randn({10}, 9)});
  ExpectGradcheck([](const Args& a) { return a[0].clamp(0.0); }, {Randn({10}, 10)});
}

TEST(Gradcheck, MaximumMinimumWhere) {
  ExpectGradcheck([](const Args& a) { return maximum(a[0], a[1]); }, {Randn({6}, 1), Randn({6}, 2)});
  ExpectGradcheck([](const Args& a) { return minimum(a[0], a[1]); }, {Randn({2, 3}, 3), Randn({3}, 4)});
  Tensor mask = tensor({true, false, true, false});
  ExpectGradcheck([mask](const Args& a) { return where(mask, a[0], a[1]); }, {Randn({4}, 5), Randn({2, 4}, 6)});
}

TEST(Gradcheck, Reductions) {
  ExpectGradcheck([](const Args& a) { return a[0].sum(); }, {Randn({2, 3}, 1)});
  ExpectGradcheck([](const Args& a) { return a[0].sum(1); }, {Randn({2, 3}, 2)});
  ExpectGradcheck([](const Args& a) { return a[0].sum(0, true); }, {Randn({2, 3}, 3)});
  ExpectGradcheck([](const Args& a) { return a[0].sum(-1, true); }, {Randn({2, 3, 4}, 3)});
  ExpectGradcheck([](const Args& a) { return a[0].mean(); }, {Randn({2, 3}, 4)});
  ExpectGradcheck([](const Args& a) { return a[0].mean(0); }, {Randn({2, 3}, 5)});
  ExpectGradcheck([](const Args& a) { return a[0].max(); }, {Randn({2, 3}, 6)});
  ExpectGradcheck([](const Args& a) { return a[0].min(); }, {Randn({2, 3}, 7)});
  ExpectGradcheck([](const Args& a) { return a[0].max(1); }, {Randn({3, 4}, 8)});
  ExpectGradcheck([](const Args& a) { return a[0].min(0, true); }, {Randn({3, 4}, 9)});
}

TEST(Gradcheck, LinearAlgebra) {
  ExpectGradcheck([](const Args& a) { return mm(a[0], a[1]); }, {Randn({3, 4}, 1), Randn({4, 2}, 2)});
  ExpectGradcheck([](const Args& a) { return mm(a[0], a[1].t()); }, {Randn({3, 4}, 1), Randn({2, 4}, 2)});
  ExpectGradcheck([](const Args& a) { return addmm(a[0], a[1], a[2].t()); },
                  {Randn({2}, 3), Randn({3, 4}, 1), Randn({2, 4}, 2)});
  ExpectGradcheck([](const Args& a) { return linear(a[0], a[1], a[2]); },
                  {Randn({3, 4}, 1), Randn({2, 4}, 2), Randn({2}, 3)});
  ExpectGradcheck([](const Args& a) { return linear(a[0], a[1]); }, {Randn({3, 4}, 4), Randn({2, 4}, 5)});
  ExpectGradcheck([](const Args& a) { return dot(a[0], a[1]); }, {Randn({5}, 3), Randn({5}, 4)});
  ExpectGradcheck([](const Args& a) { return matmul(a[0], a[1]); }, {Randn({4}, 5), Randn({4, 3}, 6)});
  ExpectGradcheck([](const Args& a) { return matmul(a[0], a[1]); }, {Randn({3, 4}, 7), Randn({4}, 8)});
  ExpectGradcheck([](const Args& a) { return matmul(a[0], a[1]); }, {Randn({2, 3, 4}, 9), Randn({2, 4, 5}, 10)});
  ExpectGradcheck([](const Args& a) { return matmul(a[0], a[1]); }, {Randn({2, 3, 4}, 11), Randn({4, 5}, 12)});
  ExpectGradcheck([](const Args& a) { return matmul(a[0], a[1]); }, {Randn({1, 3, 4}, 13), Randn({2, 4, 2}, 14)});
}

TEST(Gradcheck, Views) {
  ExpectGradcheck([](const Args& a) { return a[0].view({3, 2}); }, {Randn({2, 3}, 1)});
  ExpectGradcheck([](const Args& a) { return a[0].view({-1}); }, {Randn({2, 3}, 1)});
  ExpectGradcheck([](const Args& a) { return a[0].t().reshape({6}); }, {Randn({2, 3}, 2)});
  ExpectGradcheck([](const Args& a) { return a[0].transpose(0, 2); }, {Randn({2, 3, 4}, 3)});
  ExpectGradcheck([](const Args& a) { return a[0].permute({2, 0, 1}); }, {Randn({2, 3, 4}, 4)});
  ExpectGradcheck([](const Args& a) { return a[0].squeeze(); }, {Randn({2, 1, 3, 1}, 5)});
  ExpectGradcheck([](const Args& a) { return a[0].squeeze(1); }, {Randn({2, 1, 3}, 5)});
  ExpectGradcheck([](const Args& a) { return a[0].unsqueeze(1); }, {Randn({2, 3}, 6)});
  ExpectGradcheck([](const Args& a) { return a[0].flatten(); }, {Randn({2, 3, 2}, 6)});
  ExpectGradcheck([](const Args& a) { return a[0].expand({4, 2, 3}); }, {Randn({2, 1}, 7)});
  ExpectGradcheck([](const Args& a) { return a[0].contiguous(); }, {Randn({2, 3}, 8)});
  ExpectGradcheck([](const Args& a) { return a[0].t().contiguous(); }, {Randn({2, 3}, 8)});
  ExpectGradcheck([](const Args& a) { return a[0].clone() * 2.0; }, {Randn({2, 3}, 8)});
}

TEST(Gradcheck, IndexingAndSlicing) {
  ExpectGradcheck([](const Args& a) { return a[0].select(1, 2); }, {Randn({2, 4}, 1)});
  ExpectGradcheck([](const Args& a) { return a[0][1]; }, {Randn({3, 2}, 2)});
  ExpectGradcheck([](const Args& a) { return a[0].narrow(0, 1, 2); }, {Randn({4, 3}, 3)});
  ExpectGradcheck([](const Args& a) { return a[0].slice(1, 0, 5, 2); }, {Randn({2, 5}, 4)});
  Tensor idx = tensor({2, 0, 2, 1});  // repeats: the gradient adds up
  ExpectGradcheck([idx](const Args& a) { return a[0].index_select(0, idx); }, {Randn({3, 2}, 5)});
  ExpectGradcheck([idx](const Args& a) { return a[0].index_select(1, idx); }, {Randn({2, 3}, 6)});
}

TEST(Gradcheck, JoiningAndSplitting) {
  ExpectGradcheck([](const Args& a) { return cat({a[0], a[1]}, 0); }, {Randn({2, 3}, 1), Randn({1, 3}, 2)});
  ExpectGradcheck([](const Args& a) { return cat({a[0], a[1]}, 1); }, {Randn({2, 3}, 3), Randn({2, 2}, 4)});
  ExpectGradcheck([](const Args& a) { return stack({a[0], a[1]}, 1); }, {Randn({2, 3}, 5), Randn({2, 3}, 6)});
  ExpectGradcheck([](const Args& a) { return a[0].split(2, 1)[1] * 2.0; }, {Randn({2, 5}, 7)});
  ExpectGradcheck(
      [](const Args& a) {
        std::vector<Tensor> parts = a[0].chunk(3, 0);
        return parts[0].sum() + (parts[2] * parts[2]).sum();
      },
      {Randn({5, 2}, 8)});
}

TEST(Gradcheck, DTypeConversion) {
  // The float32 round trip rounds each value by ~1e-7, which the central difference divides
  // by 2h = 2e-4: only ~1e-3 agreement is possible here.
  GradcheckResult r = gradcheck([](const Args& a) { return a[0].to(kFloat32).to(kFloat64) * 1.0; },
                                {Randn({3}, 1)}, /*tol=*/1e-3);
  EXPECT_TRUE(r.ok) << r.message;
  Tensor x = tensor({1., 2.}, kFloat64).requires_grad_();
  (x.to(kFloat32) * tensor({3.f, 4.f})).sum().backward();
  EXPECT_EQ(x.grad().dtype(), kFloat64);
  EXPECT_TRUE(x.grad().equal(tensor({3., 4.}, kFloat64)));
}

TEST(Gradcheck, Composite) {
  // A small MLP-like expression through many ops at once.
  ExpectGradcheck(
      [](const Args& a) {
        Tensor h = mm(a[0], a[1].t()) + a[2];
        h = maximum(h, zeros({}, kFloat64));
        Tensor z = h - h.max(1, true);
        return (z.exp().sum(1).log() - z.select(1, 0)).mean();
      },
      {Randn({4, 3}, 1), Randn({5, 3}, 2), Randn({5}, 3)});
}

}  // namespace
}  // namespace concord
