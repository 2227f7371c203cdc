// Leftovers of killed runs are visible and removable (issue 17, part 7): a
// `sync` killed after installing one asset into its destination's temporary
// (<name>.<pid>.<random>.part, named by the job's record) and a `hash` killed
// mid-transfer (its resumable partial download, <cache>/partial/sha256-….part)
// show in `cache list`, and `cache prune` removes them; the temporary of a sync still
// running is listed as running and kept.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "cli_fixture.h"
#include "integration_util.h"
#include "process.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using af_test::TempDir;
using af_test::TestServer;
using Json = nlohmann::json;

// Files directly in `dir` whose name starts with `prefix` and contains ".part".
std::vector<fs::path> parts_in(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind(prefix, 0) == 0 && n.find(".part") != std::string::npos) out.push_back(e.path());
  }
  return out;
}

// Waits (at most ~10 s) until `dir` holds a `prefix…part` file.
std::vector<fs::path> wait_for_parts(const fs::path& dir, const std::string& prefix) {
  for (int i = 0; i < 1000; ++i) {
    auto found = parts_in(dir, prefix);
    if (!found.empty()) return found;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return {};
}

struct Leftovers : af_test::CliTest {
  void SetUp() override {
    CliTest::SetUp();
    origin.add_file("/fast.bin", fast);
    origin.add_file("/slow.bin", slow);
    // The slow asset sends a little, then nothing for a minute: the job never completes.
    af_test::Fault stall;
    stall.stall_after_bytes = 1000;
    stall.stall_ms = 60000;
    origin.set_fault("/slow.bin", stall);
  }
  // A manifest of the fast and the slow asset.
  fs::path manifest() {
    const fs::path p = dir / "two.json";
    Json assets = Json::array();
    assets.push_back({{"name", "fast"}, {"urls", {origin.url("/fast.bin")}}, {"sha256", af_test::sha256_hex(fast)}});
    assets.push_back({{"name", "slow"}, {"urls", {origin.url("/slow.bin")}}, {"sha256", af_test::sha256_hex(slow)}});
    af_test::write_file(p, Json{{"assets", assets}}.dump(2));
    return p;
  }
  // `sync` into `dest` under job `job`, returned once fast.bin's temporary is there.
  af_test::ChildProcess start_sync(const fs::path& dest, const std::string& job, std::vector<fs::path>* temps) {
    af_test::ChildProcess child = af_test::start_process(
        {AF_CLI_PATH, "sync", manifest().string(), "--dest", dest.string(), "--job", job, "-q"},
        {{"ASSETFETCH_CACHE_DIR", cache().string()}, {"ASSETFETCH_CONFIG", ""}});
    *temps = wait_for_parts(dest, "fast.bin.");
    return child;
  }
  af_test::ChildProcess start_hash(std::vector<fs::path>* temps) {
    af_test::ChildProcess child = af_test::start_process(
        {AF_CLI_PATH, "hash", origin.url("/slow.bin"), "-q"},
        {{"ASSETFETCH_CACHE_DIR", cache().string()}, {"ASSETFETCH_CONFIG", ""}});
    // Its resumable partial (FileSpec::resume_key): not the one of the syncs' "slow" asset.
    const std::string syncs = "sha256-" + af_test::sha256_hex(slow) + ".part";
    for (int i = 0; i < 1000 && temps->empty(); ++i) {
      for (const fs::path& p : parts_in(cache() / "partial", "sha256-"))
        if (p.filename() != syncs && p.extension() == ".part") temps->push_back(p);
      if (temps->empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return child;
  }
  af_test::ProcessResult cli(std::vector<std::string> args) const { return cli_cached(std::move(args)); }

  std::string fast = af_test::random_bytes(20000, 7);
  std::string slow = af_test::random_bytes(400000, 8);
};

TEST_F(Leftovers, KilledSyncAndHashAreListedAndPrunedWhileLiveOnesStay) {
  std::vector<fs::path> dead_sync, dead_hash, live_sync;
  {
    af_test::ChildProcess s = start_sync(dir / "dead", "dead", &dead_sync);
    af_test::ChildProcess h = start_hash(&dead_hash);
    ASSERT_EQ(dead_sync.size(), 1u) << "sync never installed fast.bin into its temporary";
    ASSERT_EQ(dead_hash.size(), 1u) << "hash never started its work file";
    ASSERT_TRUE(s.kill(SIGKILL));
    ASSERT_TRUE(h.kill(SIGKILL));
    s.wait(std::chrono::seconds(10));
    h.wait(std::chrono::seconds(10));
  }
  af_test::ChildProcess live = start_sync(dir / "live", "live", &live_sync);
  ASSERT_EQ(live_sync.size(), 1u) << "the live sync never installed fast.bin into its temporary";

  // list: each leftover once, with its owner's state.
  auto r = cli({"cache", "list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  std::map<std::string, Json> temporaries;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    Json j = Json::parse(line);
    if (j["kind"] == "temporary" || j["kind"] == "partial") temporaries[j["path"].get<std::string>()] = j;
  }
  ASSERT_EQ(temporaries.count(dead_sync[0].string()), 1u) << r.out;
  ASSERT_EQ(temporaries.count(dead_hash[0].string()), 1u) << r.out;
  ASSERT_EQ(temporaries.count(live_sync[0].string()), 1u) << r.out;
  EXPECT_FALSE(temporaries[dead_sync[0].string()]["owner_alive"].get<bool>());
  EXPECT_EQ(temporaries[dead_sync[0].string()]["job"], "dead");
  EXPECT_EQ(temporaries[dead_hash[0].string()]["kind"], "partial");
  EXPECT_FALSE(temporaries[dead_hash[0].string()]["in_use"].get<bool>());
  EXPECT_TRUE(temporaries[live_sync[0].string()]["owner_alive"].get<bool>());
  EXPECT_EQ(temporaries[live_sync[0].string()]["job"], "live");
  r = cli({"cache", "list"});
  EXPECT_NE(r.out.find("temporary  " + dead_sync[0].string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("which is gone (`cache prune` removes it); beside a destination of job dead"), std::string::npos)
      << r.out;

  // prune: the dead ones go, the live one stays and its sync still finishes.
  r = cli({"cache", "prune", "--json"});
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  const Json pruned = Json::parse(r.out);
  std::set<std::string> removed;
  for (const auto& p : pruned["removed_temporaries"]) removed.insert(p.get<std::string>());
  EXPECT_EQ(removed.count(dead_sync[0].string()), 1u) << r.out;
  EXPECT_FALSE(fs::exists(dead_sync[0]));
  EXPECT_FALSE(fs::exists(dead_hash[0]));
  EXPECT_TRUE(fs::exists(live_sync[0])) << "a live run's temporary was removed";
  EXPECT_EQ(removed.count(live_sync[0].string()), 0u);

  EXPECT_TRUE(live.running()) << "the live sync ended during the test";
  live.kill(SIGKILL);
  live.wait(std::chrono::seconds(10));
}

}  // namespace
