#include "worker/distributed.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/machine.h"
#include "tensor/autograd/graph.h"
#include "tensor/data/dataset.h"
#include "tensor/cuda/context.h"
#include "worker/batch_feed.h"
#include "worker/comm/gloo_communicator.h"
#include "worker/comm/machine_ranks.h"
#include "worker/comm/nccl_communicator.h"
#include "worker/comm/prefix_store.h"
#include "worker/coordinator_client.h"
#include "worker/device.h"
#include "worker/reducer.h"
#include "worker/standalone.h"
#include "worker/trainer.h"

namespace concord {
namespace {

// How long the end of a run waits for its step reports to reach the coordinator.
constexpr absl::Duration kFinalReportsTimeout = absl::Seconds(20);

// Note [Report cadence]
// A rank sends its StepReport (the steps since its last one) once a quarter of the job's
// log_interval has passed since its last report, at most a second apart, and always at an
// epoch's end (the epoch's loss, rank 0's evaluation) and after its last step; so each
// progress line sees fresh reports from every rank. Counted in steps instead (every 20, as
// before), a fast job sent many reports a second per rank (784-1024-10 at batch 256: about
// 9; 784-100-10 at batch 100: about 100), and on a machine whose cores the
// ranks fill, each unary RPC's thread hand-offs (worker and coordinator) stall one rank for
// about a millisecond while the other waits in the all-reduce: two workers of 784-1024-10,
// batch 256, three interleaved runs each, 42.2-43.9k samples/s with reports every 20 steps
// against 43.8-44.4k with none during training.
absl::Duration ReportInterval(const JobConfig& config) {
  return std::min(absl::Seconds(config.log_interval() / 4), absl::Seconds(1));
}

// A shard's sample indices, as a span over the message.
std::span<const int64_t> Indices(const ShardAssignment& shard) {
  return {shard.indices().data(), static_cast<size_t>(shard.indices_size())};
}

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// A fingerprint of the parameter list's shapes and dtypes, exact in a double.
double ShapeFingerprint(const std::vector<Tensor>& params) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint64_t v) { h = (h ^ v) * 1099511628211ull; };
  mix(params.size());
  for (const Tensor& p : params) {
    mix(static_cast<uint64_t>(p.dtype()));
    for (int64_t s : p.shape()) mix(static_cast<uint64_t>(s));
  }
  return static_cast<double>(h >> 12);  // 52 bits
}

double ValueChecksum(const std::vector<Tensor>& params) {
  autograd::NoGradGuard no_grad;
  double sum = 0;
  for (const Tensor& p : params) {
    Tensor d = p.to(kFloat64);
    sum += d.abs().sum().item() + d.sum().item();
  }
  return sum;
}

// Rank 0's value of x (a float64 scalar), broadcast to all.
absl::StatusOr<double> FromRankZero(comm::Communicator& comm, double x) {
  Tensor t = scalar_tensor(x, TensorOptions(kFloat64).device(comm.home_device())).reshape({1});
  if (absl::Status s = comm.Broadcast(t, 0); !s.ok()) return s;
  return t.item();
}

// Every rank gets rank 0's parameters, after checking that all have the same shapes.
absl::Status SyncInitialParameters(comm::Communicator& comm, const std::vector<Tensor>& params) {
  const double shapes = ShapeFingerprint(params);
  absl::StatusOr<double> shapes0 = FromRankZero(comm, shapes);
  if (!shapes0.ok()) return shapes0.status();
  if (*shapes0 != shapes) {
    return absl::FailedPreconditionError(absl::StrCat("rank ", comm.rank(), ": the model's parameter shapes differ "
                                                      "from rank 0's (check that every worker runs the same build)"));
  }
  {
    autograd::NoGradGuard no_grad;
    for (Tensor p : params) {
      Tensor data = p.detach();
      if (absl::Status s = comm.Broadcast(data, 0); !s.ok()) return s;
    }
  }
  const double mine = ValueChecksum(params);
  absl::StatusOr<double> theirs = FromRankZero(comm, mine);
  if (!theirs.ok()) return theirs.status();
  if (*theirs != mine) {
    return absl::DataLossError(absl::StrCat("rank ", comm.rank(), ": parameters differ from rank 0's after the "
                                            "broadcast (checksum ", mine, " vs ", *theirs, ")"));
  }
  return absl::OkStatus();
}

