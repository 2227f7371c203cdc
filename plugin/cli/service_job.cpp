#include "service_job.h"

#include <atomic>
#include <csignal>
#include <filesystem>

#include "service/service_client.h"
#include "service/service_paths.h"

namespace assetfetch::cli {

namespace {

namespace fs = std::filesystem;

std::atomic<int> g_service_interrupted{0};
extern "C" void on_service_client_interrupt(int sig) { g_service_interrupted.store(sig); }

// What the reporter's callbacks see of a file the service is fetching.
class RemoteView final : public File {
 public:
  explicit RemoteView(const FileSpec& spec) : spec_(spec) {}
  const FileSpec& spec() const override { return spec_; }
  bool set_remote_name(const std::string&, std::string* error) override {
    if (error) *error = "the service holds this file";
    return false;
  }
  std::string remote_name() const override { return {}; }
  std::vector<ByteRange> ranges() const override { return spec_.ranges; }
  std::vector<ByteRange> filled_ranges() const override { return {}; }
  Progress progress() const override { return progress_; }
  bool completed() const override { return false; }
  std::optional<FileResult> result() const override { return std::nullopt; }
  ErrorContext error() const override { return {}; }
  fs::path temporary_name() const override { return {}; }
  Progress progress_;

 private:
  const FileSpec& spec_;
};

}  // namespace

std::optional<JobOutcome> run_job_in_service(const std::string& name, const Settings& settings,
                                             const std::vector<FileSpec>& specs, Reporter& reporter) {
  if (settings.service != ServiceMode::automatic) return std::nullopt;
  const JobOptions& options = settings.job;
  const auto dir = service::service_dir(options.cache_dir);
  if (!dir) {
    reporter.verbose("service: not used: no XDG_RUNTIME_DIR and no cache for its socket");
    return std::nullopt;
  }
  std::string why_not;
  const auto made = service::make_request(name, options, specs, &why_not);
  if (!made) {
    reporter.verbose("service: not used: " + why_not);
    return std::nullopt;
  }
  const service::JobRequest& request = *made;
  service::ClientOptions client;
  client.dir = *dir;
  client.start_command = service::start_command(*dir);

  std::vector<std::unique_ptr<RemoteView>> views;
  for (const auto& spec : request.files) views.push_back(std::make_unique<RemoteView>(spec));
  JobCallbacks cb = reporter.callbacks();
  service::RemoteEvents events;
  events.attempt = cb.attempt;
  events.warning = cb.warning;
  events.note = [&reporter](const std::string& asset, const std::string& m) { reporter.verbose(asset + ": " + m); };
  events.failover = [&](std::size_t i, const std::string& from, const std::string& to, const std::string& why) {
    if (cb.failover) cb.failover(*views[i], from, to, why);
  };
  events.progress = [&](std::size_t i, const Progress& p) {
    views[i]->progress_ = p;
    if (cb.progress) cb.progress(p, *views[i]);
  };

  events.accepted = [&](std::uint64_t pid) {
    reporter.verbose("service: fetching through the service (pid " + std::to_string(pid) + ")");
    // As run_job does before it resumes; a run that falls back in-process
    // later does not announce them again (Reporter::start says each once).
    reporter.set_files_total(static_cast<std::uint32_t>(request.files.size()));
    for (const auto& spec : request.files) reporter.start(spec);
  };
  g_service_interrupted.store(0);
  const auto old_int = std::signal(SIGINT, on_service_client_interrupt);
  const auto old_term = std::signal(SIGTERM, on_service_client_interrupt);
  const service::RemoteOutcome r =
      service::run_remote(client, request, events, [] { return g_service_interrupted.load() != 0; });
  std::signal(SIGINT, old_int == SIG_ERR ? SIG_DFL : old_int);
  std::signal(SIGTERM, old_term == SIG_ERR ? SIG_DFL : old_term);

  using Kind = service::RemoteOutcome::Kind;
  JobOutcome outcome;
  switch (r.kind) {
    case Kind::unavailable:
      reporter.verbose("service: not used: " + r.reason + "; fetching in this process");
      return std::nullopt;
    case Kind::lost:
      reporter.verbose("service: " + r.reason + "; fetching in this process (the cache kept its bytes)");
      return std::nullopt;
    case Kind::interrupted:
      reporter.error("", ErrorCode::internal, "interrupted; run the same command again to resume where it stopped");
      outcome.exit_code = 130;
      return outcome;
    case Kind::not_run:
      // The in-process run says the same in its own words (or succeeds).
      reporter.verbose("service: it did not run the job (" + r.error.message + "); fetching in this process");
      return std::nullopt;
    case Kind::done:
      break;
  }
  // A local failure may be the service's own (its umask, limits or groups
  // are those of the process that started it): this process tries itself.
  for (const auto& f : r.files)
    if (!f.completed && f.error.cause == ErrorCause::local_file) {
      reporter.verbose("service: " + f.error.message + "; fetching in this process");
      return std::nullopt;
    }
  for (std::size_t i = 0; i < request.files.size(); ++i) {
    const service::RemoteFile& f = r.files[i];
    report_file(reporter, request.files[i], f.completed, f.result, f.error, r.complete_error, outcome);
  }
  report_incomplete(reporter, r.all, r.complete_error, outcome);
  return outcome;
}

JobOutcome run_job_maybe_in_service(const std::string& name, const Settings& settings, std::vector<FileSpec> specs,
                                    Reporter& reporter) {
  if (auto remote = run_job_in_service(name, settings, specs, reporter)) return *remote;
  return run_job(name, settings.job, std::move(specs), reporter);
}

}  // namespace assetfetch::cli
