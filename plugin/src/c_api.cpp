// The C ABI (include/assetfetch/assetfetch.h): a thin shim over the C++ core
// (include/assetfetch/job.h).
//
// Every entry point has the same shape:
//   1. check the handle: in the live registry and with the right magic tag
//      (NULL or stale: AF_E_BAD_HANDLE; debug builds assert on a stale one);
//   2. refuse mutating calls made from inside one of the job's callbacks
//      (AF_E_RECURSIVE_API_CALL);
//   3. inside guarded(): copy the C arguments into C++ values, call the core,
//      and turn the result into an af_code plus a message with save_error().
// guarded() catches everything, so no exception crosses the ABI, and the
// only types that cross it are the C ones of the header.
#include "assetfetch/assetfetch.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "assetfetch/job.h"
#include "assetfetch/types.h"
#include "cache.h"
#include "digest.h"
#include "input_error.h"
#include "range.h"

namespace {

constexpr std::uint32_t kJobMagic = 0xaf10b001u;
constexpr std::uint32_t kFileMagic = 0xaf10f11eu;
constexpr std::uint32_t kDeadMagic = 0xdeadaf00u;

constexpr bool same_text(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}
static_assert(same_text(AF_VERSION_STRING, ASSETFETCH_VERSION_STRING),
              "assetfetch.h AF_VERSION_* must match the project() version in CMakeLists.txt");

}  // namespace

// The opaque handles. The magic tag is the first member (curl's lib/api.h).
struct af_file {
  std::uint32_t magic = kFileMagic;
  af_job* job = nullptr;
  assetfetch::File* file = nullptr;
};

struct af_job {
  std::uint32_t magic = kJobMagic;
  std::unique_ptr<assetfetch::Job> job;

  mutable std::mutex mu;  // guards everything below
  std::vector<std::unique_ptr<af_file>> files;
  std::unordered_map<const assetfetch::File*, af_file*> by_file;
  mutable std::string last_error;
};

namespace {

using assetfetch::ErrorCause;
using assetfetch::ErrorCode;
using assetfetch::ErrorContext;
using assetfetch::JobState;

// --- Handle registry -------------------------------------------------------
// Live handles, so that a stale pointer is detected without reading freed
// memory. Lookup is one short critical section per call.

std::mutex& registry_mutex() {
  static std::mutex mu;
  return mu;
}
std::unordered_set<const void*>& registry() {
  static std::unordered_set<const void*> live;
  return live;
}

void register_handle(const void* h) {
  std::lock_guard lock(registry_mutex());
  registry().insert(h);
}
void unregister_handle(const void* h) {
  std::lock_guard lock(registry_mutex());
  registry().erase(h);
}

template <class Handle>
bool is_live(const Handle* h, std::uint32_t magic) {
  if (h == nullptr) return false;
  bool live = false;
  {
    std::lock_guard lock(registry_mutex());
    live = registry().count(h) != 0;
  }
  live = live && h->magic == magic;
  assert(live && "stale or foreign assetfetch handle");
  return live;
}

// --- Errors ----------------------------------------------------------------

// Messages of failed calls that had no valid job to keep them.
thread_local std::string t_last_error;
// What af_job_last_error_message() returned last on this thread.
thread_local std::string t_message_out;
// The job whose callback this thread is running, if any.
thread_local const af_job* t_callback_job = nullptr;

// Records `message` as the latest failure on `job` (or on this thread when
// `job` is NULL) and returns `code`. Never throws.
af_code save_error(const af_job* job, af_code code, std::string_view message) noexcept {
  try {
    if (job != nullptr) {
      std::lock_guard lock(job->mu);
      job->last_error.assign(message);
    } else {
      t_last_error.assign(message);
    }
  } catch (...) {
    // No memory for the message: the code still says what happened.
  }
  return code;
}

af_code bad_handle(const char* function, const char* what) noexcept {
  try {
    t_last_error = std::string(function) + ": " + what + " is NULL or not a live handle";
  } catch (...) {
    t_last_error.clear();
  }
  return AF_E_BAD_HANDLE;
}

af_code recursive_call(const af_job* job, const char* function) noexcept {
  try {
    return save_error(job, AF_E_RECURSIVE_API_CALL,
                      std::string(function) + " called from inside a callback of the same job; "
                                              "only the getters may be called there");
  } catch (...) {
    return AF_E_RECURSIVE_API_CALL;
  }
}

// Runs `body` and turns any exception into a code and a message.
template <class Body>
af_code guarded(const af_job* job, const char* function, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return save_error(job, AF_E_NOMEM, "out of memory");
  } catch (const assetfetch::InputError& e) {
    return save_error(job, AF_E_INVALID_ARG, e.what());
  } catch (const std::exception& e) {
    try {
      return save_error(job, AF_E_INTERNAL, std::string(function) + ": " + e.what());
    } catch (...) {
      return save_error(job, AF_E_INTERNAL, "internal error");
    }
  } catch (...) {
    return save_error(job, AF_E_INTERNAL, "internal error (unknown exception)");
  }
}

