// File: tests/tensor_creation_test.cc
//
// Creation functions: empty, zeros, ones, full, arange, linspace, rand/randn (global and
// seeded Generators, manual_seed), tensor() from nested lists, from_vector, the *_like
// functions, new_zeros/new_ones/new_empty, scalar_tensor, and undefined tensors.
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/functions.h"
#include "tensor/random.h"
#include "tensor/tensor.h"
#include "tests/test_util.h"

namespace concord {
namespace {

using test_util::BoolValues;
using test_util::HasValues;
using test_util::IntValues;
using test_util::ThrowsTensorError;
using test_util::Values;

// ---- empty / zeros / ones / full -------------------------------------------------------

TEST(CreationTest, EmptyHasShapeDtypeAndContiguousStrides) {
  Tensor t = empty({2, 3});
  ASSERT_TRUE(t.defined());
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.dim(), 2);
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.dtype(), kFloat32);
  EXPECT_EQ(t.strides(), (Strides{3, 1}));
  EXPECT_EQ(t.storage_offset(), 0);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_TRUE(t.device().is_cpu());
  EXPECT_GE(t.storage()->nbytes(), 6 * sizeof(float));
}

TEST(CreationTest, ZerosDefaultIsFloat32) {
  Tensor t = zeros({2, 3});
  EXPECT_EQ(t.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(t, {2, 3}, {0, 0, 0, 0, 0, 0}));
}

TEST(CreationTest, ZerosAndOnesWithDtype) {
  Tensor z = zeros({4}, kFloat64);
  EXPECT_EQ(z.dtype(), kFloat64);
  EXPECT_TRUE(HasValues(z, {4}, {0, 0, 0, 0}));

  Tensor o = ones({2, 2}, kInt64);
  EXPECT_EQ(o.dtype(), kInt64);
  EXPECT_EQ(IntValues(o), (std::vector<int64_t>{1, 1, 1, 1}));

  Tensor b = ones({3}, kBool);
  EXPECT_EQ(b.dtype(), kBool);
  EXPECT_EQ(BoolValues(b), (std::vector<bool>{true, true, true}));

  Tensor via_options = ones({2}, TensorOptions().dtype(kFloat64).device(Device::Cpu()));
  EXPECT_EQ(via_options.dtype(), kFloat64);
  EXPECT_TRUE(HasValues(via_options, {2}, {1, 1}));
}

TEST(CreationTest, ScalarShapeIsZeroDim) {
  Tensor t = ones({});
  EXPECT_EQ(t.dim(), 0);
  EXPECT_EQ(t.numel(), 1);
  EXPECT_EQ(t.shape(), Shape{});
  EXPECT_DOUBLE_EQ(t.item(), 1.0);
}

TEST(CreationTest, StorageIsAligned) {
  for (int64_t n : {1, 3, 17, 1000}) {
    Tensor t = empty({n});
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.storage()->data()) % 64, 0u) << "n=" << n;
  }
}

TEST(CreationTest, ZeroSizedShapes) {
  Tensor t = zeros({0, 3});
  EXPECT_EQ(t.numel(), 0);
  EXPECT_EQ(t.dim(), 2);
  EXPECT_EQ(t.shape(), (Shape{0, 3}));
  Tensor u = ones({2, 0, 4}, kInt64);
  EXPECT_EQ(u.numel(), 0);
  EXPECT_EQ(u.shape(), (Shape{2, 0, 4}));
}

TEST(CreationTest, FullFillsValue) {
  EXPECT_TRUE(HasValues(full({2, 2}, 2.5), {2, 2}, {2.5, 2.5, 2.5, 2.5}));
  EXPECT_EQ(full({2, 2}, 2.5).dtype(), kFloat32);
  Tensor i = full({3}, 7, kInt64);
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(IntValues(i), (std::vector<int64_t>{7, 7, 7}));
  Tensor d = full({2}, -0.125, kFloat64);
  EXPECT_TRUE(HasValues(d, {2}, {-0.125, -0.125}));
}

TEST(CreationTest, FullInt64IsExactBeyondDoublePrecision) {
  const int64_t big = (int64_t{1} << 53) + 1;  // not representable as a double
  Tensor t = full({2}, big, kInt64);
  EXPECT_EQ(IntValues(t), (std::vector<int64_t>{big, big}));
}

