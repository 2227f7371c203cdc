#include "recording_proxy.h"

#include <httplib.h>

#include <cctype>
#include <stdexcept>

namespace af_test {

namespace {

bool same_name(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

}  // namespace

std::string ProxiedExchange::header(const std::string& name) const {
  for (const auto& [n, v] : headers)
    if (same_name(n, name)) return v;
  return {};
}

RecordingProxy::RecordingProxy(int upstream_port)
    : upstream_port_(upstream_port), server_(std::make_unique<httplib::Server>()) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(16); };
  const auto handler = [this](const httplib::Request& req, httplib::Response& res) { forward(req, res); };
  server_->Get(".*", handler);  // HEAD too
  server_->Put(".*", handler);
  server_->Post(".*", handler);
  server_->Delete(".*", handler);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("RecordingProxy: cannot bind 127.0.0.1");
  httplib::Server* raw = server_.get();
  thread_ = std::thread([raw] { raw->listen_after_bind(); });
  for (int i = 0; i < 500 && !server_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

RecordingProxy::~RecordingProxy() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string RecordingProxy::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

void RecordingProxy::hold(const std::string& method, std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> lock(mu_);
  holds_[method] = delay;
}

std::vector<ProxiedExchange> RecordingProxy::exchanges() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

bool RecordingProxy::wait_for_arrival(const std::string& method, const std::string& part,
                                      std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return arrival_.wait_for(lock, timeout, [&] {
    for (const auto& e : arrived_)
      if (e.method == method && e.target.find(part) != std::string::npos) return true;
    return false;
  });
}

void RecordingProxy::forward(const httplib::Request& req, httplib::Response& res) {
  std::chrono::milliseconds delay{0};
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = holds_.find(req.method); it != holds_.end()) delay = it->second;
    arrived_.push_back({req.method, req.target, 0, {}});
  }
  arrival_.notify_all();
  std::this_thread::sleep_for(delay);
  httplib::Request out;
  out.method = req.method;
  out.path = req.target;  // as sent: the signatures cover the encoded path
  for (const auto& [name, value] : req.headers) {
    // httplib's own entries and what it sets itself for the forwarded body.
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT" ||
        same_name(name, "Content-Length") ||
        same_name(name, "Expect") || same_name(name, "Connection"))
      continue;
    out.headers.emplace(name, value);
  }
  out.body = req.body;
  httplib::Client client("127.0.0.1", upstream_port_);
  client.set_read_timeout(60);
  httplib::Response answer;
  httplib::Error error = httplib::Error::Success;
  const bool ok = client.send(out, answer, error);
  ProxiedExchange rec{req.method, req.target, ok ? answer.status : 502, {}};
  for (const auto& [name, value] : req.headers)
    if (name != "REMOTE_ADDR" && name != "REMOTE_PORT" && name != "LOCAL_ADDR" && name != "LOCAL_PORT")
      rec.headers.emplace_back(name, value);
  {
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back(rec);
  }
  if (!ok) {
    res.status = 502;
    return;
  }
  res.status = answer.status;
  for (const auto& [name, value] : answer.headers)
    if (!same_name(name, "Content-Length") &&
        !same_name(name, "Transfer-Encoding") &&
        !same_name(name, "Connection"))
      res.headers.emplace(name, value);
  if (req.method == "HEAD") {
    // httplib sends no body for HEAD; the object's size is the store's header.
    if (answer.has_header("Content-Length")) res.set_header("Content-Length", answer.get_header_value("Content-Length"));
    return;
  }
  res.body = answer.body;
}

}  // namespace af_test
