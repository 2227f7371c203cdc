#include "writeback/store_marks.h"

#include <fstream>
#include <system_error>

#include "base/url.h"
#include "verify/hasher.h"

namespace assetfetch {

namespace fs = std::filesystem;

StoreMarks::StoreMarks(fs::path cache_root) {
  if (!cache_root.empty()) dir_ = std::move(cache_root) / "stores";
}

fs::path StoreMarks::path_of(const std::string& url) const {
  if (dir_.empty()) return {};
  Hasher h(HashAlgorithm::sha256);
  const std::string_view object = url_without_query(url);
  h.update(object.data(), object.size());
  const std::string hex = h.finish_hex();
  return dir_ / hex.substr(0, 2) / hex.substr(2);
}

bool StoreMarks::has(const std::string& url) const {
  if (dir_.empty()) return false;
  std::error_code ec;
  return fs::symlink_status(path_of(url), ec).type() == fs::file_type::regular;
}

void StoreMarks::add(const fs::path& mark) noexcept {
  if (mark.empty()) return;
  try {
    std::error_code ec;
    const fs::path folder = mark.parent_path();
    fs::create_directories(folder, ec);
    // Never through a link: the folders must be the cache's own.
    for (const fs::path& dir : {folder.parent_path(), folder})
      if (fs::symlink_status(dir, ec).type() != fs::file_type::directory) return;
    std::ofstream(mark, std::ios::app);
  } catch (...) {
    // A mark only saves a HEAD later: losing it costs nothing else.
  }
}

}  // namespace assetfetch
