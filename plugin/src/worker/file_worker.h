// FileWorker: the state machine that gets one File's bytes, BITS-style.
//
// Design goals:
// - The local cache is read first: a verified object needs no network at all.
// - Which URL is asked next, and when, is the CandidateWalk's (pure, unit-
//   tested): the caller's order, BITS' SetRemoteName on failure, backoff for
//   transient errors. What an answer means is a typed Verdict (verdict.h).
// - Bytes already received are kept across candidates: the hash is the
//   identity and every mirror must serve the same bytes; a hash mismatch
//   drops that candidate's bytes and moves on.
// - A candidate that ignores Range (200) or answers a wrong Content-Range never
//   produces output: it is treated as lacking range support; if none supports
//   ranges the whole file is fetched, verified, cached and the ranges cut.
// - One process downloads a given cache object (flock); others wait for it.
//
// Sources: file_worker.cpp (driving the walk, whole-file transfers),
// _outcome.cpp (applying a Verdict), _install.cpp (verify, then the
// finisher.h steps: cache, write back, install), _ranges.cpp, _local.cpp
// (file:// candidates), _segments.cpp (SegmentedFetch).
//
// Threading: driven only by the job's transfer thread; set_remote_name() and
// the getters synchronise through the owner (FileImpl).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "assetfetch/job.h"
#include "cache/cache.h"
#include "cache/filled_journal.h"
#include "cache/unique_fd.h"
#include "cache/object_lock.h"
#include "verify/hasher.h"
#include "base/range.h"
#include "worker/candidate_walk.h"
#include "worker/range_fetch.h"
#include "worker/segmented_fetch.h"
#include "worker/verdict.h"
#include "worker/write_stage.h"
#include "verify/stream_hasher.h"
#include "transfer/loop_meter.h"
#include "transfer/transfer.h"

namespace assetfetch {

using Clock = std::chrono::steady_clock;

// What the worker reports upward (to the Job, and so to callbacks).
struct WorkerEvents {
  std::function<void(const AttemptRecord&)> attempt;
  std::function<void(const std::string& from, const std::string& to, const std::string& reason)>
      failover;
  std::function<void(const std::string& message)> warning;
  std::function<void()> progress;
};

class FileWorker {
 public:
  // `loop` (may be null): how busy the job's transfer loop is, read on the
  // job's thread when deciding whether to add a connection.
  FileWorker(const FileSpec& spec, const JobOptions& options, Cache* cache, WorkerEvents events,
             std::filesystem::path temporary, const LoopMeter* loop = nullptr);
  ~FileWorker();

  enum class Phase { idle, waiting, transferring, done, failed };

  // Advances the file; may finish local work (cache hit, file://) at once.
  // Returns a transfer for the multi handle, or nullptr (see phase()).
  std::unique_ptr<Transfer> next(Clock::time_point now);
  void on_transfer_done(Transfer& transfer, CURLcode code);
  // Stops in-flight work, keeping what was received (suspend).
  void interrupt();

  Phase phase() const { return phase_; }
  Clock::time_point wake_at() const { return wake_at_; }
  const ErrorContext& error() const { return error_; }
  const FileResult& result() const { return result_; }
  std::string current_url() const;
  void set_pending_remote_name(std::string url) { pending_remote_name_ = std::move(url); }

  std::uint64_t bytes_transferred() const;
  std::optional<std::uint64_t> bytes_total() const;
  std::vector<ByteRange> filled_ranges() const;
  // Removes temporaries (cancel): beside the destination and in the cache.
  void discard_temporaries();
  // The job completes without this file (it failed, or never finished): the
  // temporaries beside the destination go; the cache's partial, if it can be
  // resumed, stays for a later run, as after a kill.
  void abandon();

 private:
  enum class Mode { whole, ranges };

  bool start(Clock::time_point now);
  bool serve_from_cache();
  void begin_whole();
  void begin_ranges();
  std::unique_ptr<Transfer> make_request();
  // The one TransferRequest builder: candidate `c`'s URL (the walk's current
  // URL, redirect included, for the current candidate), its headers and
  // store credentials, the job's retry and TLS policy.
  TransferRequest request_to(std::size_t c, std::string range, long segment = -1) const;
  std::unique_ptr<Transfer> make_segment_request(std::size_t index);
  void maybe_start_segments(const TransferResult& r);
  void handle_segment_result(const TransferResult& r, const Transfer& t);
  void abandon_segments(const std::string& why);
  void name_bad_mirrors(const std::filesystem::path& good);
  void run_local_candidate();
  bool local_whole(const std::filesystem::path& src, std::string* why);
  bool local_ranges(const std::filesystem::path& src, std::string* why);

