#include "service/worker_pool.h"

#include <utility>

namespace assetfetch::service {

namespace {

using namespace std::chrono_literals;

// How long a worker waits for a new client's request (clients send it on
// connecting), and how many origins it remembers having served.
constexpr auto kRequestWait = 10s;
constexpr std::size_t kOriginsKept = 8;

}  // namespace

WorkerPool::WorkerPool(std::size_t workers, Serve serve, OriginOf origin_of, Log log)
    : serve_(std::move(serve)), origin_of_(std::move(origin_of)), log_(std::move(log)), last_active_(Clock::now()) {
  slots_.resize(workers == 0 ? 1 : workers);
  for (Slot& s : slots_) s.share = std::make_unique<ConnectionShare>();  // may throw: no thread runs yet
  for (std::size_t i = 0; i < slots_.size(); ++i) threads_.emplace_back([this, i] { work(i); });
}

WorkerPool::~WorkerPool() {
  stop();
  for (auto& t : threads_) t.join();
}

bool WorkerPool::enqueue(Channel channel, Clock::time_point now) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= kMaxQueued) return false;
    queue_.push_back({std::move(channel), now});
  }
  cv_.notify_all();  // a worker woken for its handed client must not swallow this wake-up
  return true;
}

std::vector<WorkerPool::Channel> WorkerPool::take_expired(Clock::time_point now) {
  std::vector<Channel> out;
  std::lock_guard lock(mu_);
  while (!queue_.empty() && now - queue_.front().since > kQueueWait) {
    out.push_back(std::move(queue_.front().channel));
    queue_.pop_front();
  }
  return out;
}

std::optional<WorkerPool::Clock::time_point> WorkerPool::idle_since() const {
  std::lock_guard lock(mu_);
  if (!queue_.empty()) return std::nullopt;
  for (const Slot& s : slots_)
    if (s.busy) return std::nullopt;
  return last_active_;
}

std::vector<WorkerPool::Channel> WorkerPool::stop() {
  std::vector<Channel> out;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& w : queue_) out.push_back(std::move(w.channel));
    queue_.clear();
  }
  cv_.notify_all();
  return out;
}

std::optional<std::size_t> WorkerPool::warmer_than(std::size_t self, const std::string& origin) const {
  if (origin.empty()) return std::nullopt;
  auto last_served = [&origin](const Slot& s) {
    auto it = s.served.find(origin);
    return it == s.served.end() ? Clock::time_point::min() : it->second;
  };
  Clock::time_point best = last_served(slots_[self]);
  std::optional<std::size_t> pick;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (i == self || slots_[i].busy) continue;
    if (const auto t = last_served(slots_[i]); t > best) {
      best = t;
      pick = i;
    }
  }
  return pick;
}

void WorkerPool::work(std::size_t index) {
  Slot& me = slots_[index];  // `share` is set before this thread starts and never changes
  const std::string who = "worker " + std::to_string(index + 1);
  std::unique_lock lock(mu_);
  for (;;) {  // bounded by stop()
    cv_.wait(lock, [&] { return stopping_ || me.handed || !queue_.empty(); });
    Channel client;
    const bool handed = me.handed != nullptr;
    if (handed) {
      client = std::exchange(me.handed, nullptr);  // `busy` was set by the worker that read it
    } else if (stopping_) {
      return;
    } else {
      client = std::move(queue_.front().channel);
      queue_.pop_front();
      me.busy = true;
    }
    lock.unlock();

    // Every message to the log goes out with no lock held.
    nlohmann::json request;
    const LineChannel::Read read = client->peek(&request, kRequestWait);
    const std::string origin = read == LineChannel::Read::message ? origin_of_(request) : std::string();
    if (read == LineChannel::Read::message && !handed) {
      lock.lock();
      const std::optional<std::size_t> to = stopping_ ? std::nullopt : warmer_than(index, origin);
      if (to) {
        slots_[*to].handed = client;
        slots_[*to].busy = true;
        me.busy = false;
        lock.unlock();
        cv_.notify_all();
        if (log_) log_(who + " hands a client to worker " + std::to_string(*to + 1) + ", which served " + origin + " last");
        lock.lock();
        continue;
      }
      lock.unlock();
    }
    if (read == LineChannel::Read::message) {
      if (log_) log_(who + " runs a client's job" + (origin.empty() ? std::string() : " (" + origin + ")"));
      try {
        serve_(*client, *me.share);
      } catch (const std::exception& e) {
        if (log_) log_(who + ": job failed inside the service: " + e.what());
      }
    }
    client->close();

    lock.lock();
    const auto now = Clock::now();
    if (!origin.empty()) {
      me.served[origin] = now;
      if (me.served.size() > kOriginsKept) {
        auto oldest = me.served.begin();
        for (auto it = me.served.begin(); it != me.served.end(); ++it)
          if (it->second < oldest->second) oldest = it;
        me.served.erase(oldest);
      }
    }
    me.busy = false;
    last_active_ = now;
  }
}

}  // namespace assetfetch::service