// The test set split over the ranks; correct, count and loss summed over all of them.
absl::StatusOr<EvalResult> ShardedEvaluate(Trainer& trainer, const data::Dataset& test, comm::Communicator& comm) {
  std::vector<int64_t> mine;
  for (int64_t i = comm.rank(); i < test.size(); i += comm.world_size()) mine.push_back(i);
  EvalResult local = mine.empty() ? EvalResult{} : trainer.Evaluate(test, mine);
  Tensor totals = tensor({static_cast<double>(local.correct), static_cast<double>(local.count), local.loss_sum},
                         TensorOptions(kFloat64).device(comm.home_device()));
  if (absl::Status s = comm.AllReduceSum(totals); !s.ok()) return s;
  const Tensor host = totals.cpu();
  const double* t = host.data<double>();
  return EvalResult{static_cast<int64_t>(t[0]), static_cast<int64_t>(t[1]), t[2]};
}

// Rank 0 loads run_dir's newest valid checkpoint and sends the parameters, the optimizer's
// momentum buffers and the step to every rank. Returns the step to continue from.
absl::StatusOr<int64_t> ResumeFromRankZero(Trainer& t, comm::Communicator& comm, const std::string& run_dir,
                                           std::ostream& out) {
  double step = 0;
  if (comm.rank() == 0) {
    bool restored = false;
    for (const std::string& path : ListCheckpoints(run_dir)) {
      absl::StatusOr<TrainingState> state = t.LoadCheckpoint(path);
      if (state.ok()) {
        out << "resumed from " << path << ": step " << state->step << "\n";
        step = static_cast<double>(state->step);
        restored = true;
        break;
      }
      out << "skipping checkpoint " << path << ": " << state.status().message() << "\n";
    }
    if (!restored) out << "no valid checkpoint in " << run_dir << "; starting from the beginning\n";
  }
  absl::StatusOr<double> from = FromRankZero(comm, step);
  if (!from.ok()) return from.status();
  // Momentum buffers: rank 0's, or zeros if it has none yet (every rank then starts fresh).
  std::vector<Tensor> params = t.model().parameters();
  std::vector<Tensor> buffers = t.optimizer().momentum_buffers();
  const double has = comm.rank() == 0 && !buffers.empty() && buffers[0].defined() ? 1 : 0;
  absl::StatusOr<double> any = FromRankZero(comm, has);
  if (!any.ok()) return any.status();
  if (*any == 1) {
    for (size_t i = 0; i < params.size(); ++i) {
      if (!buffers[i].defined()) buffers[i] = zeros_like(params[i]);
      if (absl::Status s = comm.Broadcast(buffers[i], 0); !s.ok()) return s;
    }
    if (absl::Status s = t.optimizer().LoadState(buffers, static_cast<int64_t>(*from)); !s.ok()) return s;
  }
  return static_cast<int64_t>(*from);
}

std::string Hostname() {
  char name[256];
  if (gethostname(name, sizeof(name)) != 0) return "unknown";
  name[sizeof(name) - 1] = '\0';
  return name;
}

