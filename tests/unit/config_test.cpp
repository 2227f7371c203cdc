// The mirror config loader: accept/reject tables asserting file, pointer (or
// line:column) and the fix named in each message.
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/config.h"
#include "config_test_support.h"
#include "core/resolve_options.h"

using af_config_test::error_of;
using af_config_test::ScratchDir;
using namespace assetfetch;

namespace {

struct RejectCase {
  const char* label;
  std::string json;
  std::vector<std::string> parts;  // all must appear in the message
};

std::string config_error(const std::string& json) {
  return error_of([&] { parse_config(json, "cfg.json"); });
}
std::string config_problems(const std::string& json) {
  return af_config_test::problems_of([&] { parse_config(json, "cfg.json"); });
}

void expect_parts(const std::string& message, const std::vector<std::string>& parts,
                  const std::string& label) {
  for (const auto& part : parts)
    EXPECT_NE(message.find(part), std::string::npos)
        << label << ": expected \"" << part << "\" in: " << message;
}

class ConfigEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("AF_TEST_TOKEN", "s3cret", 1);
    ::unsetenv("AF_TEST_UNSET_VAR");
  }
  void TearDown() override { ::unsetenv("AF_TEST_TOKEN"); }
};

}  // namespace

TEST(Config, RejectsWithFilePointerAndFix) {
  const std::vector<RejectCase> cases = {
      {"typo at top level", R"({"ofline": true})",
       {"/ofline: unknown key \"ofline\"; did you mean \"offline\"?"}},
      {"typo in a source", R"({"sources": [{"url": "https://c.example/{sha256}", "acess": "read"}]})",
       {"/sources/0/acess: unknown key \"acess\"; did you mean \"access\"?"}},
      {"unknown key far from all", R"({"zzzzzzzzzz": 1})",
       {"/zzzzzzzzzz: unknown key", "allowed keys here: $schema, cache_dir"}},
      {"typo in retry", R"({"retry": {"backoff": 10}})",
       {"/retry/backoff: unknown key \"backoff\"; did you mean \"backoff_ms\"?"}},
      {"typo in tls", R"({"tls": {"verfy": false}})",
       {"/tls/verfy: unknown key", "did you mean \"verify\"?"}},
      {"typo in rewrite", R"({"rewrites": [{"match": "a", "replace": "b", "header": {}}]})",
       {"/rewrites/0/header: unknown key", "did you mean \"headers\"?"}},
      {"bool as string", R"({"offline": "yes"})",
       {"/offline: expected a boolean (true or false), got a string"}},
      {"sources not an array", R"({"sources": {}})",
       {"/sources: expected an array [...], got an object"}},
      {"source not an object", R"({"sources": ["https://c.example/{sha256}"]})",
       {"/sources/0: expected an object {...}, got a string"}},
      {"source without url", R"({"sources": [{"access": "read"}]})",
       {"/sources/0: missing \"url\""}},
      {"bad access", R"({"sources": [{"url": "https://c.example/{sha256}", "access": "rw"}]})",
       {"/sources/0/access: \"rw\" is not an access mode; use \"read\", \"write\" or \"readwrite\""}},
      {"unknown placeholder", R"({"sources": [{"url": "https://c.example/{sha1}"}]})",
       {"/sources/0/url: unknown placeholder {sha1}; use {sha256}, {sha512} or {name}"}},
      {"unmatched brace", R"({"sources": [{"url": "https://c.example/{sha256"}]})",
       {"/sources/0/url: unmatched '{' at character 19"}},
      {"template without digest", R"({"sources": [{"url": "https://c.example/{name}"}]})",
       {"/sources/0/url: a source is content-addressed", "{sha256} or {sha512}"}},
      {"ftp source", R"({"sources": [{"url": "ftp://c.example/{sha256}"}]})",
       {"/sources/0/url: URL scheme \"ftp\" is not supported; use http, https or file"}},
      {"no scheme", R"({"sources": [{"url": "c.example/{sha256}"}]})",
       {"/sources/0/url: URL has no scheme"}},
      {"bad regex", R"({"rewrites": [{"match": "^https://(.*$", "replace": "x"}]})",
       {"/rewrites/0/match: not a valid RE2 regular expression (missing ): "}},
      {"bad regex in fallback",
       R"({"fallback_mirrors": [{"match": "a", "replace": "b"}, {"match": "[", "replace": "c"}]})",
       {"/fallback_mirrors/1/match: not a valid RE2 regular expression (missing ]: "}},
      {"backreference", R"J({"rewrites": [{"match": "^https://(a)\\1/(.*)$", "replace": "https://m/$2"}]})J",
       {"/rewrites/0/match: backreferences such as \\1 are not supported: patterns are RE2 syntax"}},
      {"lookahead", R"J({"fallback_mirrors": [{"match": "https://(?!internal)(.*)", "replace": "https://m/$1"}]})J",
       {"/fallback_mirrors/0/match: lookahead (?!...) is not supported"}},
      {"lookbehind", R"J({"rewrites": [{"match": "(?<=x)y", "replace": "https://m/"}]})J",
       {"/rewrites/0/match: lookbehind (?<=...) and (?<!...) are not supported"}},
      {"group missing for replace", R"J({"rewrites": [{"match": "https://(.*)", "replace": "https://m/$2"}]})J",
       {"/rewrites/0/replace: uses $2 but \"match\" has 1 group ( ... ); write $$ for a literal dollar sign"}},
      {"replace $0", R"J({"rewrites": [{"match": "https://.*", "replace": "https://m/$0"}]})J",
       {"/rewrites/0/replace: uses $0; write $& for the whole URL"}},
      {"pattern too long", std::string(R"J({"rewrites": [{"match": ")J") + std::string(2201, 'a') + R"J(", "replace": "x"}]})J",
       {"/rewrites/0/match: is 2201 characters long; at most 2200 are allowed"}},
      {"cache_dir with NUL", R"J({"cache_dir": "a\u0000b"})J", {"/cache_dir: contains a control character"}},
      {"source url too long", std::string(R"J({"sources": [{"url": "https://c.example/{sha256}/)J") + std::string(2200, 'x') + R"J("}]})J",
       {"/sources/0/url: URL is 2227 characters long; at most 2200 are allowed"}},
      {"template too long once expanded",
       "{\"sources\": [{\"url\": \"https://c.example/" + std::string(2060, 't') + "/{sha512}\"}]}",
       {"/sources/0/url: expands to as many as 2207 characters"}},
      {"template with name too long once expanded",
       "{\"sources\": [{\"url\": \"https://c.example/" + std::string(2050, 't') + "/{sha256}/{name}\"}]}",
       {"/sources/0/url: expands to as many as 2262 characters (with a 128-character {name}); a URL may "
        "have at most 2200"}},
      {"manifest given as config", R"J({"assets": []})J",
       {"(root): this is a manifest (it has \"assets\"), not a mirror config"}},
      {"rewrite without replace", R"({"rewrites": [{"match": "^(.*)$"}]})",
       {"/rewrites/0: missing \"replace\""}},
      {"attempts zero", R"({"retry": {"attempts": 0}})",
       {"/retry/attempts: must be an integer from 1 to 20, got 0"}},
      {"attempts too many", R"({"retry": {"attempts": 21}})",
       {"/retry/attempts: must be an integer from 1 to 20, got 21"}},
      {"attempts negative", R"({"retry": {"attempts": -1}})",
       {"/retry/attempts: must be an integer from 1 to 20, got -1"}},
      {"attempts fraction", R"({"retry": {"attempts": 2.5}})",
       {"/retry/attempts: expected an integer from 1 to 20, got a number with a fraction"}},
      {"connect timeout zero", R"({"retry": {"connect_timeout_s": 0}})",
       {"/retry/connect_timeout_s: must be an integer from 1 to 600"}},
      {"install mode", R"({"install": "symlink"})",
       {"/install: \"symlink\" is not an install mode; use \"copy\" or \"hardlink\""}},
      {"empty cache_dir", R"({"cache_dir": ""})", {"/cache_dir: must not be empty"}},
      {"missing env var",
       R"({"sources": [{"url": "https://c.example/{sha256}", "headers": {"Authorization": "Bearer ${env:AF_TEST_UNSET_VAR}"}}]})",
       {"/sources/0/headers/Authorization: environment variable AF_TEST_UNSET_VAR is not set",
        "export AF_TEST_UNSET_VAR"}},
      {"malformed env reference",
       R"({"sources": [{"url": "https://c.example/{sha256}", "headers": {"X-Token": "${env:1BAD}"}}]})",
       {"/sources/0/headers/X-Token: \"${env:1BAD}\" is not a valid variable reference"}},
      {"unterminated env reference",
       R"({"sources": [{"url": "https://c.example/{sha256}", "headers": {"X-Token": "${env:TOKEN"}}]})",
       {"/sources/0/headers/X-Token: unterminated ${env:...}; write ${env:NAME}"}},
      {"header value not a string",
       R"({"sources": [{"url": "https://c.example/{sha256}", "headers": {"X-Retries": 3}}]})",
       {"/sources/0/headers/X-Retries: expected a string, got an integer"}},
      {"header name with space",
       R"({"sources": [{"url": "https://c.example/{sha256}", "headers": {"X Token": "a"}}]})",
       {"/sources/0/headers/X Token: \"X Token\" is not a valid HTTP header name"}},
      {"pointer escaping", R"({"a/b~c": 1})", {"/a~1b~0c: unknown key \"a/b~c\""}},
      {"vcpkg string", R"({"vcpkg_asset_sources": "x-foo,bar"})",
       {"/vcpkg_asset_sources: entry 1 (x-foo): unknown asset source \"x-foo\""}},
      {"root not an object", R"([])", {"(root): a config must be a JSON object"}},
      {"duplicate top-level key", R"({"sources": [], "offline": true, "sources": []})",
       {"/sources: duplicate key \"sources\"; each key may appear once in an object (merge the two)"}},
      {"duplicate nested key",
       R"({"rewrites": [{"match": "a", "replace": "b"}, {"match": "a", "replace": "b", "match": "c"}]})",
       {"/rewrites/1/match: duplicate key \"match\""}},
  };
  for (const auto& c : cases) expect_parts(config_problems(c.json), c.parts, c.label);
}

TEST(Config, SyntaxErrorsGiveLineAndColumn) {
  // Line 2, column 14: where the broken literal "tru" starts.
  EXPECT_EQ(config_error("{\n  \"offline\": tru\n}"),
            "cfg.json:2:14: syntax error while parsing value - invalid literal (fix the JSON syntax there)");
  // Missing comma: the error is at the '"' that starts the next key.
  expect_parts(config_error("{\"offline\": true\n   \"block_origin\": true}"),
               {"cfg.json:2:4: ", "syntax error", "fix the JSON syntax"}, "missing comma");
  expect_parts(config_error(""), {"cfg.json:1:1: "}, "empty document");
  expect_parts(config_error("{\"a\": 1,\n\n}"), {"cfg.json:3:1: "}, "trailing comma");
}

// Every problem in one pass, in reading order, each with line:column.
TEST(Config, ReportsEveryErrorAtOnce) {
  const std::string json = "{\n"
                           "  \"ofline\": true,\n"
                           "  \"retry\": {\"attempts\": 0, \"backoff_ms\": -1},\n"
                           "  \"rewrites\": [{\"match\": \"(a)\\\\1\", \"replace\": \"x\"}, {\"replace\": \"y\"}],\n"
                           "  \"install\": \"symlink\"\n"
                           "}";
  EXPECT_EQ(config_error(json),
            "cfg.json:2:3: /ofline: unknown key \"ofline\"; did you mean \"offline\"?\n"
            "cfg.json:3:25: /retry/attempts: must be an integer from 1 to 20, got 0\n"
            "cfg.json:3:42: /retry/backoff_ms: must be an integer from 0 to 600000, got -1\n"
            "cfg.json:4:26: /rewrites/0/match: backreferences such as \\1 are not supported: patterns are RE2 "
            "syntax, matched in linear time (match the text again instead)\n"
            "cfg.json:4:53: /rewrites/1: missing \"match\" (an RE2 regular expression over the whole declared URL)\n"
            "cfg.json:5:14: /install: \"symlink\" is not an install mode; use \"copy\" or \"hardlink\"");
}

TEST(Config, DefaultsForAnEmptyObject) {
  const Config c = parse_config("{}", "cfg.json");
  EXPECT_EQ(c.file, "cfg.json");
  EXPECT_FALSE(c.cache_dir);
  EXPECT_FALSE(c.offline);
  EXPECT_FALSE(c.block_origin);
  EXPECT_EQ(c.install, InstallMode::copy);
  EXPECT_EQ(c.retry.attempts, 3);
  EXPECT_EQ(c.retry.backoff.count(), 250);
  EXPECT_TRUE(c.tls.verify);
  EXPECT_TRUE(c.sources.empty());
  EXPECT_TRUE(c.warnings.empty());
}

TEST_F(ConfigEnv, AcceptsTheDesignExample) {
  const char* json = R"({
    "$schema": "https://assetfetch.dev/schemas/assetfetch-config.schema.json",
    "cache_dir": "/var/cache/assetfetch",
    "offline": false,
    "block_origin": false,
    "require_verified_ranges": true,
    "install": "hardlink",
    "sources": [
      {"url": "https://cache.example/assets/{sha256}", "access": "readwrite",
       "headers": {"Authorization": "Bearer ${env:AF_TEST_TOKEN}"}},
      {"url": "file:///mnt/offline-mirror/{sha256}", "access": "read"}
    ],
    "rewrites": [{"match": "^https://github\\.com/(.*)$", "replace": "https://gh-mirror.example/$1",
                  "headers": {"X-Team": "build"}}],
    "fallback_mirrors": [{"match": "^https?://[^/]+/(.*)$", "replace": "https://archive.example/$1"}],
    "retry": {"attempts": 5, "backoff_ms": 100, "no_progress_timeout_s": 20, "connect_timeout_s": 7},
    "tls": {"verify": true, "ca_file": "/etc/ssl/corp-ca.pem"},
    "vcpkg_asset_sources": "clear;x-azurl,https://cache.example/vcpkg/,,read"
  })";
  const Config c = parse_config(json, "/etc/af/cfg.json");
  ASSERT_TRUE(c.cache_dir);
  EXPECT_EQ(*c.cache_dir, "/var/cache/assetfetch");
  EXPECT_TRUE(c.require_verified_ranges);
  EXPECT_EQ(c.install, InstallMode::hardlink);
  ASSERT_EQ(c.sources.size(), 3u);  // two declared, then the vcpkg one
  EXPECT_EQ(c.sources[0].url_template, "https://cache.example/assets/{sha256}");
  EXPECT_EQ(c.sources[0].access, SourceAccess::readwrite);
  ASSERT_EQ(c.sources[0].headers.size(), 1u);
  EXPECT_EQ(c.sources[0].headers[0].first, "Authorization");
  EXPECT_EQ(c.sources[0].headers[0].second, "Bearer s3cret");
  EXPECT_EQ(c.sources[1].access, SourceAccess::read);
  EXPECT_EQ(c.sources[2].url_template, "https://cache.example/vcpkg/{sha512}");
  ASSERT_EQ(c.rewrites.size(), 1u);
  EXPECT_EQ(c.rewrites[0].replace, "https://gh-mirror.example/$1");
  EXPECT_EQ(c.rewrites[0].headers.at(0).second, "build");
  ASSERT_EQ(c.fallback_mirrors.size(), 1u);
  EXPECT_EQ(c.retry.attempts, 5);
  EXPECT_EQ(c.retry.backoff.count(), 100);
  EXPECT_EQ(c.retry.no_progress_timeout.count(), 20);
  EXPECT_EQ(c.retry.connect_timeout.count(), 7);
  EXPECT_EQ(c.tls.ca_file, "/etc/ssl/corp-ca.pem");
  EXPECT_TRUE(c.warnings.empty());
}

TEST(Config, RelativeCacheDirAndCaFileResolveAgainstTheConfigDirectory) {
  const Config c =
      parse_config(R"({"cache_dir": "../cache", "tls": {"ca_file": "certs/ca.pem"}})",
                   "/srv/team/conf/af.json");
  ASSERT_TRUE(c.cache_dir);
  EXPECT_EQ(*c.cache_dir, "/srv/team/cache");
  EXPECT_EQ(c.tls.ca_file, "/srv/team/conf/certs/ca.pem");
}

TEST(Config, LoadConfigReadsTheFileAndNamesIt) {
  ScratchDir dir;
  const auto file = dir.write("af.json", R"({"cache_dir": "c", "offline": true})");
  const Config c = load_config(file);
  EXPECT_TRUE(c.offline);
  EXPECT_EQ(*c.cache_dir, dir.path() / "c");
  const auto bad = dir.write("bad.json", "{\"offline\": 1}");
  EXPECT_EQ(error_of([&] { load_config(bad); }),
            bad.string() + ":1:13: /offline: expected a boolean (true or false), got an integer");
  const std::string missing = error_of([&] { load_config(dir.path() / "nope.json"); });
  EXPECT_NE(missing.find("nope.json: cannot read config"), std::string::npos) << missing;
}

TEST(Config, MissingEnvIsAWarningInCheckMode) {
  ::unsetenv("AF_TEST_UNSET_VAR");
  ConfigLoadOptions opts;
  opts.missing_env_is_warning = true;
  const Config c = parse_config(
      R"({"sources": [{"url": "https://c.example/{sha256}", "headers": {"Authorization": "Bearer ${env:AF_TEST_UNSET_VAR}"}}]})",
      "cfg.json", opts);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0],
            "cfg.json: /sources/0/headers/Authorization: environment variable AF_TEST_UNSET_VAR is "
            "not set; export AF_TEST_UNSET_VAR before fetching (it fills this header)");
  EXPECT_EQ(c.sources[0].headers[0].second, "Bearer ");
}

