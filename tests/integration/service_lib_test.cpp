// Library jobs (the C ABI) and the background service (issue 19 item 4):
// with ASSETFETCH_SERVICE=auto a job's transfer thread first has the service
// fetch its files into the cache (a cache-only request), then finds them
// there; complete and cancel stay the host's. Each job runs in a process of
// its own (tests/c_abi/service_client.c, linked against libassetfetch), as
// two CMake or vcpkg steps would.
//
// Evidence: nginx (TLS, HTTP/2) logs each answer's connection number; the
// service's -v log names each job it runs; the in-process server records
// each request's Range (a job that resumed asks past byte 0); the
// destination folder and the cache are listed.
#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

#include "core/prefetch.h"
#include "service_fixture.h"
#include "test_server.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using af_service_test::Http2Origin;
using af_service_test::names;
using af_service_test::Service;
using af_service_test::wait_for_journal;

class ServiceLibrary : public Service {
 protected:
  void SetUp() override {
    Service::SetUp();
    // The helper and the library are Linux programs even when the suite
    // drives assetfetch.exe under Wine.
    if (windows_cli()) GTEST_SKIP() << "library jobs run as Linux processes; the Windows CLI is not their service";
  }

  af_test::EnvList lib_env(const std::string& service_mode, const fs::path& cache) const {
    return {{"ASSETFETCH_SERVICE", service_mode},
            {"XDG_RUNTIME_DIR", run_dir().string()},
            {"ASSETFETCH_CACHE_DIR", cache.string()},
            {"ASSETFETCH_OFFLINE", ""}};
  }

  // argv for one library job: MODE NAME CA_FILE, then URL SHA256 DEST per file.
  static std::vector<std::string> job_argv(const std::string& mode, const std::string& name, const std::string& ca,
                                           const std::vector<std::vector<std::string>>& files) {
    std::vector<std::string> argv{AF_SERVICE_CLIENT_PATH, mode, name, ca.empty() ? "-" : ca};
    for (const auto& f : files) argv.insert(argv.end(), f.begin(), f.end());
    return argv;
  }

  // 3 MiB at /big.bin whose first answer comes at 1 MiB/s (the service's
  // request is slow; a resumed one is not); returns its sha256.
  static std::string serve_slow_big(af_test::TestServer& server, std::uint32_t seed, std::string* data) {
    *data = af_test::random_bytes(3 << 20, seed);
    server.add_file("/big.bin", *data);
    af_test::Fault slow;
    slow.throttle_bytes_per_s = 1 << 20;
    slow.times = 1;
    server.set_fault("/big.bin", slow);
    return af_test::sha256_hex(*data);
  }

  // Two jobs of three files each, one process after the other.
  void two_jobs(const Http2Origin& origin, const fs::path& root, const std::string& mode) {
    const auto files = names(6);
    for (int job = 0; job < 2; ++job) {
      std::vector<std::vector<std::string>> specs;
      for (int i = 3 * job; i < 3 * job + 3; ++i)
        specs.push_back({origin.nginx->url(files[i]), af_test::sha256_hex(origin.data[i]),
                         (root / "out" / files[i]).string()});
      const std::string name = "lib" + std::to_string(job + 1);
      const auto r = af_test::run_process(job_argv("complete", name, origin.ca.ca_file, specs),
                                          lib_env(mode, root / ("cache" + std::to_string(job))), 60s);
      ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
      EXPECT_NE(r.out.find("state=transferred\n"), std::string::npos) << r.out;
      EXPECT_NE(r.out.find("before=absent\n"), std::string::npos) << r.out;
      EXPECT_NE(r.out.find("complete=0\n"), std::string::npos) << r.out;
      // The service's attempts reach the host's callbacks, and an af_* call
      // from inside one is refused as in-process.
      EXPECT_EQ(r.out.find("attempts=0\n"), std::string::npos) << r.out;
      EXPECT_NE(r.out.find("recursive=12\n"), std::string::npos) << r.out;
    }
    for (std::size_t i = 0; i < files.size(); ++i)
      EXPECT_EQ(af_test::read_file(root / "out" / files[i]), origin.data[i]) << files[i];
  }
};

// Two library jobs in two processes one after the other, over TLS and
// HTTP/2: through the service they use one connection (its log names both
// jobs, cache-only); with the service off (the control) two.
TEST_F(ServiceLibrary, JobsInTwoProcessesShareOneConnection) {
  for (const bool with_service : {true, false}) {
    SCOPED_TRACE(with_service ? "service" : "control");
    const fs::path root = tmp.path() / (with_service ? "s" : "c");
    Http2Origin origin(root / "origin", names(6));
    af_test::ChildProcess service;
    if (with_service) service = start_service();
    two_jobs(origin, root, with_service ? "auto" : "off");
    EXPECT_EQ(origin.connections(6).size(), with_service ? 1u : 2u);
    if (with_service) {
      const std::string log = service.stderr_so_far();
      EXPECT_NE(log.find("job lib1: 3 file(s) into the cache"), std::string::npos) << log;
      EXPECT_NE(log.find("job lib2: 3 file(s) into the cache"), std::string::npos) << log;
    }
  }
}

