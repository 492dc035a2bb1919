// Elementwise ops: argument checks, dtype promotion and broadcasting, then the CPU kernels.
#include "absl/strings/str_cat.h"
#include "tensor/functions.h"
#include "tensor/ops/kernels.h"

namespace concord {
namespace {

using ops::BinaryOp;

constexpr std::string_view OpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: return "add";
    case BinaryOp::kSub: return "sub";
    case BinaryOp::kMul: return "mul";
    case BinaryOp::kDiv: return "div";
    case BinaryOp::kPow: return "pow";
    case BinaryOp::kMax: return "maximum";
    case BinaryOp::kMin: return "minimum";
    case BinaryOp::kEq: return "eq";
    case BinaryOp::kNe: return "ne";
    case BinaryOp::kLt: return "lt";
    case BinaryOp::kLe: return "le";
    case BinaryOp::kGt: return "gt";
    case BinaryOp::kGe: return "ge";
  }
  return "binary";
}

bool IsComparison(BinaryOp op) { return op >= BinaryOp::kEq; }

// The dtype the kernel computes in. Arithmetic on two bools computes in int64, and true
// division of integers in float32, as torch.div does.
DType ComputeType(BinaryOp op, DType a, DType b) {
  DType t = PromoteTypes(a, b);
  if (op == BinaryOp::kDiv && !IsFloating(t)) return kFloat32;
  if (t == kBool && (op == BinaryOp::kAdd || op == BinaryOp::kSub || op == BinaryOp::kMul ||
                     op == BinaryOp::kPow)) {
    return kInt64;
  }
  return t;
}

DType ResultType(BinaryOp op, DType a, DType b) {
  return IsComparison(op) ? kBool : ComputeType(op, a, b);
}

// The dtype of a 0-dim tensor standing for a Scalar next to a tensor of dtype t: a scalar
// only changes the result's category (integral -> floating), never its width (PyTorch).
DType ScalarTensorType(DType t, const Scalar& s) {
  if (!s.is_integral() && !IsFloating(t)) return kFloat32;
  if (s.is_integral() && t == kBool) return kInt64;
  return t;
}

// May a result of dtype `from` be written into a tensor of dtype `to`? (torch.can_cast)
bool CanCast(DType from, DType to) {
  if (IsFloating(from) && !IsFloating(to)) return false;
  if (from != kBool && to == kBool) return false;
  return true;
}

// out = a (op) b into an existing `out` of the broadcast shape.
void RunBinary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out, Scalar alpha = 1) {
  DType compute = ComputeType(op, a.dtype(), b.dtype());
  Tensor ca = a.to(compute).expand(out.shape());
  Tensor cb = b.to(compute).expand(out.shape());
  ops::Binary(op, out, ca, cb, alpha);
}

Tensor Binary(BinaryOp op, const Tensor& a, const Tensor& b, Scalar alpha = 1) {
  Shape shape = BroadcastShapes(a.shape(), b.shape(), OpName(op));
  Tensor out = empty(shape, TensorOptions(ResultType(op, a.dtype(), b.dtype())).device(a.device()));
  RunBinary(op, a, b, out, alpha);
  return out;
}

Tensor& BinaryOut(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  std::string_view name = OpName(op);
  Shape shape = BroadcastShapes(a.shape(), b.shape(), name);
  DType dtype = ResultType(op, a.dtype(), b.dtype());
  TENSOR_CHECK(out.defined(), name, ": the out= tensor is undefined");
  TENSOR_CHECK(out.shape() == shape, name, ": out= has shape ", ShapeToString(out.shape()),
               " but the result has shape ", ShapeToString(shape));
  TENSOR_CHECK(out.dtype() == dtype, name, ": out= has dtype ", DTypeName(out.dtype()),
               " but the result has dtype ", DTypeName(dtype));
  RunBinary(op, a, b, out);
  return out;
}

// self = self (op) other, in self's dtype and shape.
Tensor& BinaryInPlace(BinaryOp op, Tensor& self, const Tensor& other, Scalar alpha = 1) {
  std::string_view name = OpName(op);
  Shape shape = BroadcastShapes(self.shape(), other.shape(), name);
  TENSOR_CHECK(shape == self.shape(), name, "_: output with shape ", ShapeToString(self.shape()),
               " doesn't match the broadcast shape ", ShapeToString(shape));
  DType result = ResultType(op, self.dtype(), other.dtype());
  TENSOR_CHECK(CanCast(result, self.dtype()), name, "_: result type ", DTypeName(result),
               " can't be cast to the desired output type ", DTypeName(self.dtype()));
  if (ComputeType(op, self.dtype(), other.dtype()) == self.dtype()) {
    ops::Binary(op, self, self, other.to(self.dtype()).expand(shape), alpha);
  } else {
    self.copy_(Binary(op, self, other, alpha));
  }
  return self;
}

