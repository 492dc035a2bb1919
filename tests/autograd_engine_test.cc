// The backward engine: leaf and non-leaf semantics, accumulation, grad-ready hooks (order,
// exactly once per backward), NoGradGuard, detach, and the error paths.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/autograd/graph.h"
#include "tensor/functions.h"

namespace concord {
namespace {

template <typename Fn>
void ExpectThrowsWith(Fn fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "expected a TensorError containing '" << needle << "'";
  } catch (const TensorError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(AutogradEngine, LeafAndNonLeaf) {
  Tensor x = tensor({1., 2., 3.}).requires_grad_();
  EXPECT_TRUE(x.requires_grad());
  EXPECT_TRUE(x.is_leaf());
  Tensor y = x * 2;
  EXPECT_TRUE(y.requires_grad());
  EXPECT_FALSE(y.is_leaf());
  ASSERT_NE(y.grad_fn(), nullptr);
  EXPECT_EQ(y.grad_fn()->name(), "MulBackward");
  Tensor c = tensor({1., 2.});
  EXPECT_FALSE(c.requires_grad());
  EXPECT_TRUE(c.is_leaf());
  EXPECT_FALSE((c * 2).requires_grad());
}

TEST(AutogradEngine, SimpleGradient) {
  Tensor x = tensor({1., 2., 3.}, kFloat64).requires_grad_();
  Tensor loss = (x * x).sum();  // d/dx = 2x
  loss.backward();
  EXPECT_TRUE(x.grad().allclose(tensor({2., 4., 6.}, kFloat64)));
}

TEST(AutogradEngine, GradientsAccumulateAcrossBackwards) {
  Tensor x = tensor({1., -1.}, kFloat64).requires_grad_();
  (x * 3).sum().backward();
  (x * 3).sum().backward();
  EXPECT_TRUE(x.grad().equal(tensor({6., 6.}, kFloat64)));
  autograd::ZeroGrad({x});
  EXPECT_TRUE(x.grad().equal(tensor({0., 0.}, kFloat64)));
}

// Note [Adopting gradients]: a stale .grad nobody else sees is replaced by the backward's own
// output (no copy); one that other tensors share (a gradient bucket's view, a handle the
// caller kept) is written in place, so they see the new gradient.
TEST(AutogradEngine, StaleGradAdoptsTheFreshGradientUnlessItIsShared) {
  Tensor w = tensor({{1., 2.}, {3., 4.}}, kFloat64).requires_grad_();
  Tensor x = tensor({{1., 0.}, {2., 1.}}, kFloat64);
  mm(x, w).sum().backward();
  const double* first = w.grad().data<double>();
  autograd::ZeroGrad({w});
  mm(x * 2, w).sum().backward();  // d/dw = (2x)^T 1
  EXPECT_TRUE(w.grad().equal(tensor({{6., 6.}, {2., 2.}}, kFloat64)));
  EXPECT_NE(w.grad().data<double>(), first) << "the fresh gradient should have been adopted";

  // Shared through a view (as a bucket shares it): written in place.
  Tensor flat = zeros({4}, TensorOptions(kFloat64));
  w.set_grad(flat.view({2, 2}));
  autograd::ZeroGrad({w});
  mm(x, w).sum().backward();
  EXPECT_TRUE(flat.equal(tensor({3., 3., 1., 1.}, kFloat64)));
  EXPECT_EQ(w.grad().data<double>(), flat.data<double>());

  // Shared through a handle the caller kept: written in place too.
  Tensor kept = zeros({2, 2}, TensorOptions(kFloat64));
  w.set_grad(kept);
  autograd::ZeroGrad({w});
  mm(x * 3, w).sum().backward();
  EXPECT_TRUE(kept.equal(tensor({{9., 9.}, {3., 3.}}, kFloat64)));
  // Not stale: accumulates in place, whoever holds it.
  mm(x, w).sum().backward();
  EXPECT_TRUE(kept.equal(tensor({{12., 12.}, {4., 4.}}, kFloat64)));
}

// An identity op (a + b with a second input) whose backward notes what GradientDestination(0)
// offers and, offered one, writes a's gradient there and returns it (as linear does with a
// weight's gradient).
Tensor Probe(const Tensor& a, Tensor* offered, const Tensor& b = Tensor()) {
  Tensor out = b.defined() ? (a.detach() + b.detach()) : a.detach().clone();
  autograd::Record(out, "Probe", {a, b}, [offered](const Tensor& g) {
    *offered = autograd::GradientDestination(0);
    if (offered->defined()) offered->copy_(g);
    return std::vector<Tensor>{offered->defined() ? *offered : g, g};
  });
  return out;
}

// Note [Gradient destinations]: offered only a stale, contiguous .grad that one edge feeds.
TEST(AutogradEngine, GradientDestinationIsAStaleGradThatOnlyThisEdgeFeeds) {
  const Tensor g = tensor({1., 2., 3., 4.}, kFloat64).view({2, 2});
  Tensor w = zeros({2, 2}, TensorOptions(kFloat64)).requires_grad_();
  Tensor offered;
  // No .grad yet: nothing offered (the fresh gradient is adopted instead).
  Probe(w, &offered).backward(g);
  EXPECT_FALSE(offered.defined());
  EXPECT_TRUE(w.grad().equal(g));

  // A stale view into a bucket: offered, written there, and marked current.
  Tensor bucket = full({6}, 9.0, TensorOptions(kFloat64));
  w.set_grad(bucket.narrow(0, 2, 4).view({2, 2}));
  autograd::ZeroGrad({w});
  Probe(w, &offered).backward(g);
  ASSERT_TRUE(offered.defined());
  EXPECT_EQ(offered.data<double>(), bucket.data<double>() + 2);
  EXPECT_TRUE(bucket.equal(tensor({9., 9., 1., 2., 3., 4.}, kFloat64)));
  EXPECT_TRUE(w.grad().equal(g));

  // Claimed, the .grad is current at once: a hook that reads it before the leaf's
  // AccumulateGrad runs sees the new gradient, not zeros, and nothing is added twice.
  Tensor other_leaf = zeros({2, 2}, TensorOptions(kFloat64)).requires_grad_();
  Tensor seen;
  other_leaf.register_grad_ready_hook([&](const Tensor&) { seen = w.grad().clone(); });
  autograd::ZeroGrad({w});
  Probe(w, &offered, other_leaf).backward(g);  // other_leaf's AccumulateGrad is the later node
  ASSERT_TRUE(offered.defined());
  ASSERT_TRUE(seen.defined());
  EXPECT_TRUE(seen.equal(g));
  EXPECT_TRUE(w.grad().equal(g));

  // Current (not stale): nothing offered, the next gradient is added.
  Probe(w, &offered).backward(g);
  EXPECT_FALSE(offered.defined());
  EXPECT_TRUE(w.grad().equal(g * 2));

  // Two edges into the leaf (it would be summed with the other one): nothing offered, whether
  // the other edge delivers after the probe's (created first, it runs later) or before.
  for (bool probe_first : {true, false}) {
    SCOPED_TRACE(probe_first ? "probe created first" : "probe created last");
    autograd::ZeroGrad({w});
    Tensor probed, other;
    if (probe_first) {
      probed = Probe(w, &offered);
      other = w * 10;
    } else {
      other = w * 10;
      probed = Probe(w, &offered);
    }
    (probed + other).backward(g);
    EXPECT_FALSE(offered.defined());
    EXPECT_TRUE(w.grad().equal(g * 11));
  }

  // A non-contiguous .grad: nothing offered, written in place as before.
  Tensor other = zeros({2, 2}, TensorOptions(kFloat64));
  w.set_grad(other.t());
  autograd::ZeroGrad({w});
  Probe(w, &offered).backward(g);
  EXPECT_FALSE(offered.defined());
  EXPECT_TRUE(other.equal(g.t()));

  // Outside a backward, and for an input that is not a leaf: nothing.
  EXPECT_FALSE(autograd::GradientDestination(0).defined());
  Tensor constant = zeros({2, 2}, TensorOptions(kFloat64));
  Probe(constant + w, &offered).backward(g);
  EXPECT_FALSE(offered.defined());
}

TEST(AutogradEngine, DiamondSumsBothPaths) {
  // y = x*x + x*3 uses x twice; d/dx = 2x + 3.
  Tensor x = tensor({2.}, kFloat64).requires_grad_();
  Tensor a = x * x;
  Tensor b = x * 3;
  (a + b).sum().backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 7.0);
}

TEST(AutogradEngine, NonScalarRootNeedsGradient) {
  Tensor x = tensor({1., 2.}).requires_grad_();
  Tensor y = x * 2;
  ExpectThrowsWith([&] { y.backward(); }, "only for scalar outputs");
  y.backward(tensor({1., 10.}));
  EXPECT_TRUE(x.grad().equal(tensor({2., 20.})));
  ExpectThrowsWith([&] { (x * 2).backward(tensor({1., 2., 3.})); }, "has shape [3]");
}

TEST(AutogradEngine, BackwardWithoutGraphFails) {
  Tensor x = tensor({1., 2.});
  ExpectThrowsWith([&] { x.sum().backward(); }, "does not require grad");
}

TEST(AutogradEngine, NoGradGuardRecordsNothing) {
  Tensor x = tensor({1., 2.}).requires_grad_();
  {
    autograd::NoGradGuard guard;
    EXPECT_FALSE(autograd::GradMode::is_enabled());
    Tensor y = x * 2;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn(), nullptr);
  }
  EXPECT_TRUE(autograd::GradMode::is_enabled());
  EXPECT_TRUE((x * 2).requires_grad());
}

TEST(AutogradEngine, DetachCutsTheGraphAndSharesStorage) {
  Tensor x = tensor({1., 2.}).requires_grad_();
  Tensor y = (x * 2).detach();
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(y.is_leaf());
  Tensor d = x.detach();
  EXPECT_TRUE(d.shares_storage(x));
  // Only the x path contributes.
  (x * y).sum().backward();
  EXPECT_TRUE(x.grad().equal(tensor({2., 4.})));
}

TEST(AutogradEngine, InPlaceOnTensorRequiringGradIsRefused) {
  Tensor x = tensor({1., 2.}).requires_grad_();
  ExpectThrowsWith([&] { x.add_(1.0); }, "cannot be modified in place");
  ExpectThrowsWith([&] { x.mul_(tensor({2., 2.})); }, "NoGradGuard");
  ExpectThrowsWith([&] { x.zero_(); }, "fill_");
  autograd::NoGradGuard guard;
  x.sub_(tensor({1., 1.}));  // the optimizer's way
  EXPECT_TRUE(x.equal(tensor({0., 1.})));
}

TEST(AutogradEngine, RequiresGradOnlyOnFloatingLeaves) {
  ExpectThrowsWith([] { arange(3).requires_grad_(); }, "floating point");
  Tensor x = tensor({1.}).requires_grad_();
  Tensor y = x * 2;
  ExpectThrowsWith([&] { y.requires_grad_(false); }, "leaf");
}

TEST(AutogradEngine, OutFormsRefuseAutograd) {
  Tensor x = tensor({1., 2.}).requires_grad_();
  Tensor out = zeros({2});
  ExpectThrowsWith([&] { add(x, x, out); }, "don't support automatic differentiation");
}

TEST(AutogradEngine, GradReadyHooksFireOncePerBackwardWithFinalGradient) {
  // w1 is used twice (two paths), so its gradient is final only after both arrive.
  Tensor w1 = tensor({1., 2.}, kFloat64).requires_grad_();
  Tensor w2 = tensor({3., 4.}, kFloat64).requires_grad_();
  std::vector<std::string> fired;
  std::vector<double> seen_w1;
  w1.register_grad_ready_hook([&](const Tensor& g) {
    fired.push_back("w1");
    seen_w1.push_back(g.sum().item());
  });
  w2.register_grad_ready_hook([&](const Tensor&) { fired.push_back("w2"); });
  auto step = [&] {
    Tensor h = w1 * 2;          // layer 1
    Tensor y = (h + w1) * w2;   // layer 2 uses w1 again
    y.sum().backward();
  };
  step();
  // w2 (used last in the forward pass) is final first, as in DDP's reverse order.
  ASSERT_EQ(fired, (std::vector<std::string>{"w2", "w1"}));
  // d/dw1 sum((2 w1 + w1) w2) = 3 w2 = [9, 12]: the hook saw the whole gradient.
  EXPECT_DOUBLE_EQ(seen_w1.at(0), 21.0);
  step();
  EXPECT_EQ(fired.size(), 4u);
  EXPECT_DOUBLE_EQ(seen_w1.at(1), 42.0);  // accumulated
}

TEST(AutogradEngine, HookOrderFollowsReverseLayerOrderInAnMlp) {
  Generator gen(7);
  std::vector<Tensor> params;
  for (int i = 0; i < 3; ++i) params.push_back(randn({4, 4}, gen).requires_grad_());
  std::vector<int> order;
  for (int i = 0; i < 3; ++i) {
    params[i].register_grad_ready_hook([&order, i](const Tensor&) { order.push_back(i); });
  }
  Tensor h = randn({2, 4}, gen);
  for (const Tensor& w : params) h = mm(h, w).clamp(0.0);
  h.sum().backward();
  EXPECT_EQ(order, (std::vector<int>{2, 1, 0}));
}

TEST(AutogradEngine, HooksOnlyOnLeaves) {
  Tensor x = tensor({1.}).requires_grad_();
  Tensor y = x * 2;
  ExpectThrowsWith([&] { y.register_grad_ready_hook([](const Tensor&) {}); }, "only leaf tensors");
}

TEST(AutogradEngine, UnusedInputGetsNoGradient) {
  Tensor x = tensor({1., 2.}).requires_grad_();
  Tensor z = tensor({5.}).requires_grad_();
  (x * 2).sum().backward();
  EXPECT_FALSE(z.grad().defined());
}

TEST(AutogradEngine, BroadcastGradientIsReducedToInputShape) {
  Tensor b = tensor({1., 2., 3.}, kFloat64).requires_grad_();  // [3] broadcast over rows
  Tensor x = ones({4, 3}, kFloat64);
  (x + b).sum().backward();
  EXPECT_TRUE(b.grad().equal(tensor({4., 4., 4.}, kFloat64)));
  Tensor c = tensor({{1.}, {2.}}, kFloat64).requires_grad_();  // [2, 1] over [2, 3]
  (ones({2, 3}, kFloat64) * c).sum().backward();
  EXPECT_EQ(c.grad().shape(), (Shape{2, 1}));
  EXPECT_TRUE(c.grad().equal(tensor({{3.}, {3.}}, kFloat64)));
}

TEST(AutogradEngine, GradientReachesFloat32LeafThroughFloat64Op) {
  Tensor x = tensor({1., 2.}).requires_grad_();  // float32
  (x.to(kFloat64) * tensor({3., 4.}, kFloat64)).sum().backward();
  EXPECT_EQ(x.grad().dtype(), kFloat32);
  EXPECT_TRUE(x.grad().equal(tensor({3., 4.})));
}

}  // namespace
}  // namespace concord
