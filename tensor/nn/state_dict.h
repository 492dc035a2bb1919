// File: tensor/nn/state_dict.h
//
// Named tensors to and from a file: a model's parameters (state dict), an optimizer's
// momentum buffers, a checkpoint. The format (little-endian):
//
//   "CONCORDT"            8 bytes magic
//   version               uint32 (kStateDictVersion)
//   payload_bytes         uint64
//   payload: count uint64, then per tensor:
//     name_len uint32, name, dtype uint8 (DType), ndim uint32, sizes int64[ndim],
//     data (numel * element size bytes, row-major)
//   crc32                 uint32 of the payload (zlib's CRC-32)
//
// Save writes a temporary file beside the target, fsyncs it and renames it over the target,
// so a crash leaves the old file or the new one, never half of one. Load reads and checks
// everything (magic, version, length, checksum, every field's bounds) before returning, and
// LoadStateDict checks names, shapes and dtypes against the model before changing any
// parameter: on any error the model is unchanged and the message names the file and what
// was expected and found.
#ifndef CONCORD_TENSOR_NN_STATE_DICT_H_
#define CONCORD_TENSOR_NN_STATE_DICT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tensor/nn/module.h"

namespace concord::nn {

inline constexpr uint32_t kStateDictVersion = 1;

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

absl::Status SaveTensors(const std::string& path, const NamedTensors& tensors);
absl::StatusOr<NamedTensors> LoadTensors(const std::string& path);

// A module's named_parameters().
absl::Status SaveStateDict(const Module& module, const std::string& path);
// Loads into module's parameters (in place, keeping their storage): the file must hold
// exactly the module's parameter names with the same shapes and dtypes.
absl::Status LoadStateDict(Module& module, const std::string& path);
// The same check and copy from tensors already in memory.
absl::Status CopyIntoModule(Module& module, const NamedTensors& tensors, const std::string& source);

}  // namespace concord::nn

#endif  // CONCORD_TENSOR_NN_STATE_DICT_H_
