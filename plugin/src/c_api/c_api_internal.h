// Internals shared by the C ABI's source files (c_api*.cpp): the opaque
// handles, the handle registry, error saving and the guarded() wrapper, and
// the copies between C and C++ values. Not installed; not part of the ABI.
#pragma once

#include "assetfetch/assetfetch.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
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
#include "config/config.h"
#include "core/resolve_options.h"
#include "base/digest.h"
#include "base/input_error.h"
#include "base/job_name.h"
#include "base/range.h"

namespace af_shim {

inline constexpr std::uint32_t kJobMagic = 0xaf10b001u;
inline constexpr std::uint32_t kFileMagic = 0xaf10f11eu;
inline constexpr std::uint32_t kDeadMagic = 0xdeadaf00u;

}  // namespace af_shim

// The opaque handles. The magic tag is the first member (curl's lib/api.h).
struct af_file {
  std::uint32_t magic = af_shim::kFileMagic;
  af_job* job = nullptr;
  assetfetch::File* file = nullptr;
};

struct af_job {
  std::uint32_t magic = af_shim::kJobMagic;
  std::unique_ptr<assetfetch::Job> job;
  // From af_job_options; fixed at creation, so read without mu.
  bool allow_unverified = false;

  mutable std::mutex mu;  // guards everything below
  // The adapted warning callback, for af_job_wait_uploads (called without mu).
  std::function<void(const std::string&, const std::string&)> warning;
  // Said once, through `warning`, when the job is first resumed: the config's
  // stores left out for lack of credentials (the CLI prints them at its start).
  std::vector<std::string> pending_warnings;
  std::vector<std::unique_ptr<af_file>> files;
  std::unordered_map<const assetfetch::File*, af_file*> by_file;
  mutable std::string last_error;
};

namespace af_shim {

using assetfetch::ErrorCause;
using assetfetch::ErrorCode;
using assetfetch::ErrorContext;
using assetfetch::JobState;

// The job whose callback this thread is running, if any.
extern thread_local const af_job* t_callback_job;
// Messages of failed calls that had no valid job to keep them.
extern thread_local std::string t_last_error;
// What af_job_last_error_message() returned last on this thread.
extern thread_local std::string t_message_out;

// --- c_api_support.cpp: registry, errors, conversions, copies out ----------

std::mutex& registry_mutex();
std::unordered_set<const void*>& registry();
void register_handle(const void* h);
void unregister_handle(const void* h);

// Records `message` as the latest failure on `job` (or on this thread when
// `job` is NULL) and returns `code`.
af_code save_error(const af_job* job, af_code code, std::string_view message) noexcept;
af_code bad_handle(const char* function, const char* what) noexcept;
af_code recursive_call(const af_job* job, const char* function) noexcept;

af_code code_for(const ErrorContext& e);
af_cause cause_for(ErrorCause c);
af_job_state state_for(JobState s);
// Failure message for an ErrorContext: its message, else `fallback`.
std::string message_of(const ErrorContext& e, const char* fallback);
bool is_resting(JobState s);  // what af_job_wait() waits for
inline bool refuses_changes(JobState s) {
  return s == JobState::cancelled || s == JobState::acknowledged;
}

// malloc-ed copies, released by af_free().
char* copy_string(const std::string& s);
void copy_ranges(const std::vector<assetfetch::ByteRange>& in, af_range** out, size_t* count);
af_error_info* copy_error(const ErrorContext& e);
af_code error_out(const ErrorContext& e, af_error_info** out);
af_progress to_c(const assetfetch::Progress& p);
// Writes the fields of `p` that fit in the caller's struct_size.
af_code write_progress(const af_job* job, const assetfetch::Progress& p, af_progress* out);

inline bool in_own_callback(const af_job* job) { return t_callback_job == job; }

// The af_file wrapping `f`, created on first sight (files restored from an
// earlier process). Caller holds job->mu, and must not call into the core
// while holding it (lock order: the core's lock, then mu).
af_file* wrap_locked(af_job* job, assetfetch::File* f);
// The same for callbacks, which see a const File&; takes job->mu itself.
af_file* find_file(af_job* job, const assetfetch::File& f);

// --- c_api_options.cpp -----------------------------------------------------

// What af_job_create() makes of a caller's af_job_options (may be NULL:
// defaults): the core's JobOptions plus what the shim keeps in af_job.
struct JobSettings {
  assetfetch::JobOptions job;  // its source policy included (the mirror config)
  bool allow_unverified = false;
  std::vector<std::string> warnings;  // stores left out for lack of credentials
  // Config "service", $ASSETFETCH_SERVICE: auto prefetches through the
  // background service (service/service_prefetch.h).
  assetfetch::ServiceMode service = assetfetch::ServiceMode::off;
};
// `f` names the calling function in messages. Throws InputError when the
// config file does not load or the environment holds a bad value.
af_code job_settings_from_c(const af_job_options* options, JobSettings* out, const std::string& f);

// --- c_api_callbacks.cpp ---------------------------------------------------

assetfetch::JobCallbacks adapt(af_job* job, const af_callbacks& c, void* user_data);

// --- c_api_add_file.cpp ----------------------------------------------------

// "" when `url` is acceptable, else why not (naming `what`).
std::string check_url(const char* url, const char* what);
af_code range_code(assetfetch::RangeProblem p);
// The ranges of an add: none (AddFile), af_range (0.1) or af_range2 (0.2).
struct RangesIn {
  bool given = false;
  const af_range* ranges = nullptr;
  const af_range2* ranges2 = nullptr;
  size_t count = 0;
  unsigned flags = 0;  // AF_ADD_*
};
af_code add_file(af_job* job, const char* function, const char* const* urls, size_t n_urls,
                 const char* local_path, const char* hash_algo, const char* hash_hex,
                 const RangesIn& ranges, af_file** out);

// --- Templates used by every entry point ------------------------------------

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

// Copies a caller's versioned struct (`theirs`, of theirs->struct_size bytes)
// into `*ours` (already holding defaults). False, with `why`, when
// struct_size is 0, or larger than ours with non-zero bytes past our fields.
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

// Marks this thread as running a callback of `job` (AF_E_RECURSIVE_API_CALL).
class CallbackScope {
 public:
  explicit CallbackScope(const af_job* job) : saved_(t_callback_job) { t_callback_job = job; }
  ~CallbackScope() { t_callback_job = saved_; }
  CallbackScope(const CallbackScope&) = delete;
  CallbackScope& operator=(const CallbackScope&) = delete;

 private:
  const af_job* saved_;
};

}  // namespace af_shim
