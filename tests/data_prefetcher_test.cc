// Prefetcher: batches gathered on its thread equal a direct Gather, buffers alternate, and a
// bad index or a Wait without Start is an error, not a crash or a hang.
#include "gtest/gtest.h"
#include "tensor/cuda/runtime.h"
#include "tensor/data/prefetcher.h"

namespace concord::data {
namespace {

Dataset Tiny() {
  std::vector<uint8_t> images(10 * 3), labels(10);
  for (size_t i = 0; i < images.size(); ++i) images[i] = static_cast<uint8_t>(i * 5);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<uint8_t>(i % 4);
  return Dataset::FromBytes(images, labels, 3, 4, "tiny").value();
}

void ExpectDirectGathers(Device device) {
  Dataset d = Tiny();
  Prefetcher p(d, {}, device);
  // The last batch is smaller: new buffers mid-run.
  std::vector<std::vector<int64_t>> batches = {{3, 1, 4}, {0, 9, 8}, {7, 7, 2, 5}, {6}};
  p.Start(batches[0]);
  for (size_t b = 0; b < batches.size(); ++b) {
    absl::StatusOr<Batch> got = p.Wait();
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->x.device(), device);
    // The batch is read (on its device) before the batch after next starts, as training does.
    Tensor gx = got->x.cpu(), gy = got->y.cpu();
    if (b + 1 < batches.size()) p.Start(batches[b + 1]);
    Tensor x, y;
    d.Gather(batches[b].data(), static_cast<int64_t>(batches[b].size()), {}, &x, &y);
    EXPECT_TRUE(gx.equal(x)) << "batch " << b;
    EXPECT_TRUE(gy.equal(y)) << "batch " << b;
  }
}

TEST(PrefetcherTest, MatchesADirectGatherBatchAfterBatch) { ExpectDirectGathers(Device::Cpu()); }

// On a GPU: gathered into pinned memory, copied on a side stream, returned on the device.
TEST(PrefetcherTest, GpuBatchesMatchADirectGather) {
  absl::StatusOr<int> gpus = CudaDeviceCount();
  if (!gpus.ok() || *gpus == 0) GTEST_SKIP() << "no GPU: " << gpus.status();
  ExpectDirectGathers(Device::Cuda(0));
}

TEST(PrefetcherTest, ErrorsAreStatuses) {
  Dataset d = Tiny();
  Prefetcher p(d, {});
  EXPECT_EQ(p.Wait().status().code(), absl::StatusCode::kFailedPrecondition);
  std::vector<int64_t> bad = {1, 10};
  p.Start(bad);
  absl::StatusOr<Batch> got = p.Wait();
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("sample index 10"), absl::string_view::npos) << got.status();
  // It keeps working after an error.
  std::vector<int64_t> good = {2};
  p.Start(good);
  EXPECT_TRUE(p.Wait().ok());
}

}  // namespace
}  // namespace concord::data
