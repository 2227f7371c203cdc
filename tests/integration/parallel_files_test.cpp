// How many files a job fetches at once (issue 19): by default as many as the
// server's protocol suits, 8 over HTTP/1.1 and more once a server multiplexes
// over HTTP/2; an explicit max_parallel_files (-j) is a hard cap.
//
// What the server saw is the evidence: nginx (TLS, HTTP/2) logs each answer's
// connection, end time and duration, so the answers in flight at one instant
// and the connections used can be counted; the in-process HTTP/1.1 server
// records its answer spans. Answers are made slow (nginx limit_rate: about
// 1 s per answer; a stall in the test server) so that overlap is visible.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "assetfetch/job.h"
#include "integration_util.h"
#include "nginx_server.h"
#include "test_ca.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using namespace assetfetch;
using namespace std::chrono_literals;

struct Served {
  std::string path;
  std::string data;
};

FileSpec spec_for(const std::string& url, const Served& f, const fs::path& dest) {
  FileSpec spec;
  spec.name = fs::path(f.path).filename().string();
  spec.candidates.push_back({url, CandidateKind::origin, {}});
  spec.local_name = dest;
  spec.digest = Digest{HashAlgorithm::sha256, af_test::sha256_hex(f.data)};
  return spec;
}

// Runs one job over `files` (each at url_of(path)) and checks the bytes.
// Every attempt that was not ok is added to *retried (url, outcome, reason),
// so a test that expects none can say what happened instead.
template <typename UrlOf>
void fetch_all(const std::vector<Served>& files, UrlOf url_of, JobOptions o, const fs::path& out,
               std::vector<std::string>* retried = nullptr) {
  auto job = create_job("parallel-files", o);
  if (retried) {
    JobCallbacks cb;
    cb.attempt = [retried](const AttemptRecord& a) {
      if (a.outcome != AttemptOutcome::ok)
        retried->push_back(a.url + " " + outcome_name(a.outcome) + ": " + a.retry_reason + " after " +
                           std::to_string(a.bytes) + " bytes, " + std::to_string(a.duration_s) + " s");
    };
    job->set_callbacks(std::move(cb));
  }
  for (const auto& f : files) {
    ErrorContext err;
    ASSERT_NE(job->add_file(spec_for(url_of(f.path), f, out / f.path.substr(1)), &err), nullptr) << err.message;
  }
  job->resume();
  ASSERT_EQ(job->wait(120s), JobState::transferred) << job->error().message;
  ErrorContext complete_error;
  ASSERT_TRUE(job->complete(&complete_error)) << complete_error.message;
  for (const auto& f : files) EXPECT_EQ(af_test::read_file(out / f.path.substr(1)), f.data) << f.path;
}

std::vector<Served> make_files(int n, std::size_t size, const std::string& prefix) {
  std::vector<Served> files;
  for (int i = 0; i < n; ++i)
    files.push_back({"/" + prefix + std::to_string(i) + ".bin",
                     af_test::random_bytes(size, static_cast<std::uint32_t>(1000 + i))});
  return files;
}

// nginx over TLS and HTTP/2, each answer paced to about a second: with
// limit_rate 8k, nginx sends the first 8 KiB of a 12 KiB file, then waits
// a second for the rest.
class ParallelFilesHttp2 : public ::testing::Test {
 protected:
  void SetUp() override {
    af_test::remove_proxy_env();
    fs::create_directories(tmp / "www");
  }

  // Starts nginx serving `files`; answers are logged as
  // "CONNECTION MSEC REQUEST_TIME PROTOCOL URI" to par.log.
  void serve(const std::vector<Served>& files) {
    for (const auto& f : files) af_test::write_file(tmp / "www" / f.path.substr(1), f.data);
    nginx = std::make_unique<af_test::NginxServer>(af_test::NginxServer::Options{
        .root = tmp / "www",
        .limit_rate = "8k",
        .cert_file = ca.cert_file,
        .key_file = ca.key_file,
        // Inside server{} this replaces the fixture's own access log.
        .extra_server_config = "    access_log " + (tmp / "par.log").string() + " par;\n",
        .extra_http_config = "  log_format par '$connection $msec $request_time $server_protocol $uri';\n",
    });
  }

