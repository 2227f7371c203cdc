#include "core/resolve_options.h"

#include <algorithm>
#include <cstdlib>

#include "cache/cache.h"
#include "base/env_names.h"
#include "base/input_error.h"
#include "base/quoted_value.h"
#include "platform/environment.h"
#include "platform/path.h"

namespace assetfetch {

namespace {

std::optional<std::string> env_value(const char* name) {
  std::optional<std::string> v = platform::environment_value(name);  // UTF-8 on Windows too
  if (v && v->empty()) return std::nullopt;
  return v;
}

}  // namespace

bool env_offline() {
  auto v = env_value(env::kOffline);
  if (!v) return false;
  std::string s = *v;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (s == "1" || s == "true" || s == "yes" || s == "on") return true;
  if (s == "0" || s == "false" || s == "no" || s == "off") return false;
  throw InputError(std::string(env::kOffline) + "=" + *v + ": not a yes/no value; use 1 (offline) or 0, or unset it");
}

std::optional<ServiceMode> env_service_mode() {
  auto v = env_value(env::kService);
  if (!v) return std::nullopt;
  if (*v == "off" || *v == "0") return ServiceMode::off;
  if (*v == "auto" || *v == "1") return ServiceMode::automatic;
  throw InputError(std::string(env::kService) + "=" + quoted_value(*v) +
                   " is not a service mode: use auto (fetch through the background service, starting it when "
                   "needed) or off (fetch in this process), or unset it (the config's \"service\" decides)");
}

ResolvedOptions resolve_options(const OptionFlags& flags) {
  ResolvedOptions out;
  std::optional<std::filesystem::path> config_file = flags.config_file;
  if (!config_file && flags.config_from_env) {
    if (auto v = env_value(env::kConfig)) config_file = platform::path_from_utf8(*v);
  }
  // The cache folder before the config is read (a flag, the environment),
  // so the loader can use the job's folder (ConfigLoadOptions::cache_dir).
  std::optional<std::filesystem::path> cache_dir_given;
  if (flags.cache_dir) cache_dir_given = *flags.cache_dir;
  else if (auto v = env_value(env::kCacheDir)) cache_dir_given = platform::path_from_utf8(*v);
  if (flags.no_cache) cache_dir_given = std::filesystem::path();
  auto config = std::make_shared<Config>();
  if (config_file) {
    ConfigLoadOptions load;
    load.cache_dir = cache_dir_given;
    load.default_cache_dir = Cache::default_root();
    *config = load_config(*config_file, load);
    out.config_given = true;
  }

  JobOptions& job = out.job;
  if (cache_dir_given) job.cache_dir = *cache_dir_given;
  else if (config->cache_dir) job.cache_dir = *config->cache_dir;
  else job.cache_dir = Cache::default_root();

  job.offline = flags.offline || env_offline() || config->offline;
  job.block_origin = config->block_origin;
  job.require_verified_ranges = flags.require_verified_ranges || config->require_verified_ranges;
  job.install = config->install;

  job.retry = config->retry;
  job.max_download_size = config->max_download_size;
  job.min_free_space = config->min_free_space;
  if (flags.retry_attempts) job.retry.attempts = *flags.retry_attempts;
  if (flags.backoff) job.retry.backoff = *flags.backoff;
  if (flags.no_progress_timeout) job.retry.no_progress_timeout = *flags.no_progress_timeout;
  job.tls = config->tls;
  if (flags.tls_verify) job.tls.verify = *flags.tls_verify;
  if (flags.ca_file) job.tls.ca_file = *flags.ca_file;
  if (flags.max_parallel_files) job.max_parallel_files = *flags.max_parallel_files;
  job.max_connections_per_file = flags.max_connections_per_file ? *flags.max_connections_per_file
                                                                 : config->max_connections;

  out.service = env_service_mode().value_or(config->service.value_or(ServiceMode::off));
  if (config->write_back_wait) job.write_back_wait = *config->write_back_wait;
  if (flags.vcpkg_asset_sources) {
    Config from_env;
    apply_vcpkg_asset_sources(*flags.vcpkg_asset_sources, from_env, "X_VCPKG_ASSET_SOURCES");
    for (auto& source : from_env.sources) config->sources.push_back(std::move(source));
    if (from_env.block_origin) config->block_origin = job.block_origin = true;
  }
  if (flags.block_origin) config->block_origin = job.block_origin = true;
  out.warnings = config->skipped_stores;
  out.config = config;
  job.sources = config;
  return out;
}

}  // namespace assetfetch
