// `assetfetch mirror MANIFEST.json --to DIR`: fills DIR so it works as an
// offline mirror (a `file://DIR/sha256/{sha256}` or `file://DIR/sha512/{sha512}`
// source) for an air-gapped build.
//
// Layout: one blob per asset, indexed under every digest as hard links of
// the same inode (read-only):
//   DIR/sha256/<hex>
//   DIR/sha512/<hex>
// A digest the manifest does not declare is computed from the verified blob
// (one more hashing pass over it).
//
// Idempotent: blobs already there are re-hashed; a corrupt one is removed and
// fetched again; an intact one is not downloaded again. Missing assets are
// fetched through the engine (config sources, cache, failover, -j) as one job
// into DIR/.incoming-<random>/ (same filesystem, so linking needs no copy).
//
// `--to s3://BUCKET/PREFIX` (with --endpoint, --region) or an Azure Blob
// container prefix (https://ACCOUNT.blob.core.windows.net/CONTAINER[/P]?SAS,
// or any URL with --kind azure-blob) seeds a shared cache instead: every
// asset is fetched (the local cache serves what it has) and uploaded as
// PREFIX/<sha256> and PREFIX/<sha512> — the names `sources` templates and
// vcpkg's x-azurl read.
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "asset_specs.h"
#include "cli_options.h"
#include "command.h"
#include "cache/unique_fd.h"
#include "verify/hasher.h"
#include "base/input_error.h"
#include "reporter.h"
#include "run_job.h"
#include "transfer/redact.h"
#include "writeback/writeback_queue.h"

