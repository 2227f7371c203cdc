#include "test_server.h"

#include "test_util.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <stdexcept>
#include <string_view>

namespace af_test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kChunk = 64 * 1024;

std::string http_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string strong_etag(std::string_view bytes) {
  return "\"" + sha256_hex(bytes).substr(0, 20) + "\"";
}

// One byte range as asked for: kNone (no/ignored Range), kOk [first, last],
// or kUnsatisfiable.
struct RangeAsk {
  enum Kind { kNone, kOk, kUnsatisfiable } kind = kNone;
  std::size_t first = 0, last = 0;
};

bool parse_number(std::string_view s, std::size_t& out) {
  if (s.empty() || s.size() > 19) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::size_t>(c - '0');
  }
  return true;
}

// Our own single-range parser (RFC 9110 14.1.2), so faults can bend it.
RangeAsk parse_range(std::string_view header, std::size_t size) {
  RangeAsk ask;
  constexpr std::string_view kPrefix = "bytes=";
  if (header.substr(0, kPrefix.size()) != kPrefix) return ask;
  std::string_view spec = header.substr(kPrefix.size());
  if (spec.find(',') != std::string_view::npos) return ask;  // several: whole file
  std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return ask;
  std::string_view a = spec.substr(0, dash), b = spec.substr(dash + 1);
  std::size_t first = 0, last = 0;
  if (a.empty()) {  // suffix: the last n bytes
    if (!parse_number(b, last)) return ask;
    if (last == 0 || size == 0) return {RangeAsk::kUnsatisfiable, 0, 0};
    return {RangeAsk::kOk, size - std::min(last, size), size - 1};
  }
  if (!parse_number(a, first)) return ask;
  if (b.empty()) {
    last = size == 0 ? 0 : size - 1;
  } else if (!parse_number(b, last) || last < first) {
    return ask;  // invalid syntax is ignored, not refused
  }
  if (first >= size) return {RangeAsk::kUnsatisfiable, 0, 0};
  return {RangeAsk::kOk, first, std::min(last, size - 1)};
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

bool HeaderNameLess::operator()(const std::string& a, const std::string& b) const {
  return lower(a) < lower(b);
}

struct TestServer::FileEntry {
  std::shared_ptr<const std::string> bytes;
  std::string etag;
  std::string last_modified;
  HeaderMap extra_headers;
};

struct TestServer::FaultState {
  Fault fault;
  int remaining = -1;
  std::shared_ptr<const std::string> other_bytes;
  std::string other_etag;
};

// What the body provider sends: bytes [offset, offset + length) of data,
// shaped by the body faults.
struct TestServer::Plan {
  std::shared_ptr<const std::string> data;
  std::size_t offset = 0;
  std::size_t length = 0;
  std::optional<std::size_t> corrupt_at;  // absolute offset in data
  std::optional<std::size_t> reset_after;
  std::optional<std::size_t> stall_after;
  int stall_ms = 0;
  std::size_t rate = 0;
  std::string path;  // for body_bytes_sent()
};

TestServer::TestServer() : TestServer(Options{}) {}

TestServer::TestServer(Options options) : options_(std::move(options)), port_(options_.port) {
  start();
}

namespace {
RequestRecord record_of(const httplib::Request& req);
}  // namespace

TestServer::~TestServer() { stop(); }

bool TestServer::tls() const { return !options_.cert_file.empty() && !options_.key_file.empty(); }

void TestServer::start() {
  if (server_) return;
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = false;
  }
  std::unique_ptr<httplib::Server> srv;
  if (tls()) {
    srv = std::make_unique<httplib::SSLServer>(options_.cert_file.c_str(),
                                               options_.key_file.c_str());
  } else {
    srv = std::make_unique<httplib::Server>();
  }
  if (!srv->is_valid()) throw std::runtime_error("TestServer: invalid TLS certificate or key");
  // Enough workers for parallel-download tests; a short keep-alive so stop()
  // is not held up long by an idle client connection.
  srv->new_task_queue = [] { return new httplib::ThreadPool(16); };
  srv->set_keep_alive_timeout(1);
  srv->Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
    if (!run_script(req, res)) handle_get(req, res);
  });
  srv->Put(".*", [this](const httplib::Request& req, httplib::Response& res) {
    if (!run_script(req, res)) handle_put(req, res);
  });
  srv->Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
    if (!run_script(req, res)) {
      res.status = 405;
      RequestRecord rec = record_of(req);
      rec.status = 405;
      log(std::move(rec));
    }
  });

  if (port_ == 0) {
    port_ = srv->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) {
      port_ = 0;
      throw std::runtime_error("TestServer: cannot bind 127.0.0.1");
    }
  } else {
    // A restart on the same port: retried briefly in case the old socket
    // is still being torn down.
    bool bound = false;
    for (int attempt = 0; attempt < 40 && !bound; ++attempt) {
      bound = srv->bind_to_port("127.0.0.1", port_);
      if (!bound) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!bound) {
      throw std::runtime_error("TestServer: cannot bind 127.0.0.1:" + std::to_string(port_));
    }
  }
  httplib::Server* raw = srv.get();
  server_ = std::move(srv);
  thread_ = std::thread([raw] { raw->listen_after_bind(); });
  // stop() is a no-op until listen has begun, so wait for that (bounded).
  for (int i = 0; i < 2000 && !raw->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void TestServer::stop() {
  if (!server_) return;
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

bool TestServer::running() const { return server_ != nullptr; }

std::string TestServer::url(const std::string& path) const {
  std::string u = std::string(tls() ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
  if (path.empty() || path.front() != '/') u += '/';
  return u + path;
}

void TestServer::add_file(const std::string& path, std::string bytes, HeaderMap extra_headers) {
  auto entry = std::make_shared<FileEntry>();
  entry->etag = strong_etag(bytes);
  entry->last_modified = http_date(std::time(nullptr) - 3600);
  entry->extra_headers = std::move(extra_headers);
  entry->bytes = std::make_shared<const std::string>(std::move(bytes));
  std::lock_guard<std::mutex> lock(mu_);
  files_[path] = std::move(entry);
}

void TestServer::remove_file(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  files_.erase(path);
}

std::optional<std::string> TestServer::file(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return std::nullopt;
  return *it->second->bytes;
}

void TestServer::set_fault(const std::string& path, Fault fault) {
  auto state = std::make_shared<FaultState>();
  state->remaining = fault.times;
  if (fault.serve_other_bytes) {
    state->other_etag = strong_etag(*fault.serve_other_bytes);
    state->other_bytes = std::make_shared<const std::string>(*fault.serve_other_bytes);
  }
  state->fault = std::move(fault);
  std::lock_guard<std::mutex> lock(mu_);
  if (state->remaining == 0) {
    faults_.erase(path);
  } else {
    faults_[path] = std::move(state);
  }
}

void TestServer::clear_fault(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.erase(path);
}

void TestServer::clear_faults() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
}

void TestServer::enable_put(const std::string& prefix) {
  std::lock_guard<std::mutex> lock(mu_);
  put_prefixes_.push_back(prefix);
}

std::vector<RequestRecord> TestServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

std::vector<RequestRecord> TestServer::requests_for(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RequestRecord> out;
  for (const auto& r : log_) {
    if (r.path == path) out.push_back(r);
  }
  return out;
}

std::size_t TestServer::request_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_.size();
}

std::size_t TestServer::body_bytes_sent(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sent_.find(path);
  return it == sent_.end() ? 0 : it->second;
}

void TestServer::count_sent(const std::string& path, std::size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  sent_[path] += n;
}

void TestServer::clear_log() {
  std::lock_guard<std::mutex> lock(mu_);
  log_.clear();
}

std::size_t max_concurrent(const std::vector<AnswerSpan>& spans, std::chrono::milliseconds end_grace) {
  // +1 at each start, -1 at each (graced) end; ends sort before starts at
  // the same instant.
  std::vector<std::pair<Clock::time_point, int>> edges;
  for (const auto& s : spans) {
    const Clock::time_point end = std::max(s.start, s.end - end_grace);
    if (end <= s.start) continue;  // shorter than the grace: never overlaps
    edges.emplace_back(s.start, +1);
    edges.emplace_back(end, -1);
  }
  std::sort(edges.begin(), edges.end());
  std::size_t open = 0, most = 0;
  for (const auto& [at, step] : edges) {
    open = step > 0 ? open + 1 : open - 1;
    most = std::max(most, open);
  }
  return most;
}

std::size_t TestServer::begin_answer(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  spans_.push_back({path, Clock::now(), {}});
  span_ended_.push_back(false);
  return spans_.size() - 1;
}

void TestServer::end_answer(std::size_t span) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (span >= spans_.size() || span_ended_[span]) return;  // once (a Response may be copied)
    spans_[span].end = Clock::now();
    span_ended_[span] = true;
  }
  spans_cv_.notify_all();
}

