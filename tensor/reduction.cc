// Reductions over all elements or one dim.
#include <cmath>
#include <limits>

#include "tensor/functions.h"
#include "tensor/ops/kernels.h"

namespace concord {
namespace {

using ops::ReduceOp;

constexpr std::string_view OpName(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum: return "sum";
    case ReduceOp::kMax: return "max";
    case ReduceOp::kMin: return "min";
    case ReduceOp::kArgMax: return "argmax";
    case ReduceOp::kArgMin: return "argmin";
  }
  return "reduce";
}

DType ResultType(ReduceOp op, DType in) {
  if (op == ReduceOp::kArgMax || op == ReduceOp::kArgMin) return kInt64;
  if (op == ReduceOp::kSum && !IsFloating(in)) return kInt64;
  return in;
}

// Reduces the last dim of `in` into a tensor of in.shape()[:-1].
Tensor ReduceLast(ReduceOp op, const Tensor& in) {
  Shape out_shape(in.shape().begin(), in.shape().end() - 1);
  Tensor out = empty(out_shape, TensorOptions(ResultType(op, in.dtype())).device(in.device()));
  if (in.shape().back() == 0) {
    TENSOR_CHECK(op == ReduceOp::kSum || out.numel() == 0, OpName(op),
                 ": expected a reduction dimension of non-zero size, got shape ", ShapeToString(in.shape()),
                 " (the operation has no identity)");
    out.zero_();
    return out;
  }
  ops::ReduceLastDim(op, out, in);
  return out;
}

Tensor ReduceAll(ReduceOp op, const Tensor& a) {
  TENSOR_CHECK(a.numel() > 0 || op == ReduceOp::kSum, OpName(op),
               ": expected a non-empty tensor (the operation has no identity), got shape ",
               ShapeToString(a.shape()));
  return ReduceLast(op, a.reshape({a.numel()}));
}

Tensor ReduceDim(ReduceOp op, const Tensor& a, int64_t dim, bool keepdim) {
  if (a.dim() == 0) {
    WrapDim(dim, 0, OpName(op));
    return ReduceAll(op, a);
  }
  dim = WrapDim(dim, a.dim(), OpName(op));
  std::vector<int64_t> order;
  for (int64_t d = 0; d < a.dim(); ++d) {
    if (d != dim) order.push_back(d);
  }
  order.push_back(dim);
  Tensor out = ReduceLast(op, a.permute(order));
  return keepdim ? out.unsqueeze(dim) : out;
}

void CheckNotBool(const Tensor& a, std::string_view name) {
  TENSOR_CHECK(a.dtype() != kBool, name, ": not implemented for bool tensors");
}

Tensor Mean(const Tensor& sum, int64_t count) {
  return sum / static_cast<double>(count);
}

void CheckMeanDType(const Tensor& a) {
  TENSOR_CHECK(IsFloating(a.dtype()), "mean: could not infer the output dtype; the input dtype must be "
               "floating point, got ", DTypeName(a.dtype()));
}

}  // namespace

Tensor sum(const Tensor& a) { return ReduceAll(ReduceOp::kSum, a); }
Tensor sum(const Tensor& a, int64_t dim, bool keepdim) { return ReduceDim(ReduceOp::kSum, a, dim, keepdim); }

Tensor mean(const Tensor& a) {
  CheckMeanDType(a);
  return Mean(sum(a), a.numel());
}

Tensor mean(const Tensor& a, int64_t dim, bool keepdim) {
  CheckMeanDType(a);
  Tensor s = sum(a, dim, keepdim);
  return Mean(s, a.dim() == 0 ? 1 : a.shape()[WrapDim(dim, a.dim(), "mean")]);
}

Tensor max(const Tensor& a) { CheckNotBool(a, "max"); return ReduceAll(ReduceOp::kMax, a); }
Tensor max(const Tensor& a, int64_t d, bool k) { CheckNotBool(a, "max"); return ReduceDim(ReduceOp::kMax, a, d, k); }
Tensor min(const Tensor& a) { CheckNotBool(a, "min"); return ReduceAll(ReduceOp::kMin, a); }
Tensor min(const Tensor& a, int64_t d, bool k) { CheckNotBool(a, "min"); return ReduceDim(ReduceOp::kMin, a, d, k); }
Tensor argmax(const Tensor& a) { CheckNotBool(a, "argmax"); return ReduceAll(ReduceOp::kArgMax, a); }
Tensor argmax(const Tensor& a, int64_t d, bool k) { CheckNotBool(a, "argmax"); return ReduceDim(ReduceOp::kArgMax, a, d, k); }
Tensor argmin(const Tensor& a) { CheckNotBool(a, "argmin"); return ReduceAll(ReduceOp::kArgMin, a); }
Tensor argmin(const Tensor& a, int64_t d, bool k) { CheckNotBool(a, "argmin"); return ReduceDim(ReduceOp::kArgMin, a, d, k); }

Tensor Tensor::sum() const { return concord::sum(*this); }
Tensor Tensor::sum(int64_t d, bool k) const { return concord::sum(*this, d, k); }
Tensor Tensor::mean() const { return concord::mean(*this); }
Tensor Tensor::mean(int64_t d, bool k) const { return concord::mean(*this, d, k); }
Tensor Tensor::max() const { return concord::max(*this); }
Tensor Tensor::max(int64_t d, bool k) const { return concord::max(*this, d, k); }
Tensor Tensor::min() const { return concord::min(*this); }
Tensor Tensor::min(int64_t d, bool k) const { return concord::min(*this, d, k); }
Tensor Tensor::argmax() const { return concord::argmax(*this); }
Tensor Tensor::argmax(int64_t d, bool k) const { return concord::argmax(*this, d, k); }
Tensor Tensor::argmin() const { return concord::argmin(*this); }
Tensor Tensor::argmin(int64_t d, bool k) const { return concord::argmin(*this, d, k); }

}  // namespace concord
