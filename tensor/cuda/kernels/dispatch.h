// File: tensor/cuda/kernels/dispatch.h
//
// Host-side dispatch of the elementwise kernels in kernels.h (dispatch_training.h has the
// rest): checks what must hold for the kernels to be memory-safe, picks the functor for the op
// and dtypes (bodies.h) and hands it to a launcher. The .cu files pass a GpuLauncher (launch.cuh,
// real kernels on a stream); tests/cuda_kernels_test.cc passes a host launcher that runs the
// functors in plain loops, so everything here but the launch itself is tested without a GPU.
//
// A launcher provides, each returning absl::Status:
//   Elementwise(const Indexer<K>& ix, int64_t count, const F& f)  f(off) for i in [0, count)
//   ReduceRows(const Indexer<2>& ix, int64_t rows, int64_t n, const RowReducer<T>& r)
//       r(off) per row, or one block per row combining r.Accumulate partials (reduce_bodies.h)
//   CrossEntropyRows(int64_t rows, int64_t classes, const CrossEntropyForwardRows<T>& f)
//       f(off) per row, or one warp per row (training_bodies.h)
//   SumColumns(int64_t count, const SumMiddleElem<T>& s)
//       s(off) per column, or several threads per column adding s.Partial sums in lane order
//       (reduce_bodies.h)
//
// Plain host C++17: nvcc and the C++20 test compile it alike.
#ifndef CONCORD_TENSOR_CUDA_KERNELS_DISPATCH_H_
#define CONCORD_TENSOR_CUDA_KERNELS_DISPATCH_H_

#include <cstdint>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "tensor/cuda/kernels/bodies.h"
#include "tensor/cuda/kernels/kernels.h"
#include "tensor/dtype.h"
#include "tensor/ops/op_kinds.h"

namespace concord::cuda {

namespace dispatch_internal {

template <typename T>
struct TypeTag {
  using type = T;
};

// fn(TypeTag<T>{}) with T the C++ type of dtype; fn returns absl::Status.
template <typename Fn>
absl::Status VisitDType(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::kBool: return fn(TypeTag<bool>{});
    case DType::kInt64: return fn(TypeTag<int64_t>{});
    case DType::kFloat32: return fn(TypeTag<float>{});
    case DType::kFloat64: return fn(TypeTag<double>{});
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown dtype ", static_cast<int>(dtype)));
}

template <typename Fn>
absl::Status VisitFloating(const char* op, DType dtype, Fn&& fn) {
  if (dtype == DType::kFloat32) return fn(TypeTag<float>{});
  if (dtype == DType::kFloat64) return fn(TypeTag<double>{});
  return absl::InvalidArgumentError(
      absl::StrCat("cuda ", op, ": expected a floating dtype, got ", std::string(DTypeName(dtype))));
}

inline absl::Status CheckShape(const char* op, const LoopShape& shape) {
  if (shape.ndim < 0 || shape.ndim > kMaxDims) {
    return absl::InvalidArgumentError(absl::StrCat("cuda ", op, ": ndim ", shape.ndim, " outside [0, ", kMaxDims, "]"));
  }
  for (int d = 0; d < shape.ndim; ++d) {
    if (shape.sizes[d] < 0) {
      return absl::InvalidArgumentError(absl::StrCat("cuda ", op, ": size ", shape.sizes[d], " at dim ", d));
    }
  }
  return absl::OkStatus();
}

inline absl::Status CheckDType(const char* op, const char* what, DType got, DType want) {
  if (got == want) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("cuda ", op, ": expected ", what, " of dtype ",
                                                 std::string(DTypeName(want)), ", got ", std::string(DTypeName(got))));
}

inline absl::Status CheckNonNegative(const char* op, const char* what, int64_t v) {
  if (v >= 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("cuda ", op, ": ", what, " = ", v, " < 0"));
}

inline bool IsComparison(ops::BinaryOp op) { return op >= ops::BinaryOp::kEq; }

}  // namespace dispatch_internal

// ---- Elementwise ---------------------------------------------------------------------------

