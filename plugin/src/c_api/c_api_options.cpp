// The C ABI's job options: af_job_options_init() and the translation of a
// caller's af_job_options (any struct_size, see read_sized), and of the mirror
// config file it may name, into the core's JobOptions.
#include "c_api/c_api_internal.h"

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
  options->config_file = nullptr;
  options->allow_unverified = 0;
  options->require_verified_ranges = d.require_verified_ranges ? 1 : 0;
}

}  // extern "C"

namespace af_shim {

af_code job_settings_from_c(const af_job_options* options, JobSettings* out, const std::string& f) {
  af_job_options o;
  af_job_options_init(&o);
  const af_job_options defaults = o;
  if (options != nullptr) {
    std::string why;
    if (!read_sized(options, &o, &why))
      return save_error(nullptr, AF_E_INVALID_ARG, f + ": af_job_options: " + why);
  }
  if (o.retry_attempts < 0)
    return save_error(nullptr, AF_E_INVALID_ARG, f + ": retry_attempts may not be negative");
  if (o.max_parallel_files < 1)
    return save_error(nullptr, AF_E_INVALID_ARG, f + ": max_parallel_files must be at least 1");

  // The mirror config, as the CLI's --config: it sets what the caller left
  // at its default (see af_job_options.config_file in the header).
  if (o.config_file != nullptr) {
    if (*o.config_file == '\0')
      return save_error(nullptr, AF_E_INVALID_ARG, f + ": config_file is empty; use NULL for none");
    out->config = assetfetch::load_config(o.config_file);
  }
  const assetfetch::Config base = out->config ? *out->config : assetfetch::Config{};

  assetfetch::JobOptions& jo = out->job;
  const char* env_cache = std::getenv("ASSETFETCH_CACHE_DIR");
  if (o.cache_dir != nullptr) jo.cache_dir = o.cache_dir;
  else if ((env_cache == nullptr || *env_cache == '\0') && base.cache_dir) jo.cache_dir = *base.cache_dir;
  else jo.cache_dir = assetfetch::default_cache_dir();
  const char* env_offline = std::getenv("ASSETFETCH_OFFLINE");
  jo.offline = o.offline != 0 || (env_offline != nullptr && std::string_view(env_offline) == "1") ||
               base.offline;
  jo.block_origin = base.block_origin;
  jo.require_verified_ranges = o.require_verified_ranges != 0 || base.require_verified_ranges;
  jo.install = base.install;

  jo.retry = base.retry;
  jo.max_download_size = base.max_download_size;
  if (!out->config || o.retry_attempts != defaults.retry_attempts) jo.retry.attempts = o.retry_attempts;
  if (!out->config || o.backoff_ms != defaults.backoff_ms)
    jo.retry.backoff = std::chrono::milliseconds(o.backoff_ms);
  if (!out->config || o.no_progress_timeout_s != defaults.no_progress_timeout_s)
    jo.retry.no_progress_timeout = std::chrono::seconds(o.no_progress_timeout_s);
  jo.tls = base.tls;
  if (!out->config || o.tls_verify != defaults.tls_verify) jo.tls.verify = o.tls_verify != 0;
  if (o.ca_file != nullptr) jo.tls.ca_file = o.ca_file;
  else if (!out->config) jo.tls.ca_file.clear();
  jo.max_parallel_files = o.max_parallel_files;

  out->allow_unverified = o.allow_unverified != 0;
  return AF_OK;
}

}  // namespace af_shim
