// resolve_options(): the one place that turns what a client was told (CLI
// flags, af_job_options fields) into the job's options, for the CLI and the C
// ABI alike. Precedence, per setting: flag > environment > mirror config >
// default. The environment variables are named in base/env_names.h.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "assetfetch/job.h"
#include "config/config.h"

namespace assetfetch {

// What the client set explicitly; an empty optional is "not given".
struct OptionFlags {
  std::optional<std::filesystem::path> config_file;
  // $ASSETFETCH_CONFIG stands in for a missing config_file. The C ABI turns
  // this off: its 0.1 callers were promised that a NULL config_file means
  // no config (docs/ABI.md).
  bool config_from_env = true;
  std::optional<std::filesystem::path> cache_dir;
  bool no_cache = false;  // no local cache at all (wins over everything)
  bool offline = false;   // a flag can only turn offline mode on
  bool require_verified_ranges = false;
  std::optional<int> retry_attempts;
  std::optional<std::chrono::milliseconds> backoff;
  std::optional<std::chrono::seconds> no_progress_timeout;
  std::optional<bool> tls_verify;
  std::optional<std::string> ca_file;
  std::optional<int> max_parallel_files;
  std::optional<int> max_connections_per_file;  // >= 1 (the CLI's --max-connections)
  bool block_origin = false;  // a flag can only block the origin
  // vcpkg's X_VCPKG_ASSET_SOURCES (the x-script command): its x-azurl caches
  // join the config's sources, its x-block-origin blocks the origin.
  std::optional<std::string> vcpkg_asset_sources;
};

struct ResolvedOptions {
  std::shared_ptr<const Config> config;  // the mirror config (empty Config when none)
  bool config_given = false;
  JobOptions job;                        // job.sources is `config`
  // $ASSETFETCH_SERVICE, else the config's "service", else off.
  ServiceMode service = ServiceMode::off;
  // Said once before anything runs: a store left out for lack of
  // credentials (Config::skipped_stores), with where to put them.
  std::vector<std::string> warnings;
};

// Loads the config (flag, else $ASSETFETCH_CONFIG). Throws InputError on a bad
// config or a bad environment value (e.g. ASSETFETCH_OFFLINE=maybe).
ResolvedOptions resolve_options(const OptionFlags& flags);

// Whether the options' source policy (the config's sources and rewrites,
// block_origin) leaves `spec` a URL to ask: add_file() builds the same walk
// from spec.urls. Throws InputError as add_file() refuses (a bad rewrite).
bool has_sources(const JobOptions& options, FileSpec spec);

// ASSETFETCH_SERVICE's value: nullopt when unset or empty. Throws
// InputError naming the variable and its values for anything but auto/off
// (or 1/0).
std::optional<ServiceMode> env_service_mode();

// ASSETFETCH_OFFLINE's value: unset or empty is false. Throws InputError for
// a value that is neither 1/true/yes/on nor 0/false/no/off.
bool env_offline();

}  // namespace assetfetch