af_code code_for(const ErrorContext& e) {
  switch (e.code) {
    case ErrorCode::ok: return AF_OK;
    case ErrorCode::bad_input:
      return e.cause == ErrorCause::range_invalid ? AF_E_INVALID_RANGE : AF_E_INVALID_ARG;
    case ErrorCode::hash_mismatch: return AF_E_HASH_MISMATCH;
    case ErrorCode::unavailable: return AF_E_UNAVAILABLE;
    case ErrorCode::offline_miss: return AF_E_OFFLINE_MISS;
    case ErrorCode::internal: return AF_E_INTERNAL;
  }
  return AF_E_INTERNAL;
}

af_cause cause_for(ErrorCause c) {
  switch (c) {
    case ErrorCause::none: return AF_CAUSE_NONE;
    case ErrorCause::http_status: return AF_CAUSE_HTTP_STATUS;
    case ErrorCause::transport: return AF_CAUSE_TRANSPORT;
    case ErrorCause::hash_mismatch: return AF_CAUSE_HASH_MISMATCH;
    case ErrorCause::range_unsupported: return AF_CAUSE_RANGE_UNSUPPORTED;
    case ErrorCause::range_invalid: return AF_CAUSE_RANGE_INVALID;
    case ErrorCause::size_mismatch: return AF_CAUSE_SIZE_MISMATCH;
    case ErrorCause::offline_miss: return AF_CAUSE_OFFLINE_MISS;
    case ErrorCause::local_file: return AF_CAUSE_LOCAL_FILE;
  }
  return AF_CAUSE_NONE;
}

af_job_state state_for(JobState s) {
  switch (s) {
    case JobState::queued: return AF_STATE_QUEUED;
    case JobState::connecting: return AF_STATE_CONNECTING;
    case JobState::transferring: return AF_STATE_TRANSFERRING;
    case JobState::suspended: return AF_STATE_SUSPENDED;
    case JobState::error: return AF_STATE_ERROR;
    case JobState::transient_error: return AF_STATE_TRANSIENT_ERROR;
    case JobState::transferred: return AF_STATE_TRANSFERRED;
    case JobState::acknowledged: return AF_STATE_ACKNOWLEDGED;
    case JobState::cancelled: return AF_STATE_CANCELLED;
  }
  return AF_STATE_ERROR;
}

// Failure message for an ErrorContext: its message, else a generic one.
std::string message_of(const ErrorContext& e, const char* fallback) {
  return e.message.empty() ? std::string(fallback) : e.message;
}

// --- Copies out to the caller ----------------------------------------------

