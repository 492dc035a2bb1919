// File: worker/comm/communicator.cc
#include "worker/comm/communicator.h"

#include "tensor/error.h"

namespace concord::comm {

std::string DescribeCollective(std::string_view op, const Tensor& t) {
  return StrCat(op, "(", DTypeName(t.dtype()), ShapeToString(t.shape()), ")");
}

absl::Status CheckCollectiveTensor(const Tensor& t, std::string_view op, int rank) {
  if (!t.defined()) {
    return absl::InvalidArgumentError(
        StrCat(op, " on rank ", rank, ": expected a defined tensor, got an undefined one"));
  }
  const DType dtype = t.dtype();
  if (dtype != kFloat32 && dtype != kFloat64 && dtype != kInt64) {
    return absl::InvalidArgumentError(
        StrCat(op, " on rank ", rank, ": expected a float32, float64 or int64 tensor, got ",
               DTypeName(dtype), " (convert with .to(kFloat32))"));
  }
  if (!t.is_contiguous()) {
    return absl::InvalidArgumentError(
        StrCat(op, " on rank ", rank, ": expected a contiguous tensor, got shape ",
               ShapeToString(t.shape()), " with non-contiguous strides ",
               ShapeToString(t.strides()), " (call .contiguous() and copy the result back)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Communicator::RegisterAllReduce(Tensor t) {
  registered_.push_back(std::move(t));
  return static_cast<int>(registered_.size()) - 1;
}

std::unique_ptr<Work> Communicator::AllReduceRegisteredAsync(int handle) {
  return AllReduceSumAsync(registered_.at(handle));
}

}  // namespace concord::comm
