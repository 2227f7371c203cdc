#include "core/source_policy.h"

#include "core/resolve_options.h"

namespace assetfetch {

std::shared_ptr<const Config> job_source_config(const JobOptions& options) {
  auto config = std::make_shared<Config>(options.sources ? *options.sources : Config{});
  config->block_origin = options.block_origin;
  return config;
}

void expand_candidates(const Config& config, FileSpec& spec) {
  if (spec.urls.empty()) return;
  AssetIdentity id{spec.name, std::nullopt, std::nullopt};
  if (spec.digest && spec.digest->algorithm == HashAlgorithm::sha256) id.sha256 = spec.digest;
  if (spec.digest && spec.digest->algorithm == HashAlgorithm::sha512) id.sha512 = spec.digest;
  if (spec.extra_digest && spec.extra_digest->algorithm == HashAlgorithm::sha512 && !id.sha512) id.sha512 = spec.extra_digest;
  spec.candidates = build_candidates(config, id, spec.urls);
  if (spec.digest) spec.write_back = write_back_targets(config, id);
}

bool has_sources(const JobOptions& options, FileSpec spec) {
  expand_candidates(*job_source_config(options), spec);
  return !spec.candidates.empty();
}

void order_by_health(const MirrorHealth& health, FileSpec& spec, std::vector<std::string>* notes) {
  health.reorder(spec.candidates, notes);
}

}  // namespace assetfetch
