// Many processes, one cache: eight CLI fetches of the same asset at once.
// One downloads; the others wait on the object's lock and reuse the cache.
// The same between the workers of one sync (threads sharing one descriptor
// of the lock file).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "integration_util.h"
#include "test_server.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using af_it::describe;

TEST(Concurrency, EightProcessesOneCacheOneDownload) {
  af_test::TempDir tmp{"af-concurrency"};
  const fs::path cache = tmp / "cache";
  const std::string data = af_test::random_bytes(4u << 20, 41);
  const std::string sha = af_test::sha256_hex(data);
  af_test::TestServer server;
  server.add_file("/asset.bin", data);
  server.set_fault("/asset.bin", af_test::Fault{.throttle_bytes_per_s = 16u << 20});
  const fs::path config = af_it::write_config(tmp / "config.json");

  constexpr int kProcesses = 8;
  std::vector<af_test::ChildProcess> children;
  for (int i = 0; i < kProcesses; ++i) {
    children.push_back(af_test::start_process(
        {af_it::cli_path(), "fetch", server.url("/asset.bin"), "--sha256", sha, "-o",
         (tmp / ("out" + std::to_string(i)) / "asset.bin").string(), "--config", config.string()},
        {{"ASSETFETCH_CACHE_DIR", cache.string()}, {"ASSETFETCH_CONFIG", ""}}));
  }
  for (int i = 0; i < kProcesses; ++i) {
    af_test::ProcessResult r = children[static_cast<std::size_t>(i)].wait(30s);
    EXPECT_EQ(r.exit_code, 0) << "process " << i << ": " << describe(r);
    fs::path out = tmp / ("out" + std::to_string(i)) / "asset.bin";
    ASSERT_TRUE(fs::exists(out)) << out;
    EXPECT_TRUE(af_test::read_file(out) == data) << "wrong bytes in " << out;
  }

  std::size_t gets = 0;
  for (const auto& r : server.requests_for("/asset.bin"))
    if (r.method == "GET") ++gets;
  EXPECT_EQ(gets, 1u) << "the others should have waited for the lock and reused the cache";

  EXPECT_EQ(af_it::files_under(cache / "objects"), std::vector<std::string>{"sha256/" + sha});
  EXPECT_TRUE(af_it::files_under(cache / "partial").empty());
  EXPECT_TRUE(af_it::files_under(cache / "tmp").empty());
  for (const auto& f : af_it::files_under(cache))
    EXPECT_TRUE(f.find(".tmp") == std::string::npos && f.find(".part") == std::string::npos) << f;
  EXPECT_TRUE(af_test::read_file(cache / "objects" / "sha256" / sha) == data);
}

TEST(Concurrency, OneSyncSameObjectFourDestinationsOneDownload) {
  af_test::TempDir tmp{"af-concurrency"};
  const fs::path cache = tmp / "cache";
  const std::string data = af_test::random_bytes(2u << 20, 42);
  const std::string sha = af_test::sha256_hex(data);
  af_test::TestServer server;
  server.add_file("/same.bin", data);
  // Slow enough that all four workers start while the first is downloading.
  server.set_fault("/same.bin", af_test::Fault{.throttle_bytes_per_s = 8u << 20});
  nlohmann::json assets = nlohmann::json::array();
  for (int i = 0; i < 4; ++i)
    assets.push_back({{"name", "copy" + std::to_string(i)},
                      {"urls", {server.url("/same.bin")}},
                      {"sha256", sha},
                      {"destination", "d" + std::to_string(i) + "/same.bin"}});
  af_test::write_file(tmp / "m.json", nlohmann::json{{"assets", assets}}.dump());
  const fs::path config = af_it::write_config(tmp / "config.json");

  auto r = af_it::run_cli({"sync", (tmp / "m.json").string(), "--dest", (tmp / "out").string(), "-j", "4",
                           "--config", config.string()},
                          cache, tmp / "cwd", {}, 60s);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(af_test::read_file(tmp / "out" / ("d" + std::to_string(i)) / "same.bin") == data) << i;
  std::size_t gets = 0;
  for (const auto& q : server.requests_for("/same.bin"))
    if (q.method == "GET") ++gets;
  EXPECT_EQ(gets, 1u) << "the other workers should have waited for the object's lock and reused the cache";
  const auto locks = af_it::files_under(cache / "locks");
  EXPECT_NE(std::find(locks.begin(), locks.end(), "objects.lock"), locks.end());
  for (const auto& f : locks) EXPECT_EQ(f.find(sha), std::string::npos) << f << ": one lock file, not one per object";
  EXPECT_EQ(af_it::files_under(cache / "objects"), std::vector<std::string>{"sha256/" + sha});
}

}  // namespace
