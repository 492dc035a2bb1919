// The communicators on CUDA tensors: the NCCL backend (worker/comm/nccl_communicator.h) and
// the Gloo backend's pinned host staging (worker/comm/gloo_communicator.h).
//   - everywhere: NCCL loads on first use (nccl_api.h) and every entry point resolves, and a
//     library that is missing or is not NCCL gives FAILED_PRECONDITION with dlerror()'s text,
//     one older than 2.14 "found NCCL X.Y.Z, need 2.14 or newer";
//     bad creation arguments are InvalidArgument; without a usable GPU (this machine: no
//     driver) creation fails within its deadline with CUDA's own message;
//   - with a GPU (skipped otherwise, with CUDA's message): world size 1 all-reduce, broadcast
//     and barrier over dtypes and sizes (0 and odd counts too); world size 2 closed forms when
//     there are two GPUs; argument errors; a Wait that times out while the op goes on; an op
//     past NcclOptions.timeout breaks the communicator; Abort() (idle, pending, idempotent);
//     a missing peer fails creation with DeadlineExceeded within the timeout;
//   - Gloo with CUDA tensors (threads as ranks on one GPU, as on a one-GPU host): all-reduce,
//     registered all-reduce and broadcast against closed forms.
// CUDA tensors are built from a Storage on the device and filled with cudaMemcpy, followed by
// cudaDeviceSynchronize (the compute stream does not synchronise with the legacy stream).
#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <nccl.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_testing.h"
#include "tests/test_util.h"
#include "tensor/cuda/context.h"
#include "tensor/cuda/runtime.h"
#include "tensor/functions.h"
#include "worker/comm/communicator.h"
#include "worker/comm/gloo_communicator.h"
#include "worker/comm/in_memory_store.h"
#include "worker/comm/nccl_api.h"
#include "worker/comm/nccl_communicator.h"
#include "worker/comm/prefix_store.h"

