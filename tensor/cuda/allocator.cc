#include "tensor/cuda/allocator.h"

#include <cuda_runtime_api.h>

#include "absl/strings/str_cat.h"
#include "tensor/cuda/context.h"
#include "tensor/cuda/cuda_check.h"

namespace concord::cuda {
namespace {

// Small blocks round to 512 bytes, large ones to 2 MiB, so that sizes that differ a little
// from step to step (the last partial batch) still share blocks.
size_t RoundUp(size_t nbytes) {
  constexpr size_t kSmall = 512, kLarge = size_t{2} << 20, kLargeFrom = size_t{1} << 20;
  if (nbytes == 0) return kSmall;
  const size_t unit = nbytes >= kLargeFrom ? kLarge : kSmall;
  return (nbytes + unit - 1) / unit * unit;
}

// Takes the best-fitting cached block of at least `rounded` bytes (at most twice as large).
bool TakeCached(std::multimap<size_t, void*>& free, size_t rounded, MemoryStats& stats, Block& block) {
  auto it = free.lower_bound(rounded);
  if (it == free.end() || it->first > 2 * rounded) return false;
  block.data = it->second;
  block.capacity = it->first;
  free.erase(it);
  stats.cache_hits++;
  stats.bytes_in_use += static_cast<int64_t>(block.capacity);
  return true;
}

}  // namespace

CudaAllocator& CudaAllocator::Get() {
  static CudaAllocator* allocator = new CudaAllocator();  // outlives every tensor
  return *allocator;
}

absl::StatusOr<Block> CudaAllocator::Allocate(int device, size_t nbytes) {
  if (device < 0 || device >= kMaxDevices) {
    return absl::InvalidArgumentError(absl::StrCat("CudaAllocator: no device cuda:", device));
  }
  const size_t rounded = RoundUp(nbytes);
  Block block;
  block.device = device;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (TakeCached(free_[device], rounded, stats_[device], block)) return block;
  }
  if (absl::Status s = SetDevice(device); !s.ok()) return s;
  void* data = nullptr;
  cudaError_t error = cudaMalloc(&data, rounded);
  if (error == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // clear it, give the cache back, try once more
    EmptyCache();
    error = cudaMalloc(&data, rounded);
  }
  if (error != cudaSuccess) {
    cudaGetLastError();
    return cuda_internal::CudaErrorToStatus(
        error, absl::StrCat("cudaMalloc of ", rounded, " bytes on cuda:", device).c_str(), __FILE__, __LINE__);
  }
  std::lock_guard<std::mutex> lock(mu_);
  stats_[device].system_allocations++;
  stats_[device].bytes_in_use += static_cast<int64_t>(rounded);
  stats_[device].bytes_reserved += static_cast<int64_t>(rounded);
  block.data = data;
  block.capacity = rounded;
  return block;
}

void CudaAllocator::Free(Block block) {
  if (block.data == nullptr) return;
  std::lock_guard<std::mutex> lock(mu_);
  stats_[block.device].bytes_in_use -= static_cast<int64_t>(block.capacity);
  free_[block.device].emplace(block.capacity, block.data);
}

MemoryStats CudaAllocator::stats(int device) const {
  if (device < 0 || device >= kMaxDevices) return {};
  std::lock_guard<std::mutex> lock(mu_);
  return stats_[device];
}

void CudaAllocator::EmptyCache() {
  for (int device = 0; device < kMaxDevices; ++device) {
    std::multimap<size_t, void*> blocks;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (free_[device].empty()) continue;
      blocks.swap(free_[device]);
      for (auto& [size, data] : blocks) stats_[device].bytes_reserved -= static_cast<int64_t>(size);
    }
    // Blocks may still be read by queued kernels: cudaFree waits for the device first.
    DeviceGuard guard(device);
    for (auto& [size, data] : blocks) cudaFree(data);
  }
}

PinnedAllocator& PinnedAllocator::Get() {
  static PinnedAllocator* allocator = new PinnedAllocator();
  return *allocator;
}

void PinnedAllocator::ReapCompletedLocked() {
  for (size_t i = 0; i < pending_.size();) {
    auto event = static_cast<cudaEvent_t>(pending_[i].event);
    const cudaError_t state = cudaEventQuery(event);
    if (state == cudaErrorNotReady) {
      ++i;
      continue;
    }
    cudaGetLastError();  // an error here means the device is gone; the block is free either way
    free_.emplace(pending_[i].block.capacity, pending_[i].block.data);
    spare_events_.push_back(pending_[i].event);
    pending_[i] = pending_.back();
    pending_.pop_back();
  }
}

absl::StatusOr<Block> PinnedAllocator::Allocate(size_t nbytes) {
  const size_t rounded = RoundUp(nbytes);
  Block block;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ReapCompletedLocked();
    if (TakeCached(free_, rounded, stats_, block)) return block;
  }
  void* data = nullptr;
  CUDA_RETURN_IF_ERROR(cudaHostAlloc(&data, rounded, cudaHostAllocPortable));
  std::lock_guard<std::mutex> lock(mu_);
  stats_.system_allocations++;
  stats_.bytes_in_use += static_cast<int64_t>(rounded);
  stats_.bytes_reserved += static_cast<int64_t>(rounded);
  block.data = data;
  block.capacity = rounded;
  return block;
}

void PinnedAllocator::Free(Block block) {
  if (block.data == nullptr) return;
  std::lock_guard<std::mutex> lock(mu_);
  stats_.bytes_in_use -= static_cast<int64_t>(block.capacity);
  // The block may be the source or target of a copy queued on the compute stream of the
  // device it was last used with: reuse it only after that stream passes this point.
  cudaEvent_t event = nullptr;
  if (!spare_events_.empty()) {
    event = static_cast<cudaEvent_t>(spare_events_.back());
    spare_events_.pop_back();
  } else if (cudaEventCreateWithFlags(&event, cudaEventDisableTiming) != cudaSuccess) {
    cudaGetLastError();
    event = nullptr;
  }
  absl::StatusOr<cudaStream_t> stream = ComputeStream(block.device);
  if (event != nullptr && stream.ok() && cudaEventRecord(event, *stream) == cudaSuccess) {
    pending_.push_back({block, event});
    return;
  }
  // No usable device: nothing can be in flight.
  cudaGetLastError();
  if (event != nullptr) spare_events_.push_back(event);
  free_.emplace(block.capacity, block.data);
}

MemoryStats PinnedAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace concord::cuda
