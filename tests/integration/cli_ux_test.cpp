// What a user of the CLI sees (issue 11): `hash` to learn a new asset's
// digest, the digest of a --no-verify fetch, progress lines when stderr is
// not a terminal, error headlines that lead with a mismatch, `sync
// --list-outputs`, `mirror` never naming its working directory, and --help
// pages with examples.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "integration_util.h"
#include "process.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using af_it::describe;
using af_test::TempDir;
using af_test::TestServer;
using Json = nlohmann::json;

struct CliUx : af_test::CliTest {
  void SetUp() override {
    CliTest::SetUp();
    af_it::write_config(config, 1);
  }
  af_test::ProcessResult run(std::vector<std::string> args) {
    args.insert(args.end(), {"--config", config.string()});
    return af_it::run_cli(args, cache(), dir.path());
  }
  std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (line.find(needle) != std::string::npos) out.push_back(line);
    return out;
  }

  fs::path config = dir.path() / "af.json";
};

TEST_F(CliUx, HashPrintsTheDigestAndKeepsTheBytesInTheCache) {
  const std::string data = af_test::random_bytes(123457, 7);
  origin.add_file("/new.tar.gz", data);
  auto r = run({"hash", origin.url("/new.tar.gz")});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const std::string hex = af_test::sha256_hex(data);
  EXPECT_EQ(r.out, hex + "\n");
  EXPECT_NE(r.err.find("sha256 " + hex), std::string::npos) << r.err;
  ASSERT_TRUE(fs::exists(cache() / "objects" / "sha256" / hex)) << describe(r);
  EXPECT_TRUE(af_test::read_file(cache() / "objects" / "sha256" / hex) == data);
  EXPECT_TRUE(af_it::files_under(cache() / "tmp").empty()) << "a working file was left in the cache";

  // The first real fetch with that hash is a cache hit: no request.
  const auto before = origin.request_count();
  auto f = run({"fetch", origin.url("/new.tar.gz"), "--sha256", hex, "-o", (dir.path() / "out.tgz").string()});
  ASSERT_EQ(f.exit_code, 0) << describe(f);
  EXPECT_EQ(origin.request_count(), before);
  EXPECT_TRUE(af_test::read_file(dir.path() / "out.tgz") == data);
}

