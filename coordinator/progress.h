// File: coordinator/progress.h
//
// Progress: what the coordinator knows of a running job, from the workers' StepReports. It
// prints a progress line every interval (step/total, epoch, loss as a moving average,
// samples/s, ETA and the slowest rank's step time with the share of it spent waiting for the
// gradient all-reduce, so stragglers and communication-bound jobs show), writes JSON-lines
// metrics, and computes the final summary once every rank is done. Thread-safe.
#ifndef CONCORD_COORDINATOR_PROGRESS_H_
#define CONCORD_COORDINATOR_PROGRESS_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <ostream>
#include <vector>

#include "absl/time/time.h"
#include "proto/trainer.pb.h"
#include "worker/metrics.h"

namespace concord {

class Progress {
 public:
  Progress(int world_size, int64_t total_steps, int64_t steps_per_epoch, int64_t epochs, std::ostream& out,
           MetricsWriter* metrics, absl::Duration interval);

  void Report(int rank, const StepReport& report);
  // Prints a progress line if the interval has passed since the last one.
  void MaybePrint();
  // Blocks until every rank reported done, or the timeout passes (false).
  bool WaitDone(absl::Duration timeout);
  RunSummary Summary() const;

 private:
  using Clock = std::chrono::steady_clock;
  void PrintLocked();

  const int world_size_;
  const int64_t total_steps_, steps_per_epoch_, epochs_;
  std::ostream& out_;
  MetricsWriter* metrics_;
  const absl::Duration interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Clock::time_point start_ = Clock::now(), last_print_ = Clock::now();
  std::vector<int64_t> step_;            // last step reported, per rank
  std::vector<double> step_seconds_;     // mean step time of the last report, per rank
  std::vector<double> comm_seconds_;     // of which waiting for the all-reduce, per rank
  std::vector<bool> done_;
  int64_t samples_ = 0;                  // trained samples, all ranks
  double window_loss_ = 0;
  int64_t window_samples_ = 0;
  double ema_loss_ = -1;                 // moving average of the per-sample loss
  std::vector<double> epoch_loss_;       // per epoch: loss sum and samples, all ranks
  std::vector<int64_t> epoch_samples_;
  double test_accuracy_ = 0;
  int64_t epochs_evaluated_ = 0;
  double train_seconds_ = 0;             // first report to last step
};

}  // namespace concord

#endif  // CONCORD_COORDINATOR_PROGRESS_H_
