// FileWorker: what a finished transfer means for the file. classify()
// (verdict.h) reads the answer; this applies the verdict to the candidate
// walk (candidate_walk.h): done, retry later, fail over (BITS'
// SetRemoteName, automated), restart from byte 0, follow a redirect, fail.
#include "worker/file_worker.h"
#include "worker/file_worker_util.h"
#include "transfer/redact.h"

namespace assetfetch {

using namespace worker_util;

void FileWorker::handle_result(const TransferResult& r, const std::string& url, const std::string& range) {
  Verdict v = classify(r);
  bool complete_by_416 = false;
  // What only the mode can read.
  if (r.status == 416 && v.prognosis == Prognosis::failover && r.content_range.unsatisfied) {
    std::string why;
    if (mode_ == Mode::whole && r.content_range.total == filled_) {
      // Nothing left to send: every byte is here already (an empty file, or
      // an earlier source that announced more than it had). Verify decides.
      v = Verdict{};
      complete_by_416 = true;
    } else if (mode_ == Mode::ranges && ranges_ && !ranges_->fits(r.content_range.total, &why)) {
      v.prognosis = Prognosis::fail;
      v.code = ErrorCode::bad_input;
      v.cause = ErrorCause::range_invalid;
      v.detail = why;
    }
  }
  if (v.prognosis == Prognosis::done && mode_ == Mode::whole && !complete_by_416 && remote_size_ &&
      filled_ < *remote_size_) {
    v.prognosis = Prognosis::retry;
    v.cause = ErrorCause::transport;
    v.detail = "short body: " + std::to_string(filled_) + " of " + std::to_string(*remote_size_) + " bytes";
  }

  if (events_.attempt) {
    AttemptRecord rec;
    rec.asset = asset_label();
    rec.url = redact_url(url);
    rec.range = range.empty() ? "" : "bytes=" + range;
    rec.http_status = r.status;
    rec.bytes = r.body_bytes;
    rec.duration_s = r.seconds;
    rec.outcome = attempt_outcome(v.prognosis);
    rec.cause = v.cause;
    rec.retry_reason = v.detail;
    events_.attempt(rec);
  }

  switch (v.prognosis) {
    case Prognosis::done:
      if (mode_ == Mode::ranges) {
        finish_group(completing_group_);
        return;
      }
      if (complete_by_416) remote_size_ = filled_;
      result_.source = redact_url(walk_.current().url);
      finish_whole();
      return;
    case Prognosis::retry:
      walk_.note(v.cause, v.detail, v.http_status);
      retry_or_failover(v.detail, v.retry_after);
      return;
    case Prognosis::restart:
      restart_whole();  // same candidate, from byte 0, not counted as an attempt
      return;
    case Prognosis::redirect:
      if (auto refused = walk_.follow(v.redirect_url)) failover(ErrorCause::transport, *refused);
      return;
    case Prognosis::fail:
      fail(v.code, v.cause, v.detail, v.http_status);
      return;
    case Prognosis::failover:
      if (v.cause == ErrorCause::range_unsupported && mode_ == Mode::ranges) any_range_unsupported_ = true;
      if (v.drop_bytes && mode_ == Mode::whole) {
        restart_whole();
        remote_size_.reset();
      }
      failover(v.cause, v.detail, v.http_status);
      return;
  }
}

void FileWorker::retry_or_failover(const std::string& reason, std::optional<std::chrono::seconds> after) {
  if (auto delay = walk_.retry_delay(after)) {
    phase_ = Phase::waiting;
    wake_at_ = Clock::now() + *delay;
    return;
  }
  const ErrorContext& last = walk_.last_error();
  failover(last.cause == ErrorCause::none ? ErrorCause::transport : last.cause,
           reason + " (after " + std::to_string(walk_.attempt()) + " attempts)", last.http_status);
}

void FileWorker::failover(ErrorCause cause, const std::string& reason, long status) {
  auto step = walk_.fail_over(cause, reason, status);
  phase_ = Phase::idle;
  if (step && events_.failover) events_.failover(step->from, step->to, reason);
}

}  // namespace assetfetch
