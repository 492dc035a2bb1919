// File: tensor/cuda/kernels/dispatch_training.h
//
// Host-side dispatch of the other kernels in kernels.h, as dispatch.h does for the elementwise
// ones: reductions, indexing, the fused training kernels and the int64 GEMM. Each *Impl takes
// a launcher (see dispatch.h for what it provides) and returns absl::Status.
#ifndef CONCORD_TENSOR_CUDA_KERNELS_DISPATCH_TRAINING_H_
#define CONCORD_TENSOR_CUDA_KERNELS_DISPATCH_TRAINING_H_

#include <cstdint>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "tensor/cuda/kernels/bodies.h"
#include "tensor/cuda/kernels/dispatch.h"
#include "tensor/cuda/kernels/kernels.h"
#include "tensor/cuda/kernels/reduce_bodies.h"
#include "tensor/cuda/kernels/training_bodies.h"
#include "tensor/dtype.h"
#include "tensor/ops/op_kinds.h"

namespace concord::cuda {

// Launch policies (see Note [Kernel shapes] in launch.cuh): one block per row for long rows, or
// for few rows of moderate length that one thread each would leave most of the GPU idle on;
// one warp per cross-entropy row beyond 64 classes.
inline bool UseBlockPerRow(int64_t rows, int64_t n) { return n >= 2048 || (rows < 1024 && n >= 64); }
inline bool UseWarpPerRow(int64_t classes) { return classes > 64; }

// ---- Reductions ----------------------------------------------------------------------------

template <typename L>
absl::Status ReduceLastDimImpl(const L& launch, ops::ReduceOp op, const LoopShape& rows, const Operand& out,
                               const Operand& in, int64_t n, int64_t in_stride) {
  using namespace dispatch_internal;  // NOLINT: the helpers of dispatch.h
  RETURN_IF_ERROR(CheckShape("ReduceLastDim", rows));
  RETURN_IF_ERROR(CheckNonNegative("ReduceLastDim", "n", n));
  if (op == ops::ReduceOp::kArgMax || op == ops::ReduceOp::kArgMin) {
    RETURN_IF_ERROR(CheckDType("ReduceLastDim", "out", out.dtype, DType::kInt64));
  }
  const int64_t count = NumElements(rows);
  if (count == 0) return absl::OkStatus();
  if (n == 0 && op != ops::ReduceOp::kSum) {
    return absl::InvalidArgumentError("cuda ReduceLastDim: max/min/argmax/argmin of empty rows");
  }
  const Indexer<2> ix = MakeIndexer<2>(rows, {out.strides, in.strides});
  return VisitDType(in.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return launch.ReduceRows(ix, count, n,
                             RowReducer<T>{op, static_cast<const T*>(in.data), n, in_stride, out.data, out.dtype});
  });
}

template <typename L>
absl::Status SumMiddleDimImpl(const L& launch, DType in_dtype, const void* in, DType out_dtype, void* out,
                              int64_t outer, int64_t n, int64_t inner) {
  using namespace dispatch_internal;  // NOLINT
  RETURN_IF_ERROR(CheckNonNegative("SumMiddleDim", "outer", outer));
  RETURN_IF_ERROR(CheckNonNegative("SumMiddleDim", "n", n));
  RETURN_IF_ERROR(CheckNonNegative("SumMiddleDim", "inner", inner));
  const int64_t count = outer * inner;
  if (count == 0) return absl::OkStatus();
  return VisitDType(in_dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return launch.SumColumns(count, SumMiddleElem<T>{static_cast<const T*>(in), out, out_dtype, n, inner});
  });
}

// ---- Indexing ------------------------------------------------------------------------------

template <typename L>
absl::Status IndexSelectImpl(const L& launch, DType dtype, const void* in, const int64_t* index, void* out,
                             int64_t outer, int64_t n, int64_t k, int64_t inner) {
  using namespace dispatch_internal;  // NOLINT
  RETURN_IF_ERROR(CheckNonNegative("IndexSelect", "outer", outer));
  RETURN_IF_ERROR(CheckNonNegative("IndexSelect", "n", n));
  RETURN_IF_ERROR(CheckNonNegative("IndexSelect", "k", k));
  RETURN_IF_ERROR(CheckNonNegative("IndexSelect", "inner", inner));
  const int64_t count = outer * k * inner;
  if (count == 0) return absl::OkStatus();
  return VisitDType(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using U = std::conditional_t<sizeof(T) == 1, uint8_t, std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>;
    static_assert(sizeof(U) == sizeof(T));
    return launch.Elementwise(ContiguousIndexer<1>(count), count,
                              IndexSelectElem<U>{static_cast<const U*>(in), index, static_cast<U*>(out), n, k, inner});
  });
}

