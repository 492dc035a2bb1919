#include "tensor/dtype.h"

namespace concord {

size_t ElementSize(DType dtype) {
  switch (dtype) {
    case kBool: return sizeof(bool);
    case kInt64: return sizeof(int64_t);
    case kFloat32: return sizeof(float);
    case kFloat64: return sizeof(double);
  }
  return 0;
}

std::string_view DTypeName(DType dtype) {
  switch (dtype) {
    case kBool: return "bool";
    case kInt64: return "int64";
    case kFloat32: return "float32";
    case kFloat64: return "float64";
  }
  return "unknown";
}

bool IsFloating(DType dtype) { return dtype == kFloat32 || dtype == kFloat64; }

DType PromoteTypes(DType a, DType b) {
  // The enum is ordered bool < int64 < float32 < float64, which is PyTorch's lattice for
  // these four types.
  return static_cast<uint8_t>(a) > static_cast<uint8_t>(b) ? a : b;
}

}  // namespace concord
