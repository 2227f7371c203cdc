// The manifest loader: accept/reject tables asserting file, pointer and fix.
#include <string>
#include <vector>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "config/config.h"
#include "config/safe_join.h"
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
std::string manifest_problems(const std::string& json) {
  return af_config_test::problems_of([&] { parse_manifest(json, "m.json"); });
}

struct RejectCase {
  const char* label;
  std::string json;
  std::vector<std::string> parts;
};

// Each case is refused with every part in its problems.
void expect_refused(const std::vector<RejectCase>& cases) {
  for (const auto& c : cases) {
    const std::string msg = manifest_problems(c.json);
    for (const auto& part : c.parts)
      EXPECT_NE(msg.find(part), std::string::npos) << c.label << ": expected \"" << part << "\" in: " << msg;
  }
}

}  // namespace

TEST(Manifest, RejectsWithFilePointerAndFix) {
  const std::string asset2 =
      R"(, {"name": "zlib", "urls": ["https://b.example/z.tgz"], "sha256": ")" + kSha256 + "\"}";
  const std::vector<RejectCase> cases = {
      {"no assets", R"({"asets": []})", {"/asets: unknown key \"asets\"; did you mean \"assets\"?"}},
      {"assets missing", "{}", {"(root): missing \"assets\""}},
      {"assets not array", R"({"assets": {}})", {"/assets: expected an array [...], got an object"}},
      {"asset not object", R"({"assets": [1]})", {"/assets/0: expected an object {...}, got an integer"}},
      {"unknown asset key", with_hash(R"("sha265": "x")"),
       {"/assets/0/sha265: unknown key \"sha265\"; did you mean \"sha256\"?"}},
      {"missing name", R"({"assets": [{"urls": ["https://a.example/x"], "sha256": ")" + kSha256 + "\"}]}",
       {"/assets/0: missing \"name\""}},
      {"bad name", R"({"assets": [{"name": "zlib 1.3", "urls": ["https://a.example/x"], "sha256": ")" + kSha256 + "\"}]}",
       {"/assets/0/name: \"zlib 1.3\" is not a valid asset name; use 1 to 128 letters, digits, '_', '.' and '-'"}},
      {"empty name", R"({"assets": [{"name": "", "urls": ["https://a.example/x"], "sha256": ")" + kSha256 + "\"}]}",
       {"/assets/0/name: \"\" is not a valid asset name"}},
      {"duplicate name", with_hash("").substr(0, with_hash("").size() - 2) + asset2 + "]}",
       {"/assets/1/name: duplicate asset name (also /assets/0); names must be unique"}},
      {"missing urls", R"({"assets": [{"name": "z", "sha256": ")" + kSha256 + "\"}]}",
       {"/assets/0: missing \"urls\""}},
      {"empty urls", R"({"assets": [{"name": "z", "urls": [], "sha256": ")" + kSha256 + "\"}]}",
       {"/assets/0/urls: must list at least one URL, origin first"}},
      {"url not string", R"({"assets": [{"name": "z", "urls": [7], "sha256": ")" + kSha256 + "\"}]}",
       {"/assets/0/urls/0: expected a string, got an integer"}},
      {"ftp url", R"({"assets": [{"name": "z", "urls": ["https://a.example/z", "ftp://b.example/z"], "sha256": ")" + kSha256 + "\"}]}",
       {"/assets/0/urls/1: URL scheme \"ftp\" is not supported; use http, https or file"}},
      {"no hash", one_asset(R"("size": 1)"),
       {"/assets/0: no hash; add \"sha256\" (or \"sha512\")"}},
      {"short sha256", one_asset(R"("sha256": "abc")"),
       {"/assets/0/sha256: sha256: 'abc' is not a sha256 digest (expected 64 hex digits, got 3)"}},
      {"non-hex sha512", one_asset("\"sha512\": \"" + std::string(128, 'g') + "\""),
       {"/assets/0/sha512: sha512: ", "is not a sha512 digest"}},
      {"negative size", with_hash(R"("size": -1)"), {"/assets/0/size: must be an integer from 0 to 9223372036854775807, got -1"}},
      {"size as string", with_hash(R"("size": "12")"), {"/assets/0/size: expected an integer from 0 to 9223372036854775807, got a string"}},
      {"escaping destination", with_hash(R"("destination": "a/../../etc/x")"),
       {"/assets/0/destination: may not contain '..': it would escape the destination directory"}},
      {"absolute destination", with_hash(R"("destination": "/etc/passwd")"),
       {"/assets/0/destination: must be relative to the destination directory, not absolute"}},
      {"backslash destination", with_hash(R"("destination": "a\\b")"),
       {"/assets/0/destination: use '/' to separate directories"}},
      {"directory destination", with_hash(R"("destination": "dir/")"),
       {"/assets/0/destination: names a directory, not a file; add the file name"}},
      {"no file name in url", R"({"assets": [{"name": "z", "urls": ["https://a.example/"], "sha256": ")" + kSha256 + "\"}]}",
       {"/assets/0/urls/0: cannot derive a file name from URL https://a.example/", "(or set \"destination\")"}},
      {"empty ranges", with_hash(R"("ranges": [])"),
       {"/assets/0/ranges: must list at least one range; remove \"ranges\" to fetch the whole file"}},
      {"range without offset", with_hash(R"("ranges": [{"length": 1}])"),
       {"/assets/0/ranges/0: missing \"offset\""}},
      {"range length eof lowercase", with_hash(R"("ranges": [{"offset": 0, "length": "eof"}])"),
       {"/assets/0/ranges/0/length: must be a positive integer or the string \"EOF\""}},
      {"range length zero", with_hash(R"("ranges": [{"offset": 0, "length": 0}])"),
       {"/assets/0/ranges/0/length: must be an integer from 1 to"}},
      {"range offset EOF", with_hash(R"("ranges": [{"offset": "EOF", "length": 1}])"),
       {"/assets/0/ranges/0/offset: expected an integer", "got a string"}},
      {"range unknown key", with_hash(R"("ranges": [{"offset": 0, "len": 1}])"),
       {"/assets/0/ranges/0/len: unknown key \"len\"; did you mean"}},
      {"range bad hash", with_hash(R"("ranges": [{"offset": 0, "length": 1, "sha256": "zz"}])"),
       {"/assets/0/ranges/0/sha256: sha256: 'zz' is not a sha256 digest"}},
      {"overlapping ranges", with_hash(R"("ranges": [{"offset": 0, "length": 100}, {"offset": 50, "length": 10}])"),
       {"/assets/0/ranges/1: overlaps or duplicates range 0"}},
      {"duplicate ranges", with_hash(R"("ranges": [{"offset": 9, "length": 1}, {"offset": 9, "length": 1}])"),
       {"/assets/0/ranges/1: overlaps or duplicates range 0"}},
      {"range after EOF range", with_hash(R"("ranges": [{"offset": 10, "length": "EOF"}, {"offset": 500, "length": 1}])"),
       {"/assets/0/ranges/1: overlaps or duplicates range 0"}},
      {"sparse not bool", with_hash(R"("sparse": 1)"),
       {"/assets/0/sparse: expected a boolean (true or false), got an integer"}},
      {"root array", "[]", {"(root): a manifest must be a JSON object"}},
  };
  expect_refused(cases);
}

