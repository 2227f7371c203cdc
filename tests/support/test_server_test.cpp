// Proves that the test support servers really do what tests rely on: each
// fault of TestServer observed with plain libcurl, TLS with TestCa, nginx
// with Range / DAV PUT / access log, and the process runner.
#include "nginx_server.h"
#include "process.h"
#include "test_ca.h"
#include "test_server.h"
#include "test_util.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>

namespace af_test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Request {
  std::string range{};
  std::string method = "GET";  // GET, HEAD or PUT
  std::string put_body{};
  std::vector<std::string> headers{};
  long timeout_ms = 5000;
  std::string cainfo{};
  bool follow = false;
  bool http2 = false;
};

struct Reply {
  CURLcode code = CURLE_OK;
  long status = 0;
  long http_version = 0;
  std::string body{};
  HeaderMap headers{};  // of the last response
  double seconds = 0;
};

size_t on_body(char* p, size_t size, size_t n, void* user) {
  static_cast<Reply*>(user)->body.append(p, size * n);
  return size * n;
}

size_t on_header(char* p, size_t size, size_t n, void* user) {
  auto* reply = static_cast<Reply*>(user);
  std::string line(p, size * n);
  if (line.rfind("HTTP/", 0) == 0) reply->headers.clear();  // a new response begins
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    auto b = value.find_first_not_of(" \t");
    auto e = value.find_last_not_of(" \t\r\n");
    reply->headers[line.substr(0, colon)] =
        b == std::string::npos ? "" : value.substr(b, e - b + 1);
  }
  return size * n;
}

size_t on_read(char* p, size_t size, size_t n, void* user) {
  auto* src = static_cast<std::string_view*>(user);
  size_t k = std::min(size * n, src->size());
  std::copy_n(src->data(), k, p);
  src->remove_prefix(k);
  return k;
}

// One transfer with libcurl's easy interface, never through a proxy.
Reply fetch(const std::string& url, const Request& req = {}) {
  Reply reply;
  CURL* curl = curl_easy_init();
  curl_slist* headers = nullptr;
  for (const auto& h : req.headers) headers = curl_slist_append(headers, h.c_str());
  std::string_view upload = req.put_body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROXY, "");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, req.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (!req.range.empty()) curl_easy_setopt(curl, CURLOPT_RANGE, req.range.c_str());
  if (req.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (req.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
                     static_cast<curl_off_t>(req.put_body.size()));
  }
  if (!req.cainfo.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, req.cainfo.c_str());
  if (req.follow) curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  if (req.http2) curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  auto start = Clock::now();
  reply.code = curl_easy_perform(curl);
  reply.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_easy_getinfo(curl, CURLINFO_HTTP_VERSION, &reply.http_version);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return reply;
}

// Compares byte strings without dumping megabytes of binary on failure.
::testing::AssertionResult SameBytes(const std::string& actual, const std::string& expected) {
  if (actual == expected) return ::testing::AssertionSuccess();
  std::size_t i = 0;
  while (i < actual.size() && i < expected.size() && actual[i] == expected[i]) ++i;
  return ::testing::AssertionFailure() << "got " << actual.size() << " bytes, expected "
                                       << expected.size() << "; first difference at " << i;
}

class TestServerTest : public ::testing::Test {
 protected:
  void SetUp() override { server.add_file("/data.bin", data); }
  const std::string data = random_bytes(10000, 1);
  TestServer server;
};

TEST_F(TestServerTest, WholeGetHasValidators) {
  Reply r = fetch(server.url("data.bin"));
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(SameBytes(r.body, data));
  EXPECT_EQ(r.headers["Content-Length"], "10000");
  EXPECT_EQ(r.headers["Accept-Ranges"], "bytes");
  EXPECT_EQ(r.headers["ETag"].front(), '"');
  EXPECT_FALSE(r.headers["Last-Modified"].empty());
  EXPECT_EQ(r.headers.count("Content-Range"), 0u);
}

TEST_F(TestServerTest, HeadReportsLengthWithoutBody) {
  Reply r = fetch(server.url("/data.bin"), {.method = "HEAD"});
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["Content-Length"], "10000");
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(server.requests().at(0).method, "HEAD");
}

