#include "service/service_paths.h"

#include <cstdlib>
#include <system_error>
#include <string>

#include "base/env_names.h"
#include "platform/environment.h"
#include "platform/path.h"

namespace assetfetch::service {

std::optional<std::filesystem::path> service_dir(const std::filesystem::path& cache_dir) {
  // Absolute: the service it starts works in another folder ("/", or the
  // Windows folder), and on Windows the pipe's name is derived from it.
  std::error_code ec;
  if (auto run = platform::environment_value(env::kXdgRuntimeDir); run && !run->empty())
    return std::filesystem::absolute(platform::path_from_utf8(*run) / "assetfetch", ec);
  if (!cache_dir.empty()) return std::filesystem::absolute(cache_dir / "service", ec);
  return std::nullopt;
}

}  // namespace assetfetch::service
