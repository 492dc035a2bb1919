// Elementwise ops: argument checks, dtype promotion and broadcasting, then the CPU kernels.
#include "absl/strings/str_cat.h"
#include "tensor/backward_util.h"
#include "tensor/functions.h"
#include "tensor/ops/kernels.h"

namespace concord {
namespace {

using autograd::NeedsGrad;
using autograd::Record;
using internal::GradFor;
using internal::Info;
using ops::BinaryOp;
using Grads = std::vector<Tensor>;

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

// The dtype the kernel computes in. Arithmetic on two bools computes in int64 (add and mul
// then give bool again: logical or / and, as in PyTorch), and true division of integers in
// float32, as torch.div does.
DType ComputeType(BinaryOp op, DType a, DType b) {
  DType t = PromoteTypes(a, b);
  if (op == BinaryOp::kDiv && !IsFloating(t)) return kFloat32;
  if (t == kBool && (op == BinaryOp::kAdd || op == BinaryOp::kSub || op == BinaryOp::kMul ||
                     op == BinaryOp::kPow)) {
    TENSOR_CHECK(op != BinaryOp::kSub, "sub: subtraction of two bool tensors is not supported; convert them to "
                 "int64 first");
    return kInt64;
  }
  return t;
}

DType ResultType(BinaryOp op, DType a, DType b) {
  if (IsComparison(op)) return kBool;
  if (a == kBool && b == kBool && (op == BinaryOp::kAdd || op == BinaryOp::kMul)) return kBool;
  return ComputeType(op, a, b);
}

// True if a and b are different views whose memory intersects: an elementwise kernel
// writing one while reading the other could read what it already wrote.
bool PartiallyOverlaps(const Tensor& a, const Tensor& b) {
  if (!a.shares_storage(b) || a.numel() == 0 || b.numel() == 0) return false;
  if (a.storage_offset() == b.storage_offset() && a.strides() == b.strides() && a.shape() == b.shape() &&
      a.dtype() == b.dtype()) {
    return false;  // the same view: each element is read before it is written
  }
  auto range = [](const Tensor& t) {
    int64_t size = static_cast<int64_t>(ElementSize(t.dtype()));
    int64_t first = t.storage_offset() * size, last = first;
    for (int64_t d = 0; d < t.dim(); ++d) last += (t.shape()[d] - 1) * t.strides()[d] * size;
    return std::pair<int64_t, int64_t>(first, last + size);
  };
  auto [a0, a1] = range(a);
  auto [b0, b1] = range(b);
  return a0 < b1 && b0 < a1;
}

// A private copy of `in` when it partially overlaps `out`, else `in` itself.
Tensor Unaliased(const Tensor& in, const Tensor& out) {
  return PartiallyOverlaps(in, out) ? ops::CastCopy(in, in.dtype()) : in;
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

// t in dtype, broadcast to shape, without recording anything (kernel operands only).
Tensor Operand(const Tensor& t, DType dtype, const Shape& shape) {
  Tensor c = t.dtype() == dtype ? t : ops::CastCopy(t, dtype);
  return c.shape() == shape ? c : ops::BroadcastView(c, shape);
}

// out = a (op) b into an existing `out` of the broadcast shape.
void RunBinary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out, Scalar alpha = 1) {
  DType compute = ComputeType(op, a.dtype(), b.dtype());
  Tensor x = Operand(Unaliased(a, out), compute, out.shape());
  Tensor y = Operand(Unaliased(b, out), compute, out.shape());
  if (IsComparison(op) || out.dtype() == compute) {
    ops::Binary(op, out, x, y, alpha);
  } else {  // bool + bool: computed in int64, stored as bool
    Tensor wide = ops::NewTensor(out.shape(), compute, out.device());
    ops::Binary(op, wide, x, y, alpha);
    ops::CopyCast(out, wide);
  }
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
  TENSOR_CHECK(!NeedsGrad({&a, &b, &out}), name, ": out= forms don't support automatic differentiation, "
               "but one of the arguments requires grad");
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
  autograd::CheckInPlace(self, name);
  Shape shape = BroadcastShapes(self.shape(), other.shape(), name);
  TENSOR_CHECK(shape == self.shape(), name, "_: output with shape ", ShapeToString(self.shape()),
               " doesn't match the broadcast shape ", ShapeToString(shape));
  DType result = ResultType(op, self.dtype(), other.dtype());
  TENSOR_CHECK(CanCast(result, self.dtype()), name, "_: result type ", DTypeName(result),
               " can't be cast to the desired output type ", DTypeName(self.dtype()));
  if (ComputeType(op, self.dtype(), other.dtype()) == self.dtype()) {
    ops::Binary(op, self, self, Operand(Unaliased(other, self), self.dtype(), shape), alpha);
  } else {
    self.copy_(Binary(op, self, other, alpha));
  }
  return self;
}

Tensor ScalarFor(const Tensor& t, const Scalar& s) {
  return scalar_tensor(s, TensorOptions(ScalarTensorType(t.dtype(), s)).device(t.device()));
}

Tensor Unary(ops::UnaryOp op, std::string_view name, const Tensor& a, bool to_floating) {
  TENSOR_CHECK(to_floating || a.dtype() != kBool, name, ": not implemented for bool tensors");
  DType dtype = to_floating && !IsFloating(a.dtype()) ? kFloat32 : a.dtype();
  Tensor out = empty(a.shape(), TensorOptions(dtype).device(a.device()));
  ops::Unary(op, out, Operand(a, dtype, a.shape()));
  return out;
}

// Records out = f(a) with d out / d a given by derivative(a, out) (detached).
template <typename Derivative>
Tensor RecordUnary(Tensor out, std::string_view name, const Tensor& a, Derivative derivative) {
  if (NeedsGrad({&a})) {
    Record(out, name, {a}, [x = a.detach(), y = out.detach(), derivative, info = Info(a)](const Tensor& g) {
      return Grads{GradFor(g * derivative(x, y), info)};
    });
  }
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b, Scalar alpha) {
  Tensor out = Binary(BinaryOp::kAdd, a, b, alpha);
  if (NeedsGrad({&a, &b})) {
    Record(out, "AddBackward", {a, b}, [ia = Info(a), ib = Info(b), alpha](const Tensor& g) {
      return Grads{GradFor(g, ia), GradFor(alpha.to_double() == 1 ? g : g * alpha, ib)};
    });
  }
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha) {
  Tensor out = Binary(BinaryOp::kSub, a, b, alpha);
  if (NeedsGrad({&a, &b})) {
    Record(out, "SubBackward", {a, b}, [ia = Info(a), ib = Info(b), alpha](const Tensor& g) {
      return Grads{GradFor(g, ia), GradFor(g * -alpha.to_double(), ib)};
    });
  }
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = Binary(BinaryOp::kMul, a, b);
  if (NeedsGrad({&a, &b})) {
    Record(out, "MulBackward", {a, b}, [x = a.detach(), y = b.detach(), ia = Info(a), ib = Info(b)](const Tensor& g) {
      return Grads{ia.needs_grad ? GradFor(g * y, ia) : Tensor(), ib.needs_grad ? GradFor(g * x, ib) : Tensor()};
    });
  }
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = Binary(BinaryOp::kDiv, a, b);
  if (NeedsGrad({&a, &b})) {
    Record(out, "DivBackward", {a, b}, [x = a.detach(), y = b.detach(), ia = Info(a), ib = Info(b)](const Tensor& g) {
      return Grads{ia.needs_grad ? GradFor(g / y, ia) : Tensor(),
                   ib.needs_grad ? GradFor(-g * x / (y * y), ib) : Tensor()};
    });
  }
  return out;
}

Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor out = Binary(BinaryOp::kPow, a, b);
  if (NeedsGrad({&a, &b})) {
    Record(out, "PowBackward", {a, b},
           [x = a.detach(), y = b.detach(), z = out.detach(), ia = Info(a), ib = Info(b)](const Tensor& g) {
             // d/dx x^y = y x^(y-1);  d/dy x^y = x^y log x (0 where x = 0, as PyTorch).
             Tensor gb;
             if (ib.needs_grad) gb = GradFor(g * where(eq(x, 0), zeros_like(z), z * log(x)), ib);
             return Grads{ia.needs_grad ? GradFor(g * y * pow(x, y - 1), ia) : Tensor(), gb};
           });
  }
  return out;
}

Tensor pow(const Tensor& a, Scalar e) {
  Tensor out = Binary(BinaryOp::kPow, a, ScalarFor(a, e));
  return RecordUnary(out, "PowBackward", a, [e](const Tensor& x, const Tensor&) {
    return e.to_double() == 0 ? zeros_like(x) : pow(x, e.to_double() - 1) * e.to_double();
  });
}

namespace {
// maximum/minimum: the gradient goes to the chosen input, split evenly on ties (PyTorch).
Tensor Extremum(BinaryOp op, std::string_view name, const Tensor& a, const Tensor& b) {
  Tensor out = Binary(op, a, b);
  if (NeedsGrad({&a, &b})) {
    Record(out, name, {a, b}, [op, x = a.detach(), y = b.detach(), ia = Info(a), ib = Info(b)](const Tensor& g) {
      Tensor a_wins = (op == BinaryOp::kMax ? gt(x, y) : lt(x, y)).to(g.dtype());
      Tensor tie = eq(x, y).to(g.dtype()) * 0.5;
      Tensor share = a_wins + tie;
      return Grads{GradFor(g * share, ia), GradFor(g * (1.0 - share), ib)};
    });
  }
  return out;
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return Extremum(BinaryOp::kMax, "MaximumBackward", a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return Extremum(BinaryOp::kMin, "MinimumBackward", a, b); }
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
  ops::Where(out, Operand(mask, kBool, shape), Operand(a, dtype, shape), Operand(b, dtype, shape));
  if (NeedsGrad({&a, &b})) {
    Record(out, "WhereBackward", {a, b}, [m = mask.detach(), ia = Info(a), ib = Info(b)](const Tensor& g) {
      Tensor zero = zeros({}, TensorOptions(g.dtype()).device(g.device()));
      return Grads{ia.needs_grad ? GradFor(where(m, g, zero), ia) : Tensor(),
                   ib.needs_grad ? GradFor(where(m, zero, g), ib) : Tensor()};
    });
  }
  return out;
}

Tensor neg(const Tensor& a) {
  return RecordUnary(Unary(ops::UnaryOp::kNeg, "neg", a, false), "NegBackward", a,
                     [](const Tensor& x, const Tensor&) { return full_like(x, -1); });
}
Tensor abs(const Tensor& a) {
  // sign(x), with 0 at 0 as PyTorch.
  return RecordUnary(Unary(ops::UnaryOp::kAbs, "abs", a, false), "AbsBackward", a, [](const Tensor& x, const Tensor&) {
    return gt(x, 0).to(x.dtype()) - lt(x, 0).to(x.dtype());
  });
}
Tensor sigmoid(const Tensor& a) {
  // d/dx s = s (1 - s): finite everywhere, 0 where s saturates.
  return RecordUnary(Unary(ops::UnaryOp::kSigmoid, "sigmoid", a, true), "SigmoidBackward", a,
                     [](const Tensor&, const Tensor& y) { return y * (1.0 - y); });
}
Tensor tanh(const Tensor& a) {
  return RecordUnary(Unary(ops::UnaryOp::kTanh, "tanh", a, true), "TanhBackward", a,
                     [](const Tensor&, const Tensor& y) { return 1.0 - y * y; });
}
Tensor relu(const Tensor& a) {
  TENSOR_CHECK(a.dtype() != kBool, "relu: not implemented for bool tensors");
  Tensor out = empty(a.shape(), TensorOptions(a.dtype()).device(a.device()));
  ops::Unary(ops::UnaryOp::kRelu, out, a);
  if (NeedsGrad({&a})) {
    Record(out, "ReluBackward", {a}, [y = out.detach()](const Tensor& g) {
      Tensor grad = empty(g.shape(), TensorOptions(g.dtype()).device(g.device()));
      ops::ReluBackward(grad, g, ops::BroadcastView(y, g.shape()));
      return Grads{grad};
    });
  }
  return out;
}

Tensor exp(const Tensor& a) {
  return RecordUnary(Unary(ops::UnaryOp::kExp, "exp", a, true), "ExpBackward", a,
                     [](const Tensor&, const Tensor& y) { return y; });
}
Tensor log(const Tensor& a) {
  return RecordUnary(Unary(ops::UnaryOp::kLog, "log", a, true), "LogBackward", a,
                     [](const Tensor& x, const Tensor&) { return 1.0 / x; });
}
Tensor sqrt(const Tensor& a) {
  return RecordUnary(Unary(ops::UnaryOp::kSqrt, "sqrt", a, true), "SqrtBackward", a,
                     [](const Tensor&, const Tensor& y) { return 0.5 / y; });
}

Tensor clamp(const Tensor& a, std::optional<Scalar> min, std::optional<Scalar> max) {
  TENSOR_CHECK(min.has_value() || max.has_value(), "clamp: at least one of min or max must be given");
  TENSOR_CHECK(a.dtype() != kBool, "clamp: not implemented for bool tensors");
  bool float_bound = (min && !min->is_integral()) || (max && !max->is_integral());
  DType dtype = float_bound && !IsFloating(a.dtype()) ? kFloat32 : a.dtype();
  Tensor out = empty(a.shape(), TensorOptions(dtype).device(a.device()));
  ops::Clamp(out, Operand(a, dtype, a.shape()), min, max);
  // The gradient passes where min <= x <= max.
  return RecordUnary(out, "ClampBackward", a, [min, max](const Tensor& x, const Tensor&) {
    Tensor pass = ones_like(x, kBool);
    if (min) pass = mul(pass, ge(x, *min));
    if (max) pass = mul(pass, le(x, *max));
    return pass.to(x.dtype());
  });
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
  autograd::CheckInPlace(*this, "copy_");
  Shape shape = BroadcastShapes(this->shape(), src.shape(), "copy_");
  TENSOR_CHECK(shape == this->shape(), "copy_: source of shape ", ShapeToString(src.shape()),
               " cannot be broadcast to the destination's shape ", ShapeToString(this->shape()));
  ops::CopyCast(*this, ops::BroadcastView(Unaliased(src, *this), this->shape()));
  return *this;
}

Tensor& Tensor::fill_(Scalar value) {
  autograd::CheckInPlace(*this, "fill_");
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