template <typename L>
absl::Status CopyCastImpl(const L& launch, const LoopShape& shape, const Operand& dst, const Operand& src) {
  using namespace dispatch_internal;  // NOLINT: the helpers above
  RETURN_IF_ERROR(CheckShape("CopyCast", shape));
  const int64_t count = NumElements(shape);
  if (count == 0) return absl::OkStatus();
  const Indexer<2> ix = MakeIndexer<2>(shape, {dst.strides, src.strides});
  return VisitDType(dst.dtype, [&](auto o) {
    using O = typename decltype(o)::type;
    return VisitDType(src.dtype, [&](auto a) {
      using A = typename decltype(a)::type;
      return launch.Elementwise(ix, count, CopyCastElem<O, A>{static_cast<O*>(dst.data), static_cast<const A*>(src.data)});
    });
  });
}

template <typename L>
absl::Status FillImpl(const L& launch, const LoopShape& shape, const Operand& dst, ScalarArg value) {
  using namespace dispatch_internal;  // NOLINT
  RETURN_IF_ERROR(CheckShape("Fill", shape));
  const int64_t count = NumElements(shape);
  if (count == 0) return absl::OkStatus();
  const Indexer<1> ix = MakeIndexer<1>(shape, {dst.strides});
  return VisitDType(dst.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return launch.Elementwise(ix, count, FillElem<T>{static_cast<T*>(dst.data), ScalarAs<T>(value)});
  });
}

// Binary and BinaryScalar: b == nullptr means a (op) scalar.
template <typename L>
absl::Status BinaryCommon(const L& launch, const char* name, ops::BinaryOp op, const LoopShape& shape,
                          const Operand& out, const Operand& a, const Operand* b, ScalarArg scalar, ScalarArg alpha) {
  using namespace dispatch_internal;  // NOLINT
  RETURN_IF_ERROR(CheckShape(name, shape));
  if (b != nullptr) RETURN_IF_ERROR(CheckDType(name, "b", b->dtype, a.dtype));
  const bool compare = IsComparison(op);
  RETURN_IF_ERROR(CheckDType(name, "out", out.dtype, compare ? DType::kBool : a.dtype));
  if (a.dtype == DType::kBool && !compare && op != ops::BinaryOp::kMax && op != ops::BinaryOp::kMin) {
    return absl::InvalidArgumentError(absl::StrCat("cuda ", name, ": arithmetic op ", static_cast<int>(op),
                                                   " on bool operands"));
  }
  const int64_t count = NumElements(shape);
  if (count == 0) return absl::OkStatus();
  return VisitDType(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* pa = static_cast<const T*>(a.data);
    const T* pb = b != nullptr ? static_cast<const T*>(b->data) : nullptr;
    const T s = ScalarAs<T>(scalar);
    bool* out_bool = static_cast<bool*>(out.data);
    T* out_t = static_cast<T*>(out.data);
    if (b == nullptr) {
      const Indexer<2> ix = MakeIndexer<2>(shape, {out.strides, a.strides});
      if (compare) return launch.Elementwise(ix, count, CompareElem<T, true>{op, out_bool, pa, pb, s});
      return launch.Elementwise(ix, count, BinaryElem<T, true>{op, out_t, pa, pb, s, ScalarAs<T>(alpha)});
    }
    const Indexer<3> ix = MakeIndexer<3>(shape, {out.strides, a.strides, b->strides});
    if (compare) return launch.Elementwise(ix, count, CompareElem<T, false>{op, out_bool, pa, pb, s});
    return launch.Elementwise(ix, count, BinaryElem<T, false>{op, out_t, pa, pb, s, ScalarAs<T>(alpha)});
  });
}

template <typename L>
absl::Status BinaryImpl(const L& launch, ops::BinaryOp op, const LoopShape& shape, const Operand& out,
                        const Operand& a, const Operand& b, ScalarArg alpha) {
  return BinaryCommon(launch, "Binary", op, shape, out, a, &b, ScalarArg{}, alpha);
}

// As the CPU: the scalar converted to a's dtype, alpha 1.
template <typename L>
absl::Status BinaryScalarImpl(const L& launch, ops::BinaryOp op, const LoopShape& shape, const Operand& out,
                              const Operand& a, ScalarArg s) {
  return BinaryCommon(launch, "BinaryScalar", op, shape, out, a, nullptr, s, ScalarArg{1.0, 1});
}

