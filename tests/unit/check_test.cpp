// `check`: kind detection, summaries, warnings; and every example and schema
// fixture is judged by the C++ loaders exactly as by the JSON Schemas.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "config/check.h"
#include "config_test_support.h"
#include "test_util.h"

using af_config_test::error_of;
using af_config_test::ScratchDir;
using namespace assetfetch;

namespace {

const std::filesystem::path kRepo = af_test::source_dir();
const std::string kSha256(64, 'c');

DocumentKind kind_from_name(const std::filesystem::path& file) {
  return file.filename().string().rfind("manifest", 0) == 0 ? DocumentKind::manifest
                                                            : DocumentKind::config;
}

}  // namespace

TEST(Check, DetectsAManifestByItsAssetsKey) {
  const std::string manifest =
      R"({"assets": [{"name": "a", "urls": ["https://x.example/a"], "sha256": ")" + kSha256 +
      R"("}, {"name": "b", "urls": ["https://x.example/b"], "sha256": ")" + kSha256 + "\"}]}";
  const CheckReport r = check_text(manifest, "m.json");
  EXPECT_EQ(r.kind, DocumentKind::manifest);
  EXPECT_EQ(r.summary, "m.json: ok (manifest, 2 assets)");
  EXPECT_TRUE(r.warnings.empty());
  // --kind config: the same document is a config with an unknown key.
  EXPECT_EQ(error_of([&] { check_text(manifest, "m.json", DocumentKind::config); }),
            "m.json:1:1: this is a manifest (it has \"assets\"), not a mirror config; a config holds "
            "\"sources\", \"rewrites\" and the like");
}

TEST(Check, ConfigSummaryAndMissingEnvWarning) {
  af_test::set_env("AF_CHECK_UNSET", nullptr);
  const CheckReport r = check_text(
      R"J({"offline": true, "block_origin": true,
          "sources": [{"url": "https://c.example/{sha256}", "headers": {"X-T": "${env:AF_CHECK_UNSET}"}}],
          "rewrites": [{"match": "(.*)", "replace": "$1"}]})J",
      "c.json");
  EXPECT_EQ(r.kind, DocumentKind::config);
  EXPECT_EQ(r.summary,
            "c.json: ok (config, 1 source, 1 rewrite, 0 fallback mirrors, offline, origin blocked)");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].rfind("c.json: /sources/0/headers/X-T: environment variable AF_CHECK_UNSET is not set", 0), 0u);
  EXPECT_EQ(check_text("{}", "e.json").summary,
            "e.json: ok (config, 0 sources, 0 rewrites, 0 fallback mirrors)");
}

TEST(Check, ReportsSyntaxAndSchemaErrors) {
  EXPECT_EQ(error_of([] { check_text("{\n\"assets\": [}", "m.json"); }).rfind("m.json:2:12: ", 0), 0u);
  EXPECT_EQ(error_of([] { check_text(R"({"assets": [{"name": "a"}]})", "m.json"); }),
            "m.json:1:13: asset \"a\" (/assets/0): missing \"urls\"; list where the asset can be downloaded, "
            "origin first\n"
            "m.json:1:13: asset \"a\" (/assets/0): no hash; add \"sha256\" (or \"sha512\") with the hex digest "
            "of the file");
  ScratchDir dir;
  EXPECT_NE(error_of([&] { check_file(dir.path() / "missing.json"); }).find("cannot read file"),
            std::string::npos);
}

