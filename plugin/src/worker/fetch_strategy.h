// FetchStrategy: how one file's bytes are asked for and put together, behind
// one interface, so that FileWorker only locks, serves cache hits, chooses a
// strategy, walks the candidates and applies verdicts.
//
//   WholeFetch (whole_fetch.h)   the whole file into one partial: one stream,
//                                or segments over several connections and
//                                mirrors once a 206 shows a server can
//                                (SegmentedFetch); verified, cached, installed.
//   RangedFetch (ranged_fetch.h) the byte ranges a caller asked for (BITS
//                                AddFileWithRanges), over RangeFetch's
//                                bookkeeping; falls back to a WholeFetch that
//                                cuts them when no source honours Range.
//
// A file:// candidate is read by whichever strategy runs (read_local). What
// an answer means is classify()'s (verdict.h); a strategy only refines what
// its own state knows (a 416 that says "all here", a short body), and the
// host applies the verdict to the CandidateWalk: one retry rule.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "assetfetch/job.h"
#include "transfer/loop_meter.h"
#include "transfer/transfer.h"
#include "worker/candidate_walk.h"
#include "worker/verdict.h"

namespace assetfetch {

class Cache;
using Clock = std::chrono::steady_clock;

// What the worker reports upward (to the Job, and so to callbacks).
struct WorkerEvents {
  std::function<void(const AttemptRecord&)> attempt;
  std::function<void(const std::string& from, const std::string& to, const std::string& reason)>
      failover;
  std::function<void(const std::string& message)> warning;
  std::function<void()> progress;
};

enum class FetchPhase { idle, waiting, transferring, done, failed };

// The fixed inputs of one file's fetch.
struct FetchInputs {
  const FileSpec& spec;
  const JobOptions& options;
  Cache* cache;  // null with --no-cache
  const WorkerEvents& events;
  const std::filesystem::path& temporary;  // the destination's .part
  const LoopMeter* loop;                   // may be null
};

// What a strategy asks of the file it works for (FileWorker).
class FetchHost {
 public:
  virtual const FetchInputs& inputs() const = 0;
  virtual CandidateWalk& walk() = 0;
  virtual FileResult& file_result() = 0;  // filled in as the fetch ends
  virtual FetchPhase phase() const = 0;
  virtual void set_phase(FetchPhase phase) = 0;
  virtual void wait_until(Clock::time_point when) = 0;  // phase waiting until `when`
  virtual Clock::time_point wake_at() const = 0;
  virtual std::string asset_label() const = 0;

  // Classifies an answer to the walk's current candidate, lets the strategy
  // refine it, reports the attempt and applies the verdict.
  virtual void answer(const TransferResult& r, const std::string& url, const std::string& range) = 0;
  // The walk's retry rule for an answer the strategy read itself.
  virtual void retry_or_failover(const std::string& reason, std::optional<std::chrono::seconds> after) = 0;
  virtual void failover(ErrorCause cause, const std::string& reason, long status = 0) = 0;
  virtual void fail(ErrorCode code, ErrorCause cause, const std::string& message, long status = 0) = 0;
  // Some source served bytes that did not verify (the final error says
  // "hash mismatch" rather than "unavailable").
  virtual void note_mismatch() = 0;
  // The file is complete at the destination's temporary.
  virtual void done() = 0;
  // Lets other processes at the cache object (its bytes are settled).
  virtual void release_object_lock() = 0;
  // Installs the cache's verified object at the destination's temporary.
  virtual std::uint64_t install_object(const std::filesystem::path& object) = 0;
  // Cuts the asked ranges out of a whole file, then done() (or fail()).
  virtual void cut_ranges_from(const std::filesystem::path& whole, bool verified) = 0;

 protected:
  ~FetchHost() = default;
};

class FetchStrategy {
 public:
  virtual ~FetchStrategy() = default;

  // While requests are in flight, another one may start (more segments,
  // more ranges): returns it, or nullopt to let the host go on as usual
  // (a null transfer inside means "handled, nothing now").
  virtual std::optional<std::unique_ptr<Transfer>> next_in_flight(Clock::time_point now) = 0;
  // The next request to the walk's current (http, https, object store) candidate.
  virtual std::unique_ptr<Transfer> next_request() = 0;
  // Reads the walk's current candidate, a file://, at once.
  virtual void read_local(const std::filesystem::path& source) = 0;
  virtual void on_transfer_done(const TransferResult& r, const Transfer& transfer) = 0;

  // What only this strategy can read in an answer that classify() read.
  virtual void refine(const TransferResult& r, Verdict& v) = 0;
  // Applying a verdict: the answer completed its request; start over from
  // byte 0 on the same candidate; a failover (drop what it delivered).
  virtual void on_answer_done() = 0;
  virtual void restart() = 0;
  virtual void on_failover(const Verdict& v) = 0;
  // The walk ran out of candidates: the strategy to try instead, or null.
  virtual std::unique_ptr<FetchStrategy> fallback() = 0;

  // Stops in-flight work, keeping what was received (suspend).
  virtual void interrupt() = 0;
  // The file failed: release buffers, keep the cache's resumable partial.
  virtual void close_failed() = 0;
  // Cancel (keep_resumable false) or abandon (true): temporaries go.
  virtual void drop_temporaries(bool keep_resumable) = 0;

  virtual std::uint64_t bytes_transferred() const = 0;
  virtual std::optional<std::uint64_t> bytes_total() const = 0;
  virtual std::vector<ByteRange> filled_ranges() const = 0;
};

}  // namespace assetfetch
