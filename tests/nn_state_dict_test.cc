// Tensor files and state dicts (tensor/nn/state_dict.h): round trips of models and of every
// dtype, the documented byte format (files written by hand, with a CRC-32 computed here),
// and every load error: each gives a clear message and leaves the model unchanged. Saving is
// atomic (no leftover .tmp) and replaces an existing file.
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tensor/autograd/graph.h"
#include "tensor/functions.h"
#include "tensor/nn/sequential.h"
#include "tensor/nn/state_dict.h"
#include "tests/test_util.h"

namespace concord::nn {
namespace {

using test_util::Bool;
using test_util::BoolValues;
using test_util::F32;
using test_util::F64;
using test_util::F64Fill;
using test_util::Hashed;
using test_util::I64;
using test_util::IntValues;
using test_util::Values;

// ---- Files ------------------------------------------------------------------------------------

std::string TempPath(const std::string& name) {
  std::string dir = ::testing::TempDir();
  if (!dir.empty() && dir.back() != '/') dir += '/';
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string path = dir + "state_dict_" + info->test_suite_name() + "_" + info->name() + "_" + name;
  ::unlink(path.c_str());
  ::unlink((path + ".tmp").c_str());
  return path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// ---- The format, by hand ---------------------------------------------------------------------

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), bit by bit: zlib's crc32().
uint32_t Crc32(const std::string& data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : data) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

template <typename T>
void Put(std::string* out, T v) {
  // Little-endian, byte by byte.
  for (size_t i = 0; i < sizeof(T); ++i) {
    out->push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xFF));
  }
}

struct HandTensor {
  std::string name;
  uint8_t dtype;
  std::vector<int64_t> sizes;
  std::string data;
};

std::string Payload(const std::vector<HandTensor>& tensors, uint64_t count) {
  std::string p;
  Put<uint64_t>(&p, count);
  for (const HandTensor& t : tensors) {
    Put<uint32_t>(&p, static_cast<uint32_t>(t.name.size()));
    p += t.name;
    Put<uint8_t>(&p, t.dtype);
    Put<uint32_t>(&p, static_cast<uint32_t>(t.sizes.size()));
    for (int64_t s : t.sizes) Put<int64_t>(&p, s);
    p += t.data;
  }
  return p;
}

std::string FileBytes(const std::string& payload, uint32_t version = 1, const std::string& magic = "CONCORDT") {
  std::string f = magic;
  Put<uint32_t>(&f, version);
  Put<uint64_t>(&f, payload.size());
  f += payload;
  Put<uint32_t>(&f, Crc32(payload));
  return f;
}

template <typename T>
std::string Raw(const std::vector<T>& v) {
  std::string s;
  for (const T& x : v) {
    char b[sizeof(T)];
    std::memcpy(b, &x, sizeof(T));
    s.append(b, sizeof(T));
  }
  return s;
}

// DType codes of the format (the DType enum's values).
constexpr uint8_t kCodeBool = 0, kCodeInt64 = 1, kCodeFloat32 = 2, kCodeFloat64 = 3;

// ---- Models ----------------------------------------------------------------------------------

std::shared_ptr<Sequential> Mlp(uint64_t seed, std::vector<int64_t> sizes = {6, 5, 4}, DType dtype = kFloat32) {
  Generator gen(seed);
  auto m = MakeMlp(sizes, Activation::kTanh, Init::kHe, gen, dtype);
  // Non-zero biases, so that a bias copied or not copied shows.
  autograd::NoGradGuard no_grad;
  int k = 0;
  for (auto& [name, p] : m->named_parameters()) {
    if (name.find("bias") != std::string::npos) {
      p.detach().copy_(F64Fill(p.shape(), [&](int64_t i) { return Hashed(i, seed * 100 + k); }));
    }
    ++k;
  }
  return m;
}

using Snapshot = std::vector<std::pair<std::string, std::vector<double>>>;
Snapshot Snap(const Module& m) {
  Snapshot s;
  for (const auto& [name, p] : m.named_parameters()) s.emplace_back(name, Values(p));
  return s;
}

