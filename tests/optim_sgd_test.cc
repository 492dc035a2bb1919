// SGD (tensor/optim/sgd.h): torch.optim.SGD's update rule exactly (plain, momentum,
// dampening, weight decay, Nesterov), checked against hand computation and a per-element
// reference of the documented rule; ZeroGrad; parameters without gradients; option
// validation; set_lr; LoadState round trips and errors; and gradient descent to the origin.
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/autograd/graph.h"
#include "tensor/functions.h"
#include "tensor/optim/sgd.h"
#include "tests/test_util.h"

namespace concord::optim {
namespace {

using test_util::F32;
using test_util::F64;
using test_util::HasValues;
using test_util::ThrowsTensorError;
using test_util::Values;

std::unique_ptr<Sgd> MakeSgd(std::vector<Tensor> params, SgdOptions o) {
  auto sgd = Sgd::Create(std::move(params), o);
  EXPECT_TRUE(sgd.ok()) << sgd.status();
  return sgd.ok() ? std::move(*sgd) : nullptr;
}

// One step with loss (p * c).sum(): gradient exactly c.
void StepWithGradient(Sgd& sgd, const Tensor& p, const std::vector<double>& c) {
  sgd.ZeroGrad();
  (p * F64(c, p.shape())).sum().backward();
  sgd.Step();
}

// torch.optim.SGD's documented rule, per element, in plain doubles.
struct Reference {
  SgdOptions o;
  std::vector<double> p;
  std::vector<double> b;
  bool has_buffer = false;

