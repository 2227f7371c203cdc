// Reading a JSON document so that a syntax error points at FILE:LINE:COLUMN
// (DESIGN.md "Settled details" → `check`).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace assetfetch::config_detail {

struct TextPosition {
  std::size_t line = 1;    // 1-based
  std::size_t column = 1;  // 1-based, in bytes
};

// Line and column of the byte at 0-based `index` of `text`.
TextPosition position_of_index(const std::string& text, std::size_t index);

// Parses `text`; a syntax error throws InputError "FILE:LINE:COLUMN: message"
// pointing at the start of the offending token.
nlohmann::json parse_json_text(const std::string& text, const std::filesystem::path& file);

// Whole file as bytes; throws InputError naming the file and the OS reason.
std::string read_text_file(const std::filesystem::path& file, const std::string& what);

}  // namespace assetfetch::config_detail
