// The C ABI's callbacks: each C function pointer of af_callbacks becomes a
// std::function of the core's JobCallbacks (leveldb_comparator_t's pattern).
// The adapters run on the job's transfer thread, mark it as inside a callback
// of the job (CallbackScope, for AF_E_RECURSIVE_API_CALL), and swallow every
// exception so that none unwinds into the transfer thread.
#include "c_api/c_api_internal.h"

namespace af_shim {

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
  if (c.attempt != nullptr) {
    cb.attempt = [job, fn = c.attempt, user_data](const assetfetch::AttemptRecord& r) {
      try {
        af_attempt_info info{};
        info.struct_size = sizeof info;
        info.asset = r.asset.c_str();
        info.url = r.url.c_str();
        info.range = r.range.c_str();
        info.http_status = r.http_status;
        info.bytes = r.bytes;
        info.duration_s = r.duration_s;
        info.outcome = assetfetch::outcome_name(r.outcome);
        info.retry_reason = r.retry_reason.c_str();
        CallbackScope scope(job);
        fn(job, &info, user_data);
      } catch (...) {
      }
    };
  }
  if (c.failover != nullptr) {
    cb.failover = [job, fn = c.failover, user_data](const assetfetch::File& f,
                                                     const std::string& from,
                                                     const std::string& to,
                                                     const std::string& reason) {
      try {
        af_file* file = find_file(job, f);
        CallbackScope scope(job);
        fn(job, file, from.c_str(), to.c_str(), reason.c_str(), user_data);
      } catch (...) {
      }
    };
  }
  if (c.warning != nullptr) {
    cb.warning = [job, fn = c.warning, user_data](const std::string& asset,
                                                   const std::string& message) {
      try {
        CallbackScope scope(job);
        fn(job, asset.c_str(), message.c_str(), user_data);
      } catch (...) {
      }
    };
  }
  return cb;
}

}  // namespace af_shim
