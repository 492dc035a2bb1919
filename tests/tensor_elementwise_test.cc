// File: tests/tensor_elementwise_test.cc
//
// Elementwise ops: arithmetic (with alpha), unary math, pow, clamp, maximum/minimum,
// comparisons, where, scalar operators; in-place ops (add_, sub_, mul_, div_, copy_, fill_,
// zero_, +=, ...) on contiguous and non-contiguous destinations and their dtype/shape errors;
// out= forms; non-contiguous (transposed, stepped, expanded) inputs; empty tensors.
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

using test_util::BoolValues;
using test_util::F32;
using test_util::F64;
using test_util::F64Fill;
using test_util::HasValues;
using test_util::I64;
using test_util::IntValues;
using test_util::ThrowsTensorError;
using test_util::Values;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Applies f to every element of values.
template <typename Fn>
std::vector<double> Map(const std::vector<double>& values, Fn f) {
  std::vector<double> out;
  for (double v : values) out.push_back(f(v));
  return out;
}

// ---- arithmetic --------------------------------------------------------------------------------

TEST(ElementwiseTest, AddSubMulDivFloat64) {
  Tensor a = F64({1, 2, 3, 4}, {2, 2});
  Tensor b = F64({0.5, -1, 4, 8}, {2, 2});
  EXPECT_TRUE(HasValues(a + b, {2, 2}, {1.5, 1, 7, 12}));
  EXPECT_TRUE(HasValues(a - b, {2, 2}, {0.5, 3, -1, -4}));
  EXPECT_TRUE(HasValues(a * b, {2, 2}, {0.5, -2, 12, 32}));
  EXPECT_TRUE(HasValues(a / b, {2, 2}, {2, -2, 0.75, 0.5}));
  EXPECT_TRUE(HasValues(add(a, b), {2, 2}, {1.5, 1, 7, 12}));
  EXPECT_TRUE(HasValues(sub(a, b), {2, 2}, {0.5, 3, -1, -4}));
  EXPECT_TRUE(HasValues(mul(a, b), {2, 2}, {0.5, -2, 12, 32}));
  EXPECT_TRUE(HasValues(div(a, b), {2, 2}, {2, -2, 0.75, 0.5}));
  EXPECT_TRUE(HasValues(a.add(b), {2, 2}, {1.5, 1, 7, 12}));
  EXPECT_TRUE(HasValues(a.sub(b), {2, 2}, {0.5, 3, -1, -4}));
  EXPECT_TRUE(HasValues(a.mul(b), {2, 2}, {0.5, -2, 12, 32}));
  EXPECT_TRUE(HasValues(a.div(b), {2, 2}, {2, -2, 0.75, 0.5}));
  EXPECT_EQ((a + b).dtype(), kFloat64);
}

TEST(ElementwiseTest, ResultIsANewTensor) {
  Tensor a = F64({1, 2}, {2});
  Tensor b = F64({3, 4}, {2});
  Tensor c = a + b;
  EXPECT_FALSE(c.shares_storage(a));
  EXPECT_FALSE(c.shares_storage(b));
  EXPECT_TRUE(HasValues(a, {2}, {1, 2}));
}

TEST(ElementwiseTest, AddAndSubWithAlpha) {
  Tensor a = F64({1, 2, 3}, {3});
  Tensor b = F64({10, 20, 30}, {3});
  EXPECT_TRUE(HasValues(add(a, b, 2), {3}, {21, 42, 63}));
  EXPECT_TRUE(HasValues(sub(a, b, 0.5), {3}, {-4, -8, -12}));
  EXPECT_TRUE(HasValues(a.add(b, -1), {3}, {-9, -18, -27}));
  EXPECT_TRUE(HasValues(a.sub(b, 3), {3}, {-29, -58, -87}));
}

TEST(ElementwiseTest, Float32Arithmetic) {
  Tensor a = F32({1.5f, -2.f, 3.25f}, {3});
  Tensor b = F32({2.f, 4.f, -0.5f}, {3});
  EXPECT_EQ((a * b).dtype(), kFloat32);
  EXPECT_TRUE(HasValues(a * b, {3}, {3, -8, -1.625}));
  EXPECT_TRUE(HasValues(a / b, {3}, {0.75, -0.5, -6.5}));
}