bool Contains(const absl::Status& s, const std::string& needle) {
  return std::string(s.message()).find(needle) != std::string::npos;
}

// ---- Round trips ----------------------------------------------------------------------------

TEST(StateDict, SaveLoadRoundTripOfAnMlp) {
  const std::string path = TempPath("mlp.ct");
  auto a = Mlp(1);
  ASSERT_TRUE(SaveStateDict(*a, path).ok());
  EXPECT_FALSE(Exists(path + ".tmp"));

  // The file holds exactly the named parameters, in order, with identical values.
  auto loaded = LoadTensors(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  auto named = a->named_parameters();
  ASSERT_EQ(loaded->size(), named.size());
  for (size_t i = 0; i < named.size(); ++i) {
    EXPECT_EQ((*loaded)[i].first, named[i].first);
    EXPECT_EQ((*loaded)[i].second.shape(), named[i].second.shape());
    EXPECT_EQ((*loaded)[i].second.dtype(), kFloat32);
    EXPECT_EQ(Values((*loaded)[i].second), Values(named[i].second)) << named[i].first;
    EXPECT_FALSE((*loaded)[i].second.requires_grad());
  }

  // A fresh MLP of another seed: different outputs before, identical after loading.
  auto b = Mlp(2);
  Tensor x = test_util::F32Fill({3, 6}, [](int64_t i) { return Hashed(i, 7); });
  EXPECT_NE(Values(a->Forward(x)), Values(b->Forward(x)));
  std::vector<const void*> storages;
  for (const Tensor& p : b->parameters()) storages.push_back(p.raw_data());
  absl::Status s = LoadStateDict(*b, path);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Snap(*b), Snap(*a));
  EXPECT_EQ(Values(a->Forward(x)), Values(b->Forward(x)));
  // In place: same storage, still leaves that require grad.
  auto params = b->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_EQ(params[i].raw_data(), storages[i]) << i;
    EXPECT_TRUE(params[i].requires_grad());
    EXPECT_TRUE(params[i].is_leaf());
  }
}

TEST(StateDict, Float64ModelRoundTrip) {
  const std::string path = TempPath("mlp64.ct");
  auto a = Mlp(3, {4, 8, 8, 2}, kFloat64);
  ASSERT_TRUE(SaveStateDict(*a, path).ok());
  auto b = Mlp(4, {4, 8, 8, 2}, kFloat64);
  ASSERT_TRUE(LoadStateDict(*b, path).ok());
  EXPECT_EQ(Snap(*b), Snap(*a));
}

TEST(StateDict, CopyIntoModuleFromMemory) {
  auto a = Mlp(5), b = Mlp(6);
  NamedTensors tensors;
  for (auto& [name, p] : a->named_parameters()) tensors.emplace_back(name, p.detach().clone());
  // Order in memory does not matter: names do.
  std::swap(tensors[0], tensors[3]);
  ASSERT_TRUE(CopyIntoModule(*b, tensors, "memory").ok());
  EXPECT_EQ(Snap(*b), Snap(*a));
}

