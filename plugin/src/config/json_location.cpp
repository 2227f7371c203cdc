#include "config/json_location.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "config/json_node.h"
#include "core/input_error.h"

namespace assetfetch::config_detail {

TextPosition position_of_index(const std::string& text, std::size_t index) {
  TextPosition pos;
  for (std::size_t i = 0; i < std::min(index, text.size()); ++i) {
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

// nlohmann prints control characters of a token as "<U+000A>"; the raw token
// is shorter by 7 bytes for each.
std::size_t raw_token_length(const std::string& printed) {
  std::size_t length = printed.size();
  for (std::size_t i = 0; i + 8 <= printed.size(); ++i) {
    if (printed.compare(i, 3, "<U+") == 0 && printed[i + 7] == '>' &&
        std::all_of(printed.begin() + static_cast<std::ptrdiff_t>(i) + 3,
                    printed.begin() + static_cast<std::ptrdiff_t>(i) + 7,
                    [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
      length -= 7;
      i += 7;
    }
  }
  return length;
}

bool is_structural(char c) { return std::string_view("{}[],:").find(c) != std::string_view::npos; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A SAX consumer that only records what the parser last read when it gave up.
struct ErrorLocator : nlohmann::json_sax<nlohmann::json> {
  std::string last_token;
  std::string message;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string& token,
                   const nlohmann::detail::exception& e) override {
    last_token = token;
    message = e.what();
    return false;
  }
};

// nlohmann reports the byte after the offending token (`byte`, 1-based, is
// the last byte read). Point at the token's first byte instead: a string
// token is exactly the reported last token; a broken literal (tru, nul) is
// the run of literal characters before the byte that broke it.
std::size_t token_start(const std::string& text, std::size_t byte, const std::string& last_token) {
  if (byte == 0) return 0;
  const std::size_t idx = byte - 1;
  if (idx >= text.size()) return text.size();
  const char c = text[idx];
  const bool control = static_cast<unsigned char>(c) < 0x20;
  // A control character inside a string: the token is the open string alone.
  const bool open_string = control && last_token.find('"', 1) == std::string::npos;
  if (!last_token.empty() && last_token.front() == '"' && (c == '"' || open_string)) {
    const std::size_t raw = raw_token_length(last_token);
    return byte >= raw ? byte - raw : 0;
  }
  if (is_structural(c)) return idx;
  std::size_t start = is_space(c) ? idx : idx + 1;
  while (start > 0 && !is_space(text[start - 1]) && !is_structural(text[start - 1]) &&
         text[start - 1] != '"')
    --start;
  return start == idx + 1 || (is_space(c) && start == idx) ? idx : start;
}

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line
// 3, column 5: syntax error ..."; keep only the part after the position.
// The "; last read: '...'" tail is dropped: nlohmann accumulates it across
// tokens, so it misleads more than the column does.
std::string strip_nlohmann_prefix(const std::string& what) {
  const std::size_t start = what.find("parse error");
  if (start == std::string::npos) return what;
  const std::size_t colon = what.find(": ", start);
  std::string message = colon == std::string::npos ? what.substr(start) : what.substr(colon + 2);
  const std::size_t tail = message.find("; last read: ");
  if (tail != std::string::npos) message.erase(tail);
  return message;
}

// nlohmann keeps the last of duplicate keys; a repeated "sources" would
// silently drop mirrors, so duplicates are refused with their pointer.
class DuplicateKeyCheck {
 public:
  explicit DuplicateKeyCheck(std::string file) : file_(std::move(file)) {}

  bool operator()(int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    switch (event) {
      case E::object_start: frames_.push_back({false, 0, {}, {}}); break;
      case E::array_start: frames_.push_back({true, 0, {}, {}}); break;
      case E::key: {
        Frame& top = frames_.back();
        top.key = parsed.get<std::string>();
        if (!top.keys.insert(top.key).second)
          throw InputError(file_ + ": " + pointer() + ": duplicate key \"" + top.key +
                           "\"; each key may appear once in an object (merge the two)");
        break;
      }
      case E::value: element_done(); break;
      case E::object_end:
      case E::array_end:
        frames_.pop_back();
        element_done();
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool array;
    std::size_t index;
    std::set<std::string> keys;
    std::string key;
  };
  void element_done() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  std::string pointer() const {
    std::string out;
    for (const auto& f : frames_)
      out += f.array ? "/" + std::to_string(f.index) : pointer_segment(f.key);
    return out;
  }

  std::string file_;
  std::vector<Frame> frames_;
};

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::filesystem::path& file) {
  try {
    return nlohmann::json::parse(text, DuplicateKeyCheck(file.string()));
  } catch (const nlohmann::json::parse_error& e) {
    ErrorLocator locator;
    locator.message = e.what();
    nlohmann::json::sax_parse(text, &locator);
    const TextPosition pos = position_of_index(text, token_start(text, e.byte, locator.last_token));
    throw InputError(file.string() + ":" + std::to_string(pos.line) + ":" +
                     std::to_string(pos.column) + ": " + strip_nlohmann_prefix(locator.message) +
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