TEST(CreationTest, ScalarTensor) {
  Tensor a = scalar_tensor(2.5);
  EXPECT_EQ(a.dim(), 0);
  EXPECT_EQ(a.dtype(), kFloat32);
  EXPECT_DOUBLE_EQ(a.item(), 2.5);
  Tensor b = scalar_tensor(3, kInt64);
  EXPECT_EQ(b.dim(), 0);
  EXPECT_EQ(b.dtype(), kInt64);
  EXPECT_EQ(b.item<int64_t>(), 3);
}

// ---- arange ------------------------------------------------------------------------------

TEST(CreationTest, ArangeEndIsInt64) {
  Tensor t = arange(5);
  EXPECT_EQ(t.dtype(), kInt64);
  EXPECT_EQ(t.shape(), (Shape{5}));
  EXPECT_EQ(IntValues(t), (std::vector<int64_t>{0, 1, 2, 3, 4}));
}

TEST(CreationTest, ArangeStartEndStepIntegral) {
  EXPECT_EQ(IntValues(arange(2, 7)), (std::vector<int64_t>{2, 3, 4, 5, 6}));
  EXPECT_EQ(arange(2, 7).dtype(), kInt64);
  EXPECT_EQ(IntValues(arange(0, 10, 3)), (std::vector<int64_t>{0, 3, 6, 9}));
  EXPECT_EQ(IntValues(arange(-3, 3, 2)), (std::vector<int64_t>{-3, -1, 1}));
}

TEST(CreationTest, ArangeNegativeStep) {
  Tensor t = arange(5, 0, -1);
  EXPECT_EQ(t.dtype(), kInt64);
  EXPECT_EQ(IntValues(t), (std::vector<int64_t>{5, 4, 3, 2, 1}));
  Tensor f = arange(1.0, -1.0, -0.5);
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(f, {4}, {1.0, 0.5, 0.0, -0.5}));
}

TEST(CreationTest, ArangeFloatingArgsGiveFloat32) {
  Tensor t = arange(0.0, 1.0, 0.25);
  EXPECT_EQ(t.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(t, {4}, {0.0, 0.25, 0.5, 0.75}));
  // Only the step is floating.
  Tensor u = arange(1, 2, 0.25);
  EXPECT_EQ(u.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(u, {4}, {1.0, 1.25, 1.5, 1.75}));
  // arange(2.5) has ceil(2.5) = 3 elements.
  Tensor v = arange(2.5);
  EXPECT_EQ(v.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(v, {3}, {0, 1, 2}));
}

TEST(CreationTest, ArangeLengthIsCeil) {
  EXPECT_EQ(arange(0.0, 1.0, 0.1).numel(), 10);
  EXPECT_EQ(arange(0, 10, 4).numel(), 3);  // 0, 4, 8
  EXPECT_EQ(arange(0, 0).numel(), 0);
}

TEST(CreationTest, ArangeValuesAreStartPlusIndexTimesStep) {
  Tensor t = arange(0.0, 1.0, 0.1, kFloat64);
  ASSERT_EQ(t.numel(), 10);
  std::vector<double> v = Values(t);
  for (int i = 0; i < 10; ++i) EXPECT_NEAR(v[i], 0.1 * i, 1e-14) << "i=" << i;
  Tensor big = arange(0, 100000, 1, kFloat32);
  EXPECT_EQ(Values(big).back(), 99999.0);
}

TEST(CreationTest, ArangeWithOptions) {
  Tensor t = arange(0, 5, 1, kFloat64);
  EXPECT_EQ(t.dtype(), kFloat64);
  EXPECT_TRUE(HasValues(t, {5}, {0, 1, 2, 3, 4}));
  Tensor u = arange(0.5, 3.0, 1.0, kFloat64);
  EXPECT_TRUE(HasValues(u, {3}, {0.5, 1.5, 2.5}));
}

TEST(CreationTest, ArangeLargeInt64IsExact) {
  const int64_t start = (int64_t{1} << 53) + 1;
  Tensor t = arange(start, start + 3);
  EXPECT_EQ(IntValues(t), (std::vector<int64_t>{start, start + 1, start + 2}));
}

