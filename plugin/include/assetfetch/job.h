// assetfetch — the C++ core API, after Microsoft BITS' download model.
//
// A Job is a batch of Files transferred and completed as a unit. A new job is
// suspended; resume() starts its transfers on a background thread, wait()
// blocks until it is transferred or in error, complete() makes every verified
// file visible at its local name (atomic rename), cancel() removes all
// temporaries. Files never appear at their local name before complete().
//
// Thread safety: every Job/File method may be called from any thread.
// Callbacks run on the job's transfer thread with no lock of the job held, in
// the order the events happened; a callback may call the read-only getters
// (state, progress, error, files, and every File getter), and may wait for
// another thread that calls them. It must not call resume(), wait(),
// complete() or cancel() of the same job (they wait for the transfer thread,
// which is running the callback). The getters report a snapshot the transfer
// thread publishes at least every 50 ms while bytes move.
//
// Ownership: create_job() returns a unique_ptr; File pointers stay valid for
// the life of their Job.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "assetfetch/types.h"

namespace assetfetch {

// BG_JOB_STATE.
enum class JobState {
  queued,
  connecting,
  transferring,
  suspended,
  error,
  transient_error,
  transferred,
  acknowledged,
  cancelled,
};
const char* state_name(JobState s);

// What a failed attempt or file was about: BITS' error context, plus cause.
enum class ErrorCause {
  none,
  http_status,
  transport,
  hash_mismatch,
  range_unsupported,
  range_invalid,  // range past the end of the remote file
  size_mismatch,
  offline_miss,
  local_file,
};
const char* cause_name(ErrorCause c);

// Which of BITS' AddFileWithRanges rules a refused add_file() broke. Defined
// in range.h (internal): none, no_ranges, eof_offset, zero_length,
// overlapping, too_many; a value-initialised one is `none`.
enum class RangeProblem;

struct ErrorContext {
  ErrorCode code = ErrorCode::ok;
  ErrorCause cause = ErrorCause::none;
  std::string file;     // asset name
  std::string url;      // redacted
  long http_status = 0;
  std::string message;  // full human-readable message (what, where, why, fix)
  RangeProblem range_problem{};  // set by Job::add_file when a range rule was broken
};

struct Progress {
  std::uint64_t bytes_total = 0;  // valid only when bytes_total_known
  bool bytes_total_known = false;
  std::uint64_t bytes_transferred = 0;
  std::uint32_t files_total = 0;
  std::uint32_t files_transferred = 0;
};

// What became of one try at one URL. Every value can reach the attempt
// callback; outcome_name() gives the text the CLI and the C ABI report.
enum class AttemptOutcome {
  ok,        // "ok": the answer delivered its bytes
  retry,     // "retry": a transient failure; the same URL again after a backoff
  failover,  // "failover": this URL cannot serve the file; the next candidate
  restart,   // "restart": this URL serves another version than the kept bytes; again from byte 0
  redirect,  // "redirect": followed to another URL (one hop)
  mismatch,  // "mismatch": the bytes did not match the hash; they were dropped
  failed,    // "failed": the file fails (bad ranges, a local write error)
};
const char* outcome_name(AttemptOutcome o);

// One try at one URL (the CLI's `attempt` JSON event).
struct AttemptRecord {
  std::string asset;
  std::string url;  // redacted
  std::string range;  // "bytes=N-M" as sent, empty for none
  long http_status = 0;
  std::uint64_t bytes = 0;
  double duration_s = 0;
  AttemptOutcome outcome = AttemptOutcome::ok;
  ErrorCause cause = ErrorCause::none;  // why it was not ok
  std::string retry_reason;  // the detail, for people: why it was not ok
};

// Where a finished file's bytes came from.
struct FileResult {
  std::string source;  // "cache" or the redacted URL
  bool from_cache = false;
  bool verified = false;
  std::uint64_t bytes = 0;  // bytes written to the local file
};

struct RetryPolicy {
  int attempts = 3;  // per candidate
  std::chrono::milliseconds backoff{250};
  std::chrono::seconds no_progress_timeout{30};
  // A transfer that moves fewer than min_rate_bytes_per_s * min_rate_window
  // bytes in any whole window is abandoned for the next candidate (0: off).
  // A window of 0 (the default) is no_progress_timeout.
  std::uint64_t min_rate_bytes_per_s = 1024;
  std::chrono::seconds min_rate_window{0};
  std::chrono::seconds connect_timeout{15};
  std::chrono::seconds retry_after_cap{60};
  int max_redirects = 10;
};

struct TlsPolicy {
  bool verify = true;
  std::string ca_file;  // empty: system store
};

enum class InstallMode { copy, hardlink };

// A free-space floor: the smaller of `bytes` and `percent` of the
// filesystem's size, of those given (config "min_free_space").
struct FreeSpaceFloor {
  std::optional<std::uint64_t> bytes = std::uint64_t{2} << 30;
  std::optional<double> percent = 5.0;

