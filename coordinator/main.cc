// coordinator: runs a distributed training job. Waits for --world_size workers to register,
// streams them their shards, prints progress, and ends stdout with the job's JSON summary
// (test_accuracy, final_train_loss, train_samples_per_sec, epochs, steps, world_size).
//
//   coordinator --port=29500 --world_size=2 [--config=FILE] [--FIELD=VALUE...]
//   worker --coordinator=localhost:29500        (on each worker host)
//
// Every JobConfig field is also a flag here (the job is defined at the coordinator).
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "coordinator/service.h"
#include "grpcpp/grpcpp.h"
#include "tensor/data/idx.h"
#include "worker/job_config.h"

ABSL_FLAG(std::string, config, "", "a text-format JobConfig file (proto/job.proto); flags override its fields");
ABSL_FLAG(int, port, 0, "TCP port to serve on (0: any free port, printed as 'listening on')");
ABSL_FLAG(std::string, bind, "0.0.0.0", "address to listen on");
ABSL_FLAG(int, world_size, 1, "number of workers in the job");
ABSL_FLAG(std::string, job_id, "job", "the job's name; workers must give the same");
ABSL_FLAG(std::string, token, "", "shared secret workers must present (default: none)");
ABSL_FLAG(absl::Duration, registration_timeout, absl::Seconds(60), "how long to wait for all workers to register");
ABSL_FLAG(absl::Duration, heartbeat_timeout, absl::Seconds(15), "a worker silent this long is declared dead");
ABSL_FLAG(bool, resume, false, "continue from the newest valid checkpoint in run_dir");
ABSL_FLAG(absl::Duration, job_timeout, absl::Hours(24), "the longest the whole job may run");

