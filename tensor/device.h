// File: tensor/device.h
//
// Where a tensor's storage lives: the host ("cpu") or one CUDA device ("cuda:N"). The CPU
// backend is complete; CUDA storage arrives with the CUDA backend, and until then asking for it
// raises TensorError.
#ifndef CONCORD_TENSOR_DEVICE_H_
#define CONCORD_TENSOR_DEVICE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace concord {

enum class DeviceType { kCpu, kCuda };

struct Device {
  DeviceType type = DeviceType::kCpu;
  int index = 0;  // CUDA ordinal; 0 for the CPU.

  static Device Cpu() { return Device{}; }
  static Device Cuda(int index = 0) { return Device{DeviceType::kCuda, index}; }

  bool is_cpu() const { return type == DeviceType::kCpu; }
  bool is_cuda() const { return type == DeviceType::kCuda; }
  bool operator==(const Device&) const = default;

  // "cpu" or "cuda:N".
  std::string ToString() const;
  // Parses "cpu", "cuda" (= cuda:0) or "cuda:N".
  static absl::StatusOr<Device> Parse(std::string_view text);
};

}  // namespace concord

#endif  // CONCORD_TENSOR_DEVICE_H_
