// File: tests/test_util.h
//
// Helpers shared by the tensor test suites: reading a tensor's elements through its own
// shape, strides and offset (no library copy kernels involved), building tensors from flat
// vectors, comparing against independently computed expectations, and checking that a call
// throws TensorError with a message containing given substrings.
#ifndef CONCORD_TESTS_TEST_UTIL_H_
#define CONCORD_TESTS_TEST_UTIL_H_

#include <cmath>
#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/error.h"
#include "tensor/functions.h"
#include "tensor/tensor.h"

namespace concord::test_util {

// Runs fn(rank) on one thread per rank and joins them (the ranks of a collective test).
inline void OnRanks(int world, const std::function<void(int)>& fn) {
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r) threads.emplace_back(fn, r);
  for (std::thread& t : threads) t.join();
}

// Calls fn(offset) for each element of a tensor of (shape, strides) in row-major order.
inline void ForEachOffset(const Shape& shape, const Strides& strides,
                          const std::function<void(int64_t)>& fn) {
  const int64_t n = NumElements(shape);
  if (n == 0) return;
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t offset = 0;
    for (size_t d = 0; d < shape.size(); ++d) offset += index[d] * strides[d];
    fn(offset);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
}

// The elements of t in row-major (logical) order, converted to double. Reads the raw memory
// at data<T>() through t.strides(), so it does not depend on contiguous() or any copy kernel.
inline std::vector<double> Values(const Tensor& t) {
  std::vector<double> out;
  DispatchDType(t.dtype(), [&]<typename T>() {
    const T* base = t.data<T>();
    ForEachOffset(t.shape(), t.strides(),
                  [&](int64_t offset) { out.push_back(static_cast<double>(base[offset])); });
  });
  return out;
}

// As Values, for int64 tensors, exactly.
inline std::vector<int64_t> IntValues(const Tensor& t) {
  std::vector<int64_t> out;
  const int64_t* base = t.data<int64_t>();
  ForEachOffset(t.shape(), t.strides(), [&](int64_t offset) { out.push_back(base[offset]); });
  return out;
}

// As Values, for bool tensors.
inline std::vector<bool> BoolValues(const Tensor& t) {
  std::vector<bool> out;
  const bool* base = t.data<bool>();
  ForEachOffset(t.shape(), t.strides(), [&](int64_t offset) { out.push_back(base[offset]); });
  return out;
}

// Tensors from flat vectors, built through raw memory (zeros + data<T>()), so that creation
// ops under test (tensor(), from_vector) are not needed to build the inputs of other tests.
template <typename T>
Tensor Make(const std::vector<T>& values, const Shape& shape) {
  Tensor t = zeros(shape, DTypeOf<T>::value);
  T* p = t.template data<T>();
  for (size_t i = 0; i < values.size(); ++i) p[i] = values[i];
  return t;
}
inline Tensor F64(const std::vector<double>& v, const Shape& shape) { return Make<double>(v, shape); }
inline Tensor F32(const std::vector<float>& v, const Shape& shape) { return Make<float>(v, shape); }
inline Tensor I64(const std::vector<int64_t>& v, const Shape& shape) { return Make<int64_t>(v, shape); }
inline Tensor Bool(const std::vector<bool>& v, const Shape& shape) {
  Tensor t = zeros(shape, kBool);
  bool* p = t.data<bool>();
  for (size_t i = 0; i < v.size(); ++i) p[i] = v[i];
  return t;
}

// A float64 tensor of the given shape with element at flat index i equal to f(i).
template <typename Fn>
Tensor F64Fill(const Shape& shape, Fn f) {
  std::vector<double> v(NumElements(shape));
  for (size_t i = 0; i < v.size(); ++i) v[i] = f(static_cast<int64_t>(i));
  return F64(v, shape);
}
template <typename Fn>
Tensor F32Fill(const Shape& shape, Fn f) {
  std::vector<float> v(NumElements(shape));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(f(static_cast<int64_t>(i)));
  return F32(v, shape);
}

// Checks shape, and every value against expected within tol (|got - want| <= tol, or both
// NaN, or equal infinities).
inline ::testing::AssertionResult HasValues(const Tensor& t, const Shape& shape,
                                            const std::vector<double>& expected,
                                            double tol = 0.0) {
  if (!t.defined()) return ::testing::AssertionFailure() << "tensor is undefined";
  if (t.shape() != shape) {
    return ::testing::AssertionFailure()
           << "shape " << ShapeToString(t.shape()) << ", expected " << ShapeToString(shape);
  }
  std::vector<double> got = Values(t);
  if (got.size() != expected.size()) {
    return ::testing::AssertionFailure()
           << got.size() << " values, expected " << expected.size();
  }
  for (size_t i = 0; i < got.size(); ++i) {
    const double g = got[i], w = expected[i];
    const bool ok = (std::isnan(g) && std::isnan(w)) || g == w || std::fabs(g - w) <= tol;
    if (!ok) {
      return ::testing::AssertionFailure()
             << "element " << i << " is " << g << ", expected " << w << " (tol " << tol << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

// Checks that fn throws TensorError whose message contains every one of needles.
template <typename Fn>
::testing::AssertionResult ThrowsTensorError(Fn&& fn,
                                             std::initializer_list<std::string_view> needles = {}) {
  try {
    fn();
  } catch (const TensorError& e) {
    const std::string message = e.what();
    for (std::string_view needle : needles) {
      if (message.find(needle) == std::string::npos) {
        return ::testing::AssertionFailure()
               << "TensorError message \"" << message << "\" lacks \"" << needle << "\"";
      }
    }
    return ::testing::AssertionSuccess() << "threw \"" << message << "\"";
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw a non-TensorError: " << e.what();
  } catch (...) {
    return ::testing::AssertionFailure() << "threw a non-std::exception";
  }
  return ::testing::AssertionFailure() << "did not throw";
}

// The text operator<< writes.
inline std::string Streamed(const Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

// Naive row-major matrix product of [n, k] by [k, m], in double.
inline std::vector<double> NaiveMatmul(const std::vector<double>& a, const std::vector<double>& b,
                                       int64_t n, int64_t k, int64_t m) {
  std::vector<double> c(n * m, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < m; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) acc += a[i * k + p] * b[p * m + j];
      c[i * m + j] = acc;
    }
  }
  return c;
}

// A deterministic pseudo-random value in [-1, 1) for index i and seed s (a hash, not the
// library's Generator).
inline double Hashed(int64_t i, uint64_t s = 0) {
  uint64_t x = static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull + s * 0xBF58476D1CE4E5B9ull + 1;
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return static_cast<double>(x >> 11) * 0x1.0p-53 * 2.0 - 1.0;
}

}  // namespace concord::test_util

#endif  // CONCORD_TESTS_TEST_UTIL_H_
