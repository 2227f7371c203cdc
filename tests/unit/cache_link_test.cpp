// Cache::linking: a new name for an object (a hardlinked install, the second
// digest's name) keeps its stamp, so the next hit does not read the whole
// object again; a write through such a name is still caught.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cache/cache.h"
#include "cache/install.h"
#include "test_util.h"

namespace assetfetch {
namespace {

namespace fs = std::filesystem;

// rw-r--r--: what a user who makes an object or destination writable sets
// (on Windows: clears the read-only attribute).
constexpr fs::perms kWritable =
    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read;

// Bytes this process has read so far (/proc/self/io rchar): a re-hash of an
// object reads all of it.
std::uint64_t bytes_read() {
  std::ifstream in("/proc/self/io");
  std::string key;
  std::uint64_t value = 0;
  while (in >> key >> value)
    if (key == "rchar:") return value;
  return 0;
}

struct Stored {
  std::string bytes;
  Digest d;
};

Stored store(Cache& cache, std::size_t size, std::uint32_t seed, const std::optional<Digest>& also = std::nullopt) {
  Stored s{af_test::random_bytes(size, seed), {}};
  s.d = {HashAlgorithm::sha256, af_test::sha256_hex(s.bytes)};
  fs::create_directories(cache.tmp_dir());
  af_test::write_file(cache.tmp_dir() / "incoming", s.bytes);
  cache.adopt(cache.tmp_dir() / "incoming", s.d, also);
  return s;
}

// Bytes read by one lookup that must be a hit.
std::uint64_t read_by_hit(Cache& cache, const Digest& d) {
  const std::uint64_t before = bytes_read();
  EXPECT_EQ(cache.lookup(d), Cache::Lookup::hit);
  return bytes_read() - before;
}

constexpr std::size_t kSize = 4u << 20;

TEST(CacheLinking, AHardlinkedInstallKeepsTheStamp) {
  af_test::TempDir dir;
  Cache cache(dir / "cache");
  const Stored s = store(cache, kSize, 1);
  ASSERT_LT(read_by_hit(cache, s.d), kSize / 2) << "a fresh object is stamped";
  cache.linking(s.d, [&] { hardlink_readonly(cache.object_path(s.d), dir / "dest"); });
  EXPECT_LT(read_by_hit(cache, s.d), kSize / 2) << "the hit after a hardlinked install re-read the object";
  EXPECT_EQ(af_test::read_file(dir / "dest"), s.bytes);
}

TEST(CacheLinking, ALinkMadeWithoutItIsReHashedOnce) {
  // The control: what linking() prevents (ctime moved, so the stamp is stale).
  af_test::TempDir dir;
  Cache cache(dir / "cache");
  const Stored s = store(cache, kSize, 2);
  hardlink_readonly(cache.object_path(s.d), dir / "dest");
  EXPECT_GE(read_by_hit(cache, s.d), kSize) << "expected a re-hash after an unannounced link";
  EXPECT_LT(read_by_hit(cache, s.d), kSize / 2) << "and a fresh stamp after it";
}

TEST(CacheLinking, BothDigestsOfAnObjectStayStamped) {
  af_test::TempDir dir;
  Cache cache(dir / "cache");
  const std::string bytes = af_test::random_bytes(kSize, 3);
  const Digest also{HashAlgorithm::sha512, af_test::sha512_hex(bytes)};
  const Stored s = store(cache, kSize, 3, also);
  EXPECT_LT(read_by_hit(cache, s.d), kSize / 2) << "the second name made the first one's stamp stale";
  EXPECT_LT(read_by_hit(cache, also), kSize / 2);
}

TEST(CacheLinking, AWriteThroughTheLinkIsStillCaught) {
  af_test::TempDir dir;
  Cache cache(dir / "cache");
  const Stored s = store(cache, kSize, 4);
  cache.linking(s.d, [&] { hardlink_readonly(cache.object_path(s.d), dir / "dest"); });
  fs::permissions(dir / "dest", kWritable);  // a user who makes the installed file writable
  {
    std::fstream f(dir / "dest", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put(static_cast<char>(s.bytes[100] ^ 1));
  }
  EXPECT_EQ(cache.lookup(s.d), Cache::Lookup::healed);
  EXPECT_FALSE(fs::exists(cache.object_path(s.d)));
}

TEST(CacheLinking, AWriteDuringTheLinkIsNeverStamped) {
  af_test::TempDir dir;
  Cache cache(dir / "cache");
  const Stored s = store(cache, kSize, 5);
  const fs::path obj = cache.object_path(s.d);
  cache.linking(s.d, [&] {
    hardlink_readonly(obj, dir / "dest");
    fs::permissions(obj, kWritable);
    std::fstream f(obj, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(7);
    f.put(static_cast<char>(s.bytes[7] ^ 1));
  });
  EXPECT_EQ(cache.lookup(s.d), Cache::Lookup::healed) << "a write beside the link was stamped as good";
}

}  // namespace
}  // namespace assetfetch
