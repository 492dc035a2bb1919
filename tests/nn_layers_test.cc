// Layers and models (tensor/nn/linear.h, module.h, sequential.h): Linear's shapes, parameter
// names, forward (against a naive loop), weight-init statistics and seeding; Sequential and
// MakeMlp's naming, parameter counts and ToString; Module::zero_grad and train/eval; and the
// gradients of Linear and of an MLP w.r.t. input and every parameter (closed forms and central
// differences).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/autograd/gradcheck.h"
#include "tensor/autograd/graph.h"
#include "tensor/functions.h"
#include "tensor/nn/activation.h"
#include "tensor/nn/linear.h"
#include "tensor/nn/module.h"
#include "tensor/nn/sequential.h"
#include "tests/test_util.h"

namespace concord::nn {
namespace {

using test_util::F64;
using test_util::F64Fill;
using test_util::Hashed;
using test_util::HasValues;
using test_util::ThrowsTensorError;
using test_util::Values;

// Sets a parameter's values (under NoGradGuard, through a detached alias of its storage).
void SetValues(const Tensor& p, const std::vector<double>& v) {
  autograd::NoGradGuard no_grad;
  ASSERT_EQ(static_cast<int64_t>(v.size()), p.numel());
  p.detach().copy_(F64(v, p.shape()));
}

// Row-major naive x [n, in] W^T [in, out] + b: y[i][j] = sum_k x[i][k] W[j][k] + b[j].
std::vector<double> NaiveLinear(const std::vector<double>& x, const std::vector<double>& w,
                                const std::vector<double>& b, int64_t n, int64_t in, int64_t out) {
  std::vector<double> y(n * out);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < out; ++j) {
      double acc = b[j];
      for (int64_t k = 0; k < in; ++k) acc += x[i * in + k] * w[j * in + k];
      y[i * out + j] = acc;
    }
  }
  return y;
}

struct Moments {
  double mean;
  double std;
};
Moments MomentsOf(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  const double mean = s / static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return {mean, std::sqrt(ss / static_cast<double>(v.size()))};
}

// Compares autograd's gradient of sum(module(x) * r) w.r.t. every parameter with central
// differences of the same function, moving the parameter's own storage (so Forward's real
// graph is what is checked). err = |a - n| / max(1, |a|, |n|).
void ExpectParameterGradientsMatchNumeric(Module& m, const Tensor& x, double tol = 1e-6) {
  Tensor r;
  {
    autograd::NoGradGuard no_grad;
    Tensor y = m.Forward(x);
    r = F64Fill(y.shape(), [](int64_t i) { return 0.75 + 0.5 * Hashed(i, 99); });
  }
  for (const Tensor& p : m.parameters()) p.set_grad(Tensor());
  (m.Forward(x) * r).sum().backward();
  for (const auto& [name, p] : m.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name << " got no gradient";
    const std::vector<double> analytic = Values(p.grad());
    const Tensor saved = p.detach().clone();
    Tensor numeric = numerical_gradient(
        [&](const Tensor& moved) {
          p.detach().copy_(moved);
          return (m.Forward(x) * r).sum();
        },
        saved);
    {
      autograd::NoGradGuard no_grad;
      p.detach().copy_(saved);
    }
    const std::vector<double> num = Values(numeric);
    ASSERT_EQ(analytic.size(), num.size());
    for (size_t i = 0; i < num.size(); ++i) {
      const double err =
          std::fabs(analytic[i] - num[i]) / std::max({1.0, std::fabs(analytic[i]), std::fabs(num[i])});
      EXPECT_LE(err, tol) << name << " element " << i << ": autograd " << analytic[i] << " vs numerical "
                          << num[i];
    }
  }
}

// ---- Linear: structure ----------------------------------------------------------------------

