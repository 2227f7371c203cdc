// `assetfetch x-script URL SHA512 DST` run the way vcpkg runs it:
// `/bin/sh -c "<template with {url} {sha512} {dst} substituted>"`, against
// TestServers on 127.0.0.1.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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

// vcpkg's x-script template, with its placeholders substituted as vcpkg does.
af_test::ProcessResult vcpkg_runs(const std::string& options, const std::string& url, const std::string& sha512,
                                  const fs::path& dst) {
  std::string cmd = std::string("'") + AF_CLI_PATH + "' x-script " + options + " '" + url + "' " + sha512 + " '" +
                    dst.string() + "'";
  return af_test::run_process({"/bin/sh", "-c", cmd}, kCleanEnv);
}

af_test::Fault status_fault(int status) {
  af_test::Fault f;
  f.status = status;
  return f;
}

fs::path write_config(const TempDir& dir, Json extra) {
  Json j{{"retry", {{"attempts", 1}, {"backoff_ms", 10}}}};
  for (auto& [k, v] : extra.items()) j[k] = v;
  fs::path p = dir / "af.json";
  af_test::write_file(p, j.dump(2));
  return p;
}

std::string opts(const TempDir& dir, const fs::path& config) {
  return "--quiet --cache-dir '" + (dir / "cache").string() + "' --config '" + config.string() + "'";
}

// vcpkg's {dst}: <target>.<pid>.part in a directory that may not exist yet.
fs::path vcpkg_dst(const TempDir& dir) { return dir / "vcpkg-downloads" / "new-dir" / "zlib-1.3.tar.gz.4242.part"; }

struct XScript : af_test::CliTest {
  const std::string data = af_test::random_bytes(150000, 71);
  const std::string sha512 = af_test::sha512_hex(data);
};

TEST_F(XScript, FetchesIntoDstCreatingItsDirectory) {
  origin.add_file("/zlib.tar.gz", data);
  fs::path dst = vcpkg_dst(dir);
  auto r = vcpkg_runs(opts(dir, write_config(dir, Json::object())), origin.url("/zlib.tar.gz"), sha512, dst);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(af_test::read_file(dst), data);
  // Uppercase hex is accepted too, and a second run is a cache hit.
  std::string upper = sha512;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  fs::path dst2 = dir / "again" / "zlib.tar.gz.4243.part";
  r = vcpkg_runs(opts(dir, write_config(dir, Json::object())), origin.url("/zlib.tar.gz"), upper, dst2);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(af_test::read_file(dst2), data);
  EXPECT_EQ(origin.requests_for("/zlib.tar.gz").size(), 1u);
}

TEST_F(XScript, OverwritesAStaleDst) {
  origin.add_file("/zlib.tar.gz", data);
  fs::path dst = vcpkg_dst(dir);
  af_test::write_file(dst, "left over from an earlier attempt");
  auto r = vcpkg_runs(opts(dir, write_config(dir, Json::object())), origin.url("/zlib.tar.gz"), sha512, dst);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(af_test::read_file(dst), data);
}

TEST_F(XScript, WrongHashFailsAndLeavesNoDst) {
  origin.add_file("/zlib.tar.gz", data);
  fs::path dst = vcpkg_dst(dir);
  af_test::write_file(dst, "stale");
  auto r = vcpkg_runs(opts(dir, write_config(dir, Json::object())), origin.url("/zlib.tar.gz"),
                      af_test::sha512_hex("other bytes"), dst);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_FALSE(fs::exists(dst));
  EXPECT_NE(r.err.find("zlib.tar.gz"), std::string::npos) << r.err;
}

TEST_F(XScript, MalformedHashIsBadInput) {
  fs::path dst = vcpkg_dst(dir);
  auto r = vcpkg_runs(opts(dir, write_config(dir, Json::object())), origin.url("/zlib.tar.gz"), "abc123", dst);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("SHA512"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dst));
  EXPECT_EQ(origin.request_count(), 0u);
}

