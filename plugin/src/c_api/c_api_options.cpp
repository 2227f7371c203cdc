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
  if (o.max_parallel_files < 0)
    return save_error(nullptr, AF_E_INVALID_ARG,
                      f + ": max_parallel_files may not be negative; use 0 for automatic or N >= 1 for at most N");

  if (o.config_file != nullptr && *o.config_file == '\0')
    return save_error(nullptr, AF_E_INVALID_ARG, f + ": config_file is empty; use NULL for none");

  // The fields the caller set are the flags of the core's resolve_options(),
  // which the CLI uses too: flag > environment > mirror config > default. A
  // field left at its default is "not given".
  assetfetch::OptionFlags flags;
  if (o.config_file != nullptr) flags.config_file = o.config_file;
  flags.config_from_env = false;
  if (o.cache_dir != nullptr) flags.cache_dir = o.cache_dir;
  flags.offline = o.offline != 0;
  flags.require_verified_ranges = o.require_verified_ranges != 0;
  if (o.retry_attempts != defaults.retry_attempts) flags.retry_attempts = o.retry_attempts;
  if (o.backoff_ms != defaults.backoff_ms) flags.backoff = std::chrono::milliseconds(o.backoff_ms);
  if (o.no_progress_timeout_s != defaults.no_progress_timeout_s)
    flags.no_progress_timeout = std::chrono::seconds(o.no_progress_timeout_s);
  if (o.tls_verify != defaults.tls_verify) flags.tls_verify = o.tls_verify != 0;
  if (o.ca_file != nullptr) flags.ca_file = o.ca_file;
  flags.max_parallel_files = o.max_parallel_files;
  assetfetch::ResolvedOptions resolved = assetfetch::resolve_options(flags);
  out->service = resolved.service;
  out->job = std::move(resolved.job);
  out->warnings = std::move(resolved.warnings);
  out->allow_unverified = o.allow_unverified != 0;
  return AF_OK;
}

}  // namespace af_shim
