#include "service/service_server.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>
#include <mutex>

#include "base/url.h"
#include "core/job_in_share.h"
#include "core/prefetch.h"
#include "platform/local_socket.h"
#include "platform/path.h"
#include "platform/process.h"
#include "service/line_channel.h"
#include "service/service_paths.h"
#include "service/service_protocol.h"
#include "service/worker_pool.h"
#include "transfer/curl_share.h"

namespace assetfetch::service {

namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

std::atomic<int> g_stop{0};

extern "C" void on_service_stop(int sig) { g_stop.store(sig); }

bool finished(JobState s) {
  return s != JobState::queued && s != JobState::connecting && s != JobState::transferring &&
         s != JobState::transient_error;
}

// Why this service will not run `j`, or empty.
std::string refusal(const Json& j) {
  if (!j.is_object() || j.value("protocol", 0) != kProtocol ||
      j.value("version", "") != request_identity(j.value("cache_only", false)))
    return "the service runs another build of assetfetch (" + build_identity() + ", protocol " +
           std::to_string(kProtocol) + ")";
  if (j.value("env", Json::object()) != Json(transfer_environment()))
    return "the service was started with other proxy or CA settings in its environment";
  return {};
}

// The origin of the request's first http(s) candidate, or empty: the pool
// prefers the worker whose connections went there last.
std::string first_origin(const Json& request) {
  try {
    const Json& files = request.at("files");
    if (files.empty()) return {};
    for (const Json& c : files.at(0).at("candidates")) {
      const std::string url = c.at("url").get<std::string>();
      if (url.starts_with("http:") || url.starts_with("https:")) return url_origin(url);
    }
  } catch (const std::exception&) {
    // A malformed request: serve_client refuses it.
  }
  return {};
}

// Runs one client's job in `share` (its worker's) and streams its events;
// returns when the client has its result or is gone.
void serve_client(LineChannel& channel, const ServerOptions& options, ConnectionShare& share) {
  Json msg;
  if (channel.next(&msg, 10s) != LineChannel::Read::message) return;
  if (std::string why = refusal(msg); !why.empty()) {
    channel.send(Json{{"e", "refused"}, {"reason", why}});
    return;
  }
  JobRequest request;
  try {
    request = parse_request(msg);
  } catch (const std::exception& e) {
    channel.send(Json{{"e", "refused"}, {"reason", std::string("malformed request: ") + e.what()}});
    return;
  }
  if (channel.peer_closed()) return;  // it gave up waiting in line and fetches in-process
  channel.send(Json{{"e", "accepted"}, {"pid", platform::current_pid()}});
  if (options.log) options.log("job " + request.name + ": " + std::to_string(request.files.size()) + " file(s)" +
                          (request.cache_only ? " into the cache" : ""));
  // Declared before the job: its callbacks use them until it is destroyed.
  std::vector<const File*> order;  // the request's files, as added
  auto index_of = [&order](const File& f) {
    std::size_t i = 0;
    while (i < order.size() && order[i] != &f) ++i;
    return i;
  };
  auto last_progress = std::make_shared<std::chrono::steady_clock::time_point>();
  request.options.restore = false;  // the client's own run restores; this one only runs what it was given
  // Cache-only (a library's prefetch): nothing is installed or recorded; the
  // client's own job completes from the cache.
  auto job = request.cache_only ? create_cache_only_job(request.name, request.options)
                                : create_job(request.name, request.options);
  if (ErrorContext e = job->error(); e.code != ErrorCode::ok) {
    channel.send(Json{{"e", "create_failed"}, {"error", to_json(e)}});
    return;
  }
  JobCallbacks cb;
  cb.attempt = [&](const AttemptRecord& r) { channel.send(Json{{"e", "attempt"}, {"r", to_json(r)}}); };
  cb.failover = [&](const File& f, const std::string& from, const std::string& to, const std::string& why) {
    channel.send(Json{{"e", "failover"}, {"file", index_of(f)}, {"from", from}, {"to", to}, {"reason", why}});
  };
  cb.warning = [&](const std::string& asset, const std::string& m) {
    channel.send(Json{{"e", "warning"}, {"asset", asset}, {"message", m}});
  };
  cb.note = [&](const std::string& asset, const std::string& m) {
    channel.send(Json{{"e", "note"}, {"asset", asset}, {"message", m}});
  };
  cb.progress = [&, last_progress](const Progress& p, const File& f) {
    const auto now = std::chrono::steady_clock::now();
    if (now - *last_progress < 100ms) return;
    *last_progress = now;
    channel.send(Json{{"e", "progress"}, {"file", index_of(f)}, {"p", to_json(p)}});
  };
  job->set_callbacks(cb);
  for (auto& spec : request.files) {
    ErrorContext err;
    const std::string asset = spec.name;
    const File* added = job->add_file(std::move(spec), &err);
    if (!added) {
      job->cancel();
      channel.send(Json{{"e", "rejected"}, {"asset", asset}, {"message", err.message}});
      return;
    }
    order.push_back(added);
  }
  use_connection_share(*job, share);  // the worker's connections, warm from its last job
  job->resume();
  // Bounded by the job (it ends in transferred, error or cancelled), by the
  // client going away, or by a stop signal.
  auto last_alive = std::chrono::steady_clock::now();
  for (;;) {
    if (finished(job->wait(100ms))) break;
    if (channel.peer_closed() || g_stop.load() != 0) {
      // As an interrupted in-process run: suspend (cancel would drop the
      // cache's partial) and remove what sits beside the destinations; the
      // client, or its next run, resumes from the cache.
      job->suspend();
      for (File* f : job->files()) {
        std::error_code ec;
        std::filesystem::remove(f->temporary_name(), ec);
      }
      if (options.log) options.log("job " + request.name + ": client gone or service stopping; stopped (the cache keeps its bytes)");
      return;
    }
    if (std::chrono::steady_clock::now() - last_alive >= 1s) {
      last_alive = std::chrono::steady_clock::now();
      channel.send(Json{{"e", "alive"}});
    }
  }
  ErrorContext complete_error;
  const bool all = request.cache_only ? job->state() == JobState::transferred : job->complete(&complete_error);
  Json files = Json::array();
  for (File* f : job->files()) {
    Json jf{{"completed", f->completed()}, {"error", to_json(f->error())}};
    if (auto r = f->result()) jf["result"] = to_json(*r);
    files.push_back(jf);
  }
  channel.send(Json{{"e", "result"}, {"files", files}, {"all", all}, {"complete_error", to_json(complete_error)}});
  if (options.log) options.log("job " + request.name + ": done");
}

}  // namespace

