// File: tensor/autograd/gradcheck.h
//
// Numerical differentiation, as taught in the classic texts, and gradcheck, which compares
// autograd's gradients with it.
//
//   numerical_diff(f, x)      (f(x + h) - f(x - h)) / 2h, the central difference, h = 1e-4
//   numerical_gradient(f, x)  the same for each element of a tensor argument of a scalar f
//   gradcheck(f, inputs)      autograd vs numerical_gradient in float64; the worst element
//
// For a function with a non-scalar result, gradcheck differentiates sum(f(inputs) * r) for a
// fixed random r, which checks the vector-Jacobian product autograd computes. The error of
// an element is |autograd - numeric| / max(1, |autograd|, |numeric|): relative where the
// gradient is large, absolute where it is small (so exact zeros don't divide by zero).
#ifndef CONCORD_TENSOR_AUTOGRAD_GRADCHECK_H_
#define CONCORD_TENSOR_AUTOGRAD_GRADCHECK_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tensor/functions.h"

namespace concord {

inline constexpr double kNumericalStep = 1e-4;

// (f(x + h) - f(x - h)) / 2h.
double numerical_diff(const std::function<double(double)>& f, double x, double h = kNumericalStep);

// The gradient of a one-element f at x, by central differences per element. x is not
// changed; f sees float64 copies of it with one element moved by +-h.
Tensor numerical_gradient(const std::function<Tensor(const Tensor&)>& f, const Tensor& x,
                          double h = kNumericalStep);

struct GradcheckResult {
  bool ok = true;
  double worst_error = 0;  // see the file comment
  int worst_input = -1;    // which input, and which element (flat index), or -1
  int64_t worst_element = -1;
  double analytic = 0;     // autograd's and the numerical value there
  double numeric = 0;
  std::string message;     // one line saying the above
};

// Compares autograd with central differences for every element of every input that
// requires grad (inputs are converted to float64 leaves first). ok when worst_error <= tol.
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, double tol = 1e-6, double h = kNumericalStep);

}  // namespace concord

#endif  // CONCORD_TENSOR_AUTOGRAD_GRADCHECK_H_
