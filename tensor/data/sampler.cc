#include "tensor/data/sampler.h"

#include <numeric>

#include "tensor/error.h"
#include "tensor/random.h"

namespace concord::data {

std::vector<int64_t> EpochPermutation(int64_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  // SplitMix-style mixing so nearby (seed, epoch) pairs give unrelated streams.
  uint64_t z = seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(epoch) + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  Generator gen(z ^ (z >> 31));
  for (int64_t i = n - 1; i > 0; --i) {
    std::swap(order[i], order[gen.NextBelow(static_cast<uint64_t>(i) + 1)]);
  }
  return order;
}

BatchSampler::BatchSampler(int64_t dataset_size, int64_t batch_size, bool shuffle, bool drop_last, uint64_t seed)
    : size_(dataset_size), batch_size_(batch_size), shuffle_(shuffle), drop_last_(drop_last), seed_(seed) {
  TENSOR_CHECK(dataset_size >= 0, "BatchSampler: dataset size must be >= 0, got ", dataset_size);
  TENSOR_CHECK(batch_size > 0, "BatchSampler: batch_size must be positive, got ", batch_size);
  SetEpoch(0);
}

void BatchSampler::SetEpoch(int64_t epoch) {
  if (shuffle_) {
    order_ = EpochPermutation(size_, seed_, epoch);
  } else {
    order_.resize(size_);
    std::iota(order_.begin(), order_.end(), 0);
  }
}

int64_t BatchSampler::num_batches() const {
  return drop_last_ ? size_ / batch_size_ : (size_ + batch_size_ - 1) / batch_size_;
}

std::span<const int64_t> BatchSampler::Batch(int64_t i) const {
  TENSOR_CHECK(i >= 0 && i < num_batches(), "BatchSampler: batch ", i, " of ", num_batches());
  const int64_t start = i * batch_size_;
  return std::span<const int64_t>(order_.data() + start, std::min(batch_size_, size_ - start));
}

}  // namespace concord::data
