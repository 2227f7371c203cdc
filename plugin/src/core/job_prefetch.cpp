// JobImpl::run_prefetch: the prefetch's turn (core/prefetch.h) at the start
// of each run of the transfer thread. The files it may take are handed over
// as specs; its events become the job's callbacks, run with no lock held
// (as deliver_events() runs them); then the job's own loop finds in the cache
// what the prefetch put there and fetches the rest itself.
#include <system_error>

#include "core/job_impl.h"

namespace assetfetch {

namespace fs = std::filesystem;

void JobImpl::run_prefetch() {
  if (!prefetch_ || !cache_ || options_.offline) return;
  std::vector<FileSpec> specs;
  std::vector<FileImpl*> targets;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& f : files_) {
      const FileSpec& s = f->spec_;
      // A worker that ran may hold the object's lock (a resume after suspend):
      // the other process would wait for it. Ranges and unverified files do
      // not go through the cache; a renamed file's spec is not what it fetches.
      if (!f->worker || f->in_place || f->worker->started() || f->pending_remote_name) continue;
      if (!s.digest || s.ranges_given || s.candidates.empty()) continue;
      std::error_code ec;
      if (fs::exists(cache_->object_path(*s.digest), ec)) continue;  // the loop serves it at once
      targets.push_back(f.get());
      specs.push_back(s);
    }
  }
  if (specs.empty()) return;

  auto callbacks = [this] {
    std::lock_guard<std::mutex> lock(mu_);
    return callbacks_;
  };
  PrefetchEvents ev;
  ev.attempt = [&](const AttemptRecord& r) {
    if (auto cb = callbacks(); cb->attempt) cb->attempt(r);
  };
  ev.failover = [&](std::size_t i, const std::string& from, const std::string& to, const std::string& why) {
    if (i >= targets.size()) return;
    if (auto cb = callbacks(); cb->failover) cb->failover(*targets[i], from, to, why);
  };
  ev.warning = [&](const std::string& asset, const std::string& message) {
    if (auto cb = callbacks(); cb->warning) cb->warning(asset, message);
  };
  ev.progress = [&](std::size_t i, const Progress& p) {
    if (i >= targets.size()) return;
    std::shared_ptr<const JobCallbacks> cb;
    {
      // The getters report the other process's bytes until the loop runs.
      std::lock_guard<std::mutex> lock(mu_);
      FileSnapshot& s = targets[i]->snapshot;
      s.bytes_transferred = p.bytes_transferred;
      s.bytes_total = p.bytes_total_known ? std::optional<std::uint64_t>(p.bytes_total) : std::nullopt;
      if (state_ == JobState::connecting) state_ = JobState::transferring;
      cb = callbacks_;
    }
    if (cb->progress) cb->progress(p, *targets[i]);
  };
  prefetch_->run(name_, options_, specs, ev, [this] { return stop_.load() || prefetch_stop_.load(); });
}

}  // namespace assetfetch