TEST(TensorFile, EveryDtypeRoundTrips) {
  const std::string path = TempPath("dtypes.ct");
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<int64_t> ints = {0, -1, 1, std::numeric_limits<int64_t>::min(),
                                     std::numeric_limits<int64_t>::max(), 1234567890123};
  const std::vector<double> doubles = {0.0, -0.0, 1.0 / 3, -2.5e300, 4.9e-324, inf, -inf, 1e-310};
  const std::vector<float> floats = {1.5f, -0.0f, 3.4e38f, 1e-45f};
  const std::vector<bool> bools = {true, false, false, true, true, false};
  NamedTensors in = {
      {"ints", I64(ints, {2, 3})},
      {"doubles", F64(doubles, {8})},
      {"floats", F32(floats, {2, 1, 2})},
      {"flags", Bool(bools, {3, 2})},
      {"scalar", F64({42.5}, {})},
      {"empty", zeros({0, 3}, kFloat64)},
      {"nan", F64({std::nan("")}, {1})},
  };
  ASSERT_TRUE(SaveTensors(path, in).ok());
  auto out = LoadTensors(path);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ((*out)[i].first, in[i].first);
    EXPECT_EQ((*out)[i].second.dtype(), in[i].second.dtype()) << in[i].first;
    EXPECT_EQ((*out)[i].second.shape(), in[i].second.shape()) << in[i].first;
  }
  EXPECT_EQ(IntValues((*out)[0].second), ints);
  // Bit-exact doubles (signed zero, denormals, infinities).
  std::vector<double> d = Values((*out)[1].second);
  ASSERT_EQ(d.size(), doubles.size());
  EXPECT_EQ(std::memcmp(d.data(), doubles.data(), d.size() * sizeof(double)), 0);
  std::vector<double> f = Values((*out)[2].second);
  for (size_t i = 0; i < floats.size(); ++i) {
    EXPECT_EQ(static_cast<float>(f[i]), floats[i]);
    EXPECT_EQ(std::signbit(f[i]), std::signbit(floats[i]));
  }
  EXPECT_EQ(BoolValues((*out)[3].second), bools);
  EXPECT_EQ(Values((*out)[4].second), std::vector<double>{42.5});
  EXPECT_EQ((*out)[5].second.numel(), 0);
  EXPECT_TRUE(std::isnan(Values((*out)[6].second)[0]));
}

TEST(TensorFile, NonContiguousTensorsAreSavedInLogicalOrder) {
  const std::string path = TempPath("view.ct");
  Tensor base = F64({1, 2, 3, 4, 5, 6}, {2, 3});
  NamedTensors in = {{"t", base.t()}, {"col", base.select(1, 2)}};
  ASSERT_TRUE(SaveTensors(path, in).ok());
  auto out = LoadTensors(path);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(test_util::HasValues((*out)[0].second, {3, 2}, {1, 4, 2, 5, 3, 6}));
  EXPECT_TRUE(test_util::HasValues((*out)[1].second, {2}, {3, 6}));
}

TEST(TensorFile, EmptyListAndUnusualNames) {
  const std::string path = TempPath("names.ct");
  ASSERT_TRUE(SaveTensors(path, {}).ok());
  auto empty = LoadTensors(path);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->empty());
  NamedTensors in = {{"", F64({1}, {1})}, {"a.b/c d\xc3\xa9", F64({2}, {1})}, {std::string(300, 'x'), F64({3}, {1})}};
  ASSERT_TRUE(SaveTensors(path, in).ok());
  auto out = LoadTensors(path);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ((*out)[i].first, in[i].first);
}

TEST(TensorFile, BytesFollowTheDocumentedFormat) {
  const std::string path = TempPath("format.ct");
  NamedTensors in = {{"w", F32({1.5f, -2.f}, {2, 1})}, {"n", I64({7}, {})}};
  ASSERT_TRUE(SaveTensors(path, in).ok());
  const std::string want = FileBytes(Payload({{"w", kCodeFloat32, {2, 1}, Raw<float>({1.5f, -2.f})},
                                              {"n", kCodeInt64, {}, Raw<int64_t>({7})}},
                                             2));
  EXPECT_EQ(ReadFile(path), want);
}

TEST(TensorFile, LoadsAHandWrittenFile) {
  const std::string path = TempPath("hand.ct");
  WriteFile(path, FileBytes(Payload({{"0.weight", kCodeFloat64, {2, 2}, Raw<double>({1, 2, 3, 4})},
                                     {"flags", kCodeBool, {3}, std::string("\x01\x00\x01", 3)}},
                                    2)));
  auto out = LoadTensors(path);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].first, "0.weight");
  EXPECT_TRUE(test_util::HasValues((*out)[0].second, {2, 2}, {1, 2, 3, 4}));
  EXPECT_EQ(BoolValues((*out)[1].second), (std::vector<bool>{true, false, true}));
}

// ---- Atomic save -----------------------------------------------------------------------------

