// File: tensor/optim/sgd.h
//
// SGD with momentum, dampening, weight decay and Nesterov momentum, applying exactly
// torch.optim.SGD's update to each parameter p with gradient g:
//
//   g = g + weight_decay * p                       (if weight_decay != 0)
//   b = g                       on the first step  (if momentum != 0)
//   b = momentum * b + (1 - dampening) * g   after
//   g = nesterov ? g + momentum * b : b
//   p = p - lr * g
//
// Parameters without a gradient are skipped. Step() runs under NoGradGuard.
#ifndef CONCORD_TENSOR_OPTIM_SGD_H_
#define CONCORD_TENSOR_OPTIM_SGD_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tensor/functions.h"

namespace concord::optim {

struct SgdOptions {
  double lr = 0.1;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

// OK, or InvalidArgument naming the bad setting: lr <= 0, momentum outside [0, 1),
// dampening outside [0, 1], weight_decay < 0, nesterov without momentum or with dampening.
absl::Status ValidateSgdOptions(const SgdOptions& options);

class Sgd {
 public:
  static absl::StatusOr<std::unique_ptr<Sgd>> Create(std::vector<Tensor> params, SgdOptions options);

  void Step();
  // The same update cut into `parts` disjoint slices of every parameter, for several threads:
  // run_parts(part_fn) must call part_fn(part) once for every part in [0, parts), in any order
  // or concurrently, and return when all have returned (a LaneSplit's lanes do:
  // `sgd.Step(n, [&](auto fn) { lanes.Run(fn); })`). The result equals Step()'s exactly.
  // The parameters' .grad tensors are taken before run_parts, which may still write them in
  // place before it calls part_fn (a LaneSplit's backward does: worker/lane_split.h).
  void Step(int parts, absl::FunctionRef<void(absl::FunctionRef<void(int)>)> run_parts);
  void ZeroGrad();

  double lr() const { return options_.lr; }
  void set_lr(double lr);  // for schedules; lr must be positive
  const SgdOptions& options() const { return options_; }
  int64_t steps() const { return steps_; }

  // Momentum buffers, one per parameter (undefined before the first step or without
  // momentum). Saved and restored with checkpoints.
  const std::vector<Tensor>& momentum_buffers() const { return buffers_; }
  // Restores buffers (shapes must match the parameters'; undefined entries allowed) and the
  // step count.
  absl::Status LoadState(const std::vector<Tensor>& buffers, int64_t steps);

 private:
  Sgd(std::vector<Tensor> params, SgdOptions options);
  // Parameter i's update by separate ops (a non-contiguous parameter or gradient).
  void StepUnfused(size_t i, Tensor g);

  std::vector<Tensor> params_;
  SgdOptions options_;
  std::vector<Tensor> buffers_;
  int64_t steps_ = 0;
  // Step()'s per-parameter scratch: the gradients, fused kernel or not, first momentum step.
  std::vector<Tensor> step_grads_;
  std::vector<char> step_fused_, step_first_;
};

}  // namespace concord::optim

#endif  // CONCORD_TENSOR_OPTIM_SGD_H_
