// two_layer_net: the gradient check of the classic two-layer network, 784-50-10.
//
// What it shows: backpropagation (autograd) computes the same gradients as numerical
// differentiation, only much faster. The network is nn::MakeMlp({784, 50, 10}): Linear(784, 50),
// sigmoid (or --activation=relu), Linear(50, 10), with the softmax cross-entropy loss
// nn::cross_entropy on the logits, all in float64 (the classic texts' NumPy default), so
// central differences with h = 1e-4 are accurate to about 1e-10. The "data" is a tiny batch of
// --batch random MNIST-shaped inputs (uniform on [0, 1)) with random labels, from --seed: no
// dataset is needed to check gradients.
//
// For every parameter (W1 = "0.weight" [50, 784], b1, W2 = "2.weight" [10, 50], b2; note the
// library stores W as [out, in], the transpose of the book's W), it computes
//   - the backprop gradient: model.zero_grad(), loss.backward(), p.grad();
//   - the numerical gradient: numerical_gradient(f, p) (tensor/autograd/gradcheck.h), where
//     f(moved) writes moved into the parameter and evaluates the loss: two forward passes per
//     element, 2 * 39,760 forwards of the 3-sample batch in all, a few seconds;
// and prints their mean absolute difference ("W1: 2.6e-13"), failing (exit 1) unless each is
// below --tolerance (1e-7); on success it prints "all gradients agree". With --w1_sample=N it
// checks only N random elements of W1 (with numerical_diff per element), for a quicker run.
// With --activation=relu the check can fail for a reason that is no bug: where a hidden
// pre-activation lies within h of relu's kink at 0, the central difference straddles the kink
// (e.g. --activation=relu --batch=10, where one of 500 does; the program counts them).
//
// Then it trains --train_steps steps of SGD with the backprop gradients on the same batch and
// prints the loss going down (it exits 1 if the loss did not decrease).
//
//   bazel run //tools/examples:two_layer_net
//   bazel run //tools/examples:two_layer_net -- --activation=relu --w1_sample=500
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "tensor/autograd/gradcheck.h"
#include "tensor/autograd/graph.h"
#include "tensor/functions.h"
#include "tensor/nn/activation.h"
#include "tensor/nn/linear.h"
#include "tensor/nn/loss.h"
#include "tensor/nn/sequential.h"
#include "tensor/optim/sgd.h"

ABSL_FLAG(uint64_t, seed, 0, "seed of the Generator for the weights, inputs and labels");
ABSL_FLAG(int, batch, 3, "number of random samples in the batch");
ABSL_FLAG(int, hidden, 50, "hidden layer size");
ABSL_FLAG(std::string, activation, "sigmoid", "hidden activation: sigmoid or relu (or tanh, leaky_relu, elu)");
ABSL_FLAG(std::string, init, "std001", "weight init: std001 (N(0, 0.01^2), the book's), xavier or he");
ABSL_FLAG(int, w1_sample, 0, "check only this many random elements of W1 numerically (0: all of them)");
ABSL_FLAG(double, tolerance, 1e-7, "largest mean absolute difference accepted per parameter");
ABSL_FLAG(int, train_steps, 10, "SGD steps to train afterwards (0: none)");
ABSL_FLAG(double, lr, 0.1, "SGD learning rate for the training steps");

