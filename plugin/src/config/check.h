// `assetfetch check FILE`: validate a manifest or a mirror config with the
// loaders' rules (the very ones `sync`, `fetch --config` and the C ABI use)
// and summarise it. The CLI command is a thin wrapper.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/document_kind.h"

namespace assetfetch {

struct CheckReport {
  DocumentKind kind = DocumentKind::config;
  std::string summary;                // "FILE: ok (manifest, 3 assets)"
  std::vector<std::string> warnings;  // each "FILE: /pointer: message"
};

// The kind comes from `kind`, else from the document ("$schema", or its
// keys: config_detail::guess_kind), else config. A missing ${env:} variable
// is a warning here. Throws ValidationError listing every problem (each
// with FILE:LINE:COLUMN), or InputError when the file cannot be read.
CheckReport check_file(const std::filesystem::path& file,
                       std::optional<DocumentKind> kind = std::nullopt);
CheckReport check_text(const std::string& text, const std::filesystem::path& file_for_messages,
                       std::optional<DocumentKind> kind = std::nullopt);

}  // namespace assetfetch