  void Step(const std::vector<double>& grad) {
    if (b.empty()) b.assign(p.size(), 0.0);
    for (size_t i = 0; i < p.size(); ++i) {
      double g = grad[i];
      if (o.weight_decay != 0) g += o.weight_decay * p[i];
      if (o.momentum != 0) {
        b[i] = has_buffer ? o.momentum * b[i] + (1 - o.dampening) * g : g;
        g = o.nesterov ? g + o.momentum * b[i] : b[i];
      }
      p[i] -= o.lr * g;
    }
    if (o.momentum != 0) has_buffer = true;
  }
};

void ExpectNearAll(const Tensor& t, const std::vector<double>& want, double tol, const std::string& what) {
  std::vector<double> got = Values(t);
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << what << " element " << i;
}

// Three steps with fixed gradients c, against the reference.
void CheckThreeStepsAgainstReference(const SgdOptions& o, const std::string& what) {
  const std::vector<double> p0 = {1.0, -2.0, 0.5};
  const std::vector<std::vector<double>> grads = {{0.3, -0.7, 1.5}, {-1.0, 0.25, 2.0}, {0.6, 0.6, -0.4}};
  Tensor p = F64(p0, {3}).requires_grad_();
  auto sgd = MakeSgd({p}, o);
  ASSERT_NE(sgd, nullptr);
  Reference ref{o, p0, {}};
  for (int step = 0; step < 3; ++step) {
    StepWithGradient(*sgd, p, grads[step]);
    ref.Step(grads[step]);
    ExpectNearAll(p, ref.p, 1e-12, what + " step " + std::to_string(step + 1));
  }
  EXPECT_EQ(sgd->steps(), 3);
}

// ---- The update rule: literal hand computations ------------------------------------------
// One parameter p0 = 1 with gradient 1 every step and lr 0.1.

std::vector<double> ThreeStepsOfUnitGradient(SgdOptions o) {
  Tensor p = F64({1.0}, {1}).requires_grad_();
  auto sgd = MakeSgd({p}, o);
  std::vector<double> out;
  if (sgd == nullptr) return out;
  for (int step = 0; step < 3; ++step) {
    StepWithGradient(*sgd, p, {1.0});
    out.push_back(Values(p)[0]);
  }
  return out;
}

void ExpectSteps(const std::vector<double>& got, const std::vector<double>& want, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << what << " step " << i + 1;
}

TEST(SgdRule, PlainByHand) {
  // p -= 0.1 * 1.
  ExpectSteps(ThreeStepsOfUnitGradient({.lr = 0.1}), {0.9, 0.8, 0.7}, "plain");
}

TEST(SgdRule, MomentumByHand) {
  // b = 1, 1.9, 2.71; p = 0.9, 0.71, 0.439.
  ExpectSteps(ThreeStepsOfUnitGradient({.lr = 0.1, .momentum = 0.9}), {0.9, 0.71, 0.439}, "momentum");
}

TEST(SgdRule, MomentumWithDampeningByHand) {
  // First step: b = g (no dampening); then b = 0.9 b + 0.5 g: b = 1, 1.4, 1.76.
  ExpectSteps(ThreeStepsOfUnitGradient({.lr = 0.1, .momentum = 0.9, .dampening = 0.5}), {0.9, 0.76, 0.584},
              "dampening");
}

TEST(SgdRule, WeightDecayByHand) {
  // g = 1 + 0.1 p: p = 1 - 0.11 = 0.89; 0.89 - 0.1089 = 0.7811; 0.7811 - 0.107811 = 0.673289.
  ExpectSteps(ThreeStepsOfUnitGradient({.lr = 0.1, .weight_decay = 0.1}), {0.89, 0.7811, 0.673289}, "weight decay");
}

TEST(SgdRule, NesterovByHand) {
  // b = 1, 1.9, 2.71; g = 1 + 0.9 b = 1.9, 2.71, 3.439; p = 0.81, 0.539, 0.1951.
  ExpectSteps(ThreeStepsOfUnitGradient({.lr = 0.1, .momentum = 0.9, .nesterov = true}), {0.81, 0.539, 0.1951},
              "nesterov");
}

TEST(SgdRule, MomentumAndWeightDecayByHand) {
  // Decay enters the buffer: g1 = 1.1, b1 = 1.1, p1 = 0.89; g2 = 1.089, b2 = 0.99 + 1.089 =
  // 2.079, p2 = 0.6821; g3 = 1.06821, b3 = 1.8711 + 1.06821 = 2.93931, p3 = 0.388169.
  ExpectSteps(ThreeStepsOfUnitGradient({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.1}), {0.89, 0.6821, 0.388169},
              "momentum + weight decay");
}

// ---- The update rule: vector parameters against the reference ----------------------------

TEST(SgdRule, PlainMatchesReference) { CheckThreeStepsAgainstReference({.lr = 0.1}, "plain"); }
TEST(SgdRule, MomentumMatchesReference) {
  CheckThreeStepsAgainstReference({.lr = 0.05, .momentum = 0.9}, "momentum");
}
TEST(SgdRule, DampeningMatchesReference) {
  CheckThreeStepsAgainstReference({.lr = 0.05, .momentum = 0.9, .dampening = 0.5}, "dampening");
}
TEST(SgdRule, WeightDecayMatchesReference) {
  CheckThreeStepsAgainstReference({.lr = 0.2, .weight_decay = 0.1}, "weight decay");
}
TEST(SgdRule, NesterovMatchesReference) {
  CheckThreeStepsAgainstReference({.lr = 0.05, .momentum = 0.9, .nesterov = true}, "nesterov");
}
TEST(SgdRule, EverythingMatchesReference) {
  CheckThreeStepsAgainstReference({.lr = 0.03, .momentum = 0.8, .dampening = 0.3, .weight_decay = 0.05},
                                  "momentum + dampening + decay");
  CheckThreeStepsAgainstReference({.lr = 0.03, .momentum = 0.5, .weight_decay = 0.2, .nesterov = true},
                                  "nesterov + decay");
  CheckThreeStepsAgainstReference({.lr = 0.03, .momentum = 0.9, .dampening = 1.0}, "full dampening");
}

TEST(SgdRule, SeveralParametersOfDifferentShapesAndFloat32) {
  // Two float64 parameters stepped together, each by its own gradient and buffer.
  SgdOptions o{.lr = 0.1, .momentum = 0.9};
  Tensor a = F64({1, 2, 3, 4}, {2, 2}).requires_grad_();
  Tensor b = F64({-1}, {1}).requires_grad_();
  auto sgd = MakeSgd({a, b}, o);
  Reference ra{o, {1, 2, 3, 4}, {}}, rb{o, {-1}, {}};
  for (int step = 0; step < 3; ++step) {
    sgd->ZeroGrad();
    // loss = 0.5 * sum(a^2) + 3 b: grad a = a, grad b = 3.
    ((a * a).sum() * 0.5 + (b * 3.0).sum()).backward();
    ra.Step(Values(a));
    rb.Step({3.0});
    sgd->Step();
    ExpectNearAll(a, ra.p, 1e-12, "a");
    ExpectNearAll(b, rb.p, 1e-12, "b");
  }
  // float32 parameters: same rule within float rounding.
  Tensor f = F32({1.f, -2.f}, {2}).requires_grad_();
  auto sgd32 = MakeSgd({f}, o);
  Reference rf{o, {1, -2}, {}};
  for (int step = 0; step < 3; ++step) {
    sgd32->ZeroGrad();
    (f * F32({0.5f, 0.25f}, {2})).sum().backward();
    sgd32->Step();
    rf.Step({0.5, 0.25});
  }
  EXPECT_EQ(f.dtype(), kFloat32);
  ExpectNearAll(f, rf.p, 1e-6, "float32");
}

TEST(SgdRule, StepKeepsParametersLeavesAndGradModeOn) {
  Tensor p = F64({1, 2}, {2}).requires_grad_();
  auto sgd = MakeSgd({p}, {.lr = 0.1, .momentum = 0.5});
  StepWithGradient(*sgd, p, {1, 1});
  EXPECT_TRUE(p.is_leaf());
  EXPECT_TRUE(p.requires_grad());
  EXPECT_EQ(p.grad_fn(), nullptr);
  EXPECT_TRUE(autograd::GradMode::is_enabled());
  // In place: the parameter handle sees the update.
  EXPECT_TRUE(HasValues(p, {2}, {0.9, 1.9}, 1e-15));
}

// ---- ZeroGrad, missing gradients -------------------------------------------------------------

TEST(Sgd, ZeroGradZeroesInPlace) {
  Tensor p = F64({1, 2, 3}, {3}).requires_grad_();
  auto sgd = MakeSgd({p}, {.lr = 0.1});
  (p * F64({4, 5, 6}, {3})).sum().backward();
  const void* storage = p.grad().raw_data();
  sgd->ZeroGrad();
  EXPECT_TRUE(HasValues(p.grad(), {3}, {0, 0, 0}));
  EXPECT_EQ(p.grad().raw_data(), storage);
  // Without ZeroGrad gradients accumulate: two backwards double the step.
  (p * F64({1, 1, 1}, {3})).sum().backward();
  (p * F64({1, 1, 1}, {3})).sum().backward();
  sgd->Step();
  EXPECT_TRUE(HasValues(p, {3}, {0.8, 1.8, 2.8}, 1e-15));
  // ZeroGrad then Step moves nothing (plain SGD, zero gradient).
  sgd->ZeroGrad();
  sgd->Step();
  EXPECT_TRUE(HasValues(p, {3}, {0.8, 1.8, 2.8}, 1e-15));
}

TEST(Sgd, ParametersWithoutGradientAreSkipped) {
  SgdOptions o{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.5};
  Tensor used = F64({1, 1}, {2}).requires_grad_();
  Tensor unused = F64({5, -5}, {2}).requires_grad_();
  auto sgd = MakeSgd({used, unused}, o);
  StepWithGradient(*sgd, used, {1, 2});
  // No gradient: not even weight decay touches it, and no buffer appears.
  EXPECT_FALSE(unused.grad().defined());
  EXPECT_TRUE(HasValues(unused, {2}, {5, -5}));
  ASSERT_EQ(sgd->momentum_buffers().size(), 2u);
  EXPECT_TRUE(sgd->momentum_buffers()[0].defined());
  EXPECT_FALSE(sgd->momentum_buffers()[1].defined());
  // used: g = [1, 2] + 0.5 [1, 1] = [1.5, 2.5]; p = [0.85, 0.75].
  EXPECT_TRUE(HasValues(used, {2}, {0.85, 0.75}, 1e-15));
  // When `unused` gets its first gradient later, its buffer starts as that gradient.
  sgd->ZeroGrad();
  (unused * F64({1, 1}, {2})).sum().backward();
  sgd->Step();
  // unused: g = 1 + 0.5 p = [3.5, -1.5], b = g, p = [5 - 0.35, -5 + 0.15].
  EXPECT_TRUE(HasValues(unused, {2}, {4.65, -4.85}, 1e-14));
  ASSERT_TRUE(sgd->momentum_buffers()[1].defined());
  EXPECT_TRUE(HasValues(sgd->momentum_buffers()[1], {2}, {3.5, -1.5}, 1e-15));
}

TEST(Sgd, MomentumBuffersAreExposed) {
  Tensor p = F64({1}, {1}).requires_grad_();
  auto sgd = MakeSgd({p}, {.lr = 0.1, .momentum = 0.9});
  ASSERT_EQ(sgd->momentum_buffers().size(), 1u);
  EXPECT_FALSE(sgd->momentum_buffers()[0].defined());
  StepWithGradient(*sgd, p, {1});
  StepWithGradient(*sgd, p, {1});
  EXPECT_TRUE(HasValues(sgd->momentum_buffers()[0], {1}, {1.9}, 1e-15));
  // Without momentum there are no buffers to keep.
  Tensor q = F64({1}, {1}).requires_grad_();
  auto plain = MakeSgd({q}, {.lr = 0.1});
  StepWithGradient(*plain, q, {1});
  for (const Tensor& b : plain->momentum_buffers()) EXPECT_FALSE(b.defined());
}

// ---- Validation ------------------------------------------------------------------------------

void ExpectRejected(const SgdOptions& o, const std::string& setting) {
  Tensor p = F64({1}, {1}).requires_grad_();
  auto sgd = Sgd::Create({p}, o);
  ASSERT_FALSE(sgd.ok()) << "accepted a bad " << setting;
  EXPECT_EQ(sgd.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(sgd.status().message()).find(setting), std::string::npos) << sgd.status();
  absl::Status v = ValidateSgdOptions(o);
  EXPECT_FALSE(v.ok());
  EXPECT_NE(std::string(v.message()).find(setting), std::string::npos) << v;
}

TEST(SgdOptions, RejectsBadSettingsNamingThem) {
  ExpectRejected({.lr = 0}, "lr");
  ExpectRejected({.lr = -0.1}, "lr");
  ExpectRejected({.lr = std::nan("")}, "lr");
  ExpectRejected({.lr = 0.1, .momentum = -0.1}, "momentum");
  ExpectRejected({.lr = 0.1, .momentum = 1.0}, "momentum");
  ExpectRejected({.lr = 0.1, .momentum = 1.5}, "momentum");
  ExpectRejected({.lr = 0.1, .momentum = 0.9, .dampening = -0.1}, "dampening");
  ExpectRejected({.lr = 0.1, .momentum = 0.9, .dampening = 1.5}, "dampening");
  ExpectRejected({.lr = 0.1, .weight_decay = -0.1}, "weight_decay");
  ExpectRejected({.lr = 0.1, .nesterov = true}, "nesterov");
  ExpectRejected({.lr = 0.1, .momentum = 0.9, .dampening = 0.5, .nesterov = true}, "nesterov");
}

TEST(SgdOptions, AcceptsEdgeSettings) {
  for (SgdOptions o : {SgdOptions{.lr = 1e-9}, SgdOptions{.lr = 0.1, .momentum = 0.0},
                       SgdOptions{.lr = 0.1, .momentum = 0.999}, SgdOptions{.lr = 0.1, .momentum = 0.9, .dampening = 1},
                       SgdOptions{.lr = 0.1, .weight_decay = 0}, SgdOptions{.lr = 5, .momentum = 0.1, .nesterov = true}}) {
    EXPECT_TRUE(ValidateSgdOptions(o).ok()) << ValidateSgdOptions(o);
    Tensor p = F64({1}, {1}).requires_grad_();
    EXPECT_TRUE(Sgd::Create({p}, o).ok());
  }
}

TEST(SgdOptions, RejectsParametersThatAreNotLeavesRequiringGrad) {
  Tensor good = F64({1}, {1}).requires_grad_();
  Tensor no_grad = F64({1}, {1});
  auto r1 = Sgd::Create({good, no_grad}, {.lr = 0.1});
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(r1.status().message()).find("1"), std::string::npos) << r1.status();
  Tensor non_leaf = good * 2.0;
  EXPECT_FALSE(Sgd::Create({non_leaf}, {.lr = 0.1}).ok());
  EXPECT_FALSE(Sgd::Create({Tensor()}, {.lr = 0.1}).ok());
}

TEST(Sgd, OptionsAndSetLr) {
  Tensor p = F64({1}, {1}).requires_grad_();
  auto sgd = MakeSgd({p}, {.lr = 0.1, .momentum = 0.5, .weight_decay = 0.01});
  EXPECT_EQ(sgd->lr(), 0.1);
  EXPECT_EQ(sgd->options().momentum, 0.5);
  EXPECT_EQ(sgd->options().weight_decay, 0.01);
  EXPECT_EQ(sgd->steps(), 0);
  sgd->set_lr(0.5);
  EXPECT_EQ(sgd->lr(), 0.5);
  EXPECT_EQ(sgd->options().lr, 0.5);
  EXPECT_TRUE(ThrowsTensorError([&] { sgd->set_lr(0); }, {"lr"}));
  EXPECT_TRUE(ThrowsTensorError([&] { sgd->set_lr(-1); }, {"lr"}));
  EXPECT_EQ(sgd->lr(), 0.5) << "a rejected lr must not be kept";
}

TEST(Sgd, SetLrAffectsTheNextStep) {
  Tensor p = F64({1}, {1}).requires_grad_();
  auto sgd = MakeSgd({p}, {.lr = 0.1});
  StepWithGradient(*sgd, p, {1});  // 0.9
  sgd->set_lr(0.5);
  StepWithGradient(*sgd, p, {1});  // 0.4
  sgd->set_lr(0.01);
  StepWithGradient(*sgd, p, {2});  // 0.38
  EXPECT_NEAR(Values(p)[0], 0.38, 1e-15);
  // With momentum the buffer carries over; only the step size changes: b = 1, 1.9; p = 1 -
  // 0.1 - 0.2 * 1.9 = 0.52.
  Tensor q = F64({1}, {1}).requires_grad_();
  auto m = MakeSgd({q}, {.lr = 0.1, .momentum = 0.9});
  StepWithGradient(*m, q, {1});
  m->set_lr(0.2);
  StepWithGradient(*m, q, {1});
  EXPECT_NEAR(Values(q)[0], 0.52, 1e-15);
}

// ---- LoadState -------------------------------------------------------------------------------

// loss = 0.5 * sum(c * p^2): grad c * p, so the path depends on the state.
void QuadraticStep(Sgd& sgd, const Tensor& p) {
  sgd.ZeroGrad();
  ((p * p * F64({1.0, 3.0, 0.5}, {3})).sum() * 0.5).backward();
  sgd.Step();
}

TEST(SgdLoadState, ResumingEqualsAnUninterruptedRun) {
  const SgdOptions o{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true};
  const std::vector<double> p0 = {2.0, -1.0, 4.0};
  // Uninterrupted: 5 steps.
  Tensor a = F64(p0, {3}).requires_grad_();
  auto sa = MakeSgd({a}, o);
  for (int i = 0; i < 5; ++i) QuadraticStep(*sa, a);

  // Interrupted after 2: keep params, buffers and the step count (as a checkpoint would).
  Tensor b = F64(p0, {3}).requires_grad_();
  auto sb = MakeSgd({b}, o);
  for (int i = 0; i < 2; ++i) QuadraticStep(*sb, b);
  const std::vector<double> saved_params = Values(b);
  std::vector<Tensor> saved_buffers;
  for (const Tensor& buf : sb->momentum_buffers()) saved_buffers.push_back(buf.defined() ? buf.clone() : Tensor());
  const int64_t saved_steps = sb->steps();
  EXPECT_EQ(saved_steps, 2);
  sb.reset();

  // A fresh process: new parameter from the saved values, new optimizer, LoadState.
  Tensor c = F64(saved_params, {3}).requires_grad_();
  auto sc = MakeSgd({c}, o);
  ASSERT_TRUE(sc->LoadState(saved_buffers, saved_steps).ok());
  EXPECT_EQ(sc->steps(), 2);
  ASSERT_TRUE(sc->momentum_buffers()[0].defined());
  EXPECT_EQ(Values(sc->momentum_buffers()[0]), Values(saved_buffers[0]));
  // The restored buffer is the optimizer's own copy.
  EXPECT_FALSE(sc->momentum_buffers()[0].shares_storage(saved_buffers[0]));
  for (int i = 0; i < 3; ++i) QuadraticStep(*sc, c);
  EXPECT_EQ(sc->steps(), 5);
  ExpectNearAll(c, Values(a), 1e-15, "resumed vs uninterrupted");

  // Sensitivity: resuming without the buffers gives a different result.
  Tensor d = F64(saved_params, {3}).requires_grad_();
  auto sd = MakeSgd({d}, o);
  for (int i = 0; i < 3; ++i) QuadraticStep(*sd, d);
  EXPECT_GT(std::fabs(Values(d)[0] - Values(a)[0]), 1e-3);
}

TEST(SgdLoadState, UndefinedBuffersAreAllowed) {
  Tensor p = F64({1}, {1}).requires_grad_();
  Tensor q = F64({2, 2}, {2}).requires_grad_();
  auto sgd = MakeSgd({p, q}, {.lr = 0.1, .momentum = 0.9});
  ASSERT_TRUE(sgd->LoadState({F64({10}, {1}), Tensor()}, 7).ok());
  EXPECT_EQ(sgd->steps(), 7);
  EXPECT_FALSE(sgd->momentum_buffers()[1].defined());
  sgd->ZeroGrad();
  ((p * 1.0).sum() + (q * 1.0).sum()).backward();
  sgd->Step();
  // p: b = 0.9 * 10 + 1 = 10, p = 1 - 1 = 0. q: first buffer b = g = 1, q = 1.9.
  EXPECT_NEAR(Values(p)[0], 0.0, 1e-15);
  EXPECT_TRUE(HasValues(q, {2}, {1.9, 1.9}, 1e-15));
}

TEST(SgdLoadState, Errors) {
  Tensor p = F64({1, 2, 3}, {3}).requires_grad_();
  Tensor q = F64({1, 2, 3, 4}, {2, 2}).requires_grad_();
  auto sgd = MakeSgd({p, q}, {.lr = 0.1, .momentum = 0.9});
  // Wrong count.
  absl::Status s = sgd->LoadState({F64({0, 0, 0}, {3})}, 1);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("1"), std::string::npos) << s;
  EXPECT_NE(std::string(s.message()).find("2"), std::string::npos) << s;
  // Shape mismatch: names both shapes.
  s = sgd->LoadState({F64({0, 0, 0}, {3}), F64({0, 0, 0, 0}, {4})}, 1);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("[4]"), std::string::npos) << s;
  EXPECT_NE(std::string(s.message()).find("[2, 2]"), std::string::npos) << s;
  // A failed LoadState changes nothing.
  EXPECT_EQ(sgd->steps(), 0);
  for (const Tensor& b : sgd->momentum_buffers()) EXPECT_FALSE(b.defined());
}

