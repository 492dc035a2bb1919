// File: worker/comm/nccl_communicator.cc
//
// Note [Streams and Works]
// A collective is issued from the calling thread, with no communication thread of our own:
//   1. an event `ready` is recorded on the compute stream (after the kernels that produced the
//      tensor) and the comm stream waits for it (cudaStreamWaitEvent: the host does not block);
//   2. ncclAllReduce/ncclBroadcast is enqueued on the comm stream; on a non-blocking
//      communicator it may return ncclInProgress, and then ncclCommGetAsyncError is polled until
//      ncclSuccess before any other NCCL call (NCCL's rule for non-blocking communicators);
//   3. an event `done` is recorded on the comm stream and handed to the Work.
// Work::Wait makes the compute stream wait for `done` (so later kernels see the result without
// a host round trip) and polls cudaEventQuery(done) and ncclCommGetAsyncError from the host,
// because the contract wants a Status: OK once `done` completed, the NCCL error if the
// communicator failed (it is then aborted and broken), DeadlineExceeded when Wait's own timeout
// passes (the op goes on), and DeadlineExceeded with the communicator aborted when the op's own
// deadline (NcclOptions.timeout after it was issued) passes, since NCCL cannot cancel one
// collective. A Work destroyed unwaited still makes the compute stream wait for `done`, so
// memory freed after it cannot be reused by compute kernels while NCCL writes it. Events come
// from a pool (no cudaEventCreate per call in the steady state); an event goes back once its
// Work is gone (a stream that waited on it keeps what it captured at cudaStreamWaitEvent time).
//
// Note [Locking]
// Every NCCL call on the ncclComm_t happens under NcclState::mu, and Abort() takes mu before
// ncclCommAbort frees the comm, so no thread ever uses a freed comm. NCCL calls on a
// non-blocking communicator return at once; the loops that poll one under mu check `aborting`
// every round, so Abort() gets mu within one polling interval. Work::Poll takes mu only for
// one round at a time. Lock order: NcclWork::mu_ before NcclState::mu.
#include "worker/comm/nccl_communicator.h"

#include <cuda_runtime_api.h>
#include <nccl.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "tensor/cuda/context.h"
#include "tensor/cuda/cuda_check.h"
#include "tensor/error.h"
#include "worker/comm/nccl_api.h"
#include "worker/comm/nccl_check.h"

namespace concord::comm {
namespace {

// Where rank 0 publishes ncclGetUniqueId's bytes (inside the caller's store scope).
constexpr char kUniqueIdKey[] = "nccl/unique_id";

// Pauses between polls: yields for the first rounds (a small collective takes tens of
// microseconds), then sleeps, doubling up to 1 ms.
class Backoff {
 public:
  void Pause() {
    if (rounds_ < 64) {
      ++rounds_;
      std::this_thread::yield();
      return;
    }
    absl::SleepFor(sleep_);
    sleep_ = std::min(sleep_ * 2, absl::Milliseconds(1));
  }

 private:
  int rounds_ = 0;
  absl::Duration sleep_ = absl::Microseconds(10);
};

ncclDataType_t NcclType(DType dtype) {
  switch (dtype) {
    case kFloat32: return ncclFloat32;
    case kFloat64: return ncclFloat64;
    case kInt64: return ncclInt64;
    case kBool: break;
  }
  throw std::logic_error("NcclType: unchecked dtype");  // CheckCollectiveTensor ran first
}

// cudaEvent_t's without timing, created on one device and reused.
class EventPool {
 public:
  EventPool() = default;
  // Events still out (held by live Works) are the Works' to return first: they hold the state.
  ~EventPool() {
    for (cudaEvent_t event : free_) (void)cudaEventDestroy(event);  // teardown: nobody to tell
  }
  EventPool(const EventPool&) = delete;
  EventPool& operator=(const EventPool&) = delete;

  // The calling thread's current device must be the pool's.
  absl::StatusOr<cudaEvent_t> Acquire() {
    {
      absl::MutexLock lock(&mu_);
      if (!free_.empty()) {
        cudaEvent_t event = free_.back();
        free_.pop_back();
        return event;
      }
    }
    cudaEvent_t event = nullptr;
    CUDA_RETURN_IF_ERROR(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
    return event;
  }

  void Release(cudaEvent_t event) {
    absl::MutexLock lock(&mu_);
    free_.push_back(event);
  }

 private:
  absl::Mutex mu_;
  std::vector<cudaEvent_t> free_ ABSL_GUARDED_BY(mu_);
};

// "nccl rank 0 of 2 on cuda:0": who a message is about.
std::string Owner(int rank, int world_size, int device) {
  return absl::StrCat("nccl rank ", rank, " of ", world_size, " on cuda:", device);
}

// What the communicator and its Works share; Works may outlive the communicator.
struct NcclState {
  NcclState(const NcclApi& nccl, int rank, int world_size, int device, absl::Duration timeout)
      : nccl(nccl),
        rank(rank),
        world_size(world_size),
        device(device),
        timeout(timeout),
        owner(Owner(rank, world_size, device)) {}

