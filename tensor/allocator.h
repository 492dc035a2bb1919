// File: tensor/allocator.h
//
// The CPU caching allocator behind every CPU Storage. Freed blocks are kept in a cache and
// handed out again for requests of the same or a slightly smaller size (best fit, at most
// twice the request), so a training loop whose step allocates the same tensors every time
// reaches a steady state with no system allocation at all after its first step. This is what
// PyTorch's CUDA caching allocator does for the GPU. Blocks are 64-byte aligned.
//
// The cache holds at most cache_limit_bytes (512 MiB by default); a block freed beyond that
// goes back to the system. Thread-safe.
#ifndef CONCORD_TENSOR_ALLOCATOR_H_
#define CONCORD_TENSOR_ALLOCATOR_H_

#include <cstddef>
#include <cstdint>
#include <map>

#include "absl/synchronization/mutex.h"

namespace concord {

struct AllocatorStats {
  int64_t system_allocations = 0;  // blocks obtained from the system allocator (cache misses)
  int64_t cache_hits = 0;          // requests served from the cache
  int64_t bytes_in_use = 0;        // bytes of blocks handed out and not yet freed
  int64_t bytes_cached = 0;        // bytes of freed blocks kept for reuse
};

class CpuAllocator {
 public:
  struct Block {
    void* data = nullptr;
    size_t capacity = 0;  // bytes actually reserved (>= the request)
  };

  // The process-wide allocator.
  static CpuAllocator& Get();

  // Throws TensorError when the system is out of memory.
  Block Allocate(size_t nbytes);
  void Free(Block block);

  AllocatorStats stats() const;
  // Returns every cached block to the system.
  void EmptyCache();
  void set_cache_limit_bytes(size_t limit);

 private:
  CpuAllocator() = default;

  // absl::Mutex spins briefly before it sleeps: the lanes of a split step (worker/lane_split.h)
  // allocate at the same moments.
  mutable absl::Mutex mu_;
  std::multimap<size_t, void*> free_ ABSL_GUARDED_BY(mu_);  // capacity -> block
  AllocatorStats stats_ ABSL_GUARDED_BY(mu_);
  size_t cache_limit_bytes_ ABSL_GUARDED_BY(mu_) = size_t{512} << 20;
};

}  // namespace concord

#endif  // CONCORD_TENSOR_ALLOCATOR_H_
