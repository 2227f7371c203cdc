// The background service's workers: up to kWorkers clients' jobs at once,
// each worker with a libcurl share of its own (transfer/curl_share.h), since
// libcurl does not support one connection cache used by several threads at
// once. A new client goes to an idle worker, preferring the one that served
// the origin of its first candidate last (its share most likely holds a warm
// connection there); it waits in line only while every worker is busy.
//
// Threads: the accept loop calls enqueue(), take_expired(), idle_since() and
// stop(); each worker reads its client's request, then runs `serve` with no
// lock held. A client's channel belongs to the queue (the accept loop) until
// a worker takes it out under the pool's mutex, then to that worker alone.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "service/line_channel.h"
#include "transfer/curl_share.h"

namespace assetfetch::service {

// Jobs at once. Most clients are one-asset processes (vcpkg's x-script,
// CMake's fetch_asset()) that a parallel build starts a few at a time; four
// lets those run side by side while a long `sync` runs, and keeps what a
// user's service may open to one server near a browser's share (each job
// still caps its connections per host).
inline constexpr std::size_t kWorkers = 4;
// How long a client waits in line for a worker, and how many may wait.
inline constexpr std::chrono::seconds kQueueWait{3};
inline constexpr std::size_t kMaxQueued = 64;

class WorkerPool {
 public:
  using Clock = std::chrono::steady_clock;
  using Channel = std::shared_ptr<LineChannel>;
  // Runs one client's job in the worker's share and returns when it is over;
  // the request line waits unread on the channel.
  using Serve = std::function<void(LineChannel&, ConnectionShare&)>;
  // The origin (scheme://host:port) the request goes to first, or empty.
  using OriginOf = std::function<std::string(const nlohmann::json& request)>;
  using Log = std::function<void(const std::string&)>;

  // Starts `workers` threads, each with a share. Throws std::runtime_error
  // when libcurl cannot make a share.
  WorkerPool(std::size_t workers, Serve serve, OriginOf origin_of, Log log);
  // stop(), then waits for the jobs running to end.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Puts a new client in line; false (not queued) when kMaxQueued wait already.
  bool enqueue(Channel channel, Clock::time_point now);
  // Takes out of the line the clients that have waited longer than kQueueWait.
  std::vector<Channel> take_expired(Clock::time_point now);
  // When the last job ended (or the pool started) while nothing runs, is
  // being read or waits; nullopt while something does.
  std::optional<Clock::time_point> idle_since() const;
  // No client is taken from now on: returns those still in line.
  std::vector<Channel> stop();

 private:
  struct Waiting {
    Channel channel;
    Clock::time_point since;
  };
  struct Slot {
    std::unique_ptr<ConnectionShare> share;
    bool busy = false;   // reading a request or running a job
    Channel handed;      // a client another worker read, for this one's share
    // Origins this worker's jobs went to first, and when each job ended.
    std::map<std::string, Clock::time_point> served;
  };

  void work(std::size_t index);
  // Under mu_: the idle worker other than `self` that served `origin` more
  // recently than `self` did, if any.
  std::optional<std::size_t> warmer_than(std::size_t self, const std::string& origin) const;

  Serve serve_;
  OriginOf origin_of_;
  Log log_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot> slots_;  // sized once, before the threads start
  std::deque<Waiting> queue_;
  bool stopping_ = false;
  Clock::time_point last_active_;
  std::vector<std::thread> threads_;
};

}  // namespace assetfetch::service
