// File: worker/comm/nccl_api.h
//
// NCCL, loaded with dlopen on first use instead of linked, so that processes that never create
// an NCCL communicator (CPU training, the Gloo backend, --help) never map libnccl.so.2 (218 MB).
// See Note [Lazy GPU libraries] in tensor/cuda/cublas_api.cu.
//
//   ASSIGN_OR_RETURN(const NcclApi* nccl, Nccl());
//   NCCL_RETURN_IF_ERROR(nccl->get_unique_id(&id), nullptr);
//
// Contract:
//  - The first call of Nccl() dlopens "libnccl.so.2", falling back to "libnccl.so", through the
//    usual search path (the binary's rpath /usr/local/cuda/lib64, LD_LIBRARY_PATH, ld.so.cache),
//    and resolves every entry point of NcclApi. Thread-safe; done once per process; the library
//    stays loaded and the result (success or failure) is kept.
//  - Failure is FAILED_PRECONDITION, one line starting "NCCL is not available: " followed by
//    dlerror()'s text, e.g. "libnccl.so.2: cannot open shared object file: No such file or
//    directory", and how to fix it. Loading needs no GPU.
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

// What Nccl() does, with the library names to try in order, uncached, for tests. A library
// opened here stays loaded; the table is the caller's to keep or drop.
absl::StatusOr<NcclApi> TryLoadNccl(const std::vector<std::string>& library_names);

}  // namespace nccl_internal
}  // namespace concord::comm

#endif  // CONCORD_WORKER_COMM_NCCL_API_H_