// malloc-ed copy; af_free() releases it.
char* copy_string(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

void copy_ranges(const std::vector<assetfetch::ByteRange>& in, af_range** out, size_t* count) {
  af_range* p = nullptr;
  if (!in.empty()) {
    p = static_cast<af_range*>(std::malloc(in.size() * sizeof(af_range)));
    if (p == nullptr) throw std::bad_alloc();
    for (std::size_t i = 0; i < in.size(); ++i) {
      p[i].offset = in[i].offset;
      p[i].length = in[i].length;
    }
  }
  *out = p;
  *count = in.size();
}

// One allocation: the struct, then its three strings.
af_error_info* copy_error(const ErrorContext& e) {
  const std::size_t header = sizeof(af_error_info);
  const std::size_t size = header + e.file.size() + 1 + e.url.size() + 1 + e.message.size() + 1;
  auto* block = static_cast<char*>(std::malloc(size));
  if (block == nullptr) throw std::bad_alloc();
  char* file = block + header;
  char* url = file + e.file.size() + 1;
  char* message = url + e.url.size() + 1;
  std::memcpy(file, e.file.c_str(), e.file.size() + 1);
  std::memcpy(url, e.url.c_str(), e.url.size() + 1);
  std::memcpy(message, e.message.c_str(), e.message.size() + 1);
  auto* info = reinterpret_cast<af_error_info*>(block);
  info->struct_size = sizeof(af_error_info);
  info->code = code_for(e);
  info->cause = cause_for(e.cause);
  info->http_status = e.http_status;
  info->file = file;
  info->url = url;
  info->message = message;
  return info;
}

af_progress to_c(const assetfetch::Progress& p) {
  af_progress out{};
  out.struct_size = sizeof(af_progress);
  out.bytes_total = p.bytes_total_known ? p.bytes_total : 0;
  out.bytes_total_known = p.bytes_total_known ? 1 : 0;
  out.bytes_transferred = p.bytes_transferred;
  out.files_total = p.files_total;
  out.files_transferred = p.files_transferred;
  return out;
}

// Writes the fields of `p` that fit in the caller's struct_size.
af_code write_progress(const af_job* job, const assetfetch::Progress& p, af_progress* out) {
  const std::size_t caller_size = out->struct_size;
  if (caller_size < sizeof(af_progress))
    return save_error(job, AF_E_INVALID_ARG,
                      "af_progress.struct_size is smaller than any af_progress; set it to "
                      "sizeof(af_progress)");
  af_progress c = to_c(p);
  std::memcpy(out, &c, sizeof c);
  out->struct_size = caller_size;
  return AF_OK;
}

// --- Versioned structs in --------------------------------------------------

// Copies a caller's struct of `caller_size` bytes into `*ours` (already
// holding defaults). Returns false when the caller's struct is larger than
// ours and its extra bytes are not all zero (fields this library lacks).
template <class T>
bool read_sized(const T* theirs, T* ours, std::string* why) {
  const std::size_t caller_size = theirs->struct_size;
  if (caller_size < sizeof(std::size_t)) {
    *why = "struct_size is 0; set it to sizeof the struct";
    return false;
  }
  if (caller_size > sizeof(T)) {
    const auto* extra = reinterpret_cast<const unsigned char*>(theirs) + sizeof(T);
    for (std::size_t i = 0; i < caller_size - sizeof(T); ++i) {
      if (extra[i] != 0) {
        *why = "struct_size " + std::to_string(caller_size) +
               " includes fields this library (" ASSETFETCH_VERSION_STRING
               ") does not know, and they are set";
        return false;
      }
    }
  }
  // Field by field would be the same: copy the prefix the caller has.
  std::memcpy(static_cast<void*>(ours), theirs, std::min(caller_size, sizeof(T)));
  ours->struct_size = sizeof(T);
  return true;
}

// --- Callbacks -------------------------------------------------------------

class CallbackScope {
 public:
  explicit CallbackScope(const af_job* job) : saved_(t_callback_job) { t_callback_job = job; }
  ~CallbackScope() { t_callback_job = saved_; }
  CallbackScope(const CallbackScope&) = delete;
  CallbackScope& operator=(const CallbackScope&) = delete;

 private:
  const af_job* saved_;
};

bool in_own_callback(const af_job* job) { return t_callback_job == job; }

// The af_file wrapping `f`, created on first sight (files restored from an
// earlier process). Caller holds job->mu, and must not call into the core
// while holding it (lock order: the core's lock, then mu).
af_file* wrap_locked(af_job* job, assetfetch::File* f) {
  if (auto it = job->by_file.find(f); it != job->by_file.end()) return it->second;
  auto w = std::make_unique<af_file>();
  w->job = job;
  w->file = f;
  af_file* raw = w.get();
  job->files.push_back(std::move(w));
  job->by_file.emplace(f, raw);
  register_handle(raw);
  return raw;
}

// For callbacks, which see a const File&.
af_file* find_file(af_job* job, const assetfetch::File& f) {
  {
    std::lock_guard lock(job->mu);
    if (auto it = job->by_file.find(&f); it != job->by_file.end()) return it->second;
  }
  for (assetfetch::File* candidate : job->job->files()) {
    if (candidate == &f) {
      std::lock_guard lock(job->mu);
      return wrap_locked(job, candidate);
    }
  }
  return nullptr;
}

// C callbacks as the core's std::function callbacks (leveldb_comparator_t's
// pattern). Exceptions (only bad_alloc is possible here) are dropped: they
// must not unwind into the transfer thread.
assetfetch::JobCallbacks adapt(af_job* job, const af_callbacks& c, void* user_data) {
  assetfetch::JobCallbacks cb;
  if (c.transferred != nullptr) {
    cb.file_transferred = [job, fn = c.transferred, user_data](const assetfetch::File& f) {
      try {
        af_file* file = find_file(job, f);
        CallbackScope scope(job);
        fn(job, file, user_data);
      } catch (...) {
      }
    };
  }
  if (c.error != nullptr) {
    cb.error = [job, fn = c.error, user_data](const ErrorContext& e) {
      try {
        af_error_info info{};
        info.struct_size = sizeof info;
        info.code = code_for(e);
        info.cause = cause_for(e.cause);
        info.http_status = e.http_status;
        info.file = e.file.c_str();
        info.url = e.url.c_str();
        info.message = e.message.c_str();
        CallbackScope scope(job);
        fn(job, &info, user_data);
      } catch (...) {
      }
    };
  }
  if (c.progress != nullptr) {
    cb.progress = [job, fn = c.progress, user_data](const assetfetch::Progress& p,
                                                     const assetfetch::File& f) {
      try {
        af_file* file = find_file(job, f);
        const af_progress progress = to_c(p);
        CallbackScope scope(job);
        fn(job, file, &progress, user_data);
      } catch (...) {
      }
    };
  }
  return cb;
}

// --- Argument checks -------------------------------------------------------

bool refuses_changes(JobState s) { return s == JobState::cancelled || s == JobState::acknowledged; }

std::string check_url(const char* url, const char* what) {
  if (url == nullptr) return std::string(what) + " is NULL";
  const std::size_t n = std::strlen(url);
  if (n == 0) return std::string(what) + " is empty";
  if (n > AF_MAX_URL_LENGTH)
    return std::string(what) + " is " + std::to_string(n) + " characters long; at most " +
           std::to_string(AF_MAX_URL_LENGTH) + " are allowed";
  return {};
}

af_code range_code(assetfetch::RangeProblem p) {
  switch (p) {
    case assetfetch::RangeProblem::none: return AF_OK;
    case assetfetch::RangeProblem::no_ranges: return AF_E_INVALID_ARG;
    case assetfetch::RangeProblem::eof_offset: return AF_E_INVALID_RANGE;
    case assetfetch::RangeProblem::zero_length: return AF_E_INVALID_RANGE;
    case assetfetch::RangeProblem::overlapping: return AF_E_OVERLAPPING_RANGES;
    case assetfetch::RangeProblem::too_many: return AF_E_TOO_MANY_RANGES;
  }
  return AF_E_INVALID_ARG;
}

af_code add_file(af_job* job, const char* function, const char* const* urls, size_t n_urls,
                 const char* local_path, const char* hash_algo, const char* hash_hex,
                 const af_range* ranges, size_t n_ranges, bool ranges_given, af_file** out) {
  if (!is_live(job, kJobMagic)) return bad_handle(function, "job");
  if (in_own_callback(job)) return recursive_call(job, function);
  return guarded(job, function, [&]() -> af_code {
    const std::string fn(function);
    if (urls == nullptr || n_urls == 0)
      return save_error(job, AF_E_INVALID_ARG, fn + ": give at least one URL");
    if (local_path == nullptr || *local_path == '\0')
      return save_error(job, AF_E_INVALID_ARG, fn + ": local_path is NULL or empty");
    if (hash_algo == nullptr || hash_hex == nullptr)
      return save_error(job, AF_E_INVALID_ARG,
                        fn + ": hash_algo and hash_hex are required (\"sha256\" or \"sha512\")");
    if (ranges_given && ranges == nullptr && n_ranges != 0)
      return save_error(job, AF_E_INVALID_ARG, fn + ": ranges is NULL but n_ranges is not 0");

    assetfetch::FileSpec spec;
    for (size_t i = 0; i < n_urls; ++i) {
      const std::string what = "urls[" + std::to_string(i) + "]";
      if (std::string why = check_url(urls[i], what.c_str()); !why.empty())
        return save_error(job, AF_E_INVALID_ARG, fn + ": " + why);
      assetfetch::Candidate c;
      c.url = urls[i];
      c.kind = assetfetch::CandidateKind::origin;
      spec.candidates.push_back(std::move(c));
    }

    std::string algorithm_name(hash_algo);
    for (char& ch : algorithm_name)
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    const auto algorithm = assetfetch::parse_algorithm(algorithm_name);
    if (!algorithm)
      return save_error(job, AF_E_INVALID_ARG,
                        fn + ": unknown hash algorithm '" + hash_algo +
                            "'; use \"sha256\" or \"sha512\"");
    spec.digest = assetfetch::parse_digest(*algorithm, hash_hex, fn + " hash_hex");

    if (ranges_given) {
      for (size_t i = 0; i < n_ranges; ++i) {
        assetfetch::ByteRange r;
        r.offset = ranges[i].offset;
        r.length = ranges[i].length;
        spec.ranges.push_back(r);
      }
      spec.ranges_given = true;
      // BITS' AddFileWithRanges rules, checked here too so each problem gets
      // its own code (the core reports them all as bad input).
      const assetfetch::RangeCheck check = assetfetch::validate_ranges(spec.ranges, true);
      if (check.problem != assetfetch::RangeProblem::none)
        return save_error(job, range_code(check.problem), fn + ": " + check.message);
    }

    spec.local_name = std::filesystem::absolute(std::filesystem::path(local_path));
    spec.name = spec.local_name.filename().string();
    if (spec.name.empty())
      return save_error(job, AF_E_INVALID_ARG,
                        fn + ": local_path '" + local_path + "' names a directory, not a file");

    if (refuses_changes(job->job->state()))
      return save_error(job, AF_E_STATE,
                        fn + ": the job is " + assetfetch::state_name(job->job->state()) +
                            " and takes no new files");

    ErrorContext error;
    assetfetch::File* f = job->job->add_file(std::move(spec), &error);
    if (f == nullptr) {
      af_code code = code_for(error);
      if (code == AF_OK) code = AF_E_INVALID_ARG;
      return save_error(job, code, fn + ": " + message_of(error, "the file was refused"));
    }
    af_file* wrapped = nullptr;
    {
      std::lock_guard lock(job->mu);
      wrapped = wrap_locked(job, f);
    }
    if (out != nullptr) *out = wrapped;
    return AF_OK;
  });
}

af_code ranges_out(const af_file* file, const char* function, af_range** ranges, size_t* count,
                   bool filled) {
  if (!is_live(file, kFileMagic)) return bad_handle(function, "file");
  const af_job* job = file->job;
  return guarded(job, function, [&]() -> af_code {
    if (ranges == nullptr || count == nullptr)
      return save_error(job, AF_E_INVALID_ARG, std::string(function) + ": ranges or count is NULL");
    copy_ranges(filled ? file->file->filled_ranges() : file->file->ranges(), ranges, count);
    return AF_OK;
  });
}

af_code error_out(const ErrorContext& e, af_error_info** out) {
  *out = copy_error(e);
  return AF_OK;
}

bool is_resting(JobState s) {
  switch (s) {
    case JobState::transferred:
    case JobState::error:
    case JobState::suspended:
    case JobState::cancelled:
    case JobState::acknowledged: return true;
    case JobState::queued:
    case JobState::connecting:
    case JobState::transferring:
    case JobState::transient_error: return false;
  }
  return false;
}

}  // namespace

