#include "worker/coordinator_client.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace concord {
namespace {

absl::Status FromGrpc(const grpc::Status& s, absl::string_view call, const std::string& address) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      absl::StrCat(call, " to the coordinator at ", address, ": ", s.error_message()));
}

void SetDeadline(grpc::ClientContext* context, absl::Duration timeout) {
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
}

// The coordinator's store RPCs as a KeyValueStore.
class GrpcStore final : public comm::KeyValueStore {
 public:
  GrpcStore(Coordinator::Stub* stub, const Caller* caller, std::string address)
      : stub_(stub), caller_(caller), address_(std::move(address)) {}

  absl::Status Set(const std::string& key, const std::string& value) override {
    StoreSetRequest request;
    *request.mutable_caller() = *caller_;
    request.set_key(key);
    request.set_value(value);
    StoreSetResponse response;
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(30));
    return FromGrpc(stub_->StoreSet(&context, request, &response), "StoreSet", address_);
  }

  absl::StatusOr<std::string> Get(const std::string& key, absl::Duration timeout) override {
    StoreGetRequest request;
    *request.mutable_caller() = *caller_;
    request.set_key(key);
    request.set_timeout_ms(std::max<int64_t>(1, absl::ToInt64Milliseconds(std::min(timeout, absl::Hours(24)))));
    StoreGetResponse response;
    grpc::ClientContext context;
    SetDeadline(&context, std::min(timeout, absl::Hours(24)) + absl::Seconds(5));
    absl::Status s = FromGrpc(stub_->StoreGet(&context, request, &response), "StoreGet", address_);
    if (!s.ok()) return s;
    return response.value();
  }

  absl::Status Wait(const std::vector<std::string>& keys, absl::Duration timeout) override {
    const absl::Time deadline = absl::Now() + timeout;
    for (const std::string& key : keys) {
      absl::StatusOr<std::string> value = Get(key, std::max(deadline - absl::Now(), absl::Milliseconds(1)));
      if (!value.ok()) return value.status();
    }
    return absl::OkStatus();
  }

 private:
  Coordinator::Stub* stub_;
  const Caller* caller_;
  std::string address_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<CoordinatorClient>> CoordinatorClient::Connect(const std::string& address,
                                                                              std::string job_id, std::string token,
                                                                              absl::Duration connect_timeout) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  const absl::Time deadline = absl::Now() + connect_timeout;
  absl::Duration backoff = absl::Milliseconds(50);
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::UnavailableError(absl::StrCat("cannot reach the coordinator at ", address, " within ",
                                                 absl::FormatDuration(connect_timeout),
                                                 " (is it running, and is the address right?)"));
    }
    const absl::Duration wait = std::min(backoff, left);
    if (channel->WaitForConnected(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(wait))) break;
    backoff = std::min(backoff * 2, absl::Seconds(2));
  }
  Caller caller;
  caller.set_job_id(std::move(job_id));
  caller.set_token(std::move(token));
  caller.set_rank(-1);
  return std::unique_ptr<CoordinatorClient>(new CoordinatorClient(address, std::move(channel), std::move(caller)));
}

CoordinatorClient::CoordinatorClient(std::string address, std::shared_ptr<grpc::Channel> channel, Caller caller)
    : address_(std::move(address)),
      channel_(std::move(channel)),
      stub_(Coordinator::NewStub(channel_)),
      caller_(std::move(caller)) {
  store_ = std::make_unique<GrpcStore>(stub_.get(), &caller_, address_);
}

CoordinatorClient::~CoordinatorClient() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (stream_context_) stream_context_->TryCancel();
  }
  cv_.notify_all();
  if (reader_.joinable()) reader_.join();
  {
    std::lock_guard<std::mutex> lock(report_mu_);
    reports_stopping_ = true;  // unsent reports are dropped
    if (report_context_) report_context_->TryCancel();
  }
  report_cv_.notify_all();
  if (reporter_.joinable()) reporter_.join();
}

