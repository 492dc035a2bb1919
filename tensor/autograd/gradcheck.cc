#include "tensor/autograd/gradcheck.h"

#include <cmath>

#include "tensor/autograd/graph.h"

namespace concord {

double numerical_diff(const std::function<double(double)>& f, double x, double h) {
  return (f(x + h) - f(x - h)) / (2 * h);
}

Tensor numerical_gradient(const std::function<Tensor(const Tensor&)>& f, const Tensor& x, double h) {
  autograd::NoGradGuard no_grad;
  // The point is perturbed on the host and evaluated on x's device.
  Tensor point = x.to(kFloat64).to(Device::Cpu()).clone();
  Tensor grad = zeros(x.shape(), kFloat64);
  double* p = point.data<double>();
  double* g = grad.data<double>();
  auto eval = [&] { return f(x.device().is_cpu() ? point : point.to(x.device())).item<double>(); };
  for (int64_t i = 0; i < point.numel(); ++i) {
    const double saved = p[i];
    p[i] = saved + h;
    double plus = eval();
    p[i] = saved - h;
    double minus = eval();
    p[i] = saved;
    g[i] = (plus - minus) / (2 * h);
  }
  return grad.to(x.device());
}

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, double tol, double h) {
  // float64 leaves, so that rounding doesn't swamp the O(h^2) difference error.
  std::vector<Tensor> leaves;
  for (const Tensor& t : inputs) {
    Tensor leaf = t.detach().to(kFloat64).clone();
    if (t.requires_grad()) leaf.requires_grad_();
    leaves.push_back(leaf);
  }
  // A fixed random projection makes any result a scalar: sum(f(x) * r).
  Tensor probe;
  {
    autograd::NoGradGuard no_grad;
    Tensor y = f(leaves);
    Generator gen(12345);
    probe = (y.numel() == 1 ? ones(y.shape(), kFloat64) : rand(y.shape(), gen, kFloat64) + 0.5).to(y.device());
  }
  auto loss = [&](const std::vector<Tensor>& args) { return (f(args).to(kFloat64) * probe).sum(); };
  loss(leaves).backward();

  GradcheckResult result;
  for (size_t k = 0; k < leaves.size(); ++k) {
    if (!leaves[k].requires_grad()) continue;
    Tensor numeric = numerical_gradient(
        [&](const Tensor& moved) {
          std::vector<Tensor> args = leaves;
          args[k] = moved;
          return loss(args);
        },
        leaves[k], h);
    Tensor analytic = leaves[k].grad().defined() ? leaves[k].grad() : zeros(leaves[k].shape(), kFloat64);
    analytic = analytic.contiguous().to(Device::Cpu());
    numeric = numeric.to(Device::Cpu());
    const double* a = analytic.data<double>();
    const double* n = numeric.data<double>();
    for (int64_t i = 0; i < numeric.numel(); ++i) {
      double err = std::fabs(a[i] - n[i]) / std::max({1.0, std::fabs(a[i]), std::fabs(n[i])});
      if (std::isnan(err)) err = INFINITY;
      if (result.worst_input < 0 || err > result.worst_error) {
        result.worst_error = err;
        result.worst_input = static_cast<int>(k);
        result.worst_element = i;
        result.analytic = a[i];
        result.numeric = n[i];
      }
    }
  }
  result.ok = result.worst_error <= tol;
  result.message = StrCat("gradcheck ", result.ok ? "passed" : "FAILED", ": worst error ", result.worst_error,
                          " (tolerance ", tol, ") at input ", result.worst_input, " element ", result.worst_element,
                          ": autograd ", result.analytic, " vs numerical ", result.numeric);
  return result;
}

}  // namespace concord
