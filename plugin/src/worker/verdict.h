// Verdict: what one finished answer means for the candidate walk, as a
// value. Only the reporter (CLI) and the C shim turn it into text, through
// AttemptOutcome (assetfetch/job.h).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "assetfetch/job.h"
#include "transfer/transfer.h"

namespace assetfetch {

enum class Prognosis {
  done,      // a 2xx answer, delivered to its end
  retry,     // transient (connect, reset, timeout, 408/429/5xx): the same candidate after a backoff
  failover,  // this candidate cannot serve the file: the next one (SetRemoteName)
  restart,   // the same candidate from byte 0: the kept bytes belong to another version
  redirect,  // follow redirect_url, one hop
  fail,      // the file fails here: the caller's mistake or a local error
};

struct Verdict {
  Prognosis prognosis = Prognosis::done;
  ErrorCause cause = ErrorCause::none;
  ErrorCode code = ErrorCode::ok;  // with fail
  std::string detail;              // human-readable, for messages and attempt events
  long http_status = 0;
  std::optional<std::chrono::seconds> retry_after;  // with retry
  std::string redirect_url;                         // with redirect
  // The bytes this answer delivered cannot be trusted (a body past its
  // bound): drop them before the next candidate resumes.
  bool drop_bytes = false;
};

// Classifies a finished Transfer by its fault, curl result and HTTP status.
// Answers that only the fetch mode can read (a 416 that says "you have it
// all", a 2xx body shorter than announced) come back as failover and done;
// the caller refines them.
Verdict classify(const TransferResult& r);

// How a verdict is reported in attempt events.
AttemptOutcome attempt_outcome(Prognosis p);

// The attempt event of one answer: `url` as requested (redacted here),
// `range` the Range header's value ("" for none).
AttemptRecord attempt_record(const std::string& asset, const std::string& url, const std::string& range,
                             const TransferResult& r, const Verdict& v);

}  // namespace assetfetch