std::vector<AnswerSpan> TestServer::answer_spans(std::chrono::milliseconds wait) const {
  std::unique_lock<std::mutex> lock(mu_);
  spans_cv_.wait_for(lock, wait, [this] {
    return std::find(span_ended_.begin(), span_ended_.end(), false) == span_ended_.end();
  });
  return spans_;
}

void TestServer::log(RequestRecord record) {
  std::lock_guard<std::mutex> lock(mu_);
  log_.push_back(std::move(record));
}

std::shared_ptr<const TestServer::FaultState> TestServer::take_fault(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = faults_.find(path);
  if (it == faults_.end()) return nullptr;
  std::shared_ptr<const FaultState> state = it->second;
  // `remaining` is only touched under mu_; the rest of a FaultState is immutable.
  if (it->second->remaining > 0 && --it->second->remaining == 0) faults_.erase(it);
  return state;
}

bool TestServer::pause_unless_stopping(long long ms) {
  std::unique_lock<std::mutex> lock(stop_mu_);
  stop_cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_; });
  return !stopping_;
}

namespace {

RequestRecord record_of(const httplib::Request& req) {
  RequestRecord r;
  r.method = req.method;
  r.path = req.path;
  r.target = req.target;
  r.range = req.get_header_value("Range");
  for (const auto& [name, value] : req.headers) {
    auto [it, inserted] = r.headers.emplace(name, value);
    if (!inserted) it->second += ", " + value;
  }
  r.request_body_bytes = req.body.size();
  return r;
}

// The small text body of a fault status or error answer.
void set_status(httplib::Response& res, int status) {
  res.status = status;
  res.set_content(std::to_string(status) + "\n", "text/plain");
}

}  // namespace