TEST(ElementwiseTest, Int64ArithmeticIsExact) {
  const int64_t big = int64_t{1} << 53;
  Tensor a = I64({big, -5, 7}, {3});
  Tensor b = I64({1, 3, -2}, {3});
  Tensor s = a + b;
  EXPECT_EQ(s.dtype(), kInt64);
  EXPECT_EQ(IntValues(s), (std::vector<int64_t>{big + 1, -2, 5}));
  EXPECT_EQ(IntValues(a * b), (std::vector<int64_t>{big, -15, -14}));
  EXPECT_EQ(IntValues(a - b), (std::vector<int64_t>{big - 1, -8, 9}));
  EXPECT_EQ(IntValues(a + 1), (std::vector<int64_t>{big + 1, -4, 8}));
  EXPECT_EQ(IntValues(add(a, b, 3)), (std::vector<int64_t>{big + 3, 4, 1}));
  Tensor c = a.clone();
  c.add_(int64_t{1});
  EXPECT_EQ(IntValues(c), (std::vector<int64_t>{big + 1, -4, 8}));
}

TEST(ElementwiseTest, IntegerDivisionGivesFloat32) {
  Tensor a = I64({1, 2, 3, -7}, {4});
  Tensor b = I64({2, 2, 2, 2}, {4});
  Tensor q = a / b;
  EXPECT_EQ(q.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(q, {4}, {0.5, 1, 1.5, -3.5}));
  EXPECT_EQ(div(a, b).dtype(), kFloat32);
  Tensor r = a / 4;
  EXPECT_EQ(r.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(r, {4}, {0.25, 0.5, 0.75, -1.75}));
  Tensor s = 6 / I64({4, 3}, {2});
  EXPECT_EQ(s.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(s, {2}, {1.5, 2}));
  Tensor bools = test_util::Bool({true, false}, {2}) / test_util::Bool({true, true}, {2});
  EXPECT_EQ(bools.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(bools, {2}, {1, 0}));
}

TEST(ElementwiseTest, DivisionByZeroFollowsIeee) {
  Tensor q = F64({1, -1, 0}, {3}) / F64({0, 0, 0}, {3});
  EXPECT_TRUE(HasValues(q, {3}, {kInf, -kInf, kNaN}));
  Tensor iq = I64({1, 0}, {2}) / I64({0, 0}, {2});
  EXPECT_TRUE(HasValues(iq, {2}, {kInf, kNaN}));
}

TEST(ElementwiseTest, ScalarOperators) {
  Tensor a = F64({1, 2, 4}, {3});
  EXPECT_TRUE(HasValues(a + 1, {3}, {2, 3, 5}));
  EXPECT_TRUE(HasValues(a - 0.5, {3}, {0.5, 1.5, 3.5}));
  EXPECT_TRUE(HasValues(a * 3, {3}, {3, 6, 12}));
  EXPECT_TRUE(HasValues(a / 2, {3}, {0.5, 1, 2}));
  EXPECT_TRUE(HasValues(1 + a, {3}, {2, 3, 5}));
  EXPECT_TRUE(HasValues(1 - a, {3}, {0, -1, -3}));
  EXPECT_TRUE(HasValues(2 * a, {3}, {2, 4, 8}));
  EXPECT_TRUE(HasValues(2 / a, {3}, {2, 1, 0.5}));
  EXPECT_TRUE(HasValues(-a, {3}, {-1, -2, -4}));
  EXPECT_EQ((a * 3).dtype(), kFloat64);
  EXPECT_EQ((2 / a).dtype(), kFloat64);
}

// ---- unary -------------------------------------------------------------------------------------

TEST(ElementwiseTest, UnaryMathFloat64) {
  std::vector<double> x = {0.25, 1, 2.5, 9};
  Tensor a = F64(x, {2, 2});
  EXPECT_TRUE(HasValues(exp(a), {2, 2}, Map(x, [](double v) { return std::exp(v); }), 1e-12));
  EXPECT_TRUE(HasValues(log(a), {2, 2}, Map(x, [](double v) { return std::log(v); }), 1e-12));
  EXPECT_TRUE(HasValues(sqrt(a), {2, 2}, Map(x, [](double v) { return std::sqrt(v); }), 1e-12));
  EXPECT_TRUE(HasValues(a.exp(), {2, 2}, Map(x, [](double v) { return std::exp(v); }), 1e-12));
  EXPECT_TRUE(HasValues(a.log(), {2, 2}, Map(x, [](double v) { return std::log(v); }), 1e-12));
  EXPECT_TRUE(HasValues(a.sqrt(), {2, 2}, Map(x, [](double v) { return std::sqrt(v); }), 1e-12));
  EXPECT_EQ(exp(a).dtype(), kFloat64);
}

