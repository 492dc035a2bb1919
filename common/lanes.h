// File: common/lanes.h
//
// Lanes: runs one function on n lanes at once -- lane 0 on the calling thread, lanes 1..n-1
// on threads of their own that live as long as the Lanes object -- and returns when every
// lane has finished. It serves the training step's splits over the CPU cores
// (worker/lane_split.h), which call it every few hundred microseconds: a lane thread spins for
// a short while after its work, so the next call wakes it with a store instead of a system
// call, and then sleeps (a futex), so an idle Lanes costs no CPU.
//
// Run is not reentrant and must be called from one thread at a time. If lanes throw, Run
// rethrows the exception of the lowest-numbered one after all have finished. Inside a run,
// the lanes can meet at a Barrier(); when one lane has thrown, the others leave their barrier
// with an exception of their own, which Run does not report in place of the first failure
// (so no lane waits forever for a lane that failed).
//
//   Lanes lanes(2);
//   lanes.Run([&](int lane) { Process(rows_of(lane)); });
//   lanes.Run([&](int lane) { Produce(lane); lanes.Barrier(); Consume(lane); });
#ifndef CONCORD_COMMON_LANES_H_
#define CONCORD_COMMON_LANES_H_

#include <atomic>
#include <exception>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"

namespace concord {

class Lanes {
 public:
  // n >= 1; n == 1 starts no thread and runs everything on the caller.
  explicit Lanes(int n);
  ~Lanes();
  Lanes(const Lanes&) = delete;
  Lanes& operator=(const Lanes&) = delete;

  int size() const { return static_cast<int>(errors_.size()); }

  // fn(lane) for every lane in [0, size()), concurrently; returns when all have returned.
  void Run(absl::FunctionRef<void(int)> fn);

  // Called by every lane of the current run, the same number of times: returns when all lanes
  // have reached it (spinning, then yielding the core). Throws if a lane of this run failed.
  void Barrier();

 private:
  // Thrown by Barrier() in the lanes that did not fail.
  struct Abandoned {};

  void Loop(int lane);
  // Runs fn(lane), keeping what it throws for Run.
  void RunLane(const absl::FunctionRef<void(int)>& fn, int lane);

  // Bumped by Run to start the lanes; a lane thread waits for it to change.
  std::atomic<int> generation_{0};
  // Lanes of this run still working (lane 0 excluded); Run waits for zero.
  std::atomic<int> remaining_{0};
  std::atomic<bool> stop_{false};
  // The function of the current run; set before generation_ is bumped (release).
  const absl::FunctionRef<void(int)>* fn_ = nullptr;
  std::vector<std::exception_ptr> errors_;  // per lane, of the current run
  std::atomic<bool> failed_{false};         // a lane of the current run has thrown
  // Barrier: lanes arrived at the current one, and how many barriers have completed.
  std::atomic<int> barrier_arrived_{0};
  std::atomic<int> barrier_generation_{0};
  std::vector<std::thread> threads_;
};

}  // namespace concord

#endif  // CONCORD_COMMON_LANES_H_
