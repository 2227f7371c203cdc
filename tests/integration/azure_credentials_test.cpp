// Azure Blob credentials other than a SAS in the URL (issue 20), against a
// real Azurite (label `azurite`): the account key from AZURE_STORAGE_KEY,
// from AZURE_STORAGE_CONNECTION_STRING (Azurite's development string and an
// explicit AccountName/AccountKey one) and from the source's "credentials";
// each one reads and writes back. Controls: without any, the container
// (private) refuses; a key of another account is not used. No output holds
// the key or the signature derived from it.
// Without any, the first process's request goes without credentials (the
// instance metadata service is probed only then) and the next ones skip the
// store with one warning naming what was looked for. A key's account SAS is signed again before it lapses: one config kept
// past the SAS's lifetime (shortened through the internal load option) still
// reads, with a new `se=`.
// Bearer tokens: a workload identity (federated token file), a managed
// identity (App Service's IDENTITY_ENDPOINT) and a VM's instance metadata
// service (IMDS at AZURE_POD_IDENTITY_AUTHORITY_HOST), in the Azure SDKs'
// order, served by loopback token servers, the storage calls against Azurite
// over HTTPS with `--oauth basic`. No test reaches 169.254.169.254: every
// run points AZURE_POD_IDENTITY_AUTHORITY_HOST at a loopback server or at
// kNoImds, a loopback port where nothing listens.
#include <gtest/gtest.h>

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <nlohmann/json.hpp>

#include "assetfetch/job.h"
#include "base/base64.h"
#include "config/config.h"
#include "object_store_emulator.h"
#include "object_store_util.h"
#include "recording_proxy.h"
#include "test_ca.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using af_test::AzuriteEmulator;
using af_test::TempDir;
using af_test::TestServer;
using Json = nlohmann::json;

// The instance metadata service as a machine outside Azure has it: none
// (port 1 on loopback refuses at once).
constexpr const char* kNoImds = "http://127.0.0.1:1";

// Azurite's well-known development key (public, documented by Microsoft).
constexpr const char* kDevKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

