// CandidateWalk: which URL a file is fetched from next, and when. Pure
// state (no I/O, no clock reads), so its rules are unit-tested without a
// network (tests/unit/candidate_walk_test.cpp).
//
// - Candidates are walked in the caller's order (sources, rewrites, origin,
//   fallback mirrors). Moving on is BITS' SetRemoteName, automated: the
//   bytes already received are kept, since the hash is the identity.
// - A transient failure retries the same candidate after an exponential,
//   jittered backoff (Retry-After wins, capped) until retry.attempts are
//   used; then the walk moves on.
// - Redirects are followed one hop at a time: never more than
//   retry.max_redirects, never from HTTPS to anything else, never to a
//   scheme other than http(s).
// - The first source that served wrong bytes is remembered for the final
//   headline: a mismatch matters more than a dead mirror tried after it.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "assetfetch/job.h"

namespace assetfetch {

class CandidateWalk {
 public:
  // Gives a factor in [0.5, 1.5) for the backoff's jitter (tests fix it).
  using Jitter = std::function<double()>;

  CandidateWalk(std::vector<Candidate> candidates, const RetryPolicy& retry, bool offline, Jitter jitter = {});

  bool exhausted() const { return cursor_ >= candidates_.size(); }
  std::size_t index() const { return cursor_; }
  std::size_t size() const { return candidates_.size(); }
  const Candidate& candidate(std::size_t i) const { return candidates_[i]; }
  // The current candidate (exhausted(): the last one, for messages).
  const Candidate& current() const;
  // The URL to ask now: the current candidate's, or where it redirected to.
  std::string url() const;
  // Tries made on the current candidate.
  int attempt() const { return attempt_; }

  // BITS SetRemoteName: the current candidate asks this URL from now on
  // (after the walk's end, it becomes a new last candidate).
  void set_remote_name(std::string url);

  // A transient failure on the current candidate: the delay before trying it
  // again, or nullopt when its attempts are used up (then call fail_over).
  std::optional<std::chrono::milliseconds> retry_delay(std::optional<std::chrono::seconds> retry_after);

  // The one retry rule, shared by the walk's candidate and by each segment
  // of a segmented fetch (which counts its own tries): the delay before the
  // next try once `tries` have failed, or nullopt when retry.attempts are
  // used up. Exponential backoff with jitter; Retry-After wins, capped.
  std::optional<std::chrono::milliseconds> backoff(int tries, std::optional<std::chrono::seconds> retry_after) const;

  // Follows a redirect from url(). Returns why it was refused, or nullopt.
  std::optional<std::string> follow(const std::string& location);

  // The current candidate is done for: move to the next one. Returns the
  // step (redacted URLs) for the failover event when another one is left.
  struct Step {
    std::string from, to;
  };
  std::optional<Step> fail_over(ErrorCause cause, const std::string& reason, long http_status = 0);

  // A transient error on the current candidate, for the final message if
  // it turns out to be the last.
  void note(ErrorCause cause, const std::string& reason, long http_status = 0);

  // Starts again at the first candidate (bytes were dropped: all may serve).
  void rewind();

  // What went wrong last, and the first source that served wrong bytes.
  const ErrorContext& last_error() const { return last_; }
  bool any_mismatch() const { return !first_mismatch_.empty(); }
  // The headline once every candidate failed.
  std::string exhausted_headline() const;

 private:
  void reset_hops();

  std::vector<Candidate> candidates_;
  const RetryPolicy& retry_;
  Jitter jitter_;
  std::size_t cursor_ = 0;
  int attempt_ = 0;
  std::string redirected_to_;  // empty: the candidate's own URL
  int redirects_ = 0;
  ErrorContext last_;
  std::string first_mismatch_;
};

}  // namespace assetfetch
