// The optional background service (issue 19 item 4): with
// ASSETFETCH_SERVICE=auto, single-asset commands (fetch, x-script) run their
// job in one long-lived per-user process that keeps connections warm, so a
// process per file stops paying a handshake per file. A process never
// depends on it: absent, killed mid-fetch or not private, the client
// fetches in-process with the bytes already received.
//
// Evidence: nginx (TLS and HTTP/2, or plain HTTP/1.1) logs each answer's
// connection number, so the connections many client processes used can be
// counted; the in-process server logs each request's Range (a resumed fetch
// starts past byte 0).
//
// Against assetfetch.exe under Wine (scripts/windows/cli-test.sh) the same
// tests run over the named pipe; tests/windows/wine_cli_skips.txt names
// those Wine cannot run (TLS to 127.0.0.1, Unix modes and owners, a second
// user) with the reason. The pid a Windows service prints is Wine's, not a
// Linux pid: it is never signalled from here (the service leaves when its
// folder goes, at the end of each test).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
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
#include "platform/local_socket.h"
#include "test_ca.h"
#include "test_server.h"
#include "test_util.h"

#include "service_fixture.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using af_service_test::Http2Origin;
using af_service_test::names;
using af_service_test::Service;
using af_service_test::wait_for_journal;

}  // namespace

namespace af_service_test {

// Ten `fetch` processes one after another, as vcpkg's x-script or CMake's
// fetch_asset() run them: through the service they share one connection;
// without it (the control) each opens its own. Over TLS and HTTP/2, and
// over plain HTTP/1.1 (what Wine's Schannel leaves to test on loopback).
void Service::sequential_processes_share_one_connection(bool tls) {
  const auto files = names(10);
  Http2Origin origin(tmp.path() / "origin", files, tls);
  const auto tls_config = [tls](const Http2Origin& o) {
    return tls ? "\"tls\": {\"ca_file\": \"" + o.ca.ca_file + "\"}" : std::string();
  };
  const fs::path config = af_it::write_config(tmp.path() / "config.json", 2, tls_config(origin));
  af_test::ChildProcess service = start_service();
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto e = env("auto");
    e.emplace_back("ASSETFETCH_CONFIG", config.string());
    auto r = af_test::run_process({af_it::cli_path(), "fetch", origin.nginx->url(files[i]), "--sha256",
                                   af_test::sha256_hex(origin.data[i]), "-o", (tmp.path() / "out" / files[i]).string(),
                                   "--cache-dir", (tmp.path() / "cache").string(), "-v"},
                                  e, 30s);
    ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
    EXPECT_NE(r.err.find("fetching through the service"), std::string::npos) << r.err;
    EXPECT_EQ(af_test::read_file(tmp.path() / "out" / files[i]), origin.data[i]);
  }
  EXPECT_EQ(origin.connections(files.size()).size(), 1u);

  // Control: the same ten processes with the service off open ten.
  Http2Origin control(tmp.path() / "control", files, tls);
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto e = env("off");
    e.emplace_back("ASSETFETCH_CONFIG", af_it::write_config(tmp.path() / "config2.json", 2, tls_config(control)).string());
    auto r = af_test::run_process({af_it::cli_path(), "fetch", control.nginx->url(files[i]), "--sha256",
                                   af_test::sha256_hex(control.data[i]), "-o", (tmp.path() / "out2" / files[i]).string(),
                                   "--cache-dir", (tmp.path() / "cache2").string()},
                                  e, 30s);
    ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  }
  EXPECT_EQ(control.connections(files.size()).size(), files.size());
}

TEST_F(Service, SequentialProcessesShareOneConnection) { sequential_processes_share_one_connection(true); }

TEST_F(Service, SequentialProcessesShareOneConnectionWithoutTls) { sequential_processes_share_one_connection(false); }

}  // namespace af_service_test

