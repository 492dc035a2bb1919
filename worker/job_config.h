// File: worker/job_config.h
//
// Reading a JobConfig (proto/job.proto): the text-format file, then the command-line flags of
// the same names (worker/job_flags.cc), then validation. Each step's error is one line naming
// the file and line, or the flag, or the field, with what was expected and what was found.
#ifndef CONCORD_WORKER_JOB_CONFIG_H_
#define CONCORD_WORKER_JOB_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/job.pb.h"

namespace concord {

// Parses text-format JobConfig; unknown fields and bad values are errors ("FILE:LINE:COL: ...").
absl::StatusOr<JobConfig> ParseJobConfig(const std::string& text, const std::string& source);
absl::StatusOr<JobConfig> LoadJobConfig(const std::string& path);

// Sets each field whose flag was given on the command line (flags are std::optional and
// empty unless given; see job_flags.cc).
absl::Status ApplyFlagOverrides(JobConfig* config);

// The names of JobConfig fields that have no flag (a test keeps this empty).
std::vector<std::string> FieldsWithoutFlags();

// Checks every field's range and names ("lr: must be > 0, got -1").
absl::Status ValidateJobConfig(const JobConfig& config);

// The hidden sizes with the default applied ([100] when none are given).
std::vector<int64_t> HiddenSizes(const JobConfig& config);

// LoadJobConfig(path) when path is not empty (else the defaults), then flags, then checks.
absl::StatusOr<JobConfig> ResolveJobConfig(const std::string& path);

}  // namespace concord

#endif  // CONCORD_WORKER_JOB_CONFIG_H_
