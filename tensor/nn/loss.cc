#include "tensor/nn/loss.h"

#include "tensor/autograd/graph.h"
#include "tensor/nn/activation.h"

namespace concord::nn {
namespace {

void CheckSameShape(std::string_view op, const Tensor& y, const Tensor& t) {
  TENSOR_CHECK(y.shape() == t.shape(), op, ": prediction ", ShapeToString(y.shape()), " and target ",
               ShapeToString(t.shape()), " must have the same shape");
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
  Tensor out = zeros({labels.numel(), classes}, dtype);
  Tensor l = labels.contiguous();
  const int64_t* p = l.data<int64_t>();
  DispatchFloating(dtype, [&]<typename T>() {
    T* o = out.data<T>();
    for (int64_t i = 0; i < l.numel(); ++i) {
      TENSOR_CHECK(p[i] >= 0 && p[i] < classes, "one_hot: label ", p[i], " at index ", i, " is outside [0, ",
                   classes, ")");
      o[i * classes + p[i]] = 1;
    }
  });
  return out;
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, std::optional<double> divisor) {
  TENSOR_CHECK(logits.dim() == 2, "cross_entropy: expected logits [N, C], got ", ShapeToString(logits.shape()));
  TENSOR_CHECK(IsFloating(logits.dtype()), "cross_entropy: logits must be floating point, got ",
               DTypeName(logits.dtype()));
  const int64_t n = logits.shape()[0], c = logits.shape()[1];
  Tensor t;  // [N, C] target distribution
  if (target.dtype() == kInt64) {
    TENSOR_CHECK(target.dim() == 1 && target.shape()[0] == n, "cross_entropy: expected labels [", n,
                 "] for logits ", ShapeToString(logits.shape()), ", got ", ShapeToString(target.shape()));
    t = one_hot(target, c, logits.dtype());
  } else {
    CheckSameShape("cross_entropy", logits, target);
    t = target.to(logits.dtype());
  }
  const double d = divisor.value_or(static_cast<double>(n));
  TENSOR_CHECK(d > 0, "cross_entropy: divisor must be positive, got ", d);
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
