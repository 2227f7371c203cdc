// Turning manifest assets into the engine's FileSpecs (sync, mirror).
#pragma once

#include <filesystem>
#include <vector>

#include "assetfetch/job.h"
#include "config/config.h"

namespace assetfetch::cli {

// Destinations are joined under `dest_dir` and may not escape it. Throws
// InputError before anything is fetched.
std::vector<FileSpec> specs_from_manifest(const Manifest& manifest, const std::filesystem::path& dest_dir);

AssetIdentity identity_of(const ManifestAsset& asset);

}  // namespace assetfetch::cli
