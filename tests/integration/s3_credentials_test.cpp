// Where S3 credentials come from (docs/mirrors.md, "Where S3 credentials
// come from"), each source tested with the earlier ones absent, against the
// signature-checking s3rver (label `s3rver`): the shared credentials and
// config files with AWS_PROFILE, web identity (STS AssumeRoleWithWebIdentity),
// container credentials and IMDSv2, the token services being TestServer
// scripts on 127.0.0.1. Temporary credentials are refreshed before they
// expire; a source found earlier in the chain keeps later services unasked;
// no key or token reaches the output or the cache.
#include <gtest/gtest.h>

#include <algorithm>

#include <atomic>
#include <ctime>
#include <memory>
#include <sstream>
#include <nlohmann/json.hpp>

#include "object_store_emulator.h"
#include "object_store_util.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using af_test::S3Emulator;
using af_test::TestServer;
using Json = nlohmann::json;

std::string iso_in(std::chrono::seconds from_now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + from_now);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

const std::string kSessionToken = "FwoGZXIvYXdzEXAMPLEsessiontoken4411";
const std::string kWebToken = "eyJhbGciOiJSUzI1NiJ9.web-identity-token-9c0d";

struct S3Credentials : ::testing::Test {
  static void SetUpTestSuite() {
    af_test::remove_proxy_env();
    s3 = std::make_unique<S3Emulator>("creds");
  }
  static void TearDownTestSuite() { s3.reset(); }

  void SetUp() override {
    static int n = 0;
    prefix = "c" + std::to_string(++n);
    for (int i = 0; i < 2; ++i) {
      data.push_back(af_test::random_bytes(20000 + i, 40 + n * 2 + i));
      s3->put_object("creds", prefix + "/" + af_test::sha256_hex(data.back()), data.back());
    }
    // The origin has nothing: only a signed read from the store can succeed.
    af_test::write_file(dir / "token", kWebToken + "\n");
  }

