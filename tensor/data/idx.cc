#include "tensor/data/idx.h"

#include <sys/mman.h>

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

#include "absl/status/status.h"
#include "tensor/error.h"

namespace concord::data {

absl::StatusOr<IdxLayout> ParseIdxLayout(std::string_view bytes, std::string_view name, int expected_ndim) {
  if (bytes.size() < 4) {
    return absl::InvalidArgumentError(StrCat(name, ": too short for an IDX header: ", bytes.size(),
                                             " bytes, need at least 4 (magic)"));
  }
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (p[0] != 0 || p[1] != 0) {
    return absl::InvalidArgumentError(StrCat(name, ": bad magic at offset 0: expected 00 00 08 0", expected_ndim,
                                             ", found ", absl::Hex(p[0], absl::kZeroPad2), " ",
                                             absl::Hex(p[1], absl::kZeroPad2), " ", absl::Hex(p[2], absl::kZeroPad2),
                                             " ", absl::Hex(p[3], absl::kZeroPad2), " (not an IDX file?)"));
  }
  if (p[2] != 0x08) {
    return absl::InvalidArgumentError(StrCat(name, ": element type at offset 2 is 0x", absl::Hex(p[2], absl::kZeroPad2),
                                             ", expected 0x08 (unsigned byte)"));
  }
  const int ndim = p[3];
  if (expected_ndim > 0 && ndim != expected_ndim) {
    return absl::InvalidArgumentError(StrCat(name, ": dimension count at offset 3 is ", ndim, ", expected ",
                                             expected_ndim, expected_ndim == 3 ? " (images)" : " (labels)"));
  }
  const size_t header = 4 + 4 * static_cast<size_t>(ndim);
  if (bytes.size() < header) {
    return absl::InvalidArgumentError(StrCat(name, ": truncated header: ", ndim, " dimensions need ", header,
                                             " bytes, the file has ", bytes.size()));
  }
  IdxLayout out;
  uint64_t total = 1;
  for (int d = 0; d < ndim; ++d) {
    const uint8_t* q = p + 4 + 4 * d;
    uint32_t size = (uint32_t{q[0]} << 24) | (uint32_t{q[1]} << 16) | (uint32_t{q[2]} << 8) | q[3];
    if (size > 0x7fffffffu) {
      return absl::InvalidArgumentError(StrCat(name, ": size of dimension ", d, " at offset ", 4 + 4 * d, " is ", size,
                                               ", more than an int32"));
    }
    out.dims.push_back(size);
    total *= size;
    if (total > bytes.size()) break;  // certainly too big; reported below without overflow
  }
  const uint64_t have = bytes.size() - header;
  if (total != have) {
    std::string shape;
    for (size_t d = 0; d < out.dims.size(); ++d) shape += StrCat(d ? " x " : "", out.dims[d]);
    return absl::InvalidArgumentError(StrCat(name, ": the header's sizes (", shape, ") need ",
                                             total > bytes.size() ? "more than " : "",
                                             total > bytes.size() ? bytes.size() : total, " data bytes after offset ",
                                             header, ", the file has ", have,
                                             total > have ? " (truncated)" : " (trailing bytes)"));
  }
  out.offset = header;
  return out;
}

absl::StatusOr<IdxArray> ParseIdx(std::string_view bytes, std::string_view name, int expected_ndim) {
  absl::StatusOr<IdxLayout> layout = ParseIdxLayout(bytes, name, expected_ndim);
  if (!layout.ok()) return layout.status();
  IdxArray out;
  out.dims = std::move(layout->dims);
  out.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(layout->offset), bytes.end());
  return out;
}

namespace {

// Asks the kernel to back the 2 MiB-aligned part of a fresh, untouched buffer with huge pages
// (transparent huge pages, "madvise" mode): a dataset's pixels are read at random, a few
// hundred bytes per sample, so with 4 KiB pages nearly every sample costs a TLB miss, and on
// virtual machines that shadow page tables the first touch of each page costs microseconds.
// Advice only: where the kernel has no huge pages to give, nothing changes.
void AdviseHugePages(void* data, size_t size) {
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + size) & ~(kHuge - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

}  // namespace

absl::StatusOr<std::string> ReadFileMaybeGzip(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return absl::NotFoundError(StrCat("cannot open ", path, ": ", std::strerror(errno)));
  const std::streamsize file_size = in.tellg();
  in.seekg(0);
  const size_t size = static_cast<size_t>(std::max<std::streamsize>(file_size, 0));
  unsigned char magic[2] = {0, 0};
  in.read(reinterpret_cast<char*>(magic), size >= 2 ? 2 : 0);
  in.seekg(0);
  const bool gzip = size >= 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  std::string raw;
  raw.reserve(size);
  if (!gzip) AdviseHugePages(raw.data(), raw.capacity());  // these bytes are the dataset
  raw.resize(size);
  if (!in.read(raw.data(), file_size)) {
    return absl::DataLossError(StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  if (!gzip) {
    if (raw.size() > max_bytes) {
      return absl::InvalidArgumentError(StrCat(path, ": ", raw.size(), " bytes, more than the limit of ", max_bytes));
    }
    return raw;
  }
  z_stream zs{};
  // 16 + MAX_WBITS: gzip wrapper only.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return absl::InternalError("zlib: inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(raw.data());
  zs.avail_in = static_cast<uInt>(raw.size());
  std::string out;
  // gzip's trailer holds the uncompressed size mod 2^32: reserve it to inflate without regrowth.
  if (raw.size() >= 18) {
    uint32_t isize;
    std::memcpy(&isize, raw.data() + raw.size() - 4, 4);
    out.reserve(std::min<size_t>(isize, max_bytes));
    AdviseHugePages(out.data(), out.capacity());
  }
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (out.size() >= max_bytes) {
      inflateEnd(&zs);
      return absl::InvalidArgumentError(StrCat(path, ": decompresses to more than the limit of ", max_bytes, " bytes"));
    }
    const size_t chunk = std::min<size_t>(std::max<size_t>(out.capacity() - out.size(), size_t{1} << 22),
                                          max_bytes - out.size());
    const size_t old = out.size();
    out.resize(old + chunk);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + old);
    zs.avail_out = static_cast<uInt>(chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(old + chunk - zs.avail_out);
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      inflateEnd(&zs);
      return absl::DataLossError(StrCat(path, ": gzip stream ends early at compressed byte ", zs.total_in,
                                        " (the file is truncated)"));
    }
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      std::string msg = zs.msg ? zs.msg : "unknown error";
      inflateEnd(&zs);
      return absl::DataLossError(StrCat(path, ": corrupt gzip data at compressed byte ", zs.total_in, ": ", msg));
    }
  }
  inflateEnd(&zs);
  return out;
}

}  // namespace concord::data
