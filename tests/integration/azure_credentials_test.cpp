// Azure Blob credentials other than a SAS in the URL (issue 20), against a
// real Azurite (label `azurite`): the account key from AZURE_STORAGE_KEY,
// from AZURE_STORAGE_CONNECTION_STRING (Azurite's development string and an
// explicit AccountName/AccountKey one) and from the source's "credentials";
// each one reads and writes back. Controls: without any, the container
// (private) refuses; a key of another account is not used. No output holds
// the key or the signature derived from it.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "object_store_emulator.h"
#include "object_store_util.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using af_test::AzuriteEmulator;
using af_test::TempDir;
using af_test::TestServer;
using Json = nlohmann::json;

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
    for (const char* name : {"AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_CONNECTION_STRING"}) {
      bool set = false;
      for (const auto& [k, v] : env) set = set || k == name;
      if (!set) env.emplace_back(name, "");
    }
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

TEST_F(AzureCredentials, WithoutCredentialsThePrivateContainerRefuses) {
  config();
  auto r = af_it::run_machine(dir.path(), "A", fetch_args("A", {"-v"}), dir / "af.json", with({}));
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);  // the origin serves
  EXPECT_NE(r.err.find("write-back to"), std::string::npos) << "anonymous writes were accepted: " << r.err;
  EXPECT_FALSE(azurite->get_blob(container, hex));
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

}  // namespace
