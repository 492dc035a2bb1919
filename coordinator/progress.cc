#include "coordinator/progress.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace concord {

Progress::Progress(int world_size, int64_t total_steps, int64_t steps_per_epoch, int64_t epochs, std::ostream& out,
                   MetricsWriter* metrics, absl::Duration interval)
    : world_size_(world_size),
      total_steps_(total_steps),
      steps_per_epoch_(steps_per_epoch),
      epochs_(epochs),
      out_(out),
      metrics_(metrics),
      interval_(interval),
      step_(world_size, -1),
      step_seconds_(world_size, 0),
      comm_seconds_(world_size, 0),
      done_(world_size, false),
      epoch_loss_(epochs, 0),
      epoch_samples_(epochs, 0) {}

void Progress::Report(int rank, const StepReport& r) {
  std::lock_guard<std::mutex> lock(mu_);
  step_[rank] = std::max(step_[rank], r.step());
  if (r.steps() > 0) {
    step_seconds_[rank] = r.step_seconds() / static_cast<double>(r.steps());
    comm_seconds_[rank] = r.comm_seconds() / static_cast<double>(r.steps());
  }
  samples_ += r.samples();
  window_loss_ += r.loss_sum();
  window_samples_ += r.samples();
  if (r.epoch() >= 0 && r.epoch() < epochs_) {
    epoch_loss_[r.epoch()] += r.loss_sum();
    epoch_samples_[r.epoch()] += r.samples();
  }
  if (r.has_eval() && r.eval_count() > 0) {
    test_accuracy_ = static_cast<double>(r.eval_correct()) / static_cast<double>(r.eval_count());
    epochs_evaluated_ = r.epoch() + 1;
    out_ << absl::StrFormat("epoch %d/%d done: test accuracy %.4f (%d/%d), test loss %.4f\n", r.epoch() + 1, epochs_,
                            test_accuracy_, r.eval_correct(), r.eval_count(), r.eval_loss_sum() / r.eval_count());
    out_.flush();
    if (metrics_) {
      metrics_->Write({{"event", std::string("epoch")}, {"epoch", r.epoch() + 1}, {"step", r.step() + 1},
                       {"test_accuracy", test_accuracy_}, {"test_loss", r.eval_loss_sum() / r.eval_count()}});
    }
  }
  if (r.done()) done_[rank] = true;
  train_seconds_ = std::chrono::duration<double>(Clock::now() - start_).count();
  cv_.notify_all();
}

void Progress::MaybePrint() {
  std::lock_guard<std::mutex> lock(mu_);
  if (Clock::now() - last_print_ < absl::ToChronoMilliseconds(interval_)) return;
  PrintLocked();
}

void Progress::PrintLocked() {
  last_print_ = Clock::now();
  if (window_samples_ == 0) return;
  const double loss = window_loss_ / static_cast<double>(window_samples_);
  ema_loss_ = ema_loss_ < 0 ? loss : 0.7 * ema_loss_ + 0.3 * loss;
  window_loss_ = 0;
  window_samples_ = 0;
  const int64_t step = *std::min_element(step_.begin(), step_.end()) + 1;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const double rate = samples_ / std::max(elapsed, 1e-9);
  const double eta = step > 0 ? elapsed / static_cast<double>(step) * static_cast<double>(total_steps_ - step) : 0;
  const int slowest = static_cast<int>(std::max_element(step_seconds_.begin(), step_seconds_.end()) - step_seconds_.begin());
  const double comm_share = step_seconds_[slowest] > 0 ? comm_seconds_[slowest] / step_seconds_[slowest] : 0;
  out_ << absl::StrFormat(
      "step %d/%d  epoch %d/%d  loss %.4f  %.0f samples/s  ETA %s  slowest rank %d (%.2f ms/step, %.0f%% all-reduce "
      "wait)\n",
      step, total_steps_, std::min(step / std::max<int64_t>(steps_per_epoch_, 1) + 1, epochs_), epochs_, ema_loss_,
      rate, FormatDuration(eta), slowest, step_seconds_[slowest] * 1e3, 100 * comm_share);
  out_.flush();
  if (metrics_) {
    metrics_->Write({{"event", std::string("progress")}, {"step", step}, {"loss", ema_loss_},
                     {"samples_per_sec", rate}, {"slowest_rank", static_cast<int64_t>(slowest)},
                     {"slowest_step_seconds", step_seconds_[slowest]},
                     {"slowest_comm_seconds", comm_seconds_[slowest]}});
  }
}

bool Progress::WaitDone(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                      [this] { return std::all_of(done_.begin(), done_.end(), [](bool d) { return d; }); });
}

RunSummary Progress::Summary() const {
  std::lock_guard<std::mutex> lock(mu_);
  RunSummary s;
  s.world_size = world_size_;
  s.steps = *std::min_element(step_.begin(), step_.end()) + 1;
  s.epochs = std::min(epochs_, s.steps / std::max<int64_t>(steps_per_epoch_, 1));
  s.test_accuracy = test_accuracy_;
  const int64_t last = std::max<int64_t>(s.epochs - 1, 0);
  if (last < epochs_ && epoch_samples_[last] > 0) s.final_train_loss = epoch_loss_[last] / epoch_samples_[last];
  s.train_samples_per_sec = samples_ / std::max(train_seconds_, 1e-9);
  return s;
}

}  // namespace concord
