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