namespace concord {
namespace {

std::atomic<bool> stop_signal{false};

absl::StatusOr<int64_t> CountTrainingSamples(const std::string& dir) {
  for (const char* name : {"/train-labels-idx1-ubyte", "/train-labels-idx1-ubyte.gz"}) {
    absl::StatusOr<std::string> bytes = data::ReadFileMaybeGzip(dir + name);
    if (bytes.status().code() == absl::StatusCode::kNotFound) continue;
    if (!bytes.ok()) return bytes.status();
    absl::StatusOr<data::IdxArray> labels = data::ParseIdx(*bytes, dir + name, 1);
    if (!labels.ok()) return labels.status();
    return labels->dims[0];
  }
  return absl::NotFoundError(absl::StrCat("dataset folder ", dir, " has no train-labels-idx1-ubyte(.gz)"));
}

int Run() {
  absl::StatusOr<JobConfig> config = ResolveJobConfig(absl::GetFlag(FLAGS_config));
  if (!config.ok()) {
    std::cerr << "coordinator: " << config.status().message() << "\n";
    return 2;
  }
  const int world_size = absl::GetFlag(FLAGS_world_size);
  if (world_size < 1) {
    std::cerr << "coordinator: --world_size: expected a value >= 1, got " << world_size << "\n";
    return 2;
  }
  if (absl::GetFlag(FLAGS_resume) && config->run_dir().empty()) {
    std::cerr << "coordinator: --resume needs a run_dir holding checkpoints\n";
    return 2;
  }
  absl::StatusOr<int64_t> samples = CountTrainingSamples(config->dataset());
  if (!samples.ok()) {
    std::cerr << "coordinator: " << samples.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<ShardPlanner> planner = ShardPlanner::Create(*samples, config->batch_size(), config->drop_last(),
                                                              config->seed(), world_size, config->epochs());
  if (!planner.ok()) {
    std::cerr << "coordinator: " << planner.status().message() << "\n";
    return 2;
  }
  if (!config->run_dir().empty()) {
    std::error_code ec;
    std::filesystem::create_directories(config->run_dir(), ec);
    if (ec) {
      std::cerr << "coordinator: cannot create run_dir " << config->run_dir() << ": " << ec.message() << "\n";
      return 1;
    }
  }
  MetricsWriter metrics;
  std::string metrics_path = config->metrics_out();
  if (metrics_path.empty() && !config->run_dir().empty()) metrics_path = config->run_dir() + "/metrics.jsonl";
  if (!metrics_path.empty()) {
    if (absl::Status s = metrics.Open(metrics_path); !s.ok()) {
      std::cerr << "coordinator: " << s.message() << "\n";
      return 1;
    }
  }
  Progress progress(world_size, planner->total_steps(), planner->steps_per_epoch(), config->epochs(), std::cout,
                    &metrics, absl::Seconds(config->log_interval()));
  CoordinatorOptions options{.job_id = absl::GetFlag(FLAGS_job_id),
                             .token = absl::GetFlag(FLAGS_token),
                             .world_size = world_size,
                             .config = *config,
                             .registration_timeout = absl::GetFlag(FLAGS_registration_timeout),
                             .resume = absl::GetFlag(FLAGS_resume)};
  const int64_t total_steps = planner->total_steps();
  CoordinatorService service(options, *std::move(planner), &progress);

  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat(absl::GetFlag(FLAGS_bind), ":", absl::GetFlag(FLAGS_port)),
                           grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::cerr << "coordinator: cannot listen on " << absl::GetFlag(FLAGS_bind) << ":" << absl::GetFlag(FLAGS_port)
              << " (in use, or not an address of this host)\n";
    return 1;
  }
  std::cout << "listening on port " << port << "; waiting for " << world_size << " worker(s) for job '"
            << options.job_id << "': " << total_steps << " steps\n";
  std::cout.flush();

  int rc = 0;
  const auto start = std::chrono::steady_clock::now();
  if (!service.membership().WaitComplete(options.registration_timeout)) {
    std::cerr << "coordinator: only " << service.membership().joined() << " of " << world_size
              << " workers registered within " << absl::FormatDuration(options.registration_timeout) << "\n";
    rc = 1;
  } else {
    std::cout << "all " << world_size << " workers registered\n";
    while (!progress.WaitDone(absl::Milliseconds(200))) {
      progress.MaybePrint();
      if (stop_signal.load() && !service.shutdown_requested()) {
        service.RequestStop();
        std::cout << "stop requested: the workers stop together after their current step, with a checkpoint\n";
      }
      std::vector<int> silent = service.SilentRanks(absl::GetFlag(FLAGS_heartbeat_timeout));
      if (!silent.empty()) {
        std::cerr << "coordinator: " << (silent.size() == 1 ? "rank " : "ranks ") << absl::StrJoin(silent, ", ")
                  << " sent no heartbeat for " << absl::FormatDuration(absl::GetFlag(FLAGS_heartbeat_timeout))
                  << ": declaring " << (silent.size() == 1 ? "it" : "them")
                  << " dead and stopping the job (resume with the newest checkpoint)\n";
        rc = 1;
        break;
      }
      if (std::chrono::steady_clock::now() - start > absl::ToChronoSeconds(absl::GetFlag(FLAGS_job_timeout))) {
        std::cerr << "coordinator: the job did not finish within --job_timeout\n";
        rc = 1;
        break;
      }
    }
  }
  service.Close();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  if (rc == 0) {
    RunSummary summary = progress.Summary();
    if (!metrics.path().empty()) std::cout << "metrics: " << metrics.path() << "\n";
    if (!config->run_dir().empty()) std::cout << "checkpoints: " << config->run_dir() << "\n";
    std::cout << SummaryJson(summary) << std::endl;
  }
  return rc;
}

}  // namespace
}  // namespace concord

int main(int argc, char** argv) {
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return file.find("coordinator/") != absl::string_view::npos || file.find("worker/job_flags") != absl::string_view::npos;
  };
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage("Coordinates a distributed training job: coordinator --world_size=N [--config=FILE]");
  absl::ParseCommandLine(argc, argv);
  auto handler = [](int) { concord::stop_signal.store(true); };
  std::signal(SIGINT, handler);
  std::signal(SIGTERM, handler);
  return concord::Run();
}
