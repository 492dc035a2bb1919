#include "common/lanes.h"

#include <chrono>

#include "common/check.h"

namespace concord {
namespace {

// How long a waiting thread spins before it sleeps: a little longer than the gap between two
// batch-split runs of a small model's step (the optimizer update and the next batch's hand-off).
constexpr auto kSpin = std::chrono::microseconds(100);
// How many pauses a lane spends at a barrier before it starts yielding its core: some tens of
// microseconds, the imbalance between the lanes of one step.
constexpr int kBarrierSpins = 4096;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Waits until value != old: spins for kSpin, then sleeps on the atomic. Returns the new value.
int WaitForChange(const std::atomic<int>& value, int old) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  int now;
  while ((now = value.load(std::memory_order_acquire)) == old) {
    if (std::chrono::steady_clock::now() >= deadline) {
      value.wait(old, std::memory_order_acquire);
    } else {
      for (int i = 0; i < 16; ++i) CpuRelax();
    }
  }
  return now;
}

}  // namespace

Lanes::Lanes(int n) : errors_(static_cast<size_t>(n)) {
  CHECK(n >= 1, "Lanes: expected n >= 1, got ", n);
  for (int lane = 1; lane < n; ++lane) threads_.emplace_back([this, lane] { Loop(lane); });
}

Lanes::~Lanes() {
  stop_.store(true, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void Lanes::Run(absl::FunctionRef<void(int)> fn) {
  for (std::exception_ptr& e : errors_) e = nullptr;
  failed_.store(false, std::memory_order_relaxed);
  barrier_arrived_.store(0, std::memory_order_relaxed);
  if (!threads_.empty()) {
    fn_ = &fn;
    remaining_.store(static_cast<int>(threads_.size()), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
  }
  RunLane(fn, 0);
  for (int left = remaining_.load(std::memory_order_acquire); left != 0;) left = WaitForChange(remaining_, left);
  fn_ = nullptr;
  for (const std::exception_ptr& e : errors_) {
    if (e) std::rethrow_exception(e);
  }
}

void Lanes::Loop(int lane) {
  int seen = 0;
  for (;;) {
    seen = WaitForChange(generation_, seen);
    if (stop_.load(std::memory_order_relaxed)) return;
    RunLane(*fn_, lane);
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) remaining_.notify_one();
  }
}

void Lanes::RunLane(const absl::FunctionRef<void(int)>& fn, int lane) {
  try {
    fn(lane);
  } catch (const Abandoned&) {
    // Another lane failed; its exception is the one to report.
  } catch (...) {
    errors_[static_cast<size_t>(lane)] = std::current_exception();
    failed_.store(true, std::memory_order_release);
  }
}

void Lanes::Barrier() {
  if (size() == 1) return;
  const int generation = barrier_generation_.load(std::memory_order_acquire);
  if (barrier_arrived_.fetch_add(1, std::memory_order_acq_rel) == size() - 1) {
    // The last to arrive opens it (no lane can arrive at the next one before it is open).
    barrier_arrived_.store(0, std::memory_order_relaxed);
    barrier_generation_.fetch_add(1, std::memory_order_release);
    return;
  }
  // The lanes of one run do bounded work between barriers, so a waiter spins; it yields
  // its core after a while in case the lane it waits for shares that core.
  for (int spins = 0; barrier_generation_.load(std::memory_order_acquire) == generation; ++spins) {
    if (failed_.load(std::memory_order_acquire)) throw Abandoned{};
    if (spins < kBarrierSpins) {
      CpuRelax();
    } else {
      std::this_thread::yield();
    }
  }
}

}  // namespace concord