TEST(Manifest, DuplicateDestinationIsRejected) {
  const std::string json = R"({"assets": [
    {"name": "a", "urls": ["https://x.example/a.tgz"], "sha256": ")" + kSha256 + R"(", "destination": "d/f"},
    {"name": "b", "urls": ["https://x.example/b.tgz"], "sha256": ")" + kSha256 + R"(", "destination": "d/./f"}]})";
  EXPECT_EQ(manifest_error(json),
            "m.json:3:149: asset \"b\" (/assets/1/destination): destination \"d/./f\" is also used by "
            "asset \"a\" (/assets/0); set a distinct \"destination\"");
}

// What `sync` would refuse at run time, the loader (and so `check`) refuses.
TEST(Manifest, RejectsWhatSyncWouldRefuse) {
  const std::string long_segment(201, 's');
  const std::vector<RejectCase> cases = {
      {"destination dot", with_hash(R"("destination": ".")"),
       {"/assets/0/destination: names a directory, not a file"}},
      {"destination dot slash", with_hash(R"("destination": "./")"), {"/assets/0/destination: names a directory"}},
      {"destination ending in dot", with_hash(R"("destination": "a/.")"), {"/assets/0/destination: names a directory"}},
      {"destination NUL", with_hash(R"("destination": "a\u0000b")"),
       {"/assets/0/destination: contains a control character"}},
      {"destination newline", with_hash(R"("destination": "a\nb")"), {"contains a control character"}},
      {"destination segment too long", with_hash("\"destination\": \"d/" + long_segment + "\""),
       {"/assets/0/destination: has a path segment of 201 bytes; at most 200"}},
      {"destination too long", with_hash("\"destination\": \"" + std::string(1025, 'a').replace(100, 1, "/").replace(300, 1, "/").replace(500, 1, "/").replace(700, 1, "/").replace(900, 1, "/") + "\""),
       {"/assets/0/destination: is 1025 bytes long; at most 1024"}},
      {"url file name too long",
       R"({"assets": [{"name": "z", "urls": ["https://a.example/)" + long_segment + R"("], "sha256": ")" + kSha256 + "\"}]}",
       {"/assets/0/urls/0: the file name taken from this URL has a path segment of 201 bytes", "(or set \"destination\")"}},
      {"url too long",
       R"({"assets": [{"name": "z", "urls": ["https://a.example/)" + std::string(2200, 'u') + R"("], "sha256": ")" + kSha256 + "\", \"destination\": \"z\"}]}",
       {"/assets/0/urls/0: URL is 2218 characters long; at most 2200 are allowed"}},
      {"url without host", R"({"assets": [{"name": "z", "urls": ["https:///x"], "sha256": ")" + kSha256 + "\"}]}",
       {"/assets/0/urls/0: URL has no host after \"https://\""}},
      {"name too long", R"({"assets": [{"name": ")" + std::string(129, 'n') + R"(", "urls": ["https://a.example/x"], "sha256": ")" + kSha256 + "\"}]}",
       {"is not a valid asset name; use 1 to 128"}},
      {"size 2^63", with_hash(R"("size": 9223372036854775808)"),
       {"/assets/0/size: must be an integer from 0 to 9223372036854775807, got 9223372036854775808"}},
      {"size 1e400", with_hash(R"("size": 1e400)"), {"/assets/0/size: the number \"1e400\" is out of range"}},
      {"range offset 2^63", with_hash(R"("ranges": [{"offset": 9223372036854775808, "length": 1}])"),
       {"/assets/0/ranges/0/offset: must be an integer from 0 to 9223372036854775807"}},
      {"range length max", with_hash(R"("ranges": [{"offset": 0, "length": 18446744073709551615}])"),
       {"/assets/0/ranges/0/length: must be an integer from 1 to 9223372036854775807"}},
      {"range sum overflow", with_hash(R"("ranges": [{"offset": 9223372036854775807, "length": 1}])"),
       {"/assets/0/ranges/0/length: offset + length is past 2^63 - 1"}},
      {"range past size", with_hash(R"("size": 100, "ranges": [{"offset": 50, "length": 51}])"),
       {"/assets/0/ranges/0: range 50:51 lies past the end of the file (\"size\" is 100 bytes)"}},
      {"EOF range past size", with_hash(R"("size": 100, "ranges": [{"offset": 100, "length": "EOF"}])"),
       {"/assets/0/ranges/0: range 100:EOF lies past the end"}},
      {"config given as manifest", R"({"sources": [{"url": "https://c.example/{sha256}"}]})",
       {"(root): this is a mirror config (it has \"sources\"), not a manifest; give it with --config"}},
      {"config schema", R"({"$schema": "https://assetfetch.dev/schemas/assetfetch-config.schema.json", "assets": []})",
       {"(root): this is a mirror config (its \"$schema\" names the config schema)"}},
  };
  expect_refused(cases);
}

