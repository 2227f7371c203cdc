// JobImpl: BITS' job — adding files under AddFileWithRanges' rules, the
// state machine (resume, suspend, wait, complete, cancel) and the job record.
// The transfer loop is in job_loop.cpp, FileImpl in file_impl.cpp.
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cache/unique_fd.h"
#include "cache/cache.h"
#include "core/job_impl.h"
#include "core/range.h"
#include "transfer/redact.h"

namespace assetfetch {

namespace fs = std::filesystem;

namespace {

// The nearest existing ancestor must be a writable directory.
bool destination_writable(const fs::path& dest, std::string* why) {
  std::error_code ec;
  if (fs::is_directory(dest, ec)) {
    *why = dest.string() + " is a directory; give a file path";
    return false;
  }
  fs::path dir = dest.parent_path();
  if (dir.empty()) dir = ".";
  while (!fs::exists(dir, ec)) {
    if (!dir.has_parent_path() || dir.parent_path() == dir) break;
    dir = dir.parent_path();
  }
  if (!fs::is_directory(dir, ec)) {
    *why = dir.string() + " is not a directory";
    return false;
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    *why = "cannot write into " + dir.string() + " (permission denied)";
    return false;
  }
  return true;
}

}  // namespace

fs::path default_cache_dir() { return Cache::default_root(); }

File* JobImpl::add_file(FileSpec spec, ErrorContext* error) {
  auto reject = [&](const std::string& msg) -> File* {
    if (error) {
      error->code = ErrorCode::bad_input;
      error->file = spec.name;
      error->message = msg;
    }
    return nullptr;
  };
  {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    if (state_ == JobState::cancelled || state_ == JobState::acknowledged)
      return reject(std::string("cannot add a file to a ") + state_name(state_) + " job");
  }
  RangeCheck rc = validate_ranges(spec.ranges, spec.ranges_given);
  if (rc.problem != RangeProblem::none) {
    if (error) error->range_problem = rc.problem;
    return reject(rc.message);
  }
  if (!spec.digest && !spec.allow_unverified)
    return reject("no hash given: add --sha256 HEX or --sha512 HEX (or --no-verify to accept unverified bytes)");
  // No candidate at all is fine for a cache-only lookup (block_origin).
  if (spec.candidates.empty() && !(spec.digest && cache_)) return reject("no URL given");
  for (const auto& c : spec.candidates) {
    if (!supported_scheme(c.url))
      return reject("unsupported URL '" + redact_url(c.url) + "': use http://, https:// or file://");
    if (c.url.size() > kMaxRemoteName) return reject("URL longer than 2200 characters: " + redact_url(c.url.substr(0, 80)) + "...");
  }
  if (spec.local_name.empty()) return reject("no destination given");
  spec.local_name = fs::absolute(spec.local_name);
  std::string why;
  if (!destination_writable(spec.local_name, &why)) return reject("destination " + spec.local_name.string() + ": " + why);
  fs::path temp = spec.local_name;
  // <dest>.<pid>.<random>.part: the pid tells a dead run's leftovers, the
  // random part keeps anyone from planting a link at the name beforehand.
  temp += "." + std::to_string(::getpid()) + "." + random_suffix() + ".part";
  std::lock_guard<std::recursive_mutex> lock(mu_);
  files_.push_back(std::make_unique<FileImpl>(this, std::move(spec), std::move(temp)));
  return files_.back().get();
}

Progress JobImpl::progress() const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Progress p;
  bool all_known = true;
  for (const auto& f : files_) {
    ++p.files_total;
    if (!f->worker) {
      all_known = false;
      continue;
    }
    p.bytes_transferred += f->worker->bytes_transferred();
    if (auto t = f->worker->bytes_total()) p.bytes_total += *t;
    else all_known = false;
    if (f->worker->phase() == FileWorker::Phase::done) ++p.files_transferred;
  }
  p.bytes_total_known = all_known && !files_.empty();
  return p;
}

WorkerEvents JobImpl::events_for(FileImpl* file) {
  WorkerEvents ev;
  // Called on the transfer thread with mu_ held: callbacks run unlocked copies.
  ev.attempt = [this](const AttemptRecord& r) {
    if (callbacks_.attempt) callbacks_.attempt(r);
  };
  ev.failover = [this, file](const std::string& from, const std::string& to, const std::string& why) {
    if (callbacks_.failover) callbacks_.failover(*file, from, to, why);
  };
  ev.warning = [this, file](const std::string& msg) {
    if (callbacks_.warning) callbacks_.warning(file->spec_.name, msg);
  };
  ev.progress = [this, file]() {
    if (state_ == JobState::connecting) state_ = JobState::transferring;
    auto now = Clock::now();
    if (!callbacks_.progress || now - last_progress_ < std::chrono::milliseconds(100)) return;
    last_progress_ = now;
    Progress p;
    p.bytes_transferred = file->worker->bytes_transferred();
    if (auto t = file->worker->bytes_total()) {
      p.bytes_total = *t;
      p.bytes_total_known = true;
    }
    p.files_total = 1;
    callbacks_.progress(p, *file);
  };
  return ev;
}

