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
// `--to s3://BUCKET/PREFIX` (with --endpoint, --region), `gs://BUCKET/PREFIX`
// (Google Cloud Storage's XML API, as a "kind": "gcs" source) or an Azure Blob
// container prefix (https://ACCOUNT.blob.core.windows.net/CONTAINER[/P]?SAS,
// or any http(s) URL with --kind azure-blob) seeds a shared cache instead:
// PREFIX/<sha256> and PREFIX/<sha512>, the names `sources` templates and
// vcpkg's x-azurl read. An asset whose names the store already has (HEAD) is
// neither fetched nor uploaded; the others are read from the store first (a
// name under the other digest), the local cache, then the sources, and only
// the missing names are uploaded. Any other URL is refused (never a folder
// named after it), and no message shows a SAS or key (redact_url).
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/input_error.h"
#include "cli_options.h"
#include "command.h"
#include "core/manifest_jobs.h"
#include "reporter.h"
#include "run_job.h"
#include "platform/path.h"

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

struct Tally {
  int present = 0, fetched = 0, replaced = 0;
  std::vector<std::string> corrupt;  // "asset (path)"
};

// An intact blob already in DIR for this asset, if any; corrupt names are
// reported, counted and removed.
std::optional<fs::path> existing_blob(const fs::path& dir, const ManifestAsset& a, Tally& t, Reporter& reporter) {
  return mirror_existing_blob(dir, a, [&](const fs::path& p, HashAlgorithm algo) {
    reporter.warning(a.name, "corrupt mirror blob " + platform::utf8_of(p) + " (its bytes do not match the " +
                                 algorithm_name(algo) + "); removing it and fetching the asset again");
    t.corrupt.push_back(a.name + " (" + platform::utf8_of(p) + ")");
  });
}

