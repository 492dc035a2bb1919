// Trainer: the loss of a step is normalised by the GLOBAL batch (two half-batch shards with
// their gradients summed give exactly one whole-batch step: the data-parallel invariant),
// checkpoints restore everything, and resuming continues the same run.
#include <cmath>
#include <filesystem>
#include <functional>
#include <numeric>

#include "gtest/gtest.h"
#include "tensor/autograd/graph.h"
#include "tensor/nn/loss.h"
#include "tensor/nn/state_dict.h"
#include "worker/batch_feed.h"
#include "worker/trainer.h"

namespace concord {
namespace {

// A small synthetic dataset: 64 samples of 20 features, 4 classes.
data::Dataset Synthetic(int64_t n = 64) {
  std::vector<uint8_t> images(n * 20), labels(n);
  Generator gen(9);
  for (auto& p : images) p = static_cast<uint8_t>(gen.NextBelow(256));
  for (auto& l : labels) l = static_cast<uint8_t>(gen.NextBelow(4));
  return data::Dataset::FromBytes(images, labels, 20, 4, "synthetic").value();
}

JobConfig SmallConfig() {
  JobConfig c;
  c.add_hidden(16);
  c.set_lr(0.5);
  c.set_momentum(0.9);
  c.set_seed(3);
  return c;
}

std::vector<int64_t> Range(int64_t a, int64_t b) {
  std::vector<int64_t> v(b - a);
  std::iota(v.begin(), v.end(), a);
  return v;
}

// Sums gradients over several "workers" by hand: each shard's backward adds into .grad.
class SumShards : public GradientSync {
 public:
  absl::Status Attach(const std::vector<Tensor>&) override { return absl::OkStatus(); }
  absl::Status Finish() override { return absl::OkStatus(); }
};

TEST(TrainerTest, ShardsNormalisedByTheGlobalBatchSumToOneWholeBatchStep) {
  data::Dataset d = Synthetic();
  auto whole = Trainer::Create(SmallConfig(), 20, 4).value();
  auto sharded = Trainer::Create(SmallConfig(), 20, 4).value();
  std::vector<int64_t> batch = Range(0, 32);
  ASSERT_TRUE(whole->Step(d, batch, 32).ok());

  // The sharded trainer: backward of each half with divisor 32, gradients accumulating, then
  // one optimizer step -- what W = 2 workers plus an all-reduce compute.
  auto& model = sharded->model();
  for (int half = 0; half < 2; ++half) {
    Tensor x, y;
    std::vector<int64_t> shard = Range(half * 16, half * 16 + 16);
    d.Gather(shard.data(), 16, {}, &x, &y);
    nn::cross_entropy(model.Forward(x), y, 32.0).backward();
  }
  sharded->optimizer().Step();
  std::vector<Tensor> a = whole->model().parameters(), b = model.parameters();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(a[i].allclose(b[i], 1e-5, 1e-6)) << i;
}

TEST(TrainerTest, AWorldSizeBelowOneIsRefused) {
  absl::StatusOr<std::unique_ptr<Trainer>> t = Trainer::Create(SmallConfig(), 20, 4, Device::Cpu(), 0);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(), "trainer: expected a world size of at least 1, got 0");
}

TEST(TrainerTest, TrainingReducesTheLossAndEvaluateCounts) {
  data::Dataset d = Synthetic();
  auto t = Trainer::Create(SmallConfig(), 20, 4).value();
  EvalResult before = t->Evaluate(d);
  EXPECT_EQ(before.count, 64);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(t->Step(d, Range(0, 64), 64).ok());
  EvalResult after = t->Evaluate(d);
  EXPECT_LT(after.mean_loss(), before.mean_loss());
  EXPECT_GT(after.accuracy(), before.accuracy());
}

TEST(TrainerTest, CheckpointRoundTripAndResumeGivesTheSameParameters) {
  const std::string path = testing::TempDir() + "/trainer.ckpt";
  data::Dataset d = Synthetic();
  auto straight = Trainer::Create(SmallConfig(), 20, 4).value();
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(straight->Step(d, Range(8 * (i % 4), 8 * (i % 4) + 8), 8).ok());

  auto first = Trainer::Create(SmallConfig(), 20, 4).value();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(first->Step(d, Range(8 * (i % 4), 8 * (i % 4) + 8), 8).ok());
  ASSERT_TRUE(first->SaveCheckpoint(path, {.epoch = 0, .next_batch = 3, .step = 3}).ok());
  auto second = Trainer::Create(SmallConfig(), 20, 4).value();
  absl::StatusOr<TrainingState> state = second->LoadCheckpoint(path);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->next_batch, 3);
  EXPECT_EQ(state->step, 3);
  for (int i = 3; i < 6; ++i) ASSERT_TRUE(second->Step(d, Range(8 * (i % 4), 8 * (i % 4) + 8), 8).ok());
  std::vector<Tensor> a = straight->model().parameters(), b = second->model().parameters();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(a[i].equal(b[i])) << "parameter " << i;
}

