#include "tensor/allocator.h"

#include <cstdlib>

#include "tensor/error.h"

namespace concord {
namespace {
constexpr size_t kAlignment = 64;
}  // namespace

CpuAllocator& CpuAllocator::Get() {
  static CpuAllocator* allocator = new CpuAllocator();  // never destroyed: outlives all tensors
  return *allocator;
}

CpuAllocator::Block CpuAllocator::Allocate(size_t nbytes) {
  // aligned_alloc wants a multiple of the alignment; a zero-byte tensor still gets a block.
  const size_t rounded = nbytes == 0 ? kAlignment : (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  {
    absl::MutexLock lock(&mu_);
    auto it = free_.lower_bound(rounded);
    if (it != free_.end() && it->first <= 2 * rounded) {
      Block block{it->second, it->first};
      free_.erase(it);
      stats_.cache_hits++;
      stats_.bytes_cached -= static_cast<int64_t>(block.capacity);
      stats_.bytes_in_use += static_cast<int64_t>(block.capacity);
      return block;
    }
  }
  void* data = std::aligned_alloc(kAlignment, rounded);
  if (data == nullptr) {
    // Give the cache back and try once more before failing.
    EmptyCache();
    data = std::aligned_alloc(kAlignment, rounded);
    if (data == nullptr) throw TensorError(StrCat("CpuAllocator: out of memory allocating ", nbytes, " bytes"));
  }
  absl::MutexLock lock(&mu_);
  stats_.system_allocations++;
  stats_.bytes_in_use += static_cast<int64_t>(rounded);
  return {data, rounded};
}

void CpuAllocator::Free(Block block) {
  if (block.data == nullptr) return;
  {
    absl::MutexLock lock(&mu_);
    stats_.bytes_in_use -= static_cast<int64_t>(block.capacity);
    if (static_cast<size_t>(stats_.bytes_cached) + block.capacity <= cache_limit_bytes_) {
      free_.emplace(block.capacity, block.data);
      stats_.bytes_cached += static_cast<int64_t>(block.capacity);
      return;
    }
  }
  std::free(block.data);
}

AllocatorStats CpuAllocator::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void CpuAllocator::EmptyCache() {
  std::multimap<size_t, void*> blocks;
  {
    absl::MutexLock lock(&mu_);
    blocks.swap(free_);
    stats_.bytes_cached = 0;
  }
  for (auto& [size, data] : blocks) std::free(data);
}

void CpuAllocator::set_cache_limit_bytes(size_t limit) {
  absl::MutexLock lock(&mu_);
  cache_limit_bytes_ = limit;
}

}  // namespace concord
