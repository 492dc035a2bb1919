// Elementwise CPU kernels: copy/cast, fill, binary, unary, clamp, where.
#include <cmath>
#include <type_traits>

#include "tensor/ops/cuda_ops.h"
#include "tensor/ops/kernels.h"
#include "tensor/ops/strided_loop.h"

namespace concord::ops {
namespace {

// Runs out[i] = f(a[i]) with a fast path for unit strides, which the compiler vectorises.
template <typename O, typename A, typename F>
void UnaryLoop(const Tensor& out, const Tensor& a, F f) {
  StridedLoop<2>(out.shape(), MakeOperands<2>({&out, &a}),
                 [&](std::array<char*, 2> p, std::array<int64_t, 2> s, int64_t n) {
                   O* o = reinterpret_cast<O*>(p[0]);
                   const A* x = reinterpret_cast<const A*>(p[1]);
                   if (s[0] == sizeof(O) && s[1] == sizeof(A)) {
                     for (int64_t i = 0; i < n; ++i) o[i] = f(x[i]);
                   } else {
                     for (int64_t i = 0; i < n; ++i) {
                       *reinterpret_cast<O*>(p[0] + i * s[0]) = f(*reinterpret_cast<const A*>(p[1] + i * s[1]));
                     }
                   }
                 });
}

template <typename O, typename T, typename F>
void BinaryLoop(const Tensor& out, const Tensor& a, const Tensor& b, F f) {
  StridedLoop<3>(out.shape(), MakeOperands<3>({&out, &a, &b}),
                 [&](std::array<char*, 3> p, std::array<int64_t, 3> s, int64_t n) {
                   O* o = reinterpret_cast<O*>(p[0]);
                   const T* x = reinterpret_cast<const T*>(p[1]);
                   const T* y = reinterpret_cast<const T*>(p[2]);
                   if (s[0] == sizeof(O) && s[1] == sizeof(T) && s[2] == sizeof(T)) {
                     for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
                   } else if (s[0] == sizeof(O) && s[1] == sizeof(T) && s[2] == 0) {
                     const T yv = *y;
                     for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], yv);
                   } else {
                     for (int64_t i = 0; i < n; ++i) {
                       *reinterpret_cast<O*>(p[0] + i * s[0]) = f(*reinterpret_cast<const T*>(p[1] + i * s[1]),
                                                               *reinterpret_cast<const T*>(p[2] + i * s[2]));
                     }
                   }
                 });
}

template <typename T>
T ScalarAs(Scalar s) {
  if constexpr (std::is_floating_point_v<T>) return static_cast<T>(s.to_double());
  return static_cast<T>(s.to_int());
}

template <typename T>
T IntPow(T base, T exp) {
  if (exp < 0) return base == 1 ? 1 : (base == -1 ? ((exp & 1) ? -1 : 1) : 0);
  T result = 1;
  while (exp) {
    if (exp & 1) result *= base;
    base *= base;
    exp >>= 1;
  }
  return result;
}

template <typename T>
T Pow(T x, T y) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::pow(x, y);
  } else {
    return IntPow(x, y);
  }
}

// NaN-propagating max/min, as torch.maximum.
template <typename T>
T Max(T x, T y) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<T>::quiet_NaN();
  }
  return x > y ? x : y;
}
template <typename T>
T Min(T x, T y) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<T>::quiet_NaN();
  }
  return x < y ? x : y;
}

template <typename T>
void ArithmeticBinary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, Scalar alpha) {
  if constexpr (std::is_same_v<T, bool>) {
    throw TensorError("internal: arithmetic kernel called on bool tensors");
  } else {
    const T al = ScalarAs<T>(alpha);
    switch (op) {
      case BinaryOp::kAdd:
        if (al == 1) return BinaryLoop<T, T>(out, a, b, [](T x, T y) { return x + y; });
        return BinaryLoop<T, T>(out, a, b, [al](T x, T y) { return x + al * y; });
      case BinaryOp::kSub:
        if (al == 1) return BinaryLoop<T, T>(out, a, b, [](T x, T y) { return x - y; });
        return BinaryLoop<T, T>(out, a, b, [al](T x, T y) { return x - al * y; });
      case BinaryOp::kMul: return BinaryLoop<T, T>(out, a, b, [](T x, T y) { return x * y; });
      case BinaryOp::kDiv:
        if constexpr (std::is_integral_v<T>) {
          // Integer division truncates toward zero, as torch.div(rounding_mode='trunc').
          return BinaryLoop<T, T>(out, a, b, [](T x, T y) {
            if (y == 0) throw TensorError("div: integer division by zero");
            return x / y;
          });
        } else {
          return BinaryLoop<T, T>(out, a, b, [](T x, T y) { return x / y; });
        }
      case BinaryOp::kPow: return BinaryLoop<T, T>(out, a, b, [](T x, T y) { return Pow(x, y); });
      default: break;
    }
  }
}

}  // namespace

