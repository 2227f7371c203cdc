// JobImpl and FileImpl: BITS' job and file, driving FileWorkers on one
// transfer thread with a libcurl multi handle (connection reuse, HTTP/2
// multiplexing, many files at once).
#include "curl_api.h"
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "assetfetch/job.h"
#include "cache.h"
#include "file_worker.h"
#include "range.h"
#include "redact.h"

namespace assetfetch {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxRemoteName = 2200;  // BITS' URL length limit

bool supported_scheme(const std::string& url) {
  std::string s = url_scheme(url);
  return s == "http" || s == "https" || s == "file";
}

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

class JobImpl;

class FileImpl final : public File {
 public:
  FileImpl(JobImpl* job, FileSpec spec, fs::path temporary)
      : job_(job), spec_(std::move(spec)), temporary_(std::move(temporary)) {}

  const FileSpec& spec() const override { return spec_; }
  bool set_remote_name(const std::string& url, std::string* error) override;
  std::string remote_name() const override;
  std::vector<ByteRange> ranges() const override { return spec_.ranges_given ? spec_.ranges : std::vector<ByteRange>{}; }
  std::vector<ByteRange> filled_ranges() const override;
  Progress progress() const override;
  bool completed() const override;
  std::optional<FileResult> result() const override;
  ErrorContext error() const override;
  fs::path temporary_name() const override { return temporary_; }

  JobImpl* job_;
  FileSpec spec_;
  fs::path temporary_;
  std::unique_ptr<FileWorker> worker;  // guarded by the job's mutex
  bool renamed = false;
};

class JobImpl final : public Job {
 public:
  JobImpl(std::string name, JobOptions options) : name_(std::move(name)), options_(std::move(options)) {
    if (!options_.cache_dir.empty()) cache_.emplace(options_.cache_dir);
  }
  ~JobImpl() override { stop_thread(true); }

  const std::string& name() const override { return name_; }
  File* add_file(FileSpec spec, ErrorContext* error) override;
  std::vector<File*> files() const override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    std::vector<File*> out;
    for (auto& f : files_) out.push_back(f.get());
    return out;
  }
  void set_callbacks(JobCallbacks cb) override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    callbacks_ = std::move(cb);
  }
  JobState state() const override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    return state_;
  }
  Progress progress() const override;
  ErrorContext error() const override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    return error_;
  }
  bool resume() override;
  bool suspend() override;
  JobState wait(std::optional<std::chrono::milliseconds> timeout) override;
  bool complete(ErrorContext* error) override;
  bool cancel() override;

  JobState state_locked() const { return state_; }
  mutable std::recursive_mutex mu_;
  std::condition_variable_any cv_;

 private:
  void run();
  void stop_thread(bool interrupt);
  void persist(const char* state);
  WorkerEvents events_for(FileImpl* file);

  std::string name_;
  JobOptions options_;
  std::optional<Cache> cache_;
  std::vector<std::unique_ptr<FileImpl>> files_;
  JobCallbacks callbacks_;
  JobState state_ = JobState::suspended;
  ErrorContext error_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  bool running_ = false;
  Clock::time_point last_progress_{};
};

bool FileImpl::set_remote_name(const std::string& url, std::string* error) {
  std::lock_guard<std::recursive_mutex> lock(job_->mu_);
  JobState s = job_->state_locked();
  if (s == JobState::cancelled || s == JobState::acknowledged) {
    *error = std::string("cannot change the remote name of a file in a ") + state_name(s) + " job";
    return false;
  }
  if (url.empty() || url.size() > kMaxRemoteName || !supported_scheme(url)) {
    *error = url.size() > kMaxRemoteName ? "URL longer than 2200 characters"
                                         : "unsupported URL '" + redact_url(url) + "' (use http, https or file)";
    return false;
  }
  // A failed file gets a fresh worker at the next resume (BITS: fix the cause,
  // then Resume), which starts from the spec: change the spec then.
  if (worker && worker->phase() != FileWorker::Phase::failed) worker->set_pending_remote_name(url);
  else if (!spec_.candidates.empty()) spec_.candidates.front().url = url;
  else spec_.candidates.push_back({url, CandidateKind::origin, {}});
  return true;
}

std::string FileImpl::remote_name() const {
  std::lock_guard<std::recursive_mutex> lock(job_->mu_);
  if (worker) return worker->current_url();
  return spec_.candidates.empty() ? std::string() : spec_.candidates.front().url;
}

std::vector<ByteRange> FileImpl::filled_ranges() const {
  std::lock_guard<std::recursive_mutex> lock(job_->mu_);
  return worker ? worker->filled_ranges() : std::vector<ByteRange>{};
}

Progress FileImpl::progress() const {
  std::lock_guard<std::recursive_mutex> lock(job_->mu_);
  Progress p;
  p.files_total = 1;
  if (worker) {
    p.bytes_transferred = worker->bytes_transferred();
    if (auto t = worker->bytes_total()) {
      p.bytes_total = *t;
      p.bytes_total_known = true;
    }
    p.files_transferred = worker->phase() == FileWorker::Phase::done ? 1 : 0;
  }
  return p;
}

bool FileImpl::completed() const {
  std::lock_guard<std::recursive_mutex> lock(job_->mu_);
  return worker && worker->phase() == FileWorker::Phase::done;
}

