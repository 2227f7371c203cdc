#include "config/json_location.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "input_error.h"

namespace assetfetch::config_detail {

TextPosition position_of_byte(const std::string& text, std::size_t byte) {
  // nlohmann counts the offending byte as read, so it sits at index byte-1.
  const std::size_t index = byte == 0 ? 0 : std::min(byte - 1, text.size());
  TextPosition pos;
  for (std::size_t i = 0; i < index; ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else {
      ++pos.column;
    }
  }
  return pos;
}

namespace {

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line
// 3, column 5: syntax error ..."; keep only the part after the position.
std::string strip_nlohmann_prefix(const std::string& what) {
  const std::string marker = "parse error";
  std::size_t start = what.find(marker);
  if (start == std::string::npos) return what;
  std::size_t colon = what.find(": ", start);
  if (colon == std::string::npos) return what.substr(start);
  return what.substr(colon + 2);
}

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::filesystem::path& file) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const TextPosition pos = position_of_byte(text, e.byte);
    throw InputError(file.string() + ":" + std::to_string(pos.line) + ":" +
                     std::to_string(pos.column) + ": " + strip_nlohmann_prefix(e.what()) +
                     " (fix the JSON syntax there)");
  }
}

std::string read_text_file(const std::filesystem::path& file, const std::string& what) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw InputError(file.string() + ": cannot read " + what + ": it is a directory (name a file)");
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    const int err = errno;
    throw InputError(file.string() + ": cannot read " + what + ": " +
                     (err ? std::strerror(err) : "open failed") + " (check the path)");
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw InputError(file.string() + ": error while reading " + what);
  return buf.str();
}

}  // namespace assetfetch::config_detail
