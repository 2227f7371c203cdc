// TestServer: an in-process HTTP(S) origin on 127.0.0.1 for integration
// tests, with per-path fault injection and a log of every request it routed.
//
// Serving: add_file(path, bytes) answers GET and HEAD with Content-Length,
// Accept-Ranges: bytes, a strong ETag (derived from the bytes),
// Last-Modified and Content-Type application/octet-stream. A single Range
// (bytes=a-b, a-, -n) gets 206 + Content-Range; an unsatisfiable one gets
// 416 + "Content-Range: bytes */SIZE". If-Range that does not match the
// ETag or Last-Modified gets the whole file (200). Several ranges in one
// header are answered with the whole file (200), as RFC 9110 allows. Paths
// not added are 404. Paths are matched without the query string.
//
// Lifecycle: the constructor starts the server on a free port (or
// Options::port); stop() closes it so connections are refused; start()
// opens it again on the same port. The destructor stops it. stop() waits
// for open connections, at most about a second for an idle keep-alive one;
// stalls and throttles are cut short by stop().
//
// Thread safety: every member function may be called from any thread while
// the server runs; requests() returns a snapshot.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace af_test {

// What goes wrong on one path. Fields combine; precedence: redirect_to,
// then status, then the body faults (which shape a normal 200/206 answer).
struct Fault {
  int status = 0;              // answer this status with a tiny text body (0 = no)
  std::string retry_after{};     // Retry-After header value sent with `status`
  // Send this many bytes of the response body, then drop the connection
  // (headers promise the full Content-Length; curl reports
  // CURLE_PARTIAL_FILE).
  std::optional<std::size_t> reset_after_bytes{};
  std::optional<std::size_t> corrupt_at{};  // flip (XOR 0xFF) the byte at this file offset
  bool ignore_range = false;   // answer 200 with the whole body despite Range
  // With a Range request: 206 whose Content-Range (and body) start at another
  // offset than asked (start 0 instead, or 1 when 0 was asked).
  bool wrong_content_range = false;
  // After this many body bytes, send nothing for stall_ms, then the rest.
  std::optional<std::size_t> stall_after_bytes{};
  int stall_ms = 0;
  std::string redirect_to{};     // answer redirect_status with Location: redirect_to
  int redirect_status = 302;
  std::size_t throttle_bytes_per_s = 0;  // pace the body to this rate (0 = unlimited)
  // Serve these bytes instead of the file (another ETag too): the content
  // changed under the same URL.
  std::optional<std::string> serve_other_bytes{};
  // A body that never ends: the file's bytes (or the asked range), then
  // filler, chunked (no Content-Length), until the client goes away or the
  // server stops.
  bool endless = false;
  // Content-Encoding sent with a successful answer (e.g. "gzip", although
  // the client asked for identity); the body stays the file's bytes.
  std::string content_encoding{};
  // With a Range request: this literal Content-Range on the 206 instead of
  // the right one (the body is still the asked range).
  std::string content_range{};
  // With a Range past the end: 206 with this literal Content-Range and an
  // empty body instead of the 416 (e.g. "bytes 300000-299999/300000").
  std::string unsatisfiable_content_range{};
  // The fault applies to the first `times` requests to the path (any
  // method, HEAD included), then the path is healthy. -1 = always.
  int times = -1;
};

// Case-insensitive header-name order, so headers["range"] finds "Range".
struct HeaderNameLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using HeaderMap = std::map<std::string, std::string, HeaderNameLess>;

struct RequestRecord {
  std::string method{};        // GET, HEAD, PUT
  std::string path{};          // decoded path, no query
  std::string target{};        // the request target as sent, query included
  std::string range{};         // Range header, or empty
  HeaderMap headers{};         // request headers (repeated ones joined by ", ")
  std::size_t body_bytes = 0;          // response body bytes planned (after faults)
  std::size_t request_body_bytes = 0;  // request body size (PUT)
  int status = 0;            // status the server answered
};

// When one GET (or HEAD) answer was being made: from the handler's start
// until its last body byte was handed to the network, or until the server
// found the connection gone (a client that drops a throttled answer is
// noticed at the next paced write, within about 50 ms).
struct AnswerSpan {
  std::string path{};
  std::chrono::steady_clock::time_point start{}, end{};
};

