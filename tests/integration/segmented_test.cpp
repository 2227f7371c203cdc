// Segmented, multi-mirror transfers of one file (issue 5), through the C++
// API against TestServers on 127.0.0.1. Small thresholds keep files small.
#include <gtest/gtest.h>

#include "assetfetch/job.h"
#include "job_fetch.h"
#include "test_server.h"
#include "test_util.h"

namespace {

using namespace assetfetch;
using af_test::Fault;
using af_test::TempDir;
using af_test::TestServer;
using af_it::FetchRun;

constexpr std::size_t kSize = 6u << 20;

JobOptions segmented_options(const TempDir& dir) {
  JobOptions o;
  o.cache_dir = dir / "cache";
  o.retry.attempts = 2;
  o.retry.backoff = std::chrono::milliseconds(10);
  o.retry.no_progress_timeout = std::chrono::seconds(2);
  o.segment_threshold = 1u << 20;
  o.segment_min_split = 256u << 10;
  o.segment_probe_after = std::chrono::milliseconds(100);  // small files: probe early
  return o;
}

TEST(Segmented, TwoMirrorsOneThrottledGiveIdenticalVerifiedBytes) {
  af_test::remove_proxy_env();
  TempDir dir;
  const std::string data = af_test::random_bytes(kSize, 11);
  TestServer slow, fast;
  slow.add_file("/f", data);
  fast.add_file("/f", data);
  Fault throttle;
  throttle.throttle_bytes_per_s = 1u << 20;  // 1 MiB/s: the fast mirror must take over
  slow.set_fault("/f", throttle);
  FetchRun run = af_it::fetch_one(segmented_options(dir), {slow.url("/f"), fast.url("/f")}, data, dir / "out.bin");
  ASSERT_EQ(run.state, JobState::transferred) << run.error.message;
  ASSERT_TRUE(run.result);
  EXPECT_TRUE(run.result->verified);
  EXPECT_EQ(af_test::read_file(dir / "out.bin"), data);
  // Both mirrors served; the fast one with Range requests of its own (one is
  // enough when it takes over all the throttled mirror had left).
  EXPECT_FALSE(slow.requests_for("/f").empty());
  EXPECT_GE(fast.requests_for("/f").size(), 1u);
  for (const auto& r : fast.requests_for("/f")) EXPECT_EQ(r.range.rfind("bytes=", 0), 0u) << r.range;
}

TEST(Segmented, MirrorDyingMidSegmentIsReplaced) {
  af_test::remove_proxy_env();
  TempDir dir;
  const std::string data = af_test::random_bytes(kSize, 12);
  TestServer good, dying;
  good.add_file("/f", data);
  dying.add_file("/f", data);
  Fault reset;
  reset.reset_after_bytes = 100000;
  dying.set_fault("/f", reset);
  // A throttled first mirror, so a probe to the second one pays.
  good.set_fault("/f", Fault{.throttle_bytes_per_s = 4u << 20});
  FetchRun run = af_it::fetch_one(segmented_options(dir), {good.url("/f"), dying.url("/f")}, data, dir / "out.bin");
  ASSERT_EQ(run.state, JobState::transferred) << run.error.message;
  EXPECT_EQ(af_test::read_file(dir / "out.bin"), data);
  EXPECT_FALSE(dying.requests_for("/f").empty()) << "the dying mirror was never asked for a segment";
}

TEST(Segmented, MirrorServingOtherBytesIsNamedAndDropped) {
  af_test::remove_proxy_env();
  TempDir dir;
  const std::string data = af_test::random_bytes(kSize, 13);
  // Same size, other bytes: whichever span the second mirror serves (the
  // probe's tail half at least), they differ.
  const std::string other = af_test::random_bytes(kSize, 99);
  TestServer good, liar;
  good.add_file("/f", data);
  liar.add_file("/f", other);
  good.set_fault("/f", Fault{.throttle_bytes_per_s = 4u << 20});  // so the probe goes to the liar
  FetchRun run = af_it::fetch_one(segmented_options(dir), {good.url("/f"), liar.url("/f")}, data, dir / "out.bin");
  ASSERT_EQ(run.state, JobState::transferred) << run.error.message;
  EXPECT_EQ(af_test::read_file(dir / "out.bin"), data);
  const std::string liar_url = liar.url("/f");
  bool named = false;
  for (const auto& w : run.warnings)
    named = named || (w.find(liar_url) != std::string::npos && w.find("different bytes") != std::string::npos);
  EXPECT_TRUE(named) << "no warning named " << liar_url;
  // No .bad or partial leftovers in the cache.
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir / "cache")) {
    EXPECT_EQ(e.path().string().find(".bad"), std::string::npos) << e.path();
  }
}

