#include "tensor/ops/cuda_ops.h"

#include <cuda_runtime_api.h>

#include <array>
#include <cstring>
#include <source_location>
#include <string>

#include "tensor/cuda/context.h"
#include "tensor/cuda/cuda_check.h"
#include "tensor/cuda/kernels/kernels.h"
#include "tensor/ops/blas_operand.h"
#include "tensor/ops/kernels.h"
#include "tensor/ops/strided_loop.h"

namespace concord::ops::cuda_ops {
namespace {

// The compute stream of a CUDA device, made current on this thread.
cudaStream_t StreamFor(const Device& device) {
  absl::StatusOr<cudaStream_t> stream = cuda::ComputeStream(device.index);
  TENSOR_CHECK(stream.ok(), device.ToString(), ": ", stream.status().message());
  return *stream;
}

void Check(const absl::Status& status, std::string_view op) {
  TENSOR_CHECK(status.ok(), op, " on CUDA failed: ", status.message());
}

// A failed CUDA call as TensorError, in cuda_check.h's words, naming the caller's file and line.
void CheckCuda(cudaError_t error, const std::string& what,
               std::source_location where = std::source_location::current()) {
  if (error == cudaSuccess) return;
  cudaGetLastError();
  const absl::Status status = cuda_internal::CudaErrorToStatus(error, what.c_str(), where.file_name(),
                                                               static_cast<int>(where.line()));
  throw TensorError(std::string(status.message()));
}

cuda::ScalarArg Arg(Scalar s) { return {s.to_double(), s.to_int()}; }

// The loop over `shape` for K operands that already have that shape, dims coalesced as the CPU
// loop does (CoalesceDims).
template <size_t K>
struct Loop {
  cuda::LoopShape shape;
  std::array<cuda::Operand, K> operands;
};

template <size_t K>
Loop<K> MakeLoop(std::string_view op, const Shape& shape, const std::array<const Tensor*, K>& tensors) {
  Loop<K> loop;
  std::array<const Strides*, K> in;
  for (size_t k = 0; k < K; ++k) in[k] = &tensors[k]->strides();
  Shape sizes;
  std::array<Strides, K> strides;
  CoalesceDims<K>(shape, in, &sizes, &strides);
  TENSOR_CHECK(static_cast<int>(sizes.size()) <= cuda::kMaxDims, op, ": CUDA kernels take at most ",
               cuda::kMaxDims, " non-mergeable dims, got ", sizes.size(), " for shape ", ShapeToString(shape));
  loop.shape.ndim = static_cast<int>(sizes.size());
  for (size_t d = 0; d < sizes.size(); ++d) loop.shape.sizes[d] = sizes[d];
  for (size_t k = 0; k < K; ++k) {
    loop.operands[k].data = tensors[k]->raw_data();
    loop.operands[k].dtype = tensors[k]->dtype();
    for (size_t d = 0; d < sizes.size(); ++d) loop.operands[k].strides[d] = strides[k][d];
  }
  return loop;
}

// Copies between two contiguous buffers of equal size, on whichever devices.
void MemcpyContiguous(const Tensor& dst, const Tensor& src) {
  const size_t bytes = static_cast<size_t>(src.numel()) * ElementSize(src.dtype());
  if (bytes == 0) return;
  const Device dd = dst.device(), sd = src.device();
  if (dd.is_cuda() && sd.is_cuda()) {
    cudaStream_t stream = StreamFor(dd);
    if (dd.index == sd.index) {
      CheckCuda(cudaMemcpyAsync(dst.raw_data(), src.raw_data(), bytes, cudaMemcpyDeviceToDevice, stream),
                "copy within " + dd.ToString());
      return;
    }
    // Between GPUs: the source's work must be done; the copy is ordered on dst's stream.
    CheckCuda(cudaStreamSynchronize(StreamFor(sd)), "synchronising " + sd.ToString());
    CheckCuda(cudaMemcpyPeerAsync(dst.raw_data(), dd.index, src.raw_data(), sd.index, bytes, StreamFor(dd)),
              StrCat("copy from ", sd.ToString(), " to ", dd.ToString()));
    return;
  }
  if (dd.is_cuda()) {
    // Host to device. From pageable memory CUDA stages the bytes before returning, so src may
    // be freed at once; pinned memory is protected by the pinned allocator's events.
    CheckCuda(cudaMemcpyAsync(dst.raw_data(), src.raw_data(), bytes, cudaMemcpyHostToDevice, StreamFor(dd)),
              "copy to " + dd.ToString());
    return;
  }
  // Device to host: wait, because the host reads dst as soon as this returns.
  cudaStream_t stream = StreamFor(sd);
  CheckCuda(cudaMemcpyAsync(dst.raw_data(), src.raw_data(), bytes, cudaMemcpyDeviceToHost, stream),
            "copy from " + sd.ToString());
  CheckCuda(cudaStreamSynchronize(stream), "copy from " + sd.ToString());
}

}  // namespace

Device CommonDevice(std::string_view op, std::initializer_list<const Tensor*> tensors) {
  const Tensor* first = nullptr;
  for (const Tensor* t : tensors) {
    if (t == nullptr || !t->defined()) continue;
    if (first == nullptr) {
      first = t;
      continue;
    }
    TENSOR_CHECK(t->device() == first->device(), op,
                 ": expected all tensors to be on the same device, but found at least two devices, ",
                 first->device().ToString(), " and ", t->device().ToString());
  }
  return first == nullptr ? Device::Cpu() : first->device();
}

void CopyCast(const Tensor& dst, const Tensor& src) {
  if (dst.numel() == 0) return;
  if (dst.device() == src.device()) {
    Loop<2> loop = MakeLoop<2>("copy", dst.shape(), {&dst, &src});
    Check(cuda::CopyCast(loop.shape, loop.operands[0], loop.operands[1], StreamFor(dst.device())), "copy");
    return;
  }
  // Across devices: make src contiguous in dst's dtype where it is, move the bytes, and finish
  // with a same-device copy if dst itself is not contiguous.
  Tensor staged = src.is_contiguous() && src.dtype() == dst.dtype() ? src : CastCopy(src, dst.dtype());
  if (dst.is_contiguous()) {
    MemcpyContiguous(dst, staged);
    return;
  }
  Tensor landed = NewTensor(dst.shape(), dst.dtype(), dst.device());
  MemcpyContiguous(landed, staged);
  ops::CopyCast(dst, landed);
}

void Fill(const Tensor& dst, Scalar value) {
  Loop<1> loop = MakeLoop<1>("fill", dst.shape(), {&dst});
  Check(cuda::Fill(loop.shape, loop.operands[0], Arg(value), StreamFor(dst.device())), "fill");
}

void Binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, Scalar alpha) {
  Loop<3> loop = MakeLoop<3>("binary op", out.shape(), {&out, &a, &b});
  Check(cuda::Binary(op, loop.shape, loop.operands[0], loop.operands[1], loop.operands[2], Arg(alpha),
                     StreamFor(out.device())),
        "binary op");
}