  JobOptions options() const {
    JobOptions o;
    o.cache_dir = tmp / "cache";
    o.tls.ca_file = ca.ca_file;
    return o;
  }

  struct Seen {
    std::size_t max_in_flight = 0;
    std::set<std::string> connections;
    std::set<std::string> protocols;
    std::size_t answers = 0;
  };

  // Reads par.log (nginx writes a line once the client has its answer).
  Seen seen(std::size_t expected) const {
    std::vector<std::string> lines;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    for (;;) {  // bounded by the deadline
      lines.clear();
      std::istringstream in(af_test::read_file(tmp / "par.log"));
      for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(line);
      if (lines.size() >= expected || std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(10ms);
    }
    Seen s;
    std::vector<af_test::AnswerSpan> spans;
    for (const auto& line : lines) {
      std::istringstream in(line);
      std::string connection, protocol, uri;
      double msec = 0, request_time = 0;
      in >> connection >> msec >> request_time >> protocol >> uri;
      s.connections.insert(connection);
      s.protocols.insert(protocol);
      const auto end_ms = static_cast<long long>(msec * 1000.0 + 0.5);
      const auto start_ms = end_ms - static_cast<long long>(request_time * 1000.0 + 0.5);
      spans.push_back({uri, std::chrono::steady_clock::time_point{} + std::chrono::milliseconds(start_ms),
                       std::chrono::steady_clock::time_point{} + std::chrono::milliseconds(end_ms)});
    }
    s.answers = lines.size();
    // 5 ms of slack: the log's times are whole milliseconds.
    s.max_in_flight = af_test::max_concurrent(spans, 5ms);
    return s;
  }

  af_test::TempDir tmp{"af-parallel"};
  af_test::TestCa ca{tmp.path()};
  std::unique_ptr<af_test::NginxServer> nginx;
};

TEST_F(ParallelFilesHttp2, TheDefaultTakesMoreThanEightFilesAtOnceOnOneConnection) {
  const auto files = make_files(40, 12 * 1024, "d");
  serve(files);
  fetch_all(files, [&](const std::string& p) { return nginx->url(p); }, options(), tmp / "out");
  const Seen s = seen(files.size());
  ASSERT_EQ(s.answers, files.size());
  EXPECT_EQ(s.protocols, std::set<std::string>{"HTTP/2.0"});
  // Before issue 19 the default was 8 files at once whatever the protocol.
  EXPECT_GT(s.max_in_flight, static_cast<std::size_t>(kAutoParallelFiles));
  EXPECT_LE(s.max_in_flight, static_cast<std::size_t>(kAutoParallelFilesMultiplexed));
  EXPECT_EQ(s.connections.size(), 1u) << "the files' streams share one connection";
}

TEST_F(ParallelFilesHttp2, AnExplicitCapHoldsOverHttp2) {
  const auto files = make_files(12, 12 * 1024, "c");
  serve(files);
  JobOptions o = options();
  o.max_parallel_files = 4;
  fetch_all(files, [&](const std::string& p) { return nginx->url(p); }, o, tmp / "out");
  const Seen s = seen(files.size());
  ASSERT_EQ(s.answers, files.size());
  EXPECT_LE(s.max_in_flight, 4u);
  EXPECT_GE(s.max_in_flight, 3u) << "the cap is used, not just respected";
}

// Plain HTTP/1.1 (no multiplexing): the default stays at 8 files at once,
// though the server could take 16.
TEST(ParallelFilesHttp1, TheDefaultKeepsToEight) {
  af_test::remove_proxy_env();
  af_test::TempDir tmp{"af-parallel1"};
  af_test::TestServer server;
  const auto files = make_files(40, 4096, "h");
  for (const auto& f : files) {
    server.add_file(f.path, f.data);
    server.set_fault(f.path, af_test::Fault{.stall_after_bytes = 1, .stall_ms = 300});
  }
  JobOptions o;
  o.cache_dir = tmp / "cache";
  fetch_all(files, [&](const std::string& p) { return server.url(p); }, o, tmp / "out");
  const auto spans = server.answer_spans(5s);
  ASSERT_EQ(spans.size(), files.size());
  const auto in_flight = af_test::max_concurrent(spans, 20ms);
  EXPECT_LE(in_flight, static_cast<std::size_t>(kAutoParallelFiles));
  EXPECT_GE(in_flight, 6u) << "the default still fetches files in parallel";
}

}  // namespace

