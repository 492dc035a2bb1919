// mm, matmul and dot over the GEMM kernel.
#include <utility>

#include "common/machine.h"
#include "tensor/backward_util.h"
#include "tensor/functions.h"
#include "tensor/ops/kernels.h"

namespace concord {
namespace {

void CheckMatmulDTypes(std::string_view op, const Tensor& a, const Tensor& b) {
  TENSOR_CHECK(a.dtype() == b.dtype(), op, ": expected both operands to have the same dtype, but got ",
               DTypeName(a.dtype()), " and ", DTypeName(b.dtype()));
  TENSOR_CHECK(a.dtype() != kBool, op, ": not implemented for bool tensors");
}

void CheckMm(const Tensor& a, const Tensor& b) {
  TENSOR_CHECK(a.dim() == 2 && b.dim() == 2, "mm: expected 2-D tensors, got shapes ",
               ShapeToString(a.shape()), " and ", ShapeToString(b.shape()));
  TENSOR_CHECK(a.shape()[1] == b.shape()[0], "mm: cannot multiply ", ShapeToString(a.shape()), " by ",
               ShapeToString(b.shape()));
  CheckMatmulDTypes("mm", a, b);
}

// The gradients of C = A B: dA = dC B^T, dB = A^T dC (transposed views, read in place by
// BLAS), each produced in its operand's layout: for a transposed operand (a weight W used as
// W.t()) the transpose of its gradient is computed contiguously and returned as a .t() view,
// so the gradient reaching W is contiguous (PyTorch's mm_mat2_backward does the same).
// Undefined where the operand needs none.
std::pair<Tensor, Tensor> MmGrads(const Tensor& g, const Tensor& x, const Tensor& y, bool need_x, bool need_y) {
  auto column_major = [](const Tensor& t) { return t.strides()[0] == 1 && t.strides()[1] != 1; };
  Tensor gx, gy;
  if (need_x) gx = column_major(x) ? mm(y, g.t()).t() : mm(g, y.t());
  if (need_y) gy = column_major(y) ? mm(g.t(), x).t() : mm(x.t(), g);
  return {gx, gy};
}

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  CheckMm(a, b);
  Tensor out = empty({a.shape()[0], b.shape()[1]}, TensorOptions(a.dtype()).device(a.device()));
  ops::Gemm(out, a, b);
  if (autograd::NeedsGrad({&a, &b})) {
    autograd::Record(out, "MmBackward", {a, b}, [x = a.detach(), y = b.detach(), na = a.requires_grad(),
                                                  nb = b.requires_grad()](const Tensor& g) {
      auto [ga, gb] = MmGrads(g, x, y, na, nb);
      return std::vector<Tensor>{ga, gb};
    });
  }
  return out;
}

Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b) {
  CheckMm(a, b);
  const int64_t n = a.shape()[0], m = b.shape()[1];
  TENSOR_CHECK(bias.dim() == 1 && bias.shape()[0] == m, "addmm: expected a bias of shape [", m, "], got ",
               ShapeToString(bias.shape()));
  TENSOR_CHECK(bias.dtype() == a.dtype(), "addmm: expected a bias of dtype ", DTypeName(a.dtype()), ", got ",
               DTypeName(bias.dtype()));
  TENSOR_CHECK(bias.device() == a.device(), "addmm: expected the bias on ", a.device().ToString(), ", got ",
               bias.device().ToString());
  Tensor out = empty({n, m}, TensorOptions(a.dtype()).device(a.device()));
  const Tensor rows = bias.detach().unsqueeze(0).expand({n, m});
  if (out.device().is_cuda()) {
    // Note [addmm on a GPU]: the bias rows are written first and the GEMM adds A B onto them
    // (beta = 1): a write of C instead of a read-and-write pass after the GEMM. The three layers
    // of a 784-4096-4096-10 step of batch 4096 on an H100 spend 0.18 ms on it (ncu, base
    // clocks) where the add after took 0.28 ms; the GEMMs take no longer.
    ops::CopyCast(out, rows);
    ops::Gemm(out, a, b, /*accumulate=*/true);
  } else {
    // On the CPU, A B then + bias: the rounding of mm(a, b) + bias, which the CPU paths and
    // their tests are built on.
    ops::Gemm(out, a, b);
    ops::Binary(ops::BinaryOp::kAdd, out, out, rows);
  }
  if (autograd::NeedsGrad({&bias, &a, &b})) {
    autograd::Record(out, "AddmmBackward", {bias, a, b},
                     [x = a.detach(), y = b.detach(), nbias = bias.requires_grad(), na = a.requires_grad(),
                      nb = b.requires_grad()](const Tensor& g) {
                       auto [ga, gb] = MmGrads(g, x, y, na, nb);
                       return std::vector<Tensor>{nbias ? g.sum(0) : Tensor(), ga, gb};
                     });
  }
  return out;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  TENSOR_CHECK(x.dim() == 2 && weight.dim() == 2 && x.shape()[1] == weight.shape()[1],
               "linear: expected an input [N, in] and a weight [out, in] with the same in, got ",
               ShapeToString(x.shape()), " and ", ShapeToString(weight.shape()));
  TENSOR_CHECK(!bias.defined() || (bias.dim() == 1 && bias.shape()[0] == weight.shape()[0]),
               "linear: expected a bias of shape [", weight.shape()[0], "] (the weight's out), got ",
               ShapeToString(bias.shape()));
  Tensor out;
  {
    autograd::NoGradGuard one_node;  // recorded below
    out = bias.defined() ? addmm(bias, x, weight.t()) : mm(x, weight.t());
  }
  if (autograd::NeedsGrad({&x, &weight, &bias})) {
    autograd::Record(out, "LinearBackward", {x, weight, bias},
                     [x = x.detach(), w = weight.detach(), nx = x.requires_grad(), nw = weight.requires_grad(),
                      nb = bias.defined() && bias.requires_grad()](const Tensor& g) {
                       Tensor gx, gw, gb;
                       if (nx) gx = mm(g, w);
                       if (nw) {
                         // dW = dY^T X, into the weight's .grad when it may (a bucket view).
                         Tensor into = autograd::GradientDestination(1);
                         gw = into.defined() ? mm(g.t(), x, into) : mm(g.t(), x);
                       }
                       if (nb) gb = g.sum(0);
                       return std::vector<Tensor>{gx, gw, gb};
                     });
  }
  return out;
}

