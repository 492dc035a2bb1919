#include "tensor/device.h"

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "tensor/error.h"

namespace concord {

std::string Device::ToString() const {
  return is_cpu() ? "cpu" : StrCat("cuda:", index);
}

absl::StatusOr<Device> Device::Parse(std::string_view text) {
  if (text == "cpu") return Device::Cpu();
  if (text == "cuda") return Device::Cuda(0);
  constexpr std::string_view kCuda = "cuda:";
  int index = -1;
  if (text.substr(0, kCuda.size()) == kCuda && absl::SimpleAtoi(absl::string_view(text.data() + kCuda.size(), text.size() - kCuda.size()), &index) &&
      index >= 0) {
    return Device::Cuda(index);
  }
  return absl::InvalidArgumentError(
      StrCat("invalid device '", text, "': expected cpu, cuda or cuda:N with N >= 0"));
}

}  // namespace concord
