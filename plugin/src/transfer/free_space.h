// How much room is left on the filesystem a body is written to: the bound
// of a download whose size nothing declares (JobOptions::min_free_space).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

namespace assetfetch {

struct FreeSpace {
  std::uint64_t available = 0;  // what an unprivileged writer may still use
  std::uint64_t total = 0;      // the filesystem's size
};

// platform::disk_space of `dir` (statvfs, GetDiskFreeSpaceExW); nullopt when it cannot be read (no bound is then applied).
std::optional<FreeSpace> free_space(const std::filesystem::path& dir);

}  // namespace assetfetch
