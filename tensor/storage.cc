#include "tensor/storage.h"

#include <cuda_runtime_api.h>

#include <atomic>

#include "tensor/allocator.h"
#include "tensor/cuda/allocator.h"
#include "tensor/error.h"

namespace concord {
namespace {
std::atomic<int64_t> storages_created{0};

cuda::Block Unwrap(absl::StatusOr<cuda::Block> block, size_t nbytes, const Device& device, bool pinned) {
  if (!block.ok()) {
    throw TensorError(StrCat("Storage: cannot allocate ", nbytes, " bytes of ", pinned ? "pinned host" : "",
                             pinned ? "" : device.ToString(), " memory: ", block.status().message()));
  }
  return *block;
}
}  // namespace

Storage::Storage(size_t nbytes, Device device, bool pinned)
    : nbytes_(nbytes), device_(device), pinned_(pinned) {
  TENSOR_CHECK(!pinned || device.is_cpu(), "Storage: pinned memory is host memory; got device ",
               device.ToString());
  if (device.is_cuda()) {
    cuda::Block block = Unwrap(cuda::CudaAllocator::Get().Allocate(device.index, nbytes), nbytes, device, false);
    data_ = block.data;
    capacity_ = block.capacity;
  } else if (pinned) {
    int current = 0;
    if (cudaGetDevice(&current) != cudaSuccess) {
      cudaGetLastError();
      current = 0;
    }
    pinned_device_ = current;
    cuda::Block block = Unwrap(cuda::PinnedAllocator::Get().Allocate(nbytes), nbytes, device, true);
    data_ = block.data;
    capacity_ = block.capacity;
  } else {
    CpuAllocator::Block block = CpuAllocator::Get().Allocate(nbytes);
    data_ = block.data;
    capacity_ = block.capacity;
  }
  storages_created.fetch_add(1, std::memory_order_relaxed);
}

Storage::~Storage() {
  if (device_.is_cuda()) {
    cuda::CudaAllocator::Get().Free({data_, capacity_, device_.index});
  } else if (pinned_) {
    cuda::PinnedAllocator::Get().Free({data_, capacity_, pinned_device_});
  } else {
    CpuAllocator::Get().Free({data_, capacity_});
  }
}

int64_t Storage::total_allocations() { return storages_created.load(); }

}  // namespace concord