TEST(Manifest, AFileCannotAlsoBeADirectory) {
  const std::string json = R"({"assets": [
    {"name": "inner", "urls": ["https://x.example/i"], "sha256": ")" + kSha256 + R"(", "destination": "sub/a.bin/inner"},
    {"name": "outer", "urls": ["https://x.example/a.bin"], "sha256": ")" + kSha256 + R"(", "destination": "sub/a.bin"}]})";
  EXPECT_EQ(manifest_problems(json),
            "/assets/0/destination: destination \"sub/a.bin/inner\" lies inside \"sub/a.bin\", the file of "
            "asset \"outer\" (/assets/1); a path cannot be both a file and a directory (set a distinct "
            "\"destination\")");
}

// Every problem in one pass, in reading order, each naming its asset and place.
TEST(Manifest, ReportsEveryErrorAtOnce) {
  const std::string json = "{\"assets\": [\n"
                           "  {\"name\": \"zlib\", \"urls\": [\"ftp://a/z\"], \"sha256\": \"abc\", \"colour\": 1},\n"
                           "  {\"name\": \"png\", \"urls\": [\"https://a.example/p\"], \"sha512\": \"" + kSha512 +
                           "\", \"destination\": \"\"},\n"
                           "  {\"urls\": 3}\n"
                           "]}";
  try {
    parse_manifest(json, "m.json");
    FAIL() << "accepted";
  } catch (const ValidationError& e) {
    const std::vector<std::string> lines = e.lines();
    ASSERT_EQ(lines.size(), 7u) << e.what();
    EXPECT_EQ(lines[0], "m.json:2:29: asset \"zlib\" (/assets/0/urls/0): URL scheme \"ftp\" is not supported; use http, https or file");
    EXPECT_EQ(lines[1].rfind("m.json:2:53: asset \"zlib\" (/assets/0/sha256): sha256: 'abc' is not", 0), 0u) << lines[1];
    EXPECT_EQ(lines[2], "m.json:2:60: asset \"zlib\" (/assets/0/colour): unknown key \"colour\"; allowed keys here: "
                        "name, urls, sha256, sha512, size, destination, ranges, sparse");
    EXPECT_EQ(lines[3], "m.json:3:209: asset \"png\" (/assets/1/destination): must not be empty");
    EXPECT_EQ(lines[4], "m.json:4:3: /assets/2: missing \"name\"; add a unique name such as \"zlib\"");
    EXPECT_EQ(lines[5], "m.json:4:3: /assets/2: no hash; add \"sha256\" (or \"sha512\") with the hex digest of the file");
    EXPECT_EQ(lines[6], "m.json:4:12: /assets/2/urls: expected an array [...], got an integer");
    EXPECT_EQ(e.diagnostics()[0].asset, "zlib");
    EXPECT_EQ(e.diagnostics()[0].line, 2u);
  }
}