  // Every AWS variable of the chain empty (so unset for assetfetch) and the
  // shared files pointing at nothing: each test sets what it tests.
  af_test::EnvList env(af_test::EnvList set) const {
    af_test::EnvList e = {{"ASSETFETCH_CONFIG", ""},
                          {"ASSETFETCH_OFFLINE", ""},
                          {"AWS_ACCESS_KEY_ID", ""},
                          {"AWS_SECRET_ACCESS_KEY", ""},
                          {"AWS_SESSION_TOKEN", ""},
                          {"AWS_PROFILE", ""},
                          {"AWS_REGION", "us-east-1"},
                          {"AWS_DEFAULT_REGION", ""},
                          {"AWS_SHARED_CREDENTIALS_FILE", (dir / "no-credentials").string()},
                          {"AWS_CONFIG_FILE", (dir / "no-config").string()},
                          {"AWS_WEB_IDENTITY_TOKEN_FILE", ""},
                          {"AWS_ROLE_ARN", ""},
                          {"AWS_ENDPOINT_URL_STS", ""},
                          {"AWS_ENDPOINT_URL", ""},
                          {"AWS_ENDPOINT_URL_S3", ""},
                          {"AWS_CONTAINER_CREDENTIALS_FULL_URI", ""},
                          {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ""},
                          {"AWS_CONTAINER_AUTHORIZATION_TOKEN", ""},
                          {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", ""},
                          {"AWS_EC2_METADATA_SERVICE_ENDPOINT", ""},
                          {"AWS_EC2_METADATA_DISABLED", ""}};
    for (auto& [k, v] : set) {
      bool replaced = false;
      for (auto& [ek, ev] : e)
        if (ek == k) ev = v, replaced = true;
      if (!replaced) e.emplace_back(k, v);
    }
    return e;
  }

  // A config whose only source is the store, with no region and no keys.
  fs::path config(Json extra = Json::object()) {
    Json source{{"kind", "s3"}, {"url", "s3://creds/" + prefix + "/{sha256}"}, {"endpoint", s3->endpoint()}};
    source.update(extra);
    Json j{{"retry", {{"attempts", 1}, {"backoff_ms", 10}, {"no_progress_timeout_s", 2}}},
           {"sources", Json::array({source})}};
    af_test::write_file(dir / "af.json", j.dump(2));
    return dir / "af.json";
  }

  // `sync` of both assets (URLs on the empty origin) with its own cache.
  af_test::ProcessResult sync(const af_test::EnvList& e) {
    Json assets = Json::array();
    for (std::size_t i = 0; i < data.size(); ++i)
      assets.push_back({{"name", "a" + std::to_string(i)},
                        {"urls", {origin.url("/a" + std::to_string(i))}},
                        {"sha256", af_test::sha256_hex(data[i])}});
    af_test::write_file(dir / "m.json", Json{{"assets", assets}}.dump());
    return af_it::run_machine(dir.path(), "m", {"sync", (dir / "m.json").string(), "--dest", (dir / "out").string(),
                                                "-j1", "--json", "-v"},
                              dir / "af.json", e);
  }

  void expect_both_from_the_store(const af_test::ProcessResult& r) {
    ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
    for (std::size_t i = 0; i < data.size(); ++i)
      EXPECT_EQ(af_test::read_file(dir / "out" / ("a" + std::to_string(i))), data[i]);
    EXPECT_TRUE(origin.requests().empty()) << "the origin served: the store refused the signature";
  }

  void expect_no_secret(const af_test::ProcessResult& r) {
    for (const std::string& s : {std::string(S3Emulator::kSecretKey) + "\"", kSessionToken, kWebToken}) {
      EXPECT_EQ(r.out.find(s), std::string::npos) << s << " in stdout";
      EXPECT_EQ(r.err.find(s), std::string::npos) << s << " in stderr";
      for (const auto& f : af_it::files_under(dir / "m" / "cache")) {
        if (f.rfind("objects/", 0) == 0) continue;
        EXPECT_EQ(af_test::read_file(dir / "m" / "cache" / f).find(s), std::string::npos) << s << " in " << f;
      }
    }
  }

  // STS on `sts`: checks the request, answers the emulator's keys with a
  // session token expiring `valid_for` from now; counts its answers.
  void serve_sts(std::chrono::seconds valid_for) {
    sts.script("POST", "/", [this, valid_for](const af_test::RequestRecord&, const std::string& body) {
      ++sts_calls;
      TestServer::Answer a;
      if (body.find("Action=AssumeRoleWithWebIdentity") == std::string::npos ||
          body.find("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fci") == std::string::npos ||
          body.find("WebIdentityToken=" + kWebToken) == std::string::npos) {
        a.status = 400;
        a.body = "<ErrorResponse><Error><Code>InvalidParameter</Code></Error></ErrorResponse>";
        return a;
      }
      a.headers.emplace("Content-Type", "text/xml");
      a.body = "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
               "<AccessKeyId>" + std::string(S3Emulator::kAccessKey) + "</AccessKeyId>"
               "<SecretAccessKey>" + std::string(S3Emulator::kSecretKey) + "</SecretAccessKey>"
               "<SessionToken>" + kSessionToken + "</SessionToken>"
               "<Expiration>" + iso_in(valid_for) + "</Expiration>"
               "</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
      return a;
    });
  }
  af_test::EnvList web_identity() const {
    return {{"AWS_WEB_IDENTITY_TOKEN_FILE", (dir / "token").string()},
            {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ci"},
            {"AWS_ENDPOINT_URL_STS", sts.url("")}};
  }
  static std::string credentials_json(const std::string& expiration) {
    return Json{{"AccessKeyId", S3Emulator::kAccessKey}, {"SecretAccessKey", S3Emulator::kSecretKey},
                {"Token", kSessionToken}, {"Expiration", expiration}, {"Code", "Success"}}
        .dump();
  }

  static std::unique_ptr<S3Emulator> s3;
  std::string prefix;
  std::vector<std::string> data;
  af_test::TempDir dir;
  TestServer origin, sts;
  std::atomic<int> sts_calls{0};
};

std::unique_ptr<S3Emulator> S3Credentials::s3;

TEST_F(S3Credentials, ProfileFromTheSharedFilesWithRegionFromTheConfigFile) {
  af_test::write_file(dir / "credentials",
                      "[default]\naws_access_key_id = WRONG\naws_secret_access_key = WRONG\n\n"
                      "# the CI profile\n[ci]\naws_access_key_id = " + std::string(S3Emulator::kAccessKey) +
                          "\naws_secret_access_key = " + S3Emulator::kSecretKey + "\n");
  af_test::write_file(dir / "config", "[default]\nregion = eu-west-9\n\n[profile ci]\nregion = us-east-1\ns3 =\n"
                                      "  addressing_style = path\n");
  config();
  serve_sts(std::chrono::hours(1));  // set up, but the profile comes first
  af_test::EnvList set = web_identity();
  set.insert(set.end(), {{"AWS_PROFILE", "ci"},
                         {"AWS_REGION", ""},
                         {"AWS_SHARED_CREDENTIALS_FILE", (dir / "credentials").string()},
                         {"AWS_CONFIG_FILE", (dir / "config").string()}});
  auto r = sync(env(set));
  expect_both_from_the_store(r);
  EXPECT_EQ(sts_calls.load(), 0) << "STS was asked although the profile had keys";

  // Control: the default profile's keys (wrong) are refused by the store.
  set.push_back({"AWS_PROFILE", ""});
  fs::remove_all(dir / "m");
  fs::remove_all(dir / "out");
  auto control = sync(env(set));
  EXPECT_NE(control.exit_code, 0) << af_it::describe(control);
}

TEST_F(S3Credentials, EnvironmentKeysComeBeforeWebIdentity) {
  config({{"region", "us-east-1"}});
  serve_sts(std::chrono::hours(1));
  af_test::EnvList set = web_identity();
  set.insert(set.end(), {{"AWS_ACCESS_KEY_ID", S3Emulator::kAccessKey}, {"AWS_SECRET_ACCESS_KEY", S3Emulator::kSecretKey}});
  expect_both_from_the_store(sync(env(set)));
  EXPECT_EQ(sts_calls.load(), 0);
}

TEST_F(S3Credentials, WebIdentityAsksStsOnceForLongLivedCredentials) {
  config();
  serve_sts(std::chrono::hours(1));
  auto r = sync(env(web_identity()));
  expect_both_from_the_store(r);
  EXPECT_EQ(sts_calls.load(), 1);
  const auto asked = sts.requests();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].headers.count("Authorization"), 0u) << "AssumeRoleWithWebIdentity is not signed";
  expect_no_secret(r);
}

