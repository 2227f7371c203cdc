// Joins relative destinations under one directory, refusing absolute paths,
// `..` segments and existing symbolic links that lead out of it. Each
// destination *folder* is resolved once per joiner: a manifest of thousands
// of files in a few folders costs a few path resolutions, not thousands.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace assetfetch {

class DestinationJoiner {
 public:
  explicit DestinationJoiner(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // `dir` / `relative`, lexically normal. Throws InputError naming `what`.
  std::filesystem::path join(const std::string& relative, const std::string& what);

 private:
  // Empty when `folder` (lexically normal, under dir_) stays inside dir_,
  // else where it really leads.
  const std::string& escape_of(const std::filesystem::path& folder);

  std::filesystem::path dir_;
  std::optional<std::filesystem::path> base_;    // dir_ resolved, once
  std::map<std::filesystem::path, std::string> folders_;  // folder -> escape_of
};

}  // namespace assetfetch
