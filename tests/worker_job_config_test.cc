// JobConfig: text-format parsing with file:line:column errors, flag overrides through the
// flags of the same names (every field has one), and validation naming the field.
#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "gtest/gtest.h"
#include "worker/job_config.h"

ABSL_DECLARE_FLAG(std::optional<double>, lr);
ABSL_DECLARE_FLAG(std::optional<std::string>, hidden);
ABSL_DECLARE_FLAG(std::optional<std::string>, activation);
ABSL_DECLARE_FLAG(std::optional<int64_t>, batch_size);
ABSL_DECLARE_FLAG(std::optional<bool>, nesterov);

namespace concord {
namespace {

void ExpectErrorContains(const absl::Status& s, const std::string& needle) {
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(needle), absl::string_view::npos) << s.message();
}

TEST(JobConfigTest, DefaultsAreTheReferenceJob) {
  JobConfig c;
  EXPECT_EQ(HiddenSizes(c), (std::vector<int64_t>{100}));
  EXPECT_EQ(c.activation(), "relu");
  EXPECT_EQ(c.init(), "he");
  EXPECT_DOUBLE_EQ(c.lr(), 0.1);
  EXPECT_EQ(c.batch_size(), 100);
  EXPECT_EQ(c.dataset(), "/usr/share/datasets/fashion-mnist");
  EXPECT_TRUE(ValidateJobConfig(c).ok());
}

TEST(JobConfigTest, ParsesTextFormat) {
  absl::StatusOr<JobConfig> c = ParseJobConfig("hidden: 1024 hidden: 512\nlr: 0.05\nactivation: \"tanh\"\n", "job.txt");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(HiddenSizes(*c), (std::vector<int64_t>{1024, 512}));
  EXPECT_DOUBLE_EQ(c->lr(), 0.05);
  EXPECT_EQ(c->activation(), "tanh");
}

TEST(JobConfigTest, UnknownFieldAndBadValueNameFileLineAndField) {
  ExpectErrorContains(ParseJobConfig("lr: 0.1\nbach_size: 5\n", "job.txt").status(), "job.txt:2:");
  ExpectErrorContains(ParseJobConfig("lr: 0.1\nbach_size: 5\n", "job.txt").status(), "bach_size");
  ExpectErrorContains(ParseJobConfig("epochs: \"ten\"\n", "job.txt").status(), "job.txt:1:");
  ExpectErrorContains(LoadJobConfig("/nonexistent/job.txt").status(), "cannot open the config file /nonexistent/job.txt");
}

TEST(JobConfigTest, ValidationNamesTheField) {
  auto check = [](const std::string& text, const std::string& needle) {
    absl::StatusOr<JobConfig> c = ParseJobConfig(text, "t");
    ASSERT_TRUE(c.ok()) << c.status();
    ExpectErrorContains(ValidateJobConfig(*c), needle);
  };
  check("lr: -1", "lr: expected a value > 0, got -1");
  check("batch_size: 0", "batch_size: expected a value > 0, got 0");
  check("momentum: 1", "momentum: expected a value in [0, 1)");
  check("activation: \"swish\"", "activation: expected relu, sigmoid, tanh, leaky_relu or elu, got 'swish'");
  check("hidden: -3", "hidden: expected positive layer sizes");
  check("nesterov: true", "nesterov: expected momentum > 0");
  check("lr_schedule: \"linear\"", "lr_schedule");
  check("epochs: 0", "epochs");
  check("normalize_std: 0", "normalize_std");
  check("loss: \"hinge\"", "loss: expected cross_entropy");
  check("thread_split: \"rows\"", "thread_split: expected auto, features, batch or gemm, got 'rows'");
}

TEST(JobConfigTest, EveryFieldHasAFlag) { EXPECT_TRUE(FieldsWithoutFlags().empty()); }

TEST(JobConfigTest, FlagsOverrideTheFileOnlyWhenGiven) {
  absl::FlagSaver saver;
  absl::StatusOr<JobConfig> c = ParseJobConfig("lr: 0.05\nbatch_size: 64\nhidden: 300\n", "t");
  ASSERT_TRUE(c.ok());
  absl::SetFlag(&FLAGS_lr, 0.2);
  absl::SetFlag(&FLAGS_hidden, std::string("1024,512"));
  absl::SetFlag(&FLAGS_activation, std::string("elu"));
  absl::SetFlag(&FLAGS_nesterov, true);
  ASSERT_TRUE(ApplyFlagOverrides(&*c).ok());
  EXPECT_DOUBLE_EQ(c->lr(), 0.2);
  EXPECT_EQ(c->batch_size(), 64);  // not given: the file's value stays
  EXPECT_EQ(HiddenSizes(*c), (std::vector<int64_t>{1024, 512}));
  EXPECT_EQ(c->activation(), "elu");
  EXPECT_TRUE(c->nesterov());
}

TEST(JobConfigTest, BadFlagValuesNameTheFlag) {
  absl::FlagSaver saver;
  JobConfig c;
  absl::SetFlag(&FLAGS_hidden, std::string("100,x"));
  ExpectErrorContains(ApplyFlagOverrides(&c), "--hidden: expected a comma-separated list");
  absl::SetFlag(&FLAGS_hidden, std::nullopt);
  std::string error;
  absl::CommandLineFlag* flag = absl::FindCommandLineFlag("batch_size");
  ASSERT_NE(flag, nullptr);
  EXPECT_FALSE(flag->ParseFrom("many", &error));  // absl rejects it before it reaches us
}

}  // namespace
}  // namespace concord