TEST(Linear, ShapesNamesAndDtype) {
  Generator gen(1);
  Linear fc(3, 4, Init::kHe, gen);
  EXPECT_EQ(fc.weight().shape(), (Shape{4, 3}));
  EXPECT_EQ(fc.bias().shape(), (Shape{4}));
  EXPECT_EQ(fc.weight().dtype(), kFloat32);
  EXPECT_EQ(fc.bias().dtype(), kFloat32);
  auto named = fc.named_parameters();
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].first, "weight");
  EXPECT_EQ(named[1].first, "bias");
  // The listed parameters are the layer's own tensors, not copies.
  EXPECT_TRUE(named[0].second.is_same(fc.weight()));
  EXPECT_TRUE(named[1].second.is_same(fc.bias()));
  auto params = fc.parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_TRUE(params[0].is_same(fc.weight()));
  EXPECT_TRUE(params[1].is_same(fc.bias()));
  for (const Tensor& p : params) {
    EXPECT_TRUE(p.requires_grad());
    EXPECT_TRUE(p.is_leaf());
  }
  EXPECT_EQ(fc.num_parameters(), 3 * 4 + 4);

  Linear fc64(2, 5, Init::kXavier, gen, kFloat64);
  EXPECT_EQ(fc64.weight().dtype(), kFloat64);
  EXPECT_EQ(fc64.bias().dtype(), kFloat64);
  EXPECT_EQ(fc64.weight().shape(), (Shape{5, 2}));
}

TEST(Linear, ToString) {
  Generator gen(1);
  EXPECT_EQ(Linear(784, 100, Init::kHe, gen).ToString(), "Linear(in_features=784, out_features=100)");
  EXPECT_EQ(Linear(3, 1, Init::kStd001, gen).ToString(), "Linear(in_features=3, out_features=1)");
}

TEST(Linear, RejectsNonPositiveFeatures) {
  Generator gen(1);
  EXPECT_TRUE(ThrowsTensorError([&] { Linear(0, 3, Init::kHe, gen); }));
  EXPECT_TRUE(ThrowsTensorError([&] { Linear(3, -1, Init::kHe, gen); }));
}

// ---- Linear: forward ------------------------------------------------------------------------

TEST(Linear, ForwardMatchesNaiveLoopFloat64) {
  Generator gen(7);
  const int64_t n = 4, in = 5, out = 3;
  Linear fc(in, out, Init::kHe, gen, kFloat64);
  std::vector<double> w(out * in), b(out);
  for (int64_t i = 0; i < out * in; ++i) w[i] = Hashed(i, 1);
  for (int64_t i = 0; i < out; ++i) b[i] = 2 * Hashed(i, 2);
  SetValues(fc.weight(), w);
  SetValues(fc.bias(), b);
  std::vector<double> x(n * in);
  for (int64_t i = 0; i < n * in; ++i) x[i] = 3 * Hashed(i, 3);
  Tensor y = fc.Forward(F64(x, {n, in}));
  EXPECT_EQ(y.dtype(), kFloat64);
  EXPECT_TRUE(HasValues(y, {n, out}, NaiveLinear(x, w, b, n, in, out), 1e-12));
  // operator() is Forward.
  EXPECT_TRUE(HasValues(fc(F64(x, {n, in})), {n, out}, NaiveLinear(x, w, b, n, in, out), 1e-12));
}

TEST(Linear, ForwardWithInitialWeightsFloat32) {
  Generator gen(11);
  const int64_t n = 6, in = 9, out = 4;
  Linear fc(in, out, Init::kXavier, gen);
  // Initial weights as drawn; a non-zero bias so that its broadcast over rows is checked.
  std::vector<double> b = {0.5, -1.0, 0.25, 2.0};
  SetValues(fc.bias(), b);
  const std::vector<double> w = Values(fc.weight());
  std::vector<double> x(n * in);
  for (int64_t i = 0; i < n * in; ++i) x[i] = static_cast<float>(Hashed(i, 4));
  std::vector<float> xf(x.begin(), x.end());
  Tensor y = fc.Forward(test_util::F32(xf, {n, in}));
  EXPECT_EQ(y.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(y, {n, out}, NaiveLinear(x, w, b, n, in, out), 1e-5));
}

TEST(Linear, ForwardOfABatchOfOne) {
  Generator gen(3);
  Linear fc(2, 2, Init::kHe, gen, kFloat64);
  SetValues(fc.weight(), {1, 2, 3, 4});
  SetValues(fc.bias(), {10, 20});
  // [1, 2] W^T + b = [1*1 + 2*2 + 10, 1*3 + 2*4 + 20].
  EXPECT_TRUE(HasValues(fc.Forward(F64({1, 2}, {1, 2})), {1, 2}, {15, 31}));
}

