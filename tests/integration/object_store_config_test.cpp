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
    {"unknown kind", with(kS3, "kind", "swift"), "/sources/0/kind"},
    {"missing region", without(kS3, "region"), "region"},
    {"credentials neither none nor keys", with(kS3, "credentials", "anonymous"), "/sources/0/credentials"},
    {"a key id without its secret", with(kS3, "credentials", {{"access_key_id", "AKID"}}), "secret_access_key"},
    {"s3 url without bucket", with(kS3, "url", "s3:///assets/{sha256}"), "no bucket"},
    {"SAS in the path",
     Json{{"kind", "azure-blob"}, {"url", "https://acct.blob.core.windows.net/c/sv=2021&sig=c2VjcmV0/{sha512}"}},
     "/sources/0/url"},
    {"region on a plain source", Json{{"url", "https://cache.example/{sha256}"}, {"region", "x"}}, "/sources/0/region"},
};

// The children's environment: no AWS variable and no shared files, so no
// credentials and no region come from outside the config.
af_test::EnvList no_aws_environment(const fs::path& dir) {
  af_test::EnvList env = {{"ASSETFETCH_CONFIG", ""},
                          {"AWS_SHARED_CREDENTIALS_FILE", (dir / "none").string()},
                          {"AWS_CONFIG_FILE", (dir / "none").string()}};
  for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION",
                           "AWS_DEFAULT_REGION", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
                           "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                           "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"})
    env.emplace_back(name, "");
  return env;
}

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
  const af_test::EnvList unset = no_aws_environment(dir.path());
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

// A store whose credentials are not found is not bad input: `check` and
// `sync` warn once, naming the store, what was missing and the fix; the
// store gets no request and the origin serves (exit 0).
struct MissingCredentials {
  const char* what;
  Json source;  // "URL" is replaced by the store's address
  const char* named;
};

const MissingCredentials kMissing[] = {
    {"s3 keys named but unset",
     Json{{"kind", "s3"}, {"url", "s3://cache/assets/{sha256}"}, {"region", "us-east-1"},
          {"credentials", {{"access_key_id", "${env:AF_TEST_UNSET_KEY}"}, {"secret_access_key", "${env:AF_TEST_UNSET_KEY}"}}}},
     "AF_TEST_UNSET_KEY"},
    {"no s3 credentials anywhere", Json{{"kind", "s3"}, {"url", "s3://cache/assets/{sha256}"}, {"region", "us-east-1"}},
     "AWS_ACCESS_KEY_ID"},
    {"azure SAS from an unset variable", Json{{"kind", "azure-blob"}, {"url", "URL/c/{sha512}?${env:AF_TEST_UNSET_SAS}"}},
     "AF_TEST_UNSET_SAS"},
};

class ObjectStoreMissingCredentials : public ::testing::TestWithParam<MissingCredentials> {};

TEST_P(ObjectStoreMissingCredentials, SkipTheStoreWithOneWarningAndTheOriginServes) {
  af_test::remove_proxy_env();
  af_test::TempDir dir;
  af_test::TestServer origin, store;
  const std::string data = "bytes from the origin";
  origin.add_file("/a.bin", data);
  Json source = GetParam().source;
  source["access"] = "readwrite";
  std::string url = source["url"];
  if (url.rfind("URL", 0) == 0) url = store.url("") + url.substr(3);
  source["url"] = url;
  if (source["kind"] == "s3") source["endpoint"] = store.url("");
  const fs::path cfg = dir / "af.json";
  af_test::write_file(cfg, Json{{"sources", Json::array({source})}}.dump(2));
  const af_test::EnvList env = no_aws_environment(dir.path());
  auto check = af_test::run_process({AF_CLI_PATH, "check", cfg.string()}, env);
  EXPECT_EQ(check.exit_code, 0) << af_it::describe(check);
  EXPECT_NE(check.err.find(GetParam().named), std::string::npos) << af_it::describe(check);
  // The digest the store's template names, so the store is a candidate.
  const bool s3 = source["kind"] == "s3";
  auto sync = af_it::run_cli({"fetch", origin.url("/a.bin"), s3 ? "--sha256" : "--sha512",
                              s3 ? af_test::sha256_hex(data) : af_test::sha512_hex(data), "-o",
                              (dir / "out.bin").string(), "--config", cfg.string()},
                             dir / "cache", dir.path(), env);
  ASSERT_EQ(sync.exit_code, 0) << af_it::describe(sync);
  EXPECT_EQ(af_test::read_file(dir / "out.bin"), data);
  EXPECT_TRUE(store.requests().empty()) << "the store was asked (or written back to)";
  const std::string warning = "/sources/0 (";
  const auto first = sync.err.find(warning);
  ASSERT_NE(first, std::string::npos) << sync.err;
  EXPECT_EQ(sync.err.find(warning, first + 1), std::string::npos) << "more than one warning: " << sync.err;
  for (const char* named : {GetParam().named, "skipped", "export"})
    EXPECT_NE(sync.err.find(named), std::string::npos) << named << " not in: " << sync.err;
}

