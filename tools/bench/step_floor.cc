// step_floor: the fastest a data-parallel MLP step can run on this machine with OpenBLAS and
// Gloo, whatever the trainer around them: W ranks (threads of one process, one BLAS thread
// each) run only the step's GEMMs on their shard of the global batch and, per --mode:
//   compute     nothing else (the ranks share the cores, as the workers do);
//   sequential  then one registered all-reduce of every parameter's gradient, the way the
//               trainer's Reducer launches its single bucket at the end of the backward;
//   overlapped  the first layer's weight gradient computed in --blocks row blocks, each
//               block's all-reduce launched as soon as the block is done (Gloo's default
//               pieces otherwise), so communication overlaps the rest of the backward.
// No elementwise ops, loss, optimizer, data or RPC: the trainer's samples/s divided by the
// sequential floor's says how much of the step the framework costs.
//
//   bazel run -c opt --config=opt //tools/bench:step_floor -- --hidden=1024 --batch=256
//
// Prints one JSON line per mode: the median over --repeats of the ms per step (each repeat
// runs --steps steps after a warm-up), the samples/s that gives at the global batch, and how
// the gradient buckets wait (spinning only where the ranks fit this machine's CPUs, as in the
// trainer: Note [Spinning only where it fits] in worker/comm/gloo_communicator.cc).
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_split.h"
#include "tensor/functions.h"
#include "worker/comm/gloo_communicator.h"
#include "worker/comm/in_memory_store.h"

ABSL_FLAG(int, world, 2, "ranks");
ABSL_FLAG(int64_t, hidden, 1024, "hidden units of the 784-HIDDEN-10 MLP");
ABSL_FLAG(int64_t, batch, 256, "global batch, split over the ranks");
ABSL_FLAG(int, steps, 200, "steps per repeat");
ABSL_FLAG(int, repeats, 5, "repeats (the median is reported)");
ABSL_FLAG(int, blocks, 4, "row blocks of the first layer's weight gradient in --mode=overlapped");
ABSL_FLAG(std::string, modes, "compute,sequential,overlapped", "comma-separated modes to run");

