// One flag per JobConfig field, with the field's name. Each is std::optional and empty unless
// given, so a flag overrides the config file only when it is on the command line. The help
// texts give the defaults of proto/job.proto.
#include <cstdint>
#include <optional>
#include <string>

#include "absl/flags/flag.h"

ABSL_FLAG(std::optional<std::string>, hidden, std::nullopt,
          "hidden layer sizes, comma-separated, e.g. 100 or 1024,512 (default 100)");
ABSL_FLAG(std::optional<std::string>, activation, std::nullopt,
          "activation: relu, sigmoid, tanh, leaky_relu or elu (default relu)");
ABSL_FLAG(std::optional<std::string>, init, std::nullopt, "weight init: he, xavier or std001 (default he)");
ABSL_FLAG(std::optional<std::string>, loss, std::nullopt, "loss: cross_entropy (default)");
ABSL_FLAG(std::optional<double>, lr, std::nullopt, "SGD learning rate (default 0.1)");
ABSL_FLAG(std::optional<double>, momentum, std::nullopt, "SGD momentum in [0, 1) (default 0)");
ABSL_FLAG(std::optional<double>, dampening, std::nullopt, "SGD dampening in [0, 1] (default 0)");
ABSL_FLAG(std::optional<double>, weight_decay, std::nullopt, "SGD weight decay (default 0)");
ABSL_FLAG(std::optional<bool>, nesterov, std::nullopt, "Nesterov momentum: true or false (default false)");
ABSL_FLAG(std::optional<std::string>, lr_schedule, std::nullopt,
          "learning-rate schedule: constant, step or cosine (default constant)");
ABSL_FLAG(std::optional<int64_t>, lr_step_size, std::nullopt, "step schedule: epochs per decay (default 10)");
ABSL_FLAG(std::optional<double>, lr_gamma, std::nullopt, "step schedule: decay factor (default 0.1)");
ABSL_FLAG(std::optional<double>, lr_eta_min, std::nullopt, "cosine schedule: final learning rate (default 0)");
ABSL_FLAG(std::optional<std::string>, dataset, std::nullopt,
          "folder with the four IDX files, gzip or not (default /usr/share/datasets/fashion-mnist)");
ABSL_FLAG(std::optional<int64_t>, batch_size, std::nullopt, "samples per step, the global batch (default 100)");
ABSL_FLAG(std::optional<int64_t>, epochs, std::nullopt, "epochs to train (default 10)");
ABSL_FLAG(std::optional<uint64_t>, seed, std::nullopt, "seed for weights and shuffling (default 1)");
ABSL_FLAG(std::optional<float>, normalize_mean, std::nullopt, "pixel normalisation mean (default 0)");
ABSL_FLAG(std::optional<float>, normalize_std, std::nullopt, "pixel normalisation std (default 1)");
ABSL_FLAG(std::optional<bool>, drop_last, std::nullopt, "drop a last partial batch (default false)");
ABSL_FLAG(std::optional<int32_t>, threads, std::nullopt, "CPU threads for the math; 0 = one per CPU this process may use (default 1)");
ABSL_FLAG(std::optional<std::string>, thread_split, std::nullopt,
          "with threads > 1, how they share a step: features (slices of the first layer's units), batch "
          "(slices of the batch's rows), auto (features where the model suits it, else batch) or gemm "
          "(multi-threaded GEMMs) (default auto)");
ABSL_FLAG(std::optional<double>, log_interval, std::nullopt, "seconds between progress lines (default 2)");
ABSL_FLAG(std::optional<int64_t>, eval_every_epochs, std::nullopt, "test-set evaluation interval in epochs (default 1)");
ABSL_FLAG(std::optional<int64_t>, checkpoint_every_steps, std::nullopt,
          "checkpoint interval in steps; 0 = only at the end (default 0)");
ABSL_FLAG(std::optional<std::string>, run_dir, std::nullopt, "folder for checkpoints and metrics (default none)");
ABSL_FLAG(std::optional<std::string>, metrics_out, std::nullopt,
          "JSON-lines metrics file (default run_dir/metrics.jsonl, or none)");
ABSL_FLAG(std::optional<bool>, allow_tf32, std::nullopt,
          "float32 GEMM on CUDA may use TF32 tensor cores: true or false (default false, full FP32)");
ABSL_FLAG(std::optional<std::string>, comm_backend, std::nullopt,
          "gradient all-reduce: nccl, gloo or auto = nccl when every rank has a GPU of its own (default auto)");
