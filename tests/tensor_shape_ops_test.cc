// File: tests/tensor_shape_ops_test.cc
//
// Joining, splitting and indexing: cat (with empty inputs, non-contiguous inputs, and its
// dtype/shape errors), stack, chunk (last chunk smaller, fewer chunks than asked), split,
// index_select (with its index dtype/range errors), item(), to(dtype), clone, equal and
// allclose.
#include <cmath>
#include <string>
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

// [rows, cols] float64 with element [i, j] = 10 * i + j + offset.
Tensor Grid(int64_t rows, int64_t cols, double offset = 0) {
  return F64Fill({rows, cols}, [=](int64_t k) { return 10.0 * (k / cols) + k % cols + offset; });
}

// ---- cat ------------------------------------------------------------------------------------------

TEST(ShapeOpsTest, CatAlongDim0) {
  Tensor a = Grid(2, 3), b = Grid(1, 3, 100);
  Tensor c = cat({a, b});
  EXPECT_TRUE(HasValues(c, {3, 3}, {0, 1, 2, 10, 11, 12, 100, 101, 102}));
  EXPECT_FALSE(c.shares_storage(a));
  EXPECT_TRUE(HasValues(cat({a, b}, 0), {3, 3}, {0, 1, 2, 10, 11, 12, 100, 101, 102}));
}

TEST(ShapeOpsTest, CatAlongDim1AndNegative) {
  Tensor a = Grid(2, 2), b = Grid(2, 1, 100);
  EXPECT_TRUE(HasValues(cat({a, b}, 1), {2, 3}, {0, 1, 100, 10, 11, 110}));
  EXPECT_TRUE(HasValues(cat({b, a, b}, -1), {2, 4}, {100, 0, 1, 100, 110, 10, 11, 110}));
}

TEST(ShapeOpsTest, CatOfNonContiguousInputs) {
  Tensor a = Grid(3, 2).t();  // [[0, 10, 20], [1, 11, 21]]
  Tensor b = arange(0, 12, 1, kFloat64).slice(0, 0, 12, 4).unsqueeze(0);  // [[0, 4, 8]]
  EXPECT_TRUE(HasValues(cat({a, b}), {3, 3}, {0, 10, 20, 1, 11, 21, 0, 4, 8}));
  Tensor e = F64({7}, {1, 1}).expand({2, 2});
  EXPECT_TRUE(HasValues(cat({e, a.narrow(1, 0, 2)}, 1), {2, 4}, {7, 7, 0, 10, 7, 7, 1, 11}));
}

TEST(ShapeOpsTest, CatWithEmpty) {
  Tensor a = Grid(2, 3);
  EXPECT_TRUE(HasValues(cat({zeros({0, 3}, kFloat64), a}), {2, 3}, Values(a)));
  EXPECT_TRUE(HasValues(cat({a, zeros({0, 3}, kFloat64)}), {2, 3}, Values(a)));
  EXPECT_EQ(cat({zeros({0, 3}), zeros({0, 3})}).shape(), (Shape{0, 3}));
  EXPECT_TRUE(HasValues(cat({a, zeros({2, 0}, kFloat64)}, 1), {2, 3}, Values(a)));
}

TEST(ShapeOpsTest, CatSingleTensorCopies) {
  Tensor a = Grid(2, 2);
  Tensor c = cat({a});
  EXPECT_TRUE(HasValues(c, {2, 2}, {0, 1, 10, 11}));
  c.fill_(0);
  EXPECT_TRUE(HasValues(a, {2, 2}, {0, 1, 10, 11}));
}

TEST(ShapeOpsTest, CatInt64AndBool) {
  Tensor c = cat({arange(3), arange(2)});
  EXPECT_EQ(c.dtype(), kInt64);
  EXPECT_EQ(IntValues(c), (std::vector<int64_t>{0, 1, 2, 0, 1}));
  Tensor b = cat({test_util::Bool({true}, {1}), test_util::Bool({false, true}, {2})});
  EXPECT_EQ(BoolValues(b), (std::vector<bool>{true, false, true}));
}

TEST(ShapeOpsTest, CatShapeMismatchThrows) {
  EXPECT_TRUE(ThrowsTensorError([] { cat({zeros({2, 3}), zeros({2, 4})}); },
                                {"cat", "[2, 3]", "[2, 4]"}));
  EXPECT_TRUE(ThrowsTensorError([] { cat({zeros({2, 3}), zeros({3})}); }, {"cat"}));
  EXPECT_TRUE(ThrowsTensorError([] { cat({zeros({2, 3}), zeros({3, 3})}, 1); },
                                {"cat", "[2, 3]", "[3, 3]"}));
}