INSTANTIATE_TEST_SUITE_P(Table, ObjectStoreMissingCredentials, ::testing::ValuesIn(kMissing),
                         [](const ::testing::TestParamInfo<MissingCredentials>& info) {
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
  const std::string secret = "s3-secret-5f1b9c", token = "session-token-77a2e", sig = "c2FzLXNpZ25hdHVyZQ",
                    env_sig = "ZW52LXNhcy1zaWduYXR1cmU";
  Json sources = Json::array(
      {{{"kind", "s3"}, {"url", "s3://bkt/a/{sha512}"}, {"endpoint", store.url("")}, {"region", "us-east-1"},
        {"access", "readwrite"},
        {"credentials", {{"access_key_id", "AKIDTEST"}, {"secret_access_key", "${env:AF_TEST_SECRET}"},
                         {"session_token", "${env:AF_TEST_TOKEN}"}}}},
       {{"kind", "azure-blob"}, {"url", store.url("/c/{sha512}") + "?sv=2021-08-06&sp=rcw&sig=" + sig},
        {"access", "readwrite"}},
       // The SAS from the environment (the config file holds no secret).
       {{"kind", "azure-blob"}, {"url", store.url("/e/{sha512}") + "?${env:AF_TEST_SAS}"}, {"access", "readwrite"}}});
  const fs::path cfg = dir / "af.json";
  af_test::write_file(cfg, Json{{"retry", {{"attempts", 1}, {"backoff_ms", 10}}}, {"sources", sources}}.dump());
  const af_test::EnvList env = {
      {"AF_TEST_SECRET", secret}, {"AF_TEST_TOKEN", token}, {"AF_TEST_SAS", "?sv=2021-08-06&sp=rcw&sig=" + env_sig}};
  auto r = af_it::run_cli({"fetch", origin.url("/a.bin"), "--sha512", af_test::sha512_hex(data), "-o",
                           (dir / "out.bin").string(), "--config", cfg.string(), "--json", "-v"},
                          dir / "cache", dir.path(), env);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  // Both stores were really asked (and failed), so there was something to leak.
  ASSERT_GE(store.requests().size(), 3u);
  bool signed_request = false;
  for (const auto& q : store.requests()) signed_request = signed_request || q.headers.count("Authorization") > 0;
  EXPECT_TRUE(signed_request) << "the S3 candidate was not signed";
  bool env_sas_sent = false;
  for (const auto& q : store.requests())
    env_sas_sent = env_sas_sent || (q.path.rfind("/e/", 0) == 0 && q.target.find("sig=" + env_sig) != std::string::npos);
  EXPECT_TRUE(env_sas_sent) << "the SAS from ${env:AF_TEST_SAS} was not sent";
  for (const std::string& s : {secret, token, sig, env_sig}) {
    EXPECT_EQ(r.out.find(s), std::string::npos) << s << " in stdout";
    EXPECT_EQ(r.err.find(s), std::string::npos) << s << " in stderr";
    for (const auto& f : af_it::files_under(dir / "cache")) {
      if (f.rfind("objects/", 0) == 0) continue;  // the asset's own bytes
      EXPECT_EQ(af_test::read_file(dir / "cache" / f).find(s), std::string::npos) << s << " in cache file " << f;
    }
  }
}

}  // namespace

