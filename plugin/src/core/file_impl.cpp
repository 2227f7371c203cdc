// FileImpl: BITS' file — SetRemoteName, GetFileRanges, GetFilledFileRanges,
// progress and result, read under the job's lock.
#include "core/job_impl.h"
#include "transfer/redact.h"

namespace assetfetch {

bool supported_scheme(const std::string& url) {
  std::string s = url_scheme(url);
  return s == "http" || s == "https" || s == "file";
}

bool FileImpl::set_remote_name(const std::string& url, std::string* error) {
  std::lock_guard<std::recursive_mutex> lock(job_->mu_);
  JobState s = job_->state_locked();
  if (s == JobState::cancelled || s == JobState::acknowledged) {
    *error = std::string("cannot change the remote name of a file in a ") + state_name(s) + " job";
    return false;
  }
  if (url.empty() || url.size() > kMaxRemoteName || !supported_scheme(url)) {
    *error = url.size() > kMaxRemoteName ? "URL longer than 2200 characters"
                                         : "unsupported URL '" + redact_url(url) + "' (use http, https or file)";
    return false;
  }
  // A failed file gets a fresh worker at the next resume (BITS: fix the cause,
  // then Resume), which starts from the spec: change the spec then.
  if (worker && worker->phase() != FileWorker::Phase::failed) worker->set_pending_remote_name(url);
  else if (!spec_.candidates.empty()) spec_.candidates.front().url = url;
  else spec_.candidates.push_back({url, CandidateKind::origin, {}});
  return true;
}

std::string FileImpl::remote_name() const {
  std::lock_guard<std::recursive_mutex> lock(job_->mu_);
  if (worker) return worker->current_url();
  return spec_.candidates.empty() ? std::string() : spec_.candidates.front().url;
}

std::vector<ByteRange> FileImpl::filled_ranges() const {
  std::lock_guard<std::recursive_mutex> lock(job_->mu_);
  return worker ? worker->filled_ranges() : std::vector<ByteRange>{};
}

Progress FileImpl::progress() const {
  std::lock_guard<std::recursive_mutex> lock(job_->mu_);
  Progress p;
  p.files_total = 1;
  if (worker) {
    p.bytes_transferred = worker->bytes_transferred();
    if (auto t = worker->bytes_total()) {
      p.bytes_total = *t;
      p.bytes_total_known = true;
    }
    p.files_transferred = worker->phase() == FileWorker::Phase::done ? 1 : 0;
  }
  return p;
}

bool FileImpl::completed() const {
  std::lock_guard<std::recursive_mutex> lock(job_->mu_);
  return worker && worker->phase() == FileWorker::Phase::done;
}

std::optional<FileResult> FileImpl::result() const {
  std::lock_guard<std::recursive_mutex> lock(job_->mu_);
  if (worker && worker->phase() == FileWorker::Phase::done) return worker->result();
  return std::nullopt;
}

ErrorContext FileImpl::error() const {
  std::lock_guard<std::recursive_mutex> lock(job_->mu_);
  return worker ? worker->error() : ErrorContext{};
}

}  // namespace assetfetch
