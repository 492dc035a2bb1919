// Printing in PyTorch's manner (torch/_tensor_str.py): one formatter chooses integer mode
// ("1."), fixed ("1.5000") or scientific ("1.0000e-05") notation from the nonzero finite
// values, pads every element to one width, and long tensors are summarised with "...".
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

#include "absl/strings/str_join.h"
#include "tensor/functions.h"

namespace concord {
namespace {

constexpr int kPrecision = 4;
constexpr int64_t kThreshold = 1000;  // summarise above this many elements
constexpr int64_t kEdgeItems = 3;
constexpr int kLineWidth = 80;

std::string Printf(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, kPrecision, v);
  return buf;
}

class Formatter {
 public:
  // values: the elements that will be shown (after summarising), as double.
  Formatter(DType dtype, const std::vector<double>& values) : dtype_(dtype) {
    if (!IsFloating(dtype)) {
      for (double v : values) width_ = std::max(width_, Format(v).size());
      return;
    }
    std::vector<double> finite;
    for (double v : values) {
      if (std::isfinite(v) && v != 0) finite.push_back(std::fabs(v));
    }
    if (finite.empty()) return;
    double lo = *std::min_element(finite.begin(), finite.end());
    double hi = *std::max_element(finite.begin(), finite.end());
    for (double v : finite) {
      if (v != std::ceil(v)) int_mode_ = false;
    }
    sci_mode_ = hi / lo > 1000.0 || hi > 1.0e8 || (!int_mode_ && lo < 1.0e-4);
    for (double v : values) {
      if (!std::isfinite(v) || v == 0) continue;
      size_t w = sci_mode_ ? Printf("%.*e", v).size()
                           : (int_mode_ ? Printf("%.0f", v).size() + 1 : Printf("%.*f", v).size());
      width_ = std::max(width_, w);
    }
  }

  std::string Format(double v) const {
    std::string s;
    if (dtype_ == kBool) {
      s = v != 0 ? "True" : "False";
    } else if (dtype_ == kInt64) {
      s = std::to_string(static_cast<int64_t>(v));
    } else if (sci_mode_) {
      s = Printf("%.*e", v);
    } else if (int_mode_) {
      s = std::isfinite(v) ? Printf("%.0f", v) + "." : Printf("%.0f", v);
    } else {
      s = Printf("%.*f", v);
    }
    return std::string(width_ > s.size() ? width_ - s.size() : 0, ' ') + s;
  }

  size_t width() const { return width_; }

 private:
  DType dtype_;
  bool int_mode_ = true;
  bool sci_mode_ = false;
  size_t width_ = 1;
};

double At(const Tensor& t) { return t.item<double>(); }

bool Summarize(const Tensor& t) { return t.numel() > kThreshold; }

// The elements that will be printed, for the formatter's choices.
void Collect(const Tensor& t, bool summarize, std::vector<double>* out) {
  if (t.dim() == 0) {
    out->push_back(At(t));
    return;
  }
  int64_t n = t.shape()[0];
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) i = n - kEdgeItems;
    Collect(t.select(0, i), summarize, out);
  }
}

std::string VectorStr(const Tensor& t, int indent, bool summarize, const Formatter& f) {
  const int64_t n = t.shape()[0];
  const size_t element_length = f.width() + 2;
  const size_t per_line = std::max<size_t>(1, (kLineWidth - indent) / element_length);
  std::vector<std::string> data;
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) {
      data.push_back(" ...");
      i = n - kEdgeItems;
    }
    data.push_back(f.Format(At(t.select(0, i))));
  }
  std::vector<std::string> lines;
  for (size_t i = 0; i < data.size(); i += per_line) {
    std::vector<std::string> line(data.begin() + i, data.begin() + std::min(data.size(), i + per_line));
    lines.push_back(absl::StrJoin(line, ", "));
  }
  return "[" + absl::StrJoin(lines, ",\n" + std::string(indent + 1, ' ')) + "]";
}

std::string TensorStr(const Tensor& t, int indent, bool summarize, const Formatter& f) {
  if (t.dim() == 0) return f.Format(At(t));
  if (t.dim() == 1) return VectorStr(t, indent, summarize, f);
  const int64_t n = t.shape()[0];
  std::vector<std::string> slices;
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) {
      slices.push_back("...");
      i = n - kEdgeItems;
    }
    slices.push_back(TensorStr(t.select(0, i), indent + 1, summarize, f));
  }
  std::string sep = "," + std::string(t.dim() - 1, '\n') + std::string(indent + 1, ' ');
  return "[" + absl::StrJoin(slices, sep) + "]";
}

}  // namespace

std::string Tensor::ToString() const {
  if (!defined()) return "tensor(undefined)";
  const std::string prefix = "tensor(";
  std::vector<std::string> suffixes;
  std::string body;
  if (numel() == 0) {
    body = "[]";
    if (shape() != Shape{0}) {
      suffixes.push_back("size=(" + absl::StrJoin(shape(), ", ") + (dim() == 1 ? ",)" : ")"));
    }
    // No values to show the dtype by, so any but the default is named (PyTorch).
    if (dtype() != kFloat32 && dtype() != kFloat64) suffixes.push_back(StrCat("dtype=torch.", DTypeName(dtype())));
  } else {
    const Tensor host = device().is_cpu() ? *this : to(Device::Cpu());
    bool summarize = Summarize(host);
    std::vector<double> shown;
    Collect(host, summarize, &shown);
    Formatter f(dtype(), shown);
    body = TensorStr(host, static_cast<int>(prefix.size()), summarize, f);
  }
  // float32 (the default), int64 and bool are implied by the values' look, as in PyTorch.
  if (dtype() == kFloat64) suffixes.push_back("dtype=torch.float64");
  if (!device().is_cpu()) suffixes.insert(suffixes.begin(), "device='" + device().ToString() + "'");
  std::string out = prefix + body;
  for (const std::string& s : suffixes) out += ", " + s;
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.ToString(); }

}  // namespace concord
