// worker: trains a model. With --standalone it trains in this process (world size 1);
// the distributed mode (--coordinator=HOST:PORT) arrives with the coordinator.
//
//   bazel run -c opt //worker -- --standalone --epochs=10
//   worker --standalone --config=job.txt --hidden=1024,512 --lr=0.05 --run_dir=runs/a
//
// Every JobConfig field (proto/job.proto) is also a flag of the same name. The last line of
// stdout is one JSON object: test_accuracy, final_train_loss, train_samples_per_sec, epochs,
// steps, world_size.
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "worker/job_config.h"
#include "worker/standalone.h"

ABSL_FLAG(bool, standalone, false, "train in this process alone (world size 1), without a coordinator");
ABSL_FLAG(std::string, config, "", "a text-format JobConfig file (proto/job.proto); flags override its fields");
ABSL_FLAG(bool, resume, false, "continue from the newest valid checkpoint in run_dir");
ABSL_FLAG(std::string, coordinator, "", "HOST:PORT of the coordinator (distributed training)");

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
  if (!absl::GetFlag(FLAGS_standalone)) {
    std::cerr << "worker: pass --standalone to train in this process; distributed training through "
                 "--coordinator is not available in this build\n";
    return 2;
  }
  absl::StatusOr<concord::JobConfig> config = concord::ResolveJobConfig(absl::GetFlag(FLAGS_config));
  if (!config.ok()) {
    std::cerr << "worker: " << config.status().message() << "\n";
    return 2;
  }
  concord::InstallStopSignalHandlers();
  absl::StatusOr<concord::RunSummary> summary =
      concord::RunStandalone(*config, absl::GetFlag(FLAGS_resume), std::cout);
  if (!summary.ok()) {
    std::cerr << "worker: " << summary.status().message() << "\n";
    return 1;
  }
  std::cout << concord::SummaryJson(*summary) << std::endl;
  return 0;
}
