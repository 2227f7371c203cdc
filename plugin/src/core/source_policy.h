// The core's source policy: how add_file() turns a file's declared URLs into
// its candidate walk (the mirror config's sources, rewrites, fallback
// mirrors; block_origin), and how mirror health orders it. The CLI and the C
// ABI both get this by filling JobOptions; neither builds candidates itself.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "assetfetch/job.h"
#include "config/config.h"
#include "core/mirror_health.h"

namespace assetfetch {

// The job's copy of the mirror config, with JobOptions::block_origin applied.
std::shared_ptr<const Config> job_source_config(const JobOptions& options);

// Fills spec.candidates and spec.write_back from spec.urls (when given).
// Throws InputError (e.g. a rewrite rule that does not compile).
void expand_candidates(const Config& config, FileSpec& spec);

// Moves recently failed origins to the back; `notes` says why (for -v).
void order_by_health(const MirrorHealth& health, FileSpec& spec, std::vector<std::string>* notes);

}  // namespace assetfetch
