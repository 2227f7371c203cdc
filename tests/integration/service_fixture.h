// Shared by the background service's tests (service_test.cpp,
// service_pool_test.cpp, service_sync_test.cpp): a private XDG_RUNTIME_DIR, a service started in the
// foreground, an nginx origin (TLS, HTTP/2) that logs each answer's
// connection number, and the cache journal's byte count.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integration_util.h"
#include "nginx_server.h"
#include "test_ca.h"
#include "test_util.h"

namespace af_service_test {


namespace fs = std::filesystem;
using namespace std::chrono_literals;

class Service : public ::testing::Test {
 protected:
  void SetUp() override {
    af_test::remove_proxy_env();
    fs::create_directories(run_dir());
    fs::permissions(run_dir(), fs::perms::owner_all);
  }

  void TearDown() override {
    for (long pid : started_services_) ::kill(static_cast<pid_t>(pid), SIGKILL);
  }

  // The CLI is assetfetch.exe under Wine (AF_TEST_CLI, test_util.h).
  static bool windows_cli() {
    const char* cli = std::getenv("AF_TEST_CLI");
    return cli != nullptr && *cli != '\0';
  }

  fs::path run_dir() const { return tmp.path() / "run"; }  // XDG_RUNTIME_DIR
  fs::path service_dir() const { return run_dir() / "assetfetch"; }
  fs::path socket() const { return service_dir() / "service.sock"; }

  af_test::EnvList env(const std::string& mode) const {
    return {{"ASSETFETCH_SERVICE", mode}, {"XDG_RUNTIME_DIR", run_dir().string()}};
  }

  // `assetfetch service` in the foreground of this test (killed with it).
  af_test::ChildProcess start_service(int idle_exit = 0) {
    af_test::ChildProcess p = af_test::start_process(
        {af_it::cli_path(), "service", "-v", "--idle-exit", std::to_string(idle_exit), "--dir", service_dir().string()},
        {{"XDG_RUNTIME_DIR", run_dir().string()}});
    for (int i = 0; i < 500 && !fs::exists(socket()); ++i) std::this_thread::sleep_for(10ms);  // at most 5 s
    EXPECT_TRUE(fs::exists(socket())) << p.stderr_so_far();
    return p;
  }

  // The service pid a client printed with -v (to end it after the test).
  long service_pid_in(const std::string& err) {
    std::smatch m;
    static const std::regex re("fetching through the service \\(pid ([0-9]+)\\)");
    if (!std::regex_search(err, m, re)) return 0;
    const long pid = std::stol(m[1]);
    if (!windows_cli()) started_services_.push_back(pid);  // a Wine pid names no Linux process
    return pid;
  }

  // service_test.cpp and service_pool_test.cpp: each runs over TLS +
  // HTTP/2 and over plain HTTP/1.1.
  void sequential_processes_share_one_connection(bool tls);
  void concurrent_processes_share_the_workers(bool tls);

  af_test::TempDir tmp;
  std::vector<long> started_services_;
};

// nginx over TLS and HTTP/2 (or, with tls false, plain HTTP/1.1 with
// keep-alive) logging "CONNECTION URI" per answer.
struct Http2Origin {
  explicit Http2Origin(const fs::path& dir, const std::vector<std::string>& names, bool tls = true) : ca(dir / "ca") {
    fs::create_directories(dir / "www");
    for (std::size_t i = 0; i < names.size(); ++i) {
      data.push_back(af_test::random_bytes(16 * 1024, static_cast<std::uint32_t>(7 + i)));
      af_test::write_file(dir / "www" / names[i], data.back());
    }
    log = dir / "conn.log";
    nginx = std::make_unique<af_test::NginxServer>(af_test::NginxServer::Options{
        .root = dir / "www",
        .cert_file = tls ? ca.cert_file : std::string(),
        .key_file = tls ? ca.key_file : std::string(),
        .extra_server_config = "    access_log " + log.string() + " conn;\n",
        .extra_http_config = "  log_format conn '$connection $uri';\n",
    });
  }

  // The connection numbers of the first `expected` answers (waits up to 5 s).
  std::set<std::string> connections(std::size_t expected) const {
    std::vector<std::string> lines;
    for (int i = 0; i < 500; ++i) {  // bounded: 5 s
      lines.clear();
      std::istringstream in(af_test::read_file(log));
      for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(line);
      if (lines.size() >= expected) break;
      std::this_thread::sleep_for(10ms);
    }
    std::set<std::string> seen;
    for (const auto& line : lines) seen.insert(line.substr(0, line.find(' ')));
    return seen;
  }

  af_test::TestCa ca;
  std::vector<std::string> data;
  fs::path log;
  std::unique_ptr<af_test::NginxServer> nginx;
};

// Bytes the cache's filled-ranges journal records for a partial
// (cache/filled_journal.h: a header line, then "<start> <end> <check>"):
// what a resumed run keeps.
inline std::uint64_t journaled_bytes(const fs::path& filled) {
  std::istringstream in(af_test::read_file(filled));
  std::string line;
  std::getline(in, line);  // header
  std::uint64_t n = 0;
  for (std::uint64_t start = 0, end = 0; in >> start >> end && std::getline(in, line);) n += end - start;
  return n;
}

// Waits (at most ~10 s) until the journal beside `part` records `bytes`.
inline bool wait_for_journal(const fs::path& cache, const std::string& sha, std::uint64_t bytes) {
  const fs::path filled = cache / "partial" / ("sha256-" + sha + ".filled");
  for (int i = 0; i < 1000; ++i) {
    std::error_code ec;
    if (fs::exists(filled, ec) && journaled_bytes(filled) >= bytes) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

inline std::vector<std::string> names(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("f" + std::to_string(i) + ".bin");
  return out;
}

}  // namespace af_service_test