TEST(ShapeOpsTest, CatBadDimOrEmptyListThrows) {
  EXPECT_TRUE(ThrowsTensorError([] { cat({zeros({2}), zeros({2})}, 1); }, {"cat"}));
  EXPECT_TRUE(ThrowsTensorError([] { cat({}); }, {"cat"}));
  // 0-dim tensors cannot be concatenated (torch.cat: "zero-dimensional tensor ... cannot be
  // concatenated").
  EXPECT_TRUE(ThrowsTensorError([] { cat({tensor(1.0), tensor(2.0)}); }, {"cat"}));
}

TEST(ShapeOpsTest, CatDtypeMismatchThrowsOrPromotes) {
  // The brief for this library lists a dtype mismatch in cat as an error; PyTorch promotes.
  // Either is accepted, but a silent wrong dtype or wrong values is not.
  Tensor a = I64({1, 2}, {2});
  Tensor b = F32({0.5f}, {1});
  try {
    Tensor c = cat({a, b});
    EXPECT_EQ(c.dtype(), kFloat32);
    EXPECT_TRUE(HasValues(c, {3}, {1, 2, 0.5}));
  } catch (const TensorError& e) {
    EXPECT_NE(std::string(e.what()).find("cat"), std::string::npos) << e.what();
  }
}

// ---- stack --------------------------------------------------------------------------------------

TEST(ShapeOpsTest, Stack) {
  Tensor a = Grid(2, 3), b = Grid(2, 3, 100);
  EXPECT_TRUE(HasValues(stack({a, b}), {2, 2, 3},
                        {0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112}));
  EXPECT_TRUE(HasValues(stack({a, b}, 1), {2, 2, 3},
                        {0, 1, 2, 100, 101, 102, 10, 11, 12, 110, 111, 112}));
  EXPECT_TRUE(HasValues(stack({a, b}, -1), {2, 3, 2},
                        {0, 100, 1, 101, 2, 102, 10, 110, 11, 111, 12, 112}));
  EXPECT_TRUE(HasValues(stack({a, b}, 2), {2, 3, 2},
                        {0, 100, 1, 101, 2, 102, 10, 110, 11, 111, 12, 112}));
  Tensor s = stack({tensor(1.0), tensor(2.0), tensor(3.0)});
  EXPECT_TRUE(HasValues(s, {3}, {1, 2, 3}));
  EXPECT_TRUE(HasValues(stack({a.t(), b.t()}), {2, 3, 2},
                        {0, 10, 1, 11, 2, 12, 100, 110, 101, 111, 102, 112}));
}

TEST(ShapeOpsTest, StackErrors) {
  EXPECT_TRUE(ThrowsTensorError([] { stack({zeros({2, 3}), zeros({3, 2})}); },
                                {"stack", "[2, 3]", "[3, 2]"}));
  EXPECT_TRUE(ThrowsTensorError([] { stack({}); }, {"stack"}));
  EXPECT_TRUE(ThrowsTensorError([] { stack({zeros({2}), zeros({2})}, 2); }, {"stack"}));
}

// ---- chunk / split --------------------------------------------------------------------------------

