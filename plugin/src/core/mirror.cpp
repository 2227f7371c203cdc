// `mirror`: a manifest's assets as a content-addressed directory or as an
// object store's names (core/manifest_jobs.h).
#include <nlohmann/json.hpp>

#include "base/input_error.h"
#include "base/url.h"
#include "cache/unique_fd.h"
#include "core/manifest_jobs.h"
#include "transfer/aws_credential_chain.h"
#include "core/source_policy.h"
#include "platform/directory.h"
#include "platform/file.h"
#include "platform/fs_ops.h"
#include "platform/path.h"
#include "transfer/redact.h"
#include "verify/hasher.h"
#include "writeback/upload.h"
#include "writeback/writeback_queue.h"

namespace assetfetch {
namespace {

namespace fs = std::filesystem;

constexpr HashAlgorithm kIndexAlgorithms[] = {HashAlgorithm::sha256, HashAlgorithm::sha512};

AssetIdentity identity_of(const ManifestAsset& a) { return {a.name, a.sha256, a.sha512}; }

std::optional<Digest> declared(const ManifestAsset& a, HashAlgorithm algo) {
  return algo == HashAlgorithm::sha256 ? a.sha256 : a.sha512;
}

bool same_file(const fs::path& a, const fs::path& b) {
  const auto ia = platform::identity_of_path(platform::utf8_of(a), true);
  const auto ib = platform::identity_of_path(platform::utf8_of(b), true);
  return ia && ib && ia.value().same_file(ib.value());
}

bool blob_matches(const fs::path& p, const Digest& d) {
  try {
    return hash_file(p, d.algorithm) == d.hex;
  } catch (const std::exception&) {
    return false;
  }
}

// Atomically makes `target` another name of `blob`'s inode. `target` may be
// a read-only name (an index of an earlier run): platform::replace_file
// replaces it on Windows too, where a plain rename is refused.
void link_as(const fs::path& blob, const fs::path& target) {
  if (same_file(blob, target)) return;
  fs::create_directories(target.parent_path());
  fs::path tmp = target;
  tmp += "." + random_suffix() + ".link.tmp";
  const std::string from = platform::utf8_of(blob), tmp_name = platform::utf8_of(tmp);
  (void)platform::remove_file(tmp_name);
  if (platform::Status linked = platform::hard_link(from, tmp_name); !linked)
    throw std::runtime_error("cannot hard-link " + from + " as " + platform::utf8_of(target) + ": " +
                             platform::native_error_text(linked.error().native) +
                             " (the mirror directory must be on one filesystem that supports hard links)");
  if (platform::Status replaced = platform::replace_file(tmp_name, platform::utf8_of(target)); !replaced) {
    (void)platform::remove_file(tmp_name);
    throw std::runtime_error(replaced.error().message());
  }
}

}  // namespace

// --- a directory ------------------------------------------------------------

fs::path mirror_index_path(const fs::path& dir, const Digest& d) { return dir / algorithm_name(d.algorithm) / d.hex; }

std::vector<Digest> mirror_digests(const ManifestAsset& a, const fs::path& blob) {
  std::vector<Digest> out;
  for (HashAlgorithm algo : kIndexAlgorithms) {
    if (auto d = declared(a, algo)) out.push_back(*d);
    else out.push_back(Digest{algo, hash_file(blob, algo)});  // not declared: hash the blob once more
  }
  return out;
}

std::optional<fs::path> mirror_existing_blob(const fs::path& dir, const ManifestAsset& a,
                                             const std::function<void(const fs::path&, HashAlgorithm)>& on_corrupt) {
  std::optional<fs::path> good;
  for (HashAlgorithm algo : kIndexAlgorithms) {
    auto d = declared(a, algo);
    if (!d) continue;
    fs::path p = mirror_index_path(dir, *d);
    std::error_code ec;
    if (!fs::exists(p, ec)) continue;
    if (good && same_file(*good, p)) continue;  // already verified through the other name
    if (blob_matches(p, *d)) {
      if (!good) good = p;
      continue;
    }
    on_corrupt(p, algo);
    (void)platform::remove_file(platform::utf8_of(p));  // read-only: Windows needs the attribute cleared
  }
  return good;  // mirror_index_blob() relinks any other name that is a different inode
}

void mirror_index_blob(const fs::path& dir, const ManifestAsset& a, const fs::path& blob) {
  (void)platform::make_read_only(platform::utf8_of(blob));
  for (const Digest& d : mirror_digests(a, blob)) link_as(blob, mirror_index_path(dir, d));
}

FileSpec mirror_file_spec(const ManifestAsset& a, const JobOptions& options, const fs::path& incoming) {
  const auto config = job_source_config(options);
  FileSpec s;
  s.name = a.name;
  s.digest = a.sha256 ? a.sha256 : a.sha512;
  if (a.sha256 && a.sha512) s.extra_digest = a.sha512;
  s.size = a.size;
  s.local_name = incoming / platform::path_from_utf8(a.name);  // names are unique, [A-Za-z0-9_.-]+
  s.candidates = build_candidates(*config, identity_of(a), a.urls);
  s.write_back = write_back_targets(*config, identity_of(a));
  return s;  // the whole file, whatever ranges the manifest asks a sync for
}

fs::path mirror_incoming_directory(const fs::path& parent, const std::string& prefix) {
  return create_private_directory(parent, prefix);
}

void mirror_remove_incoming(const fs::path& incoming) {
  // Its blobs are read-only (mirror_index_blob): Windows refuses to delete
  // those through std::filesystem, and mingw-w64's remove_all lists the wrong
  // folder past 260 characters; platform::remove_tree does neither.
  (void)platform::remove_tree(platform::utf8_of(incoming));
}

// --- an object store ----------------------------------------------------------

MirrorTarget mirror_target(const std::string& to, const std::string& kind) {
  const auto url = split_url(to);
  const std::string scheme = url ? url->scheme : std::string();
  MirrorTarget out;
  if (!kind.empty() && kind != "dir" && kind != "s3" && kind != "gcs" && kind != "azure-blob")
    throw InputError("--kind " + kind + " is not a mirror destination kind; use dir, azure-blob, s3 or gcs");
  if (url && scheme == "file") {
    if (!kind.empty() && kind != "dir")
      throw InputError("--to " + redact_url(to) + " is a file:// URL; --kind " + kind + " needs a store URL");
    // Percent escapes decoded; file:///C:/... and file://server/share/... on
    // Windows; another machine's host refused (platform::file_url_to_path,
    // the conversion file:// sources go through too).
    if (url->after_scheme.empty())
      throw InputError("--to " + redact_url(to) + " names no folder; write file:///PATH");
    platform::Result<std::string> path = platform::file_url_to_path(to);
    if (!path) throw InputError("--to " + redact_url(to) + ": " + path.error().detail);
    out.dir = path.value();
    return out;
  }
  if (!url) {
    if (!kind.empty() && kind != "dir")
      throw InputError("--kind " + kind + " needs a store URL in --to (s3://BUCKET/PREFIX, gs://BUCKET/PREFIX or "
                       "https://...), not a path");
    out.dir = to;
    return out;
  }
  if (kind == "dir")
    throw InputError("--to " + redact_url(to) + " is a URL; --kind dir takes a local path or file:///PATH");
  out.store = true;
  if (scheme == "s3") {
    if (!kind.empty() && kind != "s3")
      throw InputError("--to s3://... is an S3 bucket; drop --kind " + kind + " or use --kind s3");
    return out;
  }
  if (scheme == "gs") {
    if (!kind.empty() && kind != "gcs")
      throw InputError("--to gs://... is a Google Cloud Storage bucket; drop --kind " + kind + " or use --kind gcs");
    return out;
  }
  if (scheme != "https" && scheme != "http")
    throw InputError("--to " + redact_url(to) + ": a mirror destination is a directory, file:///PATH, "
                     "s3://BUCKET/PREFIX, gs://BUCKET/PREFIX or an http(s) store URL");
  if (kind == "s3") throw InputError("--to for --kind s3 is s3://BUCKET/PREFIX with --endpoint " + url_origin(to));
  if (kind == "gcs") throw InputError("--to for --kind gcs is gs://BUCKET/PREFIX with --endpoint " + url_origin(to));
  const std::string origin = url_origin(to);
  if (kind.empty() && origin.find(".blob.core.windows.net:") == std::string::npos)
    throw InputError("--to " + redact_url(to) + ": which store is it? add --kind azure-blob (Azure, Azurite, "
                     "a custom domain), or give s3://BUCKET/PREFIX with --endpoint for S3");
  return out;
}

Config mirror_store_config(const StoreFlags& a) {
  nlohmann::json base = nlohmann::json::object();
  const auto url = split_url(a.to);
  std::string prefix = a.to, sas;
  if (url && url->scheme == "s3") {
    // As in a config: the region from --region, else AWS_REGION or the
    // profile; the endpoint from --endpoint, else AWS_ENDPOINT_URL_S3 or the
    // region's AWS address; credentials from the AWS chain (docs/mirrors.md).
    if (a.region.empty() && aws_region_from_environment().empty())
      throw InputError("mirror --to " + a.to + " needs a region: give --region REGION, or set AWS_REGION or a "
                       "region in the AWS profile (--endpoint URL for a store other than AWS)");
    base = {{"kind", "s3"}};
    if (!a.endpoint.empty()) base["endpoint"] = a.endpoint;
    if (!a.region.empty()) base["region"] = a.region;
    if (!a.addressing.empty()) base["addressing"] = a.addressing;
  } else if (url && url->scheme == "gs") {
    // As a "kind": "gcs" source: storage.googleapis.com, region auto, the
    // HMAC key from GOOGLE_HMAC_ACCESS_ID/GOOGLE_HMAC_SECRET (never the AWS chain).
    base = {{"kind", "gcs"}};
    if (!a.endpoint.empty()) base["endpoint"] = a.endpoint;
    if (!a.region.empty()) base["region"] = a.region;
    if (!a.addressing.empty()) base["addressing"] = a.addressing;
  } else {
    if (!a.endpoint.empty() || !a.region.empty())
      throw InputError("--endpoint and --region are for --to s3://BUCKET/PREFIX or gs://BUCKET/PREFIX only");
    base = {{"kind", "azure-blob"}};
    if (url && url->query) {
      prefix = a.to.substr(0, a.to.size() - url->query->size() - 1);
      sas = "?" + std::string(*url->query);
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
  Config destination = parse_config(nlohmann::json{{"sources", sources}}.dump(), "--to");
  if (!destination.skipped_stores.empty()) throw InputError(destination.skipped_stores.front());  // no credentials
  return destination;
}

std::string mirror_store_label(const std::string& to) {
  std::string label = redact_url(url_without_query(to));
  while (!label.empty() && label.back() == '/') label.pop_back();
  return label;
}

std::string without_sas(std::string text, const std::string& to) {
  const auto url = split_url(to);
  if (!url || !url->query) return text;
  const std::string redacted = redact_url(to);  // split_url's parts are views: keep the text alive
  const auto safe_url = split_url(redacted);
  const std::string raw = "?" + std::string(*url->query), safe = "?" + std::string(safe_url->query.value_or(""));
  for (auto p = text.find(raw); p != std::string::npos; p = text.find(raw, p + safe.size())) text.replace(p, raw.size(), safe);
  return text;
}

bool store_has_asset(const Config& store, const ManifestAsset& asset, const JobOptions& options) {
  if (!asset.sha256 || !asset.sha512) return false;  // the other name needs the bytes
  if (!asset.size) return false;
  for (const Candidate& target : write_back_targets(store, identity_of(asset)))
    if (!store_has_object(target, *asset.size, options.retry, options.tls)) return false;
  return true;
}

std::vector<Candidate> store_read_candidates(const Config& store, const ManifestAsset& asset) {
  return build_candidates(store, identity_of(asset), {});
}

void queue_store_uploads(const Config& store, const ManifestAsset& asset, const fs::path& blob,
                         const JobOptions& options) {
  const std::vector<Digest> digests = mirror_digests(asset, blob);
  const AssetIdentity id{asset.name, digests[0], digests[1]};
  for (Candidate& target : write_back_targets(store, id))
    WriteBackQueue::instance().submit({asset.name, std::move(target), blob, options.retry, options.tls, {}});
}

UploadReport wait_store_uploads(std::chrono::milliseconds limit) { return WriteBackQueue::instance().drain(limit); }

}  // namespace assetfetch