Tensor NewTensor(const Shape& shape, DType dtype, Device device) {
  size_t nbytes = static_cast<size_t>(NumElements(shape)) * ElementSize(dtype);
  return Tensor(std::make_shared<Storage>(nbytes, device), shape, ContiguousStrides(shape), 0, dtype);
}

Tensor BroadcastView(const Tensor& t, const Shape& to) {
  return Tensor(t.storage(), to, BroadcastStrides(t.shape(), t.strides(), to), t.storage_offset(), t.dtype());
}

Tensor CastCopy(const Tensor& t, DType dtype) {
  Tensor c = NewTensor(t.shape(), dtype, t.device());
  CopyCast(c, t);
  return c;
}

void CopyCast(const Tensor& dst, const Tensor& src) {
  if (!dst.device().is_cpu() || !src.device().is_cpu()) return cuda_ops::CopyCast(dst, src);
  DispatchDType(dst.dtype(), [&]<typename O>() {
    DispatchDType(src.dtype(), [&]<typename A>() {
      if constexpr (std::is_same_v<O, bool>) {
        UnaryLoop<O, A>(dst, src, [](A x) { return x != A(0); });
      } else {
        UnaryLoop<O, A>(dst, src, [](A x) { return static_cast<O>(x); });
      }
    });
  });
}

void Fill(const Tensor& dst, Scalar value) {
  if (dst.device().is_cuda()) return cuda_ops::Fill(dst, value);
  DispatchDType(dst.dtype(), [&]<typename T>() {
    const T v = std::is_same_v<T, bool> ? static_cast<T>(value.to_double() != 0) : ScalarAs<T>(value);
    StridedLoop<1>(dst.shape(), MakeOperands<1>({&dst}), [v](std::array<char*, 1> p, std::array<int64_t, 1> s, int64_t n) {
      if (s[0] == sizeof(T)) {
        T* o = reinterpret_cast<T*>(p[0]);
        for (int64_t i = 0; i < n; ++i) o[i] = v;
      } else {
        for (int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(p[0] + i * s[0]) = v;
      }
    });
  });
}

void Binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, Scalar alpha) {
  if (cuda_ops::CommonDevice("binary op", {&out, &a, &b}).is_cuda()) return cuda_ops::Binary(op, out, a, b, alpha);
  DispatchDType(a.dtype(), [&]<typename T>() {
    switch (op) {
      case BinaryOp::kEq: return BinaryLoop<bool, T>(out, a, b, [](T x, T y) { return x == y; });
      case BinaryOp::kNe: return BinaryLoop<bool, T>(out, a, b, [](T x, T y) { return x != y; });
      case BinaryOp::kLt: return BinaryLoop<bool, T>(out, a, b, [](T x, T y) { return x < y; });
      case BinaryOp::kLe: return BinaryLoop<bool, T>(out, a, b, [](T x, T y) { return x <= y; });
      case BinaryOp::kGt: return BinaryLoop<bool, T>(out, a, b, [](T x, T y) { return x > y; });
      case BinaryOp::kGe: return BinaryLoop<bool, T>(out, a, b, [](T x, T y) { return x >= y; });
      case BinaryOp::kMax: return BinaryLoop<T, T>(out, a, b, [](T x, T y) { return Max(x, y); });
      case BinaryOp::kMin: return BinaryLoop<T, T>(out, a, b, [](T x, T y) { return Min(x, y); });
      default: return ArithmeticBinary<T>(op, out, a, b, alpha);
    }
  });
}

