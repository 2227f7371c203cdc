// JobImpl: BITS' job — adding files under AddFileWithRanges' rules (with the
// source policy: candidates, mirror health, already in place) and the state
// machine (resume, suspend, wait, complete, cancel). The transfer loop is in
// job_loop.cpp, the job record in job_persist.cpp, FileImpl in file_impl.cpp.

#include <set>

#include "cache/unique_fd.h"
#include "cache/cache.h"
#include "base/input_error.h"
#include "base/job_name.h"
#include "core/install_record.h"
#include "core/job_impl.h"
#include "core/multi_session.h"
#include "base/range.h"
#include "core/source_policy.h"
#include "transfer/redact.h"
#include "writeback/writeback_queue.h"

#include "platform/fs_ops.h"
#include "platform/path.h"

namespace assetfetch {

namespace fs = std::filesystem;

namespace {

// The nearest existing ancestor must be a writable directory. `exists` says
// whether something is at `dest` (the same stat: an absent destination cannot
// be "in place", so add_file asks no install record about it).
bool destination_writable(const fs::path& dest, std::set<fs::path>& writable_dirs, std::string* why, bool* exists) {
  std::error_code ec;
  const fs::file_status st = fs::status(dest, ec);
  *exists = fs::exists(st);
  if (fs::is_directory(st)) {
    *why = platform::utf8_of(dest) + " is a directory; give a file path";
    return false;
  }
  fs::path dir = dest.parent_path();
  if (dir.empty()) dir = ".";
  // A folder found writable once in this job is not walked again for each
  // of its files (a sync of thousands of files into a few folders).
  if (writable_dirs.count(dir)) return true;
  const fs::path folder = dir;
  while (!fs::exists(dir, ec)) {
    if (!dir.has_parent_path() || dir.parent_path() == dir) break;
    dir = dir.parent_path();
  }
  if (!fs::is_directory(dir, ec)) {
    *why = platform::utf8_of(dir) + " is not a directory";
    return false;
  }
  if (!platform::can_write_directory(platform::utf8_of(dir))) {
    *why = "cannot write into " + platform::utf8_of(dir) + " (permission denied)";
    return false;
  }
  writable_dirs.insert(folder);
  return true;
}

}  // namespace

fs::path default_cache_dir() { return Cache::default_root(); }

JobImpl::JobImpl(std::string name, JobOptions options, std::shared_ptr<Prefetch> prefetch, bool cache_only)
    : name_(std::move(name)),
      options_(std::move(options)),
      sources_(job_source_config(options_)),
      prefetch_(std::move(prefetch)),
      cache_only_(cache_only) {
  name_problem_ = job_name_problem(name_);
  if (name_problem_) {  // no record can be kept under such a name: nothing touches the cache
    error_.code = ErrorCode::bad_input;
    error_.message = *name_problem_;
    return;
  }
  if (!options_.cache_dir.empty()) {
    cache_.emplace(options_.cache_dir);
    installs_.emplace(options_.cache_dir);
  }
  if (cache_ && options_.use_mirror_health) health_.emplace(options_.cache_dir);
  if (cache_ && options_.restore) restore_from_record();
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
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ == JobState::cancelled || state_ == JobState::acknowledged)
      return reject(std::string("cannot add a file to a ") + state_name(state_) + " job");
    if (running_) stop_prefetch();  // the prefetch was given the files of the resume
  }
  if (name_problem_) return reject(*name_problem_);
  // Anything else would be written beside its destination.
  if (cache_only_ && (!cache_ || !spec.digest || spec.ranges_given))
    return reject("a cache-only job takes whole files with a hash, and needs a cache");
  RangeCheck rc = validate_ranges(spec.ranges, spec.ranges_given);
  if (rc.problem != RangeProblem::none) {
    if (error) error->range_problem = rc.problem;
    return reject(rc.message);
  }
  if (!spec.digest && !spec.allow_unverified)
    return reject("no hash given: add --sha256 HEX or --sha512 HEX (or --no-verify to accept unverified bytes)");
  for (const auto& url : spec.urls) {
    if (!supported_scheme(url))
      return reject("unsupported URL '" + redact_url(url) + "': use http://, https:// or file://");
    if (url.size() > kMaxRemoteName) return reject("URL longer than 2200 characters: " + redact_url(url.substr(0, 80)) + "...");
  }
  try {
    expand_candidates(*sources_, spec);
  } catch (const InputError& e) {
    return reject(e.what());
  }
  // No candidate at all is fine for a cache-only lookup (block_origin).
  if (spec.candidates.empty() && !(spec.digest && cache_))
    return reject(spec.urls.empty() ? "no URL given"
                                    : "no source left to try: every URL is blocked by block_origin and no source matches");
  for (const auto& c : spec.candidates) {
    if (!supported_scheme(c.url))
      return reject("unsupported URL '" + redact_url(c.url) + "': use http://, https:// or file://");
    if (c.url.size() > kMaxRemoteName) return reject("URL longer than 2200 characters: " + redact_url(c.url.substr(0, 80)) + "...");
  }
  if (spec.local_name.empty()) return reject("no destination given");
  spec.local_name = fs::absolute(spec.local_name);
  std::string why;
  bool writable = false;
  bool dest_exists = true;
  {
    std::lock_guard<std::mutex> lock(writable_dirs_mu_);
    writable = destination_writable(spec.local_name, writable_dirs_, &why, &dest_exists);
  }
  if (!writable) return reject("destination " + platform::utf8_of(spec.local_name) + ": " + why);
  std::vector<std::string> notes;
  if (health_) order_by_health(*health_, spec, &notes);
  // Already in place and unchanged since installed: a stat, not a re-hash.
  const bool in_place = options_.skip_in_place && dest_exists && installs_ && installs_->in_place(spec);
  const std::string asset = spec.name;
  File* added = insert_file(std::move(spec), in_place);
  if (!notes.empty()) {
    std::shared_ptr<const JobCallbacks> cb;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cb = callbacks_;
    }
    if (cb->note)
      for (const auto& n : notes) cb->note(asset, n);
  }
  return added;
}

