// File: worker/reducer.h
//
// Reducer: the gradient all-reduce of data-parallel training, a cut-down c10d Reducer
// (STYLE 20). Attach() packs the parameters' gradients, in reverse parameter order (the
// order backward finishes them), into flat buckets: a small first bucket so communication
// starts early, then buckets of about bucket_bytes. Each parameter's .grad becomes a view
// into its bucket, so the all-reduce needs no copies, and a linear layer's backward writes its
// weight gradient straight there (Note [Gradient destinations], tensor/autograd/graph.h), so
// backward needs none either. As backward makes each gradient final,
// its grad-ready hook counts down its bucket; a full bucket's all-reduce starts at once on
// the communicator's thread (buckets strictly in order), overlapping the rest of backward.
// Finish() launches what is left (a parameter that got no gradient contributes zeros) and
// waits for every bucket, with a deadline. Attach is a collective: it runs each bucket's
// all-reduce once, on zeros, to warm the connections (Note [Warm buckets]). With world size 1
// there is nothing to reduce: Attach leaves the gradients alone and makes no buckets.
//
// Note [Stopping together]: a job asked to stop must end at one step on every rank, or a rank
// waits forever in a collective its peers never join. The last bucket launched each step
// carries one extra element, a stop vote: a rank that wants to stop (a signal, or the
// coordinator's word at a heartbeat) votes 1 for the step, and after Finish() every rank
// sees the same sum, so all stop after the same step (PyTorch DDP's join does the like).
#ifndef CONCORD_WORKER_REDUCER_H_
#define CONCORD_WORKER_REDUCER_H_

#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "worker/comm/communicator.h"
#include "worker/trainer.h"

namespace concord {

struct ReducerOptions {
  int64_t bucket_bytes = int64_t{25} << 20;
  int64_t first_bucket_bytes = int64_t{1} << 20;
  absl::Duration timeout = absl::Seconds(60);  // for each step's wait on the buckets
};

class Reducer final : public GradientSync {
 public:
  explicit Reducer(comm::Communicator& comm, ReducerOptions options = {});

  absl::Status Attach(const std::vector<Tensor>& params) override;
  absl::Status Finish() override;
  // Alone (world size 1) there is nothing to sum.
  bool ChangesGradients() const override { return comm_.world_size() > 1; }

  // Parameter indices per bucket, in launch order (for tests and logs); none at world size 1.
  std::vector<std::vector<int>> bucket_layout() const;

  // This rank's stop vote for the current step (see Note [Stopping together]); set before
  // backward. After Finish(): whether any rank voted to stop at this step.
  void VoteStop(bool stop) { vote_stop_ = stop; }
  bool stop_agreed() const { return stop_agreed_; }

 private:
  struct Bucket {
    Tensor flat;               // [numel], the gradients of `params`, back to back
    int handle = -1;           // the communicator's registered all-reduce over `flat`
    std::vector<int> params;   // indices into params_
    int pending = 0;           // gradients not yet final this step
    std::unique_ptr<comm::Work> work;
  };
  void OnGradReady(int param);
  void LaunchReadyBuckets();

  comm::Communicator& comm_;
  ReducerOptions options_;
  std::vector<Tensor> params_;
  std::vector<int> bucket_of_;     // per parameter
  std::vector<bool> ready_;        // per parameter, this step
  std::vector<Bucket> buckets_;
  size_t next_launch_ = 0;
  bool vote_stop_ = false;
  bool stop_agreed_ = false;
};

}  // namespace concord

#endif  // CONCORD_WORKER_REDUCER_H_
