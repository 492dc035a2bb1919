// File: common/lanes.h
//
// Lanes: runs one function on n lanes at once -- lane 0 on the calling thread, lanes 1..n-1
// on threads of their own that live as long as the Lanes object -- and returns when every
// lane has finished. It serves the training step's batch split (worker/trainer.h), which calls
// it every few hundred microseconds: a lane thread spins for a short while after its work, so
// the next call wakes it with a store instead of a system call, and then sleeps (a futex), so
// an idle Lanes costs no CPU.
//
// Run is not reentrant and must be called from one thread at a time. If lanes throw, Run
// rethrows the exception of the lowest-numbered one after all have finished.
//
//   Lanes lanes(2);
//   lanes.Run([&](int lane) { Process(rows_of(lane)); });
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

 private:
  void Loop(int lane);

  // Bumped by Run to start the lanes; a lane thread waits for it to change.
  std::atomic<int> generation_{0};
  // Lanes of this run still working (lane 0 excluded); Run waits for zero.
  std::atomic<int> remaining_{0};
  std::atomic<bool> stop_{false};
  // The function of the current run; set before generation_ is bumped (release).
  const absl::FunctionRef<void(int)>* fn_ = nullptr;
  std::vector<std::exception_ptr> errors_;  // per lane, of the current run
  std::vector<std::thread> threads_;
};

}  // namespace concord

#endif  // CONCORD_COMMON_LANES_H_
