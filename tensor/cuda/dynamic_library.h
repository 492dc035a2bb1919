// File: tensor/cuda/dynamic_library.h
//
// dlopen/dlsym with absl::Status, for the GPU libraries that Concord loads on first use instead
// of linking (cuBLAS in tensor/cuda/cublas_api.h, NCCL in worker/comm/nccl_api.h).
//
// Note [Lazy GPU libraries]
// cuBLAS and NCCL are loaded with dlopen on first use rather than linked: libcublas.so.13 needs
// libcublasLt.so.13 (541 MB), and merely loading the two at start-up cost every process ~0.4 s
// and ~200 MB of peak RSS (~60 MB of it libcublasLt's own pages, ~80 MB anonymous memory), a
// worker's `--help` included. A process that never touches a CUDA tensor's GEMM or an NCCL
// communicator now never loads them; on a GPU host the first GEMM or CreateNcclCommunicator
// pays once. The CUDA runtime (libcudart, 0.7 MB, under 1 MB of RSS and no measurable time)
// stays linked: every CUDA tensor path uses it directly.
// Each loader (tensor/cuda/cublas_api.cu, worker/comm/nccl_api.cc) calls LoadLibrary below with
// the versioned soname first and the unversioned development link second, resolves a fixed
// table of entry points by their exported names with FindFunction, checks the library's
// version, and keeps the outcome for the process's life (success, or the dlerror() text as
// FAILED_PRECONDITION). A library that resolves stays loaded; one that does not is closed again.
// Where a library is looked for is described once, at OpenLibrary. Because nothing links
// -lcublas or -lnccl any more, a direct call to a cuBLAS or NCCL function is a link error:
// every call goes through CublasApi or NcclApi.
//
//   CublasApi api{};
//   RETURN_IF_ERROR(cuda::LoadLibrary({"libcublas.so.13", "libcublas.so"}, [&](void* library) {
//     return cuda::FindFunction(library, "cublasCreate_v2", &api.create);
//   }));
//
// Errors are FAILED_PRECONDITION carrying dlerror()'s own text; callers prefix what is missing
// and how to fix it. Plain C++ (C++17, for nvcc too), no CUDA headers.
#ifndef CONCORD_TENSOR_CUDA_DYNAMIC_LIBRARY_H_
#define CONCORD_TENSOR_CUDA_DYNAMIC_LIBRARY_H_

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace concord::cuda {

// dlopen(RTLD_NOW | RTLD_LOCAL) of the first of `names` that opens. The search order: each name
// in turn is tried first by the dynamic loader's own search (LD_LIBRARY_PATH, which the bundle's
// run.sh sets on GPU hosts; the calling object's runpath, such as /usr/local/cuda/lib64;
// ld.so.cache; the system folders), then in CudaRuntimeFolder(): a linked library would have
// been found through the executable's rpath, which dlopen from a shared object (Bazel's test
// builds) does not consult, and CUDA's libraries sit next to its runtime. The handle is the
// caller's (LoadLibrary closes it only if resolving fails). On failure the message lists every
// attempt's dlerror() text, in order, joined by "; then ".
absl::StatusOr<void*> OpenLibrary(const std::vector<std::string>& names);

// The address of `symbol` in `library` (a handle from OpenLibrary), or dlerror()'s text
// ("LIBRARY: undefined symbol: SYMBOL").
absl::StatusOr<void*> FindSymbol(void* library, const char* symbol);

// Sets *fn, a function pointer, to `symbol` of `library`; FindSymbol's error otherwise.
template <class Fn>
absl::Status FindFunction(void* library, const char* symbol, Fn* fn) {
  absl::StatusOr<void*> address = FindSymbol(library, symbol);
  if (!address.ok()) return address.status();
  *fn = reinterpret_cast<Fn>(*address);
  return absl::OkStatus();
}

// Opens the first of `names` that opens (OpenLibrary) and runs resolve(handle). OK: the library
// stays loaded for the process's life (nothing closes it). Otherwise OpenLibrary's or resolve's
// status, unchanged; a library opened and then failing resolve is closed again (dlclose drops
// only this reference: a library the process had mapped already stays mapped).
absl::Status LoadLibrary(const std::vector<std::string>& names,
                         absl::FunctionRef<absl::Status(void* library)> resolve);

// The folder the loaded CUDA runtime (libcudart.so.13) was mapped from, e.g.
// "/usr/local/cuda/lib64"; empty if it is not loaded.
std::string CudaRuntimeFolder();

}  // namespace concord::cuda

#endif  // CONCORD_TENSOR_CUDA_DYNAMIC_LIBRARY_H_