  ~NcclState() {
    // Teardown: errors have nobody to go to. Close() normally destroyed the comm already.
    cuda::DeviceGuard guard(device);
    if (comm != nullptr) (void)nccl.comm_abort(comm);
    if (barrier_buffer != nullptr) (void)cudaFree(barrier_buffer);
    if (stream != nullptr) (void)cudaStreamDestroy(stream);
  }

  // "owner: what aborted: ..." / "owner: what failed: ..." for an op caught by first_error.
  absl::Status OpFailed(const std::string& what, const absl::Status& error,
                        const char* verb = nullptr) const {
    const bool aborted = error.code() == absl::StatusCode::kAborted;
    const char* how = verb != nullptr ? verb : (aborted ? " aborted: " : " failed: ");
    return absl::Status(error.code(), absl::StrCat(owner, ": ", what, how, error.message()));
  }

  // Breaks the communicator with `status` (the first failure wins) and aborts the NCCL comm,
  // whose kernels then exit. Returns `status`.
  absl::Status FailLocked(absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (first_error.ok()) first_error = status;
    if (comm != nullptr) {
      const ncclResult_t result = nccl.comm_abort(comm);
      comm = nullptr;
      if (result != ncclSuccess) {
        status = absl::Status(status.code(),
                              absl::StrCat(status.message(), " (ncclCommAbort then failed: ",
                                           nccl_internal::DescribeNcclResult(nccl, result, nullptr),
                                           ")"));
      }
    }
    return status;
  }

  // NCCL's error for a call on comm, prefixed with owner and what; breaks the communicator.
  absl::Status FailNcclLocked(const std::string& what, absl::Status nccl_error)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return FailLocked(absl::Status(nccl_error.code(),
                                   absl::StrCat(owner, ": ", what, ": ", nccl_error.message())));
  }

  // Polls ncclCommGetAsyncError until the comm leaves ncclInProgress: OK on ncclSuccess; on an
  // error, a deadline or an abort the communicator is broken.
  absl::Status AwaitNcclLocked(const std::string& what, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    Backoff backoff;
    for (;;) {
      if (aborting.load()) {
        return absl::AbortedError(
            absl::StrCat(owner, ": ", what, " aborted: the communicator was aborted"));
      }
      ncclResult_t async = ncclSuccess;
      const ncclResult_t result = nccl.comm_get_async_error(comm, &async);
      if (result != ncclSuccess) {
        return FailNcclLocked(what, nccl_internal::NcclErrorToStatus(
                                        nccl, result, comm, "ncclCommGetAsyncError(comm, &async)",
                                        __FILE__, __LINE__));
      }
      if (async == ncclSuccess) return absl::OkStatus();
      if (async != ncclInProgress) {
        return FailNcclLocked(what, absl::Status(nccl_internal::NcclStatusCode(async),
                                                 absl::StrCat("NCCL reported an error: ",
                                                              nccl_internal::DescribeNcclResult(
                                                                  nccl, async, comm))));
      }
      if (absl::Now() >= deadline) {
        return FailLocked(absl::DeadlineExceededError(absl::StrCat(
            owner, ": ", what, " still in progress in NCCL after ", absl::FormatDuration(timeout),
            " (NcclOptions.timeout); the communicator was aborted")));
      }
      backoff.Pause();
    }
  }

  // Destroys a healthy, idle comm (ncclCommFinalize, bounded by timeout, then ncclCommDestroy);
  // aborts it otherwise. Pending Works then fail with kAborted.
  void Close() {
    cuda::DeviceGuard guard(device);
    absl::MutexLock lock(&mu);
    if (comm == nullptr) return;
    if (first_error.ok() && cudaStreamQuery(stream) == cudaSuccess) {
      const ncclResult_t finalize = nccl.comm_finalize(comm);
      if ((finalize == ncclSuccess || finalize == ncclInProgress) &&
          AwaitNcclLocked("ncclCommFinalize", absl::Now() + timeout).ok() && comm != nullptr) {
        (void)nccl.comm_destroy(comm);  // finalised: frees local memory only; nobody to tell
        comm = nullptr;
        return;
      }
    }
    (void)FailLocked(absl::AbortedError("the communicator was destroyed with work in flight"));
  }

