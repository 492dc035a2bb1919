// File: tensor/data/prefetcher.h
//
// Prefetcher: gathers the next batch on a background thread while the current one trains, so
// loading overlaps compute (DESIGN.md, step 2). Two buffer slots alternate; a batch returned
// by Wait() stays valid until the second Start() after it.
//
// For a CUDA device the batch is gathered into pinned host memory and copied to the GPU on a
// side stream, on the prefetch thread; Wait() returns GPU tensors and makes the device's
// compute stream wait for their copy (an event, not the host). The caller must not start the
// batch after next before the GPU work on a returned batch has finished (the training loop
// reads the step's loss on the host, which waits for it).
//
//   Prefetcher p(dataset, norm);
//   p.Start(batch0);
//   for (b = 0; ...) {
//     ASSIGN_OR_RETURN(Batch batch, p.Wait());
//     if (b + 1 < n) p.Start(batch_indices(b + 1));
//     trainer.StepOn(batch.x, batch.y, ...);
//   }
#ifndef CONCORD_TENSOR_DATA_PREFETCHER_H_
#define CONCORD_TENSOR_DATA_PREFETCHER_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tensor/data/dataset.h"

namespace concord::data {

struct Batch {
  Tensor x;  // [n, features] float32
  Tensor y;  // [n] int64
};

class Prefetcher {
 public:
  // device: where the batches go (see above).
  Prefetcher(const Dataset& data, Normalization norm, Device device = Device::Cpu());
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  // Begins gathering these samples (copied) into the next slot. At most one batch may be
  // started and not yet waited for.
  void Start(std::span<const int64_t> indices);
  // The batch started last, once gathered; an error if the gather failed (a bad index) or did
  // not finish within the timeout.
  absl::StatusOr<Batch> Wait(absl::Duration timeout = absl::Seconds(60));

 private:
  void Run();
  // Copies host_[slot] into slots_[slot] on the side stream (CUDA devices); an error message.
  std::string CopyToDevice(int slot);

  const Dataset& data_;
  Normalization norm_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int64_t> pending_;  // indices to gather next
  bool has_pending_ = false;
  bool ready_ = false;
  bool stop_ = false;
  std::string error_;
  int slot_ = 0;
  Batch slots_[2];  // what Wait() returns
  Device device_;
  Batch host_[2];            // pinned staging (CUDA devices only)
  void* side_ = nullptr;     // cudaStream_t of the copies
  void* done_[2] = {};       // cudaEvent_t: slot's copy finished
  std::thread thread_;
};

}  // namespace concord::data

#endif  // CONCORD_TENSOR_DATA_PREFETCHER_H_
