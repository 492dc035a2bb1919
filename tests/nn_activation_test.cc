// Activations (tensor/nn/activation.h): values against closed forms in float64, including
// large magnitudes (no overflow, no NaN), derivatives against closed forms (including the
// PyTorch conventions at the kinks), gradcheck of every activation, ParseActivation, and the
// activation modules inside a Sequential.
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/autograd/gradcheck.h"
#include "tensor/autograd/graph.h"
#include "tensor/functions.h"
#include "tensor/nn/activation.h"
#include "tensor/nn/linear.h"
#include "tensor/nn/sequential.h"
#include "tests/test_util.h"

namespace concord::nn {
namespace {

using test_util::F32;
using test_util::F64;
using test_util::F64Fill;
using test_util::Hashed;
using test_util::HasValues;
using test_util::Values;

using Args = std::vector<Tensor>;

// Inputs spanning both signs and several scales, none at a kink.
const std::vector<double> kInputs = {-20, -5, -2.5, -1, -0.3, -1e-3, 1e-3, 0.3, 1, 2.5, 5, 20};

std::vector<double> Map(const std::vector<double>& x, double (*f)(double)) {
  std::vector<double> out;
  for (double v : x) out.push_back(f(v));
  return out;
}

double Relu(double x) { return x > 0 ? x : 0; }
double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double Tanh(double x) { return std::tanh(x); }
double LeakyRelu(double x) { return x > 0 ? x : 0.01 * x; }
double Elu(double x) { return x > 0 ? x : std::expm1(x); }

bool AllFinite(const Tensor& t) {
  for (double v : Values(t)) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

// Softmax of each row of a row-major [rows, cols] matrix, in long double by the definition.
std::vector<double> RowSoftmax(const std::vector<double>& x, int64_t rows, int64_t cols, bool log_form) {
  std::vector<double> out(x.size());
  for (int64_t i = 0; i < rows; ++i) {
    long double m = x[i * cols];
    for (int64_t j = 1; j < cols; ++j) m = std::max<long double>(m, x[i * cols + j]);
    long double s = 0;
    for (int64_t j = 0; j < cols; ++j) s += std::exp(static_cast<long double>(x[i * cols + j]) - m);
    for (int64_t j = 0; j < cols; ++j) {
      const long double z = static_cast<long double>(x[i * cols + j]) - m;
      out[i * cols + j] = static_cast<double>(log_form ? z - std::log(s) : std::exp(z) / s);
    }
  }
  return out;
}

// ---- Values ---------------------------------------------------------------------------------

TEST(ActivationValues, Relu) {
  const Shape shape = {static_cast<int64_t>(kInputs.size())};
  EXPECT_TRUE(HasValues(relu(F64(kInputs, shape)), shape, Map(kInputs, Relu)));
  EXPECT_TRUE(HasValues(relu(F64({0.0, -0.0}, {2})), {2}, {0, 0}));
  Tensor y = relu(F32({-1.5f, 2.5f}, {2}));
  EXPECT_EQ(y.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(y, {2}, {0, 2.5}));
}

TEST(ActivationValues, Sigmoid) {
  const Shape shape = {static_cast<int64_t>(kInputs.size())};
  EXPECT_TRUE(HasValues(sigmoid(F64(kInputs, shape)), shape, Map(kInputs, Sigmoid), 1e-15));
  EXPECT_TRUE(HasValues(sigmoid(F64({0.0}, {1})), {1}, {0.5}));
  EXPECT_EQ(sigmoid(F32({1.f}, {1})).dtype(), kFloat32);
}

TEST(ActivationValues, Tanh) {
  const Shape shape = {static_cast<int64_t>(kInputs.size())};
  EXPECT_TRUE(HasValues(tanh(F64(kInputs, shape)), shape, Map(kInputs, Tanh), 1e-15));
  EXPECT_TRUE(HasValues(tanh(F64({0.0}, {1})), {1}, {0.0}, 1e-300));
  EXPECT_EQ(tanh(F32({1.f}, {1})).dtype(), kFloat32);
}

TEST(ActivationValues, TanhIsAccurateNearZero) {
  // tanh(x) = x - x^3/3 + ...: float64 torch.tanh keeps full relative precision for tiny x.
  const std::vector<double> tiny = {1e-10, -3e-9, 2.5e-7, 1e-5};
  std::vector<double> got = Values(tanh(F64(tiny, {4})));
  for (size_t i = 0; i < tiny.size(); ++i) {
    EXPECT_NEAR(got[i] / std::tanh(tiny[i]), 1.0, 1e-12) << "tanh(" << tiny[i] << ") = " << got[i];
  }
  // float32: a few ulps (torch.tanh is accurate to about one).
  const std::vector<float> small = {1e-3f, -2e-4f, 5e-6f};
  std::vector<double> got32 = Values(tanh(F32(small, {3})));
  for (size_t i = 0; i < small.size(); ++i) {
    const double want = std::tanh(static_cast<double>(small[i]));
    EXPECT_NEAR(got32[i] / want, 1.0, 1e-6) << "float32 tanh(" << small[i] << ") = " << got32[i];
  }
}

TEST(ActivationValues, LeakyRelu) {
  const Shape shape = {static_cast<int64_t>(kInputs.size())};
  EXPECT_TRUE(HasValues(leaky_relu(F64(kInputs, shape)), shape, Map(kInputs, LeakyRelu), 1e-15));
  EXPECT_TRUE(HasValues(leaky_relu(F64({-2, 3, 0}, {3}), 0.2), {3}, {-0.4, 3, 0}, 1e-15));
}

TEST(ActivationValues, Elu) {
  const Shape shape = {static_cast<int64_t>(kInputs.size())};
  EXPECT_TRUE(HasValues(elu(F64(kInputs, shape)), shape, Map(kInputs, Elu), 1e-15));
  // alpha scales the negative branch only.
  EXPECT_TRUE(HasValues(elu(F64({-1, 2, 0}, {3}), 0.5), {3}, {0.5 * std::expm1(-1.0), 2, 0}, 1e-15));
}

TEST(ActivationValues, SoftmaxAndLogSoftmaxRows) {
  const int64_t rows = 3, cols = 5;
  std::vector<double> x(rows * cols);
  for (int64_t i = 0; i < rows * cols; ++i) x[i] = 4 * Hashed(i, 1);
  Tensor t = F64(x, {rows, cols});
  EXPECT_TRUE(HasValues(softmax(t, 1), {rows, cols}, RowSoftmax(x, rows, cols, false), 1e-15));
  EXPECT_TRUE(HasValues(softmax(t, -1), {rows, cols}, RowSoftmax(x, rows, cols, false), 1e-15));
  EXPECT_TRUE(HasValues(log_softmax(t, 1), {rows, cols}, RowSoftmax(x, rows, cols, true), 1e-14));
  EXPECT_TRUE(HasValues(log_softmax(t, -1), {rows, cols}, RowSoftmax(x, rows, cols, true), 1e-14));
}

TEST(ActivationValues, SoftmaxAlongDimZero) {
  // Columns of x are the rows of x^T.
  const int64_t rows = 4, cols = 3;
  std::vector<double> x(rows * cols), xt(rows * cols);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      x[i * cols + j] = 3 * Hashed(i * cols + j, 2);
      xt[j * rows + i] = x[i * cols + j];
    }
  }
  std::vector<double> st = RowSoftmax(xt, cols, rows, false), lst = RowSoftmax(xt, cols, rows, true);
  std::vector<double> s(rows * cols), ls(rows * cols);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      s[i * cols + j] = st[j * rows + i];
      ls[i * cols + j] = lst[j * rows + i];
    }
  }
  EXPECT_TRUE(HasValues(softmax(F64(x, {rows, cols}), 0), {rows, cols}, s, 1e-15));
  EXPECT_TRUE(HasValues(log_softmax(F64(x, {rows, cols}), 0), {rows, cols}, ls, 1e-14));
}

