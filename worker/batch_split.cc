// Note [Batch split]
// An MLP's GEMMs at batch 100 are too small for OpenBLAS to spread well over two cores (the
// 784-100-10 step ran no faster on two BLAS threads than on one), while two independent
// forward/backward passes over half the batch each keep both cores busy: the split that
// data-parallel workers make across processes, inside one process and with no all-reduce
// over a network. Each lane's backward leaves its gradients in its replica's .grad (adopting
// the GEMM outputs, Note [Adopting gradients] in tensor/autograd/graph.cc); the lanes then sum
// them into the model's .grad over disjoint slices of every parameter, and the optimizer
// updates the same slices on the same lanes (optim::Sgd::Step with parts), so a lane mostly
// touches memory its own core wrote. The sum is taken in lane order, so a run is as
// repeatable as with one lane; it differs from a one-lane run by float rounding only.
#include "worker/batch_split.h"

#include <algorithm>
#include <utility>

#include "tensor/autograd/graph.h"
#include "tensor/error.h"
#include "tensor/nn/loss.h"

namespace concord {
namespace {

// A contiguous gradient seen as one row, sliced.
Tensor FlatSlice(const Tensor& grad, int64_t begin, int64_t end) {
  return grad.view({grad.numel()}).narrow(0, begin, end - begin);
}

bool HoldsGradient(const Tensor& param) {
  const std::shared_ptr<AutogradMeta>& meta = param.autograd_meta();
  return meta && meta->grad.defined() && !meta->grad_is_zero;
}

}  // namespace

BatchSplit::BatchSplit(nn::Module& model, std::vector<std::shared_ptr<nn::Module>> replicas)
    : params_(model.parameters()), replicas_(std::move(replicas)), losses_(replicas_.size(), 0.0),
      x_(replicas_.size()), y_(replicas_.size()), lanes_(std::max(1, static_cast<int>(replicas_.size()))) {
  TENSOR_CHECK(!replicas_.empty(), "BatchSplit: expected at least one replica");
  model.allocate_grads();
  for (size_t lane = 0; lane < replicas_.size(); ++lane) {
    std::vector<Tensor> params = replicas_[lane]->parameters();
    TENSOR_CHECK(params.size() == params_.size(), "BatchSplit: replica ", lane, " has ", params.size(),
                 " parameters, the model ", params_.size());
    for (size_t i = 0; i < params.size(); ++i) {
      TENSOR_CHECK(params[i].shape() == params_[i].shape() && params[i].dtype() == params_[i].dtype(),
                   "BatchSplit: replica ", lane, " parameter ", i, " is ", ShapeToString(params[i].shape()), " ",
                   DTypeName(params[i].dtype()), ", the model's ", ShapeToString(params_[i].shape()), " ",
                   DTypeName(params_[i].dtype()));
      TENSOR_CHECK(params_[i].device().is_cpu(), "BatchSplit: parameter ", i, " is on ",
                   params_[i].device().ToString(), "; the batch split runs on the CPU");
    }
    replicas_[lane]->allocate_grads();
    replica_params_.push_back(std::move(params));
  }
  ShareWeights();
}

void BatchSplit::ShareWeights() {
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i];
    for (std::vector<Tensor>& replica : replica_params_) {
      Tensor& r = replica[i];
      if (r.storage() != p.storage() || r.storage_offset() != p.storage_offset() || r.strides() != p.strides()) {
        r.set_data(p);
      }
    }
  }
}

double BatchSplit::ForwardBackward(const data::Dataset& data, std::span<const int64_t> indices,
                                   const data::Normalization& norm, double divisor, Then then) {
  return Run(
      static_cast<int64_t>(indices.size()), divisor,
      [&](int lane, int64_t begin, int64_t end) {
        data.Gather(indices.data() + begin, end - begin, norm, &x_[lane], &y_[lane]);
        return std::make_pair(x_[lane], y_[lane]);
      },
      then);
}

double BatchSplit::ForwardBackward(const Tensor& x, const Tensor& y, double divisor, Then then) {
  CheckBatch("BatchSplit", x, y);
  return Run(
      x.size(0), divisor,
      [&](int, int64_t begin, int64_t end) {
        return std::make_pair(x.narrow(0, begin, end - begin), y.narrow(0, begin, end - begin));
      },
      then);
}

double BatchSplit::Run(int64_t n, double divisor,
                       absl::FunctionRef<std::pair<Tensor, Tensor>(int lane, int64_t begin, int64_t end)> rows,
                       Then then) {
  TENSOR_CHECK(n > 0, "BatchSplit: expected a batch of at least one sample, got ", n);
  const int used = static_cast<int>(std::min<int64_t>(size(), n));
  ShareWeights();
  lanes_.Run([&](int lane) {
    losses_[lane] = 0;
    autograd::ZeroGrad(replica_params_[lane]);  // lazily: the backward overwrites them
    if (lane < used) {
      const int64_t begin = n * lane / used, end = n * (lane + 1) / used;
      const auto [x, y] = rows(lane, begin, end);
      Tensor loss = nn::cross_entropy(replicas_[lane]->Forward(x), y, divisor);
      loss.backward();
      losses_[lane] = loss.item();
    }
    lanes_.Barrier();  // every replica's gradient is final
    SumGradients(lane, used);
    RunThen(then, lane);
  });
  for (const Tensor& p : params_) p.autograd_meta()->grad_is_zero = false;
  double loss = 0;
  for (int lane = 0; lane < used; ++lane) loss += losses_[lane];
  return loss;
}

void BatchSplit::SumGradients(int lane, int used) {
  const int lanes = size();
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& grad = params_[i].autograd_meta()->grad;
    const int64_t begin = grad.numel() * lane / lanes, end = grad.numel() * (lane + 1) / lanes;
    if (begin == end) continue;
    Tensor out = FlatSlice(grad, begin, end);
    // The lanes that computed a gradient for this parameter; out = their sum, in one pass
    // for the first two.
    Tensor first, second;
    for (int from = 0; from < used; ++from) {
      const Tensor& r = replica_params_[from][i];
      if (!HoldsGradient(r)) continue;
      Tensor part = FlatSlice(r.autograd_meta()->grad, begin, end);
      if (!first.defined()) {
        first = part;
      } else if (!second.defined()) {
        second = part;
        add(first, second, out);
      } else {
        out.add_(part);
      }
    }
    if (!first.defined()) {
      out.zero_();
    } else if (!second.defined()) {
      out.copy_(first);
    }
  }
}

}  // namespace concord
