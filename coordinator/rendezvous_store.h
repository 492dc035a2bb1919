// File: coordinator/rendezvous_store.h
//
// The coordinator's key-value store for rendezvous (Gloo's store, the NCCL unique id): Set
// overwrites, Get waits until the key exists or its deadline passes. Keys are scoped by the
// caller (job and generation) before they get here. Thread-safe; every wait has a deadline,
// and Close() wakes all waiters with an error (shutdown).
#ifndef CONCORD_COORDINATOR_RENDEZVOUS_STORE_H_
#define CONCORD_COORDINATOR_RENDEZVOUS_STORE_H_

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace concord {

class RendezvousStore {
 public:
  void Set(const std::string& key, std::string value);
  // DeadlineExceeded naming the key when it does not appear in time; Unavailable once closed.
  absl::StatusOr<std::string> Get(const std::string& key, absl::Duration timeout);
  // Drops every key starting with prefix (an old generation's).
  void EraseWithPrefix(const std::string& prefix);
  void Close();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::string> values_;
  bool closed_ = false;
};

}  // namespace concord

#endif  // CONCORD_COORDINATOR_RENDEZVOUS_STORE_H_