// ---- Gradient descent --------------------------------------------------------------------------

TEST(SgdDescent, ReachesTheOriginOfASumOfSquares) {
  // f = x0^2 + x1^2, lr 0.1: x <- 0.8 x, so after 100 steps |x| = 5 * 0.8^100 ~ 1e-9.
  Tensor x = F64({-3.0, 4.0}, {2}).requires_grad_();
  auto sgd = MakeSgd({x}, {.lr = 0.1});
  for (int step = 0; step < 100; ++step) {
    sgd->ZeroGrad();
    (x * x).sum().backward();
    sgd->Step();
    if (step == 0) {
      EXPECT_TRUE(HasValues(x, {2}, {-2.4, 3.2}, 1e-15));
    }
  }
  EXPECT_LT(std::fabs(Values(x)[0]), 1e-9);
  EXPECT_LT(std::fabs(Values(x)[1]), 1e-9);
  EXPECT_NEAR(Values(x)[0], -3.0 * std::pow(0.8, 100), 1e-20);
  EXPECT_NEAR(Values(x)[1], 4.0 * std::pow(0.8, 100), 1e-20);
  EXPECT_EQ(sgd->steps(), 100);
}

TEST(SgdDescent, FitsALineWithMomentum) {
  // y = 2x + 1 by least squares on 5 points: w -> 2, b -> 1.
  Tensor w = F64({0.0}, {1}).requires_grad_();
  Tensor b = F64({0.0}, {1}).requires_grad_();
  Tensor xs = F64({-2, -1, 0, 1, 2}, {5});
  Tensor ys = F64({-3, -1, 1, 3, 5}, {5});
  auto sgd = MakeSgd({w, b}, {.lr = 0.05, .momentum = 0.9});
  for (int step = 0; step < 500; ++step) {
    sgd->ZeroGrad();
    Tensor d = xs * w + b - ys;
    (d * d).mean().backward();
    sgd->Step();
  }
  EXPECT_NEAR(Values(w)[0], 2.0, 1e-9);
  EXPECT_NEAR(Values(b)[0], 1.0, 1e-9);
}

