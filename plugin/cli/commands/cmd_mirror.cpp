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
// or any http(s) URL with --kind azure-blob) seeds a shared cache instead:
// PREFIX/<sha256> and PREFIX/<sha512>, the names `sources` templates and
// vcpkg's x-azurl read. An asset whose names the store already has (HEAD) is
// neither fetched nor uploaded; the others are read from the store first (a
// name under the other digest), the local cache, then the sources, and only
// the missing names are uploaded. Any other URL is refused (never a folder
// named after it), and no message shows a SAS or key (redact_url).
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

// `text` with every copy of --to's query (a SAS) replaced by its redacted
// form: a checker's message may quote the URL it was given.
std::string without_sas(std::string text, const std::string& to) {
  const auto q = to.find('?');
  if (q == std::string::npos) return text;
  const std::string raw = to.substr(q), safe = redact_url(to).substr(redact_url(to).find('?'));
  for (auto p = text.find(raw); p != std::string::npos; p = text.find(raw, p + safe.size())) text.replace(p, raw.size(), safe);
  return text;
}

bool looks_like_url(const std::string& to) {
  const auto colon = to.find("://");
  if (colon == std::string::npos || colon == 0) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    const auto c = static_cast<unsigned char>(to[i]);
    if (!(std::isalnum(c) || c == '+' || c == '-' || c == '.')) return false;
  }
  return true;
}

// What --to names: a directory (returned in `dir`) or an object store. A URL
// is a store only when --kind or an unambiguous host says which; any other
// URL is an error (it must never become a folder named after it).
bool to_object_store(const MirrorArgs& a, std::string& dir) {
  const std::string scheme = url_scheme(a.to);
  const bool url = looks_like_url(a.to);
  if (!a.kind.empty() && a.kind != "dir" && a.kind != "s3" && a.kind != "azure-blob")
    throw InputError("--kind " + a.kind + " is not a mirror destination kind; use dir, azure-blob or s3");
  if (url && scheme == "file") {
    if (!a.kind.empty() && a.kind != "dir")
      throw InputError("--to " + redact_url(a.to) + " is a file:// URL; --kind " + a.kind + " needs a store URL");
    dir = a.to.substr(7);
    if (dir.empty() || dir.front() != '/')
      throw InputError("--to " + redact_url(a.to) + ": a file:// URL names an absolute path (file:///srv/mirror)");
    return false;
  }
  if (!url) {
    if (!a.kind.empty() && a.kind != "dir")
      throw InputError("--kind " + a.kind + " needs a store URL in --to (s3://BUCKET/PREFIX or https://...), not a path");
    dir = a.to;
    return false;
  }
  if (a.kind == "dir")
    throw InputError("--to " + redact_url(a.to) + " is a URL; --kind dir takes a local path or file:///PATH");
  if (scheme == "s3") {
    if (!a.kind.empty() && a.kind != "s3")
      throw InputError("--to s3://... is an S3 bucket; drop --kind " + a.kind + " or use --kind s3");
    return true;
  }
  if (scheme != "https" && scheme != "http")
    throw InputError("--to " + redact_url(a.to) + ": a mirror destination is a directory, file:///PATH, "
                     "s3://BUCKET/PREFIX or an http(s) store URL");
  if (a.kind == "s3")
    throw InputError("--to for --kind s3 is s3://BUCKET/PREFIX with --endpoint " + url_origin(a.to));
  const std::string origin = url_origin(a.to);
  if (a.kind.empty() && origin.find(".blob.core.windows.net:") == std::string::npos)
    throw InputError("--to " + redact_url(a.to) + ": which store is it? add --kind azure-blob (Azure, Azurite, "
                     "a custom domain), or give s3://BUCKET/PREFIX with --endpoint for S3");
  return true;
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
    source["access"] = "readwrite";  // read first: what it holds is not fetched elsewhere
    sources.push_back(source);
  }
  return parse_config(nlohmann::json{{"sources", sources}}.dump(), "--to");
}

