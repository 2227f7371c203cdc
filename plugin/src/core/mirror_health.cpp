#include "cache/unique_fd.h"
#include "core/mirror_health.h"


#include <algorithm>
#include <chrono>
#include <thread>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cache/file_lock.h"
#include "transfer/redact.h"

namespace assetfetch {

namespace fs = std::filesystem;

namespace {

std::map<std::string, OriginHealth> load(const fs::path& file) {
  std::map<std::string, OriginHealth> out;
  std::ifstream in(file);
  if (!in) return out;
  try {
    auto j = nlohmann::json::parse(in);
    for (auto& [origin, v] : j.items()) {
      OriginHealth h;
      h.last_failure = v.value("last_failure", std::int64_t{0});
      h.last_failure_reason = v.value("last_failure_reason", std::string());
      h.last_success = v.value("last_success", std::int64_t{0});
      h.bytes_per_second = v.value("bytes_per_second", 0.0);
      out[origin] = h;
    }
  } catch (const std::exception&) {
    // A torn or foreign file only loses the memory, never a fetch.
  }
  return out;
}

// Transient failures (retried) and transport-level ones say "this server is
// unwell"; a 404 or a range the server cannot serve is about one file.
bool unwell_outcome(const AttemptRecord& a) {
  if (a.outcome == AttemptOutcome::retry) return true;
  return a.outcome == AttemptOutcome::failover && (a.http_status == 0 || a.http_status >= 500);
}

// When `h` last failed, if that still puts its origin at the back of the
// line at `now`; 0 otherwise. A success in the same second as the failure
// (times are whole seconds) counts as recovered: it is the later news when
// a run fails over and then succeeds there, or a mirror recovers at once.
std::int64_t failing_since(const OriginHealth& h, std::int64_t now) {
  if (h.last_failure == 0 || h.last_success >= h.last_failure) return 0;
  if (now - h.last_failure > MirrorHealth::kMemory.count()) return 0;
  return h.last_failure;
}

}  // namespace

MirrorHealth::MirrorHealth(fs::path cache_dir) {
  if (cache_dir.empty()) return;
  file_ = cache_dir / "health.json";
  known_ = load(file_);
}

void MirrorHealth::reorder(std::vector<Candidate>& candidates, std::vector<std::string>* notes) const {
  const std::int64_t now = std::time(nullptr);
  auto failing_since = [&](const Candidate& c) -> std::int64_t {
    if (url_scheme(c.url) == "file") return 0;
    auto it = known_.find(url_origin(c.url));
    return it == known_.end() ? 0 : assetfetch::failing_since(it->second, now);
  };
  std::vector<std::pair<std::int64_t, Candidate>> bad;
  std::vector<Candidate> good;
  for (auto& c : candidates) {
    if (std::int64_t t = failing_since(c)) bad.emplace_back(t, std::move(c));
    else good.push_back(std::move(c));
  }
  if (bad.empty() || good.empty()) {
    if (!bad.empty()) {
      candidates.clear();
      for (auto& [t, c] : bad) candidates.push_back(std::move(c));
    } else {
      candidates = std::move(good);
    }
    return;
  }
  std::stable_sort(bad.begin(), bad.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  candidates = std::move(good);
  for (auto& [t, c] : bad) {
    if (notes) {
      const auto& h = known_.at(url_origin(c.url));
      notes->push_back("trying " + redact_url(c.url) + " last: its server failed " + std::to_string(now - t) +
                       " s ago (" + h.last_failure_reason + ")");
    }
    candidates.push_back(std::move(c));
  }
}

void MirrorHealth::record(const AttemptRecord& a) {
  if (file_.empty() || url_scheme(a.url) == "file") return;
  OriginHealth& h = updates_[url_origin(a.url)];
  const std::int64_t now = std::time(nullptr);
  if (a.outcome == AttemptOutcome::ok) {
    h.last_success = now;
    if (a.duration_s > 0 && a.bytes > 0) h.bytes_per_second = static_cast<double>(a.bytes) / a.duration_s;
  } else if (unwell_outcome(a)) {
    h.last_failure = now;
    h.last_failure_reason = a.http_status ? "HTTP " + std::to_string(a.http_status) : a.retry_reason;
  }
}

void MirrorHealth::save() {
  if (file_.empty() || updates_.empty()) return;
  try {
    fs::create_directories(file_.parent_path());
    FileLock lock;
    // Bounded wait for other processes saving at the same moment.
    for (int i = 0; i < 100 && !lock.try_lock(file_.parent_path() / "locks" / "health.lock"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!lock.held()) return;
    auto merged = load(file_);
    const std::int64_t now = std::time(nullptr);
    // Only what changes the next run's order is worth a write (a file
    // created and renamed per process): a failure, or a success that clears
    // one. A success on a healthy origin changes nothing.
    bool changes_order = false;
    for (auto& [origin, u] : updates_) {
      OriginHealth& h = merged[origin];
      changes_order = changes_order || u.last_failure || (u.last_success && failing_since(h, now));
      if (u.last_failure) {
        h.last_failure = u.last_failure;
        h.last_failure_reason = u.last_failure_reason;
      }
      if (u.last_success) {
        h.last_success = u.last_success;
        if (u.bytes_per_second > 0) h.bytes_per_second = u.bytes_per_second;
      }
    }
    if (!changes_order) {
      updates_.clear();
      return;
    }
    nlohmann::json j = nlohmann::json::object();
    for (auto& [origin, h] : merged) {
      // Forget origins not heard of for a day, so the file stays small.
      if (std::max(h.last_failure, h.last_success) < now - 86400) continue;
      j[origin] = {{"last_failure", h.last_failure}, {"last_failure_reason", h.last_failure_reason},
                   {"last_success", h.last_success}, {"bytes_per_second", h.bytes_per_second}};
    }
    write_file_atomic(file_, j.dump(1) + "\n");
    updates_.clear();
  } catch (const std::exception&) {
  }
}

}  // namespace assetfetch
