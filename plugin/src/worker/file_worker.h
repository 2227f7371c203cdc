// FileWorker: the state machine that gets one File's bytes, BITS-style.
//
// Design goals:
// - The local cache is read first: a verified object needs no network at all.
// - Which URL is asked next, and when, is the CandidateWalk's (pure, unit-
//   tested): the caller's order, BITS' SetRemoteName on failure, backoff for
//   transient errors. What an answer means is a typed Verdict (verdict.h),
//   and this class alone applies verdicts to the walk: one retry rule.
// - How the bytes are asked for and put together is a FetchStrategy's
//   (fetch_strategy.h): the whole file (WholeFetch: one stream or segments)
//   or the asked ranges (RangedFetch). The worker only locks, serves a cache
//   hit, chooses the strategy, walks the candidates and applies verdicts.
// - Bytes already received are kept across candidates: the hash is the
//   identity and every mirror must serve the same bytes.
// - One process downloads a given cache object (a lock); others wait for it.
//
// Threading: driven only by the job's transfer thread; set_remote_name() and
// the getters synchronise through the owner (FileImpl).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/object_lock.h"
#include "worker/fetch_strategy.h"

namespace assetfetch {

class FileWorker final : private FetchHost {
 public:
  // `loop` (may be null): how busy the job's transfer loop is, read on the
  // job's thread when deciding whether to add a connection.
  FileWorker(const FileSpec& spec, const JobOptions& options, Cache* cache, WorkerEvents events,
             std::filesystem::path temporary, const LoopMeter* loop = nullptr);
  ~FileWorker();

  using Phase = FetchPhase;

  // Advances the file; may finish local work (cache hit, file://) at once.
  // Returns a transfer for the multi handle, or nullptr (see phase()).
  std::unique_ptr<Transfer> next(Clock::time_point now);
  void on_transfer_done(Transfer& transfer, CURLcode code);
  // Stops in-flight work, keeping what was received (suspend).
  void interrupt();

  Phase phase() const override { return phase_; }
  Clock::time_point wake_at() const override { return wake_at_; }
  const ErrorContext& error() const { return error_; }
  const FileResult& result() const { return result_; }
  std::string current_url() const { return walk_.url(); }
  void set_pending_remote_name(std::string url) { pending_remote_name_ = std::move(url); }
  // Whether next() ever ran (it may then hold the cache object's lock).
  bool started() const { return started_; }
  // Fills the cache only: a verified object is not installed at the
  // temporary (a cache-only job, core/prefetch.h).
  void set_cache_only() { cache_only_ = true; }

  std::uint64_t bytes_transferred() const;
  std::optional<std::uint64_t> bytes_total() const;
  std::vector<ByteRange> filled_ranges() const;
  // Removes temporaries (cancel): beside the destination and in the cache.
  void discard_temporaries() { drop_temporaries(false); }
  // The job completes without this file (it failed, or never finished): the
  // temporaries beside the destination go; the cache's partial, if it can be
  // resumed, stays for a later run, as after a kill.
  void abandon() { drop_temporaries(true); }

 private:
  // Lock, cache hit, then the strategy. False while waiting for the lock,
  // or when the file is already done or failed.
  bool start(Clock::time_point now);
  bool serve_from_cache();
  std::unique_ptr<FetchStrategy> choose_strategy();
  // The walk ran out: a fallback strategy, or the file fails.
  bool exhausted();
  void drop_temporaries(bool keep_resumable);

  // FetchHost (a private base: only strategies see it).
  FetchHost& as_host() { return *this; }
  const FetchInputs& inputs() const override { return inputs_; }
  CandidateWalk& walk() override { return walk_; }
  FileResult& file_result() override { return result_; }
  void set_phase(Phase phase) override { phase_ = phase; }
  void wait_until(Clock::time_point when) override;
  std::string asset_label() const override;
  void answer(const TransferResult& r, const std::string& url, const std::string& range) override;
  void retry_or_failover(const std::string& reason, std::optional<std::chrono::seconds> after) override;
  void failover(ErrorCause cause, const std::string& reason, long status = 0) override;
  void fail(ErrorCode code, ErrorCause cause, const std::string& message, long status = 0) override;
  void note_mismatch() override { any_mismatch_ = true; }
  void done() override { phase_ = Phase::done; }
  void release_object_lock() override { lock_.unlock(); }
  std::uint64_t install_object(const std::filesystem::path& object) override;
  void cut_ranges_from(const std::filesystem::path& whole, bool verified) override;

  FileSpec spec_;
  const JobOptions& options_;
  Cache* cache_;  // null with --no-cache
  WorkerEvents events_;
  std::filesystem::path temporary_;  // the destination's .part
  FetchInputs inputs_;

  Phase phase_ = Phase::idle;
  bool started_ = false;
  bool cache_only_ = false;
  Clock::time_point wake_at_{};
  CandidateWalk walk_;
  std::optional<std::string> pending_remote_name_;
  bool any_mismatch_ = false;
  ErrorContext error_;
  FileResult result_;
  ObjectLock lock_;
  std::unique_ptr<FetchStrategy> strategy_;  // null before start and on a cache hit
  // Strategies handed over from (ranges to whole): their requests may still
  // be in flight, and their sinks point at them.
  std::vector<std::unique_ptr<FetchStrategy>> retired_;
};

}  // namespace assetfetch
