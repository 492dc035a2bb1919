#include "worker/reducer.h"

#include "absl/strings/str_cat.h"

namespace concord {

Reducer::Reducer(comm::Communicator& comm, ReducerOptions options) : comm_(comm), options_(options) {}

absl::Status Reducer::Attach(const std::vector<Tensor>& params) {
  if (!params_.empty()) return absl::FailedPreconditionError("Reducer: Attach called twice");
  params_ = params;
  // Alone, the sum is the gradient itself: no buckets and no hooks, so each .grad stays the
  // trainer's own (backward may adopt its fresh gradients, Note [Adopting gradients]).
  if (comm_.world_size() == 1) return absl::OkStatus();
  bucket_of_.assign(params.size(), -1);
  ready_.assign(params.size(), false);
  if (params.empty()) return absl::OkStatus();
  const DType dtype = params[0].dtype();
  const Device device = params[0].device();
  // Reverse parameter order: the last layer's gradients are final first.
  std::vector<int> current;
  int64_t current_bytes = 0;
  auto close_bucket = [&] {
    if (current.empty()) return;
    int64_t numel = 0;
    for (int p : current) numel += params_[p].numel();
    // The last bucket launched holds parameter 0 (pushed last) and one more element: the
    // stop vote (see Note [Stopping together]).
    const int64_t vote = current.back() == 0 ? 1 : 0;
    Bucket bucket;
    bucket.flat = zeros({numel + vote}, TensorOptions(dtype).device(device));
    int64_t offset = 0;
    for (int p : current) {
      const Tensor& param = params_[p];
      param.set_grad(bucket.flat.narrow(0, offset, param.numel()).view(param.shape()));
      offset += param.numel();
      bucket_of_[p] = static_cast<int>(buckets_.size());
    }
    bucket.params = current;
    bucket.pending = static_cast<int>(current.size());
    buckets_.push_back(std::move(bucket));
    current.clear();
    current_bytes = 0;
  };
  for (int p = static_cast<int>(params.size()) - 1; p >= 0; --p) {
    if (params[p].device() != device) {
      return absl::InvalidArgumentError(StrCat("Reducer: parameter ", p, " is on ", params[p].device().ToString(),
                                               ", parameter 0 on ", device.ToString(),
                                               "; every parameter must be on one device"));
    }
    if (params[p].dtype() != dtype) {
      return absl::InvalidArgumentError(StrCat("Reducer: parameter ", p, " is ", DTypeName(params[p].dtype()),
                                                     ", parameter 0 is ", DTypeName(dtype),
                                                     "; every parameter must share one dtype"));
    }
    current.push_back(p);
    current_bytes += params[p].numel() * static_cast<int64_t>(ElementSize(dtype));
    const int64_t limit = buckets_.empty() ? options_.first_bucket_bytes : options_.bucket_bytes;
    if (current_bytes >= limit) close_bucket();
  }
  close_bucket();
  for (Bucket& bucket : buckets_) {
    absl::StatusOr<int> handle = comm_.RegisterAllReduce(bucket.flat);
    if (!handle.ok()) return handle.status();
    bucket.handle = *handle;
  }
  // Note [Warm buckets]: each bucket's all-reduce runs once here, on its zeros (their sum is
  // zeros again), so the first step does not pay for cold connections and buffers: Gloo's
  // bucket mesh is a set of connections of its own, unused until then (the initial parameter
  // broadcast warms only the ordinary one), and its first all-reduce of 784-1024-10's 3.2 MB
  // bucket took 19-20 ms, against about 1 ms from the second on. It also makes Attach a
  // collective: a rank whose peers never attach fails here, within the timeout.
  for (Bucket& bucket : buckets_) {
    if (absl::Status s = comm_.AllReduceRegisteredAsync(bucket.handle)->Wait(options_.timeout); !s.ok()) return s;
  }
  for (size_t p = 0; p < params.size(); ++p) {
    params[p].register_grad_ready_hook([this, p](const Tensor&) { OnGradReady(static_cast<int>(p)); });
  }
  return absl::OkStatus();
}

void Reducer::OnGradReady(int param) {
  if (ready_[param]) return;
  ready_[param] = true;
  --buckets_[bucket_of_[param]].pending;
  LaunchReadyBuckets();
}

void Reducer::LaunchReadyBuckets() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].pending == 0) {
    Bucket& bucket = buckets_[next_launch_++];
    if (next_launch_ == buckets_.size()) {
      // The stop vote, last element of the last bucket (see Note [Stopping together]).
      bucket.flat.narrow(0, bucket.flat.numel() - 1, 1).fill_(vote_stop_ ? 1 : 0);
    }
    bucket.work = comm_.AllReduceRegisteredAsync(bucket.handle);
  }
}

absl::Status Reducer::Finish() {
  if (comm_.world_size() == 1) {
    stop_agreed_ = vote_stop_;
    return absl::OkStatus();
  }
  // Parameters that got no gradient this step: their (lazily zeroed) views must hold zeros.
  for (size_t p = 0; p < params_.size(); ++p) {
    if (!ready_[p]) {
      params_[p].grad();  // fills the zeros (see autograd::ZeroGrad)
      OnGradReady(static_cast<int>(p));
    }
  }
  absl::Status status = absl::OkStatus();
  for (Bucket& bucket : buckets_) {
    if (bucket.work) {
      absl::Status s = bucket.work->Wait(options_.timeout);
      if (!s.ok() && status.ok()) status = s;
      bucket.work.reset();
    }
    bucket.pending = static_cast<int>(bucket.params.size());
  }
  std::fill(ready_.begin(), ready_.end(), false);
  next_launch_ = 0;
  if (status.ok() && !buckets_.empty()) {
    const Tensor& flat = buckets_.back().flat;
    stop_agreed_ = flat.narrow(0, flat.numel() - 1, 1).item() > 0;
  }
  return status;
}

std::vector<std::vector<int>> Reducer::bucket_layout() const {
  std::vector<std::vector<int>> layout;
  for (const Bucket& b : buckets_) layout.push_back(b.params);
  return layout;
}

}  // namespace concord