  const NcclApi& nccl;  // the loaded NCCL (nccl_api.h), for the process's life
  const int rank;
  const int world_size;
  const int device;
  const absl::Duration timeout;
  const std::string owner;       // "nccl rank 0 of 2 on cuda:0", the start of every message
  cudaStream_t stream = nullptr;  // the comm stream (non-blocking)
  int64_t* barrier_buffer = nullptr;  // (1,) int64 on `device`, zero: Barrier all-reduces it
  EventPool events;

  std::atomic<bool> aborting{false};  // set first by Abort(), read by polling loops under mu
  absl::Mutex mu;
  ncclComm_t comm ABSL_GUARDED_BY(mu) = nullptr;  // null once aborted or destroyed
  absl::Status first_error ABSL_GUARDED_BY(mu);   // the first failure, or the abort
};

// A Work that finished before it was returned (argument errors, empty tensors, broken comm).
class DoneWork final : public Work {
 public:
  explicit DoneWork(absl::Status status) : status_(std::move(status)) {}
  using Work::Wait;
  absl::Status Wait(absl::Duration) override { return status_; }
  bool IsCompleted() override { return true; }

 private:
  absl::Status status_;
};

// A collective issued on the comm stream. See Note [Streams and Works].
class NcclWork final : public Work {
 public:
  NcclWork(std::shared_ptr<NcclState> state, std::string what, Tensor tensor,
           cudaStream_t compute, cudaEvent_t done)
      : state_(std::move(state)),
        what_(std::move(what)),
        tensor_(std::move(tensor)),
        compute_(compute),
        done_(done),
        op_deadline_(absl::Now() + state_->timeout) {}

  ~NcclWork() override {
    cuda::DeviceGuard guard(state_->device);
    {
      absl::MutexLock lock(&mu_);
      // Nothing to report to from a destructor; a failure here means CUDA itself broke.
      if (!compute_waits_) (void)cudaStreamWaitEvent(compute_, done_, 0);
    }
    state_->events.Release(done_);
  }

  using Work::Wait;
  absl::Status Wait(absl::Duration timeout) override {
    const absl::Time wait_deadline = absl::Now() + timeout;
    cuda::DeviceGuard guard(state_->device);
    {
      absl::MutexLock lock(&mu_);
      if (!result_.has_value() && !compute_waits_) {
        const cudaError_t error = cudaStreamWaitEvent(compute_, done_, 0);
        if (error != cudaSuccess) {
          absl::MutexLock state_lock(&state_->mu);
          result_ = state_->FailLocked(state_->OpFailed(
              what_, cuda_internal::CudaErrorToStatus(error, "cudaStreamWaitEvent(compute, done, 0)",
                                                      __FILE__, __LINE__)));
        }
        compute_waits_ = true;
      }
    }
    Backoff backoff;
    for (;;) {
      if (std::optional<absl::Status> result = Poll()) return *result;
      if (absl::Now() >= wait_deadline) {
        return absl::DeadlineExceededError(absl::StrCat(
            state_->owner, ": ", what_, " still running after Work::Wait(",
            absl::FormatDuration(timeout), "); it goes on: Wait again, or Abort()"));
      }
      backoff.Pause();
    }
  }

  bool IsCompleted() override { return Poll().has_value(); }