TEST_F(TestServerTest, RangesGive206WithContentRange) {
  Reply r = fetch(server.url("/data.bin"), {.range = "100-199"});
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 206);
  EXPECT_TRUE(SameBytes(r.body, data.substr(100, 100)));
  EXPECT_EQ(r.headers["Content-Range"], "bytes 100-199/10000");

  r = fetch(server.url("/data.bin"), {.range = "9990-"});
  EXPECT_EQ(r.status, 206);
  EXPECT_TRUE(SameBytes(r.body, data.substr(9990)));
  EXPECT_EQ(r.headers["Content-Range"], "bytes 9990-9999/10000");

  r = fetch(server.url("/data.bin"), {.range = "-50"});
  EXPECT_EQ(r.status, 206);
  EXPECT_TRUE(SameBytes(r.body, data.substr(9950)));

  r = fetch(server.url("/data.bin"), {.range = "9000-20000"});  // end clamped
  EXPECT_EQ(r.headers["Content-Range"], "bytes 9000-9999/10000");
  EXPECT_TRUE(SameBytes(r.body, data.substr(9000)));
}

TEST_F(TestServerTest, RangePastEndIs416WithSize) {
  Reply r = fetch(server.url("/data.bin"), {.range = "10000-10010"});
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.headers["Content-Range"], "bytes */10000");
  EXPECT_EQ(server.requests().at(0).status, 416);
}

TEST_F(TestServerTest, IfRangeMismatchGivesWholeFile) {
  Reply r = fetch(server.url("/data.bin"), {.range = "0-9", .headers = {"If-Range: \"old\""}});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(SameBytes(r.body, data));
  std::string etag = fetch(server.url("/data.bin"), {.method = "HEAD"}).headers["ETag"];
  r = fetch(server.url("/data.bin"), {.range = "0-9", .headers = {"If-Range: " + etag}});
  EXPECT_EQ(r.status, 206);
}

TEST_F(TestServerTest, EmptyFile) {
  server.add_file("/empty", "");
  Reply r = fetch(server.url("/empty"));
  EXPECT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["Content-Length"], "0");
  EXPECT_EQ(fetch(server.url("/empty"), {.range = "0-"}).status, 416);
}

TEST_F(TestServerTest, UnknownPathIs404) {
  Reply r = fetch(server.url("/nope"));
  EXPECT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 404);
}