// The communicator for this rank's device and the job's comm_backend. "auto" picks NCCL when
// every rank trains on a GPU of its own (ranks publish their MachineId and GPU in the store and
// compare), and Gloo otherwise: NCCL refuses two ranks on one GPU, and takes no CPU tensors.
// ranks_here: RanksOnThisMachine, for Gloo's Note [Spinning only where it fits]. Logs the
// choice, with the backend's details.
absl::StatusOr<std::unique_ptr<comm::Communicator>> CreateCommunicator(const JobConfig& config,
                                                                       const DistributedOptions& options,
                                                                       comm::KeyValueStore& store, int rank,
                                                                       int world, Device device, int ranks_here,
                                                                       std::ostream& out) {
  std::string backend = config.comm_backend();
  if (backend == "nccl" && !device.is_cuda()) {
    return absl::InvalidArgumentError(absl::StrCat("comm_backend nccl needs GPU workers; rank ", rank, " trains on ",
                                                   device.ToString(), " (use gloo or auto)"));
  }
  if (backend == "auto") {
    absl::StatusOr<std::string> id = device.is_cuda() ? cuda::PciBusId(device.index) : std::string("cpu");
    if (!id.ok()) return id.status();
    const std::string mine = absl::StrCat(MachineId(), "/", *id);
    if (absl::Status s = store.Set(absl::StrCat("device/", rank), mine); !s.ok()) return s;
    std::set<std::string> seen;
    bool own_gpus = true;
    for (int r = 0; r < world; ++r) {
      absl::StatusOr<std::string> theirs = store.Get(absl::StrCat("device/", r), options.collective_timeout);
      if (!theirs.ok()) return theirs.status();
      own_gpus = own_gpus && !absl::EndsWith(*theirs, "/cpu") && seen.insert(*theirs).second;
    }
    backend = own_gpus ? "nccl" : "gloo";
  }
  absl::StatusOr<std::unique_ptr<comm::Communicator>> comm;
  if (backend == "nccl") {
    comm::PrefixStore nccl_store(store, "nccl");
    comm = comm::CreateNcclCommunicator(nccl_store, rank, world, device.index, {.timeout = options.collective_timeout});
  } else {
    comm::PrefixStore gloo_store(store, "gloo");
    comm::GlooOptions gloo_options;
    gloo_options.hostname = options.comm_host;
    gloo_options.timeout = options.collective_timeout;
    gloo_options.ranks_on_this_machine = ranks_here;
    comm = comm::CreateGlooCommunicator(gloo_store, rank, world, gloo_options);
  }
  if (!comm.ok()) return comm.status();
  out << "rank " << rank << ": " << backend << " all-reduce on " << device.ToString();
  if (const std::string details = (*comm)->details(); !details.empty()) out << "; " << details;
  out << "\n";
  return comm;
}

}  // namespace

