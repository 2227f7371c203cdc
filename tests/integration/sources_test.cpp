// The candidate walk through the CLI (DESIGN.md "Sources, in order"): nginx
// as a shared team cache with write-back, rewrites (premirrors), fallback
// mirrors, block_origin, and per-source headers with ${env:NAME}.
#include <sstream>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "nginx_server.h"
#include "cli_fixture.h"
#include "process.h"
#include "integration_util.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using af_test::TempDir;
using af_test::TestServer;
using Json = nlohmann::json;

using af_it::kCleanEnv;

af_test::Fault status_fault(int status) {
  af_test::Fault f;
  f.status = status;
  return f;
}

// "^http://127\.0\.0\.1:PORT/(.*)$" for a server's URLs.
std::string origin_regex(const TestServer& s) {
  return "^http://127\\.0\\.0\\.1:" + std::to_string(s.port()) + "/(.*)$";
}

struct Sources : af_test::CliTest {
  void SetUp() override {
    CliTest::SetUp();
    origin.add_file("/pkg/tool.tar.gz", data);
  }
  fs::path config(Json extra, const std::string& name = "af.json") {
    Json j{{"retry", {{"attempts", 1}, {"backoff_ms", 10}}}};
    for (auto& [k, v] : extra.items()) j[k] = v;
    fs::path p = dir / name;
    af_test::write_file(p, j.dump(2));
    return p;
  }
  // `fetch` of the origin URL into out/<n>, with its own cache dir `machine`.
  af_test::ProcessResult fetch(const fs::path& cfg, const std::string& machine, std::vector<std::string> extra = {},
                               af_test::EnvList env = kCleanEnv) {
    std::vector<std::string> argv{AF_CLI_PATH,  "fetch", url(),        "--sha256", hex, "-o",
                                  (dir / machine / "out" / "tool.tar.gz").string(), "--config", cfg.string(),
                                  "--cache-dir", (dir / machine / "cache").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return af_test::run_process(argv, env);
  }
  std::string out(const std::string& machine) { return af_test::read_file(dir / machine / "out" / "tool.tar.gz"); }
  std::string url() const { return origin.url("/pkg/tool.tar.gz"); }

  const std::string data = af_test::random_bytes(120000, 5);
  const std::string hex = af_test::sha256_hex(data);
};

TEST_F(Sources, NginxTeamCacheIsWrittenBackByOneMachineAndServesAnother) {
  TempDir www;
  fs::create_directories(www / "cache");
  af_test::NginxServer nginx({.root = www.path(), .enable_dav_put = true});
  fs::path cfg = config({{"sources", Json::array({{{"url", nginx.url("/cache/{sha256}")}, {"access", "readwrite"}}})}});

  // Machine A: the team cache misses, the origin serves, the object is PUT back.
  auto r = fetch(cfg, "A");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(out("A"), data);
  EXPECT_EQ(origin.requests_for("/pkg/tool.tar.gz").size(), 1u);
  ASSERT_TRUE(fs::exists(www / "cache" / hex)) << nginx.error_log();
  EXPECT_EQ(af_test::read_file(www / "cache" / hex), data);
  bool put = false;
  for (const auto& e : nginx.access_log(2)) put = put || (e.method == "PUT" && e.uri == "/cache/" + hex);
  EXPECT_TRUE(put);

  // Machine B: fresh cache, origin down: the team cache serves it.
  origin.stop();
  r = fetch(cfg, "B");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(out("B"), data);
  bool served = false;
  for (const auto& e : nginx.access_log(3)) served = served || (e.method == "GET" && e.uri == "/cache/" + hex && (e.status == 200 || e.status == 206));
  EXPECT_TRUE(served) << ::testing::PrintToString(nginx.access_log_lines(3));
}

TEST_F(Sources, ReadOnlySourceIsNeverWrittenTo) {
  TestServer team;
  team.enable_put("/cache/");
  fs::path cfg = config({{"sources", Json::array({{{"url", team.url("/cache/{sha256}")}}})}});
  ASSERT_EQ(fetch(cfg, "A").exit_code, 0);
  for (const auto& q : team.requests()) EXPECT_NE(q.method, "PUT");
}

// A write-back that fails after the fetch succeeded is a `write_back` event
// with --json (and exit 0: the bytes are delivered); without --json or -v
// it prints nothing.
TEST_F(Sources, AFailedWriteBackIsAJsonEvent) {
  TestServer team;  // no PUT enabled: every upload gets 405
  fs::path cfg = config({{"sources", Json::array({{{"url", team.url("/cache/{sha256}")}, {"access", "write"}}})}});
  auto r = fetch(cfg, "A", {"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(out("A"), data);
  bool put = false;
  for (const auto& q : team.requests()) put = put || q.method == "PUT";
  ASSERT_TRUE(put) << "no upload was tried";
  Json event;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    Json j = Json::parse(line);
    if (j.value("event", "") == "write_back") event = j;
  }
  ASSERT_FALSE(event.is_null()) << r.out;
  EXPECT_EQ(event.value("ok", true), false);
  EXPECT_NE(event.value("target", "").find("/cache/" + hex), std::string::npos) << event.dump();
  EXPECT_NE(event.value("reason", "").find("405"), std::string::npos) << event.dump();

  r = fetch(cfg, "B");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("write-back"), std::string::npos) << "a -v line without -v: " << r.err;
}

TEST_F(Sources, RewriteIsTriedFirstAndTheOriginIsNotContactedWhenItWorks) {
  TestServer premirror;
  premirror.add_file("/m/pkg/tool.tar.gz", data);
  fs::path cfg = config({{"rewrites", Json::array({{{"match", origin_regex(origin)}, {"replace", premirror.url("/m/$1")}}})}});
  auto r = fetch(cfg, "A");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(out("A"), data);
  EXPECT_EQ(premirror.requests_for("/m/pkg/tool.tar.gz").size(), 1u);
  EXPECT_EQ(origin.request_count(), 0u);
}

TEST_F(Sources, FailingRewriteFallsBackToTheOrigin) {
  TestServer premirror;  // does not have it: 404
  fs::path cfg = config({{"rewrites", Json::array({{{"match", origin_regex(origin)}, {"replace", premirror.url("/m/$1")}}})}});
  auto r = fetch(cfg, "A");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(out("A"), data);
  ASSERT_EQ(premirror.requests().size(), 1u);
  EXPECT_EQ(premirror.requests()[0].status, 404);
  EXPECT_EQ(origin.requests_for("/pkg/tool.tar.gz").size(), 1u);
}

TEST_F(Sources, FallbackMirrorIsUsedOnlyAfterTheOriginFails) {
  TestServer fallback;
  fallback.add_file("/fb/pkg/tool.tar.gz", data);
  fs::path cfg =
      config({{"fallback_mirrors", Json::array({{{"match", origin_regex(origin)}, {"replace", fallback.url("/fb/$1")}}})}});
  auto r = fetch(cfg, "A");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fallback.request_count(), 0u) << "the origin works: the fallback is not asked";

