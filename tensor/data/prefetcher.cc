#include "tensor/data/prefetcher.h"

#include <cuda_runtime_api.h>

#include "absl/status/status.h"
#include "tensor/cuda/context.h"
#include "tensor/cuda/cuda_check.h"

namespace concord::data {

namespace {

// A failed CUDA call in cuda_check.h's words.
std::string CudaError(const char* what, cudaError_t error) {
  cudaGetLastError();
  return StrCat("Prefetcher: ", cuda_internal::CudaErrorToStatus(error, what, __FILE__, __LINE__).message());
}

}  // namespace

Prefetcher::Prefetcher(const Dataset& data, Normalization norm, Device device)
    : data_(data), norm_(norm), device_(device) {
  if (device_.is_cuda()) {
    cuda::DeviceGuard guard(device_.index);
    for (Batch& slot : host_) {  // Dataset::Gather keeps them pinned as they resize
      slot.x = empty({0, data.features()}, TensorOptions(kFloat32).pinned_memory(true));
      slot.y = empty({0}, TensorOptions(kInt64).pinned_memory(true));
    }
    cudaStream_t side = nullptr;
    cudaError_t error = cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking);
    TENSOR_CHECK(error == cudaSuccess, CudaError("cudaStreamCreateWithFlags", error));
    side_ = side;
    for (void*& done : done_) {
      cudaEvent_t event = nullptr;
      error = cudaEventCreateWithFlags(&event, cudaEventDisableTiming);
      TENSOR_CHECK(error == cudaSuccess, CudaError("cudaEventCreateWithFlags", error));
      done = event;
    }
  }
  thread_ = std::thread([this] { Run(); });
}

Prefetcher::~Prefetcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (side_ != nullptr) {
    cuda::DeviceGuard guard(device_.index);
    cudaStreamSynchronize(static_cast<cudaStream_t>(side_));
    for (void* done : done_) {
      if (done != nullptr) cudaEventDestroy(static_cast<cudaEvent_t>(done));
    }
    cudaStreamDestroy(static_cast<cudaStream_t>(side_));
  }
}

std::string Prefetcher::CopyToDevice(int slot) {
  cuda::DeviceGuard guard(device_.index);
  auto side = static_cast<cudaStream_t>(side_);
  const Batch& host = host_[slot];
  Batch& dev = slots_[slot];
  if (!dev.x.defined() || dev.x.shape() != host.x.shape()) {
    // New device memory may be a block the compute stream has queued work on (freed by the host
    // already, in use on the GPU still): the side stream waits for that work first.
    dev.x = empty(host.x.shape(), TensorOptions(kFloat32).device(device_));
    dev.y = empty(host.y.shape(), TensorOptions(kInt64).device(device_));
    absl::StatusOr<cudaStream_t> compute = cuda::ComputeStream(device_.index);
    if (!compute.ok()) return std::string(compute.status().message());
    auto fresh = static_cast<cudaEvent_t>(done_[slot]);
    cudaError_t error = cudaEventRecord(fresh, *compute);
    if (error == cudaSuccess) error = cudaStreamWaitEvent(side, fresh, 0);
    if (error != cudaSuccess) return CudaError("ordering a new batch buffer", error);
  }
  for (auto [to, from] : {std::pair{&dev.x, &host.x}, std::pair{&dev.y, &host.y}}) {
    const size_t bytes = static_cast<size_t>(from->numel()) * ElementSize(from->dtype());
    if (bytes == 0) continue;
    const cudaError_t error = cudaMemcpyAsync(to->raw_data(), from->raw_data(), bytes, cudaMemcpyHostToDevice, side);
    if (error != cudaSuccess) return CudaError("cudaMemcpyAsync of a batch", error);
  }
  const cudaError_t error = cudaEventRecord(static_cast<cudaEvent_t>(done_[slot]), side);
  return error == cudaSuccess ? std::string() : CudaError("cudaEventRecord", error);
}

void Prefetcher::Start(std::span<const int64_t> indices) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    TENSOR_CHECK(!has_pending_, "Prefetcher: Start called twice without a Wait");
    pending_.assign(indices.begin(), indices.end());
    has_pending_ = true;
    ready_ = false;
    error_.clear();
  }
  cv_.notify_all();
}

absl::StatusOr<Batch> Prefetcher::Wait(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!has_pending_) return absl::FailedPreconditionError("Prefetcher: Wait without a Start");
  if (!cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [this] { return ready_; })) {
    return absl::DeadlineExceededError(
        absl::StrCat("Prefetcher: a batch of ", pending_.size(), " samples was not gathered within ",
                     absl::FormatDuration(timeout)));
  }
  has_pending_ = false;
  if (!error_.empty()) return absl::InvalidArgumentError(error_);
  if (device_.is_cuda()) {
    // The compute stream (not the host) waits for the batch's copy.
    absl::StatusOr<cudaStream_t> compute = cuda::ComputeStream(device_.index);
    if (!compute.ok()) return compute.status();
    const cudaError_t error = cudaStreamWaitEvent(*compute, static_cast<cudaEvent_t>(done_[slot_]), 0);
    if (error != cudaSuccess) return absl::InternalError(CudaError("cudaStreamWaitEvent", error));
  }
  return slots_[slot_];
}

void Prefetcher::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || (has_pending_ && !ready_); });
    if (stop_) return;
    const int next = 1 - slot_;
    std::vector<int64_t> indices = pending_;
    lock.unlock();
    std::string error;
    try {
      Batch& into = device_.is_cuda() ? host_[next] : slots_[next];
      data_.Gather(indices.data(), static_cast<int64_t>(indices.size()), norm_, &into.x, &into.y);
      if (device_.is_cuda()) error = CopyToDevice(next);
    } catch (const TensorError& e) {
      error = e.what();
    }
    lock.lock();
    slot_ = next;
    error_ = error;
    ready_ = true;
    cv_.notify_all();
  }
}

}  // namespace concord::data