Tensor& mm(const Tensor& a, const Tensor& b, Tensor& out) {
  CheckMm(a, b);
  Shape shape{a.shape()[0], b.shape()[1]};
  TENSOR_CHECK(out.defined() && out.shape() == shape && out.dtype() == a.dtype() && out.is_contiguous(),
               "mm: out= must be a contiguous ", DTypeName(a.dtype()), " tensor of shape ", ShapeToString(shape),
               ", got ", out.defined() ? StrCat(DTypeName(out.dtype()), " ", ShapeToString(out.shape()),
                                                      out.is_contiguous() ? "" : " (non-contiguous)")
                                       : "an undefined tensor");
  ops::Gemm(out, a, b);
  return out;
}

Tensor dot(const Tensor& a, const Tensor& b) {
  TENSOR_CHECK(a.dim() == 1 && b.dim() == 1, "dot: expected 1-D tensors, got shapes ", ShapeToString(a.shape()),
               " and ", ShapeToString(b.shape()));
  TENSOR_CHECK(a.numel() == b.numel(), "dot: inconsistent tensor size, expected tensor ",
               ShapeToString(a.shape()), " and src ", ShapeToString(b.shape()), " to have the same number of elements");
  CheckMatmulDTypes("dot", a, b);
  return mm(a.unsqueeze(0), b.unsqueeze(1)).view({});  // differentiable through its parts
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  TENSOR_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: both arguments need at least 1 dimension, got shapes ",
               ShapeToString(a.shape()), " and ", ShapeToString(b.shape()));
  const int64_t da = a.dim(), db = b.dim();
  auto mismatch = [&] {
    return StrCat("matmul: cannot multiply ", ShapeToString(a.shape()), " by ", ShapeToString(b.shape()));
  };
  if (da == 1 && db == 1) return dot(a, b);
  if (da <= 2 && db <= 2) {
    TENSOR_CHECK(a.shape().back() == b.shape()[0], mismatch());
    Tensor r = mm(da == 1 ? a.unsqueeze(0) : a, db == 1 ? b.unsqueeze(1) : b);
    if (da == 1) r = r.squeeze(0);
    if (db == 1) r = r.squeeze(-1);
    return r;
  }
  TENSOR_CHECK(da <= 3 && db <= 3, "matmul: batched products support up to 3-D operands, got shapes ",
               ShapeToString(a.shape()), " and ", ShapeToString(b.shape()));
  CheckMatmulDTypes("matmul", a, b);
  // Lift both to 3-D [batch, rows, cols]; a batch of 1 broadcasts.
  Tensor a3 = da == 3 ? a : (da == 2 ? a.unsqueeze(0) : a.unsqueeze(0).unsqueeze(0));
  Tensor b3 = db == 3 ? b : (db == 2 ? b.unsqueeze(0) : b.unsqueeze(1).unsqueeze(0));
  TENSOR_CHECK(a3.shape()[2] == b3.shape()[1], mismatch());
  const int64_t ba = a3.shape()[0], bb = b3.shape()[0];
  TENSOR_CHECK(ba == bb || ba == 1 || bb == 1, mismatch(), " (batch sizes ", ba, " and ", bb, " differ)");
  const int64_t batch = std::max(ba, bb);
  Tensor out = empty({batch, a3.shape()[1], b3.shape()[2]}, TensorOptions(a.dtype()).device(a.device()));
  {
    autograd::NoGradGuard internal;
    for (int64_t i = 0; i < batch; ++i) {
      ops::Gemm(out.select(0, i), a3.select(0, ba == 1 ? 0 : i), b3.select(0, bb == 1 ? 0 : i));
    }
  }
  if (autograd::NeedsGrad({&a3, &b3})) {
    autograd::Record(out, "BmmBackward", {a3, b3}, [x = a3.detach(), y = b3.detach(), na = a3.requires_grad(),
                                                    nb = b3.requires_grad()](const Tensor& g) {
      Tensor ga, gb;
      if (na) ga = internal::SumTo(matmul(g, y.transpose(1, 2)), x.shape());
      if (nb) gb = internal::SumTo(matmul(x.transpose(1, 2), g), y.shape());
      return std::vector<Tensor>{ga, gb};
    });
  }
  if (da == 1) return out.squeeze(1);
  if (db == 1) return out.squeeze(2);
  return out;
}

void set_num_threads(int threads) {
  TENSOR_CHECK(threads >= 0, "set_num_threads: expected a count >= 0, got ", threads);
  ops::SetBlasThreads(threads == 0 ? UsableCpus() : threads);
}

int get_num_threads() { return ops::BlasThreads(); }

void set_allow_tf32(bool allow) { ops::SetAllowTf32(allow); }
bool allow_tf32() { return ops::AllowTf32(); }

Tensor Tensor::mm(const Tensor& o) const { return concord::mm(*this, o); }
Tensor Tensor::matmul(const Tensor& o) const { return concord::matmul(*this, o); }
Tensor Tensor::dot(const Tensor& o) const { return concord::dot(*this, o); }

}  // namespace concord