TEST_F(XScript, OriginMissingButFileSourceHasTheObject) {
  TempDir cas;
  af_test::write_file(cas / sha512, data);
  Json sources = Json::array({{{"url", "file://" + cas.str() + "/{sha512}"}}});
  fs::path dst = vcpkg_dst(dir);
  auto r = vcpkg_runs(opts(dir, write_config(dir, {{"sources", sources}})), origin.url("/gone.tar.gz"), sha512, dst);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(af_test::read_file(dst), data);
  EXPECT_EQ(origin.request_count(), 0u) << "a content-addressed source comes before the origin";
}

TEST_F(XScript, OriginFailsThenHttpSourceServes) {
  TestServer team;
  team.add_file("/cas/" + sha512, data);
  Json sources = Json::array({{{"url", team.url("/cas/{sha512}")}}});
  // The source is first in the candidate list; it is missing the first time...
  team.remove_file("/cas/" + sha512);
  origin.set_fault("/zlib.tar.gz", status_fault(404));
  fs::path dst = vcpkg_dst(dir);
  fs::path config = write_config(dir, {{"sources", sources}});
  auto r = vcpkg_runs(opts(dir, config), origin.url("/zlib.tar.gz"), sha512, dst);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_FALSE(fs::exists(dst));
  // ...and serves once the team cache has it, with the origin still 404.
  team.add_file("/cas/" + sha512, data);
  r = vcpkg_runs(opts(dir, config), origin.url("/zlib.tar.gz"), sha512, dst);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(af_test::read_file(dst), data);
}

TEST_F(XScript, VcpkgAzurlSourceServesFromPrefixSlashSha512) {
  TestServer cache;
  cache.add_file("/cache/" + sha512, data);
  origin.set_fault("/zlib.tar.gz", status_fault(404));
  fs::path dst = vcpkg_dst(dir);
  Json extra{{"vcpkg_asset_sources", "clear;x-azurl," + cache.url("/cache") + ",,read"}};
  auto r = vcpkg_runs(opts(dir, write_config(dir, extra)), origin.url("/zlib.tar.gz"), sha512, dst);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(af_test::read_file(dst), data);
  ASSERT_EQ(cache.requests_for("/cache/" + sha512).size(), 1u);
}

TEST_F(XScript, VcpkgBlockOriginNeverContactsTheOrigin) {
  TestServer cache;
  cache.add_file("/cache/" + sha512, data);
  origin.add_file("/zlib.tar.gz", data);
  fs::path dst = vcpkg_dst(dir);
  Json extra{{"vcpkg_asset_sources", "x-azurl," + cache.url("/cache") + ",,read;x-block-origin"}};
  fs::path config = write_config(dir, extra);
  auto r = vcpkg_runs(opts(dir, config), origin.url("/zlib.tar.gz"), sha512, dst);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(af_test::read_file(dst), data);
  // The azurl cache loses it: still no origin request, and DST is not left behind.
  cache.remove_file("/cache/" + sha512);
  fs::path dst2 = dir / "other" / "zlib.tar.gz.99.part";
  r = vcpkg_runs("--no-cache " + opts(dir, config), origin.url("/zlib.tar.gz"), sha512, dst2);
  EXPECT_NE(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(dst2));
  EXPECT_EQ(origin.request_count(), 0u);
}

TEST_F(XScript, BlockOriginWithNoSourceIsExit5FromCacheOnly) {
  origin.add_file("/zlib.tar.gz", data);
  fs::path dst = vcpkg_dst(dir);
  fs::path config = write_config(dir, {{"vcpkg_asset_sources", "x-block-origin"}});
  auto r = vcpkg_runs(opts(dir, config), origin.url("/zlib.tar.gz"), sha512, dst);
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_FALSE(fs::exists(dst));
  EXPECT_EQ(origin.request_count(), 0u);
  EXPECT_NE(r.err.find(sha512), std::string::npos) << r.err;
  // Once the cache has it (fetched without the block), the blocked run succeeds from it.
  r = vcpkg_runs(opts(dir, write_config(dir, Json::object())), origin.url("/zlib.tar.gz"), sha512, dst);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  config = write_config(dir, {{"vcpkg_asset_sources", "x-block-origin"}});
  fs::path dst2 = dir / "blocked" / "zlib.tar.gz.7.part";
  r = vcpkg_runs(opts(dir, config), origin.url("/zlib.tar.gz"), sha512, dst2);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(af_test::read_file(dst2), data);
  EXPECT_EQ(origin.request_count(), 1u);
}

}  // namespace
