// The service's workers (service/worker_pool.h): several clients' jobs run at
// once, each worker with connections of its own. A job stalled on a slow
// server does not hold up another client; two jobs after one object download
// it once (the cache's object lock holds between two jobs of one process);
// with every worker busy a client waits in line at most 3 s, is told "busy"
// and fetches in-process.
//
// Evidence: what the clients print with -v ("fetching through the
// service", "busy"), the service's -v log (which worker ran a job), the
// requests the in-process server logged, nginx's connection numbers, and the
// bytes written.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration_util.h"
#include "test_server.h"
#include "test_util.h"

#include "service_fixture.h"

namespace af_service_test {

namespace {

constexpr std::size_t kWorkers = 4;  // service/worker_pool.h

// The workers the service's log says ran a job ("worker N runs a client's job").
std::set<std::string> workers_that_ran(const std::string& log) {
  std::set<std::string> out;
  static const std::regex re("worker ([0-9]+) runs a client's job");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), re); it != std::sregex_iterator(); ++it)
    out.insert((*it)[1]);
  return out;
}

// Waits (at most 5 s) until the server has seen `n` requests for `path`.
bool wait_for_requests(const af_test::TestServer& server, const std::string& path, std::size_t n = 1) {
  for (int i = 0; i < 500 && server.requests_for(path).size() < n; ++i) std::this_thread::sleep_for(10ms);
  return server.requests_for(path).size() >= n;
}

}  // namespace

// More processes at once than there are workers: each runs in a worker or
// waits in line for one, all through the service, and the connections they
// used are at most one per worker (over TLS and HTTP/2, and plain HTTP/1.1).
void Service::concurrent_processes_share_the_workers(bool tls) {
  const auto files = names(8);
  Http2Origin origin(tmp.path() / "origin", files, tls);
  const fs::path config = af_it::write_config(
      tmp.path() / "config.json", 2, tls ? "\"tls\": {\"ca_file\": \"" + origin.ca.ca_file + "\"}" : std::string());
  af_test::ChildProcess service = start_service();
  std::vector<af_test::ChildProcess> clients;
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto e = env("auto");
    e.emplace_back("ASSETFETCH_CONFIG", config.string());
    e.emplace_back("ASSETFETCH_CACHE_DIR", (tmp.path() / "cache").string());
    clients.push_back(af_test::start_process({af_it::cli_path(), "fetch", origin.nginx->url(files[i]), "--sha256",
                                              af_test::sha256_hex(origin.data[i]), "-o",
                                              (tmp.path() / "out" / files[i]).string(), "-v"},
                                             e));
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    const af_test::ProcessResult r = clients[i].wait(30s);
    ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
    EXPECT_NE(r.err.find("fetching through the service"), std::string::npos) << r.err;
    EXPECT_EQ(af_test::read_file(tmp.path() / "out" / files[i]), origin.data[i]);
  }
  const auto connections = origin.connections(files.size()).size();
  EXPECT_GE(connections, 1u);
  EXPECT_LE(connections, kWorkers) << service.stderr_so_far();
}

TEST_F(Service, ConcurrentProcessesShareTheWorkersConnections) { concurrent_processes_share_the_workers(true); }

TEST_F(Service, ConcurrentProcessesShareTheWorkersConnectionsWithoutTls) {
  concurrent_processes_share_the_workers(false);
}