TEST(Linear, ForwardRejectsWrongInputShape) {
  Generator gen(3);
  Linear fc(5, 2, Init::kHe, gen);
  EXPECT_TRUE(ThrowsTensorError([&] { fc.Forward(zeros({4, 6})); }, {"[4, 6]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { fc.Forward(zeros({2, 3, 5})); }, {"[2, 3, 5]"}));
}

// ---- Linear: initialisation -----------------------------------------------------------------

void ExpectInitStd(Init init, int64_t in, int64_t out, double expected_std) {
  Generator gen(2024);
  Linear fc(in, out, init, gen, kFloat64);
  Moments m = MomentsOf(Values(fc.weight()));
  // 1000 x 500 samples: the std estimate's standard error is ~0.1%; 5% is far outside noise.
  EXPECT_NEAR(m.std, expected_std, 0.05 * expected_std) << InitName(init);
  EXPECT_LT(std::fabs(m.mean), 0.02 * expected_std) << InitName(init);
  // Normal, not uniform: about 68.3% of the draws within one std.
  std::vector<double> w = Values(fc.weight());
  double within = 0;
  for (double v : w) within += std::fabs(v) <= expected_std ? 1 : 0;
  EXPECT_NEAR(within / static_cast<double>(w.size()), 0.6827, 0.01) << InitName(init);
  // Biases start at zero.
  for (double v : Values(fc.bias())) EXPECT_EQ(v, 0.0) << InitName(init);
}

TEST(LinearInit, HeStdIsSqrtTwoOverFanIn) { ExpectInitStd(Init::kHe, 1000, 500, std::sqrt(2.0 / 1000)); }
TEST(LinearInit, XavierStdIsSqrtOneOverFanIn) { ExpectInitStd(Init::kXavier, 1000, 500, std::sqrt(1.0 / 1000)); }
TEST(LinearInit, Std001StdIsOneHundredth) { ExpectInitStd(Init::kStd001, 1000, 500, 0.01); }

TEST(LinearInit, HeDependsOnFanInNotFanOut) {
  Generator gen(5);
  Linear fc(50, 4000, Init::kHe, gen, kFloat64);
  EXPECT_NEAR(MomentsOf(Values(fc.weight())).std, std::sqrt(2.0 / 50), 0.05 * std::sqrt(2.0 / 50));
}

TEST(LinearInit, Float32BiasIsZero) {
  Generator gen(5);
  Linear fc(7, 13, Init::kHe, gen);
  for (double v : Values(fc.bias())) EXPECT_EQ(v, 0.0);
}

TEST(LinearInit, SameSeedSameWeights) {
  Generator g1(42), g2(42), g3(43);
  Linear a(20, 10, Init::kHe, g1);
  Linear b(20, 10, Init::kHe, g2);
  Linear c(20, 10, Init::kHe, g3);
  EXPECT_EQ(Values(a.weight()), Values(b.weight()));
  EXPECT_NE(Values(a.weight()), Values(c.weight()));
  // The generator moves on: the next layer from g1 differs from the first.
  Linear a2(20, 10, Init::kHe, g1);
  EXPECT_NE(Values(a.weight()), Values(a2.weight()));
  // And is reproduced by the same sequence on a fresh generator of the same seed.
  Generator g4(42);
  Linear d1(20, 10, Init::kHe, g4);
  Linear d2(20, 10, Init::kHe, g4);
  EXPECT_EQ(Values(a2.weight()), Values(d2.weight()));
}

TEST(LinearInit, ParseInitAndInitName) {
  ASSERT_TRUE(ParseInit("he").ok());
  EXPECT_EQ(*ParseInit("he"), Init::kHe);
  EXPECT_EQ(*ParseInit("xavier"), Init::kXavier);
  EXPECT_EQ(*ParseInit("std001"), Init::kStd001);
  EXPECT_EQ(*ParseInit("0.01"), Init::kStd001);
  for (Init i : {Init::kHe, Init::kXavier, Init::kStd001}) EXPECT_EQ(*ParseInit(InitName(i)), i);
  auto bad = ParseInit("kaiming");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(bad.status().message()).find("kaiming"), std::string::npos) << bad.status();
}

// ---- Linear: gradients ----------------------------------------------------------------------

TEST(LinearGradient, ClosedForms) {
  // L = sum(r * (x W^T + b)): dL/dW = r^T x, dL/db = sum over rows of r, dL/dx = r W.
  Generator gen(9);
  const int64_t n = 3, in = 4, out = 2;
  Linear fc(in, out, Init::kHe, gen, kFloat64);
  std::vector<double> w(out * in), b = {0.3, -0.2};
  for (int64_t i = 0; i < out * in; ++i) w[i] = Hashed(i, 5);
  SetValues(fc.weight(), w);
  SetValues(fc.bias(), b);
  std::vector<double> xv(n * in), rv(n * out);
  for (int64_t i = 0; i < n * in; ++i) xv[i] = Hashed(i, 6);
  for (int64_t i = 0; i < n * out; ++i) rv[i] = Hashed(i, 7);
  Tensor x = F64(xv, {n, in}).requires_grad_();
  (fc.Forward(x) * F64(rv, {n, out})).sum().backward();

  std::vector<double> dw(out * in, 0), db(out, 0), dx(n * in, 0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < out; ++j) {
      db[j] += rv[i * out + j];
      for (int64_t k = 0; k < in; ++k) {
        dw[j * in + k] += rv[i * out + j] * xv[i * in + k];
        dx[i * in + k] += rv[i * out + j] * w[j * in + k];
      }
    }
  }
  EXPECT_TRUE(HasValues(fc.weight().grad(), {out, in}, dw, 1e-12));
  EXPECT_TRUE(HasValues(fc.bias().grad(), {out}, db, 1e-12));
  EXPECT_TRUE(HasValues(x.grad(), {n, in}, dx, 1e-12));
}

TEST(LinearGradient, GradcheckInput) {
  Generator gen(10);
  Linear fc(4, 3, Init::kHe, gen, kFloat64);
  SetValues(fc.bias(), {0.1, -0.4, 0.7});
  Tensor x = F64Fill({5, 4}, [](int64_t i) { return Hashed(i, 8); }).requires_grad_();
  GradcheckResult r = gradcheck([&](const std::vector<Tensor>& a) { return fc.Forward(a[0]); }, {x});
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.worst_input, 0) << "nothing was checked";
}

