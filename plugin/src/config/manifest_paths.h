// Where a manifest's assets go: each destination alone (relative, inside
// the destination directory, a file name the file system takes) and all of
// them together (no two the same file, none inside another's file).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace assetfetch::config_detail {

// A path segment leaves room for the temporary's suffix under NAME_MAX (255).
inline constexpr std::size_t kMaxSegmentBytes = 200;
inline constexpr std::size_t kMaxDestinationBytes = 1024;

// nullopt when `destination` is acceptable, else what is wrong and the fix.
std::optional<std::string> destination_problem(const std::string& destination);

struct DestinationClash {
  std::size_t index;  // the asset refused
  std::size_t other;  // the asset it clashes with
  bool inside;        // index's path lies inside other's file (else: the same file)
};

// Clashes among acceptable destinations (nullopt: that asset has none).
// A path is refused once, against the first asset it clashes with.
std::vector<DestinationClash> destination_clashes(
    const std::vector<std::optional<std::string>>& destinations);

}  // namespace assetfetch::config_detail
