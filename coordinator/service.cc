#include "coordinator/service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace concord {
namespace {

// A worker asking for more steps per ShardBatch gets this many: bounds a message's size.
constexpr int64_t kMaxStepsPerMessage = 256;

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

}  // namespace

CoordinatorService::CoordinatorService(CoordinatorOptions options, ShardPlanner planner, Progress* progress)
    : options_(std::move(options)),
      planner_(std::move(planner)),
      progress_(progress),
      membership_(options_.world_size),
      last_heartbeat_(options_.world_size, std::chrono::steady_clock::now()) {}

grpc::Status CoordinatorService::CheckCaller(const Caller& caller, bool registering) const {
  if (caller.job_id() != options_.job_id) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        absl::StrCat("job id '", caller.job_id(), "' does not match this coordinator's job '",
                                     options_.job_id, "'"));
  }
  if (!options_.token.empty() && caller.token() != options_.token) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        absl::StrCat("wrong token for job '", options_.job_id, "'"));
  }
  if (!registering) {
    if (caller.generation() != generation_) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          absl::StrCat("generation ", caller.generation(), " is stale; the job is at generation ",
                                       generation_, ": register again"));
    }
    if (caller.rank() < 0 || caller.rank() >= options_.world_size) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat("rank ", caller.rank(), " is outside [0, ", options_.world_size, ")"));
    }
  }
  return grpc::Status::OK;
}

std::string CoordinatorService::ScopedKey(const std::string& key) const {
  return absl::StrCat(options_.job_id, "/", generation_, "/", key);
}

grpc::Status CoordinatorService::Register(grpc::ServerContext*, const RegisterRequest* request,
                                          RegisterResponse* response) {
  if (grpc::Status s = CheckCaller(request->caller(), /*registering=*/true); !s.ok()) return s;
  absl::StatusOr<int> rank = membership_.Join({request->host(), request->device(), request->pid()},
                                              request->requested_rank(), options_.registration_timeout);
  if (!rank.ok()) return ToGrpc(rank.status());
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_heartbeat_[*rank] = std::chrono::steady_clock::now();
  }
  response->set_rank(*rank);
  response->set_world_size(options_.world_size);
  *response->mutable_config() = options_.config;
  response->set_generation(generation_);
  response->set_store_prefix(ScopedKey(""));
  response->set_resume(options_.resume);
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::StoreSet(grpc::ServerContext*, const StoreSetRequest* request, StoreSetResponse*) {
  if (grpc::Status s = CheckCaller(request->caller(), false); !s.ok()) return s;
  store_.Set(ScopedKey(request->key()), request->value());
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::StoreGet(grpc::ServerContext*, const StoreGetRequest* request,
                                          StoreGetResponse* response) {
  if (grpc::Status s = CheckCaller(request->caller(), false); !s.ok()) return s;
  if (request->timeout_ms() <= 0) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("StoreGet: timeout_ms must be > 0, got ", request->timeout_ms()));
  }
  absl::StatusOr<std::string> value = store_.Get(ScopedKey(request->key()), absl::Milliseconds(request->timeout_ms()));
  if (!value.ok()) return ToGrpc(value.status());
  response->set_value(*value);
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::StreamShards(grpc::ServerContext* context, const StreamShardsRequest* request,
                                              grpc::ServerWriter<ShardBatch>* writer) {
  if (grpc::Status s = CheckCaller(request->caller(), false); !s.ok()) return s;
  const int rank = request->caller().rank();
  const int64_t per_message = std::clamp<int64_t>(request->steps_per_message(), 1, kMaxStepsPerMessage);
  const int64_t total = planner_.total_steps();
  ShardBatch message;
  for (int64_t first = std::max<int64_t>(request->from_step(), 0); first < total; first += per_message) {
    if (context->IsCancelled()) break;
    // Even when a stop is requested the stream goes on: the workers decide the last step
    // together and then close it.
    message.Clear();
    for (int64_t step = first; step < std::min(first + per_message, total); ++step) {
      Shard shard = planner_.Assign(step, rank);
      ShardAssignment* a = message.add_shards();
      a->set_step(step);
      a->set_epoch(shard.epoch);
      a->set_global_batch(shard.global_batch);
      *a->mutable_indices() = {shard.indices.begin(), shard.indices.end()};
      a->set_last(step + 1 == total);
    }
    // Write blocks under gRPC flow control once the worker is far enough ahead.
    if (!writer->Write(message)) break;
  }
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::ReportSteps(grpc::ServerContext*, const StepReport* request, ReportResponse*) {
  if (grpc::Status s = CheckCaller(request->caller(), false); !s.ok()) return s;
  progress_->Report(request->caller().rank(), *request);
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::Heartbeat(grpc::ServerContext*, const HeartbeatRequest* request,
                                           HeartbeatResponse* response) {
  if (grpc::Status s = CheckCaller(request->caller(), false); !s.ok()) return s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_heartbeat_[request->caller().rank()] = std::chrono::steady_clock::now();
  }
  response->set_action(shutdown_.load() ? HeartbeatResponse::SHUTDOWN : HeartbeatResponse::CONTINUE);
  return grpc::Status::OK;
}

grpc::Status CoordinatorService::Shutdown(grpc::ServerContext*, const ShutdownRequest* request, ShutdownResponse*) {
  if (grpc::Status s = CheckCaller(request->caller(), false); !s.ok()) return s;
  RequestStop();
  return grpc::Status::OK;
}

void CoordinatorService::Close() {
  store_.Close();
  membership_.Close();
}

std::vector<int> CoordinatorService::SilentRanks(absl::Duration timeout) const {
  std::vector<int> silent;
  if (!membership_.complete()) return silent;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  for (int r = 0; r < options_.world_size; ++r) {
    if (now - last_heartbeat_[r] > absl::ToChronoMilliseconds(timeout)) silent.push_back(r);
  }
  return silent;
}

}  // namespace concord
