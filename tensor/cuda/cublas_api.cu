// File: tensor/cuda/cublas_api.cu
//
// Implementation of tensor/cuda/cublas_api.h; it loads through tensor/cuda/dynamic_library.h
// (Note [Lazy GPU libraries]).
#include "tensor/cuda/cublas_api.h"

#include <cublas_v2.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "tensor/cuda/dynamic_library.h"

namespace concord::cuda {
namespace {

static_assert(CUBLAS_VER_MAJOR == 13, "update kCublasSoname for this cuBLAS");
constexpr char kCublasSoname[] = "libcublas.so.13";
constexpr char kCublasDevLink[] = "libcublas.so";

// The exported cublasGemmEx has exactly the type of CublasApi::gemm_ex (this cast picks that
// overload, and fails to compile if none matches).
using CheckGemmExType = decltype(static_cast<decltype(CublasApi::gemm_ex)>(&cublasGemmEx));

absl::Status Unavailable(absl::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat(
      "cuBLAS is not available: ", why,
      ". CUDA tensors' matrix products need CUDA 13's cuBLAS (libcublas.so.13 and "
      "libcublasLt.so.13): put their folder on LD_LIBRARY_PATH, or run on the CPU "
      "(--device=cpu)"));
}

// Every entry point of `api` from `library`, and the library's major version checked.
absl::Status ResolveAll(void* library, CublasApi& api) {
  RETURN_IF_ERROR(FindFunction(library, "cublasCreate_v2", &api.create));
  RETURN_IF_ERROR(FindFunction(library, "cublasDestroy_v2", &api.destroy));
  RETURN_IF_ERROR(FindFunction(library, "cublasSetStream_v2", &api.set_stream));
  RETURN_IF_ERROR(FindFunction(library, "cublasSdot_v2", &api.sdot));
  RETURN_IF_ERROR(FindFunction(library, "cublasGemmEx", &api.gemm_ex));
  RETURN_IF_ERROR(FindFunction(library, "cublasGetStatusName", &api.get_status_name));
  RETURN_IF_ERROR(FindFunction(library, "cublasGetStatusString", &api.get_status_string));
  RETURN_IF_ERROR(FindFunction(library, "cublasGetProperty", &api.get_property));
  int major = -1;
  const cublasStatus_t status = api.get_property(MAJOR_VERSION, &major);
  if (status != CUBLAS_STATUS_SUCCESS) {
    return absl::FailedPreconditionError(
        absl::StrCat("the loaded library's cublasGetProperty(MAJOR_VERSION) failed: ",
                     api.get_status_name(status), " (", static_cast<int>(status), ")"));
  }
  if (major != CUBLAS_VER_MAJOR) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the loaded library is cuBLAS ", major, ", Concord was built against cuBLAS ",
        CUBLAS_VER_MAJOR));
  }
  return absl::OkStatus();
}

absl::StatusOr<CublasApi> Load(const std::vector<std::string>& library_names) {
  CublasApi api{};
  const absl::Status status =
      LoadLibrary(library_names, [&api](void* library) { return ResolveAll(library, api); });
  if (!status.ok()) return Unavailable(status.message());
  return api;
}

const absl::StatusOr<CublasApi>& Loaded() {
  // Thread-safe initialisation; never destroyed, so no teardown order issues.
  static const auto* loaded =
      new absl::StatusOr<CublasApi>(Load({kCublasSoname, kCublasDevLink}));
  return *loaded;
}

}  // namespace

absl::Status LoadCublas() { return Loaded().status(); }

absl::StatusOr<const CublasApi*> Cublas() {
  const absl::StatusOr<CublasApi>& loaded = Loaded();
  if (!loaded.ok()) return loaded.status();
  return &*loaded;
}

namespace cublas_internal {

absl::Status TryLoadCublas(const std::vector<std::string>& library_names) {
  return Load(library_names).status();
}

}  // namespace cublas_internal
}  // namespace concord::cuda
