// The background service for `sync`, and the config key that turns it on
// (issue 19 item 4): `"service": "auto"` in the mirror config (or
// ASSETFETCH_SERVICE, which overrides it) sends a sync's whole job to the
// service, so syncs run one after another share its warm connection; a bad
// value is bad input naming the place; a service killed mid-sync leaves the
// sync finishing in-process from the cache's partials, saying `start` once
// per asset with --json.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include <nlohmann/json.hpp>

#include "service_fixture.h"
#include "test_server.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using af_service_test::Http2Origin;
using af_service_test::names;
using af_service_test::Service;
using af_service_test::wait_for_journal;
using Json = nlohmann::json;

// A manifest of `files` (served at base + name) with their data's digests.
fs::path write_manifest(const fs::path& file, const std::vector<std::string>& files,
                        const std::vector<std::string>& data, const std::function<std::string(const std::string&)>& url) {
  Json assets = Json::array();
  for (std::size_t i = 0; i < files.size(); ++i)
    assets.push_back(Json{{"name", "a" + std::to_string(i)},
                          {"urls", Json::array({url(files[i])})},
                          {"sha256", af_test::sha256_hex(data[i])},
                          {"destination", files[i]}});
  af_test::write_file(file, Json{{"assets", assets}}.dump(2));
  return file;
}