template <typename L>
absl::Status OneHotImpl(const L& launch, DType dtype, const int64_t* labels, void* out, int64_t rows,
                        int64_t classes) {
  using namespace dispatch_internal;  // NOLINT
  RETURN_IF_ERROR(CheckNonNegative("OneHot", "rows", rows));
  RETURN_IF_ERROR(CheckNonNegative("OneHot", "classes", classes));
  return VisitFloating("OneHot", dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t count = rows * classes;
    if (count == 0) return absl::OkStatus();
    return launch.Elementwise(ContiguousIndexer<1>(count), count,
                              OneHotElem<T>{labels, static_cast<T*>(out), classes});
  });
}

// ---- Fused training kernels ----------------------------------------------------------------

template <typename L>
absl::Status CrossEntropyForwardImpl(const L& launch, DType dtype, const void* logits, const int64_t* labels,
                                     void* logp, void* loss_rows, int64_t rows, int64_t classes) {
  using namespace dispatch_internal;  // NOLINT
  RETURN_IF_ERROR(CheckNonNegative("CrossEntropyForward", "rows", rows));
  RETURN_IF_ERROR(CheckNonNegative("CrossEntropyForward", "classes", classes));
  return VisitFloating("CrossEntropyForward", dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (rows == 0) return absl::OkStatus();
    return launch.CrossEntropyRows(rows, classes,
                                   CrossEntropyForwardRows<T>{static_cast<const T*>(logits), labels,
                                                              static_cast<T*>(logp), static_cast<T*>(loss_rows),
                                                              classes});
  });
}

template <typename L>
absl::Status CrossEntropyBackwardImpl(const L& launch, DType dtype, const void* logp, const int64_t* labels,
                                      const void* upstream, double scale, void* grad, int64_t rows,
                                      int64_t classes) {
  using namespace dispatch_internal;  // NOLINT
  RETURN_IF_ERROR(CheckNonNegative("CrossEntropyBackward", "rows", rows));
  RETURN_IF_ERROR(CheckNonNegative("CrossEntropyBackward", "classes", classes));
  return VisitFloating("CrossEntropyBackward", dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t count = rows * classes;
    if (count == 0) return absl::OkStatus();
    return launch.Elementwise(ContiguousIndexer<1>(count), count,
                              CrossEntropyBackwardElem<T>{static_cast<const T*>(logp), labels,
                                                          static_cast<const T*>(upstream), scale,
                                                          static_cast<T*>(grad), classes});
  });
}

template <typename L>
absl::Status SgdStepImpl(const L& launch, DType dtype, void* param, const void* grad, void* momentum_buffer,
                         int64_t n, double lr, double momentum, double dampening, double weight_decay,
                         bool nesterov, bool first_step) {
  using namespace dispatch_internal;  // NOLINT
  RETURN_IF_ERROR(CheckNonNegative("SgdStep", "n", n));
  if (momentum != 0 && momentum_buffer == nullptr) {
    return absl::InvalidArgumentError("cuda SgdStep: momentum != 0 needs a momentum buffer");
  }
  return VisitFloating("SgdStep", dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (n == 0) return absl::OkStatus();
    const SgdElem<T> f{static_cast<T*>(param),
                       static_cast<const T*>(grad),
                       momentum != 0 ? static_cast<T*>(momentum_buffer) : nullptr,
                       static_cast<T>(lr),
                       static_cast<T>(momentum),
                       static_cast<T>(1 - dampening),
                       static_cast<T>(weight_decay),
                       weight_decay != 0,
                       nesterov,
                       first_step};
    return launch.Elementwise(ContiguousIndexer<1>(n), n, f);
  });
}

// ---- int64 GEMM (float32/float64 go to cuBLAS in gemm.cu) -----------------------------------

template <typename L>
absl::Status GemmInt64Impl(const L& launch, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                           const int64_t* a, int64_t lda, const int64_t* b, int64_t ldb, int64_t* c, int64_t ldc,
                           bool accumulate) {
  using namespace dispatch_internal;  // NOLINT
  RETURN_IF_ERROR(CheckNonNegative("Gemm", "m", m));
  RETURN_IF_ERROR(CheckNonNegative("Gemm", "n", n));
  RETURN_IF_ERROR(CheckNonNegative("Gemm", "k", k));
  const int64_t count = m * n;
  if (count == 0) return absl::OkStatus();
  return launch.Elementwise(ContiguousIndexer<1>(count), count,
                            GemmInt64Elem{trans_a, trans_b, n, k, a, lda, b, ldb, c, ldc, accumulate});
}

}  // namespace concord::cuda

#endif  // CONCORD_TENSOR_CUDA_KERNELS_DISPATCH_TRAINING_H_
