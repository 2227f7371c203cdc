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
#include "c_api/c_api_internal.h"

namespace {

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

using namespace af_shim;

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
      // added in 0.2
      af_job_add_file_with_ranges2,
      af_file_is_verified,
      af_job_wait_uploads,
  };
  return abi_version == AF_ABI_VERSION_1 ? &v1 : nullptr;
}

}  // extern "C"
