// File: worker/distributed.h
//
// A worker of a distributed job (worker --coordinator=HOST:PORT): it registers, rendezvous
// with its peers through the coordinator's store and connects Gloo, takes rank 0's initial
// parameters (verified identical on every rank before step 1), then trains on the shards the
// coordinator streams, all-reducing gradients bucket by bucket while backward runs
// (worker/reducer.h). Evaluation is sharded over the ranks with the counts all-reduced; rank 0
// writes checkpoints. See ../shared/DESIGN.md, "Data flow of one step".
#ifndef CONCORD_WORKER_DISTRIBUTED_H_
#define CONCORD_WORKER_DISTRIBUTED_H_

#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "worker/metrics.h"

namespace concord {

struct DistributedOptions {
  std::string coordinator;                          // HOST:PORT
  std::string job_id = "job";
  std::string token;
  absl::Duration connect_timeout = absl::Seconds(30);
  absl::Duration collective_timeout = absl::Seconds(60);
  std::string comm_host = "127.0.0.1";              // this host's address as peers reach it
  int requested_rank = -1;
  std::string device = "auto";                      // --device (worker/device.h)
};

absl::StatusOr<RunSummary> RunDistributed(const DistributedOptions& options, std::ostream& out);

}  // namespace concord

#endif  // CONCORD_WORKER_DISTRIBUTED_H_