TEST(TensorFile, SaveReplacesAnExistingFileAndLeavesNoTmp) {
  const std::string path = TempPath("replace.ct");
  WriteFile(path, std::string(10000, 'z'));
  ASSERT_TRUE(SaveTensors(path, {{"a", F64({1, 2, 3}, {3})}}).ok());
  EXPECT_FALSE(Exists(path + ".tmp"));
  auto first = LoadTensors(path);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(SaveTensors(path, {{"b", I64({9}, {1})}}).ok());
  EXPECT_FALSE(Exists(path + ".tmp"));
  auto second = LoadTensors(path);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].first, "b");
  EXPECT_EQ(IntValues((*second)[0].second), std::vector<int64_t>{9});
  EXPECT_EQ(ReadFile(path).size(), 8 + 4 + 8 + (8 + 4 + 1 + 1 + 4 + 8 + 8) + 4u);
}

TEST(TensorFile, StaleTmpFromACrashIsOverwritten) {
  const std::string path = TempPath("stale.ct");
  WriteFile(path + ".tmp", std::string(50, 'q'));
  ASSERT_TRUE(SaveTensors(path, {{"a", F64({1}, {1})}}).ok());
  EXPECT_FALSE(Exists(path + ".tmp"));
  EXPECT_TRUE(LoadTensors(path).ok());
}

TEST(TensorFile, SaveIntoAMissingDirectoryFails) {
  const std::string path = TempPath("no_such_dir") + "/x.ct";
  absl::Status s = SaveTensors(path, {{"a", F64({1}, {1})}});
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s, path)) << s;
  EXPECT_FALSE(Exists(path));
}

TEST(TensorFile, SaveOntoADirectoryFailsAndLeavesNoTmp) {
  const std::string path = TempPath("a_directory");
  ASSERT_EQ(::mkdir(path.c_str(), 0755), 0);
  absl::Status s = SaveTensors(path, {{"a", F64({1}, {1})}});
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s, path)) << s;
  EXPECT_FALSE(Exists(path + ".tmp"));
  ::rmdir(path.c_str());
}

// ---- Load errors: each names the problem and leaves the model unchanged -----------------------

class LoadErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = TempPath("model.ct");
    auto source = Mlp(11);
    ASSERT_TRUE(SaveStateDict(*source, path_).ok());
    good_ = ReadFile(path_);
    model_ = Mlp(12);
    before_ = Snap(*model_);
    ASSERT_NE(before_, Snap(*source));
  }

  // Loads `path` into the model; expects failure with `code` (unless kOk) and every needle,
  // and the model unchanged.
  // The status is kept in last_.
  void ExpectLoadFails(const std::string& path, absl::StatusCode code, const std::vector<std::string>& needles) {
    absl::Status s = LoadStateDict(*model_, path);
    last_ = s;
    EXPECT_FALSE(s.ok());
    if (code != absl::StatusCode::kOk) {
      EXPECT_EQ(s.code(), code) << s;
    }
    for (const std::string& n : needles) EXPECT_TRUE(Contains(s, n)) << "lacks '" << n << "': " << s;
    EXPECT_EQ(Snap(*model_), before_) << "a failed load changed the model";
  }

  std::string Write(const std::string& name, const std::string& bytes) {
    std::string p = path_ + "." + name;
    WriteFile(p, bytes);
    return p;
  }

  std::string path_;
  std::string good_;
  std::shared_ptr<Sequential> model_;
  Snapshot before_;
  absl::Status last_;
};