TEST(Manifest, UnreadableDocumentsAreRefusedWithAPlace) {
  EXPECT_EQ(manifest_error(std::string("{\"assets\": []}\0garbage", 22)),
            "m.json:1:15: a NUL byte (byte 14); JSON text never contains one: is this a binary file, or was "
            "something appended to it?");
  EXPECT_EQ(manifest_error("{\"assets\": []} x").rfind("m.json:1:16: ", 0), 0u);
  EXPECT_EQ(manifest_error("{\"assets\": [], \"assets\": []}").rfind(
                "m.json:1:16: /assets: duplicate key \"assets\"; each key may appear once in an object (merge the two)",
                0),
            0u);
  const std::string deep = "{\"assets\": " + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(manifest_error(deep).rfind("m.json:1:", 0), 0u);
  EXPECT_NE(manifest_error(deep).find("nested deeper than 64 levels"), std::string::npos);
  // Ten million levels: refused before any DOM is built.
  const std::string very_deep(10'000'000, '[');
  EXPECT_NE(manifest_error(very_deep).find("nested deeper than 64 levels"), std::string::npos);
  EXPECT_EQ(manifest_error("{\"assets\": [], \"x\": -1e999}"),
            "m.json:1:21: /x: the number \"-1e999\" is out of range (larger than any value allowed here)");
  // Columns count characters, not bytes.
  EXPECT_EQ(manifest_error("{\"é\": 1, \"assets\": [], \"ü\": 2}"),
            "m.json:1:2: /é: unknown key \"é\"; allowed keys here: $schema, assets\n"
            "m.json:1:20: /assets: the list is empty; add at least one asset: {\"name\": ..., \"urls\": [...], "
            "\"sha256\": ...}\n"
            "m.json:1:24: /ü: unknown key \"ü\"; allowed keys here: $schema, assets");
}

