// File: tensor/cuda/cublas_api.cu
//
// Note [Lazy GPU libraries]
// cuBLAS and NCCL are loaded with dlopen on first use rather than linked: libcublas.so.13 needs
// libcublasLt.so.13 (541 MB), and merely loading the two at start-up cost every process ~0.4 s
// and ~200 MB of peak RSS (~60 MB of it libcublasLt's own pages, ~80 MB anonymous memory), a
// worker's `--help` included. A process that never
// touches a CUDA tensor's GEMM or an NCCL communicator now never loads them; on a GPU host the
// first GEMM or CreateNcclCommunicator pays once. The CUDA runtime (libcudart, 0.7 MB, under
// 1 MB of RSS and no measurable time) stays linked: every CUDA tensor path uses it directly.
// Each loader (tensor/cuda/cublas_api.cu, worker/comm/nccl_api.cc) tries the versioned soname
// first, then the unversioned development link, resolves a fixed table of entry points by their
// exported names, and keeps the outcome for the process's life (success, or the dlerror() text
// as FAILED_PRECONDITION). A library is looked for as the dynamic loader would (LD_LIBRARY_PATH,
// which the bundle's run.sh sets on GPU hosts; the rpath /usr/local/cuda/lib64; ld.so.cache),
// then next to the loaded libcudart (tensor/cuda/dynamic_library.h). Because nothing links
// -lcublas or -lnccl any more, a direct call to a cuBLAS or NCCL function is a link error:
// every call goes through CublasApi or NcclApi.
#include "tensor/cuda/cublas_api.h"

#include <cublas_v2.h>
#include <dlfcn.h>

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

// Sets `fn` to `symbol` of `library`.
template <typename Fn>
absl::Status Resolve(void* library, const char* symbol, Fn& fn) {
  absl::StatusOr<void*> address = FindSymbol(library, symbol);
  if (!address.ok()) return Unavailable(address.status().message());
  fn = reinterpret_cast<Fn>(*address);
  return absl::OkStatus();
}

// Every entry point of `api` from `library`, and the library's major version checked.
absl::Status ResolveAll(void* library, CublasApi& api) {
  RETURN_IF_ERROR(Resolve(library, "cublasCreate_v2", api.create));
  RETURN_IF_ERROR(Resolve(library, "cublasDestroy_v2", api.destroy));
  RETURN_IF_ERROR(Resolve(library, "cublasSetStream_v2", api.set_stream));
  RETURN_IF_ERROR(Resolve(library, "cublasSdot_v2", api.sdot));
  RETURN_IF_ERROR(Resolve(library, "cublasGemmEx", api.gemm_ex));
  RETURN_IF_ERROR(Resolve(library, "cublasGetStatusName", api.get_status_name));
  RETURN_IF_ERROR(Resolve(library, "cublasGetStatusString", api.get_status_string));
  RETURN_IF_ERROR(Resolve(library, "cublasGetProperty", api.get_property));
  int major = -1;
  if (api.get_property(MAJOR_VERSION, &major) != CUBLAS_STATUS_SUCCESS ||
      major != CUBLAS_VER_MAJOR) {
    return Unavailable(absl::StrCat("the loaded library is cuBLAS ", major,
                                    ", Concord was built against cuBLAS ", CUBLAS_VER_MAJOR));
  }
  return absl::OkStatus();
}

absl::StatusOr<CublasApi> Load(const std::vector<std::string>& library_names) {
  absl::StatusOr<void*> library = OpenLibrary(library_names);
  if (!library.ok()) return Unavailable(library.status().message());
  CublasApi api{};
  if (absl::Status status = ResolveAll(*library, api); !status.ok()) {
    (void)dlclose(*library);  // nothing of it is used
    return status;
  }
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
