// Where the background service listens, and whether a client uses it.
//
// Whether a client uses it is ResolvedOptions::service (config "service",
// overridden by ASSETFETCH_SERVICE): "off" (the default: never touch the
// socket) or "auto" (send jobs to the service, starting it when absent).
// The socket: $XDG_RUNTIME_DIR/assetfetch/service.sock, else
// <cache dir>/service/service.sock; the folder is private (0700, this user).
#pragma once

#include <filesystem>
#include <optional>

namespace assetfetch::service {

// The service's folder for a client whose cache is `cache_dir` (empty: no
// cache); nullopt when there is neither XDG_RUNTIME_DIR nor a cache.
std::optional<std::filesystem::path> service_dir(const std::filesystem::path& cache_dir);

inline std::filesystem::path socket_path(const std::filesystem::path& dir) { return dir / "service.sock"; }

}  // namespace assetfetch::service
