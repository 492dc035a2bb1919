// Reductions over all elements or one dim.
#include <cmath>
#include <limits>

#include "tensor/backward_util.h"
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
  if (op == ReduceOp::kSum && dim < a.dim() - 1 && a.is_contiguous() && a.shape()[dim] > 0) {
    // Rows summed into rows (the bias gradient's shape): contiguous and vectorised.
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < dim; ++d) outer *= a.shape()[d];
    for (int64_t d = dim + 1; d < a.dim(); ++d) inner *= a.shape()[d];
    Shape shape = a.shape();
    shape.erase(shape.begin() + dim);
    Tensor out = empty(shape, TensorOptions(ResultType(op, a.dtype())).device(a.device()));
    ops::SumMiddleDim(out, a, outer, a.shape()[dim], inner);
    return keepdim ? out.unsqueeze(dim) : out;
  }
  std::vector<int64_t> order;
  for (int64_t d = 0; d < a.dim(); ++d) {
    if (d != dim) order.push_back(d);
  }
  order.push_back(dim);
  Tensor out = ReduceLast(op, a.permute(order));
  return keepdim ? out.unsqueeze(dim) : out;
}

[[maybe_unused]] void CheckNotBool(const Tensor& a, std::string_view name) {
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

namespace internal {

Tensor SumTo(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  Tensor r = g;
  const int64_t lead = g.dim() - static_cast<int64_t>(shape.size());
  for (int64_t d = 0; d < lead; ++d) r = r.sum(0);
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    if (shape[d] == 1 && r.shape()[d] != 1) r = r.sum(d, /*keepdim=*/true);
  }
  return r;
}

Tensor GradFor(const Tensor& g, const InputInfo& input) {
  if (!input.needs_grad) return Tensor();
  return SumTo(g, input.shape).to(input.dtype);
}

}  // namespace internal

namespace {

// [1, ..., n, ..., 1] (n at dim): indices along dim, to compare with argmax results.
Tensor PositionsAlong(int64_t dim, int64_t ndim, int64_t n, Device device) {
  Shape shape(ndim, 1);
  shape[dim] = n;
  return arange(0, n, 1, TensorOptions(kInt64).device(device)).view(shape);
}

Tensor RecordSum(Tensor out, const Tensor& a, std::optional<int64_t> dim, bool keepdim) {
  if (autograd::NeedsGrad({&a})) {
    autograd::Record(out, "SumBackward", {a}, [shape = a.shape(), dtype = a.dtype(), dim, keepdim](const Tensor& g) {
      Tensor gk = g;
      if (dim && !keepdim && !shape.empty()) gk = g.unsqueeze(*dim);
      return std::vector<Tensor>{gk.to(dtype).expand(shape)};
    });
  }
  return out;
}

// max/min over everything: the gradient is shared evenly by the elements equal to the result.
Tensor RecordExtremumAll(Tensor out, const Tensor& a, std::string_view name) {
  if (autograd::NeedsGrad({&a})) {
    autograd::Record(out, name, {a}, [x = a.detach(), y = out.detach()](const Tensor& g) {
      Tensor mask = eq(x, y).to(x.dtype());
      return std::vector<Tensor>{mask * (g / mask.sum())};
    });
  }
  return out;
}

// max/min over a dim: the gradient goes to the element the result was taken from.
Tensor RecordExtremumDim(Tensor out, const Tensor& a, int64_t dim, bool keepdim, ReduceOp arg, std::string_view name) {
  if (autograd::NeedsGrad({&a}) && a.dim() > 0) {
    dim = WrapDim(dim, a.dim(), name);
    Tensor index = ReduceDim(arg, a, dim, /*keepdim=*/true);
    autograd::Record(out, name, {a}, [index, dim, keepdim, shape = a.shape()](const Tensor& g) {
      Tensor gk = keepdim ? g : g.unsqueeze(dim);
      Tensor positions = PositionsAlong(dim, static_cast<int64_t>(shape.size()), shape[dim], g.device());
      Tensor mask = eq(positions, index).to(g.dtype());
      return std::vector<Tensor>{gk * mask};
    });
  }
  return out;
}

}  // namespace

Tensor sum(const Tensor& a) {
  Tensor out;
  {
    autograd::NoGradGuard internal;
    out = ReduceAll(ReduceOp::kSum, a);
  }
  return RecordSum(out, a, std::nullopt, false);
}

Tensor sum(const Tensor& a, int64_t dim, bool keepdim) {
  Tensor out;
  {
    autograd::NoGradGuard internal;
    out = ReduceDim(ReduceOp::kSum, a, dim, keepdim);
  }
  return RecordSum(out, a, a.dim() == 0 ? std::nullopt : std::optional<int64_t>(WrapDim(dim, a.dim(), "sum")), keepdim);
}

Tensor mean(const Tensor& a) {
  CheckMeanDType(a);
  return Mean(sum(a), a.numel());
}

Tensor mean(const Tensor& a, int64_t dim, bool keepdim) {
  CheckMeanDType(a);
  const int64_t d = WrapDim(dim, a.dim(), "mean");
  return Mean(sum(a, d, keepdim), a.dim() == 0 ? 1 : a.shape()[d]);
}

namespace {
Tensor ExtremumAll(ReduceOp op, const Tensor& a) {
  CheckNotBool(a, OpName(op));
  Tensor out;
  {
    autograd::NoGradGuard internal;
    out = ReduceAll(op, a);
  }
  return RecordExtremumAll(out, a, op == ReduceOp::kMax ? "MaxBackward" : "MinBackward");
}

Tensor ExtremumDim(ReduceOp op, const Tensor& a, int64_t dim, bool keepdim) {
  CheckNotBool(a, OpName(op));
  Tensor out;
  {
    autograd::NoGradGuard internal;
    out = ReduceDim(op, a, dim, keepdim);
  }
  bool is_max = op == ReduceOp::kMax;
  return RecordExtremumDim(out, a, dim, keepdim, is_max ? ReduceOp::kArgMax : ReduceOp::kArgMin,
                           is_max ? "MaxBackward" : "MinBackward");
}

Tensor Arg(ReduceOp op, const Tensor& a, std::optional<int64_t> dim, bool keepdim) {
  CheckNotBool(a, OpName(op));
  autograd::NoGradGuard internal;
  return dim ? ReduceDim(op, a, *dim, keepdim) : ReduceAll(op, a);
}
}  // namespace

Tensor max(const Tensor& a) { return ExtremumAll(ReduceOp::kMax, a); }
Tensor max(const Tensor& a, int64_t d, bool k) { return ExtremumDim(ReduceOp::kMax, a, d, k); }
Tensor min(const Tensor& a) { return ExtremumAll(ReduceOp::kMin, a); }
Tensor min(const Tensor& a, int64_t d, bool k) { return ExtremumDim(ReduceOp::kMin, a, d, k); }
Tensor argmax(const Tensor& a) { return Arg(ReduceOp::kArgMax, a, std::nullopt, false); }
Tensor argmax(const Tensor& a, int64_t d, bool k) { return Arg(ReduceOp::kArgMax, a, d, k); }
Tensor argmin(const Tensor& a) { return Arg(ReduceOp::kArgMin, a, std::nullopt, false); }
Tensor argmin(const Tensor& a, int64_t d, bool k) { return Arg(ReduceOp::kArgMin, a, d, k); }

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
