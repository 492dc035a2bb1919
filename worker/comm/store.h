// File: worker/comm/store.h
//
// KeyValueStore: the rendezvous store through which the ranks of a job find each other before
// any collective can run (Gloo's pair addresses, NCCL's unique id). The coordinator serves one
// over gRPC, scoped by job and generation (PrefixStore); tests and single-process runs use
// InMemoryStore. Backends reach it through an adapter (GlooStoreAdapter for Gloo).
//
// Contract, for every implementation:
//   - Set stores a value under a key, replacing any earlier value, and wakes waiters on it.
//     Values are arbitrary bytes (std::string as a byte container).
//   - Get returns the value once the key exists, waiting up to `timeout` for it; if the
//     deadline passes first it returns DeadlineExceeded naming the key.
//   - Wait returns OK once every key exists (at once for an empty list), or DeadlineExceeded
//     naming the keys still missing when the deadline passes.
//   - A timeout of absl::InfiniteDuration() waits forever; zero or negative means "now".
//   - Other failures (e.g. the coordinator's RPCs) come back as their own Status.
//   - All methods are thread-safe.
//
//   InMemoryStore store;
//   RETURN_IF_ERROR(store.Set("0", address));
//   ASSIGN_OR_RETURN(std::string peer, store.Get("1", absl::Seconds(30)));
#ifndef CONCORD_WORKER_COMM_STORE_H_
#define CONCORD_WORKER_COMM_STORE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace concord::comm {

class KeyValueStore {
 public:
  virtual ~KeyValueStore() = default;

  virtual absl::Status Set(const std::string& key, const std::string& value) = 0;
  virtual absl::StatusOr<std::string> Get(const std::string& key, absl::Duration timeout) = 0;
  virtual absl::Status Wait(const std::vector<std::string>& keys, absl::Duration timeout) = 0;
};

}  // namespace concord::comm

#endif  // CONCORD_WORKER_COMM_STORE_H_