namespace assetfetch::cli {
namespace {

namespace fs = std::filesystem;

struct MirrorArgs {
  std::string manifest;
  std::string to;
  std::string job;
  std::string kind, endpoint, region, addressing;  // --to an object store
  CommonOptions common;
};

constexpr HashAlgorithm kAlgorithms[] = {HashAlgorithm::sha256, HashAlgorithm::sha512};

fs::path index_path(const fs::path& dir, const Digest& d) { return dir / algorithm_name(d.algorithm) / d.hex; }

std::optional<Digest> declared(const ManifestAsset& a, HashAlgorithm algo) {
  return algo == HashAlgorithm::sha256 ? a.sha256 : a.sha512;
}

bool same_inode(const fs::path& a, const fs::path& b) {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

bool blob_matches(const fs::path& p, const Digest& d) {
  try {
    return hash_file(p, d.algorithm) == d.hex;
  } catch (const std::exception&) {
    return false;
  }
}

// Atomically makes `target` another name of `blob`'s inode.
void link_as(const fs::path& blob, const fs::path& target) {
  if (same_inode(blob, target)) return;
  fs::create_directories(target.parent_path());
  fs::path tmp = target;
  tmp += "." + random_suffix() + ".link.tmp";
  std::error_code ec;
  fs::remove(tmp, ec);
  fs::create_hard_link(blob, tmp, ec);
  if (ec)
    throw std::runtime_error("cannot hard-link " + blob.string() + " as " + target.string() + ": " + ec.message() +
                             " (the mirror directory must be on one filesystem that supports hard links)");
  fs::rename(tmp, target);
}

struct Tally {
  int present = 0, fetched = 0, replaced = 0;
  std::vector<std::string> corrupt;  // "asset (path)"
};

// Every digest of an asset: declared ones, then computed ones from `blob`.
std::vector<Digest> all_digests(const ManifestAsset& a, const fs::path& blob) {
  std::vector<Digest> out;
  for (HashAlgorithm algo : kAlgorithms) {
    if (auto d = declared(a, algo)) out.push_back(*d);
    else out.push_back(Digest{algo, hash_file(blob, algo)});  // not declared: hash the blob once more
  }
  return out;
}

// Indexes a verified blob under every digest of the asset, read-only.
void index_blob(const fs::path& dir, const ManifestAsset& a, const fs::path& blob) {
  ::chmod(blob.c_str(), 0444);
  for (const Digest& d : all_digests(a, blob)) link_as(blob, index_path(dir, d));
}

// An intact blob already in DIR for this asset, if any. Corrupt names of
// declared digests are removed (and recorded in the tally).
std::optional<fs::path> existing_blob(const fs::path& dir, const ManifestAsset& a, Tally& t, Reporter& reporter) {
  std::optional<fs::path> good;
  for (HashAlgorithm algo : kAlgorithms) {
    auto d = declared(a, algo);
    if (!d) continue;
    fs::path p = index_path(dir, *d);
    std::error_code ec;
    if (!fs::exists(p, ec)) continue;
    if (good && same_inode(*good, p)) continue;  // already verified through the other name
    if (blob_matches(p, *d)) {
      if (!good) good = p;
      continue;
    }
    reporter.warning(a.name, "corrupt mirror blob " + p.string() + " (its bytes do not match the " +
                                 algorithm_name(algo) + "); removing it and fetching the asset again");
    t.corrupt.push_back(a.name + " (" + p.string() + ")");
    fs::remove(p, ec);
  }
  return good;  // index_blob() relinks any other name that is a different inode
}

FileSpec mirror_spec(const ManifestAsset& a, const Config& config, const fs::path& incoming) {
  FileSpec s;
  s.name = a.name;
  s.digest = a.sha256 ? a.sha256 : a.sha512;
  if (a.sha256 && a.sha512) s.extra_digest = a.sha512;
  s.size = a.size;
  s.local_name = incoming / a.name;  // names are unique, [A-Za-z0-9_.-]+
  s.candidates = build_candidates(config, identity_of(a), a.urls);
  s.write_back = write_back_targets(config, identity_of(a));
  // No candidate (block_origin, no source or rewrite): the local cache only.
  return s;  // the whole file, whatever ranges the manifest asks a sync for
}

bool to_object_store(const MirrorArgs& a) {
  if (!a.kind.empty()) return a.kind != "dir";
  const std::string scheme = url_scheme(a.to);
  const std::string origin = url_origin(a.to);
  return scheme == "s3" || (scheme == "https" && origin.find(".blob.core.windows.net:") != std::string::npos);
}

// The writable sources PREFIX/{sha256} and PREFIX/{sha512}, checked by the
// config's own rules (so bad flags are exit 2 naming what to fix).
Config store_destination(const MirrorArgs& a) {
  nlohmann::json base = nlohmann::json::object();
  std::string prefix = a.to, sas;
  if (url_scheme(a.to) == "s3") {
    if (a.endpoint.empty() || a.region.empty())
      throw InputError("mirror --to " + a.to + " needs --endpoint URL and --region REGION (credentials come from "
                       "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
    base = {{"kind", "s3"}, {"endpoint", a.endpoint}, {"region", a.region}};
    if (!a.addressing.empty()) base["addressing"] = a.addressing;
  } else {
    if (!a.kind.empty() && a.kind != "azure-blob")
      throw InputError("--kind " + a.kind + " is not a mirror destination kind; use dir, azure-blob (or s3:// in --to)");
    if (!a.endpoint.empty() || !a.region.empty())
      throw InputError("--endpoint and --region are for --to s3://BUCKET/PREFIX only");
    base = {{"kind", "azure-blob"}};
    if (auto q = a.to.find('?'); q != std::string::npos) {
      prefix = a.to.substr(0, q);
      sas = a.to.substr(q);
    }
  }
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  nlohmann::json sources = nlohmann::json::array();
  for (const char* placeholder : {"/{sha256}", "/{sha512}"}) {
    nlohmann::json source = base;
    source["url"] = prefix + placeholder + sas;
    source["access"] = "write";
    sources.push_back(source);
  }
  return parse_config(nlohmann::json{{"sources", sources}}.dump(), "--to");
}

// Fetches every asset (the local cache serves what it has) and uploads it to
// the store under both digests; a failed upload fails the mirror (exit 4).
int run_store_mirror(const MirrorArgs& a, Reporter& reporter) {
  const Config destination = store_destination(a);
  Settings s = resolve_settings(a.common);
  s.job.install = InstallMode::copy;
  Manifest m = load_manifest(a.manifest);
  for (const auto& asset : m.assets)
    if (!asset.sha256 && !asset.sha512)
      throw InputError(m.file.string() + ": asset '" + asset.name + "' has no sha256 or sha512; a shared cache is "
                       "content-addressed and needs one");
  // Never a predictable name in a shared /tmp: another user could plant it.
  const fs::path incoming = create_private_directory(fs::temp_directory_path(), "assetfetch-mirror-");
  std::vector<FileSpec> specs;
  for (const auto& asset : m.assets) {
    specs.push_back(mirror_spec(asset, s.config, incoming));
    specs.back().write_back.clear();  // uploaded below, under both names
  }
  std::string name = a.job.empty() ? "mirror-" + fs::path(a.manifest).stem().string() : a.job;
  int rc = run_job(name, s.job, std::move(specs), reporter).exit_code;
  int uploaded = 0;
  for (const auto& asset : m.assets) {
    const fs::path blob = incoming / asset.name;
    std::error_code ec;
    if (!fs::is_regular_file(blob, ec)) continue;  // failed; run_job reported it
    const std::vector<Digest> digests = all_digests(asset, blob);
    const AssetIdentity id{asset.name, digests[0], digests[1]};
    for (Candidate& target : write_back_targets(destination, id))
      WriteBackQueue::instance().submit({asset.name, std::move(target), blob, s.job.retry, s.job.tls});
    ++uploaded;
  }
  const WriteBackReport r = WriteBackQueue::instance().drain(s.job.write_back_wait);
  for (const auto& f : r.failures) reporter.error(f.asset, ErrorCode::unavailable, "upload to " + f.target + " failed: " + f.reason);
  if (r.unfinished > 0)
    reporter.error("", ErrorCode::unavailable, std::to_string(r.unfinished) + " upload(s) unfinished after " +
                                                   std::to_string(s.job.write_back_wait.count()) + " s");
  if (rc == 0 && (!r.failures.empty() || r.unfinished > 0)) rc = exit_code_for(ErrorCode::unavailable);
  std::error_code ignored;
  fs::remove_all(incoming, ignored);
  if (!a.common.quiet || rc != 0)
    std::cerr << "assetfetch: mirror " << redact_url(a.to) << ": " << uploaded << " of " << m.assets.size()
              << " assets fetched, " << r.succeeded << " objects uploaded, " << r.failures.size() << " failed\n";
  return rc;
}

int run_mirror(MirrorArgs& a) {
  Reporter reporter(a.common.json, a.common.quiet, a.common.verbose, parse_progress_style(a.common.progress));
  if (to_object_store(a)) {
    try {
      return run_store_mirror(a, reporter);
    } catch (const InputError& e) {
      reporter.error("", ErrorCode::bad_input, e.what());
      return exit_code_for(ErrorCode::bad_input);
    }
  }
  fs::path incoming;
  int rc = 0;
  try {
    if (a.to.empty()) throw InputError("mirror needs --to DIR (the directory to fill)");
    Settings s = resolve_settings(a.common);
    s.job.install = InstallMode::copy;  // the mirror's inodes are its own, never the cache's
    Manifest m = load_manifest(a.manifest);
    const fs::path dir = fs::absolute(a.to);
    // The working directory .incoming-<random> is an internal detail: name the
    // blob's place in the mirror instead.
    reporter.set_destination_label([dir](const FileSpec& spec) {
      return spec.digest ? index_path(dir, *spec.digest).string() : dir.string();
    });
    for (HashAlgorithm algo : kAlgorithms) fs::create_directories(dir / algorithm_name(algo));

    Tally tally;
    std::vector<const ManifestAsset*> missing;
    for (const auto& asset : m.assets) {
      if (!asset.sha256 && !asset.sha512)
        throw InputError(m.file.string() + ": asset '" + asset.name +
                         "' has no sha256 or sha512; a mirror is content-addressed and needs one");
      if (auto blob = existing_blob(dir, asset, tally, reporter)) {
        index_blob(dir, asset, *blob);
        ++tally.present;
        reporter.verbose(asset.name + ": already in the mirror, verified (" + blob->string() + ")");
      } else {
        missing.push_back(&asset);
      }
    }
    tally.replaced = static_cast<int>(tally.corrupt.size());

    if (!missing.empty()) {
      incoming = create_private_directory(dir, ".incoming-");
      std::vector<FileSpec> specs;
      for (const ManifestAsset* asset : missing) specs.push_back(mirror_spec(*asset, s.config, incoming));
      std::string name = a.job.empty() ? "mirror-" + fs::path(a.manifest).stem().string() : a.job;
      JobOutcome o = run_job(name, s.job, std::move(specs), reporter);
      rc = o.exit_code;
      for (const ManifestAsset* asset : missing) {
        fs::path blob = incoming / asset->name;
        std::error_code ec;
        if (!fs::is_regular_file(blob, ec)) continue;  // failed; run_job reported it
        index_blob(dir, *asset, blob);
        ++tally.fetched;
      }
    }
    if (!a.common.quiet || rc != 0) {
      if (reporter.json()) {
        std::cout << nlohmann::json{{"event", "summary"}, {"dir", dir.string()}, {"fetched", tally.fetched},
                                    {"present", tally.present}, {"corrupt_replaced", tally.corrupt},
                                    {"failed", static_cast<int>(m.assets.size()) - tally.fetched - tally.present}}
                         .dump()
                  << "\n";
      } else {
        std::cerr << "assetfetch: mirror " << dir.string() << ": " << tally.fetched << " fetched, " << tally.present
                  << " already present (verified), " << tally.replaced << " corrupt replaced, "
                  << (static_cast<int>(m.assets.size()) - tally.fetched - tally.present) << " failed\n";
        if (rc == 0)
          std::cerr << "assetfetch: use it offline with a config source {\"url\": \"file://" << dir.string()
                    << "/sha256/{sha256}\"} (or .../sha512/{sha512})\n";
      }
    }
  } catch (const InputError& e) {
    reporter.error("", ErrorCode::bad_input, e.what());
    rc = exit_code_for(ErrorCode::bad_input);
  }
  if (!incoming.empty()) {
    std::error_code ec;
    fs::remove_all(incoming, ec);
  }
  return rc;
}

const RegisterCommand registered(
    "mirror", "Fill a directory with a manifest's assets, indexed by sha256 and sha512, for offline builds",
    [](CLI::App& sub) -> std::function<int()> {
      auto a = std::make_shared<MirrorArgs>();
      sub.add_option("manifest", a->manifest, "manifest JSON (schemas/assetfetch-manifest.schema.json)")
          ->required();
      sub.add_option("--to", a->to,
                     "mirror directory to fill (DIR/sha256/<hex>, DIR/sha512/<hex>), or a shared cache to seed: "
                     "s3://BUCKET/PREFIX or an Azure container URL with its SAS (PREFIX/<sha256>, PREFIX/<sha512>)")
          ->required();
      sub.add_option("--kind", a->kind, "what --to is: dir, azure-blob or s3 (default: from --to)");
      sub.add_option("--endpoint", a->endpoint, "--to s3://: the S3 endpoint, scheme://host[:port]");
      sub.add_option("--region", a->region, "--to s3://: the SigV4 region");
      sub.add_option("--addressing", a->addressing, "--to s3://: path (default) or virtual");
      sub.add_option("-j,--jobs", a->common.jobs, "files fetched at once (default 8)")->check(CLI::Range(1, 256));
      sub.add_option("--job", a->job, "job name (default: mirror-<manifest stem>)");
      add_common_options(sub, a->common);
      return [a] { return run_mirror(*a); };
    });

}  // namespace
}  // namespace assetfetch::cli
