// File: tensor/cuda/allocator.h
//
// The caching allocators behind CUDA tensors, in the manner of PyTorch's:
//
//  - CudaAllocator: device memory. cudaMalloc is slow and synchronises the device, so freed
//    blocks are kept per device and handed out again (best fit, at most twice the request), and
//    a training loop that allocates the same tensors every step reaches a steady state with no
//    cudaMalloc or cudaFree at all. Blocks are used on the device's compute stream
//    (tensor/cuda/context.h): a block freed there can be reused at once, because later work on
//    that stream runs after the work that used it. Memory used on another stream must be kept
//    alive by its owner (persistent buffers) until that stream is done with it.
//  - PinnedAllocator: page-locked host memory (cudaHostAlloc) for fast, truly asynchronous
//    host<->device copies. A freed pinned block may still be the source or target of a copy in
//    flight, so Free records an event on the compute stream and the block is reused only once
//    that event has completed.
//
// Both return CUDA's error as a Status (cudaErrorMemoryAllocation after the cache was emptied
// and the allocation retried once). Thread-safe.
#ifndef CONCORD_TENSOR_CUDA_ALLOCATOR_H_
#define CONCORD_TENSOR_CUDA_ALLOCATOR_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"

namespace concord::cuda {

struct MemoryStats {
  int64_t bytes_in_use = 0;         // blocks handed out and not yet freed
  int64_t bytes_reserved = 0;       // in use + cached (what cudaMalloc holds for us)
  int64_t system_allocations = 0;   // cudaMalloc / cudaHostAlloc calls
  int64_t cache_hits = 0;           // requests served from the cache
};

struct Block {
  void* data = nullptr;
  size_t capacity = 0;
  int device = 0;
};

class CudaAllocator {
 public:
  static CudaAllocator& Get();

  absl::StatusOr<Block> Allocate(int device, size_t nbytes);
  void Free(Block block);
  MemoryStats stats(int device) const;
  // Returns every cached block of every device to CUDA.
  void EmptyCache();

 private:
  CudaAllocator() = default;
  static constexpr int kMaxDevices = 64;

  mutable std::mutex mu_;
  std::multimap<size_t, void*> free_[kMaxDevices];
  MemoryStats stats_[kMaxDevices];
};

class PinnedAllocator {
 public:
  static PinnedAllocator& Get();

  absl::StatusOr<Block> Allocate(size_t nbytes);
  // `device`: the device whose compute stream may still be copying from or to the block.
  void Free(Block block);
  MemoryStats stats() const;

 private:
  PinnedAllocator() = default;
  struct Pending {
    Block block;
    void* event;  // cudaEvent_t recorded on the compute stream at Free
  };
  void ReapCompletedLocked();

  mutable std::mutex mu_;
  std::multimap<size_t, void*> free_;
  std::vector<Pending> pending_;
  std::vector<void*> spare_events_;
  MemoryStats stats_;
};

}  // namespace concord::cuda

#endif  // CONCORD_TENSOR_CUDA_ALLOCATOR_H_