TEST_F(ConfigEnv, ErrorsNeverEchoHeaderValues) {
  const std::string msg = config_error(
      R"({"sources": [{"url": "https://c.example/{sha256}", "headers": {"X-A": "ok\n${env:AF_TEST_TOKEN}"}}]})");
  EXPECT_NE(msg.find("/sources/0/headers/X-A: header value contains a line break"),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.find("s3cret"), std::string::npos) << msg;
}

TEST(Config, TlsVerifyOffIsAllowedWithAWarning) {
  const Config c = parse_config(R"({"tls": {"verify": false}})", "cfg.json");
  EXPECT_FALSE(c.tls.verify);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("cfg.json: /tls/verify: TLS verification is off"), std::string::npos);
}

TEST(Config, TransferBoundsHaveDefaultsAndRanges) {
  const Config d = parse_config("{}", "cfg.json");
  EXPECT_EQ(d.max_download_size, std::uint64_t{64} << 30);
  EXPECT_EQ(d.retry.min_rate_bytes_per_s, 1024u);
  EXPECT_EQ(d.retry.min_rate_window.count(), 0) << "0: the window is no_progress_timeout_s";
  const Config c = parse_config(
      R"({"max_download_size": 1048576, "retry": {"min_rate_bytes_per_s": 0, "min_rate_window_s": 5}})", "cfg.json");
  EXPECT_EQ(c.max_download_size, 1048576u);
  EXPECT_EQ(c.retry.min_rate_bytes_per_s, 0u);
  EXPECT_EQ(c.retry.min_rate_window.count(), 5);
  EXPECT_NE(af_config_test::error_of([] { parse_config(R"({"max_download_size": 0})", "cfg.json"); })
                .find("/max_download_size"),
            std::string::npos);
  EXPECT_NE(af_config_test::error_of([] { parse_config(R"({"retry": {"min_rate_window_s": 0}})", "cfg.json"); })
                .find("/retry/min_rate_window_s"),
            std::string::npos);
}

