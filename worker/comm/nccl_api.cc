// File: worker/comm/nccl_api.cc
//
// Implementation of worker/comm/nccl_api.h. Like the cuBLAS loader (tensor/cuda/cublas_api.cu)
// it loads through tensor/cuda/dynamic_library.h; see Note [Lazy GPU libraries] in that header.
#include "worker/comm/nccl_api.h"

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
      ". The NCCL backend needs NCCL 2.14 or newer (libnccl.so.2): put its folder on "
      "LD_LIBRARY_PATH, or use the Gloo backend (--comm_backend=gloo)"));
}

// Every entry point of `api` from `library`, and the library's version checked.
absl::Status ResolveAll(void* library, NcclApi& api) {
  using cuda::FindFunction;
  RETURN_IF_ERROR(FindFunction(library, "ncclGetVersion", &api.get_version));
  RETURN_IF_ERROR(FindFunction(library, "ncclGetUniqueId", &api.get_unique_id));
  RETURN_IF_ERROR(FindFunction(library, "ncclCommInitRankConfig", &api.comm_init_rank_config));
  RETURN_IF_ERROR(FindFunction(library, "ncclCommGetAsyncError", &api.comm_get_async_error));
  RETURN_IF_ERROR(FindFunction(library, "ncclCommFinalize", &api.comm_finalize));
  RETURN_IF_ERROR(FindFunction(library, "ncclCommDestroy", &api.comm_destroy));
  RETURN_IF_ERROR(FindFunction(library, "ncclCommAbort", &api.comm_abort));
  RETURN_IF_ERROR(FindFunction(library, "ncclAllReduce", &api.all_reduce));
  RETURN_IF_ERROR(FindFunction(library, "ncclBroadcast", &api.broadcast));
  RETURN_IF_ERROR(FindFunction(library, "ncclGetErrorString", &api.get_error_string));
  RETURN_IF_ERROR(FindFunction(library, "ncclGetLastError", &api.get_last_error));
  int version = 0;
  const ncclResult_t result = api.get_version(&version);
  if (result != ncclSuccess) {
    return absl::FailedPreconditionError(
        absl::StrCat("the loaded library's ncclGetVersion failed: ",
                     api.get_error_string(result), " (", static_cast<int>(result), ")"));
  }
  return nccl_internal::CheckNcclVersion(version);
}

absl::StatusOr<NcclApi> Load(const std::vector<std::string>& library_names) {
  NcclApi api{};
  const absl::Status status = cuda::LoadLibrary(
      library_names, [&api](void* library) { return ResolveAll(library, api); });
  if (!status.ok()) return Unavailable(status.message());
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

absl::Status CheckNcclVersion(int version) {
  if (version >= NCCL_VERSION(2, 14, 0)) return absl::OkStatus();
  // NCCL_VERSION's two encodings: X*1000 + Y*100 + Z up to 2.8, X*10000 + Y*100 + Z since 2.9.
  const int major_scale = version < 10000 ? 1000 : 10000;
  return absl::FailedPreconditionError(
      absl::StrCat("found NCCL ", version / major_scale, ".", version % major_scale / 100, ".",
                   version % 100, ", need 2.14 or newer"));
}

absl::StatusOr<NcclApi> TryLoadNccl(const std::vector<std::string>& library_names) {
  return Load(library_names);
}

}  // namespace nccl_internal
}  // namespace concord::comm