TEST(ActivationValues, SoftmaxOfOneDimAndKnownValues) {
  // softmax([0, 1, 2]) = e^i / (1 + e + e^2).
  const double z = 1 + std::exp(1.0) + std::exp(2.0);
  std::vector<double> want = {1 / z, std::exp(1.0) / z, std::exp(2.0) / z};
  EXPECT_TRUE(HasValues(softmax(F64({0, 1, 2}, {3}), 0), {3}, want, 1e-15));
  EXPECT_TRUE(HasValues(log_softmax(F64({0, 1, 2}, {3}), 0), {3},
                        {-std::log(z), 1 - std::log(z), 2 - std::log(z)}, 1e-15));
  // Equal logits give the uniform distribution.
  EXPECT_TRUE(HasValues(softmax(F64({7, 7, 7, 7}, {4}), 0), {4}, {0.25, 0.25, 0.25, 0.25}, 1e-16));
}

TEST(ActivationValues, SoftmaxRowsSumToOne) {
  for (double scale : {1.0, 30.0, 500.0}) {
    const int64_t rows = 5, cols = 7;
    Tensor x = F64Fill({rows, cols}, [&](int64_t i) { return scale * Hashed(i, 3); });
    std::vector<double> s = Values(softmax(x, 1));
    for (int64_t i = 0; i < rows; ++i) {
      double sum = 0;
      for (int64_t j = 0; j < cols; ++j) {
        EXPECT_GE(s[i * cols + j], 0.0);
        sum += s[i * cols + j];
      }
      EXPECT_NEAR(sum, 1.0, 1e-14) << "scale " << scale << " row " << i;
    }
    // exp(log_softmax) is softmax.
    std::vector<double> ls = Values(log_softmax(x, 1));
    for (size_t k = 0; k < s.size(); ++k) EXPECT_NEAR(std::exp(ls[k]), s[k], 1e-14);
  }
  // float32 too.
  Tensor x32 = test_util::F32Fill({2, 6}, [](int64_t i) { return 10 * Hashed(i, 4); });
  std::vector<double> s32 = Values(softmax(x32, 1));
  EXPECT_EQ(softmax(x32, 1).dtype(), kFloat32);
  for (int r = 0; r < 2; ++r) {
    double sum = 0;
    for (int j = 0; j < 6; ++j) sum += s32[r * 6 + j];
    EXPECT_NEAR(sum, 1.0, 1e-6);
  }
}

