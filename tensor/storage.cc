#include "tensor/storage.h"

#include <atomic>

#include "tensor/allocator.h"
#include "tensor/error.h"

namespace concord {
namespace {
std::atomic<int64_t> storages_created{0};
}  // namespace

Storage::Storage(size_t nbytes, Device device) : nbytes_(nbytes), device_(device) {
  TENSOR_CHECK(device.is_cpu(), "Storage: cannot allocate on ", device.ToString(),
               ": this build's tensors live on the CPU only (the CUDA backend is not built in)");
  CpuAllocator::Block block = CpuAllocator::Get().Allocate(nbytes);
  data_ = block.data;
  capacity_ = block.capacity;
  storages_created.fetch_add(1, std::memory_order_relaxed);
}

Storage::~Storage() { CpuAllocator::Get().Free({data_, capacity_}); }

int64_t Storage::total_allocations() { return storages_created.load(); }

}  // namespace concord
