// A manifest's assets as work for a host: `sync`'s files at their
// destinations, and `mirror`'s content-addressed copies (a directory indexed
// by digest, or an object store's PREFIX/<sha256> and PREFIX/<sha512>). The
// host runs the job and reports; what is fetched, kept and uploaded is here.
// Manifest, ManifestAsset and load_manifest() come with config/config.h.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "assetfetch/job.h"
#include "config/config.h"

namespace assetfetch {

// --- sync ---------------------------------------------------------------------

// One FileSpec per asset; destinations are joined under `dest_dir` and may
// not escape it (nor lead through a link out of it). Throws InputError before
// anything is fetched.
std::vector<FileSpec> manifest_file_specs(const Manifest& manifest, const std::filesystem::path& dest_dir);

// --- mirror: a directory DIR/sha256/<hex>, DIR/sha512/<hex> -------------------

std::filesystem::path mirror_index_path(const std::filesystem::path& dir, const Digest& d);
// Every digest of an asset, sha256 then sha512: declared ones, the others
// computed from `blob`.
std::vector<Digest> mirror_digests(const ManifestAsset& asset, const std::filesystem::path& blob);
// An intact blob already in `dir` for this asset, if any. A name of a
// declared digest whose bytes do not match is reported to `on_corrupt`, then removed.
std::optional<std::filesystem::path> mirror_existing_blob(
    const std::filesystem::path& dir, const ManifestAsset& asset,
    const std::function<void(const std::filesystem::path& blob, HashAlgorithm algo)>& on_corrupt);
// Makes a verified blob read-only and links it under every digest of the asset.
void mirror_index_blob(const std::filesystem::path& dir, const ManifestAsset& asset, const std::filesystem::path& blob);
// The whole file into `incoming`/<name>, through the job's source policy and
// write-back targets (no candidate at all: the local cache only).
FileSpec mirror_file_spec(const ManifestAsset& asset, const JobOptions& options, const std::filesystem::path& incoming);
// A new private working directory "<parent>/<prefix><random>".
std::filesystem::path mirror_incoming_directory(const std::filesystem::path& parent, const std::string& prefix);
// Removes that directory and all in it, read-only files too (on Windows too).
void mirror_remove_incoming(const std::filesystem::path& incoming);

// --- mirror: what --to names, and an object store ------------------------------

struct MirrorTarget {
  bool store = false;  // an object store (s3://, gs:// or http(s)); else the directory `dir`
  std::string dir;
};
// `to` with `kind` ("", dir, s3, gcs, azure-blob). A URL is a store only when
// `kind` or an unambiguous host says which; any other URL is an InputError
// (it never becomes a folder named after it). Messages never show a SAS.
MirrorTarget mirror_target(const std::string& to, const std::string& kind);

struct StoreFlags {
  std::string to, endpoint, region, addressing;
};
// The writable sources PREFIX/{sha256} and PREFIX/{sha512}, checked by the
// config's rules (bad flags are an InputError naming what to fix).
Config mirror_store_config(const StoreFlags& flags);
// `to` as messages name it: redacted, without its query or a trailing '/'.
std::string mirror_store_label(const std::string& to);
// `text` with every copy of `to`'s query (a SAS) redacted.
std::string without_sas(std::string text, const std::string& to);
// True when the store holds the asset under both digests with its declared
// size (a HEAD each); false when a digest or the size is not declared.
bool store_has_asset(const Config& store, const ManifestAsset& asset, const JobOptions& options);
// The store's own names for the asset, read first: a name under the other digest.
std::vector<Candidate> store_read_candidates(const Config& store, const ManifestAsset& asset);
// Queues the upload of a fetched blob under every digest (each asks the
// store first, so a name it has is not sent); Job::wait_uploads() or
// wait_store_uploads() waits for them.
void queue_store_uploads(const Config& store, const ManifestAsset& asset, const std::filesystem::path& blob,
                         const JobOptions& options);
UploadReport wait_store_uploads(std::chrono::milliseconds limit);

}  // namespace assetfetch
