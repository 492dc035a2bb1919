// File: worker/metrics.h
//
// The run's outputs besides stdout: a JSON-lines metrics file (one object per line, each with
// an "event" field: "progress", "epoch", "checkpoint", "summary") and the one-line JSON
// summary a run prints last. Small hand-written JSON: numbers and plain strings only.
#ifndef CONCORD_WORKER_METRICS_H_
#define CONCORD_WORKER_METRICS_H_

#include <cstdio>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"

namespace concord {

using JsonValue = std::variant<int64_t, double, std::string>;
using JsonFields = std::vector<std::pair<std::string, JsonValue>>;

// {"a": 1, "b": 0.5, "c": "x"} with strings escaped.
std::string ToJson(const JsonFields& fields);

// Appends JSON lines to a file, flushing each; a no-op when constructed with no path.
class MetricsWriter {
 public:
  MetricsWriter() = default;
  ~MetricsWriter();
  MetricsWriter(const MetricsWriter&) = delete;
  MetricsWriter& operator=(const MetricsWriter&) = delete;

  // Opens path for appending (creating it); an error names the path.
  absl::Status Open(const std::string& path);
  void Write(const JsonFields& fields);
  const std::string& path() const { return path_; }

 private:
  std::FILE* file_ = nullptr;
  std::string path_;
};

struct RunSummary {
  double test_accuracy = 0;
  double final_train_loss = 0;        // mean per-sample loss over the last epoch trained
  double train_samples_per_sec = 0;   // training steps only: no loading, evaluation or I/O
  int64_t epochs = 0;                 // epochs completed
  int64_t steps = 0;                  // optimizer steps in all (resumed ones included)
  int world_size = 1;
  bool interrupted = false;           // stopped by a signal before the end
};

// The summary as the one-line JSON object a run prints last.
std::string SummaryJson(const RunSummary& summary);

// "1:02:03" or "2:03" for a number of seconds.
std::string FormatDuration(double seconds);

}  // namespace concord

#endif  // CONCORD_WORKER_METRICS_H_