TEST(ElementwiseTest, UnaryMathFloat32) {
  std::vector<double> x = {0.5, 1, 3};
  Tensor a = F32({0.5f, 1.f, 3.f}, {3});
  EXPECT_EQ(exp(a).dtype(), kFloat32);
  EXPECT_TRUE(HasValues(exp(a), {3}, Map(x, [](double v) { return std::exp(v); }), 1e-5));
  EXPECT_TRUE(HasValues(log(a), {3}, Map(x, [](double v) { return std::log(v); }), 1e-6));
  EXPECT_TRUE(HasValues(sqrt(a), {3}, Map(x, [](double v) { return std::sqrt(v); }), 1e-6));
}

TEST(ElementwiseTest, UnaryMathSpecialValues) {
  Tensor a = F64({0, -1}, {2});
  EXPECT_TRUE(HasValues(log(a), {2}, {-kInf, kNaN}));
  EXPECT_TRUE(HasValues(sqrt(a), {2}, {0, kNaN}));
}

TEST(ElementwiseTest, UnaryOfInt64GivesFloat32) {
  Tensor a = I64({1, 4, 9}, {3});
  Tensor e = exp(a);
  EXPECT_EQ(e.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(e, {3}, {std::exp(1.0), std::exp(4.0), std::exp(9.0)}, 1e-2));
  EXPECT_EQ(log(a).dtype(), kFloat32);
  EXPECT_TRUE(HasValues(log(a), {3}, {0, std::log(4.0), std::log(9.0)}, 1e-6));
  EXPECT_EQ(sqrt(a).dtype(), kFloat32);
  EXPECT_TRUE(HasValues(sqrt(a), {3}, {1, 2, 3}));
}

TEST(ElementwiseTest, NegAndAbsKeepDtype) {
  Tensor i = I64({-3, 0, 5}, {3});
  EXPECT_EQ(neg(i).dtype(), kInt64);
  EXPECT_EQ(IntValues(neg(i)), (std::vector<int64_t>{3, 0, -5}));
  EXPECT_EQ(IntValues(i.neg()), (std::vector<int64_t>{3, 0, -5}));
  EXPECT_EQ(abs(i).dtype(), kInt64);
  EXPECT_EQ(IntValues(abs(i)), (std::vector<int64_t>{3, 0, 5}));
  Tensor f = F32({-1.5f, 2.f}, {2});
  EXPECT_TRUE(HasValues(f.abs(), {2}, {1.5, 2}));
  EXPECT_TRUE(HasValues(-f, {2}, {1.5, -2}));
  EXPECT_EQ(abs(f).dtype(), kFloat32);
}

TEST(ElementwiseTest, PowScalarAndTensor) {
  Tensor a = F64({1, 2, 3}, {3});
  EXPECT_TRUE(HasValues(a.pow(2), {3}, {1, 4, 9}));
  EXPECT_TRUE(HasValues(pow(a, 0.5), {3}, {1, std::sqrt(2.0), std::sqrt(3.0)}, 1e-12));
  EXPECT_TRUE(HasValues(pow(a, -1), {3}, {1, 0.5, 1.0 / 3}, 1e-12));
  Tensor e = F64({3, 0, -2}, {3});
  EXPECT_TRUE(HasValues(pow(a, e), {3}, {1, 1, 1.0 / 9}, 1e-12));
  EXPECT_TRUE(HasValues(a.pow(e), {3}, {1, 1, 1.0 / 9}, 1e-12));
  Tensor i = I64({2, 3, -4}, {3});
  Tensor p = i.pow(3);
  EXPECT_EQ(p.dtype(), kInt64);
  EXPECT_EQ(IntValues(p), (std::vector<int64_t>{8, 27, -64}));
  Tensor q = pow(I64({3}, {1}), 39);  // 3^39 > 2^53: exact only in integer arithmetic
  EXPECT_EQ(IntValues(q), (std::vector<int64_t>{4052555153018976267}));
}

