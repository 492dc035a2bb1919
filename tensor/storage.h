// File: tensor/storage.h
//
// A Storage is one allocation of bytes on a device. Tensors hold it by shared_ptr, so views
// (tensors that differ only in shape, strides and offset) share it and keep it alive.
// CPU memory comes from the caching allocator (tensor/allocator.h), 64-byte aligned.
#ifndef CONCORD_TENSOR_STORAGE_H_
#define CONCORD_TENSOR_STORAGE_H_

#include <cstddef>
#include <memory>

#include "tensor/device.h"

namespace concord {

class Storage {
 public:
  // Allocates nbytes (uninitialised) on device; throws TensorError if it cannot.
  Storage(size_t nbytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() { return data_; }
  const void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }


  static int64_t total_allocations();

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  size_t capacity_ = 0;  // bytes reserved by the allocator
  Device device_;
};

}  // namespace concord

#endif  // CONCORD_TENSOR_STORAGE_H_
