// GEMM: OpenBLAS for float32/float64, reading transposed views in place.
#include <cblas.h>

#include <atomic>

#include "tensor/ops/blas_operand.h"
#include "tensor/ops/cuda_ops.h"
#include "tensor/ops/kernels.h"

namespace concord::ops {
namespace {

CBLAS_TRANSPOSE Trans(const BlasOperand& o) { return o.trans ? CblasTrans : CblasNoTrans; }

template <typename T>
void NaiveGemm(const Tensor& out, const Tensor& a, const Tensor& b, bool accumulate) {
  const int64_t n = a.shape()[0], k = a.shape()[1], m = b.shape()[1];
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* po = out.data<T>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < m; ++j) {
      T acc = accumulate ? po[i * m + j] : T(0);
      for (int64_t p = 0; p < k; ++p) acc += pa[i * a.strides()[0] + p * a.strides()[1]] * pb[p * b.strides()[0] + j * b.strides()[1]];
      po[i * m + j] = acc;
    }
  }
}

}  // namespace

BlasOperand AsBlasOperand(const Tensor& t) {
  const int64_t rows = t.shape()[0], cols = t.shape()[1];
  const int64_t s0 = t.strides()[0], s1 = t.strides()[1];
  if ((s1 == 1 || cols == 1) && s0 >= std::max<int64_t>(cols, 1)) return {t, false, s0};
  if ((s0 == 1 || rows == 1) && s1 >= std::max<int64_t>(rows, 1)) return {t, true, s1};
  return {CastCopy(t, t.dtype()), false, std::max<int64_t>(cols, 1)};
}

void Gemm(const Tensor& out, const Tensor& a, const Tensor& b, bool accumulate) {
  const bool cuda = cuda_ops::CommonDevice("mm", {&out, &a, &b}).is_cuda();
  const int64_t n = a.shape()[0], k = a.shape()[1], m = b.shape()[1];
  if (n == 0 || m == 0) return;
  if (k == 0) {
    if (!accumulate) Fill(out, 0);
    return;
  }
  if (cuda) return cuda_ops::Gemm(out, a, b, accumulate, AllowTf32());
  if (a.dtype() == kInt64) return NaiveGemm<int64_t>(out, a, b, accumulate);
  const BlasOperand va = AsBlasOperand(a), vb = AsBlasOperand(b);
  const double beta = accumulate ? 1.0 : 0.0;
  if (a.dtype() == kFloat32) {
    cblas_sgemm(CblasRowMajor, Trans(va), Trans(vb), n, m, k, 1.0f, va.t.data<float>(), va.ld, vb.t.data<float>(),
                vb.ld, static_cast<float>(beta), out.data<float>(), m);
  } else {
    cblas_dgemm(CblasRowMajor, Trans(va), Trans(vb), n, m, k, 1.0, va.t.data<double>(), va.ld, vb.t.data<double>(),
                vb.ld, beta, out.data<double>(), m);
  }
}

}  // namespace concord::ops

namespace concord::ops {
namespace {
std::atomic<bool> allow_tf32{false};
}  // namespace

void SetAllowTf32(bool allow) { allow_tf32.store(allow); }
bool AllowTf32() { return allow_tf32.load(); }

void SetBlasThreads(int threads) { openblas_set_num_threads(std::max(threads, 1)); }
int BlasThreads() { return openblas_get_num_threads(); }

}  // namespace concord::ops
