// File: tests/tensor_view_test.cc
//
// Handle and view semantics: copies alias, clone copies; view (with -1, on compatible
// non-contiguous strides, and its error), reshape, contiguous, transpose/t, permute, select,
// operator[], narrow, slice (negative indices, step), squeeze, unsqueeze, flatten, expand,
// chunk and split all share storage, and writes through them reach the base. Also metadata
// (size/stride with negative dims, storage_offset) and Storage::total_allocations.
#include <cstdint>
#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/functions.h"
#include "tensor/storage.h"
#include "tensor/tensor.h"
#include "tests/test_util.h"

namespace concord {
namespace {

using test_util::F64Fill;
using test_util::HasValues;
using test_util::ThrowsTensorError;
using test_util::Values;

// A float64 [rows, cols] tensor with element [i, j] = 10 * i + j.
Tensor Grid(int64_t rows, int64_t cols) {
  return F64Fill({rows, cols}, [cols](int64_t k) { return 10.0 * (k / cols) + k % cols; });
}

// ---- handles -------------------------------------------------------------------------------

TEST(ViewTest, CopyOfHandleAliases) {
  Tensor a = zeros({2, 2});
  Tensor b = a;
  EXPECT_TRUE(b.is_same(a));
  b.fill_(5);
  EXPECT_TRUE(HasValues(a, {2, 2}, {5, 5, 5, 5}));
}

TEST(ViewTest, CloneCopies) {
  Tensor a = Grid(2, 3);
  Tensor c = a.clone();
  EXPECT_FALSE(c.shares_storage(a));
  EXPECT_FALSE(c.is_same(a));
  c.fill_(1);
  EXPECT_TRUE(HasValues(a, {2, 3}, {0, 1, 2, 10, 11, 12}));
}

TEST(ViewTest, CloneOfNonContiguousIsContiguous) {
  Tensor a = Grid(2, 3);
  Tensor c = a.t().clone();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_EQ(c.strides(), (Strides{2, 1}));
  EXPECT_TRUE(HasValues(c, {3, 2}, {0, 10, 1, 11, 2, 12}));
}

// ---- view / reshape / contiguous -------------------------------------------------------------

TEST(ViewTest, ViewSharesStorageAndWritesReachBase) {
  Tensor a = arange(0, 12, 1, kFloat64);
  Tensor v = a.view({3, 4});
  EXPECT_TRUE(v.shares_storage(a));
  EXPECT_FALSE(v.is_same(a));
  EXPECT_EQ(v.strides(), (Strides{4, 1}));
  v.select(1, 2).fill_(-1);
  EXPECT_TRUE(HasValues(a, {12}, {0, 1, -1, 3, 4, 5, -1, 7, 8, 9, -1, 11}));
  EXPECT_EQ(v.data<double>(), a.data<double>());
}

TEST(ViewTest, ViewInfersMinusOne) {
  Tensor a = arange(12);
  EXPECT_EQ(a.view({-1, 6}).shape(), (Shape{2, 6}));
  EXPECT_EQ(a.view({3, -1}).shape(), (Shape{3, 4}));
  EXPECT_EQ(a.view({2, -1, 3}).shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(a.view({3, 4}).view({-1}).shape(), (Shape{12}));
  EXPECT_EQ(zeros({0, 3}).view({-1, 3}).shape(), (Shape{0, 3}));
}

TEST(ViewTest, ViewToScalarShape) {
  Tensor a = ones({1, 1});
  Tensor s = a.view({});
  EXPECT_EQ(s.dim(), 0);
  EXPECT_TRUE(s.shares_storage(a));
}

TEST(ViewTest, ViewBadShapeThrows) {
  Tensor a = arange(12);
  EXPECT_TRUE(ThrowsTensorError([&] { a.view({5}); }, {"view", "[5]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a.view({-1, -1}); }, {"view"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a.view({5, -1}); }, {"view"}));
}

TEST(ViewTest, ViewOfNonContiguousThrowsSuggestingReshape) {
  Tensor a = Grid(3, 4).t();
  EXPECT_FALSE(a.is_contiguous());
  EXPECT_TRUE(ThrowsTensorError([&] { a.view({12}); }, {"view", "reshape"}));
  Tensor s = arange(10).slice(0, 0, 10, 2).unsqueeze(0).expand({2, 5});
  EXPECT_TRUE(ThrowsTensorError([&] { s.view({10}); }, {"view", "reshape"}));
}

TEST(ViewTest, ViewOfNonContiguousWithCompatibleStrides) {
  // base[a, b, c] = 12a + 4b + c; x = base.transpose(0, 1) has shape [3, 2, 4], strides [4, 12, 1].
  Tensor base = arange(0, 24, 1, kFloat64).view({2, 3, 4});
  Tensor x = base.transpose(0, 1);
  // Splitting the last (contiguous) dim is compatible.
  Tensor y = x.view({3, 2, 2, 2});
  EXPECT_TRUE(y.shares_storage(base));
  std::vector<double> expected;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 2; ++k)
        for (int l = 0; l < 2; ++l) expected.push_back(12 * j + 4 * i + 2 * k + l);
  EXPECT_TRUE(HasValues(y, {3, 2, 2, 2}, expected));
  // Adding a size-1 dim is always compatible.
  EXPECT_TRUE(x.view({3, 1, 2, 4}).shares_storage(base));
  // Merging dims 0 and 1 (strides 4 and 12) is not.
  EXPECT_TRUE(ThrowsTensorError([&] { x.view({6, 4}); }, {"view", "reshape"}));
}

TEST(ViewTest, ReshapeIsViewWhenPossible) {
  Tensor a = Grid(3, 4);
  Tensor r = a.reshape({4, 3});
  EXPECT_TRUE(r.shares_storage(a));
  EXPECT_TRUE(HasValues(r, {4, 3}, {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23}));
  EXPECT_EQ(a.reshape({-1}).shape(), (Shape{12}));
}

TEST(ViewTest, ReshapeCopiesWhenNeeded) {
  Tensor a = Grid(3, 4);
  Tensor r = a.t().reshape({12});
  EXPECT_FALSE(r.shares_storage(a));
  EXPECT_TRUE(HasValues(r, {12}, {0, 10, 20, 1, 11, 21, 2, 12, 22, 3, 13, 23}));
  r.fill_(0);
  EXPECT_EQ(Values(a)[1], 1.0);
  EXPECT_TRUE(ThrowsTensorError([&] { a.reshape({5}); }, {"[5]"}));
}

TEST(ViewTest, ContiguousReturnsSelfOrCopy) {
  Tensor a = Grid(2, 3);
  Tensor same = a.contiguous();
  EXPECT_TRUE(same.shares_storage(a));
  EXPECT_EQ(same.data<double>(), a.data<double>());
  Tensor t = a.t();
  Tensor c = t.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_FALSE(c.shares_storage(a));
  EXPECT_TRUE(HasValues(c, {3, 2}, {0, 10, 1, 11, 2, 12}));
}

// ---- transpose / t / permute ------------------------------------------------------------------

TEST(ViewTest, TransposeSwapsShapeAndStrides) {
  Tensor a = Grid(2, 3);
  Tensor t = a.transpose(0, 1);
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(t.strides(), (Strides{1, 3}));
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_TRUE(t.shares_storage(a));
  EXPECT_TRUE(HasValues(t, {3, 2}, {0, 10, 1, 11, 2, 12}));
  EXPECT_TRUE(HasValues(a.transpose(-1, -2), {3, 2}, {0, 10, 1, 11, 2, 12}));
  // Writes through the transpose land in the base: t row 1 is a's column 1.
  t.select(0, 1).fill_(-7);
  EXPECT_TRUE(HasValues(a, {2, 3}, {0, -7, 2, 10, -7, 12}));
}

TEST(ViewTest, TOfLowDims) {
  Tensor v = arange(3);
  EXPECT_EQ(v.t().shape(), (Shape{3}));
  EXPECT_EQ(tensor(2.0).t().dim(), 0);
  EXPECT_TRUE(ThrowsTensorError([] { zeros({2, 3, 4}).t(); }, {"t"}));
}

TEST(ViewTest, TransposeBadDimThrows) {
  EXPECT_TRUE(ThrowsTensorError([] { zeros({2, 3}).transpose(0, 2); }, {"transpose"}));
  EXPECT_TRUE(ThrowsTensorError([] { zeros({2, 3}).transpose(-3, 0); }, {"transpose"}));
}

TEST(ViewTest, Permute) {
  // base[a, b, c] = 100a + 10b + c, shape [2, 3, 4].
  Tensor base = F64Fill({2, 3, 4}, [](int64_t k) { return 100.0 * (k / 12) + 10.0 * (k / 4 % 3) + k % 4; });
  Tensor p = base.permute({2, 0, 1});
  EXPECT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.strides(), (Strides{1, 12, 4}));
  EXPECT_TRUE(p.shares_storage(base));
  std::vector<double> expected;
  for (int c = 0; c < 4; ++c)
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 3; ++b) expected.push_back(100 * a + 10 * b + c);
  EXPECT_TRUE(HasValues(p, {4, 2, 3}, expected));
  EXPECT_EQ(base.permute({-1, 0, 1}).shape(), (Shape{4, 2, 3}));
}

TEST(ViewTest, PermuteBadDimsThrows) {
  Tensor a = zeros({2, 3, 4});
  EXPECT_TRUE(ThrowsTensorError([&] { a.permute({0, 1}); }, {"permute"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a.permute({0, 1, 1}); }, {"permute"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a.permute({0, 1, 3}); }, {"permute"}));
}

// ---- select / [] / narrow / slice ------------------------------------------------------------

TEST(ViewTest, SelectAndIndexOperator) {
  Tensor a = Grid(3, 4);
  EXPECT_TRUE(HasValues(a[1], {4}, {10, 11, 12, 13}));
  EXPECT_TRUE(HasValues(a[-1], {4}, {20, 21, 22, 23}));
  EXPECT_TRUE(HasValues(a.select(1, 2), {3}, {2, 12, 22}));
  EXPECT_TRUE(HasValues(a.select(-1, -1), {3}, {3, 13, 23}));
  EXPECT_EQ(a[1].storage_offset(), 4);
  EXPECT_EQ(a.select(1, 2).storage_offset(), 2);
  EXPECT_EQ(a.select(1, 2).strides(), (Strides{4}));
  Tensor e = a[2][3];
  EXPECT_EQ(e.dim(), 0);
  EXPECT_DOUBLE_EQ(e.item(), 23);
}

TEST(ViewTest, WriteThroughSelect) {
  Tensor a = Grid(3, 4);
  a[1].fill_(0);
  a.select(1, 0).add_(ones({3}, kFloat64));
  EXPECT_TRUE(HasValues(a, {3, 4}, {1, 1, 2, 3, 1, 0, 0, 0, 21, 21, 22, 23}));
  a[2][3].fill_(-5);
  EXPECT_EQ(Values(a)[11], -5.0);
}

TEST(ViewTest, SelectOutOfRangeThrows) {
  Tensor a = zeros({3, 4});
  EXPECT_TRUE(ThrowsTensorError([&] { a.select(0, 3); }, {"select"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a.select(0, -4); }, {"select"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a.select(2, 0); }, {"select"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a[7]; }, {"select"}));
  EXPECT_TRUE(ThrowsTensorError([] { tensor(1.0).select(0, 0); }, {"select"}));
}

TEST(ViewTest, Narrow) {
  Tensor a = Grid(3, 4);
  Tensor n = a.narrow(1, 1, 2);
  EXPECT_TRUE(n.shares_storage(a));
  EXPECT_EQ(n.storage_offset(), 1);
  EXPECT_TRUE(HasValues(n, {3, 2}, {1, 2, 11, 12, 21, 22}));
  EXPECT_TRUE(HasValues(a.narrow(0, 2, 1), {1, 4}, {20, 21, 22, 23}));
  EXPECT_TRUE(HasValues(a.narrow(0, -2, 2), {2, 4}, {10, 11, 12, 13, 20, 21, 22, 23}));
  EXPECT_EQ(a.narrow(1, 4, 0).shape(), (Shape{3, 0}));
  n.mul_(zeros({1}, kFloat64));
  EXPECT_TRUE(HasValues(a, {3, 4}, {0, 0, 0, 3, 10, 0, 0, 13, 20, 0, 0, 23}));
}

TEST(ViewTest, NarrowOutOfRangeThrows) {
  Tensor a = zeros({3, 4});
  EXPECT_TRUE(ThrowsTensorError([&] { a.narrow(1, 3, 2); }, {"narrow"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a.narrow(0, 0, -1); }, {"narrow"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a.narrow(2, 0, 1); }, {"narrow"}));
}

TEST(ViewTest, SliceWithStep) {
  Tensor a = arange(0, 10, 1, kFloat64);
  Tensor s = a.slice(0, 1, 8, 3);
  EXPECT_TRUE(HasValues(s, {3}, {1, 4, 7}));
  EXPECT_EQ(s.strides(), (Strides{3}));
  EXPECT_EQ(s.storage_offset(), 1);
  EXPECT_TRUE(s.shares_storage(a));
  s.fill_(-1);
  EXPECT_TRUE(HasValues(a, {10}, {0, -1, 2, 3, -1, 5, 6, -1, 8, 9}));
}

TEST(ViewTest, SliceNegativeAndClampedBounds) {
  Tensor a = arange(10);
  EXPECT_EQ(test_util::IntValues(a.slice(0, -3, 10)), (std::vector<int64_t>{7, 8, 9}));
  EXPECT_EQ(test_util::IntValues(a.slice(0, 0, -7)), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(test_util::IntValues(a.slice(0, -100, 2)), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(a.slice(0, 0, 100).numel(), 10);
  EXPECT_EQ(a.slice(0, 8, 2).numel(), 0);
  EXPECT_EQ(a.slice(0, 20, 30).numel(), 0);
  EXPECT_EQ(test_util::IntValues(a.slice(0, -1, 10, 5)), (std::vector<int64_t>{9}));
  EXPECT_EQ(test_util::IntValues(a.slice(0, 0, 10, 4)), (std::vector<int64_t>{0, 4, 8}));
}

TEST(ViewTest, SliceAlongInnerDim) {
  Tensor a = Grid(3, 4);
  Tensor s = a.slice(1, 0, 4, 2);
  EXPECT_TRUE(HasValues(s, {3, 2}, {0, 2, 10, 12, 20, 22}));
  EXPECT_EQ(s.strides(), (Strides{4, 2}));
  Tensor r = a.slice(-2, 1, 3);
  EXPECT_TRUE(HasValues(r, {2, 4}, {10, 11, 12, 13, 20, 21, 22, 23}));
}

TEST(ViewTest, SliceBadStepOrDimThrows) {
  Tensor a = arange(10);
  EXPECT_TRUE(ThrowsTensorError([&] { a.slice(0, 0, 5, 0); }, {"slice"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a.slice(0, 5, 0, -1); }, {"slice"}));
  EXPECT_TRUE(ThrowsTensorError([&] { a.slice(1, 0, 5); }, {"slice"}));
}

// ---- squeeze / unsqueeze / flatten -------------------------------------------------------------

TEST(ViewTest, Squeeze) {
  Tensor a = zeros({1, 3, 1, 2});
  EXPECT_EQ(a.squeeze().shape(), (Shape{3, 2}));
  EXPECT_EQ(a.squeeze(0).shape(), (Shape{3, 1, 2}));
  EXPECT_EQ(a.squeeze(1).shape(), (Shape{1, 3, 1, 2}));
  EXPECT_EQ(a.squeeze(-2).shape(), (Shape{1, 3, 2}));
  EXPECT_EQ(ones({1, 1}).squeeze().dim(), 0);
  Tensor s = a.squeeze();
  EXPECT_TRUE(s.shares_storage(a));
  s.fill_(4);
  EXPECT_TRUE(HasValues(a, {1, 3, 1, 2}, {4, 4, 4, 4, 4, 4}));
}

TEST(ViewTest, SqueezeBadDimThrows) {
  EXPECT_TRUE(ThrowsTensorError([] { zeros({1, 3}).squeeze(2); }, {"squeeze"}));
  EXPECT_TRUE(ThrowsTensorError([] { zeros({1, 3}).squeeze(-3); }, {"squeeze"}));
}

TEST(ViewTest, Unsqueeze) {
  Tensor a = Grid(3, 4);
  EXPECT_EQ(a.unsqueeze(0).shape(), (Shape{1, 3, 4}));
  EXPECT_EQ(a.unsqueeze(1).shape(), (Shape{3, 1, 4}));
  EXPECT_EQ(a.unsqueeze(2).shape(), (Shape{3, 4, 1}));
  EXPECT_EQ(a.unsqueeze(-1).shape(), (Shape{3, 4, 1}));
  EXPECT_EQ(a.unsqueeze(-3).shape(), (Shape{1, 3, 4}));
  EXPECT_EQ(tensor(1.0).unsqueeze(0).shape(), (Shape{1}));
  Tensor u = a.unsqueeze(1);
  EXPECT_TRUE(u.shares_storage(a));
  u.select(0, 2).fill_(0);
  EXPECT_TRUE(HasValues(a[2], {4}, {0, 0, 0, 0}));
}

TEST(ViewTest, UnsqueezeBadDimThrows) {
  EXPECT_TRUE(ThrowsTensorError([] { zeros({3, 4}).unsqueeze(3); }, {"unsqueeze"}));
  EXPECT_TRUE(ThrowsTensorError([] { zeros({3, 4}).unsqueeze(-4); }, {"unsqueeze"}));
}

TEST(ViewTest, Flatten) {
  Tensor a = arange(0, 24, 1, kFloat64).view({2, 3, 4});
  EXPECT_EQ(a.flatten().shape(), (Shape{24}));
  EXPECT_EQ(a.flatten(1).shape(), (Shape{2, 12}));
  EXPECT_EQ(a.flatten(0, 1).shape(), (Shape{6, 4}));
  EXPECT_EQ(a.flatten(-2, -1).shape(), (Shape{2, 12}));
  EXPECT_EQ(a.flatten(1, 1).shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(tensor(3.0).flatten().shape(), (Shape{1}));
  Tensor f = a.flatten();
  EXPECT_TRUE(f.shares_storage(a));
  f.narrow(0, 0, 2).fill_(-1);
  EXPECT_EQ(Values(a)[1], -1.0);
}

TEST(ViewTest, FlattenNonContiguousHasLogicalOrder) {
  Tensor a = Grid(2, 3).t();
  EXPECT_TRUE(HasValues(a.flatten(), {6}, {0, 10, 1, 11, 2, 12}));
}

TEST(ViewTest, FlattenBadDimsThrow) {
  EXPECT_TRUE(ThrowsTensorError([] { zeros({2, 3}).flatten(0, 2); }, {"flatten"}));
  EXPECT_TRUE(ThrowsTensorError([] { zeros({2, 3, 4}).flatten(2, 1); }, {"flatten"}));
}

// ---- expand ------------------------------------------------------------------------------------

TEST(ViewTest, ExpandUsesZeroStride) {
  Tensor col = test_util::F64({1, 2, 3}, {3, 1});
  Tensor e = col.expand({3, 4});
  EXPECT_EQ(e.shape(), (Shape{3, 4}));
  EXPECT_EQ(e.stride(1), 0);
  EXPECT_TRUE(e.shares_storage(col));
  EXPECT_TRUE(HasValues(e, {3, 4}, {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}));
  EXPECT_EQ(col.expand({-1, 2}).shape(), (Shape{3, 2}));
  Tensor e3 = col.expand({2, 3, 2});
  EXPECT_EQ(e3.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(e3.stride(0), 0);
  EXPECT_TRUE(HasValues(e3, {2, 3, 2}, {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
  // Writes to the base show in the expanded view.
  col.fill_(9);
  EXPECT_TRUE(HasValues(e, {3, 4}, std::vector<double>(12, 9.0)));
}

TEST(ViewTest, ExpandScalar) {
  Tensor s = tensor(2.5);
  EXPECT_TRUE(HasValues(s.expand({2, 2}), {2, 2}, {2.5, 2.5, 2.5, 2.5}));
}

TEST(ViewTest, ExpandIncompatibleThrows) {
  Tensor col = zeros({3, 1});
  EXPECT_TRUE(ThrowsTensorError([&] { col.expand({4, 4}); }, {"expand"}));
  EXPECT_TRUE(ThrowsTensorError([&] { col.expand({4}); }, {"expand"}));
  // -1 may only keep an existing size, not name a new leading dim.
  EXPECT_TRUE(ThrowsTensorError([&] { col.expand({-1, 3, 1}); }, {"expand"}));
  EXPECT_EQ(col.expand({2, -1, 4}).shape(), (Shape{2, 3, 4}));
}

// ---- chunk / split (storage sharing; values in tensor_shape_ops_test) --------------------------

TEST(ViewTest, ChunkAndSplitShareStorage) {
  Tensor a = arange(0, 6, 1, kFloat64);
  std::vector<Tensor> chunks = a.chunk(3);
  ASSERT_EQ(chunks.size(), 3u);
  for (const Tensor& c : chunks) EXPECT_TRUE(c.shares_storage(a));
  chunks[1].fill_(-1);
  std::vector<Tensor> parts = a.split(4);
  ASSERT_EQ(parts.size(), 2u);
  parts[1].add_(tensor(100.0, kFloat64));
  EXPECT_TRUE(HasValues(a, {6}, {0, 1, -1, -1, 104, 105}));
}

// ---- in-place writes through views -----------------------------------------------------------

TEST(ViewTest, CopyIntoViewReachesBase) {
  Tensor a = zeros({3, 4}, kFloat64);
  a.narrow(1, 1, 2).copy_(test_util::F64({1, 2, 3, 4, 5, 6}, {3, 2}));
  EXPECT_TRUE(HasValues(a, {3, 4}, {0, 1, 2, 0, 0, 3, 4, 0, 0, 5, 6, 0}));
  a.t()[3].copy_(test_util::F64({7, 8, 9}, {3}));
  EXPECT_TRUE(HasValues(a, {3, 4}, {0, 1, 2, 7, 0, 3, 4, 8, 0, 5, 6, 9}));
}

TEST(ViewTest, ChainOfViewsReachesBase) {
  Tensor a = zeros({4, 6}, kFloat64);
  // a.t()[1:5:2, 1] -> elements a[1, 1] and a[1, 3].
  Tensor v = a.t().slice(0, 1, 5, 2).select(1, 1);
  EXPECT_EQ(v.shape(), (Shape{2}));
  v.add_(5.0);
  std::vector<double> got = Values(a);
  for (int i = 0; i < 24; ++i) {
    const bool hit = (i == 1 * 6 + 1) || (i == 1 * 6 + 3);
    EXPECT_EQ(got[i], hit ? 5.0 : 0.0) << "i=" << i;
  }
}

TEST(ViewTest, SizeOneDimsDoNotBreakContiguity) {
  // As PyTorch: strides of size-1 dims are ignored, so a transposed column is contiguous.
  Tensor row = arange(0, 4, 1, kFloat64).view({4, 1}).t();  // [1, 4], strides [1, 1]
  EXPECT_TRUE(row.is_contiguous());
  Tensor v = row.view({4});
  EXPECT_TRUE(v.shares_storage(row));
  EXPECT_TRUE(HasValues(v, {4}, {0, 1, 2, 3}));
}

TEST(ViewTest, TensorOverExistingStorage) {
  auto storage = std::make_shared<Storage>(10 * sizeof(double), Device::Cpu());
  double* p = static_cast<double*>(storage->data());
  for (int i = 0; i < 10; ++i) p[i] = i;
  // Offset 1, shape [2, 3], strides [4, 2]: elements 1, 3, 5, 5, 7, 9.
  Tensor t(storage, {2, 3}, {4, 2}, 1, kFloat64);
  EXPECT_EQ(t.storage_offset(), 1);
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_TRUE(HasValues(t, {2, 3}, {1, 3, 5, 5, 7, 9}));
  EXPECT_TRUE(HasValues(t.sum(1), {2}, {9, 21}));
  Tensor same(storage, {10}, {1}, 0, kFloat64);
  EXPECT_TRUE(same.shares_storage(t));
}

TEST(ViewTest, TensorOverTooSmallStorageThrows) {
  // The constructor requires storage to hold offset + the extent of shape/strides; a shape
  // that reaches past the end (here element 1 + 2*4 + 2*2 = 13 of 10) is a caller mistake.
  auto storage = std::make_shared<Storage>(10 * sizeof(double), Device::Cpu());
  EXPECT_TRUE(ThrowsTensorError([&] { Tensor bad(storage, {3, 3}, {4, 2}, 1, kFloat64); }));
}

// ---- metadata ------------------------------------------------------------------------------------

TEST(ViewTest, SizeAndStrideAcceptNegativeDims) {
  Tensor a = zeros({2, 3, 4});
  EXPECT_EQ(a.size(-1), 4);
  EXPECT_EQ(a.size(0), 2);
  EXPECT_EQ(a.stride(-2), 4);
  EXPECT_EQ(a.stride(0), 12);
  EXPECT_EQ(a.sizes(), (Shape{2, 3, 4}));
  EXPECT_TRUE(ThrowsTensorError([&] { a.size(3); }));
  EXPECT_TRUE(ThrowsTensorError([&] { a.stride(-4); }));
}

TEST(ViewTest, DataPointerOfViewIsOffset) {
  Tensor a = zeros({3, 4}, kFloat64);
  EXPECT_EQ(a[2].data<double>(), a.data<double>() + 8);
  EXPECT_EQ(a.narrow(1, 3, 1).data<double>(), a.data<double>() + 3);
  EXPECT_EQ(a[1].raw_data(), static_cast<void*>(a.data<double>() + 4));
}

TEST(ViewTest, StorageAllocationsCountTensorsNotViews) {
  const int64_t before = Storage::total_allocations();
  Tensor a = zeros({4, 4});
  const int64_t after_create = Storage::total_allocations();
  EXPECT_GT(after_create, before);
  Tensor v1 = a.view({16});
  Tensor v2 = a.t();
  Tensor v3 = a[1];
  Tensor v4 = a.narrow(0, 1, 2);
  Tensor v5 = a.unsqueeze(0).expand({3, 4, 4});
  Tensor v6 = a.slice(1, 0, 4, 2);
  Tensor v7 = a.permute({1, 0});
  Tensor v8 = a.reshape({2, 8});
  Tensor v9 = a.contiguous();
  std::vector<Tensor> v10 = a.chunk(2);
  Tensor v11 = a.to(kFloat32);
  Tensor alias = a;
  EXPECT_EQ(Storage::total_allocations(), after_create);
  Tensor c = a.clone();
  EXPECT_GT(Storage::total_allocations(), after_create);
}

}  // namespace
}  // namespace concord
