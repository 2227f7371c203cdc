// `assetfetch cache path|list|verify|prune`: against a cache filled by real
// fetches from a TestServer.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cache/object_lock.h"

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

struct CacheCmd : af_test::CliTest {
  void SetUp() override {
    CliTest::SetUp();
    for (int i = 0; i < 3; ++i) {
      data.push_back(af_test::random_bytes(10000 * (i + 1), 40 + i));
      hex.push_back(af_test::sha256_hex(data.back()));
      std::string path = "/a" + std::to_string(i);
      origin.add_file(path, data.back());
      auto r = cli({"fetch", origin.url(path), "--sha256", hex.back(), "-o", (dir / "out" / path.substr(1)).string()});
      EXPECT_EQ(r.exit_code, 0) << r.err;
    }
  }
  af_test::ProcessResult cli(std::vector<std::string> args) const { return cli_cached(std::move(args)); }
  fs::path object(int i) const { return cache() / "objects" / "sha256" / hex[i]; }
  std::string sha_key(int i) const { return "sha256-" + hex[i]; }
  fs::path stamp(int i) const { return cache() / "stamps" / "sha256" / hex[i]; }
  // Last use = stamp mtime (Cache::touch), or the object's own for an object
  // too small to carry a stamp; `age_s` seconds ago.
  void used_ago(int i, int age_s) {
    const fs::path mark = fs::exists(stamp(i)) ? stamp(i) : object(i);
    fs::last_write_time(mark, fs::file_time_type::clock::now() - std::chrono::seconds(age_s));
  }
  void corrupt(int i) {
    fs::permissions(object(i), fs::perms::owner_write, fs::perm_options::add);
    std::string bad = data[i];
    bad[5] ^= 1;
    af_test::write_file(object(i), bad);
  }

  std::vector<std::string> data, hex;
};

