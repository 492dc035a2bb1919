// Tests for //tensor/cuda/kernels.
//
// The kernels' logic (index math, op bodies, dtype dispatch, the per-row reductions) is host
// code too (bodies.h, dispatch.h, ...), so each KernelsTest runs twice: "Host" runs the kernel
// functors through HostLauncher, plain loops that also simulate the block-per-row and
// warp-per-row schedules; "Gpu" runs the real kernels through kernels.h on device copies of the
// operands and skips, with CUDA's message, where no GPU is usable. Every test checks values
// against an independent reference: closed forms, naive loops in this file, or concord's CPU
// ops. NoGpuTest checks that without a GPU every kernels.h function returns a status instead of
// crashing; DispatchTest checks the argument errors and the index math alone.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "tests/status_testing.h"
#include "tensor/cuda/kernels/bodies.h"
#include "tensor/cuda/kernels/dispatch.h"
#include "tensor/cuda/kernels/dispatch_training.h"
#include "tensor/cuda/kernels/kernels.h"
#include "tensor/cuda/runtime.h"
#include "tensor/functions.h"
#include "tests/test_util.h"

namespace concord::cuda {
namespace {

using ops::BinaryOp;
using ops::ReduceOp;
using ops::UnaryOp;


constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- Running kernels on the host or the GPU ----------------------------------------------

// The launcher of dispatch.h on the host. ReduceRows and CrossEntropyRows simulate a block of
// block_threads threads / a warp of warp_lanes lanes per row, in the GPU kernels' combining
// order (launch.cuh), or run one "thread" per row when 0.
struct HostLauncher {
  int block_threads = 0;  // a power of two, or 0
  int warp_lanes = 0;     // a power of two, or 0
  int column_lanes = 0;   // threads per column in SumColumns, or 0 (one)
  mutable int64_t launches = 0;

  template <int K, typename F>
  absl::Status Elementwise(const Indexer<K>& ix, int64_t count, const F& f) const {
    ++launches;
    const bool contiguous = ix.Contiguous();
    for (int64_t i = 0; i < count; ++i) {
      int64_t off[K];
      ix.Offsets(i, off);
      for (int k = 0; k < K && contiguous; ++k) {
        if (off[k] != i) return absl::InternalError("Contiguous() indexer with off != i");
      }
      f(off);
    }
    return absl::OkStatus();
  }

  template <typename R>
  absl::Status ReduceRows(const Indexer<2>& ix, int64_t rows, int64_t /*n*/, const R& r) const {
    if (block_threads == 0) return Elementwise(ix, rows, r);
    ++launches;
    std::vector<typename R::Partial> partials(block_threads);
    for (int64_t row = 0; row < rows; ++row) {
      int64_t off[2];
      ix.Offsets(row, off);
      for (int t = 0; t < block_threads; ++t) partials[t] = r.Accumulate(off[1], t, block_threads);
      for (int s = block_threads / 2; s > 0; s >>= 1) {
        for (int t = 0; t < s; ++t) partials[t] = r.Combine(partials[t], partials[t + s]);
      }
      r.Store(off[0], partials[0]);
    }
    return absl::OkStatus();
  }

  template <typename S>
  absl::Status SumColumns(int64_t count, const S& s) const {
    if (column_lanes == 0) return Elementwise(ContiguousIndexer<1>(count), count, s);
    ++launches;
    for (int64_t c = 0; c < count; ++c) {
      auto total = s.Partial(c, 0, column_lanes);
      for (int t = 1; t < column_lanes; ++t) total += s.Partial(c, t, column_lanes);
      s.Store(c, total);
    }
    return absl::OkStatus();
  }

  template <typename C>
  absl::Status CrossEntropyRows(int64_t rows, int64_t /*classes*/, const C& c) const {
    if (warp_lanes == 0) return Elementwise(ContiguousIndexer<1>(rows), rows, c);
    ++launches;
    using T = decltype(c.PartialMax(0, 0, 1));
    using Acc = decltype(c.PartialSumExp(0, T(0), 0, 1));
    for (int64_t r = 0; r < rows; ++r) {
      // __shfl_down_sync: lane l reads lane l + o, or its own value past the last lane.
      std::vector<T> m(warp_lanes);
      for (int l = 0; l < warp_lanes; ++l) m[l] = c.PartialMax(r, l, warp_lanes);
      for (int o = warp_lanes / 2; o > 0; o >>= 1) {
        std::vector<T> next(m);
        for (int l = 0; l < warp_lanes; ++l) next[l] = C::CombineMax(m[l], m[l + o < warp_lanes ? l + o : l]);
        m = next;
      }
      std::vector<Acc> s(warp_lanes);
      for (int l = 0; l < warp_lanes; ++l) s[l] = c.PartialSumExp(r, m[0], l, warp_lanes);
      for (int o = warp_lanes / 2; o > 0; o >>= 1) {
        std::vector<Acc> next(s);
        for (int l = 0; l < warp_lanes; ++l) next[l] = s[l] + s[l + o < warp_lanes ? l + o : l];
        s = next;
      }
      for (int l = 0; l < warp_lanes; ++l) c.Finish(r, m[0], s[0], l, warp_lanes);
    }
    return absl::OkStatus();
  }
};

enum class Mode { kHost, kGpu };

// The operands of kernel calls: in host mode the tensors' own memory; in GPU mode a device copy
// of each tensor's whole storage (so views keep their offsets and strides, and elements a
// strided output skips keep their values), copied back by Sync().
class Arena {
 public:
  explicit Arena(Mode mode) : mode_(mode) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena() {
    for (auto& [storage, entry] : device_) cudaFree(entry.ptr);
  }

  void* Ptr(const Tensor& t) {
    if (mode_ == Mode::kHost) return t.raw_data();
    Storage* storage = t.storage().get();
    auto it = device_.find(storage);
    if (it == device_.end()) {
      Entry entry{nullptr, t.storage()};
      Note(cudaMalloc(&entry.ptr, std::max<size_t>(storage->nbytes(), 1)), "cudaMalloc");
      if (entry.ptr == nullptr) return nullptr;
      Note(cudaMemcpy(entry.ptr, storage->data(), storage->nbytes(), cudaMemcpyHostToDevice), "cudaMemcpy H2D");
      it = device_.emplace(storage, entry).first;
    }
    return static_cast<char*>(it->second.ptr) + t.storage_offset() * static_cast<int64_t>(ElementSize(t.dtype()));
  }

  Operand Op(const Tensor& t) {
    Operand op;
    op.data = Ptr(t);
    op.dtype = t.dtype();
    for (int64_t d = 0; d < t.dim(); ++d) op.strides[d] = t.strides()[d];
    return op;
  }

  // Waits for the kernels and copies every storage back (host mode: nothing to do).
  absl::Status Sync() {
    if (mode_ == Mode::kGpu) {
      Note(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
      for (auto& [storage, entry] : device_) {
        Note(cudaMemcpy(storage->data(), entry.ptr, storage->nbytes(), cudaMemcpyDeviceToHost), "cudaMemcpy D2H");
      }
    }
    return status_;
  }

 private:
  struct Entry {
    void* ptr;
    std::shared_ptr<Storage> keep_alive;
  };

  void Note(cudaError_t error, const char* what) {
    if (error != cudaSuccess && status_.ok()) {
      status_ = absl::InternalError(std::string(what) + ": " + cudaGetErrorString(error));
    }
  }

  Mode mode_;
  std::map<Storage*, Entry> device_;
  absl::Status status_;
};

// kernels.h, run through HostLauncher or on the GPU (legacy default stream).
class Backend {
 public:
  explicit Backend(Mode mode) : gpu_(mode == Mode::kGpu) {}
  HostLauncher& host() { return host_; }