  // The floor in bytes on a filesystem of `total` bytes; 0: no floor.
  std::uint64_t for_filesystem(std::uint64_t total) const {
    std::optional<std::uint64_t> floor = bytes;
    if (percent) {
      const auto share = static_cast<std::uint64_t>(static_cast<double>(total) * *percent / 100.0);
      floor = floor ? std::min(*floor, share) : share;
    }
    return floor.value_or(0);
  }
};

// The mirror configuration (config/config.h): sources, rewrites, fallback
// mirrors, vcpkg sources.
struct Config;

// The largest limit a user may set on connections per file (config
// "max_connections", CLI --max-connections): more than a file ever uses.
inline constexpr int kMaxConnectionsPerFile = 64;

// The automatic number of files fetched at once (max_parallel_files 0): up
// to 8 over HTTP/1.1 (libcurl also keeps to 8 connections per host), and
// 50 where a server may multiplex (https), `curl -Z`'s default: at RTT 50 ms
// 32 took 1.2x curl's time for 200 small files (issue 19).
inline constexpr int kAutoParallelFiles = 8;
inline constexpr int kAutoParallelFilesMultiplexed = 50;

// How a job behaves; filled by the CLI or C ABI from flags and config.
struct JobOptions {
  std::filesystem::path cache_dir;  // empty: no local cache at all
  bool offline = false;             // no network connection at all
  bool block_origin = false;        // declared URLs were left out: a miss is exit 5, not 4
  bool require_verified_ranges = false;
  InstallMode install = InstallMode::copy;
  RetryPolicy retry;
  TlsPolicy tls;
  // Files fetched at once. 0 (the default; a negative value counts as 0):
  // automatic, at most kAutoParallelFiles files with a transfer to a server
  // that cannot multiplex (plain http, or https that answered over HTTP/1.1),
  // and kAutoParallelFilesMultiplexed in all (https servers' streams share
  // one connection over HTTP/2). N >= 1: never more than N. CLI -j, C ABI
  // af_job_options::max_parallel_files.
  int max_parallel_files = 0;
  // Files at least this large may be fetched in segments over several
  // connections and mirrors, when measurement says it pays: after
  // segment_probe_after one probe connection is added if another mirror
  // exists, or one stream stays under segment_local_capacity bytes/s while
  // the job's loop spends over a tenth of its time waiting for sockets; more
  // follow only if the probe raised the total rate by 20% (with one mirror,
  // the connections then double, or go to the limit when the last step
  // scaled nearly linearly, while each step raises the total rate by 20%
  // again, as against a server that caps each connection). Each added
  // request opens a connection of its own, never an HTTP/2 stream of one
  // already open. Segments smaller than min_split are not split.
  //
  // max_connections_per_file caps the connections (requests in flight) of
  // one file. 0 (the default; a negative value counts as 0): automatic, up
  // to 4 with several usable http(s) mirrors, 8 with one; range fetches
  // (AddFileWithRanges) keep up to 4. N >= 1: never more than N, and below
  // that the automatic choice still applies. 1: one stream, never
  // segmented and never probed (one request for a healthy mirror); range
  // fetches ask one request at a time. Config "max_connections", CLI
  // --max-connections.
  int max_connections_per_file = 0;
  std::uint64_t segment_threshold = 32u << 20;
  std::uint64_t segment_min_split = 2u << 20;
  std::chrono::milliseconds segment_probe_after{500};
  double segment_local_capacity = 200.0 * (1u << 20);
  // A body of unknown size is never written past this many bytes.
  std::uint64_t max_download_size = std::uint64_t{64} << 30;
  // Nor does it leave the filesystem it is written to with less free space
  // than this floor (checked every few MiB): the file fails as a local error.
  FreeSpaceFloor min_free_space;
  // The source policy (DESIGN.md "Sources, in order"): add_file() turns a
  // file's declared URLs (FileSpec::urls) into its candidate walk, sources →
  // rewrites → the URLs (unless block_origin) → fallback mirrors, offline
  // leaving file:// only. Null: the declared URLs alone.
  std::shared_ptr<const Config> sources;
  // With a cache: origins that failed recently are tried last (mirror
  // health, <cache>/health.json), and a destination that still holds what an
  // earlier job installed there is not fetched again ("in place").
  bool use_mirror_health = true;
  bool skip_in_place = true;
  // create_job() restores the files of the job's record (<cache>/jobs/NAME.json)
  // left by a job of that name that did not complete (BITS persistence).
  bool restore = true;
  // Write-back uploads run in the background; a command waits this long for
  // them at its end before giving up on them (a warning, never a failure).
  std::chrono::seconds write_back_wait{300};
};

// What a caller declares for one file (BITS AddFileWithRanges + identity).
struct FileSpec {
  std::string name;                    // asset name, for messages
  // The declared URLs: add_file() builds `candidates` and `write_back` from
  // them and the job's source policy. Leave empty to give candidates directly.
  std::vector<std::string> urls;
  std::vector<Candidate> candidates;   // in order; the cache comes first implicitly
  std::filesystem::path local_name;    // destination
  std::optional<Digest> digest;        // whole-file identity; required unless allow_unverified
  std::optional<Digest> extra_digest;  // same bytes, other algorithm (mirror indexes)
  bool allow_unverified = false;
  // With allow_unverified and no digest: a stable key (digest-shaped, e.g. a
  // hash of the URLs) under which the cache keeps the partial download, so a
  // rerun resumes it. No hash checks resumed bytes, so they are resumed only
  // with If-Range on the recorded ETag (strong) or Last-Modified: a changed
  // remote answers 200 and the file starts again from byte 0. Unset: such a
  // file starts from byte 0 every run (`assetfetch hash` sets it).
  std::optional<Digest> resume_key;
  std::optional<std::uint64_t> size;   // declared size, if known
  std::vector<ByteRange> ranges;       // empty: whole file
  bool ranges_given = false;           // AddFileWithRanges vs AddFile
  Layout layout = Layout::concatenated;
  // Writable content-addressed sources: after a fetch from a non-cache
  // candidate the verified object is written there (HTTP PUT or file copy).
  std::vector<Candidate> write_back;
};

class File {
 public:
  virtual ~File() = default;
  virtual const FileSpec& spec() const = 0;
  // IBackgroundCopyFile2::SetRemoteName: the next attempt uses `url`.
  virtual bool set_remote_name(const std::string& url, std::string* error) = 0;
  virtual std::string remote_name() const = 0;
  // GetFileRanges: exactly what was added; empty for a whole-file download.
  virtual std::vector<ByteRange> ranges() const = 0;
  // GetFilledFileRanges: remote byte ranges already on disk.
  virtual std::vector<ByteRange> filled_ranges() const = 0;
  virtual Progress progress() const = 0;
  virtual bool completed() const = 0;
  virtual std::optional<FileResult> result() const = 0;
  virtual ErrorContext error() const = 0;
  // .part path of the destination (valid while transferring).
  virtual std::filesystem::path temporary_name() const = 0;
};

struct JobCallbacks {
  std::function<void(const File&)> file_transferred;
  std::function<void(const ErrorContext&)> error;
  std::function<void(const Progress&, const File&)> progress;
  std::function<void(const AttemptRecord&)> attempt;
  std::function<void(const File&, const std::string& from, const std::string& to,
                     const std::string& reason)>
      failover;
  std::function<void(const std::string& asset, const std::string& message)> warning;
  // Detail for -v: why a file's sources are in the order they are (mirror
  // health). Runs inside add_file(), on the caller's thread.
  std::function<void(const std::string& asset, const std::string& message)> note;
};

// The write-back uploads (sources with "access": "readwrite") a process
// queued: they run in the background, so no fetch waits for them.
struct UploadFailure {
  std::string asset;
  std::string target;  // redacted URL
  std::string reason;
};
struct UploadReport {
  std::vector<UploadFailure> failures;  // since the last wait
  std::size_t unfinished = 0;           // still queued or running at the deadline
  std::size_t succeeded = 0;            // since the last wait (uploaded or already there)
  std::size_t already_there = 0;        // of those, held by the store already: nothing sent
  std::size_t skipped = 0;              // not tried: their store failed earlier in this process
};

class Job {
 public:
  virtual ~Job() = default;
  virtual const std::string& name() const = 0;
  // AddFile / AddFileWithRanges: validated before any request. Returns nullptr
  // and fills `error` (code bad_input) when the spec breaks BITS' rules.
  virtual File* add_file(FileSpec spec, ErrorContext* error) = 0;
  virtual std::vector<File*> files() const = 0;
  virtual void set_callbacks(JobCallbacks cb) = 0;
  virtual JobState state() const = 0;
  virtual Progress progress() const = 0;
  virtual ErrorContext error() const = 0;
  virtual bool resume() = 0;
  virtual bool suspend() = 0;
  // Blocks until transferred, error, cancelled or suspended; or timeout.
  virtual JobState wait(std::optional<std::chrono::milliseconds> timeout = std::nullopt) = 0;
  // Renames every finished file into place. Returns false when some were not
  // finished (only the finished ones become visible, as BITS does).
  virtual bool complete(ErrorContext* error) = 0;
  virtual bool cancel() = 0;
  // Waits up to `limit` for the write-back uploads this process queued (its
  // jobs share one upload queue) and reports those finished since the last
  // wait. A host calls it before it exits, or uploads are cut short.
  virtual UploadReport wait_uploads(std::chrono::milliseconds limit) = 0;
};

std::unique_ptr<Job> create_job(std::string name, JobOptions options);

// The cache directory when none is given: $ASSETFETCH_CACHE_DIR, else
// $XDG_CACHE_HOME/assetfetch, else ~/.cache/assetfetch.
std::filesystem::path default_cache_dir();

}  // namespace assetfetch
