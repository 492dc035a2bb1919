// File: tensor/optim/schedule.h
//
// Learning-rate schedules, as functions of the epoch (torch.optim.lr_scheduler):
//   constant   lr
//   step       lr * gamma^floor(epoch / step_size)                   (StepLR)
//   cosine     eta_min + (lr - eta_min) (1 + cos(pi epoch / t_max)) / 2   (CosineAnnealingLR,
//              held at eta_min after t_max)
#ifndef CONCORD_TENSOR_OPTIM_SCHEDULE_H_
#define CONCORD_TENSOR_OPTIM_SCHEDULE_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace concord::optim {

struct Schedule {
  enum class Kind { kConstant, kStep, kCosine };
  Kind kind = Kind::kConstant;
  double base_lr = 0.1;
  int64_t step_size = 1;  // kStep: epochs per decay
  double gamma = 0.1;     // kStep: decay factor
  int64_t t_max = 1;      // kCosine: epochs to anneal over
  double eta_min = 0;     // kCosine: final lr

  // Validated constructors: InvalidArgument naming the bad setting.
  static absl::StatusOr<Schedule> Constant(double lr);
  static absl::StatusOr<Schedule> Step(double lr, int64_t step_size, double gamma);
  static absl::StatusOr<Schedule> Cosine(double lr, int64_t t_max, double eta_min = 0);

  // The learning rate for an epoch (0-based).
  double LearningRate(int64_t epoch) const;
};

// "constant", "step", "cosine".
absl::StatusOr<Schedule::Kind> ParseScheduleKind(std::string_view name);

}  // namespace concord::optim

#endif  // CONCORD_TENSOR_OPTIM_SCHEDULE_H_
