// compare_checkpoints A B [RTOL]: exits 0 when the two checkpoints hold the same model
// parameters ("model.*") within RTOL relative (default 1e-5, with an absolute floor of 1e-7),
// printing the worst element; 1 otherwise, naming the first parameter that differs.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "tensor/nn/state_dict.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: compare_checkpoints A B [RTOL]\n");
    return 2;
  }
  const double rtol = argc > 3 ? std::atof(argv[3]) : 1e-5;
  auto a = concord::nn::LoadTensors(argv[1]);
  auto b = concord::nn::LoadTensors(argv[2]);
  if (!a.ok() || !b.ok()) {
    std::fprintf(stderr, "%s\n", std::string((!a.ok() ? a.status() : b.status()).message()).c_str());
    return 1;
  }
  std::map<std::string, concord::Tensor> other(b->begin(), b->end());
  double worst = 0;
  int compared = 0;
  for (const auto& [name, t] : *a) {
    if (name.rfind("model.", 0) != 0) continue;
    auto it = other.find(name);
    if (it == other.end() || it->second.shape() != t.shape()) {
      std::fprintf(stderr, "%s: missing or of another shape in %s\n", name.c_str(), argv[2]);
      return 1;
    }
    concord::Tensor x = t.to(concord::kFloat64).contiguous(), y = it->second.to(concord::kFloat64).contiguous();
    const double* p = x.data<double>();
    const double* q = y.data<double>();
    for (int64_t i = 0; i < x.numel(); ++i) {
      const double err = std::fabs(p[i] - q[i]) / std::max(std::fabs(q[i]), 1e-2);
      worst = std::max(worst, err);
      if (std::fabs(p[i] - q[i]) > rtol * std::fabs(q[i]) + 1e-7) {
        std::fprintf(stderr, "%s[%ld]: %.9g vs %.9g (beyond rtol %g)\n", name.c_str(), i, p[i], q[i], rtol);
        return 1;
      }
    }
    ++compared;
  }
  std::printf("%d parameters agree within rtol %g (worst relative difference %.3g)\n", compared, rtol, worst);
  return compared > 0 ? 0 : 1;
}
