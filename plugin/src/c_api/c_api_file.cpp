// The C ABI: af_file_* (BITS IBackgroundCopyFile).
#include "c_api/c_api_internal.h"
#include "platform/path.h"

using namespace af_shim;

namespace {

// GetFileRanges / GetFilledFileRanges.
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

}  // namespace

extern "C" {

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
    *path = copy_string(assetfetch::platform::utf8_of(file->file->spec().local_name));
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

AF_API af_code af_file_is_verified(const af_file* file, int* verified) {
  static constexpr const char* fn = "af_file_is_verified";
  if (!is_live(file, kFileMagic)) return bad_handle(fn, "file");
  const af_job* job = file->job;
  return guarded(job, fn, [&]() -> af_code {
    if (verified == nullptr)
      return save_error(job, AF_E_INVALID_ARG, std::string(fn) + ": verified is NULL");
    const std::optional<assetfetch::FileResult> result = file->file->result();
    *verified = file->file->completed() && result && result->verified ? 1 : 0;
    return AF_OK;
  });
}

}  // extern "C"
