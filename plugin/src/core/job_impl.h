// JobImpl and FileImpl: the implementations behind assetfetch::Job and
// assetfetch::File (job.h). Internal to the library.
//
// Threading: every member is guarded by JobImpl::mu_ (recursive, because
// callbacks run with it held and may call the getters).
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "assetfetch/job.h"
#include "cache/cache.h"
#include "worker/file_worker.h"

namespace assetfetch {

inline constexpr std::size_t kMaxRemoteName = 2200;  // BITS' URL length limit

// http, https and file: the schemes a candidate may use.
bool supported_scheme(const std::string& url);

class JobImpl;

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

  JobImpl* job_;
  FileSpec spec_;
  std::filesystem::path temporary_;
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
  void remove_stale_temporaries();
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

}  // namespace assetfetch