TEST(LinearGradient, WeightAndBiasMatchNumeric) {
  // Forward's own graph, differentiated w.r.t. the layer's weight and bias, against central
  // differences that move those parameters in place.
  Generator gen(12);
  Linear fc(3, 2, Init::kXavier, gen, kFloat64);
  SetValues(fc.bias(), {0.5, -0.5});
  Tensor x = F64Fill({4, 3}, [](int64_t i) { return Hashed(i, 9); });
  ExpectParameterGradientsMatchNumeric(fc, x);
}

TEST(LinearGradient, ParameterGradientsAccumulateAndZeroGrad) {
  Generator gen(13);
  Linear fc(3, 2, Init::kHe, gen, kFloat64);
  Tensor x = F64Fill({2, 3}, [](int64_t i) { return Hashed(i, 10); });
  fc.Forward(x).sum().backward();
  const std::vector<double> g1 = Values(fc.weight().grad());
  fc.Forward(x).sum().backward();
  std::vector<double> twice = g1;
  for (double& v : twice) v *= 2;
  EXPECT_TRUE(HasValues(fc.weight().grad(), {2, 3}, twice, 1e-12));
  // dL/db of sum(y) is the batch size for each output.
  EXPECT_TRUE(HasValues(fc.bias().grad(), {2}, {4, 4}, 1e-12));

  const void* weight_grad_storage = fc.weight().grad().raw_data();
  fc.zero_grad();
  EXPECT_TRUE(HasValues(fc.weight().grad(), {2, 3}, {0, 0, 0, 0, 0, 0}));
  EXPECT_TRUE(HasValues(fc.bias().grad(), {2}, {0, 0}));
  EXPECT_EQ(fc.weight().grad().raw_data(), weight_grad_storage) << "zero_grad must keep the storage";
}

// ---- Sequential and MakeMlp -----------------------------------------------------------------

