#include "worker/device.h"

#include "absl/strings/str_cat.h"
#include "tensor/cuda/runtime.h"
#include "tensor/error.h"

namespace concord {

absl::StatusOr<Device> ResolveDevice(std::string_view flag, int rank) {
  if (flag == "auto") {
    absl::StatusOr<int> count = CudaDeviceCount();
    if (!count.ok() || *count == 0) return Device::Cpu();
    return Device::Cuda(rank % *count);
  }
  absl::StatusOr<Device> device = Device::Parse(flag);
  if (!device.ok()) {
    return absl::InvalidArgumentError(
        StrCat("--device=", flag, ": expected cpu, cuda, cuda:N or auto"));
  }
  if (device->is_cpu()) return *device;
  absl::StatusOr<int> count = CudaDeviceCount();
  if (!count.ok()) {
    return absl::FailedPreconditionError(
        StrCat("--device=", flag, ": no usable CUDA device: ", count.status().message()));
  }
  if (device->index >= *count) {
    return absl::InvalidArgumentError(StrCat("--device=", flag, ": this process sees ", *count,
                                             " CUDA device(s), so the ordinal must be below ", *count));
  }
  return *device;
}

}  // namespace concord