namespace {

// A job stalled on a slow server holds one worker: another client's fetch
// from another URL finishes through the service meanwhile, in another
// worker, well within the stall, and the stalled one still ends right.
TEST_F(Service, AStalledJobDoesNotHoldUpAnotherClient) {
  af_test::TestServer server;
  const std::string stalled_data = af_test::random_bytes(256 << 10, 21);
  const std::string data = af_test::random_bytes(20000, 22);
  server.add_file("/stalled.bin", stalled_data);
  server.add_file("/a.bin", data);
  af_test::Fault stall;
  stall.stall_after_bytes = 64 << 10;
  stall.stall_ms = 6000;
  server.set_fault("/stalled.bin", stall);
  af_test::ChildProcess service = start_service();
  auto e = env("auto");
  e.emplace_back("ASSETFETCH_CACHE_DIR", (tmp.path() / "cache").string());
  e.emplace_back("ASSETFETCH_CONFIG", "");
  af_test::ChildProcess first = af_test::start_process(
      {af_it::cli_path(), "fetch", server.url("/stalled.bin"), "--sha256", af_test::sha256_hex(stalled_data), "-o",
       (tmp.path() / "stalled.bin").string(), "-v"},
      e);
  ASSERT_TRUE(wait_for_requests(server, "/stalled.bin")) << first.stderr_so_far() << service.stderr_so_far();

  const auto started = std::chrono::steady_clock::now();
  const auto r = af_test::run_process({af_it::cli_path(), "fetch", server.url("/a.bin"), "--sha256",
                                       af_test::sha256_hex(data), "-o", (tmp.path() / "a.bin").string(), "-v"},
                                      e, 30s);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_NE(r.err.find("fetching through the service"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("busy"), std::string::npos) << r.err;
  EXPECT_EQ(af_test::read_file(tmp.path() / "a.bin"), data);
  // Not in line behind the stall (6 s), nor told busy after 3 s in line.
  EXPECT_LT(took, 2500ms);
  EXPECT_EQ(server.requests_for("/a.bin").size(), 1u) << "fetched once, by the service";
  EXPECT_EQ(workers_that_ran(service.stderr_so_far()).size(), 2u) << service.stderr_so_far();
  EXPECT_TRUE(first.running()) << "the stalled job is still going";

  const af_test::ProcessResult f = first.wait(30s);
  ASSERT_EQ(f.exit_code, 0) << af_it::describe(f);
  EXPECT_NE(f.err.find("fetching through the service"), std::string::npos) << f.err;
  EXPECT_EQ(af_test::read_file(tmp.path() / "stalled.bin"), stalled_data);
}

// Two clients after the same object at once run in two workers; the
// cache's object lock holds between the two jobs of one process, so the
// object is downloaded once and both destinations get its bytes.
TEST_F(Service, TwoClientsAfterOneObjectDownloadItOnce) {
  af_test::TestServer server;
  const std::string data = af_test::random_bytes(2 << 20, 23);
  const std::string sha = af_test::sha256_hex(data);
  server.add_file("/same.bin", data);
  af_test::Fault slow;
  slow.throttle_bytes_per_s = 2 << 20;  // about 1 s: the second job starts while the first downloads
  server.set_fault("/same.bin", slow);
  af_test::ChildProcess service = start_service();
  auto e = env("auto");
  e.emplace_back("ASSETFETCH_CACHE_DIR", (tmp.path() / "cache").string());
  e.emplace_back("ASSETFETCH_CONFIG", "");
  auto fetch_to = [&](const std::string& dir) {
    return af_test::start_process({af_it::cli_path(), "fetch", server.url("/same.bin"), "--sha256", sha, "-o",
                                   (tmp.path() / dir / "same.bin").string(), "-v"},
                                  e);
  };
  af_test::ChildProcess first = fetch_to("a");
  ASSERT_TRUE(wait_for_requests(server, "/same.bin")) << first.stderr_so_far() << service.stderr_so_far();
  af_test::ChildProcess second = fetch_to("b");
  for (auto* c : {&first, &second}) {
    const af_test::ProcessResult r = c->wait(30s);
    ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
    EXPECT_NE(r.err.find("fetching through the service"), std::string::npos) << r.err;
  }
  EXPECT_EQ(af_test::read_file(tmp.path() / "a" / "same.bin"), data);
  EXPECT_EQ(af_test::read_file(tmp.path() / "b" / "same.bin"), data);
  EXPECT_EQ(server.requests_for("/same.bin").size(), 1u);
  EXPECT_EQ(workers_that_ran(service.stderr_so_far()).size(), 2u) << service.stderr_so_far();
}

// With every worker held by a stalled job, the next client waits in line
// (3 s), is told "busy" and fetches in-process, with the right bytes and
// exit 0; the stalled ones still end right.
TEST_F(Service, AllWorkersBusyTheClientFetchesInProcess) {
  af_test::TestServer server;
  const std::string data = af_test::random_bytes(20000, 13);
  server.add_file("/a.bin", data);
  std::vector<std::string> stalled_data;
  af_test::Fault stall;
  stall.stall_after_bytes = 16 << 10;
  stall.stall_ms = 6000;  // past the 3 s the next client waits in line
  for (std::size_t i = 0; i < kWorkers; ++i) {
    stalled_data.push_back(af_test::random_bytes(64 << 10, static_cast<std::uint32_t>(30 + i)));
    server.add_file("/stalled" + std::to_string(i) + ".bin", stalled_data.back());
    server.set_fault("/stalled" + std::to_string(i) + ".bin", stall);
  }
  af_test::ChildProcess service = start_service();
  auto e = env("auto");
  e.emplace_back("ASSETFETCH_CACHE_DIR", (tmp.path() / "cache").string());
  e.emplace_back("ASSETFETCH_CONFIG", "");
  std::vector<af_test::ChildProcess> stalled;
  for (std::size_t i = 0; i < kWorkers; ++i) {
    const std::string name = "stalled" + std::to_string(i) + ".bin";
    stalled.push_back(af_test::start_process({af_it::cli_path(), "fetch", server.url("/" + name), "--sha256",
                                              af_test::sha256_hex(stalled_data[i]), "-o",
                                              (tmp.path() / name).string(), "-v"},
                                             e));
  }
  for (std::size_t i = 0; i < kWorkers; ++i)
    ASSERT_TRUE(wait_for_requests(server, "/stalled" + std::to_string(i) + ".bin")) << service.stderr_so_far();

  const auto r = af_it::run_cli({"fetch", server.url("/a.bin"), "--sha256", af_test::sha256_hex(data), "-o", "a.bin",
                                 "-v"},
                                tmp.path() / "cache", tmp.path() / "w", env("auto"));
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_NE(r.err.find("busy"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("fetching through the service"), std::string::npos) << r.err;
  EXPECT_EQ(af_test::read_file(tmp.path() / "w" / "a.bin"), data);
  EXPECT_NE(service.stderr_so_far().find("1 client(s) told busy"), std::string::npos) << service.stderr_so_far();
  for (std::size_t i = 0; i < kWorkers; ++i) {
    const af_test::ProcessResult f = stalled[i].wait(30s);
    ASSERT_EQ(f.exit_code, 0) << af_it::describe(f);
    EXPECT_NE(f.err.find("fetching through the service"), std::string::npos) << f.err;
    EXPECT_EQ(af_test::read_file(tmp.path() / ("stalled" + std::to_string(i) + ".bin")), stalled_data[i]);
  }
  EXPECT_EQ(workers_that_ran(service.stderr_so_far()).size(), kWorkers) << service.stderr_so_far();
}

// SIGTERM while two workers run stalled jobs: the service stops both jobs
// (as an interrupted run: the cache keeps their bytes), leaves at once with
// exit 0, and each client finishes in-process with the right bytes.
TEST_F(Service, AStopSignalEndsEveryRunningJobAndTheService) {
  af_test::TestServer server;
  af_test::Fault stall;
  stall.stall_after_bytes = 16 << 10;
  stall.stall_ms = 8000;
  stall.times = 1;  // the service's request stalls; the in-process one does not
  std::vector<std::string> data;
  for (int i = 0; i < 2; ++i) {
    data.push_back(af_test::random_bytes(64 << 10, static_cast<std::uint32_t>(40 + i)));
    server.add_file("/s" + std::to_string(i) + ".bin", data.back());
    server.set_fault("/s" + std::to_string(i) + ".bin", stall);
  }
  af_test::ChildProcess service = start_service();
  auto e = env("auto");
  e.emplace_back("ASSETFETCH_CACHE_DIR", (tmp.path() / "cache").string());
  e.emplace_back("ASSETFETCH_CONFIG", "");
  std::vector<af_test::ChildProcess> clients;
  for (int i = 0; i < 2; ++i) {
    const std::string name = "s" + std::to_string(i) + ".bin";
    clients.push_back(af_test::start_process({af_it::cli_path(), "fetch", server.url("/" + name), "--sha256",
                                              af_test::sha256_hex(data[i]), "-o", (tmp.path() / name).string(), "-v"},
                                             e));
  }
  for (int i = 0; i < 2; ++i)
    ASSERT_TRUE(wait_for_requests(server, "/s" + std::to_string(i) + ".bin")) << service.stderr_so_far();
  const auto stopped_at = std::chrono::steady_clock::now();
  service.kill(SIGTERM);
  const af_test::ProcessResult s = service.wait(10s);
  if (!windows_cli()) {  // Wine does not deliver SIGTERM to the Windows program as a signal
    EXPECT_EQ(s.exit_code, 0) << s.err;
    EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, 3s) << "not waiting out the stalls";
    EXPECT_NE(s.err.find("leaving"), std::string::npos) << s.err;
  }
  for (int i = 0; i < 2; ++i) {
    const af_test::ProcessResult r = clients[i].wait(30s);
    ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
    EXPECT_NE(r.err.find("fetching in this process"), std::string::npos) << r.err;
    EXPECT_EQ(af_test::read_file(tmp.path() / ("s" + std::to_string(i) + ".bin")), data[i]);
  }
}

}  // namespace

}  // namespace af_service_test