  absl::Status CopyCast(const LoopShape& s, const Operand& dst, const Operand& src) const {
    return gpu_ ? cuda::CopyCast(s, dst, src, nullptr) : CopyCastImpl(host_, s, dst, src);
  }
  absl::Status Fill(const LoopShape& s, const Operand& dst, ScalarArg v) const {
    return gpu_ ? cuda::Fill(s, dst, v, nullptr) : FillImpl(host_, s, dst, v);
  }
  absl::Status Binary(BinaryOp op, const LoopShape& s, const Operand& out, const Operand& a, const Operand& b,
                      ScalarArg alpha) const {
    return gpu_ ? cuda::Binary(op, s, out, a, b, alpha, nullptr) : BinaryImpl(host_, op, s, out, a, b, alpha);
  }
  absl::Status BinaryScalar(BinaryOp op, const LoopShape& s, const Operand& out, const Operand& a,
                            ScalarArg v) const {
    return gpu_ ? cuda::BinaryScalar(op, s, out, a, v, nullptr) : BinaryScalarImpl(host_, op, s, out, a, v);
  }
  absl::Status Unary(UnaryOp op, const LoopShape& s, const Operand& out, const Operand& a) const {
    return gpu_ ? cuda::Unary(op, s, out, a, nullptr) : UnaryImpl(host_, op, s, out, a);
  }
  absl::Status Clamp(const LoopShape& s, const Operand& out, const Operand& a, bool has_lo, ScalarArg lo,
                     bool has_hi, ScalarArg hi) const {
    return gpu_ ? cuda::Clamp(s, out, a, has_lo, lo, has_hi, hi, nullptr)
                : ClampImpl(host_, s, out, a, has_lo, lo, has_hi, hi);
  }
  absl::Status Where(const LoopShape& s, const Operand& out, const Operand& mask, const Operand& a,
                     const Operand& b) const {
    return gpu_ ? cuda::Where(s, out, mask, a, b, nullptr) : WhereImpl(host_, s, out, mask, a, b);
  }
  absl::Status ReluBackward(const LoopShape& s, const Operand& out, const Operand& grad, const Operand& y) const {
    return gpu_ ? cuda::ReluBackward(s, out, grad, y, nullptr) : ReluBackwardImpl(host_, s, out, grad, y);
  }
  absl::Status ReduceLastDim(ReduceOp op, const LoopShape& rows, const Operand& out, const Operand& in, int64_t n,
                             int64_t in_stride) const {
    return gpu_ ? cuda::ReduceLastDim(op, rows, out, in, n, in_stride, nullptr)
                : ReduceLastDimImpl(host_, op, rows, out, in, n, in_stride);
  }
  absl::Status SumMiddleDim(DType in_dtype, const void* in, DType out_dtype, void* out, int64_t outer, int64_t n,
                            int64_t inner) const {
    return gpu_ ? cuda::SumMiddleDim(in_dtype, in, out_dtype, out, outer, n, inner, nullptr)
                : SumMiddleDimImpl(host_, in_dtype, in, out_dtype, out, outer, n, inner);
  }
  absl::Status IndexSelect(DType dtype, const void* in, const int64_t* index, void* out, int64_t outer, int64_t n,
                           int64_t k, int64_t inner) const {
    return gpu_ ? cuda::IndexSelect(dtype, in, index, out, outer, n, k, inner, nullptr)
                : IndexSelectImpl(host_, dtype, in, index, out, outer, n, k, inner);
  }
  absl::Status OneHot(DType dtype, const int64_t* labels, void* out, int64_t rows, int64_t classes) const {
    return gpu_ ? cuda::OneHot(dtype, labels, out, rows, classes, nullptr)
                : OneHotImpl(host_, dtype, labels, out, rows, classes);
  }
  absl::Status CrossEntropyForward(DType dtype, const void* logits, const int64_t* labels, void* logp, void* loss,
                                   int64_t rows, int64_t classes) const {
    return gpu_ ? cuda::CrossEntropyForward(dtype, logits, labels, logp, loss, rows, classes, nullptr)
                : CrossEntropyForwardImpl(host_, dtype, logits, labels, logp, loss, rows, classes);
  }
  absl::Status CrossEntropyBackward(DType dtype, const void* logp, const int64_t* labels, const void* upstream,
                                    double scale, void* grad, int64_t rows, int64_t classes) const {
    return gpu_ ? cuda::CrossEntropyBackward(dtype, logp, labels, upstream, scale, grad, rows, classes, nullptr)
                : CrossEntropyBackwardImpl(host_, dtype, logp, labels, upstream, scale, grad, rows, classes);
  }
  absl::Status SgdStep(DType dtype, void* param, const void* grad, void* buffer, int64_t n, double lr,
                       double momentum, double dampening, double weight_decay, bool nesterov,
                       bool first_step) const {
    return gpu_ ? cuda::SgdStep(dtype, param, grad, buffer, n, lr, momentum, dampening, weight_decay, nesterov,
                                first_step, nullptr)
                : SgdStepImpl(host_, dtype, param, grad, buffer, n, lr, momentum, dampening, weight_decay, nesterov,
                              first_step);
  }
  // int64 on the host; every dtype on the GPU.
  absl::Status Gemm(DType dtype, bool ta, bool tb, int64_t m, int64_t n, int64_t k, const void* a, int64_t lda,
                    const void* b, int64_t ldb, void* c, int64_t ldc, bool accumulate, bool tf32) const {
    if (gpu_) return cuda::Gemm(dtype, ta, tb, m, n, k, a, lda, b, ldb, c, ldc, accumulate, tf32, nullptr);
    if (dtype != kInt64) return absl::UnimplementedError("float GEMM is cuBLAS: GPU only");
    return GemmInt64Impl(host_, ta, tb, m, n, k, static_cast<const int64_t*>(a), lda, static_cast<const int64_t*>(b),
                         ldb, static_cast<int64_t*>(c), ldc, accumulate);
  }

 private:
  bool gpu_;
  HostLauncher host_;
};

class KernelsTest : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    if (!gpu()) return;
    const absl::StatusOr<int> count = CudaDeviceCount();
    if (!count.ok()) GTEST_SKIP() << "no usable CUDA: " << count.status();
    if (*count == 0) GTEST_SKIP() << "no CUDA device";
  }
  bool gpu() const { return GetParam() == Mode::kGpu; }
  Mode mode() const { return GetParam(); }

  // The launcher configurations to run a reduction / cross-entropy test under: on the host a
  // thread per row and simulated blocks or warps; on the GPU what the launcher picks.
  std::vector<int> BlockConfigs() const { return gpu() ? std::vector<int>{0} : std::vector<int>{0, 1, 4, 256}; }
  std::vector<int> WarpConfigs() const { return gpu() ? std::vector<int>{0} : std::vector<int>{0, 1, 8, 32}; }

  Backend k_{GetParam()};
};

// ---- Tensors, references and comparisons ---------------------------------------------------

LoopShape ShapeOf(const Tensor& t) {
  LoopShape s;
  s.ndim = static_cast<int>(t.dim());
  for (int64_t d = 0; d < t.dim(); ++d) s.sizes[d] = t.shape()[d];
  return s;
}

// A contiguous tensor of T from values converted from double (to bool: v != 0).
template <typename T>
Tensor Make(const std::vector<double>& v, const Shape& shape) {
  Tensor t = zeros(shape, DTypeOf<T>::value);
  T* p = t.data<T>();
  for (size_t i = 0; i < v.size(); ++i) {
    if constexpr (std::is_same_v<T, bool>) {
      p[i] = v[i] != 0;
    } else {
      p[i] = static_cast<T>(v[i]);
    }
  }
  return t;
}

// The elements of t in logical (row-major) order, read through its strides.
template <typename T>
std::vector<T> Read(const Tensor& t) {
  std::vector<T> out;
  const T* base = static_cast<const T*>(t.raw_data());
  test_util::ForEachOffset(t.shape(), t.strides(), [&](int64_t off) { out.push_back(base[off]); });
  return out;
}

template <typename T>
bool Close(T got, T want) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(want)) return std::isnan(got);
    if (std::isinf(want)) return got == want;
    const double tol = std::is_same_v<T, float> ? 2e-6 : 1e-13;
    return std::fabs(static_cast<double>(got) - static_cast<double>(want)) <=
           tol * std::max(1.0, std::fabs(static_cast<double>(want)));
  } else {
    return got == want;
  }
}

template <typename T>
void ExpectValues(const std::vector<T>& got, const std::vector<T>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_TRUE(Close<T>(got[i], want[i])) << what << ", element " << i << ": got " << +got[i] << ", want "
                                           << +want[i];
  }
}

template <typename... Ts, typename Fn>
void ForTypes(Fn&& fn) {
  (fn.template operator()<Ts>(), ...);
}

template <typename T>
std::string Name() {
  return std::string(DTypeName(DTypeOf<T>::value));
}

// 0, -1, 1, -2, 2, ... scaled: small values of both signs for any dtype.
std::vector<double> Ramp(int64_t n, double scale) {
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = scale * static_cast<double>((i % 2 == 0 ? 1 : -1) * ((i + 1) / 2));
  return v;
}

// Integer power by repeated multiplication (wrapping), and the CPU kernel's negative-exponent
// rule: 1 for base 1, +-1 for base -1, 0 otherwise.
int64_t NaiveIntPow(int64_t base, int64_t exp) {
  if (exp < 0) return base == 1 ? 1 : (base == -1 ? (exp % 2 == 0 ? 1 : -1) : 0);
  uint64_t r = 1;
  for (int64_t i = 0; i < exp; ++i) r *= static_cast<uint64_t>(base);
  return static_cast<int64_t>(r);
}

template <typename T>
T RefBinary(BinaryOp op, T x, T y, T alpha) {
  if constexpr (std::is_same_v<T, bool>) {
    return op == BinaryOp::kMax ? (x || y) : (x && y);
  } else {
    const bool nan = std::is_floating_point_v<T> && (std::isnan(static_cast<double>(x)) ||
                                                     std::isnan(static_cast<double>(y)));
    switch (op) {
      case BinaryOp::kAdd: return x + alpha * y;
      case BinaryOp::kSub: return x - alpha * y;
      case BinaryOp::kMul: return x * y;
      case BinaryOp::kDiv:
        if constexpr (std::is_integral_v<T>) return y == 0 ? 0 : x / y;
        return x / y;
      case BinaryOp::kPow:
        if constexpr (std::is_integral_v<T>) {
          return NaiveIntPow(x, y);
        } else {
          return std::pow(x, y);
        }
      case BinaryOp::kMax: return nan ? std::numeric_limits<T>::quiet_NaN() : std::max(x, y);
      case BinaryOp::kMin: return nan ? std::numeric_limits<T>::quiet_NaN() : std::min(x, y);
      default: return 0;
    }
  }
}

bool RefCompare(BinaryOp op, double x, double y) {
  switch (op) {
    case BinaryOp::kEq: return x == y;
    case BinaryOp::kNe: return x != y;
    case BinaryOp::kLt: return x < y;
    case BinaryOp::kLe: return x <= y;
    case BinaryOp::kGt: return x > y;
    case BinaryOp::kGe: return x >= y;
    default: return false;
  }
}

const BinaryOp kArithmetic[] = {BinaryOp::kAdd, BinaryOp::kSub, BinaryOp::kMul, BinaryOp::kDiv,
                                BinaryOp::kPow, BinaryOp::kMax, BinaryOp::kMin};
const BinaryOp kComparisons[] = {BinaryOp::kEq, BinaryOp::kNe, BinaryOp::kLt,
                                 BinaryOp::kLe, BinaryOp::kGt, BinaryOp::kGe};

// ---- Index math (host only) ----------------------------------------------------------------

// Offsets of element i, computed the long way from the original (uncollapsed) dims.
std::vector<int64_t> NaiveOffsets(const LoopShape& shape, const std::vector<std::vector<int64_t>>& strides,
                                  int64_t i) {
  std::vector<int64_t> off(strides.size(), 0);
  for (int d = shape.ndim - 1; d >= 0; --d) {
    const int64_t c = i % shape.sizes[d];
    i /= shape.sizes[d];
    for (size_t k = 0; k < strides.size(); ++k) off[k] += c * strides[k][d];
  }
  return off;
}