void TestServer::handle_get(const httplib::Request& req, httplib::Response& res) {
  // httplib would cut ranges out of our answer itself; range handling here
  // is ours (so faults can bend it), hence its parsed ranges are dropped.
  // The Request object is not const in httplib; only the handler view is.
  const_cast<httplib::Request&>(req).ranges.clear();
  const std::size_t span = begin_answer(req.path);
  bool body_pending = false;  // a body provider ends the span
  RequestRecord rec = record_of(req);
  std::shared_ptr<const FaultState> state = take_fault(req.path);
  const Fault* fault = state ? &state->fault : nullptr;
  std::shared_ptr<const std::string> other = state ? state->other_bytes : nullptr;
  std::shared_ptr<const FileEntry> file;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = files_.find(req.path);
    if (it != files_.end()) file = it->second;
  }

  if (fault && !fault->redirect_to.empty()) {
    res.status = fault->redirect_status;
    res.set_header("Location", fault->redirect_to);
  } else if (fault && fault->status != 0) {
    set_status(res, fault->status);
    if (!fault->retry_after.empty()) res.set_header("Retry-After", fault->retry_after);
    rec.body_bytes = res.body.size();
  } else if (!file && !other) {
    set_status(res, 404);
    rec.body_bytes = res.body.size();
  } else {
    Plan plan;
    plan.data = other ? other : file->bytes;
    const std::string etag = other ? state->other_etag : file->etag;
    const std::string last_modified =
        file ? file->last_modified : http_date(std::time(nullptr) - 7200);
    const std::size_t size = plan.data->size();

    RangeAsk ask;
    const std::string if_range = req.get_header_value("If-Range");
    bool range_allowed = !(fault && fault->ignore_range) &&
                         (if_range.empty() || if_range == etag || if_range == last_modified);
    if (range_allowed) ask = parse_range(rec.range, size);

    res.set_header("Accept-Ranges", "bytes");
    res.set_header("ETag", etag);
    res.set_header("Last-Modified", last_modified);
    if (file) {
      for (const auto& [k, v] : file->extra_headers) res.set_header(k, v);
    }
    if (ask.kind == RangeAsk::kUnsatisfiable && fault && !fault->unsatisfiable_content_range.empty()) {
      res.status = 206;
      res.set_header("Content-Range", fault->unsatisfiable_content_range);
    } else if (ask.kind == RangeAsk::kUnsatisfiable) {
      res.status = 416;
      res.set_header("Content-Range", "bytes */" + std::to_string(size));
    } else if (ask.kind == RangeAsk::kOk) {
      std::size_t first = ask.first, length = ask.last - ask.first + 1;
      if (fault && fault->wrong_content_range) {
        // Same length, another start: a proxy that mixed up its ranges.
        first = ask.first == 0 ? 1 : 0;
        length = std::min(length, size > first ? size - first : 0);
      }
      res.status = 206;
      res.set_header("Content-Range", fault && !fault->content_range.empty()
                                          ? fault->content_range
                                          : "bytes " + std::to_string(first) + "-" +
                                                std::to_string(first + length - 1) + "/" +
                                                std::to_string(size));
      plan.offset = first;
      plan.length = length;
    } else {
      res.status = 200;
      plan.offset = 0;
      plan.length = size;
    }
    plan.path = req.path;
    if (fault && !fault->content_encoding.empty()) res.set_header("Content-Encoding", fault->content_encoding);
    if (fault) {
      plan.corrupt_at = fault->corrupt_at;
      plan.reset_after = fault->reset_after_bytes;
      plan.stall_after = fault->stall_after_bytes;
      plan.stall_ms = fault->stall_ms;
      plan.rate = fault->throttle_bytes_per_s;
    }
    if (res.status != 416 && fault && fault->endless) {
      rec.body_bytes = 0;  // unbounded: see body_bytes_sent()
      send_endless_body(res, plan, span);
      body_pending = true;
    } else if (res.status != 416) {
      rec.body_bytes = plan.reset_after ? std::min(*plan.reset_after, plan.length) : plan.length;
      body_pending = send_body(res, plan, span);
    }
  }
  if (req.method == "HEAD") rec.body_bytes = 0;
  rec.status = res.status;
  log(std::move(rec));
  if (!body_pending) end_answer(span);
}

