// File: worker/device.h
//
// The device a worker trains on, from its --device flag: "cpu", "cuda" (= cuda:0), "cuda:N",
// or "auto": a GPU where there is one (cuda:(rank mod the number visible), so local workers
// spread over the GPUs; tools/train_local.sh gives each worker its own through
// CUDA_VISIBLE_DEVICES), else the CPU.
#ifndef CONCORD_WORKER_DEVICE_H_
#define CONCORD_WORKER_DEVICE_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "tensor/device.h"

namespace concord {

// Asking for a GPU where CUDA cannot run (no device, no driver) is FailedPrecondition with
// CUDA's own message; an ordinal past the visible devices or an unknown name, InvalidArgument.
absl::StatusOr<Device> ResolveDevice(std::string_view flag, int rank = 0);

}  // namespace concord

#endif  // CONCORD_WORKER_DEVICE_H_