std::optional<FileResult> FileImpl::result() const {
  std::lock_guard<std::recursive_mutex> lock(job_->mu_);
  if (worker && worker->phase() == FileWorker::Phase::done) return worker->result();
  return std::nullopt;
}

ErrorContext FileImpl::error() const {
  std::lock_guard<std::recursive_mutex> lock(job_->mu_);
  return worker ? worker->error() : ErrorContext{};
}

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
  if (rc.problem != RangeProblem::none) return reject(rc.message);
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
  temp += "." + std::to_string(::getpid()) + ".part";
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
    fs::path dir = cache_->jobs_dir();
    fs::create_directories(dir);
    fs::path tmp = dir / (name_ + "." + std::to_string(::getpid()) + ".tmp");
    {
      std::ofstream out(tmp);
      out << j.dump(2) << "\n";
    }
    fs::rename(tmp, dir / (name_ + ".json"));
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

void JobImpl::run() {
  // Created with the first transfer: a job served from the cache alone never
  // loads libcurl (see curl_api.h).
  CURLM* multi = nullptr;
  auto add = [&multi](CURL* easy) {
    if (!multi) {
      multi = curl_api().multi_init();
      curl_api().multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
      curl_api().multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 8L);
    }
    curl_api().multi_add_handle(multi, easy);
  };
  std::vector<std::pair<FileImpl*, std::unique_ptr<Transfer>>> active;
  {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    persist("transferring");
    state_ = JobState::connecting;
  }
  while (!stop_) {
    bool all_settled = true;
    bool any_waiting = false;
    {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      auto now = Clock::now();
      const auto max_files = static_cast<std::size_t>(std::max(1, options_.max_parallel_files));
      std::size_t busy_files = 0;
      for (auto& f : files_)
        if (f->worker->phase() == FileWorker::Phase::transferring) ++busy_files;
      for (auto& f : files_) {
        auto* w = f->worker.get();
        auto ph = w->phase();
        if (ph == FileWorker::Phase::done || ph == FileWorker::Phase::failed) continue;
        all_settled = false;
        if (ph == FileWorker::Phase::waiting && now < w->wake_at()) {
          any_waiting = true;
          continue;
        }
        // A file already transferring may add segments; a new one waits for a slot.
        if (ph != FileWorker::Phase::transferring && busy_files >= max_files) continue;
        bool was_busy = ph == FileWorker::Phase::transferring;
        for (int k = 0; k < 8; ++k) {  // bounded: one transfer per call
          auto t = w->next(now);
          if (!t) break;
          add(t->handle());
          active.emplace_back(f.get(), std::move(t));
        }
        if (!was_busy && w->phase() == FileWorker::Phase::transferring) ++busy_files;
        if (w->phase() == FileWorker::Phase::done && callbacks_.file_transferred) callbacks_.file_transferred(*f);
        else if (w->phase() == FileWorker::Phase::waiting) any_waiting = true;
      }
      if (!active.empty() && state_ == JobState::transient_error) state_ = JobState::connecting;
      if (active.empty() && any_waiting) state_ = JobState::transient_error;
    }
    if (all_settled && active.empty()) break;
    if (!multi) {
      if (any_waiting) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    int running = 0;
    curl_api().multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_api().multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      CURLcode code = msg->data.result;
      curl_api().multi_remove_handle(multi, easy);
      for (auto it = active.begin(); it != active.end(); ++it) {
        if (it->second->handle() != easy) continue;
        std::lock_guard<std::recursive_mutex> lock(mu_);
        it->first->worker->on_transfer_done(*it->second, code);
        if (it->first->worker->phase() == FileWorker::Phase::done && callbacks_.file_transferred)
          callbacks_.file_transferred(*it->first);
        active.erase(it);
        break;
      }
    }
    {
      // A file that failed or finished while other transfers of it were in
      // flight (segments, ranges): stop those now rather than wait for them.
      std::lock_guard<std::recursive_mutex> lock(mu_);
      std::erase_if(active, [&](auto& entry) {
        auto ph = entry.first->worker->phase();
        if (ph != FileWorker::Phase::done && ph != FileWorker::Phase::failed) return false;
        curl_api().multi_remove_handle(multi, entry.second->handle());
        return true;
      });
    }
    if (active.empty()) {
      if (any_waiting) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } else {
      curl_api().multi_poll(multi, nullptr, 0, 50, nullptr);
    }
  }
  for (auto& [file, t] : active) {
    if (multi) curl_api().multi_remove_handle(multi, t->handle());
    std::lock_guard<std::recursive_mutex> lock(mu_);
    file->worker->interrupt();
  }
  active.clear();
  if (multi) curl_api().multi_cleanup(multi);

  std::unique_lock<std::recursive_mutex> lock(mu_);
  running_ = false;
  if (!stop_) {
    ErrorContext first_error;
    for (auto& f : files_) {
      if (f->worker->phase() == FileWorker::Phase::failed && first_error.code == ErrorCode::ok)
        first_error = f->worker->error();
    }
    if (first_error.code != ErrorCode::ok) {
      error_ = first_error;
      state_ = JobState::error;
      persist("error");
      auto cb = callbacks_.error;
      if (cb) cb(error_);
    } else {
      state_ = JobState::transferred;
    }
  }
  cv_.notify_all();
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
