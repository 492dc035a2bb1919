// Creation functions and the copy/convert methods of Tensor.
#include <cmath>

#include "tensor/backward_util.h"
#include "tensor/functions.h"
#include "tensor/ops/kernels.h"

namespace concord {

Tensor empty(const Shape& shape, TensorOptions options) {
  for (int64_t s : shape) {
    TENSOR_CHECK(s >= 0, "empty: negative dimension ", s, " in shape ", ShapeToString(shape));
  }
  size_t nbytes = static_cast<size_t>(NumElements(shape)) * ElementSize(options.dtype_);
  return Tensor(std::make_shared<Storage>(nbytes, options.device_, options.pinned_), shape,
                ContiguousStrides(shape), 0, options.dtype_);
}

Tensor full(const Shape& shape, Scalar value, TensorOptions options) {
  Tensor t = empty(shape, options);
  t.fill_(value);
  return t;
}
Tensor zeros(const Shape& shape, TensorOptions options) { return full(shape, 0, options); }
Tensor ones(const Shape& shape, TensorOptions options) { return full(shape, 1, options); }
Tensor scalar_tensor(Scalar value, TensorOptions options) { return full({}, value, options); }

Tensor arange(Scalar end) { return arange(0, end, 1); }

Tensor arange(Scalar start, Scalar end, Scalar step) {
  bool integral = start.is_integral() && end.is_integral() && step.is_integral();
  return arange(start, end, step, integral ? kInt64 : kFloat32);
}

Tensor arange(Scalar start, Scalar end, Scalar step, TensorOptions options) {
  if (!options.device_.is_cpu()) return arange(start, end, step, options.device(Device::Cpu())).to(options.device_);
  double s = start.to_double(), e = end.to_double(), st = step.to_double();
  TENSOR_CHECK(st != 0, "arange: step must be nonzero");
  TENSOR_CHECK((st > 0 && e >= s) || (st < 0 && e <= s), "arange: upper bound (", e,
               ") and lower bound (", s, ") are inconsistent with the step sign (", st, ")");
  int64_t n;
  if (start.is_integral() && end.is_integral() && step.is_integral()) {
    // Exact for int64 bounds beyond 2^53, where doubles round.
    int64_t span = end.to_int() - start.to_int(), k = step.to_int();
    n = span / k + (span % k != 0 ? 1 : 0);
  } else {
    n = static_cast<int64_t>(std::ceil((e - s) / st));
  }
  Tensor t = empty({n}, options);
  DispatchDType(options.dtype_, [&]<typename T>() {
    T* p = t.data<T>();
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_same_v<T, int64_t>) {
        p[i] = start.to_int() + i * step.to_int();
      } else {
        p[i] = static_cast<T>(s + static_cast<double>(i) * st);
      }
    }
  });
  return t;
}

Tensor linspace(double start, double end, int64_t steps, TensorOptions options) {
  TENSOR_CHECK(steps >= 0, "linspace: number of steps must be non-negative, got ", steps);
  if (!options.device_.is_cpu()) return linspace(start, end, steps, options.device(Device::Cpu())).to(options.device_);
  Tensor t = empty({steps}, kFloat64);
  double* p = t.data<double>();
  double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0;
  // Fill from both ends, as PyTorch does, so the last value is exactly `end`.
  for (int64_t i = 0; i < steps; ++i) {
    p[i] = i < steps / 2 || steps == 1 ? start + step * static_cast<double>(i)
                                       : end - step * static_cast<double>(steps - 1 - i);
  }
  return t.to(options.dtype_);
}

namespace {
template <typename Draw>
Tensor Random(const Shape& shape, TensorOptions options, std::string_view name, Draw draw) {
  TENSOR_CHECK(IsFloating(options.dtype_), name, ": expected a floating dtype, got ",
               DTypeName(options.dtype_));
  // Drawn on the host, so a seed gives the same values on every device.
  if (!options.device_.is_cpu()) return Random(shape, options.device(Device::Cpu()), name, draw).to(options.device_);
  Tensor t = empty(shape, options);
  DispatchFloating(options.dtype_, [&]<typename T>() {
    T* p = t.data<T>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<T>(draw());
  });
  return t;
}
}  // namespace

Tensor rand(const Shape& shape, TensorOptions options) { return rand(shape, default_generator(), options); }
Tensor rand(const Shape& shape, Generator& gen, TensorOptions options) {
  return Random(shape, options, "rand", [&] {
    // float32 rounding can turn 0.99999999 into 1.0; keep the interval half-open.
    double u = gen.NextUniform();
    return options.dtype_ == kFloat32 && static_cast<float>(u) >= 1.0f ? 0.99999994 : u;
  });
}
Tensor randn(const Shape& shape, TensorOptions options) { return randn(shape, default_generator(), options); }
Tensor randn(const Shape& shape, Generator& gen, TensorOptions options) {
  return Random(shape, options, "randn", [&] { return gen.NextNormal(); });
}

