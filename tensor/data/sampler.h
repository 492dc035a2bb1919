// File: tensor/data/sampler.h
//
// BatchSampler: the order of one epoch's samples, cut into batches, as torch's
// RandomSampler + BatchSampler. Epoch e's order is a permutation seeded by (seed, e), the same
// on every machine, so distributed workers and restarts agree on it without talking.
#ifndef CONCORD_TENSOR_DATA_SAMPLER_H_
#define CONCORD_TENSOR_DATA_SAMPLER_H_

#include <cstdint>
#include <span>
#include <vector>

namespace concord::data {

// The permutation of [0, n) for (seed, epoch): Fisher-Yates over a Generator seeded from both.
std::vector<int64_t> EpochPermutation(int64_t n, uint64_t seed, int64_t epoch);

class BatchSampler {
 public:
  // shuffle false: samples in order. drop_last: a final batch smaller than batch_size is
  // dropped (else kept).
  BatchSampler(int64_t dataset_size, int64_t batch_size, bool shuffle, bool drop_last, uint64_t seed);

  void SetEpoch(int64_t epoch);
  int64_t num_batches() const;
  std::span<const int64_t> Batch(int64_t i) const;
  int64_t batch_size() const { return batch_size_; }

 private:
  int64_t size_;
  int64_t batch_size_;
  bool shuffle_;
  bool drop_last_;
  uint64_t seed_;
  std::vector<int64_t> order_;
};

}  // namespace concord::data

#endif  // CONCORD_TENSOR_DATA_SAMPLER_H_
