// File: tests/tensor_dtype_test.cc
//
// Element types: ElementSize, DTypeName, IsFloating, PromoteTypes (the full table),
// DTypeOf/DispatchDType, Scalar's inferred dtype, the result dtype of every op family
// (binary promotion, integer division, comparisons, unary math, reductions, arange),
// data<T>() type checks, and conversions through to().
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/dtype.h"
#include "tensor/functions.h"
#include "tensor/tensor.h"
#include "tests/test_util.h"

namespace concord {
namespace {

using test_util::HasValues;
using test_util::ThrowsTensorError;

const std::vector<DType> kAll = {kBool, kInt64, kFloat32, kFloat64};

// Rank in the promotion lattice bool < int64 < float32 < float64.
int Rank(DType d) {
  switch (d) {
    case kBool: return 0;
    case kInt64: return 1;
    case kFloat32: return 2;
    case kFloat64: return 3;
  }
  return -1;
}

TEST(DTypeTest, ElementSize) {
  EXPECT_EQ(ElementSize(kBool), 1u);
  EXPECT_EQ(ElementSize(kInt64), 8u);
  EXPECT_EQ(ElementSize(kFloat32), 4u);
  EXPECT_EQ(ElementSize(kFloat64), 8u);
}

TEST(DTypeTest, Names) {
  EXPECT_EQ(DTypeName(kBool), "bool");
  EXPECT_EQ(DTypeName(kInt64), "int64");
  EXPECT_EQ(DTypeName(kFloat32), "float32");
  EXPECT_EQ(DTypeName(kFloat64), "float64");
}

TEST(DTypeTest, IsFloating) {
  EXPECT_FALSE(IsFloating(kBool));
  EXPECT_FALSE(IsFloating(kInt64));
  EXPECT_TRUE(IsFloating(kFloat32));
  EXPECT_TRUE(IsFloating(kFloat64));
}

TEST(DTypeTest, PromoteTypesTable) {
  for (DType a : kAll) {
    for (DType b : kAll) {
      const DType expected = Rank(a) >= Rank(b) ? a : b;
      EXPECT_EQ(PromoteTypes(a, b), expected) << DTypeName(a) << " with " << DTypeName(b);
    }
  }
}

TEST(DTypeTest, DTypeOfAndDispatch) {
  EXPECT_EQ(DTypeOf<bool>::value, kBool);
  EXPECT_EQ(DTypeOf<int64_t>::value, kInt64);
  EXPECT_EQ(DTypeOf<float>::value, kFloat32);
  EXPECT_EQ(DTypeOf<double>::value, kFloat64);
  for (DType d : kAll) {
    const size_t size = DispatchDType(d, []<typename T>() { return sizeof(T); });
    EXPECT_EQ(size, ElementSize(d));
    const DType back = DispatchDType(d, []<typename T>() { return DTypeOf<T>::value; });
    EXPECT_EQ(back, d);
  }
  EXPECT_EQ(DispatchFloating(kFloat32, []<typename T>() { return sizeof(T); }), 4u);
  EXPECT_EQ(DispatchFloating(kFloat64, []<typename T>() { return sizeof(T); }), 8u);
}

TEST(DTypeTest, ScalarDtype) {
  EXPECT_EQ(Scalar(1).dtype(), kInt64);
  EXPECT_EQ(Scalar(int64_t{1}).dtype(), kInt64);
  EXPECT_EQ(Scalar(true).dtype(), kInt64);
  EXPECT_EQ(Scalar(1.5).dtype(), kFloat32);
  EXPECT_EQ(Scalar(1.5f).dtype(), kFloat32);
  EXPECT_TRUE(Scalar(3).is_integral());
  EXPECT_FALSE(Scalar(3.0).is_integral());
  EXPECT_EQ(Scalar(int64_t{1} << 60).to_int(), int64_t{1} << 60);
}

// ---- result dtypes ------------------------------------------------------------------------------

TEST(DTypeTest, BinaryOpsPromote) {
  for (DType a : kAll) {
    for (DType b : kAll) {
      Tensor x = ones({2}, a), y = ones({2}, b);
      const DType expected = Rank(a) >= Rank(b) ? a : b;
      Tensor s = x + y;
      EXPECT_EQ(s.dtype(), expected) << DTypeName(a) << " + " << DTypeName(b);
      EXPECT_EQ((x * y).dtype(), expected) << DTypeName(a) << " * " << DTypeName(b);
      EXPECT_EQ(maximum(x, y).dtype(), expected) << DTypeName(a) << " max " << DTypeName(b);
    }
  }
}

TEST(DTypeTest, BinaryOpsWithPromotionKeepValues) {
  Tensor i = test_util::I64({3, -4}, {2});
  Tensor f = test_util::F32({0.5f, 0.25f}, {2});
  Tensor d = test_util::F64({0.125, 1e-10}, {2});
  Tensor b = test_util::Bool({true, false}, {2});
  EXPECT_TRUE(HasValues(i + f, {2}, {3.5, -3.75}));
  EXPECT_TRUE(HasValues(f + d, {2}, {0.625, 0.25 + 1e-10}));  // computed in float64
  EXPECT_EQ(test_util::IntValues(b + i), (std::vector<int64_t>{4, -4}));
  EXPECT_TRUE(HasValues(b * d, {2}, {0.125, 0}));
}

TEST(DTypeTest, ScalarOperandsPromoteLikePyTorch) {
  Tensor i = arange(3);
  EXPECT_EQ((i + 1).dtype(), kInt64);
  EXPECT_EQ((i * 2.5).dtype(), kFloat32);
  EXPECT_TRUE(HasValues(i * 2.5, {3}, {0, 2.5, 5}));
  EXPECT_EQ((ones({2}) + 1).dtype(), kFloat32);
  EXPECT_EQ((ones({2}, kFloat64) * 2.5).dtype(), kFloat64);
  EXPECT_EQ((ones({2}, kBool) + 1).dtype(), kInt64);
}

TEST(DTypeTest, DivisionDtypes) {
  EXPECT_EQ((arange(3) / arange(1, 4)).dtype(), kFloat32);
  EXPECT_EQ((ones({2}, kBool) / ones({2}, kBool)).dtype(), kFloat32);
  EXPECT_EQ((arange(3) / ones({3}, kFloat64)).dtype(), kFloat64);
  EXPECT_EQ((ones({2}, kFloat64) / arange(1, 3)).dtype(), kFloat64);
  EXPECT_EQ((arange(3) / 2).dtype(), kFloat32);
}

TEST(DTypeTest, ComparisonsAreBool) {
  for (DType a : kAll) {
    for (DType b : kAll) {
      Tensor x = ones({2}, a), y = zeros({2}, b);
      EXPECT_EQ(eq(x, y).dtype(), kBool);
      EXPECT_EQ(ne(x, y).dtype(), kBool);
      EXPECT_EQ(lt(x, y).dtype(), kBool);
      EXPECT_EQ(le(x, y).dtype(), kBool);
      EXPECT_EQ(gt(x, y).dtype(), kBool);
      EXPECT_EQ(ge(x, y).dtype(), kBool);
      EXPECT_EQ(test_util::BoolValues(gt(x, y)), (std::vector<bool>{true, true}));
    }
  }
}

TEST(DTypeTest, UnaryMathDtypes) {
  EXPECT_EQ(exp(arange(3)).dtype(), kFloat32);
  EXPECT_EQ(log(arange(1, 3)).dtype(), kFloat32);
  EXPECT_EQ(sqrt(arange(3)).dtype(), kFloat32);
  EXPECT_EQ(exp(ones({2}, kFloat64)).dtype(), kFloat64);
  EXPECT_EQ(sqrt(ones({2}, kFloat32)).dtype(), kFloat32);
  EXPECT_EQ(abs(arange(3)).dtype(), kInt64);
  EXPECT_EQ(neg(arange(3)).dtype(), kInt64);
  EXPECT_EQ(arange(3).pow(2).dtype(), kInt64);
  EXPECT_EQ(arange(3).pow(0.5).dtype(), kFloat32);
  EXPECT_EQ(clamp(arange(3), 0, 1).dtype(), kInt64);
}

TEST(DTypeTest, UnaryMathOfBoolGivesFloat32) {
  // torch.exp(torch.tensor([True, False])) is tensor([2.7183, 1.0000]).
  Tensor b = test_util::Bool({true, false}, {2});
  Tensor e = exp(b);
  EXPECT_EQ(e.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(e, {2}, {std::exp(1.0), 1.0}, 1e-6));
  EXPECT_EQ(sqrt(b).dtype(), kFloat32);
  EXPECT_TRUE(HasValues(sqrt(b), {2}, {1.0, 0.0}));
}

TEST(DTypeTest, ReductionDtypes) {
  EXPECT_EQ(arange(3).sum().dtype(), kInt64);
  EXPECT_EQ(ones({3}, kBool).sum().dtype(), kInt64);
  EXPECT_EQ(ones({3}, kBool).sum(0).dtype(), kInt64);
  EXPECT_EQ(ones({3}).sum().dtype(), kFloat32);
  EXPECT_EQ(ones({3}, kFloat64).sum().dtype(), kFloat64);
  EXPECT_EQ(ones({3}, kFloat64).mean().dtype(), kFloat64);
  EXPECT_EQ(ones({3}).mean(0).dtype(), kFloat32);
  EXPECT_EQ(ones({3}, kFloat64).argmax().dtype(), kInt64);
  EXPECT_EQ(ones({3}, kFloat32).argmin(0).dtype(), kInt64);
  EXPECT_EQ(arange(3).max().dtype(), kInt64);
  EXPECT_EQ(ones({2, 2}, kFloat64).min(1).dtype(), kFloat64);
}

TEST(DTypeTest, CreationDtypes) {
  EXPECT_EQ(arange(3).dtype(), kInt64);
  EXPECT_EQ(arange(0, 3).dtype(), kInt64);
  EXPECT_EQ(arange(0, 3, 1).dtype(), kInt64);
  EXPECT_EQ(arange(int64_t{3}).dtype(), kInt64);
  EXPECT_EQ(arange(3.0).dtype(), kFloat32);
  EXPECT_EQ(arange(0, 3, 0.5).dtype(), kFloat32);
  EXPECT_EQ(arange(0, 3, 1, kFloat64).dtype(), kFloat64);
  EXPECT_EQ(zeros({1}).dtype(), kFloat32);
  EXPECT_EQ(linspace(0, 1, 3).dtype(), kFloat32);
  EXPECT_EQ(rand({2}).dtype(), kFloat32);
  EXPECT_EQ(randn({2}, kFloat64).dtype(), kFloat64);
}

TEST(DTypeTest, LinalgDtypes) {
  EXPECT_EQ(mm(ones({2, 2}), ones({2, 2})).dtype(), kFloat32);
  EXPECT_EQ(mm(ones({2, 2}, kFloat64), ones({2, 2}, kFloat64)).dtype(), kFloat64);
  EXPECT_EQ(mm(ones({2, 2}, kInt64), ones({2, 2}, kInt64)).dtype(), kInt64);
  EXPECT_EQ(dot(ones({2}, kInt64), ones({2}, kInt64)).dtype(), kInt64);
}

// ---- data<T>() ---------------------------------------------------------------------------------

TEST(DTypeTest, DataWithMatchingType) {
  Tensor f = ones({2});
  float* p = f.data<float>();
  p[1] = 4.0f;
  EXPECT_TRUE(HasValues(f, {2}, {1, 4}));
  const Tensor& cf = f;
  const float* cp = cf.data<const float>();
  EXPECT_EQ(cp, p);
  EXPECT_EQ(f.raw_data(), static_cast<void*>(p));
  EXPECT_NE(ones({1}, kInt64).data<int64_t>(), nullptr);
  EXPECT_NE(ones({1}, kBool).data<bool>(), nullptr);
  EXPECT_NE(ones({1}, kFloat64).data<double>(), nullptr);
}

TEST(DTypeTest, DataWithWrongTypeThrowsNamingBothTypes) {
  Tensor f = ones({2});
  EXPECT_TRUE(ThrowsTensorError([&] { f.data<double>(); }, {"float64", "float32"}));
  EXPECT_TRUE(ThrowsTensorError([&] { f.data<int64_t>(); }, {"int64", "float32"}));
  Tensor i = ones({2}, kInt64);
  EXPECT_TRUE(ThrowsTensorError([&] { i.data<float>(); }, {"float32", "int64"}));
  EXPECT_TRUE(ThrowsTensorError([&] { i.data<bool>(); }, {"bool", "int64"}));
}

// ---- to() ----------------------------------------------------------------------------------------

TEST(DTypeTest, ToEveryPairPreservesSmallIntegers) {
  for (DType from : kAll) {
    for (DType to : kAll) {
      Tensor x = ones({3}, from);
      Tensor y = x.to(to);
      EXPECT_EQ(y.dtype(), to);
      EXPECT_TRUE(HasValues(y, {3}, {1, 1, 1})) << DTypeName(from) << " -> " << DTypeName(to);
    }
  }
}

TEST(DTypeTest, ToRoundsFloat64ToFloat32) {
  Tensor d = test_util::F64({1.0 + 1e-12, 16777217.0}, {2});
  Tensor f = d.to(kFloat32);
  EXPECT_EQ(test_util::Values(f), (std::vector<double>{1.0, 16777216.0}));
}

}  // namespace
}  // namespace concord
