// File: tensor/dtype.h
//
// Element types. float32 is the default floating type and int64 the default integer type,
// as in PyTorch; bool is what comparisons return. Type promotion follows PyTorch's rule for
// the types we have: bool < int64 < float32 < float64 (int64 with float32 gives float32).
#ifndef CONCORD_TENSOR_DTYPE_H_
#define CONCORD_TENSOR_DTYPE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace concord {

enum class DType : uint8_t { kBool, kInt64, kFloat32, kFloat64 };

inline constexpr DType kBool = DType::kBool;
inline constexpr DType kInt64 = DType::kInt64;
inline constexpr DType kFloat32 = DType::kFloat32;
inline constexpr DType kFloat64 = DType::kFloat64;

// Bytes per element.
size_t ElementSize(DType dtype);
// "float32", "float64", "int64", "bool".
std::string_view DTypeName(DType dtype);
bool IsFloating(DType dtype);
// The dtype of an op over inputs of dtypes a and b.
DType PromoteTypes(DType a, DType b);

// The C++ element type of each dtype, and back.
template <typename T> struct DTypeOf;
template <> struct DTypeOf<bool> { static constexpr DType value = kBool; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = kInt64; };
template <> struct DTypeOf<float> { static constexpr DType value = kFloat32; };
template <> struct DTypeOf<double> { static constexpr DType value = kFloat64; };

// Calls fn.template operator()<T>() with T the C++ type of dtype, e.g.
//   DispatchDType(t.dtype(), [&]<typename T>() { Fill<T>(t); });
template <typename Fn>
decltype(auto) DispatchDType(DType dtype, Fn&& fn) {
  switch (dtype) {
    case kBool: return fn.template operator()<bool>();
    case kInt64: return fn.template operator()<int64_t>();
    case kFloat32: return fn.template operator()<float>();
    case kFloat64: break;
  }
  return fn.template operator()<double>();
}

// As DispatchDType, for floating dtypes only (the caller checks IsFloating first).
template <typename Fn>
decltype(auto) DispatchFloating(DType dtype, Fn&& fn) {
  if (dtype == kFloat32) return fn.template operator()<float>();
  return fn.template operator()<double>();
}

}  // namespace concord

#endif  // CONCORD_TENSOR_DTYPE_H_