// The most spans (of one or several servers) that were open at one instant,
// each counted as ending `end_grace` early: a span that ends within that
// much of another's start does not overlap it (the slack of a server
// noticing a dropped connection).
std::size_t max_concurrent(const std::vector<AnswerSpan>& spans,
                           std::chrono::milliseconds end_grace = std::chrono::milliseconds(0));

class TestServer {
 public:
  struct Options {
    // Both set: HTTPS with this certificate (e.g. from TestCa).
    std::string cert_file{};
    std::string key_file{};
    int port = 0;  // 0: any free port
  };

  TestServer();
  explicit TestServer(Options options);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // start() after stop() listens on the same port again. Throws
  // std::runtime_error if the port cannot be bound.
  void start();
  void stop();
  bool running() const;

  int port() const { return port_; }
  bool tls() const;
  // "http://127.0.0.1:PORT/path" (https with TLS); path may omit the '/'.
  std::string url(const std::string& path) const;

  // Serves bytes at path (replacing what was there). extra_headers are added
  // to every successful answer (e.g. Content-Disposition).
  void add_file(const std::string& path, std::string bytes, HeaderMap extra_headers = {});
  void remove_file(const std::string& path);
  // What the path serves now (after a PUT, say), if anything.
  std::optional<std::string> file(const std::string& path) const;

  void set_fault(const std::string& path, Fault fault);
  void clear_fault(const std::string& path);
  void clear_faults();

  // Accepts PUT for paths starting with prefix; the body is then served at
  // that path (201 when new, 204 when replaced). Other PUTs get 405.
  void enable_put(const std::string& prefix);

  // A scripted answer: requests with `method` (GET, PUT or POST) to `path`
  // are answered by `fn` (called on a server thread, given the request and
  // its body) instead of the files, faults and PUT rules; logged like others.
  // For small protocol endpoints (token and credential services).
  struct Answer {
    int status = 200;
    std::string body{};
    HeaderMap headers{};
  };
  using Script = std::function<Answer(const RequestRecord& request, const std::string& body)>;
  void script(const std::string& method, const std::string& path, Script fn);

  // Response body bytes actually handed to the network for path, over all
  // requests (counts what an endless or throttled body really sent).
  std::size_t body_bytes_sent(const std::string& path) const;

  // Every answer's span, in the order the answers began; waits (at most
  // `wait`) until every answer begun has ended.
  std::vector<AnswerSpan> answer_spans(std::chrono::milliseconds wait = std::chrono::seconds(2)) const;

  std::vector<RequestRecord> requests() const;
  std::vector<RequestRecord> requests_for(const std::string& path) const;
  std::size_t request_count() const;
  void clear_log();

 private:
  struct FileEntry;
  struct FaultState;
  struct Plan;

  void handle_get(const httplib::Request& req, httplib::Response& res);
  void handle_put(const httplib::Request& req, httplib::Response& res);
  // True when a script answered `req`.
  bool run_script(const httplib::Request& req, httplib::Response& res);
  std::shared_ptr<const FaultState> take_fault(const std::string& path);
  // Both end answer span `span` when the body is done (or dropped); false
  // when there is no body to send.
  bool send_body(httplib::Response& res, const Plan& plan, std::size_t span);
  void send_endless_body(httplib::Response& res, const Plan& plan, std::size_t span);
  std::size_t begin_answer(const std::string& path);
  void end_answer(std::size_t span);
  void count_sent(const std::string& path, std::size_t n);
  // Sleeps up to `ms`; false if the server is stopping.
  bool pause_unless_stopping(long long ms);
  void log(RequestRecord record);

  Options options_;
  int port_ = 0;

  mutable std::mutex mu_;  // guards everything below until server_
  std::map<std::string, std::shared_ptr<const FileEntry>> files_;
  std::map<std::string, std::shared_ptr<FaultState>> faults_;
  std::vector<std::string> put_prefixes_{};
  std::map<std::string, Script> scripts_{};  // "METHOD path"
  std::vector<RequestRecord> log_{};
  std::map<std::string, std::size_t> sent_{};
  std::vector<AnswerSpan> spans_{};
  std::vector<bool> span_ended_{};
  mutable std::condition_variable spans_cv_;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

}  // namespace af_test