// ---- Step(parts, run_parts): the update in slices, for several threads ------------------

// Parameters of odd sizes (so slices are uneven), one of them non-contiguous, float32.
std::vector<Tensor> PartsParams() {
  Generator gen(5);
  Tensor a = randn({7, 5}, gen).requires_grad_();
  Tensor b = randn({13}, gen).requires_grad_();
  Tensor c = randn({4, 3}, gen).t().requires_grad_();  // a non-contiguous leaf: the unfused path
  Tensor d = randn({2}, gen).requires_grad_();
  return {a, b, c, d};
}

std::vector<Tensor> CloneParams(const std::vector<Tensor>& ps) {
  std::vector<Tensor> out;
  for (const Tensor& p : ps) {
    Tensor c = p.detach().clone();
    if (!p.is_contiguous()) c = p.detach().t().clone().t();  // the same layout
    out.push_back(c.requires_grad_());
  }
  return out;
}

TEST(SgdParts, SlicesOnThreadsEqualOneWholeStepExactly) {
  for (const SgdOptions& o : {SgdOptions{.lr = 0.1}, SgdOptions{.lr = 0.1, .momentum = 0.9},
                              SgdOptions{.lr = 0.05, .momentum = 0.8, .dampening = 0.3, .weight_decay = 0.01},
                              SgdOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.1, .nesterov = true}}) {
    std::vector<Tensor> whole = PartsParams(), sliced = CloneParams(whole);
    ASSERT_FALSE(sliced[2].is_contiguous());
    auto sgd_whole = MakeSgd(whole, o), sgd_sliced = MakeSgd(sliced, o);
    ASSERT_NE(sgd_whole, nullptr);
    ASSERT_NE(sgd_sliced, nullptr);
    Generator gen(11);
    for (int step = 0; step < 3; ++step) {
      for (size_t i = 0; i < whole.size(); ++i) {
        Tensor g = randn(whole[i].shape(), gen);
        whole[i].set_grad(g.clone());
        sliced[i].set_grad(g.clone());
      }
      sgd_whole->Step();
      // Three parts on three threads, started in reverse order.
      sgd_sliced->Step(3, [](absl::FunctionRef<void(int)> part) {
        std::vector<std::thread> threads;
        for (int p = 2; p >= 0; --p) threads.emplace_back([part, p] { part(p); });
        for (std::thread& t : threads) t.join();
      });
      for (size_t i = 0; i < whole.size(); ++i) {
        EXPECT_EQ(Values(whole[i]), Values(sliced[i])) << "parameter " << i << " step " << step + 1
                                                       << " momentum " << o.momentum;
      }
    }
    EXPECT_EQ(sgd_sliced->steps(), 3);
  }
}

TEST(SgdParts, MorePartsThanElementsAndABadCount) {
  Tensor p = F64({1.0, 2.0}, {2}).requires_grad_();
  auto sgd = MakeSgd({p}, {.lr = 0.5});
  p.set_grad(F64({1.0, -1.0}, {2}));
  int calls = 0;
  sgd->Step(5, [&](absl::FunctionRef<void(int)> part) {
    for (int i = 0; i < 5; ++i, ++calls) part(i);
  });
  EXPECT_EQ(calls, 5);
  EXPECT_TRUE(HasValues(p, {2}, {0.5, 2.5}, 1e-15));
  EXPECT_TRUE(ThrowsTensorError([&] { sgd->Step(0, [](absl::FunctionRef<void(int)>) {}); }, {"parts >= 1"}));
}

}  // namespace
}  // namespace concord::optim