TEST(TrainerTest, BadCheckpointsLeaveTheTrainerUnchanged) {
  const std::string dir = testing::TempDir();
  auto t = Trainer::Create(SmallConfig(), 20, 4).value();
  std::vector<Tensor> before;
  for (const Tensor& p : t->model().parameters()) before.push_back(p.clone());
  // Another model's checkpoint.
  JobConfig other = SmallConfig();
  other.set_hidden(0, 8);
  ASSERT_TRUE(Trainer::Create(other, 20, 4).value()->SaveCheckpoint(dir + "/other.ckpt", {}).ok());
  absl::StatusOr<TrainingState> s = t->LoadCheckpoint(dir + "/other.ckpt");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("model expects"), absl::string_view::npos) << s.status();
  // Another seed's checkpoint.
  JobConfig seeded = SmallConfig();
  seeded.set_seed(99);
  ASSERT_TRUE(Trainer::Create(seeded, 20, 4).value()->SaveCheckpoint(dir + "/seed.ckpt", {}).ok());
  s = t->LoadCheckpoint(dir + "/seed.ckpt");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("seed 99"), absl::string_view::npos);
  // A valid file (checksum and all) with entries this trainer doesn't know: an error naming
  // the entry, not a crash.
  for (std::string name : {"optimizer.momentum.x", "optimizer.momentum.99", "surprise"}) {
    ASSERT_TRUE(nn::SaveTensors(dir + "/odd.ckpt", {{name, zeros({1})}}).ok());
    s = t->LoadCheckpoint(dir + "/odd.ckpt");
    ASSERT_FALSE(s.ok()) << name;
    EXPECT_NE(s.status().message().find("unexpected checkpoint entry '" + name + "'"), absl::string_view::npos)
        << s.status();
  }
  // A missing file.
  EXPECT_FALSE(t->LoadCheckpoint(dir + "/none.ckpt").ok());
  std::vector<Tensor> after = t->model().parameters();
  for (size_t i = 0; i < after.size(); ++i) EXPECT_TRUE(after[i].equal(before[i]));
}

// ---- Threads: the feature and batch splits (worker/lane_split.h) ------------------------

JobConfig ThreadedConfig(int threads, const std::string& split) {
  JobConfig c = SmallConfig();
  c.set_threads(threads);
  c.set_thread_split(split);
  return c;
}

