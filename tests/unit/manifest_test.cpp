// The manifest loader: accept/reject tables asserting file, pointer and fix.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/config.h"
#include "config_test_support.h"

using af_config_test::error_of;
using af_config_test::ScratchDir;
using namespace assetfetch;

namespace {

const std::string kSha256(64, 'a');
const std::string kSha512(128, 'b');

// One asset with `fields` spliced into a valid skeleton.
std::string one_asset(const std::string& fields) {
  return R"({"assets": [{"name": "zlib", "urls": ["https://origin.example/zlib-1.3.tar.gz"], )" +
         fields + "}]}";
}
std::string with_hash(const std::string& fields) {
  return one_asset("\"sha256\": \"" + kSha256 + "\"" + (fields.empty() ? "" : ", " + fields));
}

std::string manifest_error(const std::string& json) {
  return error_of([&] { parse_manifest(json, "m.json"); });
}

struct RejectCase {
  const char* label;
  std::string json;
  std::vector<std::string> parts;
};

}  // namespace

TEST(Manifest, RejectsWithFilePointerAndFix) {
  const std::string asset2 =
      R"(, {"name": "zlib", "urls": ["https://b.example/z.tgz"], "sha256": ")" + kSha256 + "\"}";
  const std::vector<RejectCase> cases = {
      {"no assets", R"({"asets": []})", {"m.json: /asets: unknown key \"asets\"; did you mean \"assets\"?"}},
      {"assets missing", "{}", {"m.json: (root): missing \"assets\""}},
      {"assets not array", R"({"assets": {}})", {"m.json: /assets: expected an array [...], got an object"}},
      {"asset not object", R"({"assets": [1]})", {"m.json: /assets/0: expected an object {...}, got an integer"}},
      {"unknown asset key", with_hash(R"("sha265": "x")"),
       {"m.json: /assets/0/sha265: unknown key \"sha265\"; did you mean \"sha256\"?"}},
      {"missing name", R"({"assets": [{"urls": ["https://a.example/x"], "sha256": ")" + kSha256 + "\"}]}",
       {"m.json: /assets/0: missing \"name\""}},
      {"bad name", R"({"assets": [{"name": "zlib 1.3", "urls": ["https://a.example/x"], "sha256": ")" + kSha256 + "\"}]}",
       {"m.json: /assets/0/name: \"zlib 1.3\" is not a valid asset name; use letters, digits, '_', '.' and '-' only"}},
      {"empty name", R"({"assets": [{"name": "", "urls": ["https://a.example/x"], "sha256": ")" + kSha256 + "\"}]}",
       {"m.json: /assets/0/name: \"\" is not a valid asset name"}},
      {"duplicate name", with_hash("").substr(0, with_hash("").size() - 2) + asset2 + "]}",
       {"m.json: /assets/1/name: duplicate asset name \"zlib\" (also /assets/0); names must be unique"}},
      {"missing urls", R"({"assets": [{"name": "z", "sha256": ")" + kSha256 + "\"}]}",
       {"m.json: /assets/0: missing \"urls\""}},
      {"empty urls", R"({"assets": [{"name": "z", "urls": [], "sha256": ")" + kSha256 + "\"}]}",
       {"m.json: /assets/0/urls: must list at least one URL, origin first"}},
      {"url not string", R"({"assets": [{"name": "z", "urls": [7], "sha256": ")" + kSha256 + "\"}]}",
       {"m.json: /assets/0/urls/0: expected a string, got an integer"}},
      {"ftp url", R"({"assets": [{"name": "z", "urls": ["https://a.example/z", "ftp://b.example/z"], "sha256": ")" + kSha256 + "\"}]}",
       {"m.json: /assets/0/urls/1: URL scheme \"ftp\" is not supported; use http, https or file"}},
      {"no hash", one_asset(R"("size": 1)"),
       {"m.json: /assets/0: asset \"zlib\" has no hash; add \"sha256\" (or \"sha512\")"}},
      {"short sha256", one_asset(R"("sha256": "abc")"),
       {"m.json: /assets/0/sha256: sha256: 'abc' is not a sha256 digest (expected 64 hex digits, got 3)"}},
      {"non-hex sha512", one_asset("\"sha512\": \"" + std::string(128, 'g') + "\""),
       {"m.json: /assets/0/sha512: sha512: ", "is not a sha512 digest"}},
      {"negative size", with_hash(R"("size": -1)"), {"m.json: /assets/0/size: must be an integer at least 0, got -1"}},
      {"size as string", with_hash(R"("size": "12")"), {"m.json: /assets/0/size: expected an integer at least 0, got a string"}},
      {"escaping destination", with_hash(R"("destination": "a/../../etc/x")"),
       {"m.json: /assets/0/destination: may not contain '..': it would escape the destination directory"}},
      {"absolute destination", with_hash(R"("destination": "/etc/passwd")"),
       {"m.json: /assets/0/destination: must be relative to the destination directory, not absolute"}},
      {"backslash destination", with_hash(R"("destination": "a\\b")"),
       {"m.json: /assets/0/destination: use '/' to separate directories"}},
      {"directory destination", with_hash(R"("destination": "dir/")"),
       {"m.json: /assets/0/destination: names a directory; add the file name"}},
      {"no file name in url", R"({"assets": [{"name": "z", "urls": ["https://a.example/"], "sha256": ")" + kSha256 + "\"}]}",
       {"m.json: /assets/0/urls/0: cannot derive a file name from URL https://a.example/", "(or set \"destination\")"}},
      {"empty ranges", with_hash(R"("ranges": [])"),
       {"m.json: /assets/0/ranges: must list at least one range; remove \"ranges\" to fetch the whole file"}},
      {"range without offset", with_hash(R"("ranges": [{"length": 1}])"),
       {"m.json: /assets/0/ranges/0: missing \"offset\""}},
      {"range length eof lowercase", with_hash(R"("ranges": [{"offset": 0, "length": "eof"}])"),
       {"m.json: /assets/0/ranges/0/length: must be a positive integer or the string \"EOF\""}},
      {"range length zero", with_hash(R"("ranges": [{"offset": 0, "length": 0}])"),
       {"m.json: /assets/0/ranges/0/length: must be an integer from 1 to"}},
      {"range offset EOF", with_hash(R"("ranges": [{"offset": "EOF", "length": 1}])"),
       {"m.json: /assets/0/ranges/0/offset: expected an integer", "got a string"}},
      {"range unknown key", with_hash(R"("ranges": [{"offset": 0, "len": 1}])"),
       {"m.json: /assets/0/ranges/0/len: unknown key \"len\"; did you mean"}},
      {"range bad hash", with_hash(R"("ranges": [{"offset": 0, "length": 1, "sha256": "zz"}])"),
       {"m.json: /assets/0/ranges/0/sha256: sha256: 'zz' is not a sha256 digest"}},
      {"overlapping ranges", with_hash(R"("ranges": [{"offset": 0, "length": 100}, {"offset": 50, "length": 10}])"),
       {"m.json: /assets/0/ranges/1: overlaps or duplicates range 0"}},
      {"duplicate ranges", with_hash(R"("ranges": [{"offset": 9, "length": 1}, {"offset": 9, "length": 1}])"),
       {"m.json: /assets/0/ranges/1: overlaps or duplicates range 0"}},
      {"range after EOF range", with_hash(R"("ranges": [{"offset": 10, "length": "EOF"}, {"offset": 500, "length": 1}])"),
       {"m.json: /assets/0/ranges/1: overlaps or duplicates range 0"}},
      {"sparse not bool", with_hash(R"("sparse": 1)"),
       {"m.json: /assets/0/sparse: expected a boolean (true or false), got an integer"}},
      {"root array", "[]", {"m.json: (root): a manifest must be a JSON object"}},
  };
  for (const auto& c : cases) {
    const std::string msg = manifest_error(c.json);
    for (const auto& part : c.parts)
      EXPECT_NE(msg.find(part), std::string::npos) << c.label << ": expected \"" << part << "\" in: " << msg;
  }
}

