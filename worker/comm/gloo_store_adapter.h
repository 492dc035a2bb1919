// File: worker/comm/gloo_store_adapter.h
//
// GlooStoreAdapter: presents a KeyValueStore (in memory, or the coordinator's over gRPC) as
// the gloo::rendezvous::Store that gloo::rendezvous::Context::connectFullMesh needs.
//
// Gloo's Store interface returns void, so a failed Status is thrown as a StoreException (a
// gloo::IoException that carries the Status); GlooCommunicator catches it at its boundary and
// returns the Status again (STYLE point 10: convert once, at boundaries). Nothing else should
// see the exception.
//
// Timeouts: get() and wait(keys) use the default timeout given to the constructor;
// wait(keys, timeout) uses Gloo's timeout, except that Gloo's "no timeout" (zero) also means
// the default, so a rendezvous never waits forever.
//
//   GlooStoreAdapter adapter(store, absl::Seconds(30));
//   context->connectFullMesh(adapter, device);   // may throw StoreException
#ifndef CONCORD_WORKER_COMM_GLOO_STORE_ADAPTER_H_
#define CONCORD_WORKER_COMM_GLOO_STORE_ADAPTER_H_

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gloo/common/error.h"
#include "gloo/rendezvous/store.h"
#include "worker/comm/store.h"

namespace concord::comm {

// A failed KeyValueStore call, on its way through Gloo's void interface.
class StoreException : public gloo::IoException {
 public:
  explicit StoreException(absl::Status status);
  const absl::Status& status() const { return status_; }

 private:
  absl::Status status_;
};

class GlooStoreAdapter final : public gloo::rendezvous::Store {
 public:
  // store must outlive the adapter; default_timeout must be positive.
  GlooStoreAdapter(KeyValueStore& store, absl::Duration default_timeout);

  void set(const std::string& key, const std::vector<char>& data) override;
  std::vector<char> get(const std::string& key) override;
  void wait(const std::vector<std::string>& keys) override;
  void wait(const std::vector<std::string>& keys,
            const std::chrono::milliseconds& timeout) override;

 private:
  KeyValueStore& store_;
  const absl::Duration default_timeout_;
};

}  // namespace concord::comm

#endif  // CONCORD_WORKER_COMM_GLOO_STORE_ADAPTER_H_
