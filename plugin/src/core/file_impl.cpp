// FileImpl: BITS' file — SetRemoteName, GetFileRanges, GetFilledFileRanges,
// progress and result. The getters read the snapshot the transfer thread
// publishes (publish_locked), never the worker itself.
#include "core/job_impl.h"
#include "transfer/redact.h"

namespace assetfetch {

bool supported_scheme(const std::string& url) {
  std::string s = url_scheme(url);
  return s == "http" || s == "https" || s == "file";
}

void FileImpl::publish_locked() {
  FileSnapshot& s = snapshot;
  s.published = worker != nullptr;
  if (!worker) return;
  s.phase = worker->phase();
  s.bytes_transferred = worker->bytes_transferred();
  s.bytes_total = worker->bytes_total();
  s.filled = worker->filled_ranges();
  s.result = s.phase == FileWorker::Phase::done ? std::optional<FileResult>(worker->result()) : std::nullopt;
  s.error = worker->error();
  s.url = worker->current_url();
}

bool FileImpl::set_remote_name(const std::string& url, std::string* error) {
  std::lock_guard<std::mutex> lock(job_->mu_);
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
  // then Resume), which starts from the spec: change the spec then. A live
  // worker takes the name from the transfer thread, at its next attempt.
  if (snapshot.published && snapshot.phase != FileWorker::Phase::failed) {
    pending_remote_name = url;
    job_->stop_prefetch();  // its request named the old URL: the job's own loop takes the new one
  } else if (!spec_.candidates.empty()) spec_.candidates.front().url = url;
  else spec_.candidates.push_back({url, CandidateKind::origin, {}});
  return true;
}

std::string FileImpl::remote_name() const {
  std::lock_guard<std::mutex> lock(job_->mu_);
  if (pending_remote_name) return *pending_remote_name;
  if (snapshot.published) return snapshot.url;
  return spec_.candidates.empty() ? std::string() : spec_.candidates.front().url;
}

std::vector<ByteRange> FileImpl::filled_ranges() const {
  std::lock_guard<std::mutex> lock(job_->mu_);
  return snapshot.filled;
}

Progress FileImpl::progress() const {
  std::lock_guard<std::mutex> lock(job_->mu_);
  Progress p;
  p.files_total = 1;
  if (snapshot.published) {
    p.bytes_transferred = snapshot.bytes_transferred;
    if (snapshot.bytes_total) {
      p.bytes_total = *snapshot.bytes_total;
      p.bytes_total_known = true;
    }
    p.files_transferred = snapshot.phase == FileWorker::Phase::done ? 1 : 0;
  }
  return p;
}

bool FileImpl::completed() const {
  std::lock_guard<std::mutex> lock(job_->mu_);
  return snapshot.phase == FileWorker::Phase::done;
}

std::optional<FileResult> FileImpl::result() const {
  std::lock_guard<std::mutex> lock(job_->mu_);
  return snapshot.result;
}

ErrorContext FileImpl::error() const {
  std::lock_guard<std::mutex> lock(job_->mu_);
  return snapshot.error;
}

}  // namespace assetfetch
