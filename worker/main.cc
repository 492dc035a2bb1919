// worker: trains a model, alone (--standalone, world size 1) or as one rank of a distributed
// job (--coordinator=HOST:PORT, which then defines the job).
//
//   bazel run -c opt //worker -- --standalone --epochs=10
//   worker --standalone --config=job.txt --hidden=1024,512 --lr=0.05 --run_dir=runs/a
//   worker --coordinator=localhost:29500 --job_id=job
//
// Every JobConfig field (proto/job.proto) is also a flag of the same name (standalone only).
// The last line of stdout is one JSON object: test_accuracy, final_train_loss,
// train_samples_per_sec, epochs, steps, world_size.
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "worker/device.h"
#include "worker/distributed.h"
#include "worker/job_config.h"
#include "worker/standalone.h"

ABSL_FLAG(bool, standalone, false, "train in this process alone (world size 1), without a coordinator");
ABSL_FLAG(std::string, config, "", "a text-format JobConfig file (proto/job.proto); flags override its fields");
ABSL_FLAG(bool, resume, false, "continue from the newest valid checkpoint in run_dir");
ABSL_FLAG(std::string, coordinator, "", "HOST:PORT of the coordinator (distributed training)");
ABSL_FLAG(std::string, job_id, "job", "the job to join (distributed)");
ABSL_FLAG(std::string, token, "", "the job's shared secret, if the coordinator has one (distributed)");
ABSL_FLAG(absl::Duration, connect_timeout, absl::Seconds(30),
          "how long to keep trying to reach the coordinator, e.g. 30s or 2m (distributed)");
ABSL_FLAG(absl::Duration, collective_timeout, absl::Seconds(60),
          "the longest wait for peers in a collective or for the next shard (distributed)");
ABSL_FLAG(std::string, comm_host, "127.0.0.1", "this host's address as the other workers reach it (distributed)");
ABSL_FLAG(int, rank, -1, "the rank to take (distributed; default: in order of registration)");
ABSL_FLAG(std::string, device, "auto",
          "where to train: cpu, cuda, cuda:N, or auto = a GPU where there is one (cuda:rank mod GPUs), else cpu");

int main(int argc, char** argv) {
  // --help lists the flags of the worker's own files (the JobConfig flags live in
  // job_flags.cc), not those of the libraries.
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return file.find("worker/") != absl::string_view::npos;
  };
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage(
      "Trains an MLP classifier. `worker --standalone [--config=FILE] [--FIELD=VALUE...]`; every JobConfig "
      "field is a flag.");
  absl::ParseCommandLine(argc, argv);
  if (!absl::GetFlag(FLAGS_coordinator).empty()) {
    if (absl::GetFlag(FLAGS_standalone)) {
      std::cerr << "worker: --standalone and --coordinator exclude each other\n";
      return 2;
    }
    concord::DistributedOptions options{.coordinator = absl::GetFlag(FLAGS_coordinator),
                                        .job_id = absl::GetFlag(FLAGS_job_id),
                                        .token = absl::GetFlag(FLAGS_token),
                                        .connect_timeout = absl::GetFlag(FLAGS_connect_timeout),
                                        .collective_timeout = absl::GetFlag(FLAGS_collective_timeout),
                                        .comm_host = absl::GetFlag(FLAGS_comm_host),
                                        .requested_rank = absl::GetFlag(FLAGS_rank),
                                        .device = absl::GetFlag(FLAGS_device)};
    concord::InstallStopSignalHandlers();
    absl::StatusOr<concord::RunSummary> summary = concord::RunDistributed(options, std::cout);
    if (!summary.ok()) {
      std::cerr << "worker: " << summary.status().message() << "\n";
      return 1;
    }
    std::cout << concord::SummaryJson(*summary) << std::endl;
    return 0;
  }
  if (!absl::GetFlag(FLAGS_standalone)) {
    std::cerr << "worker: pass --standalone to train in this process, or --coordinator=HOST:PORT to join a "
                 "distributed job\n";
    return 2;
  }
  absl::StatusOr<concord::JobConfig> config = concord::ResolveJobConfig(absl::GetFlag(FLAGS_config));
  if (!config.ok()) {
    std::cerr << "worker: " << config.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<concord::Device> device = concord::ResolveDevice(absl::GetFlag(FLAGS_device));
  if (!device.ok()) {
    std::cerr << "worker: " << device.status().message() << "\n";
    return 2;
  }
  concord::InstallStopSignalHandlers();
  absl::StatusOr<concord::RunSummary> summary =
      concord::RunStandalone(*config, absl::GetFlag(FLAGS_resume), std::cout, *device);
  if (!summary.ok()) {
    std::cerr << "worker: " << summary.status().message() << "\n";
    return 1;
  }
  std::cout << concord::SummaryJson(*summary) << std::endl;
  return 0;
}