TEST_F(S3Credentials, CredentialsAboutToExpireAreFetchedAgain) {
  config();
  serve_sts(std::chrono::seconds(60));  // inside the 5-minute refresh margin at once
  auto r = sync(env(web_identity()));
  expect_both_from_the_store(r);
  EXPECT_GE(sts_calls.load(), 2) << "expiring credentials were used again instead of refreshed";
}

TEST_F(S3Credentials, StsRefusingIsAFailoverNotAHang) {
  config();
  sts.script("POST", "/", [](const af_test::RequestRecord&, const std::string&) {
    return TestServer::Answer{403, "<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>", {}};
  });
  origin.add_file("/a0", data[0]);
  origin.add_file("/a1", data[1]);
  const auto start = std::chrono::steady_clock::now();
  auto r = sync(env(web_identity()));
  EXPECT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(af_test::read_file(dir / "out" / "a1"), data[1]);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_EQ(sts.requests().size(), 1u) << "a failed STS answer is remembered for a while, not asked per request";
}

TEST_F(S3Credentials, ContainerCredentialsWithATokenFile) {
  config();
  af_test::write_file(dir / "auth", "Bearer container-auth-1\n");
  TestServer agent;
  agent.script("GET", "/v2/credentials", [](const af_test::RequestRecord& q, const std::string&) {
    auto auth = q.headers.find("Authorization");
    if (auth == q.headers.end() || auth->second != "Bearer container-auth-1") return TestServer::Answer{401, "", {}};
    return TestServer::Answer{200, credentials_json(iso_in(std::chrono::hours(6))), {{"Content-Type", "application/json"}}};
  });
  serve_sts(std::chrono::hours(1));
  auto r = sync(env({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", agent.url("/v2/credentials")},
                     {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", (dir / "auth").string()},
                     {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer not-this-one"}}));
  expect_both_from_the_store(r);
  EXPECT_EQ(agent.requests().size(), 1u);
  EXPECT_EQ(sts_calls.load(), 0);
  expect_no_secret(r);
}

TEST_F(S3Credentials, InstanceMetadataV2) {
  config();
  TestServer imds;
  imds.script("PUT", "/latest/api/token", [](const af_test::RequestRecord& q, const std::string&) {
    if (q.headers.count("X-aws-ec2-metadata-token-ttl-seconds") == 0) return TestServer::Answer{400, "", {}};
    return TestServer::Answer{200, "imds-session-token", {}};
  });
  auto with_token = [](const af_test::RequestRecord& q) {
    auto t = q.headers.find("X-aws-ec2-metadata-token");
    return t != q.headers.end() && t->second == "imds-session-token";
  };
  imds.script("GET", "/latest/meta-data/iam/security-credentials/",
              [&](const af_test::RequestRecord& q, const std::string&) {
                return with_token(q) ? TestServer::Answer{200, "build-role", {}} : TestServer::Answer{401, "", {}};
              });
  imds.script("GET", "/latest/meta-data/iam/security-credentials/build-role",
              [&](const af_test::RequestRecord& q, const std::string&) {
                return with_token(q) ? TestServer::Answer{200, credentials_json(iso_in(std::chrono::hours(6))), {}}
                                     : TestServer::Answer{401, "", {}};
              });
  auto r = sync(env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url("")}}));
  expect_both_from_the_store(r);
  EXPECT_EQ(imds.requests().size(), 3u);

  // AWS_EC2_METADATA_DISABLED wins: no credentials, so the store is skipped.
  imds.clear_log();
  fs::remove_all(dir / "m");
  fs::remove_all(dir / "out");
  origin.add_file("/a0", data[0]);
  origin.add_file("/a1", data[1]);
  auto off = sync(env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url("")}, {"AWS_EC2_METADATA_DISABLED", "true"}}));
  EXPECT_EQ(off.exit_code, 0) << af_it::describe(off);
  EXPECT_TRUE(imds.requests().empty());
  EXPECT_NE(off.err.find("AWS_EC2_METADATA_DISABLED"), std::string::npos) << off.err;
}

