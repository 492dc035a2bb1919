// Rendezvous stores (worker/comm): InMemoryStore's Set/Get/Wait and their deadlines, PrefixStore
// scoping, many threads waiting on one key, and GlooStoreAdapter's conversion of a failed
// Status into an exception that carries it.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "worker/comm/gloo_store_adapter.h"
#include "worker/comm/in_memory_store.h"
#include "worker/comm/prefix_store.h"

namespace concord::comm {
namespace {

TEST(InMemoryStoreTest, SetThenGetReturnsTheValue) {
  InMemoryStore store;
  ASSERT_TRUE(store.Set("a", "1").ok());
  absl::StatusOr<std::string> value = store.Get("a", absl::ZeroDuration());
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, "1");
}

TEST(InMemoryStoreTest, SetReplacesAndKeepsBinaryBytes) {
  InMemoryStore store;
  ASSERT_TRUE(store.Set("k", "old").ok());
  const std::string bytes("\0\x01\xff zero", 8);
  ASSERT_TRUE(store.Set("k", bytes).ok());
  EXPECT_EQ(store.Get("k", absl::ZeroDuration()).value(), bytes);
  EXPECT_EQ(store.size(), 1u);
}

TEST(InMemoryStoreTest, GetTimesOutWithDeadlineExceededNamingTheKey) {
  InMemoryStore store;
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> value = store.Get("job/3/missing", absl::Milliseconds(100));
  const absl::Duration elapsed = absl::Now() - start;
  ASSERT_EQ(value.status().code(), absl::StatusCode::kDeadlineExceeded) << value.status();
  EXPECT_NE(value.status().message().find("'job/3/missing'"), absl::string_view::npos)
      << value.status();
  EXPECT_GE(elapsed, absl::Milliseconds(90));
  EXPECT_LT(elapsed, absl::Seconds(5));
}

TEST(InMemoryStoreTest, GetWaitsForALaterSet) {
  InMemoryStore store;
  std::thread setter([&] {
    absl::SleepFor(absl::Milliseconds(50));
    ASSERT_TRUE(store.Set("late", "v").ok());
  });
  absl::StatusOr<std::string> value = store.Get("late", absl::Seconds(10));
  setter.join();
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, "v");
}

TEST(InMemoryStoreTest, WaitReturnsOnceEveryKeyExists) {
  InMemoryStore store;
  EXPECT_TRUE(store.Wait({}, absl::ZeroDuration()).ok());
  ASSERT_TRUE(store.Set("x", "").ok());
  std::thread setter([&] {
    absl::SleepFor(absl::Milliseconds(30));
    ASSERT_TRUE(store.Set("y", "").ok());
    absl::SleepFor(absl::Milliseconds(30));
    ASSERT_TRUE(store.Set("z", "").ok());
  });
  absl::Status status = store.Wait({"x", "y", "z"}, absl::Seconds(10));
  setter.join();
  EXPECT_TRUE(status.ok()) << status;
}

TEST(InMemoryStoreTest, WaitTimeoutNamesOnlyTheMissingKeys) {
  InMemoryStore store;
  ASSERT_TRUE(store.Set("present", "").ok());
  absl::Status status = store.Wait({"present", "absent"}, absl::Milliseconds(50));
  ASSERT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_NE(status.message().find("'absent'"), absl::string_view::npos) << status;
  EXPECT_EQ(status.message().find("'present'"), absl::string_view::npos) << status;
}