TEST_F(CacheCmd, PathPrintsTheCacheDir) {
  auto r = cli({"cache", "path"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, cache().string() + "\n");
  // Precedence: --cache-dir over $ASSETFETCH_CACHE_DIR; the variable over the default.
  r = af_test::run_process({AF_CLI_PATH, "cache", "path"}, {{"ASSETFETCH_CACHE_DIR", "/tmp/af-env-cache"}, {"ASSETFETCH_CONFIG", ""}});
  EXPECT_EQ(r.out, "/tmp/af-env-cache\n");
}

TEST_F(CacheCmd, ListShowsObjectsAndPartials) {
  af_test::write_file(cache() / "partial" / ("sha256-" + std::string(64, 'a') + ".part"), std::string(1234, 'x'));
  auto r = cli({"cache", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int i = 0; i < 3; ++i) {
    auto line_at = r.out.find(hex[i]);
    ASSERT_NE(line_at, std::string::npos) << r.out;
    std::string line = r.out.substr(line_at, r.out.find('\n', line_at) - line_at);
    EXPECT_NE(line.find(std::to_string(data[i].size()) + " bytes"), std::string::npos) << line;
    EXPECT_NE(line.find("last used 20"), std::string::npos) << line;
  }
  EXPECT_NE(r.out.find("partial  sha256-aaaa"), std::string::npos) << r.out;

  used_ago(1, 3600);
  r = cli({"cache", "list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  int objects = 0, partials = 0;
  while (std::getline(lines, line)) {
    Json j = Json::parse(line);
    if (j["kind"] == "lock") continue;  // one per fetched object, free
    if (j["kind"] == "partial") {
      ++partials;
      EXPECT_EQ(j["size"], 1234);
      continue;
    }
    ++objects;
    EXPECT_EQ(j["algo"], "sha256");
    auto i = std::find(hex.begin(), hex.end(), j["hex"].get<std::string>()) - hex.begin();
    ASSERT_LT(i, 3);
    EXPECT_EQ(j["size"], data[i].size());
    auto age = std::time(nullptr) - j["last_use_unix"].get<std::time_t>();
    if (i == 1) EXPECT_NEAR(static_cast<double>(age), 3600, 60);
    else EXPECT_LT(age, 300);
  }
  EXPECT_EQ(objects, 3);
  EXPECT_EQ(partials, 1);
}

TEST_F(CacheCmd, VerifyPassesOnAnIntactCache) {
  auto r = cli({"cache", "verify"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("3 objects verified"), std::string::npos) << r.err;
}

TEST_F(CacheCmd, VerifyRemovesCorruptObjectsAndNamesThem) {
  corrupt(2);
  auto r = cli({"cache", "verify"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(object(2).string()), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(object(2)));
  EXPECT_FALSE(fs::exists(stamp(2)));
  EXPECT_TRUE(fs::exists(object(0)));
  EXPECT_TRUE(fs::exists(object(1)));
  r = cli({"cache", "verify"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(CacheCmd, PruneRemovesLeastRecentlyUsedUntilUnderMaxSize) {
  used_ago(0, 300);   // 10000 bytes, used most recently of the old ones
  used_ago(1, 7200);  // 20000 bytes, least recently used
  used_ago(2, 10);    // 30000 bytes
  // 60000 in all; a 45000-byte budget removes only the least recently used one.
  auto r = cli({"cache", "prune", "--max-size", "45000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(object(0)));
  EXPECT_FALSE(fs::exists(object(1)));
  EXPECT_FALSE(fs::exists(stamp(1)));
  EXPECT_TRUE(fs::exists(object(2)));
  // K suffix is 1024: 30K = 30720 >= 30000 keeps object 2 only.
  r = cli({"cache", "prune", "--max-size", "30K"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(object(0)));
  EXPECT_TRUE(fs::exists(object(2)));
  // A pruned object is simply fetched again.
  r = cli({"fetch", origin.url("/a1"), "--sha256", hex[1], "-o", (dir / "again").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(af_test::read_file(dir / "again"), data[1]);
}

TEST_F(CacheCmd, PruneSizeSuffixes) {
  auto r = cli({"cache", "prune", "--max-size", "1G"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(fs::exists(object(i)));
  r = cli({"cache", "prune", "--max-size", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(fs::exists(object(i)));
}

TEST_F(CacheCmd, BadMaxSizeIsExit2WithClearMessage) {
  for (const char* bad : {"12Q", "abc", "-5", "", "1.2.3M"}) {
    SCOPED_TRACE(bad);
    auto r = cli({"cache", "prune", "--max-size", bad});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("--max-size"), std::string::npos) << r.err;
  }
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(fs::exists(object(i)));
}

TEST_F(CacheCmd, PruneRemovesTemporariesOfDeadProcessesOnly) {
  auto dead = af_test::start_process({"true"});
  pid_t dead_pid = dead.pid();
  dead.wait(std::chrono::seconds(10));
  const std::string live = std::to_string(::getpid());
  const fs::path stale_tmp = cache() / "tmp" / ("x." + std::to_string(dead_pid) + ".0.tmp");
  const fs::path live_tmp = cache() / "tmp" / ("y." + live + ".0.tmp");
  const fs::path stale_job_tmp = cache() / "jobs" / ("j." + std::to_string(dead_pid) + ".tmp");
  const fs::path orphan_partial = cache() / "partial" / ("sha256-" + std::string(64, 'b') + ".part");
  const fs::path kept_partial = cache() / "partial" / ("sha256-" + std::string(64, 'c') + ".part");
  // A "no IMDS here" record and the temporary a crashed writer of one left.
  const fs::path imds_record = cache() / "probes" / "imds-0123456789abcdef";
  const fs::path stale_imds_tmp = cache() / "probes" / ("imds-0123456789abcdef." + std::to_string(dead_pid) + "." +
                                                        std::string(16, 'a') + ".tmp");
  for (const auto& p : {stale_tmp, live_tmp, stale_job_tmp, orphan_partial, kept_partial, imds_record, stale_imds_tmp})
    af_test::write_file(p, "x");
  // A job record names the second partial: it stays resumable.
  af_test::write_file(cache() / "jobs" / "j.json",
                      Json{{"name", "j"}, {"state", "transferring"}, {"pid", dead_pid},
                           {"files", {{{"name", "c"}, {"sha256", std::string(64, 'c')}, {"urls", {"http://x/c"}}}}}}
                          .dump());
  auto r = cli({"cache", "prune"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(stale_tmp));
  EXPECT_FALSE(fs::exists(stale_job_tmp));
  EXPECT_FALSE(fs::exists(orphan_partial));
  EXPECT_FALSE(fs::exists(stale_imds_tmp));
  EXPECT_TRUE(fs::exists(imds_record));
  EXPECT_TRUE(fs::exists(live_tmp));
  EXPECT_TRUE(fs::exists(kept_partial));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(fs::exists(object(i))) << "no --max-size: objects stay";
}

// Everything a download leaves in partial/ and locks/ is listed, and prune
// removes what nobody uses: journals and records of orphans, every unheld
// .bad, links (never their targets), and lock files nobody holds.
TEST_F(CacheCmd, ListAndPruneSeePartialFilesLocksAndLinks) {
  const std::string orphan = "sha256-" + std::string(64, 'd'), resumable = "sha256-" + std::string(64, 'e');
  const fs::path partial = cache() / "partial";
  for (const char* ext : {".part", ".json", ".filled", ".part.bad"}) {
    af_test::write_file(partial / (orphan + ext), "x");
    af_test::write_file(partial / (resumable + ext), "x");
  }
  af_test::write_file(cache() / "jobs" / "r.json",
                      Json{{"name", "r"}, {"state", "suspended"}, {"pid", 1},
                           {"files", {{{"name", "e"}, {"sha256", std::string(64, 'e')}, {"urls", {"http://x/e"}}}}}}
                          .dump());
  const fs::path outside = dir / "outside.txt";
  af_test::write_file(outside, "keep me");
  fs::create_symlink(outside, partial / ("sha256-" + std::string(64, 'f') + ".part"));
  fs::create_symlink(outside, cache() / "objects" / "sha256" / std::string(64, 'f'));
  // The download of `resumable` runs (its byte of objects.lock is held); an
  // earlier build's per-object lock file lies unheld beside it.
  const fs::path shared_lock = cache() / "locks" / "objects.lock";
  assetfetch::ObjectLocks downloads(shared_lock);
  assetfetch::ObjectLock holding = downloads.try_lock(assetfetch::Digest{assetfetch::HashAlgorithm::sha256, std::string(64, 'e')});
  ASSERT_TRUE(holding.held());
  const fs::path old_lock = cache() / "locks" / (sha_key(0) + ".lock");
  af_test::write_file(old_lock, "");

  auto r = cli({"cache", "list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, Json> seen;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    Json j = Json::parse(line);
    seen[fs::path(j["path"].get<std::string>()).filename().string()] = j;
  }
  EXPECT_EQ(seen[orphan + ".filled"]["type"], "journal");
  EXPECT_EQ(seen[orphan + ".json"]["type"], "record");
  EXPECT_EQ(seen[orphan + ".part.bad"]["type"], "bad");
  EXPECT_EQ(seen[orphan + ".part"]["in_use"], false);
  EXPECT_EQ(seen[resumable + ".part"]["in_use"], true);
  EXPECT_EQ(seen["sha256-" + std::string(64, 'f') + ".part"]["link"], true);
  EXPECT_EQ(seen["objects.lock"]["kind"], "lock");
  EXPECT_EQ(seen["objects.lock"]["held"], true);
  EXPECT_EQ(seen[sha_key(0) + ".lock"]["held"], false);

  // While its lock is held, nothing of a download goes.
  r = cli({"cache", "prune"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* ext : {".part", ".json", ".filled", ".part.bad"}) {
    EXPECT_FALSE(fs::exists(partial / (orphan + ext))) << ext;
    EXPECT_TRUE(fs::exists(partial / (resumable + ext))) << ext << " (held)";
  }
  EXPECT_TRUE(fs::exists(shared_lock));
  EXPECT_FALSE(fs::exists(old_lock)) << "an earlier build's free lock file goes";
  EXPECT_FALSE(fs::is_symlink(partial / ("sha256-" + std::string(64, 'f') + ".part")));
  EXPECT_FALSE(fs::is_symlink(cache() / "objects" / "sha256" / std::string(64, 'f')));
  EXPECT_EQ(af_test::read_file(outside), "keep me");

  // Released: the resumable download keeps its bytes, record and journal, not its .bad.
  holding.unlock();
  r = cli({"cache", "prune"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* ext : {".part", ".json", ".filled"}) EXPECT_TRUE(fs::exists(partial / (resumable + ext))) << ext;
  EXPECT_FALSE(fs::exists(partial / (resumable + ".part.bad")));
  EXPECT_TRUE(fs::exists(shared_lock)) << "the shared lock file is never removed";
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(fs::exists(object(i)));
}

TEST_F(CacheCmd, LinkedCacheFolderIsAnErrorNamingIt) {
  const fs::path elsewhere = dir / "elsewhere";
  fs::create_directories(elsewhere);
  af_test::write_file(elsewhere / ("sha256-" + std::string(64, 'a') + ".part"), "x");
  fs::remove_all(cache() / "partial");
  fs::create_directory_symlink(elsewhere, cache() / "partial");
  for (const char* action : {"list", "prune", "verify"}) {
    auto r = cli({"cache", action});
    EXPECT_EQ(r.exit_code, 1) << action << ": " << r.err;
    EXPECT_NE(r.err.find((cache() / "partial").string() + " is a symbolic link"), std::string::npos) << r.err;
  }
  EXPECT_TRUE(fs::exists(elsewhere / ("sha256-" + std::string(64, 'a') + ".part")));
}

TEST_F(CacheCmd, UnknownActionIsUsageError) {
  auto r = cli({"cache", "clean"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = cli({"cache", "list", "--max-size", "1M"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("prune"), std::string::npos) << r.err;
}

}  // namespace