extern "C" {

// --- Library -----------------------------------------------------------------

AF_API const char* af_version(void) { return ASSETFETCH_VERSION_STRING; }

AF_API const char* af_strerror(af_code code) {
  switch (code) {
    case AF_OK: return "no error";
    case AF_E_BAD_HANDLE: return "NULL, destroyed or foreign handle";
    case AF_E_INVALID_ARG: return "invalid argument";
    case AF_E_INVALID_RANGE: return "invalid byte range";
    case AF_E_OVERLAPPING_RANGES: return "byte ranges overlap or share an offset";
    case AF_E_TOO_MANY_RANGES: return "too many byte ranges for one file";
    case AF_E_HASH_MISMATCH: return "hash mismatch on every candidate";
    case AF_E_UNAVAILABLE: return "not found or unreachable on every candidate";
    case AF_E_OFFLINE_MISS: return "offline and not available locally";
    case AF_E_STATE: return "not allowed in the job's current state";
    case AF_E_NOT_FINISHED: return "some files of the job are not finished";
    case AF_E_TIMEOUT: return "timed out";
    case AF_E_RECURSIVE_API_CALL: return "call on a job from inside its own callback";
    case AF_E_NOMEM: return "out of memory";
    case AF_E_INTERNAL: return "internal error";
    case AF_E_LAST: break;
  }
  return "unknown error code";
}

AF_API const char* af_state_name(af_job_state state) {
  switch (state) {
    case AF_STATE_QUEUED: return "queued";
    case AF_STATE_CONNECTING: return "connecting";
    case AF_STATE_TRANSFERRING: return "transferring";
    case AF_STATE_SUSPENDED: return "suspended";
    case AF_STATE_ERROR: return "error";
    case AF_STATE_TRANSIENT_ERROR: return "transient_error";
    case AF_STATE_TRANSFERRED: return "transferred";
    case AF_STATE_ACKNOWLEDGED: return "acknowledged";
    case AF_STATE_CANCELLED: return "cancelled";
    case AF_STATE_LAST: break;
  }
  return "unknown";
}

AF_API const char* af_cause_name(af_cause cause) {
  switch (cause) {
    case AF_CAUSE_NONE: return "none";
    case AF_CAUSE_HTTP_STATUS: return "http_status";
    case AF_CAUSE_TRANSPORT: return "transport";
    case AF_CAUSE_HASH_MISMATCH: return "hash_mismatch";
    case AF_CAUSE_RANGE_UNSUPPORTED: return "range_unsupported";
    case AF_CAUSE_RANGE_INVALID: return "range_invalid";
    case AF_CAUSE_SIZE_MISMATCH: return "size_mismatch";
    case AF_CAUSE_OFFLINE_MISS: return "offline_miss";
    case AF_CAUSE_LOCAL_FILE: return "local_file";
    case AF_CAUSE_LAST: break;
  }
  return "unknown";
}

AF_API void af_free(void* ptr) { std::free(ptr); }

// --- Jobs --------------------------------------------------------------------

AF_API void af_job_options_init(af_job_options* options) {
  if (options == nullptr) return;
  const assetfetch::JobOptions d;
  *options = af_job_options{};
  options->struct_size = sizeof(af_job_options);
  options->cache_dir = nullptr;
  options->offline = d.offline ? 1 : 0;
  options->retry_attempts = d.retry.attempts;
  options->backoff_ms = static_cast<unsigned long>(d.retry.backoff.count());
  options->no_progress_timeout_s = static_cast<unsigned long>(d.retry.no_progress_timeout.count());
  options->tls_verify = d.tls.verify ? 1 : 0;
  options->ca_file = nullptr;
  options->max_parallel_files = d.max_parallel_files;
}

AF_API af_code af_job_create(const char* name, const af_job_options* options, af_job** out) {
  static constexpr const char* fn = "af_job_create";
  return guarded(nullptr, fn, [&]() -> af_code {
    const std::string f(fn);
    if (out == nullptr) return save_error(nullptr, AF_E_INVALID_ARG, f + ": job is NULL");
    if (name == nullptr || *name == '\0')
      return save_error(nullptr, AF_E_INVALID_ARG, f + ": name is NULL or empty");
    const std::string_view n(name);
    if (n == "." || n == ".." || n.find('/') != std::string_view::npos ||
        n.find('\\') != std::string_view::npos)
      return save_error(nullptr, AF_E_INVALID_ARG,
                        f + ": job name '" + name + "' may not be '.', '..' or contain a slash");

    af_job_options o;
    af_job_options_init(&o);
    if (options != nullptr) {
      std::string why;
      if (!read_sized(options, &o, &why))
        return save_error(nullptr, AF_E_INVALID_ARG, f + ": af_job_options: " + why);
    }
    if (o.retry_attempts < 0)
      return save_error(nullptr, AF_E_INVALID_ARG, f + ": retry_attempts may not be negative");
    if (o.max_parallel_files < 1)
      return save_error(nullptr, AF_E_INVALID_ARG, f + ": max_parallel_files must be at least 1");

    assetfetch::JobOptions jo;
    jo.cache_dir = o.cache_dir != nullptr ? std::filesystem::path(o.cache_dir)
                                          : assetfetch::Cache::default_root();
    const char* env_offline = std::getenv("ASSETFETCH_OFFLINE");
    jo.offline = o.offline != 0 || (env_offline != nullptr && std::string_view(env_offline) == "1");
    jo.retry.attempts = o.retry_attempts;
    jo.retry.backoff = std::chrono::milliseconds(o.backoff_ms);
    jo.retry.no_progress_timeout = std::chrono::seconds(o.no_progress_timeout_s);
    jo.tls.verify = o.tls_verify != 0;
    jo.tls.ca_file = o.ca_file != nullptr ? o.ca_file : "";
    jo.max_parallel_files = o.max_parallel_files;

    auto handle = std::make_unique<af_job>();
    handle->job = assetfetch::create_job(name, std::move(jo));
    if (!handle->job)
      return save_error(nullptr, AF_E_INTERNAL, f + ": the job '" + name + "' was not created");
    {
      // Never call into the core while holding mu: the core holds its own
      // lock while it runs callbacks, and they take mu (find_file).
      const std::vector<assetfetch::File*> restored = handle->job->files();
      std::lock_guard lock(handle->mu);
      for (assetfetch::File* file : restored) wrap_locked(handle.get(), file);
    }
    register_handle(handle.get());
    *out = handle.release();
    return AF_OK;
  });
}

AF_API af_code af_job_destroy(af_job* job) {
  static constexpr const char* fn = "af_job_destroy";
  if (!is_live(job, kJobMagic)) return bad_handle(fn, "job");
  if (in_own_callback(job)) return recursive_call(job, fn);
  unregister_handle(job);
  {
    std::lock_guard lock(job->mu);
    for (auto& f : job->files) unregister_handle(f.get());
  }
  try {
    job->job.reset();  // stops the transfers; callbacks may run until then
  } catch (...) {
    // A destructor that throws would be a bug in the core; the handle goes anyway.
  }
  for (auto& f : job->files) f->magic = kDeadMagic;
  job->magic = kDeadMagic;
  delete job;
  return AF_OK;
}

AF_API af_code af_job_add_file(af_job* job, const char* const* urls, size_t n_urls,
                               const char* local_path, const char* hash_algo,
                               const char* hash_hex, af_file** file) {
  return add_file(job, "af_job_add_file", urls, n_urls, local_path, hash_algo, hash_hex, nullptr,
                  0, false, file);
}

AF_API af_code af_job_add_file_with_ranges(af_job* job, const char* const* urls, size_t n_urls,
                                           const char* local_path, const char* hash_algo,
                                           const char* hash_hex, const af_range* ranges,
                                           size_t n_ranges, af_file** file) {
  return add_file(job, "af_job_add_file_with_ranges", urls, n_urls, local_path, hash_algo,
                  hash_hex, ranges, n_ranges, true, file);
}

AF_API af_code af_job_get_file_count(const af_job* job, size_t* count) {
  static constexpr const char* fn = "af_job_get_file_count";
  if (!is_live(job, kJobMagic)) return bad_handle(fn, "job");
  return guarded(job, fn, [&]() -> af_code {
    if (count == nullptr) return save_error(job, AF_E_INVALID_ARG, std::string(fn) + ": count is NULL");
    *count = job->job->files().size();
    return AF_OK;
  });
}

AF_API af_code af_job_get_file(const af_job* job, size_t index, af_file** file) {
  static constexpr const char* fn = "af_job_get_file";
  if (!is_live(job, kJobMagic)) return bad_handle(fn, "job");
  return guarded(job, fn, [&]() -> af_code {
    if (file == nullptr) return save_error(job, AF_E_INVALID_ARG, std::string(fn) + ": file is NULL");
    const std::vector<assetfetch::File*> files = job->job->files();
    if (index >= files.size())
      return save_error(job, AF_E_INVALID_ARG,
                        std::string(fn) + ": index " + std::to_string(index) + " is past the " +
                            std::to_string(files.size()) + " files of the job");
    // The handle is the caller's, so the wrapper map may grow here.
    af_job* mutable_job = const_cast<af_job*>(job);
    std::lock_guard lock(job->mu);
    *file = wrap_locked(mutable_job, files[index]);
    return AF_OK;
  });
}

AF_API af_code af_job_set_callbacks(af_job* job, const af_callbacks* callbacks, void* user_data) {
  static constexpr const char* fn = "af_job_set_callbacks";
  if (!is_live(job, kJobMagic)) return bad_handle(fn, "job");
  if (in_own_callback(job)) return recursive_call(job, fn);
  return guarded(job, fn, [&]() -> af_code {
    af_callbacks c{};
    c.struct_size = sizeof c;
    if (callbacks != nullptr) {
      std::string why;
      if (!read_sized(callbacks, &c, &why))
        return save_error(job, AF_E_INVALID_ARG, std::string(fn) + ": af_callbacks: " + why);
    }
    job->job->set_callbacks(adapt(job, c, user_data));
    return AF_OK;
  });
}

AF_API af_code af_job_resume(af_job* job) {
  static constexpr const char* fn = "af_job_resume";
  if (!is_live(job, kJobMagic)) return bad_handle(fn, "job");
  if (in_own_callback(job)) return recursive_call(job, fn);
  return guarded(job, fn, [&]() -> af_code {
    if (!job->job->resume())
      return save_error(job, AF_E_STATE,
                        std::string(fn) + ": a " + assetfetch::state_name(job->job->state()) +
                            " job cannot be resumed");
    return AF_OK;
  });
}

AF_API af_code af_job_suspend(af_job* job) {
  static constexpr const char* fn = "af_job_suspend";
  if (!is_live(job, kJobMagic)) return bad_handle(fn, "job");
  if (in_own_callback(job)) return recursive_call(job, fn);
  return guarded(job, fn, [&]() -> af_code {
    if (!job->job->suspend())
      return save_error(job, AF_E_STATE,
                        std::string(fn) + ": a " + assetfetch::state_name(job->job->state()) +
                            " job cannot be suspended");
    return AF_OK;
  });
}

AF_API af_code af_job_wait(af_job* job, long timeout_ms, af_job_state* state) {
  static constexpr const char* fn = "af_job_wait";
  if (!is_live(job, kJobMagic)) return bad_handle(fn, "job");
  if (in_own_callback(job)) return recursive_call(job, fn);
  return guarded(job, fn, [&]() -> af_code {
    std::optional<std::chrono::milliseconds> timeout;
    if (timeout_ms >= 0) timeout = std::chrono::milliseconds(timeout_ms);
    const JobState s = job->job->wait(timeout);
    if (state != nullptr) *state = state_for(s);
    if (!is_resting(s))
      return save_error(job, AF_E_TIMEOUT,
                        std::string(fn) + ": still " + assetfetch::state_name(s) + " after " +
                            std::to_string(timeout_ms) + " ms");
    return AF_OK;
  });
}

AF_API af_code af_job_complete(af_job* job) {
  static constexpr const char* fn = "af_job_complete";
  if (!is_live(job, kJobMagic)) return bad_handle(fn, "job");
  if (in_own_callback(job)) return recursive_call(job, fn);
  return guarded(job, fn, [&]() -> af_code {
    const JobState before = job->job->state();
    if (refuses_changes(before))
      return save_error(job, AF_E_STATE,
                        std::string(fn) + ": the job is already " + assetfetch::state_name(before));
    ErrorContext error;
    if (job->job->complete(&error)) return AF_OK;
    std::size_t unfinished = 0;
    for (const assetfetch::File* f : job->job->files())
      if (!f->completed()) ++unfinished;
    if (unfinished != 0)
      return save_error(job, AF_E_NOT_FINISHED,
                        std::string(fn) + ": " + std::to_string(unfinished) +
                            " file(s) not finished; the finished ones were completed" +
                            (error.message.empty() ? "" : ": " + error.message));
    af_code code = code_for(error);
    if (code == AF_OK) code = AF_E_INTERNAL;
    return save_error(job, code, std::string(fn) + ": " + message_of(error, "complete failed"));
  });
}

AF_API af_code af_job_cancel(af_job* job) {
  static constexpr const char* fn = "af_job_cancel";
  if (!is_live(job, kJobMagic)) return bad_handle(fn, "job");
  if (in_own_callback(job)) return recursive_call(job, fn);
  return guarded(job, fn, [&]() -> af_code {
    const JobState before = job->job->state();
    if (refuses_changes(before) || !job->job->cancel())
      return save_error(job, AF_E_STATE,
                        std::string(fn) + ": the job is already " +
                            assetfetch::state_name(job->job->state()));
    return AF_OK;
  });
}

AF_API af_code af_job_get_state(const af_job* job, af_job_state* state) {
  static constexpr const char* fn = "af_job_get_state";
  if (!is_live(job, kJobMagic)) return bad_handle(fn, "job");
  return guarded(job, fn, [&]() -> af_code {
    if (state == nullptr) return save_error(job, AF_E_INVALID_ARG, std::string(fn) + ": state is NULL");
    *state = state_for(job->job->state());
    return AF_OK;
  });
}

AF_API af_code af_job_get_progress(const af_job* job, af_progress* progress) {
  static constexpr const char* fn = "af_job_get_progress";
  if (!is_live(job, kJobMagic)) return bad_handle(fn, "job");
  return guarded(job, fn, [&]() -> af_code {
    if (progress == nullptr)
      return save_error(job, AF_E_INVALID_ARG, std::string(fn) + ": progress is NULL");
    return write_progress(job, job->job->progress(), progress);
  });
}

AF_API af_code af_job_get_error(const af_job* job, af_error_info** error) {
  static constexpr const char* fn = "af_job_get_error";
  if (!is_live(job, kJobMagic)) return bad_handle(fn, "job");
  return guarded(job, fn, [&]() -> af_code {
    if (error == nullptr) return save_error(job, AF_E_INVALID_ARG, std::string(fn) + ": error is NULL");
    return error_out(job->job->error(), error);
  });
}

AF_API const char* af_job_last_error_message(const af_job* job) {
  try {
    if (job == nullptr) {
      t_message_out = t_last_error;
    } else {
      if (!is_live(job, kJobMagic)) return "af_job_last_error_message: not a live job handle";
      std::lock_guard lock(job->mu);
      t_message_out = job->last_error;
    }
    return t_message_out.c_str();
  } catch (...) {
    return "";
  }
}

// --- Files -------------------------------------------------------------------

AF_API af_code af_file_set_remote_name(af_file* file, const char* url) {
  static constexpr const char* fn = "af_file_set_remote_name";
  if (!is_live(file, kFileMagic)) return bad_handle(fn, "file");
  af_job* job = file->job;
  if (in_own_callback(job)) return recursive_call(job, fn);
  return guarded(job, fn, [&]() -> af_code {
    if (std::string why = check_url(url, "url"); !why.empty())
      return save_error(job, AF_E_INVALID_ARG, std::string(fn) + ": " + why);
    const JobState s = job->job->state();
    if (refuses_changes(s))
      return save_error(job, AF_E_STATE,
                        std::string(fn) + ": the job is " + assetfetch::state_name(s) +
                            "; its files' URLs can no longer change");
    std::string error;
    if (!file->file->set_remote_name(url, &error)) {
      const JobState now = job->job->state();
      return save_error(job, refuses_changes(now) ? AF_E_STATE : AF_E_INVALID_ARG,
                        std::string(fn) + ": " + (error.empty() ? "refused" : error));
    }
    return AF_OK;
  });
}

AF_API af_code af_file_get_remote_name(const af_file* file, char** url) {
  static constexpr const char* fn = "af_file_get_remote_name";
  if (!is_live(file, kFileMagic)) return bad_handle(fn, "file");
  const af_job* job = file->job;
  return guarded(job, fn, [&]() -> af_code {
    if (url == nullptr) return save_error(job, AF_E_INVALID_ARG, std::string(fn) + ": url is NULL");
    *url = copy_string(file->file->remote_name());
    return AF_OK;
  });
}

AF_API af_code af_file_get_local_name(const af_file* file, char** path) {
  static constexpr const char* fn = "af_file_get_local_name";
  if (!is_live(file, kFileMagic)) return bad_handle(fn, "file");
  const af_job* job = file->job;
  return guarded(job, fn, [&]() -> af_code {
    if (path == nullptr) return save_error(job, AF_E_INVALID_ARG, std::string(fn) + ": path is NULL");
    *path = copy_string(file->file->spec().local_name.string());
    return AF_OK;
  });
}

AF_API af_code af_file_get_ranges(const af_file* file, af_range** ranges, size_t* count) {
  return ranges_out(file, "af_file_get_ranges", ranges, count, false);
}

AF_API af_code af_file_get_filled_ranges(const af_file* file, af_range** ranges, size_t* count) {
  return ranges_out(file, "af_file_get_filled_ranges", ranges, count, true);
}

AF_API af_code af_file_get_progress(const af_file* file, af_progress* progress) {
  static constexpr const char* fn = "af_file_get_progress";
  if (!is_live(file, kFileMagic)) return bad_handle(fn, "file");
  const af_job* job = file->job;
  return guarded(job, fn, [&]() -> af_code {
    if (progress == nullptr)
      return save_error(job, AF_E_INVALID_ARG, std::string(fn) + ": progress is NULL");
    return write_progress(job, file->file->progress(), progress);
  });
}

AF_API af_code af_file_is_completed(const af_file* file, int* completed) {
  static constexpr const char* fn = "af_file_is_completed";
  if (!is_live(file, kFileMagic)) return bad_handle(fn, "file");
  const af_job* job = file->job;
  return guarded(job, fn, [&]() -> af_code {
    if (completed == nullptr)
      return save_error(job, AF_E_INVALID_ARG, std::string(fn) + ": completed is NULL");
    *completed = file->file->completed() ? 1 : 0;
    return AF_OK;
  });
}

AF_API af_code af_file_get_error(const af_file* file, af_error_info** error) {
  static constexpr const char* fn = "af_file_get_error";
  if (!is_live(file, kFileMagic)) return bad_handle(fn, "file");
  const af_job* job = file->job;
  return guarded(job, fn, [&]() -> af_code {
    if (error == nullptr) return save_error(job, AF_E_INVALID_ARG, std::string(fn) + ": error is NULL");
    return error_out(file->file->error(), error);
  });
}

// --- Function table ----------------------------------------------------------

AF_API const af_api_v1* af_get_api(unsigned abi_version) {
  // Fields in declaration order; new ones are only appended (see the header).
  static const af_api_v1 v1 = {
      sizeof(af_api_v1),
      af_version,
      af_strerror,
      af_state_name,
      af_cause_name,
      af_free,
      af_job_options_init,
      af_job_create,
      af_job_destroy,
      af_job_add_file,
      af_job_add_file_with_ranges,
      af_job_get_file_count,
      af_job_get_file,
      af_job_set_callbacks,
      af_job_resume,
      af_job_suspend,
      af_job_wait,
      af_job_complete,
      af_job_cancel,
      af_job_get_state,
      af_job_get_progress,
      af_job_get_error,
      af_job_last_error_message,
      af_file_set_remote_name,
      af_file_get_remote_name,
      af_file_get_local_name,
      af_file_get_ranges,
      af_file_get_filled_ranges,
      af_file_get_progress,
      af_file_is_completed,
      af_file_get_error,
  };
  return abi_version == AF_ABI_VERSION_1 ? &v1 : nullptr;
}

}  // extern "C"
