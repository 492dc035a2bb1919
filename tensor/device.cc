#include "tensor/device.h"

#include "absl/status/status.h"
#include <algorithm>
#include <string>

#include "tensor/error.h"

namespace concord {

std::string Device::ToString() const {
  return is_cpu() ? "cpu" : StrCat("cuda:", index);
}

absl::StatusOr<Device> Device::Parse(std::string_view text) {
  if (text == "cpu") return Device::Cpu();
  if (text == "cuda") return Device::Cuda(0);
  constexpr std::string_view kCuda = "cuda:";
  if (text.substr(0, kCuda.size()) == kCuda) {
    std::string_view digits = text.substr(kCuda.size());
    bool all_digits = !digits.empty() && digits.size() <= 6 &&
                      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (all_digits) return Device::Cuda(std::stoi(std::string(digits)));
  }
  return absl::InvalidArgumentError(
      StrCat("invalid device '", text, "': expected cpu, cuda or cuda:N with N >= 0"));
}

}  // namespace concord
