// File: tests/status_testing.h
//
// EXPECT_OK(expr) / ASSERT_OK(expr): expr is an absl::Status that must be OK; on failure the
// status itself is printed.
#ifndef CONCORD_TESTS_STATUS_TESTING_H_
#define CONCORD_TESTS_STATUS_TESTING_H_

#include "absl/status/status.h"
#include "gtest/gtest.h"

#define EXPECT_OK(expr)                   \
  do {                                    \
    const absl::Status status_ = (expr);  \
    EXPECT_TRUE(status_.ok()) << status_; \
  } while (false)
#define ASSERT_OK(expr)                   \
  do {                                    \
    const absl::Status status_ = (expr);  \
    ASSERT_TRUE(status_.ok()) << status_; \
  } while (false)

#endif  // CONCORD_TESTS_STATUS_TESTING_H_