void BinaryScalar(BinaryOp op, const Tensor& out, const Tensor& a, Scalar s) {
  if (cuda_ops::CommonDevice("binary op", {&out, &a}).is_cuda()) return cuda_ops::BinaryScalar(op, out, a, s);
  // A 0-dim tensor of a's dtype, expanded: the stride-0 fast path handles it.
  Tensor scalar = NewTensor({}, a.dtype(), a.device());
  Fill(scalar, s);
  Binary(op, out, a, BroadcastView(scalar, a.shape()));
}

void Unary(UnaryOp op, const Tensor& out, const Tensor& a) {
  if (cuda_ops::CommonDevice("unary op", {&out, &a}).is_cuda()) return cuda_ops::Unary(op, out, a);
  DispatchDType(a.dtype(), [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) {
      throw TensorError("internal: unary kernel called on a bool tensor");
    } else {
      switch (op) {
        case UnaryOp::kNeg: return UnaryLoop<T, T>(out, a, [](T x) { return -x; });
        case UnaryOp::kAbs: return UnaryLoop<T, T>(out, a, [](T x) { return x < 0 ? -x : x; });
        case UnaryOp::kExp: return UnaryLoop<T, T>(out, a, [](T x) { return static_cast<T>(std::exp(x)); });
        case UnaryOp::kLog: return UnaryLoop<T, T>(out, a, [](T x) { return static_cast<T>(std::log(x)); });
        case UnaryOp::kSqrt: return UnaryLoop<T, T>(out, a, [](T x) { return static_cast<T>(std::sqrt(x)); });
        case UnaryOp::kSigmoid:
          // exp of a non-positive number only: no overflow for any x.
          return UnaryLoop<T, T>(out, a, [](T x) {
            if (x >= 0) return static_cast<T>(1 / (1 + std::exp(-x)));
            const T e = static_cast<T>(std::exp(x));
            return static_cast<T>(e / (1 + e));
          });
        case UnaryOp::kTanh: return UnaryLoop<T, T>(out, a, [](T x) { return static_cast<T>(std::tanh(x)); });
        case UnaryOp::kRelu: return UnaryLoop<T, T>(out, a, [](T x) { return x <= 0 ? T(0) : x; });  // NaN passes
      }
    }
  });
}

void ReluBackward(const Tensor& out, const Tensor& grad, const Tensor& y) {
  if (cuda_ops::CommonDevice("relu backward", {&out, &grad, &y}).is_cuda()) return cuda_ops::ReluBackward(out, grad, y);
  DispatchFloating(grad.dtype(), [&]<typename T>() {
    BinaryLoop<T, T>(out, grad, y, [](T g, T v) { return v > 0 ? g : T(0); });
  });
}

void Clamp(const Tensor& out, const Tensor& a, std::optional<Scalar> lo, std::optional<Scalar> hi) {
  if (cuda_ops::CommonDevice("clamp", {&out, &a}).is_cuda()) return cuda_ops::Clamp(out, a, lo, hi);
  DispatchDType(a.dtype(), [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) {
      throw TensorError("clamp: not implemented for bool tensors");
    } else {
      const T l = lo ? ScalarAs<T>(*lo) : std::numeric_limits<T>::lowest();
      const T h = hi ? ScalarAs<T>(*hi) : std::numeric_limits<T>::max();
      UnaryLoop<T, T>(out, a, [l, h](T x) {
        if constexpr (std::is_floating_point_v<T>) {
          if (std::isnan(x)) return x;
        }
        return x < l ? l : (x > h ? h : x);
      });
    }
  });
}

void Where(const Tensor& out, const Tensor& mask, const Tensor& a, const Tensor& b) {
  if (cuda_ops::CommonDevice("where", {&out, &mask, &a, &b}).is_cuda()) return cuda_ops::Where(out, mask, a, b);
  DispatchDType(a.dtype(), [&]<typename T>() {
    StridedLoop<4>(out.shape(), MakeOperands<4>({&out, &mask, &a, &b}),
                   [](std::array<char*, 4> p, std::array<int64_t, 4> s, int64_t n) {
                     for (int64_t i = 0; i < n; ++i) {
                       bool m = *reinterpret_cast<const bool*>(p[1] + i * s[1]);
                       *reinterpret_cast<T*>(p[0] + i * s[0]) =
                           *reinterpret_cast<const T*>(p[m ? 2 : 3] + i * s[m ? 2 : 3]);
                     }
                   });
  });
}

}  // namespace concord::ops
