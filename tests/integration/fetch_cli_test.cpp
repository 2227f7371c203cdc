// `assetfetch fetch` (and `sync` for manifest sizes) end to end against
// loopback servers with injected faults: failover, retries, resume on another
// mirror, verification, ranges, TLS, cache, offline, bad input and --json.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>

#include "integration_util.h"
#include "test_ca.h"
#include "test_server.h"

namespace {

namespace fs = std::filesystem;
using af_it::describe;
using af_test::Fault;
using af_test::ProcessResult;
using af_test::TestServer;
using Json = nlohmann::json;

std::size_t gets(const TestServer& s, const std::string& path) {
  std::size_t n = 0;
  for (const auto& r : s.requests_for(path))
    if (r.method == "GET") ++n;
  return n;
}

std::vector<Json> json_lines(const std::string& out) {
  std::vector<Json> events;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    events.push_back(Json::parse(line));  // every line must be one JSON object
  }
  return events;
}

class FetchCli : public ::testing::Test {
 protected:
  af_test::TempDir tmp{"af-fetch-cli"};
  fs::path cache = tmp / "cache";
  fs::path cwd = tmp / "cwd";
  fs::path out = tmp / "out" / "asset.bin";
  TestServer a, b;
  std::string data = af_test::random_bytes(40000, 11);
  std::string sha = af_test::sha256_hex(data);

  fs::path config(int attempts = 2, const std::string& extra = "") {
    return af_it::write_config(tmp / ("config-" + std::to_string(attempts) + ".json"), attempts, extra);
  }

  // fetch URL... --sha256 SHA -o out --config CONFIG plus extra args.
  ProcessResult fetch(const std::vector<std::string>& urls, std::vector<std::string> extra = {},
                      const fs::path& cfg = {}) {
    std::vector<std::string> args{"fetch"};
    args.insert(args.end(), urls.begin(), urls.end());
    args.insert(args.end(), {"--sha256", sha, "-o", out.string(), "--config", (cfg.empty() ? config() : cfg).string()});
    args.insert(args.end(), extra.begin(), extra.end());
    return af_it::run_cli(args, cache, cwd);
  }

  void expect_output(const std::string& want, const ProcessResult& r) {
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    ASSERT_TRUE(fs::exists(out)) << describe(r);
    EXPECT_TRUE(af_test::read_file(out) == want) << "wrong bytes at " << out;
  }
};

TEST_F(FetchCli, NotFoundThenGoodMirror) {
  b.add_file("/f", data);
  auto r = fetch({a.url("/f"), b.url("/f")});
  expect_output(data, r);
  ASSERT_EQ(a.requests_for("/f").size(), 1u);
  EXPECT_EQ(a.requests_for("/f")[0].status, 404);
  EXPECT_EQ(gets(b, "/f"), 1u);
}

TEST_F(FetchCli, ServerErrorsRetriedThenFailover) {
  for (int status : {500, 503}) {
    SCOPED_TRACE(status);
    a.clear_log();
    b.clear_log();
    fs::remove_all(cache);
    fs::remove(out);
    a.add_file("/f", data);
    a.set_fault("/f", Fault{.status = status});
    b.add_file("/f", data);
    auto r = fetch({a.url("/f"), b.url("/f")}, {}, config(2));
    expect_output(data, r);
    EXPECT_EQ(gets(a, "/f"), 2u) << "attempts: 2 per candidate";
    EXPECT_EQ(gets(b, "/f"), 1u);
  }
}

TEST_F(FetchCli, RetryAfterHonoured) {
  a.add_file("/f", data);
  a.set_fault("/f", Fault{.status = 503, .retry_after = "1", .times = 1});
  auto t0 = std::chrono::steady_clock::now();
  auto r = fetch({a.url("/f")});
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  expect_output(data, r);
  EXPECT_EQ(gets(a, "/f"), 2u);
  EXPECT_GE(secs, 0.9) << "Retry-After: 1 not honoured (backoff_ms is 10)";
}

