// Reducer, with threads as ranks over real Gloo on loopback: buckets in reverse parameter
// order with a small first one, gradients as views into the buckets, the all-reduced
// gradients equal to per-shard gradients summed by hand, a parameter with no gradient
// contributing zeros, the stop vote seen by every rank, and Attach's warm-up all-reduce (a
// collective that leaves zero gradients).

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tensor/autograd/graph.h"
#include "tensor/functions.h"
#include "tensor/nn/loss.h"
#include "tensor/nn/sequential.h"
#include "tests/status_testing.h"
#include "tests/test_util.h"
#include "worker/comm/gloo_communicator.h"
#include "worker/comm/in_memory_store.h"
#include "worker/reducer.h"

namespace concord {
namespace {

constexpr int kBatch = 12;

std::shared_ptr<nn::Sequential> Model() {
  Generator gen(17);
  return nn::MakeMlp({6, 5, 4, 3}, nn::Activation::kTanh, nn::Init::kXavier, gen, kFloat64);
}

// The shard of rank r of w: rows [r * kBatch / w, (r + 1) * kBatch / w).
void Shard(int r, int w, Tensor* x, Tensor* y) {
  Generator gen(5);
  Tensor all_x = randn({kBatch, 6}, gen, kFloat64);
  Tensor all_y = tensor({0, 1, 2, 0, 1, 2, 2, 1, 0, 0, 1, 2});
  *x = all_x.narrow(0, r * kBatch / w, kBatch / w);
  *y = all_y.narrow(0, r * kBatch / w, kBatch / w);
}

// Runs fn(rank, communicator) on `world` threads, over a Gloo group of that size.
template <typename Fn>
void OnRanks(int world, Fn fn) {
  comm::InMemoryStore store;
  test_util::OnRanks(world, [&](int r) {
    comm::GlooOptions options;
    options.timeout = absl::Seconds(10);
    auto c = comm::CreateGlooCommunicator(store, r, world, options);
    ASSERT_TRUE(c.ok()) << c.status();
    fn(r, **c);
  });
}

TEST(ReducerTest, BucketsAreReverseOrderedViewsWithASmallFirstOne) {
  OnRanks(2, [](int, comm::Communicator& c) {
    auto model = Model();
    std::vector<Tensor> params = model->parameters();  // w1 [5,6], b1, w2 [4,5], b2, w3 [3,4], b3
    // First bucket up to 40 bytes, then up to 200: float64 elements are 8 bytes.
    Reducer reducer(c, {.bucket_bytes = 200, .first_bucket_bytes = 40, .timeout = absl::Seconds(10)});
    ASSERT_OK(reducer.Attach(params));
    EXPECT_TRUE(reducer.ChangesGradients());
    std::vector<std::vector<int>> layout = reducer.bucket_layout();
    ASSERT_GE(layout.size(), 3u);
    EXPECT_EQ(layout.front().front(), 5);  // the last parameter first
    EXPECT_EQ(layout.back().back(), 0);    // the first parameter last
    EXPECT_EQ(layout.front(), (std::vector<int>{5, 4}));  // b3 (3) + w3 (12) >= 5 elements
    for (const auto& bucket : layout) {
      for (size_t i = 1; i < bucket.size(); ++i) {
        EXPECT_TRUE(params[bucket[0]].grad().shares_storage(params[bucket[i]].grad()));
      }
    }
  });
}

void ExpectSummedGradients(int world) {
  // Reference: every shard's gradient (loss divided by the global batch), summed by hand.
  auto reference = Model();
  for (int r = 0; r < world; ++r) {
    Tensor x, y;
    Shard(r, world, &x, &y);
    nn::cross_entropy(reference->Forward(x), y, kBatch).backward();
  }
  OnRanks(world, [&](int rank, comm::Communicator& c) {
    auto model = Model();
    Reducer reducer(c, {.bucket_bytes = 256, .first_bucket_bytes = 64, .timeout = absl::Seconds(10)});
    ASSERT_TRUE(reducer.Attach(model->parameters()).ok());
    for (int step = 0; step < 2; ++step) {  // twice: the buckets reset between steps
      autograd::ZeroGrad(model->parameters());
      Tensor x, y;
      Shard(rank, world, &x, &y);
      nn::cross_entropy(model->Forward(x), y, kBatch).backward();
      ASSERT_TRUE(reducer.Finish().ok());
      std::vector<Tensor> got = model->parameters(), want = reference->parameters();
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_TRUE(got[i].grad().allclose(want[i].grad(), 1e-10, 1e-12))
            << "rank " << rank << " step " << step << " parameter " << i;
      }
    }
  });
}

TEST(ReducerTest, AloneItLeavesTheGradientsAloneAndKeepsItsOwnStopVote) {
  OnRanks(1, [](int, comm::Communicator& c) {
    auto model = Model();
    std::vector<Tensor> params = model->parameters();
    std::vector<Tensor> grads_before;
    for (const Tensor& p : params) grads_before.push_back(p.grad());
    Reducer reducer(c, {.timeout = absl::Seconds(10)});
    ASSERT_OK(reducer.Attach(params));
    EXPECT_TRUE(reducer.bucket_layout().empty());
    EXPECT_FALSE(reducer.ChangesGradients());  // the trainer may update before Finish
    for (size_t i = 0; i < params.size(); ++i) {
      EXPECT_EQ(params[i].grad().defined(), grads_before[i].defined()) << "parameter " << i;
    }
    Tensor w = tensor({1.}, kFloat64).requires_grad_();
    Reducer alone(c, {.timeout = absl::Seconds(10)});
    ASSERT_OK(alone.Attach({w}));
    for (int step = 0; step < 3; ++step) {
      alone.VoteStop(step == 1);
      (w * 2.0).sum().backward();
      ASSERT_OK(alone.Finish());
      EXPECT_EQ(alone.stop_agreed(), step == 1) << "step " << step;
      EXPECT_TRUE(w.grad().equal(tensor({2.0 * (step + 1)}, kFloat64)));  // accumulating: no ZeroGrad here
    }
  });
}

// Attach warms each bucket with one all-reduce (Note [Warm buckets]): afterwards every
// gradient is zero on every rank, and a rank whose peer never attaches fails within the
// timeout instead of at its first step.
TEST(ReducerTest, AttachIsACollectiveThatLeavesZeroGradients) {
  OnRanks(2, [](int, comm::Communicator& c) {
    auto model = Model();
    std::vector<Tensor> params = model->parameters();
    Reducer reducer(c, {.bucket_bytes = 200, .first_bucket_bytes = 40, .timeout = absl::Seconds(10)});
    ASSERT_OK(reducer.Attach(params));
    for (size_t i = 0; i < params.size(); ++i) {
      EXPECT_TRUE(params[i].grad().equal(zeros_like(params[i]))) << "parameter " << i;
    }
  });
  absl::Notification attach_returned;
  OnRanks(2, [&](int r, comm::Communicator& c) {
    if (r == 1) {  // never attaches, but stays connected until rank 0's Attach has returned
      attach_returned.WaitForNotificationWithTimeout(absl::Seconds(30));
      return;
    }
    auto model = Model();
    Reducer reducer(c, {.timeout = absl::Milliseconds(500)});
    const absl::Time start = absl::Now();
    absl::Status s = reducer.Attach(model->parameters());
    const absl::Duration took = absl::Now() - start;
    attach_returned.Notify();
    EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
    EXPECT_GE(took, absl::Milliseconds(500)) << s;
    EXPECT_LT(took, absl::Seconds(5)) << s;
  });
}

TEST(ReducerTest, AllReducedGradientsEqualShardGradientsSummed) {
  ExpectSummedGradients(2);
  ExpectSummedGradients(3);
}

TEST(ReducerTest, AParameterWithoutGradientContributesZeros) {
  OnRanks(2, [](int rank, comm::Communicator& c) {
    Tensor used = tensor({1., 2.}, kFloat64).requires_grad_();
    Tensor unused = tensor({3., 4., 5.}, kFloat64).requires_grad_();
    Reducer reducer(c, {.timeout = absl::Seconds(10)});
    ASSERT_TRUE(reducer.Attach({used, unused}).ok());
    unused.grad().fill_(7);  // stale contents from an earlier step ...
    autograd::ZeroGrad({used, unused});  // ... lazily zeroed
    (used * static_cast<double>(rank + 1)).sum().backward();  // `unused` gets no gradient
    ASSERT_TRUE(reducer.Finish().ok());
    EXPECT_TRUE(used.grad().equal(tensor({3., 3.}, kFloat64)));  // 1 + 2 on each element
    EXPECT_TRUE(unused.grad().equal(zeros({3}, kFloat64)));
  });
}

TEST(ReducerTest, OneRanksStopVoteIsSeenByAll) {
  OnRanks(3, [](int rank, comm::Communicator& c) {
    Tensor w = tensor({1.}, kFloat64).requires_grad_();
    Reducer reducer(c, {.timeout = absl::Seconds(10)});
    ASSERT_TRUE(reducer.Attach({w}).ok());
    for (int step = 0; step < 3; ++step) {
      reducer.VoteStop(rank == 1 && step == 1);
      (w * 2.0).sum().backward();
      const absl::Status finished = reducer.Finish();
      ASSERT_TRUE(finished.ok()) << "rank " << rank << " step " << step << ": " << finished;
      EXPECT_EQ(reducer.stop_agreed(), step == 1) << "rank " << rank << " step " << step;
    }
  });
}

}  // namespace
}  // namespace concord
