// X_VCPKG_ASSET_SOURCES import: entries, fields, backtick escapes, x-azurl.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/config.h"
#include "config_test_support.h"

using af_config_test::error_of;
using namespace assetfetch;

namespace {

Config apply(const std::string& text) {
  Config c;
  apply_vcpkg_asset_sources(text, c, "X_VCPKG_ASSET_SOURCES");
  return c;
}

std::string vcpkg_error(const std::string& text) {
  return error_of([&] { apply(text); });
}

}  // namespace

TEST(VcpkgSources, AzurlWithoutSas) {
  const Config c = apply("x-azurl,https://cache.example/vcpkg");
  ASSERT_EQ(c.sources.size(), 1u);
  EXPECT_EQ(c.sources[0].url_template, "https://cache.example/vcpkg/{sha512}");
  EXPECT_EQ(c.sources[0].access, SourceAccess::read);
  // A trailing '/' is not doubled; an empty SAS and empty access are allowed.
  EXPECT_EQ(apply("x-azurl,https://cache.example/vcpkg/,,").sources.at(0).url_template,
            "https://cache.example/vcpkg/{sha512}");
}

TEST(VcpkgSources, AzurlWithSas) {
  EXPECT_EQ(apply("x-azurl,https://acct.blob.example/c,sv=2020&sig=abc").sources.at(0).url_template,
            "https://acct.blob.example/c/{sha512}?sv=2020&sig=abc");
  EXPECT_EQ(apply("x-azurl,https://acct.blob.example/c/,?sv=2020&sig=abc").sources.at(0).url_template,
            "https://acct.blob.example/c/{sha512}?sv=2020&sig=abc");
}

TEST(VcpkgSources, AccessField) {
  struct Case {
    const char* field;
    SourceAccess access;
  };
  for (const Case& c : {Case{"read", SourceAccess::read}, Case{"", SourceAccess::read},
                        Case{"write", SourceAccess::write}, Case{"readwrite", SourceAccess::readwrite},
                        Case{"rw", SourceAccess::readwrite}}) {
    EXPECT_EQ(apply(std::string("x-azurl,https://c.example/v,sig=1,") + c.field).sources.at(0).access,
              c.access)
        << c.field;
  }
  EXPECT_EQ(vcpkg_error("x-azurl,https://c.example/v,,rwx"),
            "X_VCPKG_ASSET_SOURCES: entry 1 (x-azurl): \"rwx\" is not an access mode; use read, "
            "write, readwrite or rw");
}

TEST(VcpkgSources, BlockOriginAndClear) {
  Config c;
  c.sources.push_back(SourceSpec{"https://old.example/{sha256}", SourceAccess::read, {}, {}});
  apply_vcpkg_asset_sources("x-azurl,https://a.example/v;clear;x-azurl,https://b.example/v;x-block-origin",
                            c, "env");
  ASSERT_EQ(c.sources.size(), 1u);
  EXPECT_EQ(c.sources[0].url_template, "https://b.example/v/{sha512}");
  EXPECT_TRUE(c.block_origin);
  EXPECT_FALSE(apply("clear").block_origin);
  EXPECT_TRUE(apply("x-block-origin").block_origin);
  // As vcpkg: a later `clear` turns blocking off again.
  EXPECT_FALSE(apply("x-block-origin;clear").block_origin);
  EXPECT_TRUE(apply("x-block-origin;clear;x-block-origin").block_origin);
}

TEST(VcpkgSources, EmptyEntriesAreSkipped) {
  const Config c = apply(";x-block-origin;;x-azurl,https://a.example/v;");
  EXPECT_TRUE(c.block_origin);
  EXPECT_EQ(c.sources.size(), 1u);
  EXPECT_TRUE(apply("").sources.empty());
}

TEST(VcpkgSources, BacktickEscapes) {
  const Config c = apply("x-azurl,https://a.example/v`,1,sig=a`;b``c");
  ASSERT_EQ(c.sources.size(), 1u);
  EXPECT_EQ(c.sources[0].url_template, "https://a.example/v,1/{sha512}?sig=a;b`c");
  EXPECT_EQ(vcpkg_error("x-azurl,https://a.example/v`"),
            "X_VCPKG_ASSET_SOURCES: character 28: a trailing backtick escapes nothing; write `` for "
            "a literal backtick");
  EXPECT_EQ(vcpkg_error("x-azurl,https://a.example/`v"),
            "X_VCPKG_ASSET_SOURCES: character 27: a backtick escapes only , ; or `; write `` for a "
            "literal backtick");
}

TEST(VcpkgSources, ScriptEntriesAreIgnoredWithAWarning) {
  const Config c = apply("x-script,assetfetch x-script {url} {sha512} {dst};x-block-origin");
  EXPECT_TRUE(c.sources.empty());
  EXPECT_TRUE(c.block_origin);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0].rfind("X_VCPKG_ASSET_SOURCES: entry 1 (x-script): ignored", 0), 0u)
      << c.warnings[0];
}

TEST(VcpkgSources, Rejects) {
  struct Case {
    const char* text;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"clear;x-http,https://a.example",
       "X_VCPKG_ASSET_SOURCES: entry 2 (x-http): unknown asset source \"x-http\"; use clear, "
       "x-azurl, x-block-origin (x-script is ignored)"},
      {"clear,now", "X_VCPKG_ASSET_SOURCES: entry 1 (clear): clear takes no arguments; remove the text after the ','"},
      {"x-block-origin,yes", "X_VCPKG_ASSET_SOURCES: entry 1 (x-block-origin): x-block-origin takes no arguments; remove the text after the ','"},
      {"x-azurl", "X_VCPKG_ASSET_SOURCES: entry 1 (x-azurl): x-azurl needs a URL: x-azurl,https://host/container[,SAS[,rw]]"},
      {"x-azurl,", "X_VCPKG_ASSET_SOURCES: entry 1 (x-azurl): x-azurl needs a URL: x-azurl,https://host/container[,SAS[,rw]]"},
      {"x-azurl,https://a.example/v,sig,rw,extra",
       "X_VCPKG_ASSET_SOURCES: entry 1 (x-azurl): x-azurl takes at most URL, SAS and access (x-azurl,URL,SAS,rw); escape a literal ',' as `,"},
      {"x-azurl,ftp://a.example/v",
       "X_VCPKG_ASSET_SOURCES: entry 1 (x-azurl): URL scheme \"ftp\" is not supported; use http, https or file"},
  };
  for (const auto& c : cases) EXPECT_EQ(vcpkg_error(c.text), c.message) << c.text;
}

TEST(VcpkgSources, SasNeverAppearsInErrors) {
  const std::string msg = vcpkg_error("x-azurl,https://a.example/v,sig={secret},rw");
  EXPECT_NE(msg.find("entry 1 (x-azurl): URL or SAS contains '{' or '}'"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("secret"), std::string::npos) << msg;
}

TEST(VcpkgSources, ConfigKeyAppendsAfterDeclaredSources) {
  const Config c = parse_config(
      R"({"sources": [{"url": "https://team.example/{sha256}"}],
          "vcpkg_asset_sources": "clear;x-azurl,https://v.example/c,,readwrite;x-block-origin"})",
      "cfg.json");
  ASSERT_EQ(c.sources.size(), 2u);  // `clear` only clears the string's own entries
  EXPECT_EQ(c.sources[0].url_template, "https://team.example/{sha256}");
  EXPECT_EQ(c.sources[1].url_template, "https://v.example/c/{sha512}");
  EXPECT_EQ(c.sources[1].access, SourceAccess::readwrite);
  EXPECT_TRUE(c.block_origin);
}
