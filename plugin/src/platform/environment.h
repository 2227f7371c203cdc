// Environment variables as UTF-8. Windows' getenv() gives the ANSI code
// page's bytes ("dépôt" may come back as "d?p?t"); paths named there
// (ASSETFETCH_CACHE_DIR, XDG_CACHE_HOME, HOME) are read through this.
#pragma once

#include <optional>
#include <string>

namespace assetfetch::platform {

// The value of `name` (ASCII), or nothing when it is not set.
std::optional<std::string> environment_value(const char* name);

}  // namespace assetfetch::platform