TEST_F(TestServerTest, StatusFaultWithRetryAfter) {
  server.set_fault("/data.bin", {.status = 503, .retry_after = "2"});
  Reply r = fetch(server.url("/data.bin"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers["Retry-After"], "2");
  server.set_fault("/data.bin", {.status = 429});
  EXPECT_EQ(fetch(server.url("/data.bin")).status, 429);
  server.clear_fault("/data.bin");
  EXPECT_EQ(fetch(server.url("/data.bin")).status, 200);
}

TEST_F(TestServerTest, ResetAfterBytesTruncatesTransfer) {
  server.set_fault("/data.bin", {.reset_after_bytes = 1000});
  Reply r = fetch(server.url("/data.bin"));
  EXPECT_EQ(r.code, CURLE_PARTIAL_FILE);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(SameBytes(r.body, data.substr(0, 1000)));
  EXPECT_EQ(r.headers["Content-Length"], "10000");  // the promise that is broken

  server.set_fault("/data.bin", {.reset_after_bytes = 0});
  r = fetch(server.url("/data.bin"), {.range = "5000-"});
  EXPECT_EQ(r.code, CURLE_PARTIAL_FILE);
  EXPECT_EQ(r.status, 206);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(TestServerTest, CorruptAtFlipsOneByteAtFileOffset) {
  server.set_fault("/data.bin", {.corrupt_at = 500});
  Reply r = fetch(server.url("/data.bin"));
  ASSERT_EQ(r.code, CURLE_OK);
  ASSERT_EQ(r.body.size(), data.size());
  std::string expected = data;
  expected[500] = static_cast<char>(expected[500] ^ 0xFF);
  EXPECT_TRUE(SameBytes(r.body, expected));

  r = fetch(server.url("/data.bin"), {.range = "400-599"});
  EXPECT_TRUE(SameBytes(r.body, expected.substr(400, 200)));
  r = fetch(server.url("/data.bin"), {.range = "600-699"});  // offset outside: intact
  EXPECT_TRUE(SameBytes(r.body, data.substr(600, 100)));
}

TEST_F(TestServerTest, IgnoreRangeAnswersWholeBody) {
  server.set_fault("/data.bin", {.ignore_range = true});
  Reply r = fetch(server.url("/data.bin"), {.range = "100-199"});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(SameBytes(r.body, data));
  EXPECT_EQ(r.headers.count("Content-Range"), 0u);
}

TEST_F(TestServerTest, WrongContentRangeStartsElsewhere) {
  server.set_fault("/data.bin", {.wrong_content_range = true});
  Reply r = fetch(server.url("/data.bin"), {.range = "100-199"});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.headers["Content-Range"], "bytes 0-99/10000");
  EXPECT_TRUE(SameBytes(r.body, data.substr(0, 100)));
  r = fetch(server.url("/data.bin"), {.range = "0-99"});
  EXPECT_EQ(r.headers["Content-Range"], "bytes 1-100/10000");
}

TEST_F(TestServerTest, StallTripsClientTimeout) {
  server.set_fault("/data.bin", {.stall_after_bytes = 1000, .stall_ms = 4000});
  Reply r = fetch(server.url("/data.bin"), {.timeout_ms = 500});
  EXPECT_EQ(r.code, CURLE_OPERATION_TIMEDOUT);
  EXPECT_TRUE(SameBytes(r.body, data.substr(0, 1000)));
  EXPECT_LT(r.seconds, 2.0);
}

TEST_F(TestServerTest, ShortStallThenCompletes) {
  server.set_fault("/data.bin", {.stall_after_bytes = 10, .stall_ms = 300});
  Reply r = fetch(server.url("/data.bin"));
  EXPECT_EQ(r.code, CURLE_OK);
  EXPECT_TRUE(SameBytes(r.body, data));
  EXPECT_GE(r.seconds, 0.25);
}

TEST_F(TestServerTest, StopInterruptsStall) {
  server.set_fault("/data.bin", {.stall_after_bytes = 10, .stall_ms = 20000});
  auto pending = std::async(std::launch::async, [&] { return fetch(server.url("/data.bin")); });
  std::this_thread::sleep_for(milliseconds(200));
  auto start = Clock::now();
  server.stop();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
  Reply r = pending.get();
  EXPECT_NE(r.code, CURLE_OK);
  EXPECT_EQ(r.body.size(), 10u);
}

TEST_F(TestServerTest, RedirectSendsLocation) {
  server.add_file("/b.bin", "other");
  server.set_fault("/data.bin", {.redirect_to = server.url("/b.bin"), .redirect_status = 301});
  Reply r = fetch(server.url("/data.bin"));
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.headers["Location"], server.url("/b.bin"));
  r = fetch(server.url("/data.bin"), {.follow = true});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "other");
}

TEST_F(TestServerTest, ThrottleSlowsTransfer) {
  server.set_fault("/data.bin", {.throttle_bytes_per_s = 20000});  // 10000 B: ~0.5 s
  Reply r = fetch(server.url("/data.bin"));
  EXPECT_EQ(r.code, CURLE_OK);
  EXPECT_TRUE(SameBytes(r.body, data));
  EXPECT_GE(r.seconds, 0.25);
}