 private:
  // One look at the collective: its final Status, or nullopt while it runs.
  std::optional<absl::Status> Poll() {
    absl::MutexLock lock(&mu_);
    if (result_.has_value()) return result_;
    const cudaError_t query = cudaEventQuery(done_);
    absl::MutexLock state_lock(&state_->mu);
    if (!state_->first_error.ok()) {
      // An abort (or another op's failure) may have made the kernels exit early: `done` says
      // nothing about the data then.
      result_ = state_->OpFailed(what_, state_->first_error);
    } else if (query == cudaSuccess) {
      result_ = absl::OkStatus();
    } else if (query != cudaErrorNotReady) {
      result_ = state_->FailLocked(state_->OpFailed(
          what_, cuda_internal::CudaErrorToStatus(query, "cudaEventQuery(done)", __FILE__,
                                                  __LINE__)));
    } else if (state_->comm == nullptr) {  // destroyed with this op in flight
      result_ = state_->OpFailed(what_, absl::AbortedError("the communicator was destroyed"));
    } else {
      ncclResult_t async = ncclSuccess;
      const ncclResult_t result = state_->nccl.comm_get_async_error(state_->comm, &async);
      if (result != ncclSuccess) {
        result_ = state_->FailNcclLocked(
            what_, nccl_internal::NcclErrorToStatus(state_->nccl, result, state_->comm,
                                                    "ncclCommGetAsyncError(comm, &async)",
                                                    __FILE__, __LINE__));
      } else if (async != ncclSuccess && async != ncclInProgress) {
        result_ = state_->FailNcclLocked(
            what_, absl::Status(nccl_internal::NcclStatusCode(async),
                                absl::StrCat("NCCL reported an error: ",
                                             nccl_internal::DescribeNcclResult(
                                                 state_->nccl, async, state_->comm))));
      } else if (absl::Now() >= op_deadline_) {
        result_ = state_->FailLocked(absl::DeadlineExceededError(absl::StrCat(
            state_->owner, ": ", what_, " did not finish within ",
            absl::FormatDuration(state_->timeout),
            " (NcclOptions.timeout): a peer is dead, hung or not issuing the same collective; "
            "the communicator was aborted")));
      }
    }
    return result_;
  }

  const std::shared_ptr<NcclState> state_;
  const std::string what_;
  const Tensor tensor_;  // kept alive (its storage) while the collective may run
  const cudaStream_t compute_;
  const cudaEvent_t done_;
  const absl::Time op_deadline_;

  absl::Mutex mu_;
  bool compute_waits_ ABSL_GUARDED_BY(mu_) = false;  // cudaStreamWaitEvent(compute_, done_) made
  std::optional<absl::Status> result_ ABSL_GUARDED_BY(mu_);
};

class NcclCommunicator final : public Communicator {
 public:
  explicit NcclCommunicator(std::shared_ptr<NcclState> state) : state_(std::move(state)) {}
  ~NcclCommunicator() override { state_->Close(); }

  int rank() const override { return state_->rank; }
  int world_size() const override { return state_->world_size; }
  Device home_device() const override { return Device::Cuda(state_->device); }

  absl::Status AllReduceSum(Tensor& t) override { return AllReduceSumAsync(t)->Wait(); }

  std::unique_ptr<Work> AllReduceSumAsync(Tensor t) override {
    if (absl::Status s = CheckTensor(t, "AllReduceSum"); !s.ok()) {
      return std::make_unique<DoneWork>(std::move(s));
    }
    const size_t count = static_cast<size_t>(t.numel());
    const ncclDataType_t type = NcclType(t.dtype());
    void* data = count == 0 ? nullptr : t.raw_data();
    std::string what = DescribeCollective("AllReduceSum", t);
    return Issue(std::move(what), std::move(t), count,
                 [data, count, type](const NcclApi& nccl, ncclComm_t comm, cudaStream_t stream) {
                   return nccl.all_reduce(data, data, count, type, ncclSum, comm, stream);
                 });
  }

  absl::Status Broadcast(Tensor& t, int root) override {
    RETURN_IF_ERROR(CheckTensor(t, "Broadcast"));
    if (root < 0 || root >= state_->world_size) {
      return absl::InvalidArgumentError(absl::StrCat(state_->owner, ": Broadcast root ", root,
                                                     " out of range [0, ", state_->world_size,
                                                     ")"));
    }
    const size_t count = static_cast<size_t>(t.numel());
    const ncclDataType_t type = NcclType(t.dtype());
    void* data = count == 0 ? nullptr : t.raw_data();
    std::string what = StrCat(DescribeCollective("Broadcast", t), " from root ", root);
    return Issue(std::move(what), t, count,
                 [data, count, type, root](const NcclApi& nccl, ncclComm_t comm,
                                           cudaStream_t stream) {
                   return nccl.broadcast(data, data, count, type, root, comm, stream);
                 })
        ->Wait();
  }

  absl::Status Barrier() override {
    int64_t* buffer = state_->barrier_buffer;
    return Issue("Barrier", Tensor(), 1,
                 [buffer](const NcclApi& nccl, ncclComm_t comm, cudaStream_t stream) {
                   return nccl.all_reduce(buffer, buffer, 1, ncclInt64, ncclSum, comm, stream);
                 })
        ->Wait();
  }