TEST(Manifest, DuplicateDestinationIsRejected) {
  const std::string json = R"({"assets": [
    {"name": "a", "urls": ["https://x.example/a.tgz"], "sha256": ")" + kSha256 + R"(", "destination": "d/f"},
    {"name": "b", "urls": ["https://x.example/b.tgz"], "sha256": ")" + kSha256 + R"(", "destination": "d/./f"}]})";
  EXPECT_EQ(manifest_error(json),
            "m.json: /assets/1: destination \"d/./f\" is also used by /assets/0; set a distinct \"destination\"");
}

TEST(Manifest, SyntaxErrorsGiveLineAndColumn) {
  const std::string msg = manifest_error("{\"assets\": [\n  {\"name\": \"a\",}\n]}");
  EXPECT_EQ(msg.rfind("m.json:2:16: ", 0), 0u) << msg;
}

TEST(Manifest, AcceptsAFullAsset) {
  std::string upper(64, 'A');
  const std::string json = R"({"$schema": "https://assetfetch.dev/schemas/assetfetch-manifest.schema.json",
    "assets": [{
      "name": "zlib-1.3_x.y",
      "urls": ["https://origin.example/zlib-1.3.tar.gz", "file:///srv/mirror/zlib-1.3.tar.gz"],
      "sha256": ")" + upper + R"(",
      "sha512": ")" + kSha512 + R"(",
      "size": 1234567,
      "destination": "zlib/zlib-1.3.tar.gz",
      "ranges": [{"offset": 0, "length": 4096, "sha256": ")" + kSha256 + R"("},
                 {"offset": 8192, "length": "EOF"}],
      "sparse": true}]})";
  const Manifest m = parse_manifest(json, "m.json");
  EXPECT_EQ(m.file, "m.json");
  ASSERT_EQ(m.assets.size(), 1u);
  const ManifestAsset& a = m.assets[0];
  EXPECT_EQ(a.name, "zlib-1.3_x.y");
  EXPECT_EQ(a.urls.size(), 2u);
  ASSERT_TRUE(a.sha256);
  EXPECT_EQ(a.sha256->hex, std::string(64, 'a'));  // normalised to lowercase
  ASSERT_TRUE(a.sha512);
  EXPECT_EQ(a.sha512->algorithm, HashAlgorithm::sha512);
  EXPECT_EQ(a.size, 1234567u);
  EXPECT_EQ(a.destination, "zlib/zlib-1.3.tar.gz");
  ASSERT_EQ(a.ranges.size(), 2u);
  EXPECT_TRUE(a.ranges_given);
  EXPECT_EQ(a.ranges[0].length, 4096u);
  ASSERT_TRUE(a.ranges[0].digest);
  EXPECT_EQ(a.ranges[0].digest->hex, kSha256);
  EXPECT_EQ(a.ranges[1].offset, 8192u);
  EXPECT_TRUE(a.ranges[1].to_eof());
  EXPECT_TRUE(a.sparse);
}

