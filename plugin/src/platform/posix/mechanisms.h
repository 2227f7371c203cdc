// Which OS mechanism this POSIX build uses for each job the layer does:
// what `assetfetch --version` could print, and what the tests check against
// the ASSETFETCH_PORTABLE_POSIX option (docs/windows.md). POSIX builds only.
#pragma once

#include <string_view>

namespace assetfetch::platform::posix {

struct Mechanisms {
  std::string_view clone;            // "FICLONE" or "none"
  std::string_view copy;             // "copy_file_range" or "read/write"
  std::string_view range_lock;       // "F_OFD_SETLK" or "F_SETLK + in-process table"
  std::string_view file_lock;        // "flock"
  std::string_view executable_path;  // "/proc/self/exe" or "none"
  std::string_view thread_name;      // "pthread_setname_np" or "none"
};

Mechanisms mechanisms();

}  // namespace assetfetch::platform::posix
