#include "service/service_paths.h"

#include <cstdlib>
#include <system_error>
#include <string>

#include "base/env_names.h"
#include "base/input_error.h"
#include "base/quoted_value.h"
#include "platform/path.h"

namespace assetfetch::service {

Mode mode_from_environment() {
  const char* v = std::getenv(env::kService);
  const std::string value = v ? v : "";
  if (value.empty() || value == "off" || value == "0") return Mode::off;
  if (value == "auto" || value == "1") return Mode::automatic;
  throw InputError(std::string(env::kService) + "=" + quoted_value(value) +
                   " is not a service mode: use auto (fetch through the background service, starting it when "
                   "needed) or off (fetch in this process)");
}

std::optional<std::filesystem::path> service_dir(const std::filesystem::path& cache_dir) {
  // Absolute: the service it starts works in another folder ("/", or the
  // Windows folder), and on Windows the pipe's name is derived from it.
  std::error_code ec;
  if (const char* run = std::getenv(env::kXdgRuntimeDir); run && *run)
    return std::filesystem::absolute(platform::path_from_utf8(run) / "assetfetch", ec);
  if (!cache_dir.empty()) return std::filesystem::absolute(cache_dir / "service", ec);
  return std::nullopt;
}

}  // namespace assetfetch::service
