#include "worker/verdict.h"

#include "transfer/redact.h"

namespace assetfetch {

namespace {

Verdict make(Prognosis p, ErrorCause cause, std::string detail, long status = 0) {
  Verdict v;
  v.prognosis = p;
  v.cause = cause;
  v.detail = std::move(detail);
  v.http_status = status;
  return v;
}

Verdict from_fault(const TransferResult& r) {
  const std::string& why = r.abort_reason;
  switch (r.fault) {
    case TransferFault::over_bound: {
      // A lying server: none of what it sent can be trusted, and nothing
      // past the bound was written.
      Verdict v = make(Prognosis::failover, ErrorCause::size_mismatch, why, r.status);
      v.drop_bytes = true;
      return v;
    }
    case TransferFault::range_invalid: {
      Verdict v = make(Prognosis::fail, ErrorCause::range_invalid, why, r.status);
      v.code = ErrorCode::bad_input;
      return v;
    }
    case TransferFault::disk_floor:  // the local disk, not the source: another mirror would fill it too
    case TransferFault::local_write: {
      Verdict v = make(Prognosis::fail, ErrorCause::local_file, why);
      v.code = ErrorCode::internal;
      return v;
    }
    case TransferFault::range_unsupported:
      return make(Prognosis::failover, ErrorCause::range_unsupported, why, r.status);
    case TransferFault::size_mismatch:
      return make(Prognosis::failover, ErrorCause::size_mismatch, why, r.status);
    case TransferFault::restart:
      return make(Prognosis::restart, ErrorCause::size_mismatch, why, r.status);
    case TransferFault::too_slow:
      // Retrying a trickle on the same server only repeats the window: move
      // on, keeping what arrived (the next candidate resumes from it).
      return make(Prognosis::failover, ErrorCause::transport, r.curl_error);
    case TransferFault::content_encoding:
    case TransferFault::segment_done:
    case TransferFault::released:
    case TransferFault::none:
      break;
  }
  return make(Prognosis::failover, ErrorCause::transport, why, r.status);
}

}  // namespace

Verdict classify(const TransferResult& r) {
  if (r.fault == TransferFault::too_slow || r.aborted) return from_fault(r);
  if (r.curl_code != CURLE_OK) {
    std::string why = r.curl_error;
    if (r.curl_code == CURLE_OPERATION_TIMEDOUT) why = "no progress: " + why;
    return make(is_transient_curl_error(r.curl_code) ? Prognosis::retry : Prognosis::failover, ErrorCause::transport,
                why);
  }
  if (r.status >= 300 && r.status < 400 && !r.redirect_url.empty()) {
    Verdict v = make(Prognosis::redirect, ErrorCause::none, "redirect to " + redact_url(r.redirect_url), r.status);
    v.redirect_url = r.redirect_url;
    return v;
  }
  if (r.status == 416) return make(Prognosis::failover, ErrorCause::http_status, "HTTP 416 (range not satisfiable)", 416);
  if (r.status < 200 || r.status >= 300) {
    const std::string why = "HTTP " + std::to_string(r.status);
    if (!is_transient_status(r.status)) return make(Prognosis::failover, ErrorCause::http_status, why, r.status);
    Verdict v = make(Prognosis::retry, ErrorCause::http_status, why, r.status);
    v.retry_after = parse_retry_after(r.retry_after);
    return v;
  }
  return make(Prognosis::done, ErrorCause::none, "", r.status);
}

AttemptOutcome attempt_outcome(Prognosis p) {
  switch (p) {
    case Prognosis::done: return AttemptOutcome::ok;
    case Prognosis::retry: return AttemptOutcome::retry;
    case Prognosis::failover: return AttemptOutcome::failover;
    case Prognosis::restart: return AttemptOutcome::restart;
    case Prognosis::redirect: return AttemptOutcome::redirect;
    case Prognosis::fail: return AttemptOutcome::failed;
  }
  return AttemptOutcome::failed;
}

AttemptRecord attempt_record(const std::string& asset, const std::string& url, const std::string& range,
                             const TransferResult& r, const Verdict& v) {
  AttemptRecord rec;
  rec.asset = asset;
  rec.url = redact_url(url);
  rec.range = range.empty() ? "" : "bytes=" + range;
  rec.http_status = r.status;
  rec.bytes = r.body_bytes;
  rec.duration_s = r.seconds;
  rec.outcome = attempt_outcome(v.prognosis);
  rec.cause = v.cause;
  rec.retry_reason = v.detail;
  return rec;
}

}  // namespace assetfetch