  bool check_whole_headers(const TransferResult& r, Refusal* refusal);
  bool write_whole(const char* data, std::size_t n, Refusal* refusal);
  // Waits until the stage wrote what write_whole() gave it; without `refusal`
  // a failure fails the file.
  bool flush_writes(Refusal* refusal);
  void release_buffers();
  std::unique_ptr<Transfer> make_range_request();
  void finish_group(std::uint32_t id);
  void on_range_transfer_done(const TransferResult& r, const Transfer& t);

  void handle_result(const TransferResult& r, const std::string& url, const std::string& range);
  // Verifies a complete whole-file download, then delivers it or handles
  // the mismatch: resumed bytes are fetched again, others fail over.
  void finish_whole();
  void deliver_whole();
  // Installs the cache's object at the destination's temporary.
  std::uint64_t install_object(const std::filesystem::path& object);
  void refetch_resumed();
  void drop_mismatched(const std::string& got);
  void finish_all_ranges();
  void cut_ranges_from(const std::filesystem::path& whole, bool verified);
  void retry_or_failover(const std::string& reason, std::optional<std::chrono::seconds> after);
  void failover(ErrorCause cause, const std::string& reason, long status = 0);
  void fail(ErrorCode code, ErrorCause cause, const std::string& message, long status = 0);
  void restart_whole();
  std::string asset_label() const;
  void drop_temporaries(bool keep_resumable);
  bool use_cache_for_whole() const;
  // What names the cache's partial: the digest, else FileSpec::resume_key.
  const Digest& partial_key() const { return spec_.digest ? *spec_.digest : *spec_.resume_key; }

  FileSpec spec_;
  const JobOptions& options_;
  Cache* cache_;  // null with --no-cache
  WorkerEvents events_;
  std::filesystem::path temporary_;  // the destination's .part
  const LoopMeter* loop_;

  Phase phase_ = Phase::idle;
  Mode mode_ = Mode::whole;
  bool started_ = false;
  Clock::time_point wake_at_{};
  CandidateWalk walk_;
  std::optional<std::string> pending_remote_name_;
  bool any_mismatch_ = false;
  bool any_range_unsupported_ = false;
  bool whole_fallback_ = false;  // ranges: none supported Range, fetching whole
  ErrorContext error_;
  FileResult result_;
  ObjectLock lock_;

  // Whole-file download.
  std::filesystem::path part_;  // cache partial or the destination temporary
  UniqueFd part_fd_;
  std::optional<StreamHasher> hasher_;
  std::uint64_t filled_ = 0;
  std::optional<std::uint64_t> remote_size_;
  PartialMeta meta_;
  // What of the cache partial is really written (resume trusts only this).
  FilledJournal journal_;
  // Spans an earlier run (or a suspended pass) left, beyond filled_: the
  // segmented fetch skips them.
  SpanSet resume_spans_;
  // The partial holds bytes from an earlier run: a mismatch then first means
  // "fetch again from byte 0", never "every source is wrong".
  bool resumed_bytes_ = false;
  void open_journal(std::uint64_t size);
  void close_journal(bool remove);
  static constexpr std::uint64_t kResumableSize = 256u << 10;  // smaller files keep no resume record
  // Writes, journals and hashes the one-stream bytes off the transfer thread;
  // drained before part_fd_ closes or hasher_ is used here.
  std::unique_ptr<WriteStage> stage_;
  // Segmented download of a large file (several connections and mirrors).
  std::unique_ptr<SegmentedFetch> seg_;
  bool segmenting_disabled_ = false;
  std::unique_ptr<SegmentedFetch> finished_seg_;  // the last segmented pass, until verified
  std::unique_ptr<SegmentedFetch> bad_assembly_;  // to name a mirror after a mismatch
  std::filesystem::path bad_file_;

  // Range download (BITS AddFileWithRanges).
  std::unique_ptr<RangeFetch> ranges_;
  std::uint32_t completing_group_ = 0;
};

}  // namespace assetfetch