TEST(CreationTest, ArangeBadStepThrows) {
  EXPECT_TRUE(ThrowsTensorError([] { arange(0, 5, 0); }, {"arange"}));
  EXPECT_TRUE(ThrowsTensorError([] { arange(5, 0, 1); }, {"arange"}));
  EXPECT_TRUE(ThrowsTensorError([] { arange(0.0, 1.0, -0.5); }, {"arange"}));
}

// ---- linspace ----------------------------------------------------------------------------

TEST(CreationTest, LinspaceValues) {
  Tensor t = linspace(0, 1, 5);
  EXPECT_EQ(t.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(t, {5}, {0, 0.25, 0.5, 0.75, 1.0}));
  EXPECT_TRUE(HasValues(linspace(1, 0, 3), {3}, {1, 0.5, 0}));
  EXPECT_TRUE(HasValues(linspace(2, 2, 3), {3}, {2, 2, 2}));
}

TEST(CreationTest, LinspaceFloat64EndpointsAndSpacing) {
  Tensor t = linspace(-1, 1, 201, kFloat64);
  EXPECT_EQ(t.dtype(), kFloat64);
  ASSERT_EQ(t.numel(), 201);
  std::vector<double> v = Values(t);
  EXPECT_DOUBLE_EQ(v.front(), -1.0);
  EXPECT_DOUBLE_EQ(v.back(), 1.0);
  for (int i = 0; i < 201; ++i) EXPECT_NEAR(v[i], -1.0 + 0.01 * i, 1e-12) << "i=" << i;
}

TEST(CreationTest, LinspaceOneAndZeroSteps) {
  EXPECT_TRUE(HasValues(linspace(3.5, 10, 1), {1}, {3.5}));
  Tensor e = linspace(0, 1, 0);
  EXPECT_EQ(e.numel(), 0);
  EXPECT_EQ(e.shape(), (Shape{0}));
}

TEST(CreationTest, LinspaceNegativeStepsThrows) {
  EXPECT_TRUE(ThrowsTensorError([] { linspace(0, 1, -1); }, {"linspace"}));
}

// ---- rand / randn / Generator -----------------------------------------------------------

TEST(CreationTest, RandIsUniformOnUnitInterval) {
  manual_seed(1234);
  Tensor t = rand({100000});
  EXPECT_EQ(t.dtype(), kFloat32);
  std::vector<double> v = Values(t);
  double sum = 0, sum_sq = 0;
  for (double x : v) {
    ASSERT_GE(x, 0.0);
    ASSERT_LT(x, 1.0);
    sum += x;
    sum_sq += x * x;
  }
  const double mean = sum / v.size();
  const double var = sum_sq / v.size() - mean * mean;
  EXPECT_NEAR(mean, 0.5, 0.01);
  EXPECT_NEAR(var, 1.0 / 12.0, 0.005);
  // Every tenth of the interval gets about a tenth of the samples.
  std::vector<int> bins(10, 0);
  for (double x : v) ++bins[static_cast<int>(x * 10)];
  for (int b : bins) EXPECT_NEAR(b, 10000, 600);
}

TEST(CreationTest, RandFloat32NeverRoundsUpToOne) {
  // With seed 686, draw 7222 of mt19937_64 gives a 53-bit uniform of 0.99999997472850977,
  // which rounds to 1.0f if converted naively from double; rand must stay in [0, 1).
  Generator g(686);
  for (double x : Values(rand({10000}, g))) ASSERT_LT(x, 1.0);
  manual_seed(686);
  for (double x : Values(rand({10000}))) ASSERT_LT(x, 1.0);
}

TEST(CreationTest, RandFloat64AndShape) {
  Tensor t = rand({3, 4}, kFloat64);
  EXPECT_EQ(t.dtype(), kFloat64);
  EXPECT_EQ(t.shape(), (Shape{3, 4}));
  for (double x : Values(t)) {
    EXPECT_GE(x, 0.0);
    EXPECT_LT(x, 1.0);
  }
}