TEST(IndexerTest, CollapsedOffsetsMatchNaiveOnes) {
  struct Case {
    std::vector<int64_t> sizes;
    std::vector<int64_t> s0, s1, s2;  // out, a, b
    int want_ndim;
    bool contiguous;
  };
  const std::vector<Case> cases = {
      {{2, 3, 4}, {12, 4, 1}, {12, 4, 1}, {12, 4, 1}, 1, true},          // contiguous: one dim
      {{2, 3, 4}, {12, 4, 1}, {12, 4, 1}, {0, 0, 1}, 2, false},          // b broadcast over [2, 3]
      {{2, 3, 4}, {12, 4, 1}, {1, 2, 6}, {12, 4, 1}, 3, false},          // a transposed
      {{3, 1, 4}, {4, 4, 1}, {4, 99, 1}, {0, 7, 0}, 1, false},           // size-1 dim dropped; b all 0
      {{3, 1, 4}, {4, 4, 1}, {4, 99, 1}, {1, 7, 0}, 2, false},           // b broadcast along the last dim
      {{5, 2}, {2, 1}, {4, 2}, {2, 1}, 1, false},                        // a every other element
      {{5, 2}, {2, 1}, {6, 2}, {2, 1}, 2, false},                        // ... of rows 6 apart
      {{3, 4}, {1, 3}, {1, 3}, {1, 3}, 2, false},                        // all transposed alike
      {{}, {}, {}, {}, 0, true},                                          // one element
      {{1, 1}, {1, 1}, {5, 5}, {0, 0}, 0, true},                          // one element, 2-D
      {{2, 2, 2, 2, 2, 2, 2, 2}, {128, 64, 32, 16, 8, 4, 2, 1}, {1, 2, 4, 8, 16, 32, 64, 128},
       {0, 64, 32, 16, 8, 4, 2, 1}, 8, false},                            // kMaxDims
  };
  for (const Case& c : cases) {
    LoopShape shape;
    shape.ndim = static_cast<int>(c.sizes.size());
    for (int d = 0; d < shape.ndim; ++d) shape.sizes[d] = c.sizes[d];
    const Indexer<3> ix = MakeIndexer<3>(shape, {c.s0.data(), c.s1.data(), c.s2.data()});
    EXPECT_EQ(ix.ndim, c.want_ndim) << "case with " << shape.ndim << " dims";
    EXPECT_EQ(ix.Contiguous(), c.contiguous) << "case with " << shape.ndim << " dims";
    for (int64_t i = 0; i < NumElements(shape); ++i) {
      int64_t off[3], off32[3];
      ix.Offsets(i, off);
      ix.Offsets32(static_cast<uint32_t>(i), off32);  // the GPU's index math below 2^32 elements
      const std::vector<int64_t> want = NaiveOffsets(shape, {c.s0, c.s1, c.s2}, i);
      for (int k = 0; k < 3; ++k) {
        EXPECT_EQ(off[k], want[k]) << "element " << i << ", operand " << k;
        EXPECT_EQ(off32[k], want[k]) << "element " << i << ", operand " << k << " (32-bit)";
      }
    }
  }
}

// 32-bit index math with strides and offsets past 32 bits (a large tensor viewed sparsely).
TEST(IndexerTest, Offsets32KeepsWideStrides) {
  LoopShape shape;
  shape.ndim = 2;
  shape.sizes[0] = 70000;
  shape.sizes[1] = 3;
  const std::vector<int64_t> s0 = {100000, 1}, s1 = {0, 1};
  const Indexer<2> ix = MakeIndexer<2>(shape, {s0.data(), s1.data()});
  for (int64_t i : {int64_t{0}, int64_t{5}, int64_t{209999}, int64_t{123457}}) {
    int64_t off[2];
    ix.Offsets32(static_cast<uint32_t>(i), off);
    EXPECT_EQ(off[0], (i / 3) * 100000 + i % 3) << i;
    EXPECT_EQ(off[1], i % 3) << i;
  }
}

// ---- Elementwise ---------------------------------------------------------------------------

TEST_P(KernelsTest, CopyCastAllSixteenPairsFromStridedAndBroadcastSources) {
  const std::vector<double> v = {0, -1.5, 2.75, 3, -0.25, 7, 1, -4, 0.5, 100, -0, 6};
  ForTypes<bool, int64_t, float, double>([&]<typename A>() {
    ForTypes<bool, int64_t, float, double>([&]<typename O>() {
      SCOPED_TRACE(Name<A>() + " -> " + Name<O>());
      const Tensor base = Make<A>(v, {4, 3});
      for (const Tensor& src : {base.t(), base.select(0, 1).unsqueeze(1).expand({3, 4})}) {
        Tensor dst = zeros({3, 4}, DTypeOf<O>::value);
        Arena arena(mode());
        ASSERT_OK(k_.CopyCast(ShapeOf(dst), arena.Op(dst), arena.Op(src)));
        ASSERT_OK(arena.Sync());
        std::vector<O> want;
        for (A x : Read<A>(src)) {
          if constexpr (std::is_same_v<O, bool>) {
            want.push_back(x != A(0));
          } else {
            want.push_back(static_cast<O>(x));
          }
        }
        ExpectValues(Read<O>(dst), want, "copy");
      }
    });
  });
}

TEST_P(KernelsTest, FillWritesOnlyTheStridedElements) {
  ForTypes<bool, int64_t, float, double>([&]<typename T>() {
    SCOPED_TRACE(Name<T>());
    Tensor base = Make<T>(std::vector<double>(12, 0), {3, 4});
    const Tensor every_other = base.slice(1, 0, 4, 2);  // [3, 2], strides {4, 2}
    Arena arena(mode());
    ASSERT_OK(k_.Fill(ShapeOf(every_other), arena.Op(every_other), ScalarArg{2.5, 7}));
    ASSERT_OK(arena.Sync());
    const T v = std::is_same_v<T, bool> ? T(1) : (std::is_integral_v<T> ? T(7) : T(2.5));
    std::vector<T> want;
    for (int i = 0; i < 12; ++i) want.push_back(i % 2 == 0 ? v : T(0));
    ExpectValues(Read<T>(base), want, "fill");
  });
}

// Every binary op and dtype over a transposed a and a broadcast b (stride 0), a contiguous
// pair (the fast path), and a scalar b.
TEST_P(KernelsTest, BinaryOpsMatchNaiveReferences) {
  const std::vector<double> fa = {1.5, -2, 0, kNan, 4, -0.5, 3, 2, kInf, -3, 0.25, 8};
  const std::vector<double> fb = {2, -0.5, kNan, 0};
  const std::vector<double> ia = {7, -7, 0, 3, -3, 2, 5, -1, 1, 6, -4, 2};
  const std::vector<double> ib = {2, -1, 0, 3};
  const std::vector<double> ba = {1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0};
  const std::vector<double> bb = {1, 0, 0, 1};
  auto run = [&]<typename T>(const std::vector<double>& av, const std::vector<double>& bv, ScalarArg alpha,
                             const T al) {
    const bool is_bool = std::is_same_v<T, bool>;
    const Tensor a_t = Make<T>(av, {4, 3}).t();                          // [3, 4], strides {1, 3}
    const Tensor b_bc = Make<T>(bv, {4}).unsqueeze(0).expand({3, 4});  // strides {0, 1}
    const Tensor a_c = a_t.contiguous();
    const Tensor b_c = b_bc.contiguous();
    for (BinaryOp op : kArithmetic) {
      if (is_bool && op != BinaryOp::kMax && op != BinaryOp::kMin) continue;
      for (int variant = 0; variant < 2; ++variant) {
        SCOPED_TRACE(Name<T>() + " op " + std::to_string(static_cast<int>(op)) + " variant " + std::to_string(variant));
        const Tensor& a = variant == 0 ? a_t : a_c;
        const Tensor& b = variant == 0 ? b_bc : b_c;
        Tensor out = zeros({3, 4}, DTypeOf<T>::value);
        Arena arena(mode());
        ASSERT_OK(k_.Binary(op, ShapeOf(out), arena.Op(out), arena.Op(a), arena.Op(b), alpha));
        ASSERT_OK(arena.Sync());
        std::vector<T> want;
        const std::vector<T> x = Read<T>(a), y = Read<T>(b);
        for (size_t i = 0; i < x.size(); ++i) want.push_back(RefBinary<T>(op, x[i], y[i], al));
        ExpectValues(Read<T>(out), want, "binary");
      }
      // a (op) scalar: the scalar is b's element 1, alpha is 1.
      Tensor out = zeros({3, 4}, DTypeOf<T>::value);
      Arena arena(mode());
      const ScalarArg s{bv[1], static_cast<int64_t>(bv[1])};
      ASSERT_OK(k_.BinaryScalar(op, ShapeOf(out), arena.Op(out), arena.Op(a_t), s));
      ASSERT_OK(arena.Sync());
      std::vector<T> want;
      for (T x : Read<T>(a_t)) want.push_back(RefBinary<T>(op, x, Read<T>(b_c)[1], T(1)));
      ExpectValues(Read<T>(out), want, "binary scalar");
    }
    for (BinaryOp op : kComparisons) {
      SCOPED_TRACE(Name<T>() + " comparison " + std::to_string(static_cast<int>(op)));
      Tensor out = zeros({3, 4}, kBool);
      Tensor out_s = zeros({3, 4}, kBool);
      Arena arena(mode());
      ASSERT_OK(k_.Binary(op, ShapeOf(out), arena.Op(out), arena.Op(a_t), arena.Op(b_bc), ScalarArg{1, 1}));
      ASSERT_OK(k_.BinaryScalar(op, ShapeOf(out_s), arena.Op(out_s), arena.Op(a_t), ScalarArg{bv[0], 2}));
      ASSERT_OK(arena.Sync());
      std::vector<bool> want, want_s;
      const std::vector<T> x = Read<T>(a_t), y = Read<T>(b_bc);
      for (size_t i = 0; i < x.size(); ++i) {
        want.push_back(RefCompare(op, static_cast<double>(x[i]), static_cast<double>(y[i])));
        want_s.push_back(RefCompare(op, static_cast<double>(x[i]), static_cast<double>(Read<T>(b_c)[0])));
      }
      ExpectValues(Read<bool>(out), want, "compare");
      ExpectValues(Read<bool>(out_s), want_s, "compare scalar");
    }
  };
  run.template operator()<float>(fa, fb, ScalarArg{2.5, 2}, 2.5f);
  run.template operator()<double>(fa, fb, ScalarArg{-0.75, 0}, -0.75);
  run.template operator()<int64_t>(ia, ib, ScalarArg{3.9, 3}, int64_t{3});
  run.template operator()<bool>(ba, bb, ScalarArg{1, 1}, true);
}

