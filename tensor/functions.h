// File: tensor/functions.h
//
// The tensor library's free functions, as in the torch namespace: creation, elementwise math
// with NumPy broadcasting, comparisons, reductions, linear algebra and joining. Binary ops
// promote dtypes (tensor/dtype.h); division of integers gives float32, as torch.div does.
// Every binary op has an `out=` form writing into an existing tensor of the broadcast shape
// and the result dtype (torch.add(x, y, out=result)); it throws if `out` does not fit.
//
//   Tensor a = arange(6).view({2, 3}).to(kFloat32);
//   Tensor b = tensor({10., 20., 30.});
//   Tensor c = a * b + 1;                 // [2, 3]
//   add(a, b, /*out=*/c);                 // reuses c's storage
//   Tensor w = randn({3, 4}, gen);         // seeded Generator
//   Tensor y = matmul(c, w);               // [2, 4]
#ifndef CONCORD_TENSOR_FUNCTIONS_H_
#define CONCORD_TENSOR_FUNCTIONS_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

#include "tensor/nested.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace concord {

// ---- Creation ---------------------------------------------------------------------------
Tensor empty(const Shape& shape, TensorOptions options = {});  // uninitialised
Tensor zeros(const Shape& shape, TensorOptions options = {});
Tensor ones(const Shape& shape, TensorOptions options = {});
Tensor full(const Shape& shape, Scalar value, TensorOptions options = {});
// [start, end) in steps of step. arange(n) and arange(a, b) are int64 when every argument is
// integral, as in PyTorch; pass options for another dtype.
Tensor arange(Scalar end);
Tensor arange(Scalar start, Scalar end, Scalar step = 1);
Tensor arange(Scalar start, Scalar end, Scalar step, TensorOptions options);
// steps evenly spaced values from start to end inclusive.
Tensor linspace(double start, double end, int64_t steps, TensorOptions options = {});
// Uniform on [0, 1) and standard normal, from gen or the global generator (manual_seed).
Tensor rand(const Shape& shape, TensorOptions options = {});
Tensor rand(const Shape& shape, Generator& gen, TensorOptions options = {});
Tensor randn(const Shape& shape, TensorOptions options = {});
Tensor randn(const Shape& shape, Generator& gen, TensorOptions options = {});
// From nested lists: tensor({{1., 2.}, {3., 4.}}). Floating literals give float32, integer
// literals int64, bool literals bool, unless options says otherwise; ragged lists throw.
Tensor tensor(const NestedData& data, std::optional<TensorOptions> options = std::nullopt);
// From a flat vector and a shape whose element count matches.
template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape);
// Same shape (and device) as t; dtype t's unless given.
Tensor empty_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor zeros_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor ones_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor full_like(const Tensor& t, Scalar value, std::optional<DType> dtype = std::nullopt);
Tensor rand_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor randn_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
// A 0-dim tensor holding value.
Tensor scalar_tensor(Scalar value, TensorOptions options = {});

// ---- Elementwise, binary (broadcasting, dtype promotion) --------------------------------
Tensor add(const Tensor& a, const Tensor& b, Scalar alpha = 1);  // a + alpha * b
Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha = 1);  // a - alpha * b
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, Scalar exponent);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
// out= forms: out must already have the broadcast shape and the result dtype.
Tensor& add(const Tensor& a, const Tensor& b, Tensor& out);
Tensor& sub(const Tensor& a, const Tensor& b, Tensor& out);
Tensor& mul(const Tensor& a, const Tensor& b, Tensor& out);
Tensor& div(const Tensor& a, const Tensor& b, Tensor& out);
Tensor& pow(const Tensor& a, const Tensor& b, Tensor& out);
Tensor& maximum(const Tensor& a, const Tensor& b, Tensor& out);
Tensor& minimum(const Tensor& a, const Tensor& b, Tensor& out);

// Comparisons give bool masks.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, Scalar b);
Tensor ne(const Tensor& a, Scalar b);
Tensor lt(const Tensor& a, Scalar b);
Tensor le(const Tensor& a, Scalar b);
Tensor gt(const Tensor& a, Scalar b);
Tensor ge(const Tensor& a, Scalar b);
// mask ? a : b, all three broadcast together.
Tensor where(const Tensor& mask, const Tensor& a, const Tensor& b);