TEST(TrainerTest, TwoOrThreeThreadsSplittingEachStepTrainAsOneThreadDoes) {
  data::Dataset d = Synthetic(64);
  auto one = Trainer::Create(ThreadedConfig(1, "auto"), 20, 4).value();
  ASSERT_FALSE(one->splits_steps());
  EXPECT_EQ(one->thread_split(), "none");
  for (const std::string split_kind : {"features", "batch"}) {
    for (int threads : {2, 3}) {
      const std::string what = split_kind + ", " + std::to_string(threads) + " threads";
      auto split = Trainer::Create(ThreadedConfig(threads, split_kind), 20, 4).value();
      ASSERT_TRUE(split->splits_steps());
      EXPECT_EQ(split->thread_split(), split_kind);
      auto reference = Trainer::Create(ThreadedConfig(1, split_kind), 20, 4).value();
      for (int step = 0; step < 10; ++step) {
        // Uneven batches too (21 rows over 2 or 3 lanes); by indices and by gathered tensors.
        std::vector<int64_t> batch = Range(step * 3, step * 3 + 21);
        absl::StatusOr<double> a = reference->Step(d, batch, 21);
        absl::StatusOr<double> b = step % 2 ? split->Step(d, batch, 21) : [&] {
          Tensor x, y;
          d.Gather(batch.data(), 21, {}, &x, &y);
          return split->StepOn(x, y, 21);
        }();
        ASSERT_TRUE(a.ok() && b.ok()) << a.status() << b.status();
        EXPECT_NEAR(*a, *b, 1e-4 * std::abs(*a)) << what << ", step " << step;
      }
      std::vector<Tensor> pa = reference->model().parameters(), pb = split->model().parameters();
      for (size_t i = 0; i < pa.size(); ++i) {
        EXPECT_TRUE(pa[i].allclose(pb[i], 1e-5, 1e-6)) << what << ", parameter " << i;
      }
      // Evaluation on the lanes counts the same.
      EvalResult ea = reference->Evaluate(d), eb = split->Evaluate(d);
      EXPECT_EQ(ea.count, eb.count);
      EXPECT_EQ(ea.correct, eb.correct) << what;
      EXPECT_NEAR(ea.loss_sum, eb.loss_sum, 1e-4 * ea.loss_sum) << what;
    }
  }
}

// Trains two-lane trainers of each split side by side on the same 5 batches, one without a
// GradientSync and one through the sync `make_sync` returns, and expects the same losses and,
// at the end, bitwise-equal parameters. after_step(sync, trainer, step) checks more.
template <typename Sync>
void ExpectTheSameStepsWithAndWithout(const std::function<void(Sync&, Trainer&, int)>& after_step) {
  data::Dataset d = Synthetic(64);
  for (const std::string split_kind : {"features", "batch"}) {
    SCOPED_TRACE(split_kind);
    auto plain = Trainer::Create(ThreadedConfig(2, split_kind), 20, 4).value();
    auto synced = Trainer::Create(ThreadedConfig(2, split_kind), 20, 4).value();
    Sync sync;
    ASSERT_TRUE(synced->SetGradientSync(&sync).ok());
    for (int i = 0; i < 5; ++i) {
      const std::vector<int64_t> batch = Range(10 * i, 10 * i + 12);
      absl::StatusOr<double> a = plain->Step(d, batch, 12);
      absl::StatusOr<double> b = synced->Step(d, batch, 12);
      ASSERT_TRUE(a.ok() && b.ok());
      EXPECT_EQ(*a, *b) << "step " << i;
      after_step(sync, *synced, i);
    }
    std::vector<Tensor> pa = plain->model().parameters(), pb = synced->model().parameters();
    for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(pa[i].equal(pb[i])) << "parameter " << i;
  }
}

// Note [Update on the lanes] (worker/trainer.cc): with no GradientSync the split's lanes run
// the optimizer's parts in the backward's run; with one, in a run of their own after Finish().
// The arithmetic is the same, so the parameters (and momentum) agree to the bit.
TEST(TrainerTest, TheUpdateOnTheBackwardsLanesEqualsTheUpdateAfterwards) {
  ExpectTheSameStepsWithAndWithout<SumShards>([](SumShards&, Trainer&, int) {});
}

// A sync of one replica (the Reducer at world size 1) changes no gradient: the lanes update in
// the backward's run as with no sync, and Finish runs once per step, after the update.
class Alone : public GradientSync {
 public:
  absl::Status Attach(const std::vector<Tensor>& params) override {
    params_ = params;
    return absl::OkStatus();
  }
  absl::Status Finish() override {
    seen.push_back(params_[0].clone());
    return absl::OkStatus();
  }
  bool ChangesGradients() const override { return false; }

