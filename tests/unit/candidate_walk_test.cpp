// The candidate walk and the verdicts, without a network: which URL is asked
// next, when, and what each kind of answer means.
#include "worker/candidate_walk.h"
#include "worker/verdict.h"

#include <gtest/gtest.h>

namespace assetfetch {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

RetryPolicy policy(int attempts = 3) {
  RetryPolicy p;
  p.attempts = attempts;
  p.backoff = milliseconds(100);
  p.retry_after_cap = seconds(5);
  p.max_redirects = 2;
  return p;
}

std::vector<Candidate> three() {
  return {Candidate("https://a.example/f"), Candidate("http://b.example/f"), Candidate("file:///srv/f")};
}

TEST(CandidateWalk, WalksInOrderAndReportsEachStep) {
  RetryPolicy p = policy();
  CandidateWalk walk(three(), p, false);
  EXPECT_EQ(walk.url(), "https://a.example/f");
  auto step = walk.fail_over(ErrorCause::http_status, "HTTP 404", 404);
  ASSERT_TRUE(step);
  EXPECT_EQ(step->from, "https://a.example/f");
  EXPECT_EQ(step->to, "http://b.example/f");
  EXPECT_EQ(walk.url(), "http://b.example/f");
  ASSERT_TRUE(walk.fail_over(ErrorCause::transport, "refused"));
  EXPECT_EQ(walk.url(), "file:///srv/f");
  EXPECT_FALSE(walk.fail_over(ErrorCause::local_file, "missing"));  // no step past the end
  EXPECT_TRUE(walk.exhausted());
  EXPECT_EQ(walk.last_error().cause, ErrorCause::local_file);
  EXPECT_EQ(walk.exhausted_headline(), "every source failed; last: file:///srv/f: missing");
}

TEST(CandidateWalk, OfflineKeepsOnlyLocalCandidates) {
  RetryPolicy p = policy();
  CandidateWalk walk(three(), p, true);
  ASSERT_EQ(walk.size(), 1u);
  EXPECT_EQ(walk.url(), "file:///srv/f");
}

TEST(CandidateWalk, BacksOffExponentiallyThenMovesOn) {
  RetryPolicy p = policy(3);
  CandidateWalk walk(three(), p, false, [] { return 1.0; });
  EXPECT_EQ(walk.retry_delay(std::nullopt), milliseconds(100));
  EXPECT_EQ(walk.retry_delay(std::nullopt), milliseconds(200));
  EXPECT_FALSE(walk.retry_delay(std::nullopt));  // third attempt used: the caller fails over
  EXPECT_EQ(walk.attempt(), 3);
  walk.fail_over(ErrorCause::transport, "reset");
  EXPECT_EQ(walk.attempt(), 0);  // a fresh count on the next candidate
  EXPECT_EQ(walk.retry_delay(std::nullopt), milliseconds(100));
}

TEST(CandidateWalk, JitterStaysWithinHalfAndOneAndAHalf) {
  RetryPolicy p = policy(20);
  CandidateWalk walk(three(), p, false);
  for (int i = 1; i < 6; ++i) {
    auto d = walk.retry_delay(std::nullopt);
    ASSERT_TRUE(d);
    const long long base = 100LL << (i - 1);
    EXPECT_GE(d->count(), base / 2);
    EXPECT_LT(d->count(), base * 3 / 2);
  }
}

TEST(CandidateWalk, RetryAfterWinsButIsCapped) {
  RetryPolicy p = policy(5);
  CandidateWalk walk(three(), p, false, [] { return 1.0; });
  EXPECT_EQ(walk.retry_delay(seconds(2)), milliseconds(2000));
  EXPECT_EQ(walk.retry_delay(seconds(3600)), milliseconds(5000));
}

TEST(CandidateWalk, BackoffIsTheSameRuleForACountKeptElsewhere) {
  // A segmented fetch counts each segment's tries itself and asks the walk
  // for the delay: the same sequence as the walk's own candidate, and the
  // walk's own count does not move.
  RetryPolicy p = policy(3);
  CandidateWalk walk(three(), p, false, [] { return 1.0; });
  EXPECT_EQ(walk.backoff(1, std::nullopt), milliseconds(100));
  EXPECT_EQ(walk.backoff(2, std::nullopt), milliseconds(200));
  EXPECT_FALSE(walk.backoff(3, std::nullopt));
  EXPECT_EQ(walk.backoff(1, seconds(3600)), milliseconds(5000));
  EXPECT_EQ(walk.attempt(), 0);
}

TEST(CandidateWalk, FollowsRedirectsWithinTheLimit) {
  RetryPolicy p = policy();
  CandidateWalk walk({Candidate("http://a.example/f")}, p, false);
  EXPECT_FALSE(walk.follow("http://b.example/f"));
  EXPECT_EQ(walk.url(), "http://b.example/f");
  EXPECT_FALSE(walk.follow("https://c.example/f"));
  auto refused = walk.follow("https://d.example/f");
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused, "more than 2 redirects");
  // A retry asks the candidate itself again, not where it redirected to.
  ASSERT_TRUE(walk.retry_delay(std::nullopt));
  EXPECT_EQ(walk.url(), "http://a.example/f");
}

