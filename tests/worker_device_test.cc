// The worker's --device flag (worker/device.h) on this machine, with or without a GPU.
#include "worker/device.h"

#include <string>

#include "gtest/gtest.h"
#include "tensor/cuda/runtime.h"

namespace concord {
namespace {

int VisibleGpus() {
  absl::StatusOr<int> count = CudaDeviceCount();
  return count.ok() ? *count : 0;
}

TEST(ResolveDeviceTest, CpuIsAlwaysCpu) {
  absl::StatusOr<Device> d = ResolveDevice("cpu", 3);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, Device::Cpu());
}

TEST(ResolveDeviceTest, AutoPicksAGpuByRankOrTheCpu) {
  const int gpus = VisibleGpus();
  for (int rank : {0, 1, 5}) {
    absl::StatusOr<Device> d = ResolveDevice("auto", rank);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(*d, gpus > 0 ? Device::Cuda(rank % gpus) : Device::Cpu()) << "rank " << rank;
  }
}

TEST(ResolveDeviceTest, UnknownNamesAreRejected) {
  for (std::string bad : {"gpu", "cuda:", "cuda:-1", "tpu:0", ""}) {
    absl::StatusOr<Device> d = ResolveDevice(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(d.status().message().find("expected cpu, cuda, cuda:N or auto"), std::string::npos)
        << d.status().message();
  }
}

TEST(ResolveDeviceTest, AGpuWhereThereIsNoneCarriesCudasReason) {
  absl::StatusOr<int> count = CudaDeviceCount();
  if (count.ok() && *count > 0) GTEST_SKIP() << "a GPU is present";
  absl::StatusOr<Device> d = ResolveDevice("cuda:0");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string message(d.status().message());
  EXPECT_NE(message.find("--device=cuda:0: no usable CUDA device: "), std::string::npos) << message;
  // CUDA's own words follow (e.g. "CUDA driver version is insufficient ...").
  EXPECT_NE(message.find(std::string(count.status().message())), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
}

TEST(ResolveDeviceTest, AnOrdinalPastTheVisibleGpusIsRejected) {
  const int gpus = VisibleGpus();
  if (gpus == 0) GTEST_SKIP() << "no GPU: " << CudaDeviceCount().status();
  absl::StatusOr<Device> d = ResolveDevice("cuda:" + std::to_string(gpus));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<Device> first = ResolveDevice("cuda");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, Device::Cuda(0));
}

}  // namespace
}  // namespace concord
