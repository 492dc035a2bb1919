#include "common/lanes.h"

#include <atomic>
#include <memory>
#include <string>
#include <chrono>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace concord {
namespace {

TEST(LanesTest, EveryLaneRunsOnceOnItsOwnThreadLaneZeroOnTheCaller) {
  for (int n : {1, 2, 3, 5}) {
    Lanes lanes(n);
    ASSERT_EQ(lanes.size(), n);
    std::vector<int> calls(n, 0);
    std::vector<std::thread::id> ids(n);
    lanes.Run([&](int lane) {
      ++calls[lane];
      ids[lane] = std::this_thread::get_id();
    });
    EXPECT_EQ(calls, std::vector<int>(n, 1)) << "n=" << n;
    EXPECT_EQ(ids[0], std::this_thread::get_id());
    EXPECT_EQ(std::set<std::thread::id>(ids.begin(), ids.end()).size(), static_cast<size_t>(n));
  }
}

TEST(LanesTest, RunReturnsOnlyAfterEveryLaneFinished) {
  Lanes lanes(3);
  std::atomic<int> done{0};
  lanes.Run([&](int lane) {
    std::this_thread::sleep_for(std::chrono::milliseconds(lane == 0 ? 0 : 20 * lane));
    done.fetch_add(1);
  });
  EXPECT_EQ(done.load(), 3);
}

TEST(LanesTest, ManyRunsInARowEachSeeTheirOwnWork) {
  // Back-to-back runs (the spinning hand-off) and runs after a pause (the sleeping one).
  Lanes lanes(2);
  std::vector<long> sums(2, 0);
  long expected = 0;
  for (int run = 0; run < 20000; ++run) {
    if (run % 5000 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    lanes.Run([&](int lane) { sums[lane] += run; });
    expected += run;
  }
  EXPECT_EQ(sums[0], expected);
  EXPECT_EQ(sums[1], expected);
}

TEST(LanesTest, RethrowsTheLowestLanesExceptionAfterAllFinished) {
  Lanes lanes(3);
  std::atomic<int> finished{0};
  try {
    lanes.Run([&](int lane) {
      finished.fetch_add(1);
      if (lane >= 1) throw std::runtime_error("lane " + std::to_string(lane));
    });
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "lane 1");
  }
  EXPECT_EQ(finished.load(), 3);
  // The lanes still work after a failed run.
  std::vector<int> calls(3, 0);
  lanes.Run([&](int lane) { ++calls[lane]; });
  EXPECT_EQ(calls, std::vector<int>(3, 1));
}

TEST(LanesTest, BarrierHoldsEveryLaneUntilAllArrive) {
  // Each lane writes its slot, meets the others, then reads every slot: without the barrier a
  // lane would read a slot still holding the previous round's value. Many rounds per run, and
  // many runs, with lanes of uneven speed.
  for (int n : {1, 2, 3}) {
    Lanes lanes(n);
    std::vector<std::atomic<int>> slots(n);
    std::vector<int> wrong(n, 0);
    for (int run = 0; run < 50; ++run) {
      lanes.Run([&](int lane) {
        for (int round = 1; round <= 20; ++round) {
          if (lane == (run + round) % n) {
            volatile int spin = 0;
            while (spin < 2000) spin = spin + 1;
          }
          slots[lane].store(run * 100 + round, std::memory_order_relaxed);
          lanes.Barrier();
          for (int k = 0; k < n; ++k) wrong[lane] += slots[k].load(std::memory_order_relaxed) != run * 100 + round;
          lanes.Barrier();  // nobody writes the next round's value before all have read
        }
      });
    }
    EXPECT_EQ(wrong, std::vector<int>(n, 0)) << "n=" << n;
  }
}

TEST(LanesTest, ALaneThatFailsReleasesTheOthersFromTheBarrier) {
  // Lane 2 throws instead of reaching the barrier: lanes 0 and 1 must not wait for it forever,
  // and Run reports lane 2's error, not the others' release from the barrier.
  Lanes lanes(3);
  std::atomic<int> after_barrier{0};
  try {
    lanes.Run([&](int lane) {
      if (lane == 2) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the others wait first
        throw std::runtime_error("lane 2 failed");
      }
      lanes.Barrier();
      after_barrier.fetch_add(1);
    });
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "lane 2 failed");
  }
  EXPECT_EQ(after_barrier.load(), 0);
  // The next run's barrier works again.
  std::atomic<int> passed{0};
  lanes.Run([&](int) {
    lanes.Barrier();
    passed.fetch_add(1);
  });
  EXPECT_EQ(passed.load(), 3);
}

TEST(LanesTest, DestroyedWhileItsThreadsSleep) {
  auto lanes = std::make_unique<Lanes>(4);
  lanes->Run([](int) {});
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // past the spin: they sleep
  lanes.reset();                                               // joins; must not hang
  SUCCEED();
}

}  // namespace
}  // namespace concord
