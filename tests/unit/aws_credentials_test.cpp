// The pieces of the AWS credential chain that need no network: the shared
// files' INI reading and profile selection, the services' time and JSON
// fields, and the order of the chain's file and variable steps. (The
// services themselves: tests/integration/s3_credentials_test.cpp.)
#include <gtest/gtest.h>

#include <cstdlib>

#include "test_util.h"
#include "transfer/aws_credential_chain.h"
#include "transfer/aws_credentials.h"
#include "transfer/aws_profile.h"

namespace {

using namespace assetfetch;

// Sets variables for one test and restores them after.
class ScopedEnv {
 public:
  void set(const char* name, const std::string& value) {
    const char* old = std::getenv(name);
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) ::setenv(it->first.c_str(), it->second->c_str(), 1);
      else ::unsetenv(it->first.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// Every variable the chain reads, empty; files pointing at `dir`.
void clear_chain(ScopedEnv& env, const af_test::TempDir& dir) {
  for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                           "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
                           "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                           "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_EC2_METADATA_DISABLED", "AWS_ENDPOINT_URL",
                           "AWS_ENDPOINT_URL_S3"})
    env.set(name, "");
  env.set("AWS_SHARED_CREDENTIALS_FILE", (dir / "credentials").string());
  env.set("AWS_CONFIG_FILE", (dir / "config").string());
}

TEST(AwsIni, SectionsKeysCommentsAndNestedSettings) {
  const auto s = parse_aws_ini(
      "# comment\n[default]\naws_access_key_id = AKID \n; other comment\n"
      "[profile ci]\nregion=eu-west-1\ns3 =\n  addressing_style = virtual\nrole_arn = arn:aws:iam::1:role/x=y\n");
  EXPECT_EQ(s.at("default").at("aws_access_key_id"), "AKID");
  EXPECT_EQ(s.at("profile ci").at("region"), "eu-west-1");
  EXPECT_EQ(s.at("profile ci").count("addressing_style"), 0u) << "a nested setting is not a profile key";
  EXPECT_EQ(s.at("profile ci").at("role_arn"), "arn:aws:iam::1:role/x=y") << "only the first '=' splits";
}

TEST(AwsProfile, CredentialsFileWinsAndConfigUsesProfilePrefix) {
  af_test::TempDir dir;
  ScopedEnv env;
  clear_chain(env, dir);
  af_test::write_file(dir / "credentials", "[ci]\naws_access_key_id = FROM_CREDENTIALS\n");
  af_test::write_file(dir / "config",
                      "[ci]\nregion = wrong-section\n[profile ci]\naws_access_key_id = FROM_CONFIG\nregion = eu-north-1\n");
  env.set("AWS_PROFILE", "ci");
  const AwsProfile p = read_aws_profile();
  EXPECT_TRUE(p.found);
  EXPECT_EQ(p.value("aws_access_key_id"), "FROM_CREDENTIALS");
  EXPECT_EQ(p.value("region"), "eu-north-1") << "config names other profiles [profile NAME]";
  EXPECT_EQ(aws_region_from_environment(), "eu-north-1");
  env.set("AWS_DEFAULT_REGION", "ap-south-2");
  EXPECT_EQ(aws_region_from_environment(), "ap-south-2");
  env.set("AWS_REGION", "us-west-2");
  EXPECT_EQ(aws_region_from_environment(), "us-west-2");
}

TEST(AwsChain, EnvironmentThenProfileThenServicesAndNothingWithoutThem) {
  af_test::TempDir dir;
  ScopedEnv env;
  clear_chain(env, dir);
  AwsChainResult none = resolve_aws_credentials({});
  EXPECT_FALSE(none.found());
  for (const char* named : {"AWS_ACCESS_KEY_ID", "profile \"default\"", "AWS_WEB_IDENTITY_TOKEN_FILE",
                            "AWS_CONTAINER_CREDENTIALS", "AWS_EC2_METADATA_SERVICE_ENDPOINT"})
    EXPECT_NE(none.looked_at.find(named), std::string::npos) << named << " in " << none.looked_at;

  AwsChainOptions imds_allowed;
  imds_allowed.allow_default_imds = true;
  EXPECT_EQ(resolve_aws_credentials(imds_allowed).source, "instance metadata");
  env.set("AWS_EC2_METADATA_DISABLED", "TRUE");
  EXPECT_FALSE(resolve_aws_credentials(imds_allowed).found());

  env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://203.0.113.9/creds");
  AwsChainResult refused = resolve_aws_credentials({});
  EXPECT_FALSE(refused.found()) << "plain http to a remote host must not carry credentials";
  env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds");
  EXPECT_EQ(resolve_aws_credentials({}).source, "AWS_CONTAINER_CREDENTIALS_*_URI");

  env.set("AWS_WEB_IDENTITY_TOKEN_FILE", (dir / "token").string());
  env.set("AWS_ROLE_ARN", "arn:aws:iam::1:role/ci");
  EXPECT_EQ(resolve_aws_credentials({}).source, "AWS_WEB_IDENTITY_TOKEN_FILE");

  af_test::write_file(dir / "credentials", "[default]\naws_access_key_id = P\naws_secret_access_key = PS\n");
  AwsChainResult profile = resolve_aws_credentials({});
  EXPECT_EQ(profile.keys.access_key_id, "P");
  EXPECT_EQ(profile.provider, nullptr);

  env.set("AWS_ACCESS_KEY_ID", "E");
  env.set("AWS_SECRET_ACCESS_KEY", "ES");
  env.set("AWS_SESSION_TOKEN", "ET");
  AwsChainResult environment = resolve_aws_credentials({});
  EXPECT_EQ(environment.keys.access_key_id, "E");
  EXPECT_EQ(environment.keys.session_token, "ET");
}

// A profile's credential_process becomes a provider (run when a request is
// signed, not at config time); keys in the same profile come first.
TEST(AwsChain, ACredentialProcessIsAProviderAfterTheProfilesKeys) {
  af_test::TempDir dir;
  ScopedEnv env;
  clear_chain(env, dir);
  af_test::write_file(dir / "config", "[default]\ncredential_process = /bin/false\n");
  const AwsChainResult r = resolve_aws_credentials({});
  ASSERT_TRUE(r.found());
  ASSERT_TRUE(r.provider);
  EXPECT_NE(r.source.find("credential_process"), std::string::npos) << r.source;
  std::string why;
  EXPECT_FALSE(r.provider->current(&why));  // /bin/false prints nothing and exits 1
  EXPECT_NE(why.find("exited with status 1"), std::string::npos) << why;

  af_test::write_file(dir / "config", "[default]\naws_access_key_id = K\naws_secret_access_key = S\n"
                                      "credential_process = /bin/false\n");
  const AwsChainResult keys = resolve_aws_credentials({});
  EXPECT_EQ(keys.keys.access_key_id, "K");
  EXPECT_FALSE(keys.provider);
}

TEST(AwsServiceAnswers, TimesAndJsonFields) {
  const auto t = parse_aws_time("2026-12-06T17:30:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*t), 1796578200);
  EXPECT_EQ(parse_aws_time("2026-12-06T17:30:00.123Z"), t);
  EXPECT_EQ(parse_aws_time("2026-12-06T17:30:00+00:00"), t);
  EXPECT_FALSE(parse_aws_time("tomorrow"));
  EXPECT_FALSE(parse_aws_time("2026-12-06T17:30:00+02:00"));
  const std::string json = R"({"Code" : "Success", "Note": "AccessKeyId", "AccessKeyId":"AKID",
    "SecretAccessKey": "a\/b\"c", "Token": "T"})";
  EXPECT_EQ(json_string_field(json, "AccessKeyId"), "AKID") << "a value spelling the key is skipped";
  EXPECT_EQ(json_string_field(json, "SecretAccessKey"), "a/b\"c");
  EXPECT_EQ(json_string_field(json, "Expiration"), "");
}

}  // namespace