// Answer spans: two answers at once overlap, one after the other do not,
// and an answer the client drops ends soon after (the server notices at its
// next paced write).
TEST_F(TestServerTest, AnswerSpansShowWhatRanAtOnce) {
  server.set_fault("/data.bin", {.throttle_bytes_per_s = 20000});  // 10000 B: ~0.5 s each
  auto a = std::async(std::launch::async, [&] { return fetch(server.url("/data.bin")); });
  auto b = std::async(std::launch::async, [&] { return fetch(server.url("/data.bin")); });
  EXPECT_EQ(a.get().code, CURLE_OK);
  EXPECT_EQ(b.get().code, CURLE_OK);
  EXPECT_EQ(fetch(server.url("/data.bin")).code, CURLE_OK);
  auto spans = server.answer_spans();
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(max_concurrent(spans), 2u);
  EXPECT_EQ(max_concurrent({spans[2]}), 1u);
  EXPECT_GE(spans[2].end - spans[2].start, milliseconds(250));

  server.set_fault("/data.bin", {.throttle_bytes_per_s = 2000});  // ~5 s, dropped after 0.3 s
  Reply dropped = fetch(server.url("/data.bin"), {.timeout_ms = 300});
  const auto gave_up = Clock::now();
  EXPECT_EQ(dropped.code, CURLE_OPERATION_TIMEDOUT);
  spans = server.answer_spans();
  ASSERT_EQ(spans.size(), 4u);
  EXPECT_LT(spans[3].end - gave_up, milliseconds(1000)) << "the server kept a dropped answer open";
}

TEST_F(TestServerTest, FaultTimesThenHealthy) {
  server.set_fault("/data.bin", {.status = 500, .times = 1});
  EXPECT_EQ(fetch(server.url("/data.bin")).status, 500);
  Reply r = fetch(server.url("/data.bin"));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(SameBytes(r.body, data));
}

TEST_F(TestServerTest, ServeOtherBytesChangesContentAndEtag) {
  std::string etag = fetch(server.url("/data.bin"), {.method = "HEAD"}).headers["ETag"];
  server.set_fault("/data.bin", {.serve_other_bytes = std::string("changed")});
  Reply r = fetch(server.url("/data.bin"));
  EXPECT_EQ(r.body, "changed");
  EXPECT_NE(r.headers["ETag"], etag);
  r = fetch(server.url("/data.bin"), {.range = "0-99", .headers = {"If-Range: " + etag}});
  EXPECT_EQ(r.status, 200);  // a resume against changed content restarts
  EXPECT_EQ(r.body, "changed");
}

TEST_F(TestServerTest, PutStoresThenServes) {
  server.enable_put("/cache/");
  std::string blob = random_bytes(3000, 7);
  Reply r = fetch(server.url("/cache/ab/cd"), {.method = "PUT", .put_body = blob});
  EXPECT_EQ(r.status, 201);
  EXPECT_TRUE(SameBytes(fetch(server.url("/cache/ab/cd")).body, blob));
  EXPECT_TRUE(SameBytes(server.file("/cache/ab/cd").value_or(""), blob));
  EXPECT_EQ(fetch(server.url("/cache/ab/cd"), {.method = "PUT", .put_body = "x"}).status, 204);
  EXPECT_EQ(fetch(server.url("/elsewhere"), {.method = "PUT", .put_body = "x"}).status, 405);
  auto puts = server.requests_for("/cache/ab/cd");
  ASSERT_GE(puts.size(), 1u);
  EXPECT_EQ(puts[0].method, "PUT");
  EXPECT_EQ(puts[0].request_body_bytes, blob.size());
  EXPECT_EQ(puts[0].status, 201);
}

TEST_F(TestServerTest, LargePutAndGet) {
  // Over 1 MiB curl sends "Expect: 100-continue" and the body in many reads.
  server.enable_put("/");
  std::string big = random_bytes(3 * 1024 * 1024 + 17, 11);
  EXPECT_EQ(fetch(server.url("/big"), {.method = "PUT", .put_body = big}).status, 201);
  Reply r = fetch(server.url("/big"));
  EXPECT_EQ(r.code, CURLE_OK);
  EXPECT_TRUE(SameBytes(r.body, big));
}

TEST_F(TestServerTest, RequestLogRecordsRangeAndHeaders) {
  fetch(server.url("/data.bin?sig=secret"), {.range = "0-9", .headers = {"X-Team: blue"}});
  fetch(server.url("/other"));
  ASSERT_EQ(server.request_count(), 2u);
  auto log = server.requests_for("/data.bin");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].method, "GET");
  EXPECT_EQ(log[0].target, "/data.bin?sig=secret");
  EXPECT_EQ(log[0].range, "bytes=0-9");
  EXPECT_EQ(log[0].headers["x-team"], "blue");
  EXPECT_EQ(log[0].status, 206);
  EXPECT_EQ(log[0].body_bytes, 10u);
  EXPECT_EQ(server.requests()[1].status, 404);
  server.clear_log();
  EXPECT_EQ(server.request_count(), 0u);
}

