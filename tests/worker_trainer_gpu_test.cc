// Trainer on a GPU: Create's warm-up (Note [GPU warm-up] in worker/trainer.cc) leaves the model
// exactly as drawn and its gradients zero, and steps on cuda:0 follow the same steps on the CPU.
// Skips where no GPU is visible.
#include <vector>

#include "gtest/gtest.h"
#include "tensor/cuda/runtime.h"
#include "worker/trainer.h"

namespace concord {
namespace {

JobConfig SmallConfig() {
  JobConfig c;
  c.add_hidden(64);
  c.add_hidden(32);
  c.set_batch_size(48);
  c.set_lr(0.2);
  c.set_momentum(0.9);
  c.set_seed(5);
  return c;
}

class TrainerGpuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<int> count = CudaDeviceCount();
    if (!count.ok() || *count == 0) GTEST_SKIP() << "no GPU: " << count.status();
  }
};

TEST_F(TrainerGpuTest, CreateLeavesTheWeightsAsDrawnAndTheGradientsZero) {
  auto cpu = Trainer::Create(SmallConfig(), 20, 4).value();
  absl::StatusOr<std::unique_ptr<Trainer>> gpu = Trainer::Create(SmallConfig(), 20, 4, Device::Cuda(0));
  ASSERT_TRUE(gpu.ok()) << gpu.status();
  std::vector<Tensor> a = cpu->model().parameters(), b = (*gpu)->model().parameters();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(b[i].device(), Device::Cuda(0)) << i;
    EXPECT_TRUE(a[i].equal(b[i].to(Device::Cpu()))) << "parameter " << i;
    ASSERT_TRUE(b[i].grad().defined()) << i;
    EXPECT_EQ(b[i].grad().abs().sum().to(Device::Cpu()).item(), 0.0) << "gradient " << i;
  }
}

TEST_F(TrainerGpuTest, StepsOnTheGpuFollowTheCpu) {
  auto cpu = Trainer::Create(SmallConfig(), 20, 4).value();
  // One of 3 workers: warmed up on shards of 16, then stepping on whole batches of 48 all the same.
  auto gpu = Trainer::Create(SmallConfig(), 20, 4, Device::Cuda(0), /*world_size=*/3).value();
  Generator gen(11);
  for (int step = 0; step < 5; ++step) {
    Tensor x = rand({48, 20}, gen);
    std::vector<int64_t> labels(48);
    for (int64_t& l : labels) l = static_cast<int64_t>(gen.NextBelow(4));
    Tensor y = from_vector(labels, {48});
    absl::StatusOr<double> a = cpu->StepOn(x, y, 48);
    absl::StatusOr<double> b = gpu->StepOn(x, y, 48);  // copied to the GPU by the step
    ASSERT_TRUE(a.ok() && b.ok()) << a.status() << " " << b.status();
    EXPECT_NEAR(*a, *b, 1e-4 * std::abs(*a)) << "step " << step;
  }
  std::vector<Tensor> a = cpu->model().parameters(), b = gpu->model().parameters();
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(a[i].allclose(b[i].to(Device::Cpu()), 1e-4, 1e-5)) << "parameter " << i;
  }
}

}  // namespace
}  // namespace concord
