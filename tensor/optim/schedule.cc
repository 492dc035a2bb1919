#include "tensor/optim/schedule.h"

#include <cmath>

#include "absl/status/status.h"
#include "tensor/error.h"

namespace concord::optim {
namespace {
absl::Status CheckLr(double lr) {
  if (!(lr > 0)) return absl::InvalidArgumentError(StrCat("learning rate must be > 0, got ", lr));
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<Schedule> Schedule::Constant(double lr) {
  if (absl::Status s = CheckLr(lr); !s.ok()) return s;
  Schedule sc;
  sc.base_lr = lr;
  return sc;
}

absl::StatusOr<Schedule> Schedule::Step(double lr, int64_t step_size, double gamma) {
  if (absl::Status s = CheckLr(lr); !s.ok()) return s;
  if (step_size <= 0) return absl::InvalidArgumentError(StrCat("step schedule: step_size must be > 0, got ", step_size));
  if (!(gamma > 0 && gamma <= 1)) {
    return absl::InvalidArgumentError(StrCat("step schedule: gamma must be in (0, 1], got ", gamma));
  }
  Schedule sc;
  sc.kind = Kind::kStep;
  sc.base_lr = lr;
  sc.step_size = step_size;
  sc.gamma = gamma;
  return sc;
}

absl::StatusOr<Schedule> Schedule::Cosine(double lr, int64_t t_max, double eta_min) {
  if (absl::Status s = CheckLr(lr); !s.ok()) return s;
  if (t_max <= 0) return absl::InvalidArgumentError(StrCat("cosine schedule: t_max must be > 0, got ", t_max));
  if (!(eta_min >= 0 && eta_min < lr)) {
    return absl::InvalidArgumentError(StrCat("cosine schedule: eta_min must be in [0, lr), got ", eta_min));
  }
  Schedule sc;
  sc.kind = Kind::kCosine;
  sc.base_lr = lr;
  sc.t_max = t_max;
  sc.eta_min = eta_min;
  return sc;
}

double Schedule::LearningRate(int64_t epoch) const {
  switch (kind) {
    case Kind::kConstant: return base_lr;
    case Kind::kStep: return base_lr * std::pow(gamma, static_cast<double>(epoch / step_size));
    case Kind::kCosine: {
      double e = static_cast<double>(std::min(epoch, t_max));
      return eta_min + (base_lr - eta_min) * (1 + std::cos(M_PI * e / static_cast<double>(t_max))) / 2;
    }
  }
  return base_lr;
}

absl::StatusOr<Schedule::Kind> ParseScheduleKind(std::string_view name) {
  if (name == "constant") return Schedule::Kind::kConstant;
  if (name == "step") return Schedule::Kind::kStep;
  if (name == "cosine") return Schedule::Kind::kCosine;
  return absl::InvalidArgumentError(StrCat("unknown lr schedule '", name, "': expected constant, step or cosine"));
}

}  // namespace concord::optim