// "min_free_space": bytes, a size with a unit, or a share of the filesystem;
// the default is 2 GiB or 5%, whichever is smaller; bad text names the fix.
TEST(Config, MinFreeSpaceTakesBytesUnitsOrAShare) {
  const FreeSpaceFloor d = parse_config("{}", "cfg.json").min_free_space;
  EXPECT_EQ(d.for_filesystem(std::uint64_t{1} << 40), std::uint64_t{2} << 30) << "1 TiB disk: 2 GiB";
  EXPECT_EQ(d.for_filesystem(std::uint64_t{10} << 30), std::uint64_t{512} << 20) << "10 GiB disk: 5%";
  auto floor_of = [](const std::string& value, std::uint64_t total = std::uint64_t{1} << 40) {
    return parse_config("{\"min_free_space\": " + value + "}", "cfg.json").min_free_space.for_filesystem(total);
  };
  EXPECT_EQ(floor_of("\"2GiB\""), std::uint64_t{2} << 30);
  EXPECT_EQ(floor_of("\"500 MiB\""), std::uint64_t{500} << 20);
  EXPECT_EQ(floor_of("\"1.5GB\""), 1500000000u);
  EXPECT_EQ(floor_of("\"10%\"", 1000000), 100000u);
  EXPECT_EQ(floor_of("\"4096\""), 4096u);
  EXPECT_EQ(floor_of("1048576"), 1048576u);
  EXPECT_EQ(floor_of("0"), 0u) << "0 turns the floor off";
  EXPECT_EQ(af_config_test::error_of([] { parse_config(R"({"min_free_space": "2 gigs"})", "cfg.json"); }),
            "cfg.json:1:20: /min_free_space: \"2 gigs\": unknown unit \"gigs\"; give bytes with a unit (\"2GiB\", "
            "\"500MiB\", \"10GB\"), a share of the filesystem (\"5%\"), or 0 to turn the floor off");
  EXPECT_NE(af_config_test::error_of([] { parse_config(R"({"min_free_space": "150%"})", "cfg.json"); })
                .find("more than the whole filesystem"),
            std::string::npos);
  EXPECT_NE(af_config_test::error_of([] { parse_config(R"({"min_free_space": "GiB"})", "cfg.json"); })
                .find("is not a size"),
            std::string::npos);
  EXPECT_NE(af_config_test::error_of([] { parse_config(R"({"min_free_space": -1})", "cfg.json"); })
                .find("/min_free_space"),
            std::string::npos);
  EXPECT_NE(af_config_test::error_of([] { parse_config(R"({"min_free_space": true})", "cfg.json"); })
                .find("expected a size such as \"2GiB\""),
            std::string::npos);
}

