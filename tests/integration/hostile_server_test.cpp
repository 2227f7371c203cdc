// Hostile servers against `assetfetch fetch`/`sync`: bodies that never end,
// trickles, a length that lies followed by a 416 mirror, a compressed body
// despite identity, a 206 with the wrong Content-Range. Each run is bounded by
// a process timeout; each asserts the exit code, the bytes on disk (never more
// than the size known) and what the servers were asked for.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "integration_util.h"
#include "test_server.h"

namespace {

namespace fs = std::filesystem;
using af_it::describe;
using af_test::Fault;
using af_test::ProcessResult;
using af_test::TestServer;
using Json = nlohmann::json;
using namespace std::chrono_literals;

class Hostile : public ::testing::Test {
 protected:
  af_test::TempDir tmp{"af-hostile"};
  fs::path cache = tmp / "cache";
  fs::path cwd = tmp / "cwd";
  fs::path out_dir = tmp / "out";
  fs::path out = out_dir / "asset.bin";
  TestServer bad, good;
  std::string data = af_test::random_bytes(100000, 21);
  std::string sha = af_test::sha256_hex(data);

  // Fast retries; `extra` is spliced into the top-level object.
  fs::path config(const std::string& retry_extra = "", const std::string& extra = "") {
    std::string json = R"({"retry": {"attempts": 1, "backoff_ms": 10, "no_progress_timeout_s": 30)" +
                       (retry_extra.empty() ? "" : ", " + retry_extra) + "}" +
                       (extra.empty() ? "" : ", " + extra) + "}\n";
    af_test::write_file(tmp / "config.json", json);
    return tmp / "config.json";
  }

  ProcessResult fetch(const std::vector<std::string>& urls, const fs::path& cfg,
                      std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"fetch"};
    args.insert(args.end(), urls.begin(), urls.end());
    args.insert(args.end(), {"-o", out.string(), "--config", cfg.string()});
    if (std::find(extra.begin(), extra.end(), "--no-verify") == extra.end())
      args.insert(args.end(), {"--sha256", sha});
    args.insert(args.end(), extra.begin(), extra.end());
    return af_it::run_cli(args, cache, cwd, {}, 60s);
  }

  // The largest file the run left in the destination's folder or the cache.
  std::uintmax_t largest_file_left() const {
    std::uintmax_t most = 0;
    for (const fs::path& dir : {out_dir, cache}) {
      std::error_code ec;
      if (!fs::exists(dir, ec)) continue;
      for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator();
           it.increment(ec))
        if (it->is_regular_file(ec)) most = std::max(most, it->file_size(ec));
    }
    return most;
  }

  // No temporary beside the destination, and no destination.
  void expect_nothing_delivered(const ProcessResult& r) const {
    EXPECT_FALSE(fs::exists(out)) << describe(r);
    EXPECT_EQ(af_it::files_under(out_dir), std::vector<std::string>{}) << describe(r);
  }
};

TEST_F(Hostile, EndlessBodyWithoutAnyDeclaredSizeStopsAtTheCap) {
  // 200, chunked, no Content-Length, no manifest size: only the cap is known.
  bad.add_file("/f", data);
  bad.set_fault("/f", Fault{.ignore_range = true, .endless = true});
  const std::uint64_t cap = 1u << 20;
  auto cfg = config("", "\"max_download_size\": " + std::to_string(cap));
  auto r = fetch({bad.url("/f")}, cfg);
  EXPECT_EQ(r.exit_code, 4) << describe(r);
  expect_nothing_delivered(r);
  EXPECT_LE(largest_file_left(), cap);
  EXPECT_NE(r.err.find("more than the " + std::to_string(cap)), std::string::npos) << r.err;
  // The server was cut off soon after the cap (socket buffers hold a few MiB at most).
  EXPECT_LT(bad.body_bytes_sent("/f"), cap + (32u << 20));
  EXPECT_EQ(bad.requests_for("/f").size(), 1u);  // a liar is not retried

  // With a good mirror next, its bytes are delivered and nothing of the liar's remains.
  good.add_file("/f", data);
  r = fetch({bad.url("/f"), good.url("/f")}, cfg);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(af_test::read_file(out) == data);
}

TEST_F(Hostile, EndlessBodyStopsAtItsContentRange) {
  // 206 "bytes 0-99999/100000", then the body goes on (chunked) past it.
  bad.add_file("/f", data);
  bad.set_fault("/f", Fault{.endless = true});
  auto r = fetch({bad.url("/f")}, config(), {"--no-verify"});
  EXPECT_EQ(r.exit_code, 4) << describe(r);
  expect_nothing_delivered(r);
  EXPECT_LE(largest_file_left(), data.size());
  EXPECT_NE(r.err.find("more than the 100000 bytes"), std::string::npos) << r.err;
  EXPECT_LT(bad.body_bytes_sent("/f"), data.size() + (32u << 20));
}

