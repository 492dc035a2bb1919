// The IDX reader: valid files (plain and gzip), and every malformed case with its message;
// a bounded fuzz run over the parser (mutated valid files never crash or read past the end).
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tensor/data/dataset.h"
#include "tensor/data/idx.h"

namespace concord::data {
namespace {

std::string Idx(int ndim, const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data, uint8_t type = 0x08) {
  std::string s = {0, 0, static_cast<char>(type), static_cast<char>(ndim)};
  for (uint32_t d : dims) {
    s += static_cast<char>(d >> 24);
    s += static_cast<char>(d >> 16);
    s += static_cast<char>(d >> 8);
    s += static_cast<char>(d);
  }
  s.append(data.begin(), data.end());
  return s;
}

std::string Images(uint32_t n, uint32_t rows, uint32_t cols) {
  std::vector<uint8_t> pixels(n * rows * cols);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 7);
  return Idx(3, {n, rows, cols}, pixels);
}

std::string Labels(const std::vector<uint8_t>& labels) {
  return Idx(1, {static_cast<uint32_t>(labels.size())}, labels);
}

std::string TempPath(const std::string& name) { return testing::TempDir() + "/" + name; }

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

void WriteGzip(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  gzclose(f);
}

void ExpectError(const absl::StatusOr<IdxArray>& r, const std::vector<std::string>& needles) {
  ASSERT_FALSE(r.ok());
  for (const std::string& n : needles) {
    EXPECT_NE(r.status().message().find(n), absl::string_view::npos) << r.status().message() << "\nmissing: " << n;
  }
}

TEST(IdxTest, ParsesImagesAndLabels) {
  absl::StatusOr<IdxArray> img = ParseIdx(Images(2, 3, 4), "img", 3);
  ASSERT_TRUE(img.ok()) << img.status();
  EXPECT_EQ(img->dims, (std::vector<int64_t>{2, 3, 4}));
  ASSERT_EQ(img->data.size(), 24u);
  EXPECT_EQ(img->data[5], 35);
  absl::StatusOr<IdxArray> lab = ParseIdx(Labels({3, 1, 4}), "lab", 1);
  ASSERT_TRUE(lab.ok());
  EXPECT_EQ(lab->data, (std::vector<uint8_t>{3, 1, 4}));
  // The same checks without the copy: where the data starts.
  const std::string bytes = Images(2, 3, 4);
  absl::StatusOr<IdxLayout> layout = ParseIdxLayout(bytes, "img", 3);
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->dims, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(layout->offset, 16u);
  EXPECT_EQ(static_cast<uint8_t>(bytes[layout->offset + 5]), 35);
  EXPECT_FALSE(ParseIdxLayout(bytes.substr(0, bytes.size() - 1), "img", 3).ok());
}

TEST(IdxTest, MalformedHeadersNameTheFieldAndOffset) {
  ExpectError(ParseIdx("", "f", 3), {"f:", "too short", "0 bytes"});
  ExpectError(ParseIdx(std::string("\x01\x00\x08\x03", 4), "f", 3), {"bad magic at offset 0", "01 00 08 03"});
  ExpectError(ParseIdx(Idx(3, {1, 1, 1}, {0}, 0x0D), "f", 3), {"offset 2", "0x0d", "unsigned byte"});
  ExpectError(ParseIdx(Labels({1}), "f", 3), {"dimension count at offset 3 is 1", "expected 3"});
  ExpectError(ParseIdx(std::string("\x00\x00\x08\x03\x00\x00", 6), "f", 3), {"truncated header", "need 16"});
  ExpectError(ParseIdx(Idx(1, {0x80000000u}, {}), "f", 1), {"dimension 0", "more than an int32"});
}

TEST(IdxTest, SizeMismatchesSayTruncatedOrTrailing) {
  std::string img = Images(2, 3, 4);
  ExpectError(ParseIdx(img.substr(0, img.size() - 1), "f", 3), {"need 24 data bytes", "has 23", "truncated"});
  ExpectError(ParseIdx(img + "xx", "f", 3), {"has 26", "trailing bytes"});
  // A header claiming billions of pixels is refused without allocating them.
  ExpectError(ParseIdx(Idx(3, {60000, 28000, 28000}, {1, 2}), "f", 3), {"need more than", "truncated"});
}

TEST(IdxTest, ReadsPlainAndGzipFiles) {
  const std::string bytes = Images(5, 2, 2);
  WriteFile(TempPath("plain"), bytes);
  WriteGzip(TempPath("packed.gz"), bytes);
  absl::StatusOr<std::string> plain = ReadFileMaybeGzip(TempPath("plain"));
  absl::StatusOr<std::string> packed = ReadFileMaybeGzip(TempPath("packed.gz"));
  ASSERT_TRUE(plain.ok() && packed.ok());
  EXPECT_EQ(*plain, bytes);
  EXPECT_EQ(*packed, bytes);
}

TEST(IdxTest, FileErrors) {
  absl::StatusOr<std::string> missing = ReadFileMaybeGzip(TempPath("nope"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("cannot open"), absl::string_view::npos);
  // A gzip file cut short.
  WriteGzip(TempPath("full.gz"), Images(50, 8, 8));
  std::ifstream in(TempPath("full.gz"), std::ios::binary);
  std::string gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  WriteFile(TempPath("cut.gz"), gz.substr(0, gz.size() / 2));
  absl::StatusOr<std::string> cut = ReadFileMaybeGzip(TempPath("cut.gz"));
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.status().message().find("truncated"), absl::string_view::npos) << cut.status();
  // Corrupt deflate data.
  std::string bad = gz;
  for (size_t i = 12; i < 40 && i < bad.size(); ++i) bad[i] = static_cast<char>(~bad[i]);
  WriteFile(TempPath("bad.gz"), bad);
  EXPECT_FALSE(ReadFileMaybeGzip(TempPath("bad.gz")).ok());
  // A decompression limit.
  absl::StatusOr<std::string> limited = ReadFileMaybeGzip(TempPath("full.gz"), 100);
  ASSERT_FALSE(limited.ok());
  EXPECT_NE(limited.status().message().find("limit"), absl::string_view::npos);
}

TEST(DatasetTest, LoadsAFolderAndChecksCountsAndLabels) {
  const std::string dir = TempPath("ds");
  std::filesystem::create_directories(dir);
  WriteFile(dir + "/train-images-idx3-ubyte", Images(4, 2, 2));
  WriteGzip(dir + "/train-labels-idx1-ubyte.gz", Labels({0, 1, 2, 9}));
  WriteFile(dir + "/t10k-images-idx3-ubyte", Images(2, 2, 2));
  WriteFile(dir + "/t10k-labels-idx1-ubyte", Labels({5, 6}));
  absl::StatusOr<DatasetPair> d = LoadDatasetDir(dir);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->train.size(), 4);
  EXPECT_EQ(d->train.features(), 4);
  EXPECT_EQ(d->test.label(1), 6);
  // Pixel j of image i is (4 i + j) * 7 mod 256: the data starts right after the header.
  EXPECT_EQ(d->train.image(0)[0], 0);
  EXPECT_EQ(d->train.image(3)[3], static_cast<uint8_t>(15 * 7));
  EXPECT_EQ(d->test.image(1)[2], static_cast<uint8_t>(6 * 7));