namespace concord::comm {
namespace {

bool Contains(absl::string_view text, absl::string_view part) {
  return text.find(part) != absl::string_view::npos;
}

// The number of usable GPUs, or 0 with the reason in *why.
int GpuCount(std::string* why) {
  absl::StatusOr<int> count = CudaDeviceCount();
  if (!count.ok()) {
    *why = std::string(count.status().message());
    return 0;
  }
  if (*count == 0) *why = "no CUDA device";
  return *count;
}

#define SKIP_WITHOUT_GPUS(n)                                               \
  do {                                                                     \
    std::string why_;                                                      \
    const int gpus_ = GpuCount(&why_);                                     \
    if (gpus_ == 0) GTEST_SKIP() << "needs a GPU: " << why_;               \
    if (gpus_ < (n)) GTEST_SKIP() << "needs " << (n) << " GPUs, found " << gpus_; \
  } while (false)

NcclOptions Options(absl::Duration timeout = absl::Seconds(20)) {
  NcclOptions options;
  options.timeout = timeout;
  return options;
}

using test_util::OnRanks;

// A 1-D tensor on cuda:device with t[i] = f(i).
Tensor CudaTensor(int64_t n, DType dtype, const std::function<int64_t(int64_t)>& f,
                  int device = 0) {
  const Shape shape = {n};
  const size_t bytes = static_cast<size_t>(n) * ElementSize(dtype);
  auto storage = std::make_shared<Storage>(std::max<size_t>(bytes, 1), Device::Cuda(device));
  Tensor t(storage, shape, ContiguousStrides(shape), 0, dtype);
  // The block may be reused from a tensor whose compute-stream work is still queued.
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  DispatchDType(dtype, [&]<typename T>() {
    std::unique_ptr<T[]> host(new T[std::max<int64_t>(n, 1)]);
    for (int64_t i = 0; i < n; ++i) host[i] = static_cast<T>(f(i));
    EXPECT_EQ(cudaMemcpy(t.raw_data(), host.get(), bytes, cudaMemcpyHostToDevice), cudaSuccess);
  });
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  return t;
}

// "" if the CUDA tensor t holds f(i) at every i, else the first mismatch.
std::string Mismatch(const Tensor& t, const std::function<int64_t(int64_t)>& f) {
  std::string result;
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  DispatchDType(t.dtype(), [&]<typename T>() {
    const int64_t n = t.numel();
    std::unique_ptr<T[]> host(new T[std::max<int64_t>(n, 1)]);
    const size_t bytes = static_cast<size_t>(n) * sizeof(T);
    EXPECT_EQ(cudaMemcpy(host.get(), t.raw_data(), bytes, cudaMemcpyDeviceToHost), cudaSuccess);
    for (int64_t i = 0; i < n; ++i) {
      if (host[i] != static_cast<T>(f(i))) {
        result = StrCat("t[", i, "] = ", std::to_string(host[i]), ", expected ", f(i));
        return;
      }
    }
  });
  return result;
}

int64_t Weight(int64_t i) { return i % 5 + 1; }

// Holds back a CUDA stream: a host function queued on it waits until Open() (or the gate's
// destruction). Its state is shared with the callback, which may run after the gate is gone.
class StreamGate {
 public:
  explicit StreamGate(cudaStream_t stream) : state_(std::make_shared<State>()) {
    auto* held = new std::shared_ptr<State>(state_);
    EXPECT_EQ(cudaLaunchHostFunc(stream, &StreamGate::Hold, held), cudaSuccess);
  }
  ~StreamGate() { Open(); }
  void Open() {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->open = true;
    state_->cv.notify_all();
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    bool open = false;
  };
  static void CUDART_CB Hold(void* data) {
    std::unique_ptr<std::shared_ptr<State>> held(static_cast<std::shared_ptr<State>*>(data));
    State& state = **held;
    std::unique_lock<std::mutex> lock(state.mu);
    state.cv.wait(lock, [&] { return state.open; });
  }
  std::shared_ptr<State> state_;
};

// ---- Everywhere (this machine has no GPU) ------------------------------------------------

// First in this file, so that in declaration order nothing has used NCCL yet.
TEST(NcclLoaderTest, NotLoadedBeforeFirstUse) {
  if (GTEST_FLAG_GET(shuffle)) GTEST_SKIP() << "needs declaration order";
  void* handle = dlopen("libnccl.so.2", RTLD_LAZY | RTLD_NOLOAD);  // loads nothing
  EXPECT_EQ(handle, nullptr) << "libnccl.so.2 is mapped before any NCCL call";
  if (handle != nullptr) dlclose(handle);
}

TEST(NcclLoaderTest, LoadsAndResolvesEveryEntryPointWithoutAGpu) {
  absl::StatusOr<const NcclApi*> nccl = Nccl();
  ASSERT_TRUE(nccl.ok()) << nccl.status();
  const NcclApi& api = **nccl;
  // A call that needs no GPU: the text for a result code. (The loader called ncclGetVersion.)
  EXPECT_STRNE(api.get_error_string(ncclInvalidArgument), "");
  EXPECT_EQ(*Nccl(), &api);  // loaded once, kept
  // Uncached, by name: a later name is tried when the first does not open. (The soname, not the
  // development link "libnccl.so": GPU hosts have only the former.)
  absl::StatusOr<NcclApi> fallback =
      nccl_internal::TryLoadNccl({"libdoes_not_exist.so", "libnccl.so.2"});
  ASSERT_TRUE(fallback.ok()) << fallback.status();
  EXPECT_EQ(fallback->get_version, api.get_version);  // the same library, already mapped
}

TEST(NcclLoaderTest, AMissingLibraryIsFailedPreconditionWithDlerrorsText) {
  const absl::Status status = nccl_internal::TryLoadNccl({"libdoes_not_exist.so"}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  const std::string message(status.message());
  EXPECT_THAT(message, testing::StartsWith("NCCL is not available: libdoes_not_exist.so: "
                                           "cannot open shared object file"));
  EXPECT_TRUE(Contains(message, "LD_LIBRARY_PATH")) << message;  // how to fix it
  EXPECT_TRUE(Contains(message, "gloo")) << message;             // or what to use instead
  EXPECT_FALSE(Contains(message, "\n")) << message;
}

TEST(NcclLoaderTest, ALibraryWithoutTheEntryPointsIsFailedPrecondition) {
  // libm opens fine but is not NCCL: dlsym's error names the first missing symbol.
  const absl::Status status = nccl_internal::TryLoadNccl({"libm.so.6"}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_TRUE(Contains(status.message(), "NCCL is not available: ")) << status;
  EXPECT_TRUE(Contains(status.message(), "undefined symbol: ncclGetVersion")) << status;
}

TEST(NcclLoaderTest, NcclOlderThan2_14IsRefused) {
  EXPECT_OK(nccl_internal::CheckNcclVersion(NCCL_VERSION(2, 14, 0)));
  EXPECT_OK(nccl_internal::CheckNcclVersion(NCCL_VERSION_CODE));  // the headers we build with
  const absl::Status old = nccl_internal::CheckNcclVersion(NCCL_VERSION(2, 12, 12));
  EXPECT_EQ(old.code(), absl::StatusCode::kFailedPrecondition) << old;
  EXPECT_EQ(old.message(), "found NCCL 2.12.12, need 2.14 or newer");
  // Before 2.9, NCCL_VERSION packed the minor version as hundreds.
  EXPECT_EQ(nccl_internal::CheckNcclVersion(NCCL_VERSION(2, 7, 8)).message(),
            "found NCCL 2.7.8, need 2.14 or newer");
}

TEST(NcclCreateTest, BadArgumentsAreInvalidArgument) {
  InMemoryStore store;
  const std::vector<std::tuple<int, int, int>> bad = {{2, 2, 0}, {0, 0, 0}, {-1, 2, 0}, {0, 1, -1}};
  for (auto [rank, world, device] : bad) {  // rank, world size, device
    absl::Status status = CreateNcclCommunicator(store, rank, world, device, Options()).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  }
  for (absl::Duration timeout : {absl::ZeroDuration(), absl::InfiniteDuration()}) {
    absl::Status status = CreateNcclCommunicator(store, 0, 1, 0, Options(timeout)).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_TRUE(Contains(status.message(), "timeout")) << status;
  }
}

TEST(NcclCreateTest, WithoutAUsableGpuFailsPromptlyWithCudasMessage) {
  int count = 0;
  const cudaError_t error = cudaGetDeviceCount(&count);
  if (error == cudaSuccess && count > 0) GTEST_SKIP() << "a GPU is present";
  // CUDA's own words for why it cannot run, e.g. "CUDA driver version is insufficient for
  // CUDA runtime version".
  const std::string cuda_message = error == cudaSuccess ? "" : cudaGetErrorString(error);
  for (int rank : {0, 1}) {  // rank 1 must not sit in the store waiting for rank 0's id
    InMemoryStore store;
    const absl::Time start = absl::Now();
    absl::StatusOr<std::unique_ptr<Communicator>> comm =
        CreateNcclCommunicator(store, rank, 2, 0, Options(absl::Seconds(5)));
    EXPECT_LT(absl::Now() - start, absl::Seconds(5));
    ASSERT_FALSE(comm.ok());
    const std::string message(comm.status().message());
    EXPECT_TRUE(Contains(message, cuda_message)) << message;
    EXPECT_TRUE(Contains(message, StrCat("nccl rank ", rank, " of 2 on cuda:0"))) << message;
    EXPECT_FALSE(Contains(message, "\n")) << message;
  }
}

// ---- NCCL on a GPU ------------------------------------------------------------------------

std::unique_ptr<Communicator> MakeSingle(NcclOptions options = Options()) {
  InMemoryStore store;
  absl::StatusOr<std::unique_ptr<Communicator>> comm =
      CreateNcclCommunicator(store, 0, 1, 0, options);
  EXPECT_TRUE(comm.ok()) << comm.status();
  return comm.ok() ? *std::move(comm) : nullptr;
}

TEST(NcclGpuTest, WorldSizeOneCollectives) {
  SKIP_WITHOUT_GPUS(1);
  std::unique_ptr<Communicator> comm = MakeSingle();
  ASSERT_NE(comm, nullptr);
  EXPECT_EQ(comm->rank(), 0);
  EXPECT_EQ(comm->world_size(), 1);
  for (int64_t n : {0, 1, 7, 1000, 100003}) {
    for (DType dtype : {kFloat32, kFloat64, kInt64}) {
      SCOPED_TRACE(StrCat(n, " x ", DTypeName(dtype)));
      Tensor t = CudaTensor(n, dtype, Weight);
      EXPECT_OK(comm->AllReduceSum(t));
      EXPECT_EQ(Mismatch(t, Weight), "");
      EXPECT_OK(comm->Broadcast(t, 0));
      EXPECT_EQ(Mismatch(t, Weight), "");
    }
  }
  EXPECT_OK(comm->Barrier());
  // Async buckets, waited in reverse order; then a registered one.
  std::vector<Tensor> buckets;
  std::vector<std::unique_ptr<Work>> works;
  for (int b = 0; b < 4; ++b) {
    buckets.push_back(CudaTensor(1000 + b, kFloat32, [b](int64_t i) { return i + b; }));
    works.push_back(comm->AllReduceSumAsync(buckets.back()));
  }
  for (int b = 3; b >= 0; --b) {
    EXPECT_OK(works[b]->Wait(absl::Seconds(10)));
    EXPECT_TRUE(works[b]->IsCompleted());
    EXPECT_EQ(Mismatch(buckets[b], [b](int64_t i) { return i + b; }), "");
  }
  absl::StatusOr<int> handle = comm->RegisterAllReduce(buckets[0]);
  ASSERT_TRUE(handle.ok()) << handle.status();
  for (int step = 0; step < 3; ++step) EXPECT_OK(comm->AllReduceRegisteredAsync(*handle)->Wait());
  EXPECT_EQ(Mismatch(buckets[0], [](int64_t i) { return i; }), "");
}

TEST(NcclGpuTest, WorldSizeTwoOnTwoGpusMatchesClosedForms) {
  SKIP_WITHOUT_GPUS(2);
  InMemoryStore store;
  PrefixStore scoped(store, "test/gen-0");
  std::vector<std::unique_ptr<Communicator>> comms(2);
  OnRanks(2, [&](int r) {
    absl::StatusOr<std::unique_ptr<Communicator>> comm =
        CreateNcclCommunicator(scoped, r, 2, /*device=*/r, Options());
    ASSERT_TRUE(comm.ok()) << comm.status();
    comms[r] = *std::move(comm);
  });
  ASSERT_TRUE(comms[0] != nullptr && comms[1] != nullptr);
  OnRanks(2, [&](int r) {
    for (int64_t n : {0, 7, 100003}) {
      for (DType dtype : {kFloat32, kFloat64, kInt64}) {
        SCOPED_TRACE(StrCat("rank ", r, ", ", n, " x ", DTypeName(dtype)));
        Tensor t = CudaTensor(n, dtype, [r](int64_t i) { return (r + 1) * Weight(i); }, r);
        EXPECT_OK(comms[r]->AllReduceSum(t));
        EXPECT_EQ(Mismatch(t, [](int64_t i) { return 3 * Weight(i); }), "");
        Tensor b = CudaTensor(n, dtype, [r](int64_t i) { return r == 1 ? i : -1; }, r);
        EXPECT_OK(comms[r]->Broadcast(b, 1));
        EXPECT_EQ(Mismatch(b, [](int64_t i) { return i; }), "");
      }
    }
    EXPECT_OK(comms[r]->Barrier());
  });
}

TEST(NcclGpuTest, CpuTensorsAndBadRootsAreInvalidArgument) {
  SKIP_WITHOUT_GPUS(1);
  std::unique_ptr<Communicator> comm = MakeSingle();
  ASSERT_NE(comm, nullptr);
  Tensor cpu = ones({4});
  absl::Status status = comm->AllReduceSum(cpu);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(Contains(status.message(), "AllReduceSum")) << status;
  EXPECT_TRUE(Contains(status.message(), "cpu")) << status;
  EXPECT_EQ(comm->AllReduceSumAsync(cpu)->Wait(absl::ZeroDuration()).code(),
            absl::StatusCode::kInvalidArgument);
  status = comm->Broadcast(cpu, 0);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(Contains(status.message(), "Broadcast")) << status;
  Tensor t = CudaTensor(4, kFloat32, Weight);
  EXPECT_EQ(comm->Broadcast(t, 1).code(), absl::StatusCode::kInvalidArgument);
  // Argument errors do not break the communicator.
  EXPECT_OK(comm->AllReduceSum(t));
  EXPECT_OK(comm->Barrier());
}

TEST(NcclGpuTest, WaitTimesOutWhileTheOpGoesOn) {
  SKIP_WITHOUT_GPUS(1);
  std::unique_ptr<Communicator> comm = MakeSingle();
  ASSERT_NE(comm, nullptr);
  absl::StatusOr<cudaStream_t> compute = cuda::ComputeStream(0);
  ASSERT_TRUE(compute.ok()) << compute.status();
  Tensor t = CudaTensor(1000, kFloat32, Weight);
  std::unique_ptr<Work> work;
  {
    StreamGate gate(*compute);  // the all-reduce waits for the compute stream
    work = comm->AllReduceSumAsync(t);
    const absl::Time start = absl::Now();
    absl::Status status = work->Wait(absl::Milliseconds(200));
    EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
    EXPECT_TRUE(Contains(status.message(), "goes on")) << status;
    EXPECT_LT(absl::Now() - start, absl::Seconds(2));
    EXPECT_FALSE(work->IsCompleted());
  }
  EXPECT_OK(work->Wait(absl::Seconds(10)));
  EXPECT_EQ(Mismatch(t, Weight), "");
  EXPECT_OK(comm->Barrier());
}

TEST(NcclGpuTest, AnOpPastTheTimeoutBreaksTheCommunicator) {
  SKIP_WITHOUT_GPUS(1);
  std::unique_ptr<Communicator> comm = MakeSingle(Options(absl::Seconds(1)));
  ASSERT_NE(comm, nullptr);
  absl::StatusOr<cudaStream_t> compute = cuda::ComputeStream(0);
  ASSERT_TRUE(compute.ok()) << compute.status();
  Tensor t = CudaTensor(1000, kFloat32, Weight);
  auto gate = std::make_unique<StreamGate>(*compute);
  // ncclCommAbort may wait for the device to drain: open the gate a little after the timeout.
  std::thread opener([&] {
    absl::SleepFor(absl::Seconds(2));
    gate->Open();
  });
  const absl::Time start = absl::Now();
  absl::Status status = comm->AllReduceSum(t);
  const absl::Duration elapsed = absl::Now() - start;
  opener.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_TRUE(Contains(status.message(), "nccl rank 0 of 1 on cuda:0: AllReduceSum")) << status;
  EXPECT_GE(elapsed, absl::Milliseconds(900));
  EXPECT_LT(elapsed, absl::Seconds(10));
  // Broken: later calls fail at once with the same code.
  const absl::Time later = absl::Now();
  absl::Status barrier = comm->Barrier();
  EXPECT_EQ(barrier.code(), absl::StatusCode::kDeadlineExceeded) << barrier;
  EXPECT_TRUE(Contains(barrier.message(), "not run")) << barrier;
  EXPECT_LT(absl::Now() - later, absl::Milliseconds(500));
}

TEST(NcclGpuTest, AbortFailsPendingAndLaterCalls) {
  SKIP_WITHOUT_GPUS(1);
  std::unique_ptr<Communicator> comm = MakeSingle();
  ASSERT_NE(comm, nullptr);
  absl::StatusOr<cudaStream_t> compute = cuda::ComputeStream(0);
  ASSERT_TRUE(compute.ok()) << compute.status();
  Tensor t = CudaTensor(1000, kFloat32, Weight);
  auto gate = std::make_unique<StreamGate>(*compute);
  std::unique_ptr<Work> pending = comm->AllReduceSumAsync(t);
  EXPECT_EQ(pending->Wait(absl::Milliseconds(50)).code(), absl::StatusCode::kDeadlineExceeded);
  std::thread opener([&] {
    absl::SleepFor(absl::Milliseconds(500));
    gate->Open();
  });
  std::thread aborter([&] { comm->Abort(); });
  const absl::Time start = absl::Now();
  absl::Status status = pending->Wait(absl::Seconds(10));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  aborter.join();
  opener.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  comm->Abort();  // idempotent
  const absl::Time later = absl::Now();
  EXPECT_EQ(comm->AllReduceSum(t).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(comm->Barrier().code(), absl::StatusCode::kAborted);
  EXPECT_LT(absl::Now() - later, absl::Milliseconds(500));
  comm.reset();  // destroying an aborted communicator does not hang
}

TEST(NcclGpuTest, AbortFromManyThreadsAtOnceIsSafe) {
  SKIP_WITHOUT_GPUS(1);
  std::unique_ptr<Communicator> comm = MakeSingle();
  ASSERT_NE(comm, nullptr);
  OnRanks(4, [&](int) { comm->Abort(); });
  EXPECT_EQ(comm->Barrier().code(), absl::StatusCode::kAborted);
}

TEST(NcclGpuTest, MissingPeerFailsCreateWithDeadlineExceeded) {
  SKIP_WITHOUT_GPUS(1);
  InMemoryStore store;
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<Communicator>> comm =
      CreateNcclCommunicator(store, 0, 2, 0, Options(absl::Seconds(3)));  // rank 1 never comes
  const absl::Duration elapsed = absl::Now() - start;
  ASSERT_EQ(comm.status().code(), absl::StatusCode::kDeadlineExceeded) << comm.status();
  const std::string message(comm.status().message());
  EXPECT_TRUE(Contains(message, "rank 0")) << message;
  EXPECT_TRUE(Contains(message, "world size 2")) << message;
  EXPECT_TRUE(Contains(message, "3s")) << message;
  EXPECT_GE(elapsed, absl::Milliseconds(2900));
  EXPECT_LT(elapsed, absl::Seconds(8));  // ncclCommAbort of a half-made comm takes a moment
}

// ---- Gloo with CUDA tensors (pinned host staging) ------------------------------------------

TEST(GlooStagingTest, TwoRanksOnOneGpuAllReduceAndBroadcast) {
  SKIP_WITHOUT_GPUS(1);
  constexpr int kWorld = 2;
  InMemoryStore store;
  PrefixStore scoped(store, "test/gen-0");
  std::vector<std::unique_ptr<Communicator>> comms(kWorld);
  GlooOptions options;
  options.timeout = absl::Seconds(20);
  OnRanks(kWorld, [&](int r) {
    absl::StatusOr<std::unique_ptr<Communicator>> comm =
        CreateGlooCommunicator(scoped, r, kWorld, options);
    ASSERT_TRUE(comm.ok()) << comm.status();
    comms[r] = *std::move(comm);
  });
  ASSERT_TRUE(comms[0] != nullptr && comms[1] != nullptr);
  OnRanks(kWorld, [&](int r) {
    Communicator& comm = *comms[r];
    for (int64_t n : {0, 1, 7, 100003}) {
      for (DType dtype : {kFloat32, kFloat64, kInt64}) {
        SCOPED_TRACE(StrCat("rank ", r, ", ", n, " x ", DTypeName(dtype)));
        Tensor t = CudaTensor(n, dtype, [r](int64_t i) { return (r + 1) * Weight(i); });
        EXPECT_OK(comm.AllReduceSum(t));
        EXPECT_EQ(Mismatch(t, [](int64_t i) { return 3 * Weight(i); }), "");
        Tensor b = CudaTensor(n, dtype, [r](int64_t i) { return r == 1 ? i : -1; });
        EXPECT_OK(comm.Broadcast(b, 1));
        EXPECT_EQ(Mismatch(b, [](int64_t i) { return i; }), "");
      }
    }
    // Registered buckets (persistent staging buffers), several steps, async.
    std::vector<Tensor> buckets;
    std::vector<int> handles;
    for (int b = 0; b < 3; ++b) {
      buckets.push_back(CudaTensor(5000 + b, kFloat32, Weight));
      absl::StatusOr<int> handle = comm.RegisterAllReduce(buckets.back());
      ASSERT_TRUE(handle.ok()) << handle.status();
      handles.push_back(*handle);
    }
    for (int step = 0; step < 3; ++step) {
      std::vector<std::unique_ptr<Work>> works;
      for (int handle : handles) works.push_back(comm.AllReduceRegisteredAsync(handle));
      for (auto& work : works) EXPECT_OK(work->Wait());
    }
    for (const Tensor& bucket : buckets) {  // 2^3 = 8: summed over 2 ranks, 3 times
      EXPECT_EQ(Mismatch(bucket, [](int64_t i) { return 8 * Weight(i); }), "");
    }
    EXPECT_OK(comm.Barrier());
  });
}

}  // namespace
}  // namespace concord::comm