Tensor ScalarFor(const Tensor& t, const Scalar& s) {
  return scalar_tensor(s, TensorOptions(ScalarTensorType(t.dtype(), s)).device(t.device()));
}

Tensor Unary(ops::UnaryOp op, std::string_view name, const Tensor& a, bool to_floating) {
  TENSOR_CHECK(a.dtype() != kBool, name, ": not implemented for bool tensors");
  DType dtype = to_floating && !IsFloating(a.dtype()) ? kFloat32 : a.dtype();
  Tensor in = a.to(dtype);
  Tensor out = empty(a.shape(), TensorOptions(dtype).device(a.device()));
  ops::Unary(op, out, in);
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b, Scalar alpha) { return Binary(BinaryOp::kAdd, a, b, alpha); }
Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha) { return Binary(BinaryOp::kSub, a, b, alpha); }
Tensor mul(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kMul, a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kDiv, a, b); }
Tensor pow(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kPow, a, b); }
Tensor pow(const Tensor& a, Scalar e) { return Binary(BinaryOp::kPow, a, ScalarFor(a, e)); }
Tensor maximum(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kMax, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kMin, a, b); }
Tensor& add(const Tensor& a, const Tensor& b, Tensor& out) { return BinaryOut(BinaryOp::kAdd, a, b, out); }
Tensor& sub(const Tensor& a, const Tensor& b, Tensor& out) { return BinaryOut(BinaryOp::kSub, a, b, out); }
Tensor& mul(const Tensor& a, const Tensor& b, Tensor& out) { return BinaryOut(BinaryOp::kMul, a, b, out); }
Tensor& div(const Tensor& a, const Tensor& b, Tensor& out) { return BinaryOut(BinaryOp::kDiv, a, b, out); }
Tensor& pow(const Tensor& a, const Tensor& b, Tensor& out) { return BinaryOut(BinaryOp::kPow, a, b, out); }
Tensor& maximum(const Tensor& a, const Tensor& b, Tensor& out) { return BinaryOut(BinaryOp::kMax, a, b, out); }
Tensor& minimum(const Tensor& a, const Tensor& b, Tensor& out) { return BinaryOut(BinaryOp::kMin, a, b, out); }
Tensor eq(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kEq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kNe, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kLt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kLe, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kGt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kGe, a, b); }
Tensor eq(const Tensor& a, Scalar b) { return eq(a, ScalarFor(a, b)); }
Tensor ne(const Tensor& a, Scalar b) { return ne(a, ScalarFor(a, b)); }
Tensor lt(const Tensor& a, Scalar b) { return lt(a, ScalarFor(a, b)); }
Tensor le(const Tensor& a, Scalar b) { return le(a, ScalarFor(a, b)); }
Tensor gt(const Tensor& a, Scalar b) { return gt(a, ScalarFor(a, b)); }
Tensor ge(const Tensor& a, Scalar b) { return ge(a, ScalarFor(a, b)); }

Tensor where(const Tensor& mask, const Tensor& a, const Tensor& b) {
  TENSOR_CHECK(mask.dtype() == kBool, "where: the condition must be a bool tensor, got ",
               DTypeName(mask.dtype()));
  Shape shape = BroadcastShapes(BroadcastShapes(mask.shape(), a.shape(), "where"), b.shape(), "where");
  DType dtype = PromoteTypes(a.dtype(), b.dtype());
  Tensor out = empty(shape, TensorOptions(dtype).device(a.device()));
  ops::Where(out, mask.expand(shape), a.to(dtype).expand(shape), b.to(dtype).expand(shape));
  return out;
}

Tensor neg(const Tensor& a) { return Unary(ops::UnaryOp::kNeg, "neg", a, false); }
Tensor abs(const Tensor& a) { return Unary(ops::UnaryOp::kAbs, "abs", a, false); }
Tensor exp(const Tensor& a) { return Unary(ops::UnaryOp::kExp, "exp", a, true); }
Tensor log(const Tensor& a) { return Unary(ops::UnaryOp::kLog, "log", a, true); }
Tensor sqrt(const Tensor& a) { return Unary(ops::UnaryOp::kSqrt, "sqrt", a, true); }