void BinaryScalar(BinaryOp op, const Tensor& out, const Tensor& a, Scalar s) {
  Loop<2> loop = MakeLoop<2>("binary op", out.shape(), {&out, &a});
  Check(cuda::BinaryScalar(op, loop.shape, loop.operands[0], loop.operands[1], Arg(s), StreamFor(out.device())),
        "binary op");
}

void Unary(UnaryOp op, const Tensor& out, const Tensor& a) {
  Loop<2> loop = MakeLoop<2>("unary op", out.shape(), {&out, &a});
  Check(cuda::Unary(op, loop.shape, loop.operands[0], loop.operands[1], StreamFor(out.device())), "unary op");
}

void Clamp(const Tensor& out, const Tensor& a, std::optional<Scalar> lo, std::optional<Scalar> hi) {
  Loop<2> loop = MakeLoop<2>("clamp", out.shape(), {&out, &a});
  Check(cuda::Clamp(loop.shape, loop.operands[0], loop.operands[1], lo.has_value(), Arg(lo.value_or(0)),
                    hi.has_value(), Arg(hi.value_or(0)), StreamFor(out.device())),
        "clamp");
}

void Where(const Tensor& out, const Tensor& mask, const Tensor& a, const Tensor& b) {
  Loop<4> loop = MakeLoop<4>("where", out.shape(), {&out, &mask, &a, &b});
  Check(cuda::Where(loop.shape, loop.operands[0], loop.operands[1], loop.operands[2], loop.operands[3],
                    StreamFor(out.device())),
        "where");
}

