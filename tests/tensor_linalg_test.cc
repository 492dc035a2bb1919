// File: tests/tensor_linalg_test.cc
//
// Linear algebra: mm (float64/float32/int64, transposed, stepped and expanded inputs, k = 0,
// the out= form reusing storage), matmul in every supported rank combination (1-D/2-D/3-D,
// batched and batch-broadcast), dot, all checked against naive loops; and the shape/rank
// errors, including the exact mm message.
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/autograd/graph.h"
#include "tensor/functions.h"
#include "tensor/tensor.h"
#include "tests/test_util.h"

namespace concord {
namespace {

using test_util::F32Fill;
using test_util::F64;
using test_util::F64Fill;
using test_util::HasValues;
using test_util::I64;
using test_util::IntValues;
using test_util::NaiveMatmul;
using test_util::ThrowsTensorError;
using test_util::Values;

Tensor RandomF64(const Shape& shape, uint64_t seed) {
  return F64Fill(shape, [seed](int64_t i) { return test_util::Hashed(i, seed); });
}
Tensor RandomF32(const Shape& shape, uint64_t seed) {
  return F32Fill(shape, [seed](int64_t i) { return test_util::Hashed(i, seed); });
}

// ---- mm ----------------------------------------------------------------------------------------

TEST(LinalgTest, MmSmallByHand) {
  Tensor a = F64({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = F64({7, 8, 9, 10, 11, 12}, {3, 2});
  Tensor c = mm(a, b);
  EXPECT_EQ(c.dtype(), kFloat64);
  EXPECT_TRUE(HasValues(c, {2, 2}, {58, 64, 139, 154}));
  EXPECT_TRUE(HasValues(a.mm(b), {2, 2}, {58, 64, 139, 154}));
  EXPECT_TRUE(HasValues(b.mm(a), {3, 3}, {39, 54, 69, 49, 68, 87, 59, 82, 105}));
}

TEST(LinalgTest, MmFloat64MatchesNaiveLoop) {
  Tensor a = RandomF64({17, 23}, 1);
  Tensor b = RandomF64({23, 9}, 2);
  EXPECT_TRUE(HasValues(mm(a, b), {17, 9}, NaiveMatmul(Values(a), Values(b), 17, 23, 9), 1e-12));
}

TEST(LinalgTest, MmFloat32MatchesNaiveLoop) {
  Tensor a = RandomF32({64, 80}, 3);
  Tensor b = RandomF32({80, 48}, 4);
  Tensor c = mm(a, b);
  EXPECT_EQ(c.dtype(), kFloat32);
  EXPECT_TRUE(HasValues(c, {64, 48}, NaiveMatmul(Values(a), Values(b), 64, 80, 48), 1e-4));
}

TEST(LinalgTest, MmInt64IsExact) {
  Tensor a = I64({100000007, 2, -3, 4}, {2, 2});
  Tensor b = I64({100000009, 0, 1, -1}, {2, 2});
  Tensor c = mm(a, b);
  EXPECT_EQ(c.dtype(), kInt64);
  // 100000007 * 100000009 = 10000001600000063 > 2^53.
  EXPECT_EQ(IntValues(c), (std::vector<int64_t>{10000001600000063 + 2, -2,
                                                 -300000027 + 4, -4}));
  Tensor x = arange(6).view({2, 3});
  Tensor y = arange(12).view({3, 4});
  std::vector<int64_t> expected;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j) {
      int64_t acc = 0;
      for (int p = 0; p < 3; ++p) acc += (3 * i + p) * (4 * p + j);
      expected.push_back(acc);
    }
  EXPECT_EQ(IntValues(mm(x, y)), expected);
  EXPECT_EQ(IntValues(mm(y.t(), x.t())), (std::vector<int64_t>{
      expected[0], expected[4], expected[1], expected[5],
      expected[2], expected[6], expected[3], expected[7]}));
}

TEST(LinalgTest, MmTransposedInputs) {
  Tensor a = RandomF64({7, 5}, 5);  // used as a.t(): [5, 7]
  Tensor b = RandomF64({6, 7}, 6);  // used as b.t(): [7, 6]
  std::vector<double> at = Values(a.t().contiguous());
  std::vector<double> bt = Values(b.t().contiguous());
  // Cross-check the transposes independently of the library's copy.
  std::vector<double> av = Values(a);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 7; ++j) ASSERT_EQ(at[i * 7 + j], av[j * 5 + i]);
  const std::vector<double> expected = NaiveMatmul(at, bt, 5, 7, 6);
  EXPECT_TRUE(HasValues(mm(a.t(), b.t()), {5, 6}, expected, 1e-12));
  EXPECT_TRUE(HasValues(mm(a.t(), b.t().contiguous()), {5, 6}, expected, 1e-12));
  EXPECT_TRUE(HasValues(mm(a.t().contiguous(), b.t()), {5, 6}, expected, 1e-12));
  // Float32 transposed.
  Tensor af = RandomF32({7, 5}, 5), bf = RandomF32({6, 7}, 6);
  EXPECT_TRUE(HasValues(mm(af.t(), bf.t()), {5, 6},
                        NaiveMatmul(Values(af.t().contiguous()), Values(bf.t().contiguous()), 5, 7, 6),
                        1e-5));
}

TEST(LinalgTest, MmSteppedAndExpandedInputs) {
  Tensor big = RandomF64({4, 10}, 7);
  Tensor a = big.slice(1, 0, 10, 2);  // [4, 5], strides [10, 2]
  Tensor b = RandomF64({5, 3}, 8);
  std::vector<double> bigv = Values(big), av;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 5; ++j) av.push_back(bigv[i * 10 + 2 * j]);
  EXPECT_TRUE(HasValues(mm(a, b), {4, 3}, NaiveMatmul(av, Values(b), 4, 5, 3), 1e-12));
  // An expanded (stride-0) operand: every row of e is [1, 2, 3, 4, 5].
  Tensor e = F64({1, 2, 3, 4, 5}, {5}).expand({4, 5});
  std::vector<double> ev;
  for (int i = 0; i < 4; ++i)
    for (int j = 1; j <= 5; ++j) ev.push_back(j);
  EXPECT_TRUE(HasValues(mm(e, b), {4, 3}, NaiveMatmul(ev, Values(b), 4, 5, 3), 1e-12));
  Tensor col = F64({2, -1, 0.5}, {3, 1}).expand({3, 2});  // [3, 2], stride [1, 0]
  EXPECT_TRUE(HasValues(mm(b, col), {5, 2},
                        NaiveMatmul(Values(b), {2, 2, -1, -1, 0.5, 0.5}, 5, 3, 2), 1e-12));
}

TEST(LinalgTest, MmWithEmptyInnerDimIsZeros) {
  Tensor c = mm(zeros({2, 0}, kFloat64), zeros({0, 3}, kFloat64));
  EXPECT_TRUE(HasValues(c, {2, 3}, {0, 0, 0, 0, 0, 0}));
  Tensor f = mm(zeros({2, 0}), zeros({0, 3}));
  EXPECT_TRUE(HasValues(f, {2, 3}, {0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(mm(zeros({0, 3}), zeros({3, 2})).shape(), (Shape{0, 2}));
}

TEST(LinalgTest, MmOutReusesStorage) {
  Tensor a = F64({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = F64({7, 8, 9, 10, 11, 12}, {3, 2});
  Tensor out = full({2, 2}, 99.0, kFloat64);
  const double* p = out.data<double>();
  Tensor& r = mm(a, b, out);
  EXPECT_TRUE(r.is_same(out));
  EXPECT_EQ(out.data<double>(), p);
  EXPECT_TRUE(HasValues(out, {2, 2}, {58, 64, 139, 154}));
  // Reused again with transposed inputs; old contents are overwritten, not accumulated.
  mm(b.t(), a.t(), out);
  EXPECT_EQ(out.data<double>(), p);
  EXPECT_TRUE(HasValues(out, {2, 2}, {58, 139, 64, 154}));
  Tensor out32 = empty({64, 48});
  const float* p32 = out32.data<float>();
  Tensor a32 = RandomF32({64, 80}, 9), b32 = RandomF32({80, 48}, 10);
  mm(a32, b32, out32);
  EXPECT_EQ(out32.data<float>(), p32);
  EXPECT_TRUE(HasValues(out32, {64, 48}, NaiveMatmul(Values(a32), Values(b32), 64, 80, 48), 1e-4));
}

TEST(LinalgTest, MmOutWrongShapeOrDtypeThrows) {
  Tensor a = zeros({2, 3}), b = zeros({3, 4});
  Tensor wrong_shape = zeros({4, 2});
  EXPECT_TRUE(ThrowsTensorError([&] { mm(a, b, wrong_shape); }, {"mm"}));
  Tensor wrong_dtype = zeros({2, 4}, kFloat64);
  EXPECT_TRUE(ThrowsTensorError([&] { mm(a, b, wrong_dtype); }, {"mm"}));
}

TEST(LinalgTest, MmShapeMismatchExactMessage) {
  try {
    mm(zeros({4, 3}), zeros({2, 5}));
    ADD_FAILURE() << "mm did not throw";
  } catch (const TensorError& e) {
    EXPECT_EQ(std::string(e.what()), "mm: cannot multiply [4, 3] by [2, 5]");
  }
  EXPECT_TRUE(ThrowsTensorError([] { zeros({4, 3}).mm(zeros({2, 5})); },
                                {"mm: cannot multiply [4, 3] by [2, 5]"}));
}

TEST(LinalgTest, MmAndDotDtypeMismatchThrowOrPromote) {
  // PyTorch rejects mixed dtypes in mm and dot ("expected m1 and m2 to have the same dtype");
  // promoting to float64 is also accepted, a wrong dtype or wrong values is not.
  Tensor a = test_util::F32({1, 2, 3, 4}, {2, 2});
  Tensor b = F64({0.5, 0, 0, 0.25}, {2, 2});
  try {
    Tensor c = mm(a, b);
    EXPECT_EQ(c.dtype(), kFloat64);
    EXPECT_TRUE(HasValues(c, {2, 2}, {0.5, 0.5, 1.5, 1}));
  } catch (const TensorError& e) {
    EXPECT_NE(std::string(e.what()).find("mm"), std::string::npos) << e.what();
  }
  try {
    Tensor d = dot(a.flatten(), b.flatten());
    EXPECT_EQ(d.dtype(), kFloat64);
    EXPECT_EQ(d.item(), 1.5);
  } catch (const TensorError& e) {
    EXPECT_NE(std::string(e.what()).find("dot"), std::string::npos) << e.what();
  }
}

TEST(LinalgTest, MmRankErrors) {
  EXPECT_TRUE(ThrowsTensorError([] { mm(zeros({3}), zeros({3, 2})); }, {"mm"}));
  EXPECT_TRUE(ThrowsTensorError([] { mm(zeros({2, 3}), zeros({3})); }, {"mm"}));
  EXPECT_TRUE(ThrowsTensorError([] { mm(zeros({2, 2, 2}), zeros({2, 2})); }, {"mm"}));
}

// ---- addmm ---------------------------------------------------------------------------------------

TEST(LinalgTest, AddmmIsMmPlusTheBiasOnEveryRow) {
  Tensor bias = F64({10, -20, 30}, {3});
  Tensor a = F64({1, 2, 3, 4}, {2, 2});
  Tensor w = F64({1, 0, 0, 1, 1, 1}, {3, 2});  // a linear layer's weight, used transposed
  EXPECT_TRUE(HasValues(addmm(bias, a, w.t()), {2, 3}, {11, -18, 33, 13, -16, 37}));
  // float32: the rounding of mm + bias on the CPU, to the bit.
  Generator gen(4);
  Tensor b32 = randn({48}, gen), a32 = randn({33, 80}, gen), w32 = randn({48, 80}, gen);
  EXPECT_TRUE(addmm(b32, a32, w32.t()).equal(mm(a32, w32.t()) + b32));
}

TEST(LinalgTest, AddmmGradientsAreThoseOfMmPlusBias) {
  Generator gen(5);
  Tensor bias = randn({4}, gen, kFloat64).requires_grad_(), x = randn({6, 3}, gen, kFloat64).requires_grad_();
  Tensor w = randn({4, 3}, gen, kFloat64).requires_grad_();
  Tensor g = randn({6, 4}, gen, kFloat64);
  (addmm(bias, x, w.t()) * g).sum().backward();
  Tensor gb = bias.grad().clone(), gx = x.grad().clone(), gw = w.grad().clone();
  for (Tensor t : {bias, x, w}) t.grad().zero_();
  ((mm(x, w.t()) + bias) * g).sum().backward();
  EXPECT_TRUE(gb.allclose(bias.grad(), 1e-12, 1e-12));
  EXPECT_TRUE(gx.allclose(x.grad(), 1e-12, 1e-12));
  EXPECT_TRUE(gw.allclose(w.grad(), 1e-12, 1e-12));
  EXPECT_TRUE(gw.is_contiguous()) << "the weight's gradient keeps the weight's layout";
}

TEST(LinalgTest, AddmmBadBiasNamesWhatWasExpected) {
  Tensor a = zeros({2, 3}), b = zeros({3, 4});
  EXPECT_TRUE(ThrowsTensorError([&] { addmm(zeros({3}), a, b); }, {"addmm: expected a bias of shape [4], got [3]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { addmm(zeros({1, 4}), a, b); }, {"addmm: expected a bias of shape [4]"}));
  EXPECT_TRUE(ThrowsTensorError([&] { addmm(zeros({4}, kFloat64), a, b); },
                                {"addmm: expected a bias of dtype float32, got float64"}));
  EXPECT_TRUE(ThrowsTensorError([&] { addmm(zeros({4}), a, zeros({2, 4})); }, {"mm: cannot multiply"}));
}

// ---- linear ------------------------------------------------------------------------------------

TEST(LinalgTest, LinearIsAddmmWithTheWeightTransposedToTheBit) {
  Generator gen(6);
  Tensor bias = randn({48}, gen), x = randn({33, 80}, gen), w = randn({48, 80}, gen);
  EXPECT_TRUE(linear(x, w, bias).equal(addmm(bias, x, w.t())));
  EXPECT_TRUE(linear(x, w).equal(mm(x, w.t())));
  EXPECT_TRUE(HasValues(linear(F64({1, 2, 3, 4}, {2, 2}), F64({1, 0, 0, 1, 1, 1}, {3, 2}), F64({10, -20, 30}, {3})),
                        {2, 3}, {11, -18, 33, 13, -16, 37}));
}

TEST(LinalgTest, LinearGradientsAreAddmmsToTheBit) {
  Generator gen(7);
  Tensor bias = randn({4}, gen).requires_grad_(), x = randn({6, 3}, gen).requires_grad_();
  Tensor w = randn({4, 3}, gen).requires_grad_();
  Tensor g = randn({6, 4}, gen);
  (linear(x, w, bias) * g).sum().backward();
  Tensor gb = bias.grad().clone(), gx = x.grad().clone(), gw = w.grad().clone();
  for (Tensor t : {bias, x, w}) t.grad().zero_();
  (addmm(bias, x, w.t()) * g).sum().backward();
  EXPECT_TRUE(gb.equal(bias.grad()));
  EXPECT_TRUE(gx.equal(x.grad()));
  EXPECT_TRUE(gw.equal(w.grad()));
  EXPECT_TRUE(gw.is_contiguous()) << "the weight's gradient keeps the weight's layout";

  // Without a bias, and with an input that needs no gradient.
  Tensor w2 = randn({4, 3}, gen).requires_grad_(), x2 = randn({6, 3}, gen);
  (linear(x2, w2) * g).sum().backward();
  EXPECT_TRUE(w2.grad().allclose(mm(g.t(), x2), 1e-6, 1e-6));
}

// Note [Gradient destinations]: a weight whose .grad is a stale view into a flat bucket gets its
// gradient written there by the GEMM itself. Seen from the bias's grad-ready hook, which fires
// before the weight's (its AccumulateGrad is the later node): the weight's part of the bucket
// already holds the new gradient, and so does w.grad(). Copied in by the weight's
// AccumulateGrad instead, the bucket would still hold the old values there, and w.grad() would
// be zeros.
TEST(LinalgTest, LinearWritesTheWeightGradientStraightIntoAStaleBucketView) {
  Generator gen(8);
  Tensor w = randn({4, 3}, gen).requires_grad_(), bias = randn({4}, gen).requires_grad_();
  Tensor x = randn({5, 3}, gen), g = randn({5, 4}, gen);
  Tensor bucket = full({16}, 7.0f);
  w.set_grad(bucket.narrow(0, 0, 12).view({4, 3}));
  bias.set_grad(bucket.narrow(0, 12, 4));
  autograd::ZeroGrad({w, bias});
  Tensor bucket_seen_by_bias_hook, grad_seen_by_bias_hook;
  bias.register_grad_ready_hook([&](const Tensor&) {
    bucket_seen_by_bias_hook = bucket.narrow(0, 0, 12).clone();
    grad_seen_by_bias_hook = w.grad().clone();
  });
  (linear(x, w, bias) * g).sum().backward();
  const Tensor expected = mm(g.t(), x);
  ASSERT_TRUE(bucket_seen_by_bias_hook.defined());
  EXPECT_TRUE(bucket_seen_by_bias_hook.view({4, 3}).allclose(expected, 1e-6, 1e-6))
      << "the weight's gradient was not in the bucket before its AccumulateGrad ran";
  EXPECT_TRUE(grad_seen_by_bias_hook.allclose(expected, 1e-6, 1e-6));
  EXPECT_EQ(w.grad().data<float>(), bucket.data<float>()) << "the .grad is still the bucket's view";
  EXPECT_TRUE(w.grad().allclose(expected, 1e-6, 1e-6));
  EXPECT_TRUE(bias.grad().allclose(g.sum(0), 1e-6, 1e-6));

  // Not stale any more: the next backward adds to it (no destination is offered).
  (linear(x, w, bias) * g).sum().backward();
  EXPECT_TRUE(w.grad().allclose(expected * 2, 1e-5, 1e-5));
}

TEST(LinalgTest, LinearBadShapesNameWhatWasExpected) {
  EXPECT_TRUE(ThrowsTensorError(
      [] { linear(zeros({2, 3}), zeros({4, 2})); },
      {"linear: expected an input [N, in] and a weight [out, in] with the same in, got [2, 3] and [4, 2]"}));
  EXPECT_TRUE(ThrowsTensorError([] { linear(zeros({3}), zeros({4, 3})); }, {"linear: expected an input [N, in]"}));
  EXPECT_TRUE(ThrowsTensorError([] { linear(zeros({2, 3}), zeros({4, 3}), zeros({3})); },
                                {"linear: expected a bias of shape [4] (the weight's out), got [3]"}));
  EXPECT_TRUE(ThrowsTensorError([] { linear(zeros({2, 3}), zeros({4, 3}), zeros({1, 4})); },
                                {"linear: expected a bias of shape [4] (the weight's out), got [1, 4]"}));
}

// ---- matmul ------------------------------------------------------------------------------------

TEST(LinalgTest, MatmulVectorVectorIsDot) {
  Tensor a = F64({1, 2, 3}, {3});
  Tensor b = F64({4, -5, 6}, {3});
  Tensor c = matmul(a, b);
  EXPECT_EQ(c.dim(), 0);
  EXPECT_EQ(c.item(), 12.0);
  EXPECT_EQ(a.matmul(b).item(), 12.0);
}

TEST(LinalgTest, MatmulMatrixVector) {
  Tensor m = F64({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor v = F64({1, 0, -1}, {3});
  EXPECT_TRUE(HasValues(matmul(m, v), {2}, {-2, -2}));
  // Transposed matrix: m.t() is [3, 2].
  EXPECT_TRUE(HasValues(matmul(m.t(), F64({1, 1}, {2})), {3}, {5, 7, 9}));
}

TEST(LinalgTest, MatmulVectorMatrix) {
  Tensor m = F64({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor v = F64({2, -1}, {2});
  EXPECT_TRUE(HasValues(matmul(v, m), {3}, {-2, -1, 0}));
}

TEST(LinalgTest, MatmulMatrixMatrix) {
  Tensor a = RandomF64({6, 4}, 11), b = RandomF64({4, 5}, 12);
  EXPECT_TRUE(HasValues(matmul(a, b), {6, 5}, NaiveMatmul(Values(a), Values(b), 6, 4, 5), 1e-12));
}

// Naive batched matmul of [B, n, k] by [B, k, m].
std::vector<double> NaiveBmm(const std::vector<double>& a, const std::vector<double>& b,
                             int64_t batch, int64_t n, int64_t k, int64_t m) {
  std::vector<double> out;
  for (int64_t i = 0; i < batch; ++i) {
    std::vector<double> ai(a.begin() + i * n * k, a.begin() + (i + 1) * n * k);
    std::vector<double> bi(b.begin() + i * k * m, b.begin() + (i + 1) * k * m);
    std::vector<double> ci = NaiveMatmul(ai, bi, n, k, m);
    out.insert(out.end(), ci.begin(), ci.end());
  }
  return out;
}

TEST(LinalgTest, MatmulBatched3DBy3D) {
  Tensor a = RandomF64({3, 4, 5}, 13), b = RandomF64({3, 5, 2}, 14);
  EXPECT_TRUE(HasValues(matmul(a, b), {3, 4, 2}, NaiveBmm(Values(a), Values(b), 3, 4, 5, 2), 1e-12));
  Tensor af = RandomF32({3, 4, 5}, 13), bf = RandomF32({3, 5, 2}, 14);
  EXPECT_TRUE(HasValues(matmul(af, bf), {3, 4, 2}, NaiveBmm(Values(af), Values(bf), 3, 4, 5, 2), 1e-5));
}

TEST(LinalgTest, MatmulBatchedWithTransposedInputs) {
  Tensor a = RandomF64({3, 5, 4}, 15);  // a.transpose(1, 2): [3, 4, 5]
  Tensor b = RandomF64({2, 5, 3}, 16);  // b.permute({2, 1, 0}): [3, 5, 2]
  Tensor at = a.transpose(1, 2), bp = b.permute({2, 1, 0});
  std::vector<double> av = Values(a), bv = Values(b), atv, bpv;
  for (int i = 0; i < 3; ++i)
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 5; ++c) atv.push_back(av[i * 20 + c * 4 + r]);
  for (int i = 0; i < 3; ++i)
    for (int r = 0; r < 5; ++r)
      for (int c = 0; c < 2; ++c) bpv.push_back(bv[c * 15 + r * 3 + i]);
  EXPECT_TRUE(HasValues(matmul(at, bp), {3, 4, 2}, NaiveBmm(atv, bpv, 3, 4, 5, 2), 1e-12));
}

TEST(LinalgTest, Matmul3DBy2D) {
  Tensor a = RandomF64({2, 3, 4}, 17), b = RandomF64({4, 5}, 18);
  std::vector<double> bv = Values(b);
  std::vector<double> bb = bv;
  bb.insert(bb.end(), bv.begin(), bv.end());
  EXPECT_TRUE(HasValues(matmul(a, b), {2, 3, 5}, NaiveBmm(Values(a), bb, 2, 3, 4, 5), 1e-12));
  EXPECT_TRUE(HasValues(matmul(a, b.t().contiguous().t()), {2, 3, 5},
                        NaiveBmm(Values(a), bb, 2, 3, 4, 5), 1e-12));
}

TEST(LinalgTest, MatmulBatchOfOneBroadcasts) {
  Tensor a = RandomF64({1, 2, 3}, 19), b = RandomF64({4, 3, 2}, 20);
  std::vector<double> av = Values(a), aa;
  for (int i = 0; i < 4; ++i) aa.insert(aa.end(), av.begin(), av.end());
  EXPECT_TRUE(HasValues(matmul(a, b), {4, 2, 2}, NaiveBmm(aa, Values(b), 4, 2, 3, 2), 1e-12));
  std::vector<double> bv = Values(b.narrow(0, 1, 1)), bb;
  Tensor b1 = b.narrow(0, 1, 1);  // [1, 3, 2]
  Tensor a4 = RandomF64({4, 2, 3}, 21);
  for (int i = 0; i < 4; ++i) bb.insert(bb.end(), bv.begin(), bv.end());
  EXPECT_TRUE(HasValues(matmul(a4, b1), {4, 2, 2}, NaiveBmm(Values(a4), bb, 4, 2, 3, 2), 1e-12));
}

TEST(LinalgTest, MatmulInt64) {
  Tensor a = arange(6).view({2, 3});
  Tensor v = I64({1, 1, 1}, {3});
  Tensor r = matmul(a, v);
  EXPECT_EQ(r.dtype(), kInt64);
  EXPECT_EQ(IntValues(r), (std::vector<int64_t>{3, 12}));
}

TEST(LinalgTest, MatmulShapeErrorsNameShapes) {
  EXPECT_TRUE(ThrowsTensorError([] { matmul(zeros({2, 3}), zeros({4})); },
                                {"matmul", "[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsTensorError([] { matmul(zeros({3}), zeros({4})); }, {"[3]", "[4]"}));
  EXPECT_TRUE(ThrowsTensorError([] { matmul(zeros({2}), zeros({3, 4})); },
                                {"[2]", "[3, 4]"}));
  EXPECT_TRUE(ThrowsTensorError([] { matmul(zeros({2, 3}), zeros({2, 3})); },
                                {"[2, 3]"}));
  EXPECT_TRUE(ThrowsTensorError([] { matmul(zeros({2, 3, 4}), zeros({3, 4, 5})); },
                                {"matmul", "[2, 3, 4]", "[3, 4, 5]"}));
  EXPECT_TRUE(ThrowsTensorError([] { matmul(zeros({2, 3, 4}), zeros({2, 5, 6})); },
                                {"matmul", "[2, 3, 4]", "[2, 5, 6]"}));
  EXPECT_TRUE(ThrowsTensorError([] { matmul(zeros({2, 3, 4}), zeros({5, 6})); },
                                {"matmul", "[2, 3, 4]", "[5, 6]"}));
  EXPECT_TRUE(ThrowsTensorError([] { matmul(tensor(1.0), zeros({2})); }, {"matmul"}));
}

// ---- dot ---------------------------------------------------------------------------------------

TEST(LinalgTest, Dot) {
  Tensor a = F64({1, 2, 3}, {3});
  Tensor b = F64({4, 5, 6}, {3});
  Tensor d = dot(a, b);
  EXPECT_EQ(d.dim(), 0);
  EXPECT_EQ(d.dtype(), kFloat64);
  EXPECT_EQ(d.item(), 32.0);
  EXPECT_EQ(a.dot(b).item(), 32.0);
  Tensor i = dot(arange(4), arange(4));
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(i.item<int64_t>(), 14);
  // Sum of squares 0..n-1 closed form, float64.
  const int64_t n = 1000;
  Tensor r = arange(0, n, 1, kFloat64);
  EXPECT_EQ(dot(r, r).item(), static_cast<double>((n - 1) * n * (2 * n - 1) / 6));
}

TEST(LinalgTest, DotOfNonContiguousInputs) {
  Tensor a = arange(0, 10, 1, kFloat64).slice(0, 0, 10, 3);  // 0, 3, 6, 9
  Tensor m = F64({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4});
  Tensor col = m.t().select(1, 1);  // row 1 of m: 5, 6, 7, 8
  EXPECT_EQ(dot(a, col).item(), 0 * 5 + 3 * 6 + 6 * 7 + 9 * 8.0);
  Tensor e = F64({2}, {1}).expand({4});
  EXPECT_EQ(dot(a, e).item(), 36.0);
  Tensor f32 = test_util::F32({0.5f, 1.5f, -2.f}, {3});
  EXPECT_NEAR(dot(f32, f32).item(), 6.5, 1e-6);
}

TEST(LinalgTest, DotErrors) {
  EXPECT_TRUE(ThrowsTensorError([] { dot(zeros({3}), zeros({4})); }, {"dot"}));
  EXPECT_TRUE(ThrowsTensorError([] { dot(zeros({2, 2}), zeros({4})); }, {"dot"}));
  EXPECT_TRUE(ThrowsTensorError([] { dot(zeros({4}), zeros({2, 2})); }, {"dot"}));
}

}  // namespace
}  // namespace concord