class ServiceSync : public Service {
 protected:
  // `assetfetch sync MANIFEST --dest DEST` with this test's runtime folder,
  // `config` as the only config and ASSETFETCH_SERVICE as given ("" unset).
  af_test::ProcessResult sync(const fs::path& manifest, const fs::path& dest, const fs::path& cache,
                              const fs::path& config, const std::string& service_env,
                              std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{af_it::cli_path(), "sync", manifest.string(), "--dest", dest.string(), "-v"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return af_test::run_process(argv, sync_env(cache, config, service_env), 60s);
  }

  af_test::EnvList sync_env(const fs::path& cache, const fs::path& config, const std::string& service_env) const {
    return {{"ASSETFETCH_SERVICE", service_env},
            {"XDG_RUNTIME_DIR", run_dir().string()},
            {"ASSETFETCH_CACHE_DIR", cache.string()},
            {"ASSETFETCH_CONFIG", config.string()},
            {"ASSETFETCH_OFFLINE", ""}};
  }
};

// Two syncs one after another (two manifests from one origin, as two CMake
// configure steps): with the service they use one connection; the control
// (the service off) uses two.
TEST_F(ServiceSync, SequentialSyncsShareOneConnection) {
  const auto files = names(6);
  for (const bool with_service : {true, false}) {
    SCOPED_TRACE(with_service ? "service" : "control");
    const fs::path root = tmp.path() / (with_service ? "s" : "c");
    Http2Origin origin(root / "origin", files);
    const fs::path config = af_it::write_config(root / "config.json", 2,
                                                "\"tls\": {\"ca_file\": \"" + origin.ca.ca_file + "\"}");
    af_test::ChildProcess service;
    if (with_service) service = start_service();
    const std::vector<std::string> first(files.begin(), files.begin() + 3), second(files.begin() + 3, files.end());
    const std::vector<std::string> d1(origin.data.begin(), origin.data.begin() + 3),
        d2(origin.data.begin() + 3, origin.data.end());
    auto url = [&](const std::string& f) { return origin.nginx->url(f); };
    int run = 0;
    for (const auto& [part, data] : {std::pair{first, d1}, std::pair{second, d2}}) {
      const fs::path manifest = write_manifest(root / ("m" + std::to_string(++run) + ".json"), part, data, url);
      const auto r = sync(manifest, root / "out", root / ("cache" + std::to_string(run)), config,
                          with_service ? "auto" : "off");
      ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
      EXPECT_EQ(r.err.find("fetching through the service") != std::string::npos, with_service) << r.err;
    }
    for (std::size_t i = 0; i < files.size(); ++i)
      EXPECT_EQ(af_test::read_file(root / "out" / files[i]), origin.data[i]) << files[i];
    EXPECT_EQ(origin.connections(files.size()).size(), with_service ? 1u : 2u);
  }
}

// The config key alone (no ASSETFETCH_SERVICE) starts the service and sends
// the sync there, and `check` shows it; "off" in the config (the control)
// and ASSETFETCH_SERVICE=off over "auto" in the config fetch in-process.
TEST_F(ServiceSync, TheConfigKeyAloneTurnsItOn) {
  af_test::TestServer server;
  const auto files = names(2);
  const std::vector<std::string> data{af_test::random_bytes(3000, 21), af_test::random_bytes(4000, 22)};
  for (std::size_t i = 0; i < files.size(); ++i) server.add_file("/" + files[i], data[i]);
  const fs::path manifest =
      write_manifest(tmp.path() / "m.json", files, data, [&](const std::string& f) { return server.url("/" + f); });
  const fs::path on = af_it::write_config(tmp.path() / "on.json", 2, "\"service\": \"auto\"");
  const fs::path off = af_it::write_config(tmp.path() / "off.json", 2, "\"service\": \"off\"");

  auto r = sync(manifest, tmp.path() / "out1", tmp.path() / "cache1", on, "");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  const long pid = service_pid_in(r.err);
  EXPECT_GT(pid, 0) << r.err;
  for (std::size_t i = 0; i < files.size(); ++i) EXPECT_EQ(af_test::read_file(tmp.path() / "out1" / files[i]), data[i]);

  r = sync(manifest, tmp.path() / "out2", tmp.path() / "cache2", off, "");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(r.err.find("fetching through the service"), std::string::npos) << r.err;
  EXPECT_EQ(af_test::read_file(tmp.path() / "out2" / files[0]), data[0]);

  r = sync(manifest, tmp.path() / "out3", tmp.path() / "cache3", on, "off");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(r.err.find("fetching through the service"), std::string::npos) << r.err;
  EXPECT_EQ(af_test::read_file(tmp.path() / "out3" / files[1]), data[1]);

  const auto c = af_it::run_cli({"check", on.string()}, tmp.path() / "cache1", tmp.path());
  ASSERT_EQ(c.exit_code, 0) << af_it::describe(c);
  EXPECT_NE(c.out.find("service auto"), std::string::npos) << c.out;
}

// A bad value is bad input (exit 2) naming the file, the key's place and
// the values to use; nothing is written and no service is started.
TEST_F(ServiceSync, ABadValueIsAClearErrorAndWritesNothing) {
  af_test::TestServer server;
  const auto files = names(1);
  const std::vector<std::string> data{af_test::random_bytes(3000, 23)};
  server.add_file("/" + files[0], data[0]);
  const fs::path manifest =
      write_manifest(tmp.path() / "m.json", files, data, [&](const std::string& f) { return server.url("/" + f); });
  const fs::path bad = af_it::write_config(tmp.path() / "bad.json", 2, "\"service\": \"on\"");
  const auto r = sync(manifest, tmp.path() / "out", tmp.path() / "cache", bad, "");
  EXPECT_EQ(r.exit_code, 2) << af_it::describe(r);
  EXPECT_NE(r.err.find("bad.json:1:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/service"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"auto\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"off\""), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp.path() / "out"));
  EXPECT_FALSE(fs::exists(service_dir()));
  EXPECT_TRUE(server.requests_for("/" + files[0]).empty());
  // Control: the same manifest with a good value fetches.
  const fs::path good = af_it::write_config(tmp.path() / "good.json", 2, "\"service\": \"off\"");
  const auto g = sync(manifest, tmp.path() / "out", tmp.path() / "cache", good, "");
  ASSERT_EQ(g.exit_code, 0) << af_it::describe(g);
  EXPECT_EQ(af_test::read_file(tmp.path() / "out" / files[0]), data[0]);
}

