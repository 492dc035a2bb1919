// The training step's memory plan: gradients are allocated up front (allocate_grads), and
// after the first step a 784-100-10 MLP's forward, backward and SGD update on a batch of 100
// take every tensor buffer from the caching allocator (tensor/allocator.h) and none from the
// system allocator. (Small bookkeeping objects -- shape vectors, graph nodes -- still use the
// ordinary heap.) Each thread keeps its own cache in front of the shared one; blocks move
// between threads through the shared cache, and a thread's exit hands its blocks on.
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tensor/allocator.h"
#include "tensor/functions.h"
#include "tensor/nn/loss.h"
#include "tensor/nn/sequential.h"
#include "tensor/optim/sgd.h"

namespace concord {
namespace {

TEST(AllocationTest, MlpStepAllocatesNothingFromTheSystemAfterTheFirst) {
  Generator gen(42);
  auto mlp = nn::MakeMlp({784, 100, 10}, nn::Activation::kRelu, nn::Init::kHe, gen);
  mlp->allocate_grads();
  auto sgd = optim::Sgd::Create(mlp->parameters(), {.lr = 0.1}).value();
  Tensor x = rand({100, 784}, gen);
  Tensor labels = (rand({100}, gen) * 10).to(kInt64);

  auto step = [&] {
    Tensor loss = nn::cross_entropy(mlp->Forward(x), labels);
    loss.backward();
    sgd->Step();
    sgd->ZeroGrad();
    return loss.item();
  };
  double first_loss = step();
  const AllocatorStats after_first = CpuAllocator::Get().stats();
  double loss = first_loss;
  for (int i = 0; i < 5; ++i) {
    loss = step();
    const AllocatorStats now = CpuAllocator::Get().stats();
    EXPECT_EQ(now.system_allocations, after_first.system_allocations) << "step " << i + 2;
    EXPECT_EQ(now.bytes_in_use, after_first.bytes_in_use) << "memory grows from step to step";
  }
  EXPECT_LT(loss, first_loss);  // and it really trained
}

TEST(AllocationTest, WithoutAPlanGradientsAreAllocatedByTheFirstBackward) {
  Generator gen(1);
  auto mlp = nn::MakeMlp({8, 4, 2}, nn::Activation::kRelu, nn::Init::kHe, gen);
  EXPECT_FALSE(mlp->parameters()[0].grad().defined());
  mlp->allocate_grads();
  Tensor g = mlp->parameters()[0].grad();
  ASSERT_TRUE(g.defined());
  EXPECT_EQ(g.sum().item(), 0.0);
  const void* storage = g.raw_data();
  nn::cross_entropy(mlp->Forward(rand({3, 8}, gen)), tensor({0, 1, 1})).backward();
  EXPECT_EQ(mlp->parameters()[0].grad().raw_data(), storage);  // accumulated in place
  EXPECT_NE(mlp->parameters()[0].grad().abs().sum().item(), 0.0);
}

TEST(AllocationTest, CacheReusesFreedBlocksAndCanBeEmptied) {
  CpuAllocator& allocator = CpuAllocator::Get();
  { Tensor warm = empty({1000}); }
  AllocatorStats before = allocator.stats();
  { Tensor again = empty({1000}); }
  AllocatorStats after = allocator.stats();
  EXPECT_EQ(after.system_allocations, before.system_allocations);
  EXPECT_EQ(after.cache_hits, before.cache_hits + 1);
  allocator.EmptyCache();
  EXPECT_EQ(allocator.stats().bytes_cached, 0);
  { Tensor fresh = empty({1000}); }
  EXPECT_EQ(allocator.stats().system_allocations, after.system_allocations + 1);
}

// The tests below start from empty caches, so no block an earlier test cached can serve their
// requests (a cached block serves any request of half its size up to its size).
constexpr size_t kBlock = CpuAllocator::kThreadCacheBlocks;
constexpr int64_t kElements = 4000;

// The bytes a block for n float32 elements takes: 64-byte multiples.
int64_t BlockBytes(int64_t n) { return (n * 4 + 63) / 64 * 64; }

TEST(AllocationTest, AThreadsOwnCacheServesItsNextRequests) {
  CpuAllocator& allocator = CpuAllocator::Get();
  allocator.EmptyCache();
  std::thread([&] {
    { Tensor warm = empty({kElements}); }
    const AllocatorStats before = allocator.stats();
    { Tensor again = empty({kElements}); }
    const AllocatorStats after = allocator.stats();
    EXPECT_EQ(after.system_allocations, before.system_allocations);
    EXPECT_EQ(after.cache_hits, before.cache_hits + 1);
    EXPECT_EQ(after.bytes_in_use, before.bytes_in_use);
  }).join();
}

TEST(AllocationTest, AFullThreadCacheEvictsIntoTheSharedCacheWhereOtherThreadsFindTheBlocks) {
  CpuAllocator& allocator = CpuAllocator::Get();
  allocator.EmptyCache();
  constexpr size_t kSpilled = 5;
  absl::Notification freed, done;
  std::thread producer([&] {
    std::vector<Tensor> blocks;
    for (size_t i = 0; i < kBlock + kSpilled; ++i) blocks.push_back(empty({kElements}));
    blocks.clear();  // the last kBlock freed stay in this thread's cache, the first kSpilled go on
    freed.Notify();
    done.WaitForNotification();  // alive, so its own cache is not handed on yet
  });
  freed.WaitForNotification();
  const AllocatorStats before = allocator.stats();
  std::vector<Tensor> taken;
  for (size_t i = 0; i < kSpilled; ++i) taken.push_back(empty({kElements}));
  EXPECT_EQ(allocator.stats().system_allocations, before.system_allocations) << "the spilled blocks";
  taken.push_back(empty({kElements}));
  EXPECT_EQ(allocator.stats().system_allocations, before.system_allocations + 1)
      << "the producer's own cache is not this thread's";
  done.Notify();
  producer.join();
}

TEST(AllocationTest, AnExitingThreadHandsItsBlocksOnAndTheCountsAddUp) {
  CpuAllocator& allocator = CpuAllocator::Get();
  allocator.EmptyCache();
  Tensor from_there;
  const AllocatorStats start = allocator.stats();
  std::thread([&] {
    from_there = empty({kElements});  // left for the test's thread to free
    { Tensor cached = empty({kElements}); }
  }).join();
  const AllocatorStats after_exit = allocator.stats();
  EXPECT_EQ(after_exit.bytes_in_use - start.bytes_in_use, BlockBytes(kElements)) << "the block it allocated and left";
  const AllocatorStats before = allocator.stats();
  { Tensor reused = empty({kElements}); }
  EXPECT_EQ(allocator.stats().system_allocations, before.system_allocations) << "the exited thread's block";
  from_there = Tensor();
  EXPECT_EQ(allocator.stats().bytes_in_use, start.bytes_in_use);
}

TEST(AllocationTest, EmptyCacheEmptiesEveryThreadsCache) {
  CpuAllocator& allocator = CpuAllocator::Get();
  allocator.EmptyCache();
  absl::Notification freed, emptied, done;
  std::thread holder([&] {
    { Tensor cached = empty({kElements}); }
    freed.Notify();
    emptied.WaitForNotification();
    const AllocatorStats before = allocator.stats();
    { Tensor again = empty({kElements}); }
    EXPECT_EQ(allocator.stats().system_allocations, before.system_allocations + 1) << "its cache was emptied";
    done.Notify();
  });
  freed.WaitForNotification();
  allocator.EmptyCache();
  EXPECT_EQ(allocator.stats().bytes_cached, 0);
  emptied.Notify();
  done.WaitForNotification();
  holder.join();
}

}  // namespace
}  // namespace concord
