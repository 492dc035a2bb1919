// Note [Feature split]
// With h hidden units split over n lanes, lane k owns rows [h*k/n, h*(k+1)/n) of W0 and b0
// and the same columns of W1. Its forward is
//   hidden_k  = act(x W0_k^T + b0_k)               [batch, h_k]
//   partial_k = hidden_k W1_k^T                     [batch, out1]
// and the second layer's output is sum_k partial_k + b1: the lanes meet at a barrier, and
// every lane sums the partials in lane order, so all hold the same bits. That sum is a leaf
// of each lane's graph; every lane runs the rest of the network and the loss on it and
// backpropagates to it, which gives each lane d(loss)/d(sum), the gradient its own partial
// product's backward starts from. The gradients of W0_k, b0_k and W1_k then depend on this
// lane's units only and need no sum across lanes; those of b1 and the later layers are the
// same on every lane, and lane 0's are kept (the other lanes' graphs do not compute them).
//
// So a lane reads and writes the same slices of W0 and its gradient (the larger part of the
// weights) in forward, backward and the optimizer update, and the lanes exchange only the
// [batch, out1] partials. Each lane gathers the whole batch itself: the input is read by every
// lane's first GEMM, and a gather is cheap beside it. The result differs from one backward
// on one thread by float rounding only (the second layer's sum over hidden units is taken in
// n pieces), and a run is as repeatable as with one lane.
#include "worker/feature_split.h"

#include <utility>

#include "tensor/autograd/graph.h"
#include "tensor/error.h"
#include "tensor/nn/loss.h"

