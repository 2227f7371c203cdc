#include "transfer/free_space.h"

#include "platform/fs_ops.h"
#include "platform/path.h"

namespace assetfetch {

std::optional<FreeSpace> free_space(const std::filesystem::path& dir) {
  platform::Result<platform::DiskSpace> s = platform::disk_space(platform::utf8_of(dir));
  if (!s) return std::nullopt;
  return FreeSpace{s.value().available, s.value().total};
}

}  // namespace assetfetch