TEST_F(Hostile, EndlessBodyStopsAtTheManifestSize) {
  bad.add_file("/f", data);
  bad.set_fault("/f", Fault{.ignore_range = true, .endless = true});
  Json m{{"assets", Json::array({Json{{"name", "asset"}, {"urls", {bad.url("/f")}}, {"sha256", sha},
                                      {"size", data.size()}, {"destination", "asset.bin"}}})}};
  af_test::write_file(tmp / "m.json", m.dump());
  auto r = af_it::run_cli({"sync", (tmp / "m.json").string(), "--dest", out_dir.string(), "--config",
                           config().string()},
                          cache, cwd, {}, 60s);
  EXPECT_EQ(r.exit_code, 4) << describe(r);
  expect_nothing_delivered(r);
  EXPECT_LE(largest_file_left(), data.size());
  EXPECT_LT(bad.body_bytes_sent("/f"), data.size() + (32u << 20));
}

TEST_F(Hostile, ManifestSizeStillLetsAServerRestartFromByteZero) {
  // The bound is the file's size from where a body starts: a 200 to a resume
  // request is the whole file again, not "more than what is left".
  bad.add_file("/f", data);
  bad.set_fault("/f", Fault{.reset_after_bytes = 50000});
  good.add_file("/f", data);
  good.set_fault("/f", Fault{.ignore_range = true});
  Json m{{"assets", Json::array({Json{{"name", "asset"}, {"urls", {bad.url("/f"), good.url("/f")}},
                                      {"sha256", sha}, {"size", data.size()}, {"destination", "asset.bin"}}})}};
  af_test::write_file(tmp / "m.json", m.dump());
  auto r = af_it::run_cli({"sync", (tmp / "m.json").string(), "--dest", out_dir.string(), "--config",
                           config().string()},
                          cache, cwd, {}, 60s);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(af_test::read_file(out) == data);
  ASSERT_EQ(good.requests_for("/f").size(), 1u);
  EXPECT_EQ(good.requests_for("/f")[0].range, "bytes=50000-");
  EXPECT_EQ(good.requests_for("/f")[0].status, 200);
}

TEST_F(Hostile, TrickleIsAbandonedWithinTheWindowForTheNextCandidate) {
  bad.add_file("/f", data);
  bad.set_fault("/f", Fault{.throttle_bytes_per_s = 1});
  good.add_file("/f", data);
  auto cfg = config(R"("min_rate_bytes_per_s": 1024, "min_rate_window_s": 2)");
  auto r = fetch({bad.url("/f"), good.url("/f")}, cfg, {"-v"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(af_test::read_file(out) == data);
  EXPECT_EQ(bad.requests_for("/f").size(), 1u) << "a trickle is not retried on the same server";
  EXPECT_LT(bad.body_bytes_sent("/f"), 100u);
  EXPECT_NE(r.err.find("slower than 1024 bytes/s over 2 s"), std::string::npos) << r.err;

  // Alone, it is a failure (exit 4), not a hang.
  fs::remove_all(cache);
  fs::remove(out);
  r = fetch({bad.url("/f")}, cfg);
  EXPECT_EQ(r.exit_code, 4) << describe(r);
  expect_nothing_delivered(r);
}

// The minimum-rate window defaults to no_progress_timeout_s: a 2 bytes/s
// trickle (which keeps the no-progress timer happy) is left after about 2 s,
// not the 30 s the window used to default to.
TEST_F(Hostile, TrickleIsLeftWithinTheNoProgressTimeoutWhenNoWindowIsSet) {
  bad.add_file("/f", data);
  bad.set_fault("/f", Fault{.throttle_bytes_per_s = 2});
  good.add_file("/f", data);
  af_test::write_file(tmp / "trickle.json",
                      R"({"retry": {"attempts": 1, "backoff_ms": 10, "no_progress_timeout_s": 2}})");
  const auto started = std::chrono::steady_clock::now();
  auto r = fetch({bad.url("/f"), good.url("/f")}, tmp / "trickle.json", {"-v"});
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(af_test::read_file(out) == data);
  EXPECT_LT(took, 8s) << "the trickle should be left after one 2 s window";
  EXPECT_EQ(bad.requests_for("/f").size(), 1u);
  EXPECT_EQ(good.requests_for("/f").size(), 1u);
  EXPECT_NE(r.err.find("slower than 1024 bytes/s over 2 s"), std::string::npos) << r.err;
}

TEST_F(Hostile, ShortBodyThen416MirrorIsCompleteWhenTheHashMatches) {
  // URL 1 announces 400,000 bytes, sends the right 300,000 and closes.
  std::string real = af_test::random_bytes(300000, 22);
  sha = af_test::sha256_hex(real);
  bad.add_file("/f", real + std::string(100000, 'x'));
  bad.set_fault("/f", Fault{.reset_after_bytes = 300000, .ignore_range = true});
  good.add_file("/f", real);  // answers bytes=300000- with 416 bytes */300000
  auto r = fetch({bad.url("/f"), good.url("/f")}, config());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(af_test::read_file(out) == real);
  auto asked = good.requests_for("/f");
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].range, "bytes=300000-");
  EXPECT_EQ(asked[0].status, 416);

  // The same 416 after bytes that do not match: exit 3, nothing delivered.
  fs::remove_all(cache);
  fs::remove(out);
  bad.add_file("/f", std::string(300000, 'y') + std::string(100000, 'x'));
  r = fetch({bad.url("/f"), good.url("/f")}, config());
  EXPECT_EQ(r.exit_code, 3) << describe(r);
  expect_nothing_delivered(r);
}