void JobImpl::persist(const char* state) {
  if (!cache_) return;
  try {
    nlohmann::json j;
    j["name"] = name_;
    j["state"] = state;
    j["pid"] = ::getpid();
    for (const auto& f : files_) {
      nlohmann::json jf;
      jf["name"] = f->spec_.name;
      jf["local_name"] = f->spec_.local_name.string();
      std::vector<std::string> urls;
      for (const auto& c : f->spec_.candidates) urls.push_back(redact_url(c.url));
      jf["urls"] = urls;
      if (f->spec_.digest) jf[algorithm_name(f->spec_.digest->algorithm)] = f->spec_.digest->hex;
      if (f->spec_.ranges_given) {
        std::vector<std::string> rs;
        for (const auto& r : f->spec_.ranges) rs.push_back(format_range(r));
        jf["ranges"] = rs;
      }
      jf["completed"] = f->worker && f->worker->phase() == FileWorker::Phase::done;
      j["files"].push_back(jf);
    }
    cache_->check_tree();  // never write a record through a linked jobs/
    fs::path dir = cache_->jobs_dir();
    fs::create_directories(dir);
    write_file_atomic(dir / (name_ + ".json"), j.dump(2) + "\n");
  } catch (const std::exception&) {
    // Job records are for `assetfetch job`; a fetch never fails for want of one.
  }
}

bool JobImpl::resume() {
  std::unique_lock<std::recursive_mutex> lock(mu_);
  if (state_ == JobState::cancelled || state_ == JobState::acknowledged || running_) return running_;
  if (state_ == JobState::transferred) return true;
  if (thread_.joinable()) {
    lock.unlock();
    thread_.join();
    lock.lock();
  }
  remove_stale_temporaries();
  for (auto& f : files_) {
    if (!f->worker || f->worker->phase() == FileWorker::Phase::failed) {
      std::error_code ec;
      fs::create_directories(f->spec_.local_name.parent_path(), ec);
      f->worker = std::make_unique<FileWorker>(f->spec_, options_, cache_ ? &*cache_ : nullptr,
                                               events_for(f.get()), f->temporary_);
    }
  }
  state_ = JobState::queued;
  error_ = ErrorContext{};
  stop_ = false;
  running_ = true;
  thread_ = std::thread([this] { run(); });
  return true;
}

void JobImpl::remove_stale_temporaries() {
  // A run of this job that was killed (its record names a pid that is gone)
  // left its temporaries beside the destinations: they cannot be resumed
  // (the cache's partial is what resumes), so they go.
  if (!cache_) return;
  std::ifstream in(cache_->jobs_dir() / (name_ + ".json"));
  if (!in) return;
  try {
    auto record = nlohmann::json::parse(in);
    auto pid = record.value("pid", 0);
    if (pid <= 0 || pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) return;
    for (const auto& f : record.value("files", nlohmann::json::array())) {
      // <local_name>.<pid>.<random>.part[.whole]
      const fs::path local = f.value("local_name", std::string());
      const std::string prefix = local.filename().string() + "." + std::to_string(pid) + ".";
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(local.parent_path(), ec)) {
        const std::string n = e.path().filename().string();
        if (n.rfind(prefix, 0) == 0 && n.find(".part") != std::string::npos) fs::remove(e.path(), ec);
      }
    }
  } catch (const std::exception&) {
    // An unreadable record only means nothing is cleaned up.
  }
}

bool JobImpl::suspend() {
  {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    if (state_ == JobState::cancelled || state_ == JobState::acknowledged) return false;
    if (!running_) {
      if (state_ != JobState::transferred && state_ != JobState::error) state_ = JobState::suspended;
      return true;
    }
  }
  stop_thread(true);
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (state_ != JobState::transferred && state_ != JobState::error) state_ = JobState::suspended;
  cv_.notify_all();
  return true;
}

void JobImpl::stop_thread(bool interrupt) {
  if (interrupt) stop_ = true;
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

JobState JobImpl::wait(std::optional<std::chrono::milliseconds> timeout) {
  std::unique_lock<std::recursive_mutex> lock(mu_);
  auto settled = [this] { return !running_; };
  if (timeout) cv_.wait_for(lock, *timeout, settled);
  else cv_.wait(lock, settled);
  return state_;
}

bool JobImpl::complete(ErrorContext* error) {
  stop_thread(false);
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (state_ == JobState::cancelled || state_ == JobState::acknowledged) {
    if (error) {
      error->code = ErrorCode::bad_input;
      error->message = std::string("cannot complete a ") + state_name(state_) + " job";
    }
    return false;
  }
  bool all = true;
  for (auto& f : files_) {
    if (f->renamed) continue;
    if (!f->worker || f->worker->phase() != FileWorker::Phase::done) {
      all = false;
      if (f->worker) f->worker->discard_temporaries();
      continue;
    }
    std::error_code ec;
    fs::rename(f->temporary_, f->spec_.local_name, ec);  // atomic: readers see old or new
    if (ec) {
      all = false;
      if (error) {
        error->code = ErrorCode::internal;
        error->file = f->spec_.name;
        error->message = "cannot rename " + f->temporary_.string() + " to " + f->spec_.local_name.string() +
                         ": " + ec.message();
      }
      continue;
    }
    f->renamed = true;
  }
  state_ = JobState::acknowledged;
  if (cache_) {
    std::error_code ec;
    fs::remove(cache_->jobs_dir() / (name_ + ".json"), ec);
  }
  return all;
}

bool JobImpl::cancel() {
  stop_thread(true);
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (state_ == JobState::acknowledged) return false;
  for (auto& f : files_) {
    if (f->worker) f->worker->discard_temporaries();
    std::error_code ec;
    fs::remove(f->temporary_, ec);
  }
  state_ = JobState::cancelled;
  running_ = false;
  if (cache_) {
    std::error_code ec;
    fs::remove(cache_->jobs_dir() / (name_ + ".json"), ec);
  }
  cv_.notify_all();
  return true;
}

std::unique_ptr<Job> create_job(std::string name, JobOptions options) {
  return std::make_unique<JobImpl>(std::move(name), std::move(options));
}

}  // namespace assetfetch