// THE SetRemoteName test: bytes from mirror 1 are kept; mirror 2 continues.
TEST_F(FetchCli, ResetOnFirstMirrorResumesOnSecondAtSameOffset) {
  data = af_test::random_bytes(400000, 12);
  sha = af_test::sha256_hex(data);
  a.add_file("/f", data);
  a.set_fault("/f", Fault{.reset_after_bytes = 150000});
  b.add_file("/f", data);
  auto r = fetch({a.url("/f"), b.url("/f")}, {"--json"}, config(1));
  expect_output(data, r);
  ASSERT_EQ(gets(b, "/f"), 1u);
  const std::string range = b.requests_for("/f")[0].range;
  ASSERT_EQ(range.rfind("bytes=", 0), 0u) << range;
  std::uint64_t n = std::stoull(range.substr(6));
  EXPECT_GT(n, 0u) << "mirror 2 restarted from 0: " << range;
  EXPECT_LE(n, 150000u);
  // The first mirror's attempt delivered exactly those n bytes.
  bool seen = false;
  for (const auto& e : json_lines(r.out))
    if (e["event"] == "attempt" && e["url"] == a.url("/f")) {
      EXPECT_EQ(e["bytes"].get<std::uint64_t>(), n);
      seen = true;
    }
  EXPECT_TRUE(seen) << r.out;
}

TEST_F(FetchCli, CorruptFirstMirrorThenGoodSecond) {
  a.add_file("/f", data);
  a.set_fault("/f", Fault{.corrupt_at = 1234});
  b.add_file("/f", data);
  auto r = fetch({a.url("/f"), b.url("/f")});
  expect_output(data, r);
  ASSERT_EQ(gets(b, "/f"), 1u);
  EXPECT_EQ(b.requests_for("/f")[0].range, "bytes=0-") << "the bad mirror's bytes must be dropped";
}

TEST_F(FetchCli, EveryMirrorCorruptIsExit3) {
  std::string bad = data;
  bad[1234] = static_cast<char>(bad[1234] ^ 0xFF);
  a.add_file("/f", data);
  a.set_fault("/f", Fault{.corrupt_at = 1234});
  b.add_file("/f", data);
  b.set_fault("/f", Fault{.corrupt_at = 1234});
  auto r = fetch({a.url("/f"), b.url("/f")});
  EXPECT_EQ(r.exit_code, 3) << describe(r);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(af_it::files_under(out.parent_path()).empty());
  EXPECT_NE(r.err.find(sha), std::string::npos) << "expected hash not named: " << r.err;
  EXPECT_NE(r.err.find(af_test::sha256_hex(bad)), std::string::npos) << "received hash not named: " << r.err;
  EXPECT_EQ(gets(a, "/f"), 1u);
  EXPECT_EQ(gets(b, "/f"), 1u);
}

TEST_F(FetchCli, RangeIgnoredByOnlyServerFallsBackToWholeAndCuts) {
  a.add_file("/f", data);
  a.set_fault("/f", Fault{.ignore_range = true});
  auto r = fetch({a.url("/f")}, {"--range", "100:100", "--range", "30000:EOF"});
  expect_output(data.substr(100, 100) + data.substr(30000), r);
}

TEST_F(FetchCli, RangeIgnoredByFirstMirrorUsesSecond) {
  a.add_file("/f", data);
  a.set_fault("/f", Fault{.ignore_range = true});
  b.add_file("/f", data);
  auto r = fetch({a.url("/f"), b.url("/f")}, {"--range", "100:100", "--range", "900:100"});
  expect_output(data.substr(100, 100) + data.substr(900, 100), r);
  for (const auto& req : b.requests_for("/f")) EXPECT_EQ(req.status, 206);
}