// "credentials": "none" (a public bucket): requests go unsigned, whatever the
// environment holds. The keys set here are wrong, so a signed request fails.
TEST_F(S3Credentials, NoneSendsUnsignedRequestsAndIgnoresTheChain) {
  config({{"credentials", "none"}});
  auto r = sync(env({{"AWS_ACCESS_KEY_ID", "WRONG"}, {"AWS_SECRET_ACCESS_KEY", "WRONG"}}));
  expect_both_from_the_store(r);

  config();  // control: the chain finds the wrong keys and the store refuses them
  fs::remove_all(dir / "m");
  fs::remove_all(dir / "out");
  auto control = sync(env({{"AWS_ACCESS_KEY_ID", "WRONG"}, {"AWS_SECRET_ACCESS_KEY", "WRONG"}}));
  EXPECT_NE(control.exit_code, 0) << af_it::describe(control);
}

// Nothing anywhere: one warning naming the store and the fix, no request to
// the store, the origin serves, exit 0 (issue 20: no more exit 2).
TEST_F(S3Credentials, NoCredentialsSkipsTheStoreWithOneWarning) {
  config();
  origin.add_file("/a0", data[0]);
  origin.add_file("/a1", data[1]);
  const auto start = std::chrono::steady_clock::now();
  auto r = sync(env({}));
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10)) << "waited for a service";
  EXPECT_EQ(af_test::read_file(dir / "out" / "a0"), data[0]);
  // s3rver logs each request as "/KEY STATUS ..."; the test's own PUTs are 200.
  std::istringstream log(s3->request_log());
  for (std::string line; std::getline(log, line);)
    EXPECT_FALSE(line.find("/" + prefix + "/") != std::string::npos && line.find(" 200 ") == std::string::npos &&
                 line.find("Stored object") == std::string::npos)
        << "the store was asked: " << line;
  std::size_t warnings = 0;
  for (auto at = r.err.find("no AWS credentials found"); at != std::string::npos;
       at = r.err.find("no AWS credentials found", at + 1))
    ++warnings;
  EXPECT_EQ(warnings, 1u) << r.err;
  for (const char* named : {"/sources/0", "s3://creds/", "AWS_ACCESS_KEY_ID", "AWS_PROFILE", "skipped"})
    EXPECT_NE(r.err.find(named), std::string::npos) << named << " not in: " << r.err;
}