namespace concord {
namespace {

constexpr int64_t kInputs = 784;
constexpr int64_t kClasses = 10;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// The book's name for a parameter of the Sequential: "0.weight" -> "W1", "2.bias" -> "b2".
std::string BookName(const std::string& name) {
  const std::string layer = name.substr(0, name.find('.'));
  const std::string number = std::to_string(std::stoi(layer) / 2 + 1);
  return (name.ends_with("weight") ? "W" : "b") + number;
}

// Central differences for `count` random elements of p only (numerical_diff per element,
// writing the moved value straight into the parameter's storage). Fills *numeric and *picked.
void SampledNumericalGradient(const Tensor& p, const std::function<double()>& loss, int64_t count, Generator& gen,
                              std::vector<double>* numeric, std::vector<int64_t>* picked) {
  autograd::NoGradGuard no_grad;
  double* data = p.data<double>();  // parameters are contiguous float64 leaves
  for (int64_t k = 0; k < count; ++k) {
    const int64_t i = static_cast<int64_t>(gen.NextBelow(static_cast<uint64_t>(p.numel())));
    const double saved = data[i];
    numeric->push_back(numerical_diff(
        [&](double v) {
          data[i] = v;
          return loss();
        },
        saved));
    data[i] = saved;
    picked->push_back(i);
  }
}

int Run() {
  const int batch = absl::GetFlag(FLAGS_batch);
  const int hidden = absl::GetFlag(FLAGS_hidden);
  const int w1_sample = absl::GetFlag(FLAGS_w1_sample);
  const double tolerance = absl::GetFlag(FLAGS_tolerance);
  const int train_steps = absl::GetFlag(FLAGS_train_steps);
  absl::StatusOr<nn::Activation> activation = nn::ParseActivation(absl::GetFlag(FLAGS_activation));
  absl::StatusOr<nn::Init> init = nn::ParseInit(absl::GetFlag(FLAGS_init));
  if (!activation.ok() || !init.ok()) {
    std::fprintf(stderr, "two_layer_net: %s\n",
                 std::string((activation.ok() ? init.status() : activation.status()).message()).c_str());
    return 2;
  }
  if (batch <= 0 || hidden <= 0 || w1_sample < 0 || train_steps < 0 || tolerance <= 0) {
    std::fprintf(stderr, "two_layer_net: --batch, --hidden and --tolerance must be positive, "
                         "--w1_sample and --train_steps not negative\n");
    return 2;
  }

  Generator gen(absl::GetFlag(FLAGS_seed));
  std::shared_ptr<nn::Sequential> model = nn::MakeMlp({kInputs, hidden, kClasses}, *activation, *init, gen, kFloat64);
  const Tensor x = rand({batch, kInputs}, gen, kFloat64);
  std::vector<int64_t> label_values;
  for (int i = 0; i < batch; ++i) label_values.push_back(static_cast<int64_t>(gen.NextBelow(kClasses)));
  const Tensor labels = from_vector(label_values, {batch});
  auto loss = [&] { return nn::cross_entropy(model->Forward(x), labels); };

  std::printf("two-layer net %s, %s init, float64\n", model->ToString().c_str(),
              std::string(nn::InitName(*init)).c_str());
  std::printf("batch: %d random inputs [%d, %ld], labels %s\n", batch, batch, static_cast<long>(kInputs),
              labels.ToString().c_str());
  std::printf("loss: %.6f\n", loss().item<double>());
  if (*activation == nn::Activation::kRelu || *activation == nn::Activation::kLeakyRelu) {
    // Where a hidden pre-activation lies within h of relu's kink at 0, f(x + h) and f(x - h)
    // straddle the kink and the central difference is off: a limit of the numerical method.
    autograd::NoGradGuard no_grad;
    const Tensor z = (*model)[0].Forward(x);
    const int64_t near = lt(abs(z), kNumericalStep).sum().item<int64_t>();
    std::printf("pre-activations within h of the kink at 0: %ld of %ld (smallest |z| %.1e)%s\n",
                static_cast<long>(near), static_cast<long>(z.numel()), abs(z).min().item<double>(),
                near > 0 ? ": expect numerical errors there" : "");
  }
  std::printf("\n");

  // Backprop: one backward pass gives every gradient.
  auto start = std::chrono::steady_clock::now();
  model->zero_grad();
  loss().backward();
  std::vector<Tensor> backprop;
  for (const Tensor& p : model->parameters()) backprop.push_back(p.grad().clone());
  std::printf("backprop gradients: %.4f s (one forward and one backward pass)\n", Seconds(start));

  // Numerical gradients, and how far backprop is from them.
  std::printf("mean absolute difference |numerical - backprop| per parameter (h = %g):\n", kNumericalStep);
  bool all_ok = true;
  const auto named = model->named_parameters();
  for (size_t k = 0; k < named.size(); ++k) {
    const auto& [name, p] = named[k];
    start = std::chrono::steady_clock::now();
    double mean_diff = 0, max_diff = 0;
    int64_t checked = 0;
    if (k == 0 && w1_sample > 0) {
      std::vector<double> numeric;
      std::vector<int64_t> picked;
      SampledNumericalGradient(p, [&] { return loss().item<double>(); }, w1_sample, gen, &numeric, &picked);
      const double* bp = backprop[k].data<double>();
      for (size_t j = 0; j < picked.size(); ++j) {
        const double d = std::fabs(numeric[j] - bp[picked[j]]);
        mean_diff += d / static_cast<double>(picked.size());
        max_diff = std::max(max_diff, d);
      }
      checked = static_cast<int64_t>(picked.size());
    } else {
      const Tensor saved = p.detach().clone();
      Tensor numeric = numerical_gradient(
          [&](const Tensor& moved) {
            p.detach().copy_(moved);  // the model reads its parameter: put the moved point there
            return loss();
          },
          p);
      p.detach().copy_(saved);
      const Tensor diff = abs(numeric - backprop[k]);
      mean_diff = diff.mean().item<double>();
      max_diff = diff.max().item<double>();
      checked = p.numel();
    }
    const bool ok = mean_diff < tolerance;  // false for NaN too
    all_ok = all_ok && ok;
    std::printf("%s: %.1e   (%s %s, max %.1e, %ld of %ld elements%s, %.2f s)%s\n", BookName(name).c_str(), mean_diff,
                name.c_str(), ShapeToString(p.shape()).c_str(), max_diff, static_cast<long>(checked),
                static_cast<long>(p.numel()), checked < p.numel() ? " sampled at random" : "", Seconds(start),
                ok ? "" : "  TOO LARGE");
  }
  if (!all_ok) {
    std::printf("GRADIENTS DISAGREE: a mean absolute difference is not below %g\n", tolerance);
    return 1;
  }
  std::printf("all gradients agree (mean absolute difference < %g)\n", tolerance);

  // A few SGD steps with the backprop gradients, on the same batch.
  if (train_steps == 0) return 0;
  auto sgd = optim::Sgd::Create(model->parameters(), {.lr = absl::GetFlag(FLAGS_lr)});
  if (!sgd.ok()) {
    std::fprintf(stderr, "two_layer_net: %s\n", std::string(sgd.status().message()).c_str());
    return 2;
  }
  std::printf("\ntraining %d SGD steps, lr %g, on the same batch:\n", train_steps, absl::GetFlag(FLAGS_lr));
  double first = 0, last = 0;
  for (int step = 0; step <= train_steps; ++step) {
    Tensor l = loss();
    last = l.item<double>();
    if (step == 0) first = last;
    std::printf("  step %2d: loss %.6f\n", step, last);
    if (step == train_steps) break;
    (*sgd)->ZeroGrad();
    l.backward();
    (*sgd)->Step();
  }
  std::printf("loss %.6f -> %.6f: %s\n", first, last, last < first ? "decreased" : "DID NOT DECREASE");
  return last < first ? 0 : 1;
}

}  // namespace
}  // namespace concord

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Gradient check of the two-layer net 784-50-10: numerical gradients vs backprop, per parameter.\n"
      "Usage: two_layer_net [--seed=0] [--batch=3] [--activation=sigmoid|relu] [--w1_sample=N]");
  absl::ParseCommandLine(argc, argv);
  try {
    return concord::Run();
  } catch (const concord::TensorError& e) {
    std::fprintf(stderr, "two_layer_net: %s\n", e.what());
    return 1;
  }
}