TEST(Manifest, ErrorsAreCappedAtTwoHundred) {
  std::string json = "{\"assets\": [";
  for (int i = 0; i < 300; ++i) json += std::string(i ? "," : "") + "{\"name\": \"a" + std::to_string(i) + "\"}";
  json += "]}";
  try {
    parse_manifest(json, "m.json");
    FAIL() << "accepted";
  } catch (const ValidationError& e) {
    ASSERT_EQ(e.diagnostics().size(), 201u);
    EXPECT_EQ(e.lines().back(), "m.json: 400 more errors not shown; fix the ones above first");
  }
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
  // An empty list is refused (sync would have nothing to do), naming the file.
  EXPECT_EQ(manifest_error(R"({"assets": []})"),
            "m.json:1:12: /assets: the list is empty; add at least one asset: {\"name\": ..., \"urls\": [...], "
            "\"sha256\": ...}");
}

TEST(Manifest, LoadManifestNamesTheFile) {
  ScratchDir dir;
  const auto file = dir.write("assets.json", "{\"assets\": [{\"name\": \"a\", \"sha256\": \"" + kSha256 + "\"}]}");
  EXPECT_EQ(error_of([&] { load_manifest(file); }),
            file.string() + ":1:13: asset \"a\" (/assets/0): missing \"urls\"; list where the asset can be "
                            "downloaded, origin first");
}

// Only regular files of at most 16 MiB are read: a device or a FIFO is
// refused at once (no hang, no growing memory).
TEST(Manifest, LoadRefusesWhatIsNotASmallRegularFile) {
  ScratchDir dir;
#ifndef _WIN32  // a POSIX device and FIFO (the Windows cross build has neither)
  EXPECT_EQ(error_of([] { load_manifest("/dev/zero"); }),
            "/dev/zero: cannot read manifest: it is not a regular file (a device, pipe or socket); give the "
            "path of a JSON file");
  const auto fifo = dir.path() / "fifo.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_NE(error_of([&] { load_manifest(fifo); }).find("it is not a regular file"), std::string::npos);
#endif
  EXPECT_NE(error_of([&] { load_manifest(dir.path()); }).find("it is a directory"), std::string::npos);
  const auto big = dir.write("big.json", "{\"assets\": []}" + std::string(16u << 20, ' '));
  EXPECT_EQ(error_of([&] { load_manifest(big); }),
            big.string() + ": is 16777230 bytes; a manifest or config may be at most 16 MiB (is this the right file?)");
  const std::string one = with_hash("");
  const auto fits = dir.write("fits.json", one + std::string((16u << 20) - one.size(), ' '));
  EXPECT_EQ(load_manifest(fits).assets.size(), 1u);
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

// One joiner resolves each folder once: a refusal is remembered for every
// file of that folder, and folders below a linked one are refused too.
TEST(Paths, DestinationJoinerRefusesEveryFileOfALinkedFolder) {
  ScratchDir dir;
  const auto root = dir.path() / "root";
  std::filesystem::create_directories(dir.path() / "outside" / "sub");
  std::filesystem::create_directories(root / "ok");
  std::filesystem::create_directory_symlink(dir.path() / "outside", root / "link");
  std::filesystem::create_directory_symlink(root / "ok", root / "inner");  // a link that stays inside
  DestinationJoiner dest(root);
  EXPECT_EQ(dest.join("ok/a", "destination"), root / "ok/a");
  for (const char* rel : {"link/a", "link/b", "link/./c", "link/sub/d", "link/new/e"}) {
    SCOPED_TRACE(rel);
    EXPECT_NE(error_of([&] { dest.join(rel, "destination"); }).find("through a symbolic link"), std::string::npos);
  }
  EXPECT_EQ(dest.join("ok/b", "destination"), root / "ok/b") << "a refused folder does not taint the others";
  EXPECT_EQ(dest.join("inner/c", "destination"), root / "inner/c");
  EXPECT_EQ(dest.join("new/deeper/d", "destination"), root / "new/deeper/d") << "folders not made yet are fine";
  EXPECT_NE(error_of([&] { dest.join("ok/../../x", "destination"); }).find("contains '..'"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "outside" / "a"));
}