TEST_P(KernelsTest, BinaryEdgeCases) {
  // NaN wins max/min in either position; -0 vs 0 keeps the first operand.
  {
    const Tensor a = Make<double>({kNan, 1, 0, -0.0, kNan}, {5});
    const Tensor b = Make<double>({1, kNan, -0.0, 0, kNan}, {5});
    Tensor mx = zeros({5}, kFloat64), mn = zeros({5}, kFloat64);
    Arena arena(mode());
    ASSERT_OK(k_.Binary(BinaryOp::kMax, ShapeOf(mx), arena.Op(mx), arena.Op(a), arena.Op(b), {}));
    ASSERT_OK(k_.Binary(BinaryOp::kMin, ShapeOf(mn), arena.Op(mn), arena.Op(a), arena.Op(b), {}));
    ASSERT_OK(arena.Sync());
    const std::vector<double> got_max = Read<double>(mx), got_min = Read<double>(mn);
    for (int i : {0, 1, 4}) {
      EXPECT_TRUE(std::isnan(got_max[i])) << i;
      EXPECT_TRUE(std::isnan(got_min[i])) << i;
    }
    EXPECT_FALSE(std::signbit(got_max[2]));
    EXPECT_TRUE(std::signbit(got_max[3]));
  }
  // int64: division truncates toward zero and x / 0 is 0; exact powers, wrapping, negative
  // exponents as on the CPU.
  {
    const Tensor a = Make<int64_t>({7, -7, 7, -7, 5, 0, 3, 2, 2, -2, 1, -1, -1, 2, 0, 3}, {16});
    const Tensor b = Make<int64_t>({2, 2, -2, -2, 0, 0, 41, 62, 63, 63, -5, -3, -4, -1, -1, 0}, {16});
    Tensor q = zeros({16}, kInt64), p = zeros({16}, kInt64);
    Arena arena(mode());
    ASSERT_OK(k_.Binary(BinaryOp::kDiv, ShapeOf(q), arena.Op(q), arena.Op(a), arena.Op(b), {}));
    ASSERT_OK(k_.Binary(BinaryOp::kPow, ShapeOf(p), arena.Op(p), arena.Op(a), arena.Op(b), {}));
    ASSERT_OK(arena.Sync());
    const std::vector<int64_t> got_q = Read<int64_t>(q);
    EXPECT_EQ(std::vector<int64_t>(got_q.begin(), got_q.begin() + 6), (std::vector<int64_t>{3, -3, -3, 3, 0, 0}));
    const std::vector<int64_t> got_p = Read<int64_t>(p);
    EXPECT_EQ(got_p[5], 1);                                  // 0^0
    EXPECT_EQ(got_p[6], NaiveIntPow(3, 41));                 // wraps
    EXPECT_EQ(got_p[7], int64_t{1} << 62);                   // exact
    EXPECT_EQ(got_p[8], std::numeric_limits<int64_t>::min());  // 2^63 wraps
    EXPECT_EQ(got_p[9], std::numeric_limits<int64_t>::min());  // (-2)^63
    EXPECT_EQ(got_p[10], 1);                                 // 1^-5
    EXPECT_EQ(got_p[11], -1);                                // (-1)^-3
    EXPECT_EQ(got_p[12], 1);                                 // (-1)^-4
    EXPECT_EQ(got_p[13], 0);                                 // 2^-1
    EXPECT_EQ(got_p[14], 0);                                 // 0^-1
    EXPECT_EQ(got_p[15], 1);                                 // 3^0
  }
}

TEST_P(KernelsTest, UnaryOpsMatchNaiveReferences) {
  const std::vector<double> fv = {-3, -0.5, 0, 0.5, 2, 10, -1000, 1000, kNan, kInf, -kInf, -0.0};
  auto ref = [](UnaryOp op, long double x) -> long double {
    switch (op) {
      case UnaryOp::kNeg: return -x;
      case UnaryOp::kExp: return std::exp(x);
      case UnaryOp::kLog: return std::log(x);
      case UnaryOp::kSqrt: return std::sqrt(x);
      case UnaryOp::kAbs: return std::fabs(x);
      case UnaryOp::kSigmoid: return 1 / (1 + std::exp(-x));
      case UnaryOp::kTanh: return std::tanh(x);
      case UnaryOp::kRelu: return std::isnan(x) ? x : (x > 0 ? x : 0);
    }
    return 0;
  };
  const UnaryOp all[] = {UnaryOp::kNeg,     UnaryOp::kExp,  UnaryOp::kLog,  UnaryOp::kSqrt,
                         UnaryOp::kAbs,     UnaryOp::kSigmoid, UnaryOp::kTanh, UnaryOp::kRelu};
  ForTypes<float, double>([&]<typename T>() {
    const Tensor a = Make<T>(fv, {3, 4}).t();
    for (UnaryOp op : all) {
      SCOPED_TRACE(Name<T>() + " op " + std::to_string(static_cast<int>(op)));
      Tensor out = zeros({4, 3}, DTypeOf<T>::value);
      Arena arena(mode());
      ASSERT_OK(k_.Unary(op, ShapeOf(out), arena.Op(out), arena.Op(a)));
      ASSERT_OK(arena.Sync());
      std::vector<T> want;
      for (T x : Read<T>(a)) want.push_back(static_cast<T>(ref(op, x)));
      ExpectValues(Read<T>(out), want, "unary");
    }
  });
  // int64: exact neg/abs/relu; the transcendental ones truncate a double result, as on the CPU.
  const Tensor a = Make<int64_t>({-3, 0, 1, 2, 10, 100}, {6});
  const std::vector<int64_t> x = Read<int64_t>(a);
  for (UnaryOp op : {UnaryOp::kNeg, UnaryOp::kAbs, UnaryOp::kRelu}) {
    Tensor out = zeros({6}, kInt64);
    Arena arena(mode());
    ASSERT_OK(k_.Unary(op, ShapeOf(out), arena.Op(out), arena.Op(a)));
    ASSERT_OK(arena.Sync());
    std::vector<int64_t> want;
    for (int64_t v : x) want.push_back(op == UnaryOp::kNeg ? -v : (op == UnaryOp::kAbs ? std::abs(v) : std::max<int64_t>(v, 0)));
    ExpectValues(Read<int64_t>(out), want, "int64 unary");
  }
  const Tensor pos = Make<int64_t>({1, 2, 10, 40}, {4});
  Tensor e = zeros({4}, kInt64), s = zeros({4}, kInt64), sg = zeros({4}, kInt64);
  Arena arena(mode());
  ASSERT_OK(k_.Unary(UnaryOp::kExp, ShapeOf(e), arena.Op(e), arena.Op(pos)));
  ASSERT_OK(k_.Unary(UnaryOp::kSqrt, ShapeOf(s), arena.Op(s), arena.Op(pos)));
  ASSERT_OK(k_.Unary(UnaryOp::kSigmoid, ShapeOf(sg), arena.Op(sg), arena.Op(pos)));
  ASSERT_OK(arena.Sync());
  const std::vector<int64_t> got_e = Read<int64_t>(e);
  EXPECT_EQ(std::vector<int64_t>(got_e.begin(), got_e.begin() + 3), (std::vector<int64_t>{2, 7, 22026}));
  EXPECT_EQ(Read<int64_t>(s), (std::vector<int64_t>{1, 1, 3, 6}));
  EXPECT_EQ(Read<int64_t>(sg), (std::vector<int64_t>{0, 0, 0, 1}));  // 1 / (1 + e^-x) truncated
}

TEST_P(KernelsTest, ClampAppliesOnlyTheGivenBoundsAndPassesNan) {
  const std::vector<double> v = {-kInf, -2, -0.5, 0, 0.5, 2, kInf, kNan};
  struct Case {
    bool has_lo, has_hi;
    std::vector<double> want;
  };
  const std::vector<Case> cases = {
      {true, true, {-1, -1, -0.5, 0, 0.5, 1, 1, kNan}},
      {true, false, {-1, -1, -0.5, 0, 0.5, 2, kInf, kNan}},
      {false, true, {-kInf, -2, -0.5, 0, 0.5, 1, 1, kNan}},
      {false, false, v},
  };
  ForTypes<float, double>([&]<typename T>() {
    for (const Case& c : cases) {
      SCOPED_TRACE(Name<T>() + " lo " + std::to_string(c.has_lo) + " hi " + std::to_string(c.has_hi));
      const Tensor a = Make<T>(v, {8});
      Tensor out = zeros({8}, DTypeOf<T>::value);
      Arena arena(mode());
      ASSERT_OK(k_.Clamp(ShapeOf(out), arena.Op(out), arena.Op(a), c.has_lo, ScalarArg{-1, -1}, c.has_hi,
                         ScalarArg{1, 1}));
      ASSERT_OK(arena.Sync());
      ExpectValues(Read<T>(out), Read<T>(Make<T>(c.want, {8})), "clamp");
    }
  });
  const Tensor a = Make<int64_t>({-5, -1, 0, 3, 9}, {5});
  Tensor out = zeros({5}, kInt64);
  Arena arena(mode());
  ASSERT_OK(k_.Clamp(ShapeOf(out), arena.Op(out), arena.Op(a), true, ScalarArg{-2.5, -2}, true, ScalarArg{4.5, 4}));
  ASSERT_OK(arena.Sync());
  EXPECT_EQ(Read<int64_t>(out), (std::vector<int64_t>{-2, -1, 0, 3, 4}));
}

