// `sync`: a manifest's assets as FileSpecs at their destinations (core/manifest_jobs.h).
#include "base/quoted_value.h"
#include "config/safe_join.h"
#include "core/manifest_jobs.h"
#include "platform/path.h"

namespace assetfetch {

std::vector<FileSpec> manifest_file_specs(const Manifest& manifest, const std::filesystem::path& dest_dir) {
  std::vector<FileSpec> specs;
  DestinationJoiner dest(dest_dir);  // resolves each destination folder once
  for (const auto& a : manifest.assets) {
    FileSpec s{};
    s.name = a.name;
    if (a.sha256) s.digest = *a.sha256;
    else if (a.sha512) s.digest = *a.sha512;
    if (a.sha256 && a.sha512) s.extra_digest = *a.sha512;
    s.size = a.size;
    s.ranges = a.ranges;
    s.ranges_given = a.ranges_given;
    s.layout = a.sparse ? Layout::sparse : Layout::concatenated;
    std::string rel = a.destination.empty() ? default_file_name(a.urls.at(0)) : a.destination;
    s.local_name = dest.join(rel, platform::utf8_of(manifest.file) + ": asset " + quoted_value(a.name) + " destination");
    s.urls = a.urls;  // add_file() builds the candidate walk from the job's source policy
    specs.push_back(std::move(s));
  }
  return specs;
}

}  // namespace assetfetch
