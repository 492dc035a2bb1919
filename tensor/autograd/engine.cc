// The backward engine: a dependency count per node over the graph reachable from the root,
// then nodes run when every gradient for them has arrived, latest-created first among the
// ready ones (PyTorch's order on CPU). Gradients arriving at a node are summed.
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "tensor/autograd/graph.h"
#include "tensor/ops/kernels.h"

namespace concord {
namespace autograd {

Edge RootEdge(const Tensor& t);  // graph.cc

namespace {

struct LaterFirst {
  bool operator()(const Node* a, const Node* b) const { return a->sequence_nr() < b->sequence_nr(); }
};

// The node whose backward runs on this thread, with the engine's state that GradientDestination
// reads: the edges still to deliver into each node, and the gradients delivered so far.
struct Running {
  const Node* node;
  const std::unordered_map<Node*, int>* dependencies;
  const std::unordered_map<Node*, Tensor>* buffers;
};
thread_local const Running* running = nullptr;

class RunningScope {
 public:
  explicit RunningScope(const Running* r) : previous_(running) { running = r; }
  ~RunningScope() { running = previous_; }
  RunningScope(const RunningScope&) = delete;
  RunningScope& operator=(const RunningScope&) = delete;

 private:
  const Running* previous_;
};

}  // namespace

Tensor GradientDestination(size_t input) {
  if (running == nullptr || input >= running->node->next_edges().size()) return Tensor();
  Node* next = running->node->next_edges()[input].node.get();
  if (next == nullptr) return Tensor();
  // Nothing to sum with: this edge is the last one still to deliver into `next`, and none
  // before it delivered a gradient.
  auto left = running->dependencies->find(next);
  if (left == running->dependencies->end() || left->second != 1) return Tensor();
  auto delivered = running->buffers->find(next);
  if (delivered != running->buffers->end() && delivered->second.defined()) return Tensor();
  return next->ClaimDestination();
}

void Backward(const Tensor& root, const Tensor& grad_output) {
  TENSOR_CHECK(root.requires_grad(), "backward: element 0 of tensors does not require grad and does not "
               "have a grad_fn (call requires_grad_() on a leaf the result depends on)");
  Tensor grad = grad_output;
  if (!grad.defined()) {
    TENSOR_CHECK(root.numel() == 1, "backward: grad can be implicitly created only for scalar outputs; "
                 "the output has shape ", ShapeToString(root.shape()), ", so pass a gradient of that shape");
    grad = ops::NewTensor(root.shape(), root.dtype(), root.device());
    ops::Fill(grad, 1);
  }
  TENSOR_CHECK(grad.shape() == root.shape(), "backward: the gradient has shape ", ShapeToString(grad.shape()),
               " but the output has shape ", ShapeToString(root.shape()));
  Edge root_edge = RootEdge(root);

  // Count, for each node, how many edges lead into it.
  std::unordered_map<Node*, int> dependencies;
  std::unordered_set<Node*> seen{root_edge.node.get()};
  std::vector<Node*> stack{root_edge.node.get()};
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    for (const Edge& e : node->next_edges()) {
      if (!e.node) continue;
      ++dependencies[e.node.get()];
      if (seen.insert(e.node.get()).second) stack.push_back(e.node.get());
    }
  }

  NoGradGuard no_grad;  // gradients are computed without recording (no create_graph)
  std::unordered_map<Node*, Tensor> buffers{{root_edge.node.get(), grad}};
  std::priority_queue<Node*, std::vector<Node*>, LaterFirst> ready;
  ready.push(root_edge.node.get());
  while (!ready.empty()) {
    Node* node = ready.top();
    ready.pop();
    Tensor input = std::move(buffers[node]);
    buffers.erase(node);
    std::vector<Tensor> grads;
    if (input.defined()) {
      const Running here{node, &dependencies, &buffers};
      RunningScope scope(&here);
      grads = node->Apply(input);
    }
    const std::vector<Edge>& edges = node->next_edges();
    TENSOR_CHECK(grads.empty() || grads.size() == edges.size(), "backward: internal error: ", node->name(),
                 " returned ", grads.size(), " gradients for ", edges.size(), " inputs");
    for (size_t i = 0; i < edges.size(); ++i) {
      Node* next = edges[i].node.get();
      if (!next) continue;
      if (!grads.empty() && grads[i].defined()) {
        Tensor& buf = buffers[next];
        if (!buf.defined()) {
          buf = grads[i];
        } else {
          Tensor sum = ops::NewTensor(buf.shape(), buf.dtype(), buf.device());
          ops::Binary(ops::BinaryOp::kAdd, sum, buf, grads[i]);
          buf = sum;
        }
      }
      if (--dependencies[next] == 0) ready.push(next);
    }
  }
}

}  // namespace autograd
}  // namespace concord
