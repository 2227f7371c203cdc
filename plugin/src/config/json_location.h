// Reading a manifest or config: a regular file of bounded size, parsed so
// that every syntax error points at FILE:LINE:COLUMN (DESIGN.md "Settled
// details" → `check`).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/diagnostics.h"
#include "config/json_scan.h"

namespace assetfetch::config_detail {

// Manifests and configs are small; anything larger is the wrong file.
inline constexpr std::uintmax_t kMaxDocumentBytes = 16u << 20;

struct JsonDocument {
  std::filesystem::path file;
  std::string text;
  nlohmann::json root;
  // Duplicate keys: reported together with the loader's own diagnostics.
  std::vector<Diagnostic> problems;
};

// Parses `text`. Throws ValidationError, placed at line:column, for what
// makes the document unreadable: a syntax error (trailing garbage too), a
// NUL byte, a number too large for a double, nesting deeper than
// kMaxJsonDepth, more than kMaxDocumentBytes.
JsonDocument parse_document(std::string text, const std::filesystem::path& file);

// Reads and parses `file`; `what` ("manifest", "config", "file") names it in
// errors. Throws InputError for a file that cannot be read, is not a regular
// file or is too large, ValidationError as parse_document.
JsonDocument read_document(const std::filesystem::path& file, const std::string& what);

// Whole regular file as bytes, at most kMaxDocumentBytes. Opening never
// blocks (a FIFO is refused, not waited on). Throws InputError naming the
// file, the reason and the fix.
std::string read_text_file(const std::filesystem::path& file, const std::string& what);

}  // namespace assetfetch::config_detail
