#include "worker/batch_feed.h"

namespace concord {

BatchFeed::BatchFeed(Trainer& trainer, const data::Dataset& data, data::Normalization norm, Device device)
    : trainer_(trainer), data_(data) {
  if (!trainer.splits_steps()) prefetcher_.emplace(data, norm, device);
}

void BatchFeed::Start(std::span<const int64_t> indices) {
  if (prefetcher_) {
    prefetcher_->Start(indices);
  } else {
    pending_.assign(indices.begin(), indices.end());
  }
}

absl::StatusOr<double> BatchFeed::Step(int64_t global_batch, std::span<const int64_t> next) {
  if (prefetcher_) {
    absl::StatusOr<data::Batch> batch = prefetcher_->Wait();
    if (!batch.ok()) return batch.status();
    if (!next.empty()) prefetcher_->Start(next);
    return trainer_.StepOn(batch->x, batch->y, global_batch);
  }
  current_.swap(pending_);
  pending_.assign(next.begin(), next.end());
  return trainer_.Step(data_, current_, global_batch);
}

}  // namespace concord
