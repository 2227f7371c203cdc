// The C ABI: af_job_* (BITS IBackgroundCopyJob).
#include "c_api/c_api_internal.h"
#include "core/prefetch.h"
#include "service/service_prefetch.h"

using namespace af_shim;

extern "C" {

// --- Jobs --------------------------------------------------------------------

AF_API af_code af_job_create(const char* name, const af_job_options* options, af_job** out) {
  static constexpr const char* fn = "af_job_create";
  return guarded(nullptr, fn, [&]() -> af_code {
    const std::string f(fn);
    if (out == nullptr) return save_error(nullptr, AF_E_INVALID_ARG, f + ": job is NULL");
    if (name == nullptr) return save_error(nullptr, AF_E_INVALID_ARG, f + ": name is NULL");
    if (auto problem = assetfetch::job_name_problem(name))
      return save_error(nullptr, AF_E_INVALID_ARG, f + ": " + *problem);

    JobSettings settings;
    if (af_code rc = job_settings_from_c(options, &settings, f); rc != AF_OK) return rc;

    auto handle = std::make_unique<af_job>();
    handle->allow_unverified = settings.allow_unverified;
    handle->pending_warnings = std::move(settings.warnings);
    // With the service on, the job's transfer thread first asks the service
    // to fill the cache; complete and cancel stay this process's (docs/ABI.md).
    std::shared_ptr<assetfetch::Prefetch> prefetch;
    if (settings.service == assetfetch::ServiceMode::automatic)
      prefetch = assetfetch::service::make_service_prefetch(settings.job.cache_dir);
    handle->job = prefetch ? assetfetch::create_job(name, std::move(settings.job), std::move(prefetch))
                           : assetfetch::create_job(name, std::move(settings.job));
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
  return add_file(job, "af_job_add_file", urls, n_urls, local_path, hash_algo, hash_hex,
                  RangesIn{}, file);
}

AF_API af_code af_job_add_file_with_ranges(af_job* job, const char* const* urls, size_t n_urls,
                                           const char* local_path, const char* hash_algo,
                                           const char* hash_hex, const af_range* ranges,
                                           size_t n_ranges, af_file** file) {
  RangesIn in;
  in.given = true;
  in.ranges = ranges;
  in.count = n_ranges;
  return add_file(job, "af_job_add_file_with_ranges", urls, n_urls, local_path, hash_algo,
                  hash_hex, in, file);
}

AF_API af_code af_job_add_file_with_ranges2(af_job* job, const char* const* urls, size_t n_urls,
                                            const char* local_path, const char* hash_algo,
                                            const char* hash_hex, const af_range2* ranges,
                                            size_t n_ranges, unsigned flags, af_file** file) {
  RangesIn in;
  in.given = true;
  in.ranges2 = ranges;
  in.count = n_ranges;
  in.flags = flags;
  return add_file(job, "af_job_add_file_with_ranges2", urls, n_urls, local_path, hash_algo,
                  hash_hex, in, file);
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
    assetfetch::JobCallbacks adapted = adapt(job, c, user_data);
    {
      std::lock_guard<std::mutex> lock(job->mu);
      job->warning = adapted.warning;
    }
    job->job->set_callbacks(std::move(adapted));
    return AF_OK;
  });
}

AF_API af_code af_job_resume(af_job* job) {
  static constexpr const char* fn = "af_job_resume";
  if (!is_live(job, kJobMagic)) return bad_handle(fn, "job");
  if (in_own_callback(job)) return recursive_call(job, fn);
  return guarded(job, fn, [&]() -> af_code {
    std::vector<std::string> pending;
    std::function<void(const std::string&, const std::string&)> warn;
    {
      std::lock_guard<std::mutex> lock(job->mu);
      pending.swap(job->pending_warnings);
      warn = job->warning;
    }
    if (warn)  // outside mu: the callback may call the getters
      for (const auto& line : pending) warn("", line);
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

}  // extern "C"

extern "C" AF_API af_code af_job_wait_uploads(af_job* job, long timeout_ms, size_t* unfinished) {
  static constexpr const char* fn = "af_job_wait_uploads";
  if (!af_shim::is_live(job, af_shim::kJobMagic)) return af_shim::bad_handle(fn, "job");
  if (af_shim::in_own_callback(job)) return af_shim::recursive_call(job, fn);
  return af_shim::guarded(job, fn, [&]() -> af_code {
    // 0 is "do not wait"; a negative limit waits as long as uploads take.
    const auto wait = timeout_ms < 0 ? std::chrono::milliseconds(std::chrono::hours(24 * 365))
                                     : std::chrono::milliseconds(timeout_ms);
    const assetfetch::UploadReport r = job->job->wait_uploads(wait);
    std::function<void(const std::string&, const std::string&)> warn;
    {
      std::lock_guard<std::mutex> lock(job->mu);
      warn = job->warning;
    }
    if (warn) {  // outside mu: the callback may call the getters
      for (const auto& f : r.failures) warn(f.asset, "write-back to " + f.target + " failed: " + f.reason);
      if (r.skipped > 0)
        warn("", std::to_string(r.skipped) + " more write-back upload(s) not tried: their store failed an upload "
                                             "just before");
    }
    if (unfinished != nullptr) *unfinished = r.unfinished;
    if (r.unfinished > 0)
      return af_shim::save_error(job, AF_E_TIMEOUT,
                                 std::string(fn) + ": " + std::to_string(r.unfinished) +
                                     " upload(s) still running after " + std::to_string(timeout_ms) + " ms");
    return AF_OK;
  });
}
