#include "coordinator/shard_planner.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "tensor/data/sampler.h"

namespace concord {

absl::StatusOr<ShardPlanner> ShardPlanner::Create(int64_t dataset_size, int64_t batch_size, bool drop_last,
                                                  uint64_t seed, int world_size, int64_t epochs) {
  auto bad = [](absl::string_view what, int64_t got) {
    return absl::InvalidArgumentError(absl::StrCat("shard plan: ", what, ", got ", got));
  };
  if (dataset_size < 0) return bad("the dataset size must be >= 0", dataset_size);
  if (batch_size <= 0) return bad("batch_size must be > 0", batch_size);
  if (world_size <= 0) return bad("the world size must be > 0", world_size);
  if (epochs <= 0) return bad("epochs must be > 0", epochs);
  return ShardPlanner(dataset_size, batch_size, drop_last, seed, world_size, epochs);
}

ShardPlanner::ShardPlanner(int64_t dataset_size, int64_t batch_size, bool drop_last, uint64_t seed, int world_size,
                           int64_t epochs)
    : dataset_size_(dataset_size), batch_size_(batch_size), seed_(seed), world_size_(world_size), epochs_(epochs) {
  steps_per_epoch_ = drop_last ? dataset_size / batch_size : (dataset_size + batch_size - 1) / batch_size;
}

ShardPlanner::ShardPlanner(ShardPlanner&& o) noexcept
    : dataset_size_(o.dataset_size_),
      batch_size_(o.batch_size_),
      seed_(o.seed_),
      world_size_(o.world_size_),
      epochs_(o.epochs_),
      steps_per_epoch_(o.steps_per_epoch_),
      cached_epoch_{o.cached_epoch_[0], o.cached_epoch_[1]},
      order_{std::move(o.order_[0]), std::move(o.order_[1])} {}

Shard ShardPlanner::Assign(int64_t step, int rank) const {
  CHECK(step >= 0 && step < total_steps(), "step ", step, " is outside [0, ", total_steps(), ")");
  CHECK(rank >= 0 && rank < world_size_, "rank ", rank, " is outside [0, ", world_size_, ")");
  Shard shard;
  shard.step = step;
  shard.epoch = step / steps_per_epoch_;
  const int64_t start = (step % steps_per_epoch_) * batch_size_;
  shard.global_batch = std::min(batch_size_, dataset_size_ - start);
  const int64_t base = shard.global_batch / world_size_, extra = shard.global_batch % world_size_;
  const int64_t offset = start + rank * base + std::min<int64_t>(rank, extra);
  const int64_t count = base + (rank < extra ? 1 : 0);
  std::lock_guard<std::mutex> lock(mu_);
  const int slot = static_cast<int>(shard.epoch % 2);
  if (cached_epoch_[slot] != shard.epoch) {
    order_[slot] = data::EpochPermutation(dataset_size_, seed_, shard.epoch);
    cached_epoch_[slot] = shard.epoch;
  }
  const std::vector<int64_t>& order = order_[slot];
  shard.indices.assign(order.begin() + offset, order.begin() + offset + count);
  return shard;
}

}  // namespace concord
