#include "config/manifest_paths.h"
#include "platform/path.h"

#include <cctype>
#include <filesystem>
#include <map>

namespace assetfetch::config_detail {

namespace {

// "a/./b" and "a//b" are "a/b".
std::string normal_form(const std::string& destination) {
  return platform::generic_utf8_of(platform::path_from_utf8(destination).lexically_normal());
}

}  // namespace

std::optional<std::string> destination_problem(const std::string& d) {
  if (d.empty()) return "must not be empty";
  for (char c : d)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return "contains a control character; use printable characters only";
  if (d.find('\\') != std::string::npos) return "use '/' to separate directories, not '\\'";
  if (d.front() == '/') return "must be relative to the destination directory, not absolute";
  if (d.size() >= 2 && d[1] == ':' && std::isalpha(static_cast<unsigned char>(d[0])))
    return "must be relative to the destination directory, not a drive path";
  if (d.size() > kMaxDestinationBytes)
    return "is " + std::to_string(d.size()) + " bytes long; at most " +
           std::to_string(kMaxDestinationBytes) + " are allowed";
  std::size_t start = 0;
  while (start <= d.size()) {
    const std::size_t end = std::min(d.find('/', start), d.size());
    const std::size_t length = end - start;
    if (length == 2 && d.compare(start, 2, "..") == 0)
      return "may not contain '..': it would escape the destination directory";
    if (length > kMaxSegmentBytes)
      return "has a path segment of " + std::to_string(length) + " bytes; at most " +
             std::to_string(kMaxSegmentBytes) + " are allowed in one file or directory name";
    start = end + 1;
  }
  const std::string normal = normal_form(d);
  if (d.back() == '/' || normal.empty() || normal == "." || normal.back() == '/')
    return "names a directory, not a file; add the file name";
  return std::nullopt;
}

std::vector<DestinationClash> destination_clashes(
    const std::vector<std::optional<std::string>>& destinations) {
  std::map<std::string, std::size_t> first;  // normal form → first asset with it
  std::vector<DestinationClash> out;
  std::vector<std::string> normal(destinations.size());
  std::vector<bool> refused(destinations.size(), false);
  for (std::size_t i = 0; i < destinations.size(); ++i) {
    if (!destinations[i]) continue;
    normal[i] = normal_form(*destinations[i]);
    if (auto [it, fresh] = first.emplace(normal[i], i); !fresh) {
      out.push_back({i, it->second, false});
      refused[i] = true;
    }
  }
  // A file's path may not be a directory of another destination.
  for (std::size_t i = 0; i < destinations.size(); ++i) {
    if (!destinations[i] || refused[i]) continue;
    for (std::size_t slash = normal[i].find('/'); slash != std::string::npos;
         slash = normal[i].find('/', slash + 1)) {
      if (const auto it = first.find(normal[i].substr(0, slash)); it != first.end()) {
        out.push_back({i, it->second, true});
        break;
      }
    }
  }
  return out;
}

}  // namespace assetfetch::config_detail
