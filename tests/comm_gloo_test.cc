// The Gloo communicator (worker/comm/gloo_communicator.h), with threads as ranks, one
// InMemoryStore per group and real TCP on 127.0.0.1 (as Gloo's own tests run):
//   - a sweep of world size {1, 2, 3, 4} x element count {0, 1, 7, 1000, 100003} x dtype
//     against closed forms: rank r contributes (r + 1) * w(i), so the sum is
//     n (n + 1) / 2 * w(i); broadcasts from the first and the last rank; barriers;
//   - async all-reduces of several buckets, run in issue order;
//   - faults: a rank that never joins, a rank that leaves, a rank that hangs, Abort() (idle
//     and in the middle of traffic) -- each gives a non-OK Status within the configured
//     timeout, never a hang or a crash;
//   - argument errors: InvalidArgument, and the communicator still works afterwards.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/status_testing.h"
#include "tests/test_util.h"
#include "common/machine.h"
#include "tensor/functions.h"
#include "worker/comm/communicator.h"
#include "worker/comm/gloo_communicator.h"
#include "worker/comm/in_memory_store.h"
#include "worker/comm/prefix_store.h"

namespace concord::comm {
namespace {

GlooOptions Options(absl::Duration timeout = absl::Seconds(10)) {
  GlooOptions options;
  options.hostname = "127.0.0.1";
  options.timeout = timeout;
  return options;
}

using test_util::OnRanks;

// A connected group of `world` communicators, created concurrently through one store.
std::vector<std::unique_ptr<Communicator>> MakeGroup(int world, GlooOptions options = Options()) {
  InMemoryStore store;
  PrefixStore scoped(store, "test/gen-0");
  std::vector<std::unique_ptr<Communicator>> comms(world);
  OnRanks(world, [&](int r) {
    absl::StatusOr<std::unique_ptr<Communicator>> comm =
        CreateGlooCommunicator(scoped, r, world, options);
    ASSERT_TRUE(comm.ok()) << comm.status();
    EXPECT_EQ((*comm)->rank(), r);
    EXPECT_EQ((*comm)->world_size(), world);
    comms[r] = *std::move(comm);
  });
  return comms;
}

bool AllCreated(const std::vector<std::unique_ptr<Communicator>>& comms) {
  for (const auto& c : comms) {
    if (c == nullptr) return false;
  }
  return true;
}

// An index-dependent weight with small integer values, exact in every dtype.
int64_t Weight(int64_t i) { return i % 5 + 1; }

// A 1-D tensor of n elements with t[i] = f(i).
Tensor Make(int64_t n, DType dtype, const std::function<int64_t(int64_t)>& f) {
  Tensor t = empty({n}, dtype);
  DispatchDType(dtype, [&]<typename T>() {
    T* p = t.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(f(i));
  });
  return t;
}

// "" if t[i] == f(i) everywhere, else the first mismatch.
std::string Mismatch(const Tensor& t, const std::function<int64_t(int64_t)>& f) {
  std::string result;
  DispatchDType(t.dtype(), [&]<typename T>() {
    const T* p = t.data<T>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      if (p[i] != static_cast<T>(f(i))) {
        result = "t[" + std::to_string(i) + "] = " + std::to_string(p[i]) + ", expected " +
                 std::to_string(f(i));
        return;
      }
    }
  });
  return result;
}

class GlooSweepTest : public ::testing::TestWithParam<int> {};

TEST_P(GlooSweepTest, CollectivesMatchClosedForms) {
  const int world = GetParam();
  std::vector<std::unique_ptr<Communicator>> comms = MakeGroup(world);
  ASSERT_TRUE(AllCreated(comms));
  const int64_t rank_sum = int64_t{world} * (world + 1) / 2;  // sum over r of (r + 1)
  std::atomic<int> arrived{0};
  OnRanks(world, [&](int r) {
    Communicator& comm = *comms[r];
    for (int64_t n : {0, 1, 7, 1000, 100003}) {
      for (DType dtype : {kFloat32, kFloat64}) {
        SCOPED_TRACE(StrCat("rank ", r, " of ", world, ", ", n, " x ", DTypeName(dtype)));
        Tensor t = Make(n, dtype, [&](int64_t i) { return (r + 1) * Weight(i); });
        EXPECT_OK(comm.AllReduceSum(t));
        EXPECT_EQ(Mismatch(t, [&](int64_t i) { return rank_sum * Weight(i); }), "");

        for (int root : {0, world - 1}) {
          Tensor b = Make(n, dtype, [&](int64_t i) { return r * 1000 + i % 13; });
          EXPECT_OK(comm.Broadcast(b, root));
          EXPECT_EQ(Mismatch(b, [&](int64_t i) { return root * 1000 + i % 13; }), "")
              << "root " << root;
        }
      }
    }
    // int64 and a 2-D shape: the dtype and shape do not matter beyond the element count.
    Tensor m = Make(21, kInt64, [&](int64_t i) { return (r + 1) * (i + 1); }).view({7, 3});
    EXPECT_OK(comm.AllReduceSum(m));
    EXPECT_EQ(Mismatch(m, [&](int64_t i) { return rank_sum * (i + 1); }), "");
    // Nobody leaves a barrier before everybody arrived.
    arrived.fetch_add(1);
    EXPECT_OK(comm.Barrier());
    EXPECT_EQ(arrived.load(), world);
  });
}

INSTANTIATE_TEST_SUITE_P(WorldSizes, GlooSweepTest, ::testing::Values(1, 2, 3, 4),
                         [](const auto& info) { return "world" + std::to_string(info.param); });

TEST(GlooCommunicatorTest, AsyncBucketsRunInIssueOrder) {
  constexpr int kWorld = 3;
  std::vector<std::unique_ptr<Communicator>> comms = MakeGroup(kWorld);
  ASSERT_TRUE(AllCreated(comms));
  const std::vector<int64_t> sizes = {25000, 7, 0, 1000, 1};
  OnRanks(kWorld, [&](int r) {
    Communicator& comm = *comms[r];
    std::vector<Tensor> buckets;
    std::vector<std::unique_ptr<Work>> works;
    for (size_t b = 0; b < sizes.size(); ++b) {
      const DType dtype = b % 2 == 0 ? kFloat32 : kFloat64;
      buckets.push_back(
          Make(sizes[b], dtype, [&](int64_t i) { return (r + 1) * (i % 3 + int64_t(b)); }));
      works.push_back(comm.AllReduceSumAsync(buckets.back()));
    }
    // A sync call runs after every async one issued before it.
    Tensor flag = Make(1, kInt64, [&](int64_t) { return r; });
    EXPECT_OK(comm.Broadcast(flag, 0));
    for (const auto& w : works) EXPECT_TRUE(w->IsCompleted());
    for (size_t b = sizes.size(); b-- > 0;) {  // waited in reverse order: fine
      EXPECT_OK(works[b]->Wait(absl::Seconds(10)));
      EXPECT_OK(works[b]->Wait(absl::ZeroDuration()));  // again: same result
      EXPECT_EQ(Mismatch(buckets[b], [&](int64_t i) { return 6 * (i % 3 + int64_t(b)); }), "")
          << "bucket " << b;
    }
  });
}

// Registered all-reduces (the gradient buckets), whole and in pieces (Note [Pieces]): sizes
// around the piece boundary, run twice each (the algorithm objects are reused), both dtypes.
// Spinning on the bucket mesh (Note [Bucket mesh]) or blocking, whole or in pieces.
TEST(GlooCommunicatorTest, RegisteredAllReducesSumWholeAndInPieces) {
  for (int world : {2, 3}) {
    for (auto [piece_bytes, busy_poll] : {std::pair{int64_t{1} << 20, true}, std::pair{int64_t{4096}, true},
                                          std::pair{int64_t{1}, true}, std::pair{int64_t{1} << 20, false},
                                          std::pair{int64_t{65536}, false}}) {
      GlooOptions options = Options();
      options.piece_bytes = piece_bytes;
      options.busy_poll_buckets = busy_poll;
      std::vector<std::unique_ptr<Communicator>> comms = MakeGroup(world, options);
      ASSERT_TRUE(AllCreated(comms));
      const int64_t rank_sum = int64_t{world} * (world + 1) / 2;
      // With 1-byte pieces every element is a piece of its own: keep those tensors small.
      const std::vector<int64_t> sizes =
          piece_bytes == 1 ? std::vector<int64_t>{0, 1, 2, 7} : std::vector<int64_t>{0, 1, 511, 512, 513, 1025, 100003};
      OnRanks(world, [&](int r) {
        Communicator& comm = *comms[r];
        for (int64_t n : sizes) {
          for (DType dtype : {kFloat32, kFloat64}) {
            SCOPED_TRACE(StrCat("rank ", r, " of ", world, ", pieces of ", piece_bytes, " bytes, ",
                                busy_poll ? "spinning, " : "not spinning, ", n, " x ", DTypeName(dtype)));
            Tensor t = Make(n, dtype, [&](int64_t i) { return (r + 1) * Weight(i); });
            absl::StatusOr<int> handle = comm.RegisterAllReduce(t);
            ASSERT_OK(handle.status());
            for (int round = 1; round <= 2; ++round) {
              DispatchFloating(dtype, [&]<typename T>() {  // refill: the sum replaced it
                for (int64_t i = 0; i < n; ++i) t.data<T>()[i] = static_cast<T>((r + 1) * round * Weight(i));
              });
              EXPECT_OK(comm.AllReduceRegisteredAsync(*handle)->Wait(absl::Seconds(10)));
              EXPECT_EQ(Mismatch(t, [&](int64_t i) { return rank_sum * round * Weight(i); }), "") << "round " << round;
            }
          }
        }
      });
    }
  }
}

// Unless GlooOptions says, the ranks of one machine (here threads of one process) spin on
// their buckets only where they are no more than its CPUs, and say so (Note [Spinning only
// where it fits]); on this 2-CPU machine W=2 spins and W=3 blocks. Told, they do as told.
TEST(GlooCommunicatorTest, RanksSpinOnBucketsOnlyWhereTheyFitTheMachinesCpus) {
  const int cpus = UsableCpus();
  for (int world : {2, 3}) {
    SCOPED_TRACE(StrCat(world, " ranks on ", cpus, " CPUs"));
    std::vector<std::unique_ptr<Communicator>> comms = MakeGroup(world);
    ASSERT_TRUE(AllCreated(comms));
    const std::string how = world <= cpus ? "spin while they wait" : "wait without spinning";
    for (const auto& comm : comms) {
      EXPECT_EQ(comm->details(),
                StrCat(world, " ranks on this machine's ", cpus, cpus == 1 ? " CPU" : " CPUs", ": gradient buckets ", how));
    }
  }
  GlooOptions told = Options();
  told.busy_poll_buckets = false;
  std::vector<std::unique_ptr<Communicator>> comms = MakeGroup(2, told);
  ASSERT_TRUE(AllCreated(comms));
  EXPECT_EQ(comms[0]->details(), "gradient buckets wait without spinning");
  // A caller that has counted the machine's ranks (RanksOnThisMachine) passes the count.
  GlooOptions counted = Options();
  counted.ranks_on_this_machine = cpus + 1;
  comms = MakeGroup(2, counted);
  ASSERT_TRUE(AllCreated(comms));
  EXPECT_EQ(comms[0]->details(), StrCat(cpus + 1, " ranks on this machine's ", cpus, cpus == 1 ? " CPU" : " CPUs",
                                        ": gradient buckets wait without spinning"));
  EXPECT_EQ(MakeGroup(1)[0]->details(), "") << "alone: no buckets to wait for";
}

TEST(GlooCommunicatorTest, WorldSizeOneNeedsNoPeer) {
  InMemoryStore store;
  absl::StatusOr<std::unique_ptr<Communicator>> comm = CreateGlooCommunicator(store, 0, 1, {});
  ASSERT_TRUE(comm.ok()) << comm.status();
  Tensor t = Make(5, kFloat32, [](int64_t i) { return i; });
  EXPECT_OK((*comm)->AllReduceSum(t));
  EXPECT_OK((*comm)->Broadcast(t, 0));
  EXPECT_OK((*comm)->Barrier());
  EXPECT_EQ(Mismatch(t, [](int64_t i) { return i; }), "");
}

TEST(GlooCommunicatorTest, InvalidTensorsAreInvalidArgumentAndHarmless) {
  std::vector<std::unique_ptr<Communicator>> comms = MakeGroup(1);
  ASSERT_TRUE(AllCreated(comms));
  Communicator& comm = *comms[0];
  Tensor transposed = zeros({2, 3}).t();
  Tensor flags = zeros({3}, kBool);
  Tensor undefined;
  for (Tensor* t : {&transposed, &flags, &undefined}) {
    absl::Status status = comm.AllReduceSum(*t);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_NE(status.message().find("rank 0"), absl::string_view::npos) << status;
    EXPECT_EQ(comm.Broadcast(*t, 0).code(), absl::StatusCode::kInvalidArgument);
    std::unique_ptr<Work> work = comm.AllReduceSumAsync(*t);
    EXPECT_TRUE(work->IsCompleted());
    EXPECT_EQ(work->Wait(absl::ZeroDuration()).code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_NE(comm.AllReduceSum(transposed).message().find("contiguous"), absl::string_view::npos);
  EXPECT_NE(comm.AllReduceSum(flags).message().find("bool"), absl::string_view::npos);
  Tensor ok = ones({4});
  for (int root : {-1, 1}) {
    absl::Status status = comm.Broadcast(ok, root);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_NE(status.message().find("root"), absl::string_view::npos) << status;
  }
  // Argument errors do not break the communicator.
  EXPECT_OK(comm.AllReduceSum(ok));
  EXPECT_OK(comm.Barrier());
}

TEST(GlooCommunicatorTest, BadCreateArgumentsAreInvalidArgument) {
  InMemoryStore store;
  EXPECT_EQ(CreateGlooCommunicator(store, 2, 2, Options()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CreateGlooCommunicator(store, 0, 0, Options()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CreateGlooCommunicator(store, 0, 1, Options(absl::ZeroDuration())).status().code(),
            absl::StatusCode::kInvalidArgument);
  GlooOptions no_pieces = Options();
  no_pieces.piece_bytes = 0;
  absl::Status pieces = CreateGlooCommunicator(store, 0, 1, no_pieces).status();
  EXPECT_EQ(pieces.code(), absl::StatusCode::kInvalidArgument) << pieces;
  EXPECT_NE(pieces.message().find("piece_bytes must be positive, got 0"), absl::string_view::npos) << pieces;
  GlooOptions foreign = Options();
  foreign.hostname = "192.0.2.1";  // TEST-NET-1: not an address of this machine
  absl::Status status = CreateGlooCommunicator(store, 0, 1, foreign).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find("192.0.2.1"), absl::string_view::npos) << status;
}

// ---- Faults: a non-OK Status within the timeout, never a hang ------------------------------

TEST(GlooFaultTest, RankThatNeverJoinsFailsCreateWithinTheTimeout) {
  InMemoryStore store;
  PrefixStore scoped(store, "job/gen-0");
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<Communicator>> comm =
      CreateGlooCommunicator(scoped, 0, 2, Options(absl::Seconds(2)));
  const absl::Duration elapsed = absl::Now() - start;
  ASSERT_EQ(comm.status().code(), absl::StatusCode::kDeadlineExceeded) << comm.status();
  EXPECT_NE(comm.status().message().find("'job/gen-0/1'"), absl::string_view::npos)
      << comm.status();  // names the key rank 1 should have published
  EXPECT_NE(comm.status().message().find("gloo rank 0 of 2"), absl::string_view::npos)
      << comm.status();
  EXPECT_GE(elapsed, absl::Milliseconds(1900));
  EXPECT_LT(elapsed, absl::Seconds(5));
}

TEST(GlooFaultTest, RankThatLeavesFailsTheNextCollective) {
  std::vector<std::unique_ptr<Communicator>> comms = MakeGroup(2, Options(absl::Seconds(2)));
  ASSERT_TRUE(AllCreated(comms));
  comms[1].reset();  // rank 1 exits: its sockets close
  Tensor t = ones({1000});
  const absl::Time start = absl::Now();
  absl::Status status = comms[0]->AllReduceSum(t);
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(status.code() == absl::StatusCode::kUnavailable ||
              status.code() == absl::StatusCode::kDeadlineExceeded)
      << status;
  EXPECT_NE(status.message().find("gloo rank 0 of 2: AllReduceSum"), absl::string_view::npos)
      << status;
  EXPECT_EQ(status.message().find('\n'), absl::string_view::npos) << status;
  // The failure sticks: later calls fail at once with the same code.
  const absl::Time later = absl::Now();
  absl::Status barrier = comms[0]->Barrier();
  EXPECT_EQ(barrier.code(), status.code()) << barrier;
  EXPECT_NE(barrier.message().find("not run"), absl::string_view::npos) << barrier;
  EXPECT_LT(absl::Now() - later, absl::Milliseconds(500));
}

TEST(GlooFaultTest, HungPeerTimesOutWithDeadlineExceeded) {
  std::vector<std::unique_ptr<Communicator>> comms = MakeGroup(2, Options(absl::Seconds(1)));
  ASSERT_TRUE(AllCreated(comms));
  // Rank 1 stays connected but never joins the collective.
  Tensor t = ones({10});
  const absl::Time start = absl::Now();
  absl::Status status = comms[0]->AllReduceSum(t);
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_GE(elapsed, absl::Milliseconds(900));
  EXPECT_LT(elapsed, absl::Seconds(4));
}

// Gradient buckets keep the deadlines on their own mesh (Note [Bucket mesh]), spinning or
// blocked in recv (where a machine's ranks outnumber its CPUs): a peer that never runs its
// bucket, or one that has left, fails the bucket within the timeout.
TEST(GlooFaultTest, RegisteredAllReduceWithAHungOrDeadPeerFailsWithinTheTimeout) {
  for (auto [peer_leaves, busy_poll] : {std::pair{false, true}, std::pair{true, true}, std::pair{false, false},
                                        std::pair{true, false}}) {
    SCOPED_TRACE(StrCat(peer_leaves ? "peer leaves" : "peer hangs", busy_poll ? ", spinning" : ", not spinning"));
    GlooOptions options = Options(absl::Seconds(1));
    options.busy_poll_buckets = busy_poll;
    std::vector<std::unique_ptr<Communicator>> comms = MakeGroup(2, options);
    ASSERT_TRUE(AllCreated(comms));
    Tensor mine = ones({1000}), theirs = ones({1000});
    absl::StatusOr<int> handle, their_handle;
    std::thread other([&] { their_handle = comms[1]->RegisterAllReduce(theirs); });
    handle = comms[0]->RegisterAllReduce(mine);
    other.join();
    ASSERT_TRUE(handle.ok()) << handle.status();
    ASSERT_TRUE(their_handle.ok()) << their_handle.status();
    // One round that works, then rank 1 stops taking part.
    std::unique_ptr<Work> peer = comms[1]->AllReduceRegisteredAsync(*their_handle);
    ASSERT_OK(comms[0]->AllReduceRegisteredAsync(*handle)->Wait(absl::Seconds(10)));
    ASSERT_OK(peer->Wait(absl::Seconds(10)));
    EXPECT_TRUE(mine.equal(full({1000}, 2.0)));
    if (peer_leaves) comms[1].reset();
    const absl::Time start = absl::Now();
    absl::Status status = comms[0]->AllReduceRegisteredAsync(*handle)->Wait(absl::Seconds(10));
    EXPECT_FALSE(status.ok());
    EXPECT_LT(absl::Now() - start, absl::Seconds(4)) << status;
    if (!peer_leaves) comms[0]->Abort();  // frees rank 1's side too
  }
}

TEST(GlooFaultTest, AbortUnblocksAPendingAsyncOpAndItsPeer) {
  std::vector<std::unique_ptr<Communicator>> comms = MakeGroup(2, Options(absl::Seconds(3)));
  ASSERT_TRUE(AllCreated(comms));
  Tensor t = ones({1000});
  std::unique_ptr<Work> pending = comms[0]->AllReduceSumAsync(t);  // rank 1 never joins
  std::unique_ptr<Work> queued = comms[0]->AllReduceSumAsync(ones({10}));
  EXPECT_EQ(pending->Wait(absl::Milliseconds(100)).code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(pending->IsCompleted());

  const absl::Time start = absl::Now();
  comms[0]->Abort();
  absl::Status status = pending->Wait(absl::Seconds(10));
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  EXPECT_EQ(queued->Wait(absl::ZeroDuration()).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(comms[0]->Barrier().code(), absl::StatusCode::kAborted);
  comms[0]->Abort();  // idempotent

  // The peer's next collective fails promptly (rank 0 closed its connections).
  const absl::Time peer_start = absl::Now();
  absl::Status peer = comms[1]->AllReduceSum(t);
  EXPECT_FALSE(peer.ok());
  EXPECT_LT(absl::Now() - peer_start, absl::Seconds(4)) << peer;
}

TEST(GlooFaultTest, AbortFromAnotherThreadUnblocksASyncCall) {
  std::vector<std::unique_ptr<Communicator>> comms = MakeGroup(2, Options(absl::Seconds(3)));
  ASSERT_TRUE(AllCreated(comms));
  std::thread aborter([&] {
    absl::SleepFor(absl::Milliseconds(200));
    comms[0]->Abort();
  });
  Tensor t = ones({1000});
  const absl::Time start = absl::Now();
  absl::Status status = comms[0]->AllReduceSum(t);  // rank 1 never joins
  const absl::Duration elapsed = absl::Now() - start;
  aborter.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  EXPECT_LT(elapsed, absl::Seconds(1));
}

// Every rank fails promptly, and the process survives the writes to reset connections
// (without Note [SIGPIPE] in gloo_communicator.cc this test dies of SIGPIPE).
TEST(GlooFaultTest, AbortDuringTrafficFailsEveryRankCleanly) {
  constexpr int kWorld = 3;
  for (int round = 0; round < 3; ++round) {
    std::vector<std::unique_ptr<Communicator>> comms =
        MakeGroup(kWorld, Options(absl::Seconds(3)));
    ASSERT_TRUE(AllCreated(comms));
    std::thread aborter([&] {
      absl::SleepFor(absl::Milliseconds(20 + 15 * round));
      comms[0]->Abort();
    });
    OnRanks(kWorld, [&](int r) {
      Tensor t = ones({100003});
      const absl::Time start = absl::Now();
      absl::Status status;
      for (int i = 0; i < 10000 && status.ok(); ++i) status = comms[r]->AllReduceSum(t);
      EXPECT_FALSE(status.ok()) << "rank " << r;
      if (r == 0) {
        EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
      }
      EXPECT_LT(absl::Now() - start, absl::Seconds(5)) << "rank " << r << ": " << status;
    });
    aborter.join();
  }
}

}  // namespace
}  // namespace concord::comm