// ---- Large magnitudes -----------------------------------------------------------------------

TEST(ActivationLarge, SoftmaxOfHugeLogitsIsFiniteAndShiftInvariant) {
  const double z = 1 + std::exp(1.0) + std::exp(2.0);
  const std::vector<double> want = {1 / z, std::exp(1.0) / z, std::exp(2.0) / z};
  Tensor big = F64({1000, 1001, 1002}, {3});
  EXPECT_TRUE(AllFinite(softmax(big, 0)));
  EXPECT_TRUE(HasValues(softmax(big, 0), {3}, want, 1e-15));
  EXPECT_TRUE(HasValues(softmax(F64({-1000, -999, -998}, {3}), 0), {3}, want, 1e-15));
  EXPECT_TRUE(HasValues(log_softmax(big, 0), {3}, {-std::log(z), 1 - std::log(z), 2 - std::log(z)}, 1e-12));
  // Rows of very different scales in one batch.
  Tensor rows = F64({1000, 1001, 1002, 0, 1, 2, -1e4, 0, -1e4}, {3, 3});
  EXPECT_TRUE(HasValues(softmax(rows, 1), {3, 3},
                        {want[0], want[1], want[2], want[0], want[1], want[2], 0, 1, 0}, 1e-15));
  std::vector<double> ls = Values(log_softmax(rows, 1));
  for (double v : ls) EXPECT_TRUE(std::isfinite(v));
  EXPECT_NEAR(ls[6], -1e4, 1e-9);
  EXPECT_NEAR(ls[7], 0.0, 1e-15);
  // float32, where exp overflows already at 89.
  Tensor big32 = F32({1000.f, 1001.f, 1002.f}, {3});
  EXPECT_TRUE(HasValues(softmax(big32, 0), {3}, want, 1e-6));
  EXPECT_TRUE(AllFinite(log_softmax(big32, 0)));
}

