// Tests for //tensor/cuda:runtime. GPU tests skip (printing CUDA's reason) on machines where
// CudaDeviceCount() is not OK or finds no device; CudaDeviceCountTest runs everywhere and checks
// that a machine without CUDA gets a clear one-line status rather than a crash. CublasLoaderTest
// runs everywhere too: cuBLAS is loaded on first use (cublas_api.h), which needs the library
// (in /usr/local/cuda/lib64 on build machines, on LD_LIBRARY_PATH on GPU hosts) but no GPU.
#include "tensor/cuda/runtime.h"

#include <dlfcn.h>

#include <cmath>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tensor/cuda/cublas_api.h"
#include "tensor/cuda/cuda_check.h"
#include "tensor/cuda/dynamic_library.h"

namespace concord {
namespace {

// Skips the calling test unless a CUDA device is usable.
#define SKIP_WITHOUT_CUDA_DEVICE()                                           \
  do {                                                                       \
    const absl::StatusOr<int> count = CudaDeviceCount();                     \
    if (!count.ok()) GTEST_SKIP() << "no usable CUDA: " << count.status();   \
    if (*count == 0) GTEST_SKIP() << "no CUDA device";                       \
  } while (false)

// True if `soname` is mapped into this process already (dlopen's RTLD_NOLOAD loads nothing).
bool IsLoaded(const char* soname) {
  void* handle = dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  dlclose(handle);
  return true;
}

// First in this file, so that in declaration order nothing has used cuBLAS yet.
TEST(CublasLoaderTest, NotLoadedBeforeFirstUse) {
  if (GTEST_FLAG_GET(shuffle)) GTEST_SKIP() << "needs declaration order";
  (void)CudaDeviceCount();  // using the CUDA runtime alone does not load cuBLAS
  EXPECT_FALSE(IsLoaded("libcublas.so.13"));
  EXPECT_FALSE(IsLoaded("libcublasLt.so.13"));
}

TEST(CublasLoaderTest, LoadsAndResolvesEveryEntryPointWithoutAGpu) {
  const absl::Status status = cuda::LoadCublas();
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_TRUE(IsLoaded("libcublas.so.13"));
  // Uncached, by name: a later name is tried when the first does not open. (The soname, not the
  // development link "libcublas.so": GPU hosts have only the former.)
  const absl::Status fallback =
      cuda::cublas_internal::TryLoadCublas({"libdoes_not_exist.so", "libcublas.so.13"});
  EXPECT_TRUE(fallback.ok()) << fallback;
}

TEST(CublasLoaderTest, AMissingLibraryIsFailedPreconditionWithDlerrorsText) {
  const absl::Status status = cuda::cublas_internal::TryLoadCublas({"libdoes_not_exist.so"});
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  const std::string message(status.message());
  EXPECT_THAT(message, testing::StartsWith("cuBLAS is not available: libdoes_not_exist.so: "
                                           "cannot open shared object file"));
  EXPECT_NE(message.find("LD_LIBRARY_PATH"), std::string::npos) << message;  // how to fix it
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;

  // Both names tried, both reasons given, in order.
  const absl::Status both =
      cuda::cublas_internal::TryLoadCublas({"libdoes_not_exist.so", "libnor_this.so"});
  const std::string both_message(both.message());
  const size_t first = both_message.find("libdoes_not_exist.so: cannot open");
  const size_t second = both_message.find("libnor_this.so: cannot open");
  EXPECT_NE(first, std::string::npos) << both_message;
  EXPECT_NE(second, std::string::npos) << both_message;
  EXPECT_LT(first, second) << both_message;
}

TEST(CublasLoaderTest, ALibraryWithoutTheEntryPointsIsFailedPrecondition) {
  // libm opens fine but is not cuBLAS: dlsym's error names the first missing symbol.
  const absl::Status status = cuda::cublas_internal::TryLoadCublas({"libm.so.6"});
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_NE(status.message().find("cuBLAS is not available: "), std::string::npos) << status;
  EXPECT_NE(status.message().find("undefined symbol: cublasCreate_v2"), std::string::npos)
      << status;
}

TEST(DynamicLibraryTest, LooksNextToTheLinkedCudaRuntimeToo) {
  const std::string folder = cuda::CudaRuntimeFolder();
  ASSERT_FALSE(folder.empty()) << "libcudart.so.13 is linked, so it is mapped";
  void* cudart = dlopen((folder + "/libcudart.so.13").c_str(), RTLD_LAZY | RTLD_NOLOAD);
  EXPECT_NE(cudart, nullptr) << folder;
  if (cudart != nullptr) dlclose(cudart);
  // Each name by the loader's search, then in that folder; every failure reported, in order.
  const absl::StatusOr<void*> missing = cuda::OpenLibrary({"libdoes_not_exist.so"});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(missing.status().message(),
            "libdoes_not_exist.so: cannot open shared object file: No such file or directory; "
            "then " + folder + "/libdoes_not_exist.so: cannot open shared object file: No such "
            "file or directory");
  const absl::StatusOr<void*> libm = cuda::OpenLibrary({"libdoes_not_exist.so", "libm.so.6"});
  ASSERT_TRUE(libm.ok()) << libm.status();
  EXPECT_TRUE(cuda::FindSymbol(*libm, "cos").ok());
  const absl::StatusOr<void*> none = cuda::FindSymbol(*libm, "cublasCreate_v2");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(none.status().message().find("undefined symbol: cublasCreate_v2"), std::string::npos)
      << none.status();
}

TEST(DynamicLibraryTest, LoadLibraryClosesTheLibraryOnlyIfResolvingFails) {
  constexpr char kName[] = "libz.so.1";  // in every Debian system; nothing here maps it
  if (IsLoaded(kName)) GTEST_SKIP() << kName << " is mapped already";
  const absl::Status failed =
      cuda::LoadLibrary({kName}, [](void*) { return absl::NotFoundError("not this one"); });
  EXPECT_EQ(failed, absl::NotFoundError("not this one"));  // resolve's status, unchanged
  EXPECT_FALSE(IsLoaded(kName));
  const char* (*zlib_version)() = nullptr;
  const absl::Status loaded = cuda::LoadLibrary({kName}, [&](void* library) {
    return cuda::FindFunction(library, "zlibVersion", &zlib_version);
  });
  ASSERT_TRUE(loaded.ok()) << loaded;
  EXPECT_TRUE(IsLoaded(kName));
  ASSERT_NE(zlib_version, nullptr);
  EXPECT_STRNE(zlib_version(), "");
}

TEST(CudaDeviceCountTest, ReportsDevicesOrAClearError) {
  const absl::StatusOr<int> count = CudaDeviceCount();
  if (count.ok()) {
    EXPECT_GT(*count, 0);
    return;
  }
  // No GPU here: the status must carry CUDA's own error text for what cudaGetDeviceCount says.
  int raw_count = 0;
  const cudaError_t error = cudaGetDeviceCount(&raw_count);
  ASSERT_NE(error, cudaSuccess) << "CudaDeviceCount failed but cudaGetDeviceCount succeeded";
  const std::string message(count.status().message());
  std::cout << "CudaDeviceCount() status: " << count.status() << std::endl;
  EXPECT_FALSE(message.empty());
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_NE(message.find("cudaGetDeviceCount"), std::string::npos) << message;
  EXPECT_NE(message.find(cudaGetErrorString(error)), std::string::npos) << message;
  EXPECT_NE(message.find(cudaGetErrorName(error)), std::string::npos) << message;
  EXPECT_NE(message.find("tensor/cuda/runtime.cu:"), std::string::npos) << message;
  EXPECT_TRUE(count.status().code() == absl::StatusCode::kFailedPrecondition ||
              count.status().code() == absl::StatusCode::kInternal)
      << count.status();
}

TEST(CudaDeviceCountTest, ComputeWithoutADeviceReturnsAStatus) {
  const absl::StatusOr<int> count = CudaDeviceCount();
  if (count.ok() && *count > 0) GTEST_SKIP() << "a CUDA device is present";
  std::vector<float> a = {1, 2, 3}, b = {4, 5, 6}, out(3, 0.0f);
  const absl::Status add = CudaAddVectors(a.data(), b.data(), out.data(), 3);
  EXPECT_FALSE(add.ok());
  EXPECT_NE(add.message().find("cudaMalloc"), std::string::npos) << add;
  EXPECT_EQ(out, std::vector<float>(3, 0.0f));
  const absl::StatusOr<float> dot = CublasSdot(a, b);
  EXPECT_FALSE(dot.ok());
  std::cout << "CudaAddVectors: " << add << "\nCublasSdot: " << dot.status() << std::endl;
}

TEST(CudaRuntimeArgsTest, BadArgumentsAreInvalidWithoutTouchingTheDevice) {
  float x = 1.0f;
  EXPECT_EQ(CudaAddVectors(&x, &x, &x, -1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CudaAddVectors(nullptr, &x, &x, 1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CudaAddVectors(nullptr, nullptr, nullptr, 0).ok());
  EXPECT_EQ(CublasSdot({1.0f}, {1.0f, 2.0f}).status().code(), absl::StatusCode::kInvalidArgument);
  const absl::StatusOr<float> empty = CublasSdot({}, {});
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(*empty, 0.0f);
}

void CheckAddVectors(int64_t n) {
  std::vector<float> a(n), b(n), out(n, -1.0f);
  for (int64_t i = 0; i < n; ++i) {
    a[i] = static_cast<float>(i % 1000) * 0.5f;
    b[i] = 1.0f - static_cast<float>(i % 37);
  }
  const absl::Status status = CudaAddVectors(a.data(), b.data(), out.data(), n);
  ASSERT_TRUE(status.ok()) << "n = " << n << ": " << status;
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(out[i], a[i] + b[i]) << "n = " << n << ", i = " << i;
  }
}

TEST(CudaRuntimeGpuTest, AddVectorsMatchesCpu) {
  SKIP_WITHOUT_CUDA_DEVICE();
  for (const int64_t n : {int64_t{0}, int64_t{1}, int64_t{1000}, (int64_t{1} << 20) + 3}) {
    CheckAddVectors(n);
  }
}

TEST(CudaRuntimeGpuTest, CublasSdotMatchesCpu) {
  SKIP_WITHOUT_CUDA_DEVICE();
  for (const int n : {1, 3, 1000, 100003}) {
    std::vector<float> x(n), y(n);
    double expected = 0.0;
    for (int i = 0; i < n; ++i) {
      x[i] = static_cast<float>((i * 7) % 13) * 0.25f - 1.0f;
      y[i] = static_cast<float>((i * 5) % 11) * 0.125f + 0.5f;
      expected += static_cast<double>(x[i]) * static_cast<double>(y[i]);
    }
    const absl::StatusOr<float> dot = CublasSdot(x, y);
    ASSERT_TRUE(dot.ok()) << "n = " << n << ": " << dot.status();
    double abs_sum = 0.0;
    for (int i = 0; i < n; ++i) abs_sum += std::abs(static_cast<double>(x[i]) * y[i]);
    // Float accumulation in some order: error bounded by a few ulps of the sum of |terms|.
    EXPECT_NEAR(*dot, expected, 1e-5 * abs_sum + 1e-6) << "n = " << n;
  }
}

}  // namespace
}  // namespace concord