absl::StatusOr<RegisterResponse> CoordinatorClient::Register(const std::string& host, const std::string& device,
                                                             int requested_rank, absl::Duration timeout) {
  RegisterRequest request;
  *request.mutable_caller() = caller_;
  request.set_host(host);
  request.set_device(device);
  request.set_pid(getpid());
  request.set_requested_rank(requested_rank);
  RegisterResponse response;
  grpc::ClientContext context;
  SetDeadline(&context, timeout);
  absl::Status s = FromGrpc(stub_->Register(&context, request, &response), "Register", address_);
  if (!s.ok()) return s;
  caller_.set_rank(response.rank());
  caller_.set_generation(response.generation());
  return response;
}

absl::Status CoordinatorClient::Report(const StepReport& report) {
  grpc::ClientContext context;
  return SendReport(report, &context);
}

absl::Status CoordinatorClient::SendReport(const StepReport& report, grpc::ClientContext* context) {
  StepReport request = report;
  *request.mutable_caller() = caller_;
  ReportResponse response;
  SetDeadline(context, absl::Seconds(10));
  return FromGrpc(stub_->ReportSteps(context, request, &response), "ReportSteps", address_);
}

void CoordinatorClient::ReportAsync(StepReport report) {
  {
    std::lock_guard<std::mutex> lock(report_mu_);
    reports_.push_back(std::move(report));
    if (!reporter_.joinable()) reporter_ = std::thread([this] { SendReports(); });
  }
  report_cv_.notify_all();
}

void CoordinatorClient::SendReports() {
  std::unique_lock<std::mutex> lock(report_mu_);
  for (;;) {
    report_cv_.wait(lock, [&] { return reports_stopping_ || !reports_.empty(); });
    if (reports_stopping_) return;
    // The front stays where it is while it is sent (push_back keeps references valid).
    const StepReport& report = reports_.front();
    grpc::ClientContext context;
    report_context_ = &context;
    lock.unlock();
    absl::Status s = SendReport(report, &context);
    lock.lock();
    report_context_ = nullptr;
    reports_.pop_front();
    if (!s.ok() && report_failures_++ == 0) report_error_ = s;
    report_cv_.notify_all();
  }
}

absl::Status CoordinatorClient::FlushReports(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(report_mu_);
  const bool sent = report_cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [&] { return reports_.empty(); });
  absl::Status error = std::exchange(report_error_, absl::OkStatus());
  const int failures = std::exchange(report_failures_, 0);
  if (!error.ok()) {
    if (failures == 1) return error;
    return absl::Status(error.code(), absl::StrCat(error.message(), " (the first of ", failures,
                                                   " step reports that failed)"));
  }
  if (!sent) {
    return absl::DeadlineExceededError(absl::StrCat(reports_.size(), " step report(s) to the coordinator at ",
                                                    address_, " still unsent after ", absl::FormatDuration(timeout)));
  }
  return absl::OkStatus();
}

absl::Status CoordinatorClient::Shutdown(const std::string& reason) {
  ShutdownRequest request;
  *request.mutable_caller() = caller_;
  request.set_reason(reason);
  ShutdownResponse response;
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(10));
  return FromGrpc(stub_->Shutdown(&context, request, &response), "Shutdown", address_);
}

absl::StatusOr<HeartbeatResponse::Action> CoordinatorClient::Heartbeat(int64_t step) {
  HeartbeatRequest request;
  *request.mutable_caller() = caller_;
  request.set_step(step);
  HeartbeatResponse response;
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(5));
  absl::Status s = FromGrpc(stub_->Heartbeat(&context, request, &response), "Heartbeat", address_);
  if (!s.ok()) return s;
  return response.action();
}

