// File: tensor/random.h
//
// Generator: a seeded source of random numbers (Mersenne Twister, 64-bit), as torch.Generator.
// rand/randn draw from a Generator passed in, or from the process-wide default one that
// manual_seed() reseeds. A given seed gives the same numbers on every machine and run.
#ifndef CONCORD_TENSOR_RANDOM_H_
#define CONCORD_TENSOR_RANDOM_H_

#include <cstdint>
#include <random>

namespace concord {

class Generator {
 public:
  explicit Generator(uint64_t seed = 5489) : engine_(seed) {}
  void manual_seed(uint64_t seed) { engine_.seed(seed); }
  // Uniform on [0, 1), with 53 random bits.
  double NextUniform();
  // Standard normal (Box-Muller; both values of each pair are used).
  double NextNormal();
  // Uniform integer in [0, n).
  uint64_t NextBelow(uint64_t n);
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
  bool has_spare_normal_ = false;
  double spare_normal_ = 0;
};

// The global generator, and reseeding it. Not thread-safe: seed before starting threads.
Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace concord

#endif  // CONCORD_TENSOR_RANDOM_H_
