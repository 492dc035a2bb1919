// CoordinatorClient against a real gRPC server on loopback (a stand-in coordinator).
// The shard feed: every shard arrives once and in order from the requested step, whatever the
// buffer size (the reader refills at half, Note [Shard refill], a refill's worth of steps per
// message, Note [Shard batches]) and however many steps the coordinator puts in a message, and
// the end of the stream is Unavailable. Asynchronous step reports: ReportAsync returns before
// the coordinator answers, reports arrive in order, FlushReports waits for them, returns a
// failed report's error once (with how many failed), gives DeadlineExceeded when the
// coordinator does not answer in time, and destroying the client does not wait for reports
// the coordinator holds.
#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "grpcpp/grpcpp.h"
#include "proto/trainer.grpc.pb.h"
#include "tests/status_testing.h"
#include "worker/coordinator_client.h"

namespace concord {
namespace {

class ReportSink final : public Coordinator::Service {
 public:
  grpc::Status ReportSteps(grpc::ServerContext*, const StepReport* report, ReportResponse*) override {
    if (hold_) release_.WaitForNotificationWithTimeout(absl::Seconds(30));
    std::lock_guard<std::mutex> lock(mu_);
    steps_.push_back(report->step());
    if (fail_steps_.count(report->step())) return grpc::Status(grpc::StatusCode::INTERNAL, "no room for step reports");
    return grpc::Status::OK;
  }
  std::vector<int64_t> steps() {
    std::lock_guard<std::mutex> lock(mu_);
    return steps_;
  }
  bool hold_ = false;             // answer only after release_
  absl::Notification release_;
  std::set<int64_t> fail_steps_;  // the reports of these steps fail

 private:
  std::mutex mu_;
  std::vector<int64_t> steps_;
};

// Streams shards from_step .. kSteps - 1, steps_per_message to a message (or `per_message`
// when set, whatever was asked), then ends the stream.
class ShardSource final : public Coordinator::Service {
 public:
  static constexpr int64_t kSteps = 40;
  grpc::Status StreamShards(grpc::ServerContext*, const StreamShardsRequest* request,
                            grpc::ServerWriter<ShardBatch>* writer) override {
    asked_ = request->steps_per_message();
    const int64_t n = per_message > 0 ? per_message : std::max(request->steps_per_message(), 1);
    for (int64_t first = request->from_step(); first < kSteps; first += n) {
      ShardBatch batch;
      for (int64_t step = first; step < std::min(first + n, kSteps); ++step) {
        ShardAssignment* shard = batch.add_shards();
        shard->set_step(step);
        shard->add_indices(step * 10);
        shard->set_last(step == kSteps - 1);
      }
      if (!writer->Write(batch)) break;
    }
    return grpc::Status::OK;
  }
  int asked() const { return asked_.load(); }
  int64_t per_message = 0;

 private:
  std::atomic<int> asked_{0};
};

struct Server {
  explicit Server(Coordinator::Service* sink) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(sink);
    server = builder.BuildAndStart();
  }
  ~Server() { server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1)); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
  int port = 0;
  std::unique_ptr<grpc::Server> server;
};

StepReport At(int64_t step) {
  StepReport r;
  r.set_step(step);
  return r;
}

// Each buffer size asks for refills of buffered - buffered / 2 steps per message (Note [Shard
// batches]); a source sending larger batches than asked (7 steps) is read all the same.
TEST(CoordinatorClientTest, ShardsArriveOnceAndInOrderWhateverTheBuffer) {
  ShardSource source;
  Server server(&source);
  for (int64_t per_message : {int64_t{0}, int64_t{7}})
  for (size_t buffered : {size_t{1}, size_t{2}, size_t{3}, size_t{8}, size_t{32}}) {
    SCOPED_TRACE(absl::StrCat("buffered ", buffered, ", source's steps per message ", per_message));
    source.per_message = per_message;
    auto client = CoordinatorClient::Connect(server.address(), "job", "", absl::Seconds(10)).value();
    const int64_t from = 5;
    client->StartShards(from, buffered);
    for (int64_t step = from; step < ShardSource::kSteps; ++step) {
      absl::StatusOr<ShardAssignment> shard = client->NextShard(absl::Seconds(10));
      ASSERT_OK(shard.status());
      EXPECT_EQ(shard->step(), step);
      ASSERT_EQ(shard->indices_size(), 1);
      EXPECT_EQ(shard->indices(0), step * 10);
      EXPECT_EQ(shard->last(), step == ShardSource::kSteps - 1);
    }
    absl::StatusOr<ShardAssignment> after = client->NextShard(absl::Seconds(10));
    EXPECT_EQ(after.status().code(), absl::StatusCode::kUnavailable) << after.status();
    EXPECT_NE(after.status().message().find("ended the shard stream"), std::string::npos) << after.status();
    EXPECT_EQ(source.asked(), static_cast<int>(buffered - buffered / 2));
  }
}

