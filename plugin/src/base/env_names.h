// Every environment variable the library and the CLI read, in one place
// (README "Environment" documents them).
#pragma once

namespace assetfetch::env {

inline constexpr const char* kConfig = "ASSETFETCH_CONFIG";        // mirror config file
inline constexpr const char* kCacheDir = "ASSETFETCH_CACHE_DIR";   // cache root
inline constexpr const char* kOffline = "ASSETFETCH_OFFLINE";      // 1/true/yes/on or 0/false/no/off
inline constexpr const char* kXdgCacheHome = "XDG_CACHE_HOME";     // cache root's parent, else
inline constexpr const char* kHome = "HOME";                       // ~/.cache
inline constexpr const char* kService = "ASSETFETCH_SERVICE";     // auto | off (service/service_paths.h)
inline constexpr const char* kXdgRuntimeDir = "XDG_RUNTIME_DIR";  // the service's socket folder's parent

}  // namespace assetfetch::env