TEST_F(FetchCli, WrongContentRangeNeverWrongOutput) {
  a.add_file("/f", data);
  a.set_fault("/f", Fault{.wrong_content_range = true});
  b.add_file("/f", data);
  auto r = fetch({a.url("/f"), b.url("/f")}, {"--range", "100:100", "--range", "900:100"});
  expect_output(data.substr(100, 100) + data.substr(900, 100), r);
  // Whole file, resumed at a non-zero offset on a lying server: never wrong.
  fs::remove_all(cache);
  fs::remove(out);
  auto w = fetch({a.url("/f"), b.url("/f")});
  expect_output(data, w);
  // Only the lying server: fails rather than writing wrong bytes.
  fs::remove_all(cache);
  fs::remove(out);
  auto only = fetch({a.url("/f")}, {"--range", "100:100"});
  if (only.exit_code == 0) expect_output(data.substr(100, 100), only);
  else EXPECT_FALSE(fs::exists(out)) << describe(only);
}

TEST_F(FetchCli, StallIsNoProgressTimeoutThenFailover) {
  a.add_file("/f", data);
  a.set_fault("/f", Fault{.stall_after_bytes = 1000, .stall_ms = 10000});
  b.add_file("/f", data);
  auto t0 = std::chrono::steady_clock::now();
  auto r = fetch({a.url("/f"), b.url("/f")}, {"--json"}, config(1));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  expect_output(data, r);
  EXPECT_EQ(gets(b, "/f"), 1u);
  // 1 s without a byte, not curl's ~5 s speed average on top of it.
  EXPECT_LT(secs, 4.0) << "the stall was not cut by the 1 s no-progress timeout\n" << r.out;
  for (const auto& e : json_lines(r.out))
    if (e["event"] == "attempt" && e["url"] == a.url("/f")) {
      EXPECT_LT(e["duration_s"].get<double>(), 3.0) << e.dump();
      EXPECT_NE(e["retry_reason"].get<std::string>().find("no progress"), std::string::npos) << e.dump();
    }
}

TEST_F(FetchCli, RedirectFollowed) {
  a.add_file("/f", data);
  a.set_fault("/f", Fault{.redirect_to = b.url("/g")});
  b.add_file("/g", data);
  auto r = fetch({a.url("/f")});
  expect_output(data, r);
  EXPECT_EQ(gets(b, "/g"), 1u);
}

class FetchCliTls : public FetchCli {
 protected:
  af_test::TestCa ca{tmp / "ca"};
  af_test::TestCa other_ca{tmp / "other-ca", af_test::TestCa::Options{.name = "other"}};
  TestServer s{TestServer::Options{.cert_file = ca.cert_file, .key_file = ca.key_file}};
  fs::path tls_config(const std::string& ca_file) {
    return af_it::write_config(tmp / "tls.json", 1, "\"tls\": {\"ca_file\": " + Json(ca_file).dump() + "}");
  }
};

TEST_F(FetchCliTls, HttpsWorks) {
  s.add_file("/f", data);
  ASSERT_EQ(s.url("/f").rfind("https://", 0), 0u);
  auto r = fetch({s.url("/f")}, {}, tls_config(ca.ca_file));
  expect_output(data, r);
}

