// `assetfetch check FILE`: validate a manifest or a mirror config with the
// loaders' rules and summarise it. The CLI command is a thin wrapper.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace assetfetch {

enum class DocumentKind { manifest, config };

struct CheckReport {
  DocumentKind kind = DocumentKind::config;
  std::string summary;                // "FILE: ok (manifest, 3 assets)"
  std::vector<std::string> warnings;  // each "FILE: /pointer: message"
};

// Detects a manifest by its top-level "assets" key, a config otherwise;
// `kind` overrides. A missing ${env:} variable is a warning here. Throws
// InputError (syntax: FILE:LINE:COLUMN, schema: FILE: /pointer) when invalid.
CheckReport check_file(const std::filesystem::path& file,
                       std::optional<DocumentKind> kind = std::nullopt);
CheckReport check_text(const std::string& text, const std::filesystem::path& file_for_messages,
                       std::optional<DocumentKind> kind = std::nullopt);

}  // namespace assetfetch