  WriteFile(dir + "/t10k-labels-idx1-ubyte", Labels({5, 6, 7}));
  absl::StatusOr<DatasetPair> mismatch = LoadDatasetDir(dir);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("holds 2 images but"), absl::string_view::npos) << mismatch.status();

  WriteFile(dir + "/t10k-labels-idx1-ubyte", Labels({5, 10}));
  absl::StatusOr<DatasetPair> range = LoadDatasetDir(dir);
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.status().message().find("label 1 is 10, expected one of 0..9"), absl::string_view::npos);

  std::filesystem::remove(dir + "/t10k-labels-idx1-ubyte");
  absl::StatusOr<DatasetPair> gone = LoadDatasetDir(dir);
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.status().message().find("has no t10k-labels-idx1-ubyte"), absl::string_view::npos);
}

TEST(DatasetTest, GatherNormalisesAndReusesBuffers) {
  absl::StatusOr<Dataset> d = Dataset::FromBytes({0, 255, 51, 102, 10, 20}, {1, 0, 2}, 2, 3, "tiny");
  ASSERT_TRUE(d.ok());
  Tensor x, y;
  int64_t idx[2] = {1, 0};
  d->Gather(idx, 2, {}, &x, &y);
  EXPECT_TRUE(x.allclose(tensor({{0.2f, 0.4f}, {0.0f, 1.0f}})));
  EXPECT_TRUE(y.equal(tensor({0, 1})));
  const void* storage = x.raw_data();
  d->Gather(idx, 2, {.mean = 0.5f, .std = 0.5f}, &x, &y);
  EXPECT_EQ(x.raw_data(), storage);
  EXPECT_TRUE(x.allclose(tensor({{-0.6f, -0.2f}, {-1.0f, 1.0f}})));
  Tensor t;
  d->GatherOneHot(idx, 2, {}, &x, &t);
  EXPECT_TRUE(t.equal(tensor({{1.f, 0.f, 0.f}, {0.f, 1.f, 0.f}})));
  int64_t bad[1] = {3};
  EXPECT_THROW(d->Gather(bad, 1, {}, &x, &y), TensorError);
  // CheckIndices: the same rule as a Status, naming the first bad index and the range.
  EXPECT_TRUE(d->CheckIndices(std::vector<int64_t>{0, 2, 1}).ok());
  EXPECT_TRUE(d->CheckIndices({}).ok());
  for (int64_t wrong : {int64_t{3}, int64_t{-1}}) {
    absl::Status s = d->CheckIndices(std::vector<int64_t>{0, wrong, 7});
    ASSERT_FALSE(s.ok()) << wrong;
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), absl::StrCat("sample index ", wrong, " is outside tiny's 3 samples [0, 3)"));
  }
}

