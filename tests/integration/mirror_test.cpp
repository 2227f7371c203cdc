// `assetfetch mirror MANIFEST --to DIR`: an offline mirror directory indexed
// by sha256 and sha512 (hard links of one blob), idempotent, self-healing,
// and usable by an offline `sync` with no server at all.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

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

af_test::ProcessResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), AF_CLI_PATH);
  return af_test::run_process(args, kCleanEnv);
}

struct Asset {
  std::string name, data;
  bool sha256, sha512;
};

bool same_inode(const fs::path& a, const fs::path& b) {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_ino == sb.st_ino &&
         sa.st_dev == sb.st_dev;
}

struct Mirror : ::testing::Test {
  void SetUp() override {
    af_test::remove_proxy_env();
    assets = {{"only256.bin", af_test::random_bytes(70000, 1), true, false},
              {"only512.bin", af_test::random_bytes(80000, 2), false, true},
              {"both.bin", af_test::random_bytes(90000, 3), true, true}};
    Json list = Json::array();
    for (const auto& a : assets) {
      origin.add_file("/" + a.name, a.data);
      Json j{{"name", a.name}, {"urls", {origin.url("/" + a.name)}}};
      if (a.sha256) j["sha256"] = af_test::sha256_hex(a.data);
      if (a.sha512) j["sha512"] = af_test::sha512_hex(a.data);
      list.push_back(j);
    }
    manifest = dir / "assets.json";
    af_test::write_file(manifest, Json{{"assets", list}}.dump(2));
    config = dir / "af.json";
    af_test::write_file(config, R"({"retry": {"attempts": 1, "backoff_ms": 10}})");
  }
  af_test::ProcessResult mirror(const std::string& cache) {
    return cli({"mirror", manifest.string(), "--to", (dir / "mirror").string(), "--config", config.string(),
                "--cache-dir", (dir / cache).string(), "-j", "4"});
  }
  fs::path blob256(const Asset& a) { return dir / "mirror" / "sha256" / af_test::sha256_hex(a.data); }
  fs::path blob512(const Asset& a) { return dir / "mirror" / "sha512" / af_test::sha512_hex(a.data); }

  TempDir dir;
  TestServer origin;
  std::vector<Asset> assets;
  fs::path manifest, config;
};

TEST_F(Mirror, IndexesEveryAssetUnderBothDigestsAsOneInode) {
  auto r = mirror("cache1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& a : assets) {
    SCOPED_TRACE(a.name);
    EXPECT_EQ(af_test::read_file(blob256(a)), a.data);
    EXPECT_EQ(af_test::read_file(blob512(a)), a.data);
    EXPECT_TRUE(same_inode(blob256(a), blob512(a))) << "hard links, not copies";
  }
  // No leftovers of the fetch next to the index.
  for (const auto& e : fs::directory_iterator(dir / "mirror"))
    EXPECT_TRUE(e.path().filename() == "sha256" || e.path().filename() == "sha512") << e.path();
}