// A profile's credential_process (no keys in the files): the JSON it prints
// signs; it runs once while its Expiration is far off and again when that is
// within the refresh margin; it comes before web identity (STS not asked);
// neither its keys nor its command line (which may hold secrets) is printed.
TEST_F(S3Credentials, CredentialProcessOfTheProfile) {
  const auto answer = [&](std::chrono::seconds valid_for) {
    af_test::write_file(dir / "answer.json",
                        Json{{"Version", 1}, {"AccessKeyId", S3Emulator::kAccessKey},
                             {"SecretAccessKey", S3Emulator::kSecretKey}, {"SessionToken", kSessionToken},
                             {"Expiration", iso_in(valid_for)}}.dump());
  };
  answer(std::chrono::hours(1));
  af_test::write_file(dir / "creds.sh", "echo run >> '" + (dir / "runs").string() + "'\ncat '" +
                                            (dir / "answer.json").string() + "'\n");
  af_test::write_file(dir / "config", "[profile ci]\nregion = us-east-1\ncredential_process = /bin/sh " +
                                          (dir / "creds.sh").string() + " --password hunter2-secret\n");
  config();
  serve_sts(std::chrono::hours(1));  // set up, but the profile's process comes first
  af_test::EnvList set = web_identity();
  set.insert(set.end(), {{"AWS_PROFILE", "ci"}, {"AWS_CONFIG_FILE", (dir / "config").string()}});
  const auto runs = [&] {
    const std::string text = fs::exists(dir / "runs") ? af_test::read_file(dir / "runs") : "";
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  };
  auto r = sync(env(set));
  expect_both_from_the_store(r);
  expect_no_secret(r);
  EXPECT_EQ(r.err.find("hunter2-secret"), std::string::npos) << r.err;
  EXPECT_EQ(runs(), 1) << "credentials valid for an hour were fetched again";
  EXPECT_EQ(sts_calls.load(), 0) << "web identity was asked before the profile's credential_process";

  answer(std::chrono::seconds(60));  // inside the 5-minute margin at once
  fs::remove_all(dir / "m");
  fs::remove_all(dir / "out");
  expect_both_from_the_store(sync(env(set)));
  EXPECT_GE(runs(), 3) << "expiring credentials were used again instead of fetched anew";
}

// A command that fails costs one run (remembered 15 s), not one per
// request: the store is asked unsigned, refuses, and the origin serves.
TEST_F(S3Credentials, ACredentialProcessThatFailsIsAFailover) {
  origin.add_file("/a0", data[0]);
  origin.add_file("/a1", data[1]);
  af_test::write_file(dir / "creds.sh", "echo run >> '" + (dir / "runs").string() + "'\nexit 3\n");
  af_test::write_file(dir / "config", "[default]\ncredential_process = /bin/sh " + (dir / "creds.sh").string() + "\n");
  config();
  auto r = sync(env({{"AWS_CONFIG_FILE", (dir / "config").string()}}));
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(af_test::read_file(dir / "out" / "a0"), data[0]);
  EXPECT_EQ(af_test::read_file(dir / "out" / "a1"), data[1]);
  const std::string text = af_test::read_file(dir / "runs");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << "a failing command ran for every request";
}

}  // namespace