absl::StatusOr<RunSummary> RunDistributed(const DistributedOptions& options, std::ostream& out) {
  absl::StatusOr<std::unique_ptr<CoordinatorClient>> client =
      CoordinatorClient::Connect(options.coordinator, options.job_id, options.token, options.connect_timeout);
  if (!client.ok()) return client.status();
  CoordinatorClient& c = **client;
  absl::StatusOr<RegisterResponse> reg =
      c.Register(Hostname(), options.device, options.requested_rank, absl::Minutes(10));
  if (!reg.ok()) return reg.status();
  const JobConfig& config = reg->config();
  const int rank = reg->rank(), world = reg->world_size();
  out << absl::StrFormat("rank %d of %d (job '%s', generation %d)\n", rank, world, options.job_id, reg->generation());

  absl::StatusOr<data::DatasetPair> data = data::LoadDatasetDir(config.dataset());
  if (!data.ok()) return data.status();
  absl::StatusOr<Device> device = ResolveDevice(options.device, rank);
  if (!device.ok()) return device.status();
  absl::StatusOr<std::unique_ptr<Trainer>> trainer =
      Trainer::Create(config, data->train.features(), data->train.num_classes(), *device, world);
  if (!trainer.ok()) return trainer.status();
  Trainer& t = **trainer;

  if (reg->resume() && config.run_dir().empty()) {
    return absl::InvalidArgumentError("the job resumes but has no run_dir to find checkpoints in");
  }
  absl::StatusOr<int> ranks_here = comm::RanksOnThisMachine(c.store(), rank, world, options.collective_timeout);
  if (!ranks_here.ok()) return ranks_here.status();
  absl::StatusOr<std::unique_ptr<comm::Communicator>> comm =
      CreateCommunicator(config, options, c.store(), rank, world, *device, *ranks_here, out);
  if (!comm.ok()) return comm.status();
  int64_t from_step = 0;
  if (reg->resume()) {
    absl::StatusOr<int64_t> from = ResumeFromRankZero(t, **comm, config.run_dir(), out);
    if (!from.ok()) return from.status();
    from_step = *from;
  }
  if (absl::Status s = SyncInitialParameters(**comm, t.model().parameters()); !s.ok()) return s;
  Reducer reducer(**comm, {.timeout = options.collective_timeout});
  if (absl::Status s = t.SetGradientSync(&reducer); !s.ok()) return s;

  // Heartbeats from a side thread, so a long step never looks like a dead worker.
  std::atomic<bool> done{false};
  std::atomic<bool> stop_wanted{false};
  std::atomic<int64_t> current_step{0};
  // A SIGINT/SIGTERM here asks the coordinator to stop the whole job at one step.
  std::thread heartbeat([&] {
    bool stop_sent = false;
    while (!done.load()) {
      if (StopRequested().load() && !stop_sent) {
        out << "rank " << rank << ": stop requested; asking the coordinator to stop the job\n";
        stop_sent = c.Shutdown("signal at rank " + std::to_string(rank)).ok();
      }
      absl::StatusOr<HeartbeatResponse::Action> action = c.Heartbeat(current_step.load());
      // A missed beat is the coordinator's to judge; its word to stop is taken.
      if (action.ok() && *action == HeartbeatResponse::SHUTDOWN) stop_wanted.store(true);
      for (int i = 0; i < 20 && !done.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  struct JoinOnExit {
    std::atomic<bool>& done;
    std::thread& thread;
    ~JoinOnExit() {
      done.store(true);
      thread.join();
    }
  } join_heartbeat{done, heartbeat};

  const int64_t n = data->train.size(), b = config.batch_size();
  const int64_t steps_per_epoch = config.drop_last() ? n / b : (n + b - 1) / b;
  const data::Normalization norm{.mean = config.normalize_mean(), .std = config.normalize_std()};
  const int64_t total_steps = steps_per_epoch * config.epochs();
  RunSummary finished;
  finished.world_size = world;
  if (from_step >= total_steps) {
    out << "the job already finished at step " << from_step << "; nothing to train\n";
    StepReport report;
    report.set_step(from_step - 1);
    report.set_epoch(config.epochs() - 1);
    report.set_done(true);
    if (absl::Status s = c.Report(report); !s.ok()) return s;
    finished.steps = from_step;
    finished.epochs = config.epochs();
    return finished;
  }
  c.StartShards(from_step);
  bool first = true;
  bool first_step_logged = false;
  // The shard after the current one is gathered meanwhile (see BatchFeed).
  BatchFeed feed(t, data->train, norm, *device, GatherAhead(*device, *ranks_here, t.threads(), UsableCpus()));
  absl::StatusOr<ShardAssignment> next = c.NextShard(options.collective_timeout);
  if (!next.ok()) return next.status();
  feed.Start(Indices(*next));
  RunSummary summary;
  summary.world_size = world;
  StepReport report;
  double train_seconds = 0;
  const auto report_every = absl::ToChronoNanoseconds(ReportInterval(config));
  auto last_report = Clock::now();
  int64_t trained = 0, epoch_samples = 0;
  double epoch_loss = 0;
  for (;;) {
    const auto step_start = Clock::now();
    absl::StatusOr<ShardAssignment> shard = std::move(next);
    if (!shard->last()) {
      next = c.NextShard(options.collective_timeout);
      if (!next.ok()) return next.status();
    }
    if (first || shard->step() % steps_per_epoch == 0) t.SetEpoch(shard->epoch());
    first = false;
    reducer.VoteStop(stop_wanted.load() || StopRequested().load());
    absl::StatusOr<double> loss_sum =
        feed.Step(shard->global_batch(), shard->last() ? std::span<const int64_t>() : Indices(*next));
    if (!loss_sum.ok()) return loss_sum.status();
    // Every rank sees the same vote: all stop after this step (Note [Stopping together]).
    const bool last = shard->last() || reducer.stop_agreed();
    if (reducer.stop_agreed() && !shard->last()) out << "rank " << rank << ": stopping after step " << shard->step() + 1 << "\n";
    const auto step_end = Clock::now();
    const double step_seconds = Seconds(step_end - step_start);
    train_seconds += step_seconds;
    trained += shard->indices_size();
    epoch_loss += *loss_sum;
    epoch_samples += shard->indices_size();
    summary.steps = shard->step() + 1;
    current_step.store(summary.steps);
    if (first_step_logged == false) {
      first_step_logged = true;
      out << absl::StrFormat("rank %d: first step done at unix time %.3f\n", rank, absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()));
      out.flush();
    }
    report.set_step(shard->step());
    report.set_epoch(shard->epoch());
    report.set_steps(report.steps() + 1);
    report.set_loss_sum(report.loss_sum() + *loss_sum);
    report.set_samples(report.samples() + shard->indices_size());
    report.set_step_seconds(report.step_seconds() + step_seconds);
    report.set_comm_seconds(report.comm_seconds() + t.last_sync_seconds());
    report.set_compute_seconds(report.compute_seconds() + step_seconds - t.last_sync_seconds());

    const bool epoch_end = (shard->step() + 1) % steps_per_epoch == 0 || last;
    if (epoch_end) {
      summary.epochs = (shard->step() + 1) / steps_per_epoch;  // completed epochs
      summary.final_train_loss = epoch_samples ? epoch_loss / epoch_samples : 0;
      epoch_loss = 0;
      epoch_samples = 0;
      if (summary.epochs % config.eval_every_epochs() == 0 || last) {
        absl::StatusOr<EvalResult> eval = ShardedEvaluate(t, data->test, **comm);
        if (!eval.ok()) return eval.status();
        summary.test_accuracy = eval->accuracy();
        if (rank == 0) {
          report.set_has_eval(true);
          report.set_eval_correct(eval->correct);
          report.set_eval_count(eval->count);
          report.set_eval_loss_sum(eval->loss_sum);
        }
      }
    }
    const bool checkpoint = rank == 0 && !config.run_dir().empty() &&
                            ((config.checkpoint_every_steps() > 0 && summary.steps % config.checkpoint_every_steps() == 0) ||
                             last);
    if (checkpoint) {
      std::error_code ec;
      std::filesystem::create_directories(config.run_dir(), ec);
      const TrainingState state{(summary.steps) / steps_per_epoch, summary.steps % steps_per_epoch, summary.steps};
      const std::string path = CheckpointPath(config.run_dir(), summary.steps);
      if (absl::Status s = t.SaveCheckpoint(path, state); !s.ok()) return s;
    }
    if (last) report.set_done(true);
    if (epoch_end || last || step_end - last_report >= report_every) {
      c.ReportAsync(std::move(report));  // sent on the client's thread: the loop goes on (Note [Report cadence])
      report.Clear();
      last_report = step_end;
    }
    if (last) break;
  }
  // The last report says this rank is done: the coordinator waits for it. Two of Report's
  // 10 s deadlines: the report in flight and the final one.
  if (absl::Status s = c.FlushReports(kFinalReportsTimeout); !s.ok()) out << "rank " << rank << ": " << s.message() << "\n";
  summary.train_samples_per_sec = trained / std::max(train_seconds, 1e-9);
  return summary;
}

}  // namespace concord