TEST(ActivationLarge, SaturatingFunctionsGiveTheirLimits) {
  Tensor x = F64({-1000, 1000, -800, 800}, {4});
  EXPECT_TRUE(HasValues(sigmoid(x), {4}, {0, 1, 0, 1}));
  EXPECT_TRUE(HasValues(tanh(x), {4}, {-1, 1, -1, 1}));
  EXPECT_TRUE(HasValues(elu(x), {4}, {-1, 1000, -1, 800}));
  EXPECT_TRUE(HasValues(relu(x), {4}, {0, 1000, 0, 800}));
  EXPECT_TRUE(HasValues(leaky_relu(x), {4}, {-10, 1000, -8, 800}, 1e-12));
  Tensor x32 = F32({-1000.f, 1000.f, -100.f, 100.f}, {4});
  EXPECT_TRUE(HasValues(sigmoid(x32), {4}, {0, 1, Sigmoid(-100), 1}, 1e-30));
  EXPECT_TRUE(HasValues(tanh(x32), {4}, {-1, 1, -1, 1}));
  EXPECT_TRUE(HasValues(elu(x32), {4}, {-1, 1000, -1, 100}));
}

TEST(ActivationLarge, GradientsAtLargeMagnitudesAreZeroNotNaN) {
  // d sigmoid = s (1 - s) and d tanh = 1 - tanh^2 vanish at +-1000 (PyTorch gives 0).
  struct Case {
    const char* name;
    Tensor (*f)(const Tensor&);
    std::vector<double> want;  // gradient at -1000, 1000
  };
  const std::vector<Case> cases = {
      {"sigmoid", [](const Tensor& t) { return sigmoid(t); }, {0, 0}},
      {"tanh", [](const Tensor& t) { return tanh(t); }, {0, 0}},
      {"elu", [](const Tensor& t) { return elu(t); }, {0, 1}},
      {"relu", [](const Tensor& t) { return relu(t); }, {0, 1}},
      {"leaky_relu", [](const Tensor& t) { return leaky_relu(t); }, {0.01, 1}},
  };
  for (const Case& c : cases) {
    Tensor x = F64({-1000, 1000}, {2}).requires_grad_();
    c.f(x).sum().backward();
    ASSERT_TRUE(x.grad().defined()) << c.name;
    EXPECT_TRUE(HasValues(x.grad(), {2}, c.want, 1e-300)) << c.name << " gradient " << x.grad();
  }
  // float32 overflows exp already past 88.7: sigmoid'(-100) and tanh'(-50) are 0 there too.
  Tensor s32 = F32({-100.f, -50.f, 100.f}, {3}).requires_grad_();
  sigmoid(s32).sum().backward();
  EXPECT_TRUE(HasValues(s32.grad(), {3}, {0, Sigmoid(-50) * (1 - Sigmoid(-50)), 0}, 1e-20))
      << "float32 sigmoid gradient " << s32.grad();
  Tensor t32 = F32({-50.f, 50.f}, {2}).requires_grad_();
  tanh(t32).sum().backward();
  EXPECT_TRUE(HasValues(t32.grad(), {2}, {0, 0}, 1e-30)) << "float32 tanh gradient " << t32.grad();
  // Softmax / log_softmax of huge logits: finite gradients.
  Tensor x = F64({1000, 1001, 1002}, {3}).requires_grad_();
  (softmax(x, 0) * F64({1, 2, 3}, {3})).sum().backward();
  EXPECT_TRUE(AllFinite(x.grad())) << x.grad();
  Tensor y = F64({1000, 1001, 1002}, {3}).requires_grad_();
  log_softmax(y, 0).select(0, 0).backward();
  EXPECT_TRUE(AllFinite(y.grad())) << y.grad();
}