TEST(ShapeOpsTest, ChunkLastIsSmaller) {
  std::vector<Tensor> c = arange(5).chunk(3);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(IntValues(c[0]), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(IntValues(c[1]), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(IntValues(c[2]), (std::vector<int64_t>{4}));
}

TEST(ShapeOpsTest, ChunkMayReturnFewerChunks) {
  // As torch.chunk: chunk size ceil(6 / 4) = 2 gives 3 chunks.
  std::vector<Tensor> c = arange(6).chunk(4);
  ASSERT_EQ(c.size(), 3u);
  for (const Tensor& t : c) EXPECT_EQ(t.shape(), (Shape{2}));
  EXPECT_EQ(arange(3).chunk(5).size(), 3u);
  EXPECT_EQ(arange(6).chunk(1).size(), 1u);
}

TEST(ShapeOpsTest, ChunkAlongDim1) {
  Tensor a = Grid(2, 5);
  std::vector<Tensor> c = a.chunk(2, 1);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_TRUE(HasValues(c[0], {2, 3}, {0, 1, 2, 10, 11, 12}));
  EXPECT_TRUE(HasValues(c[1], {2, 2}, {3, 4, 13, 14}));
  std::vector<Tensor> n = a.chunk(5, -1);
  ASSERT_EQ(n.size(), 5u);
  EXPECT_TRUE(HasValues(n[4], {2, 1}, {4, 14}));
}

TEST(ShapeOpsTest, ChunkErrors) {
  EXPECT_TRUE(ThrowsTensorError([] { arange(4).chunk(0); }, {"chunk"}));
  EXPECT_TRUE(ThrowsTensorError([] { arange(4).chunk(2, 1); }, {"chunk"}));
}

TEST(ShapeOpsTest, Split) {
  std::vector<Tensor> s = arange(5).split(2);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(IntValues(s[0]), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(IntValues(s[1]), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(IntValues(s[2]), (std::vector<int64_t>{4}));
  EXPECT_EQ(arange(5).split(5).size(), 1u);
  EXPECT_EQ(arange(5).split(7).size(), 1u);
  EXPECT_EQ(arange(6).split(3).size(), 2u);
  std::vector<Tensor> cols = Grid(2, 4).split(3, 1);
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_TRUE(HasValues(cols[1], {2, 1}, {3, 13}));
  EXPECT_TRUE(ThrowsTensorError([] { arange(4).split(0); }, {"split"}));
}

// ---- index_select ---------------------------------------------------------------------------------

TEST(ShapeOpsTest, IndexSelect) {
  Tensor a = Grid(3, 4);
  Tensor idx = I64({2, 0, 2}, {3});
  Tensor r = a.index_select(0, idx);
  EXPECT_TRUE(HasValues(r, {3, 4}, {20, 21, 22, 23, 0, 1, 2, 3, 20, 21, 22, 23}));
  EXPECT_FALSE(r.shares_storage(a));
  EXPECT_TRUE(HasValues(index_select(a, 1, I64({3, 1}, {2})), {3, 2}, {3, 1, 13, 11, 23, 21}));
  EXPECT_TRUE(HasValues(index_select(a, -1, I64({0}, {1})), {3, 1}, {0, 10, 20}));
  EXPECT_EQ(a.index_select(0, zeros({0}, kInt64)).shape(), (Shape{0, 4}));
  // Non-contiguous source and index.
  Tensor stepped_idx = I64({1, 9, 0, 9, 2}, {5}).slice(0, 0, 5, 2);  // 1, 0, 2
  EXPECT_TRUE(HasValues(a.t().index_select(1, stepped_idx), {4, 3},
                        {10, 0, 20, 11, 1, 21, 12, 2, 22, 13, 3, 23}));
}

TEST(ShapeOpsTest, IndexSelectErrors) {
  Tensor a = zeros({3, 4});
  EXPECT_TRUE(ThrowsTensorError([&] { a.index_select(0, I64({3}, {1})); }, {"index_select"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a.index_select(1, I64({0, 4}, {2})); }, {"index_select"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a.index_select(0, F32({0, 1}, {2})); }, {"index_select"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a.index_select(0, zeros({1}, kBool)); }, {"index_select"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a.index_select(0, zeros({1, 1}, kInt64)); }, {"index_select"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a.index_select(2, I64({0}, {1})); }, {"index_select"}));
}

// ---- item -------------------------------------------------------------------------------------------

TEST(ShapeOpsTest, Item) {
  EXPECT_EQ(tensor(3.5).item(), 3.5);
  EXPECT_EQ(tensor(3.5).item<double>(), 3.5);
  EXPECT_EQ(tensor(3.5).item<float>(), 3.5f);
  EXPECT_EQ(tensor(7).item<int64_t>(), 7);
  EXPECT_EQ(tensor(true).item<bool>(), true);
  EXPECT_EQ(ones({1, 1}).item(), 1.0);
  EXPECT_EQ(tensor(2.7).item<int64_t>(), 2);  // converted as by a cast
  const int64_t big = (int64_t{1} << 53) + 1;
  EXPECT_EQ(I64({big}, {1}).item<int64_t>(), big);
  Tensor a = Grid(3, 4);
  EXPECT_EQ(a[2][1].item(), 21.0);
  EXPECT_EQ(a.t()[3][2].item(), 23.0);
}

TEST(ShapeOpsTest, ItemRequiresExactlyOneElement) {
  EXPECT_TRUE(ThrowsTensorError([] { zeros({2}).item(); }, {"item"}));
  EXPECT_TRUE(ThrowsTensorError([] { zeros({0}).item(); }, {"item"}));
  EXPECT_TRUE(ThrowsTensorError([] { zeros({2, 3}).item<float>(); }, {"item"}));
}

// ---- to / clone ---------------------------------------------------------------------------------------

TEST(ShapeOpsTest, ToConvertsDtype) {
  Tensor f = F64({1.7, -1.7, 2.5, 0}, {4});
  Tensor i = f.to(kInt64);
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(IntValues(i), (std::vector<int64_t>{1, -1, 2, 0}));
  Tensor b = f.to(kBool);
  EXPECT_EQ(BoolValues(b), (std::vector<bool>{true, true, true, false}));
  Tensor back = b.to(kFloat32);
  EXPECT_EQ(back.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(back, {4}, {1, 1, 1, 0}));
  Tensor g = arange(3).to(kFloat64);
  EXPECT_TRUE(HasValues(g, {3}, {0, 1, 2}));
  EXPECT_FALSE(g.shares_storage(f));
  Tensor h = F64({0.1}, {1}).to(kFloat32);
  EXPECT_EQ(Values(h)[0], static_cast<double>(0.1f));
}

TEST(ShapeOpsTest, ToSameDtypeReturnsSelf) {
  Tensor f = F64({1, 2}, {2});
  Tensor same = f.to(kFloat64);
  EXPECT_TRUE(same.shares_storage(f));
}

TEST(ShapeOpsTest, ToOfNonContiguous) {
  Tensor a = Grid(2, 3).t();
  EXPECT_EQ(IntValues(a.to(kInt64)), (std::vector<int64_t>{0, 10, 1, 11, 2, 12}));
}

TEST(ShapeOpsTest, Clone) {
  Tensor a = Grid(2, 3);
  Tensor c = a.clone();
  EXPECT_TRUE(HasValues(c, {2, 3}, Values(a)));
  EXPECT_EQ(c.dtype(), kFloat64);
  EXPECT_FALSE(c.shares_storage(a));
  Tensor i = arange(4).clone();
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_TRUE(HasValues(a.slice(1, 0, 3, 2).clone(), {2, 2}, {0, 2, 10, 12}));
}

// ---- equal / allclose ----------------------------------------------------------------------------------

TEST(ShapeOpsTest, Equal) {
  Tensor a = F64({1, 2, 3}, {3});
  EXPECT_TRUE(a.equal(F64({1, 2, 3}, {3})));
  EXPECT_FALSE(a.equal(F64({1, 2, 4}, {3})));
  EXPECT_FALSE(a.equal(F64({1, 2, 3}, {1, 3})));  // shapes differ
  EXPECT_FALSE(a.equal(F64({1, 2}, {2})));
  EXPECT_TRUE(a.equal(arange(1, 4)));            // dtypes may differ
  EXPECT_TRUE(Grid(2, 3).t().equal(Grid(2, 3).t().contiguous()));
  EXPECT_FALSE(Grid(2, 3).t().equal(Grid(3, 2)));
  Tensor n = F64({kNaN}, {1});
  EXPECT_FALSE(n.equal(n));
  EXPECT_TRUE(zeros({0, 2}).equal(zeros({0, 2})));
}

TEST(ShapeOpsTest, Allclose) {
  Tensor a = F64({1.0, 2.0}, {2});
  EXPECT_TRUE(a.allclose(F64({1.0 + 1e-7, 2.0 - 1e-6}, {2})));
  EXPECT_FALSE(a.allclose(F64({1.0 + 1e-3, 2.0}, {2})));
  EXPECT_TRUE(a.allclose(F64({1.1, 2.2}, {2}), /*rtol=*/0.2));
  EXPECT_TRUE(a.allclose(F64({1.5, 2.5}, {2}), /*rtol=*/0, /*atol=*/0.5));
  EXPECT_FALSE(a.allclose(F64({1.5, 2.6}, {2}), /*rtol=*/0, /*atol=*/0.5));
  // |a - b| <= atol + rtol * |b| is not symmetric: |0.95 - 1.05| = 0.1.
  EXPECT_TRUE(F64({0.95}, {1}).allclose(F64({1.05}, {1}), 0.1, 0));
  EXPECT_FALSE(F64({1.05}, {1}).allclose(F64({0.95}, {1}), 0.1, 0));
  // NaN is never close.
  Tensor n = F64({kNaN, 1.0}, {2});
  EXPECT_FALSE(n.allclose(n));
  // Shapes that do not broadcast are an error, not "not close".
  EXPECT_TRUE(ThrowsTensorError([] { zeros({2}).allclose(zeros({3})); }));
  // Mixed dtypes compare by value.
  EXPECT_TRUE(arange(3).allclose(F32({0, 1, 2}, {3})));
}

}  // namespace
}  // namespace concord
