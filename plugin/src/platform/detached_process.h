// A process started to outlive its parent (the background service): its own
// session, stdin/stdout/stderr on the null device (so it never holds the
// caller's pipes open: CMake and vcpkg read those to their end) and no
// other descriptor of the caller's, working folder "/", never waited for.
// Windows: no console, a process group of its own, no inherited handles,
// working folder the Windows folder.
#pragma once

#include <string>
#include <vector>

#include "platform/error.h"

namespace assetfetch::platform {

// argv[0] is a path (not searched on PATH).
Status spawn_detached(const std::vector<std::string>& argv);

}  // namespace assetfetch::platform
