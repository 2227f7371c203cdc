#include "cli_options.h"

#include <CLI/CLI.hpp>
#include "core/env_names.h"

namespace assetfetch::cli {

void add_common_options(CLI::App& app, CommonOptions& o) {
  app.add_option("--config", o.config_file, std::string("mirror configuration (JSON); default: $") + env::kConfig);
  app.add_option("--cache-dir", o.cache_dir,
                 std::string("local cache directory; default: $") + env::kCacheDir + ", config cache_dir, $" +
                     env::kXdgCacheHome + "/assetfetch, ~/.cache/assetfetch");
  app.add_flag("--offline", o.offline, "make no network connection: local cache and file:// sources only");
  app.add_flag("--no-cache", o.no_cache, "neither read nor write the local cache");
  app.add_flag("-q,--quiet", o.quiet, "print errors only");
  app.add_flag("-v,--verbose", o.verbose, "print every attempt and why the source order is what it is");
  app.add_flag("--json", o.json, "print one JSON event per line on stdout");
  app.add_option("--progress", o.progress,
                 "auto (a bar on a terminal, else a line every 2 s for transfers over 1 s; none with --json), "
                 "bar, lines, none")
      ->check(CLI::IsMember({"auto", "bar", "lines", "none"}));
  app.add_flag("--require-verified", o.require_verified,
               "fail rather than deliver a range that cannot be verified");
}

Settings resolve_settings(const CommonOptions& o) {
  OptionFlags flags;
  if (!o.config_file.empty()) flags.config_file = o.config_file;
  if (!o.cache_dir.empty()) flags.cache_dir = o.cache_dir;
  flags.no_cache = o.no_cache;
  flags.offline = o.offline;
  flags.require_verified_ranges = o.require_verified;
  flags.max_parallel_files = o.jobs;
  ResolvedOptions r = resolve_options(flags);
  Settings s;
  s.config = *r.config;
  s.job = std::move(r.job);
  // A command names exactly the files it wants; only `job resume` restores.
  s.job.restore = false;
  if (s.config.write_back_wait) s.job.write_back_wait = *s.config.write_back_wait;
  return s;
}

}  // namespace assetfetch::cli
