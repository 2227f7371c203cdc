#include "cli_options.h"

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "cache/cache.h"

namespace assetfetch::cli {

void add_common_options(CLI::App& app, CommonOptions& o) {
  app.add_option("--config", o.config_file, "mirror configuration (JSON); default: $ASSETFETCH_CONFIG");
  app.add_option("--cache-dir", o.cache_dir,
                 "local cache directory; default: $ASSETFETCH_CACHE_DIR, config cache_dir, "
                 "$XDG_CACHE_HOME/assetfetch, ~/.cache/assetfetch");
  app.add_flag("--offline", o.offline, "make no network connection: local cache and file:// sources only");
  app.add_flag("--no-cache", o.no_cache, "neither read nor write the local cache");
  app.add_flag("-q,--quiet", o.quiet, "print errors only");
  app.add_flag("-v,--verbose", o.verbose, "print every attempt and why the source order is what it is");
  app.add_flag("--json", o.json, "print one JSON event per line on stdout");
  app.add_flag("--require-verified", o.require_verified,
               "fail rather than deliver a range that cannot be verified");
}

Settings resolve_settings(const CommonOptions& o) {
  Settings s;
  std::string config_file = o.config_file;
  if (config_file.empty()) {
    if (const char* v = std::getenv("ASSETFETCH_CONFIG"); v && *v) config_file = v;
  }
  if (!config_file.empty()) s.config = load_config(config_file);

  if (!o.cache_dir.empty()) s.job.cache_dir = o.cache_dir;
  else if (const char* v = std::getenv("ASSETFETCH_CACHE_DIR"); v && *v) s.job.cache_dir = v;
  else if (s.config.cache_dir) s.job.cache_dir = *s.config.cache_dir;
  else s.job.cache_dir = Cache::default_root();
  if (o.no_cache) s.job.cache_dir.clear();

  const char* env_offline = std::getenv("ASSETFETCH_OFFLINE");
  bool env_off = env_offline && *env_offline && std::string(env_offline) != "0";
  s.job.offline = o.offline || env_off || s.config.offline;
  s.job.block_origin = s.config.block_origin;
  s.job.require_verified_ranges = o.require_verified || s.config.require_verified_ranges;
  s.job.install = s.config.install;
  s.job.retry = s.config.retry;
  s.job.max_download_size = s.config.max_download_size;
  s.job.tls = s.config.tls;
  s.job.max_parallel_files = o.jobs;
  if (s.config.write_back_wait) s.job.write_back_wait = *s.config.write_back_wait;
  return s;
}

}  // namespace assetfetch::cli
