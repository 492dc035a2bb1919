// File: tensor/autograd/graph.h
//
// The define-by-run graph of reverse-mode autodiff, in the manner of torch.autograd.
//
// Every differentiable op whose input requires grad records a Node on its output: the node
// holds what backward needs (saved inputs, shapes) and one Edge per input, pointing at the
// Node that produced that input (its grad_fn) or, for a leaf that requires grad, at the
// leaf's AccumulateGrad node. Tensor::backward() walks this graph from the root in reverse
// topological order (engine.cc), summing the gradients that reach each node before running
// it, so each node runs once. AccumulateGrad adds the final gradient into the leaf's .grad and
// then calls the leaf's grad-ready hooks: once per backward, as soon as that leaf's gradient
// is final. Data-parallel training starts its bucket all-reduces from those hooks.
//
// Note [Saved tensors]: a node saves its inputs and outputs detached (same storage, no
// autograd meta), so the graph never owns itself through a saved output. In-place ops on a
// tensor that requires grad are refused while grad mode is on (there is no version counter
// to detect a saved tensor changed under the graph); optimizers update under NoGradGuard.
#ifndef CONCORD_TENSOR_AUTOGRAD_GRAPH_H_
#define CONCORD_TENSOR_AUTOGRAD_GRAPH_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/tensor.h"

namespace concord {
namespace autograd {

class Node;

// Where the gradient of one input goes: input_nr of node (always 0 here: each node has one
// output). A null node means the input needs no gradient.
struct Edge {
  std::shared_ptr<Node> node;
  int input_nr = 0;
};

class Node {
 public:
  explicit Node(std::string name);
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Gradients for each next edge, given the gradient of this node's output. An undefined
  // Tensor means "no gradient" for that edge.
  virtual std::vector<Tensor> Apply(const Tensor& grad_output) = 0;

  const std::vector<Edge>& next_edges() const { return next_edges_; }
  void add_next_edge(Edge edge) { next_edges_.push_back(std::move(edge)); }
  const std::string& name() const { return name_; }
  // Creation order; the engine runs later nodes first among those ready, as PyTorch does.
  uint64_t sequence_nr() const { return sequence_nr_; }
  // The memory this node's input gradient may be written into by its producer, claimed for it
  // (see Note [Gradient destinations]); undefined where there is none. Only a leaf's
  // AccumulateGrad has one.
  virtual Tensor ClaimDestination() { return Tensor(); }

 private:
  std::string name_;
  uint64_t sequence_nr_;
  std::vector<Edge> next_edges_;
};

// A node whose backward is a function of the output gradient.
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

// Grad mode: while disabled (NoGradGuard), ops record nothing. Per thread.
class GradMode {
 public:
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

class NoGradGuard {
 public:
  NoGradGuard() : previous_(GradMode::is_enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// True if grad mode is on and some input requires grad: the op must record.
bool NeedsGrad(std::initializer_list<const Tensor*> inputs);
bool NeedsGrad(const std::vector<Tensor>& inputs);

// Makes `out` the output of a new node named `name` over `inputs` (one edge per input, in
// order; fn returns one gradient per input). Call only when NeedsGrad(inputs).
void Record(const Tensor& out, std::string_view name, const std::vector<Tensor>& inputs, BackwardFn fn);

// Throws TensorError if `t` requires grad and grad mode is on (see Note [Saved tensors]).
void CheckInPlace(const Tensor& t, std::string_view op);

// Runs backward from root with the given output gradient (ones for a one-element root when
// undefined). See Tensor::backward.
void Backward(const Tensor& root, const Tensor& grad_output);

// Note [Gradient destinations]
// A leaf whose .grad is a view into a flat gradient bucket (data-parallel training) cannot
// adopt a fresh gradient (Note [Adopting gradients] in graph.cc): AccumulateGrad copies it in,
// one more pass over the gradient per step (a 1024x784 weight: 3.2 MB read and written, into
// a buffer the GEMM had to zero first). Instead, the backward that computes the gradient can
// write it there itself. While a node's backward runs, GradientDestination(i) is the tensor
// input i's gradient may be written into: the .grad of a leaf that input i feeds directly,
// when that .grad is stale (zeroed lazily, see ZeroGrad), contiguous, of the leaf's shape,
// dtype and device, and nothing would be summed with this edge's gradient (no other edge into
// the leaf is still to deliver, and none delivered a gradient before). Undefined otherwise,
// and outside a backward. Asking is optional, but a backward that gets a tensor has claimed
// it: the .grad is current from then on (no longer zeroed lazily), and the backward must
// write input i's whole gradient there and return that very tensor as input i's gradient.
// AccumulateGrad then has nothing left to do but call the hooks.
Tensor GradientDestination(size_t input);

// Sets each tensor's .grad to zero (keeping its storage), where it has one. Lazily: the
// gradient is marked zero, the next backward writes it instead of adding to it, and reading
// it first (Tensor::grad) fills the zeros. This saves a pass over every gradient per step.
void ZeroGrad(const std::vector<Tensor>& tensors);

// Gives each tensor that has no .grad a zero one, so that a training loop's gradient memory
// exists before its first step and backward only ever adds in place. (Data-parallel training
// instead makes every .grad a view into its flat bucket buffer.)
void AllocateGrads(const std::vector<Tensor>& tensors);

}  // namespace autograd

// A tensor's autograd state; absent (nullptr) for a tensor that never required grad.
struct AutogradMeta {
  bool requires_grad = false;
  Tensor grad;                                  // accumulated gradient (leaves)
  bool grad_is_zero = false;                    // grad's contents are stale and mean zero
  std::shared_ptr<autograd::Node> grad_fn;      // producer (non-leaves)
  std::weak_ptr<autograd::Node> grad_accumulator;  // AccumulateGrad (leaves), made lazily
  std::vector<Tensor::GradHook> hooks;          // grad-ready hooks (leaves)
};

}  // namespace concord

#endif  // CONCORD_TENSOR_AUTOGRAD_GRAPH_H_
