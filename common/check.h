// File: common/check.h
//
// CHECK(cond, parts...): for internal invariants only (STYLE: "an aborting CHECK with file
// and line"). When cond is false it prints "CHECK failed: cond at file:line: parts" to stderr
// and aborts. Caller mistakes in the tensor library throw TensorError instead, and what the
// outside world can break returns absl::Status.
#ifndef CONCORD_COMMON_CHECK_H_
#define CONCORD_COMMON_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"

#define CHECK(cond, ...)                                                                        \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      std::string concord_check_message = absl::StrCat("" __VA_OPT__(, ) __VA_ARGS__);          \
      std::fprintf(stderr, "CHECK failed: %s at %s:%d: %s\n", #cond, __FILE__, __LINE__,       \
                   concord_check_message.c_str());                                              \
      std::abort();                                                                             \
    }                                                                                           \
  } while (false)

#endif  // CONCORD_COMMON_CHECK_H_