TEST(ElementwiseTest, Clamp) {
  Tensor a = F64({-2, -0.5, 0.5, 3}, {4});
  EXPECT_TRUE(HasValues(a.clamp(-1, 1), {4}, {-1, -0.5, 0.5, 1}));
  EXPECT_TRUE(HasValues(a.clamp(0), {4}, {0, 0, 0.5, 3}));
  EXPECT_TRUE(HasValues(a.clamp(std::nullopt, 0), {4}, {-2, -0.5, 0, 0}));
  EXPECT_TRUE(HasValues(clamp(a, -0.5, std::nullopt), {4}, {-0.5, -0.5, 0.5, 3}));
  Tensor i = I64({-5, 0, 5}, {3});
  Tensor c = clamp(i, -1, 2);
  EXPECT_EQ(c.dtype(), kInt64);
  EXPECT_EQ(IntValues(c), (std::vector<int64_t>{-1, 0, 2}));
  // NaN passes through, as torch.clamp.
  EXPECT_TRUE(HasValues(F64({kNaN}, {1}).clamp(0, 1), {1}, {kNaN}));
}

TEST(ElementwiseTest, MaximumMinimum) {
  Tensor a = F64({1, 5, -3}, {3});
  Tensor b = F64({2, 4, -3}, {3});
  EXPECT_TRUE(HasValues(maximum(a, b), {3}, {2, 5, -3}));
  EXPECT_TRUE(HasValues(minimum(a, b), {3}, {1, 4, -3}));
  Tensor m = maximum(I64({1, 7}, {2}), F32({2.5f, 3.f}, {2}));
  EXPECT_EQ(m.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(m, {2}, {2.5, 7}));
  // NaN propagates, as torch.maximum.
  EXPECT_TRUE(HasValues(maximum(F64({kNaN, 1}, {2}), F64({1, kNaN}, {2})), {2}, {kNaN, kNaN}));
  EXPECT_TRUE(HasValues(minimum(F64({kNaN, 1}, {2}), F64({1, kNaN}, {2})), {2}, {kNaN, kNaN}));
}

// ---- comparisons and where ---------------------------------------------------------------------

