// The content-addressed cache: paths, lookup, and healing of corrupt objects.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cache/cache.h"
#include "test_util.h"

namespace assetfetch {
namespace {

namespace fs = std::filesystem;

// rw-r--r--: what a user who makes an object or destination writable sets
// (on Windows: clears the read-only attribute).
constexpr fs::perms kWritable =
    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read;

Digest sha256_of(const std::string& bytes) { return {HashAlgorithm::sha256, af_test::sha256_hex(bytes)}; }

// Puts bytes into the store the way a fetch does (verified temp + adopt).
void store(Cache& cache, const std::string& bytes, const Digest& d) {
  fs::create_directories(cache.tmp_dir());
  fs::path tmp = cache.tmp_dir() / "incoming";
  af_test::write_file(tmp, bytes);
  cache.adopt(tmp, d);
}

TEST(CachePaths, Layout) {
  Cache cache("/c");
  Digest d{HashAlgorithm::sha256, std::string(64, 'a')};
  Digest e{HashAlgorithm::sha512, std::string(128, 'b')};
  EXPECT_EQ(cache.object_path(d), fs::path("/c/objects/sha256") / d.hex);
  EXPECT_EQ(cache.object_path(e), fs::path("/c/objects/sha512") / e.hex);
  EXPECT_EQ(cache.partial_path(d), fs::path("/c/partial") / ("sha256-" + d.hex + ".part"));
  EXPECT_EQ(cache.lock_file(), fs::path("/c/locks/objects.lock")) << "one lock file for every object";
  EXPECT_EQ(cache.jobs_dir(), fs::path("/c/jobs"));
  EXPECT_EQ(cache.tmp_dir(), fs::path("/c/tmp"));
}

TEST(CacheLookup, MissThenHitWithExactBytes) {
  af_test::TempDir dir;
  Cache cache(dir.path());
  const std::string bytes = af_test::random_bytes(10000, 1);
  const Digest d = sha256_of(bytes);
  EXPECT_EQ(cache.lookup(d), Cache::Lookup::miss);
  store(cache, bytes, d);
  EXPECT_EQ(cache.lookup(d), Cache::Lookup::hit);
  EXPECT_EQ(af_test::read_file(cache.object_path(d)), bytes);  // exactly the asset's bytes
  EXPECT_FALSE(fs::exists(dir / "tmp" / "incoming"));
}

TEST(CacheLookup, UnstampedObjectIsVerifiedOnUse) {
  af_test::TempDir dir;
  Cache cache(dir.path());
  const std::string bytes = af_test::random_bytes(5000, 2);
  const Digest d = sha256_of(bytes);
  af_test::write_file(cache.object_path(d), bytes);  // e.g. copied in by hand
  EXPECT_EQ(cache.lookup(d), Cache::Lookup::hit);
  af_test::write_file(cache.object_path(d), "not the bytes");
  EXPECT_EQ(cache.lookup(d), Cache::Lookup::healed);
  EXPECT_FALSE(fs::exists(cache.object_path(d)));
}

TEST(CacheLookup, FlippedByteIsHealedAndRemoved) {
  af_test::TempDir dir;
  Cache cache(dir.path());
  const std::string bytes = af_test::random_bytes(70000, 3);
  const Digest d = sha256_of(bytes);
  store(cache, bytes, d);
  ASSERT_EQ(cache.lookup(d), Cache::Lookup::hit);
  fs::path obj = cache.object_path(d);
  fs::permissions(obj, kWritable);
  {
    std::fstream f(obj, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(12345);
    char c = static_cast<char>(bytes[12345] ^ 0x01);
    f.write(&c, 1);
  }
  ASSERT_EQ(fs::file_size(obj), bytes.size());
  EXPECT_EQ(cache.lookup(d), Cache::Lookup::healed);
  EXPECT_FALSE(fs::exists(obj));
  EXPECT_EQ(cache.lookup(d), Cache::Lookup::miss);
  // A fresh store after healing is a hit again.
  store(cache, bytes, d);
  EXPECT_EQ(cache.lookup(d), Cache::Lookup::hit);
}

TEST(CacheLookup, TruncationIsHealedAndRemoved) {
  af_test::TempDir dir;
  Cache cache(dir.path());
  const std::string bytes = af_test::random_bytes(70000, 4);
  const Digest d = sha256_of(bytes);
  store(cache, bytes, d);
  fs::path obj = cache.object_path(d);
  fs::permissions(obj, kWritable);
  fs::resize_file(obj, 100);
  EXPECT_EQ(cache.lookup(d), Cache::Lookup::healed);
  EXPECT_FALSE(fs::exists(obj));
}

TEST(CacheStamps, SmallObjectsCarryNoStampAndAreCheckedOnEveryUse) {
  af_test::TempDir dir;
  Cache cache(dir.path());
  const std::string small = af_test::random_bytes(Cache::kUnstampedBelow - 1, 5);
  const std::string large = af_test::random_bytes(Cache::kUnstampedBelow, 6);
  const Digest ds = sha256_of(small), dl = sha256_of(large);
  store(cache, small, ds);
  store(cache, large, dl);
  EXPECT_FALSE(fs::exists(dir / "stamps" / "sha256" / ds.hex));
  EXPECT_TRUE(fs::exists(dir / "stamps" / "sha256" / dl.hex));
  ASSERT_EQ(cache.lookup(ds), Cache::Lookup::hit);
  EXPECT_FALSE(fs::exists(dir / "stamps" / "sha256" / ds.hex)) << "a hit does not stamp it either";

  // Use is recorded on the object itself (what `cache prune` orders by).
  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(5);
  fs::last_write_time(cache.object_path(ds), old);
  cache.touch(ds);
  EXPECT_GT(fs::last_write_time(cache.object_path(ds)), old + std::chrono::hours(4));

  // Without a stamp, a changed byte is caught at the next use.
  fs::path obj = cache.object_path(ds);
  fs::permissions(obj, kWritable);
  std::string bad = small;
  bad[100] ^= 1;
  af_test::write_file(obj, bad);
  EXPECT_EQ(cache.lookup(ds), Cache::Lookup::healed);
  EXPECT_FALSE(fs::exists(obj));
}

TEST(CachePartial, MetaRoundTripAndRemoval) {
  af_test::TempDir dir;
  Cache cache(dir.path());
  Digest d{HashAlgorithm::sha256, std::string(64, 'c')};
  EXPECT_FALSE(cache.read_partial_meta(d).has_value());
  af_test::write_file(cache.partial_path(d), "abc");
  PartialMeta m;
  m.remote_size = 1234;
  m.remote_size_known = true;
  m.etag = "\"e\"";
  m.last_modified = "Tue, 01 Jan 2030 00:00:00 GMT";
  cache.write_partial_meta(d, m);
  auto got = cache.read_partial_meta(d);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->remote_size, 1234u);
  EXPECT_TRUE(got->remote_size_known);
  EXPECT_EQ(got->etag, m.etag);
  EXPECT_EQ(got->last_modified, m.last_modified);
  cache.remove_partial(d);
  EXPECT_FALSE(fs::exists(cache.partial_path(d)));
  EXPECT_FALSE(cache.read_partial_meta(d).has_value());
}


// The one-call paths (issue 19: a lookup that misses is one lstat, a missing
// partial record one open) still refuse what check_entry refused.
TEST(CacheLinks, ALinkedObjectOrPartialRecordIsRefused) {
  af_test::TempDir dir;
  Cache cache(dir.path());
  const std::string bytes = af_test::random_bytes(3000, 9);
  const Digest d = sha256_of(bytes);
  af_test::write_file(dir / "outside", bytes);
  fs::create_directories(cache.object_path(d).parent_path());
  fs::create_symlink(dir / "outside", cache.object_path(d));
  EXPECT_THROW(cache.lookup(d), UnsafeCache);
  fs::path record = cache.partial_path(d);
  record.replace_extension(".json");
  fs::create_directories(record.parent_path());
  af_test::write_file(dir / "record", R"({"remote_size_known": true, "remote_size": 3000})");
  fs::create_symlink(dir / "record", record);
  EXPECT_THROW(cache.read_partial_meta(d), UnsafeCache);
  fs::remove(record);
  fs::create_directory(record);
  EXPECT_THROW(cache.read_partial_meta(d), UnsafeCache) << "a folder at the record's name";
}

// adopt() renames before it creates objects/<algo>: the first object of a
// cache, and one after `cache prune` removed the folder, still go in.
TEST(CacheAdopt, CreatesTheObjectFolderWhenItIsMissing) {
  af_test::TempDir dir;
  Cache cache(dir.path());
  const std::string a = af_test::random_bytes(2000, 10), b = af_test::random_bytes(70000, 11);
  store(cache, a, sha256_of(a));
  EXPECT_EQ(cache.lookup(sha256_of(a)), Cache::Lookup::hit);
  fs::remove_all(dir / "objects");
  store(cache, b, sha256_of(b));
  EXPECT_EQ(af_test::read_file(cache.object_path(sha256_of(b))), b);
  EXPECT_TRUE(fs::exists(cache.stamp_path(sha256_of(b)))) << "64 KiB and up are stamped";
  EXPECT_FALSE(fs::exists(cache.stamp_path(sha256_of(a))));
}

}  // namespace
}  // namespace assetfetch
