// File: worker/coordinator_client.h
//
// CoordinatorClient: a worker's side of proto/trainer.proto. Connect retries with backoff up
// to a deadline; every call has a deadline; store() is a comm::KeyValueStore over the
// coordinator's rendezvous RPCs (what Gloo rendezvous through); the shard feed is read on a
// background thread into a small buffer, and step reports go out on another (ReportAsync),
// so a step never waits on the coordinator.
#ifndef CONCORD_WORKER_COORDINATOR_CLIENT_H_
#define CONCORD_WORKER_COORDINATOR_CLIENT_H_

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "proto/trainer.grpc.pb.h"
#include "worker/comm/store.h"

namespace concord {

class CoordinatorClient {
 public:
  // Waits up to connect_timeout for the coordinator at address ("host:port") to answer,
  // retrying with exponential backoff; Unavailable naming the address on failure.
  static absl::StatusOr<std::unique_ptr<CoordinatorClient>> Connect(const std::string& address, std::string job_id,
                                                                    std::string token, absl::Duration connect_timeout);
  // Cancels the shard stream and a report in flight, and drops unsent reports (FlushReports
  // first to send them): it waits on no RPC's deadline.
  ~CoordinatorClient();

  // Joins the job; blocks until the world is complete (up to timeout).
  absl::StatusOr<RegisterResponse> Register(const std::string& host, const std::string& device, int requested_rank,
                                            absl::Duration timeout);
  // After Register: the rendezvous store of this job and generation.
  comm::KeyValueStore& store() { return *store_; }

  absl::Status Report(const StepReport& report);
  // Queues a report and returns at once; a background thread sends the queued reports in
  // order, each with Report's deadline. A failed one is not retried: FlushReports returns it.
  void ReportAsync(StepReport report);
  // Waits up to timeout for every queued report to be sent. The first failure since the last
  // call (with how many failed, when more did), or DeadlineExceeded naming how many reports
  // were still unsent.
  absl::Status FlushReports(absl::Duration timeout);
  // Asks the coordinator to stop the job (every rank stops at one step, with a checkpoint).
  absl::Status Shutdown(const std::string& reason);
  absl::StatusOr<HeartbeatResponse::Action> Heartbeat(int64_t step);

  // Starts reading this rank's shards from from_step, keeping up to `buffered` (>= 1) ahead;
  // once full, the reader refills when half of them are taken (Note [Shard refill]), from one
  // message of that many steps (Note [Shard batches]).
  void StartShards(int64_t from_step, size_t buffered = 32);
  // The next shard; DeadlineExceeded if none arrives in time, Unavailable if the stream broke.
  absl::StatusOr<ShardAssignment> NextShard(absl::Duration timeout);

  const Caller& caller() const { return caller_; }
  const std::string& address() const { return address_; }

 private:
  CoordinatorClient(std::string address, std::shared_ptr<grpc::Channel> channel, Caller caller);
  void ReadShards(int64_t from_step, size_t buffered);
  void SendReports();
  // Report's RPC on a context the caller owns (so it can be cancelled).
  absl::Status SendReport(const StepReport& report, grpc::ClientContext* context);

  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Coordinator::Stub> stub_;
  Caller caller_;
  std::unique_ptr<comm::KeyValueStore> store_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ShardAssignment> shards_;
  size_t refill_at_ = 0;  // NextShard wakes the reader when shards_ drops to this many
  bool stream_ended_ = false;
  std::string stream_error_;
  bool stopping_ = false;
  std::unique_ptr<grpc::ClientContext> stream_context_;
  std::thread reader_;

  // ReportAsync's queue and sender thread (started by the first report).
  std::mutex report_mu_;
  std::condition_variable report_cv_;
  std::deque<StepReport> reports_;  // unsent; the front is in flight while report_context_ is set
  grpc::ClientContext* report_context_ = nullptr;
  bool reports_stopping_ = false;
  absl::Status report_error_;  // the first failure since the last FlushReports
  int report_failures_ = 0;    // failures since the last FlushReports
  std::thread reporter_;
};

}  // namespace concord

#endif  // CONCORD_WORKER_COORDINATOR_CLIENT_H_
