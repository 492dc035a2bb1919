// Progress: the progress line names the slowest rank with its step time and the share of it
// spent waiting for the all-reduce; the metrics file gets the same figures; the summary counts
// every rank's samples.
#include "coordinator/progress.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace concord {
namespace {

StepReport Report(int64_t step, int64_t steps, double step_seconds, double comm_seconds) {
  StepReport r;
  r.set_step(step);
  r.set_steps(steps);
  r.set_samples(50 * steps);
  r.set_loss_sum(25.0 * steps);
  r.set_step_seconds(step_seconds);
  r.set_comm_seconds(comm_seconds);
  r.set_compute_seconds(step_seconds - comm_seconds);
  return r;
}

TEST(ProgressTest, TheLineNamesTheSlowestRankAndItsAllReduceWait) {
  const std::string path = ::testing::TempDir() + "/progress_metrics.jsonl";
  std::remove(path.c_str());
  MetricsWriter metrics;
  ASSERT_TRUE(metrics.Open(path).ok());
  std::ostringstream out;
  Progress progress(/*world_size=*/2, /*total_steps=*/100, /*steps_per_epoch=*/50, /*epochs=*/2, out, &metrics,
                    absl::ZeroDuration());
  // Rank 0: 10 steps of 5 ms, 1 ms of it waiting. Rank 1: 10 steps of 8 ms, 2 ms waiting.
  progress.Report(0, Report(9, 10, 0.050, 0.010));
  progress.Report(1, Report(9, 10, 0.080, 0.020));
  progress.MaybePrint();
  EXPECT_NE(out.str().find("step 10/100  epoch 1/2  loss 0.5000"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("slowest rank 1 (8.00 ms/step, 25% all-reduce wait)"), std::string::npos) << out.str();

  std::ifstream in(path);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_NE(line.find("\"event\": \"progress\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"slowest_rank\": 1"), std::string::npos) << line;
  EXPECT_NE(line.find("\"slowest_step_seconds\": 0.008"), std::string::npos) << line;
  EXPECT_NE(line.find("\"slowest_comm_seconds\": 0.002"), std::string::npos) << line;
  EXPECT_EQ(progress.Summary().steps, 10);
}

TEST(ProgressTest, ARankWithoutStepsIsNotTheSlowest) {
  std::ostringstream out;
  Progress progress(2, 100, 50, 2, out, nullptr, absl::ZeroDuration());
  progress.Report(0, Report(0, 1, 0.004, 0.001));
  progress.Report(1, Report(-1, 0, 0, 0));
  progress.MaybePrint();
  EXPECT_NE(out.str().find("slowest rank 0 (4.00 ms/step, 25% all-reduce wait)"), std::string::npos) << out.str();
}

TEST(ProgressTest, AStepTimeOfZeroShowsNoWaitRatherThanNaN) {
  std::ostringstream out;
  Progress progress(1, 100, 50, 2, out, nullptr, absl::ZeroDuration());
  progress.Report(0, Report(0, 1, 0, 0));  // a clock too coarse for the step
  progress.MaybePrint();
  EXPECT_NE(out.str().find("slowest rank 0 (0.00 ms/step, 0% all-reduce wait)"), std::string::npos) << out.str();
}

}  // namespace
}  // namespace concord