namespace concord {
namespace {

Tensor& GradOf(const Tensor& param) { return param.autograd_meta()->grad; }

// A leaf of a lane's graph over param.narrow(dim, begin, count). (Detached first: a view of the
// parameter itself would record a graph node on it, which the lanes must not do concurrently.)
// Its .grad is the same slice of the parameter's .grad, stale: backward writes the lane's
// gradient there, in place (straight from the GEMM for a weight's rows, Note [Gradient
// destinations]), so it needs no copy afterwards.
Tensor Leaf(const Tensor& param, int64_t dim, int64_t begin, int64_t count) {
  Tensor leaf = param.detach().narrow(dim, begin, count).requires_grad_();
  leaf.set_grad(GradOf(param).narrow(dim, begin, count));
  autograd::ZeroGrad({leaf});
  return leaf;
}

// ... over the whole parameter.
Tensor Leaf(const Tensor& param) { return Leaf(param, 0, 0, param.size(0)); }

}  // namespace

bool FeatureSplit::CanSplit(const std::vector<int64_t>& sizes, int lanes) {
  return sizes.size() >= 3 && sizes[1] >= lanes;
}

bool FeatureSplit::Suits(const std::vector<int64_t>& sizes, int lanes) {
  if (!CanSplit(sizes, lanes)) return false;
  int64_t first_two = 0, rest = 0;
  for (size_t i = 0; i + 1 < sizes.size(); ++i) (i < 2 ? first_two : rest) += sizes[i] * sizes[i + 1];
  return rest * 8 <= first_two + rest;
}

FeatureSplit::FeatureSplit(nn::Sequential& model, nn::Activation activation, int lanes)
    : params_(model.parameters()), activation_(activation), partial_(static_cast<size_t>(std::max(lanes, 1))),
      x_(partial_.size()), y_(partial_.size()), lanes_(static_cast<int>(partial_.size())) {
  TENSOR_CHECK(lanes >= 1, "FeatureSplit: expected at least one lane, got ", lanes);
  TENSOR_CHECK(params_.size() >= 4 && params_.size() % 2 == 0,
               "FeatureSplit: expected an MLP of at least two Linear layers (weight and bias each), got ",
               params_.size(), " parameters");
  for (size_t i = 0; i < params_.size(); i += 2) {
    const Tensor& w = params_[i];
    const Tensor& b = params_[i + 1];
    TENSOR_CHECK(w.dim() == 2 && b.dim() == 1 && b.size(0) == w.size(0) &&
                     (i == 0 || w.size(1) == params_[i - 2].size(0)),
                 "FeatureSplit: layer ", i / 2, " has weight ", ShapeToString(w.shape()), " and bias ",
                 ShapeToString(b.shape()), "; expected an MLP's [out, in] and [out], each layer taking the last one's output");
    TENSOR_CHECK(w.device().is_cpu() && b.device().is_cpu(), "FeatureSplit: layer ", i / 2, " is on ",
                 w.device().ToString(), "; the feature split runs on the CPU");
  }
  TENSOR_CHECK(params_[0].size(0) >= lanes, "FeatureSplit: the first layer's ", params_[0].size(0),
               " units cannot be split over ", lanes, " lanes");
  model.allocate_grads();
}

double FeatureSplit::ForwardBackward(const data::Dataset& data, std::span<const int64_t> indices,
                                     const data::Normalization& norm, double divisor, Then then) {
  divisor_ = divisor;
  return Run(
      static_cast<int64_t>(indices.size()),
      [&](int lane) {
        data.Gather(indices.data(), static_cast<int64_t>(indices.size()), norm, &x_[lane], &y_[lane]);
        return std::make_pair(x_[lane], y_[lane]);
      },
      then);
}

double FeatureSplit::ForwardBackward(const Tensor& x, const Tensor& y, double divisor, Then then) {
  CheckBatch("FeatureSplit", x, y);
  divisor_ = divisor;
  return Run(x.size(0), [&](int) { return std::make_pair(x, y); }, then);
}

double FeatureSplit::Run(int64_t n, absl::FunctionRef<std::pair<Tensor, Tensor>(int lane)> batch, Then then) {
  TENSOR_CHECK(n > 0, "FeatureSplit: expected a batch of at least one sample, got ", n);
  lanes_.Run([&](int lane) {
    const auto [x, y] = batch(lane);
    RunLane(lane, x, y);
    RunThen(then, lane);
  });
  for (const Tensor& p : params_) p.autograd_meta()->grad_is_zero = false;
  return loss_;
}

void FeatureSplit::RunLane(int lane, const Tensor& x, const Tensor& y) {
  const int n = size();
  const int64_t units = params_[0].size(0);
  const int64_t begin = units * lane / n, count = units * (lane + 1) / n - begin;
  // This lane's units: rows of W0 and b0, columns of W1.
  Tensor w0 = Leaf(params_[0], 0, begin, count);
  Tensor b0 = Leaf(params_[1], 0, begin, count);
  Tensor w1 = Leaf(params_[2], 1, begin, count);
  Tensor partial = mm(nn::Apply(activation_, linear(x, w0, b0)), w1.t());
  partial_[lane] = partial.detach();
  lanes_.Barrier();

  // The second layer's product, summed in lane order, as a leaf of this lane's graph.
  Tensor sum;
  {
    autograd::NoGradGuard no_grad;
    sum = n == 1 ? partial_[0].detach() : add(partial_[0], partial_[1]);
    for (int k = 2; k < n; ++k) sum.add_(partial_[k]);
  }
  sum.requires_grad_();
  // The rest of the network, alike on every lane; lane 0 keeps its parameters' gradients.
  const bool keep = lane == 0;
  std::vector<Tensor> rest;  // leaves over params_[3...]
  for (size_t i = 3; i < params_.size(); ++i) {
    rest.push_back(keep ? Leaf(params_[i]) : params_[i].detach());
  }
  Tensor z = sum + rest[0];
  for (size_t i = 1; i < rest.size(); i += 2) z = linear(nn::Apply(activation_, z), rest[i], rest[i + 1]);
  Tensor loss = nn::cross_entropy(z, y, divisor_);
  loss.backward();
  partial.backward(sum.grad());

  // The gradients are in the parameters' .grad now (see Leaf); grad() fills the zeros of one
  // that got none.
  for (const Tensor& leaf : {w0, b0, w1}) leaf.grad();
  if (keep) {
    for (const Tensor& leaf : rest) leaf.grad();
    loss_ = loss.item();
  }
}

}  // namespace concord
