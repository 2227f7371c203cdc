// What a Windows user's paths look like, through the CLI: folders with
// spaces and non-ASCII names, destinations past 260 characters, a file://
// mirror on a drive letter, and vcpkg's x-script {dst} written with
// backslashes and spaces. Built into the Linux integration suite: against the
// Linux CLI the portable parts run (spaces, non-ASCII, long paths); against
// assetfetch.exe under Wine (scripts/windows/cli-test.sh sets AF_TEST_CLI)
// the Windows spellings run too. Wine maps drive Z: to /, so Z:\tmp\x is
// /tmp/x for the test's own checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

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

// The names in `folder`, byte for byte, sorted: what the program wrote (a
// name mangled through the Windows ANSI code page differs from the UTF-8).
std::vector<std::string> names_in(const fs::path& folder) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
    out.push_back(it->path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

using Names = std::vector<std::string>;

// A file:// URL of `p` as the program's OS spells it: file:///Z:/tmp/...
// under Wine, file:///tmp/... on Linux; every byte but [A-Za-z0-9-._~/]
// percent-encoded (a space as %20, UTF-8 bytes as %C3%A9...).
std::string file_url(const fs::path& p) {
  std::string out = windows_cli() ? "file:///Z:" : "file://";
  static const char kHex[] = "0123456789ABCDEF";
  for (const char ch : p.string()) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~' || c == '/') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Whether `p` is gone, waiting up to 2 s. Under Wine the wineserver may
// close a finished process's handles a moment after the process is gone, and
// a file deleted while a handle is open goes with the last one; on Linux the
// first look holds.
bool gone_soon(const fs::path& p) {
  for (int i = 0; i < 40 && fs::exists(p); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return !fs::exists(p);
}

// A folder below `root` whose path is past 300 characters (MAX_PATH is 260).
fs::path deep_below(const fs::path& root) {
  fs::path deep = root;
  for (int i = 0; deep.string().size() <= 300; ++i) deep /= "level " + std::to_string(i) + " " + std::string(20, 'x');
  return deep;
}

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
  const fs::path second = deep_below(root) / "tool.zip";
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

TEST_F(WindowsCli, NonAsciiDestinationAndCacheFolderAreWrittenAtTheirUtf8Names) {
  const std::string file = "tool " + kNonAscii + ".zip", cache_name = "cache " + kNonAscii;
  auto r = cli({"fetch", origin.url("/tool%201.0.zip"), "--sha256", sha, "-o", (dir / "out" / file).string(),
                "--cache-dir", (dir / cache_name).string()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(names_in(dir.path()), (Names{cache_name, "out"}));
  EXPECT_EQ(names_in(dir / "out"), Names{file});
  EXPECT_EQ(af_test::read_file(dir / "out" / file), data);
  EXPECT_EQ(names_in(dir / cache_name / "objects" / "sha256"), Names{sha});
  // The same cache named by ASSETFETCH_CACHE_DIR (Windows: the environment
  // is UTF-16, read as UTF-8): a hit, no second request, no second folder.
  r = af_test::run_process({AF_CLI_PATH, "fetch", origin.url("/tool%201.0.zip"), "--sha256", sha, "-o",
                            (dir / "out" / ("again " + file)).string()},
                           {{"ASSETFETCH_CONFIG", ""}, {"ASSETFETCH_OFFLINE", ""},
                            {"ASSETFETCH_CACHE_DIR", (dir / cache_name).string()}});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(names_in(dir.path()), (Names{cache_name, "out"}));
  EXPECT_EQ(names_in(dir / "out"), (Names{"again " + file, file}));
  EXPECT_EQ(origin.requests_for("/tool 1.0.zip").size(), 1u) << "the second fetch is a cache hit";
}

TEST_F(WindowsCli, NonAsciiManifestPathAndDestinationsAreWrittenAtTheirUtf8Names) {
  const std::string manifest = "manifest " + kNonAscii + ".json", dest = "dest " + kNonAscii,
                    sub = "sub " + kNonAscii, file = "tool " + kNonAscii + ".zip";
  af_test::write_file(dir / manifest,
                      Json{{"assets", Json::array({{{"name", "tool"},
                                                    {"urls", {origin.url("/tool%201.0.zip")}},
                                                    {"sha256", sha},
                                                    {"destination", sub + "/" + file}}})}}
                          .dump());
  auto r = cli({"sync", (dir / manifest).string(), "--dest", (dir / dest).string(), "--cache-dir",
                cache().string()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(names_in(dir / dest), Names{sub});
  EXPECT_EQ(names_in(dir / dest / sub), Names{file});
  EXPECT_EQ(af_test::read_file(dir / dest / sub / file), data);
}

TEST_F(WindowsCli, MirrorInANonAsciiFolderPrintsAFileUrlThatServesOffline) {
  const std::string mirror = "mirror " + kNonAscii, file = "tool " + kNonAscii + ".zip";
  af_test::write_file(dir / "assets.json",
                      Json{{"assets", Json::array({{{"name", "tool.zip"},
                                                    {"urls", {origin.url("/tool%201.0.zip")}},
                                                    {"sha256", sha}}})}}
                          .dump());
  auto r = cli({"mirror", (dir / "assets.json").string(), "--to", (dir / mirror).string(), "--cache-dir",
                cache().string()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  // Only the index: the .incoming folder (read-only blobs) is gone.
  EXPECT_EQ(names_in(dir / mirror), (Names{"sha256", "sha512"}));
  EXPECT_EQ(names_in(dir / mirror / "sha256"), Names{sha});
  // The hint names a URL: file:///Z:/... under Windows, percent-encoded.
  const std::string before = "{\"url\": \"";
  const auto at = r.err.find(before);
  ASSERT_NE(at, std::string::npos) << describe(r);
  const auto end = r.err.find('"', at + before.size());
  ASSERT_NE(end, std::string::npos) << describe(r);
  const std::string url = r.err.substr(at + before.size(), end - at - before.size());
  EXPECT_EQ(url.rfind(windows_cli() ? "file:///Z:/" : "file:///", 0), 0u) << url;
  EXPECT_EQ(url.find_first_of("\\ "), std::string::npos) << url;
  EXPECT_NE(url.find("/mirror%20d%C3%A9p%C3%B4t%20%CE%B1%CE%B2%20%E6%BC%A2/sha256/{sha256}"), std::string::npos) << url;
  // That URL as the only source, in a config at a non-ASCII path, offline
  // with an empty cache: the bytes come from the mirror.
  const std::string config = "config " + kNonAscii + ".json";
  af_test::write_file(dir / config, Json{{"sources", Json::array({{{"url", url}}})}}.dump());
  origin.clear_log();
  r = cli({"fetch", origin.url("/tool%201.0.zip"), "--sha256", sha, "-o", (dir / "out" / file).string(), "--offline",
           "--config", (dir / config).string(), "--cache-dir", (dir / "cache 2").string()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(names_in(dir / "out"), Names{file});
  EXPECT_EQ(af_test::read_file(dir / "out" / file), data);
  EXPECT_EQ(origin.request_count(), 0u);
}

// mirror --to file:///...: the URL's path percent-decoded (a space, a
// non-ASCII folder) and, under Wine, a drive letter (file:///Z:/...). It was
// taken as written: a folder named "mirror%20d%C3%A9p..." (or "/Z:/...").
TEST_F(WindowsCli, MirrorToAFileUrlWritesIntoTheDecodedFolder) {
  const std::string mirror = "mirror " + kNonAscii;
  af_test::write_file(dir / "assets.json",
                      Json{{"assets", Json::array({{{"name", "tool.zip"},
                                                    {"urls", {origin.url("/tool%201.0.zip")}},
                                                    {"sha256", sha}}})}}
                          .dump());
  const std::string url = file_url(dir / mirror);
  ASSERT_NE(url.find("/mirror%20d%C3%A9p%C3%B4t%20"), std::string::npos) << url;
  auto r = cli({"mirror", (dir / "assets.json").string(), "--to", url, "--cache-dir", cache().string()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(names_in(dir.path()), (Names{"assets.json", "cache", mirror}));
  EXPECT_EQ(names_in(dir / mirror), (Names{"sha256", "sha512"}));
  EXPECT_EQ(af_test::read_file(dir / mirror / "sha256" / sha), data);
}

// A host other than localhost names another machine: refused before anything
// is written; as a fetch's source, the reason is the error. (On Windows that URL names a share, \\host\share: not tried
// here, no traffic leaves the loopback.)
TEST_F(WindowsCli, MirrorToAFileUrlOfAnotherHostIsRefusedWithTheFix) {
  if (windows_cli()) GTEST_SKIP() << "file://host/share/... is a UNC share on Windows";
  af_test::write_file(dir / "assets.json",
                      Json{{"assets", Json::array({{{"name", "tool.zip"},
                                                    {"urls", {origin.url("/tool%201.0.zip")}},
                                                    {"sha256", sha}}})}}
                          .dump());
  for (const std::string to : {"file://mirror.example/srv/mirror", "file://"}) {
    SCOPED_TRACE(to);
    auto r = cli({"mirror", (dir / "assets.json").string(), "--to", to, "--cache-dir", cache().string()});
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_NE(r.err.find("--to " + to), std::string::npos) << describe(r);
    EXPECT_NE(r.err.find(to == "file://" ? "file:///PATH" : "mount its share"), std::string::npos) << describe(r);
  }
  EXPECT_EQ(names_in(dir.path()), Names{"assets.json"});
  // The same URL as a source: the reason, not "cannot read ''".
  auto r = cli({"fetch", "file://mirror.example/srv/tool.zip", "--sha256", sha, "-o", (dir / "out.zip").string(),
                "--cache-dir", cache().string()});
  EXPECT_NE(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("names another machine; mount its share"), std::string::npos) << describe(r);
  EXPECT_FALSE(fs::exists(dir / "out.zip"));
  EXPECT_EQ(origin.request_count(), 0u);
}

// A mirror folder past 260 characters: the .incoming folder (read-only
// blobs) is removed after the run. Under Wine, std::filesystem::remove_all
// listed the current folder there and left it behind.
TEST_F(WindowsCli, MirrorInAFolderPast260CharactersLeavesOnlyTheIndex) {
  af_test::write_file(dir / "assets.json",
                      Json{{"assets", Json::array({{{"name", "tool.zip"},
                                                    {"urls", {origin.url("/tool%201.0.zip")}},
                                                    {"sha256", sha}}})}}
                          .dump());
  const fs::path mirror = deep_below(dir / ("mirror " + kNonAscii));
  ASSERT_GT(mirror.string().size(), 260u);
  auto r = cli({"mirror", (dir / "assets.json").string(), "--to", mirror.string(), "--cache-dir", cache().string()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(names_in(mirror), (Names{"sha256", "sha512"}));
  EXPECT_EQ(af_test::read_file(mirror / "sha256" / sha), data);
}

// cache list, verify and prune on a cache folder past 260 characters. Under
// Wine, mingw-w64's std::filesystem::directory_iterator listed the current
// folder there: no objects listed, nothing verified or pruned.
TEST_F(WindowsCli, CacheCommandsSeeACacheFolderPast260Characters) {
  const fs::path cache_dir = deep_below(dir / ("cache " + kNonAscii));
  const fs::path object = cache_dir / "objects" / "sha256" / sha;
  ASSERT_GT(object.string().size(), 260u);
  auto r = cli({"fetch", origin.url("/tool%201.0.zip"), "--sha256", sha, "-o", (dir / "out.zip").string(),
                "--cache-dir", cache_dir.string()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  ASSERT_EQ(af_test::read_file(object), data);

  r = cli({"cache", "list", "--json", "--cache-dir", cache_dir.string()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("\"hex\":\"" + sha + "\""), std::string::npos) << describe(r);

  r = cli({"cache", "verify", "--cache-dir", cache_dir.string()});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find(": 1 objects verified"), std::string::npos) << describe(r);
  // A corrupt object is found and removed (read-only: Windows needs the
  // attribute cleared).
  fs::permissions(object, fs::perms::owner_write, fs::perm_options::add);
  std::string bad = data;
  bad[7] ^= 1;
  af_test::write_file(object, bad);
  fs::permissions(object, fs::perms::owner_write, fs::perm_options::remove);
  r = cli({"cache", "verify", "--cache-dir", cache_dir.string()});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(gone_soon(object)) << describe(r);

  // Fetched again, then pruned to nothing.
  r = cli({"fetch", origin.url("/tool%201.0.zip"), "--sha256", sha, "-o", (dir / "again.zip").string(),
           "--cache-dir", cache_dir.string()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  ASSERT_TRUE(fs::exists(object));
  r = cli({"cache", "prune", "--max-size", "0", "--cache-dir", cache_dir.string()});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(gone_soon(object)) << describe(r);
}

// ${env:NAME} in a config reads the variable as UTF-8: Windows' getenv()
// gives the ANSI code page, which turned "dépôt αβ 漢" into "d\xE9p\xF4t ?? ?".
TEST_F(WindowsCli, ANonAsciiEnvironmentValueReachesTheServerAsUtf8) {
  origin.add_file("/cas/" + sha, data);
  af_test::write_file(dir / "config.json",
                      Json{{"sources", Json::array({{{"url", origin.url("/cas/{sha256}")},
                                                     {"headers", {{"X-Team", "${env:AF_TEST_TEAM}"}}}}})}}
                          .dump());
  af_test::EnvList env = af_test::kCliCleanEnv;
  env.emplace_back("AF_TEST_TEAM", kNonAscii);
  auto r = af_test::run_process({AF_CLI_PATH, "fetch", origin.url("/tool%201.0.zip"), "--sha256", sha, "-o",
                                 (dir / "out.zip").string(), "--config", (dir / "config.json").string(),
                                 "--cache-dir", cache().string()},
                                env, std::chrono::seconds(30));
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(af_test::read_file(dir / "out.zip"), data);
  const auto requests = origin.requests_for("/cas/" + sha);
  ASSERT_FALSE(requests.empty()) << "the team source comes first";
  const auto it = requests.front().headers.find("X-Team");
  ASSERT_NE(it, requests.front().headers.end());
  EXPECT_EQ(it->second, kNonAscii);
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
