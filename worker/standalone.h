// File: worker/standalone.h
//
// The single-process training run (worker --standalone): load the dataset, train for the
// configured epochs with progress lines, evaluate on the test set, write metrics and
// checkpoints under run_dir, and resume from the newest valid checkpoint when asked.
// SIGINT/SIGTERM stop it after the current step, with a final checkpoint when run_dir is set.
#ifndef CONCORD_WORKER_STANDALONE_H_
#define CONCORD_WORKER_STANDALONE_H_

#include <atomic>
#include <iosfwd>
#include <string>

#include "absl/status/statusor.h"
#include "proto/job.pb.h"
#include "tensor/device.h"
#include "worker/metrics.h"

namespace concord {

// Set from signal handlers; the loop stops after the current step when it is true.
std::atomic<bool>& StopRequested();
void InstallStopSignalHandlers();

absl::StatusOr<RunSummary> RunStandalone(const JobConfig& config, bool resume, std::ostream& out,
                                         Device device = Device::Cpu());

// run_dir/checkpoint-<step, 10 digits>.ckpt: the names sort by step.
std::string CheckpointPath(const std::string& run_dir, int64_t step);

// The newest checkpoint in run_dir ("checkpoint-<step>.ckpt"), newest first.
std::vector<std::string> ListCheckpoints(const std::string& run_dir);

}  // namespace concord

#endif  // CONCORD_WORKER_STANDALONE_H_
