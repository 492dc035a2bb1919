#include "tensor/nn/state_dict.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "tensor/autograd/graph.h"

namespace concord::nn {
namespace {

constexpr char kMagic[8] = {'C', 'O', 'N', 'C', 'O', 'R', 'D', 'T'};
constexpr size_t kHeaderBytes = 8 + 4 + 8;

template <typename T>
void Put(std::string* out, T value) {
  out->append(reinterpret_cast<const char*>(&value), sizeof(T));
}

uint32_t Crc32(const char* data, size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; feed large payloads in pieces.
  while (n > 0) {
    uInt piece = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data), piece);
    data += piece;
    n -= piece;
  }
  return static_cast<uint32_t>(crc);
}

// Bounds-checked reads from the payload, naming the field and offset on failure.
class Reader {
 public:
  Reader(const std::string& path, const char* data, size_t size, size_t base)
      : path_(path), data_(data), size_(size), base_(base) {}

  template <typename T>
  absl::Status Get(T* value, std::string_view field) {
    if (absl::Status s = Need(sizeof(T), field); !s.ok()) return s;
    std::memcpy(value, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return absl::OkStatus();
  }

  absl::Status Bytes(void* dst, size_t n, std::string_view field) {
    if (absl::Status s = Need(n, field); !s.ok()) return s;
    std::memcpy(dst, data_ + pos_, n);
    pos_ += n;
    return absl::OkStatus();
  }

  absl::Status Need(size_t n, std::string_view field) const {
    if (n > size_ - pos_) {
      return absl::DataLossError(StrCat(path_, ": truncated at offset ", base_ + pos_, " reading ", field, ": need ", n,
                                        " bytes, ", size_ - pos_, " left"));
    }
    return absl::OkStatus();
  }

  size_t offset() const { return base_ + pos_; }
  bool done() const { return pos_ == size_; }

 private:
  const std::string& path_;
  const char* data_;
  size_t size_;
  size_t base_;
  size_t pos_ = 0;
};

absl::Status ErrnoError(std::string_view what, const std::string& path) {
  return absl::UnavailableError(StrCat(what, " ", path, ": ", std::strerror(errno)));
}

}  // namespace

