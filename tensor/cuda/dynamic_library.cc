// File: tensor/cuda/dynamic_library.cc
//
// Implementation of tensor/cuda/dynamic_library.h.
#include "tensor/cuda/dynamic_library.h"

#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <limits.h>

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace concord::cuda {
namespace {

static_assert(CUDART_VERSION / 1000 == 13, "update kCudaRuntimeSoname for this CUDA");
constexpr char kCudaRuntimeSoname[] = "libcudart.so.13";

// dlerror()'s text, or a stand-in if it has none.
std::string DlError() {
  const char* error = dlerror();
  return error != nullptr ? error : "dlopen/dlsym failed without an error message";
}

}  // namespace

std::string CudaRuntimeFolder() {
  // RTLD_NOLOAD: a handle only if the runtime is mapped already (it is linked), loads nothing.
  void* cudart = dlopen(kCudaRuntimeSoname, RTLD_LAZY | RTLD_NOLOAD);
  if (cudart == nullptr) {
    (void)dlerror();
    return "";
  }
  char origin[PATH_MAX + 1] = {};  // dlinfo writes at most PATH_MAX bytes and a terminator
  const bool found = dlinfo(cudart, RTLD_DI_ORIGIN, origin) == 0;
  (void)dlclose(cudart);  // drops only our reference
  if (!found) {
    (void)dlerror();
    return "";
  }
  return origin;
}

absl::StatusOr<void*> OpenLibrary(const std::vector<std::string>& names) {
  if (names.empty()) return absl::InvalidArgumentError("OpenLibrary: no library name given");
  const std::string folder = CudaRuntimeFolder();
  std::string errors;
  for (const std::string& name : names) {
    std::vector<std::string> attempts = {name};
    if (!folder.empty() && name.find('/') == std::string::npos) {
      attempts.push_back(absl::StrCat(folder, "/", name));
    }
    for (const std::string& attempt : attempts) {
      void* library = dlopen(attempt.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (library != nullptr) return library;
      absl::StrAppend(&errors, errors.empty() ? "" : "; then ", DlError());
    }
  }
  return absl::FailedPreconditionError(errors);
}

absl::StatusOr<void*> FindSymbol(void* library, const char* symbol) {
  (void)dlerror();  // clear a stale error
  void* address = dlsym(library, symbol);
  if (address == nullptr) return absl::FailedPreconditionError(DlError());
  return address;
}

absl::Status LoadLibrary(const std::vector<std::string>& names,
                         absl::FunctionRef<absl::Status(void* library)> resolve) {
  absl::StatusOr<void*> library = OpenLibrary(names);
  if (!library.ok()) return library.status();
  absl::Status status = resolve(*library);
  if (!status.ok()) (void)dlclose(*library);  // nothing of it is used
  return status;
}

}  // namespace concord::cuda
