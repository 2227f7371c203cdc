// A body whose size nothing declares is bounded by the disk too: it stops
// before the filesystem it is written to goes under the free-space floor
// (config "min_free_space"), as a local failure that tries no other mirror
// (another mirror's body would fill the same disk). Run as root, the cache
// is a 64 MiB tmpfs with the default floor; otherwise the floor is set just
// under what the test's filesystem has free (AF_NO_TMPFS=1 forces that way
// as root), so at most some tens of MiB are written either way.
#include <sys/mount.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "integration_util.h"
#include "test_server.h"
#include "transfer/free_space.h"

namespace {

namespace fs = std::filesystem;
using af_it::describe;
using af_test::Fault;
using af_test::TestServer;
using namespace std::chrono_literals;

// A small tmpfs at `dir` while it lives (root only; otherwise mounted() is false).
class SmallTmpfs {
 public:
  SmallTmpfs(const fs::path& dir, std::uint64_t bytes) : dir_(dir) {
    fs::create_directories(dir);
    const std::string size = "size=" + std::to_string(bytes);
    mounted_ = !std::getenv("AF_NO_TMPFS") && ::geteuid() == 0 && ::mount("tmpfs", dir.c_str(), "tmpfs", 0, size.c_str()) == 0;
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;
  bool mounted() const { return mounted_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
};

class DiskFloor : public ::testing::Test {
 protected:
  af_test::TempDir tmp{"af-floor"};
  fs::path cache = tmp / "cache";
  fs::path cwd = tmp / "cwd";
  fs::path out_dir = tmp / "out";
  fs::path out = out_dir / "asset.bin";
  SmallTmpfs tmpfs{cache, std::uint64_t{64} << 20};  // unmounted before tmp is removed
  TestServer endless, other;
  std::string data = af_test::random_bytes(100000, 31);
  std::string sha = af_test::sha256_hex(data);

  // With the tmpfs: the default floor (5% of 64 MiB). Without it: a floor
  // 24 MiB under what is free now, so the body stops after about 8 MiB
  // (the transfer keeps 16 MiB of headroom above the floor).
  fs::path config() {
    std::string json = R"({"retry": {"attempts": 1, "backoff_ms": 10})";
    if (!tmpfs.mounted()) {
      fs::create_directories(cache);
      const auto space = assetfetch::free_space(cache);
      EXPECT_TRUE(space.has_value());
      const std::uint64_t floor = space->available - std::min<std::uint64_t>(space->available, 24u << 20);
      json += R"(, "min_free_space": )" + std::to_string(floor);
    }
    af_test::write_file(tmp / "config.json", json + "}");
    return tmp / "config.json";
  }

  std::uintmax_t largest_file_under(const fs::path& dir) const {
    std::uintmax_t most = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file(ec)) most = std::max(most, it->file_size(ec));
    return most;
  }
};

TEST_F(DiskFloor, EndlessBodyWithNoSizeStopsAtTheFloorAndTriesNoOtherMirror) {
  endless.add_file("/f", data);
  endless.set_fault("/f", Fault{.ignore_range = true, .endless = true});  // 200, chunked, never ends
  other.add_file("/f", data);
  other.set_fault("/f", Fault{.ignore_range = true, .endless = true});
  const auto started = std::chrono::steady_clock::now();
  auto r = af_it::run_cli({"fetch", endless.url("/f"), other.url("/f"), "--sha256", sha, "-o", out.string(),
                           "--config", config().string()},
                          cache, cwd, {}, 60s);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << "a local failure\n" << describe(r);
  EXPECT_NE(r.err.find("stopped after receiving "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bytes from " + endless.url("/f")), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(min_free_space)"), std::string::npos) << r.err;
  EXPECT_TRUE(other.requests_for("/f").empty()) << "the disk is the limit, not the mirror: no failover";
  EXPECT_EQ(endless.requests_for("/f").size(), 1u);
  // Nothing delivered, and the space is given back (the partial is removed).
  EXPECT_FALSE(fs::exists(out));
  EXPECT_LT(largest_file_under(cache), 1u << 20);
  // Bounded: it stopped near the floor, well short of filling anything.
  EXPECT_LT(endless.body_bytes_sent("/f"), std::size_t{64 + 32} << 20);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
}

TEST_F(DiskFloor, AnnouncedLengthThatWouldCrossTheFloorIsRefusedBeforeWriting) {
  // 40 MiB announced, with at most 24 MiB above the floor: refused at its
  // first byte, before anything is written.
  const std::string big = af_test::random_bytes(40u << 20, 32);
  endless.add_file("/big", big);
  auto cfg = config();
  if (tmpfs.mounted()) {
    // 30 MiB left free on the tmpfs, whose floor is 3.2 MiB.
    af_test::write_file(cache / "filler", std::string(34u << 20, 'f'));
  }
  auto r = af_it::run_cli({"fetch", endless.url("/big"), "--sha256", af_test::sha256_hex(big), "-o", out.string(),
                           "--config", cfg.string()},
                          cache, cwd, {}, 60s);
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("announces 41943040 bytes, more than fit above the free-space floor"), std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_LT(largest_file_under(cache / "partial"), 1u << 20);
}

TEST_F(DiskFloor, HashOfAnEndlessBodyStopsAtTheFloorToo) {
  endless.add_file("/f", data);
  endless.set_fault("/f", Fault{.ignore_range = true, .endless = true});
  auto r = af_it::run_cli({"hash", endless.url("/f"), "--config", config().string()}, cache, cwd, {}, 60s);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("(min_free_space)"), std::string::npos) << r.err;
  EXPECT_LT(largest_file_under(cache), 1u << 20);
}

}  // namespace