TEST(ActivationValues, NaNPropagates) {
  // As in PyTorch (torch.relu(nan) is nan: relu is clamp_min(x, 0), which propagates NaN), a
  // NaN input gives NaN out of every activation rather than being silently replaced.
  const double nan = std::nan("");
  Tensor x = F64({nan, 1.0}, {2});
  struct Case {
    const char* name;
    Tensor y;
  };
  const std::vector<Case> cases = {{"relu", relu(x)},        {"sigmoid", sigmoid(x)}, {"tanh", tanh(x)},
                                   {"leaky_relu", leaky_relu(x)}, {"elu", elu(x)},   {"softmax", softmax(x, 0)},
                                   {"log_softmax", log_softmax(x, 0)}};
  for (const Case& c : cases) EXPECT_TRUE(std::isnan(Values(c.y)[0])) << c.name << " gave " << c.y;
}

// ---- Derivatives against closed forms -------------------------------------------------------

// Gradient of sum(f(x) * r) for r = 1..n, elementwise activations: r_i f'(x_i).
void ExpectElementwiseGradient(const char* name, Tensor (*f)(const Tensor&), double (*df)(double),
                               const std::vector<double>& xs, double tol) {
  const int64_t n = static_cast<int64_t>(xs.size());
  Tensor x = F64(xs, {n}).requires_grad_();
  std::vector<double> r(n), want(n);
  for (int64_t i = 0; i < n; ++i) {
    r[i] = 1 + 0.5 * static_cast<double>(i);
    want[i] = r[i] * df(xs[i]);
  }
  (f(x) * F64(r, {n})).sum().backward();
  EXPECT_TRUE(HasValues(x.grad(), {n}, want, tol)) << name;
}

TEST(ActivationGradient, ClosedForms) {
  ExpectElementwiseGradient("relu", [](const Tensor& t) { return relu(t); }, [](double v) { return v > 0 ? 1.0 : 0.0; },
                            kInputs, 0);
  ExpectElementwiseGradient(
      "sigmoid", [](const Tensor& t) { return sigmoid(t); }, [](double v) { return Sigmoid(v) * (1 - Sigmoid(v)); },
      kInputs, 1e-14);
  ExpectElementwiseGradient(
      "tanh", [](const Tensor& t) { return tanh(t); }, [](double v) { return 1 - std::tanh(v) * std::tanh(v); },
      kInputs, 1e-13);
  ExpectElementwiseGradient(
      "leaky_relu", [](const Tensor& t) { return leaky_relu(t); }, [](double v) { return v > 0 ? 1.0 : 0.01; },
      kInputs, 1e-15);
  ExpectElementwiseGradient(
      "elu", [](const Tensor& t) { return elu(t); }, [](double v) { return v > 0 ? 1.0 : std::exp(v); }, kInputs,
      1e-14);
}

TEST(ActivationGradient, AtZeroFollowsPyTorch) {
  // relu'(0) = 0 (the header's contract and PyTorch's); leaky_relu'(0) = negative_slope and
  // elu'(0) = alpha * exp(0) = 1, as torch's leaky_relu_backward / elu_backward give.
  auto grad_at_zero = [](Tensor (*f)(const Tensor&)) {
    Tensor x = F64({0.0}, {1}).requires_grad_();
    f(x).sum().backward();
    return x.grad().defined() ? Values(x.grad())[0] : std::nan("");
  };
  EXPECT_EQ(grad_at_zero([](const Tensor& t) { return relu(t); }), 0.0);
  EXPECT_DOUBLE_EQ(grad_at_zero([](const Tensor& t) { return leaky_relu(t); }), 0.01);
  EXPECT_DOUBLE_EQ(grad_at_zero([](const Tensor& t) { return elu(t); }), 1.0);
}