// The answers to `path` a server began, as seconds after the first.
std::vector<double> answer_starts(const TestServer& server) {
  std::vector<double> out;
  const auto spans = server.answer_spans();
  for (const auto& s : spans)
    out.push_back(std::chrono::duration<double>(s.start - spans.front().start).count());
  return out;
}

std::vector<assetfetch::AttemptRecord> attempts_at(const FetchRun& run, const std::string& url) {
  std::vector<assetfetch::AttemptRecord> out;
  for (const auto& a : run.attempts)
    if (a.url == url) out.push_back(a);
  return out;
}

TEST(Segmented, A503WithRetryAfterOnASegmentIsWalkedLikeOneOnTheWholeFile) {
  // One retry rule: the same record and the same wait (Retry-After: 1, not
  // the 10 ms backoff) whether the 503 answers a whole-file request or a
  // segment of a segmented one.
  af_test::remove_proxy_env();
  const Fault busy{.status = 503, .retry_after = "1", .times = 1};

  TempDir whole_dir;
  const std::string small = af_test::random_bytes(200000, 15);
  TestServer whole;
  whole.add_file("/f", small);
  whole.set_fault("/f", busy);
  FetchRun w = af_it::fetch_one(segmented_options(whole_dir), {whole.url("/f")}, small, whole_dir / "out.bin");
  ASSERT_EQ(w.state, JobState::transferred) << w.error.message;
  EXPECT_EQ(af_test::read_file(whole_dir / "out.bin"), small);

  TempDir seg_dir;
  const std::string data = af_test::random_bytes(kSize, 16);
  TestServer first, second;
  first.add_file("/f", data);
  second.add_file("/f", data);
  first.set_fault("/f", Fault{.throttle_bytes_per_s = 1u << 20});  // so the probe goes to `second`
  second.set_fault("/f", busy);
  FetchRun s = af_it::fetch_one(segmented_options(seg_dir), {first.url("/f"), second.url("/f")}, data,
                                seg_dir / "out.bin");
  ASSERT_EQ(s.state, JobState::transferred) << s.error.message;
  EXPECT_EQ(af_test::read_file(seg_dir / "out.bin"), data);

  const auto w_tries = attempts_at(w, whole.url("/f"));
  const auto s_tries = attempts_at(s, second.url("/f"));
  ASSERT_GE(w_tries.size(), 2u);
  ASSERT_GE(s_tries.size(), 2u) << "the segment was not asked again on the same mirror";
  EXPECT_NE(s_tries[0].range, "bytes=0-") << "the 503 did not answer a segment";
  for (const auto* a : {&w_tries[0], &s_tries[0]}) {
    EXPECT_EQ(a->http_status, 503);
    EXPECT_EQ(a->outcome, AttemptOutcome::retry);
    EXPECT_EQ(a->cause, ErrorCause::http_status);
    EXPECT_EQ(a->retry_reason, "HTTP 503");
  }
  EXPECT_EQ(w_tries[1].outcome, AttemptOutcome::ok);
  EXPECT_EQ(s_tries[1].outcome, AttemptOutcome::ok);
  // Both waited the Retry-After second before asking that server again.
  const auto w_starts = answer_starts(whole), s_starts = answer_starts(second);
  ASSERT_GE(w_starts.size(), 2u);
  ASSERT_GE(s_starts.size(), 2u);
  EXPECT_GE(w_starts[1], 0.95);
  EXPECT_GE(s_starts[1], 0.95);
  EXPECT_LT(w_starts[1], 5.0);
  EXPECT_LT(s_starts[1], 5.0);
}

TEST(Segmented, SmallFilesAreNotSegmented) {
  af_test::remove_proxy_env();
  TempDir dir;
  const std::string data = af_test::random_bytes(200000, 14);
  TestServer a, b;
  a.add_file("/f", data);
  b.add_file("/f", data);
  FetchRun run = af_it::fetch_one(segmented_options(dir), {a.url("/f"), b.url("/f")}, data, dir / "out.bin");
  ASSERT_EQ(run.state, JobState::transferred) << run.error.message;
  EXPECT_EQ(af_test::read_file(dir / "out.bin"), data);
  EXPECT_EQ(a.requests_for("/f").size(), 1u);
  EXPECT_TRUE(b.requests_for("/f").empty());
}

}  // namespace