TEST(DatasetTest, FromBytesValidates) {
  EXPECT_FALSE(Dataset::FromBytes({1, 2, 3}, {0, 1}, 2, 10, "x").ok());
  EXPECT_FALSE(Dataset::FromBytes({1, 2}, {0}, 0, 10, "x").ok());
}

// Mutations of a valid file: the parser returns OK or an error, never crashes, and an OK
// result is self-consistent. Bounded in time and count.
TEST(IdxFuzzTest, MutatedFilesNeverCrash) {
  const std::string seed_file = Images(3, 4, 5);
  std::mt19937 rng(2024);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  int runs = 0, ok = 0;
  for (; runs < 200000 && std::chrono::steady_clock::now() < deadline; ++runs) {
    std::string s = seed_file;
    switch (rng() % 5) {
      case 0:  // flip bytes
        for (int k = rng() % 4 + 1; k > 0; --k) s[rng() % s.size()] ^= static_cast<char>(1 + rng() % 255);
        break;
      case 1:  // truncate
        s.resize(rng() % s.size());
        break;
      case 2:  // overwrite a size field with a random 32-bit value
        for (int b = 0; b < 4; ++b) s[4 + 4 * (rng() % 3) + b] = static_cast<char>(rng());
        break;
      case 3:  // append junk
        s.append(rng() % 16, static_cast<char>(rng()));
        break;
      default:  // random header on the tail
        for (int b = 0; b < 16 && b < static_cast<int>(s.size()); ++b) s[b] = static_cast<char>(rng() % 4);
    }
    absl::StatusOr<IdxArray> r = ParseIdx(s, "fuzz", rng() % 2 ? 3 : 0);
    if (r.ok()) {
      ++ok;
      int64_t total = 1;
      for (int64_t d : r->dims) total *= d;
      ASSERT_EQ(static_cast<int64_t>(r->data.size()), total);
    } else {
      ASSERT_FALSE(r.status().message().empty());
    }
  }
  EXPECT_GT(runs, 1000);
  std::printf("fuzz: %d mutated inputs, %d parsed\n", runs, ok);
}

}  // namespace
}  // namespace concord::data
