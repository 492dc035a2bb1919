#include "tensor/data/dataset.h"

#include <sys/stat.h>

#include "absl/status/status.h"
#include "tensor/data/idx.h"

namespace concord::data {

absl::StatusOr<Dataset> Dataset::FromBytes(std::vector<uint8_t> images, std::vector<uint8_t> labels,
                                           int64_t features, int num_classes, std::string name) {
  return Make(std::string(images.begin(), images.end()), 0, std::move(labels), features, num_classes,
              std::move(name));
}

absl::StatusOr<Dataset> Dataset::Make(std::string images, size_t images_offset, std::vector<uint8_t> labels,
                                      int64_t features, int num_classes, std::string name) {
  if (features <= 0) return absl::InvalidArgumentError(StrCat(name, ": features must be positive, got ", features));
  if (num_classes <= 0 || num_classes > 256) {
    return absl::InvalidArgumentError(StrCat(name, ": num_classes must be in [1, 256], got ", num_classes));
  }
  const size_t pixels = images.size() - images_offset;
  if (pixels != labels.size() * static_cast<size_t>(features)) {
    return absl::InvalidArgumentError(StrCat(name, ": ", labels.size(), " labels but ",
                                             pixels / static_cast<size_t>(features), " images of ", features,
                                             " pixels (", pixels, " bytes): the counts must agree"));
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= num_classes) {
      return absl::InvalidArgumentError(StrCat(name, ": label ", i, " is ", labels[i], ", expected one of 0..",
                                               num_classes - 1));
    }
  }
  Dataset d;
  d.size_ = static_cast<int64_t>(labels.size());
  d.features_ = features;
  d.num_classes_ = num_classes;
  d.images_ = std::move(images);
  d.images_offset_ = images_offset;
  d.labels_ = std::move(labels);
  d.name_ = std::move(name);
  return d;
}

absl::StatusOr<Dataset> Dataset::FromIdxFiles(const std::string& images_path, const std::string& labels_path,
                                              int num_classes) {
  absl::StatusOr<std::string> image_bytes = ReadFileMaybeGzip(images_path);
  if (!image_bytes.ok()) return image_bytes.status();
  absl::StatusOr<IdxLayout> images = ParseIdxLayout(*image_bytes, images_path, 3);
  if (!images.ok()) return images.status();
  absl::StatusOr<std::string> label_bytes = ReadFileMaybeGzip(labels_path);
  if (!label_bytes.ok()) return label_bytes.status();
  absl::StatusOr<IdxArray> labels = ParseIdx(*label_bytes, labels_path, 1);
  if (!labels.ok()) return labels.status();
  if (images->dims[0] != labels->dims[0]) {
    return absl::InvalidArgumentError(StrCat(images_path, " holds ", images->dims[0], " images but ", labels_path,
                                             " holds ", labels->dims[0], " labels: the counts must agree"));
  }
  // The pixels stay in the bytes as read: no copy of the largest buffer.
  return Make(*std::move(image_bytes), images->offset, std::move(labels->data), images->dims[1] * images->dims[2],
              num_classes, images_path);
}

namespace {
// Keeps *t if it is a contiguous CPU tensor of this shape and dtype; else a new one, pinned
// if *t was (so a buffer meant for GPU copies stays pinned when the batch size changes).
void Reuse(Tensor* t, const Shape& shape, DType dtype) {
  if (!t->defined() || t->shape() != shape || t->dtype() != dtype || !t->is_contiguous() || t->requires_grad() ||
      !t->device().is_cpu()) {
    *t = empty(shape, TensorOptions(dtype).pinned_memory(t->defined() && t->is_pinned()));
  }
}
}  // namespace

absl::Status Dataset::CheckIndices(std::span<const int64_t> indices) const {
  for (int64_t i : indices) {
    if (i < 0 || i >= size_) {
      return absl::InvalidArgumentError(
          StrCat("sample index ", i, " is outside ", name_, "'s ", size_, " samples [0, ", size_, ")"));
    }
  }
  return absl::OkStatus();
}

void Dataset::Gather(const int64_t* indices, int64_t n, const Normalization& norm, Tensor* x, Tensor* y) const {
  Reuse(x, {n, features_}, kFloat32);
  Reuse(y, {n}, kInt64);
  float* xp = x->data<float>();
  int64_t* yp = y->data<int64_t>();
  // x = (p / 255 - mean) / std = p * scale + shift
  const float scale = 1.0f / (255.0f * norm.std);
  const float shift = -norm.mean / norm.std;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t s = indices[i];
    TENSOR_CHECK(s >= 0 && s < size_, "Gather: sample index ", s, " is outside the dataset's ", size_, " samples");
    const uint8_t* src = image(s);
    float* dst = xp + i * features_;
    for (int64_t f = 0; f < features_; ++f) dst[f] = static_cast<float>(src[f]) * scale + shift;
    yp[i] = labels_[s];
  }
}

void Dataset::GatherOneHot(const int64_t* indices, int64_t n, const Normalization& norm, Tensor* x, Tensor* t) const {
  Tensor y;
  Gather(indices, n, norm, x, &y);
  Reuse(t, {n, num_classes_}, kFloat32);
  float* tp = t->data<float>();
  std::fill(tp, tp + n * num_classes_, 0.0f);
  const int64_t* yp = y.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) tp[i * num_classes_ + yp[i]] = 1.0f;
}

namespace {
// dir/base or dir/base.gz, whichever exists.
absl::StatusOr<std::string> FindIdx(const std::string& dir, const std::string& base) {
  struct stat st;
  for (const std::string& candidate : {dir + "/" + base, dir + "/" + base + ".gz"}) {
    if (::stat(candidate.c_str(), &st) == 0) return candidate;
  }
  return absl::NotFoundError(StrCat("dataset folder ", dir, " has no ", base, " (or ", base,
                                    ".gz); it must hold train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                                    "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, gzip or not"));
}
}  // namespace

absl::StatusOr<DatasetPair> LoadDatasetDir(const std::string& dir) {
  std::string paths[4];
  const char* bases[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                          "t10k-labels-idx1-ubyte"};
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<std::string> p = FindIdx(dir, bases[i]);
    if (!p.ok()) return p.status();
    paths[i] = *p;
  }
  absl::StatusOr<Dataset> train = Dataset::FromIdxFiles(paths[0], paths[1]);
  if (!train.ok()) return train.status();
  absl::StatusOr<Dataset> test = Dataset::FromIdxFiles(paths[2], paths[3]);
  if (!test.ok()) return test.status();
  if (test->features() != train->features()) {
    return absl::InvalidArgumentError(StrCat(dir, ": training images have ", train->features(),
                                             " pixels but test images have ", test->features()));
  }
  return DatasetPair{std::move(*train), std::move(*test)};
}

}  // namespace concord::data