TEST_F(LoadErrors, MissingFileIsNotFoundNamingThePath) {
  const std::string missing = path_ + ".does_not_exist";
  ExpectLoadFails(missing, absl::StatusCode::kNotFound, {missing});
  auto t = LoadTensors(missing);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(LoadErrors, TruncatedFilesAreDataLoss) {
  const std::vector<size_t> cuts = {0, 5, 8, 12, 19, 20, 23, 24, 40, good_.size() / 2, good_.size() - 5,
                                    good_.size() - 4, good_.size() - 1};
  for (size_t cut : cuts) {
    SCOPED_TRACE("cut to " + std::to_string(cut) + " of " + std::to_string(good_.size()) + " bytes");
    const std::string p = Write("cut" + std::to_string(cut), good_.substr(0, cut));
    ExpectLoadFails(p, absl::StatusCode::kDataLoss, {p});
    const absl::Status& s = last_;
    const bool says_truncated = Contains(s, "truncated") || Contains(s, std::to_string(cut) + " bytes");
    EXPECT_TRUE(says_truncated) << s;
  }
}

TEST_F(LoadErrors, ExtendedFileIsDataLoss) {
  const std::string p = Write("long", good_ + std::string(3, '\0'));
  ExpectLoadFails(p, absl::StatusCode::kDataLoss, {p});
}

TEST_F(LoadErrors, FlippedPayloadByteIsAChecksumError) {
  for (size_t at : {size_t{20}, size_t{30}, good_.size() / 2, good_.size() - 5}) {
    SCOPED_TRACE("byte " + std::to_string(at));
    std::string bad = good_;
    bad[at] = static_cast<char>(bad[at] ^ 0x10);
    const std::string p = Write("flip" + std::to_string(at), bad);
    ExpectLoadFails(p, absl::StatusCode::kDataLoss, {p, "checksum"});
  }
  // The stored CRC itself.
  std::string bad = good_;
  bad[good_.size() - 1] = static_cast<char>(bad[good_.size() - 1] ^ 0x01);
  const std::string p = Write("flipcrc", bad);
  ExpectLoadFails(p, absl::StatusCode::kDataLoss, {p, "checksum"});
}

TEST_F(LoadErrors, BadMagic) {
  std::string bad = good_;
  bad[0] = 'X';
  const std::string p = Write("magic", bad);
  ExpectLoadFails(p, absl::StatusCode::kOk, {p, "magic"});
  // A text file.
  const std::string q = Write("text", std::string("hello, this is not a tensor file at all\n"));
  ExpectLoadFails(q, absl::StatusCode::kOk, {q});
}

TEST_F(LoadErrors, WrongVersion) {
  // Otherwise valid (correct length and CRC): only the version is wrong.
  const std::string payload = good_.substr(20, good_.size() - 24);
  ASSERT_EQ(FileBytes(payload), good_) << "the hand-written format differs from the library's";
  const std::string p = Write("v2", FileBytes(payload, 2));
  ExpectLoadFails(p, absl::StatusCode::kOk, {p, "version", "2"});
  const std::string q = Write("v0", FileBytes(payload, 0));
  ExpectLoadFails(q, absl::StatusCode::kOk, {q, "version"});
}

TEST_F(LoadErrors, InconsistentFieldsWithAValidChecksum) {
  const std::string data = Raw<double>({1, 2});
  struct Case {
    const char* what;
    std::string payload;
  };
  const std::vector<Case> cases = {
      {"count larger than the tensors", Payload({{"a", kCodeFloat64, {2}, data}}, 3)},
      {"data shorter than the shape", Payload({{"a", kCodeFloat64, {3}, data}}, 1)},
      {"name longer than the payload", Payload({{std::string(4, 'n'), kCodeFloat64, {2}, data}}, 1).replace(8, 4, std::string("\xff\xff\x00\x00", 4))},
      {"unknown dtype code", Payload({{"a", 9, {2}, data}}, 1)},
      {"negative size", Payload({{"a", kCodeFloat64, {-2}, data}}, 1)},
      {"absurd size", Payload({{"a", kCodeFloat64, {int64_t{1} << 50, int64_t{1} << 20}, data}}, 1)},
      {"trailing bytes", Payload({{"a", kCodeFloat64, {2}, data + "xyz"}}, 1)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const std::string p = Write("case", FileBytes(c.payload));
    ExpectLoadFails(p, absl::StatusCode::kOk, {p});
    EXPECT_FALSE(LoadTensors(p).ok());
  }
  // "data shorter than the shape" is a truncation: DataLoss.
  const std::string p = Write("short", FileBytes(Payload({{"a", kCodeFloat64, {3}, data}}, 1)));
  EXPECT_EQ(LoadTensors(p).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(LoadErrors, AnotherModelsStateDictWithDifferentSizes) {
  // 6-7-4 against the model's 6-5-4: the first parameter differs.
  const std::string p = path_ + ".other";
  ASSERT_TRUE(SaveStateDict(*Mlp(13, {6, 7, 4}), p).ok());
  ExpectLoadFails(p, absl::StatusCode::kInvalidArgument, {p, "0.weight", "[7, 6]", "[5, 6]"});
}

TEST_F(LoadErrors, MismatchInALaterParameterChangesNothingBefore) {
  // 6-5-3: 0.weight and 0.bias fit (and differ in value), 2.weight does not. A loader that
  // copies as it checks would change the first layer before failing.
  const std::string p = path_ + ".later";
  ASSERT_TRUE(SaveStateDict(*Mlp(14, {6, 5, 3}), p).ok());
  ExpectLoadFails(p, absl::StatusCode::kInvalidArgument, {p, "2.weight", "[3, 5]", "[4, 5]"});
}

TEST_F(LoadErrors, DifferentParameterCount) {
  const std::string p = path_ + ".deeper";
  ASSERT_TRUE(SaveStateDict(*Mlp(15, {6, 5, 4, 3}), p).ok());
  ExpectLoadFails(p, absl::StatusCode::kInvalidArgument, {p, "6", "4"});
  const std::string q = path_ + ".shallow";
  ASSERT_TRUE(SaveStateDict(*Mlp(16, {6, 4}), q).ok());
  ExpectLoadFails(q, absl::StatusCode::kInvalidArgument, {q, "2", "4"});
}

TEST_F(LoadErrors, DifferentDtype) {
  const std::string p = path_ + ".f64";
  ASSERT_TRUE(SaveStateDict(*Mlp(17, {6, 5, 4}, kFloat64), p).ok());
  ExpectLoadFails(p, absl::StatusCode::kInvalidArgument, {p, "float64", "float32"});
}

TEST_F(LoadErrors, MissingOrRenamedParameter) {
  // Same count and shapes, but "0.bias" is called "0.b".
  NamedTensors tensors;
  for (auto& [name, t] : Mlp(18)->named_parameters()) tensors.emplace_back(name == "0.bias" ? "0.b" : name, t);
  const std::string p = path_ + ".renamed";
  ASSERT_TRUE(SaveTensors(p, tensors).ok());
  ExpectLoadFails(p, absl::StatusCode::kInvalidArgument, {p, "0.bias"});
  // A duplicated name in place of another.
  NamedTensors dup;
  for (auto& [name, t] : Mlp(19)->named_parameters()) dup.emplace_back(name == "2.bias" ? "0.bias" : name, t);
  dup[3].second = dup[1].second;  // shapes of 0.bias
  const std::string q = path_ + ".dup";
  ASSERT_TRUE(SaveTensors(q, dup).ok());
  ExpectLoadFails(q, absl::StatusCode::kInvalidArgument, {q, "2.bias"});
}

TEST_F(LoadErrors, CopyIntoModuleNamesItsSource) {
  NamedTensors tensors;
  for (auto& [name, t] : Mlp(20, {6, 7, 4})->named_parameters()) tensors.emplace_back(name, t.detach().clone());
  absl::Status s = CopyIntoModule(*model_, tensors, "checkpoint step 7");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s, "checkpoint step 7")) << s;
  EXPECT_TRUE(Contains(s, "0.weight")) << s;
  EXPECT_EQ(Snap(*model_), before_);
}

TEST_F(LoadErrors, ModelStillLoadsAfterFailures) {
  // After a failed load, a good file still loads fully.
  const std::string bad = Write("bad", good_.substr(0, good_.size() / 2));
  EXPECT_FALSE(LoadStateDict(*model_, bad).ok());
  ASSERT_TRUE(LoadStateDict(*model_, path_).ok());
  auto loaded = LoadTensors(path_);
  ASSERT_TRUE(loaded.ok());
  auto named = model_->named_parameters();
  for (size_t i = 0; i < named.size(); ++i) EXPECT_EQ(Values(named[i].second), Values((*loaded)[i].second));
}

}  // namespace
}  // namespace concord::nn
