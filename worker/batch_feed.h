// File: worker/batch_feed.h
//
// BatchFeed: hands a Trainer its batches one step at a time, the way it takes them fastest.
// Where a CPU is free for it (GatherAhead), they are gathered one batch ahead on a prefetch
// thread (data::Prefetcher, which on a GPU also copies them there) while the current one
// trains. Otherwise the trainer gathers each batch at the start of its step: a trainer whose
// CPU threads split each step does so on those threads (Trainer::splits_steps), and one whose
// ranks fill the machine's CPUs on its training thread (Note [Gathering ahead] in the .cc).
// The standalone and the distributed loops both feed their trainer through this.
//
//   BatchFeed feed(trainer, train, norm, device);
//   feed.Start(batch(0));
//   for (b = 0; b < n; ++b)
//     ASSIGN_OR_RETURN(double loss_sum, feed.Step(global_batch, b + 1 < n ? batch(b + 1) : {}));
#ifndef CONCORD_WORKER_BATCH_FEED_H_
#define CONCORD_WORKER_BATCH_FEED_H_

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "tensor/data/dataset.h"
#include "tensor/data/prefetcher.h"
#include "worker/trainer.h"

namespace concord {

// Whether a prefetch thread may gather the next batch while a step trains: on a GPU always
// (the host gathers while the GPU computes); on the CPU only where the ranks on this machine,
// `threads` each, leave one of its `cpus` spare (ranks_here * threads < cpus).
bool GatherAhead(const Device& device, int ranks_here, int threads, int cpus);

class BatchFeed {
 public:
  // trainer and data must outlive the feed. gather_ahead: see GatherAhead (a trainer that
  // splits its steps gathers on its threads either way).
  BatchFeed(Trainer& trainer, const data::Dataset& data, data::Normalization norm, Device device,
            bool gather_ahead = true);

  // The first batch (indices copied). Once; later batches come through Step's `next`.
  void Start(std::span<const int64_t> indices);
  // One training step (Trainer::Step) on the batch started last, with `next` (copied; empty
  // for none) started meanwhile. The loss sum, or the gather's or the step's error.
  absl::StatusOr<double> Step(int64_t global_batch, std::span<const int64_t> next);

 private:
  Trainer& trainer_;
  const data::Dataset& data_;
  std::optional<data::Prefetcher> prefetcher_;  // none when the trainer gathers its batches
  std::vector<int64_t> current_, pending_;      // the indices it gathers from, otherwise
};

}  // namespace concord

#endif  // CONCORD_WORKER_BATCH_FEED_H_
