// Tests for common/status_macros.h: RETURN_IF_ERROR and ASSIGN_OR_RETURN pass values through and
// return errors unchanged, evaluate their argument once, and work several times in one scope.
#include "common/status_macros.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace concord {
namespace {

absl::Status Fail() { return absl::NotFoundError("no such thing"); }
absl::StatusOr<int> Seven() { return 7; }
absl::StatusOr<int> FailOr() { return absl::DataLossError("lost"); }
absl::StatusOr<std::unique_ptr<int>> Boxed(int v) { return std::make_unique<int>(v); }

absl::Status ReturnIfError(const absl::Status& status, bool* reached_end) {
  RETURN_IF_ERROR(status);
  *reached_end = true;
  return absl::OkStatus();
}

TEST(StatusMacrosTest, ReturnIfErrorPassesOkThrough) {
  bool reached_end = false;
  EXPECT_TRUE(ReturnIfError(absl::OkStatus(), &reached_end).ok());
  EXPECT_TRUE(reached_end);
}

TEST(StatusMacrosTest, ReturnIfErrorReturnsTheError) {
  bool reached_end = false;
  const absl::Status status = ReturnIfError(Fail(), &reached_end);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "no such thing");
  EXPECT_FALSE(reached_end);
}

TEST(StatusMacrosTest, ReturnIfErrorInAStatusOrFunctionAndOnAStatusOr) {
  auto f = [](bool fail) -> absl::StatusOr<std::string> {
    RETURN_IF_ERROR(Seven());  // a StatusOr's status; the value is dropped
    if (fail) RETURN_IF_ERROR(FailOr());  // safe as an unbraced if body
    else RETURN_IF_ERROR(absl::OkStatus());
    return std::string("done");
  };
  ASSERT_TRUE(f(false).ok());
  EXPECT_EQ(*f(false), "done");
  EXPECT_EQ(f(true).status().code(), absl::StatusCode::kDataLoss);
}

TEST(StatusMacrosTest, ReturnIfErrorEvaluatesOnce) {
  int calls = 0;
  auto f = [&]() -> absl::Status {
    RETURN_IF_ERROR((++calls, absl::InternalError("x")));
    return absl::OkStatus();
  };
  EXPECT_EQ(f().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(calls, 1);
}

absl::StatusOr<int> SumOfTwo(absl::StatusOr<int> a, absl::StatusOr<int> b) {
  ASSIGN_OR_RETURN(int x, std::move(a));
  ASSIGN_OR_RETURN(auto y, std::move(b));  // a second temporary in the same scope
  return x + y;
}

TEST(StatusMacrosTest, AssignOrReturnDeclaresAndPassesValues) {
  const absl::StatusOr<int> sum = SumOfTwo(Seven(), 5);
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(*sum, 12);
}

TEST(StatusMacrosTest, AssignOrReturnReturnsTheFirstError) {
  EXPECT_EQ(SumOfTwo(FailOr(), Seven()).status().code(), absl::StatusCode::kDataLoss);
  const absl::StatusOr<int> sum = SumOfTwo(Seven(), absl::AbortedError("second"));
  EXPECT_EQ(sum.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(sum.status().message(), "second");
}

TEST(StatusMacrosTest, AssignOrReturnToAnExistingVariableInAStatusFunction) {
  int out = 0;
  auto f = [&](absl::StatusOr<int> v) -> absl::Status {
    ASSIGN_OR_RETURN(out, std::move(v));
    return absl::OkStatus();
  };
  EXPECT_TRUE(f(42).ok());
  EXPECT_EQ(out, 42);
  EXPECT_EQ(f(absl::UnavailableError("down")).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(out, 42);  // untouched on error
}

TEST(StatusMacrosTest, AssignOrReturnMovesMoveOnlyValues) {
  auto f = [](int v) -> absl::StatusOr<int> {
    ASSIGN_OR_RETURN(std::unique_ptr<int> p, Boxed(v));
    return *p * 2;
  };
  ASSERT_TRUE(f(21).ok());
  EXPECT_EQ(*f(21), 42);
}

TEST(StatusMacrosTest, AssignOrReturnEvaluatesOnce) {
  int calls = 0;
  auto f = [&]() -> absl::StatusOr<int> {
    ASSIGN_OR_RETURN(const int v, (++calls, Seven()));
    return v;
  };
  EXPECT_EQ(*f(), 7);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace concord
