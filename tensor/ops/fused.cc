// Indexing and the fused training kernels (one-hot, cross-entropy, SGD) on the CPU, and their
// dispatch to CUDA.
#include <cmath>
#include <cstring>
#include <type_traits>

#include "tensor/ops/cuda_ops.h"
#include "tensor/ops/kernels.h"

namespace concord::ops {
namespace {

void CheckLabel(int64_t label, int64_t row, int64_t classes) {
  TENSOR_CHECK(label >= 0 && label < classes, "cross_entropy: label ", label, " at index ", row,
               " is outside [0, ", classes, ")");
}

}  // namespace

void IndexSelect(const Tensor& out, const Tensor& in, const Tensor& index, int64_t outer, int64_t n,
                 int64_t inner) {
  if (cuda_ops::CommonDevice("index_select", {&out, &in, &index}).is_cuda()) {
    return cuda_ops::IndexSelect(out, in, index, outer, n, inner);
  }
  const int64_t k = index.numel();
  const int64_t* ids = index.data<int64_t>();
  const size_t row = static_cast<size_t>(inner) * ElementSize(in.dtype());
  const char* src = static_cast<const char*>(in.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < k; ++j) {
      std::memcpy(dst + (o * k + j) * row, src + (o * n + ids[j]) * row, row);
    }
  }
}

void OneHot(const Tensor& out, const Tensor& labels) {
  if (cuda_ops::CommonDevice("one_hot", {&out, &labels}).is_cuda()) return cuda_ops::OneHot(out, labels);
  const int64_t rows = out.shape()[0], classes = out.shape()[1];
  const int64_t* l = labels.data<int64_t>();
  DispatchFloating(out.dtype(), [&]<typename T>() {
    T* o = out.data<T>();
    std::fill(o, o + rows * classes, T(0));
    for (int64_t r = 0; r < rows; ++r) {
      TENSOR_CHECK(l[r] >= 0 && l[r] < classes, "one_hot: label ", l[r], " at index ", r, " is outside [0, ",
                   classes, ")");
      o[r * classes + l[r]] = 1;
    }
  });
}

void CrossEntropyForward(const Tensor& logp, const Tensor& loss_rows, const Tensor& logits, const Tensor& labels) {
  if (cuda_ops::CommonDevice("cross_entropy", {&logp, &loss_rows, &logits, &labels}).is_cuda()) {
    return cuda_ops::CrossEntropyForward(logp, loss_rows, logits, labels);
  }
  const int64_t rows = logits.shape()[0], classes = logits.shape()[1];
  const int64_t* l = labels.data<int64_t>();
  DispatchFloating(logits.dtype(), [&]<typename T>() {
    const T* x = logits.data<T>();
    T* lp = logp.data<T>();
    T* loss = loss_rows.data<T>();
    for (int64_t r = 0; r < rows; ++r) {
      CheckLabel(l[r], r, classes);
      const T* xr = x + r * classes;
      T* lr = lp + r * classes;
      T max = xr[0];
      for (int64_t c = 1; c < classes; ++c) max = std::isnan(xr[c]) || xr[c] > max ? xr[c] : max;
      // x - max is exact for the large logits; the sum accumulates in double.
      double sum = 0;
      for (int64_t c = 0; c < classes; ++c) sum += std::exp(static_cast<double>(xr[c] - max));
      const T log_sum = static_cast<T>(std::log(sum));
      for (int64_t c = 0; c < classes; ++c) lr[c] = (xr[c] - max) - log_sum;
      loss[r] = -lr[l[r]];
    }
  });
}

void CrossEntropyBackward(const Tensor& grad, const Tensor& logp, const Tensor& labels, const Tensor& upstream,
                          double scale) {
  if (cuda_ops::CommonDevice("cross_entropy backward", {&grad, &logp, &labels, &upstream}).is_cuda()) {
    return cuda_ops::CrossEntropyBackward(grad, logp, labels, upstream, scale);
  }
  const int64_t rows = logp.shape()[0], classes = logp.shape()[1];
  const int64_t* l = labels.data<int64_t>();
  DispatchFloating(logp.dtype(), [&]<typename T>() {
    const T s = static_cast<T>(upstream.item<double>() * scale);
    const T* lp = logp.data<T>();
    T* g = grad.data<T>();
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < classes; ++c) g[r * classes + c] = std::exp(lp[r * classes + c]) * s;
      g[r * classes + l[r]] -= s;
    }
  });
}

void SgdStep(const Tensor& param, const Tensor& grad, const Tensor& buffer, double lr, double momentum,
             double dampening, double weight_decay, bool nesterov, bool first_step) {
  if (cuda_ops::CommonDevice("sgd", {&param, &grad, &buffer}).is_cuda()) {
    return cuda_ops::SgdStep(param, grad, buffer, lr, momentum, dampening, weight_decay, nesterov, first_step);
  }
  DispatchFloating(param.dtype(), [&]<typename T>() {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* b = buffer.defined() ? buffer.data<T>() : nullptr;
    const T wd = static_cast<T>(weight_decay), m = static_cast<T>(momentum);
    const T keep = static_cast<T>(1 - dampening), step = static_cast<T>(lr);
    const int64_t n = param.numel();
    if (weight_decay == 0 && momentum == 0) {
      for (int64_t i = 0; i < n; ++i) p[i] = p[i] - step * g[i];
      return;
    }
    for (int64_t i = 0; i < n; ++i) {
      T d = g[i];
      if (weight_decay != 0) d = d + p[i] * wd;
      if (momentum != 0) {
        b[i] = first_step ? d : b[i] * m + keep * d;
        d = nesterov ? d + b[i] * m : b[i];
      }
      p[i] = p[i] - step * d;
    }
  });
}

}  // namespace concord::ops
