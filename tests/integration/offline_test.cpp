// Offline mode through the CLI (--offline, ASSETFETCH_OFFLINE=1, config
// "offline": true): zero requests on a hit and on a miss; a miss is exit 5
// naming the asset, its hash and the `assetfetch mirror` command.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

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

struct Offline : af_test::CliTest {
  void SetUp() override {
    CliTest::SetUp();
    origin.add_file("/sdk-1.2.zip", data);
    team.add_file("/cas/" + hex, data);
    af_test::write_file(dir / "online.json", R"({"retry": {"attempts": 1, "backoff_ms": 10}})");
  }
  af_test::ProcessResult fetch(const std::string& out, std::vector<std::string> extra,
                               af_test::EnvList env = kCleanEnv) {
    std::vector<std::string> argv{AF_CLI_PATH, "fetch", origin.url("/sdk-1.2.zip"), "--sha256", hex,
                                  "-o", (dir / out).string(), "--cache-dir", (dir / "cache").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return af_test::run_process(argv, env);
  }
  std::size_t requests() const { return origin.request_count() + team.request_count(); }
  void expect_miss_message(const af_test::ProcessResult& r, const std::string& asset) {
    EXPECT_EQ(r.exit_code, 5) << r.err;
    EXPECT_NE(r.err.find(asset), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(hex), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("assetfetch mirror"), std::string::npos) << r.err;
  }

  TestServer team;
  const std::string data = af_test::random_bytes(64000, 8);
  const std::string hex = af_test::sha256_hex(data);
};

TEST_F(Offline, MissIsExit5WithZeroRequestsAndSaysWhatToRun) {
  auto r = fetch("a/sdk.zip", {"--offline"});
  expect_miss_message(r, "sdk.zip");
  EXPECT_FALSE(fs::exists(dir / "a" / "sdk.zip"));
  EXPECT_EQ(requests(), 0u);
}

TEST_F(Offline, HitMakesZeroRequestsWhicheverWayOfflineIsAsked) {
  ASSERT_EQ(fetch("warm.zip", {"--config", (dir / "online.json").string()}).exit_code, 0);
  origin.clear_log();
  af_test::write_file(dir / "offline.json", R"({"offline": true})");
  af_test::EnvList env_offline = kCleanEnv;
  env_offline.emplace_back("ASSETFETCH_OFFLINE", "1");
  struct Way {
    std::string name;
    std::vector<std::string> args;
    af_test::EnvList env;
  };
  for (const Way& w : {Way{"flag", {"--offline"}, kCleanEnv}, Way{"env", {}, env_offline},
                       Way{"config", {"--config", (dir / "offline.json").string()}, kCleanEnv}}) {
    SCOPED_TRACE(w.name);
    auto r = fetch("hit-" + w.name + ".zip", w.args, w.env);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(af_test::read_file(dir / ("hit-" + w.name + ".zip")), data);
  }
  EXPECT_EQ(requests(), 0u);
}

TEST_F(Offline, HttpSourcesAreNotContactedOffline) {
  af_test::write_file(dir / "team.json",
                      Json{{"offline", true}, {"sources", Json::array({{{"url", team.url("/cas/{sha256}")}}})}}.dump());
  auto r = fetch("t.zip", {"--config", (dir / "team.json").string()});
  expect_miss_message(r, "t.zip");
  EXPECT_EQ(requests(), 0u);
}

TEST_F(Offline, FileSourceServesOffline) {
  TempDir mirror;
  af_test::write_file(mirror / "sha256" / hex, data);
  af_test::write_file(dir / "mirror.json",
                      Json{{"sources", Json::array({{{"url", "file://" + mirror.str() + "/sha256/{sha256}"}}})}}.dump());
  auto r = fetch("m.zip", {"--offline", "--config", (dir / "mirror.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(af_test::read_file(dir / "m.zip"), data);
  EXPECT_EQ(requests(), 0u);
}

TEST_F(Offline, MissWithAFileSourceThatLacksItIsStillExit5) {
  TempDir empty_mirror;
  af_test::write_file(dir / "mirror.json",
                      Json{{"sources", Json::array({{{"url", "file://" + empty_mirror.str() + "/{sha256}"}}})}}.dump());
  auto r = fetch("m.zip", {"--offline", "--config", (dir / "mirror.json").string()});
  expect_miss_message(r, "m.zip");
  EXPECT_EQ(requests(), 0u);
}

TEST_F(Offline, SyncMissNamesTheAssetAndHash) {
  Json m{{"assets", Json::array({{{"name", "vendor-sdk"}, {"urls", {origin.url("/sdk-1.2.zip")}}, {"sha256", hex}}})}};
  af_test::write_file(dir / "assets.json", m.dump());
  auto r = af_test::run_process({AF_CLI_PATH, "sync", (dir / "assets.json").string(), "--dest", (dir / "out").string(),
                                 "--offline", "--cache-dir", (dir / "cache").string()},
                                kCleanEnv);
  expect_miss_message(r, "vendor-sdk");
  EXPECT_EQ(requests(), 0u);
  // --json carries the same as an error event with code 5.
  r = af_test::run_process({AF_CLI_PATH, "sync", (dir / "assets.json").string(), "--dest", (dir / "out").string(),
                            "--offline", "--json", "--cache-dir", (dir / "cache").string()},
                           kCleanEnv);
  EXPECT_EQ(r.exit_code, 5);
  bool error_event = false;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    Json j = Json::parse(line);
    if (j["event"] == "error" && j["asset"] == "vendor-sdk") error_event = j["code"] == 5;
  }
  EXPECT_TRUE(error_event) << r.out;
  EXPECT_EQ(requests(), 0u);
}

}  // namespace
