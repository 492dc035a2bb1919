#include "tensor/data/prefetcher.h"

#include "absl/status/status.h"

namespace concord::data {

Prefetcher::Prefetcher(const Dataset& data, Normalization norm, bool pinned)
    : data_(data), norm_(norm) {
  if (pinned) {
    for (Batch& slot : slots_) {
      slot.x = empty({0, data.features()}, TensorOptions(kFloat32).pinned_memory(true));
      slot.y = empty({0}, TensorOptions(kInt64).pinned_memory(true));
    }
  }
  thread_ = std::thread([this] { Run(); });
}

Prefetcher::~Prefetcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Prefetcher::Start(std::span<const int64_t> indices) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    TENSOR_CHECK(!has_pending_, "Prefetcher: Start called twice without a Wait");
    pending_.assign(indices.begin(), indices.end());
    has_pending_ = true;
    ready_ = false;
    error_.clear();
  }
  cv_.notify_all();
}

absl::StatusOr<Batch> Prefetcher::Wait(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!has_pending_) return absl::FailedPreconditionError("Prefetcher: Wait without a Start");
  if (!cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [this] { return ready_; })) {
    return absl::DeadlineExceededError(
        absl::StrCat("Prefetcher: a batch of ", pending_.size(), " samples was not gathered within ",
                     absl::FormatDuration(timeout)));
  }
  has_pending_ = false;
  if (!error_.empty()) return absl::InvalidArgumentError(error_);
  return slots_[slot_];
}

void Prefetcher::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || (has_pending_ && !ready_); });
    if (stop_) return;
    const int next = 1 - slot_;
    std::vector<int64_t> indices = pending_;
    lock.unlock();
    std::string error;
    try {
      data_.Gather(indices.data(), static_cast<int64_t>(indices.size()), norm_, &slots_[next].x, &slots_[next].y);
    } catch (const TensorError& e) {
      error = e.what();
    }
    lock.lock();
    slot_ = next;
    error_ = error;
    ready_ = true;
    cv_.notify_all();
  }
}

}  // namespace concord::data
