#include "worker/candidate_walk.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "transfer/curl_url.h"
#include "transfer/redact.h"

namespace assetfetch {

namespace {

double random_jitter() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.5, 1.5)(rng);
}

}  // namespace

CandidateWalk::CandidateWalk(std::vector<Candidate> candidates, const RetryPolicy& retry, bool offline,
                             Jitter jitter)
    : candidates_(std::move(candidates)), retry_(retry), jitter_(jitter ? std::move(jitter) : Jitter(random_jitter)) {
  // Offline: no connection at all; only file:// candidates remain.
  if (offline) std::erase_if(candidates_, [](const Candidate& c) { return url_scheme(c.url) != "file"; });
}

const Candidate& CandidateWalk::current() const {
  static const Candidate none;
  if (candidates_.empty()) return none;
  return candidates_[std::min(cursor_, candidates_.size() - 1)];
}

std::string CandidateWalk::url() const {
  if (!redirected_to_.empty()) return redirected_to_;
  return exhausted() ? std::string() : candidates_[cursor_].url;
}

void CandidateWalk::set_remote_name(std::string url) {
  if (exhausted()) candidates_.push_back({std::move(url), CandidateKind::origin, {}});
  else candidates_[cursor_].url = std::move(url);
  reset_hops();
}

std::optional<std::chrono::milliseconds> CandidateWalk::retry_delay(std::optional<std::chrono::seconds> retry_after) {
  auto delay = backoff(++attempt_, retry_after);
  if (delay) reset_hops();  // retry the candidate itself, not a redirect target
  return delay;
}

std::optional<std::chrono::milliseconds> CandidateWalk::backoff(int tries,
                                                                std::optional<std::chrono::seconds> retry_after) const {
  if (tries >= retry_.attempts) return std::nullopt;
  double base = static_cast<double>(retry_.backoff.count()) * std::pow(2.0, tries - 1);
  auto delay = std::chrono::milliseconds(static_cast<long long>(base * jitter_()));
  if (retry_after) delay = std::min<std::chrono::milliseconds>(*retry_after, retry_.retry_after_cap);
  return delay;
}

std::optional<std::string> CandidateWalk::follow(const std::string& location) {
  if (++redirects_ > retry_.max_redirects)
    return "more than " + std::to_string(retry_.max_redirects) + " redirects";
  // Schemes as libcurl parses them: credentials never follow a downgrade.
  const std::string scheme = curl_scheme(location);
  if (curl_scheme(url()) == "https" && scheme != "https")
    return "refused a redirect from HTTPS to " + redact_url(location);
  if (scheme != "http" && scheme != "https") return "refused a redirect to " + redact_url(location);
  redirected_to_ = location;
  return std::nullopt;
}

void CandidateWalk::note(ErrorCause cause, const std::string& reason, long http_status) {
  last_.cause = cause;
  last_.http_status = http_status;
  last_.message = redact_url(url()) + ": " + reason;
}

std::optional<CandidateWalk::Step> CandidateWalk::fail_over(ErrorCause cause, const std::string& reason,
                                                            long http_status) {
  const std::string from = exhausted() ? std::string() : candidates_[cursor_].url;
  const std::string asked = url().empty() ? from : url();
  last_.cause = cause;
  last_.http_status = http_status;
  last_.url = redact_url(from);
  last_.message = redact_url(asked) + ": " + reason;
  if (cause == ErrorCause::hash_mismatch && first_mismatch_.empty())
    first_mismatch_ = redact_url(asked) + " served bytes that do not match: " + reason;
  ++cursor_;
  attempt_ = 0;
  reset_hops();
  if (exhausted()) return std::nullopt;
  return Step{redact_url(from), redact_url(candidates_[cursor_].url)};
}

void CandidateWalk::rewind() {
  cursor_ = 0;
  attempt_ = 0;
  reset_hops();
}

std::string CandidateWalk::exhausted_headline() const {
  const std::string why = last_.message.empty() ? "no candidate URL" : last_.message;
  if (first_mismatch_.empty()) return "every source failed; last: " + why;
  if (last_.cause == ErrorCause::hash_mismatch) return first_mismatch_;
  return first_mismatch_ + "; no other source delivered the file (last: " + why + ")";
}

void CandidateWalk::reset_hops() {
  redirected_to_.clear();
  redirects_ = 0;
}

}  // namespace assetfetch