// Note [Shard refill]
// The reader blocks once `buffered` shards wait. NextShard used to wake it after every step,
// a futex wake on the training thread each time: perf trace -s counted 2,554 futex calls by
// that thread in 1,200 steps of one worker through the coordinator (784-100-10, batch 100),
// against 1,224 in the standalone trainer, and that worker ran at 0.961-0.983 (median 0.964)
// of the standalone trainer's speed over six interleaved pairs. NextShard now wakes it only
// once the buffer is down to half, and it then reads until the buffer is full again: one
// wake-up per buffered / 2 steps (1,672 futex calls), while half a buffer still stands between
// the training loop and the stream; five interleaved pairs then gave a median of 0.984.
//
// Note [Shard batches]
// A refill is one message: the reader asks the coordinator for the steps a refill takes
// (buffered minus the refill mark) in each ShardBatch. With one step per message, every step
// cost a gRPC write on the coordinator and a read on the worker, each with its thread
// wake-ups, on the cores the ranks train on; where they fill every core, whichever rank they
// landed on held the other one up in the all-reduce. Two workers, interleaved pairs against
// single-step messages: 784-100-10 at batch 100 (steps of about half a millisecond), eight
// pairs, median 195.7k -> 221.6k samples/s (5 of 8 ahead); 784-1024-10 at batch 256, ten
// pairs, 42.3k -> 42.4k (within noise), where a worker's gRPC threads used 12.5 -> 8 ms of CPU
// per 2 s.
void CoordinatorClient::StartShards(int64_t from_step, size_t buffered) {
  buffered = std::max<size_t>(buffered, 1);
  {
    std::lock_guard<std::mutex> lock(mu_);
    refill_at_ = buffered / 2;
  }
  reader_ = std::thread([this, from_step, buffered] { ReadShards(from_step, buffered); });
}

void CoordinatorClient::ReadShards(int64_t from_step, size_t buffered) {
  StreamShardsRequest request;
  *request.mutable_caller() = caller_;
  request.set_from_step(from_step);
  size_t refill_at;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stream_context_ = std::make_unique<grpc::ClientContext>();
    refill_at = refill_at_;
  }
  request.set_steps_per_message(  // Note [Shard batches]
      static_cast<int32_t>(std::min<size_t>(buffered - refill_at, std::numeric_limits<int32_t>::max())));
  std::unique_ptr<grpc::ClientReader<ShardBatch>> reader = stub_->StreamShards(stream_context_.get(), request);
  ShardBatch batch;
  while (reader->Read(&batch)) {
    const size_t n = static_cast<size_t>(batch.shards_size());
    std::unique_lock<std::mutex> lock(mu_);
    // Reading no further ahead than `buffered` lets gRPC flow control hold the coordinator back
    // (a batch larger than that still goes in, once the buffer is empty).
    cv_.wait(lock, [&] { return stopping_ || shards_.empty() || shards_.size() + n <= buffered; });
    if (stopping_) break;
    for (ShardAssignment& shard : *batch.mutable_shards()) shards_.push_back(std::move(shard));
    cv_.notify_all();
  }
  grpc::Status status = reader->Finish();
  std::lock_guard<std::mutex> lock(mu_);
  stream_ended_ = true;
  if (!status.ok() && !stopping_) stream_error_ = FromGrpc(status, "StreamShards", address_).ToString();
  cv_.notify_all();
}

absl::StatusOr<ShardAssignment> CoordinatorClient::NextShard(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [this] { return !shards_.empty() || stream_ended_; })) {
    return absl::DeadlineExceededError(absl::StrCat("no shard from the coordinator at ", address_, " within ",
                                                    absl::FormatDuration(timeout)));
  }
  if (shards_.empty()) {
    return absl::UnavailableError(stream_error_.empty()
                                      ? absl::StrCat("the coordinator at ", address_, " ended the shard stream")
                                      : stream_error_);
  }
  ShardAssignment shard = std::move(shards_.front());
  shards_.pop_front();
  if (shards_.size() <= refill_at_) cv_.notify_all();  // Note [Shard refill]
  return shard;
}

}  // namespace concord