// ---- Elementwise, unary (integer inputs give float32 for exp, log, sqrt) ----------------
Tensor neg(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor sigmoid(const Tensor& a);  // 1 / (1 + exp(-a)), without overflow for any a
Tensor tanh(const Tensor& a);
Tensor relu(const Tensor& a);     // a <= 0 ? 0 : a (NaN passes); gradient 0 at 0
Tensor clamp(const Tensor& a, std::optional<Scalar> min, std::optional<Scalar> max);

// ---- Reductions: see Tensor::sum and friends ---------------------------------------------
Tensor sum(const Tensor& a);
Tensor sum(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor mean(const Tensor& a);
Tensor mean(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor max(const Tensor& a);
Tensor max(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor min(const Tensor& a);
Tensor min(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& a);
Tensor argmax(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& a);
Tensor argmin(const Tensor& a, int64_t dim, bool keepdim = false);

// ---- Linear algebra (OpenBLAS for float32/float64; transposed views need no copy) --------
Tensor mm(const Tensor& a, const Tensor& b);  // [n, k] x [k, m] -> [n, m]
// bias + a @ b, the bias [m] added to every row (torch.addmm with beta = alpha = 1): what a
// linear layer computes, in one pass over the output on a GPU.
Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b);
// x @ weight^T + bias for x [n, in], weight [out, in], bias [out] or undefined: a linear layer
// (torch.nn.functional.linear), rounded as addmm(bias, x, weight.t()). One autograd node whose
// weight gradient is written straight into the weight's .grad where it may be (Note [Gradient
// destinations] in tensor/autograd/graph.h): a bucket view, in data-parallel training.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());
// out = a @ b (out: [n, m], contiguous, a's dtype); reuses out's storage.
Tensor& mm(const Tensor& a, const Tensor& b, Tensor& out);
// 1-D x 1-D: dot; 2-D x 2-D: mm; 1-D/2-D mixes as torch.matmul; 3-D x 3-D or 3-D x 2-D:
// batched mm over the leading dim (a batch of 1 broadcasts).
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor dot(const Tensor& a, const Tensor& b);  // 1-D x 1-D -> 0-dim

// Threads the math may use (torch.set_num_threads); 0 means one per CPU this process may use
// (UsableCpus, common/machine.h).
void set_num_threads(int threads);
// Whether float32 matrix products on CUDA may use TF32 tensor cores
// (torch.backends.cuda.matmul.allow_tf32); false by default: full FP32.
void set_allow_tf32(bool allow);
bool allow_tf32();
int get_num_threads();

// ---- Joining and indexing ------------------------------------------------------------------
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index);

// ---- Operators -----------------------------------------------------------------------------
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator+(const Tensor& a, Scalar b);
Tensor operator-(const Tensor& a, Scalar b);
Tensor operator*(const Tensor& a, Scalar b);
Tensor operator/(const Tensor& a, Scalar b);
Tensor operator+(Scalar a, const Tensor& b);
Tensor operator-(Scalar a, const Tensor& b);
Tensor operator*(Scalar a, const Tensor& b);
Tensor operator/(Scalar a, const Tensor& b);
// Comparison operators give bool masks. == and != are the functions eq and ne only, so that
// `a == b` never silently means "same handle" or "elementwise" by surprise.
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, Scalar b);
Tensor operator<=(const Tensor& a, Scalar b);
Tensor operator>(const Tensor& a, Scalar b);
Tensor operator>=(const Tensor& a, Scalar b);
Tensor& operator+=(Tensor& a, const Tensor& b);
Tensor& operator-=(Tensor& a, const Tensor& b);
Tensor& operator*=(Tensor& a, const Tensor& b);
Tensor& operator/=(Tensor& a, const Tensor& b);
Tensor& operator+=(Tensor& a, Scalar b);
Tensor& operator-=(Tensor& a, Scalar b);
Tensor& operator*=(Tensor& a, Scalar b);
Tensor& operator/=(Tensor& a, Scalar b);

}  // namespace concord

#endif  // CONCORD_TENSOR_FUNCTIONS_H_