struct AzureCredentials : ::testing::Test {
  static void SetUpTestSuite() {
    af_test::remove_proxy_env();
    azurite = std::make_unique<AzuriteEmulator>();
  }
  static void TearDownTestSuite() { azurite.reset(); }
  void SetUp() override {
    origin.add_file("/pkg/tool.tar.gz", data);
    static int n = 0;
    container = "cred" + std::to_string(++n);
    azurite->create_container(container);
  }
  fs::path config(Json credentials = nullptr) {
    Json s{{"kind", "azure-blob"}, {"access", "readwrite"}, {"url", azurite->container_url(container) + "/{sha512}"}};
    if (!credentials.is_null()) s["credentials"] = credentials;
    Json j{{"retry", {{"attempts", 1}, {"backoff_ms", 10}, {"no_progress_timeout_s", 2}}},
           {"sources", Json::array({s})}};
    af_test::write_file(dir / "af.json", j.dump(2));
    return dir / "af.json";
  }
  // Machine A fetches from the origin and writes back; machine B, with the
  // origin stopped, can only read the store. Both with `env`.
  void expect_read_and_write(const af_test::EnvList& env) {
    auto a = af_it::run_machine(dir.path(), "A", fetch_args("A", {"-v"}), dir / "af.json", with(env));
    ASSERT_EQ(a.exit_code, 0) << af_it::describe(a);
    EXPECT_EQ(a.err.find("write-back to"), std::string::npos) << a.err;
    EXPECT_EQ(azurite->get_blob(container, hex), data) << "the write-back did not land";
    expect_no_secret(a);
    origin.stop();
    auto b = af_it::run_machine(dir.path(), "B", fetch_args("B", {"--json"}), dir / "af.json", with(env));
    ASSERT_EQ(b.exit_code, 0) << af_it::describe(b);
    EXPECT_EQ(af_test::read_file(dir / "B" / "out.bin"), data);
    expect_no_secret(b);
    for (const char* machine : {"A", "B"}) {  // job records, store marks, ...
      for (const auto& file : af_it::files_under(dir / machine / "cache")) {
        af_test::ProcessResult as_output;
        as_output.out = af_test::read_file(dir / machine / "cache" / file);
        expect_no_secret(as_output);
      }
    }
  }
  std::vector<std::string> fetch_args(const std::string& machine, std::vector<std::string> extra) {
    std::vector<std::string> args{"fetch", origin.url("/pkg/tool.tar.gz"), "--sha512", hex, "-o",
                                  (dir / machine / "out.bin").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  static af_test::EnvList with(af_test::EnvList env) {
    for (const char* name : {"AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_CONNECTION_STRING",
                             "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "AZURE_FEDERATED_TOKEN_FILE"}) {
      bool set = false;
      for (const auto& [k, v] : env) set = set || k == name;
      if (!set) env.emplace_back(name, "");
    }
    env.emplace_back("AZURE_POD_IDENTITY_AUTHORITY_HOST", kNoImds);
    env.emplace_back("ASSETFETCH_CONFIG", "");
    env.emplace_back("ASSETFETCH_OFFLINE", "");
    return env;
  }
  // Neither the key nor the signature made with it is printed; the SAS is.
  static void expect_no_secret(const af_test::ProcessResult& r) {
    for (const std::string& text : {r.out, r.err}) {
      EXPECT_EQ(text.find(std::string(kDevKey).substr(0, 20)), std::string::npos) << "the key leaked: " << text;
      const auto sig = text.find("sig=");
      if (sig != std::string::npos) {
        EXPECT_EQ(text.compare(sig, 12, "sig=REDACTED"), 0) << text;
      }
    }
  }

  static std::unique_ptr<AzuriteEmulator> azurite;
  std::string container;
  TempDir dir;
  TestServer origin;
  const std::string data = af_test::random_bytes(200000, 29);
  const std::string hex = af_test::sha512_hex(data);
};
std::unique_ptr<AzuriteEmulator> AzureCredentials::azurite;

// Nothing found (no key, no identity, no instance metadata service): the
// first process learns it only when the store is needed (the IMDS probe is
// lazy): its request goes without credentials, the private container
// refuses, the origin serves (exit 0), the write-back says why and nothing
// lands. The absence is remembered (azure_imds_test.cpp), so the next
// process skips the store with one warning naming each place looked at
// and sends it nothing; quickly, since a refused probe ends at once.
TEST_F(AzureCredentials, WithoutCredentialsTheStoreIsSkipped) {
  af_test::RecordingProxy proxy(azurite->port());
  Json s{{"kind", "azure-blob"}, {"access", "readwrite"},
         {"url", proxy.endpoint() + "/devstoreaccount1/" + container + "/{sha512}"}};
  af_test::write_file(dir / "af.json", Json{{"retry", {{"attempts", 1}, {"backoff_ms", 10}, {"no_progress_timeout_s", 2}}},
                                            {"sources", Json::array({s})}}.dump(2));
  const auto started = std::chrono::steady_clock::now();
  auto first = af_it::run_machine(dir.path(), "A", fetch_args("A", {"-v"}), dir / "af.json", with({}));
  ASSERT_EQ(first.exit_code, 0) << af_it::describe(first);  // the origin serves
  EXPECT_FALSE(azurite->get_blob(container, hex));
  EXPECT_NE(first.err.find("no credentials: managed identity (instance metadata at http://127.0.0.1:1): no instance "
                           "metadata service"),
            std::string::npos) << first.err;
  for (const auto& e : proxy.exchanges()) {
    EXPECT_EQ(e.method, "GET") << "the store got more than the read: " << e.target;
    EXPECT_GE(e.status, 400) << "the private container served an anonymous read";
  }

  const std::size_t before = proxy.exchanges().size();
  auto r = af_it::run_machine(dir.path(), "A", fetch_args("A2", {"-v"}), dir / "af.json", with({}));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);  // the origin serves
  EXPECT_EQ(proxy.exchanges().size(), before) << "a skipped store was asked";
  EXPECT_EQ(r.err.find("write-back to"), std::string::npos) << "a skipped store got an upload: " << r.err;
  const auto warning = r.err.find("no Azure credentials found");
  ASSERT_NE(warning, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("no Azure credentials found", warning + 1), std::string::npos) << "one warning: " << r.err;
  for (const char* looked : {"/sources/0", "AZURE_STORAGE_KEY", "AZURE_STORAGE_CONNECTION_STRING",
                             "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT",
                             "the instance metadata service at http://127.0.0.1:1", "this store is skipped"})
    EXPECT_NE(r.err.find(looked), std::string::npos) << looked << " is not named: " << r.err;
  EXPECT_LT(took, std::chrono::seconds(40));
}

// An account SAS from a key lapses (24 hours; here 3 seconds through the
// internal load option). A host keeping one loaded config past that signs a
// new one: the read after the first SAS expired carries a new `se=` and
// succeeds. Control: Azurite refuses the first SAS by then.
TEST_F(AzureCredentials, AnAccountSasIsSignedAgainBeforeItLapses) {
  af_test::RecordingProxy proxy(azurite->port());
  Json s{{"kind", "azure-blob"}, {"access", "readwrite"},
         {"url", proxy.endpoint() + "/devstoreaccount1/" + container + "/{sha512}"},
         {"credentials", {{"account_key", "${env:AF_TEST_REFRESH_KEY}"}}}};
  af_test::write_file(dir / "af.json", Json{{"retry", {{"attempts", 1}, {"backoff_ms", 10}}},
                                            {"sources", Json::array({s})}}.dump(2));
  af_test::set_env("AF_TEST_REFRESH_KEY", kDevKey);
  assetfetch::ConfigLoadOptions options;
  options.azure_sas_lifetime = std::chrono::seconds(3);
  auto config = std::make_shared<assetfetch::Config>(assetfetch::load_config(dir / "af.json", options));
  af_test::set_env("AF_TEST_REFRESH_KEY", nullptr);
  ASSERT_EQ(config->sources.size(), 1u);

  const auto fetch = [&](const std::string& machine) {
    assetfetch::JobOptions o;
    o.cache_dir = dir / machine / "cache";
    o.sources = config;
    o.retry.attempts = 1;
    o.retry.backoff = std::chrono::milliseconds(10);
    auto job = assetfetch::create_job("refresh", o);
    assetfetch::FileSpec spec;
    spec.name = "tool";
    spec.urls = {origin.url("/pkg/tool.tar.gz")};
    spec.local_name = dir / machine / "out.bin";
    spec.digest = assetfetch::Digest{assetfetch::HashAlgorithm::sha512, hex};
    assetfetch::ErrorContext error;
    EXPECT_NE(job->add_file(spec, &error), nullptr) << error.message;
    job->resume();
    const auto state = job->wait(std::chrono::seconds(60));
    job->complete(&error);
    const auto uploads = job->wait_uploads(std::chrono::seconds(60));
    EXPECT_TRUE(uploads.failures.empty()) << uploads.failures.front().reason;
    return state;
  };
  const auto se_of = [](const af_test::ProxiedExchange& e) {
    const auto at = e.target.find("se=");
    return at == std::string::npos ? std::string() : e.target.substr(at + 3, e.target.find('&', at) - at - 3);
  };
  // Machine A: from the origin, written back with the first SAS.
  ASSERT_EQ(fetch("A"), assetfetch::JobState::transferred);
  ASSERT_EQ(azurite->get_blob(container, hex), data) << "the write-back did not land";
  std::string first_se, first_query;
  for (const auto& e : proxy.exchanges())
    if (e.method == "PUT" && e.status == 201) first_se = se_of(e), first_query = e.target.substr(e.target.find('?') + 1);
  ASSERT_FALSE(first_se.empty());

  // Past the first SAS's expiry (whole seconds, plus a margin for the clock).
  std::this_thread::sleep_for(std::chrono::milliseconds(4500));
  httplib::Client control("127.0.0.1", azurite->port());
  auto stale = control.Get("/devstoreaccount1/" + container + "/" + hex + "?" + first_query,
                           httplib::Headers{{"x-ms-version", "2021-08-06"}});
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 403) << "Azurite still takes the first SAS; the test proves nothing";

  // Machine B, the same config, the origin gone: only the store can serve.
  origin.stop();
  const std::size_t before = proxy.exchanges().size();
  ASSERT_EQ(fetch("B"), assetfetch::JobState::transferred);
  EXPECT_EQ(af_test::read_file(dir / "B" / "out.bin"), data);
  const auto all = proxy.exchanges();
  bool read = false;
  for (std::size_t i = before; i < all.size(); ++i) {
    if (all[i].method != "GET") continue;
    read = true;
    EXPECT_TRUE(all[i].status == 200 || all[i].status == 206) << all[i].status;
    EXPECT_NE(se_of(all[i]), first_se) << "the lapsed SAS was sent again";
    EXPECT_NE(all[i].target.find("sig="), std::string::npos);
  }
  EXPECT_TRUE(read) << "machine B did not read the store";
}

TEST_F(AzureCredentials, DevelopmentConnectionString) {
  config();
  expect_read_and_write({{"AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true"}});
}

TEST_F(AzureCredentials, ConnectionStringWithAccountKey) {
  config();
  expect_read_and_write({{"AZURE_STORAGE_CONNECTION_STRING",
                          "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + std::string(kDevKey) +
                              ";BlobEndpoint=" + azurite->container_url("").substr(0, azurite->container_url("").size() - 1) +
                              ";"}});
}

TEST_F(AzureCredentials, AccountKeyFromTheEnvironment) {
  config();
  expect_read_and_write({{"AZURE_STORAGE_ACCOUNT", "devstoreaccount1"}, {"AZURE_STORAGE_KEY", kDevKey}});
}

TEST_F(AzureCredentials, AccountKeyNamedInTheConfig) {
  config({{"account_key", "${env:TEAM_CACHE_KEY}"}});
  expect_read_and_write({{"TEAM_CACHE_KEY", kDevKey}});
}

// A key for another account is not used (the URL names devstoreaccount1):
// requests stay anonymous and the write is refused.
TEST_F(AzureCredentials, AKeyOfAnotherAccountIsNotUsed) {
  config();
  auto r = af_it::run_machine(dir.path(), "A", fetch_args("A", {"-v"}), dir / "af.json",
                              with({{"AZURE_STORAGE_ACCOUNT", "someoneelse"}, {"AZURE_STORAGE_KEY", kDevKey}}));
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_FALSE(azurite->get_blob(container, hex));
  expect_no_secret(r);
}

// A wrong key signs a SAS the store refuses (403): the origin serves, the
// write-back warns, nothing lands.
TEST_F(AzureCredentials, AWrongKeyIsRefusedByTheStore) {
  config({{"account_key", "${env:TEAM_CACHE_KEY}"}});
  auto r = af_it::run_machine(dir.path(), "A", fetch_args("A", {"-v"}), dir / "af.json",
                              with({{"TEAM_CACHE_KEY", "d3Jvbmcga2V5IHdyb25nIGtleSB3cm9uZyBrZXk="}}));
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_NE(r.err.find("403 AuthorizationFailure"), std::string::npos) << r.err;
  expect_no_secret(r);
  EXPECT_FALSE(azurite->get_blob(container, hex));
}

// An unset variable named in "credentials" skips the store with one warning
// (not exit 2); "none" sends anonymous requests whatever the environment holds.
TEST_F(AzureCredentials, UnsetKeyVariableSkipsTheStoreAndNoneIsAnonymous) {
  config({{"account_key", "${env:TEAM_CACHE_KEY}"}});
  auto r = af_it::run_machine(dir.path(), "A", fetch_args("A", {}), dir / "af.json", with({}));
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_NE(r.err.find("TEAM_CACHE_KEY"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/sources/0"), std::string::npos) << r.err;

  config("none");
  r = af_it::run_machine(dir.path(), "B", fetch_args("B", {"-v"}), dir / "af.json",
                         with({{"AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true"}}));
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_FALSE(azurite->get_blob(container, hex)) << "\"none\" still signed";
}

// A JWT as Azurite's basic OAuth check wants it (iss, aud, iat, nbf, exp;
// the signature is not checked): what Azure AD would issue for storage.
std::string storage_token(long long lifetime_s, const std::string& audience = "https://storage.azure.com") {
  const auto url64 = [](const std::string& text) {
    std::string b = assetfetch::base64(reinterpret_cast<const unsigned char*>(text.data()), text.size());
    while (!b.empty() && b.back() == '=') b.pop_back();
    for (char& c : b) c = c == '+' ? '-' : c == '/' ? '_' : c;
    return b;
  };
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
  const Json claims{{"aud", audience}, {"iss", "https://sts.windows.net/72f988bf-0000-0000-0000-2d7cd011db47/"},
                    {"iat", now - 60}, {"nbf", now - 60}, {"exp", now + lifetime_s}};
  return url64(R"({"alg":"RS256","typ":"JWT"})") + "." + url64(claims.dump()) + ".c2lnbmF0dXJl";
}

struct AzureIdentity : ::testing::Test {
  static void SetUpTestSuite() {
    af_test::remove_proxy_env();
    ca_dir = std::make_unique<TempDir>("azurite-ca");
    ca = std::make_unique<af_test::TestCa>(ca_dir->path());
    azurite = std::make_unique<AzuriteEmulator>(AzuriteEmulator::Https{ca->cert_file, ca->key_file});
  }
  static void TearDownTestSuite() {
    azurite.reset();
    ca.reset();
    ca_dir.reset();
  }
  void SetUp() override {
    origin.add_file("/pkg/tool.tar.gz", data);
    static int n = 0;
    container = "ident" + std::to_string(++n);
    azurite->create_container(container);
    Json s{{"kind", "azure-blob"}, {"access", "readwrite"}, {"url", azurite->container_url(container) + "/{sha512}"}};
    Json j{{"retry", {{"attempts", 1}, {"backoff_ms", 10}, {"no_progress_timeout_s", 2}}},
           {"tls", {{"ca_file", ca->ca_file}}},
           {"sources", Json::array({s})}};
    af_test::write_file(dir / "af.json", j.dump(2));
  }
  af_test::ProcessResult fetch(const std::string& machine, const af_test::EnvList& env, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"fetch", origin.url("/pkg/tool.tar.gz"), "--sha512", hex, "-o",
                                  (dir / machine / "out.bin").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    af_test::EnvList all = env;
    for (const char* name : {"IDENTITY_ENDPOINT", "IDENTITY_HEADER", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_CLIENT_ID",
                             "AZURE_TENANT_ID", "AZURE_AUTHORITY_HOST", "AZURE_STORAGE_KEY",
                             "AZURE_STORAGE_CONNECTION_STRING", "AZURE_POD_IDENTITY_AUTHORITY_HOST"}) {
      bool set = false;
      for (const auto& [k, v] : env) set = set || k == name;
      if (!set) all.emplace_back(name, std::string(name) == "AZURE_POD_IDENTITY_AUTHORITY_HOST" ? kNoImds : "");
    }
    all.emplace_back("ASSETFETCH_CONFIG", "");
    all.emplace_back("ASSETFETCH_OFFLINE", "");
    return af_it::run_machine(dir.path(), machine, args, dir / "af.json", all);
  }
  // Machine A writes back with the token, machine B (origin stopped) reads.
  void expect_read_and_write(const af_test::EnvList& env, const std::string& token) {
    auto a = fetch("A", env, {"-v"});
    ASSERT_EQ(a.exit_code, 0) << af_it::describe(a);
    EXPECT_EQ(a.err.find("write-back to"), std::string::npos) << a.err;
    EXPECT_EQ(azurite->get_blob(container, hex), data) << "the write-back did not land";
    origin.stop();
    auto b = fetch("B", env, {"--json"});
    ASSERT_EQ(b.exit_code, 0) << af_it::describe(b);
    EXPECT_EQ(af_test::read_file(dir / "B" / "out.bin"), data);
    for (const auto* r : {&a, &b})
      for (const std::string& text : {r->out, r->err})
        EXPECT_EQ(text.find(token.substr(token.size() - 30)), std::string::npos) << "the token leaked: " << text;
  }

  static std::unique_ptr<TempDir> ca_dir;
  static std::unique_ptr<af_test::TestCa> ca;
  static std::unique_ptr<AzuriteEmulator> azurite;
  std::string container;
  TempDir dir;
  TestServer origin, identity;
  const std::string data = af_test::random_bytes(150000, 31);
  const std::string hex = af_test::sha512_hex(data);
};
std::unique_ptr<TempDir> AzureIdentity::ca_dir;
std::unique_ptr<af_test::TestCa> AzureIdentity::ca;
std::unique_ptr<AzuriteEmulator> AzureIdentity::azurite;

// Control: Azurite checks the token (a wrong audience is refused, a good one
// accepted), so the tests below mean something.
TEST_F(AzureIdentity, TheEmulatorChecksBearerTokens) {
  httplib::Client c("https://127.0.0.1:" + std::to_string(azurite->port()));
  c.enable_server_certificate_verification(false);
  const std::string path = "/devstoreaccount1/" + container + "/probe";
  httplib::Headers h{{"x-ms-version", "2021-08-06"}, {"x-ms-blob-type", "BlockBlob"}};
  h.emplace("Authorization", "Bearer " + storage_token(3600, "https://example.com"));
  auto bad = c.Put(path, h, "x", "application/octet-stream");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 403) << bad->body;
  h.erase("Authorization");
  h.emplace("Authorization", "Bearer " + storage_token(3600));
  auto good = c.Put(path, h, "x", "application/octet-stream");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 201) << good->body;
}

TEST_F(AzureIdentity, ManagedIdentityTokenReadsAndWrites) {
  const std::string token = storage_token(3600);
  std::atomic<int> asked{0};
  identity.script("GET", "/msi/token", [&](const af_test::RequestRecord& q, const std::string&) {
    ++asked;
    const auto secret = q.headers.find("X-IDENTITY-HEADER");
    if (secret == q.headers.end() || secret->second != "the-identity-secret" ||
        q.target.find("resource=https%3A%2F%2Fstorage.azure.com%2F") == std::string::npos ||
        q.target.find("api-version=2019-08-01") == std::string::npos)
      return af_test::TestServer::Answer{400, "{\"error\":\"bad request\"}"};
    const long long expires = std::chrono::duration_cast<std::chrono::seconds>(
                                  (std::chrono::system_clock::now() + std::chrono::hours(1)).time_since_epoch()).count();
    return af_test::TestServer::Answer{200, Json{{"access_token", token}, {"expires_on", std::to_string(expires)},
                                                 {"resource", "https://storage.azure.com/"}, {"token_type", "Bearer"}}.dump()};
  });
  expect_read_and_write({{"IDENTITY_ENDPOINT", identity.url("/msi/token")}, {"IDENTITY_HEADER", "the-identity-secret"}},
                        token);
  EXPECT_EQ(asked.load(), 2) << "one token per process (machines A and B)";
}

TEST_F(AzureIdentity, WorkloadIdentityExchangesTheFederatedToken) {
  const std::string token = storage_token(3600);
  af_test::write_file(dir / "federated.jwt", "the-federated-assertion\n");
  std::atomic<int> asked{0};
  identity.script("POST", "/tenant-1/oauth2/v2.0/token", [&](const af_test::RequestRecord&, const std::string& body) {
    ++asked;
    for (const char* part : {"grant_type=client_credentials", "client_id=the-client", "client_assertion=the-federated-assertion",
                             "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer",
                             "scope=https%3A%2F%2Fstorage.azure.com%2F.default"})
      if (body.find(part) == std::string::npos) return af_test::TestServer::Answer{400, "{\"error\":\"invalid_request\"}"};
    return af_test::TestServer::Answer{200, Json{{"access_token", token}, {"expires_in", 3599}, {"token_type", "Bearer"}}.dump()};
  });
  expect_read_and_write({{"AZURE_FEDERATED_TOKEN_FILE", (dir / "federated.jwt").string()},
                         {"AZURE_CLIENT_ID", "the-client"},
                         {"AZURE_TENANT_ID", "tenant-1"},
                         {"AZURE_AUTHORITY_HOST", identity.url("/")}},
                        token);
  EXPECT_EQ(asked.load(), 2) << "one token per process (machines A and B)";
}

// A VM's managed identity through the instance metadata service: probed
// without the Metadata header (IMDS answers 400, which counts as "here"),
// then asked with it, api-version 2018-02-01 and the user-assigned
// identity AZURE_CLIENT_ID names.
TEST_F(AzureIdentity, InstanceMetadataTokenReadsAndWrites) {
  const std::string token = storage_token(3600);
  std::atomic<int> probes{0}, asked{0};
  identity.script("GET", "/metadata/identity/oauth2/token", [&](const af_test::RequestRecord& q, const std::string&) {
    const auto metadata = q.headers.find("Metadata");
    if (metadata == q.headers.end()) {
      ++probes;
      return af_test::TestServer::Answer{400, R"({"error":"invalid_request","error_description":"Required metadata header not specified"})"};
    }
    ++asked;
    if (metadata->second != "true" || q.target.find("api-version=2018-02-01") == std::string::npos ||
        q.target.find("resource=https%3A%2F%2Fstorage.azure.com%2F") == std::string::npos ||
        q.target.find("client_id=the-vm-identity") == std::string::npos)
      return af_test::TestServer::Answer{400, R"({"error":"invalid_request"})"};
    return af_test::TestServer::Answer{200, Json{{"access_token", token}, {"expires_in", "3599"},
                                                 {"resource", "https://storage.azure.com/"}, {"token_type", "Bearer"}}.dump()};
  });
  std::string host = identity.url("/");
  host.pop_back();  // the SDKs take the host without a path
  expect_read_and_write({{"AZURE_POD_IDENTITY_AUTHORITY_HOST", host}, {"AZURE_CLIENT_ID", "the-vm-identity"}}, token);
  EXPECT_EQ(asked.load(), 2) << "one token per process (machines A and B)";
  EXPECT_GE(probes.load(), 2) << "each process probes before it relies on IMDS";
}

// The Azure SDKs' order (DefaultAzureCredential): workload identity, then
// App Service's managed identity, then instance metadata. With all three
// set, only the first is asked (IMDS not even probed); without it, the
// second; then the third. Machine A writes the blob; B, C and D (origin
// stopped) can only read the store, with the token of the source in turn.
TEST_F(AzureIdentity, IdentitiesAreAskedInTheSdksOrder) {
  const std::string token = storage_token(3600);
  std::atomic<int> workload{0}, app_service{0}, imds{0}, imds_probes{0};
  const auto answer = [&](std::atomic<int>& counter) {
    return [&](const af_test::RequestRecord&, const std::string&) {
      ++counter;
      return af_test::TestServer::Answer{200, Json{{"access_token", token}, {"expires_in", 3599}}.dump()};
    };
  };
  identity.script("POST", "/tenant-1/oauth2/v2.0/token", answer(workload));
  identity.script("GET", "/msi/token", answer(app_service));
  identity.script("GET", "/metadata/identity/oauth2/token", [&](const af_test::RequestRecord& q, const std::string&) {
    ++(q.headers.count("Metadata") ? imds : imds_probes);
    return af_test::TestServer::Answer{200, Json{{"access_token", token}, {"expires_in", 3599}}.dump()};
  });
  af_test::write_file(dir / "federated.jwt", "the-federated-assertion\n");
  const af_test::EnvList workload_env{{"AZURE_FEDERATED_TOKEN_FILE", (dir / "federated.jwt").string()},
                                      {"AZURE_CLIENT_ID", "the-client"},
                                      {"AZURE_TENANT_ID", "tenant-1"},
                                      {"AZURE_AUTHORITY_HOST", identity.url("/")}};
  const af_test::EnvList app_service_env{{"IDENTITY_ENDPOINT", identity.url("/msi/token")}, {"IDENTITY_HEADER", "s"}};
  const af_test::EnvList imds_env{{"AZURE_POD_IDENTITY_AUTHORITY_HOST", identity.url("/")}};
  const auto joined = [](std::initializer_list<af_test::EnvList> lists) {
    af_test::EnvList all;
    for (const auto& l : lists) all.insert(all.end(), l.begin(), l.end());
    return all;
  };

  auto a = fetch("A", joined({workload_env, app_service_env, imds_env}), {"-v"});
  ASSERT_EQ(a.exit_code, 0) << af_it::describe(a);
  ASSERT_EQ(azurite->get_blob(container, hex), data) << "the write-back did not land";
  EXPECT_EQ(workload.load(), 1);
  EXPECT_EQ(app_service.load(), 0);
  EXPECT_EQ(imds.load() + imds_probes.load(), 0);

  origin.stop();
  auto b = fetch("B", joined({app_service_env, imds_env}));
  ASSERT_EQ(b.exit_code, 0) << af_it::describe(b);
  EXPECT_EQ(app_service.load(), 1);
  EXPECT_EQ(imds.load() + imds_probes.load(), 0);

  auto c = fetch("C", imds_env);
  ASSERT_EQ(c.exit_code, 0) << af_it::describe(c);
  EXPECT_EQ(imds.load(), 1);
  EXPECT_GE(imds_probes.load(), 1);
  EXPECT_EQ(workload.load() + app_service.load(), 2);
  for (const char* machine : {"B", "C"}) EXPECT_EQ(af_test::read_file(dir / machine / "out.bin"), data);
}

// The token service fails: the store gets no token, the private container
// refuses, the origin serves (exit 0) and the write-back says why.
TEST_F(AzureIdentity, ATokenServiceThatFailsIsAFailoverNotAnError) {
  identity.script("GET", "/msi/token", [](const af_test::RequestRecord&, const std::string&) {
    return af_test::TestServer::Answer{500, "{}"};
  });
  auto r = fetch("A", {{"IDENTITY_ENDPOINT", identity.url("/msi/token")}, {"IDENTITY_HEADER", "s"}}, {"-v"});
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_NE(r.err.find("no credentials: managed identity (IDENTITY_ENDPOINT, IDENTITY_HEADER): HTTP 500"),
            std::string::npos) << r.err;
  EXPECT_FALSE(azurite->get_blob(container, hex));
}

}  // namespace