TEST(ActivationGradient, SoftmaxClosedForm) {
  // d/dx_j sum_i r_i s_i = s_j (r_j - sum_i r_i s_i); log_softmax: r_j - s_j sum_i r_i.
  const std::vector<double> xs = {0.5, -1.0, 2.0, 0.0};
  const std::vector<double> r = {1, -2, 0.5, 3};
  std::vector<double> s = RowSoftmax(xs, 1, 4, false);
  double rs = 0, rsum = 0;
  for (int i = 0; i < 4; ++i) {
    rs += r[i] * s[i];
    rsum += r[i];
  }
  std::vector<double> want_s(4), want_ls(4);
  for (int j = 0; j < 4; ++j) {
    want_s[j] = s[j] * (r[j] - rs);
    want_ls[j] = r[j] - s[j] * rsum;
  }
  Tensor x = F64(xs, {1, 4}).requires_grad_();
  (softmax(x, 1) * F64(r, {1, 4})).sum().backward();
  EXPECT_TRUE(HasValues(x.grad(), {1, 4}, want_s, 1e-14));
  Tensor x2 = F64(xs, {1, 4}).requires_grad_();
  (log_softmax(x2, 1) * F64(r, {1, 4})).sum().backward();
  EXPECT_TRUE(HasValues(x2.grad(), {1, 4}, want_ls, 1e-14));
}

// ---- gradcheck ------------------------------------------------------------------------------

// Values in [-3, 3] at least 0.05 from 0, so central differences (h = 1e-4) never straddle a kink.
Tensor AwayFromZero(const Shape& shape, uint64_t seed) {
  return F64Fill(shape, [&](int64_t i) {
           double v = 3 * Hashed(i, seed);
           if (std::fabs(v) < 0.05) v += v < 0 ? -0.1 : 0.1;
           return v;
         })
      .requires_grad_();
}

void ExpectGradcheck(const char* name, const std::function<Tensor(const Args&)>& f, const Args& inputs) {
  GradcheckResult r = gradcheck(f, inputs);
  EXPECT_TRUE(r.ok) << name << ": " << r.message;
  EXPECT_GE(r.worst_input, 0) << name << ": nothing was checked";
}

TEST(ActivationGradcheck, EveryActivation) {
  ExpectGradcheck("relu", [](const Args& a) { return relu(a[0]); }, {AwayFromZero({3, 4}, 10)});
  ExpectGradcheck("sigmoid", [](const Args& a) { return sigmoid(a[0]); }, {AwayFromZero({3, 4}, 11)});
  ExpectGradcheck("tanh", [](const Args& a) { return tanh(a[0]); }, {AwayFromZero({3, 4}, 12)});
  ExpectGradcheck("leaky_relu", [](const Args& a) { return leaky_relu(a[0]); }, {AwayFromZero({3, 4}, 13)});
  ExpectGradcheck("leaky_relu(0.3)", [](const Args& a) { return leaky_relu(a[0], 0.3); }, {AwayFromZero({3, 4}, 14)});
  ExpectGradcheck("elu", [](const Args& a) { return elu(a[0]); }, {AwayFromZero({3, 4}, 15)});
  ExpectGradcheck("elu(2)", [](const Args& a) { return elu(a[0], 2.0); }, {AwayFromZero({3, 4}, 16)});
  ExpectGradcheck("softmax(1)", [](const Args& a) { return softmax(a[0], 1); }, {AwayFromZero({3, 4}, 17)});
  ExpectGradcheck("softmax(0)", [](const Args& a) { return softmax(a[0], 0); }, {AwayFromZero({3, 4}, 18)});
  ExpectGradcheck("log_softmax(1)", [](const Args& a) { return log_softmax(a[0], 1); }, {AwayFromZero({3, 4}, 19)});
  ExpectGradcheck("log_softmax(0)", [](const Args& a) { return log_softmax(a[0], 0); }, {AwayFromZero({3, 4}, 20)});
  ExpectGradcheck("softmax 1-D", [](const Args& a) { return softmax(a[0], 0); }, {AwayFromZero({6}, 21)});
}