TEST_F(TestServerTest, StopRefusesAndStartReusesPort) {
  int port = server.port();
  server.stop();
  EXPECT_EQ(fetch(server.url("/data.bin")).code, CURLE_COULDNT_CONNECT);
  server.start();
  EXPECT_EQ(server.port(), port);
  EXPECT_TRUE(SameBytes(fetch(server.url("/data.bin")).body, data));
}

TEST(TestServerTls, VerifiedWithTestCaOnly) {
  TempDir dir;
  TestCa ca(dir / "ca");
  TestCa other(dir / "other");
  TestServer server({.cert_file = ca.cert_file, .key_file = ca.key_file});
  server.add_file("/x", "secure");
  ASSERT_EQ(server.url("/x").rfind("https://127.0.0.1:", 0), 0u);
  Reply r = fetch(server.url("/x"), {.cainfo = ca.ca_file});
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.body, "secure");
  EXPECT_EQ(fetch(server.url("/x"), {.cainfo = other.ca_file}).code,
            CURLE_PEER_FAILED_VERIFICATION);
}

TEST(TestServerTls, ExpiredCertificateFails) {
  TempDir dir;
  TestCa ca(dir.path(), {.expired = true});
  TestServer server({.cert_file = ca.cert_file, .key_file = ca.key_file});
  server.add_file("/x", "secure");
  EXPECT_EQ(fetch(server.url("/x"), {.cainfo = ca.ca_file}).code,
            CURLE_PEER_FAILED_VERIFICATION);
}

TEST(TestServerTls, HttpsRedirectsToHttp) {
  TempDir dir;
  TestCa ca(dir.path());
  TestServer plain;
  plain.add_file("/x", "plain");
  TestServer server({.cert_file = ca.cert_file, .key_file = ca.key_file});
  server.set_fault("/x", {.redirect_to = plain.url("/x")});
  Reply r = fetch(server.url("/x"), {.cainfo = ca.ca_file});
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.headers["Location"], plain.url("/x"));
  EXPECT_EQ(r.headers["Location"].rfind("http://", 0), 0u);
}

class NginxTest : public ::testing::Test {
 protected:
  // No skip when nginx is missing: NginxServer throws saying what to install.
  void SetUp() override { write_file(root / "pub/data.bin", data); }
  TempDir root{"assetfetch-nginx-root"};
  const std::string data = random_bytes(50000, 3);
};

TEST_F(NginxTest, ServesRangeAndLogsIt) {
  NginxServer nginx({.root = root.path()});
  Reply r = fetch(nginx.url("/pub/data.bin"), {.range = "1000-1999"});
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 206);
  EXPECT_TRUE(SameBytes(r.body, data.substr(1000, 1000)));
  EXPECT_EQ(r.headers["Content-Range"], "bytes 1000-1999/50000");
  EXPECT_TRUE(SameBytes(fetch(nginx.url("/pub/data.bin")).body, data));
  auto lines = nginx.access_log_lines(2);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "GET /pub/data.bin bytes=1000-1999 206 1000");
  auto entries = nginx.access_log(2);
  EXPECT_EQ(entries[1].range, "");
  EXPECT_EQ(entries[1].status, 200);
  EXPECT_EQ(entries[1].body_bytes, 50000u);
}

TEST_F(NginxTest, DavPutThenGet) {
  NginxServer nginx({.root = root.path(), .enable_dav_put = true});
  std::string blob = random_bytes(70000, 9);
  Reply r = fetch(nginx.url("/cache/sha256/ab"), {.method = "PUT", .put_body = blob});
  EXPECT_EQ(r.status, 201);
  EXPECT_TRUE(SameBytes(read_file(root / "cache/sha256/ab"), blob));
  EXPECT_TRUE(SameBytes(fetch(nginx.url("/cache/sha256/ab")).body, blob));
  EXPECT_EQ(nginx.access_log(2).at(0).method, "PUT");
}

