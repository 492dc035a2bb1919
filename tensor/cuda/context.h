// File: tensor/cuda/context.h
//
// Per-process CUDA state shared by the tensor library and the communicators: which device a
// thread works on, and the one compute stream per device that every tensor op is issued to.
//
// Tensor ops on cuda:N run on ComputeStream(N) in issue order, asynchronously to the host; a
// host read (item(), a copy to the CPU) synchronises that stream first. Other streams (NCCL's,
// the data prefetcher's) order themselves against it with events:
//
//   ASSIGN_OR_RETURN(cudaStream_t compute, cuda::ComputeStream(device));
//   cudaEventRecord(ready, compute);            // after the producer's kernels
//   cudaStreamWaitEvent(comm_stream, ready, 0);  // the consumer's stream waits, not the host
//
// Plain C++ over the CUDA runtime API; builds and links without a GPU, where every function
// returns CUDA's own error.
#ifndef CONCORD_TENSOR_CUDA_CONTEXT_H_
#define CONCORD_TENSOR_CUDA_CONTEXT_H_

#include <cuda_runtime_api.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace concord::cuda {

// The compute stream of `device` (created non-blocking on first use, then cached for the
// process's life). Also makes `device` current on the calling thread.
absl::StatusOr<cudaStream_t> ComputeStream(int device);

// Makes `device` current on the calling thread (cudaSetDevice), with CUDA's error otherwise.
absl::Status SetDevice(int device);

// The PCI bus id of `device` ("0000:3b:00.0"): which physical GPU it is, whatever
// CUDA_VISIBLE_DEVICES made its ordinal.
absl::StatusOr<std::string> PciBusId(int device);

// Waits until everything issued to ComputeStream(device) has finished.
absl::Status SynchronizeDevice(int device);

// Sets the calling thread's device for its scope and restores the previous one after.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = -1;
};

}  // namespace concord::cuda

#endif  // CONCORD_TENSOR_CUDA_CONTEXT_H_