  void Abort() override {
    if (state_->aborting.exchange(true)) return;
    cuda::DeviceGuard guard(state_->device);
    absl::MutexLock lock(&state_->mu);
    (void)state_->FailLocked(absl::AbortedError("the communicator was aborted"));
  }

 private:
  absl::Status CheckTensor(const Tensor& t, std::string_view op) const {
    RETURN_IF_ERROR(CheckCollectiveTensor(t, op, state_->rank));
    const Device device = t.device();
    if (!device.is_cuda() || device.index != state_->device) {
      return absl::InvalidArgumentError(StrCat(
          op, " on rank ", state_->rank, ": the NCCL communicator takes CUDA tensors on cuda:",
          state_->device, ", got one on ", device.ToString(), " (move it with .to(Device::Cuda(",
          state_->device, ")), or use the Gloo backend for CPU tensors)"));
    }
    return absl::OkStatus();
  }

  // Steps 1-3 of Note [Streams and Works]; launch(nccl, comm, stream) enqueues the NCCL call.
  template <typename Launch>
  std::unique_ptr<Work> Issue(std::string what, Tensor tensor, size_t count, Launch launch) {
    NcclState& s = *state_;
    cuda::DeviceGuard guard(s.device);
    absl::StatusOr<cudaStream_t> compute = cuda::ComputeStream(s.device);
    absl::MutexLock lock(&s.mu);
    if (!s.first_error.ok()) {
      return std::make_unique<DoneWork>(s.OpFailed(
          what, s.first_error,
          s.first_error.code() == absl::StatusCode::kAborted ? " not run: "
                                                             : " not run: an earlier call failed: "));
    }
    if (s.aborting.load()) {
      return std::make_unique<DoneWork>(
          s.OpFailed(what, absl::AbortedError("the communicator was aborted"), " not run: "));
    }
    if (!compute.ok()) {
      return std::make_unique<DoneWork>(s.FailLocked(s.OpFailed(what, compute.status())));
    }
    if (count == 0) return std::make_unique<DoneWork>(absl::OkStatus());  // nothing is sent
    absl::Status status = Enqueue(what, *compute, launch);
    if (!status.ok()) return std::make_unique<DoneWork>(std::move(status));
    absl::StatusOr<cudaEvent_t> done = s.events.Acquire();
    if (done.ok()) {
      const cudaError_t error = cudaEventRecord(*done, s.stream);
      if (error == cudaSuccess) {
        return std::make_unique<NcclWork>(state_, std::move(what), std::move(tensor), *compute,
                                          *done);
      }
      s.events.Release(*done);
      done = cuda_internal::CudaErrorToStatus(error, "cudaEventRecord(done, stream)", __FILE__,
                                              __LINE__);
    }
    return std::make_unique<DoneWork>(s.FailLocked(s.OpFailed(what, done.status())));
  }

  // Orders the comm stream after the compute stream, then launches; failures break the comm.
  template <typename Launch>
  absl::Status Enqueue(const std::string& what, cudaStream_t compute, Launch& launch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu) {
    NcclState& s = *state_;
    absl::Status ordered = [&]() -> absl::Status {
      ASSIGN_OR_RETURN(cudaEvent_t ready, s.events.Acquire());
      const cudaError_t record = cudaEventRecord(ready, compute);
      const cudaError_t wait = record == cudaSuccess ? cudaStreamWaitEvent(s.stream, ready, 0)
                                                     : cudaSuccess;
      s.events.Release(ready);  // the comm stream's wait captured it: reusable now
      CUDA_RETURN_IF_ERROR(record);
      CUDA_RETURN_IF_ERROR(wait);
      return absl::OkStatus();
    }();
    if (!ordered.ok()) return s.FailLocked(s.OpFailed(what, ordered));
    const ncclResult_t result = launch(s.nccl, s.comm, s.stream);
    if (result == ncclInProgress) return s.AwaitNcclLocked(what, absl::Now() + s.timeout);
    if (result != ncclSuccess) {
      return s.FailNcclLocked(what, nccl_internal::NcclErrorToStatus(
                                        s.nccl, result, s.comm, "launching the collective",
                                        __FILE__, __LINE__));
    }
    return absl::OkStatus();
  }

  const std::shared_ptr<NcclState> state_;
};

// Everything of creation that can fail, on `state`; the caller adds the context.
absl::Status Initialise(NcclState& s, KeyValueStore& store, absl::Time deadline) {
  cuda::DeviceGuard guard(s.device);
  RETURN_IF_ERROR(cuda::SetDevice(s.device));  // no driver or no such device: CUDA's message
  CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking));
  CUDA_RETURN_IF_ERROR(cudaMalloc(reinterpret_cast<void**>(&s.barrier_buffer), sizeof(int64_t)));
  CUDA_RETURN_IF_ERROR(cudaMemsetAsync(s.barrier_buffer, 0, sizeof(int64_t), s.stream));

