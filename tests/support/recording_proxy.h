// RecordingProxy: a reverse proxy on 127.0.0.1 in front of an object-store
// emulator (Azurite, s3rver). It forwards every request as it came (target,
// headers, Host included, so SigV4 and SAS signatures still hold), records
// method, target, request headers and the store's status, and can hold back requests of one
// method before forwarding them: four processes' HEADs then all reach the
// store before any PUT lands, the race a cold fleet runs into.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace af_test {

struct ProxiedExchange {
  std::string method;
  std::string target;  // path and query as the client sent them
  int status = 0;      // the store's answer (502 when it gave none)
  // The request's headers as they came (names as the client wrote them).
  std::vector<std::pair<std::string, std::string>> headers;
  // The value of header `name` (case-insensitive), "" when absent.
  std::string header(const std::string& name) const;
};

class RecordingProxy {
 public:
  explicit RecordingProxy(int upstream_port);
  ~RecordingProxy();
  RecordingProxy(const RecordingProxy&) = delete;
  RecordingProxy& operator=(const RecordingProxy&) = delete;

  int port() const { return port_; }
  std::string endpoint() const;  // "http://127.0.0.1:PORT"
  // Requests with `method` wait `delay` before they are forwarded.
  void hold(const std::string& method, std::chrono::milliseconds delay);
  std::vector<ProxiedExchange> exchanges() const;
  // Waits (at most `timeout`) until a request with `method` whose target
  // contains `part` has arrived, held or not; false when none did.
  bool wait_for_arrival(const std::string& method, const std::string& part, std::chrono::milliseconds timeout);

 private:
  void forward(const httplib::Request& req, httplib::Response& res);

  int upstream_port_;
  int port_ = 0;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, std::chrono::milliseconds> holds_;
  std::vector<ProxiedExchange> log_;
  std::vector<ProxiedExchange> arrived_;  // status 0: as they came in
  std::condition_variable arrival_;
};

}  // namespace af_test
