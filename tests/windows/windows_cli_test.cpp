// What a Windows user's paths look like, through the CLI: folders with
// spaces and non-ASCII names, destinations past 260 characters, a file://
// mirror on a drive letter, and vcpkg's x-script {dst} written with
// backslashes and spaces. Built into the Linux integration suite: against the
// Linux CLI the portable parts run (spaces, non-ASCII, long paths); against
// assetfetch.exe under Wine (scripts/windows/cli-test.sh sets AF_TEST_CLI)
// the Windows spellings run too. Wine maps drive Z: to /, so Z:\tmp\x is
// /tmp/x for the test's own checks.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "../integration/integration_util.h"
#include "test_server.h"

namespace {

namespace fs = std::filesystem;
using af_it::describe;
using Json = nlohmann::json;

bool windows_cli() {
  const char* cli = std::getenv("AF_TEST_CLI");
  return cli != nullptr && *cli != '\0';
}

// /tmp/a b/c as Wine's Windows program sees it: Z:\tmp\a b\c.
std::string drive_z(const fs::path& p) {
  std::string s = "Z:" + p.string();
  for (char& c : s)
    if (c == '/') c = '\\';
  return s;
}

// A folder name with a space, Latin accents, Greek and a CJK character
// (UTF-8 here, UTF-16 at the Windows API).
const std::string kNonAscii = "d\xC3\xA9p\xC3\xB4t \xCE\xB1\xCE\xB2 \xE6\xBC\xA2";

struct WindowsCli : af_test::CliTest {
  const std::string data = af_test::random_bytes(300000, 91);
  const std::string sha = af_test::sha256_hex(data);
  void SetUp() override {
    CliTest::SetUp();
    origin.add_file("/tool 1.0.zip", data);
  }
};

// Fetches into `first`, then (a cache hit) into a path past 260 characters
// (MAX_PATH) below `root`; one request in all.
void fetch_twice(const af_test::CliTest& t, const fs::path& root, const fs::path& first,
                 const std::string& sha, const std::string& data) {
  fs::path deep = root;
  for (int i = 0; deep.string().size() <= 300; ++i) deep /= "level " + std::to_string(i) + " " + std::string(20, 'x');
  const fs::path second = deep / "tool.zip";
  ASSERT_GT(second.string().size(), 260u);
  const fs::path cache = root / "cache dir";
  auto r = t.cli({"fetch", t.origin.url("/tool%201.0.zip"), "--sha256", sha, "-o", first.string(), "--cache-dir",
                  cache.string()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(af_test::read_file(first), data);
  r = t.cli({"fetch", t.origin.url("/tool%201.0.zip"), "--sha256", sha, "-o", second.string(), "--cache-dir",
             cache.string()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(af_test::read_file(second), data);
  EXPECT_EQ(t.origin.requests_for("/tool 1.0.zip").size(), 1u) << "the second fetch is a cache hit";
}

TEST_F(WindowsCli, SpacesAndPathsPast260CharactersHoldTheBytes) {
  const fs::path root = dir / "with space";
  fetch_twice(*this, root, root / "out dir" / "tool 1.0.zip", sha, data);
}

TEST_F(WindowsCli, NonAsciiFolderAndFileNamesHoldTheBytes) {
  const fs::path root = dir / ("with space " + kNonAscii);
  fetch_twice(*this, root, root / "out" / ("tool " + kNonAscii + ".zip"), sha, data);
}

TEST_F(WindowsCli, AFileMirrorOnADriveLetterServesOffline) {
  if (!windows_cli()) GTEST_SKIP() << "a drive letter in a file:// URL is Windows' spelling (cli-test.sh)";
  const fs::path mirror = dir / "mirror";
  af_test::write_file(mirror / "sha256" / sha, data);
  // file:///Z:/tmp/.../sha256/{sha256}: forward slashes, as a URL has them.
  std::string url = drive_z(mirror);
  for (char& c : url)
    if (c == '\\') c = '/';
  af_test::write_file(dir / "mirror.json",
                      Json{{"sources", Json::array({{{"url", "file:///" + url + "/sha256/{sha256}"}}})}}.dump());
  auto r = cli({"fetch", origin.url("/tool%201.0.zip"), "--sha256", sha, "-o", drive_z(dir / "out" / "tool.zip"),
                "--offline", "--config", drive_z(dir / "mirror.json"), "--cache-dir", drive_z(cache())});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(af_test::read_file(dir / "out" / "tool.zip"), data);
  EXPECT_EQ(origin.request_count(), 0u);
}

TEST_F(WindowsCli, XScriptDstWithBackslashesAndSpaces) {
  if (!windows_cli()) GTEST_SKIP() << "a backslash separates folders on Windows only (cli-test.sh)";
  // vcpkg's {dst} on Windows: <downloads>\<name>.<pid>.part, in a folder that
  // may not exist yet, here with spaces in both.
  const std::string sha512 = af_test::sha512_hex(data);
  const fs::path dst = dir / "vcpkg downloads" / "new dir" / "tool 1.0.zip.4242.part";
  auto r = cli({"x-script", "--quiet", "--cache-dir", drive_z(cache()), origin.url("/tool%201.0.zip"), sha512,
                drive_z(dst)});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(af_test::read_file(dst), data);
  EXPECT_EQ(origin.requests_for("/tool 1.0.zip").size(), 1u);
}

}  // namespace
