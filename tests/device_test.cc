// File: tests/device_test.cc
//
// Device: construction helpers, equality, ToString ("cpu", "cuda:N") and Parse, which accepts
// "cpu", "cuda" (= cuda:0) and "cuda:N" and returns a non-OK absl::Status for anything else;
// plus the device of CPU tensors and TensorOptions' device field.
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "tensor/device.h"
#include "tensor/functions.h"
#include "tensor/tensor.h"

namespace concord {
namespace {

TEST(DeviceTest, Constructors) {
  EXPECT_TRUE(Device::Cpu().is_cpu());
  EXPECT_FALSE(Device::Cpu().is_cuda());
  EXPECT_EQ(Device::Cpu().index, 0);
  EXPECT_TRUE(Device::Cuda().is_cuda());
  EXPECT_EQ(Device::Cuda().index, 0);
  EXPECT_EQ(Device::Cuda(3).index, 3);
  EXPECT_EQ(Device{}, Device::Cpu());
}

TEST(DeviceTest, Equality) {
  EXPECT_EQ(Device::Cuda(1), Device::Cuda(1));
  EXPECT_NE(Device::Cuda(0), Device::Cuda(1));
  EXPECT_NE(Device::Cpu(), Device::Cuda(0));
}

TEST(DeviceTest, ToString) {
  EXPECT_EQ(Device::Cpu().ToString(), "cpu");
  EXPECT_EQ(Device::Cuda().ToString(), "cuda:0");
  EXPECT_EQ(Device::Cuda(3).ToString(), "cuda:3");
  EXPECT_EQ(Device::Cuda(12).ToString(), "cuda:12");
}

TEST(DeviceTest, ParseCpu) {
  absl::StatusOr<Device> d = Device::Parse("cpu");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->is_cpu());
  EXPECT_EQ(*d, Device::Cpu());
}

TEST(DeviceTest, ParseCudaDefaultsToZero) {
  absl::StatusOr<Device> d = Device::Parse("cuda");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, Device::Cuda(0));
}

TEST(DeviceTest, ParseCudaWithIndex) {
  absl::StatusOr<Device> d = Device::Parse("cuda:1");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->is_cuda());
  EXPECT_EQ(d->index, 1);
  absl::StatusOr<Device> e = Device::Parse("cuda:15");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->index, 15);
}

TEST(DeviceTest, ParseRoundTripsToString) {
  for (Device d : {Device::Cpu(), Device::Cuda(0), Device::Cuda(2), Device::Cuda(10)}) {
    absl::StatusOr<Device> parsed = Device::Parse(d.ToString());
    ASSERT_TRUE(parsed.ok()) << d.ToString() << ": " << parsed.status();
    EXPECT_EQ(*parsed, d);
  }
}

TEST(DeviceTest, ParseRejectsBadStrings) {
  for (const char* text : {"", "gpu", "CPU", "Cuda", "cuda:", "cuda:x", "cuda:-1", "cuda:1x",
                           "cuda:1:2", "cuda1", "cpu1", " cpu", "cuda: 1", "tpu:0"}) {
    absl::StatusOr<Device> d = Device::Parse(text);
    EXPECT_FALSE(d.ok()) << "\"" << text << "\" parsed as " << (d.ok() ? d->ToString() : "");
  }
}

TEST(DeviceTest, ParseErrorMentionsInput) {
  absl::StatusOr<Device> d = Device::Parse("gpu");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(std::string(d.status().message()).find("gpu"), std::string::npos)
      << d.status();
}

TEST(DeviceTest, CpuTensorsLiveOnCpu) {
  EXPECT_EQ(zeros({2}).device(), Device::Cpu());
  EXPECT_EQ(zeros({2}, Device::Cpu()).device(), Device::Cpu());
  EXPECT_EQ(ones({2}, TensorOptions().device(Device::Cpu()).dtype(kInt64)).dtype(), kInt64);
  EXPECT_EQ(zeros({2}).storage()->device(), Device::Cpu());
  EXPECT_EQ(zeros({2}).t().device(), Device::Cpu());
}

TEST(DeviceTest, TensorOptionsDefaults) {
  TensorOptions o;
  EXPECT_EQ(o.dtype_, kFloat32);
  EXPECT_EQ(o.device_, Device::Cpu());
  TensorOptions p = TensorOptions(kInt64).device(Device::Cuda(1));
  EXPECT_EQ(p.dtype_, kInt64);
  EXPECT_EQ(p.device_, Device::Cuda(1));
  TensorOptions q = Device::Cuda(2);
  EXPECT_EQ(q.dtype_, kFloat32);
  EXPECT_EQ(q.device_, Device::Cuda(2));
}

}  // namespace
}  // namespace concord
