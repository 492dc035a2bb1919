// tensor_bench: GEMM GFLOP/s for square sizes (ours through mm(a, b, out), and OpenBLAS's
// cblas_sgemm called directly, so the wrapper's overhead shows), and elementwise add GB/s
// (out = a + b, 12 bytes moved per float32 element) beside memcpy GB/s over the same bytes,
// which is the bandwidth limit an elementwise op can reach.
//
//   bazel run -c opt --config=opt //tools/bench:tensor_bench -- --threads=2
//
// Each figure is the best of repeated runs inside --seconds per case (best, not mean: the
// machines are shared and noise only ever slows a run down).
#include <cblas.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "tensor/functions.h"

ABSL_FLAG(int, threads, 1, "OpenBLAS threads");
ABSL_FLAG(double, seconds, 0.5, "time budget per case, in seconds");
ABSL_FLAG(int, max_gemm, 2048, "largest square GEMM size");
ABSL_FLAG(int64_t, max_add, 100000000, "largest elementwise element count");

namespace concord {
namespace {

// Best time of fn, in seconds, over repeats that fit the budget (at least 3).
double BestSeconds(const std::function<void()>& fn) {
  using Clock = std::chrono::steady_clock;
  fn();  // warm up: page faults, BLAS buffers
  double best = 1e30;
  auto start = Clock::now();
  for (int i = 0; i < 3 || std::chrono::duration<double>(Clock::now() - start).count() < absl::GetFlag(FLAGS_seconds); ++i) {
    auto t0 = Clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    if (i > 1000) break;
  }
  return best;
}

void Gemm() {
  std::printf("GEMM float32, square n x n, %d OpenBLAS thread(s)\n", absl::GetFlag(FLAGS_threads));
  std::printf("%6s %14s %14s %8s\n", "n", "ours GFLOP/s", "cblas GFLOP/s", "ratio");
  Generator gen(1);
  for (int64_t n = 128; n <= absl::GetFlag(FLAGS_max_gemm); n *= 2) {
    Tensor a = randn({n, n}, gen), b = randn({n, n}, gen), out = empty({n, n});
    double flops = 2.0 * n * n * n;
    double ours = BestSeconds([&] { mm(a, b, out); });
    double raw = BestSeconds([&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data<float>(), n, b.data<float>(), n,
                  0.0f, out.data<float>(), n);
    });
    std::printf("%6ld %14.1f %14.1f %8.3f\n", n, flops / ours / 1e9, flops / raw / 1e9, raw / ours);
  }
  // The training shapes: x [256, 784] @ W^T ([784, 1024] as a transposed view).
  Tensor x = randn({256, 784}, gen), w = randn({1024, 784}, gen), y = empty({256, 1024});
  double t = BestSeconds([&] { mm(x, w.t(), y); });
  std::printf("MLP layer [256,784] @ [1024,784]^T: %.1f GFLOP/s\n\n", 2.0 * 256 * 784 * 1024 / t / 1e9);
}

void Add() {
  std::printf("Elementwise add float32 (out = a + b, 12 B/element) vs memcpy of the same bytes\n");
  std::printf("%12s %12s %14s %8s\n", "elements", "add GB/s", "memcpy GB/s", "ratio");
  for (int64_t n = 1000; n <= absl::GetFlag(FLAGS_max_add); n *= 10) {
    Tensor a = ones({n}), b = ones({n}), out = empty({n});
    double bytes = 12.0 * n;
    double t_add = BestSeconds([&] { add(a, b, out); });
    // memcpy reads and writes 8 B per element here; copy 1.5x as many bytes to match 12 B.
    std::vector<char> src(static_cast<size_t>(bytes / 2)), dst(src.size());
    std::memset(src.data(), 1, src.size());
    double t_copy = BestSeconds([&] { std::memcpy(dst.data(), src.data(), src.size()); });
    std::printf("%12ld %12.2f %14.2f %8.3f\n", n, bytes / t_add / 1e9, bytes / t_copy / 1e9, t_copy / t_add);
  }
}

}  // namespace
}  // namespace concord

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Measures GEMM GFLOP/s and elementwise-add GB/s of the tensor library.");
  absl::ParseCommandLine(argc, argv);
  openblas_set_num_threads(absl::GetFlag(FLAGS_threads));
  concord::Gemm();
  concord::Add();
  return 0;
}