TEST(CreationTest, RandnIsStandardNormal) {
  manual_seed(99);
  Tensor t = randn({100000});
  EXPECT_EQ(t.dtype(), kFloat32);
  std::vector<double> v = Values(t);
  double sum = 0, sum_sq = 0;
  int within_one = 0;
  for (double x : v) {
    ASSERT_TRUE(std::isfinite(x));
    sum += x;
    sum_sq += x * x;
    if (std::fabs(x) < 1.0) ++within_one;
  }
  const double mean = sum / v.size();
  const double std = std::sqrt(sum_sq / v.size() - mean * mean);
  EXPECT_NEAR(mean, 0.0, 0.02);
  EXPECT_NEAR(std, 1.0, 0.02);
  EXPECT_NEAR(static_cast<double>(within_one) / v.size(), 0.6827, 0.01);
}

TEST(CreationTest, SeededGeneratorIsReproducible) {
  Generator g1(123), g2(123);
  EXPECT_EQ(Values(rand({1000}, g1)), Values(rand({1000}, g2)));
  EXPECT_EQ(Values(randn({1000}, g1)), Values(randn({1000}, g2)));
  EXPECT_EQ(Values(randn({7}, g1, kFloat64)), Values(randn({7}, g2, kFloat64)));
}

TEST(CreationTest, GeneratorAdvancesAndSeedsDiffer) {
  Generator g(5);
  std::vector<double> first = Values(rand({100}, g));
  std::vector<double> second = Values(rand({100}, g));
  EXPECT_NE(first, second);
  Generator h(6);
  EXPECT_NE(first, Values(rand({100}, h)));
  // Reseeding a generator replays its sequence.
  g.manual_seed(5);
  EXPECT_EQ(first, Values(rand({100}, g)));
}

TEST(CreationTest, ManualSeedResetsGlobalGenerator) {
  manual_seed(7);
  std::vector<double> a = Values(rand({100}));
  std::vector<double> an = Values(randn({100}));
  manual_seed(7);
  std::vector<double> b = Values(rand({100}));
  std::vector<double> bn = Values(randn({100}));
  EXPECT_EQ(a, b);
  EXPECT_EQ(an, bn);
  manual_seed(8);
  EXPECT_NE(a, Values(rand({100})));
}

TEST(CreationTest, GlobalGeneratorDoesNotTouchExplicitGenerator) {
  Generator g1(42), g2(42);
  std::vector<double> a = Values(rand({50}, g1));
  rand({50});  // draws from the global generator only
  EXPECT_EQ(a, Values(rand({50}, g2)));
}

TEST(CreationTest, GeneratorPrimitives) {
  Generator g(2024);
  std::set<uint64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    const double u = g.NextUniform();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
    const uint64_t k = g.NextBelow(10);
    EXPECT_LT(k, 10u);
    seen.insert(k);
  }
  EXPECT_EQ(seen.size(), 10u);
  Generator a(1), b(1);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.NextNormal(), b.NextNormal());
  Generator d1, d2;  // default seed
  EXPECT_EQ(d1.NextUniform(), d2.NextUniform());
}

TEST(CreationTest, RandLikeAndRandnLike) {
  Tensor base = zeros({3, 4}, kFloat64);
  Tensor r = rand_like(base);
  EXPECT_EQ(r.shape(), (Shape{3, 4}));
  EXPECT_EQ(r.dtype(), kFloat64);
  Tensor n = randn_like(base, kFloat32);
  EXPECT_EQ(n.shape(), (Shape{3, 4}));
  EXPECT_EQ(n.dtype(), kFloat32);
}

// ---- tensor() from nested lists ----------------------------------------------------------

TEST(CreationTest, TensorFromNestedFloats) {
  Tensor t = tensor({{1., 2.}, {3., 4.}});
  EXPECT_EQ(t.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(t, {2, 2}, {1, 2, 3, 4}));
  EXPECT_TRUE(t.is_contiguous());
}