TEST_P(KernelsTest, WhereAndReluBackward) {
  ForTypes<bool, int64_t, float, double>([&]<typename T>() {
    SCOPED_TRACE(Name<T>());
    const Tensor mask = Make<bool>({1, 0, 1}, {3, 1}).expand({3, 4});
    const Tensor a = Make<T>(Ramp(12, 1), {4, 3}).t();
    const Tensor b = Make<T>({9, 8, 0, 6}, {4}).unsqueeze(0).expand({3, 4});
    Tensor out = zeros({3, 4}, DTypeOf<T>::value);
    Arena arena(mode());
    ASSERT_OK(k_.Where(ShapeOf(out), arena.Op(out), arena.Op(mask), arena.Op(a), arena.Op(b)));
    ASSERT_OK(arena.Sync());
    std::vector<T> want;
    const std::vector<bool> m = Read<bool>(mask);
    const std::vector<T> x = Read<T>(a), y = Read<T>(b);
    for (size_t i = 0; i < m.size(); ++i) want.push_back(m[i] ? x[i] : y[i]);
    ExpectValues(Read<T>(out), want, "where");
  });
  ForTypes<float, double>([&]<typename T>() {
    SCOPED_TRACE(Name<T>());
    const Tensor grad = Make<T>({1, 2, 3, 4, 5, 6}, {6});
    const Tensor y = Make<T>({-1, 0, 0.5, kNan, 3, -0.0}, {6});
    Tensor out = full({6}, 42, DTypeOf<T>::value);
    Arena arena(mode());
    ASSERT_OK(k_.ReluBackward(ShapeOf(out), arena.Op(out), arena.Op(grad), arena.Op(y)));
    ASSERT_OK(arena.Sync());
    ExpectValues(Read<T>(out), std::vector<T>{0, 0, 3, 0, 5, 0}, "relu backward");
  });
}

// ---- Reductions ----------------------------------------------------------------------------

// The naive row reduction: sum in long double (or exact for integers), the first extreme, the
// first NaN.
template <typename T>
void RefReduce(ReduceOp op, const std::vector<T>& row, double* value, int64_t* index) {
  if (op == ReduceOp::kSum) {
    long double s = 0;
    for (T x : row) s += static_cast<long double>(x);
    *value = static_cast<double>(s);
    return;
  }
  const bool want_max = op == ReduceOp::kMax || op == ReduceOp::kArgMax;
  int64_t best = 0;
  for (size_t i = 0; i < row.size(); ++i) {
    const double x = static_cast<double>(row[i]);
    if (std::isnan(x)) {
      best = static_cast<int64_t>(i);
      break;
    }
    const double b = static_cast<double>(row[best]);
    if (want_max ? x > b : x < b) best = static_cast<int64_t>(i);
  }
  *index = best;
  *value = static_cast<double>(row[best]);
}

template <typename T>
DType ReduceOutDType(ReduceOp op) {
  if (op == ReduceOp::kArgMax || op == ReduceOp::kArgMin) return kInt64;
  if (op == ReduceOp::kSum && std::is_same_v<T, bool>) return kInt64;
  return DTypeOf<T>::value;
}

// Reduces the last dim of `in` ([..., n], any strides) with every op under every launcher
// configuration, against RefReduce and against concord's CPU reductions.
template <typename T>
void CheckReduce(Backend& k, Mode mode, const std::vector<int>& configs, const Tensor& in) {
  const int64_t n = in.shape().back();
  const Shape row_shape(in.shape().begin(), in.shape().end() - 1);
  const Tensor rows_view(in.storage(), row_shape, Strides(in.strides().begin(), in.strides().end() - 1),
                         in.storage_offset(), in.dtype());
  const std::vector<T> flat = Read<T>(in);
  for (ReduceOp op : {ReduceOp::kSum, ReduceOp::kMax, ReduceOp::kMin, ReduceOp::kArgMax, ReduceOp::kArgMin}) {
    for (int threads : configs) {
      SCOPED_TRACE(Name<T>() + " op " + std::to_string(static_cast<int>(op)) + " block " + std::to_string(threads));
      k.host().block_threads = threads;
      const DType out_dtype = ReduceOutDType<T>(op);
      Tensor out = zeros(row_shape, out_dtype);
      Arena arena(mode);
      Operand in_op = arena.Op(rows_view);
      ASSERT_OK(k.ReduceLastDim(op, ShapeOf(out), arena.Op(out), in_op, n, in.strides().back()));
      ASSERT_OK(arena.Sync());
      // Naive reference, row by row.
      std::vector<double> want;
      for (size_t start = 0; start < flat.size(); start += n) {
        double value = 0;
        int64_t index = 0;
        RefReduce<T>(op, std::vector<T>(flat.begin() + start, flat.begin() + start + n), &value, &index);
        want.push_back(op == ReduceOp::kArgMax || op == ReduceOp::kArgMin ? static_cast<double>(index) : value);
      }
      const std::vector<double> got = test_util::Values(out);
      ASSERT_EQ(got.size(), want.size());
      const double tol = std::is_same_v<T, float> && op == ReduceOp::kSum ? 1e-6 : 1e-12;
      for (size_t i = 0; i < got.size(); ++i) {
        const bool same = (std::isnan(got[i]) && std::isnan(want[i])) || got[i] == want[i] ||
                          std::fabs(got[i] - want[i]) <= tol * std::max(1.0, std::fabs(want[i]));
        EXPECT_TRUE(same) << "row " << i << ": got " << got[i] << ", want " << want[i];
      }
      // concord's CPU twin (tensor/ops/reduce.cc) through the public API (which has no
      // max/min/arg* for bool).
      if (in.dim() > 0 && n > 0 && (op == ReduceOp::kSum || !std::is_same_v<T, bool>)) {
        const int64_t dim = in.dim() - 1;
        Tensor cpu;
        switch (op) {
          case ReduceOp::kSum: cpu = in.sum(dim); break;
          case ReduceOp::kMax: cpu = in.max(dim); break;
          case ReduceOp::kMin: cpu = in.min(dim); break;
          case ReduceOp::kArgMax: cpu = in.argmax(dim); break;
          case ReduceOp::kArgMin: cpu = in.argmin(dim); break;
        }
        EXPECT_TRUE(test_util::HasValues(out, cpu.shape(), test_util::Values(cpu), 1e-5)) << "vs the CPU op";
      }
    }
  }
  k.host().block_threads = 0;
}

TEST_P(KernelsTest, ReduceLastDimEveryOpAndDtypeOverStridedRows) {
  // [2, 3, 5] read as base[2, 5, 3].transpose(1, 2): rows have stride 3. Ties, NaNs (first,
  // later, two in a row), +-inf.
  const std::vector<double> v = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9,
                                 kNan, 1, 2, 3, kNan, 0, kInf, -kInf, 2, kNan, 2, 2, -1, -1, kNan};
  ForTypes<float, double>([&]<typename T>() {
    CheckReduce<T>(k_, mode(), BlockConfigs(), Make<T>(v, {2, 5, 3}).transpose(1, 2));
  });
  std::vector<double> iv(30);
  for (int i = 0; i < 30; ++i) iv[i] = (i * 7) % 11 - 5;
  CheckReduce<int64_t>(k_, mode(), BlockConfigs(), Make<int64_t>(iv, {2, 5, 3}).transpose(1, 2));
  std::vector<double> bv(30);
  for (int i = 0; i < 30; ++i) bv[i] = (i % 3 == 0 || i % 7 == 0) ? 1 : 0;
  CheckReduce<bool>(k_, mode(), BlockConfigs(), Make<bool>(bv, {2, 5, 3}).transpose(1, 2));
  // One row of one element; a 1-D tensor (rows = one element, ndim 0).
  CheckReduce<float>(k_, mode(), BlockConfigs(), Make<float>({-2}, {1, 1}));
  CheckReduce<double>(k_, mode(), BlockConfigs(), Make<double>({4, -1, kNan, 7, kNan, -kInf}, {6}));
}

TEST_P(KernelsTest, ReduceLastDimLongRowsAndManyRows) {
  // A full-tensor sum and argmax of 2^22 elements (one block per row on the GPU), and 5000
  // short rows (one thread per row).
  const int64_t n = int64_t{1} << 22;
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<double>((i * 7919) % 1000) / 8;
  v[3000001] = 200;
  v[4000000] = 200;
  CheckReduce<float>(k_, mode(), gpu() ? std::vector<int>{0} : std::vector<int>{0, 256}, Make<float>(v, {n}));
  std::vector<double> w(5000 * 3);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<double>((i * 31) % 17) - 8;
  CheckReduce<double>(k_, mode(), BlockConfigs(), Make<double>(w, {5000, 3}));
}

TEST_P(KernelsTest, SumsAccumulateFloat32InDoubleAndEmptyRowsSumToZero) {
  // 2^24 + 1 + 1: float accumulation would stay at 2^24.
  const Tensor in = Make<float>({16777216, 1, 1, 0.5, 0.25, 0.25}, {2, 3});
  Tensor out = zeros({2}, kFloat32);
  Tensor empty_out = full({3}, 5, kFloat64);
  for (int threads : BlockConfigs()) {
    k_.host().block_threads = threads;
    Arena arena(mode());
    ASSERT_OK(k_.ReduceLastDim(ReduceOp::kSum, ShapeOf(out), arena.Op(out), arena.Op(in.select(1, 0)), 3, 1));
    LoopShape rows;
    rows.ndim = 1;
    rows.sizes[0] = 3;
    Operand e_in = arena.Op(empty_out);  // any valid pointer: no element is read
    e_in.strides[0] = 0;
    ASSERT_OK(k_.ReduceLastDim(ReduceOp::kSum, rows, arena.Op(empty_out), e_in, 0, 1));
    ASSERT_OK(arena.Sync());
    EXPECT_EQ(Read<float>(out), (std::vector<float>{16777218, 1}));
    EXPECT_EQ(Read<double>(empty_out), (std::vector<double>{0, 0, 0}));
  }
  k_.host().block_threads = 0;
}