void ReluBackward(const Tensor& out, const Tensor& grad, const Tensor& y) {
  Loop<3> loop = MakeLoop<3>("relu backward", out.shape(), {&out, &grad, &y});
  Check(cuda::ReluBackward(loop.shape, loop.operands[0], loop.operands[1], loop.operands[2],
                           StreamFor(out.device())),
        "relu backward");
}

void ReduceLastDim(ReduceOp op, const Tensor& out, const Tensor& in) {
  const int64_t n = in.shape().back();
  Shape outer(in.shape().begin(), in.shape().end() - 1);
  // The first element of each row: `in` without its last dim.
  Tensor rows(in.storage(), outer, Strides(in.strides().begin(), in.strides().end() - 1), in.storage_offset(),
              in.dtype());
  Tensor out_rows = out.view(outer);
  Loop<2> loop = MakeLoop<2>("reduction", outer, {&out_rows, &rows});
  Check(cuda::ReduceLastDim(op, loop.shape, loop.operands[0], loop.operands[1], n, in.strides().back(),
                            StreamFor(out.device())),
        "reduction");
}

void SumMiddleDim(const Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner) {
  Check(cuda::SumMiddleDim(in.dtype(), in.raw_data(), out.dtype(), out.raw_data(), outer, n, inner,
                           StreamFor(out.device())),
        "sum");
}

void Gemm(const Tensor& out, const Tensor& a, const Tensor& b, bool accumulate, bool allow_tf32) {
  const int64_t n = a.shape()[0], k = a.shape()[1], m = b.shape()[1];
  const BlasOperand va = AsBlasOperand(a), vb = AsBlasOperand(b);
  Check(cuda::Gemm(a.dtype(), va.trans, vb.trans, n, m, k, va.t.raw_data(), va.ld, vb.t.raw_data(), vb.ld,
                   out.raw_data(), std::max<int64_t>(m, 1), accumulate, allow_tf32, StreamFor(out.device())),
        "mm");
}

void IndexSelect(const Tensor& out, const Tensor& in, const Tensor& index, int64_t outer, int64_t n,
                 int64_t inner) {
  Check(cuda::IndexSelect(in.dtype(), in.raw_data(), static_cast<const int64_t*>(index.raw_data()),
                          out.raw_data(), outer, n, index.numel(), inner, StreamFor(out.device())),
        "index_select");
}

void OneHot(const Tensor& out, const Tensor& labels) {
  Check(cuda::OneHot(out.dtype(), static_cast<const int64_t*>(labels.raw_data()), out.raw_data(),
                     out.shape()[0], out.shape()[1], StreamFor(out.device())),
        "one_hot");
}

void CrossEntropyForward(const Tensor& logp, const Tensor& loss_rows, const Tensor& logits, const Tensor& labels) {
  Check(cuda::CrossEntropyForward(logits.dtype(), logits.raw_data(), static_cast<const int64_t*>(labels.raw_data()),
                                  logp.raw_data(), loss_rows.raw_data(), logits.shape()[0], logits.shape()[1],
                                  StreamFor(logits.device())),
        "cross_entropy");
}

void CrossEntropyBackward(const Tensor& grad, const Tensor& logp, const Tensor& labels, const Tensor& upstream,
                          double scale) {
  Check(cuda::CrossEntropyBackward(logp.dtype(), logp.raw_data(), static_cast<const int64_t*>(labels.raw_data()),
                                   upstream.raw_data(), scale, grad.raw_data(), logp.shape()[0], logp.shape()[1],
                                   StreamFor(grad.device())),
        "cross_entropy backward");
}

void SgdStep(const Tensor& param, const Tensor& grad, const Tensor& buffer, double lr, double momentum,
             double dampening, double weight_decay, bool nesterov, bool first_step) {
  Check(cuda::SgdStep(param.dtype(), param.raw_data(), grad.raw_data(),
                      buffer.defined() ? buffer.raw_data() : nullptr, param.numel(), lr, momentum, dampening,
                      weight_decay, nesterov, first_step, StreamFor(param.device())),
        "sgd step");
}

}  // namespace concord::ops::cuda_ops
