#include "config/json_scan.h"

#include <cmath>
#include <cstdlib>
#include <string_view>

#include "base/utf8.h"
#include "config/json_node.h"

namespace assetfetch::config_detail {

namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One pass over the text. Iterative (an explicit stack), so no input can
// exhaust the call stack; every loop step consumes a byte or stops.
class Walker {
 public:
  Walker(const std::string& text, const std::set<std::string>& wanted, JsonScan& out)
      : text_(text), wanted_(wanted), out_(out) {}

  void run() {
    if (text_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;  // a UTF-8 byte order mark
    skip_space();
    if (at_end()) return;
    TextPosition key = here();
    bool need_value = true;
    for (;;) {
      if (need_value) {
        if (!start_value(&key, &need_value)) return;
        continue;
      }
      skip_space();
      if (stack_.empty() || at_end()) return;
      Frame& top = stack_.back();
      const char c = peek();
      if (c == (top.array ? ']' : '}')) {
        step();
        pointer_.resize(top.base);
        stack_.pop_back();
      } else if (c == ',') {
        step();
        skip_space();
        if (at_end() || !next_member(&key)) return;
        need_value = true;
      } else {
        return;
      }
    }
  }

 private:
  struct Frame {
    bool array;
    std::size_t index;
    std::size_t base;  // pointer length of the container itself
    std::set<std::string> keys;
  };

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  TextPosition here() const { return {line_, column_}; }
  void step() {
    const char c = text_[pos_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if (!is_continuation(c)) {
      ++column_;
    }
  }
  void skip_space() {
    while (!at_end() && is_json_space(peek())) step();
  }

  // At a value: records its place, then consumes a scalar (the value is
  // done: *need_value = false) or opens a container (positions at its first
  // member, whose key goes to *key: *need_value stays true; or false for an
  // empty one).
  bool start_value(TextPosition* key, bool* need_value) {
    if (!wanted_.empty() && wanted_.count(pointer_)) out_.places[pointer_] = {here(), *key};
    const char c = peek();
    if (c == '{' || c == '[') {
      if (stack_.size() >= kMaxJsonDepth) {
        out_.problems.push_back({pointer_,
                                 "nested deeper than " + std::to_string(kMaxJsonDepth) +
                                     " levels; a manifest or config needs at most 6",
                                 "", false, line_, column_});
        out_.too_deep = true;
        return false;
      }
      const bool array = c == '[';
      step();
      stack_.push_back({array, 0, pointer_.size(), {}});
      skip_space();
      if (at_end()) return false;
      if (peek() == (array ? ']' : '}')) {
        *need_value = false;
        return true;
      }
      return enter_member(key);  // *need_value stays true: its first member
    }
    *need_value = false;
    if (c == '"') return read_string(nullptr);
    return read_scalar();
  }

  // After the ',' of the top container: positions at its next member.
  bool next_member(TextPosition* key) {
    ++stack_.back().index;
    return enter_member(key);
  }

  bool enter_member(TextPosition* key) {
    Frame& top = stack_.back();
    pointer_.resize(top.base);
    *key = here();
    if (top.array) {
      pointer_ += "/" + std::to_string(top.index);
      return true;
    }
    if (at_end() || peek() != '"') return false;
    std::string name;
    if (!read_string(&name)) return false;
    pointer_ += pointer_segment(name);
    if (!top.keys.insert(name).second)
      out_.problems.push_back({pointer_,
                               "duplicate key " + quoted_value(name) +
                                   "; each key may appear once in an object (merge the two)",
                               "", true, key->line, key->column});
    skip_space();
    if (at_end() || peek() != ':') return false;
    step();
    skip_space();
    return !at_end();
  }

  // A string at '"'; decoded into *out when given.
  bool read_string(std::string* out) {
    step();
    while (!at_end()) {
      const char c = peek();
      step();
      if (c == '"') return true;
      if (c != '\\') {
        if (out) *out += c;
        continue;
      }
      if (at_end()) return false;
      const char e = peek();
      step();
      if (e == 'u') {
        std::uint32_t unit = 0;
        if (!read_hex4(&unit)) return false;
        // A high surrogate followed by \uDC00-\uDFFF is one code point.
        if (unit >= 0xD800 && unit < 0xDC00 && pos_ + 1 < text_.size() && peek() == '\\' &&
            text_[pos_ + 1] == 'u') {
          step();
          step();
          std::uint32_t low = 0;
          if (!read_hex4(&low)) return false;
          unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
        }
        if (out) append_utf8(*out, unit);
        continue;
      }
      if (!out) continue;
      switch (e) {
        case 'b': *out += '\b'; break;
        case 'f': *out += '\f'; break;
        case 'n': *out += '\n'; break;
        case 'r': *out += '\r'; break;
        case 't': *out += '\t'; break;
        default: *out += e; break;  // " \ /
      }
    }
    return false;
  }

  bool read_hex4(std::uint32_t* unit) {
    for (int i = 0; i < 4; ++i) {
      if (at_end() || hex_digit(peek()) < 0) return false;
      *unit = *unit * 16 + static_cast<std::uint32_t>(hex_digit(peek()));
      step();
    }
    return true;
  }

  // A number or a literal (true, false, null).
  bool read_scalar() {
    const std::size_t start = pos_;
    const TextPosition where = here();
    while (!at_end() && !is_json_space(peek()) &&
           std::string_view(",:[]{}\"").find(peek()) == std::string_view::npos)
      step();
    if (pos_ == start) return false;
    const std::string token = text_.substr(start, pos_ - start);
    if (token[0] == '-' || (token[0] >= '0' && token[0] <= '9')) {
      if (std::isinf(std::strtod(token.c_str(), nullptr)))
        out_.problems.push_back({pointer_,
                                 "the number " + quoted_value(token, 40) +
                                     " is out of range (larger than any value allowed here)",
                                 "", false, where.line, where.column});
    }
    return true;
  }

  const std::string& text_;
  const std::set<std::string>& wanted_;
  JsonScan& out_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t column_ = 1;
  std::vector<Frame> stack_;
  std::string pointer_;
};

}  // namespace

TextPosition position_of_index(const std::string& text, std::size_t index) {
  TextPosition pos;
  for (std::size_t i = 0; i < std::min(index, text.size()); ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else if (!is_continuation(text[i])) {
      ++pos.column;
    }
  }
  return pos;
}

JsonScan scan_json(const std::string& text, const std::set<std::string>& wanted) {
  JsonScan out;
  Walker(text, wanted, out).run();
  return out;
}

}  // namespace assetfetch::config_detail
