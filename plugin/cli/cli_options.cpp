#include "cli_options.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <iostream>
#include <string>
#include "base/env_names.h"
#include "platform/path.h"

namespace assetfetch::cli {

namespace {

// --max-connections N: a whole number from 1 to kMaxConnectionsPerFile.
// CLI11 puts the flag's name before the message.
CLI::Validator connections_check() {
  const std::string range = "give a whole number from 1 to " + std::to_string(kMaxConnectionsPerFile) +
                            " (1: one stream per file)";
  return CLI::Validator(
      [range](std::string& value) -> std::string {
        int n = 0;
        const char* end = value.data() + value.size();
        const auto [at, ec] = std::from_chars(value.data(), end, n);
        if (ec != std::errc() || at != end || value.empty()) return "\"" + value + "\" is not a whole number; " + range;
        if (n < 1 || n > kMaxConnectionsPerFile) return value + " is out of range; " + range;
        return {};
      },
      "1.." + std::to_string(kMaxConnectionsPerFile));
}

}  // namespace

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
  app.add_option("--max-connections", o.max_connections,
                 "connections per file, at most (1: one stream, never segmented); default: config "
                 "max_connections, else automatic (up to 4 for a large file with several mirrors)")
      ->type_name("N")
      ->check(connections_check());
}

Settings resolve_settings(const CommonOptions& o, OptionFlags extra) {
  OptionFlags flags = std::move(extra);
  if (!o.config_file.empty()) flags.config_file = platform::path_from_utf8(o.config_file);
  if (!o.cache_dir.empty()) flags.cache_dir = platform::path_from_utf8(o.cache_dir);
  flags.no_cache = o.no_cache;
  flags.offline = o.offline;
  flags.require_verified_ranges = o.require_verified;
  if (o.jobs > 0) flags.max_parallel_files = o.jobs;
  if (o.max_connections > 0) flags.max_connections_per_file = o.max_connections;
  ResolvedOptions r = resolve_options(flags);
  Settings s;
  // A store left out (no credentials) is said once, before anything runs.
  for (const auto& line : r.warnings) std::cerr << "assetfetch: warning: " << line << "\n";
  s.job = std::move(r.job);
  s.service = r.service;
  // A command names exactly the files it wants; only `job resume` restores.
  s.job.restore = false;
  return s;
}

}  // namespace assetfetch::cli