TEST(CreationTest, TensorFromNestedInts) {
  Tensor t = tensor({{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(t.dtype(), kInt64);
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(IntValues(t), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
}

TEST(CreationTest, TensorFromNestedBools) {
  Tensor t = tensor({true, false, true});
  EXPECT_EQ(t.dtype(), kBool);
  EXPECT_EQ(BoolValues(t), (std::vector<bool>{true, false, true}));
}

TEST(CreationTest, TensorThreeDims) {
  Tensor t = tensor({{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}});
  EXPECT_EQ(t.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(IntValues(t), (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(CreationTest, TensorMixedLiteralsPromote) {
  Tensor a = tensor({1, 2.5});
  EXPECT_EQ(a.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(a, {2}, {1.0, 2.5}));
  Tensor b = tensor({true, 2});
  EXPECT_EQ(b.dtype(), kInt64);
  EXPECT_EQ(IntValues(b), (std::vector<int64_t>{1, 2}));
  Tensor c = tensor({{true, false}, {1.5, 0.}});
  EXPECT_EQ(c.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(c, {2, 2}, {1, 0, 1.5, 0}));
}

TEST(CreationTest, TensorScalarIsZeroDim) {
  Tensor a = tensor(3.5);
  EXPECT_EQ(a.dim(), 0);
  EXPECT_EQ(a.numel(), 1);
  EXPECT_EQ(a.dtype(), kFloat32);
  EXPECT_DOUBLE_EQ(a.item(), 3.5);
  Tensor b = tensor(7);
  EXPECT_EQ(b.dim(), 0);
  EXPECT_EQ(b.dtype(), kInt64);
  EXPECT_EQ(b.item<int64_t>(), 7);
  Tensor c = tensor({3.5});
  EXPECT_EQ(c.shape(), (Shape{1}));
}

TEST(CreationTest, TensorWithOptionsOverridesDtype) {
  Tensor a = tensor({1, 2}, kFloat64);
  EXPECT_EQ(a.dtype(), kFloat64);
  EXPECT_TRUE(HasValues(a, {2}, {1, 2}));
  // Float to int64 truncates toward zero, as torch.tensor([1.7, -1.7], dtype=torch.int64).
  Tensor b = tensor({1.7, -1.7}, kInt64);
  EXPECT_EQ(b.dtype(), kInt64);
  EXPECT_EQ(IntValues(b), (std::vector<int64_t>{1, -1}));
  Tensor c = tensor({0., 2.}, kBool);
  EXPECT_EQ(BoolValues(c), (std::vector<bool>{false, true}));
}

TEST(CreationTest, TensorInt64IsExact) {
  const int64_t big = (int64_t{1} << 53) + 1;
  Tensor t = tensor({big, -big});
  EXPECT_EQ(t.dtype(), kInt64);
  EXPECT_EQ(IntValues(t), (std::vector<int64_t>{big, -big}));
}

TEST(CreationTest, TensorEmptyList) {
  Tensor t = tensor(NestedData(std::initializer_list<NestedData>{}));
  EXPECT_EQ(t.dtype(), kFloat32);
  EXPECT_EQ(t.shape(), (Shape{0}));
  EXPECT_EQ(t.numel(), 0);
}

TEST(CreationTest, TensorRaggedThrows) {
  EXPECT_TRUE(ThrowsTensorError([] { tensor({{1., 2.}, {3.}}); }));
  EXPECT_TRUE(ThrowsTensorError([] { tensor({{1., 2.}, 3.}); }));
  EXPECT_TRUE(ThrowsTensorError([] { tensor({{{1, 2}}, {{3, 4}, {5, 6}}}); }));
  EXPECT_TRUE(ThrowsTensorError([] { NestedData({{1}, {2, 3}}).shape(); }));
}

TEST(CreationTest, NestedDataShapeAndDtype) {
  NestedData d({{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(d.shape(), (Shape{2, 3}));
  EXPECT_EQ(d.dtype(), kInt64);
  EXPECT_EQ(NestedData({1, 2.}).dtype(), kFloat32);
  EXPECT_EQ(NestedData(2.0).shape(), Shape{});
}

// ---- from_vector ---------------------------------------------------------------------------

TEST(CreationTest, FromVector) {
  Tensor f = from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(f, {2, 3}, {1, 2, 3, 4, 5, 6}));
  Tensor d = from_vector<double>({0.5, -0.25}, {2});
  EXPECT_EQ(d.dtype(), kFloat64);
  EXPECT_TRUE(HasValues(d, {2}, {0.5, -0.25}));
  Tensor i = from_vector<int64_t>({(int64_t{1} << 60), 3}, {2, 1});
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(IntValues(i), (std::vector<int64_t>{int64_t{1} << 60, 3}));
}

TEST(CreationTest, FromVectorCopiesTheValues) {
  std::vector<double> v = {1, 2, 3};
  Tensor t = from_vector(v, {3});
  v[0] = 100;
  EXPECT_TRUE(HasValues(t, {3}, {1, 2, 3}));
}

TEST(CreationTest, FromVectorWrongCountThrows) {
  EXPECT_TRUE(ThrowsTensorError([] { from_vector<float>({1, 2, 3, 4, 5}, {2, 3}); },
                                {"[2, 3]"}));
  EXPECT_TRUE(ThrowsTensorError([] { from_vector<double>({1, 2}, {1}); }));
}

// ---- *_like and new_* ----------------------------------------------------------------------

TEST(CreationTest, LikeFunctionsKeepShapeAndDtype) {
  Tensor x = ones({2, 3}, kFloat64);
  Tensor z = zeros_like(x);
  EXPECT_EQ(z.dtype(), kFloat64);
  EXPECT_TRUE(HasValues(z, {2, 3}, {0, 0, 0, 0, 0, 0}));
  EXPECT_FALSE(z.shares_storage(x));
  Tensor o = ones_like(zeros({4}, kInt64));
  EXPECT_EQ(o.dtype(), kInt64);
  EXPECT_EQ(IntValues(o), (std::vector<int64_t>{1, 1, 1, 1}));
  Tensor f = full_like(x, 3.5);
  EXPECT_EQ(f.dtype(), kFloat64);
  EXPECT_TRUE(HasValues(f, {2, 3}, {3.5, 3.5, 3.5, 3.5, 3.5, 3.5}));
  Tensor e = empty_like(x);
  EXPECT_EQ(e.shape(), (Shape{2, 3}));
  EXPECT_EQ(e.dtype(), kFloat64);
}

TEST(CreationTest, LikeFunctionsWithDtype) {
  Tensor x = ones({2, 3});
  EXPECT_EQ(zeros_like(x, kInt64).dtype(), kInt64);
  EXPECT_EQ(ones_like(x, kBool).dtype(), kBool);
  EXPECT_EQ(BoolValues(ones_like(x, kBool)), std::vector<bool>(6, true));
  Tensor f = full_like(x, 2, kInt64);
  EXPECT_EQ(f.dtype(), kInt64);
  EXPECT_EQ(IntValues(f), std::vector<int64_t>(6, 2));
  EXPECT_EQ(empty_like(x, kFloat64).dtype(), kFloat64);
  EXPECT_EQ(empty_like(x, kFloat64).shape(), (Shape{2, 3}));
}

TEST(CreationTest, LikeOfNonContiguousHasSameShape) {
  Tensor x = zeros({2, 5}).t();
  Tensor z = ones_like(x);
  EXPECT_TRUE(HasValues(z, {5, 2}, std::vector<double>(10, 1.0)));
}

TEST(CreationTest, NewZerosOnesEmptyKeepDtype) {
  Tensor x = zeros({3}, kFloat64);
  Tensor o = x.new_ones({2, 2});
  EXPECT_EQ(o.dtype(), kFloat64);
  EXPECT_TRUE(HasValues(o, {2, 2}, {1, 1, 1, 1}));
  Tensor i = ones({1}, kInt64);
  Tensor z = i.new_zeros({3});
  EXPECT_EQ(z.dtype(), kInt64);
  EXPECT_EQ(IntValues(z), (std::vector<int64_t>{0, 0, 0}));
  Tensor e = i.new_empty({4, 1});
  EXPECT_EQ(e.dtype(), kInt64);
  EXPECT_EQ(e.shape(), (Shape{4, 1}));
}

// ---- undefined tensors -----------------------------------------------------------------------

TEST(CreationTest, DefaultConstructedTensorIsUndefined) {
  Tensor t;
  EXPECT_FALSE(t.defined());
  EXPECT_TRUE(ThrowsTensorError([&] { t.dim(); }));
  EXPECT_TRUE(ThrowsTensorError([&] { t.numel(); }));
  EXPECT_TRUE(ThrowsTensorError([&] { t.sum(); }));
  EXPECT_TRUE(ThrowsTensorError([&] { t + ones({1}); }));
}

}  // namespace
}  // namespace concord
