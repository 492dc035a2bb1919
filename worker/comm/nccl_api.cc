// File: worker/comm/nccl_api.cc
//
// Implementation of worker/comm/nccl_api.h; the cuBLAS loader (tensor/cuda/cublas_api.cu) works
// the same way. See Note [Lazy GPU libraries] there.
#include "worker/comm/nccl_api.h"

#include <dlfcn.h>
#include <nccl.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "tensor/cuda/dynamic_library.h"

namespace concord::comm {
namespace {

static_assert(NCCL_MAJOR == 2, "update kNcclSoname for this NCCL");
constexpr char kNcclSoname[] = "libnccl.so.2";
constexpr char kNcclDevLink[] = "libnccl.so";

absl::Status Unavailable(absl::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat(
      "NCCL is not available: ", why,
      ". The NCCL backend needs NCCL 2 (libnccl.so.2): put its folder on LD_LIBRARY_PATH, or use "
      "the Gloo backend (--comm_backend=gloo)"));
}

// Sets `fn` to `symbol` of `library`.
template <typename Fn>
absl::Status Resolve(void* library, const char* symbol, Fn& fn) {
  absl::StatusOr<void*> address = cuda::FindSymbol(library, symbol);
  if (!address.ok()) return Unavailable(address.status().message());
  fn = reinterpret_cast<Fn>(*address);
  return absl::OkStatus();
}

absl::Status ResolveAll(void* library, NcclApi& api) {
  RETURN_IF_ERROR(Resolve(library, "ncclGetVersion", api.get_version));
  RETURN_IF_ERROR(Resolve(library, "ncclGetUniqueId", api.get_unique_id));
  RETURN_IF_ERROR(Resolve(library, "ncclCommInitRankConfig", api.comm_init_rank_config));
  RETURN_IF_ERROR(Resolve(library, "ncclCommGetAsyncError", api.comm_get_async_error));
  RETURN_IF_ERROR(Resolve(library, "ncclCommFinalize", api.comm_finalize));
  RETURN_IF_ERROR(Resolve(library, "ncclCommDestroy", api.comm_destroy));
  RETURN_IF_ERROR(Resolve(library, "ncclCommAbort", api.comm_abort));
  RETURN_IF_ERROR(Resolve(library, "ncclAllReduce", api.all_reduce));
  RETURN_IF_ERROR(Resolve(library, "ncclBroadcast", api.broadcast));
  RETURN_IF_ERROR(Resolve(library, "ncclGetErrorString", api.get_error_string));
  RETURN_IF_ERROR(Resolve(library, "ncclGetLastError", api.get_last_error));
  return absl::OkStatus();
}

absl::StatusOr<NcclApi> Load(const std::vector<std::string>& library_names) {
  absl::StatusOr<void*> library = cuda::OpenLibrary(library_names);
  if (!library.ok()) return Unavailable(library.status().message());
  NcclApi api{};
  if (absl::Status status = ResolveAll(*library, api); !status.ok()) {
    (void)dlclose(*library);  // nothing of it is used
    return status;
  }
  return api;
}

}  // namespace

absl::StatusOr<const NcclApi*> Nccl() {
  // Thread-safe initialisation; never destroyed, so no teardown order issues.
  static const auto* loaded = new absl::StatusOr<NcclApi>(Load({kNcclSoname, kNcclDevLink}));
  if (!loaded->ok()) return loaded->status();
  return &**loaded;
}

namespace nccl_internal {

absl::StatusOr<NcclApi> TryLoadNccl(const std::vector<std::string>& library_names) {
  return Load(library_names);
}

}  // namespace nccl_internal
}  // namespace concord::comm
