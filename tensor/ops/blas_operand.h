// File: tensor/ops/blas_operand.h
//
// A 2-D GEMM operand as a BLAS (OpenBLAS on the CPU, cuBLAS on a GPU) reads it without a copy:
// row-major as it is, or transposed, with its leading dimension. An operand that is neither
// (e.g. a slice with a step) is copied contiguous first. Internal to //tensor/ops.
#ifndef CONCORD_TENSOR_OPS_BLAS_OPERAND_H_
#define CONCORD_TENSOR_OPS_BLAS_OPERAND_H_

#include <cstdint>

#include "tensor/tensor.h"

namespace concord::ops {

struct BlasOperand {
  Tensor t;            // the operand, or its contiguous copy
  bool trans = false;  // read as the transpose of a row-major [cols, rows] matrix
  int64_t ld = 0;      // leading dimension, in elements
};

BlasOperand AsBlasOperand(const Tensor& t);

}  // namespace concord::ops

#endif  // CONCORD_TENSOR_OPS_BLAS_OPERAND_H_