TEST(Mlp, NamesShapesAndCountFor784_100_10) {
  Generator gen(1);
  auto mlp = MakeMlp({784, 100, 10}, Activation::kRelu, Init::kHe, gen);
  EXPECT_EQ(mlp->size(), 3u);
  auto named = mlp->named_parameters();
  ASSERT_EQ(named.size(), 4u);
  const std::vector<std::string> names = {"0.weight", "0.bias", "2.weight", "2.bias"};
  const std::vector<Shape> shapes = {{100, 784}, {100}, {10, 100}, {10}};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(named[i].first, names[i]);
    EXPECT_EQ(named[i].second.shape(), shapes[i]) << names[i];
    EXPECT_EQ(named[i].second.dtype(), kFloat32) << names[i];
  }
  EXPECT_EQ(mlp->num_parameters(), 79510);
  EXPECT_EQ(mlp->num_parameters(), 784 * 100 + 100 + 100 * 10 + 10);
  auto params = mlp->parameters();
  ASSERT_EQ(params.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_TRUE(params[i].is_same(named[i].second)) << i;
  // The layers' own tensors.
  auto& fc0 = dynamic_cast<Linear&>((*mlp)[0]);
  auto& fc2 = dynamic_cast<Linear&>((*mlp)[2]);
  EXPECT_TRUE(params[0].is_same(fc0.weight()));
  EXPECT_TRUE(params[3].is_same(fc2.bias()));
}

TEST(Mlp, ActivationBetweenLayersNoneAfterLast) {
  Generator gen(1);
  auto mlp = MakeMlp({8, 7, 6, 5}, Activation::kTanh, Init::kXavier, gen);
  ASSERT_EQ(mlp->size(), 5u);
  EXPECT_NE(dynamic_cast<Linear*>(&(*mlp)[0]), nullptr);
  EXPECT_NE(dynamic_cast<ActivationModule*>(&(*mlp)[1]), nullptr);
  EXPECT_NE(dynamic_cast<Linear*>(&(*mlp)[2]), nullptr);
  EXPECT_NE(dynamic_cast<ActivationModule*>(&(*mlp)[3]), nullptr);
  EXPECT_NE(dynamic_cast<Linear*>(&(*mlp)[4]), nullptr);
  EXPECT_EQ((*mlp)[1].ToString(), "Tanh()");
  EXPECT_EQ(mlp->num_parameters(), 8 * 7 + 7 + 7 * 6 + 6 + 6 * 5 + 5);
  std::vector<std::string> names;
  for (auto& [name, p] : mlp->named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"}));
  // Two sizes: one Linear, no activation.
  auto single = MakeMlp({3, 2}, Activation::kRelu, Init::kHe, gen);
  EXPECT_EQ(single->size(), 1u);
  EXPECT_EQ(single->num_parameters(), 8);
}

TEST(Mlp, RejectsFewerThanTwoSizes) {
  Generator gen(1);
  EXPECT_TRUE(ThrowsTensorError([&] { MakeMlp({784}, Activation::kRelu, Init::kHe, gen); }));
  EXPECT_TRUE(ThrowsTensorError([&] { MakeMlp({}, Activation::kRelu, Init::kHe, gen); }));
}

TEST(Mlp, ToString) {
  Generator gen(1);
  auto mlp = MakeMlp({784, 100, 10}, Activation::kRelu, Init::kHe, gen);
  EXPECT_EQ(mlp->ToString(),
            "Sequential(\n"
            "  (0): Linear(in_features=784, out_features=100)\n"
            "  (1): ReLU()\n"
            "  (2): Linear(in_features=100, out_features=10)\n"
            ")");
}

TEST(Mlp, SameSeedSameModelAndDtype) {
  Generator g1(77), g2(77);
  auto a = MakeMlp({5, 4, 3}, Activation::kRelu, Init::kHe, g1, kFloat64);
  auto b = MakeMlp({5, 4, 3}, Activation::kRelu, Init::kHe, g2, kFloat64);
  auto pa = a->parameters(), pb = b->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_EQ(pa[i].dtype(), kFloat64);
    EXPECT_EQ(Values(pa[i]), Values(pb[i])) << i;
  }
  // Two layers from one generator are not the same draws.
  EXPECT_NE(Values(pa[0]).front(), Values(pa[2]).front());
}

TEST(Mlp, ForwardMatchesNaiveComposition) {
  // Sigmoid MLP 4-5-3 in float64: y = sigmoid(x W0^T + b0) W2^T + b2, by hand.
  Generator gen(21);
  auto mlp = MakeMlp({4, 5, 3}, Activation::kSigmoid, Init::kXavier, gen, kFloat64);
  auto& fc0 = dynamic_cast<Linear&>((*mlp)[0]);
  auto& fc2 = dynamic_cast<Linear&>((*mlp)[2]);
  SetValues(fc0.bias(), {0.1, -0.2, 0.3, -0.4, 0.5});
  SetValues(fc2.bias(), {1, -1, 0.5});
  const int64_t n = 6;
  std::vector<double> x(n * 4);
  for (int64_t i = 0; i < n * 4; ++i) x[i] = 2 * Hashed(i, 11);
  std::vector<double> h = NaiveLinear(x, Values(fc0.weight()), Values(fc0.bias()), n, 4, 5);
  for (double& v : h) v = 1.0 / (1.0 + std::exp(-v));
  std::vector<double> y = NaiveLinear(h, Values(fc2.weight()), Values(fc2.bias()), n, 5, 3);
  EXPECT_TRUE(HasValues(mlp->Forward(F64(x, {n, 4})), {n, 3}, y, 1e-12));
}

