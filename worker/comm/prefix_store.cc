// File: worker/comm/prefix_store.cc
#include "worker/comm/prefix_store.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace concord::comm {

PrefixStore::PrefixStore(KeyValueStore& base, std::string prefix)
    : base_(base), prefix_(std::move(prefix)) {}

std::string PrefixStore::Scoped(const std::string& key) const {
  return absl::StrCat(prefix_, "/", key);
}

absl::Status PrefixStore::Set(const std::string& key, const std::string& value) {
  return base_.Set(Scoped(key), value);
}

absl::StatusOr<std::string> PrefixStore::Get(const std::string& key, absl::Duration timeout) {
  return base_.Get(Scoped(key), timeout);
}

absl::Status PrefixStore::Wait(const std::vector<std::string>& keys, absl::Duration timeout) {
  std::vector<std::string> scoped;
  scoped.reserve(keys.size());
  for (const std::string& key : keys) scoped.push_back(Scoped(key));
  return base_.Wait(scoped, timeout);
}

}  // namespace concord::comm