File* JobImpl::insert_file(FileSpec spec, bool in_place) {
  fs::path temp = spec.local_name;
  // <dest>.<pid>.<random>.part: the pid tells a dead run's leftovers, the
  // random part keeps anyone from planting a link at the name beforehand.
  temp += "." + std::to_string(::getpid()) + "." + random_suffix() + ".part";
  auto file = std::make_unique<FileImpl>(this, std::move(spec), std::move(temp));
  if (in_place) {
    std::error_code ec;
    const std::uint64_t size = fs::file_size(file->spec_.local_name, ec);
    file->in_place = true;
    file->renamed = true;
    FileSnapshot& s = file->snapshot;
    s.published = true;
    s.phase = FileWorker::Phase::done;
    s.bytes_transferred = size;
    s.bytes_total = size;
    if (!file->spec_.ranges_given) s.filled = {ByteRange{0, size, std::nullopt}};
    s.result = FileResult{"in place", true, true, size};
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& f : files_) {
    // Re-adding what the record restored: the caller's spec wins, the File stays.
    if (f->restored && !f->worker && f->spec_.local_name == file->spec_.local_name) {
      f->spec_ = std::move(file->spec_);
      f->in_place = file->in_place;
      f->renamed = file->renamed;
      f->snapshot = std::move(file->snapshot);
      f->restored = false;
      return f.get();
    }
  }
  files_.push_back(std::move(file));
  return files_.back().get();
}

Progress JobImpl::progress() const {
  std::lock_guard<std::mutex> lock(mu_);
  Progress p;
  bool all_known = true;
  for (const auto& f : files_) {
    ++p.files_total;
    const FileSnapshot& s = f->snapshot;
    if (!s.published) {
      all_known = false;
      continue;
    }
    p.bytes_transferred += s.bytes_transferred;
    if (s.bytes_total) p.bytes_total += *s.bytes_total;
    else all_known = false;
    if (s.phase == FileWorker::Phase::done) ++p.files_transferred;
  }
  p.bytes_total_known = all_known && !files_.empty();
  return p;
}

WorkerEvents JobImpl::events_for(FileImpl* file) {
  // Called on the transfer thread (with or without mu_ held): each event is
  // queued, and deliver_events() runs it once no lock is held.
  WorkerEvents ev;
  ev.attempt = [this](const AttemptRecord& r) {
    if (health_) health_->record(r);
    events_.push_back([r](const JobCallbacks& cb) {
      if (cb.attempt) cb.attempt(r);
    });
  };
  ev.failover = [this, file](const std::string& from, const std::string& to, const std::string& why) {
    events_.push_back([file, from, to, why](const JobCallbacks& cb) {
      if (cb.failover) cb.failover(*file, from, to, why);
    });
  };
  ev.warning = [this, file](const std::string& msg) {
    events_.push_back([asset = file->spec_.name, msg](const JobCallbacks& cb) {
      if (cb.warning) cb.warning(asset, msg);
    });
  };
  ev.progress = [file] { file->progressed = true; };
  return ev;
}

bool JobImpl::resume() {
  std::unique_lock<std::mutex> lock(mu_);
  if (state_ == JobState::cancelled || state_ == JobState::acknowledged || running_) return running_;
  if (state_ == JobState::transferred) return true;
  if (thread_.joinable()) {
    lock.unlock();
    thread_.join();
    lock.lock();
  }
  remove_stale_temporaries();
  std::set<fs::path> folders_made;  // a sync of thousands of files into a few folders: one stat each
  for (auto& f : files_) {
    if (f->in_place) continue;
    if (!f->worker || f->worker->phase() == FileWorker::Phase::failed) {
      std::error_code ec;
      fs::path folder = f->spec_.local_name.parent_path();
      if (!cache_only_ && !folders_made.count(folder)) {
        fs::create_directories(folder, ec);
        folders_made.insert(std::move(folder));
      }
      f->worker = std::make_unique<FileWorker>(f->spec_, options_, cache_ ? &*cache_ : nullptr,
                                               events_for(f.get()), f->temporary_, &loop_meter_);
      if (cache_only_) f->worker->set_cache_only();
      if (f->pending_remote_name) f->worker->set_pending_remote_name(*std::exchange(f->pending_remote_name, std::nullopt));
      f->publish_locked();
    }
  }
  state_ = JobState::queued;
  error_ = ErrorContext{};
  stop_ = false;
  prefetch_stop_ = false;
  running_ = true;
  thread_ = std::thread([this] { run(); });
  return true;
}