TEST(Mlp, ReluForwardMatchesNaiveComposition) {
  Generator gen(22);
  auto mlp = MakeMlp({3, 6, 2}, Activation::kRelu, Init::kHe, gen, kFloat64);
  auto& fc0 = dynamic_cast<Linear&>((*mlp)[0]);
  auto& fc2 = dynamic_cast<Linear&>((*mlp)[2]);
  const int64_t n = 5;
  std::vector<double> x(n * 3);
  for (int64_t i = 0; i < n * 3; ++i) x[i] = 2 * Hashed(i, 12);
  std::vector<double> h = NaiveLinear(x, Values(fc0.weight()), Values(fc0.bias()), n, 3, 6);
  for (double& v : h) v = std::max(v, 0.0);
  std::vector<double> y = NaiveLinear(h, Values(fc2.weight()), Values(fc2.bias()), n, 6, 2);
  EXPECT_TRUE(HasValues(mlp->Forward(F64(x, {n, 3})), {n, 2}, y, 1e-12));
}

// A module with its own parameter and children, as the Module header's example.
class TwoLayer : public Module {
 public:
  explicit TwoLayer(Generator& gen) {
    scale_ = RegisterParameter("scale", ones({1}, kFloat64));
    fc1_ = RegisterModule("fc1", std::make_shared<Linear>(3, 4, Init::kHe, gen, kFloat64));
    fc2_ = RegisterModule("fc2", std::make_shared<Linear>(4, 2, Init::kHe, gen, kFloat64));
  }
  Tensor Forward(const Tensor& x) override { return fc2_->Forward(tanh(fc1_->Forward(x))) * scale_; }
  std::string ToString() const override { return "TwoLayer()"; }
  const std::shared_ptr<Linear>& fc1() const { return fc1_; }

 private:
  Tensor scale_;
  std::shared_ptr<Linear> fc1_, fc2_;
};

TEST(Module, NamedParametersDepthFirstInRegistrationOrder) {
  Generator gen(1);
  TwoLayer m(gen);
  std::vector<std::string> names;
  for (auto& [name, p] : m.named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}));
  EXPECT_EQ(m.num_parameters(), 1 + 12 + 4 + 8 + 2);
  EXPECT_TRUE(m.parameters()[1].is_same(m.fc1()->weight()));
}

TEST(Module, NestedSequentialNames) {
  Generator gen(1);
  auto outer = std::make_shared<Sequential>();
  outer->Add(MakeMlp({4, 3, 2}, Activation::kRelu, Init::kHe, gen));
  outer->Add(std::make_shared<ActivationModule>(Activation::kElu));
  outer->Add(std::make_shared<Linear>(2, 1, Init::kHe, gen));
  std::vector<std::string> names;
  for (auto& [name, p] : outer->named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"0.0.weight", "0.0.bias", "0.2.weight", "0.2.bias", "2.weight",
                                             "2.bias"}));
  EXPECT_EQ(outer->size(), 3u);
  EXPECT_EQ(outer->Forward(zeros({5, 4})).shape(), (Shape{5, 1}));
}

TEST(Module, TrainAndEvalReachEveryChild) {
  Generator gen(1);
  auto outer = std::make_shared<Sequential>();
  auto inner = MakeMlp({4, 3, 2}, Activation::kRelu, Init::kHe, gen);
  outer->Add(inner);
  outer->Add(std::make_shared<Linear>(2, 1, Init::kHe, gen));
  EXPECT_TRUE(outer->is_training());
  EXPECT_TRUE(inner->is_training());
  EXPECT_TRUE((*inner)[0].is_training());
  outer->eval();
  EXPECT_FALSE(outer->is_training());
  EXPECT_FALSE(inner->is_training());
  EXPECT_FALSE((*inner)[0].is_training());
  EXPECT_FALSE((*inner)[1].is_training());
  EXPECT_FALSE((*outer)[1].is_training());
  outer->train();
  EXPECT_TRUE(outer->is_training());
  EXPECT_TRUE((*inner)[2].is_training());
  outer->train(false);
  EXPECT_FALSE((*inner)[2].is_training());
  // A child's mode changes alone.
  inner->train(true);
  EXPECT_TRUE(inner->is_training());
  EXPECT_FALSE(outer->is_training());
}