  for (int status : {503, 404}) {
    SCOPED_TRACE(status);
    origin.set_fault("/pkg/tool.tar.gz", status_fault(status));
    origin.clear_log();
    fallback.clear_log();
    r = fetch(cfg, "B" + std::to_string(status));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(out("B" + std::to_string(status)), data);
    EXPECT_EQ(origin.requests_for("/pkg/tool.tar.gz").size(), 1u);
    EXPECT_EQ(fallback.requests_for("/fb/pkg/tool.tar.gz").size(), 1u);
  }
}

TEST_F(Sources, BlockOriginUsesSourcesAndRewritesButNeverTheOriginOrFallbacks) {
  TestServer team, premirror, fallback;
  premirror.add_file("/m/pkg/tool.tar.gz", data);
  fallback.add_file("/fb/pkg/tool.tar.gz", data);
  Json rules = Json::array({{{"match", origin_regex(origin)}, {"replace", premirror.url("/m/$1")}}});
  Json fb = Json::array({{{"match", origin_regex(origin)}, {"replace", fallback.url("/fb/$1")}}});
  Json sources = Json::array({{{"url", team.url("/cas/{sha256}")}}});
  fs::path cfg = config({{"block_origin", true}, {"sources", sources}, {"rewrites", rules}, {"fallback_mirrors", fb}});
  auto r = fetch(cfg, "A");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(out("A"), data);
  EXPECT_EQ(premirror.request_count(), 1u);
  EXPECT_EQ(origin.request_count(), 0u);
  EXPECT_EQ(fallback.request_count(), 0u);
}

