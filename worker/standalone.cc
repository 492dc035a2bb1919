#include "worker/standalone.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <ostream>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "common/machine.h"
#include "tensor/data/dataset.h"
#include "tensor/data/sampler.h"
#include "worker/batch_feed.h"
#include "worker/metrics.h"
#include "worker/trainer.h"

namespace concord {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Keeps the newest `keep` checkpoints.
void PruneCheckpoints(const std::string& dir, size_t keep) {
  std::vector<std::string> all = ListCheckpoints(dir);
  for (size_t i = keep; i < all.size(); ++i) std::filesystem::remove(all[i]);
}

}  // namespace

std::atomic<bool>& StopRequested() {
  static std::atomic<bool> stop{false};
  return stop;
}

void InstallStopSignalHandlers() {
  auto handler = [](int) { StopRequested().store(true); };
  std::signal(SIGINT, handler);
  std::signal(SIGTERM, handler);
}

std::string CheckpointPath(const std::string& run_dir, int64_t step) {
  return absl::StrFormat("%s/checkpoint-%010d.ckpt", run_dir, step);
}

std::vector<std::string> ListCheckpoints(const std::string& run_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(run_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("checkpoint-", 0) == 0 && name.size() > 16 && name.substr(name.size() - 5) == ".ckpt") {
      out.push_back(entry.path().string());
    }
  }
  std::sort(out.rbegin(), out.rend());  // zero-padded steps: newest first
  return out;
}

