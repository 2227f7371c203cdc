#include "run_job.h"

#include <csignal>

#include <atomic>
#include <filesystem>


namespace assetfetch::cli {

namespace {

std::atomic<int> g_interrupted{0};

extern "C" void on_interrupt(int sig) { g_interrupted.store(sig); }

// Waits for the job, returning false when SIGINT or SIGTERM arrived first.
// std::signal, not sigaction: the C++ standard's, so Windows has it too.
bool wait_unless_interrupted(Job& job) {
  const auto old_int = std::signal(SIGINT, on_interrupt);
  const auto old_term = std::signal(SIGTERM, on_interrupt);
  bool finished = false;
  // Bounded by the job itself: it ends in transferred, error or cancelled.
  while (!finished && g_interrupted.load() == 0) {
    JobState s = job.wait(std::chrono::milliseconds(100));
    finished = s != JobState::queued && s != JobState::connecting && s != JobState::transferring &&
               s != JobState::transient_error;
  }
  std::signal(SIGINT, old_int == SIG_ERR ? SIG_DFL : old_int);
  std::signal(SIGTERM, old_term == SIG_ERR ? SIG_DFL : old_term);
  return finished;
}

// Uploads to writable sources ran in the background; wait for them, bounded.
void report_write_backs(Job& job, const JobOptions& options, Reporter& reporter) {
  const UploadReport r = job.wait_uploads(options.write_back_wait);
  for (const auto& f : r.failures) reporter.write_back_failed(f.asset, f.target, f.reason);
  if (r.skipped > 0)
    reporter.verbose(std::to_string(r.skipped) + " more write-back upload(s) not tried: their store failed an "
                                                 "upload just before in this run");
  if (r.unfinished > 0)
    reporter.warning("", std::to_string(r.unfinished) + " write-back upload(s) still running after " +
                             std::to_string(options.write_back_wait.count()) +
                             " s; left unfinished (config \"write_back\": {\"wait_s\": N} waits longer)");
}

}  // namespace

JobOutcome run_job(const std::string& name, const JobOptions& options, std::vector<FileSpec> specs,
                   Reporter& reporter) {
  JobOutcome outcome;
  // The core applies the source policy (candidates, mirror health, already in
  // place) and restores a recorded job's files when options.restore is set.
  auto job = create_job(name, options);
  if (ErrorContext e = job->error(); e.code != ErrorCode::ok) {
    reporter.error(e.file, e.code, e.message);
    outcome.exit_code = exit_code_for(e.code);
    outcome.failed = 1;
    return outcome;
  }
  JobCallbacks cb = reporter.callbacks();
  cb.note = [&reporter](const std::string& asset, const std::string& message) {
    reporter.verbose(asset + ": " + message);
  };
  job->set_callbacks(cb);
  // BITS' AddFile rules are checked for every file before anything is fetched.
  for (auto& spec : specs) {
    ErrorContext err;
    std::string asset = spec.name;
    if (!job->add_file(std::move(spec), &err)) {
      reporter.error(asset, ErrorCode::bad_input, err.message);
      job->cancel();
      outcome.exit_code = exit_code_for(ErrorCode::bad_input);
      outcome.failed = 1;
      return outcome;
    }
  }
  const std::vector<File*> files = job->files();
  if (files.empty()) {
    reporter.error("", ErrorCode::bad_input, "job " + name + " has no files");
    outcome.exit_code = exit_code_for(ErrorCode::bad_input);
    outcome.failed = 1;
    return outcome;
  }
  reporter.set_files_total(static_cast<std::uint32_t>(files.size()));
  for (File* f : files) reporter.start(f->spec());
  job->resume();
  if (!wait_unless_interrupted(*job)) {
    // Ctrl-C or SIGTERM: stop cleanly. What is in the cache's partial files
    // stays there (the next run resumes from it); nothing half-written is
    // left next to the destinations.
    job->suspend();
    for (File* f : files) {
      std::error_code ec;
      std::filesystem::remove(f->temporary_name(), ec);
    }
    reporter.error("", ErrorCode::internal,
                   "interrupted; run the same command again to resume where it stopped");
    outcome.exit_code = 130;
    return outcome;
  }
  ErrorContext complete_error;
  bool all = job->complete(&complete_error);
  for (File* f : files) report_file(reporter, f->spec(), f->completed(), f->result(), f->error(), complete_error, outcome);
  report_write_backs(*job, options, reporter);
  report_incomplete(reporter, all, complete_error, outcome);
  return outcome;
}

void report_file(Reporter& reporter, const FileSpec& spec, bool completed, const std::optional<FileResult>& result,
                 ErrorContext error, const ErrorContext& complete_error, JobOutcome& outcome) {
  if (result && completed) {
    reporter.done(spec, *result);
    if (!result->verified && spec.ranges_given && spec.digest)
      reporter.warning(spec.name, "delivered ranges are not verified (give each range its own sha256, "
                                  "or use --require-verified to fetch and verify the whole file)");
    ++(result->from_cache ? outcome.from_cache : outcome.fetched);
  } else {
    if (error.code == ErrorCode::ok) error = complete_error;
    if (error.code == ErrorCode::ok) error.code = ErrorCode::internal;
    reporter.error(spec.name, error.code, error.message);
    ++outcome.failed;
    if (outcome.exit_code == 0) outcome.exit_code = exit_code_for(error.code);
  }
}

void report_incomplete(Reporter& reporter, bool all, const ErrorContext& complete_error, JobOutcome& outcome) {
  if (!all && outcome.exit_code == 0) {
    reporter.error("", ErrorCode::internal, complete_error.message);
    outcome.exit_code = 1;
  }
}

}  // namespace assetfetch::cli
