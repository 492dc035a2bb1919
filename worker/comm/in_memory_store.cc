// File: worker/comm/in_memory_store.cc
#include "worker/comm/in_memory_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace concord::comm {

absl::Status InMemoryStore::Set(const std::string& key, const std::string& value) {
  absl::MutexLock lock(&mu_);
  values_[key] = value;  // Mutex::Unlock re-evaluates the waiters' conditions.
  return absl::OkStatus();
}

std::vector<std::string> InMemoryStore::AwaitKeys(const std::vector<std::string>& keys,
                                                  absl::Duration timeout) {
  auto all_present = [this, &keys]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (const std::string& key : keys) {
      if (values_.find(key) == values_.end()) return false;
    }
    return true;
  };
  // An infinite timeout gives absl::InfiniteFuture(), which AwaitWithDeadline waits on forever.
  mu_.AwaitWithDeadline(absl::Condition(&all_present), absl::Now() + timeout);
  std::vector<std::string> missing;
  for (const std::string& key : keys) {
    if (values_.find(key) == values_.end()) missing.push_back(key);
  }
  return missing;
}

absl::StatusOr<std::string> InMemoryStore::Get(const std::string& key, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  if (!AwaitKeys({key}, timeout).empty()) {
    return absl::DeadlineExceededError(absl::StrCat(
        "rendezvous store: key '", key, "' was not set within ", absl::FormatDuration(timeout),
        " (has the rank that publishes it started?)"));
  }
  return values_.at(key);
}

absl::Status InMemoryStore::Wait(const std::vector<std::string>& keys, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> missing = AwaitKeys(keys, timeout);
  if (!missing.empty()) {
    return absl::DeadlineExceededError(absl::StrCat(
        "rendezvous store: key(s) '", absl::StrJoin(missing, "', '"), "' not set within ",
        absl::FormatDuration(timeout), " (has the rank that publishes them started?)"));
  }
  return absl::OkStatus();
}

size_t InMemoryStore::size() const {
  absl::MutexLock lock(&mu_);
  return values_.size();
}

}  // namespace concord::comm