  std::vector<Tensor> seen;  // parameter 0 at each Finish

 private:
  std::vector<Tensor> params_;
};

TEST(TrainerTest, ASyncThatChangesNoGradientLetsTheLanesUpdateInTheBackwardsRun) {
  ExpectTheSameStepsWithAndWithout<Alone>([](Alone& sync, Trainer& trainer, int step) {
    ASSERT_EQ(sync.seen.size(), static_cast<size_t>(step + 1));
    // Finish saw this step's update already made.
    EXPECT_TRUE(sync.seen.back().equal(trainer.model().parameters()[0])) << "step " << step;
  });
}

TEST(TrainerTest, AutoSplitsByFeaturesWhereTheModelSuitsItElseByBatch) {
  EXPECT_EQ(Trainer::Create(ThreadedConfig(2, "auto"), 20, 4).value()->thread_split(), "features");
  JobConfig deep = ThreadedConfig(2, "auto");  // most weights after the first two layers
  deep.clear_hidden();
  for (int h : {4, 64, 64}) deep.add_hidden(h);
  EXPECT_EQ(Trainer::Create(deep, 20, 4).value()->thread_split(), "batch");
  JobConfig narrow = ThreadedConfig(3, "auto");  // fewer units than threads
  narrow.clear_hidden();
  narrow.add_hidden(2);
  EXPECT_EQ(Trainer::Create(narrow, 20, 4).value()->thread_split(), "batch");
  // Asked for by name where it cannot work: an error naming the setting.
  narrow.set_thread_split("features");
  absl::StatusOr<std::unique_ptr<Trainer>> t = Trainer::Create(narrow, 20, 4);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("thread_split=features: expected a first hidden layer of at least 3 units"),
            absl::string_view::npos)
      << t.status();
}

TEST(TrainerTest, EvaluateOnLanesCoversEveryChunk) {
  // 2,500 samples: chunks of 1,000, 1,000 and 500 over 2 lanes.
  data::Dataset d = Synthetic(2500);
  auto one = Trainer::Create(ThreadedConfig(1, "auto"), 20, 4).value();
  auto two = Trainer::Create(ThreadedConfig(2, "auto"), 20, 4).value();
  EvalResult a = one->Evaluate(d), b = two->Evaluate(d);
  EXPECT_EQ(b.count, 2500);
  EXPECT_EQ(a.correct, b.correct);
  EXPECT_NEAR(a.loss_sum, b.loss_sum, 1e-4 * a.loss_sum);
}

TEST(TrainerTest, GemmThreadsUseOneForwardAndABadIndexIsAnError) {
  auto gemm_threads = Trainer::Create(ThreadedConfig(2, "gemm"), 20, 4).value();
  EXPECT_FALSE(gemm_threads->splits_steps());
  EXPECT_EQ(gemm_threads->thread_split(), "gemm");
  data::Dataset d = Synthetic(64);
  for (const std::string split_kind : {"features", "batch"}) {
    auto split = Trainer::Create(ThreadedConfig(2, split_kind), 20, 4).value();
    std::vector<int64_t> bad = {0, 1, 64};
    absl::StatusOr<double> s = split->Step(d, bad, 3);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.status().message().find("sample index 64 is outside synthetic's 64 samples [0, 64)"), absl::string_view::npos)
        << s.status();
  }
}

// ---- BatchFeed (worker/batch_feed.h) ------------------------------------------------------

