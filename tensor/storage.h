// File: tensor/storage.h
//
// A Storage is one allocation of bytes on a device. Tensors hold it by shared_ptr, so views
// (tensors that differ only in shape, strides and offset) share it and keep it alive.
// CPU memory comes from the caching allocator (tensor/allocator.h), 64-byte aligned; CUDA
// memory and pinned (page-locked) host memory from the CUDA caching allocators
// (tensor/cuda/allocator.h).
#ifndef CONCORD_TENSOR_STORAGE_H_
#define CONCORD_TENSOR_STORAGE_H_

#include <cstddef>
#include <memory>

#include "tensor/device.h"

namespace concord {

class Storage {
 public:
  // Allocates nbytes (uninitialised) on device; throws TensorError (with CUDA's message for
  // CUDA memory) if it cannot. pinned: page-locked host memory (CPU only), whose copies to and
  // from the GPU are asynchronous; it is reused only after copies queued on the compute stream
  // of the calling thread's current device have finished.
  Storage(size_t nbytes, Device device, bool pinned = false);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() { return data_; }
  const void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }
  bool pinned() const { return pinned_; }


  static int64_t total_allocations();

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  size_t capacity_ = 0;  // bytes reserved by the allocator
  Device device_;
  bool pinned_ = false;
  int pinned_device_ = 0;  // the device whose compute stream may use pinned memory
};

}  // namespace concord

#endif  // CONCORD_TENSOR_STORAGE_H_
