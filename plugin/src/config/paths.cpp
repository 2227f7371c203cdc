// Joins that may not leave their directory (file names from URLs: base/url.h).
#include <algorithm>
#include <cctype>

#include "config/config.h"
#include "config/safe_join.h"
#include "base/input_error.h"
#include "platform/path.h"

namespace assetfetch {

std::filesystem::path safe_join(const std::filesystem::path& dir, const std::string& relative,
                                const std::string& what) {
  return DestinationJoiner(dir).join(relative, what);
}

std::filesystem::path DestinationJoiner::join(const std::string& relative, const std::string& what) {
  namespace fs = std::filesystem;
  auto refuse = [&](const std::string& why) {
    throw InputError(what + ": \"" + relative + "\" " + why);
  };
  if (relative.empty()) refuse("is empty; name a file inside " + platform::utf8_of(dir_));
  if (relative.find('\\') != std::string::npos) refuse("contains '\\'; use '/' between directories");
  const fs::path rel = platform::path_from_utf8(relative);
  if (rel.is_absolute() || rel.has_root_name() || relative.front() == '/')
    refuse("is absolute; give a path relative to " + platform::utf8_of(dir_));
  for (const auto& part : rel)
    if (part == "..") refuse("contains '..', which would leave " + platform::utf8_of(dir_));
  const fs::path joined = (dir_ / rel).lexically_normal();
  if (const std::string& outside = escape_of(joined.parent_path()); !outside.empty())
    refuse("leads out of " + platform::utf8_of(dir_) + " through a symbolic link (" + outside + ")");
  return joined;
}

const std::string& DestinationJoiner::escape_of(const std::filesystem::path& folder) {
  namespace fs = std::filesystem;
  if (auto it = folders_.find(folder); it != folders_.end()) return it->second;
  // Existing symlinks along the way may still point outside dir_ (a folder
  // that cannot be resolved is not refused here).
  std::error_code ec;
  if (!base_) base_ = fs::weakly_canonical(dir_, ec);
  const fs::path parent = fs::weakly_canonical(folder, ec);
  std::string outside;
  if (!ec) {
    auto mismatch = std::mismatch(base_->begin(), base_->end(), parent.begin(), parent.end());
    if (mismatch.first != base_->end()) outside = platform::utf8_of(parent);
  }
  return folders_.emplace(folder, std::move(outside)).first->second;
}

}  // namespace assetfetch
