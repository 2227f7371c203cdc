// `assetfetch sync` through the CLI: many assets in parallel across several
// mirrors with failures, destinations that may not escape --dest, and every
// config/manifest error path (exit 2 with file + pointer or line:col, before
// any request).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"
#include "process.h"
#include "integration_util.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using af_test::TempDir;
using af_test::TestServer;
using Json = nlohmann::json;

using af_it::kCleanEnv;

struct Sync : af_test::CliTest {
  void SetUp() override {
    CliTest::SetUp();
    af_test::write_file(dir / "af.json", R"({"retry": {"attempts": 1, "backoff_ms": 10}})");
  }
  af_test::ProcessResult sync(const fs::path& manifest, const fs::path& config, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{"sync", manifest.string(), "--dest", (dir / "out").string(), "--config", config.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return cli_cached(argv);
  }
  fs::path manifest_with(const Json& asset) {
    fs::path p = dir / "one.json";
    af_test::write_file(p, Json{{"assets", Json::array({asset})}}.dump(2));
    return p;
  }
  Json good_asset() {
    origin.add_file("/good.bin", "good bytes");
    return {{"name", "good"}, {"urls", {origin.url("/good.bin")}}, {"sha256", af_test::sha256_hex("good bytes")}};
  }
};

TEST_F(Sync, FiftyAssetsAcrossFailingMirrorsAllArriveIntact) {
  TestServer m1, m2, m3;
  std::vector<TestServer*> mirrors{&m1, &m2, &m3};
  std::vector<std::string> data;
  Json list = Json::array();
  for (int i = 0; i < 50; ++i) {
    data.push_back(af_test::random_bytes(20000 + 997 * static_cast<std::size_t>(i), 1000 + i));
    std::string path = "/dist/asset-" + std::to_string(i) + ".bin";
    Json urls = Json::array();
    // Each asset is on the origin and two of the three mirrors.
    origin.add_file(path, data[i]);
    urls.push_back(origin.url(path));
    for (int k = 0; k < 2; ++k) {
      TestServer* m = mirrors[(i + k) % 3];
      m->add_file(path, data[i]);
      urls.push_back(m->url(path));
    }
    af_test::Fault f;
    switch (i % 5) {
      case 1: f.status = 404; break;
      case 2: f.status = 503; break;
      case 3: f.reset_after_bytes = 5000; break;
      default: break;
    }
    if (i % 5 == 1 || i % 5 == 2 || i % 5 == 3) origin.set_fault(path, f);
    // The first mirror of every 7th asset fails too.
    if (i % 7 == 0) {
      af_test::Fault dead;
      dead.status = 503;
      mirrors[i % 3]->set_fault(path, dead);
    }
    Json a{{"name", "asset-" + std::to_string(i)}, {"urls", urls}, {"destination", "sub/" + std::to_string(i % 4) + "/a" + std::to_string(i)}};
    if (i % 2) a["sha512"] = af_test::sha512_hex(data[i]);
    else a["sha256"] = af_test::sha256_hex(data[i]);
    list.push_back(a);
  }
  af_test::write_file(dir / "fifty.json", Json{{"assets", list}}.dump());
  auto r = sync(dir / "fifty.json", dir / "af.json", {"-j", "8"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(af_test::read_file(dir / "out" / "sub" / std::to_string(i % 4) / ("a" + std::to_string(i))), data[i])
        << i;
  EXPECT_NE(r.err.find("50 fetched, 0 from cache, 0 failed"), std::string::npos) << r.err;
  // Healthy origins served their assets without any mirror being asked.
  for (auto* m : mirrors)
    for (const auto& q : m->requests()) {
      int i = std::stoi(q.path.substr(q.path.rfind('-') + 1));
      EXPECT_TRUE(i % 5 == 1 || i % 5 == 2 || i % 5 == 3) << q.path;
    }
  // A second run: everything is in place, no request at all.
  const auto before = origin.request_count() + m1.request_count() + m2.request_count() + m3.request_count();
  r = sync(dir / "fifty.json", dir / "af.json", {"-j", "8"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(origin.request_count() + m1.request_count() + m2.request_count() + m3.request_count(), before);
}

TEST_F(Sync, EscapingDestinationsAreRejectedBeforeAnyRequest) {
  for (const char* dest : {"../escape.bin", "a/../../escape.bin", "/tmp/absolute.bin"}) {
    SCOPED_TRACE(dest);
    Json bad = good_asset();
    bad["name"] = "evil";
    bad["destination"] = dest;
    fs::path m = dir / "escape.json";
    af_test::write_file(m, Json{{"assets", Json::array({good_asset(), bad})}}.dump());
    auto r = sync(m, dir / "af.json");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(m.string() + ":"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("asset \"evil\" (/assets/1/destination): "), std::string::npos) << r.err;
    EXPECT_EQ(origin.request_count(), 0u);
    EXPECT_FALSE(fs::exists(dir / "out" / "good.bin")) << "nothing is fetched when one destination is bad";
  }
  EXPECT_FALSE(fs::exists(dir / "escape.bin"));
}

TEST_F(Sync, SymlinkOutOfDestIsRejected) {
  TempDir outside;
  fs::create_directories(dir / "out");
  fs::create_directory_symlink(outside.path(), dir / "out" / "link");
  Json a = good_asset();
  a["destination"] = "link/good.bin";
  auto r = sync(manifest_with(a), dir / "af.json");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(origin.request_count(), 0u);
  EXPECT_FALSE(fs::exists(outside / "good.bin"));
}

struct BadInput {
  std::string what;
  std::string text;
  std::string expect;  // in the message, after "FILE:LINE:COLUMN"
};

TEST_F(Sync, EveryConfigErrorIsExit2NamingFileAndPlace) {
  fs::path m = manifest_with(good_asset());
  const std::vector<BadInput> cases = {
      {"unknown key", R"({"sorces": []})", ": /sorces: unknown key"},
      {"wrong type", R"({"offline": "yes"})", ": /offline: expected a boolean"},
      {"bad regex", R"({"rewrites": [{"match": "([", "replace": "x"}]})", ": /rewrites/0/match:"},
      {"bad template", R"({"sources": [{"url": "http://127.0.0.1:1/{sha1}"}]})", ": /sources/0/url:"},
      {"missing env", R"({"sources": [{"url": "http://127.0.0.1:1/{sha256}", "headers": {"X-Token": "${env:AF_SURELY_UNSET_VAR}"}}]})",
       ": /sources/0/headers/X-Token: environment variable AF_SURELY_UNSET_VAR"},
      {"malformed JSON", "{\n  \"offline\": true,,\n}", ".json:2:19:"},
      {"bad vcpkg string", R"({"vcpkg_asset_sources": "x-azurl"})", ": /vcpkg_asset_sources:"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    fs::path cfg = dir / "bad-config.json";
    af_test::write_file(cfg, c.text);
    auto r = sync(m, cfg);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(cfg.string() + ":"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
  }
  EXPECT_EQ(origin.request_count(), 0u);
  // --config naming a missing file says so.
  auto r = sync(m, dir / "no-such-config.json");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("no-such-config.json"), std::string::npos) << r.err;
}

TEST_F(Sync, EveryManifestErrorIsExit2NamingFileAndPlace) {
  Json ok = good_asset();
  const std::vector<BadInput> cases = {
      {"unknown key", R"({"asets": []})", ": /asets: unknown key"},
      {"wrong type", R"({"assets": [{"name": "a", "urls": "http://127.0.0.1:1/a", "sha256": ")" + std::string(64, 'a') + R"("}]})",
       ": asset \"a\" (/assets/0/urls): expected an array"},
      {"bad hash", R"({"assets": [{"name": "a", "urls": ["http://127.0.0.1:1/a"], "sha256": "abc"}]})", " (/assets/0/sha256):"},
      {"bad name", R"({"assets": [{"name": "a b", "urls": ["http://127.0.0.1:1/a"], "sha256": ")" + std::string(64, 'a') + R"("}]})",
       ": asset \"a b\" (/assets/0/name):"},
      {"malformed JSON", "{\"assets\": [\n{\"name\": \"a\" \"urls\": []}]}", ".json:2:"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    fs::path m = dir / "bad-manifest.json";
    af_test::write_file(m, c.text);
    auto r = sync(m, dir / "af.json");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(m.string() + ":"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
  }
  EXPECT_EQ(origin.request_count(), 0u);
}

}  // namespace