bool JobImpl::suspend() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ == JobState::cancelled || state_ == JobState::acknowledged) return false;
    if (!running_) {
      if (state_ != JobState::transferred && state_ != JobState::error) state_ = JobState::suspended;
      return true;
    }
  }
  stop_thread(true);
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ != JobState::transferred && state_ != JobState::error) state_ = JobState::suspended;
  cv_.notify_all();
  return true;
}

void JobImpl::stop_thread(bool interrupt) {
  if (interrupt) {
    stop_ = true;
    std::lock_guard<std::mutex> lock(wake_mu_);
    if (live_session_) live_session_->wakeup();
    wake_cv_.notify_all();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

JobState JobImpl::wait(std::optional<std::chrono::milliseconds> timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  auto settled = [this] { return !running_; };
  if (timeout) cv_.wait_for(lock, *timeout, settled);
  else cv_.wait(lock, settled);
  return state_;
}

bool JobImpl::complete(ErrorContext* error) {
  stop_thread(false);
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ == JobState::cancelled || state_ == JobState::acknowledged || cache_only_) {
    if (error) {
      error->code = ErrorCode::bad_input;
      error->message = cache_only_ ? std::string("a cache-only job installs nothing")
                                   : std::string("cannot complete a ") + state_name(state_) + " job";
    }
    return false;
  }
  bool all = true;
  for (auto& f : files_) {
    if (f->renamed) continue;
    if (!f->worker || f->worker->phase() != FileWorker::Phase::done) {
      all = false;
      if (f->worker) f->worker->abandon();  // a rerun resumes what the cache kept
      continue;
    }
    // Atomic: readers see old or new. On Windows a destination another
    // program holds open (a virus scanner, an indexer, an editor) is retried
    // for a moment (platform::replace_file).
    const platform::Status moved =
        platform::replace_file(platform::utf8_of(f->temporary_), platform::utf8_of(f->spec_.local_name));
    if (!moved) {
      all = false;
      const platform::PlatformError& e = moved.error();
      // Retried (a detail says so) only on Windows, where a reader without
      // delete sharing refuses the rename.
      const platform::ReplaceOptions retry;
      const bool held = !e.detail.empty() &&
                        (e.code == platform::Errc::sharing_violation || e.code == platform::Errc::access_denied);
      // A whole verified file is in the cache: the temporary goes, and a
      // rerun installs from the cache. Otherwise it is all there is: kept.
      std::error_code ec;
      const bool cached = cache_ && f->spec_.digest && f->spec_.ranges.empty() &&
                          fs::is_regular_file(cache_->object_path(*f->spec_.digest), ec);
      if (cached) fs::remove(f->temporary_, ec);
      if (error) {
        error->code = ErrorCode::internal;
        error->file = f->spec_.name;
        const std::string dest = platform::utf8_of(f->spec_.local_name);
        error->message = held ? "cannot replace " + dest + ": still refused after retrying for " +
                                    std::to_string(retry.retry_for.count()) + " ms (" + platform::errc_name(e.code) +
                                    "); another program holds it open: close it and run again"
                              : "cannot replace " + dest + ": " + e.message();
        error->message += cached ? "; the cache keeps the verified file, so a rerun fetches nothing"
                                 : "; the download is kept in " + platform::utf8_of(f->temporary_);
      }
      continue;
    }
    f->renamed = true;
    // The next job finds it "in place" with a stat.
    if (installs_) installs_->add(f->spec_);
  }
  if (installs_) installs_->save();  // one record per destination folder, not one file per asset
  state_ = JobState::acknowledged;
  forget_record();
  return all;
}

UploadReport JobImpl::wait_uploads(std::chrono::milliseconds limit) {
  return WriteBackQueue::instance().drain(limit);
}

bool JobImpl::cancel() {
  stop_thread(true);
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ == JobState::acknowledged) return false;
  for (auto& f : files_) {
    if (f->worker) f->worker->discard_temporaries();
    std::error_code ec;
    fs::remove(f->temporary_, ec);
  }
  state_ = JobState::cancelled;
  running_ = false;
  forget_record();
  cv_.notify_all();
  return true;
}

std::unique_ptr<Job> create_job(std::string name, JobOptions options) {
  return std::make_unique<JobImpl>(std::move(name), std::move(options));
}

std::unique_ptr<Job> create_job(std::string name, JobOptions options, std::shared_ptr<Prefetch> prefetch) {
  return std::make_unique<JobImpl>(std::move(name), std::move(options), std::move(prefetch));
}

std::unique_ptr<Job> create_cache_only_job(std::string name, JobOptions options) {
  options.restore = false;  // its records are the client's
  return std::make_unique<JobImpl>(std::move(name), std::move(options), nullptr, true);
}

}  // namespace assetfetch