Tensor tensor(const NestedData& data, std::optional<TensorOptions> options) {
  Shape shape = data.shape();
  DType dtype = options ? options->dtype_ : data.dtype();
  std::vector<double> doubles;
  std::vector<int64_t> ints;
  data.Flatten(&doubles, &ints);
  Tensor t = empty(shape, dtype);
  DispatchDType(dtype, [&]<typename T>() {
    T* p = t.data<T>();
    for (size_t i = 0; i < doubles.size(); ++i) {
      p[i] = std::is_same_v<T, int64_t> ? static_cast<T>(ints[i]) : static_cast<T>(doubles[i]);
    }
  });
  return options ? t.to(options->device_) : t;
}

template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape) {
  TENSOR_CHECK(static_cast<int64_t>(values.size()) == NumElements(shape), "from_vector: ", values.size(),
               " values cannot fill shape ", ShapeToString(shape), " of ", NumElements(shape), " elements");
  Tensor t = empty(shape, DTypeOf<T>::value);
  std::copy(values.begin(), values.end(), t.data<T>());
  return t;
}
template Tensor from_vector<float>(const std::vector<float>&, const Shape&);
template Tensor from_vector<double>(const std::vector<double>&, const Shape&);
template Tensor from_vector<int64_t>(const std::vector<int64_t>&, const Shape&);

namespace {
TensorOptions LikeOptions(const Tensor& t, std::optional<DType> dtype) {
  return TensorOptions(dtype.value_or(t.dtype())).device(t.device());
}
}  // namespace

Tensor empty_like(const Tensor& t, std::optional<DType> d) { return empty(t.shape(), LikeOptions(t, d)); }
Tensor zeros_like(const Tensor& t, std::optional<DType> d) { return zeros(t.shape(), LikeOptions(t, d)); }
Tensor ones_like(const Tensor& t, std::optional<DType> d) { return ones(t.shape(), LikeOptions(t, d)); }
Tensor full_like(const Tensor& t, Scalar v, std::optional<DType> d) { return full(t.shape(), v, LikeOptions(t, d)); }
Tensor rand_like(const Tensor& t, std::optional<DType> d) { return rand(t.shape(), LikeOptions(t, d)); }
Tensor randn_like(const Tensor& t, std::optional<DType> d) { return randn(t.shape(), LikeOptions(t, d)); }

Tensor Tensor::new_zeros(const Shape& s) const { return zeros(s, TensorOptions(dtype()).device(device())); }
Tensor Tensor::new_ones(const Shape& s) const { return ones(s, TensorOptions(dtype()).device(device())); }
Tensor Tensor::new_empty(const Shape& s) const { return empty(s, TensorOptions(dtype()).device(device())); }

// ---- Copies and conversions -----------------------------------------------------------------
Tensor Tensor::to(DType d) const {
  if (d == dtype()) return *this;
  Tensor out = empty(shape(), TensorOptions(d).device(device()));
  ops::CopyCast(out, *this);
  if (autograd::NeedsGrad({this}) && IsFloating(d)) {
    autograd::Record(out, "ToCopyBackward", {*this}, [info = internal::Info(*this)](const Tensor& g) {
      return std::vector<Tensor>{internal::GradFor(g, info)};
    });
  }
  return out;
}

Tensor Tensor::to(Device d) const {
  if (d == device()) return *this;
  Tensor out = empty(shape(), TensorOptions(dtype()).device(d));
  ops::CopyCast(out, *this);
  if (autograd::NeedsGrad({this})) {
    autograd::Record(out, "ToCopyBackward", {*this}, [from = device()](const Tensor& g) {
      return std::vector<Tensor>{g.to(from)};
    });
  }
  return out;
}

Tensor Tensor::pin_memory() const {
  TENSOR_CHECK(device().is_cpu(), "pin_memory: only CPU tensors can be pinned, got one on ", device().ToString());
  if (is_pinned()) return *this;
  Tensor out = empty(shape(), TensorOptions(dtype()).pinned_memory(true));
  ops::CopyCast(out, *this);
  return out;
}

bool Tensor::is_pinned() const { return defined() && storage()->pinned(); }

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), TensorOptions(dtype()).device(device()));
  ops::CopyCast(out, *this);
  if (autograd::NeedsGrad({this})) {
    autograd::Record(out, "CloneBackward", {*this}, [](const Tensor& g) { return std::vector<Tensor>{g}; });
  }
  return out;
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

bool Tensor::equal(const Tensor& other) const {
  if (shape() != other.shape()) return false;
  autograd::NoGradGuard no_grad;
  return eq(*this, other).to(kInt64).sum().item<int64_t>() == numel();
}

bool Tensor::allclose(const Tensor& other, double rtol, double atol) const {
  autograd::NoGradGuard no_grad;
  Tensor a = to(kFloat64);
  Tensor b = other.to(kFloat64);
  // |a - b| <= atol + rtol * |b|; NaN compares false, so NaNs are never close.
  Tensor close = le(concord::abs(a - b), concord::abs(b) * rtol + atol);
  Shape shape = close.shape();
  return close.to(kInt64).sum().item<int64_t>() == NumElements(shape);
}

}  // namespace concord
