// ShardPlanner: shards partition each global batch in order, sizes are near-equal, world
// size 1 reproduces the standalone sampler exactly, and partial last batches are kept or
// dropped without leaving any rank without a step.
#include <numeric>

#include "coordinator/shard_planner.h"
#include "gtest/gtest.h"
#include "tensor/data/sampler.h"

namespace concord {
namespace {

TEST(ShardPlannerTest, WorldSizeOneIsTheStandaloneSampler) {
  ShardPlanner planner = ShardPlanner::Create(1000, 64, /*drop_last=*/false, /*seed=*/5, 1, /*epochs=*/2).value();
  data::BatchSampler sampler(1000, 64, /*shuffle=*/true, /*drop_last=*/false, 5);
  ASSERT_EQ(planner.steps_per_epoch(), sampler.num_batches());
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    sampler.SetEpoch(epoch);
    for (int64_t b = 0; b < sampler.num_batches(); ++b) {
      Shard s = planner.Assign(epoch * planner.steps_per_epoch() + b, 0);
      std::vector<int64_t> expected(sampler.Batch(b).begin(), sampler.Batch(b).end());
      ASSERT_EQ(s.indices, expected) << "epoch " << epoch << " batch " << b;
      EXPECT_EQ(s.epoch, epoch);
      EXPECT_EQ(s.global_batch, static_cast<int64_t>(expected.size()));
    }
  }
}

TEST(ShardPlannerTest, ShardsPartitionTheGlobalBatchInOrder) {
  for (int world : {1, 2, 3, 4, 7}) {
    ShardPlanner planner = ShardPlanner::Create(1003, 100, false, 9, world, 1).value();
    ShardPlanner single = ShardPlanner::Create(1003, 100, false, 9, 1, 1).value();
    for (int64_t step = 0; step < planner.total_steps(); ++step) {
      std::vector<int64_t> joined;
      int64_t smallest = INT64_MAX, largest = 0;
      for (int r = 0; r < world; ++r) {
        Shard s = planner.Assign(step, r);
        joined.insert(joined.end(), s.indices.begin(), s.indices.end());
        smallest = std::min<int64_t>(smallest, s.indices.size());
        largest = std::max<int64_t>(largest, s.indices.size());
        EXPECT_EQ(s.global_batch, single.Assign(step, 0).global_batch);
      }
      EXPECT_EQ(joined, single.Assign(step, 0).indices) << "world " << world << " step " << step;
      EXPECT_LE(largest - smallest, 1) << "shards must be near-equal";
    }
  }
}

// The ranks' streams run apart: calls alternate between epochs (and a moved planner keeps
// what it cached). Each shard is still its epoch's permutation, cut in order.
TEST(ShardPlannerTest, CallsAlternatingBetweenEpochsGetEachEpochsOrder) {
  ShardPlanner planner = ShardPlanner::Create(100, 10, false, 3, 2, /*epochs=*/4).value();
  auto expected = [](int64_t epoch, int64_t batch, int rank) {
    std::vector<int64_t> order = data::EpochPermutation(100, 3, epoch);
    const int64_t begin = batch * 10 + rank * 5;
    return std::vector<int64_t>(order.begin() + begin, order.begin() + begin + 5);
  };
  // Rank 0 moves on to epoch e + 1 while rank 1 finishes epoch e; then epoch 3 after 1 and 2.
  const std::vector<std::pair<int64_t, int>> calls = {{9, 1}, {10, 0}, {9, 0}, {11, 1}, {19, 1}, {20, 0},
                                                      {30, 0}, {18, 1}, {21, 1}, {31, 1}, {0, 0}};
  for (auto [step, rank] : calls) {
    EXPECT_EQ(planner.Assign(step, rank).indices, expected(step / 10, step % 10, rank))
        << "step " << step << " rank " << rank;
  }
  ShardPlanner moved = std::move(planner);
  EXPECT_EQ(moved.Assign(31, 0).indices, expected(3, 1, 0));
  EXPECT_EQ(moved.Assign(21, 0).indices, expected(2, 1, 0));
}

TEST(ShardPlannerTest, UnevenAndPartialBatches) {
  // 10 samples, batch 4: steps of 4, 4 and 2; with drop_last the 2 is dropped.
  ShardPlanner keep = ShardPlanner::Create(10, 4, false, 1, 3, 1).value();
  ASSERT_EQ(keep.steps_per_epoch(), 3);
  EXPECT_EQ(keep.Assign(0, 0).indices.size(), 2u);  // 4 over 3 ranks: 2, 1, 1
  EXPECT_EQ(keep.Assign(0, 1).indices.size(), 1u);
  EXPECT_EQ(keep.Assign(2, 0).global_batch, 2);
  EXPECT_EQ(keep.Assign(2, 2).indices.size(), 0u);  // an empty shard: still a step for rank 2
  ShardPlanner drop = ShardPlanner::Create(10, 4, true, 1, 3, 1).value();
  EXPECT_EQ(drop.steps_per_epoch(), 2);
}

TEST(ShardPlannerTest, EpochsReshuffle) {
  ShardPlanner planner = ShardPlanner::Create(100, 10, false, 3, 2, 2).value();
  EXPECT_NE(planner.Assign(0, 0).indices, planner.Assign(10, 0).indices);
  EXPECT_EQ(planner.Assign(10, 0).epoch, 1);
}

TEST(ShardPlannerTest, BadArgumentsAreStatusesAndBadCallsAbort) {
  absl::StatusOr<ShardPlanner> bad = ShardPlanner::Create(100, 0, false, 1, 1, 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("batch_size must be > 0, got 0"), absl::string_view::npos);
  EXPECT_FALSE(ShardPlanner::Create(100, 10, false, 1, 0, 1).ok());
  EXPECT_FALSE(ShardPlanner::Create(100, 10, false, 1, 1, 0).ok());
  ShardPlanner planner = ShardPlanner::Create(100, 10, false, 3, 2, 2).value();
  EXPECT_DEATH(planner.Assign(20, 0), "step 20 is outside \\[0, 20\\)");
  EXPECT_DEATH(planner.Assign(0, 2), "rank 2 is outside");
}

}  // namespace
}  // namespace concord
