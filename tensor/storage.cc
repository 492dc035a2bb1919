#include "tensor/storage.h"

#include <atomic>
#include <cstdlib>
#include <new>

#include "absl/strings/str_cat.h"
#include "tensor/error.h"

namespace concord {
namespace {
constexpr size_t kAlignment = 64;
std::atomic<int64_t> allocations{0};
}  // namespace

Storage::Storage(size_t nbytes, Device device) : nbytes_(nbytes), device_(device) {
  TENSOR_CHECK(device.is_cpu(), "Storage: cannot allocate on ", device.ToString(),
               ": this build's tensors live on the CPU only (the CUDA backend is not built in)");
  // aligned_alloc wants a multiple of the alignment; a zero-byte tensor still gets a pointer.
  size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  data_ = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
  if (data_ == nullptr) {
    throw TensorError(StrCat("Storage: out of memory allocating ", nbytes, " bytes"));
  }
  allocations.fetch_add(1, std::memory_order_relaxed);
}

Storage::~Storage() { std::free(data_); }

int64_t Storage::total_allocations() { return allocations.load(); }

}  // namespace concord