TEST(InMemoryStoreTest, ManyConcurrentWaitersAllWakeOnOneSet) {
  InMemoryStore store;
  constexpr int kWaiters = 16;
  std::atomic<int> woke{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&, i] {
      if (i % 2 == 0) {
        absl::StatusOr<std::string> v = store.Get("go", absl::Seconds(10));
        if (v.ok() && *v == "now") ++woke;
      } else if (store.Wait({"go"}, absl::Seconds(10)).ok()) {
        ++woke;
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(woke.load(), 0);
  ASSERT_TRUE(store.Set("go", "now").ok());
  for (std::thread& t : waiters) t.join();
  EXPECT_EQ(woke.load(), kWaiters);
}

TEST(InMemoryStoreTest, ConcurrentSettersAllLand) {
  InMemoryStore store;
  std::vector<std::thread> setters;
  for (int i = 0; i < 8; ++i) {
    setters.emplace_back([&, i] {
      for (int j = 0; j < 100; ++j) {
        ASSERT_TRUE(store.Set(std::to_string(i) + "/" + std::to_string(j), "v").ok());
      }
    });
  }
  for (std::thread& t : setters) t.join();
  EXPECT_EQ(store.size(), 800u);
}

TEST(PrefixStoreTest, ScopesKeysUnderItsPrefix) {
  InMemoryStore base;
  PrefixStore job(base, "job-7/gen-0");
  ASSERT_TRUE(job.Set("0", "addr").ok());
  EXPECT_EQ(base.Get("job-7/gen-0/0", absl::ZeroDuration()).value(), "addr");
  EXPECT_EQ(job.Get("0", absl::ZeroDuration()).value(), "addr");
  EXPECT_TRUE(job.Wait({"0"}, absl::ZeroDuration()).ok());
}

TEST(PrefixStoreTest, GenerationsAreIsolated) {
  InMemoryStore base;
  PrefixStore gen0(base, "job/gen-0");
  PrefixStore gen1(base, "job/gen-1");
  ASSERT_TRUE(gen0.Set("0", "stale").ok());
  absl::StatusOr<std::string> value = gen1.Get("0", absl::Milliseconds(20));
  ASSERT_EQ(value.status().code(), absl::StatusCode::kDeadlineExceeded);
  // The message names the full key, so the operator sees which generation waited.
  EXPECT_NE(value.status().message().find("'job/gen-1/0'"), absl::string_view::npos)
      << value.status();
  EXPECT_EQ(gen1.Wait({"0"}, absl::Milliseconds(20)).code(),
            absl::StatusCode::kDeadlineExceeded);
  ASSERT_TRUE(gen1.Set("0", "fresh").ok());
  EXPECT_EQ(gen0.Get("0", absl::ZeroDuration()).value(), "stale");
  EXPECT_EQ(gen1.Get("0", absl::ZeroDuration()).value(), "fresh");
}

TEST(PrefixStoreTest, Nests) {
  InMemoryStore base;
  PrefixStore job(base, "job");
  PrefixStore gen(job, "gen-2");
  ASSERT_TRUE(gen.Set("k", "v").ok());
  EXPECT_EQ(base.Get("job/gen-2/k", absl::ZeroDuration()).value(), "v");
}

TEST(GlooStoreAdapterTest, RoundTripsBytes) {
  InMemoryStore store;
  GlooStoreAdapter adapter(store, absl::Seconds(1));
  const std::vector<char> bytes = {'\0', 'a', '\xff'};
  adapter.set("k", bytes);
  adapter.wait({"k"});
  adapter.wait({"k"}, std::chrono::milliseconds(10));
  EXPECT_EQ(adapter.get("k"), bytes);
}

TEST(GlooStoreAdapterTest, FailureThrowsAGlooExceptionCarryingTheStatus) {
  InMemoryStore store;
  GlooStoreAdapter adapter(store, absl::Milliseconds(20));
  try {
    adapter.get("nobody");
    FAIL() << "expected a StoreException";
  } catch (const gloo::IoException& e) {  // what Gloo's callers see
    const auto* store_error = dynamic_cast<const StoreException*>(&e);
    ASSERT_NE(store_error, nullptr);
    EXPECT_EQ(store_error->status().code(), absl::StatusCode::kDeadlineExceeded);
    EXPECT_NE(std::string(e.what()).find("'nobody'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(adapter.wait({"nobody"}, std::chrono::milliseconds(10)), StoreException);
  // Gloo's "no timeout" (zero) means the adapter's default, never forever.
  EXPECT_THROW(adapter.wait({"nobody"}, std::chrono::milliseconds(0)), StoreException);
}

}  // namespace
}  // namespace concord::comm