TEST_P(KernelsTest, SumMiddleDimMatchesNaiveSumsAndTheCpuOp) {
  const int64_t outer = 2, n = 5, inner = 3;
  ForTypes<bool, int64_t, float, double>([&]<typename T>() {
    SCOPED_TRACE(Name<T>());
    const Tensor in = Make<T>(Ramp(outer * n * inner, 0.5), {outer, n, inner});
    const DType out_dtype = std::is_same_v<T, bool> ? kInt64 : DTypeOf<T>::value;
    Tensor out = zeros({outer, inner}, out_dtype);
    Arena arena(mode());
    ASSERT_OK(k_.SumMiddleDim(in.dtype(), arena.Ptr(in), out_dtype, arena.Ptr(out), outer, n, inner));
    ASSERT_OK(arena.Sync());
    const std::vector<T> x = Read<T>(in);
    std::vector<double> want;
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t j = 0; j < inner; ++j) {
        double s = 0;
        for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[(o * n + i) * inner + j]);
        want.push_back(std::is_same_v<T, int64_t> ? std::trunc(s) : s);
      }
    }
    EXPECT_TRUE(test_util::HasValues(out, {outer, inner}, want, 1e-12));
    EXPECT_TRUE(test_util::HasValues(out, {outer, inner}, test_util::Values(in.sum(1)), 1e-6)) << "vs the CPU op";
  });
}

// Long and short columns, tiles that span several outer rows, fewer rows than lanes: the GPU's
// 32 lanes per column (simulated on the host) and one lane per column give the naive sums.
TEST_P(KernelsTest, SumMiddleDimOverLongColumnsMatchesNaiveSums) {
  struct Case {
    int64_t outer, n, inner;
  };
  for (const Case& c : {Case{1, 517, 10}, Case{3, 1000, 40}, Case{2, 7, 3}, Case{1, 131, 64}}) {
    for (int lanes : {0, 32}) {
      if (mode() == Mode::kGpu && lanes == 0) continue;  // the GPU always runs its own lanes
      k_.host().column_lanes = lanes;
      ForTypes<bool, int64_t, float, double>([&]<typename T>() {
        SCOPED_TRACE(::testing::Message() << Name<T>() << " [" << c.outer << ", " << c.n << ", " << c.inner
                                          << "], lanes " << lanes);
        const Tensor in = Make<T>(Ramp(c.outer * c.n * c.inner, 0.25), {c.outer, c.n, c.inner});
        const DType out_dtype = std::is_same_v<T, bool> ? kInt64 : DTypeOf<T>::value;
        Tensor out = zeros({c.outer, c.inner}, out_dtype);
        Arena arena(mode());
        ASSERT_OK(k_.SumMiddleDim(in.dtype(), arena.Ptr(in), out_dtype, arena.Ptr(out), c.outer, c.n, c.inner));
        ASSERT_OK(arena.Sync());
        const std::vector<T> x = Read<T>(in);
        std::vector<double> want;
        for (int64_t o = 0; o < c.outer; ++o) {
          for (int64_t j = 0; j < c.inner; ++j) {
            double s = 0;
            for (int64_t i = 0; i < c.n; ++i) s += static_cast<double>(x[(o * c.n + i) * c.inner + j]);
            want.push_back(s);
          }
        }
        EXPECT_TRUE(test_util::HasValues(out, {c.outer, c.inner}, want, 1e-9));
      });
    }
  }
  k_.host().column_lanes = 0;
}

// ---- Indexing ------------------------------------------------------------------------------

TEST_P(KernelsTest, IndexSelectEveryDtypeMatchesNaiveAndTheCpuOp) {
  const int64_t outer = 2, n = 4, inner = 3;
  const Tensor index = Make<int64_t>({3, 0, 3, 1, 2}, {5});
  ForTypes<bool, int64_t, float, double>([&]<typename T>() {
    SCOPED_TRACE(Name<T>());
    std::vector<double> v = Ramp(outer * n * inner, 1.25);
    if (std::is_floating_point_v<T>) v[5] = kNan;
    const Tensor in = Make<T>(v, {outer, n, inner});
    Tensor out = zeros({outer, 5, inner}, DTypeOf<T>::value);
    Arena arena(mode());
    ASSERT_OK(k_.IndexSelect(in.dtype(), arena.Ptr(in), static_cast<const int64_t*>(arena.Ptr(index)),
                             arena.Ptr(out), outer, n, 5, inner));
    ASSERT_OK(arena.Sync());
    const std::vector<T> x = Read<T>(in);
    const std::vector<int64_t> idx = Read<int64_t>(index);
    std::vector<T> want;
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t j = 0; j < 5; ++j) {
        for (int64_t i = 0; i < inner; ++i) want.push_back(x[(o * n + idx[j]) * inner + i]);
      }
    }
    ExpectValues(Read<T>(out), want, "index_select");
    ExpectValues(Read<T>(out), Read<T>(index_select(in, 1, index)), "vs the CPU op");
  });
}

TEST_P(KernelsTest, OneHotLeavesOutOfRangeRowsZero) {
  const Tensor labels = Make<int64_t>({2, -1, 0, 4, 3}, {5});
  ForTypes<float, double>([&]<typename T>() {
    SCOPED_TRACE(Name<T>());
    Tensor out = full({5, 4}, 7, DTypeOf<T>::value);
    Arena arena(mode());
    ASSERT_OK(k_.OneHot(DTypeOf<T>::value, static_cast<const int64_t*>(arena.Ptr(labels)), arena.Ptr(out), 5, 4));
    ASSERT_OK(arena.Sync());
    ExpectValues(Read<T>(out),
                 std::vector<T>{0, 0, 1, 0,  //
                                0, 0, 0, 0,  // -1
                                1, 0, 0, 0,  //
                                0, 0, 0, 0,  // 4 == classes
                                0, 0, 0, 1},
                 "one_hot");
  });
}

// ---- Fused training kernels ----------------------------------------------------------------

TEST_P(KernelsTest, CrossEntropyForwardClosedFormsAndNaiveRows) {
  ForTypes<float, double>([&]<typename T>() {
    const DType dt = DTypeOf<T>::value;
    for (int lanes : WarpConfigs()) {
      SCOPED_TRACE(Name<T>() + " lanes " + std::to_string(lanes));
      k_.host().warp_lanes = lanes;
      // Rows: the closed form, large logits (stability), labels out of range, a NaN.
      const Tensor logits = Make<T>({1, 2, 3, 1000, 1001, 1002, 0, 0, 0, 5, -5, 0, 1, kNan, 2}, {5, 3});
      const Tensor labels = Make<int64_t>({2, 0, -1, 3, 1}, {5});
      Tensor logp = zeros({5, 3}, dt), loss = full({5}, 9, dt);
      Arena arena(mode());
      ASSERT_OK(k_.CrossEntropyForward(dt, arena.Ptr(logits), static_cast<const int64_t*>(arena.Ptr(labels)),
                                       arena.Ptr(logp), arena.Ptr(loss), 5, 3));
      ASSERT_OK(arena.Sync());
      const std::vector<T> l = Read<T>(loss);
      EXPECT_NEAR(l[0], 0.40760596444438, 1e-6);  // log(e + e^2 + e^3) - 3
      EXPECT_NEAR(l[1], 2.40760596444438, 1e-5);  // lse(1000, 1001, 1002) - 1000
      EXPECT_EQ(l[2], 0);
      EXPECT_EQ(l[3], 0);
      EXPECT_TRUE(std::isnan(l[4]));
      const std::vector<T> lp = Read<T>(logp);
      EXPECT_NEAR(lp[0], 1 - 3.40760596444438, 1e-6);
      EXPECT_NEAR(lp[1], 2 - 3.40760596444438, 1e-6);
      EXPECT_NEAR(lp[6], -std::log(3.0), 1e-6);
      for (int c = 12; c < 15; ++c) EXPECT_TRUE(std::isnan(lp[c])) << c;
    }
    // 7 rows of 100 classes (one warp per row on the GPU) against a long-double reference.
    for (int lanes : WarpConfigs()) {
      SCOPED_TRACE(Name<T>() + " 100 classes, lanes " + std::to_string(lanes));
      k_.host().warp_lanes = lanes;
      const int64_t rows = 7, classes = 100;
      std::vector<double> x(rows * classes);
      for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>((i * 37) % 101) / 10 - 5;
      x[2 * classes + 5] = 1000;  // a dominant logit: a max that missed it would overflow exp
      const Tensor logits = Make<T>(x, {rows, classes});
      const Tensor labels = Make<int64_t>({0, 99, 50, 100, -2, 7, 13}, {rows});
      Tensor logp = zeros({rows, classes}, dt), loss = zeros({rows}, dt);
      Arena arena(mode());
      ASSERT_OK(k_.CrossEntropyForward(dt, arena.Ptr(logits), static_cast<const int64_t*>(arena.Ptr(labels)),
                                       arena.Ptr(logp), arena.Ptr(loss), rows, classes));
      ASSERT_OK(arena.Sync());
      const std::vector<T> xs = Read<T>(logits), lp = Read<T>(logp), l = Read<T>(loss);
      const std::vector<int64_t> lab = Read<int64_t>(labels);
      for (int64_t r = 0; r < rows; ++r) {
        long double m = xs[r * classes], s = 0;
        for (int64_t c = 0; c < classes; ++c) m = std::max<long double>(m, xs[r * classes + c]);
        for (int64_t c = 0; c < classes; ++c) s += std::exp(static_cast<long double>(xs[r * classes + c]) - m);
        const long double lse = m + std::log(s);
        auto tol = [](double v) { return 1e-5 * std::max(1.0, std::fabs(v)); };  // float32 rounding
        for (int64_t c = 0; c < classes; ++c) {
          const double want = static_cast<double>(xs[r * classes + c] - lse);
          EXPECT_NEAR(lp[r * classes + c], want, tol(want)) << r << "," << c;
        }
        const bool in_range = lab[r] >= 0 && lab[r] < classes;
        const double want = in_range ? static_cast<double>(lse - xs[r * classes + lab[r]]) : 0.0;
        EXPECT_NEAR(l[r], want, tol(want)) << r;
      }
    }
    k_.host().warp_lanes = 0;
  });
}

