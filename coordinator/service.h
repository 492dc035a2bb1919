// File: coordinator/service.h
//
// CoordinatorService: the gRPC face of the coordinator (proto/trainer.proto), thin over the
// plain logic beside it: Membership (Register), RendezvousStore (StoreSet/StoreGet),
// ShardPlanner (StreamShards), Progress (ReportSteps) and the heartbeat table. Every call is
// checked against the job id, token and generation first.
#ifndef CONCORD_COORDINATOR_SERVICE_H_
#define CONCORD_COORDINATOR_SERVICE_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "coordinator/membership.h"
#include "coordinator/progress.h"
#include "coordinator/rendezvous_store.h"
#include "coordinator/shard_planner.h"
#include "proto/trainer.grpc.pb.h"

namespace concord {

struct CoordinatorOptions {
  std::string job_id = "job";
  std::string token;                       // "" accepts any
  int world_size = 1;
  JobConfig config;
  absl::Duration registration_timeout = absl::Seconds(60);
  bool resume = false;                     // workers continue from run_dir's newest checkpoint
};

class CoordinatorService final : public Coordinator::Service {
 public:
  CoordinatorService(CoordinatorOptions options, ShardPlanner planner, Progress* progress);

  grpc::Status Register(grpc::ServerContext* context, const RegisterRequest* request,
                        RegisterResponse* response) override;
  grpc::Status StoreSet(grpc::ServerContext* context, const StoreSetRequest* request,
                        StoreSetResponse* response) override;
  grpc::Status StoreGet(grpc::ServerContext* context, const StoreGetRequest* request,
                        StoreGetResponse* response) override;
  grpc::Status StreamShards(grpc::ServerContext* context, const StreamShardsRequest* request,
                            grpc::ServerWriter<ShardBatch>* writer) override;
  grpc::Status ReportSteps(grpc::ServerContext* context, const StepReport* request, ReportResponse* response) override;
  grpc::Status Heartbeat(grpc::ServerContext* context, const HeartbeatRequest* request,
                         HeartbeatResponse* response) override;
  grpc::Status Shutdown(grpc::ServerContext* context, const ShutdownRequest* request,
                        ShutdownResponse* response) override;

  // Asks the workers to stop: they hear it at their next heartbeat and agree on a common last
  // step through their all-reduce (see Note [Stopping together] in worker/reducer.h), then
  // checkpoint, report done and exit 0.
  void RequestStop() { shutdown_.store(true); }
  // Wakes every waiter (registration, store) with an error: the coordinator is going away.
  void Close();
  bool shutdown_requested() const { return shutdown_.load(); }
  // Ranks whose last heartbeat is older than timeout (after the world formed).
  std::vector<int> SilentRanks(absl::Duration timeout) const;
  Membership& membership() { return membership_; }

 private:
  // OK if the caller belongs to this job (and, unless registering, this generation).
  grpc::Status CheckCaller(const Caller& caller, bool registering) const;
  std::string ScopedKey(const std::string& key) const;

  const CoordinatorOptions options_;
  const int64_t generation_ = 1;
  ShardPlanner planner_;
  Progress* progress_;
  Membership membership_;
  RendezvousStore store_;
  std::atomic<bool> shutdown_{false};
  mutable std::mutex mu_;
  std::vector<std::chrono::steady_clock::time_point> last_heartbeat_;

};

}  // namespace concord

#endif  // CONCORD_COORDINATOR_SERVICE_H_
