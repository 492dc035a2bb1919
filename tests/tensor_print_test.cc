// File: tests/tensor_print_test.cc
//
// Printing, which follows PyTorch's repr (torch/_tensor_str.py, default print options):
// integer-valued floats as "1.", four decimals otherwise, scientific notation when the
// nonzero magnitudes span more than 1000x (or exceed 1e8, or go below 1e-4), right-aligned
// columns of a common width, nested brackets with PyTorch's indentation, the dtype suffix
// for non-default dtypes, 0-dim tensors, empty tensors, bool, NaN/inf, and non-contiguous
// tensors. Both ToString() and operator<< are checked.
#include <limits>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "tensor/functions.h"
#include "tensor/tensor.h"
#include "tests/test_util.h"

namespace concord {
namespace {

using test_util::Bool;
using test_util::F32;
using test_util::F64;
using test_util::I64;
using test_util::Streamed;

constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();
constexpr float kInff = std::numeric_limits<float>::infinity();

// Both spellings must give the same text.
std::string Printed(const Tensor& t) {
  const std::string s = t.ToString();
  EXPECT_EQ(Streamed(t), s);
  return s;
}

TEST(PrintTest, Float32MatrixOfIntegers) {
  EXPECT_EQ(Printed(F32({1, 2, 3, 4}, {2, 2})), "tensor([[1., 2.],\n        [3., 4.]])");
}

TEST(PrintTest, ZeroDimFloat) {
  EXPECT_EQ(Printed(tensor(3.5)), "tensor(3.5000)");
  EXPECT_EQ(Printed(tensor(-0.5)), "tensor(-0.5000)");
  EXPECT_EQ(Printed(tensor(2.0)), "tensor(2.)");
}

TEST(PrintTest, Float32VectorWithFraction) {
  EXPECT_EQ(Printed(F32({1.5f, 2.0f}, {2})), "tensor([1.5000, 2.0000])");
  EXPECT_EQ(Printed(F32({1.0f / 3}, {1})), "tensor([0.3333])");
  EXPECT_EQ(Printed(F32({2.5f, 0.125f}, {2})), "tensor([2.5000, 0.1250])");
}

TEST(PrintTest, Float64HasDtypeSuffix) {
  EXPECT_EQ(Printed(F64({1, 2}, {2})), "tensor([1., 2.], dtype=torch.float64)");
  EXPECT_EQ(Printed(F64({2.5}, {})), "tensor(2.5000, dtype=torch.float64)");
  EXPECT_EQ(Printed(F64({1, 2, 3, 4}, {2, 2})),
            "tensor([[1., 2.],\n        [3., 4.]], dtype=torch.float64)");
}

TEST(PrintTest, Int64) {
  EXPECT_EQ(Printed(arange(1, 4)), "tensor([1, 2, 3])");
  EXPECT_EQ(Printed(tensor(7)), "tensor(7)");
  EXPECT_EQ(Printed(tensor(-3)), "tensor(-3)");
}

TEST(PrintTest, Bool) {
  // PyTorch pads to the widest entry: torch.tensor([True, False]) prints "tensor([ True, False])".
  EXPECT_EQ(Printed(Bool({true, false}, {2})), "tensor([ True, False])");
  EXPECT_EQ(Printed(Bool({true, true}, {2})), "tensor([True, True])");
  EXPECT_EQ(Printed(Bool({true}, {})), "tensor(True)");
}

TEST(PrintTest, EmptyTensors) {
  EXPECT_EQ(Printed(zeros({0})), "tensor([])");
  EXPECT_EQ(Printed(zeros({0}, kFloat64)), "tensor([], dtype=torch.float64)");
  EXPECT_EQ(Printed(zeros({0}, kInt64)), "tensor([], dtype=torch.int64)");
  EXPECT_EQ(Printed(zeros({0, 3})), "tensor([], size=(0, 3))");
}

TEST(PrintTest, AllZeros) {
  EXPECT_EQ(Printed(zeros({2})), "tensor([0., 0.])");
  EXPECT_EQ(Printed(zeros({2}, kInt64)), "tensor([0, 0])");
}

TEST(PrintTest, ScientificWhenRangeIsLarge) {
  EXPECT_EQ(Printed(F32({1e-5f, 1.0f}, {2})), "tensor([1.0000e-05, 1.0000e+00])");
  EXPECT_EQ(Printed(F32({1.0f, 10000.0f}, {2})), "tensor([1.0000e+00, 1.0000e+04])");
  EXPECT_EQ(Printed(F32({1e9f, 1.0f}, {2})), "tensor([1.0000e+09, 1.0000e+00])");
  EXPECT_EQ(Printed(F32({1e-5f}, {1})), "tensor([1.0000e-05])");
  EXPECT_EQ(Printed(F32({-1e-5f, 1.0f}, {2})), "tensor([-1.0000e-05,  1.0000e+00])");
}

TEST(PrintTest, FixedWhenRangeIsAtMostThousand) {
  EXPECT_EQ(Printed(F32({1, 1000}, {2})), "tensor([   1., 1000.])");
  EXPECT_EQ(Printed(F32({0.001f, 1.0f}, {2})), "tensor([0.0010, 1.0000])");
}

TEST(PrintTest, ColumnsArePaddedToCommonWidth) {
  EXPECT_EQ(Printed(F32({1, 10}, {2})), "tensor([ 1., 10.])");
  EXPECT_EQ(Printed(F32({-1, 2}, {2})), "tensor([-1.,  2.])");
  EXPECT_EQ(Printed(F32({100.5f, 1.5f}, {2})), "tensor([100.5000,   1.5000])");
  EXPECT_EQ(Printed(I64({1, -10, 100}, {3})), "tensor([  1, -10, 100])");
  EXPECT_EQ(Printed(F32({1.5f, -2.25f, 10.f, 0.f}, {2, 2})),
            "tensor([[ 1.5000, -2.2500],\n        [10.0000,  0.0000]])");
  EXPECT_EQ(Printed(I64({1, 100, 2, 3}, {2, 2})), "tensor([[  1, 100],\n        [  2,   3]])");
}

TEST(PrintTest, ThreeDimsUseBlankLineBetweenBlocks) {
  EXPECT_EQ(Printed(arange(8).view({2, 2, 2})),
            "tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]])");
}

TEST(PrintTest, NonContiguousPrintsLogicalOrder) {
  EXPECT_EQ(Printed(I64({1, 2, 3, 4}, {2, 2}).t()), "tensor([[1, 3],\n        [2, 4]])");
  EXPECT_EQ(Printed(arange(10).slice(0, 1, 10, 4)), "tensor([1, 5, 9])");
  EXPECT_EQ(Printed(F32({2.5f}, {1}).expand({3})), "tensor([2.5000, 2.5000, 2.5000])");
}

TEST(PrintTest, NaNAndInfinity) {
  EXPECT_EQ(Printed(F32({kNaNf, 1.0f}, {2})), "tensor([nan, 1.])");
  EXPECT_EQ(Printed(F32({kInff, 1.0f}, {2})), "tensor([inf, 1.])");
  EXPECT_EQ(Printed(F32({-kInff, 2.0f}, {2})), "tensor([-inf, 2.])");
  EXPECT_EQ(Printed(F32({1.5f, kNaNf}, {2})), "tensor([1.5000,    nan])");
}

TEST(PrintTest, ScientificMatrixAndFloat64) {
  EXPECT_EQ(Printed(F32({1e-5f, 1.f, 100.f, -2.f}, {2, 2})),
            "tensor([[ 1.0000e-05,  1.0000e+00],\n        [ 1.0000e+02, -2.0000e+00]])");
  EXPECT_EQ(Printed(F64({123456789.0}, {1})), "tensor([1.2346e+08], dtype=torch.float64)");
}

TEST(PrintTest, LongRowsWrapAtEightyColumns) {
  // torch.arange(30): 18 elements of width 2 (+ ", ") fit in 80 - len("tensor(") columns.
  EXPECT_EQ(Printed(arange(30)),
            "tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n"
            "        18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29])");
}

TEST(PrintTest, MoreThanThousandElementsAreSummarized) {
  EXPECT_EQ(Printed(arange(2000)), "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])");
}

TEST(PrintTest, ZeroDimScientific) {
  EXPECT_EQ(Printed(F32({1e-5f}, {})), "tensor(1.0000e-05)");
}

TEST(PrintTest, BoolMatrix) {
  EXPECT_EQ(Printed(Bool({true, false, false, true}, {2, 2})),
            "tensor([[ True, False],\n        [False,  True]])");
}

TEST(PrintTest, StreamOperatorAppends) {
  std::ostringstream os;
  os << "x = " << tensor(1.5) << ";";
  EXPECT_EQ(os.str(), "x = tensor(1.5000);");
}

}  // namespace
}  // namespace concord
