// A server that caps each connection's rate (as CDNs and object stores do),
// one mirror (issue 19 item 6): the adaptive probe finds the cap and keeps
// adding connections while each step raises the total rate, and the added
// segments go on connections of their own, never as HTTP/2 streams of the
// capped one. Seen from the servers: the answers' spans and count (the
// in-process HTTP/1.1 server, whose throttle paces each answer, so each
// connection), and nginx's $connection over TLS and HTTP/2.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "assetfetch/job.h"
#include "job_fetch.h"
#include "nginx_server.h"
#include "test_ca.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using namespace assetfetch;
using namespace std::chrono_literals;

JobOptions defaults(const fs::path& cache) {
  JobOptions o;  // what a user gets
  o.cache_dir = cache;
  o.retry.attempts = 2;
  o.retry.backoff = 10ms;
  return o;
}

// 40 MiB at /f, 4 MiB/s per answer: one connection takes 10 s.
struct CappedMirror {
  explicit CappedMirror(std::uint32_t seed) : data(af_test::random_bytes(40u << 20, seed)) {
    af_test::remove_proxy_env();
    server.add_file("/f", data);
    server.set_fault("/f", af_test::Fault{.throttle_bytes_per_s = 4u << 20});
  }
  af_test::TempDir tmp{"af-conncap"};
  std::string data;
  af_test::TestServer server;
};

TEST(PerConnectionCap, OneMirrorGetsMoreThanTwoConnectionsWhileTheyPay) {
  CappedMirror m(31);
  auto& [tmp, data, server] = m;
  const double one_connection_s = static_cast<double>(data.size()) / (4u << 20);
  af_it::FetchRun r = af_it::fetch_one(defaults(tmp / "cache"), {server.url("/f")}, data, tmp / "out.bin");
  ASSERT_EQ(r.state, JobState::transferred) << r.error.message;
  EXPECT_TRUE(af_test::read_file(tmp / "out.bin") == data);
  std::size_t gets = 0;
  for (const auto& q : server.requests_for("/f")) gets += q.method == "GET";
  const auto spans = server.answer_spans();
  ASSERT_FALSE(spans.empty());
  EXPECT_GT(gets, 2u) << "the growth stopped at the probe although each connection is capped";
  EXPECT_GT(af_test::max_concurrent(spans, 50ms), 2u) << "never more than 2 answers at once";
  EXPECT_LE(af_test::max_concurrent(spans, 50ms), 8u) << "more than the automatic 8 connections";
  // From the first answer's start to the last one's end, server side.
  auto first = spans.front().start, last = spans.front().end;
  for (const auto& s : spans) {
    first = std::min(first, s.start);
    last = std::max(last, s.end);
  }
  const double served_s = std::chrono::duration<double>(last - first).count();
  EXPECT_LT(served_s, 0.7 * one_connection_s) << "one capped connection alone takes " << one_connection_s << " s";
}

// The probe's window ends early when the probe, at the same age since its
// first byte, has as many bytes as the first request had (a cap per
// connection shows at once): with a 2 s window, the connections past the
// probe start well before the window's end. Without the rule they start
// when it ends (2 s after the probe).
TEST(PerConnectionCap, TheProbeWindowEndsOnceTheProbeKeepsPace) {
  CappedMirror m(33);
  auto& [tmp, data, server] = m;
  JobOptions o = defaults(tmp / "cache");
  o.segment_probe_after = 2s;
  af_it::FetchRun r = af_it::fetch_one(o, {server.url("/f")}, data, tmp / "out.bin");
  ASSERT_EQ(r.state, JobState::transferred) << r.error.message;
  EXPECT_TRUE(af_test::read_file(tmp / "out.bin") == data);
  auto spans = server.answer_spans();
  ASSERT_GE(spans.size(), 3u) << "no growth past the probe";
  std::sort(spans.begin(), spans.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
  const double probe_to_third = std::chrono::duration<double>(spans[2].start - spans[1].start).count();
  EXPECT_LT(probe_to_third, 1.5) << "the connections after the probe waited for the whole 2 s window";
}

TEST(PerConnectionCap, TheUsersLimitStillCaps) {
  CappedMirror m(32);
  auto& [tmp, data, server] = m;
  JobOptions o = defaults(tmp / "cache");
  o.max_connections_per_file = 3;
  af_it::FetchRun r = af_it::fetch_one(o, {server.url("/f")}, data, tmp / "out.bin");
  ASSERT_EQ(r.state, JobState::transferred) << r.error.message;
  EXPECT_TRUE(af_test::read_file(tmp / "out.bin") == data);
  EXPECT_LE(af_test::max_concurrent(server.answer_spans(), 50ms), 3u) << "max_connections_per_file = 3 exceeded";
}

// nginx over TLS and HTTP/2, each answer limited to 4 MiB/s: the segments
// must come on connections of their own.
TEST(PerConnectionCap, Http2SegmentsComeOnConnectionsOfTheirOwn) {
  af_test::remove_proxy_env();
  af_test::TempDir tmp{"af-conncap"};
  af_test::TestCa ca{tmp.path()};
  const std::string data = af_test::random_bytes(40u << 20, 33);
  af_test::write_file(tmp / "www" / "f", data);
  af_test::NginxServer nginx({
      .root = tmp / "www",
      .limit_rate = "4m",
      .cert_file = ca.cert_file,
      .key_file = ca.key_file,
      // Inside server{} this replaces the fixture's own access log.
      .extra_server_config = "    access_log " + (tmp / "conn.log").string() + " conn;\n",
      .extra_http_config = "  log_format conn '$connection $server_protocol $request_method $status';\n",
  });
  JobOptions o = defaults(tmp / "cache");
  o.tls.ca_file = ca.ca_file;
  af_it::FetchRun r = af_it::fetch_one(o, {nginx.url("/f")}, data, tmp / "out.bin");
  ASSERT_EQ(r.state, JobState::transferred) << r.error.message;
  EXPECT_TRUE(af_test::read_file(tmp / "out.bin") == data);
  std::set<std::string> connections, protocols;
  std::size_t gets = 0;
  // nginx writes a line once an answer ended: give the last ones 5 s.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  for (;;) {  // bounded by the deadline
    connections.clear();
    protocols.clear();
    gets = 0;
    std::istringstream in(af_test::read_file(tmp / "conn.log"));
    for (std::string line; std::getline(in, line);) {
      std::istringstream f(line);
      std::string connection, protocol, method;
      f >> connection >> protocol >> method;
      if (method != "GET") continue;
      ++gets;
      connections.insert(connection);
      protocols.insert(protocol);
    }
    if ((gets > 1 && gets == connections.size()) || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(protocols, std::set<std::string>{"HTTP/2.0"});
  EXPECT_GT(gets, 1u) << "no segment: the probe never came";
  EXPECT_EQ(connections.size(), gets) << "a segment came as a stream of another request's connection";
}

}  // namespace
