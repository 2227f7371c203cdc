// The C ABI's shared machinery (see c_api_internal.h): the handle registry,
// error saving, the conversions between core and C values, and the copies
// handed out to the caller.
#include "c_api/c_api_internal.h"

namespace af_shim {

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

// --- Handles of files --------------------------------------------------------

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

}  // namespace af_shim
