// A walk over JSON text that keeps positions, which nlohmann's DOM drops:
// where each JSON pointer's key and value start, and the problems the DOM
// parser does not report with a place (duplicate keys, nesting too deep,
// numbers too large for a double).
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/diagnostics.h"

namespace assetfetch::config_detail {

// Deeper nesting than any manifest or config needs (they use 6 levels).
inline constexpr std::size_t kMaxJsonDepth = 64;

// JSON's four whitespace bytes (RFC 8259, section 2).
inline bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

struct TextPosition {
  std::size_t line = 1;    // 1-based
  std::size_t column = 1;  // 1-based, in characters (UTF-8 sequences count once)
};

// Line and column of the byte at 0-based `index` of `text`.
TextPosition position_of_index(const std::string& text, std::size_t index);

struct NodePlace {
  TextPosition value;
  TextPosition key;      // the member's key; equals `value` for array elements and the root
};

struct JsonScan {
  std::map<std::string, NodePlace> places;  // only for the pointers asked for
  std::vector<Diagnostic> problems;         // positioned; see kinds above
  bool too_deep = false;                    // the walk stopped there
};

// Walks `text`, a JSON document, recording the places of `wanted` pointers
// and the problems. Stops quietly at anything that is not JSON (the DOM
// parser reports syntax errors).
JsonScan scan_json(const std::string& text, const std::set<std::string>& wanted = {});

}  // namespace assetfetch::config_detail