TEST_P(KernelsTest, CrossEntropyBackwardIsSoftmaxMinusOneHotTimesUpstreamAndScale) {
  ForTypes<float, double>([&]<typename T>() {
    SCOPED_TRACE(Name<T>());
    const DType dt = DTypeOf<T>::value;
    const double lse = 3.40760596444438;  // log(e + e^2 + e^3)
    const Tensor logp = Make<T>({1 - lse, 2 - lse, 3 - lse, 1 - lse, 2 - lse, 3 - lse}, {2, 3});
    const Tensor labels = Make<int64_t>({2, 5}, {2});  // row 1: out of range, no -1
    const Tensor upstream = Make<T>({3}, {});
    Tensor grad = zeros({2, 3}, dt);
    Arena arena(mode());
    ASSERT_OK(k_.CrossEntropyBackward(dt, arena.Ptr(logp), static_cast<const int64_t*>(arena.Ptr(labels)),
                                      arena.Ptr(upstream), 1.0 / 6, arena.Ptr(grad), 2, 3));
    ASSERT_OK(arena.Sync());
    const double p[3] = {0.0900305731703805, 0.2447284710547976, 0.6652409557748219};  // softmax([1, 2, 3])
    const std::vector<T> g = Read<T>(grad);
    const double want[6] = {0.5 * p[0], 0.5 * p[1], 0.5 * (p[2] - 1), 0.5 * p[0], 0.5 * p[1], 0.5 * p[2]};
    for (int i = 0; i < 6; ++i) EXPECT_NEAR(g[i], want[i], 1e-6) << i;
  });
}

TEST_P(KernelsTest, SgdStepMatchesHandComputations) {
  ForTypes<float, double>([&]<typename T>() {
    SCOPED_TRACE(Name<T>());
    const DType dt = DTypeOf<T>::value;
    const double tol = std::is_same_v<T, float> ? 1e-6 : 1e-14;
    auto step = [&](Tensor& p, const Tensor& g, Tensor* buf, double lr, double momentum, double dampening,
                    double wd, bool nesterov, bool first) {
      Arena arena(mode());
      ASSERT_OK(k_.SgdStep(dt, arena.Ptr(p), arena.Ptr(g), buf != nullptr ? arena.Ptr(*buf) : nullptr, p.numel(), lr,
                           momentum, dampening, wd, nesterov, first));
      ASSERT_OK(arena.Sync());
    };
    const Tensor g = Make<T>({0.5, 0.25, -1}, {3});
    {  // plain: p -= lr * g
      Tensor p = Make<T>({1, -2, 0.5}, {3});
      step(p, g, nullptr, 0.1, 0, 0, 0, false, true);
      ExpectValues(Read<T>(p), Read<T>(Make<T>({0.95, -2.025, 0.6}, {3})), "plain");
    }
    {  // momentum 0.9, dampening 0.1, weight decay 0.01: two steps, worked by hand for p[0]
      Tensor p = Make<T>({1, -2, 0.5}, {3});
      Tensor buf = Make<T>({123, 456, 789}, {3});  // ignored on the first step
      step(p, g, &buf, 0.1, 0.9, 0.1, 0.01, false, true);
      // g' = 0.5 + 0.01 * 1 = 0.51; buf = 0.51; p = 1 - 0.1 * 0.51 = 0.949
      EXPECT_NEAR(Read<T>(buf)[0], 0.51, tol);
      EXPECT_NEAR(Read<T>(p)[0], 0.949, tol);
      step(p, g, &buf, 0.1, 0.9, 0.1, 0.01, false, false);
      // g' = 0.5 + 0.00949 = 0.50949; buf = 0.9 * 0.51 + 0.9 * 0.50949 = 0.917541;
      // p = 0.949 - 0.0917541 = 0.8572459
      EXPECT_NEAR(Read<T>(buf)[0], 0.917541, tol);
      EXPECT_NEAR(Read<T>(p)[0], 0.8572459, tol);
      // p[2] = 0.5, g = -1: g' = -0.995, buf = -0.995, p = 0.5995; then g' = -0.994005,
      // buf = 0.9 * -0.995 + 0.9 * -0.994005 = -1.7901045, p = 0.5995 + 0.17901045 = 0.77851045
      EXPECT_NEAR(Read<T>(p)[2], 0.77851045, tol);
    }
    {  // nesterov, no dampening: g'' = g' + momentum * buf
      Tensor p = Make<T>({1, -2, 0.5}, {3});
      Tensor buf = zeros({3}, dt);
      step(p, g, &buf, 0.1, 0.9, 0, 0.01, true, true);
      // g' = 0.51, buf = 0.51, g'' = 0.51 + 0.459 = 0.969, p = 1 - 0.0969 = 0.9031
      EXPECT_NEAR(Read<T>(p)[0], 0.9031, tol);
      step(p, g, &buf, 0.1, 0.9, 0, 0.01, true, false);
      // g' = 0.5 + 0.009031 = 0.509031; buf = 0.459 + 0.509031 = 0.968031;
      // g'' = 0.509031 + 0.8712279 = 1.3802589; p = 0.9031 - 0.13802589 = 0.76507411
      EXPECT_NEAR(Read<T>(buf)[0], 0.968031, tol);
      EXPECT_NEAR(Read<T>(p)[0], 0.76507411, tol);
    }
  });
}

// ---- GEMM ----------------------------------------------------------------------------------

// C[m, n] (ldc) = op(A) op(B) (+ C) against a naive loop in long double, every transpose
// combination, padded leading dimensions whose padding must stay untouched.
template <typename T>
void CheckGemm(Backend& k, Mode mode, bool tf32) {
  const int64_t m = 3, n = 4, kk = 5;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      for (bool accumulate : {false, true}) {
        SCOPED_TRACE(Name<T>() + " ta " + std::to_string(ta) + " tb " + std::to_string(tb) + " acc " +
                     std::to_string(accumulate) + " tf32 " + std::to_string(tf32));
        const int64_t a_rows = ta ? kk : m, a_cols = ta ? m : kk, lda = a_cols + 2;
        const int64_t b_rows = tb ? n : kk, b_cols = tb ? kk : n, ldb = b_cols + 1;
        const int64_t ldc = n + 3;
        const Tensor a = Make<T>(Ramp(a_rows * lda, 1), {a_rows, lda});
        const Tensor b = Make<T>(Ramp(b_rows * ldb, 2), {b_rows, ldb});
        Tensor c = Make<T>(Ramp(m * ldc, 3), {m, ldc});
        const std::vector<T> av = Read<T>(a), bv = Read<T>(b), c0 = Read<T>(c);
        Arena arena(mode);
        ASSERT_OK(k.Gemm(DTypeOf<T>::value, ta, tb, m, n, kk, arena.Ptr(a), lda, arena.Ptr(b), ldb, arena.Ptr(c), ldc,
                         accumulate, tf32));
        ASSERT_OK(arena.Sync());
        const std::vector<T> got = Read<T>(c);
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t j = 0; j < ldc; ++j) {
            if (j >= n) {
              EXPECT_EQ(got[i * ldc + j], c0[i * ldc + j]) << "padding " << i << "," << j;
              continue;
            }
            long double want = accumulate ? static_cast<long double>(c0[i * ldc + j]) : 0;
            for (int64_t p = 0; p < kk; ++p) {
              const T x = ta ? av[p * lda + i] : av[i * lda + p];
              const T y = tb ? bv[j * ldb + p] : bv[p * ldb + j];
              want += static_cast<long double>(x) * static_cast<long double>(y);
            }
            const double tol = tf32 ? 1e-2 * std::max(1.0L, std::fabs(want)) : 1e-9;
            EXPECT_NEAR(static_cast<double>(got[i * ldc + j]), static_cast<double>(want), tol) << i << "," << j;
          }
        }
      }
    }
  }
}

TEST_P(KernelsTest, GemmInt64EveryTransposeAndTheCpuOp) {
  CheckGemm<int64_t>(k_, mode(), false);
  // Against concord's mm, with k = 0 (C = 0, or unchanged when accumulating).
  const Tensor a = Make<int64_t>(Ramp(6, 1), {2, 3});
  const Tensor b = Make<int64_t>(Ramp(12, 1), {3, 4});
  Tensor c = full({2, 4}, 9, kInt64), c0 = full({2, 4}, 9, kInt64), c1 = full({2, 4}, 9, kInt64);
  Arena arena(mode());
  ASSERT_OK(k_.Gemm(kInt64, false, false, 2, 4, 3, arena.Ptr(a), 3, arena.Ptr(b), 4, arena.Ptr(c), 4, false, false));
  ASSERT_OK(k_.Gemm(kInt64, false, false, 2, 4, 0, arena.Ptr(a), 3, arena.Ptr(b), 4, arena.Ptr(c0), 4, false, false));
  ASSERT_OK(k_.Gemm(kInt64, false, false, 2, 4, 0, arena.Ptr(a), 3, arena.Ptr(b), 4, arena.Ptr(c1), 4, true, false));
  ASSERT_OK(arena.Sync());
  EXPECT_EQ(Read<int64_t>(c), Read<int64_t>(mm(a, b)));
  EXPECT_EQ(Read<int64_t>(c0), std::vector<int64_t>(8, 0));
  EXPECT_EQ(Read<int64_t>(c1), std::vector<int64_t>(8, 9));
}

