// BatchSampler and EpochPermutation: permutations, determinism per (seed, epoch), batch
// counts with and without drop_last.
#include <algorithm>
#include <numeric>
#include <set>

#include "gtest/gtest.h"
#include "tensor/data/sampler.h"
#include "tensor/functions.h"

namespace concord::data {
namespace {

TEST(SamplerTest, EpochPermutationIsAPermutationAndDeterministic) {
  std::vector<int64_t> p = EpochPermutation(1000, 7, 0);
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> expected(1000);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(sorted, expected);
  EXPECT_NE(p, expected);
  EXPECT_EQ(p, EpochPermutation(1000, 7, 0));
  EXPECT_NE(p, EpochPermutation(1000, 7, 1));
  EXPECT_NE(p, EpochPermutation(1000, 8, 0));
  EXPECT_TRUE(EpochPermutation(0, 1, 0).empty());
}

TEST(SamplerTest, BatchesCoverTheEpoch) {
  BatchSampler keep(10, 4, /*shuffle=*/true, /*drop_last=*/false, 3);
  ASSERT_EQ(keep.num_batches(), 3);
  EXPECT_EQ(keep.Batch(2).size(), 2u);
  std::set<int64_t> seen;
  for (int64_t b = 0; b < keep.num_batches(); ++b) {
    for (int64_t i : keep.Batch(b)) seen.insert(i);
  }
  EXPECT_EQ(seen.size(), 10u);
  BatchSampler drop(10, 4, true, /*drop_last=*/true, 3);
  EXPECT_EQ(drop.num_batches(), 2);
  BatchSampler ordered(5, 2, /*shuffle=*/false, false, 0);
  EXPECT_EQ(ordered.Batch(1)[0], 2);
  EXPECT_THROW(ordered.Batch(3), TensorError);
  EXPECT_THROW(BatchSampler(5, 0, false, false, 0), TensorError);
}

TEST(SamplerTest, SetEpochReshuffles) {
  BatchSampler s(100, 10, true, false, 5);
  std::vector<int64_t> first(s.Batch(0).begin(), s.Batch(0).end());
  s.SetEpoch(1);
  std::vector<int64_t> second(s.Batch(0).begin(), s.Batch(0).end());
  EXPECT_NE(first, second);
  s.SetEpoch(0);
  EXPECT_EQ(std::vector<int64_t>(s.Batch(0).begin(), s.Batch(0).end()), first);
}

}  // namespace
}  // namespace concord::data