TEST(Module, ZeroGradZeroesEveryParameterOfTheTree) {
  Generator gen(1);
  TwoLayer m(gen);
  Tensor x = F64Fill({3, 3}, [](int64_t i) { return Hashed(i, 13); });
  m.Forward(x).sum().backward();
  std::vector<const void*> storages;
  for (const auto& [name, p] : m.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name;
    storages.push_back(p.grad().raw_data());
  }
  double total = 0;
  for (const Tensor& p : m.parameters()) for (double v : Values(p.grad())) total += std::fabs(v);
  EXPECT_GT(total, 0);
  m.zero_grad();
  size_t i = 0;
  for (const auto& [name, p] : m.named_parameters()) {
    for (double v : Values(p.grad())) EXPECT_EQ(v, 0.0) << name;
    EXPECT_EQ(p.grad().raw_data(), storages[i++]) << name << ": zero_grad must keep the storage";
  }
  // Gradients after zero_grad are those of one backward, not accumulated.
  m.Forward(x).sum().backward();
  const std::vector<double> once = Values(m.parameters()[0].grad());
  m.zero_grad();
  m.Forward(x).sum().backward();
  EXPECT_EQ(Values(m.parameters()[0].grad()), once);
}

TEST(MlpGradient, GradcheckInputThroughTanhAndSigmoidMlps) {
  for (Activation a : {Activation::kTanh, Activation::kSigmoid}) {
    Generator gen(31);
    auto mlp = MakeMlp({4, 6, 5, 3}, a, Init::kXavier, gen, kFloat64);
    Tensor x = F64Fill({3, 4}, [](int64_t i) { return 1.5 * Hashed(i, 14); }).requires_grad_();
    GradcheckResult r = gradcheck([&](const std::vector<Tensor>& args) { return mlp->Forward(args[0]); }, {x});
    EXPECT_TRUE(r.ok) << ActivationName(a) << ": " << r.message;
    EXPECT_EQ(r.worst_input, 0);
  }
}

TEST(MlpGradient, ParametersOfTanhMlpMatchNumeric) {
  Generator gen(32);
  auto mlp = MakeMlp({4, 6, 3}, Activation::kTanh, Init::kXavier, gen, kFloat64);
  Tensor x = F64Fill({5, 4}, [](int64_t i) { return Hashed(i, 15); });
  ExpectParameterGradientsMatchNumeric(*mlp, x);
}

TEST(MlpGradient, ParametersOfReluMlpMatchNumericAwayFromKinks) {
  Generator gen(33);
  auto mlp = MakeMlp({3, 8, 2}, Activation::kRelu, Init::kHe, gen, kFloat64);
  auto& fc0 = dynamic_cast<Linear&>((*mlp)[0]);
  SetValues(fc0.bias(), {0.05, -0.05, 0.1, -0.1, 0.15, -0.15, 0.2, -0.2});
  // Inputs chosen (deterministically) so that no hidden pre-activation is near relu's kink.
  Tensor x;
  for (uint64_t seed = 16; seed < 1000 && !x.defined(); ++seed) {
    autograd::NoGradGuard no_grad;
    Tensor candidate = F64Fill({4, 3}, [&](int64_t i) { return Hashed(i, seed); });
    bool away = true;
    for (double v : Values(fc0.Forward(candidate))) away = away && std::fabs(v) > 1e-2;
    if (away) x = candidate;
  }
  ASSERT_TRUE(x.defined()) << "no input away from the kinks";
  ExpectParameterGradientsMatchNumeric(*mlp, x);
  GradcheckResult r =
      gradcheck([&](const std::vector<Tensor>& a) { return mlp->Forward(a[0]); }, {x.clone().requires_grad_()});
  EXPECT_TRUE(r.ok) << r.message;
}

}  // namespace
}  // namespace concord::nn
