// File: worker/comm/in_memory_store.h
//
// InMemoryStore: a KeyValueStore in one process's memory (a map under a mutex; waiters block
// on the mutex's condition until their keys appear or their deadline passes). For tests with
// threads as ranks (Gloo's own tests do the same) and for single-process jobs. See
// worker/comm/store.h for the contract.
//
//   InMemoryStore store;            // shared by the threads that play the ranks
//   threads.emplace_back([&] { auto comm = CreateGlooCommunicator(store, 0, 2, {}); ... });
#ifndef CONCORD_WORKER_COMM_IN_MEMORY_STORE_H_
#define CONCORD_WORKER_COMM_IN_MEMORY_STORE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "worker/comm/store.h"

namespace concord::comm {

class InMemoryStore final : public KeyValueStore {
 public:
  InMemoryStore() = default;
  InMemoryStore(const InMemoryStore&) = delete;
  InMemoryStore& operator=(const InMemoryStore&) = delete;

  absl::Status Set(const std::string& key, const std::string& value) override;
  absl::StatusOr<std::string> Get(const std::string& key, absl::Duration timeout) override;
  absl::Status Wait(const std::vector<std::string>& keys, absl::Duration timeout) override;

  // Number of keys set so far (for tests and diagnostics).
  size_t size() const;

 private:
  // Blocks until every key exists or the deadline passes; returns the keys still missing.
  std::vector<std::string> AwaitKeys(const std::vector<std::string>& keys,
                                     absl::Duration timeout) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, std::string> values_ ABSL_GUARDED_BY(mu_);
};

}  // namespace concord::comm

#endif  // CONCORD_WORKER_COMM_IN_MEMORY_STORE_H_