Tensor clamp(const Tensor& a, std::optional<Scalar> min, std::optional<Scalar> max) {
  TENSOR_CHECK(min.has_value() || max.has_value(), "clamp: at least one of min or max must be given");
  TENSOR_CHECK(a.dtype() != kBool, "clamp: not implemented for bool tensors");
  bool float_bound = (min && !min->is_integral()) || (max && !max->is_integral());
  DType dtype = float_bound && !IsFloating(a.dtype()) ? kFloat32 : a.dtype();
  Tensor out = empty(a.shape(), TensorOptions(dtype).device(a.device()));
  ops::Clamp(out, a.to(dtype), min, max);
  return out;
}

// ---- Tensor methods -----------------------------------------------------------------------
Tensor Tensor::add(const Tensor& o, Scalar alpha) const { return concord::add(*this, o, alpha); }
Tensor Tensor::sub(const Tensor& o, Scalar alpha) const { return concord::sub(*this, o, alpha); }
Tensor Tensor::mul(const Tensor& o) const { return concord::mul(*this, o); }
Tensor Tensor::div(const Tensor& o) const { return concord::div(*this, o); }
Tensor Tensor::neg() const { return concord::neg(*this); }
Tensor Tensor::exp() const { return concord::exp(*this); }
Tensor Tensor::log() const { return concord::log(*this); }
Tensor Tensor::sqrt() const { return concord::sqrt(*this); }
Tensor Tensor::abs() const { return concord::abs(*this); }
Tensor Tensor::pow(Scalar e) const { return concord::pow(*this, e); }
Tensor Tensor::pow(const Tensor& e) const { return concord::pow(*this, e); }
Tensor Tensor::clamp(std::optional<Scalar> min, std::optional<Scalar> max) const {
  return concord::clamp(*this, min, max);
}

Tensor& Tensor::add_(const Tensor& o, Scalar alpha) { return BinaryInPlace(BinaryOp::kAdd, *this, o, alpha); }
Tensor& Tensor::add_(Scalar o) { return BinaryInPlace(BinaryOp::kAdd, *this, ScalarFor(*this, o)); }
Tensor& Tensor::sub_(const Tensor& o, Scalar alpha) { return BinaryInPlace(BinaryOp::kSub, *this, o, alpha); }
Tensor& Tensor::sub_(Scalar o) { return BinaryInPlace(BinaryOp::kSub, *this, ScalarFor(*this, o)); }
Tensor& Tensor::mul_(const Tensor& o) { return BinaryInPlace(BinaryOp::kMul, *this, o); }
Tensor& Tensor::mul_(Scalar o) { return BinaryInPlace(BinaryOp::kMul, *this, ScalarFor(*this, o)); }
Tensor& Tensor::div_(const Tensor& o) { return BinaryInPlace(BinaryOp::kDiv, *this, o); }
Tensor& Tensor::div_(Scalar o) { return BinaryInPlace(BinaryOp::kDiv, *this, ScalarFor(*this, o)); }

Tensor& Tensor::copy_(const Tensor& src) {
  Shape shape = BroadcastShapes(this->shape(), src.shape(), "copy_");
  TENSOR_CHECK(shape == this->shape(), "copy_: source of shape ", ShapeToString(src.shape()),
               " cannot be broadcast to the destination's shape ", ShapeToString(this->shape()));
  ops::CopyCast(*this, src.expand(this->shape()));
  return *this;
}

Tensor& Tensor::fill_(Scalar value) {
  ops::Fill(*this, value);
  return *this;
}

Tensor& Tensor::zero_() { return fill_(0); }

// ---- Operators ----------------------------------------------------------------------------
Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor operator+(const Tensor& a, Scalar b) { return add(a, ScalarFor(a, b)); }
Tensor operator-(const Tensor& a, Scalar b) { return sub(a, ScalarFor(a, b)); }
Tensor operator*(const Tensor& a, Scalar b) { return mul(a, ScalarFor(a, b)); }
Tensor operator/(const Tensor& a, Scalar b) { return div(a, ScalarFor(a, b)); }
Tensor operator+(Scalar a, const Tensor& b) { return add(ScalarFor(b, a), b); }
Tensor operator-(Scalar a, const Tensor& b) { return sub(ScalarFor(b, a), b); }
Tensor operator*(Scalar a, const Tensor& b) { return mul(ScalarFor(b, a), b); }
Tensor operator/(Scalar a, const Tensor& b) { return div(ScalarFor(b, a), b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator<(const Tensor& a, Scalar b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, Scalar b) { return le(a, b); }
Tensor operator>(const Tensor& a, Scalar b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, Scalar b) { return ge(a, b); }
Tensor& operator+=(Tensor& a, const Tensor& b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, const Tensor& b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, const Tensor& b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, const Tensor& b) { return a.div_(b); }
Tensor& operator+=(Tensor& a, Scalar b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, Scalar b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, Scalar b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, Scalar b) { return a.div_(b); }

}  // namespace concord
