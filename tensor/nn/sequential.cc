#include "tensor/nn/sequential.h"

#include "absl/strings/str_join.h"

namespace concord::nn {

void Sequential::Add(std::shared_ptr<Module> module) {
  RegisterModule(std::to_string(children().size()), std::move(module));
}

Tensor Sequential::Forward(const Tensor& x) {
  Tensor h = x;
  for (const auto& [name, module] : children()) h = module->Forward(h);
  return h;
}

std::string Sequential::ToString() const {
  std::string out = "Sequential(\n";
  for (const auto& [name, module] : children()) out += StrCat("  (", name, "): ", module->ToString(), "\n");
  return out + ")";
}

std::shared_ptr<Sequential> MakeMlp(const std::vector<int64_t>& sizes, Activation activation, Init init,
                                    Generator& gen, DType dtype) {
  TENSOR_CHECK(sizes.size() >= 2, "MakeMlp: expected at least an input and an output size, got [",
               absl::StrJoin(sizes, ", "), "]");
  auto mlp = std::make_shared<Sequential>();
  for (size_t i = 0; i + 1 < sizes.size(); ++i) {
    mlp->Add(std::make_shared<Linear>(sizes[i], sizes[i + 1], init, gen, dtype));
    if (i + 2 < sizes.size()) mlp->Add(std::make_shared<ActivationModule>(activation));
  }
  return mlp;
}

}  // namespace concord::nn
