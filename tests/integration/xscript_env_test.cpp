// vcpkg's origin policy reaches `assetfetch x-script` through the
// environment: with x-block-origin in X_VCPKG_ASSET_SOURCES, {url} is never
// contacted and a miss is the usual offline exit (issue 10).
#include <gtest/gtest.h>

#include "integration_util.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;

struct XScriptEnvironment : ::testing::Test {
  void SetUp() override {
    af_test::remove_proxy_env();
    origin.add_file("/zlib.tar.gz", data);
  }
  af_test::ProcessResult xscript(const std::string& sources) {
    return af_it::run_cli({"x-script", origin.url("/zlib.tar.gz"), hex, (dir / "dl" / "zlib.tar.gz.123.part").string()},
                          dir / "cache", dir.path(), {{"X_VCPKG_ASSET_SOURCES", sources}});
  }
  af_test::TempDir dir;
  af_test::TestServer origin;
  const std::string data = af_test::random_bytes(40000, 9);
  const std::string hex = af_test::sha512_hex(data);
};

TEST_F(XScriptEnvironment, BlockOriginMeansTheUrlIsNeverContactedAndAMissExits5) {
  auto r = xscript("x-script,assetfetch x-script {url} {sha512} {dst};x-block-origin");
  EXPECT_EQ(r.exit_code, 5) << af_it::describe(r);
  EXPECT_NE(r.err.find("origin blocked"), std::string::npos) << r.err;
  EXPECT_TRUE(origin.requests().empty()) << "the origin was contacted";
  EXPECT_FALSE(fs::exists(dir / "dl" / "zlib.tar.gz.123.part"));
}

TEST_F(XScriptEnvironment, WithoutBlockOriginTheUrlIsFetched) {
  auto r = xscript("x-script,assetfetch x-script {url} {sha512} {dst}");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(af_test::read_file(dir / "dl" / "zlib.tar.gz.123.part"), data);
  EXPECT_EQ(origin.requests_for("/zlib.tar.gz").size(), 1u);

  // Now cached: blocked origin or not, the cache serves it without a request.
  origin.clear_log();
  r = xscript("x-script,assetfetch x-script {url} {sha512} {dst};x-block-origin");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_TRUE(origin.requests().empty());
}

// vcpkg's `clear` resets everything before it, x-block-origin included.
TEST_F(XScriptEnvironment, ClearAfterBlockOriginUnblocks) {
  auto r = xscript("x-block-origin;clear;x-script,assetfetch x-script {url} {sha512} {dst}");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(af_test::read_file(dir / "dl" / "zlib.tar.gz.123.part"), data);
  EXPECT_EQ(origin.requests_for("/zlib.tar.gz").size(), 1u);
}

TEST_F(XScriptEnvironment, BlockOriginAfterClearStillBlocks) {
  auto r = xscript("clear;x-block-origin;x-script,assetfetch x-script {url} {sha512} {dst}");
  EXPECT_EQ(r.exit_code, 5) << af_it::describe(r);
  EXPECT_TRUE(origin.requests().empty()) << "the origin was contacted";
  EXPECT_FALSE(fs::exists(dir / "dl" / "zlib.tar.gz.123.part"));
}

// vcpkg's --x-asset-sources=x-block-origin is not in the script's
// environment: the template's --block-origin carries it.
TEST_F(XScriptEnvironment, BlockOriginFlagBlocksWithoutTheEnvironment) {
  auto r = af_it::run_cli({"x-script", "--block-origin", origin.url("/zlib.tar.gz"), hex,
                           (dir / "dl" / "zlib.tar.gz.7.part").string()},
                          dir / "cache", dir.path(), {});
  EXPECT_EQ(r.exit_code, 5) << af_it::describe(r);
  EXPECT_NE(r.err.find("--block-origin"), std::string::npos) << r.err;
  EXPECT_TRUE(origin.requests().empty()) << "the origin was contacted";
  EXPECT_FALSE(fs::exists(dir / "dl" / "zlib.tar.gz.7.part"));
}

TEST_F(XScriptEnvironment, AMalformedStringIsBadInput) {
  auto r = xscript("x-azurl");
  EXPECT_EQ(r.exit_code, 2) << af_it::describe(r);
  EXPECT_NE(r.err.find("X_VCPKG_ASSET_SOURCES"), std::string::npos) << r.err;
  EXPECT_TRUE(origin.requests().empty());
}

}  // namespace