namespace concord {
namespace {

constexpr int64_t kIn = 784, kOut = 10;

enum class Mode { kCompute, kSequential, kOverlapped };

// One rank's buffers: shard input x [n, in], weights W1 [h, in], W2 [out, h] (Linear's layout),
// activations, and the gradients in one flat buffer [dW1 | dW2 | db1 | db2] (the biases' share
// is only communicated: their sums are not the floor's business).
struct Rank {
  Rank(int64_t n, int64_t h)
      : x(rand({n, kIn})), w1(rand({h, kIn})), w2(rand({kOut, h})), hid(zeros({n, h})),
        logits(zeros({n, kOut})), dlogits(rand({n, kOut})), dhid(zeros({n, h})),
        grads(zeros({h * kIn + kOut * h + h + kOut})) {}
  Tensor x, w1, w2, hid, logits, dlogits, dhid, grads;
};

void Gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
          const float* b, int64_t ldb, float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
}

// The median ms per step of rank 0; every rank runs the same loop in lock-step. *details: how
// rank 0's gradient buckets wait (Communicator::details()).
double Run(Mode mode, int world, int64_t hidden, int64_t batch, std::string* details) {
  const int steps = absl::GetFlag(FLAGS_steps), repeats = absl::GetFlag(FLAGS_repeats);
  const int blocks = mode == Mode::kOverlapped ? absl::GetFlag(FLAGS_blocks) : 1;
  comm::InMemoryStore store;
  std::vector<double> rank0_ms;
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r) {
    threads.emplace_back([&, r] {
      openblas_set_num_threads(1);
      const int64_t n = batch * (r + 1) / world - batch * r / world;  // near-equal shards
      const int64_t h = hidden;
      Rank k(n, h);
      absl::StatusOr<std::unique_ptr<comm::Communicator>> comm =
          comm::CreateGlooCommunicator(store, r, world, comm::GlooOptions{});
      if (!comm.ok()) {
        std::fprintf(stderr, "step_floor: rank %d: %s\n", r, std::string(comm.status().message()).c_str());
        std::exit(1);
      }
      // Registered all-reduces: the first layer's weight gradient in `blocks` row blocks, then
      // the rest of the gradient; or the whole flat gradient at once.
      std::vector<int> handles;
      const int64_t rest = k.grads.numel() - h * kIn;
      if (mode == Mode::kOverlapped) {
        for (int b = 0; b < blocks; ++b) {
          const int64_t begin = h * b / blocks, end = h * (b + 1) / blocks;
          handles.push_back((*comm)->RegisterAllReduce(k.grads.narrow(0, begin * kIn, (end - begin) * kIn)).value());
        }
        handles.push_back((*comm)->RegisterAllReduce(k.grads.narrow(0, h * kIn, rest)).value());
      } else if (mode == Mode::kSequential) {
        handles.push_back((*comm)->RegisterAllReduce(k.grads).value());
      }
      float* g = k.grads.data<float>();
      auto step = [&] {
        // Forward: hid = x W1^T, logits = hid W2^T.
        Gemm(CblasNoTrans, CblasTrans, n, h, kIn, k.x.data<float>(), kIn, k.w1.data<float>(), kIn,
             k.hid.data<float>(), h);
        Gemm(CblasNoTrans, CblasTrans, n, kOut, h, k.hid.data<float>(), h, k.w2.data<float>(), h,
             k.logits.data<float>(), kOut);
        // Backward: dW2 = dlogits^T hid, dhid = dlogits W2, dW1 = dhid^T x (by row blocks).
        std::vector<std::unique_ptr<comm::Work>> works;
        Gemm(CblasTrans, CblasNoTrans, kOut, h, n, k.dlogits.data<float>(), kOut, k.hid.data<float>(), h,
             g + h * kIn, h);
        Gemm(CblasNoTrans, CblasNoTrans, n, h, kOut, k.dlogits.data<float>(), kOut, k.w2.data<float>(), h,
             k.dhid.data<float>(), h);
        if (mode == Mode::kOverlapped) works.push_back((*comm)->AllReduceRegisteredAsync(handles.back()));
        for (int b = 0; b < blocks; ++b) {
          const int64_t begin = h * b / blocks, end = h * (b + 1) / blocks;
          Gemm(CblasTrans, CblasNoTrans, end - begin, kIn, n, k.dhid.data<float>() + begin, h, k.x.data<float>(),
               kIn, g + begin * kIn, kIn);
          if (mode == Mode::kOverlapped) works.push_back((*comm)->AllReduceRegisteredAsync(handles[b]));
        }
        if (mode == Mode::kSequential) works.push_back((*comm)->AllReduceRegisteredAsync(handles[0]));
        for (auto& work : works) {
          if (absl::Status s = work->Wait(); !s.ok()) {
            std::fprintf(stderr, "step_floor: rank %d: %s\n", r, std::string(s.message()).c_str());
            std::exit(1);
          }
        }
      };
      for (int i = 0; i < 20; ++i) step();  // warm up: page faults, BLAS buffers, TCP windows
      std::vector<double> ms;
      for (int rep = 0; rep < repeats; ++rep) {
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < steps; ++i) step();
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() /
                     steps);
      }
      if (r == 0) {
        rank0_ms = ms;
        *details = (*comm)->details();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::sort(rank0_ms.begin(), rank0_ms.end());
  return rank0_ms[rank0_ms.size() / 2];
}

}  // namespace
}  // namespace concord

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("GEMMs + Gloo all-reduce of an MLP step on W ranks: the floor of a step");
  absl::ParseCommandLine(argc, argv);
  const int world = absl::GetFlag(FLAGS_world);
  const int64_t hidden = absl::GetFlag(FLAGS_hidden), batch = absl::GetFlag(FLAGS_batch);
  if (world < 1 || hidden < 1 || batch < world || absl::GetFlag(FLAGS_steps) < 1 || absl::GetFlag(FLAGS_repeats) < 1 ||
      absl::GetFlag(FLAGS_blocks) < 1 || absl::GetFlag(FLAGS_blocks) > hidden) {
    std::fprintf(stderr, "step_floor: expected world >= 1, hidden >= 1, batch >= world, steps >= 1, repeats >= 1 "
                         "and 1 <= blocks <= hidden\n");
    return 2;
  }
  std::vector<std::pair<std::string, concord::Mode>> modes;
  for (absl::string_view name : absl::StrSplit(absl::GetFlag(FLAGS_modes), ',')) {
    if (name == "compute") {
      modes.emplace_back(name, concord::Mode::kCompute);
    } else if (name == "sequential") {
      modes.emplace_back(name, concord::Mode::kSequential);
    } else if (name == "overlapped") {
      modes.emplace_back(name, concord::Mode::kOverlapped);
    } else {
      std::fprintf(stderr, "step_floor: --modes: expected compute, sequential or overlapped, got '%s'\n",
                   std::string(name).c_str());
      return 2;
    }
  }
  for (const auto& [name, mode] : modes) {
    std::string details;
    const double ms = concord::Run(mode, world, hidden, batch, &details);
    std::printf("{\"mode\": \"%s\", \"world\": %d, \"hidden\": %ld, \"batch\": %ld, \"ms_per_step\": %.3f, "
                "\"samples_per_sec\": %.0f, \"buckets\": \"%s\"}\n",
                name.c_str(), world, static_cast<long>(hidden), static_cast<long>(batch), ms,
                static_cast<double>(batch) * 1000.0 / ms, details.c_str());
    std::fflush(stdout);
  }
  return 0;
}
