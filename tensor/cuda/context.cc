#include "tensor/cuda/context.h"

#include <array>
#include <atomic>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "tensor/cuda/cuda_check.h"

namespace concord::cuda {
namespace {

constexpr int kMaxDevices = 64;

// Created once, under mu; read without it on every op (the hot path), hence atomic.
struct Streams {
  std::mutex mu;
  std::array<std::atomic<cudaStream_t>, kMaxDevices> stream{};
};

Streams& AllStreams() {
  static Streams* streams = new Streams;  // never destroyed: streams outlive static teardown
  return *streams;
}

absl::Status CheckOrdinal(int device) {
  if (device < 0 || device >= kMaxDevices) {
    return absl::InvalidArgumentError(
        absl::StrCat("CUDA device ordinal ", device, " is outside [0, ", kMaxDevices, ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SetDevice(int device) {
  if (absl::Status s = CheckOrdinal(device); !s.ok()) return s;
  int current = -1;
  if (cudaGetDevice(&current) == cudaSuccess && current == device) return absl::OkStatus();
  CUDA_RETURN_IF_ERROR(cudaSetDevice(device));
  return absl::OkStatus();
}

absl::StatusOr<cudaStream_t> ComputeStream(int device) {
  if (absl::Status s = SetDevice(device); !s.ok()) return s;
  Streams& streams = AllStreams();
  if (cudaStream_t stream = streams.stream[device].load(std::memory_order_acquire)) return stream;
  std::lock_guard<std::mutex> lock(streams.mu);
  if (streams.stream[device].load(std::memory_order_relaxed) == nullptr) {
    cudaStream_t stream = nullptr;
    CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    streams.stream[device].store(stream, std::memory_order_release);
  }
  return streams.stream[device].load(std::memory_order_relaxed);
}

absl::StatusOr<std::string> PciBusId(int device) {
  char id[64] = {};
  CUDA_RETURN_IF_ERROR(cudaDeviceGetPCIBusId(id, sizeof(id), device));
  return std::string(id);
}

absl::Status SynchronizeDevice(int device) {
  absl::StatusOr<cudaStream_t> stream = ComputeStream(device);
  if (!stream.ok()) return stream.status();
  CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(*stream));
  return absl::OkStatus();
}

DeviceGuard::DeviceGuard(int device) {
  if (cudaGetDevice(&previous_) != cudaSuccess) previous_ = -1;
  if (previous_ != device) cudaSetDevice(device);
}

DeviceGuard::~DeviceGuard() {
  if (previous_ >= 0) cudaSetDevice(previous_);
}

}  // namespace concord::cuda