// "max_connections": loaded, bounded, and carried into the job's options by
// resolve_options() (what the CLI and the C ABI use), where a flag wins.
TEST(Config, MaxConnectionsIsLoadedAndReachesTheJobOptions) {
  EXPECT_EQ(parse_config("{}", "cfg.json").max_connections, 0) << "absent: automatic";
  EXPECT_EQ(parse_config(R"({"max_connections": 1})", "cfg.json").max_connections, 1);
  EXPECT_EQ(parse_config(R"({"max_connections": 64})", "cfg.json").max_connections, 64);
  EXPECT_EQ(config_error(R"({"max_connections": 0})"),
            "cfg.json:1:21: /max_connections: must be an integer from 1 to 64, got 0");
  for (const char* bad : {R"({"max_connections": -1})", R"({"max_connections": 65})", R"({"max_connections": "2"})",
                          R"({"max_connections": 1.5})"}) {
    const std::string err = config_error(bad);
    expect_parts(err, {"cfg.json:1:", "/max_connections: ", "an integer from 1 to 64"}, bad);
  }

  ScratchDir dir;
  OptionFlags flags;
  flags.config_from_env = false;
  flags.cache_dir = dir.path() / "cache";
  EXPECT_EQ(resolve_options(flags).job.max_connections_per_file, 0) << "no config: automatic";
  flags.config_file = dir.write("af.json", R"({"max_connections": 2})");
  EXPECT_EQ(resolve_options(flags).job.max_connections_per_file, 2);
  flags.max_connections_per_file = 1;
  EXPECT_EQ(resolve_options(flags).job.max_connections_per_file, 1) << "the flag wins over the config";
}