bool TestServer::send_body(httplib::Response& res, const Plan& plan, std::size_t span) {
  // An empty body needs no provider; a HEAD answer gets its Content-Length
  // from the provider's length (httplib never calls it for HEAD).
  if (plan.length == 0) return false;
  struct Progress {
    bool stalled = false;
    bool started = false;
    Clock::time_point start;
  };
  auto progress = std::make_shared<Progress>();
  res.set_content_provider(
      plan.length, "application/octet-stream",
      [this, plan, progress](std::size_t sent, std::size_t left, httplib::DataSink& sink) {
        std::size_t n = std::min(left, kChunk);
        if (!progress->started) {
          progress->started = true;
          progress->start = Clock::now();
        }
        if (plan.reset_after) {
          if (sent >= *plan.reset_after) return false;  // drops the connection
          n = std::min(n, *plan.reset_after - sent);
        }
        if (plan.stall_after && !progress->stalled) {
          if (sent >= *plan.stall_after) {
            progress->stalled = true;
            if (!pause_unless_stopping(plan.stall_ms)) return false;
          } else {
            n = std::min(n, *plan.stall_after - sent);
          }
        }
        if (plan.rate > 0) {
          // Byte `sent` is due at start + sent/rate; send ~1/20 s worth at a time.
          auto due = progress->start + std::chrono::microseconds(
                                           static_cast<long long>(sent) * 1000000 /
                                           static_cast<long long>(plan.rate));
          auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(due - Clock::now());
          if (wait.count() > 0 && !pause_unless_stopping(wait.count())) return false;
          n = std::min(n, std::max<std::size_t>(1, plan.rate / 20));
        }
        std::string chunk = plan.data->substr(plan.offset + sent, n);
        if (plan.corrupt_at && *plan.corrupt_at >= plan.offset + sent &&
            *plan.corrupt_at < plan.offset + sent + n) {
          chunk[*plan.corrupt_at - plan.offset - sent] ^= static_cast<char>(0xFF);
        }
        if (!sink.write(chunk.data(), chunk.size())) return false;
        count_sent(plan.path, chunk.size());
        return true;
      },
      [this, span](bool) { end_answer(span); });
  return true;
}

