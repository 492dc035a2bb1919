// File: coordinator/shard_planner.h
//
// ShardPlanner: which samples each rank trains on at each step. Epoch e is the seeded
// permutation EpochPermutation(n, seed, e) (the standalone trainer's order too, so a job of
// world size 1 trains exactly as the standalone worker does), cut into global batches of
// batch_size; each global batch is split into world_size contiguous, near-equal shards (the
// first batch % world_size ranks get one sample more). A last partial batch is kept or
// dropped by drop_last; a shard may be empty when a batch has fewer samples than ranks, and
// its rank still takes part in the step's all-reduce, so nobody waits forever.
#ifndef CONCORD_COORDINATOR_SHARD_PLANNER_H_
#define CONCORD_COORDINATOR_SHARD_PLANNER_H_

#include <cstdint>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"

namespace concord {

struct Shard {
  int64_t step = 0;          // global step, 0-based
  int64_t epoch = 0;
  int64_t global_batch = 0;  // samples in this step over all ranks
  std::vector<int64_t> indices;
};

class ShardPlanner {
 public:
  // InvalidArgument for a negative dataset size or a non-positive batch size, world size
  // or epoch count.
  static absl::StatusOr<ShardPlanner> Create(int64_t dataset_size, int64_t batch_size, bool drop_last,
                                             uint64_t seed, int world_size, int64_t epochs);
  ShardPlanner(ShardPlanner&& other) noexcept;

  int64_t steps_per_epoch() const { return steps_per_epoch_; }
  int64_t total_steps() const { return steps_per_epoch_ * epochs_; }
  int world_size() const { return world_size_; }

  // Rank `rank`'s shard of global step `step`. Both must be in range (CHECKed). Thread-safe.
  Shard Assign(int64_t step, int rank) const;

 private:
  ShardPlanner(int64_t dataset_size, int64_t batch_size, bool drop_last, uint64_t seed, int world_size,
               int64_t epochs);

  int64_t dataset_size_;
  int64_t batch_size_;
  uint64_t seed_;
  int world_size_;
  int64_t epochs_;
  int64_t steps_per_epoch_;
  // The permutations of the two epochs asked for last, in slot epoch % 2: the ranks' streams
  // run a few steps apart, so near an epoch's end one asks for the next epoch while another
  // still asks for this one, and a single cached epoch was recomputed (2.5 ms for 60,000
  // samples, on a core a rank needs) on every such call.
  mutable std::mutex mu_;
  mutable int64_t cached_epoch_[2] = {-1, -1};
  mutable std::vector<int64_t> order_[2];
};

}  // namespace concord

#endif  // CONCORD_COORDINATOR_SHARD_PLANNER_H_