TEST_P(KernelsTest, GemmFloatThroughCublas) {
  if (!gpu()) GTEST_SKIP() << "float32/float64 GEMM is cuBLAS: checked on the GPU only";
  CheckGemm<float>(k_, mode(), false);
  CheckGemm<float>(k_, mode(), true);
  CheckGemm<double>(k_, mode(), false);
  // Against concord's mm (OpenBLAS) on a larger product, and k = 0.
  Generator gen(3);
  const Tensor a = randn({67, 129}, gen), b = randn({129, 33}, gen);
  Tensor c = zeros({67, 33}, kFloat32), c0 = full({2, 3}, 5, kFloat32);
  Arena arena(mode());
  ASSERT_OK(k_.Gemm(kFloat32, false, false, 67, 33, 129, arena.Ptr(a), 129, arena.Ptr(b), 33, arena.Ptr(c), 33, false,
                    false));
  ASSERT_OK(k_.Gemm(kFloat32, false, false, 2, 3, 0, arena.Ptr(a), 1, arena.Ptr(b), 3, arena.Ptr(c0), 3, false, false));
  ASSERT_OK(arena.Sync());
  EXPECT_TRUE(c.allclose(mm(a, b), 1e-4, 1e-4));
  EXPECT_EQ(Read<float>(c0), std::vector<float>(6, 0));
}

INSTANTIATE_TEST_SUITE_P(HostAndGpu, KernelsTest, ::testing::Values(Mode::kHost, Mode::kGpu),
                         [](const ::testing::TestParamInfo<Mode>& info) {
                           return info.param == Mode::kHost ? std::string("Host") : std::string("Gpu");
                         });

// ---- Argument errors (host dispatch, nothing launched) -------------------------------------

TEST(DispatchTest, BadArgumentsAreInvalidAndEmptyWorkLaunchesNothing) {
  HostLauncher host;
  LoopShape shape;
  shape.ndim = 1;
  shape.sizes[0] = 4;
  Operand b8{nullptr, kBool, {1}}, f32{nullptr, kFloat32, {1}}, i64{nullptr, kInt64, {1}};
  auto invalid = [](const absl::Status& s) { return s.code() == absl::StatusCode::kInvalidArgument; };
  EXPECT_TRUE(invalid(BinaryImpl(host, BinaryOp::kAdd, shape, b8, b8, b8, {})));      // arithmetic on bool
  EXPECT_TRUE(invalid(BinaryImpl(host, BinaryOp::kAdd, shape, f32, f32, i64, {})));   // b's dtype
  EXPECT_TRUE(invalid(BinaryImpl(host, BinaryOp::kLt, shape, f32, f32, f32, {})));    // compare needs bool out
  EXPECT_TRUE(invalid(UnaryImpl(host, UnaryOp::kNeg, shape, b8, b8)));
  EXPECT_TRUE(invalid(ClampImpl(host, shape, b8, b8, true, {}, false, {})));
  EXPECT_TRUE(invalid(WhereImpl(host, shape, f32, f32, f32, f32)));                   // mask not bool
  EXPECT_TRUE(invalid(ReluBackwardImpl(host, shape, i64, i64, i64)));
  EXPECT_TRUE(invalid(ReduceLastDimImpl(host, ReduceOp::kArgMax, shape, f32, f32, 3, 1)));  // out not int64
  EXPECT_TRUE(invalid(ReduceLastDimImpl(host, ReduceOp::kMax, shape, f32, f32, 0, 1)));     // empty rows
  EXPECT_TRUE(invalid(OneHotImpl(host, kInt64, nullptr, nullptr, 2, 2)));
  EXPECT_TRUE(invalid(CrossEntropyForwardImpl(host, kInt64, nullptr, nullptr, nullptr, nullptr, 2, 2)));
  EXPECT_TRUE(invalid(SgdStepImpl(host, kFloat32, nullptr, nullptr, nullptr, 4, 0.1, 0.9, 0, 0, false, true)));
  EXPECT_TRUE(invalid(GemmInt64Impl(host, false, false, -1, 2, 2, nullptr, 2, nullptr, 2, nullptr, 2, false)));
  LoopShape too_many;
  too_many.ndim = kMaxDims + 1;
  EXPECT_TRUE(invalid(FillImpl(host, too_many, f32, {})));
  EXPECT_EQ(host.launches, 0);

  LoopShape empty;
  empty.ndim = 2;
  empty.sizes[0] = 3;
  empty.sizes[1] = 0;
  EXPECT_TRUE(FillImpl(host, empty, f32, {}).ok());
  EXPECT_TRUE(BinaryImpl(host, BinaryOp::kAdd, empty, f32, f32, f32, {}).ok());
  EXPECT_TRUE(ReduceLastDimImpl(host, ReduceOp::kMax, empty, f32, f32, 0, 1).ok());
  EXPECT_TRUE(SgdStepImpl(host, kFloat32, nullptr, nullptr, nullptr, 0, 0.1, 0, 0, 0, false, true).ok());
  EXPECT_TRUE(IndexSelectImpl(host, kFloat32, nullptr, nullptr, nullptr, 2, 3, 0, 4).ok());
  EXPECT_EQ(host.launches, 0);
}

// ---- Without a GPU -------------------------------------------------------------------------

TEST(NoGpuTest, EveryKernelReturnsAStatusInsteadOfCrashing) {
  const absl::StatusOr<int> count = CudaDeviceCount();
  if (count.ok() && *count > 0) GTEST_SKIP() << "a CUDA device is present";
  LoopShape shape;
  shape.ndim = 2;
  shape.sizes[0] = 2;
  shape.sizes[1] = 3;
  // Never dereferenced: the launch fails first.
  Operand f32{nullptr, kFloat32, {3, 1}}, b8{nullptr, kBool, {3, 1}}, i64{nullptr, kInt64, {3, 1}};
  LoopShape rows;
  rows.ndim = 1;
  rows.sizes[0] = 2;
  Operand f_rows{nullptr, kFloat32, {1}}, i_rows{nullptr, kInt64, {1}};
  float dummy[8] = {};
  int64_t labels[2] = {0, 1};
  const std::vector<std::pair<std::string, absl::Status>> results = {
      {"CopyCast", cuda::CopyCast(shape, f32, i64, nullptr)},
      {"Fill", cuda::Fill(shape, f32, {1, 1}, nullptr)},
      {"Binary", cuda::Binary(BinaryOp::kAdd, shape, f32, f32, f32, {1, 1}, nullptr)},
      {"Binary compare", cuda::Binary(BinaryOp::kLt, shape, b8, f32, f32, {1, 1}, nullptr)},
      {"BinaryScalar", cuda::BinaryScalar(BinaryOp::kMul, shape, f32, f32, {2, 2}, nullptr)},
      {"Unary", cuda::Unary(UnaryOp::kExp, shape, f32, f32, nullptr)},
      {"Clamp", cuda::Clamp(shape, f32, f32, true, {0, 0}, false, {}, nullptr)},
      {"Where", cuda::Where(shape, f32, b8, f32, f32, nullptr)},
      {"ReluBackward", cuda::ReluBackward(shape, f32, f32, f32, nullptr)},
      {"ReduceLastDim", cuda::ReduceLastDim(ReduceOp::kSum, rows, f_rows, f_rows, 3, 1, nullptr)},
      {"ReduceLastDim block", cuda::ReduceLastDim(ReduceOp::kArgMax, rows, i_rows, f_rows, 1 << 20, 1, nullptr)},
      {"SumMiddleDim", cuda::SumMiddleDim(kFloat32, dummy, kFloat32, dummy, 1, 2, 3, nullptr)},
      {"IndexSelect", cuda::IndexSelect(kFloat32, dummy, labels, dummy, 1, 2, 2, 1, nullptr)},
      {"OneHot", cuda::OneHot(kFloat32, labels, dummy, 2, 3, nullptr)},
      {"CrossEntropyForward", cuda::CrossEntropyForward(kFloat32, dummy, labels, dummy, dummy, 2, 3, nullptr)},
      {"CrossEntropyForward warp", cuda::CrossEntropyForward(kFloat32, dummy, labels, dummy, dummy, 2, 100, nullptr)},
      {"CrossEntropyBackward", cuda::CrossEntropyBackward(kFloat32, dummy, labels, dummy, 0.5, dummy, 2, 3, nullptr)},
      {"SgdStep", cuda::SgdStep(kFloat32, dummy, dummy, dummy, 4, 0.1, 0.9, 0, 0, false, true, nullptr)},
      {"Gemm float32", cuda::Gemm(kFloat32, false, false, 2, 2, 2, dummy, 2, dummy, 2, dummy, 2, false, false, nullptr)},
      {"Gemm float64", cuda::Gemm(kFloat64, true, true, 2, 2, 2, dummy, 2, dummy, 2, dummy, 2, true, false, nullptr)},
      {"Gemm int64", cuda::Gemm(kInt64, false, false, 2, 2, 2, labels, 2, labels, 2, labels, 2, false, false, nullptr)},
  };
  for (const auto& [name, status] : results) {
    EXPECT_FALSE(status.ok()) << name;
    EXPECT_TRUE(status.code() == absl::StatusCode::kFailedPrecondition ||
                status.code() == absl::StatusCode::kInternal)
        << name << ": " << status;
    const std::string message(status.message());
    EXPECT_EQ(message.find('\n'), std::string::npos) << name << ": " << message;
    EXPECT_NE(message.find("tensor/cuda/kernels/"), std::string::npos) << name << ": " << message;
  }
  std::cout << "Binary without a GPU: " << results[2].second << "\nGemm float32 without a GPU: " << results[18].second
            << std::endl;
  // Zero-size work returns OK without touching the GPU.
  LoopShape empty;
  empty.ndim = 1;
  EXPECT_TRUE(cuda::Fill(empty, f32, {1, 1}, nullptr).ok());
  EXPECT_TRUE(cuda::Binary(BinaryOp::kAdd, empty, f32, f32, f32, {1, 1}, nullptr).ok());
  EXPECT_TRUE(cuda::Gemm(kFloat32, false, false, 0, 2, 2, dummy, 2, dummy, 2, dummy, 2, false, false, nullptr).ok());
  EXPECT_TRUE(cuda::SgdStep(kFloat32, dummy, dummy, nullptr, 0, 0.1, 0, 0, 0, false, true, nullptr).ok());
}

}  // namespace
}  // namespace concord::cuda
