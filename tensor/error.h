// File: tensor/error.h
//
// TensorError is the one exception type of the tensor library, for caller mistakes (shape or
// dtype mismatch, bad dimension or index), with a message in PyTorch's manner that names the op
// and what it was given:  "mm: cannot multiply [4, 3] by [2, 5]".
// Errors the outside world can cause (files, RPC, config) are absl::Status instead.
#ifndef CONCORD_TENSOR_ERROR_H_
#define CONCORD_TENSOR_ERROR_H_

#include <stdexcept>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace concord {

class TensorError : public std::runtime_error {
 public:
  explicit TensorError(const std::string& message) : std::runtime_error(message) {}
};

namespace internal {
// Debian's Abseil has its own absl::string_view, which StrCat wants; convert std's.
template <typename T>
const T& ToAlphaNum(const T& v) { return v; }
inline absl::string_view ToAlphaNum(std::string_view v) { return absl::string_view(v.data(), v.size()); }
}  // namespace internal

// absl::StrCat that also takes std::string_view.
template <typename... Args>
std::string StrCat(const Args&... args) {
  return absl::StrCat(internal::ToAlphaNum(args)...);
}

// Throws TensorError(StrCat(parts...)) unless cond holds:
//   TENSOR_CHECK(a.dim() == 2, "mm: expected a 2-D tensor, got ", a.dim(), "-D");
#define TENSOR_CHECK(cond, ...)                                     \
  do {                                                              \
    if (!(cond)) throw ::concord::TensorError(::concord::StrCat(__VA_ARGS__)); \
  } while (false)

}  // namespace concord

#endif  // CONCORD_TENSOR_ERROR_H_
