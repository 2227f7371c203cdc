// NginxServer: a real nginx (/usr/sbin/nginx) serving a directory on a free
// 127.0.0.1 port, for tests that need a production server: Range,
// keep-alive, WebDAV PUT as a write-back cache, rate limits, HTTP/2 over TLS.
//
// Everything nginx writes (config, pid, temp dirs, logs) lives in a private
// temporary directory; nginx runs in the foreground as a single process, so
// it works as root or not. The access log records
//   "$request_method $uri $http_range $status $body_bytes_sent"
// per request ("-" for no Range), e.g. "GET /a.bin bytes=0-99 206 100".
//
// Thread safety: one owner; access_log_lines() may be called from any thread.
#pragma once

#include "process.h"
#include "test_util.h"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace af_test {

class NginxServer {
 public:
  struct Options {
    std::filesystem::path root{};  // directory served at "/" (required)
    // PUT anywhere under "/" (dav_methods PUT, create_full_put_path,
    // no body size limit); written files are rw-r--r--.
    bool enable_dav_put = false;
    std::string limit_rate{};  // nginx size per second, e.g. "20m"; empty = unlimited
    // Both set: the listener is "ssl http2" with this certificate (TestCa).
    std::string cert_file{};
    std::string key_file{};
    std::string extra_server_config{};  // raw directives appended inside server {}
    std::string extra_http_config{};    // raw directives appended inside http {} (e.g. a log_format)
  };

  struct LogEntry {
    std::string method{};
    std::string uri{};
    std::string range{};  // empty when none was sent
    int status = 0;
    std::size_t body_bytes = 0;
  };

  // Starts nginx and waits (at most 5 s) until it accepts connections.
  // Throws std::runtime_error if /usr/sbin/nginx is missing or nginx fails
  // to start (with nginx's error log in the message).
  explicit NginxServer(Options options);
  ~NginxServer();
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  // Fast shutdown (SIGTERM), then SIGKILL if nginx is still there after 3 s.
  void stop();

  int port() const { return port_; }
  bool tls() const { return !options_.cert_file.empty(); }
  // "http://127.0.0.1:PORT/path" (https with TLS); path may omit the '/'.
  std::string url(const std::string& path) const;

  // Access log lines; waits (up to `wait`) until there are at least
  // min_lines, since nginx logs a request after the client has its answer.
  std::vector<std::string> access_log_lines(std::size_t min_lines = 0,
                                            std::chrono::milliseconds wait =
                                                std::chrono::seconds(2)) const;
  std::vector<LogEntry> access_log(std::size_t min_entries = 0,
                                   std::chrono::milliseconds wait =
                                       std::chrono::seconds(2)) const;
  std::string error_log() const;
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  // One start attempt on port_; false if the port was taken meanwhile.
  bool try_start();
  void write_config() const;

  Options options_;
  TempDir dir_;
  int port_ = 0;
  ChildProcess process_;
};

}  // namespace af_test
