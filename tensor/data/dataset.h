// File: tensor/data/dataset.h
//
// An image-classification dataset held once in memory as uint8 pixels (a quarter of float32's
// memory) with its labels, in the manner of torchvision's MNIST dataset. Pixels become
// float32 only when a batch is gathered, normalised to [0, 1] or by a mean and std.
//
//   ASSIGN_OR_RETURN(data::DatasetPair d, data::LoadDatasetDir("/usr/share/datasets/fashion-mnist"));
//   d.train.Gather(indices, n, data::Normalization{}, &x, &y);   // x [n, 784] float32, y [n] int64
#ifndef CONCORD_TENSOR_DATA_DATASET_H_
#define CONCORD_TENSOR_DATA_DATASET_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tensor/functions.h"

namespace concord::data {

// x = (pixel / 255 - mean) / std; the default is plain [0, 1].
struct Normalization {
  float mean = 0.0f;
  float std = 1.0f;
};

class Dataset {
 public:
  // images: n * features bytes; labels: n values, each < num_classes.
  static absl::StatusOr<Dataset> FromBytes(std::vector<uint8_t> images, std::vector<uint8_t> labels,
                                           int64_t features, int num_classes, std::string name);
  // An idx3 image file and an idx1 label file (gzip or not) that agree in count.
  static absl::StatusOr<Dataset> FromIdxFiles(const std::string& images_path, const std::string& labels_path,
                                              int num_classes = 10);

  int64_t size() const { return size_; }
  int64_t features() const { return features_; }
  int num_classes() const { return num_classes_; }
  const std::string& name() const { return name_; }
  const uint8_t* image(int64_t i) const {
    return reinterpret_cast<const uint8_t*>(images_.data()) + images_offset_ + i * features_;
  }
  int64_t label(int64_t i) const { return labels_[i]; }

  // OK when every index is a sample of this dataset; else an InvalidArgument error naming the
  // first that is not and the range expected.
  absl::Status CheckIndices(std::span<const int64_t> indices) const;

  // Gathers samples indices[0..n) into *x ([n, features] float32) and *y ([n] int64),
  // reusing their storage when they already have those shapes (new buffers are pinned when
  // the old ones were). Indices must be in range
  // (TensorError otherwise).
  void Gather(const int64_t* indices, int64_t n, const Normalization& norm, Tensor* x, Tensor* y) const;
  // The same with one-hot targets: *t is [n, num_classes] float32.
  void GatherOneHot(const int64_t* indices, int64_t n, const Normalization& norm, Tensor* x, Tensor* t) const;

 private:
  // Checks and builds; the pixels are images[images_offset..] (an IDX file's bytes as read,
  // kept without a copy).
  static absl::StatusOr<Dataset> Make(std::string images, size_t images_offset, std::vector<uint8_t> labels,
                                      int64_t features, int num_classes, std::string name);

  std::string images_;
  size_t images_offset_ = 0;
  std::vector<uint8_t> labels_;
  int64_t size_ = 0;
  int64_t features_ = 0;
  int num_classes_ = 0;
  std::string name_;
};

struct DatasetPair {
  Dataset train;
  Dataset test;
};

// The four MNIST-format files of a folder, gzip or not:
// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte
// (each optionally with .gz). A missing file is an error listing what the folder must hold.
absl::StatusOr<DatasetPair> LoadDatasetDir(const std::string& dir);

// Debian's dataset-fashion-mnist package puts Fashion-MNIST here.
inline constexpr char kDefaultDatasetDir[] = "/usr/share/datasets/fashion-mnist";

}  // namespace concord::data

#endif  // CONCORD_TENSOR_DATA_DATASET_H_