// The service is killed while it runs a sync: the sync finishes in-process
// (the big file resumed past the service's bytes), exits 0 with the right
// bytes, and its --json events say `start` once per asset.
TEST_F(ServiceSync, KilledMidSyncTheSyncFinishesInProcess) {
  af_test::TestServer server;
  const std::vector<std::string> files{"small.bin", "big.bin"};
  const std::vector<std::string> data{af_test::random_bytes(20000, 24), af_test::random_bytes(3 << 20, 25)};
  for (std::size_t i = 0; i < files.size(); ++i) server.add_file("/" + files[i], data[i]);
  af_test::Fault slow;
  slow.throttle_bytes_per_s = 1 << 20;
  slow.times = 1;  // the service's request is slow; the resumed one is not
  server.set_fault("/big.bin", slow);
  const fs::path manifest =
      write_manifest(tmp.path() / "m.json", files, data, [&](const std::string& f) { return server.url("/" + f); });
  const fs::path config = af_it::write_config(tmp.path() / "config.json", 2, "\"service\": \"auto\"");
  const fs::path cache = tmp.path() / "cache";
  af_test::ChildProcess service = start_service();
  af_test::ChildProcess client = af_test::start_process(
      {af_it::cli_path(), "sync", manifest.string(), "--dest", (tmp.path() / "out").string(), "--json"},
      sync_env(cache, config, ""));
  ASSERT_TRUE(wait_for_journal(cache, af_test::sha256_hex(data[1]), 512u << 10))
      << client.stderr_so_far() << service.stderr_so_far();
  // The service held the job (its log names it); then it dies.
  EXPECT_NE(service.stderr_so_far().find("job m: 2 file(s)"), std::string::npos) << service.stderr_so_far();
  service.kill(SIGKILL);
  const af_test::ProcessResult r = client.wait(60s);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  for (std::size_t i = 0; i < files.size(); ++i) EXPECT_EQ(af_test::read_file(tmp.path() / "out" / files[i]), data[i]);
  const auto requests = server.requests_for("/big.bin");
  ASSERT_GE(requests.size(), 2u);
  EXPECT_NE(requests.back().range, "bytes=0-");
  EXPECT_FALSE(requests.back().range.empty());
  // One `start` and one `done` per asset, though two runs announced them.
  std::map<std::string, int> starts, dones;
  std::istringstream out(r.out);
  for (std::string line; std::getline(out, line);) {
    if (line.empty()) continue;
    const Json e = Json::parse(line);
    if (e.value("event", "") == "start") ++starts[e.value("asset", "")];
    if (e.value("event", "") == "done") ++dones[e.value("asset", "")];
  }
  EXPECT_EQ(starts, (std::map<std::string, int>{{"a0", 1}, {"a1", 1}})) << r.out;
  EXPECT_EQ(dones, (std::map<std::string, int>{{"a0", 1}, {"a1", 1}})) << r.out;
}

// Ctrl-C on a sync the service runs: exit 130 as in-process, nothing left in
// the destination folder, and the rerun resumes through the service.
TEST_F(ServiceSync, AnInterruptedSyncExits130AndTheRerunResumes) {
  af_test::TestServer server;
  const std::vector<std::string> files{"big.bin"};
  const std::vector<std::string> data{af_test::random_bytes(3 << 20, 26)};
  server.add_file("/big.bin", data[0]);
  af_test::Fault slow;
  slow.throttle_bytes_per_s = 1 << 20;
  slow.times = 1;
  server.set_fault("/big.bin", slow);
  const fs::path manifest =
      write_manifest(tmp.path() / "m.json", files, data, [&](const std::string& f) { return server.url("/" + f); });
  const fs::path config = af_it::write_config(tmp.path() / "config.json", 2, "\"service\": \"auto\"");
  const fs::path cache = tmp.path() / "cache", out = tmp.path() / "out";
  af_test::ChildProcess service = start_service();
  af_test::ChildProcess client = af_test::start_process(
      {af_it::cli_path(), "sync", manifest.string(), "--dest", out.string(), "-v"}, sync_env(cache, config, ""));
  ASSERT_TRUE(wait_for_journal(cache, af_test::sha256_hex(data[0]), 512u << 10)) << client.stderr_so_far();
  client.kill(SIGINT);
  const af_test::ProcessResult r = client.wait(10s);
  EXPECT_EQ(r.exit_code, 130) << af_it::describe(r);
  EXPECT_NE(r.err.find("fetching through the service"), std::string::npos) << r.err;
  EXPECT_TRUE(af_it::files_under(out).empty());
  const auto again = sync(manifest, out, cache, config, "");
  ASSERT_EQ(again.exit_code, 0) << af_it::describe(again);
  EXPECT_EQ(af_test::read_file(out / "big.bin"), data[0]);
  EXPECT_NE(server.requests_for("/big.bin").back().range, "bytes=0-");
}

}  // namespace
