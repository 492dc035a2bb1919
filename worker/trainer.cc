#include "worker/trainer.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/machine.h"
#include "tensor/autograd/graph.h"
#include "tensor/nn/loss.h"
#include "tensor/nn/state_dict.h"
#include "worker/batch_split.h"
#include "worker/feature_split.h"
#include "worker/job_config.h"

namespace concord {
namespace {

absl::StatusOr<optim::Schedule> MakeSchedule(const JobConfig& c) {
  absl::StatusOr<optim::Schedule::Kind> kind = optim::ParseScheduleKind(c.lr_schedule());
  if (!kind.ok()) return kind.status();
  switch (*kind) {
    case optim::Schedule::Kind::kConstant: return optim::Schedule::Constant(c.lr());
    case optim::Schedule::Kind::kStep: return optim::Schedule::Step(c.lr(), c.lr_step_size(), c.lr_gamma());
    case optim::Schedule::Kind::kCosine: return optim::Schedule::Cosine(c.lr(), c.epochs(), c.lr_eta_min());
  }
  return absl::InternalError("unreachable");
}

// Note [GPU warm-up]: the first forward and backward on a GPU pay one-off costs: loading cuBLAS
// (~0.4 s: libcublasLt is half a gigabyte), creating its handle, its heuristics' first pick for
// each GEMM shape, CUDA's lazy loading of each kernel, and the caching allocator's cudaMallocs.
// They are setup, like loading the dataset, so Create pays them on a batch of zeros the size of
// this worker's shards (not the global batch, whose activations the caching allocator would
// then keep reserved on every GPU) and leaves the gradients zero. The first real step runs at
// full speed (it took ~0.45 s on an H100 where the others took ~11 ms); the model is unchanged.
absl::Status WarmUp(nn::Sequential& model, int64_t batch, int64_t input_features, Device device) {
  try {
    Tensor x = zeros({batch, input_features}, TensorOptions(kFloat32).device(device));
    Tensor y = zeros({batch}, TensorOptions(kInt64).device(device));
    Tensor loss = nn::cross_entropy(model.Forward(x), y, static_cast<double>(batch));
    loss.backward();
    model.zero_grad();
    loss.item();  // waits for the device
  } catch (const TensorError& e) {
    return absl::FailedPreconditionError(absl::StrCat("cannot train on ", device.ToString(), ": ", e.what()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Trainer>> Trainer::Create(const JobConfig& config, int64_t input_features,
                                                         int num_classes, Device device, int world_size) {
  if (world_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat("trainer: expected a world size of at least 1, got ", world_size));
  }
  absl::StatusOr<nn::Activation> activation = nn::ParseActivation(config.activation());
  if (!activation.ok()) return activation.status();
  absl::StatusOr<nn::Init> init = nn::ParseInit(config.init());
  if (!init.ok()) return init.status();
  absl::StatusOr<optim::Schedule> schedule = MakeSchedule(config);
  if (!schedule.ok()) return schedule.status();
  std::vector<int64_t> sizes{input_features};
  for (int64_t h : HiddenSizes(config)) sizes.push_back(h);
  sizes.push_back(num_classes);
  // Several threads on the CPU: a lane each, with one BLAS thread (worker/lane_split.h).
  const int threads = config.threads() == 0 ? UsableCpus() : config.threads();
  std::string split = "none";  // resolved below to features, batch or gemm
  if (device.is_cpu() && threads > 1) {
    split = config.thread_split();
    if (split == "auto") split = FeatureSplit::Suits(sizes, threads) ? "features" : "batch";
    if (split == "features" && !FeatureSplit::CanSplit(sizes, threads)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "thread_split=features: expected a first hidden layer of at least ", threads, " units (one per thread), got ",
          sizes.size() >= 3 ? absl::StrCat(sizes[1], " units") : std::string("no hidden layer")));
    }
  }
  set_num_threads(split == "features" || split == "batch" ? 1 : threads);

  Generator gen(config.seed());
  std::shared_ptr<nn::Sequential> model = nn::MakeMlp(sizes, *activation, *init, gen);
  std::unique_ptr<LaneSplit> lane_split;
  if (split == "features") {
    lane_split = std::make_unique<FeatureSplit>(*model, *activation, threads);
  } else if (split == "batch") {
    std::vector<std::shared_ptr<nn::Module>> replicas;
    for (int lane = 0; lane < threads; ++lane) {
      Generator unused(0);  // the replicas' own weights are replaced by the model's
      replicas.push_back(nn::MakeMlp(sizes, *activation, *init, unused));
    }
    lane_split = std::make_unique<BatchSplit>(*model, std::move(replicas));
  }
  try {
    model->to(device);
  } catch (const TensorError& e) {
    return absl::FailedPreconditionError(absl::StrCat("cannot train on ", device.ToString(), ": ", e.what()));
  }
  set_allow_tf32(config.allow_tf32());
  model->allocate_grads();  // plan gradient memory before the first step
  absl::StatusOr<std::unique_ptr<optim::Sgd>> sgd =
      optim::Sgd::Create(model->parameters(), {.lr = config.lr(),
                                               .momentum = config.momentum(),
                                               .dampening = config.dampening(),
                                               .weight_decay = config.weight_decay(),
                                               .nesterov = config.nesterov()});
  if (!sgd.ok()) return sgd.status();
  if (device.is_cuda()) {
    const int64_t shard = (config.batch_size() + world_size - 1) / world_size;
    if (absl::Status s = WarmUp(*model, shard, input_features, device); !s.ok()) return s;
  }
  return std::unique_ptr<Trainer>(
      new Trainer(config, std::move(model), *std::move(sgd), *schedule, device, threads, split, std::move(lane_split)));
}

Trainer::Trainer(JobConfig config, std::shared_ptr<nn::Sequential> model, std::unique_ptr<optim::Sgd> sgd,
                 optim::Schedule schedule, Device device, int threads, std::string thread_split,
                 std::unique_ptr<LaneSplit> lane_split)
    : config_(std::move(config)), model_(std::move(model)), sgd_(std::move(sgd)), schedule_(schedule),
      device_(device), threads_(threads), thread_split_(std::move(thread_split)), lane_split_(std::move(lane_split)) {
  norm_ = {.mean = config_.normalize_mean(), .std = config_.normalize_std()};
  if (device_.is_cuda()) {
    // Gather into pinned memory, so the copy to the GPU overlaps the host (Dataset::Gather keeps
    // the buffers pinned as it resizes them).
    x_ = empty({0, 0}, TensorOptions(kFloat32).pinned_memory(true));
    y_ = empty({0}, TensorOptions(kInt64).pinned_memory(true));
  }
}

absl::Status Trainer::SetGradientSync(GradientSync* sync) {
  sync_ = sync;
  return sync ? sync->Attach(model_->parameters()) : absl::OkStatus();
}

void Trainer::SetEpoch(int64_t epoch) { sgd_->set_lr(schedule_.LearningRate(epoch)); }

absl::StatusOr<double> Trainer::Step(const data::Dataset& data, std::span<const int64_t> indices,
                                     int64_t global_batch) {
  // A bad index is the caller's input (InvalidArgument), not a failed step.
  if (absl::Status s = data.CheckIndices(indices); !s.ok()) return s;
  if (lane_split_) {  // the lanes gather the batch
    return RunStep(global_batch, /*on_lanes=*/true, [&](LaneSplit::Then then) {
      return StepLoss{.tensor = Tensor(), .value = lane_split_->ForwardBackward(data, indices, norm_, static_cast<double>(global_batch), then)};
    });
  }
  try {
    data.Gather(indices.data(), static_cast<int64_t>(indices.size()), norm_, &x_, &y_);
  } catch (const TensorError& e) {  // the indices are checked: out of memory, say
    return absl::InternalError(absl::StrCat("training step: ", e.what()));
  }
  return StepOn(x_, y_, global_batch);
}

absl::StatusOr<double> Trainer::StepOn(const Tensor& x, const Tensor& y, int64_t global_batch) {
  const bool on_lanes = lane_split_ && x.device().is_cpu();
  return RunStep(global_batch, on_lanes, [&](LaneSplit::Then then) {
    if (on_lanes) return StepLoss{.tensor = Tensor(), .value = lane_split_->ForwardBackward(x, y, static_cast<double>(global_batch), then)};
    Tensor loss = nn::cross_entropy(model_->Forward(x.to(device_)), y.to(device_), static_cast<double>(global_batch));
    loss.backward();
    return StepLoss{.tensor = loss};
  });
}

// Note [Update on the lanes]
// With nothing between the backward and the update that changes the gradients (one process,
// or a GradientSync of one replica), the lanes run the optimizer's parts right after the
// backward, in the same Lanes::Run: one hand-off to the lane threads per step instead of two,
// and each lane updates weights its core has just touched. Such a sync's Finish runs after the
// update (at world size 1 the Reducer only settles the stop vote there). The split's backward
// replaces every .grad (LaneSplit), so no ZeroGrad is needed after it; Sgd::Step takes the
// .grad tensors before the backward writes them in place.
absl::StatusOr<double> Trainer::RunStep(int64_t global_batch, bool on_lanes,
                                        absl::FunctionRef<StepLoss(LaneSplit::Then then)> forward_backward) {
  try {
    const bool update_on_lanes = on_lanes && (sync_ == nullptr || !sync_->ChangesGradients());
    StepLoss loss;
    if (update_on_lanes) {
      sgd_->Step(lane_split_->size(), [&](absl::FunctionRef<void(int)> part) { loss = forward_backward(part); });
    } else {
      loss = forward_backward(std::nullopt);
    }
    if (sync_ != nullptr) {
      const absl::Time start = absl::Now();
      absl::Status s = sync_->Finish();
      last_sync_seconds_ = absl::ToDoubleSeconds(absl::Now() - start);
      if (!s.ok()) return s;
    }
    if (!update_on_lanes) {
      if (on_lanes) {
        sgd_->Step(lane_split_->size(), [&](absl::FunctionRef<void(int)> part) { lane_split_->lanes().Run(part); });
      } else {
        sgd_->Step();
      }
      sgd_->ZeroGrad();
    }
    // Read after the update: on a GPU, item() waits for the step's kernels.
    return (loss.tensor.defined() ? loss.tensor.item() : loss.value) * static_cast<double>(global_batch);
  } catch (const TensorError& e) {
    // Programming errors surface as a Status at this boundary (the step loop), not a crash.
    return absl::InternalError(absl::StrCat("training step failed: ", e.what()));
  }
}

EvalResult Trainer::Evaluate(const data::Dataset& data, std::span<const int64_t> indices) {
  std::vector<int64_t> all;
  if (indices.empty()) {
    all.resize(data.size());
    for (int64_t i = 0; i < data.size(); ++i) all[i] = i;
    indices = all;
  }
  constexpr int64_t kChunk = 1000;
  const int64_t chunks = (static_cast<int64_t>(indices.size()) + kChunk - 1) / kChunk;
  // Chunks lane, lane + lanes, ...: with a batch split, each lane evaluates its own chunks.
  auto evaluate = [&](int lane, int lanes) {
    autograd::NoGradGuard no_grad;  // per thread
    EvalResult r;
    Tensor x, y;
    for (int64_t chunk = lane; chunk < chunks; chunk += lanes) {
      const int64_t start = chunk * kChunk;
      const int64_t n = std::min<int64_t>(kChunk, static_cast<int64_t>(indices.size()) - start);
      data.Gather(indices.data() + start, n, norm_, &x, &y);
      Tensor labels = y.to(device_);
      Tensor logits = model_->Forward(x.to(device_));
      r.loss_sum += nn::cross_entropy(logits, labels, 1.0).item();
      r.correct += eq(logits.argmax(1), labels).sum().item<int64_t>();
      r.count += n;
    }
    return r;
  };
  if (!lane_split_) return evaluate(0, 1);
  std::vector<EvalResult> parts(lane_split_->size());
  lane_split_->lanes().Run([&](int lane) { parts[lane] = evaluate(lane, lane_split_->size()); });
  EvalResult total;
  for (const EvalResult& r : parts) {
    total.correct += r.correct;
    total.count += r.count;
    total.loss_sum += r.loss_sum;
  }
  return total;
}

absl::Status Trainer::SaveCheckpoint(const std::string& path, const TrainingState& state) const {
  nn::NamedTensors tensors;
  for (auto& [name, t] : model_->named_parameters()) tensors.emplace_back("model." + name, t);
  const std::vector<Tensor>& buffers = sgd_->momentum_buffers();
  for (size_t i = 0; i < buffers.size(); ++i) {
    if (buffers[i].defined()) tensors.emplace_back(absl::StrCat("optimizer.momentum.", i), buffers[i]);
  }
  tensors.emplace_back("state.epoch", scalar_tensor(state.epoch, kInt64));
  tensors.emplace_back("state.next_batch", scalar_tensor(state.next_batch, kInt64));
  tensors.emplace_back("state.step", scalar_tensor(state.step, kInt64));
  tensors.emplace_back("state.seed", scalar_tensor(static_cast<int64_t>(config_.seed()), kInt64));
  return nn::SaveTensors(path, tensors);
}

absl::StatusOr<TrainingState> Trainer::LoadCheckpoint(const std::string& path) {
  absl::StatusOr<nn::NamedTensors> loaded = nn::LoadTensors(path);
  if (!loaded.ok()) return loaded.status();
  nn::NamedTensors model_tensors;
  std::vector<Tensor> buffers(model_->parameters().size());
  TrainingState state;
  int64_t seed = -1;
  for (auto& [name, t] : *loaded) {
    auto scalar = [&](int64_t* out) {
      if (t.numel() != 1 || t.dtype() != kInt64) return false;
      *out = t.item<int64_t>();
      return true;
    };
    bool ok = true;
    if (name.rfind("model.", 0) == 0) {
      model_tensors.emplace_back(name.substr(6), t);
    } else if (name.rfind("optimizer.momentum.", 0) == 0) {
      size_t i = 0;
      ok = absl::SimpleAtoi(absl::string_view(name).substr(19), &i) && i < buffers.size();
      if (ok) buffers[i] = t;
    } else if (name == "state.epoch") {
      ok = scalar(&state.epoch);
    } else if (name == "state.next_batch") {
      ok = scalar(&state.next_batch);
    } else if (name == "state.step") {
      ok = scalar(&state.step);
    } else if (name == "state.seed") {
      ok = scalar(&seed);
    } else {
      ok = false;
    }
    if (!ok) return absl::InvalidArgumentError(absl::StrCat(path, ": unexpected checkpoint entry '", name, "'"));
  }
  if (seed != static_cast<int64_t>(config_.seed())) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": checkpoint of a run with seed ", seed,
                                                      ", this job has seed ", config_.seed(),
                                                      "; resuming would not continue the same run"));
  }
  // Check the optimizer state against the parameters before changing anything.
  const std::vector<Tensor> params = model_->parameters();
  for (size_t i = 0; i < buffers.size(); ++i) {
    if (buffers[i].defined() && buffers[i].shape() != params[i].shape()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": momentum buffer ", i, " has shape ",
                                                     ShapeToString(buffers[i].shape()), ", parameter ", i, " has ",
                                                     ShapeToString(params[i].shape())));
    }
  }
  if (absl::Status s = nn::CopyIntoModule(*model_, model_tensors, path); !s.ok()) return s;
  if (absl::Status s = sgd_->LoadState(buffers, state.step); !s.ok()) return s;
  return state;
}

}  // namespace concord
