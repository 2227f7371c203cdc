// The job's record (core/job_record.h): written when the transfer thread
// starts and when the job fails, removed by complete() and cancel(), and read
// back by a job of the same name (restore) — BITS' persistence, for the C
// ABI and the CLI alike.

#include "base/input_error.h"
#include "core/job_impl.h"
#include "core/job_record.h"
#include "core/maintenance.h"
#include "transfer/redact.h"

#include "platform/process.h"

namespace assetfetch {

namespace fs = std::filesystem;

void JobImpl::persist(const char* state) {
  if (!cache_ || cache_only_) return;  // a cache-only job's record is its client's
  try {
    JobRecord r;
    r.name = name_;
    r.state = state;
    r.pid = static_cast<long>(platform::current_pid());
    for (const auto& f : files_) {
      RecordedFile rf;
      rf.name = f->spec_.name;
      rf.local_name = f->spec_.local_name;
      if (!f->spec_.urls.empty()) {
        for (const auto& u : f->spec_.urls) rf.urls.push_back(redact_url(u));
      } else {
        for (const auto& c : f->spec_.candidates) rf.urls.push_back(redact_url(c.url));
      }
      rf.digest = f->spec_.digest;
      rf.ranges = f->spec_.ranges;
      rf.ranges_given = f->spec_.ranges_given;
      rf.layout = f->spec_.layout;
      rf.completed = f->in_place || (f->worker && f->worker->phase() == FileWorker::Phase::done);
      r.files.push_back(std::move(rf));
    }
    cache_->check_tree();  // never write a record through a linked jobs/
    write_job_record(job_record_path(cache_->jobs_dir(), name_), r);
  } catch (const std::exception&) {
    // A job never fails for want of its record; only persistence is lost.
  }
}

void JobImpl::forget_record() {
  if (!cache_ || cache_only_) return;
  std::error_code ec;
  fs::remove(job_record_path(cache_->jobs_dir(), name_), ec);
}

void JobImpl::remove_stale_temporaries() {
  // A run of this job that was killed (its record names a pid that is gone)
  // left its temporaries beside the destinations: they cannot be resumed
  // (the cache's partial is what resumes), so they go.
  if (!cache_ || cache_only_) return;
  try {
    JobRecord r = read_job_record(job_record_path(cache_->jobs_dir(), name_));
    if (r.pid <= 0 || r.pid == static_cast<long>(platform::current_pid()) || record_owner_alive(r.pid)) return;
    std::error_code ec;
    for (const auto& t : destination_temporaries(r))
      if (t.owner_pid == r.pid) fs::remove(t.file, ec);
  } catch (const std::exception&) {
    // No record, or an unreadable one: nothing to clean up.
  }
}

void JobImpl::restore_from_record() {
  const fs::path file = job_record_path(cache_->jobs_dir(), name_);
  std::error_code ec;
  if (!fs::exists(file, ec)) return;
  std::string problem;
  try {
    const JobRecord r = read_job_record(file);
    if (record_owner_alive(r.pid)) return;  // another process is running it
    for (const auto& rf : r.files) {
      try {
        ErrorContext err;
        File* f = add_file(spec_from_record(r, rf), &err);
        if (f == nullptr) problem = err.message;
        else static_cast<FileImpl*>(f)->restored = true;
      } catch (const InputError& e) {
        problem = e.what();
      }
    }
  } catch (const std::exception& e) {
    problem = e.what();
  }
  if (problem.empty()) return;
  // Reported by error() until the next resume(): the files that could be
  // restored are in the job, the others are not.
  error_.code = ErrorCode::bad_input;
  error_.message = problem;
}

}  // namespace assetfetch
