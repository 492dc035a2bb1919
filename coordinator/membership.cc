#include "coordinator/membership.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace concord {

absl::StatusOr<int> Membership::Join(const Member& member, int requested_rank, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) return absl::UnavailableError("the coordinator is shutting down");
  if (joined_ == world_size_) {
    return absl::ResourceExhaustedError(absl::StrCat("the job already has all ", world_size_, " workers; ",
                                                     member.host, " (pid ", member.pid, ") is one too many"));
  }
  int rank = requested_rank;
  if (rank >= world_size_) {
    return absl::InvalidArgumentError(absl::StrCat("requested rank ", rank, " but the world size is ", world_size_));
  }
  if (rank >= 0 && taken_[rank]) {
    return absl::AlreadyExistsError(absl::StrCat("rank ", rank, " is already taken by ", members_[rank].host, " (pid ",
                                                 members_[rank].pid, ")"));
  }
  if (rank < 0) {
    rank = 0;
    while (taken_[rank]) ++rank;
  }
  taken_[rank] = true;
  members_[rank] = member;
  ++joined_;
  cv_.notify_all();
  const bool ok = cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                               [this] { return closed_ || joined_ == world_size_; });
  if (closed_) return absl::UnavailableError("the coordinator is shutting down");
  if (!ok) {
    return absl::DeadlineExceededError(absl::StrCat("only ", joined_, " of ", world_size_,
                                                    " workers registered within ", absl::FormatDuration(timeout)));
  }
  return rank;
}

int Membership::joined() const {
  std::lock_guard<std::mutex> lock(mu_);
  return joined_;
}

bool Membership::complete() const { return joined() == world_size_; }

bool Membership::WaitComplete(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [this] { return closed_ || joined_ == world_size_; }) &&
         !closed_;
}

std::vector<Member> Membership::members() const {
  std::lock_guard<std::mutex> lock(mu_);
  return members_;
}

void Membership::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

}  // namespace concord
