// File: common/status_macros.h
//
// Early-return helpers for absl::Status and absl::StatusOr, in the style of Google's own
// (Debian's Abseil 20220623 ships none):
//
//   absl::Status Save(const Model& m) {
//     RETURN_IF_ERROR(OpenFile(path));                  // returns the Status if not OK
//     ASSIGN_OR_RETURN(auto bytes, Serialize(m));       // declares `bytes` from a StatusOr
//     ASSIGN_OR_RETURN(size_t n, Write(bytes));         // any declaration works...
//     ASSIGN_OR_RETURN(total_, Count());                // ...or an existing lvalue
//     return absl::OkStatus();
//   }
//
// RETURN_IF_ERROR(expr): expr is an absl::Status or an absl::StatusOr<T> (its status is used,
//   its value dropped). If not OK, the enclosing function returns that status; the enclosing
//   function may return absl::Status or any absl::StatusOr<U>.
// ASSIGN_OR_RETURN(lhs, rexpr): rexpr is an absl::StatusOr<T>, evaluated exactly once. If not OK,
//   the enclosing function returns its status; otherwise the value is moved into lhs (so
//   move-only T works). ASSIGN_OR_RETURN expands to several statements: don't use it as the
//   unbraced body of an if/for/while. lhs must not contain an unparenthesised comma (write
//   `auto p` rather than `std::pair<int, int> p`, and no structured bindings).
// Temporaries are named with __LINE__, so several uses may share a scope (one per line).
#ifndef CONCORD_COMMON_STATUS_MACROS_H_
#define CONCORD_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace concord::status_macros_internal {

inline absl::Status AsStatus(absl::Status status) { return status; }

template <typename T>
absl::Status AsStatus(const absl::StatusOr<T>& status_or) { return status_or.status(); }

template <typename T>
absl::Status AsStatus(absl::StatusOr<T>&& status_or) { return std::move(status_or).status(); }

}  // namespace concord::status_macros_internal

#define CONCORD_STATUS_MACROS_CONCAT_INNER_(x, y) x##y
#define CONCORD_STATUS_MACROS_CONCAT_(x, y) CONCORD_STATUS_MACROS_CONCAT_INNER_(x, y)

#define RETURN_IF_ERROR(expr)                                                          \
  do {                                                                                 \
    ::absl::Status concord_status_macros_status_ =                                     \
        ::concord::status_macros_internal::AsStatus(expr);                             \
    if (ABSL_PREDICT_FALSE(!concord_status_macros_status_.ok())) {                     \
      return concord_status_macros_status_;                                            \
    }                                                                                  \
  } while (false)

#define ASSIGN_OR_RETURN(lhs, rexpr)                                                        \
  CONCORD_ASSIGN_OR_RETURN_IMPL_(                                                           \
      CONCORD_STATUS_MACROS_CONCAT_(concord_status_macros_statusor_, __LINE__), lhs, rexpr)

#define CONCORD_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  if (ABSL_PREDICT_FALSE(!statusor.ok())) {                  \
    return std::move(statusor).status();                     \
  }                                                          \
  lhs = *std::move(statusor)

#endif  // CONCORD_COMMON_STATUS_MACROS_H_
