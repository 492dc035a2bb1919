// File: tests/tensor_broadcast_test.cc
//
// NumPy broadcasting in binary ops: [3,1]+[1,4], [2,3]+[3], rank extension, 0-dim scalars,
// size-0 dimensions, broadcast through expanded/transposed inputs, the error for incompatible
// shapes (naming the op and both shapes), and the shape helpers in tensor/shape.h
// (ShapeToString, NumElements, ContiguousStrides, WrapDim, BroadcastShapes, BroadcastStrides).
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/functions.h"
#include "tensor/shape.h"
#include "tensor/tensor.h"
#include "tests/test_util.h"

namespace concord {
namespace {

using test_util::BoolValues;
using test_util::F64;
using test_util::F64Fill;
using test_util::HasValues;
using test_util::I64;
using test_util::ThrowsTensorError;

// ---- tensor broadcasting -----------------------------------------------------------------------

TEST(BroadcastTest, ColumnPlusRow) {
  Tensor col = F64({0, 10, 20}, {3, 1});
  Tensor row = F64({0, 1, 2, 3}, {1, 4});
  Tensor s = col + row;
  std::vector<double> expected;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) expected.push_back(10 * i + j);
  EXPECT_TRUE(HasValues(s, {3, 4}, expected));
  EXPECT_TRUE(HasValues(row + col, {3, 4}, expected));
  EXPECT_TRUE(s.is_contiguous());
}

TEST(BroadcastTest, MatrixPlusVector) {
  Tensor m = F64({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor v = F64({10, 20, 30}, {3});
  EXPECT_TRUE(HasValues(m + v, {2, 3}, {11, 22, 33, 14, 25, 36}));
  EXPECT_TRUE(HasValues(v - m, {2, 3}, {9, 18, 27, 6, 15, 24}));
  EXPECT_TRUE(HasValues(m * F64({2, -1}, {2, 1}), {2, 3}, {2, 4, 6, -4, -5, -6}));
}

TEST(BroadcastTest, RankExtensionBothSides) {
  // [4, 1, 3] + [2, 1] -> [4, 2, 3]: a[i, 0, k] = 100i + k, b[j, 0] = 10j.
  Tensor a = F64Fill({4, 1, 3}, [](int64_t n) { return 100.0 * (n / 3) + n % 3; });
  Tensor b = F64({0, 10}, {2, 1});
  std::vector<double> expected;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 3; ++k) expected.push_back(100 * i + 10 * j + k);
  EXPECT_TRUE(HasValues(a + b, {4, 2, 3}, expected));
}

TEST(BroadcastTest, ZeroDimScalars) {
  Tensor s = tensor(2.0, kFloat64);
  Tensor m = F64({1, 2, 3, 4}, {2, 2});
  EXPECT_TRUE(HasValues(m * s, {2, 2}, {2, 4, 6, 8}));
  EXPECT_TRUE(HasValues(s - m, {2, 2}, {1, 0, -1, -2}));
  Tensor ss = s + tensor(3.0, kFloat64);
  EXPECT_EQ(ss.dim(), 0);
  EXPECT_DOUBLE_EQ(ss.item(), 5.0);
  // A 0-dim tensor with an empty tensor stays empty.
  EXPECT_EQ((zeros({0}) + tensor(1.0)).shape(), (Shape{0}));
}

TEST(BroadcastTest, ZeroSizedDims) {
  EXPECT_EQ((zeros({0, 3}) + zeros({3})).shape(), (Shape{0, 3}));
  EXPECT_EQ((zeros({0, 3}) + zeros({1, 3})).shape(), (Shape{0, 3}));
  EXPECT_EQ((zeros({0}) + zeros({1})).shape(), (Shape{0}));
  EXPECT_EQ((zeros({2, 0}) * zeros({2, 1})).shape(), (Shape{2, 0}));
  EXPECT_EQ((zeros({1, 0}) + zeros({3, 1})).shape(), (Shape{3, 0}));
  EXPECT_EQ(lt(zeros({0, 3}), zeros({3})).shape(), (Shape{0, 3}));
  EXPECT_TRUE(ThrowsTensorError([] { zeros({0, 3}) + zeros({2, 3}); }, {"[0, 3]", "[2, 3]"}));
  EXPECT_TRUE(ThrowsTensorError([] { zeros({0}) + zeros({2}); }, {"[0]", "[2]"}));
}

TEST(BroadcastTest, BroadcastWithExpandedAndTransposedInputs) {
  Tensor row = F64({1, 2, 3}, {3}).expand({2, 3});
  Tensor t = F64({10, 20, 30, 40, 50, 60}, {3, 2}).t();  // [[10, 30, 50], [20, 40, 60]]
  EXPECT_TRUE(HasValues(row + t, {2, 3}, {11, 32, 53, 21, 42, 63}));
  Tensor col = F64({100, 200}, {2}).unsqueeze(1);
  EXPECT_TRUE(HasValues(t + col, {2, 3}, {110, 130, 150, 220, 240, 260}));
}

TEST(BroadcastTest, BroadcastPromotesDtypes) {
  Tensor i = I64({1, 2}, {2, 1});
  Tensor f = test_util::F32({0.5f, 1.5f, 2.5f}, {3});
  Tensor s = i + f;
  EXPECT_EQ(s.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(s, {2, 3}, {1.5, 2.5, 3.5, 2.5, 3.5, 4.5}));
  Tensor b = test_util::Bool({true, false}, {2, 1});
  Tensor bi = b + I64({1, 2, 3}, {3});
  EXPECT_EQ(bi.dtype(), kInt64);
  EXPECT_EQ(test_util::IntValues(bi), (std::vector<int64_t>{2, 3, 4, 1, 2, 3}));
}

TEST(BroadcastTest, IncompatibleShapesThrowNamingBoth) {
  Tensor a = zeros({2, 3});
  Tensor b = zeros({4});
  EXPECT_TRUE(ThrowsTensorError([&] { add(a, b); }, {"add", "[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { sub(a, b); }, {"sub", "[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { mul(a, b); }, {"mul", "[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { div(a, b); }, {"div", "[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a + b; }, {"[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a * b; }, {"[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { maximum(a, b); }, {"maximum", "[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { minimum(a, b); }, {"minimum", "[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { pow(a, b); }, {"pow", "[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { eq(a, b); }, {"eq", "[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { lt(a, b); }, {"lt", "[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { ge(a, b); }, {"ge", "[2, 3]", "[4]"}));
}

TEST(BroadcastTest, IncompatibleInnerDimThrows) {
  EXPECT_TRUE(ThrowsTensorError([] { zeros({3, 2}) + zeros({3, 1, 3}); }, {"[3, 2]", "[3, 1, 3]"}));
  EXPECT_TRUE(ThrowsTensorError([] { zeros({2, 3}) + zeros({3, 3}); }, {"[2, 3]", "[3, 3]"}));
}

TEST(BroadcastTest, AllcloseBroadcasts) {
  Tensor a = F64({1, 1, 1, 1}, {2, 2});
  EXPECT_TRUE(a.allclose(tensor(1.0, kFloat64)));
  EXPECT_TRUE(a.allclose(F64({1, 1}, {2})));
  EXPECT_FALSE(a.allclose(F64({1, 1.1}, {2})));
}

// ---- shape helpers (tensor/shape.h) ------------------------------------------------------------

TEST(ShapeTest, ShapeToString) {
  EXPECT_EQ(ShapeToString({4, 3}), "[4, 3]");
  EXPECT_EQ(ShapeToString({}), "[]");
  EXPECT_EQ(ShapeToString({7}), "[7]");
  EXPECT_EQ(ShapeToString({2, 0, 5}), "[2, 0, 5]");
}

TEST(ShapeTest, NumElements) {
  EXPECT_EQ(NumElements({2, 3, 4}), 24);
  EXPECT_EQ(NumElements({}), 1);
  EXPECT_EQ(NumElements({2, 0, 3}), 0);
}

TEST(ShapeTest, ContiguousStrides) {
  EXPECT_EQ(ContiguousStrides({2, 3, 4}), (Strides{12, 4, 1}));
  EXPECT_EQ(ContiguousStrides({5}), (Strides{1}));
  EXPECT_EQ(ContiguousStrides({}), Strides{});
}

TEST(ShapeTest, WrapDim) {
  EXPECT_EQ(WrapDim(-1, 3, "op"), 2);
  EXPECT_EQ(WrapDim(-3, 3, "op"), 0);
  EXPECT_EQ(WrapDim(1, 3, "op"), 1);
  EXPECT_TRUE(ThrowsTensorError([] { WrapDim(3, 3, "myop"); }, {"myop"}));
  EXPECT_TRUE(ThrowsTensorError([] { WrapDim(-4, 3, "otherop"); }, {"otherop"}));
}

TEST(ShapeTest, BroadcastShapes) {
  EXPECT_EQ(BroadcastShapes({3, 1}, {1, 4}, "op"), (Shape{3, 4}));
  EXPECT_EQ(BroadcastShapes({2, 3}, {3}, "op"), (Shape{2, 3}));
  EXPECT_EQ(BroadcastShapes({}, {2, 3}, "op"), (Shape{2, 3}));
  EXPECT_EQ(BroadcastShapes({}, {}, "op"), Shape{});
  EXPECT_EQ(BroadcastShapes({0, 3}, {3}, "op"), (Shape{0, 3}));
  EXPECT_EQ(BroadcastShapes({1}, {0}, "op"), (Shape{0}));
  EXPECT_EQ(BroadcastShapes({5, 1, 4}, {3, 1}, "op"), (Shape{5, 3, 4}));
  EXPECT_TRUE(ThrowsTensorError([] { BroadcastShapes({2, 3}, {4}, "frob"); },
                                {"frob", "[2, 3]", "[4]"}));
}

TEST(ShapeTest, BroadcastStrides) {
  EXPECT_EQ(BroadcastStrides({3, 1}, {1, 1}, {2, 3, 4}), (Strides{0, 1, 0}));
  EXPECT_EQ(BroadcastStrides({4}, {1}, {3, 4}), (Strides{0, 1}));
  EXPECT_EQ(BroadcastStrides({2, 3}, {1, 2}, {2, 3}), (Strides{1, 2}));
  EXPECT_EQ(BroadcastStrides({}, {}, {2}), (Strides{0}));
}

}  // namespace
}  // namespace concord
