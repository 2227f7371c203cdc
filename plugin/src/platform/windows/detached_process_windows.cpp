// Detached processes on Windows: not built yet (the service is POSIX only).
#include "platform/detached_process.h"

namespace assetfetch::platform {

Status spawn_detached(const std::vector<std::string>& argv) {
  return PlatformError{Errc::unsupported, 0, "start", argv.empty() ? std::string() : argv[0],
                       "the background service is not built for Windows yet"};
}

}  // namespace assetfetch::platform
