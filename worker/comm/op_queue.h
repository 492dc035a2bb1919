// File: worker/comm/op_queue.h
//
// OpQueue: the communication thread of a communicator. Ops (closures returning a Status) run
// one at a time on one thread, strictly in submission order (STYLE point 20: collectives are
// launched in the same order on every rank), and each submission returns a Work.
//
// Failure semantics, shared by every op of one queue (see worker/comm/communicator.h):
//   - The first op that fails breaks the queue: every later op fails at once, without running,
//     with the first error's code and message (a failed collective leaves the ranks' streams
//     out of step, so nothing after it can be trusted).
//   - Abort() completes every queued op and the running one with kAborted at once, and every
//     later one too. The running op's closure is not interrupted (that is the backend's job,
//     e.g. closing its connections); it keeps its captures (the tensor) alive until it returns.
//   - The destructor runs (or fails fast) what is queued, then joins the thread, so it blocks
//     while a running op blocks (the backend bounds that by its timeout) -- except after
//     Abort(): then it returns at once and the thread finishes on its own. The thread owns
//     the queue's state and each op owns its captures, so closures must capture what they
//     use by value (shared_ptr), never the queue's owner.
//
//   OpQueue queue("gloo rank 0 of 2");
//   std::unique_ptr<Work> w = queue.Submit("Barrier", [] { return DoBarrier(); });
//   RETURN_IF_ERROR(w->Wait());
#ifndef CONCORD_WORKER_COMM_OP_QUEUE_H_
#define CONCORD_WORKER_COMM_OP_QUEUE_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "worker/comm/communicator.h"

namespace concord::comm {

class OpQueue {
 public:
  // owner prefixes every message this queue writes, e.g. "gloo rank 0 of 2".
  explicit OpQueue(std::string owner);
  ~OpQueue();
  OpQueue(const OpQueue&) = delete;
  OpQueue& operator=(const OpQueue&) = delete;

  // Queues fn (which must not throw) under a name used in messages, e.g. "AllReduceSum".
  std::unique_ptr<Work> Submit(std::string name, std::function<absl::Status()> fn);
  // See above. Returns true for the first call, false if already aborted.
  bool Abort();

  // A Work that has already finished with status (e.g. an argument error).
  static std::unique_ptr<Work> Completed(absl::Status status);

  struct Op;     // One submission and its completion (defined in op_queue.cc).
  struct State;  // The queue, shared by this object and its thread (defined in op_queue.cc).

 private:
  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace concord::comm

#endif  // CONCORD_WORKER_COMM_OP_QUEUE_H_
