// JobImpl and FileImpl: the implementations behind assetfetch::Job and
// assetfetch::File (job.h). Internal to the library.
//
// Threading: JobImpl::mu_ (a plain std::mutex) guards the job's state and
// each file's published snapshot. A FileWorker is touched only by the
// transfer thread while it runs (by other threads only while it does not):
// the getters read the snapshot the transfer thread publishes under mu_ once
// per turn of its loop. Callbacks are queued by the transfer thread and run
// with no lock held, so a callback may call any getter, and may wait for
// another thread that does.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "assetfetch/job.h"
#include "cache/cache.h"
#include "config/config.h"
#include "core/install_record.h"
#include "core/mirror_health.h"
#include "core/prefetch.h"
#include "transfer/loop_meter.h"
#include "transfer/curl_api.h"
#include "worker/file_worker.h"

namespace assetfetch {

inline constexpr std::size_t kMaxRemoteName = 2200;  // BITS' URL length limit

// http, https and file: the schemes a candidate may use.
bool supported_scheme(const std::string& url);

class JobImpl;

// What the getters of one file report: a copy of its worker's state, made by
// the thread that drives the worker.
struct FileSnapshot {
  FileWorker::Phase phase = FileWorker::Phase::idle;
  bool published = false;  // a worker (or the in-place check) filled it
  std::uint64_t bytes_transferred = 0;
  std::optional<std::uint64_t> bytes_total;
  std::vector<ByteRange> filled;
  std::optional<FileResult> result;  // when done
  ErrorContext error;
  std::string url;
};

class FileImpl final : public File {
 public:
  FileImpl(JobImpl* job, FileSpec spec, std::filesystem::path temporary)
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
  std::filesystem::path temporary_name() const override { return temporary_; }

  // Copies the worker's state into `snapshot`; the caller holds the job's
  // mutex and is the only thread driving the worker.
  void publish_locked();

  JobImpl* job_;
  FileSpec spec_;
  std::filesystem::path temporary_;
  // Owned by the transfer thread while it runs; replaced only while it does not.
  std::unique_ptr<FileWorker> worker;
  // Guarded by the job's mutex:
  FileSnapshot snapshot;
  std::optional<std::string> pending_remote_name;  // handed to the worker by the transfer thread
  bool renamed = false;
  bool in_place = false;  // already at its destination: never fetched, never renamed
  bool in_place_announced = false;  // its file_transferred event was queued
  bool restored = false;  // from the job record; a re-add of the same destination replaces it
  // Transfer thread only: bytes moved since the last publish.
  bool progressed = false;
  // Transfer thread only: its worker was asked for a request, handed an
  // answer or a remote name since the last publish (else it cannot have
  // changed, and publish_all_locked skips it).
  bool touched = false;
};

class JobImpl final : public Job {
 public:
  // `prefetch` (may be null): asked first on each run (core/prefetch.h).
  // `cache_only`: fills the cache, installs nothing (create_cache_only_job).
  JobImpl(std::string name, JobOptions options, std::shared_ptr<Prefetch> prefetch = nullptr,
          bool cache_only = false);
  ~JobImpl() override { stop_thread(true); }

  const std::string& name() const override { return name_; }
  File* add_file(FileSpec spec, ErrorContext* error) override;
  std::vector<File*> files() const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<File*> out;
    for (auto& f : files_) out.push_back(f.get());
    return out;
  }
  void set_callbacks(JobCallbacks cb) override {
    auto shared = std::make_shared<const JobCallbacks>(std::move(cb));
    std::lock_guard<std::mutex> lock(mu_);
    callbacks_ = std::move(shared);
  }
  JobState state() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return state_;
  }
  Progress progress() const override;
  ErrorContext error() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }
  bool resume() override;
  bool suspend() override;
  JobState wait(std::optional<std::chrono::milliseconds> timeout) override;
  bool complete(ErrorContext* error) override;
  bool cancel() override;
  UploadReport wait_uploads(std::chrono::milliseconds limit) override;

  JobState state_locked() const { return state_; }
  // What the prefetch cannot honour (a new remote name or file mid-run): it
  // stops, and the job's own loop goes on.
  void stop_prefetch() { prefetch_stop_ = true; }
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Before resume(): the transfers join `share` (core/job_in_share.h).
  void set_connection_share(CURLSH* share) { connection_share_ = share; }

 private:
  using Event = std::function<void(const JobCallbacks&)>;

  void run();
  // job_prefetch.cpp: the prefetch's turn, before the loop (transfer thread).
  void run_prefetch();
  struct Turn {
    bool all_settled = true;
    bool any_waiting = false;          // a file waits for a retry or another process's lock
    Clock::time_point next_wake = Clock::time_point::max();  // the earliest such wait ends
  };
  // One pass over the files under mu_: starts what may start, publishes
  // snapshots, queues events.
  Turn schedule_locked(class MultiSession& session);
  // Sleeps until `until` or until stop_thread() wakes the loop; the poll
  // itself when libcurl is loaded, else a condition variable.
  void idle_until(class MultiSession& session, Clock::time_point until);
  void publish_all_locked(bool every_file = false);
  void queue_transferred(FileImpl* file);
  // Runs the queued events with no lock held (transfer thread only).
  void deliver_events();
  void stop_thread(bool interrupt);
  // job_persist.cpp: the job record.
  void persist(const char* state);
  void remove_stale_temporaries();
  void restore_from_record();
  void forget_record();
  // Adds a checked spec (add_file's tail), replacing a restored file of the
  // same destination.
  File* insert_file(FileSpec spec, bool in_place);
  WorkerEvents events_for(FileImpl* file);

  std::string name_;
  std::optional<std::string> name_problem_;  // job_name_problem(): the job refuses every file
  JobOptions options_;
  std::optional<Cache> cache_;
  std::optional<InstallRecords> installs_;  // with a cache: what is in place, what complete() installed
  std::shared_ptr<const Config> sources_;  // options_.sources with block_origin applied
  // Read by add_file (order), written by the transfer thread (record, save).
  std::optional<MirrorHealth> health_;
  std::vector<std::unique_ptr<FileImpl>> files_;
  std::shared_ptr<const JobCallbacks> callbacks_ = std::make_shared<const JobCallbacks>();
  std::vector<Event> events_;  // transfer thread only: queued for deliver_events()
  JobState state_ = JobState::suspended;
  ErrorContext error_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::shared_ptr<Prefetch> prefetch_;
  std::atomic<bool> prefetch_stop_{false};
  const bool cache_only_;
  // stop_thread() wakes the transfer loop at once (no fixed poll interval).
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  class MultiSession* live_session_ = nullptr;  // under wake_mu_
  CURLSH* connection_share_ = nullptr;  // set before the transfer thread starts
  bool running_ = false;
  Clock::time_point last_progress_{};  // transfer thread only
  // How much of its time the transfer loop waits for sockets (transfer
  // thread only): the workers read it to tell whether another connection
  // could help (transfer/loop_meter.h).
  LoopMeter loop_meter_;
  // Destination folders add_file() found writable (checked once per folder).
  std::mutex writable_dirs_mu_;
  std::set<std::filesystem::path> writable_dirs_;
};

}  // namespace assetfetch
