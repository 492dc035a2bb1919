// File: tests/tensor_reduction_test.cc
//
// Reductions: sum, mean, max, min, argmax, argmin over all elements and over one dim
// (negative dims, keepdim), their result dtypes, closed-form checks in float64, float32
// accuracy, non-contiguous inputs, empty tensors (sum 0, mean nan, max throws), NaN
// propagation, and bad-dim errors.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/functions.h"
#include "tensor/tensor.h"
#include "tests/test_util.h"

namespace concord {
namespace {

using test_util::F32;
using test_util::F64;
using test_util::F64Fill;
using test_util::HasValues;
using test_util::I64;
using test_util::IntValues;
using test_util::ThrowsTensorError;
using test_util::Values;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// base[i, j, k] = sin-ish values from a hash, shape [3, 4, 5], plus the naive reductions.
Tensor Cube() { return F64Fill({3, 4, 5}, [](int64_t n) { return test_util::Hashed(n, 17); }); }

// ---- sum ---------------------------------------------------------------------------------------

TEST(ReductionTest, SumOfArangeIsClosedForm) {
  for (int64_t n : {1, 2, 10, 1000, 100001}) {
    Tensor t = arange(0, n, 1, kFloat64);
    Tensor s = t.sum();
    EXPECT_EQ(s.dim(), 0);
    EXPECT_EQ(s.dtype(), kFloat64);
    EXPECT_EQ(s.item(), static_cast<double>(n * (n - 1) / 2)) << "n=" << n;
  }
}

TEST(ReductionTest, SumOfSquaresIsClosedForm) {
  const int64_t n = 500;
  Tensor t = arange(1, n + 1, 1, kFloat64);
  EXPECT_EQ(sum(t * t).item(), static_cast<double>(n * (n + 1) * (2 * n + 1) / 6));
  EXPECT_EQ(t.pow(2).sum().item(), static_cast<double>(n * (n + 1) * (2 * n + 1) / 6));
}

TEST(ReductionTest, SumOfInt64IsInt64AndExact) {
  const int64_t n = 100000;
  Tensor s = arange(n).sum();
  EXPECT_EQ(s.dtype(), kInt64);
  EXPECT_EQ(s.item<int64_t>(), n * (n - 1) / 2);
  const int64_t big = int64_t{1} << 53;
  EXPECT_EQ(I64({big, 1, 1}, {3}).sum().item<int64_t>(), big + 2);
}

TEST(ReductionTest, SumOfBoolCountsTrue) {
  Tensor b = test_util::Bool({true, false, true, true, false, true}, {2, 3});
  Tensor s = b.sum();
  EXPECT_EQ(s.dtype(), kInt64);
  EXPECT_EQ(s.item<int64_t>(), 4);
  Tensor s1 = b.sum(1);
  EXPECT_EQ(s1.dtype(), kInt64);
  EXPECT_EQ(IntValues(s1), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(gt(arange(10), tensor(6)).sum().item<int64_t>(), 3);
}

TEST(ReductionTest, SumFloat32KeepsDtype) {
  Tensor s = F32({0.5f, 1.5f, 2.f}, {3}).sum();
  EXPECT_EQ(s.dtype(), kFloat32);
  EXPECT_EQ(s.item(), 4.0);
}

TEST(ReductionTest, SumFloat32IsAccurate) {
  // 1e6 copies of 0.1f: a naive float accumulator drifts by about 1%.
  Tensor t = full({1000000}, 0.1f);
  const double expected = 1e6 * static_cast<double>(0.1f);
  EXPECT_NEAR(t.sum().item(), expected, expected * 1e-4);
  EXPECT_NEAR(t.mean().item(), static_cast<double>(0.1f), 1e-5);
  // Along a dim, both the inner (contiguous) and the outer (strided) one.
  Tensor rows = full({2, 1000000}, 0.1f);
  EXPECT_TRUE(HasValues(rows.sum(1), {2}, {expected, expected}, expected * 1e-4));
  Tensor cols = full({1000000, 2}, 0.1f);
  EXPECT_TRUE(HasValues(cols.sum(0), {2}, {expected, expected}, expected * 1e-4));
}

TEST(ReductionTest, SumOverDim) {
  Tensor m = F64({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_TRUE(HasValues(m.sum(0), {3}, {5, 7, 9}));
  EXPECT_TRUE(HasValues(m.sum(1), {2}, {6, 15}));
  EXPECT_TRUE(HasValues(m.sum(-1), {2}, {6, 15}));
  EXPECT_TRUE(HasValues(m.sum(-2), {3}, {5, 7, 9}));
  EXPECT_TRUE(HasValues(m.sum(0, true), {1, 3}, {5, 7, 9}));
  EXPECT_TRUE(HasValues(m.sum(1, /*keepdim=*/true), {2, 1}, {6, 15}));
  EXPECT_TRUE(HasValues(sum(m, 1), {2}, {6, 15}));
  EXPECT_TRUE(HasValues(sum(m, -1, true), {2, 1}, {6, 15}));
  EXPECT_TRUE(HasValues(sum(m), {}, {21}));
}

TEST(ReductionTest, SumOverEachDimOf3DMatchesNaiveLoop) {
  Tensor c = Cube();
  std::vector<double> v = Values(c);
  auto at = [&](int i, int j, int k) { return v[i * 20 + j * 5 + k]; };
  std::vector<double> s0(20, 0), s1(15, 0), s2(12, 0);
  double total = 0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 5; ++k) {
        s0[j * 5 + k] += at(i, j, k);
        s1[i * 5 + k] += at(i, j, k);
        s2[i * 4 + j] += at(i, j, k);
        total += at(i, j, k);
      }
  EXPECT_TRUE(HasValues(c.sum(0), {4, 5}, s0, 1e-12));
  EXPECT_TRUE(HasValues(c.sum(1), {3, 5}, s1, 1e-12));
  EXPECT_TRUE(HasValues(c.sum(2), {3, 4}, s2, 1e-12));
  EXPECT_TRUE(HasValues(c.sum(-2, true), {3, 1, 5}, s1, 1e-12));
  EXPECT_TRUE(HasValues(c.sum(), {}, {total}, 1e-12));
  // mean is sum / count.
  std::vector<double> m1;
  for (double x : s1) m1.push_back(x / 4);
  EXPECT_TRUE(HasValues(c.mean(1), {3, 5}, m1, 1e-12));
  EXPECT_TRUE(HasValues(c.mean(), {}, {total / 60}, 1e-12));
}

TEST(ReductionTest, ReductionsOfNonContiguousInputs) {
  Tensor c = Cube();
  Tensor p = c.permute({2, 0, 1});  // [5, 3, 4]
  EXPECT_TRUE(p.sum(0).allclose(c.sum(2), 1e-12, 1e-12));
  EXPECT_TRUE(p.sum(2).allclose(c.sum(1).t(), 1e-12, 1e-12));
  EXPECT_NEAR(p.sum().item(), c.sum().item(), 1e-12);
  EXPECT_TRUE(HasValues(p.max(1), {5, 4}, Values(p.contiguous().max(1))));
  EXPECT_EQ(IntValues(p.argmin(-1)), IntValues(p.contiguous().argmin(-1)));
  Tensor m = F64({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_TRUE(HasValues(m.t().sum(0), {2}, {6, 15}));
  EXPECT_TRUE(HasValues(m.t().sum(1), {3}, {5, 7, 9}));
  Tensor stepped = arange(0, 20, 1, kFloat64).slice(0, 1, 20, 4);  // 1, 5, 9, 13, 17
  EXPECT_EQ(stepped.sum().item(), 45.0);
  EXPECT_EQ(stepped.mean().item(), 9.0);
  EXPECT_EQ(stepped.max().item(), 17.0);
  EXPECT_EQ(stepped.argmax().item<int64_t>(), 4);
  Tensor expanded = F64({1, 2, 3}, {3, 1}).expand({3, 4});
  EXPECT_EQ(expanded.sum().item(), 24.0);
  EXPECT_TRUE(HasValues(expanded.sum(1), {3}, {4, 8, 12}));
  EXPECT_TRUE(HasValues(expanded.sum(0), {4}, {6, 6, 6, 6}));
}

// ---- mean ----------------------------------------------------------------------------------------

TEST(ReductionTest, MeanOfLinspaceIsMidpoint) {
  Tensor t = linspace(-3, 7, 1001, kFloat64);
  EXPECT_NEAR(t.mean().item(), 2.0, 1e-12);
  EXPECT_EQ(t.mean().dtype(), kFloat64);
  EXPECT_NEAR(mean(linspace(0, 1, 11)).item(), 0.5, 1e-6);
  EXPECT_EQ(linspace(0, 1, 11).mean().dtype(), kFloat32);
}

TEST(ReductionTest, MeanOverDim) {
  Tensor m = F64({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_TRUE(HasValues(m.mean(0), {3}, {2.5, 3.5, 4.5}));
  EXPECT_TRUE(HasValues(m.mean(1), {2}, {2, 5}));
  EXPECT_TRUE(HasValues(m.mean(-1, true), {2, 1}, {2, 5}));
  EXPECT_TRUE(HasValues(mean(m, 0, true), {1, 3}, {2.5, 3.5, 4.5}));
}

TEST(ReductionTest, MeanOfIntegerThrows) {
  EXPECT_TRUE(ThrowsTensorError([] { arange(5).mean(); }, {"mean"}));
  EXPECT_TRUE(ThrowsTensorError([] { arange(6).view({2, 3}).mean(1); }, {"mean"}));
  EXPECT_TRUE(ThrowsTensorError([] { ones({2}, kBool).mean(); }, {"mean"}));
}

// ---- max / min / argmax / argmin ------------------------------------------------------------------

TEST(ReductionTest, MaxMinAll) {
  Tensor m = F64({3, -1, 7, 2, 7, -5}, {2, 3});
  EXPECT_EQ(m.max().dim(), 0);
  EXPECT_EQ(m.max().item(), 7.0);
  EXPECT_EQ(m.min().item(), -5.0);
  EXPECT_EQ(max(m).item(), 7.0);
  EXPECT_EQ(min(m).item(), -5.0);
  EXPECT_EQ(m.max().dtype(), kFloat64);
  Tensor i = I64({4, -9, 2}, {3});
  EXPECT_EQ(i.max().dtype(), kInt64);
  EXPECT_EQ(i.min().item<int64_t>(), -9);
}

TEST(ReductionTest, MaxMinOverDim) {
  Tensor m = F64({3, -1, 7, 2, 8, -5}, {2, 3});
  EXPECT_TRUE(HasValues(m.max(0), {3}, {3, 8, 7}));
  EXPECT_TRUE(HasValues(m.max(1), {2}, {7, 8}));
  EXPECT_TRUE(HasValues(m.max(-1, true), {2, 1}, {7, 8}));
  EXPECT_TRUE(HasValues(m.min(0), {3}, {2, -1, -5}));
  EXPECT_TRUE(HasValues(m.min(1, true), {2, 1}, {-1, -5}));
  EXPECT_TRUE(HasValues(max(m, 0, true), {1, 3}, {3, 8, 7}));
  EXPECT_TRUE(HasValues(min(m, -2), {3}, {2, -1, -5}));
}

TEST(ReductionTest, ArgmaxArgminAll) {
  Tensor m = F64({3, -1, 7, 2, 8, -5}, {2, 3});
  Tensor am = m.argmax();
  EXPECT_EQ(am.dtype(), kInt64);
  EXPECT_EQ(am.dim(), 0);
  EXPECT_EQ(am.item<int64_t>(), 4);  // index into the flattened tensor
  EXPECT_EQ(m.argmin().item<int64_t>(), 5);
  EXPECT_EQ(argmax(m).item<int64_t>(), 4);
  EXPECT_EQ(argmin(m).item<int64_t>(), 5);
  // Flattened index follows logical (not memory) order.
  EXPECT_EQ(m.t().argmax().item<int64_t>(), 3);  // m.t() = [[3, 2], [-1, 8], [7, -5]]
}

TEST(ReductionTest, ArgmaxArgminOverDim) {
  Tensor m = F64({3, -1, 7, 2, 8, -5}, {2, 3});
  Tensor a0 = m.argmax(0);
  EXPECT_EQ(a0.dtype(), kInt64);
  EXPECT_EQ(a0.shape(), (Shape{3}));
  EXPECT_EQ(IntValues(a0), (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(IntValues(m.argmax(1)), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(m.argmax(-1, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(IntValues(m.argmax(-1, true)), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(IntValues(m.argmin(0)), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(IntValues(argmin(m, 1, true)), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(argmin(m, 1, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(IntValues(argmax(m, -2)), (std::vector<int64_t>{0, 1, 0}));
}

TEST(ReductionTest, ArgmaxTiesGiveFirstIndex) {
  Tensor t = F64({1, 5, 5, 0, 5}, {5});
  EXPECT_EQ(t.argmax().item<int64_t>(), 1);
  Tensor u = F64({2, 0, 0, 3}, {4});
  EXPECT_EQ(u.argmin().item<int64_t>(), 1);
  Tensor m = F64({1, 1, 0, 0}, {2, 2});
  EXPECT_EQ(IntValues(m.argmax(1)), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(IntValues(m.argmin(0)), (std::vector<int64_t>{1, 1}));
}

TEST(ReductionTest, ReductionsOf3DMatchNaiveLoop) {
  Tensor c = Cube();
  std::vector<double> v = Values(c);
  std::vector<double> max1(15, -1e300);
  std::vector<int64_t> argmin2(12, 0);
  for (int i = 0; i < 3; ++i) {
    for (int k = 0; k < 5; ++k)
      for (int j = 0; j < 4; ++j) max1[i * 5 + k] = std::max(max1[i * 5 + k], v[i * 20 + j * 5 + k]);
    for (int j = 0; j < 4; ++j) {
      int64_t best = 0;
      for (int k = 1; k < 5; ++k)
        if (v[i * 20 + j * 5 + k] < v[i * 20 + j * 5 + best]) best = k;
      argmin2[i * 4 + j] = best;
    }
  }
  EXPECT_TRUE(HasValues(c.max(1), {3, 5}, max1));
  EXPECT_EQ(IntValues(c.argmin(2)), argmin2);
  EXPECT_EQ(c.argmin(-1, true).shape(), (Shape{3, 4, 1}));
}

TEST(ReductionTest, MaxPropagatesNaN) {
  Tensor t = F64({1, kNaN, 3}, {3});
  EXPECT_TRUE(std::isnan(t.max().item()));
  EXPECT_TRUE(std::isnan(t.min().item()));
  EXPECT_TRUE(std::isnan(t.sum().item()));
  // As torch.argmax: NaN counts as the maximum (and the minimum).
  EXPECT_EQ(t.argmax().item<int64_t>(), 1);
  EXPECT_EQ(t.argmin().item<int64_t>(), 1);
  Tensor m = F64({1, kNaN, 3, 4}, {2, 2});
  EXPECT_TRUE(HasValues(m.max(1), {2}, {kNaN, 4}));
  EXPECT_TRUE(HasValues(m.min(0), {2}, {1, kNaN}));
  EXPECT_EQ(IntValues(m.argmax(1)), (std::vector<int64_t>{1, 1}));
}

// ---- empty tensors ------------------------------------------------------------------------------

TEST(ReductionTest, SumOfEmptyIsZero) {
  Tensor s = zeros({0}).sum();
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.dtype(), kFloat32);
  EXPECT_EQ(s.item(), 0.0);
  EXPECT_EQ(zeros({0}, kInt64).sum().item<int64_t>(), 0);
  EXPECT_EQ(zeros({0}, kInt64).sum().dtype(), kInt64);
  EXPECT_TRUE(HasValues(zeros({0, 3}).sum(0), {3}, {0, 0, 0}));
  EXPECT_EQ(zeros({0, 3}).sum(1).shape(), (Shape{0}));
  EXPECT_TRUE(HasValues(zeros({0, 3}).sum(0, true), {1, 3}, {0, 0, 0}));
}

TEST(ReductionTest, MeanOfEmptyIsNaN) {
  EXPECT_TRUE(std::isnan(zeros({0}).mean().item()));
  EXPECT_TRUE(HasValues(zeros({0, 2}, kFloat64).mean(0), {2}, {kNaN, kNaN}));
}

TEST(ReductionTest, MaxOfEmptyThrows) {
  EXPECT_TRUE(ThrowsTensorError([] { zeros({0}).max(); }, {"max"}));
  EXPECT_TRUE(ThrowsTensorError([] { zeros({0}).min(); }, {"min"}));
  EXPECT_TRUE(ThrowsTensorError([] { zeros({0}).argmax(); }, {"argmax"}));
  EXPECT_TRUE(ThrowsTensorError([] { zeros({0}).argmin(); }, {"argmin"}));
  EXPECT_TRUE(ThrowsTensorError([] { zeros({0, 3}).max(0); }, {"max"}));
  // Reducing a non-empty dim of an empty tensor is fine.
  EXPECT_EQ(zeros({0, 3}).max(1).shape(), (Shape{0}));
}

// ---- scalars and errors ---------------------------------------------------------------------------

TEST(ReductionTest, ReductionsOfZeroDimTensor) {
  Tensor s = tensor(2.5);
  EXPECT_EQ(s.sum().item(), 2.5);
  EXPECT_EQ(s.mean().item(), 2.5);
  EXPECT_EQ(s.max().item(), 2.5);
  EXPECT_EQ(s.argmax().item<int64_t>(), 0);
}

TEST(ReductionTest, BadDimThrowsNamingOp) {
  Tensor m = zeros({2, 3});
  EXPECT_TRUE(ThrowsTensorError([&] { m.sum(2); }, {"sum"}));
  EXPECT_TRUE(ThrowsTensorError([&] { m.sum(-3); }, {"sum"}));
  EXPECT_TRUE(ThrowsTensorError([&] { m.mean(5); }, {"mean"}));
  EXPECT_TRUE(ThrowsTensorError([&] { m.max(2); }, {"max"}));
  EXPECT_TRUE(ThrowsTensorError([&] { m.min(-3); }, {"min"}));
  EXPECT_TRUE(ThrowsTensorError([&] { m.argmax(2); }, {"argmax"}));
  EXPECT_TRUE(ThrowsTensorError([&] { m.argmin(2); }, {"argmin"}));
}

TEST(ReductionTest, BadDimMessageSaysOutOfRange) {
  Tensor m = zeros({2, 3});
  EXPECT_TRUE(ThrowsTensorError([&] { m.sum(2); }, {"sum", "out of range"}));
}

}  // namespace
}  // namespace concord