void TestServer::send_endless_body(httplib::Response& res, const Plan& plan, std::size_t span) {
  res.set_chunked_content_provider(
      "application/octet-stream", [this, plan](std::size_t sent, httplib::DataSink& sink) {
        {
          std::lock_guard<std::mutex> lock(stop_mu_);
          if (stopping_) return false;
        }
        std::string chunk;
        if (sent < plan.length) chunk = plan.data->substr(plan.offset + sent, std::min(kChunk, plan.length - sent));
        else chunk.assign(kChunk, 'z');  // past the file: filler, forever
        if (!sink.write(chunk.data(), chunk.size())) return false;
        count_sent(plan.path, chunk.size());
        return true;
      },
      [this, span](bool) { end_answer(span); });
}

void TestServer::handle_put(const httplib::Request& req, httplib::Response& res) {
  RequestRecord rec = record_of(req);
  std::shared_ptr<const FaultState> state = take_fault(req.path);
  const Fault* fault = state ? &state->fault : nullptr;
  bool allowed = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& p : put_prefixes_) allowed = allowed || req.path.rfind(p, 0) == 0;
  }
  if (fault && !fault->redirect_to.empty()) {
    res.status = fault->redirect_status;
    res.set_header("Location", fault->redirect_to);
  } else if (fault && fault->status != 0) {
    set_status(res, fault->status);
    if (!fault->retry_after.empty()) res.set_header("Retry-After", fault->retry_after);
  } else if (!allowed) {
    set_status(res, 405);
  } else {
    bool existed = file(req.path).has_value();
    add_file(req.path, req.body);
    res.status = existed ? 204 : 201;
  }
  rec.status = res.status;
  rec.body_bytes = res.body.size();
  log(std::move(rec));
}

void TestServer::script(const std::string& method, const std::string& path, Script fn) {
  std::lock_guard<std::mutex> lock(mu_);
  scripts_[method + " " + path] = std::move(fn);
}

bool TestServer::run_script(const httplib::Request& req, httplib::Response& res) {
  Script fn;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = scripts_.find(req.method + " " + req.path);
    if (it == scripts_.end()) return false;
    fn = it->second;
  }
  RequestRecord rec = record_of(req);
  const Answer answer = fn(rec, req.body);  // outside mu_: the script may call the server
  res.status = answer.status;
  const auto type = answer.headers.find("Content-Type");
  for (const auto& [name, value] : answer.headers)
    if (type == answer.headers.end() || name != type->first) res.set_header(name, value);
  res.set_content(answer.body, type == answer.headers.end() ? "text/plain" : type->second);
  rec.status = res.status;
  rec.body_bytes = answer.body.size();
  log(std::move(rec));
  return true;
}

}  // namespace af_test