template <typename L>
absl::Status UnaryImpl(const L& launch, ops::UnaryOp op, const LoopShape& shape, const Operand& out,
                       const Operand& a) {
  using namespace dispatch_internal;  // NOLINT
  RETURN_IF_ERROR(CheckShape("Unary", shape));
  RETURN_IF_ERROR(CheckDType("Unary", "out", out.dtype, a.dtype));
  if (a.dtype == DType::kBool) return absl::InvalidArgumentError("cuda Unary: bool operand");
  const int64_t count = NumElements(shape);
  if (count == 0) return absl::OkStatus();
  const Indexer<2> ix = MakeIndexer<2>(shape, {out.strides, a.strides});
  return VisitDType(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) {
      return absl::InvalidArgumentError("cuda Unary: bool operand");
    } else {
      return launch.Elementwise(ix, count, UnaryElem<T>{op, static_cast<T*>(out.data), static_cast<const T*>(a.data)});
    }
  });
}

template <typename L>
absl::Status ClampImpl(const L& launch, const LoopShape& shape, const Operand& out, const Operand& a, bool has_lo,
                       ScalarArg lo, bool has_hi, ScalarArg hi) {
  using namespace dispatch_internal;  // NOLINT
  RETURN_IF_ERROR(CheckShape("Clamp", shape));
  RETURN_IF_ERROR(CheckDType("Clamp", "out", out.dtype, a.dtype));
  if (a.dtype == DType::kBool) return absl::InvalidArgumentError("cuda Clamp: bool operand");
  const int64_t count = NumElements(shape);
  if (count == 0) return absl::OkStatus();
  const Indexer<2> ix = MakeIndexer<2>(shape, {out.strides, a.strides});
  return VisitDType(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return launch.Elementwise(ix, count,
                              ClampElem<T>{static_cast<T*>(out.data), static_cast<const T*>(a.data), has_lo,
                                           ScalarAs<T>(lo), has_hi, ScalarAs<T>(hi)});
  });
}

template <typename L>
absl::Status WhereImpl(const L& launch, const LoopShape& shape, const Operand& out, const Operand& mask,
                       const Operand& a, const Operand& b) {
  using namespace dispatch_internal;  // NOLINT
  RETURN_IF_ERROR(CheckShape("Where", shape));
  RETURN_IF_ERROR(CheckDType("Where", "mask", mask.dtype, DType::kBool));
  RETURN_IF_ERROR(CheckDType("Where", "b", b.dtype, a.dtype));
  RETURN_IF_ERROR(CheckDType("Where", "out", out.dtype, a.dtype));
  const int64_t count = NumElements(shape);
  if (count == 0) return absl::OkStatus();
  const Indexer<4> ix = MakeIndexer<4>(shape, {out.strides, mask.strides, a.strides, b.strides});
  return VisitDType(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return launch.Elementwise(ix, count,
                              WhereElem<T>{static_cast<T*>(out.data), static_cast<const bool*>(mask.data),
                                           static_cast<const T*>(a.data), static_cast<const T*>(b.data)});
  });
}

template <typename L>
absl::Status ReluBackwardImpl(const L& launch, const LoopShape& shape, const Operand& out, const Operand& grad,
                              const Operand& y) {
  using namespace dispatch_internal;  // NOLINT
  RETURN_IF_ERROR(CheckShape("ReluBackward", shape));
  RETURN_IF_ERROR(CheckDType("ReluBackward", "y", y.dtype, grad.dtype));
  RETURN_IF_ERROR(CheckDType("ReluBackward", "out", out.dtype, grad.dtype));
  const int64_t count = NumElements(shape);
  return VisitFloating("ReluBackward", grad.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (count == 0) return absl::OkStatus();
    return launch.Elementwise(MakeIndexer<3>(shape, {out.strides, grad.strides, y.strides}), count,
                              ReluBackwardElem<T>{static_cast<T*>(out.data), static_cast<const T*>(grad.data),
                                                  static_cast<const T*>(y.data)});
  });
}

}  // namespace concord::cuda

#endif  // CONCORD_TENSOR_CUDA_KERNELS_DISPATCH_H_