TEST_F(FetchCliTls, HttpsToHttpRedirectRefused) {
  a.add_file("/f", data);
  s.add_file("/f", data);
  s.set_fault("/f", Fault{.redirect_to = a.url("/f")});
  auto r = fetch({s.url("/f")}, {}, tls_config(ca.ca_file));
  EXPECT_EQ(r.exit_code, 4) << describe(r);
  EXPECT_NE(r.err.find("refused"), std::string::npos) << r.err;
  EXPECT_EQ(a.request_count(), 0u) << "the HTTP target was contacted";
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(FetchCliTls, UnknownCaFails) {
  s.add_file("/f", data);
  auto r = fetch({s.url("/f")}, {}, tls_config(other_ca.ca_file));
  EXPECT_EQ(r.exit_code, 4) << describe(r);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(s.requests_for("/f").size(), 0u) << "a request got through an untrusted TLS session";
}

TEST_F(FetchCli, RangesWrittenInGivenOrder) {
  a.add_file("/f", data);
  auto r = fetch({a.url("/f")}, {"--range", "100:100", "--range", "900:100", "--range", "400:100"});
  expect_output(data.substr(100, 100) + data.substr(900, 100) + data.substr(400, 100), r);
  EXPECT_EQ(fs::file_size(out), 300u);
}

TEST_F(FetchCli, EofRangeIsTail) {
  a.add_file("/f", data);
  auto r = fetch({a.url("/f")}, {"--range", "39000:EOF"});
  expect_output(data.substr(39000), r);
}

TEST_F(FetchCli, SparseLayoutKeepsOffsetsWithZeroHoles) {
  a.add_file("/f", data);
  auto r = fetch({a.url("/f")}, {"--range", "100:100", "--range", "20000:EOF", "--sparse"});
  std::string want(data.size(), '\0');
  want.replace(100, 100, data.substr(100, 100));
  want.replace(20000, data.size() - 20000, data.substr(20000));
  expect_output(want, r);
}

TEST_F(FetchCli, RangePastEofIsExit2NamingRemoteSize) {
  a.add_file("/f", data);
  for (std::string range : {"39990:100", "50000:10"}) {
    SCOPED_TRACE(range);
    auto r = fetch({a.url("/f")}, {"--range", range});
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_NE(r.err.find("40000"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));
    EXPECT_TRUE(af_it::files_under(out.parent_path()).empty());
  }
}

TEST_F(FetchCli, PerRangeSha256) {
  a.add_file("/f", data);
  const std::string good = af_test::sha256_hex(data.substr(100, 100));
  auto r = fetch({a.url("/f")}, {"--range", "100:100:" + good, "--json"});
  expect_output(data.substr(100, 100), r);
  bool verified = false;
  for (const auto& e : json_lines(r.out))
    if (e["event"] == "done") verified = e["verified"].get<bool>();
  EXPECT_TRUE(verified) << r.out;

  fs::remove_all(cache);
  fs::remove(out);
  auto bad = fetch({a.url("/f")}, {"--range", "100:100:" + std::string(64, 'a')});
  EXPECT_EQ(bad.exit_code, 3) << describe(bad);
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(FetchCli, CacheHitSecondTimeMakesNoRequest) {
  a.add_file("/f", data);
  expect_output(data, fetch({a.url("/f")}));
  const auto n = a.request_count();
  out = tmp / "out2" / "again.bin";
  auto r = fetch({a.url("/f")}, {"--json"});
  expect_output(data, r);
  EXPECT_EQ(a.request_count(), n);
  bool from_cache = false;
  for (const auto& e : json_lines(r.out))
    if (e["event"] == "done") from_cache = e["from_cache"].get<bool>();
  EXPECT_TRUE(from_cache) << r.out;
}

// DESIGN.md: installing must not let a later edit of the destination corrupt
// the cache — both for a fresh download and for a cache hit.
TEST_F(FetchCli, EditingTheDestinationNeverTouchesTheCache) {
  a.add_file("/f", data);
  expect_output(data, fetch({a.url("/f")}));
  const fs::path first = out;
  out = tmp / "out2" / "hit.bin";
  expect_output(data, fetch({a.url("/f")}));
  const fs::path object = cache / "objects" / "sha256" / sha;
  for (const fs::path& dest : {first, out}) {
    EXPECT_FALSE(fs::equivalent(dest, object)) << dest << " shares the cache object's inode";
    af_test::write_file(dest, "edited");
  }
  EXPECT_EQ(af_test::read_file(object), data);
  const auto n = a.request_count();
  out = tmp / "out3" / "again.bin";
  expect_output(data, fetch({a.url("/f")}));
  EXPECT_EQ(a.request_count(), n) << "the cache object should still be intact and used";
}

TEST_F(FetchCli, CorruptCacheObjectIsHealedAndRefetched) {
  a.add_file("/f", data);
  expect_output(data, fetch({a.url("/f")}));
  const fs::path obj = cache / "objects" / "sha256" / sha;
  ASSERT_TRUE(fs::exists(obj));
  ::chmod(obj.c_str(), 0644);
  std::string bad = data;
  bad[777] = static_cast<char>(bad[777] ^ 0x10);
  af_test::write_file(obj, bad);
  out = tmp / "out2" / "again.bin";
  auto r = fetch({a.url("/f")});
  expect_output(data, r);
  EXPECT_EQ(gets(a, "/f"), 2u) << "the corrupt object was used instead of re-fetched";
  EXPECT_TRUE(af_test::read_file(obj) == data);
}

TEST_F(FetchCli, RangesCutFromCachedWholeFileWithoutNetwork) {
  a.add_file("/f", data);
  expect_output(data, fetch({a.url("/f")}));
  const auto n = a.request_count();
  out = tmp / "ranges" / "r.bin";
  auto r = fetch({a.url("/f")}, {"--range", "900:100", "--range", "100:100", "--json"});
  expect_output(data.substr(900, 100) + data.substr(100, 100), r);
  EXPECT_EQ(a.request_count(), n);
  bool verified = false;
  for (const auto& e : json_lines(r.out))
    if (e["event"] == "done") verified = e["verified"].get<bool>();
  EXPECT_TRUE(verified) << "ranges cut from a verified whole file are verified: " << r.out;
}

// DESIGN.md: "a range with a hash is verified and cached by that hash".
TEST_F(FetchCli, RangeWithOwnHashIsServedFromCacheNextTime) {
  a.add_file("/f", data);
  const std::string rh = af_test::sha256_hex(data.substr(100, 100));
  expect_output(data.substr(100, 100), fetch({a.url("/f")}, {"--range", "100:100:" + rh}));
  EXPECT_TRUE(fs::exists(cache / "objects" / "sha256" / rh));
  const auto n = a.request_count();
  out = tmp / "again" / "r.bin";
  expect_output(data.substr(100, 100), fetch({a.url("/f")}, {"--range", "100:100:" + rh}));
  EXPECT_EQ(a.request_count(), n) << "the cached range was fetched again";
}

TEST_F(FetchCli, RangeUnverifiedWarnsOrFailsWithRequireVerified) {
  a.add_file("/f", data);
  // No whole file in the cache, no per-range hash: delivered, marked unverified.
  auto r = fetch({a.url("/f")}, {"--range", "100:100", "--json"});
  expect_output(data.substr(100, 100), r);
  bool verified = true;
  for (const auto& e : json_lines(r.out))
    if (e["event"] == "done") verified = e["verified"].get<bool>();
  EXPECT_FALSE(verified) << r.out;
  // --require-verified: the whole file is fetched and verified, then cut.
  fs::remove_all(cache);
  out = tmp / "rv" / "r.bin";
  auto v = fetch({a.url("/f")}, {"--range", "100:100", "--require-verified", "--json"});
  expect_output(data.substr(100, 100), v);
  for (const auto& e : json_lines(v.out))
    if (e["event"] == "done") {
      EXPECT_TRUE(e["verified"].get<bool>()) << v.out;
    }
}

TEST_F(FetchCli, OfflineHitAndMiss) {
  a.add_file("/f", data);
  auto miss = fetch({a.url("/f")}, {"--offline"});
  EXPECT_EQ(miss.exit_code, 5) << describe(miss);
  EXPECT_EQ(a.request_count(), 0u);
  EXPECT_FALSE(fs::exists(out));

  expect_output(data, fetch({a.url("/f")}));
  const auto n = a.request_count();
  out = tmp / "offline" / "asset.bin";
  auto hit = fetch({a.url("/f")}, {"--offline"});
  expect_output(data, hit);
  EXPECT_EQ(a.request_count(), n);
}

TEST_F(FetchCli, NoCacheLeavesCacheDirEmpty) {
  a.add_file("/f", data);
  auto r = fetch({a.url("/f")}, {"--no-cache"});
  expect_output(data, r);
  EXPECT_TRUE(af_it::files_under(cache).empty());
  EXPECT_TRUE(af_it::files_under(cwd).empty()) << "files written into the working directory";
  // And it does not read the cache either: a second run fetches again.
  auto again = fetch({a.url("/f")}, {"--no-cache"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(gets(a, "/f"), 2u);
}

TEST_F(FetchCli, ManifestSizeMismatchFailsThatCandidate) {
  // a serves other (longer) bytes under the URL; b the real ones.
  a.add_file("/f", data);
  a.set_fault("/f", Fault{.serve_other_bytes = data + "extra"});
  b.add_file("/f", data);
  auto manifest = [&](std::uint64_t size, const std::vector<std::string>& urls) {
    Json m{{"assets", Json::array({Json{{"name", "asset"}, {"urls", urls}, {"sha256", sha}, {"size", size},
                                         {"destination", "asset.bin"}}})}};
    af_test::write_file(tmp / "m.json", m.dump());
    return (tmp / "m.json").string();
  };
  fs::path dest = tmp / "dest";
  auto r = af_it::run_cli({"sync", manifest(data.size(), {a.url("/f"), b.url("/f")}), "--dest", dest.string(),
                           "--config", config(1).string()},
                          cache, cwd);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(af_test::read_file(dest / "asset.bin") == data);
  EXPECT_EQ(gets(b, "/f"), 1u);

  // The declared size is wrong for every server: no candidate is accepted.
  fs::remove_all(cache);
  fs::remove_all(dest);
  auto w = af_it::run_cli({"sync", manifest(data.size() + 1, {b.url("/f")}), "--dest", dest.string(), "--config",
                           config(1).string()},
                          cache, cwd);
  EXPECT_NE(w.exit_code, 0) << describe(w);
  EXPECT_FALSE(fs::exists(dest / "asset.bin"));
  EXPECT_NE(w.err.find(std::to_string(data.size() + 1)), std::string::npos) << w.err;
}

TEST_F(FetchCli, BadInputIsExit2BeforeAnyRequest) {
  a.add_file("/f", data);
  af_test::write_file(tmp / "plainfile", "x");
  struct Case {
    const char* name;
    std::vector<std::string> args;
  };
  const std::string url = a.url("/f");
  const std::string o = out.string();
  const std::vector<Case> cases = {
      {"overlap", {url, "--sha256", sha, "-o", o, "--range", "0:10", "--range", "5:10"}},
      {"same offset", {url, "--sha256", sha, "-o", o, "--range", "5:1", "--range", "5:100"}},
      {"EOF offset", {url, "--sha256", sha, "-o", o, "--range", "EOF:10"}},
      {"malformed range", {url, "--sha256", sha, "-o", o, "--range", "ten:20"}},
      {"malformed hex", {url, "--sha256", std::string(63, 'a') + "z", "-o", o}},
      {"short hex", {url, "--sha256", sha.substr(1), "-o", o}},
      {"missing hash", {url, "-o", o}},
      {"ftp URL", {"ftp://127.0.0.1:" + std::to_string(a.port()) + "/f", "--sha256", sha, "-o", o}},
      {"parent is a file", {url, "--sha256", sha, "-o", (tmp / "plainfile" / "x.bin").string()}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::string> args{"fetch"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = af_it::run_cli(args, cache, cwd);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_NE(r.err.find("error"), std::string::npos) << r.err;
    EXPECT_EQ(a.request_count(), 0u);
    EXPECT_FALSE(fs::exists(out.parent_path()));
    EXPECT_EQ(af_test::read_file(tmp / "plainfile"), "x");
  }
}

TEST_F(FetchCli, ReadOnlyDestinationDirIsExit2) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes into read-only directories";
  a.add_file("/f", data);
  fs::create_directories(tmp / "ro");
  ::chmod((tmp / "ro").c_str(), 0555);
  out = tmp / "ro" / "sub" / "x.bin";
  auto r = fetch({a.url("/f")});
  ::chmod((tmp / "ro").c_str(), 0755);
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_EQ(a.request_count(), 0u);
  EXPECT_TRUE(af_it::files_under(tmp / "ro").empty());
}

TEST_F(FetchCli, JsonEventsHaveDocumentedKeys) {
  b.add_file("/f", data);
  auto r = fetch({a.url("/f"), b.url("/f")}, {"--json"});
  expect_output(data, r);
  std::map<std::string, std::vector<Json>> by;
  for (const auto& e : json_lines(r.out)) {
    ASSERT_TRUE(e.contains("event")) << e.dump();
    ASSERT_TRUE(e.contains("asset")) << e.dump();
    by[e["event"].get<std::string>()].push_back(e);
  }
  ASSERT_EQ(by["start"].size(), 1u) << r.out;
  ASSERT_GE(by["attempt"].size(), 2u) << r.out;
  for (const auto& e : by["attempt"])
    for (const char* k : {"url", "range", "status", "bytes", "duration_s", "outcome", "retry_reason"})
      EXPECT_TRUE(e.contains(k)) << k << " missing in " << e.dump();
  EXPECT_EQ(by["attempt"].front()["url"], a.url("/f"));
  EXPECT_EQ(by["attempt"].front()["status"], 404);
  EXPECT_EQ(by["attempt"].back()["status"], 206);
  EXPECT_EQ(by["attempt"].back()["outcome"], "ok");
  ASSERT_EQ(by["failover"].size(), 1u) << r.out;
  ASSERT_EQ(by["done"].size(), 1u) << r.out;
  const Json& d = by["done"][0];
  for (const char* k : {"path", "source", "bytes", "from_cache", "verified"})
    EXPECT_TRUE(d.contains(k)) << k << " missing in " << d.dump();
  EXPECT_EQ(d["bytes"], data.size());
  EXPECT_EQ(d["verified"], true);
  EXPECT_EQ(d["from_cache"], false);
  EXPECT_EQ(d["source"], b.url("/f"));
  EXPECT_TRUE(by["error"].empty());

  // A failure: the error event has the exit code and a message.
  out = tmp / "missing.bin";
  sha = af_test::sha256_hex("not in the cache");
  auto f = fetch({a.url("/nope")}, {"--json"});
  EXPECT_EQ(f.exit_code, 4) << describe(f);
  bool error_seen = false;
  for (const auto& e : json_lines(f.out))
    if (e["event"] == "error") {
      error_seen = true;
      EXPECT_EQ(e["code"], 4);
      EXPECT_FALSE(e["message"].get<std::string>().empty());
    }
  EXPECT_TRUE(error_seen) << f.out;
}

TEST_F(FetchCli, CredentialsInUrlsAreRedactedEverywhere) {
  b.add_file("/f", data);
  auto cred = [](const TestServer& s, const std::string& path) {
    return "http://user:secret@127.0.0.1:" + std::to_string(s.port()) + path;
  };
  const std::string signed_url = b.url("/f") + "?sv=1&sig=secret";
  for (const auto& extra : std::vector<std::vector<std::string>>{{"--json"}, {"-v"}, {}}) {
    fs::remove_all(cache);
    fs::remove(out);
    auto r = fetch({cred(a, "/f"), cred(b, "/missing"), signed_url}, extra);
    expect_output(data, r);
    EXPECT_EQ(r.out.find("secret"), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find("secret"), std::string::npos) << r.err;
  }
  // A failing run names URLs in its error: still redacted.
  out = tmp / "fail.bin";
  sha = af_test::sha256_hex("not in the cache");
  auto f = fetch({cred(a, "/x"), cred(b, "/y")}, {"--json", "-v"});
  EXPECT_EQ(f.exit_code, 4) << describe(f);
  EXPECT_EQ(f.out.find("secret"), std::string::npos) << f.out;
  EXPECT_EQ(f.err.find("secret"), std::string::npos) << f.err;
  // Nothing under the cache (job state, health records) keeps the secret.
  for (const auto& file : af_it::files_under(cache)) {
    if (file.rfind("objects/", 0) == 0) continue;
    EXPECT_EQ(af_test::read_file(cache / file).find("secret"), std::string::npos) << file;
  }
}

}  // namespace
