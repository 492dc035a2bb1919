// File: tensor/allocator.h
//
// The CPU caching allocator behind every CPU Storage. Freed blocks are kept in a cache and
// handed out again for requests of the same or a slightly smaller size (best fit, at most
// twice the request), so a training loop whose step allocates the same tensors every time
// reaches a steady state with no system allocation at all after its first step. This is what
// PyTorch's CUDA caching allocator does for the GPU. Blocks are 64-byte aligned.
//
// Each thread keeps the blocks it freed last (up to kThreadCacheBlocks blocks and
// kThreadCacheBytes bytes; older ones move on to the shared cache) in a cache of its own, in
// front of the shared one: the lanes of a split step (worker/lane_split.h) allocate and free
// at the same moments, and through one shared lock they made every small op several times
// slower (see Note [Thread caches]).
//
// The shared cache holds at most cache_limit_bytes (512 MiB by default); a block freed beyond
// that goes back to the system. Thread-safe.
#ifndef CONCORD_TENSOR_ALLOCATOR_H_
#define CONCORD_TENSOR_ALLOCATOR_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace concord {

struct AllocatorStats {
  int64_t system_allocations = 0;  // blocks obtained from the system allocator (cache misses)
  int64_t cache_hits = 0;          // requests served from a cache
  int64_t bytes_in_use = 0;        // bytes of blocks handed out and not yet freed
  int64_t bytes_cached = 0;        // bytes of freed blocks kept for reuse, in all caches
};

class CpuAllocator {
 public:
  struct Block {
    void* data = nullptr;
    size_t capacity = 0;  // bytes actually reserved (>= the request)
  };

  // A thread's own cache holds at most this many blocks and bytes.
  static constexpr size_t kThreadCacheBlocks = 64;
  static constexpr size_t kThreadCacheBytes = size_t{16} << 20;

  // The process-wide allocator.
  static CpuAllocator& Get();

  // Throws TensorError when the system is out of memory.
  Block Allocate(size_t nbytes);
  void Free(Block block);

  AllocatorStats stats() const;
  // Returns every cached block, in every thread's cache, to the system.
  void EmptyCache();
  void set_cache_limit_bytes(size_t limit);

 private:
  class ThreadCache;

  CpuAllocator() = default;

  // The calling thread's cache, registered in caches_ on first use; null once the thread's
  // exit has destroyed it.
  ThreadCache* Local();
  // Takes a block of at least `rounded` bytes (at most twice that) from the shared cache.
  bool TakeShared(size_t rounded, Block* block);
  // Keeps a freed block in the shared cache if the limit allows; else frees it.
  void KeepShared(Block block);

  mutable absl::Mutex mu_;
  std::multimap<size_t, void*> free_ ABSL_GUARDED_BY(mu_);  // the shared cache: capacity -> block
  size_t shared_bytes_ ABSL_GUARDED_BY(mu_) = 0;            // in free_
  size_t cache_limit_bytes_ ABSL_GUARDED_BY(mu_) = size_t{512} << 20;
  std::vector<ThreadCache*> caches_ ABSL_GUARDED_BY(mu_);   // every live thread's
  // The counts no live thread's cache holds: the shared cache's hits, the allocations of
  // threads whose cache is gone, and the totals of threads that have exited (bytes_cached
  // unused: shared_bytes_ and the caches' own sizes give it).
  AllocatorStats common_counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace concord

#endif  // CONCORD_TENSOR_ALLOCATOR_H_