// Fetches every asset (the local cache serves what it has) and uploads it to
// the store under both digests; a failed upload fails the mirror (exit 4).
int run_store_mirror(const MirrorArgs& a, Reporter& reporter) {
  const Config destination = mirror_store_config({a.to, a.endpoint, a.region, a.addressing});
  Settings s = resolve_settings(a.common);
  s.job.install = InstallMode::copy;
  Manifest m = load_manifest(platform::path_from_utf8(a.manifest));
  for (const auto& asset : m.assets)
    if (!asset.sha256 && !asset.sha512)
      throw InputError(platform::utf8_of(m.file) + ": asset '" + asset.name + "' has no sha256 or sha512; a shared cache is "
                       "content-addressed and needs one");
  const std::string label = mirror_store_label(a.to);
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
  UploadReport r;
  if (!missing.empty()) {
    // Never a predictable name in a shared /tmp: another user could plant it.
    const fs::path incoming = mirror_incoming_directory(fs::temp_directory_path(), "assetfetch-mirror-");
    std::vector<FileSpec> specs;
    for (const ManifestAsset* asset : missing) {
      FileSpec spec = mirror_file_spec(*asset, s.job, incoming);
      // The store itself first: a name it has under the other digest.
      std::vector<Candidate> walk = store_read_candidates(destination, *asset);
      walk.insert(walk.end(), spec.candidates.begin(), spec.candidates.end());
      spec.candidates = std::move(walk);
      spec.write_back.clear();  // uploaded below, under both names
      specs.push_back(std::move(spec));
    }
    std::string name = a.job.empty() ? "mirror-" + platform::utf8_of(platform::path_from_utf8(a.manifest).stem()) : a.job;
    rc = run_job(name, s.job, std::move(specs), reporter).exit_code;
    for (const ManifestAsset* asset : missing) {
      const fs::path blob = incoming / asset->name;
      std::error_code ec;
      if (!fs::is_regular_file(blob, ec)) continue;  // failed; run_job reported it
      queue_store_uploads(destination, *asset, blob, s.job);
      ++fetched;
    }
    r = wait_store_uploads(s.job.write_back_wait);
    mirror_remove_incoming(incoming);
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
    const MirrorTarget target = mirror_target(a.to, a.kind);
    if (target.store) return run_store_mirror(a, reporter);
    to_dir = target.dir;
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
    Manifest m = load_manifest(platform::path_from_utf8(a.manifest));
    const fs::path dir = fs::absolute(platform::path_from_utf8(to_dir));
    // The working directory .incoming-<random> is an internal detail: name the
    // blob's place in the mirror instead.
    reporter.set_destination_label([dir](const FileSpec& spec) {
      return spec.digest ? platform::utf8_of(mirror_index_path(dir, *spec.digest)) : platform::utf8_of(dir);
    });
    for (HashAlgorithm algo : {HashAlgorithm::sha256, HashAlgorithm::sha512})
      fs::create_directories(dir / algorithm_name(algo));

    Tally tally;
    std::vector<const ManifestAsset*> missing;
    for (const auto& asset : m.assets) {
      if (!asset.sha256 && !asset.sha512)
        throw InputError(platform::utf8_of(m.file) + ": asset '" + asset.name +
                         "' has no sha256 or sha512; a mirror is content-addressed and needs one");
      if (auto blob = existing_blob(dir, asset, tally, reporter)) {
        mirror_index_blob(dir, asset, *blob);
        ++tally.present;
        reporter.verbose(asset.name + ": already in the mirror, verified (" + platform::utf8_of(*blob) + ")");
      } else {
        missing.push_back(&asset);
      }
    }
    tally.replaced = static_cast<int>(tally.corrupt.size());

    if (!missing.empty()) {
      incoming = mirror_incoming_directory(dir, ".incoming-");
      std::vector<FileSpec> specs;
      for (const ManifestAsset* asset : missing) specs.push_back(mirror_file_spec(*asset, s.job, incoming));
      std::string name = a.job.empty() ? "mirror-" + platform::utf8_of(platform::path_from_utf8(a.manifest).stem()) : a.job;
      JobOutcome o = run_job(name, s.job, std::move(specs), reporter);
      rc = o.exit_code;
      for (const ManifestAsset* asset : missing) {
        fs::path blob = incoming / asset->name;
        std::error_code ec;
        if (!fs::is_regular_file(blob, ec)) continue;  // failed; run_job reported it
        mirror_index_blob(dir, *asset, blob);
        ++tally.fetched;
      }
    }
    if (!a.common.quiet || rc != 0) {
      if (reporter.json()) {
        std::cout << nlohmann::json{{"event", "summary"}, {"dir", platform::utf8_of(dir)}, {"fetched", tally.fetched},
                                    {"present", tally.present}, {"corrupt_replaced", tally.corrupt},
                                    {"failed", static_cast<int>(m.assets.size()) - tally.fetched - tally.present}}
                         .dump()
                  << "\n";
      } else {
        std::cerr << "assetfetch: mirror " << platform::utf8_of(dir) << ": " << tally.fetched << " fetched, " << tally.present
                  << " already present (verified), " << tally.replaced << " corrupt replaced, "
                  << (static_cast<int>(m.assets.size()) - tally.fetched - tally.present) << " failed\n";
        // A URL on every OS: file:///srv/m, file:///C:/m (never file://C:\m), percent-encoded.
        const auto url = platform::path_to_file_url(platform::utf8_of(dir));
        if (rc == 0 && url)
          std::cerr << "assetfetch: use it offline with a config source {\"url\": \"" << url.value()
                    << "/sha256/{sha256}\"} (or .../sha512/{sha512})\n";
      }
    }
  } catch (const InputError& e) {
    reporter.error("", ErrorCode::bad_input, e.what());
    rc = exit_code_for(ErrorCode::bad_input);
  }
  if (!incoming.empty()) mirror_remove_incoming(incoming);  // its blobs are read-only
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
                     "s3://BUCKET/PREFIX, gs://BUCKET/PREFIX or an Azure container URL with its SAS (PREFIX/<sha256>, "
                     "PREFIX/<sha512>)")
          ->required();
      sub.add_option("--kind", a->kind, "what --to is: dir, azure-blob, s3 or gcs (default: from --to)");
      sub.add_option("--endpoint", a->endpoint, "--to s3:// or gs://: the endpoint, scheme://host[:port]; default: "
                     "AWS_ENDPOINT_URL_S3, else the region's AWS endpoint (s3://), https://storage.googleapis.com (gs://)");
      sub.add_option("--region", a->region, "--to s3:// or gs://: the SigV4 region; default: AWS_REGION, "
                     "AWS_DEFAULT_REGION, else the AWS profile's (s3://), auto (gs://)");
      sub.add_option("--addressing", a->addressing, "--to s3:// or gs://: path (default) or virtual");
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
