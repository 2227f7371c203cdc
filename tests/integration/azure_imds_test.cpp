// The instance metadata service (IMDS) as the last Azure credential, its
// cost per process (issue 19's process per asset): an Azure store with no
// key and no identity variables relies on IMDS, which is probed only when a
// request to that store needs a token (never for an object the cache or an
// earlier source serves); a "none here" is remembered for 10 minutes under
// <cache>/probes/, so the next processes skip the store without a probe; a
// record that is malformed, stale, dated ahead, for another address or
// another boot is ignored; a proxy's 403 page is not IMDS. Every server is
// a TestServer on 127.0.0.1 (AZURE_POD_IDENTITY_AUTHORITY_HOST points there;
// nothing reaches 169.254.169.254); the store is a TestServer holding no
// blob, so each request it logs is one the fetch really sent.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "object_store_util.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using af_test::TestServer;
using Json = nlohmann::json;

constexpr const char* kTokenPath = "/metadata/identity/oauth2/token";
// What Docker Desktop's proxy answers for an unreachable 169.254.169.254.
constexpr const char* kProxyPage =
    "connecting to 169.254.169.254:80: dial tcp 169.254.169.254:80: connectex: A socket operation was attempted "
    "to an unreachable network.";

struct AzureImds : ::testing::Test {
  void SetUp() override {
    af_test::remove_proxy_env();
    for (int i = 0; i < 8; ++i) {
      assets.push_back(af_test::random_bytes(20000 + static_cast<std::size_t>(i), 70 + static_cast<std::uint32_t>(i)));
      origin.add_file("/pkg/a" + std::to_string(i), assets.back());
    }
    imds_host = imds.url("/");
    imds_host.pop_back();  // the SDKs take the host without a path
  }
  // `sources`: the Azure store (read-only), after `before` if given.
  void config(const std::string& before = "") {
    Json sources = Json::array();
    if (!before.empty()) sources.push_back({{"url", before}});
    sources.push_back({{"kind", "azure-blob"}, {"access", "read"}, {"url", store.url("/devstoreaccount1/c/{sha512}")}});
    af_test::write_file(dir / "af.json",
                        Json{{"retry", {{"attempts", 1}, {"backoff_ms", 10}, {"no_progress_timeout_s", 2}}},
                             {"sources", sources}}.dump(2));
  }
  af_test::ProcessResult fetch(int asset, const std::string& machine = "A") {
    af_test::EnvList env = af_it::kCleanEnv;
    for (const char* name : {"AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_CONNECTION_STRING",
                             "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_CLIENT_ID",
                             "AZURE_TENANT_ID", "ASSETFETCH_SERVICE"})
      env.emplace_back(name, "");
    env.emplace_back("AZURE_POD_IDENTITY_AUTHORITY_HOST", imds_host);
    const std::string out = (dir / machine / ("out" + std::to_string(++runs))).string();
    auto r = af_it::run_machine(dir.path(), machine,
                                {"fetch", origin.url("/pkg/a" + std::to_string(asset)), "--sha512",
                                 af_test::sha512_hex(assets[static_cast<std::size_t>(asset)]), "-o", out, "-v"},
                                dir / "af.json", env);
    if (r.exit_code == 0) {
      EXPECT_EQ(af_test::read_file(out), assets[static_cast<std::size_t>(asset)]);
    }
    return r;
  }
  // IMDS as Azure runs it: 400 with a JSON error without the Metadata
  // header (the probe), a token with it.
  void imds_answers() {
    imds.script("GET", kTokenPath, [](const af_test::RequestRecord& q, const std::string&) {
      if (!q.headers.count("Metadata"))
        return TestServer::Answer{400, R"({"error":"invalid_request","error_description":"Required metadata header not specified"})"};
      return TestServer::Answer{200, Json{{"access_token", "the-imds-token"}, {"expires_in", "3599"}}.dump()};
    });
  }
  // A proxy on the way to a network without IMDS: 403 and a text page.
  void proxy_answers() {
    imds.script("GET", kTokenPath, [](const af_test::RequestRecord&, const std::string&) {
      return TestServer::Answer{403, kProxyPage, {{"Content-Type", "text/plain"}}};
    });
  }
  std::vector<fs::path> records(const std::string& machine = "A") const {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir / machine / "cache" / "probes", ec)) out.push_back(e.path());
    return out;
  }

  af_test::TempDir dir;
  TestServer origin, store, imds, mirror;
  std::vector<std::string> assets;
  std::string imds_host;
  int runs = 0;
};

// An object in the cache, or served by a source before the store, costs no
// probe: IMDS hears nothing. Control: an object only the origin has makes
// the store needed, and then IMDS is probed and asked, and the store's
// request carries its token; an IMDS that answers is not recorded.
TEST_F(AzureImds, NoProbeUntilARequestToTheStoreNeedsAToken) {
  imds_answers();
  mirror.add_file("/m/" + af_test::sha512_hex(assets[0]), assets[0]);
  config(mirror.url("/m/{sha512}"));
  auto first = fetch(0);  // the mirror serves
  ASSERT_EQ(first.exit_code, 0) << af_it::describe(first);
  auto cached = fetch(0);  // the cache serves
  ASSERT_EQ(cached.exit_code, 0) << af_it::describe(cached);
  EXPECT_EQ(imds.request_count(), 0u) << "IMDS was probed for an object the store was never asked for";
  EXPECT_EQ(store.request_count(), 0u);

  config();
  auto needed = fetch(1);  // not in the cache: the store is asked first
  ASSERT_EQ(needed.exit_code, 0) << af_it::describe(needed);
  std::size_t probes = 0, asks = 0;
  for (const auto& q : imds.requests()) ++(q.headers.count("Metadata") ? asks : probes);
  EXPECT_EQ(probes, 1u);
  EXPECT_EQ(asks, 1u);
  const auto at_store = store.requests();
  ASSERT_FALSE(at_store.empty());
  const auto auth = at_store.front().headers.find("Authorization");
  ASSERT_NE(auth, at_store.front().headers.end()) << "the store's request went without the token";
  EXPECT_EQ(auth->second, "Bearer the-imds-token");
  EXPECT_TRUE(records().empty()) << "an IMDS that answered was recorded";
}

