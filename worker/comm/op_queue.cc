// File: worker/comm/op_queue.cc
#include "worker/comm/op_queue.h"

#include <deque>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace concord::comm {

struct OpQueue::Op {
  std::string name;
  std::function<absl::Status()> fn;  // touched by the queue's thread only, once queued

  absl::Mutex mu;
  bool done ABSL_GUARDED_BY(mu) = false;
  absl::Status status ABSL_GUARDED_BY(mu);

  // The first completion wins: an abort may complete an op before its closure returns.
  void Complete(absl::Status s) {
    absl::MutexLock lock(&mu);
    if (done) return;
    done = true;
    status = std::move(s);
  }
};

struct OpQueue::State {
  explicit State(std::string owner) : owner(std::move(owner)) {}

  // The Status of an op that did not run because of first_error.
  absl::Status NotRun(const Op& op, const absl::Status& first_error) const {
    return absl::Status(first_error.code(), absl::StrCat(owner, ": ", op.name, " not run: ",
                                                         first_error.message()));
  }

  // The body of the queue's thread.
  static void Loop(std::shared_ptr<State> state);

  const std::string owner;
  absl::Mutex mu;
  std::deque<std::shared_ptr<Op>> queue ABSL_GUARDED_BY(mu);
  std::shared_ptr<Op> running ABSL_GUARDED_BY(mu);
  absl::Status first_error ABSL_GUARDED_BY(mu);  // the first failure, or the abort
  bool aborted ABSL_GUARDED_BY(mu) = false;
  bool stopping ABSL_GUARDED_BY(mu) = false;
};

namespace {

class QueueWork final : public Work {
 public:
  QueueWork(std::shared_ptr<OpQueue::Op> op, std::string owner)
      : op_(std::move(op)), owner_(std::move(owner)) {}

  using Work::Wait;
  absl::Status Wait(absl::Duration timeout) override {
    absl::MutexLock lock(&op_->mu);
    if (!op_->mu.AwaitWithTimeout(absl::Condition(&op_->done), timeout)) {
      return absl::DeadlineExceededError(absl::StrCat(
          owner_, ": ", op_->name, " still running after Work::Wait(",
          absl::FormatDuration(timeout), "); it goes on: Wait again, or Abort()"));
    }
    return op_->status;
  }

  bool IsCompleted() override {
    absl::MutexLock lock(&op_->mu);
    return op_->done;
  }

 private:
  std::shared_ptr<OpQueue::Op> op_;
  std::string owner_;
};

}  // namespace

OpQueue::OpQueue(std::string owner)
    : state_(std::make_shared<State>(std::move(owner))), thread_(&State::Loop, state_) {}

OpQueue::~OpQueue() {
  bool aborted;
  {
    absl::MutexLock lock(&state_->mu);
    state_->stopping = true;
    aborted = state_->aborted;
  }
  // After an abort the running op may sit in the backend until its timeout; nobody waits
  // for its result any more, and the thread holds everything it uses.
  if (aborted) {
    thread_.detach();
  } else {
    thread_.join();
  }
}

std::unique_ptr<Work> OpQueue::Completed(absl::Status status) {
  auto op = std::make_shared<Op>();
  op->Complete(std::move(status));
  return std::make_unique<QueueWork>(std::move(op), "");
}

std::unique_ptr<Work> OpQueue::Submit(std::string name, std::function<absl::Status()> fn) {
  auto op = std::make_shared<Op>();
  op->name = std::move(name);
  op->fn = std::move(fn);
  absl::MutexLock lock(&state_->mu);
  if (!state_->first_error.ok()) {
    op->Complete(state_->NotRun(*op, state_->first_error));
  } else {
    state_->queue.push_back(op);
  }
  return std::make_unique<QueueWork>(std::move(op), state_->owner);
}

bool OpQueue::Abort() {
  std::deque<std::shared_ptr<Op>> pending;
  {
    absl::MutexLock lock(&state_->mu);
    if (state_->aborted) return false;
    state_->aborted = true;
    if (state_->first_error.ok()) {
      state_->first_error = absl::AbortedError("the communicator was aborted");
    }
    pending = state_->queue;
    if (state_->running != nullptr) pending.push_front(state_->running);
  }
  for (const std::shared_ptr<Op>& op : pending) {
    op->Complete(absl::AbortedError(absl::StrCat(state_->owner, ": ", op->name,
                                                 " aborted: the communicator was aborted")));
  }
  return true;
}

void OpQueue::State::Loop(std::shared_ptr<State> state) {
  for (;;) {
    std::shared_ptr<Op> op;
    absl::Status first_error;
    {
      absl::MutexLock lock(&state->mu);
      auto ready = [&state]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mu) {
        return !state->queue.empty() || state->stopping;
      };
      state->mu.Await(absl::Condition(&ready));
      if (state->queue.empty()) return;  // stopping, and everything queued has run
      op = std::move(state->queue.front());
      state->queue.pop_front();
      first_error = state->first_error;
      if (first_error.ok()) state->running = op;
    }
    if (!first_error.ok()) {
      op->Complete(state->NotRun(*op, first_error));
      continue;
    }
    absl::Status status = op->fn();
    op->fn = nullptr;  // releases the captures (the tensor) now; the Work may live on
    {
      absl::MutexLock lock(&state->mu);
      state->running = nullptr;
      if (!status.ok() && state->first_error.ok()) {
        // Later ops say why they did not run: "... not run: an earlier call failed: ...".
        state->first_error = absl::Status(
            status.code(), absl::StrCat("an earlier call failed: ", status.message()));
      }
    }
    op->Complete(std::move(status));
  }
}

}  // namespace concord::comm