absl::Status SaveTensors(const std::string& path, const NamedTensors& tensors) {
  std::string payload;
  Put<uint64_t>(&payload, tensors.size());
  for (const auto& [name, t] : tensors) {
    Tensor c = t.detach().contiguous().to(Device::Cpu());
    Put<uint32_t>(&payload, static_cast<uint32_t>(name.size()));
    payload += name;
    Put<uint8_t>(&payload, static_cast<uint8_t>(c.dtype()));
    Put<uint32_t>(&payload, static_cast<uint32_t>(c.dim()));
    for (int64_t s : c.shape()) Put<int64_t>(&payload, s);
    payload.append(static_cast<const char*>(c.raw_data()), c.numel() * ElementSize(c.dtype()));
  }
  std::string file(kMagic, sizeof(kMagic));
  Put<uint32_t>(&file, kStateDictVersion);
  Put<uint64_t>(&file, payload.size());
  file += payload;
  Put<uint32_t>(&file, Crc32(payload.data(), payload.size()));

  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return ErrnoError("cannot create", tmp);
  size_t written = 0;
  while (written < file.size()) {
    ssize_t n = ::write(fd, file.data() + written, file.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      absl::Status s = ErrnoError("cannot write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    absl::Status s = ErrnoError("cannot fsync", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status s = ErrnoError("cannot rename onto", path);
    ::unlink(tmp.c_str());
    return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<NamedTensors> LoadTensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat("cannot open ", path, ": ", std::strerror(errno)));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string file = buffer.str();

  if (file.size() < kHeaderBytes + 4) {
    return absl::DataLossError(StrCat(path, ": truncated: ", file.size(), " bytes, a tensor file has at least ",
                                      kHeaderBytes + 4));
  }
  if (std::memcmp(file.data(), kMagic, sizeof(kMagic)) != 0) {
    return absl::InvalidArgumentError(StrCat(path, ": not a Concord tensor file (expected magic \"CONCORDT\" at offset 0)"));
  }
  uint32_t version;
  uint64_t payload_bytes;
  std::memcpy(&version, file.data() + 8, 4);
  std::memcpy(&payload_bytes, file.data() + 12, 8);
  if (version != kStateDictVersion) {
    return absl::InvalidArgumentError(StrCat(path, ": format version ", version, ", this build reads version ",
                                             kStateDictVersion));
  }
  if (payload_bytes != file.size() - kHeaderBytes - 4) {
    return absl::DataLossError(StrCat(path, ": header says ", payload_bytes, " payload bytes, the file holds ",
                                      file.size() - kHeaderBytes - 4, " (truncated or extended)"));
  }
  const char* payload = file.data() + kHeaderBytes;
  uint32_t stored_crc;
  std::memcpy(&stored_crc, payload + payload_bytes, 4);
  uint32_t crc = Crc32(payload, payload_bytes);
  if (crc != stored_crc) {
    return absl::DataLossError(StrCat(path, ": checksum mismatch: file says ", stored_crc, ", contents give ", crc,
                                      " (the file is corrupted)"));
  }

  Reader r(path, payload, payload_bytes, kHeaderBytes);
  uint64_t count;
  if (absl::Status s = r.Get(&count, "tensor count"); !s.ok()) return s;
  NamedTensors out;
  for (uint64_t i = 0; i < count; ++i) {
    uint32_t name_len, ndim;
    uint8_t dtype;
    if (absl::Status s = r.Get(&name_len, "name length"); !s.ok()) return s;
    if (absl::Status s = r.Need(name_len, "name"); !s.ok()) return s;
    std::string name(name_len, '\0');
    if (absl::Status s = r.Bytes(name.data(), name_len, "name"); !s.ok()) return s;
    if (absl::Status s = r.Get(&dtype, "dtype"); !s.ok()) return s;
    if (dtype > static_cast<uint8_t>(kFloat64)) {
      return absl::InvalidArgumentError(StrCat(path, ": tensor '", name, "' has unknown dtype code ", dtype));
    }
    if (absl::Status s = r.Get(&ndim, "dimension count"); !s.ok()) return s;
    if (ndim > 64) return absl::InvalidArgumentError(StrCat(path, ": tensor '", name, "' claims ", ndim, " dimensions"));
    Shape shape(ndim);
    uint64_t numel = 1;
    for (uint32_t d = 0; d < ndim; ++d) {
      if (absl::Status s = r.Get(&shape[d], "size"); !s.ok()) return s;
      if (shape[d] < 0 || (shape[d] > 0 && numel > (uint64_t{1} << 40) / static_cast<uint64_t>(shape[d]))) {
        return absl::InvalidArgumentError(StrCat(path, ": tensor '", name, "' has an invalid size ", shape[d],
                                                 " in dimension ", d));
      }
      numel *= static_cast<uint64_t>(shape[d]);
    }
    const DType dt = static_cast<DType>(dtype);
    const size_t nbytes = numel * ElementSize(dt);
    if (absl::Status s = r.Need(nbytes, StrCat("the data of '", name, "'")); !s.ok()) return s;
    Tensor t = empty(shape, dt);
    if (absl::Status s = r.Bytes(t.raw_data(), nbytes, "data"); !s.ok()) return s;
    out.emplace_back(std::move(name), std::move(t));
  }
  if (!r.done()) {
    return absl::DataLossError(StrCat(path, ": ", payload_bytes - (r.offset() - kHeaderBytes),
                                      " unexpected bytes after the last tensor at offset ", r.offset()));
  }
  return out;
}

absl::Status SaveStateDict(const Module& module, const std::string& path) {
  return SaveTensors(path, module.named_parameters());
}

absl::Status CopyIntoModule(Module& module, const NamedTensors& tensors, const std::string& source) {
  NamedTensors params = module.named_parameters();
  std::map<std::string, const Tensor*> by_name;
  for (const auto& [name, t] : tensors) by_name[name] = &t;
  if (tensors.size() != params.size()) {
    return absl::InvalidArgumentError(StrCat(source, ": holds ", tensors.size(), " tensors, the model has ",
                                             params.size(), " parameters (is it for another model?)"));
  }
  for (const auto& [name, p] : params) {
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      return absl::InvalidArgumentError(StrCat(source, ": no tensor named '", name, "', which the model has"));
    }
    const Tensor& t = *it->second;
    if (t.shape() != p.shape() || t.dtype() != p.dtype()) {
      return absl::InvalidArgumentError(StrCat(source, ": '", name, "' is ", DTypeName(t.dtype()), " ",
                                               ShapeToString(t.shape()), ", the model expects ", DTypeName(p.dtype()),
                                               " ", ShapeToString(p.shape())));
    }
  }
  // Everything checked: now change the model.
  autograd::NoGradGuard no_grad;
  for (auto& [name, p] : params) p.copy_(*by_name[name]);
  return absl::OkStatus();
}

absl::Status LoadStateDict(Module& module, const std::string& path) {
  absl::StatusOr<NamedTensors> tensors = LoadTensors(path);
  if (!tensors.ok()) return tensors.status();
  return CopyIntoModule(module, *tensors, path);
}

}  // namespace concord::nn