// A proxy's 403 page is not IMDS: the first process probes once, finds
// none, sends the store its request without a token (the store refuses,
// the origin serves) and records the absence. The next process, within the
// bound, skips the store at once with one warning naming every place looked
// at: no connection to the IMDS address, no request to the store.
TEST_F(AzureImds, AProxysPageIsNotImdsAndTheAbsenceIsRemembered) {
  proxy_answers();
  config();
  auto first = fetch(0);
  ASSERT_EQ(first.exit_code, 0) << af_it::describe(first);
  ASSERT_EQ(imds.request_count(), 1u) << "one probe";
  EXPECT_EQ(imds.requests().front().headers.count("Metadata"), 0u) << "a token was asked of the proxy";
  ASSERT_EQ(store.request_count(), 1u);
  EXPECT_EQ(store.requests().front().headers.count("Authorization"), 0u);
  const auto kept = records();
  ASSERT_EQ(kept.size(), 1u);
  const std::string record = af_test::read_file(kept.front());
  EXPECT_NE(record.find(imds_host), std::string::npos) << record;
  EXPECT_NE(record.find("HTTP 403"), std::string::npos) << record;

  auto second = fetch(1);
  ASSERT_EQ(second.exit_code, 0) << af_it::describe(second);
  EXPECT_EQ(imds.request_count(), 1u) << "the second process probed again";
  EXPECT_EQ(store.request_count(), 1u) << "the second process asked the store";
  const auto warning = second.err.find("no Azure credentials found");
  ASSERT_NE(warning, std::string::npos) << second.err;
  EXPECT_EQ(second.err.find("no Azure credentials found", warning + 1), std::string::npos) << second.err;
  for (const std::string& named : {std::string("/sources/0"), std::string("AZURE_STORAGE_KEY"),
                                   "the instance metadata service at " + imds_host, std::string("none answered at"),
                                   std::string("HTTP 403"), std::string("this store is skipped")})
    EXPECT_NE(second.err.find(named), std::string::npos) << named << " is not named: " << second.err;
  EXPECT_EQ(first.err.find("no Azure credentials found"), std::string::npos)
      << "the first process cannot know before it probes: " << first.err;
}

// The record is trusted only as written and within the bound: stale, dated
// ahead, torn, for another address or (Linux) another boot, each is
// ignored and the next process probes again (and writes a good record);
// the good record itself is trusted.
TEST_F(AzureImds, AStaleOrMalformedRecordIsIgnored) {
  proxy_answers();
  config();
  ASSERT_EQ(fetch(0).exit_code, 0);
  ASSERT_EQ(records().size(), 1u);
  const fs::path file = records().front();
  const std::string good = af_test::read_file(file);
  const auto line_of = [&](const std::string& name) {
    const auto at = good.find("\n" + name + " ");
    return good.substr(at + 1, good.find('\n', at + 1) - at - 1);
  };
  const auto with_line = [&](const std::string& name, const std::string& value) {
    std::string text = good;
    const std::string old = line_of(name);
    return text.replace(text.find(old), old.size(), name + " " + value);
  };
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
  std::vector<std::pair<std::string, std::string>> bad{
      {"stale", with_line("at", std::to_string(now - 601))},
      {"ahead", with_line("at", std::to_string(now + 3600))},
      {"torn", good.substr(0, good.size() / 2)},
      {"garbage", "no imds\n"},
      {"another address", with_line("host", "http://127.0.0.1:1")},
  };
  if (fs::exists("/proc/sys/kernel/random/boot_id"))
    bad.emplace_back("another boot", with_line("boot", "00000000-0000-0000-0000-000000000000"));
  int asset = 1;
  for (const auto& [what, text] : bad) {
    af_test::write_file(file, text);
    const std::size_t before = imds.request_count();
    auto r = fetch(asset++);
    ASSERT_EQ(r.exit_code, 0) << what << ": " << af_it::describe(r);
    EXPECT_EQ(imds.request_count(), before + 1) << "a " << what << " record was trusted";
    EXPECT_EQ(r.err.find("this store is skipped"), std::string::npos) << what << ": " << r.err;
    EXPECT_NE(af_test::read_file(file), text) << what << ": the probe did not write a new record";
  }
  // Control: the record as a process wrote it is trusted.
  af_test::write_file(file, good);
  const std::size_t before = imds.request_count();
  auto r = fetch(asset);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(imds.request_count(), before) << "a good record was not trusted";
  EXPECT_NE(r.err.find("this store is skipped"), std::string::npos) << r.err;
}

}  // namespace
