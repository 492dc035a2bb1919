// File: worker/comm/communicator.h
//
// Communicator: the collectives a data-parallel worker needs, over one fixed group of ranks
// (c10d's Backend, cut down). Backends: Gloo (CPU tensors; worker/comm/gloo_communicator.h),
// NCCL (CUDA tensors; later). Created from a rendezvous store (worker/comm/store.h).
//
// Contract (every backend, every caller):
//   - Every rank issues the same collectives, in the same order, with tensors of the same
//     shape and dtype (and the same root for Broadcast). Anything else is undefined: it may
//     fail, time out, or silently mix data. Check shapes across ranks once before training
//     (c10d's verify_params_across_processes).
//   - Tensors: defined, contiguous, dtype float32, float64 or int64, on a device the backend
//     takes; otherwise InvalidArgument at the call, before anything is sent. Zero elements
//     are valid (nothing is sent). Results are written in place.
//   - Calls on one communicator run strictly in the order they were issued (sync and async
//     alike); async calls return at once with a Work, and the tensor must stay untouched
//     until its Wait returns OK.
//   - Failures (a dead or hung peer, a timeout) come back as a non-OK Status, never a hang:
//     each collective is bounded by the backend's timeout. After a failure the communicator
//     is broken: later calls fail fast with the first error. Re-form the group to go on.
//   - Abort() may be called from any thread, at any time: every pending and future call
//     returns an error (kAborted) promptly, and peers blocked on this rank fail soon after.
//     A tensor whose collective was aborted holds unspecified values.
//   - rank()/world_size() are fixed at creation. The methods are thread-safe, but issuing
//     collectives from several threads makes their order (see above) the callers' problem.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Communicator> comm,
//                    CreateGlooCommunicator(store, rank, world_size, {}));
//   std::unique_ptr<Work> work = comm->AllReduceSumAsync(bucket);   // overlaps backward
//   RETURN_IF_ERROR(comm->Broadcast(params, /*root=*/0));
//   RETURN_IF_ERROR(work->Wait(absl::Seconds(60)));
#ifndef CONCORD_WORKER_COMM_COMMUNICATOR_H_
#define CONCORD_WORKER_COMM_COMMUNICATOR_H_

#include <memory>
#include <string>
#include <vector>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "tensor/tensor.h"

namespace concord::comm {

// An asynchronous collective in flight. Destroying a Work does not cancel the collective.
class Work {
 public:
  virtual ~Work() = default;
  // Blocks until the collective finished (its Status), or `timeout` passed (DeadlineExceeded;
  // the collective goes on and Wait may be called again). Returns promptly after Abort().
  virtual absl::Status Wait(absl::Duration timeout) = 0;
  // Wait without a deadline of its own: the backend's timeout still bounds the collective.
  absl::Status Wait() { return Wait(absl::InfiniteDuration()); }
  // True once Wait would return without blocking.
  virtual bool IsCompleted() = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  // Where small tensors made only to be communicated (a flag, a checksum) should live: a
  // device every rank's backend takes without a copy. The CPU unless the backend says other.
  virtual Device home_device() const { return Device::Cpu(); }
  // How this backend runs, for a worker's log line (e.g. Gloo's choice of Note [Spinning only
  // where it fits]); empty where there is nothing to say.
  virtual std::string details() const { return {}; }

  // t <- sum of t over all ranks, in place.
  virtual absl::Status AllReduceSum(Tensor& t) = 0;
  // As AllReduceSum, returning at once. Invalid tensors give a Work that fails at once.
  virtual std::unique_ptr<Work> AllReduceSumAsync(Tensor t) = 0;
  // t <- root's t on every rank. root in [0, world_size).
  virtual absl::Status Broadcast(Tensor& t, int root) = 0;
  // Returns once every rank has entered the barrier.
  virtual absl::Status Barrier() = 0;
  // Fails every pending and future call (see the contract above). Idempotent.
  virtual void Abort() = 0;

  // Persistent all-reduce, for gradient buckets (STYLE 19): RegisterAllReduce sets up the
  // collective over t's memory once (every rank registers tensors of the same shapes, in the
  // same order); AllReduceRegisteredAsync(handle) then sums whatever t holds, in place, with
  // no per-call setup. t keeps its storage for the communicator's life. The default runs
  // AllReduceSumAsync(t) each time; backends with a cheaper repeated path override both.
  virtual absl::StatusOr<int> RegisterAllReduce(Tensor t);
  virtual std::unique_ptr<Work> AllReduceRegisteredAsync(int handle);

 private:
  std::vector<Tensor> registered_;  // for the default implementation
};

// The tensor checks every backend applies: InvalidArgument naming `op`, the rank and the
// problem unless t is defined, contiguous and float32/float64/int64. (The device is the
// backend's own check.)
absl::Status CheckCollectiveTensor(const Tensor& t, std::string_view op, int rank);

// How a collective names its tensor in messages: "AllReduceSum(float32[3, 4])".
std::string DescribeCollective(std::string_view op, const Tensor& t);

}  // namespace concord::comm

#endif  // CONCORD_WORKER_COMM_COMMUNICATOR_H_