absl::StatusOr<RunSummary> RunStandalone(const JobConfig& config, bool resume, std::ostream& out, Device device) {
  const auto load_start = Clock::now();
  absl::StatusOr<data::DatasetPair> data = data::LoadDatasetDir(config.dataset());
  if (!data.ok()) return data.status();
  out << absl::StrFormat("dataset %s: %d training and %d test samples of %d features, loaded in %.2f s\n",
                         config.dataset(), data->train.size(), data->test.size(), data->train.features(),
                         Seconds(Clock::now() - load_start));

  absl::StatusOr<std::unique_ptr<Trainer>> trainer =
      Trainer::Create(config, data->train.features(), data->train.num_classes(), device);
  if (!trainer.ok()) return trainer.status();
  Trainer& t = **trainer;

  const std::string run_dir = config.run_dir();
  std::string metrics_path = config.metrics_out();
  if (!run_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(run_dir, ec);
    if (ec) return absl::UnavailableError(absl::StrCat("cannot create run_dir ", run_dir, ": ", ec.message()));
    if (metrics_path.empty()) metrics_path = run_dir + "/metrics.jsonl";
  }
  MetricsWriter metrics;
  if (!metrics_path.empty()) {
    if (absl::Status s = metrics.Open(metrics_path); !s.ok()) return s;
  }

  TrainingState state;
  if (resume) {
    if (run_dir.empty()) return absl::InvalidArgumentError("--resume needs a run_dir holding checkpoints");
    bool restored = false;
    for (const std::string& path : ListCheckpoints(run_dir)) {
      absl::StatusOr<TrainingState> s = t.LoadCheckpoint(path);
      if (s.ok()) {
        state = *s;
        restored = true;
        out << absl::StrFormat("resumed from %s: epoch %d, batch %d, step %d\n", path, state.epoch + 1,
                               state.next_batch, state.step);
        break;
      }
      out << "skipping checkpoint " << path << ": " << s.status().message() << "\n";
    }
    if (!restored) out << "no valid checkpoint in " << run_dir << "; starting from the beginning\n";
  }

  data::BatchSampler sampler(data->train.size(), config.batch_size(), /*shuffle=*/true, config.drop_last(),
                             config.seed());
  const int64_t steps_per_epoch = sampler.num_batches();
  const int64_t total_steps = steps_per_epoch * config.epochs();
  out << absl::StrFormat("model %s: %d parameters on %s; %d epochs of %d steps (batch %d)\n",
                         absl::StrReplaceAll(t.model().ToString(), {{"\n", " "}}), t.model().num_parameters(),
                         device.ToString(), config.epochs(), steps_per_epoch, config.batch_size());
  out.flush();

  RunSummary summary;
  summary.steps = state.step;
  summary.epochs = state.epoch;
  double train_seconds = 0;
  int64_t trained_samples = 0;
  auto last_log = Clock::now();
  double window_loss = 0;
  int64_t window_samples = 0;
  auto checkpoint = [&](const TrainingState& s) -> absl::Status {
    if (run_dir.empty()) return absl::OkStatus();
    const std::string path = CheckpointPath(run_dir, s.step);
    if (absl::Status st = t.SaveCheckpoint(path, s); !st.ok()) return st;
    PruneCheckpoints(run_dir, 2);
    metrics.Write({{"event", std::string("checkpoint")}, {"step", s.step}, {"path", path}});
    return absl::OkStatus();
  };

  BatchFeed feed(t, data->train, {.mean = config.normalize_mean(), .std = config.normalize_std()}, device,
                 GatherAhead(device, /*ranks_here=*/1, t.threads(), UsableCpus()));
  // The next epoch's order: an epoch's last step starts gathering the next epoch's first batch,
  // so no epoch begins by waiting for its data.
  data::BatchSampler lookahead(data->train.size(), config.batch_size(), /*shuffle=*/true, config.drop_last(),
                               config.seed());
  int64_t lookahead_epoch = -1;  // the epoch whose order lookahead holds
  for (int64_t epoch = state.epoch; epoch < config.epochs(); ++epoch) {
    if (lookahead_epoch == epoch) {
      std::swap(sampler, lookahead);  // shuffled already
    } else {
      sampler.SetEpoch(epoch);
    }
    t.SetEpoch(epoch);
    double epoch_loss = 0;
    int64_t epoch_samples = 0;
    const int64_t first_batch = epoch == state.epoch ? state.next_batch : 0;
    if (epoch == state.epoch && first_batch < steps_per_epoch) feed.Start(sampler.Batch(first_batch));
    for (int64_t b = first_batch; b < steps_per_epoch; ++b) {
      std::span<const int64_t> batch = sampler.Batch(b);
      std::span<const int64_t> next;
      if (b + 1 < steps_per_epoch) {
        next = sampler.Batch(b + 1);
      } else if (epoch + 1 < config.epochs()) {
        lookahead.SetEpoch(epoch + 1);
        lookahead_epoch = epoch + 1;
        next = lookahead.Batch(0);
      }
      const auto step_start = Clock::now();
      absl::StatusOr<double> loss_sum = feed.Step(static_cast<int64_t>(batch.size()), next);
      if (!loss_sum.ok()) return loss_sum.status();
      train_seconds += Seconds(Clock::now() - step_start);
      trained_samples += static_cast<int64_t>(batch.size());
      epoch_loss += *loss_sum;
      epoch_samples += static_cast<int64_t>(batch.size());
      window_loss += *loss_sum;
      window_samples += static_cast<int64_t>(batch.size());
      ++summary.steps;
      TrainingState now{epoch, b + 1, summary.steps};
      if (b + 1 == steps_per_epoch) now = {epoch + 1, 0, summary.steps};

      const double since_log = Seconds(Clock::now() - last_log);
      if (since_log >= config.log_interval()) {
        const double rate = trained_samples / std::max(train_seconds, 1e-9);
        const double eta = (total_steps - summary.steps) * config.batch_size() / rate;
        out << absl::StrFormat("epoch %d/%d  step %d/%d  loss %.4f  %.0f samples/s  ETA %s\n", epoch + 1,
                               config.epochs(), summary.steps, total_steps, window_loss / window_samples, rate,
                               FormatDuration(eta));
        out.flush();
        metrics.Write({{"event", std::string("progress")}, {"epoch", epoch + 1}, {"step", summary.steps},
                       {"loss", window_loss / window_samples}, {"samples_per_sec", rate}});
        last_log = Clock::now();
        window_loss = 0;
        window_samples = 0;
      }
      if (config.checkpoint_every_steps() > 0 && summary.steps % config.checkpoint_every_steps() == 0) {
        if (absl::Status s = checkpoint(now); !s.ok()) return s;
      }
      if (StopRequested().load()) {
        out << "stop requested: stopping after step " << summary.steps << "\n";
        if (absl::Status s = checkpoint(now); !s.ok()) return s;
        summary.interrupted = true;
        summary.final_train_loss = epoch_samples ? epoch_loss / epoch_samples : 0;
        summary.train_samples_per_sec = trained_samples / std::max(train_seconds, 1e-9);
        return summary;
      }
    }
    summary.epochs = epoch + 1;
    if (epoch_samples > 0) summary.final_train_loss = epoch_loss / epoch_samples;
    if ((epoch + 1) % config.eval_every_epochs() == 0 || epoch + 1 == config.epochs()) {
      EvalResult r = t.Evaluate(data->test);
      summary.test_accuracy = r.accuracy();
      out << absl::StrFormat("epoch %d/%d done: train loss %.4f, test accuracy %.4f (%d/%d), test loss %.4f\n",
                             epoch + 1, config.epochs(), summary.final_train_loss, r.accuracy(), r.correct, r.count,
                             r.mean_loss());
      out.flush();
      metrics.Write({{"event", std::string("epoch")}, {"epoch", epoch + 1}, {"step", summary.steps},
                     {"train_loss", summary.final_train_loss}, {"test_accuracy", r.accuracy()},
                     {"test_loss", r.mean_loss()}});
    }
  }
  if (!run_dir.empty()) {
    if (absl::Status s = checkpoint({config.epochs(), 0, summary.steps}); !s.ok()) return s;
  }
  if (summary.test_accuracy == 0 && summary.epochs > 0) summary.test_accuracy = t.Evaluate(data->test).accuracy();
  summary.train_samples_per_sec = trained_samples / std::max(train_seconds, 1e-9);
  metrics.Write({{"event", std::string("summary")}, {"test_accuracy", summary.test_accuracy},
                 {"final_train_loss", summary.final_train_loss},
                 {"train_samples_per_sec", summary.train_samples_per_sec}, {"epochs", summary.epochs},
                 {"steps", summary.steps}, {"world_size", int64_t{1}}});
  if (!metrics.path().empty()) out << "metrics: " << metrics.path() << "\n";
  if (!run_dir.empty()) out << "checkpoints: " << run_dir << "\n";
  return summary;
}

}  // namespace concord
