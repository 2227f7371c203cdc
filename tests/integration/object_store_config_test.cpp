// Bad object-storage source entries are exit 2 from `check` and from `sync`,
// naming the key, before any request (issue 10, "Bad input"); secrets given
// in them never show up in the messages.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdlib>

#include "integration_util.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

struct BadSource {
  const char* what;
  Json source;
  const char* named;  // must appear in the message
};

const Json kS3 = {{"kind", "s3"},
                  {"url", "s3://cache/assets/{sha256}"},
                  {"endpoint", "http://127.0.0.1:9"},
                  {"region", "us-east-1"}};

Json without(Json j, const char* key) {
  j.erase(key);
  return j;
}
Json with(Json j, const char* key, Json value) {
  j[key] = std::move(value);
  return j;
}

const BadSource kBad[] = {
    {"unknown kind", with(kS3, "kind", "gcs"), "/sources/0/kind"},
    {"missing region", without(kS3, "region"), "region"},
    {"missing endpoint", without(kS3, "endpoint"), "endpoint"},
    {"s3 url without bucket", with(kS3, "url", "s3:///assets/{sha256}"), "no bucket"},
    {"credentials named but unset",
     with(kS3, "credentials", {{"access_key_id", "${env:AF_TEST_UNSET_KEY}"}, {"secret_access_key", "${env:AF_TEST_UNSET_KEY}"}}),
     "AF_TEST_UNSET_KEY"},
    {"default credentials unset", kS3, "AWS_ACCESS_KEY_ID"},
    {"SAS in the path",
     Json{{"kind", "azure-blob"}, {"url", "https://acct.blob.core.windows.net/c/sv=2021&sig=c2VjcmV0/{sha512}"}},
     "/sources/0/url"},
    {"region on a plain source", Json{{"url", "https://cache.example/{sha256}"}, {"region", "x"}}, "/sources/0/region"},
};

class ObjectStoreBadInput : public ::testing::TestWithParam<BadSource> {};

TEST_P(ObjectStoreBadInput, IsExit2FromCheckAndSyncNamingTheKeyBeforeAnyRequest) {
  af_test::remove_proxy_env();
  af_test::TempDir dir;
  af_test::TestServer origin;
  const std::string data = "bytes";
  origin.add_file("/a.bin", data);
  const fs::path cfg = dir / "af.json";
  af_test::write_file(cfg, Json{{"sources", Json::array({GetParam().source})}}.dump(2));
  const fs::path manifest = dir / "m.json";
  af_test::write_file(manifest, Json{{"assets", Json::array({{{"name", "a"},
                                                               {"urls", {origin.url("/a.bin")}},
                                                               {"sha256", af_test::sha256_hex(data)}}})}}
                                    .dump());
  // The children inherit this environment: no AWS keys in it.
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  const af_test::EnvList unset = {{"ASSETFETCH_CONFIG", ""}};
  auto check = af_test::run_process({AF_CLI_PATH, "check", cfg.string()}, unset);
  EXPECT_EQ(check.exit_code, 2) << af_it::describe(check);
  EXPECT_NE(check.err.find(GetParam().named), std::string::npos) << af_it::describe(check);
  auto sync = af_it::run_cli({"sync", manifest.string(), "--dest", (dir / "out").string(), "--config", cfg.string()},
                             dir / "cache", dir.path(), unset);
  EXPECT_EQ(sync.exit_code, 2) << af_it::describe(sync);
  EXPECT_NE(sync.err.find(GetParam().named), std::string::npos) << af_it::describe(sync);
  EXPECT_EQ(sync.err.find("c2VjcmV0"), std::string::npos) << "a SAS signature was echoed";
  EXPECT_TRUE(origin.requests().empty());
  EXPECT_FALSE(fs::exists(dir / "out"));
}

INSTANTIATE_TEST_SUITE_P(Table, ObjectStoreBadInput, ::testing::ValuesIn(kBad),
                         [](const ::testing::TestParamInfo<BadSource>& info) {
                           std::string name;
                           for (const char* p = info.param.what; *p; ++p)
                             name += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
                           return name;
                         });

// Redaction: an S3 secret key, a session token and an Azure SAS signature
// never reach stdout, stderr, --json events, or any file under the cache
// directory (job records, mirror health, partials' metadata).
TEST(ObjectStoreSecrets, NeverReachOutputJsonOrTheCacheDirectory) {
  af_test::remove_proxy_env();
  af_test::TempDir dir;
  af_test::TestServer origin, store;  // the store answers 404 to everything: each candidate fails over
  const std::string data = af_test::random_bytes(20000, 4);
  origin.add_file("/a.bin", data);
  const std::string secret = "s3-secret-5f1b9c", token = "session-token-77a2e", sig = "c2FzLXNpZ25hdHVyZQ";
  Json sources = Json::array(
      {{{"kind", "s3"}, {"url", "s3://bkt/a/{sha512}"}, {"endpoint", store.url("")}, {"region", "us-east-1"},
        {"access", "readwrite"},
        {"credentials", {{"access_key_id", "AKIDTEST"}, {"secret_access_key", "${env:AF_TEST_SECRET}"},
                         {"session_token", "${env:AF_TEST_TOKEN}"}}}},
       {{"kind", "azure-blob"}, {"url", store.url("/c/{sha512}") + "?sv=2021-08-06&sp=rcw&sig=" + sig},
        {"access", "readwrite"}}});
  const fs::path cfg = dir / "af.json";
  af_test::write_file(cfg, Json{{"retry", {{"attempts", 1}, {"backoff_ms", 10}}}, {"sources", sources}}.dump());
  const af_test::EnvList env = {{"AF_TEST_SECRET", secret}, {"AF_TEST_TOKEN", token}};
  auto r = af_it::run_cli({"fetch", origin.url("/a.bin"), "--sha512", af_test::sha512_hex(data), "-o",
                           (dir / "out.bin").string(), "--config", cfg.string(), "--json", "-v"},
                          dir / "cache", dir.path(), env);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  // Both stores were really asked (and failed), so there was something to leak.
  ASSERT_GE(store.requests().size(), 2u);
  bool signed_request = false;
  for (const auto& q : store.requests()) signed_request = signed_request || q.headers.count("Authorization") > 0;
  EXPECT_TRUE(signed_request) << "the S3 candidate was not signed";
  for (const std::string& s : {secret, token, sig}) {
    EXPECT_EQ(r.out.find(s), std::string::npos) << s << " in stdout";
    EXPECT_EQ(r.err.find(s), std::string::npos) << s << " in stderr";
    for (const auto& f : af_it::files_under(dir / "cache")) {
      if (f.rfind("objects/", 0) == 0) continue;  // the asset's own bytes
      EXPECT_EQ(af_test::read_file(dir / "cache" / f).find(s), std::string::npos) << s << " in cache file " << f;
    }
  }
}

}  // namespace