// The store's names for `asset` under its declared digests, probed with a
// HEAD each; true when every one is there with `asset.size` bytes (or any
// size when the manifest gives none) and both digests are declared.
bool store_has_asset(const Config& destination, const ManifestAsset& asset, const JobOptions& job) {
  if (!asset.sha256 || !asset.sha512) return false;  // the other name needs the bytes
  if (!asset.size) return false;
  for (const Candidate& target : write_back_targets(destination, identity_of(asset)))
    if (!store_has_object(target, *asset.size, job.retry, job.tls)) return false;
  return true;
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
  std::string label = redact_url(a.to.substr(0, a.to.find('?')));
  while (!label.empty() && label.back() == '/') label.pop_back();
  // The temporary directory is an internal detail: name the object instead.
  reporter.set_destination_label([label](const FileSpec& spec) {
    return spec.digest ? label + "/" + spec.digest->hex : label;
  });
  std::vector<const ManifestAsset*> missing;
  int present = 0;
  for (const auto& asset : m.assets) {
    if (store_has_asset(destination, asset, s.job)) {
      ++present;
      reporter.verbose(asset.name + ": already in the store");
    } else {
      missing.push_back(&asset);
    }
  }
  int rc = 0, fetched = 0;
  WriteBackReport r;
  if (!missing.empty()) {
    // Never a predictable name in a shared /tmp: another user could plant it.
    const fs::path incoming = create_private_directory(fs::temp_directory_path(), "assetfetch-mirror-");
    std::vector<FileSpec> specs;
    for (const ManifestAsset* asset : missing) {
      FileSpec spec = mirror_spec(*asset, s.config, incoming);
      // The store itself first: a name it has under the other digest.
      std::vector<Candidate> walk = build_candidates(destination, identity_of(*asset), {});
      walk.insert(walk.end(), spec.candidates.begin(), spec.candidates.end());
      spec.candidates = std::move(walk);
      spec.write_back.clear();  // uploaded below, under both names
      specs.push_back(std::move(spec));
    }
    std::string name = a.job.empty() ? "mirror-" + fs::path(a.manifest).stem().string() : a.job;
    rc = run_job(name, s.job, std::move(specs), reporter).exit_code;
    for (const ManifestAsset* asset : missing) {
      const fs::path blob = incoming / asset->name;
      std::error_code ec;
      if (!fs::is_regular_file(blob, ec)) continue;  // failed; run_job reported it
      const std::vector<Digest> digests = all_digests(*asset, blob);
      const AssetIdentity id{asset->name, digests[0], digests[1]};
      // Each upload asks the store first (HEAD), so a name it has is not sent.
      for (Candidate& target : write_back_targets(destination, id))
        WriteBackQueue::instance().submit({asset->name, std::move(target), blob, s.job.retry, s.job.tls});
      ++fetched;
    }
    r = WriteBackQueue::instance().drain(s.job.write_back_wait);
    std::error_code ignored;
    fs::remove_all(incoming, ignored);
  }
  for (const auto& f : r.failures) reporter.error(f.asset, ErrorCode::unavailable, "upload to " + f.target + " failed: " + f.reason);
  if (r.skipped > 0)
    reporter.error("", ErrorCode::unavailable, std::to_string(r.skipped) + " upload(s) not tried after the store failed");
  if (r.unfinished > 0)
    reporter.error("", ErrorCode::unavailable, std::to_string(r.unfinished) + " upload(s) unfinished after " +
                                                   std::to_string(s.job.write_back_wait.count()) + " s");
  const bool upload_failed = !r.failures.empty() || r.unfinished > 0 || r.skipped > 0;
  if (rc == 0 && upload_failed) rc = exit_code_for(ErrorCode::unavailable);
  const std::size_t sent = r.succeeded - r.already_there;
  const int failed = static_cast<int>(m.assets.size()) - present - fetched;
  if (!a.common.quiet || rc != 0) {
    if (reporter.json()) {
      std::cout << nlohmann::json{{"event", "summary"}, {"store", label}, {"present", present}, {"fetched", fetched},
                                  {"uploaded", sent}, {"already_there", r.already_there},
                                  {"upload_failures", r.failures.size() + r.skipped + r.unfinished}, {"failed", failed}}
                       .dump()
                << "\n";
    } else {
      std::cerr << "assetfetch: mirror " << label << ": " << present << " already in the store, " << fetched
                << " fetched, " << sent << " objects uploaded (" << r.already_there << " already there), "
                << r.failures.size() + r.skipped + r.unfinished << " uploads failed, " << failed << " assets failed\n";
    }
  }
  return rc;
}

int run_mirror(MirrorArgs& a) {
  Reporter reporter(a.common.json, a.common.quiet, a.common.verbose, parse_progress_style(a.common.progress));
  std::string to_dir;
  try {
    if (to_object_store(a, to_dir)) return run_store_mirror(a, reporter);
  } catch (const InputError& e) {
    reporter.error("", ErrorCode::bad_input, without_sas(e.what(), a.to));
    return exit_code_for(ErrorCode::bad_input);
  }
  fs::path incoming;
  int rc = 0;
  try {
    if (to_dir.empty()) throw InputError("mirror needs --to DIR (the directory to fill)");
    Settings s = resolve_settings(a.common);
    s.job.install = InstallMode::copy;  // the mirror's inodes are its own, never the cache's
    Manifest m = load_manifest(a.manifest);
    const fs::path dir = fs::absolute(to_dir);
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
      sub.add_option("-j,--jobs", a->common.jobs,
                     "files fetched at once, at most (default: automatic, 8 over HTTP/1.1, 32 once the "
                     "server multiplexes over HTTP/2)")
          ->check(CLI::Range(1, 256));
      sub.add_option("--job", a->job, "job name (default: mirror-<manifest stem>)");
      add_common_options(sub, a->common);
      return [a] { return run_mirror(*a); };
    });

}  // namespace
}  // namespace assetfetch::cli
