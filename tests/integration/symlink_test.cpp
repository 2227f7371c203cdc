// Symbolic links planted at every temporary and cache path `fetch` uses: the
// link's target (outside the cache and the destination folder) never changes,
// and the run either succeeds without following the link or stops with an
// error that names the path.
#include <gtest/gtest.h>

#include <fstream>

#include "integration_util.h"
#include "test_server.h"

namespace {

namespace fs = std::filesystem;
using af_it::describe;
using af_test::ProcessResult;
using af_test::TestServer;
using namespace std::chrono_literals;

class Symlinks : public ::testing::Test {
 protected:
  af_test::TempDir tmp{"af-symlink"};
  fs::path cache = tmp / "cache";
  fs::path cwd = tmp / "cwd";
  fs::path out = tmp / "out" / "asset.bin";
  fs::path victim_dir = tmp / "victim";
  fs::path victim = victim_dir / "precious.txt";
  TestServer origin;
  std::string data = af_test::random_bytes(300000, 31);  // large enough to keep a resume record
  std::string sha = af_test::sha256_hex(data);
  fs::file_time_type victim_mtime;

  void SetUp() override {
    af_test::remove_proxy_env();
    origin.add_file("/f", data);
    af_test::write_file(victim, "precious\n");
    // An old mtime, so any write would show.
    fs::last_write_time(victim, fs::file_time_type::clock::now() - 1h);
    victim_mtime = fs::last_write_time(victim);
    fs::create_directories(out.parent_path());
  }

  void TearDown() override {
    EXPECT_EQ(af_test::read_file(victim), "precious\n") << "the link's target was written";
    EXPECT_EQ(fs::last_write_time(victim), victim_mtime) << "the link's target was touched";
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(victim_dir)) left.push_back(e.path().filename().string());
    EXPECT_EQ(left, std::vector<std::string>{"precious.txt"}) << "files appeared outside the cache";
  }

  void plant(const fs::path& link, const fs::path& target) {
    fs::create_directories(link.parent_path());
    fs::create_symlink(target, link);
  }

  ProcessResult fetch() {
    return af_it::run_cli({"fetch", origin.url("/f"), "--sha256", sha, "-o", out.string()}, cache, cwd, {}, 60s);
  }

  // Either a clean success (regular file, right bytes) or an error naming `path`.
  void expect_safe_outcome(const ProcessResult& r, const fs::path& path) {
    if (r.exit_code == 0) {
      EXPECT_FALSE(fs::is_symlink(out)) << describe(r);
      EXPECT_TRUE(af_test::read_file(out) == data) << describe(r);
    } else {
      EXPECT_EQ(r.exit_code, 1) << describe(r);
      EXPECT_NE(r.err.find(path.string()), std::string::npos) << describe(r);
      EXPECT_FALSE(fs::exists(out)) << describe(r);
    }
  }

  fs::path key_path(const char* dir, const char* ext) const {
    return cache / dir / ("sha256-" + sha + ext);
  }
};

TEST_F(Symlinks, CachePartialIsRefusedNotFollowed) {
  const fs::path part = key_path("partial", ".part");
  plant(part, victim);
  auto r = fetch();
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  expect_safe_outcome(r, part);
  EXPECT_FALSE(fs::exists(cache / "objects" / "sha256" / sha)) << "a link was renamed into objects/";
}

TEST_F(Symlinks, CachePartialRecordIsRefused) {
  const fs::path meta = key_path("partial", ".json");
  plant(meta, victim);
  auto r = fetch();
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  expect_safe_outcome(r, meta);
}

TEST_F(Symlinks, SharedLockFileIsRefused) {
  const fs::path lock = cache / "locks" / "objects.lock";
  plant(lock, victim);
  auto r = fetch();
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  expect_safe_outcome(r, lock);
  EXPECT_NE(r.err.find("symbolic link"), std::string::npos) << r.err;
  EXPECT_EQ(origin.request_count(), 0u) << "refused before any download";
  EXPECT_FALSE(fs::exists(key_path("partial", ".part"))) << "nothing written";
  EXPECT_FALSE(fs::exists(cache / "objects" / "sha256" / sha)) << "nothing written";
}

TEST_F(Symlinks, LinkedCacheFoldersAreRefused) {
  for (const char* dir : {"tmp", "objects", "partial", "locks", "objects/sha256", "jobs", "installed"}) {
    SCOPED_TRACE(dir);
    fs::remove_all(cache);
    plant(cache / dir, victim_dir);
    auto r = fetch();
    EXPECT_EQ(r.exit_code, 1) << describe(r);
    expect_safe_outcome(r, cache / dir);
    EXPECT_NE(r.err.find("symbolic link"), std::string::npos) << r.err;
  }
}

TEST_F(Symlinks, ObjectThatIsALinkIsNeverServed) {
  // Even a link to the right bytes: the cache holds files, not pointers.
  af_test::write_file(victim_dir / "copy.bin", data);
  fs::last_write_time(victim_dir / "copy.bin", victim_mtime);
  const fs::path obj = cache / "objects" / "sha256" / sha;
  plant(obj, victim);
  auto r = fetch();
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  expect_safe_outcome(r, obj);
  fs::remove(victim_dir / "copy.bin");

  // `cache verify` removes the link (not its target), and the next fetch works.
  auto v = af_it::run_cli({"cache", "verify"}, cache, cwd);
  EXPECT_EQ(v.exit_code, 1) << describe(v);
  EXPECT_FALSE(fs::is_symlink(obj));
  r = fetch();
  expect_safe_outcome(r, obj);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
}

TEST_F(Symlinks, DestinationTemporariesAreNeverFollowed) {
  // Links at every name an older run would have used for the temporary
  // (<dest>.<pid>.part for the pids about to be handed out), and at the
  // destination itself.
  int next_pid = 0;
  std::ifstream("/proc/sys/kernel/ns_last_pid") >> next_pid;
  for (int pid = next_pid; pid < next_pid + 200; ++pid)
    plant(out.parent_path() / ("asset.bin." + std::to_string(pid) + ".part"), victim);
  plant(out.parent_path() / "asset.bin.part", victim);
  plant(out, victim);
  auto r = fetch();
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  expect_safe_outcome(r, out);

  // The same from a cache hit (installed by copy) and with --no-cache.
  fs::remove(out);
  plant(out, victim);
  r = fetch();
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  expect_safe_outcome(r, out);
  fs::remove(out);
  plant(out, victim);
  r = af_it::run_cli({"fetch", origin.url("/f"), "--sha256", sha, "-o", out.string(), "--no-cache"}, cache, cwd, {},
                     60s);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  expect_safe_outcome(r, out);
}

TEST_F(Symlinks, UnwritableLockStillServesACacheHit) {
  // Fill the cache, then make the lock file impossible to open (a directory
  // at its name stands in for a read-only cache, which root would not notice).
  auto r = fetch();
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  fs::remove(out);
  const fs::path lock = cache / "locks" / "objects.lock";
  fs::remove(lock);
  fs::create_directories(lock);
  origin.clear_log();
  r = fetch();
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(af_test::read_file(out) == data);
  EXPECT_EQ(origin.request_count(), 0u) << "served from the cache";

  // A miss still needs the lock: a clear error, not a download outside it.
  fs::remove_all(cache / "objects");
  fs::remove(out);
  r = fetch();
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find(lock.string()), std::string::npos) << describe(r);
}

}  // namespace
