// gradient_descent: the first example of every deep-learning text, done with the tensor library.
//
// What it shows:
//   1. numerical_diff (tensor/autograd/gradcheck.h): the central difference
//      (f(x + h) - f(x - h)) / 2h of f(x) = 0.01 x^2 + 0.1 x at x = 5 and x = 10, beside the
//      exact derivative 0.02 x + 0.1 (0.2 and 0.3).
//   2. Gradient descent on f(x0, x1) = x0^2 + x1^2 from (-3, 4): x <- x - lr * grad f(x). The
//      gradient comes from autograd (a float64 leaf with requires_grad_, f(x).backward(), then
//      x.grad()) or, with --numerical, from numerical_gradient, which needs no graph at all.
//      The update runs under NoGradGuard, as an optimizer's does. Each step multiplies x by
//      (1 - 2 lr), so with lr 0.1 the point shrinks by 0.8 a step towards the minimum (0, 0).
//
//   bazel run //tools/examples:gradient_descent
//   bazel run //tools/examples:gradient_descent -- --numerical --lr=0.01 --steps=300
//
// Output: "step N: x0=... x1=... f=..." every --print_every steps, then
// "final: x0=... x1=... f=... (N steps, lr ..., autograd|numerical gradient)".
#include <cstdio>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "tensor/autograd/gradcheck.h"
#include "tensor/autograd/graph.h"
#include "tensor/functions.h"

ABSL_FLAG(double, lr, 0.1, "learning rate (step size)");
ABSL_FLAG(int, steps, 100, "number of gradient-descent steps");
ABSL_FLAG(int, print_every, 10, "print the point every this many steps");
ABSL_FLAG(bool, numerical, false, "use numerical_gradient (central differences) instead of autograd");

namespace concord {
namespace {

// f(x0, x1) = x0^2 + x1^2, for a tensor x = [x0, x1]; a 0-dim result.
Tensor F(const Tensor& x) { return (x * x).sum(); }

void NumericalDiffDemo() {
  auto f = [](double x) { return 0.01 * x * x + 0.1 * x; };
  std::printf("numerical_diff of f(x) = 0.01x^2 + 0.1x (h = %g):\n", kNumericalStep);
  for (double x : {5.0, 10.0}) {
    std::printf("  numerical_diff(f, %g) = %.16f (exact 0.02x + 0.1 = %g)\n", x, numerical_diff(f, x),
                0.02 * x + 0.1);
  }
}

int Run() {
  const double lr = absl::GetFlag(FLAGS_lr);
  const int steps = absl::GetFlag(FLAGS_steps);
  const int print_every = absl::GetFlag(FLAGS_print_every);
  const bool numerical = absl::GetFlag(FLAGS_numerical);
  if (lr <= 0 || steps < 0 || print_every <= 0) {
    std::fprintf(stderr, "gradient_descent: need --lr > 0, --steps >= 0 and --print_every > 0\n");
    return 2;
  }

  NumericalDiffDemo();

  std::printf("\ngradient descent on f(x0, x1) = x0^2 + x1^2 from (-3, 4), lr %g, %d steps, %s gradient\n", lr,
              steps, numerical ? "numerical" : "autograd");
  Tensor x = tensor({-3.0, 4.0}, TensorOptions(kFloat64));
  x.requires_grad_();
  auto print_point = [&](const char* label, int step) {
    const double* p = x.data<double>();
    double f;
    {
      autograd::NoGradGuard no_grad;  // just looking: no graph
      f = F(x).item<double>();
    }
    std::printf("%s %3d: x0=%.6f x1=%.6f f=%.6f\n", label, step, p[0], p[1], f);
  };
  print_point("step", 0);
  for (int step = 1; step <= steps; ++step) {
    Tensor grad;
    if (numerical) {
      grad = numerical_gradient(F, x);  // 2 evaluations of F per element of x
    } else {
      F(x).backward();  // fills x.grad()
      grad = x.grad();
    }
    {
      autograd::NoGradGuard no_grad;  // an update is not part of the function
      x.sub_(grad, lr);
    }
    if (!numerical) autograd::ZeroGrad({x});  // gradients accumulate otherwise
    if (step % print_every == 0) print_point("step", step);
  }
  const double* p = x.data<double>();
  double f;
  {
    autograd::NoGradGuard no_grad;
    f = F(x).item<double>();
  }
  std::printf("final: x0=%.6f x1=%.6f f=%.6f (%d steps, lr %g, %s gradient; x0=%.3e x1=%.3e)\n", p[0], p[1], f,
              steps, lr, numerical ? "numerical" : "autograd", p[0], p[1]);
  return 0;
}

}  // namespace
}  // namespace concord

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Gradient descent on f(x0, x1) = x0^2 + x1^2 from (-3, 4) with autograd or numerical gradients, "
      "and numerical_diff of 0.01x^2 + 0.1x.\nUsage: gradient_descent [--lr=0.1] [--steps=100] [--numerical]");
  absl::ParseCommandLine(argc, argv);
  try {
    return concord::Run();
  } catch (const concord::TensorError& e) {
    std::fprintf(stderr, "gradient_descent: %s\n", e.what());
    return 1;
  }
}