TEST(ActivationGradcheck, SoftmaxOfLargeLogits) {
  Tensor x = F64({1000, 1001, 1002, -1000, -999, -998}, {2, 3}).requires_grad_();
  ExpectGradcheck("softmax large", [](const Args& a) { return softmax(a[0], 1); }, {x});
  ExpectGradcheck("log_softmax large", [](const Args& a) { return log_softmax(a[0], 1); }, {x});
}

TEST(ActivationGradcheck, ApplyOfEveryKind) {
  for (Activation a : {Activation::kRelu, Activation::kSigmoid, Activation::kTanh, Activation::kLeakyRelu,
                       Activation::kElu}) {
    GradcheckResult r = gradcheck([a](const Args& args) { return Apply(a, args[0]); }, {AwayFromZero({2, 5}, 30)});
    EXPECT_TRUE(r.ok) << ActivationName(a) << ": " << r.message;
  }
}

// ---- Parse, Apply, modules ------------------------------------------------------------------

TEST(ParseActivation, GoodNames) {
  const std::vector<std::pair<std::string, Activation>> good = {{"relu", Activation::kRelu},
                                                                {"sigmoid", Activation::kSigmoid},
                                                                {"tanh", Activation::kTanh},
                                                                {"leaky_relu", Activation::kLeakyRelu},
                                                                {"elu", Activation::kElu}};
  for (const auto& [name, a] : good) {
    auto parsed = ParseActivation(name);
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.status();
    EXPECT_EQ(*parsed, a) << name;
    EXPECT_EQ(ActivationName(a), name);
  }
}

TEST(ParseActivation, BadNamesAreInvalidArgumentNamingTheName) {
  for (std::string bad : {"gelu", "ReLU", "relu ", "", "leaky-relu"}) {
    auto parsed = ParseActivation(bad);
    ASSERT_FALSE(parsed.ok()) << "'" << bad << "' was accepted";
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(parsed.status().message()).find("'" + bad + "'"), std::string::npos)
        << parsed.status();
  }
}

TEST(ApplyActivation, MatchesClosedForms) {
  const Shape shape = {static_cast<int64_t>(kInputs.size())};
  Tensor x = F64(kInputs, shape);
  EXPECT_TRUE(HasValues(Apply(Activation::kRelu, x), shape, Map(kInputs, Relu)));
  EXPECT_TRUE(HasValues(Apply(Activation::kSigmoid, x), shape, Map(kInputs, Sigmoid), 1e-15));
  EXPECT_TRUE(HasValues(Apply(Activation::kTanh, x), shape, Map(kInputs, Tanh), 1e-15));
  EXPECT_TRUE(HasValues(Apply(Activation::kLeakyRelu, x), shape, Map(kInputs, LeakyRelu), 1e-15));
  EXPECT_TRUE(HasValues(Apply(Activation::kElu, x), shape, Map(kInputs, Elu), 1e-15));
}

TEST(ActivationModule, ToStringAndNoParameters) {
  EXPECT_EQ(ActivationModule(Activation::kRelu).ToString(), "ReLU()");
  EXPECT_EQ(ActivationModule(Activation::kSigmoid).ToString(), "Sigmoid()");
  EXPECT_EQ(ActivationModule(Activation::kTanh).ToString(), "Tanh()");
  EXPECT_EQ(ActivationModule(Activation::kLeakyRelu).ToString(), "LeakyReLU(negative_slope=0.01)");
  EXPECT_EQ(ActivationModule(Activation::kElu).ToString(), "ELU(alpha=1.0)");
  EXPECT_EQ(Softmax(1).ToString(), "Softmax(dim=1)");
  ActivationModule m(Activation::kTanh);
  EXPECT_TRUE(m.parameters().empty());
  EXPECT_EQ(m.num_parameters(), 0);
  EXPECT_TRUE(HasValues(m.Forward(F64(kInputs, {12})), {12}, Map(kInputs, Tanh), 1e-15));
}

