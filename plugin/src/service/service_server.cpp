#include "service/service_server.h"

#include <atomic>
#include <csignal>
#include <memory>
#include <mutex>
#include <thread>

#include "platform/local_socket.h"
#include "platform/process.h"
#include "service/line_channel.h"
#include "service/service_paths.h"
#include "service/service_protocol.h"
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
  if (!j.is_object() || j.value("protocol", 0) != kProtocol || j.value("version", "") != ASSETFETCH_VERSION_STRING)
    return std::string("the service runs assetfetch ") + ASSETFETCH_VERSION_STRING + " (protocol " +
           std::to_string(kProtocol) + ")";
  if (j.value("env", Json::object()) != Json(transfer_environment()))
    return "the service was started with other proxy or CA settings in its environment";
  return {};
}

// Runs one client's job and streams its events; returns when the client has
// its result or is gone.
void serve_client(LineChannel& channel, const ServerOptions& options) {
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
  channel.send(Json{{"e", "accepted"}, {"pid", platform::current_pid()}});
  if (options.log) options.log("job " + request.name + ": " + std::to_string(request.files.size()) + " file(s)");
  request.options.restore = false;  // the client's own run restores; this one only runs what it was given
  auto job = create_job(request.name, request.options);
  if (ErrorContext e = job->error(); e.code != ErrorCode::ok) {
    channel.send(Json{{"e", "create_failed"}, {"error", to_json(e)}});
    return;
  }
  JobCallbacks cb;
  cb.attempt = [&](const AttemptRecord& r) { channel.send(Json{{"e", "attempt"}, {"r", to_json(r)}}); };
  std::vector<const File*> order;  // the request's files, as added
  auto index_of = [&order](const File& f) {
    std::size_t i = 0;
    while (i < order.size() && order[i] != &f) ++i;
    return i;
  };
  cb.failover = [&](const File& f, const std::string& from, const std::string& to, const std::string& why) {
    channel.send(Json{{"e", "failover"}, {"file", index_of(f)}, {"from", from}, {"to", to}, {"reason", why}});
  };
  cb.warning = [&](const std::string& asset, const std::string& m) {
    channel.send(Json{{"e", "warning"}, {"asset", asset}, {"message", m}});
  };
  cb.note = [&](const std::string& asset, const std::string& m) {
    channel.send(Json{{"e", "note"}, {"asset", asset}, {"message", m}});
  };
  auto last_progress = std::make_shared<std::chrono::steady_clock::time_point>();
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
  job->resume();
  // Bounded by the job (it ends in transferred, error or cancelled), by the
  // client going away, or by a stop signal.
  auto last_alive = std::chrono::steady_clock::now();
  for (;;) {
    if (finished(job->wait(100ms))) break;
    if (channel.peer_closed() || g_stop.load() != 0) {
      if (options.log) options.log("job " + request.name + ": client gone or service stopping; cancelled");
      job->cancel();  // the cache keeps its partial: the client resumes it in-process
      return;
    }
    if (std::chrono::steady_clock::now() - last_alive >= 1s) {
      last_alive = std::chrono::steady_clock::now();
      channel.send(Json{{"e", "alive"}});
    }
  }
  ErrorContext complete_error;
  const bool all = job->complete(&complete_error);
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
      if (options.log) options.log("another service listens at " + socket_path(options.dir).string());
      return 0;
    }
    *error = listener.error().message();
    return 1;
  }
  try {
    enable_shared_connections();
  } catch (const std::exception& e) {
    *error = e.what();
    return 1;
  }
  const auto old_int = std::signal(SIGINT, on_service_stop);
  const auto old_term = std::signal(SIGTERM, on_service_stop);
  if (options.log) options.log("listening at " + socket_path(options.dir).string());

  std::atomic<bool> busy{false};
  std::atomic<std::chrono::steady_clock::rep> last_active{std::chrono::steady_clock::now().time_since_epoch().count()};
  std::thread worker;
  // Bounded by the idle time, a stop signal, or the socket being taken away.
  while (g_stop.load() == 0) {
    auto peer = listener->accept(250ms);
    if (!peer) {
      if (peer.error().code == platform::Errc::access_denied && options.log) options.log(peer.error().message());
      const auto idle = std::chrono::steady_clock::now().time_since_epoch() -
                        std::chrono::steady_clock::duration(last_active.load());
      if (!busy.load() && options.idle_exit.count() > 0 && idle >= options.idle_exit) break;
      if (!busy.load() && !listener->still_bound()) break;
      continue;
    }
    auto channel = std::make_shared<LineChannel>(std::move(peer.value()));
    if (options.log) options.log(busy.load() ? "client connected; busy" : "client connected");
    if (busy.load()) {
      // One job at a time (the connection share is not for concurrent
      // threads): the client fetches in-process instead.
      channel->send(Json{{"e", "busy"}});
      continue;
    }
    if (worker.joinable()) worker.join();
    busy.store(true);
    worker = std::thread([channel, &options, &busy, &last_active] {
      try {
        serve_client(*channel, options);
      } catch (const std::exception& e) {
        if (options.log) options.log(std::string("job failed inside the service: ") + e.what());
      }
      channel->close();
      last_active.store(std::chrono::steady_clock::now().time_since_epoch().count());
      busy.store(false);
    });
  }
  if (worker.joinable()) worker.join();
  std::signal(SIGINT, old_int == SIG_ERR ? SIG_DFL : old_int);
  std::signal(SIGTERM, old_term == SIG_ERR ? SIG_DFL : old_term);
  if (options.log) options.log("leaving");
  return 0;
}

}  // namespace assetfetch::service
