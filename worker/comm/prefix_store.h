// File: worker/comm/prefix_store.h
//
// PrefixStore: a view of another KeyValueStore in which every key is scoped as
// "<prefix>/<key>", as c10d's PrefixStore and Gloo's rendezvous::PrefixStore do. Each job and
// each generation of a job (a re-formed world after a failure) gets its own prefix, so stale
// keys of an earlier generation never satisfy a rendezvous of a later one:
//
//   PrefixStore scoped(coordinator_store, absl::StrCat("job-", job_id, "/gen-", generation));
//   ASSIGN_OR_RETURN(auto comm, CreateGlooCommunicator(scoped, rank, world_size, {}));
//
// Prefixes nest (a PrefixStore over a PrefixStore). The wrapped store must outlive this one.
// Error messages name the full (prefixed) key, as the base store reports it.
#ifndef CONCORD_WORKER_COMM_PREFIX_STORE_H_
#define CONCORD_WORKER_COMM_PREFIX_STORE_H_

#include <string>
#include <vector>

#include "worker/comm/store.h"

namespace concord::comm {

class PrefixStore final : public KeyValueStore {
 public:
  PrefixStore(KeyValueStore& base, std::string prefix);

  absl::Status Set(const std::string& key, const std::string& value) override;
  absl::StatusOr<std::string> Get(const std::string& key, absl::Duration timeout) override;
  absl::Status Wait(const std::vector<std::string>& keys, absl::Duration timeout) override;

  const std::string& prefix() const { return prefix_; }

 private:
  std::string Scoped(const std::string& key) const;

  KeyValueStore& base_;
  const std::string prefix_;
};

}  // namespace concord::comm

#endif  // CONCORD_WORKER_COMM_PREFIX_STORE_H_
