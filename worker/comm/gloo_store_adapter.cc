// File: worker/comm/gloo_store_adapter.cc
#include "worker/comm/gloo_store_adapter.h"

#include <string>
#include <utility>

namespace concord::comm {

StoreException::StoreException(absl::Status status)
    : gloo::IoException(status.ToString()), status_(std::move(status)) {}

GlooStoreAdapter::GlooStoreAdapter(KeyValueStore& store, absl::Duration default_timeout)
    : store_(store), default_timeout_(default_timeout) {}

void GlooStoreAdapter::set(const std::string& key, const std::vector<char>& data) {
  absl::Status status = store_.Set(key, std::string(data.begin(), data.end()));
  if (!status.ok()) throw StoreException(std::move(status));
}

std::vector<char> GlooStoreAdapter::get(const std::string& key) {
  absl::StatusOr<std::string> value = store_.Get(key, default_timeout_);
  if (!value.ok()) throw StoreException(std::move(value).status());
  return std::vector<char>(value->begin(), value->end());
}

void GlooStoreAdapter::wait(const std::vector<std::string>& keys) {
  absl::Status status = store_.Wait(keys, default_timeout_);
  if (!status.ok()) throw StoreException(std::move(status));
}

void GlooStoreAdapter::wait(const std::vector<std::string>& keys,
                            const std::chrono::milliseconds& timeout) {
  const absl::Duration limit =
      timeout == gloo::kNoTimeout ? default_timeout_ : absl::FromChrono(timeout);
  absl::Status status = store_.Wait(keys, limit);
  if (!status.ok()) throw StoreException(std::move(status));
}

}  // namespace concord::comm
