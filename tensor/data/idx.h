// File: tensor/data/idx.h
//
// The IDX format of the MNIST files: a 4-byte magic (0, 0, type, ndim), ndim big-endian int32
// sizes, then the elements row-major. We read unsigned-byte arrays (type 0x08): images are
// idx3 [N, rows, cols], labels idx1 [N].
//
// ParseIdx works on bytes in memory and trusts nothing: every field is checked against the
// buffer's length before it is read, and an error names the file, the field or byte offset,
// what was expected and what was found. ReadFileMaybeGzip reads a file, gunzipping it when
// it starts with the gzip magic.
#ifndef CONCORD_TENSOR_DATA_IDX_H_
#define CONCORD_TENSOR_DATA_IDX_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace concord::data {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;  // row-major, prod(dims) bytes
};

// expected_ndim: 3 for images, 1 for labels (0: any). name is used in messages.
absl::StatusOr<IdxArray> ParseIdx(std::string_view bytes, std::string_view name, int expected_ndim);

// ParseIdx's checks without the copy: the sizes, and where the data starts in bytes (it runs
// to the end), for a caller that keeps the file's bytes.
struct IdxLayout {
  std::vector<int64_t> dims;
  size_t offset = 0;
};
absl::StatusOr<IdxLayout> ParseIdxLayout(std::string_view bytes, std::string_view name, int expected_ndim);

// The file's bytes, decompressed if gzip. Refuses more than max_bytes of output.
absl::StatusOr<std::string> ReadFileMaybeGzip(const std::string& path, size_t max_bytes = size_t{1} << 30);

}  // namespace concord::data

#endif  // CONCORD_TENSOR_DATA_IDX_H_