TEST(ElementwiseTest, ComparisonsGiveBoolMasks) {
  Tensor a = F64({1, 2, 3}, {3});
  Tensor b = F64({3, 2, 1}, {3});
  Tensor m = lt(a, b);
  EXPECT_EQ(m.dtype(), kBool);
  EXPECT_EQ(BoolValues(m), (std::vector<bool>{true, false, false}));
  EXPECT_EQ(BoolValues(le(a, b)), (std::vector<bool>{true, true, false}));
  EXPECT_EQ(BoolValues(gt(a, b)), (std::vector<bool>{false, false, true}));
  EXPECT_EQ(BoolValues(ge(a, b)), (std::vector<bool>{false, true, true}));
  EXPECT_EQ(BoolValues(eq(a, b)), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(BoolValues(ne(a, b)), (std::vector<bool>{true, false, true}));
  for (Tensor t : {le(a, b), gt(a, b), ge(a, b), eq(a, b), ne(a, b)}) {
    EXPECT_EQ(t.dtype(), kBool);
  }
}

TEST(ElementwiseTest, ComparisonsPromoteAndBroadcast) {
  Tensor i = I64({1, 2, 3}, {3});
  Tensor f = F32({1.5f, 1.5f, 3.5f}, {3});
  EXPECT_EQ(BoolValues(lt(i, f)), (std::vector<bool>{true, false, true}));
  Tensor col = I64({1, 2}, {2, 1});
  Tensor m = eq(col, I64({1, 2, 2}, {3}));
  EXPECT_EQ(m.shape(), (Shape{2, 3}));
  EXPECT_EQ(BoolValues(m), (std::vector<bool>{true, false, false, false, true, true}));
  // NaN compares unequal to everything.
  Tensor n = F64({kNaN}, {1});
  EXPECT_EQ(BoolValues(eq(n, n)), (std::vector<bool>{false}));
  EXPECT_EQ(BoolValues(ne(n, n)), (std::vector<bool>{true}));
}

TEST(ElementwiseTest, WhereSelectsAndBroadcasts) {
  Tensor mask = test_util::Bool({true, false, true}, {3});
  Tensor a = F64({1, 2, 3}, {3});
  Tensor b = F64({-1, -2, -3}, {3});
  EXPECT_TRUE(HasValues(where(mask, a, b), {3}, {1, -2, 3}));
  // mask [2, 1], a [3], b 0-dim.
  Tensor mask2 = test_util::Bool({false, true}, {2, 1});
  Tensor w = where(mask2, a, tensor(0.0, kFloat64));
  EXPECT_TRUE(HasValues(w, {2, 3}, {0, 0, 0, 1, 2, 3}));
  // Mixed dtypes promote.
  Tensor p = where(mask, I64({1, 2, 3}, {3}), F32({0.5f, 0.5f, 0.5f}, {3}));
  EXPECT_EQ(p.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(p, {3}, {1, 0.5, 3}));
  EXPECT_TRUE(ThrowsTensorError([&] { where(mask, a, zeros({2})); }, {"where"}));
  // The condition must be a bool tensor.
  EXPECT_TRUE(ThrowsTensorError([&] { where(a, a, b); }, {"where"}));
}

// ---- in place ----------------------------------------------------------------------------------

TEST(ElementwiseTest, InPlaceOpsAndTheirReturnValue) {
  Tensor a = F64({1, 2, 3}, {3});
  Tensor b = F64({2, 2, 2}, {3});
  Tensor& r = a.add_(b);
  EXPECT_TRUE(r.is_same(a));
  EXPECT_TRUE(HasValues(a, {3}, {3, 4, 5}));
  a.sub_(b, 0.5);
  EXPECT_TRUE(HasValues(a, {3}, {2, 3, 4}));
  a.mul_(b);
  EXPECT_TRUE(HasValues(a, {3}, {4, 6, 8}));
  a.div_(b);
  EXPECT_TRUE(HasValues(a, {3}, {2, 3, 4}));
  a.add_(b, 3);
  EXPECT_TRUE(HasValues(a, {3}, {8, 9, 10}));
  a.add_(1).sub_(2).mul_(3).div_(4);
  EXPECT_TRUE(HasValues(a, {3}, {5.25, 6, 6.75}));
  EXPECT_TRUE(a.zero_().is_same(a));
  EXPECT_TRUE(HasValues(a, {3}, {0, 0, 0}));
  EXPECT_TRUE(a.fill_(2.5).is_same(a));
  EXPECT_TRUE(HasValues(a, {3}, {2.5, 2.5, 2.5}));
}

TEST(ElementwiseTest, InPlaceKeepsStorage) {
  Tensor a = F64({1, 2, 3}, {3});
  double* p = a.data<double>();
  a.add_(F64({1, 1, 1}, {3}));
  a.mul_(2);
  EXPECT_EQ(a.data<double>(), p);
}

TEST(ElementwiseTest, CompoundAssignmentOperators) {
  Tensor a = F64({1, 2, 3}, {3});
  Tensor alias = a;
  a += F64({1, 1, 1}, {3});
  EXPECT_TRUE(HasValues(alias, {3}, {2, 3, 4}));
  a -= F64({2, 2, 2}, {3});
  EXPECT_TRUE(HasValues(alias, {3}, {0, 1, 2}));
  a *= F64({3, 3, 3}, {3});
  EXPECT_TRUE(HasValues(alias, {3}, {0, 3, 6}));
  a /= F64({3, 3, 3}, {3});
  EXPECT_TRUE(HasValues(alias, {3}, {0, 1, 2}));
  a += 1;
  a -= 0.5;
  a *= 4;
  a /= 2;
  EXPECT_TRUE(HasValues(alias, {3}, {1, 3, 5}));
  EXPECT_TRUE(alias.is_same(a));
}

TEST(ElementwiseTest, InPlaceOnNonContiguousView) {
  Tensor base = F64Fill({3, 4}, [](int64_t k) { return static_cast<double>(k); });
  Tensor t = base.t();  // [4, 3]
  t.add_(F64({100, 200, 300}, {3}));  // adds 100 * (row + 1) of base
  EXPECT_TRUE(HasValues(base, {3, 4},
                        {100, 101, 102, 103, 204, 205, 206, 207, 308, 309, 310, 311}));
  Tensor stepped = base.slice(1, 0, 4, 2);  // columns 0 and 2
  stepped.mul_(-1);
  EXPECT_TRUE(HasValues(base, {3, 4},
                        {-100, 101, -102, 103, -204, 205, -206, 207, -308, 309, -310, 311}));
  stepped.zero_();
  EXPECT_TRUE(HasValues(base, {3, 4}, {0, 101, 0, 103, 0, 205, 0, 207, 0, 309, 0, 311}));
  Tensor col = base.select(1, 1);
  col -= 1;
  col /= F64({4, 4, 4}, {3});
  EXPECT_TRUE(HasValues(base, {3, 4}, {0, 25, 0, 103, 0, 51, 0, 207, 0, 77, 0, 311}));
}

TEST(ElementwiseTest, InPlaceWithSelfAsArgument) {
  Tensor a = F64({1, 2, 3}, {3});
  a.add_(a);
  EXPECT_TRUE(HasValues(a, {3}, {2, 4, 6}));
  a.mul_(a);
  EXPECT_TRUE(HasValues(a, {3}, {4, 16, 36}));
}

TEST(ElementwiseTest, InPlaceAddOfOwnTransposeThrowsOrIsCorrect) {
  // PyTorch rejects partially overlapping in-place operands ("unsupported operation: some
  // elements of the input tensor and the written-to tensor refer to a single memory
  // location"); computing from the original values is also acceptable, a result that reads
  // already-overwritten elements is not.
  Tensor a = F64({1, 2, 3, 4}, {2, 2});
  try {
    a.add_(a.t());
    EXPECT_TRUE(HasValues(a, {2, 2}, {2, 5, 5, 8}));
  } catch (const TensorError&) {
  }
}

TEST(ElementwiseTest, CopyBetweenOverlappingViewsThrowsOrIsCorrect) {
  // As above, for copy_ from a shifted view of the same storage (memmove semantics).
  Tensor b = F64({0, 1, 2, 3}, {4});
  try {
    b.narrow(0, 1, 3).copy_(b.narrow(0, 0, 3));
    EXPECT_TRUE(HasValues(b, {4}, {0, 0, 1, 2}));
  } catch (const TensorError&) {
  }
}

TEST(ElementwiseTest, InPlaceBroadcastOfOther) {
  Tensor a = zeros({2, 3}, kFloat64);
  a.add_(F64({1, 2, 3}, {3}));
  a.add_(F64({10, 20}, {2, 1}));
  a.mul_(tensor(2.0, kFloat64));
  EXPECT_TRUE(HasValues(a, {2, 3}, {22, 24, 26, 42, 44, 46}));
}

TEST(ElementwiseTest, InPlaceBroadcastThatChangesShapeThrows) {
  Tensor a = zeros({3});
  EXPECT_TRUE(ThrowsTensorError([&] { a.add_(zeros({2, 3})); }, {"[3]", "[2, 3]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a.mul_(zeros({4})); }, {"[3]", "[4]"}));
  Tensor col = zeros({3, 1});
  EXPECT_TRUE(ThrowsTensorError([&] { col.sub_(zeros({1, 4})); }, {"[3, 1]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { col += zeros({3, 3}); }));
  EXPECT_TRUE(HasValues(a, {3}, {0, 0, 0}));
}

TEST(ElementwiseTest, InPlaceDtypeRules) {
  // float32 destination takes an int64 operand (result float32).
  Tensor f = F32({1.5f, 2.5f}, {2});
  f.add_(I64({1, 2}, {2}));
  EXPECT_TRUE(HasValues(f, {2}, {2.5, 4.5}));
  EXPECT_EQ(f.dtype(), kFloat32);
  // int64 destination cannot hold a floating result.
  Tensor i = I64({1, 2}, {2});
  EXPECT_TRUE(ThrowsTensorError([&] { i.add_(F32({0.5f, 0.5f}, {2})); }));
  EXPECT_TRUE(ThrowsTensorError([&] { i.div_(I64({1, 1}, {2})); }));
  EXPECT_TRUE(ThrowsTensorError([&] { i /= 2; }));
  EXPECT_TRUE(ThrowsTensorError([&] { i.mul_(2.5); }));
  EXPECT_EQ(IntValues(i), (std::vector<int64_t>{1, 2}));
  i.mul_(3);
  EXPECT_EQ(IntValues(i), (std::vector<int64_t>{3, 6}));
}

TEST(ElementwiseTest, CopyConvertsAndBroadcasts) {
  Tensor i = zeros({3}, kInt64);
  i.copy_(F64({1.7, -1.7, 2.0}, {3}));
  EXPECT_EQ(IntValues(i), (std::vector<int64_t>{1, -1, 2}));  // truncation toward zero
  Tensor f = zeros({2, 3}, kFloat32);
  f.copy_(I64({1, 2, 3}, {3}));
  EXPECT_TRUE(HasValues(f, {2, 3}, {1, 2, 3, 1, 2, 3}));
  Tensor b = zeros({3}, kBool);
  b.copy_(F64({0, 0.5, -2}, {3}));
  EXPECT_EQ(BoolValues(b), (std::vector<bool>{false, true, true}));
  Tensor g = zeros({2}, kFloat64);
  EXPECT_TRUE(g.copy_(tensor(4.0)).is_same(g));
  EXPECT_TRUE(HasValues(g, {2}, {4, 4}));
}

TEST(ElementwiseTest, CopyIntoNonContiguousAndFromNonContiguous) {
  Tensor dst = zeros({2, 3}, kFloat64);
  Tensor src = F64({1, 2, 3, 4, 5, 6}, {3, 2});
  dst.t().copy_(src);  // dst.t()[i][j] = src[i][j]  =>  dst[j][i] = src[i][j]
  EXPECT_TRUE(HasValues(dst, {2, 3}, {1, 3, 5, 2, 4, 6}));
  Tensor out = zeros({2, 3}, kFloat64);
  out.copy_(src.t());
  EXPECT_TRUE(HasValues(out, {2, 3}, {1, 3, 5, 2, 4, 6}));
}

TEST(ElementwiseTest, CopyShapeMismatchThrows) {
  Tensor dst = zeros({3});
  EXPECT_TRUE(ThrowsTensorError([&] { dst.copy_(zeros({2, 3})); }, {"[3]", "[2, 3]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { dst.copy_(zeros({4})); }, {"[3]", "[4]"}));
}

TEST(ElementwiseTest, FillAndZeroOnViewsAndDtypes) {
  Tensor i = zeros({4}, kInt64);
  const int64_t big = (int64_t{1} << 53) + 1;
  i.fill_(big);
  EXPECT_EQ(IntValues(i), std::vector<int64_t>(4, big));
  i.fill_(2.7);  // converted as by a cast
  EXPECT_EQ(IntValues(i), std::vector<int64_t>(4, 2));
  Tensor b = zeros({2}, kBool);
  b.fill_(true);
  EXPECT_EQ(BoolValues(b), (std::vector<bool>{true, true}));
  Tensor m = zeros({3, 3}, kFloat64);
  m.t().select(0, 2).fill_(1);  // column 2
  m.slice(0, 0, 3, 2).select(1, 0).fill_(5);  // rows 0 and 2, column 0
  EXPECT_TRUE(HasValues(m, {3, 3}, {5, 0, 1, 0, 0, 1, 5, 0, 1}));
  m.t().zero_();
  EXPECT_TRUE(HasValues(m, {3, 3}, std::vector<double>(9, 0.0)));
}

// ---- out= forms ---------------------------------------------------------------------------------

TEST(ElementwiseTest, OutFormsWriteIntoOut) {
  Tensor a = F64({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = F64({1, 2, 4}, {3});
  Tensor out = zeros({2, 3}, kFloat64);
  const double* p = out.data<double>();
  Tensor alias = out;

  EXPECT_TRUE(add(a, b, out).is_same(out));
  EXPECT_EQ(out.data<double>(), p);
  EXPECT_TRUE(HasValues(alias, {2, 3}, {2, 4, 7, 5, 7, 10}));
  sub(a, b, out);
  EXPECT_TRUE(HasValues(alias, {2, 3}, {0, 0, -1, 3, 3, 2}));
  mul(a, b, out);
  EXPECT_TRUE(HasValues(alias, {2, 3}, {1, 4, 12, 4, 10, 24}));
  div(a, b, out);
  EXPECT_TRUE(HasValues(alias, {2, 3}, {1, 1, 0.75, 4, 2.5, 1.5}));
  pow(a, b, out);
  EXPECT_TRUE(HasValues(alias, {2, 3}, {1, 4, 81, 4, 25, 1296}));
  maximum(a, b, out);
  EXPECT_TRUE(HasValues(alias, {2, 3}, {1, 2, 4, 4, 5, 6}));
  minimum(a, b, out);
  EXPECT_TRUE(HasValues(alias, {2, 3}, {1, 2, 3, 1, 2, 4}));
  EXPECT_EQ(out.data<double>(), p);
  EXPECT_TRUE(out.is_same(alias));
}

TEST(ElementwiseTest, OutFormIntoNonContiguousOut) {
  Tensor base = zeros({3, 2}, kFloat64);
  Tensor out = base.t();  // [2, 3], non-contiguous
  add(F64({1, 2, 3, 4, 5, 6}, {2, 3}), F64({10}, {1}), out);
  EXPECT_TRUE(HasValues(base, {3, 2}, {11, 14, 12, 15, 13, 16}));
}

TEST(ElementwiseTest, OutFormMayAliasAnInput) {
  Tensor a = F64({1, 2, 3}, {3});
  add(a, F64({1, 1, 1}, {3}), a);
  EXPECT_TRUE(HasValues(a, {3}, {2, 3, 4}));
}

TEST(ElementwiseTest, OutFormWithIntegerDivisionNeedsFloat32Out) {
  Tensor a = I64({1, 3}, {2});
  Tensor b = I64({2, 2}, {2});
  Tensor out = zeros({2}, kFloat32);
  div(a, b, out);
  EXPECT_TRUE(HasValues(out, {2}, {0.5, 1.5}));
  Tensor bad = zeros({2}, kInt64);
  EXPECT_TRUE(ThrowsTensorError([&] { div(a, b, bad); }));
}

TEST(ElementwiseTest, OutFormWrongShapeOrDtypeThrows) {
  Tensor a = F32({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = F32({1, 2, 3}, {3});
  Tensor wrong_shape = zeros({3, 2});
  EXPECT_TRUE(ThrowsTensorError([&] { add(a, b, wrong_shape); }, {"[3, 2]", "[2, 3]"}));
  Tensor too_small = zeros({3});
  EXPECT_TRUE(ThrowsTensorError([&] { mul(a, b, too_small); }));
  Tensor wrong_dtype = zeros({2, 3}, kFloat64);
  EXPECT_TRUE(ThrowsTensorError([&] { add(a, b, wrong_dtype); }));
  Tensor int_out = zeros({2, 3}, kInt64);
  EXPECT_TRUE(ThrowsTensorError([&] { sub(a, b, int_out); }));
  Tensor undefined;
  EXPECT_TRUE(ThrowsTensorError([&] { add(a, b, undefined); }));
}

// ---- non-contiguous inputs -----------------------------------------------------------------------

TEST(ElementwiseTest, TransposedInputsMatchFormulaAndContiguousCopy) {
  // base[i, j] = 4i + j, shape [3, 4]; t = base.t() has t[j, i] = 4i + j.
  Tensor base = F64Fill({3, 4}, [](int64_t k) { return static_cast<double>(k); });
  Tensor t = base.t();
  Tensor other = F64Fill({4, 3}, [](int64_t k) { return 0.5 * k; });
  std::vector<double> expected_sum, expected_prod;
  for (int j = 0; j < 4; ++j) {
    for (int i = 0; i < 3; ++i) {
      const double tv = 4 * i + j, ov = 0.5 * (3 * j + i);
      expected_sum.push_back(tv + ov);
      expected_prod.push_back(tv * ov);
    }
  }
  EXPECT_TRUE(HasValues(t + other, {4, 3}, expected_sum));
  EXPECT_TRUE(HasValues(other + t, {4, 3}, expected_sum));
  EXPECT_TRUE(HasValues(t * other, {4, 3}, expected_prod));
  EXPECT_EQ(Values(t * other), Values(t.contiguous() * other));
  EXPECT_EQ(Values(exp(t)), Values(exp(t.contiguous())));
  EXPECT_EQ(Values(t.t() + t.t()), Values(base * 2));
}

TEST(ElementwiseTest, SteppedAndExpandedInputs) {
  Tensor a = arange(0, 12, 1, kFloat64);
  Tensor stepped = a.slice(0, 1, 12, 3);  // 1, 4, 7, 10
  Tensor expanded = F64({2}, {1}).expand({4});
  EXPECT_TRUE(HasValues(stepped * expanded, {4}, {2, 8, 14, 20}));
  EXPECT_TRUE(HasValues(stepped - stepped.contiguous(), {4}, {0, 0, 0, 0}));
  Tensor rows = F64({1, 2, 3}, {3}).unsqueeze(0).expand({2, 3});
  Tensor cols = F64({10, 20}, {2, 1}).expand({2, 3});
  EXPECT_TRUE(HasValues(rows + cols, {2, 3}, {11, 12, 13, 21, 22, 23}));
  EXPECT_TRUE(HasValues(sqrt(stepped.view({2, 2}).t()), {2, 2},
                        {1, std::sqrt(7.0), 2, std::sqrt(10.0)}, 1e-12));
  EXPECT_EQ(BoolValues(gt(stepped, expanded.contiguous() * 2)),
            (std::vector<bool>{false, false, true, true}));
}

// ---- empty ----------------------------------------------------------------------------------------

TEST(ElementwiseTest, EmptyTensors) {
  Tensor e = zeros({0, 3});
  Tensor r = e + 1;
  EXPECT_EQ(r.shape(), (Shape{0, 3}));
  EXPECT_EQ(r.numel(), 0);
  EXPECT_EQ(exp(e).shape(), (Shape{0, 3}));
  EXPECT_EQ(lt(e, e).dtype(), kBool);
  e.add_(1);
  e.fill_(3);
  EXPECT_EQ(e.numel(), 0);
}

}  // namespace
}  // namespace concord
