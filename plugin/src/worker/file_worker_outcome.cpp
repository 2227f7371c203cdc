// FileWorker: what a finished transfer means for the candidate walk — done,
// retry the same candidate later (transient), or move to the next one
// (permanent, mismatch, no range support): BITS' SetRemoteName, automated.
#include <algorithm>
#include <cmath>
#include <random>

#include "worker/file_worker.h"
#include "worker/file_worker_util.h"
#include "transfer/redact.h"

namespace assetfetch {

using namespace worker_util;

void FileWorker::handle_result(const TransferResult& r, const std::string& url, const std::string& range) {
  AttemptRecord rec;
  rec.asset = asset_label();
  rec.url = redact_url(url);
  rec.range = range.empty() ? "" : "bytes=" + range;
  rec.http_status = r.status;
  rec.bytes = r.body_bytes;
  rec.duration_s = r.seconds;
  auto report = [&](const char* outcome, const std::string& why) {
    rec.outcome = outcome;
    rec.retry_reason = why;
    if (events_.attempt) events_.attempt(rec);
  };

  if (r.aborted && r.fault == TransferFault::over_bound) {
    // A lying server: none of what it sent can be trusted, and nothing past
    // the bound was written. Drop its bytes and try the next candidate.
    report("failover", r.abort_reason);
    if (mode_ == Mode::whole) {
      restart_whole();
      remote_size_.reset();
    }
    failover(ErrorCause::size_mismatch, r.abort_reason, r.status);
    return;
  }
  if (r.aborted && r.fault == TransferFault::content_encoding) {
    report("failover", r.abort_reason);
    failover(ErrorCause::transport, r.abort_reason, r.status);
    return;
  }
  if (r.fault == TransferFault::too_slow) {
    // Retrying a trickle on the same server only repeats the window: move on,
    // keeping what arrived (the next candidate resumes from it).
    report("failover", r.curl_error);
    failover(ErrorCause::transport, r.curl_error);
    return;
  }
  if (r.aborted) {
    const std::string& why = r.abort_reason;
    if (why.rfind("range_invalid", 0) == 0) {
      report("failed", why);
      fail(ErrorCode::bad_input, ErrorCause::range_invalid, why.substr(15), r.status);
      return;
    }
    if (why.rfind("range_unsupported", 0) == 0) {
      any_range_unsupported_ = true;
      report("failover", why);
      failover(ErrorCause::range_unsupported, why.substr(19), r.status);
      return;
    }
    if (why.rfind("restart", 0) == 0) {
      report("retry", why);
      restart_whole();
      return;  // same candidate, from byte 0, not counted as an attempt
    }
    if (why.rfind("size_mismatch", 0) == 0) {
      report("failover", why);
      failover(ErrorCause::size_mismatch, why.substr(15), r.status);
      return;
    }
    report("failover", why);
    failover(ErrorCause::transport, why, r.status);
    return;
  }
  if (r.curl_code != CURLE_OK) {
    std::string why = r.curl_error;
    if (r.curl_code == CURLE_OPERATION_TIMEDOUT) why = "no progress: " + why;
    if (is_transient_curl_error(r.curl_code)) {
      report("retry", why);
      error_.cause = ErrorCause::transport;
      error_.message = redact_url(url) + ": " + why;
      retry_or_failover(why, std::nullopt);
    } else {
      report("failover", why);
      failover(ErrorCause::transport, why);
    }
    return;
  }
  if (r.status >= 300 && r.status < 400 && !r.redirect_url.empty()) {
    report("redirect", "redirect to " + redact_url(r.redirect_url));
    if (++redirects_ > options_.retry.max_redirects) {
      failover(ErrorCause::transport, "more than " + std::to_string(options_.retry.max_redirects) + " redirects");
      return;
    }
    // Schemes as libcurl parses them: credentials never follow a downgrade.
    std::string scheme = curl_scheme(r.redirect_url);
    if (curl_scheme(url) == "https" && scheme != "https") {
      failover(ErrorCause::transport, "refused a redirect from HTTPS to " + redact_url(r.redirect_url));
      return;
    }
    if (scheme != "http" && scheme != "https") {
      failover(ErrorCause::transport, "refused a redirect to " + redact_url(r.redirect_url));
      return;
    }
    url_ = r.redirect_url;
    return;
  }
  if (r.status == 416) {
    if (mode_ == Mode::whole && r.content_range.unsatisfied && r.content_range.total == filled_) {
      // Nothing left to send: every byte is here already (an empty file, or
      // an earlier source that announced more than it had). Verify decides.
      report("ok", "");
      remote_size_ = filled_;
      result_.source = redact_url(candidates_[candidate_].url);
      finish_whole();
      return;
    }
    if (mode_ == Mode::ranges && r.content_range.unsatisfied) {
      std::string why;
      if (!ranges_fit(r.content_range.total, &why)) {
        report("failed", why);
        fail(ErrorCode::bad_input, ErrorCause::range_invalid, why, r.status);
        return;
      }
    }
    report("failover", "HTTP 416");
    failover(ErrorCause::http_status, "HTTP 416 (range not satisfiable)", r.status);
    return;
  }
  if (r.status < 200 || r.status >= 300) {
    std::string why = "HTTP " + std::to_string(r.status);
    if (is_transient_status(r.status)) {
      report("retry", why);
      error_.cause = ErrorCause::http_status;
      error_.http_status = r.status;
      error_.message = redact_url(url) + ": " + why;
      retry_or_failover(why, parse_retry_after(r.retry_after));
    } else {
      report("failover", why);
      failover(ErrorCause::http_status, why, r.status);
    }
    return;
  }
  report("ok", "");
  if (mode_ == Mode::whole) {
    if (remote_size_ && filled_ < *remote_size_) {
      retry_or_failover("short body", std::nullopt);
      return;
    }
    result_.source = redact_url(candidates_[candidate_].url);
    finish_whole();
  } else {
    finish_group(completing_group_);
  }
}

void FileWorker::retry_or_failover(const std::string& reason, std::optional<std::chrono::seconds> after) {
  if (++attempt_ < options_.retry.attempts) {
    // Exponential backoff with jitter; Retry-After wins, capped.
    static thread_local std::mt19937 rng{std::random_device{}()};
    double base = static_cast<double>(options_.retry.backoff.count()) * std::pow(2.0, attempt_ - 1);
    double jitter = std::uniform_real_distribution<double>(0.5, 1.5)(rng);
    auto delay = std::chrono::milliseconds(static_cast<long long>(base * jitter));
    if (after) delay = std::min<std::chrono::milliseconds>(*after, options_.retry.retry_after_cap);
    phase_ = Phase::waiting;
    wake_at_ = Clock::now() + delay;
    url_.clear();  // retry the candidate itself, not a redirect target
    redirects_ = 0;
    return;
  }
  failover(error_.cause == ErrorCause::none ? ErrorCause::transport : error_.cause,
           reason + " (after " + std::to_string(attempt_) + " attempts)", error_.http_status);
}

void FileWorker::failover(ErrorCause cause, const std::string& reason, long status) {
  std::string from = candidate_ < candidates_.size() ? candidates_[candidate_].url : std::string();
  error_.cause = cause;
  error_.http_status = status;
  error_.url = redact_url(from);
  error_.message = redact_url(url_.empty() ? from : url_) + ": " + reason;
  if (cause == ErrorCause::hash_mismatch && first_mismatch_.empty())
    first_mismatch_ = redact_url(url_.empty() ? from : url_) + " served bytes that do not match: " + reason;
  ++candidate_;
  attempt_ = 0;
  url_.clear();
  redirects_ = 0;
  phase_ = Phase::idle;
  if (events_.failover && candidate_ < candidates_.size())
    events_.failover(redact_url(from), redact_url(candidates_[candidate_].url), reason);
}

}  // namespace assetfetch
