// `assetfetch x-script [options] URL SHA512 DST`: vcpkg's x-script asset
// source (DESIGN.md "Settled details" → vcpkg). vcpkg runs
//   X_VCPKG_ASSET_SOURCES="x-script,assetfetch x-script {url} {sha512} {dst}"
// through `/bin/sh -c`; DST is `<target>.<pid>.part`, whose directory may not
// exist yet. vcpkg re-hashes DST on exit 0 and never cleans up, so: create the
// parent directory, overwrite DST, exit 0 only with the verified bytes there,
// and remove DST on any failure. The config's sources, rewrites, cache and
// failover apply, with the sha512 as the asset's identity.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "base/digest.h"
#include "base/input_error.h"
#include "base/url.h"
#include "cli_options.h"
#include "command.h"
#include "core/maintenance.h"
#include "platform/environment.h"
#include "reporter.h"
#include "run_job.h"
#include "service_job.h"
#include "platform/path.h"

namespace assetfetch::cli {
namespace {

namespace fs = std::filesystem;

struct XScriptArgs {
  std::string url, sha512, dst;
  bool block_origin = false;  // --block-origin: vcpkg's --x-asset-sources never reach the script
  CommonOptions common;
};

std::string asset_name_for(const std::string& url) {
  try {
    return default_file_name(url);
  } catch (const InputError&) {
    return "x-script";
  }
}

// Nothing to contact (block_origin and no source names a sha512): only the
// local cache can answer.
int from_cache_only(const Settings& s, const Digest& d, const fs::path& dst, const std::string& asset,
                    Reporter& reporter) {
  if (const auto r = copy_cached_object(s.job.cache_dir, d, dst)) {
    FileSpec spec;
    spec.name = asset;
    spec.local_name = dst;
    reporter.start(spec);
    reporter.done(spec, *r);
    return 0;
  }
  reporter.error(asset, ErrorCode::offline_miss,
                 "origin blocked (config block_origin, vcpkg x-block-origin or --block-origin), no configured source "
                 "serves sha512 " + d.hex + ", and it is not in the local cache" +
                     (s.job.cache_dir.empty() ? std::string(" (--no-cache)") : " " + platform::utf8_of(s.job.cache_dir)) +
                     "; add a source with {sha512} to the config, or fill the cache on a connected machine");
  return exit_code_for(ErrorCode::offline_miss);
}

// vcpkg runs the script with its own X_VCPKG_ASSET_SOURCES in the
// environment: its x-block-origin means {url} must not be contacted (unless a
// later `clear` drops it, as in vcpkg), and its x-azurl caches are sources
// here too (resolve_options). vcpkg's --x-asset-sources options are not in the
// environment: --block-origin stands in for their x-block-origin. Its x-script
// entry is this very command, so the "ignored" note about it is dropped.
OptionFlags vcpkg_flags(const XScriptArgs& a) {
  OptionFlags flags;
  // UTF-8 on Windows too: its file:// sources may name non-ASCII folders.
  if (auto text = platform::environment_value("X_VCPKG_ASSET_SOURCES"); text && !text->empty())
    flags.vcpkg_asset_sources = *text;
  flags.block_origin = a.block_origin;
  return flags;
}

int run_xscript(XScriptArgs& a) {
  Reporter reporter(a.common.json, a.common.quiet, a.common.verbose, parse_progress_style(a.common.progress));
  const fs::path dst = platform::path_from_utf8(a.dst);
  const std::string asset = asset_name_for(a.url);
  int rc = 0;
  try {
    if (dst.empty() || dst.filename().empty())
      throw InputError("DST '" + a.dst + "' must name a file (vcpkg passes {dst})");
    Digest d = parse_digest(HashAlgorithm::sha512, a.sha512, "SHA512 argument");
    Settings s = resolve_settings(a.common, vcpkg_flags(a));
    std::error_code ec;
    fs::create_directories(fs::absolute(dst).parent_path(), ec);
    if (ec)
      throw std::runtime_error("cannot create the directory of DST " + platform::utf8_of(fs::absolute(dst).parent_path()) +
                               ": " + ec.message());
    FileSpec spec;
    spec.name = asset;
    spec.digest = d;
    spec.local_name = dst;
    spec.urls = {a.url};  // the core builds the candidates and write-back targets
    if (!has_sources(s.job, spec)) {
      rc = from_cache_only(s, d, dst, asset, reporter);
    } else {
      std::vector<FileSpec> specs;
      specs.push_back(std::move(spec));
      rc = run_job_maybe_in_service("x-script-sha512-" + d.hex.substr(0, 32), s, std::move(specs), reporter)
               .exit_code;
    }
  } catch (const InputError& e) {
    reporter.error(asset, ErrorCode::bad_input, e.what());
    rc = exit_code_for(ErrorCode::bad_input);
  } catch (const std::exception& e) {
    reporter.error(asset, ErrorCode::internal, e.what());
    rc = 1;
  }
  if (rc != 0) {
    std::error_code ec;
    fs::remove(dst, ec);  // vcpkg never cleans up after a failed script
  }
  return rc;
}

const RegisterCommand registered(
    "x-script", "vcpkg asset source: fetch URL verified by SHA512 into DST (exit 0 only when DST is right)",
    [](CLI::App& sub) -> std::function<int()> {
      auto a = std::make_shared<XScriptArgs>();
      sub.add_option("url", a->url, "vcpkg's {url}")->required();
      sub.add_option("sha512", a->sha512, "vcpkg's {sha512}")->required();
      sub.add_option("dst", a->dst, "vcpkg's {dst}: written (overwritten), removed on failure")->required();
      sub.add_flag("--block-origin", a->block_origin,
                   "never contact URL (vcpkg's x-block-origin); needed when vcpkg gets it from "
                   "--x-asset-sources, which the script does not see");
      add_common_options(sub, a->common);
      return [a] { return run_xscript(*a); };
    });

}  // namespace
}  // namespace assetfetch::cli