TEST(CandidateWalk, NeverFollowsADowngradeOrAForeignScheme) {
  RetryPolicy p = policy();
  CandidateWalk walk({Candidate("https://a.example/f")}, p, false);
  auto down = walk.follow("http://a.example/f");
  ASSERT_TRUE(down);
  EXPECT_NE(down->find("from HTTPS"), std::string::npos);
  EXPECT_EQ(walk.url(), "https://a.example/f");
  auto foreign = walk.follow("file:///etc/passwd");
  ASSERT_TRUE(foreign);
  EXPECT_EQ(walk.url(), "https://a.example/f");
}

TEST(CandidateWalk, SetRemoteNameReplacesTheCurrentCandidateOrAppendsOne) {
  RetryPolicy p = policy();
  CandidateWalk walk({Candidate("http://a.example/f")}, p, false);
  ASSERT_FALSE(walk.follow("http://b.example/f"));
  walk.set_remote_name("http://mirror.example/f");
  EXPECT_EQ(walk.url(), "http://mirror.example/f");  // the redirect is forgotten
  walk.fail_over(ErrorCause::transport, "reset");
  ASSERT_TRUE(walk.exhausted());
  walk.set_remote_name("http://last.example/f");
  EXPECT_FALSE(walk.exhausted());
  EXPECT_EQ(walk.url(), "http://last.example/f");
}

TEST(CandidateWalk, TheFirstMismatchLeadsTheHeadline) {
  RetryPolicy p = policy();
  CandidateWalk walk(three(), p, false);
  walk.fail_over(ErrorCause::hash_mismatch, "expected sha256 aa, got bb");
  walk.fail_over(ErrorCause::http_status, "HTTP 503", 503);
  walk.fail_over(ErrorCause::local_file, "missing");
  EXPECT_TRUE(walk.any_mismatch());
  EXPECT_EQ(walk.exhausted_headline(),
            "https://a.example/f served bytes that do not match: expected sha256 aa, got bb; no other source "
            "delivered the file (last: file:///srv/f: missing)");
}

TEST(CandidateWalk, RewindStartsOverAtTheFirstCandidate) {
  RetryPolicy p = policy();
  CandidateWalk walk(three(), p, false);
  walk.fail_over(ErrorCause::transport, "reset");
  ASSERT_TRUE(walk.retry_delay(std::nullopt));
  walk.rewind();
  EXPECT_EQ(walk.index(), 0u);
  EXPECT_EQ(walk.attempt(), 0);
}

TransferResult answer(long status) {
  TransferResult r;
  r.status = status;
  return r;
}