// "kind": "gcs": an S3 store with GCS's defaults, its HMAC key from
// GOOGLE_HMAC_* only (the AWS variables are not read for it).
TEST(Config, GcsDefaultsAndItsOwnKeyVariables) {
  ::setenv("GOOGLE_HMAC_ACCESS_ID", "GOOG1EXAMPLE", 1);
  ::setenv("GOOGLE_HMAC_SECRET", "gcs-secret", 1);
  ::setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "aws-secret", 1);
  const Config c = parse_config(R"({"sources": [{"kind": "gcs", "url": "gs://team_cache/a b/{sha256}"}]})", "cfg.json");
  ASSERT_EQ(c.sources.size(), 1u);
  const SourceSpec& s = c.sources[0];
  EXPECT_EQ(s.url_template, "https://storage.googleapis.com/team_cache/a%20b/{sha256}");
  EXPECT_EQ(s.store.kind, StoreKind::s3);
  EXPECT_TRUE(s.store.s3_gcs);
  EXPECT_EQ(s.store.s3_region, "auto");
  EXPECT_EQ(s.store.s3_access_key_id, "GOOG1EXAMPLE");
  EXPECT_EQ(s.store.s3_secret_access_key, "gcs-secret");
  EXPECT_EQ(s.store.s3_credentials, nullptr);

  ::unsetenv("GOOGLE_HMAC_SECRET");  // the AWS keys do not stand in
  const Config skipped =
      parse_config(R"({"sources": [{"kind": "gcs", "url": "gs://team_cache/{sha256}"}]})", "cfg.json");
  EXPECT_TRUE(skipped.sources.empty());
  ASSERT_EQ(skipped.skipped_stores.size(), 1u);
  EXPECT_NE(skipped.skipped_stores[0].find("GOOGLE_HMAC_SECRET is not set"), std::string::npos)
      << skipped.skipped_stores[0];

  expect_parts(config_error(R"({"sources": [{"kind": "gcs", "url": "gs://b/{sha256}",
                                "credentials": {"access_key_id": "a", "secret_access_key": "b", "session_token": "c"}}]})"),
               {"/sources/0/credentials", "session_token"}, "gcs session token");
  expect_parts(config_error(R"({"sources": [{"kind": "gcs", "url": "s3://b/{sha256}"}]})"),
               {"/sources/0/url", "gs://BUCKET/PREFIX/{sha256}"}, "gcs with s3 url");
  ::unsetenv("GOOGLE_HMAC_ACCESS_ID");
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
}
