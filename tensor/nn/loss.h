// File: tensor/nn/loss.h
//
// Losses. Each returns a 0-dim tensor and is differentiable in its first argument.
//
//   sum_squares_error(y, t)      0.5 * sum((y - t)^2)
//   mse(y, t)                    mean((y - t)^2)
//   cross_entropy(logits, labels) mean over the batch of -log softmax(logits)[label], fused
//                                and stable: backward is (softmax - onehot) / N in one node
//   cross_entropy(logits, onehot) the same with one-hot (or soft) float targets
//   cross_entropy_error(y, t)    -sum(t * log(y + 1e-7)) / batch, on probabilities y
//
// The batch-mean losses take an optional divisor: the loss is the batch's sum divided by it
// (default: the batch size). Data-parallel workers pass the GLOBAL batch size, so that the
// gradients summed across workers equal those of one process on the whole batch.
#ifndef CONCORD_TENSOR_NN_LOSS_H_
#define CONCORD_TENSOR_NN_LOSS_H_

#include <optional>

#include "tensor/functions.h"

namespace concord::nn {

Tensor sum_squares_error(const Tensor& y, const Tensor& t);
Tensor mse(const Tensor& y, const Tensor& t);

// logits [N, C]; labels [N] int64 in [0, C).
Tensor cross_entropy(const Tensor& logits, const Tensor& labels, std::optional<double> divisor = std::nullopt);
// y [N, C] or [C]; t one-hot of the same shape, or int64 labels [N] (or a 0-dim label).
Tensor cross_entropy_error(const Tensor& y, const Tensor& t);

// labels [N] int64 -> [N, classes] one-hot in dtype.
Tensor one_hot(const Tensor& labels, int64_t classes, DType dtype = kFloat32);

}  // namespace concord::nn

#endif  // CONCORD_TENSOR_NN_LOSS_H_
