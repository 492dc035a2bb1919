// File: worker/comm/nccl_check.h
//
// Turns NCCL results into absl::Status, for functions that return absl::Status or
// absl::StatusOr<T> (the NCCL sibling of tensor/cuda/cuda_check.h):
//
//   NCCL_RETURN_IF_ERROR(*nccl, nccl->get_unique_id(&id), nullptr);
//   NCCL_RETURN_IF_ERROR(*nccl, nccl->comm_get_async_error(comm, &state), comm);
//
// On failure the enclosing function returns a one-line status naming the call as written, where
// it was made, NCCL's name and string for the code, and NCCL's last error text (the detail NCCL
// otherwise prints only with NCCL_DEBUG=WARN), e.g.
//
//   ncclCommInitRankConfig(...) failed at worker/comm/nccl_communicator.cc:210: ncclSystemError
//   (2): unhandled system error (run with NCCL_DEBUG=INFO for details); NCCL's last error:
//   socketPollConnect: connect returned Connection refused
//
// ncclInProgress is NOT success here: code that drives a non-blocking communicator accepts it
// explicitly (see worker/comm/nccl_communicator.cc). Codes: ncclInvalidArgument ->
// INVALID_ARGUMENT, ncclInvalidUsage -> FAILED_PRECONDITION, ncclSystemError/ncclRemoteError ->
// UNAVAILABLE (a peer or the network), everything else INTERNAL.
//
// NCCL's own texts come through the loaded NCCL (nccl_api.h) that made the call, which every
// function here takes: an ncclResult_t exists only once NCCL is loaded.
#ifndef CONCORD_WORKER_COMM_NCCL_CHECK_H_
#define CONCORD_WORKER_COMM_NCCL_CHECK_H_

#include <nccl.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "worker/comm/nccl_api.h"

namespace concord::comm::nccl_internal {

inline const char* NcclResultName(ncclResult_t result) {
  switch (result) {
    case ncclSuccess: return "ncclSuccess";
    case ncclUnhandledCudaError: return "ncclUnhandledCudaError";
    case ncclSystemError: return "ncclSystemError";
    case ncclInternalError: return "ncclInternalError";
    case ncclInvalidArgument: return "ncclInvalidArgument";
    case ncclInvalidUsage: return "ncclInvalidUsage";
    case ncclRemoteError: return "ncclRemoteError";
    case ncclInProgress: return "ncclInProgress";
    default: return "ncclResult";
  }
}

inline absl::StatusCode NcclStatusCode(ncclResult_t result) {
  switch (result) {
    case ncclInvalidArgument: return absl::StatusCode::kInvalidArgument;
    case ncclInvalidUsage: return absl::StatusCode::kFailedPrecondition;
    case ncclSystemError:
    case ncclRemoteError: return absl::StatusCode::kUnavailable;
    default: return absl::StatusCode::kInternal;
  }
}

// NCCL's description of `result` and its last error message, on one line.
inline std::string DescribeNcclResult(const NcclApi& nccl, ncclResult_t result, ncclComm_t comm) {
  std::string text = absl::StrCat(NcclResultName(result), " (", static_cast<int>(result),
                                  "): ", nccl.get_error_string(result));
  const char* last = nccl.get_last_error(comm);
  if (last != nullptr && last[0] != '\0') {
    absl::StrAppend(&text, "; NCCL's last error: ",
                    absl::StrReplaceAll(last, {{"\r", " "}, {"\n", " "}}));
  }
  return text;
}

// The status for an NCCL call `call_text` that returned `result` at file:line.
inline absl::Status NcclErrorToStatus(const NcclApi& nccl, ncclResult_t result, ncclComm_t comm,
                                      const char* call_text, const char* file, int line) {
  return absl::Status(NcclStatusCode(result),
                      absl::StrCat(call_text, " failed at ", file, ":", line, ": ",
                                   DescribeNcclResult(nccl, result, comm)));
}

}  // namespace concord::comm::nccl_internal

// Evaluates `call` once; returns its status from the enclosing function unless ncclSuccess.
// `nccl` is the NcclApi the call went through; `last_error_comm` (may be nullptr) is passed to
// ncclGetLastError.
#define NCCL_RETURN_IF_ERROR(nccl, call, last_error_comm)                                    \
  do {                                                                                       \
    const ::ncclResult_t concord_nccl_check_result_ = (call);                                \
    if (concord_nccl_check_result_ != ::ncclSuccess) {                                       \
      return ::concord::comm::nccl_internal::NcclErrorToStatus(                              \
          (nccl), concord_nccl_check_result_, (last_error_comm), #call, __FILE__, __LINE__); \
    }                                                                                        \
  } while (false)

#endif  // CONCORD_WORKER_COMM_NCCL_CHECK_H_
