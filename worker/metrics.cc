#include "worker/metrics.h"

#include <cerrno>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace concord {

std::string ToJson(const JsonFields& fields) {
  std::string out = "{";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ", ";
    out += "\"" + fields[i].first + "\": ";
    const JsonValue& v = fields[i].second;
    if (const int64_t* n = std::get_if<int64_t>(&v)) {
      out += absl::StrCat(*n);
    } else if (const double* d = std::get_if<double>(&v)) {
      out += std::isfinite(*d) ? absl::StrFormat("%.6g", *d) : "null";
    } else {
      out += "\"";
      for (char c : std::get<std::string>(v)) {
        if (c == '"' || c == '\\') {
          out += '\\';
          out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += c;
        }
      }
      out += "\"";
    }
  }
  return out + "}";
}

MetricsWriter::~MetricsWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

absl::Status MetricsWriter::Open(const std::string& path) {
  file_ = std::fopen(path.c_str(), "a");
  if (file_ == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot open the metrics file ", path, ": ", std::strerror(errno)));
  }
  path_ = path;
  return absl::OkStatus();
}

void MetricsWriter::Write(const JsonFields& fields) {
  if (file_ == nullptr) return;
  std::string line = ToJson(fields) + "\n";
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

std::string SummaryJson(const RunSummary& s) {
  return ToJson({{"test_accuracy", s.test_accuracy},
                 {"final_train_loss", s.final_train_loss},
                 {"train_samples_per_sec", s.train_samples_per_sec},
                 {"epochs", s.epochs},
                 {"steps", s.steps},
                 {"world_size", static_cast<int64_t>(s.world_size)}});
}

std::string FormatDuration(double seconds) {
  int64_t s = std::llround(std::max(0.0, seconds));
  if (s >= 3600) return absl::StrFormat("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  return absl::StrFormat("%d:%02d", s / 60, s % 60);
}

}  // namespace concord