TEST(ActivationModule, InsideSequential) {
  // Linear -> LeakyReLU -> Linear -> Softmax(1), checked against a naive computation.
  Generator gen(5);
  auto seq = std::make_shared<Sequential>();
  auto fc1 = std::make_shared<Linear>(3, 4, Init::kHe, gen, kFloat64);
  auto fc2 = std::make_shared<Linear>(4, 2, Init::kHe, gen, kFloat64);
  seq->Add(fc1);
  seq->Add(std::make_shared<ActivationModule>(Activation::kLeakyRelu));
  seq->Add(fc2);
  seq->Add(std::make_shared<Softmax>(1));
  EXPECT_EQ(seq->size(), 4u);
  EXPECT_EQ(seq->num_parameters(), 3 * 4 + 4 + 4 * 2 + 2);
  std::vector<std::string> names;
  for (auto& [name, p] : seq->named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  EXPECT_EQ(seq->ToString(),
            "Sequential(\n"
            "  (0): Linear(in_features=3, out_features=4)\n"
            "  (1): LeakyReLU(negative_slope=0.01)\n"
            "  (2): Linear(in_features=4, out_features=2)\n"
            "  (3): Softmax(dim=1)\n"
            ")");

  const int64_t n = 5;
  std::vector<double> x(n * 3);
  for (int64_t i = 0; i < n * 3; ++i) x[i] = 2 * Hashed(i, 40);
  const std::vector<double> w1 = Values(fc1->weight()), w2 = Values(fc2->weight());
  std::vector<double> want(n * 2);
  for (int64_t i = 0; i < n; ++i) {
    double h[4];
    for (int j = 0; j < 4; ++j) {
      double acc = 0;
      for (int k = 0; k < 3; ++k) acc += x[i * 3 + k] * w1[j * 3 + k];
      h[j] = LeakyRelu(acc);
    }
    double o[2];
    for (int j = 0; j < 2; ++j) {
      o[j] = 0;
      for (int k = 0; k < 4; ++k) o[j] += h[k] * w2[j * 4 + k];
    }
    const double m = std::max(o[0], o[1]);
    const double z = std::exp(o[0] - m) + std::exp(o[1] - m);
    want[i * 2] = std::exp(o[0] - m) / z;
    want[i * 2 + 1] = std::exp(o[1] - m) / z;
  }
  EXPECT_TRUE(HasValues(seq->Forward(F64(x, {n, 3})), {n, 2}, want, 1e-14));
}

TEST(ActivationModule, MakeMlpUsesTheChosenActivation) {
  const std::vector<std::pair<Activation, double (*)(double)>> kinds = {{Activation::kRelu, Relu},
                                                                         {Activation::kSigmoid, Sigmoid},
                                                                         {Activation::kTanh, Tanh},
                                                                         {Activation::kLeakyRelu, LeakyRelu},
                                                                         {Activation::kElu, Elu}};
  const std::vector<double> xs = {-2, -0.5, 0.5, 2};
  for (const auto& [a, f] : kinds) {
    Generator gen(1);
    auto mlp = MakeMlp({2, 3, 1}, a, Init::kHe, gen);
    EXPECT_EQ((*mlp)[1].ToString(), ActivationModule(a).ToString()) << ActivationName(a);
    EXPECT_TRUE(HasValues((*mlp)[1].Forward(F64(xs, {4})), {4}, Map(xs, f), 1e-15)) << ActivationName(a);
  }
}

}  // namespace
}  // namespace concord::nn
