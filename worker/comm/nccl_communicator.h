// File: worker/comm/nccl_communicator.h
//
// The NCCL backend of Communicator (worker/comm/communicator.h): CUDA tensors, one GPU per
// rank, NCCL's own collectives (all-reduce, broadcast; the barrier is an all-reduce of one
// int64 on a small device buffer).
//
// Creation is a rendezvous: every rank calls CreateNcclCommunicator with the same store scope
// (a PrefixStore per job and generation), its rank, the world size and its CUDA device. Rank 0
// creates NCCL's unique id and publishes it under the key "nccl/unique_id"; the other ranks
// read it from the store. The communicator is then initialised non-blocking
// (ncclCommInitRankConfig, config.blocking = 0) and polled until it is ready, so a rank that
// never shows up fails the others after options.timeout (counted from the call) with
// DeadlineExceeded naming the rank, world size and timeout, instead of hanging in NCCL. The
// store is used only during the call. Two ranks on one GPU are refused by NCCL ("Duplicate GPU
// detected"): use the Gloo backend with host staging for that (worker/comm/gloo_communicator.h).
//
// Streams: the communicator owns a non-blocking comm stream on its device. A collective makes
// the comm stream wait for an event recorded on the tensor's compute stream
// (concord::cuda::ComputeStream(device), where every tensor op runs), so it sees the kernels
// that produced the tensor without the host blocking; Work::Wait makes the compute stream wait
// for the collective's done-event (later kernels see the result) and also polls it from the
// host until it finished, the Wait timeout passed (DeadlineExceeded; the op goes on), or the
// collective's own deadline (options.timeout after it was issued) passed: then the
// communicator is aborted and broken with DeadlineExceeded, as NCCL cannot cancel one op.
// Tensors must be on this communicator's device (InvalidArgument otherwise, naming the op and
// the device). See Note [Streams and Works] in nccl_communicator.cc.
//
// Abort() (any thread, idempotent) calls ncclCommAbort: the kernels of pending collectives exit,
// every pending and later call fails with kAborted. An NCCL error seen while polling (a peer
// died, a network failure) aborts the communicator too and breaks it with that error.
// Destruction finalises and destroys a healthy, idle communicator, bounded by options.timeout,
// and aborts it otherwise; it never hangs.
//
//   PrefixStore scoped(store, "job-7/gen-0");
//   ASSIGN_OR_RETURN(auto comm, CreateNcclCommunicator(scoped, rank, world, /*device=*/0, {}));
//   std::unique_ptr<Work> work = comm->AllReduceSumAsync(bucket);  // bucket on cuda:0
//   RETURN_IF_ERROR(work->Wait());
#ifndef CONCORD_WORKER_COMM_NCCL_COMMUNICATOR_H_
#define CONCORD_WORKER_COMM_NCCL_COMMUNICATOR_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "worker/comm/communicator.h"
#include "worker/comm/store.h"

namespace concord::comm {

struct NcclOptions {
  // Bound on the rendezvous and NCCL's initialisation (together), and on each collective.
  absl::Duration timeout = absl::Seconds(60);
};

// A connected NCCL communicator for `rank` of `world_size` on CUDA device `device`.
// InvalidArgument for a bad rank, world size, device ordinal or timeout; FAILED_PRECONDITION
// "NCCL is not available: ..." when libnccl.so.2 cannot be loaded (nccl_api.h; the first call
// in the process loads it); CUDA's error (e.g.
// FAILED_PRECONDITION "CUDA driver version is insufficient ...") when the device cannot be used;
// the store's error (e.g. DeadlineExceeded for the unique id) if the rendezvous fails;
// DeadlineExceeded if NCCL's initialisation does not finish within options.timeout; NCCL's
// error (with ncclGetLastError's text) otherwise.
absl::StatusOr<std::unique_ptr<Communicator>> CreateNcclCommunicator(KeyValueStore& store,
                                                                     int rank, int world_size,
                                                                     int device,
                                                                     NcclOptions options = {});

}  // namespace concord::comm

#endif  // CONCORD_WORKER_COMM_NCCL_COMMUNICATOR_H_
