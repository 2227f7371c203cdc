#include "service/service_server.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
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
#include "platform/path.h"

namespace assetfetch::service {

namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

std::atomic<int> g_stop{0};

// How long a client waits in line for the worker, and how many may wait.
constexpr auto kQueueWait = std::chrono::seconds(3);
constexpr std::size_t kMaxQueued = 64;
extern "C" void on_service_stop(int sig) { g_stop.store(sig); }

bool finished(JobState s) {
  return s != JobState::queued && s != JobState::connecting && s != JobState::transferring &&
         s != JobState::transient_error;
}

// Why this service will not run `j`, or empty.
std::string refusal(const Json& j) {
  if (!j.is_object() || j.value("protocol", 0) != kProtocol || j.value("version", "") != build_identity())
    return "the service runs another build of assetfetch (" + build_identity() + ", protocol " +
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
  if (channel.peer_closed()) return;  // it gave up waiting in line and fetches in-process
  channel.send(Json{{"e", "accepted"}, {"pid", platform::current_pid()}});
  if (options.log) options.log("job " + request.name + ": " + std::to_string(request.files.size()) + " file(s)");
  // Declared before the job: its callbacks use them until it is destroyed.
  std::vector<const File*> order;  // the request's files, as added
  auto index_of = [&order](const File& f) {
    std::size_t i = 0;
    while (i < order.size() && order[i] != &f) ++i;
    return i;
  };
  auto last_progress = std::make_shared<std::chrono::steady_clock::time_point>();
  request.options.restore = false;  // the client's own run restores; this one only runs what it was given
  auto job = create_job(request.name, request.options);
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
      if (options.log) options.log("another service listens at " + platform::utf8_of(socket_path(options.dir)));
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
  if (options.log) options.log("listening at " + platform::utf8_of(socket_path(options.dir)));

  // Clients wait in line for the one worker (the connection share is not
  // for concurrent threads), at most kQueueWait each: a client still waiting
  // then, or one past kMaxQueued, is told "busy" and fetches in-process.
  struct Waiting {
    std::shared_ptr<LineChannel> channel;
    std::chrono::steady_clock::time_point since;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Waiting> queue;
  bool running_job = false, stopping = false;
  auto last_active = std::chrono::steady_clock::now();
  std::thread worker([&] {
    std::unique_lock lock(mu);
    while (!stopping) {  // bounded by the accept loop setting `stopping`
      cv.wait_for(lock, 250ms, [&] { return stopping || !queue.empty(); });
      if (stopping || queue.empty()) continue;
      Waiting w = std::move(queue.front());
      queue.pop_front();
      running_job = true;
      lock.unlock();
      try {
        serve_client(*w.channel, options);
      } catch (const std::exception& e) {
        if (options.log) options.log(std::string("job failed inside the service: ") + e.what());
      }
      w.channel->close();
      lock.lock();
      running_job = false;
      last_active = std::chrono::steady_clock::now();
    }
  });
  auto tell_busy = [](std::vector<Waiting>& out) {
    for (auto& w : out) {
      w.channel->send(Json{{"e", "busy"}});
      w.channel->close();
    }
    out.clear();
  };
  // Bounded by the idle time, a stop signal, or the socket being taken away.
  while (g_stop.load() == 0) {
    auto peer = listener->accept(100ms);
    if (!peer && peer.error().code == platform::Errc::access_denied && options.log) options.log(peer.error().message());
    std::vector<Waiting> refused;
    bool leave = false;
    {
      std::lock_guard lock(mu);
      const auto now = std::chrono::steady_clock::now();
      if (peer) {
        auto channel = std::make_shared<LineChannel>(std::move(peer.value()));
        if (queue.size() >= kMaxQueued) refused.push_back({channel, now});
        else queue.push_back({channel, now});
        cv.notify_one();
      }
      while (!queue.empty() && now - queue.front().since > kQueueWait) {
        refused.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      const bool idle = !running_job && queue.empty();
      leave = idle && ((options.idle_exit.count() > 0 && now - last_active >= options.idle_exit) ||
                       !listener->still_bound());
    }
    if (options.log && peer) options.log("client connected");
    if (options.log && !refused.empty()) options.log(std::to_string(refused.size()) + " client(s) told busy");
    tell_busy(refused);
    if (leave) break;
  }
  std::vector<Waiting> left;
  {
    std::lock_guard lock(mu);
    stopping = true;
    left.assign(std::make_move_iterator(queue.begin()), std::make_move_iterator(queue.end()));
    queue.clear();
  }
  cv.notify_one();
  tell_busy(left);
  worker.join();
  std::signal(SIGINT, old_int == SIG_ERR ? SIG_DFL : old_int);
  std::signal(SIGTERM, old_term == SIG_ERR ? SIG_DFL : old_term);
  if (options.log) options.log("leaving");
  return 0;
}

}  // namespace assetfetch::service
