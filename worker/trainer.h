// File: worker/trainer.h
//
// Trainer: the model, the optimizer and one training step, as every worker runs them. The
// standalone worker drives it over whole batches; the distributed worker hands it its shard
// of each global batch and plugs its gradient all-reduce in as a GradientSync. The loss of a
// step is normalised by the GLOBAL batch size, so the gradients summed over all workers'
// shards equal those of one process on the whole batch. On the CPU with config.threads() > 1
// the threads share each step as config.thread_split() says (worker/lane_split.h: slices of
// the first layers' units, or of the batch's rows), and the update runs on the threads too.
//
//   ASSIGN_OR_RETURN(auto trainer, Trainer::Create(config, 784, 10));
//   trainer->SetEpoch(0);
//   ASSIGN_OR_RETURN(double loss_sum, trainer->Step(train, indices, /*global_batch=*/100));
//   EvalResult r = trainer->Evaluate(test);
#ifndef CONCORD_WORKER_TRAINER_H_
#define CONCORD_WORKER_TRAINER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/job.pb.h"
#include "tensor/data/dataset.h"
#include "tensor/nn/sequential.h"
#include "tensor/optim/schedule.h"
#include "tensor/optim/sgd.h"
#include "worker/lane_split.h"

namespace concord {

// Makes the gradients of all replicas equal between backward and the optimizer step.
class GradientSync {
 public:
  virtual ~GradientSync() = default;
  // Called once with the parameters, before the first step (e.g. to make their .grad views
  // into flat buckets and register grad-ready hooks).
  virtual absl::Status Attach(const std::vector<Tensor>& params) = 0;
  // Called after each backward; returns when every gradient is synchronised.
  virtual absl::Status Finish() = 0;
  // False where Finish leaves the gradients as they are (a single replica): the trainer may
  // then update on its lanes right after the backward and call Finish after the update
  // (Note [Update on the lanes] in trainer.cc).
  virtual bool ChangesGradients() const { return true; }
};

struct EvalResult {
  int64_t correct = 0;
  int64_t count = 0;
  double loss_sum = 0;
  double accuracy() const { return count ? static_cast<double>(correct) / count : 0; }
  double mean_loss() const { return count ? loss_sum / count : 0; }
};

// Where training stands: saved in checkpoints with the model and optimizer.
struct TrainingState {
  int64_t epoch = 0;       // current epoch (0-based)
  int64_t next_batch = 0;  // first batch of that epoch not yet trained
  int64_t step = 0;        // optimizer steps taken in all
};

class Trainer {
 public:
  // A model [input_features, hidden..., num_classes] from config (seeded by config.seed(),
  // drawn on the host so every device starts from the same weights), trained on device by one
  // of world_size workers, whose steps take shards of at most ceil(batch_size / world_size)
  // samples (the size a GPU warms up on: Note [GPU warm-up] in trainer.cc).
  static absl::StatusOr<std::unique_ptr<Trainer>> Create(const JobConfig& config, int64_t input_features,
                                                          int num_classes, Device device = Device::Cpu(),
                                                          int world_size = 1);

  // Optional; must outlive the trainer. Attach() is called here.
  absl::Status SetGradientSync(GradientSync* sync);

  // Applies the learning-rate schedule for this epoch.
  void SetEpoch(int64_t epoch);

  // Forward, loss (sum over these samples / global_batch), backward, sync, SGD step.
  // Returns the sum of the per-sample losses over these samples.
  absl::StatusOr<double> Step(const data::Dataset& data, std::span<const int64_t> indices, int64_t global_batch);
  // The same on a batch already gathered (x [n, features] float32, y [n] int64), on the host
  // (pinned memory makes the copy to a GPU asynchronous) or already on the device.
  absl::StatusOr<double> StepOn(const Tensor& x, const Tensor& y, int64_t global_batch);

  // Accuracy and loss over the given samples (all of data when empty), without gradients.
  EvalResult Evaluate(const data::Dataset& data, std::span<const int64_t> indices = {});

  // Model, optimizer state and training state, atomically (see tensor/nn/state_dict.h).
  absl::Status SaveCheckpoint(const std::string& path, const TrainingState& state) const;
  // Loads all of it or nothing: on error the model and optimizer are unchanged.
  absl::StatusOr<TrainingState> LoadCheckpoint(const std::string& path);

  // True when the CPU threads split each step (JobConfig.thread_split features or batch):
  // Step() then gathers the samples on those threads, which is faster than a prefetch thread
  // competing with them.
  bool splits_steps() const { return lane_split_ != nullptr; }
  // How the threads share a step: "features", "batch", "gemm", or "none" (one thread, or a GPU).
  const std::string& thread_split() const { return thread_split_; }
  // The CPU threads it computes with: config.threads(), 0 resolved to the CPUs it may use.
  int threads() const { return threads_; }

  // Seconds the last step spent waiting for the gradient sync after backward.
  double last_sync_seconds() const { return last_sync_seconds_; }

  nn::Sequential& model() { return *model_; }
  optim::Sgd& optimizer() { return *sgd_; }
  const JobConfig& config() const { return config_; }
  Device device() const { return device_; }

 private:
  Trainer(JobConfig config, std::shared_ptr<nn::Sequential> model, std::unique_ptr<optim::Sgd> sgd,
          optim::Schedule schedule, Device device, int threads, std::string thread_split,
          std::unique_ptr<LaneSplit> lane_split);

  // A step's loss (sum / global batch): a tensor still on the device, or a host value.
  struct StepLoss {
    Tensor tensor;
    double value = 0;
  };
  // forward_backward(then), then the gradient sync and the optimizer update; the loss sum.
  // on_lanes: forward_backward runs on lane_split_, which calls `then` on its lanes after the
  // backward (see Note [Update on the lanes]); otherwise it ignores `then`.
  absl::StatusOr<double> RunStep(int64_t global_batch, bool on_lanes,
                                 absl::FunctionRef<StepLoss(LaneSplit::Then then)> forward_backward);

  JobConfig config_;
  std::shared_ptr<nn::Sequential> model_;
  std::unique_ptr<optim::Sgd> sgd_;
  optim::Schedule schedule_;
  data::Normalization norm_;
  GradientSync* sync_ = nullptr;
  double last_sync_seconds_ = 0;
  Device device_;
  int threads_;
  std::string thread_split_;
  std::unique_ptr<LaneSplit> lane_split_;  // null unless the CPU threads split each batch
  Tensor x_, y_;  // host batch buffers, reused every step (pinned when training on a GPU)
};

}  // namespace concord

#endif  // CONCORD_WORKER_TRAINER_H_