  ncclUniqueId id;
  if (s.rank == 0) {
    NCCL_RETURN_IF_ERROR(s.nccl, s.nccl.get_unique_id(&id), nullptr);
    RETURN_IF_ERROR(store.Set(kUniqueIdKey, std::string(id.internal, sizeof(id.internal))));
  } else {
    ASSIGN_OR_RETURN(std::string bytes, store.Get(kUniqueIdKey, deadline - absl::Now()));
    if (bytes.size() != sizeof(id.internal)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the store's key '", kUniqueIdKey, "' holds ", bytes.size(), " bytes, expected an ",
          sizeof(id.internal), "-byte ncclUniqueId from rank 0 (is rank 0 using NCCL too?)"));
    }
    std::memcpy(id.internal, bytes.data(), sizeof(id.internal));
  }

  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;  // init and collectives return at once; we poll (bounded) instead
  config.commName = s.owner.c_str();
  absl::MutexLock lock(&s.mu);
  const ncclResult_t init =
      s.nccl.comm_init_rank_config(&s.comm, s.world_size, id, s.rank, &config);
  if (init != ncclSuccess && init != ncclInProgress) {
    absl::Status status = nccl_internal::NcclErrorToStatus(
        s.nccl, init, s.comm, "ncclCommInitRankConfig(&comm, world_size, id, rank, &config)",
        __FILE__, __LINE__);
    return s.FailLocked(std::move(status));
  }
  Backoff backoff;
  for (;;) {
    ncclResult_t async = ncclSuccess;
    const ncclResult_t result = s.nccl.comm_get_async_error(s.comm, &async);
    if (result != ncclSuccess) {
      return s.FailLocked(nccl_internal::NcclErrorToStatus(
          s.nccl, result, s.comm, "ncclCommGetAsyncError(comm, &async)", __FILE__, __LINE__));
    }
    if (async == ncclSuccess) return absl::OkStatus();
    if (async != ncclInProgress) {
      return s.FailLocked(absl::Status(
          nccl_internal::NcclStatusCode(async),
          absl::StrCat("ncclCommInitRankConfig failed: ",
                       nccl_internal::DescribeNcclResult(s.nccl, async, s.comm))));
    }
    if (absl::Now() >= deadline) {
      return s.FailLocked(absl::DeadlineExceededError(absl::StrCat(
          "NCCL initialisation of rank ", s.rank, " of world size ", s.world_size,
          " did not finish within ", absl::FormatDuration(s.timeout),
          " (NcclOptions.timeout): a rank did not join or cannot be reached; aborted")));
    }
    backoff.Pause();
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Communicator>> CreateNcclCommunicator(KeyValueStore& store,
                                                                     int rank, int world_size,
                                                                     int device,
                                                                     NcclOptions options) {
  if (world_size < 1 || rank < 0 || rank >= world_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "CreateNcclCommunicator: expected 0 <= rank < world_size, got rank ", rank,
        " and world_size ", world_size));
  }
  if (device < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("CreateNcclCommunicator: expected a CUDA device ordinal >= 0, got ", device));
  }
  if (options.timeout <= absl::ZeroDuration() || options.timeout == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "CreateNcclCommunicator: NcclOptions.timeout must be positive and finite, got ",
        absl::FormatDuration(options.timeout)));
  }
  // NCCL is loaded by the first communicator (see nccl_api.h); without it, nothing else is done.
  absl::StatusOr<const NcclApi*> nccl = Nccl();
  if (!nccl.ok()) {
    return absl::Status(nccl.status().code(),
                        absl::StrCat("CreateNcclCommunicator (", Owner(rank, world_size, device),
                                     "): ", nccl.status().message()));
  }
  const absl::Time deadline = absl::Now() + options.timeout;
  auto state = std::make_shared<NcclState>(**nccl, rank, world_size, device, options.timeout);
  if (absl::Status status = Initialise(*state, store, deadline); !status.ok()) {
    return absl::Status(status.code(), absl::StrCat("CreateNcclCommunicator (", state->owner,
                                                    "): ", status.message()));
  }
  return std::unique_ptr<Communicator>(std::make_unique<NcclCommunicator>(std::move(state)));
}

}  // namespace concord::comm