TEST(BatchFeedTest, FeedsTheSameBatchesAsDirectStepsWithOrWithoutAPrefetchThread) {
  data::Dataset d = Synthetic(64);
  for (int threads : {1, 2}) {
    auto fed = Trainer::Create(ThreadedConfig(threads, "auto"), 20, 4).value();
    auto direct = Trainer::Create(ThreadedConfig(threads, "auto"), 20, 4).value();
    BatchFeed feed(*fed, d, {}, Device::Cpu());
    std::vector<std::vector<int64_t>> batches = {Range(0, 16), Range(40, 64), Range(16, 21)};
    feed.Start(batches[0]);
    for (size_t b = 0; b < batches.size(); ++b) {
      std::span<const int64_t> next = b + 1 < batches.size() ? std::span<const int64_t>(batches[b + 1])
                                                              : std::span<const int64_t>();
      absl::StatusOr<double> a = feed.Step(16, next);
      absl::StatusOr<double> want = direct->Step(d, batches[b], 16);
      ASSERT_TRUE(a.ok() && want.ok()) << a.status() << want.status();
      EXPECT_EQ(*a, *want) << threads << " thread(s), batch " << b;
    }
    std::vector<Tensor> pa = fed->model().parameters(), pb = direct->model().parameters();
    for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(pa[i].equal(pb[i])) << threads << " thread(s), parameter " << i;
  }
}

// The same batches whether the next one is gathered ahead on a prefetch thread or at the
// start of its step (Note [Gathering ahead]).
TEST(BatchFeedTest, GatheringAtTheStepFeedsTheSameBatches) {
  data::Dataset d = Synthetic(64);
  auto fed = Trainer::Create(ThreadedConfig(1, "auto"), 20, 4).value();
  auto ahead = Trainer::Create(ThreadedConfig(1, "auto"), 20, 4).value();
  BatchFeed at_step(*fed, d, {}, Device::Cpu(), /*gather_ahead=*/false);
  BatchFeed prefetching(*ahead, d, {}, Device::Cpu(), /*gather_ahead=*/true);
  std::vector<std::vector<int64_t>> batches = {Range(0, 16), Range(40, 64), Range(16, 21)};
  at_step.Start(batches[0]);
  prefetching.Start(batches[0]);
  for (size_t b = 0; b < batches.size(); ++b) {
    std::span<const int64_t> next = b + 1 < batches.size() ? std::span<const int64_t>(batches[b + 1])
                                                            : std::span<const int64_t>();
    absl::StatusOr<double> a = at_step.Step(16, next);
    absl::StatusOr<double> want = prefetching.Step(16, next);
    ASSERT_TRUE(a.ok() && want.ok()) << a.status() << want.status();
    EXPECT_EQ(*a, *want) << "batch " << b;
  }
  std::vector<Tensor> pa = fed->model().parameters(), pb = ahead->model().parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(pa[i].equal(pb[i])) << "parameter " << i;
}

// A prefetch thread only where a CPU is spare for it, or on a GPU.
TEST(BatchFeedTest, GatherAheadOnlyWithASpareCpuOrOnAGpu) {
  EXPECT_TRUE(GatherAhead(Device::Cpu(), 1, 1, 2));    // one worker on two CPUs
  EXPECT_FALSE(GatherAhead(Device::Cpu(), 2, 1, 2));   // two one-thread workers on two CPUs
  EXPECT_FALSE(GatherAhead(Device::Cpu(), 1, 2, 2));   // one worker, a thread per CPU
  EXPECT_FALSE(GatherAhead(Device::Cpu(), 3, 1, 2));   // more ranks than CPUs
  EXPECT_TRUE(GatherAhead(Device::Cpu(), 2, 2, 8));
  EXPECT_TRUE(GatherAhead(Device::Cuda(0), 4, 1, 2));  // the host gathers while the GPU works
}

TEST(BatchFeedTest, ABadIndexIsTheStepsError) {
  data::Dataset d = Synthetic(64);
  for (int threads : {1, 2}) {
    auto t = Trainer::Create(ThreadedConfig(threads, "auto"), 20, 4).value();
    BatchFeed feed(*t, d, {}, Device::Cpu());
    std::vector<int64_t> bad = {3, 99};
    feed.Start(bad);
    absl::StatusOr<double> s = feed.Step(2, {});
    ASSERT_FALSE(s.ok()) << threads << " thread(s)";
    EXPECT_NE(s.status().message().find("99"), absl::string_view::npos) << s.status();
  }
}

}  // namespace
}  // namespace concord