TEST_F(Mirror, SecondRunDownloadsNothing) {
  ASSERT_EQ(mirror("cache1").exit_code, 0);
  const auto before = origin.request_count();
  // A fresh cache: only the mirror's own verification can avoid the download.
  auto r = mirror("cache2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(origin.request_count(), before);
  EXPECT_NE(r.err.find("3 already present"), std::string::npos) << r.err;
}

TEST_F(Mirror, CorruptBlobIsDetectedAndReplaced) {
  ASSERT_EQ(mirror("cache1").exit_code, 0);
  const Asset& victim = assets[0];
  fs::permissions(blob256(victim), fs::perms::owner_write, fs::perm_options::add);
  std::string bad = victim.data;
  bad[100] ^= 0x20;
  {
    // Write in place (same inode: both names now hold the bad bytes).
    std::FILE* f = std::fopen(blob256(victim).c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    std::fwrite(bad.data(), 1, bad.size(), f);
    std::fclose(f);
  }
  origin.clear_log();
  auto r = mirror("cache2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("corrupt"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(blob256(victim).string()), std::string::npos) << r.err;
  EXPECT_EQ(af_test::read_file(blob256(victim)), victim.data);
  EXPECT_EQ(af_test::read_file(blob512(victim)), victim.data);
  EXPECT_TRUE(same_inode(blob256(victim), blob512(victim)));
  ASSERT_EQ(origin.requests().size(), 1u);
  EXPECT_EQ(origin.requests()[0].path, "/" + victim.name);
}

TEST_F(Mirror, MissingSecondIndexIsRestoredWithoutDownload) {
  ASSERT_EQ(mirror("cache1").exit_code, 0);
  fs::remove(blob512(assets[0]));
  origin.clear_log();
  auto r = mirror("cache2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(origin.request_count(), 0u);
  EXPECT_TRUE(same_inode(blob256(assets[0]), blob512(assets[0])));
}

// An index name that is a separate, read-only copy (the mirror's blobs are
// read-only) is relinked to the verified blob: the rename over a read-only
// name that POSIX allows and Windows refuses (under Wine the run failed).
TEST_F(Mirror, AReadOnlyIndexCopyIsRelinkedOverToTheBlob) {
  ASSERT_EQ(mirror("cache1").exit_code, 0);
  const Asset& both = assets[2];
  fs::remove(blob512(both));
  af_test::write_file(blob512(both), both.data);
  fs::permissions(blob512(both), fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  ASSERT_FALSE(same_inode(blob256(both), blob512(both)));
  origin.clear_log();
  auto r = mirror("cache2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(origin.request_count(), 0u);
  EXPECT_TRUE(same_inode(blob256(both), blob512(both)));
  EXPECT_EQ(af_test::read_file(blob512(both)), both.data);
  for (const auto& e : fs::directory_iterator(dir / "mirror" / "sha512"))
    EXPECT_EQ(e.path().filename().string().find(".link.tmp"), std::string::npos) << e.path();
}

TEST_F(Mirror, OfflineSyncFromTheMirrorMakesNoRequest) {
  ASSERT_EQ(mirror("cache1").exit_code, 0);
  origin.clear_log();
  origin.stop();
  fs::path offline_config = dir / "offline.json";
  af_test::write_file(offline_config,
                      Json{{"offline", true},
                           {"sources", Json::array({{{"url", "file://" + (dir / "mirror").string() + "/sha256/{sha256}"}}})}}
                          .dump());
  // The sha256-indexed assets (a sha512-only asset needs a {sha512} source).
  Json list = Json::array();
  for (const auto& a : assets)
    if (a.sha256)
      list.push_back({{"name", a.name}, {"urls", {origin.url("/" + a.name)}}, {"sha256", af_test::sha256_hex(a.data)}});
  fs::path m2 = dir / "air-gapped.json";
  af_test::write_file(m2, Json{{"assets", list}}.dump());
  auto r = cli({"sync", m2.string(), "--dest", (dir / "out").string(), "--config", offline_config.string(),
                "--cache-dir", (dir / "fresh-cache").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& a : assets)
    if (a.sha256) {
      EXPECT_EQ(af_test::read_file(dir / "out" / a.name), a.data);
    }
  origin.start();
  EXPECT_EQ(origin.request_count(), 0u);
}

TEST_F(Mirror, FailedAssetIsReportedAndOthersStillIndexed) {
  origin.remove_file("/both.bin");
  auto r = mirror("cache1");
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("both.bin"), std::string::npos) << r.err;
  EXPECT_EQ(af_test::read_file(blob256(assets[0])), assets[0].data);
  EXPECT_FALSE(fs::exists(blob256(assets[2])));
}

TEST_F(Mirror, BlockOriginNeverContactsTheOrigin) {
  af_test::write_file(config, R"({"retry": {"attempts": 1, "backoff_ms": 10}, "block_origin": true})");
  auto r = mirror("cache1");
  EXPECT_NE(r.exit_code, 0) << r.err;
  EXPECT_EQ(origin.request_count(), 0u);
  EXPECT_FALSE(fs::exists(blob256(assets[0])));
}

TEST_F(Mirror, MissingToIsUsageError) {
  auto r = cli({"mirror", manifest.string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--to"), std::string::npos) << r.err;
  EXPECT_EQ(origin.request_count(), 0u);
}

}  // namespace