TEST_F(NginxTest, TlsWithHttp2AndRateLimit) {
  TempDir dir;
  TestCa ca(dir.path());
  NginxServer nginx({.root = root.path(), .limit_rate = "100k",
                     .cert_file = ca.cert_file, .key_file = ca.key_file});
  Reply r = fetch(nginx.url("/pub/data.bin"), {.cainfo = ca.ca_file, .http2 = true});
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.http_version, CURL_HTTP_VERSION_2_0);
  EXPECT_TRUE(SameBytes(r.body, data));
  EXPECT_GE(r.seconds, 0.2);  // 50000 B at 100 KiB/s is ~0.5 s
}

TEST(NginxServer, StopRefusesConnections) {
  TempDir root;
  NginxServer nginx({.root = root.path()});
  nginx.stop();
  EXPECT_EQ(fetch(nginx.url("/")).code, CURLE_COULDNT_CONNECT);
}

TEST(Process, CapturesOutputExitCodeStdinAndCwd) {
  TempDir dir;
  ProcessResult r = run_process({"sh", "-c", "cat; pwd; echo oops >&2; exit 3"}, {},
                                std::chrono::seconds(10), "from stdin\n", dir.str());
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "from stdin\n" + std::filesystem::canonical(dir.path()).string() + "\n");
  EXPECT_EQ(r.err, "oops\n");
}

TEST(Process, DropsProxyVariablesAndAddsExtraEnv) {
  ::setenv("http_proxy", "http://127.0.0.1:9", 1);
  ::setenv("HTTPS_PROXY", "http://127.0.0.1:9", 1);
  ProcessResult r = run_process({"env"}, {{"AF_TEST_VAR", "1"}});
  ::unsetenv("http_proxy");
  ::unsetenv("HTTPS_PROXY");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.find("http_proxy"), std::string::npos);
  EXPECT_EQ(r.out.find("HTTPS_PROXY"), std::string::npos);
  EXPECT_NE(r.out.find("AF_TEST_VAR=1"), std::string::npos);
}

TEST(Process, TimeoutKillsChild) {
  ProcessResult r = run_process({"sleep", "10"}, {}, milliseconds(200));
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
}

TEST(Process, StartAndKillMidRun) {
  ChildProcess child = start_process({"sh", "-c", "echo started; exec sleep 10"});
  for (int i = 0; i < 500 && child.stdout_so_far().empty(); ++i) {
    std::this_thread::sleep_for(milliseconds(2));
  }
  EXPECT_EQ(child.stdout_so_far(), "started\n");
  EXPECT_TRUE(child.running());
  EXPECT_TRUE(child.kill(SIGKILL));
  ProcessResult r = wait_process(child, std::chrono::seconds(5));
  EXPECT_EQ(r.exit_code, 128 + SIGKILL);
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(child.running());
}

TEST(Process, ChildDoesNotInheritSockets) {
  TestServer server;  // its listening socket must not leak into children
  ProcessResult r = run_process({"sh", "-c", "ls /proc/self/fd | wc -l"});
  // 0, 1, 2 and the fd ls uses to read the directory.
  EXPECT_EQ(std::atoi(r.out.c_str()), 4);
}

TEST(Process, MissingProgramThrows) {
  EXPECT_THROW(run_process({"/nonexistent/program"}), std::runtime_error);
}

TEST(TestUtil, RandomBytesAreDeterministic) {
  EXPECT_EQ(random_bytes(1001, 5), random_bytes(1001, 5));
  EXPECT_NE(random_bytes(64, 5), random_bytes(64, 6));
  EXPECT_EQ(random_bytes(13, 1).size(), 13u);
}

TEST(TestUtil, DigestsMatchKnownValues) {
  EXPECT_EQ(sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha512_hex("").substr(0, 16), "cf83e1357eefb8bd");
}

TEST(TestUtil, TempDirIsRemovedEvenWhenReadOnly) {
  std::filesystem::path kept{};
  {
    TempDir dir;
    kept = dir.path();
    write_file(dir / "a/b.txt", "x");
    EXPECT_EQ(read_file(dir / "a/b.txt"), "x");
    std::filesystem::permissions(dir / "a", std::filesystem::perms::owner_read |
                                                 std::filesystem::perms::owner_exec);
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

}  // namespace
}  // namespace af_test