// No service running: the library starts the assetfetch program beside it
// (the build tree, like an install, puts them together), which serves the
// second job too.
TEST_F(ServiceLibrary, TheLibraryStartsTheServiceBesideIt) {
  const fs::path root = tmp.path() / "auto";
  Http2Origin origin(root / "origin", names(6));
  ASSERT_FALSE(fs::exists(socket()));
  two_jobs(origin, root, "auto");
  EXPECT_TRUE(fs::exists(socket()));
  EXPECT_EQ(origin.connections(6).size(), 1u);
  // It leaves when its folder goes, at the end of the test.
}

// While the service fetches, nothing is beside the destination; after the
// job is transferred the destination is still absent, and a cancel leaves
// the folder empty; the cache keeps the verified object and no job record.
TEST_F(ServiceLibrary, NothingAtTheDestinationBeforeCompleteAndCancelLeavesNone) {
  af_test::TestServer server;
  std::string data;
  const std::string sha = serve_slow_big(server, 31, &data);
  const fs::path cache = tmp.path() / "cache", out = tmp.path() / "out";
  af_test::ChildProcess service = start_service();
  af_test::ChildProcess client = af_test::start_process(
      job_argv("cancel", "held", "", {{server.url("/big.bin"), sha, (out / "big.bin").string()}}),
      lib_env("auto", cache));
  ASSERT_TRUE(wait_for_journal(cache, sha, 512u << 10)) << client.stderr_so_far() << service.stderr_so_far();
  EXPECT_NE(service.stderr_so_far().find("job held: 1 file(s) into the cache"), std::string::npos)
      << service.stderr_so_far();
  EXPECT_TRUE(af_it::files_under(out).empty());  // the service writes nothing beside the destination
  const af_test::ProcessResult r = client.wait(60s);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_NE(r.out.find("state=transferred\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("before=absent\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cancel=0\n"), std::string::npos) << r.out;
  EXPECT_TRUE(af_it::files_under(out).empty());
  EXPECT_EQ(af_test::read_file(cache / "objects" / "sha256" / sha), data);
  EXPECT_TRUE(af_it::files_under(cache / "jobs").empty());
  EXPECT_EQ(server.requests_for("/big.bin").size(), 1u);  // the job found it in the cache
}

// The service is SIGKILLed mid-transfer: the library job finishes
// in-process with the right bytes, resuming from the service's partial (its
// last request asks past byte 0).
TEST_F(ServiceLibrary, KilledServiceTheJobFinishesInProcess) {
  af_test::TestServer server;
  std::string data;
  const std::string sha = serve_slow_big(server, 32, &data);
  const fs::path cache = tmp.path() / "cache", out = tmp.path() / "out";
  af_test::ChildProcess service = start_service();
  af_test::ChildProcess client = af_test::start_process(
      job_argv("complete", "killed", "", {{server.url("/big.bin"), sha, (out / "big.bin").string()}}),
      lib_env("auto", cache));
  ASSERT_TRUE(wait_for_journal(cache, sha, 512u << 10)) << client.stderr_so_far() << service.stderr_so_far();
  EXPECT_NE(service.stderr_so_far().find("job killed: 1 file(s) into the cache"), std::string::npos)
      << service.stderr_so_far();
  service.kill(SIGKILL);
  const af_test::ProcessResult r = client.wait(60s);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_NE(r.out.find("complete=0\n"), std::string::npos) << r.out;
  EXPECT_EQ(af_test::read_file(out / "big.bin"), data);
  const auto requests = server.requests_for("/big.bin");
  ASSERT_GE(requests.size(), 2u);
  EXPECT_FALSE(requests.back().range.empty());
  EXPECT_NE(requests.back().range, "bytes=0-");
}

// The config key alone ("service": "auto" in the job's config_file, no
// ASSETFETCH_SERVICE) sends the job through the service; "off" there (the
// control) and ASSETFETCH_SERVICE=off over "auto" keep it in-process.
TEST_F(ServiceLibrary, TheConfigKeyAloneTurnsItOn) {
  af_test::TestServer server;
  const std::string data = af_test::random_bytes(5000, 34);
  server.add_file("/a.bin", data);
  const std::string sha = af_test::sha256_hex(data);
  const fs::path on = af_it::write_config(tmp.path() / "on.json", 2, "\"service\": \"auto\"");
  const fs::path off = af_it::write_config(tmp.path() / "off.json", 2, "\"service\": \"off\"");
  af_test::ChildProcess service = start_service();
  struct Run {
    std::string name;
    fs::path config;
    std::string variable;
    bool through_service;
  };
  for (const Run& run : {Run{"cfg-on", on, "", true}, Run{"cfg-off", off, "", false}, Run{"env-off", on, "off", false}}) {
    SCOPED_TRACE(run.name);
    af_test::EnvList env = lib_env(run.variable, tmp.path() / ("cache-" + run.name));
    env.emplace_back("AF_SERVICE_CLIENT_CONFIG", run.config.string());
    const fs::path dest = tmp.path() / run.name / "a.bin";
    const auto r = af_test::run_process(job_argv("complete", run.name, "", {{server.url("/a.bin"), sha, dest.string()}}),
                                        env, 60s);
    ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
    EXPECT_EQ(af_test::read_file(dest), data);
  }
  const std::string log = service.stderr_so_far();
  EXPECT_NE(log.find("job cfg-on: 1 file(s) into the cache"), std::string::npos) << log;
  EXPECT_EQ(log.find("job cfg-off:"), std::string::npos) << log;
  EXPECT_EQ(log.find("job env-off:"), std::string::npos) << log;
}

// af_job_suspend while the service transfers: it returns at once (the
// job's progress showed the service's bytes), the service stops its job,
// and the resumed job gets the rest through the service again from the
// cache's partial (the last request asks past byte 0).
TEST_F(ServiceLibrary, SuspendMidTransferReturnsAtOnceAndTheResumeGoesOn) {
  af_test::TestServer server;
  std::string data;
  const std::string sha = serve_slow_big(server, 33, &data);
  const fs::path cache = tmp.path() / "cache", out = tmp.path() / "out";
  af_test::ChildProcess service = start_service();
  const auto r = af_test::run_process(
      job_argv("suspend", "paused", "", {{server.url("/big.bin"), sha, (out / "big.bin").string()}}),
      lib_env("auto", cache), 60s);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r) << service.stderr_so_far();
  EXPECT_NE(r.out.find("suspend=0\n"), std::string::npos) << r.out;
  const auto at = r.out.find("suspend_ms=");
  ASSERT_NE(at, std::string::npos) << r.out;
  EXPECT_LT(std::stol(r.out.substr(at + 11)), 1000) << r.out;
  const auto bytes = r.out.find("bytes_at_suspend=");
  ASSERT_NE(bytes, std::string::npos) << r.out;
  EXPECT_GE(std::stoul(r.out.substr(bytes + 17)), 512u << 10) << r.out;
  EXPECT_NE(r.out.find("complete=0\n"), std::string::npos) << r.out;
  EXPECT_EQ(af_test::read_file(out / "big.bin"), data);
  const auto requests = server.requests_for("/big.bin");
  ASSERT_GE(requests.size(), 2u);
  EXPECT_FALSE(requests.back().range.empty());
  EXPECT_NE(requests.back().range, "bytes=0-");
  const std::string log = service.stderr_so_far();
  EXPECT_NE(log.find("job paused: client gone"), std::string::npos) << log;
}

// The service's side, in-process: a cache-only job puts a verified object in
// the cache and nothing anywhere else (no folder at the destination, no
// temporary, no job record); it refuses a file it would have to write beside
// its destination (ranges, no hash), and complete() refuses.
TEST(CacheOnlyJob, FillsTheCacheAndWritesNothingElse) {
  af_test::TempDir tmp;
  af_test::TestServer server;
  const std::string data = af_test::random_bytes(70000, 35);
  server.add_file("/a.bin", data);
  const std::string sha = af_test::sha256_hex(data);
  assetfetch::JobOptions options;
  options.cache_dir = tmp.path() / "cache";
  auto job = assetfetch::create_cache_only_job("only", options);
  const fs::path dest = tmp.path() / "out" / "a.bin";
  auto spec = [&](bool ranges, bool digest) {
    assetfetch::FileSpec f;
    f.name = "a";
    f.urls = {server.url("/a.bin")};
    f.local_name = dest;
    if (digest) f.digest = assetfetch::Digest{assetfetch::HashAlgorithm::sha256, sha};
    else f.allow_unverified = true;
    if (ranges) {
      f.ranges = {assetfetch::ByteRange{0, 100, std::nullopt}};
      f.ranges_given = true;
    }
    return f;
  };
  assetfetch::ErrorContext e;
  EXPECT_EQ(job->add_file(spec(true, true), &e), nullptr);
  EXPECT_NE(e.message.find("cache-only"), std::string::npos) << e.message;
  EXPECT_EQ(job->add_file(spec(false, false), &e), nullptr);
  ASSERT_NE(job->add_file(spec(false, true), &e), nullptr) << e.message;
  ASSERT_TRUE(job->resume());
  EXPECT_EQ(job->wait(30s), assetfetch::JobState::transferred);
  EXPECT_FALSE(job->complete(&e));
  EXPECT_NE(e.message.find("installs nothing"), std::string::npos) << e.message;
  job.reset();
  EXPECT_FALSE(fs::exists(tmp.path() / "out"));
  EXPECT_EQ(af_test::read_file(options.cache_dir / "objects" / "sha256" / sha), data);
  EXPECT_TRUE(af_it::files_under(options.cache_dir / "jobs").empty());
  EXPECT_TRUE(af_it::files_under(options.cache_dir / "partial").empty());
}

}  // namespace
