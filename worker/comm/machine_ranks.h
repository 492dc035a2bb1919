// File: worker/comm/machine_ranks.h
//
// RanksOnThisMachine: how many of a job's ranks run on this machine, learnt through the
// rendezvous store. Each rank publishes its MachineId (common/machine.h) under
// "machine/RANK" and reads everyone's; a collective over the store, so every rank calls it.
// The Gloo communicator spins only where the count fits the CPUs (Note [Spinning only where
// it fits] in gloo_communicator.cc), and the worker gathers batches ahead only where a CPU is
// left over (Note [Gathering ahead] in worker/batch_feed.cc).
#ifndef CONCORD_WORKER_COMM_MACHINE_RANKS_H_
#define CONCORD_WORKER_COMM_MACHINE_RANKS_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "worker/comm/store.h"

namespace concord::comm {

// The count, this rank included; the store's error (say, a rank that never published within
// timeout) prefixed with "comparing machines: ".
absl::StatusOr<int> RanksOnThisMachine(KeyValueStore& store, int rank, int world_size, absl::Duration timeout);

}  // namespace concord::comm

#endif  // CONCORD_WORKER_COMM_MACHINE_RANKS_H_