TEST_F(Sources, BlockOriginWithNothingElseNeverContactsTheOrigin) {
  TestServer fallback;
  fallback.add_file("/fb/pkg/tool.tar.gz", data);
  Json fb = Json::array({{{"match", origin_regex(origin)}, {"replace", fallback.url("/fb/$1")}}});
  fs::path cfg = config({{"block_origin", true}, {"fallback_mirrors", fb}});
  auto r = fetch(cfg, "A");
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_EQ(origin.request_count(), 0u) << "block_origin: the declared URL must never be contacted";
  EXPECT_EQ(fallback.request_count(), 0u);
  EXPECT_FALSE(fs::exists(dir / "A" / "out" / "tool.tar.gz"));
}

TEST_F(Sources, BlockOriginAndTheSourceMissesIsExit5) {
  TestServer team;  // 404 for everything
  fs::path cfg = config({{"block_origin", true}, {"sources", Json::array({{{"url", team.url("/cas/{sha256}")}}})}});
  auto r = fetch(cfg, "A");
  // DESIGN.md: 5 = "offline (or origin blocked) and not available locally".
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_EQ(origin.request_count(), 0u);
  EXPECT_EQ(team.request_count(), 1u);
}

TEST_F(Sources, HeadersWithEnvReachTheirSourceOnlyAndAreRedacted) {
  const std::string secret = "tok-5ecret-value-778899";
  TestServer team, elsewhere;
  elsewhere.add_file("/x/tool.tar.gz", data);
  af_test::Fault redirect;
  redirect.redirect_to = elsewhere.url("/x/tool.tar.gz");
  team.add_file("/cas/" + hex, data);
  team.set_fault("/cas/" + hex, redirect);
  Json sources = Json::array({{{"url", team.url("/cas/{sha256}")},
                               {"headers", {{"Authorization", "Bearer ${env:AF_TEST_TEAM_TOKEN}"}}}}});
  fs::path cfg = config({{"sources", sources}});
  af_test::EnvList env = kCleanEnv;
  env.emplace_back("AF_TEST_TEAM_TOKEN", secret);
  for (const char* mode : {"-v", "--json"}) {
    SCOPED_TRACE(mode);
    auto r = fetch(cfg, std::string("M") + (mode[2] == 'j' ? "j" : "v"), {mode}, env);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find(secret), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
  }
  ASSERT_FALSE(team.requests().empty());
  for (const auto& q : team.requests()) {
    auto it = q.headers.find("Authorization");
    ASSERT_NE(it, q.headers.end());
    EXPECT_EQ(it->second, "Bearer " + secret);
  }
  // The redirect target is another origin: no credentials follow.
  ASSERT_FALSE(elsewhere.requests().empty());
  for (const auto& q : elsewhere.requests()) EXPECT_EQ(q.headers.count("Authorization"), 0u);
  for (const auto& q : origin.requests()) EXPECT_EQ(q.headers.count("Authorization"), 0u);
  // A missing variable is a config error naming it, before any request.
  team.clear_log();
  auto r = fetch(cfg, "N");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("AF_TEST_TEAM_TOKEN"), std::string::npos) << r.err;
  EXPECT_EQ(team.request_count(), 0u);
}

}  // namespace
