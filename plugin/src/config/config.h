// The mirror configuration (schemas/assetfetch-config.schema.json) and the
// manifest (schemas/assetfetch-manifest.schema.json) as C++ values, their
// loaders, and the candidate list built from them (DESIGN.md "Sources, in
// order").
//
// Loaders check the whole document and throw one ValidationError (an
// InputError, config/diagnostics.h) listing every problem, each as
// "FILE:LINE:COLUMN: [asset "NAME" (]/json/pointer[)]: message"; a file that
// cannot be read gives a plain InputError naming it.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "assetfetch/job.h"
#include "assetfetch/types.h"
#include "base/url.h"  // default_file_name

namespace assetfetch {

enum class SourceAccess { read, write, readwrite };

// Whether a command (or a library job) runs its transfers in the background
// service (service/service_server.h): config "service", overridden by
// $ASSETFETCH_SERVICE (core/resolve_options.h).
enum class ServiceMode { off, automatic };

// A content-addressed URL template: {sha256}, {sha512}, {name}.
struct SourceSpec {
  std::string url_template;
  SourceAccess access = SourceAccess::read;
  HeaderList headers;  // ${env:NAME} already expanded
  StoreAccess store;   // "kind" and its keys (config/store_source.h)
};

namespace config_detail {
class UrlPattern;
}

// Regex rewrite of a declared URL: `match` is RE2 syntax over the whole URL
// (linear time), `replace` uses $1-style groups (config/url_pattern.h).
struct RewriteRule {
  std::string match;
  std::string replace;
  HeaderList headers;
  // Compiled by the loader; build_candidates compiles a rule without it.
  std::shared_ptr<const config_detail::UrlPattern> compiled;
};

struct Config {
  std::filesystem::path file;  // where it was loaded from; empty for defaults
  std::optional<std::filesystem::path> cache_dir;
  bool offline = false;
  bool block_origin = false;
  bool require_verified_ranges = false;
  InstallMode install = InstallMode::copy;
  std::vector<SourceSpec> sources;
  std::vector<RewriteRule> rewrites;
  std::vector<RewriteRule> fallback_mirrors;
  RetryPolicy retry;
  TlsPolicy tls;
  std::uint64_t max_download_size = JobOptions{}.max_download_size;
  FreeSpaceFloor min_free_space;  // "min_free_space": "2GiB", "5%" or bytes
  // "max_connections": connections per file, at most (JobOptions::
  // max_connections_per_file); 0 when the key is absent (automatic).
  int max_connections = 0;
  std::optional<std::chrono::seconds> write_back_wait;  // "write_back": {"wait_s": N}
  std::optional<ServiceMode> service;                   // "service": "auto" | "off"
  std::vector<std::string> warnings;  // e.g. missing ${env:} in `check` mode
  // One line per store left out because its credentials were not found
  // ("FILE: /sources/N (URL): why; the fix"); the commands print them, and
  // the fetch goes on from the other sources.
  std::vector<std::string> skipped_stores;
  // Their places, "/sources/N", for `check`'s summary.
  std::vector<std::string> skipped_store_places;
};

struct ConfigLoadOptions {
  // In `check`, a missing ${env:NAME} is a warning (recorded in warnings)
  // instead of an error.
  bool missing_env_is_warning = false;
  // How long an Azure account SAS signed with an account key is valid
  // (re-signed 5 minutes before it ends). Internal: tests shorten it to see
  // a long-lived host re-sign; no file or flag sets it.
  std::chrono::seconds azure_sas_lifetime{24 * 3600};
  // The cache folder the job will use, where a config remembers between
  // processes what is costly to learn (an instance metadata service found
  // absent: config/azure_key.h). resolve_options() sets it when a flag or
  // the environment names the folder ("" with no cache at all); unset, the
  // config's "cache_dir" is used, else `default_cache_dir` (resolve_options'
  // precedence). Both empty: nothing is remembered.
  std::optional<std::filesystem::path> cache_dir;
  std::filesystem::path default_cache_dir;
};

Config load_config(const std::filesystem::path& file, const ConfigLoadOptions& opts = {});
Config parse_config(const std::string& text, const std::filesystem::path& file_for_messages,
                    const ConfigLoadOptions& opts = {});

// vcpkg's X_VCPKG_ASSET_SOURCES syntax: `clear`, `x-azurl,URL[,SAS[,rw]]`,
// `x-block-origin`, backtick escapes. Applied onto `config` (clear removes
// sources added so far). Throws InputError naming the offending entry, after
// "WHERE: " unless `where` is empty.
void apply_vcpkg_asset_sources(const std::string& text, Config& config, const std::string& where);

struct ManifestAsset {
  std::string name;
  std::vector<std::string> urls;
  std::optional<Digest> sha256;
  std::optional<Digest> sha512;
  std::optional<std::uint64_t> size;
  std::string destination;  // relative; default: last path segment of urls[0], query stripped
  std::vector<ByteRange> ranges;
  bool ranges_given = false;
  bool sparse = false;
};

struct Manifest {
  std::filesystem::path file;
  std::vector<ManifestAsset> assets;
};

Manifest load_manifest(const std::filesystem::path& file);
Manifest parse_manifest(const std::string& text, const std::filesystem::path& file_for_messages);

// The identity used by source templates.
struct AssetIdentity {
  std::string name;
  std::optional<Digest> sha256;
  std::optional<Digest> sha512;
};

// Candidate list for one asset, local cache excluded (the engine reads it
// first): sources (readable ones), rewrites of each declared URL, the declared
// URLs (unless block_origin), fallback mirrors. Templates naming a digest the
// asset lacks are skipped. Duplicate URLs are kept once (first place wins).
std::vector<Candidate> build_candidates(const Config& config, const AssetIdentity& asset,
                                        const std::vector<std::string>& declared_urls);

// Expanded URLs of the writable sources for this asset (write-back targets),
// with their headers.
std::vector<Candidate> write_back_targets(const Config& config, const AssetIdentity& asset);

// Joins `relative` under `dir`, refusing absolute paths, `..` segments and
// existing symlinks that lead out of `dir`. Throws InputError naming `what`.
std::filesystem::path safe_join(const std::filesystem::path& dir, const std::string& relative,
                                const std::string& what);

}  // namespace assetfetch