TEST_F(CliUx, HashJsonIsAManifestEntryThatSyncAccepts) {
  const std::string data = af_test::random_bytes(5000, 8);
  origin.add_file("/sdk.bin", data);
  // The first URL fails over to the second, as for fetch.
  auto r = run({"hash", origin.url("/missing.bin"), origin.url("/sdk.bin"), "--sha512", "--name", "sdk", "--json"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  Json entry = Json::parse(r.out);
  EXPECT_EQ(entry["name"], "sdk");
  EXPECT_EQ(entry["urls"], Json::array({origin.url("/missing.bin"), origin.url("/sdk.bin")}));
  EXPECT_EQ(entry["sha512"], af_test::sha512_hex(data));
  EXPECT_EQ(entry["size"], data.size());
  EXPECT_FALSE(entry.contains("sha256"));

  af_test::write_file(dir.path() / "assets.json", Json{{"assets", Json::array({entry})}}.dump());
  auto s = run({"sync", (dir.path() / "assets.json").string(), "--dest", (dir.path() / "out").string()});
  ASSERT_EQ(s.exit_code, 0) << describe(s);
  EXPECT_TRUE(af_test::read_file(dir.path() / "out" / "missing.bin") == data);
}

TEST_F(CliUx, HashOfAnUnreachableAssetFailsAndLeavesNothing) {
  auto r = run({"hash", origin.url("/nope.bin")});
  EXPECT_EQ(r.exit_code, 4) << describe(r);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(af_it::files_under(cache() / "objects").empty());
  EXPECT_TRUE(af_it::files_under(cache() / "tmp").empty());
  auto bad = run({"hash", origin.url("/x"), "--name", "a b"});
  EXPECT_EQ(bad.exit_code, 2) << describe(bad);
  EXPECT_NE(bad.err.find("--name"), std::string::npos) << bad.err;
}

TEST_F(CliUx, NoVerifyFetchPrintsTheDigest) {
  const std::string data = "unpinned bytes";
  origin.add_file("/u.bin", data);
  auto r = run({"fetch", origin.url("/u.bin"), "--no-verify", "-o", (dir.path() / "u.bin").string()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("sha256 " + af_test::sha256_hex(data)), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--sha256 " + af_test::sha256_hex(data)), std::string::npos) << r.err;
}

TEST_F(CliUx, ProgressLinesWhenStderrIsNotATerminal) {
  const std::string data = af_test::random_bytes(400000, 9);
  origin.add_file("/slow.bin", data);
  af_test::Fault slow;
  slow.throttle_bytes_per_s = 100000;  // about 4 s
  origin.set_fault("/slow.bin", slow);
  origin.add_file("/fast.bin", "fast");
  const auto start = std::chrono::steady_clock::now();
  auto r = run({"fetch", origin.url("/slow.bin"), "--sha256", af_test::sha256_hex(data), "-o",
                (dir.path() / "slow.bin").string()});
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  auto lines = lines_with(r.err, "progress:");
  ASSERT_FALSE(lines.empty()) << r.err;
  // The documented format, and no more than one line per 2 s of transfer.
  const std::regex format(R"(assetfetch: progress: slow\.bin [0-9.]+ (B|KiB|MiB)/390\.6 KiB \(\d+%\) [0-9.]+ (B|KiB|MiB)/s)");
  for (const auto& l : lines) EXPECT_TRUE(std::regex_match(l, format)) << l;
  EXPECT_LE(static_cast<double>(lines.size()), secs / 2 + 1) << r.err;

  // --quiet: none; a short transfer: none.
  origin.set_fault("/slow.bin", slow);
  auto q = run({"fetch", origin.url("/slow.bin"), "--sha256", af_test::sha256_hex(data), "-o",
                (dir.path() / "q.bin").string(), "--quiet", "--no-cache"});
  ASSERT_EQ(q.exit_code, 0) << describe(q);
  EXPECT_TRUE(lines_with(q.err, "progress:").empty()) << q.err;
  auto f = run({"fetch", origin.url("/fast.bin"), "--sha256", af_test::sha256_hex("fast"), "-o",
                (dir.path() / "fast.bin").string()});
  ASSERT_EQ(f.exit_code, 0) << describe(f);
  EXPECT_TRUE(lines_with(f.err, "progress:").empty()) << f.err;
}

TEST_F(CliUx, MismatchLeadsTheErrorOverALaterDeadMirror) {
  const std::string data = af_test::random_bytes(3000, 10);
  origin.add_file("/blob.bin", data);
  TestServer dead;
  const std::string dead_url = dead.url("/blob.bin");
  dead.stop();
  auto r = run({"fetch", origin.url("/blob.bin"), dead_url, "--sha256", af_test::sha256_hex("other bytes"), "-o",
                (dir.path() / "blob.bin").string()});
  EXPECT_EQ(r.exit_code, 3) << describe(r);
  auto errors = lines_with(r.err, "error:");
  ASSERT_EQ(errors.size(), 1u) << r.err;
  EXPECT_NE(errors[0].find(origin.url("/blob.bin") + " served bytes that do not match: hash mismatch"),
            std::string::npos)
      << errors[0];
  EXPECT_NE(errors[0].find("got " + af_test::sha256_hex(data)), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("(last: " + dead_url), std::string::npos) << errors[0];
  EXPECT_FALSE(fs::exists(dir.path() / "blob.bin"));
}

TEST_F(CliUx, SyncListOutputsFetchesNothing) {
  Json m{{"assets", Json::array({Json{{"name", "a"}, {"urls", {origin.url("/d/a%20b.bin")}},
                                      {"sha256", af_test::sha256_hex("x")}},
                                 Json{{"name", "c"}, {"urls", {origin.url("/c.bin")}},
                                      {"sha256", af_test::sha256_hex("y")}, {"destination", "sub/c.dat"}}})}};
  af_test::write_file(dir.path() / "assets.json", m.dump());
  const fs::path out = dir.path() / "out";
  auto r = run({"sync", (dir.path() / "assets.json").string(), "--dest", out.string(), "--list-outputs"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, (out / "a b.bin").string() + "\n" + (out / "sub" / "c.dat").string() + "\n");
  auto j = run({"sync", (dir.path() / "assets.json").string(), "--dest", out.string(), "--list-outputs", "--json"});
  ASSERT_EQ(j.exit_code, 0) << describe(j);
  Json first = Json::parse(j.out.substr(0, j.out.find('\n')));
  EXPECT_EQ(first, (Json{{"event", "output"}, {"asset", "a"}, {"path", (out / "a b.bin").string()}}));
  EXPECT_EQ(origin.request_count(), 0u);
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(CliUx, MirrorNeverNamesItsWorkingDirectory) {
  origin.add_file("/m.bin", "mirror me");
  Json m{{"assets", Json::array({Json{{"name", "m"}, {"urls", {origin.url("/m.bin")}},
                                      {"sha256", af_test::sha256_hex("mirror me")}}})}};
  af_test::write_file(dir.path() / "assets.json", m.dump());
  for (const char* mode : {"", "--json", "-v"}) {
    std::vector<std::string> args{"mirror", (dir.path() / "assets.json").string(), "--to",
                                  (dir.path() / (std::string("mirror") + mode)).string(), "--no-cache"};
    if (*mode) args.push_back(mode);
    auto r = run(args);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(r.out.find(".incoming"), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(".incoming"), std::string::npos) << r.err;
    if (std::string(mode).empty()) {
      EXPECT_NE(r.err.find("sha256/" + af_test::sha256_hex("mirror me")), std::string::npos) << r.err;
    }
  }
}

TEST_F(CliUx, EveryHelpPageHasExamplesAndCheckListsNoDownloadFailures) {
  for (const char* cmd : {"fetch", "sync", "hash", "check", "mirror", "x-script", "cache", "job"}) {
    auto r = af_it::run_cli({cmd, "--help"}, cache(), dir.path());
    EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << describe(r);
    EXPECT_NE(r.out.find("Examples:\n  assetfetch "), std::string::npos) << cmd << "\n" << r.out;
    EXPECT_NE(r.out.find("Exit codes:"), std::string::npos) << cmd;
  }
  auto check = af_it::run_cli({"check", "--help"}, cache(), dir.path());
  for (const char* download_failure : {"hash mismatch", "unreachable", "offline", "interrupted"})
    EXPECT_EQ(check.out.find(download_failure), std::string::npos) << download_failure << "\n" << check.out;
}

}  // namespace