TEST(Verdict, StatusesAndTransportErrors) {
  EXPECT_EQ(classify(answer(200)).prognosis, Prognosis::done);
  EXPECT_EQ(classify(answer(206)).prognosis, Prognosis::done);
  Verdict nf = classify(answer(404));
  EXPECT_EQ(nf.prognosis, Prognosis::failover);
  EXPECT_EQ(nf.cause, ErrorCause::http_status);
  EXPECT_EQ(nf.http_status, 404);
  for (long transient : {408L, 429L, 500L, 503L}) EXPECT_EQ(classify(answer(transient)).prognosis, Prognosis::retry);
  TransferResult busy = answer(503);
  busy.retry_after = "7";
  EXPECT_EQ(classify(busy).retry_after, seconds(7));
  TransferResult reset;
  reset.curl_code = CURLE_RECV_ERROR;
  reset.curl_error = "connection reset";
  EXPECT_EQ(classify(reset).prognosis, Prognosis::retry);
  TransferResult tls;
  tls.curl_code = CURLE_PEER_FAILED_VERIFICATION;
  EXPECT_EQ(classify(tls).prognosis, Prognosis::failover);
  TransferResult stalled;
  stalled.curl_code = CURLE_OPERATION_TIMEDOUT;
  stalled.curl_error = "no bytes for 30 s";
  EXPECT_EQ(classify(stalled).detail, "no progress: no bytes for 30 s");
}

TEST(Verdict, RedirectsCarryTheirTarget) {
  TransferResult r = answer(302);
  r.redirect_url = "https://user:secret@b.example/f";
  Verdict v = classify(r);
  EXPECT_EQ(v.prognosis, Prognosis::redirect);
  EXPECT_EQ(v.redirect_url, r.redirect_url);
  EXPECT_EQ(v.detail.find("secret"), std::string::npos);  // the detail is for people: redacted
  EXPECT_EQ(attempt_outcome(v.prognosis), AttemptOutcome::redirect);
  EXPECT_STREQ(outcome_name(attempt_outcome(v.prognosis)), "redirect");
}

TEST(Verdict, EveryFaultHasItsConsequence) {
  auto fault = [](TransferFault f) {
    TransferResult r = answer(206);
    r.aborted = true;
    r.fault = f;
    r.abort_reason = "detail";
    return classify(r);
  };
  Verdict bound = fault(TransferFault::over_bound);
  EXPECT_EQ(bound.prognosis, Prognosis::failover);
  EXPECT_TRUE(bound.drop_bytes);
  EXPECT_EQ(bound.cause, ErrorCause::size_mismatch);
  Verdict invalid = fault(TransferFault::range_invalid);
  EXPECT_EQ(invalid.prognosis, Prognosis::fail);
  EXPECT_EQ(invalid.code, ErrorCode::bad_input);
  Verdict disk = fault(TransferFault::local_write);
  EXPECT_EQ(disk.prognosis, Prognosis::fail);
  EXPECT_EQ(disk.cause, ErrorCause::local_file);
  EXPECT_EQ(fault(TransferFault::restart).prognosis, Prognosis::restart);
  EXPECT_EQ(attempt_outcome(Prognosis::restart), AttemptOutcome::restart);
  EXPECT_EQ(fault(TransferFault::range_unsupported).cause, ErrorCause::range_unsupported);
  EXPECT_EQ(fault(TransferFault::size_mismatch).cause, ErrorCause::size_mismatch);
  Verdict gzip = fault(TransferFault::content_encoding);
  EXPECT_EQ(gzip.prognosis, Prognosis::failover);
  EXPECT_EQ(gzip.detail, "detail");
  TransferResult slow;
  slow.curl_code = CURLE_OPERATION_TIMEDOUT;
  slow.fault = TransferFault::too_slow;
  slow.curl_error = "slower than 1024 bytes/s over 30 s";
  Verdict trickle = classify(slow);
  EXPECT_EQ(trickle.prognosis, Prognosis::failover);  // never retried on the same server
  EXPECT_EQ(trickle.detail, slow.curl_error);
}

}  // namespace
}  // namespace assetfetch