TEST_F(Hostile, Malformed206OnResumeRestartsThatMirrorFromByteZeroThenTheNext) {
  // As above, but the mirror answers bytes=300000- with a 206 whose
  // Content-Range ends before it starts, where a 416 belongs.
  std::string real = af_test::random_bytes(300000, 23);
  sha = af_test::sha256_hex(real);
  bad.add_file("/f", real + std::string(100000, 'x'));
  bad.set_fault("/f", Fault{.reset_after_bytes = 300000, .ignore_range = true});
  good.add_file("/f", real);
  good.set_fault("/f", Fault{.unsatisfiable_content_range = "bytes 300000-299999/300000"});
  auto r = fetch({bad.url("/f"), good.url("/f")}, config());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(af_test::read_file(out) == real);
  auto asked = good.requests_for("/f");
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked[0].range, "bytes=300000-");
  EXPECT_EQ(asked[0].status, 206);
  EXPECT_EQ(asked[1].range, "bytes=0-");  // the same mirror, from byte 0
  EXPECT_EQ(asked[1].status, 206);

  // That mirror also botches the answer from byte 0: the next one serves it.
  fs::remove_all(cache);
  fs::remove(out);
  good.clear_log();
  good.set_fault("/f", Fault{.wrong_content_range = true,
                             .unsatisfiable_content_range = "bytes 300000-299999/300000"});
  TestServer third;
  third.add_file("/f", real);
  r = fetch({bad.url("/f"), good.url("/f"), third.url("/f")}, config());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(af_test::read_file(out) == real);
  asked = good.requests_for("/f");
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked[0].range, "bytes=300000-");
  EXPECT_EQ(asked[1].range, "bytes=0-");
  auto served = third.requests_for("/f");
  ASSERT_EQ(served.size(), 1u);
  EXPECT_EQ(served[0].range, "bytes=0-");
}

TEST_F(Hostile, GzipDespiteIdentityIsNeverDelivered) {
  bad.add_file("/f", data);
  bad.set_fault("/f", Fault{.content_encoding = "gzip"});
  // Even without a hash to catch it, the encoded body is not the file.
  auto r = fetch({bad.url("/f")}, config(), {"--no-verify"});
  EXPECT_EQ(r.exit_code, 4) << describe(r);
  expect_nothing_delivered(r);
  EXPECT_NE(r.err.find("Content-Encoding: gzip"), std::string::npos) << r.err;

  good.add_file("/f", data);
  r = fetch({bad.url("/f"), good.url("/f")}, config());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(af_test::read_file(out) == data);
}

TEST_F(Hostile, Wrong206ContentRangeIsNeverWrittenPastItsSpan) {
  // Asked bytes=0-, answered 206 "bytes 0-999/1000" with the whole 100,000.
  bad.add_file("/f", data);
  bad.set_fault("/f", Fault{.content_range = "bytes 0-999/1000"});
  auto r = fetch({bad.url("/f")}, config(), {"--no-verify", "--no-cache"});
  EXPECT_EQ(r.exit_code, 4) << describe(r);
  expect_nothing_delivered(r);

  // A 206 that starts elsewhere than asked: the next mirror delivers.
  bad.set_fault("/f", Fault{.content_range = "bytes 500-99999/100000"});
  good.add_file("/f", data);
  r = fetch({bad.url("/f"), good.url("/f")}, config());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(af_test::read_file(out) == data);
  EXPECT_LE(largest_file_left(), data.size());
}

}  // namespace
