#include "tensor/nn/loss.h"

#include "tensor/autograd/graph.h"
#include "tensor/nn/activation.h"
#include "tensor/ops/kernels.h"

namespace concord::nn {
namespace {

void CheckSameShape(std::string_view op, const Tensor& y, const Tensor& t) {
  TENSOR_CHECK(y.shape() == t.shape(), op, ": prediction ", ShapeToString(y.shape()), " and target ",
               ShapeToString(t.shape()), " must have the same shape");
}

// Cross-entropy with integer labels through the fused kernels: one pass for log_softmax and
// the per-row losses, one for the gradient (softmax - one_hot) / d.
Tensor LabelCrossEntropy(const Tensor& logits, const Tensor& labels, double d) {
  Tensor x = logits.detach().contiguous();
  Tensor logp = empty_like(x);
  Tensor loss_rows = empty({x.shape()[0]}, TensorOptions(x.dtype()).device(x.device()));
  ops::CrossEntropyForward(logp, loss_rows, x, labels);
  Tensor loss;
  {
    autograd::NoGradGuard no_grad;
    loss = loss_rows.sum() / d;
  }
  if (autograd::NeedsGrad({&logits})) {
    autograd::Record(loss, "CrossEntropyBackward", {logits}, [logp, labels, d](const Tensor& g) {
      Tensor grad = empty_like(logp);
      ops::CrossEntropyBackward(grad, logp, labels, g, 1 / d);
      return std::vector<Tensor>{grad};
    });
  }
  return loss;
}

}  // namespace

Tensor sum_squares_error(const Tensor& y, const Tensor& t) {
  CheckSameShape("sum_squares_error", y, t);
  Tensor d = y - t;
  return (d * d).sum() * 0.5;
}

Tensor mse(const Tensor& y, const Tensor& t) {
  CheckSameShape("mse", y, t);
  Tensor d = y - t;
  return (d * d).mean();
}

Tensor one_hot(const Tensor& labels, int64_t classes, DType dtype) {
  TENSOR_CHECK(labels.dtype() == kInt64 && labels.dim() == 1, "one_hot: expected 1-D int64 labels, got ",
               DTypeName(labels.dtype()), " ", ShapeToString(labels.shape()));
  TENSOR_CHECK(IsFloating(dtype), "one_hot: expected a floating dtype, got ", DTypeName(dtype));
  Tensor out = empty({labels.numel(), classes}, TensorOptions(dtype).device(labels.device()));
  ops::OneHot(out, labels.contiguous());
  return out;
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, std::optional<double> divisor) {
  TENSOR_CHECK(logits.dim() == 2, "cross_entropy: expected logits [N, C], got ", ShapeToString(logits.shape()));
  TENSOR_CHECK(IsFloating(logits.dtype()), "cross_entropy: logits must be floating point, got ",
               DTypeName(logits.dtype()));
  const int64_t n = logits.shape()[0];
  const double d = divisor.value_or(static_cast<double>(n));
  TENSOR_CHECK(d > 0, "cross_entropy: divisor must be positive, got ", d);
  if (target.dtype() == kInt64) {
    TENSOR_CHECK(target.dim() == 1 && target.shape()[0] == n, "cross_entropy: expected labels [", n,
                 "] for logits ", ShapeToString(logits.shape()), ", got ", ShapeToString(target.shape()));
    TENSOR_CHECK(target.device() == logits.device(), "cross_entropy: expected labels on ",
                 logits.device().ToString(), ", got them on ", target.device().ToString());
    return LabelCrossEntropy(logits, target.contiguous(), d);
  }
  CheckSameShape("cross_entropy", logits, target);
  Tensor t = target.to(logits.dtype());  // [N, C] target distribution
  Tensor logp;
  {
    autograd::NoGradGuard fused;  // one node below instead of the graph of log_softmax
    logp = log_softmax(logits, 1);
  }
  Tensor loss = -(logp * t).sum() / d;
  if (autograd::NeedsGrad({&logits})) {
    // d loss / d logits = (softmax(logits) * sum_c t - t) / d; sum_c t = 1 for one-hot rows.
    autograd::Record(loss, "CrossEntropyBackward", {logits}, [logp, t, d](const Tensor& g) {
      Tensor grad = (exp(logp) * t.sum(1, true) - t) * (g / d);
      return std::vector<Tensor>{grad};
    });
  }
  return loss;
}

Tensor cross_entropy_error(const Tensor& y, const Tensor& t) {
  Tensor y2 = y.dim() == 1 ? y.unsqueeze(0) : y;
  Tensor t2 = t;
  if (t.dtype() == kInt64) {
    t2 = one_hot(t.dim() == 0 ? t.unsqueeze(0) : t, y2.shape()[1], y.dtype());
  } else if (t.dim() == 1) {
    t2 = t.unsqueeze(0);
  }
  CheckSameShape("cross_entropy_error", y2, t2);
  const double batch = static_cast<double>(y2.shape()[0]);
  return -(t2 * log(y2 + 1e-7)).sum() / batch;
}

}  // namespace concord::nn