namespace {

// vcpkg's x-script goes through the service too.
TEST_F(Service, XScriptGoesThroughTheService) {
  af_test::TestServer server;
  const std::string data = af_test::random_bytes(50000, 3);
  server.add_file("/x.tar.gz", data);
  af_test::ChildProcess service = start_service();
  const fs::path dst = tmp.path() / "downloads" / "x.tar.gz.123.part";
  auto r = af_it::run_cli({"x-script", server.url("/x.tar.gz"), af_test::sha512_hex(data), dst.string(), "-v"},
                          tmp.path() / "cache", tmp.path(), env("auto"));
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_NE(r.err.find("fetching through the service"), std::string::npos) << r.err;
  EXPECT_EQ(af_test::read_file(dst), data);
}

// The service is killed while it fetches: the client finishes in-process,
// resuming from the bytes the service had put in the cache, and exits 0.
TEST_F(Service, KilledMidFetchTheClientFinishesInProcess) {
  af_test::TestServer server;
  const std::string data = af_test::random_bytes(3 << 20, 11);
  const std::string sha = af_test::sha256_hex(data);
  server.add_file("/big.bin", data);
  af_test::Fault slow;
  slow.throttle_bytes_per_s = 1 << 20;
  slow.times = 1;  // the service's request is slow; the resumed one is not
  server.set_fault("/big.bin", slow);
  af_test::ChildProcess service = start_service();
  const fs::path cache = tmp.path() / "cache";
  auto client_env = env("auto");
  client_env.emplace_back("ASSETFETCH_CACHE_DIR", cache.string());
  client_env.emplace_back("ASSETFETCH_CONFIG", "");
  af_test::ChildProcess client = af_test::start_process(
      {af_it::cli_path(), "fetch", server.url("/big.bin"), "--sha256", sha, "-o", (tmp.path() / "big.bin").string(),
       "-v"},
      client_env);
  ASSERT_TRUE(wait_for_journal(cache, sha, 512u << 10)) << client.stderr_so_far() << service.stderr_so_far();
  service.kill(SIGKILL);
  const af_test::ProcessResult r = client.wait(60s);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_NE(r.err.find("fetching in this process"), std::string::npos) << r.err;
  EXPECT_EQ(af_test::read_file(tmp.path() / "big.bin"), data);
  // The in-process run asked for the rest only: the service's bytes were kept.
  const auto requests = server.requests_for("/big.bin");
  ASSERT_GE(requests.size(), 2u);
  EXPECT_NE(requests.back().range, "bytes=0-");
  EXPECT_FALSE(requests.back().range.empty());
}

// Ctrl-C on a client whose job the service runs: exit 130 as in-process,
// the service stops the job (nothing is left beside the destination) and
// stays up; the same command again resumes from the cache through it.
TEST_F(Service, AnInterruptedClientStopsItsJobAndTheRerunResumes) {
  af_test::TestServer server;
  const std::string data = af_test::random_bytes(3 << 20, 14);
  const std::string sha = af_test::sha256_hex(data);
  server.add_file("/big.bin", data);
  af_test::Fault slow;
  slow.throttle_bytes_per_s = 1 << 20;
  slow.times = 1;
  server.set_fault("/big.bin", slow);
  af_test::ChildProcess service = start_service();
  const fs::path cache = tmp.path() / "cache";
  const fs::path out = tmp.path() / "out";
  auto e = env("auto");
  e.emplace_back("ASSETFETCH_CACHE_DIR", cache.string());
  e.emplace_back("ASSETFETCH_CONFIG", "");
  const std::vector<std::string> argv{af_it::cli_path(), "fetch", server.url("/big.bin"), "--sha256", sha, "-o",
                                      (out / "big.bin").string(), "-v"};
  af_test::ChildProcess client = af_test::start_process(argv, e);
  ASSERT_TRUE(wait_for_journal(cache, sha, 512u << 10)) << client.stderr_so_far();
  client.kill(SIGINT);
  const af_test::ProcessResult r = client.wait(10s);
  EXPECT_EQ(r.exit_code, 130) << af_it::describe(r);
  EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;
  // The service noticed (within about 100 ms) and stopped the job.
  for (int i = 0; i < 300 && service.stderr_so_far().find("stopped") == std::string::npos; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_NE(service.stderr_so_far().find("stopped"), std::string::npos) << service.stderr_so_far();
  EXPECT_TRUE(af_it::files_under(out).empty());
  const af_test::ProcessResult again = af_test::run_process(argv, e, 30s);
  ASSERT_EQ(again.exit_code, 0) << af_it::describe(again);
  EXPECT_NE(again.err.find("fetching through the service"), std::string::npos) << again.err;
  EXPECT_EQ(af_test::read_file(out / "big.bin"), data);
  const auto requests = server.requests_for("/big.bin");
  ASSERT_GE(requests.size(), 2u);
  EXPECT_NE(requests.back().range, "bytes=0-");
}

// With the service off (unset, or "off"), the socket is never touched: a
// running service sees no client, and no folder is made for one.
TEST_F(Service, OffNeverTouchesTheSocket) {
  af_test::TestServer server;
  const std::string data = af_test::random_bytes(1000, 5);
  server.add_file("/a.bin", data);
  const std::string sha = af_test::sha256_hex(data);
  // Unset: no folder appears.
  auto r = af_it::run_cli({"fetch", server.url("/a.bin"), "--sha256", sha, "-o", "a.bin"}, tmp.path() / "cache",
                          tmp.path() / "w1", {{"XDG_RUNTIME_DIR", run_dir().string()}});
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_FALSE(fs::exists(service_dir()));
  // "off" with a service listening: it logs no client.
  af_test::ChildProcess service = start_service();
  r = af_it::run_cli({"fetch", server.url("/a.bin"), "--sha256", sha, "-o", "a.bin"}, tmp.path() / "cache2",
                     tmp.path() / "w2", env("off"));
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(af_test::read_file(tmp.path() / "w2" / "a.bin"), data);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(service.stderr_so_far().find("client connected"), std::string::npos) << service.stderr_so_far();
  // An unknown mode is bad input (exit 2) naming the variable and its values.
  r = af_it::run_cli({"fetch", server.url("/a.bin"), "--sha256", sha, "-o", "b.bin"}, tmp.path() / "cache2",
                     tmp.path() / "w3", env("yes please"));
  EXPECT_EQ(r.exit_code, 2) << af_it::describe(r);
  EXPECT_NE(r.err.find("ASSETFETCH_SERVICE"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("auto"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp.path() / "w3" / "b.bin"));
}

// auto with no service running starts one (detached: the client's output
// pipes close when the client exits), which then serves the next client.
TEST_F(Service, AutoStartsTheService) {
  af_test::TestServer server;
  const std::string data = af_test::random_bytes(2000, 6);
  server.add_file("/a.bin", data);
  const std::string sha = af_test::sha256_hex(data);
  auto r = af_it::run_cli({"fetch", server.url("/a.bin"), "--sha256", sha, "-o", "a.bin", "-v"},
                          tmp.path() / "cache", tmp.path() / "w", env("auto"), 20s);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  ASSERT_FALSE(r.timed_out);
  const long pid = service_pid_in(r.err);
  ASSERT_GT(pid, 0) << r.err;
  EXPECT_TRUE(fs::exists(socket()));
  EXPECT_EQ(af_test::read_file(tmp.path() / "w" / "a.bin"), data);
  r = af_it::run_cli({"fetch", server.url("/a.bin"), "--sha256", sha, "-o", "b.bin", "-v"}, tmp.path() / "cache2",
                     tmp.path() / "w", env("auto"));
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(service_pid_in(r.err), pid);
}

// A service of another build (here: a copy of the program, another file
// time) refuses the job; the client fetches in-process and says why.
TEST_F(Service, AServiceOfAnotherBuildIsNotUsed) {
  const fs::path copy = tmp.path() / "other-assetfetch";
  fs::copy_file(af_it::cli_path(), copy);
  fs::last_write_time(copy, fs::last_write_time(af_it::cli_path()) - std::chrono::hours(1));
  af_test::ChildProcess service = af_test::start_process(
      {copy.string(), "service", "-v", "--idle-exit", "0", "--dir", service_dir().string()},
      {{"XDG_RUNTIME_DIR", run_dir().string()}});
  for (int i = 0; i < 500 && !fs::exists(socket()); ++i) std::this_thread::sleep_for(10ms);  // at most 5 s
  ASSERT_TRUE(fs::exists(socket())) << service.stderr_so_far();
  af_test::TestServer server;
  const std::string data = af_test::random_bytes(3000, 15);
  server.add_file("/a.bin", data);
  const auto r = af_it::run_cli({"fetch", server.url("/a.bin"), "--sha256", af_test::sha256_hex(data), "-o", "a.bin",
                                 "-v"},
                                tmp.path() / "cache", tmp.path() / "w", env("auto"));
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_NE(r.err.find("another build"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("fetching through the service"), std::string::npos) << r.err;
  EXPECT_EQ(af_test::read_file(tmp.path() / "w" / "a.bin"), data);
}

// A service leaves after its idle time and removes its socket.
TEST_F(Service, LeavesWhenIdle) {
  af_test::ChildProcess service = start_service(1);
  const af_test::ProcessResult r = service.wait(10s);
  EXPECT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_LT(r.exit_code, 128);
  EXPECT_FALSE(fs::exists(socket()));
}

// A socket folder open to others is refused: the service does not start,
// and a client fetches in-process, saying why with -v.
TEST_F(Service, AFolderOpenToOthersIsRefused) {
  fs::create_directories(service_dir());
  fs::permissions(service_dir(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                     fs::perms::others_read | fs::perms::others_exec);
  auto s = af_it::run_cli({"service", "--dir", service_dir().string()}, tmp.path() / "cache", tmp.path(), {}, 10s);
  EXPECT_EQ(s.exit_code, 1) << af_it::describe(s);
  EXPECT_NE(s.err.find("mode 0755"), std::string::npos) << s.err;
  EXPECT_NE(s.err.find("chmod 700"), std::string::npos) << s.err;
  EXPECT_FALSE(fs::exists(socket()));

  af_test::TestServer server;
  const std::string data = af_test::random_bytes(1000, 8);
  server.add_file("/a.bin", data);
  auto r = af_it::run_cli({"fetch", server.url("/a.bin"), "--sha256", af_test::sha256_hex(data), "-o", "a.bin", "-v"},
                          tmp.path() / "cache", tmp.path() / "w", env("auto"));
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_NE(r.err.find("mode 0755"), std::string::npos) << r.err;
  EXPECT_EQ(af_test::read_file(tmp.path() / "w" / "a.bin"), data);
  EXPECT_FALSE(fs::exists(socket()));
  EXPECT_EQ((fs::status(service_dir()).permissions() & fs::perms::all),
            fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                fs::perms::others_exec);  // left as it was
}

constexpr uid_t kNobody = 65534;

// A socket folder of another user is refused (root can make one). Wine
// shows a file of another Unix user as owned by S-1-5-7 (Anonymous), so
// assetfetch.exe's owner check refuses it there too, naming that SID.
TEST_F(Service, AFolderOfAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to make a folder owned by another user";
  const std::string owner = windows_cli() ? "belongs to S-1-5-7" : "belongs to uid 65534";
  fs::create_directories(service_dir());
  fs::permissions(service_dir(), fs::perms::owner_all);
  ASSERT_EQ(::chown(service_dir().c_str(), kNobody, kNobody), 0);
  auto s = af_it::run_cli({"service", "--dir", service_dir().string()}, tmp.path() / "cache", tmp.path(), {}, 10s);
  EXPECT_EQ(s.exit_code, 1) << af_it::describe(s);
  EXPECT_NE(s.err.find(owner), std::string::npos) << s.err;

  af_test::TestServer server;
  const std::string data = af_test::random_bytes(1000, 9);
  server.add_file("/a.bin", data);
  auto r = af_it::run_cli({"fetch", server.url("/a.bin"), "--sha256", af_test::sha256_hex(data), "-o", "a.bin", "-v"},
                          tmp.path() / "cache", tmp.path() / "w", env("auto"));
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_NE(r.err.find(owner), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(socket()));
}

// A process of another user that reaches the socket (its folder opened up
// for the test) is refused on accept, by its peer credentials.
TEST_F(Service, APeerOfAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run a child as another user";
  fs::create_directories(service_dir());
  fs::permissions(service_dir(), fs::perms::owner_all);
  auto listener = assetfetch::platform::LocalListener::listen(socket());
  ASSERT_TRUE(listener) << listener.error().message();
  // Open the way for the other user; the check that remains is the peer's uid.
  fs::permissions(tmp.path(), fs::perms::all);
  fs::permissions(run_dir(), fs::perms::all);
  fs::permissions(service_dir(), fs::perms::all);
  fs::permissions(socket(), fs::perms::all);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) ::_exit(3);
    auto s = assetfetch::platform::LocalSocket::connect(socket());
    // Connected (the kernel allows it), but the listener runs as root: the
    // client's own check refuses it too.
    ::_exit(s ? 0 : (s.error().code == assetfetch::platform::Errc::access_denied ? 4 : 5));
  }
  auto accepted = listener->accept(5s);
  ASSERT_FALSE(accepted);
  EXPECT_EQ(accepted.error().code, assetfetch::platform::Errc::access_denied) << accepted.error().message();
  EXPECT_NE(accepted.error().message().find("uid 65534"), std::string::npos) << accepted.error().message();
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 4);
}

}  // namespace
