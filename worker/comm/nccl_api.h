// File: worker/comm/nccl_api.h
//
// NCCL, loaded with dlopen on first use instead of linked, so that processes that never create
// an NCCL communicator (CPU training, the Gloo backend, --help) never map libnccl.so.2 (218 MB).
// See Note [Lazy GPU libraries] in tensor/cuda/dynamic_library.h.
//
//   ASSIGN_OR_RETURN(const NcclApi* nccl, Nccl());
//   NCCL_RETURN_IF_ERROR(*nccl, nccl->get_unique_id(&id), nullptr);  // nccl_check.h
//
// Contract:
//  - The first call of Nccl() dlopens "libnccl.so.2", falling back to "libnccl.so" (where each
//    is looked for: cuda::OpenLibrary in tensor/cuda/dynamic_library.h), resolves every entry
//    point of NcclApi and checks that the library is NCCL 2.14 or newer (ncclCommInitRankConfig
//    and ncclCommFinalize need it). Thread-safe; done once per process; the result (success or
//    failure) is kept. A library that passes stays loaded; one that fails is closed again.
//  - Failure is FAILED_PRECONDITION, one line starting "NCCL is not available: " followed by
//    what went wrong (dlerror()'s text, e.g. "libnccl.so.2: cannot open shared object file: No
//    such file or directory", or "found NCCL 2.12.12, need 2.14 or newer"), and how to fix it.
//    Loading needs no GPU.
//  - Only functions are loaded: nccl.h's macros (NCCL_CONFIG_INITIALIZER, NCCL_VERSION) and
//    types are compile-time and used directly.
#ifndef CONCORD_WORKER_COMM_NCCL_API_H_
#define CONCORD_WORKER_COMM_NCCL_API_H_

#include <nccl.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace concord::comm {

// NCCL's entry points, resolved by their exported names. Members are called as the functions
// they stand for (get_unique_id is ncclGetUniqueId, and so on).
struct NcclApi {
  decltype(&ncclGetVersion) get_version;
  decltype(&ncclGetUniqueId) get_unique_id;
  decltype(&ncclCommInitRankConfig) comm_init_rank_config;
  decltype(&ncclCommGetAsyncError) comm_get_async_error;
  decltype(&ncclCommFinalize) comm_finalize;
  decltype(&ncclCommDestroy) comm_destroy;
  decltype(&ncclCommAbort) comm_abort;
  decltype(&ncclAllReduce) all_reduce;
  decltype(&ncclBroadcast) broadcast;
  decltype(&ncclGetErrorString) get_error_string;
  decltype(&ncclGetLastError) get_last_error;
};

// The loaded NCCL (never null when OK), or the kept FAILED_PRECONDITION (see the contract).
absl::StatusOr<const NcclApi*> Nccl();

namespace nccl_internal {

// What Nccl() does, with the library names to try in order, uncached, for tests. A library that
// passes stays loaded (one that fails is closed again); the table is the caller's to keep or
// drop.
absl::StatusOr<NcclApi> TryLoadNccl(const std::vector<std::string>& library_names);

// The loader's version check, on an ncclGetVersion code (NCCL_VERSION's encoding): OK for 2.14
// or newer, else FAILED_PRECONDITION "found NCCL X.Y.Z, need 2.14 or newer".
absl::Status CheckNcclVersion(int version);

}  // namespace nccl_internal
}  // namespace concord::comm

#endif  // CONCORD_WORKER_COMM_NCCL_API_H_