int run_server(const ServerOptions& options, std::string* error) {
  if (auto st = platform::ensure_private_dir(options.dir); !st) {
    *error = st.error().message();
    return 1;
  }
  auto listener = platform::LocalListener::listen(socket_path(options.dir));
  if (!listener) {
    if (listener.error().code == platform::Errc::exists) {
      if (options.log) options.log("another service listens at " + platform::utf8_of(socket_path(options.dir)));
      return 0;
    }
    *error = listener.error().message();
    return 1;
  }
  // The workers and the accept loop log at once: one line at a time.
  ServerOptions opts = options;
  if (options.log) {
    auto log_mu = std::make_shared<std::mutex>();
    opts.log = [log_mu, log = options.log](const std::string& line) {
      std::lock_guard lock(*log_mu);
      log(line);
    };
  }
  // Clients wait in line only while every worker runs a job, at most
  // kQueueWait each: a client still waiting then, or one past kMaxQueued, is
  // told "busy" and fetches in-process.
  std::unique_ptr<WorkerPool> pool;
  try {
    pool = std::make_unique<WorkerPool>(
        kWorkers, [&opts](LineChannel& channel, ConnectionShare& share) { serve_client(channel, opts, share); },
        first_origin, opts.log);
  } catch (const std::exception& e) {
    *error = e.what();
    return 1;
  }
  const auto old_int = std::signal(SIGINT, on_service_stop);
  const auto old_term = std::signal(SIGTERM, on_service_stop);
  if (opts.log) opts.log("listening at " + platform::utf8_of(socket_path(options.dir)));

  auto tell_busy = [](std::vector<WorkerPool::Channel>& out) {
    for (auto& channel : out) {
      channel->send(Json{{"e", "busy"}});
      channel->close();
    }
    out.clear();
  };
  // Bounded by the idle time, a stop signal, or the socket being taken away.
  while (g_stop.load() == 0) {
    auto peer = listener->accept(100ms);
    if (!peer && peer.error().code == platform::Errc::access_denied && opts.log) opts.log(peer.error().message());
    const auto now = std::chrono::steady_clock::now();
    std::vector<WorkerPool::Channel> refused;
    if (peer) {
      if (opts.log) opts.log("client connected");
      auto channel = std::make_shared<LineChannel>(std::move(peer.value()));
      if (!pool->enqueue(channel, now)) refused.push_back(channel);
    }
    for (auto& channel : pool->take_expired(now)) refused.push_back(std::move(channel));
    const auto idle = pool->idle_since();
    const bool leave = idle && ((options.idle_exit.count() > 0 && now - *idle >= options.idle_exit) ||
                                !listener->still_bound());
    if (opts.log && !refused.empty()) opts.log(std::to_string(refused.size()) + " client(s) told busy");
    tell_busy(refused);
    if (leave) break;
  }
  std::vector<WorkerPool::Channel> left = pool->stop();
  tell_busy(left);
  pool.reset();  // waits for the jobs running (they stop at a stop signal)
  std::signal(SIGINT, old_int == SIG_ERR ? SIG_DFL : old_int);
  std::signal(SIGTERM, old_term == SIG_ERR ? SIG_DFL : old_term);
  if (opts.log) opts.log("leaving");
  return 0;
}

}  // namespace assetfetch::service
