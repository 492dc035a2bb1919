#include "coordinator/rendezvous_store.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace concord {

void RendezvousStore::Set(const std::string& key, std::string value) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    values_[key] = std::move(value);
  }
  cv_.notify_all();
}

absl::StatusOr<std::string> RendezvousStore::Get(const std::string& key, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  const bool found = cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                                  [&] { return closed_ || values_.count(key) > 0; });
  if (closed_) return absl::UnavailableError("the coordinator is shutting down");
  if (!found) {
    return absl::DeadlineExceededError(absl::StrCat("rendezvous key '", key, "' was not set within ",
                                                    absl::FormatDuration(timeout)));
  }
  return values_[key];
}

void RendezvousStore::EraseWithPrefix(const std::string& prefix) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = values_.lower_bound(prefix); it != values_.end() && it->first.rfind(prefix, 0) == 0;) {
    it = values_.erase(it);
  }
}

void RendezvousStore::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

}  // namespace concord