TEST(Manifest, DefaultsAndMinimalAssets) {
  const std::string json = R"({"assets": [
    {"name": "a", "urls": ["https://x.example/dl/a-1.0.tar.gz?token=abc#frag"], "sha512": ")" + kSha512 + R"("},
    {"name": "b", "urls": ["https://x.example/b%201.zip"], "sha256": ")" + kSha256 + R"("}]})";
  const Manifest m = parse_manifest(json, "m.json");
  ASSERT_EQ(m.assets.size(), 2u);
  EXPECT_EQ(m.assets[0].destination, "a-1.0.tar.gz");
  EXPECT_FALSE(m.assets[0].sha256);
  EXPECT_FALSE(m.assets[0].size);
  EXPECT_FALSE(m.assets[0].ranges_given);
  EXPECT_TRUE(m.assets[0].ranges.empty());
  EXPECT_FALSE(m.assets[0].sparse);
  EXPECT_EQ(m.assets[1].destination, "b 1.zip");
  EXPECT_TRUE(parse_manifest(R"({"assets": []})", "m.json").assets.empty());
}

TEST(Manifest, LoadManifestNamesTheFile) {
  ScratchDir dir;
  const auto file = dir.write("assets.json", R"({"assets": [{"name": "a"}]})");
  EXPECT_EQ(error_of([&] { load_manifest(file); }),
            file.string() + ": /assets/0: missing \"urls\"; list where the asset can be downloaded, origin first");
}

TEST(Paths, DefaultFileName) {
  EXPECT_EQ(default_file_name("https://h.example/a/b/c.tar.gz"), "c.tar.gz");
  EXPECT_EQ(default_file_name("https://h.example/a/c.zip?x=1&sig=2"), "c.zip");
  EXPECT_EQ(default_file_name("file:///srv/mirror/x.bin"), "x.bin");
  EXPECT_NE(error_of([] { default_file_name("https://h.example"); }).find("give the destination explicitly"),
            std::string::npos);
  EXPECT_NE(error_of([] { default_file_name("https://h.example/a/.."); }), "<no error>");
  EXPECT_NE(error_of([] { default_file_name("https://h.example/a%2Fb"); }), "<no error>");
  // Credentials in the URL never reach the message.
  EXPECT_EQ(error_of([] { default_file_name("https://user:pw@h.example/"); }).find("pw@"),
            std::string::npos);
}

TEST(Paths, SafeJoinRefusesEscapes) {
  ScratchDir dir;
  EXPECT_EQ(safe_join(dir.path(), "a/b.txt", "destination"), dir.path() / "a/b.txt");
  EXPECT_EQ(error_of([&] { safe_join(dir.path(), "../x", "destination"); }),
            "destination: \"../x\" contains '..', which would leave " + dir.path().string());
  EXPECT_NE(error_of([&] { safe_join(dir.path(), "/etc/passwd", "destination"); }).find("is absolute"),
            std::string::npos);
  EXPECT_NE(error_of([&] { safe_join(dir.path(), "", "destination"); }).find("is empty"),
            std::string::npos);
  std::filesystem::create_directories(dir.path() / "outside");
  std::filesystem::create_directories(dir.path() / "root");
  std::filesystem::create_directory_symlink(dir.path() / "outside", dir.path() / "root/link");
  EXPECT_NE(error_of([&] { safe_join(dir.path() / "root", "link/f", "destination"); })
                .find("through a symbolic link"),
            std::string::npos);
}
