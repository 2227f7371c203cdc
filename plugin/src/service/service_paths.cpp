#include "service/service_paths.h"

#include <cstdlib>
#include <string>

#include "base/env_names.h"

namespace assetfetch::service {

std::optional<std::filesystem::path> service_dir(const std::filesystem::path& cache_dir) {
  if (const char* run = std::getenv(env::kXdgRuntimeDir); run && *run)
    return std::filesystem::path(run) / "assetfetch";
  if (!cache_dir.empty()) return cache_dir / "service";
  return std::nullopt;
}

}  // namespace assetfetch::service