namespace {

// -j 16 against one HTTP/1.1 origin: libcurl opens at most 8 connections to
// it (CURLMOPT_MAX_HOST_CONNECTIONS) and queues the other 8 transfers until
// one is free, here about 2 s. Their no-progress timer (1 s) must count from
// when libcurl runs them, not from when they were queued: a waiting file did
// not stall, so the server sees exactly one request per file.
TEST(ParallelFilesHttp1, AQueuedFileDoesNotTimeOutForWaiting) {
  af_test::remove_proxy_env();
  af_test::TempDir tmp{"af-parallel-queue"};
  af_test::TestServer server;
  const auto files = make_files(16, 24 * 1024, "q");
  for (const auto& f : files) {
    server.add_file(f.path, f.data);
    // about 2 s per answer, bytes moving all the time (no stall of its own)
    server.set_fault(f.path, af_test::Fault{.throttle_bytes_per_s = 12 * 1024});
  }
  JobOptions o;
  o.cache_dir = tmp / "cache";
  o.max_parallel_files = 16;
  o.retry.no_progress_timeout = 1s;
  std::vector<std::string> retried;
  fetch_all(files, [&](const std::string& p) { return server.url(p); }, o, tmp / "out", &retried);
  for (const auto& f : files) EXPECT_EQ(server.requests_for(f.path).size(), 1u) << f.path << " was asked again";
  EXPECT_TRUE(retried.empty()) << ::testing::PrintToString(retried);
  const auto spans = server.answer_spans(5s);
  ASSERT_EQ(spans.size(), files.size());
  EXPECT_LE(af_test::max_concurrent(spans, 20ms), static_cast<std::size_t>(kAutoParallelFiles))
      << "libcurl keeps to 8 connections per host, so half the files waited in its queue";
}

}  // namespace

namespace {

// An https server that speaks only HTTP/1.1 (the in-process server): the
// default takes it for one that may multiplex until its first answer, so more
// than 8 files start; libcurl still opens at most 8 connections, and the files
// that wait in its queue for one are neither failed nor asked twice.
TEST(ParallelFilesHttps1, TheDefaultKeepsToEightConnectionsAndLosesNoFile) {
  af_test::remove_proxy_env();
  af_test::TempDir tmp{"af-parallel-https1"};
  af_test::TestCa ca{tmp.path()};
  af_test::TestServer server{af_test::TestServer::Options{.cert_file = ca.cert_file, .key_file = ca.key_file}};
  const auto files = make_files(16, 48 * 1024, "t");
  for (const auto& f : files) {
    server.add_file(f.path, f.data);
    // about 3 s per answer: the 8 files queued behind the first 8 wait that
    // long, beyond the no-progress timeout, with room for a loaded machine
    server.set_fault(f.path, af_test::Fault{.throttle_bytes_per_s = 16 * 1024});
  }
  JobOptions o;
  o.cache_dir = tmp / "cache";
  o.tls.ca_file = ca.ca_file;
  o.retry.no_progress_timeout = 2s;
  std::vector<std::string> retried;
  fetch_all(files, [&](const std::string& p) { return server.url(p); }, o, tmp / "out", &retried);
  for (const auto& f : files) EXPECT_EQ(server.requests_for(f.path).size(), 1u) << f.path << " was asked again";
  EXPECT_TRUE(retried.empty()) << ::testing::PrintToString(retried);
  const auto spans = server.answer_spans(5s);
  ASSERT_EQ(spans.size(), files.size());
  const auto in_flight = af_test::max_concurrent(spans, 20ms);
  EXPECT_LE(in_flight, static_cast<std::size_t>(kAutoParallelFiles));
  EXPECT_GE(in_flight, 6u) << "still in parallel";
}

}  // namespace
