// File: worker/comm/gloo_communicator.h
//
// The Gloo backend of Communicator (worker/comm/communicator.h): CPU tensors (and CUDA tensors
// through pinned host memory) over TCP, with Gloo's own algorithms (ring all-reduce, one-to-all
// broadcast, barrier) -- no home-made collectives.
//
// Creation is a rendezvous: every rank calls CreateGlooCommunicator with the same store scope
// (a PrefixStore per job and generation), its rank and the world size. Each rank publishes
// its host name and the addresses of its TCP pairs under Gloo's keys "rank_<rank>" and
// "<rank>", reads the other ranks' keys and connects a full mesh; the call returns once this
// rank is connected to every other rank. A rank that never shows up makes the others fail
// after options.timeout with the store's DeadlineExceeded naming its key. (One corner is
// looser: a rank that publishes its addresses and dies before connecting can hold the others
// for up to 5 x options.timeout, Gloo's own bound on a pair's connect.) The store is used only
// during the call. A store scope serves one communicator: create the next one (after a
// failure) under a new generation prefix.
//
// Collectives run on one communication thread per communicator, in the order issued; each is
// bounded by options.timeout. Gloo's exceptions become Statuses here: timeouts
// DeadlineExceeded, every other Gloo failure Unavailable, each naming the rank, the op and
// Gloo's message on one line.
//
// Tensors: CPU tensors are reduced in place (zero copy). CUDA tensors are staged through pinned
// host memory on the communication thread: copied device -> host on their device's compute
// stream (concord::cuda::ComputeStream, so after the kernels that produced them), reduced by
// Gloo, and copied back before the Work completes, so the result is visible to every stream and
// to the host. This is how several GPU workers sharing one GPU train together (NCCL refuses
// two ranks on one GPU); it costs two PCIe copies per collective. Staging buffers are kept for
// the communicator's life: one per registered all-reduce, one shared by the other collectives.
// CUDA errors come back as the Work's Status. See Note [Host staging] in gloo_communicator.cc.
//
// Abort() fails every Work at once and closes this rank's connections, so peers fail fast
// too; the collective already inside Gloo on this rank cannot be interrupted and ends at its
// timeout, on the communication thread, which the destructor of an aborted communicator
// leaves behind (detached) instead of waiting for. See Note [Abort] in gloo_communicator.cc.
// SIGPIPE is blocked on Gloo's threads, so a peer's broken connection is an error, not the
// death of this process (Note [SIGPIPE]); the process-wide disposition is left alone.
//
//   PrefixStore scoped(store, "job-7/gen-0");
//   ASSIGN_OR_RETURN(auto comm, CreateGlooCommunicator(scoped, rank, world, GlooOptions{}));
//   RETURN_IF_ERROR(comm->AllReduceSum(grads));
#ifndef CONCORD_WORKER_COMM_GLOO_COMMUNICATOR_H_
#define CONCORD_WORKER_COMM_GLOO_COMMUNICATOR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "worker/comm/communicator.h"
#include "worker/comm/store.h"

namespace concord::comm {

struct GlooOptions {
  // Address (or host name) of this machine to bind the TCP pairs to and advertise to peers.
  std::string hostname = "127.0.0.1";
  // Network interface to bind to instead (e.g. "eth0"); when set, hostname is ignored.
  std::string interface;
  // Bound on the rendezvous (waiting for each peer's address) and on each collective.
  absl::Duration timeout = absl::Seconds(30);
  // Registered all-reduces (gradient buckets) run over a second set of connections whose
  // reads are made by the communication thread itself (Note [Bucket mesh] in the .cc), which
  // either spins while it waits (true: faster per step, at the price of a busy core while a
  // bucket is in flight) or blocks (false). Unset, the ranks compare machines (MachineId) and
  // each spins only where the ranks on its machine are no more than its CPUs: spinning ranks
  // that outnumber the CPUs starve the rank they wait for (Note [Spinning only where it fits]).
  std::optional<bool> busy_poll_buckets;
  // How many ranks share this machine, where the caller has counted them already
  // (RanksOnThisMachine, worker/comm/machine_ranks.h); unset, the communicator counts them
  // itself when busy_poll_buckets is unset.
  std::optional<int> ranks_on_this_machine;
  // A registered all-reduce larger than this runs in near-equal pieces of at most this many
  // bytes, one after another (Note [Pieces] in the .cc): cheaper per byte over TCP loopback.
  int64_t piece_bytes = int64_t{1} << 20;
};

// A connected Gloo communicator for `rank` of `world_size`. InvalidArgument for a bad rank,
// world size, timeout or bind address; the store's error (e.g. DeadlineExceeded) if the
// rendezvous fails; Unavailable/DeadlineExceeded if connecting to a peer fails.
// world_size 1 needs no peer (its collectives copy nothing).
absl::StatusOr<std::unique_ptr<Communicator>> CreateGlooCommunicator(
    KeyValueStore& store, int rank, int world_size, GlooOptions options = {});

}  // namespace concord::comm

#endif  // CONCORD_WORKER_COMM_GLOO_COMMUNICATOR_H_