TEST(CoordinatorClientTest, ReportsGoOutInOrderWithoutHoldingTheCaller) {
  ReportSink sink;
  sink.hold_ = true;
  Server server(&sink);
  auto client = CoordinatorClient::Connect(server.address(), "job", "", absl::Seconds(10)).value();
  const absl::Time start = absl::Now();
  for (int64_t step = 0; step < 5; ++step) client->ReportAsync(At(step));
  EXPECT_LT(absl::Now() - start, absl::Seconds(1)) << "ReportAsync waited for the coordinator";
  EXPECT_TRUE(sink.steps().empty());
  sink.release_.Notify();
  ASSERT_OK(client->FlushReports(absl::Seconds(10)));
  EXPECT_EQ(sink.steps(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
}

TEST(CoordinatorClientTest, FlushReturnsAFailedReportOnceAndTheRestStillGoOut) {
  ReportSink sink;
  sink.fail_steps_ = {1};
  Server server(&sink);
  auto client = CoordinatorClient::Connect(server.address(), "job", "", absl::Seconds(10)).value();
  for (int64_t step = 0; step < 3; ++step) client->ReportAsync(At(step));
  absl::Status s = client->FlushReports(absl::Seconds(10));
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  EXPECT_NE(s.message().find("no room for step reports"), absl::string_view::npos) << s;
  EXPECT_EQ(s.message().find("the first of"), absl::string_view::npos) << s;
  EXPECT_EQ(sink.steps(), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_OK(client->FlushReports(absl::Seconds(10)));
  // Several failures: the first, and how many.
  sink.fail_steps_ = {4, 5, 7};
  for (int64_t step = 3; step < 8; ++step) client->ReportAsync(At(step));
  s = client->FlushReports(absl::Seconds(10));
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  EXPECT_NE(s.message().find("(the first of 3 step reports that failed)"), absl::string_view::npos) << s;
}

TEST(CoordinatorClientTest, FlushGivesUpAtItsDeadline) {
  ReportSink sink;
  sink.hold_ = true;
  Server server(&sink);
  auto client = CoordinatorClient::Connect(server.address(), "job", "", absl::Seconds(10)).value();
  client->ReportAsync(At(0));
  client->ReportAsync(At(1));
  absl::Status s = client->FlushReports(absl::Milliseconds(300));
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_NE(s.message().find("2 step report(s)"), absl::string_view::npos) << s;
  sink.release_.Notify();  // lets the client's thread finish before it is destroyed
}

TEST(CoordinatorClientTest, DestroyingTheClientDoesNotWaitForHeldReports) {
  // The coordinator holds every report past Report's 10 s deadline; the client must cancel the
  // one in flight and drop the rest rather than wait out 3 x 10 s.
  ReportSink sink;
  sink.hold_ = true;
  Server server(&sink);
  auto client = CoordinatorClient::Connect(server.address(), "job", "", absl::Seconds(10)).value();
  for (int64_t step = 0; step < 3; ++step) client->ReportAsync(At(step));
  absl::SleepFor(absl::Milliseconds(100));  // the first is in flight
  const absl::Time start = absl::Now();
  client.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  sink.release_.Notify();  // lets the server's handler return
}

}  // namespace
}  // namespace concord
