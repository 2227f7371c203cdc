// The C ABI's job options: af_job_options_init() and the translation of a
// caller's af_job_options (any struct_size, see read_sized) into the core's
// JobOptions.
#include "c_api_internal.h"

using namespace af_shim;

extern "C" {

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

}  // extern "C"

namespace af_shim {

af_code job_options_from_c(const af_job_options* options, assetfetch::JobOptions* out,
                           const std::string& f) {
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

  assetfetch::JobOptions& jo = *out;
  jo.cache_dir = o.cache_dir != nullptr ? std::filesystem::path(o.cache_dir)
                                        : assetfetch::default_cache_dir();
  const char* env_offline = std::getenv("ASSETFETCH_OFFLINE");
  jo.offline = o.offline != 0 || (env_offline != nullptr && std::string_view(env_offline) == "1");
  jo.retry.attempts = o.retry_attempts;
  jo.retry.backoff = std::chrono::milliseconds(o.backoff_ms);
  jo.retry.no_progress_timeout = std::chrono::seconds(o.no_progress_timeout_s);
  jo.tls.verify = o.tls_verify != 0;
  jo.tls.ca_file = o.ca_file != nullptr ? o.ca_file : "";
  jo.max_parallel_files = o.max_parallel_files;
  return AF_OK;
}

}  // namespace af_shim
