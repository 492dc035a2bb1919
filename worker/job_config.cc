#include "worker/job_config.h"

#include <fstream>
#include <sstream>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace concord {
namespace {

using google::protobuf::FieldDescriptor;

// Collects protobuf's parse errors as "source:line:col: message" (1-based).
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  explicit ErrorCollector(std::string source) : source_(std::move(source)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (first_.empty()) first_ = absl::StrCat(source_, ":", line + 1, ":", column + 1, ": ", message);
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string source_;
  std::string first_;
};

absl::Status ParseHidden(const std::string& list, JobConfig* config, const std::string& source) {
  config->clear_hidden();
  for (absl::string_view part : absl::StrSplit(list, ',')) {
    int64_t size;
    if (!absl::SimpleAtoi(part, &size) || size <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": expected a comma-separated list of positive layer "
                                                     "sizes such as 100 or 1024,512, got '", list, "'"));
    }
    config->add_hidden(size);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<JobConfig> ParseJobConfig(const std::string& text, const std::string& source) {
  JobConfig config;
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors(source);
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, &config)) {
    return absl::InvalidArgumentError(errors.first().empty() ? absl::StrCat(source, ": cannot parse the JobConfig")
                                                             : errors.first());
  }
  return config;
}

absl::StatusOr<JobConfig> LoadJobConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open the config file ", path));
  std::stringstream text;
  text << in.rdbuf();
  return ParseJobConfig(text.str(), path);
}

absl::Status ApplyFlagOverrides(JobConfig* config) {
  const google::protobuf::Descriptor* descriptor = config->GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(field->name());
    if (flag == nullptr) continue;
    const std::string value = flag->CurrentValue();
    if (value.empty()) continue;  // an optional flag not given
    const std::string source = absl::StrCat("--", field->name());
    if (field->name() == "hidden") {
      if (absl::Status s = ParseHidden(value, config, source); !s.ok()) return s;
      continue;
    }
    // Text format wants strings quoted; flags give them bare.
    std::string literal = field->type() == FieldDescriptor::TYPE_STRING ? absl::StrCat("\"", absl::CEscape(value), "\"")
                                                                         : value;
    if (!google::protobuf::TextFormat::ParseFieldValueFromString(literal, field, config)) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": cannot use '", value, "' as a ", field->type_name()));
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> FieldsWithoutFlags() {
  std::vector<std::string> missing;
  const google::protobuf::Descriptor* descriptor = JobConfig::descriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    if (absl::FindCommandLineFlag(descriptor->field(i)->name()) == nullptr) {
      missing.push_back(descriptor->field(i)->name());
    }
  }
  return missing;
}

std::vector<int64_t> HiddenSizes(const JobConfig& config) {
  if (config.hidden_size() == 0) return {100};
  return {config.hidden().begin(), config.hidden().end()};
}

absl::Status ValidateJobConfig(const JobConfig& c) {
  auto bad = [](absl::string_view field, absl::string_view expected, auto got) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": expected ", expected, ", got ", got));
  };
  for (int64_t h : c.hidden()) {
    if (h <= 0) return bad("hidden", "positive layer sizes", h);
  }
  const std::string activation = c.activation();
  if (activation != "relu" && activation != "sigmoid" && activation != "tanh" && activation != "leaky_relu" &&
      activation != "elu") {
    return bad("activation", "relu, sigmoid, tanh, leaky_relu or elu", absl::StrCat("'", activation, "'"));
  }
  if (c.init() != "he" && c.init() != "xavier" && c.init() != "std001") {
    return bad("init", "he, xavier or std001", absl::StrCat("'", c.init(), "'"));
  }
  if (c.loss() != "cross_entropy") return bad("loss", "cross_entropy", absl::StrCat("'", c.loss(), "'"));
  if (!(c.lr() > 0)) return bad("lr", "a value > 0", c.lr());
  if (!(c.momentum() >= 0 && c.momentum() < 1)) return bad("momentum", "a value in [0, 1)", c.momentum());
  if (!(c.dampening() >= 0 && c.dampening() <= 1)) return bad("dampening", "a value in [0, 1]", c.dampening());
  if (!(c.weight_decay() >= 0)) return bad("weight_decay", "a value >= 0", c.weight_decay());
  if (c.nesterov() && (c.momentum() <= 0 || c.dampening() != 0)) {
    return bad("nesterov", "momentum > 0 and dampening 0 with it", absl::StrCat("momentum ", c.momentum(),
                                                                               " and dampening ", c.dampening()));
  }
  if (c.lr_schedule() != "constant" && c.lr_schedule() != "step" && c.lr_schedule() != "cosine") {
    return bad("lr_schedule", "constant, step or cosine", absl::StrCat("'", c.lr_schedule(), "'"));
  }
  if (c.lr_step_size() <= 0) return bad("lr_step_size", "a value > 0", c.lr_step_size());
  if (!(c.lr_gamma() > 0 && c.lr_gamma() <= 1)) return bad("lr_gamma", "a value in (0, 1]", c.lr_gamma());
  if (!(c.lr_eta_min() >= 0 && c.lr_eta_min() < c.lr())) return bad("lr_eta_min", "a value in [0, lr)", c.lr_eta_min());
  if (c.dataset().empty()) return bad("dataset", "a folder", "an empty string");
  if (c.batch_size() <= 0) return bad("batch_size", "a value > 0", c.batch_size());
  if (c.epochs() <= 0) return bad("epochs", "a value > 0", c.epochs());
  if (!(c.normalize_std() > 0)) return bad("normalize_std", "a value > 0", c.normalize_std());
  if (c.threads() < 0) return bad("threads", "a value >= 0", c.threads());
  if (c.thread_split() != "auto" && c.thread_split() != "features" && c.thread_split() != "batch" &&
      c.thread_split() != "gemm") {
    return bad("thread_split", "auto, features, batch or gemm", absl::StrCat("'", c.thread_split(), "'"));
  }
  if (!(c.log_interval() > 0)) return bad("log_interval", "a value > 0 (seconds)", c.log_interval());
  if (c.eval_every_epochs() <= 0) return bad("eval_every_epochs", "a value > 0", c.eval_every_epochs());
  if (c.checkpoint_every_steps() < 0) return bad("checkpoint_every_steps", "a value >= 0", c.checkpoint_every_steps());
  if (c.comm_backend() != "auto" && c.comm_backend() != "nccl" && c.comm_backend() != "gloo") {
    return bad("comm_backend", "auto, nccl or gloo", absl::StrCat("'", c.comm_backend(), "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<JobConfig> ResolveJobConfig(const std::string& path) {
  JobConfig config;
  if (!path.empty()) {
    absl::StatusOr<JobConfig> loaded = LoadJobConfig(path);
    if (!loaded.ok()) return loaded.status();
    config = *std::move(loaded);
  }
  if (absl::Status s = ApplyFlagOverrides(&config); !s.ok()) return s;
  if (absl::Status s = ValidateJobConfig(config); !s.ok()) return s;
  return config;
}

}  // namespace concord