// The kind comes from "$schema" when it names one of ours, else from the
// keys, near misses included, so a typo still gets a manifest's did-you-mean.
TEST(Check, KindFromSchemaOrKeys) {
  EXPECT_EQ(check_text(R"({"$schema": "https://assetfetch.dev/schemas/assetfetch-manifest.schema.json", "assets": [{"name": "a", "urls": ["https://a.example/a"], "sha256": ")" + std::string(64, 'a') + R"("}]})",
                       "m.json").kind,
            DocumentKind::manifest);
  EXPECT_EQ(check_text(R"({"$schema": "../schemas/assetfetch-config.schema.json"})", "c.json").kind,
            DocumentKind::config);
  EXPECT_EQ(error_of([] { check_text("{\n  \"asets\": []\n}", "m.json"); }),
            "m.json:2:3: /asets: unknown key \"asets\"; did you mean \"assets\"?");
  EXPECT_EQ(error_of([] { check_text(R"({"sorces": []})", "c.json"); }),
            "c.json:1:2: /sorces: unknown key \"sorces\"; did you mean \"sources\"?");
  // "$schema" outranks the keys: a manifest schema with config keys is a manifest.
  EXPECT_EQ(error_of([] {
              check_text(R"({"$schema": "assetfetch-manifest.schema.json", "offline": true})", "m.json");
            }),
            "m.json:1:1: missing \"assets\"; add \"assets\": [ {\"name\": ..., \"urls\": [...], \"sha256\": ...} ]\n"
            "m.json:1:48: /offline: unknown key \"offline\"; allowed keys here: $schema, assets");
  // An explicit kind that contradicts "$schema" is refused, not guessed around.
  EXPECT_EQ(error_of([] {
              check_text(R"({"$schema": "assetfetch-config.schema.json"})", "c.json", DocumentKind::manifest);
            }),
            "c.json:1:1: this is a mirror config (its \"$schema\" names the config schema), not a manifest; "
            "give it with --config, and name a manifest {\"assets\": [...]} here");
}

TEST(Check, ExamplesPass) {
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kRepo / "examples")) {
    if (entry.path().extension() != ".json") continue;
    ++seen;
    SCOPED_TRACE(entry.path().string());
    const CheckReport r = check_file(entry.path());
    EXPECT_EQ(r.kind, kind_from_name(entry.path()));
  }
  EXPECT_GE(seen, 4);
}

// The fixtures the schema test also reads: valid/ must load, invalid/ must be
// refused, so schema and loader agree.
TEST(Check, SchemaFixturesAgreeWithTheLoaders) {
  af_test::set_env("ASSET_CACHE_TOKEN", "t");
  const auto root = kRepo / "tests/schemas/fixtures";
  int seen = 0;
  for (const char* verdict : {"valid", "invalid"}) {
    for (const auto& entry : std::filesystem::directory_iterator(root / verdict)) {
      ++seen;
      SCOPED_TRACE(entry.path().string());
      const std::string err =
          error_of([&] { check_file(entry.path(), kind_from_name(entry.path())); });
      if (std::string(verdict) == "valid")
        EXPECT_EQ(err, "<no error>");
      else
        EXPECT_NE(err, "<no error>");
    }
  }
  EXPECT_GE(seen, 10);
}

// A store whose credentials are nowhere is named in the summary (it used to
// read "0 sources" with the reason only in a warning), and warned about.
TEST(Check, NamesAStoreItWouldSkipForLackOfCredentials) {
  af_test::set_env("AF_CHECK_UNSET_KEY", nullptr);
  const CheckReport r = check_text(
      R"J({"sources": [{"url": "https://c.example/{sha256}"},
                       {"kind": "s3", "url": "s3://b/p/{sha256}", "region": "us-east-1",
                        "credentials": {"access_key_id": "${env:AF_CHECK_UNSET_KEY}",
                                        "secret_access_key": "${env:AF_CHECK_UNSET_KEY}"}}]})J",
      "c.json");
  EXPECT_EQ(r.summary,
            "c.json: ok (config, 1 source (1 more skipped, no credentials: /sources/1), 0 rewrites, 0 fallback mirrors)");
  bool warned = false;
  for (const auto& w : r.warnings) warned = warned || (w.find("/sources/1") != std::string::npos &&
                                                       w.find("AF_CHECK_UNSET_KEY") != std::string::npos &&
                                                       w.find("skipped") != std::string::npos);
  EXPECT_TRUE(warned);
}
