// Learning-rate schedules (tensor/optim/schedule.h): constant, StepLR and CosineAnnealingLR
// values from their closed forms, validation messages, and ParseScheduleKind.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/optim/schedule.h"

namespace concord::optim {
namespace {

constexpr double kPi = 3.14159265358979323846;

Schedule Ok(absl::StatusOr<Schedule> s) {
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : Schedule{};
}

TEST(Schedule, Constant) {
  Schedule s = Ok(Schedule::Constant(0.05));
  EXPECT_EQ(s.kind, Schedule::Kind::kConstant);
  EXPECT_EQ(s.base_lr, 0.05);
  for (int64_t e : {0, 1, 2, 10, 1000, 1000000}) EXPECT_EQ(s.LearningRate(e), 0.05) << e;
}

TEST(Schedule, StepKnownValues) {
  Schedule s = Ok(Schedule::Step(0.1, 2, 0.5));
  EXPECT_EQ(s.kind, Schedule::Kind::kStep);
  const std::vector<double> want = {0.1, 0.1, 0.05, 0.05, 0.025, 0.025};
  for (int64_t e = 0; e < 6; ++e) EXPECT_DOUBLE_EQ(s.LearningRate(e), want[e]) << "epoch " << e;
  // 0.1 * 0.5^5 at epochs 10 and 11.
  EXPECT_DOUBLE_EQ(s.LearningRate(10), 0.003125);
  EXPECT_DOUBLE_EQ(s.LearningRate(11), 0.003125);
}

TEST(Schedule, StepClosedForm) {
  Schedule s = Ok(Schedule::Step(0.3, 3, 0.1));
  for (int64_t e = 0; e < 20; ++e) {
    EXPECT_DOUBLE_EQ(s.LearningRate(e), 0.3 * std::pow(0.1, static_cast<double>(e / 3))) << "epoch " << e;
  }
  EXPECT_DOUBLE_EQ(s.LearningRate(2), 0.3);
  EXPECT_DOUBLE_EQ(s.LearningRate(3), 0.03);
  EXPECT_DOUBLE_EQ(s.LearningRate(6), 0.003);
  // step_size 1 decays every epoch; gamma 1 never decays.
  Schedule every = Ok(Schedule::Step(1.0, 1, 0.5));
  EXPECT_DOUBLE_EQ(every.LearningRate(3), 0.125);
  Schedule flat = Ok(Schedule::Step(0.2, 4, 1.0));
  EXPECT_DOUBLE_EQ(flat.LearningRate(100), 0.2);
}

TEST(Schedule, CosineKnownValues) {
  Schedule s = Ok(Schedule::Cosine(0.1, 10));
  EXPECT_EQ(s.kind, Schedule::Kind::kCosine);
  EXPECT_DOUBLE_EQ(s.LearningRate(0), 0.1);
  EXPECT_DOUBLE_EQ(s.LearningRate(5), 0.05);
  EXPECT_NEAR(s.LearningRate(10), 0.0, 1e-17);
  // Held at eta_min after t_max.
  EXPECT_NEAR(s.LearningRate(12), 0.0, 1e-17);
  EXPECT_NEAR(s.LearningRate(1000), 0.0, 1e-17);
  EXPECT_GE(s.LearningRate(10), 0.0);
  EXPECT_GE(s.LearningRate(12), 0.0);
}

TEST(Schedule, CosineClosedFormWithEtaMin) {
  const double lr = 0.2, eta_min = 0.02;
  const int64_t t_max = 7;
  Schedule s = Ok(Schedule::Cosine(lr, t_max, eta_min));
  for (int64_t e = 0; e <= t_max; ++e) {
    const double want = eta_min + (lr - eta_min) * (1 + std::cos(kPi * static_cast<double>(e) / t_max)) / 2;
    EXPECT_NEAR(s.LearningRate(e), want, 1e-16) << "epoch " << e;
  }
  EXPECT_NEAR(s.LearningRate(t_max), eta_min, 1e-16);
  EXPECT_NEAR(s.LearningRate(t_max + 1), eta_min, 1e-16);
  EXPECT_NEAR(s.LearningRate(t_max + 50), eta_min, 1e-16);
  // Halfway (t_max even): the mean of lr and eta_min.
  Schedule h = Ok(Schedule::Cosine(0.1, 4, 0.01));
  EXPECT_DOUBLE_EQ(h.LearningRate(2), 0.055);
  // Monotone non-increasing.
  for (int64_t e = 0; e < 20; ++e) EXPECT_LE(s.LearningRate(e + 1), s.LearningRate(e)) << e;
}

TEST(Schedule, CosineOfOneEpoch) {
  Schedule s = Ok(Schedule::Cosine(0.5, 1));
  EXPECT_DOUBLE_EQ(s.LearningRate(0), 0.5);
  EXPECT_NEAR(s.LearningRate(1), 0.0, 1e-17);
}

void ExpectInvalid(absl::StatusOr<Schedule> s, std::vector<std::string> any_of_names, const std::string& value) {
  ASSERT_FALSE(s.ok()) << "accepted";
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string m(s.status().message());
  bool named = false;
  for (const std::string& n : any_of_names) named = named || m.find(n) != std::string::npos;
  EXPECT_TRUE(named) << "message does not name the setting: " << m;
  EXPECT_NE(m.find(value), std::string::npos) << "message does not give the value " << value << ": " << m;
}

TEST(Schedule, RejectsBadLearningRates) {
  const std::vector<std::string> lr = {"lr", "learning rate"};
  ExpectInvalid(Schedule::Constant(0), lr, "0");
  ExpectInvalid(Schedule::Constant(-0.1), lr, "-0.1");
  ExpectInvalid(Schedule::Constant(std::nan("")), lr, "nan");
  ExpectInvalid(Schedule::Step(0, 2, 0.5), lr, "0");
  ExpectInvalid(Schedule::Step(-1, 2, 0.5), lr, "-1");
  ExpectInvalid(Schedule::Cosine(0, 10), lr, "0");
  ExpectInvalid(Schedule::Cosine(-0.5, 10), lr, "-0.5");
}

TEST(Schedule, RejectsBadStepSettings) {
  ExpectInvalid(Schedule::Step(0.1, 0, 0.5), {"step_size"}, "0");
  ExpectInvalid(Schedule::Step(0.1, -3, 0.5), {"step_size"}, "-3");
  ExpectInvalid(Schedule::Step(0.1, 2, 0), {"gamma"}, "0");
  ExpectInvalid(Schedule::Step(0.1, 2, -0.5), {"gamma"}, "-0.5");
  ExpectInvalid(Schedule::Step(0.1, 2, 1.5), {"gamma"}, "1.5");
}

TEST(Schedule, RejectsBadCosineSettings) {
  ExpectInvalid(Schedule::Cosine(0.1, 0), {"t_max"}, "0");
  ExpectInvalid(Schedule::Cosine(0.1, -5), {"t_max"}, "-5");
  ExpectInvalid(Schedule::Cosine(0.1, 10, 0.1), {"eta_min"}, "0.1");
  ExpectInvalid(Schedule::Cosine(0.1, 10, 0.5), {"eta_min"}, "0.5");
  ExpectInvalid(Schedule::Cosine(0.1, 10, -0.01), {"eta_min"}, "-0.01");
}

TEST(ParseScheduleKind, GoodAndBadNames) {
  ASSERT_TRUE(ParseScheduleKind("constant").ok());
  EXPECT_EQ(*ParseScheduleKind("constant"), Schedule::Kind::kConstant);
  EXPECT_EQ(*ParseScheduleKind("step"), Schedule::Kind::kStep);
  EXPECT_EQ(*ParseScheduleKind("cosine"), Schedule::Kind::kCosine);
  for (std::string bad : {"Cosine", "exponential", "", "step "}) {
    auto k = ParseScheduleKind(bad);
    ASSERT_FALSE(k.ok()) << "'" << bad << "' accepted";
    EXPECT_EQ(k.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(k.status().message()).find("'" + bad + "'"), std::string::npos) << k.status();
  }
}

}  // namespace
}  // namespace concord::optim
