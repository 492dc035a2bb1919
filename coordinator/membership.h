// File: coordinator/membership.h
//
// Membership: who is in the job. Workers Join; each Join blocks until world_size workers have
// joined (then every caller gets its rank) or the deadline passes. Ranks go by registration
// order, or to the rank a worker asks for when it is free. A second worker asking for a
// taken rank, or one more than world_size, is refused.
#ifndef CONCORD_COORDINATOR_MEMBERSHIP_H_
#define CONCORD_COORDINATOR_MEMBERSHIP_H_

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace concord {

struct Member {
  std::string host;
  std::string device;
  int64_t pid = 0;
};

class Membership {
 public:
  explicit Membership(int world_size) : world_size_(world_size), members_(world_size), taken_(world_size) {}

  // This worker's rank once the world is complete. requested_rank < 0: the next free rank.
  absl::StatusOr<int> Join(const Member& member, int requested_rank, absl::Duration timeout);

  int world_size() const { return world_size_; }
  int joined() const;
  bool complete() const;
  // Blocks until the world is complete or the timeout passes; false on timeout.
  bool WaitComplete(absl::Duration timeout);
  std::vector<Member> members() const;
  // Wakes every waiter with an error.
  void Close();

 private:
  const int world_size_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Member> members_;
  std::vector<bool> taken_;
  int joined_ = 0;
  bool closed_ = false;
};

}  // namespace concord

#endif  // CONCORD_COORDINATOR_MEMBERSHIP_H_
